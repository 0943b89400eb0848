/* confxml — bucket configuration documents read against a schema and written
 * back in S3's canonical form.
 *
 * A schema is a tree of confxml_elem_t: an element's name, how often it may
 * occur, its type and, for a structure, its children in the order S3 answers
 * them (botocore's service model order). confxml_parse reads a request body
 * (with Expat, through xmlin) into a tree of nodes and checks it against the
 * schema: the root's name, no element the schema does not name, each
 * element's count, leaf values of their type (integers, booleans, one of a
 * list). Whatever fails there is what S3 answers MalformedXML for; the
 * configuration's own rules (S3's InvalidArgument and InvalidRequest cases)
 * are the caller's, on the tree. The tree can be changed (an Id S3 assigns, a
 * value S3 normalises) and is written back in schema order, whatever order,
 * whitespace or namespace prefixes the client sent.
 *
 * Leaf text is kept without the whitespace around it, integers and booleans
 * in their canonical spelling. Knows nothing of HTTP or S3 errors. */
#ifndef FAKES3_CONFXML_H
#define FAKES3_CONFXML_H

#include <stddef.h>

#include "lib/buf.h"

typedef enum {
    CONFXML_TEXT,   /* any text, or one of values */
    CONFXML_INT,    /* a decimal integer (optional '-'), within a long */
    CONFXML_BOOL,   /* true or false */
    CONFXML_STRUCT, /* child elements only (kids may be empty: <SSE-S3/>) */
} confxml_type_t;

typedef struct confxml_node confxml_node_t;

typedef struct confxml_elem {
    const char *name; /* NULL ends a list of children */
    int min, max;     /* occurrences; max 0: any number */
    confxml_type_t type;
    const struct confxml_elem *kids; /* CONFXML_STRUCT: children in S3's order */
    const char *const *values;       /* CONFXML_TEXT: allowed values (NULL-ended), or NULL */
    /* Attributes to write into the element's start tag (" a=\"v\""), or NULL. */
    void (*attrs)(const confxml_node_t *n, buf_t *out);
} confxml_elem_t;

struct confxml_node {
    char *name; /* owned, without namespace prefix */
    char *text; /* owned leaf text (trimmed), "" for a structure */
    confxml_node_t **kids;
    size_t n;
};

/* ---- reading ---- */
/* Read xml[0..n) whose root element must be root: 0 with *out (the caller
 * frees it with confxml_free), or -1 (nothing to free) when the document is
 * not well-formed or does not validate against the schema. */
int confxml_parse(const char *xml, size_t n, const confxml_elem_t *root, confxml_node_t **out);
/* Release a tree (NULL is fine). */
void confxml_free(confxml_node_t *n);

/* ---- looking ---- */
/* The first child named name, or NULL. */
confxml_node_t *confxml_get(const confxml_node_t *n, const char *name);
/* The node at a '/'-separated path of first children ("Destination/Bucket"), or NULL. */
confxml_node_t *confxml_path(const confxml_node_t *n, const char *path);
/* The text of the child at path, or NULL when there is none. */
const char *confxml_text(const confxml_node_t *n, const char *path);
/* How many children are named name. */
size_t confxml_count(const confxml_node_t *n, const char *name);

/* ---- changing ---- */
/* Replace a node's text. */
void confxml_set(confxml_node_t *n, const char *text);
/* Append a leaf child; the new node (owned by n). */
confxml_node_t *confxml_add(confxml_node_t *n, const char *name, const char *text);

/* ---- writing ---- */
/* Append the node as <name>...</name> in the schema's order (spec is the
 * node's own element). */
void confxml_write(const confxml_node_t *n, const confxml_elem_t *spec, buf_t *out);
/* Append only its children, in the schema's order. */
void confxml_write_kids(const confxml_node_t *n, const confxml_elem_t *spec, buf_t *out);

#endif
