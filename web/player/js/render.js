// Zone renderers. The main zone is double-buffered: each play gets its own layer, prepared (loaded, decoded,
// seeked) while the previous one is on screen, and raised on the animation frame nearest to its start instant.
// The outgoing layer stays painted underneath until the next frame, so no frame is ever empty.

import { slide, alertSlide, tickerText } from './slides.js';

const LOOKAHEAD_MS = 30_000;
// The next item is prepared from this long after a swap on (or at once when it starts sooner than PREPARE_BY_MS).
// Creating a <video> (media pipeline, first-frame decode) or decoding an image in the frame that raises the new
// layer delays that layer's first paint; every page of a sync group does it at the same boundary, so on a busy
// machine the pages' paints drifted apart by more than 100 ms. After the swap has been painted the work is harmless.
const PREPARE_AFTER_SWAP_MS = 250;
const PREPARE_BY_MS = 1500;
// Video position correction against the synced clock: checked this often, dead band, rate gain and limits, and the
// error beyond which a seek is cheaper than a rate change.
const VIDEO_CHECK_MS = 250;
const VIDEO_DEAD_BAND_S = 0.02;
const VIDEO_RATE_GAIN = 1 / 0.5; // a 0.1 s error asks for a 20 % rate change, so it is gone in about half a second
const VIDEO_RATE_MAX = 0.2;
const VIDEO_SEEK_S = 0.4;

