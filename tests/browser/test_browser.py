"""Browser tests in a real Chromium: a page served from another origin (a Python http.server on
its own loopback port, http://127.0.0.1:PAGEPORT) talks to fakes3 (http://localhost:S3PORT, the
ASan build) with fetch and a <form>, as a web application would. They prove that per-bucket CORS
works for a browser — the preflight is answered, the actual answers carry what the browser needs
(Access-Control-Allow-Origin, the exposed ETag) — that an origin the bucket does not allow is
refused by the browser before anything is written, and that a browser POST upload with a SigV4
policy works (a <form> submitted by a click, with and without success_action_redirect, and
fetch(FormData)). Each case runs twice: fakes3 in open mode, and with signatures checked
(--access-key/--secret-key), where what the browser sends must verify against what boto3 signed,
and a wrong signature is refused in a way the page can read.

Chromium (Debian's /usr/bin/chromium) is driven by run.mjs through playwright-core; both are
installed by tests/browser/install.sh. run.mjs prints what the page observed as JSON; every
assertion is made here. A screenshot of the page after each case is kept under the test's tmp dir
(its path is printed)."""

import base64
import functools
import hashlib
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, Server, error_code, free_port,  # noqa: E402
                   make_client, parse_xml, xml_text)

INSTALL_HINT = "run tests/browser/install.sh"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BUCKET = "browser-bkt"
# Every byte value, so that a text conversion anywhere on the way would show.
BODY = bytes(range(256)) * 3 + "é ünïcode ✓\n".encode()


# --- the pieces: fakes3, the page's origin, Chromium ---------------------------------------------
@pytest.fixture(scope="module")
def tools():
    for what, path in (("node", shutil.which("node")), ("Chromium", CHROMIUM),
                       ("playwright-core", os.path.join(HERE, "node_modules", "playwright-core",
                                                        "package.json"))):
        if not path or not os.path.exists(path):
            pytest.fail(f"{what} is missing ({path}): {INSTALL_HINT}", pytrace=False)
    return shutil.which("node")


@pytest.fixture(params=["open", "signed"])
def auth(request):
    """open: fakes3's default, any credentials accepted. signed: fakes3 knows one key pair (the
    one boto3 signs with here) and verifies every signature, so what the browser sends must be
    exactly what boto3 signed."""
    return request.param


@pytest.fixture
def server(tmp_path, auth):
    args = ["--access-key", DUMMY_KEY_ID, "--secret-key", DUMMY_SECRET] if auth == "signed" else []
    srv = Server(tmp_path, args=args)
    srv.start()
    yield srv
    rc = srv.stop()
    report = srv.sanitizer_report()
    if report:
        pytest.fail(f"sanitizer report from fakes3:\n{report[-6000:]}", pytrace=False)
    if rc != 0:
        pytest.fail(f"fakes3 exited {rc} on SIGTERM; stderr:\n{srv.stderr()[-3000:]}",
                    pytrace=False)


@pytest.fixture
def s3(server):
    return server.client()


@pytest.fixture
def s3_origin(server):
    """fakes3 as the browser names it: `localhost`, while the page is on 127.0.0.1."""
    return f"http://localhost:{server.port}"


@pytest.fixture
def presigner(s3_origin):
    """A boto3 client whose URLs name fakes3 as the browser does (it signs the Host the browser
    will send); it only signs, it never connects."""
    return make_client(s3_origin)


