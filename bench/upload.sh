#!/usr/bin/env bash
# Upload throughput (issue 16, item 5): one video file (an H.264 MP4 made with ffmpeg, cached in
# .tmp/bench-upload/) sent to `twincast serve` over tus 1.0 (POST, then one streamed PATCH with its
# Upload-Checksum) and over the multipart upload (`POST /api/v1/media`), against copying the same file on the same
# disk (`cp` + fsync of the copy: the reference), alternating in the same run. Each upload is checked (tus: 204
# with Twincast-Media-Id; multipart: 201; the stored item's SHA-256 equals the file's) and its media item deleted
# afterwards so every round stores the bytes again. Transcoding is off in the server (only the upload path is
# measured). Writes the `## Upload throughput` section of docs/benchmarks.md (other sections are left as they are).
#
#   ./bench/upload.sh
#
# Knobs (environment, all optional):
#   BENCH_SECONDS=40 (length of the 1080p lossless test video; ~0.5 GB) BENCH_ROUNDS=3
#   BENCH_PROFILE=release (or debug: use the debug build, e.g. on a busy machine; the section says which)
#   BENCH_DOC=FILE (default docs/benchmarks.md; - prints only)
#   CARGO_TARGET_DIR (where the build goes, as for cargo)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SECONDS_LONG=${BENCH_SECONDS:-40}
ROUNDS=${BENCH_ROUNDS:-3}
PROFILE=${BENCH_PROFILE:-release}
DOC=${BENCH_DOC:-docs/benchmarks.md}
BENCH="$ROOT/.tmp/bench-upload"
DATA="$BENCH/data"
RESULTS="$BENCH/results.tsv"
COMMAND="./bench/upload.sh"
T0=$(date +%s)
mkdir -p "$BENCH"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

TW_PID=""
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -n "$TW_PID" ] && log "stopping twincast (pid $TW_PID)" && stop_group "$TW_PID"
    rm -f "$BENCH/copy.mp4"
    [ "$rc" -ne 0 ] && log "FAILED (exit $rc) after $(($(date +%s) - T0))s; logs in $BENCH" || log "done in $(($(date +%s) - T0))s"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stage "tools"
MISSING=()
command -v curl >/dev/null 2>&1 || MISSING+=(curl)
command -v python3 >/dev/null 2>&1 || MISSING+=(python3)
command -v ffmpeg >/dev/null 2>&1 || MISSING+=(ffmpeg)
apt_install "${MISSING[@]}"

if [ "$PROFILE" = release ]; then
    stage "build twincast (release)"
    build_twincast
else
    stage "build twincast ($PROFILE)"
    cargo build -p twincast-cli
    TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    TWINCAST="$TARGET/debug/twincast"
fi

FILE="$BENCH/master-${SECONDS_LONG}s.mp4"
if [ ! -s "$FILE" ]; then
    stage "make a ${SECONDS_LONG} s 1080p lossless H.264 file"
    ffmpeg -nostdin -y -v error -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=$SECONDS_LONG" \
        -c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv420p "$FILE.tmp.mp4"
    mv "$FILE.tmp.mp4" "$FILE"
fi
SIZE=$(stat -c %s "$FILE")
SHA=$(sha256sum "$FILE" | cut -d' ' -f1)
CHECKSUM="sha256 $(openssl dgst -sha256 -binary "$FILE" | base64 -w0)"
log "file: $SIZE bytes, sha256 $SHA"

stage "start twincast serve (transcoding off)"
rm -rf "$DATA" && mkdir -p "$DATA"
export TWINCAST_LOG=warn
printf 'bench-operator-password\n' | "$TWINCAST" user add bench-op --role operator --password-stdin --data "$DATA" >/dev/null
API_TOKEN=$("$TWINCAST" token create --user bench-op --data "$DATA")
PORT=$(free_port 18790)
printf 'transcode = false\n' >"$BENCH/twincast.toml"
setsid env TWINCAST_LOG=warn "$TWINCAST" serve --config "$BENCH/twincast.toml" --data "$DATA" --listen "127.0.0.1:$PORT" \
    </dev/null >"$BENCH/twincast.log" 2>&1 &
TW_PID=$!
BASE="http://127.0.0.1:$PORT"
wait_healthy "$BASE" "$TW_PID" "$BENCH/twincast.log" 120
AUTH="Authorization: Bearer $API_TOKEN"
curl -fsS -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' "$BASE/api/v1/partners" \
    -d '{"slug": "bench", "names": {"en": "Bench", "ru": "Бенч", "zh": "基准"}, "country": "JP", "continent": "asia", "lat": 0, "lon": 0, "description": "Upload benchmark partner"}'
META="filename $(printf master.mp4 | base64 -w0),partner $(printf bench | base64 -w0),filetype $(printf video/mp4 | base64 -w0)"

