// The console's first screen, measured in Debian's Chromium (headless, playwright-core from
// tests/browser/node_modules): N fresh browser contexts (no cache) each open
// /_fakes3/console/ and report first contentful paint and the console's own mark
// 'console-ready' (the bucket list filled). Prints one JSON line: {"fcp_ms": [...], "ready_ms": [...], "html_ms": [...]}
// (html_ms: the page's HTML fully received, from the navigation's start).
// Usage: node bench/console_first_screen.mjs URL N
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');
const [url, n] = [process.argv[2], Number(process.argv[3] || 15)];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const out = { fcp_ms: [], ready_ms: [], html_ms: [] };
for (let i = 0; i < n; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('console-ready').length > 0 &&
    performance.getEntriesByName('first-contentful-paint').length > 0);
  const t = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
    ready: performance.getEntriesByName('console-ready')[0].startTime,
    html: performance.getEntriesByType('navigation')[0].responseEnd,
  }));
  out.html_ms.push(Math.round(t.html * 10) / 10);
  out.fcp_ms.push(Math.round(t.fcp * 10) / 10);
  out.ready_ms.push(Math.round(t.ready * 10) / 10);
  await context.close();
}
await browser.close();
console.log(JSON.stringify(out));
