"""PostObject: browser form uploads (POST /bucket, multipart/form-data) against the real binary,
with boto3's generate_presigned_post (SigV4, and SigV2 through signature_version='s3') posted by
requests, and hand-built forms for what a browser may send. Each refused upload is checked to have
stored nothing."""

import base64
import datetime
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.config import Config

from s3lib import _session

AK, SK = "AKPOSTTEST", "post-secret-key"


def client(server, ak=AK, sk=SK, v2=False):
    cfg = Config(s3={"addressing_style": "path"}, signature_version="s3" if v2 else "s3v4",
                 retries={"total_max_attempts": 1})
    return _session().client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                             aws_access_key_id=ak, aws_secret_access_key=sk, config=cfg)


@pytest.fixture
def signed(server_factory):
    """A server with credentials configured, and a bucket in it."""
    srv = server_factory(args=["--access-key", AK, "--secret-key", SK])
    client(srv).create_bucket(Bucket="forms")
    return srv


@pytest.fixture
def open_srv(server_factory):
    """The open mode (no credentials), with a bucket."""
    srv = server_factory()
    srv.client().create_bucket(Bucket="forms")
    return srv


def encode(fields, file=("f.txt", b"hello"), after=(), boundary="----fakes3FormBoundaryX7"):
    """A multipart/form-data body: fields (pairs, in order), then the file part (or none), then
    the fields after it."""
    out = b""
    for name, value in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                .encode() + (value if isinstance(value, bytes) else value.encode()) + b"\r\n")
    if file is not None:
        fname, data = file
        fn = "" if fname is None else f"; filename=\"{fname}\""
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"{fn}\r\n"
                "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    for name, value in after:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def post(url, fields, **kw):
    headers = kw.pop("headers", {})
    body, ctype = encode(list(fields.items()) if isinstance(fields, dict) else fields, **kw)
    return requests.post(url, data=body, headers={"Content-Type": ctype, **headers}, timeout=30,
                         allow_redirects=False)


def policy_b64(conditions, expires_in=600):
    exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in))
    doc = {"expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"), "conditions": conditions}
    return base64.b64encode(json.dumps(doc).encode()).decode()


def error(resp):
    root = ET.fromstring(resp.content)
    return root.findtext("Code"), root.findtext("Message"), root


def assert_absent(s3, key, bucket="forms"):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert key not in keys, keys


# --- signed uploads ------------------------------------------------------------------------------

@pytest.mark.parametrize("v2", [False, True], ids=["sigv4", "sigv2"])
def test_presigned_post_stores_object_with_metadata(signed, v2):
    s3 = client(signed, v2=v2)
    data = b"form bytes \r\n--not a boundary\r\n" * 1000
    p = s3.generate_presigned_post(
        "forms", "up/photo.txt",
        Fields={"Content-Type": "text/plain", "x-amz-meta-color": "Blue",
                "Cache-Control": "max-age=60", "Content-Disposition": "inline"},
        Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-color": "Blue"},
                    {"Cache-Control": "max-age=60"}, {"Content-Disposition": "inline"},
                    ["content-length-range", 1, 1 << 20]])
    r = post(p["url"], p["fields"], file=("photo.txt", data))
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert r.headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    # S3 percent-encodes the key in Location, '/' included.
    assert r.headers["Location"] == f"{signed.endpoint}/forms/up%2Fphoto.txt"
    got = s3.get_object(Bucket="forms", Key="up/photo.txt")
    assert got["Body"].read() == data
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "Blue"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "inline"
    assert got["ETag"] == r.headers["ETag"]


@pytest.mark.parametrize("v2", [False, True], ids=["sigv4", "sigv2"])
def test_wrong_signature_is_refused_and_stores_nothing(signed, v2):
    s3 = client(signed, v2=v2)
    p = s3.generate_presigned_post("forms", "k")
    sig = "signature" if v2 else "x-amz-signature"
    p["fields"][sig] = p["fields"][sig][:-2] + ("AA" if v2 else "00")
    if p["fields"][sig] == s3.generate_presigned_post("forms", "k")["fields"][sig]:
        p["fields"][sig] = p["fields"][sig][:-2] + ("BB" if v2 else "11")
    r = post(p["url"], p["fields"])
    assert r.status_code == 403, r.text
    code, _, root = error(r)
    assert code == "SignatureDoesNotMatch"
    assert root.findtext("StringToSign") == p["fields"]["policy"]
    assert root.findtext("SignatureProvided") == p["fields"][sig]
    assert bytes.fromhex(root.findtext("StringToSignBytes")) == p["fields"]["policy"].encode()
    assert_absent(client(signed), "k")


