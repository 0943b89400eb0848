/* PostObject: a browser form upload, POST /bucket with multipart/form-data.
 *
 * The fields before the file are collected (form.c); when the file part
 * starts, everything is known, so the signature (with users configured) and
 * the policy (whenever one is sent) are checked then, before a byte is
 * stored. The file streams into the store as PutObject's body does, with MD5
 * and a checksum on the way; its size is checked against the policy's
 * content-length-range at its end, and only then is it published, in one
 * transaction. A refused upload leaves nothing visible. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/md5.h>

#include "lib/checksum.h"
#include "lib/util.h"
#include "s3/auth/postpolicy.h"
#include "s3/auth/sigv2.h"
#include "s3/auth/sigv4.h"
#include "s3/auth/users.h"
#include "s3/authorize.h"
#include "s3/form.h"
#include "s3/notify.h"
#include "s3/s3req.h"
#include "s3/sse.h"
#include "s3/xmlin.h"

typedef struct post {
    s3_req_t *r;
    http_response_t *resp; /* of the body call in progress */
    form_t form;
    postpolicy_field_t *fields; /* owned names and values */
    size_t nfields;
    postpolicy_t policy;
    int have_policy;
    char *key; /* ${filename} replaced */
    size_t key_len;
    struct md5_ctx md5;
    checksum_t ck;
    char ck_expected[CHECKSUM_B64_MAX]; /* from an x-amz-checksum-* field, or "" */
    uint64_t size;
    int file_ended;
    char *acl;                   /* the object's ACL document from the acl field, or NULL */
    char owner[STORE_OWNER_MAX]; /* the signer, or the bucket owner as Object Ownership says */
} post_t;

static void post_free(void *ctx)
{
    post_t *p = ctx;
    form_free(&p->form);
    for (size_t i = 0; i < p->nfields; i++) {
        free((char *)p->fields[i].name);
        free((char *)p->fields[i].value);
    }
    free(p->fields);
    postpolicy_free(&p->policy);
    free(p->key);
    free(p->acl);
    free(p);
}

/* A field's value by name (any letter case), or NULL. */
static const char *field(const post_t *p, const char *name)
{
    for (size_t i = 0; i < p->nfields; i++)
        if (strcasecmp(p->fields[i].name, name) == 0) return p->fields[i].value;
    return NULL;
}

/* A form field by name, for sse.c (which reads a write's encryption from
 * the form as from a request's headers). */
static const char *form_field(void *ctx, const char *name)
{
    return field(ctx, name);
}

static int missing_field(post_t *p, const char *name)
{
    char msg[160];
    snprintf(msg, sizeof msg,
             "Bucket POST must contain a field named '%s'.  If it is specified, please check the "
             "order of the fields.",
             name);
    s3_err_arg(p->r, p->resp, msg, name, "");
    return 1;
}

static int on_field(void *ctx, const char *name, const char *value, size_t n)
{
    post_t *p = ctx;
    p->fields = xrealloc(p->fields, (p->nfields + 1) * sizeof *p->fields);
    p->fields[p->nfields++] = (postpolicy_field_t){xstrdup(name), xstrndup(value, n)};
    return 0;
}

/* <name>hex bytes, space-separated</name>, as S3 shows a string to sign. */
static void hex_bytes(buf_t *b, const char *name, const char *s)
{
    buf_printf(b, "<%s>", name);
    for (const char *c = s; *c; c++)
        buf_printf(b, "%s%02x", c == s ? "" : " ", (unsigned char)*c);
    buf_printf(b, "</%s>", name);
}

/* The signature fields, with users configured; 0 or an answered error. The
 * signature is checked over the policy as sent, before it is decoded. */
