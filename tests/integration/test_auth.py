"""Signatures that count: fakes3 started with --access-key/--secret-key (or --users) verifies
SigV4 (header, presigned, chunk and trailer signatures) and SigV2 (header and query) as S3 does,
with S3's errors; the open mode still refuses expired presigned URLs."""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import time
import http.client as http_client
import urllib.parse
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import (DUMMY_KEY_ID, DUMMY_SECRET, AwsCli, S3cmd, error_code, fakes3_bin, parse_xml,
                   raw, sign_v4, wait_for, xml_text)

AK, SK = DUMMY_KEY_ID, DUMMY_SECRET
EMPTY = hashlib.sha256(b"").hexdigest()


def keyed(server_factory, *extra):
    return server_factory(args=["--access-key", AK, "--secret-key", SK, *extra])


def client(endpoint, ak=AK, sk=SK, sig="s3v4", style="path", connect_to=None):
    """boto3 with these keys; connect_to=(addr, port) sends every request there while the Host
    stays the endpoint's (virtual-host buckets without name resolution)."""
    cfg = Config(signature_version=sig, s3={"addressing_style": style},
                 retries={"total_max_attempts": 1})
    c = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                       aws_access_key_id=ak, aws_secret_access_key=sk, config=cfg)
    if connect_to:
        def redirect(request, **_):
            parts = urllib.parse.urlsplit(request.url)
            request.headers["Host"] = parts.netloc
            request.url = urllib.parse.urlunsplit(
                (parts.scheme, "%s:%d" % connect_to, parts.path, parts.query, parts.fragment))
        c.meta.events.register("before-send.s3", redirect)
    return c


def http(method, url, data=None):
    """(status, body) of a plain request for a URL, as curl sends it: no Content-Type (a V2
    presigned PUT signs the Content-Type, and the URLs here were signed without one)."""
    u = urllib.parse.urlsplit(url)
    c = http_client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request(method, u.path + ("?" + u.query if u.query else ""), body=data)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def err(body):
    x = parse_xml(body)
    return xml_text(x, "Code"), x


# --- SigV4 for raw requests: s3lib.sign_v4 (dates and chunks under the test's control) ----------
def _hmac(k, m):
    return hmac.new(k, m.encode(), hashlib.sha256)


def chunk_signed_body(data, ctx, chunk=65536, corrupt=None, trailer=None):
    """aws-chunked framing with each chunk's signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD);
    corrupt=i changes the i-th chunk's signature."""
    key, amzdate, scope, prev = ctx
    out = b""
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for i, p in enumerate(pieces):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amzdate, scope, prev, EMPTY,
                         hashlib.sha256(p).hexdigest()])
        sig = _hmac(key, sts).hexdigest()
        prev = sig
        if corrupt == i:
            sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        out += f"{len(p):x};chunk-signature={sig}\r\n".encode() + p + (b"\r\n" if p else b"")
    if trailer:
        name, value = trailer
        canon = f"{name}:{value}\n"
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amzdate, scope, prev,
                         hashlib.sha256(canon.encode()).hexdigest()])
        out += f"{name}:{value}\r\nx-amz-trailer-signature:{_hmac(key, sts).hexdigest()}\r\n".encode()
    return out + b"\r\n"


