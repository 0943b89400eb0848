/* Server-side encryption of objects: the request headers of writes and
 * reads checked as S3 checks them, what an object keeps, what answers
 * carry, and the SSE-C bytes encrypted and decrypted (see sse.h). */
#include "s3/sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "lib/util.h"
#include "s3/auth/users.h"

#define H_SSE        "x-amz-server-side-encryption"
#define H_KMS_KEY    H_SSE "-aws-kms-key-id"
#define H_CONTEXT    H_SSE "-context"
#define H_BUCKET_KEY H_SSE "-bucket-key-enabled"
#define H_CUSTOMER   H_SSE "-customer"
#define H_COPY_CUST  "x-amz-copy-source-server-side-encryption-customer"
#define H_C_ALG      H_CUSTOMER "-algorithm"
#define H_C_MD5      H_CUSTOMER "-key-MD5"
/* The context is kept for the record: S3 answers it on writes only. */
#define H_KEPT_CONTEXT "x-fakes3-sse-context"

#define PROVIDE                                                                                    \
    "Requests specifying Server Side Encryption with Customer provided keys must provide "
#define NEEDS_KEY                                                                                  \
    "The object was stored using a form of Server Side Encryption. The correct parameters must "   \
    "be provided to retrieve the object."
#define NOT_APPLICABLE "The encryption parameters are not applicable to this object."
#define PART_NEEDS_KEY                                                                             \
    "The multipart upload initiate requested encryption. Subsequent part requests must include "   \
    "the appropriate encryption parameters."
#define PART_OTHER_KEY "The provided encryption parameters did not match the ones used originally."

#define SCRATCH (64 * 1024)

void s3_sse_free(s3_sse_t *s)
{
    if (!s) return;
    free(s->kms_key);
    free(s->context);
    free(s->scratch);
    /* Only a customer's key was ever here to wipe (every GET frees one). */
    if (s->have_key || s->kind == S3_SSE_C) {
        aesctr_clear(&s->ctr);
        volatile uint8_t *k = s->key;
        for (size_t i = 0; i < sizeof s->key; i++)
            k[i] = 0;
    }
    s->kms_key = s->context = s->scratch = NULL;
    s->have_key = 0;
}

static const char *request_header(void *ctx, const char *name)
{
    return http_req_header(((s3_req_t *)ctx)->http, name);
}

/* An error with S3's ArgumentName and ArgumentValue ("null" for none). */
static void arg_err(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg,
                    const char *name, const char *value)
{
    buf_t x = BUF_INIT;
    s3_xml_elem_s(&x, "ArgumentName", name);
    s3_xml_elem_s(&x, "ArgumentValue", value ? value : "null");
    s3_err_full(r, resp, e, msg, x.p);
    buf_free(&x);
}

static void md5_b64(const uint8_t *p, size_t n, char out[32])
{
    struct md5_ctx m;
    uint8_t d[MD5_DIGEST_SIZE];
    md5_init(&m);
    md5_update(&m, n, p);
    md5_digest(&m, sizeof d, d);
    util_base64(d, sizeof d, out);
}

/* Two base64 MD5s name the same digest (padding or not). */
static int same_md5(const char *a, const char *b)
{
    uint8_t da[MD5_DIGEST_SIZE + 4], db[MD5_DIGEST_SIZE + 4];
    size_t na = sizeof da, nb = sizeof db;
    return util_unbase64(a, strlen(a), da, &na) == 0 && util_unbase64(b, strlen(b), db, &nb) == 0 &&
           na == MD5_DIGEST_SIZE && nb == MD5_DIGEST_SIZE && memcmp(da, db, na) == 0;
}

/* SSE-C over plain HTTP, refused with --sse-c-require-tls as S3 refuses it. */
static int plain_http_refused(s3_req_t *r, http_response_t *resp)
{
    if (!r->srv->sse_c_require_tls || http_req_is_tls(r->http)) return 0;
    s3_err_msg(r, resp, S3E_INVALID_REQUEST,
               "Requests specifying Server Side Encryption with Customer provided keys must be "
               "made over a secure connection.");
    return 1;
}

/* The SSE-C headers under prefix (H_CUSTOMER or H_COPY_CUST): 0 when none
 * was sent, 1 with out->key_md5 (and the key when it is 32 bytes), -1 after
 * answering. A write refuses a key of another length; a read finds it is
 * not the object's. */