static int check_signature(post_t *p)
{
    s3_req_t *r = p->r;
    const char *policy = field(p, "policy");
    const char *alg = field(p, "x-amz-algorithm"), *cred = field(p, "x-amz-credential");
    const char *amzdate = field(p, "x-amz-date"), *v4sig = field(p, "x-amz-signature");
    const char *ak = field(p, "AWSAccessKeyId"), *v2sig = field(p, "signature");
    int v4 = alg || cred || amzdate || v4sig;
    if (!v4 && !ak && !v2sig) {
        /* Anonymous: only a bucket open to the world's writes would take it. */
        s3_err(r, p->resp, S3E_ACCESS_DENIED);
        return 1;
    }
    /* The fields S3 names when one is missing, in the order it checks them. */
    const char *given;
    sigv4_cred_t c;
    if (v4) {
        if (!alg) return missing_field(p, "X-Amz-Algorithm");
        if (!cred) return missing_field(p, "X-Amz-Credential");
        if (!amzdate) return missing_field(p, "X-Amz-Date");
        if (!v4sig) return missing_field(p, "X-Amz-Signature");
        if (strcmp(alg, SIGV4_ALGORITHM) != 0) {
            s3_err_arg(r, p->resp, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
                       "X-Amz-Algorithm", alg);
            return 1;
        }
        if (sigv4_parse_cred(cred, strlen(cred), &c)) {
            s3_err_arg(r, p->resp,
                       "the Credential is mal-formed; expecting "
                       "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
                       "X-Amz-Credential", cred);
            return 1;
        }
        if (strcmp(c.region, r->srv->region) != 0) {
            char msg[200];
            buf_t x = BUF_INIT;
            snprintf(msg, sizeof msg, "the region '%s' is wrong; expecting '%s'", c.region,
                     r->srv->region);
            s3_xml_elem_s(&x, "ArgumentName", "X-Amz-Credential");
            s3_xml_elem_s(&x, "ArgumentValue", cred);
            s3_xml_elem_s(&x, "Region", r->srv->region);
            s3_err_full(r, p->resp, S3E_INVALID_ARGUMENT, msg, x.p);
            buf_free(&x);
            return 1;
        }
        if (strlen(amzdate) != 16 || amzdate[8] != 'T' || amzdate[15] != 'Z') {
            s3_err_arg(r, p->resp, "X-Amz-Date must be formated via ISO8601 Long format",
                       "X-Amz-Date", amzdate);
            return 1;
        }
        ak = c.ak;
        given = v4sig;
    } else {
        if (!ak) return missing_field(p, "AWSAccessKeyId");
        if (!v2sig) return missing_field(p, "Signature");
        given = v2sig;
    }
    if (!policy) return missing_field(p, "Policy");
    const auth_user_t *u = auth_users_find(r->srv->users, ak);
    buf_t extra = BUF_INIT;
    if (!u) {
        s3_xml_elem_s(&extra, "AWSAccessKeyId", ak);
        s3_err_full(r, p->resp, S3E_INVALID_ACCESS_KEY_ID, NULL, extra.p);
        buf_free(&extra);
        return 1;
    }
    int bad;
    if (v4) {
        uint8_t key[32];
        char calc[SIGV4_HEX];
        sigv4_signing_key(u->secret_key, c.date, c.region, c.service, key);
        sigv4_sign(key, policy, strlen(policy), calc);
        bad = !sigv4_sig_equal(calc, v4sig, strlen(v4sig));
    } else {
        char calc[SIGV2_B64];
        sigv2_sign(u->secret_key, policy, strlen(policy), calc);
        bad = !sigv4_sig_equal(calc, v2sig, strlen(v2sig));
    }
    if (!bad) {
        r->user = u;
        return 0;
    }
    s3_xml_elem_s(&extra, "AWSAccessKeyId", ak);
    s3_xml_elem_s(&extra, "StringToSign", policy);
    s3_xml_elem_s(&extra, "SignatureProvided", given);
    hex_bytes(&extra, "StringToSignBytes", policy);
    s3_err_full(r, p->resp, S3E_SIGNATURE_MISMATCH, NULL, extra.p);
    buf_free(&extra);
    return 1;
}

