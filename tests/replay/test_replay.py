"""Wire-fixture replay: every request real S3 clients sent (tests/fixtures/wire, see its README.md),
replayed byte for byte against fakes3.

One fresh server per client folder; the folder's fixtures go out in order, each its own test
(`test_replay[<folder>/<file>]`), then `test_replay[<folder>/server-exit]` stops the server and
checks it exits 0 with no sanitizer report and nothing left in ROOT/tmp. Cut bodies are rebuilt
from big.bin (rebuild() in conftest.py). After each upload (and copy) the object is read back path style
and compared with the payload decoded here, independently of the server.

Multipart uploads are completed for real. fakes3 issues its own UploadId: the one read from the
replayed CreateMultipartUpload's answer replaces moto's in the request line of the upload's later
fixtures. The fixtures hold one UploadPart (or UploadPartCopy) per upload while
CompleteMultipartUpload lists every part: the parts no fixture holds are sent here first, each the
slice of big.bin (or of the copy source) the client sent for it, laid out by the client's part size
(PART_SIZE); the ETags (moto's MD5s) and per-part checksums the Complete request lists must then
agree with those bytes. Each completed object is read back (bytes, ETag `"...-N"`) and HEAD with
`x-amz-checksum-mode: ENABLED` must give the object checksum the upload asked for.
"""

import glob
import hashlib
import os
import re
import time
import urllib.parse
from datetime import datetime, timezone
import xml.etree.ElementTree as ET

import pytest

from replaylib import (BIG_SHA256, FIXTURES, HELLO, MEDIUM_SIZE, Conn, FramingError, Server,
                      big_bin, bucket_key, checksum_b64, composite_checksum, copy_source, crc32c,
                      crc64nvme, decode_body, etag_of, get_path_style, hget, integrity_problems,
                      is_aws_chunked, load_index, multipart_etag, query_value, read_fixture,
                      rebuild, request_method_target, split_request, with_upload_id)

# Operations not replayed (none since multipart, issue 6). Their fixtures would be skipped, and so
# would every later fixture that needs what they would have made (see Replay.missing_dependency).
OUT_OF_SCOPE = set()

# Fixtures whose workflow expects an answer other than 2xx, with the S3 error code when the
# response has a body. What S3 answers, not what moto answered (responses were not recorded).
EXPECTED = {
    # rclone HEADs each destination key before uploading it (to skip unchanged files); the key
    # does not exist yet.
    "rclone-1.60/02-put-small--head-object.http": (404, None),
    "rclone-1.60/05-put-small-sub--head-object.http": (404, None),
    "rclone-1.60/08-put-20mib-default-cutoff--head-object.http": (404, None),
    "rclone-1.60/11-put-multipart-20mib-cutoff5m--head-object.http": (404, None),
    # s3fs looks a path up as an object before mkdir / create / rename-target; it does not exist yet.
    "s3fs-1.90/03-mkdir--head-object.http": (404, None),
    "s3fs-1.90/06-put-small--head-object.http": (404, None),
    "s3fs-1.90/09-put-multipart-20mib--head-object.http": (404, None),
    "s3fs-1.90/22-rename-copy--head-object.http": (404, None),
    # after rmdir s3fs checks that "dir/sub" is gone (it never existed as an object).
    "s3fs-1.90/30-rmdir--head-object.http": (404, None),
    # `aws s3 rb` and `rclone rmdir` at the end of their workflows: the workflows deleted only some
    # keys (awscli: copy.txt, big-copy.bin, x1; rclone: copy.txt, dir/sub/a.txt), so dir/small.txt
    # and others are still there and S3 refuses.
    "awscli-1.45/38-delete-bucket.http": (409, "BucketNotEmpty"),
    "rclone-1.60/38-delete-bucket.http": (409, "BucketNotEmpty"),
}
# s3cmd `info` asks for the bucket policy and CORS configuration; the buckets have none.
EXPECTED_BY_OPERATION = {
    "get-bucket-policy": (404, "NoSuchBucketPolicy"),
    "get-bucket-cors": (404, "NoSuchCORSConfiguration"),
}

UPLOADS = {"put-object", "presigned-put-object"}
PART_UPLOADS = {"upload-part", "upload-part-copy"}
# Operations that read an existing object: they need it to exist.
READS = {"head-object", "get-object", "get-object-range", "presigned-get-object", "get-object-acl",
         "put-object-acl"}

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
INDEX = load_index()