def presigned_post_refused(signed, code, **creds):
    """A boto3 presigned POST of "k" made with creds (client's ak, sk, v2): 403 with code and
    nothing stored; returns the error document."""
    p = client(signed, **creds).generate_presigned_post("forms", "k")
    r = post(p["url"], p["fields"])
    assert r.status_code == 403
    got, _, root = error(r)
    assert got == code
    assert_absent(client(signed), "k")
    return root


@pytest.mark.parametrize("v2", [False, True], ids=["sigv4", "sigv2"])
def test_signature_with_another_secret_is_refused(signed, v2):
    presigned_post_refused(signed, "SignatureDoesNotMatch", sk="not-the-secret", v2=v2)


@pytest.mark.parametrize("v2", [False, True], ids=["sigv4", "sigv2"])
def test_unknown_access_key_is_refused(signed, v2):
    root = presigned_post_refused(signed, "InvalidAccessKeyId", ak="AKUNKNOWN", v2=v2)
    assert root.findtext("AWSAccessKeyId") == "AKUNKNOWN"


def test_unsigned_post_with_credentials_configured_is_denied(signed):
    r = post(f"{signed.endpoint}/forms", {"key": "k"})
    assert r.status_code == 403
    assert error(r)[0] == "AccessDenied"
    assert_absent(client(signed), "k")


def test_signature_without_policy_is_refused(signed):
    p = client(signed).generate_presigned_post("forms", "k")
    del p["fields"]["policy"]
    r = post(p["url"], p["fields"])
    assert r.status_code == 400
    code, msg, root = error(r)
    assert code == "InvalidArgument"
    assert root.findtext("ArgumentName") == "Policy"
    assert_absent(client(signed), "k")


@pytest.mark.parametrize("v2,drop,named", [
    (False, ["x-amz-algorithm", "x-amz-credential"], "X-Amz-Algorithm"),
    (False, ["x-amz-credential"], "X-Amz-Credential"),
    (False, ["x-amz-signature"], "X-Amz-Signature"),
    (True, ["AWSAccessKeyId"], "AWSAccessKeyId"),
    (True, ["signature"], "Signature"),
])
def test_missing_signature_field_is_named(signed, v2, drop, named):
    p = client(signed, v2=v2).generate_presigned_post("forms", "k")
    for f in drop:
        del p["fields"][f]
    r = post(p["url"], p["fields"])
    assert r.status_code == 400, r.text
    code, msg, root = error(r)
    assert code == "InvalidArgument"
    assert msg == (f"Bucket POST must contain a field named '{named}'.  If it is specified, "
                   "please check the order of the fields.")
    assert root.findtext("ArgumentName") == named
    assert_absent(client(signed), "k")


def test_credential_for_another_region_is_refused(signed):
    cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
    s3 = _session().client("s3", endpoint_url=signed.endpoint, region_name="eu-west-3",
                           aws_access_key_id=AK, aws_secret_access_key=SK, config=cfg)
    p = s3.generate_presigned_post("forms", "k")
    r = post(p["url"], p["fields"])
    assert r.status_code == 400, r.text
    code, msg, root = error(r)
    assert (code, msg) == ("InvalidArgument", "the region 'eu-west-3' is wrong; expecting "
                                              "'us-east-1'")
    assert root.findtext("Region") == "us-east-1"
    assert root.findtext("ArgumentValue") == p["fields"]["x-amz-credential"]


