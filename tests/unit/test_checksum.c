#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "lib/checksum.h"
#include "lib/util.h"

static const checksum_alg_t all_algs[] = {CK_CRC32, CK_CRC32C, CK_CRC64NVME,
                                          CK_SHA1,  CK_SHA256, CK_MD5};
static const checksum_alg_t crc_algs[] = {CK_CRC32, CK_CRC32C, CK_CRC64NVME};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Deterministic data, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(rng() >> 24);
}

static size_t oneshot(checksum_alg_t alg, const void *data, size_t n, unsigned char *out)
{
    checksum_t c;
    checksum_init(&c, alg);
    checksum_update(&c, data, n);
    return checksum_final(&c, out);
}

static uint64_t crc_of(checksum_alg_t alg, const void *data, size_t n)
{
    checksum_t c;
    checksum_init(&c, alg);
    checksum_update(&c, data, n);
    return checksum_crc_value(&c);
}

static void hex_of(checksum_alg_t alg, const char *s, char *hex)
{
    unsigned char raw[CHECKSUM_MAX_LEN];
    size_t n = oneshot(alg, s, strlen(s), raw);
    assert_int_equal(n, checksum_len(alg));
    util_hex(raw, n, hex);
}

/* Bit-at-a-time CRC-64/NVME straight from the Rocksoft parameters, to check
 * the slicing-by-8 tables against something that shares no code with them. */
static uint64_t crc64nvme_bitwise(const unsigned char *p, size_t n)
{
    uint64_t crc = ~(uint64_t)0;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x9a6c9329ac4bc9b5ull : crc >> 1;
    }
    return ~crc;
}

static void test_crc_check_values(void **state)
{
    (void)state;
    const char *s = "123456789";
    assert_int_equal(crc_of(CK_CRC32, s, 9), 0xcbf43926u);
    assert_int_equal(crc_of(CK_CRC32C, s, 9), 0xe3069283u);
    assert_int_equal(crc_of(CK_CRC64NVME, s, 9), 0xae8b14860a799888ull);

    /* Raw digests are the big-endian bytes of the CRC. */
    char hex[2 * CHECKSUM_MAX_LEN + 1];
    hex_of(CK_CRC32, s, hex);
    assert_string_equal(hex, "cbf43926");
    hex_of(CK_CRC32C, s, hex);
    assert_string_equal(hex, "e3069283");
    hex_of(CK_CRC64NVME, s, hex);
    assert_string_equal(hex, "ae8b14860a799888");

    /* The CRC of nothing is 0 for all three (init == xorout). */
    for (size_t i = 0; i < NELEM(crc_algs); i++)
        assert_int_equal(crc_of(crc_algs[i], NULL, 0), 0);

    /* RFC 3720 B.4 CRC32C vectors. */
    unsigned char buf[32];
    memset(buf, 0, sizeof buf);
    assert_int_equal(crc_of(CK_CRC32C, buf, 32), 0x8a9136aau);
    memset(buf, 0xff, sizeof buf);
    assert_int_equal(crc_of(CK_CRC32C, buf, 32), 0x62a8ab43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)i;
    assert_int_equal(crc_of(CK_CRC32C, buf, 32), 0x46dd794eu);
}

static void test_crc64_against_bitwise(void **state)
{
    (void)state;
    /* Every length and alignment around the 8-byte fast path. */
    unsigned char buf[300];
    fill(buf, sizeof buf);
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; off + n <= sizeof buf; n++)
            assert_int_equal(crc_of(CK_CRC64NVME, buf + off, n), crc64nvme_bitwise(buf + off, n));
}

