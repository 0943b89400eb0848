"""Real owners: with --users, a bucket belongs to the user who created it, an object to the user
who wrote it (PutObject, CopyObject) and a completed multipart upload to its initiator.
ListBuckets lists the caller's buckets; the Owner (and Initiator, Grantee) elements name the real
user; CreateBucket of another user's bucket answers BucketAlreadyExists. Rows written before
owners were kept, and everything in the open mode, belong to the default owner fakes3 always
answered. Access between users is enforced (test_acl.py, test_access.py): the tests here that
write into another user's bucket start the server with --legacy-bucket-defaults (ObjectWriter, no
public access block) and open the bucket with an ACL; each ACL is read by who may read it."""

import hashlib
import json
import os
import shutil

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import disk_only, error_code, http_status, parse_xml, raw

DEFAULT_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
DEFAULT = {"ID": DEFAULT_ID, "DisplayName": "fakes3"}
ALICE_ID = "a11ce" + "0" * 59
ALICE = {"ID": ALICE_ID, "DisplayName": "Alice"}
# bob names himself but leaves his id to fakes3; carol gives neither
USERS = [
    {"access_key": "AKALICE", "secret_key": "alice-secret", "canonical_id": ALICE_ID,
     "display_name": "Alice"},
    {"access_key": "AKBOB", "secret_key": "bob-secret", "display_name": "Bob"},
    {"access_key": "AKCAROL", "secret_key": "carol-secret"},
]
# fakes3 derives a user's canonical id from its access key (hex SHA-256) and names it by its
# access key when the users file does not
BOB = {"ID": hashlib.sha256(b"AKBOB").hexdigest(), "DisplayName": "Bob"}
CAROL = {"ID": hashlib.sha256(b"AKCAROL").hexdigest(), "DisplayName": "AKCAROL"}
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "roots")
MIB = 1024 * 1024


def users_file(tmp_path, users=USERS):
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": users}))
    return str(p)


def client(srv, ak, sk):
    cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                 retries={"total_max_attempts": 1})
    return boto3.session.Session().client("s3", endpoint_url=srv.endpoint, region_name="us-east-1",
                                          aws_access_key_id=ak, aws_secret_access_key=sk,
                                          config=cfg)


class Users:
    """A server started with --users FILE of alice, bob and carol, and a client for each."""

    def __init__(self, srv):
        self.srv = srv
        self.alice = client(srv, "AKALICE", "alice-secret")
        self.bob = client(srv, "AKBOB", "bob-secret")
        self.carol = client(srv, "AKCAROL", "carol-secret")
        self.bob_owner = BOB
        self.carol_owner = CAROL


@pytest.fixture
def users(server_factory, tmp_path):
    return Users(server_factory(args=["--users", users_file(tmp_path)]))


@pytest.fixture
def legacy(server_factory, tmp_path):
    """Users on a server whose new buckets have S3's pre-2023 defaults: ACLs work."""
    return Users(server_factory(args=["--users", users_file(tmp_path),
                                      "--legacy-bucket-defaults"]))


AUTH_USERS = 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"'


def bucket_names(c):
    return [b["Name"] for b in c.list_buckets()["Buckets"]]


def owners_v1(c, bucket):
    return {o["Key"]: o["Owner"] for o in c.list_objects(Bucket=bucket)["Contents"]}


def owners_v2(c, bucket):
    return {o["Key"]: o["Owner"]
            for o in c.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]}


def acl_owner(acl):
    """The Owner of an ACL, after checking that its one grant is the owner's FULL_CONTROL."""
    assert len(acl["Grants"]) == 1, acl
    g = acl["Grants"][0]
    assert g["Permission"] == "FULL_CONTROL", acl
    assert g["Grantee"] == dict(acl["Owner"], Type="CanonicalUser"), acl
    return acl["Owner"]


def test_list_buckets_owner_is_the_caller(users):
    assert users.alice.list_buckets()["Owner"] == ALICE
    assert users.bob.list_buckets()["Owner"] == BOB
    assert users.carol.list_buckets()["Owner"] == CAROL


