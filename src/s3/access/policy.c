/* PLACEHOLDER, to be replaced at merge by the bucket-policy developer's
 * policy.c: parses nothing and decides nothing, so that access control
 * (access.c) builds and runs on ACLs alone until then. */
#include "s3/access/policy.h"

#include <stdio.h>

policy_t *policy_parse(const char *json, size_t len, const char *bucket, char *err, size_t errlen)
{
    (void)json, (void)len, (void)bucket;
    snprintf(err, errlen, "not implemented yet");
    return NULL;
}

void policy_free(policy_t *p)
{
    (void)p;
}

policy_effect_t policy_eval(const policy_t *p, const policy_req_t *req, char *why, size_t whylen)
{
    (void)p, (void)req;
    if (whylen) why[0] = '\0';
    return POLICY_NONE;
}

int policy_is_public(const policy_t *p, const char *owner_account)
{
    (void)p, (void)owner_account;
    return 0;
}