static void test_digest_vectors(void **state)
{
    (void)state;
    char hex[2 * CHECKSUM_MAX_LEN + 1];
    /* RFC 1321 */
    hex_of(CK_MD5, "", hex);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
    hex_of(CK_MD5, "abc", hex);
    assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
    /* FIPS 180 examples */
    hex_of(CK_SHA1, "", hex);
    assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    hex_of(CK_SHA1, "abc", hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    hex_of(CK_SHA256, "", hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of(CK_SHA256, "abc", hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of(CK_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_b64_as_s3_sends(void **state)
{
    (void)state;
    /* A real client sent x-amz-checksum-crc32: ixEm4Q== for this body. */
    const char *body = "hello fakes3\n";
    checksum_t c;
    char b64[CHECKSUM_B64_MAX];
    checksum_init(&c, CK_CRC32);
    checksum_update(&c, body, strlen(body));
    assert_int_equal(checksum_final_b64(&c, b64), 8);
    assert_string_equal(b64, "ixEm4Q==");

    checksum_init(&c, CK_SHA256);
    checksum_update(&c, "abc", 3);
    assert_int_equal(checksum_final_b64(&c, b64), 44);
    assert_string_equal(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");

    /* Content-MD5 of the empty body, as every S3 client computes it. */
    checksum_init(&c, CK_MD5);
    assert_int_equal(checksum_final_b64(&c, b64), 24);
    assert_string_equal(b64, "1B2M2Y8AsgTpgAmY7PhCfg==");

    checksum_init(&c, CK_CRC64NVME);
    checksum_update(&c, "123456789", 9);
    checksum_final_b64(&c, b64);
    assert_string_equal(b64, "rosUhgp5mIg=");
}

static void test_none(void **state)
{
    (void)state;
    checksum_t c;
    unsigned char raw[CHECKSUM_MAX_LEN];
    char b64[CHECKSUM_B64_MAX] = "junk";
    checksum_init(&c, CK_NONE);
    checksum_update(&c, "abc", 3);
    assert_int_equal(checksum_final(&c, raw), 0);
    checksum_init(&c, CK_NONE);
    assert_int_equal(checksum_final_b64(&c, b64), 0);
    assert_string_equal(b64, "");
}

/* Every split point of a buffer, in two and in three pieces, and a byte at a
 * time, must give the one-shot digest. */
static void test_stream_every_split(void **state)
{
    (void)state;
    unsigned char buf[300], want[CHECKSUM_MAX_LEN], got[CHECKSUM_MAX_LEN];
    fill(buf, sizeof buf);
    for (size_t a = 0; a < NELEM(all_algs); a++) {
        checksum_alg_t alg = all_algs[a];
        size_t n = oneshot(alg, buf, sizeof buf, want);
        checksum_t c;
        for (size_t i = 0; i <= sizeof buf; i++) {
            checksum_init(&c, alg);
            checksum_update(&c, buf, i);
            checksum_update(&c, buf + i, sizeof buf - i);
            assert_int_equal(checksum_final(&c, got), n);
            assert_memory_equal(got, want, n);
        }
        for (size_t i = 0; i <= sizeof buf; i += 7)
            for (size_t j = i; j <= sizeof buf; j += 5) {
                checksum_init(&c, alg);
                checksum_update(&c, buf, i);
                checksum_update(&c, buf + i, j - i);
                checksum_update(&c, buf + j, sizeof buf - j);
                checksum_final(&c, got);
                assert_memory_equal(got, want, n);
            }
        checksum_init(&c, alg);
        for (size_t i = 0; i < sizeof buf; i++)
            checksum_update(&c, buf + i, 1);
        checksum_final(&c, got);
        assert_memory_equal(got, want, n);
        /* And the digest depends on the data: one flipped bit changes it. */
        buf[150] ^= 0x10;
        oneshot(alg, buf, sizeof buf, got);
        buf[150] ^= 0x10;
        assert_memory_not_equal(got, want, n);
    }
}

static void test_stream_random_chunks(void **state)
{
    (void)state;
    size_t len = 1 << 20;
    unsigned char *buf = malloc(len);
    assert_non_null(buf);
    fill(buf, len);
    unsigned char want[CHECKSUM_MAX_LEN], got[CHECKSUM_MAX_LEN];
    for (size_t a = 0; a < NELEM(all_algs); a++) {
        checksum_alg_t alg = all_algs[a];
        size_t n = oneshot(alg, buf, len, want);
        for (int round = 0; round < 8; round++) {
            checksum_t c;
            checksum_init(&c, alg);
            size_t pos = 0;
            while (pos < len) {
                /* Mostly small odd-sized chunks, sometimes large ones, sometimes empty. */
                uint64_t r = rng();
                size_t k = (r & 3) == 0 ? (size_t)(r >> 8) % 200000 : (size_t)(r >> 8) % 4100;
                if (k > len - pos) k = len - pos;
                checksum_update(&c, buf + pos, k);
                pos += k;
            }
            assert_int_equal(checksum_final(&c, got), n);
            assert_memory_equal(got, want, n);
        }
    }
    assert_int_equal(crc_of(CK_CRC64NVME, buf, len), crc64nvme_bitwise(buf, len));
    free(buf);
}

static void test_crc_value_does_not_spend(void **state)
{
    (void)state;
    for (size_t a = 0; a < NELEM(crc_algs); a++) {
        checksum_t c;
        checksum_init(&c, crc_algs[a]);
        checksum_update(&c, "1234", 4);
        uint64_t mid = checksum_crc_value(&c);
        assert_int_equal(mid, crc_of(crc_algs[a], "1234", 4));
        checksum_update(&c, "56789", 5);
        assert_int_equal(checksum_crc_value(&c), crc_of(crc_algs[a], "123456789", 9));
    }
}

static void test_crc_combine(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 3, 7, 8, 9, 64, 255, 256, 1000, 4096, 65537, 300000};
    size_t max = 300000;
    unsigned char *buf = malloc(2 * max);
    assert_non_null(buf);
    fill(buf, 2 * max);
    for (size_t a = 0; a < NELEM(crc_algs); a++) {
        checksum_alg_t alg = crc_algs[a];
        for (size_t i = 0; i < NELEM(lens); i++)
            for (size_t j = 0; j < NELEM(lens); j++) {
                size_t la = lens[i], lb = lens[j];
                uint64_t ca = crc_of(alg, buf, la);
                uint64_t cb = crc_of(alg, buf + la, lb);
                uint64_t whole = crc_of(alg, buf, la + lb);
                assert_int_equal(checksum_crc_combine(alg, ca, cb, lb), whole);
                /* The length matters: off by one gives a different CRC. */
                if (la > 0) assert_int_not_equal(checksum_crc_combine(alg, ca, cb, lb + 1), whole);
            }
        /* Folding many parts left to right, as CompleteMultipartUpload will. */
        uint64_t acc = crc_of(alg, NULL, 0);
        size_t pos = 0;
        for (size_t i = 0; i < NELEM(lens); i++) {
            acc = checksum_crc_combine(alg, acc, crc_of(alg, buf + pos, lens[i]), lens[i]);
            pos += lens[i];
        }
        assert_int_equal(acc, crc_of(alg, buf, pos));
    }
    free(buf);
}

static void test_crc_b64_round_trip(void **state)
{
    (void)state;
    char b64[CHECKSUM_B64_MAX];
    uint64_t v;
    assert_int_equal(checksum_crc_to_b64(CK_CRC32, 0x8b1126e1u, b64), 8);
    assert_string_equal(b64, "ixEm4Q==");
    assert_int_equal(checksum_crc_from_b64(CK_CRC32, "ixEm4Q==", 8, &v), 0);
    assert_int_equal(v, 0x8b1126e1u);
    assert_int_equal(checksum_crc_to_b64(CK_CRC64NVME, 0xae8b14860a799888ull, b64), 12);
    assert_string_equal(b64, "rosUhgp5mIg=");
    assert_int_equal(checksum_crc_from_b64(CK_CRC64NVME, b64, 12, &v), 0);
    assert_int_equal(v, 0xae8b14860a799888ull);
    /* Leading zero bytes are kept. */
    checksum_crc_to_b64(CK_CRC32C, 0x00000102u, b64);
    assert_string_equal(b64, "AAABAg==");
    /* Wrong length for the algorithm, or not base64. */
    assert_int_equal(checksum_crc_from_b64(CK_CRC64NVME, "ixEm4Q==", 8, &v), -1);
    assert_int_equal(checksum_crc_from_b64(CK_CRC32, "rosUhgp5mIg=", 12, &v), -1);
    assert_int_equal(checksum_crc_from_b64(CK_CRC32, "ixEm", 4, &v), -1);
    assert_int_equal(checksum_crc_from_b64(CK_CRC32, "ix!m4Q==", 8, &v), -1);
    assert_int_equal(checksum_crc_from_b64(CK_CRC32, "", 0, &v), -1);
}

static void test_names(void **state)
{
    (void)state;
    static const struct {
        checksum_alg_t alg;
        const char *name, *header;
        size_t len;
    } want[] = {
        {CK_CRC32, "CRC32", "x-amz-checksum-crc32", 4},
        {CK_CRC32C, "CRC32C", "x-amz-checksum-crc32c", 4},
        {CK_CRC64NVME, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
        {CK_SHA1, "SHA1", "x-amz-checksum-sha1", 20},
        {CK_SHA256, "SHA256", "x-amz-checksum-sha256", 32},
        {CK_MD5, "MD5", "x-amz-checksum-md5", 16},
    };
    for (size_t i = 0; i < NELEM(want); i++) {
        assert_string_equal(checksum_alg_name(want[i].alg), want[i].name);
        assert_string_equal(checksum_header_name(want[i].alg), want[i].header);
        assert_int_equal(checksum_len(want[i].alg), want[i].len);
        assert_int_equal(checksum_alg_from_name(want[i].name), want[i].alg);
        assert_int_equal(checksum_alg_from_header(want[i].header), want[i].alg);
        /* Case-insensitive both ways. */
        char lower[32], upper[64];
        size_t k;
        for (k = 0; want[i].name[k]; k++)
            lower[k] = (char)(want[i].name[k] | 0x20);
        lower[k] = 0;
        assert_int_equal(checksum_alg_from_name(lower), want[i].alg);
        for (k = 0; want[i].header[k]; k++)
            if (want[i].header[k] >= 'a' && want[i].header[k] <= 'z')
                upper[k] = (char)(want[i].header[k] - 'a' + 'A');
            else
                upper[k] = want[i].header[k];
        upper[k] = 0;
        assert_int_equal(checksum_alg_from_header(upper), want[i].alg);
    }
    assert_int_equal(checksum_alg_from_name("crc64nvme"), CK_CRC64NVME);
    assert_int_equal(checksum_alg_from_header("X-Amz-Checksum-CRC32C"), CK_CRC32C);

    static const char *bad_names[] = {"",       "CRC",      "CRC3",   "CRC32X",
                                      "CRC32 ", " CRC32",   "CRC64",  "SHA",
                                      "SHA512", "XXHASH64", "crc-32", "x-amz-checksum-crc32"};
    for (size_t i = 0; i < NELEM(bad_names); i++)
        assert_int_equal(checksum_alg_from_name(bad_names[i]), CK_NONE);
    assert_int_equal(checksum_alg_from_name(NULL), CK_NONE);

    static const char *bad_headers[] = {"",
                                        "x-amz-checksum-",
                                        "x-amz-checksum-algorithm",
                                        "x-amz-checksum-type",
                                        "x-amz-checksum-mode",
                                        "x-amz-checksum-crc",
                                        "x-amz-checksum-crc32cc",
                                        "x-amz-checksum-sha512",
                                        "content-md5",
                                        "CRC32",
                                        "x-amz-checksum-crc32 "};
    for (size_t i = 0; i < NELEM(bad_headers); i++)
        assert_int_equal(checksum_alg_from_header(bad_headers[i]), CK_NONE);
    assert_int_equal(checksum_alg_from_header(NULL), CK_NONE);

    assert_string_equal(checksum_alg_name(CK_NONE), "");
    assert_null(checksum_header_name(CK_NONE));
    assert_int_equal(checksum_len(CK_NONE), 0);
    assert_true(checksum_is_crc(CK_CRC64NVME));
    assert_false(checksum_is_crc(CK_SHA256));
    assert_false(checksum_is_crc(CK_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_values),
        cmocka_unit_test(test_crc64_against_bitwise),
        cmocka_unit_test(test_digest_vectors),
        cmocka_unit_test(test_b64_as_s3_sends),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_stream_every_split),
        cmocka_unit_test(test_stream_random_chunks),
        cmocka_unit_test(test_crc_value_does_not_spend),
        cmocka_unit_test(test_crc_combine),
        cmocka_unit_test(test_crc_b64_round_trip),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
