/* shape — the body reader behind http_resp_shape: it reads the real answer's
 * body from another reader and delays, paces and cuts it as an
 * http_shape_t says (fault injection). It sleeps in the thread that calls it.
 * Internal to src/http/. */
#ifndef FAKES3_HTTP_SHAPE_H
#define FAKES3_HTTP_SHAPE_H

#include <stdint.h>
#include <sys/types.h>

#include "http/http.h"

typedef struct http_shaper http_shaper_t;

/* A shaper reading from src(src_ctx) (not owned), shaped as *shape (copied).
 * Never NULL; free with http_shaper_free. */
http_shaper_t *http_shaper_new(const http_shape_t *shape, http_reader_fn src, void *src_ctx);
/* libmicrohttpd's content reader over a shaper: bytes produced,
 * MHD_CONTENT_READER_END_OF_STREAM at the end, MHD_CONTENT_READER_END_WITH_ERROR
 * to close the connection (an error of src, after_head_reset, truncate_after). */
ssize_t http_shaper_read(void *shaper, uint64_t pos, char *out, size_t max);
void http_shaper_free(http_shaper_t *sh);

#endif
