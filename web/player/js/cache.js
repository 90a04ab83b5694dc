// Page side of the offline cache: registers the Service Worker, tells it which media the horizon needs (soonest
// first) and keeps its last status report.

export class MediaCache {
  constructor() {
    this.status = { cached_bytes: 0, cached_files: 0, wanted_files: 0, wanted_bytes: 0, complete: false, errors: [], evicted: 0 };
    this.supported = 'serviceWorker' in navigator;
    this.lastList = null;
    this.error = null;
  }

  /** Registers the worker (scope `/player`) and waits, briefly, until it controls this page. */
  async start() {
    if (!this.supported) return;
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data && e.data.type === 'cache-status') this.status = e.data.status;
    });
    try {
      await navigator.serviceWorker.register('/player/sw.js', { scope: '/player', type: 'classic' });
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => {
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
          setTimeout(resolve, 3000);
        });
      }
    } catch (e) {
      this.error = String(e && e.message || e);
    }
  }

  post(msg) {
    const c = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (c) c.postMessage(msg);
  }

  /** Sends the ordered media list (`[{url, size, sha256}]`, soonest first) to the worker. */
  sync(media) {
    const key = JSON.stringify(media.map((m) => m.url));
    if (key === this.lastList) return;
    this.lastList = key;
    this.post({ type: 'sync', media });
  }

  /** Asks the worker for a fresh status report. */
  refresh() {
    this.post({ type: 'status' });
  }
}