@pytest.fixture
def wrong_presigner(s3_origin):
    """Signs with the right access key id and a wrong secret."""
    session = boto3.session.Session(aws_access_key_id=DUMMY_KEY_ID,
                                    aws_secret_access_key="not-the-secret-" + DUMMY_SECRET[15:],
                                    region_name="us-east-1")
    return session.client("s3", endpoint_url=s3_origin, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def page_origin():
    """The test page (page/) on its own loopback port: a different origin from fakes3."""
    handler = functools.partial(_QuietHandler, directory=os.path.join(HERE, "page"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    t.join()


class Chromium:
    """One `node run.mjs --serve`: Chromium starts once per module; each case is one JSON line
    in and one out, in a fresh browser context."""

    def __init__(self, node, workdir):
        self.stderr_path = os.path.join(workdir, "run.mjs.stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([node, os.path.join(HERE, "run.mjs"), "--serve"], cwd=HERE,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)

    def run(self, spec, timeout=120.0):
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()
        # run.mjs bounds every wait itself (30 s); this bound is for a wedged process.
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            pytest.fail(f"run.mjs gave no answer (exit {self.proc.poll()}); stderr:\n"
                        f"{self.read_stderr()[-3000:]}", pytrace=False)
        return json.loads(line)

    def read_stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        self.proc.stdin.close()
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.stderr.close()
        return rc


@pytest.fixture(scope="module")
def chromium(tools, tmp_path_factory):
    c = Chromium(tools, str(tmp_path_factory.mktemp("chromium")))
    yield c
    rc = c.close()
    assert rc == 0, f"run.mjs exited {rc}; stderr:\n{c.read_stderr()[-3000:]}"


@pytest.fixture
def browser(chromium, page_origin, tmp_path):
    """browser(case, spec, name) runs one case of page.js (or "form") in a fresh browser context
    and returns what the page observed; the screenshot is tmp_path/<name>.png."""
    def run(case, spec, name):
        shot = str(tmp_path / f"{name}.png")
        out = chromium.run({"page_url": f"{page_origin}/index.html", "case": case, "spec": spec,
                            "screenshot": shot, "timeout_ms": 30000})
        assert "error" not in out, f"run.mjs failed: {out['error']}\nconsole: {out.get('console')}"
        print(f"screenshot of {name}: {out['screenshot']}")
        assert os.path.getsize(out["screenshot"]) > 0
        return out
    return run


def put_cors(s3, origin, methods=("PUT", "GET", "POST")):
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [origin], "AllowedMethods": list(methods), "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 0}]})


def b64(data):
    return base64.b64encode(data).decode()


def quoted_md5(data):
    return f'"{hashlib.md5(data).hexdigest()}"'


def log_lines(server, method, path):
    rx = re.compile(rf"^{method} /{re.escape(path.lstrip('/'))}(\?\S*)? (\d{{3}}) ")
    return [m.group(2) for m in map(rx.match, server.stdout().splitlines()) if m]


def wait_log(server, method, path, timeout=10.0):
    """The access-log statuses of METHOD on path, once at least one such line is there."""
    deadline = time.monotonic() + timeout
    while True:
        got = log_lines(server, method, path)
        if got or time.monotonic() >= deadline:
            return got
        time.sleep(0.02)


def object_or_none(s3, key):
    try:
        return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    except ClientError as e:
        assert error_code(e) == "NoSuchKey", e
        return None


# --- the cases ------------------------------------------------------------------------------------
def test_presigned_put_then_get_from_allowed_origin(server, s3, presigner, page_origin, browser):
    """The bucket allows the page's origin: the page PUTs a file through a presigned URL (its
    Content-Type makes fetch send a preflight first), reads it back and can read the ETag."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    key = "uploads/from the browser.bin"
    ctype = "application/octet-stream"
    put_url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": ctype}, ExpiresIn=600)
    get_url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=600)

    out = browser("put_get", {"put_url": put_url, "get_url": get_url, "content_type": ctype,
                              "body_b64": b64(BODY)}, "allowed_put_get")
    put, get = out["result"]["put"], out["result"]["get"]
    assert put["ok"], (put, out["console"])
    assert put["status"] == 200
    assert put["etag"] == quoted_md5(BODY), "the page cannot read the PUT's ETag (Expose-Headers)"
    assert get["ok"], (get, out["console"])
    assert get["status"] == 200
    assert base64.b64decode(get["body_b64"]) == BODY
    assert get["etag"] == quoted_md5(BODY)
    assert get["content_type"] == ctype
    # Only what the rule exposes is readable by the page.
    assert put["request_id"] is None and get["request_id"] is None
    assert out["console"] == [] and out["failed"] == [], (out["console"], out["failed"])
    # The browser asked first: the preflight, then the PUT, are in fakes3's access log.
    path = f"/{BUCKET}/uploads/from%20the%20browser.bin"
    assert wait_log(server, "OPTIONS", path) == ["200"], server.stdout()[-3000:]
    assert wait_log(server, "PUT", path) == ["200"], server.stdout()[-3000:]
    log = server.stdout()
    assert log.index("OPTIONS " + path) < log.index("PUT " + path)
    # And it is really stored.
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == BODY


def test_virtual_host_presigned_put_then_get(server, s3, s3_origin, page_origin, browser):
    """Virtual-host style, as SDKs address S3 by default: Chromium resolves
    `browser-bkt.localhost` to the loopback itself, fakes3 reads the bucket from the Host; the
    preflight and both requests go to http://browser-bkt.localhost:S3PORT."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    vhost = make_client(s3_origin, addressing_style="virtual")
    key, ctype = "vhost/file.bin", "application/octet-stream"
    put_url = vhost.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": ctype}, ExpiresIn=600)
    get_url = vhost.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=600)
    assert put_url.startswith(f"http://{BUCKET}.localhost:{server.port}/{key}?"), put_url
    out = browser("put_get", {"put_url": put_url, "get_url": get_url, "content_type": ctype,
                              "body_b64": b64(BODY)}, "vhost_put_get")
    put, get = out["result"]["put"], out["result"]["get"]
    assert put["ok"] and put["status"] == 200, (put, out["console"])
    assert put["etag"] == quoted_md5(BODY)
    assert get["ok"] and get["status"] == 200, (get, out["console"])
    assert base64.b64decode(get["body_b64"]) == BODY
    assert wait_log(server, "OPTIONS", f"/{key}") == ["200"], server.stdout()[-3000:]
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == BODY


def test_multipart_upload_from_the_page(server, s3, presigner, page_origin, browser):
    """The browser multipart pattern: the test (the application's back end) creates the upload
    and presigns each UploadPart and the completion; the page PUTs the parts, reads each part's
    ETag from its answer, and POSTs CompleteMultipartUpload with them (application/xml: a
    preflight). The object is the parts' bytes and carries the multipart ETag."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    key = "multipart/from the page.bin"
    sizes = [5 * 1024 * 1024, 1234]  # every part but the last at S3's 5 MiB minimum
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = [{"size": n, "url": presigner.generate_presigned_url(
        "upload_part", Params={"Bucket": BUCKET, "Key": key, "UploadId": upload_id,
                               "PartNumber": i + 1}, ExpiresIn=600)}
        for i, n in enumerate(sizes)]
    complete_url = presigner.generate_presigned_url(
        "complete_multipart_upload", Params={"Bucket": BUCKET, "Key": key, "UploadId": upload_id},
        ExpiresIn=600)
    out = browser("multipart", {"parts": parts, "complete_url": complete_url}, "multipart")
    res = out["result"]
    # page.js's pattern(n, size); it repeats every 256 bytes (31 is odd).
    datas = [(bytes((j * 31 + i * 7) & 255 for j in range(256)) * (n // 256 + 1))[:n]
             for i, n in enumerate(sizes)]
    for got, data in zip(res["parts"], datas):
        assert got["ok"] and got["status"] == 200, (got, out["console"])
        assert got["etag"] == quoted_md5(data)
    complete = res["complete"]
    assert complete["ok"] and complete["status"] == 200, (complete, out["console"])
    md5s = b"".join(hashlib.md5(d).digest() for d in datas)
    want_etag = f'"{hashlib.md5(md5s).hexdigest()}-{len(sizes)}"'
    assert xml_text(parse_xml(complete["text"].encode()), "ETag") == want_etag, complete["text"]
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    assert obj["ETag"] == want_etag
    assert obj["Body"].read() == b"".join(datas)


def test_origin_not_allowed_is_blocked_before_the_put(server, s3, presigner, browser):
    """The bucket's rule names another origin: the preflight is refused, so the browser never
    sends the PUT and the page's fetch rejects with a TypeError; nothing is written. A GET (no
    preflight) reaches fakes3, but without Access-Control-Allow-Origin the page cannot read it."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, "https://only-this.example")
    s3.put_object(Bucket=BUCKET, Key="existing", Body=b"secret")
    key = "blocked.bin"
    ctype = "application/octet-stream"
    put_url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": ctype}, ExpiresIn=600)

    out = browser("put_get", {"put_url": put_url, "get_url": None, "content_type": ctype,
                              "body_b64": b64(BODY)}, "blocked_put")
    put = out["result"]["put"]
    assert not put["ok"], put
    assert put["error"] == "TypeError", put
    assert out["result"]["get"] is None
    assert any("blocked by CORS policy: Response to preflight request doesn't pass access control"
               in line for line in out["console"]), out["console"]
    path = f"/{BUCKET}/{key}"
    assert wait_log(server, "OPTIONS", path) == ["403"], server.stdout()[-3000:]
    assert log_lines(server, "PUT", path) == [], "the browser sent the PUT despite the preflight"
    assert object_or_none(s3, key) is None

    get_url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "existing"}, ExpiresIn=600)
    out = browser("get", {"get_url": get_url}, "blocked_get")
    get = out["result"]["get"]
    assert not get["ok"] and get["error"] == "TypeError", get
    assert any("blocked by CORS policy: No 'Access-Control-Allow-Origin' header" in line
               for line in out["console"]), out["console"]
    assert wait_log(server, "GET", f"/{BUCKET}/existing") == ["200"], server.stdout()[-3000:]


