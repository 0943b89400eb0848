#include "s3/lifecycle_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/lifecycle.h"
#include "s3/s3req.h"

#define CONF_NAME "lifecycle"
#define PAGE      1000
/* Without shortened days, a pass an hour: due times are midnights UTC, so
 * an action is taken within the hour after it falls due. */
#define DEFAULT_INTERVAL_MS (3600 * 1000LL)

struct s3_lifecycle {
    store_t *st;
    lc_clock_t clk;
    int64_t interval_ms;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* on CLOCK_MONOTONIC: wakes the worker */
    pthread_cond_t done_cv; /* wakes callers of s3_lifecycle_run_now */
    /* Passes asked for by s3_lifecycle_run_now and passes finished that
     * began after such a request (both under mu, counting up). */
    uint64_t asked, done;
    int stop;
    /* s3_lifecycle_counts: written by the worker, read by scrapes */
    unsigned long long n_exp, n_nc_exp, n_dm, n_abort, n_tr;
};

/* One more action done (relaxed: a counter read by metrics only). */
static void count(unsigned long long *n)
{
    __atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
}

/* One bucket's pass. */
struct ctx {
    struct s3_lifecycle *lw;
    const char *bucket;
    int versioning;
    const lc_config_t *c;
    int tags; /* some rule filters on tags: versions' tags are looked up */
};

static int stopping(struct s3_lifecycle *lw)
{
    return __atomic_load_n(&lw->stop, __ATOMIC_ACQUIRE);
}

/* A version's tags (its x-amz-tagging form, or NULL) and lock document,
 * when wanted; the store's code. vid NULL: the current version. */
static int version_info(struct ctx *x, const char *key, size_t klen, const char *vid, char **tags,
                        char **lock)
{
    store_t *st = x->lw->st;
    store_obj_t o;
    int rc = st->ops->obj_get(st, x->bucket, key, klen, vid, &o, NULL);
    if (rc) return rc;
    if (tags) *tags = s3_tags_of(&o);
    if (lock) *lock = o.lock && *o.lock ? xstrdup(o.lock) : NULL;
    store_obj_free(&o);
    return STORE_OK;
}

/* ---- multipart uploads ---- */

static void uploads(struct ctx *x)
{
    store_t *st = x->lw->st;
    store_mpu_list_req_t req = {0};
    req.prefix = "";
    req.max = PAGE;
    buf_t marker = BUF_INIT;
    char upload_marker[40] = "";
    char **due = NULL;
    size_t ndue = 0, cap = 0;
    /* Aborts wait for the end of the listing, which resumes after an upload
     * that must still be there. */
    for (;;) {
        store_mpu_list_res_t res;
        if (st->ops->mpu_list(st, x->bucket, &req, &res) != STORE_OK) break;
        int64_t now = util_now_ms();
        for (size_t i = 0; i < res.n; i++) {
            const store_upload_t *u = &res.ups[i];
            if (!u->id[0] ||
                !lc_upload_expired(x->c, &x->lw->clk, u->key, u->key_len, u->created_ms, now))
                continue;
            due = xgrow(due, &cap, ndue + 1, sizeof *due);
            due[ndue++] = xstrdup(u->id);
        }
        int more = res.truncated && res.n && res.ups[res.n - 1].key_len;
        if (more) {
            const store_upload_t *last = &res.ups[res.n - 1];
            buf_reset(&marker);
            buf_append(&marker, last->key, last->key_len);
            snprintf(upload_marker, sizeof upload_marker, "%s", last->id);
            req.key_marker = marker.p;
            req.key_marker_len = marker.len;
            req.upload_marker = upload_marker;
        }
        store_mpu_list_free(&res);
        if (!more || stopping(x->lw)) break;
    }
    for (size_t i = 0; i < ndue; i++) {
        /* An upload completed meanwhile is not there to abort. */
        if (!stopping(x->lw) && st->ops->mpu_abort(st, due[i]) == STORE_OK) count(&x->lw->n_abort);
        free(due[i]);
    }
    free(due);
    buf_free(&marker);
}

/* ---- a bucket that never had versioning ---- */

