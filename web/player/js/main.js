// Twincast web player: boot, pairing, manifest, playback loop, push, proof of play, heartbeats, state().

import { Api, AuthError } from './api.js';
import { Clock } from './clock.js';
import { openDb, Kv, PlayQueue, newEventId } from './plays.js';
import { normalize, alertAt, mediaOrder } from './manifest.js';
import { MainZone, TickerZone, ClockZone } from './render.js';
import { Push } from './push.js';
import { MediaCache } from './cache.js';
import { DebugOverlay } from './debug.js';

const DEVICE_KEY = 'twincast.device';
const RECORDED_KEY = 'twincast.recorded';
const VERSION = '0.1.0';
const POLL_MS = 10_000; // manifest polling while the push channel is down
const SAFETY_POLL_MS = 120_000; // and, rarely, while it is up
const HEARTBEAT_MS = 30_000;

const $ = (s) => document.querySelector(s);

class Player {
  constructor() {
    this.clock = new Clock();
    this.api = new Api(this.clock);
    this.cache = new MediaCache();
    this.device = null;
    this.manifest = null;
    this.etag = null;
    this.fromCache = false;
    this.online = navigator.onLine;
    this.errors = [];
    this.item = null;
    this.history = [];
    this.push = null;
    this.pollTimer = null;
    this.lastPoll = 0;
    this.loads = 0;
    this.fetching = null;
  }

  error(msg) {
    this.errors.push(`${new Date().toISOString().slice(11, 19)} ${msg}`);
    if (this.errors.length > 20) this.errors.shift();
  }

  async boot() {
    this.debug = new DebugOverlay($('#debug'), () => this.state());
    requestAnimationFrame((ts) => this.frame(ts));
    try {
      this.db = await openDb();
      this.kv = new Kv(this.db);
      this.plays = new PlayQueue(this.db, (events) => this.api.sendPlays(this.device, events));
      await this.plays.init();
      this.clock.restore(await this.kv.get('clock_offset'));
    } catch (e) {
      this.error(`IndexedDB: ${e.message}`);
    }
    await this.cache.start();
    if (this.cache.error) this.error(`service worker: ${this.cache.error}`);
    try {
      this.device = JSON.parse(localStorage.getItem(DEVICE_KEY) || 'null');
    } catch (_) {
      this.device = null;
    }
    if (!this.device || !this.device.token) await this.pair();
    await this.start();
  }

  // ---- Pairing -------------------------------------------------------------------------------------------

  async pair() {
    const view = $('#pairing');
    const codeEl = view.querySelector('[data-pairing-code]');
    const status = $('#pairing-status');
    view.hidden = false;
    $('#layout').hidden = true;
    let backoff = 1000;
    for (;;) {
      let pairing;
      try {
        pairing = await this.api.startPairing({ version: VERSION, width: screen.width, height: screen.height, user_agent: navigator.userAgent });
        backoff = 1000;
      } catch (e) {
        status.textContent = `Waiting for the server… (${e.message})`;
        await sleepJitter(backoff);
        backoff = Math.min(backoff * 2, 15_000);
        continue;
      }
      codeEl.textContent = pairing.code;
      codeEl.setAttribute('data-pairing-code', pairing.code);
      status.textContent = pairing.expires_at ? `Code valid until ${new Date(pairing.expires_at).toLocaleTimeString()}` : '';
      for (;;) {
        if (pairing.expires_at && this.clock.now() > pairing.expires_at) break;
        let r;
        try {
          r = await this.api.pollPairing(pairing);
        } catch (e) {
          if (e instanceof AuthError) break; // expired or unknown: get a new code
          status.textContent = `Waiting for the server… (${e.message})`;
          await sleepJitter(2000);
          continue;
        }
        if (r && r.token) {
          this.device = { token: r.token, screen_id: r.screen_id || null };
          localStorage.setItem(DEVICE_KEY, JSON.stringify(this.device));
          codeEl.textContent = '';
          codeEl.setAttribute('data-pairing-code', '');
          view.hidden = true;
          return;
        }
        await sleepJitter(r && r.retry_ms ? r.retry_ms : 1000);
      }
    }
  }

  unpair(reason) {
    this.error(`unpaired: ${reason}`);
    localStorage.removeItem(DEVICE_KEY);
    location.reload();
  }

  // ---- Playing -------------------------------------------------------------------------------------------

