"""Signatures that count, with real clients: fakes3 started with --access-key/--secret-key.

1. Every client of the matrix (test_clients.py's workflows, run unchanged: their keys are
   clientlib.KEYS) completes its whole workflow against the keyed server, and no request of it is
   refused; with a wrong secret it gets SignatureDoesNotMatch and with an unknown access key
   InvalidAccessKeyId, on one short request (ListBuckets, or a mount for s3fs), as the client
   reports it and as the access log shows (403).
2. Presigned URLs from every tool that makes them (aws CLI, boto3 V2 and V4, path and virtual
   host, s3cmd signurl, path and virtual host, the JS SDK v3's getSignedUrl, minio-js) work for
   the methods the tool signs, are refused with
   SignatureDoesNotMatch when the path, the query, a signed header, the method or the body is
   changed, and answer AccessDenied "Request has expired" once expired: signed with a clock in
   the past where the tool takes one, else signed for 1 s and polled until refused."""

import base64
import functools
import hashlib
import http.client as http_client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clientlib import (KEYS, INSTALL_HINT, WorkDirs, boto3_env, build_go, need,  # noqa: E402,F401
                       node_modules_ok, pyenv_python, run, srv_factory)
from s3lib import AwsCli, S3cmd, clean_env, wait_for, which_aws  # noqa: E402
import test_clients as tc  # noqa: E402  (the workflows themselves)

