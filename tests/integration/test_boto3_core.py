"""Every operation in issue 3's scope through boto3, checked against what Amazon S3 answers."""

import gzip
import random
from datetime import datetime, timezone
from urllib.parse import quote, unquote_plus

import pytest
from botocore.exceptions import ClientError

from s3lib import (error_code, http_status, md5_hex, model_list, put_many, raw, utf8)


def now():
    return datetime.now(timezone.utc)


def assert_recent(dt, slack=120):
    assert dt.tzinfo is not None, dt
    assert abs((now() - dt).total_seconds()) < slack, f"{dt} is not close to now ({now()})"


def client_error(fn, *a, **kw):
    with pytest.raises(ClientError) as ei:
        fn(*a, **kw)
    return ei.value


# --- buckets ------------------------------------------------------------------------------------
def test_list_buckets_empty_then_sorted_with_creation_dates(s3):
    r = s3.list_buckets()
    assert http_status(r) == 200
    assert r["Buckets"] == []
    assert r["Owner"]["ID"], r["Owner"]
    for b in ("zeta-bucket", "alpha-bucket", "mid.dotted.bucket", "0-digit-first"):
        assert http_status(s3.create_bucket(Bucket=b)) == 200
    r = s3.list_buckets()
    assert [b["Name"] for b in r["Buckets"]] == [
        "0-digit-first", "alpha-bucket", "mid.dotted.bucket", "zeta-bucket"]
    for b in r["Buckets"]:
        assert_recent(b["CreationDate"])


def test_create_bucket_without_configuration(s3):
    r = s3.create_bucket(Bucket="plain-bucket")
    assert http_status(r) == 200
    # S3 in us-east-1 answers `Location: /bucket-name`.
    assert r["Location"] == "/plain-bucket"
    assert http_status(s3.head_bucket(Bucket="plain-bucket")) == 200
    # A bucket in us-east-1 has an empty LocationConstraint, which boto3 maps to None.
    assert s3.get_bucket_location(Bucket="plain-bucket")["LocationConstraint"] is None


def test_create_bucket_with_configuration(s3):
    r = s3.create_bucket(Bucket="eu-bucket",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert http_status(r) == 200
    assert http_status(s3.head_bucket(Bucket="eu-bucket")) == 200
    assert s3.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"] == "eu-west-1"
    assert "eu-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_recreate_own_bucket_answers_200_and_keeps_objects(s3):
    s3.create_bucket(Bucket="again")
    s3.put_object(Bucket="again", Key="keep-me", Body=b"still here")
    r = s3.create_bucket(Bucket="again")
    assert http_status(r) == 200
    assert s3.get_object(Bucket="again", Key="keep-me")["Body"].read() == b"still here"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["again"]


def test_head_bucket(s3):
    s3.create_bucket(Bucket="there")
    r = s3.head_bucket(Bucket="there")
    assert http_status(r) == 200
    # S3 tells the bucket's region on HeadBucket (SDKs use it to follow a bucket's region).
    assert r["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region") == "us-east-1"
    s3.create_bucket(Bucket="there-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    r = s3.head_bucket(Bucket="there-eu")
    assert r["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region") == "eu-west-1"
    e = client_error(s3.head_bucket, Bucket="not-there")
    assert http_status(e) == 404
    assert error_code(e) == "404"  # HEAD has no body, botocore names the error by status


def test_delete_bucket(s3):
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="x", Body=b"1")
    e = client_error(s3.delete_bucket, Bucket="full")
    assert (error_code(e), http_status(e)) == ("BucketNotEmpty", 409)
    assert http_status(s3.head_bucket(Bucket="full")) == 200

    e = client_error(s3.delete_bucket, Bucket="never-made")
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)

    assert http_status(s3.delete_object(Bucket="full", Key="x")) == 204
    assert http_status(s3.delete_bucket(Bucket="full")) == 204
    assert http_status(client_error(s3.head_bucket, Bucket="full")) == 404
    assert s3.list_buckets()["Buckets"] == []
    e = client_error(s3.get_object, Bucket="full", Key="x")
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)


