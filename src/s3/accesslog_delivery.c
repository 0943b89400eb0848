/* accesslog_delivery — S3 server access log records, queued by request
 * threads and delivered as objects by one thread (see accesslog_delivery.h).
 *
 * Formats from the S3 User Guide: "Amazon S3 server access log format" (the
 * fields, their order, "-" for what is unknown, [%d/%b/%Y:%H:%M:%S %z]
 * times, quoted Request-URI, Referer and User-Agent) and "Enabling Amazon S3
 * server access logging" / the PartitionedPrefix API reference (keys
 * TargetPrefixYYYY-mm-DD-HH-MM-SS-UniqueString, or
 * [TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/[YYYY]/[MM]/
 * [DD]/[YYYY]-[MM]-[DD]-[hh]-[mm]-[ss]-[UniqueString], EventTime keys with
 * 00-00-00 and one object per day of events). Operation names are those S3
 * writes (REST.GET.OBJECT, REST.PUT.LOGGING_STATUS, REST.POST.UPLOADS ...),
 * as log analysis tools list them. */
#include "s3/accesslog_delivery.h"

#include <ctype.h>
#include <nettle/md5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "s3/auth/users.h"
#include "s3/confcache.h"
#include "s3/s3req.h"

#define DEFAULT_INTERVAL_S 60
#define DEFAULT_MAX_BYTES  (16u * 1024 * 1024)
/* Deliver early once this much waits, whatever the interval. */
#define EARLY_BYTES (4u * 1024 * 1024)
/* The account id in partitioned keys for an owner no user has (the open mode). */
#define NO_ACCOUNT "000000000000"

struct record {
    struct record *next;
    char bucket[64];
    int64_t ms; /* when the request was received */
    size_t len;
    char line[]; /* the record without its first field (the bucket owner), with '\n' */
};

struct s3_logd {
    store_t *st;
    const auth_users_t *users;
    s3_confcache_t *logging; /* which buckets log */
    unsigned interval_s;
    size_t max_bytes;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct record *head, **tail;
    size_t bytes;
    unsigned long long dropped;
    int stop;
};

/* ---- the Operation field ---- */

static const struct {
    const char *op, *type;
} op_types[] = {
    {"ListObjects", "BUCKET"},
    {"CreateBucket", "BUCKET"},
    {"HeadBucket", "BUCKET"},
    {"DeleteBucket", "BUCKET"},
    {"PostObject", "BUCKET"},
    {"GetBucketLocation", "LOCATION"},
    {"PutObject", "OBJECT"},
    {"GetObject", "OBJECT"},
    {"HeadObject", "OBJECT"},
    {"DeleteObject", "OBJECT"},
    {"GetObjectAttributes", "OBJECT_ATTRIBUTES"},
    {"DeleteObjects", "MULTI_OBJECT_DELETE"},
    {"GetBucketAcl", "ACL"},
    {"PutBucketAcl", "ACL"},
    {"GetObjectAcl", "ACL"},
    {"PutObjectAcl", "ACL"},
    {"GetBucketPolicy", "BUCKETPOLICY"},
    {"PutBucketPolicy", "BUCKETPOLICY"},
    {"DeleteBucketPolicy", "BUCKETPOLICY"},
    {"GetBucketPolicyStatus", "POLICY_STATUS"},
    {"GetBucketTagging", "TAGGING"},
    {"PutBucketTagging", "TAGGING"},
    {"DeleteBucketTagging", "TAGGING"},
    {"PutObjectTagging", "OBJECT_TAGGING"},
    {"GetObjectTagging", "OBJECT_TAGGING"},
    {"DeleteObjectTagging", "OBJECT_TAGGING"},
    {"ListObjectVersions", "BUCKETVERSIONS"},
    {"GetObjectLockConfiguration", "OBJECT_LOCK_CONFIGURATION"},
    {"PutObjectLockConfiguration", "OBJECT_LOCK_CONFIGURATION"},
    {"GetObjectRetention", "RETENTION"},
    {"PutObjectRetention", "RETENTION"},
    {"GetObjectLegalHold", "LEGAL_HOLD"},
    {"PutObjectLegalHold", "LEGAL_HOLD"},
    {"GetBucketLogging", "LOGGING_STATUS"},
    {"PutBucketLogging", "LOGGING_STATUS"},
    {"GetBucketOwnershipControls", "OWNERSHIP_CONTROLS"},
    {"PutBucketOwnershipControls", "OWNERSHIP_CONTROLS"},
    {"DeleteBucketOwnershipControls", "OWNERSHIP_CONTROLS"},
    {"GetPublicAccessBlock", "PUBLIC_ACCESS_BLOCK"},
    {"PutPublicAccessBlock", "PUBLIC_ACCESS_BLOCK"},
    {"DeletePublicAccessBlock", "PUBLIC_ACCESS_BLOCK"},
    {"GetBucketRequestPayment", "REQUEST_PAYMENT"},
    {"PutBucketRequestPayment", "REQUEST_PAYMENT"},
    {"GetBucketNotificationConfiguration", "NOTIFICATION"},
    {"PutBucketNotificationConfiguration", "NOTIFICATION"},
    {"GetBucketLifecycleConfiguration", "LIFECYCLE"},
    {"PutBucketLifecycleConfiguration", "LIFECYCLE"},
    {"DeleteBucketLifecycle", "LIFECYCLE"},
    {"CreateMultipartUpload", "UPLOADS"},
    {"ListMultipartUploads", "UPLOADS"},
    {"UploadPart", "PART"},
    {"CompleteMultipartUpload", "UPLOAD"},
    {"AbortMultipartUpload", "UPLOAD"},
    {"ListParts", "UPLOAD"},
};

