/* sigv2 — AWS Signature Version 2 for S3 (header "AWS AK:sig" and query
 * AWSAccessKeyId/Expires/Signature forms): the string to sign and its
 * HMAC-SHA1.
 *
 * StringToSign = method \n Content-MD5 \n Content-Type \n date \n
 * canonicalized x-amz-* headers (lower case, sorted, repeated values joined
 * with ',') + canonicalized resource ("/bucket" for a virtual-host bucket, the
 * raw path, then the sub-resources S3 signs, sorted, with decoded values). */
#ifndef FAKES3_AUTH_SIGV2_H
#define FAKES3_AUTH_SIGV2_H

#include <stddef.h>

#include "lib/buf.h"
#include "s3/auth/authreq.h"

#define SIGV2_B64 29 /* base64 of a SHA-1 and its NUL */

/* The string to sign into out (appended). date is the Date line (the Expires
 * value for the query form; "" when x-amz-date is present); vhost_bucket is the
 * bucket taken from the Host, or NULL. Returns 0, or -1 when the query is
 * badly encoded. */
int sigv2_string_to_sign(const authreq_t *r, const char *date, const char *vhost_bucket,
                         buf_t *out);
/* The same with a bucket-level resource written "/bucket/" as botocore signs
 * it for a path-style "/bucket" (S3 takes either). 1 when that differs from
 * the plain form (out filled), 0 when it is the same (out untouched). */
int sigv2_string_to_sign_bucket_slash(const authreq_t *r, const char *date,
                                      const char *vhost_bucket, buf_t *out);
/* base64(HMAC-SHA1(secret, sts)) into out. */
void sigv2_sign(const char *secret, const char *sts, size_t n, char out[SIGV2_B64]);

#endif
