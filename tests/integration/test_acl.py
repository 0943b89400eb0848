"""ACLs as S3 keeps and enforces them, with users (alice, bob, carol) and anonymous callers:
canned ACLs on buckets and objects, grants by id, e-mail and group (headers and
AccessControlPolicy bodies) and S3's errors for bad ones, Object Ownership, public access
block. The matrix runs on a server with --legacy-bucket-defaults (ACLs enabled, as on S3
before 2023); the defaults of a plain --users server are tested on their own."""

import json

import pytest
from botocore.exceptions import ClientError

from acl_users import (ALICE_ID, ALL_USERS, AUTH_USERS, BOB_ID, CAROL_ID, Users, users_file)
from s3lib import error_code

CANNED = ["private", "public-read", "public-read-write", "authenticated-read"]


@pytest.fixture
def legacy(server_factory, tmp_path):
    return Users(server_factory(args=["--users", users_file(tmp_path),
                                      "--legacy-bucket-defaults"]))


@pytest.fixture
def current(server_factory, tmp_path):
    return Users(server_factory(args=["--users", users_file(tmp_path)]))


def denied(fn, code="AccessDenied", **kw):
    with pytest.raises(ClientError) as e:
        fn(**kw)
    assert error_code(e.value) == code, e.value.response
    return e.value


def allowed(fn, **kw):
    try:
        fn(**kw)
        return True
    except ClientError as e:
        if error_code(e) != "AccessDenied":
            raise
        return False


READERS = {"private": set(), "public-read": {"anon", "bob"}, "public-read-write": {"anon", "bob"},
           "authenticated-read": {"bob"}}
WRITERS = {"public-read-write": {"anon", "bob"}}


def test_bucket_acl_by_object_acl_matrix(legacy):
    u = legacy
    callers = {"alice": u.alice, "bob": u.bob, "anon": u.anon}
    for bacl in CANNED:
        b = f"m-{bacl}"
        u.alice.create_bucket(Bucket=b, ACL=bacl)
        for oacl in CANNED:
            u.alice.put_object(Bucket=b, Key=f"o-{oacl}", Body=b"data", ACL=oacl)
            for who in callers:
                u.alice.put_object(Bucket=b, Key=f"del-{who}-{oacl}", Body=b"d", ACL=oacl)
    failures = []
    for bacl in CANNED:
        b = f"m-{bacl}"
        for oacl in CANNED:
            key = f"o-{oacl}"
            for who, c in callers.items():
                owner = who == "alice"
                want = {
                    "list": owner or who in READERS[bacl],
                    "get": owner or who in READERS[oacl],
                    "head": owner or who in READERS[oacl],
                    "put": owner or who in WRITERS.get(bacl, ()),
                    "delete": owner or who in WRITERS.get(bacl, ()),
                    "get-object-acl": owner,
                    "put-object-acl": owner,
                    "get-bucket-acl": owner,
                    "put-bucket-acl": owner,
                }
                got = {
                    "list": allowed(c.list_objects_v2, Bucket=b),
                    "get": allowed(c.get_object, Bucket=b, Key=key),
                    "head": _head_ok(c, b, key),
                    "put": allowed(c.put_object, Bucket=b, Key=f"new-{who}-{oacl}", Body=b"n"),
                    "delete": allowed(c.delete_object, Bucket=b, Key=f"del-{who}-{oacl}"),
                    "get-object-acl": allowed(c.get_object_acl, Bucket=b, Key=key),
                    "put-object-acl": allowed(c.put_object_acl, Bucket=b, Key=key, ACL=oacl),
                    "get-bucket-acl": allowed(c.get_bucket_acl, Bucket=b),
                    "put-bucket-acl": allowed(c.put_bucket_acl, Bucket=b, ACL=bacl),
                }
                for op in want:
                    if want[op] != got[op]:
                        failures.append(f"bucket {bacl}, object {oacl}, {who}, {op}: "
                                        f"want {'allowed' if want[op] else 'denied'}")
                # a denied write changed nothing
                keys = {o["Key"] for o in u.alice.list_objects_v2(Bucket=b).get("Contents", [])}
                assert (f"new-{who}-{oacl}" in keys) == want["put"]
                assert (f"del-{who}-{oacl}" in keys) == (not want["delete"])
    assert not failures, "\n".join(failures)


