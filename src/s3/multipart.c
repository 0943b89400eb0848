/* Multipart uploads: Create, UploadPart (and UploadPartCopy), Complete,
 * Abort, ListParts, ListMultipartUploads.
 *
 * A part is stored like an object body (streamed, checked, one blob). A part's
 * checksum is kept as "ALG:base64". Completion copies nothing: the object
 * becomes the ordered list of the chosen parts' blobs, its ETag the MD5 of
 * their binary MD5s with "-N", its checksum COMPOSITE (the checksum of the
 * parts' checksums, "-N") or FULL_OBJECT (the parts' CRCs combined). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/checksum.h"
#include "lib/util.h"
#include "s3/owner.h"
#include "s3/payload.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

#define MIN_PART  (5ULL * 1024 * 1024)
#define MAX_PARTS 10000

/* The upload named by ?uploadId, which must belong to this bucket and key. */
static int need_upload(s3_req_t *r, http_response_t *resp, store_upload_t *u)
{
    const char *id = s3_query_value(r, "uploadId");
    int rc = id && *id ? r->srv->store->ops->mpu_get(r->srv->store, id, u) : STORE_ENOUPLOAD;
    if (rc == STORE_OK && (strcmp(u->bucket, r->t.bucket) != 0 || u->key_len != r->t.key_len ||
                           memcmp(u->key, r->t.key, u->key_len) != 0)) {
        store_upload_free(u);
        rc = STORE_ENOUPLOAD;
    }
    if (rc == STORE_OK) return 0;
    if (rc == STORE_ENOUPLOAD) {
        /* A missing bucket is reported as such. */
        if (s3_need_bucket(r, resp) == 0) s3_err(r, resp, S3E_NO_SUCH_UPLOAD);
    } else {
        s3_err(r, resp, S3E_INTERNAL_ERROR);
    }
    return -1;
}

/* "ALG:base64" → its parts. */
static checksum_alg_t part_ck(const char *stored, const char **b64)
{
    const char *colon = strchr(stored, ':');
    if (!colon) return CK_NONE;
    char name[16];
    size_t n = (size_t)(colon - stored);
    if (n >= sizeof name) return CK_NONE;
    memcpy(name, stored, n);
    name[n] = '\0';
    *b64 = colon + 1;
    return checksum_alg_from_name(name);
}

static void xml_checksum(buf_t *b, checksum_alg_t alg, const char *value)
{
    char el[32];
    snprintf(el, sizeof el, "Checksum%s", checksum_alg_name(alg));
    s3_xml_elem_s(b, el, value);
}

/* ---- CreateMultipartUpload ---- */

void s3_mpu_create(s3_req_t *r, http_response_t *resp)
{
    if (!s3_bucket_name_ok(r->t.bucket)) {
        s3_err(r, resp, r->srv->strict ? S3E_NO_SUCH_BUCKET : S3E_INVALID_BUCKET_NAME);
        return;
    }
    if (s3_put_checks(r, resp)) return;
    const char *an = http_req_header(r->http, "x-amz-checksum-algorithm");
    const char *tn = http_req_header(r->http, "x-amz-checksum-type");
    checksum_alg_t alg = an ? checksum_alg_from_name(an) : CK_NONE;
    if (an && (alg == CK_NONE || alg == CK_MD5)) {
        s3_err_arg(r, resp, "Checksum algorithm provided is unsupported.",
                   "x-amz-checksum-algorithm", an);
        return;
    }
    const char *type = "";
    if (tn) {
        if (strcasecmp(tn, "COMPOSITE") == 0)
            type = "COMPOSITE";
        else if (strcasecmp(tn, "FULL_OBJECT") == 0)
            type = "FULL_OBJECT";
        else {
            s3_err_arg(r, resp, "Value for x-amz-checksum-type header is invalid.",
                       "x-amz-checksum-type", tn);
            return;
        }
        if (alg == CK_NONE) {
            s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                       "The x-amz-checksum-type header can only be used with the "
                       "x-amz-checksum-algorithm header.");
            return;
        }
    } else if (alg != CK_NONE) {
        type = alg == CK_CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
    }
    if ((alg == CK_CRC64NVME && strcmp(type, "COMPOSITE") == 0) ||
        ((alg == CK_SHA1 || alg == CK_SHA256) && strcmp(type, "FULL_OBJECT") == 0)) {
        char msg[120];
        snprintf(msg, sizeof msg, "The %s checksum type cannot be used with the %s algorithm.",
                 type, checksum_alg_name(alg));
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
        return;
    }
    buf_t hdrs = BUF_INIT;
    s3_object_headers(r, &hdrs, S3_OH_ALL);
    store_upload_t u = {0};
    snprintf(u.bucket, sizeof u.bucket, "%s", r->t.bucket);
    u.key = r->t.key;
    u.key_len = r->t.key_len;
    u.headers = hdrs.p ? hdrs.p : "";
    snprintf(u.ck_alg, sizeof u.ck_alg, "%s", checksum_alg_name(alg));
    snprintf(u.ck_type, sizeof u.ck_type, "%s", type);
    snprintf(u.owner, sizeof u.owner, "%s", s3_owner_caller(r));
    int rc = r->srv->store->ops->mpu_create(r->srv->store, &u, !r->srv->strict);
    buf_free(&hdrs);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    if (alg != CK_NONE) {
        http_resp_header(resp, "x-amz-checksum-algorithm", u.ck_alg);
        http_resp_header(resp, "x-amz-checksum-type", u.ck_type);
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "InitiateMultipartUploadResult");
    s3_xml_elem_s(&b, "Bucket", r->t.bucket);
    s3_xml_elem(&b, "Key", r->t.key, r->t.key_len);
    s3_xml_elem_s(&b, "UploadId", u.id);
    buf_puts(&b, "</InitiateMultipartUploadResult>");
    s3_send_xml(resp, 200, &b);
}

