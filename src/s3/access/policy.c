/* Bucket policies: parsed once with jansson into statements whose strings
 * point into the kept JSON tree, validated as S3's PutBucketPolicy does, and
 * evaluated per request without allocating. */
#include "s3/access/policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NELEM(a)     (sizeof(a) / sizeof((a)[0]))
#define MAX_KEY_VALS 64
#define MAX_EXPAND   4096

/* S3 actions a bucket policy may name: every operation fakes3 implements or
 * may implement (the IAM service authorization reference for Amazon S3). */
/* What an action applies to: a bucket ARN, an object ARN, or neither (a
 * statement naming it has no resource it could apply to). */
enum { ACT_BUCKET, ACT_OBJECT, ACT_SERVICE };

static const struct {
    const char *name;
    int applies;
} actions[] = {
    {"AbortMultipartUpload", ACT_OBJECT},
    {"BypassGovernanceRetention", ACT_OBJECT},
    {"CreateAccessPoint", ACT_SERVICE},
    {"CreateBucket", ACT_BUCKET},
    {"CreateJob", ACT_SERVICE},
    {"DeleteAccessPoint", ACT_SERVICE},
    {"DeleteBucket", ACT_BUCKET},
    {"DeleteBucketPolicy", ACT_BUCKET},
    {"DeleteBucketWebsite", ACT_BUCKET},
    {"DeleteObject", ACT_OBJECT},
    {"DeleteObjectTagging", ACT_OBJECT},
    {"DeleteObjectVersion", ACT_OBJECT},
    {"DeleteObjectVersionTagging", ACT_OBJECT},
    {"GetAccelerateConfiguration", ACT_BUCKET},
    {"GetAnalyticsConfiguration", ACT_BUCKET},
    {"GetBucketAcl", ACT_BUCKET},
    {"GetBucketCORS", ACT_BUCKET},
    {"GetBucketLocation", ACT_BUCKET},
    {"GetBucketLogging", ACT_BUCKET},
    {"GetBucketNotification", ACT_BUCKET},
    {"GetBucketObjectLockConfiguration", ACT_BUCKET},
    {"GetBucketOwnershipControls", ACT_BUCKET},
    {"GetBucketPolicy", ACT_BUCKET},
    {"GetBucketPolicyStatus", ACT_BUCKET},
    {"GetBucketPublicAccessBlock", ACT_BUCKET},
    {"GetBucketRequestPayment", ACT_BUCKET},
    {"GetBucketTagging", ACT_BUCKET},
    {"GetBucketVersioning", ACT_BUCKET},
    {"GetBucketWebsite", ACT_BUCKET},
    {"GetEncryptionConfiguration", ACT_BUCKET},
    {"GetIntelligentTieringConfiguration", ACT_BUCKET},
    {"GetInventoryConfiguration", ACT_BUCKET},
    {"GetLifecycleConfiguration", ACT_BUCKET},
    {"GetMetricsConfiguration", ACT_BUCKET},
    {"GetObject", ACT_OBJECT},
    {"GetObjectAcl", ACT_OBJECT},
    {"GetObjectAttributes", ACT_OBJECT},
    {"GetObjectLegalHold", ACT_OBJECT},
    {"GetObjectRetention", ACT_OBJECT},
    {"GetObjectTagging", ACT_OBJECT},
    {"GetObjectTorrent", ACT_OBJECT},
    {"GetObjectVersion", ACT_OBJECT},
    {"GetObjectVersionAcl", ACT_OBJECT},
    {"GetObjectVersionAttributes", ACT_OBJECT},
    {"GetObjectVersionForReplication", ACT_OBJECT},
    {"GetObjectVersionTagging", ACT_OBJECT},
    {"GetObjectVersionTorrent", ACT_OBJECT},
    {"GetReplicationConfiguration", ACT_BUCKET},
    {"ListAllMyBuckets", ACT_SERVICE},
    {"ListBucket", ACT_BUCKET},
    {"ListBucketMultipartUploads", ACT_BUCKET},
    {"ListBucketVersions", ACT_BUCKET},
    {"ListMultipartUploadParts", ACT_OBJECT},
    {"ObjectOwnerOverrideToBucketOwner", ACT_OBJECT},
    {"PutAccelerateConfiguration", ACT_BUCKET},
    {"PutAnalyticsConfiguration", ACT_BUCKET},
    {"PutBucketAcl", ACT_BUCKET},
    {"PutBucketCORS", ACT_BUCKET},
    {"PutBucketLogging", ACT_BUCKET},
    {"PutBucketNotification", ACT_BUCKET},
    {"PutBucketObjectLockConfiguration", ACT_BUCKET},
    {"PutBucketOwnershipControls", ACT_BUCKET},
    {"PutBucketPolicy", ACT_BUCKET},
    {"PutBucketPublicAccessBlock", ACT_BUCKET},
    {"PutBucketRequestPayment", ACT_BUCKET},
    {"PutBucketTagging", ACT_BUCKET},
    {"PutBucketVersioning", ACT_BUCKET},
    {"PutBucketWebsite", ACT_BUCKET},
    {"PutEncryptionConfiguration", ACT_BUCKET},
    {"PutIntelligentTieringConfiguration", ACT_BUCKET},
    {"PutInventoryConfiguration", ACT_BUCKET},
    {"PutLifecycleConfiguration", ACT_BUCKET},
    {"PutMetricsConfiguration", ACT_BUCKET},
    {"PutObject", ACT_OBJECT},
    {"PutObjectAcl", ACT_OBJECT},
    {"PutObjectLegalHold", ACT_OBJECT},
    {"PutObjectRetention", ACT_OBJECT},
    {"PutObjectTagging", ACT_OBJECT},
    {"PutObjectVersionAcl", ACT_OBJECT},
    {"PutObjectVersionTagging", ACT_OBJECT},
    {"PutReplicationConfiguration", ACT_BUCKET},
    {"ReplicateDelete", ACT_OBJECT},
    {"ReplicateObject", ACT_OBJECT},
    {"ReplicateTags", ACT_OBJECT},
    {"RestoreObject", ACT_OBJECT},
};