static int customer_headers(s3_req_t *r, http_response_t *resp, s3_sse_get_fn get, void *ctx,
                            const char *prefix, int write, s3_sse_t *out)
{
    char name[96];
    snprintf(name, sizeof name, "%s-algorithm", prefix);
    const char *alg = get(ctx, name);
    snprintf(name, sizeof name, "%s-key", prefix);
    const char *key = get(ctx, name);
    snprintf(name, sizeof name, "%s-key-MD5", prefix);
    const char *md5 = get(ctx, name);
    if (!alg && !key && !md5) return 0;
    if (plain_http_refused(r, resp)) return -1;
    if (write) {
        const char *sse = get(ctx, H_SSE);
        if (sse) {
            arg_err(r, resp, S3E_INVALID_ARGUMENT,
                    "Server Side Encryption with Customer provided key is incompatible with the "
                    "encryption method specified",
                    H_SSE, sse);
            return -1;
        }
    }
    /* S3 names x-amz-server-side-encryption in all of these. */
    if (!alg) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT, PROVIDE "a valid encryption algorithm.", H_SSE,
                NULL);
        return -1;
    }
    if (!key) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT, PROVIDE "an appropriate secret key.", H_SSE, NULL);
        return -1;
    }
    if (strcmp(alg, "AES256") != 0) {
        arg_err(r, resp, S3E_INVALID_ENCRYPTION_ALGORITHM, NULL, H_SSE, alg);
        return -1;
    }
    if (!md5) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                PROVIDE "the client calculated MD5 of the secret key.", H_SSE, NULL);
        return -1;
    }
    uint8_t raw[64];
    size_t n = sizeof raw;
    if (util_unbase64(key, strlen(key), raw, &n) != 0) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "The secret key was invalid for the specified algorithm.", H_SSE, NULL);
        return -1;
    }
    char got[32];
    md5_b64(raw, n, got);
    if (!same_md5(got, md5)) {
        /* Checked before the length: S3 answers this for keys of any size. */
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "The calculated MD5 hash of the key did not match the hash that was provided.",
                H_SSE, NULL);
        return -1;
    }
    if (n != AESCTR_KEY_SIZE && write) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "The secret key was invalid for the specified algorithm.", H_SSE, NULL);
        memset(raw, 0, sizeof raw);
        return -1;
    }
    snprintf(out->key_md5, sizeof out->key_md5, "%s", got);
    if (n == AESCTR_KEY_SIZE) {
        memcpy(out->key, raw, AESCTR_KEY_SIZE);
        out->have_key = 1;
    }
    memset(raw, 0, sizeof raw);
    return 1;
}

/* x-amz-server-side-encryption-context: base64 of a UTF-8 JSON object
 * whose values are strings. */
static int context_valid(const char *v)
{
    size_t cap = strlen(v), n = cap;
    unsigned char *raw = xmalloc(cap + 1);
    int ok = util_unbase64(v, cap, raw, &n) == 0 && util_utf8_valid((const char *)raw, n);
    if (ok) {
        json_error_t err;
        json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &err);
        ok = j && json_is_object(j);
        const char *k;
        json_t *val;
        if (ok) json_object_foreach(j, k, val) if (!json_is_string(val)) ok = 0;
        json_decref(j);
    }
    free(raw);
    return ok;
}

/* A key id as S3 reports it: an ARN in the writer's account and the
 * server's region (a bare key id or an alias name expanded). */
static char *kms_arn(const s3_req_t *r, const char *id)
{
    if (strncmp(id, "arn:", 4) == 0) return xstrdup(id);
    const char *acct = r->user && r->user->account_id ? r->user->account_id : "000000000000";
    buf_t b = BUF_INIT;
    buf_printf(&b, "arn:aws:kms:%s:%s:%s%s", r->srv->region, acct,
               strncmp(id, "alias/", 6) == 0 ? "" : "key/", id);
    return buf_take(&b);
}

/* A request signed with Signature Version 2 (header or query). */
static int sigv2(const s3_req_t *r)
{
    const char *a = http_req_header(r->http, "Authorization");
    return (a && strncmp(a, "AWS ", 4) == 0) || s3_query_value(r, "AWSAccessKeyId");
}

static int write_checks(s3_req_t *r, http_response_t *resp, s3_sse_get_fn get, void *ctx, int c,
                        s3_sse_t *out);

int s3_sse_for_write(s3_req_t *r, http_response_t *resp, s3_sse_get_fn get, void *ctx,
                     s3_sse_t *out)
{
    memset(out, 0, sizeof *out);
    int c = customer_headers(r, resp, get, ctx, H_CUSTOMER, 1, out);
    if (c < 0) return -1;
    if (write_checks(r, resp, get, ctx, c, out)) {
        s3_sse_free(out);
        return -1;
    }
    return 0;
}

