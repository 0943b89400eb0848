/* policy — bucket policies: parse and validate a policy document (JSON, via
 * jansson) as S3's PutBucketPolicy does, and evaluate it for one request the
 * way AWS does for a bucket policy: an explicit Deny that matches wins, else
 * an Allow that matches, else nothing (the caller then consults the ACLs).
 * Knows nothing of HTTP, the store or users beyond the strings in
 * policy_req_t. */
#ifndef FAKES3_ACCESS_POLICY_H
#define FAKES3_ACCESS_POLICY_H

#include <stddef.h>

typedef enum { POLICY_NONE = 0, POLICY_ALLOW = 1, POLICY_DENY = 2 } policy_effect_t;

typedef struct policy policy_t;

/* Parse and validate a policy for bucket. Returns the policy, or NULL with
 * S3's MalformedPolicy message in err ("Policy has invalid action",
 * "Policy has invalid resource", "Missing required field Principal", ...). */
policy_t *policy_parse(const char *json, size_t len, const char *bucket, char *err, size_t errlen);
void policy_free(policy_t *p);

/* One request as a policy sees it. Strings may be NULL when absent. */
typedef struct policy_req {
    const char *action;       /* "s3:GetObject" */
    const char *resource;     /* "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key" */
    int anonymous;            /* no authenticated user */
    const char *account;      /* the caller's 12-digit account id */
    const char *user_arn;     /* "arn:aws:iam::<account>:user/<name>" */
    const char *canonical_id; /* the caller's canonical user id */
    /* Values of a condition key for this request ("aws:SourceIp", "s3:prefix",
     * "s3:ExistingObjectTag/team", "s3:RequestObjectTagKeys", ...): fills up to
     * max pointers in vals (owned by the callee's ctx, valid during the call)
     * and returns how many there are; 0 when the key is absent. Keys are
     * matched case-insensitively by the callee. */
    size_t (*key)(void *ctx, const char *name, const char **vals, size_t max);
    void *key_ctx;
} policy_req_t;

/* The effect of p on req; why gets a short reason naming the statement
 * ("Deny by statement Sid 'x'", "Allow by statement 2"). */
policy_effect_t policy_eval(const policy_t *p, const policy_req_t *req, char *why, size_t whylen);

/* Whether p is public as S3 defines it ("The meaning of public"): an Allow
 * to Principal "*" (or a NotPrincipal) without a condition that narrows it
 * to fixed values (aws:SourceIp ranges no wider than /8 for IPv4 or /32 for
 * IPv6, aws:SourceArn, aws:SourceVpc, aws:SourceAccount... compared without
 * wildcards). A grant to a named account, even another one, is not public
 * in S3's sense; owner_account is kept for callers and not needed for it. */
int policy_is_public(const policy_t *p, const char *owner_account);

#endif
