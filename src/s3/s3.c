/* The S3 front: addressing, the operation table, common headers, errors,
 * the access log. Handlers live in bucket.c, object.c and list.c; requests
 * of the website listener go to webserve.c. */
#include "s3/s3.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "lib/clock.h"
#include "lib/util.h"
#include "s3/accesslog_delivery.h"
#include "s3/auth/auth.h"
#include "s3/authorize.h"
#include "s3/confcache.h"
#include "s3/notify.h"
#include "s3/payload.h"
#include "s3/query.h"
#include "s3/s3req.h"
#include "s3/sse.h"

static const struct {
    const char *code;
    int status;
    const char *msg;
} err_table[S3E_COUNT] = {
    [S3E_NONE] = {"", 200, ""},
#define S3_ERR(e, code, status, msg) [S3E_##e] = {code, status, msg},
#include "s3/errors.def"
#undef S3_ERR
};

/* Sub-resources S3 knows. A request naming one that no row of the table
 * answers gets NotImplemented rather than a wrong answer. */
static const char *const subresources[] = {
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metadataTable",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "session",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versioning",
    "versions",
    "website",
    "renameObject",
    "abac",
};

static const s3_op_t ops[] = {
    {"GET", S3_SERVICE, NULL, "ListBuckets", "s3:ListAllMyBuckets", 0, NULL, NULL, s3_list_buckets},
    {"GET", S3_BUCKET, "location", "GetBucketLocation", "s3:GetBucketLocation", 0, NULL, NULL,
     s3_get_bucket_location},
    {"GET", S3_BUCKET, NULL, "ListObjects", "s3:ListBucket", 0, NULL, NULL, s3_list_objects},
    {"PUT", S3_BUCKET, NULL, "CreateBucket", "s3:CreateBucket", 0, s3_create_bucket_start, NULL,
     s3_create_bucket},
    {"HEAD", S3_BUCKET, NULL, "HeadBucket", "s3:ListBucket", 0, NULL, NULL, s3_head_bucket},
    {"DELETE", S3_BUCKET, NULL, "DeleteBucket", "s3:DeleteBucket", 0, NULL, NULL, s3_delete_bucket},
    {"PUT", S3_OBJECT, NULL, "PutObject", "s3:PutObject", 0, s3_put_object_start, s3_stream_body,
     s3_put_object},
    {"GET", S3_OBJECT, NULL, "GetObject", "s3:GetObject", 0, NULL, NULL, s3_get_object},
    {"HEAD", S3_OBJECT, NULL, "HeadObject", "s3:GetObject", 0, NULL, NULL, s3_get_object},
    {"GET", S3_OBJECT, "attributes", "GetObjectAttributes", "s3:GetObjectAttributes", 0, NULL, NULL,
     s3_get_object_attributes},
    {"DELETE", S3_OBJECT, NULL, "DeleteObject", "s3:DeleteObject", 0, NULL, NULL, s3_delete_object},
    {"POST", S3_BUCKET, "delete", "DeleteObjects", "s3:DeleteObject", 1, NULL, NULL,
     s3_delete_objects},
    {"POST", S3_BUCKET, NULL, "PostObject", "s3:PutObject", 1, s3_post_object_start,
     s3_post_object_body, s3_post_object},
    {"GET", S3_BUCKET, "acl", "GetBucketAcl", "s3:GetBucketAcl", 0, NULL, NULL, s3_get_acl},
    {"PUT", S3_BUCKET, "acl", "PutBucketAcl", "s3:PutBucketAcl", 0, NULL, NULL, s3_put_acl},
    {"GET", S3_OBJECT, "acl", "GetObjectAcl", "s3:GetObjectAcl", 0, NULL, NULL, s3_get_acl},
    {"PUT", S3_OBJECT, "acl", "PutObjectAcl", "s3:PutObjectAcl", 0, NULL, NULL, s3_put_acl},
    {"GET", S3_BUCKET, "policy", "GetBucketPolicy", "s3:GetBucketPolicy", 0, NULL, NULL,
     s3_get_policy},
    {"PUT", S3_BUCKET, "policy", "PutBucketPolicy", "s3:PutBucketPolicy", 0, NULL, NULL,
     s3_put_policy},
    {"DELETE", S3_BUCKET, "policy", "DeleteBucketPolicy", "s3:DeleteBucketPolicy", 0, NULL, NULL,
     s3_delete_policy},
    {"GET", S3_BUCKET, "policyStatus", "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", 0, NULL,
     NULL, s3_get_policy_status},
    {"GET", S3_BUCKET, "cors", "GetBucketCors", "s3:GetBucketCORS", 0, NULL, NULL, s3_get_cors},
    {"PUT", S3_BUCKET, "cors", "PutBucketCors", "s3:PutBucketCORS", 0, NULL, NULL, s3_put_cors},
    {"DELETE", S3_BUCKET, "cors", "DeleteBucketCors", "s3:PutBucketCORS", 0, NULL, NULL,
     s3_delete_cors},
    {"GET", S3_BUCKET, "encryption", "GetBucketEncryption", "s3:GetEncryptionConfiguration", 0,
     NULL, NULL, s3_get_encryption},
    {"PUT", S3_BUCKET, "encryption", "PutBucketEncryption", "s3:PutEncryptionConfiguration", 0,
     NULL, NULL, s3_put_encryption},
    {"DELETE", S3_BUCKET, "encryption", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration",
     0, NULL, NULL, s3_delete_encryption},
    {"GET", S3_BUCKET, "tagging", "GetBucketTagging", "s3:GetBucketTagging", 0, NULL, NULL,
     s3_get_bucket_tagging},
    {"PUT", S3_BUCKET, "tagging", "PutBucketTagging", "s3:PutBucketTagging", 0, NULL, NULL,
     s3_put_bucket_tagging},
    {"DELETE", S3_BUCKET, "tagging", "DeleteBucketTagging", "s3:PutBucketTagging", 0, NULL, NULL,
     s3_delete_bucket_tagging},
    /* authorized by its handler once the body is read: a policy may ask
     * about the tags it sets (s3:RequestObjectTag) */
    {"PUT", S3_OBJECT, "tagging", "PutObjectTagging", "s3:PutObjectTagging", 1, NULL, NULL,
     s3_put_object_tagging},
    {"GET", S3_OBJECT, "tagging", "GetObjectTagging", "s3:GetObjectTagging", 0, NULL, NULL,
     s3_get_object_tagging},
    {"DELETE", S3_OBJECT, "tagging", "DeleteObjectTagging", "s3:DeleteObjectTagging", 0, NULL, NULL,
     s3_delete_object_tagging},
    {"GET", S3_BUCKET, "versioning", "GetBucketVersioning", "s3:GetBucketVersioning", 0, NULL, NULL,
     s3_get_versioning},
    {"PUT", S3_BUCKET, "versioning", "PutBucketVersioning", "s3:PutBucketVersioning", 0, NULL, NULL,
     s3_put_versioning},
    {"GET", S3_BUCKET, "versions", "ListObjectVersions", "s3:ListBucketVersions", 0, NULL, NULL,
     s3_list_versions},
    {"POST", S3_OBJECT, "restore", "RestoreObject", "s3:RestoreObject", 0, NULL, NULL,
     s3_restore_object},
    {"GET", S3_OBJECT, "versions", "ListObjectVersions", "s3:ListBucketVersions", 0, NULL, NULL,
     s3_versions_of_key},
    {"GET", S3_BUCKET, "object-lock", "GetObjectLockConfiguration",
     "s3:GetBucketObjectLockConfiguration", 0, NULL, NULL, s3_get_lock_conf},
    {"PUT", S3_BUCKET, "object-lock", "PutObjectLockConfiguration",
     "s3:PutBucketObjectLockConfiguration", 0, NULL, NULL, s3_put_lock_conf},
    {"GET", S3_OBJECT, "retention", "GetObjectRetention", "s3:GetObjectRetention", 0, NULL, NULL,
     s3_get_retention},
    {"PUT", S3_OBJECT, "retention", "PutObjectRetention", "s3:PutObjectRetention", 0, NULL, NULL,
     s3_put_retention},
    {"GET", S3_OBJECT, "legal-hold", "GetObjectLegalHold", "s3:GetObjectLegalHold", 0, NULL, NULL,
     s3_get_legal_hold},
    {"PUT", S3_OBJECT, "legal-hold", "PutObjectLegalHold", "s3:PutObjectLegalHold", 0, NULL, NULL,
     s3_put_legal_hold},
    {"GET", S3_BUCKET, "requestPayment", "GetBucketRequestPayment", "s3:GetBucketRequestPayment", 0,
     NULL, NULL, s3_get_request_payment},
    {"GET", S3_BUCKET, "lifecycle", "GetBucketLifecycleConfiguration",
     "s3:GetLifecycleConfiguration", 0, NULL, NULL, s3_get_lifecycle},
    {"PUT", S3_BUCKET, "lifecycle", "PutBucketLifecycleConfiguration",
     "s3:PutLifecycleConfiguration", 0, NULL, NULL, s3_put_lifecycle},
    {"DELETE", S3_BUCKET, "lifecycle", "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", 0,
     NULL, NULL, s3_delete_lifecycle},
    {"GET", S3_BUCKET, "ownershipControls", "GetBucketOwnershipControls",
     "s3:GetBucketOwnershipControls", 0, NULL, NULL, s3_get_ownership},
    {"PUT", S3_BUCKET, "ownershipControls", "PutBucketOwnershipControls",
     "s3:PutBucketOwnershipControls", 0, NULL, NULL, s3_put_ownership},
    {"DELETE", S3_BUCKET, "ownershipControls", "DeleteBucketOwnershipControls",
     "s3:PutBucketOwnershipControls", 0, NULL, NULL, s3_delete_ownership},
    {"GET", S3_BUCKET, "publicAccessBlock", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock",
     0, NULL, NULL, s3_get_pab},
    {"PUT", S3_BUCKET, "publicAccessBlock", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock",
     0, NULL, NULL, s3_put_pab},
    {"DELETE", S3_BUCKET, "publicAccessBlock", "DeletePublicAccessBlock",
     "s3:PutBucketPublicAccessBlock", 0, NULL, NULL, s3_delete_pab},
    {"PUT", S3_BUCKET, "website", "PutBucketWebsite", "s3:PutBucketWebsite", 0, NULL, NULL,
     s3_put_website},
    {"GET", S3_BUCKET, "website", "GetBucketWebsite", "s3:GetBucketWebsite", 0, NULL, NULL,
     s3_get_website},
    {"DELETE", S3_BUCKET, "website", "DeleteBucketWebsite", "s3:DeleteBucketWebsite", 0, NULL, NULL,
     s3_delete_website},
    {"PUT", S3_BUCKET, "logging", "PutBucketLogging", "s3:PutBucketLogging", 0, NULL, NULL,
     s3_put_logging},
    {"GET", S3_BUCKET, "logging", "GetBucketLogging", "s3:GetBucketLogging", 0, NULL, NULL,
     s3_get_logging},
    {"PUT", S3_BUCKET, "notification", "PutBucketNotificationConfiguration",
     "s3:PutBucketNotification", 0, NULL, NULL, s3_put_notification},
    {"GET", S3_BUCKET, "notification", "GetBucketNotificationConfiguration",
     "s3:GetBucketNotification", 0, NULL, NULL, s3_get_notification},
    {"PUT", S3_BUCKET, "requestPayment", "PutBucketRequestPayment", "s3:PutBucketRequestPayment", 0,
     NULL, NULL, s3_put_request_payment},
    {"PUT", S3_BUCKET, "accelerate", "PutBucketAccelerateConfiguration",
     "s3:PutAccelerateConfiguration", 0, NULL, NULL, s3_put_accelerate},
    {"GET", S3_BUCKET, "accelerate", "GetBucketAccelerateConfiguration",
     "s3:GetAccelerateConfiguration", 0, NULL, NULL, s3_get_accelerate},
    {"PUT", S3_BUCKET, "replication", "PutBucketReplication", "s3:PutReplicationConfiguration", 0,
     NULL, NULL, s3_put_replication},
    {"GET", S3_BUCKET, "replication", "GetBucketReplication", "s3:GetReplicationConfiguration", 0,
     NULL, NULL, s3_get_replication},
    {"DELETE", S3_BUCKET, "replication", "DeleteBucketReplication",
     "s3:PutReplicationConfiguration", 0, NULL, NULL, s3_delete_replication},
    /* The GET rows of configurations kept by ?id= answer List...Configurations
     * too when no id is given (same action). */
    {"PUT", S3_BUCKET, "inventory", "PutBucketInventoryConfiguration",
     "s3:PutInventoryConfiguration", 0, NULL, NULL, s3_put_inventory},
    {"GET", S3_BUCKET, "inventory", "GetBucketInventoryConfiguration",
     "s3:GetInventoryConfiguration", 0, NULL, NULL, s3_get_inventory},
    {"DELETE", S3_BUCKET, "inventory", "DeleteBucketInventoryConfiguration",
     "s3:PutInventoryConfiguration", 0, NULL, NULL, s3_delete_inventory},
    {"PUT", S3_BUCKET, "analytics", "PutBucketAnalyticsConfiguration",
     "s3:PutAnalyticsConfiguration", 0, NULL, NULL, s3_put_analytics},
    {"GET", S3_BUCKET, "analytics", "GetBucketAnalyticsConfiguration",
     "s3:GetAnalyticsConfiguration", 0, NULL, NULL, s3_get_analytics},
    {"DELETE", S3_BUCKET, "analytics", "DeleteBucketAnalyticsConfiguration",
     "s3:PutAnalyticsConfiguration", 0, NULL, NULL, s3_delete_analytics},
    {"PUT", S3_BUCKET, "metrics", "PutBucketMetricsConfiguration", "s3:PutMetricsConfiguration", 0,
     NULL, NULL, s3_put_metrics},
    {"GET", S3_BUCKET, "metrics", "GetBucketMetricsConfiguration", "s3:GetMetricsConfiguration", 0,
     NULL, NULL, s3_get_metrics},
    {"DELETE", S3_BUCKET, "metrics", "DeleteBucketMetricsConfiguration",
     "s3:PutMetricsConfiguration", 0, NULL, NULL, s3_delete_metrics},
    {"PUT", S3_BUCKET, "intelligent-tiering", "PutBucketIntelligentTieringConfiguration",
     "s3:PutIntelligentTieringConfiguration", 0, NULL, NULL, s3_put_intelligent_tiering},
    {"GET", S3_BUCKET, "intelligent-tiering", "GetBucketIntelligentTieringConfiguration",
     "s3:GetIntelligentTieringConfiguration", 0, NULL, NULL, s3_get_intelligent_tiering},
    {"DELETE", S3_BUCKET, "intelligent-tiering", "DeleteBucketIntelligentTieringConfiguration",
     "s3:PutIntelligentTieringConfiguration", 0, NULL, NULL, s3_delete_intelligent_tiering},
    {"POST", S3_OBJECT, "uploads", "CreateMultipartUpload", "s3:PutObject", 0, NULL, NULL,
     s3_mpu_create},
    {"PUT", S3_OBJECT, "uploadId", "UploadPart", "s3:PutObject", 0, s3_mpu_part_start,
     s3_stream_body, s3_mpu_part},
    {"POST", S3_OBJECT, "uploadId", "CompleteMultipartUpload", "s3:PutObject", 0, NULL, NULL,
     s3_mpu_complete},
    {"DELETE", S3_OBJECT, "uploadId", "AbortMultipartUpload", "s3:AbortMultipartUpload", 0, NULL,
     NULL, s3_mpu_abort},
    {"GET", S3_OBJECT, "uploadId", "ListParts", "s3:ListMultipartUploadParts", 0, NULL, NULL,
     s3_mpu_list_parts},
    {"GET", S3_BUCKET, "uploads", "ListMultipartUploads", "s3:ListBucketMultipartUploads", 0, NULL,
     NULL, s3_mpu_list_uploads},
};

