// The embed page's film: HLS where the browser can play it, else the MP4 <source>; applies the PeerTube-style
// parameters the page carries as data attributes (start, stop, loop, autoplay, muted, subtitle); one anonymous
// view counted when it first plays.
import { attachHls, countViewOnPlay } from './hls-attach.js';

const video = document.querySelector('video[data-video]');
if (video) {
  const d = video.dataset;
  const start = Number(d.start) || 0;
  const stop = d.stop ? Number(d.stop) : 0;
  const loop = d.loop === '1';
  countViewOnPlay(video, d.video);
  video.muted = d.muted === '1';
  // The native loop restarts at 0; a start or stop point needs the loop done here.
  video.loop = loop && !start && !stop;
  const again = () => {
    video.currentTime = start;
    video.play().catch(() => {});
  };
  video.addEventListener('loadedmetadata', () => {
    if (start && video.currentTime < start) video.currentTime = start;
  }, { once: true });
  if (stop) {
    video.addEventListener('timeupdate', () => {
      if (video.currentTime < stop) return;
      if (loop) again();
      else video.pause();
    });
  }
  if (loop && !video.loop) video.addEventListener('ended', again);
  if (d.subtitle) {
    const show = () => {
      for (const t of video.textTracks) {
        if (t.kind === 'subtitles' || t.kind === 'captions') t.mode = t.language === d.subtitle ? 'showing' : 'disabled';
      }
    };
    show();
    video.textTracks.addEventListener?.('addtrack', show);
  }
  video.addEventListener('playing', () => document.body.classList.add('playing'));
  video.addEventListener('pause', () => document.body.classList.remove('playing'));
  const play = () => {
    if (d.autoplay !== '1') return;
    // Browsers refuse sound without a gesture: then start muted rather than not at all.
    video.play().catch(() => {
      video.muted = true;
      video.play().catch(() => {});
    });
  };
  if (d.hls) attachHls(video, d.hls).then(play);
  else play();
}
