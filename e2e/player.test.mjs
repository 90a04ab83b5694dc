// The web player's end-to-end tests, against a real `twincast demo` server and Debian's Chromium.

import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Api, CHROMIUM_ARGS, until, sleep, assert, frameStats, percentile, ROOT } from './lib.mjs';

/** The manifest's `plays` as [offset, duration, ref, truncated] (format 2 omits the offset of a contiguous play). */
function decodePlays(plays) {
  const out = [];
  let prevEnd = 0;
  for (const p of plays) {
    const e = p.length === 4 ? p : [prevEnd, p[0], p[1], p.length === 3 ? p[2] : 0];
    out.push(e);
    prevEnd = e[0] + e[1];
  }
  return out;
}

const ITEM_MS = 2500; // test campaigns use short items so that a run sees many transitions

/** Shared state of one run: the server, an operator API client, the browsers and the measurements. */
export class Context {
  constructor(server, { screenshots = false, bench = false } = {}) {
    this.server = server;
    this.opts = { screenshots, bench };
    this.browsers = [];
    this.profiles = 0;
    this.bench = { gaps_ms: [], change_to_frame_ms: [], change_notified_ms: [], alert_ms: [], alert_end_ms: [], sync_spread_ms: [], sync_video_spread_ms: [] };
  }

  async setup() {
    const token = this.server.cli(['token', 'create', '--user', 'admin', '--name', 'e2e']);
    this.api = new Api(this.server.base, token);
    const screens = (await this.api.get('/api/v1/screens?limit=500')).json.items;
    assert(screens.length >= 4, 'the demo has screens');
    this.screens = screens;
    this.landscape = screens.filter((s) => (s.orientation || (s.width >= s.height ? 'landscape' : 'portrait')) === 'landscape');
    this.portrait = screens.filter((s) => (s.orientation || (s.width >= s.height ? 'landscape' : 'portrait')) === 'portrait');
    this.testMedia = await this.uploadTestMedia();
  }

  /** A short test video (generated with ffmpeg, which must be installed), uploaded for the first partner. */
  async uploadTestMedia() {
    const partners = (await this.api.get('/api/v1/partners?limit=500')).json.items;
    this.partners = partners.map((p) => p.slug);
    const slug = this.partners[0];
    const out = {};
    const dir = path.join(this.server.dir, 'e2e-media');
    mkdirSync(dir, { recursive: true });
    const gen = [
      ['video', 'clip.mp4', ['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${ITEM_MS / 1000}`, '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-g', '30', '-movflags', '+faststart']],
    ];
    for (const [kind, name, args] of gen) {
      const file = path.join(dir, name);
      // No silent fallback: without the video the tests would not reach video playback, so that is a failure.
      const r = spawnSync('ffmpeg', ['-y', '-loglevel', 'error', ...args, file]);
      if (r.error || r.status !== 0) throw new Error(`ffmpeg could not make the test ${kind} (${r.error || r.stderr})`);
      const form = new FormData();
      form.set('partner', slug);
      form.set('file', new Blob([readFileSync(file)]), name);
      const res = await fetch(`${this.server.base}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${this.api.token}` }, body: form });
      if (!res.ok) throw new Error(`upload of the test ${kind}: HTTP ${res.status} ${await res.text()}`);
      out[kind] = { ...(await res.json()), partner: slug };
    }
    const images = (await this.api.get('/api/v1/media?kind=image&limit=200')).json.items;
    out.images = images;
    return out;
  }

  /** Campaigns with short items for the given screens, at a priority above the demo's rotation. */
  async testCampaigns(screenIds, { priority = 50, tag = 'e2e' } = {}) {
    const ids = [];
    const parts = this.partners.slice(1, 4);
    for (const [i, slug] of parts.entries()) {
      const items = [{ kind: 'html', template: 'partner_card', data: { city: `${slug} ${tag}`, country: 'Test', text: `${tag} card ${i}` }, duration_ms: ITEM_MS }];
      const img = this.testMedia.images.find((m) => m.partner === slug);
      if (img) items.push({ kind: 'image', media_id: img.id, duration_ms: ITEM_MS });
      const c = await this.api.post('/api/v1/campaigns', { name: `${tag} ${slug}`, partner: slug, priority, targets: { screens: screenIds }, items });
      ids.push(c.json.id);
    }
    if (this.testMedia.video) {
      const v = this.testMedia.video;
      const c = await this.api.post('/api/v1/campaigns', { name: `${tag} video`, partner: v.partner, priority, targets: { screens: screenIds }, items: [{ kind: 'video', media_id: v.id, duration_ms: ITEM_MS }] });
      ids.push(c.json.id);
    }
    return ids;
  }

