// Media preview: a transcoded video plays its HLS rendition (data-hls) where the browser can, natively or through
// the vendored hls.js (Media Source Extensions); otherwise the <video> keeps its src (the normalised MP4 or the
// original file), which is what plays without this script.

for (const video of document.querySelectorAll('video[data-hls]')) {
  const src = video.dataset.hls;
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src;
    continue;
  }
  import('/assets/vendor/hls.js/hls.light.min.mjs')
    .then(({ default: Hls }) => {
      if (!Hls.isSupported()) return;
      const hls = new Hls();
      hls.loadSource(src);
      hls.attachMedia(video);
      video.dataset.player = 'hls.js';
    })
    .catch(() => {
      // Keep the plain src.
    });
}
