/* authreq — a request as signing sees it: method, raw target and headers.
 *
 * The signature code reads requests only through this view, so that it serves
 * the server (built from the http layer's request) and the unit tests (built
 * from captured wire files) alike. Nothing here is owned: every pointer is the
 * caller's and must outlive the view. */
#ifndef FAKES3_AUTH_AUTHREQ_H
#define FAKES3_AUTH_AUTHREQ_H

#include <stddef.h>

#include "lib/buf.h"

typedef struct authreq_hdr {
    const char *name, *value; /* value without surrounding blanks */
} authreq_hdr_t;

typedef struct authreq {
    const char *method;
    const char *target; /* the raw request target: path, then "?query" if any */
    const authreq_hdr_t *hdrs;
    size_t nhdrs;
} authreq_t;

/* The first value of a header (name compared case-insensitively), or NULL. */
const char *authreq_header(const authreq_t *r, const char *name);
/* The raw query: what follows '?' in the target, or "". */
const char *authreq_query(const authreq_t *r);
/* The percent-decoded value of the first query parameter named name (exact
 * match after decoding; '+' stays '+') into out (reset first). Returns 1 when
 * present, 0 when absent, -1 when a name or value is badly encoded. */
int authreq_param(const authreq_t *r, const char *name, buf_t *out);

#endif