/* Condition keys S3 knows beyond the global aws:* ones (any aws: key is
 * accepted, as AWS does); ExistingObjectTag/ and RequestObjectTag/ take a tag
 * key after the slash. */
static const char *const s3_keys[] = {
    "s3:authType",
    "s3:delimiter",
    "s3:max-keys",
    "s3:prefix",
    "s3:RequestObjectTagKeys",
    "s3:signatureAge",
    "s3:signatureversion",
    "s3:versionid",
    "s3:x-amz-acl",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-write-acp",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-storage-class",
    "s3:x-amz-website-redirect-location",
    "s3:object-lock-mode",
    "s3:object-lock-retain-until-date",
    "s3:object-lock-legal-hold",
    "s3:object-lock-remaining-retention-days",
    "s3:LocationConstraint",
    "s3:TlsVersion",
    "s3:x-amz-object-ownership",
    "s3:ResourceAccount",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
    "s3:AccessPointNetworkOrigin",
};

typedef enum {
    OP_STR_EQ,
    OP_STR_EQ_IC,
    OP_STR_LIKE,
    OP_NUM_EQ,
    OP_NUM_LT,
    OP_NUM_LE,
    OP_NUM_GT,
    OP_NUM_GE,
    OP_DATE_EQ,
    OP_DATE_LT,
    OP_DATE_LE,
    OP_DATE_GT,
    OP_DATE_GE,
    OP_BOOL,
    OP_IP,
    OP_ARN_LIKE,
    OP_BINARY,
    OP_NULL,
} op_kind_t;

