#!/usr/bin/env bash
# Range-delivery benchmark (issue 2): a ~50 MB MP4 served by `twincast demo` and by nginx, in the same run, to many
# concurrent clients (wrk), as random 1 MiB `Range` requests and as full-file GETs; runs alternate A/B/A/B.
# Writes the `## Range delivery` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/range.sh
#
# Knobs (environment, all optional):
#   BENCH_CONNECTIONS=64 BENCH_THREADS=2 BENCH_DURATION=15 (seconds per run) BENCH_ROUNDS=2 BENCH_WARMUP=3 (s)
#   BENCH_PARTNER=SLUG        partner to import the file under (default: the first of GET /api/v1/partners)
#   BENCH_TWINCAST_URL=URL    benchmark an already running server's URL of the same file (skips build/start/import)
#   BENCH_DOC=FILE            where to write the results (default docs/benchmarks.md); BENCH_DOC=- prints only
#   BENCH_WITH_FFMPEG=1       let twincast find ffmpeg (it then runs transcoding jobs; the bench waits for them)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-15}
ROUNDS=${BENCH_ROUNDS:-2}
WARMUP=${BENCH_WARMUP:-3}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench"
DATA="$ROOT/.tmp/bench-data"
VIDEO="$BENCH/range-50MB.mp4"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/range.sh"
T0=$(date +%s)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

TW_PID=""
NGINX_PID=""
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -n "$TW_PID" ] && log "stopping twincast (pid $TW_PID)" && stop_group "$TW_PID"
    [ -n "$NGINX_PID" ] && log "stopping nginx (pid $NGINX_PID)" && stop_group "$NGINX_PID"
    if [ "$rc" -ne 0 ]; then
        log "FAILED (exit $rc) after $(($(date +%s) - T0))s; logs in $BENCH"
    else
        log "done in $(($(date +%s) - T0))s"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------------------------------------------------------------
stage "tools"
MISSING=()
command -v ffmpeg >/dev/null 2>&1 || MISSING+=(ffmpeg)
{ [ -x /usr/sbin/nginx ] || command -v nginx; } >/dev/null 2>&1 || MISSING+=(nginx)
command -v wrk >/dev/null 2>&1 || MISSING+=(wrk)
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
log "nginx: $("$NGINX" -v 2>&1)  wrk: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)  ffmpeg: $(ffmpeg -version | head -n 1 | cut -d' ' -f3)"
mkdir -p "$BENCH" "$DATA"

# --------------------------------------------------------------------------------------------------------------------
if [ -z "${BENCH_TWINCAST_URL:-}" ]; then
    stage "build twincast (release)"
    build_twincast
fi

# --------------------------------------------------------------------------------------------------------------------
stage "test file"
if [ -s "$VIDEO" ] && [ "$(stat -c %s "$VIDEO")" -gt 45000000 ]; then
    log "cached: $VIDEO"
else
    # 20 s of 720p test pattern with temporal noise (so x264 really spends the bit rate), CBR ~19.5 Mbit/s, AAC
    # audio, moov atom first: a valid, web-playable MP4 of about 50 MB.
    ffmpeg -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=size=1280x720:rate=30,noise=alls=40:allf=t+u" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 20 \
        -c:v libx264 -preset ultrafast -b:v 19500k -minrate 19500k -maxrate 19500k -bufsize 19500k \
        -x264-params nal-hrd=cbr -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart -shortest \
        "$VIDEO.part.mp4"
    mv "$VIDEO.part.mp4" "$VIDEO"
fi
SIZE=$(stat -c %s "$VIDEO")
SHA=$(sha256sum "$VIDEO" | cut -d' ' -f1)
log "$VIDEO: $SIZE bytes, sha256 $SHA"

