#include "unit.h"
#include "unit_client.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/client.h"
#include "http/http.h"
#include "lib/buf.h"
#include "lib/util.h"

/* The adapter is started on 127.0.0.1 with a handler whose behaviour the
 * request path picks, and driven over raw sockets so that the tests see the
 * bytes libmicrohttpd puts on the wire:
 *   /hello          200 from end, fixed buffer body and two headers
 *   /echo           200 from end, the request body back, with X-Pieces
 *   /status/NNN     status NNN from end
 *   /fd?off=&len=   a range of the test's temp file as a descriptor body
 *   /reader?len=&step=[&fail=]  a reader body, step bytes per call
 *   /stream?len=&step=  the same with its length not given (HTTP_LEN_UNKNOWN)
 *   /early          403 from begin
 *   /bodyerr        400 from the first body call, which returns non-zero
 *   /headers        what http_req_header and http_req_each_header see
 *   /slow           end sleeps slow_ms before answering
 *   /noanswer       end leaves the response unfinished
 * (/bodyerr?noready returns non-zero without filling the response.)
 * Every answer from end carries X-Target, X-Method, X-CL and X-Has-Body. */

/* ---- the server side ---- */

typedef struct app {
    atomic_int begins, done, aborted;
    atomic_int early_body_calls, early_done;
    atomic_int bodyerr_body_calls, bodyerr_end_calls;
    atomic_int reader_calls, reader_frees;
    atomic_int slow_begun;
    atomic_llong stream_logged; /* http_resp_body_len of the last /stream, in done */
    int slow_ms;
    char fdpath[64];
} app_t;

enum mode {
    M_HELLO,
    M_ECHO,
    M_STATUS,
    M_FD,
    M_READER,
    M_STREAM,
    M_EARLY,
    M_BODYERR,
    M_HEADERS,
    M_SLOW,
    M_NOANSWER
};

typedef struct rq {
    app_t *app;
    enum mode mode;
    http_request_t *req;
    buf_t body;
    int pieces;
} rq_t;

/* Byte i of every generated body. */
static char pattern(uint64_t i)
{
    return (char)('!' + (i * 7 + i / 251) % 90);
}

static const struct {
    const char *prefix;
    enum mode mode;
} routes[] = {
    {"/hello", M_HELLO}, {"/echo", M_ECHO},         {"/status/", M_STATUS},
    {"/fd", M_FD},       {"/reader", M_READER},     {"/stream", M_STREAM},
    {"/early", M_EARLY}, {"/bodyerr", M_BODYERR},   {"/headers", M_HEADERS},
    {"/slow", M_SLOW},   {"/noanswer", M_NOANSWER},
};

static void *t_begin(void *appv, http_request_t *req, http_response_t *resp)
{
    app_t *app = appv;
    rq_t *q = xcalloc(1, sizeof *q);
    q->app = app;
    q->req = req;
    atomic_fetch_add(&app->begins, 1);
    const char *t = http_req_target(req);
    q->mode = M_ECHO;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (strncmp(t, routes[i].prefix, strlen(routes[i].prefix)) == 0) q->mode = routes[i].mode;
    if (q->mode == M_SLOW) atomic_store(&app->slow_begun, 1);
    if (q->mode == M_EARLY) {
        buf_t b = BUF_INIT;
        buf_puts(&b, "early\n");
        http_resp_status(resp, 403);
        http_resp_body_buf(resp, &b);
        http_resp_ready(resp);
    }
    return q;
}

static int t_body(void *rctx, const char *data, size_t n, http_response_t *resp)
{
    rq_t *q = rctx;
    assert(n > 0);
    q->pieces++;
    buf_append(&q->body, data, n);
    if (q->mode == M_EARLY) atomic_fetch_add(&q->app->early_body_calls, 1);
    if (q->mode == M_BODYERR) {
        atomic_fetch_add(&q->app->bodyerr_body_calls, 1);
        if (!http_resp_is_ready(resp) && !strstr(http_req_target(q->req), "noready")) {
            buf_t b = BUF_INIT;
            buf_puts(&b, "bad body\n");
            http_resp_status(resp, 400);
            http_resp_header(resp, "X-Why", "body");
            http_resp_body_buf(resp, &b);
            http_resp_ready(resp);
        }
        return 1;
    }
    return 0;
}

typedef struct reader {
    app_t *app;
    uint64_t len, step, fail_at;
    int calls;
} reader_t;

static ssize_t t_read(void *ctx, uint64_t pos, char *out, size_t max)
{
    reader_t *r = ctx;
    r->calls++;
    if (pos >= r->fail_at) return -1;
    if (pos >= r->len) return 0;
    uint64_t n = r->len - pos;
    if (n > r->step) n = r->step;
    if (n > max) n = max;
    for (uint64_t i = 0; i < n; i++)
        out[i] = pattern(pos + i);
    return (ssize_t)n;
}

static void t_reader_free(void *ctx)
{
    reader_t *r = ctx;
    atomic_fetch_add(&r->app->reader_calls, r->calls);
    atomic_fetch_add(&r->app->reader_frees, 1);
    free(r);
}

struct each_state {
    buf_t *out;
    const char *stop_at;
    int visited;
};

static int each_hdr(void *ctx, const char *name, const char *value)
{
    struct each_state *e = ctx;
    e->visited++;
    if (e->out) buf_printf(e->out, "%s: %s\n", name, value);
    return e->stop_at && strcasecmp(name, e->stop_at) == 0;
}

