// Every upload plays everywhere (docs/media.md): an HEVC MP4 — which Debian's Chromium does not decode — plays
// on a player page as the file the server chose for it (its H.264 rendition, or the original where HEVC decodes),
// never as the fallback card.

import { mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { until, assert } from './lib.mjs';

export const tests = [
  {
    name: 'video: an HEVC upload plays on a player page (currentTime advances), never the fallback card',
    timeout: 300_000,
    async fn(ctx) {
      const dir = path.join(ctx.server.dir, 'e2e-video');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'phone.mp4');
      const r = spawnSync('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=4',
        '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p', file]);
      if (r.error || r.status !== 0) throw new Error(`ffmpeg could not make the HEVC file (${r.error || r.stderr})`);
      const slug = ctx.partners[0];
      const form = new FormData();
      form.set('partner', slug);
      form.set('file', new Blob([readFileSync(file)]), 'phone.mp4');
      const res = await fetch(`${ctx.server.base}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${ctx.api.token}` }, body: form });
      if (res.status !== 201) throw new Error(`upload: HTTP ${res.status} ${await res.text()}`);
      const media = await res.json();
      assert(media.codec === 'h265', `probed as h265: ${media.codec}`);
      const screen = ctx.landscape[Math.min(2, ctx.landscape.length - 1)];
      const c = await ctx.api.post('/api/v1/campaigns', {
        name: 'e2e hevc', partner: slug, priority: 95, targets: { screens: [screen.id] },
        items: [{ kind: 'video', media_id: media.id, duration_ms: 4000 }],
      });
      try {
        const { page } = await ctx.launch({ width: 960, height: 540 });
        await ctx.pair(page, screen.id);
        const st = await ctx.state(page);
        assert(Array.isArray(st.decodes) && st.decodes.includes('h264'), `the player reports what it decodes: ${JSON.stringify(st.decodes)}`);
        const want = st.decodes.includes('h265') ? `/media/${media.sha256}` : '/normalized.mp4';
        // Our item plays once its file exists (the rendition comes after the media jobs queued before it; the new
        // schedule version reaches the page by push): the video element shows the chosen file and its time
        // advances, with no fallback card.
        const playing = (want) => [...document.querySelectorAll('#zone-main video')].find((v) => v.currentSrc.includes(want) && !v.paused);
        const t0 = await until(() => page.evaluate(([want, id, playing]) => {
          const st = window.twincast.state();
          const v = eval(playing)(want);
          if (!st.item || st.item.campaign !== id || !v) return null;
          return v.currentTime > 0 && v.currentTime < 2 ? v.currentTime : null;
        }, [want, c.json.id, playing.toString()]), `the HEVC item playing from ${want}`, 240_000, 50);
        const t1 = await until(() => page.evaluate(([want, t0, playing]) => {
          const v = eval(playing)(want);
          return v && v.currentTime > t0 + 0.3 ? v.currentTime : null;
        }, [want, t0, playing.toString()]), 'currentTime advancing', 10_000, 50);
        assert(t1 > t0, 'currentTime advances');
        const fallback = await page.evaluate(() => !!document.querySelector('#zone-main .partner-card'));
        assert(!fallback, 'no fallback card on the screen');
        const errors = (await ctx.state(page)).errors.filter((e) => /decode|media/i.test(e));
        assert(errors.length === 0, `no media errors: ${errors.join('; ')}`);
      } finally {
        // Later suites on this lane's server see the demo's rotation again on this screen.
        await ctx.api.del(`/api/v1/campaigns/${c.json.id}`).catch((e) => console.log(`     cleanup: ${e.message}`));
      }
    },
  },
];
