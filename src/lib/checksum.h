/* checksum — every checksum S3 speaks (CRC32, CRC32C, CRC64NVME, SHA1, SHA256,
 * MD5), computed incrementally as body bytes pass, plus the names and header
 * spellings S3 uses for them and CRC combination for multipart objects.
 *
 * A checksum_t is a plain value owned by the caller (stack or embedded): no
 * allocation, nothing to free. Use it as init, update any number of times,
 * final once; after final it is spent until initialised again. Digests come
 * out as raw bytes in the order S3 transmits them (CRCs big-endian) or as the
 * base64 text of the x-amz-checksum-* headers and the Checksum* XML elements.
 * CK_NONE is a valid algorithm that hashes nothing and yields an empty digest,
 * so a body reader can carry a checksum_t whether or not one was requested.
 * CRC32 and CRC32C come from ISA-L; CRC64NVME is computed here from tables
 * built once on first use (immutable afterwards, so safe across threads). */
#ifndef FAKES3_CHECKSUM_H
#define FAKES3_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

typedef enum {
    CK_NONE = 0,
    CK_CRC32,     /* CRC-32/ISO-HDLC (zlib, gzip) */
    CK_CRC32C,    /* CRC-32/ISCSI (Castagnoli) */
    CK_CRC64NVME, /* CRC-64/NVME */
    CK_SHA1,
    CK_SHA256,
    CK_MD5,
} checksum_alg_t;

#define CHECKSUM_MAX_LEN 32 /* longest raw digest (SHA256) */
#define CHECKSUM_B64_MAX 45 /* longest base64 digest plus its NUL */

typedef struct checksum {
    checksum_alg_t alg;
    union {
        uint32_t crc32;  /* CK_CRC32: the CRC so far (ISA-L conditions it on entry and exit) */
        uint32_t crc32c; /* CK_CRC32C: the raw register, before the final inversion */
        uint64_t crc64;  /* CK_CRC64NVME: the raw register, before the final inversion */
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
        struct md5_ctx md5;
    } u;
} checksum_t;

/* Streaming. */

/* Start a checksum of alg (any value of checksum_alg_t, CK_NONE included). */
void checksum_init(checksum_t *c, checksum_alg_t alg);
/* Feed n bytes (data may be NULL when n is 0); any split gives the same digest. */
void checksum_update(checksum_t *c, const void *data, size_t n);
/* Write the raw digest into out (CHECKSUM_MAX_LEN bytes of room) and return its
 * length (0 for CK_NONE); c is spent until checksum_init. */
size_t checksum_final(checksum_t *c, unsigned char *out);
/* Write the base64 digest, NUL-terminated, into out (CHECKSUM_B64_MAX bytes of
 * room) and return its length; c is spent until checksum_init. */
size_t checksum_final_b64(checksum_t *c, char *out);

/* CRCs as numbers, for multipart FULL_OBJECT checksums. */

/* 1 if alg is CK_CRC32, CK_CRC32C or CK_CRC64NVME, else 0. */
int checksum_is_crc(checksum_alg_t alg);
/* The CRC of the bytes fed so far, without spending c; c must hold a CRC. */
uint64_t checksum_crc_value(const checksum_t *c);
/* CRC of A||B from crc_a = CRC(A), crc_b = CRC(B) and len_b = length of B in
 * bytes; alg must be a CRC. Costs O(log len_b), independent of the data. */
uint64_t checksum_crc_combine(checksum_alg_t alg, uint64_t crc_a, uint64_t crc_b, uint64_t len_b);
/* Base64 of crc as S3 sends it, NUL-terminated, into out (CHECKSUM_B64_MAX
 * bytes of room); returns its length. alg must be a CRC. */
size_t checksum_crc_to_b64(checksum_alg_t alg, uint64_t crc, char *out);
/* Parse n bytes of base64 holding a CRC of alg into *crc; 0 on success, -1 if
 * malformed or not exactly checksum_len(alg) bytes long. alg must be a CRC. */
int checksum_crc_from_b64(checksum_alg_t alg, const char *b64, size_t n, uint64_t *crc);

/* Names. All lookups are case-insensitive and return CK_NONE for NULL or an
 * unknown name; the returned strings are static. */

/* "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5"
 * (the x-amz-checksum-algorithm / ChecksumAlgorithm values). */
checksum_alg_t checksum_alg_from_name(const char *name);
/* The name above for alg; "" for CK_NONE. */
const char *checksum_alg_name(checksum_alg_t alg);
/* "x-amz-checksum-crc32" ... "x-amz-checksum-md5"; NULL for CK_NONE. */
const char *checksum_header_name(checksum_alg_t alg);
/* Inverse of checksum_header_name; x-amz-checksum-algorithm, -type and
 * -mode are not value headers and give CK_NONE. */
checksum_alg_t checksum_alg_from_header(const char *hdr);
/* Raw digest length of alg: 4, 4, 8, 20, 32, 16; 0 for CK_NONE. */
size_t checksum_len(checksum_alg_t alg);

#endif