AK, SK = KEYS
WRONG = {  # what each kind of wrong key must get
    "wrong-secret": ((AK, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY"), "SignatureDoesNotMatch"),
    "unknown-key": (("AKIAUNKNOWNEXAMPLE00", SK), "InvalidAccessKeyId"),
}
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture
def keyed(srv_factory):
    """srv_factory for servers started with --access-key/--secret-key (the clients' keys)."""
    return functools.partial(srv_factory, keys=KEYS)


def statuses(srv):
    """The access log's (method, target, status) triples. A line is written once its answer has
    gone out, so a client may see the answer first: callers wait for the lines they need."""
    out = []
    for line in srv.server.stdout().splitlines():
        m = re.match(r"^(\S+) (\S+) (\d{3}) \d+ \d+us(?: \[.*\])?$", line)
        if m:
            out.append((m.group(1), m.group(2), int(m.group(3))))
    return out


# =================================================================================================
# 1. each client's whole workflow with the right keys
# =================================================================================================
def _s3cmd(style, v2):
    if style == "path":
        return lambda f, t: tc.test_s3cmd_path_style(srv=f(), tmp_path=t, v2=v2)
    return lambda f, t: tc.test_s3cmd_vhost_sigv2(srv_factory=f, tmp_path=t, v2=v2)


WORKFLOWS = {
    "awscli": lambda f, t: tc.test_awscli(srv=f(), tmp_path=t),
    "boto3-pyenv": lambda f, t: tc.test_boto3_pyenv(srv=f(), tmp_path=t),
    "boto3-debian": lambda f, t: tc.test_boto3_debian(srv=f(), tmp_path=t),
    "s3cmd-path-v4": _s3cmd("path", False),
    "s3cmd-path-v2": _s3cmd("path", True),
    "s3cmd-vhost-v4": _s3cmd("vhost", False),
    "s3cmd-vhost-v2": _s3cmd("vhost", True),
    "rclone": lambda f, t: tc.test_rclone(srv=f(), tmp_path=t),
    "aws-sdk-js-v3": lambda f, t: tc.test_aws_sdk_js_v3(srv=f(), tmp_path=t),
    "minio-js": lambda f, t: tc.test_minio_js(srv=f(), tmp_path=t),
    "minio-go": lambda f, t: tc.test_minio_go(srv=f(), tmp_path=t),
    "s3fs": lambda f, t: tc.test_s3fs(srv=f(), tmp_path=t),
}


@pytest.mark.parametrize("client", WORKFLOWS)
def test_workflow_with_the_right_keys(keyed, tmp_path, client):
    made = []

    def factory(**kw):
        s = keyed(**kw)
        made.append(s)
        return s

    WORKFLOWS[client](factory, tmp_path)
    (srv,) = made
    wait_for(lambda: "signatures verified" in srv.server.stdout() + srv.server.stderr(),
             what="the keyed start-up line")
    refused = [s for s in statuses(srv) if s[2] in (400, 403)]
    assert refused == [], f"requests refused with the right keys: {refused}"


# =================================================================================================
# ... and one short request with wrong keys
# =================================================================================================
def _probe_helper(argv, srv, tmp_path, keys, env=None, port=False):
    """A helper program's probe mode: one ListBuckets; the error code it reports."""
    ws = WorkDirs(tmp_path)
    spec = {"probe": True, "endpoint": srv.endpoint, "host": "127.0.0.1", "port": srv.port,
            "bucket": "probe-bkt", "rm_bucket": "probe-bkt-rm", "files": {}, "out": str(ws.out),
            "access_key": keys[0], "secret_key": keys[1]}
    p = ws.dir / "spec.json"
    p.write_text(json.dumps(spec))
    run(argv + [p], f"probe {argv[-1]}", env=env or clean_env({"NODE_NO_WARNINGS": "1"}),
        cwd=str(ws.dir))
    rep = ws.report()["probe"]
    assert rep.get("status") in (403, None), rep  # minio-js reports no status
    return rep.get("code")


def probe_boto3(python):
    def probe(srv, tmp_path, keys):
        exe = pyenv_python()[0] if python == "pyenv" else "/usr/bin/python3"
        return _probe_helper([exe, os.path.join(HERE, "py", "boto3_workflow.py")], srv, tmp_path,
                             keys, env=boto3_env())
    return probe


def probe_js(program):
    def probe(srv, tmp_path, keys):
        need("node", "node")
        node_modules_ok()
        return _probe_helper(["node", os.path.join(HERE, "js", program)], srv, tmp_path, keys)
    return probe


def probe_minio_go(srv, tmp_path, keys):
    return _probe_helper([build_go()], srv, tmp_path, keys)


def awscli_with(tmp_path, endpoint, keys):
    """The aws CLI with these keys (credentials file and environment)."""
    aws = AwsCli(tmp_path, endpoint)
    with open(aws.creds, "w") as f:
        f.write(f"[default]\naws_access_key_id = {keys[0]}\naws_secret_access_key = {keys[1]}\n")
    env = aws.env()
    env.update({"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]})
    return aws, env


def probe_awscli(srv, tmp_path, keys):
    if not which_aws():
        pytest.fail(f"the aws CLI is not on PATH: {INSTALL_HINT}", pytrace=False)
    aws, env = awscli_with(tmp_path, srv.endpoint, keys)
    r = subprocess.run([aws.bin, "--endpoint-url", srv.endpoint, "s3api", "list-buckets"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode != 0, r.stdout
    m = re.search(r"An error occurred \((\w+)\)", r.stderr)
    assert m, r.stderr
    return m.group(1)


def s3cmd_with(tmp_path, hp, host_bucket, keys, v2, netns=None):
    s3c = S3cmd(tmp_path, hp, host_bucket, netns=netns, name=f"s3cfg-{keys[0]}-{v2}")
    with open(s3c.path) as fh:
        cfg = fh.read()
    cfg = cfg.replace(f"access_key = {AK}", f"access_key = {keys[0]}")
    cfg = cfg.replace(f"secret_key = {SK}", f"secret_key = {keys[1]}")
    cfg = cfg.replace("signature_v2 = False", f"signature_v2 = {v2}")
    with open(s3c.path, "w") as fh:
        fh.write(cfg)
    return s3c


def probe_s3cmd(style, v2):
    def probe(srv, tmp_path, keys):
        need("/usr/bin/s3cmd", "s3cmd")
        if style == "path":
            hp = f"127.0.0.1:{srv.port}"
            s3c = s3cmd_with(tmp_path, hp, hp, keys, v2)
        else:
            s3c = s3cmd_with(tmp_path, f"fakes3:{srv.port}", f"%(bucket)s.fakes3:{srv.port}",
                             keys, v2, netns=srv.server.netns)
        r = s3c("ls", "s3://probe-bkt", check=False)
        assert r.returncode != 0, r.stdout
        m = re.search(r"S3 error: 403 \((\w+)\)", r.stderr)
        assert m, r.stderr
        return m.group(1)
    probe.netns = style == "vhost"
    return probe


def probe_rclone(srv, tmp_path, keys):
    need("rclone", "rclone")
    cfg = tmp_path / "rclone.conf"
    cfg.write_text("[fk]\ntype = s3\nprovider = Other\nenv_auth = false\n"
                   f"access_key_id = {keys[0]}\nsecret_access_key = {keys[1]}\n"
                   f"endpoint = {srv.endpoint}\nregion = us-east-1\nforce_path_style = true\n")
    r = run(["rclone", "--config", cfg, "--retries", "1", "--low-level-retries", "1", "lsd", "fk:"],
            "rclone lsd", env=clean_env({"HOME": str(tmp_path), "RCLONE_CONFIG": str(cfg)}),
            check=False, text=True)
    assert r.returncode != 0, r.stdout
    m = re.search(r"error listing: (\w+): .*\n\s*status code: 403", r.stderr)
    assert m, r.stderr
    return m.group(1)


def probe_s3fs(srv, tmp_path, keys):
    """s3fs checks the bucket when it mounts (SigV4, then SigV2): with wrong keys it leaves the
    FUSE loop at once (s3fs 1.90 still exits 0 in the foreground) and logs each error document."""
    need("s3fs", "s3fs")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse is missing: s3fs cannot mount here")
    pw = tmp_path / "s3fs.passwd"
    pw.write_text(f"{keys[0]}:{keys[1]}\n")
    os.chmod(pw, 0o600)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    try:
        r = subprocess.run(
            ["s3fs", "probe-bkt", str(mnt), "-f",
             "-o", f"url={srv.endpoint},use_path_request_style,passwd_file={pw},"
                   "endpoint=us-east-1,dbglevel=warn,retries=1"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, env=clean_env(), timeout=120)
    finally:
        # s3fs 1.90 leaves its FUSE mount behind, dead ("Transport endpoint is not connected",
        # which os.path.ismount reads as no mount): take it down from /proc's mount table.
        with open("/proc/self/mounts") as f:
            mounted = any(line.split()[1] == str(mnt) for line in f)
        if mounted:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
    log = r.stdout + r.stderr
    assert "Exiting FUSE event loop due to errors" in log, log[-3000:]
    assert "Failed to connect by sigv4, so retry to connect by signature version 2" in log, log
    codes = set(re.findall(r"Check bucket failed, S3 response: .*?<Code>(\w+)</Code>", log, re.S))
    assert len(codes) == 1, log[-3000:]  # the same code for the SigV4 and the SigV2 attempt
    wait_for(lambda: len([s for s in statuses(srv)
                          if s[1].startswith("/probe-bkt") and s[2] == 403]) >= 2,
             what=f"s3fs's two bucket checks refused in the access log:\n{srv.log_tail()}")
    return codes.pop()


PROBES = {
    "awscli": probe_awscli,
    "boto3-pyenv": probe_boto3("pyenv"),
    "boto3-debian": probe_boto3("debian"),
    "s3cmd-path-v4": probe_s3cmd("path", False),
    "s3cmd-path-v2": probe_s3cmd("path", True),
    "s3cmd-vhost-v4": probe_s3cmd("vhost", False),
    "s3cmd-vhost-v2": probe_s3cmd("vhost", True),
    "rclone": probe_rclone,
    "aws-sdk-js-v3": probe_js("aws_sdk_v3_workflow.mjs"),
    "minio-js": probe_js("minio_js_workflow.mjs"),
    "minio-go": probe_minio_go,
    "s3fs": probe_s3fs,
}
assert sorted(PROBES) == sorted(WORKFLOWS)


@pytest.mark.parametrize("wrong", WRONG)
@pytest.mark.parametrize("client", PROBES)
def test_wrong_keys_are_refused(keyed, tmp_path, client, wrong):
    probe = PROBES[client]
    if getattr(probe, "netns", False):
        srv = keyed(netns_hosts=["localhost", "fakes3", "probe-bkt.fakes3"])
    else:
        srv = keyed()
    assert srv.raw("PUT", "/probe-bkt").status == 200  # with the right keys
    keys, want = WRONG[wrong]
    n = wait_for(lambda: len(statuses(srv)), what="the access log line of the bucket's PUT")
    got = probe(srv, tmp_path, keys)
    assert got == want, f"{client} with a {wrong} reported {got!r}, want {want!r}"
    wait_for(lambda: any(s[2] == 403 for s in statuses(srv)[n:]),
             what=f"a 403 in the access log:\n{srv.log_tail()}")
    # Nothing changed: the bucket is still there, empty.
    r = srv.raw("GET", "/probe-bkt?list-type=2")
    assert r.status == 200 and b"<Contents>" not in r.body, r


# =================================================================================================
# 2. presigned URLs from every tool
# =================================================================================================
BUCKET = "pre-bkt"
KEY = "pre/a b+c.txt"  # a space and a plus: each tool encodes them its own way
OTHER = "pre/other.txt"
SEED, NEW, EVIL = b"seeded by a signed request\n", b"uploaded through the URL\n", b"not this\n"


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def fetch(method, url, body=None, headers=None):
    """(status, body) of one plain request for a URL (http.client, as curl sends it: no
    Content-Type unless given). A virtual-host URL (BUCKET.fakes3:PORT) goes to 127.0.0.1 with
    the URL's Host, as curl --connect-to sends it."""
    u = urllib.parse.urlsplit(url)
    headers = dict(headers or {})
    addr = u.hostname
    if addr.endswith(".fakes3"):
        addr = "127.0.0.1"
        headers.setdefault("Host", u.netloc)
    c = http_client.HTTPConnection(addr, u.port, timeout=60)
    try:
        c.request(method, u.path + ("?" + u.query if u.query else ""), body=body,
                  headers=headers)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def code_of(body):
    return ET.fromstring(body).findtext("Code") if body else None


def presign_awscli(v2):
    def presign(srv, tmp_path, key, expires, past=False, md5=None):
        if not which_aws():
            pytest.fail(f"the aws CLI is not on PATH: {INSTALL_HINT}", pytrace=False)
        aws = AwsCli(tmp_path, srv.endpoint)
        # aws CLI 1.x presigns with SigV2 unless the config asks for SigV4 (botocore's
        # _default_s3_presign_to_sigv2).
        if not v2:
            with open(aws.config, "a") as f:
                f.write("s3 =\n    signature_version = s3v4\n")
        url = aws("s3", "presign", f"s3://{BUCKET}/{key}", "--expires-in", expires).stdout.strip()
        return {"GET": url}
    return presign


BOTO3_PRESIGN = """
import json, sys
import boto3
from botocore.config import Config
a = json.loads(sys.argv[1])
c = boto3.session.Session().client(
    "s3", endpoint_url=a["endpoint"], region_name="us-east-1", aws_access_key_id=a["ak"],
    aws_secret_access_key=a["sk"],
    config=Config(signature_version=a["sig"], s3={"addressing_style": a["style"]}))
p = {"Bucket": a["bucket"], "Key": a["key"]}
urls = {m: c.generate_presigned_url(op, Params=p, ExpiresIn=a["expires"]) for m, op in
        (("GET", "get_object"), ("PUT", "put_object"), ("HEAD", "head_object"),
         ("DELETE", "delete_object"))}
if a["md5"]:
    urls["PUT_MD5"] = c.generate_presigned_url("put_object", Params=dict(p, ContentMD5=a["md5"]),
                                               ExpiresIn=a["expires"])
print(json.dumps(urls))
"""


def presign_boto3(python, sig, style="path"):
    """generate_presigned_url of Debian's boto3 (1.26) or the pyenv one (1.43); style "virtual"
    signs for BUCKET.fakes3:PORT (the compose-alias host)."""
    def presign(srv, tmp_path, key, expires, past=False, md5=None):
        exe = pyenv_python()[0] if python == "pyenv" else "/usr/bin/python3"
        endpoint = srv.endpoint if style == "path" else f"http://fakes3:{srv.port}"
        arg = json.dumps({"endpoint": endpoint, "ak": AK, "sk": SK, "sig": sig, "style": style,
                          "bucket": BUCKET, "key": key, "expires": expires, "md5": md5})
        r = run([exe, "-c", BOTO3_PRESIGN, arg], f"boto3 presign ({exe})", env=boto3_env(),
                text=True)
        return json.loads(r.stdout)
    return presign


def presign_s3cmd(style):
    def presign(srv, tmp_path, key, expires, past=False, md5=None):
        need("/usr/bin/s3cmd", "s3cmd")
        if style == "path":
            s3c = S3cmd(tmp_path, f"127.0.0.1:{srv.port}", f"127.0.0.1:{srv.port}")
        else:  # signurl puts the bucket before host_base (host_bucket plays no part)
            s3c = S3cmd(tmp_path, f"fakes3:{srv.port}", f"%(bucket)s.fakes3:{srv.port}")
        # signurl takes an absolute expiry (epoch seconds) or +seconds from now.
        when = str(int(time.time()) - 60) if past else f"+{expires}"
        return {"GET": s3c("signurl", f"s3://{BUCKET}/{key}", when).stdout.strip()}
    presign.past = True
    return presign


def presign_js(tool):
    def presign(srv, tmp_path, key, expires, past=False, md5=None):
        need("node", "node")
        node_modules_ok()
        ws = WorkDirs(tmp_path / f"presign-{int(past)}")
        when = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat() if past else None
        spec = {"tool": tool, "endpoint": srv.endpoint, "host": "127.0.0.1", "port": srv.port,
                "bucket": BUCKET, "key": key, "expires": expires, "signing_date": when,
                "content_md5": md5, "access_key": AK, "secret_key": SK, "out": str(ws.out)}
        p = ws.dir / "spec.json"
        p.write_text(json.dumps(spec))
        run(["node", os.path.join(HERE, "js", "presign.mjs"), p], f"{tool} presign",
            env=clean_env({"NODE_NO_WARNINGS": "1"}), cwd=str(ws.dir))
        return ws.report()
    presign.past = True
    return presign


PRESIGNERS = {
    "awscli-v4": presign_awscli(False),
    "awscli-v2": presign_awscli(True),
    "boto3-debian-v4": presign_boto3("debian", "s3v4"),
    "boto3-debian-v2": presign_boto3("debian", "s3"),
    "boto3-pyenv-v4": presign_boto3("pyenv", "s3v4"),
    "boto3-pyenv-v2": presign_boto3("pyenv", "s3"),
    "boto3-vhost-v4": presign_boto3("debian", "s3v4", "virtual"),
    "boto3-vhost-v2": presign_boto3("debian", "s3", "virtual"),
    "s3cmd": presign_s3cmd("path"),
    "s3cmd-vhost": presign_s3cmd("vhost"),
    "aws-sdk-js-v3": presign_js("aws-sdk-js-v3"),
    "minio-js": presign_js("minio-js"),
}
# Which signature each tool's URLs carry, and the methods it signs.
SIGV = {"awscli-v4": 4, "awscli-v2": 2, "boto3-debian-v4": 4, "boto3-debian-v2": 2,
        "boto3-pyenv-v4": 4, "boto3-pyenv-v2": 2, "boto3-vhost-v4": 4, "boto3-vhost-v2": 2,
        "s3cmd": 2, "s3cmd-vhost": 2, "aws-sdk-js-v3": 4, "minio-js": 4}
METHODS = {"awscli-v4": {"GET"}, "awscli-v2": {"GET"}, "s3cmd": {"GET"}, "s3cmd-vhost": {"GET"}}
ALL = {"GET", "PUT", "HEAD", "DELETE"}


def seed(srv):
    assert srv.raw("PUT", f"/{BUCKET}").status == 200
    for key, data in ((KEY, SEED), (OTHER, b"another object\n")):
        r = srv.raw("PUT", f"/{BUCKET}/" + urllib.parse.quote(key, safe="/~"), body=data)
        assert r.status == 200, r


def stored(srv, key=KEY):
    r = srv.raw("GET", f"/{BUCKET}/" + urllib.parse.quote(key, safe="/~"))
    return r.body if r.status == 200 else r.status


def with_query(url, extra):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(u._replace(query=u.query + "&" + extra))


def with_path(url, key):
    u = urllib.parse.urlsplit(url)
    base = "" if u.hostname.startswith(BUCKET + ".") else f"/{BUCKET}"
    return urllib.parse.urlunsplit(u._replace(path=f"{base}/" + urllib.parse.quote(key)))


@pytest.mark.parametrize("tool", PRESIGNERS)
def test_presigned_urls_work_and_a_changed_request_is_refused(keyed, tmp_path, tool):
    srv = keyed()
    seed(srv)
    urls = PRESIGNERS[tool](srv, tmp_path, KEY, 600, md5=md5_b64(NEW))
    v4 = "X-Amz-Signature=" in urls["GET"]
    assert v4 == (SIGV[tool] == 4) and v4 != ("AWSAccessKeyId=" in urls["GET"]), urls["GET"]
    assert set(urls) - {"PUT_MD5"} == METHODS.get(tool, ALL), urls
    vhost = urllib.parse.urlsplit(urls["GET"]).hostname == f"{BUCKET}.fakes3"
    assert vhost == ("vhost" in tool), urls["GET"]
    try:
        want = SEED
        if "PUT" in urls:
            assert fetch("PUT", urls["PUT"], NEW) == (200, b""), urls["PUT"]
            assert stored(srv) == NEW
            want = NEW
        assert fetch("GET", urls["GET"]) == (200, want), urls["GET"]
        if "HEAD" in urls:
            assert fetch("HEAD", urls["HEAD"]) == (200, b""), urls["HEAD"]

        # Each change of what was signed: SignatureDoesNotMatch, and nothing changes.
        port = srv.port
        changed = [
            ("path", "GET", with_path(urls["GET"], OTHER), None, {}),
            ("query", "GET", with_query(urls["GET"], "response-content-type=text%2Fevil"), None, {}),
            # SigV4 signs the Host; SigV2 the Content-Type (and never the Host, path style).
            ("header", "GET", urls["GET"], None,
             {"Host": f"localhost:{port}"} if v4 else {"Content-Type": "text/evil"}),
            ("method", "DELETE", urls["GET"], None, {}),
            ("method", "PUT", urls["GET"], EVIL, {}),
        ]
        if "DELETE" in urls:
            changed.append(("method", "GET", urls["DELETE"], None, {}))
        if "PUT_MD5" in urls:
            # Another body with its own Content-MD5: the signed header changed.
            changed.append(("body", "PUT", urls["PUT_MD5"], EVIL, {"Content-MD5": md5_b64(EVIL)}))
        for what, method, url, body, headers in changed:
            status, rbody = fetch(method, url, body, headers)
            assert (status, code_of(rbody)) == (403, "SignatureDoesNotMatch"), \
                (what, method, url, headers, status, rbody[:300])
        if "PUT_MD5" in urls:
            # Another body under the signed Content-MD5: the signature holds, the digest not.
            status, rbody = fetch("PUT", urls["PUT_MD5"], EVIL, {"Content-MD5": md5_b64(NEW)})
            assert (status, code_of(rbody)) == (400, "BadDigest"), rbody[:300]
            # ... and the body it signs goes up.
            assert fetch("PUT", urls["PUT_MD5"], NEW, {"Content-MD5": md5_b64(NEW)})[0] == 200
        assert stored(srv) == want and stored(srv, OTHER) == b"another object\n"

        if "DELETE" in urls:
            assert fetch("DELETE", urls["DELETE"]) == (204, b"")
            assert stored(srv) == 404
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- fakes3 access log (tail) ---\n{srv.log_tail()}") from None




@pytest.mark.parametrize("tool", PRESIGNERS)
def test_presigned_urls_expire(keyed, tmp_path, tool):
    srv = keyed()
    seed(srv)
    presign = PRESIGNERS[tool]
    if getattr(presign, "past", False):
        # Signed with a clock in the past: expired from the start, whatever the machine's pace.
        urls = presign(srv, tmp_path, KEY, 3600, past=True)
    else:
        # No clock to set: signed for 1 s, then polled until refused (valid before, on a fast
        # machine; a slow one may find it expired at once).
        urls = presign(srv, tmp_path, KEY, 1)
        wait_for(lambda: fetch("GET", urls["GET"])[0] == 403, what="the URL to expire")
    assert set(urls) == METHODS.get(tool, ALL), urls
    for method, url in urls.items():
        status, body = fetch(method, url, EVIL if method == "PUT" else None)
        assert status == 403, (method, url, status, body[:300])
        if method != "HEAD":
            x = ET.fromstring(body)
            assert (x.findtext("Code"), x.findtext("Message")) == \
                ("AccessDenied", "Request has expired"), (method, body[:300])
    assert stored(srv) == SEED  # not overwritten, not deleted
