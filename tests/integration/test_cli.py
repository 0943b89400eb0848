"""The command line: flags, environment variables, exit statuses, the access log and signals."""

import os
import re
import signal
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError

from s3lib import (ACCESS_LOG_RE, RawConn, clean_env, disk_only, fakes3_bin, free_port, md5_hex,
                   port_open, raw, wait_for)

FLAGS = ["--root", "--port", "--address", "--hostname", "--quiet", "--strict", "--help",
         "--legacy-bucket-defaults",
         "--version"]


def run_bin(args, env=None, cwd=None, timeout=10):
    return subprocess.run([fakes3_bin()] + list(args), capture_output=True, text=True,
                          env=clean_env(env), cwd=cwd, timeout=timeout)


def nonempty_lines(s):
    return [l for l in s.splitlines() if l.strip()]


def test_help(tmp_path):
    r = run_bin(["--help"], cwd=tmp_path)
    assert r.returncode == 0, r
    for flag in FLAGS:
        assert flag in r.stdout, f"--help does not mention {flag}:\n{r.stdout}"
    for short in ("-r", "-p", "-a", "-H", "-q"):
        assert re.search(rf"(^|\s){short}\b", r.stdout), f"--help does not mention {short}"
    assert not os.path.exists(tmp_path / "fakes3-data"), "--help must not create the root"


def test_version(tmp_path):
    r = run_bin(["--version"], cwd=tmp_path)
    assert r.returncode == 0, r
    assert re.search(r"\d+\.\d+", r.stdout), r.stdout
    assert len(nonempty_lines(r.stdout)) >= 1


@pytest.mark.parametrize("args", [["--no-such-flag"], ["-x"], ["-p", "notaport"], ["-p", "70000"],
                                  ["-p"], ["-p", "-1"], ["--port=12ab"], ["extra-positional"],
                                  ["-l", "fast"], ["-l", "0"], ["--limit=5X"], ["-l", "K"],
                                  ["-l", "-5K"]])
def test_bad_flag_exits_2_with_one_line(tmp_path, args):
    r = run_bin(args + ["-r", str(tmp_path / "root")], cwd=tmp_path)
    assert r.returncode == 2, (args, r)
    assert len(nonempty_lines(r.stderr)) == 1, f"want one line on stderr, got:\n{r.stderr}"
    assert "AddressSanitizer" not in r.stderr and "LeakSanitizer" not in r.stderr


def test_unusable_root_exits_2(tmp_path):
    f = tmp_path / "regular-file"
    f.write_bytes(b"not a folder")
    for root in (str(f / "sub"), str(f)):
        r = run_bin(["-r", root, "-p", str(free_port())], cwd=tmp_path)
        assert r.returncode == 2, (root, r)
        assert len(nonempty_lines(r.stderr)) == 1, f"want one line on stderr, got:\n{r.stderr}"
    r = run_bin(["-p", str(free_port())], env={"FAKES3_ROOT": str(f / "sub")}, cwd=tmp_path)
    assert r.returncode == 2, r
    assert f.read_bytes() == b"not a folder"


def test_startup_message_on_stderr(server):
    # The line is written once the port is bound, which a client can see first: wait for it
    # (reading stderr at once failed on a busy machine).
    wait_for(lambda: str(server.port) in server.stderr(),
             what=f"a start-up message naming port {server.port}")


def test_defaults_port_4569_and_root_fakes3_data(netns_factory, server_factory, tmp_path):
    """No -r, no -p: serves on 4569 with root ./fakes3-data. Runs in its own network namespace so
    that it cannot collide with a fakes3 on the machine's port 4569."""
    ns = netns_factory(["localhost"])
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    srv = server_factory(port=4569, use_root_flag=False, use_port_flag=False, netns=ns,
                         cwd=str(cwd), use_test_args=False)
    code = ("import http.client\n"
            "c=http.client.HTTPConnection('127.0.0.1',4569,timeout=5)\n"
            "c.request('PUT','/dflt/k',body=b'hello')\n"
            "r=c.getresponse(); r.read(); print(r.status)\n")
    r = ns.run(["/usr/bin/python3", "-c", code])
    assert r.stdout.strip() == "200", r
    assert srv.stop() == 0
    assert (cwd / "fakes3-data").is_dir(), os.listdir(cwd)
    assert os.listdir(cwd / "fakes3-data"), "default root is empty after a PUT"


def test_address_flag_binds_only_there(server_factory):
    srv = server_factory(address="127.0.0.2")
    assert "-a" in srv.argv() and "127.0.0.2" in srv.argv()
    assert raw(srv.port, "GET", "/", address="127.0.0.2").status == 200
    assert not port_open("127.0.0.1", srv.port), "-a 127.0.0.2 also listens on 127.0.0.1"