/* Every field is in: authenticate, check the policy, open the object. */
static int on_file_begin(void *ctx, const char *filename, const char *ctype)
{
    (void)ctype; /* S3 takes the type from the Content-Type field, not the part */
    post_t *p = ctx;
    s3_req_t *r = p->r;
    const char *key = field(p, "key");
    if (!key) return missing_field(p, "key");
    /* ${filename}, wherever it is in the key; S3 keeps it as it is when the
     * file part names no filename at all. */
    buf_t k = BUF_INIT;
    for (const char *s = key; *s;) {
        const char *v = filename ? strstr(s, "${filename}") : NULL;
        if (!v) {
            buf_puts(&k, s);
            break;
        }
        buf_append(&k, s, (size_t)(v - s));
        buf_puts(&k, filename);
        s = v + 11;
    }
    p->key_len = k.len;
    p->key = k.p ? buf_take(&k) : xstrdup("");
    if (p->key_len == 0) {
        s3_err_arg(r, p->resp, "User key must have a length greater than 0.", "key", "");
        return 1;
    }
    if (p->key_len > S3_MAX_KEY) {
        s3_err(r, p->resp, S3E_KEY_TOO_LONG);
        return 1;
    }
    if (!util_utf8_valid(p->key, p->key_len)) {
        s3_err_msg(r, p->resp, S3E_INVALID_URI, "Object key is not valid UTF-8.");
        return 1;
    }
    int open = !r->srv->users || r->srv->users->n == 0;
    if (!open && check_signature(p)) return 1;
    const char *policy = field(p, "policy");
    if (policy) {
        buf_t msg = BUF_INIT;
        s3_err_t e = postpolicy_parse(&p->policy, policy, strlen(policy), &msg);
        p->have_policy = 1;
        if (!e) {
            /* The conditions see the key as stored. */
            postpolicy_field_t *f = xcalloc(p->nfields + 1, sizeof *f);
            size_t n = 0;
            int have_key = 0;
            for (size_t i = 0; i < p->nfields; i++) {
                f[n] = p->fields[i];
                if (!have_key && strcasecmp(f[n].name, "key") == 0)
                    f[n].value = p->key, have_key = 1;
                n++;
            }
            e = postpolicy_check(&p->policy, r->t.bucket, f, n, util_now_ms(), &msg);
            free(f);
        }
        if (e) {
            s3_err_msg(r, p->resp, e, msg.p);
            buf_free(&msg);
            return 1;
        }
        buf_free(&msg);
    }
    /* The form's signer is known only now: the operation table leaves this
     * request's authorization to its handler. */
    if (s3_authorize(r, p->resp, "s3:PutObject", r->t.bucket, p->key, p->key_len)) return 1;
    if (s3_acl_for_object(r, p->resp, r->t.bucket, field(p, "acl"), &p->acl, p->owner)) return 1;
    const char *sc = field(p, "x-amz-storage-class");
    if (sc && !s3_storage_class_valid(sc)) {
        buf_t x = BUF_INIT;
        s3_xml_elem_s(&x, "StorageClassRequested", sc);
        s3_err_full(r, p->resp, S3E_INVALID_STORAGE_CLASS, NULL, x.p);
        buf_free(&x);
        return 1;
    }
    /* A checksum field names the algorithm and the value to verify; else
     * CRC64NVME, as S3 computes for uploads that name none. */
    checksum_alg_t alg = CK_CRC64NVME;
    for (size_t i = 0; i < p->nfields; i++) {
        checksum_alg_t a = checksum_alg_from_header(p->fields[i].name);
        if (a == CK_NONE || a == CK_MD5) continue;
        if (strlen(p->fields[i].value) >= sizeof p->ck_expected) {
            s3_err_msg(r, p->resp, S3E_INVALID_REQUEST, "Value for checksum is invalid.");
            return 1;
        }
        alg = a;
        snprintf(p->ck_expected, sizeof p->ck_expected, "%s", p->fields[i].value);
    }
    checksum_init(&p->ck, alg);
    md5_init(&p->md5);
    /* The encryption fields, else the bucket's default; an SSE-C file is
     * encrypted as it streams in. */
    r->sse = xcalloc(1, sizeof *r->sse);
    if (s3_sse_for_write(r, p->resp, form_field, p, r->sse)) return 1;
    if (r->srv->store->ops->put_begin(r->srv->store, &r->put) != STORE_OK) {
        s3_err(r, p->resp, S3E_INTERNAL_ERROR);
        return 1;
    }
    s3_sse_begin(r->sse);
    return 0;
}

