#!/usr/bin/env bash
# Fleet benchmark, multi-node mode (issue 14; run as `BENCH_NODES=3 ./bench/fleet.sh`): BENCH_NODES `twincast serve`
# nodes on one PostgreSQL database and one S3 bucket (SeaweedFS), behind the documented load balancer
# (docs/deploy/haproxy.cfg, only its `bind` and `server` lines rewritten), all on this machine, hold BENCH_SCREENS
# simulated players (default 30,000). Once every player holds its manifest a campaign for every screen is created
# through the balancer, and each player's time until it holds the new manifest is measured, as in the single-node
# mode. Reference, same run: the same change with one player connected through the same balancer. Also: server memory
# per screen (all nodes' RSS), and how the balancer spread the screens over the nodes.
#
# One process cannot hold every socket here: this machine allows 20,000 open files per process (a hard limit root
# cannot raise in this container), a balancer needs about three per screen (HAProxy sizes its connections at 2.5
# descriptors each and the players also send HTTP requests) and the simulator one. So the screens are split
# over several HAProxy processes running the same file (as several balancers behind one DNS name would be), each in
# front of every node, and over as many `fleet-sim` processes, one per balancer, which measure one change together
# (`--ready-file`, `--change-signal`). Writes the `## Fleet, N nodes` section of docs/benchmarks.md.
#
# Knobs: BENCH_NODES=3 BENCH_SCREENS=30000 BENCH_CAMPAIGNS=29 BENCH_PARTNERS=29 BENCH_LOCATIONS=50 BENCH_ROUNDS=3
#        BENCH_HOLD=10 (s) BENCH_PER_BALANCER (screens per HAProxy process; default what the limit allows)
#        BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#        BENCH_PERF=1 (perf profile of node 1 for the 10 s after the change: .tmp/bench-fleet-nodes/perf-node1-R.txt)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

NODES=${BENCH_NODES:-3}
SCREENS=${BENCH_SCREENS:-30000}
CAMPAIGNS=${BENCH_CAMPAIGNS:-29}
PARTNERS=${BENCH_PARTNERS:-29}
LOCATIONS=${BENCH_LOCATIONS:-50}
ROUNDS=${BENCH_ROUNDS:-3}
HOLD=${BENCH_HOLD:-10}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-fleet-nodes"
T0=$(date +%s)
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/services.sh
source "$ROOT/bench/services.sh"

NODE_PIDS=()
LB_PIDS=()
SIM_PIDS=()
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for p in "${SIM_PIDS[@]}" "${LB_PIDS[@]}" "${NODE_PIDS[@]}"; do stop_group "$p"; done
    stop_services
    if [ "$rc" -ne 0 ]; then log "FAILED (exit $rc) after $(($(date +%s) - T0))s; logs in $BENCH"; else log "done in $(($(date +%s) - T0))s"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Every process started from here may open as many files as the hard limit allows.
ulimit -n "$(ulimit -Hn)"
HARD=$(ulimit -n)
# Screens one balancer process carries. HAProxy sizes its maxconn from the limit at about 2.5 descriptors per
# connection (two sockets and its share of pipes): 20,000 gives about 7,600 connections, which 7,500 screens'
# sockets would leave almost none of to the players' HTTP requests (they then wait in the accept queue for a
# keep-alive connection to time out). A third of the limit per balancer keeps a fifth of its connections free.
PER_LB=${BENCH_PER_BALANCER:-$(((HARD - 1000) / 3))}
BALANCERS=$(((SCREENS + PER_LB - 1) / PER_LB))
PER_SIM=$(((SCREENS + BALANCERS - 1) / BALANCERS))
[ $((PER_SIM + 2000)) -le "$HARD" ] || die "open files limit $HARD is too low for $PER_SIM players per simulator"
log "open files limit $HARD: $BALANCERS balancer(s) and simulator(s) of up to $PER_SIM screens each"

stage "tools"
MISSING=()
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
{ [ -x /usr/sbin/haproxy ] || command -v haproxy; } >/dev/null 2>&1 || MISSING+=(haproxy)
apt_install "${MISSING[@]}"
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
services_install

stage "build twincast (release)"
build_twincast

# The commit the binary was built from, read now: the tree may move on during the run.
M_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || M_COMMIT="$M_COMMIT (+ uncommitted changes)"

stage "start PostgreSQL and S3"
start_postgres "$BENCH/pg"
start_s3 "$BENCH/s3"
DB=(--database-url "$PG_URL" --storage "$S3_URL")

stage "provision $SCREENS screens, $CAMPAIGNS campaigns of $PARTNERS partners in $LOCATIONS locations"
export TWINCAST_LOG=warn
rm -rf "$BENCH/setup" && mkdir -p "$BENCH/setup"
tw() { "$TWINCAST" "$@" "${DB[@]}" --data "$BENCH/setup"; }
tw fleet provision --screens "$SCREENS" --campaigns "$CAMPAIGNS" --partners "$PARTNERS" --locations "$LOCATIONS" \
    --tokens-out "$BENCH/tokens.txt"
