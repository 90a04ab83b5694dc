// Every upload plays everywhere (docs/media.md): what phones and editing suites export — HEVC in MP4 (which
// Debian's Chromium does not decode), ProRes in QuickTime, VP9 in Matroska, MPEG-2 in an MPEG program stream — is
// accepted, transcoded (a person's fresh upload goes before the demo's backlog of jobs), and plays on a player
// page as the file the server chose for that screen: its video's currentTime advances, and the fallback card
// never shows. Until an item's rendition exists, the item is left out of that screen's rotation.

import { mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { until, assert } from './lib.mjs';

const lavfi = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'];

/** The test files: name, ffmpeg output arguments, the codec the server must probe. */
const FILES = [
  ['phone.mp4', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p', '-c:a', 'aac'], 'h265'],
  ['edit.mov', ['-c:v', 'prores_ks', '-profile:v', '0', '-pix_fmt', 'yuv422p10le', '-c:a', 'pcm_s16le'], 'prores'],
  ['web.mkv', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k', '-c:a', 'libopus'], 'vp9'],
  ['broadcast.mpg', ['-c:v', 'mpeg2video', '-b:v', '800k', '-c:a', 'mp2', '-f', 'mpeg'], 'mpeg2'],
];

async function upload(ctx, dir, slug, [name, args, codec]) {
  const file = path.join(dir, name);
  const r = spawnSync('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', ...lavfi, '-shortest', ...args, file]);
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
];