static int on_file_data(void *ctx, const char *d, size_t n)
{
    post_t *p = ctx;
    s3_req_t *r = p->r;
    p->size += n;
    if (p->size > S3_MAX_PUT) {
        char extra[160];
        snprintf(extra, sizeof extra,
                 "<ProposedSize>%llu</ProposedSize><MaxSizeAllowed>%llu</MaxSizeAllowed>",
                 (unsigned long long)p->size, (unsigned long long)S3_MAX_PUT);
        s3_err_full(r, p->resp, S3E_ENTITY_TOO_LARGE, NULL, extra);
        return 1;
    }
    md5_update(&p->md5, n, (const uint8_t *)d);
    checksum_update(&p->ck, d, n);
    if (s3_sse_write(r->sse, r->srv->store, r->put, d, n) != STORE_OK) {
        s3_err(r, p->resp, S3E_INTERNAL_ERROR);
        return 1;
    }
    return 0;
}

static int on_file_end(void *ctx)
{
    post_t *p = ctx;
    p->file_ended = 1;
    return 0;
}

static const form_cb_t form_cbs = {on_field, on_file_begin, on_file_data, on_file_end};

int s3_post_object_start(s3_req_t *r, http_response_t *resp)
{
    char boundary[FORM_MAX_BOUNDARY + 1];
    int b = form_boundary(http_req_header(r->http, "Content-Type"), boundary);
    if (b == -2) {
        s3_err(r, resp, S3E_MALFORMED_POST_REQUEST);
        return 1;
    }
    if (b) {
        s3_err_full(r, resp, S3E_PRECONDITION_FAILED, NULL,
                    "<Condition>Bucket POST must be of the enclosure-type "
                    "multipart/form-data</Condition>");
        return 1;
    }
    /* POST never creates a bucket. */
    if (s3_need_bucket(r, resp)) return 1;
    post_t *p = xcalloc(1, sizeof *p);
    p->r = r;
    form_init(&p->form, boundary, FORM_MAX_FIELDS, &form_cbs, p);
    r->op_ctx = p;
    r->op_free = post_free;
    return 0;
}

/* Answer a form error (callbacks answer their own). */
static void form_error(post_t *p, http_response_t *resp, int rc)
{
    switch (rc) {
    case FORM_ECALLBACK: break;
    case FORM_ETOOBIG: {
        char x[96];
        snprintf(x, sizeof x, "<MaxPostPreDataLengthBytes>%d</MaxPostPreDataLengthBytes>",
                 FORM_MAX_FIELDS);
        s3_err_full(p->r, resp, S3E_MAX_POST_PRE_DATA, NULL, x);
        break;
    }
    case FORM_ENOFILE:
        s3_err_arg(p->r, resp, "POST requires exactly one file upload per request.", "file", "0");
        break;
    default: s3_err(p->r, resp, S3E_MALFORMED_POST_REQUEST); break;
    }
}

int s3_post_object_body(s3_req_t *r, const char *data, size_t n, http_response_t *resp)
{
    post_t *p = r->op_ctx;
    p->resp = resp;
    int rc = form_feed(&p->form, data, n);
    if (rc == FORM_OK) return 0;
    form_error(p, resp, rc);
    return 1;
}

