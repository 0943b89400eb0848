/* Sub-resource answers for buckets that fakes3 keeps no state for yet:
 * tags (none), versioning (never enabled); CORS is in bucketcors.c, ACLs in
 * aclreq.c, policies in bucketpolicy.c, lifecycle in bucketlifecycle.c. Clients such as s3cmd info
 * ask for these and need S3's exact answers. */
#include <string.h>

#include <stdlib.h>

#include "s3/s3req.h"

int s3_conf_load(s3_req_t *r, http_response_t *resp, const char *name, s3_err_t none, char **doc,
                 size_t *len)
{
    store_t *st = r->srv->store;
    int rc = st->ops->conf_get(st, r->t.bucket, name, doc, len);
    if (rc == STORE_OK) return 0;
    s3_err(r, resp, rc == STORE_ENOCONF ? none : s3_err_from_store(rc));
    return -1;
}

void s3_conf_delete(s3_req_t *r, http_response_t *resp, const char *name, int status)
{
    store_t *st = r->srv->store;
    int rc = st->ops->conf_delete(st, r->t.bucket, name);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, status);
    http_resp_ready(resp);
}

/* Bucket tags are not stored yet: every bucket has none. */
void s3_get_bucket_tagging(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    s3_err(r, resp, S3E_NO_SUCH_TAG_SET);
}

void s3_get_request_payment(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "RequestPaymentConfiguration");
    buf_puts(&b, "<Payer>BucketOwner</Payer></RequestPaymentConfiguration>");
    s3_send_xml(resp, 200, &b);
}
