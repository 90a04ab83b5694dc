#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI, pinned) generates requests for every /api/v1 operation of the OpenAPI document
# and checks the answers of a `twincast demo` server against it, authenticated as an admin with an API token.
# The checks are exactly not_a_server_error, status_code_conformance, content_type_conformance and
# response_schema_conformance; any failure fails this script. `./scripts/test.sh` runs it as a stage; it runs alone
# as well (it builds the binary and installs schemathesis when missing).
#
# Environment knobs (all optional):
#   TWINCAST_FUZZ_MAX_EXAMPLES=N  generated cases per operation and phase (default 30)
#   TWINCAST_FUZZ_SEED=N          seed of the data generation (default 20261130: runs are reproducible)
#   TWINCAST_FUZZ_TIME_CAP=S      the whole schemathesis run must end within S seconds (default 900)
#   TWINCAST_FUZZ_DIR=DIR         work dir (server data, logs, reports); default a new .tmp/fuzz.XXXXXX, removed on
#                                 success unless TWINCAST_KEEP_TMP=1
#   TWINCAST_SKIP_INSTALL=1       do not install schemathesis (fail if it is missing)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${TWINCAST_FUZZ_MAX_EXAMPLES:-30}
SEED=${TWINCAST_FUZZ_SEED:-20261130}
TIME_CAP=${TWINCAST_FUZZ_TIME_CAP:-900}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

log() { printf 'fuzz-api: %s\n' "$*"; }
die() {
    printf 'fuzz-api: error: %s\n' "$*" >&2
    exit 1
}
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -E); fi

# --- schemathesis ---------------------------------------------------------------------------------------------------
# `st` on PATH or in Python's scripts dir (pip may install outside PATH), of exactly the pinned version.
find_st() {
    local c
    for c in "$(command -v st 2>/dev/null || true)" \
        "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)/st" \
        "$HOME/.local/bin/st" /usr/local/bin/st; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
            echo "$c"
            return 0
        fi
    done
    return 1
}
if ! ST=$(find_st); then
    [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ] && die "schemathesis $SCHEMATHESIS_VERSION missing (TWINCAST_SKIP_INSTALL=1)"
    python3 -m pip --version >/dev/null 2>&1 || die "python3 with pip is needed to install schemathesis"
    log "pip install schemathesis==$SCHEMATHESIS_VERSION"
    PIP=(python3 -m pip install --disable-pip-version-check -q "schemathesis==$SCHEMATHESIS_VERSION")
    if ! "${SUDO[@]}" "${PIP[@]}"; then
        # Debian's system Python refuses plain `pip install` (PEP 668).
        "${SUDO[@]}" "${PIP[@]}" --break-system-packages
    fi
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
    ST=$(find_st) || die "st not found after pip install schemathesis==$SCHEMATHESIS_VERSION"
fi
log "schemathesis: $ST ($("$ST" --version))"

# --- the binary -------------------------------------------------------------------------------------------------------
cargo build -q -p twincast-cli --bin twincast
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/debug/twincast"
[ -x "$BIN" ] || die "$BIN not built"

# --- a fresh demo server on a free loopback port ------------------------------------------------------------------------
if [ -n "${TWINCAST_FUZZ_DIR:-}" ]; then
    WORK=$TWINCAST_FUZZ_DIR
    OWN_WORK=0
else
    mkdir -p "$ROOT/.tmp"
    WORK=$(mktemp -d "$ROOT/.tmp/fuzz.XXXXXX")
    OWN_WORK=1
fi
DATA="$WORK/data"
rm -rf "$DATA" "$WORK/report"
mkdir -p "$DATA" "$WORK/no-ffmpeg"
SERVER_PID=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [ "$rc" -ne 0 ] && [ -s "$WORK/server.log" ]; then
        log "last lines of $WORK/server.log:"
        tail -n 20 "$WORK/server.log"
    fi
    if [ "$OWN_WORK" -eq 1 ] && [ "$rc" -eq 0 ] && [ "${TWINCAST_KEEP_TMP:-0}" != 1 ]; then
        rm -rf "$WORK"
    else
        log "kept $WORK (server data, log, reports)"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The server's settings come only from these flags: no config file or database/storage URL of the caller's shell.
unset TWINCAST_CONFIG TWINCAST_DATA_DIR TWINCAST_DATABASE_URL TWINCAST_STORAGE_URL TWINCAST_LISTEN
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=""
for attempt in 1 2 3; do
    port=$(free_port)
    # PATH without ffmpeg: the demo would otherwise render 29 card videos in the background for minutes, taking the
    # CPU from the run and changing the library under it; uploads still go through every media check.
    PATH="$WORK/no-ffmpeg" "$BIN" demo --data "$DATA" --port "$port" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" 2>/dev/null)" = 200 ]; then
            PORT=$port
            break
        fi
        sleep 0.5
    done
    [ -n "$PORT" ] && break
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    log "the demo server did not come up on port $port (attempt $attempt, port taken?)"
done
[ -n "$PORT" ] || die "the demo server did not start (see $WORK/server.log)"
BASE="http://127.0.0.1:$PORT"
log "demo server on $BASE (data in $DATA)"

# --- an admin and its API token (through the CLI, as an operator would) ---------------------------------------------
head -c 24 /dev/urandom | base64 | "$BIN" user add fuzzer --role admin --password-stdin --data "$DATA" >/dev/null
TOKEN=$("$BIN" token create --user fuzzer --name fuzz --data "$DATA" 2>/dev/null | tail -n 1)
[ -n "$TOKEN" ] || die "no API token created"
me() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/auth/me"; }
[ "$(me)" = 200 ] || die "the fuzzer's API token is not accepted"

# --- the run ------------------------------------------------------------------------------------------------------------
# Excluded: GET /api/v1/player/ws, the WebSocket upgrade (a generated plain HTTP request can only ever be refused;
# the push channel is tested by the player tests and the browser suite). Nothing else: the fuzzer's token is an API
# token, so logout ends no session of its own.
log "schemathesis over every operation: $MAX_EXAMPLES examples per operation and phase, seed $SEED, cap ${TIME_CAP}s"
T0=$(date +%s)
rc=0
# Run inside the work dir: schemathesis keeps a cache (.schemathesis/) in its current directory.
# scripts/fuzz_hooks.py tells schemathesis how to build the raw upload chunks (PATCH /api/v1/uploads/{id}).
(cd "$WORK" && PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=fuzz_hooks \
    timeout --signal=TERM --kill-after=30 "$TIME_CAP" \
    "$ST" run "$BASE/api/v1/openapi.json" --url "$BASE" \
    --checks "$CHECKS" \
    --header "Authorization: Bearer $TOKEN" \
    --exclude-path /api/v1/player/ws \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
    --generation-database none \
    --request-timeout 60 \
    --report junit --report-dir "$WORK/report" \
    --no-color) || rc=$?
log "schemathesis ended with exit code $rc after $(($(date +%s) - T0))s"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    die "the run did not finish within ${TIME_CAP}s (TWINCAST_FUZZ_TIME_CAP)"
fi
[ "$rc" -eq 0 ] || die "schemathesis found failures (above; JUnit report in $WORK/report)"
# A run whose own token was revoked half-way would have tested little but 401s.
[ "$(me)" = 200 ] || die "the fuzzer's token no longer works after the run: most cases may have tested only 401"
log "0 failures"