tw fleet provision --screens 1 --locations "$LOCATIONS" --tokens-out "$BENCH/one.txt" >/dev/null
printf 'bench-op-password-1\n' | tw user add bench-op --role operator --password-stdin >/dev/null
API_TOKEN=$(tw token create --user bench-op)
rm -f "$BENCH"/tokens-part-*
for i in $(seq 1 "$BALANCERS"); do
    sed -n "$(((i - 1) * PER_SIM + 1)),$((i * PER_SIM))p" "$BENCH/tokens.txt" >"$BENCH/tokens-part-$i.txt"
done

stage "start $NODES nodes"
NODE_ADDRS=()
NODE_PORTS=()
for n in $(seq 1 "$NODES"); do
    port=$(free_port $((18700 + n * 10)))
    mkdir -p "$BENCH/node$n"
    setsid env TWINCAST_LOG=info "$TWINCAST" serve "${DB[@]}" --data "$BENCH/node$n" --listen "127.0.0.1:$port" \
        --trusted-proxy 127.0.0.1/32 --drain-secs 3 </dev/null >"$BENCH/node$n.log" 2>&1 &
    NODE_PIDS+=($!)
    NODE_ADDRS+=("127.0.0.1:$port")
    NODE_PORTS+=("$port")
done
for n in $(seq 0 $((NODES - 1))); do wait_healthy "http://${NODE_ADDRS[$n]}" "${NODE_PIDS[$n]}" "$BENCH/node$((n + 1)).log" 120; done
log "nodes: ${NODE_ADDRS[*]}"

stage "start $BALANCERS HAProxy process(es) with docs/deploy/haproxy.cfg"
LB_URLS=()
for i in $(seq 1 "$BALANCERS"); do
    port=$(free_port $((18900 + i * 10)))
    haproxy_recipe "$port" "${NODE_ADDRS[@]}" >"$BENCH/haproxy-$i.cfg"
    "$HAPROXY" -c -q -f "$BENCH/haproxy-$i.cfg" || die "haproxy -c refused $BENCH/haproxy-$i.cfg"
    setsid "$HAPROXY" -db -f "$BENCH/haproxy-$i.cfg" </dev/null >"$BENCH/haproxy-$i.log" 2>&1 &
    LB_PIDS+=($!)
    LB_URLS+=("http://127.0.0.1:$port")
done
for u in "${LB_URLS[@]}"; do
    for _ in $(seq 1 60); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$u/readyz")" = 200 ] && break; sleep 0.5; done
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$u/readyz")" = 200 ] || die "$u/readyz does not answer 200"
done
LB=${LB_URLS[0]}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

