// Twincast web player: boot, pairing, manifest, playback loop, push, proof of play, heartbeats, state().

import { Api, AuthError } from './api.js';
import { Clock } from './clock.js';
import { openDb, Kv, PlayQueue, newEventId } from './plays.js';
import { normalize, alertAt, mediaOrder } from './manifest.js';
import { catalogues } from './slides.js';
import { MainZone, TickerZone, ClockZone } from './render.js';
import { Push } from './push.js';
import { MediaCache } from './cache.js';
import { DebugOverlay } from './debug.js';
import { probeDecodes } from './decodes.js';
import { newDeviceKey, signBatch } from './signing.js';

const DEVICE_KEY = 'twincast.device';
const RECORDED_KEY = 'twincast.recorded';
const VERSION = '0.1.0';
const POLL_MS = [30_000, 60_000]; // manifest polling while the push channel is down (jittered)
const SAFETY_POLL_MS = 300_000; // and, rarely, while it is up
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
    this.commandsSeen = new Set();
    this.freeZones = new Map(); // free zone name → {zone: MainZone (its items loop there) | ClockZone, content}
    this.commandResults = [];
    this.timings = { push_at: null, fetch_started: null, fetch_done: null, applied: null, apply_ms: null };
    // The latest pushes received (type and time), for the page's state: a push can follow another at once.
    this.pushes = [];
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
      this.plays = new PlayQueue(this.db, (events) => this.sendPlays(events));
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

  // ---- Texts ---------------------------------------------------------------------------------------------

  /**
   * Loads the player's messages in the browser's language (ru, zh or en) from the server's catalogue
   * (`/i18n/<lang>.json`, the same Fluent catalogue as the console) and applies them to `[data-i18n]` elements.
   * Offline or on error the page keeps its English text.
   */
  async localize() {
    const langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en']);
    this.lang = (langs.map((l) => String(l).toLowerCase().split('-')[0]).find((l) => ['en', 'ru', 'zh'].includes(l))) || 'en';
    this.messages = {};
    try {
      const res = await fetch(`/i18n/${this.lang}.json`, { cache: 'no-cache' });
      if (res.ok) this.messages = await res.json();
    } catch (_) { /* offline: English */ }
    document.documentElement.lang = Object.keys(this.messages).length ? this.lang : 'en';
    // An alert is shown in the language of its CAP block, which may not be the browser's: its severity words
    // come from that language's catalogue (loaded once; offline, the English built in).
    catalogues[this.lang] = this.messages;
    for (const l of ['en', 'ru', 'zh'].filter((l) => !catalogues[l])) {
      fetch(`/i18n/${l}.json`, { cache: 'no-cache' })
        .then((r) => (r.ok ? r.json() : null))
        .then((m) => { if (m) catalogues[l] = m; })
        .catch(() => {});
    }
    for (const el of document.querySelectorAll('[data-i18n]')) {
      const m = this.messages[el.dataset.i18n];
      if (m) el.textContent = m;
    }
  }

  /** Message `id` with `{ $name }` placeholders filled from `args`, or `fallback`. */
  t(id, args, fallback) {
    const m = this.messages && this.messages[id];
    if (!m) return fallback;
    return m.replace(/\{ *\$([a-z_]+) *\}/g, (_, k) => (args && k in args ? String(args[k]) : ''));
  }

  // ---- Pairing -------------------------------------------------------------------------------------------

  async pair() {
    await this.localize();
    const view = $('#pairing');
    const codeEl = view.querySelector('[data-pairing-code]');
    const status = $('#pairing-status');
    view.hidden = false;
    $('#layout').hidden = true;
    let backoff = 1000;
    // The proof-of-play key of the device this pairing makes (null: no WebCrypto Ed25519 here, unsigned plays).
    const key = this.kv ? await newDeviceKey() : null;
    for (;;) {
      let pairing;
      try {
        const info = { player_version: `web-${VERSION}`, user_agent: navigator.userAgent.slice(0, 400), width: screen.width, height: screen.height };
        if (key) info.public_key = key.publicKey;
        pairing = await this.api.startPairing(info);
        backoff = 1000;
      } catch (e) {
        status.textContent = this.t('player-waiting', { reason: e.message }, `Waiting for the server… (${e.message})`);
        await sleepJitter(backoff);
        backoff = Math.min(backoff * 2, 15_000);
        continue;
      }
      codeEl.textContent = pairing.code;
      codeEl.setAttribute('data-pairing-code', pairing.code);
      status.textContent = pairing.expires_at ? this.t('player-code-valid-until', { time: new Date(pairing.expires_at).toLocaleTimeString(this.lang) }, `Code valid until ${new Date(pairing.expires_at).toLocaleTimeString()}`) : '';
      for (;;) {
        if (pairing.expires_at && this.clock.now() > pairing.expires_at) break;
        let r;
        try {
          r = await this.api.pollPairing(pairing);
        } catch (e) {
          if (e instanceof AuthError) break; // expired or unknown: get a new code
          status.textContent = this.t('player-waiting', { reason: e.message }, `Waiting for the server… (${e.message})`);
          await sleepJitter(2000);
          continue;
        }
        if (r && r.status === 'paired' && r.token) {
          if (key) await this.kv.set('device_key', key.keyPair);
          this.device = { token: r.token, screen_id: r.screen_id || null, device_id: r.device_id || null, signs: !!key };
          localStorage.setItem(DEVICE_KEY, JSON.stringify(this.device));
          codeEl.textContent = '';
          codeEl.setAttribute('data-pairing-code', '');
          view.hidden = true;
          return;
        }
        if (!(r && r.status === 'pending')) await sleepJitter(pairing.poll_interval_ms || 2000);
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
      if (saved && saved.text) this.apply(JSON.parse(saved.text), saved.etag, true);
    } catch (e) {
      this.error(`saved manifest: ${e.message}`);
    }
    // What this browser decodes goes with the first heartbeats, so the first manifest already names files it plays.
    try {
      this.decodes = await probeDecodes();
    } catch (e) {
      this.error(`codecs: ${e.message}`);
    }
    await this.syncClock();
    await this.fetchManifest();
    this.push = new Push(() => this.api.wsUrl(this.device), (m) => this.onPush(m), (c) => this.onPushState(c), () => this.unpair('token refused by the push channel'));
    this.push.start();
    setInterval(() => this.poll(), 1000);
    this.scheduleHeartbeat(HEARTBEAT_MS);
    if (this.plays) this.plays.flush();
    addEventListener('online', () => { this.fetchManifest(); if (this.plays) this.plays.flush(); });
  }

  /** A few heartbeats in a row: their round trips are the clock samples (the shortest one wins). */
  async syncClock() {
    for (let i = 0; i < 3; i++) {
      if (!(await this.heartbeat())) break;
    }
    if (this.kv) this.kv.set('clock_offset', this.clock.offset).catch(() => {});
  }

  /**
   * After a push: first a one-hour manifest (quick for the server to plan, so the change or alert reaches the
   * screen fast), then the full horizon. The short one is neither cached nor used to evict media.
   */
  async fetchChange() {
    try {
      const r = await this.api.manifest(this.device, null, 1);
      if (r.status === 200 && !r.fromCache) {
        this.apply(JSON.parse(r.text), this.etag, false, { short: true });
        this.needFull = true; // the full horizon must come next, whatever the ETag says
      }
    } catch (e) {
      if (e instanceof AuthError) return this.unpair(e.message);
    }
    return this.fetchManifest();
  }

  /** Fetches the manifest (If-None-Match); concurrent calls share one request. */
  fetchManifest() {
    if (this.fetching) return this.fetching;
    this.fetching = (async () => {
      this.lastPoll = Date.now();
      this.timings.fetch_started = Math.round(this.clock.now());
      try {
        const r = await this.api.manifest(this.device, this.needFull ? null : this.etag);
        this.timings.fetch_done = Math.round(this.clock.now());
        this.online = !r.fromCache;
        if (r.status === 200) {
          this.apply(JSON.parse(r.text), r.etag, r.fromCache);
          if (!r.fromCache) this.needFull = false;
        }
        if (!r.fromCache && this.push) this.push.kick();
        if (r.status === 200) {
          // Kept as text: cloning a string into IndexedDB is cheap, cloning the parsed object is not.
          if (!r.fromCache && this.kv) await this.kv.set('manifest', { text: r.text, etag: r.etag });
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

  apply(raw, etag, fromCache, { short = false } = {}) {
    let m;
    try {
      m = normalize(raw);
    } catch (e) {
      this.error(`manifest rejected: ${e.message}`);
      return;
    }
    const t0 = performance.now();
    const now = this.clock.now();
    const old = this.manifest;
    const immediate = !old || alertAt(old.zones.main, now) !== alertAt(m.zones.main, now);
    this.manifest = m;
    this.etag = etag || m.etag;
    this.fromCache = fromCache;
    const layout = $('#layout');
    // Fullscreen (the grid without bands) only for a layout of one zone; zones with geometry are placed absolutely.
    layout.classList.toggle('fullscreen', !m.layout.ticker && Object.keys(m.layout.zones).length <= 1);
    this.placeZones(m.layout.zones, m.zones.free);
    $('#stage').classList.toggle('portrait', this.portrait());
    $('#stage').classList.toggle('landscape', !this.portrait());
    this.main.setPlays(m.zones.main, { immediate });
    this.ticker.setPlays(m.zones.ticker);
    this.clockZone.setZone(m.screen.tz || 'UTC');
    for (const [name, f] of this.freeZones) {
      if (f.content) f.zone.setPlays(m.zones.free[name] || []);
      else f.zone.setZone(m.screen.tz || 'UTC');
    }
    if (!short) this.cache.sync(mediaOrder(m, now));
    this.timings.applied = Math.round(this.clock.now());
    this.timings.apply_ms = Math.round(performance.now() - t0);
  }

  /**
   * Places the zones where the layout says (fractions of the stage, in drawing order: a later zone is drawn over
   * an earlier one); without geometry the CSS grid applies. Zones other than main, ticker and clock (free zones
   * of an assigned layout) loop the items the manifest has for them (`free`), like a main zone without a play
   * list of its own, or show local time and date when they have none.
   */
  placeZones(zones, free = {}) {
    const map = { main: '#zone-main', ticker: '#zone-ticker', clock: '#zone-clock' };
    const geo = zones && zones.main;
    const layout = $('#layout');
    layout.classList.toggle('geometry', !!geo);
    const order = zones ? Object.keys(zones) : [];
    const place = (el, z, name) => {
      const depth = order.indexOf(name) + 1;
      el.style.cssText = geo && z ? `left:${z.x * 100}%;top:${z.y * 100}%;width:${z.w * 100}%;height:${z.h * 100}%;z-index:${depth}` : '';
    };
    for (const [name, sel] of Object.entries(map)) {
      const el = $(sel);
      place(el, zones && zones[name], name);
      if (geo && name !== 'main') el.hidden = !zones[name];
    }
    for (const el of layout.querySelectorAll('.zone-free')) {
      const name = el.dataset.zone;
      const f = this.freeZones.get(name);
      // Gone from the layout, or switching between content and clock: rebuilt below.
      if (!geo || !zones[name] || !f || f.content !== !!free[name]) {
        if (f && f.content) for (const e of f.zone.entries.values()) e.dispose();
        el.remove();
        this.freeZones.delete(name);
      }
    }
    for (const name of geo ? order.filter((n) => !map[n]) : []) {
      let el = layout.querySelector(`.zone-free[data-zone="${CSS.escape(name)}"]`);
      if (!el) {
        el = document.createElement('div');
        el.dataset.zone = name;
        if (free[name]) {
          el.className = 'zone zone-free zone-content';
          const zone = new MainZone(el, this.clock, {
            onSwap: () => {},
            onError: (msg) => this.error(`zone ${name}: ${msg}`),
          });
          this.freeZones.set(name, { zone, content: true });
        } else {
          el.className = 'zone zone-free zone-clock';
          el.innerHTML = '<span class="clock-time"></span><span class="clock-date"></span>';
          this.freeZones.set(name, { zone: new ClockZone(el), content: false });
        }
        layout.appendChild(el);
      }
      place(el, zones[name], name);
    }
    const band = zones && zones.ticker;
    if (geo && band) layout.style.setProperty('--band-h', `${band.h * 100}vh`);
    else layout.style.removeProperty('--band-h');
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
      for (const f of this.freeZones.values()) f.zone.frame(f.content ? ts : now);
    }
    this.debug.frame(ts);
  }

  poll() {
    const connected = this.push && this.push.connected;
    if (!this.nextPoll) this.nextPoll = POLL_MS[0] + Math.random() * (POLL_MS[1] - POLL_MS[0]);
    const every = connected ? SAFETY_POLL_MS : this.nextPoll;
    const stale = this.manifest && this.manifest.refreshBefore && this.clock.now() >= this.manifest.refreshBefore;
    if (Date.now() - this.lastPoll >= every || (stale && Date.now() - this.lastPoll >= 5000)) {
      this.nextPoll = null;
      this.fetchManifest();
    }
    if (!this.cache.status.complete && Date.now() - (this.lastCacheKick || 0) > 15_000 && this.manifest) {
      this.lastCacheKick = Date.now();
      this.cache.lastList = null;
      this.cache.sync(mediaOrder(this.manifest, this.clock.now()));
    }
  }

  onPushState(connected) {
    if (!connected) this.online = false; // until a request succeeds again
    if (connected) {
      this.online = true;
      this.fetchManifest();
      if (this.plays) this.plays.flush();
    }
  }

  onPush(msg) {
    this.timings.push_at = Math.round(this.clock.now());
    this.timings.push_type = msg.type;
    this.pushes.push({ type: msg.type, at: this.timings.push_at });
    if (this.pushes.length > 20) this.pushes.shift();
    switch (msg.type) {
      case 'hello':
        if (!msg.etag || msg.etag !== this.etag) this.fetchManifest();
        break;
      case 'manifest_changed':
      case 'alert':
        // Fetch at once; apply() switches immediately when the alert on air changes, else at the next boundary.
        if (!msg.etag || msg.etag !== this.etag) this.fetchChange();
        break;
      case 'ping':
        this.push.send({ type: 'pong', server_time: msg.server_time });
        break;
      case 'command':
        this.command(msg).catch((e) => this.error(`command: ${e.message}`));
        break;
      case 'revoked':
        this.unpair('token revoked');
        break;
      default:
        break;
    }
  }

  /**
   * Runs an operator's command once per id (a command may arrive twice around a reconnect) and answers it with
   * `done` and a result or `failed` and an error (§4): over the socket, or over HTTP when the socket is down or
   * the page is about to reload.
   */
  async command(msg) {
    const id = msg.id;
    if (!id || this.commandsSeen.has(id)) return;
    this.commandsSeen.add(id);
    if (this.commandsSeen.size > 500) this.commandsSeen.delete(this.commandsSeen.values().next().value);
    const args = (msg.args && typeof msg.args === 'object') ? msg.args : {};
    let answer;
    try {
      answer = { status: 'done', result: await this.runCommand(msg.command, args, id) };
    } catch (e) {
      answer = { status: 'failed', error: String(e && e.message || e).slice(0, 2000) };
      this.error(`command ${msg.command}: ${answer.error}`);
    }
    if (answer.status === 'done' && answer.result === null) return; // answered already (reload)
    this.commandResults.push({ id, command: msg.command, ...answer });
    if (this.commandResults.length > 50) this.commandResults.shift();
    await this.answerCommand(id, answer);
  }

  async answerCommand(id, answer) {
    if (this.push && this.push.send({ type: 'command_result', id, ...answer })) return;
    try {
      await this.api.commandResult(this.device, id, answer);
    } catch (e) {
      this.error(`command result: ${e.message}`);
    }
  }

  /** Carries out one command; returns its result text (null when it answered itself), throws when it fails. */
  async runCommand(cmd, args, id) {
    if (cmd === 'reload') {
      // Answered over HTTP before the page goes away (a socket frame could be lost with the page).
      await this.api.commandResult(this.device, id, { status: 'done', result: 'reloading' }).catch(() => {});
      location.reload();
      return null;
    }
    if (cmd === 'identify') {
      const el = $('#identify');
      const secs = Math.min(300, Math.max(1, Number(args.seconds) || 10));
      el.textContent = this.manifest ? this.manifest.screen.name || this.manifest.screen.id : (this.device && this.device.screen_id) || '';
      el.hidden = false;
      clearTimeout(this.identifyTimer);
      this.identifyTimer = setTimeout(() => { el.hidden = true; }, secs * 1000);
      return `shown for ${secs} s: ${el.textContent}`;
    }
    if (cmd === 'screenshot') return this.screenshot();
    if (cmd === 'clear_cache') return this.clearCache();
    throw new Error(`unknown command ${cmd}`);
  }

  /** Empties the media cache and has the Service Worker fetch the horizon's media again. */
  async clearCache() {
    if (typeof caches === 'undefined') throw new Error('no Cache Storage in this browser');
    const media = await caches.open('twincast-media');
    const n = (await media.keys()).length;
    await caches.delete('twincast-media');
    this.cache.lastList = null;
    if (this.manifest) this.cache.sync(mediaOrder(this.manifest, this.clock.now()));
    return `media cache cleared (${n} files), refilling`;
  }

  /**
   * A page cannot read its own pixels, so the screenshot is re-drawn: the main zone's current video frame or
   * image (same origin, so the canvas stays readable) or the slide's text, plus the ticker line.
   */
  async screenshot() {
    const stage = $('#stage').getBoundingClientRect();
    const c = document.createElement('canvas');
    c.width = Math.round(stage.width);
    c.height = Math.round(stage.height);
    const g = c.getContext('2d');
    g.fillStyle = '#0b1320';
    g.fillRect(0, 0, c.width, c.height);
    const mainBox = $('#zone-main').getBoundingClientRect();
    const cur = this.main && this.main.current;
    let shows = 'nothing playing';
    if (cur && (cur.video || cur.el instanceof HTMLImageElement)) {
      shows = cur.video ? `video frame at ${cur.video.currentTime.toFixed(2)} s` : 'image';
      const src = cur.video || cur.el;
      const w = cur.video ? src.videoWidth : src.naturalWidth;
      const h = cur.video ? src.videoHeight : src.naturalHeight;
      const k = Math.min(mainBox.width / w, mainBox.height / h);
      g.drawImage(src, mainBox.x + (mainBox.width - w * k) / 2, mainBox.y + (mainBox.height - h * k) / 2, w * k, h * k);
    } else if (cur) {
      shows = `${cur.play ? cur.play.kind : 'slide'} text`;
      g.fillStyle = '#f4f6fb';
      g.font = `bold ${Math.round(mainBox.height / 10)}px sans-serif`;
      g.fillText((cur.el.innerText || '').split('\n').filter(Boolean).slice(0, 2).join('  '), mainBox.x + 40, mainBox.y + mainBox.height / 2, mainBox.width - 80);
    }
    const tick = $('.ticker-text');
    if (!$('#zone-ticker').hidden && tick.textContent) {
      const b = tick.getBoundingClientRect();
      g.fillStyle = '#f4f6fb';
      g.font = `${Math.round(b.height * 0.42)}px sans-serif`;
      g.fillText(tick.textContent, b.x + 10, b.y + b.height * 0.65, b.width - 20);
    }
    const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
    if (!blob) throw new Error('the canvas could not be encoded');
    await this.api.screenshot(this.device, blob);
    return `${c.width}x${c.height} png, ${shows}`;
  }

  async onSwap(prev, next, info) {
    this.item = { id: next.id, kind: next.kind, partner: next.partner || null, campaign: next.campaign || null, item: next.item || null, alert: next.alert ? next.alert.id : null, started_at: Math.round(info.at), scheduled_start: next.start };
    this.history.push(this.item);
    if (this.history.length > 5000) this.history.shift();
    if (info.failed) this.error(info.failed);
    if (!prev || info.prevShownAt === null || prev.kind === 'idle') return;
    const toDevice = (t) => Math.round(t - this.clock.offset);
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
      planned_ms: Number.isFinite(prev.end - prev.start) ? Math.round(prev.end - prev.start) : null,
      media: (typeof prev.src === 'string' && (prev.src.match(/\/media\/([0-9a-f]{64})\./) || [])[1]) || null,
      duration_ms: Math.round(info.at - info.prevShownAt),
      device_started_at: toDevice(info.prevShownAt),
      device_ended_at: toDevice(info.at),
    };
    try {
      if (this.plays) await this.plays.record(ev);
      localStorage.setItem(RECORDED_KEY, String(Number(localStorage.getItem(RECORDED_KEY) || 0) + 1));
    } catch (e) {
      this.error(`proof of play not recorded: ${e.message}`);
    }
  }

  /** Sends a batch, signed when this device registered a key at pairing (docs/proof-of-play.md). */
  async sendPlays(events) {
    const d = this.device;
    if (!d || !d.signs) return this.api.sendPlays(d, events);
    const keyPair = await this.kv.get('device_key');
    if (!keyPair || !d.device_id) {
      // The key is gone (storage cleared): the server would refuse unsigned batches; pair again.
      this.unpair('proof-of-play key lost');
      throw new Error('proof-of-play key lost');
    }
    return this.api.sendPlays(d, events, async (list) => {
      // Sequence numbers only grow: at least the clock's ms, above the last one sent (a retry is a new batch
      // whose events the server already knows by id).
      const seq = Math.max(Date.now(), (Number(await this.kv.get('plays_seq')) || 0) + 1);
      await this.kv.set('plays_seq', seq);
      return signBatch(keyPair.privateKey, d.device_id, seq, list);
    });
  }

  scheduleHeartbeat(ms) {
    clearTimeout(this.hbTimer);
    this.hbTimer = setTimeout(async () => {
      await this.heartbeat();
      this.scheduleHeartbeat(this.nextHeartbeat || HEARTBEAT_MS);
    }, ms);
  }

  /** Sends a heartbeat (§5); true when the server answered. */
  async heartbeat() {
    if (!this.device) return false;
    let free = null;
    try {
      const est = navigator.storage && navigator.storage.estimate ? await navigator.storage.estimate() : null;
      if (est) free = Math.max(0, est.quota - est.usage);
    } catch (_) { /* not available */ }
    const s = this.state();
    const body = {
      player_version: `web-${VERSION}`,
      cache: { items_total: s.cache.wanted_files, items_cached: s.cache.cached_files, bytes_cached: s.cached_bytes },
      errors: this.errors.slice(-10).map((m) => ({ at: Math.round(this.clock.now()), code: 'player', message: m.slice(0, 500) }))
        .concat(this.cache.status.errors.slice(-5).map((m) => ({ at: Math.round(this.clock.now()), code: 'cache', message: m.slice(0, 500) }))),
    };
    if (s.manifest_etag) body.manifest_etag = s.manifest_etag;
    if (s.item && s.item.kind !== 'idle') {
      body.current = { started_at: s.item.started_at };
      if (s.item.campaign) body.current.campaign = s.item.campaign;
      if (s.item.alert) body.current.alert = s.item.alert;
      if (s.item.item) body.current.item = s.item.item;
    }
    if (free !== null) body.storage_free_bytes = free;
    if (this.decodes) body.decodes = this.decodes;
    try {
      const r = await this.api.heartbeat(this.device, body);
      if (r && r.next_heartbeat_ms >= 1000) this.nextHeartbeat = r.next_heartbeat_ms;
      this.online = true;
      if (this.plays && this.plays.count > 0) this.plays.flush();
      if (this.push) this.push.kick();
      return true;
    } catch (e) {
      if (e instanceof AuthError) this.unpair(e.message);
      else this.online = false;
      return false;
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
      layout: m ? { name: m.layout.name, zones: Object.keys(m.layout.zones) } : null,
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
      long_frames: this.main ? this.main.longFrames : 0,
      max_frame_gap_ms: this.main ? Math.round(this.main.maxFrameGap) : 0,
      long_frame_log: this.main ? this.main.longFrameLog.slice() : [],
      transitions: this.main ? this.main.transitions.length : 0,
      loads: this.loads,
      errors: this.errors.slice(),
      command_results: this.commandResults.slice(),
      timings: { ...this.timings },
      pushes: this.pushes.slice(),
      decodes: this.decodes || null,
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
  /**
   * Measured transitions: `{id, kind, boundary, swapped, shown}` in server-clock ms, plus `prepared`/`ready`: how long
   * before the boundary the item's layer was created and could paint (ms; negative = after, null = never ready).
   */
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
