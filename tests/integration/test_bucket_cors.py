"""Per-bucket CORS: Put/Get/DeleteBucketCors with S3's validation, preflight (OPTIONS) matching
against the bucket's rules, the Access-Control-* headers of actual requests, and fake-s3's --cors*
flags for buckets without a configuration."""

import os
import shutil

import pytest
from botocore.exceptions import ClientError

from s3lib import disk_only, error_code, http_status, raw, xml_text

APP = "https://app.example"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the "
               "evalution of Origin, request method / Access-Control-Request-Method or "
               "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")


def put_cors(s3, bucket, rules):
    return s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})


def preflight(port, target, origin=APP, method="GET", req_headers=None, extra=()):
    h = []
    if origin is not None:
        h.append(("Origin", origin))
    if method is not None:
        h.append(("Access-Control-Request-Method", method))
    if req_headers is not None:
        h.append(("Access-Control-Request-Headers", req_headers))
    return raw(port, "OPTIONS", target, headers=h + list(extra))


def cors_headers(r):
    return {k.lower(): v for k, v in r.headers if k.lower().startswith("access-control-")
            or k.lower() == "vary"}


def err(r):
    root = r.xml()
    return xml_text(root, "Code"), xml_text(root, "Message")


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="cors-bkt")
    s3.put_object(Bucket="cors-bkt", Key="k", Body=b"hello")
    return "cors-bkt"


def test_put_get_delete_bucket_cors(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert (error_code(e.value), http_status(e.value)) == ("NoSuchCORSConfiguration", 404)
    rules = [{"ID": "first", "AllowedOrigins": [APP, "http://*.example.org"],
              "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["x-amz-*", "Content-Type"],
              "ExposeHeaders": ["ETag", "x-amz-request-id"], "MaxAgeSeconds": 3000},
             {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]}]
    assert http_status(put_cors(s3, bucket, rules)) == 200
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert got == rules
    # Replaced whole by the next put.
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]
    assert http_status(s3.delete_bucket_cors(Bucket=bucket)) == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(e.value) == "NoSuchCORSConfiguration"
    # Deleting what is not there is still 204, as on S3.
    assert http_status(s3.delete_bucket_cors(Bucket=bucket)) == 204


def test_get_returns_canonical_xml_with_namespace(server, s3, bucket):
    body = (b"<CORSConfiguration><CORSRule>\n  <AllowedMethod>GET</AllowedMethod>\n"
            b"  <AllowedOrigin>*</AllowedOrigin>\n</CORSRule></CORSConfiguration>")
    r = raw(server.port, "PUT", f"/{bucket}?cors", body)
    assert r.status == 200, r
    r = raw(server.port, "GET", f"/{bucket}?cors")
    assert r.status == 200 and r.header("Content-Type") == "application/xml"
    assert r.body == (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                      b'<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                      b"<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>"
                      b"</CORSRule></CORSConfiguration>")


@disk_only("restarts on the same root")
def test_cors_survives_restart_and_goes_with_the_bucket(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": [APP], "AllowedMethods": ["GET"]}])
    server.restart()
    s3 = server.client()
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == [APP]
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(e.value) == "NoSuchCORSConfiguration"


def test_cors_on_missing_bucket_is_no_such_bucket(s3):
    for call in (lambda: s3.get_bucket_cors(Bucket="nob"),
                 lambda: s3.delete_bucket_cors(Bucket="nob"),
                 lambda: put_cors(s3, "nob", [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])):
        with pytest.raises(ClientError) as e:
            call()
        assert (error_code(e.value), http_status(e.value)) == ("NoSuchBucket", 404)
    # A PutBucketCors does not create the bucket.
    assert "nob" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("rules,code,message", [
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["MYMETHOD"]}], "InvalidRequest",
     "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD"),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "OPTIONS"]}], "InvalidRequest",
     "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS"),
    ([{"AllowedOrigins": ["http://*.a.*"], "AllowedMethods": ["GET"]}], "InvalidRequest",
     'AllowedOrigin "http://*.a.*" can not have more than one wildcard.'),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["x-*-*"]}],
     "InvalidRequest", 'AllowedHeader "x-*-*" can not have more than one wildcard.'),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101, "InvalidRequest",
     "The number of CORS rules should not exceed allowed limit of 100 rules."),
    ([], "MalformedXML", None),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": []}], "MalformedXML", None),
    ([{"AllowedOrigins": [], "AllowedMethods": ["GET"]}], "MalformedXML", None),
])
def test_put_bucket_cors_validation(s3, bucket, rules, code, message):
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])
    with pytest.raises(ClientError) as e:
        put_cors(s3, bucket, rules)
    assert (error_code(e.value), http_status(e.value)) == (code, 400)
    if message:
        assert e.value.response["Error"]["Message"] == message
    # Bad input changes nothing.
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]


