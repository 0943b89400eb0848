/* notify — S3 event notifications to webhooks (see notify.h).
 *
 * The event message is S3's (S3 User Guide, "Event message structure"):
 * {"Records":[{eventVersion 2.1, eventSource aws:s3, awsRegion, eventTime
 * (ISO 8601 with milliseconds), eventName without "s3:", userIdentity
 * {principalId}, requestParameters {sourceIPAddress}, responseElements
 * {x-amz-request-id, x-amz-id-2}, s3 {s3SchemaVersion 1.0, configurationId,
 * bucket {name, ownerIdentity {principalId}, arn}, object {key (URL
 * encoded: "red flower.jpg" becomes "red+flower.jpg"), size, eTag,
 * versionId, sequencer}}}]}, one record per message. Which object fields an
 * event has follows the messages AWS sent in localstack's recorded tests
 * (tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json): size and
 * eTag for ObjectCreated events only, versionId only when the bucket has
 * versioning, a delete's key and sequencer; an "@" in a key is "%40", a "/"
 * stays. The s3:TestEvent document (Service, Event, Time, Bucket, RequestId,
 * HostId) is the guide's; it goes to SNS and SQS destinations, not to Lambda
 * ones (S3 checks those without invoking them), and not when the request
 * skipped destination validation. */
#include "s3/notify.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/client.h"
#include "lib/util.h"
#include "s3/auth/users.h"
#include "s3/confcache.h"
#include "s3/s3req.h"

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_ATTEMPTS   3
#define DEFAULT_MAX_EVENTS 10000
#define RETRY_PAUSE_MS     250
/* What stopping leaves the queue to finish. */
#define STOP_GRACE_MS 3000
/* Anonymous requests, as CloudTrail names them (there is no canonical id). */
#define ANONYMOUS "ANONYMOUS_PRINCIPAL"

struct s3_event {
    struct s3_event *next;
    s3_notifier_t *n;
    int test; /* s3:TestEvent */
    char name[48];
    char bucket[64];
    char *key;
    size_t key_len;
    int created; /* size and eTag are told */
    uint64_t size;
    char etag[48];
    char vid[40];
    char sequencer[24];
    int64_t ms;
    char principal[STORE_OWNER_MAX];
    char ip[64];
    char reqid[17];
    char hostid[48];
};

struct s3_notifier {
    store_t *st;
    s3_confcache_t *confs;
    char *url;
    char **map_arn, **map_url;
    size_t nmap;
    int timeout_ms;
    unsigned attempts;
    size_t max_events;
    char *default_region;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    s3_event_t *head, **tail;
    size_t count;
    unsigned long long dropped;
    int stop;
    int64_t stop_by_us; /* when stopping: drop what is left after this */
    atomic_uint_fast64_t seq;
};

/* ---- matching and encoding ---- */

int s3_notify_event_matches(const char *configured, const char *name)
{
    if (strncmp(configured, "s3:", 3) != 0) return 0;
    configured += 3;
    if (strcmp(configured, name) == 0) return 1;
    size_t n = strlen(configured);
    /* "ObjectCreated:*" covers "ObjectCreated:Put" ... */
    return n >= 2 && strcmp(configured + n - 2, ":*") == 0 &&
           strncmp(configured, name, n - 1) == 0 && name[n - 1] != '\0';
}

int s3_notify_filter_matches(const char *key, size_t key_len, const char *prefix,
                             const char *suffix)
{
    size_t pl = prefix ? strlen(prefix) : 0, sl = suffix ? strlen(suffix) : 0;
    if (pl > key_len || (pl && memcmp(key, prefix, pl) != 0)) return 0;
    if (sl > key_len || (sl && memcmp(key + key_len - sl, suffix, sl) != 0)) return 0;
    return 1;
}

void s3_notify_key(buf_t *out, const char *key, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '*' || c == '/') {
            buf_putc(out, (char)c);
        } else if (c == ' ') {
            buf_putc(out, '+');
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
    }
}

/* ---- request threads ---- */

static void who(const s3_req_t *r, char out[STORE_OWNER_MAX])
{
    const char *sigv, *type;
    s3_req_auth(r, &sigv, &type);
    const char *id = r->user                                             ? r->user->canonical_id
                     : sigv && (!r->srv->users || r->srv->users->n == 0) ? S3_DEFAULT_OWNER_ID
                                                                         : ANONYMOUS;
    snprintf(out, STORE_OWNER_MAX, "%s", id);
}

