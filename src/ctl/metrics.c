/* The Prometheus metrics of the control namespace (see metrics.h). */
#include "ctl/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/util.h"

/* Rows of operations: a power of two well above the ~95 names of s3's
 * operation table (one more for "None"), so that probes stay short. */
#define OPS_CAP 256
/* Status codes one operation answers: a handful in practice. */
#define CODES_CAP 32
/* Status codes are 0 (no answer) and 100..599; anything else counts as 0. */
#define CODE_MAX 1000
#define MAX_HTTP 4

typedef atomic_uint_fast64_t counter_t;

/* The histogram's upper bounds (le), in microseconds and as printed; the
 * last bucket, +Inf, has no bound. */
static const int64_t le_us[] = {100,   250,    500,    1000,   2500,    5000,    10000,   25000,
                                50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
static const char *const le_text[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
                                      "0.01",   "0.025",   "0.05",   "0.1",   "0.25",   "0.5",
                                      "1",      "2.5",     "5",      "10",    "+Inf"};
#define NBOUNDS  (sizeof le_us / sizeof *le_us)
#define NBUCKETS (NBOUNDS + 1)

/* The reasons counted as authentication or authorization failures: the S3
 * error codes answered for them, and the control namespace's 401. */
static const char *const auth_reasons[] = {
    "AccessDenied",         "SignatureDoesNotMatch",
    "InvalidAccessKeyId",   "AuthorizationHeaderMalformed",
    "RequestTimeTooSkewed", "AuthorizationQueryParametersError",
    "Unauthorized",
};
#define NREASONS (sizeof auth_reasons / sizeof *auth_reasons)

static const char *const fault_names[CTL_FAULT_NACTIONS] = {"error", "delay",    "body_delay",
                                                            "reset", "truncate", "rate"};

/* The operation of a request that was not routed to one. */
static const char op_none[] = "None";

typedef struct code_row {
    atomic_uint key; /* status + 1; 0: free */
    counter_t n;
} code_row_t;

typedef struct op_row {
    _Atomic(const char *) name; /* NULL: free; never changes once set */
    code_row_t codes[CODES_CAP];
    counter_t le[NBUCKETS]; /* per bucket, not cumulative */
    counter_t sum_us;
} op_row_t;

struct ctl_metrics {
    op_row_t ops[OPS_CAP];
    counter_t received, sent;
    counter_t auth[NREASONS];
    counter_t faults[CTL_FAULT_NACTIONS];
    double start_time; /* process_start_time_seconds */
    /* listeners: bound at start, forgotten before they stop */
    pthread_mutex_t http_mu;
    const http_server_t *http[MAX_HTTP];
    size_t nhttp;
};

static inline void add(counter_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t get(counter_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* The process's start in seconds since the epoch: its start in clock ticks
 * after boot (/proc/self/stat) plus the boot time (/proc/stat); 0 unknown. */
static double process_start_time(void)
{
    char line[1024];
    unsigned long long ticks = 0, btime = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    /* The command name may hold spaces and ')': fields count from the last ')'. */
    char *p = strrchr(line, ')');
    if (!p) return 0;
    p++;
    /* After the n-th step p is at field n + 2: starttime is field 22. */
    for (int field = 3; field <= 22; field++) {
        p = strchr(p, ' ');
        if (!p) return 0;
        p++;
    }
    ticks = strtoull(p, NULL, 10);
    if (!(f = fopen("/proc/stat", "r"))) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "btime %llu", &btime) == 1) break;
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    if (!btime || hz <= 0) return 0;
    return (double)btime + (double)ticks / (double)hz;
}

ctl_metrics_t *ctl_metrics_new(void)
{
    /* calloc's zeroes are valid atomics of 0 on every platform we build for. */
    ctl_metrics_t *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->http_mu, NULL);
    m->start_time = process_start_time();
    return m;
}

void ctl_metrics_free(ctl_metrics_t *m)
{
    if (!m) return;
    pthread_mutex_destroy(&m->http_mu);
    free(m);
}

