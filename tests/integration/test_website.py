"""The website endpoint (--website-port): a bucket's website configuration served as S3's
<bucket>.s3-website-<region>.amazonaws.com serves it. Index documents at the root and in folders,
the folder redirect, error documents and S3's HTML error pages, public and private objects with
users, RedirectAllRequestsTo, each kind of routing rule, x-amz-website-redirect-location, methods
other than GET and HEAD, buckets without a configuration, addressing by Host. Requests go out with
curl and as raw HTTP; where each expected answer comes from is said in src/s3/webserve.c."""

import re
import socket
import subprocess
import time

import pytest

from acl_users import Users, users_file
from s3lib import RawConn, clean_env, fakes3_bin, free_port, port_open, raw, wait_for

HOST = "site.s3-website-us-east-1.amazonaws.com"


def wait_open(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", port):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


class Web:
    """A server with a website listener: s3 its REST client, port the website port."""

    def __init__(self, srv, port):
        self.srv = srv
        self.port = port
        self.s3 = srv.client()

    def get(self, path, host=HOST, method="GET", headers=()):
        return raw(self.port, method, path, headers=list(headers), host=host)

    def curl(self, path, host=HOST, *args):
        """curl -s -i: (status, headers dict with lower-case names, body bytes)."""
        r = subprocess.run(["curl", "-s", "-i", "--max-time", "30", *args, "-H", f"Host: {host}",
                            f"http://127.0.0.1:{self.port}{path}"],
                           capture_output=True, timeout=60, env=clean_env())
        assert r.returncode == 0, r.stderr
        head, _, body = r.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers, body

    def website(self, bucket, conf):
        self.s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=conf)

    def put(self, bucket, key, body, **kw):
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, **kw)


def start(server_factory, args=()):
    port = free_port()
    srv = server_factory(args=["--website-port", str(port), *args])
    wait_open(port)
    return srv, port


@pytest.fixture
def web(server_factory):
    srv, port = start(server_factory)
    w = Web(srv, port)
    w.s3.create_bucket(Bucket="site")
    return w


INDEX = {"IndexDocument": {"Suffix": "index.html"}}


def page_items(body):
    """The <li>Name: value</li> items of an HTML error page, in order."""
    return re.findall(r"<li>([^:<]+): ([^<]*)</li>", body.decode())


def assert_error_page(r, status, code, **items):
    assert r.status == status, r
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert r.header("x-amz-error-code") == code
    body = r.body.decode()
    assert body.startswith(f"<html>\n<head><title>{status} ")
    assert f"<h1>{status} " in body
    got = page_items(r.body)
    assert got[0] == ("Code", code)
    assert ("RequestId", r.header("x-amz-request-id")) in got
    assert ("HostId", r.header("x-amz-id-2")) in got
    for k, v in items.items():
        assert (k, v) in got, (k, v, got)
    assert body.endswith("<hr/>\n</body>\n</html>\n")
    assert not body.startswith("<?xml")


# ---- index and error documents ---------------------------------------------------------------
def test_index_document_at_root_and_in_a_folder(web):
    web.website("site", INDEX)
    web.put("site", "index.html", b"<h1>home</h1>", ContentType="text/html")
    web.put("site", "docs/index.html", b"<h1>docs</h1>", ContentType="text/html; charset=utf-8",
            CacheControl="max-age=60", Metadata={"who": "me"})
    web.put("site", "docs/page.html", b"a page", ContentType="text/html")
    for path in ("/", ""):
        status, h, body = web.curl(path or "/")
        assert (status, body) == (200, b"<h1>home</h1>")
        assert h["content-type"] == "text/html"
    status, h, body = web.curl("/docs/")
    assert (status, body) == (200, b"<h1>docs</h1>")
    # Stored headers go out as GetObject sends them.
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["cache-control"] == "max-age=60"
    assert h["x-amz-meta-who"] == "me"
    assert h["etag"] == web.s3.head_object(Bucket="site", Key="docs/index.html")["ETag"]
    assert web.curl("/docs/page.html")[2] == b"a page"
    # HEAD: the headers and length, no body.
    r = web.get("/docs/", method="HEAD")
    assert r.status == 200 and r.header("Content-Length") == "13" and r.body == b""


