/* Sub-resource answers for buckets and objects that fakes3 keeps no state
 * for yet: ACLs (always the owner's FULL_CONTROL) and tags
 * (none), versioning (never enabled); CORS is in bucketcors.c, policies in bucketpolicy.c. Clients
 * such as s3cmd info ask for these and need S3's exact answers. */
#include <string.h>

#include "s3/owner.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

/* The bucket, and the object when one is named, must exist; else answered.
 * owner (STORE_OWNER_MAX bytes, may be NULL) gets the target's owner. */
static int need_target(s3_req_t *r, http_response_t *resp, char *owner)
{
    int rc;
    if (!r->t.key) {
        store_bucket_t b;
        rc = r->srv->store->ops->bucket_get(r->srv->store, r->t.bucket, &b);
        if (rc == STORE_OK && owner) memcpy(owner, b.owner, STORE_OWNER_MAX);
    } else {
        store_obj_t o;
        rc = r->srv->store->ops->obj_get(r->srv->store, r->t.bucket, r->t.key, r->t.key_len, &o,
                                         NULL);
        if (rc == STORE_OK) {
            if (owner) memcpy(owner, o.owner, STORE_OWNER_MAX);
            store_obj_free(&o);
        }
    }
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    return 0;
}

void s3_get_acl(s3_req_t *r, http_response_t *resp)
{
    char owner[STORE_OWNER_MAX];
    if (need_target(r, resp, owner)) return;
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "AccessControlPolicy");
    buf_puts(&b, "<Owner>");
    s3_owner_xml(r, &b, owner);
    buf_puts(&b, "</Owner><AccessControlList><Grant>"
                 "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                 "xsi:type=\"CanonicalUser\">");
    s3_owner_xml(r, &b, owner);
    buf_puts(&b, "</Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"
                 "</AccessControlPolicy>");
    s3_send_xml(resp, 200, &b);
}

static int ignore_elem(void *ctx, const char *path, const char *text, size_t n)
{
    (void)ctx, (void)path, (void)text, (void)n;
    return 0;
}

void s3_put_acl(s3_req_t *r, http_response_t *resp)
{
    if (need_target(r, resp, NULL)) return;
    /* Accepted and not kept: every object stays the owner's. A body, when
     * sent, must still be an XML document. */
    if (r->body.len && xmlin_parse(r->body.p, r->body.len, ignore_elem, NULL) != 0) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return;
    }
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

/* Bucket tags are not stored yet: every bucket has none. */
void s3_get_bucket_tagging(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    s3_err(r, resp, S3E_NO_SUCH_TAG_SET);
}

void s3_get_versioning(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "VersioningConfiguration");
    buf_puts(&b, "</VersioningConfiguration>");
    s3_send_xml(resp, 200, &b);
}

void s3_get_request_payment(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "RequestPaymentConfiguration");
    buf_puts(&b, "<Payer>BucketOwner</Payer></RequestPaymentConfiguration>");
    s3_send_xml(resp, 200, &b);
}

void s3_get_lifecycle(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    s3_err(r, resp, S3E_NO_SUCH_LIFECYCLE);
}
