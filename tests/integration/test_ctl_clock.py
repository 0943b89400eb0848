"""The controllable clock, /_fakes3/clock, through the real binary: the call's JSON and errors,
then everything that reads the clock following it: Date and Last-Modified, presigned URL expiry,
SigV4 clock skew, object lock retention, lifecycle expiration (applied before the call returns),
conditional GETs, multipart Initiated, and a frozen clock."""

import hashlib
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from botocore.exceptions import ClientError

from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, error_code, http_status,
                   parse_iso8601_ms, parse_rfc1123, raw, sign_v4)

AK, SK = DUMMY_KEY_ID, DUMMY_SECRET
DAY = 86400


def signed_server(server_factory, tmp_path):
    """A server whose one user (the boto3 session's keys) is an admin."""
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": [{"access_key": AK, "secret_key": SK, "admin": True}]}))
    return server_factory(args=["--users", str(p)])


def ctl(server, method, path, body=None, when=None):
    """A control call: (status, parsed JSON, raw response). With when (a datetime), it is
    SigV4-signed by the admin at that time (for a server with users)."""
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    target = "/_fakes3" + path
    hs = [("Content-Type", "application/json")]
    if when is not None:
        hs, _ = sign_v4(method, target, [("Host", f"127.0.0.1:{server.port}")] + hs,
                        hashlib.sha256(data).hexdigest(), when=when)
    r = raw(server.port, method, target, data, hs)
    return r.status, json.loads(r.body) if r.body else None, r


def clock(server, body=None, **kw):
    st, j, _ = ctl(server, "POST" if body is not None else "GET", "/clock", body, **kw)
    assert st == 200, j
    return j


