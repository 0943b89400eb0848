/* payload — a request body as the S3 handlers want it.
 *
 * Bytes from the http layer go in; the decoded object bytes come out to a
 * sink. On the way the aws-chunked framing is removed (announced by
 * x-amz-content-sha256: STREAMING-..., x-amz-decoded-content-length, or
 * Content-Encoding: aws-chunked without x-amz-content-sha256), MD5 is computed for the ETag, the
 * checksum the client asked for (x-amz-checksum-* header or x-amz-trailer, or
 * x-amz-sdk-checksum-algorithm) is computed, and a hex x-amz-content-sha256
 * is checked. s3_payload_finish says whether everything held; until then
 * nothing the sink wrote may become visible. */
#ifndef FAKES3_PAYLOAD_H
#define FAKES3_PAYLOAD_H

#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "lib/checksum.h"
#include "s3/chunked.h"
#include "s3/s3req.h"

/* A verifier of aws-chunked chunk and trailer signatures (auth's, through
 * s3.c): payload hands it every decoded byte, each chunk's signature and every
 * trailer line, and knows nothing of keys. chunk_end, trailer and finish
 * return 0, or non-zero for SignatureDoesNotMatch. */
typedef struct s3_payload_verify {
    void (*data)(void *ctx, const char *p, size_t n);
    int (*chunk_end)(void *ctx, const char *sig, size_t siglen);
    int (*trailer)(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen);
    int (*finish)(void *ctx);
} s3_payload_verify_t;

/* Where decoded bytes go; non-zero return aborts with InternalError. */
typedef int (*s3_payload_sink)(void *ctx, const char *p, size_t n);

typedef struct s3_payload {
    s3_payload_sink sink;
    void *sink_ctx;
    int aws_chunked;
    chunked_t dec;
    const s3_payload_verify_t *verify; /* r->verify for aws-chunked bodies, else NULL */
    void *verify_ctx;
    int64_t decoded_expected; /* x-amz-decoded-content-length, or -1 */
    uint64_t n;               /* decoded bytes so far */
    struct md5_ctx md5;
    unsigned char md5_digest[MD5_DIGEST_SIZE];
    checksum_t ck;                      /* alg CK_NONE when none asked for */
    char ck_expected[CHECKSUM_B64_MAX]; /* from a header or trailer; "" if none */
    int ck_from_trailer;
    int ck_defaulted; /* nothing asked for a checksum: CRC64NVME chosen, as S3 does */
    char ck_value[CHECKSUM_B64_MAX]; /* after finish: what the body hashed to */
    int sha_check;
    struct sha256_ctx sha;
    unsigned char sha_expected[SHA256_DIGEST_SIZE];
    s3_err_t err;       /* sticky */
    const char *errmsg; /* static text for err, or NULL */
} s3_payload_t;

/* Flags for s3_payload_init. */
#define S3_PAYLOAD_CK_OF_OBJECT 1 /* x-amz-checksum-* headers describe an object, not this body */

/* Set up from r's headers. Returns S3E_NONE, or the error to answer (bad
 * checksum header, unknown algorithm, several checksums). */
s3_err_t s3_payload_init(s3_payload_t *p, const s3_req_t *r, s3_payload_sink sink, void *ctx,
                         int flags);
/* Feed body bytes. Returns S3E_NONE or the (sticky) error. */
s3_err_t s3_payload_feed(s3_payload_t *p, const char *data, size_t n);
/* The body ended: check framing, lengths, Content-MD5, checksum, sha256.
 * Returns S3E_NONE or the error to answer; p->errmsg may say more. */
s3_err_t s3_payload_finish(s3_payload_t *p, const s3_req_t *r);

#endif
