"""Bucket policies as S3 stores them: PutBucketPolicy validates the document (MalformedPolicy with
S3's reason, PolicyTooLarge past 20 KB) and keeps it exactly as sent; GetBucketPolicy returns it;
DeleteBucketPolicy answers 204; GetBucketPolicyStatus says whether it is public. The open mode
(no --users) accepts policies too."""

import json

import pytest
from botocore.exceptions import ClientError

from s3lib import error_code, http_status, raw
from test_owners import client, users_file

BUCKET = "pol-bucket"


def allow(principal="*", action="s3:GetObject", resource=f"arn:aws:s3:::{BUCKET}/*", **extra):
    st = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    st.update(extra)
    return {"Version": "2012-10-17", "Statement": [st]}


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


def test_policy_round_trip_keeps_the_document_as_sent(s3, bucket):
    # whitespace, key order and the Id are S3's to keep: the document comes back byte for byte
    doc = ('{\n  "Id": "keep-me",\n  "Statement": [ {"Sid": "pub", "Resource": "arn:aws:s3:::'
           + bucket + '/*", "Action": ["s3:GetObject"], "Effect": "Allow", "Principal": "*"} ],\n'
           '  "Version": "2012-10-17"\n}')
    r = s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    assert http_status(r) == 204
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == doc
    r = s3.delete_bucket_policy(Bucket=bucket)
    assert http_status(r) == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(e.value) == "NoSuchBucketPolicy"
    assert http_status(e.value) == 404
    assert e.value.response["Error"]["BucketName"] == bucket
    # deleting what is not there is still 204, as in S3
    assert http_status(s3.delete_bucket_policy(Bucket=bucket)) == 204


def test_policy_replaced_by_a_second_put(s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(allow()))
    second = json.dumps(allow(action="s3:ListBucket", resource=f"arn:aws:s3:::{bucket}"))
    s3.put_bucket_policy(Bucket=bucket, Policy=second)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == second


def test_policy_calls_on_a_missing_bucket_answer_no_such_bucket(s3):
    for call in (lambda: s3.put_bucket_policy(Bucket="nope-bucket", Policy=json.dumps(allow())),
                 lambda: s3.get_bucket_policy(Bucket="nope-bucket"),
                 lambda: s3.delete_bucket_policy(Bucket="nope-bucket"),
                 lambda: s3.get_bucket_policy_status(Bucket="nope-bucket")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e.value) == "NoSuchBucket"


def st(**kw):
    base = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    for k, v in kw.items():
        if v is None:
            base.pop(k, None)
        else:
            base[k] = v
    return json.dumps({"Version": "2012-10-17", "Statement": [base]})


MALFORMED = [
    ("invalid_json", '{"Version": "2012-10-17", "Statement": [', "This policy contains invalid Json"),
    ("not_an_object", '["s3:GetObject"]',
     "Policies must be valid JSON and the first byte must be '{'"),
    ("object_action_on_the_bucket_arn", st(Resource=f"arn:aws:s3:::{BUCKET}"),
     "Action does not apply to any resource(s) in statement"),
    ("bucket_action_on_object_arns", st(Action="s3:ListBucket"),
     "Action does not apply to any resource(s) in statement"),
    ("unknown_action", st(Action="s3:GetObjekt"), "Policy has invalid action"),
    ("other_service_action", st(Action="iam:CreateUser"), "Policy has invalid action"),
    ("wildcard_matching_no_action", st(Action="s3:Frobnicate*"), "Policy has invalid action"),
    ("resource_of_another_bucket", st(Resource="arn:aws:s3:::other-bucket/*"),
     "Policy has invalid resource"),
    ("resource_not_an_arn", st(Resource=f"{BUCKET}/*"), "Policy has invalid resource"),
    ("missing_principal", st(Principal=None), "Missing required field Principal"),
    ("principal_not_star", st(Principal="alice"), "Invalid principal in policy"),
    ("principal_access_key", st(Principal={"AWS": "AKALICE"}), "Invalid principal in policy"),
    ("principal_unknown_type", st(Principal={"Robot": "*"}), "Invalid principal in policy"),
    ("missing_effect", st(Effect=None), "Missing required field Effect"),
    ("bad_effect", st(Effect="Permit"), "Invalid effect: Permit"),
    ("missing_action", st(Action=None), "Missing required field Action"),
    ("missing_resource", st(Resource=None), "Missing required field Resource"),
    ("unknown_condition_operator", st(Condition={"StringSortOf": {"aws:username": "a"}}),
     "Invalid Condition type : StringSortOf"),
    ("unknown_condition_key", st(Condition={"StringEquals": {"s3:flavour": "a"}}),
     "Policy has an invalid condition key"),
    ("bad_version", json.dumps({"Version": "2013-01-01", "Statement": json.loads(st())["Statement"]}),
     "The policy must contain a valid version string"),
    ("empty_statement", json.dumps({"Version": "2012-10-17", "Statement": []}),
     "Could not parse the policy: Statement is empty!"),
]