/* ---- counting ---- */

/* The row of an operation name (found by its address), claimed when new;
 * NULL only if the table were full, which s3's table cannot make it. */
static op_row_t *op_row(ctl_metrics_t *m, const char *name)
{
    uintptr_t h = ((uintptr_t)name >> 3) * (uintptr_t)0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> (sizeof h * 8 - 8)) & (OPS_CAP - 1);
    for (size_t tries = 0; tries < OPS_CAP; tries++, i = (i + 1) & (OPS_CAP - 1)) {
        op_row_t *r = &m->ops[i];
        const char *cur = atomic_load_explicit(&r->name, memory_order_acquire);
        if (cur == name) return r;
        if (cur) continue;
        if (atomic_compare_exchange_strong_explicit(&r->name, &cur, name, memory_order_acq_rel,
                                                    memory_order_acquire) ||
            cur == name)
            return r;
    }
    return NULL;
}

/* The counter of a status code in an operation's row; NULL if the row
 * already has CODES_CAP codes. */
static counter_t *code_counter(op_row_t *r, unsigned code)
{
    unsigned key = code + 1;
    size_t i = (code * 7u) & (CODES_CAP - 1);
    for (size_t tries = 0; tries < CODES_CAP; tries++, i = (i + 1) & (CODES_CAP - 1)) {
        code_row_t *c = &r->codes[i];
        unsigned cur = atomic_load_explicit(&c->key, memory_order_relaxed);
        if (cur == key) return &c->n;
        if (cur) continue;
        if (atomic_compare_exchange_strong_explicit(&c->key, &cur, key, memory_order_relaxed,
                                                    memory_order_relaxed) ||
            cur == key)
            return &c->n;
    }
    return NULL;
}

/* Which reason an error code is, or -1. */
static int auth_reason(const char *code)
{
    for (size_t i = 0; i < NREASONS; i++)
        if (strcmp(code, auth_reasons[i]) == 0) return (int)i;
    return -1;
}

void ctl_metrics_record(ctl_metrics_t *m, const s3_req_info_t *info)
{
    unsigned code = 0;
    uint64_t sent = 0;
    const http_response_t *resp = info->resp;
    /* No answer went out: a reset instead of one, or a client gone first
     * (the http layer's 499). */
    if (resp && !http_resp_is_aborted(resp)) {
        int st = http_resp_get_status(resp);
        code = st > 0 && st < CODE_MAX && st != 499 ? (unsigned)st : 0;
        const char *method = http_req_method(info->http);
        if (code && !(method[0] == 'H' && strcmp(method, "HEAD") == 0))
            sent = http_resp_body_len(resp);
    }
    if (info->body_bytes) add(&m->received, info->body_bytes);
    if (sent) add(&m->sent, sent);
    op_row_t *r = op_row(m, info->op ? info->op : op_none);
    if (r) {
        counter_t *n = code_counter(r, code);
        if (n) add(n, 1);
        int64_t us = info->dur_us > 0 ? info->dur_us : 0;
        size_t b = 0;
        while (b < NBOUNDS && us > le_us[b])
            b++;
        add(&r->le[b], 1);
        add(&r->sum_us, (uint64_t)us);
    }
    if (info->error) {
        int reason = auth_reason(info->error);
        if (reason >= 0) add(&m->auth[reason], 1);
    }
}

void ctl_metrics_fault_hit(ctl_metrics_t *m, ctl_fault_action_t action)
{
    if (action < CTL_FAULT_NACTIONS) add(&m->faults[action], 1);
}

void ctl_metrics_auth_failure(ctl_metrics_t *m, const char *code)
{
    int reason = auth_reason(code);
    if (reason >= 0) add(&m->auth[reason], 1);
}

/* ---- listeners ---- */

void ctl_metrics_bind_http(ctl_metrics_t *m, const http_server_t *srv)
{
    if (!srv) return;
    pthread_mutex_lock(&m->http_mu);
    if (m->nhttp < MAX_HTTP) m->http[m->nhttp++] = srv;
    pthread_mutex_unlock(&m->http_mu);
}

