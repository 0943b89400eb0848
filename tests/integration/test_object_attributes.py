"""GetObjectAttributes (GET /bucket/key?attributes with x-amz-object-attributes), with boto3 and
with raw requests where boto3 hides the wire: the element names and order, the unquoted ETag,
ChecksumType, the header's forms.

What S3 answers, and where that is recorded:
- elements ETag, Checksum, ObjectParts, StorageClass, ObjectSize in that order whatever the
  header's order; ObjectParts' count is <PartsCount> (the SDKs call it TotalPartsCount): the S3
  service model (botocore), LocalStack's AWS-validated tests and snapshots;
- the ETag without quotes; a single-part object has no ObjectParts; a multipart object whose
  checksum is FULL_OBJECT (or that has none) gets only the count; a COMPOSITE one gets its parts,
  paged like ListParts, and its checksum without the "-N": LocalStack's snapshots recorded
  against S3 (test_get_object_attributes, test_complete_multipart_parts_checksum_*);
- a name S3 does not know: 400 InvalidArgument "Invalid attribute name specified." naming the
  header and the name; no name at all: 400 InvalidRequest (versitygw issues 915, 917, 1000, which
  quote S3's answers); a malformed x-amz-max-parts is ignored (versitygw issue 1806);
- s3:GetObjectAttributes and s3:GetObject are both needed (the API reference, Permissions).

Expected values (ETags, checksums) are computed here from the bytes sent."""

import base64
import hashlib
import json
import random
import zlib

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import crc64nvme, error_code, http_status, parse_xml, raw

MIB = 1024 * 1024
MIN_PART = 5 * MIB
ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def data(seed, n):
    return random.Random(seed).randbytes(n)


def b64(raw_bytes):
    return base64.b64encode(raw_bytes).decode()


def crc32_b64(d):
    return b64((zlib.crc32(d) & 0xFFFFFFFF).to_bytes(4, "big"))


def composite_crc32(parts):
    """S3's COMPOSITE CRC32: the CRC32 of the parts' raw CRC32s (without the "-N" here)."""
    raw_ = b"".join((zlib.crc32(p) & 0xFFFFFFFF).to_bytes(4, "big") for p in parts)
    return crc32_b64(raw_)


def mpu_etag(parts):
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f"{digest}-{len(parts)}"


def attrs(s3, bucket, key, names, **kw):
    return s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=names, **kw)


def attrs_raw(server, bucket, key, headers, query="attributes"):
    """The raw answer (open mode: no signature needed)."""
    return raw(server.port, "GET", f"/{bucket}/{key}?{query}", headers=headers)


def children(el):
    return [c.tag for c in el]


def multipart(s3, bucket, key, parts, algorithm=None, checksum_type=None):
    """Upload parts and complete; returns CompleteMultipartUpload's answer."""
    kw = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    hook = None
    if checksum_type:
        # This boto3 predates ChecksumType: the header goes in by hand.
        def hook(request, **_):
            request.headers["x-amz-checksum-type"] = checksum_type
        s3.meta.events.register("before-sign.s3.CreateMultipartUpload", hook)
    try:
        uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **kw)["UploadId"]
    finally:
        if hook:
            s3.meta.events.unregister("before-sign.s3.CreateMultipartUpload", hook)
    done = []
    for n, body in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=body, **kw)
        p = {"PartNumber": n, "ETag": r["ETag"]}
        if algorithm:
            p[f"Checksum{algorithm}"] = r[f"Checksum{algorithm}"]
        done.append(p)
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                        MultipartUpload={"Parts": done})


# --- single-part objects ------------------------------------------------------------------------
def crc64nvme_b64(d):
    return b64(crc64nvme(d).to_bytes(8, "big"))


