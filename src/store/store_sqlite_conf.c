/* Bucket configurations in the SQLite store: one row per (bucket, name)
 * holding an opaque document. A trigger removes a bucket's rows in the same
 * transaction that deletes the bucket, so no delete path needs to know of
 * them. Puts and deletes are rare next to object traffic: their statements
 * are prepared per call; a get runs on every write (the bucket's default
 * encryption) and is one of the statements each connection keeps. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "store/store_sqlite_int.h"

static const char conf_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS bucket_confs ("
    " bucket TEXT NOT NULL, name TEXT NOT NULL, doc BLOB NOT NULL,"
    " PRIMARY KEY (bucket, name)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS bucket_confs_go_with_bucket AFTER DELETE ON buckets"
    " BEGIN DELETE FROM bucket_confs WHERE bucket = old.name; END;";

int sq_conf_schema(sqlite3 *db, char **errmsg)
{
    return sqlite3_exec(db, conf_schema_sql, NULL, NULL, errmsg);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        util_err("store: prepare '%s': %s", sql, sqlite3_errmsg(db));
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

int sq_conf_put(store_t *st, const char *bucket, const char *name, const void *doc, size_t len)
{
    sqlite3 *db = sq_db(st);
    if (!db || len > 0x7fffffff) return STORE_EIO;
    /* One statement: the row appears only while the bucket exists. */
    sqlite3_stmt *q = prepare(db, "INSERT OR REPLACE INTO bucket_confs(bucket, name, doc) "
                                  "SELECT ?1, ?2, ?3 WHERE EXISTS "
                                  "(SELECT 1 FROM buckets WHERE name = ?1)");
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, len ? doc : "", (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = STORE_OK;
    if (rc != SQLITE_DONE) {
        util_err("store: put %s of %s: %s", name, bucket, sqlite3_errmsg(db));
        ret = STORE_EIO;
    } else if (sqlite3_changes(db) == 0) {
        ret = STORE_ENOBUCKET;
    }
    sqlite3_finalize(q);
    return ret;
}

int sq_conf_get(store_t *st, const char *bucket, const char *name, char **doc, size_t *len)
{
    *doc = NULL;
    *len = 0;
    /* Every write asks for its bucket's default encryption: this one
     * statement is kept prepared with the connection's. */
    struct conn *c = sq_conn(st);
    sqlite3_stmt *q = c ? sq_stmt(c, S_CONF_GET) : NULL;
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret;
    if (rc == SQLITE_DONE) {
        ret = STORE_ENOBUCKET;
    } else if (rc != SQLITE_ROW) {
        util_err("store: get %s of %s: %s", name, bucket, sqlite3_errmsg(sqlite3_db_handle(q)));
        ret = STORE_EIO;
    } else if (sqlite3_column_type(q, 0) == SQLITE_NULL) {
        ret = STORE_ENOCONF;
    } else {
        const void *p = sqlite3_column_blob(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        *doc = xmalloc(n + 1);
        if (n) memcpy(*doc, p, n);
        (*doc)[n] = '\0';
        *len = n;
        ret = STORE_OK;
    }
    /* Reset now: a statement left on a row would hold its read snapshot. */
    sqlite3_reset(q);
    return ret;
}

int sq_conf_delete(store_t *st, const char *bucket, const char *name)
{
    sqlite3 *db = sq_db(st);
    if (!db) return STORE_EIO;
    sqlite3_stmt *q = prepare(db, "DELETE FROM bucket_confs WHERE bucket = ?1 AND name = ?2");
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = STORE_OK;
    if (rc != SQLITE_DONE) {
        util_err("store: delete %s of %s: %s", name, bucket, sqlite3_errmsg(db));
        ret = STORE_EIO;
    } else if (sqlite3_changes(db) == 0) {
        /* Nothing was there: say whether the bucket is. */
        sqlite3_finalize(q);
        q = prepare(db, "SELECT 1 FROM buckets WHERE name = ?1");
        if (!q) return STORE_EIO;
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        ret = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_ENOBUCKET : STORE_EIO;
    }
    sqlite3_finalize(q);
    return ret;
}

void store_conf_list_free(store_conf_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].doc);
    }
    free(c);
}

int sq_conf_list(store_t *st, const char *bucket, const char *prefix, const char *after,
                 unsigned max, store_conf_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = sq_db(st);
    if (!db) return STORE_EIO;
    /* Whether the bucket is there, then its documents: the primary key
     * (bucket, name) gives them in name order. */
    sqlite3_stmt *q = prepare(db, "SELECT 1 FROM buckets WHERE name = ?1");
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE) return STORE_ENOBUCKET;
    if (rc != SQLITE_ROW) return STORE_EIO;
    q = prepare(db, "SELECT name, doc FROM bucket_confs WHERE bucket = ?1"
                    " AND substr(name, 1, length(?2)) = ?2 AND name > ?3"
                    " ORDER BY name LIMIT ?4");
    if (!q) return STORE_EIO;
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, after ? after : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)max);
    store_conf_t *v = NULL;
    size_t k = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        v = xrealloc(v, (k + 1) * sizeof *v);
        v[k].name = xstrdup((const char *)sqlite3_column_text(q, 0));
        const void *p = sqlite3_column_blob(q, 1);
        size_t len = (size_t)sqlite3_column_bytes(q, 1);
        v[k].doc = xmalloc(len + 1);
        if (len) memcpy(v[k].doc, p, len);
        v[k].doc[len] = '\0';
        v[k].len = len;
        k++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        util_err("store: list confs of %s: %s", bucket, sqlite3_errmsg(db));
        store_conf_list_free(v, k);
        return STORE_EIO;
    }
    *out = v;
    *n = k;
    return STORE_OK;
}
