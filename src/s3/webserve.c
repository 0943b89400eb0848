/* webserve — the bucket website endpoint: what S3 serves at
 * http://<bucket>.s3-website-<region>.amazonaws.com from a bucket's website
 * configuration (kept by website.c), on the --website-port listener. s3.c
 * hands every request of that listener here instead of to the operation
 * table; objects go out through s3_get_object_as, the REST GetObject's own
 * code (stored headers, Range, If-*, SSE-C).
 *
 * What S3 does, and where that is written (the S3 User Guide pages are
 * awsdocs/amazon-s3-userguide doc_source/<page>.md; "s3-tests" is Ceph's
 * s3tests/functional/test_s3_website.py, written against AWS):
 * - Only GET and HEAD; no HTTPS; a requester-pays bucket answers 403
 *   AccessDenied; every caller is anonymous, so only publicly readable
 *   objects are served (WebsiteEndpoints.md, "Key differences").
 * - Errors are HTML pages: "<title>404 Not Found</title>", an <ul> of Code,
 *   Message, Key or BucketName, RequestId, HostId (pages captured from AWS:
 *   lpiot's curl of a bucket without configuration, Scality cloudserver's
 *   website-util.js comments for NoSuchBucket and AccessDenied), and the
 *   x-amz-error-code, -message and -detail-Key headers (captured AWS answers;
 *   Ceph's rgw_rest_s3.cc names them too). MethodNotAllowed lists Method and
 *   ResourceType (localstack's website_hosting.py).
 * - A key that is "" or ends in "/" is that prefix plus the IndexDocument
 *   Suffix; a key without the slash that is missing, while key/Suffix
 *   exists, answers 302 Found to "/key/" (IndexDocumentSupport.md;
 *   "Location: /directory/" in localstack's AWS-validated
 *   test_website_hosting_index_lookup).
 * - A missing object is 404 NoSuchKey when the caller may list the bucket,
 *   else 403 AccessDenied; a private object 403 (s3-tests' public/private
 *   bucket and index cases; access_check decides both).
 * - ErrorDocument: for 4XX errors only, the object is served with the
 *   error's status when it is public; else the default page with a second
 *   list under "An Error Occurred While Attempting to Retrieve a Custom
 *   Error Document" (CustomErrorDocSupport.md; s3-tests' gooderrordoc,
 *   blockederrordoc and missingerrordoc cases; pages captured from AWS).
 * - RedirectAllRequestsTo: 301 to Protocol (default http)://HostName/ and
 *   the request's path (s3-tests' redirectall cases). RoutingRules, first
 *   match in order: a rule without HttpErrorCodeReturnedEquals applies
 *   before the object is looked up when the key starts with KeyPrefixEquals
 *   (none: every key); one with it applies when the request fails with that
 *   status (and its prefix matches). The Location is Protocol (default
 *   http)://HostName (default the request's Host)/ and ReplaceKeyWith, or
 *   the key with the KeyPrefixEquals part replaced by ReplaceKeyPrefixWith,
 *   or the key; the status HttpRedirectCode or 301 (how-to-page-redirect.md;
 *   s3-tests' ROUTING_RULES_TESTS; Ceph's rgw_website.cc apply_rule).
 * - x-amz-website-redirect-location on a readable object: 301 to the value
 *   as stored (how-to-page-redirect.md; s3-tests' xredirect cases).
 * - If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since give
 *   304 as on the REST endpoint (CustomErrorDocSupport.md). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "s3/authorize.h"
#include "s3/confxml.h"
#include "s3/s3req.h"

/* A request's state on the website listener. */
struct s3_web {
    confxml_node_t *conf; /* the bucket's WebsiteConfiguration, once read */
    char *key;            /* the request's key, decoded ("" for the root) */
    size_t key_len;
    char *path;          /* the request's path as sent (for redirects that keep it) */
    char *ekey;          /* the object the request names (the index document for a folder) */
    size_t ekey_len;     /* of ekey */
    const char *doc_key; /* the ErrorDocument Key, once tried (points into conf) */
    s3_err_t doc_err;    /* why it could not be served */
    int in_doc;          /* serving it: its failure is noted, not answered */
    int err_headers;     /* x-amz-error-* added */
};

static void web_free(void *ctx)
{
    struct s3_web *w = ctx;
    if (!w) return;
    confxml_free(w->conf);
    free(w->key);
    free(w->path);
    free(w->ekey);
    free(w);
}

