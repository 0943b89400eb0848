/* wirereq — a captured raw request (tests/fixtures/wire) as an authreq_t, for
 * the signature tests: request line, headers (trimmed), body. */
#ifndef FAKES3_TEST_WIREREQ_H
#define FAKES3_TEST_WIREREQ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/auth/authreq.h"

#define WIRE_MAX_HDRS 64

typedef struct wirereq {
    char *raw; /* owned: the head, cut into NUL-terminated pieces */
    char method[16];
    char *target;
    authreq_hdr_t hdrs[WIRE_MAX_HDRS];
    size_t nhdrs;
    char *body; /* points into raw */
    size_t body_len;
    authreq_t req;
} wirereq_t;

/* Load and parse a .http file; 0 on success. */
static inline int wirereq_load(wirereq_t *w, const char *path)
{
    memset(w, 0, sizeof *w);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    w->raw = xmalloc((size_t)n + 1);
    size_t got = fread(w->raw, 1, (size_t)n, f);
    fclose(f);
    w->raw[got] = '\0';
    char *end = strstr(w->raw, "\r\n\r\n");
    if (!end) return -1;
    *end = '\0';
    w->body = end + 4;
    w->body_len = got - (size_t)(w->body - w->raw);
    char *line = w->raw, *next;
    next = strstr(line, "\r\n");
    if (next) *next = '\0';
    char *sp = strchr(line, ' ');
    if (!sp || (size_t)(sp - line) >= sizeof w->method) return -1;
    memcpy(w->method, line, (size_t)(sp - line));
    w->target = sp + 1;
    char *sp2 = strchr(w->target, ' ');
    if (sp2) *sp2 = '\0';
    while (next && w->nhdrs < WIRE_MAX_HDRS) {
        line = next + 2;
        next = strstr(line, "\r\n");
        if (next) *next = '\0';
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *e = v + strlen(v);
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        w->hdrs[w->nhdrs++] = (authreq_hdr_t){line, v};
    }
    w->req = (authreq_t){w->method, w->target, w->hdrs, w->nhdrs};
    return 0;
}

static inline void wirereq_free(wirereq_t *w)
{
    free(w->raw);
    memset(w, 0, sizeof *w);
}

#endif
