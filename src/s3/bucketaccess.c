/* A bucket's Object Ownership controls and public access block:
 * Put/Get/Delete of each, kept as bucket configurations ("ownership",
 * "pab"). Their meaning is in src/s3/access/ (ownership.h, pab.h). */
#include <stdlib.h>
#include <string.h>

#include "s3/access/access.h"
#include "s3/access/acl.h"
#include "s3/s3req.h"

static void ok(http_response_t *resp, int status)
{
    http_resp_status(resp, status);
    http_resp_ready(resp);
}

void s3_get_ownership(s3_req_t *r, http_response_t *resp)
{
    access_bucket_t ab;
    int rc = access_bucket_load(r->srv->store, r->t.bucket, &ab);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    if (!ab.has_ownership) {
        s3_err(r, resp, S3E_NO_OWNERSHIP_CONTROLS);
        return;
    }
    buf_t b = BUF_INIT;
    ownership_xml(ab.ownership, &b);
    s3_send_xml(resp, 200, &b);
}

void s3_put_ownership(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    access_bucket_t ab;
    int rc = access_bucket_load(st, r->t.bucket, &ab);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    ownership_t o;
    if (ownership_parse_xml(r->body.p ? r->body.p : "", r->body.len, &o)) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return;
    }
    if (o == OWNERSHIP_ENFORCED) {
        /* ACLs go off only when the bucket's grants nobody but its owner. */
        char *doc = NULL;
        size_t n;
        rc = st->ops->conf_get(st, r->t.bucket, "acl", &doc, &n);
        if (rc && rc != STORE_ENOCONF) {
            s3_err(r, resp, s3_err_from_store(rc));
            return;
        }
        acl_t a;
        acl_decode(&a, doc, ab.b.owner);
        free(doc);
        int only = acl_only_full_control(&a, ab.b.owner);
        acl_free(&a);
        if (!only) {
            s3_err(r, resp, S3E_INVALID_BUCKET_ACL_OWNERSHIP);
            return;
        }
    }
    const char *name = ownership_name(o);
    rc = st->ops->conf_put(st, r->t.bucket, "ownership", name, strlen(name));
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    ok(resp, 200);
}

void s3_delete_ownership(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, "ownership", 204);
}

void s3_get_pab(s3_req_t *r, http_response_t *resp)
{
    access_bucket_t ab;
    int rc = access_bucket_load(r->srv->store, r->t.bucket, &ab);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    if (!ab.has_pab) {
        s3_err(r, resp, S3E_NO_PUBLIC_ACCESS_BLOCK);
        return;
    }
    buf_t b = BUF_INIT;
    pab_xml(&ab.pab, &b);
    s3_send_xml(resp, 200, &b);
}

void s3_put_pab(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    pab_t p;
    if (pab_parse_xml(r->body.p ? r->body.p : "", r->body.len, &p)) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return;
    }
    buf_t b = BUF_INIT;
    pab_encode(&p, &b);
    int rc = r->srv->store->ops->conf_put(r->srv->store, r->t.bucket, "pab", b.p, b.len);
    buf_free(&b);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    ok(resp, 200);
}

void s3_delete_pab(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, "pab", 204);
}