/* Header lines the object keeps, from the form's fields. */
static int object_headers(post_t *p, http_response_t *resp, buf_t *h)
{
    for (size_t i = 0; i < S3_NSTORED_HEADERS; i++) {
        const char *v = field(p, s3_stored_headers[i]);
        if (v && !strpbrk(v, "\r\n")) buf_printf(h, "%s: %s\n", s3_stored_headers[i], v);
    }
    if (!field(p, "Content-Type")) buf_puts(h, "Content-Type: binary/octet-stream\n");
    const char *sc = field(p, "x-amz-storage-class");
    if (sc && strcmp(sc, "STANDARD") != 0) buf_printf(h, "x-amz-storage-class: %s\n", sc);
    for (size_t i = 0; i < p->nfields; i++) {
        const char *name = p->fields[i].name;
        if (strncasecmp(name, "x-amz-meta-", 11) != 0 || strpbrk(p->fields[i].value, "\r\n"))
            continue;
        for (const char *c = name; *c; c++)
            buf_putc(h, (char)tolower((unsigned char)*c));
        buf_printf(h, ": %s\n", p->fields[i].value);
    }
    /* The tagging field is a Tagging document, checked as PutObjectTagging's. */
    const char *tagging = field(p, "tagging");
    if (tagging && *tagging && s3_tags_from_xml(p->r, resp, tagging, strlen(tagging), &p->r->tags))
        return -1;
    return 0;
}

/* The object's URL, as S3's Location: scheme://host/bucket/key. */
static void object_url(const s3_req_t *r, const char *key, size_t key_len, buf_t *out)
{
    const char *host = http_req_header(r->http, "Host");
    buf_printf(out, "%s://%s/", http_req_is_tls(r->http) ? "https" : "http", host ? host : "");
    if (!r->t.vhost) {
        buf_urlenc(out, r->t.bucket, strlen(r->t.bucket), 0);
        buf_putc(out, '/');
    }
    buf_urlenc(out, key, key_len, 0); /* S3 encodes the key's '/' too */
}

/* Form encoding, as S3 writes the redirect's query: space as '+'. */
static void form_enc(buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ')
            buf_putc(b, '+');
        else
            buf_urlenc(b, s + i, 1, 0);
    }
}

/* success_action_redirect (or redirect): honoured when an absolute http(s)
 * URL, as S3 ignores a relative one. */
static const char *redirect_url(const post_t *p)
{
    const char *u = field(p, "success_action_redirect");
    if (!u || !*u) u = field(p, "redirect");
    if (!u || strpbrk(u, "\r\n")) return NULL;
    if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0) return NULL;
    return u;
}

