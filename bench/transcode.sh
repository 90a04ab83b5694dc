#!/usr/bin/env bash
# Transcoding benchmark (issue 16): the screen rendition of a 60 s 1080p ProRes 422 master with sound (made here by
# ffmpeg, cached in .tmp/bench-transcode/) by Twincast's pipeline step (`twincast_media::ffmpeg::screen_mp4`, as the
# media job worker runs it: under `nice -n 10`, ffmpeg's `-progress` read into the job's progress control) against
# the same ffmpeg command run alone (the arguments Twincast builds, printed by the bench binary, run under the same
# `nice -n 10`), in the same run, alternating reference / Twincast. The outputs are checked (H.264, 1920x1080,
# 60 s). Writes the `## Transcoding` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/transcode.sh
#
# Knobs (environment, all optional):
#   BENCH_ROUNDS=1 (pairs of runs) BENCH_SECONDS=60 (length of the master) BENCH_CAP=1080
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   CARGO_TARGET_DIR (where the release build goes, as for cargo)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ROUNDS=${BENCH_ROUNDS:-1}
SECONDS_LONG=${BENCH_SECONDS:-60}
CAP=${BENCH_CAP:-1080}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-transcode"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/transcode.sh"
T0=$(date +%s)
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

MISSING=()
command -v ffmpeg >/dev/null 2>&1 || MISSING+=(ffmpeg)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
apt_install "${MISSING[@]}"

stage "release build of the bench binary (twincast-media, example transcode_bench)"
# Selected beside the CLI so that its dependencies are built with the CLI's features: the example then reuses the
# release build (built alone, twincast-media resolves other features and recompiles most of them).
cargo build --release -p twincast-cli -p twincast-media --example transcode_bench
TARGET=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET/release/examples/transcode_bench"
[ -x "$BIN" ] || die "$BIN not built"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

SRC="$BENCH/master-${SECONDS_LONG}s-1080p-prores.mov"
if [ ! -s "$SRC" ]; then
    stage "making the master: ${SECONDS_LONG} s, 1920x1080, 25 fps, ProRes 422 + PCM stereo"
    ffmpeg -nostdin -y -v error -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=$SECONDS_LONG" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$SECONDS_LONG" -ac 2 \
        -c:v prores_ks -profile:v 2 -pix_fmt yuv422p10le -c:a pcm_s16le "$SRC.tmp.mov"
    mv "$SRC.tmp.mov" "$SRC"
fi

check() {
    local out=$1 v
    v=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height:format=duration -of csv=p=0 "$out" | tr '\n' ',')
    case "$v" in
    h264,1920,1080,6[0-9]*) ;;
    *) die "unexpected output $out: $v" ;;
    esac
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'name\tround\tseconds\n' >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    REF_OUT="$BENCH/reference.mp4"
    mapfile -t ARGS < <("$BIN" args "$SRC" "$REF_OUT" "$CAP")
    rm -f "$REF_OUT"
    stage "round $round: the same ffmpeg command alone (nice -n 10 ffmpeg ${ARGS[*]})"
    t=$(date +%s.%N)
    timeout 600 nice -n 10 ffmpeg "${ARGS[@]}"
    ref=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$t" "$(date +%s.%N)")
    check "$REF_OUT"
    printf 'reference\t%s\t%s\n' "$round" "$ref" >>"$RESULTS"
    log "reference: $ref s"
    TW_OUT="$BENCH/twincast.mp4"
    rm -f "$TW_OUT"
    stage "round $round: Twincast's screen rendition step"
    tw=$(timeout 600 "$BIN" run "$SRC" "$TW_OUT" "$CAP")
    check "$TW_OUT"
    printf 'twincast\t%s\t%s\n' "$round" "$tw" >>"$RESULTS"
    log "twincast: $tw s"
done

export M_DATE M_CPU M_COMMIT M_LOAD
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"

python3 - "$RESULTS" "$DOC" "$SECONDS_LONG" "$CAP" "$ROUNDS" "$COMMAND" <<'PY'
import csv, os, re, sys
results, doc, secs, cap, rounds, command = sys.argv[1:]
rows = list(csv.DictReader(open(results), delimiter="\t"))
def med(name):
    xs = sorted(float(r["seconds"]) for r in rows if r["name"] == name)
    return xs[len(xs) // 2]
ref, tw = med("reference"), med("twincast")
m = os.environ
out = ["## Transcoding\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} (release build of the bench "
           f"binary `transcode_bench`, crates/media/examples). The master: {secs} s of 1920x1080 at 25 fps, ProRes 422 "
           f"(`prores_ks -profile:v 2`, 10-bit 4:2:2) with PCM stereo, as editing suites export it, made by ffmpeg in the run. "
           f"Twincast's screen rendition step (`twincast_media::ffmpeg::screen_mp4`, short side capped at {cap}: H.264 "
           f"`veryfast` CRF 23 + AAC, faststart) as the media job worker runs it — under `nice -n 10`, with ffmpeg's "
           f"`-progress` read into the job's progress — against the same ffmpeg command (the arguments Twincast builds) run "
           f"alone under the same `nice -n 10`, in the same run, alternating; median of {rounds} pair(s). "
           f"The machine's 2 cores are shared with whatever else runs on it (load average: "
           f"{m['M_LOAD']}), so absolute times are noisy; the ratio is what to read.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_ROUNDS`, `BENCH_SECONDS`, `BENCH_CAP`).\n")
out.append("| run | wall time | ratio to ffmpeg alone |")
out.append("|---|---:|---:|")
out.append(f"| the same ffmpeg command alone (reference) | {ref:,.1f} s | 1.00× |")
out.append(f"| **Twincast's screen rendition step** | **{tw:,.1f} s** | **{tw / ref:.2f}×** |")
out.append("")
verdict = "met" if tw / ref <= 1.1 else "not met"
out.append(f"Goal: at most 1.1× the same ffmpeg command alone — {verdict} in this run. The step adds reading "
           f"`-progress` lines and a 200 ms check of the cancel switch; the whole `transcode` job also fetches the "
           f"original from storage and makes a thumbnail and a poster (one frame each) before this step.\n")
out.append("<details><summary>Every run</summary>\n")
out.append("| run | round | seconds |")
out.append("|---|---:|---:|")
for r in rows:
    out.append(f"| {r['name']} | {r['round']} | {float(r['seconds']):.3f} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Transcoding\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Transcoding' section of {doc}")
PY
stage "done"