static void current_object(struct ctx *x, const store_list_ent_t *e)
{
    store_t *st = x->lw->st;
    char *tags = NULL;
    if (x->tags && version_info(x, e->key, e->key_len, NULL, &tags, NULL)) return;
    int64_t now = util_now_ms(), at;
    const lc_rule_t *rule;
    if (lc_expiry(x->c, &x->lw->clk, e->key, e->key_len, e->size, tags, e->mtime_ms, &at, &rule) &&
        now >= at) {
        /* S3: permanent deletion takes precedence over a transition. The
         * object listed, not one put since. */
        store_obj_t o;
        if (st->ops->obj_get(st, x->bucket, e->key, e->key_len, NULL, &o, NULL) == STORE_OK) {
            int same = o.mtime_ms == e->mtime_ms && strcmp(o.etag, e->etag) == 0;
            store_obj_free(&o);
            if (same &&
                st->ops->obj_delete(st, x->bucket, e->key, e->key_len, NULL, NULL) == STORE_OK)
                count(&x->lw->n_exp);
        }
    } else {
        const char *to = lc_transition_due(x->c, &x->lw->clk, e->key, e->key_len, e->size, tags,
                                           e->sclass, 0, e->mtime_ms, 0, now);
        if (to && st->ops->obj_set_class(st, x->bucket, e->key, e->key_len, NULL, to) == STORE_OK)
            count(&x->lw->n_tr);
    }
    free(tags);
}

static void current_objects(struct ctx *x)
{
    store_t *st = x->lw->st;
    store_list_req_t req = {0};
    req.prefix = "";
    req.max = PAGE;
    buf_t after = BUF_INIT;
    for (;;) {
        store_list_res_t res;
        if (st->ops->list(st, x->bucket, &req, &res) != STORE_OK) break;
        for (size_t i = 0; i < res.n && !stopping(x->lw); i++)
            if (!res.ents[i].is_prefix) current_object(x, &res.ents[i]);
        int more = res.truncated && res.n;
        if (more) {
            buf_reset(&after);
            buf_append(&after, res.ents[res.n - 1].key, res.ents[res.n - 1].key_len);
            req.after = after.p;
            req.after_len = after.len;
        }
        store_list_free(&res);
        if (!more || stopping(x->lw)) break;
    }
    buf_free(&after);
}

/* ---- a versioned bucket: each key's versions, newest first ---- */

struct ver {
    char vid[40];
    int dm, latest;
    int64_t mtime;
    uint64_t size;
    char sclass[24];
};

struct group {
    buf_t key;
    struct ver *v;
    size_t n, cap;
};

/* The current version expires: a delete marker goes on top, as a DELETE
 * without a version id would (suspended: the null version goes, so not
 * when it is locked). */
static void expire_current(struct ctx *x, const struct group *g, int64_t now)
{
    store_t *st = x->lw->st;
    store_obj_t o;
    if (st->ops->obj_get(st, x->bucket, g->key.p, g->key.len, NULL, &o, NULL) != STORE_OK) return;
    int same = strcmp(o.vid, g->v[0].vid) == 0;
    store_obj_free(&o);
    if (!same) return; /* a new version came meanwhile */
    if (x->versioning == STORE_VERSIONING_SUSPENDED) {
        char *lock = NULL;
        int held = version_info(x, g->key.p, g->key.len, "null", NULL, &lock) == STORE_OK &&
                   s3_lock_held(lock, now);
        free(lock);
        if (held) return;
    }
    if (st->ops->obj_delete(st, x->bucket, g->key.p, g->key.len, NULL, NULL) == STORE_OK)
        count(&x->lw->n_exp);
}

