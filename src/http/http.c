#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/head.h"
#include "http/shape.h"
#include "http/watchdog.h"
#include "lib/clock.h"
#include "lib/util.h"

enum body_kind { BODY_NONE, BODY_BUF, BODY_FD, BODY_READER };

struct http_header {
    char *name, *value;
};

struct http_response {
    int status;
    struct http_header *hdr;
    size_t nhdr, caphdr;
    enum body_kind kind;
    buf_t buf;
    int fd;
    uint64_t off, len;
    http_reader_fn reader;
    void *reader_ctx;
    void (*reader_free)(void *);
    uint64_t produced; /* by the reader */
    int ready;
    int abort;             /* close instead of answering */
    http_shape_t *shape;   /* NULL: as is (the common case costs one test) */
    http_shaper_t *shaper; /* shape's reader, once queued */
    /* http_resp_defer: answered later by another thread; suspended and
     * resumed are guarded by the server's defer_mu */
    int deferred, suspended, resumed;
    void (*on_queue)(void *, const http_response_t *); /* http_resp_on_queue */
    void *on_queue_ctx;
};

/* One per connection, from libmicrohttpd's STARTED notice to CLOSED: it owns
 * the request being read, so that a request libmicrohttpd drops without
 * NOTIFY_COMPLETED is still released, and its watchdog entry is armed while
 * a request head is awaited (from accept, and after each exchange). */
struct http_conn {
    http_server_t *srv;
    int busy; /* opened past max_connections */
    struct http_request *req;
    http_wd_entry_t wd; /* armed while a request head is awaited */
};

struct http_request {
    http_server_t *srv;
    struct http_conn *hc;
    struct MHD_Connection *conn;
    char *target; /* raw, as received */
    const char *method;
    int64_t start_us;
    int64_t content_length;
    int chunked;
    int started, queued, counted;
    int app_owned; /* begin or reject ran: done is owed */
    int ended;     /* end ran */
    void *rctx;
    http_response_t resp;
};

struct http_server {
    struct MHD_Daemon *d;
    http_handler_t h;
    void *app;
    atomic_int inflight; /* requests whose head is read */
    atomic_int open;     /* connections */
    unsigned max_conns, max_head;
    unsigned port;
    int tls;
    int listener; /* the app's tag */
    char *cert, *key;
    http_wd_t *wd; /* head deadlines */
    int quiesced;  /* no longer accepting */
    /* orders a deferred answer's suspension against its resumption */
    pthread_mutex_t defer_mu;
};

/* ---- responses ---- */

static void resp_init(http_response_t *r)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
    r->fd = -1;
}

static void resp_clear_body(http_response_t *r)
{
    buf_free(&r->buf);
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
    if (r->reader_free) r->reader_free(r->reader_ctx);
    r->reader_free = NULL;
    r->reader = NULL;
    r->kind = BODY_NONE;
}

static void resp_free(http_response_t *r)
{
    resp_clear_body(r);
    for (size_t i = 0; i < r->nhdr; i++) {
        free(r->hdr[i].name);
        free(r->hdr[i].value);
    }
    free(r->hdr);
    free(r->shape);
    http_shaper_free(r->shaper);
}

void http_resp_status(http_response_t *resp, int status)
{
    resp->status = status;
}

void http_resp_header(http_response_t *resp, const char *name, const char *value)
{
    if (resp->nhdr == resp->caphdr) {
        resp->caphdr = resp->caphdr ? 2 * resp->caphdr : 16;
        resp->hdr = xrealloc(resp->hdr, resp->caphdr * sizeof *resp->hdr);
    }
    resp->hdr[resp->nhdr].name = xstrdup(name);
    resp->hdr[resp->nhdr].value = xstrdup(value);
    resp->nhdr++;
}

void http_resp_body_buf(http_response_t *resp, buf_t *b)
{
    resp_clear_body(resp);
    resp->kind = BODY_BUF;
    resp->buf = *b;
    resp->len = b->len;
    *b = (buf_t)BUF_INIT;
}

