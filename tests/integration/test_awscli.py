"""The real aws CLI against fakes3 (endpoint http://127.0.0.1:PORT, so path style)."""

import json
import os
import random

from s3lib import md5_hex


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_aws_s3_high_level_commands(aws, s3, tmp_path):
    r = aws("s3", "mb", "s3://cli-bucket")
    assert "make_bucket: cli-bucket" in r.stdout
    assert "cli-bucket" in aws("s3", "ls").stdout.split()

    data = random.Random(1).randbytes(3 * 1024 * 1024 + 5)  # below the multipart threshold
    src = str(tmp_path / "up" / "data.bin")
    write(src, data)
    aws("s3", "cp", src, "s3://cli-bucket/dir/data.bin")
    aws("s3", "cp", src, "s3://cli-bucket/top.bin", "--content-type", "application/x-top")
    h = s3.head_object(Bucket="cli-bucket", Key="dir/data.bin")
    assert h["ContentLength"] == len(data) and h["ETag"] == f'"{md5_hex(data)}"'
    assert s3.head_object(Bucket="cli-bucket", Key="top.bin")["ContentType"] == "application/x-top"

    lines = aws("s3", "ls", "s3://cli-bucket/").stdout.splitlines()
    assert any(l.split() == ["PRE", "dir/"] for l in lines), lines
    top = [l.split() for l in lines if l.endswith(" top.bin")]
    assert len(top) == 1 and top[0][2] == str(len(data)), lines
    lines = aws("s3", "ls", "s3://cli-bucket/dir/").stdout.splitlines()
    assert [l.split()[2:] for l in lines] == [[str(len(data)), "data.bin"]], lines

    dst = str(tmp_path / "down" / "copy.bin")
    os.makedirs(os.path.dirname(dst))
    aws("s3", "cp", "s3://cli-bucket/dir/data.bin", dst)
    assert read(dst) == data

    out = json.loads(aws("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--no-paginate")
                     .stdout)
    assert [(o["Key"], o["Size"], o["ETag"]) for o in out["Contents"]] == [
        ("dir/data.bin", len(data), f'"{md5_hex(data)}"'),
        ("top.bin", len(data), f'"{md5_hex(data)}"')]
    assert out["KeyCount"] == 2
    out = json.loads(aws("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--delimiter", "/")
                     .stdout)
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["dir/"]

    r = aws("s3", "rb", "s3://cli-bucket", check=False)
    assert r.returncode != 0, "rb of a non-empty bucket must fail"
    assert "BucketNotEmpty" in r.stderr, r.stderr

    r = aws("s3", "rm", "s3://cli-bucket/dir/data.bin")
    assert "delete: s3://cli-bucket/dir/data.bin" in r.stdout
    aws("s3", "rm", "s3://cli-bucket/top.bin")
    assert aws("s3", "ls", "s3://cli-bucket/").stdout.strip() == ""
    aws("s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in aws("s3", "ls").stdout.split()


def test_aws_cp_into_never_created_bucket(aws, s3, tmp_path):
    src = str(tmp_path / "foo.txt")
    write(src, b"hello from the compose scenario\n")
    aws("s3", "cp", src, "s3://my-bucket/")
    assert s3.get_object(Bucket="my-bucket", Key="foo.txt")["Body"].read() == read(src)


def test_aws_sync_and_recursive(aws, s3, tmp_path):
    tree = {"a.txt": b"A" * 10, "sub/b.txt": b"B" * 2000, "sub/deeper/c d.txt": b"C",
            "ünï.txt": "ü".encode() * 7}
    for rel, body in tree.items():
        write(str(tmp_path / "tree" / rel), body)
    aws("s3", "mb", "s3://sync-bucket")
    aws("s3", "sync", str(tmp_path / "tree"), "s3://sync-bucket/pre/")
    keys = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket="sync-bucket")["Contents"]}
    assert keys == {f"pre/{k}": len(v) for k, v in tree.items()}
    # A second sync finds nothing to do (listing, sizes and times agree).
    r = aws("s3", "sync", str(tmp_path / "tree"), "s3://sync-bucket/pre/")
    assert "upload:" not in r.stdout, r.stdout
    lines = aws("s3", "ls", "--recursive", "s3://sync-bucket/").stdout.splitlines()
    assert sorted(l.split(None, 3)[3] for l in lines) == sorted(f"pre/{k}" for k in tree)
    aws("s3", "cp", "--recursive", "s3://sync-bucket/pre/", str(tmp_path / "back"))
    for rel, body in tree.items():
        assert read(str(tmp_path / "back" / rel)) == body, rel
    aws("s3", "rb", "--force", "s3://sync-bucket")
    assert "sync-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_aws_s3api_errors(aws, s3):
    r = aws("s3api", "head-bucket", "--bucket", "no-such-bucket-cli", check=False)
    assert r.returncode != 0 and "404" in r.stderr, r.stderr
    s3.create_bucket(Bucket="api-bucket")
    r = aws("s3api", "get-object", "--bucket", "api-bucket", "--key", "nope", os.devnull,
            check=False)
    assert r.returncode != 0 and "NoSuchKey" in r.stderr, r.stderr
    r = aws("s3api", "put-object", "--bucket", "api-bucket", "--key", "m",
            "--metadata", "color=green", "--cache-control", "no-store")
    assert json.loads(r.stdout)["ETag"] == f'"{md5_hex(b"")}"'
    h = json.loads(aws("s3api", "head-object", "--bucket", "api-bucket", "--key", "m").stdout)
    assert h["Metadata"] == {"color": "green"} and h["CacheControl"] == "no-store"
    assert h["ContentLength"] == 0
