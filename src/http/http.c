#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
};

struct http_request {
    http_server_t *srv;
    struct MHD_Connection *conn;
    char *target; /* raw, as received */
    const char *method;
    int64_t start_us;
    int64_t content_length;
    int chunked;
    int started, queued;
    void *rctx;
    http_response_t resp;
};

struct http_server {
    struct MHD_Daemon *d;
    http_handler_t h;
    void *app;
    atomic_int inflight;
    unsigned port;
    int tls;
    char *cert, *key;
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

void http_resp_ready(http_response_t *resp)
{
    resp->ready = 1;
}

int http_resp_is_ready(const http_response_t *resp)
{
    return resp->ready;
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

/* ---- libmicrohttpd callbacks ---- */

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
    atomic_fetch_add(&s->inflight, 1);
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

static enum MHD_Result queue(struct http_request *r)
{
    http_response_t *rs = &r->resp;
    struct MHD_Response *m = NULL;
    r->queued = 1;
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
    for (size_t i = 0; i < rs->nhdr; i++)
        MHD_add_response_header(m, rs->hdr[i].name, rs->hdr[i].value);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)rs->status, m);
    MHD_destroy_response(m);
    return ret;
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
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            long long v = strtoll(cl, &end, 10);
            if (!errno && end != cl && *end == '\0' && v >= 0) r->content_length = v;
        }
        const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
        r->chunked = te && strcasestr(te, "chunked") != NULL;
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
    if (!r->resp.ready) s->h.end(r->rctx, &r->resp);
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
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->queued)
        r->resp.status = 499; /* the client went away before it was answered */
    s->h.done(r->rctx, r, &r->resp);
    resp_free(&r->resp);
    free(r->target);
    free(r);
    *req_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
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
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    /* poll, not epoll: libmicrohttpd 0.9.75's edge-triggered epoll loop can
     * miss the end of a connection whose client sent part of a body and
     * closed, leaving it in CLOSE-WAIT forever (found by the integration
     * test test_five_gib_exactly_is_accepted_then_abandoned). */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
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
    struct MHD_OptionItem ops[16];
    int i = 0;
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 300, NULL};
    ops[i++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL};
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
    free(s->cert);
    free(s->key);
    free(s);
    return NULL;
}

unsigned http_port(const http_server_t *s)
{
    return s->port;
}

void http_stop(http_server_t *s, int grace_ms)
{
    if (!s) return;
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    for (int waited = 0; atomic_load(&s->inflight) > 0 && waited < grace_ms; waited += 10)
        usleep(10 * 1000);
    MHD_stop_daemon(s->d);
    free(s->cert);
    free(s->key);
    free(s);
}