def test_list_buckets_shows_only_the_callers_buckets(users):
    users.alice.create_bucket(Bucket="alice-1")
    users.alice.create_bucket(Bucket="alice-2")
    users.bob.create_bucket(Bucket="bob-1")
    r = users.alice.list_buckets()
    assert [b["Name"] for b in r["Buckets"]] == ["alice-1", "alice-2"]
    assert r["Owner"] == ALICE
    r = users.bob.list_buckets()
    assert [b["Name"] for b in r["Buckets"]] == ["bob-1"]
    assert r["Owner"] == users.bob_owner
    assert bucket_names(users.carol) == []


def test_create_bucket_of_another_user_is_bucket_already_exists(users):
    users.alice.create_bucket(Bucket="taken")
    users.alice.put_object(Bucket="taken", Key="k", Body=b"alice's")
    for c in (users.bob, users.carol):
        with pytest.raises(ClientError) as e:
            c.create_bucket(Bucket="taken")
        assert (error_code(e.value), http_status(e.value)) == ("BucketAlreadyExists", 409)
        err = e.value.response["Error"]
        assert err["Message"] == ("The requested bucket name is not available. The bucket "
                                  "namespace is shared by all users of the system. Please select "
                                  "a different name and try again.")
        assert err["BucketName"] == "taken"
    # also with a CreateBucketConfiguration; nothing changed
    with pytest.raises(ClientError) as e:
        users.bob.create_bucket(Bucket="taken",
                                CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_code(e.value) == "BucketAlreadyExists"
    assert users.alice.get_bucket_location(Bucket="taken")["LocationConstraint"] is None
    assert acl_owner(users.alice.get_bucket_acl(Bucket="taken")) == ALICE
    assert users.alice.get_object(Bucket="taken", Key="k")["Body"].read() == b"alice's"
    assert bucket_names(users.bob) == []
    # your own bucket again: 200, as today (us-east-1)
    r = users.alice.create_bucket(Bucket="taken")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert bucket_names(users.alice) == ["taken"]


def test_deleted_bucket_name_is_free_for_another_user(users):
    users.alice.create_bucket(Bucket="reused")
    users.alice.delete_bucket(Bucket="reused")
    users.bob.create_bucket(Bucket="reused")
    assert bucket_names(users.bob) == ["reused"]
    assert bucket_names(users.alice) == []
    assert acl_owner(users.bob.get_bucket_acl(Bucket="reused")) == users.bob_owner


def test_object_written_by_bob_in_alices_bucket_is_bobs(legacy):
    users = legacy
    users.alice.create_bucket(Bucket="shared", ACL="public-read-write")
    users.alice.put_object(Bucket="shared", Key="by-alice", Body=b"a")
    users.bob.put_object(Bucket="shared", Key="by-bob", Body=b"b")
    want = {"by-alice": ALICE, "by-bob": users.bob_owner}
    for c in (users.alice, users.bob, users.carol):
        assert owners_v1(c, "shared") == want
        assert owners_v2(c, "shared") == want
        # v2 without fetch-owner sends no Owner
        assert all("Owner" not in o
                   for o in c.list_objects_v2(Bucket="shared")["Contents"])
        assert c.get_bucket_acl(Bucket="shared")["Owner"] == ALICE if c is users.alice else True
    # an object's ACL is its owner's to read (and the bucket owner's bucket ACL)
    assert acl_owner(users.bob.get_object_acl(Bucket="shared", Key="by-bob")) == users.bob_owner
    assert acl_owner(users.alice.get_object_acl(Bucket="shared", Key="by-alice")) == ALICE
    # an overwrite is the new writer's
    users.carol.put_object(Bucket="shared", Key="by-alice", Body=b"c")
    assert owners_v1(users.alice, "shared")["by-alice"] == users.carol_owner
    # the bucket stays alice's
    assert bucket_names(users.alice) == ["shared"]
    assert bucket_names(users.bob) == []


def test_copy_object_is_owned_by_the_copier(legacy):
    users = legacy
    users.alice.create_bucket(Bucket="src", ACL="public-read-write")
    users.alice.put_object(Bucket="src", Key="orig", Body=b"data", ACL="public-read")
    users.bob.create_bucket(Bucket="dst")
    users.bob.copy_object(Bucket="dst", Key="copy", CopySource={"Bucket": "src", "Key": "orig"})
    users.bob.copy_object(Bucket="src", Key="copy-here",
                          CopySource={"Bucket": "src", "Key": "orig"})
    # onto itself with REPLACE: the copier's now
    users.carol.copy_object(Bucket="src", Key="orig", CopySource={"Bucket": "src", "Key": "orig"},
                            MetadataDirective="REPLACE")
    assert owners_v1(users.bob, "dst") == {"copy": users.bob_owner}
    assert owners_v1(users.alice, "src") == {"copy-here": users.bob_owner,
                                             "orig": users.carol_owner}
    assert acl_owner(users.bob.get_object_acl(Bucket="dst", Key="copy")) == users.bob_owner


def test_put_that_creates_the_bucket_makes_it_the_writers(users):
    # fake-s3's bucket created on first PUT (no --strict): the writer owns it
    users.bob.put_object(Bucket="made-by-put", Key="k", Body=b"x")
    users.carol.create_multipart_upload(Bucket="made-by-mpu", Key="k")
    assert bucket_names(users.bob) == ["made-by-put"]
    assert bucket_names(users.carol) == ["made-by-mpu"]
    assert bucket_names(users.alice) == []
    assert acl_owner(users.bob.get_bucket_acl(Bucket="made-by-put")) == users.bob_owner


def multipart(c, bucket, key, parts=(b"a" * (5 * MIB), b"tail")):
    """An upload by c with its parts uploaded; (upload id, parts for Complete)."""
    uid = c.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    done = []
    for i, body in enumerate(parts, 1):
        r = c.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=i, Body=body)
        done.append({"PartNumber": i, "ETag": r["ETag"]})
    return uid, done


