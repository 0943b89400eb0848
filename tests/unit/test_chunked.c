#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/chunked.h"

/* Every input is decoded whole, split in two at every point, one byte at a time
 * and in random pieces; all of them must give the same outcome. The fixtures in
 * data/chunked are copies of /work/shared/fixtures/wire files:
 *   js-03-put-small-stream.http        aws-sdk-js-v3/03-put-small-stream--put-object.http
 *   minio-03-put-small.http            minio-go-7.0/03-put-small--put-object.http
 *   minio-29-trailing-upload-part.http minio-go-7.0/29-trailing-put-16mib-plus-13--upload-part.http
 *   synthetic-0N-*.http                synthetic/0N-*.http */

/* What one decode produced. */
typedef struct outcome {
    int feed_rc;        /* first non-zero feed return, or 0 */
    int finish_rc;      /* chunked_finish, called even after a failed feed */
    uint64_t decoded;   /* chunked_decoded_len */
    const char *errmsg; /* chunked_error */
    buf_t events;       /* "chunk <len> <sig|->\n" and "trailer <name>=<value>\n" */
    buf_t data;         /* the payload */
} outcome_t;

/* The callbacks' context: where to record, and the piece being fed, which every
 * data pointer must lie inside (zero copy). */
typedef struct rec {
    outcome_t *out;
    const char *lo, *hi;
    int outside;
    int data_rc, chunk_rc, trailer_rc; /* what the callbacks return */
} rec_t;

static int on_data(void *ctx, const char *p, size_t n)
{
    rec_t *r = ctx;
    if (n == 0 || p < r->lo || p + n > r->hi) r->outside = 1;
    buf_append(&r->out->data, p, n);
    return r->data_rc;
}

static int on_chunk_end(void *ctx, const char *sig, size_t siglen, uint64_t chunk_len)
{
    rec_t *r = ctx;
    assert_true((sig == NULL) == (siglen == 0));
    buf_printf(&r->out->events, "chunk %llu %.*s\n", (unsigned long long)chunk_len,
               sig ? (int)siglen : 1, sig ? sig : "-");
    return r->chunk_rc;
}

static int on_trailer(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
    rec_t *r = ctx;
    buf_printf(&r->out->events, "trailer %.*s=%.*s\n", (int)nlen, name, (int)vlen, value);
    return r->trailer_rc;
}

static const chunked_cb_t recording_cb = {on_data, on_chunk_end, on_trailer};

static void outcome_reset(outcome_t *o)
{
    o->feed_rc = o->finish_rc = 0;
    o->decoded = 0;
    o->errmsg = NULL;
    buf_reset(&o->events);
    buf_reset(&o->data);
}

static void outcome_free(outcome_t *o)
{
    buf_free(&o->events);
    buf_free(&o->data);
}

/* Decode s[0..len) cut at the given offsets (ascending, each in [0, len]). When
 * copy is set every piece goes to a heap block of exactly its size, so that ASan
 * catches a read past the end of a piece. */
static void decode(const char *s, size_t len, const size_t *cuts, size_t ncuts, int copy,
                   outcome_t *o)
{
    outcome_reset(o);
    rec_t r = {.out = o};
    chunked_t d;
    chunked_init(&d, &recording_cb, &r);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        assert_true(end >= at && end <= len);
        const char *piece = s + at;
        char *heap = NULL;
        if (copy && end > at) {
            heap = xmalloc(end - at);
            memcpy(heap, s + at, end - at);
            piece = heap;
        }
        r.lo = piece;
        r.hi = piece + (end - at);
        int rc = chunked_feed(&d, piece, end - at);
        free(heap);
        if (rc && !o->feed_rc) o->feed_rc = rc;
        /* Errors are sticky: a failed decoder never succeeds again. */
        if (o->feed_rc) assert_int_equal(rc, o->feed_rc);
        at = end;
    }
    o->finish_rc = chunked_finish(&d);
    o->decoded = chunked_decoded_len(&d);
    o->errmsg = chunked_error(&d);
    assert_false(r.outside);
    assert_int_equal(o->decoded, o->data.len);
    if (o->feed_rc) {
        assert_int_equal(o->finish_rc, o->feed_rc);
        assert_non_null(o->errmsg);
    } else if (o->finish_rc == 0) {
        assert_null(o->errmsg);
    }
}

