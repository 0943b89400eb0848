#include "http/head.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

struct head_check {
    const char *cl;
    size_t cl_len;
    unsigned ncl, nte;
    uint64_t bytes;
    http_reject_t why;
};

/* One header field as libmicrohttpd keeps it. It ends the name at the colon
 * and the value at the line end, in its read buffer: the value follows the
 * name's NUL after optional whitespace. libmicrohttpd 0.9.75 joins a folded
 * continuation line onto the NAME (x-amz-meta-a + " b: c" became
 * "x-amz-meta-ab: c") in a copy elsewhere in its pool; the value is then no
 * longer where the name says, which is how a fold shows. */
static enum MHD_Result check_field(void *cls, enum MHD_ValueKind kind, const char *k, size_t klen,
                                   const char *v, size_t vlen)
{
    (void)kind;
    struct head_check *hk = cls;
    if (!v) v = "";
    if (!klen) goto bad;
    for (size_t i = 0; i < klen; i++)
        if (!is_tchar((unsigned char)k[i])) goto bad;
    uintptr_t kend = (uintptr_t)k + klen, vp = (uintptr_t)v;
    if (vp <= kend || vp - kend > 256) goto bad;
    for (const char *p = k + klen + 1; p < v; p++)
        if (*p != ' ' && *p != '\t') goto bad;
    for (size_t i = 0; i < vlen; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) goto bad; /* a bare CR, ESC, DEL... */
    }
    hk->bytes += klen + vlen;
    if (klen == 14 && strncasecmp(k, "Content-Length", 14) == 0) {
        if (hk->ncl++ && (vlen != hk->cl_len || memcmp(v, hk->cl, vlen) != 0)) goto bad;
        hk->cl = v;
        hk->cl_len = vlen;
    } else if (klen == 17 && strncasecmp(k, "Transfer-Encoding", 17) == 0) {
        hk->nte++;
    }
    return MHD_YES;
bad:
    hk->why = HTTP_REJECT_MALFORMED;
    return MHD_NO;
}

http_reject_t http_head_check(struct MHD_Connection *c, unsigned max_head, int64_t *content_length,
                              int *chunked)
{
    *content_length = -1;
    *chunked = 0;
    struct head_check hk = {0};
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, check_field, &hk);
    if (hk.why) return hk.why;
    if (max_head && hk.bytes > max_head) return HTTP_REJECT_HEAD_TOO_LARGE;
    if (hk.nte) {
        /* libmicrohttpd reads a body only for exactly "chunked" (its test). */
        const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
        if (hk.nte > 1 || !te || strcasecmp(te, "chunked") != 0) return HTTP_REJECT_TE_UNSUPPORTED;
        *chunked = 1;
    }
    if (hk.ncl) {
        /* libmicrohttpd takes any uint64; UINT64_MAX is its "unknown size". */
        char *end;
        errno = 0;
        long long v = strtoll(hk.cl, &end, 10);
        if (errno || end == hk.cl || *end || v < 0 || hk.cl[0] == '-' || hk.cl[0] == '+')
            return HTTP_REJECT_MALFORMED;
        *content_length = v;
    }
    return 0;
}
