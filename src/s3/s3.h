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
    /* the control namespace (not owned); NULL: /_fakes3/ is an ordinary
     * (and impossible) bucket name (--no-control) */
    const struct s3_hooks *hooks;
} s3_options_t;

typedef struct s3_server s3_server_t;

/* ---- the control layer's hooks (src/ctl implements them) ----
 * What s3 tells the control namespace about a request and asks of it: the
 * S3 layer routes /_fakes3/ requests to control(), asks fault() whether a
 * routed request is to fail, and reports every exchange to record(). */
typedef struct s3_req_info {
    const http_request_t *http;
    const http_response_t *resp; /* record only */
    const char *reqid;           /* x-amz-request-id */
    const char *op;              /* S3 operation name; NULL when not routed */
    const char *bucket;          /* NULL: none */
    const char *key;             /* NULL: none; key_len bytes, may hold NULs? never: UTF-8 */
    size_t key_len;
    const char *vid;        /* ?versionId=, NULL: none */
    int vhost;              /* virtual-host addressing */
    const char *access_key; /* the authenticated user's; NULL: anonymous (or open mode) */
    const char *auth;       /* the access decisions ("" in the open mode) */
    const char *error;      /* the S3 error code answered; NULL: none (record only) */
    uint64_t body_bytes;    /* request body bytes received (record only) */
    int64_t turn_us;        /* time to make the answer once the body was read */
    int64_t dur_us;         /* from the head's arrival to the exchange's end (record only) */
    void *slot;             /* what body() kept for this request; NULL: nothing */
} s3_req_info_t;

/* An error a fault rule answers with instead of running the operation. */
typedef struct s3_fault_answer {
    char code[64]; /* S3 error code, e.g. "SlowDown" */
    int status;
    char message[256]; /* "" : the code's usual message */
} s3_fault_answer_t;

/* A request under /_fakes3/ (on any host), its body buffered whole. */
typedef struct s3_ctl_req {
    const http_request_t *http;
    const char *method;
    const char *path;  /* after "/_fakes3", percent-decoded, without the query: "/health" */
    const char *query; /* the raw query after '?', "" when none */
    const char *body;
    size_t body_len;
    const char *access_key; /* the signer (an admin when users are configured), or NULL */
} s3_ctl_req_t;

enum { S3_CTL_ADMIN = 1, S3_CTL_ADMIN_OR_BASIC = 2 };

typedef struct s3_hooks {
    void *ctx;
    /* Answer a /_fakes3/ request whole (resp made ready), or later from
     * another thread (http_resp_defer, then http_resp_resume). */
    void (*control)(void *ctx, const s3_ctl_req_t *req, http_response_t *resp);
    /* Whether a control call needs an admin (health does not) when users are
     * configured: 0 no, S3_CTL_ADMIN an admin's signature, S3_CTL_ADMIN_OR_BASIC
     * that or HTTP Basic authentication with an admin's access key and
     * secret (for scrapers such as Prometheus; without any credentials such
     * a call answers 401 with a Basic challenge). */
    int (*control_needs_admin)(void *ctx, const char *method, const char *path);
    /* A control call was refused for its credentials, with this error code.
     * NULL: not wanted. */
    void (*control_refused)(void *ctx, const char *code);
    /* After routing and authentication, before the operation runs: return 1
     * to fail the request with *a (the operation never runs, so nothing
     * changes); may sleep and may shape or abort resp through the http
     * layer. NULL: no faults. */
    int (*fault)(void *ctx, const s3_req_info_t *info, http_response_t *resp, s3_fault_answer_t *a);
    /* Request body bytes as they arrive; *slot is the request's (NULL at
     * first), handed back in record's info. NULL: not wanted. */
    void (*body)(void *ctx, void **slot, const char *data, size_t n);
    /* The answer is about to go out (its client can see none of it before):
     * info as record's but for the final duration and bytes sent; *slot as
     * body's. record follows. Not called for control calls, nor when no
     * answer went out (the client left first). NULL: not wanted. */
    void (*answered)(void *ctx, const s3_req_info_t *info, void **slot);
    /* The exchange is over (also for errors and aborted exchanges); must
     * free info->slot. Not called for control calls. */
    void (*record)(void *ctx, const s3_req_info_t *info);
} s3_hooks_t;

/* S3's limit on a request's header fields (names and values), for the http
 * layer's max_head_bytes; past it S3 answers RequestHeaderSectionTooLarge. */
#define S3_MAX_HEAD     8192
#define S3_MAX_HEAD_STR "8192"

/* Whether S3 defines the error code; then its status and usual message
 * (the general row where fakes3 has several, never its own wording for a
 * lack of file descriptors). For fault rules that name only a code. */
int s3_err_known(const char *code, int *status, const char **msg);

/* A new S3 application over st (not owned); options are copied. */
s3_server_t *s3_new(store_t *st, const s3_options_t *opt);
/* The store changed under the application (a reset, a snapshot restored):
 * forget what it keeps in memory of buckets' configurations. */
void s3_forget_caches(s3_server_t *s);
/* Free the application (the store stays open). */
void s3_free(s3_server_t *s);
/* Whether name may be a bucket's (S3's rules for CreateBucket); no state. */
int s3_bucket_name_ok(const char *name);

/* The callbacks to give http_start, with the s3_server_t as app. */
extern const http_handler_t s3_http_handler;
/* What a listener serves (http_options_t.listener): the S3 REST API, or the
 * buckets' websites as S3's website endpoints do (GET and HEAD of public
 * objects, index and error documents, redirects, HTML errors). */
enum { S3_LISTENER_REST = 0, S3_LISTENER_WEBSITE = 1 };

#endif