def test_hundred_rules_are_accepted(s3, bucket):
    rules = [{"AllowedOrigins": [f"https://o{i}.example"], "AllowedMethods": ["GET"]}
             for i in range(100)]
    put_cors(s3, bucket, rules)
    assert len(s3.get_bucket_cors(Bucket=bucket)["CORSRules"]) == 100


@pytest.mark.parametrize("body", [
    b"", b"<CORSConfiguration>", b"<Other><CORSRule><AllowedOrigin>*</AllowedOrigin>"
    b"<AllowedMethod>GET</AllowedMethod></CORSRule></Other>",
    b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET"
    b"</AllowedMethod><Unknown>x</Unknown></CORSRule></CORSConfiguration>",
    b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET"
    b"</AllowedMethod><MaxAgeSeconds>ten</MaxAgeSeconds></CORSRule></CORSConfiguration>",
    b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET"
    b"</AllowedMethod><ExposeHeader>a&#13;&#10;Set-Cookie: x</ExposeHeader></CORSRule>"
    b"</CORSConfiguration>",
])
def test_put_bucket_cors_malformed_xml(server, bucket, body):
    r = raw(server.port, "PUT", f"/{bucket}?cors", body)
    assert (r.status, err(r)[0]) == (400, "MalformedXML"), r
    assert raw(server.port, "GET", f"/{bucket}?cors").status == 404


# ---- preflight ----

def test_options_without_origin_is_bad_request(server, s3, bucket):
    for target in (f"/{bucket}/k", f"/{bucket}", "/no-such-bucket/k", "/"):
        r = raw(server.port, "OPTIONS", target, headers=[("Access-Control-Request-Method", "GET")])
        assert r.status == 400, (target, r)
        assert err(r) == ("BadRequest", "Insufficient information. Origin request header needed.")
        assert not [h for h in r.headers if h[0].lower().startswith("access-control-")], r
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])
    r = raw(server.port, "OPTIONS", f"/{bucket}/k")
    assert (r.status, err(r)[0]) == (400, "BadRequest")


def test_preflight_exact_origin(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": [APP], "AllowedMethods": ["GET", "PUT"],
                           "AllowedHeaders": ["x-amz-meta-a"], "ExposeHeaders": ["ETag"],
                           "MaxAgeSeconds": 3000}])
    r = preflight(server.port, f"/{bucket}/k", method="PUT", req_headers="X-Amz-Meta-A")
    assert (r.status, r.body) == (200, b""), r
    assert cors_headers(r) == {
        "access-control-allow-origin": APP, "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, PUT", "access-control-allow-headers": "x-amz-meta-a",
        "access-control-expose-headers": "ETag", "access-control-max-age": "3000", "vary": VARY}
    # The same on the bucket itself; a preflight needs no signature and creates nothing.
    assert preflight(server.port, f"/{bucket}", method="GET").status == 200
    # Another origin, even a prefix of it, is refused.
    for origin in ("https://app.example.evil", "http://app.example", "https://APP.example"):
        r = preflight(server.port, f"/{bucket}/k", origin=origin)
        assert r.status == 403, (origin, r)


def test_preflight_wildcard_origin(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["GET"]}])
    r = preflight(server.port, f"/{bucket}/k", origin="https://a.b.example.com")
    assert r.status == 200, r
    assert r.header("Access-Control-Allow-Origin") == "https://a.b.example.com"
    assert r.header("Access-Control-Allow-Credentials") == "true"
    assert r.header("Access-Control-Max-Age") is None
    assert r.header("Access-Control-Expose-Headers") is None
    for origin in ("http://a.example.com", "https://example.com.evil", "https://a.example.co"):
        assert preflight(server.port, f"/{bucket}/k", origin=origin).status == 403, origin


