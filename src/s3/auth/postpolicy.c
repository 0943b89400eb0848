/* postpolicy — POST policy documents; see postpolicy.h. */
#include "s3/auth/postpolicy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "lib/util.h"

/* S3's texts where captures show them (Invalid JSON, the expiration value,
 * Simple-Conditions, the operation identifier); else those of S3-compatible
 * servers modelled on it (versitygw, RGW). */
#define MSG_BASE64     "Invalid Policy: invalid Base64 encoding."
#define MSG_JSON       "Invalid Policy: Invalid JSON."
#define MSG_NO_EXPIRY  "Invalid Policy: Policy missing expiration."
#define MSG_NO_CONDS   "Invalid Policy: Policy missing conditions."
#define MSG_CONDS_LIST "Invalid Policy: Invalid 'conditions' value: must be a List."
#define MSG_NO_OP      "Invalid Policy: Invalid Condition: missing operation identifier."
#define MSG_NOT_STRING "Invalid Policy: Invalid Simple-Condition: value must be a string."
#define MSG_SIMPLE                                                                                 \
    "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property "  \
    "specified."

static char *lower_dup(const char *s)
{
    char *d = xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* "2026-12-07T15:00:00Z", with optional fractional seconds. */
static int parse_iso(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used != 19)
        return -1;
    const char *p = s + used;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 3) frac_ms = frac_ms * 10 + (*p - '0');
            digits++, p++;
        }
        if (!digits) return -1;
        for (; digits < 3; digits++)
            frac_ms *= 10;
    }
    if (strcmp(p, "Z") != 0) return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    *ms = (int64_t)timegm(&tm) * 1000 + frac_ms;
    return 0;
}

/* An element as S3 quotes it: compact JSON. */
static void render_elem(buf_t *b, const json_t *e)
{
    char *s = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
    buf_puts(b, s ? s : "null");
    free(s);
}

static int range_bound(const json_t *e, int64_t *out)
{
    if (json_is_integer(e)) {
        *out = json_integer_value(e);
        return 0;
    }
    if (json_is_string(e)) {
        const char *s = json_string_value(e);
        char *end;
        if (!*s) return -1;
        long long v = strtoll(s, &end, 10);
        if (*end) return -1;
        *out = v;
        return 0;
    }
    return -1;
}

/* One condition from its elements (op, $field, value). */
static void cond_from(postpolicy_cond_t *c, json_t *const *el, size_t n)
{
    buf_t r = BUF_INIT;
    buf_putc(&r, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(&r, ", ");
        render_elem(&r, el[i]);
    }
    buf_putc(&r, ']');
    c->rendered = buf_take(&r);
    c->op = POSTPOLICY_BAD;
    if (n != 3 || !json_is_string(el[0])) return;
    const char *op = json_string_value(el[0]);
    if (strcasecmp(op, "content-length-range") == 0) {
        if (range_bound(el[1], &c->min) == 0 && range_bound(el[2], &c->max) == 0)
            c->op = POSTPOLICY_RANGE;
        return;
    }
    int kind = strcasecmp(op, "eq") == 0            ? POSTPOLICY_EQ
               : strcasecmp(op, "starts-with") == 0 ? POSTPOLICY_STARTS_WITH
                                                    : 0;
    if (!kind || !json_is_string(el[1]) || !json_is_string(el[2])) return;
    const char *f = json_string_value(el[1]);
    if (f[0] != '$') return;
    c->field = lower_dup(f + 1);
    c->value = xstrdup(json_string_value(el[2]));
    c->op = kind;
}

s3_err_t postpolicy_parse(postpolicy_t *p, const char *b64, size_t n, buf_t *msg)
{
    memset(p, 0, sizeof *p);
    s3_err_t e = S3E_INVALID_POLICY_DOCUMENT;
    const char *m = NULL;
    unsigned char *raw = xmalloc(n / 4 * 3 + 4);
    size_t rl = n / 4 * 3 + 4;
    json_t *root = NULL;
    if (util_unbase64(b64, n, raw, &rl) != 0) {
        m = MSG_BASE64;
        goto out;
    }
    root = json_loadb((const char *)raw, rl, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root)) {
        m = MSG_JSON;
        goto out;
    }
    json_t *exp = json_object_get(root, "expiration");
    if (!exp) {
        m = MSG_NO_EXPIRY;
        goto out;
    }
    if (!json_is_string(exp) || parse_iso(json_string_value(exp), &p->expiration_ms)) {
        char *v = json_dumps(exp, JSON_COMPACT | JSON_ENCODE_ANY);
        const char *t = json_is_string(exp) ? json_string_value(exp) : v ? v : "";
        buf_printf(msg, "Invalid Policy: Invalid 'expiration' value: '%s'", t);
        free(v);
        goto out;
    }
    json_t *conds = json_object_get(root, "conditions");
    if (!conds) {
        m = MSG_NO_CONDS;
        goto out;
    }
    if (!json_is_array(conds)) {
        m = MSG_CONDS_LIST;
        goto out;
    }
    p->n = json_array_size(conds);
    p->conds = xcalloc(p->n ? p->n : 1, sizeof *p->conds);
    for (size_t i = 0; i < p->n; i++) {
        json_t *c = json_array_get(conds, i);
        if (json_is_object(c)) {
            if (json_object_size(c) != 1) {
                m = MSG_SIMPLE;
                goto out;
            }
            const char *k = json_object_iter_key(json_object_iter(c));
            json_t *val = json_object_iter_value(json_object_iter(c));
            if (json_is_null(val)) {
                m = MSG_JSON;
                goto out;
            }
            if (!json_is_string(val)) {
                m = MSG_NOT_STRING;
                goto out;
            }
            json_t *el[3];
            el[0] = json_string("eq");
            buf_t fk = BUF_INIT;
            buf_printf(&fk, "$%s", k);
            el[1] = json_string(fk.p);
            buf_free(&fk);
            el[2] = val;
            cond_from(&p->conds[i], el, 3);
            json_decref(el[0]);
            json_decref(el[1]);
        } else if (json_is_array(c)) {
            size_t ne = json_array_size(c);
            if (ne == 0) {
                m = MSG_NO_OP;
                goto out;
            }
            for (size_t j = 0; j < ne; j++)
                if (json_is_real(json_array_get(c, j))) {
                    m = MSG_JSON; /* S3 reads no fractional numbers */
                    goto out;
                }
            json_t **el = xcalloc(ne ? ne : 1, sizeof *el);
            for (size_t j = 0; j < ne; j++)
                el[j] = json_array_get(c, j);
            cond_from(&p->conds[i], el, ne);
            free(el);
        } else {
            cond_from(&p->conds[i], &c, 1);
        }
    }
    e = S3E_NONE;
