"""Retries as real clients do them, seen through the request journal: the aws CLI and boto3
against fault rules that answer 503 SlowDown (/_fakes3/faults), each attempt counted with
/_fakes3/requests. What a suite would check of its own code's retry settings."""

import json
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import DUMMY_KEY_ID, DUMMY_SECRET


def ctl(server, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{server.endpoint}/_fakes3{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read() or b"{}")


def slowdown(server, op, times):
    st, rule = ctl(server, "POST", "/faults", {"match": {"op": op, "bucket": "retry-bucket"},
                                              "action": {"error": "SlowDown", "status": 503},
                                              "times": times})
    assert st == 201
    return rule["id"]


def attempts(server, op):
    st, j = ctl(server, "GET", f"/requests?op={op}&bucket=retry-bucket")
    assert st == 200
    return [(e["status"], e["error"]) for e in j["requests"]]


def boto(server, mode, max_attempts):
    return boto3.session.Session().client(
        "s3", endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id=DUMMY_KEY_ID, aws_secret_access_key=DUMMY_SECRET,
        config=Config(s3={"addressing_style": "path"},
                      retries={"mode": mode, "total_max_attempts": max_attempts}))


@pytest.mark.parametrize("mode", ["standard", "legacy", "adaptive"])
def test_boto3_retries_through_slowdown(server, mode):
    c = boto(server, mode, 4)
    c.create_bucket(Bucket="retry-bucket")
    slowdown(server, "PutObject", 2)
    r = c.put_object(Bucket="retry-bucket", Key="k", Body=b"data")
    assert r["ResponseMetadata"]["RetryAttempts"] == 2
    assert attempts(server, "PutObject") == [(503, "SlowDown"), (503, "SlowDown"), (200, None)]
    assert c.get_object(Bucket="retry-bucket", Key="k")["Body"].read() == b"data"


@pytest.mark.parametrize("mode", ["standard", "legacy"])
def test_boto3_gives_up_after_max_attempts(server, mode):
    c = boto(server, mode, 3)
    c.create_bucket(Bucket="retry-bucket")
    slowdown(server, "PutObject", 100)
    with pytest.raises(ClientError) as e:
        c.put_object(Bucket="retry-bucket", Key="k", Body=b"data")
    assert e.value.response["Error"]["Code"] == "SlowDown"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert e.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert attempts(server, "PutObject") == [(503, "SlowDown")] * 3
    # A request failed by a fault changed nothing.
    with pytest.raises(ClientError) as e:
        c.head_object(Bucket="retry-bucket", Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def aws_with(aws, extra):
    with open(aws.config, "a") as f:
        f.write(extra)


def test_aws_cli_retries_through_slowdown(server, aws, tmp_path):
    aws("s3api", "create-bucket", "--bucket", "retry-bucket")
    aws_with(aws, "retry_mode = standard\nmax_attempts = 4\n")
    src = tmp_path / "f.txt"
    src.write_bytes(b"hello")
    slowdown(server, "PutObject", 3)
    aws("s3", "cp", str(src), "s3://retry-bucket/f.txt")
    assert attempts(server, "PutObject") == [(503, "SlowDown")] * 3 + [(200, None)]
    r = aws("s3api", "head-object", "--bucket", "retry-bucket", "--key", "f.txt")
    assert json.loads(r.stdout)["ContentLength"] == 5


def test_aws_cli_gives_up(server, aws, tmp_path):
    aws("s3api", "create-bucket", "--bucket", "retry-bucket")
    aws_with(aws, "retry_mode = standard\nmax_attempts = 2\n")
    slowdown(server, "GetObject", 100)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    aws("s3api", "put-object", "--bucket", "retry-bucket", "--key", "k", "--body", str(empty))
    r = aws("s3api", "get-object", "--bucket", "retry-bucket", "--key", "k", str(tmp_path / "out"),
            check=False)
    assert r.returncode != 0
    assert "SlowDown" in r.stderr
    assert attempts(server, "GetObject") == [(503, "SlowDown")] * 2


def test_aws_cli_default_retry_mode_attempts(server, aws):
    """The CLI's default (legacy mode: 5 attempts in all), counted."""
    aws("s3api", "create-bucket", "--bucket", "retry-bucket")
    slowdown(server, "ListObjectsV2", 100)
    r = aws("s3api", "list-objects-v2", "--bucket", "retry-bucket", check=False)
    assert r.returncode != 0
    assert attempts(server, "ListObjectsV2") == [(503, "SlowDown")] * 5
