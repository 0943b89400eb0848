/* The default store: SQLite (WAL) for metadata, one blob file per object.
 *
 * <root>/meta.db     buckets and objects
 * <root>/blobs/ab/ID object bytes; ID is 32 random hex digits, ab its first two
 * <root>/tmp/ID      bytes being received
 *
 * A write streams into tmp/, is renamed into blobs/, and only then does one
 * transaction publish its row and retire the old one; the old blob is
 * unlinked after the commit. A crash therefore leaves the old or the new
 * object visible, and at worst an unreferenced blob, which the sweep started
 * at open removes in the background (store_sqlite_sweep.c). Every thread gets its own SQLite
 * connection with its prepared statements. Reset and snapshots (store_sqlite_state.c) need rows and
 * files to agree: the write paths that move files into blobs/ or unlink them hold the state lock
 * shared meanwhile (sq_writes_enter). */
#include <assert.h>
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
#include "store/fileclone.h"
#include "store/space.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

#define VCOLS                                                                                      \
    "size, etag, mtime, headers, blob, nparts, owner, acl, lock, vid, seq, tags, sclass, restore"
/* The column after VCOLS in the statements that add one. */
#define VCOL_EXTRA 14

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN_W] = "BEGIN IMMEDIATE",
    [S_BEGIN_R] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_BUCKET_INSERT] = "INSERT INTO buckets(name, created, region, owner) VALUES (?1, ?2, ?3, ?4)",
    [S_BUCKET_INSERT_IGNORE] =
        "INSERT OR IGNORE INTO buckets(name, created, region, owner) VALUES (?1, ?2, ?3, ?4)",
    [S_BUCKET_GET] = "SELECT created, region, owner, versioning FROM buckets WHERE name = ?1",
    [S_BUCKET_DELETE] = "DELETE FROM buckets WHERE name = ?1",
    [S_BUCKET_HAS_OBJ] = "SELECT 1 FROM objects WHERE bucket = ?1 UNION ALL "
                         "SELECT 1 FROM versions WHERE bucket = ?1 LIMIT 1",
    [S_BUCKET_LIST] = "SELECT name, created, region, owner, versioning FROM buckets ORDER BY name",
    [S_BUCKET_LIST_OWNER] = "SELECT name, created, region, owner, versioning FROM buckets WHERE "
                            "owner = ?1 ORDER BY name",
    [S_BUCKET_SET_VERSIONING] = "UPDATE buckets SET versioning = ?2 WHERE name = ?1",
    /* Columns of a version (VCOLS order, read by row_read); the current
     * one's last column says whether its bucket has versioning. */
    [S_OBJ_GET] = "SELECT " VCOLS ", (SELECT versioning FROM buckets WHERE name = ?1) FROM objects "
                  "WHERE bucket = ?1 AND key = ?2",
    [S_OBJ_BLOB] =
        "SELECT blob, etag, nparts, vid, seq FROM objects WHERE bucket = ?1 AND key = ?2",
    [S_OBJ_UPSERT] = "INSERT OR REPLACE INTO objects(bucket, key, size, etag, mtime, headers, "
                     "blob, nparts, sclass, owner, acl, lock, vid, seq, tags) VALUES (?1, ?2, ?3, "
                     "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [S_OBJ_SET_ACL] = "UPDATE objects SET acl = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_OBJ_SET_LOCK] = "UPDATE objects SET lock = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_OBJ_SET_TAGS] = "UPDATE objects SET tags = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_OBJ_SET_RESTORE] =
        "UPDATE objects SET restore = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_OBJ_SET_CLASS] =
        "UPDATE objects SET sclass = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_OBJ_DELETE] = "DELETE FROM objects WHERE bucket = ?1 AND key = ?2",
    [S_OBJ_TO_VERSIONS] = "INSERT INTO versions(bucket, key, seq, vid, dm, size, etag, mtime, "
                          "headers, blob, nparts, sclass, owner, acl, lock, tags, restore) SELECT "
                          "bucket, key, seq, vid, 0, size, etag, mtime, headers, blob, nparts, "
                          "sclass, owner, acl, lock, tags, restore FROM objects WHERE bucket = ?1 "
                          "AND key = ?2",
    [S_VER_GET_SEQ] = "SELECT " VCOLS ", dm FROM versions WHERE bucket = ?1 AND key = ?2 AND "
                      "seq = ?3",
    [S_VER_GET_NULL] = "SELECT " VCOLS ", dm FROM versions WHERE bucket = ?1 AND key = ?2 AND "
                       "vid = '' LIMIT 1",
    [S_VER_TOP] = "SELECT " VCOLS ", dm FROM versions WHERE bucket = ?1 AND key = ?2 ORDER BY "
                  "seq DESC LIMIT 1",
    [S_VER_TO_OBJ] =
        "INSERT INTO objects(bucket, key, size, etag, mtime, headers, blob, nparts, "
        "sclass, owner, acl, lock, vid, seq, tags, restore) SELECT bucket, key, size, "
        "etag, mtime, headers, blob, nparts, sclass, owner, acl, lock, vid, seq, tags, "
        "restore FROM "
        "versions "
        "WHERE bucket = ?1 AND key = ?2 AND seq = ?3",
    [S_VER_DELETE] = "DELETE FROM versions WHERE bucket = ?1 AND key = ?2 AND seq = ?3",
    [S_VER_SET_ACL] = "UPDATE versions SET acl = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_VER_SET_LOCK] = "UPDATE versions SET lock = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_VER_SET_TAGS] = "UPDATE versions SET tags = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_VER_SET_RESTORE] =
        "UPDATE versions SET restore = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    [S_VER_SET_CLASS] =
        "UPDATE versions SET sclass = ?3 WHERE bucket = ?1 AND key = ?2 AND seq = ?4",
    /* A delete marker belongs to the bucket's owner. */
    [S_VER_MARKER] = "INSERT INTO versions(bucket, key, seq, vid, dm, size, etag, mtime, headers, "
                     "blob, nparts, sclass, owner, acl, lock, tags) VALUES (?1, ?2, ?3, ?4, 1, 0, "
                     "'', ?5, '', '', 0, '', (SELECT owner FROM buckets WHERE name = ?1), '', '', "
                     "'')",
    /* Every version, keys in order and each key's newest first: the current
     * objects (at most one a key, with its highest seq) merged with the rest. */
    [S_VLIST_GE] = "SELECT key, seq, vid, 0, size, etag, mtime, sclass, owner FROM objects WHERE "
                   "bucket = ?1 AND key >= ?2 UNION ALL SELECT key, seq, vid, dm, size, etag, "
                   "mtime, sclass, owner FROM versions WHERE bucket = ?1 AND key >= ?2 ORDER BY "
                   "1, 2 DESC LIMIT ?3",
    [S_VLIST_GT] = "SELECT key, seq, vid, 0, size, etag, mtime, sclass, owner FROM objects WHERE "
                   "bucket = ?1 AND key > ?2 UNION ALL SELECT key, seq, vid, dm, size, etag, "
                   "mtime, sclass, owner FROM versions WHERE bucket = ?1 AND key > ?2 ORDER BY "
                   "1, 2 DESC LIMIT ?3",
    /* The versions of one key older than seq ?4. */
    [S_VLIST_IN] = "SELECT key, seq, vid, 0, size, etag, mtime, sclass, owner FROM objects WHERE "
                   "bucket = ?1 AND key = ?2 AND seq < ?4 UNION ALL SELECT key, seq, vid, dm, "
                   "size, etag, mtime, sclass, owner FROM versions WHERE bucket = ?1 AND key = ?2 "
                   "AND seq < ?4 ORDER BY 2 DESC LIMIT ?3",
    [S_MAX_SEQ] = "SELECT max((SELECT max(seq) FROM objects), (SELECT max(seq) FROM versions))",
    [S_SEQ_RESERVED] = "SELECT hwm FROM seq_reserve WHERE id = 0",
    [S_SEQ_RESERVE] = "INSERT OR REPLACE INTO seq_reserve(id, hwm) VALUES (0, ?1)",
    [S_LIST_GT] = "SELECT key, size, etag, mtime, sclass, owner FROM objects WHERE bucket = ?1 "
                  "AND key > ?2 ORDER BY key LIMIT ?3",
    [S_LIST_GE] = "SELECT key, size, etag, mtime, sclass, owner FROM objects WHERE bucket = ?1 "
                  "AND key >= ?2 ORDER BY key LIMIT ?3",
    [S_BLOB_USED] = "SELECT 1 FROM objects WHERE blob = ?1 UNION ALL SELECT 1 FROM object_parts "
                    "WHERE blob = ?1 UNION ALL SELECT 1 FROM parts WHERE blob = ?1 UNION ALL "
                    "SELECT 1 FROM versions WHERE blob = ?1 LIMIT 1",
    [S_OPARTS_GET] = "SELECT num, size, etag, checksum, blob FROM object_parts WHERE bucket = ?1 "
                     "AND key = ?2 AND seq = ?3 ORDER BY idx",
    [S_OPARTS_DELETE] = "DELETE FROM object_parts WHERE bucket = ?1 AND key = ?2 AND seq = ?3",
    [S_OPARTS_INSERT] = "INSERT INTO object_parts(bucket, key, seq, idx, num, size, etag, "
                        "checksum, blob) VALUES (?1, ?2, ?9, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_UP_INSERT] = "INSERT INTO uploads(id, bucket, key, created, headers, ck_alg, ck_type, "
                    "owner, acl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_UP_GET] = "SELECT bucket, key, created, headers, ck_alg, ck_type, owner, acl FROM uploads "
                 "WHERE "
                 "id = ?1",
    [S_UP_DELETE] = "DELETE FROM uploads WHERE id = ?1",
    [S_UP_LIST] =
        "SELECT id, key, created, headers, ck_alg, ck_type, owner FROM uploads WHERE bucket = "
        "?1 AND (key > ?2 OR (key = ?2 AND (created > ?3 OR (created = ?3 AND id > "
        "?4)))) ORDER BY key, created, id LIMIT ?5",
    [S_PART_BLOB] = "SELECT blob FROM parts WHERE upload = ?1 AND num = ?2",
    [S_PART_UPSERT] = "INSERT OR REPLACE INTO parts(upload, num, size, etag, checksum, blob, "
                      "mtime) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_PART_LIST] = "SELECT num, size, etag, checksum, blob, mtime FROM parts WHERE upload = ?1 "
                    "AND num > ?2 ORDER BY num LIMIT ?3",
    [S_PART_ALL_BLOBS] = "SELECT blob FROM parts WHERE upload = ?1",
    [S_PART_DELETE_ALL] = "DELETE FROM parts WHERE upload = ?1",
    [S_UP_BUCKET_HAS] = "SELECT id FROM uploads WHERE bucket = ?1",
    /* One read: no row means no bucket, a NULL doc means no document. */
    [S_CONF_GET] = "SELECT c.doc FROM buckets b LEFT JOIN bucket_confs c"
                   " ON c.bucket = b.name AND c.name = ?2 WHERE b.name = ?1",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS buckets ("
    " name TEXT PRIMARY KEY, created INTEGER NOT NULL, region TEXT NOT NULL) WITHOUT ROWID;"
    /* nparts = 0: the bytes are the one file blob; else they are the
     * object_parts rows in idx order (a completed multipart upload). */
    "CREATE TABLE IF NOT EXISTS objects ("
    " bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    " mtime INTEGER NOT NULL, headers TEXT NOT NULL, blob TEXT NOT NULL,"
    " nparts INTEGER NOT NULL DEFAULT 0, sclass TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS objects_blob ON objects(blob);"
    /* seq: the version the parts belong to (0 in a root older than versions) */
    "CREATE TABLE IF NOT EXISTS object_parts ("
    " bucket TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " num INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, checksum TEXT NOT NULL,"
    " blob TEXT NOT NULL, PRIMARY KEY (bucket, key, seq, idx)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS object_parts_blob ON object_parts(blob);"
    /* Versions other than the current object, and delete markers (dm = 1):
     * newest first within a key. The current version is the objects row
     * when there is one (it has the key's highest seq), else the newest row
     * here, which is then a delete marker. vid '' is the null version. */
    "CREATE TABLE IF NOT EXISTS versions ("
    " bucket TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, vid TEXT NOT NULL,"
    " dm INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, mtime INTEGER NOT NULL,"
    " headers TEXT NOT NULL, blob TEXT NOT NULL, nparts INTEGER NOT NULL, sclass TEXT NOT NULL,"
    " owner TEXT NOT NULL, acl TEXT NOT NULL, lock TEXT NOT NULL, tags TEXT,"
    " PRIMARY KEY (bucket, key, seq DESC)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS versions_blob ON versions(blob);"
    "CREATE INDEX IF NOT EXISTS versions_null ON versions(bucket, key) WHERE vid = '';"
    "CREATE TABLE IF NOT EXISTS uploads ("
    " id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, created INTEGER NOT NULL,"
    " headers TEXT NOT NULL, ck_alg TEXT NOT NULL, ck_type TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS uploads_bucket ON uploads(bucket, key, created, id);"
    "CREATE TABLE IF NOT EXISTS parts ("
    " upload TEXT NOT NULL, num INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    " checksum TEXT NOT NULL, blob TEXT NOT NULL, mtime INTEGER NOT NULL,"
    " PRIMARY KEY (upload, num)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS parts_blob ON parts(blob);"
    /* Version numbers up to hwm may have been given out (next_seq): an open
     * starts above it without scanning every row for their maximum (~0.2 s
     * a million objects); a root without the row is scanned once. A reset
     * keeps it. */
    "CREATE TABLE IF NOT EXISTS seq_reserve ("
    " id INTEGER PRIMARY KEY CHECK (id = 0), hwm INTEGER NOT NULL);";
/* Tables whose rows have an owner: the column is added by schema_owners, in
 * a new root and an older one alike. */
static const char *const owned_tables[] = {"buckets", "objects", "uploads"};
/* Tables whose rows carry an ACL document (schema_acls adds the column). */
static const char *const acl_tables[] = {"objects", "uploads"};
/* Columns later versions added to tables an older root already has. */
static const struct {
    const char *table, *name, *decl;
} added_columns[] = {
    {"buckets", "versioning", "INTEGER NOT NULL DEFAULT 0"},
    {"objects", "vid", "TEXT NOT NULL DEFAULT ''"},
    {"objects", "seq", "INTEGER NOT NULL DEFAULT 0"},
    {"objects", "lock", "TEXT NOT NULL DEFAULT ''"},
    /* NULL in the rows already there: their tags, if any, are in a header
     * line of theirs (store.h, store_obj_t.tags) */
    {"objects", "tags", "TEXT"},
    {"versions", "tags", "TEXT"},
    {"objects", "restore", "TEXT NOT NULL DEFAULT ''"},
    {"versions", "restore", "TEXT NOT NULL DEFAULT ''"},
};
/* 2: bucket_confs; 3: owner columns; 4: acl columns; 5: versions; 6: tags; 7: restore;
 * 8: bucket_totals; 9: seq_reserve (an older fakes3 writes its own number
 * back and does not keep the reservation: the next open then scans) */
#define SCHEMA_VERSION 9

/* Bytes kept under the root for deletes on a full disk (space.h): a delete
 * of a single-file object needs a few pages of WAL, one of a 10,000-part
 * object with short keys about 3 MiB. */
#define RESERVE_BYTES (4u << 20)

struct conn {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    /* The open transaction may hold a reservation of version numbers: if
     * it rolls back, the next number given out writes one again. */
    int64_t *reserved;
};

/* An object some reader has open: blobs its writers retire meanwhile are
 * unlinked only when the last reader closes. */
struct pin {
    char *bucket, *key;
    size_t key_len;
    int count;
    char **doomed;
    size_t ndoomed, capdoomed;
};

struct sq_store {
    store_t base;
    char *root;
    int rootfd, lockfd;
    int sync;
    pthread_key_t key;
    pthread_mutex_t mu;
    struct conn **conns;
    size_t nconns, capconns;
    pthread_mutex_t pin_mu;
    struct pin *pins;
    size_t npins, cappins;
    store_reserve_t reserve;
    char default_owner[STORE_OWNER_MAX];
    int64_t seq;            /* the last version sequence number given out */
    int64_t reserved;       /* numbers up to this are reserved in seq_reserve; 0: none */
    int schema_was;         /* the database's schema version before this open */
    struct sq_state *state; /* the state lock and the trash */
    struct sq_sweep *sweep; /* the sweep started at open, or NULL */
};

struct store_put {
    struct sq_store *s;
    int fd;
    int err; /* the first failure to store the bytes, returned by the commit */
    char id[33];
    /* put_begin_from a multipart object: the linked parts (id unused) */
    store_part_t *parts;
    size_t nparts;
};

struct store_reader {
    struct sq_store *s;
    struct pin *pin_key; /* identifies the pin by bucket/key, looked up again */
    char *bucket, *key;
    size_t key_len;
    char *blob; /* single-blob object */
    uint64_t size;
    store_part_t *parts; /* multipart object */
    size_t nparts;
    uint64_t *starts; /* offset of each part */
    int fd;           /* the open file for cur */
    size_t cur;
};

#define SQ(st) ((struct sq_store *)(st))

/* The owner to store for what a caller names (empty: the default one). */
static const char *owner_of(const struct sq_store *s, const char *owner)
{
    return owner && *owner ? owner : s->default_owner;
}

/* Copy a column's text into a fixed field ("" for NULL). */
static void col_text(sqlite3_stmt *q, int col, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

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
        int e = c->db ? sqlite3_system_errno(c->db) : ENOMEM;
        sqlite3_close(c->db);
        free(c);
        errno = e ? e : EIO; /* for store_errno_code in the caller */
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 30000);
    sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    sqlite3_exec(c->db, s->sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                 NULL, NULL);
    /* An INSERT OR REPLACE fires the DELETE triggers that keep the bucket
     * totals only so (store_sqlite_stats.c). */
    sqlite3_exec(c->db, "PRAGMA recursive_triggers=ON", NULL, NULL, NULL);
    pthread_mutex_lock(&s->mu);
    s->conns = xgrow(s->conns, &s->capconns, s->nconns + 1, sizeof *s->conns);
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

sqlite3 *sq_db(store_t *st)
{
    struct conn *c = conn_get(SQ(st));
    return c ? c->db : NULL;
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

/* The store's code for the connection's last failure: a full disk and
 * descriptor exhaustion are told apart from other I/O errors. The system
 * errno is consulted only for I/O errors: it keeps its value across later
 * successes. */
static int db_err(struct conn *c)
{
    switch (sqlite3_errcode(c->db)) {
    case SQLITE_FULL: return STORE_ENOSPC;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return store_errno_code(sqlite3_system_errno(c->db));
    default: return STORE_EIO;
    }
}

/* Run a statement that returns no rows. */
static int exec1(struct conn *c, enum stmt_id id)
{
    sqlite3_stmt *st = stmt(c, id);
    if (!st) return db_err(c);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (c->reserved && (id == S_ROLLBACK || id == S_COMMIT)) {
        if (id == S_ROLLBACK || rc != SQLITE_DONE)
            __atomic_store_n(c->reserved, 0, __ATOMIC_SEQ_CST);
        c->reserved = NULL;
    }
    if (rc != SQLITE_DONE) {
        util_err("store: '%s': %s", stmt_sql[id], sqlite3_errmsg(c->db));
        return db_err(c);
    }
    return STORE_OK;
}

/* What the backend's other files use (store_sqlite_int.h). */
struct conn *sq_conn(store_t *st)
{
    return conn_get(SQ(st));
}

sqlite3_stmt *sq_stmt(struct conn *c, enum stmt_id id)
{
    return stmt(c, id);
}

int sq_exec(struct conn *c, enum stmt_id id)
{
    return exec1(c, id);
}

int sq_db_err(struct conn *c)
{
    return db_err(c);
}

void sq_col_text(sqlite3_stmt *q, int col, char *out, size_t n)
{
    col_text(q, col, out, n);
}

struct sq_state *sq_state_of(store_t *st)
{
    return SQ(st)->state;
}

int sq_rootfd(store_t *st)
{
    return SQ(st)->rootfd;
}

int sq_reserve_release(store_t *st)
{
    return store_reserve_release(&SQ(st)->reserve);
}

static void rollback(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->db)) exec1(c, S_ROLLBACK);
    if (c->reserved) { /* SQLite rolled back already (an error inside a statement) */
        __atomic_store_n(c->reserved, 0, __ATOMIC_SEQ_CST);
        c->reserved = NULL;
    }
}

/* Whether bucket exists, inside the caller's transaction. */
static int bucket_exists(struct conn *c, const char *bucket)
{
    sqlite3_stmt *st = stmt(c, S_BUCKET_GET);
    if (!st) return db_err(c);
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return STORE_OK;
    if (rc == SQLITE_DONE) return STORE_ENOBUCKET;
    return STORE_EIO;
}

int sq_bucket_exists(struct conn *c, const char *bucket)
{
    return bucket_exists(c, bucket);
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

/* ---- pins: readers keep the bytes they opened ---- */

static struct pin *pin_find(struct sq_store *s, const char *bucket, const char *key, size_t kn)
{
    for (size_t i = 0; i < s->npins; i++) {
        struct pin *p = &s->pins[i];
        if (p->key_len == kn && memcmp(p->key, key, kn) == 0 && strcmp(p->bucket, bucket) == 0)
            return p;
    }
    return NULL;
}

/* Pin bucket/key before reading its metadata: a writer that publishes after
 * this point defers unlinking what it retires until unpin. */
static void pin(struct sq_store *s, const char *bucket, const char *key, size_t kn)
{
    pthread_mutex_lock(&s->pin_mu);
    struct pin *p = pin_find(s, bucket, key, kn);
    if (!p) {
        s->pins = xgrow(s->pins, &s->cappins, s->npins + 1, sizeof *s->pins);
        p = &s->pins[s->npins++];
        memset(p, 0, sizeof *p);
        p->bucket = xstrdup(bucket);
        p->key = xstrndup(key, kn);
        p->key_len = kn;
    }
    p->count++;
    pthread_mutex_unlock(&s->pin_mu);
}

static void unpin(struct sq_store *s, const char *bucket, const char *key, size_t kn)
{
    pthread_mutex_lock(&s->pin_mu);
    struct pin *p = pin_find(s, bucket, key, kn);
    if (p && --p->count == 0) {
        for (size_t i = 0; i < p->ndoomed; i++) {
            unlink_blob(s, p->doomed[i]);
            free(p->doomed[i]);
        }
        free(p->doomed);
        free(p->bucket);
        free(p->key);
        *p = s->pins[--s->npins];
    }
    pthread_mutex_unlock(&s->pin_mu);
}

/* Blobs a committed write no longer references: unlink them now, or when
 * the last reader of bucket/key lets go. Takes ownership of the strings. */
static void retire(struct sq_store *s, const char *bucket, const char *key, size_t kn, char **blobs,
                   size_t n)
{
    if (!n) return;
    pthread_mutex_lock(&s->pin_mu);
    struct pin *p = bucket ? pin_find(s, bucket, key, kn) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (p) {
            p->doomed = xgrow(p->doomed, &p->capdoomed, p->ndoomed + 1, sizeof *p->doomed);
            p->doomed[p->ndoomed++] = blobs[i];
        } else {
            unlink_blob(s, blobs[i]);
            free(blobs[i]);
        }
    }
    pthread_mutex_unlock(&s->pin_mu);
}

int sq_blob_doomed(store_t *st, const char *id)
{
    struct sq_store *s = SQ(st);
    int found = 0;
    pthread_mutex_lock(&s->pin_mu);
    for (size_t i = 0; i < s->npins && !found; i++)
        for (size_t j = 0; j < s->pins[i].ndoomed && !found; j++)
            found = strcmp(s->pins[i].doomed[j], id) == 0;
    pthread_mutex_unlock(&s->pin_mu);
    return found;
}

void sq_forget_doomed(store_t *st)
{
    struct sq_store *s = SQ(st);
    pthread_mutex_lock(&s->pin_mu);
    for (size_t i = 0; i < s->npins; i++) {
        struct pin *p = &s->pins[i];
        for (size_t j = 0; j < p->ndoomed; j++)
            free(p->doomed[j]);
        p->ndoomed = 0;
    }
    pthread_mutex_unlock(&s->pin_mu);
}

struct blob_list {
    char **v;
    size_t n, cap;
};

static void blob_list_add(struct blob_list *l, const char *b)
{
    if (!b || !*b) return;
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = xstrdup(b);
}

static void blob_list_free(struct blob_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Whether cond allows writing over what exists. */
static int cond_check(const store_cond_t *cond, int exists, const char *etag)
{
    if (!cond) return STORE_OK;
    if (cond->if_match && !exists) return STORE_ENOKEY;
    if (cond->if_match && strcmp(cond->if_match, "*") != 0 && strcmp(cond->if_match, etag) != 0)
        return STORE_EPRECOND;
    if (cond->if_none_match && exists) return STORE_EPRECOND;
    return STORE_OK;
}

static void new_id(char out[33])
{
    unsigned char rnd[16];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, out);
}

/* ---- versions ---- */

/* A version row as the write paths need it. */
struct vrow {
    int found;
    int64_t seq;
    char vid[40]; /* as stored: "" is the null version */
    char etag[48];
    char blob[40];
    int nparts;
    int dm;
};

static void bind_bk(sqlite3_stmt *q, const char *bucket, const char *key, size_t kn)
{
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, key, (int)kn, SQLITE_STATIC);
}

