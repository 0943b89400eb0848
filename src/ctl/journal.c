/* The request journal: a ring of compact entries, their JSON, the filters
 * of the list and wait calls, and the thread that answers waits. */
#include "ctl/journal.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/util.h"

/* The strings of an entry, as offsets into its pool. */
enum {
    JS_METHOD,
    JS_TARGET,
    JS_OP,
    JS_BUCKET,
    JS_KEY,
    JS_VID,
    JS_ERROR,
    JS_CLIENT,
    JS_AK,
    JS_DECISION,
    JS_REQID,
    JS_COUNT
};
#define JS_NULL UINT32_MAX

typedef struct jentry {
    uint64_t id;
    int64_t time_ms; /* the request's start */
    int64_t dur_us;
    uint64_t req_bytes, resp_bytes;
    int status;
    unsigned char vhost, has_sha;
    unsigned char sha[SHA256_DIGEST_SIZE];
    uint32_t off[JS_COUNT]; /* JS_NULL: null */
    uint32_t key_len;
    uint32_t hdr_off; /* name\0value\0 pairs: nreq request headers, then nresp */
    uint32_t nreq, nresp;
    char *pool; /* owned */
} jentry_t;

/* What list and wait select. */
typedef struct jfilter {
    char *op, *method, *bucket, *key, *error; /* NULL: any; key is a prefix */
    int status;                               /* 0: any */
    int status_class;                         /* 1-5 for "5xx"; 0: none */
    uint64_t since;                           /* ids above it */
    int has_limit;
    size_t limit; /* the newest this many */
} jfilter_t;

/* A pending wait: answered by the thread. */
typedef struct jwaiter {
    struct jwaiter *next;
    jfilter_t f;
    unsigned count;
    int64_t deadline_us; /* monotonic */
    uint64_t seen;       /* ids up to it were counted */
    unsigned matched;
    http_response_t *resp; /* deferred; lives until resumed */
    /* made under the lock when it is due */
    int status;
    json_t *answer;
} jwaiter_t;

struct ctl_journal {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the thread: a new entry, a new wait, a stop */
    pthread_cond_t idle; /* quiesce: no wait left */
    jentry_t *ring;
    size_t cap, head, n; /* oldest at head */
    uint64_t last_id;    /* the last id given (0: none yet) */
    jwaiter_t *waiters;
    int answering; /* waits taken off the list, being answered */
    int closing, stop;
    pthread_t thread;
};

/* ---- recording ---- */

/* What the hooks keep per request (its slot): the body's running SHA-256,
 * and the entry's id once the answer made it. */
typedef struct jslot {
    struct sha256_ctx sha;
    int hashing;
    uint64_t id;         /* 0: no entry yet */
    uint64_t resp_bytes; /* what the entry says was sent */
} jslot_t;

void ctl_journal_on_body(void *ctx, void **slot, const char *data, size_t n)
{
    (void)ctx;
    jslot_t *s = *slot;
    if (!s) {
        s = *slot = xcalloc(1, sizeof *s);
        sha256_init(&s->sha);
        s->hashing = 1;
    }
    if (s->hashing && !s->id) sha256_update(&s->sha, n, (const uint8_t *)data);
}

/* Headers whose whole value is a secret (name in lower case). */
static int secret_header(const char *name)
{
    static const char *const names[] = {
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-server-side-encryption-customer-key",
        "x-amz-server-side-encryption-customer-key-md5",
        "x-amz-copy-source-server-side-encryption-customer-key",
        "x-amz-copy-source-server-side-encryption-customer-key-md5",
        "cookie",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0) return 1;
    return 0;
}

/* Query parameters whose value is a secret (presigned URLs). */
static int secret_param(const char *name, size_t n)
{
    static const char *const names[] = {"X-Amz-Signature", "Signature", "X-Amz-Security-Token",
                                        "x-amz-server-side-encryption-customer-key"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0) return 1;
    return 0;
}

/* Append Authorization's value with its signature replaced: SigV4's
 * "Signature=<hex>", SigV2's "AWS AK:<sig>"; any other scheme whole. */