void s3_post_object(s3_req_t *r, http_response_t *resp)
{
    post_t *p = r->op_ctx;
    p->resp = resp;
    int rc = form_finish(&p->form);
    if (rc) {
        form_error(p, resp, rc);
        return;
    }
    if (p->have_policy) {
        buf_t extra = BUF_INIT;
        s3_err_t e = postpolicy_check_size(&p->policy, p->size, &extra);
        if (e) {
            s3_err_full(r, resp, e, NULL, extra.p);
            buf_free(&extra);
            return;
        }
        buf_free(&extra);
    }
    char ck_value[CHECKSUM_B64_MAX];
    checksum_alg_t alg = p->ck.alg;
    checksum_final_b64(&p->ck, ck_value);
    if (p->ck_expected[0] && strcmp(p->ck_expected, ck_value) != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "The %s you specified did not match the calculated checksum.",
                 checksum_alg_name(alg));
        s3_err_msg(r, resp, S3E_BAD_DIGEST, msg);
        return;
    }
    unsigned char md5[MD5_DIGEST_SIZE];
    md5_digest(&p->md5, MD5_DIGEST_SIZE, md5);
    const char *cmd5 = field(p, "Content-MD5");
    if (cmd5) {
        unsigned char want[MD5_DIGEST_SIZE + 4];
        size_t wn = sizeof want;
        if (util_unbase64(cmd5, strlen(cmd5), want, &wn) != 0 || wn != MD5_DIGEST_SIZE) {
            s3_err(r, resp, S3E_INVALID_DIGEST);
            return;
        }
        if (memcmp(want, md5, MD5_DIGEST_SIZE) != 0) {
            s3_err(r, resp, S3E_BAD_DIGEST);
            return;
        }
    }
    buf_t hdrs = BUF_INIT;
    if (object_headers(p, resp, &hdrs)) {
        buf_free(&hdrs);
        return;
    }
    if (!r->sse) {
        buf_free(&hdrs);
        s3_err(r, resp, S3E_INTERNAL_ERROR);
        return;
    }
    s3_sse_store(r->sse, &hdrs);
    const char *ckname = checksum_header_name(alg);
    buf_printf(&hdrs, "%s: %s\n", ckname, ck_value);
    store_obj_t meta = {0};
    meta.size = p->size;
    if (r->sse->kind == S3_SSE_C)
        s3_sse_etag(r->sse, meta.etag);
    else
        util_hex(md5, MD5_DIGEST_SIZE, meta.etag);
    meta.headers = hdrs.p;
    s3_storage_class_of(meta.headers, meta.sclass);
    memcpy(meta.owner, p->owner, sizeof meta.owner);
    meta.acl = p->acl;
    /* A bucket's default retention locks what a form uploads too. */
    if (s3_lock_for_write(r, resp, &r->lock)) {
        buf_free(&hdrs);
        return;
    }
    meta.lock = r->lock;
    meta.tags = r->tags;
    store_put_t *put = r->put;
    r->put = NULL;
    store_cond_t cond = {0};
    rc = r->srv->store->ops->put_commit(put, r->t.bucket, p->key, p->key_len, &meta, 0, &cond);
    free(meta.blob);
    buf_free(&hdrs);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    r->has_obj_size = 1;
    r->obj_size = meta.size;
    s3_notify(r, "ObjectCreated:Post", p->key, p->key_len, &meta, NULL);
    char etag[52];
    snprintf(etag, sizeof etag, "\"%s\"", meta.etag);
    buf_t loc = BUF_INIT;
    object_url(r, p->key, p->key_len, &loc);
    http_resp_header(resp, "ETag", etag);
    s3_version_written(resp, meta.vid);
    s3_sse_answer(resp, r->sse, S3_SSE_ANSWER_CUSTOMER);
    http_resp_header(resp, ckname, ck_value);
    http_resp_header(resp, "x-amz-checksum-type", "FULL_OBJECT");
    const char *redirect = redirect_url(p);
    if (redirect) {
        buf_t u = BUF_INIT;
        buf_puts(&u, redirect);
        buf_putc(&u, strchr(redirect, '?') ? '&' : '?');
        buf_puts(&u, "bucket=");
        form_enc(&u, r->t.bucket, strlen(r->t.bucket));
        buf_puts(&u, "&key=");
        form_enc(&u, p->key, p->key_len);
        buf_puts(&u, "&etag=");
        form_enc(&u, etag, strlen(etag));
        http_resp_header(resp, "Location", u.p);
        buf_free(&u);
        http_resp_status(resp, 303);
    } else {
        http_resp_header(resp, "Location", loc.p);
        const char *st = field(p, "success_action_status");
        if (st && strcmp(st, "201") == 0) {
            buf_t b = BUF_INIT;
            buf_puts(&b, S3_XML_DECL "<PostResponse>");
            s3_xml_elem_s(&b, "Location", loc.p);
            s3_xml_elem_s(&b, "Bucket", r->t.bucket);
            s3_xml_elem(&b, "Key", p->key, p->key_len);
            s3_xml_elem_s(&b, "ETag", etag);
            buf_puts(&b, "</PostResponse>");
            buf_free(&loc);
            s3_send_xml(resp, 201, &b);
            return;
        }
        http_resp_status(resp, st && strcmp(st, "200") == 0 ? 200 : 204);
    }
    buf_free(&loc);
    http_resp_ready(resp);
}
