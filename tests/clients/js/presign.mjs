// Presigned URLs from the JavaScript clients, run as `node presign.mjs SPEC.json` by
// tests/clients/test_clients_auth.py: the AWS SDK v3's getSignedUrl (@aws-sdk/s3-request-presigner)
// or minio-js (presignedGetObject, presignedPutObject, presignedUrl). It signs a GET, PUT, HEAD
// and DELETE URL for one key (and, for the SDK, a PUT that signs a Content-MD5) and writes them to
// OUT/report.json; the test fetches them. spec.signing_date (ISO 8601) signs with that clock.
import fs from "node:fs";
import path from "node:path";

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { bucket: B, key: K, expires } = spec;
const when = spec.signing_date ? new Date(spec.signing_date) : undefined;
const urls = {};

if (spec.tool === "aws-sdk-js-v3") {
  const { S3Client, GetObjectCommand, PutObjectCommand, HeadObjectCommand, DeleteObjectCommand } =
    await import("@aws-sdk/client-s3");
  const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
  const s3 = new S3Client({
    endpoint: spec.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: spec.access_key, secretAccessKey: spec.secret_key },
    // Else a presigned PutObject carries x-amz-checksum-crc32=AAAAAA== in its query, the CRC32
    // of no body (the SDK cannot know the body the URL will carry), which S3 is reported to
    // hold against any real body (seaweedfs/seaweedfs#10216); fakes3 ignores checksum
    // parameters in a query.
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  const opts = { expiresIn: expires, signingDate: when };
  urls.GET = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: K }), opts);
  urls.PUT = await getSignedUrl(s3, new PutObjectCommand({ Bucket: B, Key: K }), opts);
  urls.HEAD = await getSignedUrl(s3, new HeadObjectCommand({ Bucket: B, Key: K }), opts);
  urls.DELETE = await getSignedUrl(s3, new DeleteObjectCommand({ Bucket: B, Key: K }), opts);
  if (spec.content_md5) {
    // Content-MD5 stays a header, and a signed one (X-Amz-SignedHeaders=content-md5;host).
    urls.PUT_MD5 = await getSignedUrl(
      s3, new PutObjectCommand({ Bucket: B, Key: K, ContentMD5: spec.content_md5 }), opts);
  }
} else if (spec.tool === "minio-js") {
  const Minio = await import("minio");
  const mc = new Minio.Client({
    endPoint: spec.host, port: spec.port, useSSL: false, pathStyle: true, region: "us-east-1",
    accessKey: spec.access_key, secretKey: spec.secret_key,
  });
  urls.GET = await mc.presignedGetObject(B, K, expires, {}, when);
  // presignedPutObject takes no clock: with one, the general call signs the PUT.
  urls.PUT = when ? await mc.presignedUrl("PUT", B, K, expires, {}, when)
    : await mc.presignedPutObject(B, K, expires);
  urls.HEAD = await mc.presignedUrl("HEAD", B, K, expires, {}, when);
  urls.DELETE = await mc.presignedUrl("DELETE", B, K, expires, {}, when);
} else {
  throw new Error(`unknown tool ${spec.tool}`);
}

fs.writeFileSync(path.join(spec.out, "report.json"), JSON.stringify(urls, null, 1));
