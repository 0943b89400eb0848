/* The default store: SQLite (WAL) for metadata, one blob file per object.
 *
 * <root>/meta.db     buckets and objects
 * <root>/blobs/ab/ID object bytes; ID is 32 random hex digits, ab its first two
 * <root>/tmp/ID      bytes being received
 *
 * A write streams into tmp/, is renamed into blobs/, and only then does one
 * transaction publish its row and retire the old one; the old blob is
 * unlinked after the commit. A crash therefore leaves the old or the new
 * object visible, and at worst an unreferenced blob, which the sweep at open
 * removes. Every thread gets its own SQLite connection with its prepared
 * statements. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "store/store.h"

enum stmt_id {
    S_BEGIN_W,
    S_BEGIN_R,
    S_COMMIT,
    S_ROLLBACK,
    S_BUCKET_INSERT,
    S_BUCKET_INSERT_IGNORE,
    S_BUCKET_GET,
    S_BUCKET_DELETE,
    S_BUCKET_HAS_OBJ,
    S_BUCKET_LIST,
    S_OBJ_GET,
    S_OBJ_BLOB,
    S_OBJ_UPSERT,
    S_OBJ_DELETE,
    S_LIST_GT,
    S_LIST_GE,
    S_BLOB_USED,
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN_W] = "BEGIN IMMEDIATE",
    [S_BEGIN_R] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_BUCKET_INSERT] = "INSERT INTO buckets(name, created, region) VALUES (?1, ?2, ?3)",
    [S_BUCKET_INSERT_IGNORE] =
        "INSERT OR IGNORE INTO buckets(name, created, region) VALUES (?1, ?2, ?3)",
    [S_BUCKET_GET] = "SELECT created, region FROM buckets WHERE name = ?1",
    [S_BUCKET_DELETE] = "DELETE FROM buckets WHERE name = ?1",
    [S_BUCKET_HAS_OBJ] = "SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1",
    [S_BUCKET_LIST] = "SELECT name, created, region FROM buckets ORDER BY name",
    [S_OBJ_GET] = "SELECT size, etag, mtime, headers, blob FROM objects WHERE bucket = ?1 AND "
                  "key = ?2",
    [S_OBJ_BLOB] = "SELECT blob, etag FROM objects WHERE bucket = ?1 AND key = ?2",
    [S_OBJ_UPSERT] = "INSERT OR REPLACE INTO objects(bucket, key, size, etag, mtime, headers, "
                     "blob) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_OBJ_DELETE] = "DELETE FROM objects WHERE bucket = ?1 AND key = ?2",
    [S_LIST_GT] = "SELECT key, size, etag, mtime FROM objects WHERE bucket = ?1 AND key > ?2 "
                  "ORDER BY key LIMIT ?3",
    [S_LIST_GE] = "SELECT key, size, etag, mtime FROM objects WHERE bucket = ?1 AND key >= ?2 "
                  "ORDER BY key LIMIT ?3",
    [S_BLOB_USED] = "SELECT 1 FROM objects WHERE blob = ?1 LIMIT 1",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS buckets ("
    " name TEXT PRIMARY KEY, created INTEGER NOT NULL, region TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS objects ("
    " bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    " mtime INTEGER NOT NULL, headers TEXT NOT NULL, blob TEXT NOT NULL,"
    " PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS objects_blob ON objects(blob);"
    "PRAGMA user_version = 1;";

struct conn {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
};

struct sq_store {
    store_t base;
    char *root;
    int rootfd, lockfd;
    int sync;
    pthread_key_t key;
    pthread_mutex_t mu;
    struct conn **conns;
    size_t nconns;
};

struct store_put {
    struct sq_store *s;
    int fd;
    char id[33];
};

#define SQ(st) ((struct sq_store *)(st))

/* ---- connections and statements ---- */

static struct conn *conn_open(struct sq_store *s, char *err, size_t errlen)
{
    struct conn *c = xcalloc(1, sizeof *c);
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.db", s->root);
    int rc = sqlite3_open_v2(
        path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        if (err) snprintf(err, errlen, "%s: %s", path, c->db ? sqlite3_errmsg(c->db) : "no memory");
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 30000);
    sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    sqlite3_exec(c->db, s->sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                 NULL, NULL);
    pthread_mutex_lock(&s->mu);
    s->conns = xrealloc(s->conns, (s->nconns + 1) * sizeof *s->conns);
    s->conns[s->nconns++] = c;
    pthread_mutex_unlock(&s->mu);
    return c;
}

