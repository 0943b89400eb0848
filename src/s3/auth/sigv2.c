#include "s3/auth/sigv2.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/hmac.h>

#include "lib/util.h"

/* The sub-resources S3 signs: botocore's HmacV1Auth QSAOfInterest and the
 * configuration sub-resources s3cmd signs. Sorted for bsearch. */
static const char *const signed_subs[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "partNumber",
    "policy",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "retention",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

static int cmp_name(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int is_signed_sub(const char *name)
{
    return bsearch(name, signed_subs, sizeof signed_subs / sizeof *signed_subs, sizeof *signed_subs,
                   cmp_name) != NULL;
}

typedef struct pair {
    char *k, *v; /* decoded; v NULL when valueless */
    size_t order;
} pair_t;

static int pair_cmp(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void lower_into(buf_t *b, const char *s)
{
    for (; *s; s++)
        buf_putc(b, (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s));
}

/* Index of headers sorted by lower-cased name, keeping arrival order. */
typedef struct amz {
    char *name;
    const char *value;
    size_t order;
} amz_t;

static int amz_cmp(const void *a, const void *b)
{
    const amz_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int string_to_sign(const authreq_t *r, const char *date, const char *vhost_bucket,
                          int bucket_slash, buf_t *out)
{
    const char *md5 = authreq_header(r, "Content-MD5");
    const char *ct = authreq_header(r, "Content-Type");
    buf_printf(out, "%s\n%s\n%s\n%s\n", r->method, md5 ? md5 : "", ct ? ct : "", date);

    amz_t *a = NULL;
    size_t na = 0;
    for (size_t i = 0; i < r->nhdrs; i++) {
        if (strncasecmp(r->hdrs[i].name, "x-amz-", 6) != 0) continue;
        buf_t n = BUF_INIT;
        lower_into(&n, r->hdrs[i].name);
        a = xrealloc(a, (na + 1) * sizeof *a);
        a[na] = (amz_t){buf_take(&n), r->hdrs[i].value, i};
        na++;
    }
    if (na) qsort(a, na, sizeof *a, amz_cmp);
    for (size_t i = 0; i < na; i++) {
        if (i == 0 || strcmp(a[i].name, a[i - 1].name) != 0) {
            if (i) buf_putc(out, '\n');
            buf_printf(out, "%s:", a[i].name);
        } else {
            buf_putc(out, ',');
        }
        buf_puts(out, a[i].value);
    }
    if (na) buf_putc(out, '\n');
    for (size_t i = 0; i < na; i++)
        free(a[i].name);
    free(a);

    if (vhost_bucket) buf_printf(out, "/%s", vhost_bucket);
    size_t plen = strcspn(r->target, "?");
    buf_append(out, r->target, plen);
    if (bucket_slash) buf_putc(out, '/');
    const char *q = authreq_query(r);
    pair_t *v = NULL;
    size_t nv = 0;
    int rc = 0;
    while (*q) {
        size_t n = strcspn(q, "&");
        if (n) {
            const char *eq = memchr(q, '=', n);
            size_t kl = eq ? (size_t)(eq - q) : n, dl;
            char *k = util_urldec(q, kl, 0, &dl);
            if (!k) {
                rc = -1;
            } else if (is_signed_sub(k)) {
                char *val = eq ? util_urldec(eq + 1, n - kl - 1, 0, &dl) : NULL;
                if (eq && !val) rc = -1;
                v = xrealloc(v, (nv + 1) * sizeof *v);
                v[nv] = (pair_t){k, val, nv};
                nv++;
                k = NULL;
            }
            free(k);
        }
        q += n;
        if (*q == '&') q++;
    }
    if (nv) qsort(v, nv, sizeof *v, pair_cmp);
    for (size_t i = 0; i < nv; i++) {
        buf_printf(out, "%c%s", i ? '&' : '?', v[i].k);
        if (v[i].v) buf_printf(out, "=%s", v[i].v);
        free(v[i].k);
        free(v[i].v);
    }
    free(v);
    return rc;
}

void sigv2_sign(const char *secret, const char *sts, size_t n, char out[SIGV2_B64])
{
    struct hmac_sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    hmac_sha1_set_key(&c, strlen(secret), (const uint8_t *)secret);
    hmac_sha1_update(&c, n, (const uint8_t *)sts);
    hmac_sha1_digest(&c, sizeof d, d);
    util_base64(d, sizeof d, out);
}

int sigv2_string_to_sign(const authreq_t *r, const char *date, const char *vhost_bucket, buf_t *out)
{
    return string_to_sign(r, date, vhost_bucket, 0, out);
}

int sigv2_string_to_sign_bucket_slash(const authreq_t *r, const char *date,
                                      const char *vhost_bucket, buf_t *out)
{
    size_t plen = strcspn(r->target, "?");
    /* Only "/bucket" of a path-style bucket-level request. */
    if (vhost_bucket || plen < 2 || memchr(r->target + 1, '/', plen - 1)) return 0;
    string_to_sign(r, date, NULL, 1, out);
    return 1;
}