# --- boto3 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sig", ["s3v4", "s3"], ids=["sigv4", "sigv2"])
@pytest.mark.parametrize("style", ["path", "virtual"])
def test_boto3_with_the_right_keys_works_and_wrong_ones_are_refused(server_factory, style, sig):
    srv = keyed(server_factory)
    if style == "virtual":  # the compose-alias host (auth-bkt.fakes3:PORT), sent to 127.0.0.1
        kw = dict(sig=sig, style="virtual", connect_to=("127.0.0.1", srv.port))
        endpoint = f"http://fakes3:{srv.port}"
    else:
        kw, endpoint = dict(sig=sig), srv.endpoint
    s3 = client(endpoint, **kw)
    s3.create_bucket(Bucket="auth-bkt")
    s3.put_object(Bucket="auth-bkt", Key="a b/c+d.txt", Body=b"hello")
    assert s3.get_object(Bucket="auth-bkt", Key="a b/c+d.txt")["Body"].read() == b"hello"
    # botocore signs ListObjectsV2 for SigV2 with "?list-type=2" in the resource, which S3 does
    # not sign (boto/boto3#4433): SigV2 lists with ListObjects.
    lister = s3.list_objects_v2 if sig == "s3v4" else s3.list_objects
    keys = [o["Key"] for o in lister(Bucket="auth-bkt", Prefix="a b/")["Contents"]]
    assert keys == ["a b/c+d.txt"]
    s3.delete_object(Bucket="auth-bkt", Key="a b/c+d.txt")

    with pytest.raises(ClientError) as e:
        client(endpoint, sk="wrong-secret", **kw).list_objects(Bucket="auth-bkt")
    assert error_code(e.value) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as e:
        client(endpoint, ak="AKIDUNKNOWN", **kw).put_object(Bucket="auth-bkt", Key="x", Body=b"1")
    assert error_code(e.value) == "InvalidAccessKeyId"
    assert "x" not in [o["Key"] for o in lister(Bucket="auth-bkt").get("Contents", [])]


