/* postpolicy — the policy document of a browser POST upload (PostObject):
 * base64 JSON {"expiration": ISO 8601, "conditions": [...]}, parsed with
 * jansson and checked against the form's fields with S3's errors.
 *
 * Conditions: {"field": "value"} and ["eq", "$field", "value"] (exact,
 * case-sensitive values), ["starts-with", "$field", "prefix"] ("" matches
 * anything; for Content-Type every comma-separated member must match) and
 * ["content-length-range", min, max] (checked on the file's size once it is
 * known). Field names compare case-insensitively. Every form field except
 * policy, x-amz-signature, file, AWSAccessKeyId, signature and x-ignore-*
 * must be named by some condition. A condition fakes3 cannot read is kept and
 * fails, as S3's does. Nothing here reads the clock or the signature. */
#ifndef FAKES3_AUTH_POSTPOLICY_H
#define FAKES3_AUTH_POSTPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "s3/s3req.h"

enum { POSTPOLICY_EQ = 1, POSTPOLICY_STARTS_WITH, POSTPOLICY_RANGE, POSTPOLICY_BAD };

typedef struct postpolicy_cond {
    int op;
    char *field; /* owned; lower case, without '$'; NULL for ranges and bad ones */
    char *value; /* owned; NULL for ranges */
    int64_t min, max;
    char *rendered; /* owned; as S3 quotes it: ["eq", "$key", "x"] */
} postpolicy_cond_t;

typedef struct postpolicy {
    int64_t expiration_ms;
    postpolicy_cond_t *conds; /* owned */
    size_t n;
} postpolicy_t;

/* A form field as sent (name in its case). */
typedef struct postpolicy_field {
    const char *name, *value;
} postpolicy_field_t;

/* Parse the base64 policy. Returns S3E_NONE, or InvalidPolicyDocument with
 * S3's message in msg (appended); p needs postpolicy_free either way. */
s3_err_t postpolicy_parse(postpolicy_t *p, const char *b64, size_t n, buf_t *msg);
/* Check expiry at now_ms, then each condition but content-length-range, then
 * the extra fields. bucket: the request's, which "$bucket" conditions see
 * (whatever a bucket field says); fields: the form's fields but the file,
 * with key as stored (${filename} replaced). Returns S3E_NONE or AccessDenied
 * with its message in msg (appended). */
s3_err_t postpolicy_check(const postpolicy_t *p, const char *bucket,
                          const postpolicy_field_t *fields, size_t n, int64_t now_ms, buf_t *msg);
/* The content-length-range conditions on the file's size: S3E_NONE, or
 * EntityTooSmall / EntityTooLarge with its extra XML elements (ProposedSize,
 * MinSizeAllowed or MaxSizeAllowed) in extra (appended). */
s3_err_t postpolicy_check_size(const postpolicy_t *p, uint64_t size, buf_t *extra);
/* Release what p holds (p itself is the caller's). */
void postpolicy_free(postpolicy_t *p);

#endif
