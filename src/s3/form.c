/* form — streaming multipart/form-data; see form.h.
 *
 * Part bodies are scanned for the delimiter "\r\n--boundary" with the KMP
 * automaton, one byte of state per matched delimiter byte: bytes that may
 * still begin a delimiter are held back (they are a prefix of the delimiter,
 * so they are re-emitted from it when the match fails), every other byte is
 * delivered at once, in runs taken straight from the piece. */
#include "s3/form.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum {
    S_PREAMBLE, /* before the first delimiter */
    S_AFTER,    /* just after a delimiter: "--", or blanks then CRLF */
    S_DASH,     /* one '-' of a closing delimiter seen */
    S_CR,       /* '\r' of the delimiter line's end seen */
    S_HEADERS,  /* a part's header lines */
    S_VALUE,    /* a field's value */
    S_FILE,     /* the file's bytes */
    S_END,      /* the closing delimiter came (no file): the epilogue is ignored */
    S_DONE,     /* the file ended: the rest is ignored */
};

int form_boundary(const char *ct, char out[FORM_MAX_BOUNDARY + 1])
{
    if (!ct) return -1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, "multipart/form-data", 19) != 0) return -1;
    const char *p = ct + 19;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p && *p != ';') return -1;
    while (*p == ';') {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t nl = strcspn(p, "=;");
        int is_b = nl == 8 && strncasecmp(p, "boundary", 8) == 0;
        p += nl;
        if (*p != '=') continue;
        p++;
        char v[FORM_MAX_BOUNDARY + 2];
        size_t n = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                if (n > FORM_MAX_BOUNDARY) return -2;
                v[n++] = *p++;
            }
            if (*p != '"') return -2;
            p++;
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t') {
                if (n > FORM_MAX_BOUNDARY) return -2;
                v[n++] = *p++;
            }
        }
        while (*p && *p != ';')
            p++;
        if (is_b) {
            if (n == 0 || n > FORM_MAX_BOUNDARY) return -2;
            memcpy(out, v, n);
            out[n] = '\0';
            return 0;
        }
    }
    return -2;
}

void form_init(form_t *f, const char *boundary, size_t max_fields, const form_cb_t *cb, void *ctx)
{
    memset(f, 0, sizeof *f);
    f->cb = cb;
    f->ctx = ctx;
    f->max_fields = max_fields;
    size_t bl = strlen(boundary);
    if (bl > FORM_MAX_BOUNDARY) bl = FORM_MAX_BOUNDARY;
    memcpy(f->delim, "\r\n--", 4);
    memcpy(f->delim + 4, boundary, bl);
    f->dlen = 4 + bl;
    /* KMP: pi[i] = the longest proper prefix of delim[0..i] that is also its suffix. */
    f->pi[0] = 0;
    for (size_t i = 1, k = 0; i < f->dlen; i++) {
        while (k > 0 && f->delim[i] != f->delim[k])
            k = f->pi[k - 1];
        if (f->delim[i] == f->delim[k]) k++;
        f->pi[i] = k;
    }
    /* The body may start with the delimiter without its CRLF. */
    f->match = 2;
    f->state = S_PREAMBLE;
}

void form_free(form_t *f)
{
    buf_free(&f->hdr);
    buf_free(&f->name);
    buf_free(&f->value);
}

static const char *str(const buf_t *b)
{
    return b->p ? b->p : "";
}

/* Deliver part-body bytes to the current part. */
static int emit(form_t *f, const char *p, size_t n)
{
    if (n == 0) return FORM_OK;
    switch (f->state) {
    case S_VALUE:
        if (f->fields_len + n > f->max_fields) return FORM_ETOOBIG;
        f->fields_len += n;
        buf_append(&f->value, p, n);
        return FORM_OK;
    case S_FILE: return f->cb->file_data(f->ctx, p, n) ? FORM_ECALLBACK : FORM_OK;
    default: return FORM_OK; /* the preamble */
    }
}

/* Scan p for the delimiter, delivering what is not part of it. Returns the
 * bytes consumed (the delimiter included when *found) or a negative error.
 *
 * The matcher holds the last f->match bytes of the stream, which are always
 * delim[0..match). Those of them that came with earlier pieces ("carried")
 * are re-emitted from delim when a mismatch releases them; the plain bytes of
 * this piece go out in one run from the piece, at its end or before the
 * delimiter, so the file reaches the store in pieces as large as they came. */
static long scan(form_t *f, const char *p, size_t n, int *found)
{
    size_t i = 0;
    int rc;
    *found = 0;
    while (i < n) {
        if (f->match == 0) {
            const char *cr = memchr(p + i, '\r', n - i);
            if (!cr) {
                i = n;
                break;
            }
            i = (size_t)(cr - p) + 1;
            f->match = 1; /* delim[0] is '\r' */
            continue;
        }
        char c = p[i];
        while (f->match > 0 && c != f->delim[f->match]) {
            size_t nk = f->pi[f->match - 1];
            /* Carried bytes are the first match - i held ones. */
            if (f->match > i) {
                size_t carried = f->match - i, still = nk > i ? nk - i : 0;
                if ((rc = emit(f, f->delim, carried - still))) return rc;
            }
            f->match = nk;
        }
        if (c == f->delim[f->match]) f->match++;
        i++;
        if (f->match == f->dlen) {
            f->match = 0;
            *found = 1;
            if (i > f->dlen && (rc = emit(f, p, i - f->dlen))) return rc;
            return (long)i;
        }
    }
    size_t held = f->match < i ? f->match : i;
    if ((rc = emit(f, p, i - held))) return rc;
    return (long)i;
}

