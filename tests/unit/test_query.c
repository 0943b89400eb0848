#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/query.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The parameters as "name=value" lines, "name" alone when there is no '='. */
static char *render(const s3_qparam_t *p, size_t n)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s%s\n", p[i].name, p[i].has_value ? "=" : "", p[i].value);
    return b.p ? buf_take(&b) : calloc(1, 1);
}

typedef struct query_case {
    const char *q;
    int rc;
    const char *params; /* what was parsed, also on failure */
} query_case_t;

static const query_case_t query_cases[] = {
    {"", 0, ""},
    {"acl", 0, "acl\n"},
    {"acl=", 0, "acl=\n"},
    {"list-type=2&prefix=a%2Fb&max-keys=5", 0, "list-type=2\nprefix=a/b\nmax-keys=5\n"},
    {"a=1&&b=2&", 0, "a=1\nb=2\n"},
    {"&&&", 0, ""},
    {"=v", 0, "=v\n"},
    {"a=b=c", 0, "a=b=c\n"},           /* the first '=' splits */
    {"k=a+b%20c%2B", 0, "k=a b c+\n"}, /* form encoding: '+' is a space, %2B a plus */
    {"a+b=1", 0, "a b=1\n"},
    {"x=%41%62%7e", 0, "x=Ab~\n"},
    {"x=%e2%82%AC", 0, "x=\xe2\x82\xac\n"},
    {"uploadId=abc&partNumber=3", 0, "uploadId=abc\npartNumber=3\n"},
    {"a=1&b=%4", -1, "a=1\n"}, /* cut escape: what came before stays, for query_free */
    {"a=1&b=%zz&c=3", -1, "a=1\n"},
    {"%=1", -1, ""},
    {"a=%", -1, ""},
    {"a=%4g", -1, ""},
};

static void test_query_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(query_cases); i++) {
        const query_case_t *c = &query_cases[i];
        s3_qparam_t *p = NULL;
        size_t n = 0;
        int rc = query_parse(c->q, &p, &n);
        char *got = render(p, n);
        if (rc != c->rc || strcmp(got, c->params) != 0)
            fail_msg("case %zu (%s): rc %d, params\n%s\nwant rc %d\n%s", i, c->q, rc, got, c->rc,
                     c->params);
        free(got);
        query_free(p, n);
    }
}

/* Every prefix of every case, from a buffer of exactly its size: no read past
 * it, and a success re-encodes and parses back to itself. */
static void test_query_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(query_cases); i++) {
        for (size_t n = 0; n <= strlen(query_cases[i].q); n++) {
            char *q = malloc(n + 1);
            memcpy(q, query_cases[i].q, n);
            q[n] = '\0';
            s3_qparam_t *p = NULL;
            size_t np = 0;
            if (query_parse(q, &p, &np) == 0) {
                buf_t b = BUF_INIT;
                for (size_t k = 0; k < np; k++) {
                    if (k) buf_putc(&b, '&');
                    buf_urlenc(&b, p[k].name, strlen(p[k].name), 0);
                    if (p[k].has_value) buf_putc(&b, '=');
                    buf_urlenc(&b, p[k].value, strlen(p[k].value), 0);
                }
                s3_qparam_t *again = NULL;
                size_t na = 0;
                assert_int_equal(query_parse(b.p ? b.p : "", &again, &na), 0);
                char *x = render(p, np), *y = render(again, na);
                assert_string_equal(x, y);
                free(x);
                free(y);
                query_free(again, na);
                buf_free(&b);
            }
            query_free(p, np);
            free(q);
        }
    }
}

/* A parse appends: the router parses into the request's array once. */
static void test_query_appends(void **state)
{
    (void)state;
    s3_qparam_t *p = NULL;
    size_t n = 0;
    assert_int_equal(query_parse("a=1", &p, &n), 0);
    assert_int_equal(query_parse("b", &p, &n), 0);
    char *got = render(p, n);
    assert_string_equal(got, "a=1\nb\n");
    free(got);
    query_free(p, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_table),
        cmocka_unit_test(test_query_every_prefix),
        cmocka_unit_test(test_query_appends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
