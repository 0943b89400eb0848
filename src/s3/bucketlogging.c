/* Bucket server access logging settings: Put/GetBucketLogging, kept as the
 * document "logging" in S3's canonical form. fakes3 keeps and answers the
 * settings; accesslog_delivery.c delivers the log objects, reading the
 * document through s3_logging_target.
 *
 * As S3 (the answers AWS gave in localstack's recorded TestS3BucketLogging,
 * tests/aws/services/s3/test_s3.py, and the AWS error bodies quoted in
 * zalando-stups/sevenseconds#29 and hashicorp/terraform-provider-aws#31771):
 * a BucketLoggingStatus without LoggingEnabled turns logging off; the target
 * bucket must exist (InvalidTargetBucketForLogging, naming it), have the
 * source's owner (the same code) and be in its region
 * (CrossLocationLoggingProhibitted, 403, naming the locations); TargetGrants
 * are refused for a target whose Object Ownership is BucketOwnerEnforced
 * (AccessControlListNotSupported). Grants may name READ_ACP and WRITE_ACP,
 * which AWS accepts beside the documented FULL_CONTROL, READ and WRITE. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/access/access.h"
#include "s3/accesslog_delivery.h"
#include "s3/confdoc.h"

#define CONF_NAME "logging"
#define ROOT      "BucketLoggingStatus"

/* A grantee's kind is the xsi:type attribute S3 answers with; xmlin keeps no
 * attributes, so it is told by the element naming the grantee (as acl.c
 * reads AccessControlPolicy grants). */
static void grantee_attrs(const confxml_node_t *n, buf_t *out)
{
    const char *type = confxml_get(n, "URI")            ? "Group"
                       : confxml_get(n, "EmailAddress") ? "AmazonCustomerByEmail"
                                                        : "CanonicalUser";
    buf_printf(out, " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"%s\"",
               type);
}

/* Elements and their order as botocore's GetBucketLoggingOutput has them. */
static const char *const permissions[] = {"FULL_CONTROL", "READ",      "WRITE",
                                          "READ_ACP",     "WRITE_ACP", NULL};
