"""Bucket policies enforced end to end: three users from a users file (each its own account),
alice owns the bucket, bob and carol (and anonymous callers) are judged by her policy: allow and
deny by principal (user ARN, account id, canonical id, "*"), action and resource wildcards, every
condition operator family with a true and a false case, Deny beating Allow, NotAction and
NotResource. Users map to ARNs as arn:aws:iam::<account_id>:user/<display_name>.

These need access_check (src/s3/access/access.c), written in another branch: until it is merged a
request no grant allows still succeeds, and every test here is skipped with that reason."""

import functools
import hashlib
import json
import subprocess
import tempfile
import time
import warnings

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import Server, error_code, free_port, port_open

BUCKET = "enforced"
ALICE_ACCT, BOB_ACCT, CAROL_ACCT = "111111111111", "222222222222", "333333333333"
BOB_ARN = f"arn:aws:iam::{BOB_ACCT}:user/bob"
CAROL_ARN = f"arn:aws:iam::{CAROL_ACCT}:user/carol"
BOB_CANONICAL = hashlib.sha256(b"AKBOB").hexdigest()
USERS = [
    {"access_key": "AKALICE", "secret_key": "alice-secret", "display_name": "alice",
     "account_id": ALICE_ACCT},
    {"access_key": "AKBOB", "secret_key": "bob-secret", "display_name": "bob",
     "account_id": BOB_ACCT},
    {"access_key": "AKCAROL", "secret_key": "carol-secret", "display_name": "carol",
     "account_id": CAROL_ACCT},
]


def write_users(path):
    path.write_text(json.dumps({"users": USERS}))
    return str(path)


def client(endpoint, ak=None, sk=None, verify=True):
    cfg = Config(signature_version=UNSIGNED if ak is None else "s3v4",
                 s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                 connect_timeout=5, read_timeout=60)
    kw = {} if ak is None else {"aws_access_key_id": ak, "aws_secret_access_key": sk}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                              config=cfg, verify=verify, **kw)


@functools.lru_cache(maxsize=1)
def access_check_missing():
    """Probe once: with users configured, may bob read alice's private object? Only a server
    without access_check lets him."""
    with tempfile.TemporaryDirectory() as d:
        import pathlib
        srv = Server(d, args=["--users", write_users(pathlib.Path(d) / "users.json")])
        srv.start()
        try:
            alice = client(srv.endpoint, "AKALICE", "alice-secret")
            bob = client(srv.endpoint, "AKBOB", "bob-secret")
            alice.create_bucket(Bucket="probe")
            alice.put_object(Bucket="probe", Key="k", Body=b"x")
            try:
                bob.get_object(Bucket="probe", Key="k")
                return True
            except ClientError:
                return False
        finally:
            srv.stop()


pytestmark = pytest.mark.skipif("access_check_missing()", reason="access_check not merged yet")


class World:
    def __init__(self, srv, https_port=None):
        self.srv = srv
        self.alice = client(srv.endpoint, "AKALICE", "alice-secret")
        self.bob = client(srv.endpoint, "AKBOB", "bob-secret")
        self.carol = client(srv.endpoint, "AKCAROL", "carol-secret")
        self.anon = client(srv.endpoint)
        if https_port:
            self.bob_tls = client(f"https://127.0.0.1:{https_port}", "AKBOB", "bob-secret",
                                  verify=False)
        self.alice.create_bucket(Bucket=BUCKET)
        # New buckets block public policies when users are configured (S3's default since 2023):
        # these tests are about evaluation, so the bucket's owner lifts the block.
        try:
            self.alice.delete_public_access_block(Bucket=BUCKET)
        except ClientError:
            pass
        for key in ("k", "public/p", "private/q", "home/bob/b", "home/carol/c", "secret/s"):
            self.alice.put_object(Bucket=BUCKET, Key=key, Body=b"alice's " + key.encode())

    def policy(self, *statements):
        doc = {"Version": "2012-10-17", "Statement": list(statements)}
        self.alice.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(doc))