static void t_end(void *rctx, http_response_t *resp)
{
    rq_t *q = rctx;
    http_request_t *req = q->req;
    char num[32];
    buf_t b = BUF_INIT;
    http_resp_header(resp, "X-Target", http_req_target(req));
    http_resp_header(resp, "X-Method", http_req_method(req));
    snprintf(num, sizeof num, "%lld", (long long)http_req_content_length(req));
    http_resp_header(resp, "X-CL", num);
    http_resp_header(resp, "X-Has-Body", http_req_has_body(req) ? "1" : "0");
    snprintf(num, sizeof num, "%d", q->pieces);
    http_resp_header(resp, "X-Pieces", num);
    snprintf(num, sizeof num, "%d", http_req_listener(req));
    http_resp_header(resp, "X-Listener", num);
    switch (q->mode) {
    case M_HELLO:
        http_resp_header(resp, "X-Test", "one");
        http_resp_header(resp, "Content-Type", "text/plain");
        buf_puts(&b, "hello, world\n");
        http_resp_body_buf(resp, &b);
        break;
    case M_ECHO: http_resp_body_buf(resp, &q->body); break;
    case M_STATUS: {
        int st = atoi(http_req_target(req) + strlen("/status/"));
        http_resp_status(resp, st);
        buf_printf(&b, "status %d\n", st);
        http_resp_body_buf(resp, &b);
        break;
    }
    case M_FD: {
        unsigned long long off = 0, len = 0;
        sscanf(http_req_target(req), "/fd?off=%llu&len=%llu", &off, &len);
        int fd = open(q->app->fdpath, O_RDONLY | O_CLOEXEC);
        assert(fd >= 0);
        http_resp_body_fd(resp, fd, off, len);
        break;
    }
    case M_READER:
    case M_STREAM: {
        reader_t *r = xcalloc(1, sizeof *r);
        unsigned long long len = 0, step = 1, fail = UINT64_MAX;
        sscanf(strchr(http_req_target(req), '?'), "?len=%llu&step=%llu&fail=%llu", &len, &step,
               &fail);
        r->app = q->app;
        r->len = len;
        r->step = step;
        r->fail_at = fail;
        http_resp_body_reader(resp, q->mode == M_STREAM ? HTTP_LEN_UNKNOWN : len, t_read, r,
                              t_reader_free);
        break;
    }
    case M_EARLY: break; /* answered in begin */
    case M_BODYERR: atomic_fetch_add(&q->app->bodyerr_end_calls, 1); break;
    case M_HEADERS: {
        const char *v = http_req_header(req, "x-mixed-case");
        http_resp_header(resp, "X-Lookup-Lower", v ? v : "(null)");
        v = http_req_header(req, "X-MIXED-CASE");
        http_resp_header(resp, "X-Lookup-Upper", v ? v : "(null)");
        v = http_req_header(req, "x-not-sent");
        http_resp_header(resp, "X-Lookup-Missing", v ? v : "(null)");
        v = http_req_header(req, "X-Empty");
        http_resp_header(resp, "X-Lookup-Empty", v ? (*v ? v : "(empty)") : "(null)");
        struct each_state e = {&b, NULL, 0};
        http_req_each_header(req, each_hdr, &e);
        struct each_state stop = {NULL, "x-second", 0};
        http_req_each_header(req, each_hdr, &stop);
        snprintf(num, sizeof num, "%d/%d", stop.visited, e.visited);
        http_resp_header(resp, "X-Each-Stop", num);
        http_resp_body_buf(resp, &b);
        break;
    }
    case M_SLOW:
        usleep((useconds_t)q->app->slow_ms * 1000);
        buf_puts(&b, "slow done\n");
        http_resp_body_buf(resp, &b);
        break;
    case M_NOANSWER: http_resp_status(resp, 204); return;
    }
    http_resp_ready(resp);
    buf_free(&b);
}

static void t_done(void *rctx, const http_request_t *req, const http_response_t *resp)
{
    (void)req;
    rq_t *q = rctx;
    if (http_resp_get_status(resp) == 499) atomic_fetch_add(&q->app->aborted, 1);
    if (q->mode == M_EARLY) atomic_fetch_add(&q->app->early_done, 1);
    if (q->mode == M_STREAM)
        atomic_store(&q->app->stream_logged, (long long)http_resp_body_len(resp));
    atomic_fetch_add(&q->app->done, 1);
    buf_free(&q->body);
    free(q);
}

static const http_handler_t handler = {t_begin, t_body, t_end, t_done, NULL};

typedef struct fixture {
    app_t app;
    http_server_t *srv;
    unsigned port;
    char *file; /* the temp file's contents */
    size_t file_len;
} fixture_t;

#define FILE_LEN (300 * 1024)

static http_server_t *start(app_t *app, unsigned threads)
{
    http_options_t opt = {.address = "127.0.0.1", .port = 0, .threads = threads};
    char err[256] = "";
    http_server_t *s = http_start(&opt, &handler, app, err, sizeof err);
    if (!s) fail_msg("http_start: %s", err);
    assert_true(http_port(s) > 0);
    return s;
}

static int setup(void **state)
{
    fixture_t *f = xcalloc(1, sizeof *f);
    snprintf(f->app.fdpath, sizeof f->app.fdpath, "/tmp/fakes3-test-http-XXXXXX");
    int fd = mkstemp(f->app.fdpath);
    if (fd < 0) return -1;
    f->file_len = FILE_LEN;
    f->file = xmalloc(f->file_len);
    for (size_t i = 0; i < f->file_len; i++)
        f->file[i] = (char)(i * 13 + i / 4096);
    if (write(fd, f->file, f->file_len) != (ssize_t)f->file_len) return -1;
    close(fd);
    f->srv = start(&f->app, 2);
    f->port = http_port(f->srv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    http_stop(f->srv, 1000);
    unlink(f->app.fdpath);
    free(f->file);
    free(f);
    return 0;
}

/* ---- the client side ---- */

typedef struct client {
    int fd;
    buf_t in; /* received and not yet consumed */
} client_t;

static int64_t now_ms(void)
{
    return util_mono_us() / 1000;
}

static void cli_open(client_t *c, unsigned port)
{
    c->fd = tcp_connect(port);
    c->in = (buf_t)BUF_INIT;
    if (c->fd < 0) fail_msg("connect to port %u: %s", port, strerror(errno));
}

static void cli_close(client_t *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    buf_free(&c->in);
}

static int cli_send(client_t *c, const void *data, size_t n)
{
    return send_all(c->fd, data, n);
}

static int cli_sends(client_t *c, const char *s)
{
    return cli_send(c, s, strlen(s));
}

/* Send in pieces of lo..hi bytes (a fixed pseudo-random sequence), pausing
 * between them so that they arrive as separate segments. */
static int cli_send_pieces(client_t *c, const char *p, size_t n, size_t lo, size_t hi, int pause_us)
{
    uint32_t x = 2463534242u;
    while (n) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t k = lo + x % (hi - lo + 1);
        if (k > n) k = n;
        if (cli_send(c, p, k)) return -1;
        p += k;
        n -= k;
        if (pause_us) usleep((useconds_t)pause_us);
    }
    return 0;
}

