// The public portal's end-to-end tests, against the `twincast demo` server run.mjs started: every portal page in
// en, ru and zh through axe-core and the catalogue-miss scan; the world map leads to the right city by mouse and by
// keyboard; a city's film plays over HLS (hls.js) and advances, and from its MP4 when HLS is not used; tour mode
// moves from city to city; the language switch keeps the page; search finds a city by a Russian inflected form,
// a Chinese name typed without spaces and an English stem.

import path from 'node:path';
import { until, assert, axe, ROOT } from './lib.mjs';

const LANGS = ['en', 'ru', 'zh'];

/** The tour's playlist as the page carries it (cities with a published film). */
async function stops(ctx, lang = 'en') {
  const html = await (await fetch(`${ctx.server.base}/${lang}/tour`)).text();
  const m = /<script type="application\/json" id="tour-stops">([\s\S]*?)<\/script>/.exec(html);
  return m ? JSON.parse(m[1]) : [];
}

/** A city whose film has an HLS rendition. The demo renders and transcodes its films in the background, every
 *  film's screen rendition queued before the portal's renditions that follow it: on two busy cores the first HLS
 *  ladder takes minutes, so the wait is long (it ends as soon as one is there). */
async function cityWithHls(ctx) {
  return until(async () => (await stops(ctx)).find((s) => s.hls), 'a demo film with an HLS rendition', 480_000, 1000);
}

/** Waits until the video on `page` (selector) has played past `t` seconds; returns its state. */
async function playsPast(page, sel, t) {
  return until(() => page.evaluate(([s, t]) => {
    const v = document.querySelector(s);
    return v && v.currentTime > t && !v.paused && !v.error
      ? { time: v.currentTime, src: v.currentSrc, player: v.dataset.player || 'native' }
      : null;
  }, [sel, t]), `${sel} to play past ${t} s`, 60_000, 200);
}

