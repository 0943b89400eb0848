/* Bucket policies, evaluation: a compiled policy (policy_int.h) against
 * one request, without allocating, as AWS evaluates a bucket policy; and
 * whether a policy is public in S3's sense. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "s3/access/policy.h"
#include "s3/access/policy_int.h"

#define NELEM(a)     (sizeof(a) / sizeof((a)[0]))
#define MAX_KEY_VALS 64
#define MAX_EXPAND   4096

/* ---- matching ---- */

static int ci_eq(char a, char b)
{
    return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Glob with * and ?; lit (may be NULL) marks pattern bytes that came from
 * ${*} or ${?} and so match only themselves. */
int policy_glob(const char *p, const unsigned char *lit, size_t pn, const char *s, size_t sn,
                int icase)
{
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < sn) {
        int wild = pi < pn && !(lit && lit[pi]);
        if (pi < pn && wild && p[pi] == '*') {
            star_p = pi++;
            star_s = si;
        } else if (pi < pn &&
                   ((wild && p[pi] == '?') || (icase ? ci_eq(p[pi], s[si]) : p[pi] == s[si]))) {
            pi++, si++;
        } else if (star_p != (size_t)-1) {
            pi = star_p + 1;
            si = ++star_s;
        } else {
            return 0;
        }
    }
    while (pi < pn && p[pi] == '*' && !(lit && lit[pi]))
        pi++;
    return pi == pn;
}

static int glob_s(const char *p, const char *s, int icase)
{
    return policy_glob(p, NULL, strlen(p), s, strlen(s), icase);
}

/* Expand policy variables of src into out/lit: ${*} ${?} ${$} and ${key}
 * (or ${key, 'default'}) from the request. lit marks every substituted byte:
 * a '*' that a request's prefix or user name brings is not a wildcard.
 * Returns the length, or -1 when a variable has no value or the result does
 * not fit. */
static long expand(const char *src, const policy_req_t *req, char *out, unsigned char *lit,
                   size_t cap)
{
    size_t n = 0;
    for (const char *s = src; *s;) {
        if (s[0] == '$' && s[1] == '{') {
            const char *end = strchr(s + 2, '}');
            if (!end) goto plain;
            const char *name = s + 2;
            size_t nl = (size_t)(end - name);
            const char *val = NULL;
            size_t vl = 0;
            char key[256];
            const char *def = NULL;
            size_t defl = 0;
            const char *comma = memchr(name, ',', nl);
            if (comma) {
                const char *q1 = memchr(comma, '\'', (size_t)(end - comma));
                const char *q2 = q1 ? memchr(q1 + 1, '\'', (size_t)(end - q1 - 1)) : NULL;
                if (q1 && q2) def = q1 + 1, defl = (size_t)(q2 - q1 - 1);
                nl = (size_t)(comma - name);
                while (nl && name[nl - 1] == ' ')
                    nl--;
            }
            if (nl == 1 && (name[0] == '*' || name[0] == '?' || name[0] == '$')) {
                val = name, vl = 1;
            } else if (nl < sizeof key && req->key) {
                memcpy(key, name, nl);
                key[nl] = 0;
                const char *vals[1];
                if (req->key(req->key_ctx, key, vals, 1) && vals[0])
                    val = vals[0], vl = strlen(val);
            }
            if (!val && def) val = def, vl = defl;
            if (!val) return -1;
            if (n + vl > cap) return -1;
            memcpy(out + n, val, vl);
            memset(lit + n, 1, vl);
            n += vl;
            s = end + 1;
            continue;
        }
    plain:
        if (n + 1 > cap) return -1;
        out[n] = *s++;
        lit[n++] = 0;
    }
    return (long)n;
}

/* A policy string (which may hold variables) against s, as a glob. */
static int match_var(const char *pat, const char *s, const policy_req_t *req, int icase)
{
    if (!strstr(pat, "${")) return glob_s(pat, s, icase);
    char out[MAX_EXPAND];
    unsigned char lit[MAX_EXPAND];
    long n = expand(pat, req, out, lit, sizeof out);
    if (n < 0) return 0;
    return policy_glob(out, lit, (size_t)n, s, strlen(s), icase);
}

static int parse_num(const char *s, double *d)
{
    if (!s || !*s) return -1;
    char *end;
    *d = strtod(s, &end);
    return *end ? -1 : 0;
}

/* ISO 8601 (2024-01-02, 2024-01-02T03:04:05Z, with fractions or an offset)
 * or epoch seconds, as seconds since the epoch. */
