// ops.js: the console's control screens over /_fakes3/ (an admin's): the live request journal,
// fault rules, the clock, and charts of requests per second and latency from the metrics.
// Each screen sets App.stop to end its pollers when another screen is shown.
'use strict';

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  if (signal) signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

// ---- the request journal: the newest entries, then a long-poll for each new one ----
App.views.journal = (main) => {
  if (!App.admin) { needsAdmin(main, 'Request journal'); return; }
  const ctrl = new AbortController();
  App.stop = () => ctrl.abort();
  const entries = []; // newest last, at most KEEP
  const KEEP = 1000;
  const op = h('input', { id: 'jf-op', list: 'jf-ops', placeholder: 'PutObject', size: 16 });
  const opsList = h('datalist', { id: 'jf-ops' });
  const bucket = h('input', { id: 'jf-bucket', placeholder: 'any', size: 14 });
  const status = h('input', { id: 'jf-status', placeholder: '200, 4xx…', size: 8 });
  const follow = h('input', { id: 'jf-follow', type: 'checkbox', checked: true });
  const count = h('span', { id: 'journal-count', class: 'hint' });
  const filters = h('form', { class: 'row card', id: 'journal-filters', role: 'search' },
    h('label', {}, 'Operation', op), opsList, h('label', {}, 'Bucket', bucket), h('label', {}, 'Status', status),
    h('label', { class: 'inline' }, follow, 'Follow new requests'),
    h('button', { type: 'button', id: 'journal-clear', onclick: clear }, 'Clear journal'), count);
  filters.addEventListener('submit', (e) => e.preventDefault());
  for (const el of [op, bucket, status]) el.addEventListener('input', render);
  follow.addEventListener('change', render);
  const tbody = h('tbody', { id: 'journal-rows' });
  const detail = h('section', { id: 'journal-detail' });
  main.append(h('h2', {}, 'Request journal'), filters,
    h('table', { class: 'stack', id: 'journal' }, h('thead', {}, h('tr', {}, ['#', 'Time', 'Method', 'Operation', 'Bucket / key', 'Status', 'ms']
      .map((t) => h('th', { class: t === 'ms' || t === '#' ? 'num' : null }, t)))), tbody), detail);

  function matches(e) {
    if (op.value && !(e.op || '').toLowerCase().includes(op.value.toLowerCase())) return false;
    if (bucket.value && (e.bucket || '') !== bucket.value) return false;
    const s = status.value.trim();
    if (s) {
      const m = /^([1-5])xx$/i.exec(s);
      if (m ? String(e.status)[0] !== m[1] : String(e.status) !== s) return false;
    }
    return true;
  }

  let paused = null; // the entries shown when "follow" was unticked
  function render() {
    if (!follow.checked && paused) return;
    const shown = entries.filter(matches).slice(-300).reverse();
    if (!follow.checked) paused = shown;
    else paused = null;
    tbody.replaceChildren(...shown.map((e) => h('tr', { class: 'journal-row', 'data-id': String(e.id), 'data-op': e.op || '' },
      h('td', { class: 'num' }, h('button', { type: 'button', class: 'link', 'aria-label': `Request ${e.id} details`, onclick: () => showDetail(e) }, String(e.id))),
      h('td', { 'data-label': 'Time' }, fmtDate(e.time)),
      h('td', { 'data-label': 'Method' }, e.method),
      h('td', { 'data-label': 'Operation' }, e.op || '–'),
      h('td', { class: 'mono', 'data-label': 'Target' }, [e.bucket, e.key].filter(Boolean).join('/') || e.target),
      h('td', { class: e.status >= 400 ? 'err' : '', 'data-label': 'Status' }, String(e.status), e.error ? ` ${e.error}` : ''),
      h('td', { class: 'num', 'data-label': 'ms' }, e.duration_ms != null ? e.duration_ms.toFixed(1) : ''))));
    count.textContent = `${shown.length} shown of ${entries.length}`;
    const ops = Array.from(new Set(entries.map((e) => e.op).filter(Boolean))).sort();
    opsList.replaceChildren(...ops.map((o) => h('option', { value: o })));
  }

  function showDetail(e) {
    const kv = (o) => h('dl', { class: 'kv' }, Object.entries(o || {}).map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, String(v))]));
    detail.replaceChildren(
      h('h3', { tabindex: '-1', id: 'journal-detail-title' }, `Request ${e.id}: ${e.method} ${e.target}`),
      h('div', { class: 'card' }, kv({ operation: e.op, status: e.status, error: e.error, bucket: e.bucket, key: e.key,
        version_id: e.version_id, style: e.style, client: e.client, access_key: e.auth && e.auth.access_key,
        auth: e.auth && e.auth.decision, request_id: e.request_id, body_bytes: e.request_body && e.request_body.bytes,
        response_bytes: e.response_bytes, duration_ms: e.duration_ms })),
      h('div', { class: 'card' }, h('h3', {}, 'Request headers'), kv(e.request_headers)),
      h('div', { class: 'card' }, h('h3', {}, 'Response headers'), kv(e.response_headers)));
    detail.querySelector('h3').focus();
  }

  function add(list) {
    const last = entries.length ? entries[entries.length - 1].id : 0;
    for (const e of list) if (e.id > last) entries.push(e);
    if (entries.length > KEEP) entries.splice(0, entries.length - KEEP);
    render();
  }

  async function clear() {
    try {
      const r = await Api.ctl('DELETE', '/requests');
      entries.length = 0;
      render();
      setStatus(`Journal cleared (${r.json.cleared} entries).`, 'ok');
    } catch (e) { showError('Clear journal', e); }
  }

  (async () => {
    let since = 0;
    try {
      const r = await Api.ctl('GET', '/requests?limit=500', undefined, ctrl.signal);
      add(r.json.requests);
      since = r.json.last_id || 0;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      if (e.code === 'JournalOff') { tbody.replaceChildren(h('tr', {}, h('td', { colspan: 7 }, 'The journal is off (--journal 0).'))); return; }
      showError('Journal', e);
    }
    while (!ctrl.signal.aborted) {
      try {
        const r = await Api.ctl('GET', `/requests/wait?since=${since}&timeout=25`, undefined, ctrl.signal);
        const got = r.json.requests || [];
        for (const e of got) since = Math.max(since, e.id);
        if (r.status === 200 && r.json.last_id) since = Math.max(since, r.json.last_id);
        if (got.length) add(got);
      } catch (e) {
        if (ctrl.signal.aborted) return;
        if (e.code === 'Timeout') continue;
        setStatus(`Journal: ${e.message}; retrying`, 'error');
        await sleep(2000, ctrl.signal);
      }
    }
  })();
};