/* Run a statement taking bucket, key and (when seq >= 0) seq as ?3. */
static int exec_bks(struct conn *c, enum stmt_id id, const char *bucket, const char *key, size_t kn,
                    int64_t seq)
{
    sqlite3_stmt *q = stmt(c, id);
    if (!q) return db_err(c);
    bind_bk(q, bucket, key, kn);
    if (seq >= 0) sqlite3_bind_int64(q, 3, seq);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? STORE_OK : db_err(c);
}

/* The current object's row (S_OBJ_BLOB). */
static int cur_row(struct conn *c, const char *bucket, const char *key, size_t kn, struct vrow *v)
{
    memset(v, 0, sizeof *v);
    sqlite3_stmt *q = stmt(c, S_OBJ_BLOB);
    if (!q) return db_err(c);
    bind_bk(q, bucket, key, kn);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        v->found = 1;
        col_text(q, 0, v->blob, sizeof v->blob);
        col_text(q, 1, v->etag, sizeof v->etag);
        v->nparts = sqlite3_column_int(q, 2);
        col_text(q, 3, v->vid, sizeof v->vid);
        v->seq = sqlite3_column_int64(q, 4);
    }
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : db_err(c);
}

/* A noncurrent version or marker: by seq, the null one (seq < 0), or the
 * newest (S_VER_TOP). */
