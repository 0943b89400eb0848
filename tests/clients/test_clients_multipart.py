"""Real clients' multipart uploads against fakes3 (issue 6), the four not covered by
tests/integration/test_multipart.py (aws CLI, boto3, s3cmd): rclone with a small
--s3-upload-cutoff/--s3-chunk-size, the JS SDK v3 lib-storage Upload (5 MiB parts, CRC32),
minio-js (whose putObject numbers parts from 2, and its low-level part methods with parts 2, 3, 4),
and minio-go (chunk-signed parts with CRC32C, a signed trailer, Content-MD5).

Each test has its own server (FAKES3_BIN, the ASan build; access log on). The library clients run
helper programs (js/*_multipart.mjs, go/minio_go_multipart.go) that upload, read back and record
what they sent and saw; every expected value (ETags, COMPOSITE and FULL_OBJECT checksums, part
numbers) is computed here from the bytes, and the stored objects are read back without any client
library (py/rawcheck.py). Clients are installed by tests/clients/install.sh; the minio-go program
is built here, offline, as test_clients.py builds its own."""

import base64
import hashlib
import json
import os
import random
import re
import sys
import zlib
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "py"))
sys.path.insert(0, HERE)

from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, clean_env, crc32c, crc64nvme, md5_hex,  # noqa: E402
                   raw, wait_for)
import rawcheck  # noqa: E402
# The client suites' shared helpers and the per-test server fixture (srv, srv_factory).
from clientlib import (WorkDirs, build_go, checksum, need, node_modules_ok, run,  # noqa: E402,F401
                          same_bytes, srv, srv_factory, with_access_log, write)

MiB = 1024 * 1024
PART = 5 * MiB  # every client here is told to use 5 MiB parts (S3's minimum)


# --- what S3 derives from the bytes -----------------------------------------------------------
def data(seed, n):
    return random.Random(seed).randbytes(n)


def split(buf, size=PART):
    return [buf[i:i + size] for i in range(0, len(buf), size)]


def mpu_etag(parts):
    """S3's multipart ETag, unquoted: MD5 of the concatenated binary part MD5s, then "-N"."""
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f"-{len(parts)}"


def crc32_raw(b):
    return (zlib.crc32(b) & 0xFFFFFFFF).to_bytes(4, "big")


# CRC32C and CRC64NVME over tens of MiB: crcmod's C extension (Debian's python3-crcmod) when it is
# there, checked against s3lib's pure-Python oracle below; else that oracle itself (slow: ~1 min).
try:
    import crcmod

    _crc32c_fast = crcmod.mkCrcFun(0x11EDC6F41, initCrc=0, rev=True, xorOut=0xFFFFFFFF)
    _crc64nvme_fast = crcmod.mkCrcFun(0x1AD93D23594C93659, initCrc=0, rev=True,
                                      xorOut=0xFFFFFFFFFFFFFFFF)
except ImportError:
    _crc32c_fast, _crc64nvme_fast = crc32c, crc64nvme


def crc32c_raw(b):
    return _crc32c_fast(b).to_bytes(4, "big")


def crc64nvme_raw(b):
    return _crc64nvme_fast(b).to_bytes(8, "big")


def b64_crc32c(b):
    return base64.b64encode(crc32c_raw(b)).decode()


def composite(parts, raw_fn):
    """COMPOSITE: the checksum of the concatenated raw part checksums, base64, "-N"."""
    joined = b"".join(raw_fn(p) for p in parts)
    return base64.b64encode(raw_fn(joined)).decode() + f"-{len(parts)}"


def b64raw(b):
    return base64.b64encode(b).decode()


def test_composite_helpers():
    """The local COMPOSITE computation, checked by hand on two small parts."""
    a, b = b"123456789", b"abc"
    assert b64raw(crc32c_raw(a)) == checksum("CRC32C", a)
    assert crc32c_raw(a) == (0xE3069283).to_bytes(4, "big")
    assert crc64nvme_raw(a) == (0xAE8B14860A799888).to_bytes(8, "big")
    r = data(1, 100_000)
    assert (crc32c_raw(r), crc64nvme_raw(r)) == (crc32c(r).to_bytes(4, "big"), crc64nvme(r).to_bytes(8, "big"))
    assert b64raw(crc32_raw(a)) == checksum("CRC32", a)
    want = base64.b64encode((zlib.crc32(crc32_raw(a) + crc32_raw(b)) & 0xFFFFFFFF)
                            .to_bytes(4, "big")).decode() + "-2"
    assert composite([a, b], crc32_raw) == want
    assert mpu_etag([a, b]) == hashlib.md5(hashlib.md5(a).digest() + hashlib.md5(b).digest()).hexdigest() + "-2"