void s3_logd_operation(buf_t *out, const char *method, const char *op_name, const char *sub,
                       int is_object, int is_copy)
{
    const char *type = NULL;
    for (size_t i = 0; op_name && !type && i < sizeof op_types / sizeof *op_types; i++)
        if (strcmp(op_types[i].op, op_name) == 0) type = op_types[i].type;
    if (strcmp(method, "OPTIONS") == 0) {
        buf_puts(out, "REST.OPTIONS.PREFLIGHT");
        return;
    }
    /* A copy is REST.COPY.OBJECT, an UploadPartCopy REST.COPY.PART. */
    buf_printf(out, "REST.%s.", is_copy ? "COPY" : method);
    if (type) {
        buf_puts(out, type);
    } else if (sub) {
        /* the rest by their sub-resource: WEBSITE, CORS, ENCRYPTION,
         * INTELLIGENT_TIERING ... */
        for (const char *p = sub; *p; p++)
            buf_putc(out, *p == '-' ? '_' : (char)toupper((unsigned char)*p));
    } else {
        buf_puts(out, is_object ? "OBJECT" : "BUCKET");
    }
}

/* ---- the record ---- */

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void utc(int64_t ms, struct tm *tm)
{
    time_t t = (time_t)(ms / 1000);
    gmtime_r(&t, tm);
}

/* A quoted field: "-" when absent; a '"' inside is written %22 so that the
 * field stays one "..." token for parsers (S3's own Athena regex reads
 * "[^"]*"). */
static void quoted(buf_t *b, const char *v)
{
    buf_putc(b, '"');
    if (!v || !*v) buf_putc(b, '-');
    for (const char *p = v; p && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            buf_puts(b, "%22");
        else
            buf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
    }
    buf_putc(b, '"');
}

/* An unquoted field: "-" when absent or empty; no spaces inside. */
static void field(buf_t *b, const char *v)
{
    buf_putc(b, ' ');
    if (!v || !*v) {
        buf_putc(b, '-');
        return;
    }
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        buf_putc(b, c <= 0x20 || c == 0x7f ? '?' : (char)c);
    }
}

/* A record S3 writes beside the request's own, about another object: one
 * key of a DeleteObjects (BATCH.DELETE.OBJECT, 204) or the source of a copy
 * (REST.COPY.OBJECT_GET, 200, in the source bucket's log). Nothing is sent
 * for it. */
struct other {
    const char *op, *bucket; /* bucket NULL: the request's */
    const char *key;
    size_t key_len;
    const char *vid;
    int status;
    int64_t size; /* -1: none */
};