static int write_checks(s3_req_t *r, http_response_t *resp, s3_sse_get_fn get, void *ctx, int c,
                        s3_sse_t *out)
{
    const char *sse = get(ctx, H_SSE);
    const char *kms = get(ctx, H_KMS_KEY);
    const char *context = get(ctx, H_CONTEXT);
    const char *bk = get(ctx, H_BUCKET_KEY);
    if (sse) {
        if (strcmp(sse, "AES256") == 0)
            out->kind = S3_SSE_S3;
        else if (strcmp(sse, "aws:kms") == 0)
            out->kind = S3_SSE_KMS;
        else if (strcmp(sse, "aws:kms:dsse") == 0)
            out->kind = S3_SSE_DSSE;
        else {
            arg_err(r, resp, S3E_INVALID_ARGUMENT,
                    "The encryption method specified is not supported", H_SSE, sse);
            return -1;
        }
    }
    int kms_named = out->kind == S3_SSE_KMS || out->kind == S3_SSE_DSSE;
    if (kms && !kms_named) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "Server Side Encryption with AWS KMS managed key requires HTTP header "
                "x-amz-server-side-encryption : aws:kms",
                H_KMS_KEY, kms);
        return -1;
    }
    if (context && !kms_named) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "Server Side Encryption with AWS KMS managed key requires HTTP header "
                "x-amz-server-side-encryption : aws:kms",
                H_CONTEXT, context);
        return -1;
    }
    if (context && !context_valid(context)) {
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 "
                "string holding JSON which represents a string-string map",
                H_CONTEXT, context);
        return -1;
    }
    int bk_on = -1; /* not said: the bucket's setting */
    if (bk) {
        if (strcasecmp(bk, "true") == 0)
            bk_on = 1;
        else if (strcasecmp(bk, "false") == 0)
            bk_on = 0;
        else {
            arg_err(r, resp, S3E_INVALID_ARGUMENT,
                    "The value of x-amz-server-side-encryption-bucket-key-enabled must be true or "
                    "false",
                    H_BUCKET_KEY, bk);
            return -1;
        }
    }
    out->named = sse || c;
    if (c) out->kind = S3_SSE_C;
    /* The bucket's configuration: its default when the request names none,
     * its Bucket Key setting for a KMS request that does not say, whether it
     * blocks SSE-C. */
    s3_sse_conf_t conf = {0};
    int have_conf = 0;
    if (!out->named || c || (kms_named && bk_on < 0)) {
        have_conf = s3_sse_conf_load(r, r->t.bucket, &conf);
        if (have_conf < 0) {
            s3_err(r, resp, s3_err_from_store(have_conf));
            return -1;
        }
        out->bucket_conf = have_conf;
    }
    if (c && have_conf && conf.block_sse_c) {
        char msg[1400];
        const char *who = r->user ? r->user->display_name : NULL;
        snprintf(msg, sizeof msg,
                 "User: %s%s%s%s is not authorized to perform: %s on resource: "
                 "\"arn:aws:s3:::%s/%.*s\" because this bucket has blocked upload requests that "
                 "specify Server Side Encryption with Customer provided keys (SSE-C). Please "
                 "specify a different server-side encryption type",
                 who ? "arn:aws:iam::" : "anonymous", who ? r->user->account_id : "",
                 who ? ":user/" : "", who ? who : "",
                 r->op && r->op->action ? r->op->action : "s3:PutObject", r->t.bucket,
                 (int)(r->t.key_len > 1024 ? 1024 : r->t.key_len), r->t.key ? r->t.key : "");
        s3_err_msg(r, resp, S3E_ACCESS_DENIED, msg);
        s3_sse_conf_free(&conf);
        return -1;
    }
    if (!out->named && have_conf && conf.alg[0]) {
        out->kind = strcmp(conf.alg, "aws:kms") == 0        ? S3_SSE_KMS
                    : strcmp(conf.alg, "aws:kms:dsse") == 0 ? S3_SSE_DSSE
                                                            : S3_SSE_S3;
        if (out->kind != S3_SSE_S3 && conf.kms_key) out->kms_key = kms_arn(r, conf.kms_key);
    }
    if (out->kind == S3_SSE_KMS || out->kind == S3_SSE_DSSE) {
        if (!out->kms_key) out->kms_key = kms_arn(r, kms && *kms ? kms : S3_SSE_DEFAULT_KMS_KEY);
        if (context) out->context = xstrdup(context);
        /* Bucket Keys are not for DSSE-KMS. */
        out->bucket_key =
            out->kind == S3_SSE_KMS && (bk_on >= 0 ? bk_on : have_conf > 0 && conf.bucket_key);
        if (get == request_header && sigv2(r)) {
            arg_err(r, resp, S3E_INVALID_ARGUMENT,
                    "Requests specifying Server Side Encryption with AWS KMS managed keys require "
                    "AWS Signature Version 4.",
                    "Authorization", NULL);
            if (have_conf > 0) s3_sse_conf_free(&conf);
            return -1;
        }
    }
    if (have_conf > 0) s3_sse_conf_free(&conf);
    return 0;
}

