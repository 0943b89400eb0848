#include "s3/lifecycle.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/util.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

#define ROOT "LifecycleConfiguration"
#define RULE ROOT "/Rule"
/* Filter sizes S3 accepts: up to 1000 TiB. */
#define MAX_FILTER_SIZE 1099511627776000LL
#define INT32_MAX_DAYS  2147483647LL

/* ---- reading the document ---- */

/* What one rule showed while it was read: each element at most once. */
struct seen {
    int id, status, rule_prefix, filter;
    int f_prefix, f_tag, f_gt, f_lt, f_and; /* the Filter's own predicates */
    int a_prefix, a_tags, a_gt, a_lt;       /* inside And */
    int e_days, e_date, e_eodm;
    int nce_days, nce_newer, abort, abort_days;
    int t_days, t_date, t_class, t_newer; /* the (noncurrent) transition being read */
    int tag_key, tag_value;
};

struct parse {
    lc_config_t *c;
    size_t cap;
    lc_rule_t cur;
    struct seen s;
    lc_transition_t tr;
    lc_tag_t tag;
    int seen_root;
};

static void tag_free(lc_tag_t *t)
{
    free(t->key);
    free(t->value);
    t->key = t->value = NULL;
}

static void rule_free(lc_rule_t *r)
{
    free(r->id);
    free(r->f.prefix);
    for (size_t i = 0; i < r->f.ntags; i++)
        tag_free(&r->f.tags[i]);
    free(r->f.tags);
    free(r->tr);
    free(r->nctr);
    memset(r, 0, sizeof *r);
}

static void rule_init(lc_rule_t *r)
{
    memset(r, 0, sizeof *r);
    r->f.gt = r->f.lt = -1;
    r->eodm = -1;
    r->abort_days = -1;
}

static void transition_init(lc_transition_t *t)
{
    memset(t, 0, sizeof *t);
}

void lc_free(lc_config_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        rule_free(&c->rules[i]);
    free(c->rules);
    memset(c, 0, sizeof *c);
}

/* Whitespace around a value that is a number, a date or a name. */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* An integer in [min, max] as the schema's types allow it; 0 or -1. */
static int parse_int(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
    trim(&s, &n);
    int neg = 0;
    if (n && (*s == '-' || *s == '+')) neg = *s == '-', s++, n--;
    if (n == 0 || n > 18) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (neg) v = -v;
    if (v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* An ISO 8601 date or date-time ("2026-01-01", "2026-01-01T00:00:00.000Z",
 * an offset "+01:00") as ms since the epoch; 0 or -1. */
static int parse_date(const char *s, size_t n, int64_t *ms)
{
    trim(&s, &n);
    char buf[64];
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(buf, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return -1;
    const char *p = buf + used;
    long frac = 0;
    int64_t offset_ms = 0;
    if (*p == 'T') {
        int u2 = 0;
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &u2) != 3 || u2 != 8) return -1;
        p += 1 + u2;
        if (*p == '.') {
            long scale = 100;
            for (p++; isdigit((unsigned char)*p); p++) {
                frac += (*p - '0') * scale;
                scale /= 10;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om, u3 = 0;
            if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &u3) != 2 || u3 != 5 || oh > 23 || om > 59)
                return -1;
            offset_ms = ((int64_t)oh * 60 + om) * 60000 * (*p == '+' ? 1 : -1);
            p += 1 + u3;
        }
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 || y < 1970)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse what moved. */
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d || back.tm_mon != mo - 1) return -1;
    *ms = (int64_t)t * 1000 + frac - offset_ms;
    return 0;
}

static const char *const transition_classes[] = {
    "GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR",
};

static int transition_class_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof transition_classes / sizeof *transition_classes; i++)
        if (strlen(transition_classes[i]) == n && memcmp(transition_classes[i], s, n) == 0)
            return 1;
    return 0;
}

/* A leaf seen twice, or a value of the wrong type: MalformedXML. */
#define ONCE(flag)                                                                                 \
    do {                                                                                           \
        if (flag) return 1;                                                                        \
        flag = 1;                                                                                  \
    } while (0)

static int leaf_int(const char *text, size_t n, int *flag, int64_t min, int64_t max, int64_t *out)
{
    if (*flag) return 1;
    *flag = 1;
    return parse_int(text, n, min, max, out) ? 1 : 0;
}

static void push_tag(lc_filter_t *f, lc_tag_t *t)
{
    f->tags = xrealloc(f->tags, (f->ntags + 1) * sizeof *f->tags);
    f->tags[f->ntags++] = *t;
    t->key = t->value = NULL;
}

static void push_transition(lc_transition_t **v, size_t *n, const lc_transition_t *t)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = *t;
}

