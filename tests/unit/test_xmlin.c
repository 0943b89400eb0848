#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/xmlin.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What the callback saw: one "path=text\n" line per element end. */
typedef struct rec {
    buf_t events;
    int calls;
    int fail_at; /* return non-zero on this call (1-based); 0: never */
} rec_t;

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    rec_t *r = ctx;
    r->calls++;
    assert_non_null(path);
    assert_non_null(text);
    assert_int_equal(strlen(text), n); /* no NUL in XML text; terminated */
    buf_printf(&r->events, "%s=%.*s\n", path, (int)n, text);
    return r->fail_at && r->calls == r->fail_at;
}

/* Parse a C string; *events gets what the callback saw ("" if nothing). */
static int parse(const char *doc, size_t n, int fail_at, char **events, int *calls)
{
    rec_t r = {BUF_INIT, 0, fail_at};
    int rc = xmlin_parse(doc, n, on_elem, &r);
    if (calls) *calls = r.calls;
    *events = r.events.p ? buf_take(&r.events) : calloc(1, 1);
    buf_free(&r.events);
    return rc;
}

typedef struct doc_case {
    const char *name;
    const char *doc;
    int rc;
    const char *events; /* for rc 0 */
} doc_case_t;

static const doc_case_t good_docs[] = {
    {"CreateBucketConfiguration",
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
     "<LocationConstraint>eu-west-1</LocationConstraint>"
     "</CreateBucketConfiguration>\n",
     0,
     "CreateBucketConfiguration/LocationConstraint=eu-west-1\n"
     "CreateBucketConfiguration=\n"},
    {"Delete with Quiet and several objects",
     "<Delete>"
     "<Quiet>true</Quiet>"
     "<Object><Key>a</Key></Object>"
     "<Object><Key>b/c</Key><VersionId>v1</VersionId></Object>"
     "<Object><Key>d e.txt</Key></Object>"
     "</Delete>",
     0,
     "Delete/Quiet=true\n"
     "Delete/Object/Key=a\n"
     "Delete/Object=\n"
     "Delete/Object/Key=b/c\n"
     "Delete/Object/VersionId=v1\n"
     "Delete/Object=\n"
     "Delete/Object/Key=d e.txt\n"
     "Delete/Object=\n"
     "Delete=\n"},
    {"Delete, indented: a parent's text is what follows its last child",
     "<Delete>\n  <Object>\n    <Key>k</Key>\n  </Object>\n  <Quiet>false</Quiet>\n</Delete>\n", 0,
     "Delete/Object/Key=k\n"
     "Delete/Object=\n  \n"
     "Delete/Quiet=false\n"
     "Delete=\n\n"},
    {"default namespace",
     "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>k</Key></Object>"
     "</Delete>",
     0, "Delete/Object/Key=k\nDelete/Object=\nDelete=\n"},
    {"prefixed namespace",
     "<s3:Delete xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Object>"
     "<s3:Key>k</s3:Key></s3:Object></s3:Delete>",
     0, "Delete/Object/Key=k\nDelete/Object=\nDelete=\n"},
    {"entities", "<a>x&amp;y&#x41;&#66;&lt;&gt;&quot;&apos;</a>", 0, "a=x&yAB<>\"'\n"},
    {"entity for a multi-byte character", "<a>&#xE9;&#x20AC;</a>", 0, "a=\xc3\xa9\xe2\x82\xac\n"},
    {"CDATA", "<a>1<![CDATA[<not> &amp; ]]>2</a>", 0, "a=1<not> &amp; 2\n"},
    {"UTF-8 text", "<Key>caf\xc3\xa9/\xe2\x82\xac</Key>", 0, "Key=caf\xc3\xa9/\xe2\x82\xac\n"},
    {"comments, PIs and attributes ignored", "<a x=\"1\"><!-- c --><b y='2'>1</b><?pi x?></a>", 0,
     "a/b=1\na=\n"},
    {"empty elements", "<a><b/><c></c></a>", 0, "a/b=\na/c=\na=\n"},
    {"same name nested", "<a><a><a>x</a></a></a>", 0, "a/a/a=x\na/a=\na=\n"},
    {"trailing whitespace and comment", "<a>x</a>\n\n<!-- end -->\n", 0, "a=x\n"},
};

