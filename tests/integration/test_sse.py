"""Server-side encryption, as S3 does it: SSE-S3 (AES256) on every object and named in every
answer that writes or reads one; the bucket's default encryption (Put/Get/DeleteBucketEncryption);
SSE-KMS and DSSE-KMS headers kept and answered; SSE-C objects really encrypted at rest
(AES-256-CTR under the customer's key), read back whole, by range, by part, across multipart parts
and through copies, with S3's errors for a missing, wrong or needless key; --sse-c-require-tls.

Sources for the behaviour are cited in sse.c/sse.h and the README; in short: the AWS S3 user guide
(UsingServerSideEncryption, default-encryption-faq, ServerSideEncryptionCustomerKeys,
specifying-s3-c-encryption, UsingKMSEncryption), the API reference of each operation (which
headers each answer carries, as in botocore's model), LocalStack's AWS-validated captures for the
exact error texts, and ceph s3-tests for the statuses."""

import base64
import hashlib
import os
import subprocess
import warnings

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3lib import disk_only, _session, error_code, free_port, http_status, md5_hex, raw, xml_text

MiB = 1 << 20
BKT = "sse-bkt"
SSE = "x-amz-server-side-encryption"
KMS_KEY_HDR = SSE + "-aws-kms-key-id"
CTX_HDR = SSE + "-context"
BK_HDR = SSE + "-bucket-key-enabled"
C_ALG, C_KEY, C_MD5 = (SSE + "-customer-algorithm", SSE + "-customer-key",
                       SSE + "-customer-key-md5")
DEFAULT_KMS = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000"

# ceph s3-tests' two keys and their MD5s.
KEY_A = base64.b64decode("pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs=")
KEY_B = base64.b64decode("6b+WOZ1T3cqZMxgThRcXAQBrS5mXKdDUphvpxptl9/4=")
MD5_A, MD5_B = "DWygnHRtgiJ77HCm+1rvHw==", "arxBvwY2V4SiOne6yppVPQ=="

NEEDS_KEY = ("The object was stored using a form of Server Side Encryption. The correct parameters "
             "must be provided to retrieve the object.")
NOT_APPLICABLE = "The encryption parameters are not applicable to this object."
WRONG_KEY = ("Requests specifying Server Side Encryption with Customer provided keys must provide "
             "the correct secret key.")
PROVIDE = "Requests specifying Server Side Encryption with Customer provided keys must provide "
PART_NEEDS_KEY = ("The multipart upload initiate requested encryption. Subsequent part requests "
                  "must include the appropriate encryption parameters.")
PART_OTHER_KEY = "The provided encryption parameters did not match the ones used originally."
OVER_HTTP = ("Requests specifying Server Side Encryption with Customer provided keys must be made "
             "over a secure connection.")


def ssec(key=KEY_A):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def ssec_encoded(key=KEY_A):
    """For operations botocore does not encode the key of (GetObjectAttributes, and in this
    botocore CompleteMultipartUpload): the key in base64 with its MD5."""
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(key).decode(),
            "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key).digest()).decode()}


def copy_ssec(key=KEY_A):
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def raw_ssec(key=KEY_A, prefix=SSE + "-customer"):
    return [(prefix + "-algorithm", "AES256"), (prefix + "-key", base64.b64encode(key).decode()),
            (prefix + "-key-MD5", base64.b64encode(hashlib.md5(key).digest()).decode())]


def sse_headers(resp):
    """The encryption headers of a boto3 answer, names in lower case."""
    h = resp["ResponseMetadata"]["HTTPHeaders"]
    return {k: v for k, v in h.items() if k.startswith(SSE)}


def raw_sse_headers(r):
    return {k.lower(): v for k, v in r.headers if k.lower().startswith(SSE)}


def err(e):
    return http_status(e), error_code(e), e.response["Error"].get("Message")


def raw_err(r):
    if not r.body:
        return r.status, None, None
    root = r.xml()
    return r.status, xml_text(root, "Code"), xml_text(root, "Message")


