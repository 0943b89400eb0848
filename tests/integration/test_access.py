"""The authorization point: every operation is judged before its handler, with its policy
action, and a user with no grant gets AccessDenied on each; copies need GetObject on their
source; DeleteObjects judges each key; denied requests change nothing; the access log names the
rule that allowed or denied each request; anonymous callers are the AllUsers group; the aws CLI
sees the same."""

import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from acl_users import BOB_ID, Users, users_file
from s3lib import AwsCli, error_code, raw

MIB = 1024 * 1024


@pytest.fixture
def legacy(server_factory, tmp_path):
    return Users(server_factory(args=["--users", users_file(tmp_path),
                                      "--legacy-bucket-defaults"]))


@pytest.fixture
def current(server_factory, tmp_path):
    return Users(server_factory(args=["--users", users_file(tmp_path)]))


def code_of(fn, **kw):
    try:
        fn(**kw)
        return None
    except ClientError as e:
        return error_code(e) or str(e.response["ResponseMetadata"]["HTTPStatusCode"])


def test_user_without_grant_is_denied_every_operation(current):
    """Table-driven: each operation of the table (bar the service-level ones) by bob on alice's
    bucket and object."""
    u = current
    a, b = u.alice, u.bob
    a.create_bucket(Bucket="alices")
    a.put_object(Bucket="alices", Key="k", Body=b"x")
    uid = a.create_multipart_upload(Bucket="alices", Key="mp")["UploadId"]
    cors = {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}
    own = {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    ops = {
        "GetBucketLocation": lambda: b.get_bucket_location(Bucket="alices"),
        "ListObjects": lambda: b.list_objects(Bucket="alices"),
        "ListObjectsV2": lambda: b.list_objects_v2(Bucket="alices"),
        "HeadBucket": lambda: b.head_bucket(Bucket="alices"),
        "DeleteBucket": lambda: b.delete_bucket(Bucket="alices"),
        "PutObject": lambda: b.put_object(Bucket="alices", Key="new", Body=b"y"),
        "GetObject": lambda: b.get_object(Bucket="alices", Key="k"),
        "HeadObject": lambda: b.head_object(Bucket="alices", Key="k"),
        "DeleteObject": lambda: b.delete_object(Bucket="alices", Key="k"),
        "CopyObject": lambda: b.copy_object(Bucket="alices", Key="c",
                                            CopySource={"Bucket": "alices", "Key": "k"}),
        "GetBucketAcl": lambda: b.get_bucket_acl(Bucket="alices"),
        "PutBucketAcl": lambda: b.put_bucket_acl(Bucket="alices", ACL="private"),
        "GetObjectAcl": lambda: b.get_object_acl(Bucket="alices", Key="k"),
        "PutObjectAcl": lambda: b.put_object_acl(Bucket="alices", Key="k", ACL="private"),
        "GetBucketPolicy": lambda: b.get_bucket_policy(Bucket="alices"),
        "GetBucketCors": lambda: b.get_bucket_cors(Bucket="alices"),
        "PutBucketCors": lambda: b.put_bucket_cors(Bucket="alices", CORSConfiguration=cors),
        "DeleteBucketCors": lambda: b.delete_bucket_cors(Bucket="alices"),
        "GetBucketTagging": lambda: b.get_bucket_tagging(Bucket="alices"),
        "GetBucketVersioning": lambda: b.get_bucket_versioning(Bucket="alices"),
        "GetBucketRequestPayment": lambda: b.get_bucket_request_payment(Bucket="alices"),
        "GetBucketLifecycleConfiguration":
            lambda: b.get_bucket_lifecycle_configuration(Bucket="alices"),
        "PutBucketLifecycleConfiguration": lambda: b.put_bucket_lifecycle_configuration(
            Bucket="alices", LifecycleConfiguration={"Rules": [
                {"Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}]}),
        "DeleteBucketLifecycle": lambda: b.delete_bucket_lifecycle(Bucket="alices"),
        "GetBucketOwnershipControls": lambda: b.get_bucket_ownership_controls(Bucket="alices"),
        "PutBucketOwnershipControls":
            lambda: b.put_bucket_ownership_controls(Bucket="alices", OwnershipControls=own),
        "DeleteBucketOwnershipControls":
            lambda: b.delete_bucket_ownership_controls(Bucket="alices"),
        "GetPublicAccessBlock": lambda: b.get_public_access_block(Bucket="alices"),
        "PutPublicAccessBlock": lambda: b.put_public_access_block(
            Bucket="alices", PublicAccessBlockConfiguration={"BlockPublicAcls": False}),
        "DeletePublicAccessBlock": lambda: b.delete_public_access_block(Bucket="alices"),
        "CreateMultipartUpload": lambda: b.create_multipart_upload(Bucket="alices", Key="m2"),
        "UploadPart": lambda: b.upload_part(Bucket="alices", Key="mp", UploadId=uid,
                                            PartNumber=1, Body=b"p"),
        "UploadPartCopy": lambda: b.upload_part_copy(Bucket="alices", Key="mp", UploadId=uid,
                                                     PartNumber=1,
                                                     CopySource={"Bucket": "alices", "Key": "k"}),
        "CompleteMultipartUpload": lambda: b.complete_multipart_upload(
            Bucket="alices", Key="mp", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]}),
        "AbortMultipartUpload": lambda: b.abort_multipart_upload(Bucket="alices", Key="mp",
                                                                 UploadId=uid),
        "ListParts": lambda: b.list_parts(Bucket="alices", Key="mp", UploadId=uid),
        "ListMultipartUploads": lambda: b.list_multipart_uploads(Bucket="alices"),
    }
    wrong = {}
    for name, call in ops.items():
        try:
            call()
            wrong[name] = "allowed"
        except ClientError as e:
            st = e.response["ResponseMetadata"]["HTTPStatusCode"]
            if st != 403 or error_code(e) not in ("AccessDenied", "403"):
                wrong[name] = f"{st} {error_code(e)}"
    assert not wrong, wrong
    # nothing changed: the object, the upload, the bucket's settings
    assert a.get_object(Bucket="alices", Key="k")["Body"].read() == b"x"
    assert [x["UploadId"] for x in a.list_multipart_uploads(Bucket="alices")["Uploads"]] == [uid]
    assert code_of(a.get_bucket_cors, Bucket="alices") == "NoSuchCORSConfiguration"
    assert code_of(a.get_bucket_lifecycle_configuration, Bucket="alices") == \
        "NoSuchLifecycleConfiguration"
    assert a.get_bucket_ownership_controls(Bucket="alices")["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    keys = [o["Key"] for o in a.list_objects_v2(Bucket="alices")["Contents"]]
    assert keys == ["k"]
    # DeleteObjects: 200, each key refused on its own
    r = b.delete_objects(Bucket="alices", Delete={"Objects": [{"Key": "k"}, {"Key": "zz"}]})
    assert [(e["Key"], e["Code"]) for e in r["Errors"]] == [("k", "AccessDenied"),
                                                            ("zz", "AccessDenied")]
    assert "Deleted" not in r
    assert a.get_object(Bucket="alices", Key="k")["Body"].read() == b"x"


def test_anonymous_service_calls_are_denied(current):
    u = current
    assert code_of(u.anon.list_buckets) == "AccessDenied"
    assert code_of(u.anon.create_bucket, Bucket="anon-bucket") == "AccessDenied"
    assert code_of(u.alice.head_bucket, Bucket="anon-bucket") == "404"
    # a bucket that does not exist is NoSuchBucket to anyone, as in S3
    assert code_of(u.anon.list_objects_v2, Bucket="no-such-bucket") == "NoSuchBucket"


def test_copy_needs_get_object_on_the_source(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="src-bucket")
    u.alice.put_object(Bucket="src-bucket", Key="secret", Body=b"s")
    u.alice.put_object(Bucket="src-bucket", Key="shared", Body=b"p", GrantRead=f'id="{BOB_ID}"')
    u.bob.create_bucket(Bucket="bobs-bucket")
    assert code_of(u.bob.copy_object, Bucket="bobs-bucket", Key="c",
                   CopySource={"Bucket": "src-bucket", "Key": "secret"}) == "AccessDenied"
    assert code_of(u.bob.head_object, Bucket="bobs-bucket", Key="c") == "404"
    # a missing source key the caller may not list: AccessDenied, not NoSuchKey
    assert code_of(u.bob.copy_object, Bucket="bobs-bucket", Key="c",
                   CopySource={"Bucket": "src-bucket", "Key": "missing"}) == "AccessDenied"
    u.bob.copy_object(Bucket="bobs-bucket", Key="c",
                      CopySource={"Bucket": "src-bucket", "Key": "shared"})
    assert u.bob.get_object(Bucket="bobs-bucket", Key="c")["Body"].read() == b"p"
    uid = u.bob.create_multipart_upload(Bucket="bobs-bucket", Key="m")["UploadId"]
    assert code_of(u.bob.upload_part_copy, Bucket="bobs-bucket", Key="m", UploadId=uid,
                   PartNumber=1,
                   CopySource={"Bucket": "src-bucket", "Key": "secret"}) == "AccessDenied"
    assert u.bob.list_parts(Bucket="bobs-bucket", Key="m", UploadId=uid).get("Parts", []) == []


def wait_for_log(srv, pattern, timeout=30.0):
    """The access log line matching pattern (lines are written after the answer is sent)."""
    deadline = time.monotonic() + timeout
    while True:
        for line in srv.stdout().splitlines():
            if re.search(pattern, line):
                return line
        if time.monotonic() > deadline:
            raise AssertionError(f"no log line matches {pattern!r}:\n{srv.stdout()[-3000:]}")
        time.sleep(0.05)


def test_access_log_names_the_rule_that_decided(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="logged")
    u.alice.put_object(Bucket="logged", Key="pub", Body=b"x", ACL="public-read")
    u.alice.put_public_access_block(Bucket="logged",
                                    PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    code_of(u.bob.list_objects_v2, Bucket="logged")
    u.anon.get_object(Bucket="logged", Key="pub")
    code_of(u.alice.put_object_acl, Bucket="logged", Key="pub", ACL="public-read-write")
    wait_for_log(u.srv, r"^PUT /logged\?publicAccessBlock 200 .*\[s3:PutBucketPublicAccessBlock "
                        r"acl: bucket owner\]")
    wait_for_log(u.srv, r"^GET /logged\?list-type=2\S* 403 .*\[s3:ListBucket no grant\]")
    wait_for_log(u.srv, r"^GET /logged/pub 200 .*\[s3:GetObject acl: object grant\]")
    wait_for_log(u.srv, r"^PUT /logged/pub\?acl 403 .*\[s3:PutObjectAcl acl: object owner; "
                        r"pab: BlockPublicAcls\]")


def test_open_mode_logs_no_decisions(server_factory):
    srv = server_factory()
    s3 = srv.client()
    s3.create_bucket(Bucket="open")
    s3.list_objects_v2(Bucket="open")
    line = wait_for_log(srv, r"^GET /open\?list-type=2")
    assert "[" not in line
    # and anonymous requests do everything, as in fake-s3
    assert raw(srv.port, "PUT", "/open/k", body=b"x").status == 200
    assert raw(srv.port, "GET", "/open/k").body == b"x"


def test_aws_cli_public_read_object_is_readable_anonymously(legacy, tmp_path):
    u = legacy
    cli = AwsCli(tmp_path, u.srv.endpoint)
    base_env = cli.env
    cli.env = lambda: dict(base_env(), AWS_ACCESS_KEY_ID="AKALICE",
                           AWS_SECRET_ACCESS_KEY="alice-secret")
    cli("s3api", "create-bucket", "--bucket", "cli-bucket")
    (tmp_path / "f.txt").write_bytes(b"from the cli\n")
    cli("s3", "cp", str(tmp_path / "f.txt"), "s3://cli-bucket/f.txt")
    assert raw(u.srv.port, "GET", "/cli-bucket/f.txt").status == 403
    cli("s3api", "put-object-acl", "--bucket", "cli-bucket", "--key", "f.txt", "--acl",
        "public-read")
    r = raw(u.srv.port, "GET", "/cli-bucket/f.txt")
    assert (r.status, r.body) == (200, b"from the cli\n")
    acl = json.loads(cli("s3api", "get-object-acl", "--bucket", "cli-bucket", "--key",
                         "f.txt").stdout)
    assert {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"} in acl["Grants"]
    # the other user's CLI is refused
    cli.env = lambda: dict(base_env(), AWS_ACCESS_KEY_ID="AKBOB",
                           AWS_SECRET_ACCESS_KEY="bob-secret")
    r = cli("s3", "ls", "s3://cli-bucket/", check=False)
    assert r.returncode != 0 and "AccessDenied" in r.stderr