/* ---- UploadPart and UploadPartCopy ---- */

int s3_mpu_part_start(s3_req_t *r, http_response_t *resp)
{
    const char *pn = s3_query_value(r, "partNumber");
    char *end;
    long num = pn ? strtol(pn, &end, 10) : 0;
    if (!pn || !*pn || *end || num < 1 || num > MAX_PARTS) {
        s3_err_arg(r, resp, "Part number must be an integer between 1 and 10000, inclusive",
                   "partNumber", pn ? pn : "");
        return 1;
    }
    r->part_num = (uint32_t)num;
    store_upload_t u;
    if (need_upload(r, resp, &u)) return 1;
    r->upload_id = xstrdup(u.id);
    snprintf(r->upload_alg, sizeof r->upload_alg, "%s", u.ck_alg);
    store_upload_free(&u);
    if (http_req_header(r->http, "x-amz-copy-source")) {
        r->is_copy = 1;
        return 0;
    }
    if (s3_stream_start(r, resp)) return 1;
    checksum_alg_t ua = checksum_alg_from_name(r->upload_alg);
    if (ua != CK_NONE) {
        if (r->payload->ck_defaulted) {
            checksum_init(&r->payload->ck, ua); /* the upload's algorithm for every part */
        } else if (r->payload->ck.alg != ua) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "Checksum Type mismatch occurred, expected checksum Type: %s, actual "
                     "checksum Type: %s",
                     r->upload_alg, checksum_alg_name(r->payload->ck.alg));
            s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
            return 1;
        }
    }
    return 0;
}

/* Publish r->put as the part; answers errors. 0 on success. */
static int publish_part(s3_req_t *r, http_response_t *resp, store_part_t *part)
{
    store_put_t *p = r->put;
    r->put = NULL;
    int rc = r->srv->store->ops->mpu_part_commit(p, r->upload_id, part);
    if (rc) {
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        return -1;
    }
    return 0;
}

/* x-amz-copy-source-range: "bytes=a-b" within size. */
static int parse_copy_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
    unsigned long long a, b;
    char tail;
    if (sscanf(h, "bytes=%llu-%llu%c", &a, &b, &tail) != 2 || b < a || b >= size) return -1;
    *from = a;
    *to = b;
    return 0;
}

