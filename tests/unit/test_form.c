#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/form.h"

/* Every body is read whole, split in two at every point and one byte at a time;
 * all must give the same trace of events and the same results. */

typedef struct outcome {
    int feed_rc, finish_rc;
    buf_t trace; /* "field <name>=<value>\n", "begin <filename>|<type>\n", "end\n" */
    buf_t file;
    int stop_at_begin; /* a callback that refuses */
    int ndata;         /* file_data calls */
} outcome_t;

static int on_field(void *ctx, const char *name, const char *value, size_t n)
{
    outcome_t *o = ctx;
    assert_int_equal(value[n], '\0');
    buf_printf(&o->trace, "field %s=", name);
    buf_append(&o->trace, value, n);
    buf_putc(&o->trace, '\n');
    return 0;
}

static int on_begin(void *ctx, const char *filename, const char *ctype)
{
    outcome_t *o = ctx;
    buf_printf(&o->trace, "begin %s|%s\n", filename ? filename : "(none)", ctype);
    return o->stop_at_begin;
}

static int on_data(void *ctx, const char *p, size_t n)
{
    outcome_t *o = ctx;
    assert_true(n > 0);
    buf_append(&o->file, p, n);
    o->ndata++;
    return 0;
}

static int on_end(void *ctx)
{
    outcome_t *o = ctx;
    buf_puts(&o->trace, "end\n");
    return 0;
}

static const form_cb_t cbs = {on_field, on_begin, on_data, on_end};

/* Read body fed in pieces cut at the sorted offsets cuts[0..ncut). */
static void run(const char *boundary, const char *body, size_t n, const size_t *cuts, size_t ncut,
                size_t max_fields, outcome_t *o)
{
    memset(o, 0, sizeof *o);
    form_t f;
    form_init(&f, boundary, max_fields, &cbs, o);
    size_t at = 0;
    for (size_t i = 0; i <= ncut; i++) {
        size_t end = i < ncut ? cuts[i] : n;
        /* Each piece in its own block, so ASan sees a read past it. */
        char *piece = malloc(end - at + 1);
        memcpy(piece, body + at, end - at);
        int rc = form_feed(&f, piece, end - at);
        free(piece);
        if (rc && !o->feed_rc) o->feed_rc = rc;
        at = end;
    }
    o->finish_rc = form_finish(&f);
    form_free(&f);
}

static void outcome_free(outcome_t *o)
{
    buf_free(&o->trace);
    buf_free(&o->file);
}

static const char *s(const buf_t *b)
{
    return b->p ? b->p : "";
}

/* o came out as want did; o is freed. */
static void expect_same(outcome_t *o, const outcome_t *want)
{
    assert_int_equal(o->feed_rc, want->feed_rc);
    assert_int_equal(o->finish_rc, want->finish_rc);
    assert_string_equal(s(&o->trace), s(&want->trace));
    assert_int_equal(o->file.len, want->file.len);
    if (o->file.len) assert_memory_equal(o->file.p, want->file.p, o->file.len);
    outcome_free(o);
}

/* Whole, every split in two, byte by byte: the same outcome each time, which
 * is returned in want. */
static void check_splits(const char *boundary, const char *body, size_t n, size_t max_fields,
                         outcome_t *want)
{
    run(boundary, body, n, NULL, 0, max_fields, want);
    for (size_t cut = 0; cut <= n; cut++) {
        outcome_t o;
        run(boundary, body, n, &cut, 1, max_fields, &o);
        expect_same(&o, want);
    }
    size_t *cuts = malloc((n + 1) * sizeof *cuts);
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    outcome_t o;
    run(boundary, body, n, cuts, n ? n - 1 : 0, max_fields, &o);
    free(cuts);
    expect_same(&o, want);
}

/* body (sizeof - 1 bytes, read with boundary and FORM_MAX_FIELDS, every way
 * check_splits cuts it) finishes with finish_rc and the trace; and when file
 * is not NULL, the file is its file_len bytes. */
#define EXPECT_FORM(boundary, body, finish_rc, trace, file, file_len)                              \
    expect_form(boundary, body, sizeof body - 1, finish_rc, trace, file, file_len)

static void expect_form(const char *boundary, const char *body, size_t n, int finish_rc,
                        const char *trace, const char *file, size_t file_len)
{
    outcome_t o;
    check_splits(boundary, body, n, FORM_MAX_FIELDS, &o);
    assert_int_equal(o.finish_rc, finish_rc);
    assert_string_equal(s(&o.trace), trace);
    if (file) {
        assert_int_equal(o.file.len, file_len);
        if (file_len) assert_memory_equal(o.file.p, file, file_len);
    }
    outcome_free(&o);
}

