// Twincast player Service Worker: keeps the player running without the server.
//
// Caches (Cache Storage):
// - `twincast-app`: the page, its modules and CSS (network first, so an update is picked up on reload; cache
//   when the server is unreachable);
// - `twincast-manifest`: the last manifest received (network first, cache when unreachable);
// - `twincast-media`: every media file of the horizon, downloaded ahead by `sync` messages from the page, in the
//   order they first play. Content-addressed URLs never change, so media are served cache first, including byte
//   ranges (206) cut from the cached file for <video>. Files no longer in the horizon are evicted; when storage
//   runs out, files that play later are evicted to make room for those that play sooner.

const APP = 'twincast-app';
const MANIFEST = 'twincast-manifest';
const MEDIA = 'twincast-media';
const APP_FILES = [
  '/player',
  '/player/player.css',
  '/player/js/main.js',
  '/player/js/api.js',
  '/player/js/clock.js',
  '/player/js/plays.js',
  '/player/js/signing.js',
  '/player/js/manifest.js',
  '/player/js/render.js',
  '/player/js/slides.js',
  '/player/js/push.js',
  '/player/js/cache.js',
  '/player/js/debug.js',
  '/player/js/decodes.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(APP);
    await Promise.all(APP_FILES.map(async (u) => {
      try {
        const r = await fetch(u, { cache: 'no-cache' });
        if (r.ok) await cache.put(u, r);
      } catch (_) { /* offline install: keep what we had */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

function isMedia(url) {
  return url.origin === self.location.origin && (url.pathname.startsWith('/media/') || url.pathname.startsWith('/renditions/'));
}

function isManifest(url) {
  return url.origin === self.location.origin && url.pathname === '/api/v1/player/manifest';
}

function isApp(url) {
  return url.origin === self.location.origin && (url.pathname === '/player' || url.pathname.startsWith('/player/'));
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (isMedia(url)) event.respondWith(media(req, url));
  else if (isManifest(url)) event.respondWith(manifest(req));
  else if (isApp(url)) event.respondWith(app(req, url));
});

async function app(req, url) {
  const key = url.pathname === '/player/' || url.pathname === '/player/index.html' ? '/player' : url.pathname;
  const cache = await caches.open(APP);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(key, res.clone());
    return res;
  } catch (e) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw e;
  }
}

// The page asks with If-None-Match; when the network is down we answer with the cached body (200) and mark it,
// so the page knows it is offline and still gets something to play.
async function manifest(req) {
  const cache = await caches.open(MANIFEST);
  try {
    const res = await fetch(req);
    // Only the full horizon is kept for offline use (a short `?hours=` fetch is a fast path for changes).
    if (res.status === 200 && !new URL(req.url).searchParams.has('hours')) {
      await cache.put('/api/v1/player/manifest', res.clone());
    }
    return res;
  } catch (e) {
    const hit = await cache.match('/api/v1/player/manifest');
    if (!hit) throw e;
    const h = new Headers(hit.headers);
    h.set('x-twincast-from-cache', '1');
    return new Response(hit.body, { status: 200, headers: h });
  }
}

function rangeOf(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header || '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return [start, end];
}

// Every answer to a media request is a response made here, never the network's own: Chromium's media loader
// refuses to mix, for one URL, bytes of a response the worker made with bytes of one from the server (their
// origins differ: a made response has none), and fails the element with "data source error". That happened
// when a video started from the network before its file was cached and asked for its next range after.
function made(res) {
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

async function media(req, url) {
  const cache = await caches.open(MEDIA);
  const hit = await cache.match(url.pathname);
  if (!hit) {
    // Not (yet) cached: from the network (ranges included), answered as a made response. An opaque answer (a
    // redirect to another origin) cannot be read, so it is passed on as it is.
    const res = await fetch(req);
    return res.type === 'opaque' || res.type === 'opaqueredirect' ? res : made(res);
  }
  const range = req.headers.get('range');
  if (!range) return made(hit);
  const blob = await hit.blob();
  const r = rangeOf(range, blob.size);
  if (r === null) return new Response(blob, { status: 200, headers: hit.headers });
  if (r === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${blob.size}` } });
  }
  const [start, end] = r;
  const h = new Headers(hit.headers);
  h.set('content-range', `bytes ${start}-${end}/${blob.size}`);
  h.set('content-length', String(end - start + 1));
  h.set('accept-ranges', 'bytes');
  return new Response(blob.slice(start, end + 1), { status: 206, headers: h });
}

// ---- Media synchronisation -----------------------------------------------------------------------------------

let syncing = null;
let wanted = [];
let status = { cached_bytes: 0, cached_files: 0, wanted_files: 0, wanted_bytes: 0, complete: false, errors: [], evicted: 0 };

async function cachedSizes() {
  const cache = await caches.open(MEDIA);
  const out = new Map();
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    const len = Number(res && res.headers.get('x-twincast-size')) || 0;
    out.set(new URL(req.url).pathname, len);
  }
  return out;
}

function note(err) {
  status.errors.push(`${new Date().toISOString()} ${err}`);
  if (status.errors.length > 10) status.errors.shift();
}

/**
 * Brings the media cache to `list` (ordered by first play, soonest first): evicts what is not listed, downloads
 * what is missing in order; on a quota error evicts listed files that play later than the one being stored.
 */
async function sync(list) {
  wanted = list;
  const cache = await caches.open(MEDIA);
  const order = new Map(list.map((m, i) => [m.url, i]));
  let have = await cachedSizes();
  for (const [path] of have) {
    if (!order.has(path)) {
      await cache.delete(path);
      status.evicted += 1;
    }
  }
  have = await cachedSizes();
  for (const m of list) {
    if (wanted !== list) return; // a newer list arrived
    if (have.has(m.url)) continue;
    try {
      const res = await fetch(m.url, { cache: 'no-store' });
      if (!res.ok) throw new Error(`${m.url}: HTTP ${res.status}`);
      const blob = await res.blob();
      if (m.size && blob.size !== m.size) throw new Error(`${m.url}: ${blob.size} bytes, expected ${m.size}`);
      if (m.sha256 && blob.size <= 64 * 1024 * 1024) {
        const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
        const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
        if (hex !== m.sha256) throw new Error(`${m.url}: hash mismatch`);
      }
      const headers = new Headers(res.headers);
      headers.set('x-twincast-size', String(blob.size));
      headers.delete('content-encoding');
      const body = new Response(blob, { status: 200, headers });
      await putWithRoom(cache, m.url, body, blob.size, order, have);
      have.set(m.url, blob.size);
    } catch (e) {
      note(String(e && e.message || e));
    }
    await report(have);
  }
  await report(have);
}

async function putWithRoom(cache, url, res, size, order, have) {
  for (;;) {
    try {
      await cache.put(url, res.clone());
      return;
    } catch (e) {
      if (!(e && e.name === 'QuotaExceededError')) throw e;
      // Evict the cached file that plays last, if it plays after this one; else give up on this file.
      const mine = order.get(url);
      let victim = null;
      for (const [path] of have) {
        const o = order.get(path) ?? Infinity;
        if (o > mine && (victim === null || o > (order.get(victim) ?? Infinity))) victim = path;
      }
      if (victim === null) throw new Error(`quota: no room for ${url} (${size} bytes)`);
      await cache.delete(victim);
      have.delete(victim);
      status.evicted += 1;
    }
  }
}

async function report(have) {
  let bytes = 0;
  for (const v of have.values()) bytes += v;
  const listed = new Set(wanted.map((m) => m.url));
  status = {
    ...status,
    cached_bytes: bytes,
    cached_files: have.size,
    wanted_files: wanted.length,
    wanted_bytes: wanted.reduce((a, m) => a + (m.size || 0), 0),
    complete: wanted.every((m) => have.has(m.url)) && [...have.keys()].every((k) => listed.has(k)),
  };
  for (const c of await self.clients.matchAll()) c.postMessage({ type: 'cache-status', status });
}

self.addEventListener('message', (event) => {
  const msg = event.data || {};
  if (msg.type === 'sync' && Array.isArray(msg.media)) {
    const run = async () => {
      while (syncing) await syncing;
      syncing = sync(msg.media).finally(() => { syncing = null; });
      await syncing;
    };
    event.waitUntil(run());
  } else if (msg.type === 'status') {
    event.waitUntil(cachedSizes().then(report));
  }
});
