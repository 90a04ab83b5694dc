// The news desk in a browser, against the `twincast demo` server run.mjs started: a story written and submitted by
// a contributor and published by a news editor through the API (the console's own flow is console_news.test.mjs) appears
// in the portal's latest news, on its own page and in the feeds; withdrawn, it leaves them. Every news page in en,
// ru and zh passes axe-core and has no untranslated string.

import { until, assert, axe, Api } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

/** A logged-in API client for a new account of `role` (created by the admin), through a token of its own. */
async function account(ctx, name, role) {
  await ctx.api.post('/api/v1/users', { username: name, password: 'password-e2e-1', role });
  const login = async (password) => {
    const r = await fetch(`${ctx.server.base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password }),
    });
    assert(r.ok, `login of ${name}: ${r.status}`);
    return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf_token };
  };
  // An account an admin created changes its password first.
  const first = await login('password-e2e-1');
  const changed = await fetch(`${ctx.server.base}/api/v1/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: first.cookie, 'x-csrf-token': first.csrf },
    body: JSON.stringify({ current: 'password-e2e-1', new: 'password-e2e-2' }),
  });
  assert(changed.ok, `password change of ${name}: ${changed.status}`);
  const { cookie, csrf } = await login('password-e2e-2');
  const api = new Api(ctx.server.base, null);
  const req = api.req.bind(api);
  api.req = (m, p, b, h = {}) => req(m, p, b, { ...h, cookie, 'x-csrf-token': csrf });
  return api;
}

export const tests = [
  {
    name: 'news: a contributor\'s story, published by an editor, appears on the portal and in the feeds; withdrawn, it leaves',
    async fn(ctx) {
      const writer = await account(ctx, `writer-${Date.now()}`, 'contributor');
      const editor = await account(ctx, `desk-${Date.now()}`, 'news-editor');
      const headline = `E2E story ${Date.now()}`;
      const story = (await writer.post('/api/v1/news/articles', {
        rubric: 'culture', tags: ['e2e'],
        versions: {
          en: { headline, short_headline: 'E2E', lead: 'A story from the browser test.', body: 'Some **bold** words.' },
          ru: { headline: `Новость ${headline}`, short_headline: 'E2E', lead: 'Новость из теста.' },
          zh: { headline: `新闻 ${headline}`, short_headline: 'E2E', lead: '测试新闻。' },
        },
      })).json;
      await writer.post(`/api/v1/news/articles/${story.id}/submit`, {});
      const { page } = await ctx.launch({ width: 1280, height: 900 });
      await page.goto(`${ctx.server.base}/en/news`);
      assert(await page.locator(`a[href="/en/news/${story.id}"]`).count() === 0, 'not public while in review');
      await editor.post(`/api/v1/news/articles/${story.id}/publish`, {});
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/${lang}/news`);
        const link = page.locator(`a[href="/${lang}/news/${story.id}"]`);
        assert(await link.count() === 1, `${lang}: the story is in the latest news`);
        await link.click();
        await page.waitForURL(`**/${lang}/news/${story.id}`);
        assert((await page.textContent('h1')).includes(headline), `${lang}: its page`);
        const rss = await (await fetch(`${ctx.server.base}/${lang}/news/feed.rss`)).text();
        assert(rss.includes(`/${lang}/news/${story.id}`), `${lang}: in the RSS feed`);
      }
      await editor.post(`/api/v1/news/articles/${story.id}/withdraw`, {});
      await page.goto(`${ctx.server.base}/en/news`);
      assert(await page.locator(`a[href="/en/news/${story.id}"]`).count() === 0, 'withdrawn: gone from the list');
      const atom = await (await fetch(`${ctx.server.base}/en/news/feed.atom`)).text();
      assert(!atom.includes(story.id), 'withdrawn: gone from the feed');
      await page.context().close();
    },
  },
  {
    name: 'news: every news page in en, ru and zh passes axe-core and has no untranslated string',
    timeout: 120_000,
    async fn(ctx) {
      const stories = (await ctx.api.get('/api/v1/public/news?lang=en')).json;
      assert(stories.length >= 4, `the demo has published stories (${stories.length})`);
      const press = stories.find((s) => s.source.kind === 'wire');
      assert(press, 'the demo has the forum\'s press release');
      const { page } = await ctx.launch({ width: 1280, height: 900 });
      const problems = [];
      for (const lang of LANGS) {
        for (const p of ['/news', `/news/${press.id}`, '/news/rubrics/world', '/news/no-such-story']) {
          await page.goto(`${ctx.server.base}/${lang}${p}`);
          assert(await page.getAttribute('html', 'lang') === lang, `${lang}${p} is marked as ${lang}`);
          const text = await page.textContent('body');
          if (text.includes('⟦')) problems.push(`${lang} ${p}: untranslated ${text.match(/⟦[^⟧]*⟧/g).join(', ')}`);
          for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
        }
        // The press release's page carries its dateline, source and contact block, and the feeds are announced.
        await page.goto(`${ctx.server.base}/${lang}/news/${press.id}`);
        assert(await page.locator('.contact').count() === 1, `${lang}: the contact block`);
        assert(await page.locator('.source').count() === 1, `${lang}: the source`);
        assert(await page.locator('link[rel=alternate][type="application/atom+xml"]').count() === 1, `${lang}: the Atom feed is announced`);
      }
      assert(problems.length === 0, problems.join('\n'));
      await page.context().close();
    },
  },
];
