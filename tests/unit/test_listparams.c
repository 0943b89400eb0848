#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/listparams.h"
#include "s3/query.h"
#include "qparams.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct lp_case {
    const char *query;
    listparams_err_t err;
    int v2, url, owner;
    long max;
    const char *after; /* NULL: none */
    size_t after_len;
} lp_case_t;

/* "fakes3:" + "k/2" in base64, and "fakes3:" alone. */
#define TOKEN_K2    "ZmFrZXMzOmsvMg=="
#define TOKEN_EMPTY "ZmFrZXMzOg=="

static const lp_case_t lp_cases[] = {
    {"", LISTPARAMS_OK, 0, 0, 1, 1000, NULL, 0},
    {"list-type=2", LISTPARAMS_OK, 1, 0, 0, 1000, NULL, 0},
    {"list-type=2&fetch-owner=true", LISTPARAMS_OK, 1, 0, 1, 1000, NULL, 0},
    {"list-type=2&fetch-owner=false", LISTPARAMS_OK, 1, 0, 0, 1000, NULL, 0},
    {"list-type=1", LISTPARAMS_OK, 0, 0, 1, 1000, NULL, 0},
    {"max-keys=0", LISTPARAMS_OK, 0, 0, 1, 0, NULL, 0},
    {"max-keys=7", LISTPARAMS_OK, 0, 0, 1, 7, NULL, 0},
    {"max-keys=1000", LISTPARAMS_OK, 0, 0, 1, 1000, NULL, 0},
    {"max-keys=2147483647", LISTPARAMS_OK, 0, 0, 1, 1000, NULL, 0}, /* capped */
    {"max-keys=2147483648", LISTPARAMS_BAD_MAX_KEYS, 0, 0, 0, 0, NULL, 0},
    {"max-keys=-1", LISTPARAMS_BAD_MAX_KEYS, 0, 0, 0, 0, NULL, 0},
    {"max-keys=", LISTPARAMS_BAD_MAX_KEYS, 0, 0, 0, 0, NULL, 0},
    {"max-keys=1x", LISTPARAMS_BAD_MAX_KEYS, 0, 0, 0, 0, NULL, 0},
    {"max-keys=99999999999999999999", LISTPARAMS_BAD_MAX_KEYS, 0, 0, 0, 0, NULL, 0},
    {"encoding-type=url", LISTPARAMS_OK, 0, 1, 1, 1000, NULL, 0},
    {"encoding-type=URL", LISTPARAMS_BAD_ENCODING, 0, 0, 0, 0, NULL, 0},
    {"encoding-type=", LISTPARAMS_BAD_ENCODING, 0, 0, 0, 0, NULL, 0},
    {"marker=k%2F1", LISTPARAMS_OK, 0, 0, 1, 1000, "k/1", 3},
    {"marker=", LISTPARAMS_OK, 0, 0, 1, 1000, "", 0},
    {"start-after=x", LISTPARAMS_OK, 0, 0, 1, 1000, NULL, 0}, /* v1 has no start-after */
    {"list-type=2&marker=x", LISTPARAMS_OK, 1, 0, 0, 1000, NULL, 0},
    {"list-type=2&start-after=s", LISTPARAMS_OK, 1, 0, 0, 1000, "s", 1},
    {"list-type=2&continuation-token=" TOKEN_K2, LISTPARAMS_OK, 1, 0, 0, 1000, "k/2", 3},
    /* The token wins over start-after. */
    {"list-type=2&start-after=s&continuation-token=" TOKEN_K2, LISTPARAMS_OK, 1, 0, 0, 1000, "k/2",
     3},
    {"list-type=2&continuation-token=" TOKEN_EMPTY, LISTPARAMS_OK, 1, 0, 0, 1000, "", 0},
    {"continuation-token=garbage", LISTPARAMS_OK, 0, 0, 1, 1000, NULL, 0}, /* v1 ignores it */
    {"list-type=2&continuation-token=", LISTPARAMS_BAD_TOKEN, 0, 0, 0, 0, NULL, 0},
    {"list-type=2&continuation-token=%21%21", LISTPARAMS_BAD_TOKEN, 0, 0, 0, 0, NULL, 0},
    {"list-type=2&continuation-token=YWJj", LISTPARAMS_BAD_TOKEN, 0, 0, 0, 0, NULL, 0},
    {"list-type=2&continuation-token=ZmFrZXMz", LISTPARAMS_BAD_TOKEN, 0, 0, 0, 0, NULL, 0},
};

static listparams_err_t parse(const char *query, listparams_t *p)
{
    qparams_t q = {NULL, 0};
    assert_int_equal(query_parse(query, &q.p, &q.n), 0);
    listparams_err_t e = listparams_parse(qparams_get, &q, p);
    /* The raw values point at the query's strings, freed below: drop them. */
    if (e == LISTPARAMS_OK) p->prefix = p->delim = p->marker = p->start_after = p->token = NULL;
    p->max_keys = p->encoding = NULL;
    query_free(q.p, q.n);
    return e;
}

static void test_listparams_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(lp_cases); i++) {
        const lp_case_t *c = &lp_cases[i];
        listparams_t p;
        listparams_err_t e = parse(c->query, &p);
        if (e != c->err) fail_msg("case %zu (%s): %d, want %d", i, c->query, e, c->err);
        if (e != LISTPARAMS_OK) continue;
        if (p.v2 != c->v2 || p.url != c->url || p.owner != c->owner || p.max != c->max)
            fail_msg("case %zu (%s): v2 %d url %d owner %d max %ld", i, c->query, p.v2, p.url,
                     p.owner, p.max);
        if (c->after) {
            assert_non_null(p.after);
            assert_int_equal(p.after_len, c->after_len);
            assert_memory_equal(p.after, c->after, c->after_len);
        } else if (p.after) {
            fail_msg("case %zu (%s): after set", i, c->query);
        }
        listparams_free(&p);
    }
}

/* decode(encode(x)) == x, for keys with NULs, UTF-8 and every length mod 3. */
static void test_token_roundtrip(void **state)
{
    (void)state;
    static const struct {
        const char *k;
        size_t n;
    } keys[] = {{"", 0},
                {"a", 1},
                {"ab", 2},
                {"abc", 3},
                {"a\0b", 3},
                {"d\xc3\xa9j\xc3\xa0/", 7},
                {"\xff\xfe\x00\x01", 4}};
    for (size_t i = 0; i < NELEM(keys); i++) {
        char *tok = listparams_token_encode(keys[i].k, keys[i].n);
        char *back = NULL;
        size_t bn = 0;
        assert_int_equal(listparams_token_decode(tok, &back, &bn), 0);
        assert_int_equal(bn, keys[i].n);
        if (bn) assert_memory_equal(back, keys[i].k, bn);
        free(back);
        free(tok);
    }
    char *tok = listparams_token_encode("k/2", 3);
    assert_string_equal(tok, TOKEN_K2);
    free(tok);
}

/* Every prefix of a good token: decoded or refused, never read past. */
static void test_token_every_prefix(void **state)
{
    (void)state;
    const char *full = TOKEN_K2;
    for (size_t n = 0; n <= strlen(full); n++) {
        char *t = malloc(n + 1);
        memcpy(t, full, n);
        t[n] = '\0';
        char *k = NULL;
        size_t kn = 0;
        if (listparams_token_decode(t, &k, &kn) == 0) {
            assert_true(kn <= 3);
            free(k);
        }
        free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listparams_table),
        cmocka_unit_test(test_token_roundtrip),
        cmocka_unit_test(test_token_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