void ctl_metrics_unbind_http(ctl_metrics_t *m)
{
    pthread_mutex_lock(&m->http_mu);
    m->nhttp = 0;
    pthread_mutex_unlock(&m->http_mu);
}

/* ---- the exposition ---- */

static void family(buf_t *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the text format escapes it: backslash, quote, newline. */
static void label_value(buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            buf_putc(b, '\\'), buf_putc(b, *s);
        else if (*s == '\n')
            buf_puts(b, "\\n");
        else
            buf_putc(b, *s);
    }
}

/* One operation name's figures, added up over its rows (one, unless the
 * compiler kept two copies of the same text). */
#define MAX_ROWS 8
typedef struct op_sum {
    const char *name;
    op_row_t *rows[MAX_ROWS];
    size_t nrows;
    uint64_t le[NBUCKETS];
    uint64_t sum_us;
} op_sum_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const op_sum_t *)a)->name, ((const op_sum_t *)b)->name);
}

/* Every operation seen, each name once, by name; *n of them (caller frees). */
static op_sum_t *op_sums(ctl_metrics_t *m, size_t *n)
{
    op_sum_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < OPS_CAP; i++) {
        op_row_t *r = &m->ops[i];
        const char *name = atomic_load_explicit(&r->name, memory_order_acquire);
        if (!name) continue;
        op_sum_t *s = NULL;
        for (size_t k = 0; k < *n && !s; k++)
            if (strcmp(v[k].name, name) == 0) s = &v[k];
        if (!s) {
            v = xgrow(v, &cap, *n + 1, sizeof *v);
            s = &v[(*n)++];
            memset(s, 0, sizeof *s);
            s->name = name;
        }
        if (s->nrows == MAX_ROWS) continue;
        s->rows[s->nrows++] = r;
        for (size_t k = 0; k < NBUCKETS; k++)
            s->le[k] += get(&r->le[k]);
        s->sum_us += get(&r->sum_us);
    }
    if (*n) qsort(v, *n, sizeof *v, by_name);
    return v;
}

typedef struct code_n {
    unsigned code;
    uint64_t n;
} code_n_t;

static int by_code(const void *a, const void *b)
{
    unsigned x = ((const code_n_t *)a)->code, y = ((const code_n_t *)b)->code;
    return x < y ? -1 : x > y;
}

/* An operation's status codes and their counts, by code; how many. */
static size_t op_codes(const op_sum_t *s, code_n_t out[MAX_ROWS * CODES_CAP])
{
    size_t n = 0;
    for (size_t r = 0; r < s->nrows; r++)
        for (size_t c = 0; c < CODES_CAP; c++) {
            code_row_t *row = &s->rows[r]->codes[c];
            unsigned key = atomic_load_explicit(&row->key, memory_order_relaxed);
            if (!key) continue;
            size_t k = 0;
            while (k < n && out[k].code != key - 1)
                k++;
            if (k == n) out[n++] = (code_n_t){key - 1, 0};
            out[k].n += get(&row->n);
        }
    qsort(out, n, sizeof *out, by_code);
    return n;
}

static void requests(ctl_metrics_t *m, buf_t *b)
{
    size_t n;
    op_sum_t *v = op_sums(m, &n);
    family(b, "fakes3_requests_total", "counter",
           "S3 requests answered, by operation and HTTP status (0: no answer went out).");
    for (size_t i = 0; i < n; i++) {
        code_n_t codes[MAX_ROWS * CODES_CAP];
        size_t nc = op_codes(&v[i], codes);
        for (size_t k = 0; k < nc; k++)
            buf_printf(b, "fakes3_requests_total{operation=\"%s\",code=\"%u\"} %llu\n", v[i].name,
                       codes[k].code, (unsigned long long)codes[k].n);
    }
    family(b, "fakes3_request_duration_seconds", "histogram",
           "Time from a request's head to the end of its exchange, by operation.");
    for (size_t i = 0; i < n; i++) {
        /* The count is the buckets' total, so that +Inf and _count agree
         * however requests raced the reading. */
        uint64_t cum = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cum += v[i].le[k];
            buf_printf(b,
                       "fakes3_request_duration_seconds_bucket{operation=\"%s\",le=\"%s\"} %llu\n",
                       v[i].name, le_text[k], (unsigned long long)cum);
        }
        buf_printf(b, "fakes3_request_duration_seconds_sum{operation=\"%s\"} %.6f\n", v[i].name,
                   (double)v[i].sum_us / 1e6);
        buf_printf(b, "fakes3_request_duration_seconds_count{operation=\"%s\"} %llu\n", v[i].name,
                   (unsigned long long)cum);
    }
    free(v);
}

