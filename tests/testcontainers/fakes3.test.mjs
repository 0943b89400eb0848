// localhost/fakes3:latest started by Testcontainers for Node (tests/testcontainers/run.sh runs it
// under `make test-compose`): a GenericContainer that is ready when GET /_fakes3/health answers
// 200, then real S3 calls with @aws-sdk/client-s3 against the mapped port. The first test is the
// Node example of docker/README.md, verbatim. Every container is stopped by its test; the hook at
// the end checks that none of this session's containers is left, running or not.
// Environment: DOCKER_HOST (the podman socket), TESTCONTAINERS_RYUK_DISABLED=true (the reaper's
// image would come from a registry), FAKES3_IMAGE (default localhost/fakes3:latest),
// FAKES3_TC_SESSION_FILE (run.sh removes this session's containers if the run dies).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import {
  GenericContainer,
  Wait,
  getContainerRuntimeClient,
  getReaper,
  LABEL_TESTCONTAINERS_SESSION_ID,
} from "testcontainers";
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
} from "@aws-sdk/client-s3";

const IMAGE = process.env.FAKES3_IMAGE || "localhost/fakes3:latest";
let sessionId;

before(async () => {
  const client = await getContainerRuntimeClient();
  sessionId = (await getReaper(client)).sessionId;
  if (process.env.FAKES3_TC_SESSION_FILE) writeFileSync(process.env.FAKES3_TC_SESSION_FILE, sessionId + "\n");
});

test("fakes3 in a GenericContainer: wait for /_fakes3/health, then S3", async (t) => {
  const container = await new GenericContainer(IMAGE)
    .withExposedPorts(4569)
    .withWaitStrategy(Wait.forHttp("/_fakes3/health", 4569))
    .start();
  t.after(() => container.stop());

  const s3 = new S3Client({
    endpoint: `http://${container.getHost()}:${container.getMappedPort(4569)}`,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await s3.send(new CreateBucketCommand({ Bucket: "my-bucket" }));
  await s3.send(new PutObjectCommand({ Bucket: "my-bucket", Key: "hello.txt", Body: "hello" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: "my-bucket", Key: "hello.txt" }));
  assert.equal(await got.Body.transformToString(), "hello");
});

// With users configured every S3 call needs a signature, so GET / answers 403 and a wait on it
// would never end; the health call answers 200 unsigned.
test("with --access-key/--secret-key: the health wait still works, S3 wants the key", async (t) => {
  const container = await new GenericContainer(IMAGE)
    .withCommand(["-r", "/data", "-p", "4569", "--access-key", "AKIDFAKES3", "--secret-key", "s3cr3t"])
    .withExposedPorts(4569)
    .withWaitStrategy(Wait.forHttp("/_fakes3/health", 4569).forStatusCode(200))
    .start();
  t.after(() => container.stop());
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(4569)}`;

  const health = await fetch(`${endpoint}/_fakes3/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });
  assert.equal((await fetch(`${endpoint}/`)).status, 403);

  const client = (accessKeyId, secretAccessKey) =>
    new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId, secretAccessKey } });
  await assert.rejects(client("AKIDFAKES3", "wrong").send(new ListBucketsCommand({})), (e) => {
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.name, "SignatureDoesNotMatch");
    return true;
  });
  const s3 = client("AKIDFAKES3", "s3cr3t");
  await s3.send(new CreateBucketCommand({ Bucket: "signed" }));
  const body = Buffer.alloc(256 * 1024, 7);
  await s3.send(new PutObjectCommand({ Bucket: "signed", Key: "a/b.bin", Body: body }));
  const got = await s3.send(new GetObjectCommand({ Bucket: "signed", Key: "a/b.bin" }));
  assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body);
  const { Buckets } = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(
    Buckets.map((b) => b.Name),
    ["signed"],
  );
});

// container.stop() removes the container too: nothing of this session may be left.
after(async () => {
  const client = await getContainerRuntimeClient();
  const left = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL_TESTCONTAINERS_SESSION_ID}=${sessionId}`] },
  });
  assert.deepEqual(
    left.map((c) => `${c.Id.slice(0, 12)} ${c.State}`),
    [],
    "containers of this session left behind",
  );
});
