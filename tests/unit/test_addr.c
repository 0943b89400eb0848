#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/addr.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Up to three configured base hosts per case; unused slots stay NULL. */
typedef struct bases {
    const char *v[3];
} bases_t;

static size_t nbases(const bases_t *b)
{
    size_t n = 0;
    while (n < NELEM(b->v) && b->v[n])
        n++;
    return n;
}

/* Two strings (either may be NULL) are equal, or the case fails with its index. */
static void check_str(const char *what, size_t i, const char *input, const char *got,
                      const char *want)
{
    if (!got && !want) return;
    if (!got || !want || strcmp(got, want) != 0)
        fail_msg("case %zu (%s): %s is \"%s\", want \"%s\"", i, input ? input : "(null)", what,
                 got ? got : "(null)", want ? want : "(null)");
}

/* ---- addr_vhost_bucket ---- */

typedef struct vhost_case {
    const char *host;
    bases_t bases;
    const char *bucket; /* NULL: path style */
} vhost_case_t;

static const vhost_case_t vhost_cases[] = {
    /* IP literals are path style, with or without a port. */
    {"127.0.0.1", {{NULL}}, NULL},
    {"127.0.0.1:4569", {{NULL}}, NULL},
    {"10.1.2.3:80", {{NULL}}, NULL},
    {"[::1]:4569", {{NULL}}, NULL},
    {"[::1]", {{NULL}}, NULL},
    {"[2001:db8::7]:443", {{NULL}}, NULL},
    {"bkt.127.0.0.1", {{NULL}}, NULL},
    /* The built-in base hosts. */
    {"localhost", {{NULL}}, NULL},
    {"localhost:4569", {{NULL}}, NULL},
    {"s3.amazonaws.com", {{NULL}}, NULL},
    {"s3.us-west-2.amazonaws.com", {{NULL}}, NULL},
    {"s3-us-west-2.amazonaws.com", {{NULL}}, NULL},
    {"s3-external-1.amazonaws.com", {{NULL}}, NULL},
    {"s3.dualstack.us-east-1.amazonaws.com", {{NULL}}, NULL},
    /* Configured bases. */
    {"s3.local", {{"s3.local"}}, NULL},
    {"s3.local:4569", {{"s3.local"}}, NULL},
    {"minio.example.com", {{"s3.local", "minio.example.com"}}, NULL},
    /* Bare single labels and unknown multi-dot hosts are path style. */
    {"fakes3", {{NULL}}, NULL},
    {"fakes3:4569", {{NULL}}, NULL},
    {"a.b.c", {{NULL}}, NULL},
    {"a.b.c:4569", {{NULL}}, NULL},
    {"a.b.c", {{"s3.local"}}, NULL},
    {"bkt.s3.local", {{NULL}}, NULL},
    {".fakes3", {{NULL}}, NULL},
    {"", {{NULL}}, NULL},
    {NULL, {{NULL}}, NULL},
    /* Case does not matter; a trailing dot (a fully qualified name) neither. */
    {"LOCALHOST", {{NULL}}, NULL},
    {"LocalHost:4569", {{NULL}}, NULL},
    {"S3.AMAZONAWS.COM", {{NULL}}, NULL},
    {"S3.US-WEST-2.AMAZONAWS.COM", {{NULL}}, NULL},
    {"S3.Local", {{"s3.local"}}, NULL},
    {"localhost.", {{NULL}}, NULL},
    {"localhost.:4569", {{NULL}}, NULL},
    {"s3.amazonaws.com.", {{NULL}}, NULL},
    {"127.0.0.1.", {{NULL}}, NULL},
    {"fakes3.", {{NULL}}, NULL},
    /* Virtual-host style. */
    {"my-bucket.fakes3:4569", {{NULL}}, "my-bucket"},
    {"my-bucket.fakes3", {{NULL}}, "my-bucket"},
    {"my.dotted.bucket.s3.local", {{"s3.local"}}, "my.dotted.bucket"},
    {"my.dotted.bucket.s3.local:4569", {{"s3.local"}}, "my.dotted.bucket"},
    {"bkt.s3.local", {{"other.host", "s3.local"}}, "bkt"},
    {"bkt.x.s3.local", {{"s3.local", "x.s3.local"}}, "bkt"},
    {"a.b.c", {{"b.c"}}, "a"},
    {"bkt.s3.amazonaws.com", {{NULL}}, "bkt"},
    {"bkt.s3.amazonaws.com:443", {{NULL}}, "bkt"},
    {"bkt.s3.eu-west-1.amazonaws.com", {{NULL}}, "bkt"},
    {"my.bkt.s3.eu-west-1.amazonaws.com", {{NULL}}, "my.bkt"},
    {"bkt.s3-eu-west-1.amazonaws.com", {{NULL}}, "bkt"},
    {"bkt.s3.dualstack.us-east-1.amazonaws.com", {{NULL}}, "bkt"},
    {"bkt.localhost", {{NULL}}, "bkt"},
    {"bkt.localhost:4569", {{NULL}}, "bkt"},
    {"BKT.LOCALHOST", {{NULL}}, "bkt"},
    {"My-Bucket.FakeS3:4569", {{NULL}}, "my-bucket"},
    {"Bkt.S3.Amazonaws.Com", {{NULL}}, "bkt"},
    {"My.Dotted.S3.LOCAL", {{"s3.local"}}, "my.dotted"},
    {"bkt.s3.amazonaws.com.", {{NULL}}, "bkt"},
    {"bkt.s3.amazonaws.com.:4569", {{NULL}}, "bkt"},
    {"my-bucket.fakes3.", {{NULL}}, "my-bucket"},
    {"bkt.localhost.", {{NULL}}, "bkt"},
};

