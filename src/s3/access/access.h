/* access — the one authorization decision: may this caller do this policy
 * action on this bucket or object? Evaluated as S3 does for a bucket policy
 * and ACLs: an explicit Deny in the bucket policy wins; then an Allow from
 * the policy (RestrictPublicBuckets limiting a public one to the owner's
 * account) or from the ACLs (the bucket's for bucket actions and for writes
 * into it, the object's for object reads and its ACL; IgnorePublicAcls
 * dropping public grants; none with BucketOwnerEnforced); the bucket owner
 * may always act on the bucket (its ACL and policy included) and an object's
 * owner on its ACL; else deny. Anonymous callers are judged as the AllUsers
 * group. Reads the store (owner, configurations, object ACLs); knows no HTTP.
 * s3.c calls it for every request before the handler, with the action from
 * the operation table; handlers never decide themselves. */
#ifndef FAKES3_ACCESS_ACCESS_H
#define FAKES3_ACCESS_ACCESS_H

#include <stddef.h>

#include "s3/access/ownership.h"
#include "s3/access/pab.h"
#include "store/store.h"

struct auth_user;
struct auth_users;

typedef enum { ACCESS_ALLOW = 0, ACCESS_DENY = 1 } access_result_t;

/* Who asks, and how to read the request's condition keys for a policy. */
typedef struct access_ctx {
    store_t *st;
    const struct auth_users *users;
    const struct auth_user *user; /* NULL: anonymous */
    size_t (*key)(void *ctx, const char *name, const char **vals, size_t max);
    void *key_ctx;
    /* The owner of what was written in the open mode or before owners were
     * kept (NULL: none): its buckets let every authenticated user do
     * everything, so that a root keeps working once users are configured. */
    const char *open_owner;
    /* The version of key an object action is on (its ACL is the one that
     * counts); NULL: the current one. */
    const char *vid;
} access_ctx_t;

/* ACCESS_ALLOW or ACCESS_DENY for action ("s3:GetObject") on bucket (NULL
 * for service actions) and key (NULL for bucket actions), with the rule that
 * decided in why ("acl: bucket owner", "policy: Deny by statement Sid 'x'",
 * "no grant"); a negative store code when the store failed. A missing bucket
 * is allowed (the handler answers NoSuchBucket); a missing object is allowed
 * when the caller may list the bucket (the handler answers NoSuchKey), else
 * denied, as S3 does. An action S3 grants only together with another
 * (s3:GetObjectAttributes needs s3:GetObject too) is allowed when both are;
 * why then tells both decisions. */
int access_check(const access_ctx_t *ctx, const char *action, const char *bucket, const char *key,
                 size_t key_len, char *why, size_t whylen);

/* Whether action is one access_check knows (the operation table's test). */
int access_action_known(const char *action);

/* A bucket's owner and access settings, from the store. */
typedef struct access_bucket {
    store_bucket_t b;
    ownership_t ownership; /* OWNERSHIP_OBJECT_WRITER when none is set */
    int has_ownership;
    pab_t pab; /* all off when none is set */
    int has_pab;
} access_bucket_t;
/* STORE_OK, STORE_ENOBUCKET, or another store code. */
int access_bucket_load(store_t *st, const char *bucket, access_bucket_t *out);

#endif
