/* The SQLite store's whole state: counts, reset and snapshots.
 *
 * <root>/snapshots/NAME/meta.db      the database, copied with SQLite's
 *                                    online backup API (one read transaction)
 * <root>/snapshots/NAME/blobs/ab/ID  hard links to the blobs it names
 * <root>/snapshots/NAME/info.json    {"created_ms", "buckets", "objects"}
 * <root>/trash/X                     what is being removed in the background
 *
 * Blobs are never written after they are placed, so a hard link shares bytes
 * safely and copies none. Every step keeps the root consistent for a crash:
 * a snapshot is made under snapshots/.new-X and renamed into place (swapped
 * with an older one of the name, which then goes to the trash); a reset of
 * everything commits one transaction that empties every table (SQLite's
 * truncate optimisation: no row is visited) and only then renames blobs/
 * into the trash, so a crash in between leaves files nobody references,
 * which the sweep at start removes; a restore first links the snapshot's
 * blobs into blobs/ beside the live ones, then copies the snapshot's
 * database into the live one with the backup API (one write transaction,
 * which every thread's connection sees at once), and only then removes the
 * files the restored database does not name.
 *
 * The state lock (a writer-preferring rwlock) makes these atomic with
 * respect to writes: SQLite alone serialises transactions, but a write
 * moves its bytes into blobs/ before its transaction and unlinks retired
 * blobs after it, and a reset or restore between those steps would strand
 * a row without its file or unlink a file the restored state names. Write
 * paths hold the lock shared for those steps only (microseconds to
 * milliseconds, never while a body streams); reset, save and restore hold
 * it exclusive. Save needs it too: the files it links must be the ones its
 * copy of the database names. Readers take no lock: a file they opened
 * stays readable after it is unlinked or moved. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/space.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

struct sq_state {
    int rootfd; /* not owned */
    char *root;
    pthread_rwlock_t lock;
    /* the trash thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int started, pending;
    atomic_int stop;
};

int store_snapshot_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 64 || name[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* ---- the state lock ---- */

void sq_writes_enter(struct sq_state *ss)
{
    pthread_rwlock_rdlock(&ss->lock);
}

void sq_writes_leave(struct sq_state *ss)
{
    pthread_rwlock_unlock(&ss->lock);
}

void sq_state_exclusive(struct sq_state *ss)
{
    pthread_rwlock_wrlock(&ss->lock);
}

void sq_state_release(struct sq_state *ss)
{
    pthread_rwlock_unlock(&ss->lock);
}

/* ---- the trash ---- */

/* Remove name under dirfd and everything below it; stops early (leaving
 * the rest for the next start) when the store closes. */
