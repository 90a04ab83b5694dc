// Server time estimation (NTP-style). Each sample is (t0 = local send, server = server time in ms, t1 = local
// receive); its offset is server - (t0 + t1) / 2 with error bound (t1 - t0) / 2. We keep the most recent samples
// and use the one with the smallest round trip, which bounds the error best. `now()` is then server time,
// computed from the monotonic `performance.now()` so that local wall-clock jumps do not move it.

const KEEP = 16;

export class Clock {
  constructor() {
    /** @type {{offset: number, rtt: number, at: number}[]} */
    this.samples = [];
    // Maps performance.now() to epoch ms at page start; wall clock only read once.
    this.base = Date.now() - performance.now();
    this.offset = 0;
    this.rtt = null;
  }

  /** Local (device) epoch ms from the monotonic clock. */
  local() {
    return this.base + performance.now();
  }

  /** Epoch ms on the server's clock. */
  now() {
    return this.local() + this.offset;
  }

  /** Converts a server epoch time to a `performance.now()` instant. */
  toPerf(serverMs) {
    return serverMs - this.offset - this.base;
  }

  /**
   * Adds a sample. `t0`/`t1` are local epoch ms from `local()`; `server` is the server's epoch ms.
   * Returns false for an unusable sample.
   */
  sample(t0, server, t1) {
    if (!Number.isFinite(server) || !(t1 >= t0)) return false;
    const rtt = t1 - t0;
    this.samples.push({ offset: server - (t0 + t1) / 2, rtt, at: t1 });
    if (this.samples.length > KEEP) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offset = best.offset;
    this.rtt = best.rtt;
    return true;
  }

  /** Sets the offset from a persisted value (offline start). */
  restore(offset) {
    if (Number.isFinite(offset) && this.samples.length === 0) this.offset = offset;
  }
}
