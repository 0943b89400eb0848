"""A hostile client against the authentication and authorization of a server started with
--users (alice, bob, carol): each probe tries to get past "nobody gets in without a valid
signature and a permission" and asserts S3's answer and that nothing changed."""

import base64
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from email.utils import formatdate

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from acl_users import BOB_ID, Users, users_file
from s3lib import disk_only, _session, error_code, raw, sign_v4, signed_raw

ALICE = ("AKALICE", "alice-secret")
BOB = ("AKBOB", "bob-secret")


@pytest.fixture
def u(server_factory, tmp_path):
    users = Users(server_factory(args=["--users", users_file(tmp_path)]))
    users.alice.create_bucket(Bucket="alices")
    users.alice.put_object(Bucket="alices", Key="secret", Body=b"alice data")
    users.bob.create_bucket(Bucket="bobs")
    return users


def code_of(fn, **kw):
    try:
        fn(**kw)
        return None
    except ClientError as e:
        return error_code(e) or str(e.response["ResponseMetadata"]["HTTPStatusCode"])


def err_code(body):
    return ET.fromstring(body).findtext("Code")


def alices_keys(u):
    return [o["Key"] for o in u.alice.list_objects_v2(Bucket="alices").get("Contents", [])]


def unchanged(u):
    assert alices_keys(u) == ["secret"]
    assert u.alice.get_object(Bucket="alices", Key="secret")["Body"].read() == b"alice data"


def v2_client(srv, keys):
    return _session().client("s3", endpoint_url=srv.endpoint, region_name="us-east-1",
                             aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                             config=Config(signature_version="s3",
                                           s3={"addressing_style": "path"},
                                           retries={"total_max_attempts": 1}))