static int parse_date(const char *s, double *out)
{
    if (!s || !*s) return -1;
    int all_digits = 1;
    for (const char *c = s; *c; c++)
        if (!isdigit((unsigned char)*c)) all_digits = 0;
    if (all_digits) return parse_num(s, out);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return -1;
    const char *p = s + used;
    double frac = 0;
    long off = 0;
    if (*p == 'T' || *p == 't') {
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &used) != 2) return -1;
        p += 1 + used;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &used) != 1) return -1;
            p += 1 + used;
        }
        if (*p == '.') {
            char *end;
            frac = strtod(p, &end);
            p = end;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om = 0;
            if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &used) == 2 ||
                sscanf(p + 1, "%2d%2d%n", &oh, &om, &used) == 2) {
                off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
                p += 1 + used;
            } else {
                return -1;
            }
        }
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    *out = (double)timegm(&tm) - (double)off + frac;
    return 0;
}

/* addr against a CIDR ("10.0.0.0/8", "::1/128", or a bare address). */
static int ip_in(const char *cidr, const char *addr)
{
    char net[64];
    const char *slash = strchr(cidr, '/');
    size_t nl = slash ? (size_t)(slash - cidr) : strlen(cidr);
    if (nl >= sizeof net) return 0;
    memcpy(net, cidr, nl);
    net[nl] = 0;
    unsigned char a[16], b[16];
    int len;
    if (inet_pton(AF_INET, net, a) == 1) {
        len = 4;
        if (inet_pton(AF_INET, addr, b) != 1) {
            /* an IPv4-mapped IPv6 request address */
            unsigned char m[16];
            static const unsigned char pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            if (inet_pton(AF_INET6, addr, m) != 1 || memcmp(m, pre, 12) != 0) return 0;
            memcpy(b, m + 12, 4);
        }
    } else if (inet_pton(AF_INET6, net, a) == 1) {
        len = 16;
        if (inet_pton(AF_INET6, addr, b) != 1) return 0;
    } else {
        return 0;
    }
    long bits = len * 8;
    if (slash) {
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || bits < 0 || bits > len * 8) return 0;
    }
    int full = (int)(bits / 8), rest = (int)(bits % 8);
    if (memcmp(a, b, (size_t)full) != 0) return 0;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((a[full] & mask) != (b[full] & mask)) return 0;
    }
    return 1;
}

int policy_cidr(const char *cidr, int *prefix, int *v6)
{
    char net[64];
    const char *slash = strchr(cidr, '/');
    size_t nl = slash ? (size_t)(slash - cidr) : strlen(cidr);
    if (nl >= sizeof net) return 0;
    memcpy(net, cidr, nl);
    net[nl] = 0;
    unsigned char a[16];
    int max;
    if (inet_pton(AF_INET, net, a) == 1) {
        max = 32, *v6 = 0;
    } else if (inet_pton(AF_INET6, net, a) == 1) {
        max = 128, *v6 = 1;
    } else {
        return 0;
    }
    long bits = max;
    if (slash) {
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || bits < 0 || bits > max) return 0;
    }
    *prefix = (int)bits;
    return 1;
}

/* A policy value ready to compare: variables expanded (lit marks bytes
 * from ${*}, ${?} and ${$}); NULL p when a variable had no value. */
typedef struct pval {
    const char *p;
    const unsigned char *lit;
    size_t n;
} pval_t;

static int pv_equal(const pval_t *v, const char *rv, int icase)
{
    size_t n = strlen(rv);
    if (!v->p || v->n != n) return 0;
    return icase ? strncasecmp(v->p, rv, n) == 0 : memcmp(v->p, rv, n) == 0;
}

/* One request value against one policy value, for the operator's
 * non-negated sense. */
static int value_match(const cond_t *c, const pval_t *v, const char *rv)
{
    double a, b;
    if (!v->p) return 0;
    switch (c->kind) {
    case OP_STR_EQ: return pv_equal(v, rv, 0);
    case OP_STR_EQ_IC: return pv_equal(v, rv, 1);
    case OP_STR_LIKE:
    case OP_ARN_LIKE: return policy_glob(v->p, v->lit, v->n, rv, strlen(rv), 0);
    case OP_BINARY: return pv_equal(v, rv, 0);
    case OP_BOOL: return pv_equal(v, rv, 1);
    case OP_IP: return ip_in(v->p, rv);
    case OP_NUM_EQ:
    case OP_NUM_LT:
    case OP_NUM_LE:
    case OP_NUM_GT:
    case OP_NUM_GE:
        if (parse_num(rv, &a) || parse_num(v->p, &b)) return 0;
        goto cmp;
    case OP_DATE_EQ:
    case OP_DATE_LT:
    case OP_DATE_LE:
    case OP_DATE_GT:
    case OP_DATE_GE:
        if (parse_date(rv, &a) || parse_date(v->p, &b)) return 0;
    cmp:
        switch (c->kind) {
        case OP_NUM_EQ:
        case OP_DATE_EQ: return a == b;
        case OP_NUM_LT:
        case OP_DATE_LT: return a < b;
        case OP_NUM_LE:
        case OP_DATE_LE: return a <= b;
        case OP_NUM_GT:
        case OP_DATE_GT: return a > b;
        default: return a >= b;
        }
    case OP_NULL: return 0;
    }
    return 0;
}

