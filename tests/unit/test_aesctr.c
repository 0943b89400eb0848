/* aesctr: AES-256-CTR against the published vectors (NIST SP 800-38A F.5.5,
 * RFC 3686 test vectors #7 and #8), and any offset or split of a stream
 * giving the bytes of the whole. */
#include "unit.h"

#include <string.h>

#include "lib/aesctr.h"
#include "lib/util.h"

static void unhex(const char *hex, uint8_t *out)
{
    assert_int_equal(util_unhex(hex, strlen(hex) / 2, out), 0);
}

static void check_vector(const char *key_hex, const char *iv_hex, const char *pt_hex,
                         const char *ct_hex)
{
    uint8_t key[32], iv[16], pt[64], ct[64], out[64];
    size_t n = strlen(pt_hex) / 2;
    unhex(key_hex, key);
    unhex(iv_hex, iv);
    unhex(pt_hex, pt);
    unhex(ct_hex, ct);
    aesctr_t c;
    aesctr_init(&c, key, iv);
    aesctr_crypt(&c, 0, out, pt, n);
    assert_memory_equal(out, ct, n);
    /* Decryption is the same operation, in place too. */
    aesctr_crypt(&c, 0, out, out, n);
    assert_memory_equal(out, pt, n);
    aesctr_clear(&c);
}

static void test_nist_sp800_38a_f55(void **state)
{
    (void)state;
    /* CTR-AES256.Encrypt: four blocks, the counter carrying from ...feff. */
    check_vector("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
                 "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
                 "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                 "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                 "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
                 "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
}

static void test_rfc3686(void **state)
{
    (void)state;
    /* #7: one block; the counter block is nonce || IV || 00000001. */
    check_vector("776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104",
                 "00000060db5672c97aa8f0b200000001", "53696e676c6520626c6f636b206d7367",
                 "145ad01dbf824ec7560863dc71e3e0c0");
    /* #8: two blocks. */
    check_vector("f6d66d6bd52d59bb0796365879eff886c66dd51a5b6a99744b50590c87a23884",
                 "00faac24c1585ef15a43d87500000001",
                 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                 "f05e231b3894612c49ee000b804eb2a9b8306b508f839d6a5530831d9344af1c");
}

/* Every offset and length of a 100-byte stream decrypts on its own to the
 * same bytes as the whole: what ranged reads rely on. */
static void test_any_offset_and_split(void **state)
{
    (void)state;
    uint8_t key[32], iv[16], pt[100], whole[100], part[100];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 7 + 1);
    for (int i = 0; i < 16; i++)
        iv[i] = (uint8_t)(0xf0 + i);
    for (int i = 0; i < 100; i++)
        pt[i] = (uint8_t)(i * 13);
    aesctr_t c;
    aesctr_init(&c, key, iv);
    aesctr_crypt(&c, 0, whole, pt, sizeof pt);
    for (size_t off = 0; off <= sizeof pt; off++) {
        for (size_t n = 0; off + n <= sizeof pt; n++) {
            aesctr_crypt(&c, off, part, pt + off, n);
            assert_memory_equal(part, whole + off, n);
        }
    }
    /* Written in pieces of every size, as a body arrives. */
    for (size_t step = 1; step <= 40; step++) {
        for (size_t off = 0; off < sizeof pt; off += step) {
            size_t n = sizeof pt - off < step ? sizeof pt - off : step;
            memcpy(part + off, pt + off, n);
            aesctr_crypt(&c, off, part + off, part + off, n);
        }
        assert_memory_equal(part, whole, sizeof pt);
    }
    aesctr_clear(&c);
}

/* The counter is one 128-bit number: from ff..ff it wraps to 00..00, so the
 * second block under IV ff..ff is the first under IV 00..00. */
static void test_counter_wraps_at_128_bits(void **state)
{
    (void)state;
    uint8_t key[32] = {1}, ones[16], zeros[16] = {0}, pt[16] = {0}, a[16], b[16];
    memset(ones, 0xff, sizeof ones);
    aesctr_t c1, c2;
    aesctr_init(&c1, key, ones);
    aesctr_init(&c2, key, zeros);
    aesctr_crypt(&c1, 16, a, pt, 16);
    aesctr_crypt(&c2, 0, b, pt, 16);
    assert_memory_equal(a, b, 16);
    /* A far offset: block 2^40 + 3, from its middle. */
    uint64_t far = ((uint64_t)1 << 44) + 3 * 16 + 5;
    uint8_t x[11], y[16];
    aesctr_crypt(&c2, far, x, pt, sizeof x);
    aesctr_crypt(&c2, far - 5, y, pt, sizeof y);
    assert_memory_equal(x, y + 5, sizeof x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_sp800_38a_f55),
        cmocka_unit_test(test_rfc3686),
        cmocka_unit_test(test_any_offset_and_split),
        cmocka_unit_test(test_counter_wraps_at_128_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
