/* See access.h. */
#include "s3/access/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/access/acl.h"
#include "s3/access/policy.h"
#include "s3/auth/users.h"

/* Where an action's ACL permission is looked for. */
enum {
    ON_SERVICE,     /* any authenticated user (ListAllMyBuckets, CreateBucket) */
    ON_BUCKET,      /* the bucket's ACL */
    ON_OBJECT,      /* the object's ACL */
    ON_OWNER,       /* the bucket owner only (bucket configuration) */
    ON_BUCKET_WRITE /* an object action needing WRITE on the bucket */
};

static const struct {
    const char *action;
    int on, perm;
} actions[] = {
    {"s3:ListAllMyBuckets", ON_SERVICE, 0},
    {"s3:CreateBucket", ON_SERVICE, 0},
    {"s3:ListBucket", ON_BUCKET, ACL_READ},
    {"s3:ListBucketMultipartUploads", ON_BUCKET, ACL_READ},
    {"s3:GetBucketAcl", ON_BUCKET, ACL_READ_ACP},
    {"s3:PutBucketAcl", ON_BUCKET, ACL_WRITE_ACP},
    {"s3:GetObject", ON_OBJECT, ACL_READ},
    {"s3:GetObjectAcl", ON_OBJECT, ACL_READ_ACP},
    {"s3:GetObjectAttributes", ON_OBJECT, ACL_READ},
    {"s3:PutObjectAcl", ON_OBJECT, ACL_WRITE_ACP},
    {"s3:ListBucketVersions", ON_BUCKET, ACL_READ},
    {"s3:RestoreObject", ON_BUCKET_WRITE, ACL_WRITE},
    {"s3:GetObjectVersion", ON_OBJECT, ACL_READ},
    {"s3:GetObjectVersionAcl", ON_OBJECT, ACL_READ_ACP},
    {"s3:GetObjectVersionAttributes", ON_OBJECT, ACL_READ},
    {"s3:PutObjectVersionAcl", ON_OBJECT, ACL_WRITE_ACP},
    {"s3:DeleteObjectVersion", ON_BUCKET_WRITE, ACL_WRITE},
    /* Object lock: no ACL grants these; the bucket owner and policies do. */
    {"s3:GetObjectRetention", ON_OWNER, 0},
    {"s3:PutObjectRetention", ON_OWNER, 0},
    {"s3:GetObjectLegalHold", ON_OWNER, 0},
    {"s3:PutObjectLegalHold", ON_OWNER, 0},
    {"s3:BypassGovernanceRetention", ON_OWNER, 0},
    {"s3:GetBucketObjectLockConfiguration", ON_OWNER, 0},
    {"s3:PutBucketObjectLockConfiguration", ON_OWNER, 0},
    /* Object tags: no ACL grants these either ("By default, the bucket owner
     * has this permission and can grant this permission to others", the API
     * reference's Put/Get/DeleteObjectTagging). */
    {"s3:GetObjectTagging", ON_OWNER, 0},
    {"s3:PutObjectTagging", ON_OWNER, 0},
    {"s3:DeleteObjectTagging", ON_OWNER, 0},
    {"s3:GetObjectVersionTagging", ON_OWNER, 0},
    {"s3:PutObjectVersionTagging", ON_OWNER, 0},
    {"s3:DeleteObjectVersionTagging", ON_OWNER, 0},
    {"s3:PutObject", ON_BUCKET_WRITE, ACL_WRITE},
    {"s3:DeleteObject", ON_BUCKET_WRITE, ACL_WRITE},
    {"s3:AbortMultipartUpload", ON_BUCKET_WRITE, ACL_WRITE},
    {"s3:ListMultipartUploadParts", ON_BUCKET_WRITE, ACL_WRITE},
    {"s3:DeleteBucket", ON_OWNER, 0},
    {"s3:GetBucketLocation", ON_OWNER, 0},
    {"s3:GetBucketPolicy", ON_OWNER, 0},
    {"s3:PutBucketPolicy", ON_OWNER, 0},
    {"s3:DeleteBucketPolicy", ON_OWNER, 0},
    {"s3:GetBucketPolicyStatus", ON_OWNER, 0},
    {"s3:GetBucketCORS", ON_OWNER, 0},
    {"s3:PutBucketCORS", ON_OWNER, 0},
    {"s3:GetEncryptionConfiguration", ON_OWNER, 0},
    {"s3:PutEncryptionConfiguration", ON_OWNER, 0},
    {"s3:GetBucketTagging", ON_OWNER, 0},
    {"s3:PutBucketTagging", ON_OWNER, 0},
    {"s3:GetBucketVersioning", ON_OWNER, 0},
    {"s3:PutBucketVersioning", ON_OWNER, 0},
    {"s3:GetBucketRequestPayment", ON_OWNER, 0},
    {"s3:GetLifecycleConfiguration", ON_OWNER, 0},
    {"s3:PutLifecycleConfiguration", ON_OWNER, 0},
    {"s3:GetBucketOwnershipControls", ON_OWNER, 0},
    {"s3:PutBucketOwnershipControls", ON_OWNER, 0},
    {"s3:GetBucketPublicAccessBlock", ON_OWNER, 0},
    {"s3:PutBucketPublicAccessBlock", ON_OWNER, 0},
    {"s3:GetBucketWebsite", ON_OWNER, 0},
    {"s3:PutBucketWebsite", ON_OWNER, 0},
    {"s3:DeleteBucketWebsite", ON_OWNER, 0},
    {"s3:GetBucketLogging", ON_OWNER, 0},
    {"s3:PutBucketLogging", ON_OWNER, 0},
    {"s3:GetBucketNotification", ON_OWNER, 0},
    {"s3:PutBucketNotification", ON_OWNER, 0},
    {"s3:PutBucketRequestPayment", ON_OWNER, 0},
    {"s3:GetAccelerateConfiguration", ON_OWNER, 0},
    {"s3:PutAccelerateConfiguration", ON_OWNER, 0},
    {"s3:GetReplicationConfiguration", ON_OWNER, 0},
    {"s3:PutReplicationConfiguration", ON_OWNER, 0},
    {"s3:GetInventoryConfiguration", ON_OWNER, 0},
    {"s3:PutInventoryConfiguration", ON_OWNER, 0},
    {"s3:GetAnalyticsConfiguration", ON_OWNER, 0},
    {"s3:PutAnalyticsConfiguration", ON_OWNER, 0},
    {"s3:GetMetricsConfiguration", ON_OWNER, 0},
    {"s3:PutMetricsConfiguration", ON_OWNER, 0},
    {"s3:GetIntelligentTieringConfiguration", ON_OWNER, 0},
    {"s3:PutIntelligentTieringConfiguration", ON_OWNER, 0},
};

