#!/usr/bin/env bash
# The README's demo command: builds and starts `twincast demo` (embedded SQLite + local storage in ./twincast-data
# unless --data DIR is given). Extra arguments go to `twincast demo`, e.g. `./scripts/demo.sh --port 8080`.
# ffmpeg is optional (thumbnails, transcoding, HLS): installed when missing if possible, else the demo runs without it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v ffmpeg >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
    echo "ffmpeg not found: installing it (optional; the demo runs without it)"
    if ! { DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=300 update &&
        DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 ffmpeg; }; then
        echo "warning: could not install ffmpeg; continuing without thumbnails and transcoding" >&2
    fi
fi

command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found: install Rust with rustup first" >&2; exit 1; }
exec cargo run --release -p twincast-cli -- demo "$@"
