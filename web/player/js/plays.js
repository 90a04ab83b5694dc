// Proof of play. Every play is written to IndexedDB (committed transaction) before anything tries to report it;
// a flusher sends the oldest events in batches and deletes them only after the server's 2xx. Each event carries a
// client-generated id, so a batch retried after a lost response is counted once by the server. Events survive
// reloads and power loss because they live in IndexedDB until acknowledged.

const DB = 'twincast';
const STORE = 'plays';
const KV = 'kv';

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

/** Opens (and creates) the player's database. */
export async function openDb() {
  const open = indexedDB.open(DB, 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(KV)) db.createObjectStore(KV);
  };
  return req(open);
}

/** Small persistent key-value store (last manifest, clock offset). */
export class Kv {
  constructor(db) { this.db = db; }
  async get(key) {
    return req(this.db.transaction(KV).objectStore(KV).get(key));
  }
  async set(key, value) {
    const tx = this.db.transaction(KV, 'readwrite');
    tx.objectStore(KV).put(value, key);
    return done(tx);
  }
}

export class PlayQueue {
  /**
   * @param {IDBDatabase} db
   * @param {(events: object[]) => Promise<void>} send resolves when the server acknowledged the batch (2xx)
   */
  constructor(db, send, { batch = 100 } = {}) {
    this.db = db;
    this.send = send;
    this.batch = batch;
    this.count = 0;
    this.flushing = null;
    this.failures = 0;
    this.timer = null;
    this.sent = 0;
    this.lastError = null;
  }

  async init() {
    this.count = await req(this.db.transaction(STORE).objectStore(STORE).count());
  }

  /** Durably records one play event (resolves after the transaction committed). */
  async record(event) {
    const tx = this.db.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).put(event);
    await done(tx);
    this.count += 1;
    this.schedule(200);
  }

  /** Oldest events first (ids are time-ordered). */
  async oldest(n) {
    const store = this.db.transaction(STORE).objectStore(STORE);
    const out = [];
    return new Promise((resolve, reject) => {
      const cur = store.openCursor();
      cur.onerror = () => reject(cur.error);
      cur.onsuccess = () => {
        const c = cur.result;
        if (!c || out.length >= n) return resolve(out);
        out.push(c.value);
        c.continue();
      };
    });
  }

  async remove(ids) {
    const tx = this.db.transaction(STORE, 'readwrite');
    const s = tx.objectStore(STORE);
    for (const id of ids) s.delete(id);
    await done(tx);
    this.count = await req(this.db.transaction(STORE).objectStore(STORE).count());
  }

  /** Schedules a flush after `ms`, unless one is already scheduled sooner. */
  schedule(ms) {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }

  /** Sends everything queued, batch by batch; on failure retries later with exponential backoff + jitter. */
  flush() {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      try {
        for (;;) {
          const events = await this.oldest(this.batch);
          if (events.length === 0) break;
          await this.send(events);
          await this.remove(events.map((e) => e.id));
          this.sent += events.length;
        }
        this.failures = 0;
        this.lastError = null;
      } catch (e) {
        this.failures += 1;
        this.lastError = String(e && e.message || e);
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(this.failures - 1, 6));
        this.schedule(delay * (0.5 + Math.random()));
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}

/** A time-ordered unique id (UUIDv7 layout): sorts by creation time in IndexedDB. */
export function newEventId(nowMs = Date.now()) {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  let t = Math.floor(nowMs);
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
