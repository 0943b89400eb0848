/* confxml: documents read against a schema (what validates, what does not),
 * canonical writing in the schema's order, lookups and changes, and every
 * prefix of a good document refused without harm. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "s3/confxml.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, NULL, NULL, NULL                                                            \
    }

static const char *const colours[] = {"Red", "Blue", NULL};

static void attrs(const confxml_node_t *n, buf_t *out)
{
    buf_printf(out, " kind=\"%s\"", confxml_get(n, "A") ? "a" : "b");
}

static const confxml_elem_t empty[] = {END};
static const confxml_elem_t item[] = {
    {"Name", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Count", 0, 1, CONFXML_INT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t who[] = {
    {"A", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"B", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t top[] = {
    {"Colour", 1, 1, CONFXML_TEXT, NULL, colours, NULL},
    {"On", 0, 1, CONFXML_BOOL, NULL, NULL, NULL},
    {"Item", 0, 3, CONFXML_STRUCT, item, NULL, NULL},
    {"Who", 0, 1, CONFXML_STRUCT, who, NULL, attrs},
    {"Flag", 0, 1, CONFXML_STRUCT, empty, NULL, NULL},
    END,
};
static const confxml_elem_t root = {"Conf", 1, 1, CONFXML_STRUCT, top, NULL, NULL};

static char *canonical(const char *doc)
{
    confxml_node_t *n;
    if (confxml_parse(doc, strlen(doc), &root, &n) != 0) return NULL;
    buf_t b = BUF_INIT;
    confxml_write(n, &root, &b);
    confxml_free(n);
    return b.p ? buf_take(&b) : calloc(1, 1);
}

static void test_good_documents_are_written_canonically(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *want;
    } cases[] = {
        {"<Conf><Colour>Red</Colour></Conf>", "<Conf><Colour>Red</Colour></Conf>"},
        /* any order, whitespace, namespace prefixes; integers and booleans canonical */
        {"<?xml version=\"1.0\"?>\n<x:Conf xmlns:x=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
         "  <x:Flag/>\n  <x:Item><x:Count> 007 </x:Count><x:Name> a &amp; b </x:Name></x:Item>\n"
         "  <x:On>1</x:On><x:Colour>Blue</x:Colour><x:Item><x:Name/></x:Item>\n</x:Conf>",
         "<Conf><Colour>Blue</Colour><On>true</On><Item><Name>a &amp; b</Name><Count>7</Count>"
         "</Item><Item><Name></Name></Item><Flag></Flag></Conf>"},
        {"<Conf><Who><B>x</B></Who><Colour>Red</Colour><On>false</On></Conf>",
         "<Conf><Colour>Red</Colour><On>false</On><Who kind=\"b\"><B>x</B></Who></Conf>"},
        {"<Conf><Colour>Red</Colour><Item><Name>n</Name><Count>-3</Count></Item></Conf>",
         "<Conf><Colour>Red</Colour><Item><Name>n</Name><Count>-3</Count></Item></Conf>"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        char *got = canonical(cases[i].doc);
        if (!got) fail_msg("case %zu refused", i);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static void test_documents_the_schema_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "not xml",
        "<Conf><Colour>Red</Colour>",                            /* not well-formed */
        "<Other><Colour>Red</Colour></Other>",                   /* another root */
        "<Conf></Conf>",                                         /* Colour missing */
        "<Conf><Colour>Red</Colour><Colour>Red</Colour></Conf>", /* twice */
        "<Conf><Colour>red</Colour></Conf>",                     /* not one of the values */
        "<Conf><Colour>Red</Colour><Extra/></Conf>",             /* unknown element */
        "<Conf><Colour>Red</Colour><On>yes</On></Conf>",         /* not a boolean */
        "<Conf><Colour>Red</Colour><Item><Name>n</Name><Count>1x</Count></Item></Conf>",
        "<Conf><Colour>Red</Colour><Item><Name>n</Name><Count></Count></Item></Conf>",
        "<Conf><Colour>Red</Colour><Item><Name>n</Name><Count>99999999999999999999</Count>"
        "</Item></Conf>",
        "<Conf><Colour>Red</Colour><Item><Count>1</Count></Item></Conf>", /* Name missing */
        "<Conf><Colour><b>Red</b></Colour></Conf>",                       /* a leaf with children */
        "<Conf><Colour>Red</Colour><Item><Name>a</Name></Item><Item><Name>b</Name></Item>"
        "<Item><Name>c</Name></Item><Item><Name>d</Name></Item></Conf>", /* more than 3 */
        "<!DOCTYPE Conf [<!ENTITY e \"Red\">]><Conf><Colour>&e;</Colour></Conf>",
        "<Conf><Colour>Red</Colour></Conf><Conf><Colour>Red</Colour></Conf>",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        confxml_node_t *n = (confxml_node_t *)1;
        if (confxml_parse(bad[i], strlen(bad[i]), &root, &n) == 0) fail_msg("accepted: %s", bad[i]);
        assert_null(n);
    }
}

static void test_every_prefix_of_a_good_document_is_refused(void **state)
{
    (void)state;
    static const char doc[] = "<Conf><Item><Name>x</Name><Count>12</Count></Item><Colour>Red"
                              "</Colour><Who><A>1</A></Who><On>true</On></Conf>";
    for (size_t n = 0; n < sizeof doc - 1; n++) {
        confxml_node_t *t;
        if (confxml_parse(doc, n, &root, &t) == 0) fail_msg("prefix of %zu accepted", n);
    }
    confxml_node_t *t;
    assert_int_equal(confxml_parse(doc, sizeof doc - 1, &root, &t), 0);
    confxml_free(t);
}

static void test_lookups_and_changes(void **state)
{
    (void)state;
    static const char doc[] = "<Conf><Colour>Red</Colour><Item><Name>one</Name></Item>"
                              "<Item><Name>two</Name><Count>2</Count></Item></Conf>";
    confxml_node_t *n;
    assert_int_equal(confxml_parse(doc, sizeof doc - 1, &root, &n), 0);
    assert_string_equal(confxml_text(n, "Colour"), "Red");
    assert_string_equal(confxml_text(n, "Item/Name"), "one"); /* the first Item */
    assert_null(confxml_text(n, "Item/Count"));
    assert_null(confxml_path(n, "Who/A"));
    assert_int_equal(confxml_count(n, "Item"), 2);
    assert_int_equal(confxml_count(n, "Who"), 0);
    confxml_set(confxml_get(n, "Colour"), "Blue");
    confxml_add(n, "On", "true"); /* appended last, written in the schema's place */
    buf_t b = BUF_INIT;
    confxml_write_kids(n, &root, &b);
    assert_string_equal(b.p, "<Colour>Blue</Colour><On>true</On><Item><Name>one</Name></Item>"
                             "<Item><Name>two</Name><Count>2</Count></Item>");
    buf_free(&b);
    confxml_free(n);
    confxml_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_documents_are_written_canonically),
        cmocka_unit_test(test_documents_the_schema_refuses),
        cmocka_unit_test(test_every_prefix_of_a_good_document_is_refused),
        cmocka_unit_test(test_lookups_and_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
