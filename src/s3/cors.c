#include "s3/cors.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

#define ROOT "CORSConfiguration"
#define RULE ROOT "/CORSRule"

struct parse {
    cors_config_t *c;
    cors_rule_t cur;
    int seen_root;
    int err; /* CORS_E* once failed */
};

static void list_add(cors_list_t *l, const char *s, size_t n)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = xstrndup(s, n);
}

static void list_free(cors_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void rule_free(cors_rule_t *r)
{
    free(r->id);
    list_free(&r->origins);
    list_free(&r->methods);
    list_free(&r->headers);
    list_free(&r->expose);
}

void cors_free(cors_config_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        rule_free(&c->rules[i]);
    free(c->rules);
    c->rules = NULL;
    c->n = 0;
}

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    struct parse *p = ctx;
    /* Leaf values without the whitespace around them. */
    while (n && isspace((unsigned char)*text))
        text++, n--;
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    cors_rule_t *r = &p->cur;
    if (strcmp(path, RULE "/AllowedOrigin") == 0) {
        list_add(&r->origins, text, n);
    } else if (strcmp(path, RULE "/AllowedMethod") == 0) {
        list_add(&r->methods, text, n);
    } else if (strcmp(path, RULE "/AllowedHeader") == 0) {
        list_add(&r->headers, text, n);
    } else if (strcmp(path, RULE "/ExposeHeader") == 0) {
        list_add(&r->expose, text, n);
    } else if (strcmp(path, RULE "/ID") == 0 && !r->id) {
        r->id = xstrndup(text, n);
    } else if (strcmp(path, RULE "/MaxAgeSeconds") == 0 && r->max_age < 0) {
        long v = 0;
        if (n == 0 || n > 9) goto malformed;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)text[i])) goto malformed;
            v = v * 10 + (text[i] - '0');
        }
        r->max_age = v;
    } else if (strcmp(path, RULE) == 0) {
        /* Each rule names at least one origin and one method. */
        if (!r->origins.n || !r->methods.n) goto malformed;
        p->c->rules = xrealloc(p->c->rules, (p->c->n + 1) * sizeof *p->c->rules);
        p->c->rules[p->c->n++] = *r;
        memset(r, 0, sizeof *r);
        r->max_age = -1;
    } else if (strcmp(path, ROOT) == 0) {
        p->seen_root = 1;
    } else {
        goto malformed;
    }
    return 0;
malformed:
    p->err = CORS_EMALFORMED;
    return 1;
}

static int wildcards(const char *s)
{
    int k = 0;
    for (; *s; s++)
        k += *s == '*';
    return k;
}

static int method_ok(const char *m)
{
    static const char *const ok[] = {"GET", "PUT", "POST", "DELETE", "HEAD"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strcmp(ok[i], m) == 0) return 1;
    return 0;
}

