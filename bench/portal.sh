#!/usr/bin/env bash
# Portal benchmark (issue 11): the public portal's home, a city page and search against a trivial handler
# (`GET /healthz`) on the same server in the same run. Pages are asked for as a browser asks (Accept-Encoding:
# gzip) on the demo network (`twincast demo --seed-only`: 29 partner cities, 4 places, their screens); search runs
# over 100,000 indexed documents (33,334 partners, each indexed in ru, en and zh, from `twincast fleet provision`),
# each request the next of a fixed set of Russian, English and Chinese queries. Runs alternate trivial / measured.
# Writes the `## Portal` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/portal.sh
#
# Search is measured for latency, one connection per core (BENCH_SEARCH_CONNECTIONS=2): a query is CPU work of
# about a millisecond, so more connections than cores measure the queue in front of the cores, not the search.
#
# Knobs (environment, all optional):
#   BENCH_SEARCH_CONNECTIONS=2 BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_DURATION=10 (s per run) BENCH_ROUNDS=2 BENCH_SEARCH_PARTNERS=33334
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only) CARGO_TARGET_DIR (where the release build goes)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-2}
SEARCH_PARTNERS=${BENCH_SEARCH_PARTNERS:-33334}
SEARCH_CONNS=${BENCH_SEARCH_CONNECTIONS:-2}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-portal"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/portal.sh"
PAGES="/en/ /ru/cities/akashi /zh/cities/sagamihara /en/tour /ru/cities"
# Russian inflected forms, English stems, Chinese without spaces, names that exist and words that do not.
QUERIES="%D0%BF%D0%B0%D1%80%D1%82%D0%BD%D1%91%D1%80%D0%B0|partners|%E5%8F%8B%E5%A5%BD%E5%9F%8E%E5%B8%82|Fleet%20partner%2012345|%D0%B3%D0%BE%D1%80%D0%BE%D0%B4%D0%B0%D1%85|cities|%E5%9F%8E%E5%B8%82|Load-test|zzzz-nothing|partner%2099"
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
command -v wrk >/dev/null 2>&1 || MISSING+=(wrk)
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"

stage "build twincast (release)"
build_twincast

