#!/usr/bin/env bash
# Manifest benchmark (issue 3): `GET /api/v1/player/manifest` with 10,000 screens and 1,000 campaigns in SQLite,
# against a trivial handler (`GET /healthz`, which answers "ok") on the same server, in the same run; runs
# alternate trivial / manifest (gzip, as browsers ask) / manifest (identity). Each manifest request comes from a
# different screen (device tokens round robin), after one warm-up pass over all screens.
# Writes the `## Manifest` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/manifest.sh
#
# Knobs (environment, all optional):
#   BENCH_SCREENS=10000 BENCH_CAMPAIGNS=1000 BENCH_CONNECTIONS=64 BENCH_THREADS=2 BENCH_DURATION=10 (s per run)
#   BENCH_ROUNDS=2 BENCH_WARMUP=15 (s)   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   BENCH_TARGETING="places mixed"  the campaign targeting scenarios (`twincast fleet provision --targeting`)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCREENS=${BENCH_SCREENS:-10000}
CAMPAIGNS=${BENCH_CAMPAIGNS:-1000}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-2}
WARMUP=${BENCH_WARMUP:-15}
TARGETINGS=${BENCH_TARGETING:-places mixed}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-manifest"
DATA="$BENCH/data"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/manifest.sh"
T0=$(date +%s)
# Results and logs go here; .tmp/ does not exist in a fresh clone.
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

TW_PID=""
stop_server() {
    stop_group "$TW_PID"
    TW_PID=""
}
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

stage "tools"
MISSING=()
command -v wrk >/dev/null 2>&1 || MISSING+=(wrk)
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"

