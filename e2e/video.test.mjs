// Every upload plays everywhere (docs/media.md): what phones and editing suites export — HEVC in MP4 (which
// Debian's Chromium does not decode), ProRes in QuickTime, VP9 in Matroska, MPEG-2 in an MPEG program stream — is
// accepted, transcoded (a person's fresh upload goes before the demo's backlog of jobs), and plays on a player
// page as the file the server chose for that screen: its video's currentTime advances, and the fallback card
// never shows. Until an item's rendition exists, the item is left out of that screen's rotation. Captions attached
// in the console are burnt into a screen rendition that a screen reading their language plays.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { until, assert, axe, consoleLogin } from './lib.mjs';

const lavfi = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'];

/** The test files: name, ffmpeg output arguments, the codec the server must probe. */
const FILES = [
  ['phone.mp4', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p', '-c:a', 'aac'], 'h265'],
  ['edit.mov', ['-c:v', 'prores_ks', '-profile:v', '0', '-pix_fmt', 'yuv422p10le', '-c:a', 'pcm_s16le'], 'prores'],
  ['web.mkv', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k', '-c:a', 'libopus'], 'vp9'],
  ['broadcast.mpg', ['-c:v', 'mpeg2video', '-b:v', '800k', '-c:a', 'mp2', '-f', 'mpeg'], 'mpeg2'],
];

async function upload(ctx, dir, slug, [name, args, codec], input = lavfi) {
  const file = path.join(dir, name);
  const r = spawnSync('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', ...input, '-shortest', ...args, file]);
  if (r.error || r.status !== 0) throw new Error(`ffmpeg could not make ${name} (${r.error || r.stderr})`);
  const form = new FormData();
  form.set('partner', slug);
  form.set('file', new Blob([readFileSync(file)]), name);
  const res = await fetch(`${ctx.server.base}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${ctx.api.token}` }, body: form });
  if (res.status !== 201) throw new Error(`upload of ${name}: HTTP ${res.status} ${await res.text()}`);
  const media = await res.json();
  assert(media.codec === codec, `${name} probed as ${codec}: ${media.codec}`);
  return { name, ...media };
}

/**
 * In the player page, plays `url` (not yet in the offline cache) from the network, puts the file into the worker's
 * cache the way its sync does, then seeks past what was read: the rest comes from the cache, by the worker.
 */
function networkThenCache([url, name]) {
  const v = document.createElement('video');
  v.muted = true;
  v.preload = 'metadata';
  v.style.cssText = 'position:fixed;left:0;top:0;width:160px;height:90px;z-index:99';
  document.body.append(v);
  const on = (ev) => new Promise((resolve, reject) => {
    const fail = () => reject(new Error(`${name}: ${v.error && v.error.message || 'error'}`));
    v.addEventListener('error', fail, { once: true });
    v.addEventListener(ev, () => { v.removeEventListener('error', fail); resolve(); }, { once: true });
  });
  return (async () => {
    if (!navigator.serviceWorker.controller) return { error: 'no service worker controls the player page' };
    // The worker's own sync of the horizon is over (a later one would evict a file no play needs).
    for (let i = 0; i < 300 && !window.twincast.state().cache.complete; i++) await new Promise((r) => setTimeout(r, 100));
    const meta = on('loadedmetadata');
    v.src = url;
    await meta;
    const path = new URL(url, location.href).pathname;
    const body = await (await fetch(url, { cache: 'no-store' })).blob();
    const cache = await caches.open('twincast-media');
    await cache.put(path, new Response(body, { headers: { 'content-type': 'video/mp4', 'x-twincast-size': String(body.size) } }));
    const read = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
    const target = v.duration - 1;
    const seeked = on('seeked');
    v.currentTime = target;
    await seeked;
    const cached = !!(await cache.match(path));
    const playing = on('timeupdate');
    await v.play();
    await playing;
    const t = v.currentTime;
    v.remove();
    return { read, target, t, duration: v.duration, cached };
  })().catch((e) => ({ error: String(e.message || e) }));
}

