"""Testing against fakes3 with the pytest plugin (pip install ./clients/python): no conftest.py,
the fixtures `fakes3`, `s3` and `fakes3_bucket` come from the plugin."""

import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

SLOWDOWN = {"error": "SlowDown", "status": 503}


def test_server_starts(fakes3):
    assert fakes3.health() == {"status": "ok"}
    assert fakes3.info()["version"]
    fakes3.client().create_bucket(Bucket="made-before-any-reset")


def test_isolation_first(s3):
    s3.create_bucket(Bucket="first")
    s3.put_object(Bucket="first", Key="a.txt", Body=b"one")


def test_isolation_second(s3):
    # The `s3` fixture reset the server: nothing of the test before is left.
    assert s3.list_buckets()["Buckets"] == []


def test_journal(s3, fakes3, fakes3_bucket):
    s3.put_object(Bucket=fakes3_bucket, Key="report.csv", Body=b"a,b\n")
    with pytest.raises(ClientError):
        s3.get_object(Bucket=fakes3_bucket, Key="missing.csv")

    [put] = fakes3.requests(op="PutObject", bucket=fakes3_bucket)
    assert (put["key"], put["status"], put["request_body"]["bytes"]) == ("report.csv", 200, 4)
    [miss] = fakes3.wait_requests(error="NoSuchKey", count=1, timeout=10)
    assert (miss["op"], miss["key"], miss["status"]) == ("GetObject", "missing.csv", 404)


def test_retry_then_success(s3, fakes3, fakes3_bucket):
    with fakes3.fault(match={"op": "PutObject"}, action=SLOWDOWN, times=1):
        s3.put_object(Bucket=fakes3_bucket, Key="k", Body=b"x")  # boto3 retries once

    attempts = fakes3.requests(op="PutObject", bucket=fakes3_bucket)
    assert [a["status"] for a in attempts] == [503, 200]


def test_retry_gives_up(s3, fakes3, fakes3_bucket):
    with fakes3.fault(match={"op": "PutObject"}, action=SLOWDOWN, times=10):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=fakes3_bucket, Key="k", Body=b"x")

    assert e.value.response["Error"]["Code"] == "SlowDown"
    attempts = fakes3.requests(op="PutObject", bucket=fakes3_bucket)
    assert len(attempts) == s3.meta.config.retries["total_max_attempts"]  # 3: 1 try + 2 retries


def test_presigned_url_expires(s3, fakes3, fakes3_bucket):
    s3.put_object(Bucket=fakes3_bucket, Key="photo.jpg", Body=b"jpeg")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": fakes3_bucket, "Key": "photo.jpg"}, ExpiresIn=600)
    assert urllib.request.urlopen(url).read() == b"jpeg"

    fakes3.clock.advance(3600)  # an hour later
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url)
    assert e.value.code == 403 and b"Request has expired" in e.value.read()


def test_lifecycle_expiration(s3, fakes3, fakes3_bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=fakes3_bucket, LifecycleConfiguration={"Rules": [
        {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
         "Expiration": {"Days": 30}}]})
    s3.put_object(Bucket=fakes3_bucket, Key="logs/old.txt", Body=b"old")
    s3.put_object(Bucket=fakes3_bucket, Key="keep.txt", Body=b"kept")

    fakes3.clock.advance(31 * 24 * 3600)  # the lifecycle pass has run when this returns

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=fakes3_bucket).get("Contents", [])]
    assert keys == ["keep.txt"]


def test_snapshot_restore(s3, fakes3, fakes3_bucket):
    s3.put_object(Bucket=fakes3_bucket, Key="seed.json", Body=b"{}")
    fakes3.snapshot("seeded")
    s3.delete_object(Bucket=fakes3_bucket, Key="seed.json")

    fakes3.restore("seeded")
    assert s3.get_object(Bucket=fakes3_bucket, Key="seed.json")["Body"].read() == b"{}"