static void rm_tree(struct sq_state *ss, int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    for (struct dirent *e; !atomic_load(&ss->stop) && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (e->d_type == DT_DIR || unlinkat(fd, e->d_name, 0) != 0) rm_tree(ss, fd, e->d_name);
    }
    closedir(d);
    if (!atomic_load(&ss->stop) && unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        util_err("store: remove %s: %s", name, strerror(errno));
}

static void *trash_main(void *arg)
{
    struct sq_state *ss = arg;
    pthread_mutex_lock(&ss->mu);
    while (!atomic_load(&ss->stop)) {
        if (!ss->pending) {
            pthread_cond_wait(&ss->cv, &ss->mu);
            continue;
        }
        ss->pending = 0;
        pthread_mutex_unlock(&ss->mu);
        int fd = openat(ss->rootfd, "trash", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        for (struct dirent *e; d && !atomic_load(&ss->stop) && (e = readdir(d));)
            if (e->d_name[0] != '.') rm_tree(ss, fd, e->d_name);
        if (d)
            closedir(d);
        else if (fd >= 0)
            close(fd);
        pthread_mutex_lock(&ss->mu);
    }
    pthread_mutex_unlock(&ss->mu);
    return NULL;
}

/* Wake the trash thread (starting it the first time). */
static void trash_kick(struct sq_state *ss)
{
    pthread_mutex_lock(&ss->mu);
    if (!ss->started && pthread_create(&ss->th, NULL, trash_main, ss) == 0) ss->started = 1;
    ss->pending = 1;
    pthread_cond_signal(&ss->cv);
    pthread_mutex_unlock(&ss->mu);
}

/* Move name under dirfd into the trash (one rename); a store code. */
static int trash_put(struct sq_state *ss, int dirfd, const char *name)
{
    unsigned char rnd[16];
    char to[48] = "trash/";
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, to + 6);
    if (renameat(dirfd, name, ss->rootfd, to) != 0) {
        int e = errno;
        if (e != ENOENT) util_err("store: move %s to the trash: %s", name, strerror(e));
        return e == ENOENT ? STORE_ENOSNAPSHOT : store_errno_code(e);
    }
    trash_kick(ss);
    return STORE_OK;
}

struct sq_state *sq_state_open(const char *root, int rootfd)
{
    struct sq_state *ss = xcalloc(1, sizeof *ss);
    ss->rootfd = rootfd;
    ss->root = xstrdup(root);
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    /* A stream of writes must not keep a reset waiting for ever. */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&ss->lock, &a);
    pthread_rwlockattr_destroy(&a);
    pthread_mutex_init(&ss->mu, NULL);
    pthread_cond_init(&ss->cv, NULL);
    atomic_init(&ss->stop, 0);
    if (mkdirat(rootfd, "trash", 0755) != 0 && errno != EEXIST)
        util_err("store: %s/trash: %s", root, strerror(errno));
    /* Snapshots a crash left half made go to the trash; so does what an
     * earlier run left there. */
    int fd = openat(rootfd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strncmp(e->d_name, ".new-", 5) == 0) trash_put(ss, fd, e->d_name);
    if (d)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    fd = openat(rootfd, "trash", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    d = fd >= 0 ? fdopendir(fd) : NULL;
    int any = 0;
    for (struct dirent *e; d && !any && (e = readdir(d));)
        any = e->d_name[0] != '.';
    if (d)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    if (any) trash_kick(ss);
    return ss;
}

void sq_state_close(struct sq_state *ss)
{
    pthread_mutex_lock(&ss->mu);
    atomic_store(&ss->stop, 1);
    pthread_cond_signal(&ss->cv);
    pthread_mutex_unlock(&ss->mu);
    if (ss->started) pthread_join(ss->th, NULL);
    pthread_rwlock_destroy(&ss->lock);
    pthread_mutex_destroy(&ss->mu);
    pthread_cond_destroy(&ss->cv);
    free(ss->root);
    free(ss);
}

/* ---- counts ---- */

int sq_count_pair(sqlite3 *db, const char *sql, uint64_t *a, uint64_t *b)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 x = sqlite3_column_int64(q, 0), y = sqlite3_column_int64(q, 1);
        *a = x > 0 ? (uint64_t)x : 0;
        *b = y > 0 ? (uint64_t)y : 0;
    } else {
        util_err("store: count: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? STORE_OK : STORE_EIO;
}

/* Buckets and current objects of db, counted (a snapshot's database). */
static int count(sqlite3 *db, uint64_t *buckets, uint64_t *objects)
{
    return sq_count_pair(db,
                         "SELECT (SELECT count(*) FROM buckets), (SELECT count(*) FROM objects)",
                         buckets, objects);
}

/* ---- reset ---- */

/* Run sql (no rows) on db; a store code. */
static int exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return STORE_OK;
    util_err("store: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return sqlite3_errcode(db) == SQLITE_FULL ? STORE_ENOSPC : STORE_EIO;
}

/* Every row of every table goes in one transaction (tables a later schema
 * adds too). DELETE without WHERE clears a table without visiting its rows
 * where no trigger fires: sq_reset turns the connection's triggers off (the
 * bucket totals' table is emptied with the rest). */
static int reset_all_sql(sqlite3 *db)
{
    int ret = exec_sql(db, "BEGIN IMMEDIATE");
    if (ret) return ret;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                                "LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'seq_reserve'",
                                -1, &q, NULL);
    char **names = NULL;
    size_t n = 0, cap = 0;
    while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        names = xgrow(names, &cap, n + 1, sizeof *names);
        names[n++] = xstrdup((const char *)sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) {
        util_err("store: reset: %s", sqlite3_errmsg(db));
        ret = STORE_EIO;
    }
    for (size_t i = 0; i < n; i++) {
        char *sql = sqlite3_mprintf("DELETE FROM \"%w\"", names[i]);
        if (ret == STORE_OK) ret = sql ? exec_sql(db, sql) : STORE_EIO;
        sqlite3_free(sql);
        free(names[i]);
    }
    free(names);
    if (ret == STORE_OK) ret = exec_sql(db, "COMMIT");
    if (ret) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

static int reset_all(store_t *st, sqlite3 *db)
{
    struct sq_state *ss = sq_state_of(st);
    int ret = reset_all_sql(db);
    if (ret == STORE_ENOSPC && sq_reserve_release(st)) ret = reset_all_sql(db);
    if (ret) return ret;
    /* The rows are gone; the files follow with one rename. Should it fail,
     * the files are unreferenced and the next start's sweep removes them. */
    sq_forget_doomed(st);
    if (trash_put(ss, ss->rootfd, "blobs") == STORE_OK && mkdirat(ss->rootfd, "blobs", 0755) != 0 &&
        errno != EEXIST) {
        int e = errno;
        util_err("store: %s/blobs: %s", ss->root, strerror(e));
        return store_errno_code(e);
    }
    return STORE_OK;
}

/* The blob files of one bucket's rows, and the statements that remove the
 * rows. A reset runs with the connection's triggers off (sq_reset), so the
 * rows triggers remove with a bucket (its configurations, its totals) are
 * named here too: a table a later schema keys by bucket belongs here. */
static const char bucket_blobs_sql[] =
    "SELECT blob FROM objects WHERE bucket = ?1 AND blob <> '' UNION ALL "
    "SELECT blob FROM versions WHERE bucket = ?1 AND blob <> '' UNION ALL "
    "SELECT blob FROM object_parts WHERE bucket = ?1 UNION ALL "
    "SELECT p.blob FROM parts p JOIN uploads u ON p.upload = u.id WHERE u.bucket = ?1";
static const char *const bucket_delete_sql[] = {
    "DELETE FROM parts WHERE upload IN (SELECT id FROM uploads WHERE bucket = ?1)",
    "DELETE FROM uploads WHERE bucket = ?1",
    "DELETE FROM object_parts WHERE bucket = ?1",
    "DELETE FROM versions WHERE bucket = ?1",
    "DELETE FROM objects WHERE bucket = ?1",
    "DELETE FROM buckets WHERE name = ?1",
    "DELETE FROM bucket_confs WHERE bucket = ?1",
    "DELETE FROM bucket_totals WHERE bucket = ?1",
};

/* Run sql with ?1 bound to bucket; each row's first column is added to
 * *ids (when ids is not NULL). A store code. */
static int run_bucket(sqlite3 *db, const char *sql, const char *bucket, char ***ids, size_t *n,
                      size_t *cap)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(q, 0);
            if (!ids || !id || !*id) continue;
            *ids = xgrow(*ids, cap, *n + 1, sizeof **ids);
            (*ids)[(*n)++] = xstrdup(id);
        }
    }
    int ret = rc == SQLITE_DONE                    ? STORE_OK
              : sqlite3_errcode(db) == SQLITE_FULL ? STORE_ENOSPC
                                                   : STORE_EIO;
    if (ret) util_err("store: reset: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return ret;
}