export const tests = [
  {
    name: 'video: HEVC, ProRes, MKV/VP9 and MPEG-2 uploads are transcoded and play on a player page, never the fallback card',
    timeout: 120_000,
    async fn(ctx) {
      const dir = path.join(ctx.server.dir, 'e2e-video');
      mkdirSync(dir, { recursive: true });
      const slug = ctx.partners[0];
      const media = await Promise.all(FILES.map((f) => upload(ctx, dir, slug, f)));
      const screen = ctx.landscape[Math.min(2, ctx.landscape.length - 1)];
      const c = await ctx.api.post('/api/v1/campaigns', {
        name: 'e2e formats', partner: slug, priority: 95, targets: { screens: [screen.id] },
        items: media.map((m) => ({ kind: 'video', media_id: m.id, duration_ms: 2000 })),
      });
      assert(c.status === 201, `campaign: ${c.status} ${JSON.stringify(c.json)}`);
      try {
        const { page } = await ctx.launch({ width: 960, height: 540 });
        await ctx.pair(page, screen.id);
        const st = await ctx.state(page);
        assert(Array.isArray(st.decodes) && st.decodes.includes('h264') && !st.decodes.includes('prores'),
          `the player reports what it decodes: ${JSON.stringify(st.decodes)}`);
        // Each medium's file: the original where it plays here (none of these does in Debian's Chromium, except
        // HEVC where it decodes), else its H.264 rendition; both URLs name the original's SHA-256.
        for (const m of media) {
          // The fallback card is the one in the layer of the item on screen: the outgoing item's layer stays painted
          // beneath for a frame after each swap (so no frame is empty), and the next item's is prepared ahead;
          // either may hold a partner card of another campaign (the player suite leaves some on this lane).
          const t0 = await until(() => page.evaluate(([sha, id]) => {
            const st = window.twincast.state();
            const layer = st.item && document.querySelector(`#zone-main .layer[data-play="${CSS.escape(st.item.id)}"]`);
            if (st.item && st.item.campaign === id && layer && layer.querySelector('.partner-card')) return { fallback: true, errors: st.errors };
            const v = [...document.querySelectorAll('#zone-main video')].find((v) => v.currentSrc.includes(sha) && !v.paused);
            return v && v.currentTime > 0 && v.currentTime < 1.5 ? { t: v.currentTime } : null;
          }, [m.sha256, c.json.id]), `${m.name} playing`, 60_000, 50);
          assert(!t0.fallback, `${m.name}: no fallback card while its campaign plays (${(t0.errors || []).join('; ')})`);
          const t1 = await until(() => page.evaluate(([sha, t0]) => {
            const v = [...document.querySelectorAll('#zone-main video')].find((v) => v.currentSrc.includes(sha));
            return v && v.currentTime > t0 + 0.3 ? v.currentTime : null;
          }, [m.sha256, t0.t]), `${m.name}: currentTime advancing`, 5_000, 50);
          assert(t1 > t0.t, `${m.name}: currentTime advances`);
          const src = await page.evaluate((sha) => [...document.querySelectorAll('#zone-main video')].find((v) => v.currentSrc.includes(sha)).currentSrc, m.sha256);
          if (m.codec !== 'h265' || !st.decodes.includes('h265')) assert(src.includes('/normalized.mp4'), `${m.name} plays its rendition: ${src}`);
        }
        const errors = (await ctx.state(page)).errors.filter((e) => /decode|media/i.test(e));
        assert(errors.length === 0, `no media errors: ${errors.join('; ')}`);
        // The jobs: the screen rendition done, the portal's job queued after it (below every person's screen rendition) or done.
        for (const m of media) {
          const full = (await ctx.api.get(`/api/v1/media/${m.id}`)).json;
          const t = full.jobs.find((j) => j.kind === 'transcode');
          assert(t && t.status === 'done' && t.progress === 100 && t.priority === 30, `${m.name}: transcode job ${JSON.stringify(t)}`);
          assert(full.jobs.some((j) => j.kind === 'portal' && j.priority === 25), `${m.name}: portal job queued ${JSON.stringify(full.jobs)}`);
          assert(full.renditions.some((r) => r.kind === 'poster'), `${m.name}: a poster`);
        }
      } finally {
        // Later suites on this lane's server see the demo's rotation again on this screen.
        await ctx.api.del(`/api/v1/campaigns/${c.json.id}`).catch((e) => console.log(`     cleanup: ${e.message}`));
      }
    },
  },
  {
    name: 'video: captions attached through the console are burnt in, and a screen reading Russian plays them',
    timeout: 150_000,
    async fn(ctx) {
      const dir = path.join(ctx.server.dir, 'e2e-video');
      mkdirSync(dir, { recursive: true });
      const m = await upload(ctx, dir, ctx.partners[0], ['captioned.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'], 'h264'],
        ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=4', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=4']);
      const vtt = path.join(dir, 'captions.ru.vtt');
      writeFileSync(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nДобро пожаловать\n');
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await consoleLogin(ctx, page, `/console/media/${m.id}`);
      // A bad tag first: the field says why, in each language, and the page passes axe-core.
      const problems = [];
      for (const lang of ['en', 'ru', 'zh']) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console/media/${m.id}`);
        await page.fill('#cap-lang', 'not a tag');
        await page.setInputFiles('#cap-file', vtt);
        await Promise.all([page.waitForNavigation(), page.click('#caption-form button[type=submit]')]);
        const err = await page.textContent('#cap-lang-error').catch(() => null);
        if (!err || /⟦/.test(err)) problems.push(`${lang}: no field error (${err})`);
        if ((await page.inputValue('#cap-lang')) !== 'not a tag') problems.push(`${lang}: the entered tag is not kept`);
        for (const v of await axe(page)) problems.push(`${lang}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
      }
      assert(problems.length === 0, `the caption form:\n       ${problems.join('\n       ')}`);
      await page.goto(`${ctx.server.base}/console/lang?to=en&next=/console/media/${m.id}`);
      await page.fill('#cap-lang', 'ru');
      await page.setInputFiles('#cap-file', vtt);
      await Promise.all([page.waitForNavigation(), page.click('#caption-form button[type=submit]')]);
      await page.waitForSelector('#captions tr[data-lang="ru"]');
      await until(async () => (await ctx.api.get(`/api/v1/media/${m.id}/captions`)).json.some((t) => t.lang === 'ru' && t.burnt_in),
        'the captions are burnt in', 90_000, 250);
      await page.reload();
      await page.waitForSelector('#captions tr[data-lang="ru"][data-screens="burnt"]');
      for (const v of await axe(page)) problems.push(`captions listed: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
      assert(problems.length === 0, problems.join('; '));
      await page.context().close();

      const screen = ctx.landscape[Math.min(1, ctx.landscape.length - 1)];
      const before = (await ctx.api.get(`/api/v1/screens/${screen.id}`)).json.language;
      const language = (l) => ctx.api.req('PATCH', `/api/v1/screens/${screen.id}`, JSON.stringify({ language: l }), { 'content-type': 'application/merge-patch+json' });
      await language('ru');
      const c = await ctx.api.post('/api/v1/campaigns', {
        name: 'e2e captions', partner: ctx.partners[0], priority: 95, targets: { screens: [screen.id] },
        items: [{ kind: 'video', media_id: m.id, duration_ms: 3000 }],
      });
      try {
        const { page } = await ctx.launch({ width: 960, height: 540 });
        await ctx.pair(page, screen.id);
        const t0 = await until(() => page.evaluate(() => {
          const v = [...document.querySelectorAll('#zone-main video')].find((v) => v.currentSrc.includes('/screen.ru.') && !v.paused);
          // Early in the 3 s item, so that it can still advance before the item ends (a later start would wait for
          // a time the next play of the item, starting again at 0, may never reach).
          return v && v.currentTime > 0 && v.currentTime < 1.5 ? v.currentTime : null;
        }), 'the captioned rendition playing', 60_000, 50);
        const t1 = await until(() => page.evaluate((t0) => {
          const v = [...document.querySelectorAll('#zone-main video')].find((v) => v.currentSrc.includes('/screen.ru.'));
          return v && v.currentTime > t0 + 0.3 ? v.currentTime : null;
        }, t0), 'its currentTime advancing', 5_000, 50);
        assert(t1 > t0, 'the captioned rendition plays');
        await page.context().close();
      } finally {
        await ctx.api.del(`/api/v1/campaigns/${c.json.id}`).catch((e) => console.log(`     cleanup: ${e.message}`));
        await language(before).catch((e) => console.log(`     cleanup: ${e.message}`));
      }
    },
  },
  {
    name: 'video: a video that starts from the network and goes on from the offline cache plays on (no "data source error")',
    timeout: 90_000,
    async fn(ctx) {
      // Large enough that the browser reads only its start when asked for metadata; in no campaign, so the
      // worker does not cache it by itself.
      const dir = path.join(ctx.server.dir, 'e2e-video');
      mkdirSync(dir, { recursive: true });
      const m = await upload(ctx, dir, ctx.partners[0], ['long.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '2', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-c:a', 'aac'], 'h264'],
        ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25:duration=8', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=8']);
      const { page } = await ctx.launch({ width: 640, height: 360 });
      await ctx.pair(page, ctx.landscape[ctx.landscape.length - 1].id);
      const r = await page.evaluate(networkThenCache, [`/media/${m.sha256}.mp4`, 'long.mp4']);
      assert(!r.error, `the video plays on across the switch from the network to the cache: ${r.error}`);
      assert(r.cached, 'the file was in the worker\'s cache when the rest was read');
      assert(r.read < r.target, `the seek went past what the network had delivered (${r.read} s read, seek to ${r.target} s), so the cache answered it`);
      assert(r.t >= r.target - 0.1, `it plays from the position sought: ${JSON.stringify(r)}`);
    },
  },
  {
    name: 'video: a video whose first load fails is loaded once more and plays; one that fails twice gives the partner card',
    timeout: 60_000,
    async fn(ctx) {
      const v = ctx.testMedia.video;
      assert(v, 'the lane has its test video');
      const { page } = await ctx.launch({ width: 640, height: 360 });
      // A same-origin page without the player's worker, into which its renderer is loaded; the network is cut for
      // the first request of the video's URL (`once`) or for every request (`never`).
      let cut = 0;
      await page.route(/\/media\/[0-9a-f]{64}\.mp4/, (route) => {
        const url = route.request().url();
        if (url.includes('fails=never') || (url.includes('fails=once') && !url.includes('retry=1'))) {
          cut += 1;
          return route.abort('connectionreset');
        }
        return route.continue();
      });
      await page.goto(`${ctx.server.base}/healthz`);
      const src = `/media/${v.sha256}.mp4`;
      const run = (query) => page.evaluate(async ({ src }) => {
        document.body.innerHTML = '<div id="zone-main" class="zone zone-main" style="position:absolute;inset:0"></div>';
        const { MainZone } = await import('/player/js/render.js');
        const { Clock } = await import('/player/js/clock.js');
        const clock = new Clock();
        const errors = [];
        const zone = new MainZone(document.getElementById('zone-main'), clock, { onSwap: () => {}, onError: (e) => errors.push(e) });
        const t0 = clock.now() + 500;
        zone.setPlays([{ id: 'v', start: t0, end: t0 + 4000, kind: 'video', src, partner: 'p', partnerName: 'Retry City', data: null }]);
        let best = 0;
        await new Promise((resolve) => {
          const loop = (ts) => {
            zone.frame(ts);
            const video = zone.current && zone.current.video;
            if (video && !video.paused) best = Math.max(best, video.currentTime);
            if (clock.now() < t0 + 3500) requestAnimationFrame(loop);
            else resolve();
          };
          requestAnimationFrame(loop);
        });
        const layer = document.querySelector('#zone-main .layer[data-play="v"]');
        return { errors, played: best, card: !!(layer && layer.querySelector('.partner-card')), text: layer ? layer.textContent : '' };
      }, { src: `${src}?${query}` });
      const once = await run('fails=once');
      assert(cut === 1, `the first load was cut (${cut})`);
      assert(!once.card && once.played > 1, `loaded again, it plays: ${JSON.stringify(once)}`);
      assert(once.errors.some((e) => e.includes('loaded once more')), `the failure is reported: ${once.errors.join('; ')}`);
      const never = await run('fails=never');
      assert(never.card && never.text.includes('Retry City'), `failing twice, the partner card stands in, with the partner's name: ${JSON.stringify(never)}`);
      await page.context().close();
    },
  },
];