static void key_versions(struct ctx *x, const struct group *g)
{
    store_t *st = x->lw->st;
    const lc_clock_t *clk = &x->lw->clk;
    const char *key = g->key.p;
    size_t klen = g->key.len, removed = 0;
    int64_t now = util_now_ms();
    const struct ver *v = g->v;
    if (v[0].latest && !v[0].dm) {
        char *tags = NULL;
        if (x->tags && version_info(x, key, klen, v[0].vid, &tags, NULL)) return;
        int64_t at;
        const lc_rule_t *rule;
        int expired =
            lc_expiry(x->c, clk, key, klen, v[0].size, tags, v[0].mtime, &at, &rule) && now >= at;
        const char *to = lc_transition_due(x->c, clk, key, klen, v[0].size, tags, v[0].sclass, 0,
                                           v[0].mtime, 0, now);
        free(tags);
        /* S3: a transition takes precedence over creating a delete marker,
         * which then waits for the next pass. */
        if (to) {
            if (st->ops->obj_set_class(st, x->bucket, key, klen, v[0].vid, to) == STORE_OK)
                count(&x->lw->n_tr);
        } else if (expired) {
            /* The rest of the key waits for the next pass, which sees the
             * version this made noncurrent. */
            expire_current(x, g, now);
            return;
        }
    }
    /* Noncurrent versions: each became noncurrent when the next newer one was
     * made; newer counts the noncurrent versions newer than it. */
    int64_t newer = 0;
    for (size_t i = 1; i < g->n && !stopping(x->lw); i++) {
        int64_t since = v[i - 1].mtime;
        if (v[i].dm) {
            if (lc_noncurrent_expired(x->c, clk, key, klen, 0, NULL, 1, since, newer, now) &&
                st->ops->obj_delete(st, x->bucket, key, klen, v[i].vid, NULL) == STORE_OK) {
                removed++;
                count(&x->lw->n_nc_exp);
            }
            continue;
        }
        char *tags = NULL, *lock = NULL;
        if (version_info(x, key, klen, v[i].vid, x->tags ? &tags : NULL, &lock) == STORE_OK) {
            if (lc_noncurrent_expired(x->c, clk, key, klen, v[i].size, tags, 0, since, newer,
                                      now)) {
                if (!s3_lock_held(lock, now) &&
                    st->ops->obj_delete(st, x->bucket, key, klen, v[i].vid, NULL) == STORE_OK) {
                    removed++;
                    count(&x->lw->n_nc_exp);
                }
            } else {
                const char *to = lc_transition_due(x->c, clk, key, klen, v[i].size, tags,
                                                   v[i].sclass, 1, since, newer, now);
                if (to &&
                    st->ops->obj_set_class(st, x->bucket, key, klen, v[i].vid, to) == STORE_OK)
                    count(&x->lw->n_tr);
            }
        }
        free(tags);
        free(lock);
        newer++;
    }
    /* A delete marker with nothing left beneath it. */
    if (v[0].latest && v[0].dm && g->n - removed == 1 &&
        lc_marker_expired(x->c, clk, key, klen, v[0].mtime, now)) {
        store_obj_t o;
        int rc = st->ops->obj_get(st, x->bucket, key, klen, NULL, &o, NULL);
        if (rc == STORE_ENOKEY && o.dm && strcmp(o.vid, v[0].vid) == 0 &&
            st->ops->obj_delete(st, x->bucket, key, klen, v[0].vid, NULL) == STORE_OK)
            count(&x->lw->n_dm);
        if (rc == STORE_OK) store_obj_free(&o);
    }
}

static void all_versions(struct ctx *x)
{
    store_t *st = x->lw->st;
    store_list_req_t req = {0};
    req.prefix = "";
    req.max = PAGE;
    buf_t after = BUF_INIT;
    char after_vid[40];
    struct group g = {BUF_INIT, NULL, 0, 0};
    /* A key's versions are taken up once the listing has passed them all, so
     * that the listing resumes after a version that is still there. */
    for (;;) {
        store_list_res_t res;
        if (st->ops->list_versions(st, x->bucket, &req, &res) != STORE_OK) break;
        for (size_t i = 0; i < res.n && !stopping(x->lw); i++) {
            const store_list_ent_t *e = &res.ents[i];
            if (e->is_prefix) continue;
            if (g.n && (e->key_len != g.key.len || memcmp(e->key, g.key.p, g.key.len) != 0)) {
                key_versions(x, &g);
                g.n = 0;
            }
            if (!g.n) {
                buf_reset(&g.key);
                buf_append(&g.key, e->key, e->key_len);
            }
            g.v = xgrow(g.v, &g.cap, g.n + 1, sizeof *g.v);
            struct ver *w = &g.v[g.n++];
            memset(w, 0, sizeof *w);
            memcpy(w->vid, e->vid, sizeof w->vid);
            w->dm = e->dm;
            w->latest = e->latest;
            w->mtime = e->mtime_ms;
            w->size = e->size;
            memcpy(w->sclass, e->sclass, sizeof w->sclass);
        }
        int more = res.truncated && res.n;
        if (more) {
            const store_list_ent_t *last = &res.ents[res.n - 1];
            buf_reset(&after);
            buf_append(&after, last->key, last->key_len);
            memcpy(after_vid, last->vid, sizeof after_vid);
            req.after = after.p;
            req.after_len = after.len;
            req.after_vid = after_vid;
        }
        store_list_free(&res);
        if (!more || stopping(x->lw)) break;
    }
    if (g.n && g.key.len && !stopping(x->lw)) key_versions(x, &g);
    buf_free(&g.key);
    buf_free(&after);
    free(g.v);
}

/* ---- passes ---- */

static void bucket_pass(struct s3_lifecycle *lw, const store_bucket_t *b)
{
    store_t *st = lw->st;
    char *doc;
    size_t len;
    if (st->ops->conf_get(st, b->name, CONF_NAME, &doc, &len) != STORE_OK) return;
    lc_config_t c;
    int rc = lc_load(doc, len, &c);
    free(doc);
    if (rc) return;
    int enabled = 0;
    for (size_t i = 0; i < c.n; i++)
        enabled |= c.rules[i].enabled;
    if (enabled) {
        struct ctx x = {lw, b->name, b->versioning, &c, lc_uses_tags(&c)};
        if (lc_aborts_uploads(&c)) uploads(&x);
        if (b->versioning == STORE_UNVERSIONED)
            current_objects(&x);
        else
            all_versions(&x);
    }
    lc_free(&c);
}

