// Which video codecs this browser decodes, reported with every heartbeat (`decodes`, docs/media.md): the server
// then names, per item, the original when it plays here, else its H.264/AAC rendition.

/** Codec name (as the server probes media) → a content type naming it (small, common parameters). */
const PROBES = {
  h264: 'video/mp4; codecs="avc1.42E01E"',
  h265: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
  vp8: 'video/webm; codecs="vp8"',
  vp9: 'video/webm; codecs="vp09.00.10.08"',
  av1: 'video/mp4; codecs="av01.0.05M.08"',
  prores: 'video/quicktime; codecs="apcn"',
  mpeg2: 'video/mpeg; codecs="mp2v"',
  mpeg4: 'video/mp4; codecs="mp4v.20.9"',
};

/** Whether one content type decodes: MediaCapabilities when the browser has it, else `canPlayType`. */
async function decodes(contentType) {
  const mc = navigator.mediaCapabilities;
  if (mc && mc.decodingInfo) {
    try {
      const info = await mc.decodingInfo({
        type: 'file',
        video: { contentType, width: 1280, height: 720, bitrate: 2_000_000, framerate: 25 },
      });
      return !!info.supported;
    } catch (_) {
      // An unknown type may throw instead of answering "unsupported".
      return false;
    }
  }
  const v = document.createElement('video');
  return v.canPlayType(contentType) !== '';
}

/** The codec names this browser decodes, sorted. */
export async function probeDecodes() {
  const out = [];
  for (const [name, type] of Object.entries(PROBES)) {
    if (await decodes(type)) out.push(name);
  }
  return out.sort();
}
