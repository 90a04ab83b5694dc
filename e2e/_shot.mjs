import { chromium } from 'playwright-core';
const [,, url, out, w, h] = process.argv;
const b = await chromium.launch({ executablePath: process.env.TWINCAST_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu'] });
const p = await b.newPage({ viewport: { width: Number(w||1366), height: Number(h||768) } });
await p.goto(url);
await p.screenshot({ path: out, fullPage: true });
await b.close();
