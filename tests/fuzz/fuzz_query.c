/* fuzz_query — libFuzzer target for the query-string decoder (query_parse,
 * util_urldec) and its encoder (buf_urlenc).
 *
 * The input (up to its first NUL) is a query string. Invariants: a parse that
 * succeeds has one parameter per non-empty '&' piece, each the
 * percent-decoding of its raw text ('+' a space); every parameter encoded
 * again and parsed back gives the same parameters (decode(encode(x)) == x); a
 * failed parse leaves only whole parameters, and query_free releases them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/query.h"

static int same(const s3_qparam_t *a, size_t na, const s3_qparam_t *b, size_t nb)
{
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) != 0 || strcmp(a[i].value, b[i].value) != 0 ||
            a[i].has_value != b[i].has_value)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size + 1);
    if (!q) return 0;
    memcpy(q, data, size);
    q[size] = '\0';
    s3_qparam_t *ps = NULL;
    size_t n = 0;
    int rc = query_parse(q, &ps, &n);
    /* The pieces, checked one by one against util_urldec. */
    size_t pieces = 0, bad = 0;
    for (const char *p = q; *p;) {
        size_t len = strcspn(p, "&");
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t nl = eq ? (size_t)(eq - p) : len;
            char *name = util_urldec(p, nl, 1, NULL);
            char *value = eq ? util_urldec(eq + 1, len - nl - 1, 1, NULL) : strdup("");
            if (!name || !value) {
                bad = 1;
            } else if (!bad) {
                if (pieces >= n) abort();
                if (strcmp(ps[pieces].name, name) || strcmp(ps[pieces].value, value) ||
                    ps[pieces].has_value != (eq != NULL))
                    abort();
                pieces++;
            }
            free(name);
            free(value);
            if (bad) break;
        }
        p += len;
        if (*p == '&') p++;
    }
    if ((rc == 0) == bad) abort();
    if (pieces != n) abort();
    if (rc == 0) {
        buf_t b = BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (i) buf_putc(&b, '&');
            buf_urlenc(&b, ps[i].name, strlen(ps[i].name), 0);
            if (ps[i].has_value) {
                buf_putc(&b, '=');
                buf_urlenc(&b, ps[i].value, strlen(ps[i].value), i & 1);
            }
        }
        s3_qparam_t *again = NULL;
        size_t na = 0;
        /* An empty name without a value encodes to nothing: skipped, as "&&" is. */
        size_t want = 0;
        for (size_t i = 0; i < n; i++)
            want += *ps[i].name || ps[i].has_value;
        if (query_parse(b.p ? b.p : "", &again, &na) != 0 || na != want) abort();
        for (size_t i = 0, j = 0; i < n; i++) {
            if (!*ps[i].name && !ps[i].has_value) continue;
            if (!same(&ps[i], 1, &again[j++], 1)) abort();
        }
        query_free(again, na);
        buf_free(&b);
    }
    query_free(ps, n);
    free(q);
    return 0;
}
