"""fake-s3's CORS answers (--cors* flags), for targets whose bucket has no CORS configuration
(test_bucket_cors.py has those): browsers send Origin and get Access-Control-* headers; an OPTIONS
preflight with an Origin is answered for any such target. Requests without Origin get S3's plain
answers (an OPTIONS without Origin is S3's 400 BadRequest)."""

from s3lib import raw

ORIGIN = ("Origin", "http://app.example")


def test_no_origin_no_cors_headers(server):
    raw(server.port, "PUT", "/cors-b/k", b"x")
    r = raw(server.port, "GET", "/cors-b/k")
    assert r.status == 200
    assert not [h for h in r.headers if h[0].lower().startswith("access-control-")], r


def test_origin_gets_fake_s3_defaults(server):
    r = raw(server.port, "PUT", "/cors-b/k", b"hello", headers=[ORIGIN])
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "*"
    assert r.header("Access-Control-Expose-Headers") == "ETag"
    assert r.header("Access-Control-Allow-Headers") == "Authorization, Content-Length"
    r = raw(server.port, "GET", "/cors-b/k", headers=[ORIGIN])
    assert (r.status, r.body) == (200, b"hello")
    assert r.header("Access-Control-Allow-Origin") == "*"
    assert r.header("Access-Control-Allow-Headers") is None  # only PUT and POST carry it
    r = raw(server.port, "GET", "/cors-b/missing", headers=[ORIGIN])
    assert r.status == 404 and r.header("Access-Control-Allow-Origin") == "*"


def test_preflight_defaults(server):
    r = raw(server.port, "OPTIONS", "/cors-b/any/key", headers=[
        ORIGIN, ("Access-Control-Request-Method", "PUT")])
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "*"
    assert r.header("Access-Control-Allow-Methods") == "PUT, POST, HEAD, GET, OPTIONS"
    assert r.header("Access-Control-Allow-Headers") == (
        "Accept, Content-Type, Authorization, Content-Length, ETag, X-CSRF-Token, "
        "Content-Disposition")
    assert r.header("Access-Control-Expose-Headers") == "ETag"
    # A preflight changes nothing: no bucket appeared.
    assert b"cors-b" not in raw(server.port, "GET", "/").body


def test_flags_set_the_values(server_factory):
    srv = server_factory(args=["--corsorigin", "http://app.example", "--corsmethods", "GET, PUT",
                               "--corspreflightallowheaders", "X-Pre",
                               "--corspostputallowheaders", "X-Put",
                               "--corsexposeheaders", "ETag, x-amz-request-id"])
    r = raw(srv.port, "OPTIONS", "/b/k", headers=[ORIGIN])
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "http://app.example"
    assert r.header("Access-Control-Allow-Methods") == "GET, PUT"
    assert r.header("Access-Control-Allow-Headers") == "X-Pre"
    assert r.header("Access-Control-Expose-Headers") == "ETag, x-amz-request-id"
    r = raw(srv.port, "PUT", "/cors-flags/k", b"v", headers=[ORIGIN])
    assert r.status == 200
    assert r.header("Access-Control-Allow-Headers") == "X-Put"
    assert r.header("Access-Control-Allow-Origin") == "http://app.example"
