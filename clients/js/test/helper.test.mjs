// The helper itself against the real binary (FAKES3_BIN): starting and stopping, health and info,
// the SDK options, connecting to a running server, signed control calls, errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client }
  from '@aws-sdk/client-s3';
import { Fakes3Error, connectFakes3, signV4, startFakes3 } from 'fakes3-helper';

const AK = 'AKIAIOSFODNN7EXAMPLE';
const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

async function rejectsWith(promise, status, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Fakes3Error, `${e}`);
    assert.equal(e.status, status, e.message);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('startFakes3 starts the binary, the SDK works with s3ClientConfig, stop ends it', async () => {
  const fakes3 = await startFakes3();
  let stopped = false;
  try {
    assert.match(fakes3.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await fakes3.health(), { status: 'ok' });
    const info = await fakes3.info();
    assert.ok(info.version, JSON.stringify(info));
    assert.equal(info.mode, 'open');

    const cfg = fakes3.s3ClientConfig();
    assert.equal(cfg.endpoint, fakes3.endpoint);
    assert.equal(cfg.forcePathStyle, true);
    assert.equal(cfg.region, 'us-east-1');
    const s3 = new S3Client(cfg);
    await s3.send(new CreateBucketCommand({ Bucket: 'js-helper' }));
    await s3.send(new PutObjectCommand({ Bucket: 'js-helper', Key: 'a.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'js-helper', Key: 'a.txt' }));
    assert.equal(await got.Body.transformToString(), 'hello');
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(Buckets.map((b) => b.Name), ['js-helper']);
    s3.destroy();

    await fakes3.stop(); // rejects on an unclean exit or a sanitizer report
    stopped = true;
    await assert.rejects(fakes3.health(), /ECONNREFUSED/);
  } finally {
    if (!stopped) await fakes3.stop();
  }
});

test('unknown control calls and methods answer the contract\'s errors', async () => {
  const fakes3 = await startFakes3();
  try {
    await rejectsWith(fakes3.call('GET', '/no-such-call'), 404, 'NoSuchControlCall');
    await rejectsWith(fakes3.call('DELETE', '/health'), 405, 'MethodNotAllowed');
  } finally {
    await fakes3.stop();
  }
});

test('a missing binary is an error that says what to set', async () => {
  await assert.rejects(startFakes3({ bin: '/nonexistent/fakes3' }), /not an executable/);
  const saved = { bin: process.env.FAKES3_BIN, path: process.env.PATH };
  delete process.env.FAKES3_BIN;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(startFakes3(), /FAKES3_BIN/);
  } finally {
    process.env.FAKES3_BIN = saved.bin;
    process.env.PATH = saved.path;
  }
});

test('connectFakes3 with credentials signs control calls for a server with users', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakes3-js-users-'));
  const users = join(dir, 'users.json');
  const admin = { access_key: AK, secret_key: SK, admin: true };
  writeFileSync(users, JSON.stringify({ users: [admin] }));
  const server = await startFakes3({ args: ['--users', users] });
  try {
    const fakes3 = await connectFakes3(server.endpoint, {
      credentials: { accessKeyId: AK, secretAccessKey: SK },
    });
    const info = await fakes3.info(); // needs an admin's signature
    assert.equal(info.mode, 'signed');
    const s3 = new S3Client(fakes3.s3ClientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'signed-bucket' }));
    s3.destroy();
    await fakes3.stop(); // a connected server is left running
    assert.deepEqual(await server.health(), { status: 'ok' }); // health needs no signature

    await rejectsWith(server.info(), 403, 'AccessDenied'); // unsigned
    const wrong = await connectFakes3(server.endpoint, {
      credentials: { accessKeyId: AK, secretAccessKey: 'not-the-secret' },
    });
    await rejectsWith(wrong.info(), 403, 'SignatureDoesNotMatch');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FAKES3_ENDPOINT is connectFakes3\'s default', async () => {
  const server = await startFakes3();
  const saved = process.env.FAKES3_ENDPOINT;
  process.env.FAKES3_ENDPOINT = server.endpoint;
  try {
    const fakes3 = await connectFakes3();
    assert.equal(fakes3.endpoint, server.endpoint);
    assert.equal((await fakes3.info()).mode, 'open');
  } finally {
    if (saved === undefined) delete process.env.FAKES3_ENDPOINT;
    else process.env.FAKES3_ENDPOINT = saved;
    await server.stop();
  }
});

test('signV4 agrees with an independent SigV4 implementation (tests/integration/s3lib.py)', () => {
  const when = new Date('2013-05-24T00:00:00Z');
  const credentials = { accessKeyId: AK, secretAccessKey: SK };
  const get = signV4({
    method: 'GET', host: '127.0.0.1:4569', target: '/_fakes3/requests?bucket=b&key=a%20b&limit=5',
    credentials, region: 'us-east-1', now: when,
  });
  assert.equal(get['x-amz-date'], '20130524T000000Z');
  assert.equal(get['x-amz-content-sha256'],
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(get.authorization, 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/' +
    'us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, ' +
    'Signature=38b602e1f9583da449b3471548179fcf1b4a203a7943087e1aae869bb6d478eb');
  const post = signV4({
    method: 'POST', host: '127.0.0.1:4569', target: '/_fakes3/clock', body: '{"advance": 60}',
    credentials, region: 'us-east-1', now: when,
  });
  assert.match(post.authorization,
    /Signature=929a380061b59ab44eab6f74d2a7b11102e475ab2d354be217d330fb0102190e$/);
});
