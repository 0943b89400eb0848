"""Bucket lifecycle as Amazon S3 does it: Put/Get/DeleteBucketLifecycleConfiguration with S3's
validation and error codes, the x-amz-expiration header of GET, HEAD and PUT, and the lifecycle
worker applying the rules: expiration (delete markers in versioned buckets), noncurrent
expiration with NewerNoncurrentVersions, expired delete markers, incomplete uploads, transitions
(storage class in listings and HEAD), filters by prefix, tag and size, object lock.

Rules run in seconds on a server started with `--lifecycle-day-seconds 1` (a day lasts a second,
no rounding to midnight, a pass every second). Each effect is observed through listings and polled
for with a generous deadline, never a fixed sleep.

Sources for the behaviours: the S3 API reference (PutBucketLifecycleConfiguration, LifecycleRule,
LifecycleExpiration, Transition, GetObject's x-amz-expiration), the user guide's lifecycle pages
(expiration rounded to the next midnight UTC; supported transitions and the 30-day minimum for
STANDARD_IA/ONEZONE_IA; the 128 KB default minimum transition size), S3's error code list, ceph
s3-tests (test_lifecycle_*) and moto's test_s3_lifecycle.py."""

import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from botocore.exceptions import ClientError

from s3lib import clean_env, memory_mode, error_code, fakes3_bin, http_status, raw, xml_text

MIN_SIZE = "x-amz-transition-default-minimum-object-size"
BIG = 130 * 1024  # over S3's 128 KB default minimum for transitions


