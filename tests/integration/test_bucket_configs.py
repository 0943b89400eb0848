"""The other bucket configurations: website, logging, notifications, request payment,
acceleration, replication and the four kept by ?id= (inventory, analytics, metrics, Intelligent-
Tiering), each set, read back equal (as S3's canonical XML), refused with S3's code when bad, and
removed; ListBuckets paging (max-buckets, continuation-token, prefix, bucket-region). Where the
expected answers come from is said in the handler files (src/s3/website.c ...)."""

import json
import re

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import s3lib
from acl_users import Users, users_file
from s3lib import disk_only, error_code, http_status, raw, xml_text

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'
BAD_XML = "The XML you provided was not well-formed or did not validate against our published schema"


def fails(fn, **kw):
    """The error of a call that must fail: (code, status, the Error dict)."""
    with pytest.raises(ClientError) as e:
        fn(**kw)
    return error_code(e.value), http_status(e.value), e.value.response["Error"]


def status(r):
    return r["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def s3nv(server):
    """A client that sends what it is given: botocore's own checks (lengths, required members)
    would stop some of the bad requests before S3 sees them."""
    cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                 retries={"total_max_attempts": 1}, parameter_validation=False)
    return s3lib._session().client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                                   config=cfg)


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="conf-bkt")
    return "conf-bkt"


# ---- website ----------------------------------------------------------------------------------
WEBSITE = {
    "IndexDocument": {"Suffix": "index.html"},
    "ErrorDocument": {"Key": "errors/404.html"},
    "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "docs/"},
         "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
        {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"HostName": "example.com", "Protocol": "https", "HttpRedirectCode": "302",
                      "ReplaceKeyWith": "missing.html"}},
    ],
}


def test_website_put_get_delete(s3, bucket):
    code, st, err = fails(s3.get_bucket_website, Bucket=bucket)
    assert (code, st, err["BucketName"]) == ("NoSuchWebsiteConfiguration", 404, bucket)
    assert err["Message"] == "The specified bucket does not have a website configuration"
    assert status(s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)) == 200
    got = s3.get_bucket_website(Bucket=bucket)
    assert {k: got[k] for k in WEBSITE} == WEBSITE
    # A redirect of everything replaces it whole.
    redirect = {"RedirectAllRequestsTo": {"HostName": "www.example.com", "Protocol": "https"}}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=redirect)
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["RedirectAllRequestsTo"] == redirect["RedirectAllRequestsTo"]
    assert "IndexDocument" not in got
    assert status(s3.delete_bucket_website(Bucket=bucket)) == 204
    assert fails(s3.get_bucket_website, Bucket=bucket)[0] == "NoSuchWebsiteConfiguration"
    # Deleting none is still 204, as on S3.
    assert status(s3.delete_bucket_website(Bucket=bucket)) == 204


def test_website_answers_canonical_xml_whatever_was_sent(server, s3, bucket):
    body = (b'<?xml version="1.0"?>\n<s3:WebsiteConfiguration '
            b'xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">\n'
            b"  <s3:RoutingRules><s3:RoutingRule>\n"
            b"    <s3:Redirect><s3:ReplaceKeyWith> x.html </s3:ReplaceKeyWith>"
            b"<s3:HttpRedirectCode>0301</s3:HttpRedirectCode></s3:Redirect>\n"
            b"  </s3:RoutingRule></s3:RoutingRules>\n"
            b"  <s3:ErrorDocument><s3:Key>e.html</s3:Key></s3:ErrorDocument>\n"
            b"  <s3:IndexDocument><s3:Suffix>i.html</s3:Suffix></s3:IndexDocument>\n"
            b"</s3:WebsiteConfiguration>")
    assert raw(server.port, "PUT", f"/{bucket}?website", body).status == 200
    r = raw(server.port, "GET", f"/{bucket}?website")
    assert (r.status, r.header("Content-Type")) == (200, "application/xml")
    assert r.body == DECL + (
        f"<WebsiteConfiguration {NS}><IndexDocument><Suffix>i.html</Suffix></IndexDocument>"
        "<ErrorDocument><Key>e.html</Key></ErrorDocument><RoutingRules><RoutingRule><Redirect>"
        "<HttpRedirectCode>301</HttpRedirectCode><ReplaceKeyWith>x.html</ReplaceKeyWith>"
        "</Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>").encode()


PROTOCOL = ("Invalid protocol, protocol can be http or https. If not defined the protocol will be "
            "selected automatically.")


