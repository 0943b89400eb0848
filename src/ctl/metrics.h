/* metrics — GET /_fakes3/metrics: the server's counters in Prometheus's text
 * exposition format (0.0.4).
 *
 * Requests by operation and status code, a latency histogram per operation,
 * body bytes received and sent, and authentication failures by reason are
 * counted from the S3 layer's record hook (every exchange but control calls);
 * fault-rule hits by action from the fault rules (faults.c); refused control
 * calls from the S3 layer's control_refused hook. Counting is relaxed atomic
 * additions into fixed tables: no lock, no allocation, no clock read (the
 * record hook is told the exchange's duration). An operation name (a static
 * string of s3's operation table) finds its row by its address in a table
 * that rows are claimed in with a compare-and-swap, never freed; rows of
 * equal names (the same text at two addresses) are added up when printed.
 *
 * A scrape reads those counters, the http listeners' open connections and
 * requests in flight, the lifecycle worker's actions, the store's kept
 * per-bucket totals (when the backend keeps them: store_ops.bucket_stats)
 * and the process's own figures from /proc/self. The only lock it takes
 * guards the list of listeners against their release at shutdown; no
 * request waits on it. */
#ifndef FAKES3_CTL_METRICS_H
#define FAKES3_CTL_METRICS_H

#include "ctl/ctl_int.h"

typedef struct ctl_metrics ctl_metrics_t;

/* What a fault rule that fired did (a rule may do several). */
typedef enum ctl_fault_action {
    CTL_FAULT_ERROR,
    CTL_FAULT_DELAY,
    CTL_FAULT_BODY_DELAY,
    CTL_FAULT_RESET,
    CTL_FAULT_TRUNCATE,
    CTL_FAULT_RATE,
    CTL_FAULT_NACTIONS
} ctl_fault_action_t;

/* Counters at zero. Never NULL. */
ctl_metrics_t *ctl_metrics_new(void);
/* Release them (after the listeners stopped). NULL is ignored. */
void ctl_metrics_free(ctl_metrics_t *m);

/* ---- counting (any thread, lock-free) ---- */

/* One finished exchange (s3_hooks_t.record's info): its operation, status,
 * duration, body bytes and, for an authentication or authorization error,
 * its reason. */
void ctl_metrics_record(ctl_metrics_t *m, const s3_req_info_t *info);
/* A fault rule fired and did action. */
void ctl_metrics_fault_hit(ctl_metrics_t *m, ctl_fault_action_t action);
/* A control call was refused with this error code (AccessDenied,
 * SignatureDoesNotMatch, ..., Unauthorized). */
void ctl_metrics_auth_failure(ctl_metrics_t *m, const char *code);

/* ---- listeners ---- */

/* Count srv's connections and requests in flight (not owned; at most 4
 * listeners). */
void ctl_metrics_bind_http(ctl_metrics_t *m, const http_server_t *srv);
/* Forget every listener: before they are stopped and freed. */
void ctl_metrics_unbind_http(ctl_metrics_t *m);

/* The call: GET /metrics. */
void ctl_metrics_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);

#endif
