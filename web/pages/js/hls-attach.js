// Plays a <video data-hls> through its HLS playlist where the browser can: natively (Safari), else through the
// vendored hls.js (Media Source Extensions). Where neither works the <video> keeps its own sources (the MP4).
// Shared by the console's preview, the portal's city pages, the embed page and the tour.

/** Attaches `src` (an HLS playlist) to `video`; resolves to 'native', 'hls.js' or 'none' (kept its sources). */
export async function attachHls(video, src) {
  if (!src) return 'none';
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src;
    return 'native';
  }
  try {
    const { default: Hls } = await import('/assets/vendor/hls.js/hls.light.min.mjs');
    if (!Hls.isSupported()) return 'none';
    if (video._hls) video._hls.destroy();
    const hls = new Hls();
    video._hls = hls;
    hls.loadSource(src);
    hls.attachMedia(video);
    video.dataset.player = 'hls.js';
    return 'hls.js';
  } catch {
    return 'none';
  }
}

/** Counts one view of `id` when the video first plays (no cookie, nothing about the viewer is sent). */
export function countViewOnPlay(video, id) {
  if (!id) return;
  video.addEventListener(
    'playing',
    () => {
      const url = `/api/v1/public/videos/${encodeURIComponent(id)}/views`;
      if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
        fetch(url, { method: 'POST', keepalive: true, credentials: 'omit' }).catch(() => {});
      }
    },
    { once: true },
  );
}