/** Index of the play covering `t` in a sorted, non-overlapping list, or -1. */
export function indexAt(plays, t) {
  let lo = 0;
  let hi = plays.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = plays[mid];
    if (t < p.start) hi = mid - 1;
    else if (t >= p.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Index of the first play starting after `t` (plays.length when none). */
function firstAfter(plays, t) {
  let lo = 0;
  let hi = plays.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (plays[mid].start > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The same file under another URL (the server and the offline cache go by the path alone). */
function retryUrl(src) {
  return `${src}${src.includes('?') ? '&' : '?'}retry=1`;
}

class Entry {
  constructor(play, now, layer, note) {
    this.play = play;
    this.note = note;
    this.layer = layer;
    this.el = null;
    this.ready = false;
    this.failed = null;
    this.retried = null;
    this.shownAt = null;
    this.video = null;
    this.createdAt = now;
    this.createdPerf = performance.now();
    this.readyPerf = null;
    this.prepare(now);
  }

  prepare(now) {
    const p = this.play;
    const layer = this.layer;
    const done = () => {
      if (!this.ready) this.readyPerf = performance.now();
      this.ready = true;
    };
    if (p.kind === 'video' && p.src) {
      const v = document.createElement('video');
      v.muted = true;
      v.defaultMuted = true;
      v.playsInline = true;
      v.setAttribute('playsinline', '');
      v.preload = 'auto';
      v.disablePictureInPicture = true;
      this.video = v;
      const offset = Math.max(0, now - p.start);
      const onData = () => {
        if (offset > 250 && v.currentTime < offset / 1000 - 0.25 && Number.isFinite(v.duration)) {
          // Joining a play already under way (start-up, sync group): seek to where the synced clock says.
          v.addEventListener('seeked', done, { once: true });
          v.currentTime = Math.min(offset / 1000, Math.max(0, v.duration - 0.05));
        } else done();
      };
      v.addEventListener('loadeddata', onData, { once: true });
      v.addEventListener('error', () => this.videoError(v), { once: true });
      v.src = this.retried ? retryUrl(p.src) : p.src;
      this.el = v;
    } else if (p.kind === 'image' && p.src) {
      const img = new Image();
      img.alt = '';
      img.decoding = 'async';
      img.src = p.src;
      img.decode().then(done, () => this.fail(`image ${p.src}: cannot decode`));
      this.el = img;
    } else if (p.kind === 'web' && p.url) {
      const f = document.createElement('iframe');
      // No allow-same-origin: the page cannot reach the player's storage, cookies or token.
      f.setAttribute('sandbox', 'allow-scripts');
      f.setAttribute('referrerpolicy', 'no-referrer');
      f.setAttribute('loading', 'eager');
      f.addEventListener('load', done, { once: true });
      setTimeout(done, 3000);
      f.src = p.url;
      this.el = f;
    } else if (p.kind === 'alert') {
      this.el = alertSlide(p.alert || {});
      done();
    } else {
      this.el = slide(p.template, p.data);
      done();
    }
    layer.append(this.el);
  }

  /**
   * A video that fails (a dropped connection, the media loader refusing what it got; the browser cannot tell a
   * file that failed to load from one it cannot play) is loaded once more, in a new element under a URL of its
   * own (the browser keeps what it read of a URL and would fail the same way); a second failure gives the card.
   */
  videoError(v) {
    const reason = `video ${this.play.src}: ${v.error && v.error.message || 'error'}`;
    if (this.retried || this.el !== v) {
      this.fail(reason);
      return;
    }
    this.retried = reason;
    v.removeAttribute('src');
    v.load();
    v.remove();
    this.ready = false;
    this.el = null;
    this.video = null;
    this.note(`${reason} (loaded once more)`);
    // Where the play is now, by this page's monotonic clock since the entry was made.
    this.prepare(this.createdAt + (performance.now() - this.createdPerf));
    const again = this.video;
    if (this.shownAt !== null && again) {
      // Already on screen: it plays as soon as it has a frame.
      again.addEventListener('loadeddata', () => {
        const p = again.play();
        if (p && p.catch) p.catch((err) => this.note(`play(): ${err.message}`));
      }, { once: true });
    }
  }

  /**
   * A failed medium is replaced by a card naming the partner (its name in the screen's language, never its slug),
   * so the screen still shows something.
   */
  fail(reason) {
    this.failed = reason;
    const card = slide('partner_card', { city: this.play.data?.city || this.play.partnerName || '', text: '' });
    if (this.el) this.el.remove();
    this.video = null;
    this.el = card;
    this.layer.append(card);
    this.ready = true;
  }

  /** Whether the element has a frame to paint. */
  paintable() {
    if (this.video) return this.video.readyState >= 2;
    if (this.el instanceof HTMLImageElement) return this.el.complete && this.el.naturalWidth > 0;
    return true;
  }

  dispose() {
    if (this.video) {
      this.video.pause();
      this.video.removeAttribute('src');
      this.video.load();
    }
    this.layer.remove();
  }
}

export class MainZone {
  /**
   * @param {HTMLElement} root
   * @param {{now(): number, toPerf(ms: number): number}} clock
   * @param {{onSwap(prev: object|null, next: object, info: object): void, onError(msg: string): void}} hooks
   */
  constructor(root, clock, hooks) {
    this.root = root;
    this.clock = clock;
    this.hooks = hooks;
    this.plays = [];
    this.pending = null; // a new play list waiting for the next item boundary
    this.entries = new Map(); // play id -> Entry
    this.current = null;
    this.frameMs = 16.7;
    this.lastFrame = null;
    this.blankFrames = 0;
    this.lateFrames = 0;
    this.longFrames = 0;
    this.longFrameLog = []; // [gap ms, ms into the current item when the gap began]
    this.maxFrameGap = 0;
    this.transitions = []; // {id, boundary, swapped, shown}
    this.awaitingShown = null;
    this.playNext = null; // the entry whose video is started on the frame after its swap
    this.lastDriftCheck = 0;
  }

  /**
   * Replaces the play list. With `immediate` (alerts starting or ending) it takes effect on the next frame;
   * otherwise at the end of the current item.
   */
  setPlays(plays, { immediate = false } = {}) {
    if (immediate || !this.current) {
      this.plays = plays;
      this.pending = null;
      this.forceSwitch = immediate;
    } else {
      this.pending = plays;
    }
  }

  entry(play, now) {
    let e = this.entries.get(play.id);
    if (!e) {
      const layer = document.createElement('div');
      layer.className = 'layer';
      layer.dataset.play = play.id;
      this.root.append(layer);
      e = new Entry(play, now, layer, (msg) => this.hooks.onError(msg));
      e.layer.dataset.kind = play.kind;
      this.entries.set(play.id, e);
    }
    return e;
  }

  /** The play that should be on screen at `t`, honouring a pending list only from the current item's end. */
  target(t) {
    if (this.pending && (!this.current || this.current.play.kind === 'idle' || t >= this.current.play.end - this.frameMs / 2)) {
      this.plays = this.pending;
      this.pending = null;
    }
    const i = indexAt(this.plays, t);
    if (i >= 0) return { play: this.plays[i], next: this.plays[i + 1] || null };
    // Nothing eligible now: the idle (branding) frame until the next play.
    const j = firstAfter(this.plays, t);
    const next = j < this.plays.length ? this.plays[j] : null;
    const prevEnd = j > 0 ? this.plays[j - 1].end : null;
    const idle = { id: `main:idle@${prevEnd ?? 'start'}`, zone: 'main', kind: 'idle', start: prevEnd ?? t, end: next ? next.start : Infinity, partner: null, campaign: null, item: null, template: 'idle', data: null };
    return { play: idle, next };
  }

  /** One animation frame. `ts` is the rAF timestamp (performance.now() clock). */
  frame(ts) {
    if (this.lastFrame !== null) {
      const d = ts - this.lastFrame;
      if (d > 4 && d < 100) this.frameMs = this.frameMs * 0.9 + d * 0.1;
      // Frames that came much later than the display rate: the page did not get the CPU (or was busy).
      if (d > 50) {
        this.longFrames += 1;
        // Where in the item it happened (ms since the current item's start), for diagnosis.
        this.longFrameLog.push([Math.round(d), this.current ? Math.round(this.clock.now() - d - this.current.play.start) : null]);
        if (this.longFrameLog.length > 50) this.longFrameLog.shift();
      }
      if (d > this.maxFrameGap) this.maxFrameGap = d;
    }
    this.lastFrame = ts;
    const now = this.clock.now();
    if (this.awaitingShown) {
      // This frame is the first one after the swap was committed: the new item has been presented.
      const a = this.awaitingShown;
      a.shown = now;
      this.transitions.push(a);
      if (this.transitions.length > 2000) this.transitions.shift();
      this.awaitingShown = null;
      const pe = this.playNext;
      this.playNext = null;
      if (pe && pe === this.current && pe.video) {
        this.lastDriftCheck = now; // the first correction once play() has had a moment to start
        const p = pe.video.play();
        if (p && p.catch) p.catch((err) => this.hooks.onError(`play(): ${err.message}`));
      }
    }
    // Swap on the frame whose presentation is nearest the boundary: half a frame early.
    const t = now + this.frameMs / 2;
    const { play, next } = this.target(t);
    const cur = this.current;
    if (play && (!cur || cur.play.id !== play.id)) {
      const e = this.entry(play, now);
      if (e.ready) this.swap(e, now);
      else if (cur) this.lateFrames += 1;
    }
    // Preload what comes next, but not in the frames around a swap (see PREPARE_AFTER_SWAP_MS).
    const settled = !this.awaitingShown && (!this.current || now - this.current.shownAt >= PREPARE_AFTER_SWAP_MS);
    if (next && next.start - now < LOOKAHEAD_MS && (settled || next.start - now < PREPARE_BY_MS)) this.entry(next, now);
    // Dispose layers no longer needed.
    for (const [id, e] of this.entries) {
      if (e === this.current || e === this.previous) continue;
      if ((play && id === play.id) || (next && id === next.id)) continue;
      e.dispose();
      this.entries.delete(id);
    }
    if (this.current) {
      if (!this.current.paintable()) this.blankFrames += 1;
      if (now - this.lastDriftCheck >= VIDEO_CHECK_MS) {
        this.lastDriftCheck = now;
        this.correctDrift(now);
      }
    }
  }

  swap(e, now) {
    const prev = this.current;
    e.layer.classList.add('on', 'top');
    if (e.video) {
      // Start on the planned position: a swap that came late (the video was not ready at the boundary) seeks to
      // where the synced clock says, so that the pages of a sync group show the same frame; small errors are left
      // to correctDrift's rate nudging, which does not stall the picture.
      const v = e.video;
      const late = (now - e.play.start) / 1000;
      if (late > VIDEO_SEEK_S && Number.isFinite(v.duration) && Math.abs(v.currentTime - late) > VIDEO_SEEK_S) {
        v.currentTime = Math.min(late, Math.max(0, v.duration - 0.05));
      }
      v.playbackRate = 1;
      // play() itself waits for the next frame: the layer is raised now showing the (already decoded) first frame,
      // and starting the media pipeline does not compete with presenting the swap. correctDrift absorbs the frame.
      this.playNext = e;
    }
    if (prev) {
      prev.layer.classList.remove('top');
      if (prev.video) prev.video.pause();
      // Keep the previous layer painted beneath for one more frame, then drop it.
      const old = prev;
      this.previous = old;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        if (this.previous === old) this.previous = null;
        if (this.current !== old) {
          old.dispose();
          if (this.entries.get(old.play.id) === old) this.entries.delete(old.play.id);
        }
      }));
    }
    e.shownAt = now;
    this.current = e;
    // `joined`: the play was not known before its start (first manifest, alert), so it could not be preloaded.
    // `prepared`/`ready`: how long before the boundary the layer was created and became ready (ms, negative = after).
    const at = this.clock.toPerf(e.play.start);
    this.awaitingShown = { id: e.play.id, kind: e.play.kind, boundary: e.play.start, swapped: now, shown: null, first: !prev, joined: e.createdAt > e.play.start, prepared: Math.round(at - e.createdPerf), ready: e.readyPerf === null ? null : Math.round(at - e.readyPerf) };
    this.hooks.onSwap(prev ? prev.play : null, e.play, { at: now, prevShownAt: prev ? prev.shownAt : null, failed: e.failed });
  }

  /**
   * Keeps a playing video at the position the synced clock gives (sync groups): the playback rate is set in
   * proportion to the error (so a late start, e.g. play() latency, is caught up within a second), or a seek when far.
   */
  correctDrift(now) {
    const v = this.current.video;
    if (!v || v.paused || v.seeking || !Number.isFinite(v.duration)) return;
    const expected = (now - this.current.play.start) / 1000;
    if (expected < 0 || expected > v.duration) return;
    const err = v.currentTime - expected;
    if (Math.abs(err) > VIDEO_SEEK_S) {
      v.currentTime = Math.min(expected, Math.max(0, v.duration - 0.05));
      v.playbackRate = 1;
    } else if (Math.abs(err) > VIDEO_DEAD_BAND_S) {
      const k = Math.max(-VIDEO_RATE_MAX, Math.min(VIDEO_RATE_MAX, -err * VIDEO_RATE_GAIN));
      v.playbackRate = Math.round((1 + k) * 100) / 100;
    } else if (v.playbackRate !== 1) {
      v.playbackRate = 1;
    }
  }

  /** Position error of the current video against the synced clock, in ms (null when not a video). */
  videoError() {
    const c = this.current;
    if (!c || !c.video) return null;
    return c.video.currentTime * 1000 - (this.clock.now() - c.play.start);
  }
}

export class TickerZone {
  constructor(root) {
    this.root = root;
    this.text = root.querySelector('.ticker-text');
    this.plays = [];
    this.shown = null;
    this.alert = null;
  }

  setPlays(plays) {
    this.plays = plays;
  }

  frame(now) {
    let s;
    let isAlert = false;
    if (this.alert) {
      s = `⚠ ${this.alert.headline || this.alert.event || 'Alert'}`;
      isAlert = true;
    } else {
      const i = indexAt(this.plays, now);
      s = i >= 0 ? tickerText(this.plays[i]) : '';
    }
    if (s !== this.shown) {
      this.text.textContent = s;
      this.text.classList.toggle('alert', isAlert);
      this.shown = s;
    }
  }
}

export class ClockZone {
  constructor(root) {
    this.time = root.querySelector('.clock-time');
    this.date = root.querySelector('.clock-date');
    this.tz = 'UTC';
    this.fmt = null;
    this.lastSecond = null;
  }

  setZone(tz) {
    if (tz === this.tz && this.fmt) return;
    try {
      this.fmtTime = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      this.fmtDate = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short' });
      this.tz = tz;
      this.fmt = true;
    } catch (_) {
      this.setZone('UTC');
    }
  }

  frame(now) {
    const s = Math.floor(now / 1000);
    if (s === this.lastSecond) return;
    this.lastSecond = s;
    if (!this.fmt) this.setZone(this.tz);
    const d = new Date(now);
    this.time.textContent = this.fmtTime.format(d);
    this.date.textContent = this.fmtDate.format(d);
  }
}
