// Turns the server's manifest (docs/player-protocol.md §3, `format: 2`, also 1) into the player's model:
//   { etag, screen: {id, name, orientation, tz, groups}, layout: {name, ticker, zones: {main, ticker, clock, …}},
//     zones: { main: Play[], ticker: Play[], free: {zone name: Play[]} }, media: [{id, url, size, sha256}],
//     refreshBefore, horizon }
// Play: { id, start, end, kind: video|image|html|web|alert, partner, campaign, item, src, template, data, url,
//         alert, truncated }, sorted by start, non-overlapping. Ids are stable across manifest versions (same
// content at the same instant → same id), so a new manifest does not restart what is on screen.

/**
 * `plays` as `[offset, duration, ref, truncated]` entries. Format 2 omits the offset of a play that starts where
 * the previous one ended (`[duration, ref]` or `[duration, ref, 1]`); 4-element entries (all of format 1) are
 * explicit.
 */
export function decodePlays(plays) {
  const out = [];
  let prevEnd = 0;
  for (const [i, p] of (Array.isArray(plays) ? plays : []).entries()) {
    check(Array.isArray(p) && p.length >= 2 && p.length <= 4, `play ${i} is not [offset?, duration, ref, truncated?]`);
    const e = p.length === 4 ? p : [prevEnd, p[0], p[1], p.length === 3 ? p[2] : 0];
    check(Number.isFinite(e[0]) && Number.isFinite(e[1]) && e[1] > 0, `play ${i} has bad times`);
    out.push(e);
    prevEnd = e[0] + e[1];
  }
  return out;
}

/** Rejects anything that is not a format-1 or format-2 manifest, naming what is wrong. */
function check(cond, what) {
  if (!cond) throw new Error(`manifest: ${what}`);
}

const TEMPLATES = { 'partner-card': 'partner_card', partner_card: 'partner_card', headline: 'headline' };

function playOf(item, mediaById, start, end, zone) {
  const kind = item.kind;
  const m = item.media ? mediaById.get(item.media) : null;
  let k = kind;
  if ((k === 'video' || k === 'image') && !(m && m.url)) k = 'html'; // missing medium: show a card, not nothing
  return {
    id: `${zone}:${item.campaign || ''}/${item.item || ''}@${start}`,
    zone,
    start,
    end,
    kind: k,
    partner: item.partner || null,
    partnerName: item.partner_name || null,
    campaign: item.campaign || null,
    item: item.item || null,
    src: m ? m.url : null,
    template: TEMPLATES[item.template] || item.template || null,
    // A card in place of a missing medium names the partner in the screen's language, never by its slug.
    data: item.data || (k === 'html' && !item.template ? { city: item.partner_name || '' } : null),
    url: kind === 'web' ? item.url || null : null,
    alert: null,
    truncated: false,
  };
}

/**
 * @param {object} raw manifest JSON
 * @param {{tickerUntil?: number}} opts
 */