def test_delete_bucket_with_only_a_slash_key_is_not_empty(s3):
    s3.create_bucket(Bucket="dir-marker")
    s3.put_object(Bucket="dir-marker", Key="folder/", Body=b"")
    e = client_error(s3.delete_bucket, Bucket="dir-marker")
    assert error_code(e) == "BucketNotEmpty"


def test_get_bucket_location_missing_bucket(s3):
    e = client_error(s3.get_bucket_location, Bucket="nowhere-bucket")
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)
    assert e.response["Error"].get("BucketName") == "nowhere-bucket"


@pytest.mark.parametrize("name", [
    "ab",                     # too short
    "a" * 64,                 # too long
    "UPPER",                  # upper case
    "-bad-",                  # must start and end with a letter or digit
    "bucket-",
    "a..b",                   # adjacent periods
    "192.168.1.1",            # formatted as an IP address
    "under_score",            # not allowed for new buckets since 2018
])
def test_create_bucket_invalid_name(s3, name):
    e = client_error(s3.create_bucket, Bucket=name)
    assert (error_code(e), http_status(e)) == ("InvalidBucketName", 400), e.response
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.dotted.bucket", "1-2-3", "a-b.c-d"])
def test_create_bucket_valid_edge_names(s3, name):
    assert http_status(s3.create_bucket(Bucket=name)) == 200
    assert http_status(s3.head_bucket(Bucket=name)) == 200


def test_put_into_invalid_bucket_name_creates_nothing(s3):
    # fake-s3 creates buckets on PUT; a name S3 would never accept must not become one.
    # (S3 itself says NoSuchBucket here; fakes3 may equally say InvalidBucketName.)
    e = client_error(s3.put_object, Bucket="a..b", Key="k", Body=b"x")
    assert error_code(e) in ("InvalidBucketName", "NoSuchBucket"), e.response
    assert s3.list_buckets()["Buckets"] == []


# --- objects ------------------------------------------------------------------------------------
def test_put_object_into_missing_bucket_creates_it(s3):
    r = s3.put_object(Bucket="auto-made", Key="foo.txt", Body=b"hello")
    assert http_status(r) == 200
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["auto-made"]
    assert s3.get_object(Bucket="auto-made", Key="foo.txt")["Body"].read() == b"hello"


def test_put_object_headers_are_stored_and_returned(s3, server):
    s3.create_bucket(Bucket="meta")
    body = gzip.compress(b"<h1>hello</h1>" * 50)
    expires = datetime(2033, 12, 1, 16, 0, 0, tzinfo=timezone.utc)
    r = s3.put_object(Bucket="meta", Key="doc.html", Body=body,
                      ContentType="text/html; charset=utf-8",
                      ContentEncoding="gzip",
                      ContentDisposition='attachment; filename="doc.html"',
                      ContentLanguage="de-DE",
                      CacheControl="max-age=3600, public",
                      Expires=expires,
                      Metadata={"color": "blue", "multi-word": "a b c"})
    assert http_status(r) == 200
    assert r["ETag"] == f'"{md5_hex(body)}"'

    want = {
        "ContentType": "text/html; charset=utf-8",
        "ContentEncoding": "gzip",
        "ContentDisposition": 'attachment; filename="doc.html"',
        "ContentLanguage": "de-DE",
        "CacheControl": "max-age=3600, public",
        "Expires": expires,
        "ContentLength": len(body),
        "ETag": f'"{md5_hex(body)}"',
    }
    g = s3.get_object(Bucket="meta", Key="doc.html")
    h = s3.head_object(Bucket="meta", Key="doc.html")
    for resp, what in ((g, "GET"), (h, "HEAD")):
        for k, v in want.items():
            assert resp.get(k) == v, f"{what} {k}: {resp.get(k)!r} != {v!r}"
        assert resp["Metadata"] == {"color": "blue", "multi-word": "a b c"}, what
        assert_recent(resp["LastModified"])
    assert g["Body"].read() == body
    assert g["LastModified"] == h["LastModified"]

    # The Expires header comes back exactly as it was sent (RFC 1123).
    rr = raw(server.port, "HEAD", "/meta/doc.html")
    assert rr.header("Expires") == "Thu, 01 Dec 2033 16:00:00 GMT"