static void http_figures(ctl_metrics_t *m, buf_t *b)
{
    uint64_t inflight = 0, conns = 0;
    pthread_mutex_lock(&m->http_mu);
    for (size_t i = 0; i < m->nhttp; i++) {
        http_stats_t s;
        http_stats(m->http[i], &s);
        inflight += s.in_flight;
        conns += s.open_connections;
    }
    pthread_mutex_unlock(&m->http_mu);
    family(b, "fakes3_requests_in_flight", "gauge",
           "Requests whose head was read and whose exchange is not over (this scrape included).");
    buf_printf(b, "fakes3_requests_in_flight %llu\n", (unsigned long long)inflight);
    family(b, "fakes3_open_connections", "gauge", "Open client connections, on every listener.");
    buf_printf(b, "fakes3_open_connections %llu\n", (unsigned long long)conns);
}

/* One per-bucket sample: name{bucket="B"(,version="V")} value. */
static void bucket_sample(buf_t *b, const char *name, const char *bucket, const char *version,
                          uint64_t value)
{
    buf_printf(b, "%s{bucket=\"", name);
    label_value(b, bucket);
    if (version) buf_printf(b, "\",version=\"%s", version);
    buf_printf(b, "\"} %llu\n", (unsigned long long)value);
}

static void buckets(ctl_t *c, buf_t *b)
{
    store_t *st = c->opt.store;
    store_bucket_stats_t *v = NULL;
    size_t n = 0;
    /* A backend that keeps no totals has none to show: counting them here
     * would scan every object at each scrape. */
    if (!st || !st->ops->bucket_stats || st->ops->bucket_stats(st, &v, &n) != STORE_OK) return;
    family(
        b, "fakes3_bucket_objects", "gauge",
        "Objects stored per bucket: current objects and noncurrent versions (no delete markers).");
    for (size_t i = 0; i < n; i++) {
        bucket_sample(b, "fakes3_bucket_objects", v[i].name, "current", v[i].objects);
        bucket_sample(b, "fakes3_bucket_objects", v[i].name, "noncurrent", v[i].noncurrent_objects);
    }
    family(b, "fakes3_bucket_bytes", "gauge",
           "Bytes stored per bucket: current objects and noncurrent versions.");
    for (size_t i = 0; i < n; i++) {
        bucket_sample(b, "fakes3_bucket_bytes", v[i].name, "current", v[i].bytes);
        bucket_sample(b, "fakes3_bucket_bytes", v[i].name, "noncurrent", v[i].noncurrent_bytes);
    }
    family(b, "fakes3_multipart_uploads_in_progress", "gauge",
           "Multipart uploads created and neither completed nor aborted, per bucket.");
    for (size_t i = 0; i < n; i++)
        bucket_sample(b, "fakes3_multipart_uploads_in_progress", v[i].name, NULL, v[i].uploads);
    free(v);
}

