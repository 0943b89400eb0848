"""Bucket settings acted on: server access logs delivered as objects into the target bucket, and
event notifications POSTed to webhooks (a Python http.server on a loopback port). Every wait is on
a condition with a generous deadline: delivery is asynchronous by design.

Formats: S3 User Guide "Amazon S3 server access log format" (the fields and their order; the
Athena table regex of "Using Amazon S3 access logs to identify requests" must read each record),
the PartitionedPrefix API reference (log object keys), "Event message structure" (the event JSON
and s3:TestEvent)."""

import http.server
import json
import re
import socket
import subprocess
import threading
import time

import pytest
import requests

from s3lib import clean_env, disk_only, fakes3_bin, free_port, raw, wait_for

OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"

# One record, field by field (S3's order; "-" where S3 writes it for what is unknown).
RECORD_RE = re.compile(
    r'^(?P<owner>[0-9a-f]{64}) (?P<bucket>[a-z0-9.-]+) '
    r'\[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] '
    r'(?P<ip>[0-9a-f.:]+) (?P<requester>[0-9a-f]{64}|-) (?P<reqid>[0-9A-F]{16}) '
    r'(?P<op>(?:REST|BATCH|WEBSITE|S3)\.[A-Z]+\.[A-Z_]+) (?P<key>\S+) '
    r'"(?P<uri>[A-Z]+ \S+ HTTP/1\.[01])" (?P<status>\d{3}) (?P<error>[A-Za-z]+|-) '
    r'(?P<sent>\d+|-) (?P<size>\d+|-) (?P<total>\d+) (?P<turn>\d+|-) '
    r'"(?P<referer>[^"]*)" "(?P<ua>[^"]*)" (?P<vid>\S+) (?P<hostid>\S+) '
    r'(?P<sigv>SigV4|SigV2|-) (?P<cipher>\S+) (?P<authtype>AuthHeader|QueryString|-) '
    r'(?P<host>\S+) (?P<tls>\S+) (?P<aparn>\S+) (?P<aclreq>Yes|-) (?P<srcregion>\S+)$')
# The regex of the Athena table AWS publishes for server access logs.
ATHENA_RE = re.compile(
    r'([^ ]*) ([^ ]*) \[(.*?)\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) '
    r'([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*) '
    r'([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$')
SIMPLE_KEY_RE = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$"


def rid(resp):
    return resp["ResponseMetadata"]["RequestId"]


def hid(resp):
    return resp["ResponseMetadata"]["HostId"]


def log_records(s3, bucket, prefix=""):
    """Every record delivered under prefix: (object key, parsed fields)."""
    out = []
    for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
        for line in body.splitlines():
            m = RECORD_RE.match(line)
            assert m, f"not an S3 access log record: {line!r}"
            assert ATHENA_RE.match(line)
            out.append((o["Key"], m.groupdict()))
    return out


def wait_records(s3, bucket, reqids, prefix="", timeout=60):
    """The records once every request id in reqids is among them."""
    def have():
        recs = log_records(s3, bucket, prefix)
        ids = {r["reqid"] for _, r in recs}
        return recs if set(reqids) <= ids else None
    return wait_for(have, timeout=timeout, what=f"log records of {sorted(reqids)}")


@pytest.fixture
def logsrv(server_factory):
    srv = server_factory(args=["--log-delivery-seconds", "1"])
    s3 = srv.client()
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    return srv, s3