def test_metadata_names_come_back_lower_case(s3):
    s3.put_object(Bucket="meta-case", Key="k", Body=b"x", Metadata={"MixedCase": "Value"})
    # HTTP header names are case-insensitive; S3 stores and returns them in lower case.
    assert s3.head_object(Bucket="meta-case", Key="k")["Metadata"] == {"mixedcase": "Value"}


def test_default_content_type(s3):
    s3.put_object(Bucket="ctype", Key="nothing-said", Body=b"x")
    # S3's default when a PUT carries no Content-Type.
    assert s3.head_object(Bucket="ctype", Key="nothing-said")["ContentType"] == "binary/octet-stream"


@pytest.mark.parametrize("size", [0, 1, 1000, 3 * 1024 * 1024 + 17])
def test_etag_is_quoted_md5_and_bytes_round_trip(s3, size):
    data = random.Random(size).randbytes(size)
    r = s3.put_object(Bucket="etags", Key=f"obj-{size}", Body=data)
    etag = f'"{md5_hex(data)}"'
    assert r["ETag"] == etag
    g = s3.get_object(Bucket="etags", Key=f"obj-{size}")
    assert g["ContentLength"] == size
    assert g["ETag"] == etag
    assert g["Body"].read() == data
    h = s3.head_object(Bucket="etags", Key=f"obj-{size}")
    assert (h["ContentLength"], h["ETag"]) == (size, etag)
    lst = s3.list_objects_v2(Bucket="etags")["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in lst] == [(f"obj-{size}", size, etag)]


def test_overwrite_replaces_content_and_metadata(s3):
    s3.put_object(Bucket="over", Key="k", Body=b"first version", Metadata={"v": "1"},
                  ContentType="text/plain")
    s3.put_object(Bucket="over", Key="k", Body=b"second", Metadata={"w": "2"})
    g = s3.get_object(Bucket="over", Key="k")
    assert g["Body"].read() == b"second"
    assert g["Metadata"] == {"w": "2"}
    assert g["ContentType"] == "binary/octet-stream"
    assert g["ETag"] == f'"{md5_hex(b"second")}"'
    assert [o["Key"] for o in s3.list_objects(Bucket="over")["Contents"]] == ["k"]


def test_head_object_has_length_but_no_body(server, s3):
    s3.put_object(Bucket="head", Key="k", Body=b"0123456789")
    r = raw(server.port, "HEAD", "/head/k")
    assert r.status == 200
    assert r.header("Content-Length") == "10"
    assert r.body == b""
    assert r.header("ETag") == f'"{md5_hex(b"0123456789")}"'


def test_get_and_head_missing(s3):
    s3.create_bucket(Bucket="holes")
    e = client_error(s3.get_object, Bucket="holes", Key="no/such/key")
    assert (error_code(e), http_status(e)) == ("NoSuchKey", 404)
    assert e.response["Error"].get("Key") == "no/such/key"
    e = client_error(s3.head_object, Bucket="holes", Key="no/such/key")
    assert http_status(e) == 404
    e = client_error(s3.get_object, Bucket="no-such-bucket", Key="k")
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)
    e = client_error(s3.head_object, Bucket="no-such-bucket", Key="k")
    assert http_status(e) == 404


