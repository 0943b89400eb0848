/* The shaped body reader (fault injection): delays, pacing and cuts. */
#include "http/shape.h"

#include <microhttpd.h>
#include <stdlib.h>

#include "lib/util.h"

struct http_shaper {
    http_shape_t shape;
    http_reader_fn src;
    void *src_ctx;
    int64_t start_us; /* the first call: the head has gone out */
};

http_shaper_t *http_shaper_new(const http_shape_t *shape, http_reader_fn src, void *src_ctx)
{
    http_shaper_t *sh = xcalloc(1, sizeof *sh);
    sh->shape = *shape;
    sh->src = src;
    sh->src_ctx = src_ctx;
    return sh;
}

/* The sleeps below hold the worker thread that calls the reader: under
 * libmicrohttpd's thread pool (the default) every connection served by that
 * thread waits meanwhile, which is acceptable for injected faults (a test
 * asks for them); -l's thread-per-connection mode confines them. */
ssize_t http_shaper_read(void *shaper, uint64_t pos, char *out, size_t max)
{
    http_shaper_t *sh = shaper;
    const http_shape_t *s = &sh->shape;
    if (!sh->start_us) sh->start_us = util_mono_us();
    if (s->after_head_reset) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (s->truncate_after >= 0) {
        if (pos >= (uint64_t)s->truncate_after) {
            /* A body no longer than the cut ends as it would (a body of
             * known length never gets here: it is complete). */
            char probe;
            return sh->src(sh->src_ctx, pos, &probe, 1) == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                                                             : MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (max > (uint64_t)s->truncate_after - pos)
            max = (size_t)((uint64_t)s->truncate_after - pos);
    }
    if (s->rate_bps > 0) {
        /* A tenth of a second's worth at a time, as -l paces. */
        size_t slice = s->rate_bps >= 10 ? (size_t)(s->rate_bps / 10) : 1;
        if (max > slice) max = slice;
    }
    if (s->body_delay_ms) util_sleep_us((int64_t)s->body_delay_ms * 1000);
    ssize_t n = sh->src(sh->src_ctx, pos, out, max);
    if (n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (s->rate_bps > 0) {
        /* These bytes are due when the rate allows them all. */
        int64_t due = sh->start_us + (int64_t)((double)(pos + (uint64_t)n) * 1e6 / s->rate_bps);
        int64_t now = util_mono_us();
        if (due > now) util_sleep_us(due - now);
    }
    return n;
}

void http_shaper_free(http_shaper_t *sh)
{
    free(sh);
}
