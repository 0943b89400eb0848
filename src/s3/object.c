/* Object operations: PutObject, GetObject, HeadObject, DeleteObject. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/util.h"
#include "s3/accesslog_delivery.h"
#include "s3/cond.h"
#include "s3/authorize.h"
#include "s3/notify.h"
#include "s3/owner.h"
#include "s3/payload.h"
#include "s3/range.h"
#include "s3/authorize.h"
#include "s3/s3req.h"
#include "s3/sse.h"
#include "s3/xmlin.h"

/* Headers stored with an object and returned by GET and HEAD. */
const char *const s3_stored_headers[S3_NSTORED_HEADERS] = {
    "Content-Type",
    "Content-Encoding",
    "Content-Disposition",
    "Content-Language",
    "Cache-Control",
    "Expires",
    "x-amz-website-redirect-location",
};

struct collect {
    buf_t *out;
};

static int collect_header(void *ctx, const char *name, const char *value)
{
    struct collect *c = ctx;
    if (strncasecmp(name, "x-amz-meta-", 11) == 0) {
        for (const char *p = name; *p; p++)
            buf_putc(c->out, (char)tolower((unsigned char)*p));
        buf_printf(c->out, ": %s\n", value);
    }
    return 0;
}

/* Content-Encoding without the aws-chunked framing token, which describes
 * the upload and not the object; "" when nothing else is left. What remains
 * is kept as sent, separators and all ("deflate, gzip" stays so). */
static void content_encoding_without_chunked(const char *v, buf_t *out)
{
    const char *prev_end = NULL; /* end of the previous token, kept or not */
    while (*v) {
        size_t n = strcspn(v, ",");
        const char *s = v, *e = v + n;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (e > s && !((size_t)(e - s) == 11 && strncasecmp(s, "aws-chunked", 11) == 0)) {
            if (out->len) buf_append(out, prev_end, (size_t)(s - prev_end));
            buf_append(out, s, (size_t)(e - s));
        }
        if (e > s) prev_end = e;
        v += n;
        if (*v == ',') v++;
    }
}

static const char *const storage_classes[] = {
    "STANDARD",        "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",         "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
    "EXPRESS_ONEZONE",
};

/* The metadata S3 keeps from a PutObject (or a REPLACE copy) request, as
 * "Name: value\n" lines. */
void s3_object_headers(const s3_req_t *r, buf_t *hdrs, int what)
{
    if (what & S3_OH_CLASS) {
        const char *sc = http_req_header(r->http, "x-amz-storage-class");
        if (sc && strcmp(sc, "STANDARD") != 0) buf_printf(hdrs, "x-amz-storage-class: %s\n", sc);
    }
    if (!(what & S3_OH_CONTENT)) return;
    for (size_t i = 0; i < S3_NSTORED_HEADERS; i++) {
        const char *v = http_req_header(r->http, s3_stored_headers[i]);
        if (!v) continue;
        if (strcmp(s3_stored_headers[i], "Content-Encoding") == 0) {
            buf_t enc = BUF_INIT;
            content_encoding_without_chunked(v, &enc);
            if (enc.len) buf_printf(hdrs, "%s: %s\n", s3_stored_headers[i], enc.p);
            buf_free(&enc);
            continue;
        }
        buf_printf(hdrs, "%s: %s\n", s3_stored_headers[i], v);
    }
    if (!http_req_header(r->http, "Content-Type"))
        buf_puts(hdrs, "Content-Type: binary/octet-stream\n");
    struct collect c = {hdrs};
    http_req_each_header(r->http, collect_header, &c);
}

const char *s3_storage_class_of(const char *headers, char out[24])
{
    const char *p = strstr(headers, "x-amz-storage-class: ");
    if (p && (p == headers || p[-1] == '\n')) {
        p += 21;
        snprintf(out, 24, "%.*s", (int)strcspn(p, "\n"), p);
    } else {
        snprintf(out, 24, "STANDARD");
    }
    return out;
}

static int count_meta(void *ctx, const char *name, const char *value)
{
    if (strncasecmp(name, "x-amz-meta-", 11) == 0)
        *(size_t *)ctx += strlen(name) - 11 + strlen(value);
    return 0;
}

int s3_meta_checks(s3_req_t *r, http_response_t *resp)
{
    size_t size = 0;
    http_req_each_header(r->http, count_meta, &size);
    if (size <= S3_MAX_META) return 0;
    char extra[96];
    snprintf(extra, sizeof extra, "<Size>%zu</Size><MaxSizeAllowed>%d</MaxSizeAllowed>", size,
             S3_MAX_META);
    s3_err_full(r, resp, S3E_METADATA_TOO_LARGE, NULL, extra);
    return 1;
}

int s3_storage_class_valid(const char *sc)
{
    for (size_t i = 0; i < sizeof storage_classes / sizeof *storage_classes; i++)
        if (strcmp(sc, storage_classes[i]) == 0) return 1;
    return 0;
}

