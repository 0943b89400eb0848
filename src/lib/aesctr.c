#include "lib/aesctr.h"

#include <string.h>

#include <nettle/ctr.h>

void aesctr_init(aesctr_t *c, const uint8_t key[AESCTR_KEY_SIZE], const uint8_t iv[AESCTR_IV_SIZE])
{
    aes256_set_encrypt_key(&c->aes, key);
    memcpy(c->iv, iv, AESCTR_IV_SIZE);
}

/* ctr += blocks, the 16 bytes read as one big-endian number (mod 2^128). */
static void counter_add(uint8_t ctr[AES_BLOCK_SIZE], uint64_t blocks)
{
    unsigned carry = 0;
    for (int i = AES_BLOCK_SIZE - 1; i >= 0; i--) {
        unsigned sum = ctr[i] + (unsigned)(blocks & 0xff) + carry;
        ctr[i] = (uint8_t)sum;
        carry = sum >> 8;
        blocks >>= 8;
        if (!blocks && !carry) break;
    }
}

void aesctr_crypt(const aesctr_t *c, uint64_t off, uint8_t *dst, const uint8_t *src, size_t n)
{
    uint8_t ctr[AES_BLOCK_SIZE];
    memcpy(ctr, c->iv, sizeof ctr);
    counter_add(ctr, off / AES_BLOCK_SIZE);
    size_t skip = (size_t)(off % AES_BLOCK_SIZE);
    if (skip && n) {
        /* A start inside a block: that block's key stream from byte skip. */
        uint8_t ks[AES_BLOCK_SIZE];
        aes256_encrypt(&c->aes, AES_BLOCK_SIZE, ks, ctr);
        size_t k = AES_BLOCK_SIZE - skip < n ? AES_BLOCK_SIZE - skip : n;
        for (size_t i = 0; i < k; i++)
            dst[i] = src[i] ^ ks[skip + i];
        memset(ks, 0, sizeof ks);
        counter_add(ctr, 1);
        dst += k, src += k, n -= k;
    }
    /* nettle increments the whole block as one big-endian number too. */
    if (n)
        ctr_crypt(&c->aes, (nettle_cipher_func *)aes256_encrypt, AES_BLOCK_SIZE, ctr, n, dst, src);
}

void aesctr_clear(aesctr_t *c)
{
    /* volatile: a plain memset before the end of a lifetime may be dropped. */
    volatile uint8_t *p = (volatile uint8_t *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        p[i] = 0;
}
