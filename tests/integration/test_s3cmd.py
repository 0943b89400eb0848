"""s3cmd against fakes3 in path style (host_bucket = host_base). Virtual-host style needs names
that resolve to the server: that runs in test_scenario.py, inside a network namespace."""

import os
import random

from s3lib import md5_hex


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_s3cmd_path_style_lifecycle(s3cmd, s3, tmp_path):
    r = s3cmd("mb", "s3://cmd-bucket")
    assert "Bucket 's3://cmd-bucket/' created" in r.stdout, r.stdout
    assert "s3://cmd-bucket" in s3cmd("ls").stdout

    data = random.Random(2).randbytes(1024 * 1024 + 3)
    src = tmp_path / "payload.bin"
    src.write_bytes(data)
    s3cmd("put", str(src), "s3://cmd-bucket/dir/payload.bin")
    (tmp_path / "small.txt").write_bytes(b"small file\n")
    s3cmd("put", str(tmp_path / "small.txt"), "s3://cmd-bucket/small.txt")
    h = s3.head_object(Bucket="cmd-bucket", Key="dir/payload.bin")
    assert h["ETag"] == f'"{md5_hex(data)}"' and h["ContentLength"] == len(data)
    # s3cmd stores file attributes (md5, mode, times) in x-amz-meta-s3cmd-attrs.
    assert f"md5:{md5_hex(data)}" in h["Metadata"].get("s3cmd-attrs", ""), h["Metadata"]

    out = s3cmd("ls", "s3://cmd-bucket").stdout.splitlines()
    assert any(l.split() == ["DIR", "s3://cmd-bucket/dir/"] for l in out), out
    small = [l.split() for l in out if l.endswith("s3://cmd-bucket/small.txt")]
    assert len(small) == 1 and small[0][2] == "11", out
    out = s3cmd("ls", "--recursive", "s3://cmd-bucket").stdout
    assert "s3://cmd-bucket/dir/payload.bin" in out and str(len(data)) in out, out

    out = s3cmd("la").stdout
    assert "s3://cmd-bucket/small.txt" in out and "s3://cmd-bucket/dir/" in out, out

    dst = tmp_path / "got.bin"
    s3cmd("get", "s3://cmd-bucket/dir/payload.bin", str(dst))
    assert read(dst) == data
    s3cmd("get", "--force", "s3://cmd-bucket/small.txt", str(dst))
    assert read(dst) == b"small file\n"

    r = s3cmd("rb", "s3://cmd-bucket", check=False)
    assert r.returncode != 0 and "BucketNotEmpty" in (r.stdout + r.stderr), r

    r = s3cmd("del", "s3://cmd-bucket/dir/payload.bin")
    assert "delete: 's3://cmd-bucket/dir/payload.bin'" in r.stdout, r.stdout
    s3cmd("del", "s3://cmd-bucket/small.txt")
    assert s3cmd("ls", "s3://cmd-bucket").stdout.strip() == ""
    r = s3cmd("rb", "s3://cmd-bucket")
    assert "Bucket 's3://cmd-bucket/' removed" in r.stdout, r.stdout
    assert "cmd-bucket" not in s3cmd("ls").stdout


def test_s3cmd_info_and_missing(s3cmd, s3, tmp_path):
    r = s3cmd("ls", "s3://no-such-bucket-cmd", check=False)
    assert r.returncode != 0 and "NoSuchBucket" in (r.stdout + r.stderr), r
    s3.put_object(Bucket="cmd-get", Key="k", Body=b"v")
    r = s3cmd("get", "s3://cmd-get/missing", str(tmp_path / "x"), check=False)
    assert r.returncode != 0
    assert not os.path.exists(tmp_path / "x") or os.path.getsize(tmp_path / "x") == 0


def test_s3cmd_put_into_never_created_bucket(s3cmd, s3, tmp_path):
    (tmp_path / "foo.txt").write_bytes(b"auto bucket\n")
    s3cmd("put", str(tmp_path / "foo.txt"), "s3://auto-cmd/foo.txt")
    assert s3.get_object(Bucket="auto-cmd", Key="foo.txt")["Body"].read() == b"auto bucket\n"
    out = s3cmd("ls", "s3://auto-cmd").stdout
    assert "s3://auto-cmd/foo.txt" in out, out
