/* listparams — the query parameters of ListObjects (v1) and ListObjectsV2
 * checked and turned into what the store's range scan needs, and the
 * continuation tokens fakes3 hands out ("fakes3:" + the last key or common
 * prefix listed, in base64).
 *
 * No S3 error codes here: the caller maps listparams_err_t to its answer. */
#ifndef FAKES3_LISTPARAMS_H
#define FAKES3_LISTPARAMS_H

#include <stddef.h>

typedef struct listparams {
    int v2;    /* list-type=2 */
    int url;   /* encoding-type=url */
    int owner; /* Owner in each Contents: always in v1, fetch-owner=true in v2 */
    long max;  /* max-keys, capped at 1000 */
    /* The raw values (NULL when absent), pointing at the getter's strings. */
    const char *prefix, *delim, *marker, *start_after, *token, *max_keys, *encoding;
    /* Where the scan starts (exclusive): the decoded token, else marker or
     * start-after. Owned; NULL when none was given. May hold NUL bytes. */
    char *after;
    size_t after_len;
} listparams_t;

typedef enum listparams_err {
    LISTPARAMS_OK = 0,
    LISTPARAMS_BAD_ENCODING, /* encoding-type other than "url" */
    LISTPARAMS_BAD_MAX_KEYS, /* not a decimal integer in 0..2^31-1 */
    LISTPARAMS_BAD_TOKEN,    /* a continuation-token fakes3 did not make */
} listparams_err_t;

/* A query value by name, NULL when absent. */
typedef const char *(*listparams_get_fn)(void *ctx, const char *name);

/* Read the parameters through get. On LISTPARAMS_OK *out holds them (free
 * with listparams_free); on an error nothing is left to free. */
listparams_err_t listparams_parse(listparams_get_fn get, void *ctx, listparams_t *out);
void listparams_free(listparams_t *p);

/* The continuation token that resumes after key[0..n): a new string (free). */
char *listparams_token_encode(const char *key, size_t n);
/* The key a token resumes after: 0 with a new buffer *key (free) of *n
 * bytes, or -1 if token is not one of ours. */
int listparams_token_decode(const char *token, char **key, size_t *n);

#endif
