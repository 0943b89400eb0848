/* fuzz_confxml — libFuzzer target for bucket configuration documents read
 * against a schema (confxml, as website.c, bucketkeyed.c ... use it).
 *
 * Any bytes: confxml_parse accepts or refuses; a document it accepts is
 * written canonically, and that form parses again to the very same bytes
 * (what a Put stores and every Get answers). The schema has every kind of
 * element: enumerated text, integers, booleans, repeated and empty
 * structures, and an attribute writer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/confxml.h"

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, NULL, NULL, NULL                                                            \
    }

static const char *const on_off[] = {"Enabled", "Disabled", NULL};

static void attrs(const confxml_node_t *n, buf_t *out)
{
    buf_printf(out, " xsi:type=\"%s\"", confxml_get(n, "URI") ? "Group" : "CanonicalUser");
}

static const confxml_elem_t none[] = {END};
static const confxml_elem_t tag[] = {
    {"Key", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Value", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t grantee[] = {
    {"ID", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"URI", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t rule[] = {
    {"ID", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Priority", 0, 1, CONFXML_INT, NULL, NULL, NULL},
    {"Status", 1, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {"Tag", 0, 0, CONFXML_STRUCT, tag, NULL, NULL},
    {"Grantee", 0, 1, CONFXML_STRUCT, grantee, NULL, attrs},
    {"Flag", 0, 1, CONFXML_STRUCT, none, NULL, NULL},
    END,
};
static const confxml_elem_t top[] = {
    {"Enabled", 0, 1, CONFXML_BOOL, NULL, NULL, NULL},
    {"Rule", 1, 0, CONFXML_STRUCT, rule, NULL, NULL},
    END,
};
static const confxml_elem_t root = {"Configuration", 1, 1, CONFXML_STRUCT, top, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    confxml_node_t *n;
    if (confxml_parse(copy, size, &root, &n) == 0) {
        buf_t a = BUF_INIT, b = BUF_INIT;
        confxml_write(n, &root, &a);
        confxml_node_t *n2;
        if (confxml_parse(a.p, a.len, &root, &n2) != 0) abort();
        confxml_write(n2, &root, &b);
        if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) abort();
        confxml_path(n, "Rule/Tag/Key");
        confxml_free(n2);
        confxml_free(n);
        buf_free(&a);
        buf_free(&b);
    }
    free(copy);
    return 0;
}
