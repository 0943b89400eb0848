// Drives Debian's Chromium (headless) with playwright-core for tests/browser/test_browser.py.
// Usage: node run.mjs SPEC.json  — prints one JSON object on stdout:
//   { result: what the page observed, console: [...], failed: [...], screenshot: path }
// SPEC: { page_url, case, spec, screenshot, timeout_ms }. `case` is one of page.js's cases, or
// "form": page.js fills the <form>, this script sets the file input (setInputFiles) and clicks
// submit, then waits for fakes3's answer to the POST.
// Every wait is on a condition (a promise, waitForResponse); none is a sleep.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const timeout = spec.timeout_ms || 30000;
const out = { console: [], failed: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Root has no user namespace sandbox here; the page is ours.
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
  timeout,
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  page.on('console', (m) => out.console.push(`${m.type()}: ${m.text()}`));
  page.on('requestfailed', (r) =>
    out.failed.push({ method: r.method(), url: r.url(), error: r.failure()?.errorText }));
  const nav = await page.goto(spec.page_url);
  if (!nav || !nav.ok()) throw new Error(`test page ${spec.page_url}: ${nav && nav.status()}`);

  if (spec.case === 'form') {
    const s = spec.spec;
    await page.evaluate(([n, a]) => window.runCase(n, a), ['fill_form', s]);
    await page.setInputFiles('#file', {
      name: s.file_name,
      mimeType: s.content_type,
      buffer: Buffer.from(s.body_b64, 'base64'),
    });
    // With s.redirect the form posts into the page itself (target _self) and fakes3's 303 brings
    // the browser back to the page's origin: wait for that URL too.
    if (s.redirect) await page.evaluate(() => { document.getElementById('upload').target = '_self'; });
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(s.url)),
      s.redirect ? page.waitForURL((u) => u.href.startsWith(s.redirect)) : null,
      page.click('#submit'),
    ]);
    let body = null;
    try {
      body = await resp.text();
    } catch (e) {
      body = null; // a 204 or a redirect has none
    }
    out.result = { status: resp.status(), headers: await resp.allHeaders(), body, url: page.url() };
    await page.evaluate((st) => {
      document.getElementById('log').textContent += `form POST -> ${st}\n`;
    }, resp.status());
  } else {
    out.result = await page.evaluate(([n, a]) => window.runCase(n, a), [spec.case, spec.spec]);
  }
  if (spec.screenshot) {
    await page.screenshot({ path: spec.screenshot, fullPage: true });
    out.screenshot = spec.screenshot;
  }
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(out.error ? 1 : 0);