static s3_event_t *event_for(const s3_req_t *r)
{
    s3_notifier_t *n = r->srv->notify;
    if (!n || !r->t.bucket || !s3_confcache_has(n->confs, r->t.bucket)) return NULL;
    s3_event_t *e = xcalloc(1, sizeof *e);
    e->n = n;
    snprintf(e->bucket, sizeof e->bucket, "%s", r->t.bucket);
    who(r, e->principal);
    http_req_peer(r->http, e->ip, sizeof e->ip);
    memcpy(e->reqid, r->reqid, sizeof e->reqid);
    memcpy(e->hostid, r->hostid, sizeof e->hostid);
    return e;
}

s3_event_t *s3_event_new(const s3_req_t *r, const char *name, const char *key, size_t key_len)
{
    s3_event_t *e = event_for(r);
    if (!e) return NULL;
    snprintf(e->name, sizeof e->name, "%s", name);
    e->key = xstrndup(key, key_len);
    e->key_len = key_len;
    return e;
}

void s3_event_object(s3_event_t *e, uint64_t size, const char *etag, const char *vid)
{
    if (!e) return;
    e->created = 1;
    e->size = size;
    snprintf(e->etag, sizeof e->etag, "%s", etag ? etag : "");
    snprintf(e->vid, sizeof e->vid, "%s", vid ? vid : "");
}

void s3_event_version(s3_event_t *e, const char *vid)
{
    if (e) snprintf(e->vid, sizeof e->vid, "%s", vid ? vid : "");
}

void s3_event_free(s3_event_t *e)
{
    if (!e) return;
    free(e->key);
    free(e);
}

void s3_event_send(s3_event_t *e)
{
    if (!e) return;
    s3_notifier_t *n = e->n;
    /* The event happened now: its time and its place in the key's order
     * (a larger sequencer is a later event of the same key). */
    e->ms = util_now_ms();
    uint64_t seq = atomic_fetch_add(&n->seq, 1);
    snprintf(e->sequencer, sizeof e->sequencer, "%018llX",
             (unsigned long long)(((uint64_t)e->ms << 16) | (seq & 0xffff)));
    pthread_mutex_lock(&n->mu);
    if (n->count >= n->max_events || n->stop) {
        n->dropped++;
        pthread_mutex_unlock(&n->mu);
        s3_event_free(e);
        return;
    }
    *n->tail = e;
    n->tail = &e->next;
    n->count++;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

void s3_notify(const s3_req_t *r, const char *name, const char *key, size_t key_len,
               const store_obj_t *o, const char *vid)
{
    s3_event_t *e = s3_event_new(r, name, key, key_len);
    if (!e) return;
    if (o)
        s3_event_object(e, o->size, o->etag, o->vid);
    else
        s3_event_version(e, vid);
    s3_event_send(e);
}

void s3_notify_test(const s3_req_t *r)
{
    const char *skip = http_req_header(r->http, "x-amz-skip-destination-validation");
    if (skip && strcasecmp(skip, "true") == 0) return;
    s3_event_t *e = event_for(r);
    if (!e) return;
    e->test = 1;
    s3_event_send(e);
}

/* ---- the delivery thread ---- */

static const char *url_for(const s3_notifier_t *n, const char *arn)
{
    for (size_t i = 0; i < n->nmap; i++)
        if (strcmp(n->map_arn[i], arn) == 0) return n->map_url[i];
    return n->url;
}

static void set_s(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v));
}