/* The parts of a Tag element (Filter/Tag or Filter/And/Tag). */
static int on_tag(struct parse *p, const char *leaf, const char *text, size_t n)
{
    if (strcmp(leaf, "Key") == 0) {
        ONCE(p->s.tag_key);
        p->tag.key = xstrndup(text, n);
    } else if (strcmp(leaf, "Value") == 0) {
        ONCE(p->s.tag_value);
        p->tag.value = xstrndup(text, n);
    } else if (*leaf == 0) {
        if (!p->tag.key || !p->tag.value) return 1;
        push_tag(&p->cur.f, &p->tag);
        p->s.tag_key = p->s.tag_value = 0;
    } else {
        return 1;
    }
    return 0;
}

/* A Filter's predicates (rest: the path under Filter/ or under Filter/And/). */
static int on_predicate(struct parse *p, const char *rest, const char *text, size_t n, int in_and)
{
    lc_filter_t *f = &p->cur.f;
    struct seen *s = &p->s;
    if (strcmp(rest, "Prefix") == 0) {
        ONCE(*(in_and ? &s->a_prefix : &s->f_prefix));
        if (f->prefix) return 1;
        f->prefix = xstrndup(text, n);
    } else if (strcmp(rest, "ObjectSizeGreaterThan") == 0) {
        ONCE(*(in_and ? &s->a_gt : &s->f_gt));
        if (f->gt != -1 || parse_int(text, n, INT64_MIN / 2, INT64_MAX / 2, &f->gt)) return 1;
        if (f->gt < 0) f->gt = -2; /* negative: refused by validate */
    } else if (strcmp(rest, "ObjectSizeLessThan") == 0) {
        ONCE(*(in_and ? &s->a_lt : &s->f_lt));
        if (f->lt != -1 || parse_int(text, n, INT64_MIN / 2, INT64_MAX / 2, &f->lt)) return 1;
        if (f->lt < 0) f->lt = -2;
    } else if (strncmp(rest, "Tag", 3) == 0 && (rest[3] == 0 || rest[3] == '/')) {
        if (rest[3] == 0) in_and ? (p->s.a_tags++) : (p->s.f_tag++);
        return on_tag(p, rest[3] ? rest + 4 : "", text, n);
    } else {
        return 1;
    }
    return 0;
}

static int on_transition(struct parse *p, const char *leaf, const char *text, size_t n,
                         int noncurrent)
{
    lc_transition_t *t = &p->tr;
    const char *days = noncurrent ? "NoncurrentDays" : "Days";
    if (strcmp(leaf, days) == 0) {
        return leaf_int(text, n, &p->s.t_days, -INT32_MAX_DAYS - 1, INT32_MAX_DAYS, &t->days);
    } else if (!noncurrent && strcmp(leaf, "Date") == 0) {
        ONCE(p->s.t_date);
        t->has_date = 1;
        if (parse_date(text, n, &t->date_ms)) return 1;
    } else if (noncurrent && strcmp(leaf, "NewerNoncurrentVersions") == 0) {
        if (leaf_int(text, n, &p->s.t_newer, -INT32_MAX_DAYS - 1, INT32_MAX_DAYS, &t->newer))
            return 1;
        if (t->newer <= 0) t->newer = -1; /* refused by validate */
    } else if (strcmp(leaf, "StorageClass") == 0) {
        ONCE(p->s.t_class);
        trim(&text, &n);
        if (!transition_class_ok(text, n)) return 1;
        snprintf(t->sclass, sizeof t->sclass, "%.*s", (int)n, text);
    } else if (*leaf == 0) {
        /* A class and exactly one time. */
        if (!p->s.t_class || !(p->s.t_days ^ p->s.t_date)) return 1;
        if (noncurrent)
            push_transition(&p->cur.nctr, &p->cur.nnctr, t);
        else
            push_transition(&p->cur.tr, &p->cur.ntr, t);
        transition_init(t);
        p->s.t_days = p->s.t_date = p->s.t_class = p->s.t_newer = 0;
    } else {
        return 1;
    }
    return 0;
}