/* Receive more; > 0 bytes, 0 at EOF, -1 on error or timeout. */
static int cli_fill(client_t *c)
{
    char tmp[65536];
    for (;;) {
        ssize_t k = recv(c->fd, tmp, sizeof tmp, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k > 0) buf_append(&c->in, tmp, (size_t)k);
        return k > 0 ? 1 : (int)k;
    }
}

static void cli_consume(client_t *c, size_t n)
{
    memmove(c->in.p, c->in.p + n, c->in.len - n);
    c->in.len -= n;
}

/* Whether the server sends anything (or closes) within ms. */
static int cli_quiet_for(client_t *c, int ms)
{
    if (c->in.len) return 0;
    struct pollfd p = {c->fd, POLLIN, 0};
    return poll(&p, 1, ms) == 0;
}

/* Read one response; no_body for HEAD. 0 when it arrived whole, -1 if the
 * connection ended or stalled first. */
static int cli_reply(client_t *c, reply_t *r, int no_body)
{
    memset(r, 0, sizeof *r);
    char *end = NULL;
    while (!c->in.len || !(end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4)))
        if (cli_fill(c) <= 0) return -1;
    size_t hlen = (size_t)(end - c->in.p);
    int bad = reply_parse_head(r, c->in.p, hlen);
    cli_consume(c, hlen + 4);
    if (bad) return -1;
    if (no_body || r->status < 200 || r->status == 204 || r->status == 304) return 0;
    const char *te = hdr(r, "Transfer-Encoding");
    if (te) {
        if (strcasecmp(te, "chunked") != 0) fail_msg("unexpected Transfer-Encoding: %s", te);
        r->chunks = 0;
        for (;;) {
            char *eol;
            while (!c->in.len || !(eol = memmem(c->in.p, c->in.len, "\r\n", 2)))
                if (cli_fill(c) <= 0) return -1;
            size_t size = (size_t)strtoull(c->in.p, NULL, 16);
            cli_consume(c, (size_t)(eol - c->in.p) + 2);
            while (c->in.len < size + 2)
                if (cli_fill(c) <= 0) return -1;
            if (memcmp(c->in.p + size, "\r\n", 2) != 0) fail_msg("bad chunk end");
            if (size == 0) {
                cli_consume(c, 2); /* no trailers */
                return 0;
            }
            buf_append(&r->body, c->in.p, size);
            cli_consume(c, size + 2);
            r->chunks++;
        }
    }
    const char *cl = hdr(r, "Content-Length");
    if (!cl) {
        while (cli_fill(c) > 0) {
        }
        buf_append(&r->body, c->in.p ? c->in.p : "", c->in.len);
        cli_consume(c, c->in.len);
        r->eof = 1;
        return 0;
    }
    size_t want = (size_t)strtoull(cl, NULL, 10);
    while (c->in.len < want)
        if (cli_fill(c) <= 0) return -1;
    buf_append(&r->body, c->in.p ? c->in.p : "", want);
    cli_consume(c, want);
    return 0;
}

/* One request and its response on c; the reply must arrive whole. */
static void roundtrip(client_t *c, const char *request, reply_t *r, int no_body)
{
    assert_int_equal(cli_sends(c, request), 0);
    assert_int_equal(cli_reply(c, r, no_body), 0);
}

/* Wait up to 3 s for *v to reach want. */
static int wait_for(atomic_int *v, int want)
{
    int64_t until = now_ms() + 3000;
    while (atomic_load(v) < want && now_ms() < until)
        usleep(2000);
    return atomic_load(v);
}

static void assert_serving(unsigned port)
{
    client_t c;
    reply_t r;
    cli_open(&c, port);
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.p, "hello, world\n");
    reply_free(&r);
    cli_close(&c);
}

/* ---- tests ---- */

static void test_get_buffer_body_keepalive(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    for (int i = 0; i < 3; i++) {
        roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
        assert_int_equal(r.status, 200);
        assert_memory_equal(r.head, "HTTP/1.1 200", 12);
        assert_string_equal(hdr(&r, "X-Test"), "one");
        assert_string_equal(hdr(&r, "Content-Type"), "text/plain");
        assert_string_equal(hdr(&r, "Content-Length"), "13");
        assert_string_equal(hdr(&r, "X-Method"), "GET");
        assert_string_equal(hdr(&r, "X-CL"), "-1");
        assert_string_equal(hdr(&r, "X-Has-Body"), "0");
        assert_string_equal(r.body.p, "hello, world\n");
        const char *conn = hdr(&r, "Connection");
        assert_true(!conn || strcasecmp(conn, "close") != 0);
        reply_free(&r);
    }
    /* A request with a body, then one without, still on the same connection. */
    roundtrip(&c, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde", &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "X-CL"), "5");
    assert_string_equal(hdr(&r, "X-Has-Body"), "1");
    assert_string_equal(r.body.p, "abcde");
    reply_free(&r);
    /* Two pipelined requests in one write. */
    assert_int_equal(cli_sends(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                                   "GET /status/201 HTTP/1.1\r\nHost: t\r\n\r\n"),
                     0);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_string_equal(r.body.p, "hello, world\n");
    reply_free(&r);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body.p, "status 201\n");
    reply_free(&r);
    cli_close(&c);
}

static void test_head_has_length_and_no_body(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    roundtrip(&c, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 1);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "Content-Length"), "13");
    assert_string_equal(hdr(&r, "X-Method"), "HEAD");
    reply_free(&r);
    assert_true(cli_quiet_for(&c, 100));
    roundtrip(&c, "HEAD /fd?off=0&len=1000 HTTP/1.1\r\nHost: t\r\n\r\n", &r, 1);
    assert_string_equal(hdr(&r, "Content-Length"), "1000");
    reply_free(&r);
    assert_true(cli_quiet_for(&c, 100));
    roundtrip(&c, "HEAD /reader?len=5000&step=100 HTTP/1.1\r\nHost: t\r\n\r\n", &r, 1);
    assert_string_equal(hdr(&r, "Content-Length"), "5000");
    reply_free(&r);
    assert_true(cli_quiet_for(&c, 100));
    /* Had a body followed, it would be read here as the next status line. */
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.p, "hello, world\n");
    reply_free(&r);
    cli_close(&c);
}

