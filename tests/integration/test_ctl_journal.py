"""The request journal of the control namespace (/_fakes3/requests, its DELETE and its wait),
and the namespace's access rules (health open, info for admins only, --no-control), through
the real binary with boto3 and raw HTTP."""

import base64
import hashlib
import http.client
import json
import threading
import urllib.request

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from s3lib import error_code, make_client, raw, wait_for

ADMIN = ("AKIAADMIN0000000000A", "admin-secret-0123456789abcdefghijklmnopq")
PLAIN = ("AKIAPLAIN0000000000P", "plain-secret-0123456789abcdefghijklmnopq")


def call(server, method, path, keys=None, timeout=60):
    """A control call (path after /_fakes3, query included), SigV4-signed by keys=(ak, sk) with
    botocore's signer when given. Returns (status, parsed JSON body)."""
    target = "/_fakes3" + path
    headers = {}
    if keys is not None:
        req = AWSRequest(method=method, url=f"http://127.0.0.1:{server.port}{target}", data=b"")
        S3SigV4Auth(Credentials(*keys), "s3", "us-east-1").add_auth(req)
        headers = dict(req.headers.items())
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, target, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return resp.status, (json.loads(body) if body else None)


def client_as(server, keys):
    """A path-style boto3 client signing with keys=(ak, sk)."""
    cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                 retries={"total_max_attempts": 1})
    session = boto3.session.Session(aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                                    region_name="us-east-1")
    return session.client("s3", endpoint_url=server.endpoint, config=cfg)


def entries(server, query="", keys=None):
    status, doc = call(server, "GET", "/requests" + (f"?{query}" if query else ""), keys)
    assert status == 200, doc
    return doc["requests"]


def settle(server, n, keys=None):
    """Wait until the journal holds n entries: an exchange is recorded once it is over, which
    is a moment after its client has the answer."""
    status, doc = call(server, "GET", f"/requests/wait?count={n}&timeout=60", keys)
    assert status == 200, doc


def last_id(server, keys=None):
    status, doc = call(server, "GET", "/requests?limit=0", keys)
    assert status == 200, doc
    return doc["last_id"]


def test_entries_for_put_get_head_delete_list(server):
    s3 = server.client()
    s3.create_bucket(Bucket="jbk")
    s3.put_object(Bucket="jbk", Key="dir/a.txt", Body=b"hello")
    s3.get_object(Bucket="jbk", Key="dir/a.txt")["Body"].read()
    s3.head_object(Bucket="jbk", Key="dir/a.txt")
    s3.list_objects_v2(Bucket="jbk", Prefix="dir/")
    s3.delete_object(Bucket="jbk", Key="dir/a.txt")
    settle(server, 6)
    got = entries(server, "bucket=jbk")
    assert [(e["op"], e["method"], e["key"], e["status"]) for e in got] == [
        ("CreateBucket", "PUT", None, 200),
        ("PutObject", "PUT", "dir/a.txt", 200),
        ("GetObject", "GET", "dir/a.txt", 200),
        ("HeadObject", "HEAD", "dir/a.txt", 200),
        ("ListObjectsV2", "GET", None, 200),
        ("DeleteObject", "DELETE", "dir/a.txt", 204),
    ]
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for e in got:
        assert e["style"] == "path"
        assert e["bucket"] == "jbk"
        assert e["error"] is None
        assert e["client"] == "127.0.0.1"
        assert e["target"].startswith("/jbk")
        assert e["request_id"] == e["response_headers"]["x-amz-request-id"]
        assert e["request_headers"]["host"] == f"127.0.0.1:{server.port}"
        assert e["auth"]["access_key"] is None
        assert e["duration_ms"] >= 0
        assert e["time"].endswith("Z") and e["time"].startswith("20")
    get = got[2]
    assert get["response_bytes"] == 5
    assert got[3]["response_bytes"] == 0  # HEAD: no body sent
    assert got[4]["target"].startswith("/jbk?list-type=2")


