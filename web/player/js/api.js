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

export class Api {
  constructor(clock) {
    this.clock = clock;
  }

  auth(device) {
    return { authorization: `Bearer ${device.token}` };
  }

  /** Asks for a pairing code. */
  async startPairing(info) {
    const res = await fetch('/api/v1/player/pairings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(info),
    });
    if (!res.ok) throw await problem(res);
    return res.json();
  }

  /** Polls a pairing: `{token, screen_id}` once claimed, else `{status: "pending"}`. */
  async pollPairing(pairing) {
    const res = await fetch(`/api/v1/player/pairings/${encodeURIComponent(pairing.code)}`, {
      headers: pairing.secret ? { 'x-pairing-secret': pairing.secret } : {},
      cache: 'no-store',
    });
    if (res.status === 404 || res.status === 410) throw new AuthError(`pairing ${res.status}`);
    if (!res.ok) throw await problem(res);
    return res.json();
  }

  /** One clock sample; returns false when the server cannot give its time. */
  async timeSample() {
    const t0 = this.clock.local();
    const res = await fetch('/api/v1/player/time', { cache: 'no-store' });
    const t1 = this.clock.local();
    if (!res.ok) return false;
    const j = await res.json();
    return this.clock.sample(t0, Number(j.now_ms ?? j.server_time_ms ?? j.now), t1);
  }

  /** `{status: 200|304, body, etag, fromCache}`. */
  async manifest(device, etag) {
    const headers = this.auth(device);
    if (etag) headers['if-none-match'] = etag;
    const t0 = this.clock.local();
    const res = await fetch('/api/v1/player/manifest', { headers, cache: 'no-store' });
    const t1 = this.clock.local();
    const fromCache = res.headers.get('x-twincast-from-cache') === '1';
    if (res.status === 304) return { status: 304, fromCache };
    if (!res.ok) throw await problem(res);
    const body = await res.json();
    if (!fromCache && body && typeof body.server_time_ms === 'number' && t1 - t0 < 250) {
      // Coarse sample; precise ones come from timeSample().
      if (this.clock.samples.length === 0) this.clock.sample(t0, body.server_time_ms, t1);
    }
    return { status: 200, body, etag: res.headers.get('etag'), fromCache };
  }

  /** WebSocket URL of the push channel (browsers cannot set headers on a WebSocket: token in the query). */
  wsUrl(device) {
    if (!device) return null;
    const u = new URL('/api/v1/player/ws', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('token', device.token);
    return u.toString();
  }

  async heartbeat(device, status) {
    const res = await fetch('/api/v1/player/heartbeat', {
      method: 'POST',
      headers: { ...this.auth(device), 'content-type': 'application/json' },
      body: JSON.stringify(status),
    });
    if (!res.ok) throw await problem(res);
  }

  /** Sends a batch of proof-of-play events; resolves only on 2xx. */
  async sendPlays(device, events) {
    if (!device) throw new Error('not paired');
    const res = await fetch('/api/v1/player/plays', {
      method: 'POST',
      headers: { ...this.auth(device), 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    if (res.status === 401 || res.status === 403) throw await problem(res);
    if (!res.ok) throw await problem(res);
  }
}