MiB = 1 << 20
# The part size of each client's multipart uploads (its default or the workflow's setting). The
# fixtures confirm it: the size of a part that is not the last, and the ETags listed by
# CompleteMultipartUpload, which match only the slices this layout gives.
PART_SIZE = {
    "awscli-1.45": 8 * MiB,      # s3 cp multipart_chunksize
    "boto3-1.43": 8 * MiB,       # TransferConfig multipart_chunksize (also for managed copies)
    "boto3-1.26": 8 * MiB,
    "aws-sdk-js-v3": 5 * MiB,    # lib-storage Upload partSize
    "minio-js-8.0": 5 * MiB,     # partSize 5 MiB (the step's name)
    "rclone-1.60": 5 * MiB,      # --s3-chunk-size
    "s3cmd-2.3-path-v4": 15 * MiB,   # multipart_chunk_size_mb
    "s3cmd-2.3-vhost-v4": 15 * MiB,
    "s3cmd-2.3-vhost-v2": 15 * MiB,
    "s3cmd-2.3-path-v2": 15 * MiB,
    "minio-go-7.0": 16 * MiB,    # its minimum part size
}


def known_content(key):
    """The test data a key is known to hold (fixtures README), or None."""
    name = key.rsplit("/", 1)[-1]
    if name == "small.txt":
        return HELLO
    if name == "medium.bin":
        return big_bin()[:MEDIUM_SIZE]
    if name == "big-single.bin":
        return big_bin()
    if name == "chunkObject.txt":  # the AWS documentation example: 66560 bytes of "a"
        return b"a" * 66560
    return None


def _steps():
    steps = []
    for i, e in enumerate(INDEX):
        steps.append(pytest.param(e["client"], i, id=e["file"]))
        if i + 1 == len(INDEX) or INDEX[i + 1]["client"] != e["client"]:
            steps.append(pytest.param(e["client"], None, id=f"{e['client']}/server-exit"))
    return steps


def parse_range(value, size):
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", value)
    a, b = m.group(1), m.group(2)
    if a == "":
        first, last = max(0, size - int(b)), size - 1
    else:
        first, last = int(a), min(size - 1, int(b)) if b else size - 1
    return first, last


def xml_root(r, what):
    try:
        # lstrip: S3 may send whitespace ahead of a long CompleteMultipartUpload's answer.
        return ET.fromstring(r.body.lstrip())
    except ET.ParseError as ex:
        raise AssertionError(f"{what}: response body is not XML ({ex}): {r!r}")


def local_name(tag):
    return tag.rsplit("}", 1)[-1]


def complete_parts(body):
    """CompleteMultipartUpload's list: [(part number, ETag unquoted, {algorithm: checksum})]."""
    out = []
    for part in ET.fromstring(body):
        assert local_name(part.tag) == "Part", part.tag
        num, etag, cks = None, None, {}
        for el in part:
            name = local_name(el.tag)
            if name == "PartNumber":
                num = int(el.text)
            elif name == "ETag":
                etag = el.text.strip().strip('"')
            elif name.startswith("Checksum"):
                cks[name[len("Checksum"):].lower()] = el.text.strip()
        out.append((num, etag, cks))
    return out


class Upload:
    """A multipart upload of the workflow, from its CreateMultipartUpload fixture on."""

    def __init__(self, create_file, bk, host, path, alg, full_object):
        self.create_file = create_file
        self.bk = bk
        self.host, self.path = host, path  # Host and path of the fixtures: the same addressing
        self.alg = alg                     # x-amz-checksum-algorithm, lower case, or None
        self.full_object = full_object     # its checksum type is FULL_OBJECT (else COMPOSITE)
        self.id = None                     # fakes3's UploadId, once Create has answered
        self.parts = {}                    # part number -> bytes, as the fixtures sent them
        self.copy_headers = None           # [(name, value)] of its UploadPartCopy fixture
        self.copy_src = None               # (bucket, key) those copy from
        self.open = True                   # not completed or aborted

    def checksum_name(self):
        return f"x-amz-checksum-{self.alg}"


def moto_upload_id(i):
    """moto's UploadId for the upload that create-multipart-upload fixture i starts: the one the
    folder's next fixtures for the same bucket and key name (before another create for it)."""
    e = INDEX[i]
    bk = bucket_key(e["host"], e["request_line"].split(" ", 1)[1])
    for f in INDEX[i + 1:]:
        if f["client"] != e["client"]:
            break
        target = f["request_line"].split(" ", 1)[1]
        if bucket_key(f["host"], target) != bk:
            continue
        if f["operation"] == "create-multipart-upload":
            break
        if query_value(target, "uploadId"):
            return query_value(target, "uploadId")
    return None


def object_checksum(up, datas):
    """(header, value, type) S3 gives the object completed from `datas`, or None if the upload
    asked for no checksum: COMPOSITE is ALG over the parts' binary checksums with -N, FULL_OBJECT
    the checksum of the whole object."""
    if not up.alg:
        return None
    if up.full_object:
        return up.checksum_name(), checksum_b64(up.alg, b"".join(datas)), "FULL_OBJECT"
    return up.checksum_name(), composite_checksum(up.alg, datas), "COMPOSITE"


