"""Bucket versioning as Amazon S3 does it: Put/GetBucketVersioning, version ids on every write of
an Enabled bucket, the "null" version (objects written before versioning, and every write while
Suspended), delete markers (DeleteObject without a version id, GET/HEAD 404 and 405 with their
headers), permanent deletes by version id, DeleteObjects with version ids, ListObjectVersions
(order, IsLatest, markers, prefix/delimiter, key-marker/version-id-marker paging, encoding-type),
ListObjects hiding what is not current, BucketNotEmpty, CopyObject/UploadPartCopy from a version,
CompleteMultipartUpload's version id, object ACLs by version, concurrent writers on one key, and
roots written by earlier fakes3 versions opening with their objects as null versions.

The oracle is Amazon S3's behaviour. Where a detail was looked up, a comment names where (the AWS
API reference or user guide, or a test suite that runs against S3 itself: moto's tests marked
aws_verified, versitygw's tests run with DIRECT=true, ceph's s3-tests). Where S3's answer is not
certain, only the status and error code are asserted. Version ids are opaque: the tests never
assume their form, only that they are non-empty, distinct, and not "null" on an Enabled bucket.
No test sleeps: where an order in time matters, it waits until the clock has moved past a
timestamp the server answered."""

import hashlib
import os
import shutil
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote_plus

import pytest
from botocore.exceptions import ClientError

from acl_users import ALL_USERS, Users, users_file
from s3lib import (disk_only, RFC1123_RE, error_code, http_status, md5_hex, model_list,
                   parse_rfc1123, parse_xml, raw, utf8, wait_for)

MIB = 1024 * 1024
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "roots")


# --- helpers --------------------------------------------------------------------------------------
def show(r):
    return f"{r.status} {r.headers} {r.body[:600].decode('utf-8', 'replace')}"


def code(r):
    assert r.body, f"no error document: {show(r)}"
    return parse_xml(r.body).findtext("Code")


def q(b):
    return f'"{md5_hex(b)}"'


def client_error(fn, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return ei.value


def headers_of(resp_or_exc):
    r = getattr(resp_or_exc, "response", resp_or_exc)
    return r["ResponseMetadata"]["HTTPHeaders"]


def versioned(s3, bucket):
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def put(s3, bucket, key, body, **kw):
    """PutObject; returns the version id S3 answered (None when it answered none)."""
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **kw).get("VersionId")


def get_body(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def all_versions(s3, bucket, **kw):
    """Every version and delete marker (boto3's paginator): (versions, delete markers)."""
    vs, dms = [], []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
        vs += page.get("Versions", [])
        dms += page.get("DeleteMarkers", [])
    return vs, dms


def vid_list(entries):
    return [(e["Key"], e["VersionId"], e["IsLatest"]) for e in entries]


def raw_versions(port, bucket, **params):
    """GET /bucket?versions with params (key_marker -> key-marker, ...), unsigned. Returns
    (root, entries, prefixes): entries are ("Version"|"DeleteMarker", key, version id, IsLatest)
    in the order of the XML, where S3 interleaves versions and delete markers."""
    qs = "versions" + "".join(f"&{k.replace('_', '-')}={quote(str(v), safe='')}"
                              for k, v in params.items())
    r = raw(port, "GET", f"/{bucket}?{qs}")
    assert r.status == 200, show(r)
    x = r.xml()
    assert x.tag == "ListVersionsResult", show(r)
    entries = [(el.tag, el.findtext("Key"), el.findtext("VersionId"), el.findtext("IsLatest"))
               for el in x if el.tag in ("Version", "DeleteMarker")]
    prefixes = [cp.findtext("Prefix") for cp in x.findall("CommonPrefixes")]
    return x, entries, prefixes


def wait_past(s3, bucket, key):
    """Waits until the clock is past the LastModified (milliseconds) of key's newest version or
    marker, so that what is written next is strictly newer."""
    vs, dms = all_versions(s3, bucket, Prefix=key)
    newest = max(e["LastModified"] for e in vs + dms if e["Key"] == key)
    wait_for(lambda: datetime.now(timezone.utc) > newest + timedelta(milliseconds=2),
             timeout=10, what=f"the clock to pass {newest}")


# ==================================================================================================
# Put/GetBucketVersioning
# ==================================================================================================
def test_new_bucket_versioning_has_no_status(server, s3):
    s3.create_bucket(Bucket="vnew")
    r = s3.get_bucket_versioning(Bucket="vnew")
    assert "Status" not in r and "MFADelete" not in r, r
    # On the wire: an empty VersioningConfiguration (S3 API reference, GetBucketVersioning: "If
    # the versioning state has never been set on a bucket, Amazon S3 doesn't return a versioning
    # state").
    x = raw(server.port, "GET", "/vnew?versioning").xml()
    assert x.tag == "VersioningConfiguration" and x.find("Status") is None


def test_enable_versioning(server, s3):
    s3.create_bucket(Bucket="venable")
    r = s3.put_bucket_versioning(Bucket="venable", VersioningConfiguration={"Status": "Enabled"})
    assert http_status(r) == 200
    assert s3.get_bucket_versioning(Bucket="venable")["Status"] == "Enabled"
    x = raw(server.port, "GET", "/venable?versioning").xml()
    assert x.findtext("Status") == "Enabled"


def test_suspend_versioning(s3):
    versioned(s3, "vsusp")
    s3.put_bucket_versioning(Bucket="vsusp", VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket="vsusp")["Status"] == "Suspended"
    s3.put_bucket_versioning(Bucket="vsusp", VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket="vsusp")["Status"] == "Enabled"


def test_suspend_a_never_versioned_bucket(s3):
    # s3-tests test_versioning_bucket_create_suspend; versitygw issue 866 (direct-to-S3 tests):
    # Suspended is accepted on a bucket whose versioning was never set.
    s3.create_bucket(Bucket="vsnever")
    s3.put_bucket_versioning(Bucket="vsnever", VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket="vsnever")["Status"] == "Suspended"


def test_versioning_of_missing_bucket(s3):
    e = client_error(s3.put_bucket_versioning, Bucket="vmissing",
                     VersioningConfiguration={"Status": "Enabled"})
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)
    e = client_error(s3.get_bucket_versioning, Bucket="vmissing")
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)


@pytest.mark.parametrize("status", ["enabled", "Disabled", "Off"])
def test_invalid_versioning_status_is_malformed_xml(s3, status):
    # Any Status but Enabled/Suspended fails the schema: 400 MalformedXML (noobaa PR 7325,
    # "same as AWS (which is MalformedXML)"). The state is unchanged.
    s3.create_bucket(Bucket="vbad")
    e = client_error(s3.put_bucket_versioning, Bucket="vbad",
                     VersioningConfiguration={"Status": status})
    assert (error_code(e), http_status(e)) == ("MalformedXML", 400)
    assert "Status" not in s3.get_bucket_versioning(Bucket="vbad")


def test_versioning_body_not_xml_is_malformed_xml(server, s3):
    s3.create_bucket(Bucket="vjunk")
    r = raw(server.port, "PUT", "/vjunk?versioning", b"Status=Enabled")
    assert (r.status, code(r)) == (400, "MalformedXML"), show(r)
    assert "Status" not in s3.get_bucket_versioning(Bucket="vjunk")


def test_mfa_delete_without_mfa_header_is_malformed_xml(s3):
    # A MfaDelete element, even Disabled, without the x-amz-mfa header: S3 answers 400
    # MalformedXML (terraform-provider-aws issue 26879, closed as by design, and PR 48161: "sent
    # MfaDelete=Disabled to AWS without the required MFA header, causing a MalformedXML
    # rejection"; trussworks/terraform-aws-logs issue 267). Nothing changes.
    s3.create_bucket(Bucket="vmfa")
    e = client_error(s3.put_bucket_versioning, Bucket="vmfa",
                     VersioningConfiguration={"Status": "Enabled", "MFADelete": "Disabled"})
    assert (error_code(e), http_status(e)) == ("MalformedXML", 400)
    assert "Status" not in s3.get_bucket_versioning(Bucket="vmfa")


