#!/usr/bin/env bash
# CAP subscriptions benchmark (issue 15): one auto-publish CAP source — an Atom feed carrying 1,000 active alerts,
# served by a small local feed server (python3, loopback) — polled every 30 s by `twincast serve`, with 10,000
# simulated players (`twincast fleet-sim`) connected. A new feed entry (a Severe alert whose geocode the operator
# mapped to every location) is measured from the moment it is in the feed until every player holds the manifest
# with it (WebSocket push, then GET). Reference, same run, same fleet: the same push caused by an operator's JSON
# alert (`POST /api/v1/alerts`), alternating with the CAP entry. Also measures the poller's CPU share: the server's
# CPU time (/proc/PID/stat utime + stime) over a window with the source polled every 30 s, against the same window
# with the source disabled (no fleet connected then, so only the poller differs).
# Writes the `## Alerts (CAP subscriptions)` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/alerts.sh
#
# Knobs (environment, all optional):
#   BENCH_SCREENS=10000 BENCH_ACTIVE=1000 BENCH_LOCATIONS=50 BENCH_ROUNDS=3 BENCH_CPU_WINDOW=60 (s)
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   BENCH_TWINCAST=PATH (a twincast binary to use instead of building the release one: smoke runs only)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCREENS=${BENCH_SCREENS:-10000}
ACTIVE=${BENCH_ACTIVE:-1000}
LOCATIONS=${BENCH_LOCATIONS:-50}
ROUNDS=${BENCH_ROUNDS:-3}
CPU_WINDOW=${BENCH_CPU_WINDOW:-60}
INTERVAL=30
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-alerts"
DATA="$BENCH/data"
FEEDS="$BENCH/feeds"
COMMAND="./bench/alerts.sh"
T0=$(date +%s)
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

TW_PID=""
FEED_PID=""
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -n "$TW_PID" ] && log "stopping twincast (pid $TW_PID)" && stop_group "$TW_PID"
    [ -n "$FEED_PID" ] && stop_group "$FEED_PID"
    [ "$rc" -ne 0 ] && log "FAILED (exit $rc) after $(($(date +%s) - T0))s; logs in $BENCH" || log "done in $(($(date +%s) - T0))s"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NEED=$((SCREENS + 2000))
[ "$(ulimit -n)" -ge "$NEED" ] || ulimit -n "$NEED" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge "$NEED" ] || die "open files limit $(ulimit -n) < $NEED (raise the hard limit: ulimit -Hn)"

stage "tools"
MISSING=()
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"

stage "build twincast (release)"
if [ -n "${BENCH_TWINCAST:-}" ]; then TWINCAST=$BENCH_TWINCAST; else build_twincast; fi

stage "provision $SCREENS screens in $LOCATIONS locations"
rm -rf "$DATA" "$FEEDS" && mkdir -p "$DATA" "$FEEDS"
export TWINCAST_LOG=warn
"$TWINCAST" fleet provision --data "$DATA" --screens "$SCREENS" --campaigns 10 --partners 10 \
    --locations "$LOCATIONS" --tokens-out "$BENCH/tokens.txt"
printf 'bench-operator-password\n' | "$TWINCAST" user add bench-op --role operator --password-stdin --data "$DATA" >/dev/null
API_TOKEN=$("$TWINCAST" token create --user bench-op --data "$DATA")

# The feed: ACTIVE alerts for regions no screen is in (geocode BENCH_REGION=R-n, not mapped), then the new entries
# the rounds add (BENCH_REGION=CITY, mapped to every location). `feed.py add` appends one and rewrites the file
# atomically; `feed.py serve PORT` serves it (no validators: every poll reads the whole feed) and logs each GET.
cat >"$BENCH/feed.py" <<'PY'
import datetime, http.server, json, os, socketserver, sys, time
d = os.environ["FEEDS"]
def iso(t): return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
def cap(ident, region, headline):
    now = time.time()
    return (f'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{ident}</identifier>'
            f'<sender>bench@example.org</sender><sent>{iso(now - 5)}</sent><status>Actual</status><msgType>Alert</msgType>'
            f'<scope>Public</scope><info><language>en-GB</language><category>Met</category><event>Storm</event>'
            f'<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>'
            f'<expires>{iso(now + 86400)}</expires><headline>{headline}</headline><description>Strong winds, stay indoors.</description>'
            f'<area><areaDesc>Region {region}</areaDesc><geocode><valueName>BENCH_REGION</valueName><value>{region}</value></geocode>'
            f'</area></info></alert>')