#define B    "----WebKitFormBoundary7MA4YWxkTrZu0gW"
#define NEAR "----WebKitFormBoundary7MA4YWxkTrZu0gX" /* B with its last byte changed */

static void test_browser_form(void **state)
{
    (void)state;
    static const char body[] =
        "--" B "\r\n"
        "Content-Disposition: form-data; name=\"key\"\r\n\r\n"
        "uploads/${filename}\r\n"
        "--" B "\r\n"
        "Content-Disposition: form-data; name=\"x-amz-meta-tag\"\r\n\r\n"
        "a\r\nb--\r\n"
        "--" B "\r\n"
        "content-disposition: form-data; name=\"empty\"\r\n\r\n"
        "\r\n"
        "--" B "\r\n"
        "Content-Disposition: form-data; name=\"File\"; filename=\"a \\\"b\\\".txt\"\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "line\r\n--" NEAR "\r\n\r--\r\n-" B "-\r\r\n--" B "\r\n"
        "Content-Disposition: form-data; name=\"after\"\r\n\r\n"
        "ignored\r\n"
        "--" B "--\r\n";
    outcome_t o;
    check_splits(B, body, sizeof body - 1, FORM_MAX_FIELDS, &o);
    assert_int_equal(o.feed_rc, FORM_OK);
    assert_int_equal(o.finish_rc, FORM_OK);
    assert_string_equal(s(&o.trace), "field key=uploads/${filename}\n"
                                     "field x-amz-meta-tag=a\r\nb--\n"
                                     "field empty=\n"
                                     "begin a \"b\".txt|text/plain\n"
                                     "end\n");
    static const char file[] = "line\r\n--" NEAR "\r\n\r--\r\n-" B "-\r";
    assert_int_equal(o.file.len, sizeof file - 1);
    assert_memory_equal(o.file.p, file, sizeof file - 1);
    outcome_free(&o);
}

/* A boundary holding its own opening bytes ("\r\n--") makes the matcher fall
 * back part-way (KMP): such near-delimiters inside the file come out as sent. */
static void test_self_overlapping_boundary(void **state)
{
    (void)state;
    static const char body[] = "--x\r\n--x\r\n"
                               "Content-Disposition: form-data; name=file\r\n\r\n"
                               "\r\n--x\r\n--\r\n--x\r\n--y\r\n--x\r\n--x--";
    static const char file[] = "\r\n--x\r\n--\r\n--x\r\n--y";
    EXPECT_FORM("x\r\n--x", body, FORM_OK, "begin (none)|\nend\n", file, sizeof file - 1);
}

static void test_no_file(void **state)
{
    (void)state;
    static const char body[] = "--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
                               "k\r\n--xyz--";
    EXPECT_FORM("xyz", body, FORM_ENOFILE, "field key=k\n", NULL, 0);
}

static void test_empty_file(void **state)
{
    (void)state;
    static const char body[] = "--xyz\r\nContent-Disposition: form-data; name=\"file\"; "
                               "filename=\"\"\r\n\r\n\r\n--xyz--\r\n";
    EXPECT_FORM("xyz", body, FORM_OK, "begin |\nend\n", "", 0);
}

/* Cut short anywhere before the file's boundary: malformed, never a file. */
static void test_truncated(void **state)
{
    (void)state;
    static const char body[] = "--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
                               "k\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
                               "data\r\n--xyz";
    size_t n = sizeof body - 1;
    for (size_t len = 0; len < n; len++) {
        outcome_t o;
        check_splits("xyz", body, len, FORM_MAX_FIELDS, &o);
        assert_int_equal(o.finish_rc, FORM_EMALFORMED);
        assert_null(strstr(s(&o.trace), "end\n"));
        outcome_free(&o);
    }
    outcome_t o;
    check_splits("xyz", body, n, FORM_MAX_FIELDS, &o);
    assert_int_equal(o.finish_rc, FORM_OK);
    outcome_free(&o);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "--xyz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--xyz--", /* no name */
        "--xyz\r\n\r\nv\r\n--xyz--",                                   /* no headers */
        "--xyzx\r\n",                                                  /* bad line end */
        "--xyz-x",                                                     /* half a close */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        outcome_t o;
        check_splits("xyz", bodies[i], strlen(bodies[i]), FORM_MAX_FIELDS, &o);
        assert_int_equal(o.finish_rc, FORM_EMALFORMED);
        outcome_free(&o);
    }
}

/* Only a form-data part named file is the file: "file; name=file" is a field. */
static void test_file_part_must_be_form_data(void **state)
{
    (void)state;
    static const char body[] = "--xyz\r\nContent-Disposition: file; name=\"file\"; filename=a\r\n"
                               "\r\nabc\r\n--xyz\r\nContent-Disposition: form-datax; name=\"file\""
                               "\r\n\r\ndef\r\n--xyz--";
    EXPECT_FORM("xyz", body, FORM_ENOFILE, "field file=abc\nfield file=def\n", NULL, 0);
}

