"""Shared helpers for the wire-fixture replay tests (tests/replay).

Everything here is independent of the server under test: the fixtures under tests/fixtures/wire
(see its README.md), the 20 MiB test file they were cut from, a small aws-chunked / HTTP-chunked
decoder, the checksums S3 clients send, a raw HTTP/1.1 client over one socket, and the fakes3
process. The test modules import these names with `from replaylib import ...`: the module name
`conftest` is shared with tests/integration/conftest.py, and which one `import conftest` finds
depends on collection order, so this module registers itself under a name of its own (pytest
imports a directory's conftest.py before its test modules).
"""

import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

import pytest

sys.modules["replaylib"] = sys.modules[__name__]

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "wire")

sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from s3lib import crc32c, crc64nvme  # noqa: E402  (the tests' one CRC-32C/CRC-64 oracle)

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")

# --- the test data (fixtures README, "Test data") -------------------------------------------------
HELLO = b"hello fakes3\n"
BIG_SIZE = 20971520
BIG_SHA256 = "8acd4ff4562f998ab3b247e6526e18cfca111ee16edd2c31c4739c09a1f5fda4"
BIG_KEY = bytes(range(16))  # -K 000102030405060708090a0b0c0d0e0f, -iv 0, AES-128-CTR over zeros
MEDIUM_SIZE = 102401
_BIG = None


def big_bin() -> bytes:
    """big.bin, regenerated as the README says: AES-128-CTR keystream over zeros. Uses the Python
    `cryptography` package when present, else the openssl CLI; kept in memory for the session."""
    global _BIG
    if _BIG is None:
        try:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            enc = Cipher(algorithms.AES(BIG_KEY), modes.CTR(bytes(16))).encryptor()
            data = enc.update(bytes(BIG_SIZE)) + enc.finalize()
        except ImportError:
            data = subprocess.run(
                "openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f "
                "-iv 00000000000000000000000000000000 -nosalt < /dev/zero 2>/dev/null "
                f"| head -c {BIG_SIZE}", shell=True, check=False, stdout=subprocess.PIPE).stdout
        got = hashlib.sha256(data).hexdigest()
        assert len(data) == BIG_SIZE and got == BIG_SHA256, \
            f"regenerated big.bin is wrong: {len(data)} bytes, sha256 {got}"
        _BIG = data
    return _BIG


# --- fixtures and index.json -----------------------------------------------------------------------
def load_index():
    with open(os.path.join(FIXTURES, "index.json"), "rb") as f:
        return json.load(f)


def read_fixture(name) -> bytes:
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def split_request(raw: bytes):
    """(head without the blank line, [(name, value)], body)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, "request has no end of head"
    lines = head.split(b"\r\n")
    headers = []
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    return head, headers, body


def hget(headers, name, default=None):
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return default


def request_method_target(raw: bytes):
    line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    method, target, _version = line.split(" ")
    return method, target


def set_header(head: bytes, name: str, value: str) -> bytes:
    """Replaces the value of one existing header, keeping its name's case and position."""
    lines = head.split(b"\r\n")
    hits = [i for i, l in enumerate(lines[1:], 1)
            if l.decode("latin-1").partition(":")[0].strip().lower() == name.lower()]
    assert len(hits) == 1, f"header {name} occurs {len(hits)} times"
    i = hits[0]
    k = lines[i].decode("latin-1").partition(":")[0]
    lines[i] = f"{k}: {value}".encode("latin-1")
    return b"\r\n".join(lines)


def bucket_key(host_header: str, target: str):
    """The bucket and key a request addresses, by the addressing rules the fixtures were made
    with: Host `localhost`, `fakes3`, `s3.amazonaws.com` (any port) is path style;
    `<bucket>.fakes3` is virtual-host style."""
    host = host_header.rsplit(":", 1)[0].lower()
    path = urllib.parse.unquote(target.split("?", 1)[0])
    if host in ("localhost", "fakes3", "s3.amazonaws.com", "127.0.0.1"):
        bucket, _, key = path[1:].partition("/")
    elif host.endswith(".fakes3"):
        bucket, key = host[: -len(".fakes3")], path[1:]
    else:
        raise AssertionError(f"unexpected Host {host_header!r} in a fixture")
    return bucket, key


def copy_source(value: str):
    v = urllib.parse.unquote(value.split("?", 1)[0]).lstrip("/")
    bucket, _, key = v.partition("/")
    return bucket, key


# --- checksums ------------------------------------------------------------------------------------
_CHECKSUM_CACHE = {}


