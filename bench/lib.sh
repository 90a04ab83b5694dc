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
