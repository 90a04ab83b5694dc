#!/usr/bin/env bash
# What-if benchmark (issue 9, item 8): `POST /api/v1/simulate` with a draft change to a campaign that targets every
# screen (10,000 screens, 1,000 campaigns, 14 days: the whole network) against today's single-screen simulate
# (`GET /api/v1/screens/{id}/simulate?days=14`) on the same server, in the same run; requests alternate reference /
# what-if, after one warm-up of each. Every answer is checked (200, and the what-if reports every screen).
# Writes the `## What-if simulation` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/whatif.sh
#
# Knobs (environment, all optional):
#   BENCH_SCREENS=10000 BENCH_CAMPAIGNS=1000 BENCH_ROUNDS=5 BENCH_DAYS=14
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   CARGO_TARGET_DIR (where the release build goes, as for cargo)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCREENS=${BENCH_SCREENS:-10000}
CAMPAIGNS=${BENCH_CAMPAIGNS:-1000}
ROUNDS=${BENCH_ROUNDS:-5}
DAYS=${BENCH_DAYS:-14}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-whatif"
DATA="$BENCH/data"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/whatif.sh"
FROM="2026-12-01T12:00:00Z"
T0=$(date +%s)
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

stage "tools"
MISSING=()
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"

stage "build twincast (release)"
build_twincast

stage "provision $SCREENS screens, $CAMPAIGNS campaigns (fresh SQLite database)"
rm -rf "$DATA" && mkdir -p "$DATA"
export TWINCAST_LOG=warn
"$TWINCAST" fleet provision --data "$DATA" --screens "$SCREENS" --campaigns "$CAMPAIGNS" --partners 50 \
    --locations 100 --targeting mixed --tokens-out "$BENCH/tokens.txt"
printf 'bench-operator-password\n' | "$TWINCAST" user add bench-op --role operator --password-stdin --data "$DATA" >/dev/null
API_TOKEN=$("$TWINCAST" token create --user bench-op --data "$DATA")

stage "start twincast serve"
PORT=$(free_port 18780)
setsid env TWINCAST_LOG=warn "$TWINCAST" serve --data "$DATA" --listen "127.0.0.1:$PORT" </dev/null >"$BENCH/twincast.log" 2>&1 &
TW_PID=$!
BASE="http://127.0.0.1:$PORT"
wait_healthy "$BASE" "$TW_PID" "$BENCH/twincast.log" 60
AUTH="Authorization: Bearer $API_TOKEN"

# The change: campaign 0 of the fleet targets every screen; the draft quadruples its weight.
CAMPAIGN=$(curl -fsS -H "$AUTH" "$BASE/api/v1/campaigns?zone=main" |
    python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin)["items"] if c["name"] == "fleet campaign 0000" and not any(c["targets"].values())))')
SCREEN=$(head -n 1 "$BENCH/tokens.txt" | cut -f2)
BODY="{\"draft\": {\"update\": {\"id\": \"$CAMPAIGN\", \"changes\": {\"weight\": 4}}}, \"from\": \"$FROM\", \"days\": $DAYS}"
log "draft: weight 4 for campaign $CAMPAIGN (targets every screen); reference screen $SCREEN"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
measure() { # name round -> appends to RESULTS
    local name=$1 round=$2 out="$BENCH/answer-$1.json" t code
    case $name in
        single) t=$(curl -sS -o "$out" -w '%{http_code} %{time_total}' -H "$AUTH" \
            "$BASE/api/v1/screens/$SCREEN/simulate?from=$FROM&days=$DAYS") ;;
        network) t=$(curl -sS -o "$out" -w '%{http_code} %{time_total}' -H "$AUTH" -H 'Content-Type: application/json' \
            -d "$BODY" "$BASE/api/v1/simulate") ;;
    esac
    code=${t%% *}
    [ "$code" = 200 ] || { head -c 500 "$out"; die "$name: HTTP $code"; }
    if [ "$name" = network ]; then
        python3 - "$out" "$SCREENS" <<'PY' || die "the what-if answer does not cover every screen"