static void conn_close(struct conn *c)
{
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    free(c);
}

static struct conn *conn_get(struct sq_store *s)
{
    struct conn *c = pthread_getspecific(s->key);
    if (!c) {
        c = conn_open(s, NULL, 0);
        if (!c) return NULL;
        pthread_setspecific(s->key, c);
    }
    return c;
}

/* The prepared statement, reset and unbound; NULL on failure. */
static sqlite3_stmt *stmt(struct conn *c, enum stmt_id id)
{
    if (!c->st[id]) {
        if (sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->st[id],
                               NULL) != SQLITE_OK) {
            util_err("store: prepare '%s': %s", stmt_sql[id], sqlite3_errmsg(c->db));
            return NULL;
        }
    } else {
        sqlite3_reset(c->st[id]);
        sqlite3_clear_bindings(c->st[id]);
    }
    return c->st[id];
}

/* Run a statement that returns no rows. */
static int exec1(struct conn *c, enum stmt_id id)
{
    sqlite3_stmt *st = stmt(c, id);
    if (!st) return STORE_EIO;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        util_err("store: '%s': %s", stmt_sql[id], sqlite3_errmsg(c->db));
        return STORE_EIO;
    }
    return STORE_OK;
}

static void rollback(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->db)) exec1(c, S_ROLLBACK);
}

/* Whether bucket exists, inside the caller's transaction. */
static int bucket_exists(struct conn *c, const char *bucket)
{
    sqlite3_stmt *st = stmt(c, S_BUCKET_GET);
    if (!st) return STORE_EIO;
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return STORE_OK;
    if (rc == SQLITE_DONE) return STORE_ENOBUCKET;
    return STORE_EIO;
}

static void blob_path(const char *id, char out[48])
{
    snprintf(out, 48, "blobs/%.2s/%s", id, id);
}

static void unlink_blob(struct sq_store *s, const char *id)
{
    char p[48];
    blob_path(id, p);
    if (unlinkat(s->rootfd, p, 0) != 0 && errno != ENOENT)
        util_err("store: unlink %s: %s", p, strerror(errno));
}

/* ---- buckets ---- */

static int sq_bucket_create(store_t *st, const char *name, const char *region)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return STORE_EIO;
    sqlite3_stmt *q = stmt(c, S_BUCKET_INSERT);
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, util_now_ms());
    sqlite3_bind_text(q, 3, region ? region : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE) return STORE_OK;
    if (rc == SQLITE_CONSTRAINT) return STORE_EEXIST;
    util_err("store: create bucket: %s", sqlite3_errmsg(c->db));
    return STORE_EIO;
}

static int sq_bucket_get(store_t *st, const char *name, store_bucket_t *out)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return STORE_EIO;
    sqlite3_stmt *q = stmt(c, S_BUCKET_GET);
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = STORE_EIO;
    if (rc == SQLITE_ROW) {
        if (out) {
            snprintf(out->name, sizeof out->name, "%s", name);
            out->created_ms = sqlite3_column_int64(q, 0);
            snprintf(out->region, sizeof out->region, "%s",
                     (const char *)sqlite3_column_text(q, 1));
        }
        ret = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        ret = STORE_ENOBUCKET;
    }
    sqlite3_reset(q);
    return ret;
}

static int sq_bucket_delete(store_t *st, const char *name)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return STORE_EIO;
    int ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    ret = bucket_exists(c, name);
    if (ret) goto done;
    sqlite3_stmt *q = stmt(c, S_BUCKET_HAS_OBJ);
    if (!q) {
        ret = STORE_EIO;
        goto done;
    }
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) {
        ret = STORE_ENOTEMPTY;
        goto done;
    }
    q = stmt(c, S_BUCKET_DELETE);
    if (!q) {
        ret = STORE_EIO;
        goto done;
    }
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    ret = sqlite3_step(q) == SQLITE_DONE ? STORE_OK : STORE_EIO;
    sqlite3_reset(q);
    if (ret == STORE_OK) return exec1(c, S_COMMIT);
done:
    rollback(c);
    return ret;
}

