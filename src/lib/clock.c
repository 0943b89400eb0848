/* The one clock: real time plus an offset, or a frozen instant. */
#include "lib/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* frozen_ms holds NOT_FROZEN while the clock runs. A writer that unfreezes
 * stores the offset before clearing frozen_ms, and a reader loads frozen_ms
 * before the offset (acquire/release), so a reader never pairs the old
 * offset with a running clock. */
#define NOT_FROZEN INT64_MIN

static _Atomic int64_t offset_ms;
static _Atomic int64_t frozen_ms = NOT_FROZEN;
/* Writers only: a change is a read-modify-write of both atomics. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

int64_t clock_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
    int64_t f = atomic_load_explicit(&frozen_ms, memory_order_acquire);
    if (f != NOT_FROZEN) return f;
    return clock_real_ms() + atomic_load_explicit(&offset_ms, memory_order_relaxed);
}

void clock_state(clock_state_t *out)
{
    pthread_mutex_lock(&writer);
    int64_t real = clock_real_ms();
    int64_t f = atomic_load_explicit(&frozen_ms, memory_order_acquire);
    out->frozen = f != NOT_FROZEN;
    out->now_ms = out->frozen ? f : real + atomic_load_explicit(&offset_ms, memory_order_relaxed);
    out->offset_ms = out->now_ms - real;
    pthread_mutex_unlock(&writer);
}

void clock_advance(int64_t ms)
{
    pthread_mutex_lock(&writer);
    int64_t f = atomic_load_explicit(&frozen_ms, memory_order_relaxed);
    if (f != NOT_FROZEN)
        atomic_store_explicit(&frozen_ms, f + ms, memory_order_release);
    else
        atomic_fetch_add_explicit(&offset_ms, ms, memory_order_relaxed);
    pthread_mutex_unlock(&writer);
}

void clock_set(int64_t ms)
{
    pthread_mutex_lock(&writer);
    if (atomic_load_explicit(&frozen_ms, memory_order_relaxed) != NOT_FROZEN)
        atomic_store_explicit(&frozen_ms, ms, memory_order_release);
    else
        atomic_store_explicit(&offset_ms, ms - clock_real_ms(), memory_order_relaxed);
    pthread_mutex_unlock(&writer);
}

void clock_freeze(int on)
{
    pthread_mutex_lock(&writer);
    int64_t f = atomic_load_explicit(&frozen_ms, memory_order_relaxed);
    if (on && f == NOT_FROZEN) {
        int64_t now = clock_real_ms() + atomic_load_explicit(&offset_ms, memory_order_relaxed);
        atomic_store_explicit(&frozen_ms, now, memory_order_release);
    } else if (!on && f != NOT_FROZEN) {
        /* The clock runs on from the instant it was frozen at. */
        atomic_store_explicit(&offset_ms, f - clock_real_ms(), memory_order_relaxed);
        atomic_store_explicit(&frozen_ms, NOT_FROZEN, memory_order_release);
    }
    pthread_mutex_unlock(&writer);
}

void clock_reset(void)
{
    pthread_mutex_lock(&writer);
    atomic_store_explicit(&offset_ms, 0, memory_order_relaxed);
    atomic_store_explicit(&frozen_ms, NOT_FROZEN, memory_order_release);
    pthread_mutex_unlock(&writer);
}
