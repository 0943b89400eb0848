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
 * hour, or one lifecycle day when days are shortened. */
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

#endif
