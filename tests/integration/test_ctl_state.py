"""The control namespace's reset and snapshots through the real binary: POST /_fakes3/reset (all,
one bucket), POST /_fakes3/snapshots/NAME (save), POST .../NAME/restore, GET and DELETE
/_fakes3/snapshots, and info's counts. What S3 clients see before and after is compared whole:
listings of versions, bytes by SHA-256, ETags, tags, uploads in progress, bucket settings."""

import hashlib
import http.client
import json
import os
import threading
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from s3lib import RawConn, disk_only, error_code, memory_mode, wait_for


def ctl(server, method, path, body=None):
    """A control call: (status, JSON answer)."""
    c = http.client.HTTPConnection(server.address, server.port, timeout=300)
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    c.request(method, "/_fakes3" + path, body=body or b"",
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, (json.loads(raw) if raw else None)


def ok(server, method, path, body=None, status=200):
    st, j = ctl(server, method, path, body)
    assert st == status, (method, path, st, j)
    return j


def files_under(path):
    n = 0
    for _, _, files in os.walk(path):
        n += len(files)
    return n


def blobs_settled(server):
    """No file left under blobs/ or in the trash (the background removal has finished)."""
    return (files_under(os.path.join(server.root, "blobs")) == 0 and
            files_under(os.path.join(server.root, "trash")) == 0)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def state_of(s3):
    """Everything a client can see of the server's state, in comparable form."""
    out = {}
    for b in sorted(x["Name"] for x in s3.list_buckets()["Buckets"]):
        d = {"versioning": s3.get_bucket_versioning(Bucket=b).get("Status")}
        vers = s3.list_object_versions(Bucket=b)
        assert not vers["IsTruncated"]
        rows, data = [], {}
        for v in vers.get("Versions", []):
            rows.append(("v", v["Key"], v["VersionId"], v["ETag"], v["Size"], v["IsLatest"],
                         v["LastModified"].isoformat()))
            args = {"Bucket": b, "Key": v["Key"]}
            if v["VersionId"] != "null":
                args["VersionId"] = v["VersionId"]
            body = s3.get_object(**args)["Body"].read()
            tags = s3.get_object_tagging(**args)["TagSet"]
            data[(v["Key"], v["VersionId"])] = (sha(body), len(body),
                                                sorted((t["Key"], t["Value"]) for t in tags))
        for m in vers.get("DeleteMarkers", []):
            rows.append(("dm", m["Key"], m["VersionId"], m["IsLatest"]))
        d["versions"] = sorted(rows)
        d["data"] = data
        ups = []
        for u in s3.list_multipart_uploads(Bucket=b).get("Uploads", []):
            parts = s3.list_parts(Bucket=b, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", [])
            ups.append((u["Key"], u["UploadId"],
                        [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts]))
        d["uploads"] = sorted(ups)
        try:
            d["cors"] = s3.get_bucket_cors(Bucket=b)["CORSRules"]
        except ClientError as e:
            assert error_code(e) == "NoSuchCORSConfiguration"
            d["cors"] = None
        try:
            d["tags"] = s3.get_bucket_tagging(Bucket=b)["TagSet"]
        except ClientError as e:
            assert error_code(e) == "NoSuchTagSet"
            d["tags"] = None
        out[b] = d
    return out


def populate(s3):
    """A versioned bucket with objects of several sizes, versions, a delete marker, tags, a
    completed multipart object and an upload in progress; a plain bucket with CORS and tags."""
    s3.create_bucket(Bucket="snap")
    s3.put_bucket_versioning(Bucket="snap", VersioningConfiguration={"Status": "Enabled"})
    for i, size in enumerate([0, 1, 1000, 70000, 1 << 20]):
        s3.put_object(Bucket="snap", Key=f"sized/{i}", Body=os.urandom(size))
    for n in range(3):
        s3.put_object(Bucket="snap", Key="multi-version", Body=b"version %d" % n,
                      Tagging=f"n={n}")
    s3.put_object(Bucket="snap", Key="deleted", Body=b"soon a marker")
    s3.delete_object(Bucket="snap", Key="deleted")
    up = s3.create_multipart_upload(Bucket="snap", Key="mpu-done")["UploadId"]
    parts = []
    for n, size in ((1, 5 << 20), (2, 100000)):
        e = s3.upload_part(Bucket="snap", Key="mpu-done", UploadId=up, PartNumber=n,
                           Body=os.urandom(size))["ETag"]
        parts.append({"PartNumber": n, "ETag": e})
    s3.complete_multipart_upload(Bucket="snap", Key="mpu-done", UploadId=up,
                                 MultipartUpload={"Parts": parts})
    up = s3.create_multipart_upload(Bucket="snap", Key="mpu-open")["UploadId"]
    s3.upload_part(Bucket="snap", Key="mpu-open", UploadId=up, PartNumber=1, Body=b"p" * 5000)
    s3.create_bucket(Bucket="plain")
    s3.put_bucket_cors(Bucket="plain", CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}]})
    s3.put_bucket_tagging(Bucket="plain", Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    s3.put_object(Bucket="plain", Key="k", Body=b"plain bytes")


def change_everything(s3):
    s3.put_object(Bucket="snap", Key="multi-version", Body=b"a fourth version")
    vers = s3.list_object_versions(Bucket="snap", Prefix="sized/0")["Versions"]
    s3.delete_object(Bucket="snap", Key="sized/0", VersionId=vers[0]["VersionId"])
    s3.delete_object(Bucket="snap", Key="sized/1")
    s3.put_object_tagging(Bucket="snap", Key="sized/2", Tagging={"TagSet": [
        {"Key": "changed", "Value": "yes"}]})
    for u in s3.list_multipart_uploads(Bucket="snap")["Uploads"]:
        s3.abort_multipart_upload(Bucket="snap", Key=u["Key"], UploadId=u["UploadId"])
    s3.delete_bucket_cors(Bucket="plain")
    s3.put_object(Bucket="plain", Key="k", Body=b"overwritten")
    s3.put_object(Bucket="plain", Key="new", Body=b"added")
    s3.create_bucket(Bucket="later")
    s3.put_object(Bucket="later", Key="x", Body=b"y")


def test_reset_all_empties_everything(server_factory):
    srv = server_factory()
    s3 = srv.client()
    populate(s3)
    s3.put_bucket_policy(Bucket="plain", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::plain/*"}]}))
    s3.put_bucket_lifecycle_configuration(Bucket="plain", LifecycleConfiguration={"Rules": [
        {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]})
    s3.create_bucket(Bucket="logs")
    s3.put_bucket_logging(Bucket="plain", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": ""}})
    s3.get_object(Bucket="plain", Key="k")
    info = ok(srv, "GET", "/info")
    assert info["counts"] == {"buckets": 3, "objects": 8}

    j = ok(srv, "POST", "/reset")
    assert j["reset"] == "all" and isinstance(j["ms"], float) and j["ms"] >= 0
    assert s3.list_buckets()["Buckets"] == []
    assert ok(srv, "GET", "/info")["counts"] == {"buckets": 0, "objects": 0}
    # Buckets of the same names start from nothing: no object, version, upload or setting.
    for b in ("snap", "plain", "logs"):
        s3.create_bucket(Bucket=b)
        vers = s3.list_object_versions(Bucket=b)
        assert "Versions" not in vers and "DeleteMarkers" not in vers
        assert "Uploads" not in s3.list_multipart_uploads(Bucket=b)
        assert s3.get_bucket_versioning(Bucket=b).get("Status") is None
    for call, code in [(s3.get_bucket_cors, "NoSuchCORSConfiguration"),
                       (s3.get_bucket_policy, "NoSuchBucketPolicy"),
                       (s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration"),
                       (s3.get_bucket_tagging, "NoSuchTagSet")]:
        with pytest.raises(ClientError) as e:
            call(Bucket="plain")
        assert error_code(e.value) == code
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket="plain")
    # The snapshot-free server keeps working, and its old files go.
    s3.put_object(Bucket="plain", Key="again", Body=b"fresh")
    assert s3.get_object(Bucket="plain", Key="again")["Body"].read() == b"fresh"
    s3.delete_object(Bucket="plain", Key="again")
    wait_for(lambda: blobs_settled(srv), what="blobs/ and the trash to empty")
    # Nothing of the logging configuration survived to deliver records at the stop.
    if not memory_mode():  # a memory store starts empty
        srv.restart()
        assert "Contents" not in s3.list_objects_v2(Bucket="logs")


def test_reset_one_bucket_leaves_the_others(server_factory):
    srv = server_factory()
    s3 = srv.client()
    populate(s3)
    before = state_of(s3)
    j = ok(srv, "POST", "/reset", {"bucket": "snap"})
    assert j["reset"] == "snap" and j["ms"] >= 0
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket="snap")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    after = state_of(s3)
    assert after == {"plain": before["plain"]}
    assert ok(srv, "GET", "/info")["counts"] == {"buckets": 1, "objects": 1}
    # As if it never existed: made again, it is empty and unversioned.
    s3.create_bucket(Bucket="snap")
    assert state_of(s3)["snap"] == {"versioning": None, "versions": [], "data": {},
                                    "uploads": [], "cors": None, "tags": None}
    # Only the other bucket's file is left in blobs/.
    assert files_under(os.path.join(srv.root, "blobs")) == 1
    st, j = ctl(srv, "POST", "/reset", {"bucket": "nope"})
    assert (st, j["error"]) == (404, "NoSuchBucket")
    for body, code in [({"bucket": 5}, "InvalidRequest"), ({"buckt": "snap"}, "InvalidRequest"),
                       (b"[1]", "MalformedJSON"), (b"{", "MalformedJSON")]:
        st, j = ctl(srv, "POST", "/reset", body)
        assert (st, j["error"]) == (400, code), body
    assert s3.get_object(Bucket="plain", Key="k")["Body"].read() == b"plain bytes"
    st, j = ctl(srv, "GET", "/reset")
    assert (st, j["error"]) == (405, "MethodNotAllowed")


def test_snapshot_restore_gives_back_exactly_the_saved_state(server_factory):
    srv = server_factory()
    s3 = srv.client()
    populate(s3)
    saved = state_of(s3)
    j = ok(srv, "POST", "/snapshots/before-change", status=201)
    assert j["name"] == "before-change" and j["buckets"] == 2 and j["objects"] == 8
    assert j["created"].endswith("Z") and j["ms"] >= 0
    change_everything(s3)
    assert state_of(s3) != saved
    for _ in range(2):  # restoring twice gives the same state
        j = ok(srv, "POST", "/snapshots/before-change/restore")
        assert j["name"] == "before-change" and j["ms"] >= 0
        assert state_of(s3) == saved
    # The restored upload in progress can be completed.
    (key, up, parts), = saved["snap"]["uploads"]
    s3.complete_multipart_upload(Bucket="snap", Key=key, UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e, _ in parts]})
    assert s3.get_object(Bucket="snap", Key=key)["Body"].read() == b"p" * 5000
    # A new version after the restore is the newest one.
    v = s3.put_object(Bucket="snap", Key="multi-version", Body=b"after")["VersionId"]
    vers = s3.list_object_versions(Bucket="snap", Prefix="multi-version")["Versions"]
    assert vers[0]["VersionId"] == v and vers[0]["IsLatest"] and len(vers) == 4
    # blobs/ holds exactly the restored state's files once more.
    ok(srv, "POST", "/snapshots/before-change/restore")
    ok(srv, "POST", "/snapshots/before-change/restore")
    assert (files_under(os.path.join(srv.root, "blobs")) ==
            files_under(os.path.join(srv.root, "snapshots", "before-change", "blobs")))


def test_snapshots_listed_replaced_deleted_and_names_checked(server_factory):
    srv = server_factory()
    s3 = srv.client()
    assert ok(srv, "GET", "/snapshots") == {"snapshots": []}
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="one", Body=b"1")
    ok(srv, "POST", "/snapshots/zz.last_1", status=201)
    ok(srv, "POST", "/snapshots/a-first", status=201)
    s3.put_object(Bucket="bkt", Key="two", Body=b"2")
    j = ok(srv, "POST", "/snapshots/zz.last_1", status=201)  # replaced
    assert j["objects"] == 2
    snaps = ok(srv, "GET", "/snapshots")["snapshots"]
    assert [(x["name"], x["buckets"], x["objects"]) for x in snaps] == [
        ("a-first", 1, 1), ("zz.last_1", 1, 2)]
    assert all(set(x) == {"name", "created", "buckets", "objects"} for x in snaps)
    ok(srv, "POST", "/snapshots/a-first/restore")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="bkt")["Contents"]] == ["one"]
    ok(srv, "POST", "/snapshots/zz.last_1/restore")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="bkt")["Contents"]] == ["one", "two"]
    assert ok(srv, "DELETE", "/snapshots/a-first") == {"deleted": "a-first"}
    assert [x["name"] for x in ok(srv, "GET", "/snapshots")["snapshots"]] == ["zz.last_1"]
    for method, path in [("DELETE", "/snapshots/a-first"), ("POST", "/snapshots/a-first/restore"),
                         ("POST", "/snapshots/never/restore")]:
        st, j = ctl(srv, method, path)
        assert (st, j["error"]) == (404, "NoSuchSnapshot"), path
    # Reset keeps snapshots.
    ok(srv, "POST", "/reset")
    assert [x["name"] for x in ok(srv, "GET", "/snapshots")["snapshots"]] == ["zz.last_1"]
    ok(srv, "POST", "/snapshots/zz.last_1/restore")
    assert s3.get_object(Bucket="bkt", Key="two")["Body"].read() == b"2"
    bad = [".hidden", "a%20b", "x" * 65, "a%2Fb", "a/b", "%C3%BC", "semi;colon", "..", "."]
    for name in bad:
        for method, path in [("POST", f"/snapshots/{name}"),
                             ("POST", f"/snapshots/{name}/restore"),
                             ("DELETE", f"/snapshots/{name}")]:
            st, j = ctl(srv, method, path)
            assert (st, j["error"]) == (400, "InvalidSnapshotName"), (method, path, st, j)
    ok(srv, "POST", "/snapshots/" + "x" * 64, status=201)
    st, j = ctl(srv, "GET", "/snapshots/zz.last_1")
    assert (st, j["error"]) == (405, "MethodNotAllowed")
    # Names the store never made are not listed.
    assert sorted(x["name"] for x in ok(srv, "GET", "/snapshots")["snapshots"]) == [
        "x" * 64, "zz.last_1"]


@disk_only("kill -9, then a restart on the same root")
def test_state_survives_kill_9_after_restore_and_after_reset(server_factory):
    srv = server_factory()
    s3 = srv.client()
    populate(s3)
    saved = state_of(s3)
    ok(srv, "POST", "/snapshots/s", status=201)
    change_everything(s3)
    ok(srv, "POST", "/snapshots/s/restore")
    srv.kill()  # SIGKILL right after the answer
    srv.start()
    s3 = srv.client()
    assert state_of(s3) == saved
    ok(srv, "POST", "/reset")
    srv.kill()
    srv.start()
    assert s3.list_buckets()["Buckets"] == []
    ok(srv, "POST", "/snapshots/s/restore")
    assert state_of(s3) == saved
    wait_for(lambda: files_under(os.path.join(srv.root, "trash")) == 0, what="the trash to empty")


def test_restore_makes_s3_reread_bucket_settings(server_factory):
    """Logging is known from a cache of which buckets log: a restore that brings a logging
    configuration back must be seen by the next requests."""
    srv = server_factory(args=["--log-delivery-seconds", "1"])
    s3 = srv.client()
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="logs")
    s3.put_bucket_logging(Bucket="src", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "log/"}})
    ok(srv, "POST", "/snapshots/logging-on", status=201)
    ok(srv, "POST", "/reset", {"bucket": "src"})
    s3.create_bucket(Bucket="src")
    s3.list_objects_v2(Bucket="src")  # the cache learns that src does not log
    ok(srv, "POST", "/snapshots/logging-on/restore")
    s3.put_object(Bucket="src", Key="after-restore", Body=b"x")

    def logged():
        for o in s3.list_objects_v2(Bucket="logs", Prefix="log/").get("Contents", []):
            if b"after-restore" in s3.get_object(Bucket="logs", Key=o["Key"])["Body"].read():
                return True
        return False

    wait_for(logged, what="a log record of the PUT after the restore")


def put_many_parallel(port, bucket, n, threads=8):
    errors = []

    def work(lo):
        try:
            with RawConn(port, timeout=120) as c:
                for i in range(lo, n, threads):
                    r = c.request("PUT", f"/{bucket}/" + quote(f"obj/{i:06d}"), b"x%d" % i)
                    assert r.status == 200, r
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:3]


def test_reset_with_20000_objects(server_factory):
    srv = server_factory()
    s3 = srv.client()
    s3.create_bucket(Bucket="many")
    put_many_parallel(srv.port, "many", 20000)
    assert ok(srv, "GET", "/info")["counts"] == {"buckets": 1, "objects": 20000}
    j = ok(srv, "POST", "/reset")
    assert j["reset"] == "all"
    assert s3.list_buckets()["Buckets"] == []
    assert ok(srv, "GET", "/info")["counts"] == {"buckets": 0, "objects": 0}
    wait_for(lambda: blobs_settled(srv), timeout=300, what="blobs/ and the trash to empty")
    s3.create_bucket(Bucket="many")
    assert s3.list_objects_v2(Bucket="many")["KeyCount"] == 0


def listing(s3, bucket):
    """Every key of bucket with its ETag, each object read whole (its bytes must be there)."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            assert hashlib.md5(body).hexdigest() == o["ETag"].strip('"')
            out[o["Key"]] = o["ETag"]
    return out


@disk_only("kill -9, then a restart on the same root")
@pytest.mark.parametrize("call", ["restore", "reset"])
def test_kill_9_during_restore_or_reset_leaves_old_or_new_state(server_factory, call):
    srv = server_factory()
    s3 = srv.client()
    s3.create_bucket(Bucket="crash")
    put_many_parallel(srv.port, "crash", 600)
    saved = listing(s3, "crash")
    ok(srv, "POST", "/snapshots/s", status=201)
    for i in range(0, 600, 2):
        s3.delete_object(Bucket="crash", Key=f"obj/{i:06d}")
    put_many_parallel(srv.port, "crash", 100)
    changed = listing(s3, "crash")
    for delay in (0.0, 0.002, 0.01, 0.05):
        # The call is sent and the process killed whenever it is, answered or not.
        c = RawConn(srv.port)
        body = b'{"bucket": "crash"}' if call == "reset" else b""
        c.send_head("POST", "/_fakes3/snapshots/s/restore" if call == "restore" else
                    "/_fakes3/reset", [("Content-Length", str(len(body)))], body=body)
        threading.Event().wait(delay)
        srv.kill()
        c.close()
        srv.start()
        s3 = srv.client()
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        now = listing(s3, "crash") if "crash" in names else None
        if call == "restore":
            assert now in (saved, changed), delay
        else:
            assert now in (changed, None), delay
        # Back to the changed state for the next round.
        ok(srv, "POST", "/reset")
        s3.create_bucket(Bucket="crash")
        put_many_parallel(srv.port, "crash", 600)
        for i in range(0, 600, 2):
            s3.delete_object(Bucket="crash", Key=f"obj/{i:06d}")
        put_many_parallel(srv.port, "crash", 100)
    # Nothing unreferenced is left once the start's sweep and the trash are done.
    srv.restart()
    wait_for(lambda: files_under(os.path.join(srv.root, "trash")) == 0, what="the trash to empty")
    n = len(listing(srv.client(), "crash"))  # the sweep of blobs/ runs after the start
    wait_for(lambda: files_under(os.path.join(srv.root, "blobs")) == n, what="the sweep")