def _head_ok(c, b, key):
    try:
        c.head_object(Bucket=b, Key=key)
        return True
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        return False


def test_missing_key_is_access_denied_to_who_may_not_list(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="closed")
    u.alice.create_bucket(Bucket="listable", ACL="public-read")
    denied(u.bob.get_object, Bucket="closed", Key="nothing")
    denied(u.anon.get_object, Bucket="closed", Key="nothing")
    denied(u.bob.get_object, Bucket="listable", Key="nothing", code="NoSuchKey")
    denied(u.anon.get_object, Bucket="listable", Key="nothing", code="NoSuchKey")
    denied(u.alice.get_object, Bucket="closed", Key="nothing", code="NoSuchKey")


def grants(acl):
    out = set()
    for g in acl["Grants"]:
        ge = g["Grantee"]
        out.add((ge.get("ID") or ge.get("URI"), g["Permission"]))
    return out


def test_grants_by_id_email_and_group_in_headers(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="grants")
    u.alice.put_object(Bucket="grants", Key="by-id", Body=b"1", GrantRead=f'id="{BOB_ID}"',
                       GrantFullControl=f'id="{ALICE_ID}"')
    assert u.bob.get_object(Bucket="grants", Key="by-id")["Body"].read() == b"1"
    denied(u.carol.get_object, Bucket="grants", Key="by-id")
    u.alice.put_object(Bucket="grants", Key="by-email", Body=b"2",
                       GrantRead='emailAddress="carol@example.com"',
                       GrantReadACP='emailAddress="bob@example.com"')
    acl = u.bob.get_object_acl(Bucket="grants", Key="by-email")
    # e-mail grants are answered as the canonical users they name, with display names
    assert {"Grantee": {"ID": CAROL_ID, "DisplayName": "carol", "Type": "CanonicalUser"},
            "Permission": "READ"} in acl["Grants"]
    assert acl["Owner"] == {"ID": ALICE_ID, "DisplayName": "alice"}
    assert u.carol.get_object(Bucket="grants", Key="by-email")["Body"].read() == b"2"
    denied(u.bob.get_object, Bucket="grants", Key="by-email")
    u.alice.put_object(Bucket="grants", Key="by-group", Body=b"3", GrantRead=f'uri="{AUTH_USERS}"')
    assert u.carol.get_object(Bucket="grants", Key="by-group")["Body"].read() == b"3"
    denied(u.anon.get_object, Bucket="grants", Key="by-group")
    u.alice.put_object_acl(Bucket="grants", Key="by-group", GrantRead=f'uri="{ALL_USERS}"')
    assert u.anon.get_object(Bucket="grants", Key="by-group")["Body"].read() == b"3"
    # a grant list: several grantees in one header
    u.alice.put_bucket_acl(Bucket="grants", GrantRead=f'id="{BOB_ID}", emailAddress="carol@example.com"',
                           GrantFullControl=f'id="{ALICE_ID}"')
    assert grants(u.alice.get_bucket_acl(Bucket="grants")) == {
        (BOB_ID, "READ"), (CAROL_ID, "READ"), (ALICE_ID, "FULL_CONTROL")}
    u.bob.list_objects_v2(Bucket="grants")
    u.carol.list_objects_v2(Bucket="grants")


def test_write_acp_and_read_acp_grants(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="acp")
    u.alice.put_object(Bucket="acp", Key="k", Body=b"x", GrantWriteACP=f'id="{BOB_ID}"',
                       GrantReadACP=f'id="{CAROL_ID}"', GrantFullControl=f'id="{ALICE_ID}"')
    u.carol.get_object_acl(Bucket="acp", Key="k")
    denied(u.carol.put_object_acl, Bucket="acp", Key="k", ACL="public-read")
    denied(u.bob.get_object_acl, Bucket="acp", Key="k")
    denied(u.bob.get_object, Bucket="acp", Key="k")
    u.bob.put_object_acl(Bucket="acp", Key="k", ACL="public-read")
    assert u.anon.get_object(Bucket="acp", Key="k")["Body"].read() == b"x"


