"""RestoreObject and archived storage classes, as S3 answers them (API reference RestoreObject,
GetObject "InvalidObjectState"; user guide "Restoring an archived object"): a GLACIER or
DEEP_ARCHIVE object is not readable until restored; a restore here is done at once (202 the
first time, 200 when already restored), and x-amz-restore then tells its expiry, rounded up to
midnight UTC."""

import email.utils
import re
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from s3lib import disk_only, error_code, http_status, parse_xml, raw


def refused(fn, **kw):
    with pytest.raises(ClientError) as e:
        fn(**kw)
    return e.value


def test_archived_object_is_unreadable_until_restored(server, s3):
    s3.create_bucket(Bucket="arch")
    s3.put_object(Bucket="arch", Key="cold", Body=b"frozen bytes", StorageClass="GLACIER")
    # HEAD works and names the class; GET and a copy refuse with InvalidObjectState.
    h = s3.head_object(Bucket="arch", Key="cold")
    assert h["StorageClass"] == "GLACIER" and "Restore" not in h
    e = refused(s3.get_object, Bucket="arch", Key="cold")
    assert (http_status(e), error_code(e)) == (403, "InvalidObjectState")
    r = raw(server.port, "GET", "/arch/cold")
    assert r.status == 403
    assert parse_xml(r.body).find("StorageClass").text == "GLACIER"
    e = refused(s3.copy_object, Bucket="arch", Key="warm", CopySource={"Bucket": "arch", "Key": "cold"})
    assert (http_status(e), error_code(e)) == (403, "InvalidObjectState")

    before = datetime.now(timezone.utc)
    r = s3.restore_object(Bucket="arch", Key="cold", RestoreRequest={
        "Days": 2, "GlacierJobParameters": {"Tier": "Standard"}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    h = s3.head_object(Bucket="arch", Key="cold")
    m = re.fullmatch(r'ongoing-request="false", expiry-date="([^"]+)"', h["Restore"])
    assert m, h["Restore"]
    expiry = email.utils.parsedate_to_datetime(m.group(1))
    assert (expiry.hour, expiry.minute, expiry.second) == (0, 0, 0)
    assert before + timedelta(days=2) <= expiry <= datetime.now(timezone.utc) + timedelta(days=3)
    assert s3.get_object(Bucket="arch", Key="cold")["Body"].read() == b"frozen bytes"
    s3.copy_object(Bucket="arch", Key="warm", CopySource={"Bucket": "arch", "Key": "cold"})
    assert s3.get_object(Bucket="arch", Key="warm")["Body"].read() == b"frozen bytes"
    # A second restore of a restored object answers 200 and moves the expiry.
    r = s3.restore_object(Bucket="arch", Key="cold", RestoreRequest={"Days": 5})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    later = email.utils.parsedate_to_datetime(
        re.search(r'expiry-date="([^"]+)"', s3.head_object(Bucket="arch", Key="cold")["Restore"])
        .group(1))
    assert later - expiry == timedelta(days=3)


def test_restore_of_a_class_that_is_not_archived_is_refused(s3):
    s3.create_bucket(Bucket="notarch")
    for cls in ("STANDARD", "STANDARD_IA"):
        s3.put_object(Bucket="notarch", Key=cls, Body=b"x", StorageClass=cls)
        e = refused(s3.restore_object, Bucket="notarch", Key=cls, RestoreRequest={"Days": 1})
        assert (http_status(e), error_code(e)) == (403, "InvalidObjectState")
        assert "Restore is not allowed" in e.response["Error"]["Message"]
    e = refused(s3.restore_object, Bucket="notarch", Key="none", RestoreRequest={"Days": 1})
    assert error_code(e) == "NoSuchKey"


def test_restore_request_must_name_days(s3):
    s3.create_bucket(Bucket="nodays")
    s3.put_object(Bucket="nodays", Key="k", Body=b"x", StorageClass="DEEP_ARCHIVE")
    e = refused(s3.restore_object, Bucket="nodays", Key="k",
                RestoreRequest={"GlacierJobParameters": {"Tier": "Bulk"}})
    assert (http_status(e), error_code(e)) == (400, "MalformedXML")
    e = refused(s3.get_object, Bucket="nodays", Key="k")
    assert error_code(e) == "InvalidObjectState"


def test_restore_names_a_version(s3):
    s3.create_bucket(Bucket="vrest")
    s3.put_bucket_versioning(Bucket="vrest", VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket="vrest", Key="k", Body=b"one", StorageClass="GLACIER")["VersionId"]
    v2 = s3.put_object(Bucket="vrest", Key="k", Body=b"two", StorageClass="GLACIER")["VersionId"]
    r = s3.restore_object(Bucket="vrest", Key="k", VersionId=v1, RestoreRequest={"Days": 1})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert s3.get_object(Bucket="vrest", Key="k", VersionId=v1)["Body"].read() == b"one"
    e = refused(s3.get_object, Bucket="vrest", Key="k", VersionId=v2)
    assert error_code(e) == "InvalidObjectState"
    e = refused(s3.get_object, Bucket="vrest", Key="k")
    assert error_code(e) == "InvalidObjectState"


@disk_only("restarts on the same root")
def test_restored_state_survives_a_restart(server, s3):
    s3.create_bucket(Bucket="keep")
    s3.put_object(Bucket="keep", Key="k", Body=b"kept", StorageClass="GLACIER")
    s3.restore_object(Bucket="keep", Key="k", RestoreRequest={"Days": 1})
    server.restart()
    s3 = server.client()
    assert s3.get_object(Bucket="keep", Key="k")["Body"].read() == b"kept"