def test_delete_object(s3):
    s3.put_object(Bucket="del", Key="k", Body=b"x")
    s3.put_object(Bucket="del", Key="other", Body=b"y")
    assert http_status(s3.delete_object(Bucket="del", Key="k")) == 204
    assert error_code(client_error(s3.get_object, Bucket="del", Key="k")) == "NoSuchKey"
    # Deleting a key that does not exist also answers 204.
    assert http_status(s3.delete_object(Bucket="del", Key="k")) == 204
    assert http_status(s3.delete_object(Bucket="del", Key="never-was")) == 204
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="del")["Contents"]] == ["other"]
    e = client_error(s3.delete_object, Bucket="no-bucket-here", Key="k")
    assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)


def test_keys_a_a_slash_a_slash_b_coexist(s3):
    bodies = {"a": b"file a", "a/": b"dir marker a/", "a/b": b"file a/b"}
    for k, v in bodies.items():
        s3.put_object(Bucket="coexist", Key=k, Body=v)
    for k, v in bodies.items():
        assert s3.get_object(Bucket="coexist", Key=k)["Body"].read() == v, k
    r = s3.list_objects_v2(Bucket="coexist")
    assert [o["Key"] for o in r["Contents"]] == ["a", "a/", "a/b"]
    r = s3.list_objects_v2(Bucket="coexist", Delimiter="/")
    assert [o["Key"] for o in r.get("Contents", [])] == ["a"]
    assert [p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["a/"]
    r = s3.list_objects_v2(Bucket="coexist", Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r.get("Contents", [])] == ["a/", "a/b"]
    assert r.get("CommonPrefixes", []) == []
    s3.delete_object(Bucket="coexist", Key="a/")
    assert s3.get_object(Bucket="coexist", Key="a")["Body"].read() == b"file a"
    assert s3.get_object(Bucket="coexist", Key="a/b")["Body"].read() == b"file a/b"
    assert error_code(client_error(s3.get_object, Bucket="coexist", Key="a/")) == "NoSuchKey"


def test_key_too_long(s3):
    s3.create_bucket(Bucket="long-keys")
    ok = "k" * 1024
    assert http_status(s3.put_object(Bucket="long-keys", Key=ok, Body=b"x")) == 200
    e = client_error(s3.put_object, Bucket="long-keys", Key="k" * 1025, Body=b"x")
    assert (error_code(e), http_status(e)) == ("KeyTooLongError", 400)
    # The limit is 1024 bytes of UTF-8, not 1024 characters.
    ok2 = "é" * 512
    assert http_status(s3.put_object(Bucket="long-keys", Key=ok2, Body=b"y")) == 200
    e = client_error(s3.put_object, Bucket="long-keys", Key="é" * 512 + "x", Body=b"x")
    assert (error_code(e), http_status(e)) == ("KeyTooLongError", 400)
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket="long-keys")["Contents"]) == \
        sorted([ok, ok2])


# --- unimplemented and not-allowed --------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda s3: s3.restore_object(Bucket="sub-res", Key="k",
                                 RestoreRequest={"Type": "SELECT", "Days": 1}),
    lambda s3: s3.get_object_torrent(Bucket="sub-res", Key="k"),
], ids=["restore-select", "torrent"])
def test_unimplemented_subresource_is_not_implemented(s3, call):
    s3.put_object(Bucket="sub-res", Key="k", Body=b"x")
    e = client_error(call, s3)
    assert (error_code(e), http_status(e)) == ("NotImplemented", 501), e.response
    # ... and never a wrong answer: the object is untouched.
    assert s3.get_object(Bucket="sub-res", Key="k")["Body"].read() == b"x"


def test_method_not_allowed(server, s3):
    s3.put_object(Bucket="mna", Key="k", Body=b"x")
    # DELETE on the service.
    r = raw(server.port, "DELETE", "/")
    assert r.status == 405, r
    assert r.xml().findtext("Code") == "MethodNotAllowed"
    # POST on an object without a sub-resource (S3 answers MethodNotAllowed, ResourceType
    # OBJECT; from memory of S3's answers, not from its documentation).
    r = raw(server.port, "POST", "/mna/k", b"data", [("Content-Type", "text/plain")])
    assert r.status == 405, r
    assert r.xml().findtext("Code") == "MethodNotAllowed"
    assert s3.get_object(Bucket="mna", Key="k")["Body"].read() == b"x"