def test_folder_without_trailing_slash_redirects_302(web):
    web.website("site", INDEX)
    web.put("site", "docs/index.html", b"docs")
    status, h, body = web.curl("/docs")
    assert (status, h["location"], body) == (302, "/docs/", b"")
    # An object named like the folder wins over the redirect.
    web.put("site", "docs", b"a file")
    assert web.curl("/docs")[:3:2] == (200, b"a file")
    # No index inside: 404 for the key as asked, or with the suffix for the folder form.
    r = web.get("/nothing")
    assert_error_page(r, 404, "NoSuchKey", Key="nothing")
    assert r.header("x-amz-error-detail-Key") == "nothing"
    r = web.get("/nothing/")
    assert_error_page(r, 404, "NoSuchKey", Key="nothing/index.html")


def test_error_document_is_served_with_the_404(web):
    web.website("site", {**INDEX, "ErrorDocument": {"Key": "errors/404.html"}})
    web.put("site", "errors/404.html", b"<p>lost</p>", ContentType="text/html")
    status, h, body = web.curl("/missing.html")
    assert (status, body) == (404, b"<p>lost</p>")
    assert h["content-type"] == "text/html"
    assert h["x-amz-error-code"] == "NoSuchKey"
    assert h["x-amz-error-detail-key"] == "missing.html"
    # The error document as it is, not a range of it.
    r = web.get("/missing.html", headers=[("Range", "bytes=0-1")])
    assert (r.status, r.body) == (404, b"<p>lost</p>")
    r = web.get("/missing.html", method="HEAD")
    assert (r.status, r.header("Content-Length"), r.body) == (404, "11", b"")


def test_default_html_error_page(web):
    web.website("site", INDEX)
    r = web.get("/no/such/page.html")
    assert_error_page(r, 404, "NoSuchKey", Message="The specified key does not exist.",
                      Key="no/such/page.html")
    assert r.body.decode().startswith(
        "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n"
        "<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n"
        "<li>Key: no/such/page.html</li>\n")
    assert "Custom Error Document" not in r.body.decode()
    # A HEAD gets the same status and error headers, without the page.
    r = web.get("/no/such/page.html", method="HEAD")
    assert (r.status, r.header("x-amz-error-code"), r.body) == (404, "NoSuchKey", b"")
    # Keys are escaped in the page.
    r = web.get("/a%3Cb%3E")
    assert "<li>Key: a&lt;b&gt;</li>" in r.body.decode()
    # An ErrorDocument that does not exist: the page says so in a second list.
    web.website("site", {**INDEX, "ErrorDocument": {"Key": "error.html"}})
    r = web.get("/gone")
    assert_error_page(r, 404, "NoSuchKey", Key="gone")
    body = r.body.decode()
    assert ("<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n"
            "<ul>\n<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n"
            "<li>Key: error.html</li>\n</ul>\n<hr/>") in body


def test_bucket_without_website_configuration_and_missing_bucket(web):
    web.put("site", "index.html", b"home")
    status, h, body = web.curl("/")
    assert status == 404
    r = web.get("/index.html")
    assert_error_page(r, 404, "NoSuchWebsiteConfiguration", BucketName="site",
                      Message="The specified bucket does not have a website configuration")
    r = web.get("/", host="nobody-here.s3-website-us-east-1.amazonaws.com")
    assert_error_page(r, 404, "NoSuchBucket", BucketName="nobody-here",
                      Message="The specified bucket does not exist")
    # Once configured, then deleted again.
    web.website("site", INDEX)
    assert web.curl("/")[2] == b"home"
    web.s3.delete_bucket_website(Bucket="site")
    assert web.get("/").header("x-amz-error-code") == "NoSuchWebsiteConfiguration"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_methods_other_than_get_and_head_are_refused(web, method):
    web.website("site", INDEX)
    web.put("site", "index.html", b"home")
    r = web.get("/index.html", method=method, headers=[("Content-Length", "0")])
    assert_error_page(r, 405, "MethodNotAllowed", Method=method, ResourceType="OBJECT")
    # Nothing was written or deleted.
    assert web.s3.get_object(Bucket="site", Key="index.html")["Body"].read() == b"home"


