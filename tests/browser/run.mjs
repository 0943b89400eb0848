// Drives Debian's Chromium (headless) with playwright-core for tests/browser/test_browser.py.
// Usage: node run.mjs SPEC.json   runs one case and prints one JSON line;
//        node run.mjs --serve      one browser for many cases: reads one SPEC per stdin line and
//                                  answers one JSON line each (the test suite's way: Chromium
//                                  starts once).
// The answer: { result: what the page observed, console: [...], failed: [...], screenshot: path }
// or { error }. SPEC: { page_url, case, spec, screenshot, timeout_ms }. `case` is one of
// page.js's cases, or "form": page.js fills the <form>, this script sets the file input
// (setInputFiles) and clicks submit, then waits for fakes3's answer to the POST (and, with
// spec.redirect, for the browser to land on that URL).
// Each case gets a fresh browser context (no cache, no cookies, no preflight cache carried over).
// Every wait is on a condition (a promise, waitForResponse, waitForURL); none is a sleep.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

async function runCase(browser, spec) {
  const timeout = spec.timeout_ms || 30000;
  const out = { console: [], failed: [] };
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
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
      // With s.redirect the form posts into the page itself (target _self) and fakes3's 303
      // brings the browser back to the page's origin: wait for that URL too.
      if (s.redirect) {
        await page.evaluate(() => { document.getElementById('upload').target = '_self'; });
      }
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
      const headers = await resp.allHeaders();
      out.result = { status: resp.status(), headers, body, url: page.url() };
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
    out.error = String((e && e.stack) || e);
  } finally {
    await context.close();
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Root has no user namespace sandbox here; the page is ours.
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
  timeout: 60000,
});
let failed = false;
try {
  if (process.argv[2] === '--serve') {
    for await (const line of createInterface({ input: process.stdin })) {
      if (!line.trim()) continue;
      let out;
      try {
        out = await runCase(browser, JSON.parse(line));
      } catch (e) {
        out = { error: String((e && e.stack) || e) };
      }
      process.stdout.write(JSON.stringify(out) + '\n');
    }
  } else {
    const out = await runCase(browser, JSON.parse(readFileSync(process.argv[2], 'utf8')));
    failed = Boolean(out.error);
    process.stdout.write(JSON.stringify(out) + '\n');
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
