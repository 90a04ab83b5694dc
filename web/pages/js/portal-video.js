// A city page's film: HLS where the browser can play it (through hls.js, natively without Media Source), else the
// MP4 <source>; one anonymous view counted when it first plays. Attaching hls.js resets the element, so a press
// of play that came before it is repeated once the stream is attached.
import { attachHls, countViewOnPlay } from './hls-attach.js';

for (const video of document.querySelectorAll('video[data-video]')) {
  countViewOnPlay(video, video.dataset.video);
  if (video.dataset.hls && !new URLSearchParams(location.search).has('mp4')) {
    let asked = false;
    const onPlay = () => { asked = true; };
    video.addEventListener('play', onPlay);
    attachHls(video, video.dataset.hls).then((how) => {
      video.removeEventListener('play', onPlay);
      if (how !== 'none' && asked) video.play().catch(() => {});
    });
  }
}
