/* confxml — see confxml.h. */
#include "s3/confxml.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/xmlin.h"

/* Deeper than xmlin lets any document go. */
#define MAX_DEPTH 18

typedef struct list {
    confxml_node_t **v;
    size_t n;
} list_t;

/* Elements end children first: each depth collects the finished elements
 * that become the children of the next one to end above them. */
typedef struct build {
    list_t pend[MAX_DEPTH + 1];
    int failed;
} build_t;

static void list_add(list_t *l, confxml_node_t *node)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = node;
}

void confxml_free(confxml_node_t *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++)
        confxml_free(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->text);
    free(n);
}

static confxml_node_t *node_new(const char *name, size_t nl, const char *text, size_t tl)
{
    confxml_node_t *n = xcalloc(1, sizeof *n);
    n->name = xstrndup(name, nl);
    n->text = xstrndup(text, tl);
    return n;
}

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    build_t *b = ctx;
    int depth = 1;
    const char *name = path;
    for (const char *p = path; *p; p++)
        if (*p == '/') depth++, name = p + 1;
    if (depth >= MAX_DEPTH) {
        b->failed = 1;
        return 1;
    }
    while (n && isspace((unsigned char)*text))
        text++, n--;
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    confxml_node_t *node = node_new(name, strlen(name), text, n);
    list_t *kids = &b->pend[depth];
    node->kids = kids->v;
    node->n = kids->n;
    kids->v = NULL;
    kids->n = 0;
    list_add(&b->pend[depth - 1], node);
    return 0;
}

static const confxml_elem_t *spec_kid(const confxml_elem_t *spec, const char *name)
{
    for (const confxml_elem_t *k = spec->kids; k && k->name; k++)
        if (strcmp(k->name, name) == 0) return k;
    return NULL;
}

static int check_leaf(confxml_node_t *n, const confxml_elem_t *spec)
{
    if (n->n) return -1;
    switch (spec->type) {
    case CONFXML_INT: {
        const char *s = n->text;
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (!*s || *end || errno || !(isdigit((unsigned char)*s) || *s == '-')) return -1;
        char canon[24];
        snprintf(canon, sizeof canon, "%ld", v);
        confxml_set(n, canon);
        return 0;
    }
    case CONFXML_BOOL:
        /* xsd:boolean also spells them 1 and 0. */
        if (strcmp(n->text, "true") == 0 || strcmp(n->text, "1") == 0)
            confxml_set(n, "true");
        else if (strcmp(n->text, "false") == 0 || strcmp(n->text, "0") == 0)
            confxml_set(n, "false");
        else
            return -1;
        return 0;
    default:
        if (!spec->values) return 0;
        for (const char *const *v = spec->values; *v; v++)
            if (strcmp(*v, n->text) == 0) return 0;
        return -1;
    }
}

static int check(confxml_node_t *n, const confxml_elem_t *spec)
{
    if (spec->type != CONFXML_STRUCT) return check_leaf(n, spec);
    for (size_t i = 0; i < n->n; i++) {
        const confxml_elem_t *k = spec_kid(spec, n->kids[i]->name);
        if (!k || check(n->kids[i], k)) return -1;
    }
    for (const confxml_elem_t *k = spec->kids; k && k->name; k++) {
        int c = (int)confxml_count(n, k->name);
        if (c < k->min || (k->max && c > k->max)) return -1;
    }
    /* A structure carries no text of its own. */
    n->text[0] = '\0';
    return 0;
}

int confxml_parse(const char *xml, size_t n, const confxml_elem_t *root, confxml_node_t **out)
{
    *out = NULL;
    build_t b;
    memset(&b, 0, sizeof b);
    int rc = xmlin_parse(xml, n, on_elem, &b);
    confxml_node_t *top = NULL;
    if (rc == 0 && !b.failed && b.pend[0].n == 1) {
        top = b.pend[0].v[0];
        b.pend[0].n = 0;
    }
    for (int d = 0; d <= MAX_DEPTH; d++) {
        for (size_t i = 0; i < b.pend[d].n; i++)
            confxml_free(b.pend[d].v[i]);
        free(b.pend[d].v);
    }
    if (!top || strcmp(top->name, root->name) != 0 || check(top, root)) {
        confxml_free(top);
        return -1;
    }
    *out = top;
    return 0;
}

confxml_node_t *confxml_get(const confxml_node_t *n, const char *name)
{
    for (size_t i = 0; n && i < n->n; i++)
        if (strcmp(n->kids[i]->name, name) == 0) return n->kids[i];
    return NULL;
}

confxml_node_t *confxml_path(const confxml_node_t *n, const char *path)
{
    char part[64];
    confxml_node_t *cur = (confxml_node_t *)n;
    while (cur && *path) {
        size_t len = strcspn(path, "/");
        if (len >= sizeof part) return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        cur = confxml_get(cur, part);
        path += len;
        if (*path == '/') path++;
    }
    return cur;
}

const char *confxml_text(const confxml_node_t *n, const char *path)
{
    confxml_node_t *k = confxml_path(n, path);
    return k ? k->text : NULL;
}

size_t confxml_count(const confxml_node_t *n, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; n && i < n->n; i++)
        c += strcmp(n->kids[i]->name, name) == 0;
    return c;
}

void confxml_set(confxml_node_t *n, const char *text)
{
    char *t = xstrdup(text);
    free(n->text);
    n->text = t;
}

confxml_node_t *confxml_add(confxml_node_t *n, const char *name, const char *text)
{
    confxml_node_t *k = node_new(name, strlen(name), text, strlen(text));
    n->kids = xrealloc(n->kids, (n->n + 1) * sizeof *n->kids);
    n->kids[n->n++] = k;
    return k;
}

void confxml_write_kids(const confxml_node_t *n, const confxml_elem_t *spec, buf_t *out)
{
    for (const confxml_elem_t *k = spec->kids; k && k->name; k++)
        for (size_t i = 0; i < n->n; i++)
            if (strcmp(n->kids[i]->name, k->name) == 0) confxml_write(n->kids[i], k, out);
}

void confxml_write(const confxml_node_t *n, const confxml_elem_t *spec, buf_t *out)
{
    buf_printf(out, "<%s", spec->name);
    if (spec->attrs) spec->attrs(n, out);
    buf_putc(out, '>');
    if (spec->type == CONFXML_STRUCT)
        confxml_write_kids(n, spec, out);
    else
        buf_xml(out, n->text, strlen(n->text));
    buf_printf(out, "</%s>", spec->name);
}
