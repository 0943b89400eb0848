/* ctl_int — what the control namespace's modules share: the state, the
 * table row type and JSON answers. Internal to src/ctl/. */
#ifndef FAKES3_CTL_INT_H
#define FAKES3_CTL_INT_H

#include <jansson.h>
#include <stdint.h>

#include "ctl/ctl.h"
#include "http/http.h"

struct ctl {
    ctl_options_t opt;
    char **argv; /* owned copy of opt.argv */
    s3_server_t *app;
    s3_lifecycle_t *lifecycle; /* not owned; NULL until ctl_bind_lifecycle */
    s3_hooks_t hooks;
    int64_t started_us;          /* monotonic */
    struct ctl_faults *faults;   /* fault rules (faults.c) */
    struct ctl_journal *journal; /* NULL: --journal 0 */
    struct ctl_console *console; /* the web console's files (console.c) */
    struct ctl_metrics *metrics; /* counters for GET /metrics (metrics.c) */
};

/* One control call: method and path ("/health"; a trailing '*' matches any
 * non-empty rest, as in "/faults/" followed by '*'), whether it needs an admin when users are set
 * (0, S3_CTL_ADMIN, or S3_CTL_ADMIN_OR_BASIC), and its handler, which answers resp. */
typedef struct ctl_call {
    const char *method;
    const char *path;
    int admin;
    void (*handle)(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
} ctl_call_t;

/* Answer j (stolen) as JSON with status. */
void ctl_reply(http_response_t *resp, int status, json_t *j);
/* Answer {"error": code, "message": msg} with status. */
void ctl_error(http_response_t *resp, int status, const char *code, const char *msg);
/* The request's body as a JSON object, or NULL after answering 400
 * (an empty body is {}). The caller owns the result. */
json_t *ctl_body_object(const s3_ctl_req_t *req, http_response_t *resp);
/* A query parameter's decoded value (caller frees), or NULL when absent. */
char *ctl_query(const s3_ctl_req_t *req, const char *name);

#endif