check_and_delete() { # media id
    local id=$1 got
    got=$(curl -fsS -H "$AUTH" "$BASE/api/v1/media/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
    [ "$got" = "$SHA" ] || die "stored SHA-256 $got differs from the file's"
    curl -fsS -o /dev/null -X DELETE -H "$AUTH" "$BASE/api/v1/media/$id"
}

measure() { # name round -> appends seconds to RESULTS
    local name=$1 round=$2 start end id code loc hdr="$BENCH/headers.txt"
    case $name in
        cp)
            rm -f "$BENCH/copy.mp4"
            start=$(date +%s.%N)
            cp "$FILE" "$BENCH/copy.mp4"
            sync "$BENCH/copy.mp4"
            end=$(date +%s.%N)
            cmp -s "$FILE" "$BENCH/copy.mp4" || die "the copy differs"
            ;;
        multipart)
            start=$(date +%s.%N)
            code=$(curl -sS -o "$BENCH/multipart.json" -w '%{http_code}' -H "$AUTH" \
                -F partner=bench -F "file=@$FILE;type=video/mp4" "$BASE/api/v1/media")
            end=$(date +%s.%N)
            [ "$code" = 201 ] || { head -c 400 "$BENCH/multipart.json"; die "multipart: HTTP $code"; }
            id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$BENCH/multipart.json")
            check_and_delete "$id"
            ;;
        tus)
            start=$(date +%s.%N)
            loc=$(curl -sS -D - -o /dev/null -X POST -H "$AUTH" -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $SIZE" \
                -H "Upload-Metadata: $META" "$BASE/api/v1/tus" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
            [ -n "$loc" ] || die "tus: no Location"
            code=$(curl -sS -D "$hdr" -o "$BENCH/tus.out" -w '%{http_code}' -X PATCH -T "$FILE" -H "$AUTH" \
                -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
                -H "Upload-Checksum: $CHECKSUM" -H 'Expect:' "$BASE$loc")
            end=$(date +%s.%N)
            [ "$code" = 204 ] || { head -c 400 "$BENCH/tus.out"; die "tus: HTTP $code"; }
            id=$(tr -d '\r' <"$hdr" | sed -n 's/^[Tt]wincast-[Mm]edia-[Ii]d: //p')
            [ -n "$id" ] || die "tus: no Twincast-Media-Id"
            check_and_delete "$id"
            ;;
    esac
    printf '%s\t%s\t%s\n' "$name" "$round" "$(echo "$end - $start" | bc -l)" >>"$RESULTS"
    log "$name round $round: $(tail -n 1 "$RESULTS" | cut -f3) s"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'name\tround\tseconds\n' >"$RESULTS"
stage "warm-up, then $ROUNDS rounds: cp, tus, multipart"
measure cp 0
measure tus 0
for round in $(seq 1 "$ROUNDS"); do
    measure cp "$round"
    measure tus "$round"
    measure multipart "$round"
done

stage "results"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
export M_DATE M_CPU M_COMMIT M_LOAD M_PROFILE
M_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
M_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
M_COMMIT=$COMMIT
M_LOAD="$LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after"
M_PROFILE=$PROFILE
python3 - "$RESULTS" "$DOC" "$SIZE" "$ROUNDS" "$COMMAND" <<'PY'
import csv, os, re, sys
results, doc, size, rounds, command = sys.argv[1:]
size = int(size)
rows = [r for r in csv.DictReader(open(results), delimiter="\t") if r["round"] != "0"]
def med(name):
    xs = sorted(float(r["seconds"]) for r in rows if r["name"] == name)
    return xs[len(xs) // 2]
m = os.environ
cp, tus, mp = med("cp"), med("tus"), med("multipart")
mib = size / 1024 / 1024
out = ["## Upload throughput\n"]
out.append(f"Measured {m['M_DATE']} on {m['M_CPU']}, twincast at commit {m['M_COMMIT']} ({m['M_PROFILE']} build, "
           f"`twincast serve` with transcoding off, SQLite + local storage on the same disk as the copy). One "
           f"{mib:,.0f} MiB H.264 MP4 (1080p, lossless, made by ffmpeg) is sent over loopback by curl: over **tus** "
           f"(`POST /api/v1/tus`, then one streamed `PATCH` of the whole file with its `Upload-Checksum: sha256`, which the "
           f"server verifies as the bytes pass; the `PATCH` that completes the upload also commits the media item) and over "
           f"the **multipart** upload (`POST /api/v1/media`); the reference is `cp` of the same file on the same disk followed "
           f"by an fsync of the copy. Every upload is checked (the stored item's SHA-256 equals the file's) and deleted "
           f"before the next. Median of {rounds} alternating rounds after a warm-up. Load average: {m['M_LOAD']} — the "
           f"machine is shared with other sessions' builds and tests, so the absolute figures are low and noisy; compare the "
           f"ratios.\n")
out.append("Reproduce: `" + command + "` (knobs: `BENCH_SECONDS`, `BENCH_ROUNDS`, `BENCH_PROFILE`).\n")
out.append("| path | median | throughput | time relative to `cp` |")
out.append("|---|---:|---:|---:|")
for label, t in [("`cp` + fsync (reference)", cp), ("tus (one `PATCH`, sha256 checked)", tus), ("multipart `POST /api/v1/media`", mp)]:
    out.append(f"| {label} | {t:.2f} s | {mib / t:,.0f} MiB/s | {t / cp:.2f}× |")
out.append("")
out.append("Both uploads stream the file to the upload spool and hash it (SHA-256 of the whole file for the content address; "
           "tus also the chunk's checksum), then store it under its content address (on local storage a hard link of the "
           "spooled file where one filesystem holds both, else a copy) with fsyncs before answering; `cp` only copies.\n")
out.append("<details><summary>Every run</summary>\n")
out.append("| path | round | seconds |")
out.append("|---|---:|---:|")
for r in rows:
    out.append(f"| {r['name']} | {r['round']} | {float(r['seconds']):.3f} |")
out.append("\n</details>\n")
section = "\n".join(out)
print(section)
if doc == "-":
    sys.exit(0)
text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
pat = re.compile(r"^## Upload throughput\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section + "\n", text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text.rstrip("\n") + "\n")
print(f"wrote the '## Upload throughput' section of {doc}")
PY
