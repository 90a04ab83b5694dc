#!/usr/bin/env bash
# Fleet benchmark (issue 3): `twincast fleet-sim` holds 10,000 simulated players (WebSocket each, heartbeats every
# 30 s, proof of play every 60 s) against one `twincast serve` on this machine; once all hold their manifest it
# creates a campaign through the operator API and measures, per player, the time until it holds the new manifest.
# Reference, same run: the same change with a single connected player. Also reports server memory per screen.
# Writes the `## Fleet` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/fleet.sh
#   BENCH_NODES=3 ./bench/fleet.sh   # multi-node mode: 3 nodes on PostgreSQL + S3 behind the documented HAProxy,
#                                    # 30,000 screens (bench/fleet-nodes.sh; writes `## Fleet, 3 nodes`)
#
# Knobs (environment, all optional):
#   BENCH_SCREENS=10000 BENCH_CAMPAIGNS=29 BENCH_PARTNERS=29 BENCH_LOCATIONS=50 BENCH_ROUNDS=3 BENCH_HOLD=10 (s)
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ "${BENCH_NODES:-1}" -gt 1 ]; then exec "$ROOT/bench/fleet-nodes.sh"; fi

SCREENS=${BENCH_SCREENS:-10000}
CAMPAIGNS=${BENCH_CAMPAIGNS:-29}
PARTNERS=${BENCH_PARTNERS:-29}
LOCATIONS=${BENCH_LOCATIONS:-50}
ROUNDS=${BENCH_ROUNDS:-3}
HOLD=${BENCH_HOLD:-10}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-fleet"
DATA="$BENCH/data"
COMMAND="./bench/fleet.sh"
T0=$(date +%s)
# Results and logs go here; .tmp/ does not exist in a fresh clone.
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

TW_PID=""
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -n "$TW_PID" ] && log "stopping twincast (pid $TW_PID)" && stop_group "$TW_PID"
    [ "$rc" -ne 0 ] && log "FAILED (exit $rc) after $(($(date +%s) - T0))s; logs in $BENCH" || log "done in $(($(date +%s) - T0))s"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fleet_limits "$SCREENS"

stage "tools"
MISSING=()
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"

stage "build twincast (release)"
build_twincast

stage "provision $SCREENS screens, $CAMPAIGNS campaigns of $PARTNERS partners in $LOCATIONS locations"
TOKENS="$BENCH/tokens.txt"
export TWINCAST_LOG=warn
fleet_provision "$DATA" "$SCREENS" "$CAMPAIGNS" "$PARTNERS" "$LOCATIONS" "$TOKENS" bench-op
# One more screen for the single-player reference.
"$TWINCAST" fleet provision --data "$DATA" --screens 1 --locations "$LOCATIONS" --tokens-out "$BENCH/one.txt" >/dev/null

stage "start twincast serve"
fleet_serve "$DATA" 18680 "$BENCH/twincast.log" info
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

sim() { # name screens tokens -> report in $BENCH/report-NAME.json
    local name=$1 n=$2 tokens=$3
    "$TWINCAST" fleet-sim --server "$BASE" --screens "$n" --tokens "$tokens" --api-token "$API_TOKEN" --change \
        --hold "$HOLD" --timeout 180 --server-pid "$TW_PID" --report "$BENCH/report-$name.json" \
        2> >(grep -v 'holding a manifest, [0-9]' >&2) | tee "$BENCH/sim-$name.txt"
}
for round in $(seq 1 "$ROUNDS"); do
    stage "round $round: reference (1 player), then $SCREENS players"
    sim "one-$round" 1 "$BENCH/one.txt" >/dev/null
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("reference change latency: %.1f ms" % r["change"]["latency"]["max_ms"])' "$BENCH/report-one-$round.json"
    sim "fleet-$round" "$SCREENS" "$TOKENS"