def test_field_names_in_any_case_are_accepted(signed):
    p = client(signed).generate_presigned_post("forms", "k")
    fields = {("Policy" if k == "policy" else k.title() if k.startswith("x-amz-") else k): v
              for k, v in p["fields"].items()}
    assert "X-Amz-Credential" in fields
    r = post(p["url"], fields)
    assert r.status_code == 204, r.text


def test_tampered_policy_fails_the_signature(signed):
    """The policy is what is signed: a widened policy with the old signature is refused."""
    s3 = client(signed)
    p = s3.generate_presigned_post("forms", "k", Conditions=[["content-length-range", 0, 3]])
    p["fields"]["policy"] = policy_b64([{"bucket": "forms"}, {"key": "k"},
                                        ["starts-with", "$x-amz-", ""]])
    r = post(p["url"], p["fields"], file=("f", b"too long"))
    assert r.status_code == 403
    assert error(r)[0] == "SignatureDoesNotMatch"
    assert_absent(client(signed), "k")


def test_filename_variable_in_key(signed):
    s3 = client(signed)
    p = s3.generate_presigned_post("forms", "uploads/${filename}")
    r = post(p["url"], p["fields"], file=("my file.bin", b"abc"))
    assert r.status_code == 204, r.text
    assert r.headers["Location"] == f"{signed.endpoint}/forms/uploads%2Fmy%20file.bin"
    assert s3.get_object(Bucket="forms", Key="uploads/my file.bin")["Body"].read() == b"abc"


def test_filename_variable_kept_when_the_part_names_no_filename(open_srv):
    """S3 replaces ${filename} with an empty string for filename="" but keeps it as it is when
    the file part has no filename parameter."""
    r = post(f"{open_srv.endpoint}/forms", [("key", "a-${filename}")], file=(None, b"1"))
    assert r.status_code == 204, r.text
    r = post(f"{open_srv.endpoint}/forms", [("key", "b-${filename}")], file=("", b"2"))
    assert r.status_code == 204, r.text
    keys = [o["Key"] for o in open_srv.client().list_objects_v2(Bucket="forms")["Contents"]]
    assert keys == ["a-${filename}", "b-"]


def test_expired_policy_is_refused(signed):
    s3 = client(signed)
    p = s3.generate_presigned_post("forms", "k", ExpiresIn=-60)
    r = post(p["url"], p["fields"])
    assert r.status_code == 403
    assert error(r)[:2] == ("AccessDenied", "Invalid according to Policy: Policy expired.")
    assert_absent(client(signed), "k")


@pytest.mark.parametrize("size,code,elem,limit", [
    (9, "EntityTooSmall", "MinSizeAllowed", "10"),
    (21, "EntityTooLarge", "MaxSizeAllowed", "20"),
])
def test_content_length_range_refuses_file_outside(signed, size, code, elem, limit):
    s3 = client(signed)
    p = s3.generate_presigned_post("forms", "k", Conditions=[["content-length-range", 10, 20]])
    r = post(p["url"], p["fields"], file=("f", b"x" * size))
    assert r.status_code == 400, r.text
    c, _, root = error(r)
    assert c == code
    assert root.findtext("ProposedSize") == str(size)
    assert root.findtext(elem) == limit
    assert_absent(client(signed), "k")
    for ok in (10, 20):
        r = post(p["url"], p["fields"], file=("f", b"y" * ok))
        assert r.status_code == 204, r.text
        assert s3.get_object(Bucket="forms", Key="k")["ContentLength"] == ok


def test_extra_field_not_in_policy_is_refused(signed):
    s3 = client(signed)
    p = s3.generate_presigned_post("forms", "k")
    fields = dict(p["fields"], **{"x-amz-meta-extra": "1", "Zeta": "2"})
    r = post(p["url"], fields)
    assert r.status_code == 403
    assert error(r)[:2] == ("AccessDenied",
                            "Invalid according to Policy: Extra input fields: Zeta, "
                            "x-amz-meta-extra")
    assert_absent(client(signed), "k")
    # x-ignore-* fields need no condition.
    r = post(p["url"], dict(p["fields"], **{"x-ignore-tracker": "1"}))
    assert r.status_code == 204, r.text


