/* fuzz_split — what the "cut or whole" fuzz targets share: the first input
 * byte picks how the rest is cut (pieces of 1 + (byte % 64) bytes when it is
 * below 0xc0, else cut points, empty pieces too, drawn from a generator
 * seeded with it); each piece is fed from a heap block of exactly its size, so
 * ASan sees any read past a piece; a parser's first error must stick. The
 * target compares the outcome of the cut feeding with that of the whole. */
#ifndef FAKES3_FUZZ_SPLIT_H
#define FAKES3_FUZZ_SPLIT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a step: h hashed on with n bytes at p. */
static inline uint64_t fuzz_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

/* Feeds n bytes at p to the target's parser; returns its status (0 ok). */
typedef int fuzz_feed_fn(void *ctx, const char *p, size_t n);

/* Feeds p[0..n) from a heap copy of exactly n bytes; the first nonzero
 * status is kept in *feed_rc, and a later different one aborts. */
static inline void fuzz_feed_piece(fuzz_feed_fn *feed, void *ctx, int *feed_rc, const uint8_t *p,
                                   size_t n)
{
    char *copy = malloc(n ? n : 1);
    if (!copy) abort();
    memcpy(copy, p, n);
    int rc = feed(ctx, copy, n);
    free(copy);
    if (*feed_rc && rc != *feed_rc) abort(); /* errors stick */
    if (rc && !*feed_rc) *feed_rc = rc;
}

/* Feeds s[0..n) in the pieces that mode (the input's first byte) picks. */
static inline void fuzz_feed_cut(uint8_t mode, fuzz_feed_fn *feed, void *ctx, int *feed_rc,
                                 const uint8_t *s, size_t n)
{
    uint32_t rnd = (mode * 2654435761u) | 1; /* xorshift never leaves 0 */
    for (size_t at = 0; at < n;) {
        size_t len;
        if (mode < 0xc0) {
            len = 1 + mode % 64;
        } else {
            rnd ^= rnd << 13, rnd ^= rnd >> 17, rnd ^= rnd << 5;
            len = rnd % 97; /* empty pieces too */
        }
        if (len > n - at) len = n - at;
        fuzz_feed_piece(feed, ctx, feed_rc, s + at, len);
        at += len;
    }
}

#endif
