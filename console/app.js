// app.js: the console's shell (mode, login, navigation, status line) and its S3 screens
// (buckets, the object browser, uploads). The control screens (journal, faults, clock, charts)
// are in ops.js. No framework: a small element helper and one render function per screen.
'use strict';

// ---- small helpers ----
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && k !== 'list' && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function fmtBytes(n) {
  if (n == null || Number.isNaN(n)) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(n < 10 ? 1 : 0) : n} ${u[i]}`;
}

const fmtDate = (s) => (s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

function setStatus(msg, kind) {
  const el = document.getElementById('status');
  el.textContent = msg || '';
  el.className = 'status' + (kind ? ' ' + kind : '');
}
const showError = (what, e) => setStatus(`${what}: ${e.message || e}`, 'error');

// A confirmation in the page's <dialog>; resolves true for the confirm button.
function confirmDialog(text, okLabel = 'Delete') {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.returnValue = '';
    d.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

// Prometheus text format into [{name, labels, value}] (the lines the charts and counts need).
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      const rx = /(\w+)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = rx.exec(m[3]))) labels[l[1]] = l[2].replace(/\\(.)/g, (x, c) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

// ---- the shell ----
const App = {
  mode: 'open', // 'open' | 'signed'
  admin: true,
  view: null,
  stop: null, // the current screen's teardown (pollers)
  bucket: null,
  views: {},
};

function needsAdmin(main, what) {
  main.append(h('h2', { text: what }),
    h('p', { class: 'needs-admin', role: 'note' },
      `This screen uses the control API (/_fakes3/), which needs an admin user. `,
      `You are logged in as ${Api.creds ? Api.creds.accessKey : '?'}, who is not an admin; the S3 screens work.`));
}

function show(view, opts) {
  if (App.stop) { try { App.stop(); } catch (e) { /* ignore */ } App.stop = null; }
  App.view = view;
  for (const b of document.querySelectorAll('#nav button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  document.getElementById('nav-objects').disabled = !App.bucket;
  const main = document.getElementById('main');
  main.replaceChildren();
  main.dataset.view = view;
  App.views[view](main, opts || {});
}

function renderWho() {
  const who = document.getElementById('who');
  who.replaceChildren();
  if (App.mode === 'open') {
    who.append(h('span', { class: 'badge open', title: 'the server checks no signature' }, 'open mode'));
  } else if (Api.creds) {
    who.append(h('span', { class: 'badge' }, `${Api.creds.accessKey}${App.admin ? ' (admin)' : ''}`),
      h('button', { type: 'button', id: 'logout', onclick: logout }, 'Log out'));
  }
}

function startApp() {
  document.getElementById('nav').hidden = false;
  renderWho();
  show('buckets');
}

const CREDS_KEY = 'fakes3.console.creds';

function logout() {
  sessionStorage.removeItem(CREDS_KEY);
  Api.setCreds(null);
  App.bucket = null;
  App.uploads = null;
  if (App.stop) { App.stop(); App.stop = null; }
  setStatus('Logged out.', 'ok');
  renderLogin();
}

function renderLogin(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').replaceChildren();
  const main = document.getElementById('main');
  main.replaceChildren();
  main.dataset.view = 'login';
  const err = h('p', { id: 'login-error', class: 'err', role: 'alert' }, message || '');
  const form = h('form', { id: 'login-form', 'aria-describedby': 'login-help' },
    h('label', {}, 'Access key', h('input', { name: 'access', id: 'login-access', required: true, autocomplete: 'username' })),
    h('label', {}, 'Secret key', h('input', { name: 'secret', id: 'login-secret', type: 'password', required: true, autocomplete: 'current-password' })),
    h('label', {}, 'Region', h('input', { name: 'region', id: 'login-region', value: 'us-east-1', required: true })),
    err,
    h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, 'Log in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const c = { accessKey: form.access.value.trim(), secretKey: form.secret.value, region: form.region.value.trim() || 'us-east-1' };
    err.textContent = '';
    setStatus('Logging in…');
    const r = await tryLogin(c);
    if (r.ok) {
      sessionStorage.setItem(CREDS_KEY, JSON.stringify(c));
      setStatus(`Logged in as ${c.accessKey}.`, 'ok');
      startApp();
    } else {
      err.textContent = `Login refused: ${r.message}`;
      setStatus('Login refused.', 'error');
      form.secret.focus();
    }
  });
  main.append(h('section', { class: 'login card' },
    h('h2', {}, 'Log in'),
    h('p', { id: 'login-help', class: 'hint' }, 'This server checks signatures. The console signs every call in the browser with these keys (SigV4); they stay in this tab’s session storage and are never sent.'),
    form));
  document.getElementById('login-access').focus();
}

// Check credentials with a signed ListBuckets; learn whether they are an admin's from a signed
// GET /_fakes3/info.
async function tryLogin(c) {
  Api.setCreds(c);
  try {
    await Api.listBuckets();
  } catch (e) {
    Api.setCreds(null);
    return { ok: false, message: e.code === 'SignatureDoesNotMatch' ? 'the secret key does not match (SignatureDoesNotMatch)'
      : e.code === 'InvalidAccessKeyId' ? 'no such access key (InvalidAccessKeyId)' : e.message };
  }
  try {
    await Api.ctl('GET', '/info');
    App.admin = true;
  } catch (e) {
    App.admin = false;
  }
  return { ok: true };
}

async function boot() {
  for (const b of document.querySelectorAll('#nav button')) {
    b.addEventListener('click', () => show(b.dataset.view));
  }
  try {
    const p = await Api.probeOpen();
    if (p.open) {
      App.mode = 'open';
      App.admin = true;
      startApp();
      return;
    }
  } catch (e) {
    showError('The server did not answer /_fakes3/info', e);
    return;
  }
  App.mode = 'signed';
  const saved = sessionStorage.getItem(CREDS_KEY);
  if (saved) {
    const r = await tryLogin(JSON.parse(saved));
    if (r.ok) { startApp(); return; }
    sessionStorage.removeItem(CREDS_KEY);
  }
  renderLogin();
}

// ---- buckets ----
App.views.buckets = async (main) => {
  const name = h('input', { id: 'new-bucket-name', name: 'name', required: true, pattern: '[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]', placeholder: 'my-bucket' });
  const region = h('input', { id: 'new-bucket-region', name: 'region', value: Api.creds ? Api.creds.region : 'us-east-1' });
  const lock = h('input', { id: 'new-bucket-lock', type: 'checkbox', name: 'lock' });
  const form = h('form', { class: 'row', id: 'create-bucket' },
    h('label', {}, 'Bucket name', name), h('label', {}, 'Region', region),
    h('label', { class: 'inline' }, lock, 'Object lock'),
    h('button', { type: 'submit', class: 'primary' }, 'Create bucket'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await Api.createBucket(name.value.trim(), region.value.trim(), lock.checked);
      setStatus(`Bucket ${name.value.trim()} created.`, 'ok');
      name.value = '';
      load();
    } catch (e) { showError('Create bucket', e); }
  });
  const tbody = h('tbody', { id: 'bucket-rows' });
  const conf = h('section', { id: 'bucket-config', 'aria-live': 'polite' });
  main.append(h('h2', {}, 'Buckets'), h('div', { class: 'card' }, form),
    h('table', { class: 'stack', id: 'buckets' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Created'), h('th', { class: 'num' }, 'Objects'),
        h('th', { class: 'num' }, 'Size'), h('th', {}, h('span', { class: 'sr' }, 'Actions')))),
      tbody), conf);

  async function load() {
    let buckets, stats = null;
    try {
      [buckets, stats] = await Promise.all([Api.listBuckets(), bucketStats()]);
    } catch (e) { showError('List buckets', e); return; }
    tbody.replaceChildren(...buckets.map((b) => {
      const s = stats && stats[b.name];
      return h('tr', { 'data-bucket': b.name },
        h('td', { 'data-label': 'Name' }, h('button', { type: 'button', class: 'link open-bucket', onclick: () => openBucket(b.name) }, b.name)),
        h('td', { 'data-label': 'Created' }, fmtDate(b.created)),
        h('td', { class: 'num objects', 'data-label': 'Objects' }, s ? String(s.objects) : '–'),
        h('td', { class: 'num bytes', 'data-label': 'Size' }, s ? fmtBytes(s.bytes) : '–'),
        h('td', {}, h('div', { class: 'row' },
          h('button', { type: 'button', class: 'show-config', onclick: () => showConfig(conf, b.name) }, 'Configuration'),
          h('button', { type: 'button', class: 'delete-bucket', onclick: () => removeBucket(b.name) }, 'Delete'))));
    }));
    if (!buckets.length) tbody.append(h('tr', {}, h('td', { colspan: 5, class: 'hint' }, 'No bucket yet: create one above.')));
    // When the first screen has its data (the test reads it; see the README's figures).
    if (!performance.getEntriesByName('console-ready').length) performance.mark('console-ready');
  }

  async function removeBucket(b) {
    if (!(await confirmDialog(`Delete the bucket ${b}? It must be empty.`))) return;
    try {
      await Api.deleteBucket(b);
      setStatus(`Bucket ${b} deleted.`, 'ok');
      if (App.bucket === b) App.bucket = null;
      conf.replaceChildren();
      load();
    } catch (e) { showError(`Delete ${b}`, e); }
  }
  load();
};

// Objects and bytes per bucket from the metrics (fakes3_bucket_objects / _bytes, current
// versions), or null when the metrics or those families are not there.
async function bucketStats() {
  let text;
  try { text = await Api.metrics(); } catch (e) { return null; }
  const stats = {};
  for (const m of parseMetrics(text)) {
    if ((m.name !== 'fakes3_bucket_objects' && m.name !== 'fakes3_bucket_bytes') || !m.labels.bucket) continue;
    if (m.labels.version && m.labels.version !== 'current') continue;
    const s = stats[m.labels.bucket] || (stats[m.labels.bucket] = { objects: 0, bytes: 0 });
    if (m.name === 'fakes3_bucket_objects') s.objects += m.value; else s.bytes += m.value;
  }
  return Object.keys(stats).length ? stats : null;
}

const CONFIGS = [
  ['versioning', 'Versioning'], ['cors', 'CORS'], ['policy', 'Policy'], ['lifecycle', 'Lifecycle'],
  ['tagging', 'Tags'], ['encryption', 'Encryption'], ['acl', 'ACL'], ['object-lock', 'Object lock'],
];

function summarize(sub, text) {
  const doc = text.trim().startsWith('<') ? new DOMParser().parseFromString(text, 'application/xml') : null;
  const all = (t) => (doc ? Array.from(doc.getElementsByTagName(t)).map((e) => e.textContent) : []);
  switch (sub) {
    case 'versioning': return all('Status')[0] || 'never enabled';
    case 'cors': return `${all('CORSRule').length} rule(s)`;
    case 'lifecycle': return `${all('Rule').length} rule(s)`;
    case 'tagging': return doc ? Array.from(doc.getElementsByTagName('Tag')).map((t) => `${t.children[0].textContent}=${t.children[1].textContent}`).join(', ') || 'no tags' : '';
    case 'encryption': return all('SSEAlgorithm').join(', ');
    case 'acl': return `owner ${all('ID')[0] || '?'}; ${all('Permission').length} grant(s): ${all('Permission').join(', ')}`;
    case 'object-lock': return all('ObjectLockEnabled')[0] === 'Enabled' ? 'enabled' : 'not enabled';
    case 'policy': try { return `${JSON.parse(text).Statement.length} statement(s)`; } catch (e) { return 'set'; }
    default: return 'set';
  }
}

async function showConfig(section, bucket) {
  section.replaceChildren(h('h3', { id: 'config-title', tabindex: '-1' }, `Configuration of ${bucket}`));
  const dl = h('dl', { class: 'kv card', id: 'config-list' });
  section.append(dl);
  section.querySelector('h3').focus();
  const results = await Promise.all(CONFIGS.map(([sub]) => Api.getConfig(bucket, sub).catch((e) => ({ error: e }))));
  CONFIGS.forEach(([sub, label], i) => {
    const r = results[i];
    let dd;
    if (r.error) dd = h('dd', { class: 'err' }, r.error.message);
    else if (!r.set) dd = h('dd', { class: 'notset' }, 'not set');
    else {
      dd = h('dd', {}, summarize(sub, r.text), ' ',
        h('details', {}, h('summary', {}, 'document'), h('pre', {}, r.text)));
    }
    dd.dataset.config = sub;
    dl.append(h('dt', {}, label), dd);
  });
}

function openBucket(b) {
  App.bucket = b;
  App.browse = { prefix: '', search: '', tokens: [null], page: 0, versions: false };
  show('objects');
}

// ---- the object browser ----
App.views.objects = (main) => {
  const bucket = App.bucket;
  const st = App.browse;
  const selected = new Map(); // key or key+version -> {key, versionId}

  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Folder' });
  const search = h('input', { id: 'prefix-search', type: 'search', value: st.search, placeholder: 'name starts with…' });
  const searchForm = h('form', { class: 'row', role: 'search' },
    h('label', {}, 'Filter this folder by prefix', search), h('button', { type: 'submit' }, 'Filter'));
  searchForm.addEventListener('submit', (ev) => { ev.preventDefault(); st.search = search.value; resetPages(); load(); });

  const fileInput = h('input', { type: 'file', id: 'file-input', multiple: true, hidden: true, 'aria-label': 'Files to upload' });
  fileInput.addEventListener('change', () => { upload(Array.from(fileInput.files)); fileInput.value = ''; });
  const delBtn = h('button', { type: 'button', id: 'delete-selected', class: 'danger', disabled: true, onclick: deleteSelected }, 'Delete selected');
  const verBtn = h('button', { type: 'button', id: 'toggle-versions', 'aria-pressed': String(st.versions),
    onclick: () => { st.versions = !st.versions; resetPages(); show('objects'); } }, st.versions ? 'Hide versions' : 'Show versions');
  const folderName = h('input', { id: 'new-folder-name', placeholder: 'folder name', size: 14 });
  const folderForm = h('form', { class: 'row', id: 'new-folder' },
    h('label', {}, 'New folder', folderName), h('button', { type: 'submit' }, 'Create folder'));
  folderForm.addEventListener('submit', (ev) => { ev.preventDefault(); newFolder(folderName.value); folderName.value = ''; });
  const toolbar = h('div', { class: 'row' },
    h('button', { type: 'button', id: 'upload-button', onclick: () => fileInput.click() }, 'Upload files…'), fileInput, folderForm, verBtn,
    h('button', { type: 'button', id: 'refresh', onclick: () => load() }, 'Refresh'), h('span', { class: 'spacer' }), delBtn);

  // Each bucket's uploads' list outlives the screen: uploads go on while other screens are
  // shown, and their bars are there again on coming back.
  App.uploads = App.uploads || {};
  if (!App.uploads[bucket]) {
    const ul = h('ul', { class: 'uploads', id: 'uploads', 'aria-label': 'Uploads' });
    const btn = h('button', { type: 'button', id: 'clear-uploads', hidden: true, onclick: () => {
      for (const li of ul.querySelectorAll('li:not([data-state="running"])')) li.remove();
      btn.hidden = true;
    } }, 'Clear finished uploads');
    App.uploads[bucket] = { ul, btn };
  }
  const uploads = App.uploads[bucket].ul, clearDone = App.uploads[bucket].btn;
  const tbody = h('tbody', { id: 'object-rows' });
  const pageInfo = h('span', { id: 'page-info' });
  const prev = h('button', { type: 'button', id: 'page-prev', onclick: () => { st.page--; load(); } }, '← Previous');
  const next = h('button', { type: 'button', id: 'page-next', onclick: () => { st.page++; load(); } }, 'Next →');
  const details = h('section', { id: 'object-details' });
  const drop = h('section', { class: 'drop', id: 'drop-zone', 'aria-label': 'Objects; drop files here to upload' },
    h('table', { class: 'stack', id: 'objects' },
      h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr' }, 'Select')), h('th', {}, 'Name'),
        st.versions ? h('th', {}, 'Version') : null, h('th', { class: 'num' }, 'Size'), h('th', {}, 'Last modified'), h('th', {}, 'Actions'))),
      tbody),
    h('p', { class: 'hint' }, 'Drop files on this list to upload them into the folder shown.'));
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; drop.classList.add('over'); });
  }
  drop.addEventListener('dragleave', (e) => { if (e.target === drop) drop.classList.remove('over'); });
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const files = Array.from(e.dataTransfer.files || []);
    if (files.length) upload(files);
  });

  main.append(h('h2', {}, 'Objects in ', h('span', { class: 'mono' }, bucket)), crumbs, h('div', { class: 'card' }, toolbar, searchForm), uploads, clearDone,
    drop, h('div', { class: 'pager' }, prev, pageInfo, next), details);

  const folder = () => st.prefix;
  function resetPages() { st.tokens = [null]; st.page = 0; }

  function renderCrumbs() {
    const parts = st.prefix ? st.prefix.slice(0, -1).split('/') : [];
    const items = [h('button', { type: 'button', class: 'link crumb', onclick: () => go('') }, bucket)];
    parts.forEach((p, i) => {
      const pre = parts.slice(0, i + 1).join('/') + '/';
      items.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'));
      items.push(i === parts.length - 1 ? h('span', { 'aria-current': 'location' }, p) : h('button', { type: 'button', class: 'link crumb', onclick: () => go(pre) }, p));
    });
    crumbs.replaceChildren(...items);
  }

  function go(prefix) {
    st.prefix = prefix;
    st.search = '';
    search.value = '';
    resetPages();
    details.replaceChildren();
    load();
  }

  function updateDelete() {
    delBtn.disabled = selected.size === 0;
    delBtn.textContent = selected.size ? `Delete selected (${selected.size})` : 'Delete selected';
  }

  function checkbox(item, label) {
    const id = item.key + '\u0000' + (item.versionId || '');
    return h('input', { type: 'checkbox', class: 'select', 'aria-label': `Select ${label}`, checked: selected.has(id),
      onchange: (e) => { if (e.target.checked) selected.set(id, item); else selected.delete(id); updateDelete(); } });
  }

  async function load() {
    renderCrumbs();
    selected.clear();
    updateDelete();
    const prefix = folder() + (st.search || '');
    const token = st.tokens[st.page];
    let res;
    try {
      if (st.versions) {
        res = await Api.listVersions(bucket, { prefix, keyMarker: token && token.k, versionIdMarker: token && token.v });
        st.tokens[st.page + 1] = res.truncated ? { k: res.nextKeyMarker, v: res.nextVersionIdMarker } : undefined;
      } else {
        res = await Api.listObjects(bucket, { prefix, token });
        st.tokens[st.page + 1] = res.truncated ? res.nextToken : undefined;
      }
    } catch (e) { showError('List', e); return; }
    const rows = res.folders.map((f) => h('tr', { class: 'folder', 'data-prefix': f },
      h('td', {}, ''),
      h('td', { 'data-label': 'Folder' }, h('button', { type: 'button', class: 'link open-folder', onclick: () => go(f) }, f.slice(folder().length)), ' ', h('span', { class: 'badge' }, 'folder')),
      st.versions ? h('td', {}, '') : null, h('td', { class: 'num' }, ''), h('td', {}, ''), h('td', {}, '')));
    const items = st.versions ? res.entries : res.objects;
    for (const o of items) {
      if (o.key === folder() && !st.versions) continue; // the folder's own marker object
      const name = o.key.slice(folder().length) || o.key;
      rows.push(h('tr', { class: 'object', 'data-key': o.key },
        h('td', {}, checkbox({ key: o.key, versionId: st.versions ? o.versionId : null }, name)),
        h('td', { 'data-label': 'Name' }, h('button', { type: 'button', class: 'link open-object', onclick: () => openDetails(o.key, st.versions ? o.versionId : null) }, name)),
        st.versions ? h('td', { class: 'mono', 'data-label': 'Version' }, o.versionId, ' ', o.latest ? h('span', { class: 'badge' }, 'latest') : null,
          ' ', o.deleteMarker ? h('span', { class: 'badge dm' }, 'delete marker') : null) : null,
        h('td', { class: 'num', 'data-label': 'Size' }, o.deleteMarker ? '' : fmtBytes(o.size)),
        h('td', { 'data-label': 'Modified' }, fmtDate(o.modified)),
        h('td', {}, o.deleteMarker ? '' : h('button', { type: 'button', class: 'download', onclick: () => download(o.key, st.versions ? o.versionId : null, o.size) }, 'Download'))));
    }
    if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: 6, class: 'hint' }, st.search ? 'Nothing matches.' : 'Empty folder.')));
    tbody.replaceChildren(...rows);
    prev.disabled = st.page === 0;
    next.disabled = !st.tokens[st.page + 1];
    pageInfo.textContent = `Page ${st.page + 1}`;
  }

  async function deleteSelected() {
    const items = Array.from(selected.values());
    if (!items.length) return;
    const what = items.length === 1 ? items[0].key + (items[0].versionId ? ` (version ${items[0].versionId})` : '') : `${items.length} objects`;
    if (!(await confirmDialog(`Delete ${what}?${st.versions ? ' Deleting a version removes it for good.' : ''}`))) return;
    try {
      const r = await Api.deleteObjects(bucket, items);
      if (r.errors.length) setStatus(`Deleted ${r.deleted.length}; ${r.errors.length} failed: ${r.errors.map((x) => `${x.key}: ${x.code}`).join(', ')}`, 'error');
      else setStatus(`Deleted ${r.deleted.length} object(s).`, 'ok');
    } catch (e) { showError('Delete', e); }
    load();
  }

  async function newFolder(name) {
    name = (name || '').trim();
    if (!name) return;
    const key = folder() + name.replace(/\/+$/, '') + '/';
    try {
      await Api.putObject(bucket, key, new Blob([]), null, null);
      go(key);
      setStatus(`Folder ${key} created; drop files to upload into it.`, 'ok');
    } catch (e) { showError('New folder', e); }
  }

  // Small objects: a signed fetch into a Blob (errors show in the status line). Big ones: a
  // presigned link the browser saves as it reads (nothing held in memory).
  async function download(key, versionId, size) {
    const name = key.split('/').pop() || 'download';
    if (size > 32 * 1024 * 1024) {
      const url = Api.presignGet(bucket, key, 3600, versionId,
        [['response-content-disposition', `attachment; filename="${name.replace(/["\\]/g, '_')}"`]]);
      const a = h('a', { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setStatus(`Downloading ${key} (${fmtBytes(size)}) through a presigned link.`, 'ok');
      return;
    }
    try {
      const blob = await Api.getObjectBlob(bucket, key, versionId);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      setStatus(`Downloaded ${key} (${fmtBytes(blob.size)}).`, 'ok');
    } catch (e) { showError(`Download ${key}`, e); }
  }

  async function openDetails(key, versionId) {
    details.replaceChildren(h('h3', { id: 'details-title', tabindex: '-1' }, 'Object ', h('span', { class: 'mono' }, key)));
    details.querySelector('h3').focus();
    let head, tags;
    try {
      [head, tags] = await Promise.all([Api.headObject(bucket, key, versionId), Api.getTagging(bucket, key, versionId).catch((e) => e)]);
    } catch (e) { details.append(h('p', { class: 'err' }, e.message)); return; }
    const meta = head.filter(([k]) => k.startsWith('x-amz-meta-'));
    const kv = (pairs, id) => h('dl', { class: 'kv', id }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)]));
    const expiry = h('select', { id: 'presign-expiry' },
      [[60, '1 minute'], [900, '15 minutes'], [3600, '1 hour'], [43200, '12 hours'], [86400, '1 day'], [604800, '7 days']]
        .map(([s, l]) => h('option', { value: String(s), selected: s === 3600 }, l)));
    const out = h('input', { id: 'presign-url', readonly: true, class: 'mono', 'aria-label': 'Presigned URL', size: 60 });
    const link = h('a', { id: 'presign-link', target: '_blank', rel: 'noopener', hidden: true }, 'open');
    const gen = h('button', { type: 'button', id: 'presign-generate', class: 'primary', onclick: () => {
      out.value = Api.presignGet(bucket, key, Number(expiry.value), versionId);
      link.href = out.value;
      link.hidden = false;
      out.select();
      setStatus(`Presigned URL valid for ${expiry.selectedOptions[0].textContent}${App.mode === 'open' ? ' (signed with a placeholder key: the open mode checks none)' : ''}.`, 'ok');
    } }, 'Generate');
    details.append(
      h('div', { class: 'card' }, h('h3', {}, 'Headers'), kv(head, 'object-headers')),
      h('div', { class: 'card' }, h('h3', {}, 'Metadata'), meta.length ? kv(meta, 'object-meta') : h('p', { class: 'notset' }, 'no user metadata')),
      h('div', { class: 'card' }, h('h3', {}, 'Tags'), tags instanceof Error ? h('p', { class: 'err' }, tags.message)
        : tags.length ? kv(tags, 'object-tags') : h('p', { class: 'notset', id: 'object-tags' }, 'no tags')),
      h('div', { class: 'card' }, h('h3', {}, 'Presigned link'),
        h('div', { class: 'row' }, h('label', {}, 'Expires in', expiry), gen, h('button', { type: 'button', id: 'details-download', onclick: () => download(key, versionId, Number((head.find(([k]) => k === 'content-length') || [])[1] || 0)) }, 'Download')),
        h('p', {}, out, ' ', link)));
  }

  // ---- uploads: one PutObject under 8 MiB, multipart (5 MiB parts) from there ----
  const SINGLE_MAX = 8 * 1024 * 1024, PART = 5 * 1024 * 1024;
  function upload(files) {
    for (const f of files) uploadOne(f, folder() + f.name);
  }

  async function uploadOne(file, key) {
    const ctrl = new AbortController();
    const prog = h('progress', { max: String(file.size || 1), value: '0', 'data-key': key, id: `progress-${key}` });
    const pct = h('span', { class: 'pct', 'aria-live': 'off' }, '0 %');
    const cancel = h('button', { type: 'button', class: 'cancel-upload', onclick: () => ctrl.abort() }, 'Cancel');
    const label = h('label', { for: prog.id }, key);
    const li = h('li', { 'data-key': key, 'data-state': 'running' }, label, prog, pct, cancel);
    uploads.append(li);
    const setProgress = (n) => {
      prog.setAttribute('value', String(n));
      pct.textContent = `${Math.floor((100 * n) / (file.size || 1))} %`;
    };
    const finish = (state, msg) => {
      li.dataset.state = state;
      clearDone.hidden = false;
      cancel.remove();
      pct.textContent = msg;
    };
    let uploadId = null;
    try {
      if (file.size < SINGLE_MAX) {
        await Api.putObject(bucket, key, file, (n) => setProgress(n), ctrl.signal);
      } else {
        uploadId = await Api.createMultipart(bucket, key, file.type);
        li.dataset.uploadId = uploadId;
        const parts = [];
        for (let off = 0, n = 1; off < file.size; off += PART, n++) {
          const blob = file.slice(off, Math.min(off + PART, file.size));
          const r = await Api.uploadPart(bucket, key, uploadId, n, blob, (k) => setProgress(off + k), ctrl.signal);
          parts.push({ n, etag: r.etag });
          setProgress(Math.min(off + PART, file.size));
        }
        await Api.completeMultipart(bucket, key, uploadId, parts);
      }
      setProgress(file.size);
      finish('done', 'done');
      setStatus(`Uploaded ${key} (${fmtBytes(file.size)}).`, 'ok');
      if (App.view === 'objects' && App.bucket === bucket && App.reloadObjects) App.reloadObjects();
    } catch (e) {
      if (uploadId) await Api.abortMultipart(bucket, key, uploadId).catch(() => {});
      if (e.code === 'Aborted') { finish('cancelled', 'cancelled'); setStatus(`Upload of ${key} cancelled.`); }
      else { finish('failed', 'failed'); showError(`Upload ${key}`, e); }
    }
  }

  App.reloadObjects = load;
  App.stop = () => { App.reloadObjects = null; };
  load();
};

document.addEventListener('DOMContentLoaded', boot);
