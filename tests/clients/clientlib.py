"""What the client suites share (test_clients.py, test_clients_multipart.py, test_clients_auth.py):
the workflow's data and expectations, file and process helpers, the per-test server (open, or
keyed with --access-key/--secret-key), and the helper programs' interpreters and builds."""

import base64
import functools
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import zlib

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "py"))

from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, Netns, RawResponse,  # noqa: E402
                   ServerFactory, clean_env, crc32c, crc64nvme, md5_hex, signed_raw)
import rawcheck  # noqa: E402

MiB = 1024 * 1024
INSTALL_HINT = "run tests/clients/install.sh"

# --- the workflow's data and expectations, the same for every client ---------------------------
SMALL = b"hello fakes3\n"  # the fixtures' small.txt
B_TXT = b"second object, in dir/\n"
C_TXT = b"third object, one level down\n"
TOP = b"top level object, deleted later\n"
LARGE_SIZE = 20 * MiB
LARGE = random.Random(20261124).randbytes(LARGE_SIZE)
RANGE = (8 * MiB - 7, MiB + 13)  # crosses a 1 MiB boundary on both ends
CONTENT = {"dir/a.txt": SMALL, "dir/b.txt": B_TXT, "dir/sub/c.txt": C_TXT, "top.txt": TOP,
           "large.bin": LARGE}
LIST_PREFIX, LIST_DELIM = "dir/", "/"
LIST_KEYS = ["dir/a.txt", "dir/b.txt"]
LIST_PREFIXES = ["dir/sub/"]
COPY = ("dir/a.txt", "copy/a.txt")
DELETE = "top.txt"
BATCH = ["dir/b.txt", "dir/sub/c.txt"]
FINAL = {"copy/a.txt": SMALL, "dir/a.txt": SMALL, "large.bin": LARGE}


