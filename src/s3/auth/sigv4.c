#include "s3/auth/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/hmac.h>

#include "lib/util.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int sigv4_parse_auth(const char *v, sigv4_auth_t *out)
{
    memset(out, 0, sizeof *out);
    size_t alen = strlen(SIGV4_ALGORITHM);
    if (strncmp(v, SIGV4_ALGORITHM, alen) != 0 || !is_blank(v[alen])) return -1;
    const char *p = v + alen;
    while (*p) {
        while (is_blank(*p) || *p == ',')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        if (!eq) return -1;
        size_t kl = (size_t)(eq - p);
        sigv4_span_t *dst = NULL;
        if (kl == 10 && strncmp(p, "Credential", 10) == 0)
            dst = &out->credential;
        else if (kl == 13 && strncmp(p, "SignedHeaders", 13) == 0)
            dst = &out->signed_headers;
        else if (kl == 9 && strncmp(p, "Signature", 9) == 0)
            dst = &out->signature;
        if (!dst || dst->p) return -1;
        dst->p = eq + 1;
        dst->n = n - kl - 1;
        while (dst->n && is_blank(dst->p[dst->n - 1]))
            dst->n--;
        p += n;
    }
    return out->credential.p && out->signed_headers.p && out->signature.p ? 0 : -1;
}

static int copy_part(const char **p, const char *end, char *dst, size_t cap, int last)
{
    const char *s = *p;
    const char *e = last ? end : memchr(s, '/', (size_t)(end - s));
    if (!e || e == s || (size_t)(e - s) >= cap) return -1;
    memcpy(dst, s, (size_t)(e - s));
    dst[e - s] = '\0';
    *p = last ? e : e + 1;
    return 0;
}

int sigv4_parse_cred(const char *p, size_t n, sigv4_cred_t *out)
{
    memset(out, 0, sizeof *out);
    const char *end = p + n;
    /* The access key may not contain '/', the terminal neither: five parts. */
    if (copy_part(&p, end, out->ak, sizeof out->ak, 0) ||
        copy_part(&p, end, out->date, sizeof out->date, 0) ||
        copy_part(&p, end, out->region, sizeof out->region, 0) ||
        copy_part(&p, end, out->service, sizeof out->service, 0) ||
        copy_part(&p, end, out->terminal, sizeof out->terminal, 1))
        return -1;
    return strchr(out->terminal, '/') ? -1 : 0;
}

typedef struct qpair {
    char *k, *v; /* encoded */
} qpair_t;

static int qpair_cmp(const void *a, const void *b)
{
    const qpair_t *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

static char *reencode(const char *s, size_t n, int *bad)
{
    size_t dl;
    char *d = util_urldec(s, n, 0, &dl);
    if (!d) {
        *bad = 1;
        return xstrdup("");
    }
    buf_t b = BUF_INIT;
    buf_urlenc(&b, d, dl, 0);
    free(d);
    return b.p ? buf_take(&b) : xstrdup("");
}

static int canonical_query(const char *q, int drop_signature, buf_t *out)
{
    qpair_t *v = NULL;
    size_t nv = 0;
    int bad = 0;
    while (*q) {
        size_t n = strcspn(q, "&");
        if (n) {
            const char *eq = memchr(q, '=', n);
            size_t kl = eq ? (size_t)(eq - q) : n;
            qpair_t x;
            x.k = reencode(q, kl, &bad);
            x.v = eq ? reencode(eq + 1, n - kl - 1, &bad) : xstrdup("");
            if (drop_signature && strcmp(x.k, "X-Amz-Signature") == 0) {
                free(x.k);
                free(x.v);
            } else {
                v = xrealloc(v, (nv + 1) * sizeof *v);
                v[nv++] = x;
            }
        }
        q += n;
        if (*q == '&') q++;
    }
    if (nv) qsort(v, nv, sizeof *v, qpair_cmp);
    for (size_t i = 0; i < nv; i++) {
        buf_printf(out, "%s%s=%s", i ? "&" : "", v[i].k, v[i].v);
        free(v[i].k);
        free(v[i].v);
    }
    free(v);
    return bad ? -1 : 0;
}

/* A header value trimmed, inner blank runs made one space. */
static void canon_value(buf_t *out, const char *v)
{
    while (is_blank(*v))
        v++;
    int space = 0;
    for (; *v; v++) {
        if (is_blank(*v)) {
            space = 1;
            continue;
        }
        if (space) buf_putc(out, ' ');
        space = 0;
        buf_putc(out, *v);
    }
}

int sigv4_canonical_request(const authreq_t *r, const char *sh, size_t shlen,
                            const char *payload_hash, int drop_signature, buf_t *out)
{
    int rc = 0;
    buf_printf(out, "%s\n", r->method);
    const char *t = r->target;
    size_t plen = strcspn(t, "?");
    size_t dl;
    char *path = util_urldec(t, plen, 0, &dl);
    if (!path) return -1;
    buf_urlenc(out, path, dl, 1);
    free(path);
    buf_putc(out, '\n');
    if (canonical_query(authreq_query(r), drop_signature, out)) rc = -1;
    buf_putc(out, '\n');
    const char *p = sh, *end = sh + shlen;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t n = semi ? (size_t)(semi - p) : (size_t)(end - p);
        for (size_t i = 0; i < n; i++)
            buf_putc(out, (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]));
        buf_putc(out, ':');
        int first = 1;
        for (size_t i = 0; i < r->nhdrs; i++) {
            const char *hn = r->hdrs[i].name;
            if (strlen(hn) != n || strncasecmp(hn, p, n) != 0) continue;
            if (!first) buf_putc(out, ',');
            canon_value(out, r->hdrs[i].value);
            first = 0;
        }
        buf_putc(out, '\n');
        p += n + (semi != NULL);
    }
    buf_putc(out, '\n');
    buf_append(out, sh, shlen);
    buf_putc(out, '\n');
    buf_puts(out, payload_hash);
    return rc;
}