import json, sys
w = json.load(open(sys.argv[1]))
assert w["screens"] == int(sys.argv[2]), w["screens"]
assert sum(len(c["screens"]) for c in w["classes"]) == w["screens"]
PY
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$round" "${t#* }" "$(wc -c <"$out")" >>"$RESULTS"
    log "$name round $round: ${t#* } s"
}
printf 'name\tround\tseconds\tbytes\n' >"$RESULTS"
stage "warm-up, then $ROUNDS rounds: single-screen simulate, whole-network what-if"
measure single 0
measure network 0
for round in $(seq 1 "$ROUNDS"); do
    measure single "$round"
    measure network "$round"
done
python3 -c 'import json,sys; w=json.load(open(sys.argv[1])); print(w["screens"], len(w["classes"]), w["simulations"])' \
    "$BENCH/answer-network.json" >"$BENCH/shape.txt"

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$RESULTS" "$DOC" "$SCREENS" "$CAMPAIGNS" "$DAYS" "$ROUNDS" "$COMMAND" "$BENCH/shape.txt" <<'PY'
import csv, os, re, sys
results, doc, screens, campaigns, days, rounds, command, shape = sys.argv[1:]
rows = [r for r in csv.DictReader(open(results), delimiter="\t") if r["round"] != "0"]
affected, classes, sims = open(shape).read().split()
def med(name):
    xs = sorted(float(r["seconds"]) for r in rows if r["name"] == name)
    return xs[len(xs) // 2]
single, network = med("single"), med("network")
m = os.environ
out = ["## What-if simulation\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build, `twincast serve`, "
           f"SQLite + local storage) holding {int(screens):,} screens and {int(campaigns):,} campaigns of 50 partners "
           f"(`twincast fleet provision --targeting mixed`: 100 locations of 4 kinds in 4 time zones, a fifth of the screens "
           f"portrait; of every ten campaigns one targets every screen, five a kind of place, four one place; two 10-15 s "
           f"slides each). The draft changes the weight of a campaign that targets every screen (`POST /api/v1/simulate`, "
           f"`{{\"draft\": {{\"update\": {{\"id\": …, \"changes\": {{\"weight\": 4}}}}}}, \"days\": {days}}}`), so every screen "
           f"is affected; the reference is today's single-screen simulate of one of those screens over the same {days} days "
           f"(`GET /api/v1/screens/{{id}}/simulate?days={days}`), on the same server in the same run. Times are curl's "
           f"`time_total` over loopback (the request, loading the screens and the schedule from SQLite, the computation and "
           f"the JSON answer); median of {rounds} alternating rounds after one warm-up of each. Load average: {m['M_LOAD']}.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_SCREENS`, `BENCH_CAMPAIGNS`, `BENCH_ROUNDS`, `BENCH_DAYS`).\n")
out.append("| request | answer | median | ratio to the single-screen simulate |")
out.append("|---|---|---:|---:|")
nb = max(int(r["bytes"]) for r in rows if r["name"] == "network")
out.append(f"| single-screen simulate, {days} days (reference) | one screen | {single * 1000:,.0f} ms | 1.00× |")
out.append(f"| **what-if, whole network**, {days} days | {int(affected):,} screens affected, {int(classes)} classes, "
           f"{int(sims)} simulations, {nb / 1024:,.0f} KiB | **{network * 1000:,.0f} ms** | **{network / single:.2f}×** |")
out.append("")
verdict = "met" if network < 1.0 else "not met"
out.append(f"Goal: the whole-network what-if under 1 s — {verdict}. Screens with identical engine inputs (zone, the "
           f"campaigns that target them as seen on their orientation, the alerts) are simulated once per class, before and "
           f"after; identical local days are computed once (`simulate_repeating`), and the classes are spread over the "
           f"cores. Screen by screen, the same answer would take {2 * int(affected):,} single-screen simulations "
           f"(about {2 * int(affected) * single / 60:,.0f} min at the reference's time).\n")
out.append("<details><summary>Every run</summary>\n")
out.append("| request | round | seconds | bytes |")
out.append("|---|---:|---:|---:|")
for r in rows:
    out.append(f"| {r['name']} | {r['round']} | {float(r['seconds']):.3f} | {int(r['bytes']):,} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## What-if simulation\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## What-if simulation' section of {doc}")
PY