  async start() {
    $('#layout').hidden = false;
    this.main = new MainZone($('#zone-main'), this.clock, {
      onSwap: (prev, next, info) => this.onSwap(prev, next, info),
      onError: (m) => this.error(m),
    });
    this.ticker = new TickerZone($('#zone-ticker'));
    this.clockZone = new ClockZone($('#zone-clock'));
    this.loads = Number(sessionStorage.getItem('twincast.loads') || 0) + 1;
    sessionStorage.setItem('twincast.loads', String(this.loads));
    // Last known manifest first (offline start), then the network.
    try {
      const saved = this.kv && (await this.kv.get('manifest'));
      if (saved && saved.body) this.apply(saved.body, saved.etag, true);
    } catch (e) {
      this.error(`saved manifest: ${e.message}`);
    }
    await this.syncClock();
    await this.fetchManifest();
    this.push = new Push(() => this.api.wsUrl(this.device), (m) => this.onPush(m), (c) => this.onPushState(c));
    this.push.start();
    setInterval(() => this.poll(), 1000);
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    setInterval(() => this.syncClock(), 60_000);
    setTimeout(() => this.heartbeat(), 1000);
    if (this.plays) this.plays.flush();
    addEventListener('online', () => { this.fetchManifest(); if (this.plays) this.plays.flush(); });
  }

  async syncClock() {
    for (let i = 0; i < 3; i++) {
      try {
        const ok = await this.api.timeSample();
        this.online = true;
        if (!ok) break;
      } catch (_) {
        break;
      }
    }
    if (this.kv) this.kv.set('clock_offset', this.clock.offset).catch(() => {});
  }

  /** Fetches the manifest (If-None-Match); concurrent calls share one request. */
  fetchManifest() {
    if (this.fetching) return this.fetching;
    this.fetching = (async () => {
      this.lastPoll = Date.now();
      try {
        const r = await this.api.manifest(this.device, this.etag);
        this.online = !r.fromCache;
        if (r.status === 200) {
          this.apply(r.body, r.etag, r.fromCache);
          if (!r.fromCache && this.kv) await this.kv.set('manifest', { body: r.body, etag: r.etag });
        }
      } catch (e) {
        if (e instanceof AuthError) return this.unpair(e.message);
        this.online = false;
        this.error(`manifest: ${e.message}`);
      } finally {
        this.fetching = null;
      }
    })();
    return this.fetching;
  }

  apply(raw, etag, fromCache) {
    let m;
    try {
      m = normalize(raw, { portrait: this.portrait() });
    } catch (e) {
      this.error(`manifest rejected: ${e.message}`);
      return;
    }
    const now = this.clock.now();
    const old = this.manifest;
    const immediate = !old || alertAt(old.zones.main, now) !== alertAt(m.zones.main, now);
    this.manifest = m;
    this.etag = etag || m.etag;
    this.fromCache = fromCache;
    const layout = $('#layout');
    layout.classList.toggle('fullscreen', !m.layout.ticker);
    $('#stage').classList.toggle('portrait', this.portrait());
    $('#stage').classList.toggle('landscape', !this.portrait());
    this.main.setPlays(m.zones.main, { immediate });
    this.ticker.setPlays(m.zones.ticker);
    this.clockZone.setZone(m.screen.tz || 'UTC');
    this.cache.sync(mediaOrder(m, now));
    if (!fromCache) this.changedAt = now;
  }

  portrait() {
    const o = this.manifest && this.manifest.screen.orientation;
    if (o === 'portrait' || o === 'landscape') return o === 'portrait';
    return innerHeight > innerWidth;
  }

  frame(ts) {
    requestAnimationFrame((t) => this.frame(t));
    if (this.main) {
      this.main.frame(ts);
      const now = this.clock.now();
      const cur = this.main.current && this.main.current.play;
      this.ticker.alert = cur && cur.kind === 'alert' ? cur.alert : null;
      this.ticker.frame(now);
      this.clockZone.frame(now);
    }
    this.debug.frame(ts);
  }

  poll() {
    const connected = this.push && this.push.connected;
    const every = connected ? SAFETY_POLL_MS : POLL_MS;
    if (Date.now() - this.lastPoll >= every) this.fetchManifest();
    if (!this.cache.status.complete && Date.now() - (this.lastCacheKick || 0) > 15_000 && this.manifest) {
      this.lastCacheKick = Date.now();
      this.cache.lastList = null;
      this.cache.sync(mediaOrder(this.manifest, this.clock.now()));
    }
  }

  onPushState(connected) {
    if (connected) {
      this.online = true;
      this.fetchManifest();
      if (this.plays) this.plays.flush();
    }
  }

  onPush(msg) {
    const type = msg.type || msg.kind;
    if (typeof msg.server_time_ms === 'number' && typeof msg.echo === 'number') {
      this.clock.sample(msg.echo, msg.server_time_ms, this.clock.local());
    }
    switch (type) {
      case 'manifest':
      case 'manifest_changed':
      case 'schedule_changed':
      case 'alert':
      case 'alerts_changed':
        if (!msg.etag || msg.etag !== this.etag) this.fetchManifest();
        break;
      case 'command':
        this.command(msg.command, msg);
        break;
      case 'revoked':
        this.unpair('token revoked');
        break;
      default:
        break;
    }
  }