/* The record's JSON text (the caller frees), or NULL. */
static char *record_json(const s3_event_t *e, const char *config_id, const char *owner,
                         const char *region)
{
    char when[25];
    util_iso_date(e->ms, when);
    json_t *rec = json_object();
    set_s(rec, "eventVersion", "2.1");
    set_s(rec, "eventSource", "aws:s3");
    set_s(rec, "awsRegion", region);
    set_s(rec, "eventTime", when);
    set_s(rec, "eventName", e->name);
    json_t *o = json_object();
    set_s(o, "principalId", e->principal);
    json_object_set_new(rec, "userIdentity", o);
    o = json_object();
    set_s(o, "sourceIPAddress", e->ip);
    json_object_set_new(rec, "requestParameters", o);
    o = json_object();
    set_s(o, "x-amz-request-id", e->reqid);
    set_s(o, "x-amz-id-2", e->hostid);
    json_object_set_new(rec, "responseElements", o);
    json_t *s3 = json_object();
    set_s(s3, "s3SchemaVersion", "1.0");
    set_s(s3, "configurationId", config_id);
    json_t *b = json_object();
    set_s(b, "name", e->bucket);
    o = json_object();
    set_s(o, "principalId", owner);
    json_object_set_new(b, "ownerIdentity", o);
    char arn[96];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", e->bucket);
    set_s(b, "arn", arn);
    json_object_set_new(s3, "bucket", b);
    json_t *obj = json_object();
    buf_t key = BUF_INIT;
    s3_notify_key(&key, e->key, e->key_len);
    set_s(obj, "key", key.p ? key.p : "");
    buf_free(&key);
    if (e->created) {
        json_object_set_new(obj, "size", json_integer((json_int_t)e->size));
        set_s(obj, "eTag", e->etag);
    }
    if (e->vid[0]) set_s(obj, "versionId", e->vid);
    set_s(obj, "sequencer", e->sequencer);
    json_object_set_new(s3, "object", obj);
    json_object_set_new(rec, "s3", s3);
    json_t *records = json_array();
    json_array_append_new(records, rec);
    json_t *msg = json_object();
    json_object_set_new(msg, "Records", records);
    char *text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(msg);
    return text;
}

static char *test_json(const s3_event_t *e)
{
    char when[25];
    util_iso_date(e->ms, when);
    json_t *msg = json_object();
    set_s(msg, "Service", "Amazon S3");
    set_s(msg, "Event", "s3:TestEvent");
    set_s(msg, "Time", when);
    set_s(msg, "Bucket", e->bucket);
    set_s(msg, "RequestId", e->reqid);
    set_s(msg, "HostId", e->hostid);
    char *text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(msg);
    return text;
}

static int stopping(s3_notifier_t *n)
{
    pthread_mutex_lock(&n->mu);
    int s = n->stop;
    pthread_mutex_unlock(&n->mu);
    return s;
}

/* POST body to url, trying again on failure; a last failure is logged. */
static void post(s3_notifier_t *n, const s3_event_t *e, const char *arn, const char *url,
                 const char *body)
{
    char dest[300], name[80];
    int clean = 1;
    for (const char *p = arn; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) clean = 0;
    snprintf(dest, sizeof dest, "X-Fakes3-Destination-Arn: %.250s", clean ? arn : "-");
    snprintf(name, sizeof name, "X-Fakes3-Event: %s", e->test ? "s3:TestEvent" : e->name);
    const char *headers[] = {"Content-Type: application/json", "User-Agent: fakes3-notify", dest,
                             name, NULL};
    http_client_req_t req = {"POST", url, headers, body, strlen(body), n->timeout_ms, 1};
    char err[256] = "";
    int status = 0;
    for (unsigned attempt = 1;; attempt++) {
        int rc = http_client_send(&req, &status, err, sizeof err);
        if (rc == HTTP_CLIENT_OK && status >= 200 && status < 300) return;
        if (rc == HTTP_CLIENT_OK) snprintf(err, sizeof err, "status %d", status);
        if (rc == HTTP_CLIENT_EURL || attempt >= n->attempts || stopping(n)) break;
        util_sleep_us((int64_t)RETRY_PAUSE_MS * 1000 * attempt);
    }
    util_err("fakes3: notification %s of s3://%s/%.*s to %s (%s) failed: %s; dropped",
             e->test ? "s3:TestEvent" : e->name, e->bucket,
             (int)(e->key_len > 200 ? 200 : e->key_len), e->key ? e->key : "", url, arn, err);
}

static void deliver(s3_notifier_t *n, const s3_event_t *e)
{
    store_t *st = n->st;
    store_bucket_t b;
    char *doc = NULL;
    size_t len = 0;
    s3_notif_conf_t *c = NULL;
    size_t nc = 0;
    /* The configuration as it is now; a bucket that lost it gets nothing. */
    if (st->ops->bucket_get(st, e->bucket, &b) != STORE_OK ||
        st->ops->conf_get(st, e->bucket, "notification", &doc, &len) != STORE_OK ||
        s3_notification_confs(doc, len, &c, &nc) != 0) {
        free(doc);
        return;
    }
    free(doc);
    const char *region = b.region[0] ? b.region : n->default_region;
    for (size_t i = 0; i < nc; i++) {
        const char *url = url_for(n, c[i].arn);
        if (!url) continue;
        if (e->test) {
            if (c[i].kind == S3_NOTIF_LAMBDA) continue;
            int seen = 0; /* one test per destination */
            for (size_t k = 0; k < i; k++)
                if (c[k].kind != S3_NOTIF_LAMBDA && strcmp(c[k].arn, c[i].arn) == 0) seen = 1;
            if (seen) continue;
            char *body = test_json(e);
            if (body) post(n, e, c[i].arn, url, body);
            free(body);
            continue;
        }
        int wanted = 0;
        for (size_t k = 0; k < c[i].nevents && !wanted; k++)
            wanted = s3_notify_event_matches(c[i].events[k], e->name);
        if (!wanted || !s3_notify_filter_matches(e->key, e->key_len, c[i].prefix, c[i].suffix))
            continue;
        char *body = record_json(e, c[i].id, b.owner, region);
        if (body) post(n, e, c[i].arn, url, body);
        free(body);
    }
    s3_notif_confs_free(c, nc);
}