# --- checksums, to check what clients and server report ---------------------------------------
def b64(n, width):
    return base64.b64encode(n.to_bytes(width // 8, "big")).decode()


def checksum(alg, data):
    alg = alg.upper()
    if alg == "CRC32":
        return b64(zlib.crc32(data), 32)
    if alg == "CRC32C":
        return b64(crc32c(data), 32)
    if alg == "CRC64NVME":
        return b64(crc64nvme(data), 64)
    if alg in ("SHA1", "SHA256"):
        return base64.b64encode(hashlib.new(alg.lower(), data).digest()).decode()
    raise ValueError(alg)


# --- helpers ------------------------------------------------------------------------------------
def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def same_bytes(got, want, what):
    """Byte equality with a short message (sizes and digests, never 20 MiB of repr)."""
    if got != want:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(
            f"{what}: {len(got)} bytes (sha256 {hashlib.sha256(got).hexdigest()[:16]}) where "
            f"{len(want)} bytes (sha256 {hashlib.sha256(want).hexdigest()[:16]}) were expected; "
            f"first difference at offset {first}: got {got[first:first + 24]!r}, "
            f"want {want[first:first + 24]!r}")


def run(argv, what, timeout=150, check=True, **kw):
    kw.setdefault("capture_output", True)
    try:
        r = subprocess.run([str(a) for a in argv], timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{what}: timed out after {timeout}s: {argv}\n"
                             f"stdout:\n{_txt(e.stdout)[-3000:]}\nstderr:\n{_txt(e.stderr)[-3000:]}")
    if check and r.returncode != 0:
        raise AssertionError(f"{what}: {' '.join(map(str, argv))} exited {r.returncode}\n"
                             f"stdout:\n{_txt(r.stdout)[-4000:]}\nstderr:\n{_txt(r.stderr)[-4000:]}")
    return r


def _txt(b):
    if b is None:
        return ""
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


def need(path_or_cmd, what):
    """A client that is not installed fails the test (install.sh installs every one)."""
    if os.path.isabs(path_or_cmd):
        ok = os.path.exists(path_or_cmd)
    else:
        ok = shutil.which(path_or_cmd) is not None
    if not ok:
        pytest.fail(f"{what} is missing ({path_or_cmd}): {INSTALL_HINT}", pytrace=False)
    return path_or_cmd


class WorkDirs:
    """A test's files: in/ (what the client uploads), out/ (what it downloaded, report.json)."""

    def __init__(self, tmp_path):
        self.dir = tmp_path / "ws"
        self.inp = self.dir / "in"
        self.out = self.dir / "out"
        self.inp.mkdir(parents=True)
        self.out.mkdir()

    def report(self):
        p = self.out / "report.json"
        assert p.exists(), "the helper program wrote no report.json"
        return json.loads(p.read_text())

    def outfile(self, name):
        p = self.out / name
        assert p.exists(), f"the client produced no {name}"
        return read(p)


class Workspace(WorkDirs):
    """One client's workflow files and the spec its helper program reads."""

    def __init__(self, tmp_path, bucket, endpoint, host="127.0.0.1", port=None):
        super().__init__(tmp_path)
        self.bucket = bucket
        self.rm_bucket = bucket + "-rm"
        self.files = {}
        for key, data in CONTENT.items():
            p = self.inp / os.path.basename(key)
            write(p, data)
            self.files[key] = str(p)
        self.spec = {
            "endpoint": endpoint, "host": host, "port": port,
            "bucket": bucket, "rm_bucket": self.rm_bucket, "files": self.files,
            "range": list(RANGE), "list": {"prefix": LIST_PREFIX, "delimiter": LIST_DELIM},
            "copy": list(COPY), "delete": DELETE, "batch_delete": BATCH,
            "large_size": LARGE_SIZE, "out": str(self.out),
            "access_key": DUMMY_KEY_ID, "secret_key": DUMMY_SECRET,
        }
        self.spec_path = self.dir / "spec.json"
        self.spec_path.write_text(json.dumps(self.spec, indent=1))


def check_workflow(ws, rep, *, etag=True, list_key="list", batch=True, buckets=True,
                   range_file="range.bin", deleted_head=404):
    """The assertions every client's workflow must pass, from its report and downloaded files."""
    same_bytes(ws.outfile("a.txt"), SMALL, "GET dir/a.txt")
    same_bytes(ws.outfile("large.bin"), LARGE, "GET large.bin (20 MiB)")
    if range_file:
        off, n = RANGE
        same_bytes(ws.outfile(range_file), LARGE[off:off + n], f"ranged GET bytes={off}-{off + n - 1}")
    assert rep["head"]["size"] == LARGE_SIZE, rep["head"]
    if etag:
        assert rep["head"]["etag"].strip('"') == md5_hex(LARGE), rep["head"]
    assert rep[list_key] == {"keys": LIST_KEYS, "prefixes": LIST_PREFIXES}, rep[list_key]
    assert rep["deleted_head"] == deleted_head, f"HEAD after delete: {rep['deleted_head']!r}"
    if batch:
        assert rep["batch_deleted"] == sorted(BATCH), rep
        assert rep["batch_errors"] == [], rep["batch_errors"]
    if buckets:
        assert ws.bucket in rep["buckets"] and ws.rm_bucket not in rep["buckets"], rep["buckets"]
    assert rep["final_keys"] == sorted(FINAL), rep["final_keys"]
    same_bytes(ws.outfile("copy.bin"), SMALL, f"GET {COPY[1]} (the copy)")


def check_stored(observed, expected):
    """What the server holds, read without a client library: exactly these keys and bytes."""
    assert "error" not in observed, observed
    assert observed["keys"] == sorted(expected), observed["keys"]
    for key, data in expected.items():
        o = observed["objects"][key]
        assert o["status"] == 200, (key, o)
        assert (o["size"], o["md5"]) == (len(data), md5_hex(data)), \
            f"{key}: stored {o['size']} bytes md5 {o['md5']}, want {len(data)} md5 {md5_hex(data)}"
        assert o["etag"] == f'"{md5_hex(data)}"', (key, o)
        assert not o["content_encoding"] or "aws-chunked" not in o["content_encoding"], (key, o)


def check_wire(srv, bucket, vhost=False, batch=True):
    """From the access log: the 20 MiB object went up as one PutObject (no multipart upload was
    tried), and a client with a batch delete sent one DeleteObjects."""
    lines = srv.server.stdout().splitlines()
    base = "" if vhost else "/" + re.escape(bucket)
    puts = [l for l in lines if re.match(rf"^PUT {base}/large\.bin(\?x-id=PutObject)? 200 ", l)]
    assert len(puts) == 1, f"want one PutObject of large.bin, got {puts}"
    multipart = [l for l in lines if "uploads" in l.split(" ")[1] or "uploadId" in l]
    assert multipart == [], f"multipart requests: {multipart}"
    if batch:
        posts = [l for l in lines if re.match(rf"^POST {base}/?\?delete=? 200 ", l)]
        assert len(posts) >= 1, "no DeleteObjects (POST ?delete) answered 200 in the access log"


# --- the server ---------------------------------------------------------------------------------
KEYS = (DUMMY_KEY_ID, DUMMY_SECRET)  # the keys every client of the workflows is given


class Srv:
    """fakes3 for one test (access log on, kept in a file), stopped and checked for sanitizer
    reports at teardown. keys=(access key, secret) starts it with --access-key/--secret-key, so
    that it verifies every signature; its own raw requests and checks are then signed."""

    def __init__(self, servers, netns=None, keys=None):
        """servers: the s3lib.ServerFactory that makes, starts and at the end checks it."""
        self.keys = tuple(keys) if keys else None
        args = ["--access-key", keys[0], "--secret-key", keys[1]] if keys else []
        self.server = servers(netns=netns, args=args)
        self.port = self.server.port
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def log_tail(self, n=60):
        lines = self.server.stdout().splitlines()
        return "\n".join(lines[-n:])

    def raw(self, method, target, body=b"", headers=(), host=None, keys="server"):
        """s3lib.raw, signed with the server's keys when it has some (or with keys=(ak, sk);
        keys=None: unsigned); sent from inside the server's network namespace if it has one."""
        keys = self.keys if keys == "server" else keys
        if self.server.netns is None:
            return signed_raw(self.port, method, target, body, headers, host, keys=keys)
        code = ("import base64, json, sys\n"
                f"sys.path.insert(0, {os.path.join(REPO, 'tests', 'integration')!r})\n"
                "from s3lib import signed_raw\n"
                "a = json.loads(sys.argv[1])\n"
                "r = signed_raw(a['port'], a['method'], a['target'], base64.b64decode(a['body']),"
                " [tuple(h) for h in a['headers']], a['host'], keys=a['keys'])\n"
                "print(json.dumps([r.status, r.reason, r.headers, base64.b64encode(r.body).decode(),"
                " r.version]))\n")
        arg = json.dumps({"port": self.port, "method": method, "target": target,
                          "body": base64.b64encode(body).decode(), "headers": list(headers),
                          "host": host, "keys": keys})
        r = self.server.netns.run(["/usr/bin/python3", "-c", code, arg], timeout=120)
        assert r.returncode == 0, r.stderr
        status, reason, hdrs, b, version = json.loads(r.stdout)
        return RawResponse(status, reason, [tuple(h) for h in hdrs], base64.b64decode(b), version)

    def observe(self, bucket):
        if self.server.netns is None:
            return rawcheck.observe("127.0.0.1", self.port, bucket, keys=self.keys)
        r = self.server.netns.run(["/usr/bin/python3", os.path.join(HERE, "py", "rawcheck.py"),
                                   "127.0.0.1", str(self.port), bucket, "-",
                                   *(self.keys or ())], timeout=120)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)


@pytest.fixture
def srv_factory(tmp_path):
    servers = ServerFactory(tmp_path)
    namespaces = []

    def make(netns_hosts=None, keys=None):
        ns = None
        if netns_hosts is not None:
            ns = Netns(f"fakes3c-{os.getpid()}-{len(namespaces)}", netns_hosts)
            namespaces.append(ns)
            ns.create_or_skip()
        return Srv(servers, netns=ns, keys=keys)

    yield make
    problems = servers.finish()  # before their namespaces go
    for ns in namespaces:
        ns.destroy()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def srv(srv_factory):
    return srv_factory()


def with_access_log(fn):
    """On failure, the server's access log tail is added to the message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (AssertionError, subprocess.SubprocessError, OSError) as e:
            s = kwargs.get("srv")
            tail = s.log_tail() if s is not None else "(no server)"
            raise AssertionError(f"{e}\n--- fakes3 access log (tail) ---\n{tail}") from None

    return wrapper


# --- the interpreters and programs --------------------------------------------------------------
def pyenv_python():
    """The pyenv python3 (boto3 1.43) as a real path, so HOME and shims do not matter."""
    exe = shutil.which("python3")
    if not exe:
        pytest.fail(f"no python3 on PATH: {INSTALL_HINT}", pytrace=False)
    r = subprocess.run([exe, "-c", "import sys, boto3; print(sys.executable); print(boto3.__version__)"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        pytest.fail(f"{exe} cannot import boto3: {r.stderr.strip()[-500:]}", pytrace=False)
    path, version = r.stdout.split()
    return path, version


def boto3_env():
    return clean_env({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                      "AWS_EC2_METADATA_DISABLED": "true", "PYTHONDONTWRITEBYTECODE": "1"})


def node_modules_ok():
    nm = os.path.join(HERE, "js", "node_modules")
    for pkg in ("@aws-sdk/client-s3", "@aws-sdk/lib-storage", "@aws-sdk/s3-request-presigner",
                "minio"):
        if not os.path.exists(os.path.join(nm, pkg, "package.json")):
            pytest.fail(f"node package {pkg} is not installed in {nm}: {INSTALL_HINT}", pytrace=False)


def run_helper(argv, ws, what, env=None, cwd=None):
    r = run(argv + [ws.spec_path], what, env=env or clean_env({"NODE_NO_WARNINGS": "1"}),
            cwd=cwd or str(ws.dir))
    return ws.report(), r


GO_SRC = os.path.join(HERE, "go", "minio_go_workflow.go")
GO_BIN = os.path.join(REPO, "build", "clients", "minio_go_workflow")


def build_go(src=GO_SRC, exe=GO_BIN):
    """Builds a minio-go program offline (GOPATH mode against Debian's source), when stale."""
    need("go", "go (golang-go)")
    need("/usr/share/gocode/src/github.com/minio/minio-go/v7", "minio-go (golang-github-minio-minio-go-v7-dev)")
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(src):
        return exe
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    env = clean_env({"GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "GOFLAGS": "",
                     "GOPROXY": "off", "GOCACHE": os.path.join(REPO, "build", "clients", "go-cache")})
    tmp = f"{exe}.{os.getpid()}.tmp"
    run(["go", "build", "-o", tmp, src], f"go build {os.path.basename(src)}", env=env,
        timeout=300, cwd=os.path.dirname(src))
    os.replace(tmp, exe)
    return exe