/* A request naming a version is judged as the action's *Version form, as
 * S3 does (s3:GetObjectVersion...). */
static const char *version_action(const char *action, const char *vid)
{
    static const char *const pairs[][2] = {
        {"s3:GetObject", "s3:GetObjectVersion"},
        {"s3:DeleteObject", "s3:DeleteObjectVersion"},
        {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
        {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
        {"s3:GetObjectTagging", "s3:GetObjectVersionTagging"},
        {"s3:PutObjectTagging", "s3:PutObjectVersionTagging"},
        {"s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"},
        {"s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"},
    };
    if (!vid) return action;
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        if (strcmp(action, pairs[i][0]) == 0) return pairs[i][1];
    return action;
}

void s3_version_headers(http_response_t *resp, const char *vid, int dm)
{
    if (vid && *vid) http_resp_header(resp, "x-amz-version-id", vid);
    if (dm) http_resp_header(resp, "x-amz-delete-marker", "true");
}

void s3_version_written(http_response_t *resp, const char *vid)
{
    if (vid && *vid && strcmp(vid, "null") != 0) http_resp_header(resp, "x-amz-version-id", vid);
}

void s3_err_obj(s3_req_t *r, http_response_t *resp, int rc, const store_obj_t *o)
{
    if ((rc == STORE_ENOKEY || rc == STORE_EMARKER) && o && o->dm) {
        /* A delete marker answers with what it is. */
        s3_version_headers(resp, o->vid, 1);
        if (rc == STORE_EMARKER) {
            char date[30];
            util_http_date(o->mtime_ms, date);
            http_resp_header(resp, "Last-Modified", date);
            http_resp_header(resp, "Allow", "DELETE");
        }
    }
    s3_err(r, resp, s3_err_from_store(rc));
}

const s3_op_t *s3_ops(size_t *n)
{
    *n = sizeof ops / sizeof *ops;
    return ops;
}

/* ---- errors ---- */

int s3_err_status(s3_err_t e)
{
    return err_table[e].status;
}

const char *s3_err_code(s3_err_t e)
{
    return err_table[e].code;
}

const char *s3_err_message(s3_err_t e)
{
    return err_table[e].msg;
}

int s3_err_known(const char *code, int *status, const char **msg)
{
    for (int e = 1; e < S3E_COUNT; e++)
        if (e != S3E_SLOW_DOWN_NO_FILES && strcmp(err_table[e].code, code) == 0) {
            *status = err_table[e].status;
            *msg = err_table[e].msg;
            return 1;
        }
    return 0;
}

s3_err_t s3_err_from_store(int rc)
{
    switch (rc) {
    case STORE_ENOBUCKET: return S3E_NO_SUCH_BUCKET;
    case STORE_ENOKEY: return S3E_NO_SUCH_KEY;
    case STORE_EEXIST: return S3E_BUCKET_ALREADY_OWNED;
    case STORE_ENOTEMPTY: return S3E_BUCKET_NOT_EMPTY;
    case STORE_ETOOBIG: return S3E_ENTITY_TOO_LARGE;
    case STORE_EPRECOND: return S3E_PRECONDITION_FAILED;
    case STORE_ENOSPC: return S3E_INSUFFICIENT_STORAGE;
    case STORE_EMFILE: return S3E_SLOW_DOWN_NO_FILES;
    case STORE_ENOVERSION: return S3E_NO_SUCH_VERSION;
    case STORE_EBADVERSION: return S3E_INVALID_VERSION_ID;
    case STORE_EMARKER: return S3E_METHOD_NOT_ALLOWED;
    default: return S3E_INTERNAL_ERROR;
    }
}

void s3_err_msg(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg)
{
    s3_err_full(r, resp, e, msg, NULL);
}

void s3_err_arg(s3_req_t *r, http_response_t *resp, const char *msg, const char *name,
                const char *value)
{
    buf_t x = BUF_INIT;
    s3_xml_elem_s(&x, "ArgumentName", name);
    s3_xml_elem_s(&x, "ArgumentValue", value);
    s3_err_full(r, resp, S3E_INVALID_ARGUMENT, msg, x.p);
    buf_free(&x);
}

void s3_err_doc(const s3_req_t *r, buf_t *b, s3_err_t e, const char *msg, const char *extra)
{
    buf_puts(b, "<Error>");
    s3_xml_elem_s(b, "Code", err_table[e].code);
    s3_xml_elem_s(b, "Message", msg ? msg : err_table[e].msg);
    if ((e == S3E_NO_SUCH_KEY || e == S3E_NO_SUCH_VERSION) && r->t.key)
        s3_xml_elem(b, "Key", r->t.key, r->t.key_len);
    if (e == S3E_NO_SUCH_VERSION && r->vid) s3_xml_elem_s(b, "VersionId", r->vid);
    if (e == S3E_INVALID_VERSION_ID && r->vid) {
        s3_xml_elem_s(b, "ArgumentName", "versionId");
        s3_xml_elem_s(b, "ArgumentValue", r->vid);
    }
    if (r->t.bucket &&
        (e == S3E_NO_SUCH_BUCKET || e == S3E_BUCKET_NOT_EMPTY || e == S3E_INVALID_BUCKET_NAME ||
         e == S3E_BUCKET_ALREADY_OWNED || e == S3E_BUCKET_ALREADY_EXISTS ||
         e == S3E_NO_SUCH_BUCKET_POLICY || e == S3E_NO_SUCH_CORS || e == S3E_NO_SUCH_TAG_SET ||
         e == S3E_NO_SUCH_LIFECYCLE))
        s3_xml_elem_s(b, "BucketName", r->t.bucket);
    if (e == S3E_METHOD_NOT_ALLOWED) {
        s3_xml_elem_s(b, "Method", r->method);
        s3_xml_elem_s(b, "ResourceType", r->t.key ? "OBJECT" : r->t.bucket ? "BUCKET" : "SERVICE");
    }
    if (extra) buf_puts(b, extra);
    const char *target = http_req_target(r->http);
    s3_xml_elem(b, "Resource", target, strcspn(target, "?"));
    s3_xml_elem_s(b, "RequestId", r->reqid);
    s3_xml_elem_s(b, "HostId", r->hostid);
    buf_puts(b, "</Error>");
}

void s3_err_full(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg, const char *extra)
{
    int status = err_table[e].status;
    r->err = e;
    if (r->web && status != 304) {
        /* The website endpoint answers in HTML, or with its error document. */
        s3_web_error(r, resp, e, msg);
        return;
    }
    http_resp_status(resp, status);
    if (status == 304 || strcmp(r->method, "HEAD") == 0) {
        http_resp_ready(resp);
        return;
    }
    buf_t b = BUF_INIT;
    buf_puts(&b, S3_XML_DECL);
    s3_err_doc(r, &b, e, msg, extra);
    http_resp_header(resp, "Content-Type", "application/xml");
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}

void s3_err(s3_req_t *r, http_response_t *resp, s3_err_t e)
{
    s3_err_msg(r, resp, e, NULL);
}

/* ---- XML ---- */

void s3_xml_open(buf_t *b, const char *root)
{
    buf_printf(b, "<%s xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">", root);
}

void s3_xml_begin(buf_t *b, const char *root)
{
    buf_puts(b, S3_XML_DECL);
    s3_xml_open(b, root);
}

void s3_xml_elem(buf_t *b, const char *name, const char *text, size_t n)
{
    buf_printf(b, "<%s>", name);
    buf_xml(b, text, n);
    buf_printf(b, "</%s>", name);
}

void s3_xml_elem_s(buf_t *b, const char *name, const char *text)
{
    s3_xml_elem(b, name, text, strlen(text));
}

void s3_xml_elem_url(buf_t *b, const char *name, const char *s, size_t n, int url)
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

void s3_send_xml(http_response_t *resp, int status, buf_t *b)
{
    http_resp_status(resp, status);
    http_resp_header(resp, "Content-Type", "application/xml");
    http_resp_body_buf(resp, b);
    http_resp_ready(resp);
}

/* ---- query ---- */

const s3_qparam_t *s3_query(const s3_req_t *r, const char *name)
{
    for (size_t i = 0; i < r->nq; i++)
        if (strcmp(r->q[i].name, name) == 0) return &r->q[i];
    return NULL;
}

const char *s3_query_value(const s3_req_t *r, const char *name)
{
    const s3_qparam_t *p = s3_query(r, name);
    return p ? p->value : NULL;
}

void s3_req_auth(const s3_req_t *r, const char **sigv, const char **type)
{
    *sigv = *type = NULL;
    const char *a = http_req_header(r->http, "Authorization");
    if (a) {
        *sigv = strncmp(a, "AWS4-", 5) == 0 ? "SigV4" : strncmp(a, "AWS ", 4) == 0 ? "SigV2" : NULL;
        if (*sigv) *type = "AuthHeader";
        return;
    }
    for (size_t i = 0; i < r->nq; i++) {
        if (strcmp(r->q[i].name, "X-Amz-Signature") == 0) *sigv = "SigV4";
        if (strcmp(r->q[i].name, "Signature") == 0 && !*sigv) *sigv = "SigV2";
    }
    if (*sigv) *type = "QueryString";
}

/* ---- buckets ---- */

int s3_bucket_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 63) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return 0;
    }
    if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[n - 1])) return 0;
    if (strstr(name, "..") || strstr(name, ".-") || strstr(name, "-.")) return 0;
    struct in_addr a;
    if (inet_pton(AF_INET, name, &a) == 1) return 0;
    if (strncmp(name, "xn--", 4) == 0 || strncmp(name, "sthree-", 7) == 0) return 0;
    if (n > 8 && strcmp(name + n - 8, "-s3alias") == 0) return 0;
    if (n > 7 && strcmp(name + n - 7, "--ol-s3") == 0) return 0;
    return 1;
}

