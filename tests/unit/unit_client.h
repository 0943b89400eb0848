/* unit_client — the raw-socket HTTP client pieces the adapter tests
 * (test_http.c, test_payload.c) share: connect, send, and a parsed reply. */
#ifndef FAKES3_UNIT_CLIENT_H
#define FAKES3_UNIT_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/util.h"

/* A connected loopback socket with TCP_NODELAY (small writes leave at once)
 * and 5 s timeouts (a broken server fails a test, never hangs it). */
static inline int tcp_connect(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send all n bytes; 0, or -1 if the connection failed. */
static inline int send_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += (size_t)k;
        n -= (size_t)k;
    }
    return 0;
}

#define MAX_HDRS 64

typedef struct reply {
    int status;
    char *head; /* owned; split in place into the lines below */
    const char *name[MAX_HDRS], *value[MAX_HDRS];
    size_t nhdr;
    buf_t body;
    int eof;    /* the body ended with the connection */
    int chunks; /* data chunks of a chunked body */
} reply_t;

/* Take the head (status line and headers, without the blank line) into r. 0,
 * or -1 for a bad status line. */
static inline int reply_parse_head(reply_t *r, const char *p, size_t n)
{
    r->head = xstrndup(p, n);
    if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1) return -1;
    char *line = strstr(r->head, "\r\n");
    while (line && r->nhdr < MAX_HDRS) {
        *line = '\0';
        line += 2;
        char *next = strstr(line, "\r\n");
        char *colon = strchr(line, ':');
        if (colon && (!next || colon < next)) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            r->name[r->nhdr] = line;
            r->value[r->nhdr++] = v;
        }
        line = next;
    }
    return 0;
}

static inline const char *hdr(const reply_t *r, const char *name)
{
    for (size_t i = 0; i < r->nhdr; i++)
        if (strcasecmp(r->name[i], name) == 0) return r->value[i];
    return NULL;
}

static inline void reply_free(reply_t *r)
{
    free(r->head);
    buf_free(&r->body);
    memset(r, 0, sizeof *r);
}

#endif