static int any_policy_value(const cond_t *c, const pval_t *pv, size_t npv, const char *rv)
{
    for (size_t i = 0; i < npv; i++)
        if (value_match(c, &pv[i], rv)) return 1;
    return 0;
}

/* One operator-key pair of a Condition block, as AWS evaluates it. */
static int cond_true(const cond_t *c, const policy_req_t *req)
{
    if (c->kind == OP_NULL) {
        const char *one[1];
        size_t n = req->key ? req->key(req->key_ctx, c->key, one, 1) : 0;
        /* "true": the key must be absent; "false": present. */
        for (size_t i = 0; i < c->nval; i++) {
            int want_absent = strcasecmp(c->vals[i], "true") == 0;
            if (want_absent == (n == 0)) return 1;
        }
        return 0;
    }
    /* Policy values first: expanding a variable calls req->key, which may
     * reuse the storage of values it returned before. */
    pval_t pv[MAX_KEY_VALS];
    char arena[MAX_EXPAND];
    unsigned char lit[MAX_EXPAND];
    size_t used = 0, npv = c->nval < MAX_KEY_VALS ? c->nval : MAX_KEY_VALS;
    int vars_ok = c->kind == OP_STR_EQ || c->kind == OP_STR_EQ_IC || c->kind == OP_STR_LIKE ||
                  c->kind == OP_ARN_LIKE;
    for (size_t i = 0; i < npv; i++) {
        const char *v = c->vals[i];
        if (!vars_ok || !strstr(v, "${")) {
            pv[i] = (pval_t){v, NULL, strlen(v)};
            continue;
        }
        long n = used < sizeof arena
                     ? expand(v, req, arena + used, lit + used, sizeof arena - used - 1)
                     : -1;
        if (n < 0) {
            pv[i] = (pval_t){NULL, NULL, 0};
            continue;
        }
        arena[used + (size_t)n] = 0;
        pv[i] = (pval_t){arena + used, lit + used, (size_t)n};
        used += (size_t)n + 1;
    }
    const char *rv[MAX_KEY_VALS];
    size_t n = req->key ? req->key(req->key_ctx, c->key, rv, MAX_KEY_VALS) : 0;
    if (n > MAX_KEY_VALS) n = MAX_KEY_VALS;
    if (n == 0) {
        if (c->if_exists) return 1;
        if (c->set == SET_ALL) return 1;
        if (c->set == SET_ANY) return 0;
        return c->negate; /* a negated operator holds for an absent key */
    }
    if (c->set == SET_ALL) {
        for (size_t i = 0; i < n; i++) {
            int m = any_policy_value(c, pv, npv, rv[i]);
            if (c->negate ? m : !m) return 0;
        }
        return 1;
    }
    if (c->set == SET_ANY) {
        for (size_t i = 0; i < n; i++) {
            int m = any_policy_value(c, pv, npv, rv[i]);
            if (c->negate ? !m : m) return 1;
        }
        return 0;
    }
    int m = 0;
    for (size_t i = 0; i < n && !m; i++)
        m = any_policy_value(c, pv, npv, rv[i]);
    return c->negate ? !m : m;
}

static int principal_match(const principal_t *p, const policy_req_t *req)
{
    switch (p->kind) {
    case PR_ANY: return 1;
    case PR_ACCOUNT:
        return !req->anonymous && req->account && strlen(req->account) == p->n &&
               memcmp(req->account, p->v, p->n) == 0;
    case PR_ARN: return !req->anonymous && req->user_arn && strcmp(req->user_arn, p->v) == 0;
    case PR_CANONICAL:
        return !req->anonymous && req->canonical_id && strcmp(req->canonical_id, p->v) == 0;
    case PR_SERVICE: return 0;
    }
    return 0;
}