def test_multipart_upload_owner_is_its_initiator(legacy):
    users = legacy
    users.alice.create_bucket(Bucket="mpu", ACL="public-read-write")
    uid_b, parts_b = multipart(users.bob, "mpu", "by-bob")
    uid_a, parts_a = multipart(users.alice, "mpu", "by-alice", parts=(b"small",))
    for c in (users.alice, users.bob):
        ups = {u["Key"]: u for u in c.list_multipart_uploads(Bucket="mpu")["Uploads"]}
        assert (ups["by-bob"]["Initiator"], ups["by-bob"]["Owner"]) == (users.bob_owner,
                                                                        users.bob_owner)
        assert (ups["by-alice"]["Initiator"], ups["by-alice"]["Owner"]) == (ALICE, ALICE)
        lp = c.list_parts(Bucket="mpu", Key="by-bob", UploadId=uid_b)
        assert (lp["Initiator"], lp["Owner"]) == (users.bob_owner, users.bob_owner)
        assert [p["PartNumber"] for p in lp["Parts"]] == [1, 2]
    # alice completes bob's upload: the object is its initiator's, as ListParts's Owner said
    users.alice.complete_multipart_upload(Bucket="mpu", Key="by-bob", UploadId=uid_b,
                                          MultipartUpload={"Parts": parts_b})
    users.alice.complete_multipart_upload(Bucket="mpu", Key="by-alice", UploadId=uid_a,
                                          MultipartUpload={"Parts": parts_a})
    assert owners_v1(users.carol, "mpu") == {"by-alice": ALICE, "by-bob": users.bob_owner}
    assert acl_owner(users.bob.get_object_acl(Bucket="mpu", Key="by-bob")) == users.bob_owner


@disk_only("restarts on the same root")
def test_owners_survive_a_restart(legacy):
    users = legacy
    users.alice.create_bucket(Bucket="kept", ACL="public-read-write")
    users.bob.put_object(Bucket="kept", Key="k", Body=b"x")
    uid, _ = multipart(users.carol, "kept", "up", parts=(b"p",))
    users.srv.restart()
    users = Users(users.srv)
    assert bucket_names(users.alice) == ["kept"]
    assert bucket_names(users.bob) == []
    assert users.alice.get_bucket_acl(Bucket="kept")["Owner"] == ALICE
    assert owners_v1(users.alice, "kept") == {"k": users.bob_owner}
    u = users.alice.list_multipart_uploads(Bucket="kept")["Uploads"][0]
    assert (u["UploadId"], u["Initiator"], u["Owner"]) == (uid, users.carol_owner,
                                                          users.carol_owner)
    with pytest.raises(ClientError) as e:
        users.bob.create_bucket(Bucket="kept")
    assert error_code(e.value) == "BucketAlreadyExists"


