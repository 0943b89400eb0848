/* Object operations: PutObject, GetObject, HeadObject, DeleteObject. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/util.h"
#include "s3/payload.h"
#include "s3/s3req.h"

/* Headers stored with an object and returned by GET and HEAD. */
static const char *const stored_headers[] = {
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
 * the upload and not the object; "" when nothing else is left. */
static void content_encoding_without_chunked(const char *v, buf_t *out)
{
    while (*v) {
        size_t n = strcspn(v, ",");
        const char *s = v, *e = v + n;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (e > s && !((size_t)(e - s) == 11 && strncasecmp(s, "aws-chunked", 11) == 0)) {
            if (out->len) buf_putc(out, ',');
            buf_append(out, s, (size_t)(e - s));
        }
        v += n;
        if (*v == ',') v++;
    }
}

static int sink_put(void *ctx, const char *p, size_t n);

int s3_put_object_start(s3_req_t *r, http_response_t *resp)
{
    s3_server_t *srv = r->srv;
    if (!s3_bucket_name_ok(r->t.bucket)) {
        s3_err(r, resp, srv->strict ? S3E_NO_SUCH_BUCKET : S3E_INVALID_BUCKET_NAME);
        return 1;
    }
    if (http_req_header(r->http, "x-amz-copy-source")) {
        s3_err_msg(r, resp, S3E_NOT_IMPLEMENTED, "CopyObject is not implemented yet");
        return 1;
    }
    int64_t cl = http_req_content_length(r->http);
    const char *te = http_req_header(r->http, "Transfer-Encoding");
    if (cl < 0 && !(te && strcasestr(te, "chunked"))) {
        s3_err(r, resp, S3E_MISSING_CONTENT_LENGTH);
        return 1;
    }
    r->payload = xmalloc(sizeof *r->payload);
    s3_err_t e = s3_payload_init(r->payload, r, sink_put, r);
    if (e) {
        s3_err(r, resp, e);
        return 1;
    }
    /* With aws-chunked the framing counts in Content-Length; the decoded
     * length is checked as it arrives. */
    if (!r->payload->aws_chunked && cl > 0 && (uint64_t)cl > S3_MAX_PUT) {
        s3_err(r, resp, S3E_ENTITY_TOO_LARGE);
        return 1;
    }
    if (srv->strict && s3_need_bucket(r, resp)) return 1;
    if (srv->store->ops->put_begin(srv->store, &r->put) != STORE_OK) {
        s3_err(r, resp, S3E_INTERNAL_ERROR);
        return 1;
    }
    return 0;
}

static int sink_put(void *ctx, const char *p, size_t n)
{
    s3_req_t *r = ctx;
    return r->srv->store->ops->put_write(r->put, p, n) != STORE_OK;
}

int s3_put_object_body(s3_req_t *r, const char *data, size_t n, http_response_t *resp)
{
    s3_err_t e = s3_payload_feed(r->payload, data, n);
    if (e) {
        s3_err_msg(r, resp, e, r->payload->errmsg);
        return 1;
    }
    return 0;
}

void s3_put_object(s3_req_t *r, http_response_t *resp)
{
    s3_payload_t *pl = r->payload;
    int64_t cl = http_req_content_length(r->http);
    if (cl >= 0 && (uint64_t)cl != r->received) {
        s3_err(r, resp, S3E_INCOMPLETE_BODY);
        return;
    }
    s3_err_t e = s3_payload_finish(pl, r);
    if (e) {
        s3_err_msg(r, resp, e, pl->errmsg);
        return;
    }
    buf_t hdrs = BUF_INIT;
    for (size_t i = 0; i < sizeof stored_headers / sizeof *stored_headers; i++) {
        const char *v = http_req_header(r->http, stored_headers[i]);
        if (!v) continue;
        if (i == 1) {
            buf_t enc = BUF_INIT;
            content_encoding_without_chunked(v, &enc);
            if (enc.len) buf_printf(&hdrs, "%s: %s\n", stored_headers[i], enc.p);
            buf_free(&enc);
            continue;
        }
        buf_printf(&hdrs, "%s: %s\n", stored_headers[i], v);
    }
    if (!http_req_header(r->http, "Content-Type"))
        buf_puts(&hdrs, "Content-Type: binary/octet-stream\n");
    struct collect c = {&hdrs};
    http_req_each_header(r->http, collect_header, &c);
    const char *ckname = checksum_header_name(pl->ck.alg);
    if (ckname) buf_printf(&hdrs, "%s: %s\n", ckname, pl->ck_value);

    store_obj_t meta = {0};
    meta.size = pl->n;
    util_hex(pl->md5_digest, MD5_DIGEST_SIZE, meta.etag);
    meta.headers = hdrs.p ? hdrs.p : "";
    store_put_t *p = r->put;
    r->put = NULL;
    int rc = r->srv->store->ops->put_commit(p, r->t.bucket, r->t.key, r->t.key_len, &meta,
                                            !r->srv->strict);
    free(meta.blob);
    buf_free(&hdrs);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    char etag[52];
    snprintf(etag, sizeof etag, "\"%s\"", meta.etag);
    http_resp_header(resp, "ETag", etag);
    if (ckname) {
        http_resp_header(resp, ckname, pl->ck_value);
        http_resp_header(resp, "x-amz-checksum-type", "FULL_OBJECT");
    }
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

/* Whether an If-Match / If-None-Match list names etag (or is "*"). */
static int etag_matches(const char *list, const char *etag)
{
    size_t en = strlen(etag);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (e - s >= 2 && s[0] == 'W' && s[1] == '/') s += 2;
        if (e - s >= 2 && *s == '"' && e[-1] == '"') s++, e--;
        if ((e - s == 1 && *s == '*') || ((size_t)(e - s) == en && memcmp(s, etag, en) == 0))
            return 1;
        p += n;
    }
    return 0;
}

/* S3's precedence: If-Match beats If-Unmodified-Since, If-None-Match beats
 * If-Modified-Since. Returns S3E_NONE, S3E_PRECONDITION_FAILED or S3E_NOT_MODIFIED. */
static s3_err_t check_conditions(const s3_req_t *r, const store_obj_t *o)
{
    int64_t t, mtime_s = o->mtime_ms / 1000;
    const char *im = http_req_header(r->http, "If-Match");
    const char *ius = http_req_header(r->http, "If-Unmodified-Since");
    const char *inm = http_req_header(r->http, "If-None-Match");
    const char *ims = http_req_header(r->http, "If-Modified-Since");
    if (im) {
        if (!etag_matches(im, o->etag)) return S3E_PRECONDITION_FAILED;
    } else if (ius && util_parse_http_date(ius, &t) == 0 && mtime_s > t / 1000) {
        return S3E_PRECONDITION_FAILED;
    }
    if (inm) {
        if (etag_matches(inm, o->etag)) return S3E_NOT_MODIFIED;
    } else if (ims && util_parse_http_date(ims, &t) == 0 && mtime_s <= t / 1000) {
        return S3E_NOT_MODIFIED;
    }
    return S3E_NONE;
}

/* Parse "bytes=a-b", "bytes=a-", "bytes=-n" against size. Returns 1 with
 * [*from, *to] for a satisfiable range, 0 to ignore the header (malformed or
 * several ranges: S3 then sends the whole object), -1 if unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
    if (strncmp(h, "bytes=", 6) != 0) return 0;
    const char *p = h + 6;
    if (strchr(p, ',')) return 0;
    char *end;
    errno = 0;
    if (*p == '-') {
        if (!isdigit((unsigned char)p[1])) return 0;
        unsigned long long n = strtoull(p + 1, &end, 10);
        if (*end || errno) return 0;
        if (n == 0 || size == 0) return -1;
        *from = n >= size ? 0 : size - n;
        *to = size - 1;
        return 1;
    }
    if (!isdigit((unsigned char)*p)) return 0;
    unsigned long long a = strtoull(p, &end, 10);
    if (*end != '-' || errno) return 0;
    p = end + 1;
    unsigned long long b = UINT64_MAX;
    if (*p) {
        if (!isdigit((unsigned char)*p)) return 0;
        b = strtoull(p, &end, 10);
        if (*end || errno) return 0;
        if (b < a) return 0;
    }
    if (a >= size) return -1;
    *from = a;
    *to = b >= size ? size - 1 : b;
    return 1;
}

static ssize_t no_reader(void *ctx, uint64_t pos, char *out, size_t max)
{
    (void)ctx, (void)pos, (void)out, (void)max;
    return -1; /* HEAD: never read */
}

