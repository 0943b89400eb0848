"""Every bucket configuration through the real aws CLI (v1, `aws s3api`), as issue 14 asks: put
it, get it back equal (but for what S3 adds, such as generated IDs), one bad variant refused with
S3's error code (the CLI's "An error occurred (Code)"), delete it where S3 has a delete call, and
get again: the "not configured" error or the default. One test per family; buckets and objects
that are only the stage are made with boto3, which starts faster than the CLI. What the server
takes and answers is in the boto3 tests (test_bucket_configs.py, test_sse.py, test_lifecycle.py,
test_tagging.py, test_bucket_cors.py, test_bucket_policy.py, test_acl.py, test_versioning.py,
test_object_lock.py), each case with where S3's answer comes from."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

QUEUE = "arn:aws:sqs:us-east-1:123456789012:events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:topic"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:fn"
GENERATED_ID = r"[A-Za-z0-9+/=]{48}"  # the base64 of a UUID's text, as S3 names what was not


class Cli:
    """`aws s3api` calls with JSON documents passed as file:// and answers parsed."""

    def __init__(self, aws, tmp_path):
        self.aws = aws
        self.dir = tmp_path / "docs"
        self.dir.mkdir(exist_ok=True)
        self.n = 0

    def doc(self, obj):
        """A file:// argument holding obj as JSON (a str is written as it is)."""
        self.n += 1
        p = self.dir / f"doc{self.n}.json"
        p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return f"file://{p}"

    def ok(self, *args):
        out = self.aws("s3api", *args).stdout.strip()
        return json.loads(out) if out else {}

    def refused(self, *args):
        """The S3 error code of a call that must fail."""
        r = self.aws("s3api", *args, check=False)
        assert r.returncode != 0, f"aws s3api {' '.join(map(str, args))} succeeded:\n{r.stdout}"
        m = re.search(r"An error occurred \(([^)]+)\)", r.stderr)
        assert m, f"no S3 error in the CLI's stderr:\n{r.stderr}"
        return m.group(1)


@pytest.fixture
def cli(aws, tmp_path):
    return Cli(aws, tmp_path)


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="cli-conf")
    return "cli-conf"


def test_encryption(cli, bucket):
    default = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": False}]
    conf = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                              "KMSMasterKeyID": "1234abcd-12ab"},
                       "BucketKeyEnabled": True}]}
    cli.ok("put-bucket-encryption", "--bucket", bucket,
           "--server-side-encryption-configuration", cli.doc(conf))
    got = cli.ok("get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"] == conf
    bad = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256",
                                                             "KMSMasterKeyID": "k"}}]}
    assert cli.refused("put-bucket-encryption", "--bucket", bucket,
                       "--server-side-encryption-configuration", cli.doc(bad)) == \
        "InvalidArgument"
    cli.ok("delete-bucket-encryption", "--bucket", bucket)
    # Every bucket has SSE-S3 since 2023: a deleted configuration reads back as that default.
    got = cli.ok("get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"]["Rules"] == default