def stmt(effect="Allow", principal=None, action="s3:GetObject", resource=f"arn:aws:s3:::{BUCKET}/*",
         **extra):
    s = {"Effect": effect, "Principal": principal if principal is not None else {"AWS": BOB_ARN},
         "Action": action, "Resource": resource}
    s.update(extra)
    return s


@pytest.fixture
def w(server_factory, tmp_path):
    return World(server_factory(args=["--users", write_users(tmp_path / "users.json")]))


def denied(call):
    with pytest.raises(ClientError) as e:
        call()
    assert error_code(e.value) == "AccessDenied", e.value.response
    return e.value


def get(c, key="k"):
    return c.get_object(Bucket=BUCKET, Key=key)["Body"].read()


# ---- principals ------------------------------------------------------------------------------

def test_no_policy_no_grant_denies_the_other_user(w):
    denied(lambda: get(w.bob))
    denied(lambda: get(w.anon))
    assert get(w.alice) == b"alice's k"


def test_allow_by_user_arn_admits_that_user_only(w):
    w.policy(stmt())
    assert get(w.bob) == b"alice's k"
    denied(lambda: get(w.carol))
    denied(lambda: get(w.anon))


def test_allow_by_account_id_and_root_arn(w):
    w.policy(stmt(principal={"AWS": BOB_ACCT}))
    assert get(w.bob) == b"alice's k"
    denied(lambda: get(w.carol))
    w.policy(stmt(principal={"AWS": f"arn:aws:iam::{CAROL_ACCT}:root"}))
    assert get(w.carol) == b"alice's k"
    denied(lambda: get(w.bob))


def test_allow_by_canonical_id(w):
    w.policy(stmt(principal={"CanonicalUser": BOB_CANONICAL}))
    assert get(w.bob) == b"alice's k"
    denied(lambda: get(w.carol))


def test_allow_star_admits_anonymous(w):
    w.policy(stmt(principal="*"))
    assert get(w.anon) == b"alice's k"
    assert get(w.carol) == b"alice's k"


def test_deny_with_not_principal_spares_only_the_named(w):
    w.policy(stmt(principal="*"),
             {"Effect": "Deny", "NotPrincipal": {"AWS": BOB_ARN}, "Action": "s3:GetObject",
              "Resource": f"arn:aws:s3:::{BUCKET}/*"})
    assert get(w.bob) == b"alice's k"
    denied(lambda: get(w.carol))
    denied(lambda: get(w.anon))


# ---- actions and resources -------------------------------------------------------------------

def test_action_wildcard(w):
    w.policy(stmt(action="s3:Get*"))
    assert get(w.bob) == b"alice's k"
    w.bob.head_object(Bucket=BUCKET, Key="k")  # HeadObject is s3:GetObject
    denied(lambda: w.bob.put_object(Bucket=BUCKET, Key="new", Body=b"b"))
    # a denied write changes nothing
    denied(lambda: w.bob.delete_object(Bucket=BUCKET, Key="k"))
    assert get(w.alice) == b"alice's k"
    with pytest.raises(ClientError) as e:
        w.alice.head_object(Bucket=BUCKET, Key="new")
    assert e.value.response["Error"]["Code"] in ("404", "NoSuchKey")


def test_s3_star_allows_writes(w):
    w.policy(stmt(action="s3:*", resource=[f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]))
    w.bob.put_object(Bucket=BUCKET, Key="by-bob", Body=b"b")
    assert [o["Key"] for o in w.bob.list_objects_v2(Bucket=BUCKET, Prefix="by-")["Contents"]] == [
        "by-bob"]
    w.bob.delete_object(Bucket=BUCKET, Key="by-bob")


def test_resource_wildcard(w):
    w.policy(stmt(resource=f"arn:aws:s3:::{BUCKET}/public/*"))
    assert get(w.bob, "public/p") == b"alice's public/p"
    denied(lambda: get(w.bob, "private/q"))


