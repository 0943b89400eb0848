/* The one clock: every check brackets the clock's reading between two reads
 * of the real-time clock, so that none depends on how fast the machine is. */
#include "unit.h"

#include <pthread.h>

#include "lib/clock.h"
#include "lib/util.h"

#define DAY_MS (86400 * 1000LL)

/* Read the clock between two real-time reads: *lo and *hi bound the real
 * time at the reading. */
static int64_t read_between(int64_t *lo, int64_t *hi)
{
    *lo = clock_real_ms();
    int64_t n = clock_now_ms();
    *hi = clock_real_ms();
    return n;
}

static int reset_clock(void **state)
{
    (void)state;
    clock_reset();
    return 0;
}

static void test_starts_at_real_time(void **state)
{
    (void)state;
    int64_t lo, hi, n = read_between(&lo, &hi);
    assert_true(lo <= n && n <= hi);
    clock_state_t st;
    clock_state(&st);
    assert_int_equal(st.offset_ms, 0);
    assert_false(st.frozen);
    /* util_now_ms is the same clock. */
    clock_advance(DAY_MS);
    lo = clock_real_ms();
    n = util_now_ms();
    hi = clock_real_ms();
    assert_true(lo + DAY_MS <= n && n <= hi + DAY_MS);
}

static void test_advance_moves_it_either_way(void **state)
{
    (void)state;
    clock_advance(5000);
    int64_t lo, hi, n = read_between(&lo, &hi);
    assert_true(lo + 5000 <= n && n <= hi + 5000);
    clock_advance(-20000);
    n = read_between(&lo, &hi);
    assert_true(lo - 15000 <= n && n <= hi - 15000);
    clock_state_t st;
    clock_state(&st);
    assert_int_equal(st.offset_ms, -15000);
    assert_false(st.frozen);
}

static void test_set_makes_it_read_the_instant(void **state)
{
    (void)state;
    const int64_t at = 1893456000000LL; /* 2030-01-01T00:00:00Z */
    int64_t lo = clock_real_ms();
    clock_set(at);
    int64_t set_hi = clock_real_ms();
    int64_t r0, r1, n = read_between(&r0, &r1);
    /* It runs on from the instant: at most the real time passed since set. */
    assert_true(n >= at - (set_hi - lo) && n <= at + (r1 - lo));
    char iso[25];
    util_iso_date(n - n % 1000, iso);
    assert_memory_equal(iso, "2030-01-01T00:00:0", 18);
}

static void test_freeze_holds_the_instant_and_moves_only_when_told(void **state)
{
    (void)state;
    clock_freeze(1);
    int64_t f = clock_now_ms();
    clock_state_t st;
    clock_state(&st);
    assert_true(st.frozen);
    assert_int_equal(st.now_ms, f);
    util_sleep_us(3000);
    assert_int_equal(clock_now_ms(), f);
    clock_freeze(1); /* freezing again changes nothing */
    assert_int_equal(clock_now_ms(), f);
    clock_advance(2500);
    assert_int_equal(clock_now_ms(), f + 2500);
    clock_advance(-500);
    assert_int_equal(clock_now_ms(), f + 2000);
    clock_set(1893456000000LL);
    assert_int_equal(clock_now_ms(), 1893456000000LL);
    clock_state(&st);
    assert_true(st.frozen);
    assert_int_equal(st.now_ms, 1893456000000LL);
}

static void test_unfreeze_keeps_the_instant(void **state)
{
    (void)state;
    const int64_t at = 1893456000000LL;
    clock_freeze(1);
    clock_set(at);
    util_sleep_us(3000); /* the real time moves on while it is frozen */
    int64_t lo = clock_real_ms();
    clock_freeze(0);
    int64_t n = clock_now_ms();
    int64_t hi = clock_real_ms();
    /* It runs from the frozen instant, not from where the offset left it. */
    assert_true(at <= n && n <= at + (hi - lo));
    clock_state_t st;
    clock_state(&st);
    assert_false(st.frozen);
    clock_freeze(0); /* unfreezing a running clock changes nothing */
    int64_t r0, r1;
    n = read_between(&r0, &r1);
    assert_true(n >= at && n <= at + (r1 - lo));
}

static void test_reset_is_real_time_unfrozen(void **state)
{
    (void)state;
    clock_advance(-DAY_MS);
    clock_freeze(1);
    clock_reset();
    int64_t lo, hi, n = read_between(&lo, &hi);
    assert_true(lo <= n && n <= hi);
    clock_state_t st;
    clock_state(&st);
    assert_false(st.frozen);
    assert_int_equal(st.offset_ms, 0);
    /* Reset then freeze: frozen at real time. */
    lo = clock_real_ms();
    clock_freeze(1);
    hi = clock_real_ms();
    n = clock_now_ms();
    assert_true(lo <= n && n <= hi);
}

/* Readers on other threads while the clock toggles between two frozen
 * instants and running about a day ahead (the offset is what unfreezing at
 * "real time + a day" leaves: a day less the moments between set and
 * unfreeze). A reader that paired "running" with the offset from before the
 * first unfreeze (0) would read real time. */
static _Atomic int stop_readers;

static void *reader(void *arg)
{
    int64_t *bad = arg;
    while (!stop_readers) {
        int64_t lo = clock_real_ms();
        int64_t n = clock_now_ms();
        int64_t hi = clock_real_ms();
        int ok = n == 1000 || n == 2000 || (lo + DAY_MS - 3600000 <= n && n <= hi + DAY_MS);
        if (!ok) *bad = n;
    }
    return NULL;
}

static void test_readers_see_whole_states(void **state)
{
    (void)state;
    clock_freeze(1);
    clock_set(1000);
    pthread_t th[2];
    int64_t bad[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &bad[i]), 0);
    for (int i = 0; i < 20000; i++) {
        clock_set(2000);
        clock_set(1000);
        /* Running a day ahead: set the offset through a frozen instant. */
        clock_set(clock_real_ms() + DAY_MS);
        clock_freeze(0);
        clock_freeze(1);
        clock_set(1000);
    }
    stop_readers = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(bad[0], 0);
    assert_int_equal(bad[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_starts_at_real_time, reset_clock),
        cmocka_unit_test_setup(test_advance_moves_it_either_way, reset_clock),
        cmocka_unit_test_setup(test_set_makes_it_read_the_instant, reset_clock),
        cmocka_unit_test_setup(test_freeze_holds_the_instant_and_moves_only_when_told, reset_clock),
        cmocka_unit_test_setup(test_unfreeze_keeps_the_instant, reset_clock),
        cmocka_unit_test_setup(test_reset_is_real_time_unfrozen, reset_clock),
        cmocka_unit_test_setup(test_readers_see_whole_states, reset_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
