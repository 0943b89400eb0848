// Drives the web console (/_fakes3/console/) in Debian's Chromium (headless, playwright-core) for
// tests/browser/test_console.py: performs the whole flow of one mode and prints one JSON line of
// what it observed; every assertion is made by the Python test (which also checks the server's
// state with boto3).
// Usage: node console.mjs SPEC.json
// SPEC: { base: "http://127.0.0.1:PORT", mode: "open"|"signed", bucket, seeded (a bucket the test
//         filled: 250 keys under many/ and a versioned v.txt with a delete marker), lock_bucket,
//         access_key, secret_key, wrong_secret, artefacts (a folder), timeout_ms }
// Every wait is on a condition (a selector, a function of the page, an event); none is a sleep.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = { mode: spec.mode, steps: [], screenshots: [], requests: [], console: [], failed: [] };
const timeout = spec.timeout_ms || 30000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
  timeout: 60000,
});
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 860 } });
const page = await context.newPage();
page.setDefaultTimeout(timeout);
page.on('request', (r) => out.requests.push(r.url()));
page.on('console', (m) => out.console.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => out.console.push(`pageerror: ${e.message}`));
page.on('requestfailed', (r) => {
  // The journal's long-poll is aborted when its screen closes: not a failure.
  if (!r.url().includes('/_fakes3/requests/wait')) out.failed.push({ method: r.method(), url: r.url(), error: r.failure()?.errorText });
});

async function shot(name) {
  const path = `${spec.artefacts}/${spec.mode}-${name}.png`;
  await page.screenshot({ path, fullPage: true });
  out.screenshots.push(path);
  return path;
}

async function step(name, fn) {
  out.steps.push(name);
  try {
    await fn();
  } catch (e) {
    out.error = `${name}: ${(e && e.stack) || e}`;
    await shot(`failed-${name}`).catch(() => {});
    throw e;
  }
}

const texts = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));
const rowKeys = () => page.$$eval('#object-rows tr.object', (rows) => rows.map((r) => r.dataset.key));
const statusText = () => page.textContent('#status');

async function nav(view) {
  await page.click(`#nav button[data-view="${view}"]`);
  await page.waitForSelector(`main[data-view="${view}"]`);
}

// Drop files (made in the page: byte i of a file is (i * 31 + seed) & 255) on the object list.
async function dropFiles(files) {
  await page.evaluate((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) {
      const period = new Uint8Array(256);
      for (let i = 0; i < 256; i++) period[i] = (i * 31 + f.seed) & 255;
      const buf = new Uint8Array(f.size);
      for (let off = 0; off < f.size; off += 256) buf.set(period.subarray(0, Math.min(256, f.size - off)), off);
      dt.items.add(new File([buf], f.name, { type: f.type }));
    }
    const zone = document.getElementById('drop-zone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, files);
}

async function waitUploads(keys) {
  await page.waitForFunction((ks) => ks.every((k) => {
    const li = Array.from(document.querySelectorAll('#uploads li')).find((l) => l.dataset.key === k);
    return li && li.dataset.state !== 'running';
  }), keys);
  return page.$$eval('#uploads li', (lis) => Object.fromEntries(lis.map((l) => [l.dataset.key, l.dataset.state])));
}

// Records every value each upload's <progress> takes and each upload's state change, in order.
async function watchProgress() {
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver((recs) => {
      for (const r of recs) {
        const el = r.target;
        if (el.tagName === 'PROGRESS') {
          window.__progress.push({ key: el.dataset.key, value: Number(el.getAttribute('value')), max: Number(el.getAttribute('max')) });
        } else if (r.attributeName === 'data-state') {
          window.__progress.push({ key: el.dataset.key, state: el.dataset.state });
        }
      }
    }).observe(document.getElementById('uploads'), { attributes: true, subtree: true, attributeFilter: ['value', 'data-state'] });
  });
}

async function openBucket(name) {
  await nav('buckets');
  await page.click(`tr[data-bucket="${name}"] .open-bucket`);
  await page.waitForSelector('main[data-view="objects"] #object-rows tr');
}

async function openFolder(prefix) {
  await page.click(`tr[data-prefix="${prefix}"] .open-folder`);
  await page.waitForSelector(`.crumbs [aria-current="location"]`);
  await page.waitForFunction((p) => Array.from(document.querySelectorAll('#object-rows tr.object')).every((r) => r.dataset.key.startsWith(p)), prefix);
}

