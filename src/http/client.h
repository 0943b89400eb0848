/* client — a tiny HTTP/1.1 client over a plain socket.
 *
 * One request per connection ("Connection: close"), http:// URLs only (no
 * TLS), and one deadline for the whole exchange: connecting, sending and
 * reading the answer's status line. The answer's body is read and dropped
 * until the server closes, the deadline passes or 64 KiB came, so that the
 * server is not cut off mid-write; http_client_fetch keeps it instead. It
 * serves the --probe health check, the event notification webhooks
 * (s3/notify.c) and `fakes3 ctl` (cli/ctlcli.c); it knows nothing of S3.
 *
 * A host is an address literal (IPv4, or IPv6 in brackets) or "localhost";
 * other names are looked up with getaddrinfo only when the request allows
 * it (a scratch container image has no resolver). */
#ifndef FAKES3_HTTP_CLIENT_H
#define FAKES3_HTTP_CLIENT_H

#include <stddef.h>

struct buf;

typedef struct http_client_req {
    const char *method;         /* "GET", "POST", ... */
    const char *url;            /* http://host[:port][/path?query] */
    const char *const *headers; /* extra "Name: value" lines, NULL-ended; may be NULL */
    const char *body;           /* may be NULL when body_len is 0 */
    size_t body_len;            /* sent with Content-Length when the method is not GET/HEAD */
    int timeout_ms;             /* for the whole exchange */
    int resolve;                /* look host names up (getaddrinfo); 0: literals only */
} http_client_req_t;

enum {
    HTTP_CLIENT_OK = 0,
    HTTP_CLIENT_EFAIL = -1, /* no connection, timeout, closed early, malformed answer */
    HTTP_CLIENT_EURL = -2,  /* not a URL this client can use */
};

/* Send req and read the answer's status line: HTTP_CLIENT_OK with *status
 * (any status), or an HTTP_CLIENT_E* code with the reason in err. */
int http_client_send(const http_client_req_t *req, int *status, char *err, size_t errlen);
/* As http_client_send, and the answer's body (its Content-Length, or up to
 * the server's close) appended to answer, its head (the status line and
 * header lines with their CRLFs) to head unless NULL. HTTP_CLIENT_EFAIL also
 * when the body is larger than max bytes, cut short, or chunked (not supported). */
int http_client_fetch(const http_client_req_t *req, int *status, struct buf *head,
                      struct buf *answer, size_t max, char *err, size_t errlen);

#endif