static void put_authorization(buf_t *b, const char *v)
{
    if (strncmp(v, "AWS4-", 5) == 0) {
        const char *s = strstr(v, "Signature=");
        if (!s) {
            buf_puts(b, v);
            return;
        }
        s += 10;
        buf_append(b, v, (size_t)(s - v));
        buf_puts(b, "REDACTED");
        buf_puts(b, s + strcspn(s, ", "));
    } else if (strncmp(v, "AWS ", 4) == 0 && strrchr(v, ':')) {
        const char *c = strrchr(v, ':');
        buf_append(b, v, (size_t)(c - v + 1));
        buf_puts(b, "REDACTED");
    } else {
        buf_puts(b, "REDACTED");
    }
}

/* Append the target with secret query parameters' values redacted. */
static void put_target(buf_t *b, const char *t)
{
    const char *q = strchr(t, '?');
    if (!q) {
        buf_puts(b, t);
        return;
    }
    buf_append(b, t, (size_t)(q - t + 1));
    for (const char *p = q + 1; *p;) {
        size_t n = strcspn(p, "&");
        size_t k = strcspn(p, "=");
        if (k < n && secret_param(p, k)) {
            buf_append(b, p, k + 1);
            buf_puts(b, "REDACTED");
        } else {
            buf_append(b, p, n);
        }
        p += n;
        if (*p) buf_putc(b, *p++);
    }
}

typedef struct hdr_ctx {
    buf_t *b;
    uint32_t n;
} hdr_ctx_t;

/* One header as name\0value\0, the name in lower case, a secret redacted.
 * Per request and header: no per-byte calls, one comparison for most names. */
