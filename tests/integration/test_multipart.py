"""Multipart uploads (issue 6): the aws CLI, boto3 and s3cmd multipart paths, every error path of
Create/UploadPart/UploadPartCopy/Complete/Abort, ListParts and ListMultipartUploads paging,
COMPOSITE and FULL_OBJECT checksums computed independently here, GET/HEAD by partNumber and
Range across part files, space freed by abort/overwrite/delete, uploads surviving a restart, and a
GET that keeps reading the old object while the key is overwritten.

Expected values (ETags, checksums) are computed in the test from the bytes sent, never read back
from the server first."""

import base64
import hashlib
import os
import random
import re
import sqlite3
import threading
import time
import zlib
from urllib.parse import quote

import botocore.handlers
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from s3lib import disk_only, RawConn, crc32c, crc64nvme, error_code, http_status, md5_hex, parse_xml, raw

MIB = 1024 * 1024
MIN_PART = 5 * MIB


# --- deterministic data and the values S3 derives from it -------------------------------------
def data(seed, n):
    return random.Random(seed).randbytes(n)


def mpu_etag(parts):
    """S3's multipart ETag: MD5 of the concatenated binary part MD5s, then "-N"; quoted."""
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def q_md5(b):
    return f'"{md5_hex(b)}"'




def crc32(d):
    return zlib.crc32(d) & 0xFFFFFFFF


def b64(n, nbytes):
    return base64.b64encode(n.to_bytes(nbytes, "big")).decode()


def composite(crcs, nbytes, fn):
    """COMPOSITE: the checksum of the concatenated raw part checksums, base64, "-N"."""
    raw_ = b"".join(c.to_bytes(nbytes, "big") for c in crcs)
    return f"{b64(fn(raw_), nbytes)}-{len(crcs)}"


# --- the store on disk ---------------------------------------------------------------------------
def blob_count(root):
    n = 0
    for _, _, files in os.walk(os.path.join(root, "blobs")):
        n += len(files)
    return n


def wait_blob_count(root, want, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        n = blob_count(root)
        if n == want or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def access_log_lines(server, pattern, at_least=0, timeout=30.0):
    """The access log lines matching pattern. The server writes a request's line once its answer
    has gone out, so a client can have the answer first: with at_least, wait (polling, up to
    timeout) until that many lines are there."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        lines = [l for l in server.stdout().splitlines() if rx.search(l)]
        if len(lines) >= at_least or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


# --- boto3 helpers -------------------------------------------------------------------------------
def client_error(fn, *a, **kw):
    with pytest.raises(ClientError) as ei:
        fn(*a, **kw)
    return ei.value


def upload_parts(s3, bucket, key, parts, **create_kw):
    """Creates an upload and uploads parts {number: bytes}; returns (upload_id, {number: etag})."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **create_kw)["UploadId"]
    etags = {}
    for n, body in parts.items():
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=body)
        assert r["ETag"] == q_md5(body), (n, r["ETag"])
        etags[n] = r["ETag"]
    return uid, etags


def complete(s3, bucket, key, uid, etags, numbers=None):
    numbers = sorted(etags) if numbers is None else numbers
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etags[n]} for n in numbers]})