static void test_vhost_bucket_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(vhost_cases); i++) {
        const vhost_case_t *c = &vhost_cases[i];
        char *b = addr_vhost_bucket(c->host, c->bases.v, nbases(&c->bases));
        check_str("bucket", i, c->host, b, c->bucket);
        free(b);
    }
}

/* ---- addr_parse ---- */

typedef struct parse_case {
    const char *target;
    const char *host;
    bases_t bases;
    int rc;
    const char *bucket;
    const char *key; /* compared over key_len bytes */
    size_t key_len;
    int vhost;
    int query_at; /* offset of the query in target, or -1 for "" */
} parse_case_t;

#define K(s)  s, sizeof(s) - 1
#define NOKEY NULL, 0

static const parse_case_t parse_cases[] = {
    /* Path style. */
    {"/", "localhost", {{NULL}}, 0, NULL, NOKEY, 0, -1},
    {"/bucket", "localhost", {{NULL}}, 0, "bucket", NOKEY, 0, -1},
    {"/bucket/", "localhost:4569", {{NULL}}, 0, "bucket", NOKEY, 0, -1},
    {"/bucket/key", "127.0.0.1:4569", {{NULL}}, 0, "bucket", K("key"), 0, -1},
    {"/bucket/a//b", "localhost", {{NULL}}, 0, "bucket", K("a//b"), 0, -1},
    {"/bucket//", "localhost", {{NULL}}, 0, "bucket", K("/"), 0, -1},
    {"/bucket/dir/", "localhost", {{NULL}}, 0, "bucket", K("dir/"), 0, -1},
    {"/bucket/a%20b", "localhost", {{NULL}}, 0, "bucket", K("a b"), 0, -1},
    {"/bucket/a+b", "localhost", {{NULL}}, 0, "bucket", K("a+b"), 0, -1},
    {"/bucket/a%2Bb", "localhost", {{NULL}}, 0, "bucket", K("a+b"), 0, -1},
    {"/bucket/a%2Fb", "localhost", {{NULL}}, 0, "bucket", K("a/b"), 0, -1},
    {"/bucket/a%2fb", "localhost", {{NULL}}, 0, "bucket", K("a/b"), 0, -1},
    {"/bucket/%E2%82%AC", "localhost", {{NULL}}, 0, "bucket", K("\xe2\x82\xac"), 0, -1},
    {"/bucket/caf\xc3\xa9", "localhost", {{NULL}}, 0, "bucket", K("caf\xc3\xa9"), 0, -1},
    {"/bucket/k%00z", "localhost", {{NULL}}, 0, "bucket", K("k\0z"), 0, -1},
    {"/bucket/a%3Fb", "localhost", {{NULL}}, 0, "bucket", K("a?b"), 0, -1},
    {"/bucket/a%3Fb?x=1", "localhost", {{NULL}}, 0, "bucket", K("a?b"), 0, 14},
    {"/bucket/key?uploads", "localhost", {{NULL}}, 0, "bucket", K("key"), 0, 12},
    {"/bucket?list-type=2&prefix=a", "localhost", {{NULL}}, 0, "bucket", NOKEY, 0, 8},
    {"/bucket/?acl", "localhost", {{NULL}}, 0, "bucket", NOKEY, 0, 9},
    {"/bucket/key?", "localhost", {{NULL}}, 0, "bucket", K("key"), 0, 12},
    {"/?x=1", "localhost", {{NULL}}, 0, NULL, NOKEY, 0, 2},
    {"/b.dotted/k", "s3.amazonaws.com", {{NULL}}, 0, "b.dotted", K("k"), 0, -1},
    {"/bucket/k", "LOCALHOST:4569", {{NULL}}, 0, "bucket", K("k"), 0, -1},
    {"/bucket/k", "[::1]:4569", {{NULL}}, 0, "bucket", K("k"), 0, -1},
    {"/bucket/k", "fakes3", {{NULL}}, 0, "bucket", K("k"), 0, -1},
    {"/bucket/k", "a.b.c", {{NULL}}, 0, "bucket", K("k"), 0, -1},
    {"/bucket/k", "s3.local", {{"s3.local"}}, 0, "bucket", K("k"), 0, -1},
    {"/bucket/k", NULL, {{NULL}}, 0, "bucket", K("k"), 0, -1},
    /* Bad targets. */
    {"/bucket/%zz", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"/bucket/%2", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"/bucket/%", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"/%g0bucket", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"/bucket/%2?x", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"bucket/key", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"*", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"?x", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"//key", "localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    {"/key%zz", "bkt.localhost", {{NULL}}, -1, NULL, NOKEY, 0, -1},
    /* Virtual-host style. */
    {"/", "bkt.localhost", {{NULL}}, 0, "bkt", NOKEY, 1, -1},
    {"/key", "bkt.localhost", {{NULL}}, 0, "bkt", K("key"), 1, -1},
    {"/key", "my-bucket.fakes3:4569", {{NULL}}, 0, "my-bucket", K("key"), 1, -1},
    {"/a/b%20c", "bkt.s3.amazonaws.com", {{NULL}}, 0, "bkt", K("a/b c"), 1, -1},
    {"//key", "bkt.localhost", {{NULL}}, 0, "bkt", K("/key"), 1, -1},
    {"/dir/", "bkt.localhost", {{NULL}}, 0, "bkt", K("dir/"), 1, -1},
    {"/?location", "bkt.localhost", {{NULL}}, 0, "bkt", NOKEY, 1, 2},
    {"/k?tagging",
     "my.dotted.bucket.s3.local",
     {{"s3.local"}},
     0,
     "my.dotted.bucket",
     K("k"),
     1,
     3},
    {"/a+b", "BKT.LOCALHOST", {{NULL}}, 0, "bkt", K("a+b"), 1, -1},
    /* Absolute form: the authority is not the bucket; the Host header decides. */
    {"http://host/b/k", "localhost", {{NULL}}, 0, "b", K("k"), 0, -1},
    {"https://host/b/k?acl", "localhost", {{NULL}}, 0, "b", K("k"), 0, 17},
    {"http://host:4569/b/a%20k", "localhost", {{NULL}}, 0, "b", K("a k"), 0, -1},
    {"http://host", "localhost", {{NULL}}, 0, NULL, NOKEY, 0, -1},
    {"http://bkt.localhost/k", "bkt.localhost", {{NULL}}, 0, "bkt", K("k"), 1, -1},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(parse_cases); i++) {
        const parse_case_t *c = &parse_cases[i];
        addr_target_t t;
        memset(&t, 0x5a, sizeof t); /* addr_parse must set every field */
        int rc = addr_parse(c->target, c->host, c->bases.v, nbases(&c->bases), &t);
        if (rc != c->rc)
            fail_msg("case %zu (%s on %s): rc %d, want %d", i, c->target,
                     c->host ? c->host : "(null)", rc, c->rc);
        check_str("bucket", i, c->target, t.bucket, c->bucket);
        if (c->key) {
            if (!t.key || t.key_len != c->key_len || memcmp(t.key, c->key, c->key_len) != 0 ||
                t.key[t.key_len] != '\0')
                fail_msg("case %zu (%s): key \"%.*s\" (%zu bytes), want \"%s\" (%zu bytes)", i,
                         c->target, t.key ? (int)t.key_len : 6, t.key ? t.key : "(null)", t.key_len,
                         c->key, c->key_len);
        } else if (t.key || t.key_len) {
            fail_msg("case %zu (%s): key \"%s\", want none", i, c->target, t.key);
        }
        if (rc == 0) {
            if (t.vhost != c->vhost)
                fail_msg("case %zu (%s): vhost %d, want %d", i, c->target, t.vhost, c->vhost);
            /* The query points into the caller's target, after the '?'. */
            if (c->query_at < 0) {
                assert_non_null(t.query);
                if (t.query[0] != '\0')
                    fail_msg("case %zu (%s): query \"%s\", want \"\"", i, c->target, t.query);
            } else if (t.query != c->target + c->query_at) {
                fail_msg("case %zu (%s): query at %td, want %d", i, c->target,
                         t.query ? t.query - c->target : -1, c->query_at);
            }
        }
        addr_free(&t);
        assert_null(t.bucket);
        assert_null(t.key);
    }
}

