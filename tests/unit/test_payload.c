#include "unit.h"
#include "unit_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "s3/payload.h"
#include "s3/s3req.h"

/* s3_payload driven through a real request: the http adapter runs on
 * 127.0.0.1 with a handler that sets up a payload from the request's headers
 * in begin, feeds it every body piece and finishes it in end, then answers 200
 * with what came out (error code, stage, checksum, MD5, decoded length as
 * headers; the decoded bytes as the body). Every body is sent whole, in 1-7
 * byte TCP writes (so the pipeline sees odd splits) and wrapped in HTTP
 * chunking; all three must agree with the expectation.
 *
 * A target containing "ck-of-object" passes S3_PAYLOAD_CK_OF_OBJECT; one
 * containing "sink-fail" makes the sink refuse the bytes.
 *
 * Check values are those of "123456789"; the other expectations were computed
 * independently (Python: hashlib, zlib, bitwise CRC32C and CRC64NVME). The raw
 * requests are tests/unit/data/chunked, copies of tests/fixtures/wire files. */

/* ---- the server side ---- */

static const char *const err_names[S3E_COUNT] = {
    [S3E_NONE] = "None",
#define S3_ERR(e, code, status, msg) [S3E_##e] = code,
#include "s3/errors.def"
#undef S3_ERR
};

typedef struct rq {
    s3_req_t s3;
    s3_payload_t p;
    s3_err_t init_err, feed_err;
    int sink_fail;
    int calls;
    buf_t out; /* what the sink received */
} rq_t;

static int sink(void *ctx, const char *p, size_t n)
{
    rq_t *q = ctx;
    if (q->sink_fail) return 1;
    buf_append(&q->out, p, n);
    return 0;
}

static void *p_begin(void *app, http_request_t *req, http_response_t *resp)
{
    (void)app;
    (void)resp;
    rq_t *q = xcalloc(1, sizeof *q);
    q->s3.http = req;
    const char *t = http_req_target(req);
    q->sink_fail = strstr(t, "sink-fail") != NULL;
    int flags = strstr(t, "ck-of-object") ? S3_PAYLOAD_CK_OF_OBJECT : 0;
    q->init_err = s3_payload_init(&q->p, &q->s3, sink, q, flags);
    return q;
}

static int p_body(void *rctx, const char *data, size_t n, http_response_t *resp)
{
    (void)resp;
    rq_t *q = rctx;
    q->calls++;
    if (q->init_err) return 0;
    s3_err_t e = s3_payload_feed(&q->p, data, n);
    if (e && !q->feed_err) q->feed_err = e;
    /* Errors are sticky: once failed, every later piece says the same. */
    if (q->feed_err && e != q->feed_err) q->feed_err = S3E_COUNT;
    return 0;
}

static void p_end(void *rctx, http_response_t *resp)
{
    rq_t *q = rctx;
    char num[64], md5[2 * MD5_DIGEST_SIZE + 1];
    s3_err_t e;
    const char *stage;
    if (q->init_err) {
        e = q->init_err;
        stage = "init";
    } else if (q->feed_err == S3E_COUNT) {
        e = S3E_COUNT;
        stage = "feed-not-sticky";
    } else {
        e = s3_payload_finish(&q->p, &q->s3);
        stage = q->feed_err ? "feed" : "finish";
        if (q->feed_err && e != q->feed_err) stage = "finish-not-sticky";
    }
    http_resp_header(resp, "X-Err", e < S3E_COUNT ? err_names[e] : "?");
    http_resp_header(resp, "X-Stage", stage);
    snprintf(num, sizeof num, "%d", q->calls);
    http_resp_header(resp, "X-Calls", num);
    if (!q->init_err) {
        if (q->p.errmsg) http_resp_header(resp, "X-Errmsg", q->p.errmsg);
        http_resp_header(resp, "X-Alg", checksum_alg_name(q->p.ck.alg));
        http_resp_header(resp, "X-Ck", q->p.ck_value);
        http_resp_header(resp, "X-Defaulted", q->p.ck_defaulted ? "1" : "0");
        http_resp_header(resp, "X-Aws-Chunked", q->p.aws_chunked ? "1" : "0");
        util_hex(q->p.md5_digest, MD5_DIGEST_SIZE, md5);
        http_resp_header(resp, "X-MD5", md5);
        snprintf(num, sizeof num, "%llu", (unsigned long long)q->p.n);
        http_resp_header(resp, "X-Len", num);
    }
    http_resp_body_buf(resp, &q->out);
    http_resp_ready(resp);
}

static void p_done(void *rctx, const http_request_t *req, const http_response_t *resp)
{
    (void)req;
    (void)resp;
    rq_t *q = rctx;
    buf_free(&q->out);
    free(q);
}

static const http_handler_t handler = {p_begin, p_body, p_end, p_done, NULL};

