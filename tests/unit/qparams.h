/* qparams — a parsed query string (query_parse) as the getter that
 * listparams_parse reads, the way the handler hands it the request's query.
 * Shared by the unit tests and the fuzz targets (which include it by path). */
#ifndef FAKES3_TEST_QPARAMS_H
#define FAKES3_TEST_QPARAMS_H

#include <stddef.h>
#include <string.h>

#include "s3/query.h"

typedef struct qparams {
    s3_qparam_t *p;
    size_t n;
} qparams_t;

/* The value of the first parameter called name in ctx (a qparams_t), or NULL. */
static inline const char *qparams_get(void *ctx, const char *name)
{
    const qparams_t *q = ctx;
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->p[i].name, name) == 0) return q->p[i].value;
    return NULL;
}

#endif