def test_condition_on_key_violated(signed):
    s3 = client(signed)
    p = s3.generate_presigned_post("forms", "k")
    r = post(p["url"], dict(p["fields"], key="other"))
    assert r.status_code == 403
    assert error(r)[:2] == ("AccessDenied",
                            'Invalid according to Policy: Policy Condition failed: '
                            '["eq", "$key", "k"]')
    assert_absent(client(signed), "other")


# --- the policy, in the open mode (checked whenever sent) ----------------------------------------

def test_open_mode_accepts_unsigned_post_without_policy(open_srv):
    s3 = open_srv.client()
    r = post(f"{open_srv.endpoint}/forms", {"key": "anon.txt", "Content-Type": "text/x-anon"},
             file=("a", b"anonymous"))
    assert r.status_code == 204, r.text
    got = s3.get_object(Bucket="forms", Key="anon.txt")
    assert got["Body"].read() == b"anonymous"
    assert got["ContentType"] == "text/x-anon"


def test_open_mode_accepts_boto3_presigned_post(open_srv):
    s3 = open_srv.client()
    p = s3.generate_presigned_post("forms", "k")
    assert post(p["url"], p["fields"]).status_code == 204


def open_post(srv, conditions, fields, **kw):
    return post(f"{srv.endpoint}/forms", [("policy", policy_b64(conditions, **kw.pop("exp", {})))]
                + list(fields), **kw)


@pytest.mark.parametrize("conds,fields,failed", [
    # exact, simple form
    ([{"key": "a"}, {"acl": "public-read"}], [("key", "a"), ("acl", "private")],
     '["eq", "$acl", "public-read"]'),
    # eq: values are case-sensitive
    ([["eq", "$key", "a"]], [("key", "A")], '["eq", "$key", "a"]'),
    # starts-with
    ([["starts-with", "$key", "user/"]], [("key", "other/x")],
     '["starts-with", "$key", "user/"]'),
    # Content-Type: every member of the list
    ([{"key": "a"}, ["starts-with", "$Content-Type", "image/"]],
     [("key", "a"), ("Content-Type", "image/png, text/html")],
     '["starts-with", "$Content-Type", "image/"]'),
    # bucket: the request's
    ([{"bucket": "other"}, {"key": "a"}], [("key", "a")], '["eq", "$bucket", "other"]'),
    # a field the condition names but the form lacks
    ([{"key": "a"}, ["eq", "$x-amz-meta-m", "v"]], [("key", "a")],
     '["eq", "$x-amz-meta-m", "v"]'),
    # a field the form lacks fails even with starts-with "" (S3, 2012 capture)
    ([{"key": "a"}, ["starts-with", "$Content-Type", ""]], [("key", "a")],
     '["starts-with", "$Content-Type", ""]'),
    # an operator S3 does not know
    ([{"key": "a"}, ["ends-with", "$key", "a"]], [("key", "a")], '["ends-with", "$key", "a"]'),
], ids=["simple", "eq-case", "starts-with", "content-type-list", "bucket", "absent",
        "absent-starts-with-empty", "unknown-op"])
def test_policy_condition_failed(open_srv, conds, fields, failed):
    r = open_post(open_srv, conds, fields)
    assert r.status_code == 403, r.text
    assert error(r)[:2] == ("AccessDenied",
                            "Invalid according to Policy: Policy Condition failed: " + failed)
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


@pytest.mark.parametrize("conds,fields", [
    ([{"key": "a"}, {"acl": "public-read"}], [("key", "a"), ("acl", "public-read")]),
    ([["eq", "$key", "a"]], [("key", "a")]),
    ([["starts-with", "$key", "user/"]], [("key", "user/x")]),
    ([["starts-with", "$key", ""], ["starts-with", "$x-amz-meta-any", ""]],
     [("key", "whatever"), ("x-amz-meta-any", "thing")]),
    # field names are case-insensitive
    ([{"KEY": "a"}, ["starts-with", "$content-type", "image/"]],
     [("Key", "a"), ("CONTENT-TYPE", "image/png,image/gif")]),
    ([{"bucket": "forms"}, {"key": "a"}], [("key", "a"), ("bucket", "forms")]),
], ids=["simple", "eq", "starts-with", "starts-with-empty", "name-case", "bucket"])
def test_policy_conditions_satisfied(open_srv, conds, fields):
    r = open_post(open_srv, conds, fields)
    assert r.status_code == 204, r.text


