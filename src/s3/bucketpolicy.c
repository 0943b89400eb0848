/* Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus.
 * A policy is validated by policy_parse (access/policy.c) and kept as the
 * bucket's "policy" configuration document exactly as sent, which is what
 * GetBucketPolicy returns. */
#include <stdlib.h>
#include <string.h>

#include "s3/access/access.h"
#include "s3/access/pab.h"
#include "s3/access/policy.h"
#include "s3/auth/users.h"
#include "s3/s3req.h"

#define CONF_NAME "policy"
/* S3's limit on a bucket policy, counted without the whitespace between
 * JSON tokens (S3 counts a normalized document). */
#define POLICY_MAX (20 * 1024)

static size_t compact_len(const char *s, size_t n)
{
    size_t len = 0;
    int in_str = 0, esc = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            len++;
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            len++;
            if (c == '"') in_str = 1;
        }
    }
    return len;
}

void s3_put_policy(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    /* x-amz-confirm-remove-self-bucket-access is accepted: the bucket owner
     * may always change the policy again, so no request can lock them out. */
    if (compact_len(r->body.p ? r->body.p : "", r->body.len) > POLICY_MAX) {
        s3_err(r, resp, S3E_POLICY_TOO_LARGE);
        return;
    }
    char msg[512];
    policy_t *p = policy_parse(r->body.p, r->body.len, r->t.bucket, msg, sizeof msg);
    if (!p) {
        s3_err_msg(r, resp, S3E_MALFORMED_POLICY, msg);
        return;
    }
    /* BlockPublicPolicy refuses a public policy (S3 answers AccessDenied). */
    store_t *st = r->srv->store;
    access_bucket_t ab;
    int blocked = 0;
    if (access_bucket_load(st, r->t.bucket, &ab) == STORE_OK && ab.has_pab) {
        const auth_user_t *owner = auth_users_find_id(r->srv->users, ab.b.owner);
        blocked = pab_blocks_public_policy(&ab.pab, p, owner ? owner->account_id : NULL);
    }
    policy_free(p);
    if (blocked) {
        s3_err(r, resp, S3E_ACCESS_DENIED);
        return;
    }
    int rc = st->ops->conf_put(st, r->t.bucket, CONF_NAME, r->body.p, r->body.len);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 204);
    http_resp_ready(resp);
}

void s3_get_policy(s3_req_t *r, http_response_t *resp)
{
    char *doc;
    size_t len;
    if (s3_conf_load(r, resp, CONF_NAME, S3E_NO_SUCH_BUCKET_POLICY, &doc, &len)) return;
    buf_t b = BUF_INIT;
    buf_append(&b, doc, len);
    free(doc);
    http_resp_header(resp, "Content-Type", "application/json");
    http_resp_body_buf(resp, &b);
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

void s3_delete_policy(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, CONF_NAME, 204);
}

void s3_get_policy_status(s3_req_t *r, http_response_t *resp)
{
    char *doc;
    size_t len;
    if (s3_conf_load(r, resp, CONF_NAME, S3E_NO_SUCH_BUCKET_POLICY, &doc, &len)) return;
    /* A stored policy was valid for this bucket when it was put. */
    policy_t *p = policy_parse(doc, len, r->t.bucket, NULL, 0);
    free(doc);
    int pub = policy_is_public(p, NULL);
    policy_free(p);
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "PolicyStatus");
    buf_puts(&b, pub ? "<IsPublic>true</IsPublic>" : "<IsPublic>false</IsPublic>");
    buf_puts(&b, "</PolicyStatus>");
    s3_send_xml(resp, 200, &b);
}
