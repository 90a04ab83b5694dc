// Push channel: one WebSocket to the server. Reconnects with exponential backoff and full jitter; while it is
// down the caller polls the manifest with its ETag instead (see main.js).

export class Push {
  /**
   * @param {() => string|null} url WebSocket URL (or null when not paired)
   * @param {(msg: object) => void} onMessage
   * @param {(connected: boolean) => void} onState
   */
  constructor(url, onMessage, onState, { minDelay = 500, maxDelay = 15_000 } = {}) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.attempt = 0;
    this.ws = null;
    this.connected = false;
    this.timer = null;
    this.stopped = false;
    this.reconnects = 0;
    this.lastMessageAt = 0;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
  }

  /** Next delay: uniform in [d/2, d] with d = min(max, min * 2^attempt) ("equal jitter"). */
  delay() {
    const d = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.attempt, 10));
    return d / 2 + Math.random() * (d / 2);
  }

  open() {
    if (this.stopped) return;
    const url = this.url();
    if (!url) return this.retry();
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (_) {
      return this.retry();
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.connected = true;
      this.onState(true);
    };
    ws.onmessage = (e) => {
      this.lastMessageAt = Date.now();
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch (_) {
        return;
      }
      this.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.connected) {
        this.connected = false;
        this.onState(false);
      }
      this.retry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const d = this.delay();
    this.attempt += 1;
    this.reconnects += 1;
    this.timer = setTimeout(() => this.open(), d);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }
}