# ==================================================================================================
# Writes on an Enabled bucket
# ==================================================================================================
def test_put_returns_a_new_version_id_each_time(server, s3):
    versioned(s3, "vput")
    ids = [put(s3, "vput", "k", f"body {i}".encode()) for i in range(4)]
    assert all(ids) and "null" not in ids, ids
    assert len(set(ids)) == 4, ids
    # On the wire: x-amz-version-id on the PUT's answer.
    r = raw(server.port, "PUT", "/vput/k", b"raw body")
    assert r.status == 200, show(r)
    rid = r.header("x-amz-version-id")
    assert rid and rid != "null" and rid not in ids, show(r)
    vs, dms = all_versions(s3, "vput")
    assert [v["VersionId"] for v in vs] == [rid] + ids[::-1] and dms == []


def test_get_and_head_by_version_id(server, s3):
    versioned(s3, "vget")
    bodies = [b"first", b"second, longer", b"third"]
    ids = [put(s3, "vget", "k", b) for b in bodies]
    for vid, body in zip(ids, bodies):
        g = s3.get_object(Bucket="vget", Key="k", VersionId=vid)
        assert (g["Body"].read(), g["VersionId"], g["ETag"]) == (body, vid, q(body))
        h = s3.head_object(Bucket="vget", Key="k", VersionId=vid)
        assert (h["ContentLength"], h["VersionId"], h["ETag"]) == (len(body), vid, q(body))
        r = raw(server.port, "GET", f"/vget/k?versionId={quote(vid, safe='')}")
        assert (r.status, r.body, r.header("x-amz-version-id")) == (200, body, vid), show(r)
        r = raw(server.port, "HEAD", f"/vget/k?versionId={quote(vid, safe='')}")
        assert (r.status, r.header("x-amz-version-id")) == (200, vid), show(r)
        assert r.header("Content-Length") == str(len(body)), show(r)
    # A ranged GET of an old version is a range of that version.
    g = s3.get_object(Bucket="vget", Key="k", VersionId=ids[1], Range="bytes=0-5")
    assert (g["Body"].read(), g["VersionId"]) == (b"second", ids[1])


def test_get_without_version_is_the_latest(server, s3):
    versioned(s3, "vlatest")
    put(s3, "vlatest", "k", b"old")
    latest = put(s3, "vlatest", "k", b"new")
    g = s3.get_object(Bucket="vlatest", Key="k")
    assert (g["Body"].read(), g["VersionId"]) == (b"new", latest)
    h = s3.head_object(Bucket="vlatest", Key="k")
    assert h["VersionId"] == latest
    r = raw(server.port, "GET", "/vlatest/k")
    assert (r.status, r.body, r.header("x-amz-version-id")) == (200, b"new", latest), show(r)


# ==================================================================================================
# The null version
# ==================================================================================================
def test_never_versioned_bucket_lists_null_versions(s3):
    # User guide, "How S3 Versioning works": objects stored before versioning was set have the
    # version id null.
    s3.create_bucket(Bucket="vplain")
    s3.put_object(Bucket="vplain", Key="a", Body=b"a")
    s3.put_object(Bucket="vplain", Key="a", Body=b"a again")
    s3.put_object(Bucket="vplain", Key="b", Body=b"b")
    vs, dms = all_versions(s3, "vplain")
    assert vid_list(vs) == [("a", "null", True), ("b", "null", True)] and dms == []
    assert vs[0]["ETag"] == q(b"a again") and vs[0]["Size"] == 7


def test_object_from_before_versioning_is_the_null_version(server, s3):
    s3.create_bucket(Bucket="vpre")
    s3.put_object(Bucket="vpre", Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket="vpre", VersioningConfiguration={"Status": "Enabled"})
    vs, _ = all_versions(s3, "vpre")
    assert vid_list(vs) == [("k", "null", True)]
    vid = put(s3, "vpre", "k", b"after")
    assert vid and vid != "null"
    vs, dms = all_versions(s3, "vpre")
    assert vid_list(vs) == [("k", vid, True), ("k", "null", False)] and dms == []
    # The null version stays addressable (versitygw Versioning_GetObject_null_versionId_obj:
    # GetObject VersionId=null answers VersionId "null").
    g = s3.get_object(Bucket="vpre", Key="k", VersionId="null")
    assert (g["Body"].read(), g["VersionId"], g["ETag"]) == (b"before", "null", q(b"before"))
    h = s3.head_object(Bucket="vpre", Key="k", VersionId="null")
    assert (h["ContentLength"], h["VersionId"]) == (6, "null")
    r = raw(server.port, "GET", "/vpre/k?versionId=null")
    assert (r.status, r.body, r.header("x-amz-version-id")) == (200, b"before", "null"), show(r)
    assert get_body(s3, "vpre", "k") == b"after"
    # ... and copyable by its id.
    c = s3.copy_object(Bucket="vpre", Key="restored",
                       CopySource={"Bucket": "vpre", "Key": "k", "VersionId": "null"})
    assert c["CopySourceVersionId"] == "null" and c["VersionId"] not in (None, "null")
    assert get_body(s3, "vpre", "restored") == b"before"


def test_delete_the_null_version_by_id(server, s3):
    s3.create_bucket(Bucket="vdelnull")
    s3.put_object(Bucket="vdelnull", Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket="vdelnull", VersioningConfiguration={"Status": "Enabled"})
    vid = put(s3, "vdelnull", "k", b"after")
    r = raw(server.port, "DELETE", "/vdelnull/k?versionId=null")
    # versitygw Versioning_Delete_null_versionId_object: the answer names version "null".
    assert (r.status, r.header("x-amz-version-id")) == (204, "null"), show(r)
    assert r.header("x-amz-delete-marker") != "true", show(r)
    vs, dms = all_versions(s3, "vdelnull")
    assert vid_list(vs) == [("k", vid, True)] and dms == []
    e = client_error(s3.get_object, Bucket="vdelnull", Key="k", VersionId="null")
    assert (error_code(e), http_status(e)) == ("NoSuchVersion", 404)
    assert get_body(s3, "vdelnull", "k") == b"after"


# ==================================================================================================
# Suspended
# ==================================================================================================
def test_suspended_put_writes_the_null_version(server, s3):
    versioned(s3, "vsput")
    v1 = put(s3, "vsput", "k", b"enabled era")
    s3.put_bucket_versioning(Bucket="vsput", VersioningConfiguration={"Status": "Suspended"})
    # PutObject on a Suspended bucket answers no x-amz-version-id (S3 API reference, PutObject
    # examples, "versioning suspended" sample response; versitygw issue 2164 and
    # Versioning_PutObject_suspended_null_versionId_obj).
    resp = s3.put_object(Bucket="vsput", Key="k", Body=b"suspended era")
    assert "VersionId" not in resp, resp
    r = raw(server.port, "PUT", "/vsput/other", b"raw")
    assert r.status == 200 and r.header("x-amz-version-id") is None, show(r)
    vs, dms = all_versions(s3, "vsput")
    assert vid_list(vs) == [("k", "null", True), ("k", v1, False), ("other", "null", True)]
    assert dms == []
    g = s3.get_object(Bucket="vsput", Key="k", VersionId="null")
    assert (g["Body"].read(), g["VersionId"]) == (b"suspended era", "null")
    assert get_body(s3, "vsput", "k", VersionId=v1) == b"enabled era"
    # GET/HEAD of the current null version name it (versitygw issue 2165).
    assert s3.head_object(Bucket="vsput", Key="k")["VersionId"] == "null"