  async launch({ width = 1280, height = 720, locale = undefined } = {}) {
    const dir = path.join(this.server.dir, 'profiles', String(this.profiles++));
    mkdirSync(dir, { recursive: true });
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: process.env.TWINCAST_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width, height },
      ...(locale ? { locale } : {}),
    });
    this.browsers.push(context);
    const page = context.pages()[0] || (await context.newPage());
    page.on('pageerror', (e) => console.log(`     page error: ${e.message}`));
    return { context, page };
  }

  /** Opens /player, reads the pairing code, claims it for `screenId` and waits until the page plays. */
  async pair(page, screenId, query = '') {
    await page.goto(`${this.server.base}/player${query}`);
    const code = await until(async () => {
      const c = await page.getAttribute('[data-pairing-code]', 'data-pairing-code');
      return c && c.trim();
    }, 'a pairing code', 20_000);
    await this.api.post(`/api/v1/pairings/${encodeURIComponent(code)}/claim`, { screen_id: screenId });
    await until(() => page.evaluate(() => {
      const st = window.twincast.state();
      return st.paired && st.manifest_etag && st.item && st.item.kind !== 'idle';
    }), 'the first item', 30_000);
    return code;
  }

  state(page) {
    return page.evaluate(() => window.twincast.state());
  }

  history(page) {
    return page.evaluate(() => window.twincast.history());
  }

  /** Waits until `n` more items have started on `page`. */
  async transitions(page, n, timeout = n * ITEM_MS * 3 + 10_000) {
    const start = (await this.history(page)).length;
    await until(async () => (await this.history(page)).length >= start + n, `${n} transitions`, timeout, 100);
  }

  deviceToken(page) {
    return page.evaluate(() => JSON.parse(localStorage.getItem('twincast.device')).token);
  }

  /** The manifest as the server gives it to this page's device token. */
  async manifest(page) {
    const token = await this.deviceToken(page);
    return (await new Api(this.server.base, token).get('/api/v1/player/manifest')).json;
  }

  async playsTotal(screenId) {
    return (await this.api.get(`/api/v1/plays/summary?screen=${encodeURIComponent(screenId)}`)).json.total;
  }

  /** Adds the page's transitions (not yet collected, from `since` on) to the gap measurements. */
  async collectGaps(page, since = 0) {
    const tr = await page.evaluate(() => window.twincast.transitions());
    const seen = (this.seen ||= new Set());
    for (const t of tr) {
      const key = `${page.url()}|${t.id}|${t.shown}`;
      if (seen.has(key) || t.first || t.joined || t.kind === 'alert' || t.boundary < since) continue;
      seen.add(key);
      this.bench.gaps_ms.push(t.shown - t.boundary);
    }
  }

  async recover() {
    if (!this.server.proc) await this.server.start();
  }

  async close() {
    for (const b of this.browsers) await b.close().catch(() => {});
    this.browsers = [];
  }

  async report(root) {
    const b = this.bench;
    const summary = {
      date: new Date().toISOString(),
      command: 'node e2e/run.mjs --bench',
      transitions: b.gaps_ms.length,
      gap_median_ms: percentile(b.gaps_ms, 50),
      gap_p99_ms: percentile(b.gaps_ms, 99),
      gap_max_ms: percentile(b.gaps_ms, 100),
      change_to_frame_ms: b.change_to_frame_ms,
      change_notified_ms: b.change_notified_ms,
      alert_ms: b.alert_ms,
      alert_end_ms: b.alert_end_ms,
      sync_spread_median_ms: percentile(b.sync_spread_ms, 50),
      sync_spread_max_ms: percentile(b.sync_spread_ms, 100),
      sync_samples: b.sync_spread_ms.length,
      sync_video_spread_median_ms: percentile(b.sync_video_spread_ms, 50),
      sync_video_spread_max_ms: percentile(b.sync_video_spread_ms, 100),
    };
    mkdirSync(path.join(root, '.tmp'), { recursive: true });
    writeFileSync(path.join(root, '.tmp', 'player-bench.json'), JSON.stringify(summary, null, 2));
    console.log(`e2e: measurements ${JSON.stringify(summary)}`);
    if (this.opts.bench) writeBenchmarks(root, summary);
  }
}

function fmt(x) {
  return Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a';
}

