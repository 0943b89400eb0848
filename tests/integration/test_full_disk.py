"""A full disk and descriptor exhaustion: the server's root on a small tmpfs that the test fills,
and a server whose RLIMIT_NOFILE the test lowers while it runs.

On a full disk a write answers 507 InsufficientStorage naming the cause, leaves nothing behind
and keeps the old object; deletes still work (the store gives up its reserve for them), space
they free is usable at once, and a server stopped while full starts again on the full disk.
Out of descriptors, a request answers 503 SlowDown naming the cause."""

import os
import resource
import socket
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from s3lib import disk_only, RawConn, error_code, http_status

MiB = 1 << 20
DISK_MIB = 24


@pytest.fixture
def small_disk(tmp_path):
    """A DISK_MIB tmpfs mounted for this test. Request it before server_factory, so that the
    servers stop before it is unmounted."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m,mode=0755", "fakes3-full",
                        str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {r.stderr.strip()}")
    yield mnt
    if subprocess.run(["umount", str(mnt)]).returncode != 0:
        subprocess.run(["umount", "-l", str(mnt)])


def assert_no_space(exc_info):
    e = exc_info.value
    assert http_status(e) == 507, e.response
    assert error_code(e) == "InsufficientStorage", e.response
    msg = e.response["Error"]["Message"]
    assert "No space left" in msg and "ENOSPC" in msg, msg


def fill(s3, bucket, prefix):
    """PUTs 1 MiB objects until one is refused; returns {key: bytes} of those stored. The refusal
    must be the 507 naming the cause."""
    stored = {}
    for i in range(4 * DISK_MIB):
        key = f"{prefix}{i:03d}"
        body = os.urandom(MiB)
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        except ClientError as e:
            assert http_status(e) == 507 and error_code(e) == "InsufficientStorage", e.response
            msg = e.response["Error"]["Message"]
            assert "No space left" in msg and "ENOSPC" in msg, msg
            assert stored, "the first PUT was refused"
            return stored
        stored[key] = body
    raise AssertionError(f"{4 * DISK_MIB} MiB went onto a {DISK_MIB} MiB disk")


def top_up(path):
    """Takes every byte the file system has left with a file of our own (not the server's)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for chunk in (1 << 16, 1 << 12):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError:
                    break
    finally:
        os.close(fd)
    st = os.statvfs(path)
    assert st.f_bavail * st.f_frsize < 4096, "the disk is not full"


def blob_files(root):
    return sorted(f for _, _, fs in os.walk(os.path.join(root, "blobs")) for f in fs)


def tmp_files(root):
    return os.listdir(os.path.join(root, "tmp"))


@disk_only("fills a small disk mounted for the root")
def test_full_disk_put_answers_507_and_delete_still_frees_space(small_disk, server_factory):
    srv = server_factory(root=small_disk / "root")
    s3 = srv.client()
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="empty", Body=b"")
    up = s3.create_multipart_upload(Bucket="full", Key="mp")["UploadId"]
    up2 = s3.create_multipart_upload(Bucket="full", Key="mp2")["UploadId"]
    part2 = os.urandom(1000)
    etag2 = s3.upload_part(Bucket="full", Key="mp2", UploadId=up2, PartNumber=1,
                           Body=part2)["ETag"]
    done2 = {"Parts": [{"PartNumber": 1, "ETag": etag2}]}
    stored = fill(s3, "full", "obj-")
    assert tmp_files(srv.root) == [], "a refused PUT left its body behind"

    # Overwriting fails the same way and keeps the old object.
    first = sorted(stored)[0]
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket="full", Key=first, Body=os.urandom(2 * MiB))
    assert_no_space(ei)
    assert s3.get_object(Bucket="full", Key=first)["Body"].read() == stored[first]
    # So does a multipart part, sent or copied.
    with pytest.raises(ClientError) as ei:
        s3.upload_part(Bucket="full", Key="mp", UploadId=up, PartNumber=1, Body=os.urandom(2 * MiB))
    assert_no_space(ei)
    with pytest.raises(ClientError) as ei:
        s3.upload_part_copy(Bucket="full", Key="mp", UploadId=up, PartNumber=1,
                            CopySource={"Bucket": "full", "Key": first})
    assert_no_space(ei)
    assert tmp_files(srv.root) == []

    # Not one byte left. An empty body needs no space, but publishing it does (the database
    # grows): that fails too, and leaves no file behind.
    top_up(small_disk / "filler")
    blobs = blob_files(srv.root)
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket="full", Key="zero", Body=b"")
    assert_no_space(ei)
    with pytest.raises(ClientError) as ei:
        s3.create_bucket(Bucket="another")
    assert_no_space(ei)
    assert blob_files(srv.root) == blobs and tmp_files(srv.root) == []
    # A delete must still commit (it uses the server's reserve).
    s3.delete_object(Bucket="full", Key="empty")
    assert "Contents" not in s3.list_objects_v2(Bucket="full", Prefix="empty")
    # That freed nothing, and the reserve cannot be put back: writes that add data are refused.
    with pytest.raises(ClientError) as ei:
        s3.create_bucket(Bucket="another")
    assert_no_space(ei)
    with pytest.raises(ClientError) as ei:
        s3.copy_object(Bucket="full", Key="copy", CopySource={"Bucket": "full", "Key": first})
    assert_no_space(ei)
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket="full", Key="small", Body=b"x" * 1000)
    assert_no_space(ei)
    with pytest.raises(ClientError) as ei:
        s3.create_multipart_upload(Bucket="full", Key="mp3")
    assert_no_space(ei)
    with pytest.raises(ClientError) as ei:
        s3.complete_multipart_upload(Bucket="full", Key="mp2", UploadId=up2,
                                     MultipartUpload=done2)
    assert_no_space(ei)

    # Deleting objects frees their space: writes work again, without a restart.
    victims = sorted(stored)[1:4]
    r = s3.delete_objects(Bucket="full", Delete={"Objects": [{"Key": k} for k in victims]})
    assert r.get("Errors", []) == []
    assert sorted(d["Key"] for d in r["Deleted"]) == victims
    s3.delete_object(Bucket="full", Key=first)
    body = os.urandom(MiB)
    s3.put_object(Bucket="full", Key="again", Body=body)
    assert s3.get_object(Bucket="full", Key="again")["Body"].read() == body
    part = os.urandom(1000)
    etag = s3.upload_part(Bucket="full", Key="mp", UploadId=up, PartNumber=1, Body=part)["ETag"]
    s3.complete_multipart_upload(Bucket="full", Key="mp", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket="full", Key="mp")["Body"].read() == part
    s3.complete_multipart_upload(Bucket="full", Key="mp2", UploadId=up2, MultipartUpload=done2)
    assert s3.get_object(Bucket="full", Key="mp2")["Body"].read() == part2
    for k in sorted(stored)[4:]:
        assert s3.get_object(Bucket="full", Key=k)["Body"].read() == stored[k]
    assert tmp_files(srv.root) == []