static void part_copy(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    s3_copy_src_t cs;
    char *buf = NULL;
    if (s3_copy_source_open(r, resp, &cs)) goto out;
    store_obj_t src = cs.obj;
    store_reader_t *rd = cs.rd;
    uint64_t from = 0, to = src.size ? src.size - 1 : 0;
    const char *range = http_req_header(r->http, "x-amz-copy-source-range");
    if (range && parse_copy_range(range, src.size, &from, &to)) {
        s3_err_arg(r, resp,
                   "The x-amz-copy-source-range value must be of the form bytes=first-last "
                   "where first and last are the zero-based offsets of the first and last "
                   "bytes to copy",
                   "x-amz-copy-source-range", range);
        goto out;
    }
    uint64_t len = src.size ? to - from + 1 : 0;
    if (len > S3_MAX_PUT) {
        s3_err(r, resp, S3E_ENTITY_TOO_LARGE);
        goto out;
    }
    /* A range of another object becomes a new file: read it and write it,
     * hashing as it goes (a part must have its own MD5). */
    if (st->ops->put_begin(st, &r->put) != STORE_OK) {
        s3_err(r, resp, S3E_INTERNAL_ERROR);
        goto out;
    }
    struct md5_ctx md5;
    md5_init(&md5);
    checksum_t ck;
    checksum_alg_t ua = checksum_alg_from_name(r->upload_alg);
    checksum_init(&ck, ua != CK_NONE ? ua : CK_CRC64NVME);
    const size_t bufsz = 1 << 20;
    buf = xmalloc(bufsz);
    for (uint64_t done = 0; done < len;) {
        size_t want = len - done < bufsz ? (size_t)(len - done) : bufsz;
        long got = st->ops->reader_read(rd, from + done, buf, want);
        if (got <= 0 || st->ops->put_write(r->put, buf, (size_t)got) != STORE_OK) {
            s3_err(r, resp, S3E_INTERNAL_ERROR);
            goto out;
        }
        md5_update(&md5, (size_t)got, (const uint8_t *)buf);
        checksum_update(&ck, buf, (size_t)got);
        done += (uint64_t)got;
    }
    store_part_t part = {0};
    part.num = r->part_num;
    part.size = len;
    unsigned char d[MD5_DIGEST_SIZE];
    md5_digest(&md5, sizeof d, d);
    util_hex(d, sizeof d, part.etag);
    char b64[CHECKSUM_B64_MAX];
    checksum_final_b64(&ck, b64);
    snprintf(part.checksum, sizeof part.checksum, "%s:%s", checksum_alg_name(ck.alg), b64);
    if (publish_part(r, resp, &part)) goto out;
    char date[25];
    util_iso_date(part.mtime_ms, date);
    buf_t x = BUF_INIT;
    s3_xml_begin(&x, "CopyPartResult");
    s3_xml_elem_s(&x, "LastModified", date);
    buf_printf(&x, "<ETag>&quot;%s&quot;</ETag>", part.etag);
    if (ua != CK_NONE) xml_checksum(&x, ua, b64);
    buf_puts(&x, "</CopyPartResult>");
    s3_send_xml(resp, 200, &x);
out:
    free(buf);
    s3_copy_source_close(r, &cs);
}

void s3_mpu_part(s3_req_t *r, http_response_t *resp)
{
    if (r->is_copy) {
        part_copy(r, resp);
        return;
    }
    s3_payload_t *pl = r->payload;
    if (s3_stream_finish(r, resp)) return;
    store_part_t part = {0};
    part.num = r->part_num;
    part.size = pl->n;
    util_hex(pl->md5_digest, MD5_DIGEST_SIZE, part.etag);
    snprintf(part.checksum, sizeof part.checksum, "%s:%s", checksum_alg_name(pl->ck.alg),
             pl->ck_value);
    if (publish_part(r, resp, &part)) return;
    char etag[52];
    snprintf(etag, sizeof etag, "\"%s\"", part.etag);
    http_resp_header(resp, "ETag", etag);
    /* The part's checksum goes back so SDKs can send it in Complete. */
    if (!pl->ck_defaulted || r->upload_alg[0])
        http_resp_header(resp, checksum_header_name(pl->ck.alg), pl->ck_value);
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

/* ---- CompleteMultipartUpload ---- */

struct want_part {
    long num;
    char etag[48];
    checksum_alg_t ck_alg;
    char ck[64];
};

struct complete_ctx {
    struct want_part *v;
    size_t n;
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
        if (c->n >= MAX_PARTS || c->cur.num == 0) return c->bad = 1;
        c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
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
    checksum_alg_t alg = n ? part_ck(parts[0].checksum, &b64) : CK_NONE;
    if (alg == CK_NONE || (ua != CK_NONE && alg != ua) || (ua == CK_NONE && alg != CK_CRC64NVME))
        return;
    *full = ua == CK_NONE || strcmp(u->ck_type, "FULL_OBJECT") == 0;
    checksum_t comp;
    checksum_init(&comp, alg);
    uint64_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        if (part_ck(parts[i].checksum, &b64) != alg) return;
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
    /* the streamed answer; r is valid while its reader is called */
    s3_req_t *r;
    int stage;
    buf_t out;
    size_t outpos;
};

struct s3_completer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct complete_job *head, *tail;
    int stop;
    pthread_t th;
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
    free(j->upload_id);
    free(j->chosen);
    store_parts_free(j->have, j->nhave);
    free(j->meta.key);
    free(j->meta.blob);
    buf_free(&j->hdrs);
    buf_free(&j->out);
    free(j);
}