static int put_header(void *ctx, const char *name, const char *value)
{
    hdr_ctx_t *h = ctx;
    buf_t *b = h->b;
    size_t nl = strlen(name);
    buf_reserve(b, nl + 1);
    char *d = b->p + b->len;
    for (size_t i = 0; i < nl; i++)
        d[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    d[nl] = 0;
    b->len += nl + 1;
    if (d[0] == 'a' && strcmp(d, "authorization") == 0)
        put_authorization(b, value);
    else if ((d[0] == 'x' || d[0] == 'c') && secret_header(d))
        buf_puts(b, "REDACTED");
    else
        buf_puts(b, value);
    buf_putc(b, 0);
    h->n++;
    return 0;
}

/* Append s (n bytes, or to its NUL when n is SIZE_MAX) and its NUL; the offset. */
static uint32_t put_str(buf_t *b, const char *s, size_t n)
{
    if (!s) return JS_NULL;
    uint32_t off = (uint32_t)b->len;
    buf_append(b, s, n == SIZE_MAX ? strlen(s) : n);
    buf_putc(b, 0);
    return off;
}

/* Link e into the ring (under the lock); the entry it pushes out into *old. */
static void ring_push(ctl_journal_t *j, jentry_t *e, jentry_t *old)
{
    e->id = ++j->last_id;
    size_t at = (j->head + j->n) % j->cap;
    if (j->n == j->cap) {
        *old = j->ring[at];
        j->head = (j->head + 1) % j->cap;
    } else {
        j->n++;
    }
    j->ring[at] = *e;
}

/* A new entry for the exchange (s: its slot, or NULL); its id. */
static uint64_t journal_add(ctl_t *c, ctl_journal_t *j, const s3_req_info_t *info, jslot_t *s)
{
    const http_request_t *http = info->http;
    int64_t now_us = util_mono_us();
    jentry_t e = {
        .dur_us = now_us - http_req_start_us(http),
        .req_bytes = info->body_bytes,
        .status = info->resp ? http_resp_get_status(info->resp) : 0,
        .vhost = (unsigned char)(info->vhost != 0),
    };
    e.time_ms = util_now_ms() - e.dur_us / 1000;
    const char *method = http_req_method(http);
    e.resp_bytes = info->resp && strcmp(method, "HEAD") != 0 ? http_resp_body_len(info->resp) : 0;
    if (s && s->hashing) {
        sha256_digest(&s->sha, sizeof e.sha, e.sha);
        e.has_sha = 1;
        s->hashing = 0;
    }
    buf_t b = BUF_INIT;
    buf_reserve(&b, 500); /* 512 bytes: most entries fit */
    e.off[JS_METHOD] = put_str(&b, method, SIZE_MAX);
    e.off[JS_TARGET] = (uint32_t)b.len;
    put_target(&b, http_req_target(http));
    buf_putc(&b, 0);
    e.off[JS_OP] = put_str(&b, info->op, SIZE_MAX);
    e.off[JS_BUCKET] = put_str(&b, info->bucket, SIZE_MAX);
    e.off[JS_KEY] = put_str(&b, info->key, info->key_len);
    e.key_len = (uint32_t)info->key_len;
    e.off[JS_VID] = put_str(&b, info->vid, SIZE_MAX);
    e.off[JS_ERROR] = put_str(&b, info->error, SIZE_MAX);
    char peer[64];
    e.off[JS_CLIENT] = put_str(&b, http_req_peer(http, peer, sizeof peer), SIZE_MAX);
    e.off[JS_AK] = put_str(&b, info->access_key, SIZE_MAX);
    e.off[JS_DECISION] = put_str(&b,
                                 info->auth && *info->auth ? info->auth
                                 : c->opt.users            ? NULL
                                                           : "open",
                                 SIZE_MAX);
    e.off[JS_REQID] = put_str(&b, info->reqid, SIZE_MAX);
    e.hdr_off = (uint32_t)b.len;
    hdr_ctx_t hc = {&b, 0};
    http_req_each_header(http, put_header, &hc);
    e.nreq = hc.n;
    hc.n = 0;
    if (info->resp) http_resp_each_header(info->resp, put_header, &hc);
    e.nresp = hc.n;
    e.pool = buf_take(&b);

    jentry_t old = {0};
    pthread_mutex_lock(&j->mu);
    ring_push(j, &e, &old);
    if (j->waiters) pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
    free(old.pool);
    return e.id;
}

void ctl_journal_on_answered(void *ctx, const s3_req_info_t *info, void **slot)
{
    ctl_t *c = ctx;
    if (!c->journal) return;
    jslot_t *s = *slot;
    if (!s) s = *slot = xcalloc(1, sizeof *s);
    if (!s->id) {
        s->id = journal_add(c, c->journal, info, s);
        s->resp_bytes = info->resp && strcmp(http_req_method(info->http), "HEAD") != 0
                            ? http_resp_body_len(info->resp)
                            : 0;
    }
}

/* Past this many bytes an answer's sending counts in its duration. */
#define JOURNAL_SMALL_ANSWER (64 * 1024)

void ctl_journal_on_record(void *ctx, const s3_req_info_t *info)
{
    ctl_t *c = ctx;
    ctl_journal_t *j = c->journal;
    jslot_t *s = info->slot;
    if (j && (!s || !s->id)) {
        journal_add(c, j, info, s); /* no answer went out */
    } else if (j) {
        /* The entry made when the answer went out: now the time and bytes
         * of the whole exchange. A small answer went out whole with its
         * head: its entry stands, and the request skips a second pass
         * through the journal's lock (a contended one on a busy server). */
        uint64_t bytes = info->resp && strcmp(http_req_method(info->http), "HEAD") != 0
                             ? http_resp_body_len(info->resp)
                             : 0;
        if (bytes == s->resp_bytes && bytes <= JOURNAL_SMALL_ANSWER) {
            free(s);
            return;
        }
        int64_t dur_us = info->dur_us;
        pthread_mutex_lock(&j->mu);
        uint64_t first = j->n ? j->ring[j->head].id : 0;
        if (j->n && s->id >= first && s->id - first < j->n) {
            jentry_t *e = &j->ring[(j->head + (size_t)(s->id - first)) % j->cap];
            assert(e->id == s->id);
            e->dur_us = dur_us;
            e->resp_bytes = bytes;
        }
        pthread_mutex_unlock(&j->mu);
    }
    free(s);
}

/* ---- filters ---- */

static void filter_free(jfilter_t *f)
{
    free(f->op);
    free(f->method);
    free(f->bucket);
    free(f->key);
    free(f->error);
}

/* A query parameter as an unsigned number; 0 when absent, -1 when not one. */
static int query_u64(const s3_ctl_req_t *req, const char *name, uint64_t *out, int *present)
{
    char *v = ctl_query(req, name);
    *present = v != NULL;
    if (!v) return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    int bad = !*v || *end || errno || *v == '-' || *v == '+';
    free(v);
    if (bad) return -1;
    *out = x;
    return 0;
}

/* The filters of the query into f; 0, or -1 after answering 400. */
static int filter_parse(const s3_ctl_req_t *req, jfilter_t *f, http_response_t *resp)
{
    memset(f, 0, sizeof *f);
    f->op = ctl_query(req, "op");
    f->method = ctl_query(req, "method");
    f->bucket = ctl_query(req, "bucket");
    f->key = ctl_query(req, "key");
    f->error = ctl_query(req, "error");
    char *st = ctl_query(req, "status");
    if (st) {
        size_t n = strlen(st);
        int ok = n == 3 && st[0] >= '1' && st[0] <= '5';
        if (ok && (st[1] == 'x' || st[1] == 'X') && (st[2] == 'x' || st[2] == 'X'))
            f->status_class = st[0] - '0';
        else if (ok && st[1] >= '0' && st[1] <= '9' && st[2] >= '0' && st[2] <= '9')
            f->status = atoi(st);
        else
            ok = 0;
        free(st);
        if (!ok) {
            ctl_error(resp, 400, "InvalidArgument", "status: a status such as 503, or 5xx");
            goto fail;
        }
    }
    int present;
    uint64_t limit = 0;
    if (query_u64(req, "since", &f->since, &present)) {
        ctl_error(resp, 400, "InvalidArgument", "since: an entry id");
        goto fail;
    }
    if (query_u64(req, "limit", &limit, &f->has_limit)) {
        ctl_error(resp, 400, "InvalidArgument", "limit: a count");
        goto fail;
    }
    f->limit = (size_t)limit;
    return 0;
fail:
    filter_free(f);
    return -1;
}

static const char *estr(const jentry_t *e, int i)
{
    return e->off[i] == JS_NULL ? NULL : e->pool + e->off[i];
}

static int match(const jentry_t *e, const jfilter_t *f)
{
    if (e->id <= f->since) return 0;
    if (f->status && e->status != f->status) return 0;
    if (f->status_class && e->status / 100 != f->status_class) return 0;
    const char *s;
    if (f->method && strcmp(estr(e, JS_METHOD), f->method) != 0) return 0;
    if (f->op && (!(s = estr(e, JS_OP)) || strcmp(s, f->op) != 0)) return 0;
    if (f->bucket && (!(s = estr(e, JS_BUCKET)) || strcmp(s, f->bucket) != 0)) return 0;
    if (f->error && (!(s = estr(e, JS_ERROR)) || strcmp(s, f->error) != 0)) return 0;
    if (f->key) {
        size_t n = strlen(f->key);
        if (!(s = estr(e, JS_KEY)) || e->key_len < n || memcmp(s, f->key, n) != 0) return 0;
    }
    return 1;
}

/* ---- JSON ---- */

/* A JSON string of n bytes; bytes that are not UTF-8 become '?'. */
static json_t *jstr(const char *s, size_t n)
{
    if (!s) return json_null();
    if (util_utf8_valid(s, n)) return json_stringn(s, n);
    char *t = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    json_t *j = json_stringn(t, n);
    free(t);
    return j;
}

static json_t *jfield(const jentry_t *e, int i)
{
    const char *s = estr(e, i);
    return jstr(s, s ? (i == JS_KEY ? e->key_len : strlen(s)) : 0);
}

/* {name: value} of n pairs from *p (moved past them); repeated names joined by ", ". */
static json_t *headers_json(const char **p, uint32_t n)
{
    json_t *o = json_object();
    for (uint32_t i = 0; i < n; i++) {
        const char *name = *p;
        const char *value = name + strlen(name) + 1;
        *p = value + strlen(value) + 1;
        json_t *had = json_object_get(o, name);
        json_t *v = jstr(value, strlen(value));
        if (had && json_is_string(had) && v) {
            buf_t b = BUF_INIT;
            buf_puts(&b, json_string_value(had));
            buf_puts(&b, ", ");
            buf_puts(&b, json_string_value(v));
            json_decref(v);
            v = json_stringn(b.p, b.len);
            buf_free(&b);
        }
        if (v && util_utf8_valid(name, strlen(name)))
            json_object_set_new(o, name, v);
        else
            json_decref(v);
    }
    return o;
}

static json_t *entry_json(const jentry_t *e)
{
    char when[25];
    util_iso_date(e->time_ms, when);
    char sha[2 * SHA256_DIGEST_SIZE + 1];
    if (e->has_sha) util_hex(e->sha, sizeof e->sha, sha);
    const char *p = e->pool + e->hdr_off;
    json_t *reqh = headers_json(&p, e->nreq);
    json_t *resph = headers_json(&p, e->nresp);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)e->id));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "method", jfield(e, JS_METHOD));
    json_object_set_new(o, "target", jfield(e, JS_TARGET));
    json_object_set_new(o, "style", json_string(e->vhost ? "virtual" : "path"));
    json_object_set_new(o, "op", jfield(e, JS_OP));
    json_object_set_new(o, "bucket", jfield(e, JS_BUCKET));
    json_object_set_new(o, "key", jfield(e, JS_KEY));
    json_object_set_new(o, "version_id", jfield(e, JS_VID));
    json_object_set_new(o, "status", json_integer(e->status));
    json_object_set_new(o, "error", jfield(e, JS_ERROR));
    json_object_set_new(o, "request_headers", reqh);
    json_object_set_new(o, "response_headers", resph);
    json_object_set_new(o, "request_body",
                        json_pack("{s:I, s:o}", "bytes", (json_int_t)e->req_bytes, "sha256",
                                  e->has_sha ? json_string(sha) : json_null()));
    json_object_set_new(o, "response_bytes", json_integer((json_int_t)e->resp_bytes));
    json_object_set_new(o, "duration_ms", json_real((double)e->dur_us / 1000.0));
    json_object_set_new(o, "client", jfield(e, JS_CLIENT));
    json_object_set_new(o, "auth",
                        json_pack("{s:o, s:o}", "access_key", jfield(e, JS_AK), "decision",
                                  jfield(e, JS_DECISION)));
    json_object_set_new(o, "request_id", jfield(e, JS_REQID));
    return o;
}