static const struct {
    const char *name;
    op_kind_t kind;
    int negate;
} operators[] = {
    {"StringEquals", OP_STR_EQ, 0},
    {"StringNotEquals", OP_STR_EQ, 1},
    {"StringEqualsIgnoreCase", OP_STR_EQ_IC, 0},
    {"StringNotEqualsIgnoreCase", OP_STR_EQ_IC, 1},
    {"StringLike", OP_STR_LIKE, 0},
    {"StringNotLike", OP_STR_LIKE, 1},
    {"NumericEquals", OP_NUM_EQ, 0},
    {"NumericNotEquals", OP_NUM_EQ, 1},
    {"NumericLessThan", OP_NUM_LT, 0},
    {"NumericLessThanEquals", OP_NUM_LE, 0},
    {"NumericGreaterThan", OP_NUM_GT, 0},
    {"NumericGreaterThanEquals", OP_NUM_GE, 0},
    {"DateEquals", OP_DATE_EQ, 0},
    {"DateNotEquals", OP_DATE_EQ, 1},
    {"DateLessThan", OP_DATE_LT, 0},
    {"DateLessThanEquals", OP_DATE_LE, 0},
    {"DateGreaterThan", OP_DATE_GT, 0},
    {"DateGreaterThanEquals", OP_DATE_GE, 0},
    {"Bool", OP_BOOL, 0},
    {"IpAddress", OP_IP, 0},
    {"NotIpAddress", OP_IP, 1},
    {"ArnEquals", OP_ARN_LIKE, 0},
    {"ArnLike", OP_ARN_LIKE, 0},
    {"ArnNotEquals", OP_ARN_LIKE, 1},
    {"ArnNotLike", OP_ARN_LIKE, 1},
    {"BinaryEquals", OP_BINARY, 0},
    {"Null", OP_NULL, 0},
};

enum { SET_NONE, SET_ALL, SET_ANY };

typedef struct cond {
    op_kind_t kind;
    int negate, if_exists, set;
    const char *key;
    const char **vals;
    size_t nval;
} cond_t;

/* A principal: "*", an account id, an IAM ARN, or a canonical user id. */
typedef enum { PR_ANY, PR_ACCOUNT, PR_ARN, PR_CANONICAL, PR_SERVICE } pr_kind_t;
typedef struct principal {
    pr_kind_t kind;
    const char *v;
    size_t n; /* length to compare (an account id out of a :root ARN) */
} principal_t;

typedef struct stmt {
    int deny, not_principal, not_action, not_resource;
    const char *sid;
    principal_t *pr;
    size_t npr;
    const char **act;
    size_t nact;
    const char **res;
    size_t nres;
    cond_t *cond;
    size_t ncond;
} stmt_t;

struct policy {
    json_t *root, *keep;
    stmt_t *st;
    size_t nst;
};

/* ---- matching ---- */

