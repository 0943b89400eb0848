/* Bucket lifecycle: Put/Get/DeleteBucketLifecycleConfiguration and the
 * x-amz-expiration header of GET, HEAD and PUT answers. A bucket's
 * configuration is the document "lifecycle" in the store, in lifecycle.c's
 * stored form (the x-amz-transition-default-minimum-object-size setting,
 * then S3's canonical XML). lifecycle_worker.c applies the rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/lifecycle.h"
#include "s3/confcache.h"
#include "s3/s3req.h"

#define CONF_NAME       "lifecycle"
#define MIN_SIZE_HEADER "x-amz-transition-default-minimum-object-size"

void s3_put_lifecycle(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    const char *ms = http_req_header(r->http, MIN_SIZE_HEADER);
    if (ms && strcmp(ms, LC_MIN_SIZE_ALL) != 0 && strcmp(ms, LC_MIN_SIZE_BY_CLASS) != 0) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Invalid TransitionDefaultMinimumObjectSize found");
        return;
    }
    lc_config_t c;
    char msg[1024];
    int rc = lc_parse(r->body.p ? r->body.p : "", r->body.len, &c, msg, sizeof msg);
    switch (rc) {
    case LC_OK: break;
    case LC_EINVALID_ARG: s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, msg); break;
    case LC_EINVALID_REQ: s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg); break;
    case LC_EINVALID_TAG: s3_err_msg(r, resp, S3E_INVALID_TAG, msg); break;
    default: s3_err(r, resp, S3E_MALFORMED_XML); break;
    }
    if (rc) {
        lc_free(&c);
        return;
    }
    int by_class = c.by_class = ms && strcmp(ms, LC_MIN_SIZE_BY_CLASS) == 0;
    buf_t doc = BUF_INIT;
    lc_store_form(&c, &doc);
    lc_free(&c);
    store_t *st = r->srv->store;
    rc = st->ops->conf_put(st, r->t.bucket, CONF_NAME, doc.p, doc.len);
    buf_free(&doc);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    /* GET and HEAD of this bucket now look for an expiration to announce. */
    s3_confcache_changed(r->srv->lifecycle);
    http_resp_header(resp, MIN_SIZE_HEADER, by_class ? LC_MIN_SIZE_BY_CLASS : LC_MIN_SIZE_ALL);
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

void s3_get_lifecycle(s3_req_t *r, http_response_t *resp)
{
    char *doc;
    size_t len, xl;
    if (s3_conf_load(r, resp, CONF_NAME, S3E_NO_SUCH_LIFECYCLE, &doc, &len)) return;
    const char *x = lc_stored_xml(doc, len, &xl);
    char setting[32];
    snprintf(setting, sizeof setting, "%.*s", (int)(x - doc > 0 ? x - doc - 1 : 0), doc);
    http_resp_header(resp, MIN_SIZE_HEADER, setting);
    buf_t b = BUF_INIT;
    buf_append(&b, x, xl);
    free(doc);
    s3_send_xml(resp, 200, &b);
}

void s3_delete_lifecycle(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, CONF_NAME, 204);
    s3_confcache_changed(r->srv->lifecycle);
}

/* The day GET and HEAD count in: the worker's (--lifecycle-day-seconds). */
static lc_clock_t clock_of(const s3_server_t *srv)
{
    lc_clock_t clk = {LC_DAY_MS, 1};
    if (srv->lifecycle_day_seconds) {
        clk.day_ms = (int64_t)srv->lifecycle_day_seconds * 1000;
        clk.midnight = 0;
    }
    return clk;
}

void s3_lifecycle_expiration(s3_req_t *r, http_response_t *resp, const char *key, size_t klen,
                             uint64_t size, int64_t mtime, const char *tags)
{
    if (!s3_confcache_has(r->srv->lifecycle, r->t.bucket)) return;
    store_t *st = r->srv->store;
    char *doc;
    size_t len;
    if (st->ops->conf_get(st, r->t.bucket, CONF_NAME, &doc, &len) != STORE_OK) return;
    lc_config_t c;
    int rc = lc_load(doc, len, &c);
    free(doc);
    if (rc) return;
    lc_clock_t clk = clock_of(r->srv);
    int64_t at;
    const lc_rule_t *rule;
    if (lc_expiry(&c, &clk, key, klen, size, tags, mtime, &at, &rule)) {
        char date[30];
        util_http_date(at, date);
        buf_t b = BUF_INIT;
        buf_printf(&b, "expiry-date=\"%s\", rule-id=\"", date);
        buf_urlenc(&b, rule->id, strlen(rule->id), 0);
        buf_putc(&b, '"');
        http_resp_header(resp, "x-amz-expiration", b.p);
        buf_free(&b);
    }
    lc_free(&c);
}

void s3_lifecycle_expiration_of(s3_req_t *r, http_response_t *resp, const store_obj_t *o)
{
    if (!s3_confcache_has(r->srv->lifecycle, r->t.bucket)) return;
    char *tags = s3_tags_of(o);
    s3_lifecycle_expiration(r, resp, o->key, o->key_len, o->size, o->mtime_ms, tags);
    free(tags);
}
