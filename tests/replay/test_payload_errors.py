"""Corrupted variants of real client uploads are rejected and leave the previous object intact.

Each case: a fresh server; a good version of the object (different bytes from the fixture's) is
PUT first; then one corrupted variant of a fixture is sent; it must be refused with the status (and
S3 error code) given; then the object must still read back as the good version (bytes and ETag);
finally the server must stop with exit status 0, no sanitizer report and nothing in ROOT/tmp.
A control case per fixture sends it unmodified and expects it stored, so a refusal is due to the
corruption and not to the fixture.

Signatures are never made to match a corruption: fakes3 does not verify signatures (credentials
are ignored), so a changed body with a stale chunk or trailer signature must fail on the checksum
or framing, which is what these cases are about.
"""

import hashlib

import pytest

from replaylib import (Conn, Server, bucket_key, checksum_b64, decode_body, etag_of,
                      get_path_style, hget, md5_b64, read_fixture, request_method_target,
                      set_header, split_request)

GOOD = b"the previous, good version of the object\n"

JS_CRC32_TRAILER = "aws-sdk-js-v3/03-put-small-stream--put-object.http"   # HTTP-chunked, split oddly
MINIO_SIGNED = "minio-go-7.0/03-put-small--put-object.http"                # chunk-signed, no C-E
SYNTH_TRAILER = "synthetic/03-chunk-signed-trailer.http"                   # signed + crc32 trailer
PLAIN_CRC32 = "awscli-1.45/03-put-small--put-object.http"                  # header crc32, Expect
PLAIN_MD5 = "boto3-1.26/02-put-small-bytes--put-object.http"               # Content-MD5, Expect
PLAIN_SHA256 = "s3cmd-2.3-path-v4/02-put-small--put-object.http"           # hex sha256 only

OTHER = b"hello fakes3!"  # 13 bytes: its checksums have the length of the real ones


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times"
    return data.replace(old, new)


def with_body(raw: bytes, body: bytes) -> bytes:
    """The request with another body; Content-Length follows it when the head has one."""
    head, headers, _ = split_request(raw)
    if hget(headers, "content-length") is not None:
        head = set_header(head, "Content-Length", str(len(body)))
    return head + b"\r\n\r\n" + body


def with_header(raw: bytes, name: str, value: str) -> bytes:
    head, _, body = raw.partition(b"\r\n\r\n")
    return set_header(head, name, value) + b"\r\n\r\n" + body


def edit_body(raw: bytes, old: bytes, new: bytes) -> bytes:
    return with_body(raw, replace_once(split_request(raw)[2], old, new))


def cut_body(raw: bytes, before: bytes, append: bytes = b"") -> bytes:
    """The body cut just before the one occurrence of `before` (+ `append`)."""
    body = split_request(raw)[2]
    assert body.count(before) == 1, f"{before!r} occurs {body.count(before)} times"
    return with_body(raw, body[:body.index(before)] + append)