/* {"requests": [the matches, oldest first, the newest limit of them], "last_id"}
 * (under the lock). */
static json_t *matches_json(const ctl_journal_t *j, const jfilter_t *f)
{
    size_t total = 0;
    for (size_t i = 0; i < j->n; i++)
        total += (size_t)match(&j->ring[(j->head + i) % j->cap], f);
    size_t skip = f->has_limit && total > f->limit ? total - f->limit : 0;
    json_t *a = json_array();
    for (size_t i = 0; i < j->n; i++) {
        const jentry_t *e = &j->ring[(j->head + i) % j->cap];
        if (!match(e, f)) continue;
        if (skip) {
            skip--;
            continue;
        }
        json_array_append_new(a, entry_json(e));
    }
    return json_pack("{s:o, s:I}", "requests", a, "last_id", (json_int_t)j->last_id);
}

/* ---- the calls ---- */

static int journal_off(ctl_t *c, http_response_t *resp)
{
    if (c->journal) return 0;
    ctl_error(resp, 409, "JournalOff", "the request journal is off (--journal 0)");
    return 1;
}

void ctl_journal_list(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    if (journal_off(c, resp)) return;
    jfilter_t f;
    if (filter_parse(req, &f, resp)) return;
    ctl_journal_t *j = c->journal;
    pthread_mutex_lock(&j->mu);
    json_t *o = matches_json(j, &f);
    pthread_mutex_unlock(&j->mu);
    filter_free(&f);
    ctl_reply(resp, 200, o);
}

