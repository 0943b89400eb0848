/* ListObjects (v1) and ListObjectsV2: the query checked, the store's range
 * scan, the XML S3 writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/owner.h"
#include "s3/s3req.h"

#define TOKEN_MAGIC     "fakes3:"
#define TOKEN_MAGIC_LEN 7

/* An element whose text is url-encoded when encoding-type=url. */
static void elem(buf_t *b, const char *name, const char *s, size_t n, int url)
{
    if (!url) {
        s3_xml_elem(b, name, s, n);
        return;
    }
    buf_t e = BUF_INIT;
    buf_urlenc(&e, s, n, 1);
    s3_xml_elem(b, name, e.p ? e.p : "", e.len);
    buf_free(&e);
}

void s3_list_objects(s3_req_t *r, http_response_t *resp)
{
    const char *lt = s3_query_value(r, "list-type");
    int v2 = lt && strcmp(lt, "2") == 0;
    const char *prefix = s3_query_value(r, "prefix");
    const char *delim = s3_query_value(r, "delimiter");
    const char *enc = s3_query_value(r, "encoding-type");
    const char *mk = s3_query_value(r, "max-keys");
    const char *marker = v2 ? NULL : s3_query_value(r, "marker");
    const char *start_after = v2 ? s3_query_value(r, "start-after") : NULL;
    const char *token = v2 ? s3_query_value(r, "continuation-token") : NULL;
    const char *fo = v2 ? s3_query_value(r, "fetch-owner") : NULL;
    int url = 0, owner = !v2 || (fo && strcmp(fo, "true") == 0);
    if (enc) {
        if (strcmp(enc, "url") != 0) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                       "Invalid Encoding Method specified in Request");
            return;
        }
        url = 1;
    }
    long max = 1000;
    if (mk) {
        char *end;
        errno = 0;
        long v = strtol(mk, &end, 10);
        if (!*mk || *end || errno || v < 0 || v > 2147483647L) {
            s3_err_arg(r, resp, "Provided max-keys not an integer or within integer range",
                       "max-keys", mk);
            return;
        }
        max = v > 1000 ? 1000 : v;
    }
    char *after = NULL;
    size_t after_len = 0;
    if (token) {
        size_t n = strlen(token) + 4;
        after = xmalloc(n);
        after_len = n;
        /* Tokens are ours: "fakes3:" + the last key or prefix listed, base64. */
        if (!*token ||
            util_unbase64(token, strlen(token), (unsigned char *)after, &after_len) != 0 ||
            after_len < TOKEN_MAGIC_LEN || memcmp(after, TOKEN_MAGIC, TOKEN_MAGIC_LEN) != 0) {
            free(after);
            s3_err_arg(r, resp, "The continuation token provided is incorrect",
                       "continuation-token", token);
            return;
        }
        after_len -= TOKEN_MAGIC_LEN;
        memmove(after, after + TOKEN_MAGIC_LEN, after_len);
    } else if (marker || start_after) {
        const char *m = marker ? marker : start_after;
        after = xstrdup(m);
        after_len = strlen(m);
    }
    store_list_req_t q = {
        .prefix = prefix ? prefix : "",
        .prefix_len = prefix ? strlen(prefix) : 0,
        .delim = delim,
        .delim_len = delim ? strlen(delim) : 0,
        .after = after_len || marker || start_after ? after : NULL,
        .after_len = after_len,
        .max = (unsigned)max,
    };
    store_list_res_t res;
    int rc = r->srv->store->ops->list(r->srv->store, r->t.bucket, &q, &res);
    free(after);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ListBucketResult");
    s3_xml_elem_s(&b, "Name", r->t.bucket);
    elem(&b, "Prefix", q.prefix, q.prefix_len, url);
    if (!v2) elem(&b, "Marker", marker ? marker : "", marker ? strlen(marker) : 0, url);
    if (v2) buf_printf(&b, "<KeyCount>%zu</KeyCount>", res.n);
    buf_printf(&b, "<MaxKeys>%ld</MaxKeys>", max);
    if (delim && *delim) elem(&b, "Delimiter", delim, strlen(delim), url);
    if (url) s3_xml_elem_s(&b, "EncodingType", "url");
    buf_printf(&b, "<IsTruncated>%s</IsTruncated>", res.truncated ? "true" : "false");
    const store_list_ent_t *last = res.n ? &res.ents[res.n - 1] : NULL;
    if (v2) {
        if (token) s3_xml_elem_s(&b, "ContinuationToken", token);
        if (res.truncated && last) {
            size_t rn = TOKEN_MAGIC_LEN + last->key_len;
            unsigned char *raw = xmalloc(rn);
            memcpy(raw, TOKEN_MAGIC, TOKEN_MAGIC_LEN);
            memcpy(raw + TOKEN_MAGIC_LEN, last->key, last->key_len);
            char *tok = xmalloc(4 * (rn / 3 + 2) + 1);
            util_base64(raw, rn, tok);
            free(raw);
            s3_xml_elem_s(&b, "NextContinuationToken", tok);
            free(tok);
        }
        if (start_after) elem(&b, "StartAfter", start_after, strlen(start_after), url);
    } else if (res.truncated && last && delim && *delim) {
        /* S3 sends NextMarker only when a delimiter was given. */
        elem(&b, "NextMarker", last->key, last->key_len, url);
    }
    for (size_t i = 0; i < res.n; i++) {
        const store_list_ent_t *e = &res.ents[i];
        if (e->is_prefix) continue;
        char date[25];
        util_iso_date(e->mtime_ms, date);
        buf_puts(&b, "<Contents>");
        elem(&b, "Key", e->key, e->key_len, url);
        s3_xml_elem_s(&b, "LastModified", date);
        buf_printf(&b, "<ETag>&quot;%s&quot;</ETag>", e->etag);
        buf_printf(&b, "<Size>%llu</Size>", (unsigned long long)e->size);
        if (owner) {
            buf_puts(&b, "<Owner>");
            s3_owner_xml(r, &b, e->owner);
            buf_puts(&b, "</Owner>");
        }
        buf_printf(&b, "<StorageClass>%s</StorageClass></Contents>",
                   e->sclass[0] ? e->sclass : "STANDARD");
    }
    for (size_t i = 0; i < res.n; i++) {
        const store_list_ent_t *e = &res.ents[i];
        if (!e->is_prefix) continue;
        buf_puts(&b, "<CommonPrefixes>");
        elem(&b, "Prefix", e->key, e->key_len, url);
        buf_puts(&b, "</CommonPrefixes>");
    }
    buf_puts(&b, "</ListBucketResult>");
    store_list_free(&res);
    s3_send_xml(resp, 200, &b);
}