static void assert_same(const outcome_t *a, const outcome_t *b)
{
    assert_int_equal(a->feed_rc, b->feed_rc);
    assert_int_equal(a->finish_rc, b->finish_rc);
    assert_int_equal(a->decoded, b->decoded);
    if (a->errmsg || b->errmsg) {
        assert_non_null(a->errmsg);
        assert_non_null(b->errmsg);
        assert_string_equal(a->errmsg, b->errmsg);
    }
    assert_int_equal(a->events.len, b->events.len);
    if (a->events.len) assert_string_equal(a->events.p, b->events.p);
    assert_int_equal(a->data.len, b->data.len);
    /* memcmp: cmocka's byte loop is too slow for 66 KiB times every split. */
    if (a->data.len) assert_true(memcmp(a->data.p, b->data.p, a->data.len) == 0);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Decode s whole into *whole, then check that two pieces split at every point,
 * single bytes and random pieces all give the same outcome. */
static void decode_all_ways(const char *s, size_t len, outcome_t *whole)
{
    outcome_t o = {0};
    decode(s, len, NULL, 0, 1, whole);
    for (size_t i = 0; i <= len; i++) {
        decode(s, len, &i, 1, 0, &o);
        assert_same(whole, &o);
    }
    size_t *cuts = xmalloc((len + 1) * sizeof *cuts);
    for (size_t i = 0; i < len; i++)
        cuts[i] = i;
    decode(s, len, cuts, len, 1, &o);
    assert_same(whole, &o);
    rng_state = 0x9e3779b97f4a7c15ULL ^ len;
    for (int round = 0; round < 8; round++) {
        size_t n = 0, at = 0;
        while ((at += 1 + rng() % (round < 4 ? 7 : 300)) < len)
            cuts[n++] = at;
        decode(s, len, cuts, n, 1, &o);
        assert_same(whole, &o);
    }
    free(cuts);
    outcome_free(&o);
}

/* ---- fixtures ---- */

/* A file under tests/unit/data/chunked, found next to this source file. */
static char *read_data_file(const char *name, size_t *len)
{
    const char *here = __FILE__, *slash = strrchr(here, '/');
    buf_t path = BUF_INIT;
    buf_printf(&path, "%.*sdata/chunked/%s", slash ? (int)(slash - here + 1) : 0, here, name);
    FILE *f = fopen(path.p, "rb");
    if (!f) fail_msg("cannot open %s", path.p);
    buf_t b = BUF_INIT;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    buf_free(&path);
    *len = b.len;
    return buf_take(&b);
}

/* Undo HTTP/1.1 chunking (sizes, chunk extensions ignored, no trailers): what
 * the http layer hands on. 0 on success, -1 if malformed. */
static int http_unchunk(const char *s, size_t len, buf_t *out)
{
    size_t i = 0;
    for (;;) {
        char *end;
        unsigned long size = strtoul(s + i, &end, 16);
        if (end == s + i) return -1;
        const char *crlf = memmem(end, len - (size_t)(end - s), "\r\n", 2);
        if (!crlf) return -1;
        i = (size_t)(crlf - s) + 2;
        if (size == 0) return len - i == 2 && memcmp(s + i, "\r\n", 2) == 0 ? 0 : -1;
        if (len - i < size + 2 || memcmp(s + i + size, "\r\n", 2) != 0) return -1;
        buf_append(out, s + i, size);
        i += size + 2;
    }
}

/* The aws-chunked body of a captured request: after the head, without HTTP
 * chunking; Content-Length, when present, must match (the file is complete). */
static void fixture_body(const char *name, buf_t *body)
{
    size_t len;
    char *raw = read_data_file(name, &len);
    const char *sep = memmem(raw, len, "\r\n\r\n", 4);
    assert_non_null(sep);
    char *head = xstrndup(raw, (size_t)(sep - raw) + 2);
    const char *s = sep + 4;
    size_t n = len - (size_t)(s - raw);
    const char *cl = strcasestr(head, "\r\ncontent-length:");
    if (cl) assert_int_equal(strtoull(cl + 17, NULL, 10), n);
    buf_reset(body);
    if (strcasestr(head, "\r\ntransfer-encoding: chunked\r\n")) {
        assert_int_equal(http_unchunk(s, n, body), 0);
    } else {
        buf_append(body, s, n);
    }
    free(head);
    free(raw);
}

typedef struct fixture {
    const char *file;
    const char *unit; /* the payload is unit repeated */
    size_t unit_len, repeat;
    const char *events;
} fixture_t;

#define HELLO "hello fakes3\n"

static const fixture_t fixtures[] = {
    {"js-03-put-small-stream.http", HELLO, 13, 1,
     "chunk 13 -\n"
     "chunk 0 -\n"
     "trailer x-amz-checksum-crc32=ixEm4Q==\n"},
    {"minio-03-put-small.http", HELLO, 13, 1,
     "chunk 13 7c395f38a71a6a8867be21ac518a6792382063772dbe8735c4a7043298e3dd0e\n"
     "chunk 0 762664299338364e7ed0afc2b3f821ebf08333727ac759b082bab31d81063628\n"},
    {"minio-29-trailing-upload-part.http", "\x78\xaa\x02\x7a\xdd\x5c\xf9\xe7\xc2\xed\xa2\xf6\xc6",
     13, 1,
     "chunk 13 0d0ec4b987c7db68e9a4875bb99483853cec6249366eab4521e56501d88eb3f4\n"
     "chunk 0 ff4253aa1465f192cb6951b86203eb35172618a843623f7252e60ae1f3fa6d64\n"
     "trailer x-amz-checksum-crc32c=v+bXww==\n"
     "trailer x-amz-trailer-signature="
     "c1e29c740b388857b3a001efaf9107311d2cf62cf890978ad99c6893fda29d30\n"},
    {"synthetic-01-aws-doc-example.http", "a", 1, 66560,
     "chunk 65536 ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\n"
     "chunk 1024 0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\n"
     "chunk 0 b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\n"},
    {"synthetic-02-chunk-signed.http", HELLO, 13, 6000,
     "chunk 65536 f379571bb541a427ce45b82b5b808e6e085d7030eba891e43165b37556b80451\n"
     "chunk 12464 f9ad16ccb3d80044e5a217a7ebd02cdd48ea5ada4f8297ee0bfcd48c85d712af\n"
     "chunk 0 27ea6e37ab8fbe3b6499cc15ce05a005864dea6a1051dcf1a43e52cfced09531\n"},
    {"synthetic-03-chunk-signed-trailer.http", HELLO, 13, 1,
     "chunk 13 42a866dde61307e3861f2079580645c5a7eb452dd01eeb4bd914acd460bc02d9\n"
     "chunk 0 05554ff6b754d890e06e5428bea4c2da051ade66e2ae11817154c46b5f711468\n"
     "trailer x-amz-checksum-crc32=ixEm4Q==\n"
     "trailer x-amz-trailer-signature="
     "cb383ebdd896e61b3b24d1ac076d98e1d1ae59de6671651ed540a1d57bcd6c45\n"},
};

static void test_http_unchunk_helper(void **state)
{
    (void)state;
    buf_t out = BUF_INIT;
    static const char good[] = "3\r\nabc\r\n1;x=y\r\nd\r\n0\r\n\r\n";
    static const char longer[] = "3\r\nabcd\r\n0\r\n\r\n", cut[] = "3\r\nabc\r\n0\r\n";
    assert_int_equal(http_unchunk(good, sizeof good - 1, &out), 0);
    assert_string_equal(out.p, "abcd");
    buf_reset(&out);
    assert_int_equal(http_unchunk(longer, sizeof longer - 1, &out), -1);
    assert_int_equal(http_unchunk(cut, sizeof cut - 1, &out), -1);
    buf_free(&out);
}

static void test_fixtures_decode(void **state)
{
    (void)state;
    buf_t body = BUF_INIT, want = BUF_INIT;
    outcome_t o = {0};
    for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
        const fixture_t *fx = &fixtures[f];
        fixture_body(fx->file, &body);
        buf_reset(&want);
        for (size_t i = 0; i < fx->repeat; i++)
            buf_append(&want, fx->unit, fx->unit_len);
        decode_all_ways(body.p, body.len, &o);
        assert_int_equal(o.feed_rc, 0);
        assert_int_equal(o.finish_rc, 0);
        assert_int_equal(o.decoded, want.len);
        assert_int_equal(o.data.len, want.len);
        assert_memory_equal(o.data.p, want.p, want.len);
        assert_string_equal(o.events.p, fx->events);
    }
    outcome_free(&o);
    buf_free(&want);
    buf_free(&body);
}

