"""5,000 slowloris connections (each sends its request head one byte at a time) held open while a
normal client is served. Each slow connection must end with a 503 SlowDown (over the connection
cap) or be closed by the head deadline, never dropped unanswered before it. A normal client is
served meanwhile; it retries a 503 SlowDown as SDKs do, so a full cap may delay it until the head
deadline frees room, never longer."""

import errno
import os
import selectors
import socket
import time

from s3lib import RawConn
from stresslib import (MAX_CONNECTIONS_FLAG, child_nofile, has_flag, head_deadline_args, nofile_limit,
                       raise_nofile)

SLOW_CONNS = 5000
ROUND_S = 0.5          # one byte to every slow connection per round
NORMAL_BOUND_S = 10.0  # generous: the normal request takes milliseconds when served
# Set to pass a connection cap (MAX_CONNECTIONS_FLAG); by default the server's own cap applies.
MAX_CONNECTIONS = os.environ.get("FAKES3_STRESS_MAX_CONNECTIONS")
CONNECT_BOUND_S = 30.0  # for the server to accept (or refuse) all of them


class Slow:
    __slots__ = ("sock", "opened", "sent", "buf", "outcome", "ended", "status")

    def __init__(self, sock):
        self.sock, self.opened, self.sent, self.buf = sock, time.monotonic(), 0, b""
        self.outcome, self.ended, self.status = None, None, None


class SlowClients:
    """Many non-blocking sockets driven by one loop: connect, then a byte per round each; an
    outcome per connection: '503', 'answered' (another status), 'closed' (EOF without an answer),
    'reset', 'connect-failed'."""

    def __init__(self, port, n, head):
        self.port, self.n, self.head = port, n, head
        self.sel = selectors.DefaultSelector()
        self.conns = []

    def open_all(self):
        for _ in range(self.n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            rc = s.connect_ex(("127.0.0.1", self.port))
            c = Slow(s)
            self.conns.append(c)
            if rc not in (0, errno.EINPROGRESS):
                self._end(c, "connect-failed")
                continue
            self.sel.register(s, selectors.EVENT_READ, c)

    def _end(self, c, outcome):
        c.outcome, c.ended = outcome, time.monotonic()
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    def open_count(self):
        return sum(1 for c in self.conns if c.outcome is None)

    def _read(self, c):
        try:
            d = c.sock.recv(65536)
        except BlockingIOError:
            return
        except ConnectionResetError:
            self._end(c, "reset")
            return
        except OSError:
            self._end(c, "connect-failed" if c.sent == 0 else "reset")
            return
        if d:
            c.buf += d
            if b"\r\n\r\n" not in c.buf and len(c.buf) <= 8192:
                return
            c.status = self._status(c.buf)
            if c.status == 503 and b"</Error>" not in c.buf and len(c.buf) <= 8192:
                return  # the 503's body is still coming
            self._end(c, "503" if c.status == 503 else "answered")
        elif c.buf:
            c.status = self._status(c.buf)
            self._end(c, "503" if c.status == 503 else "answered")
        else:
            self._end(c, "closed")

    @staticmethod
    def _status(buf):
        line = buf.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) > 1 and line[1].isdigit() else -1

    def round(self, wait_s):
        """A byte to each open connection, then read whatever comes for wait_s."""
        for c in self.conns:
            if c.outcome is None and c.sent < len(self.head):
                try:
                    c.sent += c.sock.send(self.head[c.sent:c.sent + 1])
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    if e.errno in (errno.ENOTCONN,):
                        pass  # still connecting
                    else:
                        self._end(c, "reset" if c.sent else "connect-failed")
        end = time.monotonic() + wait_s
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            for key, _ in self.sel.select(timeout=left):
                self._read(key.data)

    def close_all(self):
        for c in self.conns:
            if c.outcome is None:
                self._end(c, "open-at-end" if c.sent else "never-accepted")
        self.sel.close()


def raw_get_retrying(port, slow, until):
    """GET /stress/k until it is not a 503 or time is up; ((status, body), 503s seen)."""
    n503 = 0
    while True:
        try:
            with RawConn(port, timeout=NORMAL_BOUND_S) as c:
                r = c.request("GET", "/stress/k")
            got = (r.status, r.body)
        except OSError as e:
            got = ("no answer", repr(e))
        if got[0] != 503 or time.monotonic() >= until:
            return got, n503
        n503 += 1
        slow.round(ROUND_S)  # back off, keeping the slow ones trickling


def boto_get_retrying(client, slow, until):
    n503 = 0
    while True:
        try:
            return client.get_object(Bucket="stress", Key="k")["Body"].read(), n503
        except Exception as e:  # the figure is what matters; asserted by the caller
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            if code != "SlowDown" or time.monotonic() >= until:
                return repr(e), n503
        n503 += 1
        slow.round(ROUND_S)