  command(cmd) {
    if (cmd === 'reload') location.reload();
    else if (cmd === 'identify') {
      const el = $('#identify');
      el.textContent = this.manifest ? this.manifest.screen.name || this.manifest.screen.id : (this.device && this.device.screen_id) || '';
      el.hidden = false;
      setTimeout(() => { el.hidden = true; }, 10_000);
    } else if (cmd === 'screenshot') {
      this.error('screenshot: not supported by the web player');
      this.heartbeat();
    }
  }

  async onSwap(prev, next, info) {
    this.item = { id: next.id, kind: next.kind, partner: next.partner || null, campaign: next.campaign || null, item: next.item || null, alert: next.alert ? next.alert.id : null, started_at: Math.round(info.at), scheduled_start: next.start };
    this.history.push(this.item);
    if (this.history.length > 5000) this.history.shift();
    if (info.failed) this.error(info.failed);
    if (!prev || info.prevShownAt === null) return;
    const ev = {
      id: newEventId(Date.now()),
      screen_id: (this.manifest && this.manifest.screen.id) || (this.device && this.device.screen_id) || null,
      play_id: prev.id,
      kind: prev.kind,
      item: prev.item || null,
      campaign: prev.campaign || null,
      partner: prev.partner || null,
      alert: prev.alert ? prev.alert.id : null,
      scheduled_start: prev.start,
      started_at: Math.round(info.prevShownAt),
      ended_at: Math.round(info.at),
      duration_ms: Math.round(info.at - info.prevShownAt),
      device_time: Date.now(),
    };
    try {
      if (this.plays) await this.plays.record(ev);
      localStorage.setItem(RECORDED_KEY, String(Number(localStorage.getItem(RECORDED_KEY) || 0) + 1));
    } catch (e) {
      this.error(`proof of play not recorded: ${e.message}`);
    }
  }

  async heartbeat() {
    if (!this.device) return;
    let storage = null;
    try {
      storage = navigator.storage && navigator.storage.estimate ? await navigator.storage.estimate() : null;
    } catch (_) { /* not available */ }
    const s = this.state();
    try {
      await this.api.heartbeat(this.device, {
        version: VERSION,
        manifest_etag: s.manifest_etag,
        item: s.item,
        cache: { cached_bytes: s.cached_bytes, cached_files: s.cache.cached_files, wanted_files: s.cache.wanted_files, wanted_bytes: s.cache.wanted_bytes, complete: s.cache.complete },
        storage: storage ? { quota: storage.quota, usage: storage.usage, free: storage.quota - storage.usage } : null,
        queued_plays: s.queued_plays,
        errors: this.errors.slice(-5).concat(this.cache.status.errors.slice(-5)),
      });
      this.online = true;
    } catch (e) {
      if (e instanceof AuthError) return this.unpair(e.message);
      this.online = false;
    }
  }

  state() {
    const m = this.manifest;
    return {
      paired: !!(this.device && this.device.token),
      online: this.online,
      screen_id: (m && m.screen.id) || (this.device && this.device.screen_id) || null,
      screen_name: m ? m.screen.name : null,
      manifest_etag: this.etag,
      manifest_from_cache: this.fromCache,
      manifest_plays: m ? m.zones.main.length : 0,
      item: this.item,
      cached_bytes: this.cache.status.cached_bytes,
      cache: this.cache.status,
      queued_plays: this.plays ? this.plays.count : 0,
      sent_plays: this.plays ? this.plays.sent : 0,
      recorded_plays: Number(localStorage.getItem(RECORDED_KEY) || 0),
      connection: this.push ? (this.push.connected ? 'websocket' : 'polling') : 'none',
      clock_offset_ms: this.clock.offset,
      clock_rtt_ms: this.clock.rtt,
      blank_frames: this.main ? this.main.blankFrames : 0,
      late_frames: this.main ? this.main.lateFrames : 0,
      transitions: this.main ? this.main.transitions.length : 0,
      loads: this.loads,
      errors: this.errors.slice(),
    };
  }
}

function sleepJitter(ms) {
  return new Promise((r) => setTimeout(r, ms * (0.75 + Math.random() * 0.5)));
}

const player = new Player();
window.twincast = {
  /** Observable state for tests and tools. */
  state: () => player.state(),
  /** Items shown since the page loaded: `{id, kind, partner, campaign, item, started_at, scheduled_start}`. */
  history: () => player.history.slice(),
  /** Measured transitions: `{id, boundary, swapped, shown}` in server-clock ms. */
  transitions: () => (player.main ? player.main.transitions.slice() : []),
  /** Position error of the playing video against the synced clock (ms), or null. */
  videoError: () => (player.main ? player.main.videoError() : null),
  /** Synced server time (ms). */
  now: () => player.clock.now(),
  /** Flushes queued proof of play now. */
  flush: () => (player.plays ? player.plays.flush() : Promise.resolve()),
  /** The normalized manifest. */
  manifest: () => player.manifest,
};
player.boot().catch((e) => player.error(`boot: ${e.message}`));