# --- listing ------------------------------------------------------------------------------------
LIST_KEYS = [
    "a", "a/", "a/b", "a/b/c", "a/b/d", "a/b/c/d/e", "a/c", "a-dash", "a0", "b", "b/1", "b/2",
    "b/3/x", "photos/2021/jan/1.jpg", "photos/2021/feb/2.jpg", "photos/2022/x.jpg",
    "photos/readme", "z", "zz/", "zz/top", "space key", "space dir/file", "uni/é", "uni/日本",
    "uni/ü/x", "plus+key", "pct%key", "éclair", "日本語", "~tilde", "UPPER/Key", "0start",
    "dot.key", "amp&lt<gt>", "q?mark", "hash#", "eq=key", "c/", "c//d", "c/d/",
]


@pytest.fixture
def listing_bucket(server, s3):
    s3.create_bucket(Bucket="listing")
    put_many(server.port, "listing", LIST_KEYS)
    return "listing"


def page_entries(r):
    ent = [("key", o["Key"]) for o in r.get("Contents", [])]
    ent += [("prefix", p["Prefix"]) for p in r.get("CommonPrefixes", [])]
    return sorted(ent, key=lambda e: utf8(e[1]))


def collect_v1(s3, bucket, max_keys, prefix="", delimiter=""):
    kw = {"Bucket": bucket, "MaxKeys": max_keys}
    if prefix:
        kw["Prefix"] = prefix
    if delimiter:
        kw["Delimiter"] = delimiter
    out, marker = [], None
    for _ in range(len(LIST_KEYS) + 3):
        r = s3.list_objects(**kw, **({"Marker": marker} if marker else {}))
        page = page_entries(r)
        assert r["MaxKeys"] == max_keys
        assert r.get("Prefix", "") == prefix
        assert r.get("Marker", "") == (marker or "")
        if delimiter:
            assert r.get("Delimiter") == delimiter
        assert len(page) <= max_keys
        out += page
        if not r["IsTruncated"]:
            return out
        assert len(page) == max_keys, "a truncated page must be full"
        if delimiter:
            # With a delimiter S3 gives NextMarker: the last key or common prefix of the page.
            assert r.get("NextMarker") == page[-1][1], (r.get("NextMarker"), page)
        else:
            # Without one it does not; the client continues from the last key.
            assert "NextMarker" not in r, r.get("NextMarker")
        marker = r.get("NextMarker") or page[-1][1]
    raise AssertionError("pagination did not end")


def collect_v2(s3, bucket, max_keys, prefix="", delimiter="", start_after=""):
    kw = {"Bucket": bucket, "MaxKeys": max_keys}
    if prefix:
        kw["Prefix"] = prefix
    if delimiter:
        kw["Delimiter"] = delimiter
    if start_after:
        kw["StartAfter"] = start_after
    out, token, tokens = [], None, set()
    for _ in range(len(LIST_KEYS) + 3):
        r = s3.list_objects_v2(**kw, **({"ContinuationToken": token} if token else {}))
        page = page_entries(r)
        assert r["KeyCount"] == len(page)
        assert r["MaxKeys"] == max_keys
        assert r.get("Prefix", "") == prefix
        if start_after:
            assert r.get("StartAfter") == start_after
        if token:
            assert r.get("ContinuationToken") == token
        else:
            assert "ContinuationToken" not in r
        assert "NextMarker" not in r and "Marker" not in r
        assert len(page) <= max_keys
        out += page
        if not r["IsTruncated"]:
            assert "NextContinuationToken" not in r
            return out
        assert len(page) == max_keys, "a truncated page must be full"
        token = r["NextContinuationToken"]
        assert token and token not in tokens
        tokens.add(token)
    raise AssertionError("pagination did not end")


