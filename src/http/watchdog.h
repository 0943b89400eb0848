/* watchdog — deadlines for sockets: one thread shuts down the socket of each
 * entry whose deadline has passed.
 *
 * Entries join at connection start and leave at its end (under a mutex);
 * arming and disarming in between are one atomic store each, so the request
 * path takes no lock. The thread looks at every entry each tick (a quarter
 * of the timeout, at most 1 s), so a deadline is enforced up to one tick
 * late. shutdown(fd, SHUT_RDWR) keeps the descriptor open: its owner
 * (libmicrohttpd) sees the end at its next poll and closes it after the
 * entry left, so the watchdog never touches a reused descriptor number. */
#ifndef FAKES3_HTTP_WATCHDOG_H
#define FAKES3_HTTP_WATCHDOG_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct http_wd http_wd_t;

/* One socket's place; owned by the caller, zeroed before http_wd_add. */
typedef struct http_wd_entry {
    int fd;
    _Atomic int64_t deadline_us; /* 0: disarmed */
    struct http_wd_entry *prev, *next;
} http_wd_entry_t;

/* Start the thread; NULL on failure (errno set). */
http_wd_t *http_wd_start(int64_t timeout_us);
/* Stop the thread and free w (NULL is fine); entries must have left. */
void http_wd_stop(http_wd_t *w);
/* Join and leave the watched set; after http_wd_remove the watchdog no longer
 * uses e or its fd. */
void http_wd_add(http_wd_t *w, http_wd_entry_t *e);
void http_wd_remove(http_wd_t *w, http_wd_entry_t *e);
/* (Re)start e's clock: its socket is shut down timeout_us from now. */
void http_wd_arm(http_wd_t *w, http_wd_entry_t *e);
/* Stop e's clock. */
void http_wd_disarm(http_wd_entry_t *e);

#endif
