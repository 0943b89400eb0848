/* http — the one adapter over libmicrohttpd.
 *
 * It owns the listening socket, the worker threads, TLS, keep-alive,
 * HTTP/1.1 chunked request bodies and "Expect: 100-continue". It turns
 * libmicrohttpd's callbacks into four calls on an http_handler_t: begin
 * (head read), body (zero or more pieces, already de-chunked), end (the body
 * is complete) and done (the exchange is over; free everything). It knows
 * nothing of S3.
 *
 * A response is a status, headers and one body: none, a buffer, a file
 * descriptor range (sent with sendfile where possible) or a reader callback.
 * For HEAD requests libmicrohttpd sends the headers with the body's length
 * and no body.
 *
 * Hostile input stops here: a head that RFC 9112 forbids (two different
 * Content-Lengths, a folded or malformed header line, a CR or other control
 * byte in a value), a transfer coding other than chunked, a header section
 * past max_head_bytes, or a connection past max_connections is refused
 * through the handler's reject callback before begin, so that the
 * application answers in its own format; the connection is then closed.
 * Each connection gets head_timeout_ms to send a request head (from accept,
 * or from the end of its previous exchange); past it, the socket is shut
 * down. Everything a request holds is released however the connection ends. */
#ifndef FAKES3_HTTP_H
#define FAKES3_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"

typedef struct http_request http_request_t;
typedef struct http_response http_response_t;
typedef struct http_server http_server_t;

/* Reader for streamed bodies: fill up to max bytes at pos into out; return
 * the count (> 0), 0 at the end, or -1 on error (the connection is closed). */
typedef ssize_t (*http_reader_fn)(void *ctx, uint64_t pos, char *out, size_t max);

/* Why the adapter refuses a request before the application sees it. */
typedef enum http_reject {
    HTTP_REJECT_MALFORMED = 1,  /* framing or header syntax RFC 9112 forbids: 400 */
    HTTP_REJECT_HEAD_TOO_LARGE, /* header fields past max_head_bytes: 400 */
    HTTP_REJECT_TE_UNSUPPORTED, /* a transfer coding other than chunked: 501 */
    HTTP_REJECT_BUSY,           /* past max_connections: 503 */
} http_reject_t;

typedef struct http_handler {
    /* The head is read. Return the per-request context (owned by the app,
     * freed in done). Filling the response here (http_resp_ready) answers at
     * once and skips any body, which closes the connection if one was sent. */
    void *(*begin)(void *app, http_request_t *req, http_response_t *resp);
    /* A piece of the body. Return 0 to go on, non-zero once resp is ready: the
     * rest of the body is then read and dropped, and resp sent at its end. */
    int (*body)(void *rctx, const char *data, size_t n, http_response_t *resp);
    /* The body is complete (or there was none): fill resp. */
    void (*end)(void *rctx, http_response_t *resp);
    /* The exchange is over (sent, failed or aborted): free rctx. Called once
     * for each begin or reject; a request dropped before its head was read
     * reaches neither, nor done. */
    void (*done)(void *rctx, const http_request_t *req, const http_response_t *resp);
    /* Instead of begin, for a request the adapter refuses: fill resp (status,
     * headers, body; it goes out with "Connection: close") and return the
     * per-request context, freed in done. NULL: a bare status line. */
    void *(*reject)(void *app, http_request_t *req, http_reject_t why, http_response_t *resp);
} http_handler_t;

typedef struct http_options {
    const char *address; /* IPv4 or IPv6 literal; NULL means 0.0.0.0 */
    unsigned port;
    unsigned threads;                       /* 0: one per core */
    int thread_per_connection;              /* instead: a thread each, for blocking readers */
    const char *tls_cert_pem, *tls_key_pem; /* both or neither; PEM text */
    unsigned max_connections;               /* past it, requests are refused (BUSY); 0: 1000 */
    unsigned head_timeout_ms;               /* to send a request head; 0: 30 s */
    unsigned max_head_bytes;                /* names + values of the header fields; 0: no limit */
    /* The application's tag for this listener, told back by
     * http_req_listener: servers started with the same handler and app can
     * serve different things (0 by default). */
    int listener;
} http_options_t;

