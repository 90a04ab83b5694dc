// Browser end-to-end tests of the Twincast web player and operator console: `node e2e/run.mjs` (from the repository root).
//
// Builds `twincast` (cargo build -p twincast-cli), starts `twincast demo` on free loopback ports with fresh data
// directories under .tmp/, drives Debian's Chromium (TWINCAST_CHROMIUM, default /usr/bin/chromium) through
// playwright-core with a fresh profile per player, and writes measurements to .tmp/player-bench.json
// (`--bench` also updates the `## Web player` section of docs/benchmarks.md; `--screenshots` refreshes
// docs/player-*.png). Ends with `N passed, N failed`; exits non-zero on any failure. Bounded: each test has a time
// limit and the whole run aborts after TWINCAST_E2E_TIMEOUT_S (default 1200 s). TWINCAST_E2E_DEBUG=1 prints the sync
// test's per-transition details (each page's lateness, when its layer was created and ready).
//
// Lanes: the suites (one per test file) run on TWINCAST_E2E_LANES servers at once (default 2), each lane with its
// own `twincast demo` (with the films of TWINCAST_E2E_FILMS cities, default 6: e2e/lib.mjs), data directory and
// browsers, so that no suite sees another's changes. The player's suite asserts timings (items start on their
// boundary, a sync group within 100 ms), so it runs first and alone; the other suites then share the lanes, each
// lane taking the next suite in the list when it is free.

import { ROOT, Server, buildBinary } from './lib.mjs';
import { tests as playerTests, Context } from './player.test.mjs';
import { tests as consoleTests } from './console.test.mjs';
import { tests as consoleMediaTests } from './console_media.test.mjs';
import { tests as consoleCampaignsTests } from './console_campaigns.test.mjs';
import { tests as consoleAdminTests } from './console_admin.test.mjs';
import { tests as portalTests } from './portal.test.mjs';
import { tests as newsTests } from './news.test.mjs';
import { tests as consoleNewsTests } from './console_news.test.mjs';
import { tests as consoleProjectsTests } from './console_projects.test.mjs';
import { tests as tickersTests } from './tickers.test.mjs';
import { tests as projectsTests } from './projects.test.mjs';
import { tests as newsSourcesTests } from './news_sources.test.mjs';
import { tests as alertsTests } from './alerts.test.mjs';
import { tests as airtimeTests } from './airtime.test.mjs';
import { tests as videoTests } from './video.test.mjs';

/** The suites in order; `alone` runs before the others, with no other lane busy. */
const suites = [
  { name: 'player', tests: playerTests, alone: true },
  { name: 'console', tests: consoleTests },
  { name: 'console_admin', tests: consoleAdminTests },
  { name: 'projects', tests: projectsTests },
  { name: 'console_campaigns', tests: consoleCampaignsTests },
  { name: 'portal', tests: portalTests },
  { name: 'console_news', tests: consoleNewsTests },
  { name: 'console_projects', tests: consoleProjectsTests },
  { name: 'tickers', tests: tickersTests },
  { name: 'console_media', tests: consoleMediaTests },
  { name: 'news', tests: newsTests },
  { name: 'news_sources', tests: newsSourcesTests },
  { name: 'alerts', tests: alertsTests },
  { name: 'video', tests: videoTests },
  { name: 'airtime', tests: airtimeTests },
];

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const limitS = Number(process.env.TWINCAST_E2E_TIMEOUT_S || 1200);
const selected = (t) => !only.length || only.some((o) => t.name.includes(o));
const wanted = suites.map((s) => ({ ...s, tests: s.tests.filter(selected) })).filter((s) => s.tests.length);
const laneCount = Math.max(1, Math.min(Number(process.env.TWINCAST_E2E_LANES || 2), wanted.filter((s) => !s.alone).length || 1));

/** One lane: a server of its own and the context (API client, browsers, measurements) its suites share. */
class Lane {
  constructor(n, bin) {
    this.n = n;
    this.server = new Server(bin);
    this.ctx = null;
    this.stopped = false;
  }

  async start() {
    await this.server.start();
    console.log(`e2e: lane ${this.n}: server at ${this.server.base} (data ${this.server.dir})`);
    this.ctx = new Context(this.server, { screenshots: flags.has('--screenshots'), bench: flags.has('--bench') });
    await this.ctx.setup();
  }

  async run(suite) {
    for (const t of suite.tests) {
      if (this.stopped) return;
      const t0 = Date.now();
      let timer = null;
      try {
        await Promise.race([
          t.fn(this.ctx),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`test timed out after ${t.timeout || 120_000} ms`)), t.timeout || 120_000);
          }),
        ]);
        passed += 1;
        console.log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${laneCount > 1 ? ` [lane ${this.n}]` : ''}`);
      } catch (e) {
        failed += 1;
        console.log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s) [lane ${this.n}]\n     ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n     ')}`);
        if (t.fatal) {
          this.stopped = true;
          return;
        }
        await this.ctx.recover();
      } finally {
        clearTimeout(timer);
      }
    }
  }

  async close() {
    try {
      if (this.ctx) await this.ctx.close();
    } catch (_) { /* best effort */ }
    try {
      await this.server.stop();
    } catch (_) { /* best effort */ }
    if (failed === 0) this.server.cleanup();
  }
}

let lanes = [];
let passed = 0;
let failed = 0;

async function cleanup() {
  await Promise.all(lanes.map((l) => l.close()));
}

const watchdog = setTimeout(async () => {
  console.error(`e2e: aborted after ${limitS} s`);
  failed += 1;
  await cleanup();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}, limitS * 1000);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

try {
  console.log('e2e: building twincast…');
  const bin = buildBinary();
  lanes = Array.from({ length: laneCount }, (_, i) => new Lane(i + 1, bin));
  // Every lane's server starts (and uploads its test media) before any test runs, so that no start-up competes with
  // the timed player suite.
  await Promise.all(lanes.map((l) => l.start()));
  for (const s of wanted.filter((s) => s.alone)) await lanes[0].run(s);
  const queue = wanted.filter((s) => !s.alone);
  await Promise.all(lanes.map(async (lane) => {
    while (!lane.stopped && queue.length) await lane.run(queue.shift());
  }));
  await lanes[0].ctx.report(ROOT);
} catch (e) {
  failed += 1;
  console.log(`FAIL setup\n     ${String(e && e.stack || e)}`);
  for (const l of lanes) console.log(l.server.output.slice(-3000));
}
clearTimeout(watchdog);
await cleanup();
// There is no skip: a test that cannot reach its feature fails. A run that ran nothing (a filter matching no test)
// fails too.
if (passed + failed === 0) {
  failed += 1;
  console.log(`FAIL no test ran${only.length ? ` (no test name contains ${only.join(' or ')})` : ''}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
