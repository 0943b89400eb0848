/* Bucket replication configuration: Put/Get/DeleteBucketReplication, kept as
 * the document "replication" in S3's canonical form. fakes3 keeps and
 * answers the configuration; it copies nothing anywhere.
 *
 * As S3: versioning must be Enabled on the bucket, and each destination
 * (an S3 bucket ARN) must exist with versioning Enabled, the same
 * InvalidRequest either way; a configuration without rules is MalformedXML;
 * a rule without an ID gets one (localstack's recorded TestS3BucketReplication,
 * tests/aws/services/s3/test_s3.py). A rule with a Filter is the V2 schema and
 * must say DeleteMarkerReplication; a rule without (Prefix, V1) must not
 * (AWS's InvalidRequest messages, quoted in rust-lang/simpleinfra#468 and
 * alphagov/govuk-infrastructure#4834); delete markers do not replicate with a
 * Tag filter. No role or account is checked: fakes3 has no IAM. */
#include <string.h>

#include "s3/confdoc.h"

#define CONF_NAME "replication"
#define ROOT      "ReplicationConfiguration"
#define MAX_RULES 1000
#define MAX_ID    255

static const char *const on_off[] = {"Enabled", "Disabled", NULL};
static const char *const classes[] = {
    "STANDARD",        "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",         "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
    "EXPRESS_ONEZONE", "FSX_OPENZFS",        "FSX_ONTAP",   NULL};
static const char *const owners[] = {"Destination", NULL};

