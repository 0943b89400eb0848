"""The classic compose scenario from issue 3, end to end, with real names: server and clients run
inside a network namespace whose /etc/hosts maps fakes3, my-bucket.fakes3 and other-bucket.fakes3
to 127.0.0.1, as a compose network's aliases would."""

import os

from s3lib import AwsCli, S3cmd, md5_hex

PORT = 4569  # the namespace is ours alone: use fake-s3's port, as the compose file does


def test_classic_compose_scenario(netns_factory, server_factory, tmp_path):
    ns = netns_factory(["localhost", "fakes3", "my-bucket.fakes3"])
    srv = server_factory(port=PORT, netns=ns)
    work = tmp_path / "client"
    work.mkdir()
    foo = work / "foo.txt"
    foo.write_bytes(b"Hello from the classic fake-s3 compose scenario.\n" * 20)

    # 1. aws CLI uploads into a bucket nobody created.
    aws = AwsCli(tmp_path, f"http://fakes3:{PORT}", netns=ns)
    r = aws("s3", "cp", str(foo), "s3://my-bucket/", cwd=str(work))
    assert "upload:" in r.stdout and "s3://my-bucket/foo.txt" in r.stdout, r.stdout

    # 2. s3cmd, virtual-hosted style (Host: my-bucket.fakes3:PORT), lists and gets it.
    s3cmd = S3cmd(tmp_path, f"fakes3:{PORT}", f"%(bucket)s.fakes3:{PORT}", netns=ns)
    out = s3cmd("ls", "s3://my-bucket").stdout
    assert "s3://my-bucket/foo.txt" in out, out
    assert str(foo.stat().st_size) in out, out
    got = work / "got.txt"
    s3cmd("get", "s3://my-bucket/foo.txt", str(got))
    assert got.read_bytes() == foo.read_bytes()

    # 3. Service level (Host: fakes3:PORT) lists the buckets.
    out = s3cmd("ls").stdout
    assert "s3://my-bucket" in out, out

    # 4. mb / put / del / rb through virtual-hosted names.
    ns.add_host("other-bucket.fakes3")
    r = s3cmd("mb", "s3://other-bucket")
    assert "Bucket 's3://other-bucket/' created" in r.stdout, r.stdout
    bar = work / "bar.bin"
    bar.write_bytes(os.urandom(200_000))
    s3cmd("put", str(bar), "s3://other-bucket/sub/bar.bin")
    out = s3cmd("ls", "--recursive", "s3://other-bucket").stdout
    assert "s3://other-bucket/sub/bar.bin" in out, out
    got2 = work / "bar.got"
    s3cmd("get", "s3://other-bucket/sub/bar.bin", str(got2))
    assert md5_hex(got2.read_bytes()) == md5_hex(bar.read_bytes())
    out = s3cmd("ls").stdout
    assert "s3://my-bucket" in out and "s3://other-bucket" in out, out
    r = s3cmd("rb", "s3://other-bucket", check=False)
    assert r.returncode != 0, "rb of a non-empty bucket must fail"
    s3cmd("del", "s3://other-bucket/sub/bar.bin")
    r = s3cmd("rb", "s3://other-bucket")
    assert "Bucket 's3://other-bucket/' removed" in r.stdout, r.stdout
    out = s3cmd("ls").stdout
    assert "s3://other-bucket" not in out and "s3://my-bucket" in out, out

    # 5. The aws CLI sees what s3cmd did, and cleans up the rest.
    out = aws("s3", "ls").stdout
    assert "my-bucket" in out.split() and "other-bucket" not in out.split(), out
    aws("s3", "cp", "s3://my-bucket/foo.txt", str(work / "again.txt"), cwd=str(work))
    assert (work / "again.txt").read_bytes() == foo.read_bytes()
    s3cmd("del", "s3://my-bucket/foo.txt")
    aws("s3", "rb", "s3://my-bucket")
    assert s3cmd("ls").stdout.strip() == ""

    # The access log saw virtual-host requests (target without the bucket) and path ones.
    assert srv.stop() == 0
    log = srv.stdout()
    assert "GET /foo.txt " in log, log[-3000:]