def test_resource_variable_gives_each_user_a_home(w):
    w.policy(stmt(principal={"AWS": [BOB_ARN, CAROL_ARN]},
                  resource=f"arn:aws:s3:::{BUCKET}/home/${{aws:username}}/*"))
    assert get(w.bob, "home/bob/b") == b"alice's home/bob/b"
    denied(lambda: get(w.bob, "home/carol/c"))
    assert get(w.carol, "home/carol/c") == b"alice's home/carol/c"


def test_not_action(w):
    w.policy({"Effect": "Allow", "Principal": {"AWS": BOB_ARN},
              "NotAction": ["s3:DeleteObject", "s3:ListBucket"],
              "Resource": f"arn:aws:s3:::{BUCKET}/*"})
    assert get(w.bob) == b"alice's k"
    w.bob.put_object(Bucket=BUCKET, Key="by-bob", Body=b"b")
    denied(lambda: w.bob.delete_object(Bucket=BUCKET, Key="by-bob"))


def test_not_resource(w):
    w.policy({"Effect": "Allow", "Principal": {"AWS": BOB_ARN}, "Action": "s3:GetObject",
              "NotResource": f"arn:aws:s3:::{BUCKET}/secret/*"})
    assert get(w.bob, "public/p") == b"alice's public/p"
    denied(lambda: get(w.bob, "secret/s"))


def test_deny_beats_allow(w):
    w.policy(stmt(action="s3:*"), stmt(effect="Deny", action="s3:DeleteObject"))
    w.bob.put_object(Bucket=BUCKET, Key="by-bob", Body=b"b")
    denied(lambda: w.bob.delete_object(Bucket=BUCKET, Key="by-bob"))
    assert get(w.bob, "by-bob") == b"b"


def test_deny_binds_the_bucket_owner_too(w):
    w.policy(stmt(effect="Deny", principal="*", resource=f"arn:aws:s3:::{BUCKET}/secret/*"))
    denied(lambda: get(w.alice, "secret/s"))
    assert get(w.alice, "public/p") == b"alice's public/p"
    # the owner may always change the policy back
    w.alice.delete_bucket_policy(Bucket=BUCKET)
    assert get(w.alice, "secret/s") == b"alice's secret/s"


# ---- conditions: one true and one false case per operator family ------------------------------

def cond(op, key, value, **kw):
    return stmt(Condition={op: {key: value}}, **kw)


def test_ip_address_condition_with_the_loopback_address(w):
    w.policy(cond("IpAddress", "aws:SourceIp", "127.0.0.0/8"))
    assert get(w.bob) == b"alice's k"
    w.policy(cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))
    denied(lambda: get(w.bob))
    w.policy(cond("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"))
    assert get(w.bob) == b"alice's k"


def test_string_condition_on_username(w):
    w.policy(cond("StringEquals", "aws:username", "bob", principal="*"))
    assert get(w.bob) == b"alice's k"
    denied(lambda: get(w.carol))
    w.policy(cond("StringNotEquals", "aws:username", "bob", principal={"AWS": [BOB_ARN, CAROL_ARN]}))
    assert get(w.carol) == b"alice's k"
    denied(lambda: get(w.bob))


def test_arn_condition_on_principal_arn(w):
    w.policy(cond("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/b*", principal="*"))
    assert get(w.bob) == b"alice's k"
    denied(lambda: get(w.carol))


def test_date_condition_on_current_time(w):
    w.policy(cond("DateLessThan", "aws:CurrentTime", "2100-01-01T00:00:00Z"))
    assert get(w.bob) == b"alice's k"
    w.policy(cond("DateGreaterThan", "aws:CurrentTime", "2100-01-01T00:00:00Z"))
    denied(lambda: get(w.bob))


def test_prefix_limited_listing(w):
    w.policy(cond("StringEquals", "s3:prefix", "home/bob/", action="s3:ListBucket",
                  resource=f"arn:aws:s3:::{BUCKET}"))
    keys = [o["Key"] for o in w.bob.list_objects_v2(Bucket=BUCKET, Prefix="home/bob/")["Contents"]]
    assert keys == ["home/bob/b"]
    denied(lambda: w.bob.list_objects_v2(Bucket=BUCKET, Prefix="home/carol/"))
    denied(lambda: w.bob.list_objects_v2(Bucket=BUCKET))


