/* The control namespace's table and its simplest calls: health and info. */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl/clockctl.h"
#include "ctl/console.h"
#include "ctl/ctl_int.h"
#include "ctl/faults.h"
#include "ctl/state.h"
#include "ctl/journal.h"
#include "ctl/metrics.h"
#include "lib/buf.h"
#include "lib/util.h"

/* ---- JSON answers ---- */

void ctl_reply(http_response_t *resp, int status, json_t *j)
{
    /* 15 digits: the clock's offset_seconds (1e8 s and more, to the ms) must
     * survive, and %.15g still prints 0.1 as 0.1. */
    char *s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(j);
    buf_t b = BUF_INIT;
    if (s) buf_puts(&b, s);
    buf_putc(&b, '\n');
    free(s);
    http_resp_status(resp, status);
    http_resp_header(resp, "Content-Type", "application/json");
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}

void ctl_error(http_response_t *resp, int status, const char *code, const char *msg)
{
    ctl_reply(resp, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

json_t *ctl_body_object(const s3_ctl_req_t *req, http_response_t *resp)
{
    if (req->body_len == 0) return json_object();
    json_error_t e;
    json_t *j = json_loadb(req->body, req->body_len, 0, &e);
    if (!j || !json_is_object(j)) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not a JSON object%s%s", j ? "" : ": ",
                 j ? "" : e.text);
        json_decref(j);
        ctl_error(resp, 400, "MalformedJSON", msg);
        return NULL;
    }
    return j;
}

char *ctl_query(const s3_ctl_req_t *req, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = req->query; *p;) {
        size_t n = strcspn(p, "&");
        size_t k = strcspn(p, "=");
        if (k > n) k = n;
        if (k == nl && memcmp(p, name, nl) == 0) {
            const char *v = k < n ? p + k + 1 : p + k;
            size_t vl = k < n ? n - k - 1 : 0, out;
            return util_urldec(v, vl, 1, &out);
        }
        p += n;
        if (*p) p++;
    }
    return NULL;
}

/* ---- health and info ---- */

static void health(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)c;
    (void)req;
    ctl_reply(resp, 200, json_pack("{s:s}", "status", "ok"));
}

static void info(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)req;
    json_t *args = json_array();
    for (int i = 1; i < c->opt.argc; i++)
        json_array_append_new(args, json_string(c->argv[i]));
    char now[25];
    util_iso_date(util_now_ms(), now);
    json_t *j = json_pack("{s:s, s:o, s:s, s:s, s:s, s:f, s:s, s:o, s:o}", "version",
                          FAKES3_VERSION, "args", args, "backend", c->opt.backend, "root",
                          c->opt.root ? c->opt.root : "", "mode", c->opt.users ? "signed" : "open",
                          "uptime_seconds", (double)(util_mono_us() - c->started_us) / 1e6, "now",
                          now, "counts", ctl_state_counts(c), "journal", ctl_journal_info(c));
    ctl_reply(resp, 200, j);
}

static const ctl_call_t calls[] = {
    {"GET", "/health", 0, health},
    {"GET", "/info", 1, info},
    {"POST", "/faults", 1, ctl_faults_post},
    {"GET", "/faults", 1, ctl_faults_get},
    {"DELETE", "/faults", 1, ctl_faults_delete_all},
    {"DELETE", "/faults/*", 1, ctl_faults_delete_one},
    {"GET", "/clock", 1, clockctl_get},
    {"POST", "/clock", 1, clockctl_post},
    {"POST", "/reset", 1, ctl_state_reset},
    {"POST", "/snapshots/*", 1, ctl_state_snapshot_post},
    {"GET", "/snapshots", 1, ctl_state_snapshot_list},
    {"DELETE", "/snapshots/*", 1, ctl_state_snapshot_delete},
    {"GET", "/requests", 1, ctl_journal_list},
    {"DELETE", "/requests", 1, ctl_journal_delete},
    {"GET", "/requests/wait", 1, ctl_journal_wait},
    {"GET", "/console", 0, ctl_console_redirect},
    {"GET", "/console/", 0, ctl_console_get},
    {"GET", "/console/*", 0, ctl_console_get},
    {"GET", "/metrics", S3_CTL_ADMIN_OR_BASIC, ctl_metrics_get},
};

