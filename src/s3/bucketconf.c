/* What the Get and Delete handlers of the bucket configurations share.
 * CORS is in bucketcors.c, ACLs in aclreq.c, policies in bucketpolicy.c, tags
 * in tagging.c, lifecycle in bucketlifecycle.c, the other settings in their
 * own files (README). */
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
