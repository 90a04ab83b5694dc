// Push channel (§4 of docs/player-protocol.md): one WebSocket to the server. Reconnects after
// min(60 s, 1 s · 2^attempt) × a random factor in [0.5, 1.5); the attempt counter resets once a connection has
// stayed up 30 s. A socket silent for 60 s (the server pings every 20 s) is closed and reopened. Close code 4401
// means the token was refused: no reconnect. While it is down the caller polls the manifest with its ETag.

const SILENCE_MS = 60_000;
const STABLE_MS = 30_000;

export class Push {
  /**
   * @param {() => string|null} url WebSocket URL (or null when not paired)
   * @param {(msg: object) => void} onMessage
   * @param {(connected: boolean) => void} onState
   * @param {() => void} onRefused close code 4401
   */
  constructor(url, onMessage, onState, onRefused, { baseDelay = 1000, maxDelay = 60_000 } = {}) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onRefused = onRefused;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.attempt = 0;
    this.ws = null;
    this.connected = false;
    this.openedAt = 0;
    this.timer = null;
    this.stopped = false;
    this.reconnects = 0;
    this.lastMessageAt = 0;
    this.watchdog = setInterval(() => {
      if (this.connected && Date.now() - this.lastMessageAt > SILENCE_MS && this.ws) this.ws.close();
    }, 5000);
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    if (this.ws) this.ws.close();
  }

  /** The next reconnect delay. */
  delay() {
    const d = Math.min(this.maxDelay, this.baseDelay * 2 ** Math.min(this.attempt, 16));
    return d * (0.5 + Math.random());
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
      this.connected = true;
      this.openedAt = Date.now();
      this.lastMessageAt = Date.now();
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
      if (msg && typeof msg === 'object') this.onMessage(msg);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.connected && Date.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
      if (this.connected) {
        this.connected = false;
        this.onState(false);
      }
      if (e.code === 4401) {
        this.stopped = true;
        this.onRefused();
        return;
      }
      this.retry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  /** The server answered over HTTP: if the socket is down and waiting out a backoff, try again now. */
  kick() {
    if (this.stopped || this.ws || this.connected || this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.open();
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const d = this.delay();
    this.attempt += 1;
    this.reconnects += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, d);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }
}
