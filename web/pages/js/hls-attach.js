// Plays a <video data-hls> through its HLS playlist where the browser can: through the vendored hls.js (Media
// Source Extensions), else natively (Safari on iPhone). Where neither works the <video> keeps its own sources (the
// MP4).
// Shared by the console's preview, the portal's city pages, the embed page and the tour.

/**
 * Attaches `src` (an HLS playlist) to `video`; resolves to 'hls.js', 'native' or 'none' (kept its sources).
 * hls.js comes first where Media Source Extensions exist (its adaptive switching and error recovery are the same in
 * every browser); native HLS where they do not (iPhone Safari).
 */
export async function attachHls(video, src) {
  if (!src) return 'none';
  try {
    const { default: Hls } = await import('/assets/vendor/hls.js/hls.light.min.mjs');
    if (Hls.isSupported()) {
      if (video._hls) video._hls.destroy();
      const hls = new Hls();
      video._hls = hls;
      hls.loadSource(src);
      hls.attachMedia(video);
      video.dataset.player = 'hls.js';
      return 'hls.js';
    }
  } catch {
    // Fall through to native playback.
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src;
    video.dataset.player = 'native-hls';
    return 'native';
  }
  return 'none';
}

/**
 * Counts one view of `id` when the film first plays in `media` (an element, or several showing the same film, such
 * as a video and its sound alone: one view whichever plays first). No cookie; nothing about the viewer is sent.
 */
export function countViewOnPlay(media, id) {
  if (!id) return;
  let counted = false;
  for (const el of Array.isArray(media) ? media : [media]) {
    el.addEventListener(
      'playing',
      () => {
        if (counted) return;
        counted = true;
        const url = `/api/v1/public/videos/${encodeURIComponent(id)}/views`;
        if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
          fetch(url, { method: 'POST', keepalive: true, credentials: 'omit' }).catch(() => {});
        }
      },
      { once: true },
    );
  }
}