/* Checks every PUT of an object shares; 0 or an answered error. */
int s3_put_checks(s3_req_t *r, http_response_t *resp)
{
    const char *sc = http_req_header(r->http, "x-amz-storage-class");
    if (sc) {
        if (!s3_storage_class_valid(sc)) {
            s3_err(r, resp, S3E_INVALID_STORAGE_CLASS);
            return 1;
        }
    }
    /* Conditional writes, checked again atomically when publishing. */
    const char *inm = http_req_header(r->http, "If-None-Match");
    if (inm) {
        if (strcmp(inm, "*") != 0) {
            s3_err_msg(r, resp, S3E_NOT_IMPLEMENTED,
                       "If-None-Match on PutObject supports only the value *");
            return 1;
        }
        r->cond.if_none_match = 1;
    }
    const char *im = http_req_header(r->http, "If-Match");
    if (im) {
        size_t n = strlen(im);
        if (n >= 2 && im[0] == '"' && im[n - 1] == '"') im++, n -= 2;
        if (n >= sizeof r->cond_etag) {
            s3_err(r, resp, S3E_PRECONDITION_FAILED);
            return 1;
        }
        memcpy(r->cond_etag, im, n);
        r->cond_etag[n] = '\0';
        r->cond.if_match = r->cond_etag;
    }
    return 0;
}

int s3_put_object_start(s3_req_t *r, http_response_t *resp)
{
    s3_server_t *srv = r->srv;
    if (!s3_bucket_name_ok(r->t.bucket)) {
        s3_err(r, resp, srv->strict ? S3E_NO_SUCH_BUCKET : S3E_INVALID_BUCKET_NAME);
        return 1;
    }
    if (s3_put_checks(r, resp)) return 1;
    r->is_copy = http_req_header(r->http, "x-amz-copy-source") != NULL;
    if (s3_lock_for_write(r, resp, &r->lock)) return 1;
    /* The encryption of the object made, a copy's too (never its source's). */
    r->sse = xcalloc(1, sizeof *r->sse);
    if (s3_sse_for_request(r, resp, r->sse)) return 1;
    if (r->is_copy) {
        /* A COPY takes the source's metadata and ignores the request's. */
        const char *dir = http_req_header(r->http, "x-amz-metadata-directive");
        if (dir && strcmp(dir, "REPLACE") == 0 && s3_meta_checks(r, resp)) return 1;
        if (srv->strict && s3_need_bucket(r, resp)) return 1;
        return 0; /* the copy happens once any body is drained */
    }
    if (s3_meta_checks(r, resp)) return 1;
    if (s3_tags_from_header(r, resp, &r->tags)) return 1;
    if (srv->strict && s3_need_bucket(r, resp)) return 1;
    return s3_stream_start(r, resp);
}

/* ---- object data streamed to the store (PutObject, UploadPart) ---- */

static int sink_put(void *ctx, const char *p, size_t n)
{
    s3_req_t *r = ctx;
    /* An SSE-C body is encrypted on its way. */
    if (r->sse) return s3_sse_write(r->sse, r->srv->store, r->put, p, n) != STORE_OK;
    return r->srv->store->ops->put_write(r->put, p, n) != STORE_OK;
}

int s3_stream_start(s3_req_t *r, http_response_t *resp)
{
    int64_t cl = http_req_content_length(r->http);
    const char *te = http_req_header(r->http, "Transfer-Encoding");
    if (cl < 0 && !(te && strcasestr(te, "chunked"))) {
        s3_err(r, resp, S3E_MISSING_CONTENT_LENGTH);
        return 1;
    }
    r->payload = xmalloc(sizeof *r->payload);
    s3_err_t e = s3_payload_init(r->payload, r, sink_put, r, 0);
    if (e) {
        s3_err(r, resp, e);
        return 1;
    }
    /* With aws-chunked the framing counts in Content-Length; the decoded
     * length is checked as it arrives. */
    uint64_t proposed = r->payload->aws_chunked ? (uint64_t)r->payload->decoded_expected
                                                : (uint64_t)(cl > 0 ? cl : 0);
    if ((r->payload->aws_chunked ? r->payload->decoded_expected > 0 : cl > 0) &&
        proposed > S3_MAX_PUT) {
        char extra[160];
        snprintf(extra, sizeof extra,
                 "<ProposedSize>%llu</ProposedSize><MaxSizeAllowed>%llu</MaxSizeAllowed>",
                 (unsigned long long)proposed, (unsigned long long)S3_MAX_PUT);
        s3_err_full(r, resp, S3E_ENTITY_TOO_LARGE, NULL, extra);
        return 1;
    }
    int rc = r->srv->store->ops->put_begin(r->srv->store, &r->put);
    if (rc != STORE_OK) {
        s3_err(r, resp, s3_err_from_store(rc));
        return 1;
    }
    if (r->sse) s3_sse_begin(r->sse);
    return 0;
}

int s3_stream_body(s3_req_t *r, const char *data, size_t n, http_response_t *resp)
{
    if (r->is_copy) return 0; /* a body on a copy is ignored, as S3 does */
    s3_err_t e = s3_payload_feed(r->payload, data, n);
    if (e) {
        s3_err_msg(r, resp, e, r->payload->errmsg);
        return 1;
    }
    return 0;
}

int s3_stream_finish(s3_req_t *r, http_response_t *resp)
{
    int64_t cl = http_req_content_length(r->http);
    if (cl >= 0 && (uint64_t)cl != r->received) {
        s3_err(r, resp, S3E_INCOMPLETE_BODY);
        return -1;
    }
    s3_err_t e = s3_payload_finish(r->payload, r);
    if (e) {
        s3_err_msg(r, resp, e, r->payload->errmsg);
        return -1;
    }
    return 0;
}

/* Publish r->put as the request's object; answers errors. 0 on success. */
static int publish(s3_req_t *r, http_response_t *resp, store_obj_t *meta)
{
    /* The writer's, or the bucket owner's as Object Ownership says; with the
     * ACL the request asked for. */
    char *acl = NULL;
    if (s3_acl_for_object(r, resp, r->t.bucket, NULL, &acl, meta->owner)) return -1;
    store_put_t *p = r->put;
    r->put = NULL;
    meta->acl = acl;
    meta->lock = r->lock;
    meta->tags = r->tags;
    int rc = r->srv->store->ops->put_commit(p, r->t.bucket, r->t.key, r->t.key_len, meta,
                                            !r->srv->strict, &r->cond);
    free(meta->blob);
    meta->blob = NULL;
    free(meta->acl);
    meta->acl = NULL;
    meta->lock = meta->tags = NULL; /* r's */
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    return 0;
}

