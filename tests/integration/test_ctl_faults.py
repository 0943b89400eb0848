"""Fault rules (/_fakes3/faults) through the real binary: validation, matching, triggering (times,
after, seeded probability), S3 error answers that change nothing, and the http-level actions
(delays, resets before and after the head, truncation, pacing)."""

import http.client
import json
import socket
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import DUMMY_KEY_ID, DUMMY_SECRET, RawConn, error_code, http_status, parse_xml, raw, xml_text

BUCKET = "faults-bucket"


def ctl(server, method, path, body=None, raw_body=None):
    """One control call: (status, decoded JSON)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        data = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
        conn.request(method, "/_fakes3" + path, body=data,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        payload = r.read()
        return r.status, (json.loads(payload) if payload else None)
    finally:
        conn.close()


def add(server, rule):
    st, doc = ctl(server, "POST", "/faults", rule)
    assert st == 201, doc
    return doc


def rules(server):
    st, doc = ctl(server, "GET", "/faults")
    assert st == 200, doc
    return doc["faults"]


def rule(server, rid):
    return next(r for r in rules(server) if r["id"] == rid)


def setup_bucket(s3, objects=()):
    s3.create_bucket(Bucket=BUCKET)
    for key, body in objects:
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def get_status(s3, key):
    """The status (and error code) of a GetObject, without retries."""
    try:
        s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return 200, None
    except ClientError as e:
        return http_status(e), error_code(e)


def read_to_eof(conn, deadline=30.0):
    """Everything the server sends until it closes the connection (buffered bytes first)."""
    data, conn.buf = conn.buf, b""
    conn.sock.settimeout(deadline)
    try:
        while True:
            d = conn.sock.recv(65536)
            if not d:
                break
            data += d
    except ConnectionResetError:
        pass
    return data


def retrying_client(server, attempts):
    cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                 retries={"mode": "standard", "max_attempts": attempts}, connect_timeout=5,
                 read_timeout=60)
    return boto3.session.Session(aws_access_key_id=DUMMY_KEY_ID,
                                 aws_secret_access_key=DUMMY_SECRET,
                                 region_name="us-east-1").client(
        "s3", endpoint_url=server.endpoint, config=cfg)


# ---- the rules themselves ---------------------------------------------------------------------

@pytest.mark.parametrize("body,field", [
    ({}, "action"),
    ({"action": {}}, "action"),
    ({"action": "SlowDown"}, "action"),
    ({"action": {"error": "SlowDown"}, "bogus": 1}, "bogus"),
    ({"match": {"x": 1}, "action": {"error": "SlowDown"}}, "match.x"),
    ({"match": "GetObject", "action": {"error": "SlowDown"}}, "match"),
    ({"match": {"key": 5}, "action": {"error": "SlowDown"}}, "match.key"),
    ({"match": {"op": ""}, "action": {"error": "SlowDown"}}, "match.op"),
    ({"action": {"error": "Slow-Down"}}, "action.error"),
    ({"action": {"error": "A" * 64}}, "action.error"),
    ({"action": {"error": ""}}, "action.error"),
    ({"action": {"error": 503}}, "action.error"),
    ({"action": {"error": "SlowDown", "status": 600}}, "action.status"),
    ({"action": {"error": "SlowDown", "status": 99}}, "action.status"),
    ({"action": {"error": "SlowDown", "status": "503"}}, "action.status"),
    ({"action": {"status": 503}}, "action.status"),
    ({"action": {"error": "SlowDown", "message": 7}}, "action.message"),
    ({"action": {"error": "SlowDown", "colour": "red"}}, "action.colour"),
    ({"action": {"reset": "sometime"}}, "action.reset"),
    ({"action": {"reset": True}}, "action.reset"),
    ({"action": {"delay_ms": -1}}, "action.delay_ms"),
    ({"action": {"delay_ms": True}}, "action.delay_ms"),
    ({"action": {"delay_ms": 1.5}}, "action.delay_ms"),
    ({"action": {"body_delay_ms": "10"}}, "action.body_delay_ms"),
    ({"action": {"truncate_after": -1}}, "action.truncate_after"),
    ({"action": {"rate": 0}}, "action.rate"),
    ({"action": {"rate": "fast"}}, "action.rate"),
    ({"action": {"error": "SlowDown"}, "times": 0}, "times"),
    ({"action": {"error": "SlowDown"}, "times": "2"}, "times"),
    ({"action": {"error": "SlowDown"}, "after": -1}, "after"),
    ({"action": {"error": "SlowDown"}, "probability": 1.5}, "probability"),
    ({"action": {"error": "SlowDown"}, "probability": "half"}, "probability"),
    ({"action": {"error": "SlowDown"}, "seed": 1.5}, "seed"),
])
def test_bad_rules_are_refused_naming_the_field(server, body, field):
    st, doc = ctl(server, "POST", "/faults", body)
    assert st == 400, doc
    assert doc["error"] == "InvalidFaultRule"
    assert doc["message"].startswith(field + ":"), doc
    assert rules(server) == []


def test_a_body_that_is_not_a_json_object(server):
    for b in ("[1, 2]", "{", "nope"):
        st, doc = ctl(server, "POST", "/faults", raw_body=b)
        assert (st, doc["error"]) == (400, "MalformedJSON")
    st, doc = ctl(server, "PUT", "/faults", {})
    assert (st, doc["error"]) == (405, "MethodNotAllowed")
    assert rules(server) == []


def test_created_rule_listed_and_deleted(server):
    r1 = add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown", "status": 503},
                      "times": 2})
    assert r1 == {"id": "1", "match": {"op": "GetObject"},
                  "action": {"error": "SlowDown", "status": 503}, "times": 2, "hits": 0,
                  "matched": 0, "remaining": 2}
    r2 = add(server, {"action": {"delay_ms": 1}, "probability": 0.25})
    assert r2["id"] == "2" and r2["match"] == {} and isinstance(r2["seed"], int)
    assert "remaining" not in r2
    r3 = add(server, {"match": {"key": "a*"}, "action": {"reset": "after_head"}, "seed": 7})
    assert [r["id"] for r in rules(server)] == ["1", "2", "3"]

    assert ctl(server, "DELETE", "/faults/2") == (200, {"deleted": "2"})
    st, doc = ctl(server, "DELETE", "/faults/2")
    assert (st, doc["error"]) == (404, "NoSuchFault")
    st, doc = ctl(server, "DELETE", "/faults/nope")
    assert (st, doc["error"]) == (404, "NoSuchFault")
    assert [r["id"] for r in rules(server)] == ["1", "3"]
    assert rule(server, "3")["seed"] == 7 and r3["action"] == {"reset": "after_head"}

    assert ctl(server, "DELETE", "/faults") == (200, {"cleared": 2})
    assert rules(server) == []
    assert ctl(server, "DELETE", "/faults") == (200, {"cleared": 0})
    # Ids are never reused, so a stale id cannot delete a newer rule.
    assert add(server, {"action": {"error": "SlowDown"}})["id"] == "4"


# ---- errors and triggering --------------------------------------------------------------------

def test_error_rule_times_two(server, s3):
    setup_bucket(s3, [("k", b"hello")])
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown", "status": 503},
                 "times": 2})
    # First: S3's XML error document.
    r = raw(server.port, "GET", f"/{BUCKET}/k")
    assert r.status == 503
    assert r.header("Content-Type") == "application/xml"
    doc = parse_xml(r.body)
    assert xml_text(doc, "Code") == "SlowDown"
    assert xml_text(doc, "Message") == "Please reduce your request rate."
    assert xml_text(doc, "Resource") == f"/{BUCKET}/k"
    assert xml_text(doc, "RequestId") == r.header("x-amz-request-id")
    # Second: what boto3 sees.
    assert get_status(s3, "k") == (503, "SlowDown")
    # Third: the rule is spent.
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"hello"
    got = rule(server, "1")
    assert (got["hits"], got["matched"], got["remaining"]) == (2, 3, 0)
    # Other operations never matched it.
    s3.head_object(Bucket=BUCKET, Key="k")
    assert rule(server, "1")["matched"] == 3


def test_error_code_defaults_and_message(server, s3):
    setup_bucket(s3, [("k", b"x")])
    add(server, {"match": {"key": "k"}, "action": {"error": "NoSuchKey"}, "times": 1})
    add(server, {"match": {"key": "k"},
                 "action": {"error": "Teapot", "status": 418, "message": "short and stout"},
                 "times": 1})
    add(server, {"match": {"key": "k"}, "action": {"error": "MadeUp"}, "times": 1})
    r = raw(server.port, "GET", f"/{BUCKET}/k")
    assert r.status == 404
    assert xml_text(parse_xml(r.body), "Message") == "The specified key does not exist."
    r = raw(server.port, "GET", f"/{BUCKET}/k")
    assert r.status == 418
    assert xml_text(parse_xml(r.body), "Code") == "Teapot"
    assert xml_text(parse_xml(r.body), "Message") == "short and stout"
    r = raw(server.port, "GET", f"/{BUCKET}/k")
    assert r.status == 503 and xml_text(parse_xml(r.body), "Code") == "MadeUp"
    # A HEAD gets the status without a body.
    add(server, {"match": {"method": "HEAD"}, "action": {"error": "SlowDown"}, "times": 1})
    r = raw(server.port, "HEAD", f"/{BUCKET}/k")
    assert r.status == 503 and r.body == b""
    assert raw(server.port, "GET", f"/{BUCKET}/k").body == b"x"


def test_after_lets_the_first_matches_pass(server, s3):
    setup_bucket(s3, [("k", b"v")])
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown"}, "after": 2,
                 "times": 1})
    assert [get_status(s3, "k")[0] for _ in range(4)] == [200, 200, 503, 200]
    got = rule(server, "1")
    assert (got["hits"], got["matched"], got["after"]) == (1, 4, 2)


def test_rules_apply_in_order_first_that_fires(server, s3):
    setup_bucket(s3, [("k", b"v")])
    add(server, {"match": {"key": "k"}, "action": {"error": "First"}, "after": 1, "times": 1})
    add(server, {"match": {"key": "k"}, "action": {"error": "Second"}, "times": 1})
    # The first rule passes its first match on, so the second fires; then the first fires.
    assert get_status(s3, "k") == (503, "Second")
    assert get_status(s3, "k") == (503, "First")
    assert get_status(s3, "k") == (200, None)


def outcomes(server, seed, n=40):
    s3 = server.client()
    setup_bucket(s3, [("k", b"v")])
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown"},
                 "probability": 0.5, "seed": seed})
    return [get_status(s3, "k")[0] for _ in range(n)]


def test_probability_with_a_seed_repeats(server_factory, tmp_path):
    a = outcomes(server_factory(root=tmp_path / "a"), 42)
    b = outcomes(server_factory(root=tmp_path / "b"), 42)
    assert a == b
    assert 200 in a and 503 in a
    assert outcomes(server_factory(root=tmp_path / "c"), 43) != a


def test_probability_without_seed_reports_the_seed_drawn(server_factory, tmp_path):
    first = server_factory(root=tmp_path / "a")
    seed = add(first, {"match": {"op": "ListBuckets"}, "action": {"error": "SlowDown"},
                       "probability": 0.5})["seed"]
    s3 = first.client()
    seq = []
    for _ in range(30):
        try:
            s3.list_buckets()
            seq.append(200)
        except ClientError as e:
            seq.append(http_status(e))
    second = server_factory(root=tmp_path / "b")
    add(second, {"match": {"op": "ListBuckets"}, "action": {"error": "SlowDown"},
                 "probability": 0.5, "seed": seed})
    s3 = second.client()
    again = []
    for _ in range(30):
        try:
            s3.list_buckets()
            again.append(200)
        except ClientError as e:
            again.append(http_status(e))
    assert seq == again


def test_probability_zero_and_one(server, s3):
    setup_bucket(s3, [("k", b"v")])
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "Never"}, "probability": 0})
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "Always"}, "probability": 1,
                 "times": 3})
    assert [get_status(s3, "k") for _ in range(4)] == [(503, "Always")] * 3 + [(200, None)]
    assert rule(server, "1")["hits"] == 0 and rule(server, "1")["matched"] == 4


# ---- matching ---------------------------------------------------------------------------------

def test_key_glob_matches_across_slashes(server, s3):
    setup_bucket(s3, [("logs/a.txt", b"1"), ("logs/deep/b.txt", b"2"), ("logs/c.bin", b"3"),
                      ("x1", b"4"), ("x12", b"5"), ("other/logs/d.txt", b"6")])
    add(server, {"match": {"key": "logs/*.txt"}, "action": {"error": "GlobHit"}})
    add(server, {"match": {"key": "x?"}, "action": {"error": "QuestionHit"}})
    assert get_status(s3, "logs/a.txt") == (503, "GlobHit")
    assert get_status(s3, "logs/deep/b.txt") == (503, "GlobHit")  # '*' crosses '/'
    assert get_status(s3, "logs/c.bin") == (200, None)
    assert get_status(s3, "other/logs/d.txt") == (200, None)
    assert get_status(s3, "x1") == (503, "QuestionHit")
    assert get_status(s3, "x12") == (200, None)
    # A bucket-level call has no key: never matched by a key rule.
    s3.list_objects_v2(Bucket=BUCKET)


def test_op_method_bucket_header_client(server, s3):
    setup_bucket(s3, [("k", b"v")])
    s3.create_bucket(Bucket="faults-other")
    s3.put_object(Bucket="faults-other", Key="k", Body=b"w")
    add(server, {"match": {"op": "PutObject", "bucket": "faults-other"},
                 "action": {"error": "OpBucket"}})
    add(server, {"match": {"method": "DELETE"}, "action": {"error": "Method"}})
    add(server, {"match": {"header": "X-Fail-Me"}, "action": {"error": "Header"}})
    add(server, {"match": {"client": "10.9.9.9"}, "action": {"error": "OtherClient"}})
    add(server, {"match": {"client": "127.0.0.1", "op": "GetObjectTagging"},
                 "action": {"error": "ThisClient"}})

    def code(fn):
        try:
            fn()
            return None
        except ClientError as e:
            return error_code(e)

    assert code(lambda: s3.put_object(Bucket="faults-other", Key="n", Body=b"z")) == "OpBucket"
    assert code(lambda: s3.put_object(Bucket=BUCKET, Key="n", Body=b"z")) is None
    assert code(lambda: s3.get_object(Bucket="faults-other", Key="k")) is None
    assert code(lambda: s3.delete_object(Bucket=BUCKET, Key="n")) == "Method"
    assert code(lambda: s3.get_object_tagging(Bucket=BUCKET, Key="k")) == "ThisClient"
    assert rule(server, "4")["matched"] == 0
    # A header present, whatever its value (and its case).
    r = raw(server.port, "GET", f"/{BUCKET}/k", headers=[("x-fail-me", "")])
    assert r.status == 503 and xml_text(parse_xml(r.body), "Code") == "Header"
    assert raw(server.port, "GET", f"/{BUCKET}/k").body == b"v"
    # The DELETE failed: the object is still there.
    assert s3.get_object(Bucket=BUCKET, Key="n")["Body"].read() == b"z"


def test_failed_put_stores_nothing(server, s3):
    setup_bucket(s3)
    add(server, {"match": {"op": "PutObject"}, "action": {"error": "InternalError"}, "times": 2})
    body = b"b" * (256 * 1024)
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=BUCKET, Key="k", Body=body)
    assert http_status(ei.value) == 500 and error_code(ei.value) == "InternalError"
    # A raw PUT: the body is read whole before the answer, and the connection stays usable.
    with RawConn(server.port) as c:
        r = c.request("PUT", f"/{BUCKET}/k", body=body)
        assert r.status == 500 and xml_text(parse_xml(r.body), "Code") == "InternalError"
        r = c.request("HEAD", f"/{BUCKET}/k")
        assert r.status == 404
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=BUCKET, Key="k")
    assert http_status(ei.value) == 404
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    # The rule is spent: the next PUT stores.
    s3.put_object(Bucket=BUCKET, Key="k", Body=body)
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == body


def test_failed_delete_bucket_deletes_nothing(server, s3):
    s3.create_bucket(Bucket="faults-keep")
    add(server, {"match": {"op": "DeleteBucket"}, "action": {"error": "SlowDown"}, "times": 1})
    with pytest.raises(ClientError):
        s3.delete_bucket(Bucket="faults-keep")
    s3.head_bucket(Bucket="faults-keep")


def test_boto3_standard_retries_through_slowdown(server, s3):
    setup_bucket(s3, [("k", b"payload")])
    c = retrying_client(server, 3)
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown"}, "times": 1})
    got = c.get_object(Bucket=BUCKET, Key="k")
    assert got["Body"].read() == b"payload"
    assert got["ResponseMetadata"]["RetryAttempts"] == 1
    assert rule(server, "1")["hits"] == 1

    add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown"}, "times": 10})
    with pytest.raises(ClientError) as ei:
        c.get_object(Bucket=BUCKET, Key="k")
    assert error_code(ei.value) == "SlowDown"
    # botocore's max_attempts counts retries: the first attempt and 3 retries.
    assert ei.value.response["ResponseMetadata"]["RetryAttempts"] == 3
    got = rule(server, "2")
    assert (got["hits"], got["remaining"]) == (4, 6)


def test_faults_never_hit_control_calls(server, s3):
    add(server, {"action": {"error": "SlowDown"}})  # every S3 request
    add(server, {"action": {"reset": "before_head"}})
    assert ctl(server, "GET", "/health") == (200, {"status": "ok"})
    assert ctl(server, "GET", "/info")[0] == 200
    assert len(rules(server)) == 2
    with pytest.raises(ClientError) as ei:
        s3.list_buckets()
    assert error_code(ei.value) == "SlowDown"
    got = rules(server)
    assert (got[0]["matched"], got[0]["hits"], got[1]["matched"]) == (1, 1, 0)
    assert ctl(server, "DELETE", "/faults") == (200, {"cleared": 2})
    s3.list_buckets()


# ---- delays, resets, truncation, pacing --------------------------------------------------------

def test_delay_before_the_head(server, s3):
    setup_bucket(s3, [("k", b"v")])
    add(server, {"match": {"op": "GetObject"}, "action": {"delay_ms": 400}, "times": 1})
    t0 = time.monotonic()
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"v"
    assert time.monotonic() - t0 >= 0.4
    # Delay and error together: the error comes after the delay.
    add(server, {"match": {"op": "GetObject"}, "action": {"delay_ms": 300, "error": "SlowDown"},
                 "times": 1})
    t0 = time.monotonic()
    assert get_status(s3, "k") == (503, "SlowDown")
    assert time.monotonic() - t0 >= 0.3


def test_reset_before_head(server, s3):
    setup_bucket(s3, [("k", b"v" * 1000)])
    add(server, {"match": {"op": "GetObject"}, "action": {"reset": "before_head"}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k")
        assert read_to_eof(c) == b""
    # Spent: the next GET is whole.
    assert raw(server.port, "GET", f"/{BUCKET}/k").body == b"v" * 1000
    # boto3 without retries sees a connection error.
    add(server, {"match": {"op": "GetObject"}, "action": {"reset": "before_head"}, "times": 1})
    with pytest.raises(Exception) as ei:
        s3.get_object(Bucket=BUCKET, Key="k")
    assert not isinstance(ei.value, ClientError)


def test_reset_before_head_put_changes_nothing(server, s3):
    """A reset before the head fails the request: like an error rule's, its operation never
    runs, so the object neither appears nor changes."""
    setup_bucket(s3, [("old", b"before")])
    add(server, {"match": {"op": "PutObject"}, "action": {"reset": "before_head"}, "times": 2})
    body = b"p" * 5000
    with RawConn(server.port) as c:
        c.send_head("PUT", f"/{BUCKET}/k", headers=[("Content-Length", str(len(body)))],
                    body=body)
        assert read_to_eof(c) == b""
    with RawConn(server.port) as c:
        c.send_head("PUT", f"/{BUCKET}/old", headers=[("Content-Length", "3")], body=b"new")
        assert read_to_eof(c) == b""
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=BUCKET, Key="k")
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert s3.get_object(Bucket=BUCKET, Key="old")["Body"].read() == b"before"


def test_reset_after_head(server, s3):
    body = bytes(range(256)) * 40
    setup_bucket(s3, [("k", body)])
    add(server, {"match": {"op": "GetObject"}, "action": {"reset": "after_head"}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k")
        r = c.read_response(head=True)
        assert r.status == 200 and int(r.header("Content-Length")) == len(body)
        assert read_to_eof(c) == b""
    # A PUT with reset after the head is stored: its answer's head arrives, then EOF.
    add(server, {"match": {"op": "PutObject"}, "action": {"reset": "after_head"}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("PUT", f"/{BUCKET}/n", headers=[("Content-Length", "3")], body=b"new")
        r = c.read_response(head=True)
        assert r.status == 200
        assert read_to_eof(c) == b""
    assert s3.get_object(Bucket=BUCKET, Key="n")["Body"].read() == b"new"


def test_truncate_after(server, s3):
    body = bytes(range(256)) * 100
    setup_bucket(s3, [("k", body)])
    add(server, {"match": {"op": "GetObject"}, "action": {"truncate_after": 1234}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k")
        r = c.read_response(head=True)
        assert r.status == 200 and int(r.header("Content-Length")) == len(body)
        assert read_to_eof(c) == body[:1234]
    # A ranged GET is cut the same way, counting from the range's first byte.
    add(server, {"match": {"op": "GetObject"}, "action": {"truncate_after": 10}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k", headers=[("Range", "bytes=100-199")])
        r = c.read_response(head=True)
        assert r.status == 206 and r.header("Content-Length") == "100"
        assert read_to_eof(c) == body[100:110]
    # truncate_after at or past the length: the whole body, and the connection stays open.
    add(server, {"match": {"op": "GetObject"}, "action": {"truncate_after": len(body)},
                 "times": 1})
    with RawConn(server.port) as c:
        assert c.request("GET", f"/{BUCKET}/k").body == body
        assert c.request("GET", f"/{BUCKET}/k").body == body


def test_truncate_an_error_answer(server, s3):
    setup_bucket(s3)
    add(server, {"match": {"op": "GetObject"}, "action": {"error": "SlowDown", "truncate_after": 5},
                 "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k")
        r = c.read_response(head=True)
        assert r.status == 503 and int(r.header("Content-Length")) > 5
        assert read_to_eof(c) == b"<?xml"


def test_rate_paces_the_body(server, s3):
    body = b"r" * 3000
    setup_bucket(s3, [("k", body)])
    add(server, {"match": {"op": "GetObject"}, "action": {"rate": 2000}, "times": 1})
    t0 = time.monotonic()
    assert raw(server.port, "GET", f"/{BUCKET}/k").body == body
    assert time.monotonic() - t0 >= 1.5  # 3000 bytes at 2000 bytes/s


def test_body_delay(server, s3):
    body = b"d" * 2000
    setup_bucket(s3, [("k", body)])
    add(server, {"match": {"op": "GetObject"}, "action": {"body_delay_ms": 500}, "times": 1})
    with RawConn(server.port) as c:
        t0 = time.monotonic()
        c.send_head("GET", f"/{BUCKET}/k")
        r = c.read_response()
        assert r.status == 200 and r.body == body
        assert time.monotonic() - t0 >= 0.5
        # Kept alive: the next request on the connection is answered as usual.
        assert c.request("GET", f"/{BUCKET}/k").body == body


def test_shaped_answer_of_a_large_file_body(server, s3):
    # Past the small-body buffer: a GET answers from the file (or a reader).
    body = bytes(range(256)) * 4096  # 1 MiB
    setup_bucket(s3, [("big", body)])
    add(server, {"match": {"key": "big", "op": "GetObject"},
                 "action": {"truncate_after": 700000}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/big")
        r = c.read_response(head=True)
        assert int(r.header("Content-Length")) == len(body)
        assert read_to_eof(c) == body[:700000]
    add(server, {"match": {"key": "big", "op": "GetObject"}, "action": {"body_delay_ms": 1},
                 "times": 1})
    assert s3.get_object(Bucket=BUCKET, Key="big")["Body"].read() == body


def test_shaping_under_thread_per_connection(server_factory):
    # -l serves each connection on its own thread; its pacing and the rule's compose.
    server = server_factory(args=["-l", "100M"])
    s3 = server.client()
    body = bytes(range(256)) * 64
    setup_bucket(s3, [("k", body)])
    add(server, {"match": {"op": "GetObject"}, "action": {"truncate_after": 100}, "times": 1})
    add(server, {"match": {"op": "GetObject"}, "action": {"reset": "before_head"}, "times": 1})
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k")
        r = c.read_response(head=True)
        assert r.status == 200
        assert read_to_eof(c) == body[:100]
    with RawConn(server.port) as c:
        c.send_head("GET", f"/{BUCKET}/k")
        assert read_to_eof(c) == b""
    assert raw(server.port, "GET", f"/{BUCKET}/k").body == body
