/* CompleteMultipartUpload. Completion copies nothing: the object becomes the
 * ordered list of the chosen parts' blobs, its ETag the MD5 of their binary
 * MD5s with "-N", its checksum COMPOSITE (the checksum of the parts'
 * checksums, "-N") or FULL_OBJECT (the parts' CRCs combined). The commit runs
 * on the completer thread, which also remembers recent completions so that a
 * retried one gets the first answer. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/checksum.h"
#include "lib/util.h"
#include "s3/mpu.h"
#include "s3/notify.h"
#include "s3/sse.h"
#include "s3/xmlin.h"

struct want_part {
    long num;
    char etag[48];
    checksum_alg_t ck_alg;
    char ck[64];
};

struct complete_ctx {
    struct want_part *v;
    size_t n, cap;
    struct want_part cur;
    int bad;
};

static int on_complete_elem(void *ctx, const char *path, const char *text, size_t n)
{
    struct complete_ctx *c = ctx;
    const char *pre = "CompleteMultipartUpload/Part/";
    if (strncmp(path, pre, strlen(pre)) == 0) {
        const char *f = path + strlen(pre);
        if (strcmp(f, "PartNumber") == 0) {
            char tmp[16], *end;
            if (n == 0 || n >= sizeof tmp) return c->bad = 1;
            memcpy(tmp, text, n);
            tmp[n] = '\0';
            c->cur.num = strtol(tmp, &end, 10);
            if (*end) return c->bad = 1;
        } else if (strcmp(f, "ETag") == 0) {
            /* quoted, unquoted, &quot; or &#34; (the parser has decoded those) */
            while (n && (*text == '"' || isspace((unsigned char)*text)))
                text++, n--;
            while (n && (text[n - 1] == '"' || isspace((unsigned char)text[n - 1])))
                n--;
            if (n >= sizeof c->cur.etag) return c->bad = 1;
            memcpy(c->cur.etag, text, n);
            c->cur.etag[n] = '\0';
        } else if (strncmp(f, "Checksum", 8) == 0 && n < sizeof c->cur.ck) {
            c->cur.ck_alg = checksum_alg_from_name(f + 8);
            memcpy(c->cur.ck, text, n);
            c->cur.ck[n] = '\0';
        }
    } else if (strcmp(path, "CompleteMultipartUpload/Part") == 0) {
        if (c->n >= S3_MAX_PARTS || c->cur.num == 0) return c->bad = 1;
        c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof *c->v);
        c->v[c->n++] = c->cur;
        memset(&c->cur, 0, sizeof c->cur);
    } else if (strncmp(path, "CompleteMultipartUpload", 23) != 0) {
        return c->bad = 1;
    }
    return 0;
}

static const store_part_t *find_part(const store_part_t *parts, size_t n, long num)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((long)parts[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && (long)parts[lo].num == num ? &parts[lo] : NULL;
}

/* The object's checksum from its parts', as S3 computes it; "" if the parts
 * do not all carry the one algorithm. */
static void object_checksum(const store_part_t *parts, size_t n, const store_upload_t *u,
                            checksum_alg_t *alg_out, char *out, size_t outlen, int *full)
{
    out[0] = '\0';
    *alg_out = CK_NONE;
    checksum_alg_t ua = checksum_alg_from_name(u->ck_alg);
    const char *b64;
    checksum_alg_t alg = n ? s3_mpu_part_ck(parts[0].checksum, &b64) : CK_NONE;
    if (alg == CK_NONE || (ua != CK_NONE && alg != ua) || (ua == CK_NONE && alg != CK_CRC64NVME))
        return;
    *full = ua == CK_NONE || strcmp(u->ck_type, "FULL_OBJECT") == 0;
    checksum_t comp;
    checksum_init(&comp, alg);
    uint64_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        if (s3_mpu_part_ck(parts[i].checksum, &b64) != alg) return;
        if (*full) {
            uint64_t c;
            if (checksum_crc_from_b64(alg, b64, strlen(b64), &c)) return;
            crc = i ? checksum_crc_combine(alg, crc, c, parts[i].size) : c;
        } else {
            unsigned char raw[CHECKSUM_MAX_LEN + 4];
            size_t rn = sizeof raw;
            if (util_unbase64(b64, strlen(b64), raw, &rn)) return;
            checksum_update(&comp, raw, rn);
        }
    }
    char v[CHECKSUM_B64_MAX];
    if (*full)
        checksum_crc_to_b64(alg, crc, v);
    else
        checksum_final_b64(&comp, v);
    snprintf(out, outlen, "%s", v);
    *alg_out = alg;
}

