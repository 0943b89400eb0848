"""S3 Object Lock as Amazon S3 does it: buckets created with ObjectLockEnabledForBucket (versioning
Enabled, never Suspended), Put/GetObjectLockConfiguration and its default retention, the
x-amz-object-lock-* headers on PutObject and CreateMultipartUpload and on HEAD/GET, Put/Get
ObjectRetention (COMPLIANCE never shortened, GOVERNANCE only with x-amz-bypass-governance-retention),
Put/GetObjectLegalHold, and deletes of locked versions (403 AccessDenied; a delete without a
version id still adds a marker).

The oracle is Amazon S3's behaviour. Each detail that was looked up names its source: the AWS S3
API reference or user guide, or a suite run against S3 itself (moto tests marked aws_verified,
versitygw's DIRECT tests and issues quoting S3's answers, ceph's s3-tests). Where S3's exact
answer is not certain, only the status and error code are asserted.

Retention dates are far in the future, so nothing here waits for a lock to expire; GOVERNANCE
versions are removed with the bypass header where a test needs them gone. boto3 sends Content-MD5
(Debian's 1.26) or a CRC32 checksum (1.43) with every request that carries a body; the raw requests
here show what happens without one."""

import base64
import hashlib
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError

from s3lib import error_code, http_status, md5_hex, parse_xml, raw

FUTURE = datetime(2099, 1, 1, tzinfo=timezone.utc)
LATER = datetime(2099, 6, 1, tzinfo=timezone.utc)
SOONER = datetime(2098, 6, 1, tzinfo=timezone.utc)
ISO8601_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# --- helpers --------------------------------------------------------------------------------------
def show(r):
    return f"{r.status} {r.headers} {r.body[:600].decode('utf-8', 'replace')}"


def code(r):
    assert r.body, f"no error document: {show(r)}"
    return parse_xml(r.body).findtext("Code")


