/* space — the store's answer to running out of disk space or descriptors.
 *
 * store_errno_code turns an errno into the store's code for it, so that a
 * full disk (ENOSPC, EDQUOT) and descriptor exhaustion (EMFILE, ENFILE) reach
 * the caller as themselves, not as a generic I/O error.
 *
 * A reserve is a preallocated file under the root holding bytes that only
 * deletes may use: when a delete cannot commit for lack of space the backend
 * releases the reserve and tries again; writes that add data first put the
 * reserve back (store_reserve_ensure) and fail with STORE_ENOSPC while it
 * does not fit, so that they cannot take the space a delete needs. The
 * reserve survives restarts; a start on a full disk releases it to open the
 * database. Every function is safe to call from any thread. */
#ifndef FAKES3_STORE_SPACE_H
#define FAKES3_STORE_SPACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* STORE_ENOSPC, STORE_EMFILE or STORE_EIO for errno e. */
int store_errno_code(int e);

typedef struct store_reserve {
    int dirfd;       /* the root; not owned */
    uint64_t bytes;  /* the reserve's size */
    atomic_int held; /* the file is in place with its bytes allocated */
    atomic_int off;  /* this file system cannot hold one: writes go on without it */
    pthread_mutex_t mu;
} store_reserve_t;

/* Set up a reserve of bytes in dirfd's ".reserve" (an existing full-size file
 * counts as held); nothing is allocated until store_reserve_ensure. */
void store_reserve_init(store_reserve_t *r, int dirfd, uint64_t bytes);
/* Put the reserve in place if it is not: STORE_OK, or STORE_ENOSPC when it
 * does not fit (nothing is left allocated then), or STORE_EMFILE. Any other
 * failure (a file system without the means) turns the reserve off, once,
 * with a log line: STORE_OK from then on. */
int store_reserve_ensure(store_reserve_t *r);
/* Give the reserve's bytes back to the file system; 1 if it was held. */
int store_reserve_release(store_reserve_t *r);
/* Release the mutex (the file stays for the next start). */
void store_reserve_destroy(store_reserve_t *r);

#endif
