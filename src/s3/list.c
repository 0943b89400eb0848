/* ListObjects (v1) and ListObjectsV2: the query checked, the store's range
 * scan, the XML S3 writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/listparams.h"
#include "s3/owner.h"
#include "s3/s3req.h"

static const char *query_get(void *ctx, const char *name)
{
    return s3_query_value(ctx, name);
}

void s3_list_objects(s3_req_t *r, http_response_t *resp)
{
    listparams_t p;
    switch (listparams_parse(query_get, r, &p)) {
    case LISTPARAMS_OK: break;
    case LISTPARAMS_BAD_ENCODING:
        s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, "Invalid Encoding Method specified in Request");
        return;
    case LISTPARAMS_BAD_MAX_KEYS:
        s3_err_arg(r, resp, "Provided max-keys not an integer or within integer range", "max-keys",
                   p.max_keys);
        return;
    case LISTPARAMS_BAD_TOKEN:
        s3_err_arg(r, resp, "The continuation token provided is incorrect", "continuation-token",
                   p.token);
        return;
    }
    int v2 = p.v2, url = p.url, owner = p.owner;
    const char *prefix = p.prefix, *delim = p.delim, *marker = p.marker;
    const char *start_after = p.start_after, *token = p.token;
    long max = p.max;
    char *after = p.after;
    size_t after_len = p.after_len;
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
    s3_xml_elem_url(&b, "Prefix", q.prefix, q.prefix_len, url);
    if (!v2) s3_xml_elem_url(&b, "Marker", marker ? marker : "", marker ? strlen(marker) : 0, url);
    if (v2) buf_printf(&b, "<KeyCount>%zu</KeyCount>", res.n);
    buf_printf(&b, "<MaxKeys>%ld</MaxKeys>", max);
    if (delim && *delim) s3_xml_elem_url(&b, "Delimiter", delim, strlen(delim), url);
    if (url) s3_xml_elem_s(&b, "EncodingType", "url");
    buf_printf(&b, "<IsTruncated>%s</IsTruncated>", res.truncated ? "true" : "false");
    const store_list_ent_t *last = res.n ? &res.ents[res.n - 1] : NULL;
    if (v2) {
        if (token) s3_xml_elem_s(&b, "ContinuationToken", token);
        if (res.truncated && last) {
            char *tok = listparams_token_encode(last->key, last->key_len);
            s3_xml_elem_s(&b, "NextContinuationToken", tok);
            free(tok);
        }
        if (start_after) s3_xml_elem_url(&b, "StartAfter", start_after, strlen(start_after), url);
    } else if (res.truncated && last && delim && *delim) {
        /* S3 sends NextMarker only when a delimiter was given. */
        s3_xml_elem_url(&b, "NextMarker", last->key, last->key_len, url);
    }
    for (size_t i = 0; i < res.n; i++) {
        const store_list_ent_t *e = &res.ents[i];
        if (e->is_prefix) continue;
        char date[25];
        util_iso_date(e->mtime_ms, date);
        buf_puts(&b, "<Contents>");
        s3_xml_elem_url(&b, "Key", e->key, e->key_len, url);
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
        s3_xml_elem_url(&b, "Prefix", e->key, e->key_len, url);
        buf_puts(&b, "</CommonPrefixes>");
    }
    buf_puts(&b, "</ListBucketResult>");
    store_list_free(&res);
    s3_send_xml(resp, 200, &b);
}
