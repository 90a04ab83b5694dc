// The operator console's end-to-end tests: every page in en, ru and zh through axe-core (no serious or critical
// violation) and a scan for catalogue misses (`⟦id⟧`); login; the language switch; pairing a real player page by
// the code it shows. Run by run.mjs after the player tests, against the same `twincast demo` server.

import path from 'node:path';
import { until, assert, ROOT, axe, consoleLogin } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

/** Logs `page` in through the console's form as the demo admin. */
const login = consoleLogin;

/** Sets the page's language through the switcher's own route (what a click on it does). */
async function switchLang(ctx, page, lang) {
  await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
}


/** Every page of the console worth walking, given the ids the demo holds. */
async function consolePages(ctx) {
  const screens = (await ctx.api.get('/api/v1/screens?limit=5')).json.items;
  assert(screens.length > 0, 'the demo has screens');
  return [
    '/dev',
    '/console',
    '/console/screens',
    '/console/screens?status=online&sort=name',
    `/console/screens/${screens[0].id}`,
    `/console/screens/${screens[0].id}/edit`,
    '/console/map',
    '/console/pair',
    '/console/password',
    '/console/screens/no-such-screen',
  ];
}

export const tests = [
  {
    name: 'console: the login form refuses a wrong password with a message, then logs in',
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await page.goto(`${ctx.server.base}/console/screens`);
      assert(page.url().includes('/console/login'), `an anonymous visitor is sent to the login page (${page.url()})`);
      await page.fill('#username', 'admin');
      await page.fill('#password', 'not-the-password');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      const err = await page.textContent('#login-error');
      assert(err && err.length > 10, 'a message says the login failed');
      assert(await page.getAttribute('#username', 'value') === 'admin', 'the user name is kept');
      await page.fill('#password', ctx.server.adminPassword);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert(new URL(page.url()).pathname === '/console/screens', `back where the visitor was going (${page.url()})`);
      assert(await page.locator('table.fleet tbody tr').count() > 0, 'the screen table lists screens');
      await page.context().close();
    },
  },
  {
    name: 'console: every page in en, ru and zh passes axe-core and has no untranslated string',
    timeout: 240_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page);
      const pages = await consolePages(ctx);
      const problems = [];
      for (const lang of LANGS) {
        await switchLang(ctx, page, lang);
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
      assert(problems.length === 0, `console pages:\n       ${problems.join('\n       ')}`);
      if (ctx.opts.screenshots) {
        // The pictures of docs/console.md and the README (`node e2e/run.mjs --screenshots console`).
        const shots = [['dashboard', '/console'], ['screens', '/console/screens'], ['screen', pages[4]], ['map', '/console/map'], ['media', '/console/media'], ['campaign', '/console/campaigns/new'], ['pair', '/console/pair']];
        for (const lang of ['en', 'zh']) {
          await switchLang(ctx, page, lang);
          for (const [name, p] of shots) {
            await page.goto(ctx.server.base + p);
            await page.screenshot({ path: path.join(ROOT, 'docs', `console-${name}-${lang}.png`), fullPage: false });
          }
        }
      }
      // A page in Chinese really is in Chinese: the navigation's first entry is the catalogue's zh text.
      await switchLang(ctx, page, 'zh');
      await page.goto(`${ctx.server.base}/console`);
      assert((await page.textContent('nav[aria-label] a[aria-current="page"]')).trim() === '概览', 'the zh dashboard is labelled in Chinese');
      await page.context().close();
    },
  },
  {
    name: 'console: the chosen language is remembered and the browser\'s language is the default',
    async fn(ctx) {
      const { page, context } = await ctx.launch();
      await context.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
      await page.goto(`${ctx.server.base}/console/login`);
      assert(await page.getAttribute('html', 'lang') === 'ru', 'Accept-Language: ru gives a Russian page');
      await page.click('nav.langs a[lang="zh"]');
      await page.waitForLoadState();
      assert(await page.getAttribute('html', 'lang') === 'zh', 'the switcher changes the page to Chinese');
      assert(new URL(page.url()).pathname === '/console/login', 'and stays on the same page');
      await page.goto(`${ctx.server.base}/`);
      assert(await page.getAttribute('html', 'lang') === 'zh', 'the choice is remembered on other pages');
      await context.close();
    },
  },
  {
    name: 'console: pair a real player page by the code it shows, as a new screen, and see it play',
    timeout: 150_000,
    async fn(ctx) {
      // A player whose browser speaks Chinese shows its pairing texts from the shared catalogue in Chinese.
      const player = await ctx.launch({ width: 1280, height: 720, locale: 'zh-CN' });
      await player.page.goto(`${ctx.server.base}/player`);
      await until(async () => (await player.page.textContent('[data-i18n="player-pair-lead"]')).trim() === '配对此屏幕', 'the player\'s pairing text in Chinese', 20_000);
      const code = await until(async () => {
        const c = await player.page.getAttribute('[data-pairing-code]', 'data-pairing-code');
        return c && c.trim();
      }, 'a pairing code', 20_000);
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page, '/console/pair');
      // A wrong code first: the field says so and nothing is created.
      const before = (await ctx.api.get('/api/v1/screens?limit=500')).json.items.length;
      await page.fill('#code', 'ZZZZ-ZZZZ');
      await page.check('#mode-new');
      await page.fill('#name', 'E2E console-paired screen');
      await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
      assert(await page.locator('#code-error').count() === 1, 'a wrong code shows the field\'s error');
      assert(await page.getAttribute('#code', 'aria-invalid') === 'true', 'the code field is marked invalid');
      assert(await page.inputValue('#name') === 'E2E console-paired screen', 'what was typed is kept');
      const after = (await ctx.api.get('/api/v1/screens?limit=500')).json.items.length;
      assert(after === before, `a wrong code creates no screen (${before} → ${after})`);
      // The right code.
      await page.fill('#code', code);
      await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
      const m = /\/console\/screens\/([^/?#]+)/.exec(page.url());
      assert(m, `the console shows the new screen's page (${page.url()})`);
      await until(() => player.page.evaluate(() => {
        const st = window.twincast.state();
        return st.paired && st.manifest_etag && st.item && st.item.kind !== 'idle';
      }), 'the player plays after the console paired it', 45_000);
      const status = (await ctx.api.get(`/api/v1/screens/${m[1]}/status`)).json;
      assert(status.screen_id === m[1] && status.device && status.device.id, `the screen has the player's device (${JSON.stringify(status)})`);
      const screen = (await ctx.api.get(`/api/v1/screens/${m[1]}`)).json;
      assert(screen.name === 'E2E console-paired screen', 'the screen has the name typed in the console');
      await page.context().close();
      await player.context.close();
    },
  },
  {
    name: 'console: every section fits a tablet (768×1024) and a 1366×768 laptop without the page scrolling sideways',
    timeout: 120_000,
    async fn(ctx) {
      const sections = ['/console/media', '/console/campaigns', '/console/campaigns/new', '/console/campaigns?view=week',
        '/console/moderation', '/console/alerts', '/console/locations', '/console/locations/new', '/console/groups',
        '/console/layouts', '/console/layouts/new', '/console/users', '/console/tokens', '/console/audit', '/console/settings'];
      const pages = [...(await consolePages(ctx)).filter((p) => p.startsWith('/console/') && !p.includes('no-such')), ...sections];
      const problems = [];
      for (const [width, height] of [[768, 1024], [1366, 768]]) {
        const { page } = await ctx.launch({ width, height });
        await login(ctx, page);
        for (const p of pages) {
          await page.goto(ctx.server.base + p);
          const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          if (wide > 1) problems.push(`${width}×${height} ${p}: ${wide} px wider than the window`);
        }
        await page.context().close();
      }
      assert(problems.length === 0, `pages wider than the window:\n       ${problems.join('\n       ')}`);
    },
  },
];