// ---- fault rules ----
App.views.faults = (main) => {
  if (!App.admin) { needsAdmin(main, 'Fault rules'); return; }
  const ctrl = new AbortController();
  App.stop = () => ctrl.abort();
  const f = {
    op: h('input', { id: 'fault-op', placeholder: 'GetObject', size: 14 }),
    bucket: h('input', { id: 'fault-bucket', placeholder: 'any', size: 12 }),
    key: h('input', { id: 'fault-key', placeholder: 'logs/*', size: 12 }),
    action: h('select', { id: 'fault-action' }, h('option', { value: 'error' }, 'answer an error'), h('option', { value: 'delay' }, 'delay')),
    error: h('input', { id: 'fault-error', value: 'SlowDown', size: 14 }),
    status: h('input', { id: 'fault-status', type: 'number', value: '503', min: '300', max: '599' }),
    delay: h('input', { id: 'fault-delay', type: 'number', value: '500', min: '0' }),
    times: h('input', { id: 'fault-times', type: 'number', min: '1', placeholder: 'always' }),
  };
  const errorFields = h('span', { class: 'row' }, h('label', {}, 'Error code', f.error), h('label', {}, 'Status', f.status));
  const delayFields = h('span', { class: 'row', hidden: true }, h('label', {}, 'Delay (ms)', f.delay));
  f.action.addEventListener('change', () => {
    errorFields.hidden = f.action.value !== 'error';
    delayFields.hidden = f.action.value !== 'delay';
  });
  const form = h('form', { class: 'row card', id: 'fault-form' },
    h('label', {}, 'Operation', f.op), h('label', {}, 'Bucket', f.bucket), h('label', {}, 'Key (glob)', f.key),
    h('label', {}, 'Action', f.action), errorFields, delayFields, h('label', {}, 'Times', f.times),
    h('button', { type: 'submit', class: 'primary' }, 'Add rule'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const match = {};
    if (f.op.value.trim()) match.op = f.op.value.trim();
    if (f.bucket.value.trim()) match.bucket = f.bucket.value.trim();
    if (f.key.value.trim()) match.key = f.key.value.trim();
    const action = f.action.value === 'error' ? { error: f.error.value.trim(), status: Number(f.status.value) }
      : { delay_ms: Number(f.delay.value) };
    const rule = { match, action };
    if (f.times.value) rule.times = Number(f.times.value);
    try {
      const r = await Api.ctl('POST', '/faults', rule);
      setStatus(`Fault rule ${r.json.id} added.`, 'ok');
      load();
    } catch (e) { showError('Add rule', e); }
  });
  const tbody = h('tbody', { id: 'fault-rows' });
  main.append(h('h2', {}, 'Fault rules'), form,
    h('table', { class: 'stack', id: 'faults' }, h('thead', {}, h('tr', {}, ['Id', 'Match', 'Action', 'Times', 'Hits', 'Matched', '']
      .map((t) => h('th', {}, t)))), tbody),
    h('p', { class: 'hint' }, 'Rules are checked in order; the first that fires answers. Hit counts refresh every 2 s.'));

  const summary = (o) => Object.entries(o || {}).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ') || 'any request';
  async function load() {
    let r;
    try { r = await Api.ctl('GET', '/faults', undefined, ctrl.signal); } catch (e) { if (!ctrl.signal.aborted) showError('Faults', e); return; }
    const rules = r.json.faults || [];
    tbody.replaceChildren(...rules.map((x) => h('tr', { 'data-id': String(x.id) },
      h('td', { 'data-label': 'Id' }, String(x.id)),
      h('td', { class: 'mono', 'data-label': 'Match' }, summary(x.match)),
      h('td', { class: 'mono', 'data-label': 'Action' }, summary(x.action)),
      h('td', { 'data-label': 'Times' }, x.times == null ? 'always' : `${x.remaining != null ? x.remaining + ' left of ' : ''}${x.times}`),
      h('td', { class: 'num hits', 'data-label': 'Hits' }, String(x.hits)),
      h('td', { class: 'num', 'data-label': 'Matched' }, String(x.matched ?? '')),
      h('td', {}, h('button', { type: 'button', class: 'remove-fault', 'aria-label': `Remove rule ${x.id}`, onclick: () => remove(x.id) }, 'Remove')))));
    if (!rules.length) tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'hint' }, 'No fault rule: requests are answered normally.')));
  }
  async function remove(id) {
    try {
      await Api.ctl('DELETE', `/faults/${encodeURIComponent(id)}`);
      setStatus(`Fault rule ${id} removed.`, 'ok');
      load();
    } catch (e) { showError('Remove rule', e); }
  }
  (async () => { while (!ctrl.signal.aborted) { await load(); await sleep(2000, ctrl.signal); } })();
};