def body(n, seed=b"fakes3 plaintext "):
    """n bytes of a recognisable text, so that it can be looked for on disk."""
    return (seed * (n // len(seed) + 1))[:n]


def blob_files(srv):
    out = []
    for d, _, names in os.walk(os.path.join(srv.root, "blobs")):
        out += [os.path.join(d, n) for n in names]
    return out


@pytest.fixture
def bkt(s3):
    s3.create_bucket(Bucket=BKT)
    return BKT


# --- SSE-S3: every object, every answer ----------------------------------------------------------

def test_every_write_and_read_answers_aes256(s3, bkt):
    """S3 encrypts every new object with SSE-S3 since January 2023 and says so in the answers of
    PutObject, CopyObject, CreateMultipartUpload, UploadPart, UploadPartCopy,
    CompleteMultipartUpload, GetObject and HeadObject (UG default-encryption-faq; each API's
    response syntax)."""
    aes = {SSE: "AES256"}
    assert sse_headers(s3.put_object(Bucket=bkt, Key="a", Body=b"hello")) == aes
    assert sse_headers(s3.get_object(Bucket=bkt, Key="a")) == aes
    assert sse_headers(s3.head_object(Bucket=bkt, Key="a")) == aes
    assert sse_headers(s3.get_object(Bucket=bkt, Key="a", Range="bytes=1-2")) == aes
    assert sse_headers(s3.copy_object(Bucket=bkt, Key="b", CopySource=f"{bkt}/a")) == aes
    mpu = s3.create_multipart_upload(Bucket=bkt, Key="m")
    assert sse_headers(mpu) == aes
    p1 = s3.upload_part(Bucket=bkt, Key="m", UploadId=mpu["UploadId"], PartNumber=1,
                        Body=body(5 * MiB))
    assert sse_headers(p1) == aes
    p2 = s3.upload_part_copy(Bucket=bkt, Key="m", UploadId=mpu["UploadId"], PartNumber=2,
                             CopySource=f"{bkt}/a")
    assert sse_headers(p2) == aes
    done = s3.complete_multipart_upload(
        Bucket=bkt, Key="m", UploadId=mpu["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]},
                                   {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    assert sse_headers(done) == aes
    assert sse_headers(s3.head_object(Bucket=bkt, Key="m")) == aes
    # The ETag of an SSE-S3 object is still the MD5 of its data.
    assert s3.head_object(Bucket=bkt, Key="a")["ETag"] == f'"{md5_hex(b"hello")}"'


def test_explicit_aes256_is_accepted_and_bad_values_are_not(s3, bkt, server):
    r = s3.put_object(Bucket=bkt, Key="a", Body=b"x", ServerSideEncryption="AES256")
    assert r["ServerSideEncryption"] == "AES256"
    for bad in ["aes:kms", "AES128", "aes256", ""]:
        r = raw(server.port, "PUT", f"/{bkt}/bad", b"x", [(SSE, bad)])
        assert raw_err(r) == (400, "InvalidArgument",
                              "The encryption method specified is not supported"), bad
        assert xml_text(r.xml(), "ArgumentName") == SSE
        assert xml_text(r.xml(), "ArgumentValue") == bad
    # A read does not name an encryption: its object has one.
    for method in ["GET", "HEAD"]:
        r = raw(server.port, method, f"/{bkt}/a", headers=[(SSE, "AES256")])
        assert r.status == 400, method
    assert "bad" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bkt).get("Contents", [])]


def test_post_object_answers_the_encryption(s3, bkt, server):
    """PostObject takes the encryption as form fields and answers it as PutObject does."""
    def post(fields, data=b"form data"):
        boundary = "----fakes3sse"
        parts = []
        for k, v in fields + [("key", "posted")]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                         f"{v}\r\n".encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="f.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode() + data +
                     f"\r\n--{boundary}--\r\n".encode())
        return raw(server.port, "POST", f"/{bkt}", b"".join(parts),
                   [("Content-Type", f"multipart/form-data; boundary={boundary}")])
    r = post([])
    assert r.status == 204 and raw_sse_headers(r) == {SSE: "AES256"}
    r = post([(SSE, "aws:kms")])
    assert r.status == 204
    assert raw_sse_headers(r) == {SSE: "aws:kms", KMS_KEY_HDR: DEFAULT_KMS}
    assert s3.head_object(Bucket=bkt, Key="posted")["SSEKMSKeyId"] == DEFAULT_KMS
    r = post([(k, v) for k, v in raw_ssec()], data=body(3000))
    assert r.status == 204
    assert raw_sse_headers(r) == {C_ALG: "AES256", C_MD5: MD5_A}
    got = s3.get_object(Bucket=bkt, Key="posted", **ssec())
    assert got["Body"].read() == body(3000)
    assert r.header("ETag") != f'"{md5_hex(body(3000))}"'


# --- the bucket's default encryption -------------------------------------------------------------

def rules(resp):
    return resp["ServerSideEncryptionConfiguration"]["Rules"]


def test_get_bucket_encryption_answers_sse_s3_without_a_configuration(s3, bkt):
    """Since 2023 every bucket has a default encryption: GetBucketEncryption answers SSE-S3 rather
    than ServerSideEncryptionConfigurationNotFoundError (API GetBucketEncryption; ceph/s3-tests
    issue 613 and LocalStack's AWS capture show this document); DeleteBucketEncryption goes back
    to it."""
    default = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": False}]
    assert rules(s3.get_bucket_encryption(Bucket=bkt)) == default
    conf = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                    "KMSMasterKeyID": "1234abcd-12ab"},
             "BucketKeyEnabled": True}]
    r = s3.put_bucket_encryption(Bucket=bkt,
                                 ServerSideEncryptionConfiguration={"Rules": conf})
    assert http_status(r) == 200
    # Kept as sent: a bare key id is not expanded in the configuration.
    assert rules(s3.get_bucket_encryption(Bucket=bkt)) == conf
    assert http_status(s3.delete_bucket_encryption(Bucket=bkt)) == 204
    assert http_status(s3.delete_bucket_encryption(Bucket=bkt)) == 204
    assert rules(s3.get_bucket_encryption(Bucket=bkt)) == default
    for call in [lambda: s3.get_bucket_encryption(Bucket="no-such-bkt"),
                 lambda: s3.delete_bucket_encryption(Bucket="no-such-bkt"),
                 lambda: s3.put_bucket_encryption(
                     Bucket="no-such-bkt", ServerSideEncryptionConfiguration={"Rules": []})]:
        with pytest.raises(ClientError) as e:
            call()
        assert err(e.value)[:2] == (404, "NoSuchBucket")


NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def put_encryption_raw(port, bucket, xml):
    return raw(port, "PUT", f"/{bucket}?encryption", xml.encode(),
               [("Content-Type", "application/xml")])


@pytest.mark.parametrize("doc", [
    "",
    f"<ServerSideEncryptionConfiguration {NS}></ServerSideEncryptionConfiguration>",
    f"<ServerSideEncryptionConfiguration {NS}><Rule/></ServerSideEncryptionConfiguration>",
    f"<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault>"
    "<SSEAlgorithm>AES512</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>"
    "</ServerSideEncryptionConfiguration>",
    f"<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault>"
    "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>",
    # two rules
    f"<ServerSideEncryptionConfiguration {NS}>" + "<Rule><ApplyServerSideEncryptionByDefault>"
    "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>" * 2 +
    "</ServerSideEncryptionConfiguration>",
    f"<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault>"
    "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    "<BucketKeyEnabled>yes</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>",
    f"<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault>"
    "<SSEAlgorithm>AES256</SSEAlgorithm><Other>1</Other></ApplyServerSideEncryptionByDefault>"
    "</Rule></ServerSideEncryptionConfiguration>",
    f"<ServerSideEncryptionConfiguration {NS}><Rule><BlockedEncryptionTypes>"
    "<EncryptionType>SSE-KMS</EncryptionType></BlockedEncryptionTypes></Rule>"
    "</ServerSideEncryptionConfiguration>",
    "<CORSConfiguration/>",
])
def test_put_bucket_encryption_malformed(server, s3, bkt, doc):
    """An empty or second rule, an unknown algorithm, a missing one: MalformedXML (LocalStack's
    AWS-validated test_s3_default_bucket_encryption_exc; the schema's enumerations)."""
    r = put_encryption_raw(server.port, bkt, doc)
    assert raw_err(r)[:2] == (400, "MalformedXML")
    assert rules(s3.get_bucket_encryption(Bucket=bkt))[0][
        "ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_put_bucket_encryption_kms_key_without_kms(s3, bkt):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_encryption(Bucket=bkt, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256",
                                                    "KMSMasterKeyID": "k"}}]})
    assert err(e.value) == (400, "InvalidArgument",
                            "a KMSMasterKeyID is not applicable if the default sse algorithm is "
                            "not aws:kms or aws:kms:dsse")
    assert e.value.response["Error"]["ArgumentName"] == "ApplyServerSideEncryptionByDefault"


def test_bucket_default_applies_to_new_objects(s3, bkt):
    """Objects that name no encryption get the bucket's default; a named one wins (API
    PutBucketEncryption, CopyObject: "the encryption setting in your request takes precedence")."""
    s3.put_object(Bucket=bkt, Key="before", Body=b"1")
    s3.put_bucket_encryption(Bucket=bkt, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                "KMSMasterKeyID": "1234abcd"},
         "BucketKeyEnabled": True}]})
    arn = "arn:aws:kms:us-east-1:000000000000:key/1234abcd"
    kms = {SSE: "aws:kms", KMS_KEY_HDR: arn, BK_HDR: "true"}
    assert sse_headers(s3.put_object(Bucket=bkt, Key="after", Body=b"2")) == kms
    assert sse_headers(s3.head_object(Bucket=bkt, Key="after")) == kms
    assert sse_headers(s3.get_object(Bucket=bkt, Key="after")) == kms
    # What was stored before keeps its encryption.
    assert sse_headers(s3.head_object(Bucket=bkt, Key="before")) == {SSE: "AES256"}
    # A copy is a new object: the destination's default, not the source's encryption.
    assert sse_headers(s3.copy_object(Bucket=bkt, Key="copy", CopySource=f"{bkt}/before")) == kms
    mpu = s3.create_multipart_upload(Bucket=bkt, Key="mpu")
    assert sse_headers(mpu) == kms
    # A request's own encryption wins; aws:kms without a key id is the AWS managed key, with
    # the bucket's Bucket Key setting unless the request says.
    assert sse_headers(s3.put_object(Bucket=bkt, Key="own", Body=b"3",
                                     ServerSideEncryption="AES256")) == {SSE: "AES256"}
    assert sse_headers(s3.put_object(Bucket=bkt, Key="own", Body=b"3",
                                     ServerSideEncryption="aws:kms")) == {
        SSE: "aws:kms", KMS_KEY_HDR: DEFAULT_KMS, BK_HDR: "true"}
    assert sse_headers(s3.put_object(Bucket=bkt, Key="own", Body=b"3",
                                     ServerSideEncryption="aws:kms",
                                     BucketKeyEnabled=False)) == {
        SSE: "aws:kms", KMS_KEY_HDR: DEFAULT_KMS}
    # DSSE-KMS as a default: no Bucket Key (not supported with DSSE).
    s3.put_bucket_encryption(Bucket=bkt, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"},
         "BucketKeyEnabled": True}]})
    assert sse_headers(s3.put_object(Bucket=bkt, Key="dsse", Body=b"4")) == {
        SSE: "aws:kms:dsse", KMS_KEY_HDR: DEFAULT_KMS}
    s3.delete_bucket_encryption(Bucket=bkt)
    assert sse_headers(s3.put_object(Bucket=bkt, Key="plain", Body=b"5")) == {SSE: "AES256"}


