#!/usr/bin/env bash
# Proof of play benchmark (issue 13): appending BENCH_PLAYS plays to the transparency log (each play a leaf and the
# subtrees it completes, in the batch's transaction) against plain inserts of the same rows into a fresh database
# in the same run (the reference); a month's report of one of 10 partners over BENCH_SCREENS screens (every play of
# the month is read: the others' plays make the shares) and its evidence (the multi-proof); and BENCH_PROOFS
# inclusion proofs of random leaves (p50, p99). Release build of `crates/cli/examples/proof_bench.rs`, SQLite.
# Writes the `## Proof of play` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/proof.sh
#
# Knobs (environment, all optional):
#   BENCH_PLAYS=1000000 BENCH_SCREENS=10000 BENCH_BATCH=500 BENCH_PROOFS=1000
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   BENCH_TIMEOUT=1800 (seconds the measured run may take; 1,000,000 plays took about 10 minutes here)
#   CARGO_TARGET_DIR (where the release build goes, as for cargo)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export BENCH_PLAYS=${BENCH_PLAYS:-1000000}
export BENCH_SCREENS=${BENCH_SCREENS:-10000}
export BENCH_BATCH=${BENCH_BATCH:-500}
export BENCH_PROOFS=${BENCH_PROOFS:-1000}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-proof"
COMMAND="./bench/proof.sh"
T0=$(date +%s)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

stage "build the benchmark (release; example proof_bench of twincast-cli)"
cargo build --release -p twincast-cli --example proof_bench
TARGET=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET/release/examples/proof_bench"
[ -x "$BIN" ] || die "$BIN not built"

stage "run: $BENCH_PLAYS plays, $BENCH_SCREENS screens (fresh SQLite databases)"
rm -rf "$BENCH" && mkdir -p "$BENCH"
export BENCH_DIR="$BENCH/data" TWINCAST_LOG=warn
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
timeout "${BENCH_TIMEOUT:-1800}" "$BIN" | tee "$BENCH/out.txt"
grep '^{' "$BENCH/out.txt" | tail -n 1 >"$BENCH/result.json" || die "the benchmark printed no result"

stage "write $DOC"
export M_DATE M_CPU M_COMMIT M_LOAD
M_DATE=$(date -u +%Y-%m-%dT%H:%MZ)
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
M_LOAD="$LOAD_BEFORE before the run, $(cut -d' ' -f1-3 /proc/loadavg) after"
python3 - "$BENCH/result.json" "$DOC" "$COMMAND" <<'PY'
import json, os, re, sys
result, doc, command = sys.argv[1:]
r = json.load(open(result))
m = os.environ
out = ["## Proof of play\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build of "
           f"`crates/cli/examples/proof_bench.rs`, SQLite in WAL mode, local storage). {r['plays']:,} plays of 10 partners "
           f"spread over {r['screens']:,} screens and 30 days, sent in batches of {r['batch']}. The machine is shared "
           f"with other sessions' builds and tests; load average: {m['M_LOAD']} — compare the ratios, not the "
           f"absolute times.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_PLAYS`, `BENCH_SCREENS`, `BENCH_BATCH`, `BENCH_PROOFS`).\n")
out.append("| what | time | rate | ratio |")
out.append("|---|---:|---:|---:|")
out.append(f"| plain inserts of the rows, no log (reference) | {r['plain_s']:.1f} s | {r['plain_per_s']:,.0f} plays/s | 1.00× |")
out.append(f"| **appending them to the log** (leaf + completed subtrees, same transaction) | {r['log_s']:.1f} s | "
           f"**{r['log_per_s']:,.0f} plays/s** | {r['log_s'] / r['plain_s']:.2f}× the time |")
out.append(f"| a month's report of one partner ({r['report_rows']:,} rows from {r['report_plays']:,} of its plays; "
           f"all {r['plays']:,} plays read) | **{r['report_s']:.1f} s** | {r['plays'] / r['report_s']:,.0f} plays/s | |")
out.append(f"| its evidence (records + multi-proof of {r['evidence_nodes']:,} nodes) | {r['evidence_s']:.1f} s | | |")
out.append(f"| inclusion proof of a random leaf ({r['proofs']:,} proofs) | p50 {r['proof_p50_ms']:.2f} ms, "
           f"**p99 {r['proof_p99_ms']:.2f} ms** | | |")
out.append("")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Proof of play\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Proof of play' section of {doc}")
PY
log "done in $(($(date +%s) - T0))s"
