/* fuzz_chunked — libFuzzer target for the aws-chunked decoder.
 *
 * The first input byte picks how the rest is cut: pieces of 1 + (byte % 64)
 * bytes when it is below 0xc0, else cut points drawn from a generator seeded
 * with it. Each piece is fed from a heap block of exactly its size, so ASan
 * sees any read past a piece. The outcome (error codes, payload hash, callback
 * trace hash, decoded length) must equal that of feeding the rest whole.
 *
 * Build with clang -fsanitize=fuzzer,address,undefined -Isrc from this file,
 * src/s3/chunked.c and the src/lib sources, linked with -lnettle -lisal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "s3/chunked.h"

typedef struct result {
    int feed_rc, finish_rc;
    uint64_t decoded, data_hash, event_hash, ndata;
    const char *lo, *hi; /* the piece being fed */
    chunked_t *parser;
} result_t;

static int on_data(void *ctx, const char *p, size_t n)
{
    result_t *r = ctx;
    if (n == 0 || p < r->lo || p + n > r->hi) abort(); /* must point into the piece */
    r->data_hash = fuzz_fnv(r->data_hash, p, n);
    r->ndata += n;
    return 0;
}

static int on_chunk_end(void *ctx, const char *sig, size_t siglen, uint64_t chunk_len)
{
    result_t *r = ctx;
    if ((sig == NULL) != (siglen == 0) || siglen > CHUNKED_SIG_MAX) abort();
    r->event_hash = fuzz_fnv(r->event_hash, "C", 1);
    r->event_hash = fuzz_fnv(r->event_hash, &chunk_len, sizeof chunk_len);
    r->event_hash = fuzz_fnv(r->event_hash, sig, siglen);
    return 0;
}

static int on_trailer(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
    result_t *r = ctx;
    if (nlen == 0 || nlen > CHUNKED_TRAILER_LINE_MAX || vlen > CHUNKED_TRAILER_LINE_MAX) abort();
    if (memchr(name, ':', nlen) || memchr(value, '\r', vlen) || memchr(value, '\n', vlen)) abort();
    r->event_hash = fuzz_fnv(r->event_hash, "T", 1);
    r->event_hash = fuzz_fnv(r->event_hash, name, nlen);
    r->event_hash = fuzz_fnv(r->event_hash, ":", 1);
    r->event_hash = fuzz_fnv(r->event_hash, value, vlen);
    return 0;
}

static const chunked_cb_t cb = {on_data, on_chunk_end, on_trailer};

static int feed(void *ctx, const char *p, size_t n)
{
    result_t *r = ctx;
    r->lo = p;
    r->hi = p + n;
    return chunked_feed(r->parser, p, n);
}

static void finish(chunked_t *d, result_t *r)
{
    r->finish_rc = chunked_finish(d);
    r->decoded = chunked_decoded_len(d);
    if (r->decoded != r->ndata) abort();
    if (r->feed_rc && (r->finish_rc != r->feed_rc || !chunked_error(d))) abort();
    if (!r->feed_rc && r->finish_rc != 0 && r->finish_rc != CHUNKED_EINCOMPLETE) abort();
    if (r->finish_rc == 0 && chunked_error(d)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0];
    const uint8_t *s = data + 1;
    size_t n = size - 1;

    chunked_t d;
    result_t whole = {0}, cut = {0};
    chunked_init(&d, &cb, &whole);
    whole.parser = &d;
    fuzz_feed_piece(feed, &whole, &whole.feed_rc, s, n);
    finish(&d, &whole);

    chunked_init(&d, &cb, &cut);
    cut.parser = &d;
    fuzz_feed_cut(mode, feed, &cut, &cut.feed_rc, s, n);
    finish(&d, &cut);

    if (whole.feed_rc != cut.feed_rc || whole.finish_rc != cut.finish_rc ||
        whole.decoded != cut.decoded || whole.data_hash != cut.data_hash ||
        whole.event_hash != cut.event_hash) {
        fprintf(stderr, "whole %d/%d vs cut %d/%d, decoded %llu vs %llu\n", whole.feed_rc,
                whole.finish_rc, cut.feed_rc, cut.finish_rc, (unsigned long long)whole.decoded,
                (unsigned long long)cut.decoded);
        abort();
    }
    return 0;
}
