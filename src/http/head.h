/* head — RFC 9112 checks of a request head as libmicrohttpd 0.9.75 parsed it.
 *
 * libmicrohttpd is lenient where RFC 9112 asks a server to refuse: it keeps
 * the first of two different Content-Lengths (the rest of the bytes then
 * read as a second, smuggled request), joins a folded line onto the field
 * NAME, keeps a bare CR or other control bytes in a value, takes any uint64
 * as a length (UINT64_MAX being its own "unknown") and any Transfer-Encoding
 * value other than "chunked" as a body of unknown length with no framing.
 * http_head_check finds all of these before the application sees the head. */
#ifndef FAKES3_HTTP_HEAD_H
#define FAKES3_HTTP_HEAD_H

#include <microhttpd.h>
#include <stdint.h>

#include "http/http.h"

/* Check the head of the request on c. 0 when it may go on, with
 * *content_length (-1 when absent) and *chunked filled; else why to refuse
 * it. max_head bounds the sum of the fields' name and value lengths (S3's
 * way of counting; 0: no bound). */
http_reject_t http_head_check(struct MHD_Connection *c, unsigned max_head, int64_t *content_length,
                              int *chunked);

#endif