static int reset_bucket_once(sqlite3 *db, const char *bucket, char ***ids, size_t *n, size_t *cap)
{
    int ret = exec_sql(db, "BEGIN IMMEDIATE");
    if (ret) return ret;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM buckets WHERE name = ?1", -1, &q, NULL) !=
        SQLITE_OK) {
        ret = STORE_EIO;
        goto fail;
    }
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW) {
        ret = rc == SQLITE_DONE ? STORE_ENOBUCKET : STORE_EIO;
        goto fail;
    }
    if ((ret = run_bucket(db, bucket_blobs_sql, bucket, ids, n, cap)) != STORE_OK) goto fail;
    for (size_t i = 0; i < sizeof bucket_delete_sql / sizeof *bucket_delete_sql; i++)
        if ((ret = run_bucket(db, bucket_delete_sql[i], bucket, NULL, NULL, NULL)) != STORE_OK)
            goto fail;
    if ((ret = exec_sql(db, "COMMIT")) == STORE_OK) return STORE_OK;
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < *n; i++)
        free((*ids)[i]);
    *n = 0;
    return ret;
}

static int reset_bucket(store_t *st, sqlite3 *db, const char *bucket)
{
    char **ids = NULL;
    size_t n = 0, cap = 0;
    int ret = reset_bucket_once(db, bucket, &ids, &n, &cap);
    if (ret == STORE_ENOSPC && sq_reserve_release(st))
        ret = reset_bucket_once(db, bucket, &ids, &n, &cap);
    /* After the commit: a crash before this leaves files nobody references,
     * which the next start's sweep removes. */
    int rootfd = sq_rootfd(st);
    for (size_t i = 0; i < n; i++) {
        char p[48];
        snprintf(p, sizeof p, "blobs/%.2s/%s", ids[i], ids[i]);
        if (unlinkat(rootfd, p, 0) != 0 && errno != ENOENT)
            util_err("store: unlink %s: %s", p, strerror(errno));
        free(ids[i]);
    }
    free(ids);
    return ret;
}