static int ci_eq(char a, char b)
{
    return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Glob with * and ?; lit (may be NULL) marks pattern bytes that came from
 * ${*} or ${?} and so match only themselves. */
static int glob(const char *p, const unsigned char *lit, size_t pn, const char *s, size_t sn,
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
    return glob(p, NULL, strlen(p), s, strlen(s), icase);
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
    return glob(out, lit, (size_t)n, s, strlen(s), icase);
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

static int cidr_ok(const char *cidr, int *prefix, int *v6)
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
    case OP_ARN_LIKE: return glob(v->p, v->lit, v->n, rv, strlen(rv), 0);
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

/* ---- parsing ---- */

typedef struct pctx {
    const char *bucket;
    json_t *keep; /* strings made from numbers and booleans */
    char *err;
    size_t errlen;
} pctx_t;

static int fail(pctx_t *c, const char *msg)
{
    if (c->err && c->errlen) snprintf(c->err, c->errlen, "%s", msg);
    return -1;
}

/* A string or an array of strings into a new array of pointers into the
 * tree. Returns the count, or -1 (a non-string, or an empty list). */
static long strings(json_t *v, const char ***out)
{
    *out = NULL;
    if (json_is_string(v)) {
        *out = malloc(sizeof **out);
        if (!*out) return -1;
        (*out)[0] = json_string_value(v);
        return 1;
    }
    if (!json_is_array(v) || json_array_size(v) == 0) return -1;
    size_t n = json_array_size(v);
    *out = calloc(n, sizeof **out);
    if (!*out) return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[i] = json_string_value(e);
    }
    return (long)n;
}

static int action_ok(const char *a)
{
    if (strcmp(a, "*") == 0) return 1;
    if (strncasecmp(a, "s3:", 3) != 0) return 0;
    for (size_t i = 0; i < NELEM(actions); i++) {
        char full[64];
        snprintf(full, sizeof full, "s3:%s", actions[i].name);
        if (glob_s(a, full, 1)) return 1;
    }
    return 0;
}

/* Whether a named action (a pattern is not checked) applies to one of the
 * resources: object actions need an object ARN (bucket/...), bucket actions
 * the bucket's own ARN; a '*' in the bucket part covers both. */
static int action_applies(const char *a, const char **res, size_t nres)
{
    if (strpbrk(a, "*?")) return 1;
    int kind = -1;
    for (size_t i = 0; i < NELEM(actions) && kind < 0; i++)
        if (strcasecmp(a + 3, actions[i].name) == 0) kind = actions[i].applies;
    if (kind == ACT_SERVICE) return 0;
    for (size_t i = 0; i < nres; i++) {
        const char *b = res[i] + 13; /* after arn:aws:s3::: (checked already) */
        size_t bl = strcspn(b, "/");
        int wild = memchr(b, '*', bl) != NULL;
        if (kind == ACT_OBJECT && (b[bl] == '/' || wild)) return 1;
        if (kind == ACT_BUCKET && (b[bl] == 0 || wild)) return 1;
    }
    return 0;
}

static int resource_ok(const char *r, const char *bucket)
{
    static const char pre[] = "arn:aws:s3:::";
    if (strncmp(r, pre, sizeof pre - 1) != 0) return 0;
    const char *b = r + sizeof pre - 1;
    size_t bl = strcspn(b, "/");
    if (bl == 0) return 0;
    /* The bucket part must name this bucket (a pattern may cover it). */
    return glob(b, NULL, bl, bucket, strlen(bucket), 0);
}

static int is_account(const char *s, size_t n)
{
    if (n != 12) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static int add_aws_principal(pctx_t *c, stmt_t *s, const char *v)
{
    principal_t *p = &s->pr[s->npr];
    p->v = v, p->n = strlen(v);
    if (strcmp(v, "*") == 0) {
        p->kind = PR_ANY;
    } else if (is_account(v, p->n)) {
        p->kind = PR_ACCOUNT;
    } else if (strncmp(v, "arn:aws:iam::", 13) == 0 && is_account(v + 13, strcspn(v + 13, ":")) &&
               v[25] == ':') {
        const char *rest = v + 26;
        if (strcmp(rest, "root") == 0) {
            p->kind = PR_ACCOUNT, p->v = v + 13, p->n = 12;
        } else if ((strncmp(rest, "user/", 5) == 0 || strncmp(rest, "role/", 5) == 0) && rest[5] &&
                   !strpbrk(rest, "*?")) {
            p->kind = PR_ARN;
        } else {
            return fail(c, "Invalid principal in policy");
        }
    } else {
        return fail(c, "Invalid principal in policy");
    }
    s->npr++;
    return 0;
}

static int parse_principal(pctx_t *c, stmt_t *s, json_t *v)
{
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "*") != 0) return fail(c, "Invalid principal in policy");
        s->pr = calloc(1, sizeof *s->pr);
        if (!s->pr) return fail(c, "out of memory");
        s->pr[0].kind = PR_ANY;
        s->npr = 1;
        return 0;
    }
    if (!json_is_object(v) || json_object_size(v) == 0)
        return fail(c, "Invalid principal in policy");
    size_t total = 0;
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
    {
        if (json_is_string(e))
            total++;
        else if (json_is_array(e) && json_array_size(e))
            total += json_array_size(e);
        else
            return fail(c, "Invalid principal in policy");
    }
    s->pr = calloc(total, sizeof *s->pr);
    if (!s->pr) return fail(c, "out of memory");
    json_object_foreach(v, k, e)
    {
        const char **vals;
        long n = strings(e, &vals);
        if (n < 0) return fail(c, "Invalid principal in policy");
        int rc = 0;
        for (long i = 0; i < n && !rc; i++) {
            if (strcmp(k, "AWS") == 0) {
                rc = add_aws_principal(c, s, vals[i]);
            } else if (strcmp(k, "CanonicalUser") == 0 && *vals[i]) {
                s->pr[s->npr].kind = PR_CANONICAL;
                s->pr[s->npr].v = vals[i];
                s->pr[s->npr++].n = strlen(vals[i]);
            } else if ((strcmp(k, "Service") == 0 || strcmp(k, "Federated") == 0) && *vals[i]) {
                s->pr[s->npr].kind = PR_SERVICE;
                s->pr[s->npr].v = vals[i];
                s->pr[s->npr++].n = strlen(vals[i]);
            } else {
                rc = fail(c, "Invalid principal in policy");
            }
        }
        free(vals);
        if (rc) return rc;
    }
    return 0;
}