static int ver_row(struct conn *c, enum stmt_id id, const char *bucket, const char *key, size_t kn,
                   int64_t seq, struct vrow *v)
{
    memset(v, 0, sizeof *v);
    sqlite3_stmt *q = stmt(c, id);
    if (!q) return db_err(c);
    bind_bk(q, bucket, key, kn);
    if (id == S_VER_GET_SEQ) sqlite3_bind_int64(q, 3, seq);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) { /* VCOLS, dm */
        v->found = 1;
        col_text(q, 1, v->etag, sizeof v->etag);
        col_text(q, 4, v->blob, sizeof v->blob);
        v->nparts = sqlite3_column_int(q, 5);
        col_text(q, 9, v->vid, sizeof v->vid);
        v->seq = sqlite3_column_int64(q, 10);
        v->dm = sqlite3_column_int(q, VCOL_EXTRA);
    }
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : db_err(c);
}

/* The bytes of version v go: its blob, or its parts (whose rows are
 * deleted), added to out. */
static int take_bytes(struct conn *c, const char *bucket, const char *key, size_t kn,
                      const struct vrow *v, struct blob_list *out)
{
    blob_list_add(out, v->blob);
    if (!v->nparts) return STORE_OK;
    sqlite3_stmt *q = stmt(c, S_OPARTS_GET);
    if (!q) return db_err(c);
    bind_bk(q, bucket, key, kn);
    sqlite3_bind_int64(q, 3, v->seq);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        blob_list_add(out, (const char *)sqlite3_column_text(q, 4));
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_err(c);
    return exec_bks(c, S_OPARTS_DELETE, bucket, key, kn, v->seq);
}

/* The null version among the noncurrent ones goes, if there is one. */
static int drop_null_version(struct conn *c, const char *bucket, const char *key, size_t kn,
                             struct blob_list *out)
{
    struct vrow v;
    int ret = ver_row(c, S_VER_GET_NULL, bucket, key, kn, -1, &v);
    if (ret || !v.found) return ret;
    if ((ret = take_bytes(c, bucket, key, kn, &v, out)) != STORE_OK) return ret;
    return exec_bks(c, S_VER_DELETE, bucket, key, kn, v.seq);
}

/* With no current object, the newest noncurrent version becomes current
 * unless it is a delete marker. */
static int promote(struct conn *c, const char *bucket, const char *key, size_t kn)
{
    struct vrow v;
    int ret = ver_row(c, S_VER_TOP, bucket, key, kn, -1, &v);
    if (ret || !v.found || v.dm) return ret;
    if ((ret = exec_bks(c, S_VER_TO_OBJ, bucket, key, kn, v.seq)) != STORE_OK) return ret;
    return exec_bks(c, S_VER_DELETE, bucket, key, kn, v.seq);
}

/* Version numbers reserved at a time: one row written every SEQ_BLOCK
 * versions, and at most that many skipped at each start. */
#define SEQ_BLOCK 65536

/* The next version sequence number, or -1 (c's error) when the reservation
 * could not be written; called inside c's write transaction, which writers
 * take one at a time, so numbers follow commit order. */
static int64_t next_seq(struct sq_store *s, struct conn *c)
{
    int64_t seq = __atomic_add_fetch(&s->seq, 1, __ATOMIC_SEQ_CST);
    if (seq <= __atomic_load_n(&s->reserved, __ATOMIC_SEQ_CST)) return seq;
    sqlite3_stmt *q = stmt(c, S_SEQ_RESERVE);
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, seq + SEQ_BLOCK);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return -1;
    __atomic_store_n(&s->reserved, seq + SEQ_BLOCK, __ATOMIC_SEQ_CST);
    c->reserved = &s->reserved; /* a rollback takes it back */
    return seq;
}

/* A new version id: the sequence number (so that ids sort by creation)
 * and random digits (so that they are not guessed). */
static void vid_make(int64_t seq, char out[40])
{
    unsigned char rnd[8];
    util_random(rnd, sizeof rnd);
    snprintf(out, 40, "%016llx", (unsigned long long)seq);
    util_hex(rnd, sizeof rnd, out + 16);
}

/* A version id as callers name it: "null" (stored as "", *seq = -1) or one
 * of vid_make's. STORE_EBADVERSION otherwise. */
static int vid_parse(const char *vid, char stored[40], int64_t *seq)
{
    if (strcmp(vid, "null") == 0) {
        stored[0] = 0;
        *seq = -1;
        return STORE_OK;
    }
    if (strlen(vid) != 32) return STORE_EBADVERSION;
    for (int i = 0; i < 32; i++)
        if (!((vid[i] >= '0' && vid[i] <= '9') || (vid[i] >= 'a' && vid[i] <= 'f')))
            return STORE_EBADVERSION;
    char head[17];
    memcpy(head, vid, 16);
    head[16] = 0;
    *seq = (int64_t)strtoull(head, NULL, 16);
    if (*seq < 0) return STORE_EBADVERSION;
    memcpy(stored, vid, 33);
    return STORE_OK;
}

int sq_vid_parse(const char *vid, char stored[40], int64_t *seq)
{
    return vid_parse(vid, stored, seq);
}

/* The version vid names: the current row (*cur set) or a noncurrent one. */
static int find_version(struct conn *c, const char *bucket, const char *key, size_t kn,
                        const char *vid, struct vrow *v, int *cur)
{
    char want[40];
    int64_t seq;
    int ret = vid_parse(vid, want, &seq);
    if (ret) return ret;
    if ((ret = cur_row(c, bucket, key, kn, v)) != STORE_OK) return ret;
    *cur = v->found && strcmp(v->vid, want) == 0;
    if (*cur) return STORE_OK;
    ret = ver_row(c, seq < 0 ? S_VER_GET_NULL : S_VER_GET_SEQ, bucket, key, kn, seq, v);
    if (ret == STORE_OK && v->found && strcmp(v->vid, want) != 0) v->found = 0;
    return ret;
}

/* The bucket's versioning state, or STORE_ENOBUCKET. */
static int bucket_state(struct conn *c, const char *bucket, int *state)
{
    sqlite3_stmt *q = stmt(c, S_BUCKET_GET);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *state = sqlite3_column_int(q, 3);
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) return STORE_OK;
    return rc == SQLITE_DONE ? STORE_ENOBUCKET : STORE_EIO;
}

/* Inside a write transaction: make room for a new current version of
 * bucket/key as the bucket's state says (see put_commit in store.h); the
 * bytes that go are added to old, and the new version's stored id is
 * written to vid ("" for the null version). */
static int make_room(struct sq_store *s, struct conn *c, const char *bucket, const char *key,
                     size_t kn, int state, const struct vrow *cur, struct blob_list *old,
                     int64_t seq, char vid[40])
{
    int ret = STORE_OK;
    vid[0] = 0;
    (void)s;
    switch (state) {
    case STORE_VERSIONING_ENABLED:
        vid_make(seq, vid);
        if (cur->found) {
            if ((ret = exec_bks(c, S_OBJ_TO_VERSIONS, bucket, key, kn, -1)) != STORE_OK) break;
            ret = exec_bks(c, S_OBJ_DELETE, bucket, key, kn, -1);
        }
        break;
    case STORE_VERSIONING_SUSPENDED:
        if (cur->found && cur->vid[0]) {
            if ((ret = exec_bks(c, S_OBJ_TO_VERSIONS, bucket, key, kn, -1)) != STORE_OK) break;
            if ((ret = exec_bks(c, S_OBJ_DELETE, bucket, key, kn, -1)) != STORE_OK) break;
        } else if (cur->found) {
            if ((ret = take_bytes(c, bucket, key, kn, cur, old)) != STORE_OK) break;
            if ((ret = exec_bks(c, S_OBJ_DELETE, bucket, key, kn, -1)) != STORE_OK) break;
        }
        ret = drop_null_version(c, bucket, key, kn, old);
        break;
    default: /* unversioned: the new row replaces the old one */
        if (cur->found) ret = take_bytes(c, bucket, key, kn, cur, old);
        break;
    }
    return ret;
}

