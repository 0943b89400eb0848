/* buf — a growable byte buffer and the text encoders that write into one.
 *
 * A buf_t owns its storage; the bytes are always NUL-terminated so that a
 * buffer of text can be handed to C string functions. Allocation failure
 * aborts the process (see util.h, xmalloc): a server that cannot allocate
 * a few bytes cannot answer anyway. */
#ifndef FAKES3_BUF_H
#define FAKES3_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *p;    /* owned; NUL-terminated; NULL until the first append */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
} buf_t;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Make room for n more bytes. */
void buf_reserve(buf_t *b, size_t n);
/* Append n bytes / a C string / a single byte. */
void buf_append(buf_t *b, const void *data, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
/* Append printf-formatted text. */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append n bytes escaped for XML character data and attribute values. */
void buf_xml(buf_t *b, const char *s, size_t n);
/* Append n bytes percent-encoded; unreserved characters (and '/' when
 * keep_slash) stay as they are. This is the SigV4 and encoding-type=url form. */
void buf_urlenc(buf_t *b, const char *s, size_t n, int keep_slash);
/* Forget the contents, keep the storage. */
void buf_reset(buf_t *b);
/* Free the storage; the buffer is empty and reusable afterwards. */
void buf_free(buf_t *b);
/* Hand the storage to the caller (who frees it); the buffer is left empty. */
char *buf_take(buf_t *b);

#endif
