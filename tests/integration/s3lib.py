"""Helpers shared by the integration tests: the server process, raw HTTP, XML and a model of S3
listing. conftest.py turns these into fixtures; test modules import the plain functions."""

import email.utils
import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote, unquote

import boto3
from botocore.config import Config

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
RFC1123_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} GMT$")
ISO8601_MS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ACCESS_LOG_RE = re.compile(r"^(\S+) (\S+) (\d{3}) (\d+) (\d+)us$")
DUMMY_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
DUMMY_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def free_port(address="127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def port_open(address, port, timeout=0.2) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def clean_env(extra=None, drop_prefixes=("FAKES3_", "AWS_")):
    """The environment for a child process: no FAKES3_*/AWS_* settings or proxies leak in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(drop_prefixes) and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    if extra:
        env.update(extra)
    return env


def fakes3_bin() -> str:
    b = os.environ.get("FAKES3_BIN")
    if not b:
        here = os.path.dirname(os.path.abspath(__file__))
        b = os.path.normpath(os.path.join(here, "..", "..", "build", "asan", "fakes3"))
    return b


def test_args():
    """Flags every started server gets after its own (FAKES3_TEST_ARGS, split as a shell would):
    `make test-memory` runs the integration suite with FAKES3_TEST_ARGS=--memory."""
    import shlex
    return shlex.split(os.environ.get("FAKES3_TEST_ARGS", ""))


def memory_mode():
    """The suite runs against --memory (FAKES3_TEST_ARGS): there is no root folder on disk."""
    return "--memory" in test_args()


def disk_only(reason):
    """Skip a test under --memory that needs the root folder on disk (reason: what it does
    with it: restarts, kill -9 survival, a full disk, a root written by an older version...)."""
    import pytest
    return pytest.mark.skipif(memory_mode(), reason=f"--memory keeps no root on disk: {reason}")


class ServerError(AssertionError):
    pass


class Server:
    """One fakes3 process. stdout and stderr go to files (appended across restarts), so a test can
    read the access log and the sanitizer reports after the process stopped."""

    def __init__(self, workdir, root=None, port=None, address="127.0.0.1", args=(), env=None,
                 use_root_flag=True, use_port_flag=True, use_address_flag=True, netns=None,
                 cwd=None, use_test_args=True):
        self.workdir = str(workdir)
        self._root = str(root) if root is not None else os.path.join(self.workdir, "root")
        self.address = address
        self.port = port if port is not None else free_port(address if netns is None else "127.0.0.1")
        self.args = list(args)
        self.env = env or {}
        self.use_root_flag = use_root_flag
        self.use_port_flag = use_port_flag
        self.use_address_flag = use_address_flag
        self.netns = netns
        self.cwd = cwd or self.workdir
        # FAKES3_TEST_ARGS, unless the test opts out (it checks its flags' own effect).
        self.test_args = test_args() if use_test_args else []
        self.proc = None
        self.killed = False
        self.starts = 0
        n = len([f for f in os.listdir(self.workdir) if f.startswith("server") and
                 f.endswith(".stderr")])
        self.stdout_path = os.path.join(self.workdir, f"server{n}.stdout")
        self.stderr_path = os.path.join(self.workdir, f"server{n}.stderr")
        open(self.stdout_path, "wb").close()
        open(self.stderr_path, "wb").close()

    @property
    def root(self):
        """The root folder: the one given, or under --memory the server's folder in RAM
        (/dev/shm/fakes3-mem-<pid>-*, see src/store/memroot.h), so that tests that look at the
        blobs look at the memory store's."""
        if "--memory" in self.test_args + self.args and self.proc is not None:
            for base in ("/dev/shm", os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent"):
                try:
                    names = os.listdir(base)
                except OSError:
                    continue
                for n in names:
                    if n.startswith(f"fakes3-mem-{self.proc.pid}-"):
                        return os.path.join(base, n)
        return self._root

    # --- process control -------------------------------------------------------------------
    def argv(self):
        argv = [fakes3_bin()]
        if self.use_root_flag and "--memory" not in self.test_args:
            argv += ["-r", self._root]
        if self.use_port_flag:
            argv += ["-p", str(self.port)]
        if self.use_address_flag and self.netns is None and "-a" not in self.args:
            argv += ["-a", self.address]
        argv += self.args
        argv += self.test_args
        if self.netns is not None:
            argv = ["ip", "netns", "exec", self.netns.name] + argv
        return argv

    def start(self, wait=True):
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        b = fakes3_bin()
        if not os.access(b, os.X_OK):
            raise ServerError(f"FAKES3_BIN {b!r} is not an executable (run `make build/asan/fakes3`)")
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        try:
            self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env=clean_env(self.env), cwd=self.cwd)
        finally:
            out.close()
            err.close()
        self.starts += 1
        self.killed = False
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        if self.netns is not None:
            # Poll from inside the namespace with one helper process.
            code = ("import socket,sys,time\n"
                    f"d=time.monotonic()+{timeout}\n"
                    "while time.monotonic()<d:\n"
                    "    try:\n"
                    f"        socket.create_connection(('127.0.0.1',{self.port}),0.2).close(); sys.exit(0)\n"
                    "    except OSError: time.sleep(0.02)\n"
                    "sys.exit(1)\n")
            r = self.netns.run(["/usr/bin/python3", "-c", code], timeout=timeout + 5)
            if r.returncode != 0:
                raise ServerError(f"server in netns did not accept within {timeout}s; stderr:\n"
                                  + self.stderr())
            return
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"server exited with {self.proc.returncode} before accepting; "
                                  f"argv={self.argv()}\nstderr:\n{self.stderr()}")
            if port_open(self.address, self.port):
                return
            time.sleep(0.02)
        raise ServerError(f"server did not accept connections within {timeout}s; stderr:\n"
                          + self.stderr())

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal the server and wait; returns the exit status. Kills it (and fails) on timeout."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise ServerError(f"server did not exit within {timeout}s of signal {sig}")
        return self.proc.returncode

    def kill(self):
        self.killed = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self):
        rc = self.stop()
        if rc != 0:
            raise ServerError(f"server exited with {rc} on SIGTERM (want 0); stderr:\n{self.stderr()}")
        self.start()

    # --- output --------------------------------------------------------------------------------
    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def sanitizer_report(self):
        err = self.stderr()
        if any(m in err for m in SANITIZER_MARKERS):
            return err
        return None

    # --- addressing ------------------------------------------------------------------------------
    @property
    def endpoint(self):
        return f"http://{self.address}:{self.port}"

    def client(self, **kw):
        return make_client(self.endpoint, **kw)