def test_env_vars(server_factory, tmp_path):
    root = tmp_path / "env-root"
    port = free_port()
    srv = server_factory(root=root, port=port, address="127.0.0.2", use_root_flag=False,
                         use_port_flag=False, use_address_flag=False,
                         env={"FAKES3_ROOT": str(root), "FAKES3_PORT": str(port),
                              "FAKES3_ADDRESS": "127.0.0.2", "FAKES3_QUIET": "1",
                              "FAKES3_HOSTNAME": "s3.envbase,alt.envbase"}, use_test_args=False)
    assert srv.argv() == [fakes3_bin()]
    assert not port_open("127.0.0.1", port), "FAKES3_ADDRESS=127.0.0.2 not honoured"
    r = raw(port, "PUT", "/obj", b"env", host=f"env-bucket.s3.envbase:{port}", address="127.0.0.2")
    assert r.status == 200, r
    r = raw(port, "GET", "/env-bucket/obj", host="alt.envbase", address="127.0.0.2")
    assert r.body == b"env", r
    r = raw(port, "GET", "/obj", host="env-bucket.alt.envbase", address="127.0.0.2")
    assert r.body == b"env", r
    assert srv.stop() == 0
    assert srv.stdout() == "", f"FAKES3_QUIET=1 still logged:\n{srv.stdout()}"
    assert os.listdir(root), "FAKES3_ROOT not used"
    assert not os.path.exists(tmp_path / "fakes3-data")


def test_flags_win_over_env(server_factory, tmp_path):
    env_root = tmp_path / "env-root-unused"
    env_port = free_port()
    srv = server_factory(env={"FAKES3_ROOT": str(env_root), "FAKES3_PORT": str(env_port),
                              "FAKES3_ADDRESS": "127.0.0.3", "FAKES3_STRICT": "0"},
                         use_test_args=False)
    assert port_open("127.0.0.1", srv.port)
    assert not port_open("127.0.0.1", env_port) and not port_open("127.0.0.3", env_port)
    assert raw(srv.port, "PUT", "/flag-bucket/k", b"x").status == 200
    assert srv.stop() == 0
    assert not env_root.exists(), "FAKES3_ROOT used although -r was given"
    assert os.listdir(srv.root)


def test_env_strict(server_factory):
    srv = server_factory(env={"FAKES3_STRICT": "1"})
    r = raw(srv.port, "PUT", "/strict-env/k", b"x")
    assert r.status == 404 and r.xml().findtext("Code") == "NoSuchBucket", r


def test_strict_flag(server_factory):
    srv = server_factory(args=["--strict"])
    s3 = srv.client()
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket="strict-bucket", Key="k", Body=b"x")
    assert ei.value.response["Error"]["Code"] == "NoSuchBucket"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert s3.list_buckets()["Buckets"] == []
    s3.create_bucket(Bucket="strict-bucket")
    assert s3.put_object(Bucket="strict-bucket", Key="k", Body=b"x")["ETag"] == \
        f'"{md5_hex(b"x")}"'


def test_access_log(server):
    p = server.port
    sent = []
    with RawConn(p) as c:
        for method, target, body in [("PUT", "/log-bucket", b""),
                                     ("PUT", "/log-bucket/some%20key.txt", b"hello, world!"),
                                     ("GET", "/log-bucket/some%20key.txt?x-id=GetObject", b""),
                                     ("GET", "/log-bucket/missing", b""),
                                     ("DELETE", "/log-bucket/some%20key.txt", b"")]:
            r = c.request(method, target, body)
            sent.append((method, target, r.status, len(r.body)))
    # The lines appear while the server runs (docker logs follows them live).
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and len(nonempty_lines(server.stdout())) < len(sent):
        time.sleep(0.05)
    lines = nonempty_lines(server.stdout())
    assert len(lines) == len(sent), f"want {len(sent)} access-log lines while running:\n{lines}"
    for line, (method, target, status, nbytes) in zip(lines, sent):
        m = ACCESS_LOG_RE.match(line)
        assert m, f"bad access-log line {line!r}"
        assert m.group(1) == method and m.group(2) == target, (line, method, target)
        assert int(m.group(3)) == status, line
        assert int(m.group(4)) == nbytes, (line, nbytes)
        assert 0 < int(m.group(5)) < 10_000_000, line
    assert server.stop() == 0
    assert len(nonempty_lines(server.stdout())) == len(sent)


def test_quiet_flag(server_factory):
    srv = server_factory(args=["-q"])
    for _ in range(3):
        assert raw(srv.port, "GET", "/").status == 200
    assert srv.stop() == 0
    assert srv.stdout() == "", f"-q still logged:\n{srv.stdout()}"
    srv2 = server_factory(args=["--quiet"])
    assert raw(srv2.port, "GET", "/").status == 200
    assert srv2.stop() == 0
    assert srv2.stdout() == ""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_0(server, sig):
    assert raw(server.port, "PUT", "/sig/k", b"x").status == 200
    assert server.stop(sig) == 0, server.stderr()