static int sq_bucket_list(store_t *st, store_bucket_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct conn *c = conn_get(SQ(st));
    if (!c) return STORE_EIO;
    sqlite3_stmt *q = stmt(c, S_BUCKET_LIST);
    if (!q) return STORE_EIO;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        store_bucket_t *b = &(*out)[(*n)++];
        snprintf(b->name, sizeof b->name, "%s", (const char *)sqlite3_column_text(q, 0));
        b->created_ms = sqlite3_column_int64(q, 1);
        snprintf(b->region, sizeof b->region, "%s", (const char *)sqlite3_column_text(q, 2));
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return STORE_EIO;
    }
    return STORE_OK;
}

/* ---- objects ---- */

void store_obj_free(store_obj_t *o)
{
    free(o->key);
    free(o->headers);
    free(o->blob);
    o->key = o->headers = o->blob = NULL;
}

static int sq_put_begin(store_t *st, store_put_t **out)
{
    struct sq_store *s = SQ(st);
    store_put_t *p = xcalloc(1, sizeof *p);
    p->s = s;
    unsigned char rnd[16];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, p->id);
    char path[48];
    snprintf(path, sizeof path, "tmp/%s", p->id);
    p->fd = openat(s->rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (p->fd < 0) {
        util_err("store: create %s: %s", path, strerror(errno));
        free(p);
        return STORE_EIO;
    }
    *out = p;
    return STORE_OK;
}

static int sq_put_write(store_put_t *p, const void *data, size_t n)
{
    const char *d = data;
    while (n) {
        ssize_t w = write(p->fd, d, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            util_err("store: write: %s", strerror(errno));
            return STORE_EIO;
        }
        d += w;
        n -= (size_t)w;
    }
    return STORE_OK;
}

static void sq_put_abort(store_put_t *p)
{
    char path[48];
    snprintf(path, sizeof path, "tmp/%s", p->id);
    close(p->fd);
    unlinkat(p->s->rootfd, path, 0);
    free(p);
}

static int sq_put_begin_from(store_t *st, const store_obj_t *src, store_put_t **out)
{
    struct sq_store *s = SQ(st);
    store_put_t *p = xcalloc(1, sizeof *p);
    p->s = s;
    unsigned char rnd[16];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, p->id);
    char from[48], to[48];
    blob_path(src->blob, from);
    snprintf(to, sizeof to, "tmp/%s", p->id);
    /* A second name for the same bytes: a copy that copies nothing, and
     * deleting either object leaves the other's bytes in place. */
    if (linkat(s->rootfd, from, s->rootfd, to, 0) != 0) {
        int e = errno;
        free(p);
        if (e == ENOENT) return STORE_ENOKEY;
        util_err("store: link %s: %s", from, strerror(e));
        return STORE_EIO;
    }
    p->fd = openat(s->rootfd, to, O_RDONLY | O_CLOEXEC);
    if (p->fd < 0) {
        unlinkat(s->rootfd, to, 0);
        free(p);
        return STORE_EIO;
    }
    *out = p;
    return STORE_OK;
}

