"""A full filesystem (a 32 MiB tmpfs as the root): PUTs until the server answers 507
InsufficientStorage, with nothing of the refused object left; then a DeleteObject works and frees
room, a PUT works again; SIGTERM; the disk filled to the last byte; a restart on the full disk
works and serves GET and DELETE."""

import errno
import os
import random
import signal
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from s3lib import md5_hex

DISK_MIB = 32
OBJ = 1024 * 1024
MAX_PUTS = 4 * DISK_MIB  # bound: the disk is full long before
STOP_BOUND_S = 10.0


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def status_code(exc):
    return (exc.response["ResponseMetadata"]["HTTPStatusCode"],
            exc.response.get("Error", {}).get("Code"))


def fill_to_the_last_byte(path):
    """Write a filler file until ENOSPC; bytes written."""
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    f.write(chunk[:size])
                    n += size
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return n


def stop_timed(srv):
    t = time.monotonic()
    rc = srv.stop(sig=signal.SIGTERM, timeout=60)
    return rc, time.monotonic() - t


def test_full_disk_answers_507_then_deletes_puts_and_restart_work(small_disk, servers, figure):
    rnd = random.Random(507)
    root = small_disk / "root"
    srv = servers(root=root, args=["-q"])
    s3 = srv.client()
    s3.create_bucket(Bucket="full")
    stored, refused = {}, None
    for i in range(MAX_PUTS):
        key, body = f"fill/{i:03d}", rnd.randbytes(OBJ)
        try:
            s3.put_object(Bucket="full", Key=key, Body=body)
            stored[key] = body
        except ClientError as e:
            refused = (key, status_code(e))
            break
    figure("1 MiB PUTs accepted before the disk was full", len(stored))
    figure("the refused PUT", refused)
    assert refused is not None, f"{MAX_PUTS} MiB went onto a {DISK_MIB} MiB disk"
    # Checks that fail go on this list and the run goes on, so one run shows every failure.
    problems = []
    if refused[1] != (507, "InsufficientStorage"):
        problems.append(f"the PUT on the full disk answered {refused[1]}, want 507 InsufficientStorage")

    # Nothing of the refused object is visible or left behind.
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="full")
            for o in p.get("Contents", [])]
    assert keys == sorted(stored)
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket="full", Key=refused[0])
    assert status_code(ei.value)[0] == 404
    tmpdir = root / "tmp"
    assert not os.path.isdir(tmpdir) or os.listdir(tmpdir) == []

    # A delete works on the full disk and makes room for a PUT.
    try:
        s3.delete_object(Bucket="full", Key="fill/000")
        del stored["fill/000"]
    except ClientError as e:
        problems.append(f"DeleteObject on the full disk answered {status_code(e)}")
    body = rnd.randbytes(OBJ // 2)
    try:
        s3.put_object(Bucket="full", Key="after-delete", Body=body)
        stored["after-delete"] = body
        assert s3.get_object(Bucket="full", Key="after-delete")["Body"].read() == body
    except ClientError as e:
        problems.append(f"PutObject after a delete on the full disk answered {status_code(e)}")

    rc, took = stop_timed(srv)
    figure("SIGTERM on the full disk", f"status {rc} in {took:.2f} s")
    assert rc == 0 and took < STOP_BOUND_S

    filler = fill_to_the_last_byte(small_disk / "filler")
    st = os.statvfs(small_disk)
    figure("filler bytes / free bytes left before the restart", f"{filler} / {st.f_bavail * st.f_frsize}")

    srv.start(wait=False)
    try:
        srv.wait_ready(timeout=60)
        started = None
    except AssertionError as e:
        started = str(e)[-1500:]
    if started is not None:
        problems.append(f"restart on the full disk failed: {started}")
        srv.killed = True  # its exit status is the finding, not a second failure
        pytest.fail("\n".join(problems), pytrace=False)
    s3 = srv.client()
    some = sorted(stored)[len(stored) // 2]
    g = s3.get_object(Bucket="full", Key=some)
    assert g["Body"].read() == stored[some]
    assert g["ETag"] == f'"{md5_hex(stored[some])}"'
    try:
        s3.delete_object(Bucket="full", Key=some)
        del stored[some]
    except ClientError as e:
        problems.append(f"DeleteObject after the restart on the full disk answered {status_code(e)}")
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="full")
            for o in p.get("Contents", [])]
    assert keys == sorted(stored)
    figure("after the restart on the full disk", f"GET ok, {len(keys)} objects listed")
    rc, took = stop_timed(srv)
    assert rc == 0 and took < STOP_BOUND_S
    assert not problems, "\n".join(problems)
