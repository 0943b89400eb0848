/* xmlin — reading the small XML documents S3 requests carry, with Expat.
 *
 * The parser calls back once per element end with the element's path from
 * the root ("Delete/Object/Key") and its text content. Documents with a
 * DOCTYPE (entity tricks) are refused. */
#ifndef FAKES3_XMLIN_H
#define FAKES3_XMLIN_H

#include <stddef.h>

/* Called at each element's end; return non-zero to stop with an error. */
typedef int (*xmlin_fn)(void *ctx, const char *path, const char *text, size_t n);

/* Parse n bytes; 0 on success, -1 if the document is not well-formed, uses
 * a DOCTYPE, nests deeper than 16 or the callback failed. */
int xmlin_parse(const char *data, size_t n, xmlin_fn fn, void *ctx);

#endif
