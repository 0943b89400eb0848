/* RestoreObject and what it changes: a GLACIER or DEEP_ARCHIVE version is
 * not readable (GetObject, a copy's source: InvalidObjectState) until a
 * restore has made a temporary copy readable, which x-amz-restore then
 * describes on GET and HEAD. There is no archive here, so a restore is done
 * as soon as it is asked for (S3 takes minutes to hours): the first request
 * answers 202 Accepted, one on a version already restored 200 and moves its
 * expiry. The version's restore document is "EXPIRY_MS" (ms since the
 * epoch), kept by the store (STORE_DOC_RESTORE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

#define DAY_MS 86400000LL

/* Whether a storage class keeps its bytes in an archive. */
static int archived(const char *sclass)
{
    return strcmp(sclass, "GLACIER") == 0 || strcmp(sclass, "DEEP_ARCHIVE") == 0;
}

/* The expiry of a version's restored copy, or 0 when it has none now. */
static int64_t restored_until(const store_obj_t *o)
{
    if (!o->restore || !*o->restore) return 0;
    int64_t until = strtoll(o->restore, NULL, 10);
    return until > util_now_ms() ? until : 0;
}

int s3_restore_readable(s3_req_t *r, http_response_t *resp, const store_obj_t *o)
{
    if (!archived(o->sclass) || restored_until(o)) return 1;
    buf_t x = BUF_INIT;
    s3_xml_elem_s(&x, "StorageClass", o->sclass);
    s3_err_full(r, resp, S3E_INVALID_OBJECT_STATE, NULL, x.p);
    buf_free(&x);
    return 0;
}

void s3_restore_header(http_response_t *resp, const store_obj_t *o)
{
    if (!archived(o->sclass) || !o->restore || !*o->restore) return;
    char date[30], v[96];
    util_http_date(strtoll(o->restore, NULL, 10), date);
    snprintf(v, sizeof v, "ongoing-request=\"false\", expiry-date=\"%s\"", date);
    http_resp_header(resp, "x-amz-restore", v);
}

struct restore_req {
    char days[24], tier[24], type[24];
    int bad;
};

static int on_restore(void *ctx, const char *path, const char *text, size_t n)
{
    struct restore_req *q = ctx;
    static const char root[] = "RestoreRequest";
    char *dst = NULL;
    if (strcmp(path, "RestoreRequest/Days") == 0)
        dst = q->days;
    else if (strcmp(path, "RestoreRequest/GlacierJobParameters/Tier") == 0 ||
             strcmp(path, "RestoreRequest/Tier") == 0)
        dst = q->tier;
    else if (strcmp(path, "RestoreRequest/Type") == 0)
        dst = q->type;
    else if (strncmp(path, root, sizeof root - 1) != 0 ||
             (path[sizeof root - 1] && path[sizeof root - 1] != '/'))
        q->bad = 1;
    if (dst) {
        if (n >= 24) n = 23;
        memcpy(dst, text, n);
        dst[n] = 0;
    }
    return q->bad;
}

void s3_restore_object(s3_req_t *r, http_response_t *resp)
{
    struct restore_req q = {"", "", "", 0};
    if (r->body.len && (xmlin_parse(r->body.p, r->body.len, on_restore, &q) || q.bad)) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return;
    }
    if (q.type[0]) {
        /* Restores that run a query (Type SELECT) are not kept. */
        s3_err_msg(r, resp, S3E_NOT_IMPLEMENTED, "SELECT restores are not implemented");
        return;
    }
    if (q.tier[0] && strcmp(q.tier, "Standard") != 0 && strcmp(q.tier, "Bulk") != 0 &&
        strcmp(q.tier, "Expedited") != 0) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return;
    }
    store_t *st = r->srv->store;
    store_obj_t o;
    int rc = st->ops->obj_get(st, r->t.bucket, r->t.key, r->t.key_len, r->vid, &o, NULL);
    if (rc) {
        s3_err_obj(r, resp, rc, &o);
        return;
    }
    if (!archived(o.sclass)) {
        store_obj_free(&o);
        s3_err_msg(r, resp, S3E_INVALID_OBJECT_STATE,
                   "Restore is not allowed for the object's current storage class");
        return;
    }
    char *end;
    long days = strtol(q.days, &end, 10);
    if (!q.days[0] || *end || days < 1) {
        store_obj_free(&o);
        s3_err_msg(r, resp, q.days[0] ? S3E_INVALID_ARGUMENT : S3E_MALFORMED_XML,
                   q.days[0] ? "Days must be a positive integer" : NULL);
        return;
    }
    int again = restored_until(&o) != 0;
    /* S3 rounds the expiry up to the next midnight UTC. */
    int64_t until = (util_now_ms() + days * DAY_MS + DAY_MS - 1) / DAY_MS * DAY_MS;
    char doc[24];
    snprintf(doc, sizeof doc, "%lld", (long long)until);
    rc = st->ops->obj_set(st, r->t.bucket, r->t.key, r->t.key_len, r->vid, STORE_DOC_RESTORE, doc);
    if (rc) {
        s3_err_obj(r, resp, rc, &o);
        store_obj_free(&o);
        return;
    }
    s3_version_headers(resp, o.vid, 0);
    store_obj_free(&o);
    http_resp_status(resp, again ? 200 : 202);
    http_resp_ready(resp);
}