static void copy_object(s3_req_t *r, http_response_t *resp);

void s3_put_object(s3_req_t *r, http_response_t *resp)
{
    if (r->is_copy) {
        copy_object(r, resp);
        return;
    }
    s3_payload_t *pl = r->payload;
    if (s3_stream_finish(r, resp)) return;
    buf_t hdrs = BUF_INIT;
    s3_object_headers(r, &hdrs, S3_OH_ALL);
    s3_sse_store(r->sse, &hdrs);
    const char *ckname = checksum_header_name(pl->ck.alg);
    if (ckname) buf_printf(&hdrs, "%s: %s\n", ckname, pl->ck_value);
    store_obj_t meta = {0};
    meta.size = pl->n;
    /* An SSE-C object's ETag is its IV, not the MD5 of its data (S3's is
     * not that MD5 either). */
    if (r->sse->kind == S3_SSE_C)
        s3_sse_etag(r->sse, meta.etag);
    else
        util_hex(pl->md5_digest, MD5_DIGEST_SIZE, meta.etag);
    meta.headers = hdrs.p ? hdrs.p : "";
    s3_storage_class_of(meta.headers, meta.sclass);
    int failed = publish(r, resp, &meta);
    buf_free(&hdrs);
    if (failed) return;
    r->has_obj_size = 1;
    r->obj_size = meta.size;
    s3_notify(r, "ObjectCreated:Put", r->t.key, r->t.key_len, &meta, NULL);
    char etag[52];
    snprintf(etag, sizeof etag, "\"%s\"", meta.etag);
    http_resp_header(resp, "ETag", etag);
    s3_version_written(resp, meta.vid);
    s3_sse_answer(resp, r->sse, S3_SSE_ANSWER_CUSTOMER | S3_SSE_ANSWER_CONTEXT);
    if (ckname) {
        http_resp_header(resp, ckname, pl->ck_value);
        http_resp_header(resp, "x-amz-checksum-type", "FULL_OBJECT");
    }
    const char *sc = http_req_header(r->http, "x-amz-storage-class");
    if (sc && strcmp(sc, "STANDARD") != 0) http_resp_header(resp, "x-amz-storage-class", sc);
    s3_lifecycle_expiration(r, resp, r->t.key, r->t.key_len, meta.size, meta.mtime_ms,
                            http_req_header(r->http, "x-amz-tagging"));
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

/* The stored header lines of a source object to carry over in a COPY:
 * everything, or only the checksum when the request replaces the metadata.
 * Never the tag set an older version kept as a line: the copy's tags are a
 * document of their own. */
static void source_headers(const char *h, int checksum_only, buf_t *out)
{
    while (*h) {
        size_t n = strcspn(h, "\n");
        int is_ck = strncasecmp(h, "x-amz-checksum-", 15) == 0;
        int is_tags = strncasecmp(h, S3_TAGS_HEADER, strlen(S3_TAGS_HEADER)) == 0;
        /* The storage class is the request's, never the source's; so is
         * the encryption. */
        int is_class = strncasecmp(h, "x-amz-storage-class:", 20) == 0 || s3_sse_is_stored_line(h);
        if (is_ck || (!checksum_only && !is_tags && !is_class)) {
            buf_append(out, h, n);
            buf_putc(out, '\n');
        }
        h += n;
        if (*h == '\n') h++;
    }
}

/* x-amz-copy-source: "[/]bucket/key[?versionId=...]", percent-encoded. */
static s3_err_t parse_copy_source(const char *v, char **bucket, char **key, size_t *klen,
                                  char **vid)
{
    size_t n = strcspn(v, "?");
    const char *q = v[n] == '?' ? v + n + 1 : NULL;
    size_t dn;
    char *dec = util_urldec(v, n, 0, &dn);
    if (!dec) return S3E_INVALID_ARGUMENT;
    const char *p = dec;
    if (*p == '/') p++, dn--;
    const char *slash = memchr(p, '/', dn);
    if (!slash || slash == p || (size_t)(slash - p) + 1 >= dn) {
        free(dec);
        return S3E_INVALID_ARGUMENT;
    }
    *bucket = xstrndup(p, (size_t)(slash - p));
    *klen = dn - (size_t)(slash - p) - 1;
    *key = xstrndup(slash + 1, *klen);
    free(dec);
    if (q) {
        if (strncmp(q, "versionId=", 10) != 0) return S3E_INVALID_ARGUMENT;
        if (!q[10]) return S3E_INVALID_VERSION_ID;
        size_t vn;
        *vid = util_urldec(q + 10, strlen(q + 10), 0, &vn);
        if (!*vid) return S3E_INVALID_VERSION_ID;
    }
    return S3E_NONE;
}

static void err_copy_source(s3_req_t *r, http_response_t *resp, int rc, char *key, size_t key_len)
{
    if (rc == STORE_EBADVERSION) {
        s3_err(r, resp, S3E_INVALID_VERSION_ID);
        return;
    }
    if (rc != STORE_ENOKEY) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    /* The error names the source key, as S3's does. */
    char *dk = r->t.key;
    size_t dkn = r->t.key_len;
    r->t.key = key, r->t.key_len = key_len;
    s3_err(r, resp, S3E_NO_SUCH_KEY);
    r->t.key = dk, r->t.key_len = dkn;
}

/* The conditional headers of a GET/HEAD, and their x-amz-copy-source-if-*
 * counterparts for a copy's source. */
static const char *const get_conds[4] = {"If-Match", "If-Unmodified-Since", "If-None-Match",
                                         "If-Modified-Since"};
static const char *const copy_conds[4] = {
    "x-amz-copy-source-if-match", "x-amz-copy-source-if-unmodified-since",
    "x-amz-copy-source-if-none-match", "x-amz-copy-source-if-modified-since"};

/* S3E_NONE, S3E_PRECONDITION_FAILED or S3E_NOT_MODIFIED (which a copy
 * answers as 412 too); the evaluation is cond.c's. */
static s3_err_t check_conditions(const s3_req_t *r, const store_obj_t *o,
                                 const char *const names[4])
{
    switch (cond_eval(http_req_header(r->http, names[0]), http_req_header(r->http, names[1]),
                      http_req_header(r->http, names[2]), http_req_header(r->http, names[3]),
                      o->etag, o->mtime_ms)) {
    case COND_FAILED: return S3E_PRECONDITION_FAILED;
    case COND_NOT_MODIFIED: return S3E_NOT_MODIFIED;
    case COND_OK: break;
    }
    return S3E_NONE;
}

int s3_copy_source_open(s3_req_t *r, http_response_t *resp, s3_copy_src_t *cs)
{
    memset(cs, 0, sizeof *cs);
    store_t *st = r->srv->store;
    s3_err_t e = parse_copy_source(http_req_header(r->http, "x-amz-copy-source"), &cs->bucket,
                                   &cs->key, &cs->key_len, &cs->vid);
    if (e) {
        s3_err_msg(r, resp, e,
                   e == S3E_INVALID_ARGUMENT
                       ? "Copy Source must mention the source bucket and key: "
                         "sourcebucket/sourcekey"
                       : NULL);
        return -1;
    }
    /* Reading the source is a GetObject of its own. */
    if (s3_authorize(r, resp, cs->vid ? "s3:GetObjectVersion" : "s3:GetObject", cs->bucket, cs->key,
                     cs->key_len))
        return -1;
    int rc = st->ops->obj_open(st, cs->bucket, cs->key, cs->key_len, cs->vid, &cs->obj, &cs->rd);
    if (rc == STORE_EMARKER) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "The source of a copy request may not specifically refer to a delete marker "
                   "by version id.");
        return -1;
    }
    if (rc) {
        err_copy_source(r, resp, rc, cs->key, cs->key_len);
        return -1;
    }
    if (!s3_restore_readable(r, resp, &cs->obj)) return -1;
    if (check_conditions(r, &cs->obj, copy_conds) != S3E_NONE) {
        s3_err(r, resp, S3E_PRECONDITION_FAILED);
        return -1;
    }
    /* An SSE-C source is read with its key. */
    cs->sse = xcalloc(1, sizeof *cs->sse);
    if (s3_sse_for_read(r, resp, cs->obj.headers, 1, cs->sse)) return -1;
    return 0;
}