def other_pythons():
    """Debian's /usr/bin/python3 (boto3 1.26) and the newer python3 on PATH (pyenv's boto3 1.43),
    when it has boto3."""
    found = ["/usr/bin/python3"]
    try:
        p = subprocess.run(["pyenv", "which", "python3"], capture_output=True, text=True,
                           timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        p = shutil.which("python3") or ""
    if p and os.path.realpath(p) != os.path.realpath("/usr/bin/python3") and subprocess.run(
            [p, "-c", "import boto3"], capture_output=True, timeout=60).returncode == 0:
        found.append(p)
    return found


@pytest.mark.parametrize("python", other_pythons())
def test_boto3_of_each_python_signs_v4_and_v2_that_verify(server_factory, tmp_path, python):
    """Each installed boto3 (Debian's 1.26 / botocore 1.29, and the newer one) against the
    keyed server, SigV4 and SigV2."""
    srv = keyed(server_factory)
    code = f"""
import boto3
from botocore.config import Config
for sig in ("s3v4", "s3"):
    c = boto3.session.Session().client("s3", endpoint_url="{srv.endpoint}", region_name="us-east-1",
        aws_access_key_id="{AK}", aws_secret_access_key="{SK}",
        config=Config(signature_version=sig, s3={{"addressing_style": "path"}}))
    c.create_bucket(Bucket="deb-" + ("v4" if sig == "s3v4" else "v2"))
    b = "deb-" + ("v4" if sig == "s3v4" else "v2")
    c.put_object(Bucket=b, Key="k", Body=b"data")
    assert c.get_object(Bucket=b, Key="k")["Body"].read() == b"data"
    assert [o["Key"] for o in c.list_objects(Bucket=b)["Contents"]] == ["k"]
    c.delete_object(Bucket=b, Key="k")
print("ok")
"""
    r = subprocess.run([python, "-c", code], capture_output=True, text=True,
                       timeout=120, env={"PATH": os.environ["PATH"], "HOME": str(tmp_path),
                                         "AWS_CONFIG_FILE": os.devnull,
                                         "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_sigv2_header_with_wrong_secret_shows_string_to_sign(server_factory):
    srv = keyed(server_factory)
    client(srv.endpoint, sig="s3").create_bucket(Bucket="v2-bkt")
    with pytest.raises(ClientError) as e:
        client(srv.endpoint, sk="nope", sig="s3").put_object(Bucket="v2-bkt", Key="k", Body=b"1")
    assert error_code(e.value) == "SignatureDoesNotMatch"
    assert e.value.response["Error"].get("StringToSign", "").startswith("PUT\n")


# --- the aws CLI and s3cmd ---------------------------------------------------------------------------
def test_aws_cli_with_keys(server_factory, tmp_path):
    srv = keyed(server_factory)
    aws = AwsCli(tmp_path, srv.endpoint)  # its credentials are AK/SK
    aws("s3", "mb", "s3://cli-bkt")
    f = tmp_path / "f.txt"
    f.write_bytes(b"cli data\n")
    aws("s3", "cp", str(f), "s3://cli-bkt/f.txt")
    assert "f.txt" in aws("s3", "ls", "s3://cli-bkt/").stdout
    out = tmp_path / "out.txt"
    aws("s3", "cp", "s3://cli-bkt/f.txt", str(out))
    assert out.read_bytes() == b"cli data\n"
    url = aws("s3", "presign", "s3://cli-bkt/f.txt", "--expires-in", "300").stdout.strip()
    assert http("GET", url) == (200, b"cli data\n")
    aws("s3", "rm", "s3://cli-bkt/f.txt")

    bad = AwsCli(tmp_path / "bad", srv.endpoint) if os.makedirs(tmp_path / "bad") is None else None
    with open(bad.creds, "w") as fh:
        fh.write(f"[default]\naws_access_key_id = {AK}\naws_secret_access_key = wrong\n")
    env = bad.env()
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    r = subprocess.run([bad.bin, "--endpoint-url", srv.endpoint, "s3", "ls", "s3://cli-bkt/"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode != 0 and "SignatureDoesNotMatch" in r.stderr, r.stderr


@pytest.mark.parametrize("v2", [True, False], ids=["sigv2", "sigv4"])
def test_s3cmd_with_keys(server_factory, tmp_path, v2):
    srv = keyed(server_factory)
    hp = f"127.0.0.1:{srv.port}"
    cmd = S3cmd(tmp_path, hp, hp)
    flags = ["--signature-v2"] if v2 else []
    cmd(*flags, "mb", "s3://cmd-bkt")
    f = tmp_path / "f.txt"
    f.write_bytes(b"s3cmd data\n")
    cmd(*flags, "put", str(f), "s3://cmd-bkt/dir/f.txt")
    assert "dir/f.txt" in cmd(*flags, "ls", "-r", "s3://cmd-bkt").stdout
    out = tmp_path / "out.txt"
    cmd(*flags, "get", "s3://cmd-bkt/dir/f.txt", str(out))
    assert out.read_bytes() == b"s3cmd data\n"
    cmd(*flags, "del", "s3://cmd-bkt/dir/f.txt")

    bad = S3cmd(tmp_path, hp, hp, name="s3cfg-bad")
    with open(bad.path) as fh:
        text = fh.read().replace(f"secret_key = {SK}", "secret_key = wrong")
    with open(bad.path, "w") as fh:
        fh.write(text)
    r = bad(*flags, "ls", "s3://cmd-bkt", check=False)
    assert r.returncode != 0 and "SignatureDoesNotMatch" in (r.stdout + r.stderr), r.stderr


# --- presigned URLs --------------------------------------------------------------------------------
@pytest.mark.parametrize("sig", ["s3v4", "s3"])
def test_presigned_get_and_put_work_and_a_changed_request_is_refused(server_factory, sig):
    srv = keyed(server_factory)
    s3 = client(srv.endpoint, sig=sig)
    s3.create_bucket(Bucket="pre-bkt")
    put = s3.generate_presigned_url("put_object", Params={"Bucket": "pre-bkt", "Key": "k.txt"},
                                    ExpiresIn=600)
    assert http("PUT", put, b"presigned body")[0] == 200
    get = s3.generate_presigned_url("get_object", Params={"Bucket": "pre-bkt", "Key": "k.txt"},
                                    ExpiresIn=600)
    assert http("GET", get) == (200, b"presigned body")
    # Another path, another signed query value, another method: refused.
    status, body = http("GET", get.replace("/k.txt", "/other.txt"))
    assert status == 403 and err(body)[0] == "SignatureDoesNotMatch"
    status, body = http("DELETE", get)
    assert status == 403 and err(body)[0] == "SignatureDoesNotMatch"
    if sig == "s3v4":
        status, body = http("GET", get.replace("X-Amz-Expires=600", "X-Amz-Expires=601"))
    else:
        status, body = http("GET", get.replace("?", "?versionId=1&", 1))
    assert status == 403 and err(body)[0] == "SignatureDoesNotMatch"


@pytest.mark.parametrize("sig", ["s3v4", "s3"])
def test_presigned_url_expires(server_factory, sig):
    srv = keyed(server_factory)
    s3 = client(srv.endpoint, sig=sig)
    s3.create_bucket(Bucket="exp-bkt")
    s3.put_object(Bucket="exp-bkt", Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "exp-bkt", "Key": "k"},
                                    ExpiresIn=1)
    # Wait on the condition: valid now (or already expired on a slow machine), then expired.
    status, body = wait_for(lambda: (lambda r: r if r[0] == 403 else None)(http("GET", url)),
                            what="the URL to expire")
    code, x = err(body)
    assert code == "AccessDenied" and xml_text(x, "Message") == "Request has expired"
    assert xml_text(x, "Expires") and xml_text(x, "ServerTime")
    if sig == "s3v4":
        assert xml_text(x, "X-Amz-Expires") == "1"


def test_open_mode_still_refuses_expired_presigned_urls(server):
    s3 = client(server.endpoint)
    s3.create_bucket(Bucket="open-bkt")
    s3.put_object(Bucket="open-bkt", Key="k", Body=b"x")
    # Any signature is accepted in the open mode ...
    assert http("GET", client(server.endpoint, sk="whatever").generate_presigned_url(
        "get_object", Params={"Bucket": "open-bkt", "Key": "k"}, ExpiresIn=600)) == (200, b"x")
    # ... but not past the expiry: a V4 URL signed two hours ago for one hour, a V2 one expired.
    past = (datetime.now(timezone.utc) - timedelta(hours=2)).strftime("%Y%m%dT%H%M%SZ")
    v4 = (f"{server.endpoint}/open-bkt/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F"
          f"{past[:8]}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date={past}&X-Amz-Expires=3600&"
          f"X-Amz-SignedHeaders=host&X-Amz-Signature={'0' * 64}")
    status, body = http("GET", v4)
    code, x = err(body)
    assert (status, code, xml_text(x, "Message")) == (403, "AccessDenied", "Request has expired")
    v2 = f"{server.endpoint}/open-bkt/k?AWSAccessKeyId=AK&Expires={int(time.time()) - 60}&Signature=x"
    status, body = http("GET", v2)
    assert status == 403 and err(body)[0] == "AccessDenied"


# --- users ------------------------------------------------------------------------------------------
def test_users_file_with_two_users(server_factory, tmp_path):
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [
        {"access_key": "AK1", "secret_key": "SK1", "display_name": "alice", "admin": True},
        {"access_key": "AK2", "secret_key": "SK2"}]}, indent=1))
    srv = server_factory(args=["--users", str(users)])
    a = client(srv.endpoint, "AK1", "SK1")
    b = client(srv.endpoint, "AK2", "SK2")
    a.create_bucket(Bucket="two-users")
    a.put_object(Bucket="two-users", Key="k", Body=b"a")
    assert a.get_object(Bucket="two-users", Key="k")["Body"].read() == b"a"
    # each user is its own account: b may not read a's private bucket
    with pytest.raises(ClientError) as e:
        b.get_object(Bucket="two-users", Key="k")
    assert error_code(e.value) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        client(srv.endpoint, "AK1", "SK2").list_objects(Bucket="two-users")
    assert error_code(e.value) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as e:
        client(srv.endpoint, AK, SK).list_objects(Bucket="two-users")
    assert error_code(e.value) == "InvalidAccessKeyId"


@pytest.mark.parametrize("text,line,field", [
    ('{"users": [\n {"access_key": "A",\n  "secret_key": "S"},\n {"access_key": "B"}\n]}', 4,
     "secret_key"),
    ('{"users": [\n {"access_key": "A", "secret_key": "S",\n  "canonical_id": "xyz"}\n]}', 3,
     "canonical_id"),
    ('{"users": [\n {"access_key": "A" "secret_key": "S"}\n]}', 2, None),
])
def test_malformed_users_file_exits_2_naming_the_line(tmp_path, text, line, field):
    p = tmp_path / "users.json"
    p.write_text(text)
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), "-p", "0", "--users", str(p)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert f"line {line}" in r.stderr, r.stderr
    if field:
        assert field in r.stderr, r.stderr