static void pass(struct s3_lifecycle *lw)
{
    store_t *st = lw->st;
    store_bucket_t *b = NULL;
    size_t n = 0;
    if (st->ops->bucket_list(st, NULL, &b, &n) != STORE_OK) return;
    for (size_t i = 0; i < n && !stopping(lw); i++)
        bucket_pass(lw, &b[i]);
    free(b);
}

static struct timespec deadline_after(int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    return until;
}

/* Passes run at start, on the interval's timer (monotonic, so that moving
 * the server's clock does not move it) and whenever run_now asks; a pass
 * asked for leaves the timer's next deadline where it was. */
static void *worker_main(void *arg)
{
    struct s3_lifecycle *lw = arg;
    pthread_mutex_lock(&lw->mu);
    struct timespec until = deadline_after(lw->interval_ms);
    uint64_t serving = lw->asked;
    while (!stopping(lw)) {
        pthread_mutex_unlock(&lw->mu);
        pass(lw);
        pthread_mutex_lock(&lw->mu);
        if (serving > lw->done) {
            lw->done = serving;
            pthread_cond_broadcast(&lw->done_cv);
        }
        int timer = 0;
        while (!stopping(lw) && lw->asked == lw->done && !timer)
            timer = pthread_cond_timedwait(&lw->cv, &lw->mu, &until) != 0;
        if (timer) until = deadline_after(lw->interval_ms);
        /* The requests made so far are served by the pass that starts now. */
        serving = lw->asked;
    }
    /* Nobody waits for a pass that will not run. */
    lw->done = lw->asked;
    pthread_cond_broadcast(&lw->done_cv);
    pthread_mutex_unlock(&lw->mu);
    return NULL;
}

void s3_lifecycle_run_now(s3_lifecycle_t *lw)
{
    if (!lw) return;
    pthread_mutex_lock(&lw->mu);
    uint64_t mine = ++lw->asked;
    pthread_cond_signal(&lw->cv);
    while (lw->done < mine && !stopping(lw))
        pthread_cond_wait(&lw->done_cv, &lw->mu);
    pthread_mutex_unlock(&lw->mu);
}

s3_lifecycle_t *s3_lifecycle_start(store_t *st, unsigned day_seconds)
{
    struct s3_lifecycle *lw = xcalloc(1, sizeof *lw);
    lw->st = st;
    if (day_seconds) {
        lw->clk.day_ms = (int64_t)day_seconds * 1000;
        lw->clk.midnight = 0;
        lw->interval_ms = lw->clk.day_ms;
    } else {
        lw->clk.day_ms = LC_DAY_MS;
        lw->clk.midnight = 1;
        lw->interval_ms = DEFAULT_INTERVAL_MS;
    }
    pthread_mutex_init(&lw->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&lw->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&lw->done_cv, NULL);
    if (pthread_create(&lw->th, NULL, worker_main, lw) != 0) {
        util_err("fakes3: cannot start the lifecycle thread");
        abort();
    }
    return lw;
}

void s3_lifecycle_stop(s3_lifecycle_t *lw)
{
    if (!lw) return;
    pthread_mutex_lock(&lw->mu);
    __atomic_store_n(&lw->stop, 1, __ATOMIC_RELEASE);
    pthread_cond_signal(&lw->cv);
    pthread_cond_broadcast(&lw->done_cv);
    pthread_mutex_unlock(&lw->mu);
    pthread_join(lw->th, NULL);
    pthread_mutex_destroy(&lw->mu);
    pthread_cond_destroy(&lw->cv);
    pthread_cond_destroy(&lw->done_cv);
    free(lw);
}

void s3_lifecycle_counts(const s3_lifecycle_t *lw, s3_lifecycle_counts_t *out)
{
    out->expiration = __atomic_load_n(&lw->n_exp, __ATOMIC_RELAXED);
    out->noncurrent_expiration = __atomic_load_n(&lw->n_nc_exp, __ATOMIC_RELAXED);
    out->delete_marker_removal = __atomic_load_n(&lw->n_dm, __ATOMIC_RELAXED);
    out->abort_multipart = __atomic_load_n(&lw->n_abort, __ATOMIC_RELAXED);
    out->transition = __atomic_load_n(&lw->n_tr, __ATOMIC_RELAXED);
}