def write(entries):
    body = "".join(f'<entry><id>urn:bench:{e["id"]}</id><title>{e["id"]}</title><updated>{iso(time.time())}</updated>'
                   f'<content type="application/cap+xml">{e["cap"]}</content></entry>' for e in entries)
    tmp = f"{d}/feed.atom.tmp"
    with open(tmp, "w") as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Bench CAP</title>'
                f'<id>urn:bench</id><updated>{iso(time.time())}</updated>{body}</feed>')
    os.replace(tmp, f"{d}/feed.atom")
    json.dump(entries, open(f"{d}/entries.json", "w"))
cmd = sys.argv[1]
if cmd == "init":
    write([{"id": f"b{i}", "cap": cap(f"B-{i}", f"R-{i}", f"Storm warning for region R-{i}")} for i in range(int(sys.argv[2]))])
elif cmd == "add":
    entries = json.load(open(f"{d}/entries.json"))
    n = sum(1 for e in entries if e["id"].startswith("new"))
    entries.insert(0, {"id": f"new{n}", "cap": cap(f"NEW-{n}-{int(time.time())}", "CITY", f"Storm warning for the city ({n})")})
    write(entries)
    # When the entry is in the feed (the command's own start-up on a busy machine is not the server's time).
    open(f"{d}/added.log", "a").write(f"{int(time.time() * 1000)}\n")