void s3_copy_source_close(s3_req_t *r, s3_copy_src_t *cs)
{
    if (cs->rd) r->srv->store->ops->reader_close(cs->rd);
    s3_sse_free(cs->sse);
    free(cs->sse);
    store_obj_free(&cs->obj);
    free(cs->bucket);
    free(cs->key);
    free(cs->vid);
    memset(cs, 0, sizeof *cs);
}

static void copy_object(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    s3_copy_src_t cs;
    buf_t hdrs = BUF_INIT;
    if (s3_copy_source_open(r, resp, &cs)) goto out;
    const char *dir = http_req_header(r->http, "x-amz-metadata-directive");
    int replace = dir && strcmp(dir, "REPLACE") == 0;
    if (dir && !replace && strcmp(dir, "COPY") != 0) {
        s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, "Unknown metadata directive.");
        goto out;
    }
    /* A copy of an older version onto its key is how a version is restored. */
    int same = strcmp(cs.bucket, r->t.bucket) == 0 && cs.key_len == r->t.key_len &&
               memcmp(cs.key, r->t.key, cs.key_len) == 0 && !cs.vid;
    /* Naming an encryption changes it, and so does a bucket's configured
     * default (S3 allows the copy then). */
    if (same && !replace && !http_req_header(r->http, "x-amz-storage-class") &&
        !http_req_header(r->http, "x-amz-website-redirect-location") && !r->sse->named &&
        !r->sse->bucket_conf) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "This copy request is illegal because it is trying to copy an object to itself "
                   "without changing the object's metadata, storage class, website redirect "
                   "location or encryption attributes.");
        goto out;
    }
    if (cs.obj.size > S3_MAX_PUT) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "The specified copy source is larger than the maximum allowable size for a copy "
                   "source: 5368709120");
        goto out;
    }
    const char *tdir = http_req_header(r->http, "x-amz-tagging-directive");
    int replace_tags = tdir && strcmp(tdir, "REPLACE") == 0;
    if (tdir && !replace_tags && strcmp(tdir, "COPY") != 0) {
        s3_err_arg(r, resp, "Unknown tagging directive.", "x-amz-tagging-directive", tdir);
        goto out;
    }
    /* COPY (the default): the source version's tags; REPLACE: the request's. */
    free(r->tags);
    r->tags = NULL;
    if (!replace_tags)
        r->tags = s3_tags_of(&cs.obj);
    else if (s3_tags_from_header(r, resp, &r->tags))
        goto out;
    s3_object_headers(r, &hdrs, S3_OH_CLASS | (replace ? S3_OH_CONTENT : 0));
    source_headers(cs.obj.headers, replace, &hdrs);
    s3_sse_store(r->sse, &hdrs);
    store_obj_t meta = {0};
    meta.size = cs.obj.size;
    if (cs.sse->kind == S3_SSE_C || r->sse->kind == S3_SSE_C) {
        /* Bytes under a customer's key, on either side, are read and
         * written again: decrypted with the source's key, encrypted with
         * the copy's. The copy's ETag is its IV, or the MD5 of the data. */
        int rc = s3_sse_copy_object(r, &cs, r->sse, meta.etag);
        if (rc) {
            s3_err(r, resp, s3_err_from_store(rc));
            goto out;
        }
    } else {
        int rc = st->ops->put_begin_from(st, cs.rd, &r->put);
        if (rc) {
            s3_err(r, resp, s3_err_from_store(rc));
            goto out;
        }
        /* The bytes are the source's (shared, not read), and so is the ETag:
         * a copy of a multipart object keeps its "-N" form. */
        memcpy(meta.etag, cs.obj.etag, sizeof meta.etag);
    }
    meta.headers = hdrs.p ? hdrs.p : "";
    s3_storage_class_of(meta.headers, meta.sclass);
    if (publish(r, resp, &meta)) goto out;
    r->has_obj_size = 1;
    r->obj_size = meta.size;
    s3_notify(r, "ObjectCreated:Copy", r->t.key, r->t.key_len, &meta, NULL);
    s3_logd_copy_source(r->srv->logd, r, cs.bucket, cs.key, cs.key_len, cs.vid, cs.obj.size);
    s3_version_written(resp, meta.vid);
    s3_sse_answer(resp, r->sse, S3_SSE_ANSWER_CUSTOMER | S3_SSE_ANSWER_CONTEXT);
    if (cs.obj.vid[0]) http_resp_header(resp, "x-amz-copy-source-version-id", cs.obj.vid);
    char date[25];
    util_iso_date(meta.mtime_ms, date);
    buf_t x = BUF_INIT;
    s3_xml_begin(&x, "CopyObjectResult");
    s3_xml_elem_s(&x, "LastModified", date);
    buf_printf(&x, "<ETag>&quot;%s&quot;</ETag>", meta.etag);
    buf_puts(&x, "</CopyObjectResult>");
    s3_send_xml(resp, 200, &x);