export const tests = [
  {
    name: 'portal: / is the portal in the browser\'s language; the developer page moved to /dev',
    async fn(ctx) {
      for (const [accept, lang] of [['ru-RU,ru;q=0.9', 'ru'], ['zh-CN', 'zh'], ['de-DE', 'en']]) {
        const r = await fetch(`${ctx.server.base}/`, { redirect: 'manual', headers: { 'accept-language': accept } });
        assert(r.status === 303 && r.headers.get('location') === `/${lang}/`, `${accept} → /${lang}/ (got ${r.status} ${r.headers.get('location')})`);
      }
      const dev = await (await fetch(`${ctx.server.base}/dev`)).text();
      assert(dev.includes('href="/console"') && dev.includes('href="/api/docs"'), 'the developer start page is at /dev');
    },
  },
  {
    name: 'portal: every page in en, ru and zh passes axe-core and has no untranslated string',
    timeout: 240_000,
    async fn(ctx) {
      const city = (await stops(ctx))[0];
      assert(city, 'the demo has a city with a film');
      const pages = ['/', '/cities', `/cities/${city.slug}`, '/tour', '/search?q=port', '/search?q=' + 'x'.repeat(300), '/cities/no-such-city', `/embed/${city.video}`];
      const { page } = await ctx.launch({ width: 1280, height: 900 });
      const problems = [];
      for (const lang of LANGS) {
        for (const p of pages) {
          await page.goto(`${ctx.server.base}/${lang}${p}`);
          assert(await page.getAttribute('html', 'lang') === lang, `${lang}${p} is marked as ${lang}`);
          const text = await page.textContent('body');
          if (text.includes('⟦')) problems.push(`${lang} ${p}: untranslated ${text.match(/⟦[^⟧]*⟧/g).join(', ')}`);
          for (const v of await axe(page)) problems.push(`${lang} ${p}: axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
          // The embed page is only a player, for other sites' pages; every other page has the search box.
          if (!p.startsWith('/embed/')) assert(await page.locator('input[type=search]').count() > 0, `${lang}${p} has a search box`);
        }
      }
      assert(problems.length === 0, problems.join('\n'));
      await page.context().close();
    },
  },
  {
    name: 'portal: the home page links every city; the map leads to the right city by mouse and by keyboard',
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1280, height: 900 });
      await page.goto(`${ctx.server.base}/en/`);
      const partners = (await (await fetch(`${ctx.server.base}/api/v1/partners?limit=500`)).json()).items;
      assert(partners.length >= 29, `the demo has its partners (${partners.length})`);
      for (const p of partners) {
        assert(await page.locator(`a[href="/en/cities/${p.slug}"]`).count() > 0, `the home page links ${p.slug}`);
      }
      // Mouse: click the marker of a city in Europe.
      const target = partners.find((p) => p.continent === 'europe');
      const marker = page.locator(`svg.map a[href="/en/cities/${target.slug}"]`);
      await Promise.all([page.waitForNavigation(), marker.click()]);
      assert(new URL(page.url()).pathname === `/en/cities/${target.slug}`, `a click on the map opens ${target.slug} (${page.url()})`);
      assert((await page.textContent('h1')).trim() === target.names.en, 'the page is that city\'s');
      // Keyboard: Tab to the map's first marker, Enter.
      await page.goto(`${ctx.server.base}/ru/`);
      const first = await page.getAttribute('svg.map a', 'href');
      let focused = null;
      for (let i = 0; i < 40 && focused !== first; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement?.closest('svg.map') ? document.activeElement.getAttribute('href') : null);
      }
      assert(focused === first, `Tab reaches the map's markers (${focused})`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert(new URL(page.url()).pathname === first, `Enter on a marker opens its city (${page.url()} vs ${first})`);
      await page.context().close();
    },
  },
  {
    name: 'portal: a city\'s film plays over HLS with hls.js and advances; the MP4 fallback plays too; a view is counted',
    timeout: 540_000,
    async fn(ctx) {
      const city = await cityWithHls(ctx);
      const { page } = await ctx.launch({ width: 1280, height: 800 });
      await page.goto(`${ctx.server.base}/en/cities/${city.slug}`);
      // Play is pressed at once, before hls.js has attached (attaching resets the element): the page repeats it.
      await page.evaluate(() => { const v = document.querySelector('#player'); v.muted = true; return v.play().catch(() => {}); });
      const hls = await playsPast(page, '#player', 1.5);
      assert(hls.player === 'hls.js', `Chromium plays the HLS rendition through hls.js (${JSON.stringify(hls)})`);
      assert(hls.src.startsWith('blob:'), `hls.js feeds the element through Media Source (${hls.src})`);
      const later = await playsPast(page, '#player', hls.time + 1);
      assert(later.time > hls.time, 'playback advances');
      // MP4: the same page without HLS (?mp4) plays the normalised file.
      await page.goto(`${ctx.server.base}/en/cities/${city.slug}?mp4=1`);
      await page.evaluate(() => { const v = document.querySelector('#player'); v.muted = true; return v.play().catch(() => {}); });
      const mp4 = await playsPast(page, '#player', 1);
      assert(/\.mp4$/.test(mp4.src) && mp4.player === 'native', `the MP4 source plays (${JSON.stringify(mp4)})`);
      // The view counter saw the plays (no cookie was set on the way).
      const today = new Date().toISOString().slice(0, 10);
      const views = await until(async () => {
        const r = await (await fetch(`${ctx.server.base}/api/v1/public/views?from=${today}&to=${today}`)).json();
        return r.find((v) => v.media_id === city.video && v.views >= 2);
      }, 'two views counted', 10_000, 200);
      assert(views.views >= 2, 'views counted');
      const cookies = await page.context().cookies();
      assert(cookies.length === 0, `the portal sets no cookie (${cookies.map((c) => c.name).join(', ')})`);
      await page.context().close();
    },
  },
  {
    name: 'portal: "listen only" swaps a film for its sound at the same moment, and back',
    timeout: 540_000,
    async fn(ctx) {
      const city = await cityWithHls(ctx);
      const { page } = await ctx.launch({ width: 1280, height: 800 });
      await page.goto(`${ctx.server.base}/ru/cities/${city.slug}`);
      const link = page.locator('.watch a.listen');
      assert(await link.count() === 1, 'a film with sound offers its sound alone');
      assert((await link.textContent()).includes('Только звук'), 'in the page\'s language');
      assert(await page.getAttribute('.watch a.listen', 'role') === 'button', 'the link became a toggle button');
      await until(() => page.getAttribute('#player', 'data-player'), 'hls.js to attach to the film');
      await page.evaluate(() => { const v = document.querySelector('#player'); v.muted = true; return v.play().catch(() => {}); });
      const film = await playsPast(page, '#player', 2);
      await link.click();
      assert(await page.isHidden('#player'), 'the picture is gone');
      assert(await page.getAttribute('.watch a.listen', 'aria-pressed') === 'true', 'the toggle is pressed');
      const sound = await until(() => page.evaluate(() => {
        const a = document.querySelector('.listen-only audio');
        return a && !a.paused && a.currentTime > 0 && !a.error ? { time: a.currentTime, src: a.currentSrc } : null;
      }), 'the sound to play', 30_000, 100);
      assert(/audio\.m4a$/.test(sound.src), `the sound alone plays (${sound.src})`);
      assert(sound.time >= film.time - 0.5, `from where the film was (${sound.time} s vs ${film.time} s)`);
      assert(await page.evaluate(() => document.querySelector('#player').paused), 'the film paused');
      await link.click();
      assert(await page.isVisible('#player') && await page.isHidden('.listen-only'), 'the picture is back');
      await playsPast(page, '#player', sound.time);
      assert(await page.evaluate(() => document.querySelector('.listen-only audio').paused), 'the sound paused');
      for (const v of await axe(page)) assert(false, `axe ${v.impact} ${v.id} at ${v.nodes.join(' | ')}`);
      await page.context().close();
    },
  },
  {
    name: 'portal: the storyboard slider shows the frame of the moment pointed at and seeks the film, by pointer and by keys',
    timeout: 540_000,
    async fn(ctx) {
      const city = await cityWithHls(ctx);
      const url = `${ctx.server.base}/en/cities/${city.slug}`;
      // The storyboard is the portal job's last part, after the HLS ladder.
      await until(async () => (await (await fetch(url)).text()).includes('data-storyboard='), 'the film\'s storyboard', 120_000, 1000);
      const { page } = await ctx.launch({ width: 1280, height: 800 });
      await page.goto(url);
      await page.waitForSelector('.scrub:not([hidden]) input', { timeout: 15_000 });
      const slider = page.locator('.scrub input');
      assert(await page.getAttribute('.scrub input', 'aria-valuetext') === '0:00', 'the slider says where the film is, as a time');
      const max = Number(await slider.getAttribute('max'));
      assert(max > 1, `the slider spans the film (${max} s)`);
      const box = await slider.boundingBox();
      // Hovering at three quarters shows that moment's tile of the sprite.
      await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
      const hover = await page.evaluate(() => {
        const p = document.querySelector('.scrub-preview');
        const t = p.querySelector('.tile');
        return { hidden: p.hidden, image: t.style.backgroundImage, position: t.style.backgroundPosition, at: p.querySelector('.at').textContent, w: t.offsetWidth };
      });
      assert(!hover.hidden && /storyboard\.jpg/.test(hover.image) && hover.w > 0, `a frame of the storyboard is shown: ${JSON.stringify(hover)}`);
      assert(hover.position !== '-0px -0px' && hover.position !== '0px 0px', `not the first frame at three quarters: ${JSON.stringify(hover)}`);
      const served = await fetch(new URL(hover.image.match(/url\("?([^")]+)/)[1], url));
      assert(served.ok && served.headers.get('content-type') === 'image/jpeg', 'the sprite is served');
      // A click there seeks the film to about that moment.
      await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
      const t = await until(() => page.evaluate(() => document.querySelector('#player').currentTime || null), 'the film sought', 10_000, 100);
      assert(Math.abs(t - max * 0.75) < max * 0.1 + 1, `the film went to about three quarters (${t} of ${max} s)`);
      // From the keyboard: Home goes back to the start, with a frame shown for it.
      await slider.focus();
      await page.keyboard.press('Home');
      const back = await until(() => page.evaluate(() => {
        const v = document.querySelector('#player');
        return v.currentTime < 0.5 ? { t: v.currentTime, preview: !document.querySelector('.scrub-preview').hidden, text: document.querySelector('.scrub input').getAttribute('aria-valuetext') } : null;
      }), 'Home to seek to the start', 10_000, 100);
      assert(back.preview && back.text === '0:00', `the keys move the slider with its frame and time: ${JSON.stringify(back)}`);
      await page.context().close();
    },
  },
  {
    name: 'portal: tour mode plays city after city with the city\'s caption, pauses and goes on',
    timeout: 240_000,
    async fn(ctx) {
      await cityWithHls(ctx);
      const { page } = await ctx.launch({ width: 1280, height: 800 });
      await page.goto(`${ctx.server.base}/zh/tour`);
      await until(() => page.isVisible('#tour'), 'the tour to start');
      const first = await until(() => page.getAttribute('#tour', 'data-city'), 'a first city');
      const name = await page.textContent('#tour-name');
      assert(name && name.length > 0, 'the caption names the city');
      await playsPast(page, '#tour-video', 0.5);
      // Pause holds the film; play goes on.
      await page.click('#tour-pause');
      assert(await page.evaluate(() => document.querySelector('#tour-video').paused), 'pause pauses');
      await page.click('#tour-pause');
      const seen = new Set([first]);
      for (let i = 0; i < 3; i++) {
        await page.click('#tour-next');
        const c = await until(async () => {
          const c = await page.getAttribute('#tour', 'data-city');
          return c && !seen.has(c) ? c : null;
        }, 'the next city');
        seen.add(c);
      }
      assert(seen.size === 4, `four different cities (${[...seen].join(', ')})`);
      // The tour also moves on by itself when a film ends.
      const before = await page.getAttribute('#tour', 'data-city');
      await page.evaluate(() => { const v = document.querySelector('#tour-video'); v.dispatchEvent(new Event('ended')); });
      await until(async () => (await page.getAttribute('#tour', 'data-city')) !== before, 'the tour to advance at the end of a film');
      if (ctx.opts.screenshots) {
        // The pictures of docs/portal.md and the README (`node e2e/run.mjs --screenshots portal:`).
        const city = await cityWithHls(ctx);
        const shot = (name) => page.screenshot({ path: path.join(ROOT, 'docs', `portal-${name}.png`), fullPage: false });
        for (const lang of ['en', 'ru', 'zh']) {
          await page.goto(`${ctx.server.base}/${lang}/`);
          await shot(`home-${lang}`);
          await page.goto(`${ctx.server.base}/${lang}/cities/${city.slug}`);
          await until(() => page.getAttribute('#player', 'data-player'), 'hls.js to attach to the film');
          await page.evaluate(() => { const v = document.querySelector('#player'); v.muted = true; return v.play().catch(() => {}); });
          await playsPast(page, '#player', 2);
          await page.evaluate(() => document.querySelector('#player').pause());
          await shot(`city-${lang}`);
          await page.goto(`${ctx.server.base}/${lang}/tour`);
          await until(() => page.isVisible('#tour'), 'the tour to start');
          await playsPast(page, '#tour-video', 2.5);
          await shot(`tour-${lang}`);
        }
      }
      await page.context().close();
    },
  },
  {
    name: 'portal: the language switch keeps the page',
    async fn(ctx) {
      const city = (await stops(ctx))[0];
      const { page } = await ctx.launch({ width: 1280, height: 800 });
      await page.goto(`${ctx.server.base}/en/cities/${city.slug}`);
      await Promise.all([page.waitForNavigation(), page.click('nav.langs a[hreflang=ru]')]);
      assert(new URL(page.url()).pathname === `/ru/cities/${city.slug}`, `same city in Russian (${page.url()})`);
      await Promise.all([page.waitForNavigation(), page.click('nav.langs a[hreflang=zh]')]);
      assert(new URL(page.url()).pathname === `/zh/cities/${city.slug}`, `same city in Chinese (${page.url()})`);
      assert(await page.getAttribute('html', 'lang') === 'zh', 'the page is in Chinese');
      const alternates = await page.locator('link[rel=alternate][hreflang]').count();
      assert(alternates === 4, `hreflang alternates for en, ru, zh and x-default (${alternates})`);
      await page.context().close();
    },
  },
  {
    name: 'portal: search finds a city by a Russian inflected form, a Chinese name without spaces and an English stem',
    async fn(ctx) {
      const { page } = await ctx.launch({ width: 1280, height: 800 });
      const search = async (lang, q) => {
        await page.goto(`${ctx.server.base}/${lang}/`);
        await page.fill('header input[type=search]', q);
        await Promise.all([page.waitForNavigation(), page.press('header input[type=search]', 'Enter')]);
        return page.$$eval('.results a', (as) => as.map((a) => a.getAttribute('href')));
      };
      // "в Сингапуре" (in Singapore), "Леверкузене": prepositional cases of Сингапур and Леверкузен.
      let hits = await search('ru', 'Сингапуре');
      assert(hits[0] === '/ru/cities/singapore', `Russian inflected form → Singapore (${hits.join(', ')})`);
      hits = await search('ru', 'Леверкузене');
      assert(hits[0] === '/ru/cities/leverkusen', `Russian inflected form → Leverkusen (${hits.join(', ')})`);
      hits = await search('zh', '相模原市');
      assert(hits[0] === '/zh/cities/sagamihara', `Chinese name without spaces → Sagamihara (${hits.join(', ')})`);
      hits = await search('en', 'ports');
      assert(hits.includes('/en/cities/akashi'), `English stem "ports" finds the port city Akashi (${hits.join(', ')})`);
      // A result leads to the page found.
      await Promise.all([page.waitForNavigation(), page.click('.results a[href="/en/cities/akashi"]')]);
      assert((await page.textContent('h1')).trim() === 'Akashi', 'the result opens the city');
      // Too long a query is refused on its field, and the text is kept.
      await page.goto(`${ctx.server.base}/en/search?q=${'a'.repeat(201)}`);
      assert(await page.getAttribute('#q-main', 'aria-invalid') === 'true', 'the field is marked invalid');
      assert((await page.textContent('#q-error')).includes('200'), 'the error names the limit');
      await page.context().close();
    },
  },
];
