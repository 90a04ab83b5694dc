// CAP subscriptions end to end: a local HTTP server started here serves an Atom feed whose entry is a CAP 1.2 alert
// in English, Russian and Chinese with a geocode; the geocode is mapped to a place whose screen reads Chinese, an
// auto-publish source is added, and — without any operator action — a real player shows the alert in Chinese,
// with the severity as a word, not only a colour. The CAP sources page (with the held alert and the geocode
// mapping) passes axe-core in en, ru and zh; a source is added, polled, edited and deleted through its console form with
// every setting (a require-signature source refuses the unsigned document and shows why), field errors beside fields. Run by run.mjs against the same `twincast demo` server.

import { createServer } from 'node:http';
import { until, assert, axe, consoleLogin } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function capAlert(id, code) {
  const now = Date.now();
  const info = (lang, headline) => `<cap:info><cap:language>${lang}</cap:language><cap:category>Met</cap:category>
<cap:event>${headline.split(' ')[0]}</cap:event><cap:urgency>Immediate</cap:urgency><cap:severity>Severe</cap:severity>
<cap:certainty>Observed</cap:certainty><cap:expires>${iso(now + 3_600_000)}</cap:expires><cap:headline>${headline}</cap:headline>
<cap:area><cap:areaDesc>E2E</cap:areaDesc><cap:geocode><cap:valueName>E2E_CODE</cap:valueName><cap:value>${code}</cap:value></cap:geocode></cap:area></cap:info>`;
  return `<cap:alert><cap:identifier>${id}</cap:identifier><cap:sender>e2e@example.org</cap:sender><cap:sent>${iso(now - 60_000)}</cap:sent>
<cap:status>Actual</cap:status><cap:msgType>Alert</cap:msgType><cap:scope>Public</cap:scope>
${info('en-GB', `Storm warning ${id}`)}${info('ru-RU', `Штормовое предупреждение ${id}`)}${info('zh-CN', `风暴警告 ${id}`)}</cap:alert>`;
}