// ---- the clock ----
App.views.clock = (main) => {
  if (!App.admin) { needsAdmin(main, 'Clock'); return; }
  const ctrl = new AbortController();
  App.stop = () => ctrl.abort();
  const now = h('output', { id: 'clock-now', class: 'mono' });
  const offset = h('output', { id: 'clock-offset' });
  const frozen = h('output', { id: 'clock-frozen' });
  const amount = h('input', { id: 'clock-amount', type: 'number', value: '1', step: 'any' });
  const unit = h('select', { id: 'clock-unit' }, [['1', 'seconds'], ['60', 'minutes'], ['3600', 'hours'], ['86400', 'days']]
    .map(([v, l]) => h('option', { value: v, selected: v === '86400' }, l)));
  const setTo = h('input', { id: 'clock-set', placeholder: '2030-01-01T00:00:00Z', size: 24 });
  const freezeBtn = h('button', { type: 'button', id: 'clock-freeze' }, 'Freeze');
  let state = null;
  const post = async (body, what) => {
    try {
      const r = await Api.ctl('POST', '/clock', body);
      paint(r.json);
      setStatus(`Clock ${what}: now ${r.json.now}.`, 'ok');
    } catch (e) { showError('Clock', e); }
  };
  const advance = h('form', { class: 'row', id: 'clock-advance' }, h('label', {}, 'Advance by', amount), h('label', {}, 'Unit', unit),
    h('button', { type: 'submit', class: 'primary' }, 'Advance'));
  advance.addEventListener('submit', (e) => { e.preventDefault(); post({ advance: Number(amount.value) * Number(unit.value) }, 'advanced'); });
  const set = h('form', { class: 'row', id: 'clock-setform' }, h('label', {}, 'Set to (ISO-8601)', setTo), h('button', { type: 'submit' }, 'Set'));
  set.addEventListener('submit', (e) => { e.preventDefault(); post({ set: setTo.value.trim() }, 'set'); });
  freezeBtn.addEventListener('click', () => post({ freeze: !(state && state.frozen) }, state && state.frozen ? 'unfrozen' : 'frozen'));
  main.append(h('h2', {}, 'Clock'),
    h('div', { class: 'card' }, h('dl', { class: 'kv' }, h('dt', {}, 'Server time'), h('dd', {}, now),
      h('dt', {}, 'Offset from real time'), h('dd', {}, offset), h('dt', {}, 'Frozen'), h('dd', {}, frozen))),
    h('div', { class: 'card' }, advance, h('hr'), set, h('hr'),
      h('div', { class: 'row' }, freezeBtn, h('button', { type: 'button', id: 'clock-reset', onclick: () => post({ reset: true }, 'reset') }, 'Reset to real time'))),
    h('p', { class: 'hint' }, 'Moving the clock forward runs a lifecycle pass before the answer. S3 calls signed by this console follow the server’s clock.'));

  function paint(s) {
    state = s;
    now.textContent = s.now;
    const d = s.offset_seconds;
    offset.textContent = Math.abs(d) < 0.5 ? 'none' : `${d > 0 ? '+' : '−'}${fmtDuration(Math.abs(d))}`;
    frozen.textContent = s.frozen ? 'yes' : 'no';
    freezeBtn.textContent = s.frozen ? 'Unfreeze' : 'Freeze';
  }
  (async () => {
    while (!ctrl.signal.aborted) {
      try { paint((await Api.ctl('GET', '/clock', undefined, ctrl.signal)).json); } catch (e) { if (!ctrl.signal.aborted) showError('Clock', e); }
      await sleep(1000, ctrl.signal);
    }
  })();
};