/* Every strict prefix of a complete body is accepted by feed and refused by finish. */
static void test_fixtures_truncated(void **state)
{
    (void)state;
    buf_t body = BUF_INIT;
    outcome_t o = {0};
    for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
        fixture_body(fixtures[f].file, &body);
        for (size_t i = 0; i < body.len; i++) {
            decode(body.p, i, NULL, 0, 0, &o);
            assert_int_equal(o.feed_rc, 0);
            assert_int_equal(o.finish_rc, CHUNKED_EINCOMPLETE);
            assert_null(o.errmsg);
        }
    }
    outcome_free(&o);
    buf_free(&body);
}

/* Anything after a complete body is refused, even one byte, even in its own feed. */
static void test_fixtures_garbage_after_end(void **state)
{
    (void)state;
    buf_t body = BUF_INIT;
    outcome_t o = {0};
    for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
        fixture_body(fixtures[f].file, &body);
        size_t len = body.len;
        buf_putc(&body, '\r');
        decode_all_ways(body.p, body.len, &o);
        assert_int_equal(o.feed_rc, CHUNKED_EBADFORMAT);
        assert_string_equal(o.errmsg, "data after the end of the body");
        assert_int_equal(o.decoded, fixtures[f].unit_len * fixtures[f].repeat);
        assert_int_equal(len + 1, body.len);
    }
    outcome_free(&o);
    buf_free(&body);
}