static const doc_case_t bad_docs[] = {
    {"empty", "", -1, NULL},
    {"only whitespace", "  \n", -1, NULL},
    {"only a declaration", "<?xml version=\"1.0\"?>", -1, NULL},
    {"unclosed root", "<a>", -1, NULL},
    {"unclosed child", "<a><b>x</a>", -1, NULL},
    {"mismatched end", "<a></b>", -1, NULL},
    {"two roots", "<a/><b/>", -1, NULL},
    {"text after the root", "<a>x</a>y", -1, NULL},
    {"garbage", "garbage", -1, NULL},
    {"binary", "\x01\x02\x03", -1, NULL},
    {"undefined entity", "<a>&foo;</a>", -1, NULL},
    {"bad character reference", "<a>&#xZZ;</a>", -1, NULL},
    {"reference to NUL", "<a>&#0;</a>", -1, NULL},
    {"bare ampersand", "<a>x & y</a>", -1, NULL},
    {"control character", "<a>\x01</a>", -1, NULL},
    {"invalid UTF-8", "<a>\xc3\x28</a>", -1, NULL},
    {"attribute without value", "<a b></a>", -1, NULL},
    {"unclosed CDATA", "<a><![CDATA[x</a>", -1, NULL},
};

/* Documents with a DOCTYPE are refused, whatever the DOCTYPE holds. */
static const doc_case_t doctype_docs[] = {
    {"bare DOCTYPE", "<!DOCTYPE a><a/>", -1, NULL},
    {"internal entity", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", -1, NULL},
    {"external entity",
     "<?xml version=\"1.0\"?><!DOCTYPE Delete [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
     "<Delete><Object><Key>&xxe;</Key></Object></Delete>",
     -1, NULL},
    {"external DTD", "<!DOCTYPE a SYSTEM \"http://127.0.0.1:1/x.dtd\"><a/>", -1, NULL},
    {"parameter entity", "<!DOCTYPE a [<!ENTITY % p \"<!ENTITY q 'z'>\"> %p;]><a>&q;</a>", -1,
     NULL},
    {"billion laughs",
     "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
     "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
     "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
     "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
     "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
     "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
     "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
     "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
     "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
     "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
     "<lolz>&lol9;</lolz>",
     -1, NULL},
};

static void run_cases(const doc_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const doc_case_t *c = &cases[i];
        char *ev;
        int rc = parse(c->doc, strlen(c->doc), 0, &ev, NULL);
        int ok = rc == c->rc && (!c->events || strcmp(ev, c->events) == 0);
        /* A refused DOCTYPE is refused before any element is reported. */
        if (ok && !c->events && strncmp(c->doc, "<!DOCTYPE", 9) == 0 && ev[0]) ok = 0;
        if (!ok) {
            char msg[1024];
            snprintf(msg, sizeof msg, "case %zu (%s): rc %d want %d; events:\n%s", i, c->name, rc,
                     c->rc, ev);
            free(ev);
            fail_msg("%s", msg);
        }
        free(ev);
    }
}

static void test_good_docs(void **state)
{
    (void)state;
    run_cases(good_docs, NELEM(good_docs));
}

static void test_malformed_docs(void **state)
{
    (void)state;
    run_cases(bad_docs, NELEM(bad_docs));
}

static void test_doctype_refused(void **state)
{
    (void)state;
    run_cases(doctype_docs, NELEM(doctype_docs));
}