/* Names and values before the file count together against the bound. */
static void test_fields_too_big(void **state)
{
    (void)state;
    static const char body[] =
        "--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
        "0123456789\r\n--xyz\r\nContent-Disposition: form-data; name=\"ab\"\r\n"
        "\r\nxy\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n"
        "\r\nfile bytes do not count\r\n--xyz--";
    outcome_t o;
    check_splits("xyz", body, sizeof body - 1, 17, &o);
    assert_int_equal(o.finish_rc, FORM_OK);
    outcome_free(&o);
    check_splits("xyz", body, sizeof body - 1, 16, &o);
    assert_int_equal(o.feed_rc, FORM_ETOOBIG);
    assert_int_equal(o.finish_rc, FORM_ETOOBIG);
    assert_string_equal(s(&o.trace), "field key=0123456789\n");
    outcome_free(&o);
}

static void test_callback_stops(void **state)
{
    (void)state;
    static const char body[] = "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
                               "data\r\n--xyz--";
    outcome_t o;
    memset(&o, 0, sizeof o);
    o.stop_at_begin = 1;
    form_t f;
    form_init(&f, "xyz", FORM_MAX_FIELDS, &cbs, &o);
    assert_int_equal(form_feed(&f, body, sizeof body - 1), FORM_ECALLBACK);
    assert_int_equal(form_finish(&f), FORM_ECALLBACK);
    assert_int_equal(o.file.len, 0);
    form_free(&f);
    outcome_free(&o);
}

static void test_boundary_param(void **state)
{
    (void)state;
    char b[FORM_MAX_BOUNDARY + 1];
    assert_int_equal(form_boundary("multipart/form-data; boundary=abc", b), 0);
    assert_string_equal(b, "abc");
    assert_int_equal(form_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\"", b), 0);
    assert_string_equal(b, "a b;c");
    assert_int_equal(form_boundary("multipart/form-data; boundary=x ; charset=y", b), 0);
    assert_string_equal(b, "x");
    assert_int_equal(form_boundary("multipart/mixed; boundary=abc", b), -1);
    assert_int_equal(form_boundary("multipart/form-datax; boundary=abc", b), -1);
    assert_int_equal(form_boundary("multipart/form-data", b), -2);
    assert_int_equal(form_boundary("multipart/form-data; boundary=", b), -2);
    assert_int_equal(form_boundary("multipart/form-data; boundary=\"ab", b), -2);
    assert_int_equal(form_boundary("application/x-www-form-urlencoded", b), -1);
    assert_int_equal(form_boundary(NULL, b), -1);
    char longb[160];
    snprintf(longb, sizeof longb, "multipart/form-data; boundary=%071d", 0);
    assert_int_equal(form_boundary(longb, b), -2);
    snprintf(longb, sizeof longb, "multipart/form-data; boundary=%070d", 0);
    assert_int_equal(form_boundary(longb, b), 0);
}

/* A file full of CRs (every other byte, as binary data has one every 256)
 * once went to the store a few bytes per call, at each '\r': 16 s for a
 * 1 GiB POST against 7 s for a PUT. Each piece must go out in one call. */
static void test_file_bytes_go_out_one_call_per_piece(void **state)
{
    (void)state;
    buf_t body = BUF_INIT;
    buf_puts(&body, "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n");
    size_t head = body.len;
    for (int i = 0; i < 3 * 65536; i++)
        buf_putc(&body, i % 2 ? '\r' : (char)(i >> 8));
    size_t file_len = body.len - head;
    buf_puts(&body, "\r\n--xyz--\r\n");
    size_t cuts[] = {head, head + 65536, head + 2 * 65536};
    outcome_t o;
    run("xyz", body.p, body.len, cuts, 3, FORM_MAX_FIELDS, &o);
    assert_int_equal(o.finish_rc, FORM_OK);
    assert_int_equal(o.file.len, file_len);
    assert_memory_equal(o.file.p, body.p + head, file_len);
    /* Three 64 KiB pieces; the last '\r' of each is held until the next
     * piece shows it is data, and goes out from the delimiter's copy. */
    assert_true(o.ndata <= 6);
    outcome_free(&o);
    buf_free(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_browser_form),
        cmocka_unit_test(test_self_overlapping_boundary),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_fields_too_big),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_boundary_param),
        cmocka_unit_test(test_file_bytes_go_out_one_call_per_piece),
        cmocka_unit_test(test_file_part_must_be_form_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