void sigv4_sha256_hex(const void *msg, size_t n, char hex[SIGV4_HEX])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, n, msg);
    sha256_digest(&c, sizeof d, d);
    util_hex(d, sizeof d, hex);
}

void sigv4_string_to_sign(const char *amzdate, const char *scope, const char *creq, size_t n,
                          buf_t *out)
{
    char h[SIGV4_HEX];
    sigv4_sha256_hex(creq, n, h);
    buf_printf(out, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, amzdate, scope, h);
}

static void hmac(const uint8_t *key, size_t klen, const char *msg, size_t n, uint8_t out[32])
{
    struct hmac_sha256_ctx c;
    hmac_sha256_set_key(&c, klen, key);
    hmac_sha256_update(&c, n, (const uint8_t *)msg);
    hmac_sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

void sigv4_signing_key(const char *secret, const char *date, const char *region,
                       const char *service, uint8_t key[32])
{
    size_t sl = strlen(secret);
    char *k0 = xmalloc(sl + 5);
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, sl + 1);
    uint8_t a[32], b[32];
    hmac((const uint8_t *)k0, sl + 4, date, strlen(date), a);
    hmac(a, 32, region, strlen(region), b);
    hmac(b, 32, service, strlen(service), a);
    hmac(a, 32, "aws4_request", 12, key);
    free(k0);
}

void sigv4_sign(const uint8_t key[32], const char *msg, size_t n, char hex[SIGV4_HEX])
{
    uint8_t d[32];
    hmac(key, 32, msg, n, d);
    util_hex(d, 32, hex);
}

int sigv4_sig_equal(const char *calc, const char *given, size_t glen)
{
    size_t cl = strlen(calc);
    if (cl != glen) return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < cl; i++)
        diff |= (unsigned char)calc[i] ^ (unsigned char)given[i];
    return diff == 0;
}

/* ---- streams ---- */

void sigv4_stream_init(sigv4_stream_t *s, const uint8_t key[32], const char *amzdate,
                       const char *scope, const char *seed, int want_trailer)
{
    memset(s, 0, sizeof *s);
    memcpy(s->key, key, 32);
    snprintf(s->amzdate, sizeof s->amzdate, "%s", amzdate);
    snprintf(s->scope, sizeof s->scope, "%s", scope);
    snprintf(s->prev, sizeof s->prev, "%s", seed);
    sha256_init(&s->chunk);
    sha256_init(&s->trailer);
    s->want_trailer = want_trailer;
}

void sigv4_stream_data(sigv4_stream_t *s, const char *p, size_t n)
{
    sha256_update(&s->chunk, n, (const uint8_t *)p);
}

int sigv4_stream_chunk(sigv4_stream_t *s, const char *sig, size_t siglen)
{
    uint8_t d[32];
    char h[SIGV4_HEX], calc[SIGV4_HEX];
    sha256_digest(&s->chunk, sizeof d, d); /* also resets for the next chunk */
    util_hex(d, sizeof d, h);
    buf_t sts = BUF_INIT;
    buf_printf(&sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s", s->amzdate, s->scope, s->prev,
               SIGV4_EMPTY_SHA, h);
    sigv4_sign(s->key, sts.p, sts.len, calc);
    buf_free(&sts);
    if (!sig || !sigv4_sig_equal(calc, sig, siglen)) return -1;
    memcpy(s->prev, calc, sizeof calc);
    return 0;
}

int sigv4_stream_trailer(sigv4_stream_t *s, const char *name, size_t nlen, const char *value,
                         size_t vlen)
{
    if (nlen == 23 && strncasecmp(name, "x-amz-trailer-signature", 23) == 0) {
        uint8_t d[32];
        char h[SIGV4_HEX], calc[SIGV4_HEX];
        sha256_digest(&s->trailer, sizeof d, d);
        util_hex(d, sizeof d, h);
        buf_t sts = BUF_INIT;
        buf_printf(&sts, "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s", s->amzdate, s->scope, s->prev,
                   h);
        sigv4_sign(s->key, sts.p, sts.len, calc);
        buf_free(&sts);
        if (s->trailer_seen || !sigv4_sig_equal(calc, value, vlen)) return -1;
        s->trailer_seen = 1;
        return 0;
    }
    if (s->trailer_seen) return -1; /* nothing may follow the signature unsigned */
    for (size_t i = 0; i < nlen; i++) {
        uint8_t c = (uint8_t)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        sha256_update(&s->trailer, 1, &c);
    }
    sha256_update(&s->trailer, 1, (const uint8_t *)":");
    sha256_update(&s->trailer, vlen, (const uint8_t *)value);
    sha256_update(&s->trailer, 1, (const uint8_t *)"\n");
    return 0;
}

int sigv4_stream_finish(const sigv4_stream_t *s)
{
    return s->want_trailer && !s->trailer_seen ? -1 : 0;
}
