#include "s3/chunked.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

enum {
    ST_SIZE,    /* reading a size line */
    ST_DATA,    /* passing chunk data through */
    ST_DATA_CR, /* expecting the CR after chunk data */
    ST_DATA_LF, /* expecting the LF after chunk data */
    ST_TRAILER, /* reading trailer lines after the final chunk */
    ST_DONE,    /* the empty line after the trailers was seen */
    ST_ERROR,
};

static int fail(chunked_t *d, int code, const char *why)
{
    assert(code != 0);
    d->state = ST_ERROR;
    d->err = code;
    d->errmsg = why;
    return code;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 tchar: what a header or extension name may be made of. */
static int is_tchar(int c)
{
    if (c >= '0' && c <= '9') return 1;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Take one CRLF-terminated line from the input. Returns 1 with *line and *len set to the
 * line without its CRLF (pointing into the input when the whole line arrived in
 * this piece, else into d->line; valid until the next call), 0 when the input ran
 * out first (it is kept in d->line), -1 when the line exceeds max bytes, -2 on a
 * LF without CR unless lf_ok. Splitting on CRLF, not LF, is what lets a trailer
 * value end in minio-go's LF. */
static int take_line(chunked_t *d, const char **p, size_t *n, size_t max, int lf_ok,
                     const char **line, size_t *len)
{
    assert(max + 1 <= sizeof d->line);
    const char *s = *p;
    size_t avail = *n, from = 0;
    for (;;) {
        const char *nl = from < avail ? memchr(s + from, '\n', avail - from) : NULL;
        if (!nl) break;
        size_t k = (size_t)(nl - s);
        int cr = k ? s[k - 1] == '\r' : d->linelen && d->line[d->linelen - 1] == '\r';
        if (!cr) {
            if (!lf_ok) return -2;
            from = k + 1;
            continue;
        }
        size_t total = d->linelen + k; /* bytes before the LF, the CR included */
        if (total - 1 > max) return -1;
        if (d->linelen == 0) {
            *line = s;
        } else {
            memcpy(d->line + d->linelen, s, k);
            *line = d->line;
        }
        *len = total - 1;
        d->linelen = 0;
        *p = s + k + 1;
        *n = avail - (k + 1);
        return 1;
    }
    /* Room for max bytes and the CR that may end them. */
    if (avail > max + 1 - d->linelen) return -1;
    memcpy(d->line + d->linelen, s, avail);
    d->linelen += avail;
    *p = s + avail;
    *n = 0;
    return 0;
}

/* "<hex>[;name[=value]]..." with optional blanks around ';' and '='. */
static int parse_size_line(chunked_t *d, const char *s, size_t len)
{
    size_t i = 0;
    uint64_t size = 0;
    int v;
    for (; i < len && (v = hexval((unsigned char)s[i])) >= 0; i++) {
        if (size > UINT64_MAX >> 4) return fail(d, CHUNKED_EBADFORMAT, "chunk size overflows");
        size = size << 4 | (uint64_t)v;
    }
    if (i == 0) return fail(d, CHUNKED_EBADFORMAT, "chunk size is not hex");
    d->siglen = 0;
    int have_sig = 0;
    for (;;) {
        while (i < len && is_blank(s[i]))
            i++;
        if (i == len) break;
        if (s[i++] != ';') return fail(d, CHUNKED_EBADFORMAT, "junk after chunk size");
        while (i < len && is_blank(s[i]))
            i++;
        size_t name = i;
        while (i < len && is_tchar((unsigned char)s[i]))
            i++;
        size_t nlen = i - name;
        if (nlen == 0) return fail(d, CHUNKED_EBADFORMAT, "empty chunk extension name");
        while (i < len && is_blank(s[i]))
            i++;
        size_t val = i, vlen = 0;
        int has_val = i < len && s[i] == '=';
        if (has_val) {
            i++;
            while (i < len && is_blank(s[i]))
                i++;
            val = i;
            /* Token or quoted-string alike: anything visible up to the next ';'. */
            while (i < len && s[i] > ' ' && s[i] < 0x7f && s[i] != ';')
                i++;
            vlen = i - val;
            if (vlen == 0) return fail(d, CHUNKED_EBADFORMAT, "empty chunk extension value");
        }
        if (nlen != 15 || strncasecmp(s + name, "chunk-signature", 15) != 0) continue;
        if (have_sig) return fail(d, CHUNKED_EBADFORMAT, "two chunk signatures");
        if (!has_val) return fail(d, CHUNKED_EBADFORMAT, "chunk-signature without a value");
        if (vlen > CHUNKED_SIG_MAX) return fail(d, CHUNKED_EBADFORMAT, "chunk-signature too long");
        for (size_t j = 0; j < vlen; j++)
            if (hexval((unsigned char)s[val + j]) < 0)
                return fail(d, CHUNKED_EBADFORMAT, "chunk-signature is not hex");
        /* The line may live in d->line, which the next line overwrites before
         * chunk_end runs for a data chunk: keep a copy. */
        memcpy(d->sig, s + val, vlen);
        d->siglen = vlen;
        have_sig = 1;
    }
    d->chunk_len = size;
    d->left = size;
    return 0;
}

static int end_chunk(chunked_t *d)
{
    if (!d->cb || !d->cb->chunk_end) return 0;
    int rc = d->cb->chunk_end(d->ctx, d->siglen ? d->sig : NULL, d->siglen, d->chunk_len);
    return rc ? fail(d, rc, "chunk_end callback refused the chunk") : 0;
}

/* "name:value" with minio-go's trailing LF and blanks around the value dropped. */
static int parse_trailer(chunked_t *d, const char *s, size_t len)
{
    if (++d->ntrailers > CHUNKED_TRAILERS_MAX)
        return fail(d, CHUNKED_EBADFORMAT, "too many trailers");
    const char *colon = memchr(s, ':', len);
    if (!colon) return fail(d, CHUNKED_EBADFORMAT, "trailer line without ':'");
    size_t nlen = (size_t)(colon - s);
    if (nlen == 0) return fail(d, CHUNKED_EBADFORMAT, "empty trailer name");
    for (size_t i = 0; i < nlen; i++)
        if (!is_tchar((unsigned char)s[i])) return fail(d, CHUNKED_EBADFORMAT, "bad trailer name");
    const char *v = colon + 1, *end = s + len;
    if (end > v && end[-1] == '\n') end--;
    while (v < end && is_blank(*v))
        v++;
    while (end > v && is_blank(end[-1]))
        end--;
    for (const char *q = v; q < end; q++)
        if (((unsigned char)*q < ' ' && *q != '\t') || *q == 0x7f)
            return fail(d, CHUNKED_EBADFORMAT, "control character in trailer value");
    if (!d->cb || !d->cb->trailer) return 0;
    int rc = d->cb->trailer(d->ctx, s, nlen, v, (size_t)(end - v));
    return rc ? fail(d, rc, "trailer callback refused the trailer") : 0;
}

void chunked_init(chunked_t *d, const chunked_cb_t *cb, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->cb = cb;
    d->ctx = ctx;
    d->state = ST_SIZE;
}

int chunked_feed(chunked_t *d, const char *p, size_t n)
{
    const char *line;
    size_t len;
    int rc;
    if (d->err) return d->err;
    while (n > 0) {
        switch (d->state) {
        case ST_SIZE:
            rc = take_line(d, &p, &n, CHUNKED_LINE_MAX, 0, &line, &len);
            if (rc == -1) return fail(d, CHUNKED_EBADFORMAT, "chunk size line too long");
            if (rc < 0) return fail(d, CHUNKED_EBADFORMAT, "LF without CR in chunk size line");
            if (rc == 0) break;
            if ((rc = parse_size_line(d, line, len))) return rc;
            if (d->chunk_len > 0) {
                d->state = ST_DATA;
            } else {
                if ((rc = end_chunk(d))) return rc;
                d->state = ST_TRAILER;
            }
            break;
        case ST_DATA: {
            size_t take = d->left < n ? (size_t)d->left : n;
            if (d->cb && d->cb->data && (rc = d->cb->data(d->ctx, p, take)))
                return fail(d, rc, "data callback refused the payload");
            d->decoded += take;
            d->left -= take;
            p += take;
            n -= take;
            if (d->left == 0) d->state = ST_DATA_CR;
            break;
        }
        case ST_DATA_CR:
            if (*p != '\r') return fail(d, CHUNKED_EBADFORMAT, "chunk data not followed by CRLF");
            p++, n--;
            d->state = ST_DATA_LF;
            break;
        case ST_DATA_LF:
            if (*p != '\n') return fail(d, CHUNKED_EBADFORMAT, "chunk data not followed by CRLF");
            p++, n--;
            if ((rc = end_chunk(d))) return rc;
            d->state = ST_SIZE;
            break;
        case ST_TRAILER:
            rc = take_line(d, &p, &n, CHUNKED_TRAILER_LINE_MAX, 1, &line, &len);
            if (rc < 0) return fail(d, CHUNKED_EBADFORMAT, "trailer line too long");
            if (rc == 0) break;
            if (len == 0) {
                d->state = ST_DONE;
            } else if ((rc = parse_trailer(d, line, len))) {
                return rc;
            }
            break;
        case ST_DONE: return fail(d, CHUNKED_EBADFORMAT, "data after the end of the body");
        default:
            assert(!"unreachable chunked state");
            return fail(d, CHUNKED_EBADFORMAT, "bad state");
        }
    }
    return 0;
}

int chunked_finish(chunked_t *d)
{
    if (d->err) return d->err;
    return d->state == ST_DONE ? 0 : CHUNKED_EINCOMPLETE;
}

uint64_t chunked_decoded_len(const chunked_t *d)
{
    return d->decoded;
}

const char *chunked_error(const chunked_t *d)
{
    return d->errmsg;
}