nodes_rss() { # KiB, all nodes together
    local t=0 p
    for p in "${NODE_PIDS[@]}"; do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status"))); done
    echo "$t"
}
node_sockets() { # established connections each node holds, space-separated
    local p out=()
    for p in "${NODE_PORTS[@]}"; do out+=("$(ss -Htn state established "( sport = :$p )" | wc -l)"); done
    echo "${out[*]}"
}
# cpu_ticks PID...: CPU clock ticks (user + system, with waited-for children) of these processes and their live
# descendants.
cpu_ticks() {
    ps -e -o pid=,ppid= | awk -v roots="$*" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        { parent[$1] = $2; pids[NR] = $1 }
        END {
            for (changed = 1; changed;) {
                changed = 0
                for (i in pids) { p = pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
            }
            for (p in keep) print p
        }' | while read -r p; do awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null; done |
        awk '{t += $1} END {print t + 0}'
}
# cpu_sample FILE: wall ms, then the ticks of the nodes, PostgreSQL, S3, the balancers and the simulators.
cpu_sample() {
    echo "$(date +%s%3N) $(cpu_ticks "${NODE_PIDS[@]}") $(cpu_ticks "$(head -n1 "$PG_DATA/postmaster.pid")")" \
        "$(cpu_ticks "$WEED_PID") $(cpu_ticks "${LB_PIDS[@]}") $(cpu_ticks "${SIM_PIDS[@]}")" >"$1"
}
api() { curl -sS -H "Authorization: Bearer $API_TOKEN" -H 'content-type: application/json' "$@"; }
PARTNER=$(api "$LB/api/v1/partners?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')

# Nothing of an earlier run is read as this run's.
rm -f "$BENCH"/report-*.json "$BENCH"/cpu-*.txt "$BENCH"/rss-*.txt "$BENCH"/sockets-*.txt "$BENCH"/perf-node1-*
for round in $(seq 1 "$ROUNDS"); do
    stage "round $round: reference (1 player), then $SCREENS players through $BALANCERS balancer(s)"
    "$TWINCAST" fleet-sim --server "$LB" --screens 1 --tokens "$BENCH/one.txt" --api-token "$API_TOKEN" --change \
        --hold 1 --timeout 60 --report "$BENCH/report-one-$round.json" >/dev/null 2>"$BENCH/sim-one-$round.err"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("reference change latency: %.1f ms" % r["change"]["latency"]["max_ms"])' "$BENCH/report-one-$round.json"
    nodes_rss >"$BENCH/rss-before-$round.txt"
    rm -f "$BENCH"/ready-* "$BENCH/signal" "$BENCH/signal.tmp"
    SIM_PIDS=()
    for i in $(seq 1 "$BALANCERS"); do
        n=$(wc -l <"$BENCH/tokens-part-$i.txt")
        setsid "$TWINCAST" fleet-sim --server "${LB_URLS[$((i - 1))]}" --screens "$n" --tokens "$BENCH/tokens-part-$i.txt" \
            --ready-file "$BENCH/ready-$i" --change-signal "$BENCH/signal" --hold "$HOLD" --timeout 420 \
            --report "$BENCH/report-fleet-$round-$i.json" </dev/null >"$BENCH/sim-$round-$i.txt" 2>"$BENCH/sim-$round-$i.err" &
        SIM_PIDS+=($!)
    done
    # Every simulator holds every manifest (or one died: then the round fails).
    until [ "$(find "$BENCH" -maxdepth 1 -name 'ready-*' | wc -l)" -eq "$BALANCERS" ]; do
        for p in "${SIM_PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { tail -n 5 "$BENCH"/sim-"$round"-*.err; die "a simulator exited before the fleet was up"; }; done
        sleep 0.5
    done
    sleep 0.5
    nodes_rss >"$BENCH/rss-connected-$round.txt"
    node_sockets >"$BENCH/sockets-$round.txt"
    log "fleet up; sockets per node: $(cat "$BENCH/sockets-$round.txt")"
    # CPU while the fleet only reports (10 s), then in the 10 s after the change is sent.
    cpu_sample "$BENCH/cpu-idle0-$round.txt"
    sleep 10
    cpu_sample "$BENCH/cpu-idle1-$round.txt"
    PERF_PID=""
    if [ "${BENCH_PERF:-0}" = 1 ]; then
        # Where the first node spends the 10 s after the change (sampled at 199 Hz; symbols from the binary).
        perf record -F 199 -g -o "$BENCH/perf-node1-$round.data" -p "${NODE_PIDS[0]}" -- sleep 10 \
            >/dev/null 2>"$BENCH/perf-node1-$round.err" &
        PERF_PID=$!
    fi
    sent=$(date +%s%3N)
    CAMPAIGN=$(api -X POST "$LB/api/v1/campaigns" -d "{\"name\": \"fleet change $round\", \"partner\": \"$PARTNER\",
        \"items\": [{\"id\": \"card\", \"kind\": \"html\", \"template\": \"partner_card\", \"duration_ms\": 10000,
        \"data\": {\"city\": \"Fleet\", \"country\": \"DE\", \"text\": \"multi-node change $round\"}}]}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    echo "$sent" >"$BENCH/signal.tmp" && mv "$BENCH/signal.tmp" "$BENCH/signal"
    log "campaign $CAMPAIGN created through $LB in $(($(date +%s%3N) - sent)) ms"
    cp "$BENCH/cpu-idle1-$round.txt" "$BENCH/cpu-change0-$round.txt"
    left=$((10000 - ($(date +%s%3N) - sent)))
    [ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
    cpu_sample "$BENCH/cpu-change1-$round.txt"
    if [ -n "$PERF_PID" ]; then
        wait "$PERF_PID" || true
        perf report -i "$BENCH/perf-node1-$round.data" --stdio --no-children --percent-limit 0.5 -g none \
            >"$BENCH/perf-node1-$round.txt" 2>/dev/null || true
        log "perf profile of node 1: $BENCH/perf-node1-$round.txt"
    fi
    rc=0
    for p in "${SIM_PIDS[@]}"; do wait "$p" || rc=$?; done
    SIM_PIDS=()
    [ "$rc" -eq 0 ] || { tail -n 5 "$BENCH"/sim-"$round"-*.err; die "a simulator failed (exit $rc)"; }
    api -X DELETE "$LB/api/v1/campaigns/$CAMPAIGN" >/dev/null
done

stage "results"
export M_DATE M_CPU M_COMMIT M_LOAD M_PG M_HAPROXY
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
M_PG=$("$PG_BIN/postgres" --version | awk '{print $3}')
M_HAPROXY=$("$HAPROXY" -v | awk 'NR == 1 {print $3}')
python3 "$ROOT/bench/fleet_nodes_report.py" "$BENCH" "$DOC" "$NODES" "$SCREENS" "$BALANCERS" "$ROUNDS" "$HOLD" \
    "$CAMPAIGNS" "$PARTNERS" "$LOCATIONS" "$HARD"