def test_access_log_records_are_delivered_as_objects(logsrv):
    srv, s3 = logsrv
    s3.put_bucket_logging(Bucket="src", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "access/"}})
    s3.create_bucket(Bucket="quiet")
    want = {}
    r = s3.put_object(Bucket="src", Key="dir/a b.txt", Body=b"hello")
    want[rid(r)] = ("REST.PUT.OBJECT", "dir/a%20b.txt", "200", "-", hid(r))
    r = s3.get_object(Bucket="src", Key="dir/a b.txt")
    r["Body"].read()
    want[rid(r)] = ("REST.GET.OBJECT", "dir/a%20b.txt", "200", "-", hid(r))
    r = s3.head_object(Bucket="src", Key="dir/a b.txt")
    want[rid(r)] = ("REST.HEAD.OBJECT", "dir/a%20b.txt", "200", "-", hid(r))
    r = s3.list_objects_v2(Bucket="src")
    want[rid(r)] = ("REST.GET.BUCKET", "-", "200", "-", hid(r))
    try:
        s3.get_object(Bucket="src", Key="missing")
        raise AssertionError("missing key served")
    except s3.exceptions.NoSuchKey as e:
        want[e.response["ResponseMetadata"]["RequestId"]] = (
            "REST.GET.OBJECT", "missing", "404", "NoSuchKey",
            e.response["ResponseMetadata"]["HostId"])
    r = s3.copy_object(Bucket="src", Key="copy", CopySource="src/dir/a b.txt")
    want[rid(r)] = ("REST.COPY.OBJECT", "copy", "200", "-", hid(r))
    r = s3.delete_object(Bucket="src", Key="copy")
    want[rid(r)] = ("REST.DELETE.OBJECT", "copy", "204", "-", hid(r))
    r = s3.get_bucket_logging(Bucket="src")
    want[rid(r)] = ("REST.GET.LOGGING_STATUS", "-", "200", "-", hid(r))
    for k in ("d1", "d 2"):
        s3.put_object(Bucket="src", Key=k, Body=b"d")
    r = s3.delete_objects(Bucket="src", Delete={"Objects": [{"Key": "d1"}, {"Key": "d 2"}]})
    batch = rid(r)
    want[batch] = ("REST.POST.MULTI_OBJECT_DELETE", "-", "200", "-", hid(r))
    quiet = rid(s3.put_object(Bucket="quiet", Key="k", Body=b"x"))

    recs = wait_records(s3, "logs", want, prefix="access/")
    keys = {k for k, _ in recs}
    for k in keys:
        assert re.match(r"^access/" + SIMPLE_KEY_RE, k), k
        h = s3.head_object(Bucket="logs", Key=k)
        assert h["ContentType"] == "text/plain"
    by_id = {r["reqid"]: r for _, r in recs
             if not r["op"].startswith("BATCH.") and not r["op"].endswith("_GET")}
    # DeleteObjects: its own record and one BATCH.DELETE.OBJECT per key, with its request id
    per_key = sorted(r["key"] for _, r in recs
                     if r["reqid"] == batch and r["op"] == "BATCH.DELETE.OBJECT")
    assert per_key == ["d%202", "d1"]
    # CopyObject: the GET of its source has a record of its own, in the source bucket's log
    copy = next(i for i, w in want.items() if w[0] == "REST.COPY.OBJECT")
    src_get = [r for _, r in recs if r["reqid"] == copy and r["op"] == "REST.COPY.OBJECT_GET"]
    assert len(src_get) == 1 and src_get[0]["key"] == "dir/a%20b.txt"
    assert src_get[0]["size"] == "5" and src_get[0]["status"] == "200"
    for reqid, (op, key, status, error, hostid) in want.items():
        rec = by_id[reqid]
        assert (rec["op"], rec["key"], rec["status"], rec["error"]) == (op, key, status, error)
        assert rec["owner"] == OWNER and rec["bucket"] == "src"
        assert rec["hostid"] == hostid
        assert rec["ip"] == "127.0.0.1"
        assert rec["requester"] == OWNER  # boto3 signs; in the open mode that is the owner
        assert rec["sigv"] == "SigV4" and rec["authtype"] == "AuthHeader"
        assert rec["host"] == f"127.0.0.1:{srv.port}"
        assert rec["ua"].startswith("Boto3/")
        assert rec["referer"] == "-"
        assert rec["cipher"] == rec["tls"] == rec["aparn"] == "-"
    put = by_id[next(i for i, w in want.items() if w[0] == "REST.PUT.OBJECT")]
    assert put["uri"] == "PUT /src/dir/a%20b.txt HTTP/1.1"
    assert put["size"] == "5" and put["sent"] == "-"
    get = by_id[next(i for i, w in want.items() if w[0] == "REST.GET.OBJECT" and w[2] == "200")]
    assert get["size"] == "5" and get["sent"] == "5"
    miss = by_id[next(i for i, w in want.items() if w[3] == "NoSuchKey")]
    assert int(miss["sent"]) > 0  # the error document
    # a bucket without logging has no records anywhere
    assert quiet not in by_id
    assert all(r["bucket"] == "src" for _, r in recs)