static int key_ok(const char *k)
{
    if (strncasecmp(k, "aws:", 4) == 0) return k[4] != 0;
    if (strncasecmp(k, "s3:ExistingObjectTag/", 21) == 0) return k[21] != 0;
    if (strncasecmp(k, "s3:RequestObjectTag/", 20) == 0) return k[20] != 0;
    for (size_t i = 0; i < NELEM(s3_keys); i++)
        if (strcasecmp(k, s3_keys[i]) == 0) return 1;
    return 0;
}

/* Condition values may be strings, numbers or booleans: kept as strings. */
static int cond_values(pctx_t *c, json_t *v, cond_t *cd)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (n == 0) return fail(c, "Invalid Condition: empty value list");
    cd->vals = calloc(n, sizeof *cd->vals);
    if (!cd->vals) return fail(c, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (json_is_string(e)) {
            cd->vals[i] = json_string_value(e);
        } else if (json_is_integer(e) || json_is_real(e) || json_is_boolean(e)) {
            /* Re-store as a string in the tree so that it lives as long. */
            char tmp[64];
            if (json_is_integer(e))
                snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
            else if (json_is_real(e))
                snprintf(tmp, sizeof tmp, "%.17g", json_real_value(e));
            else
                snprintf(tmp, sizeof tmp, "%s", json_is_true(e) ? "true" : "false");
            json_t *str = json_string(tmp);
            if (!str || json_array_append_new(c->keep, str)) return fail(c, "out of memory");
            cd->vals[i] = json_string_value(str);
        } else {
            return fail(c, "Invalid Condition value");
        }
    }
    cd->nval = n;
    return 0;
}

static int parse_operator(const char *name, cond_t *cd)
{
    cd->set = SET_NONE;
    if (strncmp(name, "ForAllValues:", 13) == 0)
        cd->set = SET_ALL, name += 13;
    else if (strncmp(name, "ForAnyValue:", 12) == 0)
        cd->set = SET_ANY, name += 12;
    size_t n = strlen(name);
    cd->if_exists = 0;
    if (n > 8 && strcmp(name + n - 8, "IfExists") == 0) cd->if_exists = 1, n -= 8;
    for (size_t i = 0; i < NELEM(operators); i++) {
        if (strlen(operators[i].name) == n && strncmp(operators[i].name, name, n) == 0) {
            if (operators[i].kind == OP_NULL && cd->if_exists) return -1;
            cd->kind = operators[i].kind;
            cd->negate = operators[i].negate;
            return 0;
        }
    }
    return -1;
}