def test_suspended_put_replaces_only_the_null_version(s3):
    # User guide, "Adding objects to versioning-suspended buckets": a PUT overwrites the null
    # version if there is one, and no other version.
    s3.create_bucket(Bucket="vsrep")
    s3.put_object(Bucket="vsrep", Key="k", Body=b"null one")
    s3.put_bucket_versioning(Bucket="vsrep", VersioningConfiguration={"Status": "Enabled"})
    v1 = put(s3, "vsrep", "k", b"versioned one")
    v2 = put(s3, "vsrep", "k", b"versioned two")
    s3.put_bucket_versioning(Bucket="vsrep", VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket="vsrep", Key="k", Body=b"null two")
    s3.put_object(Bucket="vsrep", Key="k", Body=b"null three")
    vs, dms = all_versions(s3, "vsrep")
    assert vid_list(vs) == [("k", "null", True), ("k", v2, False), ("k", v1, False)], vs
    assert dms == []
    assert vs[0]["ETag"] == q(b"null three") and vs[0]["Size"] == len(b"null three")
    assert get_body(s3, "vsrep", "k", VersionId="null") == b"null three"
    assert get_body(s3, "vsrep", "k", VersionId=v1) == b"versioned one"
    assert get_body(s3, "vsrep", "k", VersionId=v2) == b"versioned two"
    assert get_body(s3, "vsrep", "k") == b"null three"


def test_suspended_delete_adds_a_null_delete_marker(server, s3):
    # User guide, "Deleting objects from versioning-suspended buckets": a simple DELETE removes
    # the null version (if any) and inserts a delete marker whose version id is null; other
    # versions stay. Repeated deletes leave one null marker (versitygw
    # Versioning_DeleteObject_suspended).
    versioned(s3, "vsdel")
    v1 = put(s3, "vsdel", "k", b"kept")
    s3.put_bucket_versioning(Bucket="vsdel", VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket="vsdel", Key="k", Body=b"null, soon replaced by the marker")
    for _ in range(3):
        r = raw(server.port, "DELETE", "/vsdel/k")
        assert r.status == 204, show(r)
        assert r.header("x-amz-delete-marker") == "true", show(r)
        assert r.header("x-amz-version-id") == "null", show(r)
    vs, dms = all_versions(s3, "vsdel")
    assert vid_list(vs) == [("k", v1, False)]
    assert vid_list(dms) == [("k", "null", True)]
    e = client_error(s3.get_object, Bucket="vsdel", Key="k")
    assert (error_code(e), http_status(e)) == ("NoSuchKey", 404)
    assert get_body(s3, "vsdel", "k", VersionId=v1) == b"kept"


def test_reenabling_keeps_the_null_version(s3):
    versioned(s3, "vsre")
    v1 = put(s3, "vsre", "k", b"one")
    s3.put_bucket_versioning(Bucket="vsre", VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket="vsre", Key="k", Body=b"null")
    s3.put_bucket_versioning(Bucket="vsre", VersioningConfiguration={"Status": "Enabled"})
    v3 = put(s3, "vsre", "k", b"three")
    assert v3 not in (None, "null", v1)
    vs, _ = all_versions(s3, "vsre")
    assert vid_list(vs) == [("k", v3, True), ("k", "null", False), ("k", v1, False)]
    assert get_body(s3, "vsre", "k", VersionId="null") == b"null"


# ==================================================================================================
# Delete markers
# ==================================================================================================
def test_delete_without_version_adds_a_delete_marker(server, s3):
    versioned(s3, "vdm")
    v1 = put(s3, "vdm", "k", b"data")
    d = s3.delete_object(Bucket="vdm", Key="k")
    assert http_status(d) == 204
    assert d["DeleteMarker"] is True and d["VersionId"] not in (None, "null", v1), d
    r = raw(server.port, "DELETE", "/vdm/k")
    assert r.status == 204, show(r)
    assert r.header("x-amz-delete-marker") == "true", show(r)
    m2 = r.header("x-amz-version-id")
    assert m2 and m2 not in ("null", v1, d["VersionId"]), show(r)
    vs, dms = all_versions(s3, "vdm")
    assert vid_list(vs) == [("k", v1, False)]
    assert vid_list(dms) == [("k", m2, True), ("k", d["VersionId"], False)]
    assert s3.list_objects_v2(Bucket="vdm").get("Contents", []) == []


def test_get_and_head_under_a_delete_marker_are_404_with_marker_headers(server, s3):
    # S3 API reference, GetObject/HeadObject: if the current version is a delete marker, S3
    # behaves as if the object was deleted and includes x-amz-delete-marker: true. The marker's
    # id comes with it (moto test_delete_versioned_bucket_returns_metadata, aws_verified).
    versioned(s3, "vdm404")
    put(s3, "vdm404", "k", b"data")
    mid = s3.delete_object(Bucket="vdm404", Key="k")["VersionId"]
    r = raw(server.port, "GET", "/vdm404/k")
    assert (r.status, code(r)) == (404, "NoSuchKey"), show(r)
    assert r.header("x-amz-delete-marker") == "true", show(r)
    assert r.header("x-amz-version-id") == mid, show(r)
    r = raw(server.port, "HEAD", "/vdm404/k")
    assert r.status == 404 and r.body == b"", show(r)
    assert r.header("x-amz-delete-marker") == "true", show(r)
    assert r.header("x-amz-version-id") == mid, show(r)
    e = client_error(s3.get_object, Bucket="vdm404", Key="k")
    assert (error_code(e), http_status(e)) == ("NoSuchKey", 404)
    assert headers_of(e).get("x-amz-delete-marker") == "true"
    e = client_error(s3.head_object, Bucket="vdm404", Key="k")
    assert http_status(e) == 404 and headers_of(e).get("x-amz-delete-marker") == "true"


def test_get_and_head_of_a_delete_marker_by_version_are_405(server, s3):
    # S3 API reference, GetObject/HeadObject: a version id naming a delete marker answers 405
    # Method Not Allowed with Last-Modified; x-amz-delete-marker: true and Allow: DELETE (moto
    # test_delete_versioned_bucket_returns_metadata, aws_verified).
    versioned(s3, "vdm405")
    put(s3, "vdm405", "k", b"data")
    mid = s3.delete_object(Bucket="vdm405", Key="k")["VersionId"]
    _, dms = all_versions(s3, "vdm405")
    marker_time = dms[0]["LastModified"].replace(microsecond=0)
    for method in ("GET", "HEAD"):
        r = raw(server.port, method, f"/vdm405/k?versionId={quote(mid, safe='')}")
        assert r.status == 405, (method, show(r))
        if method == "GET":
            assert code(r) == "MethodNotAllowed", show(r)
        assert r.header("x-amz-delete-marker") == "true", (method, show(r))
        assert r.header("Allow") == "DELETE", (method, show(r))
        lm = r.header("Last-Modified")
        assert lm and RFC1123_RE.match(lm), (method, show(r))
        assert parse_rfc1123(lm) == marker_time, (method, lm, marker_time)
    e = client_error(s3.get_object, Bucket="vdm405", Key="k", VersionId=mid)
    assert (error_code(e), http_status(e)) == ("MethodNotAllowed", 405)
    e = client_error(s3.head_object, Bucket="vdm405", Key="k", VersionId=mid)
    assert http_status(e) == 405 and headers_of(e).get("allow") == "DELETE"