/* The end of a Rule: its shape as the schema wants it. */
static int end_rule(struct parse *p)
{
    lc_rule_t *r = &p->cur;
    struct seen *s = &p->s;
    if (!s->status) return 1;
    if (s->rule_prefix == s->filter) return 1; /* both, or neither */
    if (s->filter) {
        r->f.scope = LC_SCOPE_FILTER;
        int preds = s->f_prefix + s->f_tag + s->f_gt + s->f_lt + s->f_and;
        if (preds > 1 || s->f_tag > 1) return 1;
        if (s->f_and && !(s->a_prefix || s->a_tags || s->a_gt || s->a_lt)) return 1;
        r->f.how = s->f_and      ? LC_F_AND
                   : s->f_prefix ? LC_F_PREFIX
                   : s->f_tag    ? LC_F_TAG
                   : s->f_gt     ? LC_F_GT
                   : s->f_lt     ? LC_F_LT
                                 : LC_F_EMPTY;
    } else {
        r->f.scope = LC_SCOPE_PREFIX;
    }
    if (r->has_exp && s->e_days + s->e_date + s->e_eodm != 1) return 1;
    lc_config_t *c = p->c;
    c->rules = xgrow(c->rules, &p->cap, c->n + 1, sizeof *c->rules);
    c->rules[c->n++] = *r;
    rule_init(r);
    memset(s, 0, sizeof *s);
    return 0;
}

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    struct parse *p = ctx;
    lc_rule_t *r = &p->cur;
    struct seen *s = &p->s;
    if (strcmp(path, ROOT) == 0) {
        p->seen_root = 1;
        return 0;
    }
    if (strncmp(path, RULE, strlen(RULE)) != 0) return 1;
    const char *rest = path + strlen(RULE);
    if (*rest == 0) return end_rule(p);
    if (*rest != '/') return 1;
    rest++;
    if (strcmp(rest, "ID") == 0) {
        ONCE(s->id);
        r->id = xstrndup(text, n);
    } else if (strcmp(rest, "Status") == 0) {
        ONCE(s->status);
        trim(&text, &n);
        if (n == 7 && memcmp(text, "Enabled", 7) == 0)
            r->enabled = 1;
        else if (!(n == 8 && memcmp(text, "Disabled", 8) == 0))
            return 1;
    } else if (strcmp(rest, "Prefix") == 0) {
        ONCE(s->rule_prefix);
        if (r->f.prefix) return 1;
        r->f.prefix = xstrndup(text, n);
    } else if (strcmp(rest, "Filter") == 0) {
        ONCE(s->filter);
    } else if (strncmp(rest, "Filter/And", 10) == 0 && (rest[10] == 0 || rest[10] == '/')) {
        if (rest[10] == 0) {
            ONCE(s->f_and);
            return 0;
        }
        return on_predicate(p, rest + 11, text, n, 1);
    } else if (strncmp(rest, "Filter/", 7) == 0) {
        return on_predicate(p, rest + 7, text, n, 0);
    } else if (strcmp(rest, "Expiration/Days") == 0) {
        r->has_exp_days = 1;
        return leaf_int(text, n, &s->e_days, -INT32_MAX_DAYS - 1, INT32_MAX_DAYS, &r->exp_days);
    } else if (strcmp(rest, "Expiration/Date") == 0) {
        ONCE(s->e_date);
        r->has_exp_date = 1;
        if (parse_date(text, n, &r->exp_date_ms)) return 1;
    } else if (strcmp(rest, "Expiration/ExpiredObjectDeleteMarker") == 0) {
        ONCE(s->e_eodm);
        trim(&text, &n);
        if ((n == 4 && memcmp(text, "true", 4) == 0) || (n == 1 && *text == '1'))
            r->eodm = 1;
        else if ((n == 5 && memcmp(text, "false", 5) == 0) || (n == 1 && *text == '0'))
            r->eodm = 0;
        else
            return 1;
    } else if (strcmp(rest, "Expiration") == 0) {
        ONCE(r->has_exp);
    } else if (strncmp(rest, "Transition", 10) == 0 && (rest[10] == 0 || rest[10] == '/')) {
        return on_transition(p, rest[10] ? rest + 11 : "", text, n, 0);
    } else if (strncmp(rest, "NoncurrentVersionTransition", 27) == 0 &&
               (rest[27] == 0 || rest[27] == '/')) {
        return on_transition(p, rest[27] ? rest + 28 : "", text, n, 1);
    } else if (strcmp(rest, "NoncurrentVersionExpiration/NoncurrentDays") == 0) {
        return leaf_int(text, n, &s->nce_days, -INT32_MAX_DAYS - 1, INT32_MAX_DAYS, &r->nce_days);
    } else if (strcmp(rest, "NoncurrentVersionExpiration/NewerNoncurrentVersions") == 0) {
        if (leaf_int(text, n, &s->nce_newer, -INT32_MAX_DAYS - 1, INT32_MAX_DAYS, &r->nce_newer))
            return 1;
        if (r->nce_newer <= 0) r->nce_newer = -1; /* refused by validate */
    } else if (strcmp(rest, "NoncurrentVersionExpiration") == 0) {
        ONCE(r->has_nce);
        if (!s->nce_days) return 1;
    } else if (strcmp(rest, "AbortIncompleteMultipartUpload/DaysAfterInitiation") == 0) {
        return leaf_int(text, n, &s->abort_days, -INT32_MAX_DAYS - 1, INT32_MAX_DAYS,
                        &r->abort_days);
    } else if (strcmp(rest, "AbortIncompleteMultipartUpload") == 0) {
        ONCE(s->abort);
        if (!s->abort_days) return 1;
        if (r->abort_days < 0) r->abort_days = 0; /* refused by validate */
    } else {
        return 1;
    }
    return 0;
}

/* ---- validating, as S3 does ---- */

static int fail(char *msg, size_t ml, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *msg, size_t ml, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, ml, fmt, ap);
    va_end(ap);
    return code;
}

/* Characters (UTF-8 code points) in s. */
static size_t chars(const char *s)
{
    size_t k = 0;
    for (; *s; s++)
        k += ((unsigned char)*s & 0xc0) != 0x80;
    return k;
}