void http_resp_body_fd(http_response_t *resp, int fd, uint64_t off, uint64_t len)
{
    resp_clear_body(resp);
    resp->kind = BODY_FD;
    resp->fd = fd;
    resp->off = off;
    resp->len = len;
}

void http_resp_body_reader(http_response_t *resp, uint64_t len, http_reader_fn fn, void *ctx,
                           void (*free_fn)(void *))
{
    resp_clear_body(resp);
    resp->kind = BODY_READER;
    resp->len = len;
    resp->reader = fn;
    resp->reader_ctx = ctx;
    resp->reader_free = free_fn;
}

void http_resp_shape(http_response_t *resp, const http_shape_t *shape)
{
    if (!resp->shape) resp->shape = xmalloc(sizeof *resp->shape);
    *resp->shape = *shape;
}

void http_resp_abort(http_response_t *resp)
{
    resp->abort = 1;
}

int http_resp_is_aborted(const http_response_t *resp)
{
    return resp->abort;
}

void http_resp_ready(http_response_t *resp)
{
    resp->ready = 1;
}

int http_resp_is_ready(const http_response_t *resp)
{
    return resp->ready;
}

void http_resp_each_header(const http_response_t *resp,
                           int (*fn)(void *, const char *, const char *), void *ctx)
{
    for (size_t i = 0; i < resp->nhdr; i++)
        if (fn(ctx, resp->hdr[i].name, resp->hdr[i].value)) return;
}

void http_resp_on_queue(http_response_t *resp, void (*fn)(void *ctx, const http_response_t *resp),
                        void *ctx)
{
    resp->on_queue = fn;
    resp->on_queue_ctx = ctx;
}

void http_resp_defer(http_response_t *resp)
{
    resp->deferred = 1;
}

void http_resp_resume(http_response_t *resp)
{
    struct http_request *r =
        (struct http_request *)(void *)((char *)resp - offsetof(struct http_request, resp));
    http_server_t *s = r->srv;
    pthread_mutex_lock(&s->defer_mu);
    resp->resumed = 1;
    /* Not yet suspended: the worker still in on_access sees resumed and
     * queues the answer itself. */
    if (resp->suspended) MHD_resume_connection(r->conn);
    pthread_mutex_unlock(&s->defer_mu);
}

int http_resp_get_status(const http_response_t *resp)
{
    return resp->status;
}

uint64_t http_resp_body_len(const http_response_t *resp)
{
    switch (resp->kind) {
    case BODY_BUF:
    case BODY_FD:
    case BODY_READER: return resp->len == HTTP_LEN_UNKNOWN ? resp->produced : resp->len;
    default: return 0;
    }
}

/* ---- requests ---- */

const char *http_req_method(const http_request_t *r)
{
    return r->method;
}

const char *http_req_target(const http_request_t *r)
{
    return r->target;
}

const char *http_req_header(const http_request_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct each_ctx {
    int (*fn)(void *, const char *, const char *);
    void *ctx;
};

static enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    (void)kind;
    struct each_ctx *e = cls;
    return e->fn(e->ctx, k, v ? v : "") ? MHD_NO : MHD_YES;
}

void http_req_each_header(const http_request_t *r, int (*fn)(void *, const char *, const char *),
                          void *ctx)
{
    struct each_ctx e = {fn, ctx};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, each_header, &e);
}

int64_t http_req_content_length(const http_request_t *r)
{
    return r->content_length;
}

int http_req_has_body(const http_request_t *r)
{
    return r->chunked || r->content_length > 0;
}

int64_t http_req_start_us(const http_request_t *r)
{
    return r->start_us;
}

const char *http_req_peer(const http_request_t *r, char *out, size_t outlen)
{
    if (outlen) out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || !outlen) return out;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outlen);
    return out;
}

int http_req_is_tls(const http_request_t *r)
{
    return r->srv->tls;
}

