"""Users and clients shared by test_acl.py and test_access.py: alice (the bucket owner in most
tests), bob (another user) and carol, each with an e-mail address, and an unsigned client for
anonymous requests."""

import hashlib
import json

import boto3
from botocore import UNSIGNED
from botocore.config import Config

ALICE_ID = "a11ce" + "0" * 59
BOB_ID = hashlib.sha256(b"AKBOB").hexdigest()
CAROL_ID = hashlib.sha256(b"AKCAROL").hexdigest()
USERS = [
    {"access_key": "AKALICE", "secret_key": "alice-secret", "canonical_id": ALICE_ID,
     "display_name": "alice", "email": "alice@example.com"},
    {"access_key": "AKBOB", "secret_key": "bob-secret", "display_name": "bob",
     "email": "bob@example.com"},
    {"access_key": "AKCAROL", "secret_key": "carol-secret", "display_name": "carol",
     "email": "carol@example.com"},
]
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def users_file(tmp_path):
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": USERS}))
    return str(p)


def _cfg(**kw):
    return Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}, **kw)


def client(srv, ak, sk):
    return boto3.session.Session().client("s3", endpoint_url=srv.endpoint,
                                          region_name="us-east-1", aws_access_key_id=ak,
                                          aws_secret_access_key=sk,
                                          config=_cfg(signature_version="s3v4"))


def anonymous(srv):
    return boto3.session.Session().client("s3", endpoint_url=srv.endpoint,
                                          region_name="us-east-1", aws_access_key_id="x",
                                          aws_secret_access_key="x",
                                          config=_cfg(signature_version=UNSIGNED))


class Users:
    def __init__(self, srv):
        self.srv = srv
        self.alice = client(srv, "AKALICE", "alice-secret")
        self.bob = client(srv, "AKBOB", "bob-secret")
        self.carol = client(srv, "AKCAROL", "carol-secret")
        self.anon = anonymous(srv)