async function createBucket(name, { region, lock } = {}) {
  await page.fill('#new-bucket-name', name);
  if (region) await page.fill('#new-bucket-region', region);
  if (lock) await page.check('#new-bucket-lock');
  await page.click('#create-bucket button[type=submit]');
  await page.waitForSelector(`tr[data-bucket="${name}"]`);
}

async function openDetailsAndPresign(key, expiry) {
  await page.click(`tr[data-key="${key}"] .open-object`);
  await page.waitForSelector('#object-headers');
  const headers = await page.$$eval('#object-headers dt', (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  const tags = await page.textContent('#object-details').then(() => page.$$eval('#object-tags dt', (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent]))));
  await page.selectOption('#presign-expiry', String(expiry));
  await page.click('#presign-generate');
  await page.waitForFunction(() => document.getElementById('presign-url').value.startsWith('http'));
  return { headers, tags, presigned: await page.inputValue('#presign-url') };
}

const bigSize = 12 * 1024 * 1024 + 345678;
const FILES = [
  { name: 'hello.txt', size: 1234, seed: 1, type: 'text/plain' },
  { name: 'big.bin', size: bigSize, seed: 2, type: 'application/octet-stream' },
  { name: 'notes.md', size: 4321, seed: 3, type: 'text/markdown' },
];
const INSIDE = { name: 'inside.txt', size: 777, seed: 4, type: 'text/plain' };
const ODD = "a b+ü&=%(1)'.txt";