def test_post_with_curl_is_refused(web):
    web.website("site", INDEX)
    status, h, body = web.curl("/upload", HOST, "-X", "POST", "--data-binary", "x=1")
    assert status == 405 and h["x-amz-error-code"] == "MethodNotAllowed"
    assert b"<li>Method: POST</li>" in body
    assert not web.s3.list_objects_v2(Bucket="site").get("Contents")


# ---- permissions -----------------------------------------------------------------------------
@pytest.fixture
def users_web(server_factory, tmp_path):
    """Users with S3's pre-2023 bucket defaults, so that ACLs can make things public."""
    srv, port = start(server_factory, ["--users", users_file(tmp_path), "--legacy-bucket-defaults"])
    u = Users(srv)
    w = Web(srv, port)
    w.s3 = u.alice
    u.alice.create_bucket(Bucket="site")
    u.alice.create_bucket(Bucket="open", ACL="public-read")
    for b in ("site", "open"):
        w.website(b, {**INDEX, "ErrorDocument": {"Key": "error.html"}})
    return w


def test_private_objects_are_403_with_users(users_web):
    w = users_web
    w.put("site", "index.html", b"public home", ACL="public-read")
    w.put("site", "secret.html", b"secret")
    w.put("site", "moved.html", b"", ACL="private", WebsiteRedirectLocation="/elsewhere")
    assert w.curl("/")[::2] == (200, b"public home")
    r = w.get("/secret.html")
    assert_error_page(r, 403, "AccessDenied", Message="Access Denied")
    assert b"secret" not in r.body
    # A private object's redirect does not fire either.
    r = w.get("/moved.html")
    assert r.status == 403 and r.header("Location") is None
    # A missing key: 403 where the public may not list the bucket, 404 where it may.
    assert_error_page(w.get("/missing"), 403, "AccessDenied")
    open_host = "open.s3-website-us-east-1.amazonaws.com"
    assert_error_page(w.get("/missing", host=open_host), 404, "NoSuchKey", Key="missing")
    # A private ErrorDocument is not served: the page tells why.
    w.put("site", "error.html", b"custom error")
    r = w.get("/secret.html")
    assert_error_page(r, 403, "AccessDenied")
    assert b"custom error" not in r.body
    assert ("<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n"
            "<ul>\n<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n</ul>") in \
        r.body.decode()
    # A public one is served with the error's status, 403 as well as 404.
    w.s3.put_object_acl(Bucket="site", Key="error.html", ACL="public-read")
    r = w.get("/secret.html")
    assert (r.status, r.body, r.header("x-amz-error-code")) == (403, b"custom error",
                                                                 "AccessDenied")
    w.put("open", "error.html", b"open error", ACL="public-read")
    r = w.get("/missing", host=open_host)
    assert (r.status, r.body) == (404, b"open error")
    # The REST endpoint still serves the owner everything.
    assert w.s3.get_object(Bucket="site", Key="secret.html")["Body"].read() == b"secret"


def test_bucket_policy_makes_a_site_public(server_factory, tmp_path):
    """The usual set-up: a policy granting s3:GetObject on every key; the public may not list, so
    a missing page is 403, and folders still redirect."""
    srv, port = start(server_factory, ["--users", users_file(tmp_path)])
    u = Users(srv)
    w = Web(srv, port)
    w.s3 = u.alice
    u.alice.create_bucket(Bucket="site")
    u.alice.delete_public_access_block(Bucket="site")
    u.alice.put_bucket_policy(Bucket="site", Policy=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        '"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}'))
    w.website("site", INDEX)
    w.put("site", "index.html", b"home")
    w.put("site", "blog/index.html", b"blog")
    assert w.curl("/")[::2] == (200, b"home")
    assert w.curl("/blog")[:2][0] == 302
    assert w.curl("/blog/")[::2] == (200, b"blog")
    assert_error_page(w.get("/nope"), 403, "AccessDenied")


def test_requester_pays_bucket_is_403(web):
    web.website("site", INDEX)
    web.put("site", "index.html", b"home")
    web.s3.put_bucket_request_payment(Bucket="site",
                                      RequestPaymentConfiguration={"Payer": "Requester"})
    assert_error_page(web.get("/"), 403, "AccessDenied")
    web.s3.put_bucket_request_payment(Bucket="site",
                                      RequestPaymentConfiguration={"Payer": "BucketOwner"})
    assert web.get("/").status == 200


