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
            *params = xrealloc(*params, (*nparams + 1) * sizeof **params);
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
