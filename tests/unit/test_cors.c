/* cors: parsing and validating CORSConfiguration, the canonical form, and
 * matching a request against the rules. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/cors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DECL     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define OPEN     "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"

static int parse(const char *xml, cors_config_t *c, char *msg, size_t msglen)
{
    return cors_parse(xml, strlen(xml), c, msg, msglen);
}

static void test_parse_and_serialize(void **state)
{
    (void)state;
    static const char in[] =
        "<?xml version=\"1.0\"?>\n<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
        "2006-03-01/\">\n <CORSRule>\n  <MaxAgeSeconds> 3000 </MaxAgeSeconds>\n"
        "  <AllowedOrigin>https://a.example</AllowedOrigin><AllowedOrigin>*</AllowedOrigin>\n"
        "  <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>\n"
        "  <AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>\n"
        "  <ID>r&amp;1</ID>\n </CORSRule>\n <CORSRule><AllowedOrigin></AllowedOrigin>"
        "<AllowedMethod>HEAD</AllowedMethod></CORSRule>\n</CORSConfiguration>";
    cors_config_t c;
    char msg[256];
    assert_int_equal(parse(in, &c, msg, sizeof msg), CORS_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.rules[0].id, "r&1");
    assert_int_equal(c.rules[0].max_age, 3000);
    assert_int_equal(c.rules[0].origins.n, 2);
    assert_int_equal(c.rules[1].max_age, -1);
    assert_null(c.rules[1].id);
    assert_string_equal(c.rules[1].origins.v[0], "");
    buf_t b = BUF_INIT;
    cors_serialize(&c, &b);
    static const char want[] =
        DECL OPEN "<CORSRule><ID>r&amp;1</ID><AllowedHeader>x-amz-*</AllowedHeader>"
                  "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
                  "<AllowedOrigin>https://a.example</AllowedOrigin><AllowedOrigin>*</AllowedOrigin>"
                  "<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>"
                  "</CORSRule><CORSRule><AllowedMethod>HEAD</AllowedMethod>"
                  "<AllowedOrigin></AllowedOrigin></CORSRule></CORSConfiguration>";
    assert_string_equal(b.p, want);
    /* The canonical form reads back to itself. */
    cors_config_t c2;
    assert_int_equal(cors_parse(b.p, b.len, &c2, msg, sizeof msg), CORS_OK);
    buf_t b2 = BUF_INIT;
    cors_serialize(&c2, &b2);
    assert_string_equal(b2.p, want);
    buf_free(&b);
    buf_free(&b2);
    cors_free(&c);
    cors_free(&c2);
}

#define RULE_OM(o, m)                                                                              \
    "<CORSRule><AllowedOrigin>" o "</AllowedOrigin><AllowedMethod>" m "</AllowedMethod>"
#define CONF(rules) "<CORSConfiguration>" rules "</CORSConfiguration>"

static const struct {
    const char *xml;
    int rc;
    const char *msg;
} bad[] = {
    {"", CORS_EMALFORMED, ""},
    {"<CORSConfiguration/>", CORS_EMALFORMED, ""},
    {"<CORSConfiguration>", CORS_EMALFORMED, ""},
    {"<X>" RULE_OM("*", "GET") "</CORSRule></X>", CORS_EMALFORMED, ""},
    {CONF("<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>"), CORS_EMALFORMED, ""},
    {CONF("<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>"), CORS_EMALFORMED, ""},
    {CONF(RULE_OM("*", "GET") "<Bogus/></CORSRule>"), CORS_EMALFORMED, ""},
    {CONF(RULE_OM("*", "GET") "<MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>"), CORS_EMALFORMED, ""},
    {CONF(RULE_OM("*", "GET") "<MaxAgeSeconds>1e3</MaxAgeSeconds></CORSRule>"), CORS_EMALFORMED,
     ""},
    {CONF(RULE_OM("*", "GET") "<ExposeHeader>a&#10;b</ExposeHeader></CORSRule>"), CORS_EMALFORMED,
     ""},
    {CONF(RULE_OM("*", "get") "</CORSRule>"), CORS_EINVALID,
     "Found unsupported HTTP method in CORS config. Unsupported method is get"},
    {CONF(RULE_OM("*", "OPTIONS") "</CORSRule>"), CORS_EINVALID,
     "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS"},
    {CONF(RULE_OM("**", "GET") "</CORSRule>"), CORS_EINVALID,
     "AllowedOrigin \"**\" can not have more than one wildcard."},
    {CONF(RULE_OM("*", "GET") "<AllowedHeader>a*b*</AllowedHeader></CORSRule>"), CORS_EINVALID,
     "AllowedHeader \"a*b*\" can not have more than one wildcard."},
    {"<!DOCTYPE x [<!ENTITY e \"GET\">]>" CONF(RULE_OM("*", "&e;") "</CORSRule>"), CORS_EMALFORMED,
     ""},
};