def test_keys_from_the_environment(server_factory):
    srv = server_factory(env={"FAKES3_ACCESS_KEY": "ENVAK", "FAKES3_SECRET_KEY": "ENVSK"})
    client(srv.endpoint, "ENVAK", "ENVSK").create_bucket(Bucket="env-bkt")
    with pytest.raises(ClientError) as e:
        client(srv.endpoint).list_objects(Bucket="env-bkt")
    assert error_code(e.value) == "InvalidAccessKeyId"


def test_users_file_from_the_environment(server_factory, tmp_path):
    p = tmp_path / "u.json"
    p.write_text('{"users": [{"access_key": "FAK", "secret_key": "FSK"}]}')
    srv = server_factory(env={"FAKES3_USERS": str(p)})
    client(srv.endpoint, "FAK", "FSK").create_bucket(Bucket="envfile-bkt")
    with pytest.raises(ClientError) as e:
        client(srv.endpoint, "FAK", "wrong").list_objects(Bucket="envfile-bkt")
    assert error_code(e.value) == "SignatureDoesNotMatch"


@pytest.mark.parametrize("args", [["--access-key", "A"], ["--secret-key", "S"],
                                  ["--access-key", "A", "--secret-key", "S", "--users", "/x"]])
def test_half_a_key_pair_exits_2(tmp_path, args):
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), "-p", "0", *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr


