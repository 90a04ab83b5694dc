// Browser end-to-end tests of the Twincast web player and operator console: `node e2e/run.mjs` (from the repository root).
//
// Builds `twincast` (cargo build -p twincast-cli), starts `twincast demo` on a free loopback port with a fresh data
// directory under .tmp/, drives Debian's Chromium (TWINCAST_CHROMIUM, default /usr/bin/chromium) through
// playwright-core with a fresh profile per player, and writes measurements to .tmp/player-bench.json
// (`--bench` also updates the `## Web player` section of docs/benchmarks.md; `--screenshots` refreshes
// docs/player-*.png). Ends with `N passed, N failed`; exits non-zero on any failure. Bounded: each test has a time
// limit and the whole run aborts after TWINCAST_E2E_TIMEOUT_S (default 900 s). TWINCAST_E2E_DEBUG=1 prints the sync
// test's per-transition details (each page's lateness, when its layer was created and ready).

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

const tests = [...playerTests, ...consoleTests, ...consoleMediaTests, ...consoleCampaignsTests, ...consoleAdminTests, ...portalTests, ...newsTests, ...consoleNewsTests, ...consoleProjectsTests, ...tickersTests, ...projectsTests, ...newsSourcesTests, ...alertsTests];

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const limitS = Number(process.env.TWINCAST_E2E_TIMEOUT_S || 900);

let server = null;
let ctx = null;
let passed = 0;
let failed = 0;

async function cleanup() {
  try {
    if (ctx) await ctx.close();
  } catch (_) { /* best effort */ }
  try {
    if (server) await server.stop();
  } catch (_) { /* best effort */ }
  if (server && failed === 0) server.cleanup();
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
  server = new Server(bin);
  await server.start();
  console.log(`e2e: server at ${server.base} (data ${server.dir})`);
  ctx = new Context(server, { screenshots: flags.has('--screenshots'), bench: flags.has('--bench') });
  await ctx.setup();
  for (const t of tests) {
    if (only.length && !only.some((o) => t.name.includes(o))) continue;
    const t0 = Date.now();
    try {
      await Promise.race([
        t.fn(ctx),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`test timed out after ${t.timeout || 120_000} ms`)), t.timeout || 120_000)),
      ]);
      passed += 1;
      console.log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n     ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n     ')}`);
      if (t.fatal) break;
      await ctx.recover();
    }
  }
  await ctx.report(ROOT);
} catch (e) {
  failed += 1;
  console.log(`FAIL setup\n     ${String(e && e.stack || e)}`);
  if (server) console.log(server.output.slice(-3000));
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