def test_copy_in_place_is_allowed_with_an_encryption(s3, bkt):
    """A copy onto itself that changes nothing is refused, unless it names an encryption or the
    bucket has a default encryption configured (the S3 message names "encryption attributes";
    LocalStack's AWS-validated copy-in-place tests)."""
    s3.put_object(Bucket=bkt, Key="k", Body=b"data")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bkt, Key="k", CopySource=f"{bkt}/k")
    assert err(e.value)[:2] == (400, "InvalidRequest")
    r = s3.copy_object(Bucket=bkt, Key="k", CopySource=f"{bkt}/k", ServerSideEncryption="aws:kms")
    assert r["ServerSideEncryption"] == "aws:kms"
    s3.put_bucket_encryption(Bucket=bkt, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    r = s3.copy_object(Bucket=bkt, Key="k", CopySource=f"{bkt}/k")
    assert r["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bkt, Key="k")["Body"].read() == b"data"


def test_blocked_encryption_types_refuse_sse_c_writes(s3, bkt, server):
    """BlockedEncryptionTypes SSE-C: SSE-C writes answer 403 AccessDenied, reads of objects already
    there still work, NONE unblocks (UG blocking-unblocking-s3-c-encryption-gpb)."""
    s3.put_object(Bucket=bkt, Key="old", Body=b"old", **ssec())
    block = (f"<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault>"
             "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
             "<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
             "</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>")
    assert put_encryption_raw(server.port, bkt, block).status == 200
    r = raw(server.port, "GET", f"/{bkt}?encryption")
    assert xml_text(r.xml(), "Rule/BlockedEncryptionTypes/EncryptionType") == "SSE-C"
    for call in [lambda: s3.put_object(Bucket=bkt, Key="new", Body=b"x", **ssec()),
                 lambda: s3.create_multipart_upload(Bucket=bkt, Key="new", **ssec()),
                 lambda: s3.copy_object(Bucket=bkt, Key="new", CopySource=f"{bkt}/old",
                                        **copy_ssec(), **ssec())]:
        with pytest.raises(ClientError) as e:
            call()
        status, code, msg = err(e.value)
        assert (status, code) == (403, "AccessDenied")
        assert "because this bucket has blocked upload requests that specify Server Side " \
               "Encryption with Customer provided keys (SSE-C)" in msg
    assert s3.get_object(Bucket=bkt, Key="old", **ssec())["Body"].read() == b"old"
    s3.put_object(Bucket=bkt, Key="plain", Body=b"x")
    unblock = block.replace(">SSE-C<", ">NONE<")
    assert put_encryption_raw(server.port, bkt, unblock).status == 200
    s3.put_object(Bucket=bkt, Key="new", Body=b"x", **ssec())


# --- SSE-KMS and DSSE-KMS ------------------------------------------------------------------------

def ctx(d):
    import json
    return base64.b64encode(json.dumps(d).encode()).decode()


def test_kms_headers_are_kept_and_answered(s3, bkt):
    """aws:kms without a key id uses the AWS managed key (here: S3_SSE_DEFAULT_KMS_KEY's ARN); a
    key id is answered as an ARN; the context is answered by PutObject and CopyObject but never by
    GetObject or HeadObject (API response syntax of each; UG UsingKMSEncryption)."""
    r = s3.put_object(Bucket=bkt, Key="k1", Body=b"x", ServerSideEncryption="aws:kms")
    assert sse_headers(r) == {SSE: "aws:kms", KMS_KEY_HDR: DEFAULT_KMS}
    context = ctx({"project": "fakes3"})
    r = s3.put_object(Bucket=bkt, Key="k2", Body=b"y", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId="1234abcd-12ab-34cd-56ef-1234567890ab",
                      SSEKMSEncryptionContext=context, BucketKeyEnabled=True)
    arn = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert sse_headers(r) == {SSE: "aws:kms", KMS_KEY_HDR: arn, CTX_HDR: context, BK_HDR: "true"}
    # The ETag stays the MD5 (fakes3 does not encrypt KMS objects; see the README).
    assert r["ETag"] == f'"{md5_hex(b"y")}"'
    for read in [s3.head_object(Bucket=bkt, Key="k2"), s3.get_object(Bucket=bkt, Key="k2")]:
        assert sse_headers(read) == {SSE: "aws:kms", KMS_KEY_HDR: arn, BK_HDR: "true"}
    assert s3.get_object(Bucket=bkt, Key="k2")["Body"].read() == b"y"
    # An ARN or an alias as given.
    other = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
    r = s3.put_object(Bucket=bkt, Key="k3", Body=b"z", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=other)
    assert r["SSEKMSKeyId"] == other
    r = s3.put_object(Bucket=bkt, Key="k3", Body=b"z", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId="alias/mine")
    assert r["SSEKMSKeyId"] == "arn:aws:kms:us-east-1:000000000000:alias/mine"
    # A copy takes the context only when named again ("The additional encryption context of the
    # source object won't be copied", API CopyObject).
    r = s3.copy_object(Bucket=bkt, Key="c1", CopySource=f"{bkt}/k2",
                       ServerSideEncryption="aws:kms")
    assert sse_headers(r) == {SSE: "aws:kms", KMS_KEY_HDR: DEFAULT_KMS}
    r = s3.copy_object(Bucket=bkt, Key="c2", CopySource=f"{bkt}/k2",
                       ServerSideEncryption="aws:kms", SSEKMSEncryptionContext=context)
    assert r["SSEKMSEncryptionContext"] == context
    # A copy without one is SSE-S3 again.
    r = s3.copy_object(Bucket=bkt, Key="c3", CopySource=f"{bkt}/k2")
    assert sse_headers(r) == {SSE: "AES256"}
    assert sse_headers(s3.head_object(Bucket=bkt, Key="c3")) == {SSE: "AES256"}


def test_dsse_kms(s3, bkt):
    r = s3.put_object(Bucket=bkt, Key="d", Body=b"x", ServerSideEncryption="aws:kms:dsse",
                      SSEKMSKeyId="k-1", BucketKeyEnabled=True)
    want = {SSE: "aws:kms:dsse", KMS_KEY_HDR: "arn:aws:kms:us-east-1:000000000000:key/k-1"}
    assert sse_headers(r) == want
    assert sse_headers(s3.head_object(Bucket=bkt, Key="d")) == want


def test_kms_multipart(s3, bkt):
    context = ctx({"a": "b"})
    mpu = s3.create_multipart_upload(Bucket=bkt, Key="m", ServerSideEncryption="aws:kms",
                                     SSEKMSKeyId="key-1", SSEKMSEncryptionContext=context,
                                     BucketKeyEnabled=True)
    arn = "arn:aws:kms:us-east-1:000000000000:key/key-1"
    kms = {SSE: "aws:kms", KMS_KEY_HDR: arn, BK_HDR: "true"}
    assert sse_headers(mpu) == dict(kms, **{CTX_HDR: context})
    p = s3.upload_part(Bucket=bkt, Key="m", UploadId=mpu["UploadId"], PartNumber=1, Body=b"p")
    assert sse_headers(p) == kms
    done = s3.complete_multipart_upload(Bucket=bkt, Key="m", UploadId=mpu["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                    "ETag": p["ETag"]}]})
    assert sse_headers(done) == kms
    assert sse_headers(s3.head_object(Bucket=bkt, Key="m")) == kms


@pytest.mark.parametrize("headers,name,message", [
    ([(KMS_KEY_HDR, "1234abcd")], KMS_KEY_HDR,
     "Server Side Encryption with AWS KMS managed key requires HTTP header "
     "x-amz-server-side-encryption : aws:kms"),
    ([(SSE, "AES256"), (KMS_KEY_HDR, "1234abcd")], KMS_KEY_HDR,
     "Server Side Encryption with AWS KMS managed key requires HTTP header "
     "x-amz-server-side-encryption : aws:kms"),
    ([(CTX_HDR, ctx({"a": "b"}))], CTX_HDR,
     "Server Side Encryption with AWS KMS managed key requires HTTP header "
     "x-amz-server-side-encryption : aws:kms"),
    ([(SSE, "aws:kms"), (CTX_HDR, "not base64!")], CTX_HDR,
     "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string "
     "holding JSON which represents a string-string map"),
    ([(SSE, "aws:kms"), (CTX_HDR, base64.b64encode(b'["a"]').decode())], CTX_HDR,
     "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string "
     "holding JSON which represents a string-string map"),
    ([(SSE, "aws:kms"), (CTX_HDR, base64.b64encode(b'{"a": 1}').decode())], CTX_HDR,
     "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string "
     "holding JSON which represents a string-string map"),
])
def test_kms_header_errors(server, bkt, headers, name, message):
    """A key id or context without aws:kms (aws-cli#1431's capture), a context that is not base64
    JSON of strings (HADOOP-19197's capture): InvalidArgument, nothing stored."""
    r = raw(server.port, "PUT", f"/{bkt}/k", b"x", headers)
    assert raw_err(r) == (400, "InvalidArgument", message)
    assert xml_text(r.xml(), "ArgumentName") == name
    assert raw(server.port, "HEAD", f"/{bkt}/k").status == 404


def test_kms_needs_signature_v4(server, bkt):
    """SSE-KMS requests signed with Signature Version 2 are refused (botocore#377, boto3#2952)."""
    cfg = Config(s3={"addressing_style": "path"}, signature_version="s3",
                 retries={"total_max_attempts": 1})
    v2 = _session().client("s3", endpoint_url=server.endpoint, config=cfg)
    with pytest.raises(ClientError) as e:
        v2.put_object(Bucket=bkt, Key="k", Body=b"x", ServerSideEncryption="aws:kms")
    assert err(e.value) == (400, "InvalidArgument",
                            "Requests specifying Server Side Encryption with AWS KMS managed keys "
                            "require AWS Signature Version 4.")
    assert e.value.response["Error"]["ArgumentName"] == "Authorization"
    assert v2.put_object(Bucket=bkt, Key="k", Body=b"x")["ServerSideEncryption"] == "AES256"


# --- SSE-C ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 13, 16 * 1024, 16 * 1024 + 1, 3 * MiB + 7])
def test_sse_c_put_get_head_range(s3, bkt, server, size):
    """The object is stored encrypted (no plaintext in blobs/), read back with the key, whole and
    by range from any offset; answers carry the algorithm and key MD5 and no
    x-amz-server-side-encryption (UG specifying-s3-c-encryption; LocalStack's capture); the ETag is
    not the MD5 of the data (API Object, PutObject)."""
    data = body(size)
    r = s3.put_object(Bucket=bkt, Key="c", Body=data, **ssec())
    echo = {C_ALG: "AES256", C_MD5: MD5_A}
    assert sse_headers(r) == echo
    etag = r["ETag"]
    assert etag != f'"{md5_hex(data)}"' and len(etag) == 34
    g = s3.get_object(Bucket=bkt, Key="c", **ssec())
    assert g["Body"].read() == data
    assert sse_headers(g) == echo and g["ETag"] == etag and g["ContentLength"] == size
    h = s3.head_object(Bucket=bkt, Key="c", **ssec())
    assert sse_headers(h) == echo and h["ContentLength"] == size
    for first, last in [(0, 0), (1, 16), (15, 17), (size // 2, size - 1), (size - 1, size - 1),
                        (16 * 1024 - 3, 16 * 1024 + 2 * MiB)]:
        if size == 0 or first >= size:
            continue
        g = s3.get_object(Bucket=bkt, Key="c", Range=f"bytes={first}-{last}", **ssec())
        assert g["Body"].read() == data[first:last + 1], (first, last)
    if size:
        g = s3.get_object(Bucket=bkt, Key="c", PartNumber=1, **ssec())
        assert g["Body"].read() == data
        on_disk = [open(p, "rb").read() for p in blob_files(server)]
        assert sorted(len(d) for d in on_disk) == [size]
        assert data[:13] not in on_disk[0] and on_disk[0] != data
    # Another upload of the same bytes and key gets another IV, so another ETag.
    assert s3.put_object(Bucket=bkt, Key="c2", Body=data, **ssec())["ETag"] != etag


def test_sse_c_read_errors(s3, bkt, server):
    s3.put_object(Bucket=bkt, Key="c", Body=b"secret", **ssec())
    s3.put_object(Bucket=bkt, Key="plain", Body=b"plain")
    # Without the key: 400 InvalidRequest (boto3#1482's capture; ceph
    # test_encryption_sse_c_present); HEAD the same status, no body.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="c")
    assert err(e.value) == (400, "InvalidRequest", NEEDS_KEY)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bkt, Key="c")
    assert http_status(e.value) == 400
    # Another key: 403 AccessDenied (LocalStack's AWS capture).
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="c", **ssec(KEY_B))
    assert err(e.value) == (403, "AccessDenied", WRONG_KEY)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bkt, Key="c", **ssec(KEY_B))
    assert http_status(e.value) == 403
    # A key of another length cannot be the object's either.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="c", **ssec(KEY_A[:16]))
    assert err(e.value)[:2] == (403, "AccessDenied")
    # A key for an object stored without one (boto3#982).
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="plain", **ssec())
    assert err(e.value) == (400, "InvalidRequest", NOT_APPLICABLE)
    # GetObjectAttributes needs the key too.
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bkt, Key="c", ObjectAttributes=["ETag"])
    assert err(e.value) == (400, "InvalidRequest", NEEDS_KEY)
    a = s3.get_object_attributes(Bucket=bkt, Key="c", ObjectAttributes=["ObjectSize"],
                                 **ssec_encoded())
    assert a["ObjectSize"] == 6
    # Deleting needs no key.
    s3.delete_object(Bucket=bkt, Key="c")


