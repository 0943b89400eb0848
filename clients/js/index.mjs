// fakes3-helper: start or reach a fakes3 server from JavaScript tests (node:test, Vitest, Jest in
// its ESM mode) and drive its control namespace /_fakes3/: reset, snapshots, the request journal,
// fault rules and the clock. Node's own modules only. Control calls are JSON over HTTP,
// SigV4-signed when credentials are configured (a server with users wants an admin's signature).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import {
  accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve as resolvePath } from 'node:path';

const DUMMY_CREDENTIALS = {
  accessKeyId: 'fakes3-access-key', secretAccessKey: 'fakes3-secret-key',
};
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
  'ERROR: ThreadSanitizer', 'WARNING: ThreadSanitizer'];
// The status S3 answers with for the codes a fault most often injects, so that
// `action: 'SlowDown'` is enough; other codes need {error, status}.
const ERROR_STATUS = {
  SlowDown: 503, ServiceUnavailable: 503, InternalError: 500, RequestTimeout: 400,
  RequestTimeTooSkewed: 403, AccessDenied: 403, NoSuchKey: 404, NoSuchBucket: 404,
  NoSuchUpload: 404, PreconditionFailed: 412, OperationAborted: 409, ExpiredToken: 400,
  BadDigest: 400, EntityTooLarge: 400,
};

/** A control call answered an error: status (HTTP), code ('NoSuchSnapshot'...), body (the JSON
 * document); a waitRequests timeout (code 'Timeout') also has requests: what did match. */
export class Fakes3Error extends Error {
  constructor(status, code, message, body = {}) {
    super(`${status} ${code}: ${message}`);
    this.name = 'Fakes3Error';
    this.status = status;
    this.code = code;
    this.body = body;
    if (Array.isArray(body.requests)) this.requests = body.requests;
  }
}

// --- starting a server ----------------------------------------------------------------------
const live = new Set(); // children to kill if the test process exits without stop()
let exitHook = false;

function which(name) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return null;
}

function findBinary(bin) {
  const b = bin || process.env.FAKES3_BIN || which('fakes3');
  if (!b) {
    throw new Error('no fakes3 binary: pass {bin}, set FAKES3_BIN or put fakes3 on PATH ' +
      '(or connectFakes3(endpoint) to use a running server)');
  }
  const p = b.includes('/') ? resolvePath(b) : which(b);
  try {
    accessSync(p || b, constants.X_OK);
  } catch {
    throw new Error(`fakes3 binary ${JSON.stringify(b)} is not an executable file`);
  }
  return p;
}

function freePort(host) {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readTail(path, n = 3000) {
  try {
    return readFileSync(path, 'utf8').slice(-n);
  } catch {
    return '';
  }
}

/** Starts fakes3 (bin, else FAKES3_BIN, else `fakes3` on PATH) on a free loopback port, in memory
 * when the binary has --memory, else with a root in a temporary folder (also its working
 * directory), plus args; resolves the handle once GET /_fakes3/health answers. env: more
 * environment for it. stop() ends it. */
export async function startFakes3({ bin, args = [], env = {}, readyTimeout = 60000, credentials,
  region, keep = false } = {}) {
  const binary = findBinary(bin);
  const help = spawnSync(binary, ['--help'], { encoding: 'utf8', timeout: 60000 });
  const memory = `${help.stdout}${help.stderr}`.includes('--memory');
  const workdir = mkdtempSync(join(tmpdir(), 'fakes3-js-'));
  const logs = { stdout: join(workdir, 'stdout.log'), stderr: join(workdir, 'stderr.log') };
  let last;
  for (let attempt = 0; attempt < 3; attempt++) { // a port taken before the bind: another one
    const port = await freePort('127.0.0.1');
    const argv = ['-a', '127.0.0.1', '-p', String(port),
      ...(memory ? ['--memory'] : ['-r', join(workdir, 'root')]), ...args];
    const out = openSync(logs.stdout, 'a');
    const err = openSync(logs.stderr, 'a');
    const child = spawn(binary, argv, {
      stdio: ['ignore', out, err], env: { ...process.env, ...env }, cwd: workdir,
    });
    closeSync(out);
    closeSync(err);
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    child.unref(); // a forgotten stop() must not keep the test process alive
    live.add(child);
    exited.then(() => live.delete(child));
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });
    }
    const endpoint = `http://127.0.0.1:${port}`;
    const proc = { child, exited, workdir, logs, keep, argv: [binary, ...argv] };
    const handle = makeHandle(endpoint, { credentials, region, proc });
    const deadline = Date.now() + readyTimeout;
    let ready = false;
    let gone = null;
    exited.then((x) => { gone = x; });
    while (Date.now() < deadline && !gone) {
      try {
        await handle.call('GET', '/health', { timeout: 2000 });
        ready = true;
      } catch (e) {
        // Any HTTP answer means it serves (a --no-control server answers 404 here).
        ready = e instanceof Fakes3Error;
      }
      if (ready) return handle;
      await sleep(20);
    }
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`fakes3 did not answer GET /_fakes3/health within ${readyTimeout} ms: ` +
        `${proc.argv.join(' ')}\n${readTail(logs.stderr)}`);
    }
    const why = gone.error ? gone.error.message : gone.code ?? gone.signal;
    last = new Error(`fakes3 exited (${why}) ` +
      `before it was ready: ${proc.argv.join(' ')}\n${readTail(logs.stderr)}`);
  }
  if (!keep) rmSync(workdir, { recursive: true, force: true });
  throw last;
}