# --- the access log ----------------------------------------------------------------------------
def mpu_requests(srv, bucket, key):
    """The multipart requests for bucket/key in the access log ("METHOD TARGET STATUS ..."):
    {"create": [status...], "parts": [(partNumber, status)...] in log order,
     "complete": [status...], "abort": [...], "put": [...] (plain PutObject)}."""
    path = f"/{bucket}/{key}"
    got = {"create": [], "parts": [], "complete": [], "abort": [], "put": []}
    for line in srv.server.stdout().splitlines():
        f = line.split(" ")
        if len(f) < 3:
            continue
        method, target, status = f[0], f[1], int(f[2]) if f[2].isdigit() else f[2]
        p, _, q = target.partition("?")
        if p != path:
            continue
        qs = parse_qs(q, keep_blank_values=True)
        if method == "POST" and "uploads" in qs:
            got["create"].append(status)
        elif method == "PUT" and "uploadId" in qs and "partNumber" in qs:
            got["parts"].append((int(qs["partNumber"][0]), status))
        elif method == "POST" and "uploadId" in qs:
            got["complete"].append(status)
        elif method == "DELETE" and "uploadId" in qs:
            got["abort"].append(status)
        elif method == "PUT" and "uploadId" not in qs:
            got["put"].append(status)
    return got


def check_mpu_log(srv, bucket, key, part_numbers, ordered=False):
    """One CreateMultipartUpload, these parts (200 each), one Complete, no abort, no PutObject.
    A line is written once its answer has gone out: wait for the Complete's (the last one)."""
    wait_for(lambda: mpu_requests(srv, bucket, key)["complete"],
             what=f"{key}: CompleteMultipartUpload in the access log")
    got = mpu_requests(srv, bucket, key)
    assert got["create"] == [200], f"{key}: CreateMultipartUpload in the access log: {got}"
    nums = [n for n, _ in got["parts"]]
    assert all(s == 200 for _, s in got["parts"]), f"{key}: UploadPart statuses: {got['parts']}"
    if ordered:
        assert nums == list(part_numbers), f"{key}: UploadPart numbers in order {nums}, want {part_numbers}"
    else:
        assert sorted(nums) == sorted(part_numbers), f"{key}: UploadPart numbers {nums}, want {part_numbers}"
    assert got["complete"] == [200], f"{key}: CompleteMultipartUpload: {got}"
    assert got["abort"] == [] and got["put"] == [], f"{key}: abort/PutObject seen: {got}"
    return got


def check_stored_mpu(srv, bucket, expected):
    """What the server holds, read with plain http.client: exactly these keys, each with these
    bytes (as {key: list of parts}) and the multipart ETag."""
    obs = rawcheck.observe("127.0.0.1", srv.port, bucket)
    assert "error" not in obs, obs
    assert obs["keys"] == sorted(expected), obs["keys"]
    for key, parts in expected.items():
        whole = b"".join(parts)
        o = obs["objects"][key]
        assert o["status"] == 200, (key, o)
        assert (o["size"], o["sha256"]) == (len(whole), hashlib.sha256(whole).hexdigest()), \
            f"{key}: stored {o['size']} bytes sha256 {o['sha256'][:16]}, want {len(whole)} " \
            f"sha256 {hashlib.sha256(whole).hexdigest()[:16]}"
        assert o["etag"] == f'"{mpu_etag(parts)}"', (key, o["etag"], mpu_etag(parts))
        assert not o["content_encoding"] or "aws-chunked" not in o["content_encoding"], (key, o)


def raw_head_checksum(srv, bucket, key, header):
    """HEAD with x-amz-checksum-mode: ENABLED, read with a raw socket: (checksum, type, etag)."""
    r = raw(srv.port, "HEAD", f"/{bucket}/{key}", headers=[("x-amz-checksum-mode", "ENABLED")])
    assert r.status == 200, r
    return r.header(header), r.header("x-amz-checksum-type"), r.header("etag")