def test_delete_a_version_removes_it_for_good(server, s3):
    versioned(s3, "vdv")
    v1 = put(s3, "vdv", "k", b"one")
    v2 = put(s3, "vdv", "k", b"two")
    v3 = put(s3, "vdv", "k", b"three")
    r = raw(server.port, "DELETE", f"/vdv/k?versionId={quote(v2, safe='')}")
    assert (r.status, r.header("x-amz-version-id")) == (204, v2), show(r)
    assert r.header("x-amz-delete-marker") != "true", show(r)
    vs, dms = all_versions(s3, "vdv")
    assert vid_list(vs) == [("k", v3, True), ("k", v1, False)] and dms == []
    e = client_error(s3.get_object, Bucket="vdv", Key="k", VersionId=v2)
    assert (error_code(e), http_status(e)) == ("NoSuchVersion", 404)
    assert get_body(s3, "vdv", "k") == b"three"


def test_delete_the_current_version_makes_the_previous_current(s3):
    versioned(s3, "vdcur")
    v1 = put(s3, "vdcur", "k", b"one")
    v2 = put(s3, "vdcur", "k", b"two")
    d = s3.delete_object(Bucket="vdcur", Key="k", VersionId=v2)
    assert d["VersionId"] == v2 and not d.get("DeleteMarker"), d
    g = s3.get_object(Bucket="vdcur", Key="k")
    assert (g["Body"].read(), g["VersionId"]) == (b"one", v1)
    vs, _ = all_versions(s3, "vdcur")
    assert vid_list(vs) == [("k", v1, True)]


def test_delete_the_delete_marker_restores_the_object(server, s3):
    # S3 API reference, DeleteObject: x-amz-delete-marker tells whether the version that was
    # permanently deleted was a delete marker (versitygw Versioning_DeleteObject_delete_a_delete_marker).
    versioned(s3, "vdrest")
    v1 = put(s3, "vdrest", "k", b"back again")
    mid = s3.delete_object(Bucket="vdrest", Key="k")["VersionId"]
    r = raw(server.port, "DELETE", f"/vdrest/k?versionId={quote(mid, safe='')}")
    assert r.status == 204, show(r)
    assert r.header("x-amz-delete-marker") == "true", show(r)
    assert r.header("x-amz-version-id") == mid, show(r)
    g = s3.get_object(Bucket="vdrest", Key="k")
    assert (g["Body"].read(), g["VersionId"]) == (b"back again", v1)
    vs, dms = all_versions(s3, "vdrest")
    assert vid_list(vs) == [("k", v1, True)] and dms == []


def test_delete_of_a_key_that_never_existed_still_adds_a_marker(s3):
    # User guide, "Working with delete markers": a simple DELETE on a versioned bucket inserts a
    # delete marker, whatever there was.
    versioned(s3, "vdnone")
    d = s3.delete_object(Bucket="vdnone", Key="never")
    assert d["DeleteMarker"] is True and d["VersionId"] not in (None, "null")
    vs, dms = all_versions(s3, "vdnone")
    assert vs == [] and vid_list(dms) == [("never", d["VersionId"], True)]


def test_delete_of_a_deleted_version_is_idempotent(server, s3):
    # DELETE is idempotent: a version that is gone answers 204 with its id (versitygw
    # Versioning_DeleteObject_non_existing_objects).
    versioned(s3, "vdtwice")
    v1 = put(s3, "vdtwice", "k", b"one")
    v2 = put(s3, "vdtwice", "k", b"two")
    s3.delete_object(Bucket="vdtwice", Key="k", VersionId=v1)
    r = raw(server.port, "DELETE", f"/vdtwice/k?versionId={quote(v1, safe='')}")
    assert (r.status, r.header("x-amz-version-id")) == (204, v1), show(r)
    vs, dms = all_versions(s3, "vdtwice")
    assert vid_list(vs) == [("k", v2, True)] and dms == []


def test_delete_objects_with_version_ids(s3):
    # S3 API reference, DeleteObjects and DeletedObject; moto test_delete_objects_for_specific_
    # version_id (aws_verified): a version deleted by id is {Key, VersionId}; a key without a
    # version id gets a marker, DeleteMarker true and DeleteMarkerVersionId.
    versioned(s3, "vbatch")
    a1 = put(s3, "vbatch", "a", b"a1")
    a2 = put(s3, "vbatch", "a", b"a2")
    b1 = put(s3, "vbatch", "b", b"b1")
    c1 = put(s3, "vbatch", "c", b"c1")
    mc = s3.delete_object(Bucket="vbatch", Key="c")["VersionId"]
    r = s3.delete_objects(Bucket="vbatch", Delete={"Objects": [
        {"Key": "a", "VersionId": a1}, {"Key": "b"}, {"Key": "c", "VersionId": mc}]})
    assert r.get("Errors", []) == [], r
    deleted = {d["Key"]: d for d in r["Deleted"]}
    assert sorted(deleted) == ["a", "b", "c"], r
    assert deleted["a"] == {"Key": "a", "VersionId": a1}, deleted["a"]
    assert deleted["b"]["DeleteMarker"] is True, deleted["b"]
    mb = deleted["b"]["DeleteMarkerVersionId"]
    assert mb not in (None, "", "null", b1), deleted["b"]
    # Deleting a marker by id: DeleteMarker true, and its id (DeleteMarkerVersionId, when given,
    # is the id of the version deleted: API reference, DeletedObject).
    assert deleted["c"]["DeleteMarker"] is True and deleted["c"]["VersionId"] == mc, deleted["c"]
    assert deleted["c"].get("DeleteMarkerVersionId", mc) == mc, deleted["c"]
    vs, dms = all_versions(s3, "vbatch")
    assert vid_list(vs) == [("a", a2, True), ("b", b1, False), ("c", c1, True)]
    assert vid_list(dms) == [("b", mb, True)]


def test_delete_objects_quiet_lists_nothing_deleted(s3):
    versioned(s3, "vbquiet")
    v1 = put(s3, "vbquiet", "k", b"x")
    r = s3.delete_objects(Bucket="vbquiet", Delete={"Quiet": True, "Objects": [
        {"Key": "k", "VersionId": v1}, {"Key": "other"}]})
    assert r.get("Deleted", []) == [] and r.get("Errors", []) == [], r
    vs, dms = all_versions(s3, "vbquiet")
    assert vs == [] and [d["Key"] for d in dms] == ["other"]


# ==================================================================================================
# Unknown and malformed version ids
# ==================================================================================================
def test_version_that_does_not_exist_is_no_such_version(server, s3):
    versioned(s3, "vnsv")
    gone = put(s3, "vnsv", "k", b"gone")
    put(s3, "vnsv", "k", b"stays")
    s3.delete_object(Bucket="vnsv", Key="k", VersionId=gone)
    r = raw(server.port, "GET", f"/vnsv/k?versionId={quote(gone, safe='')}")
    assert (r.status, code(r)) == (404, "NoSuchVersion"), show(r)
    r = raw(server.port, "HEAD", f"/vnsv/k?versionId={quote(gone, safe='')}")
    assert r.status == 404, show(r)
    e = client_error(s3.copy_object, Bucket="vnsv", Key="copy",
                     CopySource={"Bucket": "vnsv", "Key": "k", "VersionId": gone})
    assert (error_code(e), http_status(e)) == ("NoSuchVersion", 404)


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_malformed_version_id_is_invalid_argument(server, s3, method):
    # A version id S3 could never have made: 400 InvalidArgument ("Invalid version id
    # specified", ArgumentName versionId; versitygw Versioning_GetObject_invalid_versionId and
    # Versioning_DeleteObject_invalid_versionId). HEAD has no body to carry the code.
    versioned(s3, "vbadid")
    put(s3, "vbadid", "k", b"data")
    r = raw(server.port, method, "/vbadid/k?versionId=not-a-version-id")
    assert r.status == 400, show(r)
    if method != "HEAD":
        assert code(r) == "InvalidArgument", show(r)
    assert get_body(s3, "vbadid", "k") == b"data"