/* Drop every entry (under the lock); how many there were. Waits count anew. */
static size_t clear_locked(ctl_journal_t *j)
{
    size_t n = j->n;
    for (size_t i = 0; i < j->n; i++)
        free(j->ring[(j->head + i) % j->cap].pool);
    j->n = j->head = 0;
    for (jwaiter_t *w = j->waiters; w; w = w->next)
        w->matched = 0;
    return n;
}

void ctl_journal_clear(ctl_t *c)
{
    ctl_journal_t *j = c->journal;
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    clear_locked(j);
    pthread_mutex_unlock(&j->mu);
}

json_t *ctl_journal_info(ctl_t *c)
{
    ctl_journal_t *j = c->journal;
    if (!j) return json_null();
    pthread_mutex_lock(&j->mu);
    size_t waits = 0;
    for (jwaiter_t *w = j->waiters; w; w = w->next)
        waits++;
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:I}", "size", (json_int_t)j->cap, "entries", (json_int_t)j->n,
                  "last_id", (json_int_t)j->last_id, "pending_waits", (json_int_t)waits);
    pthread_mutex_unlock(&j->mu);
    return o;
}

void ctl_journal_delete(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)req;
    if (journal_off(c, resp)) return;
    ctl_journal_t *j = c->journal;
    pthread_mutex_lock(&j->mu);
    size_t n = clear_locked(j);
    pthread_mutex_unlock(&j->mu);
    ctl_reply(resp, 200, json_pack("{s:I}", "cleared", (json_int_t)n));
}