/* ---- the completer ----
 *
 * The commit of a completion runs on one background thread (SQLite lets one
 * writer in at a time anyway). The request waits for it up to
 * KEEPALIVE_AFTER_MS and answers as usual when it is done by then, which it
 * is unless another writer holds the database or the disk stalls: the commit
 * writes metadata only. Otherwise the answer is S3's for a long completion:
 * 200 with the XML declaration at once, a space every KEEPALIVE_EVERY_MS so
 * that clients do not time out, then the result or an <Error> element. */

#define KEEPALIVE_AFTER_MS 1000
#define KEEPALIVE_EVERY_MS 1000

struct complete_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs, done, rc;
    struct complete_job *next;
    store_t *st;
    char *upload_id;
    store_part_t *have, *chosen; /* chosen[i].blob borrowed from have */
    size_t nhave, n;
    store_obj_t meta;
    buf_t hdrs;
    store_cond_t cond;
    char cond_etag[48];
    checksum_alg_t ca;
    char ck[CHECKSUM_B64_MAX + 8];
    int full;
    /* for the completer's memory of completed uploads (r may be gone) */
    char bucket[64];
    char *key;
    size_t key_len;
    unsigned char fp[MD5_DIGEST_SIZE];
    /* the event the commit makes, sent by the completer when it succeeds
     * (NULL: nothing listens) */
    s3_event_t *ev;
    /* the streamed answer; r is valid while its reader is called */
    s3_req_t *r;
    int stage;
    buf_t out;
    size_t outpos;
};

/* Completed uploads are remembered so that a retried completion (an SDK
 * whose first attempt timed out) gets the same answer, as S3 gives for a
 * while after completing: in memory, the last DONE_MAX of them, for DONE_MS.
 * A restart forgets them. */
#define DONE_MAX 1024
#define DONE_MS  (15 * 60 * 1000)

struct done_upload {
    char id[sizeof((store_upload_t *)0)->id];
    char bucket[64];
    char *key;
    size_t key_len;
    unsigned char fp[MD5_DIGEST_SIZE]; /* of the part list it was completed with */
    char etag[48];
    char vid[40]; /* the version it made */
    int64_t mtime_ms, at_us;
    uint64_t size;
    checksum_alg_t ca;
    char ck[CHECKSUM_B64_MAX + 8];
    int full;
};

struct s3_completer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct complete_job *head, *tail;
    int stop;
    pthread_t th;
    struct done_upload done[DONE_MAX]; /* a ring, oldest overwritten */
    size_t ndone, next_done;
};

static void job_unref(void *p)
{
    struct complete_job *j = p;
    pthread_mutex_lock(&j->mu);
    int last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (!last) return;
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    s3_event_free(j->ev);
    free(j->upload_id);
    free(j->key);
    free(j->chosen);
    store_parts_free(j->have, j->nhave);
    free(j->meta.key);
    free(j->meta.blob);
    free(j->meta.acl);
    free(j->meta.lock);
    free(j->meta.tags);
    buf_free(&j->hdrs);
    buf_free(&j->out);
    free(j);
}

/* The value of the upload's header line that starts with name (its lock
 * document, S3_LOCK_HEADER, or its tag set, S3_TAGS_HEADER) out of its
 * headers into *doc: the object gets it as its version's, not as a header. */
static void take_line(buf_t *h, const char *name, char **doc)
{
    *doc = NULL;
    if (!h->p) return;
    size_t n = strlen(name);
    for (char *line = h->p; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (strncmp(line, name, n) == 0) {
            const char *v = line + n;
            while (*v == ' ')
                v++;
            *doc = xstrndup(v, (size_t)(line + len - v) - (nl ? 1 : 0));
            memmove(line, line + len, strlen(line + len) + 1);
            h->len -= len;
            return;
        }
        line += len;
    }
}

