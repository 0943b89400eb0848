/* Bucket policies, parsing: a document is parsed once with jansson and
 * validated as S3's PutBucketPolicy does, into statements whose strings
 * point into the kept JSON tree (policy_int.h); policy_eval.c evaluates
 * them. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3/access/policy.h"
#include "s3/access/policy_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

static int glob_s(const char *p, const char *s, int icase)
{
    return policy_glob(p, NULL, strlen(p), s, strlen(s), icase);
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
    return policy_glob(b, NULL, bl, bucket, strlen(bucket), 0);
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
                    if (!policy_cidr(cd->vals[i], &prefix, &v6))
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
