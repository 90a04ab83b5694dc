# Shared by the benchmark scripts (sourced, not run): logging, free ports, stopping process groups, installing
# missing tools. Expects T0 (start time, seconds) to be set by the script.

log() { printf '%s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
stage() { log "" && log "=== $*   (t+$(($(date +%s) - T0))s)"; }
port_in_use() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
free_port() {
    local p=$1
    while port_in_use "$p"; do p=$((p + 1)); done
    echo "$p"
}

# Stops the process group led by PID (started with setsid): TERM, up to 10 s, then KILL.
stop_group() {
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# apt-get installs the Debian packages named, if any.
apt_install() {
    [ "$#" -gt 0 ] || return 0
    log "apt-get install $*"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -E)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get -q -o DPkg::Lock::Timeout=600 update
    "${sudo[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "$@"
}

# Builds the release `twincast` binary and sets TWINCAST to its path.
build_twincast() {
    cargo build --release -p twincast-cli
    local target
    target=$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    TWINCAST="$target/release/twincast"
    [ -x "$TWINCAST" ] || die "$TWINCAST not built"
}

# Waits until BASE/healthz answers 200 (at most SECONDS, default 300) while PID lives; shows LOG if it dies.
wait_healthy() {
    local base=$1 pid=$2 logfile=$3 tries=$((${4:-300} * 2))
    for i in $(seq 1 "$tries"); do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$logfile"; die "the server exited (see $logfile)"; }
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && return 0
        sleep 0.5
    done
    die "no answer on $base/healthz (see $logfile)"
}

# ---- The fleet set-up shared by fleet.sh and soak.sh ----------------------------------------------------------------

# Raises the open-files limit for SCREENS sockets on each side (server and simulator inherit it), or dies.
fleet_limits() {
    local need=$(($1 + 2000))
    [ "$(ulimit -n)" -ge "$need" ] || ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    [ "$(ulimit -n)" -ge "$need" ] || die "open files limit $(ulimit -n) < $need (raise the hard limit: ulimit -Hn)"
    log "open files limit: $(ulimit -n)"
}

# fleet_provision DATA SCREENS CAMPAIGNS PARTNERS LOCATIONS TOKENS USER: a fresh data directory with the provisioned
# network (`twincast fleet provision`, device tokens written to TOKENS) and an operator USER; sets API_TOKEN.
fleet_provision() {
    local data=$1 screens=$2 campaigns=$3 partners=$4 locations=$5 tokens=$6 user=$7
    rm -rf "$data" && mkdir -p "$data"
    TWINCAST_LOG=warn "$TWINCAST" fleet provision --data "$data" --screens "$screens" --campaigns "$campaigns" \
        --partners "$partners" --locations "$locations" --tokens-out "$tokens"
    printf '%s-password-1\n' "$user" |
        TWINCAST_LOG=warn "$TWINCAST" user add "$user" --role operator --password-stdin --data "$data" >/dev/null
    API_TOKEN=$(TWINCAST_LOG=warn "$TWINCAST" token create --user "$user" --data "$data")
}

# fleet_serve DATA FIRST_PORT LOGFILE LEVEL: starts `twincast serve` on DATA in its own process group (stop it with
# stop_group) and waits until it is healthy; sets TW_PID and BASE.
fleet_serve() {
    local data=$1 port logfile=$3 level=$4
    port=$(free_port "$2")
    BASE="http://127.0.0.1:$port"
    setsid env TWINCAST_LOG="$level" "$TWINCAST" serve --data "$data" --listen "127.0.0.1:$port" </dev/null \
        >"$logfile" 2>&1 &
    TW_PID=$!
    wait_healthy "$BASE" "$TW_PID" "$logfile" 120
}