# ==================================================================================================
# ListObjectVersions
# ==================================================================================================
def test_list_versions_newest_first_and_one_latest_per_key(s3):
    versioned(s3, "vlist")
    a = [put(s3, "vlist", "a", f"a{i}".encode()) for i in range(3)]
    b = [put(s3, "vlist", "b", f"b{i}".encode()) for i in range(2)]
    mb = s3.delete_object(Bucket="vlist", Key="b")["VersionId"]
    cd = put(s3, "vlist", "c/d", b"cd")
    vs, dms = all_versions(s3, "vlist")
    assert vid_list(vs) == [("a", a[2], True), ("a", a[1], False), ("a", a[0], False),
                            ("b", b[1], False), ("b", b[0], False), ("c/d", cd, True)]
    assert vid_list(dms) == [("b", mb, True)]
    # Per key, LastModified never increases down the list.
    for key in ("a", "b"):
        times = [v["LastModified"] for v in vs if v["Key"] == key]
        assert times == sorted(times, reverse=True), (key, times)


def test_list_versions_xml_interleaves_markers_in_order(server, s3):
    # S3 sends versions and delete markers in one sequence, by key, newest first (rclone's
    # backend/s3 mergeDeleteMarkers: "delivered by S3 sorted by key then by LastUpdated newest
    # first but annoyingly the SDK splits them up into two"). Each write waits for the clock to
    # pass the previous one so that "newest" is unambiguous.
    versioned(s3, "vinter")
    v1 = put(s3, "vinter", "k", b"one")
    wait_past(s3, "vinter", "k")
    m1 = s3.delete_object(Bucket="vinter", Key="k")["VersionId"]
    wait_past(s3, "vinter", "k")
    v2 = put(s3, "vinter", "k", b"two")
    wait_past(s3, "vinter", "k")
    m2 = s3.delete_object(Bucket="vinter", Key="k")["VersionId"]
    z1 = put(s3, "vinter", "z", b"z")
    _, entries, prefixes = raw_versions(server.port, "vinter")
    assert entries == [("DeleteMarker", "k", m2, "true"), ("Version", "k", v2, "false"),
                       ("DeleteMarker", "k", m1, "false"), ("Version", "k", v1, "false"),
                       ("Version", "z", z1, "true")], entries
    assert prefixes == []


def test_list_versions_entry_fields(server, s3):
    # S3 API reference, ListObjectVersions / ObjectVersion / DeleteMarkerEntry.
    versioned(s3, "vfields")
    body = b"some bytes"
    vid = put(s3, "vfields", "obj", body)
    mid = s3.delete_object(Bucket="vfields", Key="gone")["VersionId"]
    r = s3.list_object_versions(Bucket="vfields")
    assert (r["Name"], r["KeyMarker"], r["MaxKeys"], r["IsTruncated"]) == \
        ("vfields", "", 1000, False), r
    assert "NextKeyMarker" not in r and "NextVersionIdMarker" not in r, r
    [v] = r["Versions"]
    assert (v["Key"], v["VersionId"], v["IsLatest"], v["ETag"], v["Size"], v["StorageClass"]) == \
        ("obj", vid, True, q(body), len(body), "STANDARD"), v
    assert v["Owner"].get("ID"), v
    assert v["LastModified"].tzinfo is not None
    [m] = r["DeleteMarkers"]
    assert (m["Key"], m["VersionId"], m["IsLatest"]) == ("gone", mid, True), m
    assert m["Owner"].get("ID") and m["LastModified"].tzinfo is not None, m
    assert not {"ETag", "Size", "StorageClass"} & set(m), m
    # The same on the wire, with LastModified in ISO 8601 with milliseconds.
    x, _, _ = raw_versions(server.port, "vfields")
    el = x.find("Version")
    assert el.findtext("LastModified").endswith("Z") and "." in el.findtext("LastModified")
    assert x.find("DeleteMarker").find("ETag") is None


def test_list_versions_prefix_and_delimiter(s3):
    versioned(s3, "vdelim")
    a1 = put(s3, "vdelim", "docs/a.txt", b"1")
    a2 = put(s3, "vdelim", "docs/a.txt", b"2")
    put(s3, "vdelim", "docs/sub/b.txt", b"b")
    s3.delete_object(Bucket="vdelim", Key="docs/sub/b.txt")
    put(s3, "vdelim", "gone/x", b"x")
    s3.delete_object(Bucket="vdelim", Key="gone/x")
    top = put(s3, "vdelim", "top.txt", b"t")

    r = s3.list_object_versions(Bucket="vdelim", Prefix="docs/", Delimiter="/")
    assert vid_list(r["Versions"]) == [("docs/a.txt", a2, True), ("docs/a.txt", a1, False)]
    assert "DeleteMarkers" not in r
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["docs/sub/"]
    assert (r["Prefix"], r["Delimiter"]) == ("docs/", "/")

    # A prefix of keys whose every version is a delete marker is still a common prefix here: the
    # listing is of versions, and markers are versions.
    r = s3.list_object_versions(Bucket="vdelim", Delimiter="/")
    assert vid_list(r["Versions"]) == [("top.txt", top, True)]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["docs/", "gone/"]

    r = s3.list_object_versions(Bucket="vdelim", Prefix="docs/sub/")
    assert [v["Key"] for v in r["Versions"]] == ["docs/sub/b.txt"]
    assert [(m["Key"], m["IsLatest"]) for m in r["DeleteMarkers"]] == [("docs/sub/b.txt", True)]
    r = s3.list_object_versions(Bucket="vdelim", Prefix="nothing/")
    assert "Versions" not in r and "DeleteMarkers" not in r


def build_paging_bucket(s3, bucket):
    """Keys with several versions, delete markers and a null version, for the paging tests."""
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="b/x", Body=b"null version")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for i in range(3):
        put(s3, bucket, "a", f"a{i}".encode())
    put(s3, bucket, "b/x", b"b/x 1")
    s3.delete_object(Bucket=bucket, Key="b/x")
    put(s3, bucket, "b/y", b"b/y")
    put(s3, bucket, "c d", b"space")
    s3.delete_object(Bucket=bucket, Key="c d")
    s3.delete_object(Bucket=bucket, Key="c d")
    for i in range(2):
        put(s3, bucket, "e/f/g", f"g{i}".encode())
    put(s3, bucket, "z", b"z")


def walk(port, bucket, max_keys, **params):
    """Every page of a listing of max_keys, following NextKeyMarker/NextVersionIdMarker; checks
    each page's markers. Returns (entries, prefixes, pages)."""
    entries, prefixes, pages = [], [], 0
    markers = {}
    while True:
        x, page, cps = raw_versions(port, bucket, max_keys=max_keys, **params, **markers)
        pages += 1
        assert pages < 100, "paging does not end"
        assert 0 < len(page) + len(cps) <= max_keys, (markers, page, cps)
        assert x.findtext("MaxKeys") == str(max_keys)
        assert x.findtext("KeyMarker") == markers.get("key_marker", "")
        if "version_id_marker" in markers:
            assert x.findtext("VersionIdMarker") == markers["version_id_marker"]
        entries += page
        prefixes += cps
        nk, nv = x.findtext("NextKeyMarker"), x.findtext("NextVersionIdMarker")
        if x.findtext("IsTruncated") != "true":
            assert nk is None and nv is None, (nk, nv)
            return entries, prefixes, pages
        # moto test_list_object_versions_with_paging (aws_verified): the next markers name the
        # last entry of the page; when that was a common prefix (test_list_object_versions_with_
        # paging_and_delimiter), NextKeyMarker is the prefix and there is no version marker.
        if nk in cps:
            assert nv is None, (nk, nv)
            markers = {"key_marker": nk}
        else:
            assert page and (nk, nv) == (page[-1][1], page[-1][2]), (nk, nv, page)
            markers = {"key_marker": nk, "version_id_marker": nv}


