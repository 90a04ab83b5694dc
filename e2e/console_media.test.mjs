// The console's media library in the browser: two files chosen at once upload with per-file progress and appear in
// the library; an upload whose chunk request breaks resumes from the server's offset and ends with the same bytes;
// the library and an item's page pass axe-core in en, ru and zh with no untranslated string. Run by run.mjs.

import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { until, assert, axe, consoleLogin } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];
const CHUNK = 4 * 1024 * 1024;

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid RGB PNG of noise (noise does not compress: the file is about w × h × 3 bytes, and unique). */
function noisePng(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((w * 3 + 1) * h);
  const noise = randomBytes(w * 3 * h);
  for (let y = 0; y < h; y += 1) noise.copy(raw, y * (w * 3 + 1) + 1, y * w * 3, (y + 1) * w * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const login = (ctx, page, next = '/console/media') => consoleLogin(ctx, page, next);


function files(ctx, names, w, h) {
  const dir = path.join(ctx.server.dir, 'upload-files');
  mkdirSync(dir, { recursive: true });
  return names.map((name) => {
    const bytes = noisePng(w, h);
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return { path: p, name, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  });
}

async function byName(ctx, name) {
  let cursor = null;
  do {
    const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = (await ctx.api.get(`/api/v1/media?limit=500${q}`)).json;
    const found = page.items.find((m) => m.original_name === name);
    if (found) return found;
    cursor = page.next_cursor;
  } while (cursor);
  return undefined;
}

/** Watches the upload form's progress events in the page. */
async function watchProgress(page) {
  await page.evaluate(() => {
    window.uploadEvents = [];
    document.addEventListener('upload-progress', (e) => window.uploadEvents.push(e.detail));
    document.addEventListener('upload-failed', (e) => window.uploadEvents.push({ ...e.detail, state: 'failed' }));
  });
}

async function settled(page, n) {
  await until(async () => {
    const states = await page.$$eval('[data-upload-list] li', (lis) => lis.map((li) => li.dataset.state));
    if (states.includes('failed')) throw new Error(`an upload failed: ${await page.textContent('[data-upload-list]')}`);
    return states.length === n && states.every((s) => s === 'done');
  }, 'the uploads finish', 90_000, 200);
}

export const tests = [
  {
    name: 'console media: two files chosen at once upload with progress and appear in the library',
    timeout: 180_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page);
      await watchProgress(page);
      const up = files(ctx, ['e2e-harbour.png', 'e2e-tower.png'], 1400, 1100);
      assert(up[0].size > CHUNK, 'each file needs more than one chunk');
      await page.setInputFiles('#up-file', up.map((f) => f.path));
      await settled(page, 2);
      const events = await page.evaluate(() => window.uploadEvents);
      for (const f of up) {
        const mine = events.filter((e) => e.name === f.name);
        assert(mine.some((e) => e.state === 'progress' && e.loaded > 0 && e.loaded < f.size), `${f.name}: a progress event part-way`);
        assert(mine.some((e) => e.state === 'done' && e.loaded === f.size), `${f.name}: a final event`);
        const m = await byName(ctx, f.name);
        assert(m && m.sha256 === f.sha256, `${f.name} is in the library with the same bytes`);
      }
      await page.goto(`${ctx.server.base}/console/media?q=e2e-`);
      const names = await page.$$eval('table.library tbody th a', (as) => as.map((a) => a.textContent.trim()));
      assert(names.includes('e2e-harbour.png') && names.includes('e2e-tower.png'), `both are listed (${names})`);
      await page.context().close();
    },
  },
  {
    name: 'console media: over tus, a broken chunk request resumes from the server\'s offset and a damaged chunk is refused by its checksum and sent again',
    timeout: 180_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page);
      await watchProgress(page);
      const [f] = files(ctx, ['e2e-broken.png'], 1400, 1100);
      let broken = 0;
      let damaged = 0;
      const statuses = [];
      page.on('response', (res) => {
        if (res.url().includes('/api/v1/tus')) statuses.push(`${res.request().method()} ${res.status()} ${res.headers()['tus-resumable']}`);
      });
      await page.route('**/api/v1/tus/*', async (route) => {
        const r = route.request();
        if (r.method() === 'PATCH' && r.headers()['upload-offset'] === '0' && damaged === 0) {
          // One bit flipped on the way: the server must refuse it by its Upload-Checksum (460).
          damaged += 1;
          const body = Buffer.from(r.postDataBuffer());
          body[100] ^= 0x01;
          await route.continue({ postData: body });
          return;
        }
        if (r.method() === 'PATCH' && r.headers()['upload-offset'] === String(CHUNK) && broken === 0) {
          broken += 1;
          await route.abort('connectionreset');
          return;
        }
        await route.continue();
      });
      await page.setInputFiles('#up-file', [f.path]);
      await settled(page, 1);
      assert(broken === 1, 'the second chunk was broken once');
      assert(damaged === 1 && statuses.includes('PATCH 460 1.0.0'), `the damaged chunk was refused by its checksum (${statuses})`);
      assert(statuses.includes('POST 201 1.0.0') && statuses.includes('PATCH 204 1.0.0'), `the page spoke tus (${statuses})`);
      const events = await page.evaluate(() => window.uploadEvents);
      assert(events.some((e) => e.state === 'retrying'), 'the page said it retries');
      const m = await byName(ctx, f.name);
      assert(m && m.sha256 === f.sha256, 'the stored file equals the original');
      const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('twincast-upload:')));
      assert(left.length === 0, `no session is left in localStorage (${left})`);
      await page.context().close();
    },
  },
  {
    name: 'console media: the library and an item\'s page in en, ru and zh pass axe-core with no untranslated string',
    timeout: 240_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page);
      const items = (await ctx.api.get('/api/v1/media?limit=5')).json.items;
      assert(items.length > 0, 'the demo has media');
      const video = (await ctx.api.get('/api/v1/media?kind=video&limit=1')).json.items[0];
      const pages = ['/console/media', '/console/media?kind=image', `/console/media/${items[0].id}`, '/console/media/no-such-item'];
      if (video) pages.push(`/console/media/${video.id}`);
      const problems = [];
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console/media`);
        for (const p of pages) {
          await page.goto(ctx.server.base + p);
          const htmlLang = await page.getAttribute('html', 'lang');
          if (htmlLang !== lang) problems.push(`${lang} ${p}: <html lang="${htmlLang}">`);
          const text = await page.evaluate(() => document.documentElement.outerHTML);
          const misses = [...new Set(text.match(/⟦[^⟧]*⟧/g) || [])];
          if (misses.length) problems.push(`${lang} ${p}: catalogue misses ${misses.join(', ')}`);
          for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        }
      }
      assert(problems.length === 0, `media pages:\n       ${problems.join('\n       ')}`);
      await page.context().close();
    },
  },
];
