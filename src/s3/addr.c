#include "s3/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static int is_base(const char *h, size_t n, const char *const *bases, size_t nbases)
{
    for (size_t i = 0; i < nbases; i++)
        if (strlen(bases[i]) == n && memcmp(bases[i], h, n) == 0) return 1;
    static const char *const builtin[] = {"localhost", "s3.amazonaws.com",
                                          "s3-external-1.amazonaws.com"};
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
        if (strlen(builtin[i]) == n && memcmp(builtin[i], h, n) == 0) return 1;
    /* s3.<region>.amazonaws.com, s3-<region>.amazonaws.com and the dualstack form */
    static const char suffix[] = ".amazonaws.com";
    size_t sl = sizeof suffix - 1;
    if (n > sl + 3 && memcmp(h + n - sl, suffix, sl) == 0 &&
        (memcmp(h, "s3.", 3) == 0 || memcmp(h, "s3-", 3) == 0)) {
        const char *mid = h + 3;
        size_t mn = n - sl - 3;
        if (memchr(mid, '.', mn) == NULL) return 1; /* s3.<region>.amazonaws.com */
        if (mn > 10 && memcmp(mid, "dualstack.", 10) == 0 && !memchr(mid + 10, '.', mn - 10))
            return 1;
    }
    return 0;
}

char *addr_vhost_bucket(const char *host, const char *const *bases, size_t nbases)
{
    if (!host || !*host || host[0] == '[') return NULL; /* none, or an IPv6 literal */
    char h[256];
    size_t n = strcspn(host, ":");
    if (n == 0 || n >= sizeof h) return NULL;
    for (size_t i = 0; i < n; i++)
        h[i] = (char)tolower((unsigned char)host[i]);
    h[n] = '\0';
    if (h[n - 1] == '.') h[--n] = '\0'; /* a fully qualified "name." */
    struct in_addr a4;
    if (n == 0 || inet_pton(AF_INET, h, &a4) == 1) return NULL;
    if (is_base(h, n, bases, nbases)) return NULL;
    /* <bucket>.<base>: the longest base that is a suffix wins. */
    for (const char *dot = strchr(h, '.'); dot; dot = strchr(dot + 1, '.')) {
        if (is_base(dot + 1, n - (size_t)(dot + 1 - h), bases, nbases)) {
            if (dot == h) return NULL;
            return xstrndup(h, (size_t)(dot - h));
        }
    }
    /* The compose alias case: <label>.<single-label>. */
    const char *dot = strchr(h, '.');
    if (dot && dot != h && dot[1] && !strchr(dot + 1, '.')) return xstrndup(h, (size_t)(dot - h));
    return NULL;
}

int addr_parse(const char *target, const char *host, const char *const *bases, size_t nbases,
               addr_target_t *out)
{
    memset(out, 0, sizeof *out);
    /* An absolute-form target: http://host/path */
    size_t scheme = strncmp(target, "http://", 7) == 0    ? 7
                    : strncmp(target, "https://", 8) == 0 ? 8
                                                          : 0;
    if (scheme) {
        const char *p = strchr(target + scheme, '/');
        target = p ? p : "/";
    }
    if (target[0] != '/') return -1;
    size_t plen = strcspn(target, "?");
    out->query = target[plen] == '?' ? target + plen + 1 : "";
    size_t n;
    char *path = util_urldec(target, plen, 0, &n);
    if (!path) return -1;
    char *vb = addr_vhost_bucket(host, bases, nbases);
    if (vb) {
        out->vhost = 1;
        out->bucket = vb;
        if (n > 1) {
            out->key = xstrndup(path + 1, n - 1);
            out->key_len = n - 1;
        }
        free(path);
        return 0;
    }
    const char *p = path + 1;
    size_t rest = n - 1;
    const char *slash = memchr(p, '/', rest);
    size_t blen = slash ? (size_t)(slash - p) : rest;
    if (memchr(p, '\0', blen)) {
        /* "%00" in a bucket name: no bucket can be named so (found by fuzz_addr) */
        free(path);
        return -1;
    }
    if (blen) {
        out->bucket = xstrndup(p, blen);
        if (slash && rest > blen + 1) {
            out->key = xstrndup(slash + 1, rest - blen - 1);
            out->key_len = rest - blen - 1;
        }
    } else if (rest) {
        /* "//key": no bucket but something after it */
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

void addr_free(addr_target_t *t)
{
    free(t->bucket);
    free(t->key);
    t->bucket = t->key = NULL;
}