int s3_need_bucket(s3_req_t *r, http_response_t *resp)
{
    int rc = r->srv->store->ops->bucket_get(r->srv->store, r->t.bucket, NULL);
    if (rc == STORE_OK) return 0;
    s3_err(r, resp, s3_err_from_store(rc));
    return -1;
}

/* ---- authentication ---- */

/* Chunk signatures, from payload's hook to auth's verifier. */
static void v_data(void *ctx, const char *p, size_t n)
{
    sigv4_stream_data(ctx, p, n);
}
static int v_chunk(void *ctx, const char *sig, size_t siglen)
{
    return sigv4_stream_chunk(ctx, sig, siglen);
}
static int v_trailer(void *ctx, const char *name, size_t nl, const char *v, size_t vl)
{
    return sigv4_stream_trailer(ctx, name, nl, v, vl);
}
static int v_finish(void *ctx)
{
    return sigv4_stream_finish(ctx);
}
static const s3_payload_verify_t stream_verify = {v_data, v_chunk, v_trailer, v_finish};

typedef struct hdr_list {
    authreq_hdr_t *v;
    size_t n;
} hdr_list_t;

static int collect_header(void *ctx, const char *name, const char *value)
{
    hdr_list_t *l = ctx;
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = (authreq_hdr_t){name, value ? value : ""};
    return 0;
}

