/* unit_auth — what the signature unit tests share: the AWS documentation's
 * example key pair, configured as the one user of unit_auth_users for the
 * whole group (unit_auth_setup / unit_auth_teardown). */
#ifndef FAKES3_UNIT_AUTH_H
#define FAKES3_UNIT_AUTH_H

#include <stdint.h>
#include <string.h>

#include "s3/auth/auth.h"

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static auth_users_t unit_auth_users;

/* Group setup: unit_auth_users holds AK/SK; nonzero on failure. */
static inline int unit_auth_setup(void **state)
{
    (void)state;
    memset(&unit_auth_users, 0, sizeof unit_auth_users);
    return auth_users_add(&unit_auth_users, AK, SK);
}

/* auth_check of r against unit_auth_users in us-east-1; res as for auth_check. */
static inline auth_kind_t unit_auth_check(const authreq_t *r, const char *vhost, int64_t now,
                                          auth_result_t *res)
{
    return auth_check(&unit_auth_users, "us-east-1", r, vhost, now, res);
}

/* Group teardown: frees unit_auth_users. */
static inline int unit_auth_teardown(void **state)
{
    (void)state;
    auth_users_free(&unit_auth_users);
    return 0;
}

#endif
