#include "unit.h"
#include "unit_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/addr.h"
#include "s3/auth/auth.h"
#include "s3/auth/sigv4.h"
#include "s3/chunked.h"
#include "wirereq.h"

#define WIRE   "tests/fixtures/wire/"
#define T2013  1369353600000LL /* 20130524T000000Z */
#define REGION "us-east-1"

/* ---- the AWS documentation's examples (examplebucket, 20130524) ---- */

static void expect_ok(const char *method, const char *target, const authreq_hdr_t *h, size_t n)
{
    authreq_t r = {method, target, h, n};
    auth_result_t res;
    auth_kind_t k = unit_auth_check(&r, "examplebucket", T2013, &res);
    if (k != AUTH_USER) fprintf(stderr, "%s %s: %s %s\n", method, target, res.msg, res.extra.p);
    assert_int_equal(k, AUTH_USER);
    assert_non_null(res.user);
    assert_string_equal(res.user->access_key, AK);
    auth_result_free(&res);
}

#define CRED "Credential=" AK "/20130524/us-east-1/s3/aws4_request,"

static void test_aws_example_get_object_with_range(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {
        {"Host", "examplebucket.s3.amazonaws.com"},
        {"Range", "bytes=0-9"},
        {"x-amz-content-sha256", SIGV4_EMPTY_SHA},
        {"x-amz-date", "20130524T000000Z"},
        {"Authorization", "AWS4-HMAC-SHA256 " CRED
                          "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
                          "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
    };
    expect_ok("GET", "/test.txt", h, 5);
}

static void test_aws_example_put_object(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {
        {"Host", "examplebucket.s3.amazonaws.com"},
        {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
        {"x-amz-date", "20130524T000000Z"},
        {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
        {"x-amz-content-sha256",
         "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
        {"Authorization",
         "AWS4-HMAC-SHA256 " CRED
         "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature="
         "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
    };
    expect_ok("PUT", "/test%24file.text", h, 6);
}

/* A GET of target with no body, signing host, x-amz-content-sha256 and
 * x-amz-date, whose Authorization ends in the signature sig. */
#define EXPECT_OK_GET(target, sig)                                                                 \
    do {                                                                                           \
        authreq_hdr_t h[] = {                                                                      \
            {"Host", "examplebucket.s3.amazonaws.com"},                                            \
            {"x-amz-content-sha256", SIGV4_EMPTY_SHA},                                             \
            {"x-amz-date", "20130524T000000Z"},                                                    \
            {"Authorization",                                                                      \
             "AWS4-HMAC-SHA256 " CRED                                                              \
             "SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=" sig},                 \
        };                                                                                         \
        expect_ok("GET", target, h, 4);                                                            \
    } while (0)

static void test_aws_example_get_bucket_lifecycle(void **state)
{
    (void)state;
    EXPECT_OK_GET("/?lifecycle",
                  "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

static void test_aws_example_list_objects(void **state)
{
    (void)state;
    EXPECT_OK_GET("/?max-keys=2&prefix=J",
                  "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

#define PRESIGNED                                                                                  \
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%" \
    "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"       \
    "SignedHeaders=host&X-Amz-Signature="                                                          \
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

static void test_aws_example_presigned_url(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    expect_ok("GET", PRESIGNED, h, 1);
    authreq_t r = {"GET", PRESIGNED, h, 1};
    auth_result_t res;
    /* A second past its 86400 s: expired, with S3's elements. */
    assert_int_equal(unit_auth_check(&r, NULL, T2013 + 86401000, &res), AUTH_ERROR);
    assert_int_equal(res.err, S3E_ACCESS_DENIED);
    assert_string_equal(res.msg, "Request has expired");
    assert_non_null(strstr(res.extra.p, "<X-Amz-Expires>86400</X-Amz-Expires>"
                                        "<Expires>2013-05-25T00:00:00Z</Expires>"
                                        "<ServerTime>2013-05-25T00:00:01Z</ServerTime>"));
    auth_result_free(&res);
    /* Open mode: no signature check, but expiry still refused. */
    assert_int_equal(auth_check(NULL, REGION, &r, NULL, T2013 + 86401000, &res), AUTH_ERROR);
    auth_result_free(&res);
    assert_int_equal(auth_check(NULL, REGION, &r, NULL, T2013, &res), AUTH_ANONYMOUS);
    auth_result_free(&res);
    /* Not valid yet: signed for a time more than 15 minutes ahead. */
    assert_int_equal(unit_auth_check(&r, NULL, T2013 - 16 * 60000, &res), AUTH_ERROR);
    assert_string_equal(res.msg, "Request is not valid yet");
    auth_result_free(&res);
}

/* The chunked upload example: seed 4f232c43..., chunks of 65536, 1024 and 0 bytes of 'a'. */
static void test_aws_example_chunk_signatures(void **state)
{
    (void)state;
    uint8_t key[32];
    sigv4_signing_key(SK, "20130524", REGION, "s3", key);
    sigv4_stream_t s;
    sigv4_stream_init(&s, key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", 0);
    char *a = xmalloc(65536);
    memset(a, 'a', 65536);
    sigv4_stream_data(&s, a, 65536);
    const char *s1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
    const char *s2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
    const char *s3 = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";
    assert_int_equal(sigv4_stream_chunk(&s, s1, 64), 0);
    sigv4_stream_data(&s, a, 1000);
    sigv4_stream_data(&s, a, 24); /* any split */
    assert_int_equal(sigv4_stream_chunk(&s, s2, 64), 0);
    sigv4_stream_t bad = s;
    assert_int_equal(sigv4_stream_chunk(&s, s3, 64), 0);
    assert_int_equal(sigv4_stream_finish(&s), 0);
    /* A wrong or missing signature for the last chunk. */
    sigv4_stream_t bad2 = bad;
    assert_int_equal(sigv4_stream_chunk(&bad, s2, 64), -1);
    assert_int_equal(sigv4_stream_chunk(&bad2, NULL, 0), -1);
    free(a);
}

/* ---- S3's errors ---- */

static void test_s3_errors_for_bad_credentials(void **state)
{
    (void)state;
    static const struct {
        const char *authz, *target, *date, *sha;
        s3_err_t err;
        const char *msg; /* a part of the message; NULL: the table's */
        const char *extra;
    } cases[] = {
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request", "/",
         "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_AUTH_HEADER_MALFORMED,
         "requires three components: Credential, SignedHeaders, and Signature.", NULL},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3,SignedHeaders=host,Signature=00",
         "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_AUTH_HEADER_MALFORMED,
         "the Credential is mal-formed; expecting", NULL},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/eu-west-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_AUTH_HEADER_MALFORMED,
         "the region 'eu-west-1' is wrong; expecting 'us-east-1'", "<Region>us-east-1</Region>"},
        {"AWS4-HMAC-SHA256 Credential=" AK
         "/20130524/us-east-1/iam/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_AUTH_HEADER_MALFORMED,
         "incorrect service \"iam\". This endpoint belongs to \"s3\".", NULL},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130523/us-east-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_AUTH_HEADER_MALFORMED,
         "Invalid credential date \"20130523\". This date is not the same as X-Amz-Date: "
         "\"20130524\".",
         NULL},
        {"AWS4-HMAC-SHA256 Credential=NOPE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_INVALID_ACCESS_KEY_ID, NULL,
         "<AWSAccessKeyId>NOPE</AWSAccessKeyId>"},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", NULL, SIGV4_EMPTY_SHA, S3E_ACCESS_DENIED,
         "AWS authentication requires a valid Date or x-amz-date header", NULL},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", NULL, S3E_INVALID_REQUEST,
         "Missing required header for this request: x-amz-content-sha256", NULL},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", "abc", S3E_INVALID_ARGUMENT, "x-amz-content-sha256 must be",
         "<ArgumentName>x-amz-content-sha256</ArgumentName>"},
        {"AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,"
         "Signature=00",
         "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_SIGNATURE_MISMATCH, NULL,
         "<CanonicalRequest>GET\n/\n\nhost:examplebucket.s3.amazonaws.com\n\nhost\n" SIGV4_EMPTY_SHA
         "</CanonicalRequest>"},
        {"AWS4-ECDSA-P256-SHA256 Credential=" AK "/20130524/s3/aws4_request", "/",
         "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_INVALID_REQUEST,
         "The authorization mechanism you have provided is not supported. Please use "
         "AWS4-HMAC-SHA256.",
         NULL},
        {"Bearer xyz", "/", "20130524T000000Z", SIGV4_EMPTY_SHA, S3E_INVALID_ARGUMENT,
         "Unsupported Authorization Type", "<ArgumentName>Authorization</ArgumentName>"},
        {"AWS " AK ":abc", "/?X-Amz-Signature=1", "20130524T000000Z", SIGV4_EMPTY_SHA,
         S3E_INVALID_ARGUMENT, "Only one auth mechanism allowed", NULL},
        {NULL, "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", NULL, NULL, S3E_AUTH_QUERY_ERROR,
         "Query-string authentication version 4 requires the X-Amz-Algorithm", NULL},
        {NULL,
         "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" AK
         "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires="
         "604801&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
         NULL, NULL, S3E_AUTH_QUERY_ERROR,
         "X-Amz-Expires must be less than a week (in seconds) that is 604800", NULL},
        {NULL, "/?AWSAccessKeyId=" AK "&Expires=1369353700", NULL, NULL, S3E_ACCESS_DENIED,
         "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
         "parameters",
         NULL},
    };
    /* Unsigned: anonymous (access control judges it as AllUsers), not an error. */
    {
        authreq_hdr_t h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
        authreq_t r = {"GET", "/", h, 1};
        auth_result_t res;
        assert_int_equal(unit_auth_check(&r, NULL, T2013, &res), AUTH_ANONYMOUS);
        assert_null(res.user);
        auth_result_free(&res);
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        authreq_hdr_t h[4];
        size_t n = 0;
        h[n++] = (authreq_hdr_t){"Host", "examplebucket.s3.amazonaws.com"};
        if (cases[i].authz) h[n++] = (authreq_hdr_t){"Authorization", cases[i].authz};
        if (cases[i].date) h[n++] = (authreq_hdr_t){"x-amz-date", cases[i].date};
        if (cases[i].sha) h[n++] = (authreq_hdr_t){"x-amz-content-sha256", cases[i].sha};
        authreq_t r = {"GET", cases[i].target, h, n};
        auth_result_t res;
        assert_int_equal(unit_auth_check(&r, NULL, T2013, &res), AUTH_ERROR);
        int ok = res.err == cases[i].err &&
                 (cases[i].msg ? res.msg && strstr(res.msg, cases[i].msg) != NULL : !res.msg) &&
                 (!cases[i].extra || (res.extra.p && strstr(res.extra.p, cases[i].extra)));
        if (!ok)
            fprintf(stderr, "case %zu: err %d msg %s extra %s\n", i, res.err, res.msg, res.extra.p);
        assert_true(ok);
        auth_result_free(&res);
    }
}

/* fuzz_auth: X-Amz-Expires or Expires of 20 digits overflowed "seconds * 1000" (UBSan). */
static void test_huge_expires_does_not_overflow(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    authreq_t r = {"GET",
                   "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" AK
                   "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-"
                   "Expires=99999999999999999999&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
                   h, 1};
    auth_result_t res;
    assert_int_equal(auth_check(NULL, REGION, &r, NULL, T2013 + 86400000, &res), AUTH_ANONYMOUS);
    auth_result_free(&res);
    assert_int_equal(unit_auth_check(&r, NULL, T2013, &res), AUTH_ERROR);
    assert_int_equal(res.err, S3E_AUTH_QUERY_ERROR);
    auth_result_free(&res);
    r.target = "/k?AWSAccessKeyId=" AK "&Signature=x&Expires=-99999999999999999999";
    assert_int_equal(auth_check(NULL, REGION, &r, NULL, T2013, &res), AUTH_ERROR);
    assert_string_equal(res.msg, "Request has expired");
    auth_result_free(&res);
}

/* ---- every captured request ---- */

/* The "now" a recorded request was signed at. */
static int64_t signed_at(const wirereq_t *w)
{
    const authreq_t *r = &w->req;
    buf_t v = BUF_INIT;
    int64_t t = 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *d;
    if (authreq_param(r, "X-Amz-Date", &v) == 1 && strptime(v.p, "%Y%m%dT%H%M%SZ", &tm))
        t = (int64_t)timegm(&tm) * 1000;
    else if (authreq_param(r, "Expires", &v) == 1)
        t = (strtoll(v.p, NULL, 10) - 60) * 1000;
    else if ((d = authreq_header(r, "x-amz-date")) && strptime(d, "%Y%m%dT%H%M%SZ", &tm))
        t = (int64_t)timegm(&tm) * 1000;
    else if ((d = authreq_header(r, "x-amz-date")) || (d = authreq_header(r, "Date")))
        util_parse_http_date(d, &t);
    buf_free(&v);
    return t;
}

typedef struct streamck {
    sigv4_stream_t *s;
    int bad;
} streamck_t;

static int sc_data(void *ctx, const char *p, size_t n)
{
    sigv4_stream_data(((streamck_t *)ctx)->s, p, n);
    return 0;
}
static int sc_chunk(void *ctx, const char *sig, size_t siglen, uint64_t len)
{
    (void)len;
    streamck_t *c = ctx;
    if (sigv4_stream_chunk(c->s, sig, siglen)) c->bad = 1;
    return 0;
}
static int sc_trailer(void *ctx, const char *n, size_t nl, const char *v, size_t vl)
{
    streamck_t *c = ctx;
    if (sigv4_stream_trailer(c->s, n, nl, v, vl)) c->bad = 1;
    return 0;
}
static const chunked_cb_t sc_cbs = {sc_data, sc_chunk, sc_trailer};

/* Undo HTTP chunking in place; returns the new length. */
static size_t dechunk(char *b, size_t n)
{
    size_t in = 0, out = 0;
    while (in < n) {
        char *end;
        unsigned long sz = strtoul(b + in, &end, 16);
        char *nl = strstr(b + in, "\r\n");
        if (!nl) break;
        in = (size_t)(nl - b) + 2;
        if (sz == 0) break;
        memmove(b + out, b + in, sz);
        out += sz;
        in += sz + 2;
    }
    return out;
}

/* 0: every chunk and the trailer signature verify; -1 otherwise. */
static int verify_stream(sigv4_stream_t *s, const char *body, size_t n)
{
    streamck_t c = {s, 0};
    chunked_t d;
    chunked_init(&d, &sc_cbs, &c);
    int rc = chunked_feed(&d, body, n);
    if (rc || chunked_finish(&d) || c.bad || sigv4_stream_finish(s)) return -1;
    return 0;
}

/* A different byte that changes what the signer saw: letters and digits only. */
static int flip(char *c)
{
    if ((*c >= 'a' && *c < 'z') || (*c >= 'A' && *c < 'Z') || (*c >= '0' && *c < '9'))
        (*c)++;
    else if (*c == 'z' || *c == 'Z' || *c == '9')
        (*c)--;
    else
        return 0;
    return 1;
}

static void expect_fail(const wirereq_t *w, const char *vhost, int64_t now, const char *what)
{
    auth_result_t res;
    auth_kind_t k = unit_auth_check(&w->req, vhost, now, &res);
    if (k != AUTH_ERROR) fprintf(stderr, "%s: %s still verifies\n", w->target, what);
    assert_int_equal(k, AUTH_ERROR);
    auth_result_free(&res);
}

/* Flip each signed byte: the target (for SigV2 the path only), each signed
 * header's value (SigV2: content-md5, content-type, date, x-amz-*), the method. */
static size_t flip_each_signed_byte(wirereq_t *w, const char *vhost, int64_t now, int v4,
                                    const char *signed_headers)
{
    size_t tried = 0;
    char *t = w->target;
    size_t tlen = v4 ? strlen(t) : strcspn(t, "?");
    for (size_t i = 0; i < tlen; i++) {
        if (t[i] == '%') {
            i += 2; /* hex digits of an escape: case changes nothing */
            continue;
        }
        char save = t[i];
        if (!flip(&t[i])) continue;
        expect_fail(w, vhost, now, "a flipped target byte");
        t[i] = save;
        tried++;
    }
    for (size_t i = 0; i < w->nhdrs; i++) {
        const char *name = w->hdrs[i].name;
        int is_signed;
        if (v4) {
            size_t nl = strlen(name);
            const char *p = signed_headers;
            is_signed = 0;
            while (p && *p) {
                size_t n = strcspn(p, ";,");
                if (n == nl && strncasecmp(p, name, nl) == 0) is_signed = 1;
                p += n;
                if (*p != ';') break;
                p++;
            }
        } else {
            is_signed = strcasecmp(name, "Content-MD5") == 0 ||
                        strcasecmp(name, "Content-Type") == 0 ||
                        strncasecmp(name, "x-amz-", 6) == 0 ||
                        (strcasecmp(name, "Date") == 0 && !authreq_header(&w->req, "x-amz-date"));
        }
        if (!is_signed) continue;
        char *v = (char *)w->hdrs[i].value;
        for (size_t j = 0; v[j]; j++) {
            char save = v[j];
            if (!flip(&v[j])) continue;
            expect_fail(w, vhost, now, name);
            v[j] = save;
            tried++;
            break;
        }
    }
    char save = w->method[0];
    w->method[0] = save == 'P' ? 'G' : 'P';
    expect_fail(w, vhost, now, "another method");
    w->method[0] = save;
    return tried + 1;
}

static void test_every_wire_fixture_verifies_and_a_flipped_byte_fails(void **state)
{
    (void)state;
    json_error_t je;
    json_t *idx = json_load_file(WIRE "index.json", 0, &je);
    assert_non_null(idx);
    size_t nv4 = 0, nv2 = 0, nstreams = 0, nflips = 0;
    for (size_t i = 0; i < json_array_size(idx); i++) {
        json_t *e = json_array_get(idx, i);
        const char *file = json_string_value(json_object_get(e, "file"));
        const char *kind = json_string_value(json_object_get(e, "auth"));
        int truncated = json_is_true(json_object_get(e, "truncated"));
        char path[512];
        snprintf(path, sizeof path, WIRE "%s", file);
        wirereq_t w;
        assert_int_equal(wirereq_load(&w, path), 0);
        char *vhost = addr_vhost_bucket(authreq_header(&w.req, "Host"), NULL, 0);
        int64_t now = signed_at(&w);
        auth_result_t res;
        auth_kind_t k = unit_auth_check(&w.req, vhost, now, &res);
        if (k != AUTH_USER)
            fprintf(stderr, "%s (%s): %s %s\n", file, kind, res.msg ? res.msg : "",
                    res.extra.p ? res.extra.p : "");
        assert_int_equal(k, AUTH_USER);
        int v4 = strncmp(kind, "SigV4", 5) == 0;
        v4 ? nv4++ : nv2++;
        if (res.stream && !truncated) {
            sigv4_stream_t good = *res.stream, bad = *res.stream;
            const char *te = authreq_header(&w.req, "Transfer-Encoding");
            size_t n = te && strcasestr(te, "chunked") ? dechunk(w.body, w.body_len) : w.body_len;
            int ok = verify_stream(&good, w.body, n);
            if (ok != 0) fprintf(stderr, "%s: chunk signatures do not verify\n", file);
            assert_int_equal(ok, 0);
            /* A flipped byte in the data of the first chunk. */
            char *data = strstr(w.body, "\r\n") + 2;
            data[0] ^= 1;
            assert_int_equal(verify_stream(&bad, w.body, n), -1);
            data[0] ^= 1;
            nstreams++;
        }
        buf_t sh = BUF_INIT;
        const char *authz = authreq_header(&w.req, "Authorization");
        const char *shp = NULL;
        if (authz && strstr(authz, "SignedHeaders="))
            shp = strstr(authz, "SignedHeaders=") + 14;
        else if (authreq_param(&w.req, "X-Amz-SignedHeaders", &sh) == 1)
            shp = sh.p;
        auth_result_free(&res);
        nflips += flip_each_signed_byte(&w, vhost, now, v4, shp);
        buf_free(&sh);
        free(vhost);
        wirereq_free(&w);
    }
    json_decref(idx);
    fprintf(stderr, "wire: %zu SigV4, %zu SigV2, %zu signed streams, %zu flips refused\n", nv4, nv2,
            nstreams, nflips);
    assert_true(nv4 > 300 && nv2 > 50 && nstreams >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_example_get_object_with_range),
        cmocka_unit_test(test_aws_example_put_object),
        cmocka_unit_test(test_aws_example_get_bucket_lifecycle),
        cmocka_unit_test(test_aws_example_list_objects),
        cmocka_unit_test(test_aws_example_presigned_url),
        cmocka_unit_test(test_aws_example_chunk_signatures),
        cmocka_unit_test(test_s3_errors_for_bad_credentials),
        cmocka_unit_test(test_huge_expires_does_not_overflow),
        cmocka_unit_test(test_every_wire_fixture_verifies_and_a_flipped_byte_fails),
    };
    return cmocka_run_group_tests(tests, unit_auth_setup, unit_auth_teardown);
}