static int sq_put_commit(store_put_t *p, const char *bucket, const char *key, size_t key_len,
                         store_obj_t *meta, int autocreate, const store_cond_t *cond)
{
    struct sq_store *s = p->s;
    char tmp[48], dst[48];
    snprintf(tmp, sizeof tmp, "tmp/%s", p->id);
    blob_path(p->id, dst);
    if (s->sync && fsync(p->fd) != 0) {
        sq_put_abort(p);
        return STORE_EIO;
    }
    close(p->fd);
    p->fd = -1;
    int moved = renameat(s->rootfd, tmp, s->rootfd, dst);
    if (moved != 0 && errno == ENOENT) {
        /* blobs/ab/ is made on first use. */
        char sub[16];
        snprintf(sub, sizeof sub, "blobs/%.2s", p->id);
        if (mkdirat(s->rootfd, sub, 0755) == 0 || errno == EEXIST)
            moved = renameat(s->rootfd, tmp, s->rootfd, dst);
    }
    if (moved != 0) {
        util_err("store: rename %s: %s", tmp, strerror(errno));
        unlinkat(s->rootfd, tmp, 0);
        free(p);
        return STORE_EIO;
    }
    char *old = NULL;
    struct conn *c = conn_get(s);
    int ret = c ? exec1(c, S_BEGIN_W) : STORE_EIO;
    if (ret) goto fail;
    if (autocreate) {
        sqlite3_stmt *q = stmt(c, S_BUCKET_INSERT_IGNORE);
        if (!q) goto fail_io;
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, util_now_ms());
        sqlite3_bind_text(q, 3, "", -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) goto fail_io;
    } else if ((ret = bucket_exists(c, bucket)) != STORE_OK) {
        goto fail;
    }
    sqlite3_stmt *q = stmt(c, S_OBJ_BLOB);
    if (!q) goto fail_io;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
    int exists = 0, cond_ok = 1;
    if (sqlite3_step(q) == SQLITE_ROW) {
        exists = 1;
        old = xstrdup((const char *)sqlite3_column_text(q, 0));
        if (cond && cond->if_match &&
            strcmp(cond->if_match, (const char *)sqlite3_column_text(q, 1)) != 0)
            cond_ok = 0;
    }
    sqlite3_reset(q);
    if (cond && cond->if_match && !exists) {
        ret = STORE_ENOKEY;
        goto fail;
    }
    if (!cond_ok || (cond && cond->if_none_match && exists)) {
        ret = STORE_EPRECOND;
        goto fail;
    }
    meta->mtime_ms = util_now_ms();
    q = stmt(c, S_OBJ_UPSERT);
    if (!q) goto fail_io;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)meta->size);
    sqlite3_bind_text(q, 4, meta->etag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, meta->mtime_ms);
    sqlite3_bind_text(q, 6, meta->headers ? meta->headers : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, p->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) goto fail_io;
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail;
    if (old) unlink_blob(s, old);
    free(old);
    free(meta->blob);
    meta->blob = xstrdup(p->id);
    free(p);
    return STORE_OK;
fail_io:
    util_err("store: put: %s", sqlite3_errmsg(c->db));
    ret = STORE_EIO;
fail:
    if (c) rollback(c);
    unlinkat(s->rootfd, dst, 0);
    free(old);
    free(p);
    return ret;
}

static int sq_obj_get(store_t *st, const char *bucket, const char *key, size_t key_len,
                      store_obj_t *out, int *fd)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return STORE_EIO;
    memset(out, 0, sizeof *out);
    /* A concurrent overwrite may unlink the blob between the lookup and the
     * open; looking up again then finds the new one. */
    for (int attempt = 0; attempt < 5; attempt++) {
        sqlite3_stmt *q = stmt(c, S_OBJ_GET);
        if (!q) return STORE_EIO;
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(q);
            if (rc != SQLITE_DONE) return STORE_EIO;
            int b = bucket_exists(c, bucket);
            return b == STORE_OK ? STORE_ENOKEY : b;
        }
        store_obj_free(out);
        out->key = xstrndup(key, key_len);
        out->key_len = key_len;
        out->size = (uint64_t)sqlite3_column_int64(q, 0);
        snprintf(out->etag, sizeof out->etag, "%s", (const char *)sqlite3_column_text(q, 1));
        out->mtime_ms = sqlite3_column_int64(q, 2);
        out->headers = xstrdup((const char *)sqlite3_column_text(q, 3));
        out->blob = xstrdup((const char *)sqlite3_column_text(q, 4));
        sqlite3_reset(q);
        if (!fd) return STORE_OK;
        char p[48];
        blob_path(out->blob, p);
        *fd = openat(s->rootfd, p, O_RDONLY | O_CLOEXEC);
        if (*fd >= 0) return STORE_OK;
        if (errno != ENOENT) break;
    }
    store_obj_free(out);
    return STORE_EIO;
}

static int sq_obj_delete(store_t *st, const char *bucket, const char *key, size_t key_len)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return STORE_EIO;
    char *old = NULL;
    int ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    if ((ret = bucket_exists(c, bucket)) != STORE_OK) goto fail;
    sqlite3_stmt *q = stmt(c, S_OBJ_BLOB);
    if (!q) goto fail_io;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) old = xstrdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    if (old) {
        q = stmt(c, S_OBJ_DELETE);
        if (!q) goto fail_io;
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) goto fail_io;
    }
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail;
    if (old) unlink_blob(s, old);
    free(old);
    return STORE_OK;