@pytest.mark.parametrize("conf,code,message,arg", [
    # AWS's answers as recorded by localstack (test_validate_website_configuration)
    ({"IndexDocument": {"Suffix": "/index.html"}}, "InvalidArgument",
     "The IndexDocument Suffix is not well formed", ("IndexDocument", "/index.html")),
    ({"IndexDocument": {"Suffix": ""}}, "InvalidArgument",
     "The IndexDocument Suffix is not well formed", ("IndexDocument", None)),
    ({"RedirectAllRequestsTo": {"HostName": "test"}, "IndexDocument": {"Suffix": "/index.html"}},
     "InvalidArgument",
     "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
     ("RedirectAllRequestsTo", "not null")),
    ({"ErrorDocument": {"Key": "/index.html"}}, "InvalidArgument",
     "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
     ("IndexDocument", "null")),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"Protocol": "protocol"}}]}, "InvalidRequest", PROTOCOL, None),
    ({"RedirectAllRequestsTo": {"HostName": "h", "Protocol": "ftp"}}, "InvalidRequest", PROTOCOL,
     None),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"ReplaceKeyPrefixWith": "prefix",
                                     "ReplaceKeyWith": "key-name"}}]},
     "InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both.", None),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"ReplaceKeyPrefixWith": "prefix"}, "Condition": {}}]},
     "InvalidRequest",
     "Condition cannot be empty. To redirect all requests without a condition, the condition "
     "element shouldn't be present.", None),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": []}, "MalformedXML", BAD_XML,
     None),
    # versitygw's s3response/website.go cases
    ({"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": ""}}, "InvalidArgument",
     "The ErrorDocument Key is not well formed", ("ErrorDocument", None)),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {}}]},
     "MalformedXML", BAD_XML, None),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"HostName": "h", "HttpRedirectCode": "300"}}]},
     "InvalidRequest",
     "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.", None),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"HostName": "h", "HttpRedirectCode": "3xx"}}]},
     "MalformedXML", BAD_XML, None),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Condition": {"HttpErrorCodeReturnedEquals": "418"},
                        "Redirect": {"HostName": "h"}}]},
     "InvalidRequest",
     "The provided HTTP error code (418) is not valid. Valid codes are 4XX or 5XX.", None),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Condition": {"KeyPrefixEquals": f"p{i}/"},
                        "Redirect": {"ReplaceKeyPrefixWith": f"r{i}/"}} for i in range(51)]},
     "InvalidRequest",
     "51 routing rules provided, the number of routing rules in a website configuration is "
     "limited to 50.", None),
])
def test_website_refused_as_s3_refuses(s3, s3nv, bucket, conf, code, message, arg):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)
    got_code, st, err = fails(s3nv.put_bucket_website, Bucket=bucket, WebsiteConfiguration=conf)
    assert (got_code, st, err["Message"]) == (code, 400, message)
    if arg:
        assert (err["ArgumentName"], err["ArgumentValue"] or None) == arg
    # Refused changes nothing.
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == WEBSITE["IndexDocument"]


def test_fifty_routing_rules_are_accepted(s3, bucket):
    rules = [{"Condition": {"KeyPrefixEquals": f"p{i}/"},
              "Redirect": {"ReplaceKeyPrefixWith": f"r{i}/"}} for i in range(50)]
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "RoutingRules": rules})
    assert s3.get_bucket_website(Bucket=bucket)["RoutingRules"] == rules


# ---- logging ----------------------------------------------------------------------------------
def test_logging_put_get_disable(server, s3, bucket):
    s3.create_bucket(Bucket="log-target")
    got = s3.get_bucket_logging(Bucket=bucket)
    assert "LoggingEnabled" not in got
    assert raw(server.port, "GET", f"/{bucket}?logging").body == \
        DECL + f"<BucketLoggingStatus {NS}></BucketLoggingStatus>".encode()
    enabled = {"TargetBucket": "log-target", "TargetPrefix": "logs/"}
    assert status(s3.put_bucket_logging(Bucket=bucket,
                                        BucketLoggingStatus={"LoggingEnabled": enabled})) == 200
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == enabled
    # TargetObjectKeyFormat (newer than this botocore): sent raw, read back as S3 answers it.
    body = (b"<BucketLoggingStatus><LoggingEnabled><TargetPrefix></TargetPrefix>"
            b"<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime"
            b"</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>"
            b"<TargetBucket>log-target</TargetBucket></LoggingEnabled></BucketLoggingStatus>")
    assert raw(server.port, "PUT", f"/{bucket}?logging", body).status == 200
    assert raw(server.port, "GET", f"/{bucket}?logging").body == DECL + (
        f"<BucketLoggingStatus {NS}><LoggingEnabled><TargetBucket>log-target</TargetBucket>"
        "<TargetPrefix></TargetPrefix><TargetObjectKeyFormat><PartitionedPrefix>"
        "<PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix>"
        "</TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>").encode()
    bad = body.replace(b"EventTime", b"kaboom")
    r = raw(server.port, "PUT", f"/{bucket}?logging", bad)
    assert (r.status, xml_text(r.xml(), "Code")) == (400, "MalformedXML")
    # An empty BucketLoggingStatus turns logging off.
    assert status(s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})) == 200
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