def test_open_mode_checks_expiry_of_a_sent_policy(open_srv):
    r = open_post(open_srv, [{"key": "a"}], [("key", "a")], exp={"expires_in": -5})
    assert r.status_code == 403
    assert error(r)[1] == "Invalid according to Policy: Policy expired."


@pytest.mark.parametrize("doc,msg", [
    (b"not base64!", "Invalid Policy: invalid Base64 encoding."),
    (base64.b64encode(b"{not json"), "Invalid Policy: Invalid JSON."),
    (base64.b64encode(b'{"conditions": []}'), "Invalid Policy: Policy missing expiration."),
    (base64.b64encode(b'{"expiration": "tomorrow", "conditions": []}'),
     "Invalid Policy: Invalid 'expiration' value: 'tomorrow'"),
    (base64.b64encode(b'{"expiration": "2099-01-01T00:00:00.000Z"}'),
     "Invalid Policy: Policy missing conditions."),
    (base64.b64encode(b'{"expiration": "2099-01-01T00:00:00Z", "conditions": [{"a": "1", '
                      b'"b": "2"}]}'),
     "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one "
     "property specified."),
])
def test_invalid_policy_document(open_srv, doc, msg):
    r = post(f"{open_srv.endpoint}/forms", [("key", "a"), ("policy", doc.decode())])
    assert r.status_code == 400, r.text
    assert error(r)[:2] == ("InvalidPolicyDocument", msg)
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


# --- the answer ----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["200", "201", "204", "299", None])
def test_success_action_status(open_srv, status):
    fields = [("key", "dir/a b.txt")] + ([("success_action_status", status)] if status else [])
    r = post(f"{open_srv.endpoint}/forms", fields, file=("f", b"data"))
    etag = '"%s"' % hashlib.md5(b"data").hexdigest()
    want = {"200": 200, "201": 201}.get(status, 204)
    assert r.status_code == want, r.text
    assert r.headers["ETag"] == etag
    assert r.headers["Location"] == f"{open_srv.endpoint}/forms/dir%2Fa%20b.txt"
    if want == 201:
        assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>')
        root = ET.fromstring(r.content)
        assert root.tag == "PostResponse"
        assert root.findtext("Location") == f"{open_srv.endpoint}/forms/dir%2Fa%20b.txt"
        assert root.findtext("Bucket") == "forms"
        assert root.findtext("Key") == "dir/a b.txt"
        assert root.findtext("ETag") == etag
    else:
        assert r.content == b""


@pytest.mark.parametrize("name", ["success_action_redirect", "redirect"])
@pytest.mark.parametrize("url,sep", [("http://example.com/done", "?"),
                                     ("http://example.com/done?x=1", "&")])
def test_redirect_after_upload(open_srv, name, url, sep):
    r = post(f"{open_srv.endpoint}/forms", [("key", "r/k &1"), (name, url),
                                            ("success_action_status", "201")])
    assert r.status_code == 303, r.text
    etag = hashlib.md5(b"hello").hexdigest()
    # Form-encoded as S3 writes it: '/' as %2F, a space as '+', the ETag quoted.
    assert r.headers["Location"] == f"{url}{sep}bucket=forms&key=r%2Fk+%261&etag=%22{etag}%22"
    assert r.content == b""
    assert open_srv.client().get_object(Bucket="forms", Key="r/k &1")["Body"].read() == b"hello"


def test_relative_redirect_is_ignored(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "k"),
                                            ("success_action_redirect", "/wrong/relative")])
    assert r.status_code == 204, r.text


