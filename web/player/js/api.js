// The player protocol (docs/player-protocol.md), HTTP side. Every URL the player uses is in this file.

/** The server refused the credentials (unknown, expired or revoked token / pairing). */
export class AuthError extends Error {}

/** Any other unusable answer. */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function problem(res) {
  let detail = '';
  try {
    const j = await res.json();
    detail = j.code ? `${j.code}: ${j.detail || j.title || ''}` : JSON.stringify(j);
  } catch (_) { /* not JSON */ }
  const msg = `HTTP ${res.status} ${detail}`.trim();
  if (res.status === 401 || res.status === 403) return new AuthError(msg);
  return new HttpError(res.status, msg);
}

/** A stored play event as the protocol wants it (§6): only its fields, device times. */
export function wire(e) {
  const base = { id: e.id, started_at: e.device_started_at ?? e.started_at, ended_at: e.device_ended_at ?? e.ended_at };
  if (Number.isFinite(e.planned_ms) && e.planned_ms >= 0) base.planned_ms = Math.round(e.planned_ms);
  if (e.alert) return { ...base, alert: e.alert };
  const out = { ...base };
  if (typeof e.media === 'string' && /^[0-9a-f]{64}$/.test(e.media)) out.media = e.media;
  if (e.campaign) out.campaign = e.campaign;
  if (e.item) out.item = e.item;
  if (e.partner) out.partner = e.partner;
  return out;
}

export class Api {
  constructor(clock) {
    this.clock = clock;
  }

  auth(device) {
    return { authorization: `Bearer ${device.token}` };
  }

  /** Asks for a pairing: `{pairing_id, code, poll_secret, expires_at, poll_interval_ms}` (§1.1). */
  async startPairing(info) {
    const res = await fetch('/api/v1/player/pairings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(info),
      cache: 'no-store',
    });
    if (!res.ok) throw await problem(res);
    return res.json();
  }

  /**
   * Long-polls a pairing (§1.2): `{status: "pending"}` or `{status: "paired", token, screen_id, device_id}`.
   * A pairing that is unknown, expired or consumed throws AuthError: the caller starts a new one.
   */
  async pollPairing(pairing, waitS = 20) {
    const u = `/api/v1/player/pairings/${encodeURIComponent(pairing.pairing_id)}?secret=${encodeURIComponent(pairing.poll_secret)}&wait=${waitS}`;
    const res = await fetch(u, { cache: 'no-store' });
    if (res.status === 404 || res.status === 410) throw new AuthError(`pairing ${res.status}`);
    if (!res.ok) throw await problem(res);
    return res.json();
  }

  /** `{status: 200|304, text, etag, fromCache}` (the body as text). */
  async manifest(device, etag, hours = null) {
    const headers = this.auth(device);
    if (etag) headers['if-none-match'] = etag;
    const url = hours ? `/api/v1/player/manifest?hours=${hours}` : '/api/v1/player/manifest';
    const res = await fetch(url, { headers, cache: 'no-store' });
    const fromCache = res.headers.get('x-twincast-from-cache') === '1';
    if (res.status === 304) return { status: 304, fromCache };
    if (!res.ok) throw await problem(res);
    const text = await res.text();
    return { status: 200, text, etag: res.headers.get('etag'), fromCache };
  }

  /** WebSocket URL of the push channel (browsers cannot set headers on a WebSocket: token in the query). */
  wsUrl(device) {
    if (!device) return null;
    const u = new URL('/api/v1/player/ws', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('token', device.token);
    return u.toString();
  }

  /** Heartbeat (§5); its round trip is also the clock sample (`server_time`). Returns the server's answer. */
  async heartbeat(device, status) {
    const t0 = this.clock.local();
    const res = await fetch('/api/v1/player/heartbeat', {
      method: 'POST',
      headers: { ...this.auth(device), 'content-type': 'application/json' },
      body: JSON.stringify({ ...status, device_time: Math.round(t0) }),
      cache: 'no-store',
    });
    const t1 = this.clock.local();
    if (!res.ok) throw await problem(res);
    const j = await res.json();
    if (typeof j.server_time === 'number') this.clock.sample(t0, j.server_time, t1);
    return j;
  }

  /** Uploads a screenshot (§7). */
  async screenshot(device, blob) {
    const res = await fetch('/api/v1/player/screenshot', {
      method: 'POST',
      headers: { ...this.auth(device), 'content-type': blob.type || 'image/png' },
      body: blob,
    });
    if (!res.ok) throw await problem(res);
  }

  /** Answers a command (§4): `{status: "done"|"failed", result?, error?}`. */
  async commandResult(device, id, answer) {
    const res = await fetch(`/api/v1/player/commands/${encodeURIComponent(id)}/result`, {
      method: 'POST',
      headers: { ...this.auth(device), 'content-type': 'application/json' },
      body: JSON.stringify(answer),
      keepalive: true,
    });
    if (!res.ok && res.status !== 409) throw await problem(res);
  }

  /**
   * Sends a batch of proof-of-play events; resolves only on 2xx. With `sign` (a function of the wire events that
   * resolves to `{payload, signature}`) the batch goes signed.
   */
  async sendPlays(device, events, sign = null) {
    if (!device) throw new Error('not paired');
    const list = events.map(wire);
    const res = await fetch('/api/v1/player/plays', {
      method: 'POST',
      headers: { ...this.auth(device), 'content-type': 'application/json' },
      body: JSON.stringify(sign ? await sign(list) : { events: list }),
    });
    if (!res.ok) throw await problem(res);
    return res.json();
  }
}
