#include "s3/auth/authreq.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

const char *authreq_header(const authreq_t *r, const char *name)
{
    for (size_t i = 0; i < r->nhdrs; i++)
        if (strcasecmp(r->hdrs[i].name, name) == 0) return r->hdrs[i].value;
    return NULL;
}

const char *authreq_query(const authreq_t *r)
{
    const char *q = strchr(r->target, '?');
    return q ? q + 1 : "";
}

int authreq_param(const authreq_t *r, const char *name, buf_t *out)
{
    const char *q = authreq_query(r);
    buf_reset(out);
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        size_t nl = eq ? (size_t)(eq - q) : n, dl;
        char *k = util_urldec(q, nl, 0, &dl);
        if (!k) return -1;
        int match = strlen(name) == dl && memcmp(k, name, dl) == 0;
        free(k);
        if (match) {
            char *v = eq ? util_urldec(eq + 1, n - nl - 1, 0, &dl) : xstrdup("");
            if (!v) return -1;
            buf_append(out, v, eq ? dl : 0);
            free(v);
            return 1;
        }
        q += n;
        if (*q == '&') q++;
    }
    return 0;
}