def test_method_the_rule_does_not_allow_is_blocked(server, s3, presigner, page_origin, browser):
    """The rule allows the origin but not DELETE: the browser's preflight for the DELETE is
    refused, the DELETE is never sent and the object stays."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    s3.put_object(Bucket=BUCKET, Key="keep", Body=b"still here")
    url = presigner.generate_presigned_url(
        "delete_object", Params={"Bucket": BUCKET, "Key": "keep"}, ExpiresIn=600)
    out = browser("request", {"url": url, "method": "DELETE"}, "blocked_delete")
    res = out["result"]["res"]
    assert not res["ok"] and res["error"] == "TypeError", res
    path = f"/{BUCKET}/keep"
    assert wait_log(server, "OPTIONS", path) == ["403"], server.stdout()[-3000:]
    assert log_lines(server, "DELETE", path) == []
    assert object_or_none(s3, "keep") == b"still here"


@pytest.mark.parametrize("auth", ["signed"], indirect=True)
def test_wrong_signature_from_the_browser_is_refused_and_readable(server, s3, wrong_presigner,
                                                                  page_origin, browser):
    """With signatures checked, a presigned PUT signed with a wrong secret passes the preflight
    (a preflight carries no credentials) and is refused with S3's 403 SignatureDoesNotMatch; the
    refusal carries the CORS headers, so the page can read why; nothing is written."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    key, ctype = "badsig.bin", "application/octet-stream"
    put_url = wrong_presigner.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": ctype}, ExpiresIn=600)
    out = browser("put_get", {"put_url": put_url, "get_url": None, "content_type": ctype,
                              "body_b64": b64(BODY)}, "wrong_signature")
    put = out["result"]["put"]
    assert put["ok"], ("the page could not read the refusal (no CORS headers on the error?)",
                       put, out["console"])
    assert put["status"] == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in base64.b64decode(put["body_b64"])
    path = f"/{BUCKET}/{key}"
    assert wait_log(server, "OPTIONS", path) == ["200"], server.stdout()[-3000:]
    assert wait_log(server, "PUT", path) == ["403"], server.stdout()[-3000:]
    assert object_or_none(s3, key) is None