/* Values that go out in response headers must hold no control character. */
static int list_clean(const cors_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (const char *s = l->v[i]; *s; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
    return 1;
}

static int validate(const cors_config_t *c, char *msg, size_t msglen)
{
    for (size_t i = 0; i < c->n; i++) {
        const cors_rule_t *r = &c->rules[i];
        if (!list_clean(&r->origins) || !list_clean(&r->headers) || !list_clean(&r->expose))
            return CORS_EMALFORMED;
    }
    if (c->n > CORS_MAX_RULES) {
        snprintf(msg, msglen,
                 "The number of CORS rules should not exceed allowed limit of %d rules.",
                 CORS_MAX_RULES);
        return CORS_EINVALID;
    }
    for (size_t i = 0; i < c->n; i++) {
        const cors_rule_t *r = &c->rules[i];
        if (r->id && strlen(r->id) > 255) {
            snprintf(msg, msglen,
                     "The ID value can be up to 255 characters long. Invalid ID is \"%.300s\"",
                     r->id);
            return CORS_EINVALID;
        }
        for (size_t j = 0; j < r->methods.n; j++)
            if (!method_ok(r->methods.v[j])) {
                snprintf(msg, msglen,
                         "Found unsupported HTTP method in CORS config. Unsupported method is %s",
                         r->methods.v[j]);
                return CORS_EINVALID;
            }
        for (size_t j = 0; j < r->origins.n; j++)
            if (wildcards(r->origins.v[j]) > 1) {
                snprintf(msg, msglen, "AllowedOrigin \"%s\" can not have more than one wildcard.",
                         r->origins.v[j]);
                return CORS_EINVALID;
            }
        for (size_t j = 0; j < r->headers.n; j++)
            if (wildcards(r->headers.v[j]) > 1) {
                snprintf(msg, msglen, "AllowedHeader \"%s\" can not have more than one wildcard.",
                         r->headers.v[j]);
                return CORS_EINVALID;
            }
    }
    return CORS_OK;
}

int cors_parse(const char *xml, size_t n, cors_config_t *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    if (msglen) msg[0] = '\0';
    struct parse p = {.c = out};
    p.cur.max_age = -1;
    int rc = xmlin_parse(xml, n, on_elem, &p);
    rule_free(&p.cur);
    if (rc != 0 || !p.seen_root || out->n == 0) return CORS_EMALFORMED;
    return validate(out, msg, msglen);
}

static void put_list(buf_t *b, const char *name, const cors_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        s3_xml_elem_s(b, name, l->v[i]);
}

void cors_serialize(const cors_config_t *c, buf_t *b)
{
    s3_xml_begin(b, ROOT);
    for (size_t i = 0; i < c->n; i++) {
        const cors_rule_t *r = &c->rules[i];
        buf_puts(b, "<CORSRule>");
        if (r->id) s3_xml_elem_s(b, "ID", r->id);
        put_list(b, "AllowedHeader", &r->headers);
        put_list(b, "AllowedMethod", &r->methods);
        put_list(b, "AllowedOrigin", &r->origins);
        put_list(b, "ExposeHeader", &r->expose);
        if (r->max_age >= 0) buf_printf(b, "<MaxAgeSeconds>%ld</MaxAgeSeconds>", r->max_age);
        buf_puts(b, "</CORSRule>");
    }
    buf_puts(b, "</" ROOT ">");
}

/* Whether s[0..n) matches pattern (at most one '*', any run of bytes). */
static int glob(const char *pat, const char *s, size_t n, int nocase)
{
    const char *star = strchr(pat, '*');
    size_t pn = strlen(pat);
    int (*cmp)(const char *, const char *, size_t) = nocase ? strncasecmp : strncmp;
    if (!star) return pn == n && cmp(pat, s, n) == 0;
    size_t pre = (size_t)(star - pat), suf = pn - pre - 1;
    return n >= pre + suf && cmp(pat, s, pre) == 0 && cmp(star + 1, s + n - suf, suf) == 0;
}

static int any_glob(const cors_list_t *l, const char *s, size_t n, int nocase)
{
    for (size_t i = 0; i < l->n; i++)
        if (glob(l->v[i], s, n, nocase)) return 1;
    return 0;
}

/* The next comma-separated item, trimmed; 0 at the end. */
static int next_item(const char **p, const char **item, size_t *n)
{
    for (;;) {
        const char *s = *p;
        if (!*s) return 0;
        size_t len = strcspn(s, ",");
        *p = s[len] ? s + len + 1 : s + len;
        while (len && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len) {
            *item = s;
            *n = len;
            return 1;
        }
    }
}

static int rule_matches(const cors_rule_t *r, const char *origin, const char *method,
                        const char *req_headers)
{
    int m = 0;
    for (size_t i = 0; i < r->methods.n && !m; i++)
        m = strcmp(r->methods.v[i], method) == 0;
    if (!m || !any_glob(&r->origins, origin, strlen(origin), 0)) return 0;
    const char *p = req_headers ? req_headers : "", *h;
    size_t hn;
    while (next_item(&p, &h, &hn))
        if (!any_glob(&r->headers, h, hn, 1)) return 0;
    return 1;
}

const cors_rule_t *cors_match(const cors_config_t *c, const char *origin, const char *method,
                              const char *req_headers)
{
    for (size_t i = 0; i < c->n; i++)
        if (rule_matches(&c->rules[i], origin, method, req_headers)) return &c->rules[i];
    return NULL;
}

int cors_rule_any_origin(const cors_rule_t *r)
{
    for (size_t i = 0; i < r->origins.n; i++)
        if (strcmp(r->origins.v[i], "*") == 0) return 1;
    return 0;
}

void cors_join(const cors_list_t *l, buf_t *out)
{
    for (size_t i = 0; i < l->n; i++)
        buf_printf(out, "%s%s", i ? ", " : "", l->v[i]);
}

void cors_requested_headers(const char *req_headers, buf_t *out)
{
    const char *p = req_headers ? req_headers : "", *h;
    size_t hn;
    int first = 1;
    while (next_item(&p, &h, &hn)) {
        if (!first) buf_puts(out, ", ");
        first = 0;
        for (size_t i = 0; i < hn; i++)
            buf_putc(out, (char)tolower((unsigned char)h[i]));
    }
}
