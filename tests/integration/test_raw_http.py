"""The HTTP surface with bytes under the test's control: error documents, headers, dates, body
framing (chunked, 100-continue), keep-alive, Host-based addressing and size limits."""

import hashlib
import os
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from s3lib import (S3_NS, RawConn, md5_hex, parse_iso8601_ms, parse_rfc1123, raw)

FIVE_GIB = 5 * 1024 ** 3


def now():
    return datetime.now(timezone.utc)


def check_common_headers(r, what=""):
    rid = r.header("x-amz-request-id")
    hid = r.header("x-amz-id-2")
    assert rid, f"{what}: no x-amz-request-id in {r.headers}"
    assert hid, f"{what}: no x-amz-id-2 in {r.headers}"
    date = r.header("Date")
    assert date, f"{what}: no Date header"
    d = parse_rfc1123(date)
    assert abs((now() - d).total_seconds()) < 120, date
    assert r.header("Server"), f"{what}: no Server header"
    return rid


def check_error(r, status, code):
    assert r.status == status, r
    assert r.header("Content-Type", "").startswith("application/xml"), r.headers
    assert r.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), r.body[:80]
    root = ET.fromstring(r.body)
    assert root.tag == "Error", root.tag  # S3 error documents carry no namespace
    children = [c.tag for c in root]
    assert children[:2] == ["Code", "Message"], children
    assert root.findtext("Code") == code, r.body
    assert root.findtext("Message"), r.body
    assert root.findtext("RequestId") == r.header("x-amz-request-id"), r.body
    if root.find("HostId") is not None:
        assert root.findtext("HostId") == r.header("x-amz-id-2")
    check_common_headers(r, code)
    return root


# --- error documents and headers -----------------------------------------------------------------
def test_error_documents(server):
    p = server.port
    root = check_error(raw(p, "GET", "/no-such-bucket/k"), 404, "NoSuchBucket")
    assert root.findtext("BucketName") == "no-such-bucket"

    assert raw(p, "PUT", "/errs").status == 200
    root = check_error(raw(p, "GET", "/errs/missing%20key"), 404, "NoSuchKey")
    assert root.findtext("Key") == "missing key"

    assert raw(p, "PUT", "/errs/x", b"1").status == 200
    root = check_error(raw(p, "DELETE", "/errs"), 409, "BucketNotEmpty")
    assert root.findtext("BucketName") == "errs"

    root = check_error(raw(p, "PUT", "/Bad_Bucket"), 400, "InvalidBucketName")
    assert root.findtext("BucketName") == "Bad_Bucket"

    check_error(raw(p, "PUT", "/errs/" + "k" * 1025, b"x"), 400, "KeyTooLongError")
    check_error(raw(p, "GET", "/errs?max-keys=nope"), 400, "InvalidArgument")
    check_error(raw(p, "GET", "/errs?metadataTable"), 501, "NotImplemented")
    check_error(raw(p, "DELETE", "/"), 405, "MethodNotAllowed")
    check_error(raw(p, "PUT", "/new-bucket-bad-xml", b"<CreateBucketConfiguration><Loc"),
                400, "MalformedXML")
    assert raw(p, "HEAD", "/new-bucket-bad-xml").status == 404


def test_request_id_headers_on_every_response(server):
    ids = []
    with RawConn(server.port) as c:
        for method, target, body, status in [
            ("GET", "/", b"", 200),
            ("PUT", "/hdrs", b"", 200),
            ("HEAD", "/hdrs", b"", 200),
            ("HEAD", "/nope-bucket", b"", 404),
            ("PUT", "/hdrs/k", b"abc", 200),
            ("GET", "/hdrs/k", b"", 200),
            ("HEAD", "/hdrs/k", b"", 200),
            ("HEAD", "/hdrs/missing", b"", 404),
            ("GET", "/hdrs/missing", b"", 404),
            ("GET", "/hdrs", b"", 200),
            ("GET", "/hdrs?list-type=2", b"", 200),
            ("GET", "/hdrs?location", b"", 200),
            ("DELETE", "/hdrs/k", b"", 204),
            ("DELETE", "/hdrs", b"", 204),
            ("GET", "/hdrs", b"", 404),
        ]:
            r = c.request(method, target, body)
            assert r.status == status, (method, target, r)
            ids.append(check_common_headers(r, f"{method} {target}"))
            if method == "HEAD":
                assert r.body == b""
    assert len(set(ids)) == len(ids), f"request ids repeat: {ids}"