int http_req_listener(const http_request_t *r)
{
    return r->srv->listener;
}

static void req_release(struct http_request *r);

/* libmicrohttpd's per-connection memory: half is the read buffer, the rest
 * holds the parsed fields (about 36 bytes each, query parameters included)
 * and the response head. A head that does not fit gets libmicrohttpd's own
 * HTML 414/431 (a header line past about 28 KiB), or no answer at all (a
 * query of more than about 450 parameters: 0.9.75 ignores the failure of
 * MHD_parse_arguments_ and overwrites its own 431 state); either way the
 * request is released at CLOSED. 64 KiB would take about 900 parameters, but
 * libmicrohttpd zeroes the whole pool before each request of a kept-alive
 * connection, and that cost a small GET 1.8 us of CPU (25.2 against 23.4 us,
 * +8%; median of 12 interleaved wrk runs): not worth it for such queries. */
#define HTTP_POOL_BYTES (32 * 1024)

/* ---- libmicrohttpd callbacks ---- */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct http_conn *hc = xcalloc(1, sizeof *hc);
        hc->srv = s;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        hc->wd.fd = ci ? ci->connect_fd : -1;
        int open = atomic_fetch_add(&s->open, 1) + 1;
        hc->busy = s->max_conns && (unsigned)open > s->max_conns;
        *socket_context = hc;
        /* From accept: a client that never sends a head is cut too. */
        if (hc->wd.fd >= 0) {
            http_wd_arm(s->wd, &hc->wd);
            http_wd_add(s->wd, &hc->wd);
        }
        return;
    }
    struct http_conn *hc = *socket_context;
    if (!hc) return;
    if (hc->wd.fd >= 0) http_wd_remove(s->wd, &hc->wd);
    if (hc->req) {
        /* libmicrohttpd gave up on it without NOTIFY_COMPLETED (a head it
         * could not hold, a client gone mid-head): release it here. */
        struct http_request *r = hc->req;
        if (!r->queued) r->resp.status = 499;
        req_release(r);
    }
    free(hc);
    *socket_context = NULL;
    atomic_fetch_sub(&s->open, 1);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    http_server_t *s = cls;
    struct http_request *r = xcalloc(1, sizeof *r);
    r->srv = s;
    r->conn = c;
    r->target = xstrdup(uri ? uri : "/");
    r->start_us = util_mono_us();
    r->content_length = -1;
    resp_init(&r->resp);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->hc = ci ? ci->socket_context : NULL;
    if (r->hc) {
        if (r->hc->req) req_release(r->hc->req); /* cannot happen: one request at a time */
        r->hc->req = r;
    }
    return r;
}

static ssize_t reader_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    http_response_t *resp = cls;
    ssize_t n = resp->reader(resp->reader_ctx, pos, buf, max);
    if (n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    resp->produced += (uint64_t)n;
    return n;
}

/* The body of rs, whatever its kind, as a reader: for a shaped answer. */
static ssize_t body_source(void *ctx, uint64_t pos, char *out, size_t max)
{
    http_response_t *rs = ctx;
    if (rs->kind != BODY_READER && pos >= rs->len) return 0;
    if (rs->kind != BODY_READER && max > rs->len - pos) max = (size_t)(rs->len - pos);
    switch (rs->kind) {
    case BODY_BUF: memcpy(out, rs->buf.p + pos, max); return (ssize_t)max;
    case BODY_FD: {
        ssize_t n = pread(rs->fd, out, max, (off_t)(rs->off + pos));
        return n == 0 ? -1 : n; /* the file is shorter than said */
    }
    case BODY_READER: {
        ssize_t n = rs->reader(rs->reader_ctx, pos, out, max);
        if (n > 0) rs->produced += (uint64_t)n;
        return n;
    }
    default: return 0;
    }
}

/* A fault rule's answer: the head as is, the body through the shaper.
 * The response struct outlives libmicrohttpd's use of it, as below. */