/* Elements and their order as botocore's ReplicationConfiguration has them. */
static const confxml_elem_t tag[] = {
    {"Key", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Value", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t and_op[] = {
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Tag", 0, 0, CONFXML_STRUCT, tag, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t filter[] = {
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Tag", 0, 1, CONFXML_STRUCT, tag, NULL, NULL},
    {"And", 0, 1, CONFXML_STRUCT, and_op, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t status[] = {
    {"Status", 1, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t status_opt[] = {
    {"Status", 0, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t selection[] = {
    {"SseKmsEncryptedObjects", 0, 1, CONFXML_STRUCT, status, NULL, NULL},
    {"ReplicaModifications", 0, 1, CONFXML_STRUCT, status, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t minutes[] = {
    {"Minutes", 0, 1, CONFXML_INT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t rtime[] = {
    {"Status", 1, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {"Time", 1, 1, CONFXML_STRUCT, minutes, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t metrics[] = {
    {"Status", 1, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {"EventThreshold", 0, 1, CONFXML_STRUCT, minutes, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t translation[] = {
    {"Owner", 1, 1, CONFXML_TEXT, NULL, owners, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t encryption[] = {
    {"ReplicaKmsKeyID", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t destination[] = {
    {"Bucket", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Account", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"StorageClass", 0, 1, CONFXML_TEXT, NULL, classes, NULL},
    {"AccessControlTranslation", 0, 1, CONFXML_STRUCT, translation, NULL, NULL},
    {"EncryptionConfiguration", 0, 1, CONFXML_STRUCT, encryption, NULL, NULL},
    {"ReplicationTime", 0, 1, CONFXML_STRUCT, rtime, NULL, NULL},
    {"Metrics", 0, 1, CONFXML_STRUCT, metrics, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t rule[] = {
    {"ID", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Priority", 0, 1, CONFXML_INT, NULL, NULL, NULL},
    {"Prefix", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, filter, NULL, NULL},
    {"Status", 1, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {"SourceSelectionCriteria", 0, 1, CONFXML_STRUCT, selection, NULL, NULL},
    {"ExistingObjectReplication", 0, 1, CONFXML_STRUCT, status, NULL, NULL},
    {"Destination", 1, 1, CONFXML_STRUCT, destination, NULL, NULL},
    {"DeleteMarkerReplication", 0, 1, CONFXML_STRUCT, status_opt, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t replication[] = {
    {"Role", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Rule", 1, MAX_RULES, CONFXML_STRUCT, rule, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t root = {ROOT, 1, 1, CONFXML_STRUCT, replication, NULL, NULL};

static const char v1_dmr[] = "DeleteMarkerReplication cannot be used for this version of Cross "
                             "Region Replication configuration schema. Please refer to S3 "
                             "Developer Guide for more information.";
static const char v2_dmr[] = "DeleteMarkerReplication must be specified for this version of Cross "
                             "Region Replication configuration schema. Please refer to S3 "
                             "Developer Guide for more information.";

static int has_tag_filter(const confxml_node_t *f)
{
    return confxml_get(f, "Tag") || confxml_count(confxml_get(f, "And"), "Tag") > 0;
}

/* One rule; 0, or -1 after answering. */
static int check_rule(s3_req_t *r, http_response_t *resp, confxml_node_t *rl)
{
    const confxml_node_t *f = confxml_get(rl, "Filter");
    const confxml_node_t *dmr = confxml_get(rl, "DeleteMarkerReplication");
    /* A filter is one of Prefix, Tag, And; a rule has a Filter or a Prefix. */
    if ((f && f->n > 1) || (f && confxml_get(rl, "Prefix"))) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return -1;
    }
    confxml_node_t *id = confxml_get(rl, "ID");
    if (id && strlen(id->text) > MAX_ID) {
        s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                   "ID length should not exceed allowed limit of 255");
        return -1;
    }
    if (!f && dmr) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, v1_dmr);
        return -1;
    }
    if (f && !dmr) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, v2_dmr);
        return -1;
    }
    const char *dm = confxml_text(dmr, "Status");
    if (f && dm && strcmp(dm, "Enabled") == 0 && has_tag_filter(f)) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Delete marker replication is not supported if any Tag filter is specified.");
        return -1;
    }
    const char *arn = confxml_text(rl, "Destination/Bucket");
    const char *dest = confdoc_arn_bucket(arn);
    if (!dest) {
        /* S3's answer here is not known to us; the code and words of the
         * inventory destination's check. */
        s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, "Invalid bucket ARN.");
        return -1;
    }
    store_bucket_t b;
    store_t *st = r->srv->store;
    int rc = st->ops->bucket_get(st, dest, &b);
    if (rc && rc != STORE_ENOBUCKET) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    if (rc == STORE_ENOBUCKET || b.versioning != STORE_VERSIONING_ENABLED) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Destination bucket must have versioning enabled.");
        return -1;
    }
    if (!id || !id->text[0]) {
        char fresh[CONFDOC_ID_LEN];
        confdoc_new_id(fresh);
        if (id)
            confxml_set(id, fresh);
        else
            confxml_add(rl, "ID", fresh);
    }
    return 0;
}

void s3_put_replication(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    store_bucket_t b;
    int rc = st->ops->bucket_get(st, r->t.bucket, &b);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    confxml_node_t *rc_doc;
    if (confdoc_read(r, resp, &root, &rc_doc)) return;
    if (b.versioning != STORE_VERSIONING_ENABLED) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Versioning must be 'Enabled' on the bucket to apply a replication "
                   "configuration");
        confxml_free(rc_doc);
        return;
    }
    for (size_t i = 0; i < rc_doc->n; i++)
        if (strcmp(rc_doc->kids[i]->name, "Rule") == 0 && check_rule(r, resp, rc_doc->kids[i])) {
            confxml_free(rc_doc);
            return;
        }
    if (confdoc_store(r, resp, CONF_NAME, rc_doc, &root) == 0) confdoc_ok(resp, 200);
    confxml_free(rc_doc);
}

void s3_get_replication(s3_req_t *r, http_response_t *resp)
{
    confdoc_answer(r, resp, CONF_NAME, ROOT, S3E_REPLICATION_NOT_FOUND);
}

void s3_delete_replication(s3_req_t *r, http_response_t *resp)
{
    /* 204 also when there was none (localstack's recorded
     * delete-bucket-replication-idempotent). */
    confdoc_delete(r, resp, CONF_NAME, 204);
}
