#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/cond.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The object: ETag "abc", modified Sun, 06 Nov 1994 08:49:37 GMT (+ 500 ms). */
#define ETAG   "abc"
#define MTIME  (784111777000LL + 500)
#define BEFORE "Sun, 06 Nov 1994 08:49:36 GMT"
#define AT     "Sun, 06 Nov 1994 08:49:37 GMT"
#define AFTER  "Sun, 06 Nov 1994 08:49:38 GMT"

typedef struct cond_case {
    const char *im, *ius, *inm, *ims;
    cond_result_t want;
} cond_case_t;

static const cond_case_t cond_cases[] = {
    {NULL, NULL, NULL, NULL, COND_OK},
    {"\"abc\"", NULL, NULL, NULL, COND_OK},
    {"\"abd\"", NULL, NULL, NULL, COND_FAILED},
    {"*", NULL, NULL, NULL, COND_OK},
    {NULL, AT, NULL, NULL, COND_OK}, /* whole seconds: not modified since */
    {NULL, AFTER, NULL, NULL, COND_OK},
    {NULL, BEFORE, NULL, NULL, COND_FAILED},
    {NULL, "not a date", NULL, NULL, COND_OK}, /* unparsable dates are ignored */
    {NULL, NULL, "\"abc\"", NULL, COND_NOT_MODIFIED},
    {NULL, NULL, "\"abd\"", NULL, COND_OK},
    {NULL, NULL, "*", NULL, COND_NOT_MODIFIED},
    {NULL, NULL, NULL, AT, COND_NOT_MODIFIED},
    {NULL, NULL, NULL, AFTER, COND_NOT_MODIFIED},
    {NULL, NULL, NULL, BEFORE, COND_OK},
    {NULL, NULL, NULL, "garbage", COND_OK},
    /* S3's precedence: If-Match true beats If-Unmodified-Since false... */
    {"\"abc\"", BEFORE, NULL, NULL, COND_OK},
    /* ...and If-None-Match false beats If-Modified-Since false. */
    {NULL, NULL, "\"abd\"", AFTER, COND_OK},
    {"\"abc\"", NULL, NULL, AT, COND_NOT_MODIFIED},
    {"\"abd\"", NULL, "\"abc\"", NULL, COND_FAILED}, /* 412 before 304 */
    {"\"abc\"", NULL, "\"abc\"", NULL, COND_NOT_MODIFIED},
    {NULL, BEFORE, NULL, AT, COND_FAILED},
};

static void test_cond_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cond_cases); i++) {
        const cond_case_t *c = &cond_cases[i];
        cond_result_t r = cond_eval(c->im, c->ius, c->inm, c->ims, ETAG, MTIME);
        if (r != c->want) fail_msg("case %zu: %d, want %d", i, r, c->want);
    }
}

typedef struct etag_case {
    const char *list;
    int match;
} etag_case_t;

static const etag_case_t etag_cases[] = {
    {"\"abc\"", 1},
    {"abc", 1},
    {"W/\"abc\"", 1},
    {"*", 1},
    {" \"abc\" ", 1},
    {"\"x\", \"abc\"", 1},
    {"\"x\",\"abc\",\"y\"", 1},
    {",,\"abc\"", 1},
    {"\t\"abc\"\t", 1},
    {"\"abcd\"", 0},
    {"\"ab\"", 0},
    {"\"ABC\"", 0},
    {"\"a bc\"", 0},
    {"", 0},
    {",", 0},
    {"\"\"", 0},
    {"\"", 0},
    {"W/", 0},
    {"**", 0},
    {"\"*\"", 1},
};

static void test_etag_list_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(etag_cases); i++) {
        int m = cond_etag_matches(etag_cases[i].list, ETAG);
        if (m != etag_cases[i].match)
            fail_msg("case %zu (%s): %d, want %d", i, etag_cases[i].list, m, etag_cases[i].match);
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Every prefix of every list: no read past it. */
static void test_etag_list_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(etag_cases); i++) {
        for (size_t n = 0; n <= strlen(etag_cases[i].list); n++) {
            char *l = dup_n(etag_cases[i].list, n);
            int m = cond_etag_matches(l, ETAG);
            assert_true(m == 0 || m == 1);
            free(l);
        }
    }
}

typedef struct date_case {
    const char *s;
    int rc;
    int64_t ms;
} date_case_t;

static const date_case_t date_cases[] = {
    {"Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777000LL},  /* RFC 1123 */
    {"Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777000LL}, /* RFC 850 */
    {"Sun Nov  6 08:49:37 1994", 0, 784111777000LL},       /* asctime */
    {"Sun, 06 Nov 1994 08:49:37 +0000", 0, 784111777000LL},
    {"Thu, 01 Jan 1970 00:00:00 GMT", 0, 0},
    {"Fri, 31 Dec 9999 23:59:59 GMT", 0, 253402300799000LL},
    {"Sun, 06 Nov 1994 08:49:37 GMT junk", -1, 0},
    {"Sun, 06 Nov 1994 08:49:37 PST", -1, 0},
    {"Sun, 06 Foo 1994 08:49:37 GMT", -1, 0},
    {"1994-11-06T08:49:37Z", -1, 0},
    {"", -1, 0},
};

static void test_http_date_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(date_cases); i++) {
        const date_case_t *c = &date_cases[i];
        int64_t ms = -1;
        int rc = util_parse_http_date(c->s, &ms);
        if (rc != c->rc) fail_msg("case %zu (%s): rc %d, want %d", i, c->s, rc, c->rc);
        if (rc == 0) {
            assert_int_equal(ms, c->ms);
            /* What we print parses back to the same instant. */
            char out[30];
            util_http_date(ms, out);
            int64_t again = -1;
            assert_int_equal(util_parse_http_date(out, &again), 0);
            assert_int_equal(again, ms);
        }
        for (size_t n = 0; n <= strlen(c->s); n++) {
            char *p = dup_n(c->s, n);
            int64_t t;
            if (util_parse_http_date(p, &t) == 0) assert_int_equal(t % 1000, 0);
            free(p);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cond_table),
        cmocka_unit_test(test_etag_list_table),
        cmocka_unit_test(test_etag_list_every_prefix),
        cmocka_unit_test(test_http_date_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
