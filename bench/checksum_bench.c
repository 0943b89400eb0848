/* checksum_bench — throughput of each checksum over 256 MiB held in memory.
 *
 * Build and run from the repository root:
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc bench/checksum_bench.c src/lib/checksum.c \
 *      src/lib/util.c src/lib/buf.c -lnettle -lisal -o build/checksum_bench
 *   ./build/checksum_bench [MiB]
 * Data is fed in 1 MiB updates, the size a body reader is likely to pass on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/checksum.h"
#include "lib/util.h"

#define CHUNK (1u << 20)

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 256;
    if (mib == 0) mib = 256;
    size_t len = mib << 20;
    unsigned char *buf = xmalloc(len);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < len; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
    static const checksum_alg_t algs[] = {CK_CRC32, CK_CRC32C, CK_CRC64NVME,
                                          CK_SHA1,  CK_SHA256, CK_MD5};
    printf("%zu MiB in %u KiB updates\n", mib, CHUNK >> 10);
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        checksum_t c;
        char b64[CHECKSUM_B64_MAX];
        int64_t t0 = util_mono_us();
        checksum_init(&c, algs[a]);
        for (size_t off = 0; off < len; off += CHUNK)
            checksum_update(&c, buf + off, len - off < CHUNK ? len - off : CHUNK);
        checksum_final_b64(&c, b64);
        int64_t us = util_mono_us() - t0;
        if (us < 1) us = 1;
        printf("%-10s %9.0f MB/s  %s\n", checksum_alg_name(algs[a]), (double)len / (double)us, b64);
    }
    free(buf);
    return 0;
}
