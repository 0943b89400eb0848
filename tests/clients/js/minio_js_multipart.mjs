// Multipart uploads with minio-js 8, run as `node minio_js_multipart.mjs SPEC.json` by
// tests/clients/test_clients_multipart.py.
//   1. putObject of a stream with partSize 5 MiB: minio-js 8.0.7's uploadStream increments the
//      part number before it uploads, so its parts are numbered 2..N+1, never 1 (and it first
//      looks for an upload in progress with ListMultipartUploads).
//   2. The client's own multipart methods (initiateNewMultipartUpload, uploadPart, listParts,
//      listIncompleteUploads, completeMultipartUpload), parts numbered 2, 3, 4 and sent out of
//      order (4, 2, 3).
// Each object is read back with statObject and getObject. It writes OUT/report.json and the
// downloads to OUT/*; the test asserts.
import fs from "node:fs";
import path from "node:path";
import * as Minio from "minio";

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const B = spec.bucket, out = spec.out;
const report = {};

const mc = new Minio.Client({
  endPoint: spec.host, port: spec.port, useSSL: false, pathStyle: true, region: "us-east-1",
  accessKey: spec.access_key, secretKey: spec.secret_key,
  partSize: spec.part_size,
});

const streamBytes = (s) => new Promise((resolve, reject) => {
  const chunks = [];
  s.on("data", (c) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
});
const collect = (s) => new Promise((resolve, reject) => {
  const items = [];
  s.on("data", (x) => items.push(x)).on("end", () => resolve(items)).on("error", reject);
});
const stat = async (key) => {
  const st = await mc.statObject(B, key);
  return { size: st.size, etag: st.etag, meta: st.metaData };
};

await mc.makeBucket(B, "us-east-1");

// 1. putObject, multipart because the stream is longer than partSize.
{
  const file = spec.files.put;
  const r = await mc.putObject(B, spec.keys.put, fs.createReadStream(file), fs.statSync(file).size,
    { "Content-Type": "application/x-fakes3-test", "X-Amz-Meta-Origin": "minio-js-put" });
  report.put = { result_etag: r.etag, stat: await stat(spec.keys.put) };
  fs.writeFileSync(path.join(out, "put.bin"), await streamBytes(await mc.getObject(B, spec.keys.put)));
}

// 2. The low-level methods, parts 2, 3, 4 (uploaded in the order spec.low.order).
{
  const key = spec.keys.low;
  const data = fs.readFileSync(spec.files.low);
  const uploadId = await mc.initiateNewMultipartUpload(B, key,
    { "Content-Type": "application/x-fakes3-low", "X-Amz-Meta-Origin": "minio-js-low" });
  report.low = { upload_id: uploadId, uploaded: [] };
  const etags = {}; // part number -> its slice of the data, then its ETag
  for (const [num, off, len] of spec.low.parts) etags[num] = { off, len };
  for (const num of spec.low.order) {
    const { off, len } = etags[num];
    const r = await mc.uploadPart({
      bucketName: B, objectName: key, uploadID: uploadId, partNumber: num,
      headers: { "Content-Type": "application/octet-stream" },
    }, data.subarray(off, off + len));
    etags[num].etag = r.etag;
    report.low.uploaded.push({ part: r.part, etag: r.etag });
  }
  report.low.list_parts = (await mc.listParts(B, key, uploadId))
    .map((p) => ({ part: p.part, size: p.size, etag: p.etag }));
  report.low.incomplete = (await collect(mc.listIncompleteUploads(B, "low", true)))
    .map((u) => ({ key: u.key, upload_id: u.uploadId, size: u.size ?? null }));
  const parts = spec.low.parts.map(([num]) => ({ part: num, etag: etags[num].etag }));
  const c = await mc.completeMultipartUpload(B, key, uploadId, parts);
  report.low.complete_etag = c.etag;
  report.low.stat = await stat(key);
  fs.writeFileSync(path.join(out, "low.bin"), await streamBytes(await mc.getObject(B, key)));
  // A ranged read across the boundary of parts 2 and 3.
  const [roff, rlen] = spec.low.range;
  fs.writeFileSync(path.join(out, "low_range.bin"), await streamBytes(await mc.getPartialObject(B, key, roff, rlen)));
  report.low.incomplete_after = (await collect(mc.listIncompleteUploads(B, "", true))).map((u) => u.key);
}

fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