@disk_only("restarts on the same root with other users")
def test_owner_no_longer_in_the_users_table_is_answered_by_id_alone(server_factory, tmp_path):
    srv = server_factory(args=["--users", users_file(tmp_path), "--legacy-bucket-defaults"])
    alice = client(srv, "AKALICE", "alice-secret")
    # readable by any user, so that bob can see who owns it
    alice.create_bucket(Bucket="orphan", GrantRead=AUTH_USERS, GrantReadACP=AUTH_USERS)
    alice.put_object(Bucket="orphan", Key="k", Body=b"x")
    srv.stop()
    # alice leaves the users file: what she owns keeps her id, which names no one now (S3 no
    # longer sends DisplayName at all; an id alone is what it answers)
    srv.args = ["--users", users_file(tmp_path, USERS[1:])]
    srv.start()
    bob = client(srv, "AKBOB", "bob-secret")
    assert bucket_names(bob) == []
    acl = bob.get_bucket_acl(Bucket="orphan")
    assert acl["Owner"] == {"ID": ALICE_ID}
    # grant headers replace the whole ACL, as in S3: the two group grants alone
    assert [g["Permission"] for g in acl["Grants"]] == ["READ", "READ_ACP"]
    assert owners_v1(bob, "orphan") == {"k": {"ID": ALICE_ID}}
    r = raw(srv.port, "GET", "/orphan?acl")  # unsigned: refused, the owner stays unnamed
    assert r.status == 403
    with pytest.raises(ClientError) as e:
        bob.create_bucket(Bucket="orphan")
    assert error_code(e.value) == "BucketAlreadyExists"


def test_open_mode_answers_the_default_owner_as_before(server_factory, tmp_path):
    srv = server_factory()
    s3 = srv.client()
    s3.create_bucket(Bucket="open")
    s3.create_bucket(Bucket="open")  # 200 again
    s3.put_object(Bucket="open", Key="k", Body=b"x")
    r = s3.list_buckets()
    assert (r["Owner"], bucket_names(s3)) == (DEFAULT, ["open"])
    assert owners_v1(s3, "open") == {"k": DEFAULT}
    assert owners_v2(s3, "open") == {"k": DEFAULT}
    assert acl_owner(s3.get_bucket_acl(Bucket="open")) == DEFAULT
    assert acl_owner(s3.get_object_acl(Bucket="open", Key="k")) == DEFAULT
    uid, _ = multipart(s3, "open", "up", parts=(b"p",))
    u = s3.list_multipart_uploads(Bucket="open")["Uploads"][0]
    assert (u["Initiator"], u["Owner"]) == (DEFAULT, DEFAULT)
    lp = s3.list_parts(Bucket="open", Key="up", UploadId=uid)
    assert (lp["Initiator"], lp["Owner"]) == (DEFAULT, DEFAULT)
    # the exact bytes fake-s3 users saw
    body = raw(srv.port, "GET", "/").body
    assert (b"<Owner><ID>" + DEFAULT_ID.encode() + b"</ID><DisplayName>fakes3</DisplayName>"
            b"</Owner>") in body


@disk_only("restarts on the same root in another mode")
def test_open_mode_lists_every_users_buckets(server_factory, tmp_path):
    # a root used with --users and then without: the open mode is one user who sees everything
    # (as fake-s3 did); the owners stay the users' ids
    srv = server_factory(args=["--users", users_file(tmp_path)])
    client(srv, "AKALICE", "alice-secret").create_bucket(Bucket="of-alice")
    client(srv, "AKBOB", "bob-secret").create_bucket(Bucket="of-bob")
    srv.stop()
    srv.args = []
    srv.start()
    s3 = srv.client()
    assert bucket_names(s3) == ["of-alice", "of-bob"]
    assert acl_owner(s3.get_bucket_acl(Bucket="of-alice")) == {"ID": ALICE_ID}
    s3.create_bucket(Bucket="of-alice")  # the open mode never answers BucketAlreadyExists


def old_root(tmp_path, name):
    root = tmp_path / name
    shutil.copytree(os.path.join(FIXTURES, name), root)
    return root