/* How S3 names a rule's objects in its messages. */
static void describe(const lc_rule_t *r, char *out, size_t n)
{
    const lc_filter_t *f = &r->f;
    if (f->scope == LC_SCOPE_PREFIX) {
        snprintf(out, n, "prefix '%.200s'", f->prefix);
        return;
    }
    buf_t b = BUF_INIT;
    if (f->prefix) buf_printf(&b, "prefix=%.200s", f->prefix);
    for (size_t i = 0; i < f->ntags; i++)
        buf_printf(&b, "%stag: key=%.100s, value=%.100s", b.len ? " and " : "", f->tags[i].key,
                   f->tags[i].value);
    if (f->gt >= 0) buf_printf(&b, "%ssize>%lld", b.len ? " and " : "", (long long)f->gt);
    if (f->lt >= 0) buf_printf(&b, "%ssize<%lld", b.len ? " and " : "", (long long)f->lt);
    if (b.len)
        snprintf(out, n, "filter '(%s)'", b.p);
    else
        snprintf(out, n, "filter (all)");
    buf_free(&b);
}

/* Where a class lies on S3's waterfall: a transition only goes further down. */
static int class_rank(const char *sc)
{
    static const char *const order[] = {"STANDARD_IA", "INTELLIGENT_TIERING",
                                        "ONEZONE_IA",  "GLACIER_IR",
                                        "GLACIER",     "DEEP_ARCHIVE"};
    for (int i = 0; i < (int)(sizeof order / sizeof *order); i++)
        if (sc && strcmp(sc, order[i]) == 0) return i + 1;
    return 0; /* STANDARD, REDUCED_REDUNDANCY and the rest */
}

static int infrequent(const char *sc)
{
    return strcmp(sc, "STANDARD_IA") == 0 || strcmp(sc, "ONEZONE_IA") == 0;
}

static int check_filter(const lc_rule_t *r, char *msg, size_t ml)
{
    const lc_filter_t *f = &r->f;
    for (size_t i = 0; i < f->ntags; i++) {
        size_t k = chars(f->tags[i].key);
        if (k == 0 || k > 128)
            return fail(msg, ml, LC_EINVALID_TAG, "The TagKey you have provided is invalid");
        if (chars(f->tags[i].value) > 256)
            return fail(msg, ml, LC_EINVALID_TAG, "The TagValue you have provided is invalid");
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->tags[i].key, f->tags[j].key) == 0)
                return fail(msg, ml, LC_EINVALID_REQ, "Duplicate Tag Keys are not allowed.");
    }
    if (f->gt != -1 && (f->gt < 0 || f->gt > MAX_FILTER_SIZE))
        return fail(msg, ml, LC_EINVALID_REQ,
                    "'ObjectSizeGreaterThan' should be between 0 and %lld.", MAX_FILTER_SIZE);
    if (f->lt != -1 && (f->lt < 1 || f->lt > MAX_FILTER_SIZE))
        return fail(msg, ml, LC_EINVALID_REQ, "'ObjectSizeLessThan' should be between 1 and %lld.",
                    MAX_FILTER_SIZE);
    if (f->gt >= 0 && f->lt >= 0 && f->lt <= f->gt)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.");
    return LC_OK;
}

static int64_t when(const lc_transition_t *t)
{
    return t->has_date ? t->date_ms : t->days;
}