def test_tagging_checksum_storage_class_and_acl_stored(open_srv):
    s3 = open_srv.client()
    tagging = ("<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
               "<Tag><Key>b</Key><Value>2</Value></Tag></TagSet></Tagging>")
    crc = base64.b64encode(__import__("zlib").crc32(b"hello").to_bytes(4, "big")).decode()
    r = post(f"{open_srv.endpoint}/forms", [
        ("key", "t"), ("acl", "private"), ("tagging", tagging), ("x-amz-checksum-crc32", crc),
        ("x-amz-storage-class", "STANDARD_IA"), ("Content-Encoding", "identity"),
        ("Expires", "Thu, 01 Jan 2037 00:00:00 GMT")])
    assert r.status_code == 204, r.text
    assert r.headers["x-amz-checksum-crc32"] == crc
    h = s3.head_object(Bucket="forms", Key="t", ChecksumMode="ENABLED")
    hdrs = h["ResponseMetadata"]["HTTPHeaders"]
    assert hdrs["x-amz-tagging-count"] == "2"
    assert h["ChecksumCRC32"] == crc
    assert h["StorageClass"] == "STANDARD_IA"
    assert h["ContentEncoding"] == "identity"
    assert hdrs["expires"] == "Thu, 01 Jan 2037 00:00:00 GMT"
    assert h["ContentType"] == "binary/octet-stream"


def test_checksum_field_mismatch_stores_nothing(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "t"), ("x-amz-checksum-crc32", "AAAAAA==")])
    assert r.status_code == 400
    assert error(r)[0] == "BadDigest"
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


@pytest.mark.parametrize("md5,code", [
    (base64.b64encode(hashlib.md5(b"hello").digest()).decode(), None),
    (base64.b64encode(hashlib.md5(b"other").digest()).decode(), "BadDigest"),
    ("not-an-md5", "InvalidDigest"),
])
def test_content_md5_field_is_verified(open_srv, md5, code):
    r = post(f"{open_srv.endpoint}/forms", [("key", "m"), ("Content-MD5", md5)])
    if code is None:
        assert r.status_code == 204, r.text
        return
    assert r.status_code == 400
    assert error(r)[0] == code
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


def test_no_content_headers_on_204(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "k")])
    assert r.status_code == 204
    assert "Content-Type" not in r.headers
    assert r.headers["x-amz-checksum-type"] == "FULL_OBJECT"
    assert "x-amz-checksum-crc64nvme" in r.headers


def test_cors_rule_answers_a_browser_post(open_srv):
    s3 = open_srv.client()
    s3.put_bucket_cors(Bucket="forms", CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://app.example"], "AllowedMethods": ["POST"],
        "ExposeHeaders": ["ETag", "Location"]}]})
    r = post(f"{open_srv.endpoint}/forms", [("key", "c")],
             headers={"Origin": "https://app.example"})
    assert r.status_code == 204, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Location" in r.headers["Access-Control-Expose-Headers"]


def test_fields_after_the_file_are_ignored(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "k")],
             after=[("key", "other"), ("x-amz-meta-late", "1"), ("success_action_status", "201")])
    assert r.status_code == 204, r.text
    got = open_srv.client().get_object(Bucket="forms", Key="k")
    assert got["Metadata"] == {}
    keys = [o["Key"] for o in open_srv.client().list_objects_v2(Bucket="forms")["Contents"]]
    assert keys == ["k"]


def test_virtual_host_post(open_srv):
    body, ctype = encode([("key", "vh.txt")])
    r = requests.post(f"http://127.0.0.1:{open_srv.port}/", data=body, timeout=30,
                      headers={"Content-Type": ctype, "Host": f"forms.fakes3:{open_srv.port}"})
    assert r.status_code == 204, r.text
    assert r.headers["Location"] == f"http://forms.fakes3:{open_srv.port}/vh.txt"
    assert open_srv.client().get_object(Bucket="forms", Key="vh.txt")["Body"].read() == b"hello"


# --- malformed requests --------------------------------------------------------------------------

def test_missing_file_is_refused(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "k")], file=None)
    assert r.status_code == 400
    code, msg, root = error(r)
    assert (code, msg) == ("InvalidArgument", "POST requires exactly one file upload per request.")
    assert root.findtext("ArgumentName") == "file"
    assert root.findtext("ArgumentValue") == "0"