def test_logging_target_must_exist_in_the_same_region(s3, bucket):
    code, st, err = fails(s3.put_bucket_logging, Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "no-such-target", "TargetPrefix": "log"}})
    assert (code, st) == ("InvalidTargetBucketForLogging", 400)
    assert (err["Message"], err["TargetBucket"]) == (
        "The target bucket for logging does not exist", "no-such-target")
    s3.create_bucket(Bucket="far-logs",
                     CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    code, st, err = fails(s3.put_bucket_logging, Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "far-logs", "TargetPrefix": "log"}})
    assert (code, st, err["Message"]) == ("CrossLocationLoggingProhibitted", 403,
                                          "Cross S3 location logging not allowed. ")
    assert err["TargetBucketLocation"] == "us-west-2" and "SourceBucketLocation" not in err
    s3.create_bucket(Bucket="eu-source",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    err = fails(s3.put_bucket_logging, Bucket="eu-source", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "far-logs", "TargetPrefix": "log"}})[2]
    assert (err["SourceBucketLocation"], err["TargetBucketLocation"]) == ("eu-west-1", "us-west-2")
    assert fails(s3.put_bucket_logging, Bucket="no-such-source", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": bucket, "TargetPrefix": "log"}})[0] == "NoSuchBucket"
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


@pytest.fixture
def users(server_factory, tmp_path):
    return Users(server_factory(args=["--users", users_file(tmp_path)]))


GRANTS = [
    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
     "Permission": "WRITE"},
    # AWS takes READ_ACP here too (localstack's test_put_bucket_logging_accept_wrong_grants).
    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
     "Permission": "READ_ACP"},
]


def test_logging_grants_and_owners(users):
    a = users.alice
    a.create_bucket(Bucket="alice-src")
    a.create_bucket(Bucket="alice-logs")
    users.bob.create_bucket(Bucket="bob-logs")
    status_ = {"LoggingEnabled": {"TargetBucket": "alice-logs", "TargetPrefix": "log/",
                                  "TargetGrants": GRANTS}}
    # New buckets are BucketOwnerEnforced: no target grants (AWS's AccessControlListNotSupported).
    code, st, err = fails(a.put_bucket_logging, Bucket="alice-src", BucketLoggingStatus=status_)
    assert (code, st, err["Message"]) == (
        "AccessControlListNotSupported", 400,
        "Target grants not allowed for bucket owner enforced buckets")
    a.delete_bucket_ownership_controls(Bucket="alice-logs")
    a.put_bucket_logging(Bucket="alice-src", BucketLoggingStatus=status_)
    assert a.get_bucket_logging(Bucket="alice-src")["LoggingEnabled"] == status_["LoggingEnabled"]
    r = raw(users.srv.port, "GET", "/alice-src?logging")
    assert r.status == 403  # unsigned: anonymous
    code, st, err = fails(a.put_bucket_logging, Bucket="alice-src", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "bob-logs", "TargetPrefix": "log/"}})
    assert (code, err["Message"], err["TargetBucket"]) == (
        "InvalidTargetBucketForLogging",
        "The owner for the bucket to be logged and the target bucket must be the same.",
        "bob-logs")


# ---- notifications ----------------------------------------------------------------------------
QUEUE = "arn:aws:sqs:us-east-1:123456789012:events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:topic"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:fn"


def test_notification_put_get_clear(server, s3, bucket):
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert set(got) == {"ResponseMetadata"}
    conf = {
        "TopicConfigurations": [{"Id": "t1", "TopicArn": TOPIC,
                                 "Events": ["s3:ObjectRemoved:*"]}],
        "QueueConfigurations": [{"Id": "q1", "QueueArn": QUEUE,
                                 "Events": ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"],
                                 "Filter": {"Key": {"FilterRules": [
                                     {"Name": "Prefix", "Value": "in/"},
                                     {"Name": "Suffix", "Value": ".jpg"}]}}}],
        "LambdaFunctionConfigurations": [{"Id": "l1", "LambdaFunctionArn": LAMBDA,
                                          "Events": ["s3:ObjectCreated:*"],
                                          "Filter": {"Key": {"FilterRules": [
                                              {"Name": "Prefix", "Value": "out/"}]}}}],
        "EventBridgeConfiguration": {},
    }
    assert status(s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=conf)) == 200
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert {k: got[k] for k in conf} == conf
    # An Id S3 assigns (base64 of a UUID's text), filter rule names as S3 spells them.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [
                                     {"Name": "suffix", "Value": ".txt"},
                                     {"Name": "PREFIX", "Value": "notif-"}]}}}]})
    q = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"][0]
    assert re.fullmatch(r"[A-Za-z0-9+/]{48}", q["Id"])
    assert sorted(r["Name"] for r in q["Filter"]["Key"]["FilterRules"]) == ["Prefix", "Suffix"]
    r = raw(server.port, "GET", f"/{bucket}?notification")
    assert r.body.startswith(DECL + f"<NotificationConfiguration {NS}><QueueConfiguration><Id>"
                             .encode())
    assert f"</Id><Queue>{QUEUE}</Queue><Event>s3:ObjectCreated:*</Event><Filter>".encode() \
        in r.body
    # An empty configuration turns every notification off.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket)) == {"ResponseMetadata"}


def _queue(events=("s3:ObjectCreated:*",), rules=None, arn=QUEUE, id_=None):
    c = {"QueueArn": arn, "Events": list(events)}
    if rules is not None:
        c["Filter"] = {"Key": {"FilterRules": rules}}
    if id_:
        c["Id"] = id_
    return c