def test_xml_responses_carry_the_s3_namespace(server):
    p = server.port
    assert raw(p, "PUT", "/ns-bucket/k", b"x").status == 200
    for target, tag in [("/", "ListAllMyBucketsResult"), ("/ns-bucket", "ListBucketResult"),
                        ("/ns-bucket?list-type=2", "ListBucketResult"),
                        ("/ns-bucket?location", "LocationConstraint")]:
        r = raw(p, "GET", target)
        assert r.status == 200, r
        assert r.header("Content-Type", "").startswith("application/xml"), (target, r.headers)
        assert ET.fromstring(r.body).tag == "{%s}%s" % (S3_NS, tag), (target, r.body[:200])


def test_dates(server):
    p = server.port
    t0 = now()
    assert raw(p, "PUT", "/dates/k", b"x").status == 200
    x = raw(p, "GET", "/").xml()
    cd = parse_iso8601_ms(x.findtext("Buckets/Bucket/CreationDate"))
    assert abs((cd - t0).total_seconds()) < 120
    for q in ("", "?list-type=2"):
        x = raw(p, "GET", "/dates" + q).xml()
        lm = parse_iso8601_ms(x.findtext("Contents/LastModified"))
        assert abs((lm - t0).total_seconds()) < 120
    for method in ("GET", "HEAD"):
        r = raw(p, method, "/dates/k")
        hl = parse_rfc1123(r.header("Last-Modified"))
        assert hl == lm.replace(microsecond=0), (hl, lm)