out:
    s3_copy_source_close(r, &cs);
    buf_free(&hdrs);
}

static ssize_t no_reader(void *ctx, uint64_t pos, char *out, size_t max)
{
    (void)ctx, (void)pos, (void)out, (void)max;
    return -1; /* HEAD: never read */
}

/* The stored headers, with the response-* overrides. Checksums only with
 * x-amz-checksum-mode: ENABLED, and not the whole object's when only part of
 * it is sent (part_ck: "ALG:base64" of the part sent, or NULL). */
static void add_stored_headers(http_response_t *resp, const char *h, const s3_req_t *r, int partial,
                               const char *part_ck, const char *sclass)
{
    static const struct {
        const char *param, *header;
    } overrides[] = {
        {"response-content-type", "Content-Type"},
        {"response-content-language", "Content-Language"},
        {"response-expires", "Expires"},
        {"response-cache-control", "Cache-Control"},
        {"response-content-disposition", "Content-Disposition"},
        {"response-content-encoding", "Content-Encoding"},
    };
    const size_t nover = sizeof overrides / sizeof *overrides;
    const char *cm = http_req_header(r->http, "x-amz-checksum-mode");
    int checksum_mode = cm && strcasecmp(cm, "ENABLED") == 0, checksum_sent = 0, type_sent = 0;
    while (*h) {
        const char *nl = strchr(h, '\n');
        size_t n = nl ? (size_t)(nl - h) : strlen(h);
        const char *colon = memchr(h, ':', n);
        if (colon) {
            char *name = xstrndup(h, (size_t)(colon - h));
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            char *value = xstrndup(v, (size_t)(h + n - v));
            int overridden = 0;
            if (strncasecmp(name, "x-amz-checksum-", 15) == 0) {
                if (!checksum_mode || partial)
                    overridden = 1;
                else if (strcasecmp(name, "x-amz-checksum-type") == 0)
                    type_sent = 1;
                else
                    checksum_sent = 1;
            }
            if (s3_sse_hidden(name)) overridden = 1;
            /* A tag set an older version kept as a line: s3_get_object
             * tells how many tags, as S3 does, not which. */
            if (strncasecmp(h, S3_TAGS_HEADER, strlen(S3_TAGS_HEADER)) == 0) overridden = 1;
            for (size_t i = 0; i < nover; i++)
                if (strcasecmp(name, overrides[i].header) == 0 &&
                    s3_query_value(r, overrides[i].param))
                    overridden = 1;
            /* A lifecycle transition changed the class since the write. */
            if (*sclass && strcasecmp(name, "x-amz-storage-class") == 0) overridden = 1;
            if (!overridden) http_resp_header(resp, name, value);
            free(name);
            free(value);
        }
        h += n;
        if (*h == '\n') h++;
    }
    for (size_t i = 0; i < nover; i++) {
        const char *v = s3_query_value(r, overrides[i].param);
        if (v) http_resp_header(resp, overrides[i].header, v);
    }
    if (checksum_sent && !type_sent) http_resp_header(resp, "x-amz-checksum-type", "FULL_OBJECT");
    if (*sclass && strcmp(sclass, "STANDARD") != 0)
        http_resp_header(resp, "x-amz-storage-class", sclass);
    const char *colon = part_ck ? strchr(part_ck, ':') : NULL;
    if (checksum_mode && partial && colon && colon[1]) {
        char alg[16];
        snprintf(alg, sizeof alg, "%.*s", (int)(colon - part_ck), part_ck);
        const char *hn = checksum_header_name(checksum_alg_from_name(alg));
        if (hn) http_resp_header(resp, hn, colon + 1);
    }
}