serve() { # data-dir
    PORT=$(free_port 18780)
    setsid env TWINCAST_LOG=warn "$TWINCAST" serve --data "$1" --listen "127.0.0.1:$PORT" </dev/null >"$BENCH/twincast.log" 2>&1 &
    TW_PID=$!
    BASE="http://127.0.0.1:$PORT"
    wait_healthy "$BASE" "$TW_PID" "$BENCH/twincast.log" 300
}
run_wrk() { # name path [queries [connections]] -> BENCH_RESULT line
    local name=$1 path=$2 out="$BENCH/wrk.log" conns=${4:-$CONNS}
    BENCH_QUERIES=${3:-} wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s --latency \
        -s "$ROOT/bench/portal.lua" "$BASE$path" >"$out" 2>&1 || { cat "$out"; die "wrk failed ($name)"; }
    grep '^BENCH_RESULT ' "$out" || { cat "$out"; die "no BENCH_RESULT ($name)"; }
}
record() { # set page round line
    eval "$(echo "${4#BENCH_RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$r_requests" "$r_bytes" "$r_duration_us" \
        "$r_status_errors" "$((r_connect_errors + r_read_errors + r_write_errors + r_timeouts))" "$r_p50_us" "$r_p99_us" >>"$RESULTS"
    awk -v n="$2" -v req="$r_requests" -v d="$r_duration_us" -v p99="$r_p99_us" \
        'BEGIN { printf "%-45s %8.0f req/s  p99 %6.2f ms\n", n, req * 1e6 / d, p99 / 1000 }'
    [ "$r_status_errors" -eq 0 ] || die "$2: $r_status_errors non-2xx answers"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'set\tpage\tround\trequests\tbytes\tduration_us\tstatus_errors\tsocket_errors\tp50_us\tp99_us\n' >"$RESULTS"

stage "pages: seed the demo network"
DATA="$BENCH/data-demo"
rm -rf "$DATA" && mkdir -p "$DATA"
TWINCAST_LOG=warn "$TWINCAST" demo --seed-only --data "$DATA" >/dev/null
serve "$DATA"
for p in $PAGES; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$p")
    [ "$code" = 200 ] || die "$p answered HTTP $code"
done
for round in $(seq 1 "$ROUNDS"); do
    stage "pages: round $round (${DURATION}s per run, $CONNS connections)"
    for p in $PAGES; do
        record pages trivial "$round" "$(run_wrk trivial /healthz)"
        record pages "$p" "$round" "$(run_wrk page "$p")"
    done
done
stop_group "$TW_PID"
TW_PID=""

stage "search: $SEARCH_PARTNERS partners × 3 languages"
DATA="$BENCH/data-search"
if [ ! -f "$DATA/.provisioned-$SEARCH_PARTNERS" ]; then
    rm -rf "$DATA" && mkdir -p "$DATA"
    TWINCAST_LOG=warn "$TWINCAST" fleet provision --data "$DATA" --screens 10 --locations 1 --campaigns 0 --media 1 \
        --partners "$SEARCH_PARTNERS" --tokens-out "$BENCH/tokens.txt" >/dev/null
    touch "$DATA/.provisioned-$SEARCH_PARTNERS"
fi
serve "$DATA"
# The first search builds the index from the database.
t=$(date +%s)
curl -fsS -o /dev/null "$BASE/api/v1/search?q=partner" || die "search failed"
log "index built in $(($(date +%s) - t)) s"
for round in $(seq 1 "$ROUNDS"); do
    stage "search: round $round"
    record search trivial "$round" "$(run_wrk trivial /healthz "" "$SEARCH_CONNS")"
    record search "/api/v1/search?q=…" "$round" "$(run_wrk search "/api/v1/search?lang=ru&q=" "$QUERIES" "$SEARCH_CONNS")"
    record search trivial "$round" "$(run_wrk trivial /healthz "" "$SEARCH_CONNS")"
    record search "/ru/search?q=…" "$round" "$(run_wrk search "/ru/search?q=" "$QUERIES" "$SEARCH_CONNS")"
done
DOCS=$((SEARCH_PARTNERS * 3))

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock web 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_WRK M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_WRK=$({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$RESULTS" "$DOC" "$CONNS" "$DURATION" "$ROUNDS" "$COMMAND" "$DOCS" "$SEARCH_CONNS" <<'PY'
import csv, os, re, sys
results, doc, conns, duration, rounds, command, docs, search_conns = sys.argv[1:]
rows = list(csv.DictReader(open(results), delimiter="\t"))
m = os.environ
def rps(r): return int(r["requests"]) * 1e6 / int(r["duration_us"])
out = [f"## Portal\n",
       f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build, `twincast serve`, SQLite, local storage). Pages: the demo network (`twincast demo --seed-only`: 29 partner cities), asked for as a browser asks (`Accept-Encoding: gzip`). Search: `GET /api/v1/search` over {int(docs):,} indexed documents ({int(docs)//3:,} partners in ru, en and zh from `twincast fleet provision`), each request the next of ten fixed Russian, English and Chinese queries (`GET /api/v1/search` and the search page), {search_conns} connections (one per core: a latency measurement). wrk ({m['M_WRK']}), {conns} connections for pages, {duration} s per run, {rounds} rounds; before each measured run the trivial handler (`GET /healthz`, same middleware) is measured, and the ratio is the measured rate over that trivial run's rate. Load average: {m['M_LOAD']}.\n",
       f"Reproduce: `{command}` (knobs: `BENCH_CONNECTIONS`, `BENCH_SEARCH_CONNECTIONS`, `BENCH_DURATION`, `BENCH_ROUNDS`, `BENCH_SEARCH_PARTNERS`).\n",
       "| what | req/s | **ratio to the trivial handler** (goal ≥ 0.5× for pages) | p50 ms | p99 ms (search goal < 10) | bytes/answer |",
       "|---|---:|---:|---:|---:|---:|"]
for s in dict.fromkeys(r["set"] for r in rows):
    pages = [p for p in dict.fromkeys(r["page"] for r in rows if r["set"] == s) if p != "trivial"]
    for p in pages:
        ratios, rates, p50, p99, size = [], [], [], [], []
        for rnd in dict.fromkeys(r["round"] for r in rows):
            seq = [r for r in rows if r["set"] == s and r["round"] == rnd]
            for i, r in enumerate(seq):
                if r["page"] == p and i > 0 and seq[i - 1]["page"] == "trivial":
                    ratios.append(rps(r) / rps(seq[i - 1])); rates.append(rps(r))
                    p50.append(int(r["p50_us"]) / 1000); p99.append(int(r["p99_us"]) / 1000)
                    size.append(int(r["bytes"]) / max(1, int(r["requests"])))
        if not ratios: continue
        mean = lambda xs: sum(xs) / len(xs)
        out.append(f"| `{p}` | {mean(rates):,.0f} | **{mean(ratios):.2f}×** | {mean(p50):.2f} | {max(p99):.2f} | {mean(size):,.0f} |")
out.append("")
out.append("Reading: a portal page is served from the rendered, gzip-compressed copy kept per snapshot of the cities, so "
           "its cost is the lookup and the bytes sent; the home page is the largest (the world map). The p99 of the home page "
           "includes its re-rendering every 5 s (what the screens show changes by the play). A search is CPU work: "
           "analysing the query in three languages, scoring the matching documents of the reader's language (the "
           "others only when it has too few hits) with top-k pruning, and cutting snippets. The load-test partners "
           "carry the same Latin name in all three languages, so a word like `load-test` matches a third of the "
           "index in one language: those queries make the tail. The search page adds the page around the hits. "
           "Every 5 s the server checks one stamp of partners, media and renditions and re-reads the cities only "
           "when it changed.\n")
out.append("<details><summary>Every run</summary>\n")
out.append("| set | what | round | requests | req/s | p50 ms | p99 ms |")
out.append("|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    out.append(f"| {r['set']} | `{r['page']}` | {r['round']} | {int(r['requests']):,} | {rps(r):,.0f} | {int(r['p50_us'])/1000:.2f} | {int(r['p99_us'])/1000:.2f} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc != "-":
    text = open(doc).read()
    pat = re.compile(r"^## Portal\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(lambda _: section + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
    open(doc, "w").write(text)
    print(f"wrote the '## Portal' section of {doc}")
PY