# --- browser POST uploads (PostObject) ------------------------------------------------------------
def presigned_post(presigner, key, ctype, extra_fields=None, extra_conditions=()):
    fields = {"Content-Type": ctype}
    fields.update(extra_fields or {})
    conditions = [{"Content-Type": ctype}, ["content-length-range", 1, 1 << 20]]
    conditions += [{k: v} for k, v in (extra_fields or {}).items()]
    conditions += list(extra_conditions)
    p = presigner.generate_presigned_post(BUCKET, key, Fields=fields, Conditions=conditions,
                                          ExpiresIn=600)
    # key first, as S3's examples do; the file goes last (page.js / run.mjs add it).
    return p["url"], sorted(p["fields"].items(), key=lambda kv: kv[0] != "key")


def test_post_form_upload_with_sigv4_policy(server, s3, presigner, page_origin, browser):
    """A real <form enctype=multipart/form-data> with boto3's generate_presigned_post fields and a
    file chosen through the file input, submitted by a click; the object reads back."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    key, ctype = "form/upload.bin", "application/octet-stream"
    url, fields = presigned_post(presigner, key, ctype, {"success_action_status": "201"})
    out = browser("form", {"url": url, "fields": fields, "file_name": "upload.bin",
                           "content_type": ctype, "body_b64": b64(BODY)}, "post_form")
    res = out["result"]
    assert res["status"] == 201, (res, out["console"])
    assert f"<Key>{key}</Key>" in (res["body"] or ""), res
    assert f"<Bucket>{BUCKET}</Bucket>" in res["body"]
    assert object_or_none(s3, key) == BODY
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentType"] == ctype
    assert wait_log(server, "POST", f"/{BUCKET}") == ["201"], server.stdout()[-3000:]


def test_post_form_redirects_back_to_the_page(server, s3, presigner, page_origin, browser):
    """success_action_redirect: after the upload fakes3 answers 303 and the browser lands on the
    page's origin again with bucket, key and etag in the query, as S3 does."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    key, ctype = "form/redirected file.txt", "text/plain"
    data = "uploaded by a form ✓\n".encode()
    back = f"{page_origin}/index.html?from=fakes3"
    url, fields = presigned_post(presigner, key, ctype, {"success_action_redirect": back})
    out = browser("form", {"url": url, "fields": fields, "file_name": "redirected file.txt",
                           "content_type": ctype, "body_b64": b64(data), "redirect": back},
                  "post_form_redirect")
    res = out["result"]
    assert res["status"] == 303, (res, out["console"])
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(res["url"]).query)
    assert q == {"from": ["fakes3"], "bucket": [BUCKET], "key": [key], "etag": [quoted_md5(data)]}
    assert object_or_none(s3, key) == data