/* Check r's signature into res (freed with auth_result_free), its date and
 * expiry against now_ms. */
static void auth_run(s3_req_t *r, auth_result_t *res, int64_t now_ms)
{
    hdr_list_t h = {0};
    http_req_each_header(r->http, collect_header, &h);
    authreq_t areq = {r->method, http_req_target(r->http), h.v, h.n};
    auth_check(r->srv->users, r->srv->region, &areq, r->t.vhost ? r->t.bucket : NULL, now_ms, res);
    free(h.v);
}

/* Who sent r: sets r->user (and the chunk verifier), or answers the error. */
static int authenticate(s3_req_t *r, http_response_t *resp)
{
    auth_result_t res;
    auth_run(r, &res, util_now_ms());
    int rc = 0;
    if (res.kind == AUTH_ERROR) {
        s3_err_full(r, resp, res.err, res.msg, res.extra.p);
        rc = -1;
    } else {
        r->user = res.user;
        if (res.stream) {
            r->verify = &stream_verify;
            r->verify_ctx = res.stream;
            res.stream = NULL;
        }
    }
    auth_result_free(&res);
    return rc;
}

/* ---- the http handler ---- */

static int is_subresource(const char *name)
{
    for (size_t i = 0; i < sizeof subresources / sizeof *subresources; i++)
        if (strcmp(subresources[i], name) == 0) return 1;
    return 0;
}

