#!/usr/bin/env bash
# Tests of scripts/kiosk (twincast-kiosk, session.sh, watchdog.sh). Changes nothing on the machine except
# installing missing test tools with apt-get (shellcheck; systemd for systemd-analyze; cage, whose binary the
# kiosk unit's ExecStart names and `systemd-analyze verify` checks). TWINCAST_SKIP_INSTALL=1: install nothing
# (a missing tool is then a failure). Nothing is skipped: a check that cannot run fails.
#
#   bash -n and shellcheck on every script; --help, --version; bad flags (exit 2 with a message, nothing printed
#   on stdout); install --dry-run (unit content: URL, kiosk flags, Restart=, watchdog service + timer, rotation
#   with cage -r and with wlr-randr, % escaping, nothing written); the generated units through
#   `systemd-analyze verify` (and a broken unit that it must reject); the watchdog's decisions and the session
#   wrapper with stub commands; uninstall --dry-run.
# Exit code: 0 when every check passed. Last line: "kiosk: N passed, N failed".
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KIOSK="$HERE/twincast-kiosk"
SCRIPTS=("$KIOSK" "$HERE/session.sh" "$HERE/watchdog.sh" "$HERE/test.sh")
export DEBIAN_FRONTEND=noninteractive

PASSED=0
FAILED=0
pass() {
    PASSED=$((PASSED + 1))
    printf 'ok    %s\n' "$1"
}
fail() {
    FAILED=$((FAILED + 1))
    printf 'FAIL  %s\n' "$1"
    if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/      /' | head -n 40; fi
}