def test_sse_c_write_errors(server, bkt):
    """Each malformed SSE-C header set answers S3's error and stores nothing (LocalStack's AWS
    captures of the six SSE-C messages; ceph test_encryption_sse_c_no_md5, _no_key,
    _key_no_sse_c, _invalid_md5; the missing-MD5 text is MinIO's, S3's is not captured)."""
    alg, key, md5 = raw_ssec()
    cases = [
        ([key, md5], 400, "InvalidArgument", PROVIDE + "a valid encryption algorithm."),
        ([alg], 400, "InvalidArgument", PROVIDE + "an appropriate secret key."),
        ([alg, key], 400, "InvalidArgument",
         PROVIDE + "the client calculated MD5 of the secret key."),
        ([(C_ALG, "AES128"), key, md5], 400, "InvalidEncryptionAlgorithmError",
         "The Encryption request you specified is not valid. Supported value: AES256."),
        ([alg, key, (C_MD5, "AAAAAAAAAAAAAAAAAAAAAA==")], 400, "InvalidArgument",
         "The calculated MD5 hash of the key did not match the hash that was provided."),
        (raw_ssec(KEY_A[:16]), 400, "InvalidArgument",
         "The secret key was invalid for the specified algorithm."),
        ([alg, (C_KEY, "not base64!"), md5], 400, "InvalidArgument",
         "The secret key was invalid for the specified algorithm."),
        ([(SSE, "AES256"), alg, key, md5], 400, "InvalidArgument",
         "Server Side Encryption with Customer provided key is incompatible with the encryption "
         "method specified"),
        ([(SSE, "aws:kms"), alg, key, md5], 400, "InvalidArgument",
         "Server Side Encryption with Customer provided key is incompatible with the encryption "
         "method specified"),
    ]
    for headers, status, code, message in cases:
        r = raw(server.port, "PUT", f"/{bkt}/new", b"x", headers)
        assert raw_err(r) == (status, code, message), headers
        assert xml_text(r.xml(), "ArgumentName") == SSE
    assert raw(server.port, "HEAD", f"/{bkt}/new").status == 404


