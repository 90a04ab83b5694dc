// Airtime charts, fairness and public figures end to end (docs/airtime.md): a screen of its own reports plays for
// a demo partner; /console/airtime draws its charts with uPlot from the JSON API (canvases appear) beside their
// data tables; the airtime and fairness pages in en, ru and zh pass axe-core with no catalogue miss; the public
// figures are switched on in the console (the portal page /{lang}/airtime appears, axe-clean in every language)
// and off again (404). Run by run.mjs against a `twincast demo` server.

import { until, assert, axe } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

async function login(ctx, page, next = '/console') {
  await page.goto(`${ctx.server.base}/console/login?next=${encodeURIComponent(next)}`);
  await page.fill('#username', 'admin');
  await page.fill('#password', ctx.server.adminPassword);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

/** A place and screen of its own, a device paired to it, and plays of `partner` reported through it. */
async function playsOf(ctx, partner) {
  const base = ctx.server.base;
  const slug = `e2e-airtime-${Date.now().toString(36)}`;
  await ctx.api.post('/api/v1/locations', { slug, name: 'E2E airtime', kind: 'street', tz: 'Asia/Shanghai', lat: 31.5, lon: 120.3 });
  const screen = (await ctx.api.post('/api/v1/screens', { name: 'E2E airtime screen', location: slug, width: 1280, height: 720 })).json;
  const p = await (await fetch(`${base}/api/v1/player/pairings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
  await ctx.api.post(`/api/v1/pairings/${p.code}/claim`, { screen_id: screen.id });
  const st = await (await fetch(`${base}/api/v1/player/pairings/${p.pairing_id}?secret=${p.poll_secret}`)).json();
  assert(st.token, `paired: ${JSON.stringify(st)}`);
  const now = Date.now();
  const events = [0, 1, 2].map((i) => {
    const start = now - 3_600_000 + i * 600_000;
    return { id: `e2e-air-${now}-${i}`, partner, campaign: 'e2e-none', item: 'i1', started_at: start, ended_at: start + 600_000, planned_ms: 600_000 };
  });
  const r = await fetch(`${base}/api/v1/player/plays`, {
    method: 'POST',
    headers: { authorization: `Bearer ${st.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  assert(r.ok, `plays accepted: ${r.status}`);
}

async function check(page, url, lang, problems) {
  const res = await page.goto(url);
  if (res.status() !== 200) problems.push(`${lang} ${url}: HTTP ${res.status()}`);
  const htmlLang = await page.getAttribute('html', 'lang');
  if (htmlLang !== lang) problems.push(`${lang} ${url}: <html lang="${htmlLang}">`);
  const text = await page.evaluate(() => document.documentElement.outerHTML);
  const misses = [...new Set(text.match(/⟦[^⟧]*⟧/g) || [])];
  if (misses.length) problems.push(`${lang} ${url}: catalogue misses ${misses.join(', ')}`);
  for (const v of await axe(page)) problems.push(`${lang} ${url}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
}

export const tests = [
  {
    name: 'airtime: charts drawn from the API beside their tables, fairness, public figures on and off, in en, ru and zh',
    timeout: 300_000,
    async fn(ctx) {
      const partners = (await ctx.api.get('/api/v1/partners?limit=5')).json.items;
      const partner = partners[0].slug;
      await playsOf(ctx, partner);
      const { page } = await ctx.launch({ width: 1366, height: 900 });
      await login(ctx, page);
      const problems = [];
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
        await check(page, `${ctx.server.base}/console/airtime`, lang, problems);
        // The script asked the API and uPlot drew both charts.
        await until(async () => (await page.locator('#chart-daily canvas').count()) > 0, `${lang}: the daily chart`, 20_000);
        await until(async () => (await page.locator('#chart-places canvas').count()) > 0, `${lang}: the places chart`, 20_000);
        const table = await page.textContent('#table-daily');
        assert(table.includes(partner), `${lang}: the table lists ${partner}`);
        for (const v of await axe(page)) problems.push(`${lang} /console/airtime (charts drawn): axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        await check(page, `${ctx.server.base}/console/airtime/fairness`, lang, problems);
      }
      assert(!problems.length, problems.join('\n'));

      // Public figures: off by default, switched on in the console, then off again.
      const off = await fetch(`${ctx.server.base}/en/airtime`);
      assert(off.status === 404, `public figures off: ${off.status}`);
      await page.goto(`${ctx.server.base}/console/lang?to=en&next=/console/airtime`);
      await page.check('#s-public');
      await Promise.all([page.waitForNavigation(), page.click('#settings button[type=submit]')]);
      assert(await page.locator('p.notice[role=status]').count() === 1, 'saved');
      const portal = await ctx.launch({ width: 1280, height: 900 });
      for (const lang of LANGS) {
        await check(portal.page, `${ctx.server.base}/${lang}/airtime`, lang, problems);
        const rows = await portal.page.locator('#airtime-figures tbody tr').count();
        if (rows < 1) problems.push(`${lang}: no partner city in the figures`);
      }
      assert(!problems.length, problems.join('\n'));
      await page.uncheck('#s-public');
      await Promise.all([page.waitForNavigation(), page.click('#settings button[type=submit]')]);
      const again = await fetch(`${ctx.server.base}/en/airtime`);
      assert(again.status === 404, `public figures off again: ${again.status}`);
      await portal.page.context().close();
      await page.context().close();
    },
  },
];