/* ---- table-driven cases ---- */

typedef struct good_case {
    const char *in; /* NUL-terminated */
    const char *payload;
    const char *events;
} good_case_t;

static const good_case_t good_cases[] = {
    {"0\r\n\r\n", "", "chunk 0 -\n"},
    {"A\r\n0123456789\r\n0\r\n\r\n", "0123456789", "chunk 10 -\nchunk 0 -\n"},
    {"a\r\n0123456789\r\n0\r\n\r\n", "0123456789", "chunk 10 -\nchunk 0 -\n"},
    {"00003\r\nabc\r\n000\r\n\r\n", "abc", "chunk 3 -\nchunk 0 -\n"},
    /* A signature belongs to its own chunk only. */
    {"1;chunk-signature=ab\r\nx\r\n1\r\ny\r\n0\r\n\r\n", "xy",
     "chunk 1 ab\nchunk 1 -\nchunk 0 -\n"},
    {"1\r\n\n\r\n2\r\n\r\n\r\n0\r\n\r\n", "\n\r\n", "chunk 1 -\nchunk 2 -\nchunk 0 -\n"},
    /* Other extensions are skipped, blanks around ';' and '=' allowed, hex in any case. */
    {"3;foo=bar; chunk-signature = AbC123 ;baz\r\nabc\r\n0;Chunk-Signature=00\r\n\r\n", "abc",
     "chunk 3 AbC123\nchunk 0 00\n"},
    /* Trailer values lose blanks and minio-go's LF; a value may hold ':'. */
    {"0\r\nx-a:  v w \t\r\nx-b:c:d\r\nx-c:\r\n\r\n", "",
     "chunk 0 -\ntrailer x-a=v w\ntrailer x-b=c:d\ntrailer x-c=\n"},
    {"0\r\nx-a:1\n\r\nx-b:2\n\r\n\r\n", "", "chunk 0 -\ntrailer x-a=1\ntrailer x-b=2\n"},
    {"2;chunk-signature=ab\r\nhi\r\n0;chunk-signature=cd\r\nx-amz-checksum-crc32:AAAAAA==\n\r\n"
     "x-amz-trailer-signature:ef\r\n\r\n",
     "hi",
     "chunk 2 ab\nchunk 0 cd\ntrailer x-amz-checksum-crc32=AAAAAA==\n"
     "trailer x-amz-trailer-signature=ef\n"},
};

static void test_good_cases(void **state)
{
    (void)state;
    outcome_t o = {0};
    for (size_t c = 0; c < sizeof good_cases / sizeof *good_cases; c++) {
        const good_case_t *gc = &good_cases[c];
        decode_all_ways(gc->in, strlen(gc->in), &o);
        if (o.feed_rc || o.finish_rc) fail_msg("case %zu: %s", c, o.errmsg ? o.errmsg : "?");
        assert_int_equal(o.data.len, strlen(gc->payload));
        assert_memory_equal(o.data.p ? o.data.p : "", gc->payload, o.data.len);
        assert_string_equal(o.events.p, gc->events);
    }
    outcome_free(&o);
}

