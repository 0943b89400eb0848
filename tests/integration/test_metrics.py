"""GET /_fakes3/metrics through the real binary: the exposition parsed strictly (promtext.py), its
counters against the load each test sends (requests by operation and status, the latency
histogram, body bytes), the http layer's gauges, fault-rule hits, lifecycle actions, auth
failures by reason, the process's own figures, and who may read it (anyone in the open mode; an
admin's SigV4 signature or HTTP Basic credentials with users; 401 with a Basic challenge when no
credentials come at all)."""

import base64
import hashlib
import json
import os
import socket
import time

import pytest

import promtext
import s3lib
from s3lib import DUMMY_KEY_ID, DUMMY_SECRET, RawConn, raw, sign_v4, signed_raw

AK, SK = DUMMY_KEY_ID, DUMMY_SECRET
USER_AK, USER_SK = "AKIDPLAINUSER", "plain-user-secret"
DAY = 86400


def scrape_raw(server, headers=(), keys=None):
    """GET /_fakes3/metrics: unsigned with headers, or SigV4-signed by keys (access, secret)."""
    if keys is not None:
        return signed_raw(server.port, "GET", "/_fakes3/metrics", headers=headers, keys=keys)
    return raw(server.port, "GET", "/_fakes3/metrics", headers=headers)


def scrape(server, **kw):
    r = scrape_raw(server, **kw)
    assert r.status == 200, (r.status, r.body[:300])
    assert r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    return promtext.parse(r.body.decode("utf-8"))


def total_requests(fams):
    return sum(v for _, v in promtext.samples(fams, "fakes3_requests_total"))


def scrape_when(server, cond, what, **kw):
    """Scrape until cond(families) holds: an exchange is counted when it is over, which may be
    just after its client read the answer."""
    return wait_for(lambda: (lambda f: f if cond(f) else None)(scrape(server, **kw)), what)


def scrape_after(server, n, **kw):
    """Scrape once n S3 requests in all are counted (and check that no more are)."""
    m = scrape_when(server, lambda f: total_requests(f) >= n, f"{n} requests counted", **kw)
    assert total_requests(m) == n
    return m


def val(fams, name, **labels):
    return promtext.value(fams, name, **labels)


def ctl(server, method, path, body=None):
    data = b"" if body is None else json.dumps(body).encode()
    r = raw(server.port, method, "/_fakes3" + path, data, [("Content-Type", "application/json")])
    return r.status, (json.loads(r.body) if r.body else None)


def wait_for(cond, what, timeout=30.0):
    """s3lib's wait_for with what first, as every call here names it."""
    return s3lib.wait_for(cond, timeout=timeout, what=what)


def users_server(server_factory, tmp_path, args=()):
    """Signed mode: an admin (the boto3 session's keys) and a plain user."""
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": [
        {"access_key": AK, "secret_key": SK, "admin": True},
        {"access_key": USER_AK, "secret_key": USER_SK}]}))
    return server_factory(args=["--users", str(p), *args])