/* Transitions (or noncurrent ones) of one rule. */
static int check_transitions(const lc_rule_t *r, const lc_transition_t *v, size_t n, int nc, int v2,
                             const char *desc, char *msg, size_t ml)
{
    const char *action = nc ? "NoncurrentVersionTransition" : "Transition";
    const char *days = nc ? "NoncurrentDays" : "Days";
    int dated = 0, counted = 0;
    for (size_t i = 0; i < n; i++) {
        const lc_transition_t *t = &v[i];
        if (!t->has_date) {
            if (t->days < 0)
                return fail(msg, ml, LC_EINVALID_ARG, "'%s' in %s action must be nonnegative", days,
                            action);
            if (infrequent(t->sclass) && t->days < 30)
                return fail(msg, ml, LC_EINVALID_ARG,
                            "'%s' in %s action must be greater than or equal to 30 for "
                            "storageClass '%s'",
                            days, action, t->sclass);
            counted = 1;
        } else {
            if (t->date_ms % LC_DAY_MS != 0)
                return fail(msg, ml, LC_EINVALID_ARG, "'Date' must be at midnight GMT");
            dated = 1;
        }
        if (t->newer < 0)
            return fail(msg, ml, LC_EINVALID_ARG,
                        "'NewerNoncurrentVersions' in %s action must be a positive integer",
                        action);
        if (t->newer > 0 && !v2)
            return fail(msg, ml, LC_EINVALID_REQ,
                        "NewerNoncurrentVersions element can only be used in Lifecycle V2.");
        for (size_t j = 0; j < i; j++)
            if (strcmp(v[j].sclass, t->sclass) == 0)
                return fail(msg, ml, LC_EINVALID_REQ,
                            "'StorageClass' must be different for '%s' actions in same 'Rule' "
                            "with %s",
                            action, desc);
    }
    if (dated && counted)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "Found mixed 'Date' and 'Days' based %s actions in lifecycle rule for %s",
                    action, desc);
    if (!nc && n && ((r->has_exp_days && dated) || (r->has_exp_date && counted)))
        return fail(msg, ml, LC_EINVALID_REQ,
                    "Found mixed 'Date' and 'Days' based Expiration and Transition actions in "
                    "lifecycle rule for %s",
                    desc);
    /* Down the waterfall in time order, 30 days in an infrequent-access class. */
    const char *unit = dated ? "Date" : days;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const lc_transition_t *a = &v[i], *b = &v[j];
            if (class_rank(b->sclass) <= class_rank(a->sclass)) continue;
            if (when(b) <= when(a))
                return fail(msg, ml, LC_EINVALID_ARG,
                            "'%s' in the %s action for StorageClass '%s' for %s must be greater "
                            "than '%s' in the %s action for StorageClass '%s'",
                            unit, action, b->sclass, desc, unit, action, a->sclass);
            if (!dated && infrequent(a->sclass) && b->days < a->days + 30)
                return fail(msg, ml, LC_EINVALID_ARG,
                            "'%s' in the %s action for StorageClass '%s' for %s must be 30 days "
                            "more than %s in the %s action for StorageClass '%s'",
                            unit, action, b->sclass, desc, desc, action, a->sclass);
        }
    /* The expiration comes after every transition. */
    for (size_t i = 0; i < n; i++) {
        if (nc && r->has_nce && r->nce_days > 0 && r->nce_days <= v[i].days)
            return fail(msg, ml, LC_EINVALID_ARG,
                        "'NoncurrentDays' in the NoncurrentVersionExpiration action for %s must "
                        "be greater than 'NoncurrentDays' in the NoncurrentVersionTransition "
                        "action",
                        desc);
        if (!nc && r->has_exp_days && !v[i].has_date && r->exp_days <= v[i].days)
            return fail(msg, ml, LC_EINVALID_ARG,
                        "'Days' in the Expiration action for %s must be greater than 'Days' in "
                        "the Transition action",
                        desc);
        if (!nc && r->has_exp_date && v[i].has_date && r->exp_date_ms <= v[i].date_ms)
            return fail(msg, ml, LC_EINVALID_ARG,
                        "'Date' in the Expiration action for %s must be later than 'Date' in "
                        "the Transition action",
                        desc);
    }
    return LC_OK;
}

static int check_rule(const lc_rule_t *r, int v2, char *msg, size_t ml)
{
    if (!v2 && r->f.scope == LC_SCOPE_FILTER)
        return fail(msg, ml, LC_EINVALID_REQ, "Filter element can only be used in Lifecycle V2.");
    if (v2 && r->f.scope == LC_SCOPE_PREFIX)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "Base level prefix cannot be used in Lifecycle V2, prefixes are only "
                    "supported in the Filter.");
    if (!r->has_exp && !r->ntr && !r->nnctr && !r->has_nce && r->abort_days < 0)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "At least one action needs to be specified in a rule.");
    int rc = check_filter(r, msg, ml);
    if (rc) return rc;
    if (r->has_exp_days && r->exp_days <= 0)
        return fail(msg, ml, LC_EINVALID_ARG,
                    "'Days' for Expiration action must be a positive integer");
    if (r->has_exp_date && r->exp_date_ms % LC_DAY_MS != 0)
        return fail(msg, ml, LC_EINVALID_ARG, "'Date' must be at midnight GMT");
    if (r->has_nce && r->nce_days <= 0)
        return fail(msg, ml, LC_EINVALID_ARG,
                    "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive "
                    "integer");
    if (r->has_nce && r->nce_newer < 0)
        return fail(msg, ml, LC_EINVALID_ARG,
                    "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a "
                    "positive integer");
    if (r->nce_newer > 0 && !v2)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "NewerNoncurrentVersions element can only be used in Lifecycle V2.");
    if (r->abort_days == 0)
        return fail(msg, ml, LC_EINVALID_ARG,
                    "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a "
                    "positive integer");
    int tags = r->f.ntags > 0, sizes = r->f.gt != -1 || r->f.lt != -1;
    if (r->eodm >= 0 && tags)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "ExpiredObjectDeleteMarker cannot be specified with Tags.");
    if (r->eodm >= 0 && sizes)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "ExpiredObjectDeleteMarker cannot be specified with Object Size.");
    if (r->abort_days > 0 && tags)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "AbortIncompleteMultipartUpload cannot be specified with Tags.");
    if (r->abort_days > 0 && sizes)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "AbortIncompleteMultipartUpload cannot be specified with Object Size.");
    char desc[600];
    describe(r, desc, sizeof desc);
    if ((rc = check_transitions(r, r->tr, r->ntr, 0, v2, desc, msg, ml)) != LC_OK) return rc;
    return check_transitions(r, r->nctr, r->nnctr, 1, v2, desc, msg, ml);
}

