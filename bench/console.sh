#!/usr/bin/env bash
# Console benchmark (issue 10): the server time of the console's pages with 10,000 screens and 100,000 media items,
# on SQLite and on PostgreSQL, against a trivial handler (`GET /healthz`) on the same server in the same run. Each
# page is asked for by a logged-in admin (session cookie), 16 connections; runs alternate trivial / page.
# Writes the `## Console pages` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/console.sh
#
# Knobs (environment, all optional):
#   BENCH_SCREENS=10000 BENCH_MEDIA=100000 BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_DURATION=10 (s per run)
#   BENCH_ROUNDS=2 BENCH_BACKENDS="sqlite postgres" BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   BENCH_CACHES="on off" (the server's read cache, `--read-cache-ms`: on = the default 2000 ms, off = 0)
#   BENCH_EXTRA_PAGES="…" (the other console pages, cache on only; empty: none)
#   CARGO_TARGET_DIR (where the release build goes, as for cargo)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCREENS=${BENCH_SCREENS:-10000}
MEDIA=${BENCH_MEDIA:-100000}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-2}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
CACHES=${BENCH_CACHES:-on off}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-console"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/console.sh"
PAGES="/console /console/screens /console/screens?status=offline&sort=name /console/map /console/media /console/campaigns"
# Every other console page (its server time reported too), measured with the read cache on only, after the above.
# A screen's and a medium's page are added with the first ones the API lists.
EXTRA_PAGES=${BENCH_EXTRA_PAGES-/console/campaigns?view=week /console/airtime /console/airtime/fairness /console/alerts /console/alerts/sources /console/audit /console/groups /console/interests /console/layouts /console/locations /console/moderation /console/news /console/news/sources /console/news/tickers /console/pair /console/projects /console/settings /console/tokens /console/users}
T0=$(date +%s)
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

TW_PID=""
PG_DATA=""
PG_BIN=""
stop_server() {
    stop_group "$TW_PID"
    TW_PID=""
}
stop_pg() {
    [ -n "$PG_DATA" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    PG_DATA=""
}
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -n "$TW_PID" ] && log "stopping twincast (pid $TW_PID)" && stop_group "$TW_PID"
    stop_pg
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
case " $BACKENDS " in *" postgres "*) ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || MISSING+=(postgresql) ;; esac
apt_install "${MISSING[@]}"

