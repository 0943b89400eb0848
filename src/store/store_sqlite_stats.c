/* Per-bucket totals in the SQLite store: objects and bytes current, the same
 * of noncurrent versions (delete markers count nowhere) and uploads in
 * progress, one row per bucket in bucket_totals.
 *
 * Triggers on objects, versions and uploads keep the rows, so every write
 * changes them in its own transaction and no write path needs to know of
 * them: the totals always equal what COUNT and SUM over the tables would
 * give, at any commit, and the metrics read them without counting. A
 * bucket's row appears with the bucket (computed from its rows, so even a
 * bucket created over stray rows starts right) and goes with it. Each
 * trigger is one UPDATE of one row found by its key (a WITHOUT ROWID table
 * keyed by bucket); UPDATE triggers name their columns, so the updates
 * writes do (documents, storage class) fire none.
 *
 * INSERT OR REPLACE fires DELETE triggers only with recursive_triggers on:
 * every connection of the store turns it on (conn_open), as an overwrite of
 * an unversioned object is such a replace.
 *
 * Any trigger on a table turns off SQLite's truncate optimisation for a
 * DELETE without WHERE, which a reset of everything relies on: a reset runs
 * with its connection's triggers off (SQLITE_DBCONFIG_ENABLE_TRIGGER) and
 * removes the totals rows itself (store_sqlite_state.c). A database that
 * lacks the table or any trigger (a root or snapshot from an older fakes3,
 * or one edited by hand) gets them made and the totals computed from the
 * rows in one transaction when opened or restored (sq_totals_schema). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "store/space.h"
#include "store/store_sqlite_int.h"

#define TOTALS_TABLE                                                                               \
    "CREATE TABLE bucket_totals ("                                                                 \
    " bucket TEXT PRIMARY KEY, objects INTEGER NOT NULL, bytes INTEGER NOT NULL,"                  \
    " noncurrent_objects INTEGER NOT NULL, noncurrent_bytes INTEGER NOT NULL,"                     \
    " uploads INTEGER NOT NULL) WITHOUT ROWID"

/* A bucket's totals counted from its rows (B: an expression naming it). */
#define TOTALS_OF(B)                                                                               \
    "SELECT " B ", (SELECT count(*) FROM objects WHERE bucket = " B "),"                           \
    " (SELECT coalesce(sum(size), 0) FROM objects WHERE bucket = " B "),"                          \
    " (SELECT count(*) FROM versions WHERE bucket = " B " AND dm = 0),"                            \
    " (SELECT coalesce(sum(size), 0) FROM versions WHERE bucket = " B " AND dm = 0),"              \
    " (SELECT count(*) FROM uploads WHERE bucket = " B ")"

#define ADD_CUR(R, SIGN)                                                                           \
    "UPDATE bucket_totals SET objects = objects " SIGN " 1, bytes = bytes " SIGN " " R ".size"     \
    " WHERE bucket = " R ".bucket;"
/* Only a version that is not a delete marker counts. */
#define ADD_NONCUR(R, SIGN)                                                                        \
    "UPDATE bucket_totals SET noncurrent_objects = noncurrent_objects " SIGN " (" R ".dm = 0),"    \
    " noncurrent_bytes = noncurrent_bytes " SIGN " iif(" R ".dm = 0, " R ".size, 0)"               \
    " WHERE bucket = " R ".bucket;"
#define ADD_UP(R, SIGN)                                                                            \
    "UPDATE bucket_totals SET uploads = uploads " SIGN " 1 WHERE bucket = " R ".bucket;"

static const struct {
    const char *name, *sql; /* sql: what follows "CREATE TRIGGER name " */
} triggers[] = {
    {"bucket_totals_bucket_ins",
     "AFTER INSERT ON buckets BEGIN INSERT OR REPLACE INTO bucket_totals " TOTALS_OF(
         "new.name") "; END"},
    {"bucket_totals_bucket_upd", "AFTER UPDATE OF name ON buckets BEGIN UPDATE bucket_totals SET "
                                 "bucket = new.name WHERE bucket = old.name; END"},
    {"bucket_totals_bucket_del",
     "AFTER DELETE ON buckets BEGIN DELETE FROM bucket_totals WHERE bucket = old.name; END"},
    {"bucket_totals_objects_ins", "AFTER INSERT ON objects BEGIN " ADD_CUR("new", "+") " END"},
    {"bucket_totals_objects_del", "AFTER DELETE ON objects BEGIN " ADD_CUR("old", "-") " END"},
    {"bucket_totals_objects_upd", "AFTER UPDATE OF bucket, size ON objects BEGIN " ADD_CUR(
                                      "old", "-") " " ADD_CUR("new", "+") " END"},
    {"bucket_totals_versions_ins",
     "AFTER INSERT ON versions WHEN new.dm = 0 BEGIN " ADD_NONCUR("new", "+") " END"},
    {"bucket_totals_versions_del",
     "AFTER DELETE ON versions WHEN old.dm = 0 BEGIN " ADD_NONCUR("old", "-") " END"},
    {"bucket_totals_versions_upd", "AFTER UPDATE OF bucket, size, dm ON versions BEGIN " ADD_NONCUR(
                                       "old", "-") " " ADD_NONCUR("new", "+") " END"},
    {"bucket_totals_uploads_ins", "AFTER INSERT ON uploads BEGIN " ADD_UP("new", "+") " END"},
    {"bucket_totals_uploads_del", "AFTER DELETE ON uploads BEGIN " ADD_UP("old", "-") " END"},
    {"bucket_totals_uploads_upd",
     "AFTER UPDATE OF bucket ON uploads BEGIN " ADD_UP("old", "-") " " ADD_UP("new", "+") " END"},
};
#define NTRIGGERS (sizeof triggers / sizeof *triggers)