/* The connection's secure_delete setting (Debian's SQLite turns it on). */
static int secure_delete(sqlite3 *db, int set)
{
    char sql[32];
    snprintf(sql, sizeof sql, set < 0 ? "PRAGMA secure_delete" : "PRAGMA secure_delete=%d", set);
    sqlite3_stmt *q = NULL;
    int was = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        was = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return was;
}

int sq_reset(store_t *st, const char *bucket)
{
    struct sq_state *ss = sq_state_of(st);
    sqlite3 *db = sq_db(st);
    if (!db) return store_errno_code(errno);
    /* Zeroing every freed page would write the whole database once more
     * (a third of a reset of 100,000 objects): the rows of a fake go. */
    int was = secure_delete(db, -1);
    if (was) secure_delete(db, 0);
    /* No trigger fires in a reset: every row of the bucket goes, or every
     * row of every table, so the bucket totals' triggers (store_sqlite_stats.c)
     * would only cost a step per row and, for everything, turn off SQLite's
     * truncate optimisation (a DELETE without WHERE then visits each row:
     * 100,000 objects in ~300 ms instead of ~10). Per connection: others'
     * statements and triggers are untouched. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    pthread_rwlock_wrlock(&ss->lock);
    int ret = bucket ? reset_bucket(st, db, bucket) : reset_all(st, db);
    pthread_rwlock_unlock(&ss->lock);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
    if (was) secure_delete(db, was);
    return ret;
}

/* ---- snapshots ---- */

/* Copy the database of from into to, both "main", in one step (one read
 * transaction on from, one write transaction on to); a store code. */
static int copy_db(sqlite3 *from, sqlite3 *to)
{
    for (int attempt = 0;; attempt++) {
        sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
        if (!b) {
            util_err("store: backup: %s", sqlite3_errmsg(to));
            return STORE_EIO;
        }
        int rc = sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
        if (rc == SQLITE_DONE) return STORE_OK;
        /* A write that takes no state lock (a bucket setting) holds the
         * database: wait for it as a busy handler would. */
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 3000) {
            util_sleep_us(10000);
            continue;
        }
        util_err("store: backup: %s", sqlite3_errstr(rc));
        return rc == SQLITE_FULL ? STORE_ENOSPC : STORE_EIO;
    }
}

static sqlite3 *open_db(const char *path, int flags)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        util_err("store: open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 30000);
    return db;
}

/* Link blobs/ab/id under fromfd to the same path under tofd, making ab/ on
 * first use; an existing link counts (ids are never reused). */