function writeBenchmarks(root, s) {
  const file = path.join(root, 'docs', 'benchmarks.md');
  mkdirSync(path.dirname(file), { recursive: true });
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const list = (xs) => (xs.length ? xs.map((x) => x.toFixed(0)).join(', ') + ' ms' : 'n/a');
  const section = `## Web player

Measured in headless Chromium (Debian \`chromium\`, \`--disable-gpu\`, software rendering) on the 2-core machine,
against a real \`twincast demo\` server on loopback, by the end-to-end suite:

\`\`\`
${s.command}
\`\`\`

Run ${s.date.slice(0, 16).replace('T', ' ')} UTC.

| measure | result | goal |
|---|---|---|
| transition gap, median (${s.transitions} transitions: video, image, HTML) | ${fmt(s.gap_median_ms)} | < 50 ms |
| transition gap, p99 | ${fmt(s.gap_p99_ms)} | < 100 ms |
| transition gap, max | ${fmt(s.gap_max_ms)} | |
| campaign change → manifest on the page | ${list(s.change_notified_ms)} | ~1 s |
| campaign change → its first frame (waits for the item boundary by design) | ${list(s.change_to_frame_ms)} | next boundary |
| CAP alert accepted → on screen | ${list(s.alert_ms)} | < 1 s |
| alert cancelled → off screen | ${list(s.alert_end_ms)} | < 1 s |
| sync group of 3 pages: spread of the same transition, median / max (${s.sync_samples} transitions) | ${fmt(s.sync_spread_median_ms)} / ${fmt(s.sync_spread_max_ms)} | < 50 ms |
| sync group of 3 pages: spread of video positions, median / max | ${fmt(s.sync_video_spread_median_ms)} / ${fmt(s.sync_video_spread_max_ms)} | < 50 ms |

*Transition gap* is the time from an item's scheduled start (on the synced clock) to the first animation frame
presented after the incoming layer was raised. The outgoing item stays painted until then (double-buffered
layers), so the gap is lateness, never a black or white frame; the suite also checks screenshots for blank frames
and the player counts frames with nothing paintable (\`state().blank_frames\`, expected 0).
*Change → first frame* includes waiting for the current item to end (changes apply at the next boundary).
`;
  const re = /## Web player\n[\s\S]*?(?=\n## |$)/;
  const next = re.test(old) ? old.replace(re, section.trimEnd() + '\n') : `${old.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}

async function assertNotBlank(page, what) {
  const png = await page.screenshot({ type: 'png' });
  const s = frameStats(png);
  assert(s.black < 0.97 && s.white < 0.97 && s.colours > 2, `${what}: the frame is blank (${JSON.stringify(s)})`);
}

// ---- Tests ---------------------------------------------------------------------------------------------------

const shared = {};

/**
 * The page paired by the pairing test, which the following tests continue on. A test that cannot reach its feature
 * fails (there is no skip): when pairing failed, every test that needs the paired page fails too.
 */
function pairedPage() {
  assert(shared.page && shared.screen, 'a page paired by the pairing test (it failed, so this test cannot run)');
  return shared.page;
}

export const tests = [
  {
    name: 'renderer: double-buffered transitions between video, image and HTML never show an empty frame',
    timeout: 90_000,
    fn: async (ctx) => {
      const { page } = await ctx.launch({ width: 960, height: 540 });
      // A same-origin page without the player, into which the player's own modules are loaded.
      await page.goto(`${ctx.server.base}/healthz`);
      const media = [];
      if (ctx.testMedia.video) media.push({ kind: 'video', src: ctx.testMedia.video.url || `/media/${ctx.testMedia.video.sha256}.mp4` });
      for (const img of ctx.testMedia.images.slice(0, 2)) media.push({ kind: 'image', src: img.url || `/media/${img.sha256}.png` });
      media.push({ kind: 'html', template: 'partner_card', data: { city: 'Harness', country: 'Test', text: 'HTML slide' } });
      const result = await page.evaluate(async ({ media, itemMs, rounds }) => {
        document.body.innerHTML = '<div id="stage" class="stage"><div id="zone-main" class="zone zone-main" style="position:absolute;inset:0"></div></div>';
        const css = document.createElement('link');
        css.rel = 'stylesheet';
        css.href = '/player/player.css';
        document.head.append(css);
        const { MainZone } = await import('/player/js/render.js');
        const { Clock } = await import('/player/js/clock.js');
        const clock = new Clock();
        const errors = [];
        const zone = new MainZone(document.getElementById('zone-main'), clock, { onSwap: () => {}, onError: (e) => errors.push(e) });
        const t0 = Math.ceil(clock.now() / 1000) * 1000 + 1500;
        const plays = [];
        for (let i = 0; i < rounds * media.length; i++) {
          const m = media[i % media.length];
          plays.push({ id: `p${i}`, start: t0 + i * itemMs, end: t0 + (i + 1) * itemMs, kind: m.kind, src: m.src || null, template: m.template || null, data: m.data || null, partner: `partner${i % 3}` });
        }
        zone.setPlays(plays);
        const end = plays[plays.length - 1].end;
        await new Promise((resolve) => {
          const loop = (ts) => {
            zone.frame(ts);
            if (clock.now() < end - itemMs / 2) requestAnimationFrame(loop);
            else resolve();
          };
          requestAnimationFrame(loop);
        });
        return { transitions: zone.transitions, blank: zone.blankFrames, late: zone.lateFrames, errors };
      }, { media, itemMs: 1500, rounds: 4 });
      assert(result.errors.length === 0, `no playback errors: ${result.errors.join('; ')}`);
      assert(result.blank === 0, `no frame without content (${result.blank})`);
      const gaps = result.transitions.filter((t) => !t.first).map((t) => t.shown - t.boundary);
      assert(gaps.length >= media.length * 4 - 2, `saw the transitions (${gaps.length})`);
      ctx.bench.gaps_ms.push(...gaps);
      ctx.bench.harness_gaps = gaps.length;
      await page.context().close();
    },
  },
  {
    name: 'pairing: the page shows a code, the claim pairs it, the token is kept',
    timeout: 120_000,
    fn: async (ctx) => {
      // The player protocol is served: without a device token the manifest is refused, not missing.
      const probe = await fetch(`${ctx.server.base}/api/v1/player/manifest`);
      assert(probe.status === 401, `GET /api/v1/player/manifest without a token answers 401 (got ${probe.status})`);
      const screen = ctx.landscape.find((s) => (s.tags || []).includes('ticker')) || ctx.landscape[0];
      shared.campaigns = await ctx.testCampaigns([screen.id]);
      const { page } = await ctx.launch();
      await page.goto(`${ctx.server.base}/player`);
      const code = await until(async () => (await page.getAttribute('[data-pairing-code]', 'data-pairing-code'))?.trim(), 'a pairing code', 20_000);
      assert(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/.test(code), `code looks like a pairing code: ${code}`);
      assert(await page.isVisible('[data-pairing-code]'), 'the code is visible');
      const before = await ctx.state(page);
      assert(before.paired === false, 'not paired before the claim');
      await ctx.api.post(`/api/v1/pairings/${encodeURIComponent(code)}/claim`, { screen_id: screen.id });
      await until(() => page.evaluate(() => {
        const st = window.twincast.state();
        return st.manifest_etag && st.item && st.item.kind !== 'idle';
      }), 'the first item', 30_000);
      const s = await ctx.state(page);
      assert(s.paired === true, 'paired');
      assert(s.screen_id === screen.id, `screen ${s.screen_id} is ${screen.id}`);
      assert(typeof s.manifest_etag === 'string' && s.manifest_etag.length > 0, 'has a manifest etag');
      for (const k of ['online', 'cached_bytes', 'queued_plays']) assert(k in s, `state() has ${k}`);
      for (const k of ['id', 'kind', 'partner', 'started_at']) assert(k in s.item, `state().item has ${k}`);
      assert(await page.isHidden('[data-pairing-code]'), 'pairing view gone');
      // The token is kept: a reload starts playing without a new code.
      await page.reload();
      await until(() => page.evaluate(() => window.twincast && window.twincast.state().item), 'playing after reload', 20_000);
      assert((await ctx.state(page)).paired, 'still paired after reload');
      // The following tests continue on this page.
      shared.page = page;
      shared.screen = screen;
    },
  },
  {
    name: 'sequence: the page plays exactly what the engine computed (page state and proof of play)',
    timeout: 120_000,
    fn: async (ctx) => {
      const page = pairedPage();
      await ctx.transitions(page, 6);
      // Content items only, without the first one (joined mid-way when the page started). Looked up in the
      // page's manifest in the page (the play list is large), then checked against the server's raw manifest.
      // The schedule may change while the test runs (the demo is still settling after its start): then the page
      // takes the change at its next push, and the comparison is made again.
      let seen;
      let raw;
      let s;
      for (let attempt = 0; ; attempt += 1) {
        seen = await page.evaluate(() => {
          const m = window.twincast.manifest();
          const plays = m.zones.main;
          const idx = new Map(plays.map((p, i) => [p.start, i]));
          const hist = window.twincast.history().filter((h) => h.kind !== 'idle').slice(1);
          return { n: plays.length, etag: m.etag, rows: hist.map((h) => ({ h, i: idx.get(h.scheduled_start) ?? null })) };
        });
        raw = await ctx.manifest(page);
        s = await ctx.state(page);
        if (raw.etag === s.manifest_etag && seen.etag === s.manifest_etag) break;
        assert(attempt < 3, `the page holds the server's current manifest (${raw.etag} vs ${s.manifest_etag})`);
        await new Promise((r) => setTimeout(r, 2000));
      }
      const rawPlays = decodePlays(raw.plays);
      assert(raw.format === 2, `manifest format 2 (got ${raw.format})`);
      assert(rawPlays.length === seen.n, `same number of plays (${rawPlays.length} vs ${seen.n})`);
      assert(seen.rows.length >= 5, `saw ${seen.rows.length} items`);
      let prevIdx = null;
      for (const { h, i } of seen.rows) {
        assert(i !== null, `item ${h.id} starts on an engine boundary`);
        const [off, dur, ref] = rawPlays[i];
        assert(raw.horizon.from + off === h.scheduled_start, `play ${i} starts when the engine says`);
        assert(ref >= 0 && raw.items[ref].item === h.item && raw.items[ref].campaign === h.campaign && raw.items[ref].partner === h.partner,
          `item at ${h.scheduled_start} is the engine's (${JSON.stringify(raw.items[ref])} vs ${h.campaign}/${h.item})`);
        assert(dur > 0, 'positive duration');
        if (prevIdx !== null) assert(i === prevIdx + 1, `no item skipped or repeated (${prevIdx} → ${i})`);
        prevIdx = i;
        assert(Math.abs(h.started_at - h.scheduled_start) < 250, `item ${h.id} started on time (${h.started_at - h.scheduled_start} ms)`);
      }
      // Proof of play: every recorded play arrives, once.
      await page.evaluate(() => window.twincast.flush());
      await until(async () => (await ctx.state(page)).queued_plays === 0, 'plays flushed', 20_000);
      const recorded = (await ctx.state(page)).recorded_plays;
      assert(recorded >= 6, `recorded ${recorded} plays`);
      assert((await ctx.playsTotal(shared.screen.id)) === recorded, `server counted ${await ctx.playsTotal(shared.screen.id)} plays, page recorded ${recorded}`);
      await ctx.collectGaps(page);
    },
  },
  {
    name: 'offline: server stopped → keeps playing from cache without a blank frame; back → plays arrive once',
    timeout: 150_000,
    fn: async (ctx) => {
      const page = pairedPage();
      await until(async () => (await ctx.state(page)).cache.complete, 'the media cache to be complete', 60_000, 200);
      const blank0 = (await ctx.state(page)).blank_frames;
      await ctx.server.stop();
      const h0 = (await ctx.history(page)).length;
      // Watch the screen until 3 more items have started (an observable state, not a fixed time): every frame
      // looked at has content. A page that stops changing items fails by the test's time limit.
      do {
        await assertNotBlank(page, 'offline playback');
        await sleep(150);
      } while ((await ctx.history(page)).length < h0 + 3);
      const s = await ctx.state(page);
      assert(s.blank_frames === blank0, `no frame without content (${s.blank_frames - blank0})`);
      assert(s.queued_plays > 0, 'plays queued while offline');
      assert(s.online === false, 'the page knows it is offline');
      await ctx.server.start();
      await until(async () => (await ctx.state(page)).queued_plays === 0, 'queued plays flushed after the server came back', 60_000, 200);
      const recorded = (await ctx.state(page)).recorded_plays;
      await until(async () => (await ctx.playsTotal(shared.screen.id)) === recorded, `server total = ${recorded} recorded plays`, 30_000, 200);
    },
  },
  {
    name: 'offline reload: a reload while the server is down resumes from cache',
    timeout: 120_000,
    fn: async (ctx) => {
      const page = pairedPage();
      await ctx.server.stop();
      await page.reload();
      await until(() => page.evaluate(() => window.twincast && window.twincast.state().item), 'an item after the offline reload', 20_000);
      await ctx.transitions(page, 2);
      const s = await ctx.state(page);
      assert(s.paired && s.online === false, 'paired and offline');
      await assertNotBlank(page, 'after offline reload');
      await ctx.server.start();
      await until(async () => (await ctx.state(page)).queued_plays === 0, 'plays flushed', 60_000, 200);
      const recorded = (await ctx.state(page)).recorded_plays;
      await until(async () => (await ctx.playsTotal(shared.screen.id)) === recorded, 'every play arrived once', 30_000, 200);
    },
  },
  {
    name: 'alert: a CAP alert preempts the rotation at once and ends when cancelled',
    timeout: 90_000,
    fn: async (ctx) => {
      const page = pairedPage();
      // The push channel is what is under test: wait until the page holds its socket again (after the offline tests).
      await until(async () => (await ctx.state(page)).connection === 'websocket', 'the push channel', 60_000, 200);
      const s = shared.screen;
      const now = new Date();
      const iso = (d) => d.toISOString().replace(/\.\d+Z$/, '+00:00');
      const ident = `E2E-${Date.now()}`;
      const cap = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>${ident}</identifier><sender>e2e@twincast.test</sender>
<sent>${iso(new Date(now.getTime() - 1000))}</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
<info><category>Safety</category><event>Evacuation drill</event><urgency>Immediate</urgency><severity>Severe</severity>
<certainty>Observed</certainty><expires>${iso(new Date(now.getTime() + 600_000))}</expires>
<headline>E2E alert: leave the building</headline><description>Use the nearest exit.</description>
<area><areaDesc>Screen</areaDesc><circle>${s.lat},${s.lon} 1</circle></area></info></alert>`;
      const before = await ctx.state(page);
      const t0 = Date.now();
      const r = await ctx.api.post('/api/v1/alerts', cap, { 'content-type': 'application/cap+xml' });
      const cancel = () => ctx.api.post(`/api/v1/alerts/${encodeURIComponent(r.json.id)}/cancel`);
      try {
      const shown = await until(async () => {
        const st = await ctx.state(page);
        return st.item && st.item.kind === 'alert' ? st.item : null;
      }, 'the alert on screen', 30_000, 20);
      const latency = shown.started_at - t0;
      ctx.bench.alert_ms.push(latency);
      console.log(`     alert timings: posted ${t0}, ${JSON.stringify((await ctx.state(page)).timings)}, shown ${shown.started_at}`);
      // Latency is measured (docs/benchmarks.md), not asserted: on a loaded 2-core machine the debug server's push
      // time varies. What is asserted: the alert replaced the rotation without a reload, applied by the push path.
      // Another push (a manifest change) may follow the alert's at once: look for the alert's among the latest.
      const pushes = (await ctx.state(page)).pushes;
      assert(pushes.some((p) => p.type === 'alert' && p.at >= t0), `the alert arrived over the push channel (${JSON.stringify(pushes)})`);
      assert(shown.scheduled_start <= shown.started_at && before.item, 'the alert preempted the running rotation');
      await assertNotBlank(page, 'alert');
      const t1 = Date.now();
      await cancel();
      const after = await until(async () => {
        const st = await ctx.state(page);
        return st.item && st.item.kind !== 'alert' ? st.item : null;
      }, 'the alert to end', 30_000, 20);
      ctx.bench.alert_end_ms.push(after.started_at - t1);
      // No time bound here: when the alert ends, the rotation resumes mid-item (a video is loaded and seeked to
      // the synced position first), and the alert stays on screen until that frame is ready.
      assert(after.kind !== 'alert', 'the rotation resumed');
      } finally {
        await cancel().catch(() => {});
      }
    },
  },
  {
    name: 'campaign change: shows at the next item boundary, without a refresh',
    timeout: 90_000,
    fn: async (ctx) => {
      const page = pairedPage();
      const before = await ctx.state(page);
      // Change mid-item.
      await until(async () => {
        const st = await ctx.state(page);
        const now = await page.evaluate(() => window.twincast.now());
        return st.item && now - st.item.scheduled_start > 300 && now - st.item.scheduled_start < ITEM_MS - 1200;
      }, 'the middle of an item', 20_000, 20);
      const cur = (await ctx.state(page)).item;
      const curPlay = await page.evaluate((id) => window.twincast.manifest().zones.main.find((p) => p.id === id), cur.id);
      const t0 = Date.now();
      const c = await ctx.api.post('/api/v1/campaigns', {
        name: 'e2e change', partner: ctx.partners[5], priority: 90, targets: { screens: [shared.screen.id] },
        items: [{ kind: 'html', template: 'headline', data: { headline: 'E2E change arrived' }, duration_ms: ITEM_MS }],
      });
      try {
        const etag0 = before.manifest_etag;
        await until(async () => (await ctx.state(page)).manifest_etag !== etag0, 'the new manifest', 30_000, 20);
        ctx.bench.change_notified_ms.push(Date.now() - t0);
        // When the page held the change (its clock, the one item boundaries are on).
        const arrived = await page.evaluate(() => window.twincast.now());
        const shown = await until(async () => {
          const h = await ctx.history(page);
          return h.find((x) => x.campaign === c.json.id);
        }, 'the new campaign on screen', 20_000, 20);
        ctx.bench.change_to_frame_ms.push(shown.started_at - t0);
        const st = await ctx.state(page);
        assert(st.loads === before.loads, 'no reload happened');
        if (arrived < curPlay.end - 250) {
          assert(Math.abs(shown.started_at - curPlay.end) < 250, `shown at the boundary of the item playing at the change (${shown.started_at - curPlay.end} ms)`);
        } else {
          // A loaded machine delivered the change after that boundary: never cut into the item playing, and
          // shown at the boundary where the item that was playing when it arrived ended.
          const h = await ctx.history(page);
          const prev = h[h.findIndex((x) => x === shown || (x.id === shown.id && x.started_at === shown.started_at)) - 1];
          assert(shown.started_at >= curPlay.end - 250, `not shown inside the item playing at the change (${shown.started_at - curPlay.end} ms)`);
          assert(prev && prev.started_at <= arrived + 250, `shown at the first boundary after the change arrived (${JSON.stringify(prev)}, arrived ${arrived})`);
        }
      } finally {
        await ctx.api.del(`/api/v1/campaigns/${c.json.id}`);
      }
      await ctx.collectGaps(page);
    },
  },
  {
    name: 'moderation: an editor\'s campaign reaches the player only after an operator approves it',
    timeout: 120_000,
    fn: async (ctx) => {
      const page = pairedPage();
      const slug = ctx.partners[6];
      const add = spawnSync(ctx.server.bin, ['user', 'add', 'e2e-editor', '--role', 'partner-editor', '--partner', slug, '--password-stdin', '--data', ctx.server.dir], { input: 'e2e-editor-password\n', encoding: 'utf8' });
      assert(add.status === 0, `user add: ${add.stderr}`);
      const editor = new Api(ctx.server.base, ctx.server.cli(['token', 'create', '--user', 'e2e-editor', '--name', 'e2e']));
      const before = (await ctx.state(page)).manifest_etag;
      const c = await editor.post('/api/v1/campaigns', {
        name: 'e2e moderated', partner: slug, priority: 95, targets: { screens: [shared.screen.id] },
        items: [{ kind: 'html', template: 'headline', data: { headline: 'E2E moderated' }, duration_ms: ITEM_MS }],
      });
      assert(c.json.moderation.state === 'pending', `an editor's campaign is pending (${JSON.stringify(c.json.moderation)})`);
      // A change that does reach the page: once the page holds its manifest, the pending campaign had its chance.
      const sync = await ctx.api.post('/api/v1/campaigns', {
        name: 'e2e sync', partner: ctx.partners[7], priority: 50, targets: { screens: [shared.screen.id] },
        items: [{ kind: 'html', template: 'headline', data: { headline: 'E2E sync' }, duration_ms: ITEM_MS }],
      });
      await until(async () => {
        const m = await page.evaluate(() => JSON.stringify(window.twincast.manifest()));
        return (await ctx.state(page)).manifest_etag !== before && m.includes(sync.json.id);
      }, 'the manifest with the operator\'s change', 30_000, 20);
      const held = await page.evaluate(() => JSON.stringify(window.twincast.manifest()));
      assert(!held.includes(c.json.id), 'the pending campaign is not in the page\'s manifest');
      assert(!(await ctx.history(page)).some((h) => h.campaign === c.json.id), 'the pending campaign was never shown');
      // The operator (here: the admin's token) approves it; the page shows it without a reload.
      const loads = (await ctx.state(page)).loads;
      const ok = await ctx.api.post(`/api/v1/campaigns/${c.json.id}/approve`);
      assert(ok.json.moderation.state === 'approved', 'approved');
      await until(async () => (await ctx.history(page)).some((h) => h.campaign === c.json.id), 'the approved campaign on screen', 45_000, 20);
      assert((await ctx.state(page)).loads === loads, 'no reload happened');
      await ctx.api.del(`/api/v1/campaigns/${c.json.id}`);
      await ctx.api.del(`/api/v1/campaigns/${sync.json.id}`);
    },
  },
  {
    name: 'sync group: 3 pages start each item at the same instant',
    timeout: 180_000,
    fn: async (ctx) => {
      const group = ctx.landscape.filter((s) => s.id !== shared.screen?.id).slice(0, 3);
      assert(group.length === 3, 'three more screens');
      const campaigns = await ctx.testCampaigns(group.map((s) => s.id), { tag: 'sync' });
      const pages = [];
      for (const s of group) {
        const { page } = await ctx.launch({ width: 640, height: 360 });
        await ctx.pair(page, s.id);
        pages.push(page);
      }
      // Measure in steady state: from the first boundary after the last page started playing.
      const allUp = await pages[2].evaluate(() => window.twincast.now());
      await ctx.transitions(pages[0], 8);
      for (let i = 0; i < 10; i++) {
        const errs = await Promise.all(pages.map((p) => p.evaluate(() => window.twincast.videoError())));
        if (errs.every((e) => e !== null)) ctx.bench.sync_video_spread_ms.push(Math.max(...errs) - Math.min(...errs));
        await sleep(300);
      }
      const trs = await Promise.all(pages.map((p) => p.evaluate(() => window.twincast.transitions())));
      const byBoundary = new Map();
      trs.forEach((list, i) => list.forEach((t) => {
        if (t.first || t.joined || t.boundary < allUp + 1000) return;
        if (!byBoundary.has(t.boundary)) byBoundary.set(t.boundary, { kind: t.kind, shown: [], info: [], swapped: [] });
        byBoundary.get(t.boundary).shown[i] = t.shown;
        byBoundary.get(t.boundary).info[i] = [t.prepared, t.ready];
        byBoundary.get(t.boundary).swapped[i] = Math.round(t.swapped - t.boundary);
      }));
      const spreads = [];
      for (const [boundary, { kind, shown: shownAt, info }] of byBoundary) {
        if (shownAt.filter((x) => x !== undefined).length !== 3) continue;
        // `late` (each page's shown − boundary) tells a page that was late from a group that was early or late.
        spreads.push({ boundary, kind, late: shownAt.map((x) => Math.round(x - boundary)), info, swapped: byBoundary.get(boundary).swapped, ms: Math.max(...shownAt) - Math.min(...shownAt) });
      }
      ctx.bench.sync_spread_ms.push(...spreads.map((x) => x.ms));
      const ms = spreads.map((x) => x.ms);
      console.log(`     sync spread over ${ms.length} transitions: median ${percentile(ms, 50).toFixed(1)} ms, max ${percentile(ms, 100).toFixed(1)} ms`);
      if (process.env.TWINCAST_E2E_DEBUG) console.log(JSON.stringify({ spreads, video_spread_ms: ctx.bench.sync_video_spread_ms, frames: await Promise.all(pages.map(async (p) => { const s = await ctx.state(p); return { late: s.late_frames, blank: s.blank_frames, long: s.long_frames, max_gap: s.max_frame_gap_ms, log: s.long_frame_log, errors: s.errors }; })) }));
      assert(spreads.length >= 4, `at least 4 transitions seen by all 3 pages (${spreads.length})`);
      // The same transition shows on the 3 pages at the same instant. A desynchronised group (a wrong clock offset, a
      // different boundary, an item prepared too late) is off by whole frames on most transitions or by seconds on
      // one; a page whose main thread the shared 2-core CI machine stalls once is late by a frame or a few. So: the
      // median spread is under 100 ms and no transition is over 400 ms (below: one page's single stall). The exact spreads (median and max) are the
      // benchmark's (docs/benchmarks.md, `## Web player`), not a timed assertion here.
      const describe = (list) => list.map((x) => `${x.ms.toFixed(1)} ms at ${x.boundary} (to ${x.kind}; per page: shown ${x.late.join('/')} ms after it, [layer created, ready] ${x.info.map((i) => i.join(',')).join('/')} ms before it)`).join(', ');
      const median = percentile(ms, 50);
      assert(median < 100, `median spread under 100 ms on the 3 pages: ${median.toFixed(1)} ms; over 100 ms: ${describe(spreads.filter((x) => !(x.ms < 100)))}`);
      // One stall of one page's main thread is allowed once: the other two pages agree (within 100 ms) and the late
      // one is under a second behind. Two such transitions, or a group that disagrees, is a desynchronisation.
      const onePageStalled = (x) => {
        const late = [...x.late].sort((a, b) => a - b);
        return x.ms < 1000 && late[1] - late[0] < 100;
      };
      const over = spreads.filter((x) => !(x.ms < 400));
      assert(over.length === 0 || (over.length === 1 && onePageStalled(over[0])),
        `every transition within 400 ms on the 3 pages (but one page's stall of under a second, once); over: ${describe(over)}`);
      for (const p of pages) await ctx.collectGaps(p, allUp + 1000);
      for (const p of pages) await p.context().close();
      // Later suites on this lane's server see the demo's rotation on these screens again (the video suite uses one).
      for (const id of campaigns) await ctx.api.del(`/api/v1/campaigns/${id}`);
    },
  },
  {
    name: 'layouts: landscape and portrait with ticker (screenshots)',
    timeout: 120_000,
    fn: async (ctx) => {
      const cases = [
        ['landscape', ctx.landscape.find((s) => (s.tags || []).includes('ticker') && s.id !== shared.screen?.id) || ctx.landscape[1], 1280, 720],
        ['portrait', ctx.portrait.find((s) => (s.tags || []).includes('ticker')) || ctx.portrait[0], 540, 960],
      ];
      for (const [name, screen, w, h] of cases) {
        assert(screen, `a ${name} screen`);
        const { page } = await ctx.launch({ width: w, height: h });
        await ctx.pair(page, screen.id);
        await until(async () => (await page.textContent('.ticker-text')).trim().length > 0, 'ticker text', 30_000, 200);
        assert(await page.isVisible('#zone-ticker'), 'ticker visible');
        assert((await page.textContent('.clock-time')).match(/^\d\d:\d\d$/), 'clock shows HH:MM');
        const stageClass = await page.getAttribute('#stage', 'class');
        assert(stageClass.includes(name), `stage is ${name}: ${stageClass}`);
        await assertNotBlank(page, name);
        if (ctx.opts.screenshots) {
          await until(async () => ['video', 'image', 'html'].includes((await ctx.state(page)).item?.kind), 'content', 10_000);
          await sleep(800);
          await page.screenshot({ path: path.join(ROOT, 'docs', `player-${name}.png`) });
        }
        await page.context().close();
      }
    },
  },
  {
    name: 'commands: the player answers identify, screenshot (a video frame) and clear_cache; a layout with a side panel and content in it',
    timeout: 180_000,
    fn: async (ctx) => {
      const page = pairedPage();
      const id = shared.screen.id;
      const send = async (command, args) => (await ctx.api.post(`/api/v1/screens/${id}/commands`, args ? { command, args } : { command })).json;
      const answered = (cmd) => until(async () => {
        const c = (await ctx.api.get(`/api/v1/screens/${id}/commands/${cmd.id}`)).json;
        return c.state === 'done' || c.state === 'failed' ? c : null;
      }, `the answer to ${cmd.command}`, 30_000, 200);
      const identify = await answered(await send('identify', { seconds: 2 }));
      assert(identify.state === 'done' && /^shown for 2 s/.test(identify.result), `identify answered: ${JSON.stringify(identify)}`);
      // A screenshot taken while a video plays shows its current frame.
      let shot = null;
      for (let attempt = 0; attempt < 8 && !(shot && /video frame/.test(shot.result || '')); attempt++) {
        await until(async () => (await ctx.state(page)).item?.kind === 'video', 'a video playing', 60_000, 50);
        shot = await answered(await send('screenshot'));
      }
      assert(shot.state === 'done' && /png, video frame at/.test(shot.result), `screenshot of a video frame: ${JSON.stringify(shot)}`);
      const img = await fetch(`${ctx.server.base}/api/v1/screens/${id}/screenshot`, { headers: { authorization: `Bearer ${ctx.api.token}` } });
      assert(img.status === 200 && img.headers.get('content-type') === 'image/png', `the screenshot is stored (${img.status})`);
      const clear = await answered(await send('clear_cache'));
      assert(clear.state === 'done' && /media cache cleared/.test(clear.result), `clear_cache answered: ${JSON.stringify(clear)}`);
      // A layout with a free side panel: the page places it by percent and shows the time there.
      await ctx.api.post('/api/v1/layouts', { slug: 'e2e-side', name: 'Side panel', orientation: 'landscape', zones: [
        { name: 'main', x: 0, y: 0, w: 75, h: 100 }, { name: 'side', x: 75, y: 0, w: 25, h: 100 }] });
      await ctx.api.put(`/api/v1/screens/${id}/layout`, { layout: 'e2e-side' });
      await until(async () => (await ctx.state(page)).layout?.name === 'e2e-side', 'the assigned layout', 30_000, 200);
      const side = await page.$('.zone-free[data-zone="side"]');
      assert(side && await side.isVisible(), 'the side zone is shown');
      assert((await side.textContent()).match(/\d\d:\d\d/), 'the side zone shows the time');
      const box = await side.boundingBox();
      const stage = await (await page.$('#stage')).boundingBox();
      assert(Math.abs(box.x - stage.width * 0.75) < 2 && Math.abs(box.width - stage.width * 0.25) < 2, `side zone at 75 %: ${JSON.stringify(box)}`);
      // Content for the free zone: a campaign in zone `side` loops its items there; one in `weather`, a zone this
      // layout lacks, plays nowhere, and explain says why.
      const zoned = async (zone, title) => (await ctx.api.post('/api/v1/campaigns', {
        name: `e2e ${zone}`, partner: ctx.partners[0], zone, targets: { screens: [id] },
        items: [{ kind: 'html', template: 'headline', data: { title } }] })).json;
      const sideC = await zoned('side', 'Side panel news');
      const weatherC = await zoned('weather', 'Weather strip');
      await until(async () => {
        const layer = await page.$('.zone-free[data-zone="side"].zone-content .layer.on');
        return layer && /Side panel news/.test(await layer.textContent()) ? layer : null;
      }, 'the side campaign playing in the side zone', 30_000, 200);
      const sideBox = await (await page.$('.zone-free[data-zone="side"]')).boundingBox();
      assert(Math.abs(sideBox.x - stage.width * 0.75) < 2, `the content zone stays at 75 %: ${JSON.stringify(sideBox)}`);
      assert(!(await page.$('.zone-free[data-zone="weather"]')), 'no weather zone on this layout');
      const main = await page.$('#zone-main');
      assert(!/Side panel news|Weather strip/.test(await main.textContent()), 'free-zone content stays out of the main zone');
      const why = (await ctx.api.get(`/api/v1/screens/${id}/explain`)).json;
      const byId = Object.fromEntries((why.zones || []).map((z) => [z.campaign, z]));
      assert(byId[sideC.id]?.plays === true && byId[sideC.id].zone === 'side', `explain: the side campaign plays: ${JSON.stringify(why.zones)}`);
      assert(byId[weatherC.id]?.plays === false && byId[weatherC.id].reason === 'zone_not_in_layout', `explain: the weather campaign has no zone here: ${JSON.stringify(why.zones)}`);
      await ctx.api.del(`/api/v1/campaigns/${sideC.id}`);
      await ctx.api.del(`/api/v1/campaigns/${weatherC.id}`);
      await until(async () => (await page.$('.zone-free[data-zone="side"].zone-clock')) !== null, 'the side zone back to the clock', 30_000, 200);
      await ctx.api.put(`/api/v1/screens/${id}/layout`, { layout: null });
    },
  },
];
