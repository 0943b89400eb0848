#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"

static void test_append_and_printf(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.p));
    assert_memory_equal(b.p, "0,1,2,", 6);
    buf_reset(&b);
    buf_printf(&b, "%s", "x");
    assert_string_equal(b.p, "x");
    /* A formatted string longer than the stack scratch space. */
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, 1 + 1 + 599 + 1);
    buf_free(&b);
}

static void test_xml_escape(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    const char in[] = "a&b<c>\"d'\x01";
    buf_xml(&b, in, sizeof in - 1);
    assert_string_equal(b.p, "a&amp;b&lt;c&gt;&quot;d&apos;&#x1;");
    buf_free(&b);
}

static void test_urlenc(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_urlenc(&b, "a b/c+d~\xc3\xa9", 10, 1);
    assert_string_equal(b.p, "a%20b/c%2Bd~%C3%A9");
    buf_reset(&b);
    buf_urlenc(&b, "a/b", 3, 0);
    assert_string_equal(b.p, "a%2Fb");
    buf_free(&b);
}

static void test_urldec(void **state)
{
    (void)state;
    size_t n;
    char *s = util_urldec("a%20b+c%2f", 10, 0, &n);
    assert_string_equal(s, "a b+c/");
    free(s);
    s = util_urldec("a+b", 3, 1, &n);
    assert_string_equal(s, "a b");
    free(s);
    assert_null(util_urldec("bad%2", 5, 0, &n));
    assert_null(util_urldec("bad%zz", 6, 0, &n));
    assert_null(util_urldec("%", 1, 0, &n));
    s = util_urldec("%00x", 4, 0, &n);
    assert_int_equal(n, 2);
    free(s);
}

static void test_dates(void **state)
{
    (void)state;
    char h[30], iso[25];
    util_http_date(1795483068123LL, h);
    util_iso_date(1795483068123LL, iso);
    assert_string_equal(h, "Tue, 24 Nov 2026 01:17:48 GMT");
    assert_string_equal(iso, "2026-11-24T01:17:48.123Z");
    int64_t ms;
    assert_int_equal(util_parse_http_date(h, &ms), 0);
    assert_int_equal(ms, 1795483068000LL);
    assert_int_equal(util_parse_http_date("Tuesday, 24-Nov-26 01:17:48 GMT", &ms), 0);
    assert_int_equal(ms, 1795483068000LL);
    assert_int_equal(util_parse_http_date("yesterday", &ms), -1);
}

static void test_hex_base64(void **state)
{
    (void)state;
    unsigned char raw[] = {0x00, 0xff, 0x10, 0xab};
    char hex[9], b64[9];
    util_hex(raw, 4, hex);
    assert_string_equal(hex, "00ff10ab");
    unsigned char back[4];
    assert_int_equal(util_unhex(hex, 4, back), 0);
    assert_memory_equal(back, raw, 4);
    assert_int_equal(util_unhex("zz", 1, back), -1);
    util_base64(raw, 4, b64);
    assert_string_equal(b64, "AP8Qqw==");
    unsigned char dec[16];
    size_t n = sizeof dec;
    assert_int_equal(util_unbase64(b64, strlen(b64), dec, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(dec, raw, 4);
    n = 2;
    assert_int_equal(util_unbase64(b64, strlen(b64), dec, &n), -1);
    n = sizeof dec;
    assert_int_equal(util_unbase64("!!!!", 4, dec, &n), -1);
}

/* The store's lists (retired blobs, pins, connections) grew by one element
 * per realloc: deleting a 10,000-part object made 10,000 reallocations, each
 * possibly copying the whole array. xgrow doubles. */
static void test_xgrow_one_at_a_time_reallocates_log_n_times(void **state)
{
    (void)state;
    size_t cap = 0, changes = 0;
    int *v = NULL;
    for (size_t n = 0; n < 100000; n++) {
        size_t before = cap;
        v = xgrow(v, &cap, n + 1, sizeof *v);
        assert_true(cap >= n + 1);
        if (cap != before) {
            changes++;
            assert_true(before == 0 || cap >= 2 * before);
        }
        v[n] = (int)n;
    }
    assert_true(changes <= 17); /* 4 << 15 > 100000 */
    for (size_t n = 0; n < 100000; n++)
        assert_int_equal(v[n], (int)n);
    /* Room already there: nothing changes. */
    int *same = xgrow(v, &cap, 10, sizeof *v);
    assert_ptr_equal(same, v);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_printf),
        cmocka_unit_test(test_xgrow_one_at_a_time_reallocates_log_n_times),
        cmocka_unit_test(test_xml_escape),
        cmocka_unit_test(test_urlenc),
        cmocka_unit_test(test_urldec),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_hex_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