/* Whether the path part of s (before any '?') has a '%' not followed by two hex digits. */
static int bad_escape(const char *s)
{
    size_t plen = strcspn(s, "?");
    static const char hex[] = "0123456789abcdefABCDEF";
    for (size_t i = 0; i < plen; i++) {
        if (s[i] != '%') continue;
        if (i + 2 >= plen || !strchr(hex, s[i + 1]) || !strchr(hex, s[i + 2])) return 1;
        i += 2;
    }
    return 0;
}

/* What addr_parse should return for target: computed the simple way. */
static int expected_rc(const char *target, const char *host)
{
    const char *path = target;
    if (strncmp(target, "http://", 7) == 0 || strncmp(target, "https://", 8) == 0) {
        const char *auth = target + (target[4] == 's' ? 8 : 7);
        path = strchr(auth, '/');
        if (!path) path = "/";
    }
    if (path[0] != '/' || bad_escape(path)) return -1;
    static const char *const bases[] = {"s3.local"};
    char *vb = addr_vhost_bucket(host, bases, 1);
    free(vb);
    if (!vb && path[1] == '/') return -1; /* "//key": a key without a bucket */
    return 0;
}

/* Feed addr_parse every prefix of target, each in an allocation of exactly its
 * size so that ASan sees any read past the end; check the outcome of each. */