static int parse_condition(pctx_t *c, stmt_t *s, json_t *v)
{
    if (!json_is_object(v)) return fail(c, "Policy has an invalid condition key");
    size_t total = 0;
    const char *op, *k;
    json_t *keys, *vals;
    json_object_foreach(v, op, keys)
    {
        if (!json_is_object(keys)) return fail(c, "Policy has an invalid condition key");
        total += json_object_size(keys);
    }
    if (!total) return 0;
    s->cond = calloc(total, sizeof *s->cond);
    if (!s->cond) return fail(c, "out of memory");
    json_object_foreach(v, op, keys)
    {
        cond_t proto;
        memset(&proto, 0, sizeof proto);
        if (parse_operator(op, &proto)) {
            char msg[300];
            snprintf(msg, sizeof msg, "Invalid Condition type : %.200s", op);
            return fail(c, msg);
        }
        json_object_foreach(keys, k, vals)
        {
            if (!key_ok(k)) return fail(c, "Policy has an invalid condition key");
            cond_t *cd = &s->cond[s->ncond++];
            *cd = proto;
            cd->key = k;
            if (cond_values(c, vals, cd)) return -1;
            if (cd->kind == OP_IP) {
                int prefix, v6;
                for (size_t i = 0; i < cd->nval; i++)
                    if (!cidr_ok(cd->vals[i], &prefix, &v6))
                        return fail(c, "Invalid Condition value: not an IP address range");
            }
        }
    }
    return 0;
}

static int parse_stmt(pctx_t *c, stmt_t *s, json_t *j)
{
    if (!json_is_object(j)) return fail(c, "Policy has an invalid statement");
    const char *k;
    json_t *v;
    static const char *const known[] = {"Sid",          "Effect",      "Principal",
                                        "NotPrincipal", "Action",      "NotAction",
                                        "Resource",     "NotResource", "Condition"};
    json_object_foreach(j, k, v)
    {
        size_t i = 0;
        while (i < NELEM(known) && strcmp(known[i], k) != 0)
            i++;
        if (i == NELEM(known)) {
            char msg[300];
            snprintf(msg, sizeof msg, "Unknown field %.200s", k);
            return fail(c, msg);
        }
    }
    json_t *sid = json_object_get(j, "Sid");
    if (sid) {
        if (!json_is_string(sid)) return fail(c, "Policy has an invalid Sid");
        s->sid = json_string_value(sid);
    }
    json_t *eff = json_object_get(j, "Effect");
    if (!eff) return fail(c, "Missing required field Effect");
    if (!json_is_string(eff) || (strcmp(json_string_value(eff), "Allow") != 0 &&
                                 strcmp(json_string_value(eff), "Deny") != 0)) {
        char msg[300];
        snprintf(msg, sizeof msg, "Invalid effect: %.200s",
                 json_is_string(eff) ? json_string_value(eff) : "");
        return fail(c, msg);
    }
    s->deny = strcmp(json_string_value(eff), "Deny") == 0;

    json_t *pr = json_object_get(j, "Principal"), *npr = json_object_get(j, "NotPrincipal");
    if (pr && npr) return fail(c, "Statement contains both Principal and NotPrincipal");
    if (!pr && !npr) return fail(c, "Missing required field Principal");
    s->not_principal = npr != NULL;
    if (parse_principal(c, s, pr ? pr : npr)) return -1;

    json_t *act = json_object_get(j, "Action"), *nact = json_object_get(j, "NotAction");
    if (act && nact) return fail(c, "Statement contains both Action and NotAction");
    if (!act && !nact) return fail(c, "Missing required field Action");
    s->not_action = nact != NULL;
    long n = strings(act ? act : nact, &s->act);
    if (n < 0) return fail(c, "Policy has invalid action");
    s->nact = (size_t)n;
    for (size_t i = 0; i < s->nact; i++)
        if (!action_ok(s->act[i])) return fail(c, "Policy has invalid action");

    json_t *res = json_object_get(j, "Resource"), *nres = json_object_get(j, "NotResource");
    if (res && nres) return fail(c, "Statement contains both Resource and NotResource");
    if (!res && !nres) return fail(c, "Missing required field Resource");
    s->not_resource = nres != NULL;
    n = strings(res ? res : nres, &s->res);
    if (n < 0) return fail(c, "Policy has invalid resource");
    s->nres = (size_t)n;
    for (size_t i = 0; i < s->nres; i++)
        if (!resource_ok(s->res[i], c->bucket)) return fail(c, "Policy has invalid resource");

    if (!s->not_resource && !s->not_action) {
        for (size_t i = 0; i < s->nact; i++)
            if (!action_applies(s->act[i], s->res, s->nres))
                return fail(c, "Action does not apply to any resource(s) in statement");
    }

    json_t *cond = json_object_get(j, "Condition");
    if (cond && parse_condition(c, s, cond)) return -1;
    return 0;
}

