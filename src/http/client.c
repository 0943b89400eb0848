/* client — one HTTP/1.1 request over a plain socket (see client.h). */
#include "http/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/util.h"

#define DRAIN_MAX (64 * 1024)

typedef struct url_parts {
    char addr[256]; /* the host without brackets or port */
    unsigned port;
    char host[300]; /* the Host header: as written, with its port */
    const char *path;
} url_parts_t;

static int parse_url(const char *url, url_parts_t *u)
{
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *h = url + 7, *end;
    u->port = 80;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end || end == h + 1 || (size_t)(end - h - 1) >= sizeof u->addr) return -1;
        memcpy(u->addr, h + 1, (size_t)(end - h - 1));
        u->addr[end - h - 1] = '\0';
        end++;
    } else {
        end = h + strcspn(h, ":/?#");
        if (end == h || (size_t)(end - h) >= sizeof u->addr) return -1;
        memcpy(u->addr, h, (size_t)(end - h));
        u->addr[end - h] = '\0';
    }
    if (*end == ':') {
        char *e;
        errno = 0;
        unsigned long p = strtoul(end + 1, &e, 10);
        if (e == end + 1 || errno || p == 0 || p > 65535 || (*e && *e != '/' && *e != '?'))
            return -1;
        u->port = (unsigned)p;
        end = e;
    }
    if (*end && *end != '/' && *end != '?') return -1;
    if ((size_t)(end - h) >= sizeof u->host) return -1;
    u->path = *end == '/' ? end : *end == '?' ? end : "/";
    snprintf(u->host, sizeof u->host, "%.*s", (int)(end - h), h);
    /* Nothing that could end the request line or a header inside. */
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) return -1;
    return 0;
}

/* The socket address of u; 0, or -1 (not a literal and not looked up). */
static int address_of(const url_parts_t *u, int resolve, struct sockaddr_storage *ss,
                      socklen_t *sslen)
{
    const char *a = strcasecmp(u->addr, "localhost") == 0 ? "127.0.0.1" : u->addr;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, a, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)u->port);
        *sslen = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, a, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)u->port);
        *sslen = sizeof *a6;
        return 0;
    }
    if (!resolve) return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", u->port);
    if (getaddrinfo(a, port, &hints, &res) != 0 || !res) return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int64_t now_ms(void)
{
    return util_mono_us() / 1000;
}

/* Wait for fd to be ready for events until deadline; 0 when ready. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    struct pollfd p = {fd, events, 0};
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) return -1;
        int rc = poll(&p, 1, left);
        if (rc > 0) return 0;
        if (rc < 0 && errno != EINTR) return -1;
    }
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
            if (wait_fd(fd, POLLOUT, deadline)) return -1;
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Send req, read the status line, then the rest: kept into head and answer
 * (the body, at most max bytes) when answer is not NULL, else read and dropped. */