static int job_wait(struct complete_job *j, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&j->mu);
    while (!j->done && pthread_cond_timedwait(&j->cv, &j->mu, &until) == 0)
        ;
    int done = j->done;
    pthread_mutex_unlock(&j->mu);
    return done;
}

/* Note a completed upload (the completer thread, after the commit). */
static void remember(struct s3_completer *c, const struct complete_job *j)
{
    pthread_mutex_lock(&c->mu);
    struct done_upload *d = &c->done[c->next_done];
    free(d->key);
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", j->upload_id);
    memcpy(d->bucket, j->bucket, sizeof d->bucket);
    d->key = xstrndup(j->key, j->key_len);
    d->key_len = j->key_len;
    memcpy(d->fp, j->fp, sizeof d->fp);
    memcpy(d->etag, j->meta.etag, sizeof d->etag);
    memcpy(d->vid, j->meta.vid, sizeof d->vid);
    d->mtime_ms = j->meta.mtime_ms;
    d->at_us = util_mono_us();
    d->size = j->meta.size;
    d->ca = j->ca;
    memcpy(d->ck, j->ck, sizeof d->ck);
    d->full = j->full;
    c->next_done = (c->next_done + 1) % DONE_MAX;
    if (c->ndone < DONE_MAX) c->ndone++;
    pthread_mutex_unlock(&c->mu);
}

/* Whether d is a completion of bucket/key and the key still holds the object
 * it made (not overwritten or deleted since). */
static int done_current(store_t *st, const struct done_upload *d, const char *bucket,
                        const char *key, size_t key_len)
{
    if (strcmp(d->bucket, bucket) != 0 || d->key_len != key_len ||
        memcmp(d->key, key, key_len) != 0)
        return 0;
    store_obj_t o = {0};
    int rc = st->ops->obj_get(st, bucket, key, key_len, NULL, &o, NULL);
    int same = rc == STORE_OK && strcmp(o.etag, d->etag) == 0 && o.mtime_ms == d->mtime_ms &&
               o.size == d->size;
    store_obj_free(&o);
    return same;
}

/* A copy of what was remembered of upload id, if it is remembered and recent. */
static int recall(struct s3_completer *c, const char *id, struct done_upload *out)
{
    int found = 0;
    int64_t now = util_mono_us();
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ndone && !found; i++) {
        const struct done_upload *d = &c->done[i];
        if (strcmp(d->id, id) != 0 || now - d->at_us > (int64_t)DONE_MS * 1000) continue;
        *out = *d;
        out->key = xstrndup(d->key, d->key_len);
        found = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return found;
}

/* A job whose upload was gone when its turn came: when an earlier job (a
 * request the client gave up on, then retried) completed it with the same
 * parts, that job's outcome is this one's too. The job's store code. */
static int settled_earlier(struct s3_completer *c, struct complete_job *j)
{
    struct done_upload d;
    if (!recall(c, j->upload_id, &d)) return STORE_ENOUPLOAD;
    int rc = STORE_ENOUPLOAD;
    if (done_current(j->st, &d, j->bucket, j->key, j->key_len)) {
        rc = STORE_EBADPART; /* other parts: those went with the completion */
        if (memcmp(d.fp, j->fp, sizeof d.fp) == 0) {
            memcpy(j->meta.etag, d.etag, sizeof j->meta.etag);
            memcpy(j->meta.vid, d.vid, sizeof j->meta.vid);
            j->meta.size = d.size;
            j->meta.mtime_ms = d.mtime_ms;
            j->ca = d.ca;
            memcpy(j->ck, d.ck, sizeof j->ck);
            j->full = d.full;
            rc = STORE_OK;
        }
    }
    free(d.key);
    return rc;
}

static void *completer_main(void *arg)
{
    struct s3_completer *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        while (!c->head && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        struct complete_job *j = c->head;
        if (j && !(c->head = j->next)) c->tail = NULL;
        pthread_mutex_unlock(&c->mu);
        if (!j) return NULL; /* stopping, and nothing left to do */
        int rc = j->st->ops->mpu_complete(j->st, j->upload_id, j->chosen, j->n, &j->meta, &j->cond);
        if (rc == STORE_OK) {
            remember(c, j);
            /* The object exists now, whoever waits for the answer. */
            s3_event_object(j->ev, j->meta.size, j->meta.etag, j->meta.vid);
            s3_event_send(j->ev);
            j->ev = NULL;
        } else if (rc == STORE_ENOUPLOAD)
            rc = settled_earlier(c, j);
        pthread_mutex_lock(&j->mu);
        j->rc = rc;
        j->done = 1;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        job_unref(j);
    }
}