/* Actions S3 allows only to who may also do another one (the S3 API
 * reference, GetObjectAttributes, Permissions: s3:GetObjectAttributes and
 * s3:GetObject; with a versionId their Version forms). */
static const struct {
    const char *action, *with;
} needs_also[] = {
    {"s3:GetObjectAttributes", "s3:GetObject"},
    {"s3:GetObjectVersionAttributes", "s3:GetObjectVersion"},
};

static int find_action(const char *action)
{
    for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
        if (strcmp(actions[i].action, action) == 0) return (int)i;
    return -1;
}

int access_action_known(const char *action)
{
    return action && find_action(action) >= 0;
}

int access_bucket_load(store_t *st, const char *bucket, access_bucket_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = st->ops->bucket_get(st, bucket, &out->b);
    if (rc) return rc;
    char *doc = NULL;
    size_t n = 0;
    rc = st->ops->conf_get(st, bucket, "ownership", &doc, &n);
    if (rc == STORE_OK) {
        out->has_ownership = ownership_from_name(doc, &out->ownership) == 0;
        free(doc);
    } else if (rc != STORE_ENOCONF) {
        return rc;
    }
    rc = st->ops->conf_get(st, bucket, "pab", &doc, &n);
    if (rc == STORE_OK) {
        out->has_pab = 1;
        pab_decode(doc, &out->pab);
        free(doc);
    } else if (rc != STORE_ENOCONF) {
        return rc;
    }
    return STORE_OK;
}