typedef struct fixture {
    http_server_t *srv;
    unsigned port;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = xcalloc(1, sizeof *f);
    http_options_t opt = {.address = "127.0.0.1", .port = 0, .threads = 2};
    char err[256] = "";
    f->srv = http_start(&opt, &handler, NULL, err, sizeof err);
    if (!f->srv) {
        fprintf(stderr, "http_start: %s\n", err);
        free(f);
        return -1;
    }
    f->port = http_port(f->srv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    http_stop(f->srv, 1000);
    free(f);
    return 0;
}

/* ---- the client side ---- */

/* Send in writes of 1-7 bytes (a fixed pseudo-random sequence) with short
 * pauses, so that the server reads them as separate pieces; long inputs pause
 * only every 16th write to stay fast. */
static int send_small(int fd, const char *p, size_t n)
{
    uint32_t x = 88675123u;
    for (unsigned i = 0; n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t k = 1 + x % 7;
        if (k > n) k = n;
        if (send_all(fd, p, k)) return -1;
        p += k;
        n -= k;
        if (n < 4096 || i % 16 == 0) usleep(50);
    }
    return 0;
}

/* Read one response with a Content-Length body; 0 when it arrived whole. */
static int read_reply(int fd, reply_t *r)
{
    memset(r, 0, sizeof *r);
    buf_t in = BUF_INIT;
    char tmp[65536], *end = NULL;
    size_t want = 0;
    int rc = -1;
    for (;;) {
        if (in.len && !end && (end = memmem(in.p, in.len, "\r\n\r\n", 4))) {
            if (reply_parse_head(r, in.p, (size_t)(end - in.p))) break;
            const char *cl = hdr(r, "Content-Length");
            if (!cl) break;
            want = (size_t)(end - in.p) + 4 + (size_t)strtoull(cl, NULL, 10);
        }
        if (end && in.len >= want) {
            buf_append(&r->body, end + 4, want - (size_t)(end - in.p) - 4);
            rc = 0;
            break;
        }
        ssize_t k = recv(fd, tmp, sizeof tmp, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        size_t hoff = end ? (size_t)(end - in.p) : 0;
        buf_append(&in, tmp, (size_t)k);
        if (end) end = in.p + hoff;
    }
    buf_free(&in);
    return rc;
}

/* ---- cases ---- */

/* What a body must come out as; NULL / -1 members are not checked. */
typedef struct want {
    const char *err;   /* error code, "None" for success */
    const char *stage; /* "init", "feed" or "finish" */
    const char *alg;   /* checksum algorithm name */
    const char *ck;    /* its base64 value */
    const char *md5;   /* hex */
    const char *errmsg;
    long long len; /* decoded bytes */
    const char *data;
    size_t data_len;
} want_t;

enum send_mode { SEND_WHOLE, SEND_SMALL_WRITES, SEND_HTTP_CHUNKED, SEND_MODES };
static const char *const mode_names[] = {"whole", "small writes", "http chunked"};

/* Check the answer to one request against w; 0 if it matches, else -1 with
 * the reason in why (the caller fails after freeing what it holds). */
static int check_reply(const char *name, const char *mode, size_t body_len, const reply_t *r,
                       const want_t *w, char *why, size_t whylen)
{
    if (r->status != 200) {
        snprintf(why, whylen, "%s (%s): status %d", name, mode, r->status);
        return -1;
    }
    static const char *const fields[] = {"X-Err", "X-Stage", "X-Alg", "X-Ck", "X-MD5", "X-Errmsg"};
    const char *wants[] = {w->err, w->stage, w->alg, w->ck, w->md5, w->errmsg};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *got = hdr(r, fields[i]);
        if (wants[i] && (!got || strcmp(got, wants[i]) != 0)) {
            snprintf(why, whylen, "%s (%s): %s is '%s', want '%s'", name, mode, fields[i],
                     got ? got : "(none)", wants[i]);
            return -1;
        }
    }
    const char *len = hdr(r, "X-Len");
    if (w->len >= 0 && (!len || strtoll(len, NULL, 10) != w->len)) {
        snprintf(why, whylen, "%s (%s): decoded %s bytes, want %lld", name, mode,
                 len ? len : "(none)", w->len);
        return -1;
    }
    if (w->data && (r->body.len != w->data_len || memcmp(r->body.p, w->data, w->data_len) != 0)) {
        snprintf(why, whylen, "%s (%s): decoded bytes differ (%zu, want %zu)", name, mode,
                 r->body.len, w->data_len);
        return -1;
    }
    /* The small writes must have reached the pipeline as small pieces. */
    const char *calls = hdr(r, "X-Calls");
    if (strcmp(mode, "small writes") == 0 && body_len >= 64 && (!calls || atoi(calls) < 4)) {
        snprintf(why, whylen, "%s (%s): the body came in %s pieces only", name, mode,
                 calls ? calls : "?");
        return -1;
    }
    return 0;
}

/* Send req then body (whole or in small writes) on a new connection and check
 * the answer; 0 or -1 with why. */
static int exchange(const fixture_t *f, const char *name, int mode, const char *req, size_t reqlen,
                    const char *body, size_t n, const want_t *w, char *why, size_t whylen)
{
    int fd = tcp_connect(f->port);
    if (fd < 0) {
        snprintf(why, whylen, "%s: connect: %s", name, strerror(errno));
        return -1;
    }
    reply_t r = {0};
    int rc = -1;
    if (send_all(fd, req, reqlen) ||
        (mode == SEND_WHOLE ? send_all(fd, body, n) : send_small(fd, body, n))) {
        snprintf(why, whylen, "%s (%s): sending failed", name, mode_names[mode]);
    } else if (read_reply(fd, &r)) {
        snprintf(why, whylen, "%s (%s): no answer", name, mode_names[mode]);
    } else {
        rc = check_reply(name, mode_names[mode], n, &r, w, why, whylen);
    }
    reply_free(&r);
    close(fd);
    return rc;
}

/* Send one request per mode: PUT target with the extra header lines and the
 * body, framed by Content-Length or HTTP chunking; check each answer. */
static void check(const fixture_t *f, const char *name, const char *target, const char *headers,
                  const char *body, size_t n, const want_t *w)
{
    char why[512];
    int rc = 0;
    for (int mode = 0; mode < SEND_MODES && rc == 0; mode++) {
        buf_t req = BUF_INIT, framed = BUF_INIT;
        buf_printf(&req, "PUT %s HTTP/1.1\r\nHost: t\r\n%s", target ? target : "/b/k", headers);
        if (mode == SEND_HTTP_CHUNKED) {
            buf_puts(&req, "Transfer-Encoding: chunked\r\n\r\n");
            uint32_t x = 123456789u;
            for (size_t off = 0; off < n;) {
                x = x * 1103515245u + 12345u;
                size_t k = 1 + (x >> 16) % 300;
                if (k > n - off) k = n - off;
                buf_printf(&framed, "%zx\r\n", k);
                buf_append(&framed, body + off, k);
                buf_puts(&framed, "\r\n");
                off += k;
            }
            buf_puts(&framed, "0\r\n\r\n");
        } else {
            buf_printf(&req, "Content-Length: %zu\r\n\r\n", n);
            buf_append(&framed, body, n);
        }
        rc = exchange(f, name, mode, req.p, req.len, framed.p, framed.len, w, why, sizeof why);
        buf_free(&req);
        buf_free(&framed);
    }
    if (rc) fail_msg("%s", why);
}

/* The same for a captured request sent as it is (raw is freed): whole, then
 * its head whole and its body in small writes. */
static void check_raw(const fixture_t *f, const char *name, char *raw, size_t n, const want_t *w)
{
    const char *sep = memmem(raw, n, "\r\n\r\n", 4);
    size_t head = sep ? (size_t)(sep - raw) + 4 : 0;
    char why[512] = "no head";
    int rc = sep ? 0 : -1;
    for (int mode = SEND_WHOLE; mode <= SEND_SMALL_WRITES && rc == 0; mode++)
        rc = exchange(f, name, mode, raw, head, raw + head, n - head, w, why, sizeof why);
    free(raw);
    if (rc) fail_msg("%s", why);
}

/* aws-chunked framing of n bytes in chunks of at most chunk bytes; ext follows
 * every size (";chunk-signature=..." or ""), trailers (whole lines) follow the
 * final chunk, then the closing empty line. */
static void aws_chunked(buf_t *out, const char *d, size_t n, size_t chunk, const char *ext,
                        const char *trailers)
{
    buf_reset(out);
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        buf_printf(out, "%zx%s\r\n", k, ext);
        buf_append(out, d + off, k);
        buf_puts(out, "\r\n");
    }
    buf_printf(out, "0%s\r\n%s\r\n", ext, trailers);
}