def get_bytes(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


# --- raw HTTP helpers ----------------------------------------------------------------------------
def path(bucket, key):
    return f"/{bucket}/" + quote(key, safe="/~")


def raw_create(port, bucket, key, headers=()):
    r = raw(port, "POST", path(bucket, key) + "?uploads", headers=list(headers))
    assert r.status == 200, show(r)
    x = r.xml()
    assert x.tag == "InitiateMultipartUploadResult", r.body
    uid = x.findtext("UploadId")
    assert uid, r.body
    return uid, r


def raw_part(port, bucket, key, uid, num, body, headers=()):
    return raw(port, "PUT", f"{path(bucket, key)}?partNumber={num}&uploadId={uid}", body,
               list(headers))


def complete_xml(parts, etag_form="quoted", checksums=None):
    """parts: [(number, md5 hex)]. etag_form: quoted, unquoted, quot (&quot;) or num (&#34;)."""
    wrap = {"quoted": '"{}"', "unquoted": "{}", "quot": "&quot;{}&quot;",
            "num": "&#34;{}&#34;"}[etag_form]
    out = ['<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">']
    for n, etag in parts:
        ck = ""
        if checksums and n in checksums:
            name, value = checksums[n]
            ck = f"<Checksum{name}>{value}</Checksum{name}>"
        out.append(f"<Part><PartNumber>{n}</PartNumber><ETag>{wrap.format(etag)}</ETag>{ck}</Part>")
    out.append("</CompleteMultipartUpload>")
    return "".join(out).encode()


def raw_complete(port, bucket, key, uid, body, headers=()):
    return raw(port, "POST", f"{path(bucket, key)}?uploadId={uid}", body, list(headers))


def show(r):
    return f"{r.status} {r.headers} {r.body.decode('utf-8', 'replace')}"


def raw_error_code(r):
    return parse_xml(r.body).findtext("Code") if r.body else None


# --- reference values ----------------------------------------------------------------------------
def test_reference_checksums_and_etag():
    """The test's own oracles against published check values."""
    assert crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32(b"123456789") == 0xCBF43926
    # The ETag of a one-part upload is not the part's MD5.
    assert mpu_etag([b"abc"]) == f'"{hashlib.md5(hashlib.md5(b"abc").digest()).hexdigest()}-1"'


# --- real clients --------------------------------------------------------------------------------
def test_awscli_cp_100mib_up_and_down(aws, s3, server, tmp_path):
    body = data(100, 100 * MIB)
    src = tmp_path / "big.bin"
    src.write_bytes(body)
    s3.create_bucket(Bucket="cli-mpu")
    aws("s3", "cp", str(src), "s3://cli-mpu/big.bin", timeout=180)

    h = s3.head_object(Bucket="cli-mpu", Key="big.bin")
    assert h["ContentLength"] == len(body)
    chunks = [body[i:i + 8 * MIB] for i in range(0, len(body), 8 * MIB)]
    assert len(chunks) == 13
    assert h["ETag"].endswith('-13"'), h["ETag"]
    assert h["ETag"] == mpu_etag(chunks)
    # 13 parts went up, each as its own UploadPart.
    parts_put = access_log_lines(server, r"^PUT /cli-mpu/big\.bin\?\S*partNumber=\d+\S* 200 ",
                                 at_least=13)
    assert len(parts_put) == 13, parts_put
    assert s3.list_multipart_uploads(Bucket="cli-mpu").get("Uploads", []) == []

    dst = tmp_path / "down" / "big.bin"
    dst.parent.mkdir()
    aws("s3", "cp", "s3://cli-mpu/big.bin", str(dst), timeout=180)
    assert hashlib.sha256(dst.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
    # The CLI downloads a large object in ranged GETs (206), in parallel.
    ranged = access_log_lines(server, r"^GET /cli-mpu/big\.bin 206 ", at_least=2)
    assert len(ranged) >= 2, server.stdout()[-3000:]


def test_boto3_upload_file_download_file(s3, tmp_path):
    body = data(101, 23 * MIB + 123)
    src = tmp_path / "up.bin"
    src.write_bytes(body)
    cfg = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                         max_concurrency=4)
    s3.create_bucket(Bucket="boto-mpu")
    s3.upload_file(str(src), "boto-mpu", "dir/up.bin", Config=cfg)
    h = s3.head_object(Bucket="boto-mpu", Key="dir/up.bin")
    assert h["ContentLength"] == len(body)
    assert h["ETag"] == mpu_etag([body[i:i + 5 * MIB] for i in range(0, len(body), 5 * MIB)])
    assert h["ETag"].endswith('-5"')
    dst = tmp_path / "down.bin"
    s3.download_file("boto-mpu", "dir/up.bin", str(dst), Config=cfg)
    assert dst.read_bytes() == body


def test_s3cmd_multipart_15mib_chunks(s3cmd, s3, server, tmp_path):
    body = data(102, 40 * MIB + 777)
    src = tmp_path / "s3cmd.bin"
    src.write_bytes(body)
    s3cmd("mb", "s3://cmd-mpu")
    s3cmd("put", "--multipart-chunk-size-mb=15", str(src), "s3://cmd-mpu/s3cmd.bin",
          timeout=180)
    parts_put = access_log_lines(server, r"^PUT /cmd-mpu/s3cmd\.bin\?\S*partNumber=\d+\S* 200 ",
                                 at_least=3)
    assert len(parts_put) == 3, parts_put
    h = s3.head_object(Bucket="cmd-mpu", Key="s3cmd.bin")
    assert h["ContentLength"] == len(body)
    assert h["ETag"] == mpu_etag([body[i:i + 15 * MIB] for i in range(0, len(body), 15 * MIB)])
    dst = tmp_path / "s3cmd.back"
    s3cmd("get", "s3://cmd-mpu/s3cmd.bin", str(dst), timeout=180)
    assert dst.read_bytes() == body


# --- Complete: ETags and error paths -------------------------------------------------------------
def test_complete_etag_of_result_and_create_headers(s3):
    s3.create_bucket(Bucket="mpu")
    p1, p2, p3 = data(1, MIN_PART), data(2, MIN_PART), data(3, 1234)
    uid, etags = upload_parts(s3, "mpu", "obj", {1: p1, 2: p2, 3: p3},
                              ContentType="application/x-mp", Metadata={"color": "blue"},
                              CacheControl="no-store")
    r = complete(s3, "mpu", "obj", uid, etags)
    want = mpu_etag([p1, p2, p3])
    assert r["ETag"] == want
    assert r["Bucket"] == "mpu" and r["Key"] == "obj"
    h = s3.head_object(Bucket="mpu", Key="obj")
    assert h["ETag"] == want
    assert h["ContentLength"] == len(p1) + len(p2) + len(p3)
    assert h["ContentType"] == "application/x-mp"
    assert h["Metadata"] == {"color": "blue"}
    assert h["CacheControl"] == "no-store"
    assert get_bytes(s3, "mpu", "obj") == p1 + p2 + p3
    # No checksum was asked for: S3 keeps a full-object CRC64NVME, the CRC of the whole object.
    hr = s3.head_object(Bucket="mpu", Key="obj", ChecksumMode="ENABLED")["ResponseMetadata"]
    assert hr["HTTPHeaders"].get("x-amz-checksum-crc64nvme") == b64(crc64nvme(p1 + p2 + p3), 8)
    assert hr["HTTPHeaders"].get("x-amz-checksum-type") == "FULL_OBJECT"
    lst = s3.list_objects_v2(Bucket="mpu")["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in lst] == [("obj", len(p1 + p2 + p3), want)]
    # The upload is gone once completed.
    assert error_code(client_error(s3.list_parts, Bucket="mpu", Key="obj", UploadId=uid)) == \
        "NoSuchUpload"


@pytest.mark.parametrize("form", ["quoted", "unquoted", "quot", "num"])
def test_complete_accepts_every_etag_form(server, form):
    p = server.port
    assert raw(p, "PUT", "/forms").status == 200
    p1, p2 = data(10, MIN_PART), data(11, 999)
    uid, _ = raw_create(p, "forms", "k")
    for n, b in ((1, p1), (2, p2)):
        r = raw_part(p, "forms", "k", uid, n, b)
        assert r.status == 200 and r.header("ETag") == q_md5(b), show(r)
    body = complete_xml([(1, md5_hex(p1)), (2, md5_hex(p2))], form)
    r = raw_complete(p, "forms", "k", uid, body)
    assert r.status == 200, (form, body, show(r))
    x = r.xml()
    assert x.tag == "CompleteMultipartUploadResult", r.body
    assert x.findtext("Bucket") == "forms" and x.findtext("Key") == "k", r.body
    assert x.findtext("ETag") == mpu_etag([p1, p2]), r.body
    assert x.findtext("Location", "").endswith("/forms/k"), r.body
    g = raw(p, "GET", "/forms/k")
    assert g.status == 200 and g.body == p1 + p2
    assert g.header("ETag") == mpu_etag([p1, p2])


def test_complete_invalid_part(s3):
    s3.create_bucket(Bucket="badpart")
    p1, p2 = data(20, MIN_PART), data(21, 100)
    uid, etags = upload_parts(s3, "badpart", "k", {1: p1, 2: p2})

    def attempt(parts):
        return client_error(s3.complete_multipart_upload, Bucket="badpart", Key="k", UploadId=uid,
                            MultipartUpload={"Parts": parts})

    # A part number never uploaded.
    e = attempt([{"PartNumber": 1, "ETag": etags[1]}, {"PartNumber": 3, "ETag": etags[2]}])
    assert (error_code(e), http_status(e)) == ("InvalidPart", 400)
    # The right number with another part's ETag, and with a made-up one.
    e = attempt([{"PartNumber": 1, "ETag": etags[2]}, {"PartNumber": 2, "ETag": etags[2]}])
    assert (error_code(e), http_status(e)) == ("InvalidPart", 400)
    e = attempt([{"PartNumber": 1, "ETag": etags[1]},
                 {"PartNumber": 2, "ETag": q_md5(b"not the part")}])
    assert (error_code(e), http_status(e)) == ("InvalidPart", 400)
    # The failed attempts left the upload intact.
    assert [p["PartNumber"] for p in
            s3.list_parts(Bucket="badpart", Key="k", UploadId=uid)["Parts"]] == [1, 2]
    complete(s3, "badpart", "k", uid, etags)
    assert get_bytes(s3, "badpart", "k") == p1 + p2


def test_complete_invalid_part_checksum(s3):
    s3.create_bucket(Bucket="badck")
    p1, p2 = data(22, MIN_PART), data(23, 4321)
    uid = s3.create_multipart_upload(Bucket="badck", Key="k", ChecksumAlgorithm="CRC32")["UploadId"]
    parts = []
    for n, b in ((1, p1), (2, p2)):
        r = s3.upload_part(Bucket="badck", Key="k", UploadId=uid, PartNumber=n, Body=b,
                           ChecksumAlgorithm="CRC32")
        assert r["ChecksumCRC32"] == b64(crc32(b), 4), n
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    wrong = [dict(parts[0]), dict(parts[1], ChecksumCRC32=b64(crc32(b"other bytes"), 4))]
    e = client_error(s3.complete_multipart_upload, Bucket="badck", Key="k", UploadId=uid,
                     MultipartUpload={"Parts": wrong})
    assert (error_code(e), http_status(e)) == ("InvalidPart", 400)
    r = s3.complete_multipart_upload(Bucket="badck", Key="k", UploadId=uid,
                                     MultipartUpload={"Parts": parts})
    assert r["ETag"] == mpu_etag([p1, p2])


def test_complete_invalid_part_order(s3):
    s3.create_bucket(Bucket="order")
    p1, p2 = data(24, MIN_PART), data(25, 10)
    uid, etags = upload_parts(s3, "order", "k", {1: p1, 2: p2})
    for numbers in ([2, 1], [1, 1]):
        e = client_error(complete, s3, "order", "k", uid, etags, numbers)
        assert (error_code(e), http_status(e)) == ("InvalidPartOrder", 400), numbers
    assert complete(s3, "order", "k", uid, etags)["ETag"] == mpu_etag([p1, p2])


def test_complete_entity_too_small(s3):
    s3.create_bucket(Bucket="small")
    p1, p2 = data(26, MIN_PART - 1), data(27, 10)
    uid, etags = upload_parts(s3, "small", "k", {1: p1, 2: p2})
    e = client_error(complete, s3, "small", "k", uid, etags)
    assert (error_code(e), http_status(e)) == ("EntityTooSmall", 400)
    # The last part may be small: completing with part 1 alone (5 MiB - 1, the last) works.
    r = complete(s3, "small", "k", uid, etags, [1])
    assert r["ETag"] == mpu_etag([p1])
    assert get_bytes(s3, "small", "k") == p1
    # And a single tiny part is a valid upload.
    uid, etags = upload_parts(s3, "small", "tiny", {1: b"x"})
    assert complete(s3, "small", "tiny", uid, etags)["ETag"] == mpu_etag([b"x"])
    assert get_bytes(s3, "small", "tiny") == b"x"


def test_no_such_upload_everywhere(s3):
    s3.create_bucket(Bucket="nsu")
    bogus = "0123456789abcdef0123456789abcdef"
    checks = [
        lambda: s3.upload_part(Bucket="nsu", Key="k", UploadId=bogus, PartNumber=1, Body=b"x"),
        lambda: s3.complete_multipart_upload(
            Bucket="nsu", Key="k", UploadId=bogus,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": q_md5(b"x")}]}),
        lambda: s3.abort_multipart_upload(Bucket="nsu", Key="k", UploadId=bogus),
        lambda: s3.list_parts(Bucket="nsu", Key="k", UploadId=bogus),
    ]
    for i, fn in enumerate(checks):
        e = client_error(fn)
        assert (error_code(e), http_status(e)) == ("NoSuchUpload", 404), i
    # A real upload id used with another key is no upload of that key.
    uid, etags = upload_parts(s3, "nsu", "real", {1: b"part"})
    e = client_error(s3.upload_part, Bucket="nsu", Key="other", UploadId=uid, PartNumber=1,
                     Body=b"x")
    assert (error_code(e), http_status(e)) == ("NoSuchUpload", 404)
    e = client_error(complete, s3, "nsu", "other", uid, etags)
    assert (error_code(e), http_status(e)) == ("NoSuchUpload", 404)
    # After completion the id is gone for every operation.
    complete(s3, "nsu", "real", uid, etags)
    e = client_error(s3.upload_part, Bucket="nsu", Key="real", UploadId=uid, PartNumber=2,
                     Body=b"x")
    assert (error_code(e), http_status(e)) == ("NoSuchUpload", 404)
    e = client_error(s3.abort_multipart_upload, Bucket="nsu", Key="real", UploadId=uid)
    assert (error_code(e), http_status(e)) == ("NoSuchUpload", 404)
    assert get_bytes(s3, "nsu", "real") == b"part"


def test_complete_malformed_xml(server, s3):
    p = server.port
    s3.create_bucket(Bucket="malformed")
    p1 = data(28, 100)
    uid, etags = upload_parts(s3, "malformed", "k", {1: p1})
    bodies = [
        b"this is not xml <<<",
        b'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"</CompleteMultipartUpload>",
        b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>",  # truncated
    ]
    for body in bodies:
        r = raw_complete(p, "malformed", "k", uid, body)
        assert (r.status, raw_error_code(r)) == (400, "MalformedXML"), (body, show(r))
    # The upload survived the bad requests.
    r = raw_complete(p, "malformed", "k", uid, complete_xml([(1, md5_hex(p1))]))
    assert r.status == 200, show(r)
    assert get_bytes(s3, "malformed", "k") == p1


def test_upload_part_digest_mismatch_stores_nothing(server, s3):
    p = server.port
    s3.create_bucket(Bucket="digest")
    uid, _ = raw_create(p, "digest", "k", [("x-amz-checksum-algorithm", "CRC32")])
    n0 = blob_count(server.root)
    body = data(29, 70000)
    good_md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    bad_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    r = raw_part(p, "digest", "k", uid, 1, body, [("Content-MD5", bad_md5)])
    assert (r.status, raw_error_code(r)) == (400, "BadDigest"), show(r)
    r = raw_part(p, "digest", "k", uid, 1, body, [("x-amz-checksum-crc32", b64(crc32(b"x"), 4))])
    assert (r.status, raw_error_code(r)) == (400, "BadDigest"), show(r)
    assert s3.list_parts(Bucket="digest", Key="k", UploadId=uid).get("Parts", []) == []
    assert blob_count(server.root) == n0
    left = os.listdir(os.path.join(server.root, "tmp"))
    assert left == [], f"rejected parts left in tmp/: {left}"
    r = raw_part(p, "digest", "k", uid, 1, body, [("Content-MD5", good_md5),
                                                   ("x-amz-checksum-crc32", b64(crc32(body), 4))])
    assert r.status == 200 and r.header("ETag") == q_md5(body), show(r)
    assert r.header("x-amz-checksum-crc32") == b64(crc32(body), 4), r.headers
    assert [x["Size"] for x in s3.list_parts(Bucket="digest", Key="k", UploadId=uid)["Parts"]] \
        == [len(body)]


def test_conditional_complete(server, s3):
    p = server.port
    s3.create_bucket(Bucket="cond")
    s3.put_object(Bucket="cond", Key="k", Body=b"current")
    body = b"multipart version"
    xml = complete_xml([(1, md5_hex(body))])
    for hdr in (("If-None-Match", "*"), ("If-Match", q_md5(b"not current"))):
        uid, _ = raw_create(p, "cond", "k")
        assert raw_part(p, "cond", "k", uid, 1, body).status == 200
        r = raw_complete(p, "cond", "k", uid, xml, [hdr])
        assert (r.status, raw_error_code(r)) == (412, "PreconditionFailed"), (hdr, show(r))
        assert get_bytes(s3, "cond", "k") == b"current"
    uid, _ = raw_create(p, "cond", "k")
    assert raw_part(p, "cond", "k", uid, 1, body).status == 200
    r = raw_complete(p, "cond", "k", uid, xml, [("If-Match", q_md5(b"current"))])
    assert r.status == 200, show(r)
    assert get_bytes(s3, "cond", "k") == body
    # If-None-Match: * on a new key succeeds.
    uid, _ = raw_create(p, "cond", "fresh")
    assert raw_part(p, "cond", "fresh", uid, 1, body).status == 200
    r = raw_complete(p, "cond", "fresh", uid, xml, [("If-None-Match", "*")])
    assert r.status == 200, show(r)
    assert get_bytes(s3, "cond", "fresh") == body


def test_part_number_bounds(server, s3):
    p = server.port
    s3.create_bucket(Bucket="bounds")
    uid, _ = raw_create(p, "bounds", "k")
    for bad in ("0", "10001", "-1", "abc"):
        r = raw_part(p, "bounds", "k", uid, bad, b"x")
        assert (r.status, raw_error_code(r)) == (400, "InvalidArgument"), (bad, show(r))
    for ok in (1, 10000):
        r = raw_part(p, "bounds", "k", uid, ok, f"part {ok}".encode())
        assert r.status == 200 and r.header("ETag") == q_md5(f"part {ok}".encode()), (ok, show(r))
    lp = s3.list_parts(Bucket="bounds", Key="k", UploadId=uid)
    assert [(x["PartNumber"], x["Size"]) for x in lp["Parts"]] == [(1, 6), (10000, 10)]
    # Only the last part is small: parts 1 and 10000 cannot both go in, 10000 alone can.
    r = raw_complete(p, "bounds", "k", uid, complete_xml([(10000, md5_hex(b"part 10000"))]))
    assert r.status == 200, show(r)
    assert get_bytes(s3, "bounds", "k") == b"part 10000"


def test_reupload_replaces_part(server, s3):
    s3.create_bucket(Bucket="replace")
    old1, new1, p2 = data(30, MIN_PART), data(31, MIN_PART + 5), data(32, 50)
    uid, etags = upload_parts(s3, "replace", "k", {1: old1, 2: p2})
    n = blob_count(server.root)
    r = s3.upload_part(Bucket="replace", Key="k", UploadId=uid, PartNumber=1, Body=new1)
    assert r["ETag"] == q_md5(new1)
    # The replaced part's file is gone.
    assert wait_blob_count(server.root, n) == n
    lp = s3.list_parts(Bucket="replace", Key="k", UploadId=uid)["Parts"]
    assert [(x["PartNumber"], x["ETag"], x["Size"]) for x in lp] == [
        (1, q_md5(new1), len(new1)), (2, q_md5(p2), len(p2))]
    # The old ETag no longer names part 1.
    e = client_error(complete, s3, "replace", "k", uid, etags)
    assert error_code(e) == "InvalidPart"
    etags[1] = r["ETag"]
    assert complete(s3, "replace", "k", uid, etags)["ETag"] == mpu_etag([new1, p2])
    assert get_bytes(s3, "replace", "k") == new1 + p2


def test_parts_out_of_order_not_from_one_and_unused_parts_freed(server, s3):
    s3.create_bucket(Bucket="sparse")
    parts = {3: data(33, MIN_PART), 5: data(35, 777), 2: data(32, MIN_PART + 1),
             7: data(37, 99)}
    n0 = blob_count(server.root)
    uid, etags = upload_parts(s3, "sparse", "k", parts)  # uploaded 3, 5, 2, 7
    assert blob_count(server.root) == n0 + 4
    lp = s3.list_parts(Bucket="sparse", Key="k", UploadId=uid)["Parts"]
    assert [x["PartNumber"] for x in lp] == [2, 3, 5, 7]
    r = complete(s3, "sparse", "k", uid, etags, [2, 3, 5])  # part 7 left out
    want = [parts[2], parts[3], parts[5]]
    assert r["ETag"] == mpu_etag(want)
    assert get_bytes(s3, "sparse", "k") == b"".join(want)
    # The unused part 7 is freed. (Not asserted: which part GET ?partNumber=N names when the
    # upload's numbers have gaps.)
    assert wait_blob_count(server.root, n0 + 3) == n0 + 3


# --- checksums -----------------------------------------------------------------------------------
def test_crc32_composite_checksum(s3):
    s3.create_bucket(Bucket="crc32")
    parts = [data(40, MIN_PART), data(41, MIN_PART), data(42, 3333)]
    r = s3.create_multipart_upload(Bucket="crc32", Key="k", ChecksumAlgorithm="CRC32")
    assert r["ChecksumAlgorithm"] == "CRC32"
    hdrs = r["ResponseMetadata"]["HTTPHeaders"]
    assert hdrs.get("x-amz-checksum-type") == "COMPOSITE", hdrs
    uid = r["UploadId"]
    done = []
    for n, b in enumerate(parts, 1):
        pr = s3.upload_part(Bucket="crc32", Key="k", UploadId=uid, PartNumber=n, Body=b,
                            ChecksumAlgorithm="CRC32")
        assert pr["ChecksumCRC32"] == b64(crc32(b), 4), n
        done.append({"PartNumber": n, "ETag": pr["ETag"], "ChecksumCRC32": pr["ChecksumCRC32"]})
    lp = s3.list_parts(Bucket="crc32", Key="k", UploadId=uid)
    assert [x.get("ChecksumCRC32") for x in lp["Parts"]] == [b64(crc32(b), 4) for b in parts]
    want = composite([crc32(b) for b in parts], 4, crc32)
    assert want.endswith("-3")
    r = s3.complete_multipart_upload(Bucket="crc32", Key="k", UploadId=uid,
                                     MultipartUpload={"Parts": done})
    assert r["ETag"] == mpu_etag(parts)
    assert r.get("ChecksumCRC32") == want, r
    h = s3.head_object(Bucket="crc32", Key="k", ChecksumMode="ENABLED")
    assert h.get("ChecksumCRC32") == want, h
    assert h["ResponseMetadata"]["HTTPHeaders"].get("x-amz-checksum-type") == "COMPOSITE"
    assert get_bytes(s3, "crc32", "k") == b"".join(parts)


def test_crc64nvme_defaults_to_full_object(server):
    p = server.port
    assert raw(p, "PUT", "/nvme").status == 200
    p1, p2 = data(50, MIN_PART), data(51, 123457)
    whole = crc64nvme(p1 + p2)
    uid, r = raw_create(p, "nvme", "k", [("x-amz-checksum-algorithm", "CRC64NVME")])
    assert r.header("x-amz-checksum-algorithm") == "CRC64NVME", r.headers
    assert r.header("x-amz-checksum-type") == "FULL_OBJECT", r.headers
    cks = {}
    for n, b in ((1, p1), (2, p2)):
        v = b64(crc64nvme(b), 8)
        cks[n] = ("CRC64NVME", v)
        r = raw_part(p, "nvme", "k", uid, n, b, [("x-amz-checksum-crc64nvme", v)])
        assert r.status == 200, show(r)
        assert r.header("x-amz-checksum-crc64nvme") == v, r.headers
    body = complete_xml([(1, md5_hex(p1)), (2, md5_hex(p2))], checksums=cks)
    r = raw_complete(p, "nvme", "k", uid, body)
    assert r.status == 200, show(r)
    x = r.xml()
    assert x.findtext("ChecksumCRC64NVME") == b64(whole, 8), r.body
    assert x.findtext("ChecksumType") == "FULL_OBJECT", r.body
    assert x.findtext("ETag") == mpu_etag([p1, p2])
    h = raw(p, "HEAD", "/nvme/k", headers=[("x-amz-checksum-mode", "ENABLED")])
    assert h.status == 200, h
    assert h.header("x-amz-checksum-crc64nvme") == b64(whole, 8), h.headers
    assert h.header("x-amz-checksum-type") == "FULL_OBJECT", h.headers
    g = raw(p, "GET", "/nvme/k")
    assert g.body == p1 + p2


@pytest.mark.parametrize("alg", ["CRC32", "CRC64NVME"])
def test_complete_with_full_object_checksum_header(server, alg):
    """CompleteMultipartUpload's x-amz-checksum-<alg> header is the checksum of the whole object
    (FULL_OBJECT): the right one completes, a wrong one is BadDigest."""
    p = server.port
    assert raw(p, "PUT", "/fullhdr").status == 200
    fn, nbytes = (crc32, 4) if alg == "CRC32" else (crc64nvme, 8)
    hdr = f"x-amz-checksum-{alg.lower()}"
    p1, p2 = data(54, MIN_PART), data(55, 1000)
    v1, v2 = b64(fn(p1), nbytes), b64(fn(p2), nbytes)
    whole = b64(fn(p1 + p2), nbytes)
    wrong = b64(fn(b"something else"), nbytes)
    body = complete_xml([(1, md5_hex(p1)), (2, md5_hex(p2))],
                        checksums={1: (alg, v1), 2: (alg, v2)})
    results = {}
    for key, sent in (("wrong", wrong), ("right", whole)):
        uid, _ = raw_create(p, "fullhdr", key, [("x-amz-checksum-algorithm", alg),
                                                ("x-amz-checksum-type", "FULL_OBJECT")])
        for n, b, v in ((1, p1, v1), (2, p2, v2)):
            r = raw_part(p, "fullhdr", key, uid, n, b, [(hdr, v)])
            assert r.status == 200, show(r)
        results[key] = raw_complete(p, "fullhdr", key, uid, body,
                                    [(hdr, sent), ("x-amz-checksum-type", "FULL_OBJECT")])
    r = results["right"]
    assert r.status == 200, f"Complete with {hdr}: {whole} (the whole object's) -> {show(r)}"
    assert r.xml().findtext(f"Checksum{alg}") == whole, r.body
    h = raw(p, "HEAD", "/fullhdr/right", headers=[("x-amz-checksum-mode", "ENABLED")])
    assert h.header(hdr) == whole, h.headers
    r = results["wrong"]
    assert (r.status, raw_error_code(r)) == (400, "BadDigest"), show(r)
    assert raw(p, "GET", "/fullhdr/wrong").status == 404


def test_crc32c_full_object(server):
    p = server.port
    assert raw(p, "PUT", "/c32c").status == 200
    p1, p2 = data(52, MIN_PART), data(53, 65537)
    uid, r = raw_create(p, "c32c", "k", [("x-amz-checksum-algorithm", "CRC32C"),
                                         ("x-amz-checksum-type", "FULL_OBJECT")])
    assert r.header("x-amz-checksum-type") == "FULL_OBJECT", r.headers
    # A part sent with another algorithm than the upload's is refused.
    r = raw_part(p, "c32c", "k", uid, 1, p2, [("x-amz-checksum-crc32", b64(crc32(p2), 4))])
    assert r.status == 400, show(r)
    # Part 1 with its checksum in a header, part 2 aws-chunked with the checksum in a trailer.
    v1 = b64(crc32c(p1), 4)
    r = raw_part(p, "c32c", "k", uid, 1, p1, [("x-amz-checksum-crc32c", v1)])
    assert r.status == 200 and r.header("x-amz-checksum-crc32c") == v1, show(r)
    v2 = b64(crc32c(p2), 4)
    half = len(p2) // 2
    chunked = (f"{half:x}\r\n".encode() + p2[:half] + b"\r\n" +
               f"{len(p2) - half:x}\r\n".encode() + p2[half:] + b"\r\n" +
               b"0\r\n" + f"x-amz-checksum-crc32c:{v2}\r\n\r\n".encode())
    r = raw_part(p, "c32c", "k", uid, 2, chunked, [
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        ("x-amz-decoded-content-length", str(len(p2))),
        ("x-amz-trailer", "x-amz-checksum-crc32c")])
    assert r.status == 200, show(r)
    assert r.header("ETag") == q_md5(p2), r.headers
    assert r.header("x-amz-checksum-crc32c") == v2, r.headers
    body = complete_xml([(1, md5_hex(p1)), (2, md5_hex(p2))],
                        checksums={1: ("CRC32C", v1), 2: ("CRC32C", v2)})
    r = raw_complete(p, "c32c", "k", uid, body)
    assert r.status == 200, show(r)
    whole = b64(crc32c(p1 + p2), 4)
    assert r.xml().findtext("ChecksumCRC32C") == whole, r.body
    h = raw(p, "HEAD", "/c32c/k", headers=[("x-amz-checksum-mode", "ENABLED")])
    assert h.header("x-amz-checksum-crc32c") == whole, h.headers
    assert h.header("x-amz-checksum-type") == "FULL_OBJECT", h.headers
    assert raw(p, "GET", "/c32c/k").body == p1 + p2


@pytest.mark.parametrize("alg,typ", [("CRC64NVME", "COMPOSITE"), ("SHA256", "FULL_OBJECT"),
                                     ("SHA1", "FULL_OBJECT"), ("CRC32", "BOGUS"),
                                     ("MD5", "COMPOSITE"), ("", "FULL_OBJECT")])
def test_invalid_checksum_combinations_rejected(server, alg, typ):
    p = server.port
    assert raw(p, "PUT", "/combo").status == 200
    headers = [("x-amz-checksum-type", typ)]
    if alg:
        headers.append(("x-amz-checksum-algorithm", alg))
    r = raw(p, "POST", "/combo/k?uploads", headers=headers)
    assert r.status == 400, (alg, typ, show(r))
    assert raw_error_code(r) in ("InvalidRequest", "InvalidArgument"), r.body
    lst = raw(p, "GET", "/combo?uploads").xml()
    assert lst.findall("Upload") == [], "a rejected Create left an upload behind"


@pytest.mark.parametrize("alg,typ", [("CRC32", "FULL_OBJECT"), ("CRC32C", "COMPOSITE"),
                                     ("SHA256", "COMPOSITE"), ("SHA1", "COMPOSITE"),
                                     ("CRC64NVME", "FULL_OBJECT")])
def test_valid_checksum_combinations_accepted(server, alg, typ):
    p = server.port
    assert raw(p, "PUT", "/combo").status == 200
    uid, r = raw_create(p, "combo", "k", [("x-amz-checksum-algorithm", alg),
                                          ("x-amz-checksum-type", typ)])
    assert r.header("x-amz-checksum-type") == typ, r.headers
    lp = raw(p, "GET", f"/combo/k?uploadId={uid}").xml()
    assert (lp.findtext("ChecksumAlgorithm"), lp.findtext("ChecksumType")) == (alg, typ), lp


# --- UploadPartCopy ------------------------------------------------------------------------------
def test_upload_part_copy(server, s3):
    s3.create_bucket(Bucket="cpy")
    simple = data(60, 6 * MIB)
    s3.put_object(Bucket="cpy", Key="simple", Body=simple)
    m1, m2 = data(61, MIN_PART), data(62, 2 * MIB)
    uid, etags = upload_parts(s3, "cpy", "multi", {1: m1, 2: m2})
    complete(s3, "cpy", "multi", uid, etags)
    multi = m1 + m2

    uid = s3.create_multipart_upload(Bucket="cpy", Key="dst")["UploadId"]
    # Whole objects, no range: a single-file source and a multipart source.
    r = s3.upload_part_copy(Bucket="cpy", Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": "cpy", "Key": "simple"})
    assert r["CopyPartResult"]["ETag"] == q_md5(simple)
    r = s3.upload_part_copy(Bucket="cpy", Key="dst", UploadId=uid, PartNumber=2,
                            CopySource="cpy/multi")
    assert r["CopyPartResult"]["ETag"] == q_md5(multi)
    # A range crossing the boundary between the source's two part files.
    a, b = MIN_PART - 1000, MIN_PART + 999
    crossing = multi[a:b + 1]
    assert len(crossing) == 2000 and crossing[:1000] == m1[-1000:] and crossing[1000:] == m2[:1000]
    r = s3.upload_part_copy(Bucket="cpy", Key="dst", UploadId=uid, PartNumber=4,
                            CopySource={"Bucket": "cpy", "Key": "multi"},
                            CopySourceRange=f"bytes={a}-{b}")
    assert r["CopyPartResult"]["ETag"] == q_md5(crossing)
    # A range inside one file of the single-part source.
    inner = simple[100:MIN_PART + 100]
    r = s3.upload_part_copy(Bucket="cpy", Key="dst", UploadId=uid, PartNumber=3,
                            CopySource={"Bucket": "cpy", "Key": "simple"},
                            CopySourceRange=f"bytes=100-{MIN_PART + 99}")
    assert r["CopyPartResult"]["ETag"] == q_md5(inner)

    # Copy-source conditions.
    e = client_error(s3.upload_part_copy, Bucket="cpy", Key="dst", UploadId=uid, PartNumber=5,
                     CopySource={"Bucket": "cpy", "Key": "simple"},
                     CopySourceIfMatch=q_md5(b"not the source"))
    assert (error_code(e), http_status(e)) == ("PreconditionFailed", 412)
    e = client_error(s3.upload_part_copy, Bucket="cpy", Key="dst", UploadId=uid, PartNumber=5,
                     CopySource={"Bucket": "cpy", "Key": "simple"},
                     CopySourceIfNoneMatch=q_md5(simple))
    assert (error_code(e), http_status(e)) == ("PreconditionFailed", 412)
    r = s3.upload_part_copy(Bucket="cpy", Key="dst", UploadId=uid, PartNumber=5,
                            CopySource={"Bucket": "cpy", "Key": "multi"},
                            CopySourceIfMatch=mpu_etag([m1, m2]), CopySourceRange="bytes=0-9")
    assert r["CopyPartResult"]["ETag"] == q_md5(multi[:10])
    # A missing source.
    e = client_error(s3.upload_part_copy, Bucket="cpy", Key="dst", UploadId=uid, PartNumber=6,
                     CopySource={"Bucket": "cpy", "Key": "missing"})
    assert (error_code(e), http_status(e)) == ("NoSuchKey", 404)

    lp = s3.list_parts(Bucket="cpy", Key="dst", UploadId=uid)["Parts"]
    pieces = [simple, multi, inner, crossing, multi[:10]]
    assert [(x["PartNumber"], x["Size"], x["ETag"]) for x in lp] == [
        (i + 1, len(pc), q_md5(pc)) for i, pc in enumerate(pieces)]
    parts = [{"PartNumber": x["PartNumber"], "ETag": x["ETag"]} for x in lp]
    # Part 4 (2000 bytes) is not last: too small.
    e = client_error(s3.complete_multipart_upload, Bucket="cpy", Key="dst", UploadId=uid,
                     MultipartUpload={"Parts": parts})
    assert error_code(e) == "EntityTooSmall"
    r = s3.complete_multipart_upload(Bucket="cpy", Key="dst", UploadId=uid,
                                     MultipartUpload={"Parts": parts[:4]})
    assert r["ETag"] == mpu_etag(pieces[:4])
    assert get_bytes(s3, "cpy", "dst") == b"".join(pieces[:4])
    # The sources are untouched.
    assert get_bytes(s3, "cpy", "multi") == multi
    assert get_bytes(s3, "cpy", "simple") == simple


def test_copy_source_range_with_space_or_sign_is_invalid_argument(server, s3):
    """sscanf let "bytes=1- 2" and friends through as a range (found by fuzz_range): only
    bytes=first-last in digits is a range; anything else is InvalidArgument and no part."""
    s3.put_object(Bucket="cpyr", Key="src", Body=b"0123456789")
    uid = s3.create_multipart_upload(Bucket="cpyr", Key="dst")["UploadId"]
    for bad in ("bytes=1- 2", "bytes= 1-2", "bytes=+1-2", "bytes=-0-5"):
        r = raw(server.port, "PUT", f"/cpyr/dst?partNumber=1&uploadId={uid}",
                headers=[("x-amz-copy-source", "/cpyr/src"), ("x-amz-copy-source-range", bad)])
        assert r.status == 400, (bad, r.status, r.body)
        assert r.xml().findtext("Code") == "InvalidArgument", (bad, r.body)
    assert s3.list_parts(Bucket="cpyr", Key="dst", UploadId=uid).get("Parts", []) == []
    r = raw(server.port, "PUT", f"/cpyr/dst?partNumber=1&uploadId={uid}",
            headers=[("x-amz-copy-source", "/cpyr/src"), ("x-amz-copy-source-range", "bytes=1-2")])
    assert r.status == 200, r.body
    assert s3.list_parts(Bucket="cpyr", Key="dst", UploadId=uid)["Parts"][0]["Size"] == 2


def test_upload_part_copy_into_checksummed_upload(server, s3):
    p = server.port
    s3.create_bucket(Bucket="cpyck")
    src = data(63, MIN_PART + 11)
    s3.put_object(Bucket="cpyck", Key="src", Body=src)
    uid, _ = raw_create(p, "cpyck", "k", [("x-amz-checksum-algorithm", "CRC32")])
    r = raw(p, "PUT", f"/cpyck/k?partNumber=1&uploadId={uid}",
            headers=[("x-amz-copy-source", "/cpyck/src"), ("Content-Length", "0")])
    assert r.status == 200, show(r)
    x = r.xml()
    assert x.tag == "CopyPartResult", r.body
    assert x.findtext("ETag") == q_md5(src)
    assert x.findtext("ChecksumCRC32") == b64(crc32(src), 4), r.body
    tail = data(64, 999)
    r = raw_part(p, "cpyck", "k", uid, 2, tail, [("x-amz-checksum-crc32", b64(crc32(tail), 4))])
    assert r.status == 200, show(r)
    r = raw_complete(p, "cpyck", "k", uid, complete_xml(
        [(1, md5_hex(src)), (2, md5_hex(tail))],
        checksums={1: ("CRC32", b64(crc32(src), 4)), 2: ("CRC32", b64(crc32(tail), 4))}))
    assert r.status == 200, show(r)
    want = composite([crc32(src), crc32(tail)], 4, crc32)
    assert r.xml().findtext("ChecksumCRC32") == want, r.body
    h = s3.head_object(Bucket="cpyck", Key="k", ChecksumMode="ENABLED")
    assert h.get("ChecksumCRC32") == want
    assert get_bytes(s3, "cpyck", "k") == src + tail


# --- abort, listings -----------------------------------------------------------------------------
def test_abort_frees_parts(server, s3):
    s3.create_bucket(Bucket="abort")
    s3.put_object(Bucket="abort", Key="other", Body=b"stays")
    n0 = blob_count(server.root)
    assert n0 >= 1
    uid, etags = upload_parts(s3, "abort", "k", {1: data(70, 1000), 2: data(71, 2000),
                                                 3: data(72, 3000)})
    assert blob_count(server.root) == n0 + 3
    r = s3.abort_multipart_upload(Bucket="abort", Key="k", UploadId=uid)
    assert http_status(r) == 204
    assert wait_blob_count(server.root, n0) == n0
    e = client_error(s3.list_parts, Bucket="abort", Key="k", UploadId=uid)
    assert (error_code(e), http_status(e)) == ("NoSuchUpload", 404)
    e = client_error(complete, s3, "abort", "k", uid, etags)
    assert error_code(e) == "NoSuchUpload"
    assert s3.list_multipart_uploads(Bucket="abort").get("Uploads", []) == []
    assert get_bytes(s3, "abort", "other") == b"stays"
    client_error(s3.head_object, Bucket="abort", Key="k")


def test_list_parts_pagination(s3):
    s3.create_bucket(Bucket="lparts")
    nums = [1, 2, 4, 7, 9]
    parts = {n: data(80 + n, 100 + n) for n in nums}
    uid, _ = upload_parts(s3, "lparts", "k", parts)
    seen, marker, pages = [], 0, 0
    while True:
        r = s3.list_parts(Bucket="lparts", Key="k", UploadId=uid, MaxParts=2,
                          PartNumberMarker=marker)
        pages += 1
        assert r["MaxParts"] == 2 and r["PartNumberMarker"] == marker
        assert len(r["Parts"]) <= 2
        seen += [(x["PartNumber"], x["Size"], x["ETag"]) for x in r["Parts"]]
        if not r["IsTruncated"]:
            break
        assert r["NextPartNumberMarker"] == r["Parts"][-1]["PartNumber"]
        marker = r["NextPartNumberMarker"]
        assert pages < 10
    assert pages == 3
    assert seen == [(n, len(parts[n]), q_md5(parts[n])) for n in nums]
    # A marker between part numbers starts after it; past the last gives nothing.
    r = s3.list_parts(Bucket="lparts", Key="k", UploadId=uid, PartNumberMarker=3)
    assert [x["PartNumber"] for x in r["Parts"]] == [4, 7, 9] and not r["IsTruncated"]
    r = s3.list_parts(Bucket="lparts", Key="k", UploadId=uid, PartNumberMarker=9)
    assert r.get("Parts", []) == [] and not r["IsTruncated"]
    # The default lists them all, with the upload's identity.
    r = s3.list_parts(Bucket="lparts", Key="k", UploadId=uid)
    assert [x["PartNumber"] for x in r["Parts"]] == nums and not r["IsTruncated"]
    assert (r["Bucket"], r["Key"], r["UploadId"]) == ("lparts", "k", uid)


def test_list_multipart_uploads(s3):
    s3.create_bucket(Bucket="lups")
    s3.create_bucket(Bucket="lups-other")
    s3.create_multipart_upload(Bucket="lups-other", Key="a/1")
    order = []  # (key, upload id) in the order S3 lists them: by key, then by initiation
    for key in ["a/1", "c", "a/2", "a/1", "b/x", "c", "d", "a/1", "ü k"]:
        uid = s3.create_multipart_upload(Bucket="lups", Key=key)["UploadId"]
        order.append((key, uid))
        time.sleep(0.005)  # distinct initiation times
    expected = sorted(order, key=lambda ku: (ku[0].encode(), order.index(ku)))

    def ups(r):
        return [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]

    def cps(r):
        return [c["Prefix"] for c in r.get("CommonPrefixes", [])]

    r = s3.list_multipart_uploads(Bucket="lups")
    assert ups(r) == expected and not r["IsTruncated"]
    assert all(u["Initiated"] for u in r["Uploads"])

    r = s3.list_multipart_uploads(Bucket="lups", Prefix="a/")
    assert ups(r) == [ku for ku in expected if ku[0].startswith("a/")]
    assert r["Prefix"] == "a/"

    r = s3.list_multipart_uploads(Bucket="lups", Delimiter="/")
    assert cps(r) == ["a/", "b/"]
    assert ups(r) == [ku for ku in expected if "/" not in ku[0]]
    r = s3.list_multipart_uploads(Bucket="lups", Prefix="a/", Delimiter="/")
    assert cps(r) == [] and len(ups(r)) == 4

    r = s3.list_multipart_uploads(Bucket="lups", MaxUploads=3)
    assert r["MaxUploads"] == 3 and r["IsTruncated"]
    assert ups(r) == expected[:3]
    assert (r["NextKeyMarker"], r["NextUploadIdMarker"]) == expected[2]

    # key-marker alone: uploads of later keys only.
    r = s3.list_multipart_uploads(Bucket="lups", KeyMarker="a/1")
    assert ups(r) == [ku for ku in expected if ku[0] > "a/1"]
    # key-marker and upload-id-marker: the rest of that key's uploads, then later keys.
    a1 = [ku for ku in expected if ku[0] == "a/1"]
    r = s3.list_multipart_uploads(Bucket="lups", KeyMarker="a/1", UploadIdMarker=a1[0][1])
    assert ups(r) == expected[1:]
    # upload-id-marker without key-marker is ignored.
    r = s3.list_multipart_uploads(Bucket="lups", UploadIdMarker=a1[0][1])
    assert ups(r) == expected

    # Paging by markers, two at a time, visits every upload once, in order.
    for page_size in (1, 2, 3):
        seen, kw, pages = [], {}, 0
        while True:
            r = s3.list_multipart_uploads(Bucket="lups", MaxUploads=page_size, **kw)
            pages += 1
            assert len(ups(r)) <= page_size
            seen += ups(r)
            if not r["IsTruncated"]:
                break
            kw = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r["NextUploadIdMarker"]}
            assert pages <= len(expected) + 1
        assert seen == expected, page_size
        assert pages == -(-len(expected) // page_size), (page_size, pages)

    # With a delimiter, a page can end on a common prefix; paging resumes after it.
    seen_u, seen_p, kw = [], [], {}
    for _ in range(10):
        r = s3.list_multipart_uploads(Bucket="lups", Delimiter="/", MaxUploads=1, **kw)
        assert len(ups(r)) + len(cps(r)) == 1, r
        seen_u += ups(r)
        seen_p += cps(r)
        if not r["IsTruncated"]:
            break
        kw = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r.get("NextUploadIdMarker", "")}
    assert seen_p == ["a/", "b/"]
    assert seen_u == [ku for ku in expected if "/" not in ku[0]]

    # Completing and aborting take uploads out of the listing.
    assert ups(s3.list_multipart_uploads(Bucket="lups", Prefix="zz")) == []
    s3.abort_multipart_upload(Bucket="lups", Key="d", UploadId=dict(order)["d"])
    r = s3.list_multipart_uploads(Bucket="lups")
    assert ups(r) == [ku for ku in expected if ku[0] != "d"]
    assert len(ups(s3.list_multipart_uploads(Bucket="lups-other"))) == 1


def test_uploads_in_progress_never_listed_as_objects(s3):
    s3.create_bucket(Bucket="hidden")
    s3.put_object(Bucket="hidden", Key="done", Body=b"done v1")
    uid1, _ = upload_parts(s3, "hidden", "wip", {1: b"part one"})
    uid2, _ = upload_parts(s3, "hidden", "done", {1: b"a new version in progress"})
    uid3, _ = upload_parts(s3, "hidden", "dir/wip", {2: b"x"})
    r = s3.list_objects_v2(Bucket="hidden")
    assert [(o["Key"], o["Size"], o["ETag"]) for o in r["Contents"]] == [
        ("done", 7, q_md5(b"done v1"))]
    r = s3.list_objects_v2(Bucket="hidden", Delimiter="/")
    assert r.get("CommonPrefixes", []) == [] and r["KeyCount"] == 1
    assert [o["Key"] for o in s3.list_objects(Bucket="hidden")["Contents"]] == ["done"]
    assert error_code(client_error(s3.head_object, Bucket="hidden", Key="wip")) == "404"
    assert error_code(client_error(s3.get_object, Bucket="hidden", Key="dir/wip")) == "NoSuchKey"
    assert get_bytes(s3, "hidden", "done") == b"done v1"
    # Completing makes the object appear.
    r = s3.complete_multipart_upload(Bucket="hidden", Key="wip", UploadId=uid1, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": q_md5(b"part one")}]})
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="hidden")["Contents"]]
    assert keys == ["done", "wip"]


def test_overwrite_and_delete_free_multipart_parts(server, s3):
    s3.create_bucket(Bucket="free")
    s3.put_object(Bucket="free", Key="other", Body=b"other")
    n0 = blob_count(server.root)
    parts = {1: data(90, MIN_PART), 2: data(91, MIN_PART), 3: data(92, 4096)}
    uid, etags = upload_parts(s3, "free", "k", parts)
    complete(s3, "free", "k", uid, etags)
    assert blob_count(server.root) == n0 + 3
    # Overwrite with a plain PUT: the three part files go, one new file comes.
    s3.put_object(Bucket="free", Key="k", Body=b"small now")
    assert wait_blob_count(server.root, n0 + 1) == n0 + 1
    assert get_bytes(s3, "free", "k") == b"small now"
    # Overwrite a plain object with a multipart one, then that with another multipart one.
    uid, etags = upload_parts(s3, "free", "k", parts)
    complete(s3, "free", "k", uid, etags)
    assert wait_blob_count(server.root, n0 + 3) == n0 + 3
    p2 = {1: data(93, MIN_PART), 2: data(94, 10)}
    uid, etags = upload_parts(s3, "free", "k", p2)
    complete(s3, "free", "k", uid, etags)
    assert wait_blob_count(server.root, n0 + 2) == n0 + 2
    assert get_bytes(s3, "free", "k") == p2[1] + p2[2]
    # Delete: nothing of it is left.
    s3.delete_object(Bucket="free", Key="k")
    assert wait_blob_count(server.root, n0) == n0
    # DeleteObjects frees a multipart object's parts too.
    uid, etags = upload_parts(s3, "free", "k2", parts)
    complete(s3, "free", "k2", uid, etags)
    assert blob_count(server.root) == n0 + 3
    r = s3.delete_objects(Bucket="free", Delete={"Objects": [{"Key": "k2"}]})
    assert [d["Key"] for d in r["Deleted"]] == ["k2"]
    assert wait_blob_count(server.root, n0) == n0
    assert get_bytes(s3, "free", "other") == b"other"


# --- reads ---------------------------------------------------------------------------------------
def test_get_and_head_by_part_number_and_ranges(server, s3):
    s3.create_bucket(Bucket="pnum")
    parts = [data(100 + i, n) for i, n in enumerate((MIN_PART, MIN_PART + 7, 1000))]
    uid, etags = upload_parts(s3, "pnum", "k", dict(enumerate(parts, 1)))
    complete(s3, "pnum", "k", uid, etags)
    whole = b"".join(parts)
    etag = mpu_etag(parts)
    start = 0
    for n, pb in enumerate(parts, 1):
        g = s3.get_object(Bucket="pnum", Key="k", PartNumber=n)
        assert http_status(g) == 206, n
        assert g["Body"].read() == pb, n
        assert g["PartsCount"] == 3
        assert g["ResponseMetadata"]["HTTPHeaders"]["x-amz-mp-parts-count"] == "3"
        assert g["ContentLength"] == len(pb)
        assert g["ContentRange"] == f"bytes {start}-{start + len(pb) - 1}/{len(whole)}", n
        assert g["ETag"] == etag
        h = s3.head_object(Bucket="pnum", Key="k", PartNumber=n)
        assert http_status(h) == 206 and h["PartsCount"] == 3 and h["ContentLength"] == len(pb)
        start += len(pb)
    e = client_error(s3.get_object, Bucket="pnum", Key="k", PartNumber=4)
    assert (error_code(e), http_status(e)) == ("InvalidPartNumber", 416)
    e = client_error(s3.head_object, Bucket="pnum", Key="k", PartNumber=4)
    assert http_status(e) == 416
    r = raw(server.port, "GET", "/pnum/k?partNumber=0")
    assert (r.status, raw_error_code(r)) == (400, "InvalidArgument"), show(r)
    r = raw(server.port, "GET", "/pnum/k?partNumber=10001")
    assert (r.status, raw_error_code(r)) == (400, "InvalidArgument"), show(r)
    r = raw(server.port, "GET", "/pnum/k?partNumber=1", headers=[("Range", "bytes=0-1")])
    assert r.status == 400, show(r)

    # Ranges that cross part files.
    b1 = len(parts[0])
    b2 = b1 + len(parts[1])
    for a, b in ((b1 - 10, b1 + 9), (b1 - 1, b1), (b1, b1), (b2 - 3, len(whole) - 1),
                 (0, len(whole) - 1), (b1 - 100, b2 + 100), (5, b1 - 1)):
        g = s3.get_object(Bucket="pnum", Key="k", Range=f"bytes={a}-{b}")
        assert http_status(g) == 206
        assert g["ContentRange"] == f"bytes {a}-{b}/{len(whole)}"
        assert g["Body"].read() == whole[a:b + 1], (a, b)
    g = s3.get_object(Bucket="pnum", Key="k", Range="bytes=-1010")
    assert g["Body"].read() == whole[-1010:]
    g = s3.get_object(Bucket="pnum", Key="k", Range=f"bytes={b1 - 5}-")
    assert g["Body"].read() == whole[b1 - 5:]
    # Many small reads across boundaries over one keep-alive connection.
    with RawConn(server.port) as c:
        for a in (b1 - 1, b2 - 1, b1 - 3, b2 - 2):
            r = c.request("GET", "/pnum/k", headers=[("Range", f"bytes={a}-{a + 3}")])
            assert r.status == 206 and r.body == whole[a:a + 4], a
    assert get_bytes(s3, "pnum", "k") == whole


@disk_only("restarts on the same root")
def test_restart_with_upload_in_progress(server, s3):
    s3.create_bucket(Bucket="restart")
    p1, p2, p3 = data(110, MIN_PART), data(111, MIN_PART), data(112, 5555)
    uid = s3.create_multipart_upload(Bucket="restart", Key="dir/k",
                                     ContentType="application/x-restart",
                                     Metadata={"when": "before"})["UploadId"]
    e1 = s3.upload_part(Bucket="restart", Key="dir/k", UploadId=uid, PartNumber=1,
                        Body=p1)["ETag"]
    server.restart()
    s3 = server.client()
    r = s3.list_multipart_uploads(Bucket="restart")
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == [("dir/k", uid)]
    lp = s3.list_parts(Bucket="restart", Key="dir/k", UploadId=uid)["Parts"]
    assert [(x["PartNumber"], x["ETag"], x["Size"]) for x in lp] == [(1, q_md5(p1), len(p1))]
    e3 = s3.upload_part(Bucket="restart", Key="dir/k", UploadId=uid, PartNumber=3,
                        Body=p3)["ETag"]
    e2 = s3.upload_part(Bucket="restart", Key="dir/k", UploadId=uid, PartNumber=2,
                        Body=p2)["ETag"]
    r = s3.complete_multipart_upload(Bucket="restart", Key="dir/k", UploadId=uid,
                                     MultipartUpload={"Parts": [
                                         {"PartNumber": 1, "ETag": e1},
                                         {"PartNumber": 2, "ETag": e2},
                                         {"PartNumber": 3, "ETag": e3}]})
    assert r["ETag"] == mpu_etag([p1, p2, p3])
    g = s3.get_object(Bucket="restart", Key="dir/k")
    assert g["Body"].read() == p1 + p2 + p3
    assert g["ContentType"] == "application/x-restart" and g["Metadata"] == {"when": "before"}
    assert s3.list_multipart_uploads(Bucket="restart").get("Uploads", []) == []
    # And the object survives another restart.
    server.restart()
    s3 = server.client()
    assert get_bytes(s3, "restart", "dir/k") == p1 + p2 + p3
    assert s3.head_object(Bucket="restart", Key="dir/k")["ETag"] == mpu_etag([p1, p2, p3])


def test_get_running_while_multipart_object_overwritten(server, s3):
    s3.create_bucket(Bucket="race")
    parts = [data(120, MIN_PART), data(121, MIN_PART), data(122, MIN_PART), data(123, 4321)]
    uid, etags = upload_parts(s3, "race", "k", dict(enumerate(parts, 1)))
    complete(s3, "race", "k", uid, etags)
    old = b"".join(parts)
    n_before = blob_count(server.root)
    assert n_before == 4

    g = s3.get_object(Bucket="race", Key="k")
    assert g["ContentLength"] == len(old)
    head = g["Body"].read(64 * 1024)
    assert head == old[:64 * 1024]
    other = server.client()
    new = data(124, 3 * MIB)
    other.put_object(Bucket="race", Key="k", Body=new)
    assert get_bytes(other, "race", "k") == new
    # The running GET still streams the old parts, which are still on disk.
    rest = g["Body"].read()
    assert head + rest == old
    g["Body"].close()
    # Once that reader is done the old parts are freed; only the new object remains.
    assert wait_blob_count(server.root, 1) == 1

    # The same with a multipart overwrite and a ranged GET across part files.
    uid, etags = upload_parts(s3, "race", "k", dict(enumerate(parts, 1)))
    complete(s3, "race", "k", uid, etags)
    assert wait_blob_count(server.root, 4) == 4
    a = MIN_PART - 1000
    g = s3.get_object(Bucket="race", Key="k", Range=f"bytes={a}-")
    head = g["Body"].read(1)
    p2 = {1: data(125, MIN_PART), 2: data(126, 10)}
    uid, etags = upload_parts(other, "race", "k", p2)
    complete(other, "race", "k", uid, etags)
    rest = g["Body"].read()
    assert head + rest == old[a:]
    g["Body"].close()
    assert get_bytes(s3, "race", "k") == p2[1] + p2[2]
    assert wait_blob_count(server.root, 2) == 2


# --- long completions ----------------------------------------------------------------------------
# The commit of a completion writes metadata only, so it is slow only when another writer holds the
# database. The tests make it slow that way: a second SQLite connection to the server's meta.db
# holds the write lock (BEGIN IMMEDIATE) while the completion is sent, and lets go later.
class WriteLock:
    """Holds meta.db's write lock from construction until release(), or until `seconds` later on
    a timer thread when given; as a context manager, leaving releases it (or waits for the
    timer)."""

    def __init__(self, server, seconds=None):
        self.db = sqlite3.connect(os.path.join(server.root, "meta.db"), isolation_level=None,
                                  check_same_thread=False, timeout=10)
        self.db.execute("BEGIN IMMEDIATE")
        self.released = False
        self.timer = None
        if seconds is not None:
            self.timer = threading.Timer(seconds, self.release)
            self.timer.start()

    def release(self):
        if self.released:
            return
        self.released = True
        self.db.execute("COMMIT")
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.timer:
            self.timer.join()
        self.release()


class ChunkedBody:
    """A chunked response read piece by piece on RawConn c: the head at construction, then
    next() gives each chunk's bytes, None after the last."""

    def __init__(self, c):
        self.c = c
        while b"\r\n\r\n" not in c.buf:
            c._fill()
        head, c.buf = c.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip()
                        for k, _, v in (ln.partition(":") for ln in lines[1:])}
        assert "chunked" in self.headers.get("transfer-encoding", ""), self.headers
        self.chunks = []

    def next(self):
        size = int(self.c._read_line().split(b";")[0], 16)
        if size == 0:
            assert self.c._read_line() == b""
            return None
        chunk = self.c._read_exact(size)
        assert self.c._read_exact(2) == b"\r\n"
        self.chunks.append(chunk)
        return chunk

    def until_space(self):
        """Reads up to the first whitespace keep-alive chunk: the commit is still blocked then."""
        while True:
            chunk = self.next()
            assert chunk is not None, self.chunks
            if chunk and chunk.strip() == b"":
                return

    def rest(self):
        while self.next() is not None:
            pass
        return b"".join(self.chunks)


def long_completion(server, bucket, key, uid, xml, headers=()):
    """Sends a completion while the write lock is held, and releases the lock only once the
    answer has gone long: its head, the declaration and one keep-alive space have arrived (the
    server sends those only while the commit waits). Returns (conn, body reader, whole body); the
    caller closes conn."""
    lock = WriteLock(server)
    c = RawConn(server.port)
    try:
        c.send_head("POST", f"/{bucket}/{key}?uploadId={uid}",
                    [("Content-Length", str(len(xml)))] + list(headers), body=xml)
        b = ChunkedBody(c)
        b.until_space()
    finally:
        lock.release()
    return c, b, b.rest()


def test_long_completion_sends_200_then_spaces_then_result(server, s3):
    """S3's answer to a completion that takes a while: 200 and the XML declaration at once, spaces
    while it works, then the result; the connection stays usable for the next request."""
    parts = {1: data(61, MIN_PART), 2: data(62, 1000)}
    s3.create_bucket(Bucket="slow")
    uid, etags = upload_parts(s3, "slow", "k", parts)
    xml = complete_xml([(n, etags[n].strip('"')) for n in sorted(etags)])
    c, b, body = long_completion(server, "slow", "k", uid, xml)
    with c:
        assert b.status == 200
        assert b.headers["content-type"] == "application/xml"
        assert b.chunks[0] == b'<?xml version="1.0" encoding="UTF-8"?>\n', b.chunks[:3]
        spaces = b.chunks[1:-1]
        assert spaces and all(x.strip() == b"" for x in spaces), b.chunks
        # The result, after the release, parses, whitespace and all.
        x = parse_xml(body)
        assert x.tag == "CompleteMultipartUploadResult", body
        assert x.findtext("ETag") == mpu_etag([parts[1], parts[2]])
        # Keep-alive: the same connection answers the next request.
        r = c.request("GET", "/slow/k", head=False)
        assert r.status == 200 and r.body == parts[1] + parts[2]
    assert access_log_lines(server, rf"^POST /slow/k\?uploadId={uid} 200 {len(body)} ",
                            at_least=1)


def test_completion_retried_while_the_first_waits_gets_the_first_result(server, s3):
    """An SDK that gave up on a long completion retries it while the first is still waiting for
    the database: the retry found the upload in place, so both are queued, and the second then
    finds it completed by the first. Both answer the first's result (the second was NoSuchUpload)."""
    parts = {1: data(66, 100)}
    s3.create_bucket(Bucket="slow")
    uid, etags = upload_parts(s3, "slow", "k", parts)
    xml = complete_xml([(1, etags[1].strip('"'))])
    lock = WriteLock(server)
    conns = [RawConn(server.port), RawConn(server.port)]
    try:
        answers = []
        for c in conns:
            c.send_head("POST", f"/slow/k?uploadId={uid}", [("Content-Length", str(len(xml)))],
                        body=xml)
            b = ChunkedBody(c)
            b.until_space()  # this completion is queued and waiting
            answers.append(b)
    finally:
        lock.release()
    for b in answers:
        body = b.rest()
        x = parse_xml(body)
        assert (b.status, x.tag) == (200, "CompleteMultipartUploadResult"), body
        assert x.findtext("ETag") == mpu_etag([parts[1]]), body
    for c in conns:
        c.close()
    assert get_bytes(s3, "slow", "k") == parts[1]


def test_long_completion_through_boto3(server, s3):
    parts = {1: data(63, MIN_PART), 2: data(64, 10)}
    s3.create_bucket(Bucket="slow")
    uid, etags = upload_parts(s3, "slow", "k", parts)
    with WriteLock(server, 2.5):
        r = complete(s3, "slow", "k", uid, etags)
    assert r["ETag"] == mpu_etag([parts[1], parts[2]])
    assert get_bytes(s3, "slow", "k") == parts[1] + parts[2]


def test_long_completion_failing_after_200(server, s3):
    """A completion that fails once the 200 is out answers with an <Error> body, which SDKs turn
    into the error; nothing changes."""
    s3.create_bucket(Bucket="slow")
    s3.put_object(Bucket="slow", Key="k", Body=b"current")
    parts = {1: data(65, 100)}
    uid, etags = upload_parts(s3, "slow", "k", parts)
    xml = complete_xml([(1, etags[1].strip('"'))])
    c, b, body = long_completion(server, "slow", "k", uid, xml, [("If-None-Match", "*")])
    c.close()
    assert b.status == 200, b.headers
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n '), body[:80]
    x = parse_xml(body)
    assert (x.tag, x.findtext("Code")) == ("Error", "PreconditionFailed"), body
    assert x.findtext("RequestId") == b.headers["x-amz-request-id"]
    assert get_bytes(s3, "slow", "k") == b"current"
    # The same through boto3, which reads the error out of the 200. (This boto3 predates the
    # IfNoneMatch parameter: the header goes in through botocore's event hook.)
    def if_none_match(request, **kw):
        request.headers["If-None-Match"] = "*"

    s3.meta.events.register("before-sign.s3.CompleteMultipartUpload", if_none_match)
    try:
        with WriteLock(server, 2.0):
            e = client_error(complete, s3, "slow", "k", uid, etags)
    finally:
        s3.meta.events.unregister("before-sign.s3.CompleteMultipartUpload", if_none_match)
    # It raised; botocore that parses the 200's <Error> also names it (older botocore says
    # "Unknown").
    if hasattr(botocore.handlers, "_handle_200_error"):
        assert error_code(e) == "PreconditionFailed"
    assert get_bytes(s3, "slow", "k") == b"current"
    # The upload is still there and can complete.
    assert [p["PartNumber"] for p in s3.list_parts(Bucket="slow", Key="k", UploadId=uid)["Parts"]] \
        == [1]
    complete(s3, "slow", "k", uid, etags)
    assert get_bytes(s3, "slow", "k") == parts[1]