/* POST on a bucket without a sub-resource: PostObject. */
static int is_post_object(const s3_req_t *r)
{
    if (strcmp(r->method, "POST") != 0 || !r->t.bucket || r->t.key) return 0;
    for (size_t i = 0; i < r->nq; i++)
        if (is_subresource(r->q[i].name)) return 0;
    return 1;
}

static const s3_op_t *route(s3_req_t *r, s3_err_t *err)
{
    int level = r->t.key ? S3_OBJECT : r->t.bucket ? S3_BUCKET : S3_SERVICE;
    const char *sub = NULL;
    for (size_t i = 0; i < r->nq && !sub; i++)
        if (is_subresource(r->q[i].name)) sub = r->q[i].name;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        const s3_op_t *op = &ops[i];
        if (strcmp(op->method, r->method) != 0) continue;
        if (op->level != level) continue;
        if (sub ? (op->sub && strcmp(op->sub, sub) == 0) : op->sub == NULL) return op;
    }
    static const char *const methods[] = {"GET", "HEAD", "PUT", "POST", "DELETE"};
    int s3_method = 0;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (strcmp(methods[i], r->method) == 0) s3_method = 1;
    if (!s3_method)
        *err = S3E_METHOD_NOT_ALLOWED;
    else if (sub)
        *err = S3E_NOT_IMPLEMENTED;
    else if (level == S3_SERVICE)
        *err = S3E_METHOD_NOT_ALLOWED;
    else
        *err = S3E_METHOD_NOT_ALLOWED;
    return NULL;
}

/* Buffer a whole (XML) body, up to S3_MAX_XML_BODY. */
static int sink_body(void *ctx, const char *p, size_t n)
{
    s3_req_t *r = ctx;
    if (r->body.len + n > S3_MAX_XML_BODY)
        r->body_overflow = 1;
    else
        buf_append(&r->body, p, n);
    return 0;
}

static void on_queue(void *ctx, const http_response_t *resp);

/* A request's context with the headers every answer carries. */
static s3_req_t *req_new(s3_server_t *srv, http_request_t *http, http_response_t *resp)
{
    s3_req_t *r = xcalloc(1, sizeof *r);
    r->srv = srv;
    r->http = http;
    r->method = http_req_method(http);
    /* Request ids need to be unique, not secret: a per-thread generator
     * seeded once from the kernel saves a system call per request. */
    uint64_t id[3] = {util_fast_random(), util_fast_random(), util_fast_random()};
    snprintf(r->reqid, sizeof r->reqid, "%016llX", (unsigned long long)id[0]);
    util_base64((const unsigned char *)&id[1], 16, r->hostid);
    http_resp_header(resp, "x-amz-request-id", r->reqid);
    http_resp_header(resp, "x-amz-id-2", r->hostid);
    http_resp_header(resp, "Server", "fakes3");
    if (srv->hooks && srv->hooks->answered) http_resp_on_queue(resp, on_queue, r);
    return r;
}

/* The http layer refused the head: answer with S3's error document. */
static void *on_reject(void *app, http_request_t *http, http_reject_t why, http_response_t *resp)
{
    s3_req_t *r = req_new(app, http, resp);
    if (http_req_listener(http) == S3_LISTENER_WEBSITE) s3_web_init(r);
    switch (why) {
    case HTTP_REJECT_HEAD_TOO_LARGE:
        /* S3 names too much user metadata first: 300 x-amz-meta-* headers
         * signed with SigV4 pass 8 KiB with their SignedHeaders list, and S3
         * answers MetadataTooLarge for them (third-party conformance tests). */
        if (s3_meta_checks(r, resp)) break;
        s3_err_full(r, resp, S3E_HEADER_SECTION_TOO_LARGE, NULL,
                    "<MaxSizeAllowed>" S3_MAX_HEAD_STR "</MaxSizeAllowed>");
        break;
    case HTTP_REJECT_TE_UNSUPPORTED:
        s3_err_full(r, resp, S3E_NOT_IMPLEMENTED, NULL, "<Header>Transfer-Encoding</Header>");
        break;
    case HTTP_REJECT_BUSY: s3_err(r, resp, S3E_SLOW_DOWN); break;
    default: s3_err(r, resp, S3E_BAD_REQUEST); break;
    }
    return r;
}

/* ---- the control namespace and faults ---- */

/* "/_fakes3" or "/_fakes3/...", whatever the host: no bucket name starts
 * with '_', so this never shadows a bucket. */
static int is_control_target(const char *target)
{
    return strncmp(target, "/_fakes3", 8) == 0 &&
           (target[8] == '\0' || target[8] == '/' || target[8] == '?');
}