def dt(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def refused(call, **kw):
    with pytest.raises(ClientError) as e:
        call(**kw)
    return http_status(e.value), error_code(e.value), e.value.response["Error"].get("Message")


# ==================================================================================================
# The call
# ==================================================================================================
def test_get_shape_at_start(server):
    before = datetime.now(timezone.utc)
    st, j, r = ctl(server, "GET", "/clock")
    after = datetime.now(timezone.utc)
    assert st == 200 and r.header("Content-Type") == "application/json"
    assert set(j) == {"now", "offset_seconds", "frozen"}
    now = parse_iso8601_ms(j["now"])
    assert before - timedelta(milliseconds=1) <= now <= after + timedelta(milliseconds=1)
    assert j["offset_seconds"] == 0 and isinstance(j["offset_seconds"], float)
    assert j["frozen"] is False


def test_post_operations_answer_the_state(server):
    j = clock(server, {"freeze": True})
    assert j["frozen"] is True
    j = clock(server, {"set": "2030-01-01T00:00:00Z"})
    assert j == {**j, "now": "2030-01-01T00:00:00.000Z", "frozen": True}
    # The offset is the distance from real time, to the millisecond (not rounded to 6 digits).
    real = datetime.now(timezone.utc)
    assert abs(j["offset_seconds"] - (dt("2030-01-01T00:00:00Z") - real).total_seconds()) < 3600
    assert j["offset_seconds"] > 1e8 * 0.3
    assert clock(server, {"advance": 1.5})["now"] == "2030-01-01T00:00:01.500Z"
    assert clock(server, {"advance": -3})["now"] == "2029-12-31T23:59:58.500Z"
    assert clock(server, {"advance": 0.001})["now"] == "2029-12-31T23:59:58.501Z"
    # A zone other than Z, and a fraction.
    assert clock(server, {"set": "2031-06-01T12:00:00.25+02:00"})["now"] == \
        "2031-06-01T10:00:00.250Z"
    assert clock(server, {"set": "2031-06-01T12:00:00-01:30"})["now"] == "2031-06-01T13:30:00.000Z"
    assert clock(server)["now"] == "2031-06-01T13:30:00.000Z"  # GET: still frozen there
    # Unfreezing runs on from the frozen instant.
    j = clock(server, {"freeze": False})
    assert j["frozen"] is False
    assert dt("2031-06-01T13:30:00Z") <= parse_iso8601_ms(j["now"]) < dt("2031-06-01T14:30:00Z")
    j = clock(server, {"reset": True})
    assert j["frozen"] is False and j["offset_seconds"] == 0
    assert abs(parse_iso8601_ms(j["now"]) - datetime.now(timezone.utc)) < timedelta(hours=1)


def test_reset_unfreezes(server):
    clock(server, {"freeze": True})
    clock(server, {"advance": -DAY})
    j = clock(server, {"reset": True})
    assert j["frozen"] is False and j["offset_seconds"] == 0


@pytest.mark.parametrize("body", [
    {},
    {"advance": "10"},
    {"advance": None},
    {"advance": True},
    {"advance": 1e300},
    {"advance": -100 * 365 * DAY},
    {"advance": 8000 * 365 * DAY},
    {"set": "1969-12-31T23:59:59Z"},
    {"set": "2030-01-01T00:00:00+23:59x"},
    {"set": "tomorrow"},
    {"set": 1893456000},
    {"set": "2030-02-30T00:00:00Z"},
    {"set": "2030-01-01T00:00:00"},
    {"set": "2030-01-01T24:00:00Z"},
    {"set": "2030-01-01T00:00:00Zjunk"},
    {"set": "2030-01-01 00:00:00Z"},
    {"freeze": 1},
    {"freeze": "yes"},
    {"reset": False},
    {"reset": 1},
    {"advance": 1, "freeze": True},
    {"rewind": 10},
])
def test_bad_bodies(server, body):
    before = clock(server, {"freeze": True})["now"]
    st, j, _ = ctl(server, "POST", "/clock", body)
    assert st == 400 and j["error"] == "InvalidClockRequest" and j["message"]
    assert clock(server)["now"] == before  # nothing moved


def test_malformed_json_and_wrong_methods(server):
    st, j, _ = ctl(server, "POST", "/clock", b"{not json")
    assert (st, j["error"]) == (400, "MalformedJSON")
    st, j, _ = ctl(server, "POST", "/clock", b"[1]")
    assert (st, j["error"]) == (400, "MalformedJSON")
    for m in ("PUT", "DELETE"):
        st, j, _ = ctl(server, m, "/clock")
        assert (st, j["error"]) == (405, "MethodNotAllowed")
    st, _, r = ctl(server, "HEAD", "/clock")
    assert st == 200


def test_needs_an_admin_signature_with_users(server_factory, tmp_path):
    srv = signed_server(server_factory, tmp_path)
    st, j, _ = ctl(srv, "GET", "/clock")
    assert (st, j["error"]) == (403, "AccessDenied")
    st, j, _ = ctl(srv, "POST", "/clock", {"advance": 10})
    assert (st, j["error"]) == (403, "AccessDenied")
    st, j, _ = ctl(srv, "GET", "/clock", when=datetime.now(timezone.utc))
    assert st == 200 and j["offset_seconds"] == 0  # the refused advance did nothing


def test_no_control_means_no_clock(server_factory):
    srv = server_factory(args=["--no-control"])
    r = raw(srv.port, "GET", "/_fakes3/clock")
    assert r.status == 404 and b"<Code>NoSuchBucket</Code>" in r.body


# ==================================================================================================
# Dates the server writes
# ==================================================================================================
def test_date_and_last_modified_follow_a_set(server, s3):
    s3.create_bucket(Bucket="clk-dates")
    clock(server, {"set": "2030-01-01T00:00:00Z"})
    r = s3.put_object(Bucket="clk-dates", Key="k", Body=b"x")
    date = parse_rfc1123(r["ResponseMetadata"]["HTTPHeaders"]["date"])
    assert datetime(2030, 1, 1, tzinfo=timezone.utc) <= date < datetime(2030, 1, 1, 1,
                                                                          tzinfo=timezone.utc)
    h = s3.head_object(Bucket="clk-dates", Key="k")
    assert h["LastModified"].year == 2030 and h["LastModified"].month == 1
    lst = s3.list_objects_v2(Bucket="clk-dates")["Contents"]
    assert lst[0]["LastModified"].year == 2030
    clock(server, {"reset": True})
    r = s3.head_object(Bucket="clk-dates", Key="k")
    assert parse_rfc1123(r["ResponseMetadata"]["HTTPHeaders"]["date"]).year < 2030


def test_date_header_appears_once_on_every_kind_of_answer(server):
    clock(server, {"freeze": True})
    clock(server, {"set": "2030-05-06T07:08:09.999Z"})
    want = "Mon, 06 May 2030 07:08:09 GMT"
    answers = [
        raw(server.port, "GET", "/_fakes3/clock"),                  # control, JSON
        raw(server.port, "GET", "/_fakes3/nope"),                   # control error
        raw(server.port, "GET", "/"),                               # S3 XML
        raw(server.port, "PUT", "/clk-once"),                       # created
        raw(server.port, "PUT", "/clk-once/k", b"hello"),
        raw(server.port, "GET", "/clk-once/k"),                     # a file body
        raw(server.port, "GET", "/clk-once/missing"),               # S3 error
        raw(server.port, "GET", "/_fakes3/health"),
        raw(server.port, "GET", "/clk-once/k", headers=[("Range", "bytes=0-1")]),
    ]
    for r in answers:
        assert r.header_all("Date") == [want], r


def test_if_modified_since_uses_the_clock(server, s3):
    s3.create_bucket(Bucket="clk-ims")
    s3.put_object(Bucket="clk-ims", Key="k", Body=b"x")
    mtime = s3.head_object(Bucket="clk-ims", Key="k")["LastModified"]
    clock(server, {"advance": DAY})
    # A date after the object's mtime (a day later, which only the moved clock has reached).
    later = raw(server.port, "GET", "/clk-ims/k").header("Date")
    assert parse_rfc1123(later) >= mtime + timedelta(days=1) - timedelta(seconds=1)
    r = raw(server.port, "GET", "/clk-ims/k", headers=[("If-Modified-Since", later)])
    assert r.status == 304
    earlier = (mtime - timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    r = raw(server.port, "GET", "/clk-ims/k", headers=[("If-Modified-Since", earlier)])
    assert r.status == 200 and r.body == b"x"


def test_list_multipart_uploads_initiated_follows_the_clock(server, s3):
    s3.create_bucket(Bucket="clk-mpu")
    clock(server, {"set": "2031-03-04T05:06:07Z"})
    up = s3.create_multipart_upload(Bucket="clk-mpu", Key="big")["UploadId"]
    ups = s3.list_multipart_uploads(Bucket="clk-mpu")["Uploads"]
    assert [u["UploadId"] for u in ups] == [up]
    init = ups[0]["Initiated"]
    assert datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc) <= init < \
        datetime(2031, 3, 4, 6, tzinfo=timezone.utc)
    s3.abort_multipart_upload(Bucket="clk-mpu", Key="big", UploadId=up)


def test_frozen_clock_gives_equal_last_modified(server, s3):
    s3.create_bucket(Bucket="clk-frozen")
    clock(server, {"freeze": True})
    s3.put_object(Bucket="clk-frozen", Key="a", Body=b"1")
    # Let real time cross into another second (a condition on the real clock, not a sleep for
    # something else to happen): a running clock would now stamp a later second.
    t0 = time.time()
    while time.time() < int(t0) + 1.1:
        time.sleep(0.05)
    s3.put_object(Bucket="clk-frozen", Key="b", Body=b"2")
    lm = {k: s3.head_object(Bucket="clk-frozen", Key=k)["LastModified"] for k in ("a", "b")}
    assert lm["a"] == lm["b"]
    # Advancing moves the frozen instant by exactly that much.
    clock(server, {"advance": 5})
    s3.put_object(Bucket="clk-frozen", Key="c", Body=b"3")
    assert s3.head_object(Bucket="clk-frozen", Key="c")["LastModified"] - lm["a"] == \
        timedelta(seconds=5)
    assert clock(server)["frozen"] is True


# ==================================================================================================
# Signatures
# ==================================================================================================
def test_presigned_url_expires_when_the_clock_passes_it(server, s3):
    s3.create_bucket(Bucket="clk-pre")
    s3.put_object(Bucket="clk-pre", Key="k", Body=b"secret")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "clk-pre", "Key": "k"},
                                    ExpiresIn=60)
    r = requests.get(url, timeout=30)
    assert r.status_code == 200 and r.content == b"secret"
    clock(server, {"advance": 120})
    r = requests.get(url, timeout=30)
    assert r.status_code == 403
    assert "<Code>AccessDenied</Code>" in r.text and "Request has expired" in r.text
    clock(server, {"reset": True})
    assert requests.get(url, timeout=30).status_code == 200