def test_sse_c_multipart(s3, bkt, server):
    """CreateMultipartUpload with the key, each UploadPart with the same key (UG
    specifying-s3-c-encryption; a part without it, or with another, is InvalidRequest as
    aws-sdk-ruby#1084 and LocalStack captured), CompleteMultipartUpload with or without it; the
    object decrypts across its parts, by range over a part boundary and by part number."""
    mpu = s3.create_multipart_upload(Bucket=bkt, Key="m", Metadata={"a": "1"}, **ssec())
    assert sse_headers(mpu) == {C_ALG: "AES256", C_MD5: MD5_A}
    uid = mpu["UploadId"]
    p1, p2 = body(5 * MiB, b"first part "), body(MiB + 3, b"second part ")
    for extra, msg in [({}, PART_NEEDS_KEY), (ssec(KEY_B), PART_OTHER_KEY)]:
        with pytest.raises(ClientError) as e:
            s3.upload_part(Bucket=bkt, Key="m", UploadId=uid, PartNumber=1, Body=b"x", **extra)
        assert err(e.value) == (400, "InvalidRequest", msg)
    r1 = s3.upload_part(Bucket=bkt, Key="m", UploadId=uid, PartNumber=1, Body=p1, **ssec())
    assert sse_headers(r1) == {C_ALG: "AES256", C_MD5: MD5_A}
    assert r1["ETag"] != f'"{md5_hex(p1)}"'
    r2 = s3.upload_part(Bucket=bkt, Key="m", UploadId=uid, PartNumber=2, Body=p2, **ssec())
    parts = [{"PartNumber": 1, "ETag": r1["ETag"]}, {"PartNumber": 2, "ETag": r2["ETag"]}]
    listed = s3.list_parts(Bucket=bkt, Key="m", UploadId=uid)["Parts"]
    assert [p["ETag"] for p in listed] == [r1["ETag"], r2["ETag"]]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bkt, Key="m", UploadId=uid,
                                     MultipartUpload={"Parts": parts}, **ssec_encoded(KEY_B))
    assert err(e.value) == (400, "InvalidRequest", PART_OTHER_KEY)
    done = s3.complete_multipart_upload(Bucket=bkt, Key="m", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    assert sse_headers(done) == {}
    assert done["ETag"].endswith('-2"')
    data = p1 + p2
    g = s3.get_object(Bucket=bkt, Key="m", **ssec())
    assert g["Body"].read() == data and g["Metadata"] == {"a": "1"}
    assert sse_headers(g) == {C_ALG: "AES256", C_MD5: MD5_A}
    for first, last in [(5 * MiB - 10, 5 * MiB + 10), (0, 5 * MiB), (5 * MiB, len(data) - 1)]:
        g = s3.get_object(Bucket=bkt, Key="m", Range=f"bytes={first}-{last}", **ssec())
        assert g["Body"].read() == data[first:last + 1]
    assert s3.get_object(Bucket=bkt, Key="m", PartNumber=2, **ssec())["Body"].read() == p2
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="m", **ssec(KEY_B))
    assert http_status(e.value) == 403
    for path in blob_files(server):
        d = open(path, "rb").read()
        assert b"first part" not in d and b"second part" not in d
    # A part of a plain upload may not carry a key.
    plain = s3.create_multipart_upload(Bucket=bkt, Key="p")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bkt, Key="p", UploadId=plain, PartNumber=1, Body=b"x", **ssec())
    assert err(e.value) == (400, "InvalidRequest", PART_NEEDS_KEY)


