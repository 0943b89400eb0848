"""Everything survives a restart (SIGTERM, exit 0, start on the same root); a crash leaves the old
object or the new one, never a mix; files nobody references are swept at start."""

import os
import random
import time

import pytest
from botocore.exceptions import ClientError

from s3lib import disk_only, RawConn, md5_hex, wait_for

pytestmark = disk_only("restarts, kill -9 and starts again on the same root")


def snapshot(s3):
    snap = {"buckets": [], "objects": {}}
    for b in s3.list_buckets()["Buckets"]:
        name = b["Name"]
        snap["buckets"].append((name, b["CreationDate"]))
        objs = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for o in page.get("Contents", []):
                h = s3.head_object(Bucket=name, Key=o["Key"])
                objs.append((o["Key"], o["Size"], o["ETag"], o["LastModified"], h["ContentType"],
                             h["Metadata"], h.get("CacheControl"), h["LastModified"]))
        snap["objects"][name] = objs
        snap.setdefault("delim", {})[name] = s3.list_objects(Bucket=name, Delimiter="/").get(
            "CommonPrefixes", [])
    return snap


def test_restart_keeps_everything(server, s3):
    rnd = random.Random(7)
    data = {}
    s3.create_bucket(Bucket="empty-stays")
    s3.create_bucket(Bucket="eu-stays", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for b in ("first-bucket", "second.bucket"):
        for k in ("a", "a/", "a/b", "dir/sub/file.txt", "ünï cödé", "big.bin"):
            body = rnd.randbytes(2 * 1024 * 1024 if k == "big.bin" else rnd.randint(0, 3000))
            data[(b, k)] = body
            s3.put_object(Bucket=b, Key=k, Body=body, ContentType="application/x-test",
                          Metadata={"origin": f"{b}/{k}".encode("ascii", "replace").decode()},
                          CacheControl="no-cache")
    s3.put_object(Bucket="first-bucket", Key="to-delete", Body=b"gone soon")
    s3.delete_object(Bucket="first-bucket", Key="to-delete")
    s3.create_bucket(Bucket="deleted-bucket")
    s3.delete_bucket(Bucket="deleted-bucket")
    before = snapshot(s3)

    server.restart()
    s3 = server.client()
    after = snapshot(s3)
    assert after == before
    assert [b for b, _ in after["buckets"]] == ["empty-stays", "eu-stays", "first-bucket",
                                                 "second.bucket"]
    for (b, k), body in data.items():
        g = s3.get_object(Bucket=b, Key=k)
        assert g["Body"].read() == body, (b, k)
        assert g["ETag"] == f'"{md5_hex(body)}"'
    with pytest.raises(ClientError):
        s3.get_object(Bucket="first-bucket", Key="to-delete")
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket="deleted-bucket")
    assert s3.get_bucket_location(Bucket="eu-stays")["LocationConstraint"] == "eu-west-1"

    # Still writable after the restart, and a second restart keeps that too.
    s3.put_object(Bucket="empty-stays", Key="new", Body=b"after restart")
    server.restart()
    s3 = server.client()
    assert s3.get_object(Bucket="empty-stays", Key="new")["Body"].read() == b"after restart"
    assert snapshot(s3)["objects"]["first-bucket"] == before["objects"]["first-bucket"]


def test_restart_with_same_root_but_new_port(server_factory, tmp_path):
    a = server_factory()
    a.client().put_object(Bucket="moved", Key="k", Body=b"v")
    assert a.stop() == 0
    b = server_factory(root=a.root)
    assert b.client().get_object(Bucket="moved", Key="k")["Body"].read() == b"v"


def blob_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if os.path.basename(p).startswith("meta.db") or f == ".reserve":
                continue  # the database, and the space kept for deletes on a full disk
            out.append(p)
    return out


def test_crash_mid_upload_keeps_old_object_and_sweeps_partial(server, s3):
    old = b"old version " * 1000
    s3.put_object(Bucket="crash", Key="obj", Body=old)
    new = os.urandom(4 * 1024 * 1024)
    c = RawConn(server.port)
    c.send_head("PUT", "/crash/obj", [("Content-Length", str(len(new)))])
    c.send(new[: len(new) // 2])
    time.sleep(0.5)  # the server has streamed half a body into tmp/
    server.kill()
    c.close()
    server.start()
    s3 = server.client()
    g = s3.get_object(Bucket="crash", Key="obj")
    assert g["Body"].read() == old
    assert g["ETag"] == f'"{md5_hex(old)}"'
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="crash")["Contents"]] == ["obj"]
    # The half-received body is gone (DESIGN.md: <root>/tmp/ holds bodies being received).
    tmpdir = os.path.join(server.root, "tmp")
    left = os.listdir(tmpdir) if os.path.isdir(tmpdir) else []
    assert left == [], f"partial uploads left in {tmpdir}: {left}"
    total = sum(os.path.getsize(p) for p in blob_files(server.root))
    assert total < len(old) + len(new) // 2, "the partial body's bytes are still on disk"