async function openFlow() {
  const b = spec.bucket;
  await step('load', async () => {
    const resp = await page.goto(`${spec.base}/_fakes3/console`); // the redirect to .../console/
    out.landed = page.url();
    out.first_status = resp.status();
    await page.waitForFunction(() => performance.getEntriesByName('console-ready').length > 0);
    out.timing = await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const n = performance.getEntriesByType('navigation')[0];
      const ready = performance.getEntriesByName('console-ready')[0];
      return { first_contentful_paint_ms: fcp ? fcp.startTime : null, buckets_listed_ms: ready ? ready.startTime : null,
        dom_content_loaded_ms: n ? n.domContentLoadedEventEnd : null,
        load_ms: n ? n.loadEventEnd : null };
    });
    out.who = await page.textContent('#who');
    await shot('buckets');
  });
  await step('create_buckets', async () => {
    await createBucket(b);
    await createBucket(spec.lock_bucket, { region: 'eu-west-1', lock: true });
    out.bucket_rows = await page.$$eval('#bucket-rows tr', (rows) => rows.map((r) => ({
      name: r.dataset.bucket, objects: r.querySelector('.objects')?.textContent, bytes: r.querySelector('.bytes')?.textContent })));
  });
  await step('bucket_config', async () => {
    await page.click(`tr[data-bucket="${spec.seeded}"] .show-config`);
    await page.waitForSelector('#config-list dd[data-config="object-lock"]');
    out.config = await page.$$eval('#config-list dd', (dds) => Object.fromEntries(dds.map((d) => [d.dataset.config, d.firstChild.textContent.trim()])));
    await shot('bucket-config');
  });
  await step('delete_bucket', async () => {
    await page.click(`tr[data-bucket="${spec.lock_bucket}"] .delete-bucket`);
    await page.waitForSelector('#confirm[open]');
    out.delete_bucket_dialog = await page.textContent('#confirm-text');
    await page.click('#confirm-ok');
    await page.waitForSelector(`tr[data-bucket="${spec.lock_bucket}"]`, { state: 'detached' });
  });
  await step('upload_drop', async () => {
    await openBucket(b);
    await watchProgress();
    await dropFiles(FILES);
    out.uploads = await waitUploads(FILES.map((f) => f.name));
    out.progress = await page.evaluate(() => window.__progress);
    await page.waitForFunction(() => document.querySelectorAll('#object-rows tr.object').length >= 3);
  });
  await step('upload_cancel', async () => {
    // UploadPart slowed by a fault rule (added in the console), so the cancel comes mid-upload.
    await nav('faults');
    await page.fill('#fault-op', 'UploadPart');
    await page.selectOption('#fault-action', 'delay');
    await page.fill('#fault-delay', '3000');
    await page.click('#fault-form button[type=submit]');
    await page.waitForSelector('#fault-rows tr[data-id]');
    await openBucket(b);
    await dropFiles([{ name: 'cancel.bin', size: 11 * 1024 * 1024, seed: 5, type: 'application/octet-stream' }]);
    await page.waitForSelector('#uploads li[data-key="cancel.bin"][data-upload-id]');
    out.cancel_upload_id = await page.getAttribute('#uploads li[data-key="cancel.bin"]', 'data-upload-id');
    await page.click('#uploads li[data-key="cancel.bin"] .cancel-upload');
    out.cancel = await waitUploads(['cancel.bin']);
    await nav('faults');
    await page.click('#fault-rows .remove-fault');
    await page.waitForSelector('#fault-rows tr[data-id]', { state: 'detached' });
    await openBucket(b);
  });
  await step('folder', async () => {
    await page.fill('#new-folder-name', 'docs');
    await page.click('#new-folder button[type=submit]');
    await page.waitForSelector('.crumbs [aria-current="location"]');
    await dropFiles([INSIDE]);
    out.uploads_inside = await waitUploads(['docs/inside.txt']);
    await page.waitForSelector('tr[data-key="docs/inside.txt"]');
    await page.click('.crumbs button.crumb'); // back to the bucket's top
    await page.waitForSelector('tr[data-prefix="docs/"]');
    out.root_keys = await rowKeys();
    out.root_folders = await page.$$eval('#object-rows tr.folder', (rows) => rows.map((r) => r.dataset.prefix));
    await shot('objects');
    await openFolder('docs/');
    out.folder_keys = await rowKeys();
    out.crumbs = await page.textContent('.crumbs');
  });
  await step('details_presign', async () => {
    const d = await openDetailsAndPresign('docs/inside.txt', 900);
    Object.assign(out, { details_headers: d.headers, details_tags: d.tags, presigned: d.presigned });
    await shot('object-details');
  });
  await step('download', async () => {
    await page.click('.crumbs button.crumb');
    await page.waitForSelector('tr[data-key="hello.txt"]');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('tr[data-key="hello.txt"] .download')]);
    out.download = { name: dl.suggestedFilename(), sha256: createHash('sha256').update(readFileSync(await dl.path())).digest('hex') };
  });
  await step('search', async () => {
    await page.fill('#prefix-search', 'he');
    await page.press('#prefix-search', 'Enter');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#object-rows tr.object')).every((r) => r.dataset.key.startsWith('he')));
    out.search_keys = await rowKeys();
    await page.fill('#prefix-search', '');
    await page.press('#prefix-search', 'Enter');
    await page.waitForSelector('tr[data-key="big.bin"]');
  });
  await step('delete_objects', async () => {
    await page.check('tr[data-key="hello.txt"] input.select');
    await page.check('tr[data-key="notes.md"] input.select');
    out.delete_button = await page.textContent('#delete-selected');
    await page.click('#delete-selected');
    await page.waitForSelector('#confirm[open]');
    out.delete_dialog = await page.textContent('#confirm-text');
    await shot('delete-confirm');
    await page.click('#confirm-ok');
    await page.waitForSelector('tr[data-key="hello.txt"]', { state: 'detached' });
    out.after_delete_keys = await rowKeys();
    out.after_delete_status = await statusText();
  });
  await step('pagination', async () => {
    await openBucket(spec.seeded);
    await openFolder('many/');
    const pages = [];
    pages.push(await rowKeys());
    out.prev_disabled_first = await page.isDisabled('#page-prev');
    for (let i = 0; i < 2; i++) {
      const first = pages[pages.length - 1][0];
      await page.click('#page-next');
      await page.waitForFunction((f) => { const r = document.querySelector('#object-rows tr.object'); return r && r.dataset.key !== f; }, first);
      pages.push(await rowKeys());
    }
    out.next_disabled_last = await page.isDisabled('#page-next');
    await page.click('#page-prev');
    await page.waitForFunction((f) => document.querySelector('#object-rows tr.object')?.dataset.key === f, pages[1][0]);
    out.back_page = await rowKeys();
    out.pages = pages.map((p) => ({ n: p.length, first: p[0], last: p[p.length - 1] }));
    out.page_info = await page.textContent('#page-info');
  });
  await step('versions', async () => {
    await page.click('.crumbs button.crumb');
    await page.waitForSelector('tr[data-prefix="many/"]');
    out.seeded_root_keys = await rowKeys();
    await page.click('#toggle-versions');
    await page.waitForSelector('tr[data-key="v.txt"]');
    out.versions = await page.$$eval('#object-rows tr.object', (rows) => rows.map((r) => ({
      key: r.dataset.key, text: r.children[2].textContent, dm: !!r.querySelector('.badge.dm') })));
    await shot('versions');
    await page.click('#toggle-versions');
  });
  await step('download_large', async () => {
    // Over 32 MiB: through a presigned link (response-content-disposition), not a Blob.
    await page.waitForSelector('tr[data-key="large.bin"]');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('tr[data-key="large.bin"] .download')]);
    out.download_large = { name: dl.suggestedFilename(), url: dl.url(),
      sha256: createHash('sha256').update(readFileSync(await dl.path())).digest('hex') };
  });
  await step('journal', async () => {
    await nav('journal');
    await page.waitForSelector('tr.journal-row[data-op="DeleteObjects"]');
    out.journal_ops = await page.$$eval('tr.journal-row', (rows) => rows.map((r) => r.dataset.op));
    const top = await page.$eval('tr.journal-row', (r) => Number(r.dataset.id));
    // A request made now appears by itself (the long-poll).
    await page.evaluate((bk) => Api.headObject(bk, 'big.bin'), b);
    await page.waitForFunction((t) => { const r = document.querySelector('tr.journal-row'); return r && Number(r.dataset.id) > t && r.dataset.op === 'HeadObject'; }, top);
    out.journal_followed = await page.$eval('tr.journal-row', (r) => r.dataset.op);
    await page.fill('#jf-op', 'DeleteObjects');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('tr.journal-row')).every((r) => r.dataset.op === 'DeleteObjects'));
    out.journal_filtered = await page.$$eval('tr.journal-row', (rows) => rows.map((r) => r.dataset.op));
    await page.click('tr.journal-row button.link');
    await page.waitForSelector('#journal-detail-title');
    out.journal_detail = await page.textContent('#journal-detail');
    await shot('journal');
  });
  await step('faults', async () => {
    await nav('faults');
    await page.fill('#fault-op', 'GetObject');
    await page.fill('#fault-bucket', b);
    await page.fill('#fault-key', 'big.*');
    await page.fill('#fault-error', 'SlowDown');
    await page.fill('#fault-status', '503');
    await page.fill('#fault-times', '2');
    await page.click('#fault-form button[type=submit]');
    await page.waitForSelector('#fault-rows tr[data-id]');
    out.fault_hits_before = await page.textContent('#fault-rows tr[data-id] .hits');
    out.fault_answer = await page.evaluate((bk) => Api.getObjectBlob(bk, 'big.bin').then(() => 'ok', (e) => e.code), b);
    await page.waitForFunction(() => document.querySelector('#fault-rows tr[data-id] .hits')?.textContent === '1');
    out.fault_hits_after = await page.textContent('#fault-rows tr[data-id] .hits');
    await shot('faults');
    await page.click('#fault-rows .remove-fault');
    await page.waitForSelector('#fault-rows tr[data-id]', { state: 'detached' });
  });
  await step('clock', async () => {
    // By keyboard: focus the Clock button and press Enter.
    await page.focus('#nav button[data-view="clock"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-view="clock"]');
    await page.waitForFunction(() => document.getElementById('clock-now').textContent !== '');
    out.clock_before = await page.textContent('#clock-now');
    await page.fill('#clock-amount', '3');
    await page.selectOption('#clock-unit', '86400');
    await page.click('#clock-advance button[type=submit]');
    await page.waitForFunction(() => document.getElementById('clock-offset').textContent.startsWith('+3 d'));
    out.clock_after = await page.textContent('#clock-now');
    out.clock_offset = await page.textContent('#clock-offset');
    await shot('clock');
    await page.click('#clock-freeze');
    await page.waitForFunction(() => document.getElementById('clock-frozen').textContent === 'yes');
    await page.fill('#clock-set', '2030-01-02T03:04:05Z');
    await page.click('#clock-setform button[type=submit]');
    await page.waitForFunction(() => document.getElementById('clock-now').textContent.startsWith('2030-01-02T03:04:05'));
    out.clock_set = await page.textContent('#clock-now');
    out.clock_frozen = await page.textContent('#clock-frozen');
    out.freeze_label = await page.textContent('#clock-freeze');
    await page.click('#clock-freeze');
    await page.waitForFunction(() => document.getElementById('clock-frozen').textContent === 'no');
    await page.click('#clock-reset');
    await page.waitForFunction(() => document.getElementById('clock-offset').textContent === 'none');
  });
  await step('charts', async () => {
    await nav('charts');
    await page.waitForFunction(() => /^(now|metrics unavailable)/.test(document.getElementById('chart-rps-now').textContent));
    // Some traffic, then a second sample.
    await page.evaluate((bk) => Promise.all(Array.from({ length: 20 }, () => Api.listObjects(bk, {}))), b);
    await page.waitForFunction(() => /^(now [1-9]|metrics unavailable)/.test(document.getElementById('chart-rps-now').textContent));
    out.charts = { rps: await page.textContent('#chart-rps-now'), latency: await page.textContent('#chart-latency-now') };
    await shot('charts');
  });
  await step('narrow', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    await openBucket(b);
    out.narrow_overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shot('narrow');
  });
}