static void parse_every_prefix(const char *target, const char *host)
{
    size_t n = strlen(target);
    static const char *const bases[] = {"s3.local"};
    char why[256] = "";
    for (size_t len = 0; len <= n && !why[0]; len++) {
        char *p = malloc(len + 1);
        assert_non_null(p);
        memcpy(p, target, len);
        p[len] = '\0';
        addr_target_t t;
        int rc = addr_parse(p, host, bases, 1, &t);
        int want = expected_rc(p, host);
        const char *q = strchr(p, '?');
        if (rc != want)
            snprintf(why, sizeof why, "rc %d, want %d", rc, want);
        else if (rc == 0 && (q ? t.query != q + 1 : t.query[0] != '\0'))
            snprintf(why, sizeof why, "query \"%s\" not after the '?'", t.query);
        else if (rc == 0 && t.key && t.key[t.key_len] != '\0')
            snprintf(why, sizeof why, "key not NUL-terminated");
        else if (rc != 0 && (t.bucket || t.key))
            snprintf(why, sizeof why, "bucket or key left set after an error");
        if (why[0]) snprintf(why + strlen(why), sizeof why - strlen(why), " for prefix \"%s\"", p);
        addr_free(&t);
        free(p);
    }
    if (why[0]) fail_msg("\"%s\" on %s: %s", target, host ? host : "(null)", why);
}