@pytest.mark.parametrize("conf,code,message,arg", [
    ({"QueueConfigurations": [_queue(arn="invalid-queue")]}, "InvalidArgument",
     "The ARN could not be parsed", ("Queue", "invalid-queue")),
    ({"TopicConfigurations": [{"TopicArn": QUEUE, "Events": ["s3:ObjectCreated:*"]}]},
     "InvalidArgument", "The ARN could not be parsed", ("Topic", QUEUE)),
    ({"QueueConfigurations": [_queue(rules=[{"Name": "INVALID", "Value": "x"}])]},
     "InvalidArgument", "filter rule name must be either prefix or suffix",
     ("FilterRule.Name", "INVALID")),
    ({"QueueConfigurations": [_queue(rules=[{"Name": "prefix", "Value": "a"},
                                            {"Name": "Prefix", "Value": "b"}])]},
     "InvalidArgument", "Cannot specify more than one prefix rule in a filter.", None),
    ({"QueueConfigurations": [_queue(events=["s3:ObjectCreated:Put"], id_="a"),
                              _queue(events=["s3:ObjectCreated:*"], id_="b")]},
     "InvalidArgument",
     "Configurations overlap. Configurations on the same bucket cannot share a common event "
     "type.", None),
    ({"QueueConfigurations": [_queue(events=["s3:ObjectCreated:NoSuch"])]}, "MalformedXML",
     BAD_XML, None),
])
def test_notification_refused_as_s3_refuses(s3, s3nv, bucket, conf, code, message, arg):
    got_code, st, err = fails(s3nv.put_bucket_notification_configuration, Bucket=bucket,
                              NotificationConfiguration=conf)
    assert (got_code, st, err["Message"]) == (code, 400, message)
    if arg:
        assert (err["ArgumentName"], err["ArgumentValue"]) == arg
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket)) == {"ResponseMetadata"}


def test_notification_filter_rule_without_value_or_name_is_malformed(server, bucket):
    for rule in (b"<Name>prefix</Name>", b"<Value>x</Value>", b""):
        body = (b"<NotificationConfiguration><QueueConfiguration><Queue>" + QUEUE.encode() +
                b"</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule>" + rule +
                b"</FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>")
        r = raw(server.port, "PUT", f"/{bucket}?notification", body)
        assert (r.status, xml_text(r.xml(), "Code")) == (400, "MalformedXML"), rule


def test_disjoint_notification_filters_do_not_overlap(s3, bucket):
    conf = {"QueueConfigurations": [
        _queue(rules=[{"Name": "prefix", "Value": "images/"}], id_="img"),
        _queue(rules=[{"Name": "prefix", "Value": "videos/"}], id_="vid"),
        _queue(events=["s3:ObjectRemoved:*"], id_="rm"),
        _queue(rules=[{"Name": "suffix", "Value": ".png"}], id_="png",
               events=["s3:ObjectTagging:*"]),
        _queue(rules=[{"Name": "suffix", "Value": ".jpg"}], id_="jpg",
               events=["s3:ObjectTagging:Put"])]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=conf)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert [c["Id"] for c in got] == ["img", "vid", "rm", "png", "jpg"]


# ---- request payment and acceleration ---------------------------------------------------------
def test_request_payment(server, s3, bucket):
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(Bucket=bucket,
                                  RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    assert raw(server.port, "GET", f"/{bucket}?requestPayment").body == DECL + (
        f"<RequestPaymentConfiguration {NS}><Payer>Requester</Payer>"
        "</RequestPaymentConfiguration>").encode()
    assert fails(s3.put_bucket_request_payment, Bucket=bucket,
                 RequestPaymentConfiguration={"Payer": "Nobody"})[:2] == ("MalformedXML", 400)
    s3.put_bucket_request_payment(Bucket=bucket,
                                  RequestPaymentConfiguration={"Payer": "BucketOwner"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    assert fails(s3.get_bucket_request_payment, Bucket="no-such-bkt")[0] == "NoSuchBucket"


def test_accelerate(server, s3, bucket):
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    for st in ("Enabled", "Suspended"):
        assert status(s3.put_bucket_accelerate_configuration(
            Bucket=bucket, AccelerateConfiguration={"Status": st})) == 200
        assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == st
    for bad in ("enabled", "random"):
        assert fails(s3.put_bucket_accelerate_configuration, Bucket=bucket,
                     AccelerateConfiguration={"Status": bad})[:2] == ("MalformedXML", 400)
    s3.create_bucket(Bucket="dotted.bucket.name")
    code, st, err = fails(s3.put_bucket_accelerate_configuration, Bucket="dotted.bucket.name",
                          AccelerateConfiguration={"Status": "random"})
    assert (code, st, err["Message"]) == (
        "InvalidRequest", 400,
        "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")


# ---- replication ------------------------------------------------------------------------------
def _versioned(s3, name):
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


REPLICATION = {
    "Role": "arn:aws:iam::123456789012:role/replication",
    "Rules": [{"ID": "r1", "Priority": 1, "Status": "Enabled",
               "Filter": {"Prefix": "Tax"},
               "Destination": {"Bucket": "arn:aws:s3:::repl-dest", "StorageClass": "STANDARD"},
               "DeleteMarkerReplication": {"Status": "Disabled"}}],
}


def test_replication_put_get_delete(s3, bucket):
    code, st, err = fails(s3.get_bucket_replication, Bucket=bucket)
    assert (code, st, err["Message"], err["BucketName"]) == (
        "ReplicationConfigurationNotFoundError", 404, "The replication configuration was not found",
        bucket)
    code, st, err = fails(s3.put_bucket_replication, Bucket=bucket,
                          ReplicationConfiguration=REPLICATION)
    assert (code, st, err["Message"]) == (
        "InvalidRequest", 400,
        "Versioning must be 'Enabled' on the bucket to apply a replication configuration")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    dest_msg = "Destination bucket must have versioning enabled."
    assert fails(s3.put_bucket_replication, Bucket=bucket,
                 ReplicationConfiguration=REPLICATION)[2]["Message"] == dest_msg
    s3.create_bucket(Bucket="repl-dest")
    assert fails(s3.put_bucket_replication, Bucket=bucket,
                 ReplicationConfiguration=REPLICATION)[2]["Message"] == dest_msg
    s3.put_bucket_versioning(Bucket="repl-dest", VersioningConfiguration={"Status": "Enabled"})
    assert status(s3.put_bucket_replication(Bucket=bucket,
                                            ReplicationConfiguration=REPLICATION)) == 200
    assert s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"] == REPLICATION
    # Versioning stays Enabled while it is there (409 InvalidBucketState, as AWS).
    code, st, err = fails(s3.put_bucket_versioning, Bucket=bucket,
                          VersioningConfiguration={"Status": "Suspended"})
    assert (code, st) == ("InvalidBucketState", 409)
    assert err["Message"].startswith("A replication configuration is present on this bucket")
    # A V1 rule (Prefix, no Filter) and a rule without ID, which S3 names.
    v1 = {"Role": "role", "Rules": [{"Prefix": "logs/", "Status": "Disabled",
                                     "Destination": {"Bucket": "arn:aws:s3:::repl-dest"}}]}
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=v1)
    rule = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"][0]
    assert re.fullmatch(r"[A-Za-z0-9+/]{48}", rule.pop("ID"))
    assert rule == v1["Rules"][0]
    assert status(s3.delete_bucket_replication(Bucket=bucket)) == 204
    assert fails(s3.get_bucket_replication, Bucket=bucket)[0] == \
        "ReplicationConfigurationNotFoundError"
    assert status(s3.delete_bucket_replication(Bucket=bucket)) == 204
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})