static int stmt_applies(const stmt_t *s, const policy_req_t *req)
{
    int m = 0;
    for (size_t i = 0; i < s->npr && !m; i++)
        m = principal_match(&s->pr[i], req);
    if (m == s->not_principal) return 0;
    m = 0;
    for (size_t i = 0; i < s->nact && !m; i++)
        m = req->action && glob_s(s->act[i], req->action, 1);
    if (m == s->not_action) return 0;
    m = 0;
    for (size_t i = 0; i < s->nres && !m; i++)
        m = req->resource && match_var(s->res[i], req->resource, req, 0);
    if (m == s->not_resource) return 0;
    for (size_t i = 0; i < s->ncond; i++)
        if (!cond_true(&s->cond[i], req)) return 0;
    return 1;
}

static void say_why(const stmt_t *s, size_t idx, char *why, size_t whylen)
{
    if (!why || !whylen) return;
    const char *eff = s->deny ? "Deny" : "Allow";
    if (s->sid && *s->sid)
        snprintf(why, whylen, "%s by statement Sid '%s'", eff, s->sid);
    else
        snprintf(why, whylen, "%s by statement %zu", eff, idx + 1);
}

policy_effect_t policy_eval(const policy_t *p, const policy_req_t *req, char *why, size_t whylen)
{
    if (why && whylen) why[0] = 0;
    if (!p) return POLICY_NONE;
    size_t allow = (size_t)-1;
    for (size_t i = 0; i < p->nst; i++) {
        const stmt_t *s = &p->st[i];
        if (!s->deny && allow != (size_t)-1) continue; /* only a Deny can change it now */
        if (!stmt_applies(s, req)) continue;
        if (s->deny) {
            say_why(s, i, why, whylen);
            return POLICY_DENY;
        }
        allow = i;
    }
    if (allow == (size_t)-1) return POLICY_NONE;
    say_why(&p->st[allow], allow, why, whylen);
    return POLICY_ALLOW;
}

/* ---- "public", as S3 defines it ---- */

/* Keys whose fixed values make a grant to "*" non-public (S3 user guide,
 * "The meaning of public"). */
static const char *const fixed_keys[] = {
    "aws:SourceIp",     "aws:SourceArn",     "aws:SourceVpc",         "aws:SourceVpce",
    "aws:SourceOwner",  "aws:SourceAccount", "aws:PrincipalAccount",  "aws:PrincipalOrgID",
    "aws:PrincipalArn", "aws:userid",        "s3:DataAccessPointArn", "s3:DataAccessPointAccount",
};

static int has_wild(const char *s)
{
    return strchr(s, '*') || strchr(s, '?') || strstr(s, "${");
}

/* Whether c narrows the grant to fixed values. */
static int cond_fixes(const cond_t *c)
{
    if (c->negate || c->if_exists || c->set == SET_ALL) return 0;
    size_t i = 0;
    while (i < NELEM(fixed_keys) && strcasecmp(fixed_keys[i], c->key) != 0)
        i++;
    if (i == NELEM(fixed_keys)) return 0;
    if (strcasecmp(c->key, "aws:SourceIp") == 0) {
        if (c->kind != OP_IP) return 0;
        for (size_t j = 0; j < c->nval; j++) {
            int prefix, v6;
            /* a range as wide as a /8 (IPv4) or /32 (IPv6) is not a fixed value */
            if (!policy_cidr(c->vals[j], &prefix, &v6) || prefix < (v6 ? 32 : 8)) return 0;
        }
        return 1;
    }
    if (c->kind != OP_STR_EQ && c->kind != OP_STR_EQ_IC && c->kind != OP_ARN_LIKE &&
        c->kind != OP_STR_LIKE)
        return 0;
    for (size_t j = 0; j < c->nval; j++)
        if (has_wild(c->vals[j])) return 0;
    return 1;
}

int policy_is_public(const policy_t *p, const char *owner_account)
{
    (void)owner_account; /* a grant to another fixed account is not public in S3's sense */
    if (!p) return 0;
    for (size_t i = 0; i < p->nst; i++) {
        const stmt_t *s = &p->st[i];
        if (s->deny) continue;
        int open = s->not_principal; /* everyone but a few */
        for (size_t j = 0; j < s->npr && !open; j++)
            open = s->pr[j].kind == PR_ANY;
        if (!open) continue;
        int fixed = 0;
        for (size_t j = 0; j < s->ncond && !fixed; j++)
            fixed = cond_fixes(&s->cond[j]);
        if (!fixed) return 1;
    }
    return 0;
}