def test_lifecycle(cli, bucket):
    rules = [
        {"ID": "logs", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "a", "Value": "1"}],
                            "ObjectSizeGreaterThan": 100}},
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                         {"Days": 90, "StorageClass": "GLACIER"}],
         "Expiration": {"Days": 365},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 3}},
        {"Status": "Disabled", "Filter": {"Prefix": "tmp/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    ]
    cli.ok("put-bucket-lifecycle-configuration", "--bucket", bucket,
           "--lifecycle-configuration", cli.doc({"Rules": rules}))
    got = cli.ok("get-bucket-lifecycle-configuration", "--bucket", bucket)["Rules"]
    assert re.fullmatch(GENERATED_ID, got[1].pop("ID")), got
    assert got == [rules[0], rules[1]]
    bad = {"Rules": [{"ID": "zero", "Status": "Enabled", "Filter": {},
                      "Expiration": {"Days": 0}}]}
    assert cli.refused("put-bucket-lifecycle-configuration", "--bucket", bucket,
                       "--lifecycle-configuration", cli.doc(bad)) == "InvalidArgument"
    cli.ok("delete-bucket-lifecycle", "--bucket", bucket)
    assert cli.refused("get-bucket-lifecycle-configuration", "--bucket", bucket) == \
        "NoSuchLifecycleConfiguration"


def test_bucket_tagging(cli, bucket):
    tags = {"TagSet": [{"Key": "team", "Value": "blue"}, {"Key": "cost centre", "Value": "42"},
                       {"Key": "empty", "Value": ""}]}
    cli.ok("put-bucket-tagging", "--bucket", bucket, "--tagging", cli.doc(tags))
    got = cli.ok("get-bucket-tagging", "--bucket", bucket)["TagSet"]
    assert sorted(got, key=lambda t: t["Key"]) == sorted(tags["TagSet"], key=lambda t: t["Key"])
    bad = {"TagSet": [{"Key": "aws:system", "Value": "no"}]}
    assert cli.refused("put-bucket-tagging", "--bucket", bucket, "--tagging", cli.doc(bad)) == \
        "InvalidTag"
    cli.ok("delete-bucket-tagging", "--bucket", bucket)
    assert cli.refused("get-bucket-tagging", "--bucket", bucket) == "NoSuchTagSet"


def test_object_tagging(cli, s3, bucket):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x")
    tags = {"TagSet": [{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "42"}]}
    cli.ok("put-object-tagging", "--bucket", bucket, "--key", "obj", "--tagging", cli.doc(tags))
    got = cli.ok("get-object-tagging", "--bucket", bucket, "--key", "obj")["TagSet"]
    assert got == sorted(tags["TagSet"], key=lambda t: t["Key"])  # S3 answers in key order
    bad = {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}
    assert cli.refused("put-object-tagging", "--bucket", bucket, "--key", "obj",
                       "--tagging", cli.doc(bad)) == "InvalidTag"
    cli.ok("delete-object-tagging", "--bucket", bucket, "--key", "obj")
    # An object without tags answers an empty TagSet, not an error.
    assert cli.ok("get-object-tagging", "--bucket", bucket, "--key", "obj")["TagSet"] == []


def test_website(cli, bucket):
    conf = {
        "IndexDocument": {"Suffix": "index.html"},
        "ErrorDocument": {"Key": "errors/404.html"},
        "RoutingRules": [
            {"Condition": {"KeyPrefixEquals": "docs/"},
             "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
            {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
             "Redirect": {"HostName": "example.com", "Protocol": "https",
                          "HttpRedirectCode": "302", "ReplaceKeyWith": "missing.html"}},
        ],
    }
    cli.ok("put-bucket-website", "--bucket", bucket, "--website-configuration", cli.doc(conf))
    assert cli.ok("get-bucket-website", "--bucket", bucket) == conf
    bad = {"IndexDocument": {"Suffix": "/index.html"}}
    assert cli.refused("put-bucket-website", "--bucket", bucket,
                       "--website-configuration", cli.doc(bad)) == "InvalidArgument"
    cli.ok("delete-bucket-website", "--bucket", bucket)
    assert cli.refused("get-bucket-website", "--bucket", bucket) == "NoSuchWebsiteConfiguration"


def test_logging(cli, s3, bucket):
    s3.create_bucket(Bucket="cli-log-target")
    status = {"LoggingEnabled": {"TargetBucket": "cli-log-target", "TargetPrefix": "logs/"}}
    cli.ok("put-bucket-logging", "--bucket", bucket, "--bucket-logging-status", cli.doc(status))
    assert cli.ok("get-bucket-logging", "--bucket", bucket) == status
    bad = {"LoggingEnabled": {"TargetBucket": "no-such-target", "TargetPrefix": "logs/"}}
    assert cli.refused("put-bucket-logging", "--bucket", bucket,
                       "--bucket-logging-status", cli.doc(bad)) == \
        "InvalidTargetBucketForLogging"
    # No delete call: an empty BucketLoggingStatus turns logging off.
    cli.ok("put-bucket-logging", "--bucket", bucket, "--bucket-logging-status", cli.doc({}))
    assert cli.ok("get-bucket-logging", "--bucket", bucket) == {}


def test_notification(cli, bucket):
    conf = {
        "TopicConfigurations": [{"Id": "t1", "TopicArn": TOPIC,
                                 "Events": ["s3:ObjectRemoved:*"]}],
        "QueueConfigurations": [{"Id": "q1", "QueueArn": QUEUE,
                                 "Events": ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"],
                                 "Filter": {"Key": {"FilterRules": [
                                     {"Name": "Prefix", "Value": "in/"},
                                     {"Name": "Suffix", "Value": ".jpg"}]}}}],
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": LAMBDA,
                                          "Events": ["s3:ObjectCreated:Post"]}],
    }
    cli.ok("put-bucket-notification-configuration", "--bucket", bucket,
           "--notification-configuration", cli.doc(conf))
    got = cli.ok("get-bucket-notification-configuration", "--bucket", bucket)
    assert re.fullmatch(GENERATED_ID, got["LambdaFunctionConfigurations"][0].pop("Id")), got
    assert got == conf
    bad = {"QueueConfigurations": [{"QueueArn": "invalid-queue",
                                    "Events": ["s3:ObjectCreated:*"]}]}
    assert cli.refused("put-bucket-notification-configuration", "--bucket", bucket,
                       "--notification-configuration", cli.doc(bad)) == "InvalidArgument"
    # No delete call: an empty configuration turns every notification off.
    cli.ok("put-bucket-notification-configuration", "--bucket", bucket,
           "--notification-configuration", cli.doc({}))
    assert cli.ok("get-bucket-notification-configuration", "--bucket", bucket) == {}


def test_request_payment(cli, bucket):
    cli.ok("put-bucket-request-payment", "--bucket", bucket,
           "--request-payment-configuration", cli.doc({"Payer": "Requester"}))
    assert cli.ok("get-bucket-request-payment", "--bucket", bucket) == {"Payer": "Requester"}
    assert cli.refused("put-bucket-request-payment", "--bucket", bucket,
                       "--request-payment-configuration", cli.doc({"Payer": "Nobody"})) == \
        "MalformedXML"
    # No delete call: the default is BucketOwner.
    cli.ok("put-bucket-request-payment", "--bucket", bucket,
           "--request-payment-configuration", cli.doc({"Payer": "BucketOwner"}))
    assert cli.ok("get-bucket-request-payment", "--bucket", bucket) == {"Payer": "BucketOwner"}


def test_accelerate(cli, bucket):
    assert cli.ok("get-bucket-accelerate-configuration", "--bucket", bucket) == {}
    cli.ok("put-bucket-accelerate-configuration", "--bucket", bucket,
           "--accelerate-configuration", cli.doc({"Status": "Enabled"}))
    assert cli.ok("get-bucket-accelerate-configuration", "--bucket", bucket) == \
        {"Status": "Enabled"}
    assert cli.refused("put-bucket-accelerate-configuration", "--bucket", bucket,
                       "--accelerate-configuration", cli.doc({"Status": "enabled"})) == \
        "MalformedXML"
    # No delete call: Suspended turns it off.
    cli.ok("put-bucket-accelerate-configuration", "--bucket", bucket,
           "--accelerate-configuration", cli.doc({"Status": "Suspended"}))
    assert cli.ok("get-bucket-accelerate-configuration", "--bucket", bucket) == \
        {"Status": "Suspended"}


def test_replication(cli, s3, bucket):
    # S3 replicates only between versioned buckets: versioning on at both ends.
    s3.create_bucket(Bucket="cli-repl-dest")
    for b in (bucket, "cli-repl-dest"):
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    conf = {
        "Role": "arn:aws:iam::123456789012:role/replication",
        "Rules": [{"ID": "r1", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "Tax"},
                   "Destination": {"Bucket": "arn:aws:s3:::cli-repl-dest",
                                   "StorageClass": "STANDARD"},
                   "DeleteMarkerReplication": {"Status": "Disabled"}}],
    }
    cli.ok("put-bucket-replication", "--bucket", bucket,
           "--replication-configuration", cli.doc(conf))
    assert cli.ok("get-bucket-replication", "--bucket", bucket) == \
        {"ReplicationConfiguration": conf}
    bad = json.loads(json.dumps(conf))
    del bad["Rules"][0]["DeleteMarkerReplication"]
    assert cli.refused("put-bucket-replication", "--bucket", bucket,
                       "--replication-configuration", cli.doc(bad)) == "InvalidRequest"
    cli.ok("delete-bucket-replication", "--bucket", bucket)
    assert cli.refused("get-bucket-replication", "--bucket", bucket) == \
        "ReplicationConfigurationNotFoundError"


