// Every control call of the helper against the real binary (FAKES3_BIN). A test whose call the
// server lacks (404 NoSuchControlCall) is skipped, naming it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client }
  from '@aws-sdk/client-s3';
import { Fakes3Error, startFakes3 } from 'fakes3-helper';

const fakes3 = await startFakes3();
after(() => fakes3.stop());
const s3 = new S3Client(fakes3.s3ClientConfig());
after(() => s3.destroy());

const missing = [];
for (const path of ['/reset', '/snapshots', '/requests', '/faults', '/clock']) {
  try {
    await fakes3.call('GET', path);
  } catch (e) {
    if (e.code === 'NoSuchControlCall') missing.push(path);
  }
}
const needs = (...paths) => {
  const lacking = paths.filter((p) => missing.includes(p));
  return lacking.length ? `the server lacks ${lacking.join(', ')} (404 NoSuchControlCall)` : false;
};

const buckets = async () => ((await s3.send(new ListBucketsCommand({}))).Buckets || [])
  .map((b) => b.Name);
const getText = async (Bucket, Key) =>
  (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body.transformToString();

test('reset: everything, or one bucket', { skip: needs('/reset') }, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'one' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'two' }));
  const r = await fakes3.reset('one');
  assert.equal(r.reset, 'one');
  assert.deepEqual(await buckets(), ['two']);
  await assert.rejects(fakes3.reset('one'),
    (e) => e instanceof Fakes3Error && e.code === 'NoSuchBucket');
  assert.equal((await fakes3.reset()).reset, 'all');
  assert.deepEqual(await buckets(), []);
});

test('snapshot and restore', { skip: needs('/reset', '/snapshots') }, async () => {
  await fakes3.reset();
  await s3.send(new CreateBucketCommand({ Bucket: 'snap' }));
  await s3.send(new PutObjectCommand({ Bucket: 'snap', Key: 'k', Body: 'before' }));
  const saved = await fakes3.snapshot('js-snap');
  assert.equal(saved.name, 'js-snap');
  await s3.send(new PutObjectCommand({ Bucket: 'snap', Key: 'k', Body: 'after' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'later' }));
  await fakes3.restore('js-snap');
  assert.equal(await getText('snap', 'k'), 'before');
  assert.deepEqual(await buckets(), ['snap']);
  assert.ok((await fakes3.snapshots()).some((x) => x.name === 'js-snap'));
  await fakes3.deleteSnapshot('js-snap');
  await assert.rejects(fakes3.restore('js-snap'),
    (e) => e.status === 404 && e.code === 'NoSuchSnapshot');
});

test('request journal: filters, wait, clear', { skip: needs('/requests') }, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'journal-js' }));
  await s3.send(new PutObjectCommand({ Bucket: 'journal-js', Key: 'logs/a', Body: 'abc' }));
  await assert.rejects(getText('journal-js', 'nope'));
  const [put] = await fakes3.requests({ op: 'PutObject', bucket: 'journal-js' });
  assert.equal(put.key, 'logs/a');
  assert.equal(put.status, 200);
  assert.equal(put.request_body.bytes, 3);
  const [miss] = await fakes3.waitRequests({ error: 'NoSuchKey', bucket: 'journal-js' },
    { count: 1, timeout: 10 });
  assert.equal(miss.status, 404);
  assert.equal(miss.key, 'nope');

  const mark = await fakes3.lastRequestId();
  await assert.rejects(fakes3.waitRequests({ since: mark }, { count: 1, timeout: 1 }),
    (e) => e instanceof Fakes3Error && e.code === 'Timeout' && e.requests.length === 0);
  assert.ok((await fakes3.clearRequests()) >= 3);
  assert.deepEqual(await fakes3.requests(), []);
});

test('fault rules: the SDK retries past one SlowDown, gives up after maxAttempts',
  { skip: needs('/requests', '/faults') }, async () => {
    await fakes3.clearFaults();
    await s3.send(new CreateBucketCommand({ Bucket: 'flt' }));
    const once = await fakes3.fault({ match: { op: 'PutObject' }, action: 'SlowDown', times: 1 });
    assert.equal(typeof once, 'string');
    await s3.send(new PutObjectCommand({ Bucket: 'flt', Key: 'k', Body: 'x' }));
    const attempts = await fakes3.requests({ op: 'PutObject', bucket: 'flt' });
    assert.deepEqual(attempts.map((r) => r.status), [503, 200]);
    const [rule] = await fakes3.faults();
    assert.equal(rule.hits, 1);
    await fakes3.removeFault(once);
    assert.deepEqual(await fakes3.faults(), []);

    const mark = await fakes3.lastRequestId();
    await fakes3.fault({ match: 'PutObject', action: { error: 'SlowDown', status: 503 },
      times: 10 });
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: 'flt', Key: 'k', Body: 'y' })),
      (e) => e.name === 'SlowDown');
    const maxAttempts = await s3.config.maxAttempts();
    assert.equal((await fakes3.requests({ op: 'PutObject', since: mark })).length, maxAttempts);
    assert.equal(await fakes3.clearFaults(), 1);
    assert.equal(await getText('flt', 'k'), 'x'); // the refused puts changed nothing
  });

test('clock: freeze, set, advance, unfreeze, reset', { skip: needs('/clock') }, async () => {
  await fakes3.clock.freeze();
  let st = await fakes3.clock.set('2030-01-01T00:00:00Z');
  assert.equal(st.frozen, true);
  assert.equal((await fakes3.clock.now()).toISOString(), '2030-01-01T00:00:00.000Z');
  await fakes3.clock.advance(90.5);
  assert.equal((await fakes3.clock.now()).toISOString(), '2030-01-01T00:01:30.500Z');
  await fakes3.clock.set(new Date('2031-06-01T12:00:00Z'));
  assert.equal((await fakes3.clock.now()).toISOString(), '2031-06-01T12:00:00.000Z');
  st = await fakes3.clock.unfreeze();
  assert.equal(st.frozen, false);
  st = await fakes3.clock.reset();
  assert.equal(st.frozen, false);
  assert.equal(st.offset_seconds, 0);
  await assert.rejects(fakes3.call('POST', '/clock', { body: { advance: 'soon' } }),
    (e) => e.status === 400 && e.code === 'InvalidClockRequest');
});