# --- request bodies ------------------------------------------------------------------------------
def test_chunked_upload(server):
    parts = [b"hello ", b"chunked ", b"x" * 70000, b"world"]
    data = b"".join(parts)
    with RawConn(server.port) as c:
        c.send_head("PUT", "/chunky/obj", [("Transfer-Encoding", "chunked"),
                                            ("Content-Type", "text/plain")])
        for i, part in enumerate(parts):
            size = f"{len(part):X}" if i % 2 else f"{len(part):x}"
            ext = ";name=value" if i == 1 else ""
            c.send(f"{size}{ext}\r\n".encode() + part + b"\r\n")
            time.sleep(0.02)
        c.send(b"0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert r.header("ETag") == f'"{md5_hex(data)}"'
        g = c.request("GET", "/chunky/obj")
        assert g.status == 200 and g.body == data
        assert g.header("Content-Length") == str(len(data))
        assert g.header("Content-Type") == "text/plain"


@pytest.mark.parametrize("expect", ["100-continue", "100-Continue", "100-CONTINUE"])
def test_expect_100_continue(server, expect):
    data = b"continued body " * 1000
    with RawConn(server.port, timeout=5) as c:
        c.send_head("PUT", "/cont/obj", [("Content-Length", str(len(data))), ("Expect", expect)])
        interim = c.read_response(allow_interim=True)
        assert interim.status == 100, f"want 100 Continue before the body, got {interim}"
        c.send(data)
        r = c.read_response()
        assert r.status == 200, r
        assert r.header("ETag") == f'"{md5_hex(data)}"'
        assert c.request("GET", "/cont/obj").body == data


def test_expect_100_continue_with_chunked_body(server):
    data = b"abc" * 5000
    with RawConn(server.port, timeout=5) as c:
        c.send_head("PUT", "/cont/chunked", [("Transfer-Encoding", "chunked"),
                                              ("Expect", "100-continue")])
        assert c.read_response(allow_interim=True).status == 100
        c.send(f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert r.header("ETag") == f'"{md5_hex(data)}"'


def test_keep_alive(server):
    with RawConn(server.port) as c:
        steps = [
            ("PUT", "/keep", b"", [], 200),
            ("PUT", "/keep/a", b"aaaa", [], 200),
            ("PUT", "/keep/b", b"bb", [("Expect", "100-continue")], 200),
            ("GET", "/keep/a", b"", [], 200),
            ("HEAD", "/keep/b", b"", [], 200),
            ("GET", "/keep/missing", b"", [], 404),
            ("HEAD", "/keep/missing", b"", [], 404),
            ("GET", "/keep?list-type=2", b"", [], 200),
            ("GET", "/", b"", [], 200),
            ("DELETE", "/keep/a", b"", [], 204),
            ("DELETE", "/keep/a", b"", [], 204),
            ("GET", "/keep/b", b"", [], 200),
        ]
        for method, target, body, hdrs, status in steps:
            r = c.request(method, target, body, hdrs)
            assert r.status == status, (method, target, r)
            assert (r.header("Connection") or "").lower() != "close", (method, target, r.headers)
        assert r.body == b"bb"
        assert not c.closed_by_peer(0.3), "server closed an idle keep-alive connection at once"
        assert c.request("GET", "/keep/b").body == b"bb"


def test_error_with_unread_body_does_not_desync_connection(server):
    """An error answered before the body was read: the server must either read past the body or
    close the connection; the body bytes must never be parsed as the next request."""
    assert raw(server.port, "PUT", "/desync").status == 200
    body = b"GET /desync/evil HTTP/1.1\r\nHost: x\r\n\r\n"
    with RawConn(server.port) as c:
        r = c.request("PUT", "/desync/" + "k" * 1025, body)
        assert r.status == 400, r
        try:
            r2 = c.request("GET", "/desync?list-type=2")
        except (ConnectionError, OSError):
            return  # closed: fine
        assert r2.status == 200, r2
        assert b"ListBucketResult" in r2.body


# --- addressing by Host header -------------------------------------------------------------------
def test_compose_alias_virtual_host(server):
    p = server.port
    r = raw(p, "PUT", "/foo.txt", b"hello vhost", host=f"my-bucket.fakes3:{p}")
    assert r.status == 200, r
    # The bucket was created by that PUT and the object is reachable path-style.
    assert raw(p, "GET", "/my-bucket/foo.txt").body == b"hello vhost"
    for host in (f"my-bucket.fakes3:{p}", "my-bucket.fakes3"):
        r = raw(p, "GET", "/foo.txt", host=host)
        assert (r.status, r.body) == (200, b"hello vhost"), host
        x = raw(p, "GET", "/", host=host).xml()
        assert x.tag == "ListBucketResult", (host, x.tag)
        assert x.findtext("Name") == "my-bucket"
        assert [k.text for k in x.findall("Contents/Key")] == ["foo.txt"]
    # Bare single-label host: path style, service level at "/".
    x = raw(p, "GET", "/", host=f"fakes3:{p}").xml()
    assert x.tag == "ListAllMyBucketsResult"
    assert [n.text for n in x.findall("Buckets/Bucket/Name")] == ["my-bucket"]
    assert raw(p, "GET", "/my-bucket/foo.txt", host=f"fakes3:{p}").body == b"hello vhost"
    assert raw(p, "GET", "/my-bucket/foo.txt", host="fakes3").body == b"hello vhost"


@pytest.mark.parametrize("host", ["127.0.0.1:{p}", "127.0.0.1", "localhost:{p}", "localhost",
                                  "[::1]:{p}", "s3.amazonaws.com", "s3.eu-west-1.amazonaws.com",
                                  "s3.us-east-1.amazonaws.com:{p}"])
def test_path_style_hosts(server, host):
    p = server.port
    host = host.format(p=p)
    assert raw(p, "PUT", "/path-bucket/k.txt", b"path style", host=host).status == 200
    r = raw(p, "GET", "/path-bucket/k.txt", host=host)
    assert (r.status, r.body) == (200, b"path style"), (host, r)
    x = raw(p, "GET", "/", host=host).xml()
    assert x.tag == "ListAllMyBucketsResult", host
    assert [n.text for n in x.findall("Buckets/Bucket/Name")] == ["path-bucket"]


@pytest.mark.parametrize("host", ["vh-bucket.s3.amazonaws.com", "vh-bucket.s3.amazonaws.com:{p}",
                                  "vh-bucket.s3.eu-west-1.amazonaws.com",
                                  "my.dotted.bucket.s3.amazonaws.com"])
def test_amazon_virtual_host_names(server, host):
    p = server.port
    host = host.format(p=p)
    bucket = host.split(".s3.")[0]
    assert raw(p, "PUT", "/obj", b"amazon vhost", host=host).status == 200
    assert raw(p, "GET", "/obj", host=host).body == b"amazon vhost"
    assert raw(p, "GET", f"/{bucket}/obj").body == b"amazon vhost"


def test_dotted_bucket_under_configured_base(server_factory):
    srv = server_factory(args=["-H", "s3.local", "-H", "objects.example.test"])
    p = srv.port
    host = f"my.dotted.bucket.s3.local:{p}"
    r = raw(p, "PUT", "/deep/key.txt", b"dotted", host=host)
    assert r.status == 200, r
    assert raw(p, "GET", "/my.dotted.bucket/deep/key.txt").body == b"dotted"
    x = raw(p, "GET", "/", host=host).xml()
    assert x.findtext("Name") == "my.dotted.bucket"
    # The base itself is path style (service level), and so is the second base.
    for base in (f"s3.local:{p}", "objects.example.test"):
        x = raw(p, "GET", "/", host=base).xml()
        assert x.tag == "ListAllMyBucketsResult", base
        assert [n.text for n in x.findall("Buckets/Bucket/Name")] == ["my.dotted.bucket"]
    r = raw(p, "GET", "/deep/key.txt", host="my.dotted.bucket.objects.example.test")
    assert r.body == b"dotted"


def test_percent_encoded_path_is_decoded(server):
    p = server.port
    assert raw(p, "PUT", "/dec/foo%20bar.txt", b"x").status == 200
    assert raw(p, "GET", "/dec/foo bar.txt".replace(" ", "%20")).body == b"x"
    assert raw(p, "GET", "/dec/%66oo%20bar%2Etxt").body == b"x"
    x = raw(p, "GET", "/dec").xml()
    assert [k.text for k in x.findall("Contents/Key")] == ["foo bar.txt"]


# --- limits ----------------------------------------------------------------------------------------
def test_entity_too_large_answered_without_body(server):
    p = server.port
    assert raw(p, "PUT", "/huge").status == 200
    with RawConn(p, timeout=5) as c:
        c.send_head("PUT", "/huge/obj", [("Content-Length", str(FIVE_GIB + 1))])
        r = c.read_response()  # no body was sent: the answer must come anyway
        root = check_error(r, 400, "EntityTooLarge")
        # S3 names the sizes in the error document.
        assert root.findtext("ProposedSize") == str(FIVE_GIB + 1), r.body
        assert root.findtext("MaxSizeAllowed") == str(FIVE_GIB), r.body
    with RawConn(p, timeout=5) as c:
        c.send_head("PUT", "/huge/obj", [("Content-Length", str(FIVE_GIB + 1)),
                                         ("Expect", "100-continue")])
        r = c.read_response(allow_interim=True)
        assert r.status == 400, f"want the error instead of 100 Continue, got {r}"
    assert raw(p, "HEAD", "/huge/obj").status == 404


def test_five_gib_exactly_is_accepted_then_abandoned(server):
    p = server.port
    with RawConn(p, timeout=5) as c:
        c.send_head("PUT", "/huge2/obj", [("Content-Length", str(FIVE_GIB)),
                                          ("Expect", "100-continue")])
        r = c.read_response(allow_interim=True)
        assert r.status == 100, r
        c.send(b"x" * 100000)
    # The client went away: no object, and the server still answers.
    time.sleep(0.2)
    assert raw(p, "HEAD", "/huge2/obj").status == 404
    assert raw(p, "GET", "/").status == 200
    # The server noticed the closed connection: the partial body is dropped from tmp/ ...
    tmpdir = os.path.join(server.root, "tmp")
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and os.path.isdir(tmpdir) and os.listdir(tmpdir):
        time.sleep(0.05)
    left = os.listdir(tmpdir) if os.path.isdir(tmpdir) else []
    assert left == [], f"abandoned upload still in {tmpdir} after 3 s: {left}"
    # ... and nothing is in flight any more, so SIGTERM ends the server at once.
    t0 = time.monotonic()
    assert server.stop(timeout=5) == 0
    assert time.monotonic() - t0 < 3


def test_missing_content_length(server):
    p = server.port
    assert raw(p, "PUT", "/nolen").status == 200
    with RawConn(p, timeout=5) as c:
        c.send(f"PUT /nolen/obj HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\n\r\n".encode())
        check_error(c.read_response(), 411, "MissingContentLength")
    assert raw(p, "HEAD", "/nolen/obj").status == 404


def test_zero_content_length_put_is_an_empty_object(server):
    p = server.port
    r = raw(p, "PUT", "/zero/obj", b"", [("Content-Length", "0")])
    assert r.status == 200 and r.header("ETag") == f'"{md5_hex(b"")}"'
    g = raw(p, "GET", "/zero/obj")
    assert (g.status, g.body, g.header("Content-Length")) == (200, b"", "0")


def test_concurrent_clients(server):
    """Eight clients at once, each on its own keep-alive connection."""
    p = server.port
    assert raw(p, "PUT", "/conc").status == 200
    errors = []

    def worker(n):
        try:
            with RawConn(p) as c:
                for i in range(25):
                    body = f"client {n} object {i} ".encode() * (i + 1)
                    r = c.request("PUT", f"/conc/c{n}/o{i:02d}", body)
                    assert r.status == 200, r
                    g = c.request("GET", f"/conc/c{n}/o{i:02d}")
                    assert g.body == body, (n, i)
                    if i % 5 == 0:
                        assert c.request("GET", f"/conc?list-type=2&prefix=c{n}/").status == 200
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"client {n}: {e!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    x = raw(p, "GET", "/conc?list-type=2").xml()
    assert x.findtext("KeyCount") == str(8 * 25)


def test_invalid_utf8_key_is_rejected_and_listing_stays_valid(server):
    p = server.port
    assert raw(p, "PUT", "/utf8/good", b"x").status == 200
    r = raw(p, "PUT", "/utf8/bad%FF%FEkey", b"x")
    # Keys are UTF-8; S3 refuses other bytes with a 400 (InvalidURI, from memory).
    assert r.status == 400, r
    x = raw(p, "GET", "/utf8").xml()  # must still be well-formed XML
    assert [k.text for k in x.findall("Contents/Key")] == ["good"]


def test_first_puts_into_a_new_bucket_race(server):
    """Eight clients create the same bucket implicitly at once: all succeed, one bucket."""
    p = server.port
    results = []
    barrier = threading.Barrier(8)

    def worker(n):
        with RawConn(p) as c:
            barrier.wait(5)
            results.append(c.request("PUT", f"/racy-bucket/k{n}", f"v{n}".encode()).status)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 8, results
    x = raw(p, "GET", "/").xml()
    assert [n.text for n in x.findall("Buckets/Bucket/Name")] == ["racy-bucket"]
    x = raw(p, "GET", "/racy-bucket?list-type=2").xml()
    assert x.findtext("KeyCount") == "8"


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_large_bodies_stream(server_factory):
    """A 256 MiB PUT and GET do not raise the server's peak memory by anything near 256 MiB
    (ASan's quarantine is made small so that freed buffers do not count)."""
    srv = server_factory(env={"ASAN_OPTIONS": "detect_leaks=1:quarantine_size_mb=4"})
    p = srv.port
    assert raw(p, "PUT", "/stream").status == 200
    size = 256 * 1024 * 1024
    block = os.urandom(1024 * 1024)
    md5 = hashlib.md5()
    before = vm_hwm_kib(srv.proc.pid)
    with RawConn(p, timeout=60) as c:
        c.send_head("PUT", "/stream/big", [("Content-Length", str(size))])
        for _ in range(size // len(block)):
            c.send(block)
            md5.update(block)
        r = c.read_response()
        assert r.status == 200, r
        assert r.header("ETag") == f'"{md5.hexdigest()}"'
        c.send_head("GET", "/stream/big")
        # Read the body in pieces rather than through read_response (which buffers it).
        head = b""
        while b"\r\n\r\n" not in head:
            head += c.sock.recv(65536)
        head, rest = head.split(b"\r\n\r\n", 1)
        assert b" 200 " in head.split(b"\r\n")[0], head
        got = hashlib.md5(rest)
        n = len(rest)
        while n < size:
            d = c.sock.recv(1 << 20)
            assert d, "connection closed early"
            got.update(d)
            n += len(d)
        assert n == size and got.hexdigest() == md5.hexdigest()
    grown_mib = (vm_hwm_kib(srv.proc.pid) - before) / 1024
    assert grown_mib < 96, f"peak memory grew by {grown_mib:.0f} MiB for a 256 MiB object"
