"""The install scripts wait for another apt/dpkg instead of failing on its lock (CI may run beside
other work that installs packages)."""

import fcntl
import os
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOCK = "/var/lib/dpkg/lock-frontend"


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(LOCK), reason="needs root and dpkg")
def test_apt_install_waits_for_a_held_dpkg_lock():
    # Hold the lock the way apt and dpkg do (a write record lock on the whole file).
    fd = os.open(LOCK, os.O_RDWR)
    released = False
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pytest.skip("another apt/dpkg holds the lock right now")
        # An already installed package: apt takes the lock, changes nothing.
        p = subprocess.Popen([os.path.join(REPO, "scripts", "apt.sh"), "install", "-y", "-qq",
                              "--no-install-recommends", "procps"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = p.stderr.readline()  # blocks until the script says it waits (or ends)
        assert "waiting for the apt/dpkg lock" in line, line + p.stderr.read()
        assert p.poll() is None, "apt.sh gave up while the lock was held"
        fcntl.lockf(fd, fcntl.LOCK_UN)
        released = True
        rc = p.wait(timeout=600)
        assert rc == 0, p.stderr.read()
    finally:
        if not released:
            fcntl.lockf(fd, fcntl.LOCK_UN)
        os.close(fd)
