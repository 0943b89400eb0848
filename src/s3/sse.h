/* sse — server-side encryption as S3 does it, for the handlers that write
 * and read objects, and the bucket's default encryption configuration.
 *
 * S3 encrypts every object it stores (since 5 January 2023): with keys of
 * its own (SSE-S3, "AES256") unless the request or the bucket's default
 * names AWS KMS ("aws:kms", or "aws:kms:dsse" for two layers), or the
 * request brings its own key (SSE-C). fakes3 keeps SSE-S3 and KMS as what a
 * client sees of them: the headers, stored with the object and answered.
 * SSE-C objects are really encrypted: AES-256-CTR (lib/aesctr) under the
 * customer's key, from a random IV per object or part that is also its ETag
 * (S3's SSE-C ETags are not the MD5 of the data either, and differ on every
 * upload). The key itself is never stored, only its MD5.
 *
 * What an object (or multipart upload) keeps, as stored header lines that
 * GET and HEAD replay like every other stored header:
 *   x-amz-server-side-encryption: aws:kms | aws:kms:dsse     (none: AES256)
 *   x-amz-server-side-encryption-aws-kms-key-id: <key ARN>
 *   x-amz-server-side-encryption-bucket-key-enabled: true    (only when on)
 *   x-fakes3-sse-context: <base64 JSON>                      (never answered by GET)
 *   x-amz-server-side-encryption-customer-algorithm: AES256
 *   x-amz-server-side-encryption-customer-key-MD5: <base64>
 * An object stored without any (SSE-S3, or written before fakes3 kept them)
 * answers x-amz-server-side-encryption: AES256.
 *
 * The bucket's default is its configuration document "encryption", kept in
 * S3's canonical XML (bucketenc.c). Internal to src/s3/. */
#ifndef FAKES3_SSE_H
#define FAKES3_SSE_H

#include <stdint.h>

#include <nettle/md5.h>

#include "lib/aesctr.h"
#include "lib/buf.h"
#include "lib/checksum.h"
#include "s3/s3req.h"

typedef enum { S3_SSE_S3 = 0, S3_SSE_KMS, S3_SSE_DSSE, S3_SSE_C } s3_sse_kind_t;

/* The key id a KMS object gets when none is named: the ARN of this key in
 * the writer's account (000000000000 without users) and the server's region,
 * standing for S3's AWS managed key aws/s3. */
#define S3_SSE_DEFAULT_KMS_KEY "00000000-0000-4000-8000-000000000000"

typedef struct s3_sse {
    s3_sse_kind_t kind;
    char *kms_key;   /* KMS and DSSE: the key's ARN (owned) */
    int bucket_key;  /* KMS: S3 Bucket Key enabled */
    char *context;   /* KMS and DSSE: the encryption context as sent (owned), or NULL */
    int named;       /* the request named an encryption; else the bucket's default applies */
    int bucket_conf; /* the bucket has an encryption configuration stored */
    /* SSE-C */
    char key_md5[32];             /* base64 MD5 of the key */
    uint8_t key[AESCTR_KEY_SIZE]; /* the key, when the request carried it (never stored) */
    int have_key;
    /* an SSE-C body being encrypted on its way to the store (s3_sse_begin) */
    aesctr_t ctr;
    uint8_t iv[AESCTR_IV_SIZE];
    uint64_t off;
    char *scratch;
} s3_sse_t;

/* Release what s holds and wipe its key; s may be NULL. s stays reusable. */
void s3_sse_free(s3_sse_t *s);

/* ---- writes ---- */

/* Where a write's encryption headers come from: the request's headers, or
 * a browser form's fields (PostObject). NULL when absent. */
typedef const char *(*s3_sse_get_fn)(void *ctx, const char *name);
/* The encryption of the object a write makes (PutObject, CopyObject's
 * target, CreateMultipartUpload, PostObject): what get() names, else the
 * bucket's default, into out (zeroed first). 0, or -1 after answering S3's
 * error (a bad or conflicting header, SSE-C over plain HTTP with
 * --sse-c-require-tls, SSE-C in a bucket that blocks it). */
int s3_sse_for_write(s3_req_t *r, http_response_t *resp, s3_sse_get_fn get, void *ctx,
                     s3_sse_t *out);
/* The same from r's headers. */
int s3_sse_for_request(s3_req_t *r, http_response_t *resp, s3_sse_t *out);
/* UploadPart and UploadPartCopy (complete 0), CompleteMultipartUpload
 * (complete 1): the upload's encryption from its stored headers, with the
 * request's SSE-C key, which must be the upload's (a part must carry it; a
 * completion may). 0, or -1 after answering. */
int s3_sse_for_part(s3_req_t *r, http_response_t *resp, const char *upload_headers, int complete,
                    s3_sse_t *out);
/* Append the header lines an object or upload keeps for s to hdrs. */
void s3_sse_store(const s3_sse_t *s, buf_t *hdrs);
/* Whether a stored header line is one of those (a copy does not carry the
 * source's: the copy's encryption is its own). */
int s3_sse_is_stored_line(const char *line);