def test_access_log_partitioned_prefix_and_turning_off(logsrv):
    srv, s3 = logsrv
    # TargetObjectKeyFormat is newer than this botocore: sent raw.
    r = raw(srv.port, "PUT", "/src?logging", body=(
        b'<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled>'
        b"<TargetBucket>logs</TargetBucket><TargetPrefix>p/</TargetPrefix>"
        b"<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime"
        b"</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>"
        b"</LoggingEnabled></BucketLoggingStatus>"))
    assert r.status == 200, r
    first = rid(s3.put_object(Bucket="src", Key="k1", Body=b"1"))
    recs = wait_records(s3, "logs", {first}, prefix="p/")
    key = next(k for k, r in recs if r["reqid"] == first)
    # [Prefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/[YYYY]/[MM]/[DD]/
    # [YYYY]-[MM]-[DD]-00-00-00-[UniqueString] for EventTime
    m = re.match(r"^p/000000000000/us-east-1/src/(\d{4})/(\d{2})/(\d{2})/"
                 r"(\d{4})-(\d{2})-(\d{2})-00-00-00-[0-9A-F]{16}$", key)
    assert m, key
    assert m.group(1, 2, 3) == m.group(4, 5, 6)
    # Logging off: what comes after is not delivered. A request on a bucket that logs into the
    # same target shows when a delivery after it has happened.
    s3.put_bucket_logging(Bucket="src", BucketLoggingStatus={})
    s3.create_bucket(Bucket="other")
    s3.put_bucket_logging(Bucket="other", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "o/"}})
    after = rid(s3.put_object(Bucket="src", Key="k2", Body=b"2"))
    marker = rid(s3.put_object(Bucket="other", Key="k", Body=b"3"))
    wait_records(s3, "logs", {marker}, prefix="o/")
    assert after not in {r["reqid"] for _, r in log_records(s3, "logs")}