/* Before Lifecycle V2, two rules whose prefixes overlap may not take the
 * same kind of action. */
static int check_overlaps(const lc_config_t *c, char *msg, size_t ml)
{
    static const char *const kinds[] = {"Expiration", "Transition", "NoncurrentVersionTransition",
                                        "NoncurrentVersionExpiration",
                                        "AbortIncompleteMultipartUpload"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        for (size_t i = 0; i < c->n; i++)
            for (size_t j = i + 1; j < c->n; j++) {
                const lc_rule_t *a = &c->rules[i], *b = &c->rules[j];
                int ta[] = {a->has_exp, a->ntr > 0, a->nnctr > 0, a->has_nce, a->abort_days > 0};
                int tb[] = {b->has_exp, b->ntr > 0, b->nnctr > 0, b->has_nce, b->abort_days > 0};
                if (!ta[k] || !tb[k]) continue;
                size_t la = strlen(a->f.prefix), lb = strlen(b->f.prefix);
                const char *s = la <= lb ? a->f.prefix : b->f.prefix;
                const char *l = la <= lb ? b->f.prefix : a->f.prefix;
                if (strncmp(s, l, strlen(s)) == 0)
                    return fail(msg, ml, LC_EINVALID_REQ,
                                "Found overlapping prefixes '%.200s' and '%.200s' for same "
                                "action type '%s'",
                                s, l, kinds[k]);
            }
    }
    return LC_OK;
}

