/* probe — one GET against a running server, for container health checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "lib/util.h"

static int http_probe_parse(const char *url, struct sockaddr_storage *ss, socklen_t *sslen,
                            char *host, size_t hostlen, const char **path)
{
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *h = url + 7, *end;
    char addr[64];
    unsigned port = 80;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end || (size_t)(end - h - 1) >= sizeof addr) return -1;
        memcpy(addr, h + 1, (size_t)(end - h - 1));
        addr[end - h - 1] = '\0';
        end++;
    } else {
        end = h + strcspn(h, ":/");
        if (end == h || (size_t)(end - h) >= sizeof addr) return -1;
        memcpy(addr, h, (size_t)(end - h));
        addr[end - h] = '\0';
    }
    if (*end == ':') {
        char *e;
        unsigned long p = strtoul(end + 1, &e, 10);
        if (e == end + 1 || p == 0 || p > 65535 || (*e && *e != '/')) return -1;
        port = (unsigned)p;
        end = e;
    }
    if (*end && *end != '/') return -1;
    *path = *end ? end : "/";
    snprintf(host, hostlen, "%.*s", (int)(end - h), h);
    if (strcmp(addr, "localhost") == 0) snprintf(addr, sizeof addr, "127.0.0.1");
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *sslen = sizeof *a4;
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *sslen = sizeof *a6;
    } else {
        return -1; /* no resolver in a scratch image: literals only */
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

int http_probe(const char *url, int timeout_ms, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    char host[128];
    const char *path;
    if (http_probe_parse(url, &ss, &sslen, host, sizeof host, &path)) {
        snprintf(err, errlen, "not an http:// URL with an address literal");
        return 2;
    }
    int64_t deadline = now_ms() + timeout_ms;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return 1;
    }
    int ret = 1;
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
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: fakes3-probe\r\n"
                     "Connection: close\r\n\r\n",
                     path, host);
    if (n < 0 || (size_t)n >= sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        snprintf(err, errlen, "send failed");
        goto out;
    }
    char line[64];
    size_t got = 0;
    while (got < 12) {
        if (wait_fd(fd, POLLIN, deadline)) {
            snprintf(err, errlen, "no answer in time");
            goto out;
        }
        ssize_t r = recv(fd, line + got, sizeof line - 1 - got, 0);
        if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            snprintf(err, errlen, "connection closed before a status line");
            goto out;
        }
        got += (size_t)r;
    }
    line[got] = '\0';
    int status = 0;
    if (sscanf(line, "HTTP/1.%*1d %3d", &status) != 1) {
        snprintf(err, errlen, "malformed answer");
        goto out;
    }
    if (status >= 200 && status < 500)
        ret = 0;
    else
        snprintf(err, errlen, "status %d", status);
out:
    close(fd);
    return ret;
}
