// HTML slides built from a template name and its data. Data is only ever inserted as text (never as HTML), so a
// partner's text cannot inject markup or script into the player.

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null && text !== '') e.textContent = String(text);
  return e;
}

function pick(data, ...keys) {
  for (const k of keys) {
    const v = data && data[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
    if (v && typeof v === 'object' && typeof v.en === 'string') return v.en; // localized {en, ru, zh}
  }
  return '';
}

/** Turns an ISO 3166 alpha-2 code into its flag emoji ("FR" → 🇫🇷); other strings are returned unchanged. */
export function flagOf(s) {
  if (typeof s === 'string' && /^[A-Za-z]{2}$/.test(s)) {
    return String.fromCodePoint(...[...s.toUpperCase()].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
  }
  return s || '';
}

/** A partner card: city, country, flag, short text. */
export function partnerCard(data) {
  const root = el('div', 'slide partner-card');
  root.append(el('div', 'flag', flagOf(pick(data, 'flag', 'country_code'))));
  root.append(el('div', 'city', pick(data, 'city', 'name')));
  root.append(el('div', 'country', pick(data, 'country', 'country_name')));
  const since = pick(data, 'since');
  if (since) root.append(el('div', 'since', `Sister city since ${since}`));
  root.append(el('div', 'text', pick(data, 'text', 'description')));
  return root;
}

/** A news headline. */
export function headline(data) {
  const root = el('div', 'slide headline');
  root.append(el('div', 'kicker', pick(data, 'kicker', 'source') || 'News'));
  root.append(el('div', 'title', pick(data, 'headline', 'title', 'text', 'en')));
  return root;
}

/** The player's catalogues by language (`player-*` messages), filled by the player at start. */
export const catalogues = {};

/** Text `id` in language `lang` (an alert's), else `fallback`. */
export function textIn(lang, id, fallback) {
  const m = catalogues[String(lang || '').split('-')[0]];
  return (m && m[id]) || fallback;
}

/** Severity as a shape and a word, not only a colour (English words; `t` may give the screen's own). */
const SEVERITY = {
  Extreme: ['⛔', 'Extreme danger'],
  Severe: ['⚠', 'Severe warning'],
  Moderate: ['⚠', 'Warning'],
  Minor: ['ℹ', 'Advisory'],
  Unknown: ['ℹ', 'Alert'],
};

/**
 * An emergency alert, in the language of the CAP block the server chose for this screen (`a.language`, set as
 * the slide's `lang` so fonts and hyphenation follow it). Severity is a band with an icon and a word (class
 * `sev-<severity>`), so it reads without colour. `t(id, fallback)` gives the player's catalogue text.
 */
export function alertSlide(a, t = (id, f) => textIn(a.language, id, f)) {
  const sev = SEVERITY[a.severity] ? a.severity : 'Unknown';
  const root = el('div', `slide alert sev-${sev.toLowerCase()}`);
  if (a.language) root.lang = a.language;
  root.setAttribute('role', 'alert');
  const band = el('div', 'severity');
  band.append(el('span', 'icon', SEVERITY[sev][0]));
  band.append(el('span', 'word', t(`player-alert-${sev.toLowerCase()}`, SEVERITY[sev][1]).toUpperCase()));
  root.append(band);
  if (a.event) root.append(el('div', 'kicker', a.event));
  root.append(el('div', 'title', a.headline || ''));
  if (a.description) root.append(el('div', 'text', a.description));
  if (a.instruction) root.append(el('div', 'text instruction', a.instruction));
  return root;
}

/** The slide for `template` with `data`; an unknown template shows its data's title as a headline. */
export function slide(template, data) {
  switch (template) {
    case 'partner_card':
      return partnerCard(data || {});
    case 'headline':
      return headline(data || {});
    case 'idle': {
      const root = el('div', 'slide idle');
      root.append(el('div', 'city', 'Twincast'));
      root.append(el('div', 'country', 'Sister cities'));
      return root;
    }
    default:
      return headline({ headline: pick(data, 'title', 'headline', 'text') || template || '' });
  }
}

/** The one-line ticker text of a play (headline items, alerts, or anything with a title). */
export function tickerText(play) {
  if (play.kind === 'alert') return `⚠ ${play.alert.headline || play.alert.event || 'Alert'}`;
  const d = play.data || {};
  return pick(d, 'headline', 'title', 'text', 'en', 'city') || '';
}
