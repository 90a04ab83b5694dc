#!/usr/bin/env bash
# Fault drills (issue 17): the real `twincast` binary against real parts that are made to fail.
#
#   1. database down: a private PostgreSQL (initdb in a temp dir, so no shared one is disturbed) is stopped under a
#      running server with a paired player: /healthz stays 200, /readyz answers 503, the API answers 503
#      problem+json `database-unavailable` with Retry-After, the player's proof of play is refused (so it stays in
#      its queue); PostgreSQL is started again: readiness returns by itself and the same batch is accepted once;
#      sent again it is all duplicates; the database holds each play once. Then backup → wipe → restore of that
#      deployment into a directory, onto SQLite: media served with their hash, the paired player's token works.
#   2. object store down: the server's S3 endpoint is a TCP relay to the test SeaweedFS that is stopped mid-run:
#      an upload answers 503 problem+json `storage-unavailable` and leaves no row and no spool file, /readyz is
#      503, the paired player's manifest, heartbeat and proof of play are unaffected; relay back: uploads work.
#   3. disk full: the data directory is a 16 MiB tmpfs mounted for the drill (root needed; no mount = failure):
#      a 24 MiB upload answers 507 problem+json `insufficient-storage`, leaves no spool file and no row, the server
#      stays up and a small upload then succeeds; with the disk filled by a file, a database write answers 507 too
#      and succeeds once the file is gone.
#   4. SIGTERM under load: 16 clients send proof-of-play batches while the server gets SIGTERM; after a restart
#      every event of every acknowledged batch is in the database.
#
# Needs: the services of scripts/test.sh (TWINCAST_TEST_S3_URL), PostgreSQL's initdb/pg_ctl, curl, python3, root (or
# passwordless sudo) for the tmpfs.
# Runs alone too: TWINCAST_TEST_S3_URL=s3://… ./scripts/drills.sh
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
T0=$(date +%s)

log() { printf '[drills t+%ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() {
    printf '[drills] FAILED: %s\n' "$*" >&2
    exit 1
}

[ -n "${TWINCAST_TEST_S3_URL:-}" ] || die "TWINCAST_TEST_S3_URL is not set (scripts/test.sh sets it)"
# The disk-full drill mounts a tmpfs: as root, or through passwordless sudo (as scripts/test.sh installs packages).
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    die "the disk-full drill mounts a tmpfs: run as root or with passwordless sudo"
fi
for t in curl python3; do command -v "$t" >/dev/null || die "$t is missing"; done
PG_BIN=""
for d in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN=$d && break; fi
done
[ -n "$PG_BIN" ] || die "PostgreSQL's initdb/pg_ctl not found"

if [ -z "${TWINCAST_BIN:-}" ]; then
    cargo build -q -p twincast-cli
    TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    TWINCAST_BIN="$TARGET/debug/twincast"
fi
[ -x "$TWINCAST_BIN" ] || die "$TWINCAST_BIN is not built"
TW=$TWINCAST_BIN