/* Run sql on db; SQLite's code, the message in *msg (sqlite3_free). */
static int run(sqlite3 *db, const char *sql, char **msg)
{
    return sqlite3_exec(db, sql, NULL, NULL, msg);
}

/* Create (on) or drop every trigger, inside the caller's transaction. */
static int set_triggers(sqlite3 *db, int on, char **msg)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; i < NTRIGGERS && rc == SQLITE_OK; i++) {
        char *sql = on ? sqlite3_mprintf("CREATE TRIGGER %s %s", triggers[i].name, triggers[i].sql)
                       : sqlite3_mprintf("DROP TRIGGER IF EXISTS %s", triggers[i].name);
        rc = sql ? run(db, sql, msg) : SQLITE_NOMEM;
        sqlite3_free(sql);
    }
    return rc;
}

/* Whether the table and every trigger are there: 1, 0, or SQLite's error
 * code negated. */
static int complete(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = ?1 AND name = ?2", -1,
                                &q, NULL);
    if (rc != SQLITE_OK) return -rc;
    int have = 1;
    for (size_t i = 0; i <= NTRIGGERS && have == 1; i++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, i < NTRIGGERS ? "trigger" : "table", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, i < NTRIGGERS ? triggers[i].name : "bucket_totals", -1,
                          SQLITE_STATIC);
        rc = sqlite3_step(q);
        have = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -rc;
    }
    sqlite3_finalize(q);
    return have;
}

int sq_totals_schema(sqlite3 *db, char **errmsg)
{
    int have = complete(db);
    if (have < 0) return -have;
    if (have) return SQLITE_OK; /* writes nothing: a start on a full disk works */
    /* Made whole and filled in one write transaction: no write can land
     * between the count and the first trigger. */
    int rc = run(db,
                 "BEGIN IMMEDIATE;"
                 "DROP TABLE IF EXISTS bucket_totals;" TOTALS_TABLE ";"
                 "INSERT INTO bucket_totals " TOTALS_OF("b.name") " FROM buckets b",
                 errmsg);
    if (rc == SQLITE_OK) rc = set_triggers(db, 0, errmsg);
    if (rc == SQLITE_OK) rc = set_triggers(db, 1, errmsg);
    if (rc == SQLITE_OK) rc = run(db, "COMMIT", errmsg);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(db)) run(db, "ROLLBACK", NULL);
    return rc;
}

/* A stored total as an unsigned count (never negative while the triggers
 * hold; a negative one would be a bug, shown as 0 rather than 2^64 - n). */
static uint64_t total(sqlite3_stmt *q, int col)
{
    sqlite3_int64 v = sqlite3_column_int64(q, col);
    return v > 0 ? (uint64_t)v : 0;
}

int sq_bucket_stats(store_t *st, store_bucket_stats_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = sq_db(st);
    if (!db) return store_errno_code(errno);
    /* One statement is one read transaction: every row from the same
     * commit, and in WAL mode it holds no writer up. */
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT bucket, objects, bytes, noncurrent_objects, "
                                "noncurrent_bytes, uploads FROM bucket_totals ORDER BY bucket",
                                -1, &q, NULL);
    size_t cap = 0;
    if (rc == SQLITE_OK) rc = sqlite3_step(q);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(q)) {
        *out = xgrow(*out, &cap, *n + 1, sizeof **out);
        store_bucket_stats_t *b = &(*out)[(*n)++];
        memset(b, 0, sizeof *b);
        sq_col_text(q, 0, b->name, sizeof b->name);
        b->objects = total(q, 1);
        b->bytes = total(q, 2);
        b->noncurrent_objects = total(q, 3);
        b->noncurrent_bytes = total(q, 4);
        b->uploads = total(q, 5);
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE) return STORE_OK;
    util_err("store: bucket totals: %s", sqlite3_errmsg(db));
    free(*out);
    *out = NULL;
    *n = 0;
    return sqlite3_errcode(db) == SQLITE_FULL ? STORE_ENOSPC : STORE_EIO;
}

int sq_totals_count(store_t *st, uint64_t *buckets, uint64_t *objects)
{
    *buckets = *objects = 0;
    sqlite3 *db = sq_db(st);
    if (!db) return store_errno_code(errno);
    return sq_count_pair(db, "SELECT count(*), coalesce(sum(objects), 0) FROM bucket_totals",
                         buckets, objects);
}