/* A Content-Disposition parameter's value (quoted or a token) into out. */
static const char *param_value(const char *p, buf_t *out)
{
    buf_reset(out);
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1]) p++;
            buf_putc(out, *p++);
        }
        if (*p == '"') p++;
    } else {
        size_t n = strcspn(p, ";");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        buf_append(out, p, n);
        p += n;
    }
    return p;
}

/* The part's headers are in f->hdr: find its name (and filename). */
static int part_begin(form_t *f)
{
    buf_t filename = BUF_INIT, ctype = BUF_INIT, tmp = BUF_INIT;
    int have_name = 0, have_filename = 0, form_data = 0, rc = FORM_OK;
    buf_reset(&f->name);
    char *line = f->hdr.p;
    while (line && *line) {
        char *eol = strstr(line, "\r\n");
        if (!eol) break;
        *eol = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            size_t nl = (size_t)(colon - line);
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            if (nl == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
                /* Only a form-data part named file is the file (S3 reads
                 * "file; name=file" as a field). */
                form_data = strncasecmp(v, "form-data", 9) == 0 &&
                            (v[9] == '\0' || v[9] == ';' || v[9] == ' ' || v[9] == '\t');
                const char *p = v + strcspn(v, ";");
                while (*p) {
                    while (*p == ';' || *p == ' ' || *p == '\t')
                        p++;
                    size_t pl = strcspn(p, "=; \t");
                    const char *pn = p;
                    p += pl;
                    while (*p == ' ' || *p == '\t')
                        p++;
                    if (*p != '=') continue;
                    p++;
                    while (*p == ' ' || *p == '\t')
                        p++;
                    p = param_value(p, &tmp);
                    if (pl == 4 && strncasecmp(pn, "name", 4) == 0) {
                        buf_reset(&f->name);
                        buf_append(&f->name, str(&tmp), tmp.len);
                        have_name = 1;
                    } else if (pl == 8 && strncasecmp(pn, "filename", 8) == 0) {
                        buf_reset(&filename);
                        buf_append(&filename, str(&tmp), tmp.len);
                        have_filename = 1;
                    }
                }
            } else if (nl == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
                buf_reset(&ctype);
                buf_puts(&ctype, v);
            }
        }
        line = eol + 2;
    }
    if (!have_name || f->name.len == 0) {
        rc = FORM_EMALFORMED;
        goto out;
    }
    if (form_data && strcasecmp(str(&f->name), "file") == 0) {
        f->state = S_FILE;
        f->in_file = 1;
        if (f->cb->file_begin(f->ctx, have_filename ? str(&filename) : NULL, str(&ctype)))
            rc = FORM_ECALLBACK;
    } else {
        if (f->fields_len + f->name.len > f->max_fields) {
            rc = FORM_ETOOBIG;
            goto out;
        }
        f->fields_len += f->name.len;
        buf_reset(&f->value);
        f->state = S_VALUE;
    }
out:
    buf_free(&filename);
    buf_free(&ctype);
    buf_free(&tmp);
    return rc;
}

/* A delimiter ended the part in f->state. */
static int part_end(form_t *f)
{
    if (f->state == S_VALUE) {
        if (f->cb->field(f->ctx, str(&f->name), str(&f->value), f->value.len))
            return FORM_ECALLBACK;
    } else if (f->state == S_FILE) {
        f->state = S_DONE;
        return f->cb->file_end(f->ctx) ? FORM_ECALLBACK : FORM_OK;
    }
    f->state = S_AFTER;
    return FORM_OK;
}

int form_feed(form_t *f, const char *p, size_t n)
{
    while (n && !f->err) {
        switch (f->state) {
        case S_PREAMBLE:
        case S_VALUE:
        case S_FILE: {
            int found;
            long used = scan(f, p, n, &found);
            if (used < 0) {
                f->err = (int)used;
                break;
            }
            p += used, n -= (size_t)used;
            if (found) f->err = part_end(f);
            break;
        }
        case S_AFTER:
            if (*p == '-')
                f->state = S_DASH;
            else if (*p == '\r')
                f->state = S_CR;
            else if (*p != ' ' && *p != '\t')
                f->err = FORM_EMALFORMED;
            p++, n--;
            break;
        case S_DASH:
            if (*p == '-')
                f->state = S_END;
            else
                f->err = FORM_EMALFORMED;
            p++, n--;
            break;
        case S_CR:
            if (*p == '\n') {
                f->state = S_HEADERS;
                buf_reset(&f->hdr);
            } else {
                f->err = FORM_EMALFORMED;
            }
            p++, n--;
            break;
        case S_HEADERS: {
            if (f->hdr.len >= FORM_MAX_HEADERS) {
                f->err = FORM_EMALFORMED;
                break;
            }
            buf_putc(&f->hdr, *p);
            p++, n--;
            size_t l = f->hdr.len;
            if ((l == 2 && memcmp(f->hdr.p, "\r\n", 2) == 0) ||
                (l >= 4 && memcmp(f->hdr.p + l - 4, "\r\n\r\n", 4) == 0)) {
                if (l == 2) buf_reset(&f->hdr);
                f->err = part_begin(f);
            }
            break;
        }
        case S_END:
        case S_DONE: n = 0; break;
        }
    }
    return f->err;
}

int form_finish(form_t *f)
{
    if (f->err) return f->err;
    if (f->state == S_DONE) return FORM_OK;
    if (f->state == S_END) return FORM_ENOFILE;
    return f->err = FORM_EMALFORMED;
}