/* How a stored version id reads to callers. */
static void vid_out(const char *stored, int versioned, char out[40])
{
    snprintf(out, 40, "%s", stored[0] ? stored : versioned ? "null" : "");
}

/* Inside a write transaction: insert the object row and, for a multipart
 * object, its part rows. */
static int put_row(struct conn *c, const char *bucket, const char *key, size_t kn,
                   const store_obj_t *meta, const char *blob, const store_part_t *parts,
                   size_t nparts, const char *vid, int64_t seq)
{
    sqlite3_stmt *q = stmt(c, S_OBJ_UPSERT);
    if (!q) return db_err(c);
    bind_bk(q, bucket, key, kn);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)meta->size);
    sqlite3_bind_text(q, 4, meta->etag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, meta->mtime_ms);
    sqlite3_bind_text(q, 6, meta->headers ? meta->headers : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, blob, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, (sqlite3_int64)nparts);
    sqlite3_bind_text(q, 9, strcmp(meta->sclass, "STANDARD") == 0 ? "" : meta->sclass, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(q, 10, meta->owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 11, meta->acl ? meta->acl : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 12, meta->lock ? meta->lock : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 13, vid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 14, seq);
    sqlite3_bind_text(q, 15, meta->tags ? meta->tags : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_err(c);
    for (size_t i = 0; i < nparts; i++) {
        q = stmt(c, S_OPARTS_INSERT);
        if (!q) return db_err(c);
        bind_bk(q, bucket, key, kn);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)i);
        sqlite3_bind_int64(q, 4, parts[i].num);
        sqlite3_bind_int64(q, 5, (sqlite3_int64)parts[i].size);
        sqlite3_bind_text(q, 6, parts[i].etag, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, parts[i].checksum, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, parts[i].blob, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 9, seq);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) return db_err(c);
    }
    return STORE_OK;
}

/* Inside a write transaction: publish meta as the new current version of
 * bucket/key (cond checked against the current one), as the bucket's
 * versioning state says. Retired bytes go to old; meta->vid is set. */
static int publish(struct sq_store *s, struct conn *c, const char *bucket, const char *key,
                   size_t kn, store_obj_t *meta, const char *blob, const store_part_t *parts,
                   size_t nparts, const store_cond_t *cond, struct blob_list *old)
{
    int state = 0, ret;
    struct vrow cur;
    if ((ret = bucket_state(c, bucket, &state)) != STORE_OK) return ret;
    if ((ret = cur_row(c, bucket, key, kn, &cur)) != STORE_OK) return ret;
    if ((ret = cond_check(cond, cur.found, cur.etag)) != STORE_OK) return ret;
    int64_t seq = next_seq(s, c);
    if (seq < 0) return db_err(c);
    char vid[40];
    ret = make_room(s, c, bucket, key, kn, state, &cur, old, seq, vid);
    if (ret) return ret;
    meta->mtime_ms = util_now_ms();
    if ((ret = put_row(c, bucket, key, kn, meta, blob, parts, nparts, vid, seq)) != STORE_OK)
        return ret;
    vid_out(vid, state != STORE_UNVERSIONED, meta->vid);
    return STORE_OK;
}

static int drop_upload(struct conn *c, const char *id, struct blob_list *out);

/* ---- buckets ---- */

static int sq_bucket_create(store_t *st, const char *name, const char *region, const char *owner)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    int ret = store_reserve_ensure(&SQ(st)->reserve);
    if (ret) return ret;
    sqlite3_stmt *q = stmt(c, S_BUCKET_INSERT);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, util_now_ms());
    sqlite3_bind_text(q, 3, region ? region : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, owner_of(SQ(st), owner), -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE) return STORE_OK;
    if (rc == SQLITE_CONSTRAINT) return STORE_EEXIST;
    util_err("store: create bucket: %s", sqlite3_errmsg(c->db));
    return db_err(c);
}

static int sq_bucket_get(store_t *st, const char *name, store_bucket_t *out)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    sqlite3_stmt *q = stmt(c, S_BUCKET_GET);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = db_err(c);
    if (rc == SQLITE_ROW) {
        if (out) {
            snprintf(out->name, sizeof out->name, "%s", name);
            out->created_ms = sqlite3_column_int64(q, 0);
            snprintf(out->region, sizeof out->region, "%s",
                     (const char *)sqlite3_column_text(q, 1));
            col_text(q, 2, out->owner, sizeof out->owner);
            out->versioning = sqlite3_column_int(q, 3);
        }
        ret = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        ret = STORE_ENOBUCKET;
    }
    sqlite3_reset(q);
    return ret;
}

static int bucket_delete_once(store_t *st, const char *name)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
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
    /* Uploads in progress go with their bucket. */
    struct blob_list ids = {0}, parts = {0};
    q = stmt(c, S_UP_BUCKET_HAS);
    if (!q) {
        ret = STORE_EIO;
        goto done;
    }
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        blob_list_add(&ids, (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    for (size_t i = 0; i < ids.n && ret == STORE_OK; i++)
        ret = drop_upload(c, ids.v[i], &parts);
    blob_list_free(&ids);
    if (ret) goto done_parts;
    q = stmt(c, S_BUCKET_DELETE);
    if (!q) {
        ret = STORE_EIO;
        goto done_parts;
    }
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    ret = sqlite3_step(q) == SQLITE_DONE ? STORE_OK : db_err(c);
    sqlite3_reset(q);
    if (ret == STORE_OK && (ret = exec1(c, S_COMMIT)) == STORE_OK) {
        retire(SQ(st), NULL, NULL, 0, parts.v, parts.n);
        free(parts.v);
        return STORE_OK;
    }
done_parts:
    blob_list_free(&parts);
done:
    rollback(c);
    return ret;
}

/* Deletes free space, so they must work on a full disk: one that cannot
 * commit for lack of space gives up the reserve and tries again. */
static int sq_bucket_delete(store_t *st, const char *name)
{
    sq_writes_enter(SQ(st)->state);
    int ret = bucket_delete_once(st, name);
    if (ret == STORE_ENOSPC && store_reserve_release(&SQ(st)->reserve))
        ret = bucket_delete_once(st, name);
    sq_writes_leave(SQ(st)->state);
    return ret;
}

static int sq_bucket_set_versioning(store_t *st, const char *name, int state)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    sqlite3_stmt *q = stmt(c, S_BUCKET_SET_VERSIONING);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, state);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_err(c);
    return sqlite3_changes(c->db) > 0 ? STORE_OK : STORE_ENOBUCKET;
}

static int sq_bucket_list(store_t *st, const char *owner, store_bucket_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    sqlite3_stmt *q = stmt(c, owner ? S_BUCKET_LIST_OWNER : S_BUCKET_LIST);
    if (!q) return db_err(c);
    if (owner) sqlite3_bind_text(q, 1, owner_of(SQ(st), owner), -1, SQLITE_STATIC);
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
        col_text(q, 3, b->owner, sizeof b->owner);
        b->versioning = sqlite3_column_int(q, 4);
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
    free(o->acl);
    free(o->lock);
    free(o->tags);
    free(o->restore);
    o->key = o->headers = o->blob = o->acl = o->lock = o->tags = o->restore = NULL;
}

/* The put failed: keep the first cause for the commit and give back the
 * space its body took at once (other requests may need it). */
static void put_fail(store_put_t *p, int err)
{
    if (!p->err) p->err = err;
    if (p->fd >= 0 && !p->nparts) {
        char path[48];
        snprintf(path, sizeof path, "tmp/%s", p->id);
        close(p->fd);
        p->fd = -1;
        unlinkat(p->s->rootfd, path, 0);
    }
}

static int sq_put_begin(store_t *st, store_put_t **out)
{
    struct sq_store *s = SQ(st);
    store_put_t *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->fd = -1;
    *out = p;
    unsigned char rnd[16];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, p->id);
    int ret = store_reserve_ensure(&s->reserve);
    if (ret) {
        put_fail(p, ret);
        return STORE_OK;
    }
    char path[48];
    snprintf(path, sizeof path, "tmp/%s", p->id);
    p->fd = openat(s->rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (p->fd < 0) {
        int e = errno;
        util_err("store: create %s: %s", path, strerror(e));
        put_fail(p, store_errno_code(e));
    }
    return STORE_OK;
}

static int sq_put_write(store_put_t *p, const void *data, size_t n)
{
    const char *d = data;
    while (n && !p->err) {
        ssize_t w = write(p->fd, d, n);
        if (w < 0) {
            int e = errno;
            if (e == EINTR) continue;
            util_err("store: write: %s", strerror(e));
            put_fail(p, store_errno_code(e));
            break;
        }
        d += w;
        n -= (size_t)w;
    }
    return STORE_OK;
}

/* The part files of a put_begin_from that will not be published: in tmp/,
 * or already moved into blobs/ by a commit that then failed. */
static void drop_parts(store_put_t *p)
{
    for (size_t i = 0; i < p->nparts; i++) {
        char path[48];
        snprintf(path, sizeof path, "tmp/%s", p->parts[i].blob);
        if (unlinkat(p->s->rootfd, path, 0) != 0) unlink_blob(p->s, p->parts[i].blob);
    }
}

static int sq_put_write_file(store_put_t *p, int fd, uint64_t len, int *shared)
{
    if (shared) *shared = 0;
    if (p->err) return STORE_OK;
    int how = fileclone_append(p->fd, fd, len);
    if (how < 0) {
        util_err("store: copy into tmp/%s: %s", p->id, strerror(-how));
        put_fail(p, store_errno_code(-how));
    } else if (shared) {
        *shared = how == FILECLONE_REFLINK;
    }
    return STORE_OK;
}

static void sq_put_abort(store_put_t *p)
{
    char path[48];
    snprintf(path, sizeof path, "tmp/%s", p->id);
    if (p->fd >= 0) {
        close(p->fd);
        unlinkat(p->s->rootfd, path, 0);
    }
    drop_parts(p);
    store_parts_free(p->parts, p->nparts);
    free(p);
}

/* A new name for the bytes of blob (a hard link): a copy that copies nothing;
 * deleting either object later leaves the other's bytes in place. */
static int link_blob(struct sq_store *s, const char *blob, const char *to)
{
    char from[48];
    blob_path(blob, from);
    if (linkat(s->rootfd, from, s->rootfd, to, 0) == 0) return STORE_OK;
    if (errno == ENOENT && strncmp(to, "blobs/", 6) == 0) {
        char sub[16];
        snprintf(sub, sizeof sub, "%.8s", to);
        if ((mkdirat(s->rootfd, sub, 0755) == 0 || errno == EEXIST) &&
            linkat(s->rootfd, from, s->rootfd, to, 0) == 0)
            return STORE_OK;
    }
    int e = errno;
    util_err("store: link %s: %s", from, strerror(e));
    return store_errno_code(e);
}