class Replay:
    """One client folder's run: its server and a model of the objects the workflow made
    (updated from the fixtures, whatever the server answered)."""

    def __init__(self, client, workdir):
        self.client = client
        self.next = next(i for i, e in enumerate(INDEX) if e["client"] == client)
        self.server = Server(workdir).start()
        self.objects = {}       # (bucket, key) -> bytes, or None when the content is not modelled
        self.etags = {}         # (bucket, key) -> ETag where it is not the MD5 (multipart objects)
        self.unavailable = {}   # (bucket, key) -> fixture that would have made it (skipped)
        self.uploads = {}       # moto's UploadId (in the fixtures) -> Upload
        self.unavailable_uploads = {}  # moto's UploadId -> fixture skipped that it needs

    def advance_to(self, i):
        """Sends the earlier fixtures of the folder if they have not run (e.g. with `-k`)."""
        while self.next < i:
            try:
                self.step(self.next)
            except (AssertionError, OSError, pytest.skip.Exception):
                pass

    def missing_dependency(self, e, bk, target):
        op = e["operation"]
        if op in READS and bk in self.unavailable:
            return self.unavailable[bk]
        if op in ("copy-object", "upload-part-copy"):
            src = copy_source(e["x-amz-copy-source"])
            if src in self.unavailable:
                return self.unavailable[src]
        return self.unavailable_uploads.get(query_value(target, "uploadId"))

    def skipped(self, i, bk, target):
        """Records what fixture i would have made, so that what needs it is skipped too."""
        e = INDEX[i]
        op = e["operation"]
        if op in ("copy-object", "complete-multipart-upload"):
            self.unavailable[bk] = e["file"]
        if op == "create-multipart-upload":
            moto_id = moto_upload_id(i)
        else:
            moto_id = query_value(target, "uploadId")
        if moto_id is not None and op != "complete-multipart-upload":
            self.unavailable_uploads.setdefault(moto_id, e["file"])

    def apply_to_model(self, e, bk, payload, raw, up=None):
        op, (bucket, _) = e["operation"], bk
        if op in UPLOADS:
            self.objects[bk] = payload
        elif op == "copy-object":
            self.objects[bk] = self.objects.get(copy_source(e["x-amz-copy-source"]))
        elif op in PART_UPLOADS:
            up.parts[int(query_value(request_method_target(raw)[1], "partNumber"))] = payload
        elif op == "complete-multipart-upload":
            # payload: the parts' bytes in order (None when a part's content is not modelled)
            self.objects[bk] = None if payload is None else b"".join(payload)
            if payload is not None:
                self.etags[bk] = multipart_etag(payload)
            up.open = False
        elif op == "abort-multipart-upload":
            up.open = False
        elif op == "delete-object":
            self.objects.pop(bk, None)
        elif op == "delete-objects":
            for key in delete_objects_keys(raw):
                self.objects.pop((bucket, key), None)
                self.etags.pop((bucket, key), None)
                self.unavailable.pop((bucket, key), None)
        if op in UPLOADS or op in ("copy-object", "complete-multipart-upload", "delete-object"):
            self.unavailable.pop(bk, None)
            if op != "complete-multipart-upload" or payload is None:
                self.etags.pop(bk, None)

    def new_upload(self, i, e, bk, req):
        """The Upload a create-multipart-upload fixture starts, filed under moto's UploadId."""
        _, headers, _ = split_request(req)
        alg = hget(headers, "x-amz-checksum-algorithm")
        alg = alg.lower() if alg else None
        ctype = hget(headers, "x-amz-checksum-type", "").upper()
        full = ctype == "FULL_OBJECT" or (not ctype and alg == "crc64nvme")  # S3's default types
        path = request_method_target(req)[1].split("?", 1)[0]
        up = Upload(e["file"], bk, hget(headers, "host"), path, alg, full)
        moto_id = moto_upload_id(i)
        assert moto_id, f"{e['file']}: no later fixture of the folder names the upload's UploadId"
        self.uploads[moto_id] = up
        return up

    @staticmethod
    def presigned_expired(target):
        """Whether a presigned URL's validity has passed: the captures are older than their one
        hour, and fakes3 refuses an expired presigned URL as S3 does, credentials or not."""
        q = urllib.parse.parse_qs(target.partition("?")[2])
        if "Expires" in q:
            return time.time() > int(q["Expires"][0])
        if "X-Amz-Date" in q and "X-Amz-Expires" in q:
            t = datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
            t = t.replace(tzinfo=timezone.utc).timestamp()
            return time.time() > t + int(q["X-Amz-Expires"][0])
        return False

    def step(self, i):
        e = INDEX[i]
        self.next = i + 1
        op = e["operation"]
        raw = read_fixture(e["file"])
        method, target = request_method_target(raw)
        bk = bucket_key(e["host"], target)
        if op in OUT_OF_SCOPE:
            self.skipped(i, bk, target)
            pytest.skip(f"{op} is out of scope (OUT_OF_SCOPE)")
        dep = self.missing_dependency(e, bk, target)
        if dep:
            self.skipped(i, bk, target)
            pytest.skip(f"needs what {dep} makes, which was not replayed")
        if not self.server.running():
            pytest.fail(f"fakes3 is not running any more; stderr:\n{self.server.stderr()[-4000:]}",
                        pytrace=False)

        req = rebuild(e, raw)
        up = None
        moto_id = query_value(target, "uploadId")
        if op == "create-multipart-upload":
            up = self.new_upload(i, e, bk, req)
        elif moto_id is not None:
            up = self.uploads.get(moto_id)
            if up is None or up.id is None:
                why = f"{up.create_file} got none" if up else "no upload was created for it"
                pytest.fail(f"{e['file']}: no UploadId to send: {why}", pytrace=False)
            # fakes3 issues its own UploadIds: fakes3's replaces moto's in the request line, where
            # moto's stood, and nothing else changes. That breaks the signature, which does not
            # matter: fakes3 does not verify signatures (credentials are ignored; it has no setting
            # that would check them).
            req = with_upload_id(req, up.id)
        _, headers, body = split_request(req)
        payload = decode_body(headers, body)[0] if op in UPLOADS or op == "upload-part" else None
        if op in UPLOADS and known_content(bk[1]) is not None:
            assert payload == known_content(bk[1]), f"{e['file']}: decoded body is not the test data"
        parts = missing = None
        if op == "upload-part-copy":
            payload = self.copied_range(e, up, headers)
        elif op == "complete-multipart-upload":
            parts, missing = self.plan_parts(e, up, headers, body)
            payload = None if parts is None else [d for _, d in parts]
        before = self.objects.get(bk)
        before_etag = self.etags.get(bk, etag_of(before) if isinstance(before, bytes) else None)
        copy_src = None
        if op == "copy-object":
            copy_src = self.objects.get(copy_source(e["x-amz-copy-source"]))
        expired = op.startswith("presigned-") and self.presigned_expired(target)
        if not expired:
            self.apply_to_model(e, bk, payload, raw, up)

        want_status, want_code = EXPECTED.get(e["file"], EXPECTED_BY_OPERATION.get(op, (None, None)))
        if expired:
            want_status, want_code = 403, "AccessDenied"
        what = f"{e['file']} ({op} {method} {target[:100]})"
        with Conn(self.server.port) as c:
            if missing:
                self.send_missing_parts(c, up, parts, missing, what)
            r = c.exchange(req)
            if want_status is None:
                assert 200 <= r.status < 300, f"{what}: want 2xx, got {r!r}"
            else:
                assert r.status == want_status, f"{what}: want {want_status} {want_code}, got {r!r}"
                if want_code and method != "HEAD":
                    assert r.error_code() == want_code, f"{what}: want {want_code}, got {r!r}"
            if expired:
                assert b"<Message>Request has expired</Message>" in r.body, f"{what}: {r!r}"
                return
            if hget(headers, "expect", "").lower() == "100-continue" and body:
                assert 100 in r.interim, \
                    f"{what}: Expect: 100-continue but no 100 Continue before the answer {r.status}"
            self.check_answer(e, op, bk, headers, r, before, before_etag, what, raw, up)
            if op in UPLOADS:
                self.check_stored(c, bk, payload, what, r)
            elif op == "copy-object" and copy_src is not None:
                self.check_stored(c, bk, copy_src, what, None)
            elif op in PART_UPLOADS and payload is not None:
                self.check_part_answer(up, payload, r, what, op == "upload-part-copy")
            elif op == "complete-multipart-upload" and parts is not None:
                self.check_completed(c, up, [d for _, d in parts], r, what)

    def check_answer(self, e, op, bk, headers, r, before, before_etag, what, raw, up):
        if op in ("get-object", "presigned-get-object") and isinstance(before, bytes):
            assert r.body == before, f"{what}: GET body differs from the object ({len(r.body)} " \
                                     f"bytes, want {len(before)})"
        elif op == "get-object-range" and isinstance(before, bytes):
            first, last = parse_range(e["range"], len(before))
            assert r.status == 206, f"{what}: Range {e['range']}: want 206, got {r.status}"
            assert r.header("Content-Range") == f"bytes {first}-{last}/{len(before)}", \
                f"{what}: {r.headers}"
            assert r.body == before[first:last + 1], f"{what}: ranged body differs"
        elif op == "head-object" and r.status == 200 and isinstance(before, bytes):
            assert r.header("Content-Length") == str(len(before)), f"{what}: {r.headers}"
            assert r.header("ETag") == before_etag, f"{what}: want ETag {before_etag}: {r.headers}"
        elif op == "delete-objects":
            root = xml_root(r, what)
            assert root.tag == S3_NS + "DeleteResult", f"{what}: {r.body[:300]!r}"
            errors = root.findall(S3_NS + "Error")
            assert not errors, f"{what}: per-key errors {r.body!r}"
            if not re.search(rb"<Quiet>\s*true\s*</Quiet>", split_request(raw)[2], re.I):
                deleted = [d.findtext(S3_NS + "Key") for d in root.findall(S3_NS + "Deleted")]
                assert sorted(deleted) == sorted(delete_objects_keys(raw)), f"{what}: {r.body!r}"
        elif op == "copy-object":
            root = xml_root(r, what)
            assert root.tag == S3_NS + "CopyObjectResult", f"{what}: {r.body[:300]!r}"
        elif op in ("get-object-acl",):
            root = xml_root(r, what)
            assert root.tag == S3_NS + "AccessControlPolicy", f"{what}: {r.body[:300]!r}"
        elif op in ("list-objects-v1", "list-objects-v2"):
            root = xml_root(r, what)
            assert root.tag == S3_NS + "ListBucketResult", f"{what}: {r.body[:300]!r}"
        elif op == "list-buckets":
            root = xml_root(r, what)
            assert root.tag == S3_NS + "ListAllMyBucketsResult", f"{what}: {r.body[:300]!r}"
        elif op == "create-multipart-upload":
            root = xml_root(r, what)
            assert root.tag == S3_NS + "InitiateMultipartUploadResult", f"{what}: {r.body[:300]!r}"
            up.id = root.findtext(S3_NS + "UploadId")
            assert up.id, f"{what}: no UploadId: {r.body[:300]!r}"
            assert (root.findtext(S3_NS + "Bucket"), root.findtext(S3_NS + "Key")) == bk, \
                f"{what}: {r.body[:300]!r}"
            if up.alg:
                assert r.header("x-amz-checksum-algorithm", "").lower() == up.alg, \
                    f"{what}: x-amz-checksum-algorithm not echoed: {r.headers}"
        elif op == "list-multipart-uploads":
            root = xml_root(r, what)
            assert root.tag == S3_NS + "ListMultipartUploadsResult", f"{what}: {r.body[:300]!r}"
            target = request_method_target(raw)[1]
            prefix = query_value(target, "prefix") or ""
            if not query_value(target, "delimiter"):
                listed = sorted((u.findtext(S3_NS + "Key"), u.findtext(S3_NS + "UploadId"))
                                for u in root.findall(S3_NS + "Upload"))
                want = sorted((u.bk[1], u.id) for u in self.uploads.values() if u.open and u.id
                              and u.bk[0] == bk[0] and u.bk[1].startswith(prefix))
                assert listed == want, f"{what}: uploads listed {listed}, want {want}"
        elif op == "list-parts":
            root = xml_root(r, what)
            assert root.tag == S3_NS + "ListPartsResult", f"{what}: {r.body[:300]!r}"
            listed = [(int(p.findtext(S3_NS + "PartNumber")), p.findtext(S3_NS + "ETag"))
                      for p in root.findall(S3_NS + "Part")]
            want = [(n, etag_of(d)) for n, d in sorted(up.parts.items()) if d is not None]
            assert listed == want, f"{what}: parts listed {listed}, want {want}"

    def copied_range(self, e, up, headers):
        """The bytes an upload-part-copy fixture copies (None if its source is not modelled); notes
        the copy source on the upload, for the parts the test adds."""
        up.copy_src = copy_source(e["x-amz-copy-source"])
        up.copy_headers = [(k, v) for k, v in headers if k.lower().startswith("x-amz-copy-source")
                           and k.lower() != "x-amz-copy-source-range"]
        src = self.objects.get(up.copy_src)
        if not isinstance(src, bytes):
            return None
        rng = hget(headers, "x-amz-copy-source-range")
        if rng is None:
            return src
        first, last = parse_range(rng, len(src))
        return src[first:last + 1]

    def plan_parts(self, e, up, headers, body):
        """([(part number, bytes)] for every part the Complete request lists, in its order; the
        numbers of those no fixture uploaded), or (None, None) if a part's content is unknown.

        A part no fixture holds is the slice the client sent: the listed parts tile the source
        (big.bin, or the copy source) from byte 0 in PART_SIZE pieces, the last one shorter; the
        source ends with the fixture's part if that is the last one listed. The fixtures' parts
        must sit where this layout puts them, and every ETag and per-part checksum the request
        lists must be those of the bytes (they are moto's MD5s of what the client sent)."""
        what = e["file"]
        listed = complete_parts(body)
        nums = [n for n, _, _ in listed]
        missing = [n for n in nums if n not in up.parts]
        if any(up.parts.get(n, b"") is None for n in nums):
            return None, None
        data = dict(up.parts)
        if missing:
            src = big_bin() if up.copy_src is None else self.objects.get(up.copy_src)
            if not isinstance(src, bytes):
                return None, None
            size = PART_SIZE[e["client"]]
            known = sorted((nums.index(n), n) for n in up.parts if n in nums)
            assert known, f"{what}: none of the listed parts {nums} came from a fixture"
            for k, n in known:
                assert src[k * size:k * size + len(up.parts[n])] == up.parts[n], \
                    f"{what}: part {n} is not the bytes at {k * size} of the source " \
                    f"(the layout by PART_SIZE {size} does not hold)"
            k, n = known[-1]
            total = k * size + len(up.parts[n]) if k == len(nums) - 1 else len(src)
            assert -(-total // size) == len(nums), \
                f"{what}: {total} bytes in {size}-byte parts are not the {len(nums)} parts listed"
            for k, n in enumerate(nums):
                if n in missing:
                    data[n] = src[k * size:min((k + 1) * size, total)]
        parts = [(n, data[n]) for n in nums]
        for (n, etag, cks), (_, d) in zip(listed, parts):
            assert hashlib.md5(d).hexdigest() == etag, \
                f"{what}: part {n}: the request lists ETag {etag}, its bytes have " \
                f"{hashlib.md5(d).hexdigest()}"
            for alg, v in cks.items():
                assert checksum_b64(alg, d) == v, \
                    f"{what}: part {n}: the request lists Checksum{alg.upper()} {v}, its bytes " \
                    f"have {checksum_b64(alg, d)}"
        sent = hget(headers, up.checksum_name()) if up.alg else None
        # minio-go sends the object checksum it derives from the parts' checksums the server
        # returned; moto returned none, so some fixtures carry the CRC of nothing (fixtures README).
        if sent is not None and sent != checksum_b64(up.alg, b""):
            want = object_checksum(up, [d for _, d in parts])[1]
            assert sent == want.rsplit("-", 1)[0], \
                f"{what}: {up.checksum_name()} {sent} is not the object's checksum {want}"
        return parts, missing

    def send_missing_parts(self, conn, up, parts, missing, what):
        """Sends the parts no fixture holds as the client did: UploadPart with the bytes and the
        upload's checksum header, or, for a copy, UploadPartCopy of the range with the fixture's
        x-amz-copy-source headers."""
        offset = 0
        for n, data in parts:
            if n in missing:
                uid = urllib.parse.quote(up.id, safe="-_.~")
                lines = [f"PUT {up.path}?partNumber={n}&uploadId={uid} HTTP/1.1", f"Host: {up.host}"]
                if up.copy_src is None:
                    lines.append(f"Content-Length: {len(data)}")
                    if up.alg:
                        lines.append(f"{up.checksum_name()}: {checksum_b64(up.alg, data)}")
                else:
                    lines += [f"{k}: {v}" for k, v in up.copy_headers]
                    last = offset + len(data) - 1
                    lines.append(f"x-amz-copy-source-range: bytes={offset}-{last}")
                    lines.append("Content-Length: 0")
                req = ("\r\n".join(lines) + "\r\n\r\n").encode()
                r = conn.exchange(req if up.copy_src else req + data)
                added = f"{what}: part {n} sent by the test before the Complete ({lines[0]})"
                assert r.status == 200, f"{added}: {r!r}"
                self.check_part_answer(up, data, r, added, up.copy_src is not None)
            offset += len(data)

    def check_part_answer(self, up, data, r, what, copy):
        """UploadPart answers the part's ETag and checksum in headers, UploadPartCopy in XML."""
        if copy:
            root = xml_root(r, what)
            assert root.tag == S3_NS + "CopyPartResult", f"{what}: {r.body[:300]!r}"
            assert root.findtext(S3_NS + "ETag") == etag_of(data), f"{what}: {r.body[:300]!r}"
            if up.alg:
                el = "Checksum" + up.alg.upper()
                assert root.findtext(S3_NS + el) == checksum_b64(up.alg, data), \
                    f"{what}: want {el} {checksum_b64(up.alg, data)}: {r.body[:300]!r}"
            return
        assert r.header("ETag") == etag_of(data), f"{what}: part ETag {r.header('ETag')}, " \
                                                  f"want {etag_of(data)}"
        if up.alg:
            assert r.header(up.checksum_name()) == checksum_b64(up.alg, data), \
                f"{what}: want {up.checksum_name()} {checksum_b64(up.alg, data)}: {r.headers}"
        for k, v in r.headers:
            if k.lower().startswith("x-amz-checksum-") and k.lower() != "x-amz-checksum-type":
                assert v == checksum_b64(k, data), f"{what}: {k} {v} is not the part's " \
                                                   f"{checksum_b64(k, data)}"

    def check_completed(self, conn, up, datas, r, what):
        """The Complete answer, then the object read back: bytes, ETag "<md5 of md5s>-N", and with
        x-amz-checksum-mode: ENABLED the object checksum the upload asked for."""
        data = b"".join(datas)
        want_etag = multipart_etag(datas)
        root = xml_root(r, what)
        assert root.tag == S3_NS + "CompleteMultipartUploadResult", f"{what}: {r.body[:300]!r}"
        assert (root.findtext(S3_NS + "Bucket"), root.findtext(S3_NS + "Key")) == up.bk, \
            f"{what}: {r.body[:300]!r}"
        assert root.findtext(S3_NS + "ETag") == want_etag, \
            f"{what}: ETag {root.findtext(S3_NS + 'ETag')}, want {want_etag}"
        want_ck = object_checksum(up, datas)
        if want_ck:
            name, value, ctype = want_ck
            el = "Checksum" + up.alg.upper()
            got = (root.findtext(S3_NS + el), root.findtext(S3_NS + "ChecksumType"))
            assert got == (value, ctype), f"{what}: want {el} {value} ({ctype}): {r.body[:500]!r}"

        try:
            g = get_path_style(self.server.port, up.bk[0], up.bk[1], conn)
        except (ConnectionError, OSError) as ex:
            raise AssertionError(f"{what}: the connection is unusable after the request ({ex})")
        assert g.status == 200, f"{what}: GET of the completed object: {g!r}"
        assert len(g.body) == len(data) and g.body == data, \
            f"{what}: completed object differs from its parts: {len(g.body)} bytes " \
            f"(sha256 {hashlib.sha256(g.body).hexdigest()[:16]}), want {len(data)} bytes " \
            f"(sha256 {hashlib.sha256(data).hexdigest()[:16]}" \
            f"{', big.bin' if hashlib.sha256(data).hexdigest() == BIG_SHA256 else ''})"
        assert g.header("ETag") == want_etag, \
            f"{what}: GET ETag {g.header('ETag')}, want {want_etag}"
        assert "aws-chunked" not in g.header("Content-Encoding", "").lower(), \
            f"{what}: stored Content-Encoding names aws-chunked: {g.headers}"

        h = get_path_style(self.server.port, up.bk[0], up.bk[1], conn, method="HEAD",
                           headers=[("x-amz-checksum-mode", "ENABLED")])
        assert h.status == 200, f"{what}: HEAD of the completed object: {h!r}"
        assert h.header("Content-Length") == str(len(data)) and h.header("ETag") == want_etag, \
            f"{what}: HEAD {h.headers}"
        got = [(k.lower(), v) for k, v in h.headers
               if k.lower().startswith("x-amz-checksum-") and k.lower() != "x-amz-checksum-type"]
        if want_ck:
            assert dict(got).get(name) == value and h.header("x-amz-checksum-type") == ctype, \
                f"{what}: HEAD with x-amz-checksum-mode: ENABLED: want {name}: {value} " \
                f"({ctype}), got {h.headers}"
        # Whatever checksum is given (S3 adds CRC64NVME to uploads that asked for none) is right.
        for k, v in got:
            composite = v.endswith(f"-{len(datas)}")
            right = composite_checksum(k, datas) if composite else checksum_b64(k, data)
            assert v == right, f"{what}: HEAD answers {k}: {v}, the object's is {right}"

    def check_stored(self, conn, bk, want, what, put_response):
        """The object reads back (path style, Host: localhost) as exactly `want`."""
        try:
            g = get_path_style(self.server.port, bk[0], bk[1], conn)
        except (ConnectionError, OSError) as ex:
            raise AssertionError(f"{what}: the connection is unusable after the request ({ex}); "
                                 "was the body consumed exactly?")
        assert g.status == 200, f"{what}: GET of the stored object: {g!r}"
        assert len(g.body) == len(want) and g.body == want, \
            f"{what}: stored object differs from the decoded body: {len(g.body)} bytes " \
            f"(sha256 {hashlib.sha256(g.body).hexdigest()[:16]}), want {len(want)} bytes " \
            f"(sha256 {hashlib.sha256(want).hexdigest()[:16]}); starts {g.body[:60]!r}"
        assert g.header("ETag") == etag_of(want), f"{what}: GET ETag {g.header('ETag')}"
        assert "aws-chunked" not in g.header("Content-Encoding", "").lower(), \
            f"{what}: stored Content-Encoding still names aws-chunked: {g.headers}"
        if put_response is not None:
            assert put_response.header("ETag") == etag_of(want), \
                f"{what}: PUT answered ETag {put_response.header('ETag')}, want {etag_of(want)}"

    def finish(self):
        problems = self.server.check_clean_stop()
        assert not problems, "\n".join(problems)


def delete_objects_keys(raw):
    body = split_request(raw)[2]
    root = ET.fromstring(body)
    return [o.findtext("{*}Key") for o in root.iter() if o.tag.endswith("Object")]


@pytest.fixture(scope="module")
def runs():
    d = {}
    yield d
    for run in d.values():
        run.server.stop()


@pytest.mark.parametrize("client,index", _steps())
def test_replay(client, index, runs, tmp_path_factory):
    run = runs.get(client)
    if index is None:
        if run is None:
            pytest.skip("no fixture of this folder ran")
        del runs[client]
        run.finish()
        return
    if run is None:
        run = runs[client] = Replay(client, tmp_path_factory.mktemp(client))
    run.advance_to(index)
    run.step(index)


# --- the fixtures themselves, and this file's decoder and rebuilder -------------------------------
def test_index_lists_every_fixture():
    on_disk = sorted(os.path.relpath(p, FIXTURES) for p in glob.glob(os.path.join(FIXTURES, "*", "*.http")))
    assert sorted(e["file"] for e in INDEX) == on_disk
    for client in {e["client"] for e in INDEX}:
        files = [e["file"] for e in INDEX if e["client"] == client]
        assert files == sorted(files), f"{client}: index.json is not in workflow order"


WITH_BODY = [e for e in INDEX if e["body_wire_bytes"] and not e["truncated"]]


@pytest.mark.parametrize("entry", WITH_BODY, ids=[e["file"] for e in WITH_BODY])
def test_decoder_against_fixture_claims(entry):
    """The decoder used for the expected bytes agrees with every checksum, MD5, SHA-256 and
    decoded length the client put in the request (complete-multipart-upload's
    x-amz-checksum-crc32c is a composite of the parts, not of the body: fixtures README)."""
    _, headers, body = split_request(read_fixture(entry["file"]))
    payload, aws = decode_body(headers, body)
    assert not integrity_problems(headers, payload, aws,
                                  skip_checksum_headers=entry["operation"] == "complete-multipart-upload")
    if aws is not None:
        assert aws.sizes and sum(aws.sizes) == len(payload)
    if entry["operation"] in UPLOADS:
        known = known_content(bucket_key(entry["host"], request_method_target(read_fixture(entry["file"]))[1])[1])
        if known is not None:
            assert payload == known


CUT = [e for e in INDEX if e["truncated"]]
# Trailer checksums of cut bodies that the fixtures state elsewhere: awscli's CompleteMultipartUpload
# lists part 3's ChecksumCRC32; the README gives minio-go 33's trailer.
KNOWN_TRAILERS = {
    "awscli-1.45/30-https-put-multipart-20mib--upload-part.http": ("x-amz-checksum-crc32", "M/wNlg=="),
    "minio-go-7.0/33-https-trailing-fput-multipart-20mib--upload-part.http":
        ("x-amz-checksum-crc32c", "tyuWww=="),
}


@pytest.mark.parametrize("entry", CUT, ids=[e["file"] for e in CUT])
def test_rebuilt_cut_body(entry):
    """A rebuilt request has the original wire size, starts with the cut file's bytes, decodes to
    the stated slice of big.bin and satisfies every integrity claim of its head."""
    raw = read_fixture(entry["file"])
    req = rebuild(entry, raw)
    head, headers, body = split_request(req)
    assert head == split_request(raw)[0], "head changed"
    assert len(body) == entry["body_wire_bytes"]
    assert req.startswith(raw)
    payload, aws = decode_body(headers, body)
    if aws is not None:
        assert len(payload) == int(hget(headers, "x-amz-decoded-content-length"))
    else:
        assert len(payload) == int(hget(headers, "content-length"))
    off = big_bin().find(payload[:256])
    assert off >= 0 and payload == big_bin()[off:off + len(payload)]
    assert not integrity_problems(headers, payload, aws,
                                  skip_checksum_headers=entry["operation"] == "complete-multipart-upload")
    if entry["file"] in KNOWN_TRAILERS:
        name, value = KNOWN_TRAILERS[entry["file"]]
        assert (name, value) in aws.trailers
        assert checksum_b64(name, payload) == value


WITH_UPLOAD_ID = [e for e in INDEX if query_value(e["request_line"].split(" ", 1)[1], "uploadId")]


@pytest.mark.parametrize("entry", WITH_UPLOAD_ID, ids=[e["file"] for e in WITH_UPLOAD_ID])
def test_upload_id_substitution(entry):
    """fakes3's UploadId takes the place of moto's in the request line; no other byte changes.
    Every such fixture follows a create-multipart-upload of the same object in its folder."""
    raw = read_fixture(entry["file"])
    moto_id = query_value(request_method_target(raw)[1], "uploadId")
    ours = "0123456789abcdef0123456789abcdef"
    i = raw.index(moto_id.encode())
    assert i < raw.index(b"\r\n")
    assert with_upload_id(raw, ours) == raw[:i] + ours.encode() + raw[i + len(moto_id):]
    creates = [j for j, e in enumerate(INDEX) if e["client"] == entry["client"]
               and e["operation"] == "create-multipart-upload" and INDEX.index(entry) > j]
    assert any(moto_upload_id(j) == moto_id for j in creates)


def test_checksum_check_values():
    """The checksum functions give the published check values for "123456789"."""
    assert crc32c(b"123456789") == 0xE3069283
    assert crc64nvme(b"123456789") == 0xAE8B14860A799888
    data = bytes(range(256)) * 3 + b"xyz"
    # Slicing-by-8 against a plain bytewise loop.
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    assert crc32c(data) == c ^ 0xFFFFFFFF
    with pytest.raises(FramingError):
        decode_body([("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                     ("x-amz-decoded-content-length", "1")], b"1\r\nab\r\n0\r\n\r\n")
    assert is_aws_chunked([("X-Amz-Decoded-Content-Length", "1")])
