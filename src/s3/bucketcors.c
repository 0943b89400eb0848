/* Bucket CORS: Put/Get/DeleteBucketCors, the OPTIONS preflight and the
 * Access-Control-* headers of other requests. A bucket's configuration is
 * the document "cors" in the store, kept in S3's canonical form. Where no
 * bucket configuration applies (no bucket named, no such bucket, or none
 * stored) the answers are fake-s3's, from the --cors* flags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/cors.h"
#include "s3/s3req.h"

#define CONF_NAME "cors"

/* The bucket's configuration: 1 loaded into c, 0 when none applies, -1 on
 * a store failure. */
static int load(s3_req_t *r, cors_config_t *c)
{
    memset(c, 0, sizeof *c);
    if (!r->t.bucket || !s3_bucket_name_ok(r->t.bucket)) return 0;
    store_t *st = r->srv->store;
    char *doc;
    size_t len;
    int rc = st->ops->conf_get(st, r->t.bucket, CONF_NAME, &doc, &len);
    if (rc == STORE_ENOBUCKET || rc == STORE_ENOCONF) return 0;
    if (rc) return -1;
    char msg[64];
    rc = cors_parse(doc, len, c, msg, sizeof msg);
    free(doc);
    if (rc) {
        cors_free(c);
        return -1;
    }
    return 1;
}

static void flag_headers(s3_req_t *r, http_response_t *resp, int preflight)
{
    const s3_server_t *srv = r->srv;
    http_resp_header(resp, "Access-Control-Allow-Origin", srv->cors_origin);
    http_resp_header(resp, "Access-Control-Expose-Headers", srv->cors_expose);
    if (preflight) {
        http_resp_header(resp, "Access-Control-Allow-Methods", srv->cors_methods);
        http_resp_header(resp, "Access-Control-Allow-Headers", srv->cors_preflight);
    } else if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
        http_resp_header(resp, "Access-Control-Allow-Headers", srv->cors_postput);
    }
}

/* The headers S3 sends for a matching rule; req_headers only on preflights. */
static void rule_headers(http_response_t *resp, const cors_rule_t *rule, const char *origin,
                         const char *req_headers)
{
    int any = cors_rule_any_origin(rule);
    http_resp_header(resp, "Access-Control-Allow-Origin", any ? "*" : origin);
    if (!any) http_resp_header(resp, "Access-Control-Allow-Credentials", "true");
    http_resp_header(resp, "Vary",
                     "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    buf_t b = BUF_INIT;
    cors_join(&rule->methods, &b);
    http_resp_header(resp, "Access-Control-Allow-Methods", b.p);
    buf_reset(&b);
    cors_requested_headers(req_headers, &b);
    if (b.len) http_resp_header(resp, "Access-Control-Allow-Headers", b.p);
    buf_reset(&b);
    cors_join(&rule->expose, &b);
    if (b.len) http_resp_header(resp, "Access-Control-Expose-Headers", b.p);
    if (rule->max_age >= 0) {
        char age[24];
        snprintf(age, sizeof age, "%ld", rule->max_age);
        http_resp_header(resp, "Access-Control-Max-Age", age);
    }
    buf_free(&b);
}

static int method_known(const char *m)
{
    return m && (strcmp(m, "GET") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0 ||
                 strcmp(m, "DELETE") == 0 || strcmp(m, "HEAD") == 0);
}

void s3_cors_preflight(s3_req_t *r, http_response_t *resp, int bad_target)
{
    const char *origin = http_req_header(r->http, "Origin");
    if (!origin) {
        s3_err(r, resp, S3E_NO_ORIGIN);
        return;
    }
    cors_config_t c;
    int rc = bad_target ? 0 : load(r, &c);
    if (rc < 0) {
        s3_err(r, resp, S3E_INTERNAL_ERROR);
        return;
    }
    if (rc == 0) {
        /* fake-s3's answer, for any target: a preflight asks nothing of the store. */
        flag_headers(r, resp, 1);
        http_resp_status(resp, 200);
        http_resp_ready(resp);
        return;
    }
    const char *method = http_req_header(r->http, "Access-Control-Request-Method");
    if (!method_known(method)) {
        char msg[300];
        snprintf(msg, sizeof msg, "Invalid Access-Control-Request-Method: %.200s",
                 method ? method : "null");
        s3_err_msg(r, resp, S3E_BAD_REQUEST, msg);
    } else {
        const char *req_headers = http_req_header(r->http, "Access-Control-Request-Headers");
        const cors_rule_t *rule = cors_match(&c, origin, method, req_headers);
        if (rule) {
            rule_headers(resp, rule, origin, req_headers);
            http_resp_status(resp, 200);
            http_resp_ready(resp);
        } else {
            buf_t x = BUF_INIT;
            s3_xml_elem_s(&x, "Method", method);
            s3_xml_elem_s(&x, "ResourceType", r->t.key ? "OBJECT" : "BUCKET");
            s3_err_full(r, resp, S3E_ACCESS_FORBIDDEN, NULL, x.p);
            buf_free(&x);
        }
    }
    cors_free(&c);
}

void s3_cors_actual(s3_req_t *r, http_response_t *resp, int bad_target)
{
    const char *origin = http_req_header(r->http, "Origin");
    if (!origin) return;
    cors_config_t c;
    int rc = bad_target ? 0 : load(r, &c);
    if (rc == 0) flag_headers(r, resp, 0);
    if (rc <= 0) return; /* a store failure shows in the request's own answer */
    const cors_rule_t *rule = cors_match(&c, origin, r->method, NULL);
    if (rule) rule_headers(resp, rule, origin, NULL);
    cors_free(&c);
}

void s3_put_cors(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    cors_config_t c;
    char msg[1024];
    int rc = cors_parse(r->body.p ? r->body.p : "", r->body.len, &c, msg, sizeof msg);
    if (rc == CORS_EMALFORMED) {
        s3_err(r, resp, S3E_MALFORMED_XML);
    } else if (rc == CORS_EINVALID) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
    } else {
        buf_t doc = BUF_INIT;
        cors_serialize(&c, &doc);
        store_t *st = r->srv->store;
        rc = st->ops->conf_put(st, r->t.bucket, CONF_NAME, doc.p, doc.len);
        buf_free(&doc);
        if (rc) {
            s3_err(r, resp, s3_err_from_store(rc));
        } else {
            http_resp_status(resp, 200);
            http_resp_ready(resp);
        }
    }
    cors_free(&c);
}

void s3_get_cors(s3_req_t *r, http_response_t *resp)
{
    char *doc;
    size_t len;
    if (s3_conf_load(r, resp, CONF_NAME, S3E_NO_SUCH_CORS, &doc, &len)) return;
    buf_t b = BUF_INIT;
    buf_append(&b, doc, len);
    free(doc);
    s3_send_xml(resp, 200, &b);
}

void s3_delete_cors(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, CONF_NAME, 204);
}
