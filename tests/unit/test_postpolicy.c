#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/auth/postpolicy.h"

/* 2026-01-01T00:00:00Z */
#define NOW_MS 1767225600000LL

static s3_err_t parse_json(postpolicy_t *p, const char *json, buf_t *msg)
{
    size_t n = strlen(json);
    char *b64 = malloc(n / 3 * 4 + 8);
    util_base64((const unsigned char *)json, n, b64);
    s3_err_t e = postpolicy_parse(p, b64, strlen(b64), msg);
    free(b64);
    return e;
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"[1]", "Invalid Policy: Invalid JSON."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\"", "Invalid Policy: Invalid JSON."},
        {"{\"conditions\": []}", "Invalid Policy: Policy missing expiration."},
        {"{\"expiration\": 5, \"conditions\": []}",
         "Invalid Policy: Invalid 'expiration' value: '5'"},
        {"{\"expiration\": \"2026-13-01T00:00:00Z\", \"conditions\": []}",
         "Invalid Policy: Invalid 'expiration' value: '2026-13-01T00:00:00Z'"},
        {"{\"expiration\": \"2011-09-13T07:52:58+02:00\", \"conditions\": []}",
         "Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'"},
        {"{\"expiration\": \"2015-10-17 03:15:59 UTC\", \"conditions\": []}",
         "Invalid Policy: Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'"},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\"}",
         "Invalid Policy: Policy missing conditions."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": {}}",
         "Invalid Policy: Invalid 'conditions' value: must be a List."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": [[]]}",
         "Invalid Policy: Invalid Condition: missing operation identifier."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": [{\"Content-Length\": "
         "6199034}]}",
         "Invalid Policy: Invalid Simple-Condition: value must be a string."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": [{\"a\": null}]}",
         "Invalid Policy: Invalid JSON."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": [[\"content-length-range\", "
         "0, "
         "512.0]]}",
         "Invalid Policy: Invalid JSON."},
        {"{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": [{}]}",
         "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one "
         "property specified."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        postpolicy_t p;
        buf_t msg = BUF_INIT;
        assert_int_equal(parse_json(&p, cases[i].json, &msg), S3E_INVALID_POLICY_DOCUMENT);
        assert_string_equal(msg.p, cases[i].msg);
        postpolicy_free(&p);
        buf_free(&msg);
    }
    postpolicy_t p;
    buf_t msg = BUF_INIT;
    assert_int_equal(postpolicy_parse(&p, "e30=!", 5, &msg), S3E_INVALID_POLICY_DOCUMENT);
    assert_string_equal(msg.p, "Invalid Policy: invalid Base64 encoding.");
    postpolicy_free(&p);
    buf_free(&msg);
}

static s3_err_t check(const char *conds, const postpolicy_field_t *f, size_t n, int64_t now,
                      buf_t *msg)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"expiration\": \"2026-01-01T00:00:00.500Z\", \"conditions\": %s}", conds);
    postpolicy_t p;
    assert_int_equal(parse_json(&p, json, msg), S3E_NONE);
    s3_err_t e = postpolicy_check(&p, "bkt", f, n, now, msg);
    postpolicy_free(&p);
    return e;
}

