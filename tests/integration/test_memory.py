"""--memory: the default store in a private folder on a RAM-backed file system (src/store/memroot.h):
nothing under --root, the folder removed at a clean stop, folders of dead processes swept at the
next start, a clear refusal when no RAM-backed folder is to be had."""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import urllib.request

import pytest

from s3lib import fakes3_bin, free_port

TMPFS_MAGIC = 0x01021994


def info(srv):
    with urllib.request.urlopen(f"{srv.endpoint}/_fakes3/info", timeout=10) as r:
        return json.load(r)


def is_tmpfs(path):
    r = subprocess.run(["stat", "-f", "-c", "%t", path], capture_output=True, text=True)
    return r.returncode == 0 and int(r.stdout.strip(), 16) == TMPFS_MAGIC


@pytest.fixture
def shm_base():
    """A folder of our own on /dev/shm for FAKES3_MEMORY_DIR, so that sweeps and listings see only
    this test's folders."""
    if not is_tmpfs("/dev/shm"):
        pytest.skip("/dev/shm is not tmpfs here")
    d = tempfile.mkdtemp(prefix="fakes3-test-", dir="/dev/shm")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_memory_keeps_nothing_under_root_and_removes_its_folder(server_factory, shm_base):
    srv = server_factory(args=["--memory"], env={"FAKES3_MEMORY_DIR": shm_base},
                         use_test_args=False)
    s3 = srv.client()
    s3.create_bucket(Bucket="mem")
    s3.put_object(Bucket="mem", Key="k", Body=b"x" * 100000)
    assert s3.get_object(Bucket="mem", Key="k")["Body"].read() == b"x" * 100000
    i = info(srv)
    assert i["backend"] == "memory"
    root = i["root"]
    assert os.path.dirname(root) == shm_base
    assert os.path.basename(root).startswith(f"fakes3-mem-{srv.proc.pid}-")
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert os.path.exists(os.path.join(root, "meta.db"))
    assert not os.path.exists(srv._root), "--memory wrote under --root"
    assert "--memory: --root" in srv.stderr() and "ignored" in srv.stderr()
    assert srv.stop() == 0
    assert os.listdir(shm_base) == []


def test_memory_data_is_gone_after_a_restart(server_factory, shm_base):
    srv = server_factory(args=["--memory"], env={"FAKES3_MEMORY_DIR": shm_base})
    srv.client().create_bucket(Bucket="gone-at-exit")
    srv.restart()
    assert srv.client().list_buckets()["Buckets"] == []
    assert len(os.listdir(shm_base)) == 1


def test_memory_sweeps_folders_of_dead_processes(server_factory, shm_base):
    first = server_factory(args=["--memory"], env={"FAKES3_MEMORY_DIR": shm_base})
    first.client().create_bucket(Bucket="left-behind")
    left = info(first)["root"]
    first.kill()
    assert os.path.isdir(left)
    # a folder of a live process (ours) that looks like one is left alone
    alive = os.path.join(shm_base, f"fakes3-mem-{os.getpid()}-0123456789abcdef")
    os.mkdir(alive, 0o700)
    second = server_factory(args=["--memory"], env={"FAKES3_MEMORY_DIR": shm_base})
    assert not os.path.exists(left)
    assert os.path.isdir(alive)
    assert f"removed {left}" in second.stderr(), second.stderr()
    assert second.client().list_buckets()["Buckets"] == []


def test_memory_refuses_a_folder_that_is_not_in_ram(tmp_path):
    """FAKES3_MEMORY_DIR on a disk: the start fails and says why (nothing silently on disk)."""
    if is_tmpfs(str(tmp_path)):
        pytest.skip("tmp_path is itself tmpfs here")
    env = dict(os.environ, FAKES3_MEMORY_DIR=str(tmp_path))
    r = subprocess.run([fakes3_bin(), "--memory", "-p", str(free_port())], capture_output=True,
                       text=True, env=env, timeout=30)
    assert r.returncode != 0
    assert "is not a folder on a RAM-backed file system (tmpfs)" in r.stderr, r.stderr
    assert os.listdir(tmp_path) == []


def test_memory_from_the_environment(server_factory, shm_base):
    srv = server_factory(use_test_args=False,
                         env={"FAKES3_MEMORY": "1", "FAKES3_MEMORY_DIR": shm_base})
    srv.client().create_bucket(Bucket="env-mem")
    assert info(srv)["backend"] == "memory"
    assert len(os.listdir(shm_base)) == 1