# --- boto3 -------------------------------------------------------------------------------------
_boto3_session = None


class ServerFactory:
    """Servers under tmp_path made on demand (`factory(start=True, **Server kwargs)`), each started
    and waited for (ready_timeout s); close() stops them all (stop_timeout s each) and fails the test
    on a sanitizer report or an unclean stop. The integration and stress fixtures are this."""

    def __init__(self, tmp_path, ready_timeout=10.0, stop_timeout=10.0):
        self.tmp_path = tmp_path
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.servers = []

    def __call__(self, start=True, **kw):
        s = Server(self.tmp_path, **kw)
        self.servers.append(s)
        if start:
            s.start(wait=False)
            s.wait_ready(timeout=self.ready_timeout)
        return s

    def finish(self):
        """Stops every server; returns what went wrong, one text per problem."""
        problems = []
        for s in self.servers:
            try:
                rc = s.stop(timeout=self.stop_timeout)
            except AssertionError as e:
                problems.append(str(e))
                rc = None
            report = s.sanitizer_report()
            if report:
                problems.append(f"sanitizer report from {s.argv()}:\n{report[-6000:]}")
            elif rc not in (None, 0) and not s.killed:
                problems.append(f"server {s.argv()} exited {rc} (want 0 on SIGTERM); stderr:\n"
                                f"{s.stderr()[-3000:]}")
        return problems

    def close(self):
        """finish(), failing the running test with the problems when there are any."""
        problems = self.finish()
        if problems:
            import pytest
            pytest.fail("\n\n".join(problems), pytrace=False)