def test_post_formdata_fetch_with_sigv4_policy(server, s3, presigner, page_origin, browser):
    """The same upload as fetch(FormData) from the page: fakes3's answer (204) carries the CORS
    headers, so the page can read its status and the exposed ETag."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    key, ctype = "fetch/upload.bin", "application/octet-stream"
    url, fields = presigned_post(presigner, key, ctype)
    out = browser("post_formdata", {"url": url, "fields": fields, "file_name": "upload.bin",
                                    "content_type": ctype, "body_b64": b64(BODY)}, "post_fetch")
    post = out["result"]["post"]
    assert post["ok"], (post, out["console"])
    assert post["status"] == 204
    assert post["etag"] == quoted_md5(BODY)
    assert object_or_none(s3, key) == BODY


@pytest.mark.parametrize("auth", ["signed"], indirect=True)
def test_post_with_wrong_signature_or_tampered_key_is_refused(server, s3, presigner,
                                                              wrong_presigner, page_origin,
                                                              browser):
    """With signatures checked, fetch(FormData) from the page: a policy signed with a wrong secret
    answers 403 SignatureDoesNotMatch; a right policy with the key changed after signing answers
    403 AccessDenied (the policy's key condition fails). The page reads both refusals; nothing is
    written."""
    s3.create_bucket(Bucket=BUCKET)
    put_cors(s3, page_origin)
    ctype = "application/octet-stream"
    url, fields = presigned_post(wrong_presigner, "post/wrong-secret.bin", ctype)
    out = browser("post_formdata", {"url": url, "fields": fields, "file_name": "f.bin",
                                    "content_type": ctype, "body_b64": b64(BODY)},
                  "post_wrong_secret")
    post = out["result"]["post"]
    assert post["ok"] and post["status"] == 403, (post, out["console"])
    assert b"<Code>SignatureDoesNotMatch</Code>" in base64.b64decode(post["body_b64"])

    url, fields = presigned_post(presigner, "post/signed-key.bin", ctype)
    fields = [(k, "post/other-key.bin" if k == "key" else v) for k, v in fields]
    out = browser("post_formdata", {"url": url, "fields": fields, "file_name": "f.bin",
                                    "content_type": ctype, "body_b64": b64(BODY)},
                  "post_tampered_key")
    post = out["result"]["post"]
    assert post["ok"] and post["status"] == 403, (post, out["console"])
    assert b"<Code>AccessDenied</Code>" in base64.b64decode(post["body_b64"])
    for key in ("post/wrong-secret.bin", "post/signed-key.bin", "post/other-key.bin"):
        assert object_or_none(s3, key) is None, key