stage "build twincast (release)"
build_twincast

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'targeting\tname\tround\trequests\tbytes\tduration_us\tstatus_errors\tsocket_errors\tp50_us\tp99_us\n' >"$RESULTS"
printf 'targeting\tsize\tsize_gzip\tplays\titems\n' >"$BENCH/sizes.tsv"
for TG in $TARGETINGS; do
    stage "[$TG] provision $SCREENS screens, $CAMPAIGNS campaigns, targeting $TG (fresh SQLite database)"
    rm -rf "$DATA" && mkdir -p "$DATA"
    TOKENS="$BENCH/tokens.txt"
    TWINCAST_LOG=warn "$TWINCAST" fleet provision --data "$DATA" --screens "$SCREENS" --campaigns "$CAMPAIGNS" \
        --partners 50 --locations 100 --targeting "$TG" --tokens-out "$TOKENS"

    stage "[$TG] start twincast serve"
    PORT=$(free_port 18580)
    setsid env TWINCAST_LOG=warn "$TWINCAST" serve --data "$DATA" --listen "127.0.0.1:$PORT" </dev/null >"$BENCH/twincast.log" 2>&1 &
    TW_PID=$!
    BASE="http://127.0.0.1:$PORT"
    wait_healthy "$BASE" "$TW_PID" "$BENCH/twincast.log" 60
    TOKEN1=$(head -n 1 "$TOKENS" | cut -f1)
    SIZES=$(curl -fsS -H "Authorization: Bearer $TOKEN1" "$BASE/api/v1/player/manifest" | wc -c)
    SIZEG=$(curl -fsS -H "Authorization: Bearer $TOKEN1" -H 'Accept-Encoding: gzip' "$BASE/api/v1/player/manifest" | wc -c)
    PLAYS=$(curl -fsS -H "Authorization: Bearer $TOKEN1" "$BASE/api/v1/player/manifest" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["plays"]))')
    ITEMS=$(curl -fsS -H "Authorization: Bearer $TOKEN1" "$BASE/api/v1/player/manifest" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
    log "a manifest: $SIZES bytes ($SIZEG gzip), $PLAYS plays in 48 h, $ITEMS items"
    printf '%s\t%s\t%s\t%s\t%s\n' "$TG" "$SIZES" "$SIZEG" "$PLAYS" "$ITEMS" >>"$BENCH/sizes.tsv"

    run_wrk() { # name url seconds gzip -> BENCH_RESULT line
        local name=$1 url=$2 secs=$3 gz=$4 mode=manifest out="$BENCH/wrk-$1.log"
        [ "$name" = trivial ] && mode=trivial
        BENCH_MODE=$mode BENCH_GZIP=$gz BENCH_TOKENS=$TOKENS \
            wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 10s --latency -s "$ROOT/bench/manifest.lua" "$url" >"$out" 2>&1 ||
            { cat "$out"; die "wrk failed ($name)"; }
        grep '^BENCH_RESULT ' "$out" || { cat "$out"; die "no BENCH_RESULT ($name)"; }
    }

    stage "[$TG] warm-up: ${WARMUP}s of manifests over all screens (builds and caches every manifest)"
    line=$(run_wrk warmup "$BASE/api/v1/player/manifest" "$WARMUP" 1)
    log "warm-up: $line"

    for round in $(seq 1 "$ROUNDS"); do
        stage "[$TG] round $round: trivial, manifest gzip, manifest identity (${DURATION}s each, $CONNS connections)"
        for name in trivial gzip identity; do
            case $name in
                trivial) line=$(run_wrk trivial "$BASE/healthz" "$DURATION" 0) ;;
                gzip) line=$(run_wrk gzip "$BASE/api/v1/player/manifest" "$DURATION" 1) ;;
                identity) line=$(run_wrk identity "$BASE/api/v1/player/manifest" "$DURATION" 0) ;;
            esac
            eval "$(echo "${line#BENCH_RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
            socket_errors=$((r_connect_errors + r_read_errors + r_write_errors + r_timeouts))
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$TG" "$name" "$round" "$r_requests" "$r_bytes" "$r_duration_us" \
                "$r_status_errors" "$socket_errors" "$r_p50_us" "$r_p99_us" >>"$RESULTS"
            awk -v n="$name" -v req="$r_requests" -v d="$r_duration_us" -v b="$r_bytes" -v p99="$r_p99_us" \
                'BEGIN { printf "%-9s %9.0f req/s %8.1f MB/s  p99 %6.1f ms\n", n, req * 1e6 / d, b / d, p99 / 1000 }'
            [ "$r_status_errors" -eq 0 ] || die "$name: $r_status_errors non-2xx answers"
        done
    done
    stop_server
done

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_WRK M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_WRK=$({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$RESULTS" "$DOC" "$SCREENS" "$CAMPAIGNS" "$CONNS" "$THREADS" "$DURATION" "$ROUNDS" "$COMMAND" \
    "$BENCH/sizes.tsv" <<'PY'
import csv, os, re, sys
results, doc, screens, campaigns, conns, threads, duration, rounds, command, sizes = sys.argv[1:]
rows = list(csv.DictReader(open(results), delimiter="\t"))
size = {r["targeting"]: r for r in csv.DictReader(open(sizes), delimiter="\t")}
def rps(r): return int(r["requests"]) * 1e6 / int(r["duration_us"])
def mean(xs): return sum(xs) / len(xs)
m = os.environ
tgs = list(dict.fromkeys(r["targeting"] for r in rows))
desc = {"places": "of every ten campaigns one targets every screen, nine one place",
        "mixed": "of every ten campaigns one targets every screen, five a kind of place, four one place"}
out = ["## Manifest\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build, `twincast serve`, "
           f"SQLite + local storage) holding {int(screens):,} screens and {int(campaigns):,} campaigns of 50 partners "
           f"(`twincast fleet provision`: 100 locations in 4 time zones, a fifth of the screens portrait, two 10-15 s "
           f"slides per campaign). A manifest is 48 h of one screen. Client: {m['M_WRK']}, {conns} connections, "
           f"{threads} threads, {duration} s per run on the same machine over loopback; every manifest request is made as "
           f"another screen (its device token, round robin over all {int(screens):,}), after a warm-up pass; runs alternate "
           f"trivial / gzip / identity, {rounds} rounds per scenario, each scenario on a fresh database and server. The "
           f"trivial handler is `GET /healthz` (answers `ok`) behind the same middleware, measured in the same run. Load "
           f"average: {m['M_LOAD']}.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_TARGETING`, `BENCH_SCREENS`, `BENCH_CAMPAIGNS`, `BENCH_CONNECTIONS`, `BENCH_DURATION`, `BENCH_ROUNDS`).\n")
out.append("| targeting | manifest (items, plays) | request | req/s | **ratio to the trivial handler** (goal ≥ 0.5×) | MB/s | p99 ms |")
out.append("|---|---|---|---:|---:|---:|---:|")
names = {"trivial": "trivial handler (`/healthz`)", "gzip": "manifest, `Accept-Encoding: gzip` (browsers)",
         "identity": "manifest, no compression"}
for tg in tgs:
    sz = size.get(tg, {})
    triv = mean([rps(r) for r in rows if r["targeting"] == tg and r["name"] == "trivial"])
    for n in ["trivial", "gzip", "identity"]:
        rs = [r for r in rows if r["targeting"] == tg and r["name"] == n]
        v = mean([rps(r) for r in rs])
        mb = mean([int(r["bytes"]) / int(r["duration_us"]) for r in rs])
        ratio = "1.00×" if n == "trivial" else f"**{v / triv:.2f}×**"
        what = (f"{int(sz['size']) / 1024:,.0f} KiB, {int(sz['size_gzip']) / 1024:,.0f} KiB gzip ({sz['items']} items, "
                f"{int(sz['plays']):,} plays)") if n == "trivial" and sz else ""
        label = f"`{tg}`: {desc.get(tg, tg)}" if n == "trivial" else ""
        out.append(f"| {label} | {what} | {names[n]} | {v:,.0f} | {ratio} | {mb:,.1f} | {max(int(r['p99_us']) for r in rs) / 1000:.1f} |")
out.append("")
out.append("The manifest is built once per schedule version and screen (targeting, the play sequence and its compression "
           "once per group of screens that agree on targeting and time zone); requests are served from memory, so the rate "
           "is bound by the bytes each answer copies (through the kernel, to wrk on the same 2 cores): the more campaigns a "
           "screen is eligible for, the longer its `items` list. Players are browsers and ask for gzip. Rounds of the same "
           "run differ by up to ±20% here. Manifest format 1 (every play with its start offset) made the gzip body "
           "44-56 KiB and the ratio 0.45×-0.48× (2026-11-24); format 2 omits the start of contiguous plays, so a "
           "rotation repeats identical entries and compresses to a few KiB.\n")
out.append("<details><summary>Every run</summary>\n")
out.append("| targeting | request | round | requests | req/s | p50 ms | p99 ms | non-2xx | socket errors |")
out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    out.append(f"| {r['targeting']} | {r['name']} | {r['round']} | {int(r['requests']):,} | {rps(r):,.0f} | {int(r['p50_us']) / 1000:.1f} | "
               f"{int(r['p99_us']) / 1000:.1f} | {r['status_errors']} | {r['socket_errors']} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Manifest\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Manifest' section of {doc}")
PY