static int sq_put_begin_from(store_t *st, store_reader_t *src, store_put_t **out)
{
    struct sq_store *s = SQ(st);
    int ret = store_reserve_ensure(&s->reserve);
    if (ret) return ret;
    store_put_t *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->fd = -1;
    new_id(p->id);
    if (!src->nparts) {
        char to[48];
        snprintf(to, sizeof to, "tmp/%s", p->id);
        if ((ret = link_blob(s, src->blob, to)) != STORE_OK) {
            free(p);
            return ret;
        }
        p->fd = openat(s->rootfd, to, O_RDONLY | O_CLOEXEC);
        if (p->fd < 0) {
            ret = store_errno_code(errno);
            unlinkat(s->rootfd, to, 0);
            free(p);
            return ret;
        }
        *out = p;
        return STORE_OK;
    }
    /* A multipart object: link every part into tmp/ under new ids; the
     * commit moves them into blobs/ under the state lock (a restore or reset
     * in between would otherwise take them for files nobody references). */
    p->parts = xcalloc(src->nparts, sizeof *p->parts);
    for (size_t i = 0; i < src->nparts; i++) {
        store_part_t *d = &p->parts[i];
        *d = src->parts[i];
        d->blob = xmalloc(33);
        new_id(d->blob);
        p->nparts = i + 1;
        char to[48];
        snprintf(to, sizeof to, "tmp/%s", d->blob);
        if ((ret = link_blob(s, src->parts[i].blob, to)) != STORE_OK) {
            sq_put_abort(p);
            return ret;
        }
    }
    *out = p;
    return STORE_OK;
}

static int move_in(struct sq_store *s, const char *id);

/* Move a received body from tmp/ into blobs/ under its id. */
static int place_blob(struct sq_store *s, store_put_t *p)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "tmp/%s", p->id);
    /* A file system that allocates late (delayed allocation, NFS) may
     * report a full disk only here. */
    int synced = !s->sync || fsync(p->fd) == 0, e = errno;
    close(p->fd);
    p->fd = -1;
    if (!synced) {
        util_err("store: fsync %s: %s", tmp, strerror(e));
        unlinkat(s->rootfd, tmp, 0);
        return store_errno_code(e);
    }
    return move_in(s, p->id);
}

/* Move tmp/ID into blobs/ under its id; on failure tmp/ID is removed. */
static int move_in(struct sq_store *s, const char *id)
{
    char tmp[48], dst[48];
    snprintf(tmp, sizeof tmp, "tmp/%s", id);
    blob_path(id, dst);
    int moved = renameat(s->rootfd, tmp, s->rootfd, dst), e = errno;
    if (moved != 0 && e == ENOENT) {
        /* blobs/ab/ is made on first use (which takes space too). */
        char sub[16];
        snprintf(sub, sizeof sub, "blobs/%.2s", id);
        if (mkdirat(s->rootfd, sub, 0755) == 0 || errno == EEXIST) {
            moved = renameat(s->rootfd, tmp, s->rootfd, dst);
            e = errno;
        } else {
            e = errno;
        }
    }
    if (moved != 0) {
        util_err("store: rename %s: %s", tmp, strerror(e));
        unlinkat(s->rootfd, tmp, 0);
        return store_errno_code(e);
    }
    return STORE_OK;
}

static int put_commit_locked(store_put_t *p, const char *bucket, const char *key, size_t key_len,
                             store_obj_t *meta, int autocreate, const store_cond_t *cond)
{
    struct sq_store *s = p->s;
    struct blob_list old = {0};
    int placed = 0, ret;
    if (p->err) {
        ret = p->err;
        sq_put_abort(p);
        return ret;
    }
    if (!p->nparts) {
        if ((ret = place_blob(s, p)) != STORE_OK) goto fail;
        placed = 1;
    }
    for (size_t i = 0; i < p->nparts; i++)
        if ((ret = move_in(s, p->parts[i].blob)) != STORE_OK) goto fail;
    struct conn *c = conn_get(s);
    ret = c ? exec1(c, S_BEGIN_W) : store_errno_code(errno);
    if (ret) goto fail;
    if (autocreate) {
        sqlite3_stmt *q = stmt(c, S_BUCKET_INSERT_IGNORE);
        if (!q) goto fail_io;
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, util_now_ms());
        sqlite3_bind_text(q, 3, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, owner_of(s, meta->owner), -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) goto fail_io;
    }
    if (!meta->owner[0]) snprintf(meta->owner, sizeof meta->owner, "%s", s->default_owner);
    ret = publish(s, c, bucket, key, key_len, meta, p->nparts ? "" : p->id, p->parts, p->nparts,
                  cond, &old);
    if (ret) goto fail_tx;
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail_tx;
    retire(s, bucket, key, key_len, old.v, old.n);
    free(old.v);
    free(meta->blob);
    meta->blob = xstrdup(p->nparts ? "" : p->id);
    store_parts_free(p->parts, p->nparts);
    free(p);
    return STORE_OK;
fail_io:
    util_err("store: put: %s", sqlite3_errmsg(c->db));
    ret = db_err(c);
fail_tx:
    rollback(c);
fail:
    blob_list_free(&old);
    if (placed)
        unlink_blob(s, p->id);
    else if (p->fd >= 0) {
        sq_put_abort(p);
        return ret;
    }
    drop_parts(p);
    store_parts_free(p->parts, p->nparts);
    free(p);
    return ret;
}

static int sq_put_commit(store_put_t *p, const char *bucket, const char *key, size_t key_len,
                         store_obj_t *meta, int autocreate, const store_cond_t *cond)
{
    struct sq_state *ss = p->s->state; /* p is freed by the commit */
    sq_writes_enter(ss);
    int ret = put_commit_locked(p, bucket, key, key_len, meta, autocreate, cond);
    sq_writes_leave(ss);
    return ret;
}

/* Fill out from a row whose first columns are VCOLS, then one more (the
 * bucket's versioning state or dm), then sclass; *seq gets its seq. */
static void row_read(sqlite3_stmt *q, const char *key, size_t kn, int versioned, store_obj_t *out,
                     int64_t *seq)
{
    store_obj_free(out);
    out->key = xstrndup(key, kn);
    out->key_len = kn;
    out->size = (uint64_t)sqlite3_column_int64(q, 0);
    col_text(q, 1, out->etag, sizeof out->etag);
    out->mtime_ms = sqlite3_column_int64(q, 2);
    out->headers = xstrdup((const char *)sqlite3_column_text(q, 3));
    out->blob = xstrdup((const char *)sqlite3_column_text(q, 4));
    out->nparts = (uint32_t)sqlite3_column_int(q, 5);
    col_text(q, 6, out->owner, sizeof out->owner);
    out->acl = xstrdup((const char *)sqlite3_column_text(q, 7));
    out->lock = xstrdup((const char *)sqlite3_column_text(q, 8));
    vid_out((const char *)sqlite3_column_text(q, 9), versioned, out->vid);
    *seq = sqlite3_column_int64(q, 10);
    const char *tags = (const char *)sqlite3_column_text(q, 11);
    out->tags = tags ? xstrdup(tags) : NULL;
    col_text(q, 12, out->sclass, sizeof out->sclass);
    out->restore = xstrdup((const char *)sqlite3_column_text(q, 13));
    out->dm = 0;
}

/* The version vid names (NULL: the current one) into out, its seq in *seq
 * and whether it is the current object in *cur. Errors as obj_get; on an
 * error out holds no strings, but dm, vid and mtime_ms tell of a marker.
 * Strings out holds from an earlier lookup (a retry) are freed first. */
static int lookup(struct conn *c, const char *bucket, const char *key, size_t kn, const char *vid,
                  store_obj_t *out, int64_t *seq, int *cur)
{
    char want[40] = "";
    int64_t wseq = -1;
    int ret;
    *cur = 0;
    store_obj_free(out);
    if (vid && (ret = vid_parse(vid, want, &wseq)) != STORE_OK) return ret;
    sqlite3_stmt *q = stmt(c, S_OBJ_GET);
    if (!q) return db_err(c);
    bind_bk(q, bucket, key, kn);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && (!vid || strcmp((const char *)sqlite3_column_text(q, 9), want) == 0)) {
        row_read(q, key, kn, sqlite3_column_int(q, VCOL_EXTRA) != STORE_UNVERSIONED, out, seq);
        sqlite3_reset(q);
        *cur = 1;
        return STORE_OK;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(c);
    enum stmt_id id = !vid ? S_VER_TOP : wseq < 0 ? S_VER_GET_NULL : S_VER_GET_SEQ;
    /* Without a current object, the newest version can only be a marker. */
    if (!vid && rc == SQLITE_ROW) id = S_COUNT;
    if (id != S_COUNT) {
        if (!(q = stmt(c, id))) return db_err(c);
        bind_bk(q, bucket, key, kn);
        if (id == S_VER_GET_SEQ) sqlite3_bind_int64(q, 3, wseq);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW &&
            (!vid || strcmp((const char *)sqlite3_column_text(q, 9), want) == 0)) {
            int dm = sqlite3_column_int(q, VCOL_EXTRA);
            row_read(q, key, kn, 1, out, seq);
            sqlite3_reset(q);
            out->dm = dm;
            if (!vid || dm) {
                store_obj_free(out);
                return vid ? STORE_EMARKER : STORE_ENOKEY;
            }
            return STORE_OK;
        }
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(c);
    }
    int b = bucket_exists(c, bucket);
    return b != STORE_OK ? b : vid ? STORE_ENOVERSION : STORE_ENOKEY;
}

static int sq_obj_get(store_t *st, const char *bucket, const char *key, size_t key_len,
                      const char *vid, store_obj_t *out, int *fd)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return store_errno_code(errno);
    memset(out, 0, sizeof *out);
    /* A concurrent overwrite may unlink the blob between the lookup and the
     * open; looking up again then finds the new one. */
    int e = EIO;
    for (int attempt = 0; attempt < 5; attempt++) {
        int64_t seq;
        int cur, ret = lookup(c, bucket, key, key_len, vid, out, &seq, &cur);
        if (ret || !fd) return ret;
        if (out->nparts) break; /* no single file: use obj_open */
        char p[48];
        blob_path(out->blob, p);
        *fd = openat(s->rootfd, p, O_RDONLY | O_CLOEXEC);
        if (*fd >= 0) return STORE_OK;
        e = errno;
        if (e != ENOENT) break;
    }
    store_obj_free(out);
    return store_errno_code(e);
}

static int obj_delete_once(store_t *st, const char *bucket, const char *key, size_t key_len,
                           const char *vid, store_deleted_t *out)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return store_errno_code(errno);
    struct blob_list old = {0};
    int state = 0, ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    memset(out, 0, sizeof *out);
    if ((ret = bucket_state(c, bucket, &state)) != STORE_OK) goto fail;
    struct vrow v;
    if (!vid && state == STORE_UNVERSIONED) {
        if ((ret = cur_row(c, bucket, key, key_len, &v)) != STORE_OK) goto fail;
        if (v.found && ((ret = take_bytes(c, bucket, key, key_len, &v, &old)) != STORE_OK ||
                        (ret = exec_bks(c, S_OBJ_DELETE, bucket, key, key_len, -1)) != STORE_OK))
            goto fail;
    } else if (!vid) {
        /* The current version steps aside for a new delete marker. */
        if ((ret = cur_row(c, bucket, key, key_len, &v)) != STORE_OK) goto fail;
        int64_t seq = next_seq(s, c);
        if (seq < 0) goto fail_io;
        char mvid[40];
        ret = make_room(s, c, bucket, key, key_len, state, &v, &old, seq, mvid);
        if (ret) goto fail;
        sqlite3_stmt *q = stmt(c, S_VER_MARKER);
        if (!q) goto fail_io;
        bind_bk(q, bucket, key, key_len);
        sqlite3_bind_int64(q, 3, seq);
        sqlite3_bind_text(q, 4, mvid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, util_now_ms());
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) goto fail_io;
        out->dm = 1;
        vid_out(mvid, 1, out->vid);
    } else {
        int cur;
        if ((ret = find_version(c, bucket, key, key_len, vid, &v, &cur)) != STORE_OK) goto fail;
        if (v.found) {
            if ((ret = take_bytes(c, bucket, key, key_len, &v, &old)) != STORE_OK) goto fail;
            ret = cur ? exec_bks(c, S_OBJ_DELETE, bucket, key, key_len, -1)
                      : exec_bks(c, S_VER_DELETE, bucket, key, key_len, v.seq);
            if (ret) goto fail;
            struct vrow now;
            if ((ret = cur_row(c, bucket, key, key_len, &now)) != STORE_OK) goto fail;
            if (!now.found && (ret = promote(c, bucket, key, key_len)) != STORE_OK) goto fail;
            out->dm = v.dm;
        }
        if (state != STORE_UNVERSIONED) snprintf(out->vid, sizeof out->vid, "%s", vid);
    }
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail;
    retire(s, bucket, key, key_len, old.v, old.n);
    free(old.v);
    return STORE_OK;
