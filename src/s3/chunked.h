/* chunked — a streaming decoder for S3's `aws-chunked` content encoding.
 *
 * The decoder sees a request body that has already lost its HTTP chunking, in
 * pieces split anywhere, and undoes the aws-chunked framing:
 *
 *     <hex-size>[;chunk-signature=<hex>]\r\n<data>\r\n ...
 *     0[;chunk-signature=<hex>]\r\n[<name>:<value>\r\n ...]\r\n
 *
 * Payload bytes go to the data callback straight from the caller's buffer (no
 * copy); each chunk's declared size and signature go to chunk_end, each trailer
 * to trailer. Checking signatures and checksums is the callbacks' business: the
 * decoder only enforces the framing. Trailer lines may end in `\n\r\n` (minio-go
 * sends the canonical `name:value\n` it signed, then CRLF): the value loses that
 * LF and surrounding blanks. `x-amz-trailer-signature` arrives as an ordinary
 * trailer. Chunk extensions other than chunk-signature are skipped.
 *
 * Memory is bounded and allocation-free: a chunked_t is a plain struct (about
 * 8.5 KiB) the caller places anywhere; a size line over CHUNKED_LINE_MAX bytes,
 * a trailer line over CHUNKED_TRAILER_LINE_MAX, a signature over
 * CHUNKED_SIG_MAX or more than CHUNKED_TRAILERS_MAX trailers is a format
 * error, never a reason to buffer more. Errors are sticky: once feed has failed
 * every later feed and finish return the same code. */
#ifndef FAKES3_CHUNKED_H
#define FAKES3_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKED_EBADFORMAT  (-1) /* the body breaks the aws-chunked framing */
#define CHUNKED_EINCOMPLETE (-2) /* the body ended before the final chunk's trailer section */

#define CHUNKED_LINE_MAX         4096 /* bytes in a size line, extensions included, CRLF excluded */
#define CHUNKED_TRAILER_LINE_MAX 8192 /* bytes in a trailer line, CRLF excluded */
#define CHUNKED_TRAILERS_MAX     64   /* trailer lines after the final chunk */
#define CHUNKED_SIG_MAX          256  /* hex digits in a chunk-signature (SigV4 uses 64) */

/* The callbacks; any may be NULL. Pointers passed in are valid only during the
 * call. A non-zero return stops decoding: feed returns that value as is, so a
 * callback that must be told apart from the decoder's own codes returns a value
 * other than -1 and -2 (or records its reason in ctx). */
typedef struct chunked_cb {
    /* n > 0 decoded payload bytes, pointing into the buffer given to feed. */
    int (*data)(void *ctx, const char *p, size_t n);
    /* Once per chunk, the final 0-size one included: after a data chunk's closing
     * CRLF, for the final chunk as soon as its size line ends (before trailers).
     * sig is the chunk-signature value (not NUL-terminated), NULL/0 if absent. */
    int (*chunk_end)(void *ctx, const char *sig, size_t siglen, uint64_t chunk_len);
    /* Once per trailer line, in order; name as sent (compare case-insensitively),
     * value trimmed of blanks and of minio-go's trailing LF; neither NUL-terminated. */
    int (*trailer)(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen);
} chunked_cb_t;

/* Decoder state. Treat the members as private; chunked_init sets them all. */
typedef struct chunked {
    const chunked_cb_t *cb; /* borrowed; must outlive the decoder */
    void *ctx;              /* borrowed; passed to every callback */
    int state;
    int err;            /* sticky: 0, or the code feed returned */
    const char *errmsg; /* static text saying what broke, NULL while err is 0 */
    uint64_t chunk_len; /* declared size of the current chunk */
    uint64_t left;      /* data bytes of the current chunk still due */
    uint64_t decoded;   /* payload bytes handed to the data callback */
    unsigned ntrailers;
    size_t siglen;
    size_t linelen; /* bytes of a partial line held in line[] */
    char sig[CHUNKED_SIG_MAX];
    char line[CHUNKED_TRAILER_LINE_MAX + 1]; /* a line split across feeds, with its CR */
} chunked_t;

/* Start decoding a new body; cb and ctx are borrowed. Never fails. */
void chunked_init(chunked_t *d, const chunked_cb_t *cb, void *ctx);

/* Decode the next n bytes of the body (p is not retained after the call).
 * Returns 0 when all n bytes were consumed, CHUNKED_EBADFORMAT on broken
 * framing (any non-empty input after the end included), or a callback's
 * non-zero return. */
int chunked_feed(chunked_t *d, const char *p, size_t n);
/* Declare the end of the body: 0 if it ended exactly after the final chunk's
 * trailer section, CHUNKED_EINCOMPLETE if it stopped short, or the sticky error. */
int chunked_finish(chunked_t *d);

/* Payload bytes passed to the data callback so far. */
uint64_t chunked_decoded_len(const chunked_t *d);
/* Static text saying why decoding failed, for logs; NULL if it has not failed. */
const char *chunked_error(const chunked_t *d);

#endif
