/* s3 — the S3 REST API on top of the http adapter and a store.
 *
 * s3_new builds the application that s3_http_handler serves: it addresses
 * each request (path or virtual-host style), finds its operation in the
 * operation table, runs the handler and answers with S3's headers, XML and
 * error documents. It touches no file and no SQL itself: all state is in the
 * store it is given. */
#ifndef FAKES3_S3_H
#define FAKES3_S3_H

#include <stddef.h>

#include "http/http.h"
#include "store/store.h"

/* The owner of everything in the open mode (and of what a root written
 * before owners were kept holds): the id and name fakes3 always answered. */
#define S3_DEFAULT_OWNER_ID   "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
#define S3_DEFAULT_OWNER_NAME "fakes3"

typedef struct s3_options {
    const char *const *base_hosts; /* -H values, lower case, no port */
    size_t nbase;
    int strict; /* no bucket is created by a PUT of an object */
    int quiet;  /* no access log */
    /* with users: new buckets get S3's pre-2023 defaults (ObjectWriter, no
     * public access block) instead of BucketOwnerEnforced and all four
     * public-access-block settings on */
    int legacy_bucket_defaults;
    /* SSE-C headers over plain HTTP answer InvalidRequest, as S3 answers them */
    int sse_c_require_tls;
    const char *region; /* answered by GetBucketLocation for buckets created without one */
    double rate_limit;  /* fake-s3's -l: GET bodies go at most this many bytes/s; 0: no limit */
    /* --lifecycle-day-seconds: a lifecycle day lasts this many seconds (0:
     * S3's day, due times rounded to the next midnight UTC) */
    unsigned lifecycle_day_seconds;
    const struct auth_users *users; /* not owned; NULL or empty: the open mode */
    /* server access logging: seconds between deliveries of log objects (0: 60) */
    unsigned log_delivery_seconds;
    /* event notifications: the URL of destinations no map entry names
     * (--notify), and "ARN=URL" entries (--notify-map); none: no events */
    const char *notify_url;
    const char *const *notify_map;
    size_t nnotify_map;
    /* CORS, as fake-s3 answers it; NULL: fake-s3's defaults */
    const char *cors_origin, *cors_methods, *cors_preflight_headers, *cors_postput_headers,
        *cors_expose_headers;
} s3_options_t;

typedef struct s3_server s3_server_t;

/* S3's limit on a request's header fields (names and values), for the http
 * layer's max_head_bytes; past it S3 answers RequestHeaderSectionTooLarge. */
#define S3_MAX_HEAD     8192
#define S3_MAX_HEAD_STR "8192"

/* A new S3 application over st (not owned); options are copied. */
s3_server_t *s3_new(store_t *st, const s3_options_t *opt);
/* Free the application (the store stays open). */
void s3_free(s3_server_t *s);

/* The callbacks to give http_start, with the s3_server_t as app. */
extern const http_handler_t s3_http_handler;
/* What a listener serves (http_options_t.listener): the S3 REST API, or the
 * buckets' websites as S3's website endpoints do (GET and HEAD of public
 * objects, index and error documents, redirects, HTML errors). */
enum { S3_LISTENER_REST = 0, S3_LISTENER_WEBSITE = 1 };

#endif
