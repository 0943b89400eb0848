/* auth — who sent this request: a user, anonymous, or an S3 error.
 *
 * auth_check reads a request's credentials (SigV4 Authorization header or
 * presigned query, SigV2 header or query) and verifies them against the users
 * table, with S3's errors, byte for byte: malformed headers and query
 * parameters, unknown access keys, dates out of the 15-minute skew, expired
 * presigned URLs, signatures that do not match (with the string to sign and
 * canonical request S3 shows). It decides no permission: a request without
 * credentials is anonymous, and with users configured that is AccessDenied
 * here only until access control exists.
 *
 * With no users (the open mode, fake-s3's) signatures are not checked, but a
 * presigned URL past its expiry is still refused, so expiry bugs show. */
#ifndef FAKES3_AUTH_H
#define FAKES3_AUTH_H

#include <stdint.h>

#include "lib/buf.h"
#include "s3/auth/authreq.h"
#include "s3/auth/sigv4.h"
#include "s3/auth/users.h"
#include "s3/s3req.h"

#define AUTH_MAX_SKEW_MS (15 * 60 * 1000)
#define AUTH_MAX_EXPIRES 604800

typedef enum auth_kind { AUTH_ANONYMOUS, AUTH_USER, AUTH_ERROR } auth_kind_t;

typedef struct auth_result {
    auth_kind_t kind;
    const auth_user_t *user; /* AUTH_USER: borrowed from the table */
    /* AUTH_ERROR: the error, its message (NULL: the table's) and extra XML
     * elements (escaped), for s3_err_full. */
    s3_err_t err;
    char *msg; /* owned */
    buf_t extra;
    /* A header-signed STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] body: the
     * chunk signatures to verify (owned), else NULL. */
    sigv4_stream_t *stream;
} auth_result_t;

/* Authenticate r. users NULL or empty: the open mode. region: the server's;
 * vhost_bucket: the bucket the Host named, or NULL; now_ms: the clock (a
 * parameter so that recorded requests verify). Always fills res (release with
 * auth_result_free); returns res->kind. */
auth_kind_t auth_check(const auth_users_t *users, const char *region, const authreq_t *r,
                       const char *vhost_bucket, int64_t now_ms, auth_result_t *res);
void auth_result_free(auth_result_t *res);

#endif
