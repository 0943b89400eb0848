/* Bucket configurations kept by id (?id=): inventory, storage class analytics,
 * request metrics and S3 Intelligent-Tiering archive settings, each with Put,
 * Get, Delete and List. A configuration is the document "<family>/<id>" in
 * S3's canonical form; fakes3 keeps and answers them and acts on none.
 *
 * As S3 (localstack's recorded TestS3 test_s3_inventory_report_crud,
 * test_s3_put_inventory_report_exceptions, test_put_bucket_inventory_config_order,
 * test_s3_analytics_configurations, test_s3_intelligent_tier_config in
 * tests/aws/services/s3/test_s3.py and TestS3MetricsConfiguration in
 * test_s3_api.py): Put answers 204; Get and Delete of an id the bucket does
 * not have answer NoSuchConfiguration; a body whose Id is not the ?id=
 * answers IdMismatch for inventory and MalformedXML for the others; an
 * inventory destination must be a bucket ARN (InvalidS3DestinationBucket);
 * List answers configurations in id order, 100 a page, with continuation
 * tokens. At most 1,000 configurations of a family per bucket
 * (TooManyConfigurations, the API reference's words). */
#include <stdlib.h>
#include <string.h>

#include "s3/confdoc.h"
#include "s3/listparams.h"

#define MAX_CONFS 1000
#define PAGE      100
#define MAX_ID    64

typedef struct family {
    const char *prefix; /* of the document names: "inventory/" */
    const confxml_elem_t *root;
    const char *list_root;
    /* ListBucketInventoryConfigurations answers ContinuationToken, the
     * configurations, IsTruncated, NextContinuationToken; the others
     * IsTruncated and both tokens first (botocore's orders). */
    int items_before_truncated;
    s3_err_t mismatch;
    /* The family's own rules; 0, or -1 after answering. */
    int (*check)(s3_req_t *r, http_response_t *resp, const confxml_node_t *c);
} family_t;

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, NULL, NULL, NULL                                                            \
    }

/* ---- inventory (botocore's InventoryConfiguration order) ---- */
static const char *const formats[] = {"CSV", "ORC", "Parquet", NULL};
static const char *const versions[] = {"All", "Current", NULL};
static const char *const frequencies[] = {"Daily", "Weekly", NULL};
static const char *const fields[] = {"Size",
                                     "LastModifiedDate",
                                     "StorageClass",
                                     "ETag",
                                     "IsMultipartUploaded",
                                     "ReplicationStatus",
                                     "EncryptionStatus",
                                     "ObjectLockRetainUntilDate",
                                     "ObjectLockMode",
                                     "ObjectLockLegalHoldStatus",
                                     "IntelligentTieringAccessTier",
                                     "BucketKeyStatus",
                                     "ChecksumAlgorithm",
                                     "ObjectAccessControlList",
                                     "ObjectOwner",
                                     "LifecycleExpirationDate",
                                     NULL};