def test_preflight_star_origin_answers_star_without_credentials(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])
    r = preflight(server.port, f"/{bucket}/k", origin="http://anything.test:8080")
    assert r.status == 200, r
    assert cors_headers(r) == {"access-control-allow-origin": "*",
                               "access-control-allow-methods": "GET", "vary": VARY}


def test_preflight_method_mismatch_is_access_forbidden(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])
    r = preflight(server.port, f"/{bucket}/k", method="PUT")
    assert r.status == 403, r
    root = r.xml()
    assert xml_text(root, "Code") == "AccessForbidden"
    assert xml_text(root, "Message") == NOT_ALLOWED
    assert xml_text(root, "Method") == "PUT"
    assert xml_text(root, "ResourceType") == "OBJECT"
    assert not [h for h in r.headers if h[0].lower().startswith("access-control-")], r
    r = preflight(server.port, f"/{bucket}", method="DELETE")
    assert (r.status, xml_text(r.xml(), "ResourceType")) == (403, "BUCKET")


def test_preflight_without_or_with_bad_request_method(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}])
    r = preflight(server.port, f"/{bucket}/k", method=None)
    assert (r.status, err(r)) == (400, ("BadRequest", "Invalid Access-Control-Request-Method: null"))
    r = preflight(server.port, f"/{bucket}/k", method="PATCH")
    assert (r.status, err(r)) == (400, ("BadRequest", "Invalid Access-Control-Request-Method: PATCH"))


def test_preflight_header_matching(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"],
                           "AllowedHeaders": ["Content-Type", "x-amz-*"]}])
    r = preflight(server.port, f"/{bucket}/k", method="PUT",
                  req_headers="content-type, X-Amz-Date,x-amz-meta-color")
    assert r.status == 200, r
    assert r.header("Access-Control-Allow-Headers") == "content-type, x-amz-date, x-amz-meta-color"
    # One header no rule allows fails the whole preflight.
    r = preflight(server.port, f"/{bucket}/k", method="PUT", req_headers="content-type, authorization")
    assert r.status == 403, r
    # A rule without AllowedHeader allows no requested header.
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"]}])
    assert preflight(server.port, f"/{bucket}/k", method="PUT").status == 200
    assert preflight(server.port, f"/{bucket}/k", method="PUT", req_headers="x-a").status == 403
    put_cors(s3, bucket, [{"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"],
                           "AllowedHeaders": ["*"]}])
    assert preflight(server.port, f"/{bucket}/k", method="PUT", req_headers="x-a, b").status == 200


def test_preflight_first_matching_rule_wins(server, s3, bucket):
    put_cors(s3, bucket, [
        {"AllowedOrigins": [APP], "AllowedMethods": ["PUT"], "MaxAgeSeconds": 1},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT"], "MaxAgeSeconds": 2},
        {"AllowedOrigins": [APP], "AllowedMethods": ["GET"], "MaxAgeSeconds": 3},
    ])
    r = preflight(server.port, f"/{bucket}/k", method="PUT")
    assert (r.status, r.header("Access-Control-Max-Age")) == (200, "1")
    assert r.header("Access-Control-Allow-Methods") == "PUT"
    r = preflight(server.port, f"/{bucket}/k", method="GET")
    assert (r.status, r.header("Access-Control-Max-Age")) == (200, "2")
    assert r.header("Access-Control-Allow-Origin") == "*"
    assert r.header("Access-Control-Allow-Methods") == "GET, PUT"


# ---- actual requests ----