void s3_web_init(s3_req_t *r)
{
    assert(!r->web && !r->op_ctx);
    r->web = xcalloc(1, sizeof *r->web);
    r->op_ctx = r->web;
    r->op_free = web_free;
}

/* ---- answers ---- */

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 416: return "Requested Range Not Satisfiable";
    case 500: return "Service Error"; /* S3's words (CustomErrorDocSupport.md) */
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Error";
    }
}

/* A header value that cannot break the head: control bytes refused. */
static int header_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    return 1;
}

/* The name and value of the detail S3 gives with e: the key for NoSuchKey,
 * the bucket for the bucket errors; 0 when none. */
static int detail(const s3_req_t *r, s3_err_t e, const char **name, const char **v, size_t *n)
{
    const struct s3_web *w = r->web;
    if (e == S3E_NO_SUCH_KEY && w->ekey) {
        *name = "Key", *v = w->ekey, *n = w->ekey_len;
        return 1;
    }
    if ((e == S3E_NO_SUCH_BUCKET || e == S3E_NO_SUCH_WEBSITE) && r->t.bucket) {
        *name = "BucketName", *v = r->t.bucket, *n = strlen(r->t.bucket);
        return 1;
    }
    return 0;
}

static void error_headers(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg)
{
    if (r->web->err_headers) return;
    r->web->err_headers = 1;
    http_resp_header(resp, "x-amz-error-code", s3_err_code(e));
    http_resp_header(resp, "x-amz-error-message", msg ? msg : s3_err_message(e));
    const char *name, *v;
    size_t n;
    if (detail(r, e, &name, &v, &n) && header_safe(v, n)) {
        char hn[40];
        snprintf(hn, sizeof hn, "x-amz-error-detail-%s", name);
        char *value = xstrndup(v, n);
        http_resp_header(resp, hn, value);
        free(value);
    }
}

static void item(buf_t *b, const char *name, const char *v, size_t n)
{
    buf_printf(b, "<li>%s: ", name);
    buf_xml(b, v, n);
    buf_puts(b, "</li>\n");
}

/* S3's HTML page for e (a HEAD gets its headers and length, no body). */
static void error_page(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg)
{
    struct s3_web *w = r->web;
    int status = s3_err_status(e);
    const char *text = msg ? msg : s3_err_message(e);
    buf_t b = BUF_INIT;
    buf_printf(&b,
               "<html>\n<head><title>%d %s</title></head>\n<body>\n<h1>%d %s</h1>\n<ul>\n"
               "<li>Code: %s</li>\n",
               status, reason(status), status, reason(status), s3_err_code(e));
    item(&b, "Message", text, strlen(text));
    const char *name, *v;
    size_t n;
    if (detail(r, e, &name, &v, &n)) item(&b, name, v, n);
    if (e == S3E_METHOD_NOT_ALLOWED) {
        item(&b, "Method", r->method, strlen(r->method));
        buf_puts(&b, "<li>ResourceType: OBJECT</li>\n");
    }
    buf_printf(&b, "<li>RequestId: %s</li>\n<li>HostId: %s</li>\n</ul>\n", r->reqid, r->hostid);
    if (w->doc_key && w->doc_err != S3E_NONE) {
        buf_printf(&b,
                   "<h3>An Error Occurred While Attempting to Retrieve a Custom Error "
                   "Document</h3>\n<ul>\n<li>Code: %s</li>\n",
                   s3_err_code(w->doc_err));
        item(&b, "Message", s3_err_message(w->doc_err), strlen(s3_err_message(w->doc_err)));
        if (w->doc_err == S3E_NO_SUCH_KEY) item(&b, "Key", w->doc_key, strlen(w->doc_key));
        buf_puts(&b, "</ul>\n");
    }
    buf_puts(&b, "<hr/>\n</body>\n</html>\n");
    http_resp_status(resp, status);
    error_headers(r, resp, e, msg);
    http_resp_header(resp, "Content-Type", "text/html; charset=utf-8");
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}

static void redirect(http_response_t *resp, int status, const char *location)
{
    http_resp_status(resp, status);
    http_resp_header(resp, "Location", location);
    http_resp_ready(resp);
}

/* ---- routing rules ---- */

/* Whether rule applies to key: before the lookup (status 0) the rules
 * without an error code, after a failure with status those naming it. */
