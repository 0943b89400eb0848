#include "lib/checksum.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <isa-l/crc.h>

#include "lib/util.h"

/* Reflected generator polynomials: bit 0 holds the coefficient of x^(w-1). */
#define POLY_CRC32     0xedb88320u
#define POLY_CRC32C    0x82f63b78u
#define POLY_CRC64NVME 0x9a6c9329ac4bc9b5ull

/* CRC-64/NVME, slicing-by-8: table k maps a byte to its CRC after k more zero
 * bytes, so eight table lookups advance the register by eight input bytes. */
static uint64_t crc64_table[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_make_tables(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (c >> 1) ^ POLY_CRC64NVME : c >> 1;
        crc64_table[0][i] = c;
    }
    for (unsigned i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++) {
            uint64_t prev = crc64_table[k - 1][i];
            crc64_table[k][i] = (prev >> 8) ^ crc64_table[0][prev & 0xff];
        }
}

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static uint64_t crc64_update(uint64_t crc, const unsigned char *p, size_t n)
{
    const uint64_t(*t)[256] = (const uint64_t(*)[256])crc64_table;
    while (n && ((uintptr_t)p & 7)) {
        crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        n--;
    }
    while (n >= 8) {
        crc ^= load_le64(p);
        crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
              t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
              t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

void checksum_init(checksum_t *c, checksum_alg_t alg)
{
    memset(c, 0, sizeof *c);
    c->alg = alg;
    switch (alg) {
    case CK_NONE: break;
    case CK_CRC32: c->u.crc32 = 0; break; /* crc32_gzip_refl inverts on entry and exit */
    case CK_CRC32C: c->u.crc32c = 0xffffffffu; break;
    case CK_CRC64NVME:
        pthread_once(&crc64_once, crc64_make_tables);
        c->u.crc64 = ~(uint64_t)0;
        break;
    case CK_SHA1: sha1_init(&c->u.sha1); break;
    case CK_SHA256: sha256_init(&c->u.sha256); break;
    case CK_MD5: md5_init(&c->u.md5); break;
    default: assert(!"unknown checksum algorithm");
    }
}

void checksum_update(checksum_t *c, const void *data, size_t n)
{
    if (n == 0) return;
    const unsigned char *p = data;
    switch (c->alg) {
    case CK_NONE: break;
    case CK_CRC32: c->u.crc32 = crc32_gzip_refl(c->u.crc32, p, n); break;
    case CK_CRC32C:
        /* crc32_iscsi takes an int length and a non-const pointer it only reads. */
        while (n) {
            size_t k = n > (1u << 30) ? (1u << 30) : n;
            c->u.crc32c = crc32_iscsi((unsigned char *)(uintptr_t)p, (int)k, c->u.crc32c);
            p += k;
            n -= k;
        }
        break;
    case CK_CRC64NVME: c->u.crc64 = crc64_update(c->u.crc64, p, n); break;
    case CK_SHA1: sha1_update(&c->u.sha1, n, p); break;
    case CK_SHA256: sha256_update(&c->u.sha256, n, p); break;
    case CK_MD5: md5_update(&c->u.md5, n, p); break;
    default: assert(!"unknown checksum algorithm");
    }
}

int checksum_is_crc(checksum_alg_t alg)
{
    return alg == CK_CRC32 || alg == CK_CRC32C || alg == CK_CRC64NVME;
}

uint64_t checksum_crc_value(const checksum_t *c)
{
    assert(checksum_is_crc(c->alg));
    switch (c->alg) {
    case CK_CRC32: return c->u.crc32;
    case CK_CRC32C: return (uint32_t)~c->u.crc32c;
    case CK_CRC64NVME: return ~c->u.crc64;
    default: return 0;
    }
}

static void put_be(uint64_t v, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

size_t checksum_final(checksum_t *c, unsigned char *out)
{
    size_t n = checksum_len(c->alg);
    switch (c->alg) {
    case CK_NONE: break;
    case CK_CRC32:
    case CK_CRC32C:
    case CK_CRC64NVME: put_be(checksum_crc_value(c), n, out); break;
    case CK_SHA1: sha1_digest(&c->u.sha1, SHA1_DIGEST_SIZE, out); break;
    case CK_SHA256: sha256_digest(&c->u.sha256, SHA256_DIGEST_SIZE, out); break;
    case CK_MD5: md5_digest(&c->u.md5, MD5_DIGEST_SIZE, out); break;
    default: assert(!"unknown checksum algorithm");
    }
    return n;
}

size_t checksum_final_b64(checksum_t *c, char *out)
{
    unsigned char raw[CHECKSUM_MAX_LEN];
    size_t n = checksum_final(c, raw);
    util_base64(raw, n, out);
    return strlen(out);
}

/* CRC combination (after zlib's crc32_combine): with init and xorout both all
 * ones, CRC(A||B) = CRC(A) * x^(8*len(B)) mod P  xor  CRC(B), where the
 * product is taken in GF(2)[x] modulo the generator. */

static int crc_params(checksum_alg_t alg, uint64_t *poly, unsigned *width)
{
    switch (alg) {
    case CK_CRC32:
        *poly = POLY_CRC32;
        *width = 32;
        return 0;
    case CK_CRC32C:
        *poly = POLY_CRC32C;
        *width = 32;
        return 0;
    case CK_CRC64NVME:
        *poly = POLY_CRC64NVME;
        *width = 64;
        return 0;
    default: return -1;
    }
}

/* a * b mod P for reflected polynomials of the given width. */
static uint64_t gf2_mulmod(uint64_t a, uint64_t b, uint64_t poly, unsigned width)
{
    uint64_t p = 0;
    for (uint64_t m = (uint64_t)1 << (width - 1); m; m >>= 1) {
        if (a & m) p ^= b;
        b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
    }
    return p;
}

uint64_t checksum_crc_combine(checksum_alg_t alg, uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
    uint64_t poly;
    unsigned w;
    int ok = crc_params(alg, &poly, &w) == 0;
    assert(ok);
    if (!ok) return 0;
    uint64_t mask = w == 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;
    /* xn accumulates x^(8*len_b) by square-and-multiply over the bits of len_b;
     * sq runs through x^8, x^16, x^32, ... In reflected form x^k is bit w-1-k. */
    uint64_t xn = (uint64_t)1 << (w - 1), sq = (uint64_t)1 << (w - 1 - 8);
    for (uint64_t n = len_b; n; n >>= 1) {
        if (n & 1) xn = gf2_mulmod(sq, xn, poly, w);
        sq = gf2_mulmod(sq, sq, poly, w);
    }
    return (gf2_mulmod(xn, crc_a & mask, poly, w) ^ crc_b) & mask;
}

size_t checksum_crc_to_b64(checksum_alg_t alg, uint64_t crc, char *out)
{
    assert(checksum_is_crc(alg));
    unsigned char raw[8];
    size_t n = checksum_len(alg);
    put_be(crc, n, raw);
    util_base64(raw, n, out);
    return strlen(out);
}

int checksum_crc_from_b64(checksum_alg_t alg, const char *b64, size_t n, uint64_t *crc)
{
    assert(checksum_is_crc(alg));
    unsigned char raw[8];
    size_t len = sizeof raw, want = checksum_len(alg);
    if (!checksum_is_crc(alg) || util_unbase64(b64, n, raw, &len) != 0 || len != want) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v << 8 | raw[i];
    *crc = v;
    return 0;
}

static const struct {
    checksum_alg_t alg;
    const char *name, *header;
    size_t len;
} algs[] = {
    {CK_CRC32, "CRC32", "x-amz-checksum-crc32", 4},
    {CK_CRC32C, "CRC32C", "x-amz-checksum-crc32c", 4},
    {CK_CRC64NVME, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    {CK_SHA1, "SHA1", "x-amz-checksum-sha1", SHA1_DIGEST_SIZE},
    {CK_SHA256, "SHA256", "x-amz-checksum-sha256", SHA256_DIGEST_SIZE},
    {CK_MD5, "MD5", "x-amz-checksum-md5", MD5_DIGEST_SIZE},
};
#define NALGS (sizeof algs / sizeof algs[0])

checksum_alg_t checksum_alg_from_name(const char *name)
{
    if (!name) return CK_NONE;
    for (size_t i = 0; i < NALGS; i++)
        if (strcasecmp(name, algs[i].name) == 0) return algs[i].alg;
    return CK_NONE;
}

const char *checksum_alg_name(checksum_alg_t alg)
{
    for (size_t i = 0; i < NALGS; i++)
        if (algs[i].alg == alg) return algs[i].name;
    return "";
}

const char *checksum_header_name(checksum_alg_t alg)
{
    for (size_t i = 0; i < NALGS; i++)
        if (algs[i].alg == alg) return algs[i].header;
    return NULL;
}

checksum_alg_t checksum_alg_from_header(const char *hdr)
{
    if (!hdr) return CK_NONE;
    for (size_t i = 0; i < NALGS; i++)
        if (strcasecmp(hdr, algs[i].header) == 0) return algs[i].alg;
    return CK_NONE;
}

size_t checksum_len(checksum_alg_t alg)
{
    for (size_t i = 0; i < NALGS; i++)
        if (algs[i].alg == alg) return algs[i].len;
    return 0;
}
