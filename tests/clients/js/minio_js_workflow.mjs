// The client workflow with minio-js 8, run as `node minio_js_workflow.mjs SPEC.json` by
// tests/clients/test_clients.py. It writes what it saw to OUT/report.json and downloads to
// OUT/*; the test asserts.
import fs from "node:fs";
import path from "node:path";
import * as Minio from "minio";

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const B = spec.bucket, RM = spec.rm_bucket, out = spec.out, files = spec.files;
const report = {};
const MiB = 1024 * 1024;

const mc = new Minio.Client({
  endPoint: spec.host, port: spec.port, useSSL: false, pathStyle: true, region: "us-east-1",
  accessKey: spec.access_key, secretKey: spec.secret_key,
  partSize: 64 * MiB, // every upload here stays one PutObject
});

// Probe mode (test_clients_auth.py): one ListBuckets with the spec's keys; what it answered.
if (spec.probe) {
  try {
    await mc.listBuckets();
    report.probe = { ok: true };
  } catch (e) {
    report.probe = { code: e.code, status: e.statusCode };
  }
  fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
  process.exit(0);
}

const streamBytes = (s) => new Promise((resolve, reject) => {
  const chunks = [];
  s.on("data", (c) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
});
const listing = (s) => new Promise((resolve, reject) => {
  const res = { keys: [], prefixes: [] };
  s.on("data", (o) => (o.prefix ? res.prefixes.push(o.prefix) : res.keys.push(o.name)))
    .on("end", () => resolve(res)).on("error", reject);
});

await mc.makeBucket(B, "us-east-1");
await mc.makeBucket(RM, "us-east-1");
if (!(await mc.bucketExists(B))) throw new Error("bucketExists: false after makeBucket");

// Uploads: a Buffer, a stream with its size, a string, fPutObject for the 20 MiB file.
await mc.putObject(B, "dir/a.txt", fs.readFileSync(files["dir/a.txt"]));
await mc.putObject(B, "dir/b.txt", fs.createReadStream(files["dir/b.txt"]), fs.statSync(files["dir/b.txt"]).size);
await mc.putObject(B, "dir/sub/c.txt", fs.readFileSync(files["dir/sub/c.txt"], "utf8"));
await mc.putObject(B, "top.txt", fs.readFileSync(files["top.txt"]), undefined, { "Content-Type": "text/plain" });
await mc.fPutObject(B, "large.bin", files["large.bin"], { "Content-Type": "application/octet-stream" });

// Get, fGet, partial get, stat.
fs.writeFileSync(path.join(out, "a.txt"), await streamBytes(await mc.getObject(B, "dir/a.txt")));
await mc.fGetObject(B, "large.bin", path.join(out, "large.bin"));
const [off, n] = spec.range;
fs.writeFileSync(path.join(out, "range.bin"), await streamBytes(await mc.getPartialObject(B, "large.bin", off, n)));
const st = await mc.statObject(B, "large.bin");
report.head = { size: st.size, etag: st.etag };

// List with prefix and delimiter (recursive=false), v2 and v1.
report.list = await listing(mc.listObjectsV2(B, spec.list.prefix, false));
report.list_v1 = await listing(mc.listObjects(B, spec.list.prefix, false));

// Copy (server side), delete, stat of the deleted key, batch delete.
const [src, dst] = spec.copy;
await mc.copyObject(new Minio.CopySourceOptions({ Bucket: B, Object: src }),
  new Minio.CopyDestinationOptions({ Bucket: B, Object: dst }));
await mc.removeObject(B, spec.delete);
try {
  await mc.statObject(B, spec.delete);
  report.deleted_head = "still there";
} catch (e) {
  report.deleted_head = e.code === "NotFound" ? 404 : `${e.code}: ${e.message}`;
}
const res = await mc.removeObjects(B, spec.batch_delete);
// removeObjects answers with the per-key errors only (an empty list when all went).
report.batch_errors = (res || []).flat().filter((x) => x && (x.Code || x.code));
report.batch_deleted = [];
for (const k of spec.batch_delete) {
  try {
    await mc.statObject(B, k);
  } catch (e) {
    if (e.code === "NotFound") report.batch_deleted.push(k);
  }
}
report.batch_deleted.sort();

// Bucket delete, bucket list, the end state.
await mc.removeBucket(RM);
report.buckets = (await mc.listBuckets()).map((b) => b.name).sort();
report.final_keys = (await listing(mc.listObjectsV2(B, "", true))).keys;
fs.writeFileSync(path.join(out, "copy.bin"), await streamBytes(await mc.getObject(B, dst)));

fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