static struct MHD_Response *shaped(struct http_request *r, http_response_t *rs)
{
    rs->shaper = http_shaper_new(rs->shape, body_source, rs);
    uint64_t len = rs->kind == BODY_NONE ? 0 : rs->len;
    /* No body goes out to call the shaper: the close comes after the head. */
    if (rs->shape->after_head_reset && (len == 0 || strcmp(r->method, "HEAD") == 0))
        http_resp_header(rs, "Connection", "close");
    return MHD_create_response_from_callback(len == HTTP_LEN_UNKNOWN ? MHD_SIZE_UNKNOWN : len,
                                             64 * 1024, http_shaper_read, rs->shaper, NULL);
}

/* The Date header's value by the server's clock (which the control namespace
 * moves), formatted at most once a second per thread. */
static const char *date_now(void)
{
    static _Thread_local int64_t cached_s = INT64_MIN;
    static _Thread_local char cached[30];
    int64_t ms = clock_now_ms();
    int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    if (sec != cached_s) {
        util_http_date(ms, cached);
        cached_s = sec;
    }
    return cached;
}

static enum MHD_Result queue(struct http_request *r)
{
    http_response_t *rs = &r->resp;
    struct MHD_Response *m = NULL;
    r->queued = 1;
    /* Closing without an answer: libmicrohttpd drops the connection and
     * reports the request terminated, so done still runs once. */
    if (rs->abort) return MHD_NO;
    if (rs->on_queue) rs->on_queue(rs->on_queue_ctx, rs);
    if (rs->shape)
        m = shaped(r, rs);
    else
        switch (rs->kind) {
        case BODY_BUF:
            m = MHD_create_response_from_buffer(rs->buf.len, rs->buf.p, MHD_RESPMEM_MUST_FREE);
            if (m) rs->buf = (buf_t)BUF_INIT;
            break;
        case BODY_FD:
            m = MHD_create_response_from_fd_at_offset64(rs->len, rs->fd, rs->off);
            if (m) rs->fd = -1; /* libmicrohttpd closes it */
            break;
        case BODY_READER:
            /* The response struct lives until the request is done, which is after
             * libmicrohttpd stops reading from it. */
            m = MHD_create_response_from_callback(rs->len == HTTP_LEN_UNKNOWN ? MHD_SIZE_UNKNOWN
                                                                              : rs->len,
                                                  64 * 1024, reader_cb, rs, NULL);
            break;
        default: m = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT); break;
        }
    if (!m) return MHD_NO;
    int has_date = 0;
    for (size_t i = 0; i < rs->nhdr; i++) {
        if ((rs->hdr[i].name[0] | 0x20) == 'd' && strcasecmp(rs->hdr[i].name, "Date") == 0)
            has_date = 1;
        /* libmicrohttpd refuses an empty value; one space is optional
         * whitespace that every client reads as the empty value. */
        const char *v = *rs->hdr[i].value ? rs->hdr[i].value : " ";
        if (MHD_add_response_header(m, rs->hdr[i].name, v) != MHD_YES) {
            util_err("fakes3: http: cannot send header %s (%zu bytes); closing", rs->hdr[i].name,
                     strlen(rs->hdr[i].value));
            MHD_destroy_response(m);
            return MHD_NO;
        }
    }
    /* libmicrohttpd adds a Date from the system clock unless the response
     * has one: ours comes from the server's clock, once (straight onto the
     * libmicrohttpd response: no copies on the hot path). */
    if (!has_date && MHD_add_response_header(m, "Date", date_now()) != MHD_YES) {
        MHD_destroy_response(m);
        return MHD_NO;
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)rs->status, m);
    MHD_destroy_response(m);
    return ret;
}

/* What RFC 9112 and our limits say of the head; 0 when it may go on. */
static http_reject_t check_head(struct http_request *r)
{
    if (r->hc && r->hc->busy) return HTTP_REJECT_BUSY;
    return http_head_check(r->conn, r->srv->max_head, &r->content_length, &r->chunked);
}

