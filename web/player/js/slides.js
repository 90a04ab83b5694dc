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

/** An emergency alert. */
export function alertSlide(a) {
  const root = el('div', 'slide alert');
  root.append(el('div', 'kicker', (a.event || 'Emergency alert').toUpperCase()));
  root.append(el('div', 'title', a.headline || ''));
  if (a.description) root.append(el('div', 'text', a.description));
  if (a.instruction) root.append(el('div', 'text', a.instruction));
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