def test_orphan_files_are_swept_at_start(server, s3):
    """DESIGN.md: object data lives in <root>/blobs/**; files nobody references are swept: tmp/
    before the port answers, blobs/ by a background thread after, which logs what it removed."""
    body = b"referenced"
    s3.put_object(Bucket="sweep", Key="keep", Body=body)
    assert server.stop() == 0
    blobs = [p for p in blob_files(server.root)
             if os.sep + "blobs" + os.sep in p and open(p, "rb").read() == body]
    assert len(blobs) == 1, f"expected one blob holding the object under blobs/: {blobs}"
    # An orphan that looks like a real blob: same folder, same name but for its last character.
    name = os.path.basename(blobs[0])
    orphan = os.path.join(os.path.dirname(blobs[0]), name[:-1] + ("0" if name[-1] != "0" else "1"))
    with open(orphan, "wb") as f:
        f.write(b"nobody references me")
    os.makedirs(os.path.join(server.root, "tmp"), exist_ok=True)
    partial = os.path.join(server.root, "tmp", "partial-upload")
    with open(partial, "wb") as f:
        f.write(b"half a body")
    server.start()
    s3 = server.client()
    assert not os.path.exists(partial), "leftover tmp/ file was not swept before serving"
    assert s3.get_object(Bucket="sweep", Key="keep")["Body"].read() == body
    wait_for(lambda: not os.path.exists(orphan), what="the orphan blob to be swept")
    wait_for(lambda: "swept 1 unreferenced file(s)" in server.stderr(), what="the sweep's log")
    assert os.path.exists(blobs[0])
    assert s3.get_object(Bucket="sweep", Key="keep")["Body"].read() == body


def test_writes_beside_the_sweep_lose_nothing(server, s3):
    """The sweep runs while the server serves: copies of old objects (hard links of files
    written before the start), new objects, overwrites and deletes made during it keep every
    byte they should, and only the orphans go."""
    s3.create_bucket(Bucket="busy")
    bodies = {f"old/{i:04d}": f"old body {i}".encode() for i in range(600)}
    for k, v in bodies.items():
        s3.put_object(Bucket="busy", Key=k, Body=v)
    assert server.stop() == 0
    some = [p for p in blob_files(server.root) if os.sep + "blobs" + os.sep in p][:40]
    orphans = [p[:-1] + ("0" if p[-1] != "0" else "1") for p in some]
    for p in orphans:
        with open(p, "wb") as f:
            f.write(b"orphan")
    server.start()
    s3 = server.client()
    # Straight away, while the sweep goes through the files.
    for i in range(0, 600, 3):
        s3.copy_object(Bucket="busy", Key=f"copy/{i:04d}",
                       CopySource={"Bucket": "busy", "Key": f"old/{i:04d}"})
        bodies[f"copy/{i:04d}"] = bodies[f"old/{i:04d}"]
        s3.put_object(Bucket="busy", Key=f"new/{i:04d}", Body=b"new %d" % i)
        bodies[f"new/{i:04d}"] = b"new %d" % i
        s3.put_object(Bucket="busy", Key=f"old/{i + 1:04d}", Body=b"again %d" % i)
        bodies[f"old/{i + 1:04d}"] = b"again %d" % i
        s3.delete_object(Bucket="busy", Key=f"old/{i + 2:04d}")
        del bodies[f"old/{i + 2:04d}"]
    wait_for(lambda: not any(os.path.exists(p) for p in orphans), what="the orphans to be swept")
    for k, v in bodies.items():
        assert s3.get_object(Bucket="busy", Key=k)["Body"].read() == v, k
    listed = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="busy")
              for o in page.get("Contents", [])]
    assert sorted(listed) == sorted(bodies)
    # Nothing left for the next start either: every file under blobs/ is an object's.
    assert server.stop() == 0
    n_blobs = len([p for p in blob_files(server.root) if os.sep + "blobs" + os.sep in p])
    assert n_blobs == len(bodies)
    server.start()
    s3 = server.client()
    for k, v in bodies.items():
        assert s3.get_object(Bucket="busy", Key=k)["Body"].read() == v, k