export function normalize(raw) {
  check(raw && typeof raw === 'object', 'not an object');
  check(raw.format === 1 || raw.format === 2, `unsupported format ${raw.format}`);
  check(raw.horizon && Number.isFinite(raw.horizon.from) && Number.isFinite(raw.horizon.to), 'no horizon');
  const items = Array.isArray(raw.items) ? raw.items : [];
  const alerts = Array.isArray(raw.alerts) ? raw.alerts : [];
  const media = Array.isArray(raw.media) ? raw.media : [];
  const mediaById = new Map(media.map((m) => [m.id, m]));
  const from = raw.horizon.from;

  const main = [];
  for (const [i, [off, dur, ref, trunc]] of decodePlays(raw.plays).entries()) {
    check(Number.isFinite(off) && Number.isFinite(dur) && dur > 0, `play ${i} has bad times`);
    const start = from + off;
    const end = start + dur;
    let play;
    if (ref >= 0) {
      check(ref < items.length, `play ${i} refers to missing item ${ref}`);
      play = playOf(items[ref], mediaById, start, end, 'main');
    } else {
      const a = alerts[-ref - 1];
      check(a, `play ${i} refers to missing alert ${ref}`);
      // The alert's own expiry is honoured here too, so a player that stays offline takes it down on time
      // whatever the play list says.
      const stop = Number.isFinite(a.expires) ? Math.min(end, a.expires) : end;
      if (stop <= start) continue;
      play = { id: `main:alert/${a.id}@${start}`, zone: 'main', start, end: stop, kind: 'alert', partner: null, campaign: null, item: null, src: null, template: null, data: null, url: null, alert: a, truncated: false };
    }
    play.truncated = trunc === 1;
    main.push(play);
  }
  main.sort((a, b) => a.start - b.start);

  // Ticker items, and the items of each free zone, loop over the whole horizon from its start: every screen
  // computes the same instants.
  const loop = (list, zone) => {
    const out = [];
    const its = (Array.isArray(list) ? list : []).filter((t) => t && t.duration_ms > 0);
    if (!its.length) return out;
    let t = from;
    for (let n = 0; t < raw.horizon.to && n < 100_000; n++) {
      const it = its[n % its.length];
      const end = t + Math.max(1000, it.duration_ms);
      out.push(playOf(it, mediaById, t, end, zone));
      t = end;
    }
    return out;
  };
  const ticker = loop(raw.ticker, 'ticker');
  const free = {};
  const zoneItems = raw.zone_items && typeof raw.zone_items === 'object' ? raw.zone_items : {};
  for (const [name, list] of Object.entries(zoneItems)) {
    if (name === 'main' || name === 'ticker' || name === 'clock') continue;
    const plays = loop(list, name);
    if (plays.length) free[name] = plays;
  }

  const screen = raw.screen || {};
  const layout = raw.layout || {};
  const zones = {};
  for (const z of Array.isArray(layout.zones) ? layout.zones : []) {
    if (z && typeof z.name === 'string') zones[z.name] = { x: +z.x || 0, y: +z.y || 0, w: +z.w || 0, h: +z.h || 0 };
  }
  return {
    etag: raw.etag || null,
    screen: {
      id: screen.id || null,
      name: screen.name || null,
      orientation: layout.orientation || screen.orientation || null,
      tz: screen.tz || 'UTC',
      groups: screen.groups || [],
    },
    layout: { name: layout.name || 'fullscreen', ticker: !!zones.ticker, zones },
    zones: { main, ticker, free },
    media: media.filter((m) => m && m.url).map((m) => ({ id: m.id, url: m.url, size: m.size || 0, sha256: m.sha256 || null })),
    horizon: { from, to: raw.horizon.to },
    refreshBefore: Number.isFinite(raw.refresh_before) ? raw.refresh_before : null,
  };
}

/** Id of the alert playing at `t` in a play list, or null. */
export function alertAt(plays, t) {
  let lo = 0;
  let hi = plays.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = plays[mid];
    if (t < p.start) hi = mid - 1;
    else if (t >= p.end) lo = mid + 1;
    else return p.kind === 'alert' ? p.alert.id : null;
  }
  return null;
}

/** The horizon's media, each once, ordered by first use at or after `now` (what plays soonest first). */
export function mediaOrder(m, now) {
  const info = new Map(m.media.map((x) => [x.url, x]));
  const out = [];
  const seen = new Set();
  const all = [m.zones.main, ...Object.values(m.zones.free || {})];
  for (const p of all.flat().filter((x) => x.end > now).sort((a, b) => a.start - b.start)) {
    if (!p.src || seen.has(p.src)) continue;
    seen.add(p.src);
    const x = info.get(p.src) || {};
    out.push({ url: p.src, size: x.size || 0, sha256: x.sha256 || null });
  }
  return out;
}
