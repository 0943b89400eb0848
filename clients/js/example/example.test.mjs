// Testing against fakes3 with fakes3-helper and node:test (Vitest and Jest read the same way).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { CreateBucketCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand,
  PutBucketLifecycleConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { startFakes3 } from 'fakes3-helper';

let fakes3, s3;
before(async () => {
  fakes3 = await startFakes3(); // FAKES3_BIN, or fakes3 on PATH
  s3 = new S3Client(fakes3.s3ClientConfig());
});
after(async () => {
  s3.destroy();
  await fakes3.stop();
});
beforeEach(() => fakes3.reset()); // every test starts from an empty server

test('each test starts empty', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await fakes3.reset();
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(Buckets, []);
});

test('the journal shows what the code sent', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'meow' }));

  const [put] = await fakes3.requests({ op: 'PutObject', bucket: 'photos' });
  assert.equal(put.key, 'cat.jpg');
  assert.equal(put.request_body.bytes, 4);
});

test('one SlowDown is retried by the SDK', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await fakes3.fault({ match: { op: 'PutObject' }, action: { error: 'SlowDown', status: 503 },
    times: 1 });

  await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'meow' }));

  const attempts = await fakes3.requests({ op: 'PutObject' });
  assert.deepEqual(attempts.map((r) => r.status), [503, 200]);
});

test('lifecycle expires objects when the clock moves 31 days', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs',
    LifecycleConfiguration: { Rules: [{ ID: 'expire', Status: 'Enabled', Filter: { Prefix: '' },
      Expiration: { Days: 30 } }] } }));
  await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'old.log', Body: 'x' }));

  await fakes3.clock.advance(31 * 24 * 3600); // the lifecycle pass has run when this resolves

  const { KeyCount } = await s3.send(new ListObjectsV2Command({ Bucket: 'logs' }));
  assert.equal(KeyCount, 0);
});