static const char *const date_sources[] = {"EventTime", "DeliveryTime", NULL};
static const confxml_elem_t grantee[] = {
    {"DisplayName", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"EmailAddress", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"ID", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"URI", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t grant[] = {
    {"Grantee", 1, 1, CONFXML_STRUCT, grantee, NULL, grantee_attrs},
    {"Permission", 1, 1, CONFXML_TEXT, NULL, permissions, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t grants[] = {
    {"Grant", 0, 0, CONFXML_STRUCT, grant, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t none[] = {
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t partitioned[] = {
    {"PartitionDateSource", 0, 1, CONFXML_TEXT, NULL, date_sources, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t key_format[] = {
    {"SimplePrefix", 0, 1, CONFXML_STRUCT, none, NULL, NULL},
    {"PartitionedPrefix", 0, 1, CONFXML_STRUCT, partitioned, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t enabled[] = {
    {"TargetBucket", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"TargetGrants", 0, 1, CONFXML_STRUCT, grants, NULL, NULL},
    {"TargetPrefix", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"TargetObjectKeyFormat", 0, 1, CONFXML_STRUCT, key_format, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t status[] = {
    {"LoggingEnabled", 0, 1, CONFXML_STRUCT, enabled, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t root = {ROOT, 1, 1, CONFXML_STRUCT, status, NULL, NULL};

/* Each grantee is named once, by one of ID, EmailAddress or URI; one key
 * format. 0, or -1 (MalformedXML). */
static int shape_ok(const confxml_node_t *le)
{
    const confxml_node_t *g = confxml_get(le, "TargetGrants");
    for (size_t i = 0; g && i < g->n; i++) {
        const confxml_node_t *who = confxml_get(g->kids[i], "Grantee");
        size_t named = confxml_count(who, "ID") + confxml_count(who, "EmailAddress") +
                       confxml_count(who, "URI");
        if (named != 1) return -1;
    }
    const confxml_node_t *kf = confxml_get(le, "TargetObjectKeyFormat");
    return kf && kf->n != 1 ? -1 : 0;
}

static const char *region_of(const s3_req_t *r, const store_bucket_t *b)
{
    return b->region[0] ? b->region : r->srv->region;
}

static void target_err(s3_req_t *r, http_response_t *resp, const char *msg, const char *target)
{
    buf_t x = BUF_INIT;
    s3_xml_elem_s(&x, "TargetBucket", target);
    s3_err_full(r, resp, S3E_INVALID_TARGET_BUCKET_FOR_LOGGING, msg, x.p);
    buf_free(&x);
}

/* The target's checks; 0, or -1 after answering. */
static int check_target(s3_req_t *r, http_response_t *resp, const confxml_node_t *le)
{
    store_t *st = r->srv->store;
    const char *target = confxml_text(le, "TargetBucket");
    store_bucket_t src;
    access_bucket_t dst;
    int rc = st->ops->bucket_get(st, r->t.bucket, &src);
    if (rc == STORE_OK)
        rc = s3_bucket_name_ok(target) ? access_bucket_load(st, target, &dst) : STORE_ENOBUCKET;
    if (rc == STORE_ENOBUCKET) {
        target_err(r, resp, NULL, target);
        return -1;
    }
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    if (strcmp(src.owner, dst.b.owner) != 0) {
        target_err(r, resp,
                   "The owner for the bucket to be logged and the target bucket must be the same.",
                   target);
        return -1;
    }
    const char *from = region_of(r, &src), *to = region_of(r, &dst.b);
    if (strcmp(from, to) != 0) {
        /* S3 names the source's location too unless it is us-east-1. */
        buf_t x = BUF_INIT;
        if (strcmp(from, "us-east-1") != 0) s3_xml_elem_s(&x, "SourceBucketLocation", from);
        s3_xml_elem_s(&x, "TargetBucketLocation", to);
        s3_err_full(r, resp, S3E_CROSS_LOCATION_LOGGING, NULL, x.p);
        buf_free(&x);
        return -1;
    }
    if (confxml_count(confxml_get(le, "TargetGrants"), "Grant") && dst.has_ownership &&
        dst.ownership == OWNERSHIP_ENFORCED) {
        s3_err_msg(r, resp, S3E_ACL_NOT_SUPPORTED,
                   "Target grants not allowed for bucket owner enforced buckets");
        return -1;
    }
    return 0;
}

void s3_put_logging(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    confxml_node_t *ls;
    if (confdoc_read(r, resp, &root, &ls)) return;
    const confxml_node_t *le = confxml_get(ls, "LoggingEnabled");
    if (!le) {
        /* An empty BucketLoggingStatus turns logging off. */
        store_t *st = r->srv->store;
        int rc = st->ops->conf_delete(st, r->t.bucket, CONF_NAME);
        if (rc) {
            s3_err(r, resp, s3_err_from_store(rc));
        } else {
            s3_logd_changed(r->srv->logd);
            confdoc_ok(resp, 200);
        }
    } else if (shape_ok(le)) {
        s3_err(r, resp, S3E_MALFORMED_XML);
    } else if (check_target(r, resp, le) == 0 &&
               confdoc_store(r, resp, CONF_NAME, ls, &root) == 0) {
        s3_logd_changed(r->srv->logd);
        confdoc_ok(resp, 200);
    }
    confxml_free(ls);
}

int s3_logging_target(const char *doc, size_t len, s3_log_target_t *t)
{
    memset(t, 0, sizeof *t);
    /* Kept as the root's children (confdoc.h). */
    buf_t x = BUF_INIT;
    buf_puts(&x, "<" ROOT ">");
    buf_append(&x, doc, len);
    buf_puts(&x, "</" ROOT ">");
    confxml_node_t *ls;
    int rc = confxml_parse(x.p, x.len, &root, &ls);
    buf_free(&x);
    if (rc) return -1;
    const confxml_node_t *le = confxml_get(ls, "LoggingEnabled");
    const char *bucket = le ? confxml_text(le, "TargetBucket") : NULL;
    if (!bucket || strlen(bucket) >= sizeof t->bucket) {
        confxml_free(ls);
        return -1;
    }
    strcpy(t->bucket, bucket);
    t->prefix = xstrdup(confxml_text(le, "TargetPrefix"));
    const confxml_node_t *pp = confxml_path(le, "TargetObjectKeyFormat/PartitionedPrefix");
    t->partitioned = pp != NULL;
    const char *src = pp ? confxml_text(pp, "PartitionDateSource") : NULL;
    t->delivery_time = src && strcmp(src, "DeliveryTime") == 0;
    confxml_free(ls);
    return 0;
}

void s3_get_logging(s3_req_t *r, http_response_t *resp)
{
    /* Logging off answers an empty BucketLoggingStatus. */
    confdoc_answer(r, resp, CONF_NAME, ROOT, S3E_NONE);
}