static void req_release(struct http_request *r)
{
    http_server_t *s = r->srv;
    if (r->hc && r->hc->req == r) r->hc->req = NULL;
    if (r->app_owned) s->h.done(r->rctx, r, &r->resp);
    resp_free(&r->resp);
    free(r->target);
    if (r->counted) atomic_fetch_sub(&s->inflight, 1);
    free(r);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **req_cls)
{
    (void)version;
    http_server_t *s = cls;
    struct http_request *r = *req_cls;
    if (!r) r = *req_cls = on_uri(s, url, c);
    if (!r->started) {
        r->started = 1;
        r->conn = c;
        r->method = method;
        /* The head is in: its deadline is met, and a stop now waits for it. */
        if (r->hc) http_wd_disarm(&r->hc->wd);
        r->counted = 1;
        atomic_fetch_add(&s->inflight, 1);
        http_reject_t why = check_head(r);
        if (why) {
            r->app_owned = s->h.reject != NULL;
            if (s->h.reject)
                r->rctx = s->h.reject(s->app, r, why, &r->resp);
            else
                http_resp_status(&r->resp, why == HTTP_REJECT_BUSY             ? 503
                                           : why == HTTP_REJECT_TE_UNSUPPORTED ? 501
                                                                               : 400);
            http_resp_header(&r->resp, "Connection", "close");
            http_resp_ready(&r->resp);
            return queue(r);
        }
        r->app_owned = 1;
        r->rctx = s->h.begin(s->app, r, &r->resp);
        /* Answering on the first call makes libmicrohttpd close the
         * connection; that is right only when a body would be skipped. */
        if (r->resp.ready && http_req_has_body(r)) return queue(r);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->queued || r->resp.ready) return MHD_YES;
        if (s->h.body(r->rctx, upload_data, n, &r->resp) && !r->resp.ready) {
            http_resp_status(&r->resp, 500);
            http_resp_ready(&r->resp);
        }
        /* libmicrohttpd refuses a response while it is still receiving the
         * body: the rest is read and dropped, the answer goes at the end. */
        return MHD_YES;
    }
    if (r->queued) return MHD_YES;
    if (!r->ended) {
        r->ended = 1;
        if (!r->resp.ready) s->h.end(r->rctx, &r->resp);
    }
    if (r->resp.deferred) {
        /* Another thread answers: the connection waits without holding
         * this worker (which serves other connections meanwhile), and
         * libmicrohttpd calls again once it is resumed. */
        pthread_mutex_lock(&s->defer_mu);
        int answered = r->resp.resumed;
        if (!answered && !r->resp.suspended) {
            MHD_suspend_connection(c);
            r->resp.suspended = 1;
        }
        pthread_mutex_unlock(&s->defer_mu);
        if (!answered) return MHD_YES;
    }
    if (!r->resp.ready) {
        http_resp_status(&r->resp, 500);
        http_resp_ready(&r->resp);
    }
    return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    http_server_t *s = cls;
    struct http_request *r = *req_cls;
    if (!r) return;
    *req_cls = NULL;
    struct http_conn *hc = r->hc;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->queued)
        r->resp.status = 499; /* the client went away before it was answered */
    req_release(r);
    /* A kept-alive connection now awaits its next head. */
    if (hc && hc->wd.fd >= 0 && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        http_wd_arm(s->wd, &hc->wd);
}

static void on_panic(void *cls, const char *file, unsigned line, const char *reason)
{
    (void)cls;
    util_err("fakes3: libmicrohttpd panic at %s:%u: %s", file ? file : "?", line,
             reason ? reason : "");
    abort();
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (util_log_quiet) return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    util_log("http: %s", msg);
}