static int link_id(int fromfd, int tofd, const char *id)
{
    char p[48];
    snprintf(p, sizeof p, "blobs/%.2s/%s", id, id);
    if (linkat(fromfd, p, tofd, p, 0) == 0 || errno == EEXIST) return STORE_OK;
    if (errno == ENOENT) {
        char sub[16];
        snprintf(sub, sizeof sub, "blobs/%.2s", id);
        if ((mkdirat(tofd, sub, 0755) == 0 || errno == EEXIST) &&
            (linkat(fromfd, p, tofd, p, 0) == 0 || errno == EEXIST))
            return STORE_OK;
    }
    return -errno;
}

/* info.json of a snapshot. */
static int info_write(int dirfd, const store_snapshot_t *sn)
{
    json_t *j = json_pack("{s:I, s:I, s:I}", "created_ms", (json_int_t)sn->created_ms, "buckets",
                          (json_int_t)sn->buckets, "objects", (json_int_t)sn->objects);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) return STORE_EIO;
    int fd = openat(dirfd, "info.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(s);
    int ok = fd >= 0 && write(fd, s, len) == (ssize_t)len, e = errno;
    free(s);
    if (fd >= 0) close(fd);
    return ok ? STORE_OK : store_errno_code(e);
}

static int info_read(int dirfd, const char *name, store_snapshot_t *sn)
{
    char p[300];
    snprintf(p, sizeof p, "%s/info.json", name);
    int fd = openat(dirfd, p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? STORE_ENOSNAPSHOT : store_errno_code(errno);
    json_error_t err;
    json_t *j = json_loadfd(fd, 0, &err);
    close(fd);
    json_int_t created = 0, buckets = 0, objects = 0;
    int ok = j && json_unpack(j, "{s:I, s:I, s:I}", "created_ms", &created, "buckets", &buckets,
                              "objects", &objects) == 0;
    json_decref(j);
    if (!ok) return STORE_EIO;
    memset(sn, 0, sizeof *sn);
    snprintf(sn->name, sizeof sn->name, "%.64s", name);
    sn->created_ms = created;
    sn->buckets = (uint64_t)buckets;
    sn->objects = (uint64_t)objects;
    return STORE_OK;
}

/* Every blob id a database names (its current objects, versions, parts of
 * completed objects and of uploads in progress). */
static const char blobs_sql[] = "SELECT blob FROM objects WHERE blob <> '' UNION "
                                "SELECT blob FROM versions WHERE blob <> '' UNION "
                                "SELECT blob FROM object_parts UNION SELECT blob FROM parts";

/* Make the snapshot under snapfd: the live database copied, its blobs
 * linked, info.json. Called with the state lock held exclusive. */
static int save_into(store_t *st, int snapfd, const char *dbpath, store_snapshot_t *sn)
{
    sqlite3 *live = sq_db(st);
    if (!live) return store_errno_code(errno);
    sqlite3 *db = open_db(dbpath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!db) return STORE_EIO;
    int ret = copy_db(live, db);
    /* One file, readable without a WAL beside it. */
    if (ret == STORE_OK) ret = exec_sql(db, "PRAGMA journal_mode=DELETE");
    if (ret == STORE_OK) ret = count(db, &sn->buckets, &sn->objects);
    if (ret == STORE_OK && mkdirat(snapfd, "blobs", 0755) != 0) ret = store_errno_code(errno);
    sqlite3_stmt *q = NULL;
    if (ret == STORE_OK && sqlite3_prepare_v2(db, blobs_sql, -1, &q, NULL) != SQLITE_OK) {
        util_err("store: snapshot: %s", sqlite3_errmsg(db));
        ret = STORE_EIO;
    }
    int rootfd = sq_rootfd(st), rc = SQLITE_DONE;
    while (ret == STORE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        int e = link_id(rootfd, snapfd, id);
        /* A file the live state already lacks stays lacking. */
        if (e == -ENOENT)
            util_err("store: snapshot: blob %s is missing", id);
        else if (e)
            ret = store_errno_code(-e);
    }
    if (ret == STORE_OK && rc != SQLITE_DONE) ret = STORE_EIO;
    sqlite3_finalize(q);
    sqlite3_close(db);
    sn->created_ms = util_now_ms();
    if (ret == STORE_OK) ret = info_write(snapfd, sn);
    return ret;
}

int sq_snapshot_save(store_t *st, const char *name, store_snapshot_t *out)
{
    if (!store_snapshot_name_ok(name)) return STORE_EINVAL;
    struct sq_state *ss = sq_state_of(st);
    store_snapshot_t sn = {0};
    snprintf(sn.name, sizeof sn.name, "%s", name);
    unsigned char rnd[8];
    char tmp[32] = ".new-", dbpath[4200];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, tmp + 5);
    snprintf(dbpath, sizeof dbpath, "%s/snapshots/%s/meta.db", ss->root, tmp);
    if (mkdirat(ss->rootfd, "snapshots", 0755) != 0 && errno != EEXIST)
        return store_errno_code(errno);
    int snapsfd = openat(ss->rootfd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (snapsfd < 0) return store_errno_code(errno);
    if (mkdirat(snapsfd, tmp, 0755) != 0) {
        int e = errno;
        close(snapsfd);
        return store_errno_code(e);
    }
    int snapfd = openat(snapsfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ret = snapfd < 0 ? store_errno_code(errno) : STORE_OK;
    pthread_rwlock_wrlock(&ss->lock);
    if (ret == STORE_OK) ret = save_into(st, snapfd, dbpath, &sn);
    if (ret == STORE_OK) {
        /* In place at once: a new name, or swapped with the old snapshot. */
        if (renameat2(snapsfd, tmp, snapsfd, name, RENAME_NOREPLACE) == 0) {
            tmp[0] = 0;
        } else if (errno == EEXIST &&
                   renameat2(snapsfd, tmp, snapsfd, name, RENAME_EXCHANGE) == 0) {
            /* tmp now names the old snapshot */
        } else if (errno == EINVAL || errno == ENOSYS || errno == EEXIST) {
            /* no renameat2 here: the old one goes first */
            trash_put(ss, snapsfd, name);
            if (renameat(snapsfd, tmp, snapsfd, name) == 0)
                tmp[0] = 0;
            else
                ret = store_errno_code(errno);
        } else {
            ret = store_errno_code(errno);
        }
    }
    pthread_rwlock_unlock(&ss->lock);
    if (snapfd >= 0) close(snapfd);
    if (tmp[0]) trash_put(ss, snapsfd, tmp);
    close(snapsfd);
    if (ret == STORE_OK && out) *out = sn;
    return ret;
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The blob ids under dirfd's blobs/ (two levels), into *ids. */
static int list_blobs(int dirfd, char ***ids, size_t *n)
{
    size_t cap = 0;
    int bfd = openat(dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0) return errno == ENOENT ? STORE_OK : store_errno_code(errno);
    DIR *top = fdopendir(bfd);
    if (!top) {
        close(bfd);
        return store_errno_code(errno);
    }
    for (struct dirent *t; (t = readdir(top));) {
        if (t->d_name[0] == '.') continue;
        int fd = openat(bfd, t->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        for (struct dirent *e; d && (e = readdir(d));) {
            if (e->d_name[0] == '.') continue;
            *ids = xgrow(*ids, &cap, *n + 1, sizeof **ids);
            (*ids)[(*n)++] = xstrdup(e->d_name);
        }
        if (d)
            closedir(d);
        else if (fd >= 0)
            close(fd);
    }
    closedir(top);
    return STORE_OK;
}

/* Unlink every file under blobs/ of rootfd whose id is not in keep (sorted). */
static void remove_others(int rootfd, char **keep, size_t nkeep)
{
    char **live = NULL;
    size_t n = 0;
    list_blobs(rootfd, &live, &n);
    for (size_t i = 0; i < n; i++) {
        if (!nkeep || !bsearch(&live[i], keep, nkeep, sizeof *keep, id_cmp)) {
            char p[300];
            snprintf(p, sizeof p, "blobs/%.2s/%s", live[i], live[i]);
            if (unlinkat(rootfd, p, 0) != 0 && errno != ENOENT)
                util_err("store: unlink %s: %s", p, strerror(errno));
        }
        free(live[i]);
    }
    free(live);
}

/* Called with the state lock held exclusive. */
static int restore_from(store_t *st, int snapfd, const char *dbpath)
{
    int rootfd = sq_rootfd(st), ret;
    sqlite3 *live = sq_db(st);
    if (!live) return store_errno_code(errno);
    char **ids = NULL;
    size_t n = 0, linked = 0;
    if ((ret = list_blobs(snapfd, &ids, &n)) != STORE_OK) goto done;
    /* A reader letting go must not unlink a retired file the snapshot names
     * (no write retires more meanwhile: they wait for the lock). Should the
     * restore fail, such files are left unreferenced: swept at start. */
    sq_forget_doomed(st);
    /* First the snapshot's files beside the live ones: until the database
     * is copied, the extra files are unreferenced (swept at start). */
    for (; linked < n; linked++) {
        int e = link_id(snapfd, rootfd, ids[linked]);
        if (e) {
            ret = store_errno_code(-e);
            goto done;
        }
    }
    sqlite3 *db = open_db(dbpath, SQLITE_OPEN_READONLY);
    if (!db) {
        ret = STORE_EIO;
        goto done;
    }
    ret = copy_db(db, live);
    sqlite3_close(db);
    if (ret) goto done;
    if ((ret = sq_after_restore(st)) != STORE_OK) goto done;
    /* Now the files the restored database does not name go. */
    if (n) qsort(ids, n, sizeof *ids, id_cmp);
    remove_others(rootfd, ids, n);
done:
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return ret;
}

int sq_snapshot_restore(store_t *st, const char *name)
{
    if (!store_snapshot_name_ok(name)) return STORE_EINVAL;
    struct sq_state *ss = sq_state_of(st);
    char rel[96], dbpath[4200];
    snprintf(rel, sizeof rel, "snapshots/%s", name);
    snprintf(dbpath, sizeof dbpath, "%s/%s/meta.db", ss->root, rel);
    pthread_rwlock_wrlock(&ss->lock);
    int snapfd = openat(ss->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;
    if (snapfd < 0)
        ret = errno == ENOENT ? STORE_ENOSNAPSHOT : store_errno_code(errno);
    else
        ret = restore_from(st, snapfd, dbpath);
    pthread_rwlock_unlock(&ss->lock);
    if (snapfd >= 0) close(snapfd);
    return ret;
}

static int sn_cmp(const void *a, const void *b)
{
    return strcmp(((const store_snapshot_t *)a)->name, ((const store_snapshot_t *)b)->name);
}

int sq_snapshot_list(store_t *st, store_snapshot_t **out, size_t *n)
{
    struct sq_state *ss = sq_state_of(st);
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    pthread_rwlock_rdlock(&ss->lock);
    int fd = openat(ss->rootfd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    int ret = fd < 0 && errno != ENOENT ? store_errno_code(errno) : STORE_OK;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!store_snapshot_name_ok(e->d_name)) continue;
        store_snapshot_t sn;
        if (info_read(fd, e->d_name, &sn) != STORE_OK) continue;
        *out = xgrow(*out, &cap, *n + 1, sizeof **out);
        (*out)[(*n)++] = sn;
    }
    if (d)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    pthread_rwlock_unlock(&ss->lock);
    if (*n) qsort(*out, *n, sizeof **out, sn_cmp);
    return ret;
}

int sq_snapshot_delete(store_t *st, const char *name)
{
    if (!store_snapshot_name_ok(name)) return STORE_EINVAL;
    struct sq_state *ss = sq_state_of(st);
    char rel[96];
    snprintf(rel, sizeof rel, "snapshots/%s", name);
    pthread_rwlock_wrlock(&ss->lock);
    int ret = trash_put(ss, ss->rootfd, rel);
    pthread_rwlock_unlock(&ss->lock);
    return ret;
}