#define CHECK_STR     "123456789"
#define CHECK_MD5     "25f9e794323b453885f5181f1b624d0b"
#define CHECK_MD5_B64 "JfnnlDI7RTiF9RgfG2JNCw=="
#define CHECK_SHA256  "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"

/* CRC64NVME("123456789") = 0xae8b14860a799888, big-endian, in base64. */
static const char check_crc64_b64[] = "rosUhgp5mIg=";

#define PAT_LEN 20000
static char pat[PAT_LEN]; /* byte i is i % 251 */
#define PAT_MD5    "c968d3e881d1ec95343a421fe3e79a1a"
#define PAT_CRC32C "ehRF4Q=="
#define PAT_CRC64  "qtaOONiWzmg="

#define UNSIGNED_TRAILER_HEADERS(len, alg)                                                         \
    "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\n"                                 \
    "Content-Encoding: aws-chunked\r\n"                                                            \
    "x-amz-decoded-content-length: " len "\r\n"                                                    \
    "x-amz-trailer: x-amz-checksum-" alg "\r\n"

static void test_crc64nvme_check_value(void **state)
{
    (void)state;
    /* The expectation itself, from the published check value. */
    unsigned char be[8];
    uint64_t v = 0xae8b14860a799888ULL;
    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)(v >> (56 - 8 * i));
    char b64[13];
    util_base64(be, 8, b64);
    assert_string_equal(b64, check_crc64_b64);
}