def basic(user, password):
    return [("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())]


# ==================================================================================================
# The counters against a known load
# ==================================================================================================
@pytest.mark.parametrize("journal", [[], ["--journal", "0"]], ids=["journal", "no-journal"])
def test_counters_equal_the_load(server_factory, journal):
    """N PUTs, N GETs, known errors, a HEAD and a request no operation takes: every count, the
    histogram's and both byte counters equal what was sent and answered (with the journal on, the
    default, and off: the metrics do not depend on it)."""
    srv = server_factory(args=journal)
    n = 7
    bodies = [bytes([65 + i]) * (100 * i + 1) for i in range(n)]
    sent = received = 0
    with RawConn(srv.port) as c:
        def req(method, target, body=b"", status=200):
            nonlocal sent, received
            r = c.request(method, target, body)
            assert r.status == status, (method, target, r.status, r.body[:200])
            received += len(body)
            sent += len(r.body)
            return r
        req("PUT", "/mbucket")
        for i, b in enumerate(bodies):
            req("PUT", f"/mbucket/k{i}", b)
        for i, b in enumerate(bodies):
            assert req("GET", f"/mbucket/k{i}").body == b
        for i in range(3):
            assert b"<Code>NoSuchKey</Code>" in req("GET", f"/mbucket/missing{i}", status=404).body
        req("GET", "/nosuchbucket/k", status=404)
        r = req("HEAD", "/mbucket/k3")
        assert r.body == b"" and r.header("Content-Length") == str(len(bodies[3]))
        req("GET", "/mbucket?list-type=2")
        req("PATCH", "/mbucket", status=405)  # no operation: "None"
    m = scrape_after(srv, 1 + n + n + 4 + 1 + 1 + 1)
    assert val(m, "fakes3_requests_total", operation="CreateBucket", code="200") == 1
    assert val(m, "fakes3_requests_total", operation="PutObject", code="200") == n
    assert val(m, "fakes3_requests_total", operation="GetObject", code="200") == n
    assert val(m, "fakes3_requests_total", operation="GetObject", code="404") == 4
    assert val(m, "fakes3_requests_total", operation="HeadObject", code="200") == 1
    assert val(m, "fakes3_requests_total", operation="ListObjectsV2", code="200") == 1
    assert val(m, "fakes3_requests_total", operation="None", code="405") == 1
    # Nothing else (scrape_after checked the total): control calls (scrapes) are not counted.
    ops = {ls["operation"] for ls, _ in promtext.samples(m, "fakes3_requests_total")}
    assert ops == {"CreateBucket", "PutObject", "GetObject", "HeadObject", "ListObjectsV2", "None"}
    # The histogram: one per operation seen, its count that operation's requests.
    hist_ops = {ls["operation"] for ls, _ in promtext.samples(
        m, "fakes3_request_duration_seconds_count")}
    assert hist_ops == ops
    assert val(m, "fakes3_request_duration_seconds_count", operation="GetObject") == n + 4
    assert val(m, "fakes3_request_duration_seconds_count", operation="PutObject") == n
    assert val(m, "fakes3_request_duration_seconds_sum", operation="PutObject") > 0
    les = [ls["le"] for ls, _ in promtext.samples(m, "fakes3_request_duration_seconds_bucket")
           if ls["operation"] == "PutObject"]
    assert les == ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                   "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
    # Bytes: the request bodies received and the response bodies sent (HEAD's none).
    assert val(m, "fakes3_received_bytes_total") == received == sum(len(b) for b in bodies)
    assert val(m, "fakes3_sent_bytes_total") == sent
    # A second scrape changes none of it.
    m2 = scrape(srv)
    assert promtext.samples(m2, "fakes3_requests_total") == \
        promtext.samples(m, "fakes3_requests_total")


def test_operations_seen_only_and_fixed_families_at_zero(server):
    m = scrape(server)
    assert promtext.samples(m, "fakes3_requests_total") == []
    assert promtext.samples(m, "fakes3_request_duration_seconds_count") == []
    assert val(m, "fakes3_received_bytes_total") == 0 and val(m, "fakes3_sent_bytes_total") == 0
    for a in ("error", "delay", "body_delay", "reset", "truncate", "rate"):
        assert val(m, "fakes3_fault_hits_total", action=a) == 0
    for a in ("expiration", "noncurrent_expiration", "delete_marker_removal", "abort_multipart",
              "transition"):
        assert val(m, "fakes3_lifecycle_actions_total", action=a) == 0
    assert all(v == 0 for _, v in promtext.samples(m, "fakes3_auth_failures_total"))
    assert m["fakes3_requests_in_flight"].type == "gauge"
    assert m["fakes3_open_connections"].type == "gauge"
    assert m["fakes3_request_duration_seconds"].type == "histogram"


def test_latency_histogram_sees_a_delay(server, s3):
    """A fault rule's 120 ms delay puts those GETs past the 0.1 s bound, and only them."""
    s3.create_bucket(Bucket="lat")
    s3.put_object(Bucket="lat", Key="slow", Body=b"x")
    s3.put_object(Bucket="lat", Key="fast", Body=b"y")
    st, _ = ctl(server, "POST", "/faults", {"match": {"op": "GetObject", "key": "slow"},
                                            "action": {"delay_ms": 120}})
    assert st == 201
    for _ in range(3):
        s3.get_object(Bucket="lat", Key="slow")["Body"].read()
    m = scrape_after(server, 3 + 3)
    below = val(m, "fakes3_request_duration_seconds_bucket", operation="GetObject", le="0.1")
    count = val(m, "fakes3_request_duration_seconds_count", operation="GetObject")
    assert count == 3 and below == 0
    assert val(m, "fakes3_request_duration_seconds_sum", operation="GetObject") >= 0.36
    assert val(m, "fakes3_fault_hits_total", action="delay") == 3


# ==================================================================================================
# The http layer's gauges
# ==================================================================================================
def test_in_flight_and_open_connections(server):
    m = scrape(server)
    # The scrape itself is in flight on its own connection.
    assert val(m, "fakes3_requests_in_flight") >= 1
    assert val(m, "fakes3_open_connections") >= 1
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    # A PUT whose body never finishes: its head is read, so it is in flight.
    stuck = RawConn(server.port)
    stuck.send_head("PUT", "/stuckbucket-x/k", [("Content-Length", "100")], body=b"12345")
    try:
        # 3 idle connections, the stuck PUT's and the scrape's; the PUT and the scrape in flight.
        wait_for(lambda: (lambda f: val(f, "fakes3_open_connections") == 5 and
                          val(f, "fakes3_requests_in_flight") == 2)(scrape(server)),
                 "3 idle connections, a stuck PUT and the scrape")
    finally:
        for s in idle:
            s.close()
        stuck.close()
    m = wait_for(lambda: (lambda f: f if val(f, "fakes3_open_connections") == 1 else None)(
        scrape(server)), "the connections to close")
    assert val(m, "fakes3_requests_in_flight") == 1


# ==================================================================================================
# Fault rules
# ==================================================================================================
def test_fault_hits_by_action(server, s3):
    s3.create_bucket(Bucket="flt")
    s3.put_object(Bucket="flt", Key="k", Body=b"z" * 1000)
    st, _ = ctl(server, "POST", "/faults", {"match": {"op": "GetObject"},
                                            "action": {"error": "SlowDown", "delay_ms": 1},
                                            "times": 2})
    assert st == 201
    for _ in range(2):
        r = raw(server.port, "GET", "/flt/k")
        assert r.status == 503 and b"<Code>SlowDown</Code>" in r.body
    assert raw(server.port, "GET", "/flt/k").status == 200  # the rule is used up
    st, _ = ctl(server, "POST", "/faults", {"match": {"op": "HeadObject"},
                                            "action": {"reset": "before_head"}, "times": 1})
    assert st == 201
    with RawConn(server.port) as c:
        c.send_head("HEAD", "/flt/k")
        with pytest.raises((ConnectionError, OSError)):
            c.read_response(head=True)
    st, _ = ctl(server, "POST", "/faults", {"match": {"op": "GetObject"},
                                            "action": {"truncate_after": 10, "rate": 1000000},
                                            "times": 1})
    assert st == 201
    with RawConn(server.port) as c:
        c.send_head("GET", "/flt/k")
        with pytest.raises((ConnectionError, OSError)):
            c.read_response()
    m = scrape_after(server, 2 + 3 + 1 + 1)
    assert val(m, "fakes3_fault_hits_total", action="error") == 2
    assert val(m, "fakes3_fault_hits_total", action="delay") == 2
    assert val(m, "fakes3_fault_hits_total", action="reset") == 1
    assert val(m, "fakes3_fault_hits_total", action="truncate") == 1
    assert val(m, "fakes3_fault_hits_total", action="rate") == 1
    assert val(m, "fakes3_fault_hits_total", action="body_delay") == 0
    assert val(m, "fakes3_requests_total", operation="GetObject", code="503") == 2
    # The rule hits the faults call shows agree.
    _, j = ctl(server, "GET", "/faults")
    assert [f["hits"] for f in j["faults"]] == [2, 1, 1]


# ==================================================================================================
# Lifecycle
# ==================================================================================================
def test_lifecycle_actions_after_a_clock_advance(server, s3):
    s3.create_bucket(Bucket="lc-m")
    s3.put_bucket_lifecycle_configuration(Bucket="lc-m", LifecycleConfiguration={"Rules": [
        {"ID": "exp", "Status": "Enabled", "Filter": {"Prefix": "old/"}, "Expiration": {"Days": 2}},
        {"ID": "mpu", "Status": "Enabled", "Filter": {"Prefix": "up/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        {"ID": "tr", "Status": "Enabled", "Filter": {"Prefix": "cold/"},
         "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})
    for i in range(3):
        s3.put_object(Bucket="lc-m", Key=f"old/{i}", Body=b"x")
    s3.put_object(Bucket="lc-m", Key="keep", Body=b"x")
    s3.put_object(Bucket="lc-m", Key="cold/big", Body=b"c" * (128 * 1024))
    s3.create_multipart_upload(Bucket="lc-m", Key="up/a")
    s3.create_multipart_upload(Bucket="lc-m", Key="up/b")
    st, _ = ctl(server, "POST", "/clock", {"advance": 4 * DAY})
    assert st == 200  # the pass ran before the answer
    m = scrape(server)
    assert val(m, "fakes3_lifecycle_actions_total", action="expiration") == 3
    assert val(m, "fakes3_lifecycle_actions_total", action="abort_multipart") == 2
    assert val(m, "fakes3_lifecycle_actions_total", action="transition") == 1
    assert val(m, "fakes3_lifecycle_actions_total", action="noncurrent_expiration") == 0
    assert val(m, "fakes3_lifecycle_actions_total", action="delete_marker_removal") == 0


def test_lifecycle_versioned_actions(server, s3):
    s3.create_bucket(Bucket="lc-v")
    s3.put_bucket_versioning(Bucket="lc-v", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket="lc-v", LifecycleConfiguration={"Rules": [
        {"ID": "nc", "Status": "Enabled", "Filter": {},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
         "Expiration": {"ExpiredObjectDeleteMarker": True}}]})
    s3.put_object(Bucket="lc-v", Key="a", Body=b"1")
    s3.put_object(Bucket="lc-v", Key="a", Body=b"2")  # the first becomes noncurrent
    s3.put_object(Bucket="lc-v", Key="d", Body=b"1")
    s3.delete_object(Bucket="lc-v", Key="d")  # a marker over a noncurrent version
    st, _ = ctl(server, "POST", "/clock", {"advance": 3 * DAY})
    assert st == 200
    st, _ = ctl(server, "POST", "/clock", {"advance": 1 * DAY})  # the marker is alone now
    assert st == 200
    m = scrape(server)
    assert val(m, "fakes3_lifecycle_actions_total", action="noncurrent_expiration") == 2
    assert val(m, "fakes3_lifecycle_actions_total", action="delete_marker_removal") == 1
    assert val(m, "fakes3_lifecycle_actions_total", action="expiration") == 0


# ==================================================================================================
# Access and auth failures
# ==================================================================================================
def test_open_mode_needs_no_credentials(server):
    assert scrape_raw(server).status == 200
    # Any Basic credentials are fine too (nothing is checked in the open mode).
    assert scrape_raw(server, headers=basic("who", "ever")).status == 200


def test_signed_mode_access(server_factory, tmp_path):
    srv = users_server(server_factory, tmp_path)
    # No credentials at all: 401 with the Basic challenge.
    r = scrape_raw(srv)
    assert r.status == 401 and r.header("WWW-Authenticate") == 'Basic realm="fakes3"'
    assert json.loads(r.body)["error"] == "Unauthorized"
    # An admin's Basic credentials, or its signature.
    assert scrape_raw(srv, headers=basic(AK, SK)).status == 200
    assert scrape_raw(srv, keys=(AK, SK)).status == 200
    # Anything else: 403.
    refused = [
        basic(AK, SK + "x"),             # wrong secret
        basic(AK, SK[:-1]),              # a prefix of it
        basic(USER_AK, USER_SK),         # right secret, not an admin
        basic("AKIDNOBODY", SK),         # no such user
        [("Authorization", "Basic !!!notbase64")],
        [("Authorization", "Basic " + base64.b64encode(b"no-colon").decode())],
        [("Authorization", "Basic  " + base64.b64encode(f"{AK}:{SK}".encode()).decode() + " x")],
    ]
    for hs in refused:
        r = scrape_raw(srv, headers=hs)
        assert r.status == 403 and json.loads(r.body)["error"] == "AccessDenied", (hs, r.body)
        assert r.header("WWW-Authenticate") is None
    r = scrape_raw(srv, keys=(USER_AK, USER_SK))  # a signature, not an admin's
    assert r.status == 403 and json.loads(r.body)["error"] == "AccessDenied"
    r = scrape_raw(srv, keys=(AK, "wrong-secret"))
    assert r.status == 403 and json.loads(r.body)["error"] == "SignatureDoesNotMatch"
    # A presigned-looking query is credentials: judged as a signature, not challenged.
    r = raw(srv.port, "GET", "/_fakes3/metrics?X-Amz-Credential=x&X-Amz-Signature=y")
    assert r.status in (400, 403) and r.header("WWW-Authenticate") is None
    # Basic is for the metrics only: other calls still need a signature.
    r = raw(srv.port, "GET", "/_fakes3/info", headers=basic(AK, SK))
    assert r.status in (400, 403)
    assert raw(srv.port, "GET", "/_fakes3/info").status == 403  # no challenge there
    # Refused control calls are counted before their answer goes out.
    m = scrape(srv, headers=basic(AK, SK))
    assert val(m, "fakes3_auth_failures_total", reason="Unauthorized") == 1
    assert val(m, "fakes3_auth_failures_total", reason="AccessDenied") >= len(refused) + 1 + 1
    assert val(m, "fakes3_auth_failures_total", reason="SignatureDoesNotMatch") == 1
    # None of these were S3 requests.
    assert promtext.samples(m, "fakes3_requests_total") == []


def test_auth_failures_by_reason(server_factory, tmp_path):
    srv = users_server(server_factory, tmp_path)
    assert signed_raw(srv.port, "PUT", "/authb", keys=(AK, SK)).status == 200
    assert signed_raw(srv.port, "PUT", "/authb/k", b"v", keys=(AK, SK)).status == 200
    for _ in range(3):
        r = signed_raw(srv.port, "GET", "/authb/k", keys=(AK, "not-the-secret"))
        assert r.status == 403 and b"SignatureDoesNotMatch" in r.body
    for _ in range(2):
        r = signed_raw(srv.port, "GET", "/authb/k", keys=("AKIDUNKNOWN", SK))
        assert r.status == 403 and b"InvalidAccessKeyId" in r.body
    r = signed_raw(srv.port, "GET", "/authb/k", keys=(USER_AK, USER_SK))  # not the owner
    assert r.status == 403 and b"<Code>AccessDenied</Code>" in r.body
    r = signed_raw(srv.port, "GET", "/authb/k", keys=None)  # anonymous
    assert r.status == 403 and b"<Code>AccessDenied</Code>" in r.body
    hs, _ = sign_v4("GET", "/authb/k", [("Host", f"127.0.0.1:{srv.port}")],
                    hashlib.sha256(b"").hexdigest(), secret=SK, access_key=AK)
    hs = [(k, v.replace("Credential=", "Credentail=") if k == "Authorization" else v)
          for k, v in hs]
    r = raw(srv.port, "GET", "/authb/k", headers=hs)
    assert r.status == 400 and b"AuthorizationHeaderMalformed" in r.body
    m = scrape_after(srv, 2 + 3 + 2 + 2 + 1, keys=(AK, SK))
    assert val(m, "fakes3_auth_failures_total", reason="SignatureDoesNotMatch") == 3
    assert val(m, "fakes3_auth_failures_total", reason="InvalidAccessKeyId") == 2
    assert val(m, "fakes3_auth_failures_total", reason="AccessDenied") == 2
    assert val(m, "fakes3_auth_failures_total", reason="AuthorizationHeaderMalformed") == 1
    assert val(m, "fakes3_auth_failures_total", reason="Unauthorized") == 0
    # Authentication comes before routing: those requests have no operation (as in the
    # journal); authorization's refusals have theirs.
    assert val(m, "fakes3_requests_total", operation="GetObject", code="403") == 2
    assert val(m, "fakes3_requests_total", operation="None", code="403") == 5
    total_403 = sum(v for ls, v in promtext.samples(m, "fakes3_requests_total")
                    if ls["code"] == "403")
    assert total_403 == 7


# ==================================================================================================
# The process
# ==================================================================================================
def test_process_metrics(server, s3):
    before = time.time()
    m = scrape(server)
    rss = val(m, "process_resident_memory_bytes")
    assert 1 << 20 < rss <= val(m, "process_virtual_memory_bytes")
    fds = val(m, "process_open_fds")
    assert 3 <= fds < val(m, "process_max_fds")
    # What /proc shows around a scrape (which adds its own connection while it runs).
    fd_dir = f"/proc/{server.proc.pid}/fd"
    lo = len(os.listdir(fd_dir))
    v = val(scrape(server), "process_open_fds")
    hi = len(os.listdir(fd_dir))
    assert min(lo, hi) - 2 <= v <= max(lo, hi) + 2, (lo, v, hi)
    with open(f"/proc/{server.proc.pid}/limits") as f:
        soft = [ln.split()[3] for ln in f if ln.startswith("Max open files")][0]
    assert val(m, "process_max_fds") == float(soft)
    # Started by this test (the kernel's boot time is to the second).
    start = val(m, "process_start_time_seconds")
    assert server_start_floor(server) - 2 <= start <= before + 2
    up = val(m, "fakes3_uptime_seconds")
    assert 0 < up <= time.time() - server_start_floor(server) + 2
    cpu = val(m, "process_cpu_seconds_total")
    assert cpu > 0
    # Open connections show as descriptors; work shows as CPU time.
    conns = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
    try:
        m2 = wait_for(lambda: (lambda f: f if val(f, "fakes3_open_connections") >= 6 else None)(
            scrape(server)), "5 more connections")
        assert val(m2, "process_open_fds") >= 5 + 3  # and stdin, stdout, stderr at least
    finally:
        for c in conns:
            c.close()
    s3.create_bucket(Bucket="cpu")
    for i in range(30):
        s3.put_object(Bucket="cpu", Key=f"k{i}", Body=b"x" * 1000)
    assert val(scrape(server), "process_cpu_seconds_total") > cpu
    st, info = ctl(server, "GET", "/info")
    assert val(m, "fakes3_build_info", version=info["version"]) == 1


def server_start_floor(server):
    """The server's start time from /proc (seconds since the epoch), as the test sees it."""
    with open("/proc/stat") as f:
        btime = int([ln.split()[1] for ln in f if ln.startswith("btime")][0])
    with open(f"/proc/{server.proc.pid}/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    return btime + ticks / os.sysconf("SC_CLK_TCK")


# ==================================================================================================
# Per-bucket totals (when the store keeps them: store_ops.bucket_stats)
# ==================================================================================================
def test_bucket_totals(server, s3):
    m = scrape(server)
    if "fakes3_bucket_objects" not in m:
        pytest.skip("this build's store keeps no per-bucket totals (store_ops.bucket_stats)")
    s3.create_bucket(Bucket="tot-a")
    s3.create_bucket(Bucket="tot-v")
    for i, size in enumerate((10, 200, 3000)):
        s3.put_object(Bucket="tot-a", Key=f"k{i}", Body=b"a" * size)
    s3.put_bucket_versioning(Bucket="tot-v", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="tot-v", Key="k", Body=b"1" * 5)
    s3.put_object(Bucket="tot-v", Key="k", Body=b"2" * 7)
    s3.delete_object(Bucket="tot-v", Key="gone")  # a marker alone: counted nowhere
    s3.create_multipart_upload(Bucket="tot-v", Key="up")
    s3.create_multipart_upload(Bucket="tot-v", Key="up2")
    m = scrape(server)
    assert val(m, "fakes3_bucket_objects", bucket="tot-a", version="current") == 3
    assert val(m, "fakes3_bucket_bytes", bucket="tot-a", version="current") == 3210
    assert val(m, "fakes3_bucket_objects", bucket="tot-a", version="noncurrent") == 0
    assert val(m, "fakes3_bucket_objects", bucket="tot-v", version="current") == 1
    assert val(m, "fakes3_bucket_bytes", bucket="tot-v", version="current") == 7
    assert val(m, "fakes3_bucket_objects", bucket="tot-v", version="noncurrent") == 1
    assert val(m, "fakes3_bucket_bytes", bucket="tot-v", version="noncurrent") == 5
    assert val(m, "fakes3_multipart_uploads_in_progress", bucket="tot-v") == 2
    assert val(m, "fakes3_multipart_uploads_in_progress", bucket="tot-a") == 0
    s3.delete_object(Bucket="tot-a", Key="k1")
    s3.delete_object(Bucket="tot-a", Key="k0")
    s3.delete_object(Bucket="tot-a", Key="k2")
    s3.delete_bucket(Bucket="tot-a")
    m = scrape(server)
    assert val(m, "fakes3_bucket_objects", bucket="tot-a", version="current") is None