static void test_conditions(void **state)
{
    (void)state;
    static const postpolicy_field_t form[] = {
        {"Key", "user/a.txt"},      {"Content-Type", "image/png, image/gif"},
        {"x-amz-meta-Tag", "V"},    {"policy", "..."},
        {"x-amz-signature", "..."}, {"AWSAccessKeyId", "..."},
        {"signature", "..."},       {"X-Ignore-me", "1"},
    };
    size_t n = sizeof form / sizeof *form;
    static const struct {
        const char *conds, *failed; /* NULL: accepted */
    } cases[] = {
        {"[{\"key\": \"user/a.txt\"}, [\"starts-with\", \"$content-type\", \"image/\"], "
         "{\"X-AMZ-META-TAG\": \"V\"}]",
         NULL},
        {"[[\"eq\", \"$key\", \"user/a.txt\"], [\"starts-with\", \"$Content-Type\", \"\"], "
         "[\"starts-with\", \"$x-amz-meta-tag\", \"\"], {\"bucket\": \"bkt\"}]",
         NULL},
        {"[[\"eq\", \"$key\", \"user/A.txt\"]]", "[\"eq\", \"$key\", \"user/A.txt\"]"},
        {"[{\"key\": \"user/a.txt\"}, [\"starts-with\", \"$content-type\", \"image/p\"]]",
         "[\"starts-with\", \"$content-type\", \"image/p\"]"},
        {"[{\"bucket\": \"other\"}]", "[\"eq\", \"$bucket\", \"other\"]"},
        {"[[\"eq\", \"key\", \"user/a.txt\"]]", "[\"eq\", \"key\", \"user/a.txt\"]"},
        {"[[\"eq\", \"$key\"]]", "[\"eq\", \"$key\"]"},
        {"[\"text\"]", "[\"text\"]"},
        {"[[\"EQ\", \"$key\", 5]]", "[\"EQ\", \"$key\", 5]"},
        /* a field the form lacks fails, even with starts-with "" */
        {"[[\"starts-with\", \"$x-amz-meta-absent\", \"\"]]",
         "[\"starts-with\", \"$x-amz-meta-absent\", \"\"]"},
        {"[{\"Content-Disposition\": \"filename=\\\"a.png\\\"\"}]",
         "[\"eq\", \"$Content-Disposition\", \"filename=\\\"a.png\\\"\"]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_t msg = BUF_INIT;
        s3_err_t e = check(cases[i].conds, form, n, NOW_MS, &msg);
        if (!cases[i].failed) {
            assert_int_equal(e, S3E_NONE);
        } else {
            char want[256];
            snprintf(want, sizeof want, "Invalid according to Policy: Policy Condition failed: %s",
                     cases[i].failed);
            assert_int_equal(e, S3E_ACCESS_DENIED);
            assert_string_equal(msg.p, want);
        }
        buf_free(&msg);
    }
}

static void test_extra_fields_and_expiry(void **state)
{
    (void)state;
    static const postpolicy_field_t form[] = {
        {"key", "k"}, {"zeta", "1"}, {"Alpha", "2"}, {"x-ignore-x", "3"}, {"File", "f"}};
    buf_t msg = BUF_INIT;
    assert_int_equal(check("[{\"key\": \"k\"}]", form, 5, NOW_MS, &msg), S3E_ACCESS_DENIED);
    assert_string_equal(msg.p, "Invalid according to Policy: Extra input fields: Alpha, zeta");
    buf_reset(&msg);
    assert_int_equal(check("[{\"key\": \"k\"}, {\"zeta\": \"1\"}, {\"alpha\": \"2\"}]", form, 5,
                           NOW_MS + 500, &msg),
                     S3E_NONE);
    assert_int_equal(check("[{\"key\": \"k\"}, {\"zeta\": \"1\"}, {\"alpha\": \"2\"}]", form, 5,
                           NOW_MS + 501, &msg),
                     S3E_ACCESS_DENIED);
    assert_string_equal(msg.p, "Invalid according to Policy: Policy expired.");
    buf_free(&msg);
}

static void test_content_length_range(void **state)
{
    (void)state;
    postpolicy_t p;
    buf_t msg = BUF_INIT, x = BUF_INIT;
    assert_int_equal(parse_json(&p,
                                "{\"expiration\": \"2026-01-01T00:00:00Z\", \"conditions\": "
                                "[[\"content-length-range\", 10, \"20\"]]}",
                                &msg),
                     S3E_NONE);
    assert_int_equal(postpolicy_check_size(&p, 10, &x), S3E_NONE);
    assert_int_equal(postpolicy_check_size(&p, 20, &x), S3E_NONE);
    assert_int_equal(postpolicy_check_size(&p, 9, &x), S3E_ENTITY_TOO_SMALL);
    assert_string_equal(x.p, "<ProposedSize>9</ProposedSize><MinSizeAllowed>10</MinSizeAllowed>");
    buf_reset(&x);
    assert_int_equal(postpolicy_check_size(&p, 21, &x), S3E_ENTITY_TOO_LARGE);
    assert_string_equal(x.p, "<ProposedSize>21</ProposedSize><MaxSizeAllowed>20</MaxSizeAllowed>");
    /* The range names no field: it covers none, and the field check skips it. */
    assert_int_equal(postpolicy_check(&p, "b", NULL, 0, NOW_MS - 1, &msg), S3E_NONE);
    postpolicy_free(&p);
    buf_free(&msg);
    buf_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_extra_fields_and_expiry),
        cmocka_unit_test(test_content_length_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
