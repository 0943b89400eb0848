/* Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/owner.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

void s3_list_buckets(s3_req_t *r, http_response_t *resp)
{
    store_bucket_t *bs;
    size_t n;
    /* A user sees its own buckets; in the open mode all are the one owner's. */
    const char *me = s3_owner_caller(r);
    int rc =
        r->srv->store->ops->bucket_list(r->srv->store, s3_owner_users_mode(r) ? me : NULL, &bs, &n);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ListAllMyBucketsResult");
    buf_puts(&b, "<Owner>");
    s3_owner_xml(r, &b, me);
    buf_puts(&b, "</Owner>");
    buf_puts(&b, "<Buckets>");
    for (size_t i = 0; i < n; i++) {
        char date[25];
        util_iso_date(bs[i].created_ms, date);
        buf_puts(&b, "<Bucket>");
        s3_xml_elem_s(&b, "Name", bs[i].name);
        s3_xml_elem_s(&b, "CreationDate", date);
        buf_puts(&b, "</Bucket>");
    }
    buf_puts(&b, "</Buckets></ListAllMyBucketsResult>");
    free(bs);
    s3_send_xml(resp, 200, &b);
}

int s3_create_bucket_start(s3_req_t *r, http_response_t *resp)
{
    if (!s3_bucket_name_ok(r->t.bucket)) {
        s3_err(r, resp, S3E_INVALID_BUCKET_NAME);
        return 1;
    }
    return 0;
}

struct location_ctx {
    char region[32];
    int bad;
};

static int on_location(void *ctx, const char *path, const char *text, size_t n)
{
    struct location_ctx *lc = ctx;
    if (strcmp(path, "CreateBucketConfiguration/LocationConstraint") == 0) {
        if (n >= sizeof lc->region) {
            lc->bad = 1;
            return 1;
        }
        memcpy(lc->region, text, n);
        lc->region[n] = '\0';
    } else if (strchr(path, '/') == NULL && strcmp(path, "CreateBucketConfiguration") != 0) {
        return 1; /* some other document */
    }
    return 0;
}

void s3_create_bucket(s3_req_t *r, http_response_t *resp)
{
    struct location_ctx lc = {{0}, 0};
    if (r->body.len) {
        if (xmlin_parse(r->body.p, r->body.len, on_location, &lc) != 0) {
            s3_err(r, resp, lc.bad ? S3E_INVALID_LOCATION : S3E_MALFORMED_XML);
            return;
        }
    }
    /* us-east-1 is where a bucket without a constraint lives. */
    const char *region = strcmp(lc.region, "us-east-1") == 0 ? "" : lc.region;
    const char *me = s3_owner_caller(r);
    s3_new_bucket_acl_t nb;
    if (s3_acl_for_bucket(r, resp, &nb)) return;
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = r->srv->store->ops->bucket_create(r->srv->store, r->t.bucket, region, me);
        if (rc != STORE_EEXIST || !s3_owner_users_mode(r)) break;
        /* The name is taken: by you (answered as below), or by another user. */
        store_bucket_t b;
        rc = r->srv->store->ops->bucket_get(r->srv->store, r->t.bucket, &b);
        if (rc == STORE_OK && strcmp(b.owner, me) != 0) {
            free(nb.acl);
            s3_err(r, resp, S3E_BUCKET_ALREADY_EXISTS);
            return;
        }
        if (rc != STORE_ENOBUCKET || attempt == 3) break; /* else deleted meanwhile: again */
    }
    /* A new bucket gets its ACL, ownership and public access block (the
     * defaults, or what the request named); your existing one keeps its. */
    if (rc == STORE_OK) rc = s3_acl_bucket_created(r, &nb);
    if (rc == STORE_OK) rc = s3_lock_enable_new_bucket(r);
    free(nb.acl);
    if (rc && rc != STORE_EEXIST) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    /* Re-creating your own bucket answers 200, as S3 does in us-east-1. */
    char loc[80];
    snprintf(loc, sizeof loc, "/%s", r->t.bucket);
    http_resp_header(resp, "Location", loc);
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

static const char *bucket_region(const s3_req_t *r, const store_bucket_t *b)
{
    return b->region[0] ? b->region : r->srv->region;
}

void s3_head_bucket(s3_req_t *r, http_response_t *resp)
{
    store_bucket_t b;
    int rc = r->srv->store->ops->bucket_get(r->srv->store, r->t.bucket, &b);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_header(resp, "x-amz-bucket-region", bucket_region(r, &b));
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

void s3_delete_bucket(s3_req_t *r, http_response_t *resp)
{
    int rc = r->srv->store->ops->bucket_delete(r->srv->store, r->t.bucket);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 204);
    http_resp_ready(resp);
}

void s3_get_bucket_location(s3_req_t *r, http_response_t *resp)
{
    store_bucket_t b;
    int rc = r->srv->store->ops->bucket_get(r->srv->store, r->t.bucket, &b);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t x = BUF_INIT;
    buf_puts(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if (b.region[0]) {
        buf_puts(&x, "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        buf_xml(&x, b.region, strlen(b.region));
        buf_puts(&x, "</LocationConstraint>");
    } else {
        /* us-east-1 answers an empty constraint. */
        buf_puts(&x, "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>");
    }
    s3_send_xml(resp, 200, &x);
}