int s3_sse_for_request(s3_req_t *r, http_response_t *resp, s3_sse_t *out)
{
    return s3_sse_for_write(r, resp, request_header, r, out);
}

/* The value of a stored header line name ("Name: value\n" lines), or NULL;
 * *n its length. */
static const char *stored_value(const char *h, const char *name, size_t *n)
{
    size_t nl = strlen(name);
    while (h && *h) {
        size_t len = strcspn(h, "\n");
        if (len > nl && strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (*v == ' ')
                v++;
            *n = (size_t)(h + len - v);
            return v;
        }
        h += len;
        if (*h == '\n') h++;
    }
    return NULL;
}

static char *stored_dup(const char *h, const char *name)
{
    size_t n;
    const char *v = stored_value(h, name, &n);
    return v ? xstrndup(v, n) : NULL;
}

/* What an object or upload keeps, read back (no key). */
static void of_headers(const char *h, s3_sse_t *out)
{
    memset(out, 0, sizeof *out);
    size_t n;
    const char *v = stored_value(h, H_SSE, &n);
    if (v && n == 12 && strncmp(v, "aws:kms:dsse", n) == 0)
        out->kind = S3_SSE_DSSE;
    else if (v && n == 7 && strncmp(v, "aws:kms", n) == 0)
        out->kind = S3_SSE_KMS;
    if (out->kind != S3_SSE_S3) {
        out->kms_key = stored_dup(h, H_KMS_KEY);
        out->context = stored_dup(h, H_KEPT_CONTEXT);
        v = stored_value(h, H_BUCKET_KEY, &n);
        out->bucket_key = v && n == 4 && strncmp(v, "true", 4) == 0;
    }
    v = stored_value(h, H_C_MD5, &n);
    if (v && n < sizeof out->key_md5) {
        out->kind = S3_SSE_C;
        memcpy(out->key_md5, v, n);
        out->key_md5[n] = '\0';
    }
}

void s3_sse_store(const s3_sse_t *s, buf_t *hdrs)
{
    switch (s->kind) {
    case S3_SSE_S3: break;
    case S3_SSE_KMS:
    case S3_SSE_DSSE:
        buf_printf(hdrs, H_SSE ": %s\n", s->kind == S3_SSE_KMS ? "aws:kms" : "aws:kms:dsse");
        if (s->kms_key) buf_printf(hdrs, H_KMS_KEY ": %s\n", s->kms_key);
        if (s->bucket_key) buf_puts(hdrs, H_BUCKET_KEY ": true\n");
        if (s->context) buf_printf(hdrs, H_KEPT_CONTEXT ": %s\n", s->context);
        break;
    case S3_SSE_C:
        buf_puts(hdrs, H_C_ALG ": AES256\n");
        buf_printf(hdrs, H_C_MD5 ": %s\n", s->key_md5);
        break;
    }
}

int s3_sse_is_stored_line(const char *line)
{
    return strncasecmp(line, H_SSE, strlen(H_SSE)) == 0 ||
           strncasecmp(line, H_KEPT_CONTEXT ":", strlen(H_KEPT_CONTEXT) + 1) == 0;
}

int s3_sse_hidden(const char *name)
{
    return strcasecmp(name, H_KEPT_CONTEXT) == 0;
}

void s3_sse_read_answer(http_response_t *resp, const s3_sse_t *s)
{
    if (s->kind == S3_SSE_S3) http_resp_header(resp, H_SSE, "AES256");
}

