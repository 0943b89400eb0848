// Multipart uploads with the AWS SDK for JavaScript v3 (@aws-sdk/lib-storage Upload), run as
// `node aws_sdk_v3_multipart.mjs SPEC.json` by tests/clients/test_clients_multipart.py.
//   1. A Buffer, partSize 5 MiB, queueSize 2, ChecksumAlgorithm CRC32 (COMPOSITE, the default
//      type): the SDK sends x-amz-checksum-crc32 with each UploadPart and the per-part checksums
//      back in CompleteMultipartUpload.
//   2. A file stream, partSize 5 MiB, queueSize 2, CRC32 with ChecksumType FULL_OBJECT.
// Each is read back with HeadObject (ChecksumMode ENABLED, and by PartNumber) and GetObject.
// Every request the SDK sent and the status and checksum headers it got are recorded; it writes
// OUT/report.json and the downloads to OUT/*; the test asserts.
import fs from "node:fs";
import path from "node:path";
import {
  S3Client, CreateBucketCommand, HeadObjectCommand, GetObjectCommand, ListMultipartUploadsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const B = spec.bucket, out = spec.out;
const report = { wire: [] };

const s3 = new S3Client({
  endpoint: spec.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: spec.access_key, secretAccessKey: spec.secret_key },
  maxAttempts: 1,
});

// The wire as the SDK sent it (after signing), and the answer's status and headers.
const pick = (h, names) => {
  const o = {};
  for (const [k, v] of Object.entries(h || {})) if (names.includes(k.toLowerCase())) o[k.toLowerCase()] = v;
  return o;
};
const REQ_HEADERS = ["content-length", "content-encoding", "content-md5", "x-amz-content-sha256",
  "x-amz-trailer", "x-amz-decoded-content-length", "x-amz-checksum-crc32", "x-amz-checksum-algorithm",
  "x-amz-checksum-type", "x-amz-sdk-checksum-algorithm"];
const RESP_HEADERS = ["etag", "x-amz-checksum-crc32", "x-amz-checksum-type", "x-amz-checksum-algorithm"];
s3.middlewareStack.add((next, context) => async (args) => {
  const req = args.request;
  const e = {
    command: context.commandName, key: args.input?.Key ?? null, method: req.method,
    query: { ...req.query }, part: args.input?.PartNumber ?? null, headers: pick(req.headers, REQ_HEADERS),
  };
  report.wire.push(e);
  try {
    const res = await next(args);
    e.status = res.response.statusCode;
    e.response_headers = pick(res.response.headers, RESP_HEADERS);
    return res;
  } catch (err) {
    e.status = err.$metadata?.httpStatusCode ?? null;
    e.error = `${err.name}: ${err.message}`;
    throw err;
  }
}, { step: "finalizeRequest", name: "recordWire", priority: "low" });

const bodyToFile = (body, file) => new Promise((resolve, reject) => {
  const w = fs.createWriteStream(file);
  body.pipe(w).on("finish", resolve).on("error", reject);
  body.on("error", reject);
});

const head = async (Key, extra = {}) => {
  const r = await s3.send(new HeadObjectCommand({ Bucket: B, Key, ...extra }));
  return {
    size: r.ContentLength, etag: r.ETag ?? null, crc32: r.ChecksumCRC32 ?? null,
    checksum_type: r.ChecksumType ?? null, parts_count: r.PartsCount ?? null,
    content_type: r.ContentType ?? null, metadata: r.Metadata ?? {},
  };
};

await s3.send(new CreateBucketCommand({ Bucket: B }));

const uploads = [
  { name: "buffer", key: spec.keys.buffer, body: () => fs.readFileSync(spec.files.buffer),
    extra: { ContentType: "application/x-fakes3-test", Metadata: { origin: "lib-storage" } } },
  { name: "stream", key: spec.keys.stream, body: () => fs.createReadStream(spec.files.stream),
    extra: { ChecksumType: "FULL_OBJECT" } },
];
report.uploads = {};
for (const u of uploads) {
  const rep = {};
  report.uploads[u.name] = rep;
  const up = new Upload({
    client: s3, partSize: spec.part_size, queueSize: 2, leavePartsOnError: false,
    params: { Bucket: B, Key: u.key, Body: u.body(), ChecksumAlgorithm: "CRC32", ...u.extra },
  });
  const seen = [];
  up.on("httpUploadProgress", (p) => seen.push(p.part));
  const r = await up.done();
  rep.result = {
    key: r.Key ?? null, bucket: r.Bucket ?? null, etag: r.ETag ?? null, crc32: r.ChecksumCRC32 ?? null,
    checksum_type: r.ChecksumType ?? null, location: r.Location ?? null,
  };
  rep.progress_parts = [...new Set(seen)].sort((a, b) => a - b);
  rep.head = await head(u.key, { ChecksumMode: "ENABLED" });
  rep.head_plain = await head(u.key);
  rep.head_part = {};
  for (const n of spec.head_parts) rep.head_part[n] = await head(u.key, { PartNumber: n });
  const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: u.key }));
  rep.get = { size: g.ContentLength, etag: g.ETag ?? null };
  await bodyToFile(g.Body, path.join(out, `${u.name}.bin`));
}

// Nothing left in progress.
const lm = await s3.send(new ListMultipartUploadsCommand({ Bucket: B }));
report.in_progress = (lm.Uploads || []).map((x) => `${x.Key} ${x.UploadId}`);

fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