struct body_reader {
    store_t *st;
    store_reader_t *rd;
    uint64_t base;
    double rate;          /* bytes/s, or 0 */
    int64_t start_us;     /* of the first read, when paced */
    s3_sse_reader_t *dec; /* an SSE-C object's decryption, or NULL */
};

/* A GET body read from the store: for ranges that cross part files, and for
 * every body under -l, which paces it as fake-s3 does (a tenth of a second's
 * worth at a time, sleeping until the bytes sent are due). */
static ssize_t read_body(void *ctx, uint64_t pos, char *out, size_t max)
{
    struct body_reader *b = ctx;
    if (b->rate > 0) {
        size_t slice = b->rate >= 10 ? (size_t)(b->rate / 10) : 1;
        if (max > slice) max = slice;
        if (!b->start_us) b->start_us = util_mono_us();
    }
    long n = b->st->ops->reader_read(b->rd, b->base + pos, out, max);
    if (n > 0 && b->dec) s3_sse_reader_apply(b->dec, b->base + pos, out, (size_t)n);
    if (n > 0 && b->rate > 0) {
        int64_t due = b->start_us + (int64_t)((double)(pos + (uint64_t)n) * 1e6 / b->rate);
        int64_t now = util_mono_us();
        if (due > now) util_sleep_us(due - now);
    }
    return n;
}

/* Bodies up to this size go out from a buffer, with the head in one write
 * (a sendfile after the head costs a second segment). */
#define SMALL_BODY (16 * 1024)

static int read_small(store_t *st, store_reader_t *rd, uint64_t from, uint64_t len, buf_t *b)
{
    buf_reserve(b, (size_t)len + 1);
    for (uint64_t done = 0; done < len;) {
        long n = st->ops->reader_read(rd, from + done, b->p + done, (size_t)(len - done));
        if (n <= 0) {
            buf_free(b);
            return -1;
        }
        done += (uint64_t)n;
    }
    b->len = (size_t)len;
    return 0;
}

static void free_body(void *ctx)
{
    struct body_reader *b = ctx;
    b->st->ops->reader_close(b->rd);
    s3_sse_reader_free(b->dec);
    free(b);
}

/* partNumber: the byte range of that part. 0, or an answered error. */
static int part_range(s3_req_t *r, http_response_t *resp, store_reader_t *rd, const store_obj_t *o,
                      uint64_t *from, uint64_t *to, int *count)
{
    const char *pn = s3_query_value(r, "partNumber");
    char *end;
    long n = strtol(pn, &end, 10);
    if (!*pn || *end || n < 1 || n > 10000) {
        s3_err_arg(r, resp, "Part number must be an integer between 1 and 10000, inclusive",
                   "partNumber", pn);
        return -1;
    }
    if (http_req_header(r->http, "Range")) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Cannot specify both Range header and partNumber query parameter");
        return -1;
    }
    const store_part_t *parts;
    size_t np;
    r->srv->store->ops->reader_parts(rd, &parts, &np);
    if (!np) {
        if (n != 1) {
            s3_err(r, resp, S3E_INVALID_PART_NUMBER);
            return -1;
        }
        *from = 0;
        *to = o->size ? o->size - 1 : 0;
        *count = 1;
        return 0;
    }
    if ((size_t)n > np) {
        s3_err(r, resp, S3E_INVALID_PART_NUMBER);
        return -1;
    }
    uint64_t start = 0;
    for (long i = 0; i < n - 1; i++)
        start += parts[i].size;
    *from = start;
    *to = start + parts[n - 1].size - 1;
    *count = (int)np;
    return 0;
}

void s3_get_object(s3_req_t *r, http_response_t *resp)
{
    s3_get_object_as(r, resp, r->t.bucket, r->t.key, r->t.key_len, 0);
}

