/* fuzz_form — libFuzzer target for the multipart/form-data reader.
 *
 * The first input byte picks how the rest is cut: pieces of 1 + (byte % 64)
 * bytes when it is below 0xc0, else cut points drawn from a generator seeded
 * with it; its low bits also pick one of a few boundaries, one of which holds
 * its own opening bytes (the matcher's fall-back path). Each piece is fed from
 * a heap block of exactly its size, so ASan sees any read past a piece. The
 * outcome (error codes, the trace of fields and file events, the file's
 * bytes) must equal that of feeding the rest whole.
 *
 * Build with clang -fsanitize=fuzzer,address,undefined -Isrc from this file,
 * src/s3/form.c and the src/lib sources. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "s3/form.h"

typedef struct result {
    int feed_rc, finish_rc;
    uint64_t event_hash, data_hash, ndata;
    int begun, ended;
    form_t *parser;
} result_t;

static int on_field(void *ctx, const char *name, const char *value, size_t n)
{
    result_t *r = ctx;
    if (r->begun || value[n] != '\0' || !*name) abort(); /* fields come before the file */
    r->event_hash = fuzz_fnv(r->event_hash, "F", 1);
    r->event_hash = fuzz_fnv(r->event_hash, name, strlen(name) + 1);
    r->event_hash = fuzz_fnv(r->event_hash, value, n);
    return 0;
}

static int on_begin(void *ctx, const char *filename, const char *ctype)
{
    result_t *r = ctx;
    if (r->begun++) abort(); /* one file */
    r->event_hash = fuzz_fnv(r->event_hash, "B", 1);
    if (filename) r->event_hash = fuzz_fnv(r->event_hash, filename, strlen(filename) + 1);
    r->event_hash = fuzz_fnv(r->event_hash, ctype, strlen(ctype) + 1);
    return 0;
}

static int on_data(void *ctx, const char *p, size_t n)
{
    result_t *r = ctx;
    if (!r->begun || r->ended || n == 0) abort();
    r->data_hash = fuzz_fnv(r->data_hash, p, n);
    r->ndata += n;
    return 0;
}

static int on_end(void *ctx)
{
    result_t *r = ctx;
    if (!r->begun || r->ended++) abort();
    r->event_hash = fuzz_fnv(r->event_hash, "E", 1);
    return 0;
}

static const form_cb_t cb = {on_field, on_begin, on_data, on_end};

static int feed(void *ctx, const char *p, size_t n)
{
    result_t *r = ctx;
    return form_feed(r->parser, p, n);
}

static void finish(form_t *f, result_t *r)
{
    r->finish_rc = form_finish(f);
    if (r->feed_rc && r->finish_rc != r->feed_rc) abort();
    if ((r->finish_rc == FORM_OK) != (r->ended == 1)) abort();
    form_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const boundaries[] = {"xyz", "x\r\n--x", "-", "----WebKitFormBoundary"};
    if (size < 1) return 0;
    uint8_t mode = data[0];
    const char *boundary = boundaries[mode & 3];
    const uint8_t *s = data + 1;
    size_t n = size - 1;

    form_t f;
    result_t whole = {0}, cut = {0};
    form_init(&f, boundary, 64, &cb, &whole);
    whole.parser = &f;
    fuzz_feed_piece(feed, &whole, &whole.feed_rc, s, n);
    finish(&f, &whole);

    form_init(&f, boundary, 64, &cb, &cut);
    cut.parser = &f;
    fuzz_feed_cut(mode, feed, &cut, &cut.feed_rc, s, n);
    finish(&f, &cut);

    if (whole.feed_rc != cut.feed_rc || whole.finish_rc != cut.finish_rc ||
        whole.event_hash != cut.event_hash || whole.data_hash != cut.data_hash ||
        whole.ndata != cut.ndata) {
        fprintf(stderr, "whole %d/%d vs cut %d/%d, file %llu vs %llu bytes\n", whole.feed_rc,
                whole.finish_rc, cut.feed_rc, cut.finish_rc, (unsigned long long)whole.ndata,
                (unsigned long long)cut.ndata);
        abort();
    }
    return 0;
}
