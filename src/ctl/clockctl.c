/* The clock's control calls. */
#include "ctl/clockctl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/util.h"
#include "s3/lifecycle_worker.h"

/* The instants a date can be written for (ISO-8601 and HTTP dates with
 * four-digit years): 1970-01-01 to 9999-12-31T23:59:59.999Z. */
#define MAX_INSTANT_MS 253402300799999LL

static void answer(http_response_t *resp)
{
    clock_state_t st;
    clock_state(&st);
    char now[25];
    util_iso_date(st.now_ms, now);
    ctl_reply(resp, 200,
              json_pack("{s:s, s:f, s:b}", "now", now, "offset_seconds",
                        (double)st.offset_ms / 1000.0, "frozen", st.frozen));
}

void clockctl_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)c;
    (void)req;
    answer(resp);
}

/* "2030-01-01T00:00:00Z", with optional fraction of a second and a "Z" or
 * "+HH:MM" / "-HH:MM" zone, into ms since the epoch; 0 on success. */
static int parse_iso(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n != 19)
        return -1;
    int year = tm.tm_year, mon = tm.tm_mon, day = tm.tm_mday;
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 59)
        return -1;
    const char *p = s + n;
    int64_t frac = 0, scale = 100;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9') return -1;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    int64_t zone_ms = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &k) != 2 || k != 5 || hh > 23 || mm > 59)
            return -1;
        zone_ms = ((int64_t)hh * 60 + mm) * 60000 * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p) return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    /* timegm moves 31 February into March: refuse what moved. */
    if (t == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != mon - 1) return -1;
    *ms = (int64_t)t * 1000 + frac - zone_ms;
    return 0;
}

static void bad(http_response_t *resp, const char *msg)
{
    ctl_error(resp, 400, "InvalidClockRequest", msg);
}

void clockctl_post(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    json_t *j = ctl_body_object(req, resp);
    if (!j) return;
    const char *what = NULL;
    json_t *v = NULL;
    if (json_object_size(j) == 1) {
        const char *k;
        json_t *x;
        json_object_foreach(j, k, x)
        {
            what = k;
            v = x;
        }
    }
    int64_t before = clock_now_ms();
    if (!what) {
        bad(resp, "the body must hold exactly one of advance, set, freeze, reset");
        goto out;
    } else if (strcmp(what, "advance") == 0) {
        double s = json_is_number(v) ? json_number_value(v) : NAN;
        if (!isfinite(s) || fabs(s) > (double)MAX_INSTANT_MS / 1000.0) {
            bad(resp, "advance must be a number of seconds (may be fractional or negative)");
            goto out;
        }
        int64_t ms = (int64_t)llround(s * 1000.0);
        if (before + ms < 0 || before + ms > MAX_INSTANT_MS) {
            bad(resp, "advance would move the clock out of the years 1970 to 9999");
            goto out;
        }
        clock_advance(ms);
    } else if (strcmp(what, "set") == 0) {
        int64_t ms;
        if (!json_is_string(v) || parse_iso(json_string_value(v), &ms) || ms < 0 ||
            ms > MAX_INSTANT_MS) {
            bad(resp, "set must be an ISO-8601 instant such as \"2030-01-01T00:00:00Z\"");
            goto out;
        }
        clock_set(ms);
    } else if (strcmp(what, "freeze") == 0) {
        if (!json_is_boolean(v)) {
            bad(resp, "freeze must be true or false");
            goto out;
        }
        clock_freeze(json_is_true(v));
    } else if (strcmp(what, "reset") == 0) {
        if (!json_is_true(v)) {
            bad(resp, "reset must be true");
            goto out;
        }
        clock_reset();
    } else {
        bad(resp, "unknown clock operation: use advance, set, freeze or reset");
        goto out;
    }
    /* What fell due while the clock jumped is applied before the answer. */
    if (clock_now_ms() > before && strcmp(what, "freeze") != 0) s3_lifecycle_run_now(c->lifecycle);
    answer(resp);
out:
    json_decref(j);
}