static void actions(ctl_t *c, ctl_metrics_t *m, buf_t *b)
{
    family(b, "fakes3_fault_hits_total", "counter",
           "Fault rules fired, by action (a rule that does several counts in each).");
    for (size_t i = 0; i < CTL_FAULT_NACTIONS; i++)
        buf_printf(b, "fakes3_fault_hits_total{action=\"%s\"} %llu\n", fault_names[i],
                   (unsigned long long)get(&m->faults[i]));
    s3_lifecycle_counts_t lc = {0};
    if (c->lifecycle) s3_lifecycle_counts(c->lifecycle, &lc);
    const struct {
        const char *name;
        uint64_t n;
    } lv[] = {
        {"expiration", lc.expiration},
        {"noncurrent_expiration", lc.noncurrent_expiration},
        {"delete_marker_removal", lc.delete_marker_removal},
        {"abort_multipart", lc.abort_multipart},
        {"transition", lc.transition},
    };
    family(b, "fakes3_lifecycle_actions_total", "counter",
           "Lifecycle actions the lifecycle worker took, by action.");
    for (size_t i = 0; i < sizeof lv / sizeof *lv; i++)
        buf_printf(b, "fakes3_lifecycle_actions_total{action=\"%s\"} %llu\n", lv[i].name,
                   (unsigned long long)lv[i].n);
    family(b, "fakes3_auth_failures_total", "counter",
           "Requests and control calls refused for their authentication or authorization, by "
           "the error code answered.");
    for (size_t i = 0; i < NREASONS; i++)
        buf_printf(b, "fakes3_auth_failures_total{reason=\"%s\"} %llu\n", auth_reasons[i],
                   (unsigned long long)get(&m->auth[i]));
}

/* Open file descriptors: /proc/self/fd's entries but the one reading it. */
static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;
}

static void process(ctl_t *c, ctl_metrics_t *m, buf_t *b)
{
    unsigned long long vsize = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &vsize, &rss) != 2) vsize = rss = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    family(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    buf_printf(b, "process_resident_memory_bytes %llu\n", rss * (unsigned long long)page);
    family(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    buf_printf(b, "process_virtual_memory_bytes %llu\n", vsize * (unsigned long long)page);
    long fds = open_fds();
    if (fds >= 0) {
        family(b, "process_open_fds", "gauge", "Number of open file descriptors.");
        buf_printf(b, "process_open_fds %ld\n", fds);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        family(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
        if (rl.rlim_cur == RLIM_INFINITY)
            buf_puts(b, "process_max_fds +Inf\n");
        else
            buf_printf(b, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
    }
    if (m->start_time > 0) {
        family(b, "process_start_time_seconds", "gauge",
               "Start time of the process since unix epoch in seconds.");
        buf_printf(b, "process_start_time_seconds %.2f\n", m->start_time);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        family(b, "process_cpu_seconds_total", "counter",
               "Total user and system CPU time spent in seconds.");
        buf_printf(b, "process_cpu_seconds_total %.6f\n", cpu);
    }
    family(b, "fakes3_uptime_seconds", "gauge", "Seconds since the server started.");
    buf_printf(b, "fakes3_uptime_seconds %.3f\n", (double)(util_mono_us() - c->started_us) / 1e6);
    family(b, "fakes3_build_info", "gauge", "The fakes3 version, as a label; the value is 1.");
    buf_puts(b, "fakes3_build_info{version=\"");
    label_value(b, FAKES3_VERSION);
    buf_puts(b, "\"} 1\n");
}

void ctl_metrics_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)req;
    ctl_metrics_t *m = c->metrics;
    buf_t b = BUF_INIT;
    buf_reserve(&b, 16 * 1024);
    requests(m, &b);
    family(&b, "fakes3_received_bytes_total", "counter", "Request body bytes received.");
    buf_printf(&b, "fakes3_received_bytes_total %llu\n", (unsigned long long)get(&m->received));
    family(&b, "fakes3_sent_bytes_total", "counter", "Response body bytes sent (none for HEAD).");
    buf_printf(&b, "fakes3_sent_bytes_total %llu\n", (unsigned long long)get(&m->sent));
    http_figures(m, &b);
    buckets(c, &b);
    actions(c, m, &b);
    process(c, m, &b);
    http_resp_status(resp, 200);
    http_resp_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    http_resp_header(resp, "Cache-Control", "no-store");
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}