static int allow(char *why, size_t whylen, const char *fmt, const char *arg)
{
    snprintf(why, whylen, fmt, arg);
    return ACCESS_ALLOW;
}

static int deny(char *why, size_t whylen, const char *fmt, const char *arg)
{
    snprintf(why, whylen, fmt, arg);
    return ACCESS_DENY;
}

/* The policy's word: POLICY_NONE when there is no (usable) policy. */
static policy_effect_t policy_word(const access_ctx_t *ctx, const access_bucket_t *ab,
                                   const char *action, const char *bucket, const char *key,
                                   size_t key_len, char *why, size_t whylen, int *store_err)
{
    char *doc = NULL;
    size_t n = 0;
    int rc = ctx->st->ops->conf_get(ctx->st, bucket, "policy", &doc, &n);
    if (rc == STORE_ENOCONF) return POLICY_NONE;
    if (rc) {
        *store_err = rc;
        return POLICY_NONE;
    }
    char err[160];
    policy_t *p = policy_parse(doc, n, bucket, err, sizeof err);
    free(doc);
    if (!p) return POLICY_NONE;
    const struct auth_user *u = ctx->user;
    char arn[512], res[1200];
    if (u) snprintf(arn, sizeof arn, "arn:aws:iam::%s:user/%s", u->account_id, u->display_name);
    if (key)
        snprintf(res, sizeof res, "arn:aws:s3:::%s/%.*s", bucket, (int)key_len, key);
    else
        snprintf(res, sizeof res, "arn:aws:s3:::%s", bucket);
    policy_req_t req = {.action = action,
                        .resource = res,
                        .anonymous = u == NULL,
                        .account = u ? u->account_id : NULL,
                        .user_arn = u ? arn : NULL,
                        .canonical_id = u ? u->canonical_id : NULL,
                        .key = ctx->key,
                        .key_ctx = ctx->key_ctx};
    char pwhy[160] = "";
    policy_effect_t e = policy_eval(p, &req, pwhy, sizeof pwhy);
    if (e == POLICY_ALLOW && ab->pab.restrict_public_buckets) {
        const struct auth_user *owner = auth_users_find_id(ctx->users, ab->b.owner);
        const char *acct = owner ? owner->account_id : "";
        if (policy_is_public(p, acct) && !(u && strcmp(u->account_id, acct) == 0)) {
            snprintf(why, whylen, "pab: RestrictPublicBuckets (%s)", pwhy);
            policy_free(p);
            return POLICY_NONE;
        }
    }
    policy_free(p);
    snprintf(why, whylen, "policy: %s", pwhy);
    return e;
}