def check_default_crc64nvme(srv, bucket, key, body):
    """An upload that named no checksum algorithm: HEAD with checksum mode shows the full-object
    CRC64NVME of the whole body (what S3 keeps by default)."""
    ck, typ, _ = raw_head_checksum(srv, bucket, key, "x-amz-checksum-crc64nvme")
    want = b64raw(crc64nvme_raw(body))
    assert (ck, typ) == (want, "FULL_OBJECT"), f"{key}: x-amz-checksum-crc64nvme {ck!r} type {typ!r}, want {want!r} FULL_OBJECT"


class Work(WorkDirs):
    """A test's files, and the spec.json a helper program reads."""

    def file(self, name, content):
        p = self.inp / name
        write(p, content)
        return str(p)

    def spec(self, **kw):
        kw.setdefault("out", str(self.out))
        kw.setdefault("access_key", DUMMY_KEY_ID)
        kw.setdefault("secret_key", DUMMY_SECRET)
        p = self.dir / "spec.json"
        p.write_text(json.dumps(kw, indent=1))
        return p


def run_helper(argv, work, spec_path, what):
    run(argv + [spec_path], what, env=clean_env({"NODE_NO_WARNINGS": "1"}), cwd=str(work.dir))
    return work.report()


# =================================================================================================
# rclone 1.60: --s3-upload-cutoff 5M --s3-chunk-size 5M (rclone's minimum chunk)
# =================================================================================================
RCLONE_DATA = data(60601, 23 * MiB + 4321)  # 5 parts: 4 x 5 MiB + 3 MiB and a bit