static int exchange(const http_client_req_t *req, int *status, buf_t *head_out, buf_t *answer,
                    size_t max, char *err, size_t errlen)
{
    url_parts_t u;
    struct sockaddr_storage ss;
    socklen_t sslen;
    *status = 0;
    if (parse_url(req->url, &u)) {
        snprintf(err, errlen, "not an http:// URL");
        return HTTP_CLIENT_EURL;
    }
    if (address_of(&u, req->resolve, &ss, &sslen)) {
        snprintf(err, errlen, req->resolve ? "cannot resolve %s" : "not an address literal: %s",
                 u.addr);
        return HTTP_CLIENT_EURL;
    }
    int64_t deadline = now_ms() + (req->timeout_ms > 0 ? req->timeout_ms : 1);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return HTTP_CLIENT_EFAIL;
    }
    int ret = HTTP_CLIENT_EFAIL;
    buf_t out = BUF_INIT, in = BUF_INIT;
    if (connect(fd, (struct sockaddr *)&ss, sslen) != 0 && errno != EINPROGRESS) {
        snprintf(err, errlen, "connect: %s", strerror(errno));
        goto out;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (wait_fd(fd, POLLOUT, deadline) ||
        (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr)) {
        snprintf(err, errlen, "connect: %s", soerr ? strerror(soerr) : "timed out");
        goto out;
    }
    buf_printf(&out, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", req->method, u.path,
               u.host);
    for (const char *const *h = req->headers; h && *h; h++)
        buf_printf(&out, "%s\r\n", *h);
    int bodyless = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (!bodyless || req->body_len) buf_printf(&out, "Content-Length: %zu\r\n", req->body_len);
    buf_puts(&out, "\r\n");
    if (send_all(fd, out.p, out.len, deadline) ||
        (req->body_len && send_all(fd, req->body, req->body_len, deadline))) {
        snprintf(err, errlen, "send: %s", errno ? strerror(errno) : "timed out");
        goto out;
    }
    /* The status line. */
    char tmp[4096];
    while (!memchr(in.p ? in.p : "", '\n', in.len)) {
        if (in.len > 8192) {
            snprintf(err, errlen, "malformed answer");
            goto out;
        }
        if (wait_fd(fd, POLLIN, deadline)) {
            snprintf(err, errlen, "no answer in time");
            goto out;
        }
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) {
            snprintf(err, errlen, "connection closed before a status line");
            goto out;
        }
        buf_append(&in, tmp, (size_t)r);
    }
    int st = 0;
    if (sscanf(in.p, "HTTP/1.%*1[01] %3d", &st) != 1 || st < 100 || st > 999) {
        snprintf(err, errlen, "malformed answer");
        goto out;
    }
    *status = st;
    ret = HTTP_CLIENT_OK;
    /* The rest: the head, then the body of its Content-Length or until the
     * server closes. Without an answer to keep it goes unread but not cut
     * off (at most DRAIN_MAX, so that a chatty server cannot hold us). */
    long long total = -1; /* head and body, once the head told */
    size_t head = 0, got = in.len;
    int closed = 0;
    for (;;) {
        const char *end = head || !in.p ? NULL : strstr(in.p, "\r\n\r\n");
        if (end) {
            head = (size_t)(end + 4 - in.p);
            total = -2; /* no Content-Length: until the server closes */
            for (const char *l = strstr(in.p, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n"))
                if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
                    total = atoll(l + 17);
                else if (answer && strncasecmp(l + 2, "Transfer-Encoding:", 18) == 0) {
                    snprintf(err, errlen, "a chunked answer (not supported)");
                    ret = HTTP_CLIENT_EFAIL;
                    goto out;
                }
            if (st == 204 || st == 304 || st < 200 || strcmp(req->method, "HEAD") == 0) total = 0;
            if (total >= 0) total += (long long)head;
        }
        if (total >= 0 && (long long)got >= total) break;
        if (!answer && got >= DRAIN_MAX) break;
        if (answer && head && got - head > max) {
            snprintf(err, errlen, "the answer is larger than %zu bytes", max);
            ret = HTTP_CLIENT_EFAIL;
            goto out;
        }
        if (wait_fd(fd, POLLIN, deadline)) break;
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) {
            closed = 1;
            break;
        }
        got += (size_t)r;
        if (answer || (!head && in.len < 16384)) buf_append(&in, tmp, (size_t)r);
    }
    if (answer) {
        if (!head || (total >= 0 ? (long long)got < total : !closed)) {
            snprintf(err, errlen, "%s", !head ? "malformed answer" : "the answer was cut short");
            ret = HTTP_CLIENT_EFAIL;
            goto out;
        }
        size_t n = (total >= 0 ? (size_t)total : got) - head;
        buf_append(answer, in.p + head, n);
        if (head_out) buf_append(head_out, in.p, head);
    }
out:
    close(fd);
    buf_free(&out);
    buf_free(&in);
    return ret;
}

int http_client_send(const http_client_req_t *req, int *status, char *err, size_t errlen)
{
    return exchange(req, status, NULL, NULL, 0, err, errlen);
}

int http_client_fetch(const http_client_req_t *req, int *status, buf_t *head, buf_t *answer,
                      size_t max, char *err, size_t errlen)
{
    return exchange(req, status, head, answer, max, err, errlen);
}