fail_io:
    ret = db_err(c);
fail:
    rollback(c);
    blob_list_free(&old);
    return ret;
}

/* Replace one column of a version (the statement for the current row or
 * for a noncurrent one) with value, in one write transaction. */
static int set_column(store_t *st, const char *bucket, const char *key, size_t key_len,
                      const char *vid, enum stmt_id cur_id, enum stmt_id ver_id, const char *value)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    int ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    store_obj_t o = {0};
    int64_t seq;
    int cur;
    if ((ret = lookup(c, bucket, key, key_len, vid, &o, &seq, &cur)) != STORE_OK) goto fail;
    store_obj_free(&o);
    sqlite3_stmt *q = stmt(c, cur ? cur_id : ver_id);
    if (!q) goto fail_io;
    bind_bk(q, bucket, key, key_len);
    sqlite3_bind_text(q, 3, value ? value : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, seq);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) goto fail_io;
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail;
    return STORE_OK;
fail_io:
    ret = db_err(c);
fail:
    rollback(c);
    return ret;
}

static int sq_obj_set(store_t *st, const char *bucket, const char *key, size_t key_len,
                      const char *vid, store_doc_t which, const char *doc)
{
    static const enum stmt_id set_stmt[][2] = {
        [STORE_DOC_ACL] = {S_OBJ_SET_ACL, S_VER_SET_ACL},
        [STORE_DOC_LOCK] = {S_OBJ_SET_LOCK, S_VER_SET_LOCK},
        [STORE_DOC_TAGS] = {S_OBJ_SET_TAGS, S_VER_SET_TAGS},
        [STORE_DOC_RESTORE] = {S_OBJ_SET_RESTORE, S_VER_SET_RESTORE},
    };
    assert((size_t)which < sizeof set_stmt / sizeof *set_stmt);
    return set_column(st, bucket, key, key_len, vid, set_stmt[which][0], set_stmt[which][1], doc);
}

static int sq_obj_set_class(store_t *st, const char *bucket, const char *key, size_t key_len,
                            const char *vid, const char *sclass)
{
    return set_column(st, bucket, key, key_len, vid, S_OBJ_SET_CLASS, S_VER_SET_CLASS, sclass);
}

/* See sq_bucket_delete: a delete on a full disk uses the reserve. */
static int sq_obj_delete(store_t *st, const char *bucket, const char *key, size_t key_len,
                         const char *vid, store_deleted_t *out)
{
    store_deleted_t ignored;
    if (!out) out = &ignored;
    sq_writes_enter(SQ(st)->state);
    int ret = obj_delete_once(st, bucket, key, key_len, vid, out);
    if (ret == STORE_ENOSPC && store_reserve_release(&SQ(st)->reserve))
        ret = obj_delete_once(st, bucket, key, key_len, vid, out);
    sq_writes_leave(SQ(st)->state);
    return ret;
}

/* ---- readers ---- */

void store_parts_free(store_part_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].blob);
    free(p);
}

static void sq_reader_close(store_reader_t *rd)
{
    if (!rd) return;
    if (rd->fd >= 0) close(rd->fd);
    unpin(rd->s, rd->bucket, rd->key, rd->key_len);
    free(rd->bucket);
    free(rd->key);
    free(rd->blob);
    store_parts_free(rd->parts, rd->nparts);
    free(rd->starts);
    free(rd);
}

static int open_blob(struct sq_store *s, const char *blob);

static int sq_obj_open(store_t *st, const char *bucket, const char *key, size_t key_len,
                       const char *vid, store_obj_t *out, store_reader_t **rdp)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return store_errno_code(errno);
    store_reader_t *rd = xcalloc(1, sizeof *rd);
    rd->s = s;
    rd->fd = -1;
    rd->bucket = xstrdup(bucket);
    rd->key = xstrndup(key, key_len);
    rd->key_len = key_len;
    pin(s, bucket, key, key_len); /* before reading: see retire() */
    int ret = exec1(c, S_BEGIN_R);
    if (ret) goto fail;
    memset(out, 0, sizeof *out);
    int64_t seq;
    int cur;
    ret = lookup(c, bucket, key, key_len, vid, out, &seq, &cur);
    if (ret == STORE_OK && out->nparts) {
        sqlite3_stmt *q = stmt(c, S_OPARTS_GET);
        if (!q) {
            ret = STORE_EIO;
        } else {
            bind_bk(q, bucket, key, key_len);
            sqlite3_bind_int64(q, 3, seq);
            rd->parts = xcalloc(out->nparts, sizeof *rd->parts);
            rd->starts = xcalloc(out->nparts + 1, sizeof *rd->starts);
            uint64_t off = 0;
            int rc;
            while (rd->nparts < out->nparts && (rc = sqlite3_step(q)) == SQLITE_ROW) {
                store_part_t *pt = &rd->parts[rd->nparts];
                pt->num = (uint32_t)sqlite3_column_int(q, 0);
                pt->size = (uint64_t)sqlite3_column_int64(q, 1);
                snprintf(pt->etag, sizeof pt->etag, "%s", (const char *)sqlite3_column_text(q, 2));
                snprintf(pt->checksum, sizeof pt->checksum, "%s",
                         (const char *)sqlite3_column_text(q, 3));
                pt->blob = xstrdup((const char *)sqlite3_column_text(q, 4));
                rd->starts[rd->nparts++] = off;
                off += pt->size;
            }
            rd->starts[rd->nparts] = off;
            sqlite3_reset(q);
            if (rd->nparts != out->nparts || off != out->size) ret = STORE_EIO;
        }
    }
    exec1(c, S_COMMIT);
    if (ret) {
        store_obj_free(out);
        goto fail;
    }
    rd->size = out->size;
    rd->blob = xstrdup(out->blob);
    *rdp = rd;
    return STORE_OK;
fail:
    sq_reader_close(rd);
    return ret;
}

static void sq_reader_parts(store_reader_t *rd, const store_part_t **parts, size_t *n)
{
    *parts = rd->parts;
    *n = rd->nparts;
}

/* The part holding byte off (the last part whose start is <= off). */
static size_t part_at(const store_reader_t *rd, uint64_t off)
{
    size_t lo = 0, hi = rd->nparts;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (rd->starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* A descriptor for reading blob; -1 with errno set on failure. */
static int open_blob(struct sq_store *s, const char *blob)
{
    char p[48];
    blob_path(blob, p);
    int fd = openat(s->rootfd, p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        util_err("store: open %s: %s", p, strerror(e));
        errno = e;
    }
    return fd;
}

static int sq_reader_ready(store_reader_t *rd, uint64_t off)
{
    size_t i = rd->nparts ? part_at(rd, off) : 0;
    if (rd->fd >= 0 && rd->cur == i) return STORE_OK;
    if (rd->fd >= 0) close(rd->fd);
    rd->fd = open_blob(rd->s, rd->nparts ? rd->parts[i].blob : rd->blob);
    rd->cur = i;
    return rd->fd >= 0 ? STORE_OK : store_errno_code(errno);
}

static int sq_reader_fd(store_reader_t *rd, uint64_t off, uint64_t len, int *fd, uint64_t *fdoff)
{
    size_t i = 0;
    *fdoff = off;
    if (rd->nparts) {
        i = part_at(rd, off);
        if (len && off + len > rd->starts[i + 1]) return -1;
        *fdoff = off - rd->starts[i];
    }
    if (rd->fd >= 0 && rd->cur == i) {
        /* The file reader_ready (or a read) opened: the caller's now. */
        *fd = rd->fd;
        rd->fd = -1;
        return 0;
    }
    *fd = open_blob(rd->s, rd->nparts ? rd->parts[i].blob : rd->blob);
    return *fd >= 0 ? 0 : -1;
}

static long sq_reader_read(store_reader_t *rd, uint64_t off, char *buf, size_t n)
{
    if (off >= rd->size) return 0;
    size_t i = 0;
    uint64_t in = off, avail = rd->size - off;
    if (rd->nparts) {
        i = part_at(rd, off);
        in = off - rd->starts[i];
        avail = rd->starts[i + 1] - off;
    }
    if (rd->fd < 0 || rd->cur != i) {
        if (rd->fd >= 0) close(rd->fd);
        rd->fd = open_blob(rd->s, rd->nparts ? rd->parts[i].blob : rd->blob);
        rd->cur = i;
        if (rd->fd < 0) return -1;
    }
    if (n > avail) n = (size_t)avail;
    ssize_t got;
    do
        got = pread(rd->fd, buf, n, (off_t)in);
    while (got < 0 && errno == EINTR);
    if (got == 0 && n) return -1; /* the file is shorter than its row says */
    return got;
}

/* ---- multipart uploads ---- */

void store_upload_free(store_upload_t *u)
{
    free(u->key);
    free(u->headers);
    free(u->acl);
    u->key = u->headers = u->acl = NULL;
}

void store_mpu_list_free(store_mpu_list_res_t *res)
{
    for (size_t i = 0; i < res->n; i++)
        store_upload_free(&res->ups[i]);
    free(res->ups);
    res->ups = NULL;
    res->n = 0;
}

static int sq_mpu_create(store_t *st, store_upload_t *u, int autocreate)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    int ret = store_reserve_ensure(&SQ(st)->reserve);
    if (ret) return ret;
    ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    sqlite3_stmt *q;
    if (autocreate) {
        q = stmt(c, S_BUCKET_INSERT_IGNORE);
        if (!q) goto fail_io;
        sqlite3_bind_text(q, 1, u->bucket, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, util_now_ms());
        sqlite3_bind_text(q, 3, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, owner_of(SQ(st), u->owner), -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) goto fail_io;
    } else if ((ret = bucket_exists(c, u->bucket)) != STORE_OK) {
        goto fail;
    }
    new_id(u->id);
    u->created_ms = util_now_ms();
    q = stmt(c, S_UP_INSERT);
    if (!q) goto fail_io;
    sqlite3_bind_text(q, 1, u->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, u->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, u->key, (int)u->key_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, u->created_ms);
    sqlite3_bind_text(q, 5, u->headers ? u->headers : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, u->ck_alg, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, u->ck_type, -1, SQLITE_STATIC);
    if (!u->owner[0]) snprintf(u->owner, sizeof u->owner, "%s", SQ(st)->default_owner);
    sqlite3_bind_text(q, 8, u->owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, u->acl ? u->acl : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) goto fail_io;
    return exec1(c, S_COMMIT);
fail_io:
    ret = db_err(c);
fail:
    rollback(c);
    return ret;
}

/* Read an upload row (inside or outside a transaction). */
static int upload_get(struct conn *c, const char *id, store_upload_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = stmt(c, S_UP_GET);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", id);
        snprintf(out->bucket, sizeof out->bucket, "%s", (const char *)sqlite3_column_text(q, 0));
        const void *k = sqlite3_column_blob(q, 1);
        out->key_len = (size_t)sqlite3_column_bytes(q, 1);
        out->key = xstrndup(k ? k : "", out->key_len);
        out->created_ms = sqlite3_column_int64(q, 2);
        out->headers = xstrdup((const char *)sqlite3_column_text(q, 3));
        snprintf(out->ck_alg, sizeof out->ck_alg, "%s", (const char *)sqlite3_column_text(q, 4));
        snprintf(out->ck_type, sizeof out->ck_type, "%s", (const char *)sqlite3_column_text(q, 5));
        col_text(q, 6, out->owner, sizeof out->owner);
        out->acl = xstrdup((const char *)sqlite3_column_text(q, 7));
    }
    sqlite3_reset(q);
    if (rc == SQLITE_ROW) return STORE_OK;
    return rc == SQLITE_DONE ? STORE_ENOUPLOAD : STORE_EIO;
}