static void test_every_prefix(void **state)
{
    (void)state;
    static const char *const targets[] = {
        "/bucket/dir/a%20b%2Fc+d?list-type=2&prefix=x%2F",
        "/b/%E2%82%AC%e2%82%ac?uploads",
        "/bucket?acl",
        "/?x",
    };
    static const char *const hosts[] = {"localhost:4569", "bkt.localhost",
                                        "my.dotted.bucket.s3.local", "[::1]:4569", NULL};
    for (size_t i = 0; i < NELEM(targets); i++)
        for (size_t h = 0; h < NELEM(hosts); h++)
            parse_every_prefix(targets[i], hosts[h]);
}

/* Every prefix of a host: never a crash, never a bucket with a ':' or an empty one. */
static void test_vhost_every_prefix(void **state)
{
    (void)state;
    static const char *const hosts[] = {"my.dotted.bucket.s3.local:4569",
                                        "bkt.s3.eu-west-1.amazonaws.com.", "[::1]:4569",
                                        "my-bucket.fakes3:4569"};
    static const char *const bases[] = {"s3.local"};
    for (size_t i = 0; i < NELEM(hosts); i++) {
        size_t n = strlen(hosts[i]);
        for (size_t len = 0; len <= n; len++) {
            char *p = malloc(len + 1);
            assert_non_null(p);
            memcpy(p, hosts[i], len);
            p[len] = '\0';
            char *b = addr_vhost_bucket(p, bases, 1);
            if (b) {
                assert_true(b[0] != '\0');
                assert_null(strchr(b, ':'));
                assert_non_null(strstr(p, b));
            }
            free(b);
            free(p);
        }
    }
}

/* "http://" alone (a prefix of "http://host/b/k") made addr_parse look for the
 * path from target + 8, one byte past the terminating NUL. */
static void test_absolute_form_cut_after_scheme_reads_past_end(void **state)
{
    (void)state;
    parse_every_prefix("https://host/b/k%20x?acl", "localhost");
    parse_every_prefix("http://host/b/k%20x?acl", "localhost");
}

/* "%00" decoded into a bucket name made a C string shorter than the name
 * (found by tests/fuzz/fuzz_addr.c): such a target cannot be parsed. */
static void test_nul_in_bucket_name_is_refused(void **state)
{
    (void)state;
    const char *const bad[] = {"/%00", "/%00abc/key", "/ab%00c/key", "/abc%00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        addr_target_t t;
        assert_int_equal(addr_parse(bad[i], "localhost", NULL, 0, &t), -1);
    }
    /* A NUL in a key is data, not a terminator: the length carries it. */
    addr_target_t t;
    assert_int_equal(addr_parse("/bkt/a%00b", "localhost", NULL, 0, &t), 0);
    assert_int_equal(t.key_len, 3);
    assert_memory_equal(t.key, "a\0b", 3);
    addr_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vhost_bucket_table),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_vhost_every_prefix),
        cmocka_unit_test(test_nul_in_bucket_name_is_refused),
        /* Last: under ASan a read past the end stops the whole program. */
        cmocka_unit_test(test_absolute_form_cut_after_scheme_reads_past_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