elif cmd == "serve":
    log = open(f"{d}/gets.log", "a", buffering=1)
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            log.write(f"{int(time.time() * 1000)}\n")
            body = open(f"{d}/feed.atom", "rb").read()
            self.send_response(200)
            self.send_header("content-type", "application/atom+xml; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a): pass
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
PY
export FEEDS
python3 "$BENCH/feed.py" init "$ACTIVE"
FEED_PORT=$(free_port 18790)
setsid python3 "$BENCH/feed.py" serve "$FEED_PORT" </dev/null >"$BENCH/feed.log" 2>&1 &
FEED_PID=$!

stage "start twincast serve"
PORT=$(free_port 18780)
setsid env TWINCAST_LOG=info "$TWINCAST" serve --data "$DATA" --listen "127.0.0.1:$PORT" \
    --fetch-allow-network 127.0.0.0/8 </dev/null >"$BENCH/twincast.log" 2>&1 &
TW_PID=$!
BASE="http://127.0.0.1:$PORT"
wait_healthy "$BASE" "$TW_PID" "$BENCH/twincast.log" 60
api() { # METHOD PATH [JSON]
    curl -sS --fail-with-body -X "$1" -H "authorization: Bearer $API_TOKEN" -H 'content-type: application/json' \
        ${3:+--data "$3"} "$BASE$2"
}

stage "map the city's geocode to every location; add the source; wait for its $ACTIVE alerts"
api GET "/api/v1/locations?limit=500" | python3 -c 'import json,sys; [print(l["id"]) for l in json.load(sys.stdin)["items"]]' |
    while read -r loc; do
        api POST /api/v1/alerts/geocodes "{\"value_name\":\"BENCH_REGION\",\"value\":\"CITY\",\"location_id\":\"$loc\"}" >/dev/null
    done
SOURCE_JSON="{\"name\":\"Bench CAP\",\"url\":\"http://127.0.0.1:$FEED_PORT/feed.atom\",\"min_severity\":\"Moderate\",\"moderation\":\"auto-publish\",\"interval_secs\":$INTERVAL,\"area\":{\"geocodes\":[],\"everywhere\":false}"
SOURCE_ID=$(api POST /api/v1/alerts/sources "$SOURCE_JSON,\"enabled\":true}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
IMPORT_T0=$(date +%s.%N)
for _ in $(seq 1 600); do
    IMPORTED=$(api GET "/api/v1/alerts/sources/$SOURCE_ID" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["counts"]["imported"] if s["last_outcome"] != "never" else -1)')
    [ "$IMPORTED" -ge "$ACTIVE" ] && break
    [ "$IMPORTED" -ge 0 ] && die "the first poll imported $IMPORTED of $ACTIVE alerts (see $BENCH/twincast.log)"
    sleep 0.5
done
IMPORT_SECS=$(python3 -c "import time; print(round(time.time() - $IMPORT_T0, 1))")
log "first poll: $IMPORTED alerts imported in ~${IMPORT_SECS}s"

TW_MAIN=$(pgrep -P "$TW_PID" -x twincast || echo "$TW_PID")
[ -r "/proc/$TW_MAIN/stat" ] || die "no /proc/$TW_MAIN/stat"
cpu_window() { # -> CPU seconds of the server over CPU_WINDOW seconds of wall time
    local a b
    a=$(awk '{print $14 + $15}' "/proc/$TW_MAIN/stat")
    sleep "$CPU_WINDOW"
    b=$(awk '{print $14 + $15}' "/proc/$TW_MAIN/stat")
    python3 -c "print(($b - $a) / $(getconf CLK_TCK))"
}
stage "CPU: ${CPU_WINDOW}s with the source polled every ${INTERVAL}s, then ${CPU_WINDOW}s with it disabled"
GETS_BEFORE=$(wc -l <"$FEEDS/gets.log")
CPU_ON=$(cpu_window)
POLLS_ON=$(($(wc -l <"$FEEDS/gets.log") - GETS_BEFORE))
VERSION=$(api GET "/api/v1/alerts/sources/$SOURCE_ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
curl -sS --fail-with-body -X PUT -H "authorization: Bearer $API_TOKEN" -H 'content-type: application/json' \
    -H "if-match: \"$VERSION\"" --data "$SOURCE_JSON,\"enabled\":false}" "$BASE/api/v1/alerts/sources/$SOURCE_ID" >/dev/null
sleep 2
CPU_OFF=$(cpu_window)
log "server CPU: ${CPU_ON}s with polling ($POLLS_ON polls), ${CPU_OFF}s without, over ${CPU_WINDOW}s each"
VERSION=$(api GET "/api/v1/alerts/sources/$SOURCE_ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
curl -sS --fail-with-body -X PUT -H "authorization: Bearer $API_TOKEN" -H 'content-type: application/json' \
    -H "if-match: \"$VERSION\"" --data "$SOURCE_JSON,\"enabled\":true}" "$BASE/api/v1/alerts/sources/$SOURCE_ID" >/dev/null

stage "fleet: $SCREENS players; $ROUNDS rounds of (JSON alert, CAP feed entry)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
cat >"$BENCH/json-alert.sh" <<SH
#!/bin/sh
exec curl -sS --fail -o /dev/null -X POST -H "authorization: Bearer $API_TOKEN" -H 'content-type: application/json' \
  --data "{\"headline\":\"Operator alert \$(date +%s%N)\",\"severity\":\"Severe\",\"description\":\"Strong winds, stay indoors.\"}" \
  "$BASE/api/v1/alerts"
SH
chmod +x "$BENCH/json-alert.sh"
CHANGES=()
for _ in $(seq 1 "$ROUNDS"); do
    CHANGES+=(--change-cmd "$BENCH/json-alert.sh" --change-cmd "FEEDS=$FEEDS python3 $BENCH/feed.py add")
done
"$TWINCAST" fleet-sim --server "$BASE" --screens "$SCREENS" --tokens "$BENCH/tokens.txt" "${CHANGES[@]}" \
    --hold 1 --timeout $((INTERVAL * 3)) --server-pid "$TW_MAIN" --report "$BENCH/report.json" \
    2> >(grep -v 'holding a manifest, [0-9]' >&2) | tee "$BENCH/sim.txt"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_LOAD="$LOAD_BEFORE before the fleet, $LOAD_AFTER after"
python3 - "$BENCH" "$FEEDS" "$DOC" "$SCREENS" "$ACTIVE" "$LOCATIONS" "$ROUNDS" "$INTERVAL" "$CPU_WINDOW" "$CPU_ON" \
    "$CPU_OFF" "$POLLS_ON" "$IMPORT_SECS" "$COMMAND" <<'PY'
import json, os, re, sys
(bench, feeds, doc, screens, active, locations, rounds, interval, window, cpu_on, cpu_off, polls_on, import_secs,
 command) = sys.argv[1:]
m = os.environ
r = json.load(open(f"{bench}/report.json"))
gets = [int(x) for x in open(f"{feeds}/gets.log").read().split()]
added = [int(x) for x in open(f"{feeds}/added.log").read().split()]
window, cpu_on, cpu_off = float(window), float(cpu_on), float(cpu_off)
ch = r["changes"]
out = ["## Alerts (CAP subscriptions)\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build, `twincast serve`, "
           f"SQLite + local storage). One auto-publish CAP source: an Atom feed with {int(active):,} active CAP 1.2 alerts "
           f"embedded (Severe, for regions no screen is in: each has its own unmapped geocode), served by a small Python "
           f"server on loopback without validators (so every poll reads and checks the whole feed, "
           f"{os.path.getsize(feeds + '/feed.atom') // 1024} KiB), polled every {interval} s. The operator mapped the "
           f"city's geocode to all {locations} locations. `twincast fleet-sim` runs {int(screens):,} players (WebSocket "
           f"each, heartbeats, proof of play) on the same machine (2 cores shared by server, players and the other work "
           f"on the machine). Each round: the reference — an operator's JSON alert for every screen "
           f"(`POST /api/v1/alerts`) — then a new feed entry (a Severe CAP alert with the city's geocode), each measured "
           f"per player from the change (the request sent / the entry in the feed file) until the player holds the "
           f"manifest with it (WebSocket push, then GET). The CAP time includes waiting for the next poll (0 to {interval} s, "
           f"by chance); \"poll → screens\" subtracts that wait (from the poll's request to the player holding the manifest). "
           f"Load average: {m['M_LOAD']}.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_SCREENS`, `BENCH_ACTIVE`, `BENCH_ROUNDS`, `BENCH_CPU_WINDOW`).\n")
out.append("| round | players updated | reference: JSON alert p50 / p99 / max ms | CAP entry → screens p50 / p99 / max ms | of which waiting for the poll ms | CAP poll → screens p99 ms | p99 poll → screens / reference p99 |")
out.append("|---:|---:|---|---|---:|---:|---:|")
for i in range(int(rounds)):
    ref, cap = ch[2 * i], ch[2 * i + 1]
    t = added[i]
    # Latencies count from starting the command; the entry is in the feed `shift` ms later.
    shift = t - cap["started_at_ms"]
    poll = next((g for g in gets if g >= t), None)
    wait = (poll - t) if poll is not None else float("nan")
    rl = ref["latency"]
    cl = {k: cap["latency"][k] - shift for k in ("p50_ms", "p99_ms", "max_ms")}
    p2s = cl["p99_ms"] - wait
    out.append(f"| {i + 1} | {cap['updated']:,} / {cap['players']:,} (ref. {ref['updated']:,}) | {rl['p50_ms']:.0f} / {rl['p99_ms']:.0f} / {rl['max_ms']:.0f} "
               f"| {cl['p50_ms']:.0f} / {cl['p99_ms']:.0f} / {cl['max_ms']:.0f} | {wait:.0f} | {p2s:.0f} | {p2s / rl['p99_ms']:.1f}× |")
share_on, share_off = cpu_on / window, cpu_off / window
out.append("")
out.append(f"**Poller CPU share** (no players connected; server CPU time from `/proc/PID/stat` over {window:.0f} s of wall time): "
           f"{cpu_on:.2f} s with the source polled ({polls_on} polls of the {int(active):,}-entry feed) against {cpu_off:.2f} s "
           f"with it disabled (the reference, same server, same data): {share_on * 100:.2f}% vs {share_off * 100:.2f}% of one "
           f"core, so the poller costs about {(share_on - share_off) * 100:.2f}% of one core "
           f"({(cpu_on - cpu_off) / max(int(polls_on), 1) * 1000:.0f} ms of CPU per poll). The first poll, which stored the "
           f"{int(active):,} alerts, took about {import_secs} s.\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Alerts \(CAP subscriptions\)\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Alerts (CAP subscriptions)' section of {doc}")
PY
