// The cooperation catalogue's console pages in a browser, against the `twincast demo` server run.mjs started: an
// operator adds a project in the editor (a refused field is shown next to it and nothing is lost), an expression
// of interest sent through the public API lands in the inbox, and its status is changed there; every catalogue
// page passes axe-core in en, ru and zh at 1366×768 and has no untranslated string.

import path from 'node:path';
import { ROOT, assert, axe, sleep } from './lib.mjs';
import { consoleLogin } from './console_news.test.mjs';

const LANGS = ['en', 'ru', 'zh'];

const admin = (ctx) => ({ name: 'admin', password: ctx.server.adminPassword });

export const tests = [
  {
    name: 'console projects: a project added in the editor, an expression of interest handled in the inbox',
    timeout: 120_000,
    async fn(ctx) {
      const slug = `e2e-${Date.now().toString(36)}`;
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await consoleLogin(ctx, page, admin(ctx));
      await page.goto(`${ctx.server.base}/console/projects/new`);
      await page.fill('#slug', slug);
      await page.selectOption('#status', 'active');
      await page.fill('#start_date', '2025-03-01');
      const words = {
        ru: ['Обмен молодёжью', 'Летняя школа для студентов', 'Биньху'],
        en: ['Youth exchange', 'A summer school for students', 'Binhu'],
        zh: ['青年交流', '大学生暑期学校', '滨湖区'],
      };
      for (const [l, [title, summary, district]] of Object.entries(words)) {
        await page.fill(`#title-${l}`, title);
        await page.fill(`#summary-${l}`, summary);
        await page.fill(`#district_name-${l}`, district);
      }
      await page.fill('#district', 'binhu');
      await page.fill('#countries', 'DE, XX');
      await page.check('input[name=fields][value=education]');
      await page.check('input[name=themes][value=people-to-people]');
      await page.fill('#organisations-0-name', 'Wuxi Education Bureau');
      await page.selectOption('#organisations-0-role', 'implementing');
      await page.fill('#contact-name', 'Zhang Min');
      await page.fill('#contact-email', 'zhang.min@example.test');
      await Promise.all([page.waitForNavigation(), page.click('form.project-form button[type=submit]')]);
      assert(await page.locator('#countries-error').count() === 1, 'the refused country is shown next to its field');
      assert(await page.inputValue('#title-zh') === '青年交流', 'what was typed is kept');
      assert((await fetch(`${ctx.server.base}/api/v1/projects/${slug}`)).status === 404, "nothing was written");
      await page.fill('#countries', 'DE, KR');
      await Promise.all([page.waitForNavigation(), page.click('form.project-form button[type=submit]')]);
      assert(page.url().endsWith(`/console/projects/${slug}?saved=1`), page.url());
      const project = (await ctx.api.get(`/api/v1/projects/${slug}`)).json;
      assert(project.countries.join() === 'DE,KR' && project.title.zh === '青年交流', JSON.stringify(project));

      // An expression of interest from the portal's side (the public API), then the inbox.
      const form = (await ctx.api.get(`/api/v1/projects/${slug}/interest-form`)).json;
      await sleep(3_300);
      const sent = await fetch(`${ctx.server.base}/api/v1/projects/${slug}/interests`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organisation: 'Stadtwerke Chemnitz', country: 'DE', name: 'Anna Schmidt', email: 'anna@example.test',
          message: 'We would like to join.', consent: true, token: form.token, website: '' }),
      });
      assert(sent.status === 201, `interest stored: ${sent.status}`);
      const { id } = await sent.json();
      await page.goto(`${ctx.server.base}/console/interests?status=new&project=${project.id}`);
      await Promise.all([page.waitForNavigation(), page.click(`a[href="/console/interests/${id}"]`)]);
      assert((await page.textContent('main')).includes('We would like to join.'), 'the message');
      await page.selectOption('#status', 'forwarded');
      await Promise.all([page.waitForNavigation(), page.click('form:has(#status) button[type=submit]')]);
      assert(await page.locator('#notice').count() === 1, 'saved');
      await page.goto(`${ctx.server.base}/console/interests?status=forwarded`);
      assert(await page.locator(`a[href="/console/interests/${id}"]`).count() === 1, 'listed as forwarded');
      await page.goto(`${ctx.server.base}/console/interests?status=new`);
      assert(await page.locator(`a[href="/console/interests/${id}"]`).count() === 0, 'no longer new');
      await page.context().close();
    },
  },
  {
    name: 'console projects: every catalogue page in en, ru and zh passes axe-core and has no untranslated string',
    timeout: 180_000,
    async fn(ctx) {
      const projects = (await ctx.api.get('/api/v1/projects')).json.items;
      assert(projects.length > 0, 'the demo has projects');
      const interests = (await ctx.api.get('/api/v1/interests')).json;
      const list = Array.isArray(interests) ? interests : interests.items;
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await consoleLogin(ctx, page, admin(ctx));
      const paths = ['/console/projects', '/console/projects?status=active', '/console/projects/new',
        `/console/projects/${projects[0].slug}`, '/console/project-fields', '/console/interests'];
      if (list.length) paths.push(`/console/interests/${list[0].id}`);
      const problems = [];
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console/projects`);
        for (const p of paths) {
          await page.goto(`${ctx.server.base}${p}`);
          assert(await page.getAttribute('html', 'lang') === lang, `${lang} ${p}`);
          const text = await page.textContent('body');
          if (text.includes('⟦')) problems.push(`${lang} ${p}: untranslated ${text.match(/⟦[^⟧]*⟧/g).join(', ')}`);
          for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
          const wide = await page.evaluate(() => document.documentElement.scrollWidth);
          if (wide > 1366) problems.push(`${lang} ${p}: ${wide}px wide at 1366×768`);
          // The pictures of docs/console.md (`node e2e/run.mjs --screenshots "console projects"`).
          if (ctx.opts.screenshots && lang !== 'ru' && p === `/console/projects/${projects[0].slug}`) {
            await page.screenshot({ path: path.join(ROOT, 'docs', `console-project-${lang}.png`) });
          }
        }
      }
      assert(problems.length === 0, problems.join('\n'));
      await page.context().close();
    },
  },
];
