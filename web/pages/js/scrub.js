// Scrubbing a film with its storyboard: the slider under the player shows, while it is moved (pointer, touch or
// arrow keys) or hovered, the frame of that moment cut from the storyboard's sprite, and seeks the film when let
// go. The storyboard is a WebVTT thumbnails track: each cue names a tile as `sprite.jpg#xywh=x,y,w,h`. Without
// script, or when the track cannot be read, the slider stays hidden and the player's own controls remain.

/** `[hh:]mm:ss.mmm` → seconds. */
function seconds(s) {
  const parts = s.trim().split(':').map(Number);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

/** The cues of a thumbnails track: `{start, end, src, x, y, w, h}`, with `src` resolved against `base`. */
export function parseThumbnails(text, base) {
  const cues = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n').map((l) => l.trim()).filter(Boolean);
    const i = lines.findIndex((l) => l.includes('-->'));
    if (i < 0 || !lines[i + 1]) continue;
    const [from, to] = lines[i].split('-->').map((t) => t.trim().split(/\s+/)[0]);
    const [ref, frag] = lines[i + 1].split('#xywh=');
    const box = (frag || '').split(',').map(Number);
    if (box.length !== 4 || box.some((n) => !Number.isFinite(n))) continue;
    const [x, y, w, h] = box;
    cues.push({ start: seconds(from), end: seconds(to), src: new URL(ref, base).href, x, y, w, h });
  }
  return cues;
}

function clock(t) {
  const s = Math.max(0, Math.floor(t));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Wires the slider in `box` (`.scrub[data-storyboard]`) to `video`. */
export async function scrubber(video, box) {
  const url = new URL(box.dataset.storyboard, location.href);
  let cues = [];
  try {
    const res = await fetch(url);
    if (res.ok) cues = parseThumbnails(await res.text(), url);
  } catch { /* no storyboard: the player's own controls remain */ }
  if (!cues.length) return;
  const input = box.querySelector('input');
  const preview = box.querySelector('.scrub-preview');
  const tile = preview.querySelector('.tile');
  const at = preview.querySelector('.at');
  const end = cues[cues.length - 1].end;
  input.max = String(end);
  box.hidden = false;
  let moving = false;
  const label = (t) => input.setAttribute('aria-valuetext', clock(t));
  const show = (t) => {
    const c = cues.find((q) => t >= q.start && t < q.end) || cues[cues.length - 1];
    Object.assign(tile.style, {
      width: `${c.w}px`,
      height: `${c.h}px`,
      backgroundImage: `url("${c.src}")`,
      backgroundPosition: `-${c.x}px -${c.y}px`,
    });
    at.textContent = clock(t);
    const room = box.clientWidth - c.w - 4;
    preview.style.left = `${Math.max(0, Math.min(room, (t / end) * box.clientWidth - c.w / 2))}px`;
    preview.hidden = false;
  };
  input.addEventListener('input', () => {
    moving = true;
    const t = Number(input.value);
    show(t);
    label(t);
  });
  input.addEventListener('change', () => {
    video.currentTime = Math.min(Number(input.value), Number.isFinite(video.duration) ? video.duration : end);
    moving = false;
  });
  input.addEventListener('pointermove', (e) => {
    const r = input.getBoundingClientRect();
    show(Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * end);
  });
  input.addEventListener('pointerleave', () => { if (!moving && document.activeElement !== input) preview.hidden = true; });
  input.addEventListener('blur', () => { preview.hidden = true; });
  video.addEventListener('timeupdate', () => {
    if (moving) return;
    input.value = String(video.currentTime);
    label(video.currentTime);
  });
  label(0);
}