def keyed(cli, bucket, family, option, field, conf, bad_args, bad_code):
    """Put, get, list, a refused put, delete and get of a configuration kept by ?id=."""
    cid = conf["Id"]
    cli.ok(f"put-bucket-{family}-configuration", "--bucket", bucket, "--id", cid,
           option, cli.doc(conf))
    assert cli.ok(f"get-bucket-{family}-configuration", "--bucket", bucket, "--id", cid) == \
        {field: conf}
    listed = cli.ok(f"list-bucket-{family}-configurations", "--bucket", bucket)
    assert (listed[f"{field}List"], listed["IsTruncated"]) == ([conf], False)
    assert cli.refused(f"put-bucket-{family}-configuration", "--bucket", bucket,
                       *bad_args(cli)) == bad_code
    cli.ok(f"delete-bucket-{family}-configuration", "--bucket", bucket, "--id", cid)
    assert cli.refused(f"get-bucket-{family}-configuration", "--bucket", bucket,
                       "--id", cid) == "NoSuchConfiguration"


def test_inventory(cli, bucket):
    conf = {"Id": "report-1",
            "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::inv-dest",
                                                    "Format": "CSV", "Prefix": "inv/"}},
            "IsEnabled": True, "Filter": {"Prefix": "data/"}, "IncludedObjectVersions": "All",
            "OptionalFields": ["Size", "ETag"], "Schedule": {"Frequency": "Daily"}}
    # A document naming another Id than the request's: IdMismatch (as AWS).
    keyed(cli, bucket, "inventory", "--inventory-configuration", "InventoryConfiguration", conf,
          lambda c: ("--id", "other", "--inventory-configuration", c.doc(conf)), "IdMismatch")