/* Wait up to ms for the commit; whether it is done. */
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

/* The committed job's outcome: the error, or S3E_NONE and the result. */
static s3_err_t job_result(const struct complete_job *j, buf_t *b)
{
    s3_req_t *r = j->r;
    if (j->rc)
        return j->rc == STORE_ENOUPLOAD  ? S3E_NO_SUCH_UPLOAD
               : j->rc == STORE_EBADPART ? S3E_INVALID_PART
                                         : s3_err_from_store(j->rc);
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
    buf_printf(b, "<ETag>&quot;%s&quot;</ETag>", j->meta.etag);
    if (j->ca != CK_NONE) {
        xml_checksum(b, j->ca, j->ck);
        s3_xml_elem_s(b, "ChecksumType", j->full ? "FULL_OBJECT" : "COMPOSITE");
    }
    buf_puts(b, "</CompleteMultipartUploadResult>");
    return S3E_NONE;
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
    if (s3_put_checks(r, resp)) return;
    if (need_upload(r, resp, &u)) return;
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
    int rc = st->ops->mpu_parts(st, u.id, 0, MAX_PARTS, &have, &nhave, &truncated);
    if (rc) {
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : S3E_INTERNAL_ERROR);
        goto out;
    }
    chosen = xcalloc(c.n, sizeof *chosen);
    struct md5_ctx md5;
    md5_init(&md5);
    uint64_t size = 0;
    for (size_t i = 0; i < c.n; i++) {
        const store_part_t *p = find_part(have, nhave, c.v[i].num);
        const char *b64 = "";
        checksum_alg_t pa = p ? part_ck(p->checksum, &b64) : CK_NONE;
        if (!p || strcmp(p->etag, c.v[i].etag) != 0 ||
            (c.v[i].ck_alg != CK_NONE && (c.v[i].ck_alg != pa || strcmp(c.v[i].ck, b64) != 0))) {
            s3_err(r, resp, S3E_INVALID_PART);
            goto out;
        }
        if (i + 1 < c.n && p->size < MIN_PART) {
            char extra[200];
            snprintf(extra, sizeof extra,
                     "<ProposedSize>%llu</ProposedSize><MinSizeAllowed>%llu</MinSizeAllowed>"
                     "<PartNumber>%ld</PartNumber><ETag>%s</ETag>",
                     (unsigned long long)p->size, (unsigned long long)MIN_PART, c.v[i].num,
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
    j->have = have, j->nhave = nhave, j->chosen = chosen, j->n = c.n;
    have = chosen = NULL;
    nhave = 0;
    j->hdrs = hdrs;
    hdrs = (buf_t)BUF_INIT;
    j->meta.headers = j->hdrs.p;
    s3_storage_class_of(j->meta.headers, j->meta.sclass);
    j->cond = r->cond;
    if (r->cond.if_match) {
        snprintf(j->cond_etag, sizeof j->cond_etag, "%s", r->cond.if_match);
        j->cond.if_match = j->cond_etag;
    }
    completer_submit(r->srv->completer, j);
    if (job_wait(j, KEEPALIVE_AFTER_MS)) {
        buf_t b = BUF_INIT;
        buf_puts(&b, S3_XML_DECL);
        s3_err_t e = job_result(j, &b);
        if (e)
            s3_err(r, resp, e);
        else
            s3_send_xml(resp, 200, &b);
        buf_free(&b);
        job_unref(j);
    } else {
        http_resp_status(resp, 200);
        http_resp_header(resp, "Content-Type", "application/xml");
        http_resp_body_reader(resp, HTTP_LEN_UNKNOWN, job_read, j, job_unref);
        http_resp_ready(resp);
    }
out:
    free(chosen);
    store_parts_free(have, nhave);
    free(c.v);
    store_upload_free(&u);
    buf_free(&hdrs);
}

/* ---- Abort, ListParts, ListMultipartUploads ---- */

void s3_mpu_abort(s3_req_t *r, http_response_t *resp)
{
    store_upload_t u;
    if (need_upload(r, resp, &u)) return;
    int rc = r->srv->store->ops->mpu_abort(r->srv->store, u.id);
    store_upload_free(&u);
    if (rc) {
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 204);
    http_resp_ready(resp);
}

/* An optional non-negative integer query value, capped; -1 if malformed. */
static long query_uint(const s3_req_t *r, const char *name, long dflt, long cap)
{
    const char *v = s3_query_value(r, name);
    if (!v) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0) return -1;
    return n > cap ? cap : n;
}

/* <Initiator> and <Owner> of an upload: both the user who started it. A user
 * is an account here, and S3's Owner is the object's owner-to-be, which is
 * the initiator's account (CompleteMultipartUpload keeps it so). */
static void owner_pair(const s3_req_t *r, buf_t *b, const char *id)
{
    buf_puts(b, "<Initiator>");
    s3_owner_xml(r, b, id);
    buf_puts(b, "</Initiator><Owner>");
    s3_owner_xml(r, b, id);
    buf_puts(b, "</Owner>");
}

void s3_mpu_list_parts(s3_req_t *r, http_response_t *resp)
{
    store_upload_t u;
    long max = query_uint(r, "max-parts", 1000, 1000);
    long marker = query_uint(r, "part-number-marker", 0, MAX_PARTS);
    if (max < 0 || marker < 0) {
        const char *n = max < 0 ? "max-parts" : "part-number-marker";
        s3_err_arg(r, resp, "Provided argument is not a non-negative integer", n,
                   s3_query_value(r, n));
        return;
    }
    if (need_upload(r, resp, &u)) return;
    store_part_t *parts = NULL;
    size_t n = 0;
    int truncated = 0;
    int rc = r->srv->store->ops->mpu_parts(r->srv->store, u.id, (uint32_t)marker, (unsigned)max,
                                           &parts, &n, &truncated);
    if (rc) {
        store_upload_free(&u);
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        return;
    }
    checksum_alg_t ua = checksum_alg_from_name(u.ck_alg);
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ListPartsResult");
    s3_xml_elem_s(&b, "Bucket", r->t.bucket);
    s3_xml_elem(&b, "Key", r->t.key, r->t.key_len);
    s3_xml_elem_s(&b, "UploadId", u.id);
    buf_printf(&b, "<PartNumberMarker>%ld</PartNumberMarker>", marker);
    if (n) buf_printf(&b, "<NextPartNumberMarker>%u</NextPartNumberMarker>", parts[n - 1].num);
    buf_printf(&b, "<MaxParts>%ld</MaxParts><IsTruncated>%s</IsTruncated>", max,
               truncated ? "true" : "false");
    owner_pair(r, &b, u.owner);
    buf_puts(&b, "<StorageClass>STANDARD</StorageClass>");
    if (ua != CK_NONE) {
        s3_xml_elem_s(&b, "ChecksumAlgorithm", u.ck_alg);
        s3_xml_elem_s(&b, "ChecksumType", u.ck_type);
    }
    for (size_t i = 0; i < n; i++) {
        char date[25];
        util_iso_date(parts[i].mtime_ms, date);
        buf_printf(&b, "<Part><PartNumber>%u</PartNumber>", parts[i].num);
        s3_xml_elem_s(&b, "LastModified", date);
        buf_printf(&b, "<ETag>&quot;%s&quot;</ETag><Size>%llu</Size>", parts[i].etag,
                   (unsigned long long)parts[i].size);
        const char *b64;
        if (ua != CK_NONE && part_ck(parts[i].checksum, &b64) == ua) xml_checksum(&b, ua, b64);
        buf_puts(&b, "</Part>");
    }
    buf_puts(&b, "</ListPartsResult>");
    store_parts_free(parts, n);
    store_upload_free(&u);
    s3_send_xml(resp, 200, &b);
}

void s3_mpu_list_uploads(s3_req_t *r, http_response_t *resp)
{
    long max = query_uint(r, "max-uploads", 1000, 1000);
    if (max < 0) {
        s3_err_arg(r, resp, "Provided max-uploads not an integer or within integer range",
                   "max-uploads", s3_query_value(r, "max-uploads"));
        return;
    }
    const char *enc = s3_query_value(r, "encoding-type");
    if (enc && strcmp(enc, "url") != 0) {
        s3_err_arg(r, resp, "Invalid Encoding Method specified in Request", "encoding-type", enc);
        return;
    }
    int url = enc != NULL;
    const char *prefix = s3_query_value(r, "prefix");
    const char *delim = s3_query_value(r, "delimiter");
    const char *km = s3_query_value(r, "key-marker");
    const char *um = s3_query_value(r, "upload-id-marker");
    if (km && !*km) km = NULL;
    store_mpu_list_req_t q = {
        .prefix = prefix ? prefix : "",
        .prefix_len = prefix ? strlen(prefix) : 0,
        .delim = delim,
        .delim_len = delim ? strlen(delim) : 0,
        .key_marker = km,
        .key_marker_len = km ? strlen(km) : 0,
        .upload_marker = km ? um : NULL,
        .max = (unsigned)max,
    };
    store_mpu_list_res_t res;
    int rc = r->srv->store->ops->mpu_list(r->srv->store, r->t.bucket, &q, &res);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t b = BUF_INIT;
    buf_t e = BUF_INIT;
#define ENC(name, s, n)                                                                            \
    do {                                                                                           \
        if (url) {                                                                                 \
            buf_reset(&e);                                                                         \
            buf_urlenc(&e, (s), (n), 1);                                                           \
            s3_xml_elem(&b, (name), e.p ? e.p : "", e.len);                                        \
        } else {                                                                                   \
            s3_xml_elem(&b, (name), (s), (n));                                                     \
        }                                                                                          \
    } while (0)
    s3_xml_begin(&b, "ListMultipartUploadsResult");
    s3_xml_elem_s(&b, "Bucket", r->t.bucket);
    ENC("KeyMarker", km ? km : "", km ? strlen(km) : 0);
    s3_xml_elem_s(&b, "UploadIdMarker", km && um ? um : "");
    if (res.truncated && res.n) {
        const store_upload_t *last = &res.ups[res.n - 1];
        ENC("NextKeyMarker", last->key, last->key_len);
        s3_xml_elem_s(&b, "NextUploadIdMarker", last->id);
    }
    if (prefix) ENC("Prefix", prefix, strlen(prefix));
    if (delim && *delim) ENC("Delimiter", delim, strlen(delim));
    if (url) s3_xml_elem_s(&b, "EncodingType", "url");
    buf_printf(&b, "<MaxUploads>%ld</MaxUploads><IsTruncated>%s</IsTruncated>", max,
               res.truncated ? "true" : "false");
    for (size_t i = 0; i < res.n; i++) {
        const store_upload_t *up = &res.ups[i];
        if (!up->id[0]) continue;
        char date[25];
        util_iso_date(up->created_ms, date);
        buf_puts(&b, "<Upload>");
        ENC("Key", up->key, up->key_len);
        s3_xml_elem_s(&b, "UploadId", up->id);
        owner_pair(r, &b, up->owner);
        buf_puts(&b, "<StorageClass>STANDARD</StorageClass>");
        s3_xml_elem_s(&b, "Initiated", date);
        if (up->ck_alg[0]) {
            s3_xml_elem_s(&b, "ChecksumAlgorithm", up->ck_alg);
            s3_xml_elem_s(&b, "ChecksumType", up->ck_type);
        }
        buf_puts(&b, "</Upload>");
    }
    for (size_t i = 0; i < res.n; i++) {
        const store_upload_t *up = &res.ups[i];
        if (up->id[0]) continue;
        buf_puts(&b, "<CommonPrefixes>");
        ENC("Prefix", up->key, up->key_len);
        buf_puts(&b, "</CommonPrefixes>");
    }
#undef ENC
    buf_puts(&b, "</ListMultipartUploadsResult>");
    buf_free(&e);
    store_mpu_list_free(&res);
    s3_send_xml(resp, 200, &b);
}