def test_sse_c_copies(s3, bkt, server):
    """CopyObject reads an SSE-C source with the x-amz-copy-source-...-customer-* headers and
    re-encrypts for an SSE-C target: SSE-C to SSE-C under another key, SSE-C to plain (SSE-S3, the
    MD5 ETag again), plain to SSE-C (UG specifying-s3-c-encryption; LocalStack's and
    minio#6581's captures); the bytes are read and written, never shared."""
    data = body(40000, b"copy me ")
    s3.put_object(Bucket=bkt, Key="src", Body=data, **ssec())
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bkt, Key="x", CopySource=f"{bkt}/src")
    assert err(e.value) == (400, "InvalidRequest", NEEDS_KEY)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bkt, Key="x", CopySource=f"{bkt}/src", **copy_ssec(KEY_B))
    assert err(e.value)[:2] == (403, "AccessDenied")
    # SSE-C to SSE-C under another key.
    r = s3.copy_object(Bucket=bkt, Key="c2c", CopySource=f"{bkt}/src", **copy_ssec(), **ssec(KEY_B))
    assert sse_headers(r) == {C_ALG: "AES256", C_MD5: MD5_B}
    assert s3.get_object(Bucket=bkt, Key="c2c", **ssec(KEY_B))["Body"].read() == data
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="c2c", **ssec(KEY_A))
    assert http_status(e.value) == 403
    # SSE-C to plain.
    r = s3.copy_object(Bucket=bkt, Key="c2p", CopySource=f"{bkt}/src", **copy_ssec())
    assert sse_headers(r) == {SSE: "AES256"}
    assert r["CopyObjectResult"]["ETag"] == f'"{md5_hex(data)}"'
    g = s3.get_object(Bucket=bkt, Key="c2p")
    assert g["Body"].read() == data and sse_headers(g) == {SSE: "AES256"}
    # Plain to SSE-C; the source needs no key, and may not be given one.
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bkt, Key="x", CopySource=f"{bkt}/c2p", **copy_ssec())
    assert err(e.value) == (400, "InvalidRequest", NOT_APPLICABLE)
    r = s3.copy_object(Bucket=bkt, Key="p2c", CopySource=f"{bkt}/c2p", **ssec(KEY_B))
    assert sse_headers(r) == {C_ALG: "AES256", C_MD5: MD5_B}
    assert s3.get_object(Bucket=bkt, Key="p2c", **ssec(KEY_B))["Body"].read() == data
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="p2c")
    assert http_status(e.value) == 400
    # SSE-C onto itself under a new key (an encryption change makes the copy legal).
    s3.copy_object(Bucket=bkt, Key="src", CopySource=f"{bkt}/src", **copy_ssec(), **ssec(KEY_B))
    assert s3.get_object(Bucket=bkt, Key="src", **ssec(KEY_B))["Body"].read() == data
    # UploadPartCopy from an SSE-C source into an SSE-C upload.
    uid = s3.create_multipart_upload(Bucket=bkt, Key="mp", **ssec(KEY_A))["UploadId"]
    pc = s3.upload_part_copy(Bucket=bkt, Key="mp", UploadId=uid, PartNumber=1,
                             CopySource=f"{bkt}/src", CopySourceRange="bytes=8-39999",
                             **copy_ssec(KEY_B), **ssec(KEY_A))
    assert sse_headers(pc) == {C_ALG: "AES256", C_MD5: MD5_A}
    s3.complete_multipart_upload(Bucket=bkt, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": pc["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bkt, Key="mp", **ssec(KEY_A))["Body"].read() == data[8:]
    # Every blob holds ciphertext, except the plain copy's.
    plain = [p for p in blob_files(server) if open(p, "rb").read() == data]
    assert len(plain) == 1
    for p in blob_files(server):
        if p not in plain:
            assert b"copy me" not in open(p, "rb").read()