/* The answer's headers for s. S3_SSE_ANSWER_CUSTOMER: an SSE-C object's
 * algorithm and key MD5 (S3 echoes them on every write but the
 * completion); S3_SSE_ANSWER_CONTEXT: the KMS context (PutObject,
 * CopyObject, CreateMultipartUpload). */
#define S3_SSE_ANSWER_CUSTOMER 1
#define S3_SSE_ANSWER_CONTEXT  2
void s3_sse_answer(http_response_t *resp, const s3_sse_t *s, int what);

/* An SSE-C body on its way to the store: begin picks a new random IV (and
 * keeps the scratch space), write encrypts and appends (any other kind
 * appends as it is); a store code. etag: the IV in hex, the ETag of what
 * was written (33 bytes). */
void s3_sse_begin(s3_sse_t *s);
int s3_sse_write(s3_sse_t *s, store_t *st, store_put_t *p, const char *data, size_t n);
void s3_sse_etag(const s3_sse_t *s, char etag[33]);

/* ---- reads ---- */

/* GET, HEAD, GetObjectAttributes, a copy's source (copy_source: its
 * x-amz-copy-source-server-side-encryption-customer-* headers): the stored
 * object's encryption from its headers into out (zeroed first), with the
 * key when it is SSE-C. 0, or -1 after answering: the key missing (400),
 * wrong (403), or sent for an object stored without one (400); an
 * x-amz-server-side-encryption header on a GET or HEAD (400). */
int s3_sse_for_read(s3_req_t *r, http_response_t *resp, const char *headers, int copy_source,
                    s3_sse_t *out);
/* Whether a stored header is fakes3's own, never answered by GET or HEAD. */
int s3_sse_hidden(const char *name);
/* GET and HEAD: x-amz-server-side-encryption: AES256 for an object stored
 * with no encryption lines (s as s3_sse_for_read read them); the others'
 * lines are among its stored headers. */
void s3_sse_read_answer(http_response_t *resp, const s3_sse_t *s);

/* Decrypting the bytes of an SSE-C object: of one blob (whose IV is its
 * ETag) or of parts (each part's IV its ETag). NULL unless s is SSE-C with
 * its key. The reader copies what it needs; free with s3_sse_reader_free. */
typedef struct s3_sse_reader s3_sse_reader_t;
s3_sse_reader_t *s3_sse_reader_new(const s3_sse_t *s, const char *etag, const store_part_t *parts,
                                   size_t nparts);
/* Decrypt in place the n bytes at object offset off. */
void s3_sse_reader_apply(const s3_sse_reader_t *d, uint64_t off, char *buf, size_t n);
void s3_sse_reader_free(s3_sse_reader_t *d);

/* Copy len bytes at offset from of the open object rd into r->put (begun by
 * the caller): decrypted with src when not NULL, encrypted with dst (its
 * s3_sse_begin done) when SSE-C; the plaintext hashed into md5 and ck when
 * not NULL. 0, or a store code. */
int s3_sse_copy(s3_req_t *r, store_reader_t *rd, const s3_sse_reader_t *src, s3_sse_t *dst,
                uint64_t from, uint64_t len, struct md5_ctx *md5, checksum_t *ck);

/* CopyObject's bytes when either side is SSE-C, which no hard link can
 * share: cs's object read (decrypted with cs->sse's key) into a new put in
 * r->put (encrypted when dst is SSE-C); etag gets the copy's ETag, its IV or
 * the MD5 of the data. 0, or a store code. */
int s3_sse_copy_object(s3_req_t *r, const s3_copy_src_t *cs, s3_sse_t *dst, char etag[48]);

/* ---- the bucket's default encryption (bucketenc.c) ---- */

typedef struct s3_sse_conf {
    char alg[16];    /* "AES256", "aws:kms", "aws:kms:dsse"; "" when the rule has no default */
    char *kms_key;   /* KMSMasterKeyID as sent (owned), or NULL */
    int bucket_key;  /* BucketKeyEnabled */
    int has_blocked; /* BlockedEncryptionTypes given */
    int block_none, block_sse_c; /* the EncryptionType values listed */
} s3_sse_conf_t;

enum {
    S3_SSE_CONF_OK = 0,
    S3_SSE_CONF_EMALFORMED = -1, /* MalformedXML */
    S3_SSE_CONF_EKMSKEY = -2,    /* a KMSMasterKeyID without a KMS algorithm: InvalidArgument */
};
/* Parse and validate a ServerSideEncryptionConfiguration (one Rule); c is
 * filled (free with s3_sse_conf_free) only on S3_SSE_CONF_OK. */
int s3_sse_conf_parse(const char *xml, size_t n, s3_sse_conf_t *c);
/* The canonical document S3 answers for c (GetBucketEncryption). */
void s3_sse_conf_serialize(const s3_sse_conf_t *c, buf_t *out);
void s3_sse_conf_free(s3_sse_conf_t *c);
/* The configuration stored for bucket: 1 (c filled), 0 when none is stored
 * or there is no such bucket, or a negative store code. */
int s3_sse_conf_load(s3_req_t *r, const char *bucket, s3_sse_conf_t *c);

#endif