@disk_only("reads the records delivered at SIGTERM after a start on the same root")
def test_access_log_delivered_at_sigterm(server_factory):
    srv = server_factory(args=["--log-delivery-seconds", "3600"])
    s3 = srv.client()
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    s3.put_bucket_logging(Bucket="src", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": ""}})
    ids = {rid(s3.put_object(Bucket="src", Key=f"k{i}", Body=b"x")) for i in range(3)}
    assert s3.list_objects_v2(Bucket="logs").get("KeyCount") == 0  # an hour to go
    assert srv.stop() == 0
    srv.start()
    recs = wait_records(srv.client(), "logs", ids)
    assert all(re.match("^" + SIMPLE_KEY_RE, k) for k, _ in recs)


# ---- event notifications --------------------------------------------------------------------

class Webhook:
    """A Python http.server on a loopback port that keeps what is POSTed to it."""

    def __init__(self):
        self.got = []  # (path, headers, parsed JSON)
        self.lock = threading.Lock()
        hook = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                with hook.lock:
                    hook.got.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def records(self, path=None):
        with self.lock:
            return [(p, h, b["Records"][0]) for p, h, b in self.got
                    if "Records" in b and (path is None or p == path)]

    def tests(self):
        with self.lock:
            return [(p, b) for p, _, b in self.got if b.get("Event") == "s3:TestEvent"]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook():
    w = Webhook()
    yield w
    w.close()


CREATED_ARN = "arn:aws:sqs:us-east-1:123456789012:created"
REMOVED_ARN = "arn:aws:sns:us-east-1:123456789012:removed"


def post_form(srv, bucket, key, data):
    boundary = "----fakes3delivery"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{key}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    return requests.post(f"{srv.endpoint}/{bucket}", data=body, timeout=30,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_notifications_for_writes_and_deletes(server_factory, webhook):
    srv = server_factory(args=["--notify-map", f"{CREATED_ARN}={webhook.url('/created')}",
                               "--notify", webhook.url("/default")])
    s3 = srv.client()
    s3.create_bucket(Bucket="events")
    s3.put_bucket_versioning(Bucket="events", VersioningConfiguration={"Status": "Enabled"})
    r = s3.put_bucket_notification_configuration(Bucket="events", NotificationConfiguration={
        "QueueConfigurations": [{
            "Id": "created-in", "QueueArn": CREATED_ARN, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}],
        "TopicConfigurations": [{
            "Id": "removed", "TopicArn": REMOVED_ARN, "Events": ["s3:ObjectRemoved:*"]}]})
    # S3 tests each topic and queue when a configuration is saved
    tests = wait_for(lambda: len(webhook.tests()) >= 2 and webhook.tests(), timeout=30,
                     what="two s3:TestEvent")
    assert sorted(p for p, _ in tests) == ["/created", "/default"]
    for _, t in tests:
        assert t["Service"] == "Amazon S3" and t["Bucket"] == "events"
        assert t["RequestId"] == rid(r) and t["HostId"] == hid(r)
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", t["Time"])

    # (path, eventName, key as S3 encodes it, the response, (size, ETag) of what was created)
    ops = []
    r = s3.put_object(Bucket="events", Key="in/a b@c.txt", Body=b"hello")
    ops.append(("/created", "ObjectCreated:Put", "in/a+b%40c.txt", r, (5, r["ETag"])))
    put_vid = r["VersionId"]
    r = s3.copy_object(Bucket="events", Key="in/copy", CopySource="events/in/a b@c.txt")
    ops.append(("/created", "ObjectCreated:Copy", "in/copy", r,
                (5, r["CopyObjectResult"]["ETag"])))
    s3.put_object(Bucket="events", Key="out/skipped.txt", Body=b"filtered out")
    up = s3.create_multipart_upload(Bucket="events", Key="in/mp")
    part = s3.upload_part(Bucket="events", Key="in/mp", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"m" * 100)
    r = s3.complete_multipart_upload(Bucket="events", Key="in/mp", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                 "ETag": part["ETag"]}]})
    ops.append(("/created", "ObjectCreated:CompleteMultipartUpload", "in/mp", r,
                (100, r["ETag"])))
    pr = post_form(srv, "events", "in/posted.txt", b"posted")
    assert pr.status_code == 204, pr.text
    ops.append(("/created", "ObjectCreated:Post", "in/posted.txt",
                {"ResponseMetadata": {"RequestId": pr.headers["x-amz-request-id"],
                                      "HostId": pr.headers["x-amz-id-2"]}},
                (6, pr.headers["ETag"])))
    r = s3.delete_object(Bucket="events", Key="in/copy")
    ops.append(("/default", "ObjectRemoved:DeleteMarkerCreated", "in/copy", r, None))
    r = s3.delete_object(Bucket="events", Key="in/a b@c.txt", VersionId=put_vid)
    ops.append(("/default", "ObjectRemoved:Delete", "in/a+b%40c.txt", r, None))
    r = s3.delete_objects(Bucket="events", Delete={"Objects": [{"Key": "in/mp"}]})
    ops.append(("/default", "ObjectRemoved:DeleteMarkerCreated", "in/mp", r, None))

    recs = wait_for(lambda: len(webhook.records()) >= len(ops) and webhook.records(), timeout=60,
                    what=f"{len(ops)} events")
    # One thread delivers in order: once the last one came, a filtered event would have too.
    assert len(recs) == len(ops), [(p, e["eventName"], e["s3"]["object"]["key"])
                                   for p, _, e in recs]
    for (path, hdrs, ev), (want_path, name, key, resp, created) in zip(recs, ops):
        assert path == want_path
        assert hdrs["Content-Type"] == "application/json"
        assert ev["eventVersion"] == "2.1" and ev["eventSource"] == "aws:s3"
        assert ev["awsRegion"] == "us-east-1"
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", ev["eventTime"])
        assert ev["eventName"] == name
        # an unsigned form is anonymous; boto3 signs, which in the open mode is the owner
        assert ev["userIdentity"] == {
            "principalId": "ANONYMOUS_PRINCIPAL" if name.endswith(":Post") else OWNER}
        assert ev["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
        assert ev["responseElements"] == {"x-amz-request-id": rid(resp),
                                          "x-amz-id-2": hid(resp)}
        s = ev["s3"]
        assert s["s3SchemaVersion"] == "1.0"
        assert s["configurationId"] == ("created-in" if created else "removed")
        assert s["bucket"] == {"name": "events", "ownerIdentity": {"principalId": OWNER},
                               "arn": "arn:aws:s3:::events"}
        o = s["object"]
        assert o["key"] == key
        assert re.match(r"^[0-9A-F]{18}$", o["sequencer"])
        assert o["versionId"]
        if created:
            assert (o["size"], o["eTag"]) == (created[0], created[1].strip('"'))
        else:
            assert "size" not in o and "eTag" not in o
    by_name = {e["eventName"]: e for _, _, e in recs}
    assert by_name["ObjectRemoved:Delete"]["s3"]["object"]["versionId"] == put_vid
    marker = by_name["ObjectRemoved:DeleteMarkerCreated"]["s3"]["object"]["versionId"]
    assert marker in [v["VersionId"] for v in
                      s3.list_object_versions(Bucket="events").get("DeleteMarkers", [])]
    # sequencers of one key grow with its events
    seq = [e["s3"]["object"]["sequencer"] for _, _, e in recs
           if e["s3"]["object"]["key"] == "in/a+b%40c.txt"]
    assert seq == sorted(seq) and len(seq) == 2


def test_notification_filters_and_unversioned_fields(server_factory, webhook):
    srv = server_factory(args=["--notify", webhook.url("/all")])
    s3 = srv.client()
    s3.create_bucket(Bucket="filtered")
    s3.put_bucket_notification_configuration(
        Bucket="filtered", NotificationConfiguration={"QueueConfigurations": [{
            "Id": "jpg-in-photos", "QueueArn": CREATED_ARN,
            "Events": ["s3:ObjectCreated:Put", "s3:ObjectRemoved:Delete"],
            "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "photos/"},
                                               {"Name": "Suffix", "Value": ".jpg"}]}}}]},
        SkipDestinationValidation=True)
    for key in ["photos/a.png", "docs/a.jpg", "photos.jpg", "PHOTOS/b.jpg"]:
        s3.put_object(Bucket="filtered", Key=key, Body=b"no")
    s3.copy_object(Bucket="filtered", Key="photos/copied.jpg", CopySource="filtered/docs/a.jpg")  # Copy
    s3.put_object(Bucket="filtered", Key="photos/yes.jpg", Body=b"yes")
    s3.delete_object(Bucket="filtered", Key="photos/yes.jpg")
    recs = wait_for(lambda: len(webhook.records()) >= 2 and webhook.records(), timeout=60,
                    what="2 events")
    assert [(e["eventName"], e["s3"]["object"]["key"]) for _, _, e in recs] == [
        ("ObjectCreated:Put", "photos/yes.jpg"), ("ObjectRemoved:Delete", "photos/yes.jpg")]
    # an unversioned bucket's events name no version
    assert all("versionId" not in e["s3"]["object"] for _, _, e in recs)
    assert recs[0][2]["s3"]["object"]["size"] == 3
    # skipped destination validation: no s3:TestEvent
    assert webhook.tests() == []