/* Start serving; NULL on failure with a message in err. */
http_server_t *http_start(const http_options_t *opt, const http_handler_t *h, void *app, char *err,
                          size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned http_port(const http_server_t *s);
/* A listener's load right now (for metrics): requests whose head was read
 * and whose exchange is not over, and open client connections. */
typedef struct http_stats {
    unsigned in_flight, open_connections;
} http_stats_t;
/* Read s's counts into *out (relaxed atomic loads: no lock). */
void http_stats(const http_server_t *s, http_stats_t *out);
/* Stop accepting new connections (idempotent); requests in flight go on. */
void http_quiesce(http_server_t *s);
/* Stop accepting, wait up to grace_ms for requests in flight, then stop and free. */
void http_stop(http_server_t *s, int grace_ms);

/* Health probe: one GET of an http:// URL with an address literal. Returns 0
 * when it answers 200-499 within timeout_ms, 1 otherwise, 2 for a bad URL;
 * err says why. */
int http_probe(const char *url, int timeout_ms, char *err, size_t errlen);

/* Request accessors: strings are owned by the request and live until done. */
const char *http_req_method(const http_request_t *r);
/* The request target exactly as received, e.g. "/b/a%20b?list-type=2". */
const char *http_req_target(const http_request_t *r);
/* A header's value (case-insensitive name); NULL if absent. */
const char *http_req_header(const http_request_t *r, const char *name);
/* Visit every header in arrival order; stop early when fn returns non-zero. */
void http_req_each_header(const http_request_t *r, int (*fn)(void *, const char *, const char *),
                          void *ctx);
/* Declared Content-Length, or -1 when absent. */
int64_t http_req_content_length(const http_request_t *r);
/* Whether a body follows (Content-Length > 0 or chunked). */
int http_req_has_body(const http_request_t *r);
/* Monotonic start time in microseconds. */
int64_t http_req_start_us(const http_request_t *r);
/* Whether the connection is TLS. */
int http_req_is_tls(const http_request_t *r);
/* The listener tag (http_options_t.listener) of the server it came to. */
int http_req_listener(const http_request_t *r);
/* The client's address as text ("127.0.0.1", "::1") into out; "" when
 * unknown. Returns out. */
const char *http_req_peer(const http_request_t *r, char *out, size_t outlen);

/* Response building: names and values are copied. */
void http_resp_status(http_response_t *resp, int status);
void http_resp_header(http_response_t *resp, const char *name, const char *value);
/* Take ownership of b's bytes as the body. */
void http_resp_body_buf(http_response_t *resp, buf_t *b);
/* Take ownership of fd; send len bytes from off. */
void http_resp_body_fd(http_response_t *resp, int fd, uint64_t off, uint64_t len);
/* Stream len bytes from a reader; free_fn(ctx) is called when done. With
 * len HTTP_LEN_UNKNOWN the body ends when the reader returns 0: HTTP/1.1
 * clients get it chunked, HTTP/1.0 ones until the connection closes. The
 * reader may block; the worker thread that calls it waits meanwhile. */
#define HTTP_LEN_UNKNOWN UINT64_MAX
void http_resp_body_reader(http_response_t *resp, uint64_t len, http_reader_fn fn, void *ctx,
                           void (*free_fn)(void *));
/* Fault injection (the control namespace's fault rules). How the real answer
 * goes out: after_head_reset closes the connection right after the head;
 * otherwise its body (whatever its kind) is streamed through a reader that
 * sleeps body_delay_ms before each piece, paces to rate_bps (0: no limit)
 * and, with truncate_after >= 0, closes the connection after that many body
 * bytes (the declared Content-Length is kept: the client sees a short body).
 * The sleeps block the worker thread that sends the body: under the thread
 * pool, every other connection of that thread waits too (-l's
 * thread_per_connection mode gives each connection its own thread). */
typedef struct http_shape {
    int after_head_reset;
    int64_t truncate_after; /* -1: the whole body */
    unsigned body_delay_ms;
    double rate_bps;
} http_shape_t;
/* Shape resp's body as *shape says (copied); may come before or after the body is set. */
void http_resp_shape(http_response_t *resp, const http_shape_t *shape);
/* Send nothing: when the answer would go out, close the connection instead
 * (a reset before the head). The application's done still runs once. */
void http_resp_abort(http_response_t *resp);
int http_resp_is_aborted(const http_response_t *resp);
/* Mark the response complete; the adapter sends it at the next chance. */
void http_resp_ready(http_response_t *resp);
int http_resp_is_ready(const http_response_t *resp);
int http_resp_get_status(const http_response_t *resp);
/* Visit the headers set so far in order; stop early when fn returns non-zero. */
void http_resp_each_header(const http_response_t *resp,
                           int (*fn)(void *, const char *, const char *), void *ctx);
/* Call fn(ctx, resp) once, on the worker thread, just before the ready answer
 * is handed to libmicrohttpd: its client can have none of it before. */
void http_resp_on_queue(http_response_t *resp, void (*fn)(void *ctx, const http_response_t *resp),
                        void *ctx);
/* Answer later from another thread: called in end instead of filling resp.
 * The connection then waits without holding a worker thread until
 * http_resp_resume; done comes after. The application must resume every
 * deferred response before http_stop. */
void http_resp_defer(http_response_t *resp);
/* Send a deferred resp, now filled and ready; any thread. resp may be gone
 * as soon as this returns. */
void http_resp_resume(http_response_t *resp);
/* Body bytes queued (0 for HEAD-less bodies of none); for a body of
 * unknown length, the bytes its reader produced. */
uint64_t http_resp_body_len(const http_response_t *resp);

#endif
