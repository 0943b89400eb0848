/* cond — conditional requests: If-Match, If-None-Match, If-Modified-Since and
 * If-Unmodified-Since (and their x-amz-copy-source-if-* twins) evaluated
 * against an object's ETag and modification time, with S3's precedence.
 *
 * Reads the caller's strings, allocates nothing, keeps no state. */
#ifndef FAKES3_COND_H
#define FAKES3_COND_H

#include <stdint.h>

typedef enum cond_result {
    COND_OK = 0,       /* serve the request */
    COND_FAILED,       /* 412 PreconditionFailed */
    COND_NOT_MODIFIED, /* 304 (a copy source answers 412 instead) */
} cond_result_t;

/* The four header values (each NULL when absent) against etag (unquoted hex,
 * "-N" for multipart) and mtime_ms. If-Match beats If-Unmodified-Since,
 * If-None-Match beats If-Modified-Since; an unparsable date is ignored. */
cond_result_t cond_eval(const char *if_match, const char *if_unmodified_since,
                        const char *if_none_match, const char *if_modified_since, const char *etag,
                        int64_t mtime_ms);

/* 1 if the comma list of entity tags (quoted or not, W/ allowed, "*" for any)
 * names etag; else 0. */
int cond_etag_matches(const char *list, const char *etag);

#endif
