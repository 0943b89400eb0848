"""--seed DIR: at start each folder directly in DIR becomes a bucket and each regular file under it
an object (key = its path below the bucket folder), ETag the MD5 of its bytes, Content-Type from
its extension; what cannot be a bucket or a key is skipped with a warning; seeding again at the
next start writes the same keys again and leaves other objects alone (src/store/seed.h)."""

import hashlib
import json
import os
import subprocess
import urllib.request

import pytest

from s3lib import disk_only, fakes3_bin, free_port, md5_hex

ODD_NAMES = ["with space.txt", "ünïcödé ✓.txt", "a+b.txt", "100%.txt", "hash#tag.txt",
             "what?.txt", ".hidden", "semi;colon&amp=.txt", "l" * 246 + ".txt"]
TYPES = {"page.html": "text/html", "style.CSS": "text/css", "app.js": "text/javascript",
         "data.json": "application/json", "pic.png": "image/png", "photo.JPG": "image/jpeg",
         "doc.pdf": "application/pdf", "notes.txt": "text/plain", "table.csv": "text/csv",
         "feed.xml": "application/xml", "icon.svg": "image/svg+xml",
         "blob.unknownext": "binary/octet-stream", "Makefile": "binary/octet-stream",
         ".env": "binary/octet-stream"}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def all_keys(s3, bucket):
    keys = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            keys[o["Key"]] = o
    return keys


@pytest.fixture
def seed_dir(tmp_path):
    """A seed folder: bucket `site` (nested folders, odd names, types by extension, empty files, a
    4 MiB file), bucket `data.lake` (one deep key), plus what must be skipped."""
    d = tmp_path / "seed"
    want = {}
    for name in ODD_NAMES:
        want[("site", f"odd/{name}")] = name.encode()
    for name in TYPES:
        want[("site", f"types/{name}")] = f"content of {name}".encode()
    want[("site", "empty")] = b""
    want[("site", "deep/er/est/empty.json")] = b""
    want[("site", "index.html")] = b"<h1>hi</h1>"
    want[("site", "big/large.bin")] = os.urandom(4 * 1024 * 1024 + 123)
    want[("data.lake", "year=2026/month=12/part-0000.parquet")] = b"PAR1" + bytes(range(256))
    for (bucket, key), body in want.items():
        write(str(d / bucket / key), body)
    # skipped: a folder that is no bucket name, a file directly in DIR
    write(str(d / "Not_A_Bucket" / "x.txt"), b"never")
    write(str(d / "ab" / "x.txt"), b"too short a name")
    write(str(d / "stray.txt"), b"belongs to no bucket")
    return d, want


