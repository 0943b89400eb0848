/* Bucket versioning: Put/GetBucketVersioning and ListObjectVersions. The
 * versions themselves are the store's (store.h); object handlers address
 * them with ?versionId= (r->vid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/confdoc.h"
#include "s3/owner.h"
#include "s3/s3req.h"

/* The bucket configuration that records MfaDelete as last set. */
#define MFA_CONF "mfadelete"
/* The one that says object lock is on (objectlock.c writes it). */
#define LOCK_CONF "objectlock"

/* VersioningConfiguration as S3 reads it: anything else is MalformedXML. */
static const char *const statuses[] = {"Enabled", "Suspended", NULL};
static const char *const mfa_states[] = {"Enabled", "Disabled", NULL};
static const confxml_elem_t vconf[] = {
    {"Status", 0, 1, CONFXML_TEXT, NULL, statuses, NULL},
    {"MfaDelete", 0, 1, CONFXML_TEXT, NULL, mfa_states, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t vconf_root = {
    "VersioningConfiguration", 1, 1, CONFXML_STRUCT, vconf, NULL, NULL};

void s3_put_versioning(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    store_bucket_t b;
    int rc = st->ops->bucket_get(st, r->t.bucket, &b);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    confxml_node_t *v;
    if (confdoc_read(r, resp, &vconf_root, &v)) return;
    const char *status = confxml_text(v, "Status"), *mfa = confxml_text(v, "MfaDelete");
    if (!status && !mfa) {
        confxml_free(v);
        s3_err_msg(r, resp, S3E_ILLEGAL_VERSIONING_CONFIGURATION,
                   "The Versioning element must be specified");
        return;
    }
    /* Naming MfaDelete at all takes the device's code (x-amz-mfa): S3
     * answers MalformedXML without it, also for Disabled. There are no
     * devices here, so any code is taken and nothing checks it afterwards. */
    if (mfa && !http_req_header(r->http, "x-amz-mfa")) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        goto out;
    }
    int state = status && strcmp(status, "Enabled") == 0 ? STORE_VERSIONING_ENABLED
                                                         : STORE_VERSIONING_SUSPENDED;
    if (status && state == STORE_VERSIONING_SUSPENDED) {
        /* Object lock and replication both need versioning Enabled; AWS's
         * words (replication's as quoted in
         * nozaq/terraform-aws-remote-state-s3-backend#59). */
        static const struct {
            const char *conf, *msg;
        } keep_on[] = {
            {LOCK_CONF, "An Object Lock configuration is present on this bucket, so the "
                        "versioning state cannot be changed."},
            {"replication", "A replication configuration is present on this bucket, so you "
                            "cannot change the versioning state. To change the versioning "
                            "state, first delete the replication configuration."},
        };
        for (size_t i = 0; i < sizeof keep_on / sizeof *keep_on; i++) {
            char *doc = NULL;
            size_t n;
            rc = st->ops->conf_get(st, r->t.bucket, keep_on[i].conf, &doc, &n);
            free(doc);
            if (rc == STORE_OK) {
                s3_err_msg(r, resp, S3E_INVALID_BUCKET_STATE, keep_on[i].msg);
                goto out;
            }
            if (rc != STORE_ENOCONF) {
                s3_err(r, resp, s3_err_from_store(rc));
                goto out;
            }
        }
        rc = STORE_OK;
    }
    if (mfa) rc = st->ops->conf_put(st, r->t.bucket, MFA_CONF, mfa, strlen(mfa));
    /* Suspending a bucket that never had versioning makes it Suspended
     * too (writes then make null versions, as before). */
    if (!rc && status) rc = st->ops->bucket_set_versioning(st, r->t.bucket, state);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        goto out;
    }
    http_resp_status(resp, 200);
    http_resp_ready(resp);
out:
    confxml_free(v);
}

void s3_versions_of_key(s3_req_t *r, http_response_t *resp)
{
    s3_err_msg(r, resp, S3E_INVALID_REQUEST,
               "There is no such thing as the ?versions sub-resource for a key");
}

void s3_get_versioning(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    store_bucket_t b;
    int rc = st->ops->bucket_get(st, r->t.bucket, &b);
    char *mfa = NULL;
    size_t n;
    if (!rc && (rc = st->ops->conf_get(st, r->t.bucket, MFA_CONF, &mfa, &n)) == STORE_ENOCONF)
        rc = STORE_OK;
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t x = BUF_INIT;
    s3_xml_begin(&x, "VersioningConfiguration");
    if (b.versioning)
        s3_xml_elem_s(&x, "Status",
                      b.versioning == STORE_VERSIONING_ENABLED ? "Enabled" : "Suspended");
    if (mfa) s3_xml_elem_s(&x, "MfaDelete", mfa);
    buf_puts(&x, "</VersioningConfiguration>");
    free(mfa);
    s3_send_xml(resp, 200, &x);
}