@disk_only("opens a root written by an older version")
def test_root_written_by_b8371cf_belongs_to_the_default_owner(server_factory, tmp_path):
    root = old_root(tmp_path, "main-b8371cf")
    srv = server_factory(root=root, args=["--users", users_file(tmp_path)])
    alice = client(srv, "AKALICE", "alice-secret")
    # the old bucket is the default owner's: no user lists it, nobody may take its name
    assert bucket_names(alice) == []
    assert acl_owner(alice.get_bucket_acl(Bucket="old-bucket")) == DEFAULT
    assert owners_v1(alice, "old-bucket") == {"hello.txt": DEFAULT}
    assert acl_owner(alice.get_object_acl(Bucket="old-bucket", Key="hello.txt")) == DEFAULT
    with pytest.raises(ClientError) as e:
        alice.create_bucket(Bucket="old-bucket")
    assert error_code(e.value) == "BucketAlreadyExists"
    # new writes into it are their writers'
    alice.put_object(Bucket="old-bucket", Key="new", Body=b"n")
    assert owners_v1(alice, "old-bucket") == {"hello.txt": DEFAULT, "new": ALICE}
    assert alice.get_object(Bucket="old-bucket", Key="hello.txt")["Body"].read() == \
        b"written by fakes3 b8371cf\n"
    # the upgrade is kept: the open mode reads the same
    srv.stop()
    srv.args = []
    srv.start()
    s3 = srv.client()
    assert bucket_names(s3) == ["old-bucket"]
    assert owners_v1(s3, "old-bucket") == {"hello.txt": DEFAULT, "new": {"ID": ALICE_ID}}


@disk_only("opens a root written by an older version")
def test_root_written_by_2ba572d_upload_in_progress_belongs_to_the_default_owner(server_factory,
                                                                                  tmp_path):
    # schema version 2: buckets, objects and uploads all gain their owner column
    root = old_root(tmp_path, "main-2ba572d")
    srv = server_factory(root=root, args=["--users", users_file(tmp_path)])
    bob = client(srv, "AKBOB", "bob-secret")
    assert bucket_names(bob) == []
    assert acl_owner(bob.get_bucket_acl(Bucket="old2-bucket")) == DEFAULT
    assert owners_v2(bob, "old2-bucket") == {"done.bin": DEFAULT, "hello.txt": DEFAULT}
    assert bob.get_object(Bucket="old2-bucket", Key="done.bin")["Body"].read() == b"one part\n"
    uid = "4fc7630310ae49d155bd5c8947930135"
    u = bob.list_multipart_uploads(Bucket="old2-bucket")["Uploads"]
    assert [(x["UploadId"], x["Initiator"], x["Owner"]) for x in u] == [(uid, DEFAULT, DEFAULT)]
    lp = bob.list_parts(Bucket="old2-bucket", Key="pending.bin", UploadId=uid)
    assert (lp["Initiator"], lp["Owner"]) == (DEFAULT, DEFAULT)
    # bob completes it: the object is the initiator's, the default owner's
    bob.complete_multipart_upload(
        Bucket="old2-bucket", Key="pending.bin", UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1,
                                    "ETag": '"7eedc4aad85e2ba33b2f3e023ab46283"'}]})
    assert owners_v1(bob, "old2-bucket")["pending.bin"] == DEFAULT
    assert bob.get_object(Bucket="old2-bucket", Key="pending.bin")["Body"].read() == \
        b"pending part\n"
    # a new upload in the old root is its initiator's
    uid2, parts = multipart(bob, "old2-bucket", "new.bin", parts=(b"n",))
    u = {x["Key"]: x for x in bob.list_multipart_uploads(Bucket="old2-bucket")["Uploads"]}
    assert (u["new.bin"]["Initiator"], u["new.bin"]["Owner"]) == (BOB, BOB)


def test_object_uploaded_by_post_form_is_the_signers(legacy):
    """PostObject: the object belongs to the user whose keys signed the form (the merge of owners
    and PostObject first left it with the default owner)."""
    import requests
    users = legacy
    users.alice.create_bucket(Bucket="forms", ACL="public-read-write")
    post = users.bob.generate_presigned_post("forms", "by-bob.txt", ExpiresIn=600)
    resp = requests.post(post["url"], data=post["fields"],
                         files={"file": ("f.txt", b"posted by bob")}, timeout=30)
    assert resp.status_code == 204, resp.text
    assert owners_v1(users.alice, "forms")["by-bob.txt"] == users.bob_owner
    assert users.bob.get_object_acl(Bucket="forms", Key="by-bob.txt")["Owner"] == users.bob_owner
