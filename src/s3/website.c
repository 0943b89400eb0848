/* Bucket website configuration: Put/Get/DeleteBucketWebsite, kept as the
 * document "website" in S3's canonical form, which webserve.c reads back
 * (s3_website_parse) to serve the website endpoint.
 *
 * S3's checks, in the order S3 makes them (the answers AWS gave to the
 * cases of localstack's tests/aws/services/s3/test_s3.py
 * test_validate_website_configuration, recorded against AWS; the routing
 * rule limits and HTTP code ranges from versitygw's s3response/website.go):
 * RedirectAllRequestsTo stands alone; otherwise an IndexDocument with a
 * Suffix that is not empty and holds no '/'; an ErrorDocument Key that is
 * not empty; at most 50 routing rules, each with a Redirect that says
 * something, not both ReplaceKeyWith and ReplaceKeyPrefixWith, a Condition
 * that is not empty, protocols http or https, redirect codes 3XX but 300,
 * error codes 4XX or 5XX. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/confdoc.h"

#define CONF_NAME "website"
#define ROOT      "WebsiteConfiguration"
#define MAX_RULES 50

/* Elements and their order as botocore's GetBucketWebsiteOutput has them. */
static const confxml_elem_t redirect_all[] = {
    {"HostName", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Protocol", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t index_doc[] = {
    {"Suffix", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t error_doc[] = {
    {"Key", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t condition[] = {
    {"HttpErrorCodeReturnedEquals", 0, 1, CONFXML_INT, NULL, NULL, NULL},
    {"KeyPrefixEquals", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t redirect[] = {
    {"HostName", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"HttpRedirectCode", 0, 1, CONFXML_INT, NULL, NULL, NULL},
    {"Protocol", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"ReplaceKeyPrefixWith", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"ReplaceKeyWith", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t rule[] = {
    {"Condition", 0, 1, CONFXML_STRUCT, condition, NULL, NULL},
    {"Redirect", 1, 1, CONFXML_STRUCT, redirect, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t rules[] = {
    {"RoutingRule", 1, 0, CONFXML_STRUCT, rule, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t website[] = {
    {"RedirectAllRequestsTo", 0, 1, CONFXML_STRUCT, redirect_all, NULL, NULL},
    {"IndexDocument", 0, 1, CONFXML_STRUCT, index_doc, NULL, NULL},
    {"ErrorDocument", 0, 1, CONFXML_STRUCT, error_doc, NULL, NULL},
    {"RoutingRules", 0, 1, CONFXML_STRUCT, rules, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t root = {ROOT, 1, 1, CONFXML_STRUCT, website, NULL, NULL};

static const char bad_protocol[] =
    "Invalid protocol, protocol can be http or https. If not defined "
    "the protocol will be selected automatically.";

static int protocol_ok(const char *p)
{
    return !p || strcmp(p, "http") == 0 || strcmp(p, "https") == 0;
}

/* 0, or -1 after answering S3's error for the rule. */
static int check_rule(s3_req_t *r, http_response_t *resp, const confxml_node_t *rr)
{
    const confxml_node_t *red = confxml_get(rr, "Redirect");
    const confxml_node_t *cond = confxml_get(rr, "Condition");
    int says = 0;
    for (size_t i = 0; i < red->n; i++)
        says |= red->kids[i]->text[0] != '\0';
    if (!says) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        return -1;
    }
    if (confxml_get(red, "ReplaceKeyWith") && confxml_get(red, "ReplaceKeyPrefixWith")) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "You can only define ReplaceKeyPrefix or ReplaceKey but not both.");
        return -1;
    }
    if (cond && cond->n == 0) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Condition cannot be empty. To redirect all requests without a condition, the "
                   "condition element shouldn't be present.");
        return -1;
    }
    if (!protocol_ok(confxml_text(red, "Protocol"))) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, bad_protocol);
        return -1;
    }
    char msg[128];
    const char *code = confxml_text(red, "HttpRedirectCode");
    if (code) {
        long c = strtol(code, NULL, 10);
        if (!(c >= 301 && c <= 308 && c != 306)) {
            snprintf(msg, sizeof msg,
                     "The provided HTTP redirect code (%ld) is not valid. Valid codes are 3XX "
                     "except 300.",
                     c);
            s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
            return -1;
        }
    }
    code = confxml_text(cond, "HttpErrorCodeReturnedEquals");
    if (code) {
        long c = strtol(code, NULL, 10);
        if (!((c >= 400 && c <= 417) || (c >= 500 && c <= 505))) {
            snprintf(msg, sizeof msg,
                     "The provided HTTP error code (%ld) is not valid. Valid codes are 4XX or 5XX.",
                     c);
            s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
            return -1;
        }
    }
    return 0;
}

/* 0, or -1 after answering S3's error for the configuration. */
static int check(s3_req_t *r, http_response_t *resp, const confxml_node_t *w)
{
    const confxml_node_t *all = confxml_get(w, "RedirectAllRequestsTo");
    if (all) {
        if (w->n > 1) {
            s3_err_arg(r, resp,
                       "RedirectAllRequestsTo cannot be provided in conjunction with other "
                       "Routing Rules.",
                       "RedirectAllRequestsTo", "not null");
            return -1;
        }
        if (!protocol_ok(confxml_text(all, "Protocol"))) {
            s3_err_msg(r, resp, S3E_INVALID_REQUEST, bad_protocol);
            return -1;
        }
        return 0;
    }
    const char *suffix = confxml_text(w, "IndexDocument/Suffix");
    if (!suffix) {
        s3_err_arg(r, resp,
                   "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is "
                   "empty",
                   "IndexDocument", "null");
        return -1;
    }
    if (!*suffix || strchr(suffix, '/')) {
        s3_err_arg(r, resp, "The IndexDocument Suffix is not well formed", "IndexDocument", suffix);
        return -1;
    }
    const char *key = confxml_text(w, "ErrorDocument/Key");
    if (key && !*key) {
        s3_err_arg(r, resp, "The ErrorDocument Key is not well formed", "ErrorDocument", key);
        return -1;
    }
    const confxml_node_t *rr = confxml_get(w, "RoutingRules");
    if (rr && rr->n > MAX_RULES) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "%zu routing rules provided, the number of routing rules in a website "
                 "configuration is limited to %d.",
                 rr->n, MAX_RULES);
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
        return -1;
    }
    for (size_t i = 0; rr && i < rr->n; i++)
        if (check_rule(r, resp, rr->kids[i])) return -1;
    return 0;
}

void s3_put_website(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    confxml_node_t *w;
    if (confdoc_read(r, resp, &root, &w)) return;
    if (check(r, resp, w) == 0 && confdoc_store(r, resp, CONF_NAME, w, &root) == 0)
        confdoc_ok(resp, 200);
    confxml_free(w);
}

void s3_get_website(s3_req_t *r, http_response_t *resp)
{
    confdoc_answer(r, resp, CONF_NAME, ROOT, S3E_NO_SUCH_WEBSITE);
}

void s3_delete_website(s3_req_t *r, http_response_t *resp)
{
    /* Nothing to delete is still 204, as on S3 (localstack's recorded
     * test_crud_website_configuration). */
    confdoc_delete(r, resp, CONF_NAME, 204);
}

confxml_node_t *s3_website_parse(const char *doc, size_t len)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "<%s>", ROOT);
    buf_append(&b, doc, len);
    buf_printf(&b, "</%s>", ROOT);
    confxml_node_t *w = NULL;
    if (confxml_parse(b.p, b.len, &root, &w) != 0) w = NULL;
    buf_free(&b);
    return w;
}