s3_completer_t *s3_completer_start(void)
{
    struct s3_completer *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, completer_main, c) != 0) {
        util_err("fakes3: cannot start the multipart completer thread");
        abort();
    }
    return c;
}

void s3_completer_stop(s3_completer_t *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    for (size_t i = 0; i < c->ndone; i++)
        free(c->done[i].key);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

static void completer_submit(struct s3_completer *c, struct complete_job *j)
{
    j->refs++; /* the completer's; the job is not shared yet */
    pthread_mutex_lock(&c->mu);
    if (c->tail)
        c->tail->next = j;
    else
        c->head = j;
    c->tail = j;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* The CompleteMultipartUploadResult element. */
static void result_xml(const s3_req_t *r, const char *etag, checksum_alg_t ca, const char *ck,
                       int full, buf_t *b)
{
    s3_xml_open(b, "CompleteMultipartUploadResult");
    const char *host = http_req_header(r->http, "Host");
    buf_printf(b, "<Location>http://%s/", host ? host : "localhost");
    if (!r->t.vhost) {
        buf_xml(b, r->t.bucket, strlen(r->t.bucket));
        buf_putc(b, '/');
    }
    buf_urlenc(b, r->t.key, r->t.key_len, 1);
    buf_puts(b, "</Location>");
    s3_xml_elem_s(b, "Bucket", r->t.bucket);
    s3_xml_elem(b, "Key", r->t.key, r->t.key_len);
    buf_printf(b, "<ETag>&quot;%s&quot;</ETag>", etag);
    if (ca != CK_NONE) {
        s3_mpu_xml_checksum(b, ca, ck);
        s3_xml_elem_s(b, "ChecksumType", full ? "FULL_OBJECT" : "COMPOSITE");
    }
    buf_puts(b, "</CompleteMultipartUploadResult>");
}

/* The committed job's outcome: the error, or S3E_NONE and the result. */
static s3_err_t job_result(const struct complete_job *j, buf_t *b)
{
    if (j->rc)
        return j->rc == STORE_ENOUPLOAD  ? S3E_NO_SUCH_UPLOAD
               : j->rc == STORE_EBADPART ? S3E_INVALID_PART
                                         : s3_err_from_store(j->rc);
    result_xml(j->r, j->meta.etag, j->ca, j->ck, j->full, b);
    return S3E_NONE;
}

/* The fingerprint of a completion's part list: numbers and ETags. */
static void parts_fingerprint(const struct complete_ctx *c, unsigned char fp[MD5_DIGEST_SIZE])
{
    struct md5_ctx md5;
    md5_init(&md5);
    for (size_t i = 0; i < c->n; i++) {
        char line[80];
        int n = snprintf(line, sizeof line, "%ld:%s\n", c->v[i].num, c->v[i].etag);
        md5_update(&md5, (size_t)n, (const uint8_t *)line);
    }
    md5_digest(&md5, MD5_DIGEST_SIZE, fp);
}

/* A completion of an upload that is gone: when it is a retry of one that
 * succeeded (same bucket, key and parts, the object still the one it made)
 * the first answer again, as S3 gives it, and 1; else 0 (not answered). */
static int answer_retry(s3_req_t *r, http_response_t *resp)
{
    const char *id = s3_query_value(r, "uploadId");
    struct done_upload d;
    if (!id || !recall(r->srv->completer, id, &d)) return 0;
    int answered = 0;
    struct complete_ctx c = {0};
    if (!done_current(r->srv->store, &d, r->t.bucket, r->t.key, r->t.key_len)) goto out;
    answered = 1;
    if (!r->body.len || xmlin_parse(r->body.p, r->body.len, on_complete_elem, &c) != 0 || c.bad ||
        !c.n) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        goto out;
    }
    unsigned char fp[MD5_DIGEST_SIZE];
    parts_fingerprint(&c, fp);
    if (memcmp(fp, d.fp, sizeof fp) != 0) {
        /* The parts it did not use went with the completion. */
        s3_err(r, resp, S3E_INVALID_PART);
        goto out;
    }
    buf_t b = BUF_INIT;
    buf_puts(&b, S3_XML_DECL);
    result_xml(r, d.etag, d.ca, d.ck, d.full, &b);
    s3_send_xml(resp, 200, &b);
out:
    free(c.v);
    free(d.key);
    return answered;
}

/* The body of a long completion: the declaration, spaces while the commit
 * runs, then the outcome. */
static ssize_t job_read(void *ctx, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct complete_job *j = ctx;
    if (j->stage == 0) {
        j->stage = 1;
        buf_puts(&j->out, S3_XML_DECL);
    } else if (j->stage == 1 && j->outpos == j->out.len) {
        if (!job_wait(j, KEEPALIVE_EVERY_MS)) {
            out[0] = ' ';
            return 1;
        }
        j->stage = 2;
        s3_err_t e = job_result(j, &j->out);
        if (e) s3_err_doc(j->r, &j->out, e, NULL, NULL);
    }
    size_t n = j->out.len - j->outpos;
    if (n > max) n = max;
    memcpy(out, j->out.p + j->outpos, n);
    j->outpos += n;
    return (ssize_t)n;
}

void s3_mpu_complete(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    store_upload_t u = {0};
    struct complete_ctx c = {0};
    store_part_t *have = NULL, *chosen = NULL;
    size_t nhave = 0;
    buf_t hdrs = BUF_INIT;
    s3_sse_t sse = {0};
    if (s3_put_checks(r, resp)) return;
    if (answer_retry(r, resp)) return;
    if (s3_mpu_need_upload(r, resp, &u)) return;
    /* SSE-C headers are not needed here; when sent they must be the upload's. */
    if (s3_sse_for_part(r, resp, u.headers, 1, &sse)) goto out;
    if (!r->body.len || xmlin_parse(r->body.p, r->body.len, on_complete_elem, &c) != 0 || c.bad ||
        !c.n) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        goto out;
    }
    for (size_t i = 1; i < c.n; i++)
        if (c.v[i].num <= c.v[i - 1].num) {
            s3_err(r, resp, S3E_INVALID_PART_ORDER);
            goto out;
        }
    int truncated;
    int rc = st->ops->mpu_parts(st, u.id, 0, S3_MAX_PARTS, &have, &nhave, &truncated);
    if (rc) {
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        goto out;
    }
    chosen = xcalloc(c.n, sizeof *chosen);
    struct md5_ctx md5;
    md5_init(&md5);
    uint64_t size = 0;
    for (size_t i = 0; i < c.n; i++) {
        const store_part_t *p = find_part(have, nhave, c.v[i].num);
        const char *b64 = "";
        checksum_alg_t pa = p ? s3_mpu_part_ck(p->checksum, &b64) : CK_NONE;
        if (!p || strcmp(p->etag, c.v[i].etag) != 0 ||
            (c.v[i].ck_alg != CK_NONE && (c.v[i].ck_alg != pa || strcmp(c.v[i].ck, b64) != 0))) {
            s3_err(r, resp, S3E_INVALID_PART);
            goto out;
        }
        if (i + 1 < c.n && p->size < S3_MIN_PART) {
            char extra[200];
            snprintf(extra, sizeof extra,
                     "<ProposedSize>%llu</ProposedSize><MinSizeAllowed>%llu</MinSizeAllowed>"
                     "<PartNumber>%ld</PartNumber><ETag>%s</ETag>",
                     (unsigned long long)p->size, (unsigned long long)S3_MIN_PART, c.v[i].num,
                     p->etag);
            s3_err_full(r, resp, S3E_ENTITY_TOO_SMALL, NULL, extra);
            goto out;
        }
        chosen[i] = *p;
        chosen[i].blob = p->blob; /* borrowed from have */
        unsigned char raw[MD5_DIGEST_SIZE];
        util_unhex(p->etag, MD5_DIGEST_SIZE, raw);
        md5_update(&md5, sizeof raw, raw);
        size += p->size;
    }
    struct complete_job *j = xcalloc(1, sizeof *j);
    unsigned char d[MD5_DIGEST_SIZE];
    md5_digest(&md5, sizeof d, d);
    util_hex(d, sizeof d, j->meta.etag);
    snprintf(j->meta.etag + 32, sizeof j->meta.etag - 32, "-%zu", c.n);
    j->meta.size = size;
    object_checksum(chosen, c.n, &u, &j->ca, j->ck, sizeof j->ck - 8, &j->full);
    if (j->ca != CK_NONE) {
        /* A FULL_OBJECT checksum sent with Complete must agree. A COMPOSITE
         * one is not checked: clients derive it from the part checksums the
         * server returned, and some servers return none (minio-go then sends
         * the CRC of nothing). */
        const char *sent = http_req_header(r->http, checksum_header_name(j->ca));
        if (j->full && sent && strcmp(sent, j->ck) != 0) {
            free(j);
            s3_err_msg(r, resp, S3E_BAD_DIGEST,
                       "The checksum you specified did not match the "
                       "calculated checksum of the parts.");
            goto out;
        }
        if (!j->full) snprintf(j->ck + strlen(j->ck), 8, "-%zu", c.n);
    }
    buf_puts(&hdrs, u.headers);
    if (j->ca != CK_NONE) {
        buf_printf(&hdrs, "%s: %s\n", checksum_header_name(j->ca), j->ck);
        buf_printf(&hdrs, "x-amz-checksum-type: %s\n", j->full ? "FULL_OBJECT" : "COMPOSITE");
    }
    /* The job takes what the commit needs. */
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    j->refs = 1;
    j->st = st;
    j->r = r;
    j->upload_id = xstrdup(u.id);
    snprintf(j->bucket, sizeof j->bucket, "%s", r->t.bucket);
    j->key = xstrndup(r->t.key, r->t.key_len);
    j->key_len = r->t.key_len;
    parts_fingerprint(&c, j->fp);
    j->have = have, j->nhave = nhave, j->chosen = chosen, j->n = c.n;
    have = chosen = NULL;
    nhave = 0;
    j->hdrs = hdrs;
    hdrs = (buf_t)BUF_INIT;
    take_line(&j->hdrs, S3_LOCK_HEADER, &j->meta.lock);
    take_line(&j->hdrs, S3_TAGS_HEADER, &j->meta.tags);
    j->meta.headers = j->hdrs.p;
    s3_storage_class_of(j->meta.headers, j->meta.sclass);
    j->ev = s3_event_new(r, "ObjectCreated:CompleteMultipartUpload", r->t.key, r->t.key_len);
    j->cond = r->cond;
    if (r->cond.if_match) {
        snprintf(j->cond_etag, sizeof j->cond_etag, "%s", r->cond.if_match);
        j->cond.if_match = j->cond_etag;
    }
    /* In a versioned bucket the answer's head names the new version, so it
     * waits for the commit (which writes metadata only) however long. */
    store_bucket_t bk;
    int versioned = st->ops->bucket_get(st, r->t.bucket, &bk) == STORE_OK && bk.versioning;
    completer_submit(r->srv->completer, j);
    int done = job_wait(j, KEEPALIVE_AFTER_MS);
    while (versioned && !done)
        done = job_wait(j, KEEPALIVE_AFTER_MS);
    if (done) {
        buf_t b = BUF_INIT;
        buf_puts(&b, S3_XML_DECL);
        s3_err_t e = job_result(j, &b);
        if (e) {
            s3_err(r, resp, e);
        } else {
            /* A completion answered as it runs (below) has sent its head
             * before the version exists: only this path can name it. */
            s3_version_written(resp, j->meta.vid);
            s3_sse_answer(resp, &sse, 0);
            r->has_obj_size = 1;
            r->obj_size = j->meta.size;
            s3_send_xml(resp, 200, &b);
        }
        buf_free(&b);
        job_unref(j);
    } else {
        http_resp_status(resp, 200);
        http_resp_header(resp, "Content-Type", "application/xml");
        s3_sse_answer(resp, &sse, 0);
        http_resp_body_reader(resp, HTTP_LEN_UNKNOWN, job_read, j, job_unref);
        http_resp_ready(resp);
    }
out:
    free(chosen);
    store_parts_free(have, nhave);
    free(c.v);
    store_upload_free(&u);
    buf_free(&hdrs);
    s3_sse_free(&sse);
}