def checksum_b64(name: str, data: bytes) -> str:
    """The value S3 expects in header or trailer `name` (x-amz-checksum-ALG) for `data`.
    Values for 1 MiB and more are kept for the session (keyed by the data's MD5): the multipart
    replays ask for the same slices of big.bin again, and CRC-32C / CRC-64 are slow in Python."""
    alg = name.lower().rsplit("-", 1)[-1]
    if len(data) >= 1 << 20:
        key = (alg, len(data), hashlib.md5(data).digest())
        if key not in _CHECKSUM_CACHE:
            _CHECKSUM_CACHE[key] = _checksum_b64(alg, data)
        return _CHECKSUM_CACHE[key]
    return _checksum_b64(alg, data)


def _checksum_b64(alg: str, data: bytes) -> str:
    if alg == "crc32":
        raw = struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)
    elif alg == "crc32c":
        raw = struct.pack(">I", crc32c(data))
    elif alg == "crc64nvme":
        raw = struct.pack(">Q", crc64nvme(data))
    elif alg == "sha1":
        raw = hashlib.sha1(data).digest()
    elif alg == "sha256":
        raw = hashlib.sha256(data).digest()
    else:
        raise AssertionError(f"unknown checksum {alg}")
    return base64.b64encode(raw).decode()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def etag_of(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


def multipart_etag(parts) -> str:
    """S3's ETag of an object completed from `parts` (their bytes, in order): the MD5 of the
    parts' binary MD5s, then -N."""
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"'


def composite_checksum(name: str, parts) -> str:
    """A COMPOSITE multipart checksum: ALG over the parts' binary checksums, then -N."""
    raw = b"".join(base64.b64decode(checksum_b64(name, p)) for p in parts)
    return f"{checksum_b64(name, raw)}-{len(parts)}"


# --- body framing ---------------------------------------------------------------------------------
class FramingError(ValueError):
    pass


def http_chunks(body: bytes):
    """Splits a Transfer-Encoding: chunked body into its chunk payloads (strict)."""
    out, pos = [], 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            raise FramingError("HTTP chunk size line not terminated")
        size_s = body[pos:eol].split(b";", 1)[0]
        if not re.fullmatch(rb"[0-9a-fA-F]+", size_s):
            raise FramingError(f"bad HTTP chunk size {size_s!r}")
        size = int(size_s, 16)
        pos = eol + 2
        if size == 0:
            if body[pos:] != b"\r\n":
                raise FramingError(f"unexpected bytes after last HTTP chunk: {body[pos:pos + 40]!r}")
            return out
        if body[pos + size: pos + size + 2] != b"\r\n":
            raise FramingError("HTTP chunk data not followed by CRLF")
        out.append(body[pos: pos + size])
        pos += size + 2


def http_dechunk(body: bytes) -> bytes:
    return b"".join(http_chunks(body))


def http_chunk(stream: bytes, size: int) -> bytes:
    """Transfer-Encoding: chunked framing of `stream` in chunks of `size` bytes (last shorter)."""
    out = []
    for i in range(0, len(stream), size):
        part = stream[i:i + size]
        out.append(b"%x\r\n" % len(part) + part + b"\r\n")
    out.append(b"0\r\n\r\n")
    return b"".join(out)


class AwsChunked:
    """A decoded aws-chunked stream."""

    def __init__(self):
        self.payload = b""
        self.sizes = []          # data chunk sizes, in order (without the final 0)
        self.signatures = []     # chunk-signature values, final chunk's included
        self.trailers = []       # [(name, value)], x-amz-trailer-signature included
        self.trailer_line_ends = []  # b"\r\n" or b"\n\r\n" (minio-go), per trailer line


def aws_decode(stream: bytes) -> AwsChunked:
    """Strict decoder of an aws-chunked stream (already without HTTP chunking)."""
    r = AwsChunked()
    data, pos = [], 0
    while True:
        eol = stream.find(b"\r\n", pos)
        if eol < 0:
            raise FramingError("aws chunk header not terminated")
        line = stream[pos:eol].decode("latin-1")
        size_s, _, ext = line.partition(";")
        if not re.fullmatch(r"[0-9a-fA-F]+", size_s):
            raise FramingError(f"bad aws chunk size {size_s!r}")
        if ext:
            name, _, value = ext.partition("=")
            if name != "chunk-signature":
                raise FramingError(f"unknown chunk extension {ext!r}")
            r.signatures.append(value)
        size = int(size_s, 16)
        pos = eol + 2
        if size == 0:
            break
        if stream[pos + size: pos + size + 2] != b"\r\n":
            raise FramingError("aws chunk data not followed by CRLF")
        data.append(stream[pos: pos + size])
        r.sizes.append(size)
        pos += size + 2
    # Trailer lines up to an empty line; minio-go ends them in "\n\r\n".
    while True:
        eol = stream.find(b"\r\n", pos)
        if eol < 0:
            raise FramingError("aws-chunked trailer not terminated")
        line = stream[pos:eol]
        pos = eol + 2
        if line == b"":
            break
        end = b"\r\n"
        if line.endswith(b"\n"):
            line, end = line[:-1], b"\n\r\n"
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise FramingError(f"bad trailer line {line!r}")
        r.trailers.append((name.strip().lower(), value.strip()))
        r.trailer_line_ends.append(end)
    if pos != len(stream):
        raise FramingError(f"{len(stream) - pos} bytes after the aws-chunked stream")
    r.payload = b"".join(data)
    return r


def is_aws_chunked(headers) -> bool:
    sha = hget(headers, "x-amz-content-sha256", "")
    return (sha.startswith("STREAMING-") or hget(headers, "x-amz-decoded-content-length") is not None
            or "aws-chunked" in hget(headers, "content-encoding", "").lower())


def is_http_chunked(headers) -> bool:
    return "chunked" in hget(headers, "transfer-encoding", "").lower()


def decode_body(headers, body: bytes):
    """(payload, AwsChunked or None): the object bytes a request carries, framing removed."""
    if is_http_chunked(headers):
        body = http_dechunk(body)
    if is_aws_chunked(headers):
        a = aws_decode(body)
        return a.payload, a
    return body, None


def integrity_problems(headers, payload: bytes, aws, skip_checksum_headers=False):
    """Every integrity claim the request makes about its payload that does not hold."""
    bad = []
    claims = []
    if not skip_checksum_headers:
        claims += [(k.lower(), v) for k, v in headers if k.lower().startswith("x-amz-checksum-")
                   and k.lower() not in ("x-amz-checksum-algorithm", "x-amz-checksum-type")]
    if aws is not None:
        claims += [(k, v) for k, v in aws.trailers if k.startswith("x-amz-checksum-")]
        want = int(hget(headers, "x-amz-decoded-content-length"))
        if want != len(payload):
            bad.append(f"x-amz-decoded-content-length {want} != {len(payload)}")
        named = [t.strip().lower() for t in hget(headers, "x-amz-trailer", "").split(",") if t.strip()]
        got = [k for k, _ in aws.trailers if k != "x-amz-trailer-signature"]
        if named != got:
            bad.append(f"x-amz-trailer names {named}, trailer has {got}")
    for k, v in claims:
        if checksum_b64(k, payload) != v:
            bad.append(f"{k}: {v} != {checksum_b64(k, payload)}")
    md5 = hget(headers, "content-md5")
    if md5 is not None and md5 != md5_b64(payload):
        bad.append(f"Content-MD5 {md5} != {md5_b64(payload)}")
    sha = hget(headers, "x-amz-content-sha256", "")
    if re.fullmatch(r"[0-9a-f]{64}", sha) and sha != hashlib.sha256(payload).hexdigest():
        bad.append(f"x-amz-content-sha256 {sha} != sha256 of the body")
    return bad


# --- cut bodies -----------------------------------------------------------------------------------
# How each client ends an aws-chunked trailer line (fixtures README: minio-go writes the canonical
# `name:value\n` it signs, then CRLF). Only needed to rebuild cut bodies, whose trailer is lost.
TRAILER_LINE_END = {"minio-go-7.0": b"\n\r\n"}


def rebuild(entry, raw: bytes) -> bytes:
    """The full request for a fixture whose body was cut to 4096 bytes (index.json `truncated`).

    Plain body: head unchanged + the whole byte range of big.bin it came from.
    aws-chunked body: the framing is rebuilt in the layout the cut file shows (aws chunk size from
    its first chunk header, HTTP chunk size from its first HTTP chunk when Transfer-Encoding is
    chunked), with the decoded length from x-amz-decoded-content-length. Chunk and trailer
    signatures are the first chunk's signature reused: the real ones are lost with the cut, and
    fakes3 does not verify signatures (credentials are ignored). Trailer checksums are computed for
    the rebuilt payload, so they are correct. Content-Length is set to the rebuilt wire size only
    if it differs from the head's (it does not for any current fixture: every value we recompute
    has the length of the original)."""
    if not entry["truncated"]:
        return raw
    head, headers, cut = split_request(raw)
    big = big_bin()
    if not is_aws_chunked(headers):
        n = int(hget(headers, "content-length"))  # heads are never changed: the original size
        off = entry["source_offset"]
        body = big[off: off + n]
        assert len(body) == n and body.startswith(cut), f"{entry['file']}: cut body is not big.bin[{off}:]"
        return head + b"\r\n\r\n" + body

    stream = cut
    http_size = None
    if is_http_chunked(headers):
        eol = stream.index(b"\r\n")
        http_size = int(stream[:eol], 16)
        stream = stream[eol + 2:]
        assert len(stream) < http_size, "cut file shows more than one HTTP chunk; extend rebuild()"
    eol = stream.index(b"\r\n")
    size_s, _, ext = stream[:eol].decode().partition(";")
    aws_size = int(size_s, 16)
    sig = ext.partition("=")[2] if ext else None
    first = stream[eol + 2:]
    n = int(hget(headers, "x-amz-decoded-content-length"))
    off = big.find(first[:256])
    assert off >= 0, f"{entry['file']}: payload not found in big.bin"
    if "source_offset" in entry:
        assert off == entry["source_offset"], (off, entry["source_offset"])
    payload = big[off: off + n]
    assert len(payload) == n and payload.startswith(first)

    ext_b = (";chunk-signature=" + sig).encode() if sig else b""
    out = []
    for i in range(0, n, aws_size):
        part = payload[i:i + aws_size]
        out.append(b"%x" % len(part) + ext_b + b"\r\n" + part + b"\r\n")
    out.append(b"0" + ext_b + b"\r\n")
    trailer_names = [t.strip() for t in hget(headers, "x-amz-trailer", "").split(",") if t.strip()]
    end = TRAILER_LINE_END.get(entry["client"], b"\r\n")
    for name in trailer_names:
        out.append(f"{name}:{checksum_b64(name, payload)}".encode() + end)
    if trailer_names and sig:
        out.append(b"x-amz-trailer-signature:" + sig.encode() + b"\r\n")
    out.append(b"\r\n")
    wire = b"".join(out)
    if http_size:
        wire = http_chunk(wire, http_size)
    cl = hget(headers, "content-length")
    if cl is not None and int(cl) != len(wire):
        head = set_header(head, "Content-Length", str(len(wire)))
    return head + b"\r\n\r\n" + wire


def full_request(entry) -> bytes:
    return rebuild(entry, read_fixture(entry["file"]))


# --- raw HTTP -------------------------------------------------------------------------------------
class Response:
    def __init__(self, status, reason, headers, body=b""):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body
        self.interim = []          # 1xx statuses seen before this one
        self.body_withheld = False  # answered before we sent the body (Expect: 100-continue)

    def header(self, name, default=None):
        return hget(self.headers, name, default)

    def error_code(self):
        try:
            return ET.fromstring(self.body).findtext("Code")
        except ET.ParseError:
            return None

    def __repr__(self):
        body = self.body if len(self.body) <= 600 else self.body[:600] + b"..."
        return f"<{self.status} {self.reason} {self.headers} {body!r}>"


class Conn:
    """One HTTP/1.1 connection; bytes go out exactly as given."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""

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

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise ConnectionError("connection closed by the server")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def read_head(self):
        m = re.fullmatch(rb"HTTP/1\.[01] (\d{3})(?: (.*))?", self._line())
        if not m:
            raise AssertionError("bad status line")
        headers = []
        while True:
            line = self._line()
            if not line:
                break
            k, _, v = line.decode("latin-1").partition(":")
            headers.append((k.strip(), v.strip()))
        return Response(int(m.group(1)), (m.group(2) or b"").decode("latin-1"), headers)

    def read_response(self, method, interim=None):
        """The next final response; 1xx heads are collected into `interim` (or dropped)."""
        while True:
            r = self.read_head()
            if r.status >= 200:
                break
            if interim is not None:
                interim.append(r.status)
        if interim is not None:
            r.interim = list(interim)
        self.read_body(r, method)
        return r

    def read_body(self, r, method):
        if method == "HEAD" or r.status in (204, 304):
            return
        if is_http_chunked(r.headers):
            parts = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                parts.append(self._exact(size))
                if self._exact(2) != b"\r\n":
                    raise AssertionError("bad chunked response framing")
            r.body = b"".join(parts)
        elif r.header("Content-Length") is not None:
            r.body = self._exact(int(r.header("Content-Length")))
        else:
            # Neither length nor chunking: the body runs to the close.
            try:
                while True:
                    self._fill()
            except ConnectionError:
                pass
            r.body, self.buf = self.buf, b""

    def exchange(self, request: bytes, continue_wait=1.0):
        """Sends one request byte for byte and reads its final response. With
        `Expect: 100-continue` and a body, the head goes first and the body follows the interim
        100 (or, as botocore does, after `continue_wait` seconds without one); a final answer
        before that means the body is withheld."""
        head, _, body = request.partition(b"\r\n\r\n")
        _, headers, _ = split_request(request)
        method = request_method_target(request)[0]
        interim = []
        if body and hget(headers, "expect", "").lower() == "100-continue":
            self.send(head + b"\r\n\r\n")
            self.sock.settimeout(continue_wait)
            try:
                first = self.read_head()
            except socket.timeout:
                first = None
            finally:
                self.sock.settimeout(self.timeout)
            if first is not None and first.status >= 200:
                # Answered without waiting for the body.
                r = first
                self.read_body(r, method)
                r.body_withheld = True
                return r
            if first is not None:
                interim.append(first.status)
            self._send_body(body)
        else:
            self._send_body(request)
        return self.read_response(method, interim)

    def _send_body(self, data):
        try:
            self.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed; the response is still readable


def get_path_style(port, bucket, key, conn=None, method="GET", headers=()):
    """GET (or `method`) /bucket/key with `Host: localhost` (path style) and `headers`."""
    target = "/" + urllib.parse.quote(bucket) + "/" + urllib.parse.quote(key, safe="/~")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
    req = f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode()
    if conn is not None:
        return conn.exchange(req)
    with Conn(port) as c:
        return c.exchange(req)


# --- multipart uploads ----------------------------------------------------------------------------
def with_upload_id(request: bytes, upload_id: str) -> bytes:
    """The request with its request line's uploadId value replaced, in place; every other byte
    (the rest of the request line, the head, the body) kept."""
    line, sep, rest = request.partition(b"\r\n")
    method, target, version = line.decode("latin-1").split(" ")
    path, q, query = target.partition("?")
    m = re.search(r"(?:^|&)uploadId=([^&]*)", query)
    assert q and m, f"no uploadId in {target!r}"
    query = query[:m.start(1)] + urllib.parse.quote(upload_id, safe="-_.~") + query[m.end(1):]
    return f"{method} {path}?{query} {version}".encode("latin-1") + sep + rest


def query_value(target: str, name: str):
    """The decoded value of query parameter `name` (valueless: ""), or None."""
    _, _, query = target.partition("?")
    for item in query.split("&"):
        k, _, v = item.partition("=")
        if urllib.parse.unquote(k) == name:
            return urllib.parse.unquote(v)
    return None


# --- the server -----------------------------------------------------------------------------------
def fakes3_bin() -> str:
    return os.environ.get("FAKES3_BIN") or os.path.join(REPO, "build", "asan", "fakes3")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One fakes3 process with a fresh root under `workdir` on a free loopback port."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.root = os.path.join(self.workdir, "root")
        self.port = free_port()
        self.proc = None
        self.stderr_path = os.path.join(self.workdir, "server.stderr")

    def argv(self):
        return [fakes3_bin(), "-r", self.root, "-p", str(self.port), "-a", "127.0.0.1", "-q"]

    def start(self):
        b = fakes3_bin()
        if not os.access(b, os.X_OK):
            pytest.fail(f"FAKES3_BIN {b!r} is not executable (run `make build/asan/fakes3`)",
                        pytrace=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKES3_", "AWS_"))}
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err, env=env,
                                         cwd=self.workdir)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"fakes3 exited {self.proc.returncode} at start:\n{self.stderr()}",
                            pytrace=False)
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        self.proc.kill()
        pytest.fail("fakes3 did not accept connections within 15 s", pytrace=False)

    def stop(self, timeout=20.0):
        """SIGTERM and wait; returns the exit status (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def sanitizer_report(self):
        err = self.stderr()
        return err if any(m in err for m in SANITIZER_MARKERS) else None

    def tmp_leftovers(self):
        d = os.path.join(self.root, "tmp")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def check_clean_stop(self):
        """Stops the server; returns the problems: exit status, sanitizer report, ROOT/tmp."""
        rc = self.stop()
        problems = []
        rep = self.sanitizer_report()
        if rep:
            problems.append("sanitizer report:\n" + rep[-6000:])
        if rc != 0:
            problems.append(f"exit status {rc} on SIGTERM (want 0); stderr:\n{self.stderr()[-3000:]}")
        left = self.tmp_leftovers()
        if left:
            problems.append(f"stray files in ROOT/tmp after stop: {left}")
        return problems


def pytest_report_header(config):
    return f"fakes3 binary: {fakes3_bin()}; fixtures: {FIXTURES}"