/* Answer a control call's failure to authenticate, in JSON as every control answer. */
static void control_error(http_response_t *resp, int status, const char *code, const char *msg)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "{\"error\": \"%s\", \"message\": \"%s\"}\n", code, msg);
    http_resp_status(resp, status);
    http_resp_header(resp, "Content-Type", "application/json");
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}

/* Refuse a control call for its credentials: counted, then answered. */
static void control_refuse(s3_req_t *r, http_response_t *resp, int status, const char *code,
                           const char *msg)
{
    const s3_hooks_t *h = r->srv->hooks;
    if (h->control_refused) h->control_refused(h->ctx, code);
    control_error(resp, status, code, msg);
}

/* Whether the request carries no credentials at all: no Authorization
 * header and no presigned query (SigV4 or SigV2). */
static int no_credentials(const s3_req_t *r)
{
    if (http_req_header(r->http, "Authorization")) return 0;
    const char *q = strchr(http_req_target(r->http), '?');
    return !q || (!strstr(q, "X-Amz-Credential=") && !strstr(q, "AWSAccessKeyId="));
}

/* A call that also takes HTTP Basic authentication (the metrics, for
 * scrapers that cannot sign): 1 when it was answered (refused), 0 when it
 * may go on, -1 when the request is for the signature checks. */
static int control_basic(s3_req_t *r, http_response_t *resp)
{
    const char *authz = http_req_header(r->http, "Authorization");
    if (authz && strncasecmp(authz, "Basic ", 6) == 0) {
        const auth_user_t *u = auth_users_basic(r->srv->users, authz + 6);
        if (!u || !u->admin) {
            control_refuse(r, resp, 403, "AccessDenied",
                           "Basic authentication needs an admin user's access key and secret");
            return 1;
        }
        r->user = u;
        return 0;
    }
    if (no_credentials(r)) {
        /* A challenge, so that a browser or scraper knows to send some. */
        http_resp_header(resp, "WWW-Authenticate", "Basic realm=\"fakes3\"");
        control_refuse(r, resp, 401, "Unauthorized",
                       "this control call needs an admin's signature or Basic credentials");
        return 1;
    }
    return -1;
}

/* A control call's head: with users configured, everything but what the
 * hooks exempt (health) needs an admin's valid signature (or, for the calls
 * the hooks say, an admin's Basic credentials). */
static void control_begin(s3_req_t *r, http_response_t *resp)
{
    r->ctl = 1;
    const char *target = http_req_target(r->http);
    size_t plen = strcspn(target, "?");
    size_t dlen;
    char *path = util_urldec(target + 8, plen - 8, 0, &dlen);
    if (!path || strlen(path) != dlen) {
        free(path);
        control_error(resp, 400, "InvalidURI", "the path is not well percent-encoded");
        return;
    }
    r->ctl_path = path;
    const s3_hooks_t *h = r->srv->hooks;
    /* Probes and scrapers call these every few seconds: not in the access log. */
    r->ctl_quiet = strcmp(path, "/health") == 0 || strcmp(path, "/metrics") == 0;
    int need = !(r->srv->users && r->srv->users->n) ? 0
               : h->control_needs_admin ? h->control_needs_admin(h->ctx, r->method, path)
                                        : S3_CTL_ADMIN;
    if (need == S3_CTL_ADMIN_OR_BASIC && control_basic(r, resp) >= 0) return;
    if (need) {
        /* The signature covers the path as sent; no bucket is addressed. */
        /* Judged by real time, not the server's clock: a suite that moved
         * the clock a month on (and so fails its own S3 requests with
         * RequestTimeTooSkewed) can still sign the call that moves it back. */
        auth_result_t res;
        auth_run(r, &res, clock_real_ms());
        r->user = res.kind == AUTH_ERROR ? NULL : res.user;
        if (res.kind == AUTH_ERROR) {
            control_refuse(r, resp, s3_err_status(res.err), s3_err_code(res.err),
                           "a control call needs a valid signature of an admin user");
            auth_result_free(&res);
            return;
        }
        auth_result_free(&res);
        if (!r->user || !r->user->admin) {
            control_refuse(r, resp, 403, "AccessDenied",
                           "a control call needs the signature of an admin user");
            return;
        }
    }
}

static void control_end(s3_req_t *r, http_response_t *resp)
{
    if (r->body_overflow) {
        control_error(resp, 413, "TooLarge", "a control call's body is at most 1 MiB");
        return;
    }
    const char *target = http_req_target(r->http);
    const char *q = strchr(target, '?');
    buf_putc(&r->body, 0);
    s3_ctl_req_t c = {
        .http = r->http,
        .method = r->method,
        .path = r->ctl_path,
        .query = q ? q + 1 : "",
        .body = r->body.p,
        .body_len = r->body.len - 1,
        .access_key = r->user ? r->user->access_key : NULL,
    };
    const s3_hooks_t *h = r->srv->hooks;
    h->control(h->ctx, &c, resp);
}

/* The operation's name as the API reference has it: one row of the table
 * serves ListObjects and ListObjectsV2. */
static const char *op_name(const s3_req_t *r)
{
    if (!r->op) return NULL;
    const char *lt;
    if (r->op->finish == s3_list_objects && (lt = s3_query_value(r, "list-type")) &&
        strcmp(lt, "2") == 0)
        return "ListObjectsV2";
    return r->op->name;
}

static void req_info(const s3_req_t *r, s3_req_info_t *i)
{
    *i = (s3_req_info_t){
        .http = r->http,
        .reqid = r->reqid,
        .op = op_name(r),
        .bucket = r->t.bucket,
        .key = r->t.key,
        .key_len = r->t.key_len,
        .vid = r->vid,
        .vhost = r->t.vhost,
        .access_key = r->user ? r->user->access_key : NULL,
        .auth = r->why,
    };
}

/* What record (and answered) are told of an exchange. */
static void done_info(const s3_req_t *r, const http_response_t *resp, s3_req_info_t *i)
{
    req_info(r, i);
    i->resp = resp;
    i->error = r->fault ? r->fault->code : r->err ? s3_err_code(r->err) : NULL;
    i->body_bytes = r->received;
    i->turn_us = r->turn_us;
    i->slot = r->hook_slot;
}

/* The answer goes out: the hooks see the exchange before its client does. */
static void on_queue(void *ctx, const http_response_t *resp)
{
    s3_req_t *r = ctx;
    if (r->ctl) return;
    s3_req_info_t info;
    done_info(r, resp, &info);
    const s3_hooks_t *h = r->srv->hooks;
    h->answered(h->ctx, &info, &r->hook_slot);
}

static void answer_fault(s3_req_t *r, http_response_t *resp);