static int sq_mpu_get(store_t *st, const char *id, store_upload_t *out)
{
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    return upload_get(c, id, out);
}

static int part_commit_locked(store_put_t *p, const char *id, store_part_t *part)
{
    struct sq_store *s = p->s;
    struct blob_list old = {0};
    if (p->err) {
        int err = p->err;
        sq_put_abort(p);
        return err;
    }
    int ret = place_blob(s, p);
    if (ret) {
        free(p);
        return ret;
    }
    struct conn *c = conn_get(s);
    ret = c ? exec1(c, S_BEGIN_W) : store_errno_code(errno);
    if (ret) goto fail;
    store_upload_t u;
    if ((ret = upload_get(c, id, &u)) != STORE_OK) goto fail_tx;
    store_upload_free(&u);
    sqlite3_stmt *q = stmt(c, S_PART_BLOB);
    if (!q) goto fail_io;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, part->num);
    if (sqlite3_step(q) == SQLITE_ROW) blob_list_add(&old, (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    part->mtime_ms = util_now_ms();
    q = stmt(c, S_PART_UPSERT);
    if (!q) goto fail_io;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, part->num);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)part->size);
    sqlite3_bind_text(q, 4, part->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, part->checksum, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, part->mtime_ms);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) goto fail_io;
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail_tx;
    /* Parts are never read while an upload is in progress: unlink at once. */
    retire(s, NULL, NULL, 0, old.v, old.n);
    free(old.v);
    free(p);
    return STORE_OK;
fail_io:
    ret = db_err(c);
fail_tx:
    rollback(c);
fail:
    blob_list_free(&old);
    unlink_blob(s, p->id);
    free(p);
    return ret;
}

static int sq_mpu_part_commit(store_put_t *p, const char *id, store_part_t *part)
{
    struct sq_state *ss = p->s->state; /* p is freed by the commit */
    sq_writes_enter(ss);
    int ret = part_commit_locked(p, id, part);
    sq_writes_leave(ss);
    return ret;
}

static int sq_mpu_parts(store_t *st, const char *id, uint32_t after, unsigned max,
                        store_part_t **out, size_t *n, int *truncated)
{
    *out = NULL;
    *n = 0;
    *truncated = 0;
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    int ret = exec1(c, S_BEGIN_R);
    if (ret) return ret;
    store_upload_t u;
    if ((ret = upload_get(c, id, &u)) != STORE_OK) goto done;
    store_upload_free(&u);
    sqlite3_stmt *q = stmt(c, S_PART_LIST);
    if (!q) {
        ret = STORE_EIO;
        goto done;
    }
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)max + 1);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == max) {
            *truncated = 1;
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        store_part_t *pt = &(*out)[(*n)++];
        memset(pt, 0, sizeof *pt);
        pt->num = (uint32_t)sqlite3_column_int(q, 0);
        pt->size = (uint64_t)sqlite3_column_int64(q, 1);
        snprintf(pt->etag, sizeof pt->etag, "%s", (const char *)sqlite3_column_text(q, 2));
        snprintf(pt->checksum, sizeof pt->checksum, "%s", (const char *)sqlite3_column_text(q, 3));
        pt->blob = xstrdup((const char *)sqlite3_column_text(q, 4));
        pt->mtime_ms = sqlite3_column_int64(q, 5);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) ret = STORE_EIO;
done:
    exec1(c, S_COMMIT);
    if (ret) {
        store_parts_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return ret;
}

/* Inside a write transaction: delete an upload and its part rows, adding
 * their blobs to out. */
static int drop_upload(struct conn *c, const char *id, struct blob_list *out)
{
    sqlite3_stmt *q = stmt(c, S_PART_ALL_BLOBS);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        blob_list_add(out, (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_err(c);
    q = stmt(c, S_PART_DELETE_ALL);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_err(c);
    q = stmt(c, S_UP_DELETE);
    if (!q) return db_err(c);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? STORE_OK : db_err(c);
}

static int mpu_abort_once(store_t *st, const char *id)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return store_errno_code(errno);
    struct blob_list old = {0};
    int ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    store_upload_t u;
    if ((ret = upload_get(c, id, &u)) != STORE_OK) goto fail;
    store_upload_free(&u);
    if ((ret = drop_upload(c, id, &old)) != STORE_OK) goto fail;
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail;
    retire(s, NULL, NULL, 0, old.v, old.n);
    free(old.v);
    return STORE_OK;
fail:
    rollback(c);
    blob_list_free(&old);
    return ret;
}

/* See sq_bucket_delete: an abort on a full disk uses the reserve. */
static int sq_mpu_abort(store_t *st, const char *id)
{
    sq_writes_enter(SQ(st)->state);
    int ret = mpu_abort_once(st, id);
    if (ret == STORE_ENOSPC && store_reserve_release(&SQ(st)->reserve))
        ret = mpu_abort_once(st, id);
    sq_writes_leave(SQ(st)->state);
    return ret;
}

static int mpu_complete_locked(store_t *st, const char *id, const store_part_t *parts, size_t n,
                               store_obj_t *meta, const store_cond_t *cond)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return store_errno_code(errno);
    int reserved = store_reserve_ensure(&s->reserve);
    if (reserved) return reserved;
    struct blob_list old = {0}, unused = {0};
    store_upload_t u = {0};
    int ret = exec1(c, S_BEGIN_W);
    if (ret) return ret;
    if ((ret = upload_get(c, id, &u)) != STORE_OK) goto fail;
    if ((ret = bucket_exists(c, u.bucket)) != STORE_OK) goto fail;
    /* The parts chosen must still be the ones the caller checked. */
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *q = stmt(c, S_PART_BLOB);
        if (!q) goto fail_io;
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, parts[i].num);
        int rc = sqlite3_step(q);
        int same =
            rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), parts[i].blob) == 0;
        sqlite3_reset(q);
        if (!same) {
            ret = STORE_EBADPART;
            goto fail;
        }
    }
    memcpy(meta->owner, u.owner, sizeof meta->owner); /* the initiator's, as in S3 */
    free(meta->acl);
    meta->acl = u.acl; /* set at CreateMultipartUpload */
    u.acl = NULL;
    ret = publish(s, c, u.bucket, u.key, u.key_len, meta, "", parts, n, cond, &old);
    if (ret) goto fail;
    /* Part blobs now belong to the object; the rest of the upload goes. */
    if ((ret = drop_upload(c, id, &unused)) != STORE_OK) goto fail;
    if ((ret = exec1(c, S_COMMIT)) != STORE_OK) goto fail;
    for (size_t i = 0; i < unused.n;) {
        int used = 0;
        for (size_t j = 0; j < n && !used; j++)
            used = strcmp(unused.v[i], parts[j].blob) == 0;
        if (used) {
            free(unused.v[i]);
            unused.v[i] = unused.v[--unused.n];
        } else {
            i++;
        }
    }
    retire(s, u.bucket, u.key, u.key_len, old.v, old.n);
    retire(s, NULL, NULL, 0, unused.v, unused.n);
    free(old.v);
    free(unused.v);
    free(meta->key);
    meta->key = u.key;
    meta->key_len = u.key_len;
    u.key = NULL;
    store_upload_free(&u);
    return STORE_OK;
fail_io:
    ret = db_err(c);
fail:
    rollback(c);
    blob_list_free(&old);
    blob_list_free(&unused);
    store_upload_free(&u);
    return ret;
}

static int sq_mpu_complete(store_t *st, const char *id, const store_part_t *parts, size_t n,
                           store_obj_t *meta, const store_cond_t *cond)
{
    sq_writes_enter(SQ(st)->state);
    int ret = mpu_complete_locked(st, id, parts, n, meta, cond);
    sq_writes_leave(SQ(st)->state);
    return ret;
}

static int sq_mpu_list(store_t *st, const char *bucket, const store_mpu_list_req_t *req,
                       store_mpu_list_res_t *res)
{
    memset(res, 0, sizeof *res);
    struct conn *c = conn_get(SQ(st));
    if (!c) return store_errno_code(errno);
    int ret = exec1(c, S_BEGIN_R);
    if (ret) return ret;
    if ((ret = bucket_exists(c, bucket)) != STORE_OK) goto done;
    /* Uploads in progress are few: walk them in order from the marker. */
    buf_t cur = BUF_INIT;
    int64_t cur_created = INT64_MAX;
    const char *cur_id = "";
    char idbuf[40] = "";
    if (req->key_marker) {
        buf_append(&cur, req->key_marker, req->key_marker_len);
        if (req->upload_marker && *req->upload_marker) {
            /* resume after that upload of the marker key */
            snprintf(idbuf, sizeof idbuf, "%s", req->upload_marker);
            store_upload_t mu;
            if (upload_get(c, idbuf, &mu) == STORE_OK) {
                cur_created = mu.created_ms;
                cur_id = idbuf;
                store_upload_free(&mu);
            }
        }
    } else {
        cur_created = INT64_MIN;
    }
    size_t cap = 0, want = (size_t)req->max + 1;
    while (res->n < want) {
        sqlite3_stmt *q = stmt(c, S_UP_LIST);
        if (!q) {
            ret = STORE_EIO;
            break;
        }
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, cur.p ? cur.p : "", (int)cur.len, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, cur_created);
        sqlite3_bind_text(q, 4, cur_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 5, 256);
        int rc, rows = 0, jumped = 0;
        while (res->n < want && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            rows++;
            const char *k = sqlite3_column_blob(q, 1);
            size_t kn = (size_t)sqlite3_column_bytes(q, 1);
            if (!k) k = "";
            buf_reset(&cur);
            buf_append(&cur, k, kn);
            cur_created = sqlite3_column_int64(q, 2);
            snprintf(idbuf, sizeof idbuf, "%s", (const char *)sqlite3_column_text(q, 0));
            cur_id = idbuf;
            if (kn < req->prefix_len || memcmp(k, req->prefix, req->prefix_len) != 0) {
                if (sq_bytes_cmp(k, kn, req->prefix, req->prefix_len) > 0) {
                    rows = -1; /* past the prefix: done */
                    break;
                }
                continue;
            }
            if (res->n == cap) {
                cap = cap ? 2 * cap : 32;
                res->ups = xrealloc(res->ups, cap * sizeof *res->ups);
            }
            size_t cn = sq_rollup_len(k, kn, req->prefix_len, req->delim, req->delim_len);
            store_upload_t *u = &res->ups[res->n];
            memset(u, 0, sizeof *u);
            if (cn) {
                if (!(req->key_marker &&
                      sq_bytes_cmp(k, cn, req->key_marker, req->key_marker_len) <= 0)) {
                    u->key = xstrndup(k, cn);
                    u->key_len = cn;
                    u->headers = xstrdup("");
                    snprintf(u->bucket, sizeof u->bucket, "%s", bucket);
                    res->n++;
                }
                if (!sq_seek_past(&cur, k, cn)) rows = -1;
                cur_created = INT64_MIN;
                cur_id = "";
                jumped = 1;
                break;
            }
            snprintf(u->id, sizeof u->id, "%s", idbuf);
            snprintf(u->bucket, sizeof u->bucket, "%s", bucket);
            u->key = xstrndup(k, kn);
            u->key_len = kn;
            u->created_ms = cur_created;
            u->headers = xstrdup((const char *)sqlite3_column_text(q, 3));
            snprintf(u->ck_alg, sizeof u->ck_alg, "%s", (const char *)sqlite3_column_text(q, 4));
            snprintf(u->ck_type, sizeof u->ck_type, "%s", (const char *)sqlite3_column_text(q, 5));
            col_text(q, 6, u->owner, sizeof u->owner);
            res->n++;
        }
        sqlite3_reset(q);
        if (rows <= 0 && !jumped) break;
    }
    buf_free(&cur);
    if (res->n == want) {
        res->truncated = 1;
        store_upload_free(&res->ups[--res->n]);
    }
