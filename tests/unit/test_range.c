#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/range.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define UNSET    0xdeadbeefULL

typedef struct range_case {
    const char *h;
    uint64_t size;
    int rc; /* 1 served, 0 ignored (whole object), -1 unsatisfiable */
    uint64_t from, to;
} range_case_t;

static const range_case_t range_cases[] = {
    {"bytes=0-0", 10, 1, 0, 0},
    {"bytes=0-9", 10, 1, 0, 9},
    {"bytes=2-5", 10, 1, 2, 5},
    {"bytes=5-", 10, 1, 5, 9},
    {"bytes=9-", 10, 1, 9, 9},
    {"bytes=0-99", 10, 1, 0, 9}, /* last byte past the end: clipped */
    {"bytes=3-18446744073709551615", 10, 1, 3, 9},
    {"bytes=-3", 10, 1, 7, 9}, /* suffix */
    {"bytes=-10", 10, 1, 0, 9},
    {"bytes=-11", 10, 1, 0, 9},  /* suffix longer than the object */
    {"bytes=10-", 10, -1, 0, 0}, /* first byte past the end */
    {"bytes=10-20", 10, -1, 0, 0},
    {"bytes=-0", 10, -1, 0, 0},
    {"bytes=0-", 0, -1, 0, 0}, /* nothing to serve of an empty object */
    {"bytes=-1", 0, -1, 0, 0},
    {"bytes=5-2", 10, 0, 0, 0},     /* last before first: ignored, as S3 does */
    {"bytes=0-1,3-4", 10, 0, 0, 0}, /* several ranges: the whole object */
    {"bytes=", 10, 0, 0, 0},
    {"bytes=-", 10, 0, 0, 0},
    {"bytes=a-b", 10, 0, 0, 0},
    {"bytes= 1-2", 10, 0, 0, 0},
    {"bytes=+1-2", 10, 0, 0, 0},
    {"bytes=1-+2", 10, 0, 0, 0},
    {"bytes=1-2x", 10, 0, 0, 0},
    {"bytes=--1", 10, 0, 0, 0},
    {"bytes=18446744073709551616-", 10, 0, 0, 0}, /* overflow: ignored */
    {"bytes=-18446744073709551616", 10, 0, 0, 0},
    {"Bytes=0-1", 10, 0, 0, 0},
    {"items=0-1", 10, 0, 0, 0},
    {"", 10, 0, 0, 0},
};

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1); /* exactly n bytes and the NUL: ASan sees any overread */
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void test_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(range_cases); i++) {
        const range_case_t *c = &range_cases[i];
        uint64_t from = UNSET, to = UNSET;
        int rc = range_parse(c->h, c->size, &from, &to);
        if (rc != c->rc)
            fail_msg("case %zu (%s/%llu): rc %d, want %d", i, c->h, (unsigned long long)c->size, rc,
                     c->rc);
        if (rc == 1) {
            assert_int_equal(from, c->from);
            assert_int_equal(to, c->to);
        } else {
            assert_int_equal(from, UNSET);
            assert_int_equal(to, UNSET);
        }
    }
}

/* Every prefix of every case: no read past it, and what is served lies within the object. */
static void test_range_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(range_cases); i++) {
        const range_case_t *c = &range_cases[i];
        for (size_t n = 0; n <= strlen(c->h); n++) {
            char *h = dup_n(c->h, n);
            for (uint64_t size = 0; size < 12; size++) {
                uint64_t from = UNSET, to = UNSET;
                int rc = range_parse(h, size, &from, &to);
                assert_true(rc >= -1 && rc <= 1);
                if (rc == 1) {
                    assert_true(from <= to);
                    assert_true(to < size);
                }
                from = to = UNSET;
                if (range_parse_copy(h, size, &from, &to) == 0) {
                    assert_true(from <= to);
                    assert_true(to < size);
                }
            }
            free(h);
        }
    }
}

typedef struct copy_case {
    const char *h;
    uint64_t size;
    int rc;
    uint64_t from, to;
} copy_case_t;

static const copy_case_t copy_cases[] = {
    {"bytes=0-0", 10, 0, 0, 0},   {"bytes=0-9", 10, 0, 0, 9},   {"bytes=3-7", 10, 0, 3, 7},
    {"bytes=0-10", 10, -1, 0, 0}, /* the last byte must exist: no clipping */
    {"bytes=5-4", 10, -1, 0, 0},  {"bytes=5-", 10, -1, 0, 0}, /* both ends required */
    {"bytes=-5", 10, -1, 0, 0},   {"bytes=0-1x", 10, -1, 0, 0}, {"bytes=0-1,2-3", 10, -1, 0, 0},
    {"bytes=0-0", 0, -1, 0, 0},   {"0-1", 10, -1, 0, 0},        {"", 10, -1, 0, 0},
};

static void test_copy_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(copy_cases); i++) {
        const copy_case_t *c = &copy_cases[i];
        uint64_t from = UNSET, to = UNSET;
        int rc = range_parse_copy(c->h, c->size, &from, &to);
        if (rc != c->rc) fail_msg("case %zu (%s): rc %d, want %d", i, c->h, rc, c->rc);
        assert_int_equal(from, rc == 0 ? c->from : UNSET);
        assert_int_equal(to, rc == 0 ? c->to : UNSET);
    }
}

/* sscanf's %llu took spaces and signs: "bytes=1- 2" copied bytes 1-2
 * (found by tests/fuzz/fuzz_range.c). Only "bytes=" digits "-" digits. */
static void test_copy_range_with_space_or_sign_is_refused(void **state)
{
    (void)state;
    const char *const bad[] = {"bytes=1- 2", "bytes= 1-2",  "bytes=+1-2", "bytes=1-+2",
                               "bytes=-0-5", "bytes=\t1-2", "bytes=1-2 "};
    for (size_t i = 0; i < NELEM(bad); i++) {
        uint64_t from = UNSET, to = UNSET;
        if (range_parse_copy(bad[i], 10, &from, &to) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(from, UNSET);
        assert_int_equal(to, UNSET);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_table),
        cmocka_unit_test(test_range_every_prefix),
        cmocka_unit_test(test_copy_range_table),
        cmocka_unit_test(test_copy_range_with_space_or_sign_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