def test_acknowledged_writes_survive_kill_9(server, s3):
    """Every write answered 2xx is there after SIGKILL straight after the last answer: puts,
    an overwrite, a copy, a delete, a completed multipart upload, a bucket removal."""
    s3.create_bucket(Bucket="durable")
    s3.create_bucket(Bucket="gone-soon")
    data = {f"k/{i:03d}": os.urandom(random.Random(i).randint(0, 70000)) for i in range(60)}
    for k, v in data.items():
        s3.put_object(Bucket="durable", Key=k, Body=v)
    data["k/000"] = b"overwritten"
    s3.put_object(Bucket="durable", Key="k/000", Body=data["k/000"])
    s3.copy_object(Bucket="durable", Key="copy", CopySource={"Bucket": "durable", "Key": "k/001"})
    data["copy"] = data["k/001"]
    s3.delete_object(Bucket="durable", Key="k/002")
    del data["k/002"]
    part = os.urandom(5 * 1024 * 1024)
    up = s3.create_multipart_upload(Bucket="durable", Key="mpu")["UploadId"]
    e1 = s3.upload_part(Bucket="durable", Key="mpu", UploadId=up, PartNumber=1, Body=part)["ETag"]
    e2 = s3.upload_part(Bucket="durable", Key="mpu", UploadId=up, PartNumber=2, Body=b"tail")["ETag"]
    s3.complete_multipart_upload(Bucket="durable", Key="mpu", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    data["mpu"] = part + b"tail"
    s3.delete_bucket(Bucket="gone-soon")
    server.kill()  # SIGKILL: no chance to flush anything
    server.start()
    s3 = server.client()
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["durable"]
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="durable")
            for o in p.get("Contents", [])]
    assert keys == sorted(data)
    for k, v in data.items():
        assert s3.get_object(Bucket="durable", Key=k)["Body"].read() == v, k


def test_acknowledged_versions_survive_kill_9(server, s3):
    """In a versioned bucket every version and delete marker answered 2xx is there after SIGKILL,
    in the order they were made, with the same ids and bytes; removed versions stay removed."""
    s3.create_bucket(Bucket="vdurable")
    s3.put_object(Bucket="vdurable", Key="a", Body=b"from before versioning")
    s3.put_bucket_versioning(Bucket="vdurable", VersioningConfiguration={"Status": "Enabled"})
    made = {"a": [("null", b"from before versioning")], "b": [], "c": []}  # oldest first
    rnd = random.Random(7)
    for i in range(40):
        key = "abc"[i % 3]
        body = os.urandom(rnd.randint(0, 3000))
        vid = s3.put_object(Bucket="vdurable", Key=key, Body=body)["VersionId"]
        made[key].append((vid, body))
    marker = s3.delete_object(Bucket="vdurable", Key="b")["VersionId"]
    made["b"].append((marker, None))
    gone = made["c"].pop(3)[0]
    s3.delete_object(Bucket="vdurable", Key="c", VersionId=gone)
    top = made["a"].pop()[0]  # the current one: the one before it becomes current
    s3.delete_object(Bucket="vdurable", Key="a", VersionId=top)
    server.kill()  # SIGKILL: no chance to flush anything
    server.start()
    s3 = server.client()
    listed = {"a": [], "b": [], "c": []}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket="vdurable", MaxKeys=7):
        entries = [(v, False) for v in page.get("Versions", [])] + \
                  [(m, True) for m in page.get("DeleteMarkers", [])]
        for e, is_marker in entries:
            listed[e["Key"]].append((e["VersionId"], is_marker, e["IsLatest"]))
    for key, versions in made.items():
        newest_first = list(reversed(versions))
        # boto3 parts Versions from DeleteMarkers; each list keeps the newest-first order.
        assert [v for v, m, _ in listed[key] if not m] == \
            [vid for vid, body in newest_first if body is not None], key
        assert [v for v, m, _ in listed[key] if m] == \
            [vid for vid, body in newest_first if body is None], key
        assert [v for v, _, latest in listed[key] if latest] == [newest_first[0][0]], key
        for vid, body in versions:
            if body is not None:
                assert s3.get_object(Bucket="vdurable", Key=key, VersionId=vid)["Body"].read() \
                    == body, (key, vid)
    assert s3.get_object(Bucket="vdurable", Key="a")["Body"].read() == made["a"][-1][1]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="vdurable", Key="c", VersionId=gone)
    assert e.value.response["Error"]["Code"] == "NoSuchVersion"