static void test_plain_body_md5_and_default_crc64nvme(void **state)
{
    const fixture_t *f = *state;
    want_t w = {"None", "finish", "CRC64NVME", check_crc64_b64, CHECK_MD5, NULL, 9, CHECK_STR, 9};
    check(f, "check string", NULL, "", CHECK_STR, 9, &w);
    want_t wp = {"None", "finish", "CRC64NVME", PAT_CRC64, PAT_MD5, NULL, PAT_LEN, pat, PAT_LEN};
    check(f, "pattern", NULL, "", pat, PAT_LEN, &wp);
    want_t we = {
        "None", "finish", "CRC64NVME", "AAAAAAAAAAA=", "d41d8cd98f00b204e9800998ecf8427e", NULL, 0,
        "",     0};
    check(f, "empty", NULL, "", "", 0, &we);
    /* The default is recorded as such. */
    int fd = tcp_connect(f->port);
    assert_true(fd >= 0);
    static const char one[] = "PUT /b/k HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx";
    assert_int_equal(send_all(fd, one, sizeof one - 1), 0);
    reply_t r;
    assert_int_equal(read_reply(fd, &r), 0);
    assert_string_equal(hdr(&r, "X-Defaulted"), "1");
    assert_string_equal(hdr(&r, "X-Aws-Chunked"), "0");
    reply_free(&r);
    close(fd);
}

static void test_checksum_headers(void **state)
{
    const fixture_t *f = *state;
    static const struct {
        const char *header, *alg, *right, *wrong, *msg;
    } cases[] = {
        {"x-amz-checksum-crc32", "CRC32",
         "y/Q5Jg==", "y/Q5Jw==", "The CRC32 you specified did not match the calculated checksum."},
        {"x-amz-checksum-crc32c", "CRC32C",
         "4waSgw==", "AAAAAA==", "The CRC32C you specified did not match the calculated checksum."},
        {"x-amz-checksum-crc64nvme", "CRC64NVME", "rosUhgp5mIg=", "rosUhgp5mIk=",
         "The CRC64NVME you specified did not match the calculated checksum."},
        {"x-amz-checksum-sha1", "SHA1",
         "98O8HYCOBHMq32eZZczDTKeuNEE=", "YxPTNVwa+EFwzFqHW/4g3350AL4=",
         "The SHA1 you specified did not match the calculated checksum."},
        {"x-amz-checksum-sha256", "SHA256", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
         "9wKAJtbRGrTwf/5UVOVKc8RU2Xt+rFKkzNtMvU7DDvI=",
         "The SHA256 you specified did not match the calculated checksum."},
        /* Header names are case-insensitive. */
        {"X-Amz-Checksum-CRC32", "CRC32",
         "y/Q5Jg==", "AAAAAA==", "The CRC32 you specified did not match the calculated checksum."},
    };
    char h[256], name[128];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(h, sizeof h, "%s: %s\r\n", cases[i].header, cases[i].right);
        snprintf(name, sizeof name, "%s right", cases[i].header);
        want_t ok = {"None", "finish", cases[i].alg, cases[i].right, CHECK_MD5, NULL, 9, NULL, 0};
        check(f, name, NULL, h, CHECK_STR, 9, &ok);
        snprintf(h, sizeof h, "%s: %s\r\n", cases[i].header, cases[i].wrong);
        snprintf(name, sizeof name, "%s wrong", cases[i].header);
        want_t bad = {"BadDigest", "finish", cases[i].alg, cases[i].right, NULL, cases[i].msg, 9,
                      NULL,        0};
        check(f, name, NULL, h, CHECK_STR, 9, &bad);
    }
}