def test_sse_c_versions_each_have_their_key(s3, bkt):
    """Each version of a key can have its own customer key (UG ServerSideEncryptionCustomerKeys)."""
    s3.put_bucket_versioning(Bucket=bkt, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bkt, Key="v", Body=b"one", **ssec(KEY_A))["VersionId"]
    s3.put_object(Bucket=bkt, Key="v", Body=b"two", **ssec(KEY_B))
    assert s3.get_object(Bucket=bkt, Key="v", **ssec(KEY_B))["Body"].read() == b"two"
    assert s3.get_object(Bucket=bkt, Key="v", VersionId=v1, **ssec(KEY_A))["Body"].read() == b"one"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="v", VersionId=v1, **ssec(KEY_B))
    assert http_status(e.value) == 403


@disk_only("restarts on the same root")
def test_sse_c_survives_a_restart(server, s3, bkt):
    s3.put_object(Bucket=bkt, Key="c", Body=b"kept", **ssec())
    server.stop()
    server.start()
    s3 = server.client()
    assert s3.get_object(Bucket=bkt, Key="c", **ssec())["Body"].read() == b"kept"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bkt, Key="c")
    assert http_status(e.value) == 400


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    crt, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=localhost", "-days", "1", "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=120)
    return crt, key


def test_sse_c_require_tls(server_factory, cert):
    """--sse-c-require-tls: SSE-C over plain HTTP is refused as S3 refuses it (UG
    ServerSideEncryptionCustomerKeys: "Amazon S3 rejects any requests made over HTTP when using
    SSE-C"), reads and copy sources too; HTTPS works; other requests are unaffected. Without the
    flag plain HTTP is accepted (every other test here)."""
    hport = free_port()
    srv = server_factory(args=["--sse-c-require-tls", "--sslcert", cert[0], "--sslkey", cert[1],
                               "--https-port", str(hport)])
    plain = srv.client()
    plain.create_bucket(Bucket=BKT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                     retries={"total_max_attempts": 1})
        tls = _session().client("s3", endpoint_url=f"https://127.0.0.1:{hport}", config=cfg,
                                verify=False)
        tls.put_object(Bucket=BKT, Key="c", Body=b"over tls", **ssec())
        assert tls.get_object(Bucket=BKT, Key="c", **ssec())["Body"].read() == b"over tls"
    for call in [lambda: plain.put_object(Bucket=BKT, Key="d", Body=b"x", **ssec()),
                 lambda: plain.get_object(Bucket=BKT, Key="c", **ssec()),
                 lambda: plain.copy_object(Bucket=BKT, Key="d", CopySource=f"{BKT}/c",
                                           **copy_ssec())]:
        with pytest.raises(ClientError) as e:
            call()
        assert err(e.value) == (400, "InvalidRequest", OVER_HTTP)
    plain.put_object(Bucket=BKT, Key="p", Body=b"x")
    assert plain.get_object(Bucket=BKT, Key="p")["Body"].read() == b"x"
