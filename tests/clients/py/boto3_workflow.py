"""The client workflow with boto3, run as `PYTHON boto3_workflow.py SPEC.json` by
tests/clients/test_clients.py under two interpreters: the pyenv python3 (boto3 1.43) and Debian's
/usr/bin/python3 (boto3 1.26). It performs the steps and writes what it saw to OUT/report.json
(downloaded bytes to OUT/*); the test makes the assertions. An unexpected error ends it non-zero."""

import json
import os
import sys

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MiB = 1024 * 1024


def main():
    spec = json.load(open(sys.argv[1]))
    out = spec["out"]
    B, RM = spec["bucket"], spec["rm_bucket"]
    files = spec["files"]
    report = {"boto3": boto3.__version__, "botocore": botocore.__version__}

    session = boto3.session.Session(aws_access_key_id=spec["access_key"],
                                    aws_secret_access_key=spec["secret_key"],
                                    region_name="us-east-1")
    s3 = session.client("s3", endpoint_url=spec["endpoint"],
                        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                                      retries={"total_max_attempts": 1}, read_timeout=120))
    # Probe mode (test_clients_auth.py): one ListBuckets with the spec's keys; what it answered.
    if spec.get("probe"):
        try:
            s3.list_buckets()
            report["probe"] = {"ok": True}
        except ClientError as e:
            report["probe"] = {"code": e.response["Error"].get("Code"),
                               "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
        with open(os.path.join(out, "report.json"), "w") as f:
            json.dump(report, f, indent=1)
        return

    # Every upload stays single-part (multipart is not implemented yet); downloads are one GET.
    tc = TransferConfig(multipart_threshold=64 * MiB, multipart_chunksize=64 * MiB,
                        use_threads=False)

    s3.create_bucket(Bucket=B)
    s3.create_bucket(Bucket=RM)
    s3.head_bucket(Bucket=B)

    def body(key):
        with open(files[key], "rb") as f:
            return f.read()

    # Uploads: plain put_object (botocore's default checksum), two explicit checksum algorithms
    # that need no awscrt, upload_fileobj and upload_file (the managed transfer).
    r = s3.put_object(Bucket=B, Key="dir/a.txt", Body=body("dir/a.txt"))
    report["put_etag"] = r["ETag"]
    report["put_checksums"] = {}
    for key, alg in (("dir/b.txt", "SHA256"), ("dir/sub/c.txt", "SHA1")):
        r = s3.put_object(Bucket=B, Key=key, Body=body(key), ChecksumAlgorithm=alg)
        report["put_checksums"][key] = {alg: r.get("Checksum" + alg)}
    with open(files["top.txt"], "rb") as f:
        s3.upload_fileobj(f, B, "top.txt", Config=tc)
    s3.upload_file(files["large.bin"], B, "large.bin", Config=tc)

    # Get: a small object and the large one (download_file, one GET under the threshold).
    data = s3.get_object(Bucket=B, Key="dir/a.txt")["Body"].read()
    open(os.path.join(out, "a.txt"), "wb").write(data)
    s3.download_file(B, "large.bin", os.path.join(out, "large.bin"), Config=tc)

    # Ranged get.
    off, n = spec["range"]
    r = s3.get_object(Bucket=B, Key="large.bin", Range=f"bytes={off}-{off + n - 1}")
    open(os.path.join(out, "range.bin"), "wb").write(r["Body"].read())
    report["range_status"] = r["ResponseMetadata"]["HTTPStatusCode"]
    report["content_range"] = r.get("ContentRange")

    # Head, and the stored checksums read back with ChecksumMode=ENABLED.
    h = s3.head_object(Bucket=B, Key="large.bin")
    report["head"] = {"size": h["ContentLength"], "etag": h["ETag"]}
    report["head_checksums"] = {}
    for key, alg in (("dir/b.txt", "SHA256"), ("dir/sub/c.txt", "SHA1")):
        h = s3.head_object(Bucket=B, Key=key, ChecksumMode="ENABLED")
        report["head_checksums"][key] = {alg: h.get("Checksum" + alg)}

    # List with prefix and delimiter, v2 and v1.
    p, d = spec["list"]["prefix"], spec["list"]["delimiter"]
    r = s3.list_objects_v2(Bucket=B, Prefix=p, Delimiter=d)
    report["list"] = {"keys": [o["Key"] for o in r.get("Contents", [])],
                      "prefixes": [c["Prefix"] for c in r.get("CommonPrefixes", [])]}
    r = s3.list_objects(Bucket=B, Prefix=p, Delimiter=d)
    report["list_v1"] = {"keys": [o["Key"] for o in r.get("Contents", [])],
                         "prefixes": [c["Prefix"] for c in r.get("CommonPrefixes", [])]}

    # Copy (server side).
    src, dst = spec["copy"]
    s3.copy_object(Bucket=B, Key=dst, CopySource={"Bucket": B, "Key": src})

    # Delete, then the key is gone.
    s3.delete_object(Bucket=B, Key=spec["delete"])
    try:
        s3.head_object(Bucket=B, Key=spec["delete"])
        report["deleted_head"] = "still there"
    except ClientError as e:
        report["deleted_head"] = e.response["ResponseMetadata"]["HTTPStatusCode"]

    # Batch delete.
    r = s3.delete_objects(Bucket=B, Delete={"Objects": [{"Key": k} for k in spec["batch_delete"]]})
    report["batch_deleted"] = sorted(o["Key"] for o in r.get("Deleted", []))
    report["batch_errors"] = r.get("Errors", [])

    # Bucket delete, bucket list.
    s3.delete_bucket(Bucket=RM)
    report["buckets"] = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])

    # The end state, bytes of the copy.
    r = s3.list_objects_v2(Bucket=B)
    report["final_keys"] = [o["Key"] for o in r.get("Contents", [])]
    data = s3.get_object(Bucket=B, Key=dst)["Body"].read()
    open(os.path.join(out, "copy.bin"), "wb").write(data)

    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