@pytest.mark.parametrize("change,code,message", [
    (lambda c: c.update(Rules=[]), "MalformedXML", BAD_XML),
    (lambda c: c["Rules"][0].pop("DeleteMarkerReplication"), "InvalidRequest",
     "DeleteMarkerReplication must be specified for this version of Cross Region Replication "
     "configuration schema. Please refer to S3 Developer Guide for more information."),
    (lambda c: (c["Rules"][0].pop("Filter"), c["Rules"][0].update(Prefix="x")), "InvalidRequest",
     "DeleteMarkerReplication cannot be used for this version of Cross Region Replication "
     "configuration schema. Please refer to S3 Developer Guide for more information."),
    (lambda c: c["Rules"][0].update(Status="On"), "MalformedXML", BAD_XML),
    (lambda c: c["Rules"][0]["Filter"].update(Tag={"Key": "k", "Value": "v"}), "MalformedXML",
     BAD_XML),
    (lambda c: c["Rules"][0].update(
        Filter={"Tag": {"Key": "k", "Value": "v"}}, DeleteMarkerReplication={"Status": "Enabled"}),
     "InvalidRequest",
     "Delete marker replication is not supported if any Tag filter is specified."),
])
def test_replication_refused_as_s3_refuses(s3, s3nv, bucket, change, code, message):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    _versioned(s3, "repl-dest")
    conf = json.loads(json.dumps(REPLICATION))
    change(conf)
    got_code, st, err = fails(s3nv.put_bucket_replication, Bucket=bucket,
                              ReplicationConfiguration=conf)
    assert (got_code, st, err["Message"]) == (code, 400, message)


