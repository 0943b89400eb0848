/* Bucket operations: ListBuckets (paged), CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/listparams.h"
#include "s3/owner.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

static const char *bucket_region(const s3_req_t *r, const store_bucket_t *b)
{
    return b->region[0] ? b->region : r->srv->region;
}

/* The Regions of botocore's endpoints (every partition), for bucket-region. */
static const char *const aws_regions[] = {
    "af-south-1",     "ap-east-1",      "ap-east-2",      "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",   "eu-north-1",
    "eu-south-1",     "eu-south-2",     "eu-west-1",      "eu-west-2",      "eu-west-3",
    "il-central-1",   "me-central-1",   "me-south-1",     "mx-central-1",   "sa-east-1",
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "cn-north-1",
    "cn-northwest-1", "us-gov-east-1",  "us-gov-west-1",  "us-iso-east-1",  "us-iso-west-1",
    "us-isob-east-1", "us-isob-west-1", "eu-isoe-west-1", "us-isof-east-1", "us-isof-south-1",
    "eusc-de-east-1",
};

/* A Region S3 would know, or one this server's buckets are in (fakes3 takes
 * any LocationConstraint, and --region names its own). */
static int region_known(const s3_req_t *r, const char *region, const store_bucket_t *bs, size_t n)
{
    for (size_t i = 0; i < sizeof aws_regions / sizeof *aws_regions; i++)
        if (strcmp(aws_regions[i], region) == 0) return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(bucket_region(r, &bs[i]), region) == 0) return 1;
    return strcmp(region, r->srv->region) == 0;
}

#define MAX_BUCKETS_PAGE 10000

/* ListBuckets. Paged here, not in the store: bucket_list hands over every
 * bucket of the owner in name order in one read, there are at most some
 * thousands (S3's default quota is 10,000), and the page, prefix and region
 * filters are S3's rules, not storage's. Tokens are listparams' ("fakes3:"
 * and the last name listed, base64). With any of max-buckets,
 * continuation-token, prefix or bucket-region each bucket also names its
 * Region and ARN (the API reference's Bucket: "If the request contains at
 * least one valid parameter, it is included in the response"; the ARN as
 * AWS answered in localstack's recorded TestS3ListBuckets). */
void s3_list_buckets(s3_req_t *r, http_response_t *resp)
{
    const char *max_s = s3_query_value(r, "max-buckets");
    const char *token = s3_query_value(r, "continuation-token");
    const char *prefix = s3_query_value(r, "prefix");
    const char *region = s3_query_value(r, "bucket-region");
    int extras = max_s || token || prefix || region;
    long max = MAX_BUCKETS_PAGE;
    if (max_s) {
        char *end;
        errno = 0;
        max = strtol(max_s, &end, 10);
        if (!*max_s || *end || errno || max < 1 || max > MAX_BUCKETS_PAGE) {
            s3_err_arg(r, resp, "Argument max-buckets must be an integer between 1 and 10000.",
                       "max-buckets", max_s);
            return;
        }
    }
    char *after = NULL;
    size_t after_len = 0;
    if (token && *token &&
        (listparams_token_decode(token, &after, &after_len) != 0 ||
         memchr(after, '\0', after_len))) {
        free(after);
        s3_err_arg(r, resp, "The continuation token provided is incorrect", "continuation-token",
                   token);
        return;
    }
    if (after) after[after_len] = '\0'; /* the decoder leaves room for it */
    store_bucket_t *bs;
    size_t n;
    /* A user sees its own buckets; in the open mode all are the one owner's. */
    const char *me = s3_owner_caller(r);
    int rc =
        r->srv->store->ops->bucket_list(r->srv->store, s3_owner_users_mode(r) ? me : NULL, &bs, &n);
    if (rc) {
        free(after);
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    if (region && !region_known(r, region, bs, n)) {
        char msg[160];
        snprintf(msg, sizeof msg, "Argument value %.100s is not a valid AWS Region", region);
        buf_t x = BUF_INIT;
        s3_xml_elem_s(&x, "ArgumentName", "bucket-region");
        s3_err_full(r, resp, S3E_INVALID_ARGUMENT, msg, x.p);
        buf_free(&x);
        free(after);
        free(bs);
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ListAllMyBucketsResult");
    buf_puts(&b, "<Owner>");
    s3_owner_xml(r, &b, me);
    buf_puts(&b, "</Owner>");
    buf_puts(&b, "<Buckets>");
    long listed = 0;
    const char *last = NULL;
    int more = 0;
    for (size_t i = 0; i < n; i++) {
        const store_bucket_t *bk = &bs[i];
        if (after && strcmp(bk->name, after) <= 0) continue;
        if (prefix && strncmp(bk->name, prefix, strlen(prefix)) != 0) continue;
        if (region && strcmp(bucket_region(r, bk), region) != 0) continue;
        if (listed == max) {
            more = 1;
            break;
        }
        char date[25];
        util_iso_date(bk->created_ms, date);
        buf_puts(&b, "<Bucket>");
        s3_xml_elem_s(&b, "Name", bk->name);
        s3_xml_elem_s(&b, "CreationDate", date);
        if (extras) {
            s3_xml_elem_s(&b, "BucketRegion", bucket_region(r, bk));
            buf_printf(&b, "<BucketArn>arn:aws:s3:::%s</BucketArn>", bk->name);
        }
        buf_puts(&b, "</Bucket>");
        last = bk->name;
        listed++;
    }
    buf_puts(&b, "</Buckets>");
    if (more) {
        char *next = listparams_token_encode(last, strlen(last));
        s3_xml_elem_s(&b, "ContinuationToken", next);
        free(next);
    }
    if (prefix) s3_xml_elem_s(&b, "Prefix", prefix);
    buf_puts(&b, "</ListAllMyBucketsResult>");
    free(after);
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