/* Count w's matches among the entries it has not seen (under the lock). */
static void advance(const ctl_journal_t *j, jwaiter_t *w)
{
    if (j->n == 0 || w->seen >= j->last_id) {
        w->seen = j->last_id;
        return;
    }
    /* Ids in the ring are consecutive: the first unseen one's slot is direct. */
    uint64_t first = j->ring[j->head].id;
    size_t i = w->seen >= first ? (size_t)(w->seen - first + 1) : 0;
    for (; i < j->n; i++)
        w->matched += (unsigned)match(&j->ring[(j->head + i) % j->cap], &w->f);
    w->seen = j->last_id;
}

/* Make w's answer (under the lock): its matches, 408 past its deadline,
 * 503 when the server stops. */
static void waiter_due(const ctl_journal_t *j, jwaiter_t *w, int status)
{
    json_t *o = matches_json(j, &w->f);
    if (status != 200) {
        json_t *o2 =
            json_pack("{s:s, s:s}", "error", status == 408 ? "Timeout" : "ShuttingDown", "message",
                      status == 408 ? "fewer requests than count matched in the timeout"
                                    : "the server is stopping");
        json_object_update(o2, o);
        json_decref(o);
        o = o2;
    }
    w->status = status;
    w->answer = o;
}

static void waiter_free(jwaiter_t *w)
{
    filter_free(&w->f);
    json_decref(w->answer);
    free(w);
}

/* Send w's answer, resume its connection and free it (without the lock). */
static void waiter_answer(jwaiter_t *w)
{
    http_response_t *resp = w->resp;
    ctl_reply(resp, w->status, w->answer);
    w->answer = NULL;
    waiter_free(w);
    http_resp_resume(resp);
}