def _session():
    global _boto3_session
    if _boto3_session is None:
        # Never read the user's config or credentials; one session makes clients cheap.
        os.environ["AWS_CONFIG_FILE"] = os.devnull
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        _boto3_session = boto3.session.Session(aws_access_key_id=DUMMY_KEY_ID,
                                               aws_secret_access_key=DUMMY_SECRET,
                                               region_name="us-east-1")
    return _boto3_session


def make_client(endpoint, addressing_style="path", connect_to=None, region="us-east-1"):
    """A boto3 S3 client. With connect_to=(addr, port) every request is sent to that address
    while the URL (and so the Host header) stays what botocore built: that is how virtual-host
    addressing (`bucket.fakes3:PORT`) is tested without name resolution."""
    cfg = Config(s3={"addressing_style": addressing_style}, signature_version="s3v4",
                 retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60)
    c = _session().client("s3", endpoint_url=endpoint, region_name=region, config=cfg)
    if connect_to is not None:
        addr, port = connect_to

        def redirect(request, **_):
            from urllib.parse import urlsplit, urlunsplit
            parts = urlsplit(request.url)
            request.headers["Host"] = parts.netloc
            request.url = urlunsplit((parts.scheme, f"{addr}:{port}", parts.path, parts.query,
                                      parts.fragment))

        c.meta.events.register("before-send.s3", redirect)
    return c


def error_code(exc):
    return exc.response.get("Error", {}).get("Code")


def http_status(resp_or_exc):
    r = getattr(resp_or_exc, "response", resp_or_exc)
    return r["ResponseMetadata"]["HTTPStatusCode"]


# --- raw HTTP over a socket --------------------------------------------------------------------
class RawResponse:
    def __init__(self, status, reason, headers, body, version):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value), in order
        self.body = body
        self.version = version

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def xml(self):
        return parse_xml(self.body)

    def __repr__(self):
        return f"<RawResponse {self.status} {self.headers} {self.body[:400]!r}>"


class RawConn:
    """An HTTP/1.1 client over one socket, so a test controls every byte it sends and sees every
    byte (including interim 100 responses) it gets back."""

    def __init__(self, port, address="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((address, port), timeout=timeout)
        # Head and body go out in separate writes: without this, Nagle on our side and a
        # delayed ACK on the server's cost 40 ms per request.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.port = port

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def send_head(self, method, target, headers=(), host=None, body=b""):
        if isinstance(target, str):
            target = target.encode("utf-8")
        lines = [method.encode() + b" " + target + b" HTTP/1.1"]
        names = [k.lower() for k, _ in headers]
        if "host" not in names:
            lines.append(("Host: " + (host or f"127.0.0.1:{self.port}")).encode())
        for k, v in headers:
            lines.append(f"{k}: {v}".encode("latin-1"))
        self.send(b"\r\n".join(lines) + b"\r\n\r\n" + body)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise ConnectionError("connection closed by server")
        self.buf += d

    def _read_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def read_response(self, head=False, allow_interim=False):
        """Reads one response. Interim 1xx responses are returned only with allow_interim."""
        while True:
            status_line = self._read_line()
            m = re.match(rb"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", status_line)
            if not m:
                raise AssertionError(f"bad status line {status_line!r}")
            version, status, reason = m.group(1).decode(), int(m.group(2)), m.group(3).decode()
            headers = []
            while True:
                line = self._read_line()
                if line == b"":
                    break
                k, _, v = line.decode("latin-1").partition(":")
                headers.append((k.strip(), v.strip()))
            r = RawResponse(status, reason, headers, b"", version)
            if 100 <= status < 200:
                if allow_interim:
                    return r
                continue
            break
        if head or status in (204, 304):
            return r
        te = r.header("Transfer-Encoding")
        if te and "chunked" in te.lower():
            body = b""
            while True:
                size = int(self._read_line().split(b";")[0], 16)
                if size == 0:
                    while self._read_line() != b"":
                        pass
                    break
                body += self._read_exact(size)
                self._read_exact(2)
            r.body = body
        elif r.header("Content-Length") is not None:
            r.body = self._read_exact(int(r.header("Content-Length")))
        else:
            # Until close.
            try:
                while True:
                    self._fill()
            except (ConnectionError, OSError):
                pass
            r.body, self.buf = self.buf, b""
        return r

    def request(self, method, target, body=b"", headers=(), host=None, head=None):
        headers = list(headers)
        names = [k.lower() for k, _ in headers]
        if body or method in ("PUT", "POST"):
            if "content-length" not in names and "transfer-encoding" not in names:
                headers.append(("Content-Length", str(len(body))))
        self.send_head(method, target, headers, host, body)
        return self.read_response(head=(method == "HEAD") if head is None else head)

    def closed_by_peer(self, wait=0.5):
        """True when the server has closed this connection (EOF within `wait` seconds)."""
        self.sock.settimeout(wait)
        try:
            d = self.sock.recv(1)
            return d == b""
        except socket.timeout:
            return False
        except OSError:
            return True
        finally:
            self.sock.settimeout(10)


def raw(port, method, target, body=b"", headers=(), host=None, address="127.0.0.1"):
    with RawConn(port, address) as c:
        return c.request(method, target, body, headers, host)


# --- SigV4 for raw requests (dates, chunks and keys under the test's control) -------------------
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256)


