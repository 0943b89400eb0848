"""HTTPS: --sslcert/--sslkey serve TLS on the main port; with --https-port N plain HTTP stays on the
main port and HTTPS is served on N at the same time, over the same buckets. A self-signed
certificate made here is used by the aws CLI (--no-verify-ssl), boto3 (verify=False) and curl (-k)."""

import signal
import socket
import ssl
import subprocess
import time
import warnings

import pytest
from botocore.config import Config

from s3lib import AwsCli, _session, clean_env, fakes3_bin, free_port, port_open, raw


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    crt, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=localhost", "-days", "1", "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=120)
    return crt, key


def wait_open(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", port):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


def wait_closed(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not port_open("127.0.0.1", port):
            return
        time.sleep(0.02)
    raise AssertionError(f"{port} still accepts connections after {timeout} s")


def tls_client(port):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                     retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60)
        return _session().client("s3", endpoint_url=f"https://127.0.0.1:{port}",
                                 region_name="us-east-1", config=cfg, verify=False)


def curl(*args):
    return subprocess.run(["curl", "-k", "-sS", "--max-time", "60", *args], capture_output=True,
                          timeout=90, env=clean_env())


@pytest.fixture
def both(server_factory, cert):
    hport = free_port()
    srv = server_factory(args=["--sslcert", cert[0], "--sslkey", cert[1],
                               "--https-port", str(hport)])
    wait_open(hport)
    return srv, hport


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_http_and_https_at_once_share_buckets(both, tmp_path):
    srv, hport = both
    plain = srv.client()
    tls = tls_client(hport)
    plain.create_bucket(Bucket="both-ports")
    plain.put_object(Bucket="both-ports", Key="from-http", Body=b"plain bytes")
    assert tls.get_object(Bucket="both-ports", Key="from-http")["Body"].read() == b"plain bytes"
    tls.put_object(Bucket="both-ports", Key="from-https", Body=b"tls bytes")
    assert plain.get_object(Bucket="both-ports", Key="from-https")["Body"].read() == b"tls bytes"
    assert [b["Name"] for b in tls.list_buckets()["Buckets"]] == ["both-ports"]

    # curl -k over HTTPS, and plain curl over HTTP.
    r = curl(f"https://127.0.0.1:{hport}/both-ports/from-http")
    assert (r.returncode, r.stdout) == (0, b"plain bytes"), r.stderr
    r = curl(f"http://127.0.0.1:{srv.port}/both-ports/from-https")
    assert (r.returncode, r.stdout) == (0, b"tls bytes"), r.stderr
    r = curl("-X", "PUT", "--data-binary", "by curl", f"https://127.0.0.1:{hport}/both-ports/c")
    assert r.returncode == 0, r.stderr
    assert plain.get_object(Bucket="both-ports", Key="c")["Body"].read() == b"by curl"

    # The aws CLI over HTTPS with --no-verify-ssl.
    aws = AwsCli(tmp_path, f"https://127.0.0.1:{hport}")
    src = tmp_path / "up.txt"
    src.write_bytes(b"from the aws cli\n")
    aws("--no-verify-ssl", "s3", "cp", str(src), "s3://both-ports/cli.txt")
    out = aws("--no-verify-ssl", "s3", "ls", "s3://both-ports/").stdout
    assert "cli.txt" in out and "from-http" in out, out
    assert plain.get_object(Bucket="both-ports", Key="cli.txt")["Body"].read() == \
        b"from the aws cli\n"

    # Each port speaks only its own protocol: TLS with our certificate on one, plain on the other.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", hport), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            assert t.version() is not None
            der = t.getpeercert(binary_form=True)
    assert der and b"localhost" in der
    r = curl(f"http://127.0.0.1:{hport}/")
    assert r.returncode != 0 or not r.stdout.startswith(b"<?xml"), r
    r = curl(f"https://127.0.0.1:{srv.port}/")
    assert r.returncode != 0, r


def test_sigterm_stops_both_listeners(both):
    srv, hport = both
    assert raw(srv.port, "GET", "/").status == 200
    assert srv.stop() == 0
    wait_closed(srv.port)
    wait_closed(hport)


def test_sigterm_stops_both_listeners_accepting_at_once(both):
    """While SIGTERM waits for a request in flight on the HTTP port, the HTTPS port accepts no
    new connection (the listeners used to stop one after the other: HTTPS kept accepting for as
    long as HTTP's requests took)."""
    srv, hport = both
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    try:
        # A PUT whose body never ends: in flight until the socket closes. The 100 Continue says
        # the server has read its head (before that, SIGTERM need not wait for it).
        s.sendall(b"PUT /inflight HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        got = b""
        while b"100 Continue" not in got:
            chunk = s.recv(4096)
            assert chunk, f"closed before 100 Continue: {got!r}"
            got += chunk
        s.sendall(b"abc")
        wait_open(hport)
        srv.send_signal(signal.SIGTERM)
        wait_closed(hport)
        assert srv.running(), "the server should still wait for the request in flight"
    finally:
        s.close()
    assert srv.stop() == 0


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_sslcert_without_https_port_serves_https_on_the_main_port(server_factory, cert):
    srv = server_factory(args=["--sslcert", cert[0], "--sslkey", cert[1]])
    tls = tls_client(srv.port)
    tls.create_bucket(Bucket="tls-only")
    assert [b["Name"] for b in tls.list_buckets()["Buckets"]] == ["tls-only"]
    r = curl(f"https://127.0.0.1:{srv.port}/tls-only")
    assert r.returncode == 0 and b"ListBucketResult" in r.stdout, r


def test_https_port_from_environment(server_factory, cert):
    hport = free_port()
    srv = server_factory(env={"FAKES3_SSLCERT": cert[0], "FAKES3_SSLKEY": cert[1],
                              "FAKES3_HTTPS_PORT": str(hport)})
    wait_open(hport)
    assert raw(srv.port, "GET", "/").status == 200
    r = curl(f"https://127.0.0.1:{hport}/")
    assert r.returncode == 0 and b"ListAllMyBucketsResult" in r.stdout, r


@pytest.mark.parametrize("args,message", [
    (["--https-port", "4999"], "--https-port needs --sslcert and --sslkey"),
    (["--https-port", "x", "--sslcert", "c", "--sslkey", "k"], "--https-port: not a port: x"),
    (["-p", "4999", "--https-port", "4999", "--sslcert", "c", "--sslkey", "k"],
     "--https-port must differ from --port (4999)"),
])
def test_bad_https_port_flags(tmp_path, args, message):
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), *args], capture_output=True,
                       text=True, timeout=60, env=clean_env())
    assert r.returncode == 2, r
    assert r.stderr == f"fakes3: {message}\n"


def test_https_port_in_use_fails_at_start(server_factory, cert, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        hport = busy.getsockname()[1]
        r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), "-a", "127.0.0.1", "-p",
                            str(free_port()), "--sslcert", cert[0], "--sslkey", cert[1],
                            "--https-port", str(hport)], capture_output=True, text=True,
                           timeout=60, env=clean_env())
    assert r.returncode == 2, r
    assert f"cannot listen on 127.0.0.1:{hport}" in r.stderr
