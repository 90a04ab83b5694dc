// The news desk's console pages in a browser, against the `twincast demo` server run.mjs started: a contributor
// writes a story in ru, en and zh in the console's editor and submits it; a news editor approves and publishes it
// from the console; it appears in the portal's latest news and in the RSS feed in each language; withdrawn from
// the console, it leaves them. `deskFlow` is the whole flow as one function, so that other tests (a player's
// ticker) can run it and look elsewhere at each step. Every desk page passes axe-core in en, ru and zh at
// 1366×768 and has no untranslated string.

import path from 'node:path';
import { ROOT, assert, axe } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

/** A new account of `role` whose first password is already changed; returns its name and password. */
export async function deskAccount(ctx, name, role) {
  await ctx.api.post('/api/v1/users', { username: name, password: 'password-e2e-1', role });
  const login = async (password) => {
    const r = await fetch(`${ctx.server.base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password }),
    });
    assert(r.ok, `login of ${name}: ${r.status}`);
    return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf_token };
  };
  const first = await login('password-e2e-1');
  const changed = await fetch(`${ctx.server.base}/api/v1/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: first.cookie, 'x-csrf-token': first.csrf },
    body: JSON.stringify({ current: 'password-e2e-1', new: 'password-e2e-2' }),
  });
  assert(changed.ok, `password change of ${name}: ${changed.status}`);
  return { name, password: 'password-e2e-2' };
}

/** Logs `who` in to the console in `page`, in `lang`. */
export async function consoleLogin(ctx, page, who, lang = 'en') {
  await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=${encodeURIComponent('/console/login')}`);
  await page.fill('#username', who.name);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForNavigation(), page.click('form:has(#password) button[type=submit]')]);
}

/** Presses the step button `action` on a story's console page and waits for the page it leads to. */
async function step(page, action, at = null) {
  if (at) await page.fill('#at', at);
  await Promise.all([
    page.waitForNavigation(),
    page.click(`form:has(input[name=action][value="${action}"]) button[type=submit]`),
  ]);
}

async function onPortal(ctx, id) {
  const found = {};
  for (const lang of LANGS) {
    const list = await (await fetch(`${ctx.server.base}/${lang}/news`)).text();
    const rss = await (await fetch(`${ctx.server.base}/${lang}/news/feed.rss`)).text();
    found[lang] = { list: list.includes(`/${lang}/news/${id}`), rss: rss.includes(`/${lang}/news/${id}`) };
  }
  return found;
}

/**
 * The desk's flow in the console: a contributor writes `headline` in ru/en/zh and submits it, an editor publishes
 * it (the portal and the RSS feeds show it in every language), then withdraws it (they no longer do). `hooks`
 * may look elsewhere after each step: `afterPublish({ id, short })`, `afterWithdraw({ id, short })`.
 */
export async function deskFlow(ctx, { headline = `Desk story ${Date.now()}`, short = `Desk ${Date.now() % 100000}`, tags = 'e2e-desk', hooks = {} } = {}) {
  const stamp = Date.now().toString(36);
  const writer = await deskAccount(ctx, `writer-${stamp}`, 'contributor');
  const editor = await deskAccount(ctx, `editor-${stamp}`, 'news-editor');
  const w = await ctx.launch({ width: 1366, height: 768 });
  await consoleLogin(ctx, w.page, writer);
  await w.page.goto(`${ctx.server.base}/console/news/new`);
  const words = {
    en: { headline, short, lead: 'Written in the console by the browser test.', body: 'Delegations from **14 countries** met.', place: 'Wuxi' },
    ru: { headline: `Новость: ${headline}`, short: `${short} ру`, lead: 'Написано в консоли браузерным тестом.', body: 'Делегации из **14 стран**.', place: 'Уси' },
    zh: { headline: `新闻：${headline}`, short: `${short} 中`, lead: '由浏览器测试在控制台中撰写。', body: '来自**14个国家**的代表团。', place: '无锡' },
  };
  for (const [lang, x] of Object.entries(words)) {
    await w.page.fill(`#versions-${lang}-headline`, x.headline);
    await w.page.fill(`#versions-${lang}-short_headline`, x.short);
    await w.page.fill(`#versions-${lang}-lead`, x.lead);
    await w.page.fill(`#versions-${lang}-body`, x.body);
    await w.page.fill(`#versions-${lang}-dateline_place`, x.place);
  }
  await w.page.selectOption('#rubric', 'world');
  await w.page.fill('#tags', tags);
  // The preview renders the Markdown before anything is saved.
  await Promise.all([w.page.waitForNavigation(), w.page.click('button[name=do][value=preview]')]);
  assert(await w.page.locator('.story-preview strong', { hasText: '14 countries' }).count() === 1, 'the preview');
  await Promise.all([w.page.waitForNavigation(), w.page.click('button[name=do][value=save]')]);
  const id = w.page.url().match(/\/console\/news\/([0-9a-f-]{36})/)[1];
  assert(await w.page.locator('input[name=action][value=publish]').count() === 0, 'a contributor is offered no publish');
  await step(w.page, 'submit');
  assert(await w.page.locator('input[name=action]').count() === 0, 'nothing more for the contributor');
  let seen = await onPortal(ctx, id);
  assert(LANGS.every((l) => !seen[l].list && !seen[l].rss), 'not public while in review');

  const e = await ctx.launch({ width: 1366, height: 768 });
  await consoleLogin(ctx, e.page, editor);
  await e.page.goto(`${ctx.server.base}/console/news?state=in_review`);
  await Promise.all([e.page.waitForNavigation(), e.page.click(`a[href="/console/news/${id}"]`)]);
  assert(await e.page.inputValue('#versions-zh-headline') === words.zh.headline, 'the editor reads the Chinese version');
  await step(e.page, 'publish');
  seen = await onPortal(ctx, id);
  for (const l of LANGS) assert(seen[l].list && seen[l].rss, `${l}: published on the portal and in the RSS feed (${JSON.stringify(seen[l])})`);
  if (hooks.afterPublish) await hooks.afterPublish({ id, short, words });
  await step(e.page, 'withdraw');
  seen = await onPortal(ctx, id);
  for (const l of LANGS) assert(!seen[l].list && !seen[l].rss, `${l}: withdrawn, gone from the portal and the feed`);
  if (hooks.afterWithdraw) await hooks.afterWithdraw({ id, short, words });
  await w.context.close();
  await e.context.close();
  return { id, writer, editor };
}