policy_t *policy_parse(const char *json, size_t len, const char *bucket, char *err, size_t errlen)
{
    pctx_t c = {bucket ? bucket : "", NULL, err, errlen};
    if (err && errlen) err[0] = 0;
    policy_t *p = calloc(1, sizeof *p);
    if (!p || !(p->keep = c.keep = json_array())) {
        free(p);
        fail(&c, "out of memory");
        return NULL;
    }
    if (!len || !json || json[0] != '{') {
        fail(&c, "Policies must be valid JSON and the first byte must be '{'");
        goto fail;
    }
    json_error_t je;
    p->root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!p->root || !json_is_object(p->root)) {
        fail(&c, "This policy contains invalid Json");
        goto fail;
    }
    const char *k;
    json_t *v;
    json_object_foreach(p->root, k, v)
    {
        if (strcmp(k, "Version") != 0 && strcmp(k, "Id") != 0 && strcmp(k, "Statement") != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "Unknown field %.200s", k);
            fail(&c, msg);
            goto fail;
        }
    }
    json_t *ver = json_object_get(p->root, "Version");
    if (ver && (!json_is_string(ver) || (strcmp(json_string_value(ver), "2012-10-17") != 0 &&
                                         strcmp(json_string_value(ver), "2008-10-17") != 0))) {
        fail(&c, "The policy must contain a valid version string");
        goto fail;
    }
    json_t *id = json_object_get(p->root, "Id");
    if (id && !json_is_string(id)) {
        fail(&c, "Policy has an invalid Id");
        goto fail;
    }
    json_t *sts = json_object_get(p->root, "Statement");
    if (!sts) {
        fail(&c, "Missing required field Statement");
        goto fail;
    }
    size_t n = json_is_array(sts) ? json_array_size(sts) : 1;
    if (!json_is_array(sts) && !json_is_object(sts)) {
        fail(&c, "Policy has an invalid statement");
        goto fail;
    }
    if (n == 0) {
        fail(&c, "Could not parse the policy: Statement is empty!");
        goto fail;
    }
    p->st = calloc(n, sizeof *p->st);
    if (!p->st) {
        fail(&c, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        p->nst = i + 1;
        if (parse_stmt(&c, &p->st[i], json_is_array(sts) ? json_array_get(sts, i) : sts)) goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            const char *a = p->st[i].sid, *b = p->st[j].sid;
            if (a && b && *a && strcmp(a, b) == 0) {
                fail(&c, "Statement IDs (SID) in a single policy must be unique");
                goto fail;
            }
        }
    }
    return p;
fail:
    policy_free(p);
    return NULL;
}

void policy_free(policy_t *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nst; i++) {
        stmt_t *s = &p->st[i];
        free(s->pr);
        free(s->act);
        free(s->res);
        for (size_t j = 0; j < s->ncond; j++)
            free(s->cond[j].vals);
        free(s->cond);
    }
    free(p->st);
    json_decref(p->root);
    json_decref(p->keep);
    free(p);
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
            if (!cidr_ok(c->vals[j], &prefix, &v6) || prefix < (v6 ? 32 : 8)) return 0;
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
