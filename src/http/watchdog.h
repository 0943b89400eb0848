/* watchdog — deadlines for sockets: one thread shuts down the socket of each
 * entry whose time is up.
 *
 * Every entry gets the same timeout, so arming appends and the list stays in
 * deadline order. shutdown(fd, SHUT_RDWR) keeps the descriptor open: its
 * owner (libmicrohttpd) sees the end at its next poll and closes it later,
 * after the entry was disarmed, so the watchdog never touches a reused
 * descriptor number. */
#ifndef FAKES3_HTTP_WATCHDOG_H
#define FAKES3_HTTP_WATCHDOG_H

#include <stdint.h>

typedef struct http_wd http_wd_t;

/* One socket's place on the list; owned by the caller, zeroed before use. */
typedef struct http_wd_entry {
    int fd;
    int armed;
    int64_t deadline_us;
    struct http_wd_entry *prev, *next;
} http_wd_entry_t;

/* Start the thread; NULL on failure (errno set). */
http_wd_t *http_wd_start(int64_t timeout_us);
/* Stop the thread and free w (NULL is fine); entries still armed are dropped. */
void http_wd_stop(http_wd_t *w);
/* (Re)start e's clock: its socket is shut down timeout_us from now. */
void http_wd_arm(http_wd_t *w, http_wd_entry_t *e);
/* Take e off the list; after this the watchdog no longer uses e or its fd. */
void http_wd_disarm(http_wd_t *w, http_wd_entry_t *e);

#endif
