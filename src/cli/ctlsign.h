/* ctlsign — AWS Signature Version 4 for one outgoing request of `fakes3 ctl`:
 * the x-amz-date, the payload's SHA-256 and the Authorization header's value
 * that a server with users checks (an admin's signature opens /_fakes3/).
 *
 * It signs the headers host and x-amz-date, and x-amz-content-sha256 when
 * asked (S3 wants it sent and signed); the caller sends exactly those values.
 * The canonical request, string to sign and key come from s3/auth/sigv4.c,
 * so that the client and the server's check share one implementation; the
 * published AWS vectors test both. Pure: the time is the caller's. */
#ifndef FAKES3_CLI_CTLSIGN_H
#define FAKES3_CLI_CTLSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "s3/auth/sigv4.h"

typedef struct ctlsign_req {
    const char *method;
    const char *target; /* path and query, percent-encoded as sent */
    const char *host;   /* the Host header as sent ("127.0.0.1:4569") */
    const char *body;   /* may be NULL when body_len is 0 */
    size_t body_len;
    const char *region, *service; /* "us-east-1", "s3" */
    const char *access_key, *secret_key;
    int64_t when_ms; /* the signing time, ms since the epoch */
    int content_sha; /* also sign x-amz-content-sha256 */
} ctlsign_req_t;

typedef struct ctlsign_out {
    char amzdate[17];            /* "20130524T000000Z": the x-amz-date header */
    char payload_sha[SIGV4_HEX]; /* hex SHA-256 of the body: x-amz-content-sha256 */
    char *authorization;         /* owned: "AWS4-HMAC-SHA256 Credential=..., ..." */
} ctlsign_out_t;

/* Sign r into out (free with ctlsign_out_free). Returns 0, or -1 when the
 * target is badly percent-encoded (out then holds nothing to free). */
int ctlsign_sign(const ctlsign_req_t *r, ctlsign_out_t *out);
void ctlsign_out_free(ctlsign_out_t *out);

#endif