/** A handle on the fakes3 server at endpoint (default FAKES3_ENDPOINT), after checking its health.
 * stop() leaves that server running. */
export async function connectFakes3(endpoint = process.env.FAKES3_ENDPOINT, { credentials, region,
  ca } = {}) {
  if (!endpoint) throw new Error('connectFakes3: no endpoint (and FAKES3_ENDPOINT is not set)');
  const handle = makeHandle(endpoint, { credentials, region, ca });
  await handle.health();
  return handle;
}

// --- SigV4 ----------------------------------------------------------------------------------
const sha256hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g,
  (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The headers that SigV4-sign a request for service s3 (header form): x-amz-date,
 * x-amz-content-sha256, authorization. target: the path and query as sent, already encoded;
 * the query's pairs sorted. */
export function signV4({ method, host, target, body = '', credentials, region, now = new Date() }) {
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const payload = sha256hex(body);
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1).split('&').filter(Boolean)
    .map((p) => (p.includes('=') ? p : `${p}=`)).sort().join('&');
  const signed = 'host;x-amz-content-sha256;x-amz-date';
  const canonical = [method, path, query,
    `host:${host}\nx-amz-content-sha256:${payload}\nx-amz-date:${amzDate}\n`, signed, payload]
    .join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payload,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signed}, Signature=${signature}`,
  };
}

// --- the handle -----------------------------------------------------------------------------
function queryString(filters) {
  return Object.entries(filters || {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(String(v))}`)
    .sort()
    .join('&');
}

function isoOf(when) {
  return when instanceof Date ? when.toISOString() : String(when);
}