@disk_only("fills a small disk mounted for the root")
def test_full_disk_stop_then_start_on_the_full_disk_serves_get_and_delete(small_disk,
                                                                          server_factory):
    srv = server_factory(root=small_disk / "root")
    s3 = srv.client()
    s3.create_bucket(Bucket="full")
    stored = fill(s3, "full", "obj-")
    top_up(small_disk / "filler")
    assert srv.stop() == 0, srv.stderr()
    top_up(small_disk / "filler")  # whatever stopping gave back (the WAL) is taken too

    srv.start()  # was: exit 2, "meta.db: database or disk is full"
    s3 = srv.client()
    keys = sorted(stored)
    assert s3.get_object(Bucket="full", Key=keys[0])["Body"].read() == stored[keys[0]]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="full")["Contents"]] == keys
    s3.delete_object(Bucket="full", Key=keys[0])
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket="full", Key=keys[0])
    assert http_status(ei.value) == 404
    # A delete frees space for writes, once the reserve is back.
    for k in keys[1:5]:
        s3.delete_object(Bucket="full", Key=k)
    body = os.urandom(MiB)
    s3.put_object(Bucket="full", Key="after", Body=body)
    assert s3.get_object(Bucket="full", Key="after")["Body"].read() == body


# --- file descriptors --------------------------------------------------------------------------
def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def server_side_connections(port):
    """Connected TCP sockets whose local port is the server's (ESTABLISHED or CLOSE_WAIT): the
    server still holds a descriptor for each."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] in ("01", "08"):
                n += 1
    return n


def wait_no_connections(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while server_side_connections(port):
        assert time.monotonic() < deadline, "the server still holds client connections"
        time.sleep(0.02)


def wait_fds(pid, want, timeout=30.0):
    deadline = time.monotonic() + timeout
    while open_fds(pid) != want:
        assert time.monotonic() < deadline, f"{open_fds(pid)} descriptors open, want {want}"
        time.sleep(0.02)


def test_out_of_file_descriptors_answers_503_slowdown(server_factory):
    # One worker thread: its SQLite connection is open after the first request, so from then on
    # a connection costs one descriptor and a GET in flight one more (its file).
    srv = server_factory(args=["--threads", "1"])
    pid = srv.proc.pid
    s3 = srv.client()
    s3.create_bucket(Bucket="fds")
    big = os.urandom(32 * MiB)  # more than socket buffers hold: a GET stays in flight
    s3.put_object(Bucket="fds", Key="big", Body=big)
    assert s3.get_object(Bucket="fds", Key="big")["Body"].read() == big
    s3.close()
    conns = []
    try:
        wait_no_connections(srv.port)
        base = open_fds(pid)
        # Room for three GETs in flight and one connection more; the hard limit too, so that a
        # server raising its soft limit cannot escape it (and this test cannot raise it back:
        # the server stops with these 7 to spare).
        limit = base + 7
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))
        for i in range(3):
            c = RawConn(srv.port)
            conns.append(c)
            # A small receive buffer that this test never reads from: the server's send stalls
            # with the file open, whatever the kernel's buffer autotuning allows.
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
            c.send_head("GET", "/fds/big")
            r = c.read_response(head=True)
            assert r.status == 200, r
            assert open_fds(pid) == base + 2 * (i + 1)
        # The last descriptor goes to accepting this connection: opening the object fails.
        c = RawConn(srv.port)
        conns.append(c)
        r = c.request("GET", "/fds/big")
        assert r.status == 503, r
        x = r.xml()
        assert x.findtext("Code") == "SlowDown", r.body
        assert "Too many open files (EMFILE)" in x.findtext("Message"), r.body
        # A PUT on that connection cannot open its temporary file either.
        r = c.request("PUT", "/fds/new", b"y" * 1000)
        assert r.status == 503 and r.xml().findtext("Code") == "SlowDown", r
        assert os.listdir(os.path.join(srv.root, "tmp")) == []
        # Connections closed, descriptors come back: the same requests work.
        for c in conns:
            c.close()
        conns = []
        wait_fds(pid, base)
        with RawConn(srv.port) as c:
            r = c.request("PUT", "/fds/new", b"y" * 1000)
            assert r.status == 200, r
            r = c.request("GET", "/fds/big", headers=[("Range", "bytes=1000-1999")])
            assert r.status == 206 and r.body == big[1000:2000], r
    finally:
        for c in conns:
            c.close()