def test_an_answered_request_is_listed_at_once(server):
    # The entry is made before the answer goes out, not when the exchange is over.
    s3 = server.client()
    s3.create_bucket(Bucket="now")
    for i in range(30):
        s3.put_object(Bucket="now", Key=f"k{i}", Body=b"1")
        got = entries(server, f"op=PutObject&key=k{i}")
        assert [e["key"] for e in got if e["key"] == f"k{i}"] == [f"k{i}"]
        with pytest.raises(ClientError):
            s3.head_object(Bucket="now", Key=f"missing{i}")
        (e,) = entries(server, f"key=missing{i}")
        assert e["status"] == 404


def test_virtual_host_style(server):
    server.client().create_bucket(Bucket="vbk")
    s3v = make_client(f"http://fakes3:{server.port}", addressing_style="virtual",
                      connect_to=("127.0.0.1", server.port))
    s3v.put_object(Bucket="vbk", Key="k1", Body=b"v")
    settle(server, 2)
    (e,) = entries(server, "op=PutObject")
    assert (e["style"], e["bucket"], e["key"], e["target"]) == ("virtual", "vbk", "k1", "/k1")
    assert e["request_headers"]["host"] == f"vbk.fakes3:{server.port}"


def test_failing_request_has_status_and_error(server):
    s3 = server.client()
    s3.create_bucket(Bucket="ebk")
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket="ebk", Key="missing")
    assert error_code(ei.value) == "NoSuchKey"
    settle(server, 2)
    (e,) = entries(server, "error=NoSuchKey")
    assert (e["op"], e["status"], e["error"], e["key"]) == ("GetObject", 404, "NoSuchKey", "missing")
    assert e["response_bytes"] > 0
    assert e["response_headers"]["content-type"] == "application/xml"


def test_put_body_size_and_sha256(server):
    s3 = server.client()
    s3.create_bucket(Bucket="hbk")
    body = bytes(range(256)) * 1000 + b"tail"
    s3.put_object(Bucket="hbk", Key="big", Body=body)
    s3.get_object(Bucket="hbk", Key="big")["Body"].read()
    settle(server, 3)
    put, get = entries(server, "key=big")
    assert put["request_body"] == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert get["request_body"] == {"bytes": 0, "sha256": None}
    assert get["response_bytes"] == len(body)


def test_every_filter_since_and_limit(server):
    s3 = server.client()
    s3.create_bucket(Bucket="fak")
    s3.create_bucket(Bucket="fbk")
    for k in ("x/1", "x/2", "y/1"):
        s3.put_object(Bucket="fak", Key=k, Body=b"1")
    s3.put_object(Bucket="fbk", Key="x/9", Body=b"1")
    with pytest.raises(ClientError):
        s3.get_object(Bucket="fak", Key="nope")
    with pytest.raises(ClientError):
        s3.get_object(Bucket="nobucket", Key="k")
    settle(server, 8)

    def keys(q):
        return [(e["bucket"], e["key"]) for e in entries(server, q)]

    assert keys("op=PutObject&bucket=fak") == [("fak", "x/1"), ("fak", "x/2"), ("fak", "y/1")]
    assert keys("bucket=fak&key=x/") == [("fak", "x/1"), ("fak", "x/2")]
    assert keys("key=x/") == [("fak", "x/1"), ("fak", "x/2"), ("fbk", "x/9")]
    assert keys("method=GET") == [("fak", "nope"), ("nobucket", "k")]
    assert keys("status=404") == [("fak", "nope"), ("nobucket", "k")]
    assert keys("status=4xx") == [("fak", "nope"), ("nobucket", "k")]
    assert keys("status=2xx&op=CreateBucket") == [("fak", None), ("fbk", None)]
    assert keys("status=500") == []
    assert keys("error=NoSuchBucket") == [("nobucket", "k")]
    assert keys("op=PutObject&limit=2") == [("fak", "y/1"), ("fbk", "x/9")]
    assert keys("limit=0") == []
    all_ = entries(server)
    assert len(all_) == 8
    mid = all_[3]["id"]
    assert [e["id"] for e in entries(server, f"since={mid}")] == [e["id"] for e in all_[4:]]
    assert [e["id"] for e in entries(server, f"since={mid}&limit=1")] == [all_[-1]["id"]]
    assert call(server, "GET", "/requests?status=abc")[0] == 400
    assert call(server, "GET", "/requests?since=-1")[0] == 400