static void test_fd_body_range(void **state)
{
    fixture_t *f = *state;
    static const struct {
        size_t off, len;
    } cases[] = {{5, 20}, {0, 1}, {1000, 200000}, {FILE_LEN - 7, 7}, {0, FILE_LEN}, {123, 0}};
    client_t c;
    reply_t r;
    char req[128], cl[32];
    cli_open(&c, f->port);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(req, sizeof req, "GET /fd?off=%zu&len=%zu HTTP/1.1\r\nHost: t\r\n\r\n",
                 cases[i].off, cases[i].len);
        roundtrip(&c, req, &r, 0);
        assert_int_equal(r.status, 200);
        snprintf(cl, sizeof cl, "%zu", cases[i].len);
        assert_string_equal(hdr(&r, "Content-Length"), cl);
        assert_int_equal(r.body.len, cases[i].len);
        if (cases[i].len) assert_memory_equal(r.body.p, f->file + cases[i].off, cases[i].len);
        reply_free(&r);
    }
    cli_close(&c);
}

static void test_reader_body_many_calls(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    int frees = atomic_load(&f->app.reader_frees), calls = atomic_load(&f->app.reader_calls);
    cli_open(&c, f->port);
    roundtrip(&c, "GET /reader?len=100000&step=1000 HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "Content-Length"), "100000");
    assert_int_equal(r.body.len, 100000);
    for (size_t i = 0; i < r.body.len; i++)
        if (r.body.p[i] != pattern(i)) fail_msg("reader body differs at %zu", i);
    reply_free(&r);
    /* Keep-alive survives a streamed body. */
    roundtrip(&c, "GET /reader?len=3&step=1 HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.body.len, 3);
    assert_memory_equal(r.body.p, "!(/", 3);
    reply_free(&r);
    assert_int_equal(wait_for(&f->app.reader_frees, frees + 2), frees + 2);
    assert_true(atomic_load(&f->app.reader_calls) - calls >= 100 + 3);
    cli_close(&c);
}

static void test_reader_error_closes_connection(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    int frees = atomic_load(&f->app.reader_frees);
    cli_open(&c, f->port);
    assert_int_equal(
        cli_sends(&c, "GET /reader?len=100000&step=1000&fail=50000 HTTP/1.1\r\nHost: t\r\n\r\n"),
        0);
    /* The head promised 100000 bytes; the connection ends after 50000. */
    assert_int_equal(cli_reply(&c, &r, 0), -1);
    assert_int_equal(r.status, 200);
    assert_true(c.in.len >= 50000 && c.in.len < 100000);
    reply_free(&r);
    cli_close(&c);
    assert_int_equal(wait_for(&f->app.reader_frees, frees + 1), frees + 1);
    assert_serving(f->port);
}

static void test_reader_body_of_unknown_length(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    atomic_store(&f->app.stream_logged, -1);
    cli_open(&c, f->port);
    roundtrip(&c, "GET /stream?len=100000&step=999 HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_null(hdr(&r, "Content-Length"));
    assert_string_equal(hdr(&r, "Transfer-Encoding"), "chunked");
    assert_int_equal(r.body.len, 100000);
    assert_true(r.chunks >= 2);
    for (size_t i = 0; i < r.body.len; i++)
        if (r.body.p[i] != pattern(i)) fail_msg("streamed body differs at %zu", i);
    reply_free(&r);
    /* What the access log counts: the bytes the reader produced. */
    for (int64_t until = now_ms() + 3000;
         atomic_load(&f->app.stream_logged) != 100000 && now_ms() < until;)
        usleep(2000);
    assert_int_equal(atomic_load(&f->app.stream_logged), 100000);
    /* An empty one, then keep-alive goes on. */
    roundtrip(&c, "GET /stream?len=0&step=1 HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(r.chunks, 0);
    reply_free(&r);
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_string_equal(r.body.p, "hello, world\n");
    reply_free(&r);
    cli_close(&c);
    /* HTTP/1.0 has no chunks: the body ends with the connection. */
    cli_open(&c, f->port);
    roundtrip(&c, "GET /stream?len=5000&step=100 HTTP/1.0\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_null(hdr(&r, "Transfer-Encoding"));
    assert_true(r.eof);
    assert_int_equal(r.body.len, 5000);
    assert_memory_equal(r.body.p, "!(/", 3);
    reply_free(&r);
    cli_close(&c);
}

static void test_content_length_body_in_pieces(void **state)
{
    fixture_t *f = *state;
    size_t n = 200000;
    char *body = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)(i * 31 + i / 7);
    char head[128];
    snprintf(head, sizeof head, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", n);
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    /* All at once: libmicrohttpd's 32 KiB connection buffer cuts it up. */
    assert_int_equal(cli_sends(&c, head), 0);
    assert_int_equal(cli_send(&c, body, n), 0);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, n);
    assert_memory_equal(r.body.p, body, n);
    assert_true(atoi(hdr(&r, "X-Pieces")) > 1);
    reply_free(&r);
    /* A smaller body in odd writes, head included. */
    size_t m = 3000;
    snprintf(head, sizeof head, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", m);
    assert_int_equal(cli_send_pieces(&c, head, strlen(head), 1, 13, 0), 0);
    assert_int_equal(cli_send_pieces(&c, body, m, 1, 97, 300), 0);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.body.len, m);
    assert_memory_equal(r.body.p, body, m);
    assert_true(atoi(hdr(&r, "X-Pieces")) > 1);
    reply_free(&r);
    cli_close(&c);
    free(body);
}

static void test_chunked_request_body(void **state)
{
    fixture_t *f = *state;
    buf_t req = BUF_INIT, want = BUF_INIT;
    buf_puts(&req, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n"
                   "1;name=value\r\n,\r\n"
                   "A\r\n0123456789\r\n");
    buf_puts(&want, "hello,0123456789");
    size_t big = 70000;
    buf_printf(&req, "%zx\r\n", big);
    for (size_t i = 0; i < big; i++) {
        buf_putc(&req, pattern(i));
        buf_putc(&want, pattern(i));
    }
    buf_puts(&req, "\r\n0\r\nX-Trailer: yes\r\n\r\n");
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0)
            assert_int_equal(cli_send(&c, req.p, req.len), 0);
        else
            assert_int_equal(cli_send_pieces(&c, req.p, req.len, 1, 4000, 50), 0);
        assert_int_equal(cli_reply(&c, &r, 0), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(hdr(&r, "X-CL"), "-1");
        assert_string_equal(hdr(&r, "X-Has-Body"), "1");
        assert_int_equal(r.body.len, want.len);
        assert_memory_equal(r.body.p, want.p, want.len);
        reply_free(&r);
    }
    cli_close(&c);
    buf_free(&req);
    buf_free(&want);
}

static void test_expect_100_continue_any_case(void **state)
{
    fixture_t *f = *state;
    static const char *const expects[] = {"Expect: 100-continue", "expect: 100-Continue",
                                          "EXPECT: 100-CONTINUE", "Expect: 100-cOnTiNuE"};
    client_t c;
    reply_t r;
    char head[256];
    cli_open(&c, f->port);
    for (size_t i = 0; i < sizeof expects / sizeof *expects; i++) {
        snprintf(head, sizeof head,
                 "PUT /echo HTTP/1.1\r\nHost: t\r\n%s\r\nContent-Length: 10\r\n\r\n", expects[i]);
        assert_int_equal(cli_sends(&c, head), 0);
        /* Nothing of the body is sent until the interim answer is in. */
        if (cli_reply(&c, &r, 1) != 0) fail_msg("no interim answer for '%s'", expects[i]);
        if (r.status != 100) fail_msg("'%s' got status %d, not 100", expects[i], r.status);
        assert_string_equal(r.head, "HTTP/1.1 100 Continue");
        reply_free(&r);
        assert_int_equal(cli_sends(&c, "0123456789"), 0);
        assert_int_equal(cli_reply(&c, &r, 0), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body.p, "0123456789");
        reply_free(&r);
    }
    cli_close(&c);
}

static void test_answer_from_begin_skips_body(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    int calls = atomic_load(&f->app.early_body_calls);
    int done = atomic_load(&f->app.early_done);
    /* No body bytes sent at all. */
    cli_open(&c, f->port);
    roundtrip(&c, "PUT /early HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.body.p, "early\n");
    reply_free(&r);
    cli_close(&c);
    /* Some body bytes in the same segment as the head. */
    buf_t req = BUF_INIT;
    buf_puts(&req, "PUT /early HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
    for (int i = 0; i < 500; i++)
        buf_putc(&req, 'x');
    cli_open(&c, f->port);
    assert_int_equal(cli_send(&c, req.p, req.len), 0);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.status, 403);
    reply_free(&r);
    cli_close(&c);
    buf_free(&req);
    /* With Expect: the final answer comes instead of 100 Continue. */
    cli_open(&c, f->port);
    roundtrip(&c,
              "PUT /early HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
              "Content-Length: 100000\r\n\r\n",
              &r, 0);
    assert_int_equal(r.status, 403);
    reply_free(&r);
    cli_close(&c);
    /* Without a body the connection stays usable. */
    cli_open(&c, f->port);
    for (int i = 0; i < 2; i++) {
        roundtrip(&c, "GET /early HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
        assert_int_equal(r.status, 403);
        reply_free(&r);
    }
    cli_close(&c);
    assert_int_equal(wait_for(&f->app.early_done, done + 5), done + 5);
    assert_int_equal(atomic_load(&f->app.early_body_calls), calls);
}

static void test_body_error_answered_after_the_body(void **state)
{
    fixture_t *f = *state;
    size_t n = 200000;
    char *body = xmalloc(n);
    memset(body, 'b', n);
    char head[128];
    snprintf(head, sizeof head, "PUT /bodyerr HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n",
             n);
    int calls = atomic_load(&f->app.bodyerr_body_calls);
    int ends = atomic_load(&f->app.bodyerr_end_calls);
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    assert_int_equal(cli_sends(&c, head), 0);
    assert_int_equal(cli_send(&c, body, n / 2), 0);
    /* The answer waits for the end of the body. */
    assert_true(cli_quiet_for(&c, 200));
    assert_int_equal(cli_send(&c, body + n / 2, n - n / 2), 0);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(hdr(&r, "X-Why"), "body");
    assert_string_equal(r.body.p, "bad body\n");
    reply_free(&r);
    /* Only the first piece reached the handler, and end was never called. */
    assert_int_equal(atomic_load(&f->app.bodyerr_body_calls), calls + 1);
    assert_int_equal(atomic_load(&f->app.bodyerr_end_calls), ends);
    /* The body was consumed, so the connection is still in step. */
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.p, "hello, world\n");
    reply_free(&r);
    /* The same with a chunked body. */
    buf_t req = BUF_INIT;
    buf_puts(&req, "PUT /bodyerr HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < n; off += 10000) {
        buf_printf(&req, "%x\r\n", 10000);
        buf_append(&req, body + off, 10000);
        buf_puts(&req, "\r\n");
    }
    buf_puts(&req, "0\r\n\r\n");
    assert_int_equal(cli_send(&c, req.p, req.len - 5), 0);
    assert_true(cli_quiet_for(&c, 200));
    assert_int_equal(cli_send(&c, req.p + req.len - 5, 5), 0);
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body.p, "bad body\n");
    reply_free(&r);
    assert_int_equal(atomic_load(&f->app.bodyerr_body_calls), calls + 2);
    assert_int_equal(atomic_load(&f->app.bodyerr_end_calls), ends);
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    buf_free(&req);
    cli_close(&c);
    free(body);
}

static void test_unfinished_answers_are_500(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    /* end returned without http_resp_ready. */
    roundtrip(&c, "GET /noanswer HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 500);
    reply_free(&r);
    /* body returned non-zero without filling the response. */
    roundtrip(&c, "PUT /bodyerr?noready HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", &r,
              0);
    assert_int_equal(r.status, 500);
    assert_int_equal(r.body.len, 0);
    reply_free(&r);
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    cli_close(&c);
}

static void test_client_closes_mid_body(void **state)
{
    fixture_t *f = *state;
    int done = atomic_load(&f->app.done), aborted = atomic_load(&f->app.aborted);
    client_t c;
    cli_open(&c, f->port);
    assert_int_equal(
        cli_sends(&c, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10000\r\n\r\n"), 0);
    char half[3000];
    memset(half, 'h', sizeof half);
    assert_int_equal(cli_send(&c, half, sizeof half), 0);
    usleep(50 * 1000);
    cli_close(&c);
    assert_int_equal(wait_for(&f->app.aborted, aborted + 1), aborted + 1);
    assert_true(atomic_load(&f->app.done) >= done + 1);
    /* And once more, closing before any of the body. */
    cli_open(&c, f->port);
    assert_int_equal(cli_sends(&c, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"),
                     0);
    usleep(50 * 1000);
    cli_close(&c);
    assert_int_equal(wait_for(&f->app.aborted, aborted + 2), aborted + 2);
    assert_serving(f->port);
}

static void test_target_is_raw(void **state)
{
    fixture_t *f = *state;
    static const char *const targets[] = {
        "/echo/b/a%20b?list-type=2",
        "/echo/b/%E2%82%AC+plus%2Bsign/x%2Fy?prefix=a%2Fb&delimiter=%2F&empty=&flag",
        "/echo//double//slash/?uploads",
        "/echo/k%25percent?x=%2525",
    };
    client_t c;
    reply_t r;
    char req[512];
    cli_open(&c, f->port);
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", targets[i]);
        roundtrip(&c, req, &r, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(hdr(&r, "X-Target"), targets[i]);
        reply_free(&r);
    }
    cli_close(&c);
}

/* Two listeners with one handler and app: each request tells which it came to. */
static void test_listener_tag(void **state)
{
    fixture_t *f = *state;
    http_options_t opt = {.address = "127.0.0.1", .port = 0, .threads = 1, .listener = 7};
    char err[256] = "";
    http_server_t *s2 = http_start(&opt, &handler, &f->app, err, sizeof err);
    if (!s2) fail_msg("http_start: %s", err);
    const unsigned ports[] = {f->port, http_port(s2)};
    const char *const want[] = {"0", "7"};
    for (size_t i = 0; i < 2; i++) {
        client_t c;
        reply_t r;
        cli_open(&c, ports[i]);
        roundtrip(&c, "GET /echo/x HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(hdr(&r, "X-Listener"), want[i]);
        reply_free(&r);
        cli_close(&c);
    }
    http_stop(s2, 1000);
}

static void test_header_lookup_ignores_case(void **state)
{
    fixture_t *f = *state;
    client_t c;
    reply_t r;
    cli_open(&c, f->port);
    roundtrip(&c,
              "GET /headers HTTP/1.1\r\nHost: t\r\nX-Mixed-Case: Value1\r\nx-second: two\r\n"
              "X-THIRD: three\r\nX-Empty:\r\n\r\n",
              &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(hdr(&r, "X-Lookup-Lower"), "Value1");
    assert_string_equal(hdr(&r, "X-Lookup-Upper"), "Value1");
    assert_string_equal(hdr(&r, "X-Lookup-Missing"), "(null)");
    assert_string_equal(hdr(&r, "X-Lookup-Empty"), "(empty)");
    /* Every header, in arrival order; the visit stops at the one asked. */
    const char *b = r.body.p;
    const char *h = strcasestr(b, "host: t\n");
    const char *m = strcasestr(b, "x-mixed-case: Value1\n");
    const char *s = strcasestr(b, "x-second: two\n");
    const char *t = strcasestr(b, "x-third: three\n");
    const char *e = strcasestr(b, "x-empty: \n");
    assert_true(h && m && s && t && e);
    assert_true(h < m && m < s && s < t && t < e);
    assert_string_equal(hdr(&r, "X-Each-Stop"), "3/5");
    reply_free(&r);
    cli_close(&c);
}

typedef struct slow_client {
    unsigned port;
    int status;
    char body[64];
} slow_client_t;

static void *slow_client(void *arg)
{
    slow_client_t *sc = arg;
    client_t c;
    reply_t r;
    c.fd = tcp_connect(sc->port);
    c.in = (buf_t)BUF_INIT;
    sc->status = -1;
    if (c.fd < 0) return NULL;
    if (cli_sends(&c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n") == 0 && cli_reply(&c, &r, 0) == 0) {
        sc->status = r.status;
        snprintf(sc->body, sizeof sc->body, "%s", r.body.p ? r.body.p : "");
    }
    reply_free(&r);
    cli_close(&c);
    return NULL;
}

typedef struct late_client {
    unsigned port;
    int delay_ms;
    int connected;
} late_client_t;

static void *late_client(void *arg)
{
    late_client_t *lc = arg;
    usleep((useconds_t)lc->delay_ms * 1000);
    int fd = tcp_connect(lc->port);
    lc->connected = fd >= 0;
    if (fd >= 0) close(fd);
    return NULL;
}

static void test_stop_waits_for_request_in_flight(void **state)
{
    (void)state;
    app_t app = {0};
    app.slow_ms = 600;
    http_server_t *s = start(&app, 1);
    unsigned port = http_port(s);
    slow_client_t sc = {port, 0, ""};
    late_client_t lc = {port, 150, -1};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, slow_client, &sc), 0);
    int64_t until = now_ms() + 3000;
    while (!atomic_load(&app.slow_begun) && now_ms() < until)
        usleep(1000);
    assert_true(atomic_load(&app.slow_begun));
    assert_int_equal(pthread_create(&t2, NULL, late_client, &lc), 0);
    int64_t t0 = now_ms();
    http_stop(s, 5000);
    int64_t took = now_ms() - t0;
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(sc.status, 200);
    assert_string_equal(sc.body, "slow done\n");
    assert_int_equal(atomic_load(&app.done), 1);
    assert_true(took >= 300 && took < 4000);
    /* No new connections while draining. */
    assert_int_equal(lc.connected, 0);
}

static void test_stop_gives_up_after_grace(void **state)
{
    (void)state;
    app_t app = {0};
    http_server_t *s = start(&app, 1);
    client_t c;
    cli_open(&c, http_port(s));
    assert_int_equal(
        cli_sends(&c, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789"),
        0);
    assert_int_equal(wait_for(&app.begins, 1), 1);
    int64_t t0 = now_ms();
    http_stop(s, 200);
    int64_t took = now_ms() - t0;
    assert_true(took >= 150 && took < 3000);
    assert_int_equal(atomic_load(&app.done), 1);
    assert_int_equal(atomic_load(&app.aborted), 1);
    cli_close(&c);
}

static void test_stop_ignores_idle_connections(void **state)
{
    (void)state;
    app_t app = {0};
    http_server_t *s = start(&app, 1);
    client_t c;
    reply_t r;
    cli_open(&c, http_port(s));
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    assert_int_equal(wait_for(&app.done, 1), 1);
    /* The connection is open and idle: nothing to wait for. */
    int64_t t0 = now_ms();
    http_stop(s, 5000);
    assert_true(now_ms() - t0 < 1000);
    assert_int_equal(cli_fill(&c), 0); /* closed by the server */
    assert_int_equal(atomic_load(&app.done), 1);
    cli_close(&c);
}

/* Heads RFC 9112 forbids never reach begin: with no reject hook they get a
 * bare status line and the connection is closed. */
static void test_refused_heads_skip_begin(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *req;
        int status;
    } cases[] = {
        {"PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
         400},
        {"PUT /echo HTTP/1.1\r\nHost: t\r\nX-A: v1\r\n folded: x\r\nContent-Length: 1\r\n\r\nx",
         400},
        {"PUT /echo HTTP/1.1\r\nHost: t\r\nX-A: v\r1\r\nContent-Length: 1\r\n\r\nx", 400},
        {"PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 18446744073709551615\r\n\r\nx", 400},
        {"PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\nx", 501},
        {"PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n"
         "\r\n",
         501},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        /* Earlier tests' exchanges have all ended (done may trail the reply). */
        int begins = atomic_load(&f->app.begins);
        assert_int_equal(wait_for(&f->app.done, begins), begins);
        int done = atomic_load(&f->app.done);
        client_t c;
        reply_t r;
        cli_open(&c, f->port);
        roundtrip(&c, cases[i].req, &r, 0);
        if (r.status != cases[i].status)
            fail_msg("case %zu: status %d, want %d", i, r.status, cases[i].status);
        assert_string_equal(hdr(&r, "Connection"), "close");
        reply_free(&r);
        assert_int_equal(cli_fill(&c), 0); /* closed */
        cli_close(&c);
        assert_int_equal(atomic_load(&f->app.begins), begins);
        assert_int_equal(atomic_load(&f->app.done), done);
    }
    assert_serving(f->port);
}

static atomic_int rejects, last_why;

static void *t_reject(void *appv, http_request_t *req, http_reject_t why, http_response_t *resp)
{
    rq_t *q = xcalloc(1, sizeof *q);
    q->app = appv;
    q->req = req;
    atomic_fetch_add(&rejects, 1);
    atomic_store(&last_why, (int)why);
    buf_t b = BUF_INIT;
    buf_printf(&b, "refused %d\n", (int)why);
    http_resp_status(resp, 418);
    http_resp_header(resp, "X-Empty", "");
    http_resp_body_buf(resp, &b);
    return q;
}

static const http_handler_t reject_handler = {t_begin, t_body, t_end, t_done, t_reject};

/* The reject hook answers (its status, headers and body, plus Connection:
 * close), done follows once, and past max_connections and max_head_bytes
 * it is asked too. An empty header value goes out as optional whitespace. */
static void test_reject_hook_answers(void **state)
{
    (void)state;
    app_t app = {0};
    http_options_t opt = {
        .address = "127.0.0.1", .threads = 1, .max_connections = 1, .max_head_bytes = 100};
    char err[256] = "";
    http_server_t *s = http_start(&opt, &reject_handler, &app, err, sizeof err);
    if (!s) fail_msg("http_start: %s", err);
    client_t c, c2;
    reply_t r;
    /* One connection open (and served): a second is refused BUSY. */
    cli_open(&c, http_port(s));
    roundtrip(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    cli_open(&c2, http_port(s));
    roundtrip(&c2, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", &r, 0);
    assert_int_equal(r.status, 418);
    assert_int_equal(atomic_load(&last_why), HTTP_REJECT_BUSY);
    assert_string_equal(r.body.p, "refused 4\n");
    assert_string_equal(hdr(&r, "X-Empty"), "");
    assert_string_equal(hdr(&r, "Connection"), "close");
    reply_free(&r);
    assert_int_equal(cli_fill(&c2), 0); /* closed */
    cli_close(&c2);
    /* On the first connection, a header section past max_head_bytes. */
    roundtrip(&c,
              "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: "
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaa\r\n\r\n",
              &r, 0);
    assert_int_equal(r.status, 418);
    assert_int_equal(atomic_load(&last_why), HTTP_REJECT_HEAD_TOO_LARGE);
    assert_string_equal(r.body.p, "refused 2\n");
    reply_free(&r);
    cli_close(&c);
    assert_int_equal(wait_for(&app.done, 3), 3);
    assert_int_equal(atomic_load(&app.begins), 1);
    http_stop(s, 1000);
    assert_int_equal(atomic_load(&rejects), 2);
}

/* A query of more fields than libmicrohttpd's pool holds: it closes the
 * connection without NOTIFY_COMPLETED. The request must still be freed
 * (LeakSanitizer) and must not hold up a stop for the grace period. */
static void test_dropped_head_is_freed_and_stop_is_prompt(void **state)
{
    (void)state;
    app_t app = {0};
    http_server_t *s = start(&app, 1);
    buf_t req = BUF_INIT;
    buf_puts(&req, "GET /hello?p0=1");
    for (int i = 1; i < 3000; i++)
        buf_printf(&req, "&p%d=1", i);
    buf_puts(&req, " HTTP/1.1\r\nHost: t\r\n\r\n");
    for (int i = 0; i < 5; i++) {
        client_t c;
        cli_open(&c, http_port(s));
        assert_int_equal(cli_send(&c, req.p, req.len), 0);
        while (cli_fill(&c) > 0) {
        }
        cli_close(&c);
    }
    buf_free(&req);
    assert_serving(http_port(s));
    int64_t t0 = now_ms();
    http_stop(s, 30000);
    assert_true(now_ms() - t0 < 10000);
    assert_int_equal(atomic_load(&app.begins), atomic_load(&app.done));
}

/* A head that trickles in is cut at head_timeout_ms; a slow body is not. */
static void test_head_deadline(void **state)
{
    (void)state;
    app_t app = {0};
    http_options_t opt = {.address = "127.0.0.1", .threads = 1, .head_timeout_ms = 300};
    char err[256] = "";
    http_server_t *s = http_start(&opt, &handler, &app, err, sizeof err);
    if (!s) fail_msg("http_start: %s", err);
    client_t c;
    cli_open(&c, http_port(s));
    assert_int_equal(cli_sends(&c, "GET /hello HTTP/1.1\r\nHost: t\r\n"), 0);
    int closed = 0;
    for (int i = 0; i < 200 && !closed; i++) { /* up to 20 s, a byte each 100 ms */
        if (cli_sends(&c, "X") != 0) closed = 1;
        if (!cli_quiet_for(&c, 100)) closed = cli_fill(&c) <= 0;
    }
    assert_true(closed);
    cli_close(&c);
    cli_open(&c, http_port(s));
    assert_int_equal(cli_sends(&c, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\n"),
                     0);
    for (int i = 0; i < 8; i++) {
        usleep(100 * 1000); /* 800 ms in all, past the 300 ms deadline */
        assert_int_equal(cli_sends(&c, "b"), 0);
    }
    reply_t r;
    assert_int_equal(cli_reply(&c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    cli_close(&c);
    http_stop(s, 1000);
}

/* A port nothing listens on (bound, then released). */
static unsigned closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_probe(void **state)
{
    fixture_t *f = *state;
    char url[128], err[256];
    static const struct {
        const char *path;
        int want;
    } cases[] = {{"/status/200", 0}, {"/status/404", 0}, {"/status/204", 0},
                 {"/status/499", 0}, {"/status/500", 1}, {"/status/503", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", f->port, cases[i].path);
        err[0] = '\0';
        int rc = http_probe(url, 2000, err, sizeof err);
        if (rc != cases[i].want) fail_msg("probe %s: %d (%s)", url, rc, err);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/status/500", f->port);
    assert_int_equal(http_probe(url, 2000, err, sizeof err), 1);
    assert_string_equal(err, "status 500");
    snprintf(url, sizeof url, "http://localhost:%u/hello", f->port);
    assert_int_equal(http_probe(url, 2000, err, sizeof err), 0);

    snprintf(url, sizeof url, "http://127.0.0.1:%u/", closed_port());
    assert_int_equal(http_probe(url, 2000, err, sizeof err), 1);

    /* A listener that never answers: the timeout holds. */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 4), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    int64_t t0 = now_ms();
    assert_int_equal(http_probe(url, 300, err, sizeof err), 1);
    int64_t took = now_ms() - t0;
    assert_true(took >= 250 && took < 2000);
    close(ls);

    static const char *const bad[] = {
        "ftp://127.0.0.1/",
        "http://example.com/",
        "http://127.0.0.1:0/",
        "http://127.0.0.1:99999/",
        "http://[::1/",
        "http://127.0.0.1:80x/",
        "http://",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = http_probe(bad[i], 500, err, sizeof err);
        if (rc != 2) fail_msg("probe '%s': %d, not 2 (%s)", bad[i], rc, err);
    }
    assert_serving(f->port);
}

/* The client under the webhooks: a POST's body arrives whole, any status is
 * told, the deadline holds, and names are looked up only when asked. */
static void test_client_post(void **state)
{
    fixture_t *f = *state;
    char url[128], err[256];
    int status;
    size_t n = 100000;
    char *body = malloc(n);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)('a' + i % 26);
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    snprintf(url, sizeof url, "http://127.0.0.1:%u/echo", f->port);
    http_client_req_t req = {"POST", url, headers, body, n, 5000, 0};
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_OK);
    assert_int_equal(status, 200);
    snprintf(url, sizeof url, "http://localhost:%u/status/503?x=1", f->port);
    req.body_len = 3;
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_OK);
    assert_int_equal(status, 503);
    /* an empty POST still says Content-Length: 0 */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/status/204", f->port);
    req.body = NULL;
    req.body_len = 0;
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_OK);
    assert_int_equal(status, 204);
    /* nothing listening; a name without resolve; not http */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", closed_port());
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_EFAIL);
    req.url = "http://webhook.example/";
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_EURL);
    req.url = "https://127.0.0.1/";
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_EURL);
    req.url = "http://127.0.0.1/a b";
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_EURL);
    /* an answer slower than the deadline */
    f->app.slow_ms = 800;
    snprintf(url, sizeof url, "http://127.0.0.1:%u/slow", f->port);
    req.url = url;
    req.timeout_ms = 200;
    int64_t t0 = now_ms();
    assert_int_equal(http_client_send(&req, &status, err, sizeof err), HTTP_CLIENT_EFAIL);
    assert_true(now_ms() - t0 < 700);
    f->app.slow_ms = 0;
    free(body);
    assert_serving(f->port);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    util_log_quiet = 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_buffer_body_keepalive),
        cmocka_unit_test(test_head_has_length_and_no_body),
        cmocka_unit_test(test_fd_body_range),
        cmocka_unit_test(test_reader_body_many_calls),
        cmocka_unit_test(test_reader_error_closes_connection),
        cmocka_unit_test(test_reader_body_of_unknown_length),
        cmocka_unit_test(test_content_length_body_in_pieces),
        cmocka_unit_test(test_chunked_request_body),
        cmocka_unit_test(test_expect_100_continue_any_case),
        cmocka_unit_test(test_answer_from_begin_skips_body),
        cmocka_unit_test(test_body_error_answered_after_the_body),
        cmocka_unit_test(test_unfinished_answers_are_500),
        cmocka_unit_test(test_client_closes_mid_body),
        cmocka_unit_test(test_target_is_raw),
        cmocka_unit_test(test_listener_tag),
        cmocka_unit_test(test_header_lookup_ignores_case),
        cmocka_unit_test(test_stop_waits_for_request_in_flight),
        cmocka_unit_test(test_stop_gives_up_after_grace),
        cmocka_unit_test(test_stop_ignores_idle_connections),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_client_post),
        cmocka_unit_test(test_refused_heads_skip_begin),
        cmocka_unit_test(test_reject_hook_answers),
        cmocka_unit_test(test_dropped_head_is_freed_and_stop_is_prompt),
        cmocka_unit_test(test_head_deadline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
