#include "http/watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/util.h"

struct http_wd {
    int64_t timeout_us;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    http_wd_entry_t *head, *tail;
    pthread_t thread;
    int quit;
};

static void unlink_entry(http_wd_t *w, http_wd_entry_t *e)
{
    if (!e->armed) return;
    if (e->prev)
        e->prev->next = e->next;
    else
        w->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        w->tail = e->prev;
    e->prev = e->next = NULL;
    e->armed = 0;
}

void http_wd_arm(http_wd_t *w, http_wd_entry_t *e)
{
    pthread_mutex_lock(&w->mu);
    unlink_entry(w, e);
    /* Read the clock under the lock, so that the list stays in order. */
    e->deadline_us = util_mono_us() + w->timeout_us;
    e->prev = w->tail;
    if (w->tail)
        w->tail->next = e;
    else
        w->head = e;
    w->tail = e;
    e->armed = 1;
    /* No wake-up: the thread sleeps at most timeout_us, and this deadline is
     * timeout_us away, so it comes no earlier than the thread's next look.
     * (Waking it here cost a context switch per request.) */
    pthread_mutex_unlock(&w->mu);
}

void http_wd_disarm(http_wd_t *w, http_wd_entry_t *e)
{
    pthread_mutex_lock(&w->mu);
    unlink_entry(w, e);
    pthread_mutex_unlock(&w->mu);
}

static void *wd_main(void *arg)
{
    http_wd_t *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        int64_t now = util_mono_us();
        http_wd_entry_t *e;
        while ((e = w->head) && e->deadline_us <= now) {
            unlink_entry(w, e);
            shutdown(e->fd, SHUT_RDWR);
        }
        int64_t wait_us = e ? e->deadline_us - now : w->timeout_us;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + (wait_us % 1000000) * 1000;
        ts.tv_sec += (time_t)(wait_us / 1000000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

http_wd_t *http_wd_start(int64_t timeout_us)
{
    http_wd_t *w = xcalloc(1, sizeof *w);
    w->timeout_us = timeout_us;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&w->thread, NULL, wd_main, w);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        errno = rc;
        return NULL;
    }
    return w;
}

void http_wd_stop(http_wd_t *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
