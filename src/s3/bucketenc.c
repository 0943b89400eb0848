/* Bucket default encryption: Put/Get/DeleteBucketEncryption. The bucket's
 * configuration is the document "encryption" in the store, kept in S3's
 * canonical form; a bucket without one has S3's default since 2023, SSE-S3,
 * which GetBucketEncryption answers as a rule (no
 * ServerSideEncryptionConfigurationNotFoundError any more), and which
 * DeleteBucketEncryption goes back to. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "s3/sse.h"
#include "s3/xmlin.h"

#define CONF_NAME "encryption"
#define ROOT      "ServerSideEncryptionConfiguration"
#define RULE      ROOT "/Rule"
#define DEFAULT   RULE "/ApplyServerSideEncryptionByDefault"
#define BLOCKED   RULE "/BlockedEncryptionTypes"

struct parse {
    s3_sse_conf_t *c;
    int rules, has_default, has_alg, has_bk, bad;
};

static int is(const char *text, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(text, s, n) == 0;
}

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    struct parse *p = ctx;
    s3_sse_conf_t *c = p->c;
    while (n && isspace((unsigned char)*text))
        text++, n--;
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (strcmp(path, DEFAULT "/SSEAlgorithm") == 0) {
        /* The values a general purpose bucket takes (aws:fsx and aws:backup
         * belong to access points of other services). */
        if (p->has_alg++ ||
            !(is(text, n, "AES256") || is(text, n, "aws:kms") || is(text, n, "aws:kms:dsse")))
            return p->bad = 1;
        memcpy(c->alg, text, n);
        c->alg[n] = '\0';
    } else if (strcmp(path, DEFAULT "/KMSMasterKeyID") == 0) {
        if (c->kms_key || n == 0) return p->bad = 1;
        c->kms_key = xstrndup(text, n);
    } else if (strcmp(path, DEFAULT) == 0) {
        if (p->has_default++ || !p->has_alg) return p->bad = 1;
    } else if (strcmp(path, RULE "/BucketKeyEnabled") == 0) {
        if (p->has_bk++) return p->bad = 1;
        if (is(text, n, "true") || is(text, n, "1"))
            c->bucket_key = 1;
        else if (!is(text, n, "false") && !is(text, n, "0"))
            return p->bad = 1;
    } else if (strcmp(path, BLOCKED "/EncryptionType") == 0) {
        if (is(text, n, "NONE"))
            c->block_none = 1;
        else if (is(text, n, "SSE-C"))
            c->block_sse_c = 1;
        else
            return p->bad = 1;
    } else if (strcmp(path, BLOCKED) == 0) {
        if (c->has_blocked++) return p->bad = 1;
    } else if (strcmp(path, RULE) == 0) {
        /* S3 takes exactly one rule, which says something. */
        if (p->rules++ || !(p->has_default || c->has_blocked)) return p->bad = 1;
    } else if (strcmp(path, ROOT) != 0) {
        return p->bad = 1;
    }
    return 0;
}

int s3_sse_conf_parse(const char *xml, size_t n, s3_sse_conf_t *c)
{
    memset(c, 0, sizeof *c);
    struct parse p = {c, 0, 0, 0, 0, 0};
    if (n == 0 || xmlin_parse(xml, n, on_elem, &p) != 0 || p.bad || p.rules != 1) {
        s3_sse_conf_free(c);
        return S3_SSE_CONF_EMALFORMED;
    }
    if (c->kms_key && strncmp(c->alg, "aws:kms", 7) != 0) {
        s3_sse_conf_free(c);
        return S3_SSE_CONF_EKMSKEY;
    }
    return S3_SSE_CONF_OK;
}

void s3_sse_conf_serialize(const s3_sse_conf_t *c, buf_t *out)
{
    s3_xml_begin(out, ROOT);
    /* A rule naming only blocked types leaves the default at SSE-S3. */
    buf_puts(out, "<Rule><ApplyServerSideEncryptionByDefault>");
    s3_xml_elem_s(out, "SSEAlgorithm", c->alg[0] ? c->alg : "AES256");
    if (c->kms_key) s3_xml_elem_s(out, "KMSMasterKeyID", c->kms_key);
    buf_puts(out, "</ApplyServerSideEncryptionByDefault>");
    buf_printf(out, "<BucketKeyEnabled>%s</BucketKeyEnabled>", c->bucket_key ? "true" : "false");
    if (c->has_blocked) {
        buf_puts(out, "<BlockedEncryptionTypes>");
        if (c->block_none) buf_puts(out, "<EncryptionType>NONE</EncryptionType>");
        if (c->block_sse_c) buf_puts(out, "<EncryptionType>SSE-C</EncryptionType>");
        buf_puts(out, "</BlockedEncryptionTypes>");
    }
    buf_puts(out, "</Rule></" ROOT ">");
}

void s3_sse_conf_free(s3_sse_conf_t *c)
{
    free(c->kms_key);
    c->kms_key = NULL;
}

int s3_sse_conf_load(s3_req_t *r, const char *bucket, s3_sse_conf_t *c)
{
    memset(c, 0, sizeof *c);
    store_t *st = r->srv->store;
    char *doc;
    size_t len;
    int rc = st->ops->conf_get(st, bucket, CONF_NAME, &doc, &len);
    if (rc == STORE_ENOBUCKET || rc == STORE_ENOCONF) return 0;
    if (rc) return rc;
    rc = s3_sse_conf_parse(doc, len, c);
    free(doc);
    return rc == S3_SSE_CONF_OK ? 1 : STORE_EIO;
}

void s3_put_encryption(s3_req_t *r, http_response_t *resp)
{
    /* A missing bucket is answered before the document is looked at. */
    if (s3_need_bucket(r, resp)) return;
    s3_sse_conf_t c;
    int rc = s3_sse_conf_parse(r->body.p ? r->body.p : "", r->body.len, &c);
    if (rc == S3_SSE_CONF_EMALFORMED) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return;
    }
    if (rc == S3_SSE_CONF_EKMSKEY) {
        s3_err_full(r, resp, S3E_INVALID_ARGUMENT,
                    "a KMSMasterKeyID is not applicable if the default sse algorithm is not "
                    "aws:kms or aws:kms:dsse",
                    "<ArgumentName>ApplyServerSideEncryptionByDefault</ArgumentName>");
        return;
    }
    buf_t doc = BUF_INIT;
    s3_sse_conf_serialize(&c, &doc);
    s3_sse_conf_free(&c);
    store_t *st = r->srv->store;
    rc = st->ops->conf_put(st, r->t.bucket, CONF_NAME, doc.p, doc.len);
    buf_free(&doc);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

void s3_get_encryption(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    char *doc;
    size_t len;
    int rc = st->ops->conf_get(st, r->t.bucket, CONF_NAME, &doc, &len);
    buf_t b = BUF_INIT;
    if (rc == STORE_ENOCONF) {
        s3_sse_conf_t dflt = {.alg = "AES256"};
        s3_sse_conf_serialize(&dflt, &b);
    } else if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    } else {
        buf_append(&b, doc, len);
        free(doc);
    }
    s3_send_xml(resp, 200, &b);
}

void s3_delete_encryption(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, CONF_NAME, 204);
}