mkdir -p "$ROOT/.tmp"
WORK=$(mktemp -d "$ROOT/.tmp/drills.XXXXXX")
chmod 755 "$WORK"
PG_DIR=""
PG_UP=0
MOUNTED=""
PIDS=()

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for p in "${PIDS[@]}"; do
        kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 1 25); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ "$PG_UP" -eq 1 ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1
    if [ -n "$MOUNTED" ]; then "${SUDO[@]}" umount "$MOUNTED" || "${SUDO[@]}" umount -l "$MOUNTED"; fi
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK" "$PG_DIR"
        log "all drills passed"
    else
        for f in "$WORK"/*.log; do [ -s "$f" ] && echo "----- $f" && tail -n 15 "$f"; done
        log "kept $WORK for inspection"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# jq-like: json FILE 'python expression on d'
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Starts `twincast serve` in its own process group: serve NAME ARGS... ; sets BASE and SERVER_PID.
serve() {
    local name=$1
    shift
    local port
    port=$(free_port)
    BASE="http://127.0.0.1:$port"
    setsid "$TW" serve --listen "127.0.0.1:$port" "$@" </dev/null >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_for 60 "$name ready" ready
}
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ]; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
    local secs=$1 what=$2
    shift 2
    local end=$(($(date +%s) + secs))
    until "$@"; do
        [ "$(date +%s)" -lt "$end" ] || die "$what: not within ${secs}s"
        sleep 0.2
    done
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

# http METHOD PATH OUTFILE [curl args...] → prints the status; headers in OUTFILE.h
http() {
    local m=$1 path=$2 out=$3
    shift 3
    curl -s -X "$m" -o "$out" -D "$out.h" -w '%{http_code}' --max-time 60 "$@" "$BASE$path"
}
expect() { # expect WHAT GOT WANT
    [ "$2" = "$3" ] || die "$1: got $2, expected $3"
    log "ok: $1 ($2)"
}
expect_problem() { # expect_problem WHAT FILE STATUS CODE
    local got
    got=$(json "$2" 'd.get("status"), d.get("code")')
    [ "$got" = "$3 $4" ] || die "$1: problem was '$got', expected '$3 $4' ($(cat "$2"))"
    grep -qi '^content-type: application/problem+json' "$2.h" || die "$1: not application/problem+json"
    log "ok: $1 answers $3 problem+json $4"
}

# A deployment with the demo network, an admin API token and a paired player: setup NAME ARGS... (ARGS: --data …)
setup() {
    local name=$1
    shift
    "$TW" demo --seed-only "$@" >"$WORK/$name-seed.log" 2>&1 || die "demo seed failed (see $WORK/$name-seed.log)"
    printf 'drill-password-1\n' | "$TW" user add root --role admin --password-stdin "$@" >/dev/null 2>&1
    API=$("$TW" token create --user root "$@" 2>/dev/null)
}
pair() {
    local screen
    http GET /api/v1/screens "$WORK/screens.json" -H "Authorization: Bearer $API" >/dev/null
    screen=$(json "$WORK/screens.json" 'd["items"][0]["id"]')
    SCREEN=$screen
    http POST /api/v1/player/pairings "$WORK/p.json" -H 'content-type: application/json' -d '{"player_version":"drill"}' >/dev/null
    expect "claim" "$(http POST "/api/v1/pairings/$(json "$WORK/p.json" 'd["code"]')/claim" "$WORK/c.json" \
        -H "Authorization: Bearer $API" -H 'content-type: application/json' -d "{\"screen_id\":\"$screen\"}")" 200
    http GET "/api/v1/player/pairings/$(json "$WORK/p.json" 'd["pairing_id"]')?secret=$(json "$WORK/p.json" 'd["poll_secret"]')" "$WORK/t.json" >/dev/null
    DEVICE=$(json "$WORK/t.json" 'd["token"]')
}
plays_body() { # plays_body PREFIX N → a batch of N events with ids PREFIX-1..N
    python3 -c 'import json,sys; p,n=sys.argv[1],int(sys.argv[2]); print(json.dumps({"events":[{"id":f"{p}-{i}","campaign":"drill","started_at":1800000000000+i,"ended_at":1800000005000+i} for i in range(1,n+1)]}))' "$1" "$2"
}
post_plays() { # post_plays BODYFILE OUT → status
    http POST /api/v1/player/plays "$2" -H "Authorization: Bearer $DEVICE" -H 'content-type: application/json' --data-binary "@$1"
}
# A PNG of random pixels, about SIZE bytes: png FILE SIZE
png() {
    python3 - "$1" "$2" <<'PY'
import os, struct, sys, zlib
path, size = sys.argv[1], int(sys.argv[2])
w = 256
h = max(1, size // (w * 3))
raw = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))
c = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + c(b"IDAT", zlib.compress(raw, 0)) + c(b"IEND", b""))
PY
}
upload() { # upload FILE OUT → status
    http POST /api/v1/media "$2" -H "Authorization: Bearer $API" -F partner="$PARTNER" -F "file=@$1;filename=drill.png"
}
media_count() {
    http GET '/api/v1/media?limit=200' "$WORK/m.json" -H "Authorization: Bearer $API" >/dev/null
    json "$WORK/m.json" 'len(d["items"])'
}

# The browser player (e2e/drill_player.mjs, Debian's Chromium through playwright-core): player MODE → runs it in
# the background (PLAYER_PID) against BASE with the paired DEVICE, showing the drill campaign DRILL_CAMPAIGN.
E2E_DIR="$ROOT/e2e"
[ -d "$E2E_DIR/node_modules/playwright-core" ] || die "e2e/node_modules/playwright-core is missing (cd e2e && npm ci)"
command -v node >/dev/null || die "node is missing"
player() {
    node "$E2E_DIR/drill_player.mjs" "$1" "$BASE" "$DEVICE" "$SCREEN" "$DRILL_CAMPAIGN" "$WORK/player" \
        >"$WORK/player-$1.log" 2>&1 &
    PLAYER_PID=$!
    PIDS+=("$PLAYER_PID")
}
# player_says FILE SECONDS: waits until the player wrote FILE; fails with its log if it exited without it.
player_says() {
    local end=$(($(date +%s) + $2))
    until [ -e "$WORK/player/$1" ]; do
        if ! kill -0 "$PLAYER_PID" 2>/dev/null; then
            cat "$WORK/player-"*.log >&2
            die "the browser player stopped before '$1'"
        fi
        [ "$(date +%s)" -lt "$end" ] || die "the browser player: no '$1' within $2 s"
        sleep 0.2
    done
    log "ok: the browser player: $1"
}
# A campaign of short items (a card and an image of the demo) for the paired screen, above the demo's rotation.
drill_campaign() {
    http GET '/api/v1/media?kind=image&limit=1' "$WORK/img.json" -H "Authorization: Bearer $API" >/dev/null
    local body
    body=$(python3 - "$WORK/img.json" "$SCREEN" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["items"][0]
print(json.dumps({"name": "drill", "partner": m["partner"], "priority": 50, "targets": {"screens": [sys.argv[2]]},
    "items": [{"id": "card", "kind": "html", "template": "partner_card", "duration_ms": 2500,
               "data": {"city": "Drill", "country": "DE", "text": "drill card"}},
              {"id": "image", "kind": "image", "media_id": m["id"], "duration_ms": 2500}]}))
PY
)
    expect "the drill campaign" "$(http POST /api/v1/campaigns "$WORK/camp.json" -H "Authorization: Bearer $API" -H 'content-type: application/json' -d "$body")" 201
    DRILL_CAMPAIGN=$(json "$WORK/camp.json" 'd["id"]')
}
mkdir -p "$WORK/player"

# ==================================================================================================================
log "=== 1. database down (private PostgreSQL)"
PG_DIR=$(mktemp -d /tmp/twincast-drill-pg.XXXXXX)
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$WORK/initdb.log" 2>&1 ||
    die "initdb failed (see $WORK/initdb.log)"
PG_PORT=$(free_port)
pg_start() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories= -c fsync=off" start >/dev/null ||
        die "PostgreSQL did not start (see $PG_DIR/pg.log)"
    PG_UP=1
}
pg_start
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres drill
DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/drill"
D1="$WORK/d1"
setup d1 --data "$D1" --database-url "$DB_URL"
serve db-down --data "$D1" --database-url "$DB_URL"
pair
drill_campaign
expect "manifest before the outage" "$(http GET /api/v1/player/manifest "$WORK/man.json" -H "Authorization: Bearer $DEVICE")" 200
MEDIA_URL=$(http GET '/api/v1/media?limit=1' "$WORK/m1.json" -H "Authorization: Bearer $API" >/dev/null && json "$WORK/m1.json" 'd["items"][0]["url"]')
expect "a media file before the outage" "$(http GET "$MEDIA_URL" "$WORK/media.bin")" 200
plays_body outage 5 >"$WORK/plays.json"
player outage
player_says playing 60

log "stopping PostgreSQL"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null
PG_UP=0
: >"$WORK/player/db-down"
expect "/healthz with the database down" "$(http GET /healthz "$WORK/h.txt")" 200
t=$(date +%s)
expect "/readyz with the database down" "$(http GET /readyz "$WORK/r.json")" 503
log "readiness answered in $(($(date +%s) - t)) s"
expect "proof of play with the database down" "$(post_plays "$WORK/plays.json" "$WORK/pp.json")" 503
expect_problem "proof of play" "$WORK/pp.json" 503 database-unavailable
grep -qi '^retry-after: [0-9]' "$WORK/pp.json.h" || die "no Retry-After on the 503"
log "ok: Retry-After: $(grep -i '^retry-after' "$WORK/pp.json.h" | tr -d '\r' | cut -d' ' -f2)"
expect "operator API with the database down" "$(http GET /api/v1/screens "$WORK/s.json" -H "Authorization: Bearer $API")" 503
expect_problem "operator API" "$WORK/s.json" 503 database-unavailable
expect "the media file a screen already fetched, with the database down" "$(http GET "$MEDIA_URL" "$WORK/media.bin")" 200
player_says played-offline 30

log "starting PostgreSQL again"
pg_start
wait_for 30 "readiness after PostgreSQL is back" ready
log "ok: /readyz 200 again"
: >"$WORK/player/db-up"
player_says outage.json 40
wait "$PLAYER_PID" || die "the browser player failed (see $WORK/player-outage.log)"
RECORDED=$(json "$WORK/player/outage.json" 'd["recorded"]')
n=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d drill -Atc "SELECT COUNT(*) FROM plays WHERE screen_id = '$SCREEN' AND id NOT LIKE 'outage-%'")
expect "the browser player's plays in the database (each once: recorded by the page = rows)" "$n" "$RECORDED"
expect "the queued proof of play, delivered" "$(post_plays "$WORK/plays.json" "$WORK/pp.json")" 200
expect "accepted/duplicates" "$(json "$WORK/pp.json" 'd["accepted"], d["duplicates"]')" "5 0"
expect "the same batch again" "$(post_plays "$WORK/plays.json" "$WORK/pp.json")" 200
expect "accepted/duplicates" "$(json "$WORK/pp.json" 'd["accepted"], d["duplicates"]')" "0 5"
n=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d drill -Atc "SELECT COUNT(*) FROM plays WHERE id LIKE 'outage-%'")
expect "plays in the database" "$n" 5

log "=== 1b. backup (online, to a directory) → wipe → restore onto SQLite"
"$TW" backup create --data "$D1" --database-url "$DB_URL" --to "$WORK/backup" | tee "$WORK/backup.out"
stop_server
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null
PG_UP=0
rm -rf "$D1" "$PG_DIR/data"
log "wiped the data directory and the PostgreSQL cluster"
D1R="$WORK/d1-restored"
"$TW" backup restore --from "$WORK/backup" --data "$D1R" 2>"$WORK/restore.log" | tee "$WORK/restore.out"
serve restored --data "$D1R"
http GET '/api/v1/media?limit=200' "$WORK/m.json" -H "Authorization: Bearer $API" >/dev/null
python3 - "$WORK/m.json" "$BASE" <<'PY' || die "a restored media item is not served with its hash"
import hashlib, json, sys, urllib.request
items = json.load(open(sys.argv[1]))["items"]
assert items, "no media after the restore"
for m in items:
    body = urllib.request.urlopen(sys.argv[2] + m["url"]).read()
    assert hashlib.sha256(body).hexdigest() == m["sha256"], m["url"]
print(f"[drills] ok: {len(items)} media items served with their SHA-256 after the restore")
PY
expect "the paired player's manifest after the restore" "$(http GET /api/v1/player/manifest "$WORK/man.json" -H "Authorization: Bearer $DEVICE")" 200
expect "its proof of play after the restore" "$(post_plays "$WORK/plays.json" "$WORK/pp.json")" 200
expect "accepted/duplicates (already counted before the backup)" "$(json "$WORK/pp.json" 'd["accepted"], d["duplicates"]')" "0 5"
expect "media URL from before the backup" "$(http GET "$MEDIA_URL" "$WORK/media.bin")" 200
player restored
wait "$PLAYER_PID" || { cat "$WORK/player-restored.log" >&2; die "the browser player on the restored server failed"; }
cat "$WORK/player-restored.log"
R2=$(json "$WORK/player/restored.json" 'd["recorded"]')
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM plays WHERE screen_id = ? AND id NOT LIKE ?", (sys.argv[2], "outage-%")).fetchone()[0])' "$D1R/twincast.db" "$SCREEN")
expect "the player's plays in the restored database (before the backup + on the restored server)" "$n" "$((RECORDED + R2))"
stop_server

# ==================================================================================================================
log "=== 2. object store down (S3 behind a relay that is stopped)"
S3_ENDPOINT=$(python3 -c 'import sys,urllib.parse as u; q=dict(u.parse_qsl(u.urlparse(sys.argv[1]).query)); print(q["endpoint"])' "$TWINCAST_TEST_S3_URL")
RELAY_PORT=$(free_port)
relay_start() {
    setsid python3 - "$RELAY_PORT" "$S3_ENDPOINT" >"$WORK/relay.log" 2>&1 <<'PY' &
import asyncio, sys, urllib.parse
port, up = int(sys.argv[1]), urllib.parse.urlparse(sys.argv[2])
async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    finally:
        w.close()
async def handle(r, w):
    ur, uw = await asyncio.open_connection(up.hostname, up.port)
    await asyncio.gather(pipe(r, uw), pipe(ur, w), return_exceptions=True)
async def main():
    s = await asyncio.start_server(handle, "127.0.0.1", port, reuse_address=True)
    async with s:
        await s.serve_forever()
asyncio.run(main())
PY
    RELAY_PID=$!
    PIDS+=("$RELAY_PID")
    wait_for 10 "S3 relay" bash -c "exec 3<>/dev/tcp/127.0.0.1/$RELAY_PORT" 2>/dev/null
}
relay_start
S3_URL=$(python3 -c 'import sys; print(sys.argv[1].replace(sys.argv[2], "http://127.0.0.1:"+sys.argv[3]))' "$TWINCAST_TEST_S3_URL" "$S3_ENDPOINT" "$RELAY_PORT")
D2="$WORK/d2"
setup d2 --data "$D2" --storage "$S3_URL"
serve s3-down --data "$D2" --storage "$S3_URL"
pair
http GET /api/v1/partners "$WORK/pa.json" >/dev/null
PARTNER=$(json "$WORK/pa.json" 'd["items"][0]["slug"]')
before=$(media_count)
png "$WORK/small.png" 20000
log "stopping the S3 relay"
kill -TERM -- "-$RELAY_PID" 2>/dev/null || kill -TERM "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null || true
t=$(date +%s)
expect "upload with the object store down" "$(upload "$WORK/small.png" "$WORK/up.json")" 503
log "the upload was refused after $(($(date +%s) - t)) s"
expect_problem "upload" "$WORK/up.json" 503 storage-unavailable
grep -qi '^retry-after: [0-9]' "$WORK/up.json.h" || die "no Retry-After on the 503"
expect "media rows after the refused upload" "$(media_count)" "$before"
S3_MEDIA_URL=$(json "$WORK/m.json" 'd["items"][0]["url"]')
expect "a media file with the object store down" "$(http GET "$S3_MEDIA_URL" "$WORK/media.bin")" 503
expect_problem "media delivery" "$WORK/media.bin" 503 storage-unavailable
grep -qi '^retry-after: [0-9]' "$WORK/media.bin.h" || die "no Retry-After on the 503 of media delivery"
expect "spool files after the refused upload" "$(find "$D2/tmp" -type f | wc -l)" 0
expect "/readyz with the object store down" "$(http GET /readyz "$WORK/r.json")" 503
expect "the player's manifest with the object store down" "$(http GET /api/v1/player/manifest "$WORK/man.json" -H "Authorization: Bearer $DEVICE")" 200
expect "its heartbeat" "$(http POST /api/v1/player/heartbeat "$WORK/hb.json" -H "Authorization: Bearer $DEVICE" -H 'content-type: application/json' -d '{}')" 200
plays_body s3down 3 >"$WORK/plays2.json"
expect "its proof of play" "$(post_plays "$WORK/plays2.json" "$WORK/pp.json")" 200
relay_start
wait_for 30 "readiness after the object store is back" ready
expect "upload with the object store back" "$(upload "$WORK/small.png" "$WORK/up.json")" 201
expect "media rows" "$(media_count)" "$((before + 1))"
stop_server
kill -TERM -- "-$RELAY_PID" 2>/dev/null || kill -TERM "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null || true

# ==================================================================================================================
log "=== 3. disk full (16 MiB tmpfs)"
D3="$WORK/d3"
mkdir -p "$D3"
"${SUDO[@]}" mount -t tmpfs -o "size=16m,uid=$(id -u),gid=$(id -g),mode=0755" tmpfs "$D3" || die "cannot mount a tmpfs on $D3 (the disk-full drill needs it)"
MOUNTED=$D3
printf 'drill-password-1\n' | "$TW" user add root --role admin --password-stdin --data "$D3" >/dev/null 2>&1
API=$("$TW" token create --user root --data "$D3" 2>/dev/null)
serve disk-full --data "$D3"
PARTNER=drill-city
expect "partner" "$(http POST /api/v1/partners "$WORK/pa.json" -H "Authorization: Bearer $API" -H 'content-type: application/json' \
    -d '{"slug":"drill-city","names":{"en":"Drill","ru":"Учения","zh":"演习"},"country":"DE","continent":"europe","lat":51.0,"lon":7.0,"description":""}')" 201
png "$WORK/big.png" $((24 * 1024 * 1024))
log "free on the tmpfs: $(df -k --output=avail "$D3" | tail -1) KiB"
expect "a 24 MiB upload onto the full disk" "$(upload "$WORK/big.png" "$WORK/up.json")" 507
expect_problem "upload" "$WORK/up.json" 507 insufficient-storage
expect "spool files after the refused upload" "$(find "$D3/tmp" -type f | wc -l)" 0
expect "media rows" "$(media_count)" 0
expect "/healthz after the refused upload" "$(http GET /healthz "$WORK/h.txt")" 200
expect "a small upload after it" "$(upload "$WORK/small.png" "$WORK/up.json")" 201
# The disk filled by something else: a database write is refused the same way, and works once there is room.
dd if=/dev/zero of="$D3/filler" bs=1M count=64 status=none 2>/dev/null || true
LOC='{"slug":"drill-loc","name":"Drill","kind":"metro","lat":51.0,"lon":7.0,"tz":"UTC"}'
expect "a database write onto the full disk" "$(http POST /api/v1/locations "$WORK/loc.json" -H "Authorization: Bearer $API" -H 'content-type: application/json' -d "$LOC")" 507
expect_problem "database write" "$WORK/loc.json" 507 insufficient-storage
expect "/healthz with the disk full" "$(http GET /healthz "$WORK/h.txt")" 200
rm -f "$D3/filler"
expect "the same write with room again" "$(http POST /api/v1/locations "$WORK/loc.json" -H "Authorization: Bearer $API" -H 'content-type: application/json' -d "$LOC")" 201
stop_server
"${SUDO[@]}" umount "$D3"
MOUNTED=""

# ==================================================================================================================
log "=== 4. SIGTERM under load"
D4="$WORK/d4"
"$TW" fleet provision --unsigned --data "$D4" --screens 1 --locations 1 --partners 1 --tokens-out "$WORK/fleet.tokens" >"$WORK/d4-seed.log" 2>&1
DEVICE=$(cut -f1 "$WORK/fleet.tokens")
serve sigterm --data "$D4"
mkdir -p "$WORK/load"
load_client() { # one client: batches until the server stops answering; records each acknowledged batch
    local k=$1 i=0 code
    while :; do
        i=$((i + 1))
        plays_body "c$k-b$i" 50 >"$WORK/load/body-$k"
        code=$(curl -s -o "$WORK/load/ans-$k-$i" -w '%{http_code}' --max-time 30 -X POST "$BASE/api/v1/player/plays" \
            -H "Authorization: Bearer $DEVICE" -H 'content-type: application/json' --data-binary "@$WORK/load/body-$k") || code=000
        if [ "$code" = 200 ]; then echo "c$k-b$i" >>"$WORK/load/acked-$k"; else break; fi
    done
}
LOAD=()
for k in $(seq 1 16); do
    load_client "$k" &
    LOAD+=($!)
done
wait_for 20 "load started" bash -c "cat $WORK/load/acked-* 2>/dev/null | wc -l | grep -qv '^[0-4]$'"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
wait "${LOAD[@]}"
acked=$(cat "$WORK"/load/acked-* | wc -l)
log "SIGTERM during the load: $acked batches of 50 acknowledged"
serve sigterm-after --data "$D4"
stop_server
missing=$(python3 - "$D4/twincast.db" "$WORK/load" <<'PY'
import glob, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
have = {r[0] for r in db.execute("SELECT id FROM plays")}
missing = 0
for f in glob.glob(sys.argv[2] + "/acked-*"):
    for prefix in open(f).read().split():
        missing += sum(1 for i in range(1, 51) if f"{prefix}-{i}" not in have)
print(missing)
PY
)
expect "acknowledged plays missing after SIGTERM and restart" "$missing" 0
