// The console's administration pages end to end: places, groups, alerts, users and tokens, audit log, layouts and
// settings in en, ru and zh through axe-core (no serious or critical violation) and a scan for catalogue misses;
// an alert issued from the console reaches a real player page and cancelling it from the console ends it; an
// account created and disabled from the console. Run by run.mjs against the same `twincast demo` server.

import { until, assert, axe, consoleLogin } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

const login = consoleLogin;


/** A place of its own with one screen, so what this file does reaches no other test's screens. */
async function ownPlace(ctx, tag) {
  const slug = `e2e-admin-${tag}-${Date.now().toString(36)}`;
  const loc = (await ctx.api.post('/api/v1/locations', { slug, name: `E2E ${tag}`, kind: 'street', tz: 'Asia/Shanghai', lat: 31.5, lon: 120.3 })).json;
  const screen = (await ctx.api.post('/api/v1/screens', { name: `E2E ${tag} screen`, location: slug, width: 1280, height: 720 })).json;
  return { loc, screen };
}

async function adminPages(ctx) {
  const { loc } = await ownPlace(ctx, 'walk');
  const layouts = (await ctx.api.get('/api/v1/layouts')).json.items;
  const groups = (await ctx.api.get('/api/v1/screen-groups')).json.items;
  const users = (await ctx.api.get('/api/v1/users')).json.items;
  const pages = [
    '/console/locations',
    '/console/locations/new',
    `/console/locations/${loc.slug}`,
    '/console/groups',
    '/console/groups/new',
    '/console/alerts',
    '/console/users',
    `/console/users/${users[0].id}`,
    '/console/tokens',
    '/console/audit',
    '/console/audit?resource=location',
    '/console/layouts',
    '/console/layouts/new',
    '/console/settings',
  ];
  if (groups.length) pages.push(`/console/groups/${groups[0].slug}`);
  if (layouts.length) pages.push(`/console/layouts/${layouts[0].slug}`);
  return pages;
}