static void test_bad_documents(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(bad); i++) {
        cors_config_t c;
        char msg[256];
        int rc = parse(bad[i].xml, &c, msg, sizeof msg);
        if (rc != bad[i].rc) fail_msg("case %zu: %d, want %d (%s)", i, rc, bad[i].rc, bad[i].xml);
        assert_string_equal(msg, bad[i].msg);
        cors_free(&c);
    }
}

static void test_rule_count_limit(void **state)
{
    (void)state;
    for (int n = 100; n <= 101; n++) {
        buf_t b = BUF_INIT;
        buf_puts(&b, "<CORSConfiguration>");
        for (int i = 0; i < n; i++)
            buf_puts(&b, RULE_OM("*", "GET") "</CORSRule>");
        buf_puts(&b, "</CORSConfiguration>");
        cors_config_t c;
        char msg[256];
        int rc = cors_parse(b.p, b.len, &c, msg, sizeof msg);
        assert_int_equal(rc, n == 100 ? CORS_OK : CORS_EINVALID);
        if (rc)
            assert_string_equal(
                msg, "The number of CORS rules should not exceed allowed limit of 100 rules.");
        cors_free(&c);
        buf_free(&b);
    }
}

static const char rules_xml[] = CONF(
    RULE_OM("https://exact.example", "PUT") "<AllowedHeader>Content-Type</AllowedHeader>"
                                            "<AllowedHeader>x-amz-*</AllowedHeader></CORSRule>" /**/
    RULE_OM("https://*.wild.example", "GET") "</CORSRule>"                                      /**/
    RULE_OM("*", "HEAD") "<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader>"
                         "</CORSRule>");

static const struct {
    const char *origin, *method, *headers;
    int rule; /* index, or -1 */
} match_cases[] = {
    {"https://exact.example", "PUT", NULL, 0},
    {"https://exact.example", "PUT", "", 0},
    {"https://exact.example", "PUT", "content-type", 0},
    {"https://exact.example", "PUT", " Content-Type ,X-AMZ-META-A,,x-amz-date", 0},
    {"https://exact.example", "PUT", "content-type, authorization", -1},
    {"https://exact.example", "put", NULL, -1},
    {"https://exact.example.evil", "PUT", NULL, -1},
    {"https://EXACT.example", "PUT", NULL, -1},
    {"https://a.wild.example", "GET", NULL, 1},
    {"https://.wild.example", "GET", NULL, 1},
    {"https://a.b.wild.example", "GET", "x-a", 2}, /* rule 1 allows no header: the next one */
    {"http://a.wild.example", "GET", NULL, 2},
    {"http://a.wild.example", "DELETE", NULL, -1},
    {"anything", "HEAD", "a, b, c", 2},
    {"https://exact.example", "GET", NULL, 2},
};

static void test_match(void **state)
{
    (void)state;
    cors_config_t c;
    char msg[64];
    assert_int_equal(parse(rules_xml, &c, msg, sizeof msg), CORS_OK);
    assert_int_equal(c.n, 3);
    for (size_t i = 0; i < NELEM(match_cases); i++) {
        const cors_rule_t *r =
            cors_match(&c, match_cases[i].origin, match_cases[i].method, match_cases[i].headers);
        int got = r ? (int)(r - c.rules) : -1;
        if (got != match_cases[i].rule)
            fail_msg("case %zu (%s %s [%s]): rule %d, want %d", i, match_cases[i].origin,
                     match_cases[i].method, match_cases[i].headers ? match_cases[i].headers : "",
                     got, match_cases[i].rule);
    }
    assert_false(cors_rule_any_origin(&c.rules[0]));
    assert_true(cors_rule_any_origin(&c.rules[2]));
    buf_t b = BUF_INIT;
    cors_join(&c.rules[2].methods, &b);
    assert_string_equal(b.p, "HEAD, GET");
    buf_reset(&b);
    cors_requested_headers(" Content-Type ,X-AMZ-META-A,,x-amz-date", &b);
    assert_string_equal(b.p, "content-type, x-amz-meta-a, x-amz-date");
    buf_free(&b);
    cors_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_serialize),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_rule_count_limit),
        cmocka_unit_test(test_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