function fmtDuration(s) {
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return [d && `${d} d`, hh && `${hh} h`, m && `${m} min`, (sec >= 0.5 || !(d || hh || m)) && `${sec.toFixed(sec < 10 ? 1 : 0)} s`].filter(Boolean).join(' ');
}

// ---- charts from /_fakes3/metrics, polled every 2 s ----
// Requests/s from fakes3_requests_total; latency mean and p50/p95 from the deltas of the
// fakes3_request_duration_seconds histogram (all operations together), interpolated within the
// bucket as Prometheus's histogram_quantile does.
const Charts = { history: [], prev: null, POINTS: 90 };

function histogramQuantile(q, buckets) {
  // buckets: [[le, cumulative count]] sorted by le, +Inf last
  const total = buckets.length ? buckets[buckets.length - 1][1] : 0;
  if (!total) return null;
  const rank = q * total;
  let prevLe = 0, prevC = 0;
  for (const [le, c] of buckets) {
    if (c >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + (le - prevLe) * ((rank - prevC) / ((c - prevC) || 1));
    }
    prevLe = le; prevC = c;
  }
  return prevLe;
}

function sampleMetrics(text) {
  const m = parseMetrics(text);
  let total = 0, sum = 0, count = 0;
  const les = new Map();
  for (const x of m) {
    if (x.name === 'fakes3_requests_total') total += x.value;
    else if (x.name === 'fakes3_request_duration_seconds_sum') sum += x.value;
    else if (x.name === 'fakes3_request_duration_seconds_count') count += x.value;
    else if (x.name === 'fakes3_request_duration_seconds_bucket') {
      const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
      les.set(le, (les.get(le) || 0) + x.value);
    }
  }
  return { t: performance.now(), total, sum, count, les };
}

function chartPoint(prev, cur) {
  const dt = (cur.t - prev.t) / 1000;
  const dc = cur.count - prev.count;
  const buckets = Array.from(cur.les.entries()).sort((a, b) => a[0] - b[0]).map(([le, c]) => [le, c - (prev.les.get(le) || 0)]);
  return {
    rps: dt > 0 ? Math.max(0, (cur.total - prev.total) / dt) : 0,
    mean: dc > 0 ? ((cur.sum - prev.sum) / dc) * 1000 : null,
    p50: dc > 0 ? histogramQuantile(0.5, buckets) * 1000 : null,
    p95: dc > 0 ? histogramQuantile(0.95, buckets) * 1000 : null,
  };
}