static void *notifier_main(void *arg)
{
    s3_notifier_t *n = arg;
    for (;;) {
        pthread_mutex_lock(&n->mu);
        while (!n->head && !n->stop)
            pthread_cond_wait(&n->cv, &n->mu);
        s3_event_t *e = n->head;
        if (e && !(n->head = e->next)) n->tail = &n->head;
        if (e) n->count--;
        int late = n->stop && util_mono_us() > n->stop_by_us;
        unsigned long long dropped = n->dropped;
        n->dropped = 0;
        pthread_mutex_unlock(&n->mu);
        if (dropped)
            util_err("fakes3: notifications: %llu events dropped, the queue was full (%zu)",
                     dropped, n->max_events);
        if (!e) return NULL;
        if (late) {
            /* Past the grace stopping allows: what is left is dropped. */
            size_t left = 1;
            pthread_mutex_lock(&n->mu);
            for (s3_event_t *x = n->head; x; x = x->next)
                left++;
            pthread_mutex_unlock(&n->mu);
            util_err("fakes3: notifications: stopping, %zu events not sent", left);
            s3_event_free(e);
            pthread_mutex_lock(&n->mu);
            while ((e = n->head)) {
                n->head = e->next;
                s3_event_free(e);
            }
            n->tail = &n->head;
            n->count = 0;
            pthread_mutex_unlock(&n->mu);
            return NULL;
        }
        deliver(n, e);
        s3_event_free(e);
    }
}

s3_notifier_t *s3_notifier_start(store_t *st, const s3_notify_options_t *opt)
{
    if (!opt->url && !opt->nmap) return NULL;
    s3_notifier_t *n = xcalloc(1, sizeof *n);
    n->st = st;
    n->url = opt->url ? xstrdup(opt->url) : NULL;
    n->nmap = opt->nmap;
    n->map_arn = xcalloc(opt->nmap + 1, sizeof *n->map_arn);
    n->map_url = xcalloc(opt->nmap + 1, sizeof *n->map_url);
    for (size_t i = 0; i < opt->nmap; i++) {
        const char *eq = strchr(opt->map[i], '=');
        n->map_arn[i] = eq ? xstrndup(opt->map[i], (size_t)(eq - opt->map[i])) : xstrdup("");
        n->map_url[i] = xstrdup(eq ? eq + 1 : "");
    }
    n->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
    n->attempts = opt->attempts ? opt->attempts : DEFAULT_ATTEMPTS;
    n->max_events = opt->max_events ? opt->max_events : DEFAULT_MAX_EVENTS;
    n->default_region = xstrdup(opt->default_region ? opt->default_region : "us-east-1");
    n->confs = s3_confcache_new(st, "notification");
    n->tail = &n->head;
    atomic_init(&n->seq, 0);
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv, NULL);
    if (pthread_create(&n->th, NULL, notifier_main, n) != 0) {
        util_err("fakes3: cannot start the notification thread");
        abort();
    }
    return n;
}

void s3_notifier_stop(s3_notifier_t *n)
{
    if (!n) return;
    pthread_mutex_lock(&n->mu);
    n->stop = 1;
    n->stop_by_us = util_mono_us() + (int64_t)STOP_GRACE_MS * 1000;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->th, NULL);
    s3_confcache_free(n->confs);
    for (size_t i = 0; i < n->nmap; i++) {
        free(n->map_arn[i]);
        free(n->map_url[i]);
    }
    free(n->map_arn);
    free(n->map_url);
    free(n->url);
    free(n->default_region);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    free(n);
}

void s3_notifier_changed(s3_notifier_t *n)
{
    if (n) s3_confcache_changed(n->confs);
}