def test_delete_clears_and_ids_go_on(server):
    s3 = server.client()
    s3.create_bucket(Bucket="cbk")
    s3.put_object(Bucket="cbk", Key="a", Body=b"1")
    settle(server, 2)
    before = last_id(server)
    assert before == 2
    assert call(server, "DELETE", "/requests") == (200, {"cleared": 2})
    assert entries(server) == []
    assert last_id(server) == before
    s3.put_object(Bucket="cbk", Key="b", Body=b"1")
    settle(server, 1)
    (e,) = entries(server)
    assert e["id"] == before + 1
    assert call(server, "DELETE", "/requests") == (200, {"cleared": 1})


def test_ring_drops_the_oldest(server_factory):
    server = server_factory(args=["--journal", "3"])
    s3 = server.client()
    s3.create_bucket(Bucket="rbk")
    for i in range(5):
        s3.put_object(Bucket="rbk", Key=f"k{i}", Body=b"1")
    assert call(server, "GET", "/requests/wait?since=5&timeout=60")[0] == 200
    got = entries(server)
    assert [e["key"] for e in got] == ["k2", "k3", "k4"]
    assert [e["id"] for e in got] == [4, 5, 6]


def test_journal_off_answers_409(server_factory):
    server = server_factory(args=["--journal", "0"])
    server.client().create_bucket(Bucket="obk")
    for method, path in (("GET", "/requests"), ("DELETE", "/requests"),
                         ("GET", "/requests/wait?timeout=0")):
        status, doc = call(server, method, path)
        assert status == 409 and doc["error"] == "JournalOff", (method, path, doc)


def _wait_in_thread(server, query):
    out = {}

    def run():
        try:
            out["result"] = call(server, "GET", "/requests/wait?" + query, timeout=120)
        except (ConnectionError, http.client.HTTPException) as e:
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_wait_returns_when_requests_arrive(server):
    s3 = server.client()
    s3.create_bucket(Bucket="wbk")
    settle(server, 1)
    since = last_id(server)
    t, out = _wait_in_thread(server, f"since={since}&op=PutObject&count=3&timeout=120")
    for i in range(3):
        s3.put_object(Bucket="wbk", Key=f"w{i}", Body=b"1")
    t.join(130)
    assert not t.is_alive()
    status, doc = out["result"]
    assert status == 200, doc
    assert [e["key"] for e in doc["requests"]] == ["w0", "w1", "w2"]
    assert doc["last_id"] >= since + 3


def test_wait_holds_no_worker_thread(server_factory):
    # One worker thread: a wait that held it would keep the requests it waits for from ever
    # being served (until its timeout).
    server = server_factory(args=["--threads", "1"])
    s3 = server.client()
    s3.create_bucket(Bucket="tbk")
    settle(server, 1)
    since = last_id(server)
    t, out = _wait_in_thread(server, f"since={since}&count=2&timeout=120")
    s3.put_object(Bucket="tbk", Key="a", Body=b"1")
    s3.get_object(Bucket="tbk", Key="a")["Body"].read()
    t.join(130)
    status, doc = out["result"]
    assert status == 200, doc
    assert [e["op"] for e in doc["requests"]] == ["PutObject", "GetObject"]


