// sigv4.js: SHA-256, HMAC-SHA256 and AWS Signature Version 4 (headers and presigned query), in
// plain JS. crypto.subtle is missing on plain-http origins other than localhost (such as
// http://fakes3:4569 in a compose network), and it is asynchronous; the console signs small
// requests only (object bodies go as UNSIGNED-PAYLOAD), so a small synchronous hash is enough.
'use strict';

const SigV4 = (() => {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  const utf8 = (s) => new TextEncoder().encode(s);
  const bytes = (x) => (typeof x === 'string' ? utf8(x) : x instanceof Uint8Array ? x : new Uint8Array(x));

  // SHA-256 of a string (UTF-8) or bytes, as 32 bytes.
  function sha256(data) {
    const m = bytes(data);
    const n = m.length;
    const padded = new Uint8Array(((n + 9 + 63) >> 6) << 6);
    padded.set(m);
    padded[n] = 0x80;
    const dv = new DataView(padded.buffer);
    dv.setUint32(padded.length - 8, Math.floor(n / 0x20000000));
    dv.setUint32(padded.length - 4, (n << 3) >>> 0);
    const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const W = new Uint32Array(64);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) W[i] = dv.getUint32(off + 4 * i);
      for (let i = 16; i < 64; i++) {
        const a = W[i - 15], b = W[i - 2];
        const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (h + S1 + ch + K[i] + W[i]) >>> 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const mj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + mj) >>> 0;
        h = g; g = f; f = e; e = (d + t1) >>> 0;
        d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(4 * i, H[i]);
    return out;
  }

  function hmac(key, msg) {
    let k = bytes(key);
    if (k.length > 64) k = sha256(k);
    const ipad = new Uint8Array(64 + 0), opad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) {
      ipad[i] = (k[i] || 0) ^ 0x36;
      opad[i] = (k[i] || 0) ^ 0x5c;
    }
    const m = bytes(msg);
    const inner = new Uint8Array(64 + m.length);
    inner.set(ipad);
    inner.set(m, 64);
    const outer = new Uint8Array(96);
    outer.set(opad);
    outer.set(sha256(inner), 64);
    return sha256(outer);
  }

  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const b64 = (b) => btoa(String.fromCharCode(...b));

  // RFC 3986 percent-encoding as SigV4 wants it (only A-Z a-z 0-9 - _ . ~ kept).
  const uriEncode = (s) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  // A key in a path: each segment encoded, the slashes kept.
  const encodePath = (s) => s.split('/').map(uriEncode).join('/');

  // "20260101T000000Z" for a Date.
  const amzDate = (d) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

  const canonicalQuery = (query) =>
    query.map(([k, v]) => [uriEncode(k), uriEncode(v == null ? '' : String(v))])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`).join('&');

  function signingKey(secret, date, region) {
    return hmac(hmac(hmac(hmac('AWS4' + secret, date), region), 's3'), 'aws4_request');
  }

  // Sign a request: path already encoded ("/bkt/a%20b"), query as [[name, value]] (raw), headers
  // as {name: value} (lower-case names; host included), payloadHash hex or 'UNSIGNED-PAYLOAD'.
  // Adds x-amz-date, x-amz-content-sha256 and authorization to headers and returns them.
  function signHeaders({ method, path, query, headers, payloadHash, creds, now }) {
    const t = amzDate(now || new Date());
    const day = t.slice(0, 8);
    headers['x-amz-date'] = t;
    headers['x-amz-content-sha256'] = payloadHash;
    const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
    const canon = [
      method, path, canonicalQuery(query),
      names.map((n) => `${n}:${String(headers[n]).trim().replace(/\s+/g, ' ')}\n`).join(''),
      names.join(';'), payloadHash,
    ].join('\n');
    const scope = `${day}/${creds.region}/s3/aws4_request`;
    const sts = ['AWS4-HMAC-SHA256', t, scope, hex(sha256(canon))].join('\n');
    const sig = hex(hmac(signingKey(creds.secretKey, day, creds.region), sts));
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKey}/${scope}, ` +
      `SignedHeaders=${names.join(';')}, Signature=${sig}`;
    delete headers.host; // the browser sends Host itself
    return headers;
  }

  // A presigned URL (query signing, host the only signed header).
  function presign({ method, origin, host, path, query, expires, creds, now }) {
    const t = amzDate(now || new Date());
    const day = t.slice(0, 8);
    const scope = `${day}/${creds.region}/s3/aws4_request`;
    const q = query.slice();
    q.push(['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', `${creds.accessKey}/${scope}`],
      ['X-Amz-Date', t], ['X-Amz-Expires', String(expires)], ['X-Amz-SignedHeaders', 'host']);
    const cq = canonicalQuery(q);
    const canon = [method, path, cq, `host:${host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
    const sts = ['AWS4-HMAC-SHA256', t, scope, hex(sha256(canon))].join('\n');
    const sig = hex(hmac(signingKey(creds.secretKey, day, creds.region), sts));
    return `${origin}${path}?${cq}&X-Amz-Signature=${sig}`;
  }

  return { sha256, hmac, hex, b64, utf8, uriEncode, encodePath, amzDate, canonicalQuery, signHeaders, presign };
})();
