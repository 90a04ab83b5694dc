// A city page's film: HLS where the browser can play it (natively or via hls.js), else the MP4 <source>; one
// anonymous view counted when it first plays.
import { attachHls, countViewOnPlay } from './hls-attach.js';

for (const video of document.querySelectorAll('video[data-video]')) {
  countViewOnPlay(video, video.dataset.video);
  if (video.dataset.hls && !new URLSearchParams(location.search).has('mp4')) attachHls(video, video.dataset.hls);
}
