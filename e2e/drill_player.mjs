// The browser side of the fault drills (scripts/drills.sh, issue 17): Debian's Chromium plays the player page of a
// screen that was paired before (its device token is put where the page keeps it), and the drill script makes the
// world fail around it. Not an e2e suite: scripts/drills.sh runs it, and the two talk through files in a folder.
//
//   node e2e/drill_player.mjs outage   BASE TOKEN SCREEN CAMPAIGN DIR
//     plays until an item of CAMPAIGN showed and the media cache is complete → writes DIR/playing; waits for
//     DIR/db-down; then at least 2 more items must start (no idle fallback, no blank frame, plays queued) → writes
//     DIR/played-offline; waits for DIR/db-up; flushes the queue until it is empty → writes DIR/outage.json
//     {recorded, sent} and exits.
//   node e2e/drill_player.mjs restored BASE TOKEN SCREEN CAMPAIGN DIR
//     a fresh browser profile (nothing cached) with the same device token against a restored server: it must fetch
//     the manifest and every medium (each checked in the page against its SHA-256), play 2 items of CAMPAIGN (an
//     image among them, decoded), never the fallback, and deliver its plays → writes DIR/restored.json and exits.
//
// Any failure exits 1 with the reason; the drill script fails with it.

import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM_ARGS, assert, frameStats, sleep, until } from './lib.mjs';

const [mode, base, token, screen, campaign, dir] = process.argv.slice(2);
if (!['outage', 'restored'].includes(mode) || !dir) {
  console.error('usage: node e2e/drill_player.mjs outage|restored BASE TOKEN SCREEN CAMPAIGN DIR');
  process.exit(2);
}
const say = (m) => console.log(`[drill player] ${m}`);
const waitFile = (name, timeout) => until(() => existsSync(path.join(dir, name)), `the drill's ${name}`, timeout, 100);

async function assertNotBlank(page, what) {
  const s = frameStats(await page.screenshot({ type: 'png' }));
  assert(s.black < 0.97 && s.white < 0.97 && s.colours > 2, `${what}: the frame is blank (${JSON.stringify(s)})`);
}

/**
 * Items of the drill's campaign since the page first showed one (before that the page may start on its idle slide
 * while the manifest and media arrive); after it, any other item (the idle fallback, another campaign) fails.
 */
async function played(page) {
  const h = await page.evaluate(() => window.twincast.history());
  const first = h.findIndex((x) => x.campaign === campaign);
  if (first < 0) return [];
  const ours = h.slice(first);
  for (const x of ours) assert(x.kind !== 'idle' && x.campaign === campaign, `the page showed ${x.kind} ${x.campaign} (not the drill's campaign ${campaign})`);
  return ours;
}

/** Waits until `n` more items of the campaign have started, checking every frame looked at has content. */
async function advances(page, n, what, timeout) {
  const h0 = (await played(page)).length;
  const end = Date.now() + timeout;
  while ((await played(page)).length < h0 + n) {
    assert(Date.now() < end, `${what}: fewer than ${n} items started within ${timeout} ms`);
    await assertNotBlank(page, what);
    await sleep(200);
  }
}

const profile = path.join(dir, `profile-${mode}`);
mkdirSync(profile, { recursive: true });
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.TWINCAST_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: CHROMIUM_ARGS,
  viewport: { width: 960, height: 540 },
});
let code = 0;
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => say(`page error: ${e.message}`));
  // The paired device, as the page stores it after a pairing (unsigned: this device registered no key).
  await page.goto(`${base}/healthz`);
  await page.evaluate(([t, s]) => localStorage.setItem('twincast.device', JSON.stringify({ token: t, screen_id: s, device_id: null, signs: false })), [token, screen]);
  await page.goto(`${base}/player`);
  await until(() => page.evaluate(() => window.twincast && window.twincast.state().paired && window.twincast.state().item), 'the page to play', 20_000, 100);
  await until(async () => (await page.evaluate(() => window.twincast.state())).cache.complete, 'the media cache to be complete', 20_000, 100);
  assert(await page.isHidden('[data-pairing-code]'), 'the page plays without a new pairing code');
  await advances(page, 1, 'first item of the campaign', 15_000);

  if (mode === 'outage') {
    writeFileSync(path.join(dir, 'playing'), '');
    say('playing; waiting for the database to go down');
    await waitFile('db-down', 60_000);
    const s0 = await page.evaluate(() => window.twincast.state());
    await advances(page, 2, 'playing with the database down', 15_000);
    const s = await page.evaluate(() => window.twincast.state());
    assert(s.blank_frames === s0.blank_frames, `no frame without content (${s.blank_frames - s0.blank_frames})`);
    assert(s.queued_plays > 0, `plays queued while the database is down (queued ${s.queued_plays})`);
    say(`kept playing with the database down: ${s.queued_plays} plays queued`);
    writeFileSync(path.join(dir, 'played-offline'), '');
    await waitFile('db-up', 60_000);
    // The page retries with backoff; ask it now rather than wait for its timer.
    const done = await until(async () => {
      await page.evaluate(() => window.twincast.flush());
      // One snapshot: every play the page recorded up to it has been acknowledged (plays recorded later are not
      // counted on either side).
      const st = await page.evaluate(() => window.twincast.state());
      return st.queued_plays === 0 && st;
    }, 'the queued plays to be delivered', 30_000, 250);
    writeFileSync(path.join(dir, 'outage.json'), JSON.stringify({ recorded: done.recorded_plays, sent: done.sent_plays }));
    say(`queue delivered: ${done.recorded_plays} plays recorded by the page`);
  } else {
    await advances(page, 1, 'playing on the restored server', 15_000);
    const s = await page.evaluate(() => window.twincast.state());
    assert(s.online === true && !s.manifest_from_cache, 'the manifest came from the restored server');
    // Every medium of the manifest, fetched from the restored server in the page and hashed there.
    const media = await page.evaluate(async () => {
      const out = [];
      for (const m of window.twincast.manifest().media) {
        const r = await fetch(m.url, { cache: 'no-store' });
        const d = await crypto.subtle.digest('SHA-256', await r.arrayBuffer());
        const hex = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
        out.push({ url: m.url, status: r.status, ok: hex === m.sha256 });
      }
      return out;
    });
    assert(media.length > 0, 'the manifest names media');
    for (const m of media) assert(m.status === 200 && m.ok, `${m.url} served with its SHA-256 (status ${m.status})`);
    // An image of the campaign decoded on screen.
    await until(async () => (await played(page)).some((x) => x.kind === 'image')
      && page.evaluate(() => [...document.querySelectorAll('img')].some((i) => i.complete && i.naturalWidth > 0)),
    'an image of the restored campaign decoded on screen', 15_000, 100);
    const done = await until(async () => {
      await page.evaluate(() => window.twincast.flush());
      const st = await page.evaluate(() => window.twincast.state());
      return st.recorded_plays > 0 && st.queued_plays === 0 && st;
    }, 'plays delivered to the restored server', 20_000, 250);
    writeFileSync(path.join(dir, 'restored.json'), JSON.stringify({ recorded: done.recorded_plays, media: media.length, items: (await played(page)).length }));
    say(`plays on the restored server: ${media.length} media with their hashes, ${done.recorded_plays} plays delivered`);
  }
} catch (e) {
  console.error(`[drill player] FAILED: ${e.message}`);
  code = 1;
} finally {
  await context.close().catch(() => {});
}
process.exit(code);