def test_startup_line_names_the_mode(server_factory):
    keyed_srv = keyed(server_factory)
    open_srv = server_factory(root=keyed_srv.root + "-open")
    logs = lambda s: s.stdout() + s.stderr()  # noqa: E731
    wait_for(lambda: "signatures verified" in logs(keyed_srv), what="the keyed start-up line")
    wait_for(lambda: "open mode" in logs(open_srv), what="the open start-up line")


# --- S3's errors on raw requests ---------------------------------------------------------------------
def test_anonymous_request_is_access_denied_with_keys(server_factory):
    srv = keyed(server_factory)
    r = raw(srv.port, "GET", "/")
    assert r.status == 403 and err(r.body)[0] == "AccessDenied"


def test_request_time_too_skewed(server_factory):
    srv = keyed(server_factory)
    when = datetime.now(timezone.utc) - timedelta(minutes=20)
    hs, _ = sign_v4("GET", "/", [("Host", f"127.0.0.1:{srv.port}")], EMPTY, when=when)
    r = raw(srv.port, "GET", "/", headers=hs)
    code, x = err(r.body)
    assert (r.status, code) == (403, "RequestTimeTooSkewed")
    assert xml_text(x, "MaxAllowedSkewMilliseconds") == "900000"
    assert xml_text(x, "RequestTime") == when.strftime("%Y%m%dT%H%M%SZ")


def test_wrong_region_is_authorization_header_malformed_with_the_region(server_factory):
    srv = keyed(server_factory)
    hs, _ = sign_v4("GET", "/", [("Host", f"127.0.0.1:{srv.port}")], EMPTY, region="eu-west-1")
    r = raw(srv.port, "GET", "/", headers=hs)
    code, x = err(r.body)
    assert (r.status, code, xml_text(x, "Region")) == (400, "AuthorizationHeaderMalformed",
                                                       "us-east-1")
    assert "the region 'eu-west-1' is wrong; expecting 'us-east-1'" in xml_text(x, "Message")