static void test_checksum_header_errors(void **state)
{
    const fixture_t *f = *state;
    static const struct {
        const char *name, *headers;
    } cases[] = {
        {"two checksum headers", "x-amz-checksum-crc32: y/Q5Jg==\r\n"
                                 "x-amz-checksum-sha1: 98O8HYCOBHMq32eZZczDTKeuNEE=\r\n"},
        {"the same checksum twice", "x-amz-checksum-crc32: y/Q5Jg==\r\n"
                                    "x-amz-checksum-crc32: y/Q5Jg==\r\n"},
        {"a header and a trailer",
         "x-amz-checksum-crc32: y/Q5Jg==\r\n" UNSIGNED_TRAILER_HEADERS("9", "crc32c")},
        {"value not base64", "x-amz-checksum-crc32: not base64!\r\n"},
        {"value too short", "x-amz-checksum-crc32: AAAA\r\n"},
        {"value too long", "x-amz-checksum-crc32: rosUhgp5mIg=\r\n"},
        {"sha256 value for crc32c", "x-amz-checksum-crc32c: "
                                    "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=\r\n"},
        {"empty value", "x-amz-checksum-sha1:\r\n"},
        {"unknown sdk algorithm", "x-amz-sdk-checksum-algorithm: MD4\r\n"},
        {"unknown trailer", "x-amz-trailer: x-amz-checksum-md4\r\n"
                            "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\n"},
        {"trailer without aws-chunked", "x-amz-trailer: x-amz-checksum-crc32\r\n"},
    };
    want_t w = {"InvalidRequest", "init", NULL, NULL, NULL, NULL, -1, NULL, 0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check(f, cases[i].name, NULL, cases[i].headers, CHECK_STR, 9, &w);
}

static void test_aws_chunked_trailer(void **state)
{
    const fixture_t *f = *state;
    buf_t b = BUF_INIT;
    const char *h = UNSIGNED_TRAILER_HEADERS("20000", "crc32c");

    aws_chunked(&b, pat, PAT_LEN, 8192, "", "x-amz-checksum-crc32c:" PAT_CRC32C "\r\n");
    want_t ok = {"None", "finish", "CRC32C", PAT_CRC32C, PAT_MD5, NULL, PAT_LEN, pat, PAT_LEN};
    check(f, "crc32c trailer right", NULL, h, b.p, b.len, &ok);

    /* Blanks around the value and the name's letter case do not matter. */
    aws_chunked(&b, pat, PAT_LEN, 8192, "", "X-Amz-Checksum-CRC32C: " PAT_CRC32C " \r\n");
    check(f, "crc32c trailer spelled differently", NULL, h, b.p, b.len, &ok);

    /* minio-go ends a trailer line with the LF it signed, then CRLF. */
    aws_chunked(&b, pat, PAT_LEN, 8192, "", "x-amz-checksum-crc32c:" PAT_CRC32C "\n\r\n");
    check(f, "trailer line ending LF CRLF", NULL, h, b.p, b.len, &ok);

    /* A trailer signature is not a checksum. */
    aws_chunked(&b, pat, PAT_LEN, 8192, "",
                "x-amz-checksum-crc32c:" PAT_CRC32C "\r\n"
                "x-amz-trailer-signature:"
                "cb383ebdd896e61b3b24d1ac076d98e1d1ae59de6671651ed540a1d57bcd6c45\r\n");
    check(f, "trailer with signature", NULL, h, b.p, b.len, &ok);

    aws_chunked(&b, pat, PAT_LEN, 8192, "", "x-amz-checksum-crc32c:AAAAAA==\r\n");
    want_t wrong = {
        "BadDigest", "finish", "CRC32C",
        PAT_CRC32C,  NULL,     "The CRC32C you specified did not match the calculated checksum.",
        PAT_LEN,     NULL,     0};
    check(f, "crc32c trailer wrong", NULL, h, b.p, b.len, &wrong);

    aws_chunked(&b, pat, PAT_LEN, 8192, "", "");
    want_t missing = {"MalformedTrailerError", "finish", NULL, NULL, NULL, NULL, -1, NULL, 0};
    check(f, "trailer announced, missing", NULL, h, b.p, b.len, &missing);

    aws_chunked(&b, pat, PAT_LEN, 8192, "", "x-amz-checksum-crc32:Nh/G5w==\r\n");
    want_t other = {"MalformedTrailerError", "feed", NULL, NULL, NULL, NULL, -1, NULL, 0};
    check(f, "trailer of another algorithm", NULL, h, b.p, b.len, &other);

    aws_chunked(&b, pat, PAT_LEN, 8192, "", "x-amz-checksum-crc32c:zz\r\n");
    want_t invalid = {"InvalidRequest",
                      "feed",
                      NULL,
                      NULL,
                      NULL,
                      "The value of the trailing checksum is invalid.",
                      -1,
                      NULL,
                      0};
    check(f, "trailer value malformed", NULL, h, b.p, b.len, &invalid);

    /* A trailer nobody announced. */
    aws_chunked(&b, pat, PAT_LEN, 8192, "", "x-amz-checksum-crc32c:" PAT_CRC32C "\r\n");
    check(f, "trailer not announced", NULL,
          "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\n"
          "Content-Encoding: aws-chunked\r\n",
          b.p, b.len, &other);

    /* An empty body still carries its trailer. */
    aws_chunked(&b, "", 0, 8192, "", "x-amz-checksum-crc32c:AAAAAA==\r\n");
    want_t empty = {"None", "finish", "CRC32C", "AAAAAA==", "d41d8cd98f00b204e9800998ecf8427e",
                    NULL,   0,        "",       0};
    check(f, "empty body with trailer", NULL, UNSIGNED_TRAILER_HEADERS("0", "crc32c"), b.p, b.len,
          &empty);

    /* A checksum header over an aws-chunked body covers the decoded bytes. */
    aws_chunked(&b, pat, PAT_LEN, 1000, "", "");
    want_t hdr_ok = {"None", "finish", "CRC32C", PAT_CRC32C, PAT_MD5, NULL, PAT_LEN, pat, PAT_LEN};
    check(f, "checksum header, aws-chunked body", NULL,
          "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD\r\n"
          "x-amz-decoded-content-length: 20000\r\n"
          "x-amz-checksum-crc32c: " PAT_CRC32C "\r\n",
          b.p, b.len, &hdr_ok);

    /* Chunk-signed with a trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER). */
    aws_chunked(&b, CHECK_STR, 9, 4,
                ";chunk-signature=42a866dde61307e3861f2079580645c5a7eb452dd01eeb4bd914acd460bc02d9",
                "x-amz-checksum-sha256:FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=\r\n");
    want_t signed_ok = {
        "None",    "finish", "SHA256", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
        CHECK_MD5, NULL,     9,        CHECK_STR,
        9};
    check(f, "signed chunks, sha256 trailer", NULL,
          "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER\r\n"
          "Content-Encoding: aws-chunked\r\n"
          "x-amz-decoded-content-length: 9\r\n"
          "x-amz-trailer: x-amz-checksum-sha256\r\n",
          b.p, b.len, &signed_ok);
    buf_free(&b);
}

static void test_aws_chunked_lengths_and_framing(void **state)
{
    const fixture_t *f = *state;
    buf_t b = BUF_INIT;
    const char *h = "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD\r\n"
                    "Content-Encoding: aws-chunked\r\n";
    char hd[256];

    aws_chunked(&b, pat, PAT_LEN, 8192, "", "");
    want_t ok = {"None", "finish", "CRC64NVME", PAT_CRC64, PAT_MD5, NULL, PAT_LEN, pat, PAT_LEN};
    snprintf(hd, sizeof hd, "%sx-amz-decoded-content-length: 20000\r\n", h);
    check(f, "decoded length right", NULL, hd, b.p, b.len, &ok);
    check(f, "no decoded length", NULL, h, b.p, b.len, &ok);

    want_t incomplete = {"IncompleteBody", "finish", NULL, NULL, NULL, NULL, PAT_LEN, NULL, 0};
    snprintf(hd, sizeof hd, "%sx-amz-decoded-content-length: 19999\r\n", h);
    check(f, "decoded length short", NULL, hd, b.p, b.len, &incomplete);
    snprintf(hd, sizeof hd, "%sx-amz-decoded-content-length: 20001\r\n", h);
    check(f, "decoded length long", NULL, hd, b.p, b.len, &incomplete);

    /* Bodies that stop short: mid-data, mid-size-line, before the final chunk,
     * before the closing empty line. */
    want_t cut = {"IncompleteBody", "finish", NULL, NULL, NULL, NULL, -1, NULL, 0};
    size_t cuts[] = {100, 8192 + 6, 8192 + 8, b.len - 5, b.len - 2, 3};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        char name[64];
        snprintf(name, sizeof name, "truncated to %zu", cuts[i]);
        check(f, name, NULL, h, b.p, cuts[i], &cut);
    }

    static const struct {
        const char *name, *body;
    } bad[] = {
        {"size not hex", "zz\r\n123456789\r\n0\r\n\r\n"},
        {"no CRLF after data", "9\r\n123456789XX0\r\n\r\n"},
        {"data after the end", "9\r\n123456789\r\n0\r\n\r\nextra"},
        {"bare LF after size", "9\n123456789\r\n0\r\n\r\n"},
        {"size too large", "10000000000000000\r\n"},
    };
    want_t badw = {"InvalidRequest", "feed", NULL, NULL, NULL, NULL, -1, NULL, 0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        check(f, bad[i].name, NULL, h, bad[i].body, strlen(bad[i].body), &badw);
    buf_free(&b);
}

static void test_content_sha256(void **state)
{
    const fixture_t *f = *state;
    want_t ok = {"None", "finish", "CRC64NVME", check_crc64_b64, CHECK_MD5, NULL, 9, CHECK_STR, 9};
    check(f, "sha256 right", NULL, "x-amz-content-sha256: " CHECK_SHA256 "\r\n", CHECK_STR, 9, &ok);
    check(f, "unsigned payload", NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n", CHECK_STR, 9,
          &ok);
    want_t bad = {"XAmzContentSHA256Mismatch", "finish", NULL, NULL, NULL, NULL, 9, NULL, 0};
    check(f, "sha256 wrong", NULL,
          "x-amz-content-sha256: "
          "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb226\r\n",
          CHECK_STR, 9, &bad);
    check(f, "sha256 of the empty body", NULL,
          "x-amz-content-sha256: "
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n",
          CHECK_STR, 9, &bad);
    want_t arg = {"InvalidArgument", "init", NULL, NULL, NULL, NULL, -1, NULL, 0};
    check(f, "sha256 not hex", NULL, "x-amz-content-sha256: abc\r\n", CHECK_STR, 9, &arg);
    check(f, "sha256 63 digits", NULL,
          "x-amz-content-sha256: "
          "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb22\r\n",
          CHECK_STR, 9, &arg);
}

static void test_content_md5(void **state)
{
    const fixture_t *f = *state;
    want_t ok = {"None", "finish", "CRC64NVME", check_crc64_b64, CHECK_MD5, NULL, 9, CHECK_STR, 9};
    check(f, "content-md5 right", NULL, "Content-MD5: " CHECK_MD5_B64 "\r\n", CHECK_STR, 9, &ok);
    want_t bad = {"BadDigest", "finish", NULL, NULL, CHECK_MD5, NULL, 9, NULL, 0};
    check(f, "content-md5 wrong", NULL, "Content-MD5: eBeAYbdcWlm7wpb63DIQiw==\r\n", CHECK_STR, 9,
          &bad);
    want_t invalid = {"InvalidDigest", "finish", NULL, NULL, NULL, NULL, 9, NULL, 0};
    check(f, "content-md5 not base64", NULL, "Content-MD5: abc!\r\n", CHECK_STR, 9, &invalid);
    check(f, "content-md5 15 bytes", NULL, "Content-MD5: JfnnlDI7RTiF9RgfG2JN\r\n", CHECK_STR, 9,
          &invalid);
    check(f, "content-md5 hex", NULL, "Content-MD5: " CHECK_MD5 "\r\n", CHECK_STR, 9, &invalid);
    /* Over the decoded bytes of an aws-chunked body. */
    buf_t b = BUF_INIT;
    aws_chunked(&b, CHECK_STR, 9, 2, "", "");
    check(f, "content-md5 of aws-chunked", NULL,
          "Content-MD5: " CHECK_MD5_B64 "\r\nContent-Encoding: aws-chunked\r\n", b.p, b.len, &ok);
    buf_free(&b);
}

static void test_sdk_checksum_algorithm(void **state)
{
    const fixture_t *f = *state;
    static const struct {
        const char *headers, *alg, *ck;
    } cases[] = {
        {"x-amz-sdk-checksum-algorithm: SHA256\r\n", "SHA256",
         "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
        {"x-amz-sdk-checksum-algorithm: crc32c\r\n", "CRC32C", "4waSgw=="},
        {"x-amz-checksum-algorithm: SHA1\r\n", "SHA1", "98O8HYCOBHMq32eZZczDTKeuNEE="},
        {"x-amz-sdk-checksum-algorithm: CRC32\r\nx-amz-checksum-algorithm: SHA1\r\n", "CRC32",
         "y/Q5Jg=="},
        /* A value header wins over the algorithm header. */
        {"x-amz-sdk-checksum-algorithm: SHA256\r\nx-amz-checksum-crc32: y/Q5Jg==\r\n", "CRC32",
         "y/Q5Jg=="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        want_t w = {"None", "finish", cases[i].alg, cases[i].ck, CHECK_MD5, NULL, 9, CHECK_STR, 9};
        check(f, cases[i].headers, NULL, cases[i].headers, CHECK_STR, 9, &w);
    }
}

static void test_aws_chunked_detection(void **state)
{
    const fixture_t *f = *state;
    buf_t b = BUF_INIT;
    aws_chunked(&b, CHECK_STR, 9, 4, "", "");
    want_t ok = {"None", "finish", "CRC64NVME", check_crc64_b64, CHECK_MD5, NULL, 9, CHECK_STR, 9};
    /* minio-go: no Content-Encoding, the decoded length alone tells. */
    check(f, "decoded length alone", NULL, "x-amz-decoded-content-length: 9\r\n", b.p, b.len, &ok);
    check(f, "streaming sha256 alone", NULL,
          "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\n", b.p, b.len, &ok);
    check(f, "content-encoding alone", NULL, "Content-Encoding: aws-chunked\r\n", b.p, b.len, &ok);
    check(f, "content-encoding in a list", NULL, "Content-Encoding: gzip, AWS-Chunked\r\n", b.p,
          b.len, &ok);
    /* Without any of them the framing is object data. */
    want_t raw = {"None", "finish", "CRC64NVME", NULL, NULL, NULL, (long long)b.len, b.p, b.len};
    check(f, "no aws-chunked signal", NULL, "Content-Encoding: gzip\r\n", b.p, b.len, &raw);
    /* Content-Encoding naming aws-chunked beside a payload hash that is not
     * STREAMING-: the body is not framed (boto3's "gzip, aws-chunked"). */
    check(f, "content-encoding aws-chunked with an unsigned payload", NULL,
          "Content-Encoding: gzip, aws-chunked\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n", b.p,
          b.len, &raw);
    want_t arg = {"InvalidArgument", "init", NULL, NULL, NULL, NULL, -1, NULL, 0};
    check(f, "decoded length not a number", NULL, "x-amz-decoded-content-length: 9x\r\n", b.p,
          b.len, &arg);
    check(f, "decoded length negative", NULL, "x-amz-decoded-content-length: -1\r\n", b.p, b.len,
          &arg);
    buf_free(&b);
}

static void test_checksum_of_object_flag(void **state)
{
    const fixture_t *f = *state;
    want_t dflt = {"None",    "finish", "CRC64NVME", check_crc64_b64, CHECK_MD5, NULL, 9,
                   CHECK_STR, 9};
    check(f, "wrong value ignored", "/b/k?ck-of-object", "x-amz-checksum-crc32: AAAAAA==\r\n",
          CHECK_STR, 9, &dflt);
    check(f, "malformed value ignored", "/b/k?ck-of-object", "x-amz-checksum-sha1: nope\r\n",
          CHECK_STR, 9, &dflt);
    check(f, "two values ignored", "/b/k?ck-of-object",
          "x-amz-checksum-crc32: AAAAAA==\r\nx-amz-checksum-sha1: nope\r\n", CHECK_STR, 9, &dflt);
    check(f, "object algorithm ignored", "/b/k?ck-of-object", "x-amz-checksum-algorithm: SHA1\r\n",
          CHECK_STR, 9, &dflt);
    /* What the SDK says about this body still counts. */
    want_t sdk = {"None", "finish", "CRC32C", "4waSgw==", CHECK_MD5, NULL, 9, CHECK_STR, 9};
    check(f, "sdk algorithm kept", "/b/k?ck-of-object",
          "x-amz-checksum-crc32: AAAAAA==\r\nx-amz-sdk-checksum-algorithm: CRC32C\r\n", CHECK_STR,
          9, &sdk);
}

static void test_sink_failure_is_internal_error(void **state)
{
    const fixture_t *f = *state;
    want_t w = {"InternalError", "feed", NULL, NULL, NULL, NULL, -1, "", 0};
    check(f, "sink fails", "/b/k?sink-fail", "", CHECK_STR, 9, &w);
    buf_t b = BUF_INIT;
    aws_chunked(&b, CHECK_STR, 9, 4, "", "");
    check(f, "sink fails, aws-chunked", "/b/k?sink-fail", "Content-Encoding: aws-chunked\r\n", b.p,
          b.len, &w);
    buf_free(&b);
}

/* A file under tests/unit/data/chunked, found next to this source file. */
static char *read_data_file(const char *name, size_t *len)
{
    const char *here = __FILE__, *slash = strrchr(here, '/');
    buf_t path = BUF_INIT;
    buf_printf(&path, "%.*sdata/chunked/%s", slash ? (int)(slash - here + 1) : 0, here, name);
    FILE *fp = fopen(path.p, "rb");
    if (!fp) fail_msg("cannot open %s", path.p);
    buf_t b = BUF_INIT;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
        buf_append(&b, tmp, n);
    fclose(fp);
    buf_free(&path);
    *len = b.len;
    return buf_take(&b);
}

static void test_captured_requests(void **state)
{
    const fixture_t *f = *state;
    static const char hello[] = "hello fakes3\n";
    static const char part[] = "\x78\xaa\x02\x7a\xdd\x5c\xf9\xe7\xc2\xed\xa2\xf6\xc6";
    char *a = xmalloc(66560);
    memset(a, 'a', 66560);
    const struct {
        const char *file;
        want_t w;
    } cases[] = {
        /* HTTP chunking around aws-chunked, CRC32 trailer. */
        {"js-03-put-small-stream.http",
         {"None", "finish", "CRC32", "ixEm4Q==", "78178061b75c5a59bbc296fadc32108b", NULL, 13,
          hello, 13}},
        /* minio-go: chunk signatures, no Content-Encoding. */
        {"minio-03-put-small.http",
         {"None", "finish", "CRC64NVME", "O3WTdfIPDE4=", "78178061b75c5a59bbc296fadc32108b", NULL,
          13, hello, 13}},
        /* minio-go: CRC32C trailer ending LF CRLF, then a trailer signature. */
        {"minio-29-trailing-upload-part.http",
         {"None", "finish", "CRC32C", "v+bXww==", "18d67d353d675f84052f764171a9627e", NULL, 13,
          part, 13}},
        {"synthetic-01-aws-doc-example.http",
         {"None", "finish", "CRC64NVME", "pRf+emrnL+A=", "da0d2e17cd5a8f14633c6b4aebad7e02", NULL,
          66560, a, 66560}},
        {"synthetic-03-chunk-signed-trailer.http",
         {"None", "finish", "CRC32", "ixEm4Q==", "78178061b75c5a59bbc296fadc32108b", NULL, 13,
          hello, 13}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n;
        char *raw = read_data_file(cases[i].file, &n);
        check_raw(f, cases[i].file, raw, n, &cases[i].w);
    }
    free(a);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    util_log_quiet = 1;
    for (size_t i = 0; i < PAT_LEN; i++)
        pat[i] = (char)(i % 251);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc64nvme_check_value),
        cmocka_unit_test(test_plain_body_md5_and_default_crc64nvme),
        cmocka_unit_test(test_checksum_headers),
        cmocka_unit_test(test_checksum_header_errors),
        cmocka_unit_test(test_aws_chunked_trailer),
        cmocka_unit_test(test_aws_chunked_lengths_and_framing),
        cmocka_unit_test(test_content_sha256),
        cmocka_unit_test(test_content_md5),
        cmocka_unit_test(test_sdk_checksum_algorithm),
        cmocka_unit_test(test_aws_chunked_detection),
        cmocka_unit_test(test_checksum_of_object_flag),
        cmocka_unit_test(test_sink_failure_is_internal_error),
        cmocka_unit_test(test_captured_requests),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