typedef struct bad_case {
    const char *in;
    int rc;          /* feed's error, or CHUNKED_EINCOMPLETE from finish */
    const char *why; /* chunked_error, NULL for EINCOMPLETE */
} bad_case_t;

#define BAD(in, why)                                                                               \
    {                                                                                              \
        in, CHUNKED_EBADFORMAT, why                                                                \
    }
#define SHORT(in)                                                                                  \
    {                                                                                              \
        in, CHUNKED_EINCOMPLETE, NULL                                                              \
    }
#define NOT_HEX "chunk size is not hex"
#define NO_CRLF "chunk data not followed by CRLF"
#define JUNK    "junk after chunk size"
#define SIG_HEX "chunk-signature is not hex"
#define CTL     "control character in trailer value"
#define SIG64   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const bad_case_t bad_cases[] = {
    SHORT(""),
    SHORT("3"),
    SHORT("3\r"),
    SHORT("3\r\nab"),
    SHORT("3\r\nabc\r"),
    SHORT("3\r\nabc\r\n"),
    SHORT("3\r\nabc\r\n0\r\n"),
    SHORT("3\r\nabc\r\n0\r\n\r"),
    SHORT("0\r\nx-a:b\r\n"),
    SHORT("0\r\nx-a:b\n\r\n"),
    SHORT("0;chunk-signature=" SIG64 "\r\n"),
    /* The largest size parses; the body just never gets there. */
    SHORT("ffffffffffffffff\r\nabc"),
    BAD("\r\n", NOT_HEX),
    BAD("g\r\n", NOT_HEX),
    BAD("-1\r\n", NOT_HEX),
    BAD(" 3\r\nabc\r\n0\r\n\r\n", NOT_HEX),
    BAD("0x3\r\nabc\r\n0\r\n\r\n", JUNK),
    BAD("1g\r\nx\r\n0\r\n\r\n", JUNK),
    BAD("3 x\r\nabc\r\n0\r\n\r\n", JUNK),
    BAD("3\rx\r\nabc\r\n0\r\n\r\n", JUNK),
    BAD("10000000000000000\r\n", "chunk size overflows"),
    BAD("fffffffffffffffff\r\n", "chunk size overflows"),
    BAD("3\nabc\n0\n\n", "LF without CR in chunk size line"),
    BAD("3\r\nabc\n0\r\n\r\n", NO_CRLF),
    BAD("3\r\nabc\rX0\r\n\r\n", NO_CRLF),
    BAD("3\r\nabc0\r\n\r\n", NO_CRLF),
    /* Data longer than declared. */
    BAD("3\r\nabcd\r\n0\r\n\r\n", NO_CRLF),
    BAD("3\r\nabcd\n0\r\n\r\n", NO_CRLF),
    /* Data shorter than declared: "abc\r\n" is taken as the 5 bytes. */
    BAD("5\r\nabc\r\n0\r\n\r\n", NO_CRLF),
    BAD("3;\r\nabc\r\n0\r\n\r\n", "empty chunk extension name"),
    BAD("3;=x\r\nabc\r\n0\r\n\r\n", "empty chunk extension name"),
    BAD("3;a=\r\nabc\r\n0\r\n\r\n", "empty chunk extension value"),
    BAD("3;chunk-signature\r\nabc\r\n0\r\n\r\n", "chunk-signature without a value"),
    BAD("3;chunk-signature=xyz\r\nabc\r\n0\r\n\r\n", SIG_HEX),
    BAD("3;chunk-signature=ab;chunk-signature=ab\r\nabc\r\n0\r\n\r\n", "two chunk signatures"),
    BAD("3;chunk-signature=" SIG64 SIG64 SIG64 SIG64 "0\r\nabc\r\n0\r\n\r\n",
        "chunk-signature too long"),
    BAD("0\r\nx-a\r\n\r\n", "trailer line without ':'"),
    BAD("0\r\n:v\r\n\r\n", "empty trailer name"),
    BAD("0\r\nx a:v\r\n\r\n", "bad trailer name"),
    BAD("0\r\nx-a:b\x01\r\n\r\n", CTL),
    BAD("0\r\nx-a:b\nc\r\n\r\n", CTL),
    BAD("0\r\nx-a:b\rc\r\n\r\n", CTL),
    BAD("0\r\nx-a:b\n\n\r\n\r\n", CTL),
    BAD("0\r\n\r\nX", "data after the end of the body"),
    BAD("0\r\n\r\n\r\n", "data after the end of the body"),
    BAD("3\r\nabc\r\n0\r\n\r\n0\r\n\r\n", "data after the end of the body"),
};