http_server_t *http_start(const http_options_t *opt, const http_handler_t *h, void *app, char *err,
                          size_t errlen)
{
    http_server_t *s = xcalloc(1, sizeof *s);
    s->h = *h;
    s->app = app;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->open, 0);
    s->max_conns = opt->max_connections ? opt->max_connections : 1000;
    s->max_head = opt->max_head_bytes;
    s->listener = opt->listener;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    /* poll, not epoll: libmicrohttpd 0.9.75's edge-triggered epoll loop can
     * miss the end of a connection whose client sent part of a body and
     * closed, leaving it in CLOSE-WAIT forever (found by the integration
     * test test_five_gib_exactly_is_accepted_then_abandoned). */
    unsigned flags =
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    pthread_mutex_init(&s->defer_mu, NULL);
    const char *addr = opt->address && *opt->address ? opt->address : "0.0.0.0";
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)opt->port);
        if (inet_pton(AF_INET6, addr, &a6->sin6_addr) != 1) goto bad_addr;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)opt->port);
        if (inet_pton(AF_INET, addr, &a4->sin_addr) != 1) goto bad_addr;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = opt->threads ? opt->threads : (unsigned)(ncpu > 0 ? ncpu : 1);
    struct MHD_OptionItem ops[20];
    int i = 0;
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 300, NULL};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_POOL_BYTES, NULL};
    /* Past max_conns a connection is still taken, to be answered 503; past
     * this, libmicrohttpd closes new ones at once (its default, FD_SETSIZE
     * - 4 = 1020, is what locked everybody out). */
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                       s->max_conns + s->max_conns / 8 + 16, NULL};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    if (opt->thread_per_connection)
        flags |= MHD_USE_THREAD_PER_CONNECTION;
    else if (threads > 1)
        ops[i++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
    if (opt->tls_cert_pem && opt->tls_key_pem) {
        flags |= MHD_USE_TLS;
        s->tls = 1;
        s->cert = xstrdup(opt->tls_cert_pem);
        s->key = xstrdup(opt->tls_key_pem);
        ops[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert};
        ops[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->key};
    }
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    MHD_set_panic_func(on_panic, NULL);
    /* libmicrohttpd's idle timeout counts only silence: a head sent a byte at
     * a time would hold its connection for ever. */
    s->wd = http_wd_start((int64_t)(opt->head_timeout_ms ? opt->head_timeout_ms : 30000) * 1000);
    if (!s->wd) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
        goto fail;
    }
    s->d = MHD_start_daemon(flags, (uint16_t)opt->port, NULL, NULL, on_access, s, MHD_OPTION_ARRAY,
                            ops, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", addr, opt->port,
                 errno ? strerror(errno) : "libmicrohttpd refused the options");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opt->port;
    return s;
bad_addr:
    snprintf(err, errlen, "bad listen address '%s'", addr);
fail:
    http_wd_stop(s->wd);
    pthread_mutex_destroy(&s->defer_mu);
    free(s->cert);
    free(s->key);
    free(s);
    return NULL;
}

unsigned http_port(const http_server_t *s)
{
    return s->port;
}

void http_stats(const http_server_t *s, http_stats_t *out)
{
    /* The counters are the ones the server keeps for itself (stop, busy). */
    http_server_t *w = (http_server_t *)s;
    int n = atomic_load_explicit(&w->inflight, memory_order_relaxed);
    int c = atomic_load_explicit(&w->open, memory_order_relaxed);
    out->in_flight = n > 0 ? (unsigned)n : 0;
    out->open_connections = c > 0 ? (unsigned)c : 0;
}

void http_quiesce(http_server_t *s)
{
    if (!s || s->quiesced) return;
    s->quiesced = 1;
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
}

void http_stop(http_server_t *s, int grace_ms)
{
    if (!s) return;
    http_quiesce(s);
    for (int waited = 0; atomic_load(&s->inflight) > 0 && waited < grace_ms; waited += 10)
        usleep(10 * 1000);
    MHD_stop_daemon(s->d);
    http_wd_stop(s->wd);
    pthread_mutex_destroy(&s->defer_mu);
    free(s->cert);
    free(s->key);
    free(s);
}
