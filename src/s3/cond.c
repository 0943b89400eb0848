/* cond — see cond.h. */
#include "s3/cond.h"

#include <ctype.h>
#include <string.h>

#include "lib/util.h"

cond_result_t cond_eval(const char *im, const char *ius, const char *inm, const char *ims,
                        const char *etag, int64_t mtime_ms)
{
    int64_t t, mtime_s = mtime_ms / 1000;
    if (im) {
        if (!cond_etag_matches(im, etag)) return COND_FAILED;
    } else if (ius && util_parse_http_date(ius, &t) == 0 && mtime_s > t / 1000) {
        return COND_FAILED;
    }
    if (inm) {
        if (cond_etag_matches(inm, etag)) return COND_NOT_MODIFIED;
    } else if (ims && util_parse_http_date(ims, &t) == 0 && mtime_s <= t / 1000) {
        return COND_NOT_MODIFIED;
    }
    return COND_OK;
}

int cond_etag_matches(const char *list, const char *etag)
{
    size_t en = strlen(etag);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (e - s >= 2 && s[0] == 'W' && s[1] == '/') s += 2;
        if (e - s >= 2 && *s == '"' && e[-1] == '"') s++, e--;
        if ((e - s == 1 && *s == '*') || ((size_t)(e - s) == en && memcmp(s, etag, en) == 0))
            return 1;
        p += n;
    }
    return 0;
}
