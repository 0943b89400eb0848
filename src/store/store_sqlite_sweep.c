/* The sweep of blobs/ in the SQLite store: files no row references (a crash
 * between a file's move into blobs/ and its row's commit, or between a
 * row's removal and its file's unlink) are removed by a background thread
 * started at open, so that the server answers at once however many objects
 * are stored (the old sweep before serving cost 4.3 us an object).
 *
 * The thread looks each file up without any lock; a file no row names is
 * only a candidate: a write of this process may be between moving it into
 * blobs/ and committing its row (a copy hard-links a file of an old object,
 * so no file time tells a new name from an old one). Candidates are looked
 * up again and unlinked with the state lock held exclusive, when no write
 * is between those steps (write paths hold it shared from their first file
 * move to their last unlink, store_sqlite_int.h) and no reset or restore is
 * half done; a file a reader still holds after its row went (retired, see
 * retire() in store_sqlite.c) is left to that reader. A reset that moved
 * blobs/ into the trash ends the sweep (everything older went with it).
 * Closing the store stops the sweep within a file; what it did not reach is
 * swept at the next start. tmp/ is emptied at open, before any write. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/store_sqlite_int.h"

struct sq_sweep {
    store_t *st;
    int bfd; /* blobs/ as it was at open */
    pthread_t th;
    atomic_int stop;
};

/* 1 if a row names blob id, 0 if none, -1 on a database error. */
static int blob_used(struct conn *c, const char *id)
{
    sqlite3_stmt *q = sq_stmt(c, S_BLOB_USED);
    if (!q) return -1;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Whether bfd is still the root's blobs/ (a reset moves it to the trash). */
static int same_blobs(int rootfd, int bfd)
{
    struct stat a, b;
    return fstatat(rootfd, "blobs", &a, 0) == 0 && fstat(bfd, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Unlink the candidates under dirfd that are still unreferenced, with the
 * state lock exclusive; the number removed, -1 when the sweep must end. */
static int remove_unused(struct sq_sweep *w, struct conn *c, int dirfd, char **ids, size_t n)
{
    struct sq_state *ss = sq_state_of(w->st);
    int removed = 0;
    sq_state_exclusive(ss);
    if (!same_blobs(sq_rootfd(w->st), w->bfd)) removed = -1;
    for (size_t i = 0; removed >= 0 && i < n && !atomic_load(&w->stop); i++) {
        if (blob_used(c, ids[i]) != 0 || sq_blob_doomed(w->st, ids[i])) continue;
        if (unlinkat(dirfd, ids[i], 0) == 0) removed++;
    }
    sq_state_release(ss);
    return removed;
}

static void *sweep_main(void *arg)
{
    struct sq_sweep *w = arg;
    struct conn *c = sq_conn(w->st);
    int bfd = c ? dup(w->bfd) : -1;
    DIR *top = bfd >= 0 ? fdopendir(bfd) : NULL;
    if (!top && bfd >= 0) close(bfd);
    long removed = 0;
    char **ids = NULL;
    size_t cap = 0;
    for (struct dirent *t; top && !atomic_load(&w->stop) && (t = readdir(top));) {
        if (t->d_name[0] == '.') continue;
        int fd = openat(w->bfd, t->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            if (fd >= 0) close(fd);
            continue;
        }
        size_t n = 0;
        int used = 0;
        for (struct dirent *e; !atomic_load(&w->stop) && (e = readdir(d));) {
            if (e->d_name[0] == '.') continue;
            if ((used = blob_used(c, e->d_name)) < 0) break;
            if (used) continue;
            ids = xgrow(ids, &cap, n + 1, sizeof *ids);
            ids[n++] = xstrdup(e->d_name);
        }
        int r = n && used >= 0 ? remove_unused(w, c, fd, ids, n) : 0;
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
        closedir(d);
        if (r > 0) removed += r;
        if (used < 0)
            util_err("store: sweep stopped (the rest waits for the next start): %s",
                     sqlite3_errmsg(sq_db(w->st)));
        if (r < 0 || used < 0) break;
    }
    free(ids);
    if (top) closedir(top);
    if (removed) util_log("store: swept %ld unreferenced file(s)", removed);
    return NULL;
}

/* Empty tmp/ of rootfd: at open nothing is being received. The number
 * removed. */
int sq_sweep_tmp(int rootfd)
{
    int removed = 0;
    int tfd = openat(rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = tfd >= 0 ? fdopendir(tfd) : NULL;
    if (!d && tfd >= 0) close(tfd);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (unlinkat(tfd, e->d_name, 0) == 0) removed++;
    }
    if (d) closedir(d);
    return removed;
}

struct sq_sweep *sq_sweep_start(store_t *st)
{
    struct sq_sweep *w = xcalloc(1, sizeof *w);
    w->st = st;
    atomic_init(&w->stop, 0);
    w->bfd = openat(sq_rootfd(st), "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = w->bfd < 0 ? errno : pthread_create(&w->th, NULL, sweep_main, w);
    if (e) {
        util_err("store: no sweep of unreferenced files this time: %s", strerror(e));
        if (w->bfd >= 0) close(w->bfd);
        free(w);
        return NULL;
    }
    return w;
}

void sq_sweep_stop(struct sq_sweep *w)
{
    if (!w) return;
    atomic_store(&w->stop, 1);
    pthread_join(w->th, NULL);
    close(w->bfd);
    free(w);
}
