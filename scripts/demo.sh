#!/usr/bin/env bash
# The README's demo command: builds and starts `twincast demo` (embedded SQLite + local storage in ./twincast-data
# unless --data DIR is given). Extra arguments go to `twincast demo`, e.g. `./scripts/demo.sh --port 8080`.
# ffmpeg is optional (thumbnails, transcoding, HLS): installed when missing if possible, else the demo runs without it.
# So are the Noto fonts of the partner cards (Debian fonts-noto-core, fonts-noto-cjk).
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

# The partner cards and videos are drawn with Noto Sans and Noto Sans CJK; without them, a plain bitmap font.
FONTS_MISSING=()
[ -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || FONTS_MISSING+=(fonts-noto-core)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || FONTS_MISSING+=(fonts-noto-cjk)
if [ "${#FONTS_MISSING[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
    echo "fonts not found: installing ${FONTS_MISSING[*]} (optional; without them the cards use a bitmap font)"
    if ! { DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=300 update &&
        DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "${FONTS_MISSING[@]}"; }; then
        echo "warning: could not install ${FONTS_MISSING[*]}; the cards use the bitmap font" >&2
    fi
fi

command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found: install Rust with rustup first" >&2; exit 1; }
exec cargo run --release -p twincast-cli -- demo "$@"
