/* query — see query.h. */
#include "s3/query.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

int query_parse(const char *q, s3_qparam_t **params, size_t *nparams)
{
    while (*q) {
        size_t n = strcspn(q, "&");
        if (n) {
            const char *eq = memchr(q, '=', n);
            size_t nl = eq ? (size_t)(eq - q) : n;
            size_t dl;
            char *name = util_urldec(q, nl, 1, &dl);
            char *value = eq ? util_urldec(eq + 1, n - nl - 1, 1, &dl) : xstrdup("");
            if (!name || !value) {
                free(name);
                free(value);
                return -1;
            }
            /* The capacity is implied by the count (the array only grows
             * here): 4, then doubled at each power of two. */
            size_t k = *nparams;
            if (k == 0 || (k >= 4 && (k & (k - 1)) == 0))
                *params = xrealloc(*params, (k ? 2 * k : 4) * sizeof **params);
            (*params)[(*nparams)++] = (s3_qparam_t){name, value, eq != NULL};
        }
        q += n;
        if (*q == '&') q++;
    }
    return 0;
}

void query_free(s3_qparam_t *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].value);
    }
    free(params);
}