def test_single_part_without_checksum(s3, server):
    s3.create_bucket(Bucket="plain")
    body = b"hello attributes\n"
    # A raw PUT, no checksum asked for (newer SDKs add one to every upload).
    assert raw(server.port, "PUT", "/plain/k", body).status == 200
    r = attrs(s3, "plain", "k", ALL)
    assert r["ETag"] == hashlib.md5(body).hexdigest()  # no quotes in this answer
    assert r["ObjectSize"] == len(body)
    assert r["StorageClass"] == "STANDARD"
    assert "ObjectParts" not in r  # not a multipart object
    # S3 keeps a CRC64NVME of every object uploaded without a checksum (this boto3 predates
    # CRC64NVME and ChecksumType: read them from the XML).
    root = parse_xml(attrs_raw(server, "plain", "k", [("x-amz-object-attributes", "Checksum")]).body)
    assert children(root.find("Checksum")) == ["ChecksumCRC64NVME", "ChecksumType"]
    assert root.find("Checksum/ChecksumCRC64NVME").text == crc64nvme_b64(body)
    assert root.find("Checksum/ChecksumType").text == "FULL_OBJECT"
    head = s3.head_object(Bucket="plain", Key="k")
    assert r["LastModified"] == head["LastModified"]
    assert r["ResponseMetadata"]["HTTPHeaders"]["last-modified"] == \
        head["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
    assert "x-amz-version-id" not in r["ResponseMetadata"]["HTTPHeaders"]
    assert "etag" not in r["ResponseMetadata"]["HTTPHeaders"]


@pytest.mark.parametrize("algorithm", ["SHA256", "CRC32"])
def test_single_part_with_checksum(s3, server, algorithm):
    s3.create_bucket(Bucket="cks")
    body = data(1, 70000)
    s3.put_object(Bucket="cks", Key="k", Body=body, ChecksumAlgorithm=algorithm)
    want = b64(hashlib.sha256(body).digest()) if algorithm == "SHA256" else crc32_b64(body)
    r = attrs(s3, "cks", "k", ["Checksum"])
    assert r["Checksum"] == {f"Checksum{algorithm}": want}, r
    assert "ETag" not in r and "ObjectSize" not in r and "ObjectParts" not in r
    # ChecksumType is newer than this boto3: read it from the XML.
    x = attrs_raw(server, "cks", "k", [("x-amz-object-attributes", "Checksum")])
    assert x.status == 200, x.body
    root = parse_xml(x.body)
    ck = root.find("Checksum")
    assert children(ck) == [f"Checksum{algorithm}", "ChecksumType"]
    assert ck.find(f"Checksum{algorithm}").text == want
    assert ck.find("ChecksumType").text == "FULL_OBJECT"


@pytest.mark.parametrize("name", ALL)
def test_each_attribute_alone(s3, server, name):
    s3.create_bucket(Bucket="alone")
    body = b"x" * 1234
    s3.put_object(Bucket="alone", Key="k", Body=body, ChecksumAlgorithm="CRC32")
    r = attrs(s3, "alone", "k", [name])
    got = {k for k in r if k not in ("ResponseMetadata", "LastModified")}
    # A single-part object has no ObjectParts: asking for it alone gives an empty answer.
    assert got == (set() if name == "ObjectParts" else {name}), r
    assert "LastModified" in r  # a header, always sent
    x = attrs_raw(server, "alone", "k", [("x-amz-object-attributes", name)])
    root = parse_xml(x.body)
    assert root.tag == "GetObjectAttributesResponse"
    assert x.body.count(b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"') == 1
    assert children(root) == ([] if name == "ObjectParts" else [name])


def test_storage_class_as_stored(s3):
    s3.create_bucket(Bucket="cls")
    s3.put_object(Bucket="cls", Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    assert attrs(s3, "cls", "ia", ["StorageClass"])["StorageClass"] == "STANDARD_IA"


# --- the header's forms, the answer's order -----------------------------------------------------
def test_order_is_fixed_and_header_forms_accepted(s3, server):
    s3.create_bucket(Bucket="forms")
    body = b"forms"
    s3.put_object(Bucket="forms", Key="k", Body=body, ChecksumAlgorithm="SHA256")
    want = ["ETag", "Checksum", "StorageClass", "ObjectSize"]
    for headers in (
        [("x-amz-object-attributes", ",".join(ALL))],
        [("x-amz-object-attributes", ",".join(reversed(ALL)))],
        # Newer SDKs put a space after each comma (RFC 9110 lists); the Java and Go SDKs send
        # one header per name.
        [("x-amz-object-attributes", "ObjectSize, StorageClass , Checksum,ETag")],
        [("X-Amz-Object-Attributes", n) for n in reversed(ALL)],
        [("x-amz-object-attributes", "ObjectSize,,ETag, "), ("x-amz-object-attributes", "Checksum"),
         ("x-amz-object-attributes", "StorageClass")],
    ):
        x = attrs_raw(server, "forms", "k", headers)
        assert x.status == 200, (headers, x.body)
        root = parse_xml(x.body)
        assert children(root) == want, headers
        assert root.find("ETag").text == hashlib.md5(body).hexdigest()
        assert root.find("ObjectSize").text == str(len(body))


# --- multipart objects --------------------------------------------------------------------------
def test_multipart_composite_crc32_parts_paginated(s3, server):
    s3.create_bucket(Bucket="mpu")
    parts = [data(10, MIN_PART), data(11, MIN_PART), data(12, 4321)]
    done = multipart(s3, "mpu", "k", parts, algorithm="CRC32")
    assert done["ChecksumCRC32"] == composite_crc32(parts) + "-3"

    r = attrs(s3, "mpu", "k", ALL)
    assert r["ETag"] == mpu_etag(parts)
    assert r["ObjectSize"] == sum(len(p) for p in parts)
    # The object's COMPOSITE checksum, without the "-3" HeadObject shows.
    assert r["Checksum"] == {"ChecksumCRC32": composite_crc32(parts)}
    op = r["ObjectParts"]
    assert op["TotalPartsCount"] == 3
    assert int(op["PartNumberMarker"]) == 0 and int(op["NextPartNumberMarker"]) == 3
    assert op["MaxParts"] == 1000 and op["IsTruncated"] is False
    assert op["Parts"] == [{"PartNumber": n, "Size": len(p), "ChecksumCRC32": crc32_b64(p)}
                           for n, p in enumerate(parts, 1)]

    # One part a page: PartNumberMarker and MaxParts (x-amz-part-number-marker, x-amz-max-parts).
    seen, marker = [], 0
    for page in range(1, 4):
        r = attrs(s3, "mpu", "k", ["ObjectParts"], MaxParts=1, PartNumberMarker=marker)
        op = r["ObjectParts"]
        assert op["TotalPartsCount"] == 3 and op["MaxParts"] == 1
        assert int(op["PartNumberMarker"]) == marker
        assert [p["PartNumber"] for p in op["Parts"]] == [page]
        assert op["IsTruncated"] is (page < 3)
        marker = int(op["NextPartNumberMarker"])
        assert marker == page
        seen += op["Parts"]
    assert [p["ChecksumCRC32"] for p in seen] == [crc32_b64(p) for p in parts]
    # Past the last part: nothing listed, not truncated.
    op = attrs(s3, "mpu", "k", ["ObjectParts"], PartNumberMarker=3)["ObjectParts"]
    assert "Parts" not in op and op["IsTruncated"] is False and op["TotalPartsCount"] == 3
    # Two parts a page.
    op = attrs(s3, "mpu", "k", ["ObjectParts"], MaxParts=2)["ObjectParts"]
    assert [p["PartNumber"] for p in op["Parts"]] == [1, 2] and op["IsTruncated"] is True

    # On the wire: S3's element names (PartsCount), ChecksumType, a malformed x-amz-max-parts
    # ignored.
    x = attrs_raw(server, "mpu", "k", [("x-amz-object-attributes", "ObjectParts,Checksum"),
                                       ("x-amz-max-parts", "lots")])
    assert x.status == 200, x.body
    root = parse_xml(x.body)
    assert children(root) == ["Checksum", "ObjectParts"]
    assert root.find("Checksum/ChecksumType").text == "COMPOSITE"
    op = root.find("ObjectParts")
    assert op.find("PartsCount").text == "3"
    assert op.find("MaxParts").text == "1000"
    assert [children(p) for p in op.findall("Part")] == [["PartNumber", "Size", "ChecksumCRC32"]] * 3


def test_multipart_full_object_checksum_counts_parts_only(s3, server):
    s3.create_bucket(Bucket="full")
    parts = [data(20, MIN_PART), data(21, 999)]
    done = multipart(s3, "full", "k", parts, algorithm="CRC32", checksum_type="FULL_OBJECT")
    whole = crc32_b64(b"".join(parts))
    assert done["ChecksumCRC32"] == whole
    r = attrs(s3, "full", "k", ALL)
    assert r["Checksum"] == {"ChecksumCRC32": whole}
    assert r["ObjectParts"] == {"TotalPartsCount": 2}
    x = attrs_raw(server, "full", "k", [("x-amz-object-attributes", "Checksum,ObjectParts")])
    root = parse_xml(x.body)
    assert root.find("Checksum/ChecksumType").text == "FULL_OBJECT"
    assert children(root.find("ObjectParts")) == ["PartsCount"]


def test_multipart_without_checksum_counts_parts_only(s3, server):
    s3.create_bucket(Bucket="nock")
    parts = [data(30, MIN_PART), data(31, 77)]
    multipart(s3, "nock", "k", parts)
    r = attrs(s3, "nock", "k", ["ETag", "ObjectParts"], MaxParts=1)
    assert r["ETag"] == mpu_etag(parts)
    assert r["ObjectParts"] == {"TotalPartsCount": 2}
    x = attrs_raw(server, "nock", "k", [("x-amz-object-attributes", "ObjectParts,Checksum")])
    root = parse_xml(x.body)
    # No checksum asked for: S3's default, a FULL_OBJECT CRC64NVME, so no parts listed.
    assert root.find("Checksum/ChecksumCRC64NVME").text == crc64nvme_b64(b"".join(parts))
    assert root.find("Checksum/ChecksumType").text == "FULL_OBJECT"
    assert children(root.find("ObjectParts")) == ["PartsCount"]


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("names, bad", [(["Bogus"], "Bogus"), (["ETag", "ETags"], "ETags")])
def test_invalid_attribute_name(s3, names, bad):
    s3.create_bucket(Bucket="bad")
    s3.put_object(Bucket="bad", Key="k", Body=b"x")
    for key in ("k", "missing"):  # the header is checked before the key is looked up
        with pytest.raises(ClientError) as e:
            attrs(s3, "bad", key, names)
        err = e.value.response["Error"]
        assert http_status(e.value) == 400
        assert err["Code"] == "InvalidArgument"
        assert err["Message"] == "Invalid attribute name specified."
        assert err["ArgumentName"] == "x-amz-object-attributes"
        assert err["ArgumentValue"] == bad


def test_missing_or_empty_header(s3, server):
    s3.create_bucket(Bucket="none")
    s3.put_object(Bucket="none", Key="k", Body=b"x")
    msg = ("The x-amz-object-attributes header specifying the attributes to be retrieved is "
           "either missing or empty")
    for headers in ([], [("x-amz-object-attributes", "")], [("x-amz-object-attributes", " , ")]):
        x = attrs_raw(server, "none", "k", headers)
        assert x.status == 400, headers
        root = parse_xml(x.body)
        assert root.find("Code").text == "InvalidRequest"
        assert root.find("Message").text == msg
    with pytest.raises(ClientError) as e:
        attrs(s3, "none", "k", [])
    assert error_code(e.value) == "InvalidRequest"


def test_missing_key_and_bucket(s3):
    s3.create_bucket(Bucket="miss")
    with pytest.raises(ClientError) as e:
        attrs(s3, "miss", "nope", ["ETag"])
    assert http_status(e.value) == 404
    assert error_code(e.value) == "NoSuchKey"
    assert e.value.response["Error"]["Key"] == "nope"
    with pytest.raises(ClientError) as e:
        attrs(s3, "no-such-bucket", "k", ["ETag"])
    assert error_code(e.value) == "NoSuchBucket"


def test_version_id(s3):
    s3.create_bucket(Bucket="ver")
    s3.put_object(Bucket="ver", Key="k", Body=b"v")
    # "null" names the object of a bucket never versioned.
    assert attrs(s3, "ver", "k", ["ObjectSize"], VersionId="null")["ObjectSize"] == 1
    # A version id of a form the server never makes is refused, as GetObject refuses it.
    with pytest.raises(ClientError) as e:
        attrs(s3, "ver", "k", ["ObjectSize"], VersionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    assert (http_status(e.value), error_code(e.value)) == (400, "InvalidArgument")
    # In a versioned bucket each version answers for itself and names itself.
    s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket="ver", Key="k", Body=b"one")["VersionId"]
    s3.put_object(Bucket="ver", Key="k", Body=b"three")
    old = attrs(s3, "ver", "k", ["ObjectSize"], VersionId=v1)
    assert old["ObjectSize"] == 3
    assert old["VersionId"] == v1
    assert attrs(s3, "ver", "k", ["ObjectSize"])["ObjectSize"] == 5
    assert attrs(s3, "ver", "k", ["ObjectSize"], VersionId="null")["ObjectSize"] == 1
    # Under a delete marker the key is gone; the marker itself is no object.
    marker = s3.delete_object(Bucket="ver", Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        attrs(s3, "ver", "k", ["ObjectSize"])
    assert (http_status(e.value), error_code(e.value)) == (404, "NoSuchKey")
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as e:
        attrs(s3, "ver", "k", ["ObjectSize"], VersionId=marker)
    assert http_status(e.value) == 405


# --- access: s3:GetObjectAttributes and s3:GetObject --------------------------------------------
ALICE, BOB = ("AKALICE", "alice-secret"), ("AKBOB", "bob-secret")
BOB_ARN = "arn:aws:iam::222222222222:user/bob"


def user_client(endpoint, creds):
    cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                 retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60)
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                          aws_access_key_id=creds[0],
                                          aws_secret_access_key=creds[1], config=cfg)


def test_needs_both_policy_actions(server_factory, tmp_path):
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [
        {"access_key": ALICE[0], "secret_key": ALICE[1], "display_name": "alice",
         "account_id": "111111111111"},
        {"access_key": BOB[0], "secret_key": BOB[1], "display_name": "bob",
         "account_id": "222222222222"}]}))
    srv = server_factory(args=["--users", str(users)])
    alice, bob = user_client(srv.endpoint, ALICE), user_client(srv.endpoint, BOB)
    alice.create_bucket(Bucket="guarded")
    alice.put_object(Bucket="guarded", Key="k", Body=b"secret")

    def allow(*actions):
        alice.put_bucket_policy(Bucket="guarded", Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": BOB_ARN},
                           "Action": list(actions), "Resource": "arn:aws:s3:::guarded/*"}]}))

    def denied():
        with pytest.raises(ClientError) as e:
            attrs(bob, "guarded", "k", ["ObjectSize"])
        return error_code(e.value) == "AccessDenied"

    assert attrs(alice, "guarded", "k", ["ObjectSize"])["ObjectSize"] == 6  # the owner's ACL
    assert denied()  # no grant at all
    allow("s3:GetObject")
    assert bob.get_object(Bucket="guarded", Key="k")["Body"].read() == b"secret"
    assert denied()
    allow("s3:GetObjectAttributes")
    assert denied()
    allow("s3:GetObject", "s3:GetObjectAttributes")
    assert attrs(bob, "guarded", "k", ["ObjectSize"])["ObjectSize"] == 6
    # A missing key answers as GetObject's does.
    with pytest.raises(ClientError) as e:
        bob.get_object(Bucket="guarded", Key="nope")
    with pytest.raises(ClientError) as e2:
        attrs(bob, "guarded", "nope", ["ObjectSize"])
    assert error_code(e2.value) == error_code(e.value)