def test_seed_makes_buckets_and_objects(server_factory, seed_dir):
    d, want = seed_dir
    srv = server_factory(args=["--seed", str(d)])
    s3 = srv.client()
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["data.lake", "site"]
    for bucket in ("site", "data.lake"):
        keys = all_keys(s3, bucket)
        assert set(keys) == {k for b, k in want if b == bucket}
        for key, o in keys.items():
            body = want[(bucket, key)]
            assert o["Size"] == len(body), key
            assert o["ETag"] == f'"{md5_hex(body)}"', key
    for (bucket, key), body in want.items():
        g = s3.get_object(Bucket=bucket, Key=key)
        got = g["Body"].read()
        assert got == body, key
        assert g["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    err = srv.stderr()
    assert "skipped Not_A_Bucket: not a valid bucket name" in err, err
    assert "skipped ab: not a valid bucket name" in err, err
    assert "skipped stray.txt: a file directly in the seed folder belongs to no bucket" in err, err
    assert f"seeded {len(want)} object(s)" in err or f"seeded {len(want)} object(s)" in srv.stdout()


def test_seed_content_type_from_extension(server_factory, seed_dir):
    d, _ = seed_dir
    s3 = server_factory(args=["--seed", str(d)]).client()
    for name, ctype in TYPES.items():
        assert s3.head_object(Bucket="site", Key=f"types/{name}")["ContentType"] == ctype, name
    assert s3.head_object(Bucket="site", Key="index.html")["ContentType"] == "text/html"
    assert s3.head_object(Bucket="site", Key="empty")["ContentType"] == "binary/octet-stream"


def test_seed_odd_names_are_keys_as_is(server_factory, seed_dir):
    d, _ = seed_dir
    s3 = server_factory(args=["--seed", str(d)]).client()
    keys = all_keys(s3, "site")
    for name in ODD_NAMES:
        assert f"odd/{name}" in keys, name
        assert s3.get_object(Bucket="site", Key=f"odd/{name}")["Body"].read() == name.encode()
    # listing with a delimiter sees the folders as common prefixes
    r = s3.list_objects_v2(Bucket="site", Delimiter="/")
    assert sorted(p["Prefix"] for p in r["CommonPrefixes"]) == ["big/", "deep/", "odd/", "types/"]
    assert sorted(o["Key"] for o in r["Contents"]) == ["empty", "index.html"]


def test_seed_skips_names_that_are_no_keys(server_factory, tmp_path):
    d = tmp_path / "seed"
    write(str(d / "keys" / "ok.txt"), b"ok")
    # not UTF-8
    os.makedirs(os.fsencode(str(d / "keys")), exist_ok=True)
    with open(os.path.join(os.fsencode(str(d / "keys")), b"bad-\xff.txt"), "wb") as f:
        f.write(b"x")
    # exactly 1024 bytes of key, and 1025
    seg = "s" * 200
    exact = "/".join([seg] * 5) + "/" + "e" * (1024 - 5 * 201)
    over = "/".join([seg] * 5) + "/" + "o" * (1025 - 5 * 201)
    assert len(exact.encode()) == 1024 and len(over.encode()) == 1025
    write(str(d / "keys" / exact), b"exact")
    write(str(d / "keys" / over), b"over")
    srv = server_factory(args=["--seed", str(d)])
    s3 = srv.client()
    assert set(all_keys(s3, "keys")) == {"ok.txt", exact}
    err = srv.stderr()
    assert "the name is not UTF-8" in err, err
    assert "the key is longer than 1024 bytes" in err, err


def test_seed_follows_symlinks_without_looping(server_factory, tmp_path):
    d = tmp_path / "seed"
    outside = tmp_path / "outside"
    write(str(outside / "shared.txt"), b"linked file")
    write(str(outside / "dir" / "inner.txt"), b"inner")
    write(str(d / "links" / "real.txt"), b"real")
    os.symlink(str(outside / "shared.txt"), str(d / "links" / "link.txt"))
    os.symlink(str(outside / "dir"), str(d / "links" / "linkdir"))
    os.symlink(".", str(d / "links" / "loop"))  # the bucket folder itself
    os.symlink(str(d), str(d / "links" / "top"))  # back to the seed folder (not a bucket)
    os.symlink(str(tmp_path / "missing"), str(d / "links" / "dangling"))
    os.symlink(str(outside), str(d / "linked-bucket"))
    srv = server_factory(args=["--seed", str(d)])
    s3 = srv.client()
    keys = all_keys(s3, "links")
    # `top` leads into the seed folder, which is no bucket folder on the path: walked once (its
    # own `links` is then the bucket folder itself, a loop, skipped)
    assert {"real.txt", "link.txt", "linkdir/inner.txt"} <= set(keys), keys
    assert not any(k.startswith("loop/") for k in keys), keys
    assert not any("/links/" in k for k in keys), keys
    assert s3.get_object(Bucket="links", Key="link.txt")["Body"].read() == b"linked file"
    assert set(all_keys(s3, "linked-bucket")) == {"shared.txt", "dir/inner.txt"}
    err = srv.stderr()
    assert "skipped links/loop: a link back to a folder above it" in err, err
    assert "skipped links/dangling" in err, err


def test_seed_stores_a_copy_not_a_link(server_factory, tmp_path):
    """An edit of the seed file in place after the start leaves the stored object (and its ETag)
    as it was: the bytes are a reflink or a copy, never a hard link."""
    d = tmp_path / "seed"
    path = str(d / "copies" / "f.bin")
    body = os.urandom(70000)
    write(path, body)
    srv = server_factory(args=["--seed", str(d)])
    s3 = srv.client()
    assert os.stat(path).st_nlink == 1
    with open(path, "r+b") as f:
        f.write(b"CHANGED IN PLACE")
    g = s3.get_object(Bucket="copies", Key="f.bin")
    assert g["Body"].read() == body
    assert g["ETag"] == f'"{md5_hex(body)}"'


@disk_only("restarts on the same root")
def test_reseed_on_restart_is_idempotent_and_leaves_other_objects(server_factory, seed_dir):
    d, want = seed_dir
    srv = server_factory(args=["--seed", str(d)])
    s3 = srv.client()
    s3.put_object(Bucket="site", Key="uploaded-later", Body=b"mine")
    s3.put_object(Bucket="site", Key="index.html", Body=b"overwritten by a client")
    before = all_keys(s3, "site")
    write(str(d / "site" / "types" / "notes.txt"), b"edited between starts")
    srv.restart()
    s3 = srv.client()
    after = all_keys(s3, "site")
    assert set(after) == set(before)
    assert s3.get_object(Bucket="site", Key="uploaded-later")["Body"].read() == b"mine"
    # the seed's keys are written again: index.html is the seed's again, notes.txt the new bytes
    assert s3.get_object(Bucket="site", Key="index.html")["Body"].read() == b"<h1>hi</h1>"
    assert s3.get_object(Bucket="site", Key="types/notes.txt")["Body"].read() == \
        b"edited between starts"
    for key, o in after.items():
        if key in ("uploaded-later", "types/notes.txt"):
            continue
        assert o["ETag"] == f'"{md5_hex(want[("site", key)])}"', key
        assert o["Size"] == len(want[("site", key)])
    # a bucket deleted by a client comes back at the next start with the seed's objects
    s3.delete_object(Bucket="data.lake", Key="year=2026/month=12/part-0000.parquet")
    s3.delete_bucket(Bucket="data.lake")
    srv.restart()
    assert set(all_keys(srv.client(), "data.lake")) == {"year=2026/month=12/part-0000.parquet"}


def test_seed_with_memory(server_factory, seed_dir):
    d, want = seed_dir
    srv = server_factory(args=["--memory", "--seed", str(d)])
    s3 = srv.client()
    for (bucket, key), body in want.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body, key
    with urllib.request.urlopen(f"{srv.endpoint}/_fakes3/info", timeout=10) as r:
        info = json.load(r)
    assert info["backend"] == "memory"
    assert info["root"].startswith(("/dev/shm/fakes3-mem-", os.environ.get("XDG_RUNTIME_DIR", "-")))
    assert not os.path.exists(os.path.join(str(srv._root), "meta.db"))


def test_seed_folder_missing_fails_the_start(tmp_path):
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), "-p", str(free_port()),
                        "--seed", str(tmp_path / "nope")], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0
    assert f"--seed {tmp_path / 'nope'}: No such file or directory" in r.stderr, r.stderr
