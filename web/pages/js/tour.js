// Tour mode: plays every city's film in turn like a screen (random order, each city once per round, never the
// same city twice in a row), with the city's caption; pause, next city, sound, full screen.
import { attachHls, countViewOnPlay } from './hls-attach.js';

const root = document.getElementById('tour');
const stops = JSON.parse(document.getElementById('tour-stops')?.textContent || '[]');
if (root && stops.length) {
  const video = document.getElementById('tour-video');
  const $ = (id) => document.getElementById(id);
  const pause = $('tour-pause');
  let order = [];
  let current = null;
  let fallbackTimer = 0;

  const shuffle = () => {
    order = stops.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    if (order.length > 1 && order[0] === current) order.push(order.shift());
  };

  const show = async (i) => {
    current = i;
    const s = stops[i];
    root.dataset.city = s.slug;
    $('tour-name').textContent = s.name;
    $('tour-country').textContent = s.country;
    $('tour-about').textContent = s.about;
    $('tour-link').href = s.href;
    if (s.poster) video.poster = s.poster;
    video.removeAttribute('src');
    if (video._hls) { video._hls.destroy(); video._hls = null; }
    const how = s.hls ? await attachHls(video, s.hls) : 'none';
    if (how === 'none') video.src = s.mp4;
    countViewOnPlay(video, s.video);
    if (pause.getAttribute('aria-pressed') !== 'true') video.play().catch(() => {});
    // A film that cannot play still moves the tour on.
    clearTimeout(fallbackTimer);
    fallbackTimer = setTimeout(() => { if (video.readyState < 2) next(); }, 15000);
  };

  const next = () => {
    if (!order.length) shuffle();
    show(order.shift());
  };

  video.addEventListener('ended', next);
  video.addEventListener('error', () => setTimeout(next, 1000));
  pause.addEventListener('click', () => {
    const paused = pause.getAttribute('aria-pressed') !== 'true';
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? root.dataset.play : root.dataset.pause;
    if (paused) video.pause(); else video.play().catch(() => {});
  });
  $('tour-next').addEventListener('click', next);
  $('tour-sound').addEventListener('click', (e) => {
    video.muted = !video.muted;
    e.currentTarget.setAttribute('aria-pressed', String(!video.muted));
  });
  $('tour-full').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else root.requestFullscreen?.().catch(() => {});
  });
  root.hidden = false;
  next();
}