# ---- configurations kept by id ------------------------------------------------------------
INVENTORY = {
    "Id": "report-1",
    "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::inv-dest", "Format": "CSV",
                                            "Prefix": "inv/"}},
    "IsEnabled": True,
    "Filter": {"Prefix": "data/"},
    "IncludedObjectVersions": "All",
    "OptionalFields": ["Size", "ETag"],
    "Schedule": {"Frequency": "Daily"},
}
ANALYTICS = {
    "Id": "an-1",
    "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}},
    "StorageClassAnalysis": {"DataExport": {
        "OutputSchemaVersion": "V_1",
        "Destination": {"S3BucketDestination": {"Format": "CSV", "Bucket": "arn:aws:s3:::an-dest",
                                                "Prefix": "an/"}}}},
}
METRICS = {"Id": "m-1", "Filter": {"Prefix": "logs/"}}
TIERING = {"Id": "it-1", "Filter": {"Prefix": "cold/"}, "Status": "Enabled",
           "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
                        {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}

KEYED = {
    "inventory": ("inventory", "InventoryConfiguration", INVENTORY),
    "analytics": ("analytics", "AnalyticsConfiguration", ANALYTICS),
    "metrics": ("metrics", "MetricsConfiguration", METRICS),
    "intelligent_tiering": ("intelligent_tiering", "IntelligentTieringConfiguration", TIERING),
}


def _ops(s3, family):
    return (getattr(s3, f"put_bucket_{family}_configuration"),
            getattr(s3, f"get_bucket_{family}_configuration"),
            getattr(s3, f"delete_bucket_{family}_configuration"),
            getattr(s3, f"list_bucket_{family}_configurations"))


def _listed(resp, field):
    return resp.get(f"{field}List", [])


@pytest.mark.parametrize("family", list(KEYED))
def test_keyed_put_get_list_delete(s3, bucket, family):
    _, field, conf = KEYED[family]
    put, get, delete, list_ = _ops(s3, family)
    arg = {field: conf}
    assert fails(get, Bucket=bucket, Id=conf["Id"])[:2] == ("NoSuchConfiguration", 404)
    assert _listed(list_(Bucket=bucket), field) == []
    assert list_(Bucket=bucket)["IsTruncated"] is False
    assert status(put(Bucket=bucket, Id=conf["Id"], **arg)) == 204
    assert get(Bucket=bucket, Id=conf["Id"])[field] == conf
    second = dict(conf, Id="0-first")
    put(Bucket=bucket, Id="0-first", **{field: second})
    assert _listed(list_(Bucket=bucket), field) == [second, conf]
    # Put again replaces.
    if "Filter" in conf:
        third = dict(second, Filter={"Prefix": "other/"})
        put(Bucket=bucket, Id="0-first", **{field: third})
        assert get(Bucket=bucket, Id="0-first")[field]["Filter"] == {"Prefix": "other/"}
    assert status(delete(Bucket=bucket, Id="0-first")) == 204
    code, st, err = fails(delete, Bucket=bucket, Id="0-first")
    assert (code, st, err["Message"]) == ("NoSuchConfiguration", 404,
                                          "The specified configuration does not exist.")
    assert _listed(list_(Bucket=bucket), field) == [conf]
    # A body naming another Id: IdMismatch for inventory, MalformedXML for the rest (as AWS).
    code, st, err = fails(put, Bucket=bucket, Id="other", **arg)
    want = "IdMismatch" if family == "inventory" else "MalformedXML"
    assert (code, st) == (want, 400)
    if family == "inventory":
        assert err["Message"] == "Document ID does not match the specified configuration ID."
    assert fails(put, Bucket="no-such-bkt", Id=conf["Id"], **arg)[0] == "NoSuchBucket"
    assert fails(list_, Bucket="no-such-bkt")[0] == "NoSuchBucket"


def test_keyed_answers_canonical_xml(server, s3, bucket):
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="m-1", MetricsConfiguration=METRICS)
    r = raw(server.port, "GET", f"/{bucket}?metrics&id=m-1")
    assert r.body == DECL + (f"<MetricsConfiguration {NS}><Id>m-1</Id><Filter><Prefix>logs/"
                             "</Prefix></Filter></MetricsConfiguration>").encode()
    r = raw(server.port, "GET", f"/{bucket}?metrics")
    assert r.body == DECL + (
        f"<ListMetricsConfigurationsResult {NS}><IsTruncated>false</IsTruncated>"
        "<MetricsConfiguration><Id>m-1</Id><Filter><Prefix>logs/</Prefix></Filter>"
        "</MetricsConfiguration></ListMetricsConfigurationsResult>").encode()
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="report-1",
                                          InventoryConfiguration=INVENTORY)
    x = raw(server.port, "GET", f"/{bucket}?inventory").xml()
    assert x.tag == "ListInventoryConfigurationsResult"
    assert [c.tag for c in x] == ["InventoryConfiguration", "IsTruncated"]


@pytest.mark.parametrize("change,code,message", [
    # AWS's answers as recorded by localstack (test_s3_put_inventory_report_exceptions)
    (lambda c: c["Destination"]["S3BucketDestination"].update(Bucket="inv-dest"),
     "InvalidS3DestinationBucket", "Invalid bucket ARN."),
    (lambda c: c["Destination"]["S3BucketDestination"].update(Format="WRONG-FORMAT"),
     "MalformedXML", BAD_XML),
    (lambda c: c["Schedule"].update(Frequency="Hourly"), "MalformedXML", BAD_XML),
    (lambda c: c.update(IncludedObjectVersions="Wrong"), "MalformedXML", BAD_XML),
    (lambda c: c.update(OptionalFields=["TestField"]), "MalformedXML", BAD_XML),
])
def test_inventory_refused_as_s3_refuses(s3nv, bucket, change, code, message):
    conf = json.loads(json.dumps(INVENTORY))
    change(conf)
    got = fails(s3nv.put_bucket_inventory_configuration, Bucket=bucket, Id=conf["Id"],
                InventoryConfiguration=conf)
    assert (got[0], got[1], got[2]["Message"]) == (code, 400, message)


def test_keyed_ids_s3_takes(server, s3, s3nv, bucket):
    conf = dict(METRICS, Id="")
    assert fails(s3nv.put_bucket_metrics_configuration, Bucket=bucket, Id="",
                 MetricsConfiguration=conf)[:2] == ("InvalidConfigurationId", 400)
    long_id = "x" * 65
    assert fails(s3nv.put_bucket_metrics_configuration, Bucket=bucket, Id=long_id,
                 MetricsConfiguration=dict(METRICS, Id=long_id))[0] == "InvalidConfigurationId"
    ok_id = "A.b-c_" + "9" * 58
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id=ok_id,
                                        MetricsConfiguration=dict(METRICS, Id=ok_id))
    assert s3.get_bucket_metrics_configuration(Bucket=bucket, Id=ok_id)[
        "MetricsConfiguration"]["Id"] == ok_id
    r = raw(server.port, "DELETE", f"/{bucket}?metrics")
    assert (r.status, xml_text(r.xml(), "Code")) == (400, "InvalidConfigurationId")