void s3_get_object_as(s3_req_t *r, http_response_t *resp, const char *bucket, const char *key,
                      size_t key_len, int status)
{
    int head = strcmp(r->method, "HEAD") == 0;
    store_t *st = r->srv->store;
    store_obj_t o;
    store_reader_t *rd = NULL;
    s3_sse_t sse = {0};
    s3_sse_reader_t *dec = NULL;
    int rc = st->ops->obj_open(st, bucket, key, key_len, r->vid, &o, &rd);
    if (rc) {
        s3_err_obj(r, resp, rc, &o);
        return;
    }
    r->has_obj_size = 1;
    r->obj_size = o.size;
    /* An SSE-C object is read with its key only. */
    if (s3_sse_for_read(r, resp, o.headers, 0, &sse)) goto out;
    if (!head && !s3_restore_readable(r, resp, &o)) goto out;
    s3_version_headers(resp, o.vid, 0);
    s3_lock_headers(resp, o.lock);
    s3_restore_header(resp, &o);
    char etag[52], date[30];
    snprintf(etag, sizeof etag, "\"%s\"", o.etag);
    util_http_date(o.mtime_ms, date);
    s3_err_t ce = status ? S3E_NONE : check_conditions(r, &o, get_conds);
    if (ce != S3E_NONE) {
        if (ce == S3E_NOT_MODIFIED) {
            http_resp_header(resp, "ETag", etag);
            http_resp_header(resp, "Last-Modified", date);
        }
        s3_err(r, resp, ce);
        goto out;
    }
    uint64_t from = 0, to = o.size ? o.size - 1 : 0, len = o.size;
    int ranged = 0, parts_count = 0;
    if (status) {
        /* the whole object, whatever the request asks */
    } else if (s3_query(r, "partNumber")) {
        if (part_range(r, resp, rd, &o, &from, &to, &parts_count)) goto out;
        ranged = o.size > 0;
    } else {
        const char *range = http_req_header(r->http, "Range");
        ranged = range ? range_parse(range, o.size, &from, &to) : 0;
    }
    if (ranged < 0) {
        char cr[48];
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)o.size);
        http_resp_header(resp, "Content-Range", cr);
        buf_t x = BUF_INIT;
        s3_xml_elem_s(&x, "RangeRequested", http_req_header(r->http, "Range"));
        buf_printf(&x, "<ActualObjectSize>%llu</ActualObjectSize>", (unsigned long long)o.size);
        s3_err_full(r, resp, S3E_INVALID_RANGE, NULL, x.p);
        buf_free(&x);
        goto out;
    }
    /* The bytes' file is opened before anything is answered, so that running
     * out of descriptors is answered as such; a HEAD opens nothing. */
    if (!head && o.size && (rc = st->ops->reader_ready(rd, from)) != STORE_OK) {
        s3_err(r, resp, s3_err_from_store(rc));
        goto out;
    }
    http_resp_header(resp, "Last-Modified", date);
    http_resp_header(resp, "ETag", etag);
    http_resp_header(resp, "Accept-Ranges", "bytes");
    if (parts_count) {
        char pc[16];
        snprintf(pc, sizeof pc, "%d", parts_count);
        http_resp_header(resp, "x-amz-mp-parts-count", pc);
    }
    /* A range is not the object: its checksum would not match what is sent. */
    const char *part_ck = NULL;
    if (parts_count && o.nparts) {
        const store_part_t *parts;
        size_t np;
        st->ops->reader_parts(rd, &parts, &np);
        long pn = strtol(s3_query_value(r, "partNumber"), NULL, 10);
        if (pn >= 1 && (size_t)pn <= np) part_ck = parts[pn - 1].checksum;
    }
    add_stored_headers(resp, o.headers, r, ranged && !(parts_count && !o.nparts), part_ck,
                       o.sclass);
    char *tags = s3_tags_of(&o);
    size_t ntags = s3_tags_count(tags);
    free(tags);
    if (ntags) {
        char cnt[24];
        snprintf(cnt, sizeof cnt, "%zu", ntags);
        http_resp_header(resp, "x-amz-tagging-count", cnt);
    }
    s3_sse_read_answer(resp, &sse);
    if (!r->vid) s3_lifecycle_expiration_of(r, resp, &o);
    if (ranged) {
        char cr[80];
        len = to - from + 1;
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)from,
                 (unsigned long long)to, (unsigned long long)o.size);
        http_resp_header(resp, "Content-Range", cr);
        http_resp_status(resp, 206);
    } else {
        http_resp_status(resp, status ? status : parts_count ? 206 : 200);
    }
    int fd;
    uint64_t fdoff;
    buf_t small = BUF_INIT;
    int paced = r->srv->rate_limit > 0;
    if (!head && sse.kind == S3_SSE_C) {
        /* Decrypted on the way out: never sendfile. */
        const store_part_t *parts;
        size_t np;
        st->ops->reader_parts(rd, &parts, &np);
        dec = s3_sse_reader_new(&sse, o.etag, parts, np);
    }
    if (head) {
        http_resp_body_reader(resp, len, no_reader, NULL, NULL);
    } else if (!paced && len <= SMALL_BODY && read_small(st, rd, from, len, &small) == 0) {
        /* Small: one buffer, sent with the head in one write. */
        if (dec) s3_sse_reader_apply(dec, from, small.p, small.len);
        http_resp_body_buf(resp, &small);
    } else if (!paced && !dec && st->ops->reader_fd(rd, from, len, &fd, &fdoff) == 0) {
        /* One file holds the range: sendfile. */
        http_resp_body_fd(resp, fd, fdoff, len);
    } else {
        /* The range crosses part files, or is paced: stream it through a
         * reader, which keeps the parts readable until the response is done. */
        struct body_reader *b = xmalloc(sizeof *b);
        *b = (struct body_reader){st, rd, from, r->srv->rate_limit, 0, dec};
        rd = NULL;
        dec = NULL;
        http_resp_body_reader(resp, len, read_body, b, free_body);
    }
    http_resp_ready(resp);
out:
    if (rd) st->ops->reader_close(rd);
    s3_sse_reader_free(dec);
    s3_sse_free(&sse);
    store_obj_free(&o);
}

/* Whether bucket/key's version vid may go (object lock); a store code
 * other than a missing version is answered by the delete itself. */
static int lock_allows(s3_req_t *r, const char *key, size_t key_len, const char *vid)
{
    store_obj_t o;
    if (r->srv->store->ops->obj_get(r->srv->store, r->t.bucket, key, key_len, vid, &o, NULL))
        return 1;
    int ok = s3_lock_may_delete(r, o.lock);
    store_obj_free(&o);
    return ok;
}

/* S3's name for what a delete did: a marker added (no version named), or a
 * version or marker gone. */
static const char *deleted_event(const char *vid, const store_deleted_t *d)
{
    return d->dm && !vid ? "ObjectRemoved:DeleteMarkerCreated" : "ObjectRemoved:Delete";
}

