/* sigv4 — AWS Signature Version 4 for S3: the canonical request, the string
 * to sign, the signing key, and the signatures of headers, presigned URLs,
 * aws-chunked chunks and trailers.
 *
 * Pure functions over an authreq_t view: no clock, no users, no errors
 * beyond "malformed". The canonical request is built from the RAW target:
 * the path is decoded and re-encoded once with S3's URI encoding (S3 does not
 * double-encode), each query pair is decoded ('+' stays '+') and re-encoded,
 * the pairs sorted, a valueless parameter written "k=". Signed header values
 * are trimmed and inner blank runs collapsed; repeated headers are joined
 * with ','. */
#ifndef FAKES3_AUTH_SIGV4_H
#define FAKES3_AUTH_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "lib/buf.h"
#include "s3/auth/authreq.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_HEX       65 /* a hex SHA-256 and its NUL */
#define SIGV4_EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The parts of "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=hex" (',' or ', ' between parts), pointing into
 * the header value (not NUL-terminated: each has its length). */
typedef struct sigv4_span {
    const char *p;
    size_t n;
} sigv4_span_t;
typedef struct sigv4_auth {
    sigv4_span_t credential, signed_headers, signature;
} sigv4_auth_t;
/* Split an Authorization header value. Returns 0, or -1 when a part is
 * missing or repeated (S3's "requires three components"). */
int sigv4_parse_auth(const char *value, sigv4_auth_t *out);

/* A credential "AK/YYYYMMDD/region/service/aws4_request" split in place
 * (copied into the struct, NUL-terminated). Returns 0, or -1 if it does not
 * have five '/'-separated non-empty parts. */
typedef struct sigv4_cred {
    char ak[128], date[16], region[64], service[32], terminal[32];
} sigv4_cred_t;
int sigv4_parse_cred(const char *p, size_t n, sigv4_cred_t *out);

/* The canonical request into out (appended). signed_headers is the ';' list as
 * sent; drop_signature leaves X-Amz-Signature out of the query (presigned).
 * Returns 0, or -1 when the target is badly percent-encoded. */
int sigv4_canonical_request(const authreq_t *r, const char *signed_headers, size_t shlen,
                            const char *payload_hash, int drop_signature, buf_t *out);
/* "AWS4-HMAC-SHA256\n<amzdate>\n<scope>\n<hex sha256(creq)>" into out (appended). */
void sigv4_string_to_sign(const char *amzdate, const char *scope, const char *creq, size_t n,
                          buf_t *out);
/* The signing key: HMAC chain over "AWS4"+secret, date, region, service, "aws4_request". */
void sigv4_signing_key(const char *secret, const char *date, const char *region,
                       const char *service, uint8_t key[32]);
/* hex(HMAC-SHA256(key, msg)) into hex. */
void sigv4_sign(const uint8_t key[32], const char *msg, size_t n, char hex[SIGV4_HEX]);
/* hex(SHA-256(msg)) into hex. */
void sigv4_sha256_hex(const void *msg, size_t n, char hex[SIGV4_HEX]);
/* Constant-time comparison of a computed hex signature with one provided. */
int sigv4_sig_equal(const char *calc, const char *given, size_t glen);

/* The signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] body:
 * each chunk's signs its data and the previous signature (the first chains
 * from the header's seed), the trailer's the canonical "name:value\n" lines.
 * Feed data as it arrives, then close each chunk with its signature. */
typedef struct sigv4_stream {
    uint8_t key[32];
    char amzdate[20];
    char scope[128];
    char prev[SIGV4_HEX];
    struct sha256_ctx chunk;   /* data of the current chunk */
    struct sha256_ctx trailer; /* canonical trailer lines */
    int want_trailer;          /* -TRAILER: a trailer signature must come */
    int trailer_seen;
} sigv4_stream_t;
void sigv4_stream_init(sigv4_stream_t *s, const uint8_t key[32], const char *amzdate,
                       const char *scope, const char *seed, int want_trailer);
void sigv4_stream_data(sigv4_stream_t *s, const char *p, size_t n);
/* The chunk just ended with this signature (NULL when absent): 0 if it is the
 * right one, -1 if not. */
int sigv4_stream_chunk(sigv4_stream_t *s, const char *sig, size_t siglen);
/* One trailer line. x-amz-trailer-signature is checked against the lines
 * before it: 0 if right (or another trailer), -1 if not. */
int sigv4_stream_trailer(sigv4_stream_t *s, const char *name, size_t nlen, const char *value,
                         size_t vlen);
/* The body ended: 0, or -1 when a trailer signature was due and never came. */
int sigv4_stream_finish(const sigv4_stream_t *s);

#endif