fail_io:
    ret = STORE_EIO;
fail:
    rollback(c);
    free(old);
    return ret;
}

/* ---- listing ---- */

void store_list_free(store_list_res_t *res)
{
    for (size_t i = 0; i < res->n; i++)
        free(res->ents[i].key);
    free(res->ents);
    res->ents = NULL;
    res->n = 0;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

static store_list_ent_t *list_push(store_list_res_t *res, size_t *cap)
{
    if (res->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        res->ents = xrealloc(res->ents, *cap * sizeof *res->ents);
    }
    store_list_ent_t *e = &res->ents[res->n++];
    memset(e, 0, sizeof *e);
    return e;
}

/* The least byte string greater than every string that starts with p: drop
 * trailing 0xff bytes and add one to the last. Returns its length, 0 if none. */
static size_t successor(char *p, size_t n)
{
    while (n && (unsigned char)p[n - 1] == 0xff)
        n--;
    if (n) p[n - 1] = (char)((unsigned char)p[n - 1] + 1);
    return n;
}

static int sq_list(store_t *st, const char *bucket, const store_list_req_t *req,
                   store_list_res_t *res)
{
    memset(res, 0, sizeof *res);
    struct conn *c = conn_get(SQ(st));
    if (!c) return STORE_EIO;
    int ret = exec1(c, S_BEGIN_R);
    if (ret) return ret;
    if ((ret = bucket_exists(c, bucket)) != STORE_OK) goto done;
    size_t cap = 0;
    const size_t want = (size_t)req->max + 1; /* one more tells whether it is truncated */
    int has_delim = req->delim && req->delim_len;
    /* Where to start: after the marker, or at the prefix if that is later. */
    buf_t cur = BUF_INIT;
    int inclusive;
    if (req->after && bytes_cmp(req->after, req->after_len, req->prefix, req->prefix_len) >= 0) {
        buf_append(&cur, req->after, req->after_len);
        inclusive = 0;
    } else {
        buf_append(&cur, req->prefix ? req->prefix : "", req->prefix_len);
        inclusive = 1;
    }
    int finished = req->max == 0;
    while (!finished && res->n < want) {
        sqlite3_stmt *q = stmt(c, inclusive ? S_LIST_GE : S_LIST_GT);
        if (!q) {
            ret = STORE_EIO;
            break;
        }
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, cur.p ? cur.p : "", (int)cur.len, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 3, (int)(want - res->n) + 16);
        int rc, rows = 0, jumped = 0;
        while (res->n < want && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            rows++;
            const char *k = sqlite3_column_blob(q, 0);
            size_t kn = (size_t)sqlite3_column_bytes(q, 0);
            if (!k) k = "";
            if (kn < req->prefix_len || memcmp(k, req->prefix, req->prefix_len) != 0) {
                finished = 1;
                break;
            }
            const char *d = NULL;
            if (has_delim)
                d = memmem(k + req->prefix_len, kn - req->prefix_len, req->delim, req->delim_len);
            if (d) {
                size_t cn = (size_t)(d - k) + req->delim_len;
                if (!req->after || bytes_cmp(k, cn, req->after, req->after_len) > 0) {
                    store_list_ent_t *e = list_push(res, &cap);
                    e->key = xstrndup(k, cn);
                    e->key_len = cn;
                    e->is_prefix = 1;
                }
                /* Skip everything under this common prefix with one seek. */
                buf_reset(&cur);
                buf_append(&cur, k, cn);
                cur.len = successor(cur.p, cur.len);
                if (!cur.len) finished = 1;
                inclusive = 1;
                jumped = 1;
                break;
            }
            store_list_ent_t *e = list_push(res, &cap);
            e->key = xstrndup(k, kn);
            e->key_len = kn;
            e->size = (uint64_t)sqlite3_column_int64(q, 1);
            snprintf(e->etag, sizeof e->etag, "%s", (const char *)sqlite3_column_text(q, 2));
            e->mtime_ms = sqlite3_column_int64(q, 3);
            buf_reset(&cur);
            buf_append(&cur, k, kn);
            inclusive = 0;
        }
        sqlite3_reset(q);
        if (!jumped && !finished && res->n < want && rows == 0) finished = 1;
    }
    buf_free(&cur);
    if (res->n == want) {
        res->truncated = 1;
        res->n--;
        free(res->ents[res->n].key);
    }
done:
    exec1(c, S_COMMIT);
    if (ret) store_list_free(res);
    return ret;
}