TMP=$(mktemp -d /tmp/twincast-kiosk-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# ----------------------------------------------------------------------------------------------------------------
# Tools
# ----------------------------------------------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -E); fi
APT_UPDATED=0
apt_install() {
    if [ "${TWINCAST_SKIP_INSTALL:-0}" = 1 ]; then
        echo "missing: $* (TWINCAST_SKIP_INSTALL=1: not installing)"
        return 1
    fi
    echo "apt-get install $*"
    local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
    if "${SUDO[@]}" apt-get install "${opts[@]}" "$@" >"$TMP/apt.log" 2>&1; then return 0; fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        APT_UPDATED=1
        "${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=600 update >>"$TMP/apt.log" 2>&1 || true
        if "${SUDO[@]}" apt-get install "${opts[@]}" "$@" >>"$TMP/apt.log" 2>&1; then return 0; fi
    fi
    tail -n 20 "$TMP/apt.log"
    return 1
}
command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck || true
command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd || true
[ -x /usr/bin/cage ] || apt_install cage || true
[ -x /usr/bin/Xwayland ] || apt_install xwayland || true
[ -x /usr/bin/chromium ] || apt_install chromium || true

# ----------------------------------------------------------------------------------------------------------------
# Syntax and lint
# ----------------------------------------------------------------------------------------------------------------
for s in "${SCRIPTS[@]}"; do
    if out=$(bash -n "$s" 2>&1); then pass "bash -n $(basename "$s")"; else fail "bash -n $(basename "$s")" "$out"; fi
done
if command -v shellcheck >/dev/null 2>&1; then
    if out=$(shellcheck -x "${SCRIPTS[@]}" 2>&1); then
        pass "shellcheck ($(shellcheck --version | sed -n 's/^version: //p')): no finding"
    else
        fail "shellcheck" "$out"
    fi
else
    fail "shellcheck is not installed"
fi

# ----------------------------------------------------------------------------------------------------------------
# --help, --version, bad usage
# ----------------------------------------------------------------------------------------------------------------
rc=0
out=$("$KIOSK" --help 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && grep -q '^Usage:' <<<"$out" && grep -q 'install --url URL' <<<"$out" &&
    grep -q -- '--rotate 0|90|180|270' <<<"$out" && grep -q -- '--watchdog-interval' <<<"$out"; then
    pass "--help: exit 0 with the usage"
else
    fail "--help (exit $rc)" "$out"
fi
rc=0
out=$("$KIOSK" --version 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && [[ $out =~ ^twincast-kiosk\ [0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    pass "--version: $out"
else
    fail "--version (exit $rc)" "$out"
fi

# expect_usage_error "EXPECTED MESSAGE PART" ARGS...: exit 2, the message on stderr, nothing on stdout.
expect_usage_error() {
    local want=$1 rc=0
    shift
    "$KIOSK" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$TMP/err" && [ ! -s "$TMP/out" ]; then
        pass "bad usage [$*]: exit 2, '$want'"
    else
        fail "bad usage [$*]: expected exit 2 with '$want' on stderr and no stdout, got exit $rc" \
            "stdout: $(head -c 300 "$TMP/out")
stderr: $(cat "$TMP/err")"
    fi
}
U=https://twincast.example/player
expect_usage_error "a command is required"
expect_usage_error "unknown command 'bogus'" bogus
expect_usage_error "unknown option '--bogus'" --bogus
expect_usage_error "unknown option '--colour'" install --url "$U" --colour blue
expect_usage_error "install needs --url" install
expect_usage_error "install needs --url" install --dry-run
expect_usage_error "--url needs a value" install --url
expect_usage_error "--url needs a value" install --url=
expect_usage_error "--url must be an http:// or https:// URL" install --url ftp://twincast.example/player
expect_usage_error "--url must be an http:// or https:// URL" install --url 'https://x/player"; rm -rf /'
expect_usage_error "--url must be an http:// or https:// URL" install --url 'https://x/pl ayer'
# shellcheck disable=SC2016 # a literal $ in the URL, on purpose
expect_usage_error "--url must be an http:// or https:// URL" install --url 'https://x/$HOME'
expect_usage_error "--rotate must be 0, 90, 180 or 270, not '45'" install --url "$U" --rotate 45
expect_usage_error "--rotate must be 0, 90, 180 or 270" install --url "$U" --rotate=left
expect_usage_error "--watchdog-interval must be a number of seconds from 10 to 3600, not '5'" install --url "$U" --watchdog-interval 5
expect_usage_error "--watchdog-interval must be" install --url "$U" --watchdog-interval 30s
expect_usage_error "--watchdog-interval must be" install --url "$U" --watchdog-interval 99999999999
expect_usage_error "--watchdog-failures must be a number from 1 to 100, not '0'" install --url "$U" --watchdog-failures 0
expect_usage_error "--user must be a user name" install --url "$U" --user 'Kiosk User'
expect_usage_error "--user root: the browser must not run as root" install --url "$U" --user root
expect_usage_error "--health-url must be an http:// or https:// URL" install --url "$U" --health-url localhost/healthz
expect_usage_error "--purge is an uninstall option" install --url "$U" --purge
expect_usage_error "--url is an install option" uninstall --url "$U"
expect_usage_error "--version takes no arguments" --version extra

# ----------------------------------------------------------------------------------------------------------------
# install --dry-run
# ----------------------------------------------------------------------------------------------------------------
WRITTEN=(/etc/systemd/system/twincast-kiosk.service /etc/systemd/system/twincast-kiosk-watchdog.service
    /etc/systemd/system/twincast-kiosk-watchdog.timer /etc/twincast-kiosk /etc/pam.d/twincast-kiosk
    /usr/local/lib/twincast-kiosk /usr/local/sbin/twincast-kiosk /etc/systemd/logind.conf.d/twincast-kiosk.conf)
existing_before() {
    local p
    for p in "${WRITTEN[@]}"; do if [ -e "$p" ]; then echo "$p"; fi; done
}
BEFORE=$(existing_before)

# dry_run NAME ARGS...: runs install --dry-run; the output goes to $TMP/NAME.out, every printed file to
# $TMP/NAME/<its path>.
dry_run() {
    local name=$1 rc=0
    shift
    "$KIOSK" install --dry-run "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "install --dry-run $* exited $rc" "$(cat "$TMP/$name.err")"
        return 1
    fi
    awk -v root="$TMP/$name" '
        /^=== file / && !/: copy of / { path = $3; file = root path; dir = file; sub(/\/[^\/]*$/, "", dir);
                                        system("mkdir -p \"" dir "\""); printf "" > file; next }
        /^=== end / { close(file); file = ""; next }
        file != "" { print >> file }
    ' "$TMP/$name.out"
}

# has NAME FILE PATTERN...: each fixed string occurs in the printed file.
has() {
    local name=$1 file=$2 p missing=""
    shift 2
    for p in "$@"; do grep -qF -- "$p" "$TMP/$name$file" 2>/dev/null || missing+="$p; "; done
    if [ -z "$missing" ]; then pass "$name: $file has $*"; else fail "$name: $file lacks: $missing" "$(cat "$TMP/$name$file" 2>&1)"; fi
}
hasnt() {
    local name=$1 file=$2 p found=""
    shift 2
    for p in "$@"; do if grep -qF -- "$p" "$TMP/$name$file"; then found+="$p; "; fi; done
    if [ -z "$found" ]; then pass "$name: $file has no $*"; else fail "$name: $file has: $found"; fi
}
out_has() {
    local name=$1 p missing=""
    shift
    for p in "$@"; do grep -qF -- "$p" "$TMP/$name.out" || missing+="$p; "; done
    if [ -z "$missing" ]; then pass "$name: output has $*"; else fail "$name: output lacks: $missing"; fi
}

SVC=/etc/systemd/system/twincast-kiosk.service
WDS=/etc/systemd/system/twincast-kiosk-watchdog.service
WDT=/etc/systemd/system/twincast-kiosk-watchdog.timer
CONF=/etc/twincast-kiosk/kiosk.conf

# exec_words NAME: the words of the kiosk unit's ExecStart (continuation lines joined), one a line.
exec_words() {
    sed -n '/^ExecStart=/,/[^\\]$/p' "$TMP/$1$SVC" | sed 's/\\$//; s/^ExecStart=//' | tr ' ' '\n' | sed '/^$/d'
}
# exec_has NAME WORD...: each WORD is a whole word of the ExecStart command.
exec_has() {
    local name=$1 w missing=""
    shift
    for w in "$@"; do exec_words "$name" | grep -qxF -- "$w" || missing+="$w "; done
    if [ -z "$missing" ]; then pass "$name: ExecStart has the words $*"; else fail "$name: ExecStart lacks the words: $missing" "$(exec_words "$name")"; fi
}

if dry_run plain --url "$U"; then
    exec_has plain /usr/bin/cage -- /usr/local/lib/twincast-kiosk/session --kiosk --noerrdialogs --disable-infobars \
        --autoplay-policy=no-user-gesture-required --check-for-update-interval=31536000 \
        --user-data-dir=/var/lib/twincast-kiosk/chromium --ozone-platform=wayland "$U"
    if [ "$(exec_words plain | tail -n 1)" = "$U" ]; then pass "plain: the URL is the last word of ExecStart"; else fail "plain: the URL is not last" "$(exec_words plain)"; fi
    has plain "$SVC" "$U" --kiosk --noerrdialogs --disable-infobars --autoplay-policy=no-user-gesture-required \
        --check-for-update-interval=31536000 --user-data-dir=/var/lib/twincast-kiosk/chromium \
        "Restart=always" "User=kiosk" "StateDirectory=twincast-kiosk" "ExecStart=/usr/bin/cage -- " \
        "PAMName=twincast-kiosk" "TWINCAST_KIOSK_ROTATE=0" "TWINCAST_KIOSK_HEALTH_URL=https://twincast.example/healthz"
    hasnt plain "$SVC" " -r "
    has plain "$WDS" "Type=oneshot" "ExecStart=/usr/local/lib/twincast-kiosk/watchdog" "TWINCAST_KIOSK_CONF=$CONF"
    has plain "$WDT" "OnUnitActiveSec=30" "Unit" "WantedBy=timers.target"
    has plain "$CONF" "URL=$U" "HEALTH_URL=https://twincast.example/healthz" "WATCHDOG_FAILURES=3" "KIOSK_USER=kiosk"
    has plain /etc/pam.d/twincast-kiosk "pam_systemd.so"
    has plain /etc/systemd/logind.conf.d/twincast-kiosk.conf "IdleAction=ignore"
    out_has plain "+ env DEBIAN_FRONTEND=noninteractive apt-get install" " cage " " wlr-randr " " curl " \
        "=== file /usr/local/lib/twincast-kiosk/session (mode 0755): copy of $HERE/session.sh" \
        "=== file /usr/local/lib/twincast-kiosk/watchdog (mode 0755): copy of $HERE/watchdog.sh" \
        "+ systemctl mask sleep.target suspend.target" "+ systemctl daemon-reload" \
        "+ systemctl enable twincast-kiosk.service twincast-kiosk-watchdog.timer" \
        "+ systemctl restart twincast-kiosk.service"
    if grep -Eq '^\+ env DEBIAN_FRONTEND=noninteractive apt-get install .* chromium(-browser)? ' "$TMP/plain.out"; then
        pass "plain: apt-get installs chromium"
    else
        fail "plain: apt-get does not install chromium" "$(grep apt-get "$TMP/plain.out")"
    fi
fi

if TWINCAST_KIOSK_CAGE_VERSION=0.1.4-4 dry_run rot270 --url "$U" --rotate 270 --user screen1 \
    --watchdog-interval 45 --watchdog-failures 5; then
    has rot270 "$SVC" "ExecStart=/usr/bin/cage -r -r -r -- " "TWINCAST_KIOSK_ROTATE=270" "User=screen1"
    has rot270 "$WDT" "OnUnitActiveSec=45"
    has rot270 "$CONF" "WATCHDOG_FAILURES=5" "ROTATE=270" "KIOSK_USER=screen1"
    out_has rot270 "rotation by 270 degrees with cage's -r flag"
fi
if TWINCAST_KIOSK_CAGE_VERSION=0.1.4-4 dry_run rot90 --url "$U" --rotate=90; then
    has rot90 "$SVC" "ExecStart=/usr/bin/cage -r -- " "TWINCAST_KIOSK_ROTATE=90"
fi
if TWINCAST_KIOSK_CAGE_VERSION=0.2.0-1 dry_run rotnew --url "$U" --rotate 90; then
    has rotnew "$SVC" "ExecStart=/usr/bin/cage -- " "TWINCAST_KIOSK_ROTATE=90"
    out_has rotnew "rotation by 90 degrees with wlr-randr when the session starts"
fi
PCT_URL='https://twincast.example:8443/player?debug=1&name=a%20b'
if dry_run percent --url "$PCT_URL" --health-url https://health.example/healthz; then
    has percent "$SVC" "https://twincast.example:8443/player?debug=1&name=a%%20b" \
        "TWINCAST_KIOSK_HEALTH_URL=https://health.example/healthz"
    has percent "$CONF" "URL=$PCT_URL" "HEALTH_URL=https://health.example/healthz"
fi

rc=0
"$KIOSK" install --dry-run --url http://192.168.1.10:8080/player >"$TMP/http.out" 2>"$TMP/http.err" || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'warning: http://192.168.1.10:8080/player is plain http' "$TMP/http.err"; then
    pass "a plain-http player URL is accepted with a warning (no Service Worker, no offline play)"
else
    fail "plain-http URL: exit $rc" "$(cat "$TMP/http.err")"
fi
rc=0
"$KIOSK" install --dry-run --url http://localhost:8080/player >"$TMP/http.out" 2>"$TMP/http.err" || rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/http.err" ]; then
    pass "http://localhost is a secure context: no warning"
else
    fail "http://localhost: exit $rc" "$(cat "$TMP/http.err")"
fi

# Run again from an installed copy: the script alone in a directory, the helpers already in the library directory.
ALONE="$TMP/alone"
mkdir -p "$ALONE/sbin" "$ALONE/lib"
cp "$KIOSK" "$ALONE/sbin/twincast-kiosk"
cp "$HERE/session.sh" "$ALONE/lib/session"
cp "$HERE/watchdog.sh" "$ALONE/lib/watchdog"
rc=0
TWINCAST_KIOSK_LIBDIR="$ALONE/lib" "$ALONE/sbin/twincast-kiosk" install --dry-run --url "$U" >"$TMP/alone.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -qF "=== file $ALONE/lib/session: kept (this is the installed copy)" "$TMP/alone.out" &&
    grep -qF "=== file $ALONE/lib/watchdog: kept" "$TMP/alone.out"; then
    pass "install again from the installed copy: reuses the installed helpers"
else
    fail "install from the installed copy (exit $rc)" "$(grep -E '^=== file|error' "$TMP/alone.out")"
fi
rm -f "$ALONE/lib/session"
rc=0
TWINCAST_KIOSK_LIBDIR="$ALONE/lib" "$ALONE/sbin/twincast-kiosk" install --dry-run --url "$U" >"$TMP/alone.out" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q 'session.sh is missing: copy the whole scripts/kiosk/ directory' "$TMP/alone.out" &&
    ! grep -q '^[=+]' "$TMP/alone.out"; then
    pass "the script alone without its helpers: a clear error (exit 1) before any command or file"
else
    fail "the script alone without helpers: exit $rc" "$(tail -n 5 "$TMP/alone.out")"
fi

AFTER=$(existing_before)
if [ "$BEFORE" = "$AFTER" ]; then
    pass "--dry-run wrote nothing (${#WRITTEN[@]} paths checked)"
else
    fail "--dry-run changed the machine" "before: $BEFORE
after: $AFTER"
fi
if id -u screen1 >/dev/null 2>&1; then fail "--dry-run created user screen1"; else pass "--dry-run created no user"; fi

# ----------------------------------------------------------------------------------------------------------------
# systemd-analyze verify on the generated units
# ----------------------------------------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
    # The units name their helpers under TWINCAST_KIOSK_LIBDIR: point it at real copies so that verify's check
    # that every ExecStart binary exists passes for the right reason. cage is installed above.
    LIB="$TMP/lib"
    mkdir -p "$LIB"
    install -m 0755 "$HERE/session.sh" "$LIB/session"
    install -m 0755 "$HERE/watchdog.sh" "$LIB/watchdog"
    for variant in "plain|" "rotated|--rotate 90 --user screen1 --watchdog-interval 60"; do
        vname=${variant%%|*}
        read -r -a vargs <<<"${variant#*|}"
        if TWINCAST_KIOSK_CAGE_VERSION=0.1.4-4 TWINCAST_KIOSK_LIBDIR="$LIB" dry_run "verify-$vname" --url "$PCT_URL" "${vargs[@]}"; then
            units="$TMP/verify-$vname/etc/systemd/system"
            rc=0
            out=$(cd "$units" && systemd-analyze verify --man=no --generators=no \
                twincast-kiosk.service twincast-kiosk-watchdog.service twincast-kiosk-watchdog.timer 2>&1) || rc=$?
            if [ "$rc" -eq 0 ] && ! grep -q 'twincast' <<<"$out"; then
                pass "systemd-analyze verify ($vname): the three units are valid"
            else
                fail "systemd-analyze verify ($vname): exit $rc" "$out"
            fi
        fi
    done
    # The same check must reject a broken unit, or it proves nothing.
    broken="$TMP/broken"
    mkdir -p "$broken"
    sed 's/^Restart=always$/Restart=sometimes/; s#^ExecStart=/usr/bin/cage#ExecStart=/usr/bin/no-such-cage#' \
        "$TMP/verify-plain$SVC" >"$broken/twincast-kiosk.service"
    rc=0
    out=$(cd "$broken" && systemd-analyze verify --man=no --generators=no twincast-kiosk.service 2>&1) || rc=$?
    if [ "$rc" -ne 0 ] && grep -q 'no-such-cage' <<<"$out"; then
        pass "systemd-analyze verify rejects a broken unit (exit $rc)"
    else
        fail "systemd-analyze verify accepted a broken unit (exit $rc)" "$out"
    fi
else
    fail "systemd-analyze is not available (install the systemd package): the units cannot be verified"
fi

# ----------------------------------------------------------------------------------------------------------------
# The watchdog's decisions, with stub systemctl and curl, a fake cgroup and /proc
# ----------------------------------------------------------------------------------------------------------------
W="$TMP/wd"
mkdir -p "$W/bin" "$W/state" "$W/cg/system.slice/twincast-kiosk.service" "$W/proc/101" "$W/proc/102"
echo cage >"$W/proc/101/comm"
echo chromium >"$W/proc/102/comm"
cat >"$W/bin/systemctl" <<'EOF'
#!/usr/bin/env bash
case "$1" in
is-active) [ -e "$STUB/active" ] ;;
show) echo /system.slice/twincast-kiosk.service ;;
restart) echo "restart $2" >>"$STUB/restarts" ;;
*) exit 1 ;;
esac
EOF
cat >"$W/bin/curl" <<'EOF'
#!/usr/bin/env bash
[ -e "$STUB/server-up" ] || exit 7
EOF
chmod +x "$W/bin/systemctl" "$W/bin/curl"
mkdir -p "$W/profile/Default/Service Worker"
cat >"$W/kiosk.conf" <<EOF
URL=https://twincast.example/player
HEALTH_URL=https://twincast.example/healthz
PROFILE=$W/profile
KIOSK_USER=kiosk
WATCHDOG_FAILURES=3
UNIT=twincast-kiosk.service
EOF
wd() {
    STUB="$W" PATH="$W/bin:$PATH" TWINCAST_KIOSK_CONF="$W/kiosk.conf" TWINCAST_KIOSK_STATE_DIR="$W/state" \
        TWINCAST_KIOSK_CGROUP_ROOT="$W/cg" TWINCAST_KIOSK_PROC="$W/proc" "$HERE/watchdog.sh" >>"$W/log" 2>&1 ||
        echo "(the watchdog exited $?)" >>"$W/log"
}
restarts() { if [ -f "$W/restarts" ]; then wc -l <"$W/restarts"; else echo 0; fi; }
chromium_up() { printf '101\n102\n' >"$W/cg/system.slice/twincast-kiosk.service/cgroup.procs"; }
chromium_down() { printf '101\n' >"$W/cg/system.slice/twincast-kiosk.service/cgroup.procs"; }
# expect_restarts N WHAT: the watchdog has restarted the unit N times so far.
expect_restarts() {
    local got
    got=$(restarts)
    if [ "$got" -eq "$1" ]; then pass "watchdog: $2 ($1 restarts so far)"; else fail "watchdog: $2: $got restarts, expected $1" "$(cat "$W/log")"; fi
}
touch "$W/active" "$W/server-up"
chromium_up
wd
if [ ! -s "$W/log" ]; then pass "watchdog: silent when all is well"; else fail "watchdog: output on a good check" "$(cat "$W/log")"; fi
wd; wd; wd
expect_restarts 0 "healthy for 4 checks: no restart"
chromium_down
wd; wd
expect_restarts 0 "Chromium gone for 2 of 3 checks: no restart yet"
wd
expect_restarts 1 "Chromium gone for 3 checks: the session is restarted"
if grep -q 'restart twincast-kiosk.service' "$W/restarts"; then pass "watchdog: restarts twincast-kiosk.service"; else fail "watchdog: restart of the wrong unit" "$(cat "$W/restarts")"; fi
wd; wd; wd
expect_restarts 2 "Chromium still gone: restarted again after 3 more checks"
chromium_up
wd
rm -f "$W/active"
wd; wd; wd
expect_restarts 3 "unit inactive for 3 checks: restarted"
touch "$W/active"
wd
rm -f "$W/server-up"
wd; wd; wd
expect_restarts 4 "server unreachable for 3 checks (Chromium runs): restarted once"
wd; wd; wd; wd; wd; wd
expect_restarts 4 "server still unreachable 6 checks later: not restarted again in the same outage"
if grep -q 'not again' "$W/log"; then pass "watchdog: says why it does not restart again"; else fail "watchdog: no 'not again' log" "$(cat "$W/log")"; fi
chromium_down
wd; wd; wd
expect_restarts 5 "Chromium gone during the outage: restarted all the same"
chromium_up
touch "$W/server-up"
wd
if grep -q 'ok again' "$W/log"; then pass "watchdog: logs 'ok again' after the outage"; else fail "watchdog: no 'ok again' log"; fi
rm -f "$W/server-up"
wd; wd; wd
expect_restarts 6 "a new outage after a good check: restarted once again"
if [ ! -e "$W/state/failures" ] || [ "$(cat "$W/state/failures")" = 0 ]; then
    pass "watchdog: counter reset after a restart"
else
    fail "watchdog: counter not reset: $(cat "$W/state/failures")"
fi
touch "$W/server-up"
wd
expect_restarts 6 "the outage ends with a cached player: no restart"
# A player never loaded (first boot during an outage: the browser shows its error page) is loaded on recovery.
rm -rf "$W/profile/Default/Service Worker"
rm -f "$W/server-up"
wd
touch "$W/server-up"
wd
expect_restarts 7 "the outage ends and the player was never loaded: restarted to load it"
wd
expect_restarts 7 "then healthy: no further restart"
rc=0
STUB="$W" PATH="$W/bin:$PATH" TWINCAST_KIOSK_CONF="$W/missing.conf" TWINCAST_KIOSK_STATE_DIR="$W/state" \
    "$HERE/watchdog.sh" >/dev/null 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then pass "watchdog: a missing configuration is an error (exit $rc)"; else fail "watchdog: exit 0 without configuration"; fi

# ----------------------------------------------------------------------------------------------------------------
# The session wrapper, with a stub wlr-randr and curl
# ----------------------------------------------------------------------------------------------------------------
S="$TMP/session"
mkdir -p "$S/bin" "$S/profile/Default"
cat >"$S/bin/wlr-randr" <<'EOF'
#!/usr/bin/env bash
if [ "$#" -eq 0 ]; then
    printf 'HDMI-A-1 "Some Display"\n  Enabled: yes\n  Transform: normal\nHDMI-A-2 "Other"\n  Enabled: yes\n'
else
    echo "$*" >>"$STUB/wlr-randr.calls"
fi
EOF
cat >"$S/bin/curl" <<'EOF'
#!/usr/bin/env bash
exit 7
EOF
chmod +x "$S/bin/wlr-randr" "$S/bin/curl"
printf '{"profile":{"exit_type":"Crashed","exited_cleanly":false},"x":1}\n' >"$S/profile/Default/Preferences"
rc=0
out=$(STUB="$S" PATH="$S/bin:$PATH" TWINCAST_KIOSK_ROTATE=90 TWINCAST_KIOSK_HEALTH_URL=http://127.0.0.1:9/healthz \
    TWINCAST_KIOSK_WAIT_SECS=0 "$HERE/session.sh" /bin/echo launched "--user-data-dir=$S/profile" "$U" 2>"$S/err") || rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "launched --user-data-dir=$S/profile $U" ]; then
    pass "session: execs the browser command with its arguments"
else
    fail "session: exit $rc, output '$out'" "$(cat "$S/err")"
fi
if grep -qF '"exit_type":"Normal","exited_cleanly":true' "$S/profile/Default/Preferences"; then
    pass "session: marks the previous exit clean (no restore bubble)"
else
    fail "session: Preferences not fixed" "$(cat "$S/profile/Default/Preferences")"
fi
if [ "$(cat "$S/wlr-randr.calls" 2>/dev/null)" = "--output HDMI-A-1 --transform 90
--output HDMI-A-2 --transform 90" ]; then
    pass "session: turns every output with wlr-randr --transform 90"
else
    fail "session: wlr-randr calls" "$(cat "$S/wlr-randr.calls" 2>&1)"
fi
if grep -q 'did not answer within 0 s: starting anyway' "$S/err"; then pass "session: starts anyway when the server does not answer"; else fail "session: no 'starting anyway' message" "$(cat "$S/err")"; fi
# Once the profile has a Service Worker (the player was loaded before), the server is not waited for.
cat >"$S/bin/curl" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$STUB/curl.calls"
exit 7
EOF
mkdir -p "$S/profile/Default/Service Worker"
rc=0
STUB="$S" PATH="$S/bin:$PATH" TWINCAST_KIOSK_HEALTH_URL=http://127.0.0.1:9/healthz TWINCAST_KIOSK_WAIT_SECS=3600 \
    "$HERE/session.sh" /bin/true "--user-data-dir=$S/profile" 2>/dev/null || rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$S/curl.calls" ]; then
    pass "session: a profile with a Service Worker starts at once (the server is not asked)"
else
    fail "session: waited for the server although the player is cached (exit $rc)" "$(cat "$S/curl.calls" 2>&1)"
fi
rm -f "$S/wlr-randr.calls"
STUB="$S" PATH="$S/bin:$PATH" TWINCAST_KIOSK_ROTATE=0 "$HERE/session.sh" /bin/true 2>/dev/null
if [ ! -e "$S/wlr-randr.calls" ]; then pass "session: no rotation asked, wlr-randr not called"; else fail "session: wlr-randr called for rotation 0"; fi

# ----------------------------------------------------------------------------------------------------------------
# The generated unit's command, run for real: cage on its headless backend, the session wrapper, Chromium with the
# unit's flags, as an unprivileged user (nobody), against a local HTTP server. Only the profile directory is moved
# to a temp dir. The page reports its window size, so the kiosk window and the rotation are checked too.
# ----------------------------------------------------------------------------------------------------------------
live_ready=1
for need in /usr/bin/cage /usr/bin/Xwayland /usr/bin/chromium; do
    [ -x "$need" ] || {
        fail "live session: $need is missing"
        live_ready=0
    }
done
for need in python3 runuser setsid; do
    command -v "$need" >/dev/null 2>&1 || {
        fail "live session: $need is missing"
        live_ready=0
    }
done
free_port() {
    local p
    for p in $(seq 18790 18890); do
        if ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
HTTP_PID=""
SESSION_PID=""
stop_live() {
    if [ -n "$SESSION_PID" ]; then
        kill -TERM -- "-$SESSION_PID" 2>/dev/null || true
        for _ in $(seq 1 25); do kill -0 "$SESSION_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$SESSION_PID" 2>/dev/null || true
        wait "$SESSION_PID" 2>/dev/null || true
        SESSION_PID=""
    fi
    if [ -n "$HTTP_PID" ]; then
        kill "$HTTP_PID" 2>/dev/null || true
        wait "$HTTP_PID" 2>/dev/null || true
        HTTP_PID=""
    fi
}
trap 'stop_live; rm -rf "$TMP"' EXIT

# live NAME EXPECTED_SIZE INSTALL-ARGS...: generates the unit, runs its ExecStart and waits (60 s at most) until the
# page reports EXPECTED_SIZE (WxH) as its window size.
live() {
    local name=$1 want=$2 port url dir line cmd=() envs=() k
    shift 2
    port=$(free_port) || {
        fail "live $name: no free port"
        return
    }
    url="http://127.0.0.1:$port/player/"
    dir="$TMP/live-$name"
    mkdir -p "$dir/www/player" "$dir/profile" "$dir/run"
    echo ok >"$dir/www/healthz"
    cat >"$dir/www/player/index.html" <<'HTML'
<!doctype html><html><body style="background:#000">
<script>
function report() { fetch('/seen?size=' + innerWidth + 'x' + innerHeight + '&screen=' + screen.width + 'x' + screen.height); }
report(); addEventListener('resize', report); setInterval(report, 1000);
</script></body></html>
HTML
    chown -R nobody "$dir/profile" "$dir/run"
    chmod 700 "$dir/run"
    python3 -u -m http.server "$port" --bind 127.0.0.1 --directory "$dir/www" >"$dir/http.log" 2>&1 &
    HTTP_PID=$!
    TWINCAST_KIOSK_LIBDIR="$LIB" dry_run "live-$name-unit" --url "$url" "$@" || return
    # The ExecStart command (continuation lines joined, %% back to %), and the unit's Environment= lines.
    line=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$TMP/live-$name-unit$SVC" | sed 's/\\$//' | tr '\n' ' ')
    line=${line#ExecStart=}
    line=${line//%%/%}
    line=${line//--user-data-dir=\/var\/lib\/twincast-kiosk\/chromium/--user-data-dir=$dir/profile/chromium}
    read -r -a cmd <<<"$line"
    while IFS= read -r k; do envs+=("${k#Environment=}"); done < <(grep '^Environment=' "$TMP/live-$name-unit$SVC")
    setsid runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$dir/profile" XDG_RUNTIME_DIR="$dir/run" \
        WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman "${envs[@]}" "${cmd[@]}" \
        >"$dir/session.log" 2>&1 </dev/null &
    SESSION_PID=$!
    local got=""
    for _ in $(seq 1 120); do
        if grep -q "GET /seen?size=$want&" "$dir/http.log"; then
            got=yes
            break
        fi
        kill -0 "$SESSION_PID" 2>/dev/null || break
        sleep 0.5
    done
    if [ -n "$got" ] && grep -q 'GET /healthz' "$dir/http.log" && grep -q 'GET /player/ ' "$dir/http.log"; then
        pass "live $name: cage + session + Chromium (${cmd[0]} ${cmd[1]} ...) load the player, window $want"
    else
        fail "live $name: no report of a $want window within 60 s" "command: ${cmd[*]}
http: $(grep -E 'GET /(seen|player|healthz)' "$dir/http.log" | tail -n 5)
session: $(grep -v dbus "$dir/session.log" | tail -n 15)"
    fi
    stop_live
}
if [ "$live_ready" -eq 1 ]; then
    chmod 755 "$TMP"
    live plain 1280x720
    # The installed cage decides how: -r on its command line (up to 0.1.4) or wlr-randr in the session.
    live rotated 720x1280 --rotate 90
fi

# ----------------------------------------------------------------------------------------------------------------
# uninstall --dry-run
# ----------------------------------------------------------------------------------------------------------------
rc=0
"$KIOSK" uninstall --dry-run --purge >"$TMP/uninstall.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -qF '+ systemctl disable --now twincast-kiosk-watchdog.timer twincast-kiosk-watchdog.service twincast-kiosk.service' "$TMP/uninstall.out" &&
    grep -qF '+ rm -f /etc/systemd/system/twincast-kiosk.service' "$TMP/uninstall.out" &&
    grep -qF '+ systemctl unmask sleep.target' "$TMP/uninstall.out" &&
    grep -qF '+ rm -rf /var/lib/twincast-kiosk' "$TMP/uninstall.out"; then
    pass "uninstall --dry-run --purge: prints the disable, rm and unmask commands"
else
    fail "uninstall --dry-run (exit $rc)" "$(cat "$TMP/uninstall.out")"
fi
if [ "$BEFORE" = "$(existing_before)" ]; then pass "uninstall --dry-run wrote nothing"; else fail "uninstall --dry-run changed the machine"; fi

echo ""
echo "kiosk: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
