#!/usr/bin/env bash
# The Twincast kiosk session, started by cage (twincast-kiosk.service) as the kiosk user:
#   session CHROMIUM [CHROMIUM FLAGS...] URL
# 1. marks Chromium's previous exit as clean (no "restore pages?" bubble after a power cut or a restart),
# 2. turns the picture (TWINCAST_KIOSK_ROTATE=90|180|270) with wlr-randr when cage supports it (cage >= 0.1.5;
#    older cage got `-r` on its own command line), before Chromium opens its window,
# 3. while the browser profile has no Service Worker yet (the player was never loaded), waits up to
#    TWINCAST_KIOSK_WAIT_SECS (default 60) for the server's health URL, so that the very first load does not land
#    on an error page; once the player is cached it starts at once, server or not,
# 4. execs Chromium (cage ends, and systemd restarts the unit, when Chromium exits).
# Installed as /usr/local/lib/twincast-kiosk/session by twincast-kiosk; see docs/screens.md.
set -Eeuo pipefail

[ "$#" -ge 1 ] || {
    echo "usage: session CHROMIUM [FLAGS...] URL" >&2
    exit 2
}

log() { printf 'twincast-kiosk session: %s\n' "$*" >&2; }

# 1. Clean-exit flags in the profile's Preferences (JSON written by Chromium; a plain text substitution suffices).
profile=""
for arg in "$@"; do
    case "$arg" in --user-data-dir=*) profile=${arg#--user-data-dir=} ;; esac
done
if [ -n "$profile" ]; then
    mkdir -p "$profile"
    prefs="$profile/Default/Preferences"
    if [ -f "$prefs" ]; then
        sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' \
            -e 's/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$prefs" ||
            log "could not reset the exit flags in $prefs"
    fi
fi

# 2. Rotation with wlr-randr (every enabled output). Output names are the lines that do not start with a space.
rotate=${TWINCAST_KIOSK_ROTATE:-0}
case "$rotate" in
0 | "") ;;
90 | 180 | 270)
    if command -v wlr-randr >/dev/null 2>&1 && outputs=$(wlr-randr 2>/dev/null); then
        while read -r name _; do
            [ -n "$name" ] || continue
            wlr-randr --output "$name" --transform "$rotate" || log "wlr-randr could not turn $name"
        done < <(printf '%s\n' "$outputs" | grep -v '^[[:space:]]')
    else
        # cage 0.1.4 has no output management: it was started with -r instead.
        log "wlr-randr not usable here (cage < 0.1.5 rotates with -r)"
    fi
    ;;
*) log "ignoring TWINCAST_KIOSK_ROTATE=$rotate (expected 0, 90, 180 or 270)" ;;
esac

# 3. Wait for the server (bounded), only while the profile has no Service Worker yet: once the player has been
#    loaded, it starts from its cache at once, server or not (waiting would only keep the screen dark).
health=${TWINCAST_KIOSK_HEALTH_URL:-}
wait_secs=${TWINCAST_KIOSK_WAIT_SECS:-60}
if [ -n "$profile" ] && [ -d "$profile/Default/Service Worker" ]; then
    health=""
fi
if [ -n "$health" ] && command -v curl >/dev/null 2>&1; then
    deadline=$((SECONDS + wait_secs))
    until curl -fsS -o /dev/null --max-time 5 "$health" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "$health did not answer within ${wait_secs} s: starting anyway (the player plays from its cache)"
            break
        fi
        sleep 2
    done
fi

# 4. The browser.
exec "$@"