def blackhole():
    """A listener that never accepts: connections are queued and never answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


def test_unreachable_webhook_slows_and_fails_no_request(server_factory):
    hole = blackhole()
    refused = free_port()
    try:
        srv = server_factory(args=[
            "--notify-map", f"{REMOVED_ARN}=http://127.0.0.1:{refused}/nothing-listens",
            "--notify", f"http://127.0.0.1:{hole.getsockname()[1]}/never-answers"])
        s3 = srv.client()
        s3.create_bucket(Bucket="slow")
        s3.put_bucket_notification_configuration(Bucket="slow", NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": CREATED_ARN, "Events": ["s3:ObjectCreated:*"]}],
            "TopicConfigurations": [{"TopicArn": REMOVED_ARN,
                                     "Events": ["s3:ObjectRemoved:*"]}]})
        n = 20
        t0 = time.monotonic()
        for i in range(n):
            assert s3.put_object(Bucket="slow", Key=f"k{i}", Body=b"x")["ETag"]
            s3.delete_object(Bucket="slow", Key=f"k{i}")
        took = time.monotonic() - t0
        # Had a request waited for even one POST's 2 s timeout, n of them would take 2n s.
        assert took < 2.0 * n, took
        # A refused POST is tried again a few times, then dropped and said so on stderr (the
        # first to the refused destination is the s3:TestEvent of the configuration).
        line = wait_for(lambda: next((l for l in srv.stderr().splitlines()
                                      if "nothing-listens" in l), None),
                        timeout=60, what="the dropped notification on stderr")
        assert "dropped" in line and "Connection refused" in line and REMOVED_ARN in line
        # Stopping does not wait for the queue behind the black hole.
        t0 = time.monotonic()
        assert srv.stop(timeout=30) == 0
        assert time.monotonic() - t0 < 20
    finally:
        hole.close()


@pytest.mark.parametrize("args", [["--notify", "https://example.com/"],
                                  ["--notify-map", "arn-without-url"],
                                  ["--notify-map", "arn:aws:sqs:us-east-1:1:q=ftp://x/"],
                                  ["--log-delivery-seconds", "0"],
                                  ["--log-delivery-seconds", "x"]])
def test_delivery_flags_are_checked(tmp_path, args):
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root")] + args, capture_output=True,
                       text=True, env=clean_env(), timeout=30)
    assert r.returncode == 2, (args, r)
    assert len([l for l in r.stderr.splitlines() if l.strip()]) == 1, r.stderr


def test_access_log_records_website_requests(server_factory):
    web = free_port()
    srv = server_factory(args=["--log-delivery-seconds", "1", "--website-port", str(web)])
    s3 = srv.client()
    s3.create_bucket(Bucket="site")
    s3.create_bucket(Bucket="logs")
    s3.put_bucket_logging(Bucket="site", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "w/"}})
    s3.put_bucket_website(Bucket="site",
                          WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.put_object(Bucket="site", Key="docs/a b.html", Body=b"<p>a</p>", ContentType="text/html")
    r = requests.get(f"http://127.0.0.1:{web}/docs/a%20b.html", timeout=30,
                     headers={"Host": "site.s3-website-us-east-1.amazonaws.com"})
    assert r.status_code == 200 and r.content == b"<p>a</p>"
    reqid = r.headers["x-amz-request-id"]
    recs = wait_records(s3, "logs", {reqid}, prefix="w/")
    rec = next(r for _, r in recs if r["reqid"] == reqid)
    # WEBSITE.HTTP_method.resource_type, anonymous, the key as requested
    assert (rec["op"], rec["key"], rec["status"], rec["requester"]) == (
        "WEBSITE.GET.OBJECT", "docs/a%20b.html", "200", "-")
    assert rec["host"] == "site.s3-website-us-east-1.amazonaws.com"