def test_keyed_list_pages_by_hundred(s3, bucket):
    ids = [f"{100 + i}-m" for i in range(102)]
    for i in reversed(ids):
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id=i,
                                            MetricsConfiguration={"Id": i})
    page = s3.list_bucket_metrics_configurations(Bucket=bucket)
    assert [c["Id"] for c in page["MetricsConfigurationList"]] == ids[:100]
    assert page["IsTruncated"] is True and "ContinuationToken" not in page
    token = page["NextContinuationToken"]
    page = s3.list_bucket_metrics_configurations(Bucket=bucket, ContinuationToken=token)
    assert [c["Id"] for c in page["MetricsConfigurationList"]] == ids[100:]
    assert page["IsTruncated"] is False and page["ContinuationToken"] == token
    assert "NextContinuationToken" not in page
    code, st, err = fails(s3.list_bucket_metrics_configurations, Bucket=bucket,
                          ContinuationToken="bogus")
    assert (code, err["ArgumentName"]) == ("InvalidArgument", "continuation-token")


@disk_only("restarts on the same root")
def test_configurations_go_with_the_bucket_and_survive_restart(server, s3, bucket):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="report-1",
                                          InventoryConfiguration=INVENTORY)
    server.restart()
    s3 = server.client()
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == WEBSITE["IndexDocument"]
    assert s3.get_bucket_inventory_configuration(Bucket=bucket, Id="report-1")[
        "InventoryConfiguration"] == INVENTORY
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    assert fails(s3.get_bucket_website, Bucket=bucket)[0] == "NoSuchWebsiteConfiguration"
    assert "InventoryConfigurationList" not in s3.list_bucket_inventory_configurations(
        Bucket=bucket)


# ---- who may ----------------------------------------------------------------------------------
def test_bucket_configurations_are_the_owners(users):
    a, b = users.alice, users.bob
    a.create_bucket(Bucket="alices")
    calls = {
        "PutBucketWebsite": lambda c: c.put_bucket_website(
            Bucket="alices", WebsiteConfiguration={"IndexDocument": {"Suffix": "i.html"}}),
        "GetBucketWebsite": lambda c: c.get_bucket_website(Bucket="alices"),
        "DeleteBucketWebsite": lambda c: c.delete_bucket_website(Bucket="alices"),
        "GetBucketLogging": lambda c: c.get_bucket_logging(Bucket="alices"),
        "PutBucketLogging": lambda c: c.put_bucket_logging(Bucket="alices",
                                                           BucketLoggingStatus={}),
        "GetBucketNotification": lambda c: c.get_bucket_notification_configuration(
            Bucket="alices"),
        "PutBucketNotification": lambda c: c.put_bucket_notification_configuration(
            Bucket="alices", NotificationConfiguration={}),
        "PutBucketRequestPayment": lambda c: c.put_bucket_request_payment(
            Bucket="alices", RequestPaymentConfiguration={"Payer": "Requester"}),
        "GetBucketAccelerate": lambda c: c.get_bucket_accelerate_configuration(Bucket="alices"),
        "PutBucketAccelerate": lambda c: c.put_bucket_accelerate_configuration(
            Bucket="alices", AccelerateConfiguration={"Status": "Enabled"}),
        "GetBucketReplication": lambda c: c.get_bucket_replication(Bucket="alices"),
        "DeleteBucketReplication": lambda c: c.delete_bucket_replication(Bucket="alices"),
        "PutBucketMetrics": lambda c: c.put_bucket_metrics_configuration(
            Bucket="alices", Id="m-1", MetricsConfiguration=METRICS),
        "ListBucketMetrics": lambda c: c.list_bucket_metrics_configurations(Bucket="alices"),
        "GetBucketMetrics": lambda c: c.get_bucket_metrics_configuration(Bucket="alices",
                                                                         Id="m-1"),
        "DeleteBucketMetrics": lambda c: c.delete_bucket_metrics_configuration(Bucket="alices",
                                                                               Id="m-1"),
        "ListBucketInventory": lambda c: c.list_bucket_inventory_configurations(Bucket="alices"),
        "ListBucketAnalytics": lambda c: c.list_bucket_analytics_configurations(Bucket="alices"),
        "ListBucketIntelligentTiering":
            lambda c: c.list_bucket_intelligent_tiering_configurations(Bucket="alices"),
    }
    wrong = {}
    for name, call in calls.items():
        try:
            call(b)
            wrong[name] = "allowed"
        except ClientError as e:
            if error_code(e) != "AccessDenied":
                wrong[name] = error_code(e)
    assert not wrong, wrong
    # The owner may (an answer that is not AccessDenied).
    for name, call in calls.items():
        try:
            call(a)
        except ClientError as e:
            assert error_code(e) != "AccessDenied", name