def test_numeric_condition_on_max_keys(w):
    w.policy(cond("NumericLessThanEquals", "s3:max-keys", "10", action="s3:ListBucket",
                  resource=f"arn:aws:s3:::{BUCKET}"))
    assert len(w.bob.list_objects_v2(Bucket=BUCKET, MaxKeys=5)["Contents"]) == 5
    denied(lambda: w.bob.list_objects_v2(Bucket=BUCKET, MaxKeys=50))


def test_put_requires_the_bucket_owner_full_control_acl(w):
    w.policy(cond("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control",
                  action="s3:PutObject"))
    w.bob.put_object(Bucket=BUCKET, Key="with-acl", Body=b"b", ACL="bucket-owner-full-control")
    denied(lambda: w.bob.put_object(Bucket=BUCKET, Key="without-acl", Body=b"b"))


def test_put_requires_the_encryption_header(w):
    w.policy(stmt(action="s3:PutObject"),
             cond("Null", "s3:x-amz-server-side-encryption", "true", effect="Deny",
                  action="s3:PutObject"))
    w.bob.put_object(Bucket=BUCKET, Key="sealed", Body=b"b", ServerSideEncryption="AES256")
    denied(lambda: w.bob.put_object(Bucket=BUCKET, Key="open", Body=b"b"))


def test_request_tag_condition_on_put(w):
    w.policy(cond("StringEquals", "s3:RequestObjectTag/team", "blue", action="s3:PutObject"))
    w.bob.put_object(Bucket=BUCKET, Key="blue", Body=b"b", Tagging="team=blue")
    denied(lambda: w.bob.put_object(Bucket=BUCKET, Key="red", Body=b"b", Tagging="team=red"))
    w.policy(cond("ForAllValues:StringEquals", "s3:RequestObjectTagKeys", ["team", "cost"],
                  action="s3:PutObject"))
    w.bob.put_object(Bucket=BUCKET, Key="two", Body=b"b", Tagging="team=x&cost=y")
    denied(lambda: w.bob.put_object(Bucket=BUCKET, Key="odd", Body=b"b", Tagging="owner=z"))


def test_existing_tag_condition_on_get(w):
    w.alice.put_object(Bucket=BUCKET, Key="tagged-blue", Body=b"b", Tagging="team=blue")
    w.alice.put_object(Bucket=BUCKET, Key="tagged-red", Body=b"r", Tagging="team=red")
    w.policy(cond("StringEquals", "s3:ExistingObjectTag/team", "blue"))
    assert get(w.bob, "tagged-blue") == b"b"
    denied(lambda: get(w.bob, "tagged-red"))


def test_if_exists_condition(w):
    w.policy(cond("StringEqualsIfExists", "s3:x-amz-acl", "bucket-owner-full-control",
                  action="s3:PutObject"))
    w.bob.put_object(Bucket=BUCKET, Key="no-acl", Body=b"b")
    denied(lambda: w.bob.put_object(Bucket=BUCKET, Key="other-acl", Body=b"b",
                                    ACL="bucket-owner-read"))


# ---- TLS: aws:SecureTransport ----------------------------------------------------------------

@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    crt, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=localhost", "-days", "1", "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=120)
    return crt, key


def test_bool_condition_on_secure_transport(server_factory, tmp_path, cert):
    hport = free_port()
    srv = server_factory(args=["--users", write_users(tmp_path / "users.json"), "--sslcert",
                               cert[0], "--sslkey", cert[1], "--https-port", str(hport)])
    deadline = time.monotonic() + 20
    while not port_open("127.0.0.1", hport):
        assert time.monotonic() < deadline, "HTTPS port never opened"
        time.sleep(0.05)
    w = World(srv, https_port=hport)
    w.policy(stmt(), cond("Bool", "aws:SecureTransport", "false", effect="Deny", principal="*"))
    assert get(w.bob_tls) == b"alice's k"
    denied(lambda: get(w.bob))