done:
    exec1(c, S_COMMIT);
    if (ret) store_mpu_list_free(res);
    return ret;
}

/* ---- open, sweep, close ---- */

static void sq_close(store_t *st)
{
    struct sq_store *s = SQ(st);
    sq_sweep_stop(s->sweep); /* first: it uses a connection and the state lock */
    if (s->state) sq_state_close(s->state);
    for (size_t i = 0; i < s->nconns; i++)
        conn_close(s->conns[i]);
    free(s->conns);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->pin_mu);
    free(s->pins); /* readers are all closed by now */
    if (s->reserve.bytes) store_reserve_destroy(&s->reserve);
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
    .put_write_file = sq_put_write_file,
    .put_commit = sq_put_commit,
    .put_abort = sq_put_abort,
    .obj_get = sq_obj_get,
    .obj_open = sq_obj_open,
    .reader_parts = sq_reader_parts,
    .reader_ready = sq_reader_ready,
    .reader_fd = sq_reader_fd,
    .reader_read = sq_reader_read,
    .reader_close = sq_reader_close,
    .mpu_create = sq_mpu_create,
    .mpu_get = sq_mpu_get,
    .mpu_part_commit = sq_mpu_part_commit,
    .mpu_parts = sq_mpu_parts,
    .mpu_list = sq_mpu_list,
    .mpu_abort = sq_mpu_abort,
    .mpu_complete = sq_mpu_complete,
    .obj_set = sq_obj_set,
    .obj_set_class = sq_obj_set_class,
    .list_versions = sq_list_versions,
    .bucket_set_versioning = sq_bucket_set_versioning,
    .obj_delete = sq_obj_delete,
    .list = sq_list,
    .conf_put = sq_conf_put,
    .conf_get = sq_conf_get,
    .conf_delete = sq_conf_delete,
    .conf_list = sq_conf_list,
    .stats = sq_totals_count, /* the kept totals: no scan of objects */
    .bucket_stats = sq_bucket_stats,
    .reset = sq_reset,
    .snapshot_save = sq_snapshot_save,
    .snapshot_restore = sq_snapshot_restore,
    .snapshot_list = sq_snapshot_list,
    .snapshot_delete = sq_snapshot_delete,
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

/* Give the tables of owned_tables an owner column where they lack one (a
 * new root, or one written before owners were kept): the rows already there
 * read as the default owner's, without being rewritten. SQLite's code. */
static int schema_owners(struct sq_store *s, struct conn *c, char **msg)
{
    for (size_t i = 0; i < sizeof owned_tables / sizeof *owned_tables; i++) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(
            c->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = 'owner'", -1, &q, NULL);
        if (rc != SQLITE_OK) return rc;
        sqlite3_bind_text(q, 1, owned_tables[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW) continue;
        if (rc != SQLITE_DONE) return rc;
        char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN owner TEXT NOT NULL DEFAULT %Q",
                                    owned_tables[i], s->default_owner);
        if (!sql) return SQLITE_NOMEM;
        rc = sqlite3_exec(c->db, sql, NULL, NULL, msg);
        sqlite3_free(sql);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/* Give the tables of acl_tables an acl column where they lack one: rows
 * already there have none (their owner's FULL_CONTROL). */
static int schema_acls(struct conn *c, char **msg)
{
    for (size_t i = 0; i < sizeof acl_tables / sizeof *acl_tables; i++) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = 'acl'",
                                    -1, &q, NULL);
        if (rc != SQLITE_OK) return rc;
        sqlite3_bind_text(q, 1, acl_tables[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW) continue;
        if (rc != SQLITE_DONE) return rc;
        char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN acl TEXT NOT NULL DEFAULT ''",
                                    acl_tables[i]);
        if (!sql) return SQLITE_NOMEM;
        rc = sqlite3_exec(c->db, sql, NULL, NULL, msg);
        sqlite3_free(sql);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/* Add the columns of added_columns that a table lacks (an older root). */
static int schema_columns(struct conn *c, char **msg)
{
    for (size_t i = 0; i < sizeof added_columns / sizeof *added_columns; i++) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
                                    -1, &q, NULL);
        if (rc != SQLITE_OK) return rc;
        sqlite3_bind_text(q, 1, added_columns[i].table, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, added_columns[i].name, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW) continue;
        if (rc != SQLITE_DONE) return rc;
        char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s %s", added_columns[i].table,
                                    added_columns[i].name, added_columns[i].decl);
        if (!sql) return SQLITE_NOMEM;
        rc = sqlite3_exec(c->db, sql, NULL, NULL, msg);
        sqlite3_free(sql);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/* A root older than versions keys a multipart object's parts by bucket and
 * key only: rebuild the table keyed by version too, in one transaction
 * (their version, the null one, has seq 0). */
static int schema_object_parts(struct conn *c, char **msg)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        c->db, "SELECT 1 FROM pragma_table_info('object_parts') WHERE name = 'seq'", -1, &q, NULL);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW) return SQLITE_OK;
    if (rc != SQLITE_DONE) return rc;
    rc = sqlite3_exec(
        c->db,
        "BEGIN IMMEDIATE;"
        "CREATE TABLE object_parts_v5 ("
        " bucket TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,"
        " num INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, checksum TEXT NOT NULL,"
        " blob TEXT NOT NULL, PRIMARY KEY (bucket, key, seq, idx)) WITHOUT ROWID;"
        "INSERT INTO object_parts_v5 SELECT bucket, key, 0, idx, num, size, etag, checksum, blob"
        " FROM object_parts;"
        "DROP TABLE object_parts;"
        "ALTER TABLE object_parts_v5 RENAME TO object_parts;"
        "CREATE INDEX object_parts_blob ON object_parts(blob);"
        "COMMIT;",
        NULL, NULL, msg);
    if (rc != SQLITE_OK) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Create what the schema lacks; each step is atomic and skipped once done,
 * so an upgrade cut short resumes at the next start. On a current database
 * this writes nothing (every CREATE ... IF NOT EXISTS finds its table, the
 * owner columns are there, the version is only written when it differs), so
 * that a start on a full disk works. */
static int schema_apply(struct sq_store *s, struct conn *c, char *err, size_t errlen)
{
    char *msg = NULL;
    int ret = STORE_OK;
    if (sqlite3_exec(c->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK ||
        sq_conf_schema(c->db, &msg) != SQLITE_OK || schema_owners(s, c, &msg) != SQLITE_OK ||
        schema_acls(c, &msg) != SQLITE_OK || schema_columns(c, &msg) != SQLITE_OK ||
        schema_object_parts(c, &msg) != SQLITE_OK || sq_totals_schema(c->db, &msg) != SQLITE_OK)
        goto fail;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) goto fail;
    int version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    if (version < 0) goto fail;
    s->schema_was = version;
    if (version != SCHEMA_VERSION) {
        char sql[48];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) goto fail;
    }
    return STORE_OK;
fail:
    ret = db_err(c);
    snprintf(err, errlen, "%s: %s", sqlite3_db_filename(c->db, "main"),
             msg ? msg : sqlite3_errmsg(c->db));
    sqlite3_free(msg);
    return ret;
}

int sq_after_restore(store_t *st)
{
    struct sq_store *s = SQ(st);
    struct conn *c = conn_get(s);
    if (!c) return store_errno_code(errno);
    char err[512];
    int ret = schema_apply(s, c, err, sizeof err);
    if (ret) {
        util_err("store: %s", err);
        return ret;
    }
    sqlite3_stmt *q = stmt(c, S_MAX_SEQ);
    if (!q) return db_err(c);
    if (sqlite3_step(q) != SQLITE_ROW) {
        ret = db_err(c);
        sqlite3_reset(q);
        return ret;
    }
    int64_t max = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    /* Called with writes held off: no one else gives numbers out now. The
     * restored database's reservation is its own: the next number writes
     * one for this one. */
    if (max > s->seq) s->seq = max;
    s->reserved = 0;
    return STORE_OK;
}

store_t *store_sqlite_open(const char *root, const store_options_t *opt, char *err, size_t errlen)
{
    struct sq_store *s = xcalloc(1, sizeof *s);
    s->base.ops = &sq_ops;
    s->rootfd = s->lockfd = -1;
    s->sync = opt && opt->sync;
    snprintf(s->default_owner, sizeof s->default_owner, "%s",
             opt && opt->default_owner ? opt->default_owner : "");
    s->root = xstrdup(root);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->pin_mu, NULL);
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
    store_reserve_init(&s->reserve, s->rootfd, RESERVE_BYTES);
    struct conn *c = conn_open(s, err, errlen);
    if (!c) goto fail;
    /* On a full disk even reading needs room (the WAL index): the reserve
     * is there for that too. */
    int ret = schema_apply(s, c, err, errlen);
    if (ret == STORE_ENOSPC && store_reserve_release(&s->reserve))
        ret = schema_apply(s, c, err, errlen);
    if (ret) goto fail;
    /* Above every number reserved, else (a root older than seq_reserve, or
     * last written by an older fakes3) above every number stored. Nothing
     * is reserved in this run yet. */
    sqlite3_stmt *q = s->schema_was == SCHEMA_VERSION ? stmt(c, S_SEQ_RESERVED) : NULL;
    int rc = q ? sqlite3_step(q) : SQLITE_DONE;
    if (rc == SQLITE_ROW) s->seq = sqlite3_column_int64(q, 0);
    if (q) sqlite3_reset(q);
    if (rc == SQLITE_DONE) {
        q = stmt(c, S_MAX_SEQ);
        rc = q ? sqlite3_step(q) : SQLITE_ERROR;
        if (rc == SQLITE_ROW) s->seq = sqlite3_column_int64(q, 0);
        if (q) sqlite3_reset(q);
    }
    if (rc != SQLITE_ROW) {
        snprintf(err, errlen, "%s: %s", root, sqlite3_errmsg(c->db));
        goto fail;
    }
    int removed = sq_sweep_tmp(s->rootfd);
    if (removed) util_log("store: swept %d unreferenced file(s)", removed);
    s->state = sq_state_open(s->root, s->rootfd);
    s->sweep = sq_sweep_start(&s->base);
    if (store_reserve_ensure(&s->reserve) == STORE_ENOSPC)
        util_log("store: the disk holding %s is full: writes answer 'no space' until deletes "
                 "free %u MiB",
                 root, RESERVE_BYTES >> 20);
    return &s->base;
fail:
    sq_close(&s->base);
    return NULL;
}
