// The web player's manifest decoder against the Rust wire types: `node e2e/wire.mjs` (from the repository root;
// no browser, no server). Each `e2e/fixtures/wire/NAME.manifest.json` is a body written by the Rust types
// (crates/protocol/tests/wire_fixtures.rs, which also writes `NAME.expected.json`: what the player must decode).
// This script decodes every body with web/player/js/manifest.js and exits 1 on any difference.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { decodePlays, normalize } from '../web/player/js/manifest.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'wire');
const names = readdirSync(dir).filter((f) => f.endsWith('.manifest.json')).sort();
let failed = 0;

function check(name, what, got, want) {
  if (!isDeepStrictEqual(got, want)) {
    failed++;
    console.error(`FAIL ${name}: ${what}\n  got:  ${JSON.stringify(got)}\n  want: ${JSON.stringify(want)}`);
  }
}

if (names.length === 0) {
  console.error(`FAIL no fixtures in ${dir}`);
  process.exit(1);
}

for (const file of names) {
  const name = file.replace(/\.manifest\.json$/, '');
  const before = failed;
  const raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const want = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8'));
  let m;
  try {
    m = normalize(raw);
  } catch (e) {
    failed++;
    console.error(`FAIL ${name}: the player refused it: ${e.message}`);
    continue;
  }
  check(name, 'explicit play entries', decodePlays(raw.plays), want.entries);
  check(name, 'etag', m.etag, want.etag);
  check(name, 'horizon', m.horizon, want.horizon);
  check(name, 'refresh_before', m.refreshBefore, want.refresh_before);
  check(name, 'screen', { id: m.screen.id, tz: m.screen.tz, orientation: m.screen.orientation }, want.screen);
  check(name, 'layout', { name: m.layout.name, zones: Object.keys(m.layout.zones) }, want.layout);
  check(name, 'main-zone plays', m.zones.main.map((p) => ({
    start: p.start,
    end: p.end,
    truncated: p.truncated,
    kind: p.kind,
    campaign: p.campaign,
    item: p.item,
    partner: p.partner,
    alert: p.alert ? p.alert.id : null,
  })), want.plays.map((p) => ({
    start: p.start,
    end: p.end,
    truncated: p.truncated,
    kind: p.kind,
    campaign: p.campaign,
    item: p.item,
    partner: p.partner,
    alert: p.alert,
  })));
  // The ticker loops its items from the horizon's start: its first plays are the items in order.
  check(name, 'ticker items', m.zones.ticker.slice(0, want.ticker.length).map((p) => ({ campaign: p.campaign, item: p.item })), want.ticker);
  check(name, 'ticker present', m.zones.ticker.length > 0, want.ticker.length > 0);
  check(name, 'media', m.media.map((x) => x.url), want.media);
  // Free zones loop their items from the horizon's start, like the ticker.
  const wantFree = want.zone_items || {};
  check(name, 'free zones with items', Object.keys(m.zones.free).sort(), Object.keys(wantFree).sort());
  for (const [z, items] of Object.entries(wantFree)) {
    const got = (m.zones.free[z] || []).slice(0, items.length).map((p) => ({ campaign: p.campaign, item: p.item, zone: p.zone }));
    check(name, `zone ${z} items`, got, items.map((i) => ({ ...i, zone: z })));
    const first = m.zones.free[z] && m.zones.free[z][0];
    check(name, `zone ${z} starts at the horizon`, first && first.start, want.horizon.from);
  }
  if (failed === before) console.log(`ok ${name}: ${m.zones.main.length} plays`);
}

console.log(failed ? `wire: ${failed} difference(s)` : `wire: ${names.length} fixtures decode as the Rust types say`);
process.exit(failed ? 1 : 0);