def test_wait_already_satisfied_answers_at_once(server):
    server.client().create_bucket(Bucket="sbk")
    status, doc = call(server, "GET", "/requests/wait?op=CreateBucket&timeout=300")
    assert status == 200
    assert [e["bucket"] for e in doc["requests"]] == ["sbk"]


def test_wait_times_out_with_408(server):
    server.client().create_bucket(Bucket="obk")
    status, doc = call(server, "GET", "/requests/wait?op=PutObject&timeout=0.2")
    assert status == 408
    assert doc["error"] == "Timeout" and doc["requests"] == []
    assert call(server, "GET", "/requests/wait?timeout=301")[0] == 400


def test_control_calls_are_not_journaled(server):
    server.client().create_bucket(Bucket="nbk")
    settle(server, 1)
    for path in ("/health", "/info", "/requests", "/nosuchcall"):
        call(server, "GET", path)
    call(server, "GET", "/requests/wait?timeout=0")
    call(server, "DELETE", "/requests")
    server.client().list_buckets()
    settle(server, 1)
    got = entries(server)
    assert [e["op"] for e in got] == ["ListBuckets"]
    assert not any(e["target"].startswith("/_fakes3") for e in entries(server))


def test_cookie_and_sse_c_key_are_redacted(server):
    s3 = server.client()
    s3.create_bucket(Bucket="xbk")
    key = b"k" * 32
    key_b64 = base64.b64encode(key).decode()
    s3.put_object(Bucket="xbk", Key="enc", Body=b"secret data", SSECustomerAlgorithm="AES256",
                  SSECustomerKey=key.decode())
    r = raw(server.port, "GET", "/xbk/enc", headers=[("Cookie", "session=cookie-secret-value")])
    assert r.status == 400  # no key given for an SSE-C object
    settle(server, 3)
    status, doc = call(server, "GET", "/requests?bucket=xbk")
    text = json.dumps(doc)
    put, get = doc["requests"][1:]
    assert put["request_headers"]["x-amz-server-side-encryption-customer-key"] == "REDACTED"
    assert put["request_headers"]["x-amz-server-side-encryption-customer-key-md5"] == "REDACTED"
    assert get["request_headers"]["cookie"] == "REDACTED"
    assert key_b64 not in text
    assert base64.b64encode(hashlib.md5(key).digest()).decode() not in text
    assert "cookie-secret-value" not in text


def test_signatures_are_redacted_and_control_needs_the_admin(server_factory):
    server = server_factory(args=["--access-key", ADMIN[0], "--secret-key", ADMIN[1]])
    s3 = client_as(server, ADMIN)
    sent = []
    s3.meta.events.register("before-send.s3",
                            lambda request, **_: sent.append(request.headers["Authorization"].decode()))
    s3.create_bucket(Bucket="sig")
    s3.put_object(Bucket="sig", Key="a", Body=b"1")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "sig", "Key": "a"})
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"1"
    presig = url.split("X-Amz-Signature=")[1].split("&")[0]

    # Unsigned: refused; signed by the admin: the entries.
    settle(server, 3, keys=ADMIN)
    assert call(server, "GET", "/requests")[0] == 403
    status, doc = call(server, "GET", "/requests?bucket=sig", keys=ADMIN)
    assert status == 200
    text = json.dumps(doc)
    assert len(sent) == 2
    for auth in sent:
        sig = auth.split("Signature=")[1]
        assert sig not in text
    assert presig not in text
    create, put, get = doc["requests"]
    assert put["request_headers"]["authorization"].endswith("Signature=REDACTED")
    assert put["request_headers"]["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ADMIN[0]}/")
    assert put["auth"]["access_key"] == ADMIN[0]
    assert "X-Amz-Signature=REDACTED" in get["target"]
    assert get["auth"]["access_key"] == ADMIN[0]
    assert get["status"] == 200


