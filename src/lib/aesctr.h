/* aesctr — AES-256 in counter mode (NIST SP 800-38A, section 6.5) at any
 * byte offset of a stream, for data kept encrypted at rest.
 *
 * The counter block of byte offset off is the 128-bit initial counter block
 * (the IV) plus off / 16, as one big-endian integer that wraps modulo 2^128;
 * the key stream is the AES encryption of each counter block. Encryption and
 * decryption are the same operation, and any range can be processed on its
 * own: a ranged read decrypts from its first byte without reading what comes
 * before it. An IV must never be used twice with the same key.
 *
 * An aesctr_t is a plain value owned by the caller (nettle's expanded key
 * and the IV): no allocation. aesctr_crypt does not change it, so one may be
 * shared by threads. aesctr_clear wipes the key schedule. */
#ifndef FAKES3_AESCTR_H
#define FAKES3_AESCTR_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/aes.h>

#define AESCTR_KEY_SIZE 32 /* AES-256 */
#define AESCTR_IV_SIZE  16 /* one AES block */

typedef struct aesctr {
    struct aes256_ctx aes;
    uint8_t iv[AESCTR_IV_SIZE];
} aesctr_t;

/* Set up c for key and the initial counter block iv (both copied). */
void aesctr_init(aesctr_t *c, const uint8_t key[AESCTR_KEY_SIZE], const uint8_t iv[AESCTR_IV_SIZE]);
/* Encrypt or decrypt the n bytes at stream offset off from src into dst;
 * dst may equal src (in place), other overlaps are not allowed. */
void aesctr_crypt(const aesctr_t *c, uint64_t off, uint8_t *dst, const uint8_t *src, size_t n);
/* Wipe c's key schedule and IV. */
void aesctr_clear(aesctr_t *c);

#endif
