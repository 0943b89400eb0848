"""5,000 abandoned requests — GETs with ~600 query parameters (more than libmicrohttpd keeps, so
it drops the request) and clients that disconnect in the middle of their head — leave the
server's memory and descriptors where they were; then SIGTERM with idle half-sent heads still
connected stops the server promptly."""

import concurrent.futures
import signal
import socket
import struct
import subprocess
import time

from s3lib import RawConn
from stresslib import fd_count, raise_nofile, rss_kib

ABANDONED = 5000
WARMUP = 300
RSS_GROWTH_LIMIT_KIB = 20 * 1024
STOP_BOUND_S = 10.0   # generous: a prompt stop takes well under a second
IDLE_AT_STOP = 50
WORKERS = 16
# ASan keeps freed memory in quarantine (256 MiB by default), which would read as growth.
ASAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:quarantine_size_mb=4"}

LONG_QUERY = "&".join(f"p{i:03d}=" + "v" * 14 for i in range(600))  # 12 KB
CUT_HEAD = b"GET /stress/k?a=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: abcdef"


def long_query_get(port):
    """A GET with 600 query parameters, read to the end; its status (or what happened)."""
    try:
        with RawConn(port, timeout=30) as c:
            c.send_head("GET", "/stress/k?" + LONG_QUERY, [("Connection", "close")])
            try:
                return c.read_response().status
            except (ConnectionError, AssertionError):
                return "closed"
    except OSError as e:
        return f"error {e.__class__.__name__}"


def cut_head(port, i):
    """Half a head, then gone: a plain close or (every other one) a reset."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(CUT_HEAD[: 10 + i % (len(CUT_HEAD) - 10)])
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        return "cut"
    except OSError as e:
        return f"error {e.__class__.__name__}"


def abandon(port, n, offset=0):
    counts = {}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        futs = [ex.submit(long_query_get, port) if i % 2 == 0 else ex.submit(cut_head, port, i)
                for i in range(offset, offset + n)]
        for f in futs:
            r = f.result(timeout=120)
            counts[r] = counts.get(r, 0) + 1
    return counts


def wait_fds(pid, at_most, timeout=60.0):
    end = time.monotonic() + timeout
    n = fd_count(pid)
    while n > at_most and time.monotonic() < end:
        time.sleep(0.1)
        n = fd_count(pid)
    return n


def test_abandoned_requests_leave_memory_flat_and_sigterm_is_prompt(servers, figure):
    raise_nofile(4096)
    srv = servers(args=["-q"], env=ASAN_ENV)
    pid = srv.proc.pid
    with RawConn(srv.port) as c:
        assert c.request("PUT", "/stress/k", b"v").status == 200
    fds0 = fd_count(pid)
    abandon(srv.port, WARMUP)
    wait_fds(pid, fds0)
    rss0, fds1 = rss_kib(pid), fd_count(pid)

    t0 = time.monotonic()
    counts = abandon(srv.port, ABANDONED, WARMUP)
    took = time.monotonic() - t0
    fds2 = wait_fds(pid, fds1)
    rss1 = rss_kib(pid)
    figure("abandoned requests", f"{ABANDONED} in {took:.1f} s: {dict(sorted(counts.items(), key=str))}")
    figure("VmRSS before / after", f"{rss0} KiB / {rss1} KiB (growth {rss1 - rss0} KiB)")
    figure("open descriptors before / after", f"{fds1} / {fds2}")

    # Still serving.
    with RawConn(srv.port) as c:
        assert c.request("GET", "/stress/k").body == b"v"

    # SIGTERM with idle half-sent heads and an idle keep-alive connection still open.
    idle = []
    for i in range(IDLE_AT_STOP):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(CUT_HEAD[: 10 + i % (len(CUT_HEAD) - 10)])
        idle.append(s)
    keep = RawConn(srv.port)
    assert keep.request("GET", "/stress/k").status == 200
    t1 = time.monotonic()
    srv.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        rc = "still running after 60 s"
    stop_s = time.monotonic() - t1
    for s in idle:
        s.close()
    keep.close()
    figure("SIGTERM to exit with idle half-sent heads open", f"{stop_s:.2f} s (status {rc})")

    problems = []
    if rss1 - rss0 > RSS_GROWTH_LIMIT_KIB:
        problems.append(f"RSS grew {rss1 - rss0} KiB over {ABANDONED} abandoned requests")
    if fds2 > fds1 + 2:
        problems.append(f"descriptors {fds1} -> {fds2}: dropped connections are not closed")
    if any(str(k).startswith("error") for k in counts):
        problems.append(f"client errors: {counts}")
    if rc != 0:
        problems.append(f"exit status {rc} on SIGTERM (want 0)")
    if stop_s >= STOP_BOUND_S:
        problems.append(f"SIGTERM took {stop_s:.1f} s with idle connections open")
    assert not problems, "\n".join(problems)