/* Ask the fault rules about a routed request; 1 when one answered or will. */
static int apply_fault(s3_req_t *r, http_response_t *resp)
{
    s3_req_info_t info;
    req_info(r, &info);
    s3_fault_answer_t a = {0};
    const s3_hooks_t *h = r->srv->hooks;
    if (!h->fault(h->ctx, &info, resp, &a) && !http_resp_is_aborted(resp))
        return http_resp_is_ready(resp);
    if (http_resp_is_aborted(resp)) {
        /* A reset before the head: the operation never runs either, so the
         * client's failed request changed nothing. The journal shows status
         * 0 (no answer) and this pseudo-code. */
        a = (s3_fault_answer_t){.code = "ConnectionReset"};
    }
    r->fault = xmalloc(sizeof *r->fault);
    *r->fault = a;
    /* A body is read (and dropped) before the answer, as S3 reads one
     * before a 503: a client still sending must see the answer, not a reset. */
    if (!http_req_has_body(r->http)) answer_fault(r, resp);
    return 1;
}

/* A fault rule's error: S3's error document with the rule's code and status. */
static void answer_fault(s3_req_t *r, http_response_t *resp)
{
    const s3_fault_answer_t *a = r->fault;
    if (http_resp_is_aborted(resp)) {
        http_resp_ready(resp); /* the adapter closes the connection instead */
        return;
    }
    const char *msg = a->message;
    int known_status;
    if (!*msg && !s3_err_known(a->code, &known_status, &msg))
        msg = "Injected by a fakes3 fault rule.";
    http_resp_status(resp, a->status);
    if (strcmp(r->method, "HEAD") == 0) {
        http_resp_ready(resp);
        return;
    }
    buf_t b = BUF_INIT;
    buf_puts(&b, S3_XML_DECL "<Error>");
    s3_xml_elem_s(&b, "Code", a->code);
    s3_xml_elem_s(&b, "Message", msg);
    const char *target = http_req_target(r->http);
    s3_xml_elem(&b, "Resource", target, strcspn(target, "?"));
    s3_xml_elem_s(&b, "RequestId", r->reqid);
    s3_xml_elem_s(&b, "HostId", r->hostid);
    buf_puts(&b, "</Error>");
    http_resp_header(resp, "Content-Type", "application/xml");
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}

static void *on_begin(void *app, http_request_t *http, http_response_t *resp)
{
    s3_server_t *srv = app;
    s3_req_t *r = req_new(srv, http, resp);
    if (http_req_listener(http) == S3_LISTENER_WEBSITE) {
        /* A website endpoint: its own addressing, anonymous, HTML errors;
         * answered whole here. */
        s3_web_begin(r, resp);
        assert(http_resp_is_ready(resp));
        return r;
    }

    if (srv->hooks && is_control_target(http_req_target(http))) {
        control_begin(r, resp);
        return r;
    }
    const char *host = http_req_header(http, "Host");
    int bad_target = addr_parse(http_req_target(http), host, (const char *const *)srv->bases,
                                srv->nbase, &r->t) != 0 ||
                     query_parse(r->t.query, &r->q, &r->nq) != 0;
    /* CORS: the bucket's rules, else fake-s3's flags. A preflight is
     * answered here, before anything else (no signature is asked of it). */
    if (strcmp(r->method, "OPTIONS") == 0) {
        s3_cors_preflight(r, resp, bad_target);
        return r;
    }
    s3_cors_actual(r, resp, bad_target);
    if (bad_target) {
        s3_err(r, resp, S3E_INVALID_URI);
        return r;
    }
    /* A browser POST upload carries its credentials in the form, checked
     * by its handler against the policy it signs. */
    if (!is_post_object(r) && authenticate(r, resp)) return r;
    if (r->t.key && r->t.key_len > S3_MAX_KEY) {
        s3_err(r, resp, S3E_KEY_TOO_LONG);
        return r;
    }
    if (r->t.key && !util_utf8_valid(r->t.key, r->t.key_len)) {
        /* Listings are XML: a key that is not UTF-8 could never be listed. */
        s3_err_msg(r, resp, S3E_INVALID_URI, "Object key is not valid UTF-8.");
        return r;
    }
    s3_err_t e = S3E_NONE;
    r->op = route(r, &e);
    if (!r->op) {
        s3_err(r, resp, e);
        return r;
    }
    r->vid = r->t.key ? s3_query_value(r, "versionId") : NULL;
    if (r->vid && !*r->vid) {
        s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, "Version id cannot be the empty string");
        return r;
    }
    if (srv->hooks && srv->hooks->fault && apply_fault(r, resp)) return r;
    if (r->t.bucket && !s3_bucket_name_ok(r->t.bucket) &&
        !(r->op->start == s3_create_bucket_start || r->op->start == s3_put_object_start)) {
        /* No bucket of that name can exist. */
        s3_err(r, resp, S3E_NO_SUCH_BUCKET);
        return r;
    }
    /* Authorization, before the handler sees anything (the open mode
     * allows all). */
    if (!r->op->per_key && s3_authorize(r, resp, version_action(r->op->action, r->vid), r->t.bucket,
                                        r->t.key, r->t.key_len))
        return r;
    if (r->op->start && r->op->start(r, resp)) return r;
    if (!r->op->body && http_req_has_body(http)) {
        /* A body the handler reads whole (XML): framing removed and
         * Content-MD5, checksums and x-amz-content-sha256 checked as for
         * object data. */
        r->payload = xmalloc(sizeof *r->payload);
        /* On CompleteMultipartUpload (and CreateMultipartUpload's algorithm
         * header) checksum headers describe the object, not this XML. */
        int flags = r->op->finish == s3_mpu_complete || r->op->finish == s3_mpu_create
                        ? S3_PAYLOAD_CK_OF_OBJECT
                        : 0;
        e = s3_payload_init(r->payload, r, sink_body, r, flags);
        if (e) s3_err(r, resp, e);
    }
    return r;
}

/* A body that will not be published goes before the answer does: once the
 * client has its error, nothing of the refused body is left in tmp/. */
static void drop_put(s3_req_t *r)
{
    if (!r->put) return;
    r->srv->store->ops->put_abort(r->put);
    r->put = NULL;
}

static int on_body(void *rctx, const char *data, size_t n, http_response_t *resp)
{
    s3_req_t *r = rctx;
    r->received += n;
    const s3_hooks_t *h = r->srv->hooks;
    if (h && h->body && !r->ctl) h->body(h->ctx, &r->hook_slot, data, n);
    if (r->fault) return 0; /* read and dropped: the fault answers at the end */
    if (r->ctl) return sink_body(r, data, n);
    if (r->op && r->op->body) {
        int rc = r->op->body(r, data, n, resp);
        if (rc || http_resp_is_ready(resp)) drop_put(r);
        return rc;
    }
    if (!r->payload) return 0;
    s3_err_t e = s3_payload_feed(r->payload, data, n);
    if (e) {
        s3_err_msg(r, resp, e, r->payload->errmsg);
        return 1;
    }
    return 0;
}

