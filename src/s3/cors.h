/* cors — a bucket's CORS configuration: S3's CORSConfiguration document
 * read and validated (with Expat, through xmlin), written back in S3's
 * canonical form, and matched against a request.
 *
 * Matching follows S3: the first rule whose AllowedOrigin (at most one '*'
 * wildcard, case-sensitive), AllowedMethod (exact) and AllowedHeader (every
 * requested header must match one, case-insensitive, at most one '*') all
 * match wins. Knows nothing of HTTP: the caller passes the header values. */
#ifndef FAKES3_CORS_H
#define FAKES3_CORS_H

#include <stddef.h>

#include "lib/buf.h"

#define CORS_MAX_RULES 100

typedef struct cors_list {
    char **v; /* owned strings */
    size_t n;
} cors_list_t;

typedef struct cors_rule {
    char *id; /* owned, or NULL */
    cors_list_t origins, methods, headers, expose;
    long max_age; /* -1: not set */
} cors_rule_t;

typedef struct cors_config {
    cors_rule_t *rules; /* owned */
    size_t n;
} cors_config_t;

enum {
    CORS_OK = 0,
    CORS_EMALFORMED = -1, /* S3's MalformedXML */
    CORS_EINVALID = -2,   /* S3's InvalidRequest, with the message in msg */
};

/* Read and validate a CORSConfiguration document into out (freed with
 * cors_free, also on failure). CORS_EINVALID writes S3's message to msg. */
int cors_parse(const char *xml, size_t n, cors_config_t *out, char *msg, size_t msglen);
/* Append the configuration as S3 returns it (declaration, xmlns). */
void cors_serialize(const cors_config_t *c, buf_t *out);
/* Release what c holds. */
void cors_free(cors_config_t *c);

/* The first rule matching origin, method and the comma-separated requested
 * headers (NULL or "" for none); NULL when none does. */
const cors_rule_t *cors_match(const cors_config_t *c, const char *origin, const char *method,
                              const char *req_headers);
/* Whether the rule allows every origin ("*"). */
int cors_rule_any_origin(const cors_rule_t *r);
/* Append the list joined by ", ". */
void cors_join(const cors_list_t *l, buf_t *out);
/* Append the requested headers as S3 echoes them: trimmed, lower case,
 * joined by ", ". */
void cors_requested_headers(const char *req_headers, buf_t *out);

#endif
