// The news desk's wire sources page end to end: /console/news/sources and its form in en, ru and zh through
// axe-core (no serious or critical violation) and a scan for catalogue misses; a source with a bad address is
// refused beside its field; a source added from the form is polled with "Poll now" and imports the item of a feed
// served by a local HTTP server started here. Run by run.mjs against the same `twincast demo` server.

import { createServer } from 'node:http';
import { until, assert, axe, consoleLogin } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>E2E wire</title><language>en</language>
<item><guid>e2e-wire-1</guid><title>Wire story from the browser test</title><description>Its text.</description></item>
</channel></rss>`;

async function feedServer() {
  const srv = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    res.end(RSS);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

const login = consoleLogin;

async function check(page, lang, p, problems) {
  const htmlLang = await page.getAttribute('html', 'lang');
  if (htmlLang !== lang) problems.push(`${lang} ${p}: <html lang="${htmlLang}">`);
  const text = await page.evaluate(() => document.documentElement.outerHTML);
  const misses = [...new Set(text.match(/⟦[^⟧]*⟧/g) || [])];
  if (misses.length) problems.push(`${lang} ${p}: catalogue misses ${misses.join(', ')}`);
  for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
}

export const tests = [
  {
    name: 'news sources: the page in en, ru and zh passes axe-core; a source added from the form imports on "Poll now"',
    timeout: 240_000,
    async fn(ctx) {
      const feeds = await feedServer();
      try {
        const { page } = await ctx.launch({ width: 1366, height: 768 });
        await login(ctx, page);
        const name = `E2E wire ${Date.now().toString(36)}`;
        const problems = [];
        for (const lang of LANGS) {
          await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
          for (const p of ['/console/news/sources', '/console/news/sources/new']) {
            const res = await page.goto(ctx.server.base + p);
            if (res.status() !== 200) problems.push(`${lang} ${p}: HTTP ${res.status()}`);
            await check(page, lang, p, problems);
          }
          // A bad address, refused beside its field (the form with its error passes axe too).
          await page.fill('#name', `${name} ${lang}`);
          await page.fill('#url', 'ftp://example.org/feed.xml');
          await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
          assert(await page.getAttribute('#url', 'aria-invalid') === 'true', `${lang}: the address is marked invalid`);
          assert(await page.isVisible('#url-error'), `${lang}: the address's error is shown`);
          assert(await page.inputValue('#name') === `${name} ${lang}`, `${lang}: what was typed is kept`);
          await check(page, lang, 'the form with an error', problems);
        }
        assert(problems.length === 0, `problems:\n${problems.join('\n')}`);

        // Add a source from the form, in English, and poll it now.
        await page.goto(`${ctx.server.base}/console/lang?to=en&next=/console/news/sources/new`);
        const { port } = feeds.address();
        await page.fill('#name', name);
        await page.fill('#url', `http://127.0.0.1:${port}/feed.xml`);
        await page.selectOption('#lang', 'en');
        await page.selectOption('#rubric', 'world');
        await page.fill('#tags', 'wire, e2e');
        await page.check('#mod-review');
        await page.uncheck('#enabled');
        await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
        assert(page.url().endsWith('/console/news/sources?saved=1'), `saved: ${page.url()}`);
        const row = page.locator('tr', { hasText: name });
        assert(await row.count() === 1, 'the new source is listed');
        await Promise.all([page.waitForNavigation(), row.locator('button', { hasText: 'Poll now' }).click()]);
        const outcome = await page.locator('tr', { hasText: name }).locator('td.wire-outcome').getAttribute('data-outcome');
        assert(outcome === 'ok', `outcome after poll now: ${outcome}`);
        for (const v of await axe(page)) problems.push(`en list after poll: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        assert(problems.length === 0, `problems:\n${problems.join('\n')}`);
        // The item is on the desk, in review, with its source.
        await until(async () => {
          const items = (await ctx.api.get('/api/v1/news/articles?state=in_review&limit=500')).json.items;
          const s = items.find((a) => a.source.original_id === 'e2e-wire-1' && a.source.name === name);
          return s && s.versions.en.headline === 'Wire story from the browser test';
        }, 'the imported story on the desk', 10_000);
      } finally {
        feeds.close();
      }
    },
  },
];