static void answer(s3_req_t *r, http_response_t *resp);

static void on_end(void *rctx, http_response_t *resp)
{
    s3_req_t *r = rctx;
    if (http_resp_is_ready(resp)) return;
    if (r->ctl) {
        control_end(r, resp);
        return;
    }
    if (r->fault) {
        answer_fault(r, resp);
        return;
    }
    int64_t t0 = util_mono_us();
    answer(r, resp);
    r->turn_us = util_mono_us() - t0;
}

/* The body is complete: the operation's answer. */
static void answer(s3_req_t *r, http_response_t *resp)
{
    if (!r->op->body && r->payload) {
        s3_err_t e = s3_payload_finish(r->payload, r);
        if (e) {
            s3_err_msg(r, resp, e, r->payload->errmsg);
            return;
        }
    }
    if (r->body_overflow) {
        s3_err(r, resp, S3E_MAX_MESSAGE_LENGTH);
        return;
    }
    r->op->finish(r, resp);
    drop_put(r); /* what finish did not publish */
}

static void on_done(void *rctx, const http_request_t *http, const http_response_t *resp)
{
    s3_req_t *r = rctx;
    if (!r) return;
    drop_put(r);
    if (r->op_free) r->op_free(r->op_ctx);
    free(r->payload);
    free(r->verify_ctx);
    s3_sse_free(r->sse);
    free(r->sse);
    const char *ua = http_req_header(r->http, "User-Agent");
    const s3_hooks_t *h = r->srv->hooks;
    int log =
        !r->srv->quiet && !(ua && strcmp(ua, "fakes3-probe") == 0) && !(r->ctl && r->ctl_quiet);
    int record = h && h->record && !r->ctl;
    /* One clock read for the access log and the hooks (the metrics' histogram). */
    int64_t us = log || record ? util_mono_us() - http_req_start_us(http) : 0;
    if (log) {
        const char *m = http_req_method(http);
        uint64_t bytes = strcmp(m, "HEAD") == 0 ? 0 : http_resp_body_len(resp);
        /* One write per line so that lines from threads never interleave. */
        buf_t line = BUF_INIT;
        buf_printf(&line, "%s ", m);
        for (const char *p = http_req_target(http); *p; p++)
            buf_putc(&line, (unsigned char)*p < 0x21 || *p == 0x7f ? '?' : *p);
        buf_printf(&line, " %d %llu %lldus", http_resp_get_status(resp), (unsigned long long)bytes,
                   (long long)us);
        /* With users: the access decisions (which rule allowed or denied). */
        if (r->why[0]) buf_printf(&line, " [%s]", r->why);
        buf_putc(&line, '\n');
        fwrite(line.p, 1, line.len, stdout);
        buf_free(&line);
    }
    /* The bucket's own access log, when it has one (a lookup in memory). */
    if (!r->ctl) s3_logd_request(r->srv->logd, r, http, resp);
    if (record) {
        s3_req_info_t info;
        done_info(r, resp, &info);
        info.dur_us = us;
        h->record(h->ctx, &info);
    }
    free(r->fault);
    addr_free(&r->t);
    for (size_t i = 0; i < r->nq; i++) {
        free(r->q[i].name);
        free(r->q[i].value);
    }
    free(r->q);
    buf_free(&r->body);
    free(r->upload_id);
    free(r->ctl_path);
    free(r->lock);
    free(r->tags);
    free(r);
}

const http_handler_t s3_http_handler = {on_begin, on_body, on_end, on_done, on_reject};

s3_server_t *s3_new(store_t *st, const s3_options_t *opt)
{
    s3_server_t *s = xcalloc(1, sizeof *s);
    s->store = st;
    s->completer = s3_completer_start();
    s3_logd_options_t lo = {opt->log_delivery_seconds, 0, opt->users};
    s->logd = s3_logd_start(st, &lo);
    s3_notify_options_t no = {
        .url = opt->notify_url,
        .map = opt->notify_map,
        .nmap = opt->nnotify_map,
        .default_region = opt->region,
    };
    s->notify = s3_notifier_start(st, &no);
    s->strict = opt->strict;
    s->quiet = opt->quiet;
    s->legacy_defaults = opt->legacy_bucket_defaults;
    s->sse_c_require_tls = opt->sse_c_require_tls;
    s->rate_limit = opt->rate_limit;
    s->lifecycle_day_seconds = opt->lifecycle_day_seconds;
    s->lifecycle = s3_confcache_new(st, "lifecycle");
    s->users = opt->users;
    s->hooks = opt->hooks;
    s->region = xstrdup(opt->region ? opt->region : "us-east-1");
    /* fake-s3's defaults */
    s->cors_origin = xstrdup(opt->cors_origin ? opt->cors_origin : "*");
    s->cors_methods =
        xstrdup(opt->cors_methods ? opt->cors_methods : "PUT, POST, HEAD, GET, OPTIONS");
    s->cors_preflight = xstrdup(opt->cors_preflight_headers
                                    ? opt->cors_preflight_headers
                                    : "Accept, Content-Type, Authorization, Content-Length, "
                                      "ETag, X-CSRF-Token, Content-Disposition");
    s->cors_postput = xstrdup(opt->cors_postput_headers ? opt->cors_postput_headers
                                                        : "Authorization, Content-Length");
    s->cors_expose = xstrdup(opt->cors_expose_headers ? opt->cors_expose_headers : "ETag");
    s->nbase = opt->nbase;
    s->bases = xcalloc(opt->nbase + 1, sizeof *s->bases);
    for (size_t i = 0; i < opt->nbase; i++) {
        s->bases[i] = xstrdup(opt->base_hosts[i]);
        for (char *p = s->bases[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return s;
}

void s3_forget_caches(s3_server_t *s)
{
    s3_confcache_changed(s->lifecycle);
    s3_logd_changed(s->logd);
    s3_notifier_changed(s->notify);
}

void s3_free(s3_server_t *s)
{
    if (!s) return;
    /* Completions still running may notify; notifications may not log. */
    s3_completer_stop(s->completer);
    s3_notifier_stop(s->notify);
    s3_logd_stop(s->logd);
    s3_confcache_free(s->lifecycle);
    for (size_t i = 0; i < s->nbase; i++)
        free(s->bases[i]);
    free(s->bases);
    free(s->region);
    free(s->cors_origin);
    free(s->cors_methods);
    free(s->cors_preflight);
    free(s->cors_postput);
    free(s->cors_expose);
    free(s);
}