void s3_sse_answer(http_response_t *resp, const s3_sse_t *s, int what)
{
    switch (s->kind) {
    case S3_SSE_S3: http_resp_header(resp, H_SSE, "AES256"); break;
    case S3_SSE_KMS:
    case S3_SSE_DSSE:
        http_resp_header(resp, H_SSE, s->kind == S3_SSE_KMS ? "aws:kms" : "aws:kms:dsse");
        if (s->kms_key) http_resp_header(resp, H_KMS_KEY, s->kms_key);
        if (s->bucket_key) http_resp_header(resp, H_BUCKET_KEY, "true");
        if ((what & S3_SSE_ANSWER_CONTEXT) && s->context)
            http_resp_header(resp, H_CONTEXT, s->context);
        break;
    case S3_SSE_C:
        /* S3 sends no x-amz-server-side-encryption for a customer's key. */
        if (what & S3_SSE_ANSWER_CUSTOMER) {
            http_resp_header(resp, H_C_ALG, "AES256");
            http_resp_header(resp, H_C_MD5, s->key_md5);
        }
        break;
    }
}

int s3_sse_for_part(s3_req_t *r, http_response_t *resp, const char *upload_headers, int complete,
                    s3_sse_t *out)
{
    s3_sse_t req = {0};
    of_headers(upload_headers, out);
    int c = customer_headers(r, resp, request_header, r, H_CUSTOMER, 1, &req);
    if (c < 0) {
        s3_sse_free(out);
        return -1;
    }
    const char *msg = NULL;
    if (out->kind == S3_SSE_C && !c)
        msg = complete ? NULL : PART_NEEDS_KEY;
    else if (out->kind != S3_SSE_C && c)
        msg = complete ? PART_OTHER_KEY : PART_NEEDS_KEY;
    else if (c && strcmp(req.key_md5, out->key_md5) != 0)
        msg = PART_OTHER_KEY;
    if (msg) {
        s3_sse_free(&req);
        s3_sse_free(out);
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
        return -1;
    }
    if (c) {
        memcpy(out->key, req.key, sizeof out->key);
        out->have_key = req.have_key;
    }
    s3_sse_free(&req);
    return 0;
}

int s3_sse_for_read(s3_req_t *r, http_response_t *resp, const char *headers, int copy_source,
                    s3_sse_t *out)
{
    of_headers(headers, out);
    if (!copy_source && http_req_header(r->http, H_SSE)) {
        /* The encryption of a stored object is not the reader's to say. */
        arg_err(r, resp, S3E_INVALID_ARGUMENT,
                "x-amz-server-side-encryption header is not supported for this operation.", H_SSE,
                http_req_header(r->http, H_SSE));
        s3_sse_free(out);
        return -1;
    }
    s3_sse_t req = {0};
    int c = customer_headers(r, resp, request_header, r, copy_source ? H_COPY_CUST : H_CUSTOMER, 0,
                             &req);
    if (c < 0) {
        s3_sse_free(out);
        return -1;
    }
    if (out->kind != S3_SSE_C && c) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, NOT_APPLICABLE);
    } else if (out->kind == S3_SSE_C && !c) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, NEEDS_KEY);
    } else if (c && (!req.have_key || strcmp(req.key_md5, out->key_md5) != 0)) {
        s3_err_msg(r, resp, S3E_ACCESS_DENIED, PROVIDE "the correct secret key.");
    } else {
        if (c) {
            memcpy(out->key, req.key, sizeof out->key);
            out->have_key = 1;
        }
        s3_sse_free(&req);
        return 0;
    }
    s3_sse_free(&req);
    s3_sse_free(out);
    return -1;
}

/* ---- the bytes ---- */

void s3_sse_begin(s3_sse_t *s)
{
    if (s->kind != S3_SSE_C || !s->have_key) return;
    util_random(s->iv, sizeof s->iv);
    aesctr_init(&s->ctr, s->key, s->iv);
    s->off = 0;
    if (!s->scratch) s->scratch = xmalloc(SCRATCH);
}

int s3_sse_write(s3_sse_t *s, store_t *st, store_put_t *p, const char *data, size_t n)
{
    if (s->kind != S3_SSE_C || !s->scratch) return st->ops->put_write(p, data, n);
    while (n) {
        size_t k = n < SCRATCH ? n : SCRATCH;
        aesctr_crypt(&s->ctr, s->off, (uint8_t *)s->scratch, (const uint8_t *)data, k);
        int rc = st->ops->put_write(p, s->scratch, k);
        if (rc != STORE_OK) return rc;
        s->off += k;
        data += k, n -= k;
    }
    return STORE_OK;
}

void s3_sse_etag(const s3_sse_t *s, char etag[33])
{
    util_hex(s->iv, sizeof s->iv, etag);
}

