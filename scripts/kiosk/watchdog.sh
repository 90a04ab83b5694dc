#!/usr/bin/env bash
# The Twincast screen watchdog, run every WATCHDOG_INTERVAL seconds by twincast-kiosk-watchdog.timer (as root).
#
# One check = the kiosk unit is active with a Chromium process in its cgroup, and the server answers HEALTH_URL
# (curl, 10 s). A failed check increments a counter in the state directory; a good one resets it. When the counter
# reaches WATCHDOG_FAILURES the kiosk unit is restarted and the counter starts again, with one exception: when
# Chromium runs and only the server is unreachable, the session is restarted once per outage, not every
# WATCHDOG_FAILURES checks (the player keeps playing its cached horizon meanwhile; restarting it again and again
# would only show black frames). The outage ends with the first good check; if the player was never loaded (no
# Service Worker in the browser PROFILE, so the screen shows the browser's error page), the session is then
# restarted once more to load it.
#
# Settings come from TWINCAST_KIOSK_CONF (default /etc/twincast-kiosk/kiosk.conf, KEY=value lines written by
# twincast-kiosk install). For tests: TWINCAST_KIOSK_STATE_DIR (default /run/twincast-kiosk-watchdog),
# TWINCAST_KIOSK_CGROUP_ROOT (default /sys/fs/cgroup) and TWINCAST_KIOSK_PROC (default /proc).
# Installed as /usr/local/lib/twincast-kiosk/watchdog; see docs/screens.md. Exit code 0 unless misconfigured.
set -Eeuo pipefail

CONF=${TWINCAST_KIOSK_CONF:-/etc/twincast-kiosk/kiosk.conf}
STATE_DIR=${TWINCAST_KIOSK_STATE_DIR:-/run/twincast-kiosk-watchdog}
CGROUP_ROOT=${TWINCAST_KIOSK_CGROUP_ROOT:-/sys/fs/cgroup}
PROC=${TWINCAST_KIOSK_PROC:-/proc}

log() { printf '%s\n' "$*"; }

HEALTH_URL=""
PROFILE=""
WATCHDOG_FAILURES=3
UNIT=twincast-kiosk.service
KIOSK_USER=kiosk
[ -r "$CONF" ] || {
    log "watchdog: $CONF not readable" >&2
    exit 1
}
while IFS='=' read -r key value; do
    case "$key" in
    HEALTH_URL) HEALTH_URL=$value ;;
    PROFILE) PROFILE=$value ;;
    WATCHDOG_FAILURES) WATCHDOG_FAILURES=$value ;;
    UNIT) UNIT=$value ;;
    KIOSK_USER) KIOSK_USER=$value ;;
    esac
done <"$CONF"
[[ $WATCHDOG_FAILURES =~ ^[1-9][0-9]*$ ]] || {
    log "watchdog: WATCHDOG_FAILURES must be a positive number in $CONF" >&2
    exit 1
}

mkdir -p "$STATE_DIR"
COUNTER="$STATE_DIR/failures"
OUTAGE_RESTARTED="$STATE_DIR/outage-restarted"

# Chromium runs in the kiosk unit: a process named chrom* (chromium, chromium-browse[r], chrome) in the unit's
# cgroup (cgroup v2); without a readable cgroup, any chrom* process of the kiosk user.
chromium_runs() {
    systemctl is-active --quiet "$UNIT" || return 1
    local cg procs pid comm
    cg=$(systemctl show -p ControlGroup --value "$UNIT" 2>/dev/null || true)
    procs="$CGROUP_ROOT$cg/cgroup.procs"
    if [ -n "$cg" ] && [ -r "$procs" ]; then
        while read -r pid; do
            comm=$(cat "$PROC/$pid/comm" 2>/dev/null || true)
            case "$comm" in chrom*) return 0 ;; esac
        done <"$procs"
        return 1
    fi
    pgrep -u "$KIOSK_USER" '^chrom' >/dev/null 2>&1
}

server_answers() {
    [ -n "$HEALTH_URL" ] || return 0
    curl -fsS -o /dev/null --max-time 10 "$HEALTH_URL" 2>/dev/null
}

chromium_ok=1
server_ok=1
chromium_runs || chromium_ok=0
server_answers || server_ok=0

if [ "$chromium_ok" -eq 1 ] && [ "$server_ok" -eq 1 ]; then
    recovering=0
    if [ -e "$COUNTER" ] || [ -e "$OUTAGE_RESTARTED" ]; then recovering=1; fi
    rm -f "$COUNTER" "$OUTAGE_RESTARTED"
    if [ "$recovering" -eq 1 ]; then
        log "watchdog: ok again"
        # A player that was never loaded (no Service Worker in the profile) shows the browser's error page from
        # the outage: load it now.
        if [ -n "$PROFILE" ] && [ ! -d "$PROFILE/Default/Service Worker" ]; then
            log "watchdog: the player was never loaded (no Service Worker in $PROFILE): restarting $UNIT"
            systemctl restart "$UNIT"
        fi
    fi
    exit 0
fi

reasons=()
[ "$chromium_ok" -eq 1 ] || reasons+=("no Chromium in $UNIT")
[ "$server_ok" -eq 1 ] || reasons+=("$HEALTH_URL does not answer")
failures=$(cat "$COUNTER" 2>/dev/null || echo 0)
[[ $failures =~ ^[0-9]+$ ]] || failures=0
failures=$((failures + 1))
echo "$failures" >"$COUNTER"
log "watchdog: check failed ($(
    IFS=';'
    echo "${reasons[*]}"
)): $failures of $WATCHDOG_FAILURES"

[ "$failures" -ge "$WATCHDOG_FAILURES" ] || exit 0

if [ "$chromium_ok" -eq 1 ] && [ -e "$OUTAGE_RESTARTED" ]; then
    log "watchdog: the server is still unreachable; the session was restarted once in this outage: not again"
    echo 0 >"$COUNTER"
    exit 0
fi

log "watchdog: restarting $UNIT"
echo 0 >"$COUNTER"
if [ "$chromium_ok" -eq 1 ]; then touch "$OUTAGE_RESTARTED"; fi
systemctl restart "$UNIT"