@pytest.mark.parametrize("max_keys", [1, 2, 3, 5])
def test_list_versions_paging_walks_the_whole_list(server, s3, max_keys):
    build_paging_bucket(s3, "vpage")
    x, full, cps = raw_versions(server.port, "vpage")
    assert x.findtext("IsTruncated") == "false" and cps == []
    assert len(full) == 13, full
    assert sum(1 for e in full if e[0] == "DeleteMarker") == 3, full
    assert ("Version", "b/x", "null", "false") in full, full
    entries, prefixes, pages = walk(server.port, "vpage", max_keys)
    assert entries == full and prefixes == []
    assert pages == -(-len(full) // max_keys)  # MaxKeys counts versions and markers alike
    # boto3's paginator agrees.
    vs, dms = all_versions(s3, "vpage", MaxKeys=max_keys)
    assert sorted((v["Key"], v["VersionId"]) for v in vs + dms) == \
        sorted((k, v) for _, k, v, _ in full)


@pytest.mark.parametrize("max_keys", [1, 2, 4])
def test_list_versions_paging_with_delimiter(server, s3, max_keys):
    build_paging_bucket(s3, "vpaged")
    _, full, _ = raw_versions(server.port, "vpaged")
    keys = sorted({k for _, k, _, _ in full}, key=utf8)
    model = model_list(keys, delimiter="/")
    want_prefixes = [p for kind, p in model if kind == "prefix"]
    want_keys = [k for kind, k in model if kind == "key"]
    assert want_prefixes == ["b/", "e/"] and want_keys == ["a", "c d", "z"]
    entries, prefixes, _ = walk(server.port, "vpaged", max_keys, delimiter="/")
    assert prefixes == want_prefixes
    assert entries == [e for e in full if e[1] in want_keys]


def test_list_versions_key_marker_alone_skips_every_version_of_that_key(server, s3):
    versioned(s3, "vkm")
    for key in ("a", "b", "c"):
        for i in range(2):
            put(s3, "vkm", key, f"{key}{i}".encode())
    _, full, _ = raw_versions(server.port, "vkm")
    _, entries, _ = raw_versions(server.port, "vkm", key_marker="b")
    assert entries == [e for e in full if e[1] == "c"]
    # With a version id marker: the versions after that one, then the next keys.
    a_newest = full[0][2]
    x, entries, _ = raw_versions(server.port, "vkm", key_marker="a", version_id_marker=a_newest)
    assert entries == full[1:]
    assert (x.findtext("KeyMarker"), x.findtext("VersionIdMarker")) == ("a", a_newest)


def test_list_versions_version_id_marker_without_key_marker_is_invalid(server, s3):
    # versitygw tests/test_rest_list_object_versions.sh, "version ID marker w/o key marker"
    # (DIRECT): 400 InvalidArgument "A version-id marker cannot be specified without a key marker".
    versioned(s3, "vvim")
    put(s3, "vvim", "k", b"x")
    r = raw(server.port, "GET", "/vvim?versions&max-keys=1&version-id-marker=null")
    assert (r.status, code(r)) == (400, "InvalidArgument"), show(r)
    e = client_error(s3.list_object_versions, Bucket="vvim", VersionIdMarker="null")
    assert (error_code(e), http_status(e)) == ("InvalidArgument", 400)


def test_list_versions_encoding_type_url(server, s3):
    versioned(s3, "venc")
    keys = ["space key", "plus+key", "éclair", "dir one/x"]
    for k in keys:
        put(s3, "venc", k, b"v1")
        put(s3, "venc", k, b"v2")
    s3.delete_object(Bucket="venc", Key="plus+key")

    def check(text, want):
        assert text is not None
        assert all(32 < ord(c) < 127 for c in text), f"not URL-encoded: {text!r}"
        assert unquote_plus(text) == want, (text, want)

    # S3 API reference, ListObjectVersions EncodingType: KeyMarker, NextKeyMarker, Prefix, Key
    # and Delimiter come encoded.
    x, entries, _ = raw_versions(server.port, "venc", encoding_type="url")
    assert x.findtext("EncodingType") == "url"
    want = sorted(keys, key=utf8)
    assert len(entries) == 9
    for _, k, _, _ in entries:
        check(k, unquote_plus(k))
    decoded = [unquote_plus(k) for _, k, _, _ in entries]
    assert [k for i, k in enumerate(decoded) if i == 0 or decoded[i - 1] != k] == want
    x, entries, cps = raw_versions(server.port, "venc", encoding_type="url", prefix="dir ",
                                   delimiter="/")
    check(x.findtext("Prefix"), "dir ")
    check(x.findtext("Delimiter"), "/")
    assert entries == [] and len(cps) == 1
    check(cps[0], "dir one/")
    x, entries, _ = raw_versions(server.port, "venc", encoding_type="url", key_marker="plus+key",
                                 max_keys=1)
    check(x.findtext("KeyMarker"), "plus+key")
    check(x.findtext("NextKeyMarker"), "space key")
    check(entries[0][1], "space key")
    # boto3 asks for encoding-type=url by itself and decodes.
    vs, dms = all_versions(s3, "venc")
    assert [v["Key"] for v in vs] == [k for k in want for _ in range(2)]
    assert [m["Key"] for m in dms] == ["plus+key"]


def test_list_versions_invalid_encoding_type(server, s3):
    # versitygw objects_versions_invalid_encoding (DIRECT): 400 InvalidArgument "Invalid
    # Encoding Method specified in Request".
    versioned(s3, "venc2")
    r = raw(server.port, "GET", "/venc2?versions&encoding-type=jdfkllaj")
    assert (r.status, code(r)) == (400, "InvalidArgument"), show(r)


def test_versions_subresource_on_a_key_is_invalid_request(server, s3):
    # versitygw test_rest_list_object_versions.sh: "There is no such thing as the ?versions
    # sub-resource for a key", 400 InvalidRequest.
    versioned(s3, "vsubres")
    put(s3, "vsubres", "k", b"x")
    r = raw(server.port, "GET", "/vsubres/k?versions")
    assert (r.status, code(r)) == (400, "InvalidRequest"), show(r)


# ==================================================================================================
# ListObjects on a versioned bucket, DeleteBucket
# ==================================================================================================
def test_list_objects_shows_only_current_objects(s3):
    versioned(s3, "vcur")
    put(s3, "vcur", "k1", b"old k1")
    put(s3, "vcur", "k1", b"new k1, longer")
    put(s3, "vcur", "k2", b"k2")
    s3.delete_object(Bucket="vcur", Key="k2")
    put(s3, "vcur", "dir/x", b"x")
    s3.delete_object(Bucket="vcur", Key="dir/x")
    put(s3, "vcur", "dir2/y", b"y")
    for listing in (s3.list_objects_v2(Bucket="vcur"), s3.list_objects(Bucket="vcur")):
        got = [(o["Key"], o["ETag"], o["Size"]) for o in listing["Contents"]]
        assert got == [("dir2/y", q(b"y"), 1), ("k1", q(b"new k1, longer"), 14)], got
    r = s3.list_objects_v2(Bucket="vcur", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["k1"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir2/"]
    r = s3.list_objects_v2(Bucket="vcur", Prefix="dir/")
    assert r["KeyCount"] == 0 and "Contents" not in r


def test_delete_bucket_with_only_noncurrent_versions_or_markers_is_not_empty(s3):
    versioned(s3, "vdb")
    v1 = put(s3, "vdb", "k", b"data")
    mid = s3.delete_object(Bucket="vdb", Key="k")["VersionId"]
    assert s3.list_objects_v2(Bucket="vdb")["KeyCount"] == 0
    # A noncurrent version and a marker left.
    e = client_error(s3.delete_bucket, Bucket="vdb")
    assert (error_code(e), http_status(e)) == ("BucketNotEmpty", 409)
    # Only the marker left.
    s3.delete_object(Bucket="vdb", Key="k", VersionId=v1)
    e = client_error(s3.delete_bucket, Bucket="vdb")
    assert (error_code(e), http_status(e)) == ("BucketNotEmpty", 409)
    # Nothing left.
    s3.delete_object(Bucket="vdb", Key="k", VersionId=mid)
    assert http_status(s3.delete_bucket(Bucket="vdb")) == 204
    e = client_error(s3.head_bucket, Bucket="vdb")
    assert http_status(e) == 404


# ==================================================================================================
# Copies and multipart uploads
# ==================================================================================================
def test_copy_object_from_an_old_version(s3):
    # S3 API reference, CopyObject: x-amz-copy-source-version-id names the version copied,
    # x-amz-version-id the new one when the target bucket is versioned (versitygw
    # Versioning_CopyObject_from_an_object_version).
    versioned(s3, "vcpsrc")
    v1 = put(s3, "vcpsrc", "k", b"first version")
    v2 = put(s3, "vcpsrc", "k", b"second version")
    versioned(s3, "vcpdst")
    r = s3.copy_object(Bucket="vcpdst", Key="copy",
                       CopySource={"Bucket": "vcpsrc", "Key": "k", "VersionId": v1})
    assert r["CopySourceVersionId"] == v1, r
    assert r["VersionId"] not in (None, "null"), r
    assert r["CopyObjectResult"]["ETag"] == q(b"first version")
    g = s3.get_object(Bucket="vcpdst", Key="copy")
    assert (g["Body"].read(), g["VersionId"]) == (b"first version", r["VersionId"])
    # Onto the source key itself: the old bytes become a new current version (user guide,
    # "Restoring previous versions": copy a previous version into the same bucket; S3 gives the
    # copy a new id and it becomes current).
    r = s3.copy_object(Bucket="vcpsrc", Key="k",
                       CopySource={"Bucket": "vcpsrc", "Key": "k", "VersionId": v1})
    assert r["CopySourceVersionId"] == v1 and r["VersionId"] not in (None, "null", v1, v2), r
    vs, _ = all_versions(s3, "vcpsrc")
    assert vid_list(vs) == [("k", r["VersionId"], True), ("k", v2, False), ("k", v1, False)]
    assert get_body(s3, "vcpsrc", "k") == b"first version"
    # Into a bucket that was never versioned: no version id for the copy.
    s3.create_bucket(Bucket="vcpplain")
    r = s3.copy_object(Bucket="vcpplain", Key="copy",
                       CopySource={"Bucket": "vcpsrc", "Key": "k", "VersionId": v2})
    assert r["CopySourceVersionId"] == v2 and "VersionId" not in r, r
    assert get_body(s3, "vcpplain", "copy") == b"second version"


def test_copy_from_a_delete_marker(s3):
    # versitygw PR 2417: "AWS rejects such a copy: NoSuchKey when the marker is the current
    # version of the key, and InvalidRequest when the marker is named by version id".
    versioned(s3, "vcpdm")
    put(s3, "vcpdm", "k", b"data")
    mid = s3.delete_object(Bucket="vcpdm", Key="k")["VersionId"]
    e = client_error(s3.copy_object, Bucket="vcpdm", Key="copy",
                     CopySource={"Bucket": "vcpdm", "Key": "k"})
    assert (error_code(e), http_status(e)) == ("NoSuchKey", 404)
    e = client_error(s3.copy_object, Bucket="vcpdm", Key="copy",
                     CopySource={"Bucket": "vcpdm", "Key": "k", "VersionId": mid})
    assert (error_code(e), http_status(e)) == ("InvalidRequest", 400)


def test_upload_part_copy_from_an_old_version(s3):
    # versitygw Versioning_UploadPartCopy_from_an_object_version: x-amz-copy-source-version-id.
    versioned(s3, "vupc")
    old = b"the old version's bytes\n" * 100
    v1 = put(s3, "vupc", "src", old)
    put(s3, "vupc", "src", b"the new version")
    uid = s3.create_multipart_upload(Bucket="vupc", Key="dst")["UploadId"]
    r = s3.upload_part_copy(Bucket="vupc", Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": "vupc", "Key": "src", "VersionId": v1})
    assert r["CopySourceVersionId"] == v1, r
    assert r["CopyPartResult"]["ETag"] == q(old)
    c = s3.complete_multipart_upload(Bucket="vupc", Key="dst", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": r["CopyPartResult"]["ETag"]}]})
    assert c["VersionId"] not in (None, "null"), c
    g = s3.get_object(Bucket="vupc", Key="dst", VersionId=c["VersionId"])
    assert (g["Body"].read(), g["VersionId"]) == (old, c["VersionId"])


def test_complete_multipart_upload_returns_the_new_version_id(server, s3):
    versioned(s3, "vmpu")
    v_old = put(s3, "vmpu", "big", b"single-part version")
    parts = [os.urandom(5 * MIB), b"tail" * 100]
    uid = s3.create_multipart_upload(Bucket="vmpu", Key="big")["UploadId"]
    etags = [s3.upload_part(Bucket="vmpu", Key="big", UploadId=uid, PartNumber=n + 1,
                            Body=p)["ETag"] for n, p in enumerate(parts)]
    c = s3.complete_multipart_upload(Bucket="vmpu", Key="big", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]})
    vnew = c["VersionId"]
    assert vnew not in (None, "null", v_old), c
    assert headers_of(c).get("x-amz-version-id") == vnew
    want_etag = '"' + hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() \
        + '-2"'
    assert c["ETag"] == want_etag
    vs, _ = all_versions(s3, "vmpu")
    assert vid_list(vs) == [("big", vnew, True), ("big", v_old, False)]
    assert vs[0]["ETag"] == want_etag and vs[0]["Size"] == sum(map(len, parts))
    assert get_body(s3, "vmpu", "big") == b"".join(parts)
    assert get_body(s3, "vmpu", "big", VersionId=v_old) == b"single-part version"
    h = s3.head_object(Bucket="vmpu", Key="big", VersionId=vnew, PartNumber=2)
    assert (h["ContentLength"], h["VersionId"]) == (len(parts[1]), vnew)


# ==================================================================================================
# Object ACLs by version (users; ACLs enabled as on S3 before 2023)
# ==================================================================================================
def test_object_acl_by_version_id(server_factory, tmp_path):
    # S3 API reference, GetObjectAcl/PutObjectAcl: versionId names the version whose ACL is read
    # or written; the ACL READ grant covers s3:GetObjectVersion (user guide, "Access control list
    # (ACL) overview", mapping of ACL permissions to access policy permissions).
    u = Users(server_factory(args=["--users", users_file(tmp_path), "--legacy-bucket-defaults"]))
    a = u.alice
    versioned(a, "vacl")
    v1 = put(a, "vacl", "k", b"public one", ACL="public-read")
    v2 = put(a, "vacl", "k", b"private two")

    def public(acl):
        return any(g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ"
                   for g in acl["Grants"])

    assert public(a.get_object_acl(Bucket="vacl", Key="k", VersionId=v1))
    assert not public(a.get_object_acl(Bucket="vacl", Key="k", VersionId=v2))
    assert not public(a.get_object_acl(Bucket="vacl", Key="k"))
    assert get_body(u.anon, "vacl", "k", VersionId=v1) == b"public one"
    for kw in ({"VersionId": v2}, {}):
        e = client_error(u.anon.get_object, Bucket="vacl", Key="k", **kw)
        assert (error_code(e), http_status(e)) == ("AccessDenied", 403)

    a.put_object_acl(Bucket="vacl", Key="k", VersionId=v2, ACL="public-read")
    a.put_object_acl(Bucket="vacl", Key="k", VersionId=v1, ACL="private")
    assert public(a.get_object_acl(Bucket="vacl", Key="k", VersionId=v2))
    assert not public(a.get_object_acl(Bucket="vacl", Key="k", VersionId=v1))
    assert get_body(u.anon, "vacl", "k") == b"private two"
    e = client_error(u.anon.get_object, Bucket="vacl", Key="k", VersionId=v1)
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403)

    a.delete_object(Bucket="vacl", Key="k", VersionId=v1)
    e = client_error(a.get_object_acl, Bucket="vacl", Key="k", VersionId=v1)
    assert (error_code(e), http_status(e)) == ("NoSuchVersion", 404)


# ==================================================================================================
# Concurrent writers
# ==================================================================================================
def test_concurrent_puts_on_one_key_make_one_version_each(server, s3):
    versioned(s3, "vconc")
    threads_n, puts_n = 6, 8
    clients = [server.client() for _ in range(threads_n)]  # made here: sessions are not thread-safe
    acked = {}  # version id -> body
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(threads_n)

    def writer(t):
        start.wait()
        for i in range(puts_n):
            body = f"writer {t} put {i} ".encode() * (1 + (t * puts_n + i) % 7)
            try:
                vid = clients[t].put_object(Bucket="vconc", Key="hot", Body=body)["VersionId"]
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(repr(e))
                continue
            with lock:
                if vid in acked:
                    errors.append(f"version id {vid} answered twice")
                acked[vid] = body

    ts = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in ts), "writers did not finish"
    assert errors == [], errors
    assert len(acked) == threads_n * puts_n

    vs, dms = all_versions(s3, "vconc", Prefix="hot")
    assert dms == []
    listed = [v["VersionId"] for v in vs]
    assert len(listed) == len(set(listed)) == len(acked), (len(listed), len(acked))
    assert set(listed) == set(acked)
    assert [v["IsLatest"] for v in vs].count(True) == 1 and vs[0]["IsLatest"] is True
    for v in vs:
        assert (v["ETag"], v["Size"]) == (q(acked[v["VersionId"]]), len(acked[v["VersionId"]])), v
    times = [v["LastModified"] for v in vs]
    assert times == sorted(times, reverse=True)
    g = s3.get_object(Bucket="vconc", Key="hot")
    assert g["VersionId"] == vs[0]["VersionId"]
    assert g["Body"].read() == acked[vs[0]["VersionId"]]


# ==================================================================================================
# Restarts and roots written by earlier versions
# ==================================================================================================
@disk_only("restarts on the same root")
def test_versions_and_markers_survive_a_restart(server, s3):
    versioned(s3, "vkeep")
    v1 = put(s3, "vkeep", "k", b"one")
    v2 = put(s3, "vkeep", "k", b"two")
    mid = s3.delete_object(Bucket="vkeep", Key="k")["VersionId"]
    s3.create_bucket(Bucket="vkeepsusp")
    s3.put_object(Bucket="vkeepsusp", Key="n", Body=b"null")
    s3.put_bucket_versioning(Bucket="vkeepsusp", VersioningConfiguration={"Status": "Suspended"})
    before = (all_versions(s3, "vkeep"), all_versions(s3, "vkeepsusp"))
    server.restart()
    s3 = server.client()
    assert (all_versions(s3, "vkeep"), all_versions(s3, "vkeepsusp")) == before
    assert s3.get_bucket_versioning(Bucket="vkeep")["Status"] == "Enabled"
    assert s3.get_bucket_versioning(Bucket="vkeepsusp")["Status"] == "Suspended"
    assert get_body(s3, "vkeep", "k", VersionId=v1) == b"one"
    assert get_body(s3, "vkeep", "k", VersionId=v2) == b"two"
    e = client_error(s3.get_object, Bucket="vkeep", Key="k")
    assert headers_of(e).get("x-amz-version-id") == mid
    v3 = put(s3, "vkeep", "k", b"three")
    assert v3 not in (v1, v2, mid, None, "null")


@disk_only("opens a root written by an older version")
def test_root_written_by_2ba572d_serves_null_versions(server_factory, tmp_path):
    """tests/fixtures/roots/main-2ba572d (see its README): hello.txt, the multipart done.bin and an
    upload in progress for pending.bin, written before versioning existed in fakes3."""
    root = tmp_path / "old-root"
    shutil.copytree(os.path.join(FIXTURES, "main-2ba572d"), root)
    srv = server_factory(root=root)
    s3 = srv.client()
    B = "old2-bucket"
    assert "Status" not in s3.get_bucket_versioning(Bucket=B)
    vs, dms = all_versions(s3, B)
    assert [(v["Key"], v["VersionId"], v["IsLatest"], v["ETag"]) for v in vs] == [
        ("done.bin", "null", True, '"3c65b6eaeca1ae6e923b9746b4edd9e5-1"'),
        ("hello.txt", "null", True, q(b"written by fakes3 2ba572d\n"))], vs
    assert dms == []
    assert get_body(s3, B, "hello.txt", VersionId="null") == b"written by fakes3 2ba572d\n"
    assert get_body(s3, B, "done.bin", VersionId="null") == b"one part\n"

    s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Enabled"})
    vid = put(s3, B, "hello.txt", b"written after the upgrade\n")
    assert vid not in (None, "null")
    # The upload begun by the old version completes as a new version.
    uid = "4fc7630310ae49d155bd5c8947930135"
    c = s3.complete_multipart_upload(Bucket=B, Key="pending.bin", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": '"7eedc4aad85e2ba33b2f3e023ab46283"'}]})
    assert c["VersionId"] not in (None, "null"), c
    vs, _ = all_versions(s3, B)
    assert vid_list(vs) == [("done.bin", "null", True), ("hello.txt", vid, True),
                            ("hello.txt", "null", False), ("pending.bin", c["VersionId"], True)]
    srv.restart()
    s3 = srv.client()
    assert get_body(s3, B, "hello.txt", VersionId="null") == b"written by fakes3 2ba572d\n"
    assert get_body(s3, B, "pending.bin") == b"pending part\n"


@disk_only("opens a root written by an older version")
def test_root_written_by_the_previous_release_opens_in_place(server_factory, tmp_path):
    """tests/fixtures/roots/main-06138df: a root the release before versions (06138df, schema 4)
    wrote, with a two-part object whose parts were keyed without a version. It opens, its objects
    are null versions, and versioning then works on it, also across a restart."""
    root = tmp_path / "prev-root"
    shutil.copytree(os.path.join(FIXTURES, "main-06138df"), root)
    srv = server_factory(root=root)
    s3 = srv.client()
    B = "old4-bucket"
    two = b"a" * (5 * MIB) + b"tail\n"
    assert get_body(s3, B, "hello.txt") == b"written by fakes3 06138df\n"
    assert get_body(s3, B, "two.bin") == two
    vs, dms = all_versions(s3, B)
    assert vid_list(vs) == [("hello.txt", "null", True), ("two.bin", "null", True)] and dms == []
    assert vs[1]["ETag"] == '"c01088370fe2ae9e6b63ae1d8f6c49b2-2"'
    s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Enabled"})
    vid = put(s3, B, "two.bin", b"new two")
    marker = s3.delete_object(Bucket=B, Key="hello.txt")["VersionId"]
    srv.restart()
    s3 = srv.client()
    assert get_body(s3, B, "two.bin") == b"new two"
    assert get_body(s3, B, "two.bin", VersionId="null") == two
    vs, dms = all_versions(s3, B)
    assert vid_list(vs) == [("hello.txt", "null", False), ("two.bin", vid, True),
                            ("two.bin", "null", False)]
    assert [(d["Key"], d["VersionId"], d["IsLatest"]) for d in dms] == [("hello.txt", marker, True)]


