// The cooperation catalogue on the portal, in a browser: browsing with facets gives a URL that, reloaded, shows
// the same selection; the map's dots lead to projects (by mouse and by keyboard); the catalogue, a project page,
// the form with errors and the thank-you page pass axe-core in en, ru and zh with no untranslated string and no
// sideways scrolling at 1366×768 and at a phone's width; an expression of interest with bad input is refused
// with the field's error beside it, and a good one, sent twice, is stored once and e-mailed to a local SMTP
// server (Python's aiosmtpd, started here; a second `twincast demo` is started with SMTP configured).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { until, assert, axe, sleep, freePort, Server, Api, ROOT } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];
const WIDTHS = [[1366, 768], [390, 844]];

/** The demo's projects (API). */
async function projects(base) {
  const r = await fetch(`${base}/api/v1/projects`);
  assert(r.ok, `GET /api/v1/projects: ${r.status}`);
  return (await r.json()).items;
}

/** Problems on the page as it is: untranslated messages, axe-core's serious and critical findings, sideways scroll. */
async function check(page, where) {
  const out = [];
  const text = await page.textContent('body');
  if (text.includes('⟦')) out.push(`${where}: untranslated ${text.match(/⟦[^⟧]*⟧/g).join(', ')}`);
  for (const v of await axe(page)) out.push(`${where}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (wide > 1) out.push(`${where}: scrolls sideways by ${wide}px`);
  return out;
}

/** aiosmtpd on a free loopback port, delivering into a Maildir. */
async function startSmtp() {
  const python = process.env.TWINCAST_TEST_AIOSMTPD_PYTHON || 'python3';
  const probe = spawnSync(python, ['-c', 'import aiosmtpd']);
  if (probe.status !== 0) throw new Error(`aiosmtpd is needed: \`${python} -c 'import aiosmtpd'\` failed (scripts/test.sh installs it)`);
  const dir = mkdtempSync(path.join(ROOT, '.tmp', 'smtp-'));
  const port = await freePort();
  const proc = spawn(python, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', path.join(dir, 'Maildir')], { stdio: 'ignore' });
  await until(async () => {
    if (proc.exitCode !== null) throw new Error(`aiosmtpd exited (${proc.exitCode})`);
    const net = await import('node:net');
    return new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
  }, 'aiosmtpd to accept connections', 20_000, 100);
  return {
    port,
    messages() {
      let files = [];
      try {
        files = readdirSync(path.join(dir, 'Maildir', 'new'));
      } catch (_) { /* nothing delivered yet */ }
      return files.map((f) => readFileSync(path.join(dir, 'Maildir', 'new', f), 'utf8'));
    },
    stop() {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const tests = [
  {
    name: 'projects: browsing with facets gives a URL that reloads the same selection; the map leads to a project',
    async fn(ctx) {
      const base = ctx.server.base;
      const all = await projects(base);
      assert(all.length >= 5, `the demo has projects (${all.length})`);
      const active = all.filter((p) => p.status === 'active');
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await page.goto(`${base}/en/projects`);
      assert(await page.locator('.project-list > li').count() === Math.min(all.length, 12), 'the first page lists the projects');
      // Choose a status and a country (of an active project) through the form, as a reader does.
      const country = active[0].countries[0];
      await page.selectOption('#f-status', 'active');
      await page.click('.facets button[type=submit]');
      await page.waitForURL(/status=active/);
      const optionText = await page.locator(`#f-country option[value="${country}"]`).textContent();
      const n = Number(/\((\d+)\)/.exec(optionText)[1]);
      const want = active.filter((p) => p.countries.includes(country));
      assert(n === want.length, `the country's count under "active" (${optionText}) is ${want.length}`);
      await page.selectOption('#f-country', country);
      await page.click('.facets button[type=submit]');
      await page.waitForURL(new RegExp(`country=${country}`));
      const shared = page.url();
      const titles = async (p) => (await p.locator('.project-list h3 a').allTextContents()).sort();
      const shown = await titles(page);
      assert(shown.length === want.length, `${want.length} projects match (shown ${shown.join(', ')})`);
      assert(shown.every((t) => want.some((p) => p.title.en === t)), 'the matching projects are the ones shown');
      // The shared URL in another browser: the same selection, the same projects; the chips name the filters.
      const other = await ctx.launch({ width: 390, height: 844 });
      await other.page.goto(shared);
      assert(await other.page.locator('#f-status').inputValue() === 'active', 'the status stays chosen');
      assert(await other.page.locator('#f-country').inputValue() === country, 'the country stays chosen');
      assert(JSON.stringify(await titles(other.page)) === JSON.stringify(shown), 'the same projects after a reload');
      assert(await other.page.locator('.chips a').count() === 2, 'two chosen filters, each removable');
      // Removing one filter by its chip keeps the other.
      await other.page.locator('.chips a', { hasText: 'Active' }).click();
      await other.page.waitForURL((u) => !u.search.includes('status='));
      assert(other.page.url().includes(`country=${country}`), 'the country filter remains');
      await other.context.close();
      // The map: a dot per project at each partner city; clicking one opens that project.
      await page.goto(`${base}/en/projects`);
      const dots = page.locator('svg.map a');
      assert(await dots.count() > 0, 'the map has project dots');
      const href = await dots.first().getAttribute('href');
      await dots.first().click();
      await page.waitForURL((u) => u.pathname === href);
      assert(await page.locator('h1').textContent() !== '', 'a project page opened from the map');
      // By keyboard: focus a dot and press Enter.
      await page.goto(`${base}/en/projects`);
      const second = dots.nth(1);
      const href2 = await second.getAttribute('href');
      await second.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === href2);
      await page.context().close();
    },
  },
  {
    name: 'projects: the catalogue, a project, the form with errors and the thank-you page pass axe in en, ru and zh at two widths',
    timeout: 300_000,
    async fn(ctx) {
      const base = ctx.server.base;
      const p = (await projects(base))[0];
      const problems = [];
      for (const [width, height] of WIDTHS) {
        const { page } = await ctx.launch({ width, height });
        for (const lang of LANGS) {
          for (const where of ['/projects', `/projects?status=${p.status}&field=${p.fields[0]}`, `/projects/${p.slug}`, `/projects/${p.slug}/interest-sent?until=2027-01-01`, `/cities/${p.partners[0]}`]) {
            await page.goto(`${base}/${lang}${where}`);
            assert(await page.getAttribute('html', 'lang') === lang, `${lang}${where} is marked as ${lang}`);
            problems.push(...await check(page, `${width}px ${lang}${where}`));
          }
          // The project in the page's language; the form refused with its errors shown (at the phone's width in
          // Russian only: the server takes 5 forms a minute from one address).
          await page.goto(`${base}/${lang}/projects/${p.slug}`);
          assert(await page.locator('h1').textContent() === p.title[lang], `${lang}: the title in ${lang}`);
          if (width < 1000 && lang !== 'ru') continue;
          await sleep(3200); // a form sent within 3 s of being shown is refused as a robot's, before its fields are read
          await page.click('#interest button[type=submit]');
          await page.waitForSelector('.field-error');
          problems.push(...await check(page, `${width}px ${lang} form with errors`));
        }
        await page.context().close();
      }
      assert(problems.length === 0, problems.join('\n'));
    },
  },
  {
    name: 'projects: an expression of interest with bad input shows the field\'s error; a good one sent twice is stored once and e-mailed',
    timeout: 300_000,
    async fn(ctx) {
      const smtp = await startSmtp();
      const server = new Server(ctx.server.bin, { films: 0 });
      const saved = {};
      const env = {
        TWINCAST_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        TWINCAST_SMTP_FROM: 'Twincast <noc@twincast.test>',
        TWINCAST_SMTP_TO: 'ops@twincast.test',
      };
      try {
        for (const [k, v] of Object.entries(env)) {
          saved[k] = process.env[k];
          process.env[k] = v;
        }
        await server.start();
      } finally {
        for (const k of Object.keys(env)) {
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
        }
      }
      try {
        const base = server.base;
        const p = (await projects(base))[0];
        const org = `E2E Stadtwerke ${Date.now()}`;
        const { page } = await ctx.launch({ width: 1366, height: 768 });
        await page.goto(`${base}/ru/projects/${p.slug}`);
        await page.fill('#i-organisation', org);
        await page.selectOption('#i-country', 'DE');
        await page.fill('#i-name', 'Анна Шмидт');
        await page.fill('#i-email', 'anna at example');
        await page.fill('#i-message', 'Мы хотели бы участвовать.');
        // A person takes more than the form's few seconds.
        await sleep(3500);
        await page.click('#interest button[type=submit]');
        await page.waitForSelector('#e-email');
        assert((await page.textContent('#e-email')).includes('Укажите адрес электронной почты'), 'the e-mail field\'s error, in Russian');
        assert(await page.getAttribute('#i-email', 'aria-invalid') === 'true', 'the e-mail field is marked invalid');
        assert(await page.getAttribute('#i-email', 'aria-describedby') === 'e-email', 'the error describes the field');
        assert(await page.locator('#e-consent').count() === 1, 'the consent box\'s error too');
        assert(await page.locator('#e-organisation').count() === 0, 'no error on a good field');
        assert(await page.inputValue('#i-organisation') === org, 'what was typed is kept');
        assert(await page.inputValue('#i-message') === 'Мы хотели бы участвовать.', 'the message is kept');
        // Corrected and sent; the same form sent again (a double submit) is still one expression of interest.
        await page.fill('#i-email', 'anna@example.test');
        await page.check('#i-consent');
        const body = await page.evaluate(() => new URLSearchParams(new FormData(document.querySelector('#interest form'))).toString());
        const action = await page.getAttribute('#interest form', 'action');
        await page.click('#interest button[type=submit]');
        await page.waitForURL(/\/interest-sent\?until=/);
        assert((await page.textContent('main')).includes('получена'), 'the thank-you page, in Russian');
        const again = await fetch(`${base}${action}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        assert(again.status === 303 && again.headers.get('location') === new URL(page.url()).pathname + new URL(page.url()).search, `the second submit also ends on the thank-you page (${again.status})`);
        const api = new Api(base, server.cli(['token', 'create', '--user', 'admin', '--name', 'e2e-interests']));
        const mine = (await api.get('/api/v1/interests')).json.filter((i) => i.organisation === org);
        assert(mine.length === 1, `stored once (${mine.length})`);
        // E-mailed to the project's contact through the local SMTP server, once.
        const mail = await until(() => {
          const m = smtp.messages().filter((x) => x.includes(org));
          return m.length ? m : null;
        }, 'the e-mail of the expression of interest', 60_000, 200);
        await sleep(1500);
        const all = smtp.messages().filter((m) => m.includes(org));
        assert(all.length === 1, `one e-mail (${all.length})`);
        assert(mail[0].includes(p.contact.email), `sent to the project's contact ${p.contact.email}`);
        await page.context().close();
      } finally {
        await server.stop();
        server.cleanup();
        smtp.stop();
      }
    },
  },
];
