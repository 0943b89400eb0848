// The client workflow with the AWS SDK for JavaScript v3 (@aws-sdk/client-s3 + lib-storage), run
// as `node aws_sdk_v3_workflow.mjs SPEC.json` by tests/clients/test_clients.py. Default checksum
// settings (WHEN_SUPPORTED: CRC32 on every upload; streams go as aws-chunked with a trailer).
// It writes what it saw to OUT/report.json and downloads to OUT/*; the test asserts.
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import {
  S3Client, CreateBucketCommand, HeadBucketCommand, PutObjectCommand, GetObjectCommand,
  HeadObjectCommand, ListObjectsV2Command, CopyObjectCommand, DeleteObjectCommand,
  DeleteObjectsCommand, DeleteBucketCommand, ListBucketsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const B = spec.bucket, RM = spec.rm_bucket, out = spec.out, files = spec.files;
const report = {};

const s3 = new S3Client({
  endpoint: spec.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: spec.access_key, secretAccessKey: spec.secret_key },
  maxAttempts: 1,
});

// Records the framing of the next PutObject's request (middleware at the end of the stack).
let lastRequestHeaders = null;
s3.middlewareStack.add((next) => async (args) => {
  lastRequestHeaders = { ...args.request.headers };
  return next(args);
}, { step: "finalizeRequest", name: "recordHeaders", priority: "low" });

// Probe mode (test_clients_auth.py): one ListBuckets with the spec's keys; what it answered.
if (spec.probe) {
  try {
    await s3.send(new ListBucketsCommand({}));
    report.probe = { ok: true };
  } catch (e) {
    report.probe = { code: e.Code || e.name, status: e.$metadata && e.$metadata.httpStatusCode };
  }
  fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
  process.exit(0);
}

const bodyBytes = async (body) => Buffer.from(await body.transformToByteArray());
const listing = (r) => ({
  keys: (r.Contents || []).map((o) => o.Key),
  prefixes: (r.CommonPrefixes || []).map((p) => p.Prefix),
});

await s3.send(new CreateBucketCommand({ Bucket: B }));
await s3.send(new CreateBucketCommand({ Bucket: RM }));
await s3.send(new HeadBucketCommand({ Bucket: B }));

// Uploads: a Buffer (CRC32 header), a file stream (aws-chunked + CRC32 trailer), a string, the
// lib-storage Upload of a small body (one PutObject), and the 20 MiB file as a stream.
let r = await s3.send(new PutObjectCommand({ Bucket: B, Key: "dir/a.txt", Body: fs.readFileSync(files["dir/a.txt"]) }));
report.put_crc32 = r.ChecksumCRC32 ?? null;
await s3.send(new PutObjectCommand({
  Bucket: B, Key: "dir/b.txt", Body: fs.createReadStream(files["dir/b.txt"]),
  ContentLength: fs.statSync(files["dir/b.txt"]).size,
}));
await s3.send(new PutObjectCommand({ Bucket: B, Key: "dir/sub/c.txt", Body: fs.readFileSync(files["dir/sub/c.txt"], "utf8") }));
const up = new Upload({ client: s3, params: { Bucket: B, Key: "top.txt", Body: fs.readFileSync(files["top.txt"]) } });
const upr = await up.done();
report.upload_lib_storage = upr.Key === "top.txt" || upr.Location !== undefined;
r = await s3.send(new PutObjectCommand({
  Bucket: B, Key: "large.bin", Body: fs.createReadStream(files["large.bin"]),
  ContentLength: spec.large_size,
}));
report.large_crc32 = r.ChecksumCRC32 ?? null;
const enc = lastRequestHeaders["content-encoding"] || lastRequestHeaders["Content-Encoding"] || "";
report.large_framing = enc.includes("aws-chunked") ? "aws-chunked" : `content-encoding=${enc}`;

// Get, ranged get, head.
r = await s3.send(new GetObjectCommand({ Bucket: B, Key: "dir/a.txt" }));
fs.writeFileSync(path.join(out, "a.txt"), await bodyBytes(r.Body));
r = await s3.send(new GetObjectCommand({ Bucket: B, Key: "large.bin" }));
await new Promise((resolve, reject) => {
  const w = fs.createWriteStream(path.join(out, "large.bin"));
  r.Body.pipe(w).on("finish", resolve).on("error", reject);
  r.Body.on("error", reject);
});
const [off, n] = spec.range;
r = await s3.send(new GetObjectCommand({ Bucket: B, Key: "large.bin", Range: `bytes=${off}-${off + n - 1}` }));
report.content_range = r.ContentRange ?? null;
fs.writeFileSync(path.join(out, "range.bin"), await bodyBytes(r.Body));
r = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "large.bin" }));
report.head = { size: r.ContentLength, etag: r.ETag };

// One small stream per checksum algorithm, read back with ChecksumMode=ENABLED (the SDK then
// validates the body against the checksum the server returns).
report.sums_body = "checksum me, please\n";
report.sums = {};
const algs = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];
for (const alg of algs) {
  const key = `sums/${alg}`;
  const pr = await s3.send(new PutObjectCommand({
    Bucket: B, Key: key, Body: Readable.from([Buffer.from(report.sums_body)]),
    ContentLength: report.sums_body.length, ChecksumAlgorithm: alg,
  }));
  const hr = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key, ChecksumMode: "ENABLED" }));
  let getOk;
  try {
    const gr = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: "ENABLED" }));
    getOk = (await bodyBytes(gr.Body)).toString() === report.sums_body;
  } catch (e) {
    getOk = `${e.name}: ${e.message}`;
  }
  report.sums[alg] = { put: pr[`Checksum${alg}`] ?? null, head: hr[`Checksum${alg}`] ?? null, get_ok: getOk };
}
r = await s3.send(new DeleteObjectsCommand({
  Bucket: B, Delete: { Objects: algs.map((a) => ({ Key: `sums/${a}` })), Quiet: true },
}));
report.sums_deleted = [...(r.Deleted || []).map((d) => d.Key), ...(r.Errors || []).map((e) => `${e.Key}: ${e.Code}`)];

// List with prefix and delimiter.
r = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: spec.list.prefix, Delimiter: spec.list.delimiter }));
report.list = listing(r);

// Copy, delete, HEAD of the deleted key, batch delete.
const [src, dst] = spec.copy;
await s3.send(new CopyObjectCommand({ Bucket: B, Key: dst, CopySource: `${B}/${src}` }));
await s3.send(new DeleteObjectCommand({ Bucket: B, Key: spec.delete }));
try {
  await s3.send(new HeadObjectCommand({ Bucket: B, Key: spec.delete }));
  report.deleted_head = "still there";
} catch (e) {
  report.deleted_head = e.$metadata?.httpStatusCode ?? `${e.name}: ${e.message}`;
}
r = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: spec.batch_delete.map((k) => ({ Key: k })) } }));
report.batch_deleted = (r.Deleted || []).map((d) => d.Key).sort();
report.batch_errors = r.Errors || [];

// Bucket delete, bucket list, the end state.
await s3.send(new DeleteBucketCommand({ Bucket: RM }));
r = await s3.send(new ListBucketsCommand({}));
report.buckets = (r.Buckets || []).map((b) => b.Name).sort();
r = await s3.send(new ListObjectsV2Command({ Bucket: B }));
report.final_keys = (r.Contents || []).map((o) => o.Key);
r = await s3.send(new GetObjectCommand({ Bucket: B, Key: dst }));
fs.writeFileSync(path.join(out, "copy.bin"), await bodyBytes(r.Body));

fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