def client_error(fn, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return ei.value


def b64md5(b):
    return base64.b64encode(hashlib.md5(b).digest()).decode()


def lock_bucket(s3, bucket):
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    return bucket


def set_default(s3, bucket, mode, **period):
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": dict(Mode=mode, **period)}})


def put_locked(s3, bucket, key, body=b"locked", mode="GOVERNANCE", until=FUTURE, **kw):
    return s3.put_object(Bucket=bucket, Key=key, Body=body, ObjectLockMode=mode,
                         ObjectLockRetainUntilDate=until, **kw)["VersionId"]


def retention(s3, bucket, key, vid):
    return s3.get_object_retention(Bucket=bucket, Key=key, VersionId=vid)["Retention"]


def versions(s3, bucket):
    r = s3.list_object_versions(Bucket=bucket)
    return ([(v["Key"], v["VersionId"], v["IsLatest"]) for v in r.get("Versions", [])],
            [(m["Key"], m["VersionId"], m["IsLatest"]) for m in r.get("DeleteMarkers", [])])


# ==================================================================================================
# Buckets with Object Lock
# ==================================================================================================
def test_bucket_created_with_object_lock_has_versioning_enabled(s3):
    # User guide, "Enabling Object Lock": creating a bucket with Object Lock enables versioning
    # (versitygw Versioning_Enable_object_lock; s3-tests test_object_lock_put_obj_lock).
    lock_bucket(s3, "lk-ver")
    assert s3.get_bucket_versioning(Bucket="lk-ver")["Status"] == "Enabled"
    r = s3.get_object_lock_configuration(Bucket="lk-ver")
    assert r["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}, r
    vid = s3.put_object(Bucket="lk-ver", Key="k", Body=b"x")["VersionId"]
    assert vid not in (None, "null")
    # Without a default retention, an object written without lock headers is not locked.
    h = s3.head_object(Bucket="lk-ver", Key="k")
    assert not {"ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus"} & set(h)
    assert http_status(s3.delete_object(Bucket="lk-ver", Key="k", VersionId=vid)) == 204


def test_versioning_of_a_lock_bucket_cannot_be_suspended(s3):
    # 409 InvalidBucketState "An Object Lock configuration is present on this bucket, so the
    # versioning state cannot be changed." (S3's answer quoted with its status code in
    # aws-controllers-k8s/community issue 1872 and terraform-aws-modules/terraform-aws-s3-bucket
    # issue 90; s3-tests test_object_lock_suspend_versioning).
    lock_bucket(s3, "lk-susp")
    e = client_error(s3.put_bucket_versioning, Bucket="lk-susp",
                     VersioningConfiguration={"Status": "Suspended"})
    assert (error_code(e), http_status(e)) == ("InvalidBucketState", 409)
    assert s3.get_bucket_versioning(Bucket="lk-susp")["Status"] == "Enabled"
    # Enabled again changes nothing and is accepted (localstack PR 11768).
    s3.put_bucket_versioning(Bucket="lk-susp", VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket="lk-susp")["Status"] == "Enabled"


def test_object_lock_configuration_of_a_bucket_without_lock_is_not_found(s3):
    # s3-tests test_object_lock_get_obj_lock_invalid_bucket: 404
    # ObjectLockConfigurationNotFoundError, versioned or not.
    s3.create_bucket(Bucket="lk-none")
    e = client_error(s3.get_object_lock_configuration, Bucket="lk-none")
    assert (error_code(e), http_status(e)) == ("ObjectLockConfigurationNotFoundError", 404)
    s3.put_bucket_versioning(Bucket="lk-none", VersioningConfiguration={"Status": "Enabled"})
    e = client_error(s3.get_object_lock_configuration, Bucket="lk-none")
    assert (error_code(e), http_status(e)) == ("ObjectLockConfigurationNotFoundError", 404)


@pytest.mark.parametrize("mode,period", [
    ("GOVERNANCE", {"Days": 1}),
    ("COMPLIANCE", {"Years": 1}),
    ("GOVERNANCE", {"Years": 3}),
    ("COMPLIANCE", {"Days": 30}),
])
def test_put_and_get_default_retention(s3, mode, period):
    # s3-tests test_object_lock_get_obj_lock: GetObjectLockConfiguration answers what was put.
    lock_bucket(s3, "lk-def")
    conf = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": dict(Mode=mode, **period)}}
    r = s3.put_object_lock_configuration(Bucket="lk-def", ObjectLockConfiguration=conf)
    assert http_status(r) == 200
    assert s3.get_object_lock_configuration(Bucket="lk-def")["ObjectLockConfiguration"] == conf


def test_configuration_without_rule_removes_the_default_retention(s3):
    lock_bucket(s3, "lk-norule")
    set_default(s3, "lk-norule", "GOVERNANCE", Days=1)
    s3.put_object_lock_configuration(Bucket="lk-norule",
                                     ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    r = s3.get_object_lock_configuration(Bucket="lk-norule")
    assert r["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}, r
    s3.put_object(Bucket="lk-norule", Key="k", Body=b"x")
    assert "ObjectLockMode" not in s3.head_object(Bucket="lk-norule", Key="k")


@pytest.mark.parametrize("conf,err", [
    # s3-tests test_object_lock_put_obj_lock_with_days_and_years.
    ({"ObjectLockEnabled": "Enabled",
      "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}, "MalformedXML"),
    # versitygw issue 1738 quotes S3: InvalidArgument "Default retention period must be a
    # positive integer value.", ArgumentName Days.
    ({"ObjectLockEnabled": "Enabled",
      "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}}, "InvalidArgument"),
    # s3-tests test_object_lock_put_obj_lock_invalid_mode and _invalid_status.
    ({"ObjectLockEnabled": "Enabled",
      "Rule": {"DefaultRetention": {"Mode": "governance", "Days": 1}}}, "MalformedXML"),
    ({"ObjectLockEnabled": "Enabled",
      "Rule": {"DefaultRetention": {"Mode": "abc", "Days": 1}}}, "MalformedXML"),
    ({"ObjectLockEnabled": "Disabled",
      "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 1}}}, "MalformedXML"),
    # moto test_put_object_lock_misconfiguration (aws_verified): an empty configuration.
    ({}, "MalformedXML"),
], ids=["days-and-years", "zero-days", "lowercase-mode", "unknown-mode", "disabled", "empty"])
def test_invalid_object_lock_configuration(s3, conf, err):
    lock_bucket(s3, "lk-bad")
    set_default(s3, "lk-bad", "GOVERNANCE", Days=2)
    e = client_error(s3.put_object_lock_configuration, Bucket="lk-bad", ObjectLockConfiguration=conf)
    assert (error_code(e), http_status(e)) == (err, 400)
    # The configuration in place is unchanged.
    r = s3.get_object_lock_configuration(Bucket="lk-bad")["ObjectLockConfiguration"]
    assert r["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 2}


def test_object_lock_configuration_needs_versioning_enabled(s3):
    # moto test_put_object_lock_on_non_versioned_bucket (aws_verified): 409 InvalidBucketState
    # "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration";
    # s3-tests test_object_lock_put_obj_lock_enable_after_create: Suspended is refused alike,
    # and Enabled lets Object Lock be turned on for an existing bucket.
    conf = {"ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
    s3.create_bucket(Bucket="lk-late")
    e = client_error(s3.put_object_lock_configuration, Bucket="lk-late", ObjectLockConfiguration=conf)
    assert (error_code(e), http_status(e)) == ("InvalidBucketState", 409)
    s3.put_bucket_versioning(Bucket="lk-late", VersioningConfiguration={"Status": "Suspended"})
    e = client_error(s3.put_object_lock_configuration, Bucket="lk-late", ObjectLockConfiguration=conf)
    assert (error_code(e), http_status(e)) == ("InvalidBucketState", 409)
    s3.put_bucket_versioning(Bucket="lk-late", VersioningConfiguration={"Status": "Enabled"})
    assert http_status(s3.put_object_lock_configuration(Bucket="lk-late",
                                                        ObjectLockConfiguration=conf)) == 200
    assert s3.get_object_lock_configuration(Bucket="lk-late")["ObjectLockConfiguration"] == conf
    e = client_error(s3.put_bucket_versioning, Bucket="lk-late",
                     VersioningConfiguration={"Status": "Suspended"})
    assert (error_code(e), http_status(e)) == ("InvalidBucketState", 409)


# ==================================================================================================
# Lock headers on PutObject, and what HEAD/GET answer
# ==================================================================================================
def test_put_object_with_retention_and_legal_hold(server, s3):
    # s3-tests test_object_lock_uploading_obj; S3 API reference, HeadObject/GetObject response
    # headers x-amz-object-lock-mode, -retain-until-date (ISO 8601), -legal-hold.
    lock_bucket(s3, "lk-put")
    vid = put_locked(s3, "lk-put", "k", b"held", mode="GOVERNANCE", until=FUTURE,
                     ObjectLockLegalHoldStatus="ON")
    for r in (s3.head_object(Bucket="lk-put", Key="k"),
              s3.get_object(Bucket="lk-put", Key="k", VersionId=vid)):
        assert (r["ObjectLockMode"], r["ObjectLockRetainUntilDate"],
                r["ObjectLockLegalHoldStatus"]) == ("GOVERNANCE", FUTURE, "ON"), r
    r = raw(server.port, "HEAD", f"/lk-put/k?versionId={quote(vid, safe='')}")
    assert r.status == 200, show(r)
    assert r.header("x-amz-object-lock-mode") == "GOVERNANCE", show(r)
    assert r.header("x-amz-object-lock-legal-hold") == "ON", show(r)
    until = r.header("x-amz-object-lock-retain-until-date")
    assert until and ISO8601_RE.match(until) and until.startswith("2099-01-01T00:00:00"), show(r)
    assert retention(s3, "lk-put", "k", vid) == {"Mode": "GOVERNANCE", "RetainUntilDate": FUTURE}
    r = s3.get_object_legal_hold(Bucket="lk-put", Key="k", VersionId=vid)
    assert r["LegalHold"] == {"Status": "ON"}


def test_put_object_compliance_mode(s3):
    lock_bucket(s3, "lk-comp")
    vid = put_locked(s3, "lk-comp", "k", mode="COMPLIANCE", until=FUTURE)
    h = s3.head_object(Bucket="lk-comp", Key="k", VersionId=vid)
    assert (h["ObjectLockMode"], h["ObjectLockRetainUntilDate"]) == ("COMPLIANCE", FUTURE)
    assert "ObjectLockLegalHoldStatus" not in h


@pytest.mark.parametrize("headers,arg", [
    ({"ObjectLockMode": "GOVERNANCE"}, "retain-until-date"),
    ({"ObjectLockRetainUntilDate": FUTURE}, "mode"),
], ids=["mode-only", "date-only"])
def test_put_object_with_one_lock_header_of_two_is_invalid_argument(s3, headers, arg):
    # versitygw ParsObjectLockHdrs: InvalidArgument "x-amz-object-lock-retain-until-date and
    # x-amz-object-lock-mode must both be supplied."
    lock_bucket(s3, "lk-half")
    e = client_error(s3.put_object, Bucket="lk-half", Key="k", Body=b"x", **headers)
    assert (error_code(e), http_status(e)) == ("InvalidArgument", 400)
    assert versions(s3, "lk-half") == ([], [])


def test_put_object_with_a_past_retain_until_date_is_invalid_argument(s3):
    # versitygw: InvalidArgument "The retain until date must be in the future!".
    lock_bucket(s3, "lk-past")
    e = client_error(s3.put_object, Bucket="lk-past", Key="k", Body=b"x",
                     ObjectLockMode="GOVERNANCE",
                     ObjectLockRetainUntilDate=datetime(2001, 1, 1, tzinfo=timezone.utc))
    assert (error_code(e), http_status(e)) == ("InvalidArgument", 400)


def test_lock_requests_on_a_bucket_without_lock_are_invalid_request(s3):
    # moto test_fail_locked_object; versitygw ErrMissingObjectLockConfiguration (InvalidRequest
    # "Bucket is missing Object Lock Configuration"); s3-tests test_object_lock_put_obj_retention_
    # invalid_bucket, _get_obj_retention_invalid_bucket, _put_legal_hold_invalid_bucket,
    # _get_legal_hold_invalid_bucket: all 400 InvalidRequest.
    s3.create_bucket(Bucket="lk-plain")
    for kw in ({"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": FUTURE},
               {"ObjectLockLegalHoldStatus": "ON"}):
        e = client_error(s3.put_object, Bucket="lk-plain", Key="k", Body=b"x", **kw)
        assert (error_code(e), http_status(e)) == ("InvalidRequest", 400), kw
    s3.put_object(Bucket="lk-plain", Key="k", Body=b"x")
    calls = [
        (s3.put_object_retention, {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": FUTURE}}),
        (s3.get_object_retention, {}),
        (s3.put_object_legal_hold, {"LegalHold": {"Status": "ON"}}),
        (s3.get_object_legal_hold, {}),
    ]
    for fn, kw in calls:
        e = client_error(fn, Bucket="lk-plain", Key="k", **kw)
        assert (error_code(e), http_status(e)) == ("InvalidRequest", 400), fn
    # A versioned bucket without Object Lock is no different.
    s3.put_bucket_versioning(Bucket="lk-plain", VersioningConfiguration={"Status": "Enabled"})
    e = client_error(s3.put_object, Bucket="lk-plain", Key="k2", Body=b"x",
                     ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=FUTURE)
    assert (error_code(e), http_status(e)) == ("InvalidRequest", 400)


def test_lock_headers_need_content_md5_or_a_checksum(server, s3):
    # S3's answer quoted in versitygw issues 1535 and 1776: 400 InvalidRequest "Content-MD5 OR
    # x-amz-checksum- HTTP header is required for Put Object requests with Object Lock
    # parameters" -- for retention headers and for the legal hold header alone.
    lock_bucket(s3, "lk-md5")
    body = b"needs a digest"
    lock = [("x-amz-object-lock-mode", "GOVERNANCE"),
            ("x-amz-object-lock-retain-until-date", "2099-01-01T00:00:00Z")]
    for hs in (lock, [("x-amz-object-lock-legal-hold", "ON")]):
        r = raw(server.port, "PUT", "/lk-md5/k", body, hs)
        assert (r.status, code(r)) == (400, "InvalidRequest"), show(r)
    assert versions(s3, "lk-md5") == ([], [])
    r = raw(server.port, "PUT", "/lk-md5/k", body, lock + [("Content-MD5", b64md5(body))])
    assert r.status == 200, show(r)
    vid = r.header("x-amz-version-id")
    assert vid and vid != "null", show(r)
    h = s3.head_object(Bucket="lk-md5", Key="k", VersionId=vid)
    assert (h["ObjectLockMode"], h["ObjectLockRetainUntilDate"]) == ("GOVERNANCE", FUTURE)


def test_default_retention_needs_content_md5_or_a_checksum(server, s3):
    # A bucket with a default retention asks for a digest on every PutObject, lock headers or not
    # (the same InvalidRequest met by clients writing to such buckets on S3:
    # offen/docker-volume-backup issue 727, Altinity/clickhouse-backup issue 829).
    lock_bucket(s3, "lk-defmd5")
    set_default(s3, "lk-defmd5", "GOVERNANCE", Days=1)
    body = b"plain put"
    r = raw(server.port, "PUT", "/lk-defmd5/k", body)
    assert (r.status, code(r)) == (400, "InvalidRequest"), show(r)
    r = raw(server.port, "PUT", "/lk-defmd5/k", body, [("Content-MD5", b64md5(body))])
    assert r.status == 200, show(r)


def test_default_retention_applies_to_new_objects(server, s3):
    # User guide, "Bucket configuration": a default retention period places a retention of that
    # length, counted from the object's creation, on each new version written without one.
    lock_bucket(s3, "lk-apply")
    set_default(s3, "lk-apply", "GOVERNANCE", Days=1)
    t0 = datetime.now(timezone.utc)
    vid = s3.put_object(Bucket="lk-apply", Key="k", Body=b"x")["VersionId"]
    t1 = datetime.now(timezone.utc)
    h = s3.head_object(Bucket="lk-apply", Key="k")
    assert h["VersionId"] == vid and h["ObjectLockMode"] == "GOVERNANCE", h
    until = h["ObjectLockRetainUntilDate"]
    slack = timedelta(seconds=2)  # second-granular clocks on either side
    assert t0 + timedelta(days=1) - slack <= until <= t1 + timedelta(days=1) + slack, (t0, until)
    assert retention(s3, "lk-apply", "k", vid) == {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    e = client_error(s3.delete_object, Bucket="lk-apply", Key="k", VersionId=vid)
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    # Headers on the PUT win over the default (versitygw PR 1568).
    vid2 = put_locked(s3, "lk-apply", "k2", mode="COMPLIANCE", until=LATER)
    h = s3.head_object(Bucket="lk-apply", Key="k2", VersionId=vid2)
    assert (h["ObjectLockMode"], h["ObjectLockRetainUntilDate"]) == ("COMPLIANCE", LATER)


def test_multipart_upload_with_lock_headers(s3):
    # s3-tests test_object_lock_delete_multipart_object_with_retention.
    lock_bucket(s3, "lk-mpu")
    uid = s3.create_multipart_upload(Bucket="lk-mpu", Key="m", ObjectLockMode="GOVERNANCE",
                                     ObjectLockRetainUntilDate=FUTURE)["UploadId"]
    etag = s3.upload_part(Bucket="lk-mpu", Key="m", UploadId=uid, PartNumber=1, Body=b"abc")["ETag"]
    c = s3.complete_multipart_upload(Bucket="lk-mpu", Key="m", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})
    vid = c["VersionId"]
    assert vid not in (None, "null"), c
    h = s3.head_object(Bucket="lk-mpu", Key="m", VersionId=vid)
    assert (h["ObjectLockMode"], h["ObjectLockRetainUntilDate"]) == ("GOVERNANCE", FUTURE)
    e = client_error(s3.delete_object, Bucket="lk-mpu", Key="m", VersionId=vid)
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    d = s3.delete_object(Bucket="lk-mpu", Key="m", VersionId=vid, BypassGovernanceRetention=True)
    assert http_status(d) == 204


# ==================================================================================================
# Put/GetObjectRetention
# ==================================================================================================
def test_compliance_retention_cannot_be_shortened_or_weakened(s3):
    # s3-tests test_object_lock_changing_mode_from_compliance; user guide, "Retention modes":
    # in compliance mode a protected version can't be overwritten or deleted, its retention
    # mode can't be changed and its retention period can't be shortened -- by anyone.
    lock_bucket(s3, "lk-cshort")
    vid = put_locked(s3, "lk-cshort", "k", mode="COMPLIANCE", until=FUTURE)
    for ret, bypass in ((SOONER, False), (SOONER, True)):
        e = client_error(s3.put_object_retention, Bucket="lk-cshort", Key="k", VersionId=vid,
                         Retention={"Mode": "COMPLIANCE", "RetainUntilDate": ret},
                         BypassGovernanceRetention=bypass)
        assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    e = client_error(s3.put_object_retention, Bucket="lk-cshort", Key="k", VersionId=vid,
                     Retention={"Mode": "GOVERNANCE", "RetainUntilDate": LATER},
                     BypassGovernanceRetention=True)
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    assert retention(s3, "lk-cshort", "k", vid) == {"Mode": "COMPLIANCE", "RetainUntilDate": FUTURE}
    # Lengthening is allowed.
    s3.put_object_retention(Bucket="lk-cshort", Key="k", VersionId=vid,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": LATER})
    assert retention(s3, "lk-cshort", "k", vid) == {"Mode": "COMPLIANCE", "RetainUntilDate": LATER}


def test_governance_retention_shortened_only_with_bypass(s3):
    # s3-tests test_object_lock_put_obj_retention_shorten_period (403 AccessDenied) and
    # _shorten_period_bypass, _increase_period, _changing_mode_from_governance_with(out)_bypass;
    # ceph PR 42505, from tests on Amazon S3: GOVERNANCE becomes COMPLIANCE only with the bypass.
    lock_bucket(s3, "lk-gshort")
    vid = put_locked(s3, "lk-gshort", "k", mode="GOVERNANCE", until=FUTURE)
    e = client_error(s3.put_object_retention, Bucket="lk-gshort", Key="k", VersionId=vid,
                     Retention={"Mode": "GOVERNANCE", "RetainUntilDate": SOONER})
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    e = client_error(s3.put_object_retention, Bucket="lk-gshort", Key="k", VersionId=vid,
                     Retention={"Mode": "COMPLIANCE", "RetainUntilDate": FUTURE})
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    assert retention(s3, "lk-gshort", "k", vid) == {"Mode": "GOVERNANCE", "RetainUntilDate": FUTURE}
    s3.put_object_retention(Bucket="lk-gshort", Key="k", VersionId=vid,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": SOONER},
                            BypassGovernanceRetention=True)
    assert retention(s3, "lk-gshort", "k", vid) == {"Mode": "GOVERNANCE", "RetainUntilDate": SOONER}
    s3.put_object_retention(Bucket="lk-gshort", Key="k", VersionId=vid,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": LATER})
    assert retention(s3, "lk-gshort", "k", vid) == {"Mode": "GOVERNANCE", "RetainUntilDate": LATER}
    s3.put_object_retention(Bucket="lk-gshort", Key="k", VersionId=vid,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": LATER},
                            BypassGovernanceRetention=True)
    assert retention(s3, "lk-gshort", "k", vid) == {"Mode": "COMPLIANCE", "RetainUntilDate": LATER}


def test_retention_on_an_unlocked_version_and_without_version_id(s3):
    # s3-tests test_object_lock_put_obj_retention and _versionid: without a version id the
    # request is for the current version.
    lock_bucket(s3, "lk-ret")
    v1 = s3.put_object(Bucket="lk-ret", Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket="lk-ret", Key="k", Body=b"two")["VersionId"]
    s3.put_object_retention(Bucket="lk-ret", Key="k",
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": FUTURE})
    assert s3.get_object_retention(Bucket="lk-ret", Key="k")["Retention"] == \
        {"Mode": "GOVERNANCE", "RetainUntilDate": FUTURE}
    assert s3.head_object(Bucket="lk-ret", Key="k", VersionId=v2)["ObjectLockMode"] == "GOVERNANCE"
    assert "ObjectLockMode" not in s3.head_object(Bucket="lk-ret", Key="k", VersionId=v1)
    s3.put_object_retention(Bucket="lk-ret", Key="k", VersionId=v1,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": LATER})
    assert retention(s3, "lk-ret", "k", v1) == {"Mode": "COMPLIANCE", "RetainUntilDate": LATER}


@pytest.mark.parametrize("mode", ["governance", "abc"])
def test_retention_with_an_invalid_mode_is_malformed_xml(s3, mode):
    # s3-tests test_object_lock_put_obj_retention_invalid_mode.
    lock_bucket(s3, "lk-rmode")
    s3.put_object(Bucket="lk-rmode", Key="k", Body=b"x")
    e = client_error(s3.put_object_retention, Bucket="lk-rmode", Key="k",
                     Retention={"Mode": mode, "RetainUntilDate": FUTURE})
    assert (error_code(e), http_status(e)) == ("MalformedXML", 400)


def test_retention_until_a_past_date_is_refused(s3):
    lock_bucket(s3, "lk-rpast")
    s3.put_object(Bucket="lk-rpast", Key="k", Body=b"x")
    e = client_error(s3.put_object_retention, Bucket="lk-rpast", Key="k",
                     Retention={"Mode": "GOVERNANCE",
                                "RetainUntilDate": datetime(2001, 1, 1, tzinfo=timezone.utc)})
    assert http_status(e) == 400


# ==================================================================================================
# Legal hold
# ==================================================================================================
def test_legal_hold_blocks_deletes_even_with_bypass(server, s3):
    # moto test_put_object_legal_hold (aws_verified): with a legal hold ON, DeleteObject of the
    # version is AccessDenied even with BypassGovernanceRetention; OFF lets it go. s3-tests
    # test_object_lock_get_legal_hold.
    lock_bucket(s3, "lk-hold")
    vid = s3.put_object(Bucket="lk-hold", Key="k", Body=b"x")["VersionId"]
    s3.put_object_legal_hold(Bucket="lk-hold", Key="k", VersionId=vid, LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket="lk-hold", Key="k", VersionId=vid)["LegalHold"] == \
        {"Status": "ON"}
    h = s3.head_object(Bucket="lk-hold", Key="k")
    assert h["ObjectLockLegalHoldStatus"] == "ON" and "ObjectLockMode" not in h
    r = raw(server.port, "GET", "/lk-hold/k")
    assert (r.status, r.header("x-amz-object-lock-legal-hold")) == (200, "ON"), show(r)
    for bypass in (False, True):
        e = client_error(s3.delete_object, Bucket="lk-hold", Key="k", VersionId=vid,
                         BypassGovernanceRetention=bypass)
        assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    s3.put_object_legal_hold(Bucket="lk-hold", Key="k", VersionId=vid, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket="lk-hold", Key="k")["LegalHold"] == {"Status": "OFF"}
    assert http_status(s3.delete_object(Bucket="lk-hold", Key="k", VersionId=vid)) == 204
    assert versions(s3, "lk-hold") == ([], [])


def test_legal_hold_with_an_invalid_status_is_malformed_xml(s3):
    # s3-tests test_object_lock_put_legal_hold_invalid_status.
    lock_bucket(s3, "lk-hbad")
    s3.put_object(Bucket="lk-hbad", Key="k", Body=b"x")
    e = client_error(s3.put_object_legal_hold, Bucket="lk-hbad", Key="k", LegalHold={"Status": "abc"})
    assert (error_code(e), http_status(e)) == ("MalformedXML", 400)


# ==================================================================================================
# Deletes and overwrites of locked versions
# ==================================================================================================
@pytest.mark.parametrize("mode", ["GOVERNANCE", "COMPLIANCE"])
def test_locked_version_cannot_be_deleted_but_a_marker_can_be_added(server, s3, mode):
    # s3-tests test_object_lock_delete_object_with_retention(_and_marker); user guide, "How S3
    # Object Lock works": a lock protects a version; a DELETE without a version id only adds a
    # delete marker, and the marker itself can be removed.
    b = f"lk-del-{mode.lower()}"
    lock_bucket(s3, b)
    vid = put_locked(s3, b, "k", b"protected", mode=mode)
    e = client_error(s3.delete_object, Bucket=b, Key="k", VersionId=vid)
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    r = raw(server.port, "DELETE", f"/{b}/k?versionId={quote(vid, safe='')}")
    assert (r.status, code(r)) == (403, "AccessDenied"), show(r)
    d = s3.delete_object(Bucket=b, Key="k")
    assert http_status(d) == 204 and d["DeleteMarker"] is True
    mid = d["VersionId"]
    e = client_error(s3.get_object, Bucket=b, Key="k")
    assert (error_code(e), http_status(e)) == ("NoSuchKey", 404)
    assert versions(s3, b) == ([("k", vid, False)], [("k", mid, True)])
    assert s3.delete_object(Bucket=b, Key="k", VersionId=mid)["DeleteMarker"] is True
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"protected"
    # The bypass header lifts GOVERNANCE and nothing else.
    if mode == "COMPLIANCE":
        e = client_error(s3.delete_object, Bucket=b, Key="k", VersionId=vid,
                         BypassGovernanceRetention=True)
        assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
    else:
        d = s3.delete_object(Bucket=b, Key="k", VersionId=vid, BypassGovernanceRetention=True)
        assert http_status(d) == 204
        assert versions(s3, b) == ([], [])


def test_governance_version_deleted_with_bypass(s3):
    # s3-tests test_object_lock_delete_multipart_object_with_retention: with
    # x-amz-bypass-governance-retention the GOVERNANCE version goes (204).
    lock_bucket(s3, "lk-bypass")
    vid = put_locked(s3, "lk-bypass", "k", mode="GOVERNANCE")
    d = s3.delete_object(Bucket="lk-bypass", Key="k", VersionId=vid, BypassGovernanceRetention=True)
    assert http_status(d) == 204 and d["VersionId"] == vid
    assert versions(s3, "lk-bypass") == ([], [])


def test_delete_objects_reports_locked_versions(s3):
    # moto test_locked_object_governance_mode / _compliance_mode (aws_verified): a locked
    # version in DeleteObjects is an Error, Code AccessDenied, Message "Access Denied because
    # object protected by object lock."; s3-tests test_object_lock_multi_delete_object_with_
    # retention: the others in the batch are deleted, and the bypass lets GOVERNANCE go.
    lock_bucket(s3, "lk-batch")
    gov = put_locked(s3, "lk-batch", "gov", mode="GOVERNANCE")
    comp = put_locked(s3, "lk-batch", "comp", mode="COMPLIANCE")
    free = s3.put_object(Bucket="lk-batch", Key="free", Body=b"x")["VersionId"]
    r = s3.delete_objects(Bucket="lk-batch", Delete={"Objects": [
        {"Key": "gov", "VersionId": gov}, {"Key": "comp", "VersionId": comp},
        {"Key": "free", "VersionId": free}]})
    assert [(d["Key"], d["VersionId"]) for d in r.get("Deleted", [])] == [("free", free)], r
    errs = sorted(r["Errors"], key=lambda x: x["Key"])
    assert [(x["Key"], x["VersionId"], x["Code"]) for x in errs] == [
        ("comp", comp, "AccessDenied"), ("gov", gov, "AccessDenied")], r
    assert all(x["Message"] == "Access Denied because object protected by object lock."
               for x in errs), errs
    r = s3.delete_objects(Bucket="lk-batch", BypassGovernanceRetention=True, Delete={"Objects": [
        {"Key": "gov", "VersionId": gov}, {"Key": "comp", "VersionId": comp}]})
    assert [(d["Key"], d["VersionId"]) for d in r.get("Deleted", [])] == [("gov", gov)], r
    assert [(x["Key"], x["Code"]) for x in r["Errors"]] == [("comp", "AccessDenied")], r
    # Without version ids, markers: always allowed.
    r = s3.delete_objects(Bucket="lk-batch", Delete={"Objects": [{"Key": "comp"}]})
    assert r.get("Errors", []) == [] and r["Deleted"][0]["DeleteMarker"] is True, r


def test_a_locked_key_takes_new_versions(s3):
    # A lock protects one version; writing the key adds a version on top (user guide, "How S3
    # Object Lock works").
    lock_bucket(s3, "lk-over")
    vid = put_locked(s3, "lk-over", "k", b"locked", mode="COMPLIANCE")
    v2 = s3.put_object(Bucket="lk-over", Key="k", Body=b"newer")["VersionId"]
    assert v2 not in (None, "null", vid)
    assert s3.get_object(Bucket="lk-over", Key="k")["Body"].read() == b"newer"
    assert s3.get_object(Bucket="lk-over", Key="k", VersionId=vid)["Body"].read() == b"locked"
    assert "ObjectLockMode" not in s3.head_object(Bucket="lk-over", Key="k")
    assert http_status(s3.delete_object(Bucket="lk-over", Key="k", VersionId=v2)) == 204
    h = s3.head_object(Bucket="lk-over", Key="k")
    assert (h["VersionId"], h["ETag"]) == (vid, f'"{md5_hex(b"locked")}"')


def test_default_retention_applies_to_a_form_upload(server, s3):
    # PostObject makes a version like PutObject: the bucket's default retention locks it, and the
    # answer names the version (the open mode: the form needs no signature).
    lock_bucket(s3, "lk-form")
    set_default(s3, "lk-form", "COMPLIANCE", Days=2)
    boundary = "----fakes3LockForm"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nform.txt\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n"
            "Content-Type: text/plain\r\n\r\nfrom a form\r\n"
            f"--{boundary}--\r\n").encode()
    r = requests.post(f"{server.endpoint}/lk-form", data=body, timeout=30,
                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 204, r.text
    vid = r.headers["x-amz-version-id"]
    h = s3.head_object(Bucket="lk-form", Key="form.txt")
    assert (h["VersionId"], h["ObjectLockMode"]) == (vid, "COMPLIANCE"), h
    e = client_error(s3.delete_object, Bucket="lk-form", Key="form.txt", VersionId=vid)
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)