@with_access_log
def test_rclone_multipart(srv, tmp_path):
    need("rclone", "rclone")
    B, key = "mpu-rclone", "mp/big.bin"
    work = Work(tmp_path)
    src_dir = work.inp / "mp"
    src = work.file("mp/big.bin", RCLONE_DATA)
    parts = split(RCLONE_DATA)
    assert len(parts) == 5
    cfg = tmp_path / "rclone.conf"
    cfg.write_text("[fk]\ntype = s3\nprovider = Other\nenv_auth = false\n"
                   f"access_key_id = {DUMMY_KEY_ID}\nsecret_access_key = {DUMMY_SECRET}\n"
                   f"endpoint = {srv.endpoint}\nregion = us-east-1\nforce_path_style = true\n")
    env = clean_env({"HOME": str(tmp_path), "RCLONE_CONFIG": str(cfg)})
    base = ["rclone", "--config", cfg, "--retries", "1", "--low-level-retries", "1",
            "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "--s3-upload-concurrency", "3"]

    def rc(*args, check=True, text=True, quiet=True):
        return run(base + (["-q"] if quiet else []) + list(args), f"rclone {args[0]}", env=env,
                   check=check, text=text)

    rc("mkdir", f"fk:{B}")
    rc("copyto", src, f"fk:{B}/{key}")
    check_mpu_log(srv, B, key, range(1, len(parts) + 1))

    # The object S3 would hold: the multipart ETag (raw HEAD), size, and rclone's own view.
    h = raw(srv.port, "HEAD", f"/{B}/{key}")
    assert h.status == 200, h
    assert h.header("etag") == f'"{mpu_etag(parts)}"', (h.header("etag"), mpu_etag(parts))
    assert h.header("content-length") == str(len(RCLONE_DATA)), h
    st = json.loads(rc("lsjson", "--stat", "--hash", f"fk:{B}/{key}").stdout)
    assert st["Size"] == len(RCLONE_DATA), st
    # For a multipart upload rclone keeps the whole file's MD5 in x-amz-meta-md5chksum and
    # answers it as the object's MD5 (the ETag is not one).
    assert st.get("Hashes", {}).get("md5") == md5_hex(RCLONE_DATA), st
    assert h.header("x-amz-meta-md5chksum") == base64.b64encode(
        hashlib.md5(RCLONE_DATA).digest()).decode(), h.header("x-amz-meta-md5chksum")
    check_default_crc64nvme(srv, B, key, RCLONE_DATA)

    # Download: one GET, then a multi-thread download (ranged GETs across the part boundaries).
    rc("copyto", f"fk:{B}/{key}", work.out / "big.bin")
    same_bytes(work.outfile("big.bin"), RCLONE_DATA, "rclone copyto (download)")
    assert hashlib.sha256(work.outfile("big.bin")).hexdigest() == hashlib.sha256(RCLONE_DATA).hexdigest()
    rc("copyto", "--multi-thread-cutoff", "8M", "--multi-thread-streams", "4",
       f"fk:{B}/{key}", work.out / "big-mt.bin")
    same_bytes(work.outfile("big-mt.bin"), RCLONE_DATA, "rclone multi-thread download")
    def ranged():
        return [l for l in srv.server.stdout().splitlines() if l.startswith(f"GET /{B}/{key} 206 ")]
    wait_for(lambda: len(ranged()) >= 2, what=f"multi-thread download: ranged GETs {ranged()}")

    # rclone check: sizes and MD5s of the local folder against the bucket's.
    r = rc("check", str(src_dir), f"fk:{B}/mp", check=False, quiet=False)
    assert r.returncode == 0, f"rclone check exited {r.returncode}:\n{r.stderr[-3000:]}"
    assert "0 differences found" in r.stderr and "1 matching files" in r.stderr, r.stderr[-3000:]
    assert "could not be checked" not in r.stderr, r.stderr[-3000:]
    r = rc("md5sum", f"fk:{B}/mp")
    assert r.stdout.split() == [md5_hex(RCLONE_DATA), "big.bin"], r.stdout

    check_stored_mpu(srv, B, {key: parts})


# =================================================================================================
# AWS SDK for JavaScript v3: lib-storage Upload, 5 MiB parts, queueSize 2, CRC32
# =================================================================================================
JS_BUF = data(60602, 17 * MiB + 777)      # 4 parts, COMPOSITE CRC32
JS_STREAM = data(60603, 16 * MiB + 4097)  # 4 parts, FULL_OBJECT CRC32


@with_access_log
def test_aws_sdk_js_v3_lib_storage_multipart(srv, tmp_path):
    need("node", "node")
    node_modules_ok()
    B = "mpu-js-v3"
    keys = {"buffer": "lib-storage/buffer.bin", "stream": "lib-storage/stream.bin"}
    bodies = {"buffer": JS_BUF, "stream": JS_STREAM}
    work = Work(tmp_path)
    spec = work.spec(endpoint=srv.endpoint, bucket=B, part_size=PART, keys=keys,
                     files={n: work.file(f"{n}.bin", d) for n, d in bodies.items()},
                     head_parts=[1, 4])
    rep = run_helper(["node", os.path.join(HERE, "js", "aws_sdk_v3_multipart.mjs")], work, spec,
                     "AWS SDK v3 lib-storage multipart")

    for name, body in bodies.items():
        key, parts = keys[name], split(body)
        assert len(parts) == 4
        full = name == "stream"
        want_ck = checksum("CRC32", body) if full else composite(parts, crc32_raw)
        want_type = "FULL_OBJECT" if full else "COMPOSITE"
        u = rep["uploads"][name]
        what = f"lib-storage Upload of the {name} ({key})"

        # What the SDK sent and got, request by request.
        wire = [e for e in rep["wire"] if e["key"] == key]
        creates = [e for e in wire if e["command"] == "CreateMultipartUploadCommand"]
        assert len(creates) == 1 and creates[0]["status"] == 200, f"{what}: {creates}"
        assert creates[0]["headers"].get("x-amz-checksum-algorithm") == "CRC32", creates[0]
        if full:
            assert creates[0]["headers"].get("x-amz-checksum-type") == "FULL_OBJECT", creates[0]
        up = sorted((e for e in wire if e["command"] == "UploadPartCommand"), key=lambda e: e["part"])
        assert [e["part"] for e in up] == [1, 2, 3, 4], f"{what}: UploadPart numbers {[e['part'] for e in up]}"
        for e, p in zip(up, parts):
            assert e["status"] == 200, e
            assert e["headers"].get("x-amz-checksum-crc32") == checksum("CRC32", p), \
                f"{what}: part {e['part']} sent x-amz-checksum-crc32 {e['headers']}"
            assert e["response_headers"].get("x-amz-checksum-crc32") == checksum("CRC32", p), \
                f"{what}: part {e['part']} answered {e['response_headers']}, want {checksum('CRC32', p)}"
            assert e["response_headers"].get("etag") == f'"{md5_hex(p)}"', e
        completes = [e for e in wire if e["command"] == "CompleteMultipartUploadCommand"]
        assert [e["status"] for e in completes] == [200], f"{what}: {completes}"
        check_mpu_log(srv, B, key, [1, 2, 3, 4])

        # The Upload's result, HeadObject with ChecksumMode ENABLED, without, and by PartNumber.
        assert u["result"]["etag"] == f'"{mpu_etag(parts)}"', (what, u["result"], mpu_etag(parts))
        assert u["result"]["crc32"] == want_ck, (what, u["result"], want_ck)
        assert u["result"]["checksum_type"] == want_type, (what, u["result"])
        assert u["result"]["key"] == key and u["result"]["bucket"] == B, u["result"]
        h = u["head"]
        assert (h["size"], h["etag"]) == (len(body), f'"{mpu_etag(parts)}"'), (what, h)
        assert h["crc32"] == want_ck, f"{what}: HeadObject ChecksumCRC32 {h['crc32']!r}, want {want_ck!r}"
        assert h["checksum_type"] == want_type, (what, h)
        assert u["head_plain"]["crc32"] is None, f"{what}: a checksum without ChecksumMode: {u['head_plain']}"
        if name == "buffer":
            assert h["content_type"] == "application/x-fakes3-test", h
            assert h["metadata"] == {"origin": "lib-storage"}, h
        for n in (1, 4):
            hp = u["head_part"][str(n)]
            assert (hp["size"], hp["parts_count"], hp["etag"]) == \
                (len(parts[n - 1]), 4, f'"{mpu_etag(parts)}"'), f"{what}: HeadObject PartNumber={n}: {hp}"
        assert u["get"]["size"] == len(body), u["get"]
        same_bytes(work.outfile(f"{name}.bin"), body, f"{what}: GetObject")

        # The checksum as a raw HEAD sees it.
        ck, typ, etag = raw_head_checksum(srv, B, key, "x-amz-checksum-crc32")
        assert (ck, typ, etag) == (want_ck, want_type, f'"{mpu_etag(parts)}"'), (what, ck, typ, etag)

    assert rep["in_progress"] == [], rep["in_progress"]
    check_stored_mpu(srv, B, {keys[n]: split(b) for n, b in bodies.items()})


# =================================================================================================
# minio-js 8: putObject multipart (parts numbered from 2), and its low-level part methods
# =================================================================================================
MJS_PUT = data(60604, 17 * MiB + 333)  # putObject: 4 chunks, sent as parts 2..5
MJS_LOW = data(60605, 11 * MiB + 55)   # parts 2, 3 (5 MiB each) and 4 (1 MiB + 55)


@with_access_log
def test_minio_js_multipart(srv, tmp_path):
    need("node", "node")
    node_modules_ok()
    B = "mpu-minio-js"
    keys = {"put": "put/obj.bin", "low": "low/obj.bin"}
    work = Work(tmp_path)
    low_parts = split(MJS_LOW)
    assert len(low_parts) == 3
    low_spec = [[n, (n - 2) * PART, len(p)] for n, p in zip((2, 3, 4), low_parts)]
    boundary = PART  # between parts 2 and 3
    rng = [boundary - 100, 300]
    spec = work.spec(host="127.0.0.1", port=srv.port, bucket=B, part_size=PART, keys=keys,
                     files={"put": work.file("put.bin", MJS_PUT), "low": work.file("low.bin", MJS_LOW)},
                     low={"parts": low_spec, "order": [4, 2, 3], "range": rng})
    rep = run_helper(["node", os.path.join(HERE, "js", "minio_js_multipart.mjs")], work, spec,
                     "minio-js multipart")

    # 1. putObject: minio-js numbers its parts 2..N+1.
    put_parts = split(MJS_PUT)
    assert len(put_parts) == 4
    check_mpu_log(srv, B, keys["put"], [2, 3, 4, 5], ordered=True)
    p = rep["put"]
    assert p["result_etag"] == mpu_etag(put_parts), (p, mpu_etag(put_parts))
    assert (p["stat"]["size"], p["stat"]["etag"]) == (len(MJS_PUT), mpu_etag(put_parts)), p["stat"]
    assert p["stat"]["meta"].get("content-type") == "application/x-fakes3-test", p["stat"]
    assert p["stat"]["meta"].get("origin") == "minio-js-put", p["stat"]
    same_bytes(work.outfile("put.bin"), MJS_PUT, "minio-js getObject of the putObject multipart")

    # 2. Parts 2, 3, 4 sent as 4, 2, 3 with the client's own methods.
    check_mpu_log(srv, B, keys["low"], [4, 2, 3], ordered=True)
    lo = rep["low"]
    assert lo["uploaded"] == [{"part": n, "etag": md5_hex(low_parts[n - 2])} for n in (4, 2, 3)], lo["uploaded"]
    assert lo["list_parts"] == [{"part": n, "size": len(low_parts[n - 2]), "etag": md5_hex(low_parts[n - 2])}
                                for n in (2, 3, 4)], lo["list_parts"]
    # listIncompleteUploads adds up the upload's parts (ListParts) for its size.
    assert [(u["key"], u["upload_id"], u["size"]) for u in lo["incomplete"]] == \
        [(keys["low"], lo["upload_id"], len(MJS_LOW))], lo["incomplete"]
    assert lo["complete_etag"] == mpu_etag(low_parts), (lo["complete_etag"], mpu_etag(low_parts))
    assert (lo["stat"]["size"], lo["stat"]["etag"]) == (len(MJS_LOW), mpu_etag(low_parts)), lo["stat"]
    assert lo["stat"]["meta"].get("content-type") == "application/x-fakes3-low", lo["stat"]
    assert lo["stat"]["meta"].get("origin") == "minio-js-low", lo["stat"]
    same_bytes(work.outfile("low.bin"), MJS_LOW, "minio-js getObject of the parts-2,3,4 object")
    same_bytes(work.outfile("low_range.bin"), MJS_LOW[rng[0]:rng[0] + rng[1]],
               f"minio-js getPartialObject across the part boundary at {boundary}")
    assert lo["incomplete_after"] == [], lo["incomplete_after"]

    check_stored_mpu(srv, B, {keys["put"]: put_parts, keys["low"]: low_parts})


# =================================================================================================
# minio-go 7.0.46: chunk-signed parts with CRC32C, a signed trailer, Content-MD5
# =================================================================================================
GO_SRC = os.path.join(HERE, "go", "minio_go_multipart.go")
GO_BIN = os.path.join(REPO, "build", "clients", "minio_go_multipart")
GO_DATA = {
    "crc32c": data(60606, 21 * MiB + 99),   # 5 parts, one at a time, CRC32C header per part
    "trailer": data(60607, 21 * MiB + 98),  # 5 parts in parallel, CRC32C in a signed trailer
    "md5": data(60608, 11 * MiB + 5),       # 3 parts, Content-MD5
}
SIG_CHUNK = re.compile(r"^[0-9a-f]+;chunk-signature=[0-9a-f]{64}\r\n")
LAST_CHUNK = re.compile(r"0;chunk-signature=[0-9a-f]{64}\r\n")


@with_access_log
def test_minio_go_multipart(srv, tmp_path):
    exe = build_go(GO_SRC, GO_BIN)
    B = "mpu-minio-go"
    keys = {n: f"go/{n}.bin" for n in GO_DATA}
    work = Work(tmp_path)
    spec = work.spec(host="127.0.0.1", port=srv.port, bucket=B, part_size=PART, keys=keys,
                     files={n: work.file(f"{n}.bin", d) for n, d in GO_DATA.items()})
    rep = run_helper([exe], work, spec, "minio-go multipart")

    for name, body in GO_DATA.items():
        key, parts = keys[name], split(body)
        what = f"minio-go {name} upload ({key})"
        n = len(parts)
        want_ck = composite(parts, crc32c_raw) if name != "md5" else None
        wire = [e for e in rep["wire"] if e["tag"] == name and e["path"] == f"/{B}/{key}"]

        creates = [e for e in wire if e["method"] == "POST" and re.match(r"^uploads=?$", e["query"])]
        assert [e["status"] for e in creates] == [200], f"{what}: {creates}"
        alg = creates[0]["headers"].get("X-Amz-Checksum-Algorithm")
        assert alg == ("[CRC32C]" if want_ck else None), f"{what}: Create sent algorithm {alg}"

        ups = [e for e in wire if e["method"] == "PUT" and "partNumber=" in e["query"]]
        nums = sorted(int(parse_qs(e["query"])["partNumber"][0]) for e in ups)
        assert nums == list(range(1, n + 1)), f"{what}: UploadPart numbers {nums}"
        for e in ups:
            num = int(parse_qs(e["query"])["partNumber"][0])
            p = parts[num - 1]
            hd, where = e["headers"], f"{what}: part {num}"
            assert e["status"] == 200, f"{where}: {e}"
            assert e["resp_headers"].get("Etag") == f'"{md5_hex(p)}"', f"{where}: {e['resp_headers']}"
            assert hd.get("X-Amz-Decoded-Content-Length") == f"[{len(p)}]", f"{where}: {hd}"
            # Signed chunks: the body starts "<hex>;chunk-signature=<64 hex>\r\n".
            assert SIG_CHUNK.match(e["body_head"]), f"{where}: body starts {e['body_head'][:100]!r}"
            assert e["body_len"] > len(p), f"{where}: {e['body_len']} bytes on the wire for {len(p)}"
            if name == "trailer":
                assert hd.get("X-Amz-Content-Sha256") == "[STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER]", \
                    f"{where}: {hd}"
                assert hd.get("X-Amz-Trailer") == "[x-amz-checksum-crc32c]", f"{where}: {hd}"
                assert "X-Amz-Checksum-Crc32c" not in hd, f"{where}: {hd}"
                tail = e["body_tail"]
                assert f"x-amz-checksum-crc32c:{b64_crc32c(p)}" in tail and \
                    re.search(r"x-amz-trailer-signature:[0-9a-f]{64}\r\n\r\n$", tail), \
                    f"{where}: body ends {tail[-200:]!r}"
            else:
                assert hd.get("X-Amz-Content-Sha256") == "[STREAMING-AWS4-HMAC-SHA256-PAYLOAD]", \
                    f"{where}: {hd}"
                assert re.search(LAST_CHUNK.pattern + r"\r\n$", e["body_tail"]), \
                    f"{where}: body ends {e['body_tail'][-120:]!r}"
                if name == "md5":
                    assert hd.get("Content-Md5") == f"[{b64raw(hashlib.md5(p).digest())}]", f"{where}: {hd}"
                    assert "X-Amz-Checksum-Crc32c" not in hd, f"{where}: {hd}"
                else:
                    assert hd.get("X-Amz-Checksum-Crc32c") == f"[{b64_crc32c(p)}]", f"{where}: {hd}"
            if want_ck:
                assert e["resp_headers"].get("X-Amz-Checksum-Crc32c") == b64_crc32c(p), \
                    f"{where}: answered {e['resp_headers']}, want x-amz-checksum-crc32c {b64_crc32c(p)}"
            else:
                assert "X-Amz-Checksum-Crc32c" not in e["resp_headers"], f"{where}: {e['resp_headers']}"

        completes = [e for e in wire if e["method"] == "POST" and e["query"].startswith("uploadId=")]
        assert [e["status"] for e in completes] == [200], f"{what}: {completes}"
        if want_ck:
            # minio-go sends the CRC32C of the part CRC32Cs (without "-N") with Complete.
            assert completes[0]["headers"].get("X-Amz-Checksum-Crc32c") == f"[{want_ck[:-len(f'-{n}')]}]", \
                f"{what}: Complete sent {completes[0]['headers']}"
        check_mpu_log(srv, B, key, range(1, n + 1))

        r = rep[name]
        assert r["info"]["etag"] == mpu_etag(parts), (what, r["info"], mpu_etag(parts))
        assert r["info"]["size"] == len(body), (what, r["info"])
        st = r["stat"]
        assert (st["size"], st["etag"]) == (len(body), mpu_etag(parts)), (what, st)
        assert st["crc32c"] == (want_ck or ""), \
            f"{what}: StatObject (x-amz-checksum-mode: ENABLED) ChecksumCRC32C {st['crc32c']!r}, want {want_ck!r}"
        if name == "crc32c":
            assert (st["content_type"], st["origin"]) == ("application/x-fakes3-test", "minio-go"), st
        same_bytes(work.outfile(f"{name}.bin"), body, f"{what}: GetObject")

        ck, typ, etag = raw_head_checksum(srv, B, key, "x-amz-checksum-crc32c")
        if want_ck:
            assert (ck, typ, etag) == (want_ck, "COMPOSITE", f'"{mpu_etag(parts)}"'), (what, ck, typ, etag)
        else:
            # No checksum asked for: the object's is the full-object CRC64NVME, as on S3.
            assert (ck, etag) == (None, f'"{mpu_etag(parts)}"'), (what, ck, etag)
            check_default_crc64nvme(srv, B, key, body)

    assert rep["in_progress"] == [], rep["in_progress"]
    check_stored_mpu(srv, B, {keys[n]: split(d) for n, d in GO_DATA.items()})