/* An ID as S3 makes one for a rule given none: a random UUID, base64. */
static char *new_id(void)
{
    unsigned char r[16];
    util_random(r, sizeof r);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    char hex[33], uuid[37], *out = xmalloc(49);
    util_hex(r, sizeof r, hex);
    snprintf(uuid, sizeof uuid, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
    util_base64((const unsigned char *)uuid, 36, out);
    return out;
}

static int validate(lc_config_t *c, char *msg, size_t ml)
{
    if (c->n == 0)
        return fail(msg, ml, LC_EINVALID_REQ, "At least one lifecycle rule should be specified.");
    if (c->n > LC_MAX_RULES)
        return fail(msg, ml, LC_EINVALID_REQ,
                    "Number of lifecycle rules should not exceed allowed limit of %d rules.",
                    LC_MAX_RULES);
    for (size_t i = 0; i < c->n; i++) {
        const char *id = c->rules[i].id;
        if (!id || !*id) continue;
        if (chars(id) > LC_MAX_ID)
            return fail(msg, ml, LC_EINVALID_ARG, "ID length should not exceed allowed limit of %d",
                        LC_MAX_ID);
        for (size_t j = 0; j < i; j++)
            if (c->rules[j].id && strcmp(c->rules[j].id, id) == 0)
                return fail(msg, ml, LC_EINVALID_ARG,
                            "Rule ID must be unique. Found same ID for more than one rule");
    }
    int v2 = c->rules[0].f.scope == LC_SCOPE_FILTER;
    for (size_t i = 0; i < c->n; i++) {
        int rc = check_rule(&c->rules[i], v2, msg, ml);
        if (rc) return rc;
    }
    if (!v2) {
        int rc = check_overlaps(c, msg, ml);
        if (rc) return rc;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!c->rules[i].id || !*c->rules[i].id) {
            free(c->rules[i].id);
            c->rules[i].id = new_id();
        }
    return LC_OK;
}

int lc_parse(const char *xml, size_t n, lc_config_t *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    if (msglen) msg[0] = 0;
    struct parse p = {.c = out};
    rule_init(&p.cur);
    transition_init(&p.tr);
    int rc = xmlin_parse(xml, n, on_elem, &p);
    rule_free(&p.cur);
    tag_free(&p.tag);
    if (rc != 0 || !p.seen_root) return LC_EMALFORMED;
    return validate(out, msg, msglen);
}

/* ---- writing it back ---- */

static void put_tag(buf_t *b, const lc_tag_t *t)
{
    buf_puts(b, "<Tag>");
    s3_xml_elem_s(b, "Key", t->key);
    s3_xml_elem_s(b, "Value", t->value);
    buf_puts(b, "</Tag>");
}

static void put_filter(buf_t *b, const lc_filter_t *f)
{
    if (f->scope == LC_SCOPE_PREFIX) {
        s3_xml_elem_s(b, "Prefix", f->prefix);
        return;
    }
    buf_puts(b, "<Filter>");
    if (f->how == LC_F_AND) buf_puts(b, "<And>");
    if (f->prefix) s3_xml_elem_s(b, "Prefix", f->prefix);
    for (size_t i = 0; i < f->ntags; i++)
        put_tag(b, &f->tags[i]);
    if (f->gt >= 0)
        buf_printf(b, "<ObjectSizeGreaterThan>%lld</ObjectSizeGreaterThan>", (long long)f->gt);
    if (f->lt >= 0)
        buf_printf(b, "<ObjectSizeLessThan>%lld</ObjectSizeLessThan>", (long long)f->lt);
    if (f->how == LC_F_AND) buf_puts(b, "</And>");
    buf_puts(b, "</Filter>");
}

static void put_date(buf_t *b, int64_t ms)
{
    char d[25];
    util_iso_date(ms, d);
    s3_xml_elem_s(b, "Date", d);
}

void lc_serialize(const lc_config_t *c, buf_t *b)
{
    s3_xml_begin(b, ROOT);
    for (size_t i = 0; i < c->n; i++) {
        const lc_rule_t *r = &c->rules[i];
        buf_puts(b, "<Rule>");
        s3_xml_elem_s(b, "ID", r->id);
        put_filter(b, &r->f);
        buf_printf(b, "<Status>%s</Status>", r->enabled ? "Enabled" : "Disabled");
        for (size_t j = 0; j < r->ntr; j++) {
            buf_puts(b, "<Transition>");
            if (r->tr[j].has_date)
                put_date(b, r->tr[j].date_ms);
            else
                buf_printf(b, "<Days>%lld</Days>", (long long)r->tr[j].days);
            s3_xml_elem_s(b, "StorageClass", r->tr[j].sclass);
            buf_puts(b, "</Transition>");
        }
        for (size_t j = 0; j < r->nnctr; j++) {
            buf_printf(b, "<NoncurrentVersionTransition><NoncurrentDays>%lld</NoncurrentDays>",
                       (long long)r->nctr[j].days);
            s3_xml_elem_s(b, "StorageClass", r->nctr[j].sclass);
            if (r->nctr[j].newer > 0)
                buf_printf(b, "<NewerNoncurrentVersions>%lld</NewerNoncurrentVersions>",
                           (long long)r->nctr[j].newer);
            buf_puts(b, "</NoncurrentVersionTransition>");
        }
        if (r->has_exp) {
            buf_puts(b, "<Expiration>");
            if (r->has_exp_days) buf_printf(b, "<Days>%lld</Days>", (long long)r->exp_days);
            if (r->has_exp_date) put_date(b, r->exp_date_ms);
            if (r->eodm >= 0)
                buf_printf(b, "<ExpiredObjectDeleteMarker>%s</ExpiredObjectDeleteMarker>",
                           r->eodm ? "true" : "false");
            buf_puts(b, "</Expiration>");
        }
        if (r->has_nce) {
            buf_printf(b, "<NoncurrentVersionExpiration><NoncurrentDays>%lld</NoncurrentDays>",
                       (long long)r->nce_days);
            if (r->nce_newer > 0)
                buf_printf(b, "<NewerNoncurrentVersions>%lld</NewerNoncurrentVersions>",
                           (long long)r->nce_newer);
            buf_puts(b, "</NoncurrentVersionExpiration>");
        }
        if (r->abort_days > 0)
            buf_printf(b,
                       "<AbortIncompleteMultipartUpload><DaysAfterInitiation>%lld"
                       "</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
                       (long long)r->abort_days);
        buf_puts(b, "</Rule>");
    }
    buf_puts(b, "</" ROOT ">");
}

void lc_store_form(const lc_config_t *c, buf_t *out)
{
    buf_printf(out, "%s\n", c->by_class ? LC_MIN_SIZE_BY_CLASS : LC_MIN_SIZE_ALL);
    lc_serialize(c, out);
}

const char *lc_stored_xml(const char *doc, size_t n, size_t *xml_len)
{
    const char *nl = memchr(doc, '\n', n);
    const char *x = nl ? nl + 1 : doc + n;
    *xml_len = n - (size_t)(x - doc);
    return x;
}

int lc_load(const char *doc, size_t n, lc_config_t *out)
{
    size_t xl;
    const char *x = lc_stored_xml(doc, n, &xl);
    char msg[512];
    int rc = lc_parse(x, xl, out, msg, sizeof msg);
    if (rc) {
        lc_free(out);
        return LC_EMALFORMED;
    }
    out->by_class = n > strlen(LC_MIN_SIZE_BY_CLASS) &&
                    memcmp(doc, LC_MIN_SIZE_BY_CLASS, strlen(LC_MIN_SIZE_BY_CLASS)) == 0;
    return LC_OK;
}

/* ---- what applies, and when ---- */

int64_t lc_due(const lc_clock_t *clk, int64_t from_ms, int64_t days)
{
    int64_t t = from_ms + days * clk->day_ms;
    if (clk->midnight && t % LC_DAY_MS) t += LC_DAY_MS - (t % LC_DAY_MS);
    return t;
}

/* Whether the x-amz-tagging form has key = value. */
static int has_tag(const char *tags, const lc_tag_t *t)
{
    if (!tags) return 0;
    int found = 0;
    for (const char *p = tags; *p && !found;) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        size_t dk, dv;
        char *k = util_urldec(p, kl, 1, &dk);
        char *v = eq ? util_urldec(eq + 1, len - kl - 1, 1, &dv) : xstrdup("");
        found = k && v && strcmp(k, t->key) == 0 && strcmp(v, t->value) == 0;
        free(k);
        free(v);
        p += len;
        if (*p == '&') p++;
    }
    return found;
}