/* The row for method and path; *path_ok says whether any row has the path
 * (405 rather than 404). */
static const ctl_call_t *find(const char *method, const char *path, int *path_ok)
{
    *path_ok = 0;
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        const char *p = calls[i].path;
        size_t n = strlen(p);
        int hit =
            p[n - 1] == '*' ? strncmp(path, p, n - 1) == 0 && path[n - 1] : strcmp(path, p) == 0;
        if (!hit) continue;
        *path_ok = 1;
        if (strcmp(calls[i].method, method) == 0 ||
            (strcmp(calls[i].method, "GET") == 0 && strcmp(method, "HEAD") == 0))
            return &calls[i];
    }
    return NULL;
}

static void on_control(void *ctx, const s3_ctl_req_t *req, http_response_t *resp)
{
    ctl_t *c = ctx;
    int path_ok;
    const ctl_call_t *call = find(req->method, req->path, &path_ok);
    if (!call) {
        ctl_error(resp, path_ok ? 405 : 404, path_ok ? "MethodNotAllowed" : "NoSuchControlCall",
                  path_ok ? "this control call does not take that method"
                          : "no control call has that path");
        return;
    }
    call->handle(c, req, resp);
}

static int on_needs_admin(void *ctx, const char *method, const char *path)
{
    (void)ctx;
    int path_ok;
    const ctl_call_t *call = find(method, path, &path_ok);
    return call ? call->admin : 1;
}

/* Every exchange: counted always, journaled when the journal is on (whose
 * body and answered hooks are set only then). */
static void on_record(void *ctx, const s3_req_info_t *info)
{
    ctl_t *c = ctx;
    ctl_metrics_record(c->metrics, info);
    if (c->journal) ctl_journal_on_record(ctx, info);
}

static void on_control_refused(void *ctx, const char *code)
{
    ctl_metrics_auth_failure(((ctl_t *)ctx)->metrics, code);
}

ctl_t *ctl_new(const ctl_options_t *opt)
{
    ctl_t *c = xcalloc(1, sizeof *c);
    c->opt = *opt;
    c->argv = xcalloc((size_t)opt->argc + 1, sizeof *c->argv);
    for (int i = 0; i < opt->argc; i++)
        c->argv[i] = xstrdup(opt->argv[i]);
    c->opt.argv = NULL;
    c->opt.backend = xstrdup(opt->backend ? opt->backend : "sqlite");
    c->opt.root = opt->root ? xstrdup(opt->root) : NULL;
    c->started_us = util_mono_us();
    c->faults = ctl_faults_new();
    c->console = ctl_console_new();
    c->metrics = ctl_metrics_new();
    c->hooks = (s3_hooks_t){.ctx = c, .control = on_control, .control_needs_admin = on_needs_admin};
    c->hooks.fault = ctl_faults_hook;
    c->hooks.record = on_record;
    c->hooks.control_refused = on_control_refused;
    c->journal = ctl_journal_new(opt->journal_size);
    if (c->journal) {
        c->hooks.body = ctl_journal_on_body;
        c->hooks.answered = ctl_journal_on_answered;
    }
    return c;
}

void ctl_bind(ctl_t *c, s3_server_t *app)
{
    c->app = app;
}

void ctl_bind_lifecycle(ctl_t *c, s3_lifecycle_t *lw)
{
    c->lifecycle = lw;
}

void ctl_bind_http(ctl_t *c, const http_server_t *srv)
{
    if (c) ctl_metrics_bind_http(c->metrics, srv);
}

const s3_hooks_t *ctl_hooks(ctl_t *c)
{
    return &c->hooks;
}

void ctl_quiesce(ctl_t *c)
{
    if (!c) return;
    ctl_journal_quiesce(c->journal);
    /* The listeners are about to be stopped and freed: scrapes stop reading them. */
    ctl_metrics_unbind_http(c->metrics);
}

void ctl_free(ctl_t *c)
{
    if (!c) return;
    ctl_journal_free(c->journal);
    for (int i = 0; i < c->opt.argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free((char *)c->opt.backend);
    free((char *)c->opt.root);
    ctl_faults_free(c->faults);
    ctl_console_free(c->console);
    ctl_metrics_free(c->metrics);
    free(c);
}