function makeHandle(endpoint, { credentials, region, ca, proc } = {}) {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`fakes3 endpoint ${JSON.stringify(endpoint)} is not an http(s):// URL`);
  }
  const base = url.origin;
  const prefix = url.pathname.replace(/\/+$/, '');
  const envKeys = process.env.FAKES3_ACCESS_KEY && process.env.FAKES3_SECRET_KEY
    ? { accessKeyId: process.env.FAKES3_ACCESS_KEY, secretAccessKey: process.env.FAKES3_SECRET_KEY }
    : null;
  const keys = credentials || envKeys;
  const reg = region || process.env.FAKES3_REGION || 'us-east-1';
  const lib = url.protocol === 'https:' ? https : http;

  /** One control call: method on /_fakes3<path>, body an object sent as JSON, query an object
   * (undefined values left out). Resolves the JSON answer; rejects with Fakes3Error on 4xx/5xx. */
  function call(method, path, { body, query, timeout = 60000 } = {}) {
    const qs = queryString(query);
    const target = `${prefix}/_fakes3${path}${qs ? `?${qs}` : ''}`;
    const data = body === undefined ? '' : JSON.stringify(body);
    const headers = { host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(data));
    if (keys) {
      Object.assign(headers, signV4({
        method, host: url.host, target, body: data, credentials: keys, region: reg,
      }));
    }
    return new Promise((resolve, reject) => {
      const req = lib.request({
        hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined, method,
        path: target, headers, agent: false, timeout, ...(ca ? { ca } : {}),
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let doc;
          try {
            doc = raw ? JSON.parse(raw) : {};
          } catch {
            doc = { error: 'NotJSON', message: raw.slice(0, 300) };
          }
          if (res.statusCode >= 400) {
            reject(new Fakes3Error(res.statusCode, doc.error || 'Unknown', doc.message || '', doc));
          } else {
            resolve(doc);
          }
        });
      });
      req.on('timeout', () => req.destroy(
        new Error(`fakes3 ${method} ${target}: no answer in ${timeout} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  const enc = encodeURIComponent;
  const clockCall = (body) => call('POST', '/clock', { body });
  const handle = {
    endpoint: prefix ? `${base}${prefix}` : base,
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    region: reg,
    credentials: keys || DUMMY_CREDENTIALS,
    logs: proc ? proc.logs : null,
    call,

    /** Options for new S3Client(...) of @aws-sdk/client-s3: this endpoint, path-style, the
     * region and the credentials (dummy ones unless configured); extra is merged over them. */
    s3ClientConfig(extra = {}) {
      return {
        endpoint: handle.endpoint, forcePathStyle: true, region: reg,
        credentials: { ...handle.credentials }, ...extra,
      };
    },

    health: () => call('GET', '/health'),
    info: () => call('GET', '/info'),
    /** Everything back to a fresh server (snapshots kept), or only bucket removed. */
    reset: (bucket) => call('POST', '/reset', { body: bucket ? { bucket } : {} }),

    snapshot: (name) => call('POST', `/snapshots/${enc(name)}`),
    restore: (name) => call('POST', `/snapshots/${enc(name)}/restore`),
    snapshots: async () => (await call('GET', '/snapshots')).snapshots,
    deleteSnapshot: (name) => call('DELETE', `/snapshots/${enc(name)}`),

    /** Journal entries (oldest first) matching filters {op, method, bucket, key (a prefix),
     * status (503 or '5xx'), error, since (an id), limit}. */
    requests: async (filters = {}) => (await call('GET', '/requests', { query: filters })).requests,
    lastRequestId: async () => (await call('GET', '/requests', { query: { limit: 1 } })).last_id,
    /** Resolves once count entries match (with since: count new ones); rejects with a
     * Fakes3Error (code 'Timeout', .requests) after timeout seconds. */
    waitRequests: async (filters = {}, { count = 1, timeout = 10 } = {}) => (await call('GET',
      '/requests/wait', { query: { ...filters, count, timeout }, timeout: (timeout + 30) * 1000 }))
      .requests,
    clearRequests: async () => (await call('DELETE', '/requests')).cleared,

    /** Adds a fault rule {match, action, times, after, probability, seed}; resolves its id.
     * match may be an op name, action an error code (its usual status added for common ones). */
    fault: async (rule = {}) => {
      const r = { ...rule };
      if (typeof r.match === 'string') r.match = { op: r.match };
      if (typeof r.action === 'string') {
        r.action = ERROR_STATUS[r.action] ? { error: r.action, status: ERROR_STATUS[r.action] }
          : { error: r.action };
      }
      r.match = r.match || {};
      r.action = r.action || {};
      return String((await call('POST', '/faults', { body: r })).id);
    },
    faults: async () => (await call('GET', '/faults')).faults,
    removeFault: (id) => call('DELETE', `/faults/${enc(String(id))}`),
    clearFaults: async () => (await call('DELETE', '/faults')).cleared,

    /** The one clock; each call resolves {now, offset_seconds, frozen}, but now() a Date. */
    clock: {
      state: () => call('GET', '/clock'),
      now: async () => new Date((await call('GET', '/clock')).now),
      advance: (seconds) => clockCall({ advance: seconds }),
      set: (when) => clockCall({ set: isoOf(when) }),
      freeze: () => clockCall({ freeze: true }),
      unfreeze: () => clockCall({ freeze: false }),
      reset: () => clockCall({ reset: true }),
    },

    /** Stops a server startFakes3 started (SIGTERM, SIGKILL after timeout ms) and rejects when it
     * did not stop cleanly (an exit status other than 0, a sanitizer report); its logs are then
     * kept. A connected server is left alone. */
    async stop({ timeout = 30000 } = {}) {
      if (!proc) return;
      const { child, exited, workdir, logs } = proc;
      let killed = false;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeout);
        await exited;
        clearTimeout(timer);
      }
      const { code, signal } = await exited;
      const err = readTail(logs.stderr, 1 << 20);
      const problems = [];
      if (killed) problems.push(`fakes3 did not exit within ${timeout} ms of SIGTERM`);
      else if (code !== 0) {
        problems.push(`fakes3 exited with ${code ?? signal} (want 0 on SIGTERM)`);
      }
      if (SANITIZER_MARKERS.some((m) => err.includes(m))) {
        problems.push('fakes3 printed a sanitizer report');
      }
      if (problems.length) {
        throw new Error(
          `${problems.join('; ')}\n${err.slice(-6000)}\n(its files are kept in ${workdir})`);
      }
      if (!proc.keep) rmSync(workdir, { recursive: true, force: true });
    },
  };
  if (Symbol.asyncDispose) handle[Symbol.asyncDispose] = () => handle.stop();
  return handle;
}