def test_analytics(cli, bucket):
    conf = {"Id": "an-1",
            "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}},
            "StorageClassAnalysis": {"DataExport": {
                "OutputSchemaVersion": "V_1",
                "Destination": {"S3BucketDestination": {"Format": "CSV",
                                                        "Bucket": "arn:aws:s3:::an-dest",
                                                        "Prefix": "an/"}}}}}
    keyed(cli, bucket, "analytics", "--analytics-configuration", "AnalyticsConfiguration", conf,
          lambda c: ("--id", "other", "--analytics-configuration", c.doc(conf)), "MalformedXML")


def test_metrics(cli, bucket):
    conf = {"Id": "m-1", "Filter": {"Prefix": "logs/"}}
    long_id = "x" * 65  # S3 takes IDs of at most 64 characters
    keyed(cli, bucket, "metrics", "--metrics-configuration", "MetricsConfiguration", conf,
          lambda c: ("--id", long_id, "--metrics-configuration",
                     c.doc(dict(conf, Id=long_id))), "InvalidConfigurationId")


def test_intelligent_tiering(cli, bucket):
    conf = {"Id": "it-1", "Filter": {"Prefix": "cold/"}, "Status": "Enabled",
            "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
                         {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}
    keyed(cli, bucket, "intelligent-tiering", "--intelligent-tiering-configuration",
          "IntelligentTieringConfiguration", conf,
          lambda c: ("--id", "other", "--intelligent-tiering-configuration", c.doc(conf)),
          "MalformedXML")


def test_cors(cli, bucket):
    conf = {"CORSRules": [
        {"ID": "first", "AllowedOrigins": ["https://app.example.com", "http://*.example.org"],
         "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["x-amz-*", "Content-Type"],
         "ExposeHeaders": ["ETag", "x-amz-request-id"], "MaxAgeSeconds": 3000},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]}]}
    cli.ok("put-bucket-cors", "--bucket", bucket, "--cors-configuration", cli.doc(conf))
    assert cli.ok("get-bucket-cors", "--bucket", bucket) == conf
    bad = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["MYMETHOD"]}]}
    assert cli.refused("put-bucket-cors", "--bucket", bucket,
                       "--cors-configuration", cli.doc(bad)) == "InvalidRequest"
    cli.ok("delete-bucket-cors", "--bucket", bucket)
    assert cli.refused("get-bucket-cors", "--bucket", bucket) == "NoSuchCORSConfiguration"