function drawChart(canvas, series, unit) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 400, hgt = canvas.clientHeight || 200;
  canvas.width = w * dpr; canvas.height = hgt * dpr;
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, hgt);
  const pad = { l: 48, r: 10, t: 10, b: 22 };
  let max = 0;
  for (const s of series) for (const v of s.values) if (v != null && v > max) max = v;
  max = max > 0 ? max * 1.15 : 1;
  g.strokeStyle = '#e3e7ed'; g.fillStyle = '#5b6574'; g.font = '11px system-ui, sans-serif'; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + ((hgt - pad.t - pad.b) * i) / 4;
    g.beginPath(); g.moveTo(pad.l, y); g.lineTo(w - pad.r, y); g.stroke();
    const v = max * (1 - i / 4);
    g.fillText(v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2), 4, y + 4);
  }
  g.fillText(`${unit} · last ${Charts.POINTS * 2} s`, pad.l, hgt - 6);
  const n = Charts.POINTS;
  const x = (i, len) => pad.l + ((w - pad.l - pad.r) * (n - len + i)) / (n - 1);
  const y = (v) => pad.t + (hgt - pad.t - pad.b) * (1 - v / max);
  series.forEach((s, k) => {
    g.strokeStyle = s.color; g.lineWidth = 2; g.beginPath();
    let on = false;
    s.values.forEach((v, i) => {
      if (v == null) { on = false; return; }
      if (on) g.lineTo(x(i, s.values.length), y(v)); else g.moveTo(x(i, s.values.length), y(v));
      on = true;
    });
    g.stroke();
    // The newest value as a dot, so that a lone point (no line yet) shows too.
    const li = s.values.length - 1;
    if (li >= 0 && s.values[li] != null) { g.beginPath(); g.arc(x(li, s.values.length), y(s.values[li]), 3, 0, 2 * Math.PI); g.fillStyle = s.color; g.fill(); }
    g.fillStyle = s.color; g.fillText(s.label, w - pad.r - 60 * (series.length - k), pad.t + 10);
  });
}

App.views.charts = (main) => {
  if (!App.admin) { needsAdmin(main, 'Charts'); return; }
  const ctrl = new AbortController();
  App.stop = () => ctrl.abort();
  const rpsCanvas = h('canvas', { id: 'chart-rps', role: 'img', 'aria-label': 'Requests per second' });
  const latCanvas = h('canvas', { id: 'chart-latency', role: 'img', 'aria-label': 'Latency in milliseconds' });
  const rpsText = h('p', { id: 'chart-rps-now', class: 'hint' }, 'waiting for two samples…');
  const latText = h('p', { id: 'chart-latency-now', class: 'hint' }, '');
  main.append(h('h2', {}, 'Requests and latency'),
    h('div', { class: 'charts' },
      h('figure', { class: 'card' }, h('figcaption', {}, 'Requests per second'), rpsCanvas, rpsText),
      h('figure', { class: 'card' }, h('figcaption', {}, 'Latency (ms): p50, p95, mean'), latCanvas, latText)),
    h('p', { class: 'hint' }, 'From GET /_fakes3/metrics every 2 s (fakes3_requests_total, fakes3_request_duration_seconds); control calls are not counted.'));
  const fmt = (v) => (v == null ? '–' : v.toFixed(v < 10 ? 2 : 1));
  function draw() {
    const H = Charts.history;
    drawChart(rpsCanvas, [{ label: 'req/s', color: '#1f5fbf', values: H.map((p) => p.rps) }], 'requests/s');
    drawChart(latCanvas, [{ label: 'p50', color: '#1b7a3c', values: H.map((p) => p.p50) },
      { label: 'p95', color: '#b3261e', values: H.map((p) => p.p95) },
      { label: 'mean', color: '#8a5cc2', values: H.map((p) => p.mean) }], 'ms');
    const last = H[H.length - 1];
    if (last && last.rps != null) {
      rpsText.textContent = `now ${last.rps.toFixed(1)} requests/s`;
      latText.textContent = `p50 ${fmt(last.p50)} ms · p95 ${fmt(last.p95)} ms · mean ${fmt(last.mean)} ms`;
    }
  }
  (async () => {
    while (!ctrl.signal.aborted) {
      try {
        const cur = sampleMetrics(await Api.metrics());
        if (Charts.prev && cur.t - Charts.prev.t < 10000) {
          Charts.history.push(chartPoint(Charts.prev, cur));
          if (Charts.history.length > Charts.POINTS) Charts.history.shift();
        } else if (Charts.prev) {
          Charts.history.push({ rps: null, p50: null, p95: null, mean: null }); // a gap while the screen was away
        }
        Charts.prev = cur;
        draw();
      } catch (e) {
        if (ctrl.signal.aborted) return;
        rpsText.textContent = `metrics unavailable: ${e.message}`;
      }
      await sleep(2000, ctrl.signal);
    }
  })();
};
