"""Tags as Amazon S3 keeps them: Put/Get/DeleteObjectTagging on an object and on each version of
it, x-amz-tagging on PutObject, CopyObject (x-amz-tagging-directive), CreateMultipartUpload and
PostObject's tagging field, x-amz-tagging-count on GET and HEAD, Put/Get/DeleteBucketTagging, the
limits and S3's answer to each broken rule, who may tag (the bucket owner, and whom a policy
allows, with s3:RequestObjectTag and s3:ExistingObjectTag conditions), and a root written before
tags had a document of their own keeping its tags.

The oracle is Amazon S3's behaviour; where a detail was looked up, a comment names where: the API
reference and the user guide's object tagging page, test suites that run against S3 itself
(versitygw's integration tests, LocalStack's validated tests and provider, moto's, ceph's
s3-tests) and answers S3 gave that users reported (terraform-provider-aws issues 19895 and 41747,
aws-cli issue 2841)."""

import hashlib
import json
import os
import shutil
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.exceptions import ClientError

from acl_users import client as user_client
from s3lib import disk_only, error_code, http_status, parse_xml, raw

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "roots")
B = "tagged"
HEADER_MALFORMED = ("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
                    "query parameters without tag name duplicates.")


# --- helpers --------------------------------------------------------------------------------------
def client_error(fn, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return ei.value


def err(e):
    """(status, code, message) of a ClientError."""
    return http_status(e), error_code(e), e.response["Error"].get("Message")


def headers_of(resp_or_exc):
    r = getattr(resp_or_exc, "response", resp_or_exc)
    return r["ResponseMetadata"]["HTTPHeaders"]


def tagset(pairs):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


def tags(s3, key, bucket=B, **kw):
    """The tag set of bucket/key as (key, value) pairs, in the order S3 sent them."""
    return [(t["Key"], t["Value"]) for t in
            s3.get_object_tagging(Bucket=bucket, Key=key, **kw)["TagSet"]]


def tag_count(s3, key, bucket=B, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw).get("TagCount")


def show(r):
    return f"{r.status} {r.headers} {r.body[:600].decode('utf-8', 'replace')}"


def doc(pairs, root="Tagging"):
    items = "".join(f"<Tag><Key>{k}</Key><Value>{v}</Value></Tag>" for k, v in pairs)
    return (f'<{root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>{items}</TagSet>'
            f"</{root}>").encode()


@pytest.fixture
def s3(server):
    c = server.client()
    c.create_bucket(Bucket=B)
    return c


@pytest.fixture
def versioned(s3):
    s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Enabled"})
    return s3


# --- Put/Get/DeleteObjectTagging ------------------------------------------------------------------
def test_object_tags_set_read_back_and_deleted(s3):
    s3.put_object(Bucket=B, Key="k", Body=b"hello")
    # GetObjectTagging of an object without tags: an empty TagSet (versitygw's
    # GetObjectTagging_unset_tags, ceph's test_put_delete_tags).
    assert tags(s3, "k") == []
    assert tag_count(s3, "k") is None
    r = s3.put_object_tagging(Bucket=B, Key="k",
                              Tagging=tagset([("project", "blue"), ("cost", "42"), ("empty", "")]))
    assert http_status(r) == 200
    assert "x-amz-version-id" not in headers_of(r)  # a bucket never versioned names none
    # Back in key order (ceph's test_put_obj_with_tags reads them so from S3).
    assert tags(s3, "k") == [("cost", "42"), ("empty", ""), ("project", "blue")]
    assert tag_count(s3, "k") == 3
    assert headers_of(s3.head_object(Bucket=B, Key="k"))["x-amz-tagging-count"] == "3"
    # A Put replaces the whole set.
    s3.put_object_tagging(Bucket=B, Key="k", Tagging=tagset([("only", "one")]))
    assert tags(s3, "k") == [("only", "one")]
    r = s3.delete_object_tagging(Bucket=B, Key="k")
    assert http_status(r) == 204
    assert tags(s3, "k") == []
    assert tag_count(s3, "k") is None
    assert "x-amz-tagging-count" not in headers_of(s3.head_object(Bucket=B, Key="k"))
    # The data and the metadata are untouched.
    got = s3.get_object(Bucket=B, Key="k")
    assert got["Body"].read() == b"hello" and got["ContentType"] == "binary/octet-stream"


def test_an_empty_tag_set_removes_the_tags(s3):
    # "If you send this request with an empty tag set, Amazon S3 deletes the existing tag set on
    # the object" (the user guide's object tagging page).
    s3.put_object(Bucket=B, Key="k", Body=b"x", Tagging="a=1")
    assert http_status(s3.put_object_tagging(Bucket=B, Key="k", Tagging={"TagSet": []})) == 200
    assert tags(s3, "k") == [] and tag_count(s3, "k") is None


def test_the_largest_tags_s3_takes(s3):
    s3.put_object(Bucket=B, Key="k", Body=b"x")
    big = [(f"k{i}", f"v{i}") for i in range(7)] + [
        ("K" * 128, "v" * 256),
        # the characters S3 allows besides letters and numbers: separators and _ . : / = + - @
        ("a b+c-d=e.f_g:h/i@j", "2 + 2 = 4"),
        # Unicode letters and numbers; S3 counts UTF-16 code units ("Amazon S3 object tags are
        # internally represented in UTF-16", the user guide), so 64 astral letters fill a key.
        ("\U0001d49c" * 64, "\u6587\u5b57\u0661\u00b2 \u00e9t\u00e9" + "\u6587" * 247),
    ]
    s3.put_object_tagging(Bucket=B, Key="k", Tagging=tagset(big))
    assert sorted(tags(s3, "k")) == sorted(big)
    assert tag_count(s3, "k") == 10


def invalid_key(k):
    return 400, "InvalidTag", "The TagKey you have provided is invalid", {"TagKey": k}


def invalid_value(k, v):
    return 400, "InvalidTag", "The TagValue you have provided is invalid", {"TagKey": k,
                                                                           "TagValue": v}


# Each broken rule and S3's answer: the codes and messages of versitygw's s3err (ErrInvalidTagKey,
# ErrInvalidTagValue, ErrDuplicateTagKey, ErrObjectTaggingLimited) and LocalStack's
# validate_tag_set (the TagKey and TagValue elements, the aws: message for objects); 11 tags is
# BadRequest as S3 answered terraform-provider-aws users (issues 19895, 41747).
REFUSED = [
    ("11 tags", [(f"k{i}", "") for i in range(11)],
     (400, "BadRequest", "Object tags cannot be greater than 10", {})),
    ("a key twice", [("a", "1"), ("b", "2"), ("a", "3")],
     (400, "InvalidTag", "Cannot provide multiple Tags with the same key", {"TagKey": "a"})),
    ("a key of 129 characters", [("k" * 129, "v")], invalid_key("k" * 129)),
    ("a key of 65 astral letters", [("\U0001d49c" * 65, "v")], invalid_key("\U0001d49c" * 65)),
    ("a value of 257 characters", [("k", "v" * 257)], invalid_value("k", "v" * 257)),
    ("the prefix aws:", [("aws:cost", "1")],
     (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:", {"TagKey": "aws:cost"})),
    ("the prefix AWS:", [("AWS:cost", "1")],
     (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:", {"TagKey": "AWS:cost"})),
] + [(f"the key {bad!r}", [("ok", "1"), (bad, "v")], invalid_key(bad))
     for bad in ["user!name", "foo#bar", "data%20", "a*b", "a,b", "a;b", "a?b", "(x)", "tab\there",
                 "\U0001f600"]
     ] + [(f"the value {bad!r}", [("k", bad)], invalid_value("k", bad))
          for bad in ["name?test", "`path", "comma,separated", "semicolon;test", "(parentheses)",
                      "\U0001f600"]]


@pytest.mark.parametrize("name,pairs,want", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_tag_sets(s3, name, pairs, want):
    s3.put_object(Bucket=B, Key="k", Body=b"x", Tagging="keep=me")
    e = client_error(s3.put_object_tagging, Bucket=B, Key="k", Tagging=tagset(pairs))
    status, code, msg, elems = want
    assert err(e) == (status, code, msg), e.response
    for name_, value in elems.items():
        assert e.response["Error"].get(name_) == value, e.response
    assert tags(s3, "k") == [("keep", "me")]


@pytest.mark.parametrize("body,code", [
    (b"<Tagging><TagSet>", "MalformedXML"),  # no end
    (b"<Tagging></Tagging>", "MalformedXML"),  # no TagSet (LocalStack: "TagSet" not in tagging)
    (b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>", "MalformedXML"),  # no Value
    (b"<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>", "MalformedXML"),
    (b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value><Key>b</Key></Tag></TagSet></Tagging>",
     "MalformedXML"),
    (b"<Tagging><TagSet/><TagSet/></Tagging>", "MalformedXML"),
    (b"<Tagging><TagSet/><Other/></Tagging>", "MalformedXML"),
    (doc([("a", "1")], root="Tags"), "MalformedXML"),  # another document
    (b"not xml", "MalformedXML"),
    (b"", "MissingRequestBodyError"),  # "Request body is empty." (S3's error table)
    (doc([("", "v")]), "InvalidTag"),  # an empty key (boto3 refuses to send one)
])
def test_malformed_tagging_documents(server, s3, body, code):
    s3.put_object(Bucket=B, Key="k", Body=b"x", Tagging="keep=me")
    for target in (f"/{B}/k?tagging", f"/{B}?tagging"):
        r = raw(server.port, "PUT", target, body)
        assert r.status == 400, show(r)
        assert parse_xml(r.body).findtext("Code") == code, show(r)
    assert tags(s3, "k") == [("keep", "me")]
    assert error_code(client_error(s3.get_bucket_tagging, Bucket=B)) == "NoSuchTagSet"


def test_a_document_without_namespace_and_with_spaces(server, s3):
    s3.put_object(Bucket=B, Key="k", Body=b"x")
    body = (b"<?xml version='1.0' encoding='UTF-8'?>\n<Tagging>\n <TagSet>\n  <Tag>\n"
            b"   <Key>a&amp;b</Key>\n   <Value>x y</Value>\n  </Tag>\n </TagSet>\n</Tagging>\n")
    r = raw(server.port, "PUT", f"/{B}/k?tagging", body)
    assert r.status == 400 and parse_xml(r.body).findtext("TagKey") == "a&b", show(r)
    r = raw(server.port, "PUT", f"/{B}/k?tagging", body.replace(b"a&amp;b", b"a.b"))
    assert r.status == 200, show(r)
    r = raw(server.port, "GET", f"/{B}/k?tagging")
    assert r.status == 200 and r.header("Content-Type") == "application/xml", show(r)
    x = parse_xml(r.body)
    assert x.tag == "Tagging"
    assert [(t.findtext("Key"), t.findtext("Value")) for t in x.find("TagSet")] == [("a.b", "x y")]


def test_tags_of_a_key_or_bucket_that_does_not_exist(s3):
    for call, kw in [(s3.put_object_tagging, {"Tagging": tagset([("a", "1")])}),
                     (s3.get_object_tagging, {}), (s3.delete_object_tagging, {})]:
        e = client_error(call, Bucket=B, Key="missing", **kw)
        assert err(e)[:2] == (404, "NoSuchKey"), e.response
        assert e.response["Error"]["Key"] == "missing"
        e = client_error(call, Bucket="no-such-bucket", Key="k", **kw)
        assert err(e)[:2] == (404, "NoSuchBucket"), e.response


# --- versions -------------------------------------------------------------------------------------
def test_each_version_has_its_own_tags(versioned):
    s3 = versioned
    v1 = s3.put_object(Bucket=B, Key="k", Body=b"one", Tagging="n=1")["VersionId"]
    v2 = s3.put_object(Bucket=B, Key="k", Body=b"two")["VersionId"]
    assert tags(s3, "k", VersionId=v1) == [("n", "1")]
    assert tags(s3, "k") == []
    # Tagging a version makes no new version (moto's test_put_object_tagging_on_both_version).
    r = s3.put_object_tagging(Bucket=B, Key="k", VersionId=v1, Tagging=tagset([("old", "yes")]))
    assert r["VersionId"] == v1
    r = s3.put_object_tagging(Bucket=B, Key="k", Tagging=tagset([("new", "yes")]))
    assert r["VersionId"] == v2
    got = s3.get_object_tagging(Bucket=B, Key="k", VersionId=v1)
    assert got["VersionId"] == v1 and got["TagSet"] == [{"Key": "old", "Value": "yes"}]
    got = s3.get_object_tagging(Bucket=B, Key="k")
    assert got["VersionId"] == v2 and got["TagSet"] == [{"Key": "new", "Value": "yes"}]
    assert tag_count(s3, "k", VersionId=v1) == 1
    vs = s3.list_object_versions(Bucket=B)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in vs] == [(v2, True), (v1, False)]
    r = s3.delete_object_tagging(Bucket=B, Key="k", VersionId=v1)
    assert r["VersionId"] == v1
    assert tags(s3, "k", VersionId=v1) == [] and tags(s3, "k") == [("new", "yes")]
    # The version keeps its tags when it becomes current again.
    s3.delete_object(Bucket=B, Key="k", VersionId=v2)
    s3.put_object_tagging(Bucket=B, Key="k", Tagging=tagset([("back", "1")]))
    assert tags(s3, "k", VersionId=v1) == [("back", "1")]


def test_tags_under_a_delete_marker(versioned):
    s3 = versioned
    v1 = s3.put_object(Bucket=B, Key="k", Body=b"one", Tagging="n=1")["VersionId"]
    marker = s3.delete_object(Bucket=B, Key="k")["VersionId"]
    # Without a version id: NoSuchKey with the marker's headers, as GetObject answers.
    for call, kw in [(s3.put_object_tagging, {"Tagging": tagset([("a", "1")])}),
                     (s3.get_object_tagging, {}), (s3.delete_object_tagging, {})]:
        e = client_error(call, Bucket=B, Key="k", **kw)
        assert err(e)[:2] == (404, "NoSuchKey"), e.response
        assert headers_of(e)["x-amz-delete-marker"] == "true"
        assert headers_of(e)["x-amz-version-id"] == marker
        # The marker's id: 405 (versitygw's Versioning_PutGetDeleteObjectTagging_delete_marker).
        e = client_error(call, Bucket=B, Key="k", VersionId=marker, **kw)
        assert err(e)[:2] == (405, "MethodNotAllowed"), e.response
    assert tags(s3, "k", VersionId=v1) == [("n", "1")]


def test_version_ids_that_name_no_version(versioned):
    s3 = versioned
    s3.put_object(Bucket=B, Key="k", Body=b"one")
    for call, kw in [(s3.put_object_tagging, {"Tagging": tagset([("a", "1")])}),
                     (s3.get_object_tagging, {}), (s3.delete_object_tagging, {})]:
        # versitygw's Versioning_*ObjectTagging_invalid_versionId and _non_existing_object_version
        e = client_error(call, Bucket=B, Key="k", VersionId="invalid_versionId", **kw)
        assert err(e)[:2] == (400, "InvalidArgument"), e.response
        e = client_error(call, Bucket=B, Key="k", VersionId="0000000000000fff0000000000000000",
                         **kw)
        assert err(e)[:2] == (404, "NoSuchVersion"), e.response


def test_the_null_version(s3):
    s3.put_object(Bucket=B, Key="k", Body=b"before", Tagging="v=null")
    s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=B, Key="k", Body=b"after")
    got = s3.get_object_tagging(Bucket=B, Key="k", VersionId="null")
    assert got["VersionId"] == "null" and got["TagSet"] == [{"Key": "v", "Value": "null"}]
    r = s3.put_object_tagging(Bucket=B, Key="k", VersionId="null", Tagging=tagset([("w", "2")]))
    assert r["VersionId"] == "null"
    assert tags(s3, "k", VersionId="null") == [("w", "2")]


# --- x-amz-tagging on writes ----------------------------------------------------------------------
# The header's form: a key without '=' has the empty value, a value may hold '=', '+' is a space,
# empty pieces are skipped (versitygw's CopyObject_should_replace_tagging and
# CreateMultipartUpload_with_tagging; ceph's test_put_obj_with_tags).
HEADERS_TAKEN = [
    ("a=1&b=2", [("a", "1"), ("b", "2")]),
    ("foo=bar&bar", [("bar", ""), ("foo", "bar")]),
    ("&&", []),
    ("key=&", [("key", "")]),
    ("a%20b=c%2Bd&e+f=g=h", [("a b", "c+d"), ("e f", "g=h")]),
    ("%C3%BC=%E6%96%87", [("\u00fc", "\u6587")]),
    ("key%2E=value%2F&k@=v@", [("k@", "v@"), ("key.", "value/")]),
]


@pytest.mark.parametrize("header,want", HEADERS_TAKEN, ids=[h for h, _ in HEADERS_TAKEN])
def test_tagging_header_forms(s3, header, want):
    s3.put_object(Bucket=B, Key="k", Body=b"x", Tagging=header)
    assert tags(s3, "k") == want
    assert tag_count(s3, "k") == (len(want) or None)


def header_malformed(h):
    return 400, "InvalidArgument", HEADER_MALFORMED, {"ArgumentName": "x-amz-tagging",
                                                      "ArgumentValue": h}


HEADERS_REFUSED = [
    ("a=1&a=2", header_malformed("a=1&a=2")),
    ("=1", header_malformed("=1")),
    ("=", header_malformed("=")),
    ("key%", header_malformed("key%")),
    ("a=%FF", header_malformed("a=%FF")),
    # unencoded characters no URL carries: S3 answered InvalidArgument for
    # "TagSet=[{Key=string,Value=string}]" and InvalidTag for it encoded (aws-cli issue 2841)
    ("TagSet=[{Key=string,Value=string}]", header_malformed("TagSet=[{Key=string,Value=string}]")),
    ("TagSet%3D%5B%7BKey%3Dstring%2CValue%3Dstring%7D%5D",
     invalid_key("TagSet=[{Key=string,Value=string}]")),
    ("a,b=1", invalid_key("a,b")),
    ("key?=val", invalid_key("key?")),
    ("key=val!", invalid_value("key", "val!")),
    ("aws:cost=1", (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:",
                    {"TagKey": "aws:cost"})),
    ("&".join(f"k{i}=" for i in range(11)),
     (400, "BadRequest", "Object tags cannot be greater than 10", {})),
]


@pytest.mark.parametrize("header,want", HEADERS_REFUSED, ids=[h for h, _ in HEADERS_REFUSED])
def test_tagging_header_refused_on_every_write(s3, header, want):
    s3.put_object(Bucket=B, Key="src", Body=b"x")
    status, code, msg, elems = want
    writes = [
        (s3.put_object, {"Key": "new", "Body": b"x"}),
        (s3.create_multipart_upload, {"Key": "new"}),
        (s3.copy_object, {"Key": "new", "CopySource": f"{B}/src", "TaggingDirective": "REPLACE"}),
    ]
    for call, kw in writes:
        e = client_error(call, Bucket=B, Tagging=header, **kw)
        assert err(e) == (status, code, msg), (call, e.response)
        for name, value in elems.items():
            assert e.response["Error"].get(name) == value, e.response
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=B)["Contents"]] == ["src"]
    assert s3.list_multipart_uploads(Bucket=B).get("Uploads", []) == []


def test_copy_takes_or_replaces_the_tags(versioned):
    s3 = versioned
    v1 = s3.put_object(Bucket=B, Key="src", Body=b"one", Tagging="gen=1&keep=yes")["VersionId"]
    s3.put_object(Bucket=B, Key="src", Body=b"two", Tagging="gen=2")
    # COPY, the default (versitygw's CopyObject_should_copy_tagging): the source version's tags
    s3.copy_object(Bucket=B, Key="dflt", CopySource=f"{B}/src")
    assert tags(s3, "dflt") == [("gen", "2")]
    s3.copy_object(Bucket=B, Key="copy", CopySource=f"{B}/src", TaggingDirective="COPY",
                   Tagging="ignored=1")
    assert tags(s3, "copy") == [("gen", "2")]
    s3.copy_object(Bucket=B, Key="old", CopySource=f"{B}/src?versionId={v1}")
    assert tags(s3, "old") == [("gen", "1"), ("keep", "yes")]
    # REPLACE: the request's tags, none when it names none
    s3.copy_object(Bucket=B, Key="repl", CopySource=f"{B}/src", TaggingDirective="REPLACE",
                   Tagging="new=tag")
    assert tags(s3, "repl") == [("new", "tag")]
    s3.copy_object(Bucket=B, Key="none", CopySource=f"{B}/src", TaggingDirective="REPLACE")
    assert tags(s3, "none") == [] and tag_count(s3, "none") is None
    # The copy's tags are its own: retagging it leaves the source alone.
    s3.put_object_tagging(Bucket=B, Key="dflt", Tagging=tagset([("x", "y")]))
    assert tags(s3, "src") == [("gen", "2")]
    # An unknown directive (versitygw's CopyObject_invalid_tagging_directive)
    e = client_error(s3.copy_object, Bucket=B, Key="bad", CopySource=f"{B}/src",
                     TaggingDirective="MOVE")
    assert err(e) == (400, "InvalidArgument", "Unknown tagging directive."), e.response
    assert e.response["Error"]["ArgumentName"] == "x-amz-tagging-directive"
    assert e.response["Error"]["ArgumentValue"] == "MOVE"


def test_multipart_upload_tags_its_object(s3):
    u = s3.create_multipart_upload(Bucket=B, Key="mp", Tagging="stage=upload&n=1")["UploadId"]
    etag = s3.upload_part(Bucket=B, Key="mp", UploadId=u, PartNumber=1, Body=b"part")["ETag"]
    s3.complete_multipart_upload(Bucket=B, Key="mp", UploadId=u, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert tags(s3, "mp") == [("n", "1"), ("stage", "upload")]
    got = s3.get_object(Bucket=B, Key="mp")
    assert got["TagCount"] == 2 and got["Body"].read() == b"part"
    assert "x-fakes3-tagging" not in headers_of(got)
    u = s3.create_multipart_upload(Bucket=B, Key="plain")["UploadId"]
    etag = s3.upload_part(Bucket=B, Key="plain", UploadId=u, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=B, Key="plain", UploadId=u, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert tags(s3, "plain") == []


def form_post(server, fields):
    boundary = "----fakes3TagsBoundary"
    body = b""
    for name, value in fields + [("file", b"hello")]:
        extra = '; filename="f.txt"' if name == "file" else ""
        value = value if isinstance(value, bytes) else value.encode()
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'
                 .encode() + value + b"\r\n")
    body += f"--{boundary}--\r\n".encode()
    return requests.post(f"{server.endpoint}/{B}", data=body, timeout=30,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_post_object_tagging_field(server, s3):
    r = form_post(server, [("key", "form.txt"), ("tagging", doc([("src", "form"), ("n", "2")]))])
    assert r.status_code == 204, r.text
    assert tags(s3, "form.txt") == [("n", "2"), ("src", "form")]
    assert tag_count(s3, "form.txt") == 2
    r = form_post(server, [("key", "bad.txt"),
                           ("tagging", doc([(f"k{i}", "") for i in range(11)]))])
    assert r.status_code == 400
    x = ET.fromstring(r.content)
    assert (x.findtext("Code"), x.findtext("Message")) == ("BadRequest",
                                                           "Object tags cannot be greater than 10")
    r = form_post(server, [("key", "bad.txt"), ("tagging", "<Tagging><TagSet>")])
    assert r.status_code == 400 and ET.fromstring(r.content).findtext("Code") == "MalformedXML"
    r = form_post(server, [("key", "bad.txt"), ("tagging", doc([("aws:x", "1")]))])
    assert r.status_code == 400 and ET.fromstring(r.content).findtext("Code") == "InvalidTag"
    assert "bad.txt" not in [o["Key"] for o in s3.list_objects_v2(Bucket=B)["Contents"]]


def test_tagging_count_on_get_and_head(server, s3):
    s3.put_object(Bucket=B, Key="k", Body=b"x", Tagging="a=1&b=2&c=3")
    for method in ("GET", "HEAD"):
        r = raw(server.port, method, f"/{B}/k")
        assert r.status == 200 and r.header("x-amz-tagging-count") == "3", show(r)
    r = raw(server.port, "GET", f"/{B}/k", headers=[("Range", "bytes=0-0")])
    assert r.status == 206 and r.header("x-amz-tagging-count") == "3", show(r)


def test_aws_cli_put_and_get_object_tagging(server, s3, aws):
    s3.put_object(Bucket=B, Key="cli.txt", Body=b"x")
    aws("s3api", "put-object-tagging", "--bucket", B, "--key", "cli.txt", "--tagging",
        "TagSet=[{Key=team,Value=blue},{Key=cost,Value=42}]")
    out = json.loads(aws("s3api", "get-object-tagging", "--bucket", B, "--key", "cli.txt").stdout)
    assert out["TagSet"] == [{"Key": "cost", "Value": "42"}, {"Key": "team", "Value": "blue"}]
    r = aws("s3api", "put-object-tagging", "--bucket", B, "--key", "cli.txt", "--tagging",
            "TagSet=[{Key=aws:x,Value=1}]", check=False)
    assert r.returncode != 0 and "InvalidTag" in r.stderr, r.stderr
    aws("s3api", "delete-object-tagging", "--bucket", B, "--key", "cli.txt")
    assert tags(s3, "cli.txt") == []


# --- bucket tags ----------------------------------------------------------------------------------
def test_bucket_tags_set_read_back_and_deleted(s3):
    e = client_error(s3.get_bucket_tagging, Bucket=B)
    assert err(e) == (404, "NoSuchTagSet", "The TagSet does not exist"), e.response
    assert e.response["Error"]["BucketName"] == B
    fifty = [(f"key-{i:02}", f"value {i}") for i in range(50)]
    r = s3.put_bucket_tagging(Bucket=B, Tagging=tagset(fifty))
    # 204 as the API reference's sample answer and versitygw's PutBucketTagging_success_status
    assert http_status(r) == 204
    got = s3.get_bucket_tagging(Bucket=B)["TagSet"]
    assert [(t["Key"], t["Value"]) for t in got] == fifty
    s3.put_bucket_tagging(Bucket=B, Tagging=tagset([("team", "blue")]))
    assert s3.get_bucket_tagging(Bucket=B)["TagSet"] == [{"Key": "team", "Value": "blue"}]
    assert http_status(s3.delete_bucket_tagging(Bucket=B)) == 204
    assert error_code(client_error(s3.get_bucket_tagging, Bucket=B)) == "NoSuchTagSet"
    assert http_status(s3.delete_bucket_tagging(Bucket=B)) == 204  # none to delete
    # An empty tag set leaves none (moto's and LocalStack's test_get_bucket_tagging).
    s3.put_bucket_tagging(Bucket=B, Tagging=tagset([("team", "blue")]))
    s3.put_bucket_tagging(Bucket=B, Tagging={"TagSet": []})
    assert error_code(client_error(s3.get_bucket_tagging, Bucket=B)) == "NoSuchTagSet"
    # Object tags and bucket tags are apart.
    s3.put_object(Bucket=B, Key="k", Body=b"x")
    assert tags(s3, "k") == []


BUCKET_REFUSED = [
    ("51 tags", [(f"k{i}", "") for i in range(51)],
     (400, "BadRequest", "Bucket tag count cannot be greater than 50", {})),
    ("a key twice", [("a", "1"), ("a", "2")],
     (400, "InvalidTag", "Cannot provide multiple Tags with the same key", {"TagKey": "a"})),
    # moto's test_put_bucket_tagging, LocalStack's validate_tag_set for buckets
    ("the prefix aws:", [("aws:sometag", "nope")],
     (400, "InvalidTag", "System tags cannot be added/updated by requester",
      {"TagKey": "aws:sometag"})),
    ("a key of 129 characters", [("k" * 129, "")], invalid_key("k" * 129)),
    ("the key user!name", [("user!name", "v")], invalid_key("user!name")),
    ("the value comma,separated", [("valid", "comma,separated")],
     invalid_value("valid", "comma,separated")),
]


@pytest.mark.parametrize("name,pairs,want", BUCKET_REFUSED, ids=[r[0] for r in BUCKET_REFUSED])
def test_refused_bucket_tag_sets(s3, name, pairs, want):
    s3.put_bucket_tagging(Bucket=B, Tagging=tagset([("keep", "me")]))
    e = client_error(s3.put_bucket_tagging, Bucket=B, Tagging=tagset(pairs))
    status, code, msg, elems = want
    assert err(e) == (status, code, msg), e.response
    for name_, value in elems.items():
        assert e.response["Error"].get(name_) == value, e.response
    assert s3.get_bucket_tagging(Bucket=B)["TagSet"] == [{"Key": "keep", "Value": "me"}]


def test_bucket_tags_of_a_bucket_that_does_not_exist(s3):
    for call, kw in [(s3.put_bucket_tagging, {"Tagging": tagset([("a", "1")])}),
                     (s3.get_bucket_tagging, {}), (s3.delete_bucket_tagging, {})]:
        e = client_error(call, Bucket="no-such-bucket", **kw)
        assert err(e)[:2] == (404, "NoSuchBucket"), e.response


def test_bucket_tags_go_with_the_bucket(s3):
    s3.put_bucket_tagging(Bucket=B, Tagging=tagset([("team", "blue")]))
    s3.delete_bucket(Bucket=B)
    s3.create_bucket(Bucket=B)
    assert error_code(client_error(s3.get_bucket_tagging, Bucket=B)) == "NoSuchTagSet"


# --- who may tag ----------------------------------------------------------------------------------
USERS = [
    {"access_key": "AKALICE", "secret_key": "alice-secret", "display_name": "alice",
     "account_id": "111111111111"},
    {"access_key": "AKBOB", "secret_key": "bob-secret", "display_name": "bob",
     "account_id": "222222222222"},
]
BOB_ARN = "arn:aws:iam::222222222222:user/bob"
BOB_CANONICAL = hashlib.sha256(b"AKBOB").hexdigest()


@pytest.fixture
def alice_bob(server_factory, tmp_path):
    p = tmp_path / "users.json"
    p.write_text(json.dumps({"users": USERS}))
    srv = server_factory(args=["--users", str(p)])
    alice = user_client(srv, "AKALICE", "alice-secret")
    bob = user_client(srv, "AKBOB", "bob-secret")
    alice.create_bucket(Bucket=B)
    alice.put_object(Bucket=B, Key="k", Body=b"alice's", Tagging="team=blue")
    return alice, bob


def policy(alice, *statements):
    alice.put_bucket_policy(Bucket=B, Policy=json.dumps({"Version": "2012-10-17",
                                                        "Statement": list(statements)}))


def allow(action, resource=f"arn:aws:s3:::{B}/*", **extra):
    return {"Effect": "Allow", "Principal": {"AWS": BOB_ARN}, "Action": action,
            "Resource": resource, **extra}


def denied(call, **kw):
    e = client_error(call, **kw)
    assert err(e)[:2] == (403, "AccessDenied"), e.response


def test_only_the_bucket_owner_tags_by_default(alice_bob):
    # "By default, the bucket owner has this permission and can grant this permission to others"
    # (the API reference's Put/Get/DeleteObjectTagging and PutBucketTagging); no ACL grants it.
    alice, bob = alice_bob
    alice.put_bucket_ownership_controls(Bucket=B, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    alice.put_object_acl(Bucket=B, Key="k", GrantFullControl=f"id={BOB_CANONICAL}")
    assert bob.get_object(Bucket=B, Key="k")["Body"].read() == b"alice's"
    denied(bob.get_object_tagging, Bucket=B, Key="k")
    denied(bob.put_object_tagging, Bucket=B, Key="k", Tagging=tagset([("a", "1")]))
    denied(bob.delete_object_tagging, Bucket=B, Key="k")
    denied(bob.get_bucket_tagging, Bucket=B)
    denied(bob.put_bucket_tagging, Bucket=B, Tagging=tagset([("a", "1")]))
    denied(bob.delete_bucket_tagging, Bucket=B)
    assert tags(alice, "k") == [("team", "blue")]
    alice.put_bucket_tagging(Bucket=B, Tagging=tagset([("owner", "alice")]))
    # DeleteBucketTagging is s3:PutBucketTagging (the API reference).
    policy(alice, allow("s3:PutBucketTagging", resource=f"arn:aws:s3:::{B}"),
           allow(["s3:GetObjectTagging", "s3:DeleteObjectTagging"]))
    assert tags(bob, "k") == [("team", "blue")]
    bob.delete_bucket_tagging(Bucket=B)
    bob.delete_object_tagging(Bucket=B, Key="k")
    assert tags(alice, "k") == []


def test_a_version_is_tagged_with_the_version_actions(alice_bob):
    alice, bob = alice_bob
    alice.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Enabled"})
    v = alice.put_object(Bucket=B, Key="v", Body=b"x")["VersionId"]
    policy(alice, allow(["s3:PutObjectTagging", "s3:GetObjectTagging"]))
    bob.put_object_tagging(Bucket=B, Key="v", Tagging=tagset([("a", "1")]))
    denied(bob.put_object_tagging, Bucket=B, Key="v", VersionId=v, Tagging=tagset([("a", "2")]))
    denied(bob.get_object_tagging, Bucket=B, Key="v", VersionId=v)
    policy(alice, allow(["s3:PutObjectVersionTagging", "s3:GetObjectVersionTagging",
                         "s3:DeleteObjectVersionTagging"]))
    bob.put_object_tagging(Bucket=B, Key="v", VersionId=v, Tagging=tagset([("a", "2")]))
    assert tags(bob, "v", VersionId=v) == [("a", "2")]
    bob.delete_object_tagging(Bucket=B, Key="v", VersionId=v)
    denied(bob.get_object_tagging, Bucket=B, Key="v")


def test_request_tag_conditions_judge_the_tags_put(alice_bob):
    alice, bob = alice_bob
    policy(alice, allow("s3:PutObjectTagging", Condition={
        "StringEquals": {"s3:RequestObjectTag/team": "blue"},
        "ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["team", "cost"]}}))
    bob.put_object_tagging(Bucket=B, Key="k", Tagging=tagset([("team", "blue"), ("cost", "1")]))
    denied(bob.put_object_tagging, Bucket=B, Key="k", Tagging=tagset([("team", "red")]))
    denied(bob.put_object_tagging, Bucket=B, Key="k",
           Tagging=tagset([("team", "blue"), ("owner", "bob")]))
    assert tags(alice, "k") == [("cost", "1"), ("team", "blue")]


def test_existing_tag_conditions_follow_the_tags(alice_bob):
    alice, bob = alice_bob
    policy(alice, allow("s3:GetObject", Condition={
        "StringEquals": {"s3:ExistingObjectTag/team": "blue"}}))
    assert bob.get_object(Bucket=B, Key="k")["Body"].read() == b"alice's"
    alice.put_object_tagging(Bucket=B, Key="k", Tagging=tagset([("team", "red")]))
    denied(bob.get_object, Bucket=B, Key="k")
    alice.put_object_tagging(Bucket=B, Key="k", Tagging=tagset([("team", "blue")]))
    assert bob.get_object(Bucket=B, Key="k")["Body"].read() == b"alice's"


# --- a root written before tags had a document of their own ---------------------------------------
@disk_only("opens a root written by an older version")
def test_root_written_by_a4cc6de_keeps_its_tags(server_factory, tmp_path):
    """tests/fixtures/roots/main-a4cc6de (schema 5, see its README): tags kept as a header line of
    each version, and an upload in progress with tags. They read as before, are replaced and
    removed for good, are copied, and the upload's object gets them."""
    root = tmp_path / "old-root"
    shutil.copytree(os.path.join(FIXTURES, "main-a4cc6de"), root)
    srv = server_factory(root=root)
    s3 = srv.client()
    O = "old5-bucket"
    v1, v2 = "0000000000000001e23f98a359fe4941", "00000000000000028df5d041d97498b4"
    assert tags(s3, "tagged.txt", bucket=O) == [("color", "blue")]
    assert tags(s3, "tagged.txt", bucket=O, VersionId=v1) == [("color", "red"), ("size", "s")]
    assert tags(s3, "odd.txt", bucket=O) == [("a b", "c d"), ("e", "")]
    assert tags(s3, "plain.txt", bucket=O) == []
    assert tag_count(s3, "tagged.txt", bucket=O, VersionId=v1) == 2
    got = s3.get_object(Bucket=O, Key="odd.txt")
    assert got["TagCount"] == 2 and "x-fakes3-tagging" not in headers_of(got)
    # Removed for good, not brought back by the old line; replaced on one version only.
    s3.delete_object_tagging(Bucket=O, Key="tagged.txt")
    s3.put_object_tagging(Bucket=O, Key="tagged.txt", VersionId=v1, Tagging=tagset([("n", "1")]))
    s3.copy_object(Bucket=O, Key="copy.txt", CopySource=f"{O}/odd.txt")
    uid = "6db0a89d9b882b7cf4a33848311a1b60"
    c = s3.complete_multipart_upload(Bucket=O, Key="pending.bin", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": '"7eedc4aad85e2ba33b2f3e023ab46283"'}]})
    assert c["VersionId"] not in (None, "null")
    srv.restart()
    s3 = srv.client()
    assert tags(s3, "tagged.txt", bucket=O) == [] and tag_count(s3, "tagged.txt", bucket=O) is None
    assert tags(s3, "tagged.txt", bucket=O, VersionId=v2) == []
    assert tags(s3, "tagged.txt", bucket=O, VersionId=v1) == [("n", "1")]
    assert tags(s3, "copy.txt", bucket=O) == [("a b", "c d"), ("e", "")]
    assert tags(s3, "pending.bin", bucket=O) == [("stage", "upload")]
    assert s3.get_object(Bucket=O, Key="pending.bin")["Body"].read() == b"pending part\n"