static int rule_matches(const confxml_node_t *rule, const char *key, size_t key_len, int status)
{
    const confxml_node_t *cond = confxml_get(rule, "Condition");
    const char *code = confxml_text(cond, "HttpErrorCodeReturnedEquals");
    if (status ? !code || strtol(code, NULL, 10) != status : code != NULL) return 0;
    const char *prefix = confxml_text(cond, "KeyPrefixEquals");
    size_t pl = prefix ? strlen(prefix) : 0;
    return pl <= key_len && memcmp(key, prefix ? prefix : "", pl) == 0;
}

/* Answer the first routing rule that applies to the request; 1 when one did. */
static int route(s3_req_t *r, http_response_t *resp, int status)
{
    struct s3_web *w = r->web;
    const confxml_node_t *rules = confxml_get(w->conf, "RoutingRules");
    for (size_t i = 0; rules && i < rules->n; i++) {
        const confxml_node_t *rule = rules->kids[i];
        if (!rule_matches(rule, w->key, w->key_len, status)) continue;
        const confxml_node_t *red = confxml_get(rule, "Redirect");
        const char *proto = confxml_text(red, "Protocol");
        const char *host = confxml_text(red, "HostName");
        const char *code = confxml_text(red, "HttpRedirectCode");
        const char *with = confxml_text(red, "ReplaceKeyWith");
        const char *prefix_with = confxml_text(red, "ReplaceKeyPrefixWith");
        if (!host || !*host) host = http_req_header(r->http, "Host");
        buf_t loc = BUF_INIT;
        buf_printf(&loc, "%s://%s/", proto && *proto ? proto : "http", host ? host : "");
        if (with) {
            buf_urlenc(&loc, with, strlen(with), 1);
        } else {
            size_t skip = 0;
            if (prefix_with) {
                const char *p = confxml_text(confxml_get(rule, "Condition"), "KeyPrefixEquals");
                skip = p ? strlen(p) : 0;
                buf_urlenc(&loc, prefix_with, strlen(prefix_with), 1);
            }
            buf_urlenc(&loc, w->key + skip, w->key_len - skip, 1);
        }
        redirect(resp, code ? (int)strtol(code, NULL, 10) : 301, loc.p);
        buf_free(&loc);
        return 1;
    }
    return 0;
}

/* ---- objects ---- */

/* The value of x-amz-website-redirect-location among an object's stored
 * header lines, as a new string; NULL when it has none. */
static char *redirect_location(const char *h)
{
    static const char name[] = "x-amz-website-redirect-location:";
    for (; h && *h; h += strcspn(h, "\n"), h += *h == '\n') {
        if (strncasecmp(h, name, sizeof name - 1) != 0) continue;
        const char *v = h + sizeof name - 1;
        while (*v == ' ')
            v++;
        size_t n = strcspn(v, "\n");
        return n ? xstrndup(v, n) : NULL;
    }
    return NULL;
}

/* The ErrorDocument for a 4XX error e: served with e's status (or its own
 * redirect) when the public may read it; 1 when answered, else 0 with the
 * reason noted for the page. */
static int error_document(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg)
{
    struct s3_web *w = r->web;
    store_t *st = r->srv->store;
    const char *key = confxml_text(w->conf, "ErrorDocument/Key");
    int status = s3_err_status(e);
    if (!key || status / 100 != 4 || w->doc_key) return 0;
    w->doc_key = key;
    size_t n = strlen(key);
    w->doc_err = s3_may(r, "s3:GetObject", r->t.bucket, key, n);
    if (w->doc_err != S3E_NONE) return 0;
    store_obj_t o;
    int rc = st->ops->obj_get(st, r->t.bucket, key, n, NULL, &o, NULL);
    if (rc == STORE_ENOKEY) w->doc_err = s3_may(r, "s3:ListBucket", r->t.bucket, NULL, 0);
    if (rc != STORE_OK) {
        if (w->doc_err == S3E_NONE) w->doc_err = s3_err_from_store(rc);
        return 0;
    }
    char *loc = redirect_location(o.headers);
    store_obj_free(&o);
    if (loc) {
        redirect(resp, 301, loc);
        free(loc);
        return 1;
    }
    error_headers(r, resp, e, msg);
    w->in_doc = 1;
    s3_get_object_as(r, resp, r->t.bucket, key, n, status);
    w->in_doc = 0;
    return w->doc_err == S3E_NONE && http_resp_is_ready(resp);
}