# (id, fixture, make the variant from the fixture's bytes, expected status or "4xx", S3 code)
CASES = [
    # --- aws-chunked, JS SDK: CRC32 trailer, aws framing split across HTTP chunks -----------
    ("js-trailer-checksum-wrong", JS_CRC32_TRAILER,
     lambda r: edit_body(r, b"crc32:ixEm4Q==", b"crc32:" + checksum_b64("crc32", OTHER).encode()),
     400, "BadDigest"),
    ("js-payload-changed-trailer-kept", JS_CRC32_TRAILER,
     lambda r: edit_body(r, b"hello fakes3\n", b"hello fakes4\n"), 400, "BadDigest"),
    # the 3-byte HTTP chunk holding the aws chunk size line "d\r\n"
    ("js-aws-size-not-hex", JS_CRC32_TRAILER,
     lambda r: edit_body(r, b"3\r\nd\r\n\r\n", b"3\r\nq\r\n\r\n"), "4xx", None),
    # aws chunk says 12 bytes, 13 follow
    ("js-data-longer-than-chunk-size", JS_CRC32_TRAILER,
     lambda r: edit_body(r, b"3\r\nd\r\n\r\n", b"3\r\nc\r\n\r\n"), "4xx", None),
    # the HTTP body ends cleanly after the data chunk: no final aws chunk, no trailer
    ("js-stream-ends-before-last-chunk", JS_CRC32_TRAILER,
     lambda r: cut_body(r, b"3\r\n0\r\n\r\n", b"0\r\n\r\n"), "4xx", None),
    ("js-decoded-length-larger", JS_CRC32_TRAILER,
     lambda r: with_header(r, "x-amz-decoded-content-length", "14"), 400, "IncompleteBody"),
    ("js-decoded-length-smaller", JS_CRC32_TRAILER,
     lambda r: with_header(r, "x-amz-decoded-content-length", "12"), 400, "IncompleteBody"),

    # --- aws-chunked, minio-go: chunk-signed, Content-Length, no Content-Encoding ----------
    ("minio-aws-size-not-hex", MINIO_SIGNED,
     lambda r: edit_body(r, b"d;chunk-signature=", b"g;chunk-signature="), "4xx", None),
    ("minio-data-longer-than-chunk-size", MINIO_SIGNED,
     lambda r: edit_body(r, b"hello fakes3\n\r\n", b"hello fakes3\nX\r\n"), "4xx", None),
    # Content-Length reduced to what is sent: the stream stops after the data chunk ...
    ("minio-truncated-after-data", MINIO_SIGNED,
     lambda r: cut_body(r, b"0;chunk-signature="), "4xx", None),
    # ... or inside it
    ("minio-truncated-in-data", MINIO_SIGNED,
     lambda r: cut_body(r, b"fakes3"), "4xx", None),
    ("minio-decoded-length-larger", MINIO_SIGNED,
     lambda r: with_header(r, "X-Amz-Decoded-Content-Length", "14"), 400, "IncompleteBody"),
    ("minio-decoded-length-smaller", MINIO_SIGNED,
     lambda r: with_header(r, "X-Amz-Decoded-Content-Length", "12"), 400, "IncompleteBody"),

    # --- aws-chunked, synthetic: signed chunks, CRC32 trailer and trailer signature --------
    ("synthetic-trailer-checksum-wrong", SYNTH_TRAILER,
     lambda r: edit_body(r, b"crc32:ixEm4Q==", b"crc32:" + checksum_b64("crc32", OTHER).encode()),
     400, "BadDigest"),
    # the announced trailer (x-amz-trailer: x-amz-checksum-crc32) is missing
    ("synthetic-trailer-missing", SYNTH_TRAILER,
     lambda r: edit_body(r, b"x-amz-checksum-crc32:ixEm4Q==\r\n", b""), "4xx", None),
    ("synthetic-truncated-in-trailer", SYNTH_TRAILER,
     lambda r: cut_body(r, b"x-amz-trailer-signature"), "4xx", None),

    # --- plain bodies with integrity headers ------------------------------------------------
    ("plain-checksum-crc32-header-wrong", PLAIN_CRC32,
     lambda r: with_header(r, "x-amz-checksum-crc32", checksum_b64("crc32", OTHER)),
     400, "BadDigest"),
    ("plain-content-md5-wrong", PLAIN_MD5,
     lambda r: with_header(r, "Content-MD5", md5_b64(OTHER)), 400, "BadDigest"),
    ("plain-sha256-hex-wrong", PLAIN_SHA256,
     lambda r: with_header(r, "x-amz-content-sha256",
                           hashlib.sha256(OTHER).hexdigest()),
     400, "XAmzContentSHA256Mismatch"),
]


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path).start()
    yield s
    s.stop()


def target_of(raw):
    _, headers, _ = split_request(raw)
    return bucket_key(hget(headers, "host"), request_method_target(raw)[1])


def put_good(server, bucket, key):
    with Conn(server.port) as c:
        r = c.exchange(f"PUT /{bucket} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        assert r.status == 200, r
        r = c.exchange(f"PUT /{bucket}/{key} HTTP/1.1\r\nHost: localhost\r\n"
                       f"Content-Length: {len(GOOD)}\r\n\r\n".encode() + GOOD)
        assert r.status == 200, r
        assert r.header("ETag") == etag_of(GOOD), r
    assert_object(server, bucket, key, GOOD, "the good version after its PUT")


def assert_object(server, bucket, key, want, what):
    g = get_path_style(server.port, bucket, key)
    assert g.status == 200, f"{what}: GET {bucket}/{key}: {g!r}"
    assert g.body == want, f"{what}: object is {g.body[:80]!r}, want {want[:80]!r}"
    assert g.header("ETag") == etag_of(want), f"{what}: ETag {g.header('ETag')}, want {etag_of(want)}"


def finish(server):
    problems = server.check_clean_stop()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("fixture,make,status,code", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_rejected_and_previous_object_intact(server, fixture, make, status, code):
    raw = read_fixture(fixture)
    bucket, key = target_of(raw)
    put_good(server, bucket, key)
    bad = make(raw)
    assert bad != raw
    with Conn(server.port) as c:
        try:
            r = c.exchange(bad)
        except (ConnectionError, OSError) as ex:
            pytest.fail(f"{fixture} variant: no HTTP answer ({ex!r})", pytrace=False)
    if status == "4xx":
        assert 400 <= r.status < 500, f"want 4xx, got {r!r}"
    else:
        assert r.status == status, f"want {status} {code}, got {r!r}"
        assert r.error_code() == code, f"want {code}, got {r!r}"
    assert_object(server, bucket, key, GOOD, "after the refused upload")
    finish(server)


CONTROLS = sorted({c[1] for c in CASES})


@pytest.mark.parametrize("fixture", CONTROLS)
def test_control_unmodified_fixture_is_stored(server, fixture):
    raw = read_fixture(fixture)
    bucket, key = target_of(raw)
    put_good(server, bucket, key)
    _, headers, body = split_request(raw)
    payload = decode_body(headers, body)[0]
    with Conn(server.port) as c:
        r = c.exchange(raw)
    assert r.status == 200, r
    assert_object(server, bucket, key, payload, "after the unmodified fixture")
    finish(server)
