/* fuzz_policy — libFuzzer target for bucket policies.
 *
 * Any bytes: policy_parse accepts them or refuses them with a message; a
 * policy it accepts evaluates against a few fixed requests (anonymous and
 * authenticated, with and without condition keys) without failing, gives a
 * reason whenever it decides, and has a public status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3/access/policy.h"

static size_t keys(void *ctx, const char *name, const char **vals, size_t max)
{
    (void)ctx;
    static const char *const table[][3] = {
        {"aws:SourceIp", "127.0.0.1", "::1"},
        {"aws:username", "alice", NULL},
        {"aws:CurrentTime", "2026-12-07T14:00:00Z", NULL},
        {"aws:SecureTransport", "false", NULL},
        {"s3:prefix", "home/alice/", NULL},
        {"s3:max-keys", "100", NULL},
        {"s3:RequestObjectTagKeys", "a", "b"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(table[i][0], name) != 0) continue;
        size_t n = 0;
        for (size_t j = 1; j < 3 && table[i][j] && n < max; j++)
            vals[n++] = table[i][j];
        return n;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    policy_t *p = policy_parse((const char *)data, size, "bkt", err, sizeof err);
    if (!p) {
        if (!err[0]) abort();
        return 0;
    }
    static const char *const actions[] = {"s3:GetObject", "s3:ListBucket", "s3:PutObject"};
    static const char *const resources[] = {"arn:aws:s3:::bkt", "arn:aws:s3:::bkt/home/alice/x",
                                            "arn:aws:s3:::bkt/a*b"};
    for (int anon = 0; anon < 2; anon++) {
        for (size_t i = 0; i < 3; i++) {
            policy_req_t req = {
                .action = actions[i],
                .resource = resources[i],
                .anonymous = anon,
                .account = anon ? NULL : "111122223333",
                .user_arn = anon ? NULL : "arn:aws:iam::111122223333:user/alice",
                .canonical_id = anon ? NULL : "a11ce",
                .key = anon ? NULL : keys,
            };
            char why[128];
            policy_effect_t e = policy_eval(p, &req, why, sizeof why);
            if (e != POLICY_NONE && e != POLICY_ALLOW && e != POLICY_DENY) abort();
            if (e != POLICY_NONE && !why[0]) abort();
        }
    }
    int pub = policy_is_public(p, "111122223333");
    if (pub != 0 && pub != 1) abort();
    policy_free(p);
    return 0;
}