# --------------------------------------------------------------------------------------------------------------------
if [ -z "${BENCH_TWINCAST_URL:-}" ]; then
    stage "start twincast demo, import the file"
    TW_PORT=$(free_port 18480)
    # Request logging off for both servers (nginx: access_log off). Unless BENCH_WITH_FFMPEG=1, twincast runs with
    # an empty PATH, so it finds no ffmpeg and starts no transcoding job that would compete for the CPU during the
    # measurement; the delivery path is the same either way.
    TW_ENV=(env TWINCAST_LOG="${TWINCAST_LOG:-warn}")
    if [ "${BENCH_WITH_FFMPEG:-0}" != 1 ]; then
        mkdir -p "$BENCH/empty-path"
        TW_ENV+=(PATH="$BENCH/empty-path")
    fi
    setsid "${TW_ENV[@]}" "$TWINCAST" demo --port "$TW_PORT" --data "$DATA" </dev/null >"$BENCH/twincast.log" 2>&1 &
    TW_PID=$!
    TW_BASE="http://127.0.0.1:$TW_PORT"
    wait_healthy "$TW_BASE" "$TW_PID" "$BENCH/twincast.log" 300
    log "twincast demo up at $TW_BASE (data $DATA)"
    PARTNER=${BENCH_PARTNER:-}
    if [ -z "$PARTNER" ]; then
        PARTNER=$(curl -fsS "$TW_BASE/api/v1/partners?limit=1" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["slug"])') ||
            die "could not read a partner slug from $TW_BASE/api/v1/partners (set BENCH_PARTNER=SLUG)"
    fi
    log "importing under partner $PARTNER"
    "${TW_ENV[@]}" "$TWINCAST" media import "$VIDEO" --partner "$PARTNER" --data "$DATA" </dev/null 2>&1 | tail -n 5
    TW_URL="$TW_BASE/media/$SHA.mp4"
    # Background jobs (thumbnails, transcoding) would compete for the CPU: wait until the server has had no child
    # process for 10 s in a row (at most BENCH_JOB_WAIT seconds, default 900).
    quiet=0
    for _ in $(seq 1 "${BENCH_JOB_WAIT:-900}"); do
        if pgrep -P "$TW_PID" >/dev/null; then quiet=0; else quiet=$((quiet + 1)); fi
        [ "$quiet" -ge 10 ] && break
        sleep 1
    done
    [ "$quiet" -ge 10 ] || log "warning: twincast still has child processes (jobs) running"
else
    TW_URL=$BENCH_TWINCAST_URL
fi

# --------------------------------------------------------------------------------------------------------------------
stage "start nginx"
NG_PREFIX="$BENCH/nginx"
mkdir -p "$NG_PREFIX/www/media" "$NG_PREFIX/tmp" "$NG_PREFIX/logs"
ln -f "$VIDEO" "$NG_PREFIX/www/media/$SHA.mp4" 2>/dev/null || cp -f "$VIDEO" "$NG_PREFIX/www/media/$SHA.mp4"
NG_PORT=$(free_port 18490)
[ "${TW_PORT:-}" = "$NG_PORT" ] && NG_PORT=$(free_port $((NG_PORT + 1)))
NG_USER=""
if [ "$(id -u)" -eq 0 ]; then
    # Workers run as nobody unless the file is not readable for nobody (a checkout under a private directory).
    if runuser -u nobody -- test -r "$NG_PREFIX/www/media/$SHA.mp4" 2>/dev/null; then NG_USER="user nobody nogroup;"; else NG_USER="user root root;"; fi
fi
cat >"$NG_PREFIX/nginx.conf" <<EOF
# Generated by bench/range.sh: a usual production setup for static files.
$NG_USER
worker_processes auto;
pid $NG_PREFIX/nginx.pid;
error_log $NG_PREFIX/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types { video/mp4 mp4; }
    default_type application/octet-stream;
    client_body_temp_path $NG_PREFIX/tmp/client;
    proxy_temp_path $NG_PREFIX/tmp/proxy;
    fastcgi_temp_path $NG_PREFIX/tmp/fastcgi;
    uwsgi_temp_path $NG_PREFIX/tmp/uwsgi;
    scgi_temp_path $NG_PREFIX/tmp/scgi;
    server {
        listen 127.0.0.1:$NG_PORT;
        root $NG_PREFIX/www;
        location /media/ {
            add_header Cache-Control "public, max-age=31536000, immutable";
        }
    }
}
EOF
setsid "$NGINX" -p "$NG_PREFIX" -c "$NG_PREFIX/nginx.conf" -g 'daemon off;' </dev/null >"$NG_PREFIX/logs/stdout.log" 2>&1 &
NGINX_PID=$!
NG_URL="http://127.0.0.1:$NG_PORT/media/$SHA.mp4"
for i in $(seq 1 50); do
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$NG_PREFIX/logs/stdout.log" "$NG_PREFIX/logs/error.log"; die "nginx exited"; }
    port_in_use "$NG_PORT" && break
    [ "$i" -eq 50 ] && die "nginx did not listen on $NG_PORT"
    sleep 0.2