def test_actual_request_headers_from_matching_rule(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": [APP], "AllowedMethods": ["GET"],
                           "ExposeHeaders": ["ETag", "x-amz-request-id"], "MaxAgeSeconds": 60},
                          {"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"]}])
    r = raw(server.port, "GET", f"/{bucket}/k", headers=[("Origin", APP)])
    assert (r.status, r.body) == (200, b"hello")
    assert cors_headers(r) == {
        "access-control-allow-origin": APP, "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET", "access-control-expose-headers":
        "ETag, x-amz-request-id", "access-control-max-age": "60", "vary": VARY}
    r = raw(server.port, "PUT", f"/{bucket}/k2", b"x", headers=[("Origin", "http://other.test")])
    assert r.status == 200
    assert cors_headers(r) == {"access-control-allow-origin": "*",
                               "access-control-allow-methods": "PUT", "vary": VARY}
    # No rule for this origin and method: no CORS headers at all (not the flags').
    r = raw(server.port, "GET", f"/{bucket}/k", headers=[("Origin", "http://other.test")])
    assert (r.status, cors_headers(r)) == (200, {})
    r = raw(server.port, "DELETE", f"/{bucket}/k2", headers=[("Origin", APP)])
    assert (r.status, cors_headers(r)) == (204, {})
    # Errors carry them too.
    r = raw(server.port, "GET", f"/{bucket}/missing", headers=[("Origin", APP)])
    assert (r.status, r.header("Access-Control-Allow-Origin")) == (404, APP)
    # Without Origin, none.
    r = raw(server.port, "GET", f"/{bucket}/k")
    assert (r.status, cors_headers(r)) == (200, {})


def test_flags_answer_for_buckets_without_rules(server_factory):
    srv = server_factory(args=["--corsorigin", "http://flags.test", "--corsmethods", "GET",
                               "--corspreflightallowheaders", "X-Pre"])
    s3 = srv.client()
    s3.create_bucket(Bucket="plain")
    s3.create_bucket(Bucket="ruled")
    put_cors(s3, "ruled", [{"AllowedOrigins": [APP], "AllowedMethods": ["GET"]}])
    for target in ("/plain/k", "/plain", "/missing-bucket/k", "/"):
        r = preflight(srv.port, target, origin="http://x.test", method="DELETE")
        assert r.status == 200, (target, r)
        assert r.header("Access-Control-Allow-Origin") == "http://flags.test"
        assert r.header("Access-Control-Allow-Methods") == "GET"
        assert r.header("Access-Control-Allow-Headers") == "X-Pre"
    r = raw(srv.port, "GET", "/", headers=[("Origin", "http://x.test")])
    assert (r.status, r.header("Access-Control-Allow-Origin")) == (200, "http://flags.test")
    # The bucket with rules answers from its rules only.
    r = preflight(srv.port, "/ruled/k", origin="http://x.test")
    assert r.status == 403
    r = preflight(srv.port, "/ruled/k", origin=APP)
    assert (r.status, r.header("Access-Control-Allow-Origin")) == (200, APP)
    # Deleting the rules brings the flags back.
    s3.delete_bucket_cors(Bucket="ruled")
    r = preflight(srv.port, "/ruled/k", origin="http://x.test")
    assert (r.status, r.header("Access-Control-Allow-Origin")) == (200, "http://flags.test")


def test_preflight_virtual_host_style(server, s3, bucket):
    put_cors(s3, bucket, [{"AllowedOrigins": [APP], "AllowedMethods": ["GET"]}])
    h = [("Origin", APP), ("Access-Control-Request-Method", "GET")]
    r = raw(server.port, "OPTIONS", "/k", headers=h, host=f"{bucket}.fakes3:{server.port}")
    assert (r.status, r.header("Access-Control-Allow-Origin")) == (200, APP), r
    r = raw(server.port, "OPTIONS", "/k", headers=[("Origin", "http://no.test"), h[1]],
            host=f"{bucket}.fakes3:{server.port}")
    assert r.status == 403, r


FIXTURE_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "roots",
                            "main-b8371cf")


@disk_only("opens a root written by an older version")
def test_root_written_by_b8371cf_serves_and_stores_cors(server_factory, tmp_path):
    root = tmp_path / "old-root"
    shutil.copytree(FIXTURE_ROOT, root)
    srv = server_factory(root=root)
    s3 = srv.client()
    assert s3.get_object(Bucket="old-bucket", Key="hello.txt")["Body"].read() == \
        b"written by fakes3 b8371cf\n"
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket="old-bucket")
    assert error_code(e.value) == "NoSuchCORSConfiguration"
    put_cors(s3, "old-bucket", [{"AllowedOrigins": [APP], "AllowedMethods": ["GET"]}])
    srv.restart()
    assert srv.client().get_bucket_cors(Bucket="old-bucket")["CORSRules"] == [
        {"AllowedOrigins": [APP], "AllowedMethods": ["GET"]}]
