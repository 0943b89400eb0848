/* authorize — the S3 layer's door to access control (src/s3/access/):
 * builds the request access_check judges and answers AccessDenied. s3.c
 * calls it for every request with its operation's policy action; handlers
 * call it only for decisions per key (DeleteObjects) or on a second
 * resource (the source of a copy). The open mode (no users) allows all.
 * Internal to src/s3/. */
#ifndef FAKES3_S3_AUTHORIZE_H
#define FAKES3_S3_AUTHORIZE_H

#include "s3/s3req.h"

/* 0 when the caller of r may do action on bucket (NULL: the service) and
 * key (NULL: the bucket); else -1 after answering AccessDenied (or the
 * store's error). The decision is appended to r->why for the access log. */
int s3_authorize(s3_req_t *r, http_response_t *resp, const char *action, const char *bucket,
                 const char *key, size_t key_len);
/* The same decision without answering: S3E_NONE, S3E_ACCESS_DENIED or the
 * store's error (for per-key answers). */
s3_err_t s3_may(s3_req_t *r, const char *action, const char *bucket, const char *key,
                size_t key_len);
/* Append a reason decided elsewhere ("pab: BlockPublicAcls") to r->why. */
void s3_authorize_note(s3_req_t *r, const char *why);

#endif