/* ---- open, sweep, close ---- */

static void sq_close(store_t *st)
{
    struct sq_store *s = SQ(st);
    for (size_t i = 0; i < s->nconns; i++)
        conn_close(s->conns[i]);
    free(s->conns);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->mu);
    if (s->lockfd >= 0) close(s->lockfd);
    if (s->rootfd >= 0) close(s->rootfd);
    free(s->root);
    free(s);
}

static const struct store_ops sq_ops = {
    .close = sq_close,
    .bucket_create = sq_bucket_create,
    .bucket_get = sq_bucket_get,
    .bucket_delete = sq_bucket_delete,
    .bucket_list = sq_bucket_list,
    .put_begin = sq_put_begin,
    .put_begin_from = sq_put_begin_from,
    .put_write = sq_put_write,
    .put_commit = sq_put_commit,
    .put_abort = sq_put_abort,
    .obj_get = sq_obj_get,
    .obj_delete = sq_obj_delete,
    .list = sq_list,
};

static int mkdir_p(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (tmp[i] != '/') continue;
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        tmp[i] = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    struct stat sb;
    if (stat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Remove bodies that were being received and blobs no row references. */
static int sweep(struct sq_store *s, struct conn *c)
{
    int removed = 0;
    int tfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = tfd >= 0 ? fdopendir(tfd) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (unlinkat(tfd, e->d_name, 0) == 0) removed++;
    }
    if (d) closedir(d);
    int bfd = openat(s->rootfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *top = bfd >= 0 ? fdopendir(bfd) : NULL;
    for (struct dirent *t; top && (t = readdir(top));) {
        if (t->d_name[0] == '.') continue;
        int fd = openat(bfd, t->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;
        DIR *bd = fdopendir(fd);
        for (struct dirent *e; bd && (e = readdir(bd));) {
            if (e->d_name[0] == '.') continue;
            sqlite3_stmt *q = stmt(c, S_BLOB_USED);
            if (!q) break;
            sqlite3_bind_text(q, 1, e->d_name, -1, SQLITE_STATIC);
            int rc = sqlite3_step(q);
            sqlite3_reset(q);
            if (rc == SQLITE_DONE && unlinkat(fd, e->d_name, 0) == 0) removed++;
        }
        if (bd) closedir(bd);
    }
    if (top) closedir(top);
    return removed;
}

store_t *store_sqlite_open(const char *root, const store_options_t *opt, char *err, size_t errlen)
{
    struct sq_store *s = xcalloc(1, sizeof *s);
    s->base.ops = &sq_ops;
    s->rootfd = s->lockfd = -1;
    s->sync = opt && opt->sync;
    s->root = xstrdup(root);
    pthread_mutex_init(&s->mu, NULL);
    pthread_key_create(&s->key, NULL);
    if (mkdir_p(root) != 0) {
        snprintf(err, errlen, "root %s: %s", root, strerror(errno));
        goto fail;
    }
    s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->rootfd < 0) {
        snprintf(err, errlen, "root %s: %s", root, strerror(errno));
        goto fail;
    }
    s->lockfd = openat(s->rootfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lockfd < 0) {
        snprintf(err, errlen, "root %s: %s", root, strerror(errno));
        goto fail;
    }
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "root %s is in use by another fakes3", root);
        goto fail;
    }
    if ((mkdirat(s->rootfd, "tmp", 0755) != 0 && errno != EEXIST) ||
        (mkdirat(s->rootfd, "blobs", 0755) != 0 && errno != EEXIST)) {
        snprintf(err, errlen, "root %s: %s", root, strerror(errno));
        goto fail;
    }
    struct conn *c = conn_open(s, err, errlen);
    if (!c) goto fail;
    char *msg = NULL;
    if (sqlite3_exec(c->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s/meta.db: %s", root, msg ? msg : "schema failed");
        sqlite3_free(msg);
        goto fail;
    }
    int removed = sweep(s, c);
    if (removed) util_log("store: swept %d unreferenced file(s)", removed);
    return &s->base;
fail:
    sq_close(&s->base);
    return NULL;
}
