/* form — a streaming multipart/form-data reader (RFC 7578), for S3's browser
 * POST uploads.
 *
 * The body goes in as pieces split at any byte. The fields before the file
 * come out whole (name, value) through the field callback, their names and
 * values bounded together by max_fields bytes (S3 allows 20 KB); the part
 * named "file" (any letter case) comes out as a begin (with the filename and
 * Content-Type of its headers), its bytes as they arrive (never buffered
 * whole) and an end. Whatever follows the file's closing boundary is ignored,
 * as S3 ignores fields after the file. Every byte delivered points into the
 * piece being fed or into the reader's own buffers, never past them. */
#ifndef FAKES3_FORM_H
#define FAKES3_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define FORM_MAX_BOUNDARY 70 /* RFC 2046 */
#define FORM_MAX_HEADERS  8192
#define FORM_MAX_FIELDS   (20 * 1024)

/* Results of form_feed and form_finish. */
enum {
    FORM_OK = 0,
    FORM_EMALFORMED = -1, /* not multipart/form-data as announced, or cut short */
    FORM_ETOOBIG = -2,    /* the fields before the file exceed max_fields bytes */
    FORM_ENOFILE = -3,    /* (finish) the body ended well without a file part */
    FORM_ECALLBACK = -4,  /* a callback returned non-zero: the caller knows why */
};

/* Callbacks; each returns 0 to go on, non-zero to stop (FORM_ECALLBACK).
 * Pointers are valid during the call only. */
typedef struct form_cb {
    /* A field before the file: name NUL-terminated, value n bytes (NUL after). */
    int (*field)(void *ctx, const char *name, const char *value, size_t n);
    /* The file part starts; filename is NULL when its Content-Disposition has
     * none (filename="" gives ""), content_type "" when absent. */
    int (*file_begin)(void *ctx, const char *filename, const char *content_type);
    int (*file_data)(void *ctx, const char *p, size_t n);
    /* The file part ended at its boundary. */
    int (*file_end)(void *ctx);
} form_cb_t;

typedef struct form {
    const form_cb_t *cb;
    void *ctx;
    char delim[FORM_MAX_BOUNDARY + 5]; /* "\r\n--" boundary */
    size_t dlen;
    size_t pi[FORM_MAX_BOUNDARY + 5]; /* KMP failure function of delim */
    size_t match;                     /* bytes of delim matched so far */
    int state;
    int err; /* sticky */
    size_t max_fields, fields_len;
    buf_t hdr;   /* the headers of the current part */
    buf_t name;  /* the current field's name */
    buf_t value; /* the current field's value */
    int in_file;
} form_t;

/* The boundary parameter of a multipart/form-data Content-Type into out
 * (FORM_MAX_BOUNDARY + 1 bytes). Returns 0, -1 when the type is not
 * multipart/form-data, -2 when its boundary is missing, empty or too long. */
int form_boundary(const char *content_type, char out[FORM_MAX_BOUNDARY + 1]);
/* Start reading a body with this boundary (form_boundary's). */
void form_init(form_t *f, const char *boundary, size_t max_fields, const form_cb_t *cb, void *ctx);
/* Feed n bytes. Returns FORM_OK or the (sticky) error. */
int form_feed(form_t *f, const char *p, size_t n);
/* The body ended. FORM_OK when the file part was complete, FORM_ENOFILE when
 * the form closed without one, else the error. */
int form_finish(form_t *f);
/* Release the buffers (f itself is the caller's). */
void form_free(form_t *f);

#endif