async function feedServer(entries) {
  const srv = createServer((req, res) => {
    const body = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
<title>E2E CAP</title><id>urn:e2e:cap</id>${entries.map((e, i) => `<entry><id>urn:e2e:${i}</id><title>e</title><content type="application/cap+xml">${e}</content></entry>`).join('')}</feed>`;
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(body);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

const login = consoleLogin;

export const tests = [
  {
    name: 'alerts: a CAP feed entry reaches a player in the screen\'s language with no operator action; the CAP sources page passes axe in en, ru and zh',
    timeout: 240_000,
    async fn(ctx) {
      const suffix = Date.now().toString(36);
      const code = `E2E-${suffix}`;
      const id = `cap-${suffix}`;
      const feeds = await feedServer([capAlert(id, code)]);
      try {
        const slug = `e2e-cap-${suffix}`;
        const loc = (await ctx.api.post('/api/v1/locations', { slug, name: `E2E CAP ${suffix}`, kind: 'metro', tz: 'Asia/Shanghai', lat: 31.5, lon: 120.3 })).json;
        const screen = (await ctx.api.post('/api/v1/screens', { name: `E2E CAP screen ${suffix}`, location: slug, width: 1280, height: 720, language: 'zh' })).json;
        await ctx.api.post('/api/v1/alerts/geocodes', { value_name: 'E2E_CODE', value: code, location_id: loc.id });
        const { page } = await ctx.launch();
        await ctx.pair(page, screen.id);
        const src = (await ctx.api.post('/api/v1/alerts/sources', {
          name: `E2E CAP ${suffix}`, url: `http://127.0.0.1:${feeds.address().port}/feed.atom`, moderation: 'auto-publish',
          min_severity: 'Moderate', interval_secs: 3600, enabled: true,
        })).json;
        const title = () => page.evaluate(() => {
          const s = document.querySelector('.slide.alert');
          return s ? { title: s.querySelector('.title')?.textContent, lang: s.lang, sev: s.querySelector('.severity')?.textContent } : null;
        });
        await until(async () => (await title())?.title === `风暴警告 ${id}`, 'the Chinese block on the Chinese screen', 60_000, 100);
        const shown = await title();
        assert(shown.lang === 'zh', `the slide's lang: ${shown.lang}`);
        assert(/⚠/.test(shown.sev) && shown.sev.length > 2, `severity as an icon and a word: ${shown.sev}`);
        await page.context().close();

        // The console page, in three languages, through axe; it lists the source and the mapping.
        const { page: c } = await ctx.launch({ width: 1366, height: 768 });
        await login(ctx, c);
        const problems = [];
        for (const lang of LANGS) {
          await c.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
          const res = await c.goto(`${ctx.server.base}/console/alerts/sources`);
          if (res.status() !== 200) problems.push(`${lang}: HTTP ${res.status()}`);
          if (await c.getAttribute('html', 'lang') !== lang) problems.push(`${lang}: html lang`);
          const html = await c.evaluate(() => document.documentElement.outerHTML);
          const misses = [...new Set(html.match(/⟦[^⟧]*⟧/g) || [])];
          if (misses.length) problems.push(`${lang}: catalogue misses ${misses.join(', ')}`);
          if (!html.includes(code)) problems.push(`${lang}: the mapping is listed`);
          if (!html.includes(`s-${src.id}`)) problems.push(`${lang}: the source is listed`);
          for (const v of await axe(c)) problems.push(`${lang}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        }
        // The source form (zh still): every setting of the API; a refused field is shown beside it.
        const form = (sel) => `form[action^="/console/alerts/sources"] ${sel}`;
        await Promise.all([c.waitForNavigation(), c.click('#add-source')]);
        await c.fill('#name', `E2E signed ${suffix}`);
        await c.fill('#url', 'ftp://nowhere');
        await Promise.all([c.waitForNavigation(), c.click(form('button[type=submit]'))]);
        assert(await c.getAttribute('#url', 'aria-invalid') === 'true', 'the address is marked invalid');
        assert((await c.textContent('#url-error')).length > 0, 'the address has its error');
        for (const v of await axe(c)) problems.push(`zh form with errors: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        await c.fill('#url', `http://127.0.0.1:${feeds.address().port}/signed.atom`);
        await c.selectOption('#min_severity', 'Severe');
        await c.selectOption('#min_urgency', 'Expected');
        await c.selectOption('#min_certainty', 'Likely');
        await c.fill('#geocodes', `E2E_CODE=${code}\nEMMA_ID=XX*`);
        await c.check('#everywhere');
        await c.check('#mod-auto');
        await c.check('#require_signature');
        await c.fill('#interval_secs', '45');
        await c.uncheck('#enabled');
        await Promise.all([c.waitForNavigation(), c.click(form('button[type=submit]'))]);
        const all = (await ctx.api.get('/api/v1/alerts/sources')).json.items;
        const signed = all.find((x) => x.name === `E2E signed ${suffix}`);
        assert(signed, 'the source was added through the console');
        const want = { min_severity: 'Severe', min_urgency: 'Expected', min_certainty: 'Likely', moderation: 'auto-publish', require_signature: true, interval_secs: 45, enabled: false };
        for (const [k, v] of Object.entries(want)) assert(signed[k] === v, `${k}: ${JSON.stringify(signed[k])}`);
        assert(signed.area.everywhere === true && signed.area.geocodes.length === 2 && signed.area.geocodes[1].value === 'XX*', `area: ${JSON.stringify(signed.area)}`);
        // Polled: the document is not signed, so the source refuses it and says why, on the list and on its form.
        await Promise.all([c.waitForNavigation(), c.click(`#s-${signed.id} form[action$="/poll"] button`)]);
        assert(await c.getAttribute(`#s-${signed.id} .field-error`, 'data-code') === 'signature-missing', 'the list shows the signature error');
        for (const lang of LANGS) {
          await c.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
          await c.goto(`${ctx.server.base}/console/alerts/sources/${signed.id}`);
          assert(await c.getAttribute('#last-error', 'data-code') === 'signature-missing', `${lang}: the form shows the last error`);
          assert(await c.inputValue('#min_urgency') === 'Expected' && await c.isChecked('#require_signature') && !await c.isChecked('#enabled'), `${lang}: the form reads back`);
          const html = await c.evaluate(() => document.documentElement.outerHTML);
          const misses = [...new Set(html.match(/⟦[^⟧]*⟧/g) || [])];
          if (misses.length) problems.push(`${lang} form: catalogue misses ${misses.join(', ')}`);
          for (const v of await axe(c)) problems.push(`${lang} form: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        }
        // Edit: a bad interval and a geocode line without "=" are refused beside their fields; then a good edit.
        await c.fill('#interval_secs', '10');
        await Promise.all([c.waitForNavigation(), c.click(form('button[type=submit]'))]);
        assert(await c.getAttribute('#interval_secs', 'aria-invalid') === 'true', 'the interval is marked invalid');
        await c.fill('#interval_secs', '120');
        await c.fill('#geocodes', 'no equals sign');
        await Promise.all([c.waitForNavigation(), c.click(form('button[type=submit]'))]);
        assert(await c.getAttribute('#geocodes', 'aria-invalid') === 'true', 'the geocodes are marked invalid');
        for (const v of await axe(c)) problems.push(`edit form with errors: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        await c.fill('#geocodes', '');
        await c.check('#mod-hold');
        await Promise.all([c.waitForNavigation(), c.click(form('button[type=submit]'))]);
        const edited = (await ctx.api.get(`/api/v1/alerts/sources/${signed.id}`)).json;
        assert(edited.interval_secs === 120 && edited.moderation === 'hold' && edited.area.geocodes.length === 0, `edited: ${JSON.stringify(edited)}`);
        // Delete from its form.
        await c.goto(`${ctx.server.base}/console/alerts/sources/${signed.id}`);
        await Promise.all([c.waitForNavigation(), c.click('form[action$="/delete"] button')]);
        assert(!(await c.content()).includes(`s-${signed.id}`), 'the deleted source is gone from the list');
        const gone = await ctx.api.get(`/api/v1/alerts/sources/${signed.id}`).then(() => 'still there', (e) => String(e));
        assert(gone.includes('HTTP 404'), `the deleted source is gone: ${gone}`);
        assert(problems.length === 0, problems.join('\n'));
        await ctx.api.del(`/api/v1/alerts/sources/${src.id}`);
        await c.context().close();
      } finally {
        feeds.close();
      }
    },
  },
];
