/* The shaped body reader: cuts, resets after the head, pacing. */
#include "unit.h"

#include <microhttpd.h>
#include <string.h>

#include "http/shape.h"
#include "lib/util.h"

/* A source of len bytes: byte i is i mod 251. */
static ssize_t src(void *ctx, uint64_t pos, char *out, size_t max)
{
    uint64_t len = *(uint64_t *)ctx;
    if (pos >= len) return 0;
    if (max > len - pos) max = (size_t)(len - pos);
    for (size_t i = 0; i < max; i++)
        out[i] = (char)((pos + i) % 251);
    return (ssize_t)max;
}

/* Read everything as libmicrohttpd would; the bytes produced, *last the final return. */
static uint64_t drain(http_shaper_t *sh, size_t max, ssize_t *last)
{
    char buf[4096];
    uint64_t pos = 0;
    for (;;) {
        ssize_t n = http_shaper_read(sh, pos, buf, max);
        if (n <= 0 || n == MHD_CONTENT_READER_END_OF_STREAM ||
            n == MHD_CONTENT_READER_END_WITH_ERROR) {
            *last = n;
            return pos;
        }
        for (ssize_t i = 0; i < n; i++)
            assert_int_equal((unsigned char)buf[i], (pos + (uint64_t)i) % 251);
        pos += (uint64_t)n;
    }
}

static void test_whole_body_unshaped(void **state)
{
    (void)state;
    uint64_t len = 10000;
    http_shape_t s = {.truncate_after = -1};
    http_shaper_t *sh = http_shaper_new(&s, src, &len);
    ssize_t last;
    assert_int_equal(drain(sh, 4096, &last), 10000);
    assert_int_equal(last, MHD_CONTENT_READER_END_OF_STREAM);
    http_shaper_free(sh);
}

static void test_truncate(void **state)
{
    (void)state;
    uint64_t len = 10000;
    const int64_t cuts[] = {0, 1, 4095, 4096, 4097, 9999};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        http_shape_t s = {.truncate_after = cuts[i]};
        http_shaper_t *sh = http_shaper_new(&s, src, &len);
        ssize_t last;
        assert_int_equal(drain(sh, 4096, &last), (uint64_t)cuts[i]);
        assert_int_equal(last, MHD_CONTENT_READER_END_WITH_ERROR);
        http_shaper_free(sh);
    }
    /* At or past the end: the whole body, ended normally. */
    http_shape_t s = {.truncate_after = 10000};
    http_shaper_t *sh = http_shaper_new(&s, src, &len);
    ssize_t last;
    assert_int_equal(drain(sh, 4096, &last), 10000);
    assert_int_equal(last, MHD_CONTENT_READER_END_OF_STREAM);
    http_shaper_free(sh);
}

static void test_after_head(void **state)
{
    (void)state;
    uint64_t len = 10;
    http_shape_t s = {.after_head_reset = 1, .truncate_after = -1};
    http_shaper_t *sh = http_shaper_new(&s, src, &len);
    ssize_t last;
    assert_int_equal(drain(sh, 4096, &last), 0);
    assert_int_equal(last, MHD_CONTENT_READER_END_WITH_ERROR);
    http_shaper_free(sh);
}

static void test_rate_is_a_lower_bound(void **state)
{
    (void)state;
    uint64_t len = 300;
    http_shape_t s = {.truncate_after = -1, .rate_bps = 1000};
    http_shaper_t *sh = http_shaper_new(&s, src, &len);
    ssize_t last;
    int64_t t0 = util_mono_us();
    assert_int_equal(drain(sh, 4096, &last), 300);
    assert_true(util_mono_us() - t0 >= 300 * 1000); /* 300 bytes at 1000 bytes/s */
    http_shaper_free(sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_body_unshaped),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_after_head),
        cmocka_unit_test(test_rate_is_a_lower_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