stage "build twincast (release)"
build_twincast

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'backend\tcache\tpage\tround\trequests\tbytes\tduration_us\tstatus_errors\tsocket_errors\tp50_us\tp99_us\n' >"$RESULTS"
for BE in $BACKENDS; do
    DATA="$BENCH/data-$BE"
    rm -rf "$DATA" && mkdir -p "$DATA"
    DB_ARGS=()
    if [ "$BE" = postgres ]; then
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -rV | head -n 1)
        PG_DIR=$(mktemp -d /tmp/twincast-bench-pg.XXXXXX)
        chown postgres:postgres "$PG_DIR"
        PG_DATA="$PG_DIR/data"
        runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$BENCH/initdb.log" 2>&1
        PG_PORT=$(free_port 55480)
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/pg.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories= -c max_connections=200" start >/dev/null
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres twincast_bench
        DB_ARGS=(--database-url "postgres://postgres@127.0.0.1:$PG_PORT/twincast_bench")
    fi
    stage "[$BE] provision $SCREENS screens, $MEDIA media items (fresh database)"
    TWINCAST_LOG=warn "$TWINCAST" fleet provision --data "$DATA" "${DB_ARGS[@]}" --screens "$SCREENS" --campaigns 1000 \
        --media "$MEDIA" --partners 50 --locations 100 --tokens-out "$BENCH/tokens.txt"
    PASSWORD="bench-$(date +%s)-pw"
    printf '%s\n' "$PASSWORD" | "$TWINCAST" user add bench --role admin --password-stdin --data "$DATA" "${DB_ARGS[@]}" >/dev/null

    for CACHE in $CACHES; do
        if [ "$CACHE" = on ]; then CACHE_MS=2000; else CACHE_MS=0; fi
        stage "[$BE] start twincast serve (read cache $CACHE: --read-cache-ms $CACHE_MS)"
        PORT=$(free_port 18680)
        setsid env TWINCAST_LOG=warn "$TWINCAST" serve --data "$DATA" "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT" \
            --read-cache-ms "$CACHE_MS" </dev/null >"$BENCH/twincast-$BE.log" 2>&1 &
        TW_PID=$!
        BASE="http://127.0.0.1:$PORT"
        wait_healthy "$BASE" "$TW_PID" "$BENCH/twincast-$BE.log" 120
        COOKIE=$(curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
            -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" |
            sed -n 's/^[Ss]et-[Cc]ookie: \(twincast_session=[^;]*\).*/\1/p')
        [ -n "$COOKIE" ] || die "login failed"

        run_wrk() { # name path cookie -> BENCH_RESULT line
            local name=$1 path=$2 cookie=$3 out="$BENCH/wrk.log"
            BENCH_COOKIE=$cookie wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency \
                -s "$ROOT/bench/console.lua" "$BASE$path" >"$out" 2>&1 || { cat "$out"; die "wrk failed ($name)"; }
            grep '^BENCH_RESULT ' "$out" || { cat "$out"; die "no BENCH_RESULT ($name)"; }
        }
        record() { # backend page round line (CACHE from the loop)
            eval "$(echo "${4#BENCH_RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$CACHE" "$2" "$3" "$r_requests" "$r_bytes" "$r_duration_us" \
                "$r_status_errors" "$((r_connect_errors + r_read_errors + r_write_errors + r_timeouts))" "$r_p50_us" "$r_p99_us" >>"$RESULTS"
            awk -v n="$2" -v req="$r_requests" -v d="$r_duration_us" -v p99="$r_p99_us" \
                'BEGIN { printf "%-45s %8.0f req/s  p99 %6.1f ms\n", n, req * 1e6 / d, p99 / 1000 }'
            [ "$r_status_errors" -eq 0 ] || die "$2: $r_status_errors non-2xx answers"
        }
        SHOWN=""
        WANT=$PAGES
        if [ "$CACHE" = on ] && [ -n "$EXTRA_PAGES" ]; then
            first_id() { curl -fsS -H "Cookie: $COOKIE" "$BASE/api/v1/$1?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])'; }
            WANT="$WANT $EXTRA_PAGES /console/screens/$(first_id screens) /console/media/$(first_id media)"
        fi
        for p in $WANT; do
            code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$p")
            [ "$code" = 200 ] || die "$p answered HTTP $code"
            SHOWN="$SHOWN $p"
        done
        for round in $(seq 1 "$ROUNDS"); do
            stage "[$BE, read cache $CACHE] round $round (${DURATION}s per run, $CONNS connections)"
            for p in $SHOWN; do
                record "$BE" trivial "$round" "$(run_wrk trivial /healthz "")"
                record "$BE" "$p" "$round" "$(run_wrk page "$p" "$COOKIE")"
            done
        done
        stop_server
    done
    stop_pg
done

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock web 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_WRK M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_WRK=$({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$RESULTS" "$DOC" "$SCREENS" "$MEDIA" "$CONNS" "$DURATION" "$ROUNDS" "$COMMAND" <<'PY'
import csv, os, re, sys
results, doc, screens, media, conns, duration, rounds, command = sys.argv[1:]
rows = list(csv.DictReader(open(results), delimiter="\t"))
m = os.environ
def rps(r): return int(r["requests"]) * 1e6 / int(r["duration_us"])
out = [f"## Console pages\n",
       f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build, `twincast serve`, local storage) holding {int(screens):,} screens in 100 locations, 1,000 campaigns and {int(media):,} media items (`twincast fleet provision --media`). Each page is asked for by a logged-in administrator (session cookie, English), with the server's read cache on (the default, `--read-cache-ms 2000`: a page asked again within 2 s with nothing changed meanwhile reuses its session and rows, see ARCHITECTURE.md, \"Reads kept for a moment\") and off (`--read-cache-ms 0`: every request reads the database), with wrk ({m['M_WRK']}), {conns} connections, {duration} s per run, {rounds} rounds; before each page run the trivial handler (`GET /healthz`, same middleware) is measured, and the ratio is the page's rate over that trivial run's rate. Load average: {m['M_LOAD']}.\n",
       f"Reproduce: `{command}` (knobs: `BENCH_SCREENS`, `BENCH_MEDIA`, `BENCH_BACKENDS`, `BENCH_CONNECTIONS`, `BENCH_DURATION`, `BENCH_ROUNDS`, `BENCH_CACHES`, `BENCH_EXTRA_PAGES`). The six pages first are measured with the read cache on and off; every other console page (a screen's and a medium's page with the first ones listed) with it on.\n",
       "| database | read cache | page | req/s | **ratio to the trivial handler** (goal ≥ 0.3×) | p50 ms | p99 ms (goal < 50) |",
       "|---|---|---|---:|---:|---:|---:|"]
for be, cache in dict.fromkeys((r["backend"], r["cache"]) for r in rows):
    pages = [p for p in dict.fromkeys(r["page"] for r in rows if r["backend"] == be and r["cache"] == cache) if p != "trivial"]
    for p in pages:
        ratios, rates, p50, p99 = [], [], [], []
        for rnd in dict.fromkeys(r["round"] for r in rows):
            seq = [r for r in rows if r["backend"] == be and r["cache"] == cache and r["round"] == rnd]
            for i, r in enumerate(seq):
                if r["page"] == p and i > 0 and seq[i - 1]["page"] == "trivial":
                    ratios.append(rps(r) / rps(seq[i - 1])); rates.append(rps(r))
                    p50.append(int(r["p50_us"]) / 1000); p99.append(int(r["p99_us"]) / 1000)
        if not ratios: continue
        mean = lambda xs: sum(xs) / len(xs)
        name = 'SQLite' if be == 'sqlite' else 'PostgreSQL'
        if max(rates) == 0:
            # Not one answer within the run: every request took longer than the run lasted.
            out.append(f"| {name} | {cache} | `{p}` | 0 (no answer within a {duration} s run at {conns} connections) | **0.00×** | > {int(duration) * 1000} | > {int(duration) * 1000} |")
            continue
        out.append(f"| {name} | {cache} | `{p}` | {mean(rates):,.0f} | **{mean(ratios):.2f}×** | {mean(p50):.1f} | {max(p99):.1f} |")
out.append("")
out.append("<details><summary>Every run</summary>\n")
out.append("| database | read cache | page | round | requests | req/s | p50 ms | p99 ms |")
out.append("|---|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    out.append(f"| {r['backend']} | {r['cache']} | `{r['page']}` | {r['round']} | {int(r['requests']):,} | {rps(r):,.0f} | {int(r['p50_us'])/1000:.1f} | {int(r['p99_us'])/1000:.1f} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc != "-":
    text = open(doc).read()
    pat = re.compile(r"^## Console pages\n.*?(?=^## |\Z)", re.S | re.M)
    text = pat.sub(lambda _: section + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
    open(doc, "w").write(text)
    print(f"wrote the '## Console pages' section of {doc}")
PY
