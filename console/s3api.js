// s3api.js: the S3 and control calls the console makes, signed with SigV4 when the user logged
// in (SigV4 in sigv4.js), unsigned in the open mode. Path-style requests to the page's own
// origin: the server that served the page is the S3 endpoint.
'use strict';

class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code || 'HTTP ' + status}${message ? ': ' + message : ''}`);
    this.status = status;
    this.code = code || `HTTP${status}`;
  }
}

const Api = (() => {
  let creds = null; // {accessKey, secretKey, region}; null: the open mode, nothing signed
  // How far the server's clock is from ours (ms), learnt from its Date header: a console that
  // advanced fakes3's clock by days still signs S3 calls at the time the server judges them by.
  // Control calls are judged by real time, so they are signed with ours.
  let skewMs = 0;
  const PLACEHOLDER = { accessKey: 'console', secretKey: 'open-mode-placeholder', region: 'us-east-1' };

  const enc = SigV4.uriEncode;
  const objPath = (bucket, key) => `/${enc(bucket)}` + (key == null ? '' : '/' + SigV4.encodePath(key));
  const queryString = (q) => q.map(([k, v]) => enc(k) + (v == null ? '' : '=' + enc(String(v)))).join('&');

  function learnSkew(resp) {
    const d = Date.parse(resp.headers.get('date') || '');
    if (Number.isFinite(d)) {
      const s = d - Date.now();
      skewMs = Math.abs(s) > 60000 ? s : 0;
    }
  }

  // The headers to send for a request, signed when logged in.
  function sign({ method, path, query, headers, body, unsigned, ctl }) {
    const h = {};
    for (const [k, v] of Object.entries(headers || {})) h[k.toLowerCase()] = v;
    if (!creds) return h;
    h.host = location.host;
    const hash = unsigned ? 'UNSIGNED-PAYLOAD' : SigV4.hex(SigV4.sha256(body || ''));
    const now = new Date(Date.now() + (ctl ? 0 : skewMs));
    return SigV4.signHeaders({ method, path, query, headers: h, payloadHash: hash, creds, now });
  }

  async function errorOf(resp) {
    const text = await resp.text().catch(() => '');
    let code = null, message = null;
    if (text.startsWith('{')) {
      try { const j = JSON.parse(text); code = j.error; message = j.message; } catch (e) { /* not JSON */ }
    } else if (text.includes('<Error')) {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      code = xtext(doc, 'Code');
      message = xtext(doc, 'Message');
    }
    return new ApiError(resp.status, code, message);
  }

  // One request; answers the Response, or throws ApiError for a status outside opts.ok (2xx).
  async function request(opts) {
    const { method = 'GET', path, query = [], body = null, signal } = opts;
    for (let attempt = 0; ; attempt++) {
      const headers = sign({ ...opts, method, query });
      const qs = queryString(query);
      const resp = await fetch(path + (qs ? '?' + qs : ''), { method, headers, body, signal, cache: 'no-store', credentials: 'omit' });
      if (!opts.ctl) learnSkew(resp);
      if (resp.ok || (opts.ok && opts.ok.includes(resp.status))) {
        // Read what nobody will, so the exchange completes (else Chromium cancels it as unread).
        if (method === 'HEAD' || opts.discard) await resp.arrayBuffer();
        return resp;
      }
      const err = await errorOf(resp);
      if (err.code === 'RequestTimeTooSkewed' && creds && attempt === 0 && !opts.ctl) continue;
      throw err;
    }
  }

  const xml = async (resp) => new DOMParser().parseFromString(await resp.text(), 'application/xml');
  function xtext(node, tag) {
    const e = node.getElementsByTagName(tag)[0];
    return e ? e.textContent : null;
  }
  const kids = (node, tag) => Array.from(node.children).filter((c) => c.localName === tag);
  const ktext = (node, tag) => { const e = kids(node, tag)[0]; return e ? e.textContent : null; };

  // ---- buckets ----
  async function listBuckets() {
    const doc = await xml(await request({ path: '/' }));
    return Array.from(doc.getElementsByTagName('Bucket')).map((b) => ({
      name: ktext(b, 'Name'), created: ktext(b, 'CreationDate'), region: ktext(b, 'BucketRegion'),
    }));
  }

  function createBucket(name, region, objectLock) {
    const headers = {};
    let body = null;
    if (region && region !== 'us-east-1') {
      body = '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`;
      headers['content-type'] = 'application/xml';
    }
    if (objectLock) headers['x-amz-bucket-object-lock-enabled'] = 'true';
    return request({ method: 'PUT', path: objPath(name), headers, body, discard: true });
  }

  const deleteBucket = (name) => request({ method: 'DELETE', path: objPath(name), discard: true });

  // The S3 errors that mean "this bucket has no such configuration".
  const NOT_SET = new Set(['NoSuchCORSConfiguration', 'NoSuchBucketPolicy', 'NoSuchLifecycleConfiguration',
    'NoSuchTagSet', 'NoSuchTagSetError', 'ServerSideEncryptionConfigurationNotFoundError',
    'NoSuchPublicAccessBlockConfiguration', 'NoSuchWebsiteConfiguration', 'ObjectLockConfigurationNotFoundError',
    'ReplicationConfigurationNotFoundError', 'NoSuchOwnershipControls']);
  // One configuration subresource: {set: false} or {set: true, text}.
  async function getConfig(bucket, sub) {
    try {
      const resp = await request({ path: objPath(bucket), query: [[sub, '']] });
      return { set: true, text: await resp.text() };
    } catch (e) {
      if (e instanceof ApiError && NOT_SET.has(e.code)) return { set: false };
      throw e;
    }
  }

  // ---- objects ----
  async function listObjects(bucket, { prefix = '', delimiter = '/', token = null, maxKeys = 100 }) {
    const q = [['list-type', '2'], ['max-keys', String(maxKeys)], ['prefix', prefix], ['delimiter', delimiter],
      ['encoding-type', 'url']];
    if (token) q.push(['continuation-token', token]);
    const doc = await xml(await request({ path: objPath(bucket), query: q }));
    const root = doc.documentElement;
    const dec = (s) => (s == null ? s : decodeURIComponent(s.replace(/\+/g, ' ')));
    return {
      folders: kids(root, 'CommonPrefixes').map((p) => dec(ktext(p, 'Prefix'))),
      objects: kids(root, 'Contents').map((c) => ({
        key: dec(ktext(c, 'Key')), size: Number(ktext(c, 'Size')), modified: ktext(c, 'LastModified'),
        etag: ktext(c, 'ETag'), storageClass: ktext(c, 'StorageClass'),
      })),
      truncated: ktext(root, 'IsTruncated') === 'true',
      nextToken: ktext(root, 'NextContinuationToken'),
    };
  }

  async function listVersions(bucket, { prefix = '', delimiter = '/', keyMarker = null, versionIdMarker = null, maxKeys = 100 }) {
    const q = [['versions', ''], ['max-keys', String(maxKeys)], ['prefix', prefix], ['delimiter', delimiter],
      ['encoding-type', 'url']];
    if (keyMarker) q.push(['key-marker', keyMarker]);
    if (versionIdMarker) q.push(['version-id-marker', versionIdMarker]);
    const doc = await xml(await request({ path: objPath(bucket), query: q }));
    const root = doc.documentElement;
    const dec = (s) => (s == null ? s : decodeURIComponent(s.replace(/\+/g, ' ')));
    const entries = Array.from(root.children).filter((c) => c.localName === 'Version' || c.localName === 'DeleteMarker')
      .map((c) => ({
        key: dec(ktext(c, 'Key')), versionId: ktext(c, 'VersionId'), latest: ktext(c, 'IsLatest') === 'true',
        deleteMarker: c.localName === 'DeleteMarker', size: Number(ktext(c, 'Size') || 0), modified: ktext(c, 'LastModified'),
      }));
    return {
      folders: kids(root, 'CommonPrefixes').map((p) => dec(ktext(p, 'Prefix'))),
      entries,
      truncated: ktext(root, 'IsTruncated') === 'true',
      nextKeyMarker: dec(ktext(root, 'NextKeyMarker')),
      nextVersionIdMarker: ktext(root, 'NextVersionIdMarker'),
    };
  }

  const vq = (versionId) => (versionId ? [['versionId', versionId]] : []);

  async function headObject(bucket, key, versionId) {
    const resp = await request({ method: 'HEAD', path: objPath(bucket, key), query: vq(versionId) });
    return Array.from(resp.headers.entries());
  }

  async function getTagging(bucket, key, versionId) {
    const doc = await xml(await request({ path: objPath(bucket, key), query: [['tagging', ''], ...vq(versionId)] }));
    return Array.from(doc.getElementsByTagName('Tag')).map((t) => [ktext(t, 'Key'), ktext(t, 'Value')]);
  }

  async function getObjectBlob(bucket, key, versionId) {
    const resp = await request({ path: objPath(bucket, key), query: vq(versionId) });
    return resp.blob();
  }

  // DeleteObjects of [{key, versionId}]: {deleted: [...], errors: [{key, code, message}]}.
  async function deleteObjects(bucket, items) {
    const body = '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' + items.map((it) =>
      `<Object><Key>${escapeXml(it.key)}</Key>${it.versionId ? `<VersionId>${escapeXml(it.versionId)}</VersionId>` : ''}</Object>`).join('') +
      '</Delete>';
    const checksum = SigV4.b64(SigV4.sha256(body));
    const doc = await xml(await request({ method: 'POST', path: objPath(bucket), query: [['delete', '']], body,
      headers: { 'content-type': 'application/xml', 'x-amz-checksum-sha256': checksum } }));
    return {
      deleted: Array.from(doc.getElementsByTagName('Deleted')).map((d) => ktext(d, 'Key')),
      errors: Array.from(doc.getElementsByTagName('Error')).map((d) => ({ key: ktext(d, 'Key'), code: ktext(d, 'Code'), message: ktext(d, 'Message') })),
    };
  }

  // A presigned GET URL valid for `expires` seconds (in the open mode signed with a placeholder
  // key, which the open mode accepts).
  function presignGet(bucket, key, expires, versionId, extraQuery) {
    return SigV4.presign({
      method: 'GET', origin: location.origin, host: location.host, path: objPath(bucket, key),
      query: [...vq(versionId), ...(extraQuery || [])], expires, creds: creds || PLACEHOLDER, now: new Date(Date.now() + skewMs),
    });
  }

  // PUT a Blob with XMLHttpRequest (fetch has no upload progress): onProgress(loaded, total);
  // `signal` aborts. Answers {status, etag}.
  function xhrPut(path, query, blob, headers, onProgress, signal) {
    return new Promise((resolve, reject) => {
      const h = sign({ method: 'PUT', path, query, headers, unsigned: true });
      const xhr = new XMLHttpRequest();
      const qs = queryString(query);
      xhr.open('PUT', path + (qs ? '?' + qs : ''));
      for (const [k, v] of Object.entries(h)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onProgress && onProgress(e.loaded, e.total);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve({ status: xhr.status, etag: xhr.getResponseHeader('etag') });
        } else {
          const doc = new DOMParser().parseFromString(xhr.responseText || '<x/>', 'application/xml');
          reject(new ApiError(xhr.status, xtext(doc, 'Code'), xtext(doc, 'Message')));
        }
      };
      xhr.onerror = () => reject(new ApiError(0, 'NetworkError', 'the upload failed'));
      xhr.onabort = () => reject(new ApiError(0, 'Aborted', 'cancelled'));
      if (signal) {
        if (signal.aborted) { reject(new ApiError(0, 'Aborted', 'cancelled')); return; }
        signal.addEventListener('abort', () => xhr.abort(), { once: true });
      }
      xhr.send(blob);
    });
  }

  function putObject(bucket, key, blob, onProgress, signal) {
    const headers = { 'content-type': blob.type || 'application/octet-stream' };
    return xhrPut(objPath(bucket, key), [], blob, headers, onProgress, signal);
  }

  async function createMultipart(bucket, key, contentType) {
    const doc = await xml(await request({ method: 'POST', path: objPath(bucket, key), query: [['uploads', '']],
      headers: { 'content-type': contentType || 'application/octet-stream' } }));
    return xtext(doc, 'UploadId');
  }

  const uploadPart = (bucket, key, uploadId, n, blob, onProgress, signal) =>
    xhrPut(objPath(bucket, key), [['partNumber', String(n)], ['uploadId', uploadId]], blob, {}, onProgress, signal);

  async function completeMultipart(bucket, key, uploadId, parts) {
    const body = '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const resp = await request({ method: 'POST', path: objPath(bucket, key), query: [['uploadId', uploadId]], body,
      headers: { 'content-type': 'application/xml' } });
    const text = await resp.text();
    if (text.includes('<Error')) { // S3 may answer 200 and an error document
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      throw new ApiError(resp.status, xtext(doc, 'Code'), xtext(doc, 'Message'));
    }
  }

  const abortMultipart = (bucket, key, uploadId) =>
    request({ method: 'DELETE', path: objPath(bucket, key), query: [['uploadId', uploadId]], discard: true });

  // ---- the control namespace ----
  async function ctl(method, path, body, signal) {
    const text = body === undefined ? null : JSON.stringify(body);
    const headers = text ? { 'content-type': 'application/json' } : {};
    const [p, qs] = path.split('?');
    const query = qs ? qs.split('&').map((kv) => { const i = kv.indexOf('='); return i < 0 ? [kv, ''] : [decodeURIComponent(kv.slice(0, i)), decodeURIComponent(kv.slice(i + 1))]; }) : [];
    const resp = await request({ method, path: '/_fakes3' + p, query, body: text, headers, ctl: true, signal, ok: [408] });
    return { status: resp.status, json: await resp.json() };
  }

  async function metrics() {
    const resp = await request({ path: '/_fakes3/metrics', ctl: true });
    return resp.text();
  }

  // Whether the server answers without a signature (the open mode): GET /_fakes3/info unsigned.
  async function probeOpen() {
    const resp = await fetch('/_fakes3/info', { cache: 'no-store', credentials: 'omit' });
    if (resp.status === 200) return { open: true, info: await resp.json() };
    if (resp.status === 403) return { open: false };
    throw await errorOf(resp);
  }

  return {
    setCreds(c) { creds = c; }, get creds() { return creds; }, objPath,
    listBuckets, createBucket, deleteBucket, getConfig, listObjects, listVersions, headObject,
    getTagging, getObjectBlob, deleteObjects, presignGet, putObject, createMultipart, uploadPart,
    completeMultipart, abortMultipart, ctl, metrics, probeOpen, request,
  };
})();

function escapeXml(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' }[c]));
}