async function signedFlow() {
  await step('login_form', async () => {
    await page.goto(`${spec.base}/_fakes3/console/`);
    await page.waitForSelector('#login-form');
    out.timing = await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { first_contentful_paint_ms: fcp ? fcp.startTime : null };
    });
    out.nav_hidden = await page.isHidden('#nav');
    await shot('login');
  });
  await step('wrong_secret', async () => {
    await page.fill('#login-access', spec.access_key);
    await page.fill('#login-secret', spec.wrong_secret);
    await page.click('#login-submit');
    await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
    out.wrong_message = await page.textContent('#login-error');
    out.wrong_storage = await page.evaluate(() => sessionStorage.length);
    await shot('login-refused');
  });
  await step('login', async () => {
    await page.fill('#login-secret', spec.secret_key);
    await page.click('#login-submit');
    await page.waitForSelector('main[data-view="buckets"] #bucket-rows');
    out.who = await page.textContent('#who');
    out.session_keys = await page.evaluate(() => Object.keys(sessionStorage));
    out.local_keys = await page.evaluate(() => Object.keys(localStorage));
  });
  await step('signed_s3', async () => {
    await createBucket(spec.bucket);
    await openBucket(spec.bucket);
    // A name that percent-encoding and the signature's canonical path must both get right.
    await dropFiles([FILES[0], { name: ODD, size: 100, seed: 6, type: 'text/plain' }]);
    out.uploads = await waitUploads(['hello.txt', ODD]);
    await page.waitForSelector('tr[data-key="hello.txt"]');
    await page.waitForFunction((k) => Array.from(document.querySelectorAll('#object-rows tr.object')).some((r) => r.dataset.key === k), ODD);
    out.signed_keys = await rowKeys();
    const d = await openDetailsAndPresign('hello.txt', 60);
    out.presigned = d.presigned;
    out.details_headers = d.headers;
    await shot('signed-objects');
  });
  await step('signed_journal', async () => {
    await nav('journal');
    await page.waitForSelector('tr.journal-row[data-op="PutObject"]');
    await page.click('tr.journal-row[data-op="PutObject"] button.link');
    await page.waitForSelector('#journal-detail-title');
    out.journal_detail = await page.textContent('#journal-detail');
  });
  await step('signed_clock', async () => {
    // The server's clock 3 days on: its S3 checks judge signatures by it; the console follows.
    await nav('clock');
    await page.fill('#clock-amount', '3');
    await page.click('#clock-advance button[type=submit]');
    await page.waitForFunction(() => document.getElementById('clock-offset').textContent.startsWith('+3 d'));
    await openBucket(spec.bucket);
    out.skewed_keys = await rowKeys();
    await nav('clock');
    await page.click('#clock-reset');
    await page.waitForFunction(() => document.getElementById('clock-offset').textContent === 'none');
  });
  await step('reload_keeps_session', async () => {
    await page.reload();
    await page.waitForSelector('main[data-view="buckets"] #bucket-rows');
    out.reload_view = await page.getAttribute('main', 'data-view');
  });
  await step('logout', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login-form');
    out.after_logout_storage = await page.evaluate(() => Object.keys(sessionStorage));
    await page.reload();
    await page.waitForSelector('#login-form');
    out.after_logout_reload = await page.getAttribute('main', 'data-view');
    await shot('logout');
  });
}

async function nonAdminFlow() {
  await step('nonadmin_login', async () => {
    await page.goto(`${spec.base}/_fakes3/console/`);
    await page.fill('#login-access', spec.access_key);
    await page.fill('#login-secret', spec.secret_key);
    await page.click('#login-submit');
    await page.waitForSelector('main[data-view="buckets"] #bucket-rows');
    out.who = await page.textContent('#who');
    await createBucket(spec.bucket);
    out.bucket_rows = await page.$$eval('#bucket-rows tr[data-bucket]', (rows) => rows.map((r) => r.dataset.bucket));
  });
  await step('nonadmin_control', async () => {
    out.needs_admin = {};
    for (const v of ['journal', 'faults', 'clock', 'charts']) {
      await nav(v);
      out.needs_admin[v] = await page.textContent('main .needs-admin');
    }
    await shot('journal');
  });
}

let failed = false;
try {
  if (spec.mode === 'open') await openFlow();
  else if (spec.mode === 'signed') await signedFlow();
  else await nonAdminFlow();
} catch (e) {
  failed = true;
  if (!out.error) out.error = String((e && e.stack) || e);
} finally {
  await context.close();
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(failed ? 1 : 0);