def test_signed_mode_presigned_and_skew(server_factory, tmp_path):
    srv = signed_server(server_factory, tmp_path)
    s3 = srv.client()
    s3.create_bucket(Bucket="clk-skew")
    s3.put_object(Bucket="clk-skew", Key="k", Body=b"v")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "clk-skew", "Key": "k"},
                                    ExpiresIn=60)
    assert requests.get(url, timeout=30).status_code == 200
    clock(srv, {"set": (datetime.now(timezone.utc) + timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")}, when=datetime.now(timezone.utc))
    r = requests.get(url, timeout=30)
    assert r.status_code == 403 and "Request has expired" in r.text
    # A request signed now by a client's real clock is a day off the server's.
    st, code, _ = refused(s3.get_object, Bucket="clk-skew", Key="k")
    assert (st, code) == (403, "RequestTimeTooSkewed")
    # A control call is judged by real time, so the admin can still move the clock back; one
    # signed with the server's (moved) time is the one that is off.
    server_now = parse_rfc1123(raw(srv.port, "GET", "/_fakes3/health").header("Date"))
    st, j, _ = ctl(srv, "GET", "/clock", when=server_now)
    assert (st, j["error"]) == (403, "RequestTimeTooSkewed")
    j = clock(srv, {"reset": True}, when=datetime.now(timezone.utc))
    assert j["offset_seconds"] == 0
    assert s3.get_object(Bucket="clk-skew", Key="k")["Body"].read() == b"v"


# ==================================================================================================
# Object lock and lifecycle
# ==================================================================================================
def test_compliance_retention_ends_when_the_clock_passes_it(server, s3):
    s3.create_bucket(Bucket="clk-lock", ObjectLockEnabledForBucket=True)
    now = parse_iso8601_ms(clock(server)["now"])
    v = s3.put_object(Bucket="clk-lock", Key="k", Body=b"keep", ObjectLockMode="COMPLIANCE",
                      ObjectLockRetainUntilDate=now + timedelta(days=1))["VersionId"]
    st, code, _ = refused(s3.delete_object, Bucket="clk-lock", Key="k", VersionId=v)
    assert (st, code) == (403, "AccessDenied")
    clock(server, {"advance": 2 * DAY})
    s3.delete_object(Bucket="clk-lock", Key="k", VersionId=v)
    assert s3.list_object_versions(Bucket="clk-lock").get("Versions", []) == []


def test_lifecycle_expiration_is_applied_when_the_call_returns(server, s3):
    s3.create_bucket(Bucket="clk-lc")
    s3.put_bucket_lifecycle_configuration(Bucket="clk-lc", LifecycleConfiguration={"Rules": [
        {"ID": "30d", "Status": "Enabled", "Filter": {"Prefix": "old/"},
         "Expiration": {"Days": 30}}]})
    s3.put_object(Bucket="clk-lc", Key="old/a", Body=b"a")
    s3.put_object(Bucket="clk-lc", Key="keep/b", Body=b"b")
    clock(server, {"advance": 29 * DAY})
    names = lambda: sorted(o["Key"] for o in s3.list_objects_v2(Bucket="clk-lc").get(  # noqa
        "Contents", []))
    assert names() == ["keep/b", "old/a"]  # not due yet (30 days, to the next midnight)
    clock(server, {"advance": 2 * DAY})
    assert names() == ["keep/b"]  # gone when the call returned: no waiting
    st, code, _ = refused(s3.head_object, Bucket="clk-lc", Key="old/a")
    assert st == 404


def test_a_reset_that_moves_forward_runs_a_pass(server, s3):
    s3.create_bucket(Bucket="clk-back")
    s3.put_bucket_lifecycle_configuration(Bucket="clk-back", LifecycleConfiguration={"Rules": [
        {"ID": "1d", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]})
    clock(server, {"advance": -10 * DAY})
    s3.put_object(Bucket="clk-back", Key="k", Body=b"x")  # stamped 10 days ago
    clock(server, {"reset": True})  # forward by 10 days: a pass runs, the object is due
    assert s3.list_objects_v2(Bucket="clk-back").get("Contents", []) == []


def test_timer_passes_go_on_after_clock_calls(server_factory):
    """Passes a clock call asks for leave the worker's own timer running: with a lifecycle day of
    two seconds, an object that falls due by real time after the calls is still expired."""
    srv = server_factory(args=["--lifecycle-day-seconds", "2"])
    s3 = srv.client()
    s3.create_bucket(Bucket="clk-timer")
    s3.put_bucket_lifecycle_configuration(Bucket="clk-timer", LifecycleConfiguration={"Rules": [
        {"ID": "1d", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]})
    s3.put_object(Bucket="clk-timer", Key="k", Body=b"x")
    for _ in range(3):
        clock(srv, {"advance": 0.001})  # each runs a pass (the object is due 2 s after its PUT)
    deadline = time.monotonic() + 60
    while s3.list_objects_v2(Bucket="clk-timer").get("Contents"):
        assert time.monotonic() < deadline, "no timer pass expired the object"
        time.sleep(0.2)
