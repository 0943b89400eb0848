/* lifecycle_worker — the thread that applies buckets' lifecycle rules.
 *
 * One pass walks every bucket that has a lifecycle configuration (the bucket
 * document "lifecycle", see lifecycle.h) through the store's own calls: it
 * aborts incomplete multipart uploads, expires current versions (deleting
 * them, or adding a delete marker in a versioned bucket, as a DELETE would),
 * expires noncurrent versions and delete markers left alone, and moves
 * versions to the storage class a transition names. A version under object
 * lock retention or legal hold is never deleted. It talks to request threads
 * only through the store. Passes run at start and then every interval: an
 * hour, or one lifecycle day when days are shortened (a monotonic timer);
 * s3_lifecycle_run_now runs one more at once. Due dates come from the
 * server's clock (util_now_ms), so a pass after the clock was advanced
 * applies what fell due in between. */
#ifndef FAKES3_LIFECYCLE_WORKER_H
#define FAKES3_LIFECYCLE_WORKER_H

#include "store/store.h"

typedef struct s3_lifecycle s3_lifecycle_t;

/* Start the worker over st (not owned). day_seconds: 0 for S3's days (a day
 * is 86,400 s and due times round up to the next midnight UTC), else a day
 * lasts that many seconds and nothing is rounded. Aborts if no thread can
 * be made. */
s3_lifecycle_t *s3_lifecycle_start(store_t *st, unsigned day_seconds);
/* Stop it: the pass under way ends at the next object, then the thread is
 * joined and freed. NULL is ignored. */
void s3_lifecycle_stop(s3_lifecycle_t *lw);
/* Run a pass that starts after this call and wait until it is over (the
 * control namespace, after moving the clock forward). The timer's passes
 * keep their schedule. Returns at once for NULL, or when the worker stops;
 * callers must have returned before s3_lifecycle_stop frees it. */
void s3_lifecycle_run_now(s3_lifecycle_t *lw);

/* What the worker did since it started (for metrics), each count an action
 * the store carried out. */
typedef struct s3_lifecycle_counts {
    unsigned long long expiration;            /* current versions expired */
    unsigned long long noncurrent_expiration; /* noncurrent versions and markers removed */
    unsigned long long delete_marker_removal; /* expired object delete markers removed */
    unsigned long long abort_multipart;       /* incomplete uploads aborted */
    unsigned long long transition;            /* storage class changes */
} s3_lifecycle_counts_t;
/* Read lw's counts into *out (relaxed atomic loads; any thread). */
void s3_lifecycle_counts(const s3_lifecycle_t *lw, s3_lifecycle_counts_t *out);

#endif
