"""The control namespace's common ground: /_fakes3/ answers on every host name and addressing
style (a compose alias, a virtual-host bucket, an AWS host name, an IP), JSON errors for unknown
calls and methods, and the one --access-key user being its admin."""

import json

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3lib import raw


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "fakes3:{port}",
                                  "my-bucket.fakes3:{port}", "my-bucket.s3.amazonaws.com",
                                  "s3.eu-west-1.amazonaws.com", "some.where.else.example"])
def test_answered_on_every_host(server, host):
    h = host.format(port=server.port)
    r = raw(server.port, "GET", "/_fakes3/health", host=h)
    assert r.status == 200 and json.loads(r.body) == {"status": "ok"}
    assert r.header("Content-Type") == "application/json"
    r = raw(server.port, "GET", "/_fakes3/info", host=h)
    assert r.status == 200 and json.loads(r.body)["mode"] == "open"


def test_control_wins_over_a_virtual_host_key(server, s3):
    """On a virtual-host name, /_fakes3/... is the control namespace, not a key of the bucket the
    host names (the README's limits): such keys stay reachable path-style."""
    s3.create_bucket(Bucket="my-bucket")
    s3.put_object(Bucket="my-bucket", Key="_fakes3/info", Body=b"a key")
    assert s3.get_object(Bucket="my-bucket", Key="_fakes3/info")["Body"].read() == b"a key"
    r = raw(server.port, "GET", "/_fakes3/info", host=f"my-bucket.fakes3:{server.port}")
    assert r.status == 200 and json.loads(r.body)["counts"] == {"buckets": 1, "objects": 1}


def test_unknown_call_and_method(server):
    r = raw(server.port, "GET", "/_fakes3/nothing")
    assert r.status == 404 and json.loads(r.body)["error"] == "NoSuchControlCall"
    r = raw(server.port, "DELETE", "/_fakes3/health")
    assert r.status == 405 and json.loads(r.body)["error"] == "MethodNotAllowed"
    r = raw(server.port, "POST", "/_fakes3/clock", b"[1, 2]",
            [("Content-Type", "application/json")])
    assert r.status == 400 and json.loads(r.body)["error"] == "MalformedJSON"


def test_the_access_key_user_is_the_admin(server_factory):
    srv = server_factory(args=["--access-key", "AKIDADMIN", "--secret-key", "s3cr3t"])
    assert raw(srv.port, "GET", "/_fakes3/info").status == 403
    # Signed by botocore's own SigV4 signer, as the pytest plugin signs.
    req = AWSRequest(method="GET", url=f"{srv.endpoint}/_fakes3/info")
    S3SigV4Auth(Credentials("AKIDADMIN", "s3cr3t"), "s3", "us-east-1").add_auth(req)
    r = raw(srv.port, "GET", "/_fakes3/info", headers=list(req.headers.items()))
    assert r.status == 200, r.body
    assert json.loads(r.body)["mode"] == "signed"
    req = AWSRequest(method="GET", url=f"{srv.endpoint}/_fakes3/info")
    S3SigV4Auth(Credentials("AKIDADMIN", "wrong"), "s3", "us-east-1").add_auth(req)
    r = raw(srv.port, "GET", "/_fakes3/info", headers=list(req.headers.items()))
    assert r.status == 403 and json.loads(r.body)["error"] == "SignatureDoesNotMatch"