void s3_web_error(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg)
{
    struct s3_web *w = r->web;
    if (w->in_doc) {
        /* The error document failed on its way out: the page says so. */
        w->doc_err = e;
        return;
    }
    if (w->conf && w->key) {
        if (route(r, resp, s3_err_status(e))) return;
        if (error_document(r, resp, e, msg)) return;
    }
    error_page(r, resp, e, msg);
}

/* ---- addressing ---- */

/* The Host without port and trailing dot, lower case; "" when none. */
static char *host_name(const char *host)
{
    if (!host) return xstrdup("");
    size_t n =
        host[0] == '[' ? strcspn(host, "]") + (strchr(host, ']') != NULL) : strcspn(host, ":");
    char *h = xstrndup(host, n);
    for (char *p = h; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    if (n && h[n - 1] == '.') h[n - 1] = '\0';
    return h;
}

/* The website endpoint label S3 puts after a bucket: "s3-website" or
 * "s3-website-<region>". Returns where the last one starts in h, or NULL. */
static const char *endpoint_label(const char *h)
{
    const char *found = NULL;
    for (const char *p = h; (p = strstr(p, "s3-website")) != NULL; p++) {
        char after = p[10];
        if ((p == h || p[-1] == '.') && (after == '\0' || after == '.' || after == '-')) found = p;
    }
    return found;
}

/* The bucket a Host names on the website listener (a new string), or NULL
 * for S3's bare website endpoint. */
static char *web_bucket(s3_req_t *r, const char *h)
{
    /* <bucket>.s3-website-<region>.amazonaws.com, <bucket>.s3-website.<region>.amazonaws.com
     * (and localstack's <bucket>.s3-website.localhost.localstack.cloud) */
    const char *label = endpoint_label(h);
    if (label) return label == h ? NULL : xstrndup(h, (size_t)(label - 1 - h));
    /* A custom domain: the bucket named like the whole host. */
    store_t *st = r->srv->store;
    if (*h && st->ops->bucket_get(st, h, NULL) == STORE_OK) return xstrdup(h);
    /* <bucket>.localhost, <bucket>.<-H base>, a compose alias <bucket>.<label> */
    char *b = addr_vhost_bucket(h, (const char *const *)r->srv->bases, r->srv->nbase);
    return b ? b : xstrdup(h);
}

/* The request's path as sent (absolute-form reduced to its path) and its key
 * decoded; the query is not looked at. 0, or -1 when it cannot be decoded. */
static int web_path(s3_req_t *r)
{
    struct s3_web *w = r->web;
    const char *t = http_req_target(r->http);
    size_t scheme = strncmp(t, "http://", 7) == 0 ? 7 : strncmp(t, "https://", 8) == 0 ? 8 : 0;
    if (scheme) {
        const char *p = strchr(t + scheme, '/');
        t = p ? p : "/";
    }
    if (t[0] != '/') return -1;
    size_t n = strcspn(t, "?");
    w->path = xstrndup(t, n);
    size_t kn;
    char *dec = util_urldec(t, n, 0, &kn);
    if (!dec) return -1;
    w->key = xstrndup(dec + 1, kn - 1);
    w->key_len = kn - 1;
    free(dec);
    return 0;
}

/* ---- the request ---- */

static int requester_pays(s3_req_t *r)
{
    store_t *st = r->srv->store;
    char *doc = NULL;
    size_t len = 0;
    if (st->ops->conf_get(st, r->t.bucket, "requestPayment", &doc, &len) != STORE_OK) return 0;
    /* the canonical document bucketflags.c keeps */
    int yes = strstr(doc, "<Payer>Requester</Payer>") != NULL;
    free(doc);
    return yes;
}

/* Serve the object the key names, after the checks S3 makes. */
static void serve(s3_req_t *r, http_response_t *resp)
{
    struct s3_web *w = r->web;
    store_t *st = r->srv->store;
    const char *suffix = confxml_text(w->conf, "IndexDocument/Suffix");
    if (!suffix) suffix = "";
    int folder = w->key_len == 0 || w->key[w->key_len - 1] == '/';
    buf_t ek = BUF_INIT;
    buf_append(&ek, w->key, w->key_len);
    if (folder) buf_puts(&ek, suffix);
    w->ekey_len = ek.len;
    w->ekey = buf_take(&ek);
    if (w->ekey_len > S3_MAX_KEY) {
        s3_web_error(r, resp, S3E_KEY_TOO_LONG, NULL);
        return;
    }
    store_obj_t o;
    int rc = st->ops->obj_get(st, r->t.bucket, w->ekey, w->ekey_len, NULL, &o, NULL);
    if (rc == STORE_ENOKEY && !folder) {
        /* "photos" missing while "photos/index.html" exists: a folder. */
        buf_t idx = BUF_INIT;
        buf_append(&idx, w->key, w->key_len);
        buf_printf(&idx, "/%s", suffix);
        store_obj_t io;
        int irc = st->ops->obj_get(st, r->t.bucket, idx.p, idx.len, NULL, &io, NULL);
        buf_free(&idx);
        if (irc == STORE_OK) {
            store_obj_free(&io);
            buf_t loc = BUF_INIT;
            buf_printf(&loc, "%s/", w->path);
            redirect(resp, 302, loc.p);
            buf_free(&loc);
            return;
        }
    }
    /* Anonymous: a private object is 403, a missing one 403 unless the
     * public may list the bucket, however s3:GetObject was granted (a
     * policy on every key of the bucket grants it for keys that do not
     * exist). */
    s3_err_t e = s3_may(r, "s3:GetObject", r->t.bucket, w->ekey, w->ekey_len);
    if (e == S3E_NONE && rc == STORE_ENOKEY) e = s3_may(r, "s3:ListBucket", r->t.bucket, NULL, 0);
    if (e == S3E_NONE && rc != STORE_OK) e = s3_err_from_store(rc);
    if (e != S3E_NONE) {
        if (rc == STORE_OK) store_obj_free(&o);
        s3_web_error(r, resp, e, NULL);
        return;
    }
    char *loc = redirect_location(o.headers);
    store_obj_free(&o);
    if (loc) {
        redirect(resp, 301, loc);
        free(loc);
        return;
    }
    s3_get_object_as(r, resp, r->t.bucket, w->ekey, w->ekey_len, 0);
}

void s3_web_begin(s3_req_t *r, http_response_t *resp)
{
    s3_web_init(r);
    s3_authorize_note(r, "website"); /* for the access log */
    struct s3_web *w = r->web;
    store_t *st = r->srv->store;
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        error_page(r, resp, S3E_METHOD_NOT_ALLOWED, NULL);
        return;
    }
    char *h = host_name(http_req_header(r->http, "Host"));
    r->t.bucket = web_bucket(r, h);
    free(h);
    if (!r->t.bucket) {
        /* S3's bare website endpoint (CustomErrorDocSupport.md) */
        redirect(resp, 301, "https://aws.amazon.com/s3/");
        return;
    }
    if (web_path(r)) {
        error_page(r, resp, S3E_INVALID_URI, NULL);
        return;
    }
    if (!util_utf8_valid(w->key, w->key_len)) {
        error_page(r, resp, S3E_INVALID_URI, "Object key is not valid UTF-8.");
        return;
    }
    char *doc = NULL;
    size_t len = 0;
    int rc = st->ops->conf_get(st, r->t.bucket, "website", &doc, &len);
    if (rc != STORE_OK) {
        error_page(r, resp, rc == STORE_ENOCONF ? S3E_NO_SUCH_WEBSITE : s3_err_from_store(rc),
                   NULL);
        return;
    }
    w->conf = s3_website_parse(doc, len);
    free(doc);
    if (!w->conf) {
        error_page(r, resp, S3E_INTERNAL_ERROR, NULL);
        return;
    }
    /* WebsiteEndpoints.md: requester-pays buckets answer 403 Access Denied. */
    if (requester_pays(r)) {
        error_page(r, resp, S3E_ACCESS_DENIED, NULL);
        return;
    }
    const confxml_node_t *all = confxml_get(w->conf, "RedirectAllRequestsTo");
    if (all) {
        const char *proto = confxml_text(all, "Protocol");
        buf_t loc = BUF_INIT;
        buf_printf(&loc, "%s://%s%s", proto && *proto ? proto : "http",
                   confxml_text(all, "HostName"), w->path);
        redirect(resp, 301, loc.p);
        buf_free(&loc);
        return;
    }
    if (route(r, resp, 0)) return;
    serve(r, resp);
}