# ---- redirects -------------------------------------------------------------------------------
def test_redirect_all_requests_to(web):
    web.website("site", {"RedirectAllRequestsTo": {"HostName": "example.com"}})
    status, h, body = web.curl("/some/page.html?x=1")
    assert (status, h["location"], body) == (301, "http://example.com/some/page.html", b"")
    assert web.curl("/")[1]["location"] == "http://example.com/"
    web.website("site", {"RedirectAllRequestsTo": {"HostName": "www.example.org",
                                                   "Protocol": "https"}})
    r = web.get("/a%20b")
    assert (r.status, r.header("Location")) == (301, "https://www.example.org/a%20b")
    r = web.get("/a", method="HEAD")
    assert (r.status, r.header("Location")) == (301, "https://www.example.org/a")


ROUTING = [
    # (rules, path, status, Location); {h} is the request's Host. After s3-tests' ROUTING_RULES.
    ([{"Condition": {"KeyPrefixEquals": "docs/"},
       "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}],
     "/docs/x", 301, "http://{h}/documents/x"),
    ([{"Condition": {"KeyPrefixEquals": "docs/"},
       "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}],
     "/docs/", 301, "http://{h}/documents/"),
    ([{"Condition": {"KeyPrefixEquals": "docs/"},
       "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}],
     "/", 200, None),
    ([{"Condition": {"KeyPrefixEquals": "docs/"},
       "Redirect": {"Protocol": "https", "HostName": "xyzzy",
                    "ReplaceKeyPrefixWith": "documents/"}}],
     "/docs/x", 301, "https://xyzzy/documents/x"),
    ([{"Condition": {"KeyPrefixEquals": "images/"},
       "Redirect": {"ReplaceKeyWith": "folderdeleted.html"}}],
     "/images/x", 301, "http://{h}/folderdeleted.html"),
    ([{"Condition": {"KeyPrefixEquals": "images/"},
       "Redirect": {"ReplaceKeyWith": "folderdeleted.html", "HttpRedirectCode": "307"}}],
     "/images/", 307, "http://{h}/folderdeleted.html"),
    ([{"Condition": {"HttpErrorCodeReturnedEquals": "404"},
       "Redirect": {"HostName": "ec2-11-22-333-44.compute-1.amazonaws.com",
                    "ReplaceKeyPrefixWith": "report-404/"}}],
     "/images/x", 301, "http://ec2-11-22-333-44.compute-1.amazonaws.com/report-404/images/x"),
    ([{"Condition": {"HttpErrorCodeReturnedEquals": "404"},
       "Redirect": {"HostName": "ec2-11-22-333-44.compute-1.amazonaws.com",
                    "ReplaceKeyPrefixWith": "report-404/"}}],
     "/index.html", 200, None),
    ([{"Condition": {"KeyPrefixEquals": "images/", "HttpErrorCodeReturnedEquals": "404"},
       "Redirect": {"HostName": "ec2-11-22-333-44.compute-1.amazonaws.com",
                    "ReplaceKeyPrefixWith": "report-404/"}}],
     "/images/x", 301, "http://ec2-11-22-333-44.compute-1.amazonaws.com/report-404/x"),
    ([{"Condition": {"KeyPrefixEquals": "images/", "HttpErrorCodeReturnedEquals": "404"},
       "Redirect": {"HostName": "ec2-11-22-333-44.compute-1.amazonaws.com",
                    "ReplaceKeyPrefixWith": "report-404/"}}],
     "/x", 404, None),
    # No Condition: every request; the first rule that matches wins.
    ([{"Condition": {"KeyPrefixEquals": "a/"}, "Redirect": {"ReplaceKeyWith": "first"}},
      {"Redirect": {"HostName": "catch.all", "HttpRedirectCode": "302"}},
      {"Condition": {"KeyPrefixEquals": "b/"}, "Redirect": {"ReplaceKeyWith": "never"}}],
     "/b/page", 302, "http://catch.all/b/page"),
    ([{"Condition": {"KeyPrefixEquals": "a/"}, "Redirect": {"ReplaceKeyWith": "first"}},
      {"Redirect": {"HostName": "catch.all", "HttpRedirectCode": "302"}}],
     "/a/page", 301, "http://{h}/first"),
    # An empty ReplaceKeyPrefixWith removes the prefix.
    ([{"Condition": {"KeyPrefixEquals": "old/"},
       "Redirect": {"Protocol": "http", "ReplaceKeyPrefixWith": ""}}],
     "/old/x%20y", 301, "http://{h}/x%20y"),
]


@pytest.mark.parametrize("rules,path,status,location", ROUTING)
def test_routing_rules(web, rules, path, status, location):
    web.website("site", {**INDEX, "RoutingRules": rules})
    web.put("site", "index.html", b"home")
    host = f"site.s3-website.us-east-1.amazonaws.com:{web.port}"
    st, h, body = web.curl(path, host)
    assert st == status, (h, body)
    if location is None:
        assert "location" not in h
    else:
        assert h["location"] == location.format(h=host)
        assert body == b""


def test_routing_rule_for_403_and_error_document_order(users_web):
    """An error rule names the status the request got; it wins over the error document."""
    w = users_web
    w.put("site", "error.html", b"custom", ACL="public-read")
    w.put("site", "private.html", b"p")
    w.website("site", {**INDEX, "ErrorDocument": {"Key": "error.html"}, "RoutingRules": [
        {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"ReplaceKeyWith": "not-found"}},
        {"Condition": {"HttpErrorCodeReturnedEquals": "403"},
         "Redirect": {"HostName": "login.example.com", "Protocol": "https"}}]})
    r = w.get("/private.html", host="site.localhost")
    assert (r.status, r.header("Location")) == (301, "https://login.example.com/private.html")
    r = w.get("/missing", host="open.localhost")
    assert r.status == 404  # open has no rules: its own error page


def test_website_redirect_location_metadata(web):
    web.website("site", INDEX)
    web.put("site", "page", b"wrong content", WebsiteRedirectLocation="/relative")
    web.put("site", "away", b"", WebsiteRedirectLocation="http://example.com/foo")
    web.put("site", "folder/index.html", b"", WebsiteRedirectLocation="/new-folder/")
    status, h, body = web.curl("/page")
    assert (status, h["location"], body) == (301, "/relative", b"")
    assert web.curl("/away")[1]["location"] == "http://example.com/foo"
    assert web.curl("/folder/")[1]["location"] == "/new-folder/"
    r = web.get("/page", method="HEAD")
    assert (r.status, r.header("Location")) == (301, "/relative")
    # The REST endpoint serves the object itself, with the header.
    o = web.s3.get_object(Bucket="site", Key="page")
    assert o["Body"].read() == b"wrong content"
    assert o["WebsiteRedirectLocation"] == "/relative"


# ---- the REST GET's semantics ----------------------------------------------------------------
def test_range_and_conditional_requests(web):
    web.website("site", INDEX)
    web.put("site", "f.txt", b"0123456789", ContentType="text/plain")
    etag = web.s3.head_object(Bucket="site", Key="f.txt")["ETag"]
    r = web.get("/f.txt", headers=[("Range", "bytes=2-5")])
    assert (r.status, r.body, r.header("Content-Range")) == (206, b"2345", "bytes 2-5/10")
    r = web.get("/f.txt", headers=[("If-None-Match", etag)])
    assert (r.status, r.body) == (304, b"")
    r = web.get("/f.txt", headers=[("If-Match", '"nope"')])
    assert_error_page(r, 412, "PreconditionFailed")
    r = web.get("/f.txt", headers=[("Range", "bytes=20-30")])
    assert_error_page(r, 416, "InvalidRange")
    # Query strings are not S3 sub-resources here: a cache-busting ?v= serves the page.
    r = web.get("/f.txt?v=123&acl&versionId=nope")
    assert (r.status, r.body) == (200, b"0123456789")


# ---- addressing ------------------------------------------------------------------------------
def test_addressing_by_host(web):
    web.website("site", INDEX)
    web.put("site", "index.html", b"site home")
    web.s3.create_bucket(Bucket="www.example.com")
    web.website("www.example.com", INDEX)
    web.put("www.example.com", "index.html", b"custom domain")
    for host in ("site.s3-website-us-east-1.amazonaws.com",
                 "site.s3-website.eu-central-1.amazonaws.com",
                 f"site.s3-website-us-east-1.amazonaws.com:{web.port}",
                 "SITE.S3-Website-us-east-1.amazonaws.com.",
                 "site.localhost", f"site.localhost:{web.port}",
                 "site.s3-website.localhost.localstack.cloud"):
        assert web.get("/", host=host).body == b"site home", host
    for host in ("www.example.com", f"www.example.com:{web.port}",
                 "www.example.com.s3-website-us-west-2.amazonaws.com"):
        assert web.get("/", host=host).body == b"custom domain", host
    # S3's bare website endpoint sends visitors to the S3 product page.
    r = web.get("/", host="s3-website-us-east-1.amazonaws.com")
    assert (r.status, r.header("Location")) == (301, "https://aws.amazon.com/s3/")
    # A host naming no bucket is a custom domain without one.
    r = web.get("/", host=f"127.0.0.1:{web.port}")
    assert_error_page(r, 404, "NoSuchBucket", BucketName="127.0.0.1")
    r = web.get("/", host="unknown.example.net")
    assert_error_page(r, 404, "NoSuchBucket", BucketName="unknown.example.net")


def test_rest_listener_is_unchanged(web):
    web.website("site", INDEX)
    web.put("site", "index.html", b"home")
    r = raw(web.srv.port, "GET", "/site/missing")
    assert r.status == 404 and r.body.startswith(b"<?xml")
    r = raw(web.srv.port, "POST", "/site/x?uploads", headers=[("Content-Length", "0")])
    assert r.status == 200
    # The website listener keeps a connection alive across requests.
    with RawConn(web.port) as c:
        for _ in range(3):
            assert c.request("GET", "/", host=HOST).body == b"home"


def test_refused_head_is_an_html_page(web):
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nX-Big: " + b"a" * 9000 +
                  b"\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-amz-error-code: RequestHeaderSectionTooLarge" in head
    assert body.startswith(b"<html>") and b"<li>Code: RequestHeaderSectionTooLarge</li>" in body


def test_access_log_marks_website_requests(web):
    web.website("site", INDEX)
    web.put("site", "index.html", b"home")
    assert web.get("/?from-the-website").status == 200
    wait_for(lambda: "GET /?from-the-website 200 4 " in web.srv.stdout(), 10, "the log line")
    line = [x for x in web.srv.stdout().splitlines() if "from-the-website" in x][0]
    assert line.endswith("[website]"), line


# ---- the flag --------------------------------------------------------------------------------
def test_website_port_from_environment(server_factory):
    port = free_port()
    srv = server_factory(env={"FAKES3_WEBSITE_PORT": str(port)})
    wait_open(port)
    c = srv.client()
    c.create_bucket(Bucket="site")
    c.put_bucket_website(Bucket="site", WebsiteConfiguration=INDEX)
    c.put_object(Bucket="site", Key="index.html", Body=b"env")
    assert raw(port, "GET", "/", host="site.localhost").body == b"env"
    assert "serving bucket websites on http://127.0.0.1:%d" % port in srv.stderr()


def test_no_website_listener_without_the_flag(server):
    # The port answers before the start-up lines are written: wait for them.
    wait_for(lambda: "listening on" in server.stderr(), what="the start-up log line")
    assert "listening on" in server.stderr() and "bucket websites" not in server.stderr()


@pytest.mark.parametrize("args,message", [
    (["--website-port", "x"], "--website-port: not a port: x"),
    (["-p", "4998", "--website-port", "4998"],
     "--website-port must differ from --port and --https-port (4998)"),
])
def test_bad_website_port_flags(tmp_path, args, message):
    r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), *args], capture_output=True,
                       text=True, timeout=60, env=clean_env())
    assert r.returncode == 2, r
    assert r.stderr == f"fakes3: {message}\n"


def test_website_port_in_use_fails_at_start(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        wport = busy.getsockname()[1]
        r = subprocess.run([fakes3_bin(), "-r", str(tmp_path / "root"), "-a", "127.0.0.1", "-p",
                            str(free_port()), "--website-port", str(wport)], capture_output=True,
                           text=True, timeout=60, env=clean_env())
    assert r.returncode == 2, r
    assert "--website-port: cannot listen on 127.0.0.1:%d" % wport in r.stderr