done
log "nginx up: $NG_URL"

# --------------------------------------------------------------------------------------------------------------------
stage "verify both servers return the right bytes"
verify() {
    local name=$1 url=$2 code got want start end
    code=$(curl -s -o /dev/null -w '%{http_code}' -I "$url" || true)
    [ "$code" = 200 ] || die "$name: HEAD $url answered $code"
    got=$({ curl -s "$url" || true; } | sha256sum | cut -d' ' -f1)
    [ "$got" = "$SHA" ] || die "$name: full GET returned other bytes (sha256 $got)"
    for start in 0 12345678 $((SIZE - 1048576)); do
        end=$((start + 1048575))
        code=$(curl -s -o "$BENCH/range.part" -w '%{http_code}' -H "Range: bytes=$start-$end" "$url" || true)
        [ "$code" = 206 ] || die "$name: Range bytes=$start-$end answered $code, expected 206"
        got=$(sha256sum <"$BENCH/range.part" | cut -d' ' -f1)
        want=$(dd if="$VIDEO" iflag=skip_bytes,count_bytes skip="$start" count=1048576 status=none | sha256sum | cut -d' ' -f1)
        [ "$got" = "$want" ] || die "$name: Range bytes=$start-$end returned wrong bytes"
    done
    log "$name ok: 200 full ($SIZE bytes, sha256 matches), 206 for 3 ranges (bytes match)"
    curl -s -D - -o /dev/null -H "Range: bytes=0-99" "$url" | tr -d '\r' |
        grep -iE '^(HTTP/|content-type|content-range|etag|cache-control|accept-ranges)' | sed 's/^/    /' || true
}
verify twincast "$TW_URL"
verify nginx "$NG_URL"