def _users_server(server_factory, tmp_path):
    users = {"users": [
        {"access_key": ADMIN[0], "secret_key": ADMIN[1], "admin": True},
        {"access_key": PLAIN[0], "secret_key": PLAIN[1]},
    ]}
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users))
    return server_factory(args=["--users", str(path)])


def test_health_open_info_admin_only(server_factory, tmp_path):
    server = _users_server(server_factory, tmp_path)
    assert call(server, "GET", "/health") == (200, {"status": "ok"})
    status, doc = call(server, "GET", "/info")
    assert status == 403 and doc["error"] == "AccessDenied"
    status, doc = call(server, "GET", "/info", keys=PLAIN)
    assert status == 403 and doc["error"] == "AccessDenied"
    status, doc = call(server, "GET", "/info", keys=ADMIN)
    assert status == 200 and doc["mode"] == "signed"
    assert call(server, "GET", "/requests", keys=PLAIN)[0] == 403
    assert call(server, "GET", "/requests", keys=ADMIN)[0] == 200


def test_health_under_access_key_needs_no_signature(server_factory):
    server = server_factory(args=["--access-key", ADMIN[0], "--secret-key", ADMIN[1]])
    assert call(server, "GET", "/health") == (200, {"status": "ok"})
    assert call(server, "GET", "/info")[0] == 403
    assert call(server, "GET", "/info", keys=ADMIN)[0] == 200


def test_no_control_makes_the_namespace_a_missing_bucket(server_factory):
    server = server_factory(args=["--no-control"])
    r = raw(server.port, "GET", "/_fakes3/health")
    assert r.status == 404
    assert b"<Code>NoSuchBucket</Code>" in r.body


def test_stop_answers_a_pending_wait(server_factory):
    # A wait pending at SIGTERM is answered (503 ShuttingDown) and the server exits 0 at once
    # instead of keeping it (libmicrohttpd cannot stop with a suspended connection). The signal
    # goes once info says the wait is pending.
    server = server_factory()
    t, out = _wait_in_thread(server, "op=PutObject&timeout=120")
    wait_for(lambda: call(server, "GET", "/info")[1]["journal"]["pending_waits"] == 1,
             what="the wait to be pending")
    assert server.stop(timeout=20) == 0
    t.join(30)
    assert not t.is_alive()
    status, doc = out["result"]
    assert status == 503 and doc["error"] == "ShuttingDown"


def _put_many(port, prefix, n, errors):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(n):
            conn.request("PUT", f"/cbk/{prefix}-{i:03d}", body=b"x")
            r = conn.getresponse()
            r.read()
            assert r.status == 200
        conn.close()
    except Exception as e:  # reported by the test
        errors.append(e)


@pytest.mark.parametrize("size", [2000, 100])
def test_many_connections_on_few_threads_all_recorded(server_factory, size):
    """Worker threads record into shards of their own: requests from 8 connections on 2 threads
    are all listed exactly once, ids strictly increasing; a journal of 100 keeps the newest 100."""
    server = server_factory(args=["--threads", "2", "--journal", str(size)])
    server.client().create_bucket(Bucket="cbk")
    errors = []
    threads = [threading.Thread(target=_put_many, args=(server.port, f"c{t}", 50, errors))
               for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    # Every answer is in: each entry exists before its answer leaves (ids 1: the bucket, 2-401).
    assert call(server, "GET", "/requests/wait?since=400&count=1&timeout=60")[0] == 200
    got = entries(server)
    ids = [e["id"] for e in got]
    assert ids == sorted(set(ids))
    puts = [e for e in got if e["op"] == "PutObject"]
    if size >= 400:
        assert len(puts) == 400
        assert sorted(e["key"] for e in puts) == sorted(f"c{t}-{i:03d}" for t in range(8)
                                                         for i in range(50))
    else:
        assert len(got) == 100
        assert ids == list(range(ids[-1] - 99, ids[-1] + 1))  # the newest 100: 302..401
        assert ids[-1] == last_id(server) == 401