int lc_matches(const lc_rule_t *r, const char *key, size_t klen, uint64_t size, const char *tags,
               int is_marker)
{
    const lc_filter_t *f = &r->f;
    if (f->prefix) {
        size_t pl = strlen(f->prefix);
        if (klen < pl || memcmp(key, f->prefix, pl) != 0) return 0;
    }
    if (is_marker) return f->ntags == 0 && f->gt < 0 && f->lt < 0;
    for (size_t i = 0; i < f->ntags; i++)
        if (!has_tag(tags, &f->tags[i])) return 0;
    if (f->gt >= 0 && !(size > (uint64_t)f->gt)) return 0;
    if (f->lt >= 0 && !(size < (uint64_t)f->lt)) return 0;
    return 1;
}

int lc_uses_tags(const lc_config_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->rules[i].enabled && c->rules[i].f.ntags) return 1;
    return 0;
}

int lc_expiry(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
              uint64_t size, const char *tags, int64_t mtime, int64_t *at, const lc_rule_t **rule)
{
    int found = 0;
    for (size_t i = 0; i < c->n; i++) {
        const lc_rule_t *r = &c->rules[i];
        if (!r->enabled || !(r->has_exp_days || r->has_exp_date)) continue;
        if (!lc_matches(r, key, klen, size, tags, 0)) continue;
        int64_t t = r->has_exp_days ? lc_due(clk, mtime, r->exp_days) : r->exp_date_ms;
        if (!found || t < *at) {
            *at = t;
            *rule = r;
            found = 1;
        }
    }
    return found;
}

int lc_noncurrent_expired(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
                          uint64_t size, const char *tags, int is_marker, int64_t since,
                          int64_t newer, int64_t now)
{
    for (size_t i = 0; i < c->n; i++) {
        const lc_rule_t *r = &c->rules[i];
        if (!r->enabled || !r->has_nce) continue;
        if (!lc_matches(r, key, klen, size, tags, is_marker)) continue;
        if (now >= lc_due(clk, since, r->nce_days) && newer >= r->nce_newer) return 1;
    }
    return 0;
}

int lc_marker_expired(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
                      int64_t mtime, int64_t now)
{
    for (size_t i = 0; i < c->n; i++) {
        const lc_rule_t *r = &c->rules[i];
        if (!r->enabled || !lc_matches(r, key, klen, 0, NULL, 1)) continue;
        if (r->eodm == 1) return 1;
        if (r->has_exp_days && now >= lc_due(clk, mtime, r->exp_days)) return 1;
    }
    return 0;
}

/* S3 keeps objects under 128 KB from transitioning unless the rule's filter
 * names a size, or the configuration lets them go to the Glacier classes. */
static int size_allows(const lc_config_t *c, const lc_rule_t *r, const char *sc, uint64_t size)
{
    if (r->f.gt >= 0 || r->f.lt >= 0 || size >= LC_SMALL_OBJECT) return 1;
    return c->by_class && (strcmp(sc, "GLACIER") == 0 || strcmp(sc, "DEEP_ARCHIVE") == 0);
}

const char *lc_transition_due(const lc_config_t *c, const lc_clock_t *clk, const char *key,
                              size_t klen, uint64_t size, const char *tags, const char *cur,
                              int noncurrent, int64_t from, int64_t newer, int64_t now)
{
    const char *best = NULL;
    int rank = class_rank(cur);
    for (size_t i = 0; i < c->n; i++) {
        const lc_rule_t *r = &c->rules[i];
        if (!r->enabled || !lc_matches(r, key, klen, size, tags, 0)) continue;
        const lc_transition_t *v = noncurrent ? r->nctr : r->tr;
        size_t n = noncurrent ? r->nnctr : r->ntr;
        for (size_t j = 0; j < n; j++) {
            const lc_transition_t *t = &v[j];
            int64_t due = t->has_date ? t->date_ms : lc_due(clk, from, t->days);
            if (now < due || newer < t->newer) continue;
            if (class_rank(t->sclass) <= rank || !size_allows(c, r, t->sclass, size)) continue;
            rank = class_rank(t->sclass);
            best = t->sclass;
        }
    }
    return best;
}

int lc_upload_expired(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
                      int64_t created, int64_t now)
{
    for (size_t i = 0; i < c->n; i++) {
        const lc_rule_t *r = &c->rules[i];
        if (!r->enabled || r->abort_days <= 0 || !lc_matches(r, key, klen, 0, NULL, 0)) continue;
        if (now >= lc_due(clk, created, r->abort_days)) return 1;
    }
    return 0;
}

int lc_aborts_uploads(const lc_config_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->rules[i].enabled && c->rules[i].abort_days > 0) return 1;
    return 0;
}
