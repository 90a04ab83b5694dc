// Helpers for the browser end-to-end tests: a real `twincast` server in a temp directory, Debian's Chromium
// through playwright-core (never a downloaded browser), a tiny PNG decoder for "is this frame blank?" checks.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  // Keep timers and rAF running at full rate in pages that are not focused (3 pages side by side).
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `fn()` returns a truthy value (polling), or throws `what` after `timeout` ms. */
export async function until(fn, what, timeout = 30_000, every = 50) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(every);
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/** Builds the CLI (debug) and returns the binary's path. */
export function buildBinary() {
  if (process.env.TWINCAST_BIN) return process.env.TWINCAST_BIN;
  const r = spawnSync('cargo', ['build', '-q', '-p', 'twincast-cli'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('cargo build -p twincast-cli failed');
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
  return path.join(target, 'debug', 'twincast');
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * How many partner cities' films a test server's demo makes (`twincast demo --films`). Every city is seeded either
 * way; each film is rendered and transcoded (screen rendition, HLS ladder) by ffmpeg on the machine's cores, which
 * the browsers need. The suites need a few: the portal's tour plays four different cities' films. All 29:
 * TWINCAST_E2E_FILMS=29.
 */
export const DEMO_FILMS = Number(process.env.TWINCAST_E2E_FILMS || 6);

/** A `twincast demo` server on a loopback port with its own data directory; can be stopped and started again. */
export class Server {
  constructor(bin, { films = DEMO_FILMS } = {}) {
    this.bin = bin;
    this.films = films;
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    this.dir = mkdtempSync(path.join(ROOT, '.tmp', 'e2e-'));
    this.proc = null;
    this.port = null;
    this.output = '';
    this.adminPassword = null;
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' };
    const args = ['demo', '--port', String(this.port), '--data', this.dir, '--films', String(this.films)];
    this.proc = spawn(this.bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (d) => {
      this.output += d.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
      const m = /password: (\S+)/.exec(this.output);
      if (m && !this.adminPassword) this.adminPassword = m[1];
    };
    this.proc.stdout.on('data', onData);
    this.proc.stderr.on('data', onData);
    const proc = this.proc;
    await until(async () => {
      if (proc.exitCode !== null) throw new Error(`server exited: ${this.output.slice(-2000)}`);
      const r = await fetch(`${this.base}/healthz`);
      return r.ok;
    }, 'the server to answer /healthz', 120_000, 100);
  }

  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    this.proc = null;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  /** Runs a CLI subcommand against this server's data directory and returns its stdout. */
  cli(args) {
    const r = spawnSync(this.bin, [...args, '--data', this.dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`twincast ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  cleanup() {
    if (!process.env.TWINCAST_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Minimal JSON client with a bearer token. */
export class Api {
  constructor(base, token) {
    this.base = base;
    this.token = token;
  }

  async req(method, p, body, headers = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload;
    if (body !== undefined) {
      if (typeof body === 'string') payload = body;
      else {
        payload = JSON.stringify(body);
        h['content-type'] = 'application/json';
      }
    }
    const r = await fetch(this.base + p, { method, headers: h, body: payload });
    const text = await r.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (_) { /* not JSON */ }
    if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status} ${text.slice(0, 500)}`);
    return { status: r.status, json, headers: r.headers };
  }

  get(p) { return this.req('GET', p); }
  post(p, body, headers) { return this.req('POST', p, body, headers); }
  put(p, body) { return this.req('PUT', p, body); }
  patch(p, body) { return this.req('PATCH', p, body); }
  del(p) { return this.req('DELETE', p); }
}

/** Decodes an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium's screenshots are) into {width, height, rgba}. */
export function decodePng(buf) {
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('unsupported PNG (bit depth / interlace)');
      colorType = data[9];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (!bpp) throw new Error(`unsupported PNG colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp] : 0;
      const b = prev[x];
      const c = x >= bpp ? prev[x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[x] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = line[x * bpp];
      out[(y * width + x) * 4 + 1] = line[x * bpp + 1];
      out[(y * width + x) * 4 + 2] = line[x * bpp + 2];
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

/**
 * Describes a screenshot region: fraction of pure-black and pure-white pixels and number of distinct coarse
 * colours. A blank (black or white) frame is nearly one colour.
 */
export function frameStats(png, region = null) {
  const { width, height, rgba } = decodePng(png);
  const [x0, y0, x1, y1] = region || [0, 0, width, height];
  let black = 0;
  let white = 0;
  let n = 0;
  const colours = new Set();
  for (let y = y0; y < y1; y += 2) {
    for (let x = x0; x < x1; x += 2) {
      const i = (y * width + x) * 4;
      const r = rgba[i];
      const g = rgba[i + 1];
      const b = rgba[i + 2];
      if (r < 8 && g < 8 && b < 8) black++;
      if (r > 247 && g > 247 && b > 247) white++;
      colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      n++;
    }
  }
  return { black: black / n, white: white / n, colours: colours.size };
}

export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core on the page as it is: the serious and critical violations, each as {id, impact, nodes}. */
export async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Signs `page` in to the console as `username` (the demo's admin by default) and lands on `next`; fails at once
 *  when the console refused the sign-in, instead of letting a later step time out on the login page. */
export async function consoleLogin(ctx, page, next = '/console', username = 'admin', password = ctx.server.adminPassword) {
  await page.goto(`${ctx.server.base}/console/login?next=${encodeURIComponent(next)}`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  if (new URL(page.url()).pathname === '/console/login') {
    const why = await page.locator('[role=alert], .error').allTextContents().catch(() => []);
    throw new Error(`the console refused ${username}'s sign-in: ${why.join(' ').trim() || page.url()}`);
  }
}