def until(cond, what, timeout=60.0):
    """Poll cond every 0.2 s until it is true (its value) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def put_lc(s3, bucket, rules):
    return s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                                 LifecycleConfiguration={"Rules": rules})


def refused(call, **kw):
    with pytest.raises(ClientError) as e:
        call(**kw)
    return http_status(e.value), error_code(e.value), e.value.response["Error"].get("Message")


def keys(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def versions(s3, bucket, prefix=""):
    r = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return r.get("Versions", []), r.get("DeleteMarkers", [])


def classes(s3, bucket):
    return {o["Key"]: o["StorageClass"] for o in
            s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


@pytest.fixture
def fast(server_factory):
    """A server whose lifecycle day lasts one second."""
    return server_factory(args=["--lifecycle-day-seconds", "1"])


@pytest.fixture
def fs3(fast):
    return fast.client()


# ==================================================================================================
# The configuration
# ==================================================================================================
def test_put_get_delete_configuration(server, s3):
    s3.create_bucket(Bucket="lc-bkt")
    st, code, _ = refused(s3.get_bucket_lifecycle_configuration, Bucket="lc-bkt")
    assert (st, code) == (404, "NoSuchLifecycleConfiguration")
    r = raw(server.port, "GET", "/lc-bkt?lifecycle")
    assert xml_text(r.xml(), "BucketName") == "lc-bkt"
    assert xml_text(r.xml(), "Message") == "The lifecycle configuration does not exist"
    # ceph s3-tests test_lifecycle_get: the rules come back as they were given
    rules = [{"ID": "test1/", "Expiration": {"Days": 31}, "Prefix": "test1/", "Status": "Enabled"},
             {"ID": "test2/", "Expiration": {"Days": 120}, "Prefix": "test2/",
              "Status": "Disabled"}]
    r = put_lc(s3, "lc-bkt", rules)
    assert http_status(r) == 200
    assert r["ResponseMetadata"]["HTTPHeaders"][MIN_SIZE.lower()] == "all_storage_classes_128K"
    g = s3.get_bucket_lifecycle_configuration(Bucket="lc-bkt")
    assert g["Rules"] == rules
    assert g["ResponseMetadata"]["HTTPHeaders"][MIN_SIZE.lower()] == "all_storage_classes_128K"
    # a configuration replaces the last one, every element of the V2 form reading back
    rules = [
        {"ID": "all", "Filter": {}, "Status": "Enabled",
         "Expiration": {"ExpiredObjectDeleteMarker": True},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 3}},
        {"ID": "and", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "a", "Value": "1"},
                                                          {"Key": "b", "Value": ""}],
                            "ObjectSizeGreaterThan": 100, "ObjectSizeLessThan": 1000000}},
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                         {"Days": 60, "StorageClass": "INTELLIGENT_TIERING"},
                         {"Days": 90, "StorageClass": "GLACIER"}],
         "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "ONEZONE_IA",
                                           "NewerNoncurrentVersions": 2}],
         "Expiration": {"Days": 365}},
        {"ID": "tag", "Status": "Disabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
         "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=timezone.utc)}},
        {"ID": "size", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 10},
         "Transitions": [{"Date": datetime(2030, 1, 1, tzinfo=timezone.utc),
                          "StorageClass": "DEEP_ARCHIVE"}]},
        {"ID": "prefix", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"Days": 1}},
    ]
    put_lc(s3, "lc-bkt", rules)
    assert s3.get_bucket_lifecycle_configuration(Bucket="lc-bkt")["Rules"] == rules
    # the document is S3's: namespace, element order
    body = raw(server.port, "GET", "/lc-bkt?lifecycle").body.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration '
                           'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>all</ID>'
                           '<Filter></Filter><Status>Enabled</Status><Expiration>'), body
    # kept across a restart (under --memory a restart starts empty)
    if not memory_mode():
        server.restart()
        s3 = server.client()
    assert s3.get_bucket_lifecycle_configuration(Bucket="lc-bkt")["Rules"] == rules
    r = s3.delete_bucket_lifecycle(Bucket="lc-bkt")
    assert http_status(r) == 204
    assert refused(s3.get_bucket_lifecycle_configuration, Bucket="lc-bkt")[:2] == \
        (404, "NoSuchLifecycleConfiguration")
    # 204 also when there is none (s3-tests test_lifecycle_delete)
    assert http_status(s3.delete_bucket_lifecycle(Bucket="lc-bkt")) == 204
    for call in (s3.get_bucket_lifecycle_configuration, s3.delete_bucket_lifecycle):
        assert refused(call, Bucket="no-such-bkt")[:2] == (404, "NoSuchBucket")
    assert refused(put_lc, s3=s3, bucket="no-such-bkt",
                   rules=[{"Prefix": "", "Status": "Enabled", "Expiration": {"Days": 1}}])[:2] == \
        (404, "NoSuchBucket")


def test_configuration_goes_with_its_bucket(s3):
    s3.create_bucket(Bucket="lc-gone")
    put_lc(s3, "lc-gone", [{"ID": "r", "Filter": {}, "Status": "Enabled",
                            "Expiration": {"Days": 1}}])
    s3.delete_bucket(Bucket="lc-gone")
    s3.create_bucket(Bucket="lc-gone")
    assert refused(s3.get_bucket_lifecycle_configuration, Bucket="lc-gone")[1] == \
        "NoSuchLifecycleConfiguration"


def test_rule_without_id_gets_one(s3):
    # s3-tests test_lifecycle_get_no_id; S3 names such a rule with the base64 of a UUID
    s3.create_bucket(Bucket="lc-noid")
    put_lc(s3, "lc-noid", [{"Expiration": {"Days": 31}, "Prefix": "test1/", "Status": "Enabled"},
                           {"Expiration": {"Days": 120}, "Prefix": "test2/", "Status": "Enabled"}])
    got = s3.get_bucket_lifecycle_configuration(Bucket="lc-noid")["Rules"]
    assert [r["Prefix"] for r in got] == ["test1/", "test2/"]
    ids = [r["ID"] for r in got]
    assert all(re.fullmatch(r"[A-Za-z0-9+/=]{48}", i) for i in ids), ids
    assert ids[0] != ids[1]
    # the same IDs on every read
    assert [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket="lc-noid")["Rules"]] \
        == ids


EXP1 = {"Days": 1}
V2 = {"Filter": {"Prefix": "p/"}, "Status": "Enabled"}

# (rules, S3's code, S3's message or None)
BAD = [
    # s3-tests test_lifecycle_invalid_status
    ([{"ID": "r", "Prefix": "a/", "Status": "enabled", "Expiration": EXP1}], "MalformedXML", None),
    ([{"ID": "r", "Prefix": "a/", "Status": "invalid", "Expiration": EXP1}], "MalformedXML", None),
    # moto: a rule needs a Filter or a Prefix, not both
    ([{"ID": "r", "Status": "Enabled", "Expiration": EXP1}], "MalformedXML", None),
    ([{"ID": "r", "Prefix": "", "Filter": {}, "Status": "Enabled", "Expiration": EXP1}],
     "MalformedXML", None),
    # moto: one predicate per Filter (And combines them)
    ([{"ID": "r", "Filter": {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}},
       "Status": "Enabled", "Expiration": EXP1}], "MalformedXML", None),
    ([{"ID": "r", "Filter": {"ObjectSizeGreaterThan": 1, "ObjectSizeLessThan": 9},
       "Status": "Enabled", "Expiration": EXP1}], "MalformedXML", None),
    # moto/aws-sdk-ruby#2350: ExpiredObjectDeleteMarker goes alone
    ([dict(V2, ID="r", Expiration={"Days": 1, "ExpiredObjectDeleteMarker": True})],
     "MalformedXML", None),
    ([dict(V2, ID="r", Expiration={"Days": 1,
                                   "Date": datetime(2030, 1, 1, tzinfo=timezone.utc)})],
     "MalformedXML", None),
    # moto: NoncurrentVersionExpiration needs NoncurrentDays; a transition needs its class
    ([dict(V2, ID="r", NoncurrentVersionExpiration={"NewerNoncurrentVersions": 1})],
     "MalformedXML", None),
    ([dict(V2, ID="r", Transitions=[{"Days": 1}])], "MalformedXML", None),
    ([dict(V2, ID="r", Transitions=[{"Days": 1, "StorageClass": "STANDARD"}])], "MalformedXML",
     None),
    # S3's error code list: InvalidRequest
    ([dict(V2, ID="r")], "InvalidRequest", "At least one action needs to be specified in a rule."),
    ([], "InvalidRequest", "At least one lifecycle rule should be specified."),
    ([dict(V2, ID=f"r{i}", Filter={"Prefix": f"p{i}/"}, Expiration=EXP1) for i in range(1001)],
     "InvalidRequest", "Number of lifecycle rules should not exceed allowed limit of 1000 rules."),
    # s3-tests test_lifecycle_id_too_long, test_lifecycle_same_id: InvalidArgument
    ([dict(V2, ID="a" * 256, Expiration=EXP1)], "InvalidArgument",
     "ID length should not exceed allowed limit of 255"),
    ([dict(V2, ID="r", Expiration=EXP1), dict(V2, ID="r", Expiration={"Days": 2})],
     "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"),
    # s3-tests test_lifecycle_expiration_days0: Days in an Expiration is positive
    ([dict(V2, ID="r", Expiration={"Days": 0})], "InvalidArgument",
     "'Days' for Expiration action must be a positive integer"),
    # the API reference: "The time is always midnight UTC" (s3-tests test_lifecycle_set_invalid_date:
    # botocore sends '20200101' as 1970-08-22T19:28:21Z)
    ([dict(V2, ID="r", Expiration={"Date": "20200101"})], "InvalidArgument",
     "'Date' must be at midnight GMT"),
    ([dict(V2, ID="r", Expiration={"Date": datetime(2030, 1, 1, 12, tzinfo=timezone.utc)})],
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ([dict(V2, ID="r", NoncurrentVersionExpiration={"NoncurrentDays": 0})], "InvalidArgument",
     "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
    ([dict(V2, ID="r", NoncurrentVersionExpiration={"NoncurrentDays": 1,
                                                    "NewerNoncurrentVersions": 0})],
     "InvalidArgument",
     "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer"),
    ([dict(V2, ID="r", AbortIncompleteMultipartUpload={"DaysAfterInitiation": 0})],
     "InvalidArgument",
     "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"),
    # terraform-aws-modules/terraform-aws-s3-bucket#109 (S3's answer); the user guide: no tag
    # filter with ExpiredObjectDeleteMarker
    ([{"ID": "r", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Status": "Enabled",
       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}], "InvalidRequest",
     "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    ([{"ID": "r", "Filter": {"ObjectSizeGreaterThan": 5}, "Status": "Enabled",
       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}], "InvalidRequest",
     "AbortIncompleteMultipartUpload cannot be specified with Object Size."),
    ([{"ID": "r", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Status": "Enabled",
       "Expiration": {"ExpiredObjectDeleteMarker": True}}], "InvalidRequest",
     "ExpiredObjectDeleteMarker cannot be specified with Tags."),
    ([{"ID": "r", "Status": "Enabled", "Expiration": EXP1,
       "Filter": {"And": {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}}}],
     "InvalidRequest", "Duplicate Tag Keys are not allowed."),
    ([{"ID": "r", "Status": "Enabled", "Expiration": EXP1,
       "Filter": {"And": {"ObjectSizeGreaterThan": 100, "ObjectSizeLessThan": 50}}}],
     "InvalidRequest",
     "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."),
    # Transition's API reference: STANDARD_IA and ONEZONE_IA wait at least 30 days
    ([dict(V2, ID="r", Transitions=[{"Days": 29, "StorageClass": "STANDARD_IA"}])],
     "InvalidArgument",
     "'Days' in Transition action must be greater than or equal to 30 for storageClass "
     "'STANDARD_IA'"),
    ([dict(V2, ID="r", NoncurrentVersionTransitions=[{"NoncurrentDays": 10,
                                                      "StorageClass": "ONEZONE_IA"}])],
     "InvalidArgument",
     "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 "
     "for storageClass 'ONEZONE_IA'"),
    ([dict(V2, ID="r", Transitions=[{"Days": -1, "StorageClass": "GLACIER"}])], "InvalidArgument",
     "'Days' in Transition action must be nonnegative"),
    ([dict(V2, ID="r", Transitions=[{"Days": 1, "StorageClass": "GLACIER"},
                                    {"Days": 5, "StorageClass": "GLACIER"}])],
     "InvalidRequest",
     "'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter "
     "'(prefix=p/)'"),
    ([dict(V2, ID="r", Transitions=[{"Days": 1, "StorageClass": "GLACIER"}],
           Expiration={"Date": datetime(2030, 1, 1, tzinfo=timezone.utc)})], "InvalidRequest",
     "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for "
     "filter '(prefix=p/)'"),
    ([dict(V2, ID="r", Transitions=[{"Days": 30, "StorageClass": "GLACIER"}],
           Expiration={"Days": 30})], "InvalidArgument",
     "'Days' in the Expiration action for filter '(prefix=p/)' must be greater than 'Days' in the "
     "Transition action"),
    # the waterfall: a class further down comes later, 30 days after an infrequent-access one
    ([dict(V2, ID="r", Transitions=[{"Days": 90, "StorageClass": "STANDARD_IA"},
                                    {"Days": 60, "StorageClass": "GLACIER"}])],
     "InvalidArgument",
     "'Days' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=p/)' must be "
     "greater than 'Days' in the Transition action for StorageClass 'STANDARD_IA'"),
    ([dict(V2, ID="r", Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"},
                                    {"Days": 45, "StorageClass": "DEEP_ARCHIVE"}])],
     "InvalidArgument",
     "'Days' in the Transition action for StorageClass 'DEEP_ARCHIVE' for filter '(prefix=p/)' "
     "must be 30 days more than filter '(prefix=p/)' in the Transition action for StorageClass "
     "'STANDARD_IA'"),
    # Lifecycle V1 (a rule's own Prefix) and V2 (Filter) do not mix
    ([dict(V2, ID="a", Expiration=EXP1),
      {"ID": "b", "Prefix": "x/", "Status": "Enabled", "Expiration": EXP1}], "InvalidRequest",
     "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the "
     "Filter."),
    ([{"ID": "b", "Prefix": "x/", "Status": "Enabled", "Expiration": EXP1},
      dict(V2, ID="a", Expiration=EXP1)], "InvalidRequest",
     "Filter element can only be used in Lifecycle V2."),
    ([{"ID": "a", "Prefix": "x/", "Status": "Enabled", "Expiration": EXP1},
      {"ID": "b", "Prefix": "x/y", "Status": "Enabled", "Expiration": {"Days": 5}}],
     "InvalidRequest", "Found overlapping prefixes 'x/' and 'x/y' for same action type 'Expiration'"),
]


@pytest.mark.parametrize("rules,code,message", BAD,
                         ids=[f"{i}-{c}" for i, (_, c, _) in enumerate(BAD)])
def test_bad_configuration_is_refused(s3, rules, code, message):
    s3.create_bucket(Bucket="lc-bad")
    good = [{"ID": "keep", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 9}}]
    put_lc(s3, "lc-bad", good)
    st, got, msg = refused(put_lc, s3=s3, bucket="lc-bad", rules=rules)
    assert (st, got) == (400, code), msg
    if message:
        assert msg == message
    # nothing of it was kept
    assert s3.get_bucket_lifecycle_configuration(Bucket="lc-bad")["Rules"] == good


RAW_BAD = [
    b"",
    b"not xml",
    b"<LifecycleConfiguration><Rule><ID>a</ID><ID>b</ID><Filter/><Status>Enabled</Status>"
    b"<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
    b"<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>one</Days>"
    b"</Expiration></Rule></LifecycleConfiguration>",
    b"<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiry><Days>1</Days>"
    b"</Expiry></Rule></LifecycleConfiguration>",
    b"<LifecycleConfiguration><Rule><Filter><And></And></Filter><Status>Enabled</Status>"
    b"<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
]


@pytest.mark.parametrize("body", RAW_BAD)
def test_malformed_documents(server, s3, body):
    s3.create_bucket(Bucket="lc-raw")
    r = raw(server.port, "PUT", "/lc-raw?lifecycle", body=body)
    assert (r.status, xml_text(r.xml(), "Code")) == (400, "MalformedXML"), r


def test_transition_default_minimum_object_size_header(server, s3):
    s3.create_bucket(Bucket="lc-min")
    doc = (b'<LifecycleConfiguration><Rule><ID>g</ID><Filter/><Status>Enabled</Status>'
           b'<Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>'
           b'</LifecycleConfiguration>')
    r = raw(server.port, "PUT", "/lc-min?lifecycle", body=doc,
            headers=[(MIN_SIZE, "varies_by_storage_class")])
    assert (r.status, r.header(MIN_SIZE)) == (200, "varies_by_storage_class"), r
    r = raw(server.port, "GET", "/lc-min?lifecycle")
    assert (r.status, r.header(MIN_SIZE)) == (200, "varies_by_storage_class"), r
    assert xml_text(r.xml(), "Rule/Transition/StorageClass") == "GLACIER"
    r = raw(server.port, "PUT", "/lc-min?lifecycle", body=doc, headers=[(MIN_SIZE, "64K")])
    assert (r.status, xml_text(r.xml(), "Code")) == (400, "InvalidRequest"), r
    # without the header: S3's default since September 2024
    r = raw(server.port, "PUT", "/lc-min?lifecycle", body=doc)
    assert (r.status, r.header(MIN_SIZE)) == (200, "all_storage_classes_128K"), r
    assert raw(server.port, "GET", "/lc-min?lifecycle").header(MIN_SIZE) == \
        "all_storage_classes_128K"


def test_s3cmd_expire_getlifecycle_dellifecycle(s3cmd, s3):
    s3.create_bucket(Bucket="lc-cmd")
    r = s3cmd("expire", "s3://lc-cmd", "--expiry-days=3", "--expiry-prefix=logs/")
    assert "expiration configuration is set" in r.stdout, r.stdout
    rules = s3.get_bucket_lifecycle_configuration(Bucket="lc-cmd")["Rules"]
    assert [(r["Filter"], r["Status"], r["Expiration"]) for r in rules] == \
        [({"Prefix": "logs/"}, "Enabled", {"Days": 3})]
    assert "<Days>3</Days>" in s3cmd("getlifecycle", "s3://lc-cmd").stdout
    out = s3cmd("info", "s3://lc-cmd").stdout
    assert "objects with key prefix 'logs/' will expire in '3' day(s)" in out, out
    s3cmd("dellifecycle", "s3://lc-cmd")
    r = s3cmd("getlifecycle", "s3://lc-cmd", check=False)
    assert r.returncode != 0 and "NoSuchLifecycleConfiguration" in r.stdout + r.stderr, r


# ==================================================================================================
# x-amz-expiration
# ==================================================================================================
def expiration_header(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"].get("x-amz-expiration")


def parse_expiration(v):
    m = re.fullmatch(r'expiry-date="([^"]+)", rule-id="([^"]*)"', v)
    assert m, v
    return parsedate_to_datetime(m.group(1)), m.group(2)


def test_expiration_header_rounds_to_the_next_midnight(server, s3):
    # the user guide: "adding the number of days specified in the rule to the object creation time
    # and rounding the resulting time to the next day midnight UTC"; GetObject: the rule-id is
    # URL-encoded
    s3.create_bucket(Bucket="lc-hdr")
    put_lc(s3, "lc-hdr", [{"ID": "three days/x", "Filter": {"Prefix": "d/"}, "Status": "Enabled",
                           "Expiration": {"Days": 3}},
                          {"ID": "off", "Filter": {"Prefix": "d/"}, "Status": "Disabled",
                           "Expiration": {"Days": 1}}])
    p = s3.put_object(Bucket="lc-hdr", Key="d/k", Body=b"x")
    h = s3.head_object(Bucket="lc-hdr", Key="d/k")
    created = h["LastModified"]
    when, rule = parse_expiration(expiration_header(h))
    assert rule == "three%20days%2Fx"
    want = datetime(created.year, created.month, created.day, tzinfo=timezone.utc) + \
        timedelta(days=4)
    assert when == want, (created, when)
    assert expiration_header(p) == expiration_header(h)
    assert expiration_header(s3.get_object(Bucket="lc-hdr", Key="d/k")) == expiration_header(h)
    # no rule for the key, or no configuration: no header
    s3.put_object(Bucket="lc-hdr", Key="other", Body=b"x")
    assert expiration_header(s3.head_object(Bucket="lc-hdr", Key="other")) is None
    s3.delete_bucket_lifecycle(Bucket="lc-hdr")
    assert expiration_header(s3.head_object(Bucket="lc-hdr", Key="d/k")) is None


def test_expiration_header_with_dates_tags_and_short_days(server_factory):
    srv = server_factory(args=["--lifecycle-day-seconds", "3600"])
    s3 = srv.client()
    s3.create_bucket(Bucket="lc-hdr2")
    put_lc(s3, "lc-hdr2", [
        {"ID": "tagged", "Status": "Enabled", "Expiration": {"Days": 2},
         "Filter": {"And": {"Prefix": "t/", "Tags": [{"Key": "k1", "Value": "v 1"}]}}},
        {"ID": "dated", "Status": "Enabled", "Filter": {"Prefix": "date/"},
         "Expiration": {"Date": datetime(2099, 1, 1, tzinfo=timezone.utc)}}])
    # s3-tests test_lifecycle_expiration_header_tags_head: only with the tag
    s3.put_object(Bucket="lc-hdr2", Key="t/yes", Body=b"x", Tagging="k1=v%201&k2=z")
    s3.put_object(Bucket="lc-hdr2", Key="t/no", Body=b"x", Tagging="k1=v2")
    h = s3.head_object(Bucket="lc-hdr2", Key="t/yes")
    when, rule = parse_expiration(expiration_header(h))
    # a day of 3600 s, not rounded
    assert (when - h["LastModified"], rule) == (timedelta(hours=2), "tagged")
    assert expiration_header(s3.head_object(Bucket="lc-hdr2", Key="t/no")) is None
    s3.put_object(Bucket="lc-hdr2", Key="date/k", Body=b"x")
    h = s3.head_object(Bucket="lc-hdr2", Key="date/k")
    assert parse_expiration(expiration_header(h)) == \
        (datetime(2099, 1, 1, tzinfo=timezone.utc), "dated")


# ==================================================================================================
# The rules at work (a day lasts a second)
# ==================================================================================================
def test_expiration_by_prefix(fs3):
    fs3.create_bucket(Bucket="lc-exp")
    for k in ("expire1/a", "expire1/b", "keep/a", "later/a", "off/a"):
        fs3.put_object(Bucket="lc-exp", Key=k, Body=b"x")
    put_lc(fs3, "lc-exp", [
        {"ID": "r1", "Filter": {"Prefix": "expire1/"}, "Status": "Enabled", "Expiration": EXP1},
        {"ID": "r2", "Filter": {"Prefix": "later/"}, "Status": "Enabled",
         "Expiration": {"Days": 100000}},
        {"ID": "r3", "Filter": {"Prefix": "off/"}, "Status": "Disabled", "Expiration": EXP1}])
    until(lambda: keys(fs3, "lc-exp") == ["keep/a", "later/a", "off/a"], "expire1/ to expire")
    # the pass after: nothing else goes
    fs3.put_object(Bucket="lc-exp", Key="expire1/c", Body=b"x")
    until(lambda: keys(fs3, "lc-exp") == ["keep/a", "later/a", "off/a"], "expire1/c to expire")


def test_expiration_by_tag_and_size(fs3):
    fs3.create_bucket(Bucket="lc-filt")
    fs3.put_object(Bucket="lc-filt", Key="tag/yes", Body=b"x", Tagging="state=old&x=1")
    fs3.put_object(Bucket="lc-filt", Key="tag/other", Body=b"x", Tagging="state=new")
    fs3.put_object(Bucket="lc-filt", Key="tag/none", Body=b"x")
    for size in (5, 50, 500):
        fs3.put_object(Bucket="lc-filt", Key=f"size/{size}", Body=b"s" * size)
    put_lc(fs3, "lc-filt", [
        {"ID": "tag", "Filter": {"Tag": {"Key": "state", "Value": "old"}}, "Status": "Enabled",
         "Expiration": EXP1},
        {"ID": "size", "Status": "Enabled", "Expiration": EXP1,
         "Filter": {"And": {"Prefix": "size/", "ObjectSizeGreaterThan": 10,
                            "ObjectSizeLessThan": 100}}}])
    until(lambda: keys(fs3, "lc-filt") == ["size/5", "size/500", "tag/none", "tag/other"],
          "the tagged and the mid-sized object to expire")


def test_expiration_in_a_versioned_bucket_adds_a_delete_marker(fs3):
    fs3.create_bucket(Bucket="lc-ver")
    fs3.put_bucket_versioning(Bucket="lc-ver", VersioningConfiguration={"Status": "Enabled"})
    vid = fs3.put_object(Bucket="lc-ver", Key="k", Body=b"v1")["VersionId"]
    put_lc(fs3, "lc-ver", [{"ID": "e", "Filter": {}, "Status": "Enabled",
                            "Expiration": {"Days": 3}}])

    def marked():
        vs, dms = versions(fs3, "lc-ver")
        return [d for d in dms if d["IsLatest"]] and vs

    until(marked, "a delete marker on k")
    # the version stays, noncurrent; one marker, not one a pass
    vs, dms = versions(fs3, "lc-ver")
    assert [(v["VersionId"], v["IsLatest"]) for v in vs] == [(vid, False)]
    assert len(dms) == 1
    assert refused(fs3.head_object, Bucket="lc-ver", Key="k")[0] == 404
    # the marker alone for 3 days goes too (Expiration Days removes expired markers)
    fs3.delete_object(Bucket="lc-ver", Key="k", VersionId=vid)
    until(lambda: versions(fs3, "lc-ver") == ([], []), "the lone marker to go")


def test_noncurrent_expiration_keeps_newer_versions(fs3):
    fs3.create_bucket(Bucket="lc-nc")
    fs3.put_bucket_versioning(Bucket="lc-nc", VersioningConfiguration={"Status": "Enabled"})
    a = [fs3.put_object(Bucket="lc-nc", Key="a/k", Body=str(i).encode())["VersionId"]
         for i in range(5)]
    b = [fs3.put_object(Bucket="lc-nc", Key="b/k", Body=str(i).encode())["VersionId"]
         for i in range(3)]
    c = [fs3.put_object(Bucket="lc-nc", Key="c/k", Body=str(i).encode())["VersionId"]
         for i in range(2)]
    put_lc(fs3, "lc-nc", [
        {"ID": "keep2", "Filter": {"Prefix": "a/"}, "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2}},
        {"ID": "all", "Filter": {"Prefix": "b/"}, "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}])

    def vids(prefix):
        return [v["VersionId"] for v in versions(fs3, "lc-nc", prefix)[0]]

    until(lambda: vids("a/") == a[:1:-1] and vids("b/") == b[-1:],
          "noncurrent versions past the 2 newest to go")
    assert vids("c/") == c[::-1]
    assert fs3.get_object(Bucket="lc-nc", Key="a/k")["Body"].read() == b"4"


def test_expired_delete_markers_are_removed(fs3):
    # s3-tests test_lifecycle_deletemarker_expiration
    fs3.create_bucket(Bucket="lc-dm")
    fs3.put_bucket_versioning(Bucket="lc-dm", VersioningConfiguration={"Status": "Enabled"})
    for k in ("test1/a", "test2/abc"):
        fs3.put_object(Bucket="lc-dm", Key=k, Body=b"x")
        fs3.delete_object(Bucket="lc-dm", Key=k)
    # a marker with a version still beneath it is no expired marker
    fs3.put_object(Bucket="lc-dm", Key="test1/held", Body=b"x")
    fs3.delete_object(Bucket="lc-dm", Key="test1/held")
    put_lc(fs3, "lc-dm", [
        {"ID": "nc", "Filter": {"Prefix": "test1/a"}, "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        {"ID": "dm", "Filter": {"Prefix": "test1/"}, "Status": "Enabled",
         "Expiration": {"ExpiredObjectDeleteMarker": True}}])
    until(lambda: not any(v["Key"] == "test1/a" for part in versions(fs3, "lc-dm") for v in part),
          "test1/a's version, then its marker, to go")
    vs, dms = versions(fs3, "lc-dm")
    assert sorted(v["Key"] for v in vs) == ["test1/held", "test2/abc"]
    assert sorted(d["Key"] for d in dms) == ["test1/held", "test2/abc"]


def test_incomplete_uploads_are_aborted(fs3):
    # s3-tests test_lifecycle_multipart_expiration
    fs3.create_bucket(Bucket="lc-mpu")
    gone = fs3.create_multipart_upload(Bucket="lc-mpu", Key="test1/a")["UploadId"]
    fs3.upload_part(Bucket="lc-mpu", Key="test1/a", UploadId=gone, PartNumber=1, Body=b"p")
    kept = fs3.create_multipart_upload(Bucket="lc-mpu", Key="test2/")["UploadId"]
    put_lc(fs3, "lc-mpu", [{"ID": "r", "Filter": {"Prefix": "test1/"}, "Status": "Enabled",
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}])

    def uploads():
        return [u["UploadId"] for u in fs3.list_multipart_uploads(Bucket="lc-mpu")
                .get("Uploads", [])]

    until(lambda: uploads() == [kept], "test1/a's upload to be aborted")
    assert refused(fs3.list_parts, Bucket="lc-mpu", Key="test1/a", UploadId=gone)[1] == \
        "NoSuchUpload"


def test_transitions_show_in_listings_and_head(fs3):
    fs3.create_bucket(Bucket="lc-tr")
    fs3.put_object(Bucket="lc-tr", Key="t/big", Body=b"b" * BIG)
    fs3.put_object(Bucket="lc-tr", Key="t/small", Body=b"s")
    fs3.put_object(Bucket="lc-tr", Key="f/small", Body=b"s" * 10)
    fs3.put_object(Bucket="lc-tr", Key="keep/big", Body=b"b" * BIG)
    put_lc(fs3, "lc-tr", [
        {"ID": "waterfall", "Filter": {"Prefix": "t/"}, "Status": "Enabled",
         "Transitions": [{"Days": 1, "StorageClass": "INTELLIGENT_TIERING"},
                         {"Days": 3, "StorageClass": "GLACIER"}]},
        # a rule naming a size decides for small objects itself
        {"ID": "sized", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "f/", "ObjectSizeGreaterThan": 1}},
         "Transitions": [{"Days": 0, "StorageClass": "GLACIER_IR"}]}])
    until(lambda: classes(fs3, "lc-tr")["t/big"] == "GLACIER", "t/big to reach GLACIER")
    got = classes(fs3, "lc-tr")
    # under 128 KB nothing moves by default (all_storage_classes_128K)
    assert got == {"t/big": "GLACIER", "t/small": "STANDARD", "f/small": "GLACIER_IR",
                   "keep/big": "STANDARD"}
    assert fs3.head_object(Bucket="lc-tr", Key="t/big")["StorageClass"] == "GLACIER"
    assert fs3.head_object(Bucket="lc-tr", Key="f/small")["StorageClass"] == "GLACIER_IR"
    assert "StorageClass" not in fs3.head_object(Bucket="lc-tr", Key="keep/big")
    a = fs3.get_object_attributes(Bucket="lc-tr", Key="t/big", ObjectAttributes=["StorageClass"])
    assert a["StorageClass"] == "GLACIER"
    # An object in GLACIER is not readable until restored (test_restore.py); the bytes are kept.
    with pytest.raises(ClientError) as e:
        fs3.get_object(Bucket="lc-tr", Key="t/big")
    assert error_code(e.value) == "InvalidObjectState"
    fs3.restore_object(Bucket="lc-tr", Key="t/big", RestoreRequest={"Days": 1})
    assert fs3.get_object(Bucket="lc-tr", Key="t/big")["Body"].read() == b"b" * BIG
    assert fs3.get_object(Bucket="lc-tr", Key="f/small")["Body"].read()  # GLACIER_IR reads at once


def test_small_objects_go_to_glacier_with_varies_by_storage_class(fast, fs3):
    fs3.create_bucket(Bucket="lc-tr2")
    fs3.put_object(Bucket="lc-tr2", Key="small", Body=b"s")
    doc = (b'<LifecycleConfiguration><Rule><ID>g</ID><Filter/><Status>Enabled</Status>'
           b'<Transition><Days>0</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>'
           b'</Rule></LifecycleConfiguration>')
    r = raw(fast.port, "PUT", "/lc-tr2?lifecycle", body=doc,
            headers=[(MIN_SIZE, "varies_by_storage_class")])
    assert r.status == 200, r
    until(lambda: classes(fs3, "lc-tr2") == {"small": "DEEP_ARCHIVE"}, "small to transition")


def test_transition_comes_before_the_delete_marker(fs3):
    # the user guide (lifecycle-conflicts): "Transition takes precedence over creation of delete
    # markers"; both actions are due when the configuration arrives
    fs3.create_bucket(Bucket="lc-prec")
    fs3.put_bucket_versioning(Bucket="lc-prec", VersioningConfiguration={"Status": "Enabled"})
    vid = fs3.put_object(Bucket="lc-prec", Key="k", Body=b"x" * BIG)["VersionId"]
    made = fs3.head_object(Bucket="lc-prec", Key="k")["LastModified"].timestamp()
    until(lambda: time.time() > made + 2.5, "the object to be over a (1 s) day old")
    put_lc(fs3, "lc-prec", [{"ID": "r", "Filter": {}, "Status": "Enabled",
                             "Transitions": [{"Days": 0, "StorageClass": "GLACIER"}],
                             "Expiration": {"Days": 1}}])

    def done():
        vs, dms = versions(fs3, "lc-prec")
        return dms and vs

    vs = until(done, "the delete marker")
    assert [(v["VersionId"], v["StorageClass"], v["IsLatest"]) for v in vs] == \
        [(vid, "GLACIER", False)]


def test_noncurrent_transition(fs3):
    fs3.create_bucket(Bucket="lc-nct")
    fs3.put_bucket_versioning(Bucket="lc-nct", VersioningConfiguration={"Status": "Enabled"})
    old = fs3.put_object(Bucket="lc-nct", Key="k", Body=b"1" * BIG)["VersionId"]
    new = fs3.put_object(Bucket="lc-nct", Key="k", Body=b"2" * BIG)["VersionId"]
    put_lc(fs3, "lc-nct", [{"ID": "n", "Filter": {}, "Status": "Enabled",
                            "NoncurrentVersionTransitions": [{"NoncurrentDays": 1,
                                                              "StorageClass": "GLACIER"}]}])

    def by_vid():
        return {v["VersionId"]: v["StorageClass"] for v in versions(fs3, "lc-nct")[0]}

    until(lambda: by_vid() == {old: "GLACIER", new: "STANDARD"}, "the old version to transition")
    h = fs3.head_object(Bucket="lc-nct", Key="k", VersionId=old)
    assert h["StorageClass"] == "GLACIER"
    assert "StorageClass" not in fs3.head_object(Bucket="lc-nct", Key="k")


def test_locked_versions_are_not_expired(fs3):
    fs3.create_bucket(Bucket="lc-lock", ObjectLockEnabledForBucket=True)
    held = fs3.put_object(Bucket="lc-lock", Key="k", Body=b"1")["VersionId"]
    fs3.put_object_legal_hold(Bucket="lc-lock", Key="k", VersionId=held,
                              LegalHold={"Status": "ON"})
    free = fs3.put_object(Bucket="lc-lock", Key="k", Body=b"2")["VersionId"]
    cur = fs3.put_object(Bucket="lc-lock", Key="k", Body=b"3")["VersionId"]
    put_lc(fs3, "lc-lock", [{"ID": "n", "Filter": {}, "Status": "Enabled",
                             "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}])

    def vids():
        return [v["VersionId"] for v in versions(fs3, "lc-lock")[0]]

    until(lambda: free not in vids(), "the unlocked noncurrent version to go")
    assert vids() == [cur, held]
    # once the hold is lifted it goes as well
    fs3.put_object_legal_hold(Bucket="lc-lock", Key="k", VersionId=held,
                              LegalHold={"Status": "OFF"})
    until(lambda: vids() == [cur], "the released version to go")


# ==================================================================================================
# The flag
# ==================================================================================================
@pytest.mark.parametrize("value", ["0", "-1", "abc", "86401", ""])
def test_bad_lifecycle_day_seconds_exits_2(tmp_path, value):
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), "--lifecycle-day-seconds",
                        value], capture_output=True, text=True, env=clean_env(), timeout=10)
    assert r.returncode == 2, r
    assert "lifecycle-day-seconds" in r.stderr
    assert len([l for l in r.stderr.splitlines() if l.strip()]) == 1, r.stderr