static void add_stored_headers(http_response_t *resp, const char *h, const s3_req_t *r)
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
    int checksum_mode = cm && strcasecmp(cm, "ENABLED") == 0;
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
            if (strncasecmp(name, "x-amz-checksum-", 15) == 0 && !checksum_mode) overridden = 1;
            for (size_t i = 0; i < nover; i++)
                if (strcasecmp(name, overrides[i].header) == 0 &&
                    s3_query_value(r, overrides[i].param))
                    overridden = 1;
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
}

void s3_get_object(s3_req_t *r, http_response_t *resp)
{
    int head = strcmp(r->method, "HEAD") == 0;
    store_obj_t o;
    int fd = -1;
    int rc = r->srv->store->ops->obj_get(r->srv->store, r->t.bucket, r->t.key, r->t.key_len, &o,
                                         head ? NULL : &fd);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    char etag[52], date[30];
    snprintf(etag, sizeof etag, "\"%s\"", o.etag);
    util_http_date(o.mtime_ms, date);
    s3_err_t ce = check_conditions(r, &o);
    if (ce != S3E_NONE) {
        if (ce == S3E_NOT_MODIFIED) {
            http_resp_header(resp, "ETag", etag);
            http_resp_header(resp, "Last-Modified", date);
        }
        s3_err(r, resp, ce);
        goto out;
    }
    uint64_t from = 0, to = o.size ? o.size - 1 : 0, len = o.size;
    const char *range = http_req_header(r->http, "Range");
    int ranged = range ? parse_range(range, o.size, &from, &to) : 0;
    if (ranged < 0) {
        char cr[48];
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)o.size);
        http_resp_header(resp, "Content-Range", cr);
        s3_err(r, resp, S3E_INVALID_RANGE);
        goto out;
    }
    http_resp_header(resp, "Last-Modified", date);
    http_resp_header(resp, "ETag", etag);
    http_resp_header(resp, "Accept-Ranges", "bytes");
    add_stored_headers(resp, o.headers, r);
    if (ranged) {
        char cr[80];
        len = to - from + 1;
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)from,
                 (unsigned long long)to, (unsigned long long)o.size);
        http_resp_header(resp, "Content-Range", cr);
        http_resp_status(resp, 206);
    } else {
        http_resp_status(resp, 200);
    }
    if (head) {
        http_resp_body_reader(resp, len, no_reader, NULL, NULL);
    } else {
        http_resp_body_fd(resp, fd, from, len);
        fd = -1;
    }
    http_resp_ready(resp);
out:
    if (fd >= 0) close(fd);
    store_obj_free(&o);
}

void s3_delete_object(s3_req_t *r, http_response_t *resp)
{
    int rc = r->srv->store->ops->obj_delete(r->srv->store, r->t.bucket, r->t.key, r->t.key_len);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 204);
    http_resp_ready(resp);
}