static void check_bad(const char *in, size_t len, int rc, const char *why, const char *label)
{
    outcome_t o = {0};
    decode_all_ways(in, len, &o);
    int got = o.feed_rc ? o.feed_rc : o.finish_rc;
    if (got != rc) fail_msg("%s: got %d (%s), want %d", label, got, o.errmsg, rc);
    if (rc == CHUNKED_EINCOMPLETE) {
        assert_int_equal(o.feed_rc, 0);
        assert_null(o.errmsg);
    } else if (!o.errmsg || strcmp(o.errmsg, why) != 0) {
        fail_msg("%s: error \"%s\", want \"%s\"", label, o.errmsg, why);
    }
    outcome_free(&o);
}

static void test_bad_cases(void **state)
{
    (void)state;
    char label[32];
    for (size_t c = 0; c < sizeof bad_cases / sizeof *bad_cases; c++) {
        snprintf(label, sizeof label, "bad case %zu", c);
        check_bad(bad_cases[c].in, strlen(bad_cases[c].in), bad_cases[c].rc, bad_cases[c].why,
                  label);
    }
}

/* A size line of exactly CHUNKED_LINE_MAX bytes (before CRLF) passes, one more fails. */
static void test_size_line_limit(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    outcome_t o = {0};
    for (int extra = 0; extra <= 1; extra++) {
        buf_reset(&b);
        buf_puts(&b, "3;x=");
        while (b.len < CHUNKED_LINE_MAX + (size_t)extra)
            buf_putc(&b, 'v');
        buf_puts(&b, "\r\nabc\r\n0\r\n\r\n");
        if (extra) {
            check_bad(b.p, b.len, CHUNKED_EBADFORMAT, "chunk size line too long", "size line");
        } else {
            decode_all_ways(b.p, b.len, &o);
            assert_int_equal(o.finish_rc, 0);
            assert_string_equal(o.events.p, "chunk 3 -\nchunk 0 -\n");
        }
    }
    outcome_free(&o);
    buf_free(&b);
}

/* The same for a trailer line and CHUNKED_TRAILER_LINE_MAX, minio-go's LF counted. */
static void test_trailer_line_limit(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    outcome_t o = {0};
    for (int extra = 0; extra <= 1; extra++) {
        buf_reset(&b);
        buf_puts(&b, "0\r\nx-a:");
        while (b.len - 3 < CHUNKED_TRAILER_LINE_MAX - 1 + (size_t)extra)
            buf_putc(&b, 'v');
        buf_puts(&b, "\n\r\n\r\n");
        if (extra) {
            check_bad(b.p, b.len, CHUNKED_EBADFORMAT, "trailer line too long", "trailer line");
        } else {
            decode_all_ways(b.p, b.len, &o);
            assert_int_equal(o.finish_rc, 0);
            assert_int_equal(o.events.len,
                             strlen("chunk 0 -\ntrailer x-a=\n") + CHUNKED_TRAILER_LINE_MAX - 5);
        }
    }
    outcome_free(&o);
    buf_free(&b);
}

/* CHUNKED_TRAILERS_MAX trailers pass, one more fails. */
static void test_trailer_count_limit(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    outcome_t o = {0};
    for (int extra = 0; extra <= 1; extra++) {
        buf_reset(&b);
        buf_puts(&b, "0\r\n");
        for (int i = 0; i < CHUNKED_TRAILERS_MAX + extra; i++)
            buf_printf(&b, "x-%d:%d\r\n", i, i);
        buf_puts(&b, "\r\n");
        if (extra) {
            check_bad(b.p, b.len, CHUNKED_EBADFORMAT, "too many trailers", "trailers");
        } else {
            decode_all_ways(b.p, b.len, &o);
            assert_int_equal(o.finish_rc, 0);
        }
    }
    outcome_free(&o);
    buf_free(&b);
}

