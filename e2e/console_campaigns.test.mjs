// The console's campaigns and moderation queue in a real browser: a recurring campaign made in the editor with
// its what-if numbers; an editor's campaign that waits for review and reaches a paired player page only after an
// operator approves it in the console; axe-core and the catalogue scan on every page of the section in en, ru
// and zh. Run by run.mjs after the console tests, against the same `twincast demo` server.

import { spawnSync } from 'node:child_process';
import { until, assert, axe, consoleLogin } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

/** Logs `page` in through the console's form. */
const login = consoleLogin;


/** Clicks a submit button and waits for the page it leads to. */
async function press(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** A partner with at least one image in the library, and that image. */
function partnerWithImage(ctx, skip = []) {
  const img = ctx.testMedia.images.find((m) => !skip.includes(m.partner) && m.moderation?.state !== 'pending');
  assert(img, 'the demo has partner images');
  return img;
}

/** Fills the editor's fields for a daily campaign of `partner` on one screen, with the partner's first image. */
async function fillDaily(page, { name, partner, screen, priority }) {
  await page.fill('#name', name);
  await page.selectOption('#partner', partner);
  // The picker lists the chosen partner's media after a round trip (works without a script).
  await press(page, 'button[name=action][value=search]');
  await page.fill('#priority', String(priority));
  await page.selectOption('#freq', 'daily');
  await page.fill('#times', '00:00');
  await page.fill('#duration_min', '1440');
  await page.fill('#screens', screen);
  await press(page, '.picks button[name=action]');
  assert(await page.locator('ol.items li').count() === 1, 'the picked image is the campaign\'s item');
  await page.fill('#item0_duration', '2.5');
}

export const tests = [
  {
    name: 'console campaigns: a recurring campaign made in the editor, with its what-if numbers',
    timeout: 150_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page, '/console/campaigns/new');
      const img = partnerWithImage(ctx);
      const screen = ctx.landscape[0];
      await fillDaily(page, { name: 'E2E console daily', partner: img.partner, screen: screen.id, priority: 60 });
      // Weekly on two days instead, and the next times in the screen's zone.
      await page.selectOption('#freq', 'weekly');
      for (const d of ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']) await page.check(`#day-${d}`);
      // An hour a day: separate times on air (a whole day each day would be one unbroken stretch).
      await page.fill('#duration_min', '60');
      await press(page, 'button[name=action][value=preview]');
      assert(await page.locator('section.occurrences li').count() >= 5, 'the next occurrences are listed');
      assert(await page.textContent('section.occurrences h3').then((t) => t.includes(screen.tz || '')), 'per time zone of the targeted screens');
      await press(page, 'button[name=action][value=whatif]');
      const shown = Number((await page.textContent('.whatif-screens')).replace(/\D/g, ''));
      assert(shown >= 1, `the what-if names the affected screens (${shown})`);
      const rows = await page.locator('table.whatif-network tbody tr').allTextContents();
      assert(rows.some((r) => r.includes(img.partner)), `the partner's share before/after is shown (${rows.join(' | ')})`);
      const none = (await ctx.api.get('/api/v1/campaigns')).json.items.filter((c) => c.name === 'E2E console daily');
      assert(none.length === 0, 'the what-if saved nothing');
      await press(page, 'button[name=action][value=save]');
      const m = /\/console\/campaigns\/([^/?#]+)\?saved=1/.exec(page.url());
      assert(m, `saved, on the campaign's page (${page.url()})`);
      const c = (await ctx.api.get(`/api/v1/campaigns/${m[1]}`)).json;
      assert(c.recurrence && c.recurrence.rrule.startsWith('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU'), `the builder's rule (${JSON.stringify(c.recurrence)})`);
      assert(c.items.length === 1 && c.items[0].duration_ms === 2500, 'the item and its duration');
      await ctx.api.del(`/api/v1/campaigns/${m[1]}`);
      await page.context().close();
    },
  },
  {
    name: 'console campaigns: an editor\'s campaign waits for review and reaches the player only after an operator approves it in the console',
    timeout: 180_000,
    async fn(ctx) {
      const img = partnerWithImage(ctx);
      const add = spawnSync(ctx.server.bin, ['user', 'add', 'e2e-console-editor', '--role', 'partner-editor', '--partner', img.partner, '--password-stdin', '--data', ctx.server.dir], { input: 'e2e-console-editor-pw\n', encoding: 'utf8' });
      assert(add.status === 0, `user add: ${add.stderr}`);
      const screen = ctx.landscape[ctx.landscape.length - 1];
      const player = await ctx.launch({ width: 1280, height: 720 });
      await ctx.pair(player.page, screen.id);

      const ed = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, ed.page, '/console/campaigns/new', 'e2e-console-editor', 'e2e-console-editor-pw');
      await fillDaily(ed.page, { name: 'E2E console moderated', partner: img.partner, screen: screen.id, priority: 95 });
      await press(ed.page, 'button[name=action][value=save]');
      const m = /\/console\/campaigns\/([^/?#]+)\?saved=1/.exec(ed.page.url());
      assert(m, `saved (${ed.page.url()})`);
      const id = m[1];
      assert(await ed.page.locator('span.mod.pending').count() >= 1, 'the editor sees it waiting for review');
      await ed.page.goto(`${ctx.server.base}/console/moderation`);
      assert(await ed.page.locator(`article[aria-labelledby="r-${id}"] .mod.pending`).count() === 1, 'in the editor\'s queue, pending');
      assert(await ed.page.locator(`form[action$="/${id}/approve"]`).count() === 0, 'an editor is offered no approval');

      // A change that reaches the page: once the page holds it, the pending campaign had its chance.
      const before = (await ctx.state(player.page)).manifest_etag;
      const sync = await ctx.api.post('/api/v1/campaigns', {
        name: 'e2e console sync', partner: ctx.partners[7], priority: 50, targets: { screens: [screen.id] },
        items: [{ kind: 'html', template: 'headline', data: { headline: 'E2E console sync' }, duration_ms: 2500 }],
      });
      await until(async () => {
        const mf = await player.page.evaluate(() => JSON.stringify(window.twincast.manifest()));
        return (await ctx.state(player.page)).manifest_etag !== before && mf.includes(sync.json.id);
      }, 'the manifest with the operator\'s change', 30_000, 20);
      // The editor cannot open another partner's campaign or media item by guessing its address.
      for (const url of [`/console/campaigns/${sync.json.id}`, `/console/media/${partnerWithImage(ctx, [img.partner]).id}`]) {
        const r = await ed.page.goto(ctx.server.base + url);
        assert(r.status() === 404, `${url} is not found for another partner's editor (${r.status()})`);
      }
      const list = await ed.page.goto(`${ctx.server.base}/console/campaigns`);
      assert(list.status() === 200 && !(await ed.page.content()).includes(sync.json.id), 'nor listed');
      const held = await player.page.evaluate(() => JSON.stringify(window.twincast.manifest()));
      assert(!held.includes(id), 'the pending campaign is not in the page\'s manifest');
      assert(!(await ctx.history(player.page)).some((h) => h.campaign === id), 'the pending campaign was never shown');

      // The operator approves it in the console's queue; the page shows it.
      const op = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, op.page, '/console');
      await press(op.page, 'a.card.pending');
      assert(new URL(op.page.url()).pathname === '/console/moderation', 'the dashboard card leads to the queue');
      await press(op.page, `form[action="/console/moderation/campaign/${id}/reject"] button`);
      assert(await op.page.locator(`#reason-${id}-error`).count() === 1, 'a rejection without a reason is refused on its field');
      await press(op.page, `form[action="/console/moderation/campaign/${id}/approve"] button`);
      assert((await ctx.api.get(`/api/v1/campaigns/${id}`)).json.moderation.state === 'approved', 'approved');
      await until(async () => (await ctx.history(player.page)).some((h) => h.campaign === id), 'the approved campaign on screen', 45_000, 20);
      await ctx.api.del(`/api/v1/campaigns/${id}`);
      await ctx.api.del(`/api/v1/campaigns/${sync.json.id}`);
      for (const b of [player, ed, op]) await b.context.close();
    },
  },
  {
    name: 'console campaigns: every campaigns and moderation page in en, ru and zh passes axe-core, no untranslated string',
    timeout: 240_000,
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1366, height: 768 });
      await login(ctx, page, '/console');
      const some = (await ctx.api.get('/api/v1/campaigns')).json.items;
      assert(some.length > 0, 'the demo has campaigns');
      const withRule = some.find((c) => c.recurrence) || some[0];
      const pages = [
        '/console/campaigns',
        '/console/campaigns?moderation=approved&state=on_air',
        '/console/campaigns?view=week',
        '/console/campaigns/new',
        `/console/campaigns/${withRule.id}`,
        '/console/moderation',
      ];
      const problems = [];
      const check = async (lang, p) => {
        const text = await page.evaluate(() => document.documentElement.outerHTML);
        const misses = [...new Set(text.match(/⟦[^⟧]*⟧/g) || [])];
        if (misses.length) problems.push(`${lang} ${p}: catalogue misses ${misses.join(', ')}`);
        for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
      };
      for (const lang of LANGS) {
        await page.goto(`${ctx.server.base}/console/lang?to=${lang}&next=/console`);
        for (const p of pages) {
          await page.goto(ctx.server.base + p);
          await check(lang, p);
        }
        // The editor with field errors and with what-if numbers.
        await page.goto(`${ctx.server.base}/console/campaigns/new`);
        await page.fill('#priority', 'x');
        await press(page, 'button[name=action][value=save]');
        assert(await page.locator('#priority-error').count() === 1, 'the field error');
        await check(lang, 'editor with errors');
        await page.goto(`${ctx.server.base}/console/campaigns/${withRule.id}`);
        await press(page, 'button[name=action][value=whatif]');
        await check(lang, 'editor with what-if');
      }
      assert(problems.length === 0, `campaign pages:\n       ${problems.join('\n       ')}`);
      await page.context().close();
    },
  },
];