export const tests = [
  {
    name: 'console news: a contributor writes a story in ru/en/zh and submits it, an editor publishes it (portal, RSS) and withdraws it',
    timeout: 180_000,
    async fn(ctx) {
      await deskFlow(ctx);
    },
  },
  {
    name: 'console news: a field error is shown next to its field and keeps what was typed',
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await consoleLogin(ctx, page, { name: 'admin', password: ctx.server.adminPassword });
      await page.goto(`${ctx.server.base}/console/news/new`);
      await page.fill('#versions-en-headline', 'A headline too long for tickers');
      await page.fill('#versions-en-short_headline', 'x'.repeat(81));
      await Promise.all([page.waitForNavigation(), page.click('button[name=do][value=save]')]);
      assert(await page.locator('#versions-en-short_headline-error').count() === 1, 'the error next to the field');
      assert(await page.getAttribute('#versions-en-short_headline', 'aria-invalid') === 'true', 'the field is marked');
      assert(await page.inputValue('#versions-en-headline') === 'A headline too long for tickers', 'typed text kept');
      await page.context().close();
    },
  },
  {
    name: 'console news: every desk page in en, ru and zh passes axe-core and has no untranslated string',
    timeout: 180_000,
    async fn(ctx) {
      const stories = (await ctx.api.get('/api/v1/news/articles')).json.items;
      assert(stories.length > 0, 'the demo has stories');
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await consoleLogin(ctx, page, { name: 'admin', password: ctx.server.adminPassword });
      const problems = [];
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console/news`);
        for (const p of ['/console/news', '/console/news?state=published', '/console/news/new', `/console/news/${stories[0].id}`]) {
          await page.goto(`${ctx.server.base}${p}`);
          assert(await page.getAttribute('html', 'lang') === lang, `${lang} ${p}`);
          const text = await page.textContent('body');
          if (text.includes('⟦')) problems.push(`${lang} ${p}: untranslated ${text.match(/⟦[^⟧]*⟧/g).join(', ')}`);
          for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
          const wide = await page.evaluate(() => document.documentElement.scrollWidth);
          if (wide > 1366) problems.push(`${lang} ${p}: ${wide}px wide at 1366×768`);
          // The pictures of docs/console.md (`node e2e/run.mjs --screenshots "console news"`).
          if (ctx.opts.screenshots && lang !== 'ru' && p === `/console/news/${stories[0].id}`) {
            await page.screenshot({ path: path.join(ROOT, 'docs', `console-story-${lang}.png`) });
          }
        }
      }
      assert(problems.length === 0, problems.join('\n'));
      await page.context().close();
    },
  },
];