/* An endless line is refused as soon as it passes the limit, not buffered. */
static void test_endless_line_refused_early(void **state)
{
    (void)state;
    static const struct {
        const char *start;
        size_t max;
    } cases[] = {{"1;x=", CHUNKED_LINE_MAX}, {"0\r\nx-a:", CHUNKED_TRAILER_LINE_MAX}};
    for (size_t c = 0; c < 2; c++) {
        chunked_t d;
        chunked_init(&d, NULL, NULL);
        size_t start = strlen(cases[c].start);
        assert_int_equal(chunked_feed(&d, cases[c].start, start), 0);
        size_t line = start - (c ? 3 : 0), fed = 0;
        int rc = 0;
        while (!rc && fed < 100000) {
            rc = chunked_feed(&d, "v", 1);
            fed++;
        }
        assert_int_equal(rc, CHUNKED_EBADFORMAT);
        /* max bytes and a possible CR are held; the byte after that is refused. */
        assert_int_equal(line + fed, cases[c].max + 2);
        /* One big piece is refused just the same. */
        char *big = xmalloc(1 << 20);
        memset(big, 'v', 1 << 20);
        chunked_init(&d, NULL, NULL);
        assert_int_equal(chunked_feed(&d, cases[c].start, start), 0);
        assert_int_equal(chunked_feed(&d, big, 1 << 20), CHUNKED_EBADFORMAT);
        free(big);
    }
}

/* A callback's refusal comes back from feed as is, and sticks. */
static void test_callback_errors(void **state)
{
    (void)state;
    static const char in[] = "3;chunk-signature=ab\r\nabc\r\n0\r\nx-a:b\r\n\r\n";
    for (int which = 0; which < 3; which++) {
        outcome_t o = {0};
        rec_t r = {.out = &o, .lo = in, .hi = in + sizeof in - 1};
        int want = which == 0 ? -42 : which == 1 ? 7 : -1000;
        if (which == 0) r.data_rc = want;
        if (which == 1) r.chunk_rc = want;
        if (which == 2) r.trailer_rc = want;
        chunked_t d;
        chunked_init(&d, &recording_cb, &r);
        assert_int_equal(chunked_feed(&d, in, sizeof in - 1), want);
        assert_non_null(chunked_error(&d));
        assert_int_equal(chunked_feed(&d, "", 0), want);
        assert_int_equal(chunked_feed(&d, "0\r\n\r\n", 5), want);
        assert_int_equal(chunked_finish(&d), want);
        /* Nothing is reported after the refusal. */
        const char *after = which == 0 ? "" : which == 1 ? "chunk 3 ab\n" : "trailer x-a=b\n";
        size_t alen = strlen(after);
        assert_true(o.events.len >= alen);
        if (alen) assert_memory_equal(o.events.p + o.events.len - alen, after, alen);
        outcome_free(&o);
    }
}

/* No callbacks at all is fine; the payload is still counted. */
static void test_no_callbacks(void **state)
{
    (void)state;
    chunked_t d;
    chunked_init(&d, NULL, NULL);
    static const char in[] = "5\r\nhello\r\n0\r\nx:y\r\n\r\n", in2[] = "1\r\nx\r\n0\r\n\r\n";
    assert_int_equal(chunked_feed(&d, in, sizeof in - 1), 0);
    assert_int_equal(chunked_feed(&d, NULL, 0), 0);
    assert_int_equal(chunked_finish(&d), 0);
    assert_int_equal(chunked_decoded_len(&d), 5);
    assert_null(chunked_error(&d));
    chunked_cb_t none = {0};
    chunked_init(&d, &none, NULL);
    assert_int_equal(chunked_feed(&d, in2, sizeof in2 - 1), 0);
    assert_int_equal(chunked_finish(&d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_unchunk_helper),
        cmocka_unit_test(test_fixtures_decode),
        cmocka_unit_test(test_fixtures_truncated),
        cmocka_unit_test(test_fixtures_garbage_after_end),
        cmocka_unit_test(test_good_cases),
        cmocka_unit_test(test_bad_cases),
        cmocka_unit_test(test_size_line_limit),
        cmocka_unit_test(test_trailer_line_limit),
        cmocka_unit_test(test_trailer_count_limit),
        cmocka_unit_test(test_endless_line_refused_early),
        cmocka_unit_test(test_callback_errors),
        cmocka_unit_test(test_no_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