done
grep -h 'manifests refreshed' "$BENCH/twincast.log" | sed 's/\x1b\[[0-9;]*m//g' | sed 's/^.*hub: /hub: /' | tail -n "$((ROUNDS * 4))" || true

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$BENCH" "$DOC" "$SCREENS" "$CAMPAIGNS" "$PARTNERS" "$LOCATIONS" "$ROUNDS" "$HOLD" "$COMMAND" <<'PY'
import json, os, re, sys
bench, doc, screens, campaigns, partners, locations, rounds, hold, command = sys.argv[1:]
m = os.environ
R = lambda name: json.load(open(f"{bench}/report-{name}.json"))
out = ["## Fleet\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build, `twincast serve`, "
           f"SQLite + local storage). `twincast fleet-sim` runs {int(screens):,} players in one process on the same machine "
           f"(so the 2 cores are shared by server and players): each holds a WebSocket, fetches its manifest (gzip) on "
           f"`hello`/`manifest_changed`, sends a heartbeat every 30 s and a proof-of-play batch every 60 s (both spread "
           f"over the period). Network: `twincast fleet provision` with {int(partners)} partners, {int(campaigns)} campaigns "
           f"(two 10-15 s slides each; of every ten, one targets every screen, five a kind of place, four one place), "
           f"{int(locations)} locations in 4 time zones, a fifth of the screens portrait. Once every player holds its "
           f"manifest, the simulator creates a campaign for every screen through `POST /api/v1/campaigns` and measures, per "
           f"player, the time from sending that request until it holds the new manifest (WebSocket push, then GET). "
           f"Reference, same run: the same change with 1 player connected. Server memory: RSS with the fleet connected "
           f"minus RSS before it connected, per connected player (round 1 starts from a fresh server). "
           f"{rounds} rounds, each holding the fleet {hold} s after the change. Load average: {m['M_LOAD']}.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_SCREENS`, `BENCH_CAMPAIGNS`, `BENCH_LOCATIONS`, `BENCH_ROUNDS`).\n")
out.append("| round | connected | up in s | **within 2 s** (goal ≥ 99%) | p50 ms | p99 ms | max ms | reference (1 player) ms | p99 / reference | server memory per screen | errors |")
out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for i in range(1, int(rounds) + 1):
    f, one = R(f"fleet-{i}"), R(f"one-{i}")
    c, ref = f["change"], one["change"]["latency"]["max_ms"]
    mem = f.get("server_memory")
    mem_s = f"{mem['bytes_per_screen'] / 1024:.1f} KiB" if mem and i == 1 else ("(not fresh)" if mem else "-")
    errs = ", ".join(f"{k}: {v}" for k, v in f["errors"].items()) or "none"
    out.append(f"| {i} | {f['connected']:,} / {f['screens']:,} | {f['ramp_up_secs']:.1f} | **{c['within_2s'] * 100:.2f}%** "
               f"({c['updated']:,} of {c['players']:,} updated) | {c['latency']['p50_ms']:.0f} | {c['latency']['p99_ms']:.0f} | "
               f"{c['latency']['max_ms']:.0f} | {ref:.1f} | {c['latency']['p99_ms'] / ref:.0f}× | {mem_s} | {errs} |")
f = R("fleet-1")
out.append("")
out.append(f"Round 1 also saw: heartbeats p50 {f['heartbeat']['p50_ms']:.0f} ms / p99 {f['heartbeat']['p99_ms']:.0f} ms "
           f"({f['heartbeat']['count']:,}), proof-of-play batches p50 {f['plays']['p50_ms']:.0f} ms / p99 {f['plays']['p99_ms']:.0f} ms "
           f"({f['plays_accepted']:,} events accepted), {f['manifests_received']:,} manifests received "
           f"({f['manifest_bytes'] / max(f['manifests_received'], 1) / 1024:.0f} KiB each on average), {f['reconnects']} reconnects.\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Fleet\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Fleet' section of {doc}")
PY