# ---- ListBuckets ------------------------------------------------------------------------------
def _names(x):
    return [xml_text(b, "Name") for b in x.findall("Buckets/Bucket")]


def test_list_buckets_pages(server, s3):
    names = ["alpha-1", "alpha-2", "alpha-3", "beta-1", "beta-2"]
    for n in reversed(names):
        s3.create_bucket(Bucket=n)
    s3.create_bucket(Bucket="west-1", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    # Without parameters the answer is as it always was: no Region, token or Prefix.
    x = raw(server.port, "GET", "/").xml()
    assert _names(x) == names + ["west-1"]
    assert x.find("Buckets/Bucket/BucketRegion") is None and x.find("ContinuationToken") is None
    seen, token = [], None
    while True:
        x = raw(server.port, "GET", "/?max-buckets=2" +
                (f"&continuation-token={token}" if token else "")).xml()
        page = _names(x)
        assert len(page) <= 2
        seen += page
        assert [xml_text(b, "BucketRegion") for b in x.findall("Buckets/Bucket")] == [
            "us-west-2" if n == "west-1" else "us-east-1" for n in page]
        token = xml_text(x, "ContinuationToken")
        if token is None:
            break
    assert seen == names + ["west-1"]
    x = raw(server.port, "GET", "/?prefix=alpha-&max-buckets=2").xml()
    assert (_names(x), xml_text(x, "Prefix")) == (["alpha-1", "alpha-2"], "alpha-")
    token = xml_text(x, "ContinuationToken")
    x = raw(server.port, "GET", f"/?prefix=alpha-&continuation-token={token}").xml()
    assert (_names(x), xml_text(x, "ContinuationToken")) == (["alpha-3"], None)
    x = raw(server.port, "GET", "/?bucket-region=us-west-2").xml()
    assert _names(x) == ["west-1"]
    assert xml_text(x, "Buckets/Bucket/BucketArn") == "arn:aws:s3:::west-1"
    assert _names(raw(server.port, "GET", "/?bucket-region=eu-central-1").xml()) == []
    assert _names(raw(server.port, "GET", "/?continuation-token=&max-buckets=1").xml()) == \
        ["alpha-1"]


@pytest.mark.parametrize("query,message,arg", [
    ("max-buckets=0", "Argument max-buckets must be an integer between 1 and 10000.",
     ("max-buckets", "0")),
    ("max-buckets=10001", "Argument max-buckets must be an integer between 1 and 10000.",
     ("max-buckets", "10001")),
    ("max-buckets=x", "Argument max-buckets must be an integer between 1 and 10000.",
     ("max-buckets", "x")),
    ("bucket-region=eu-east-1", "Argument value eu-east-1 is not a valid AWS Region",
     ("bucket-region", None)),
    ("continuation-token=bogus", "The continuation token provided is incorrect",
     ("continuation-token", "bogus")),
])
def test_list_buckets_refuses_bad_parameters(server, s3, query, message, arg):
    r = raw(server.port, "GET", f"/?{query}")
    x = r.xml()
    assert (r.status, xml_text(x, "Code"), xml_text(x, "Message")) == (
        400, "InvalidArgument", message)
    assert (xml_text(x, "ArgumentName"), xml_text(x, "ArgumentValue")) == arg


# ---- the aws CLI ------------------------------------------------------------------------------
def test_aws_cli_website_notification_and_paged_list_buckets(aws, s3):
    for n in ("cli-a", "cli-b", "cli-c"):
        s3.create_bucket(Bucket=n)
    aws("s3api", "put-bucket-website", "--bucket", "cli-a", "--website-configuration",
        json.dumps({"IndexDocument": {"Suffix": "index.html"},
                    "ErrorDocument": {"Key": "error.html"}}))
    got = json.loads(aws("s3api", "get-bucket-website", "--bucket", "cli-a").stdout)
    assert (got["IndexDocument"], got["ErrorDocument"]) == ({"Suffix": "index.html"},
                                                            {"Key": "error.html"})
    r = aws("s3api", "get-bucket-website", "--bucket", "cli-b", check=False)
    assert r.returncode != 0 and "NoSuchWebsiteConfiguration" in r.stderr
    conf = {"QueueConfigurations": [{"Id": "q", "QueueArn": QUEUE,
                                     "Events": ["s3:ObjectCreated:*"]}]}
    aws("s3api", "put-bucket-notification-configuration", "--bucket", "cli-a",
        "--notification-configuration", json.dumps(conf))
    got = json.loads(aws("s3api", "get-bucket-notification-configuration", "--bucket",
                         "cli-a").stdout)
    assert got["QueueConfigurations"] == conf["QueueConfigurations"]
    # The CLI's paginator walks ListBuckets two at a time with max-buckets and the tokens.
    got = json.loads(aws("s3api", "list-buckets", "--page-size", "2").stdout)
    assert [b["Name"] for b in got["Buckets"]] == ["cli-a", "cli-b", "cli-c"]
    got = json.loads(aws("s3api", "list-buckets", "--max-buckets", "1", "--no-paginate").stdout)
    assert [b["Name"] for b in got["Buckets"]] == ["cli-a"] and got["ContinuationToken"]
