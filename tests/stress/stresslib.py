"""What the stress tests share: the server's flags for hostile clients (named once here, so a
renamed flag is a one-line change), file-descriptor limits, and /proc readings."""

import contextlib
import os
import re
import resource
import subprocess

from s3lib import clean_env, fakes3_bin

# The head deadline: a client must send its whole request head within it. The flag is passed
# only when `fakes3 --help` lists it; without it the built-in deadline applies.
HEAD_TIMEOUT_FLAG = os.environ.get("FAKES3_STRESS_HEAD_TIMEOUT_FLAG", "--header-timeout")
HEAD_TIMEOUT_S = 10
DEFAULT_HEAD_DEADLINE_S = 30
# The connection cap (excess connections are answered 503 SlowDown). Not passed: the default
# cap is what is tested.
MAX_CONNECTIONS_FLAG = "--max-connections"

_help = None


def help_text():
    global _help
    if _help is None:
        r = subprocess.run([fakes3_bin(), "--help"], capture_output=True, text=True, timeout=60,
                           env=clean_env())
        _help = r.stdout + r.stderr
    return _help


def has_flag(flag):
    return re.search(r"(^|[\s,])" + re.escape(flag) + r"([\s=]|$)", help_text(), re.M) is not None


def head_deadline_args():
    """(extra server flags, the head deadline in seconds those flags give)."""
    if has_flag(HEAD_TIMEOUT_FLAG):
        return [HEAD_TIMEOUT_FLAG, str(HEAD_TIMEOUT_S)], HEAD_TIMEOUT_S
    return [], DEFAULT_HEAD_DEADLINE_S


def raise_nofile(n):
    """Raise this process's soft RLIMIT_NOFILE to at least n (bounded by the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


@contextlib.contextmanager
def child_nofile(soft):
    """Children started inside inherit a soft RLIMIT_NOFILE of `soft` (the usual 1024), so the
    server has to raise its own limit; ours is restored afterwards."""
    old = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, old[0]), old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, old)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def nofile_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError(f"no limits for {pid}")