def test_unsigned_requests_to_a_private_bucket_are_denied_and_change_nothing(u):
    p = u.srv.port
    for method, target, body in [("GET", "/alices/secret", b""), ("HEAD", "/alices/secret", b""),
                                 ("GET", "/alices/missing", b""), ("HEAD", "/alices/missing", b""),
                                 ("PUT", "/alices/new", b"x"), ("DELETE", "/alices/secret", b""),
                                 ("GET", "/alices?list-type=2", b""), ("GET", "/alices?acl", b""),
                                 ("PUT", "/alices?acl", b""), ("DELETE", "/alices", b""),
                                 ("GET", "/alices?policy", b""), ("DELETE", "/alices?cors", b""),
                                 ("POST", "/alices/m?uploads", b""),
                                 ("DELETE", "/alices?publicAccessBlock", b""),
                                 ("DELETE", "/alices?ownershipControls", b"")]:
        r = raw(p, method, target, body=body,
                headers=[("x-amz-acl", "public-read-write")] if method == "PUT" else ())
        assert r.status == 403, (method, target, r)
        if method != "HEAD":
            assert err_code(r.body) == "AccessDenied", (method, target, r.body)
    unchanged(u)
    assert u.alice.get_public_access_block(Bucket="alices")[
        "PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True


def test_another_users_access_key_with_a_guessed_secret_is_signature_does_not_match(u):
    r = signed_raw(u.srv.port, "GET", "/alices/secret", keys=("AKALICE", "bob-secret"))
    assert r.status == 403 and err_code(r.body) == "SignatureDoesNotMatch"
    r = signed_raw(u.srv.port, "DELETE", "/alices/secret", keys=("AKALICE", ""))
    assert r.status == 403 and err_code(r.body) == "SignatureDoesNotMatch"
    unchanged(u)


def test_missing_key_error_does_not_leak_existence_to_a_user_who_may_not_list(u):
    """GET and HEAD of an existing and a missing key answer alike (403) for bob; DeleteObject of
    either is AccessDenied, never the 204 that S3 gives a missing key to a permitted caller."""
    for key in ("secret", "missing"):
        assert code_of(u.bob.get_object, Bucket="alices", Key=key) == "AccessDenied"
        assert code_of(u.bob.head_object, Bucket="alices", Key=key) == "403"
        assert code_of(u.bob.delete_object, Bucket="alices", Key=key) == "AccessDenied"
        assert code_of(u.bob.get_object_acl, Bucket="alices", Key=key) == "AccessDenied"
    unchanged(u)


def test_preflight_does_not_tell_whether_a_key_exists_or_let_a_request_through(u):
    hs = [("Origin", "http://evil.example"), ("Access-Control-Request-Method", "GET")]
    a = raw(u.srv.port, "OPTIONS", "/alices/secret", headers=hs)
    b = raw(u.srv.port, "OPTIONS", "/alices/missing", headers=hs)
    assert a.status == b.status
    assert a.body == b.body
    assert b"alice data" not in a.body
    # A preflight is no way in for another method: OPTIONS never deletes or writes.
    raw(u.srv.port, "OPTIONS", "/alices/secret",
        headers=[("Origin", "http://evil.example"), ("Access-Control-Request-Method", "DELETE")])
    unchanged(u)


def test_multipart_calls_on_another_users_upload_id_are_denied(u):
    uid = u.alice.create_multipart_upload(Bucket="alices", Key="mp")["UploadId"]
    u.alice.upload_part(Bucket="alices", Key="mp", UploadId=uid, PartNumber=1, Body=b"alice")
    # bob names alice's upload id under his own bucket: no such upload there
    assert code_of(u.bob.upload_part, Bucket="bobs", Key="mp", UploadId=uid, PartNumber=1,
                   Body=b"bob") == "NoSuchUpload"
    assert code_of(u.bob.list_parts, Bucket="bobs", Key="mp", UploadId=uid) == "NoSuchUpload"
    assert code_of(u.bob.complete_multipart_upload, Bucket="bobs", Key="mp", UploadId=uid,
                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]}) in (
                       "NoSuchUpload", "InvalidPart")
    assert code_of(u.bob.abort_multipart_upload, Bucket="bobs", Key="mp",
                   UploadId=uid) == "NoSuchUpload"
    # or under another key of alice's bucket
    assert code_of(u.bob.abort_multipart_upload, Bucket="alices", Key="other",
                   UploadId=uid) == "AccessDenied"
    parts = u.alice.list_parts(Bucket="alices", Key="mp", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5)]
    assert code_of(u.bob.head_object, Bucket="bobs", Key="mp") == "404"


def test_upload_part_copy_and_copy_object_from_an_unreadable_bucket_are_denied(u):
    uid = u.bob.create_multipart_upload(Bucket="bobs", Key="m")["UploadId"]
    for src in ("alices/secret", "/alices/secret", "alices/secret?versionId=null",
                "alices%2Fsecret"):
        assert code_of(u.bob.copy_object, Bucket="bobs", Key="c", CopySource=src) in (
            "AccessDenied", "InvalidArgument", "NoSuchBucket"), src
        assert code_of(u.bob.upload_part_copy, Bucket="bobs", Key="m", UploadId=uid,
                       PartNumber=1, CopySource=src) in (
                           "AccessDenied", "InvalidArgument", "NoSuchBucket"), src
    assert code_of(u.bob.head_object, Bucket="bobs", Key="c") == "404"
    assert u.bob.list_parts(Bucket="bobs", Key="m", UploadId=uid).get("Parts", []) == []


def test_delete_objects_mixing_allowed_and_denied_keys_deletes_only_the_allowed(u):
    u.alice.put_bucket_policy(Bucket="alices", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"CanonicalUser": BOB_ID},
                       "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::alices/tmp/*"}]}))
    u.alice.put_object(Bucket="alices", Key="tmp/x", Body=b"t")
    r = u.bob.delete_objects(Bucket="alices", Delete={"Objects": [
        {"Key": "tmp/x"}, {"Key": "secret"}, {"Key": "tmp/../secret"}]})
    assert sorted(d["Key"] for d in r.get("Deleted", [])) == ["tmp/../secret", "tmp/x"]
    assert [(e["Key"], e["Code"]) for e in r["Errors"]] == [("secret", "AccessDenied")]
    unchanged(u)