def test_sigterm_with_idle_keepalive_connection(server):
    with RawConn(server.port) as c:
        assert c.request("GET", "/").status == 200
        # The connection stays open and idle: that is not a request in flight.
        t0 = time.monotonic()
        assert server.stop(timeout=10) == 0
        assert time.monotonic() - t0 < 5, "an idle keep-alive connection held up the exit"


@disk_only("starts again on the same root after the SIGTERM")
def test_sigterm_finishes_upload_in_flight(server):
    p = server.port
    assert raw(p, "PUT", "/inflight").status == 200
    body = os.urandom(2 * 1024 * 1024)
    c = RawConn(p, timeout=15)
    try:
        c.send_head("PUT", "/inflight/obj", [("Content-Length", str(len(body)))])
        c.send(body[: len(body) // 2])
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.running(), "the server exited with an upload in flight"
        # It no longer takes new connections (or at least answers none of their requests).
        try:
            with RawConn(p, timeout=1) as other:
                other.send_head("GET", "/")
                other.read_response()
                pytest.fail("a new connection was served after SIGTERM")
        except (OSError, ConnectionError):
            pass
        c.send(body[len(body) // 2:])
        r = c.read_response()
        assert r.status == 200, r
        assert r.header("ETag") == f'"{md5_hex(body)}"'
    finally:
        c.close()
    server.proc.wait(timeout=10)
    assert server.proc.returncode == 0, server.stderr()
    server.start()
    r = raw(p, "GET", "/inflight/obj")
    assert r.status == 200 and r.body == body


def test_long_flags(server_factory, tmp_path):
    root = tmp_path / "long-root"
    port = free_port()
    srv = server_factory(root=root, port=port, use_root_flag=False, use_port_flag=False,
                         use_address_flag=False,
                         args=["--root", str(root), f"--port={port}", "--address", "127.0.0.1",
                               "--hostname", "s3.long", "--hostname=alt.long", "--quiet",
                               "--strict"], use_test_args=False)
    r = raw(port, "PUT", "/obj", b"x", host="long-bucket.s3.long")
    assert r.status == 404 and r.xml().findtext("Code") == "NoSuchBucket", r  # --strict
    assert raw(port, "PUT", "/", host="long-bucket.alt.long").status == 200
    assert raw(port, "PUT", "/obj", b"x", host="long-bucket.s3.long").status == 200
    assert raw(port, "GET", "/long-bucket/obj", host="alt.long").body == b"x"
    assert srv.stop() == 0
    assert srv.stdout() == ""
    assert os.listdir(root)


# --- -l/--limit: fake-s3's serving rate ----------------------------------------------------------
def timed_get(port, target, headers=()):
    t0 = time.monotonic()
    r = raw(port, "GET", target, headers=list(headers))
    return r, time.monotonic() - t0


def test_limit_paces_each_get_body(server_factory):
    """-l 100K: a GET body goes at 100,000 bytes/s (fake-s3's K is 1000), ranges too; HEAD, small
    objects and other connections are not held up meanwhile."""
    srv = server_factory(args=["-l", "100K"])
    p = srv.port
    big = os.urandom(250_000)
    assert raw(p, "PUT", "/paced/big", big).status == 200
    assert raw(p, "PUT", "/paced/small", b"tiny").status == 200
    result = {}

    def slow_get():
        result["big"] = timed_get(p, "/paced/big")

    t = threading.Thread(target=slow_get)
    t.start()
    time.sleep(0.3)
    # While the big GET is being paced, other requests answer at once.
    for _ in range(3):
        r, took = timed_get(p, "/paced/small")
        assert r.body == b"tiny" and took < 0.5, took
    t0 = time.monotonic()
    assert raw(p, "HEAD", "/paced/big").header("Content-Length") == "250000"
    assert time.monotonic() - t0 < 0.5
    t.join()
    r, took = result["big"]
    assert r.status == 200 and r.body == big
    assert 2.3 <= took < 5, took
    r, took = timed_get(p, "/paced/big", [("Range", "bytes=100000-149999")])
    assert r.status == 206 and r.body == big[100000:150000]
    assert 0.4 <= took < 2, took


def test_limit_from_env_and_through_boto3(server_factory, tmp_path):
    srv = server_factory(env={"FAKES3_LIMIT": "0.2M"})
    s3 = srv.client()
    body = os.urandom(300_000)
    s3.put_object(Bucket="paced", Key="k", Body=body)
    t0 = time.monotonic()
    assert s3.get_object(Bucket="paced", Key="k")["Body"].read() == body
    took = time.monotonic() - t0
    assert 1.3 <= took < 4, took


def test_no_limit_is_not_paced(server):
    body = os.urandom(2_000_000)
    assert raw(server.port, "PUT", "/unpaced/k", body).status == 200
    r, took = timed_get(server.port, "/unpaced/k")
    assert r.body == body and took < 1, took