def signing_key(secret, date, region="us-east-1"):
    """SigV4's signing key for YYYYMMDD, region and service s3."""
    k = _hmac256(("AWS4" + secret).encode(), date).digest()
    for p in (region, "s3", "aws4_request"):
        k = _hmac256(k, p).digest()
    return k


def _canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        pairs.append((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def sign_v4(method, target, headers, payload_hash, when=None, secret=DUMMY_SECRET,
            region="us-east-1", access_key=DUMMY_KEY_ID):
    """Headers (a list of pairs; Host among them) with x-amz-date, x-amz-content-sha256 (unless
    payload_hash is None) and an Authorization signing them all. target is the raw path and query
    as sent (already percent-encoded). Returns (headers, (signing key, amzdate, scope, signature))
    so that aws-chunked bodies can chain their chunk signatures from it."""
    when = when or datetime.now(timezone.utc)
    amzdate = when.strftime("%Y%m%dT%H%M%SZ")
    hs = list(headers) + [("x-amz-date", amzdate)]
    if payload_hash is not None:
        hs.append(("x-amz-content-sha256", payload_hash))
    signed = sorted(k.lower() for k, _ in hs)
    vals = {k.lower(): " ".join(str(v).split()) for k, v in hs}
    path, _, query = target.partition("?")
    creq = "\n".join([method, path, _canonical_query(query),
                      "".join(f"{k}:{vals[k]}\n" for k in signed), ";".join(signed),
                      payload_hash or EMPTY_SHA256])
    scope = f"{amzdate[:8]}/{region}/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = signing_key(secret, amzdate[:8], region)
    sig = _hmac256(key, sts).hexdigest()
    hs.append(("Authorization", f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                                f"SignedHeaders={';'.join(signed)}, Signature={sig}"))
    return hs, (key, amzdate, scope, sig)


def signed_raw(port, method, target, body=b"", headers=(), host=None, address="127.0.0.1",
               keys=(DUMMY_KEY_ID, DUMMY_SECRET)):
    """raw() signed with SigV4 by keys=(access key, secret); keys=None sends it unsigned."""
    if keys is None:
        return raw(port, method, target, body, headers, host, address)
    hs = [("Host", host or f"{address}:{port}")] + list(headers)
    hs, _ = sign_v4(method, target, hs, hashlib.sha256(body).hexdigest(), secret=keys[1],
                    access_key=keys[0])
    return raw(port, method, target, body, hs, host, address)


# --- XML ---------------------------------------------------------------------------------------
def parse_xml(body):
    root = ET.fromstring(body)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
    return root


def xml_text(root, path, default=None):
    el = root.find(path)
    return default if el is None else (el.text or "")


def parse_rfc1123(s):
    assert RFC1123_RE.match(s), f"not an RFC 1123 date: {s!r}"
    return email.utils.parsedate_to_datetime(s)


def parse_iso8601_ms(s):
    assert ISO8601_MS_RE.match(s), f"not ISO 8601 with milliseconds and Z: {s!r}"
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


# --- a model of S3 listing, the oracle for the listing tests -----------------------------------
def utf8(s):
    return s.encode("utf-8")


def model_list(keys, prefix="", delimiter="", after=""):
    """S3's order of entries for one listing: keys in UTF-8 byte order, those under a delimiter
    rolled up into a common prefix (each prefix once, at the position of its first key). A
    common prefix that sorts at or before `after` (a NextMarker that was itself a prefix) is not
    repeated. Returns a list of ("key", k) / ("prefix", p)."""
    out = []
    for k in sorted(set(keys), key=utf8):
        if not k.startswith(prefix):
            continue
        if after and utf8(k) <= utf8(after):
            continue
        if delimiter:
            i = k.find(delimiter, len(prefix))
            if i >= 0:
                cp = k[:i + len(delimiter)]
                if after and utf8(cp) <= utf8(after):
                    continue
                if out and out[-1] == ("prefix", cp):
                    continue
                out.append(("prefix", cp))
                continue
        out.append(("key", k))
    return out


def put_many(port, bucket, keys, body=b"x"):
    """PUTs keys over one keep-alive connection (fast setup for listing tests)."""
    from urllib.parse import quote
    with RawConn(port) as c:
        for k in keys:
            r = c.request("PUT", f"/{bucket}/" + quote(k, safe="/~"), body)
            assert r.status == 200, (k, r)


def which_aws():
    aws = shutil.which("aws")
    if aws and "/shims/" in aws:
        # A pyenv shim costs a bash + pyenv start per call; use the real entry point if pyenv knows it.
        try:
            real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
            if real and os.access(real, os.X_OK):
                return real
        except (OSError, subprocess.SubprocessError):
            pass
    return aws


# --- real client programs ----------------------------------------------------------------------
class AwsCli:
    """The aws CLI with its own config and credential files (dummy keys), never the user's."""

    def __init__(self, workdir, endpoint, netns=None):
        self.dir = os.path.join(str(workdir), "awscli")
        os.makedirs(self.dir, exist_ok=True)
        self.endpoint = endpoint
        self.netns = netns
        self.config = os.path.join(self.dir, "config")
        self.creds = os.path.join(self.dir, "credentials")
        with open(self.config, "w") as f:
            f.write("[default]\nregion = us-east-1\noutput = json\n")
        with open(self.creds, "w") as f:
            f.write(f"[default]\naws_access_key_id = {DUMMY_KEY_ID}\n"
                    f"aws_secret_access_key = {DUMMY_SECRET}\n")
        self.bin = which_aws()

    def env(self):
        return clean_env({
            "AWS_CONFIG_FILE": self.config,
            "AWS_SHARED_CREDENTIALS_FILE": self.creds,
            "AWS_ACCESS_KEY_ID": DUMMY_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        })

    def __call__(self, *args, check=True, cwd=None, timeout=120):
        if not self.bin:
            raise AssertionError("the aws CLI is not on PATH (scripts/deps.sh test installs it)")
        argv = [self.bin, "--endpoint-url", self.endpoint] + [str(a) for a in args]
        if self.netns is not None:
            argv = ["ip", "netns", "exec", self.netns.name] + argv
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env(),
                           cwd=cwd or self.dir, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"aws {' '.join(map(str, args))} exited {r.returncode}\n"
                                 f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r


class S3cmd:
    """s3cmd with a generated config file (-c)."""

    def __init__(self, workdir, host_base, host_bucket, netns=None, name="s3cfg"):
        self.path = os.path.join(str(workdir), name)
        self.netns = netns
        with open(self.path, "w") as f:
            f.write("[default]\n"
                    f"access_key = {DUMMY_KEY_ID}\n"
                    f"secret_key = {DUMMY_SECRET}\n"
                    f"host_base = {host_base}\n"
                    f"host_bucket = {host_bucket}\n"
                    "use_https = False\n"
                    "check_ssl_certificate = False\n"
                    "bucket_location = us-east-1\n"
                    "signature_v2 = False\n"
                    "progress_meter = False\n")
        self.cwd = str(workdir)

    def __call__(self, *args, check=True, timeout=120):
        argv = ["/usr/bin/s3cmd", "-c", self.path] + [str(a) for a in args]
        if self.netns is not None:
            argv = ["ip", "netns", "exec", self.netns.name] + argv
        r = subprocess.run(argv, capture_output=True, text=True, env=clean_env({"HOME": self.cwd}),
                           cwd=self.cwd, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"s3cmd {' '.join(map(str, args))} exited {r.returncode}\n"
                                 f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r


# --- network namespaces ------------------------------------------------------------------------
class NetnsNotPermitted(Exception):
    pass


class Netns:
    """A network namespace with its own /etc/hosts (ip netns exec bind-mounts
    /etc/netns/NAME/hosts over /etc/hosts for each command it runs)."""

    def __init__(self, name, hosts_names=("localhost",)):
        self.name = name
        self.etc = f"/etc/netns/{name}"
        self.created = False
        self.hosts_names = list(hosts_names)

    def create(self):
        r = subprocess.run(["ip", "netns", "add", self.name], capture_output=True, text=True)
        if r.returncode != 0:
            msg = (r.stderr or r.stdout).strip()
            if "permitted" in msg.lower() or "permission" in msg.lower():
                raise NetnsNotPermitted(msg)
            raise AssertionError(f"ip netns add {self.name} failed: {msg}")
        self.created = True
        os.makedirs(self.etc, exist_ok=True)
        self.write_hosts()
        r = self.run(["ip", "link", "set", "lo", "up"])
        assert r.returncode == 0, r.stderr

    def create_or_skip(self):
        """create(), skipping the running test where `ip netns add` is not permitted."""
        try:
            self.create()
        except NetnsNotPermitted as e:
            import pytest
            pytest.skip(f"`ip netns add` is not permitted here: {e}")
        return self

    def write_hosts(self):
        with open(os.path.join(self.etc, "hosts"), "w") as f:
            f.write("127.0.0.1 " + " ".join(self.hosts_names) + "\n")

    def add_host(self, name):
        self.hosts_names.append(name)
        self.write_hosts()

    def run(self, argv, timeout=60, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(["ip", "netns", "exec", self.name] + list(argv), timeout=timeout, **kw)

    def destroy(self):
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
            self.created = False
        shutil.rmtree(self.etc, ignore_errors=True)
        try:
            os.rmdir("/etc/netns")  # only if no other namespace uses it
        except OSError:
            pass


# --- CRC32C and CRC64NVME in pure Python: the tests' own oracle, independent of the server's C ---
def _crc_tables(poly):
    t0 = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t0.append(c)
    tabs = [t0]
    for _ in range(7):
        p = tabs[-1]
        tabs.append([(p[i] >> 8) ^ t0[p[i] & 0xFF] for i in range(256)])
    return tabs


_CRC32C = _crc_tables(0x82F63B78)  # reflected Castagnoli
_CRC64NVME = _crc_tables(0x9A6C9329AC4BC9B5)  # reflected 0xAD93D23594C93659


def _crc_reflected(data, tabs, width):
    """Slicing-by-8 reflected CRC with init and xorout all ones (CRC-32C and CRC-64/NVME)."""
    ones = (1 << width) - 1
    t0, t1, t2, t3, t4, t5, t6, t7 = tabs
    c = ones
    mv = memoryview(data)
    n = len(mv) // 8 * 8
    for (w,) in struct.iter_unpack("<Q", mv[:n]):
        x = c ^ w
        c = (t7[x & 0xFF] ^ t6[(x >> 8) & 0xFF] ^ t5[(x >> 16) & 0xFF] ^ t4[(x >> 24) & 0xFF]
             ^ t3[(x >> 32) & 0xFF] ^ t2[(x >> 40) & 0xFF] ^ t1[(x >> 48) & 0xFF] ^ t0[x >> 56]
             ^ (c >> 64))
    for b in mv[n:]:
        c = (c >> 8) ^ t0[(c ^ b) & 0xFF]
    return c ^ ones


def crc64nvme(d):
    """CRC-64/NVME; check value for b"123456789" is 0xae8b14860a799888."""
    return _crc_reflected(d, _CRC64NVME, 64)


def crc32c(d):
    """CRC-32C (Castagnoli); check value for b"123456789" is 0xe3069283."""
    return _crc_reflected(d, _CRC32C, 32)


def wait_for(cond, timeout=60.0, what="condition"):
    """Poll cond until it is true (returns its value) or timeout seconds pass (AssertionError):
    for what the server does after a client could already see it serving, such as its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
