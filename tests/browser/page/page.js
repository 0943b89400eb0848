// The test page's side of tests/browser/test_browser.py: each case is a function of a spec the
// test made (presigned URLs, POST fields) that returns what the page could observe. Everything a
// case sees is also written into #log, so the screenshot taken after it shows the outcome.
'use strict';

function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64encode(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}

function log(line) {
  document.getElementById('log').textContent += line + '\n';
}

// A fetch whose rejection is data: a CORS refusal is a TypeError, which the test asserts.
async function tryFetch(url, init) {
  try {
    const r = await fetch(url, init);
    const body = new Uint8Array(await r.arrayBuffer());
    const res = {
      ok: true,
      status: r.status,
      etag: r.headers.get('ETag'),
      request_id: r.headers.get('x-amz-request-id'), // not exposed: must read as null
      content_type: r.headers.get('Content-Type'),
      body_b64: b64encode(body),
    };
    log(`${init && init.method || 'GET'} -> ${r.status} ETag=${res.etag} (${body.length} bytes)`);
    return res;
  } catch (e) {
    log(`${init && init.method || 'GET'} -> rejected: ${e.name}: ${e.message}`);
    return { ok: false, error: e.name, message: e.message };
  }
}

const cases = {
  // PUT through a presigned URL with a Content-Type (not CORS-safelisted: a preflight comes
  // first), then GET it back.
  async put_get(spec) {
    const put = await tryFetch(spec.put_url, {
      method: 'PUT',
      headers: { 'Content-Type': spec.content_type },
      body: b64decode(spec.body_b64),
    });
    const get = put.ok ? await tryFetch(spec.get_url) : null;
    return { put, get };
  },

  // A GET with no custom header: no preflight, the browser sends it and judges the answer.
  async get(spec) {
    return { get: await tryFetch(spec.get_url) };
  },

  // Any other request, e.g. a presigned DELETE.
  async request(spec) {
    return { res: await tryFetch(spec.url, { method: spec.method, headers: spec.headers || {} }) };
  },

  // The browser multipart pattern (Uppy's, for one): parts PUT through presigned URLs, each part's
  // ETag read from its answer (only possible when the bucket exposes ETag), then the completion
  // POSTed with the XML the page builds from them. Part n's bytes are pattern(n, size).
  async multipart(spec) {
    const parts = [];
    for (const [i, p] of spec.parts.entries()) {
      const body = new Uint8Array(p.size);
      for (let j = 0; j < p.size; j++) body[j] = (j * 31 + i * 7) & 255;
      const res = await tryFetch(p.url, { method: 'PUT', body });
      parts.push(res);
      if (!res.ok) return { parts };
    }
    const xml = '<CompleteMultipartUpload>' + parts.map((r, i) =>
      `<Part><PartNumber>${i + 1}</PartNumber><ETag>${r.etag}</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const complete = await tryFetch(spec.complete_url, {
      method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: xml,
    });
    if (complete.ok) complete.text = new TextDecoder().decode(b64decode(complete.body_b64));
    return { parts, complete };
  },

  // Fills the form with the POST policy fields (in order; the file input comes after them).
  async fill_form(spec) {
    const form = document.getElementById('upload');
    form.action = spec.url;
    const fields = document.getElementById('fields');
    fields.textContent = '';
    for (const [name, value] of spec.fields) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      fields.appendChild(input);
    }
    log(`form -> ${spec.url} with ${spec.fields.map(f => f[0]).join(', ')}, file`);
    return { filled: spec.fields.length };
  },

  // The same upload as fetch(FormData): multipart/form-data is a simple request (no preflight);
  // the page reads the answer only if fakes3 allows its origin.
  async post_formdata(spec) {
    const fd = new FormData();
    for (const [name, value] of spec.fields) fd.append(name, value);
    fd.append('file', new Blob([b64decode(spec.body_b64)], { type: spec.content_type }),
      spec.file_name);
    return { post: await tryFetch(spec.url, { method: 'POST', body: fd }) };
  },
};

// Back from a form upload with success_action_redirect: show what fakes3 appended.
if (location.search) log(`arrived with ${decodeURIComponent(location.search)}`);

window.runCase = async function (name, spec) {
  document.getElementById('case').textContent = name;
  log(`case ${name}`);
  return cases[name](spec);
};