static const confxml_elem_t none[] = {END};
static const confxml_elem_t kms[] = {
    {"KeyId", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t inv_encryption[] = {
    {"SSE-S3", 0, 1, CONFXML_STRUCT, none, NULL, NULL},
    {"SSE-KMS", 0, 1, CONFXML_STRUCT, kms, NULL, NULL},
    END,
};
static const confxml_elem_t inv_s3dest[] = {
    {"AccountId", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Bucket", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Format", 1, 1, CONFXML_TEXT, NULL, formats, NULL},
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Encryption", 0, 1, CONFXML_STRUCT, inv_encryption, NULL, NULL},
    END,
};
static const confxml_elem_t inv_dest[] = {
    {"S3BucketDestination", 1, 1, CONFXML_STRUCT, inv_s3dest, NULL, NULL},
    END,
};
static const confxml_elem_t inv_filter[] = {
    {"Prefix", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t inv_fields[] = {
    {"Field", 0, 0, CONFXML_TEXT, NULL, fields, NULL},
    END,
};
static const confxml_elem_t inv_schedule[] = {
    {"Frequency", 1, 1, CONFXML_TEXT, NULL, frequencies, NULL},
    END,
};
static const confxml_elem_t inventory[] = {
    {"Destination", 1, 1, CONFXML_STRUCT, inv_dest, NULL, NULL},
    {"IsEnabled", 1, 1, CONFXML_BOOL, NULL, NULL, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, inv_filter, NULL, NULL},
    {"Id", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"IncludedObjectVersions", 1, 1, CONFXML_TEXT, NULL, versions, NULL},
    {"OptionalFields", 0, 1, CONFXML_STRUCT, inv_fields, NULL, NULL},
    {"Schedule", 1, 1, CONFXML_STRUCT, inv_schedule, NULL, NULL},
    END,
};
static const confxml_elem_t inventory_root = {
    "InventoryConfiguration", 1, 1, CONFXML_STRUCT, inventory, NULL, NULL};

/* ---- the filters of analytics, metrics and intelligent tiering ---- */
static const confxml_elem_t tag[] = {
    {"Key", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Value", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t and_op[] = {
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Tag", 0, 0, CONFXML_STRUCT, tag, NULL, NULL},
    END,
};
static const confxml_elem_t tag_filter[] = {
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Tag", 0, 1, CONFXML_STRUCT, tag, NULL, NULL},
    {"And", 0, 1, CONFXML_STRUCT, and_op, NULL, NULL},
    END,
};

/* ---- analytics (botocore's AnalyticsConfiguration order) ---- */
static const char *const csv[] = {"CSV", NULL};
static const char *const v1[] = {"V_1", NULL};
static const confxml_elem_t an_s3dest[] = {
    {"Format", 1, 1, CONFXML_TEXT, NULL, csv, NULL},
    {"BucketAccountId", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Bucket", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t an_dest[] = {
    {"S3BucketDestination", 1, 1, CONFXML_STRUCT, an_s3dest, NULL, NULL},
    END,
};
static const confxml_elem_t an_export[] = {
    {"OutputSchemaVersion", 1, 1, CONFXML_TEXT, NULL, v1, NULL},
    {"Destination", 1, 1, CONFXML_STRUCT, an_dest, NULL, NULL},
    END,
};
static const confxml_elem_t an_class[] = {
    {"DataExport", 0, 1, CONFXML_STRUCT, an_export, NULL, NULL},
    END,
};
static const confxml_elem_t analytics[] = {
    {"Id", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, tag_filter, NULL, NULL},
    {"StorageClassAnalysis", 1, 1, CONFXML_STRUCT, an_class, NULL, NULL},
    END,
};
static const confxml_elem_t analytics_root = {
    "AnalyticsConfiguration", 1, 1, CONFXML_STRUCT, analytics, NULL, NULL};

/* ---- metrics (botocore's MetricsConfiguration order) ---- */
static const confxml_elem_t me_and[] = {
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Tag", 0, 0, CONFXML_STRUCT, tag, NULL, NULL},
    {"AccessPointArn", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    END,
};
static const confxml_elem_t me_filter[] = {
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Tag", 0, 1, CONFXML_STRUCT, tag, NULL, NULL},
    {"AccessPointArn", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"And", 0, 1, CONFXML_STRUCT, me_and, NULL, NULL},
    END,
};
static const confxml_elem_t metrics[] = {
    {"Id", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, me_filter, NULL, NULL},
    END,
};
static const confxml_elem_t metrics_root = {
    "MetricsConfiguration", 1, 1, CONFXML_STRUCT, metrics, NULL, NULL};

/* ---- intelligent tiering (botocore's IntelligentTieringConfiguration order) ---- */
static const char *const it_status[] = {"Enabled", "Disabled", NULL};
static const char *const tiers[] = {"ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS", NULL};
static const confxml_elem_t tiering[] = {
    {"Days", 1, 1, CONFXML_INT, NULL, NULL, NULL},
    {"AccessTier", 1, 1, CONFXML_TEXT, NULL, tiers, NULL},
    END,
};
static const confxml_elem_t intelligent[] = {
    {"Id", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, tag_filter, NULL, NULL},
    {"Status", 1, 1, CONFXML_TEXT, NULL, it_status, NULL},
    {"Tiering", 1, 0, CONFXML_STRUCT, tiering, NULL, NULL},
    END,
};
static const confxml_elem_t intelligent_root = {
    "IntelligentTieringConfiguration", 1, 1, CONFXML_STRUCT, intelligent, NULL, NULL};

/* ---- the families' own rules ---- */

/* A filter names one of its choices (And for several). */
static int filter_ok(s3_req_t *r, http_response_t *resp, const confxml_node_t *c)
{
    const confxml_node_t *f = confxml_get(c, "Filter");
    if (f && f->n > 1) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return -1;
    }
    return 0;
}

static int destination_ok(s3_req_t *r, http_response_t *resp, const char *arn)
{
    if (!arn || confdoc_arn_bucket(arn)) return 0;
    s3_err(r, resp, S3E_INVALID_S3_DESTINATION_BUCKET);
    return -1;
}

static int check_inventory(s3_req_t *r, http_response_t *resp, const confxml_node_t *c)
{
    return destination_ok(r, resp, confxml_text(c, "Destination/S3BucketDestination/Bucket"));
}

static int check_analytics(s3_req_t *r, http_response_t *resp, const confxml_node_t *c)
{
    if (filter_ok(r, resp, c)) return -1;
    return destination_ok(
        r, resp,
        confxml_text(c, "StorageClassAnalysis/DataExport/Destination/S3BucketDestination/Bucket"));
}

static const family_t inventory_family = {
    "inventory/",    &inventory_root, "ListInventoryConfigurationsResult", 1,
    S3E_ID_MISMATCH, check_inventory};
static const family_t analytics_family = {
    "analytics/",      &analytics_root, "ListBucketAnalyticsConfigurationResult", 0,
    S3E_MALFORMED_XML, check_analytics};
static const family_t metrics_family = {
    "metrics/", &metrics_root, "ListMetricsConfigurationsResult", 0, S3E_MALFORMED_XML, filter_ok};
static const family_t tiering_family = {"intelligent-tiering/",
                                        &intelligent_root,
                                        "ListBucketIntelligentTieringConfigurationsOutput",
                                        0,
                                        S3E_MALFORMED_XML,
                                        filter_ok};

/* ---- the four operations, for any family ---- */

/* The ?id= of r when it is one S3 takes (letters, digits, '.', '-', '_', at
 * most 64), else NULL after answering InvalidConfigurationId. */
static const char *request_id(s3_req_t *r, http_response_t *resp)
{
    const char *id = s3_query_value(r, "id");
    size_t n = id ? strlen(id) : 0;
    int ok = n > 0 && n <= MAX_ID;
    for (size_t i = 0; ok && i < n; i++) {
        char c = id[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '-' || c == '_';
    }
    if (ok) return id;
    s3_err(r, resp, S3E_INVALID_CONFIGURATION_ID);
    return NULL;
}

static char *doc_name(const family_t *f, const char *id)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s%s", f->prefix, id);
    return buf_take(&b);
}

/* Whether a new configuration would pass the limit; -1 after answering a
 * store failure. */
static int full(s3_req_t *r, http_response_t *resp, const family_t *f, const char *name)
{
    store_t *st = r->srv->store;
    char *doc = NULL;
    size_t len;
    int rc = st->ops->conf_get(st, r->t.bucket, name, &doc, &len);
    free(doc);
    if (rc == STORE_OK) return 0; /* replacing one */
    store_conf_t *c = NULL;
    size_t n = 0;
    if (rc == STORE_ENOCONF)
        rc = st->ops->conf_list(st, r->t.bucket, f->prefix, NULL, MAX_CONFS, &c, &n);
    store_conf_list_free(c, n);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    return n >= MAX_CONFS;
}

static void keyed_put(s3_req_t *r, http_response_t *resp, const family_t *f)
{
    if (s3_need_bucket(r, resp)) return;
    const char *id = request_id(r, resp);
    if (!id) return;
    confxml_node_t *c;
    if (confdoc_read(r, resp, f->root, &c)) return;
    char *name = doc_name(f, id);
    int over;
    if (strcmp(confxml_text(c, "Id"), id) != 0)
        s3_err(r, resp, f->mismatch);
    else if (f->check(r, resp, c) == 0 && (over = full(r, resp, f, name)) >= 0) {
        if (over)
            s3_err(r, resp, S3E_TOO_MANY_CONFIGURATIONS);
        else if (confdoc_store(r, resp, name, c, f->root) == 0)
            confdoc_ok(resp, 204);
    }
    free(name);
    confxml_free(c);
}

static void keyed_get(s3_req_t *r, http_response_t *resp, const family_t *f)
{
    store_t *st = r->srv->store;
    char *name = doc_name(f, s3_query_value(r, "id")), *doc = NULL;
    size_t len = 0;
    int rc = st->ops->conf_get(st, r->t.bucket, name, &doc, &len);
    free(name);
    if (rc == STORE_ENOCONF)
        s3_err(r, resp, S3E_NO_SUCH_CONFIGURATION);
    else if (rc)
        s3_err(r, resp, s3_err_from_store(rc));
    else
        confdoc_send(resp, f->root->name, doc, len);
    free(doc);
}

static void keyed_delete(s3_req_t *r, http_response_t *resp, const family_t *f)
{
    const char *id = request_id(r, resp);
    if (!id) return;
    store_t *st = r->srv->store;
    char *name = doc_name(f, id), *doc = NULL;
    size_t len;
    int rc = st->ops->conf_get(st, r->t.bucket, name, &doc, &len);
    free(doc);
    if (rc == STORE_ENOCONF)
        s3_err(r, resp, S3E_NO_SUCH_CONFIGURATION);
    else if (rc)
        s3_err(r, resp, s3_err_from_store(rc));
    else
        confdoc_delete(r, resp, name, 204);
    free(name);
}

static void keyed_list(s3_req_t *r, http_response_t *resp, const family_t *f)
{
    const char *token = s3_query_value(r, "continuation-token");
    char *after = NULL, *tok_id = NULL;
    size_t tok_len = 0;
    if (token && *token) {
        if (listparams_token_decode(token, &tok_id, &tok_len) != 0 ||
            memchr(tok_id, '\0', tok_len)) {
            free(tok_id);
            s3_err_arg(r, resp, "The continuation token provided is incorrect",
                       "continuation-token", token);
            return;
        }
        tok_id[tok_len] = '\0'; /* the decoder leaves room for it */
        after = doc_name(f, tok_id);
        free(tok_id);
    }
    store_t *st = r->srv->store;
    store_conf_t *c = NULL;
    size_t n = 0;
    int rc = st->ops->conf_list(st, r->t.bucket, f->prefix, after, PAGE + 1, &c, &n);
    free(after);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    int truncated = n > PAGE;
    if (truncated) n = PAGE;
    char *next = NULL;
    if (truncated) {
        const char *last = c[n - 1].name + strlen(f->prefix);
        next = listparams_token_encode(last, strlen(last));
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, f->list_root);
    const char *tf = truncated ? "true" : "false";
    if (!f->items_before_truncated) {
        buf_printf(&b, "<IsTruncated>%s</IsTruncated>", tf);
        if (token && *token) s3_xml_elem_s(&b, "ContinuationToken", token);
        if (next) s3_xml_elem_s(&b, "NextContinuationToken", next);
    } else if (token && *token) {
        s3_xml_elem_s(&b, "ContinuationToken", token);
    }
    for (size_t i = 0; i < n; i++) {
        buf_printf(&b, "<%s>", f->root->name);
        buf_append(&b, c[i].doc, c[i].len);
        buf_printf(&b, "</%s>", f->root->name);
    }
    if (f->items_before_truncated) {
        buf_printf(&b, "<IsTruncated>%s</IsTruncated>", tf);
        if (next) s3_xml_elem_s(&b, "NextContinuationToken", next);
    }
    buf_printf(&b, "</%s>", f->list_root);
    free(next);
    store_conf_list_free(c, n + (truncated ? 1 : 0));
    s3_send_xml(resp, 200, &b);
}

/* GET with ?id= is Get...Configuration, without it List...Configurations:
 * one row of the operation table answers both (they share a policy action). */
#define FAMILY_OPS(what, fam)                                                                      \
    void s3_put_##what(s3_req_t *r, http_response_t *resp)                                         \
    {                                                                                              \
        keyed_put(r, resp, &fam);                                                                  \
    }                                                                                              \
    void s3_get_##what(s3_req_t *r, http_response_t *resp)                                         \
    {                                                                                              \
        if (s3_query(r, "id"))                                                                     \
            keyed_get(r, resp, &fam);                                                              \
        else                                                                                       \
            keyed_list(r, resp, &fam);                                                             \
    }                                                                                              \
    void s3_delete_##what(s3_req_t *r, http_response_t *resp)                                      \
    {                                                                                              \
        keyed_delete(r, resp, &fam);                                                               \
    }

FAMILY_OPS(inventory, inventory_family)
FAMILY_OPS(analytics, analytics_family)
FAMILY_OPS(metrics, metrics_family)
FAMILY_OPS(intelligent_tiering, tiering_family)
