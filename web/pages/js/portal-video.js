// A city page's film: HLS where the browser can play it (through hls.js, natively without Media Source), else the
// MP4 <source>; one anonymous view counted when it first plays. Attaching hls.js resets the element, so a press
// of play that came before it is repeated once the stream is attached. Where the film has sound, "listen only"
// swaps the picture for the sound alone (about a tenth of the data) at the same moment of the film, and back; a
// browser asking to save data (Save-Data) starts there. Where the film has a storyboard, a slider under it scrubs
// through its frames (scrub.js).
import { attachHls, countViewOnPlay } from './hls-attach.js';
import { scrubber } from './scrub.js';

for (const video of document.querySelectorAll('video[data-video]')) {
  const watch = video.closest('.watch');
  const link = watch?.querySelector('a.listen');
  const box = watch?.querySelector('.listen-only');
  const audio = box?.querySelector('audio');
  countViewOnPlay(audio ? [video, audio] : video, video.dataset.video);
  if (video.dataset.hls && !new URLSearchParams(location.search).has('mp4')) {
    let asked = false;
    const onPlay = () => { asked = true; };
    video.addEventListener('play', onPlay);
    attachHls(video, video.dataset.hls).then((how) => {
      video.removeEventListener('play', onPlay);
      if (how !== 'none' && asked) video.play().catch(() => {});
    });
  }
  if (link && audio) listenOnly(video, audio, box, link);
  const scrub = watch?.querySelector('.scrub[data-storyboard]');
  if (scrub) scrubber(video, scrub);
}

function listenOnly(video, audio, box, link) {
  link.setAttribute('role', 'button');
  link.setAttribute('aria-pressed', 'false');
  const show = (listening) => {
    const [from, to] = listening ? [video, audio] : [audio, video];
    const at = from.currentTime || 0;
    const playing = !from.paused;
    from.pause();
    box.hidden = !listening;
    video.hidden = listening;
    link.textContent = listening ? link.dataset.watch : link.dataset.listen;
    link.setAttribute('aria-pressed', String(listening));
    // Before its metadata a media element keeps this as the position to start from.
    try { to.currentTime = at; } catch { /* not seekable yet */ }
    if (playing) to.play().catch(() => {});
  };
  link.addEventListener('click', (e) => {
    e.preventDefault();
    show(box.hidden);
  });
  if (navigator.connection?.saveData) show(true);
}