void s3_delete_object(s3_req_t *r, http_response_t *resp)
{
    store_deleted_t d;
    if (r->vid && !lock_allows(r, r->t.key, r->t.key_len, r->vid)) {
        s3_err_msg(r, resp, S3E_ACCESS_DENIED,
                   "Access Denied because object protected by object lock.");
        return;
    }
    int rc = r->srv->store->ops->obj_delete(r->srv->store, r->t.bucket, r->t.key, r->t.key_len,
                                            r->vid, &d);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    s3_notify(r, deleted_event(r->vid, &d), r->t.key, r->t.key_len, NULL, d.vid);
    s3_version_headers(resp, d.vid, d.dm);
    http_resp_status(resp, 204);
    http_resp_ready(resp);
}

/* ---- DeleteObjects ---- */

struct del_entry {
    char *key;
    size_t key_len;
    char *version;
};

struct del_ctx {
    struct del_entry *ents;
    size_t n, cap;
    struct del_entry cur;
    int has_key, quiet, bad;
};

static int on_delete_elem(void *ctx, const char *path, const char *text, size_t n)
{
    struct del_ctx *d = ctx;
    if (strcmp(path, "Delete/Object/Key") == 0) {
        free(d->cur.key);
        d->cur.key = xstrndup(text, n);
        d->cur.key_len = n;
        d->has_key = 1;
    } else if (strcmp(path, "Delete/Object/VersionId") == 0) {
        free(d->cur.version);
        d->cur.version = xstrndup(text, n);
    } else if (strcmp(path, "Delete/Object") == 0) {
        if (!d->has_key || d->n >= 1000) {
            d->bad = 1;
            return 1;
        }
        d->ents = xgrow(d->ents, &d->cap, d->n + 1, sizeof *d->ents);
        d->ents[d->n++] = d->cur;
        memset(&d->cur, 0, sizeof d->cur);
        d->has_key = 0;
    } else if (strcmp(path, "Delete/Quiet") == 0) {
        d->quiet = n == 4 && strncasecmp(text, "true", 4) == 0;
    } else if (strncmp(path, "Delete", 6) != 0 || (path[6] != '\0' && path[6] != '/')) {
        d->bad = 1;
        return 1; /* another root element */
    }
    return 0;
}

void s3_delete_objects(s3_req_t *r, http_response_t *resp)
{
    struct del_ctx d = {0};
    store_t *st = r->srv->store;
    if (!r->body.len || xmlin_parse(r->body.p, r->body.len, on_delete_elem, &d) != 0 || !d.n) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        goto out;
    }
    if (s3_need_bucket(r, resp)) goto out;
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "DeleteResult");
    for (size_t i = 0; i < d.n; i++) {
        struct del_entry *e = &d.ents[i];
        const char *code = NULL, *msg = NULL;
        store_deleted_t dd = {{0}, 0};
        if (e->key_len == 0 || e->key_len > S3_MAX_KEY) {
            code = e->key_len ? "KeyTooLongError" : "InvalidArgument";
            msg = e->key_len ? "Your key is too long" : "The key must not be empty";
        } else if (s3_may(r, e->version ? "s3:DeleteObjectVersion" : "s3:DeleteObject", r->t.bucket,
                          e->key, e->key_len) != S3E_NONE) {
            /* Each key is its own DeleteObject, judged on its own. */
            code = "AccessDenied";
            msg = "Access Denied";
        } else if (e->version && !lock_allows(r, e->key, e->key_len, e->version)) {
            code = "AccessDenied";
            msg = "Access Denied because object protected by object lock.";
        } else {
            int rc = st->ops->obj_delete(st, r->t.bucket, e->key, e->key_len, e->version, &dd);
            if (rc == STORE_EBADVERSION) {
                code = "NoSuchVersion";
                msg = "The specified version does not exist.";
            } else if (rc) {
                /* InsufficientStorage, SlowDown (EMFILE) or InternalError, per key */
                code = s3_err_code(s3_err_from_store(rc));
                msg = s3_err_message(s3_err_from_store(rc));
            } else {
                s3_notify(r, deleted_event(e->version, &dd), e->key, e->key_len, NULL, dd.vid);
                s3_logd_batch_delete(r->srv->logd, r, e->key, e->key_len, e->version);
            }
        }
        if (code) {
            buf_puts(&b, "<Error>");
            s3_xml_elem(&b, "Key", e->key, e->key_len);
            if (e->version) s3_xml_elem_s(&b, "VersionId", e->version);
            s3_xml_elem_s(&b, "Code", code);
            s3_xml_elem_s(&b, "Message", msg);
            buf_puts(&b, "</Error>");
        } else if (!d.quiet) {
            buf_puts(&b, "<Deleted>");
            s3_xml_elem(&b, "Key", e->key, e->key_len);
            if (e->version) s3_xml_elem_s(&b, "VersionId", e->version);
            if (dd.dm) {
                /* A marker added (its id), or one removed by its id. */
                buf_puts(&b, "<DeleteMarker>true</DeleteMarker>");
                s3_xml_elem_s(&b, "DeleteMarkerVersionId", dd.vid);
            }
            buf_puts(&b, "</Deleted>");
        }
    }
    buf_puts(&b, "</DeleteResult>");
    s3_send_xml(resp, 200, &b);
out:
    for (size_t i = 0; i < d.n; i++) {
        free(d.ents[i].key);
        free(d.ents[i].version);
    }
    free(d.ents);
    free(d.cur.key);
    free(d.cur.version);
}