out:
    if (m) buf_puts(msg, m);
    json_decref(root);
    free(raw);
    return e;
}

static const char *field_value(const postpolicy_field_t *f, size_t n, const char *lname)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(f[i].name, lname) == 0) return f[i].value;
    return NULL;
}

static int starts_with(const char *field, const char *v, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strcmp(field, "content-type") != 0) return strncmp(v, prefix, pl) == 0;
    /* Content-Type: every member of a comma-separated list. */
    while (1) {
        while (*v == ' ' || *v == '\t')
            v++;
        if (strncmp(v, prefix, pl) != 0) return 0;
        const char *comma = strchr(v, ',');
        if (!comma) return 1;
        v = comma + 1;
    }
}

static int exempt(const char *name)
{
    static const char *const names[] = {"policy", "x-amz-signature", "file", "awsaccesskeyid",
                                        "signature"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(name, names[i]) == 0) return 1;
    return strncasecmp(name, "x-ignore-", 9) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

s3_err_t postpolicy_check(const postpolicy_t *p, const char *bucket,
                          const postpolicy_field_t *fields, size_t n, int64_t now_ms, buf_t *msg)
{
    if (now_ms > p->expiration_ms) {
        buf_puts(msg, "Invalid according to Policy: Policy expired.");
        return S3E_ACCESS_DENIED;
    }
    for (size_t i = 0; i < p->n; i++) {
        const postpolicy_cond_t *c = &p->conds[i];
        int ok;
        if (c->op == POSTPOLICY_RANGE) continue;
        if (c->op == POSTPOLICY_BAD) {
            ok = 0;
        } else {
            const char *v =
                strcmp(c->field, "bucket") == 0 ? bucket : field_value(fields, n, c->field);
            /* A condition on a field the form lacks fails, even starts-with "". */
            ok = v && (c->op == POSTPOLICY_EQ ? strcmp(v, c->value) == 0
                                              : starts_with(c->field, v, c->value));
        }
        if (!ok) {
            buf_printf(msg, "Invalid according to Policy: Policy Condition failed: %s",
                       c->rendered);
            return S3E_ACCESS_DENIED;
        }
    }
    const char **extra = xcalloc(n ? n : 1, sizeof *extra);
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        if (exempt(fields[i].name)) continue;
        int covered = 0;
        for (size_t j = 0; j < p->n && !covered; j++)
            covered = p->conds[j].field && strcasecmp(p->conds[j].field, fields[i].name) == 0;
        if (!covered) extra[ne++] = fields[i].name;
    }
    s3_err_t e = S3E_NONE;
    if (ne) {
        qsort(extra, ne, sizeof *extra, cmp_str);
        buf_puts(msg, "Invalid according to Policy: Extra input fields: ");
        for (size_t i = 0; i < ne; i++)
            buf_printf(msg, "%s%s", i ? ", " : "", extra[i]);
        e = S3E_ACCESS_DENIED;
    }
    free(extra);
    return e;
}

s3_err_t postpolicy_check_size(const postpolicy_t *p, uint64_t size, buf_t *extra)
{
    for (size_t i = 0; i < p->n; i++) {
        const postpolicy_cond_t *c = &p->conds[i];
        if (c->op != POSTPOLICY_RANGE) continue;
        if (c->min > 0 && size < (uint64_t)c->min) {
            buf_printf(extra,
                       "<ProposedSize>%llu</ProposedSize><MinSizeAllowed>%lld</MinSizeAllowed>",
                       (unsigned long long)size, (long long)c->min);
            return S3E_ENTITY_TOO_SMALL;
        }
        if (c->max < 0 || size > (uint64_t)c->max) {
            buf_printf(extra,
                       "<ProposedSize>%llu</ProposedSize><MaxSizeAllowed>%lld</MaxSizeAllowed>",
                       (unsigned long long)size, (long long)c->max);
            return S3E_ENTITY_TOO_LARGE;
        }
    }
    return S3E_NONE;
}

void postpolicy_free(postpolicy_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->conds[i].field);
        free(p->conds[i].value);
        free(p->conds[i].rendered);
    }
    free(p->conds);
    memset(p, 0, sizeof *p);
}