static void version_xml(s3_req_t *r, buf_t *b, const store_list_ent_t *e, int url)
{
    char date[25];
    util_iso_date(e->mtime_ms, date);
    buf_puts(b, e->dm ? "<DeleteMarker>" : "<Version>");
    s3_xml_elem_url(b, "Key", e->key, e->key_len, url);
    s3_xml_elem_s(b, "VersionId", e->vid);
    buf_printf(b, "<IsLatest>%s</IsLatest>", e->latest ? "true" : "false");
    s3_xml_elem_s(b, "LastModified", date);
    if (!e->dm) {
        buf_printf(b, "<ETag>&quot;%s&quot;</ETag>", e->etag);
        buf_printf(b, "<Size>%llu</Size>", (unsigned long long)e->size);
    }
    buf_puts(b, "<Owner>");
    s3_owner_xml(r, b, e->owner);
    buf_puts(b, "</Owner>");
    if (!e->dm)
        buf_printf(b, "<StorageClass>%s</StorageClass>", e->sclass[0] ? e->sclass : "STANDARD");
    buf_puts(b, e->dm ? "</DeleteMarker>" : "</Version>");
}

void s3_list_versions(s3_req_t *r, http_response_t *resp)
{
    const char *prefix = s3_query_value(r, "prefix");
    const char *delim = s3_query_value(r, "delimiter");
    const char *km = s3_query_value(r, "key-marker");
    const char *vm = s3_query_value(r, "version-id-marker");
    const char *mk = s3_query_value(r, "max-keys");
    const char *enc = s3_query_value(r, "encoding-type");
    int url = 0;
    if (enc) {
        if (strcmp(enc, "url") != 0) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                       "Invalid Encoding Method specified in Request");
            return;
        }
        url = 1;
    }
    long max = 1000;
    if (mk) {
        char *end;
        max = strtol(mk, &end, 10);
        if (!*mk || *end || max < 0) {
            s3_err_arg(r, resp, "Provided max-keys not an integer or within integer range",
                       "max-keys", mk);
            return;
        }
        if (max > 1000) max = 1000;
    }
    if (vm && (!km || !*km)) {
        s3_err_arg(r, resp, "A version-id marker cannot be specified without a key marker.",
                   "version-id-marker", vm);
        return;
    }
    if (vm && !*vm) vm = NULL;
    store_list_req_t q = {
        .prefix = prefix ? prefix : "",
        .prefix_len = prefix ? strlen(prefix) : 0,
        .delim = delim,
        .delim_len = delim ? strlen(delim) : 0,
        .after = km && *km ? km : NULL,
        .after_len = km ? strlen(km) : 0,
        .max = (unsigned)max,
        .after_vid = vm,
    };
    store_list_res_t res;
    int rc = r->srv->store->ops->list_versions(r->srv->store, r->t.bucket, &q, &res);
    if (rc == STORE_ENOVERSION) {
        s3_err_arg(r, resp, "Invalid version id specified", "version-id-marker", vm);
        return;
    }
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ListVersionsResult");
    s3_xml_elem_s(&b, "Name", r->t.bucket);
    s3_xml_elem_url(&b, "Prefix", q.prefix, q.prefix_len, url);
    s3_xml_elem_url(&b, "KeyMarker", km ? km : "", km ? strlen(km) : 0, url);
    s3_xml_elem_s(&b, "VersionIdMarker", vm ? vm : "");
    const store_list_ent_t *last = res.n ? &res.ents[res.n - 1] : NULL;
    if (res.truncated && last) {
        s3_xml_elem_url(&b, "NextKeyMarker", last->key, last->key_len, url);
        if (!last->is_prefix) s3_xml_elem_s(&b, "NextVersionIdMarker", last->vid);
    }
    buf_printf(&b, "<MaxKeys>%ld</MaxKeys>", max);
    if (delim && *delim) s3_xml_elem_url(&b, "Delimiter", delim, strlen(delim), url);
    buf_printf(&b, "<IsTruncated>%s</IsTruncated>", res.truncated ? "true" : "false");
    if (url) s3_xml_elem_s(&b, "EncodingType", "url");
    for (size_t i = 0; i < res.n; i++)
        if (!res.ents[i].is_prefix) version_xml(r, &b, &res.ents[i], url);
    for (size_t i = 0; i < res.n; i++) {
        const store_list_ent_t *e = &res.ents[i];
        if (!e->is_prefix) continue;
        buf_puts(&b, "<CommonPrefixes>");
        s3_xml_elem_url(&b, "Prefix", e->key, e->key_len, url);
        buf_puts(&b, "</CommonPrefixes>");
    }
    buf_puts(&b, "</ListVersionsResult>");
    store_list_free(&res);
    s3_send_xml(resp, 200, &b);
}