def test_missing_key_is_refused(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("acl", "private")])
    assert r.status_code == 400
    code, msg, root = error(r)
    assert code == "InvalidArgument"
    assert msg.startswith("Bucket POST must contain a field named 'key'.")
    assert root.findtext("ArgumentName") == "key"


def test_not_multipart_is_refused(open_srv):
    r = requests.post(f"{open_srv.endpoint}/forms", data={"key": "k"}, timeout=30)
    assert r.status_code == 412
    code, _, root = error(r)
    assert code == "PreconditionFailed"
    assert root.findtext("Condition") == \
        "Bucket POST must be of the enclosure-type multipart/form-data"


def test_truncated_form_is_malformed_and_stores_nothing(open_srv):
    body, ctype = encode([("key", "k")], file=("f", b"0123456789"))
    cut = body[:body.index(b"0123456789") + 5]
    r = requests.post(f"{open_srv.endpoint}/forms", data=cut, timeout=30,
                      headers={"Content-Type": ctype})
    assert r.status_code == 400
    assert error(r)[0] == "MalformedPOSTRequest"
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


def test_fields_over_20kb_are_refused(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "k"), ("x-amz-meta-big", "v" * 21000)])
    assert r.status_code == 400
    code, _, root = error(r)
    assert code == "MaxPostPreDataLengthExceeded"
    assert root.findtext("MaxPostPreDataLengthBytes") == "20480"
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


def test_multipart_without_boundary_is_malformed(open_srv):
    r = requests.post(f"{open_srv.endpoint}/forms", data=b"x", timeout=30,
                      headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 400
    assert error(r)[0] == "MalformedPOSTRequest"


def test_invalid_storage_class_is_refused(open_srv):
    r = post(f"{open_srv.endpoint}/forms", [("key", "k"), ("x-amz-storage-class", "FakeClass")])
    assert r.status_code == 400
    code, _, root = error(r)
    assert code == "InvalidStorageClass"
    assert root.findtext("StorageClassRequested") == "FakeClass"
    assert "Contents" not in open_srv.client().list_objects_v2(Bucket="forms")


def test_missing_bucket_is_not_created(open_srv):
    r = post(f"{open_srv.endpoint}/nobucket", [("key", "k")])
    assert r.status_code == 404
    assert error(r)[0] == "NoSuchBucket"
    names = [b["Name"] for b in open_srv.client().list_buckets()["Buckets"]]
    assert names == ["forms"]


def test_large_file_streams_through(open_srv):
    data = bytes(range(256)) * (64 * 1024)  # 16 MiB
    body, ctype = encode([("key", "big")], file=("big", data))

    def chunks():
        for i in range(0, len(body), 100_003):
            yield body[i:i + 100_003]

    r = requests.post(f"{open_srv.endpoint}/forms", data=chunks(), timeout=120,
                      headers={"Content-Type": ctype})
    assert r.status_code == 204, r.text
    assert r.headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    got = open_srv.client().get_object(Bucket="forms", Key="big")["Body"].read()
    assert got == data


def test_post_is_authorized_for_the_forms_signer(server_factory, tmp_path):
    """With users, PostObject is judged for the user who signed the form (s3:PutObject on the
    key), after its signature is checked: another user with no grant on the bucket is
    AccessDenied and nothing is stored; the owner's form is stored."""
    import json as _json
    users = tmp_path / "users.json"
    users.write_text(_json.dumps({"users": [{"access_key": "AKOWN", "secret_key": "own-secret"},
                                            {"access_key": "AKOTH", "secret_key": "oth-secret"}]}))
    srv = server_factory(args=["--users", str(users)])
    own = client(srv, "AKOWN", "own-secret")
    oth = client(srv, "AKOTH", "oth-secret")
    own.create_bucket(Bucket="forms")
    for c, key, want in ((oth, "by-other.txt", 403), (own, "by-owner.txt", 204)):
        p = c.generate_presigned_post("forms", key, ExpiresIn=600)
        resp = requests.post(p["url"], data=p["fields"], files={"file": ("f", b"x")}, timeout=30)
        assert resp.status_code == want, resp.text
    assert [o["Key"] for o in own.list_objects(Bucket="forms").get("Contents", [])] == \
        ["by-owner.txt"]