/* n nested <e> elements with text "x" in the innermost. */
static char *nested(int n)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_puts(&b, "<e>");
    buf_putc(&b, 'x');
    for (int i = 0; i < n; i++)
        buf_puts(&b, "</e>");
    return buf_take(&b);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    char *doc = nested(16), *ev;
    int calls;
    assert_int_equal(parse(doc, strlen(doc), 0, &ev, &calls), 0);
    assert_int_equal(calls, 16);
    /* The first event is the innermost element: a path 16 deep. */
    assert_memory_equal(ev, "e/e/e/e/e/e/e/e/e/e/e/e/e/e/e/e=x\n", 34);
    free(ev);
    free(doc);

    doc = nested(17);
    assert_int_equal(parse(doc, strlen(doc), 0, &ev, &calls), -1);
    assert_int_equal(calls, 0);
    free(ev);
    free(doc);

    doc = nested(1000);
    assert_int_equal(parse(doc, strlen(doc), 0, &ev, &calls), -1);
    assert_int_equal(calls, 0);
    free(ev);
    free(doc);
}

static void test_callback_error_stops(void **state)
{
    (void)state;
    const char *doc = good_docs[1].doc; /* Delete: 9 element ends */
    char *ev;
    int calls;
    assert_int_equal(parse(doc, strlen(doc), 0, &ev, &calls), 0);
    assert_int_equal(calls, 9);
    free(ev);
    for (int at = 1; at <= 9; at++) {
        assert_int_equal(parse(doc, strlen(doc), at, &ev, &calls), -1);
        assert_int_equal(calls, at);
        free(ev);
    }
}

/* The parser takes a length, not a NUL: bytes past n are never looked at. */
static void test_length_not_nul(void **state)
{
    (void)state;
    const char doc[] = "<a>x</a><b/>";
    char *ev;
    assert_int_equal(parse(doc, 8, 0, &ev, NULL), 0);
    assert_string_equal(ev, "a=x\n");
    free(ev);
    assert_int_equal(parse(doc, sizeof doc - 1, 0, &ev, NULL), -1);
    free(ev);
    /* An embedded NUL is not XML. */
    const char nul[] = "<a>x\0y</a>";
    assert_int_equal(parse(nul, sizeof nul - 1, 0, &ev, NULL), -1);
    free(ev);
}

/* Whether what follows the root element is whole: no comment left open. */
static int epilog_complete(const char *p, size_t n)
{
    const char *lt = NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '<') lt = p + i;
    return !lt || memmem(lt, n - (size_t)(lt - p), "-->", 3) != NULL;
}

/* Every prefix of a document, in an allocation of exactly its size: the full
 * document (and any prefix that still holds the whole root element) parses
 * with the same events; every shorter one fails cleanly, having reported at
 * most a prefix of the full document's events. */
static void every_prefix(const char *doc, size_t root_end, int want_full)
{
    size_t n = strlen(doc);
    char *full;
    assert_int_equal(parse(doc, n, 0, &full, NULL), want_full);
    for (size_t len = 0; len <= n; len++) {
        char *p = malloc(len ? len : 1);
        assert_non_null(p);
        memcpy(p, doc, len);
        char *ev;
        int rc = parse(p, len, 0, &ev, NULL);
        free(p);
        int want =
            len >= root_end && epilog_complete(doc + root_end, len - root_end) ? want_full : -1;
        int bad =
            rc != want || strncmp(full, ev, strlen(ev)) != 0 || (rc == 0 && strcmp(full, ev) != 0);
        free(ev);
        if (bad) {
            free(full);
            fail_msg("prefix of %zu bytes of \"%s\": rc %d, want %d", len, doc, rc, want);
        }
    }
    free(full);
}

static void test_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(good_docs); i++) {
        const char *doc = good_docs[i].doc;
        /* The root ends at the last '>' before only whitespace and comments. */
        const char *end = strstr(doc, "\n\n<!--");
        size_t root_end = end ? (size_t)(end - doc) : strlen(doc);
        while (root_end && doc[root_end - 1] != '>')
            root_end--;
        every_prefix(doc, root_end, 0);
    }
    for (size_t i = 0; i < NELEM(doctype_docs); i++)
        every_prefix(doctype_docs[i].doc, 0, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_docs),
        cmocka_unit_test(test_malformed_docs),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_length_not_nul),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