COMBOS = [("", ""), ("", "/"), ("a", "/"), ("a/", "/"), ("photos/", "/"), ("uni/", "/"),
          ("", "b"), ("c/", "/"), ("photos/20", ""), ("nothing-here", "/")]


@pytest.mark.parametrize("max_keys", [1, 2, 3, 7, 1000])
def test_list_v1_pagination_matches_model(s3, listing_bucket, max_keys):
    for prefix, delim in COMBOS:
        got = collect_v1(s3, listing_bucket, max_keys, prefix, delim)
        assert got == model_list(LIST_KEYS, prefix, delim), (prefix, delim, max_keys)


@pytest.mark.parametrize("max_keys", [1, 2, 3, 7, 1000])
def test_list_v2_pagination_matches_model(s3, listing_bucket, max_keys):
    for prefix, delim in COMBOS:
        got = collect_v2(s3, listing_bucket, max_keys, prefix, delim)
        assert got == model_list(LIST_KEYS, prefix, delim), (prefix, delim, max_keys)


@pytest.mark.parametrize("start_after,prefix,delim", [
    # (Whether S3 repeats a common prefix that sorts before start-after, e.g. "a/" for
    # start-after "a/b" with delimiter "/", is not documented: no case here depends on it.)
    ("a/b", "", ""), ("a/b", "a/", "/"), ("b", "", "/"), ("photos/2021/jan", "photos/", ""),
    ("zzzz", "", ""), ("", "", ""), ("a-dash", "a", "/")])
def test_list_v2_start_after(s3, listing_bucket, start_after, prefix, delim):
    for mk in (2, 1000):
        got = collect_v2(s3, listing_bucket, mk, prefix, delim, start_after)
        assert got == model_list(LIST_KEYS, prefix, delim, after=start_after), (start_after, mk)


@pytest.mark.parametrize("marker", ["a/b", "b", "photos/", "éclair", "zzzz"])
def test_list_v1_marker_without_delimiter(s3, listing_bucket, marker):
    r = s3.list_objects(Bucket=listing_bucket, Marker=marker)
    assert r["Marker"] == marker
    assert page_entries(r) == model_list(LIST_KEYS, after=marker)


def test_list_empty_delimiter_means_none(server, s3, listing_bucket):
    for fn in (s3.list_objects, s3.list_objects_v2):
        r = fn(Bucket=listing_bucket, Delimiter="")
        assert [o["Key"] for o in r["Contents"]] == sorted(LIST_KEYS, key=utf8)
        assert "CommonPrefixes" not in r
    for q in ("?delimiter=", "?list-type=2&delimiter="):
        x = raw(server.port, "GET", f"/{listing_bucket}{q}").xml()
        assert x.findall("CommonPrefixes") == []
        assert len(x.findall("Contents")) == len(LIST_KEYS)


def test_list_objects_entry_fields(server, s3):
    s3.put_object(Bucket="fields", Key="one", Body=b"12345")
    head = s3.head_object(Bucket="fields", Key="one")
    v1 = s3.list_objects(Bucket="fields")
    assert v1["Name"] == "fields"
    assert v1["IsTruncated"] is False
    o = v1["Contents"][0]
    assert (o["Key"], o["Size"], o["ETag"], o["StorageClass"]) == \
        ("one", 5, f'"{md5_hex(b"12345")}"', "STANDARD")
    assert o["Owner"]["ID"]  # v1 always carries the owner
    # XML has milliseconds, the header whole seconds: the same instant truncated.
    assert o["LastModified"].replace(microsecond=0) == head["LastModified"]

    v2 = s3.list_objects_v2(Bucket="fields")
    assert v2["Name"] == "fields" and v2["KeyCount"] == 1 and v2["IsTruncated"] is False
    assert "Owner" not in v2["Contents"][0], "v2 lists owners only with fetch-owner=true"
    v2o = s3.list_objects_v2(Bucket="fields", FetchOwner=True)
    assert v2o["Contents"][0]["Owner"]["ID"] == o["Owner"]["ID"]
    assert v2o["Contents"][0]["Owner"]["ID"] == s3.list_buckets()["Owner"]["ID"]