export const tests = [
  {
    name: 'console admin: every administration page in en, ru and zh passes axe-core and has no untranslated string',
    timeout: 300_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page);
      const pages = await adminPages(ctx);
      const problems = [];
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
        for (const p of pages) {
          const res = await page.goto(ctx.server.base + p);
          if (res.status() !== 200) problems.push(`${lang} ${p}: HTTP ${res.status()}`);
          const htmlLang = await page.getAttribute('html', 'lang');
          if (htmlLang !== lang) problems.push(`${lang} ${p}: <html lang="${htmlLang}">`);
          const text = await page.evaluate(() => document.documentElement.outerHTML);
          const misses = [...new Set(text.match(/⟦[^⟧]*⟧/g) || [])];
          if (misses.length) problems.push(`${lang} ${p}: catalogue misses ${misses.join(', ')}`);
          for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        }
      }
      // A form with errors (its aria-invalid/aria-describedby wiring) passes too.
      await page.goto(`${ctx.server.base}/console/lang?to=en&next=/console/locations/new`);
      await page.fill('#slug', 'Not A Slug');
      await page.fill('#lat', 'north');
      await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
      assert(await page.getAttribute('#lat', 'aria-invalid') === 'true', 'the latitude is marked invalid');
      assert(await page.inputValue('#slug') === 'Not A Slug', 'what was typed is kept');
      for (const v of await axe(page)) problems.push(`form errors: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
      assert(problems.length === 0, `administration pages:\n       ${problems.join('\n       ')}`);
      await page.context().close();
    },
  },
  {
    name: 'console admin: an alert issued from the console reaches a player page, and cancelling it ends it',
    timeout: 150_000,
    async fn(ctx) {
      const { loc, screen } = await ownPlace(ctx, 'alert');
      const player = await ctx.launch({ width: 1280, height: 720 });
      await ctx.pair(player.page, screen.id);
      await until(async () => (await ctx.state(player.page)).connection === 'websocket', 'the push channel', 60_000, 200);
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page, '/console/alerts');
      const headline = `E2E console alert ${Date.now()}`;
      await page.fill('#headline', headline);
      await page.selectOption('#severity', 'Extreme');
      await page.fill('#minutes', '30');
      await page.check('#scope-locations');
      await page.check(`input[name=locations][value="${loc.id}"]`);
      await Promise.all([page.waitForNavigation(), page.click('#alert-preview')]);
      assert(await page.getAttribute('#alert-reach', 'data-screens') === '1', 'the preview counts the one screen at the place');
      assert((await page.textContent('section.preview')).includes(loc.name), 'the preview names the place');
      const dot = page.locator(`#alert-map a[href="/console/screens?location=${loc.slug}"] circle`);
      assert(await dot.count() === 1, 'the preview shows the place on the map');
      await Promise.all([page.waitForNavigation(), page.click('#alert-send')]);
      const shown = await until(async () => {
        const st = await ctx.state(player.page);
        return st.item && st.item.kind === 'alert' ? st.item : null;
      }, 'the console\'s alert on the player page', 30_000, 50);
      assert(shown, 'the alert is on screen');
      const row = page.locator('tr[data-on-air="true"]', { hasText: headline });
      assert(await row.count() === 1, 'the history shows the alert on air');
      await Promise.all([page.waitForNavigation(), row.locator('button[type=submit]').click()]);
      await until(async () => {
        const st = await ctx.state(player.page);
        return st.item && st.item.kind !== 'alert' ? st.item : null;
      }, 'the alert to end after the console cancelled it', 30_000, 50);
      assert(await page.locator('tr[data-on-air="true"]', { hasText: headline }).count() === 0, 'no longer on air in the history');
      await page.context().close();
      await player.context.close();
    },
  },
  {
    name: 'console admin: an account is created and disabled from the console',
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page, '/console/users');
      const name = `e2e-${Date.now().toString(36)}`;
      await page.fill('#username', name);
      await page.fill('#password', 'e2e-password-1');
      await page.selectOption('#role', 'operator');
      await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
      assert(/\/console\/users\/[^/?]+/.test(page.url()), `the new account's page (${page.url()})`);
      await Promise.all([page.waitForNavigation(), page.click('#user-disable')]);
      const u = (await ctx.api.get(`/api/v1/users?q=${name}`)).json.items[0];
      assert(u && u.disabled === true && u.role === 'operator', `the account is a disabled operator (${JSON.stringify(u)})`);
      const r = await fetch(`${ctx.server.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: 'e2e-password-1' }) });
      assert(r.status === 401, `a disabled account cannot log in (${r.status})`);
      await page.context().close();
    },
  },
  {
    name: 'console admin: a location\'s coordinates are picked on the map, zoomed, and saved',
    async fn(ctx) {
      const { loc } = await ownPlace(ctx, 'pick');
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page, `/console/locations/${loc.slug}`);
      // The map opens around the stored point with its marker.
      await page.waitForSelector('fieldset[data-map-pick] .pick-canvas svg .pick-dot');
      const svg = page.locator('fieldset[data-map-pick] .pick-canvas svg');
      const geo = async () => (await svg.getAttribute('data-geo')).split(',').map(Number);
      const before = await geo();
      // Zoom in: the server draws a narrower view (a larger scale).
      await page.getByRole('button', { name: 'Zoom in' }).click();
      await until(async () => (await geo())[3] > before[3] * 1.5, 'the zoomed view arrives');
      // A click sets the fields to the point under the pointer (checked against the map's own projection).
      const boxed = await svg.boundingBox();
      await svg.click({ position: { x: boxed.width * 0.25, y: boxed.height * 0.75 } });
      const [w, n, k, scale] = await geo();
      const vb = (await svg.getAttribute('viewBox')).split(' ').map(Number);
      const wantLon = w + (vb[2] * 0.25) / (k * scale);
      const wantLat = n - (vb[3] * 0.75) / scale;
      const lat = Number(await page.inputValue('#lat'));
      const lon = Number(await page.inputValue('#lon'));
      assert(Math.abs(lat - wantLat) < 0.05 && Math.abs(lon - wantLon) < 0.05, `picked ${lat},${lon}; expected about ${wantLat},${wantLon}`);
      assert(lat !== 31.5 && lon !== 120.3, 'the point moved');
      await Promise.all([page.waitForNavigation(), page.click('form button.primary[type=submit]')]);
      const saved = (await ctx.api.get(`/api/v1/locations/${loc.slug}`)).json;
      assert(Math.abs(saved.lat - lat) < 1e-4 && Math.abs(saved.lon - lon) < 1e-4, `saved ${saved.lat},${saved.lon}`);
      // The saved page opens around the new point, with its marker.
      await page.waitForSelector('fieldset[data-map-pick] .pick-canvas svg .pick-dot');
      await page.context().close();
    },
  },
];