def test_access_control_policy_body_round_trips(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="body")
    u.alice.put_object(Bucket="body", Key="k", Body=b"x")
    policy = {
        "Owner": {"ID": ALICE_ID},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": ALICE_ID}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "bob@example.com"},
             "Permission": "READ"},
            {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
             "Permission": "WRITE"},
        ],
    }
    u.alice.put_object_acl(Bucket="body", Key="k", AccessControlPolicy=policy)
    acl = u.alice.get_object_acl(Bucket="body", Key="k")
    assert acl["Grants"] == [
        {"Grantee": {"ID": ALICE_ID, "DisplayName": "alice", "Type": "CanonicalUser"},
         "Permission": "FULL_CONTROL"},
        {"Grantee": {"ID": BOB_ID, "DisplayName": "bob", "Type": "CanonicalUser"},
         "Permission": "READ"},
        {"Grantee": {"URI": "http://acs.amazonaws.com/groups/s3/LogDelivery", "Type": "Group"},
         "Permission": "WRITE"},
    ]
    assert u.bob.get_object(Bucket="body", Key="k")["Body"].read() == b"x"


@pytest.mark.parametrize("kw,code", [
    ({"GrantRead": 'emailAddress="nobody@example.com"'}, "UnresolvableGrantByEmailAddress"),
    ({"GrantRead": 'id="0123"'}, "InvalidArgument"),
    ({"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/Everyone"'}, "InvalidArgument"),
    ({"GrantRead": "nonsense"}, "InvalidArgument"),
    ({"ACL": "public-read", "GrantRead": f'id="{BOB_ID}"'}, "InvalidRequest"),
    ({"AccessControlPolicy": {"Owner": {"ID": ALICE_ID}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": ALICE_ID}, "Permission": "EVERYTHING"}]}},
     "MalformedACLError"),
    ({"AccessControlPolicy": {"Owner": {"ID": ALICE_ID}, "Grants": [
        {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "x@example.com"},
         "Permission": "READ"}]}}, "UnresolvableGrantByEmailAddress"),
])
def test_bad_acls_are_refused_and_change_nothing(legacy, kw, code):
    u = legacy
    u.alice.create_bucket(Bucket="bad")
    u.alice.put_object(Bucket="bad", Key="k", Body=b"x", ACL="public-read")
    before = u.alice.get_object_acl(Bucket="bad", Key="k")["Grants"]
    bucket_before = u.alice.get_bucket_acl(Bucket="bad")["Grants"]
    denied(u.alice.put_object_acl, Bucket="bad", Key="k", code=code, **kw)
    denied(u.alice.put_bucket_acl, Bucket="bad", code=code, **kw)
    assert u.alice.get_object_acl(Bucket="bad", Key="k")["Grants"] == before
    assert u.alice.get_bucket_acl(Bucket="bad")["Grants"] == bucket_before
    if "AccessControlPolicy" not in kw:
        denied(u.alice.put_object, Bucket="bad", Key="new", Body=b"y", code=code, **kw)
        denied(u.alice.head_object, Bucket="bad", Key="new", code="404")


def test_unknown_canned_acl_is_invalid_argument(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="canned")
    e = denied(u.alice.put_object, Bucket="canned", Key="k", Body=b"x", ACL="everyone",
               code="InvalidArgument")
    assert e.response["Error"]["ArgumentName"] == "x-amz-acl"


def test_acls_on_copy_and_multipart(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="copy-mpu")
    u.alice.put_object(Bucket="copy-mpu", Key="src", Body=b"s")
    u.alice.copy_object(Bucket="copy-mpu", Key="copy", CopySource={"Bucket": "copy-mpu", "Key": "src"},
                        ACL="public-read")
    assert u.anon.get_object(Bucket="copy-mpu", Key="copy")["Body"].read() == b"s"
    denied(u.anon.get_object, Bucket="copy-mpu", Key="src")
    uid = u.alice.create_multipart_upload(Bucket="copy-mpu", Key="mp", ACL="authenticated-read")[
        "UploadId"]
    etag = u.alice.upload_part(Bucket="copy-mpu", Key="mp", UploadId=uid, PartNumber=1,
                               Body=b"p")["ETag"]
    # the ACL is the object's once the upload completes
    u.alice.complete_multipart_upload(Bucket="copy-mpu", Key="mp", UploadId=uid,
                                      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert (AUTH_USERS, "READ") in grants(u.alice.get_object_acl(Bucket="copy-mpu", Key="mp"))
    assert u.carol.get_object(Bucket="copy-mpu", Key="mp")["Body"].read() == b"p"
    denied(u.anon.get_object, Bucket="copy-mpu", Key="mp")


# ---- Object Ownership ---------------------------------------------------------------------------

def test_new_buckets_get_s3s_current_defaults(current):
    u = current
    u.alice.create_bucket(Bucket="new")
    r = u.alice.get_bucket_ownership_controls(Bucket="new")["OwnershipControls"]
    assert r == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert u.alice.get_public_access_block(Bucket="new")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}
    # ACLs are off: only bucket-owner-full-control (or its equivalent) is accepted
    denied(u.alice.put_object, Bucket="new", Key="k", Body=b"x", ACL="public-read",
           code="AccessControlListNotSupported")
    denied(u.alice.put_object, Bucket="new", Key="k", Body=b"x", GrantRead=f'id="{BOB_ID}"',
           code="AccessControlListNotSupported")
    u.alice.put_object(Bucket="new", Key="k", Body=b"x", ACL="bucket-owner-full-control")
    u.alice.put_object(Bucket="new", Key="k2", Body=b"x")
    denied(u.alice.put_bucket_acl, Bucket="new", ACL="public-read",
           code="AccessControlListNotSupported")
    denied(u.alice.put_object_acl, Bucket="new", Key="k", ACL="authenticated-read",
           code="AccessControlListNotSupported")
    # reading ACLs still works
    assert grants(u.alice.get_bucket_acl(Bucket="new")) == {(ALICE_ID, "FULL_CONTROL")}
    denied(u.alice.create_bucket, Bucket="new-public", ACL="public-read",
           code="InvalidBucketAclWithObjectOwnership")
    denied(u.alice.head_bucket, Bucket="new-public", code="404")
    # the other user has no way in without a policy
    denied(u.bob.put_object, Bucket="new", Key="b", Body=b"x")
    denied(u.bob.get_object, Bucket="new", Key="k")


def test_legacy_defaults_have_no_controls_and_no_public_access_block(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="old-style")
    denied(u.alice.get_bucket_ownership_controls, Bucket="old-style",
           code="OwnershipControlsNotFoundError")
    denied(u.alice.get_public_access_block, Bucket="old-style",
           code="NoSuchPublicAccessBlockConfiguration")
    u.alice.put_bucket_acl(Bucket="old-style", ACL="public-read")


def test_create_bucket_with_object_ownership_header(current):
    u = current
    u.alice.create_bucket(Bucket="writer", ObjectOwnership="ObjectWriter")
    assert u.alice.get_bucket_ownership_controls(Bucket="writer")["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    # ACLs on, but the default public access block still refuses public ones
    denied(u.alice.put_bucket_acl, Bucket="writer", ACL="public-read")
    u.alice.put_bucket_acl(Bucket="writer", GrantWrite=f'id="{BOB_ID}"',
                           GrantFullControl=f'id="{ALICE_ID}"')
    u.bob.put_object(Bucket="writer", Key="by-bob", Body=b"b")
    owners = {o["Key"]: o["Owner"]["ID"] for o in u.alice.list_objects(Bucket="writer")["Contents"]}
    assert owners == {"by-bob": BOB_ID}
    e = denied(u.alice.create_bucket, Bucket="bad-own", ObjectOwnership="Mine",
               code="InvalidArgument")
    assert e.response["Error"]["ArgumentName"] == "x-amz-object-ownership"


def test_ownership_controls_each_setting_with_writes_by_the_other_user(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="own", ACL="public-read-write")
    owner_of = lambda k: {o["Key"]: o["Owner"]["ID"]  # noqa: E731
                          for o in u.alice.list_objects(Bucket="own")["Contents"]}[k]
    # ObjectWriter: the writer owns it; the bucket owner may not read it
    u.alice.put_bucket_ownership_controls(
        Bucket="own", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    u.bob.put_object(Bucket="own", Key="w", Body=b"w")
    assert owner_of("w") == BOB_ID
    denied(u.alice.get_object, Bucket="own", Key="w")
    u.bob.put_object(Bucket="own", Key="w-bofc", Body=b"w", ACL="bucket-owner-full-control")
    assert owner_of("w-bofc") == BOB_ID
    assert u.alice.get_object(Bucket="own", Key="w-bofc")["Body"].read() == b"w"
    # BucketOwnerPreferred: bucket-owner-full-control hands the object to the bucket owner
    u.alice.put_bucket_ownership_controls(
        Bucket="own", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    u.bob.put_object(Bucket="own", Key="p", Body=b"p", ACL="bucket-owner-full-control")
    assert owner_of("p") == ALICE_ID
    u.bob.put_object(Bucket="own", Key="p-plain", Body=b"p")
    assert owner_of("p-plain") == BOB_ID
    # BucketOwnerEnforced: refused while the bucket's ACL grants others
    denied(u.alice.put_bucket_ownership_controls, Bucket="own",
           OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
           code="InvalidBucketAclWithObjectOwnership")
    u.alice.put_bucket_acl(Bucket="own", ACL="private")
    u.alice.put_bucket_ownership_controls(
        Bucket="own", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    # ACLs are off: alice owns and reads bob's object, bob's write grant no longer counts
    assert u.alice.get_object(Bucket="own", Key="w")["Body"].read() == b"w"
    assert grants(u.alice.get_object_acl(Bucket="own", Key="w")) == {(ALICE_ID, "FULL_CONTROL")}
    denied(u.bob.put_object, Bucket="own", Key="e", Body=b"e")
    u.alice.put_object(Bucket="own", Key="e", Body=b"e")
    assert owner_of("e") == ALICE_ID
    u.alice.delete_bucket_ownership_controls(Bucket="own")
    denied(u.alice.get_bucket_ownership_controls, Bucket="own",
           code="OwnershipControlsNotFoundError")
    denied(u.bob.put_bucket_ownership_controls, Bucket="own",
           OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})


def test_malformed_ownership_controls_are_malformed_xml(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="mal")
    denied(u.alice.put_bucket_ownership_controls, Bucket="mal",
           OwnershipControls={"Rules": [{"ObjectOwnership": "Nobody"}]}, code="MalformedXML")
    denied(u.alice.get_bucket_ownership_controls, Bucket="mal",
           code="OwnershipControlsNotFoundError")


# ---- public access block ------------------------------------------------------------------------

def test_block_public_acls_refuses_public_acls(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="pab")
    u.alice.put_public_access_block(Bucket="pab", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True})
    assert u.alice.get_public_access_block(Bucket="pab")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False}
    denied(u.alice.put_bucket_acl, Bucket="pab", ACL="public-read")
    denied(u.alice.put_bucket_acl, Bucket="pab", GrantRead=f'uri="{AUTH_USERS}"')
    denied(u.alice.put_object, Bucket="pab", Key="k", Body=b"x", ACL="public-read")
    denied(u.alice.head_object, Bucket="pab", Key="k", code="404")
    u.alice.put_object(Bucket="pab", Key="k", Body=b"x", ACL="private")
    denied(u.alice.put_object_acl, Bucket="pab", Key="k", ACL="authenticated-read")
    u.alice.put_object_acl(Bucket="pab", Key="k", GrantRead=f'id="{BOB_ID}"')
    assert u.bob.get_object(Bucket="pab", Key="k")["Body"].read() == b"x"
    u.alice.delete_public_access_block(Bucket="pab")
    denied(u.alice.get_public_access_block, Bucket="pab",
           code="NoSuchPublicAccessBlockConfiguration")
    u.alice.put_bucket_acl(Bucket="pab", ACL="public-read")


def test_ignore_public_acls_ignores_public_grants(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="ign", ACL="public-read")
    u.alice.put_object(Bucket="ign", Key="k", Body=b"x", ACL="public-read")
    u.alice.put_object(Bucket="ign", Key="bob", Body=b"b", GrantRead=f'id="{BOB_ID}"')
    assert u.anon.get_object(Bucket="ign", Key="k")["Body"].read() == b"x"
    u.anon.list_objects_v2(Bucket="ign")
    u.alice.put_public_access_block(Bucket="ign", PublicAccessBlockConfiguration={
        "IgnorePublicAcls": True})
    denied(u.anon.get_object, Bucket="ign", Key="k")
    denied(u.bob.get_object, Bucket="ign", Key="k")
    denied(u.anon.list_objects_v2, Bucket="ign")
    # grants to users are not public
    assert u.bob.get_object(Bucket="ign", Key="bob")["Body"].read() == b"b"
    # the public ACL is still there to read
    assert (ALL_USERS, "READ") in grants(u.alice.get_object_acl(Bucket="ign", Key="k"))
    u.alice.delete_public_access_block(Bucket="ign")
    assert u.anon.get_object(Bucket="ign", Key="k")["Body"].read() == b"x"


def test_public_access_block_is_the_bucket_owners(legacy):
    u = legacy
    u.alice.create_bucket(Bucket="pabo", ACL="public-read-write")
    denied(u.bob.put_public_access_block, Bucket="pabo",
           PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    denied(u.bob.get_public_access_block, Bucket="pabo")


def test_legacy_bucket_defaults_from_the_environment(server_factory, tmp_path):
    u = Users(server_factory(args=["--users", users_file(tmp_path)],
                             env={"FAKES3_LEGACY_BUCKET_DEFAULTS": "1"}))
    u.alice.create_bucket(Bucket="env-legacy", ACL="public-read")
    denied(u.alice.get_bucket_ownership_controls, Bucket="env-legacy",
           code="OwnershipControlsNotFoundError")
    u.anon.list_objects_v2(Bucket="env-legacy")


def test_open_mode_accepts_acls_as_fake_s3_did(server_factory):
    srv = server_factory()
    s3 = srv.client()
    s3.create_bucket(Bucket="open-acl", ACL="public-read")
    s3.put_object(Bucket="open-acl", Key="k", Body=b"x", ACL="public-read-write")
    s3.put_object_acl(Bucket="open-acl", Key="k", ACL="authenticated-read")
    # nothing kept, nothing enforced: the owner's FULL_CONTROL, as always
    acl = s3.get_object_acl(Bucket="open-acl", Key="k")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    s3.put_bucket_ownership_controls(
        Bucket="open-acl", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})


def _public_read_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def test_block_public_policy_refuses_public_policies(legacy):
    """BlockPublicPolicy: PutBucketPolicy of a public policy is AccessDenied and the old policy
    stays; a policy naming a user is not public and is accepted; without the block the public
    one is accepted."""
    u = legacy
    u.alice.create_bucket(Bucket="bpp")
    u.alice.put_public_access_block(Bucket="bpp", PublicAccessBlockConfiguration={
        "BlockPublicPolicy": True})
    bob_only = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"CanonicalUser": BOB_ID}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bpp/*"}]})
    u.alice.put_bucket_policy(Bucket="bpp", Policy=bob_only)
    denied(u.alice.put_bucket_policy, Bucket="bpp", Policy=_public_read_policy("bpp"))
    assert json.loads(u.alice.get_bucket_policy(Bucket="bpp")["Policy"]) == json.loads(bob_only)
    u.alice.delete_public_access_block(Bucket="bpp")
    u.alice.put_bucket_policy(Bucket="bpp", Policy=_public_read_policy("bpp"))
    assert u.alice.get_bucket_policy_status(Bucket="bpp")["PolicyStatus"]["IsPublic"] is True


def test_restrict_public_buckets_limits_a_public_policy_to_the_owners_account(legacy):
    """RestrictPublicBuckets: a public policy grants nothing to anonymous callers or to other
    accounts while the block is on; the grant comes back when it is removed."""
    u = legacy
    u.alice.create_bucket(Bucket="rpb")
    u.alice.put_object(Bucket="rpb", Key="k", Body=b"x")
    u.alice.put_bucket_policy(Bucket="rpb", Policy=_public_read_policy("rpb"))
    assert u.anon.get_object(Bucket="rpb", Key="k")["Body"].read() == b"x"
    assert u.bob.get_object(Bucket="rpb", Key="k")["Body"].read() == b"x"
    u.alice.put_public_access_block(Bucket="rpb", PublicAccessBlockConfiguration={
        "RestrictPublicBuckets": True})
    denied(u.anon.get_object, Bucket="rpb", Key="k")
    denied(u.bob.get_object, Bucket="rpb", Key="k")
    assert u.alice.get_object(Bucket="rpb", Key="k")["Body"].read() == b"x"
    u.alice.delete_public_access_block(Bucket="rpb")
    assert u.anon.get_object(Bucket="rpb", Key="k")["Body"].read() == b"x"
