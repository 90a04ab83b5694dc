"""Writes the `## Fleet, N nodes` section of docs/benchmarks.md from the reports of bench/fleet-nodes.sh.

Each round has one report per simulator process (report-fleet-ROUND-I.json); they measured the same change, so their
per-player latencies are merged before the percentiles are taken.
"""

import glob
import json
import os
import re
import sys

bench, doc, nodes, screens, balancers, rounds, hold, campaigns, partners, locations, nofile = sys.argv[1:]
nodes, screens, balancers, rounds = int(nodes), int(screens), int(balancers), int(rounds)
m = os.environ


def load(path):
    with open(path) as f:
        return json.load(f)


def pct(v, p):
    """Nearest-rank percentile, as fleet-sim computes it."""
    if not v:
        return 0.0
    v = sorted(v)
    return v[min(max(int(-(-len(v) * p // 1)), 1), len(v)) - 1]


def kib(path):
    with open(path) as f:
        return int(f.read().split()[0])


title = f"## Fleet, {nodes} nodes"
out = [title + "\n"]
out.append(
    f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build). {nodes} "
    f"`twincast serve` nodes on one PostgreSQL {m['M_PG']} database (default durability: fsync and synchronous "
    f"commit on) and one S3 bucket (SeaweedFS), behind HAProxy {m['M_HAPROXY']} running `docs/deploy/haproxy.cfg` "
    f"(only its `bind` and `server` lines rewritten to loopback). Everything runs on this one machine: the nodes, the "
    f"database, the object store, the balancers and the simulated players share its 2 cores. Network as in the "
    f"single-node run (`## Fleet`): `twincast fleet provision` with {int(partners)} partners, {int(campaigns)} "
    f"campaigns, {int(locations)} locations, {screens:,} screens. This machine allows {int(nofile):,} open files per "
    f"process and HAProxy sizes its connections at about 2.5 descriptors each (two sockets and pipes), so the "
    f"screens are split evenly over {balancers} HAProxy "
    f"processes running the same file (as {balancers} balancers behind one DNS name), each in front of all "
    f"{nodes} nodes, and over {balancers} `fleet-sim` processes, one per balancer. Once every player holds its "
    f"manifest, a campaign for every screen is created with `POST /api/v1/campaigns` through the first balancer "
    f"(so it lands on one node and reaches the others through PostgreSQL's LISTEN/NOTIFY); each player's time from "
    f"sending that request until it holds the new manifest is measured, and the {balancers} processes' latencies "
    f"are merged. Reference, same run: the same change with 1 player connected through the same balancer. Server "
    f"memory: the nodes' RSS together with the fleet connected minus before it connected, per screen (round 1 "
    f"starts from fresh nodes). {rounds} rounds, each holding the fleet {hold} s after the change. Load average: "
    f"{m['M_LOAD']}.\n"
)
out.append(f"Reproduce: `BENCH_NODES={nodes} ./bench/fleet.sh` (knobs: `BENCH_SCREENS`, `BENCH_ROUNDS`).\n")
out.append(
    "| round | connected | up in s | screens per node | **within 2 s** (goal ≥ 99%) | p50 ms | p99 ms | max ms "
    "| reference (1 player) ms | server memory per screen | errors |"
)
out.append("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
first = None
for r in range(1, rounds + 1):
    parts = [load(p) for p in sorted(glob.glob(f"{bench}/report-fleet-{r}-*.json"))]
    if len(parts) != balancers:
        sys.exit(f"round {r}: {len(parts)} simulator reports, expected {balancers}")
    first = first or parts
    lat = [x for p in parts for x in p["change"]["latencies_ms"]]
    measured = sum(p["change"]["players"] for p in parts)
    within2 = sum(1 for x in lat if x <= 2000) / measured if measured else 0.0
    connected = sum(p["connected"] for p in parts)
    up = max(p["ramp_up_secs"] for p in parts)
    ref = load(f"{bench}/report-one-{r}.json")["change"]["latency"]["max_ms"]
    errors = {}
    for p in parts:
        for k, v in p["errors"].items():
            errors[k] = errors.get(k, 0) + v
    errs = ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none"
    with open(f"{bench}/sockets-{r}.txt") as f:
        per_node = " / ".join(f"{int(s):,}" for s in f.read().split())
    mem = "(not fresh)"
    if r == 1:
        grown = kib(f"{bench}/rss-connected-1.txt") - kib(f"{bench}/rss-before-1.txt")
        mem = f"{grown / connected:.1f} KiB" if connected else "-"
    out.append(
        f"| {r} | {connected:,} / {screens:,} | {up:.1f} | {per_node} | **{within2 * 100:.2f}%** ({len(lat):,} of "
        f"{measured:,} updated) | {pct(lat, 0.5):.0f} | {pct(lat, 0.99):.0f} | {max(lat, default=0):.0f} | {ref:.1f} "
        f"| {mem} | {errs} |"
    )
hb = [p["heartbeat"] for p in first]
out.append("")
out.append(
    f"Round 1 also saw: {sum(h['count'] for h in hb):,} heartbeats (p99 of the slowest simulator "
    f"{max(h['p99_ms'] for h in hb):.0f} ms), {sum(p['plays_accepted'] for p in first):,} proof-of-play events "
    f"accepted, {sum(p['manifests_received'] for p in first):,} manifests received, "
    f"{sum(p['reconnects'] for p in first)} reconnects. Screens per node: established connections on each node's "
    f"port once the fleet was up (HAProxy's `leastconn`).\n"
)

def cores(r, a, b):
    """Cores used per group between two CPU samples of round r: (seconds, [nodes, pg, s3, balancers, sims])."""
    try:
        with open(f"{bench}/cpu-{a}-{r}.txt") as f0, open(f"{bench}/cpu-{b}-{r}.txt") as f1:
            x, y = [int(v) for v in f0.read().split()], [int(v) for v in f1.read().split()]
    except FileNotFoundError:
        return None
    secs = (y[0] - x[0]) / 1000
    tck = os.sysconf("SC_CLK_TCK")
    return secs, [(q - p) / tck / secs for p, q in zip(x[1:], y[1:])]


names = ["nodes", "PostgreSQL", "S3", "balancers", "simulators"]
for label, a, b in [("while the fleet only reports", "idle0", "idle1"), ("after the change", "change0", "change1")]:
    c = cores(1, a, b)
    if c:
        secs, per = c
        out.append(
            f"CPU {label} (round 1, {secs:.1f} s; cores of {os.cpu_count()}): "
            + ", ".join(f"{n} {v:.2f}" for n, v in zip(names, per))
            + f"; together {sum(per):.2f}.\n"
        )
idle, change = cores(1, "idle0", "idle1"), cores(1, "change0", "change1")
if idle and change:
    # The simulated fleet's own work for the change: the simulators' and balancers' CPU beyond their reporting,
    # per screen that got the change within the window. Scaled to the whole fleet, it is a floor on the time any
    # server could take on this machine, whose cores those processes share with the nodes.
    extra = sum(change[1][i] - idle[1][i] for i in (3, 4)) * change[0]
    with open(f"{bench}/cpu-change1-1.txt") as f:
        window_ms = int(f.read().split()[0]) - first[0]["change"]["started_at_ms"]
    got = sum(1 for p in first for x in p["change"]["latencies_ms"] if x <= window_ms)
    measured = sum(p["change"]["players"] for p in first)
    if got and extra > 0:
        per = extra / got
        floor = per * measured / os.cpu_count()
        out.append(
            f"The fleet's own side of the change: in that window the simulators and balancers used {extra:.1f} "
            f"core-seconds more than while only reporting, and {got:,} screens got the change in it: "
            f"{per * 1000:.2f} ms of CPU per screen before any server work. For all {measured:,} screens that is "
            f"{floor:.1f} s of all {os.cpu_count()} cores"
            + (
                f", so on this machine no server could bring 99% of them the change within 2 s.\n"
                if floor > 2
                else ".\n"
            )
        )
    server = [(change[1][i] - idle[1][i]) * change[0] for i in (0, 1, 2)]
    if got and sum(server) <= 0:
        out.append(
            f"The servers (nodes, PostgreSQL, S3) used no more CPU after the change than while only reporting "
            f"({sum(server):+.1f} core-seconds: nodes {server[0]:+.1f}, PostgreSQL {server[1]:+.1f}, S3 "
            f"{server[2]:+.1f}): the change's work took the place of reporting work the saturated cores deferred.\n"
        )
    if got and sum(server) > 0:
        # The servers' side in the same window, per screen: what the change costs the nodes, the database and the
        # object store, whoever runs the players (an estimate: the window also holds work for screens still waiting).
        per_server = sum(server) / got
        out.append(
            f"The servers' side of the change in the same window: {sum(server):.1f} core-seconds more than while only "
            f"reporting (nodes {server[0]:.1f}, PostgreSQL {server[1]:.1f}, S3 {server[2]:.1f}), "
            f"{per_server * 1000:.2f} ms per screen that got the change; for all {measured:,} screens "
            f"{per_server * measured:.1f} core-seconds, {per_server * measured / nodes:.1f} per node.\n"
        )
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^" + re.escape(title) + r"\n.*?(?=^## |\Z)", re.S | re.M)
old = pat.search(text)
if old:
    # A reading written by hand below the figures (from a line starting `**Reading`) is kept: it names the runs it
    # reads, and whoever reruns the benchmark updates it.
    kept = re.search(r"^\*\*Reading.*", old.group(0), re.S | re.M)
    if kept:
        section += "\n" + kept.group(0).rstrip("\n") + "\n"
    text = pat.sub(lambda _: section + "\n", text, count=1)
else:
    # Right after the single-node section, so the two are read together.
    single = re.compile(r"^## Fleet\n.*?(?=^## |\Z)", re.S | re.M).search(text)
    if single:
        text = text[: single.end()] + section + "\n\n" + text[single.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '{title}' section of {doc}")