struct s3_sse_reader {
    size_t n;        /* pieces: 1 for a single blob */
    uint64_t *start; /* each piece's first byte in the object */
    aesctr_t *ctr;   /* each piece's key and IV */
};

s3_sse_reader_t *s3_sse_reader_new(const s3_sse_t *s, const char *etag, const store_part_t *parts,
                                   size_t nparts)
{
    if (s->kind != S3_SSE_C || !s->have_key) return NULL;
    s3_sse_reader_t *d = xcalloc(1, sizeof *d);
    d->n = nparts ? nparts : 1;
    d->start = xcalloc(d->n, sizeof *d->start);
    d->ctr = xcalloc(d->n, sizeof *d->ctr);
    uint64_t at = 0;
    for (size_t i = 0; i < d->n; i++) {
        /* Each piece's IV is its ETag; one that is not (bytes that were
         * never encrypted this way) decrypts with a zero IV to garbage,
         * never to the plaintext of another. */
        uint8_t iv[AESCTR_IV_SIZE] = {0};
        const char *e = nparts ? parts[i].etag : etag;
        if (strlen(e) >= 2 * AESCTR_IV_SIZE) util_unhex(e, AESCTR_IV_SIZE, iv);
        aesctr_init(&d->ctr[i], s->key, iv);
        d->start[i] = at;
        if (nparts) at += parts[i].size;
    }
    return d;
}

void s3_sse_reader_apply(const s3_sse_reader_t *d, uint64_t off, char *buf, size_t n)
{
    /* The piece holding off: the last that starts at or before it. */
    size_t lo = 0, hi = d->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    for (size_t i = lo; n; i++) {
        uint64_t end = i + 1 < d->n ? d->start[i + 1] : UINT64_MAX;
        size_t k = end - off < n ? (size_t)(end - off) : n;
        aesctr_crypt(&d->ctr[i], off - d->start[i], (uint8_t *)buf, (const uint8_t *)buf, k);
        buf += k, off += k, n -= k;
    }
}

void s3_sse_reader_free(s3_sse_reader_t *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++)
        aesctr_clear(&d->ctr[i]);
    free(d->ctr);
    free(d->start);
    free(d);
}

int s3_sse_copy(s3_req_t *r, store_reader_t *rd, const s3_sse_reader_t *src, s3_sse_t *dst,
                uint64_t from, uint64_t len, struct md5_ctx *md5, checksum_t *ck)
{
    store_t *st = r->srv->store;
    const size_t bufsz = 1 << 20;
    char *buf = xmalloc(bufsz);
    int rc = STORE_OK;
    for (uint64_t done = 0; done < len && rc == STORE_OK;) {
        size_t want = len - done < bufsz ? (size_t)(len - done) : bufsz;
        long got = st->ops->reader_read(rd, from + done, buf, want);
        if (got <= 0) {
            rc = STORE_EIO;
            break;
        }
        if (src) s3_sse_reader_apply(src, from + done, buf, (size_t)got);
        if (md5) md5_update(md5, (size_t)got, (const uint8_t *)buf);
        if (ck) checksum_update(ck, buf, (size_t)got);
        rc = dst ? s3_sse_write(dst, st, r->put, buf, (size_t)got)
                 : st->ops->put_write(r->put, buf, (size_t)got);
        done += (uint64_t)got;
    }
    free(buf);
    return rc;
}

int s3_sse_copy_object(s3_req_t *r, const s3_copy_src_t *cs, s3_sse_t *dst, char etag[48])
{
    store_t *st = r->srv->store;
    int rc = st->ops->put_begin(st, &r->put);
    if (rc) return rc;
    s3_sse_begin(dst);
    const store_part_t *parts;
    size_t np;
    st->ops->reader_parts(cs->rd, &parts, &np);
    s3_sse_reader_t *dec = s3_sse_reader_new(cs->sse, cs->obj.etag, parts, np);
    struct md5_ctx md5;
    md5_init(&md5);
    rc = s3_sse_copy(r, cs->rd, dec, dst, 0, cs->obj.size, &md5, NULL);
    s3_sse_reader_free(dec);
    if (rc) return rc;
    if (dst->kind == S3_SSE_C) {
        s3_sse_etag(dst, etag);
    } else {
        unsigned char d[MD5_DIGEST_SIZE];
        md5_digest(&md5, sizeof d, d);
        util_hex(d, sizeof d, etag);
    }
    return STORE_OK;
}
