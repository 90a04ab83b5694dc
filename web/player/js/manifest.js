// Turns the server's manifest (docs/player-protocol.md) into the player's model:
//   { etag, screen: {id, name, orientation, tz}, layout: {ticker, clock},
//     zones: { main: Play[], ticker: Play[] }, media: [{url, size, sha256, first}] }
// Play: { id, start, end, kind: video|image|html|web|alert, partner, campaign, item, src, template, data, url,
//         alert }, sorted by start, non-overlapping.

const num = (v) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Date.parse(v) : NaN);

function asMap(x, key = 'id') {
  if (!x) return new Map();
  if (Array.isArray(x)) return new Map(x.map((v) => [v[key], v]));
  return new Map(Object.entries(x));
}

/**
 * @param {object} raw manifest JSON
 * @param {{portrait: boolean}} opts
 */
export function normalize(raw, { portrait = false } = {}) {
  if (!raw || typeof raw !== 'object') throw new Error('manifest is not an object');
  const screen = raw.screen || {};
  const media = asMap(raw.media);
  const items = asMap(raw.items || raw.content);
  const alerts = asMap(raw.alerts);
  const mediaUrl = (ref) => {
    if (!ref) return null;
    const m = media.get(ref);
    if (m) return m.url || null;
    if (typeof ref === 'string' && ref.startsWith('/')) return ref;
    return null;
  };

  const toPlay = (p, zone, i) => {
    const start = num(p.start ?? p.start_ms ?? p.starts_at);
    const end = num(p.end ?? p.end_ms ?? p.ends_at);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) throw new Error(`play ${i} of ${zone}: bad times`);
    const item = (p.item && typeof p.item === 'object' ? p.item : items.get(p.item ?? p.item_id)) || {};
    const alert = p.kind === 'alert' || p.alert ? (typeof p.alert === 'object' && p.alert ? p.alert : alerts.get(p.alert ?? p.alert_id) || { id: p.alert }) : null;
    let kind = alert ? 'alert' : item.kind || p.content_kind || p.item_kind || 'html';
    const mediaRef = portrait && (item.portrait_media || item.portrait_media_id || p.portrait_media) ? (item.portrait_media || item.portrait_media_id || p.portrait_media) : (item.media ?? item.media_id ?? p.media);
    const src = item.src || item.url_media || mediaUrl(mediaRef) || (typeof p.src === 'string' ? p.src : null);
    if ((kind === 'video' || kind === 'image') && !src) kind = 'html';
    return {
      id: p.id || `${zone}:${p.item ?? p.alert ?? i}@${start}`,
      zone,
      start,
      end,
      kind,
      partner: p.partner || item.partner || null,
      campaign: p.campaign || item.campaign || null,
      item: (typeof p.item === 'string' ? p.item : item.id) || null,
      src,
      template: item.template || p.template || null,
      data: item.data || p.data || null,
      url: kind === 'web' ? item.url || p.url || null : null,
      alert,
    };
  };

  const zones = { main: [], ticker: [] };
  const src = raw.zones || (raw.plays || raw.sequence ? { main: raw.plays || raw.sequence } : {});
  for (const [name, list] of Object.entries(src)) {
    const plays = Array.isArray(list) ? list : Array.isArray(list && list.plays) ? list.plays : [];
    const z = name === 'ticker' ? 'ticker' : name === 'main' ? 'main' : null;
    if (!z) continue;
    zones[z] = plays.map((p, i) => toPlay(p, z, i)).sort((a, b) => a.start - b.start);
  }
  // Plays that name their zone, in a flat list.
  if (Array.isArray(raw.plays) && raw.plays.some((p) => p.zone)) {
    zones.main = [];
    zones.ticker = [];
    raw.plays.forEach((p, i) => {
      const z = p.zone === 'ticker' ? 'ticker' : 'main';
      zones[z].push(toPlay(p, z, i));
    });
    zones.main.sort((a, b) => a.start - b.start);
    zones.ticker.sort((a, b) => a.start - b.start);
  }
  const layoutRaw = raw.layout || screen.layout || {};
  const layoutName = typeof layoutRaw === 'string' ? layoutRaw : layoutRaw.kind || layoutRaw.name || '';
  const hasTicker = layoutName ? /ticker/.test(layoutName) : zones.ticker.length > 0;
  const mediaList = [...media.values()]
    .filter((m) => m && m.url)
    .map((m) => ({ url: m.url, size: m.size || m.bytes || 0, sha256: m.sha256 || m.hash || null }));
  return {
    etag: raw.etag || raw.version || null,
    screen: {
      id: screen.id || raw.screen_id || null,
      name: screen.name || null,
      orientation: screen.orientation || raw.orientation || null,
      tz: screen.tz || screen.timezone || raw.tz || 'UTC',
      sync_group: screen.sync_group || raw.sync_group || null,
    },
    layout: { name: layoutName, ticker: hasTicker, clock: hasTicker },
    zones,
    media: mediaList,
    horizon: { from: num(raw.from ?? raw.horizon_from), to: num(raw.to ?? raw.horizon_to) },
  };
}

/** Id of the alert playing at `t` in a play list, or null. */
export function alertAt(plays, t) {
  for (const p of plays) {
    if (p.start <= t && t < p.end) return p.kind === 'alert' ? (p.alert && p.alert.id) || p.id : null;
    if (p.start > t) break;
  }
  return null;
}

/** The horizon's media, each once, ordered by first use at or after `now` (what plays soonest first). */
export function mediaOrder(m, now) {
  const sizes = new Map(m.media.map((x) => [x.url, x]));
  const out = [];
  const seen = new Set();
  const plays = [...m.zones.main, ...m.zones.ticker].filter((p) => p.end > now && p.src).sort((a, b) => a.start - b.start);
  for (const p of plays) {
    if (seen.has(p.src)) continue;
    seen.add(p.src);
    const info = sizes.get(p.src) || {};
    out.push({ url: p.src, size: info.size || 0, sha256: info.sha256 || null });
  }
  return out;
}