static int check_action(const access_ctx_t *ctx, const char *action, const char *bucket,
                        const char *key, size_t key_len, char *why, size_t whylen)
{
    int ai = find_action(action);
    if (ai < 0) return deny(why, whylen, "no grant (unknown action %s)", action);
    const char *caller = ctx->user ? ctx->user->canonical_id : NULL;
    if (actions[ai].on == ON_SERVICE || !bucket) {
        if (caller) return allow(why, whylen, "%s", "auth: authenticated user");
        return deny(why, whylen, "%s", "no grant (anonymous)");
    }
    access_bucket_t ab;
    int rc = access_bucket_load(ctx->st, bucket, &ab);
    if (rc == STORE_ENOBUCKET) {
        /* The handler answers NoSuchBucket, or creates it for its writer. */
        if (caller || actions[ai].on != ON_BUCKET_WRITE)
            return allow(why, whylen, "%s", "no such bucket");
        return deny(why, whylen, "%s", "no grant (anonymous write to no bucket)");
    }
    if (rc) return rc;
    int serr = 0;
    char pwhy[200] = "";
    policy_effect_t pe =
        policy_word(ctx, &ab, action, bucket, key, key_len, pwhy, sizeof pwhy, &serr);
    if (serr) return serr;
    if (pe == POLICY_DENY) return deny(why, whylen, "%s", pwhy);
    if (pe == POLICY_ALLOW) return allow(why, whylen, "%s", pwhy);
    if (caller && ctx->open_owner && strcmp(ab.b.owner, ctx->open_owner) == 0)
        return allow(why, whylen, "%s", "acl: open-mode bucket, any user");
    int is_owner = caller && strcmp(caller, ab.b.owner) == 0;
    int enforced = ab.ownership == OWNERSHIP_ENFORCED;
    int on = actions[ai].on;
    if (is_owner && (on != ON_OBJECT || enforced))
        return allow(why, whylen, "%s", "acl: bucket owner");
    if (on == ON_OWNER) goto no_grant;
    if (enforced) {
        /* ACLs are off: only the owner and the policy grant. */
        snprintf(why, whylen, "no grant (BucketOwnerEnforced)");
        return ACCESS_DENY;
    }
    int ignore = ab.pab.ignore_public_acls;
    if (on == ON_BUCKET || on == ON_BUCKET_WRITE) {
        char *doc = NULL;
        size_t n = 0;
        rc = ctx->st->ops->conf_get(ctx->st, bucket, "acl", &doc, &n);
        if (rc && rc != STORE_ENOCONF) return rc;
        acl_t a;
        acl_decode(&a, doc, ab.b.owner);
        free(doc);
        int ok = acl_allows(&a, caller, actions[ai].perm, 0);
        int ok_ignoring = ok && acl_allows(&a, caller, actions[ai].perm, 1);
        acl_free(&a);
        if (ok && (!ignore || ok_ignoring)) return allow(why, whylen, "%s", "acl: bucket grant");
        if (ok) return deny(why, whylen, "%s", "pab: IgnorePublicAcls");
        goto no_grant;
    }
    /* An object's own ACL. */
    store_obj_t o;
    rc = ctx->st->ops->obj_get(ctx->st, bucket, key, key_len, ctx->vid, &o, NULL);
    if (rc == STORE_ENOKEY) {
        /* S3 says NoSuchKey only to who may list the bucket. */
        char lwhy[200];
        int l = check_action(ctx, "s3:ListBucket", bucket, NULL, 0, lwhy, sizeof lwhy);
        if (l < 0) return l;
        if (l == ACCESS_ALLOW) return allow(why, whylen, "no such key (may list: %s)", lwhy);
        return deny(why, whylen, "no grant (no such key, may not list: %s)", lwhy);
    }
    if (rc) return rc;
    acl_t a;
    acl_decode(&a, o.acl, o.owner);
    int obj_owner = caller && strcmp(caller, o.owner) == 0;
    store_obj_free(&o);
    int perm = actions[ai].perm;
    if (obj_owner && (perm == ACL_READ_ACP || perm == ACL_WRITE_ACP)) {
        acl_free(&a);
        return allow(why, whylen, "%s", "acl: object owner");
    }
    int ok = acl_allows(&a, caller, perm, 0);
    int ok_ignoring = ok && acl_allows(&a, caller, perm, 1);
    acl_free(&a);
    if (ok && (!ignore || ok_ignoring)) return allow(why, whylen, "%s", "acl: object grant");
    if (ok) return deny(why, whylen, "%s", "pab: IgnorePublicAcls");
no_grant:
    if (pwhy[0]) return deny(why, whylen, "no grant (%s)", pwhy);
    return deny(why, whylen, "%s", "no grant");
}

int access_check(const access_ctx_t *ctx, const char *action, const char *bucket, const char *key,
                 size_t key_len, char *why, size_t whylen)
{
    int rc = check_action(ctx, action, bucket, key, key_len, why, whylen);
    for (size_t i = 0; rc == ACCESS_ALLOW && i < sizeof needs_also / sizeof *needs_also; i++) {
        if (strcmp(needs_also[i].action, action) != 0) continue;
        char w[200];
        rc = check_action(ctx, needs_also[i].with, bucket, key, key_len, w, sizeof w);
        size_t used = strlen(why);
        if (used < whylen)
            snprintf(why + used, whylen - used, "; and %s: %s", needs_also[i].with, w);
    }
    return rc;
}