def test_missing_content_sha256_is_invalid_request(server_factory):
    srv = keyed(server_factory)
    hs, _ = sign_v4("GET", "/", [("Host", f"127.0.0.1:{srv.port}")], None)
    r = raw(srv.port, "GET", "/", headers=hs)
    code, x = err(r.body)
    assert (r.status, code) == (400, "InvalidRequest")
    assert xml_text(x, "Message") == "Missing required header for this request: x-amz-content-sha256"


def test_signature_mismatch_shows_canonical_request(server_factory):
    srv = keyed(server_factory)
    hs, _ = sign_v4("GET", "/", [("Host", f"127.0.0.1:{srv.port}")], EMPTY, secret="wrong")
    r = raw(srv.port, "GET", "/", headers=hs)
    code, x = err(r.body)
    assert (r.status, code) == (403, "SignatureDoesNotMatch")
    assert xml_text(x, "AWSAccessKeyId") == AK
    assert xml_text(x, "CanonicalRequest").startswith("GET\n/\n\nhost:")
    sts = xml_text(x, "StringToSign")
    assert xml_text(x, "StringToSignBytes") == " ".join("%02x" % b for b in sts.encode())


# --- signed aws-chunked uploads ---------------------------------------------------------------------
@pytest.mark.parametrize("trailer", [False, True], ids=["chunks", "chunks-and-trailer"])
def test_chunk_signed_upload_verifies_and_a_corrupted_chunk_signature_stores_nothing(
        server_factory, trailer):
    srv = keyed(server_factory)
    client(srv.endpoint).create_bucket(Bucket="chunk-bkt")
    data = os.urandom(150000)
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" + ("-TRAILER" if trailer else "")

    def put(key, corrupt=None, bad_trailer=False):
        base = [("Host", f"127.0.0.1:{srv.port}"), ("Content-Encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", str(len(data)))]
        if trailer:
            base.append(("x-amz-trailer", "x-amz-checksum-sha256"))
        # Content-Length is signed too: frame once to learn it (signatures have fixed length).
        ctx0 = (b"k" * 32, "20000101T000000Z", "x", "0" * 64)
        tr = ("x-amz-checksum-sha256", "x") if trailer else None
        import base64
        ck = base64.b64encode(hashlib.sha256(data).digest()).decode()
        tr = ("x-amz-checksum-sha256", ck) if trailer else None
        n = len(chunk_signed_body(data, ctx0, trailer=tr))
        hs, ctx = sign_v4("PUT", f"/chunk-bkt/{key}", base + [("Content-Length", str(n))], mode)
        body = chunk_signed_body(data, ctx, corrupt=corrupt, trailer=tr)
        if bad_trailer:
            i = body.rindex(b"x-amz-trailer-signature:") + 24
            body = body[:i] + (b"0" if body[i:i + 1] != b"0" else b"1") + body[i + 1:]
        assert len(body) == n
        return raw(srv.port, "PUT", f"/chunk-bkt/{key}", body=body, headers=hs)

    r = put("good")
    assert r.status == 200, r.body
    assert client(srv.endpoint).get_object(Bucket="chunk-bkt", Key="good")["Body"].read() == data
    for i in (0, 2, 3):  # first, last data chunk, the final empty one
        r = put(f"bad{i}", corrupt=i)
        assert r.status == 403 and err(r.body)[0] == "SignatureDoesNotMatch", r.body
    if trailer:
        r = put("badtrailer", bad_trailer=True)
        assert r.status == 403 and err(r.body)[0] == "SignatureDoesNotMatch", r.body
    keys = [o["Key"] for o in client(srv.endpoint).list_objects_v2(Bucket="chunk-bkt")["Contents"]]
    assert keys == ["good"]