def test_policy(cli, bucket):
    doc = json.dumps({"Version": "2012-10-17", "Id": "keep-me", "Statement": [
        {"Sid": "pub", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}, indent=2)
    cli.ok("put-bucket-policy", "--bucket", bucket, "--policy", cli.doc(doc))
    # S3 keeps the document as sent, byte for byte.
    assert cli.ok("get-bucket-policy", "--bucket", bucket) == {"Policy": doc}
    bad = doc.replace("s3:GetObject", "s3:Teleport")
    assert cli.refused("put-bucket-policy", "--bucket", bucket, "--policy", cli.doc(bad)) == \
        "MalformedPolicy"
    cli.ok("delete-bucket-policy", "--bucket", bucket)
    assert cli.refused("get-bucket-policy", "--bucket", bucket) == "NoSuchBucketPolicy"


def test_ownership_controls(cli, bucket):
    conf = {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    cli.ok("put-bucket-ownership-controls", "--bucket", bucket, "--ownership-controls",
           cli.doc(conf))
    assert cli.ok("get-bucket-ownership-controls", "--bucket", bucket) == \
        {"OwnershipControls": conf}
    bad = {"Rules": [{"ObjectOwnership": "Nobody"}]}
    assert cli.refused("put-bucket-ownership-controls", "--bucket", bucket,
                       "--ownership-controls", cli.doc(bad)) == "MalformedXML"
    cli.ok("delete-bucket-ownership-controls", "--bucket", bucket)
    assert cli.refused("get-bucket-ownership-controls", "--bucket", bucket) == \
        "OwnershipControlsNotFoundError"


def test_public_access_block(cli, bucket):
    conf = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False}
    cli.ok("put-public-access-block", "--bucket", bucket,
           "--public-access-block-configuration", cli.doc(conf))
    assert cli.ok("get-public-access-block", "--bucket", bucket) == \
        {"PublicAccessBlockConfiguration": conf}
    # Four booleans leave the CLI nothing malformed to send: the refused variant is a missing
    # bucket.
    assert cli.refused("put-public-access-block", "--bucket", "cli-no-such-bucket",
                       "--public-access-block-configuration", cli.doc(conf)) == "NoSuchBucket"
    cli.ok("delete-public-access-block", "--bucket", bucket)
    assert cli.refused("get-public-access-block", "--bucket", bucket) == \
        "NoSuchPublicAccessBlockConfiguration"


def test_versioning(cli, bucket):
    # A bucket never versioned answers no Status.
    assert cli.ok("get-bucket-versioning", "--bucket", bucket) == {}
    cli.ok("put-bucket-versioning", "--bucket", bucket,
           "--versioning-configuration", cli.doc({"Status": "Enabled"}))
    assert cli.ok("get-bucket-versioning", "--bucket", bucket) == {"Status": "Enabled"}
    assert cli.refused("put-bucket-versioning", "--bucket", bucket,
                       "--versioning-configuration", cli.doc({"Status": "On"})) == \
        "MalformedXML"
    # No delete call: versioning is only ever suspended.
    cli.ok("put-bucket-versioning", "--bucket", bucket,
           "--versioning-configuration", cli.doc({"Status": "Suspended"}))
    assert cli.ok("get-bucket-versioning", "--bucket", bucket) == {"Status": "Suspended"}


def _date(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_object_lock(cli, s3, bucket):
    assert cli.refused("get-object-lock-configuration", "--bucket", bucket) == \
        "ObjectLockConfigurationNotFoundError"
    cli.ok("create-bucket", "--bucket", "cli-lock", "--object-lock-enabled-for-bucket")
    assert s3.get_bucket_versioning(Bucket="cli-lock")["Status"] == "Enabled"
    conf = {"ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
    cli.ok("put-object-lock-configuration", "--bucket", "cli-lock",
           "--object-lock-configuration", cli.doc(conf))
    assert cli.ok("get-object-lock-configuration", "--bucket", "cli-lock") == \
        {"ObjectLockConfiguration": conf}
    bad = {"ObjectLockEnabled": "Enabled",
           "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}
    assert cli.refused("put-object-lock-configuration", "--bucket", "cli-lock",
                       "--object-lock-configuration", cli.doc(bad)) == "MalformedXML"
    # No delete call: a configuration without Rule removes the default retention.
    cli.ok("put-object-lock-configuration", "--bucket", "cli-lock",
           "--object-lock-configuration", cli.doc({"ObjectLockEnabled": "Enabled"}))
    assert cli.ok("get-object-lock-configuration", "--bucket", "cli-lock") == \
        {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}

    vid = s3.put_object(Bucket="cli-lock", Key="k", Body=b"x")["VersionId"]
    until = (datetime.now(timezone.utc) + timedelta(days=400)).replace(microsecond=0)
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": until.strftime("%Y-%m-%dT%H:%M:%SZ")}
    cli.ok("put-object-retention", "--bucket", "cli-lock", "--key", "k",
           "--retention", cli.doc(retention))
    got = cli.ok("get-object-retention", "--bucket", "cli-lock", "--key", "k",
                 "--version-id", vid)["Retention"]
    assert (got["Mode"], _date(got["RetainUntilDate"])) == ("GOVERNANCE", until)
    assert cli.refused("put-object-retention", "--bucket", "cli-lock", "--key", "k",
                       "--retention", cli.doc(dict(retention, Mode="governance"))) == \
        "MalformedXML"

    cli.ok("put-object-legal-hold", "--bucket", "cli-lock", "--key", "k",
           "--legal-hold", cli.doc({"Status": "ON"}))
    assert cli.ok("get-object-legal-hold", "--bucket", "cli-lock", "--key", "k") == \
        {"LegalHold": {"Status": "ON"}}
    assert cli.refused("put-object-legal-hold", "--bucket", "cli-lock", "--key", "k",
                       "--legal-hold", cli.doc({"Status": "abc"})) == "MalformedXML"
    cli.ok("put-object-legal-hold", "--bucket", "cli-lock", "--key", "k",
           "--legal-hold", cli.doc({"Status": "OFF"}))
    assert cli.ok("get-object-legal-hold", "--bucket", "cli-lock", "--key", "k") == \
        {"LegalHold": {"Status": "OFF"}}
