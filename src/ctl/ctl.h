/* ctl — the control namespace /_fakes3/: what a test suite drives beside the
 * S3 API (health, info, reset, snapshots, the request journal, fault rules,
 * the clock), JSON in and out, and the Prometheus metrics.
 *
 * The S3 layer hands it every /_fakes3/ request (its body buffered) through
 * the hooks ctl_hooks returns, asks it whether a routed request is to fail
 * (fault rules) and reports every finished exchange (the journal and the
 * metrics). A call is one row of the table in ctl.c; its handler lives in
 * the module of its concern (journal.c, faults.c, clockctl.c, state.c,
 * metrics.c). It reaches the store and the S3 application only through
 * their public interfaces. */
#ifndef FAKES3_CTL_H
#define FAKES3_CTL_H

#include <stddef.h>

#include "s3/lifecycle_worker.h"
#include "s3/s3.h"
#include "store/store.h"

typedef struct ctl ctl_t;

typedef struct ctl_options {
    store_t *store;          /* not owned */
    const char *backend;     /* "sqlite", "memory": for info */
    const char *root;        /* the store's folder, for info */
    const char *const *argv; /* the command line in force, for info (argc entries) */
    int argc;
    int users;             /* how many users are configured (0: the open mode) */
    unsigned journal_size; /* --journal: requests kept (0: no journal) */
} ctl_options_t;

/* A control namespace over opt->store (options copied). Never NULL. */
ctl_t *ctl_new(const ctl_options_t *opt);
/* The S3 application it resets caches of, once made (not owned). */
void ctl_bind(ctl_t *c, s3_server_t *app);
/* The lifecycle worker a clock call runs a pass of after moving the clock
 * forward (not owned; it must outlive c's requests). */
void ctl_bind_lifecycle(ctl_t *c, s3_lifecycle_t *lw);
/* A listener whose connections and requests in flight the metrics show
 * (not owned; until ctl_quiesce). NULL c is ignored. */
void ctl_bind_http(ctl_t *c, const http_server_t *srv);
/* The hooks to give s3_new (owned by c). */
const s3_hooks_t *ctl_hooks(ctl_t *c);
/* Answer the calls that wait (the journal's wait) now and any later one at
 * once, and forget the listeners: before the listeners stop, which cannot
 * stop with one pending. */
void ctl_quiesce(ctl_t *c);
/* Release it (after the S3 application and listeners stopped). */
void ctl_free(ctl_t *c);

#endif