# --------------------------------------------------------------------------------------------------------------------
run_wrk() { # scenario server url seconds -> prints the BENCH_RESULT line
    local scenario=$1 name=$2 url=$3 secs=$4 out
    out="$BENCH/wrk-$scenario-$name.log"
    BENCH_MODE=$scenario BENCH_FILE_SIZE=$SIZE \
        wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 10s --latency -s "$ROOT/bench/range.lua" "$url" >"$out" 2>&1 ||
        { cat "$out"; die "wrk failed against $name"; }
    grep '^BENCH_RESULT ' "$out" || { cat "$out"; die "no BENCH_RESULT from wrk against $name"; }
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'scenario\tserver\tround\trequests\tbytes\tduration_us\tstatus_errors\tsocket_errors\tp50_us\tp99_us\n' >"$RESULTS"
for scenario in range full; do
    stage "scenario $scenario: warm-up ${WARMUP}s each, then $ROUNDS x (twincast, nginx) x ${DURATION}s, $CONNS connections, $THREADS threads"
    run_wrk "$scenario" twincast "$TW_URL" "$WARMUP" >/dev/null
    run_wrk "$scenario" nginx "$NG_URL" "$WARMUP" >/dev/null
    for round in $(seq 1 "$ROUNDS"); do
        for name in twincast nginx; do
            if [ "$name" = twincast ]; then url=$TW_URL; else url=$NG_URL; fi
            line=$(run_wrk "$scenario" "$name" "$url" "$DURATION")
            # shellcheck disable=SC2086
            eval "$(echo "${line#BENCH_RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
            socket_errors=$((r_connect_errors + r_read_errors + r_write_errors + r_timeouts))
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$name" "$round" "$r_requests" "$r_bytes" \
                "$r_duration_us" "$r_status_errors" "$socket_errors" "$r_p50_us" "$r_p99_us" >>"$RESULTS"
            awk -v s="$scenario" -v n="$name" -v rd="$round" -v req="$r_requests" -v b="$r_bytes" -v d="$r_duration_us" \
                -v p50="$r_p50_us" -v p99="$r_p99_us" -v se="$r_status_errors" -v so="$socket_errors" 'BEGIN {
                printf "%-6s %-8s round %s: %8.1f MB/s %9.1f req/s  p50 %6.1f ms  p99 %7.1f ms  non-2xx %s  socket errors %s\n",
                    s, n, rd, b / d, req * 1e6 / d, p50 / 1000, p99 / 1000, se, so }'
            [ "$r_status_errors" -eq 0 ] || die "$name answered $r_status_errors non-2xx/3xx responses"
        done
    done
done

# --------------------------------------------------------------------------------------------------------------------
stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export BENCH_META_DATE BENCH_META_CPU BENCH_META_COMMIT BENCH_META_NGINX BENCH_META_WRK BENCH_META_KERNEL
BENCH_META_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
BENCH_META_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
BENCH_META_COMMIT=$COMMIT
BENCH_META_NGINX=$({ "$NGINX" -v 2>&1 || true; } | sed 's/.*: //')
BENCH_META_WRK=$({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)
BENCH_META_KERNEL=$(uname -r)
export BENCH_META_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$RESULTS" "$DOC" "$SIZE" "$CONNS" "$THREADS" "$DURATION" "$ROUNDS" "$COMMAND" <<'PY'
import csv, os, re, sys
results, doc, size, conns, threads, duration, rounds, command = sys.argv[1:]
rows = list(csv.DictReader(open(results), delimiter="\t"))
def mbps(r): return int(r["bytes"]) / int(r["duration_us"])          # 10^6 bytes per second
def rps(r): return int(r["requests"]) * 1e6 / int(r["duration_us"])
def mean(xs): return sum(xs) / len(xs)
m = os.environ
names = {"range": "random 1 MiB `Range` GETs", "full": "full-file GETs"}
out = []
out.append("## Range delivery\n")
out.append(f"Measured {m['BENCH_META_DATE']} on {m['BENCH_META_CPU']} (kernel {m['BENCH_META_KERNEL']}), "
           f"twincast at commit {m['BENCH_META_COMMIT']} (release build, `twincast demo`, SQLite + local storage), "
           f"against {m['BENCH_META_NGINX']} (sendfile on, `worker_processes auto`) serving the same "
           f"{int(size) / 1e6:.1f} MB H.264/AAC MP4 (sha256-named, as twincast serves it). Client: {m['BENCH_META_WRK']}, "
           f"{conns} connections, {threads} threads, {duration} s per run, on the same machine over loopback; "
           f"runs alternate twincast/nginx, {rounds} rounds each after a warm-up. Request logging off for both; "
           f"{'twincast runs with ffmpeg (background jobs finished before measuring)' if m.get('BENCH_WITH_FFMPEG') == '1' else 'twincast runs without ffmpeg on its PATH, so no transcoding job competes for the CPU'}. "
           f"Load average (1/5/15 min): {m['BENCH_META_LOAD']}: the 2 cores are shared by both servers, wrk and "
           f"anything else running, so compare the ratio within a run, not absolute numbers across runs. "
           f"MB = 10^6 bytes (response bytes including headers).\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_CONNECTIONS`, `BENCH_THREADS`, `BENCH_DURATION`, `BENCH_ROUNDS`).\n")
out.append("| scenario | twincast MB/s | nginx MB/s | **ratio twincast/nginx** (goal ≥ 0.9×) | twincast req/s | nginx req/s | twincast p99 ms | nginx p99 ms |")
out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
for sc in ["range", "full"]:
    t = [r for r in rows if r["scenario"] == sc and r["server"] == "twincast"]
    n = [r for r in rows if r["scenario"] == sc and r["server"] == "nginx"]
    if not t or not n:
        continue
    tm, nm = mean([mbps(r) for r in t]), mean([mbps(r) for r in n])
    out.append(f"| {names[sc]} | {tm:,.0f} | {nm:,.0f} | **{tm / nm:.2f}×** | {mean([rps(r) for r in t]):,.1f} | "
               f"{mean([rps(r) for r in n]):,.1f} | {max(int(r['p99_us']) for r in t) / 1000:.1f} | "
               f"{max(int(r['p99_us']) for r in n) / 1000:.1f} |")
out.append("")
out.append("<details><summary>Every run</summary>\n")
out.append("| scenario | server | round | requests | MB/s | req/s | p50 ms | p99 ms | non-2xx | socket errors |")
out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    out.append(f"| {r['scenario']} | {r['server']} | {r['round']} | {int(r['requests']):,} | {mbps(r):,.0f} | "
               f"{rps(r):,.1f} | {int(r['p50_us']) / 1000:.1f} | {int(r['p99_us']) / 1000:.1f} | "
               f"{r['status_errors']} | {r['socket_errors']} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Range delivery\n.*?(?=^## |\Z)", re.S | re.M)
if pat.search(text):
    text = pat.sub(lambda _: section + "\n", text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
os.makedirs(os.path.dirname(doc) or ".", exist_ok=True)
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Range delivery' section of {doc}")
PY