void ctl_journal_wait(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    if (journal_off(c, resp)) return;
    ctl_journal_t *j = c->journal;
    jwaiter_t *w = xcalloc(1, sizeof *w);
    double timeout = 10;
    int present;
    uint64_t count = 1;
    if (query_u64(req, "count", &count, &present) || count > UINT32_MAX) {
        ctl_error(resp, 400, "InvalidArgument", "count: a count of requests");
        free(w);
        return;
    }
    char *t = ctl_query(req, "timeout");
    if (t) {
        char *end;
        timeout = strtod(t, &end);
        int bad = !*t || *end || !(timeout >= 0 && timeout <= 300);
        free(t);
        if (bad) {
            ctl_error(resp, 400, "InvalidArgument", "timeout: seconds, 0 to 300");
            free(w);
            return;
        }
    }
    if (filter_parse(req, &w->f, resp)) {
        free(w);
        return;
    }
    w->count = (unsigned)count;
    w->deadline_us = util_mono_us() + (int64_t)(timeout * 1e6);
    w->resp = resp;
    pthread_mutex_lock(&j->mu);
    advance(j, w);
    if (w->matched >= w->count || timeout == 0 || j->closing) {
        waiter_due(j, w, w->matched >= w->count ? 200 : j->closing ? 503 : 408);
        pthread_mutex_unlock(&j->mu);
        ctl_reply(resp, w->status, w->answer);
        w->answer = NULL;
        waiter_free(w);
        return;
    }
    /* The journal's thread answers it: no worker thread waits. */
    http_resp_defer(resp);
    w->next = j->waiters;
    j->waiters = w;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
}

/* ---- the thread that answers waits ---- */

static void *waiter_main(void *arg)
{
    ctl_journal_t *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        int64_t now = util_mono_us(), next = INT64_MAX;
        jwaiter_t *due = NULL;
        for (jwaiter_t **pp = &j->waiters; *pp;) {
            jwaiter_t *w = *pp;
            advance(j, w);
            int status = w->matched >= w->count  ? 200
                         : j->closing            ? 503
                         : now >= w->deadline_us ? 408
                                                 : 0;
            if (!status) {
                if (w->deadline_us < next) next = w->deadline_us;
                pp = &w->next;
                continue;
            }
            waiter_due(j, w, status);
            *pp = w->next;
            w->next = due;
            due = w;
            j->answering++;
        }
        if (due) {
            pthread_mutex_unlock(&j->mu);
            while (due) {
                jwaiter_t *w = due;
                due = w->next;
                waiter_answer(w);
            }
            pthread_mutex_lock(&j->mu);
            j->answering = 0;
            if (!j->waiters) pthread_cond_broadcast(&j->idle);
            continue;
        }
        if (j->stop) break;
        if (next == INT64_MAX) {
            pthread_cond_wait(&j->wake, &j->mu);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(next / 1000000),
                                  .tv_nsec = (long)(next % 1000000) * 1000};
            pthread_cond_timedwait(&j->wake, &j->mu, &ts);
        }
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

ctl_journal_t *ctl_journal_new(unsigned size)
{
    if (size == 0) return NULL;
    ctl_journal_t *j = xcalloc(1, sizeof *j);
    j->cap = size;
    j->ring = xcalloc(size, sizeof *j->ring);
    /* Every request takes it for a few dozen instructions: an adaptive
     * mutex spins that long before sleeping, so two workers meeting there
     * cost no futex call. */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&j->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    /* Deadlines are on the monotonic clock (util_mono_us), as the wait's. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&j->idle, NULL);
    if (pthread_create(&j->thread, NULL, waiter_main, j) != 0) {
        util_err("fakes3: journal: cannot start a thread");
        abort();
    }
    return j;
}

void ctl_journal_quiesce(ctl_journal_t *j)
{
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    j->closing = 1;
    pthread_cond_signal(&j->wake);
    while (j->waiters || j->answering)
        pthread_cond_wait(&j->idle, &j->mu);
    pthread_mutex_unlock(&j->mu);
}

void ctl_journal_free(ctl_journal_t *j)
{
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    j->closing = j->stop = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    assert(!j->waiters);
    clear_locked(j);
    free(j->ring);
    pthread_cond_destroy(&j->wake);
    pthread_cond_destroy(&j->idle);
    pthread_mutex_destroy(&j->mu);
    free(j);
}
