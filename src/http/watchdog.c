#include "http/watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/util.h"

struct http_wd {
    int64_t timeout_us, tick_us;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC; signalled to quit */
    http_wd_entry_t *head;
    pthread_t thread;
    int quit;
};

void http_wd_add(http_wd_t *w, http_wd_entry_t *e)
{
    pthread_mutex_lock(&w->mu);
    e->prev = NULL;
    e->next = w->head;
    if (w->head) w->head->prev = e;
    w->head = e;
    pthread_mutex_unlock(&w->mu);
}

void http_wd_remove(http_wd_t *w, http_wd_entry_t *e)
{
    pthread_mutex_lock(&w->mu);
    if (e->prev)
        e->prev->next = e->next;
    else
        w->head = e->next;
    if (e->next) e->next->prev = e->prev;
    e->prev = e->next = NULL;
    pthread_mutex_unlock(&w->mu);
}

void http_wd_arm(http_wd_t *w, http_wd_entry_t *e)
{
    atomic_store_explicit(&e->deadline_us, util_mono_us() + w->timeout_us, memory_order_relaxed);
}

void http_wd_disarm(http_wd_entry_t *e)
{
    atomic_store_explicit(&e->deadline_us, 0, memory_order_relaxed);
}

static void *wd_main(void *arg)
{
    http_wd_t *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        int64_t now = util_mono_us();
        for (http_wd_entry_t *e = w->head; e; e = e->next) {
            int64_t d = atomic_load_explicit(&e->deadline_us, memory_order_relaxed);
            if (d && d <= now) {
                atomic_store_explicit(&e->deadline_us, 0, memory_order_relaxed);
                shutdown(e->fd, SHUT_RDWR);
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + w->tick_us * 1000;
        ts.tv_sec += (time_t)(ns / 1000000000);
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
    w->tick_us = timeout_us / 4;
    if (w->tick_us > 1000000) w->tick_us = 1000000;
    if (w->tick_us < 1000) w->tick_us = 1000;
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