def test_list_missing_bucket(s3):
    for fn in (s3.list_objects, s3.list_objects_v2):
        e = client_error(fn, Bucket="no-listing-here")
        assert (error_code(e), http_status(e)) == ("NoSuchBucket", 404)


def test_list_empty_bucket(s3):
    s3.create_bucket(Bucket="empty-one")
    r = s3.list_objects_v2(Bucket="empty-one", Delimiter="/")
    assert r["KeyCount"] == 0 and r["IsTruncated"] is False
    assert "Contents" not in r and "CommonPrefixes" not in r
    r = s3.list_objects(Bucket="empty-one")
    assert r["IsTruncated"] is False and "Contents" not in r


def test_max_keys_is_capped_at_1000(server, s3):
    s3.create_bucket(Bucket="many")
    keys = [f"k{i:05d}" for i in range(1003)]
    put_many(server.port, "many", keys)
    r = s3.list_objects(Bucket="many", MaxKeys=5000)
    assert len(r["Contents"]) == 1000 and r["IsTruncated"] is True
    r = s3.list_objects(Bucket="many")
    assert len(r["Contents"]) == 1000 and r["IsTruncated"] is True
    assert r["MaxKeys"] == 1000
    r = s3.list_objects_v2(Bucket="many", MaxKeys=2000)
    assert r["KeyCount"] == 1000 and r["IsTruncated"] is True
    assert r["Contents"][-1]["Key"] == "k00999"
    r2 = s3.list_objects_v2(Bucket="many", MaxKeys=2000,
                            ContinuationToken=r["NextContinuationToken"])
    assert [o["Key"] for o in r2["Contents"]] == ["k01000", "k01001", "k01002"]
    assert r2["IsTruncated"] is False
    assert [o["Key"] for o in s3.list_objects(Bucket="many", Marker="k00999")["Contents"]] == \
        ["k01000", "k01001", "k01002"]


@pytest.mark.parametrize("query", ["max-keys=abc", "max-keys=-1", "list-type=2&max-keys=abc",
                                   "list-type=2&max-keys=-5", "max-keys=1.5"])
def test_invalid_max_keys(server, s3, query):
    s3.create_bucket(Bucket="bad-max")
    r = raw(server.port, "GET", f"/bad-max?{query}")
    assert r.status == 400, r
    x = r.xml()
    assert x.findtext("Code") == "InvalidArgument"
    # S3 names the argument in InvalidArgument errors (ArgumentName / ArgumentValue).
    assert x.findtext("ArgumentName") == "max-keys", r.body
    assert x.findtext("ArgumentValue") == query.rsplit("=", 1)[1], r.body


@pytest.mark.parametrize("token", ["not-a-token", "%00%01", "x" * 300], ids=["dashes", "nul", "long"])
def test_list_v2_invalid_continuation_token(server, s3, token):
    s3.put_object(Bucket="bad-token", Key="k", Body=b"x")
    r = raw(server.port, "GET", f"/bad-token?list-type=2&continuation-token={token}")
    # S3: 400 InvalidArgument, "The continuation token provided is incorrect".
    assert r.status == 400, r
    assert r.xml().findtext("Code") == "InvalidArgument"


