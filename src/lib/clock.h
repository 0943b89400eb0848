/* clock — the server's one clock: every layer's "now" (object times, request
 * signatures' skew and expiry, object lock, lifecycle, the Date header).
 *
 * It reads the real-time clock plus an offset, or returns a frozen instant;
 * the control namespace moves it (advance, set, freeze, reset). This is the
 * one piece of global state the design allows: a process has one clock. The
 * read path takes no lock (two atomic loads and clock_gettime), so it may be
 * called on every request from any thread; writers are serialised by a mutex
 * and a reader sees either the state before a change or the state after it.
 * Timed waits (condition variables, poll deadlines) do not use it: they stay
 * on the system's monotonic or real clock. */
#ifndef FAKES3_CLOCK_H
#define FAKES3_CLOCK_H

#include <stdint.h>

/* What the clock says and how it got there. */
typedef struct clock_state {
    int64_t now_ms;    /* the clock's instant, ms since the Unix epoch */
    int64_t offset_ms; /* now_ms minus the real time at the read */
    int frozen;        /* 1 while frozen at now_ms */
} clock_state_t;

/* ---- reading ---- */

/* Milliseconds since the Unix epoch by the clock. Lock-free. */
int64_t clock_now_ms(void);
/* Milliseconds since the Unix epoch by the system's real-time clock,
 * whatever the clock says (for the clock's own use and its tests). */
int64_t clock_real_ms(void);
/* The clock's state into *out. */
void clock_state(clock_state_t *out);

/* ---- moving it (the control namespace) ---- */

/* Move it by ms (negative moves it back); a frozen clock stays frozen at
 * its instant moved by ms. */
void clock_advance(int64_t ms);
/* Make it read ms (ms since the Unix epoch) now; frozen or not as it was. */
void clock_set(int64_t ms);
/* Freeze it at its current instant (on) or let it run again from the
 * instant it is frozen at (off). Freezing a frozen clock, or unfreezing a
 * running one, changes nothing. */
void clock_freeze(int on);
/* Back to real time, unfrozen. */
void clock_reset(void);

#endif