def test_slow_connections_do_not_starve_a_normal_client(servers, figure):
    raise_nofile(SLOW_CONNS + 1000)
    args, deadline = head_deadline_args()
    if MAX_CONNECTIONS and has_flag(MAX_CONNECTIONS_FLAG):
        args += [MAX_CONNECTIONS_FLAG, MAX_CONNECTIONS]
    with child_nofile(1024):
        srv = servers(args=["-q"] + args)
    figure("server flags", " ".join(["-q"] + args) + f" (head deadline {deadline} s)")
    figure("server RLIMIT_NOFILE after start (started with soft 1024)", nofile_limit(srv.proc.pid))
    with RawConn(srv.port) as c:
        assert c.request("PUT", "/stress/k", b"hello").status == 200

    head = (b"GET /stress/k HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Pad: "
            + b"a" * 4000 + b"\r\n\r\n")
    slow = SlowClients(srv.port, SLOW_CONNS, head)
    t0 = time.monotonic()
    try:
        slow.open_all()
        # Connects complete as the server accepts; a few rounds give every connection its
        # first bytes (bounded in time).
        while time.monotonic() - t0 < CONNECT_BOUND_S:
            slow.round(ROUND_S)
            if all(c.sent > 0 or c.outcome for c in slow.conns):
                break
        open_at_normal = slow.open_count()
        figure("slow connections opened / still open when the normal request is sent",
               f"{SLOW_CONNS} / {open_at_normal} (after {time.monotonic() - t0:.1f} s)")

        # The normal client, while the slow ones are held: raw HTTP, then a boto3 GET. A 503
        # SlowDown (the connection cap is full) is retried, as SDKs do, while the slow
        # connections are kept trickling: the cap may delay it up to the head deadline, never
        # starve it.
        t1 = time.monotonic()
        normal, slowdowns = raw_get_retrying(srv.port, slow, t1 + deadline + NORMAL_BOUND_S)
        normal_s = time.monotonic() - t1
        figure("normal raw GET while slow connections are held",
               f"{normal[0]} in {normal_s:.3f} s after {slowdowns} SlowDown answers")
        t2 = time.monotonic()
        body, boto_slowdowns = boto_get_retrying(srv.client(), slow, t2 + deadline + NORMAL_BOUND_S)
        boto_s = time.monotonic() - t2
        figure("normal boto3 GetObject while slow connections are held",
               f"{'ok' if body == b'hello' else body} in {boto_s:.3f} s after {boto_slowdowns} SlowDown")

        # Keep trickling until every slow connection has been answered or closed by the
        # deadline (bounded: the deadline plus a generous minute).
        end = t1 + deadline + 30
        while slow.open_count() and time.monotonic() < end:
            slow.round(ROUND_S)
        still_open = slow.open_count()
    finally:
        slow.close_all()

    outcomes = {}
    early = 0
    for c in slow.conns:
        outcomes[c.outcome] = outcomes.get(c.outcome, 0) + 1
        # Closed or reset well before the deadline, with no answer: dropped, not timed out.
        if c.outcome in ("closed", "reset", "connect-failed") and c.ended - c.opened < deadline * 0.8:
            early += 1
    statuses = sorted({c.status for c in slow.conns if c.outcome == "answered"})
    not_slowdown = sum(1 for c in slow.conns if c.outcome == "503" and b"<Code>SlowDown</Code>"
                       not in c.buf)
    figure("slow connections refused with 503", outcomes.get("503", 0))
    figure("slow connections closed by the head deadline",
           sum(1 for c in slow.conns if c.outcome in ("closed", "reset", "answered")
               and c.ended - c.opened >= deadline * 0.8))
    figure("slow connections dropped early without an answer", early)
    figure("outcomes", dict(sorted(outcomes.items(), key=lambda kv: str(kv[0]))))
    if statuses:
        figure("other statuses answered to slow connections", statuses)

    problems = []
    if normal != (200, b"hello"):
        problems.append(f"normal raw GET while slow connections were held: {normal} in {normal_s:.1f} s")
    if body != b"hello":
        problems.append(f"normal boto3 GetObject while slow connections were held: {body}")
    if still_open:
        problems.append(f"{still_open} slow connections still open or never accepted {deadline} s + "
                        "30 s after the normal request: no head deadline, or a full accept queue")
    if early:
        problems.append(f"{early} slow connections were dropped early without an answer (want 503)")
    if not_slowdown:
        problems.append(f"{not_slowdown} 503 answers without <Code>SlowDown</Code>")
    if not set(outcomes) <= {"503", "closed", "reset", "answered"}:
        problems.append(f"outcomes: {outcomes}")
    # The server is still fine afterwards.
    try:
        with RawConn(srv.port) as c:
            after = c.request("GET", "/stress/k").body
    except OSError as e:
        after = repr(e)
    if after != b"hello":
        problems.append(f"GET after the slow connections ended: {after}")
    assert not problems, "\n".join(problems)