@pytest.mark.parametrize("doc,message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_policy_is_refused_with_s3s_reason_and_changes_nothing(s3, bucket, doc, message):
    kept = json.dumps(allow())
    s3.put_bucket_policy(Bucket=bucket, Policy=kept)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    assert error_code(e.value) == "MalformedPolicy"
    assert http_status(e.value) == 400
    assert e.value.response["Error"]["Message"] == message
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == kept


def test_policy_over_20_kb_is_refused(s3, bucket):
    statements = [{"Sid": f"s{i}", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{bucket}/prefix-{i:05d}/*"} for i in range(200)]
    doc = json.dumps({"Version": "2012-10-17", "Statement": statements})
    assert len(doc) > 20 * 1024
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    assert error_code(e.value) == "PolicyTooLarge"
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(e.value) == "NoSuchBucketPolicy"
    # whitespace is not counted: the same statements, fewer of them, indented far past 20 KB
    small = json.dumps({"Version": "2012-10-17", "Statement": statements[:60]}, indent=40)
    assert len(small) > 20 * 1024
    assert http_status(s3.put_bucket_policy(Bucket=bucket, Policy=small)) == 204


def test_confirm_remove_self_bucket_access_is_accepted(s3, bucket):
    doc = json.dumps(allow())
    s3.put_bucket_policy(Bucket=bucket, Policy=doc, ConfirmRemoveSelfBucketAccess=True)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == doc


PUBLIC = [
    ("star", allow(), True),
    ("aws_star", allow(principal={"AWS": "*"}), True),
    ("one_account", allow(principal={"AWS": "111122223333"}), False),
    ("user_arn", allow(principal={"AWS": "arn:aws:iam::111122223333:user/alice"}), False),
    ("star_narrowed_to_a_cidr",
     allow(Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), False),
    ("star_with_a_cidr_too_wide",
     allow(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}), True),
    ("star_narrowed_to_an_account",
     allow(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}), False),
    ("deny_star", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}, False),
]


@pytest.mark.parametrize("doc,public", [p[1:] for p in PUBLIC], ids=[p[0] for p in PUBLIC])
def test_policy_status_says_whether_public(s3, bucket, doc, public):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(doc))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is public


def test_policy_status_without_a_policy_is_no_such_bucket_policy(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert error_code(e.value) == "NoSuchBucketPolicy"


def test_policy_status_document_is_s3s(server, s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(allow()))
    r = raw(server.port, "GET", f"/{bucket}?policyStatus")
    assert r.status == 200
    assert r.header("Content-Type") == "application/xml"
    root = r.xml()
    assert root.tag.endswith("PolicyStatus")
    assert [c.tag.split("}")[-1] for c in root] == ["IsPublic"]
    assert root[0].text == "true"


def test_users_mode_owner_puts_and_reads_a_policy(server_factory, tmp_path):
    users = [{"access_key": "AKALICE", "secret_key": "alice-secret", "display_name": "alice",
              "account_id": "111122223333"}]
    srv = server_factory(args=["--users", users_file(tmp_path, users)])
    alice = client(srv, "AKALICE", "alice-secret")
    alice.create_bucket(Bucket=BUCKET)
    doc = json.dumps(allow(principal={"AWS": "arn:aws:iam::111122223333:user/alice"}))
    assert http_status(alice.put_bucket_policy(Bucket=BUCKET, Policy=doc)) == 204
    assert alice.get_bucket_policy(Bucket=BUCKET)["Policy"] == doc
    assert alice.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"]["IsPublic"] is False


def test_aws_cli_policy_round_trip_and_malformed_reason(aws, s3, bucket, tmp_path):
    doc = json.dumps(allow(), indent=2)
    (tmp_path / "policy.json").write_text(doc)
    aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy",
        f"file://{tmp_path / 'policy.json'}")
    got = json.loads(aws("s3api", "get-bucket-policy", "--bucket", bucket).stdout)
    assert got["Policy"] == doc
    status = json.loads(aws("s3api", "get-bucket-policy-status", "--bucket", bucket).stdout)
    assert status == {"PolicyStatus": {"IsPublic": True}}
    r = aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy",
            st(Action="s3:Teleport"), check=False)
    assert r.returncode != 0
    assert "(MalformedPolicy)" in r.stderr and "Policy has invalid action" in r.stderr
    aws("s3api", "delete-bucket-policy", "--bucket", bucket)
    r = aws("s3api", "get-bucket-policy", "--bucket", bucket, check=False)
    assert "NoSuchBucketPolicy" in r.stderr