def test_encoding_type_url(server, s3):
    keys = ["space key", "space dir/file", "plus+key", "pct%key", "éclair", "日本/語", "amp&<>",
            "tab\tkey", "plain"]
    s3.create_bucket(Bucket="enc")
    put_many(server.port, "enc", keys)

    def check(el_text, want):
        assert el_text is not None
        assert all(32 < ord(c) < 127 for c in el_text), f"not URL-encoded: {el_text!r}"
        # S3 encodes like a form (space as '+'; '%20' decodes the same way).
        assert unquote_plus(el_text) == want, (el_text, want)

    x = raw(server.port, "GET", "/enc?encoding-type=url").xml()
    assert x.findtext("EncodingType") == "url"
    got = [c.findtext("Key") for c in x.findall("Contents")]
    assert len(got) == len(keys)
    for text, want in zip(got, sorted(keys, key=utf8)):
        check(text, want)

    x = raw(server.port, "GET", "/enc?list-type=2&encoding-type=url&delimiter=%2F&prefix="
            + quote("space ") + "&start-after=" + quote("space a")).xml()
    assert x.findtext("EncodingType") == "url"
    check(x.findtext("Prefix"), "space ")
    check(x.findtext("StartAfter"), "space a")
    assert [unquote_plus(c.findtext("Key")) for c in x.findall("Contents")] == ["space key"]
    cps = [c.findtext("Prefix") for c in x.findall("CommonPrefixes")]
    assert len(cps) == 1
    check(cps[0], "space dir/")

    # After "pct%key" come "plain" and "plus+key" (byte order: 'c' < 'l').
    x = raw(server.port, "GET", "/enc?encoding-type=url&delimiter=%2F&max-keys=2&marker="
            + quote("pct%key")).xml()
    check(x.findtext("Marker"), "pct%key")
    assert [unquote_plus(c.findtext("Key")) for c in x.findall("Contents")] == ["plain", "plus+key"]
    assert x.findtext("IsTruncated") == "true"
    check(x.findtext("NextMarker"), "plus+key")

    # boto3 asks for encoding-type=url by itself and decodes the answer.
    assert [o["Key"] for o in s3.list_objects(Bucket="enc")["Contents"]] == sorted(keys, key=utf8)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="enc")["Contents"]] == \
        sorted(keys, key=utf8)


def test_list_without_encoding_type_returns_raw_keys(server, s3):
    keys = ["space key", "plus+key", "amp&<>'\"", "é"]
    s3.create_bucket(Bucket="noenc")
    put_many(server.port, "noenc", keys)
    x = raw(server.port, "GET", "/noenc?list-type=2").xml()
    assert x.find("EncodingType") is None
    assert [c.findtext("Key") for c in x.findall("Contents")] == sorted(keys, key=utf8)


# --- virtual-host addressing through boto3 -------------------------------------------------------
def test_virtual_host_client_round_trip(s3v, s3):
    assert http_status(s3v.create_bucket(Bucket="vhost-bucket")) == 200
    s3v.put_object(Bucket="vhost-bucket", Key="dir/x.txt", Body=b"via vhost",
                   Metadata={"k": "v"})
    assert [b["Name"] for b in s3v.list_buckets()["Buckets"]] == ["vhost-bucket"]
    g = s3v.get_object(Bucket="vhost-bucket", Key="dir/x.txt")
    assert g["Body"].read() == b"via vhost" and g["Metadata"] == {"k": "v"}
    r = s3v.list_objects_v2(Bucket="vhost-bucket", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/"]
    # The same object through path style.
    assert s3.get_object(Bucket="vhost-bucket", Key="dir/x.txt")["Body"].read() == b"via vhost"
    assert s3v.get_bucket_location(Bucket="vhost-bucket")["LocationConstraint"] is None
    assert http_status(s3v.head_bucket(Bucket="vhost-bucket")) == 200
    assert http_status(client_error(s3v.head_bucket, Bucket="vhost-missing")) == 404
    e = client_error(s3v.get_object, Bucket="vhost-bucket", Key="nope")
    assert (error_code(e), e.response["Error"].get("Key")) == ("NoSuchKey", "nope")
    s3v.put_object(Bucket="vhost-auto", Key="k", Body=b"auto")  # auto-create through vhost
    assert s3.get_object(Bucket="vhost-auto", Key="k")["Body"].read() == b"auto"
    assert http_status(s3v.delete_object(Bucket="vhost-bucket", Key="dir/x.txt")) == 204
    assert http_status(s3v.delete_bucket(Bucket="vhost-bucket")) == 204
    assert http_status(client_error(s3.head_bucket, Bucket="vhost-bucket")) == 404