def test_post_object_into_another_users_bucket_is_denied(u):
    p = u.bob.generate_presigned_post("alices", "posted")
    r = requests.post(p["url"], data=p["fields"], files={"file": ("f", b"bob")}, timeout=30)
    assert r.status_code == 403 and err_code(r.content) == "AccessDenied", r.content
    unchanged(u)


def test_post_object_signed_by_one_user_with_the_credential_of_another_is_refused(u):
    """A policy signed with bob's secret but an x-amz-credential naming alice: the signature is
    checked with alice's key, so it does not match and nothing is stored."""
    now = datetime.now(timezone.utc)
    date = now.strftime("%Y%m%d")
    cred = f"AKALICE/{date}/us-east-1/s3/aws4_request"
    amzdate = now.strftime("%Y%m%dT%H%M%SZ")
    exp = (now + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = base64.b64encode(json.dumps({"expiration": exp, "conditions": [
        {"bucket": "alices"}, {"key": "posted"}, {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": cred}, {"x-amz-date": amzdate}]}).encode()).decode()
    k = ("AWS4" + BOB[1]).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, policy.encode(), hashlib.sha256).hexdigest()
    fields = {"key": "posted", "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": cred,
              "x-amz-date": amzdate, "policy": policy, "x-amz-signature": sig}
    r = requests.post(f"{u.srv.endpoint}/alices", data=fields, files={"file": ("f", b"bob")},
                      timeout=30)
    assert r.status_code == 403 and err_code(r.content) == "SignatureDoesNotMatch", r.content
    unchanged(u)


def test_presigned_url_reused_with_another_method_bucket_or_key_is_refused(u):
    get = u.bob.generate_presigned_url("get_object", Params={"Bucket": "bobs", "Key": "k"},
                                       ExpiresIn=600)
    for method, url in [("DELETE", get), ("PUT", get),
                        ("GET", get.replace("/bobs/k", "/alices/secret")),
                        ("GET", get.replace("/bobs/k", "/alices/k")),
                        ("GET", get.replace("?", "?acl&", 1))]:
        r = requests.request(method, url, data=b"x" if method == "PUT" else None, timeout=30)
        assert r.status_code == 403, (method, url, r.content)
        assert err_code(r.content) in ("SignatureDoesNotMatch",), (method, url, r.content)
    unchanged(u)


def test_sigv2_request_with_a_sub_resource_it_did_not_sign_is_refused(u):
    """alice's SigV2 signature of GET /alices/secret replayed with ?acl (and ?policy, ?delete):
    S3 signs these sub-resources, so the signature no longer matches."""
    date = formatdate(usegmt=True)
    sts = f"GET\n\n\n{date}\n/alices/secret"
    sig = base64.b64encode(hmac.new(ALICE[1].encode(), sts.encode(), hashlib.sha1).digest())
    hs = [("Date", date), ("Authorization", f"AWS AKALICE:{sig.decode()}")]
    assert raw(u.srv.port, "GET", "/alices/secret", headers=hs).status == 200
    for target in ("/alices/secret?acl", "/alices/secret?tagging", "/alices/secret?uploads",
                   "/alices/secret?torrent"):
        r = raw(u.srv.port, "GET", target, headers=hs)
        assert r.status in (403, 501), (target, r)
        if r.status == 403:
            assert err_code(r.body) == "SignatureDoesNotMatch", (target, r.body)
    # the same signature on DELETE
    r = raw(u.srv.port, "DELETE", "/alices/secret", headers=hs)
    assert r.status == 403 and err_code(r.body) == "SignatureDoesNotMatch"
    unchanged(u)


def test_virtual_host_and_path_naming_different_buckets_judge_the_host_bucket(u):
    """Host bobs.fakes3 with path /alices/secret is key "alices/secret" of bucket bobs; Host
    alices.fakes3 with bob's keys is alice's bucket and denied."""
    p = u.srv.port
    r = signed_raw(p, "GET", "/alices/secret", host=f"bobs.fakes3:{p}", keys=BOB)
    assert r.status == 404 and err_code(r.body) == "NoSuchKey", r
    r = signed_raw(p, "PUT", "/alices/planted", body=b"bob", host=f"bobs.fakes3:{p}", keys=BOB)
    assert r.status == 200, r
    assert u.bob.get_object(Bucket="bobs", Key="alices/planted")["Body"].read() == b"bob"
    for method, target in [("GET", "/secret"), ("PUT", "/planted"), ("DELETE", "/secret"),
                           ("GET", "/bobs/x"), ("GET", "/?list-type=2")]:
        r = signed_raw(p, method, target, body=b"x" if method == "PUT" else b"",
                       host=f"alices.fakes3:{p}", keys=BOB)
        assert r.status == 403 and err_code(r.body) == "AccessDenied", (method, target, r)
    unchanged(u)


@pytest.mark.parametrize("target", ["/bobs/..%2Falices%2Fsecret", "/bobs/../alices/secret",
                                    "/bobs%2F..%2Falices/secret", "/bobs/%2E%2E/alices/secret",
                                    "//alices/secret", "/bobs//../alices/secret",
                                    "/Alices/secret", "/ALICES/secret", "/alices%2Fsecret"])
def test_dot_dot_encoded_slash_and_case_never_reach_another_users_bucket(u, target):
    for method in ("GET", "PUT", "DELETE"):
        r = signed_raw(u.srv.port, method, target, body=b"bob" if method == "PUT" else b"",
                       keys=BOB)
        assert b"alice data" not in r.body, (method, target)
        if r.status < 300:
            # only ever a key of bob's own bucket
            assert method != "GET" or r.body == b"bob", (method, target, r)
    unchanged(u)
    assert "alices" not in [b["Name"] for b in u.bob.list_buckets()["Buckets"]]


def test_control_of_acl_policy_ownership_and_pab_by_a_non_owner_is_denied(u):
    b = u.bob
    pol = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::alices", "arn:aws:s3:::alices/*"]}]})
    calls = {
        "PutBucketPolicy": lambda: b.put_bucket_policy(Bucket="alices", Policy=pol),
        "DeleteBucketPolicy": lambda: b.delete_bucket_policy(Bucket="alices"),
        "GetBucketPolicyStatus": lambda: b.get_bucket_policy_status(Bucket="alices"),
        "PutBucketAcl": lambda: b.put_bucket_acl(Bucket="alices", GrantFullControl=f"id={BOB_ID}"),
        "PutObjectAcl": lambda: b.put_object_acl(Bucket="alices", Key="secret",
                                                 GrantRead=f"id={BOB_ID}"),
        "PutBucketOwnershipControls": lambda: b.put_bucket_ownership_controls(
            Bucket="alices",
            OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}),
        "PutPublicAccessBlock": lambda: b.put_public_access_block(
            Bucket="alices", PublicAccessBlockConfiguration={
                "BlockPublicAcls": False, "IgnorePublicAcls": False,
                "BlockPublicPolicy": False, "RestrictPublicBuckets": False}),
        "DeletePublicAccessBlock": lambda: b.delete_public_access_block(Bucket="alices"),
    }
    wrong = {n: code_of(c) for n, c in calls.items()}
    wrong = {n: c for n, c in wrong.items() if c != "AccessDenied"}
    assert not wrong, wrong
    assert code_of(u.alice.get_bucket_policy, Bucket="alices") == "NoSuchBucketPolicy"
    assert u.alice.get_bucket_ownership_controls(Bucket="alices")["OwnershipControls"][
        "Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert all(u.alice.get_public_access_block(Bucket="alices")[
        "PublicAccessBlockConfiguration"].values())
    grants = u.alice.get_bucket_acl(Bucket="alices")["Grants"]
    assert [g["Grantee"].get("ID") for g in grants] != [BOB_ID]
    assert all(g["Grantee"].get("ID") != BOB_ID for g in grants)
    assert code_of(u.bob.get_object, Bucket="alices", Key="secret") == "AccessDenied"


def test_creating_a_bucket_that_differs_only_by_case_does_not_take_the_other(u):
    assert code_of(u.bob.create_bucket, Bucket="Alices") in ("InvalidBucketName",)
    assert code_of(u.bob.create_bucket, Bucket="alices") == "BucketAlreadyExists"
    unchanged(u)


def test_chunk_signed_upload_with_the_seed_of_another_request_is_refused(u):
    """The chunk signatures chain from the seed signature of the request's own headers; a body
    chained from another request (bob's own, valid) fails and stores nothing."""
    p = u.srv.port
    data = b"z" * 1000
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"

    def body_for(ctx):
        key, amzdate, scope, prev = ctx
        out = b""
        for chunk in (data, b""):
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amzdate, scope, prev,
                             hashlib.sha256(b"").hexdigest(), hashlib.sha256(chunk).hexdigest()])
            prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
            out += f"{len(chunk):x};chunk-signature={prev}\r\n".encode() + chunk + b"\r\n"
        return out

    n = len(body_for((b"k" * 32, "x", "x", "0" * 64)))
    base = [("Host", f"127.0.0.1:{p}"), ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", str(len(data))), ("Content-Length", str(n))]
    hs_a, ctx_a = sign_v4("PUT", "/bobs/a", base, mode, secret=BOB[1], access_key=BOB[0])
    hs_b, ctx_b = sign_v4("PUT", "/bobs/b", base, mode, secret=BOB[1], access_key=BOB[0])
    assert raw(p, "PUT", "/bobs/a", body=body_for(ctx_a), headers=hs_a).status == 200
    r = raw(p, "PUT", "/bobs/b", body=body_for(ctx_a), headers=hs_b)
    assert r.status == 403 and err_code(r.body) == "SignatureDoesNotMatch", r
    assert code_of(u.bob.head_object, Bucket="bobs", Key="b") == "404"
    # bob's headers with the seed from alice's key on the same request: refused too
    hs_c, ctx_c = sign_v4("PUT", "/alices/c", base, mode, secret=ALICE[1], access_key=ALICE[0])
    hs_d, _ = sign_v4("PUT", "/alices/c", base, mode, secret=BOB[1], access_key=BOB[0])
    r = raw(p, "PUT", "/alices/c", body=body_for(ctx_c), headers=hs_d)
    assert r.status == 403, r
    unchanged(u)


def test_sigv2_query_auth_of_one_user_cannot_be_rebound_to_another_key(u):
    url = v2_client(u.srv, BOB).generate_presigned_url(
        "get_object", Params={"Bucket": "alices", "Key": "secret"}, ExpiresIn=600)
    r = requests.get(url, timeout=30)
    assert r.status_code == 403 and err_code(r.content) == "AccessDenied"
    r = requests.get(url.replace("AWSAccessKeyId=AKBOB", "AWSAccessKeyId=AKALICE"), timeout=30)
    assert r.status_code == 403 and err_code(r.content) == "SignatureDoesNotMatch"


def test_empty_or_partial_authorization_is_not_treated_as_anonymous_or_valid(u):
    p = u.srv.port
    for hs in ([("Authorization", "")], [("Authorization", "AWS4-HMAC-SHA256")],
               [("Authorization", "AWS AKALICE:")], [("Authorization", "AWS AKALICE")],
               [("Authorization", "AWS4-HMAC-SHA256 Credential=AKALICE/20260101/us-east-1/s3/"
                                  "aws4_request, SignedHeaders=host, Signature=")]):
        r = raw(p, "DELETE", "/alices/secret", headers=hs)
        assert r.status in (400, 403), (hs, r)
    for q in ("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=AKALICE%2F20260101",
              "AWSAccessKeyId=AKALICE", "Signature=x", "AWSAccessKeyId=AKALICE&Signature=x"):
        r = raw(p, "DELETE", f"/alices/secret?{q}")
        assert r.status in (400, 403), (q, r)
    unchanged(u)


def test_sigv4_signature_that_leaves_out_host_is_refused(u):
    """A signature over a request whose SignedHeaders omit host could be replayed on another
    virtual-host bucket (the path stays the same); S3 answers AccessDenied with
    HeadersNotSigned host. Broke: fakes3 accepted it."""
    p = u.srv.port
    hs, _ = sign_v4("GET", "/secret", [("x-foo", "1")], hashlib.sha256(b"").hexdigest(),
                    secret=ALICE[1], access_key=ALICE[0])
    for host in (f"alices.fakes3:{p}", f"bobs.fakes3:{p}"):
        r = raw(p, "GET", "/secret", headers=hs, host=host)
        assert r.status == 403, r
        root = ET.fromstring(r.body)
        assert root.findtext("Code") == "AccessDenied"
        assert root.findtext("Message") == ("There were headers present in the request which "
                                            "were not signed")
        assert root.findtext("HeadersNotSigned") == "host"
    # presigned with X-Amz-SignedHeaders that omit host
    url = u.alice.generate_presigned_url("get_object",
                                         Params={"Bucket": "alices", "Key": "secret"})
    assert requests.get(url, timeout=30).content == b"alice data"
    now = datetime.now(timezone.utc)
    amzdate, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    q = (f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKALICE%2F{date}%2Fus-east-1%2Fs3"
         f"%2Faws4_request&X-Amz-Date={amzdate}&X-Amz-Expires=600&X-Amz-SignedHeaders=")
    creq = "\n".join(["GET", "/alices/secret", q, "", "", "UNSIGNED-PAYLOAD"])
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, f"{date}/us-east-1/s3/aws4_request",
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + ALICE[1]).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    r = raw(p, "GET", f"/alices/secret?{q}&X-Amz-Signature={sig}")
    assert r.status == 403, r
    assert ET.fromstring(r.body).findtext("HeadersNotSigned") == "host"


def test_presigned_put_with_an_unsigned_copy_source_or_acl_header_is_refused(
        server_factory, tmp_path):
    """alice hands bob a presigned PUT for one key; bob adds x-amz-copy-source (turning it into a
    copy of alice's secret) and x-amz-acl: public-read. S3 refuses unsigned x-amz-* headers
    (AccessDenied, HeadersNotSigned). Broke: fakes3 copied the secret and made it public."""
    u = Users(server_factory(args=["--users", users_file(tmp_path), "--legacy-bucket-defaults"]))
    u.alice.create_bucket(Bucket="alices")
    u.alice.put_object(Bucket="alices", Key="secret", Body=b"alice data")
    url = u.alice.generate_presigned_url("put_object",
                                         Params={"Bucket": "alices", "Key": "upload"})
    for extra in ({"x-amz-copy-source": "alices/secret", "x-amz-acl": "public-read"},
                  {"x-amz-acl": "public-read"}, {"X-Amz-Meta-Evil": "1"}):
        r = requests.put(url, data=b"", headers=extra, timeout=30)
        assert r.status_code == 403, (extra, r.content)
        root = ET.fromstring(r.content)
        assert root.findtext("Code") == "AccessDenied"
        assert set(root.findtext("HeadersNotSigned").split(",")) == {k.lower() for k in extra}
        assert code_of(u.anon.get_object, Bucket="alices", Key="upload") == "AccessDenied"
        assert code_of(u.alice.head_object, Bucket="alices", Key="upload") == "404"
    # The header form too: a signed PUT with an x-amz-acl added after signing.
    p = u.srv.port
    hs, _ = sign_v4("PUT", "/alices/upload", [("Host", f"127.0.0.1:{p}")],
                    hashlib.sha256(b"x").hexdigest(), secret=ALICE[1], access_key=ALICE[0])
    r = raw(p, "PUT", "/alices/upload", body=b"x", headers=hs + [("x-amz-acl", "public-read")])
    assert r.status == 403 and ET.fromstring(r.body).findtext("HeadersNotSigned") == "x-amz-acl"
    assert code_of(u.alice.head_object, Bucket="alices", Key="upload") == "404"
    # as signed, the URL works
    assert requests.put(url, data=b"mine", timeout=30).status_code == 200
    assert u.alice.get_object(Bucket="alices", Key="upload")["Body"].read() == b"mine"
    assert code_of(u.anon.get_object, Bucket="alices", Key="upload") == "AccessDenied"


def test_sigv2_presigned_put_with_an_added_copy_source_header_is_refused(server_factory,
                                                                         tmp_path):
    """SigV2 signs the x-amz-* headers (CanonicalizedAmzHeaders): adding x-amz-copy-source to a
    presigned PUT breaks the signature and copies nothing."""
    u = Users(server_factory(args=["--users", users_file(tmp_path), "--legacy-bucket-defaults"]))
    u.alice.create_bucket(Bucket="alices")
    u.alice.put_object(Bucket="alices", Key="secret", Body=b"alice data")
    url = v2_client(u.srv, ALICE).generate_presigned_url(
        "put_object", Params={"Bucket": "alices", "Key": "up"}, ExpiresIn=600)
    r = requests.put(url, data=b"", headers={"x-amz-copy-source": "alices/secret",
                                             "x-amz-acl": "public-read"}, timeout=30)
    assert r.status_code == 403 and err_code(r.content) == "SignatureDoesNotMatch", r.content
    assert code_of(u.alice.head_object, Bucket="alices", Key="up") == "404"


@disk_only("a second server reuses the first one's root")
def test_open_mode_buckets_are_not_open_to_anonymous_callers_once_users_are_configured(
        server_factory, tmp_path):
    """Buckets written in the open mode belong to the default owner; with --users every signed-in
    user may use them (README), but an unsigned caller may not."""
    root = tmp_path / "shared-root"
    srv = server_factory(root=root)
    s3 = srv.client()
    s3.create_bucket(Bucket="oldb")
    s3.put_object(Bucket="oldb", Key="k", Body=b"old")
    srv.stop()
    u = Users(server_factory(root=root, args=["--users", users_file(tmp_path)]))
    p = u.srv.port
    for method, target in [("GET", "/oldb/k"), ("GET", "/oldb?list-type=2"), ("PUT", "/oldb/n"),
                           ("DELETE", "/oldb/k"), ("PUT", "/oldb?acl"), ("GET", "/oldb?acl")]:
        r = raw(p, method, target, body=b"x" if target == "/oldb/n" else b"")
        assert r.status == 403 and err_code(r.body) == "AccessDenied", (method, target, r)
    assert u.bob.get_object(Bucket="oldb", Key="k")["Body"].read() == b"old"
    assert [o["Key"] for o in u.alice.list_objects_v2(Bucket="oldb")["Contents"]] == ["k"]
    assert "oldb" not in [b["Name"] for b in u.bob.list_buckets()["Buckets"]]
    assert code_of(u.bob.create_bucket, Bucket="oldb") == "BucketAlreadyExists"


def test_post_policy_signed_for_one_bucket_cannot_write_another_of_the_signers_buckets(u):
    """alice's presigned POST for bucket "uploads", replayed on her bucket "alices" (path style,
    virtual host, or with a form field bucket=uploads): the policy's bucket condition is matched
    against the bucket addressed, so it fails and nothing is stored."""
    u.alice.create_bucket(Bucket="uploads")
    post = u.alice.generate_presigned_post("uploads", "drop/${filename}",
                                           Conditions=[["starts-with", "$key", "drop/"]])
    p = u.srv.port
    with_field = dict(post["fields"], bucket="uploads")
    for url, fields, host in [(f"{u.srv.endpoint}/alices", post["fields"], None),
                              (f"{u.srv.endpoint}/alices", with_field, None),
                              (f"http://127.0.0.1:{p}/", post["fields"], f"alices.fakes3:{p}")]:
        r = requests.post(url, data=fields, files={"file": ("f.txt", b"evil")}, timeout=30,
                          headers={"Host": host} if host else {})
        assert r.status_code == 403 and err_code(r.content) == "AccessDenied", r.content
    unchanged(u)
    assert "Contents" not in u.alice.list_objects_v2(Bucket="uploads")


def test_duplicated_host_header_cannot_pick_another_bucket_than_the_one_signed(u):
    p = u.srv.port
    hs, _ = sign_v4("GET", "/secret", [("Host", f"bobs.fakes3:{p}")],
                    hashlib.sha256(b"").hexdigest(), secret=BOB[1], access_key=BOB[0])
    for order in (hs + [("Host", f"alices.fakes3:{p}")], [("Host", f"alices.fakes3:{p}")] + hs):
        r = raw(p, "GET", "/secret", headers=order, host=f"bobs.fakes3:{p}")
        assert r.status in (400, 403), r
        assert b"alice data" not in r.body


def test_write_and_read_acp_grants_do_not_imply_read_acl_control_or_bucket_deletion(
        server_factory, tmp_path):
    u = Users(server_factory(args=["--users", users_file(tmp_path), "--legacy-bucket-defaults"]))
    u.alice.create_bucket(Bucket="alices")
    u.alice.put_object(Bucket="alices", Key="secret", Body=b"alice data")
    alice_id = u.alice.get_bucket_acl(Bucket="alices")["Owner"]["ID"]
    u.alice.put_bucket_acl(Bucket="alices", GrantWrite=f"id={BOB_ID}",
                           GrantReadACP=f"id={BOB_ID}", GrantFullControl=f"id={alice_id}")
    b = u.bob
    assert b.get_bucket_acl(Bucket="alices")["Owner"]["DisplayName"] == "alice"
    for name, call in {
            "GetObject": lambda: b.get_object(Bucket="alices", Key="secret"),
            "ListObjectsV2": lambda: b.list_objects_v2(Bucket="alices"),
            "PutBucketAcl": lambda: b.put_bucket_acl(Bucket="alices",
                                                     GrantFullControl=f"id={BOB_ID}"),
            "PutObjectAcl": lambda: b.put_object_acl(Bucket="alices", Key="secret",
                                                     GrantRead=f"id={BOB_ID}"),
            "GetObjectAcl": lambda: b.get_object_acl(Bucket="alices", Key="secret"),
            "DeleteBucket": lambda: b.delete_bucket(Bucket="alices"),
            "PutBucketPolicy": lambda: b.put_bucket_policy(Bucket="alices", Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::alices/*"}]})),
            "PutBucketOwnershipControls": lambda: b.put_bucket_ownership_controls(
                Bucket="alices",
                OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}),
    }.items():
        assert code_of(call) == "AccessDenied", name
    # the grant does allow writing a new object, which bob then owns
    b.put_object(Bucket="alices", Key="bobs-obj", Body=b"b")
    assert b.get_object(Bucket="alices", Key="bobs-obj")["Body"].read() == b"b"
    assert u.alice.get_object(Bucket="alices", Key="secret")["Body"].read() == b"alice data"
    assert code_of(u.alice.get_bucket_policy, Bucket="alices") == "NoSuchBucketPolicy"