static void format_record(const s3_req_t *r, const http_request_t *http,
                          const http_response_t *resp, const struct other *bk, int64_t now_ms,
                          buf_t *b, int64_t *at_ms)
{
    int64_t took_us = util_mono_us() - http_req_start_us(http);
    int64_t at = now_ms - took_us / 1000;
    *at_ms = at;
    struct tm tm;
    utc(at, &tm);
    buf_printf(b, "%s [%02d/%s/%04d:%02d:%02d:%02d +0000]",
               bk && bk->bucket ? bk->bucket : r->t.bucket, tm.tm_mday, months[tm.tm_mon],
               tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    char ip[64];
    field(b, http_req_peer(http, ip, sizeof ip));
    /* The requester: the user who signed; in the open mode, where everyone
     * is the one owner, a signed request is that owner's. */
    const char *sigv, *atype;
    s3_req_auth(r, &sigv, &atype);
    const char *requester = r->user ? r->user->canonical_id : NULL;
    if (!requester && sigv && (!r->srv->users || !r->srv->users->n))
        requester = S3_DEFAULT_OWNER_ID;
    field(b, requester);
    field(b, r->reqid);
    buf_putc(b, ' ');
    if (bk)
        buf_puts(b, bk->op);
    else if (r->web)
        buf_printf(b, "WEBSITE.%s.OBJECT", r->method); /* the website endpoint's */
    else
        s3_logd_operation(b, r->method, r->op ? r->op->name : NULL, r->op ? r->op->sub : NULL,
                          r->t.key != NULL, r->is_copy);
    buf_putc(b, ' ');
    const char *key = bk ? bk->key : r->t.key;
    size_t key_len = bk ? bk->key_len : r->t.key_len;
    const char *target = http_req_target(http);
    if (key && key_len) {
        buf_urlenc(b, key, key_len, 1);
    } else if (r->web && target[0] == '/' && target[1] && target[1] != '?') {
        /* the website endpoint's key is its path, as sent (already encoded) */
        size_t n = strcspn(target + 1, "? ");
        buf_append(b, target + 1, n);
    } else {
        buf_putc(b, '-');
    }
    buf_putc(b, ' ');
    buf_t uri = BUF_INIT;
    buf_printf(&uri, "%s %s HTTP/1.1", r->method, http_req_target(http));
    quoted(b, uri.p);
    buf_free(&uri);
    int status = bk ? bk->status : http_resp_get_status(resp);
    buf_printf(b, " %d", status);
    field(b, !bk && r->err != S3E_NONE && status >= 300 ? s3_err_code(r->err) : NULL);
    uint64_t sent = bk || strcmp(r->method, "HEAD") == 0 ? 0 : http_resp_body_len(resp);
    if (sent)
        buf_printf(b, " %llu", (unsigned long long)sent);
    else
        buf_puts(b, " -");
    if (!bk && r->has_obj_size)
        buf_printf(b, " %llu", (unsigned long long)r->obj_size);
    else if (bk && bk->size >= 0)
        buf_printf(b, " %lld", (long long)bk->size);
    else
        buf_puts(b, " -");
    buf_printf(b, " %lld", (long long)(took_us / 1000));
    if (bk)
        buf_puts(b, " - ");
    else
        buf_printf(b, " %lld ", (long long)(r->turn_us / 1000));
    quoted(b, http_req_header(http, "Referer"));
    buf_putc(b, ' ');
    quoted(b, http_req_header(http, "User-Agent"));
    field(b, bk ? bk->vid : r->vid);
    field(b, r->hostid);
    field(b, sigv);
    field(b, NULL); /* cipher suite: not known to fakes3 */
    field(b, atype);
    field(b, http_req_header(http, "Host"));
    field(b, NULL); /* TLS version */
    field(b, NULL); /* access point ARN: there are none */
    /* aclRequired: Yes when an ACL grant (not ownership) let it in. */
    field(b, strstr(r->why, "acl: bucket grant") || strstr(r->why, "acl: object grant") ? "Yes"
                                                                                        : NULL);
    field(b, NULL); /* source region */
    buf_putc(b, '\n');
}

static void queue_record(s3_logd_t *d, const s3_req_t *r, const http_response_t *resp,
                         const struct other *bk)
{
    buf_t b = BUF_INIT;
    int64_t at;
    format_record(r, r->http, resp, bk, util_now_ms(), &b, &at);
    struct record *rec = xmalloc(sizeof *rec + b.len + 1);
    rec->next = NULL;
    snprintf(rec->bucket, sizeof rec->bucket, "%s", bk && bk->bucket ? bk->bucket : r->t.bucket);
    rec->ms = at;
    rec->len = b.len;
    memcpy(rec->line, b.p, b.len + 1);
    buf_free(&b);
    pthread_mutex_lock(&d->mu);
    if (d->bytes + rec->len > d->max_bytes) {
        d->dropped++;
        pthread_mutex_unlock(&d->mu);
        free(rec);
        return;
    }
    *d->tail = rec;
    d->tail = &rec->next;
    d->bytes += rec->len;
    if (d->bytes >= EARLY_BYTES) pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static int logs(s3_logd_t *d, const char *bucket)
{
    return d && bucket && s3_bucket_name_ok(bucket) && s3_confcache_has(d->logging, bucket);
}

void s3_logd_request(s3_logd_t *d, const s3_req_t *r, const http_request_t *http,
                     const http_response_t *resp)
{
    (void)http; /* r->http */
    if (logs(d, r->t.bucket)) queue_record(d, r, resp, NULL);
}

void s3_logd_batch_delete(s3_logd_t *d, const s3_req_t *r, const char *key, size_t key_len,
                          const char *vid)
{
    struct other o = {"BATCH.DELETE.OBJECT", NULL, key, key_len, vid, 204, -1};
    if (logs(d, r->t.bucket)) queue_record(d, r, NULL, &o);
}

void s3_logd_copy_source(s3_logd_t *d, const s3_req_t *r, const char *bucket, const char *key,
                         size_t key_len, const char *vid, uint64_t size)
{
    struct other o = {"REST.COPY.OBJECT_GET", bucket, key, key_len, vid, 200, (int64_t)size};
    if (logs(d, bucket)) queue_record(d, r, NULL, &o);
}

/* ---- delivery ---- */

void s3_logd_object_key(buf_t *out, const char *prefix, int partitioned, int event_day,
                        const char *account, const char *region, const char *bucket, int64_t ms,
                        const char *unique)
{
    struct tm tm;
    utc(ms, &tm);
    if (event_day) tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    buf_puts(out, prefix);
    if (partitioned)
        buf_printf(out, "%s/%s/%s/%04d/%02d/%02d/", account, region, bucket, tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday);
    buf_printf(out, "%04d-%02d-%02d-%02d-%02d-%02d-%s", tm.tm_year + 1900, tm.tm_mon + 1,
               tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unique);
}

/* Where one source bucket's records go, resolved once per delivery. */
struct source {
    char bucket[64];
    int ok; /* logging on, target readable */
    s3_log_target_t t;
    char owner[STORE_OWNER_MAX];
    char region[32];
    char account[32];
};

static void resolve(s3_logd_t *d, struct source *s)
{
    store_t *st = d->st;
    char *doc = NULL;
    size_t len = 0;
    store_bucket_t b;
    s->ok = 0;
    if (st->ops->bucket_get(st, s->bucket, &b) != STORE_OK) return;
    if (st->ops->conf_get(st, s->bucket, "logging", &doc, &len) != STORE_OK) return;
    if (s3_logging_target(doc, len, &s->t) == 0) s->ok = 1;
    free(doc);
    memcpy(s->owner, b.owner, sizeof s->owner);
    snprintf(s->region, sizeof s->region, "%s", b.region[0] ? b.region : "us-east-1");
    const auth_user_t *u = d->users ? auth_users_find_id(d->users, b.owner) : NULL;
    snprintf(s->account, sizeof s->account, "%s", u && u->account_id ? u->account_id : NO_ACCOUNT);
}

static int has_bucket(const struct record *list, const char *bucket)
{
    for (; list; list = list->next)
        if (strcmp(list->bucket, bucket) == 0) return 1;
    return 0;
}

/* Write one log object of src's records, taken out of *list: all of them, or
 * for EventTime keys those of the day of the first one. */
static void write_object(s3_logd_t *d, const struct source *src, struct record **list,
                         int64_t now_ms)
{
    store_t *st = d->st;
    int event_day = src->t.partitioned && !src->t.delivery_time;
    int64_t day = -1;
    buf_t body = BUF_INIT;
    size_t n = 0;
    for (struct record **pp = list; *pp;) {
        struct record *rec = *pp;
        if (strcmp(rec->bucket, src->bucket) != 0 ||
            (event_day && day >= 0 && rec->ms / 86400000 != day)) {
            pp = &rec->next;
            continue;
        }
        if (day < 0) day = rec->ms / 86400000;
        buf_puts(&body, src->owner[0] ? src->owner : "-");
        buf_putc(&body, ' ');
        buf_append(&body, rec->line, rec->len);
        *pp = rec->next;
        free(rec);
        n++;
    }
    unsigned char rnd[8], md5d[MD5_DIGEST_SIZE];
    char unique[17];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, unique);
    for (char *p = unique; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    buf_t key = BUF_INIT;
    s3_logd_object_key(&key, src->t.prefix, src->t.partitioned, event_day, src->account,
                       src->region, src->bucket, event_day ? day * 86400000 : now_ms, unique);
    store_bucket_t tb;
    store_put_t *p = NULL;
    int rc = st->ops->bucket_get(st, src->t.bucket, &tb);
    if (rc == STORE_OK) rc = st->ops->put_begin(st, &p);
    if (rc == STORE_OK) rc = st->ops->put_write(p, body.p, body.len);
    if (rc == STORE_OK) {
        struct md5_ctx m;
        md5_init(&m);
        md5_update(&m, body.len, (const uint8_t *)body.p);
        md5_digest(&m, sizeof md5d, md5d);
        store_obj_t meta = {0};
        meta.size = body.len;
        util_hex(md5d, sizeof md5d, meta.etag);
        meta.headers = "Content-Type: text/plain\n";
        /* owned by the target bucket's owner, as S3's log objects are */
        memcpy(meta.owner, tb.owner, sizeof meta.owner);
        rc = st->ops->put_commit(p, src->t.bucket, key.p, key.len, &meta, 0, NULL);
        p = NULL;
        free(meta.blob);
    }
    if (p) st->ops->put_abort(p);
    if (rc)
        util_err("fakes3: access log delivery for bucket %s into %s/%s failed (store error %d): "
                 "%zu records dropped",
                 src->bucket, src->t.bucket, key.p, rc, n);
    buf_free(&key);
    buf_free(&body);
}

/* Deliver everything in list (consumed): per source bucket, its logging
 * document as it is now. */
static void deliver(s3_logd_t *d, struct record *list)
{
    int64_t now = util_now_ms();
    while (list) {
        struct source src;
        memset(&src, 0, sizeof src);
        snprintf(src.bucket, sizeof src.bucket, "%s", list->bucket);
        resolve(d, &src);
        if (!src.ok) {
            /* Logging was turned off (or the bucket deleted) since: S3's
             * delivery is best effort too. */
            for (struct record **pp = &list; *pp;) {
                struct record *rec = *pp;
                if (strcmp(rec->bucket, src.bucket) != 0) {
                    pp = &rec->next;
                    continue;
                }
                *pp = rec->next;
                free(rec);
            }
            continue;
        }
        while (has_bucket(list, src.bucket))
            write_object(d, &src, &list, now);
        free(src.t.prefix);
    }
}

static void *logd_main(void *arg)
{
    s3_logd_t *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += d->interval_s;
        while (!d->stop && d->bytes < EARLY_BYTES &&
               pthread_cond_timedwait(&d->cv, &d->mu, &until) == 0)
            ;
        struct record *list = d->head;
        d->head = NULL;
        d->tail = &d->head;
        d->bytes = 0;
        unsigned long long dropped = d->dropped;
        d->dropped = 0;
        int stop = d->stop;
        pthread_mutex_unlock(&d->mu);
        if (dropped)
            util_err("fakes3: access log delivery: %llu records dropped, the queue was full (%zu "
                     "bytes)",
                     dropped, d->max_bytes);
        deliver(d, list);
        if (stop) return NULL;
        pthread_mutex_lock(&d->mu);
    }
}

s3_logd_t *s3_logd_start(store_t *st, const s3_logd_options_t *opt)
{
    s3_logd_t *d = xcalloc(1, sizeof *d);
    d->st = st;
    d->users = opt->users;
    d->interval_s = opt->interval_s ? opt->interval_s : DEFAULT_INTERVAL_S;
    d->max_bytes = opt->max_bytes ? opt->max_bytes : DEFAULT_MAX_BYTES;
    d->logging = s3_confcache_new(st, "logging");
    d->tail = &d->head;
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&d->th, NULL, logd_main, d) != 0) {
        util_err("fakes3: cannot start the access log delivery thread");
        abort();
    }
    return d;
}

void s3_logd_stop(s3_logd_t *d)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->th, NULL);
    s3_confcache_free(d->logging);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

void s3_logd_changed(s3_logd_t *d)
{
    if (d) s3_confcache_changed(d->logging);
}
