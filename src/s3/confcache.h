/* confcache — which buckets have a configuration document of one name, known
 * cheaply on the request path.
 *
 * Server access logging and event notifications act on every request or
 * write of a bucket that has a "logging" or "notification" document; most
 * buckets have none, and a request must not pay a database lookup to learn
 * that. A confcache answers from memory: while no bucket of the store has
 * the document (found by one scan at start) the answer costs one atomic
 * load; after that, a small table of bucket names (under a mutex) remembers
 * each answer until the handler that stores or removes such a document calls
 * s3_confcache_changed, which makes every remembered answer stale at once.
 * Knows nothing of HTTP; safe to call from any thread. */
#ifndef FAKES3_CONFCACHE_H
#define FAKES3_CONFCACHE_H

#include "store/store.h"

typedef struct s3_confcache s3_confcache_t;

/* A cache of whether buckets of st have the document name (not copied: a
 * string constant); scans the store's buckets once. Never NULL. */
s3_confcache_t *s3_confcache_new(store_t *st, const char *name);
/* Release it (NULL is fine). */
void s3_confcache_free(s3_confcache_t *c);
/* Whether bucket has the document (1) or not (0). */
int s3_confcache_has(s3_confcache_t *c, const char *bucket);
/* A document of the name was stored or removed (in any bucket): forget
 * every answer. */
void s3_confcache_changed(s3_confcache_t *c);

#endif
