/* store_sqlite_int — what the SQLite backend's files share. Internal to
 * src/store/: store_sqlite.c owns the connections (one per thread, each
 * with its prepared statements), the open and the write paths;
 * store_sqlite_list.c lists objects and versions; store_sqlite_conf.c keeps
 * the bucket configurations; store_sqlite_state.c counts, resets and keeps
 * snapshots of the whole state; store_sqlite_stats.c keeps each bucket's
 * totals by trigger. */
#ifndef FAKES3_STORE_SQLITE_INT_H
#define FAKES3_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/store.h"

/* The prepared statements every connection keeps (SQL in store_sqlite.c). */
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
    S_BUCKET_LIST_OWNER,
    S_BUCKET_SET_VERSIONING,
    S_OBJ_GET,
    S_OBJ_BLOB,
    S_OBJ_UPSERT,
    S_OBJ_SET_ACL,
    S_OBJ_SET_LOCK,
    S_OBJ_SET_TAGS,
    S_OBJ_SET_RESTORE,
    S_OBJ_SET_CLASS,
    S_OBJ_DELETE,
    S_OBJ_TO_VERSIONS,
    S_VER_GET_SEQ,
    S_VER_GET_NULL,
    S_VER_TOP,
    S_VER_TO_OBJ,
    S_VER_DELETE,
    S_VER_SET_ACL,
    S_VER_SET_LOCK,
    S_VER_SET_TAGS,
    S_VER_SET_RESTORE,
    S_VER_SET_CLASS,
    S_VER_MARKER,
    S_MAX_SEQ,
    S_SEQ_RESERVED,
    S_SEQ_RESERVE,
    S_LIST_GT,
    S_LIST_GE,
    S_BLOB_USED,
    S_OPARTS_GET,
    S_OPARTS_DELETE,
    S_OPARTS_INSERT,
    S_UP_INSERT,
    S_UP_GET,
    S_UP_DELETE,
    S_UP_LIST,
    S_PART_BLOB,
    S_PART_UPSERT,
    S_PART_LIST,
    S_PART_ALL_BLOBS,
    S_PART_DELETE_ALL,
    S_UP_BUCKET_HAS,
    S_VLIST_GE,
    S_VLIST_GT,
    S_VLIST_IN,
    S_CONF_GET,
    S_COUNT
};

struct conn;

/* The calling thread's connection to st's database; NULL on failure. */
sqlite3 *sq_db(store_t *st);
/* The same, with its statements; NULL (errno set) on failure. */
struct conn *sq_conn(store_t *st);
/* Statement id of c, reset and ready to bind; NULL on failure. */
sqlite3_stmt *sq_stmt(struct conn *c, enum stmt_id id);
/* Run a statement that takes no parameters (BEGIN, COMMIT...); a store code. */
int sq_exec(struct conn *c, enum stmt_id id);
/* The store code for c's last SQLite error. */
int sq_db_err(struct conn *c);
/* Copy a text column into out (n bytes, NUL-terminated; "" for NULL). */
void sq_col_text(sqlite3_stmt *q, int col, char *out, size_t n);
/* STORE_OK when the bucket exists, STORE_ENOBUCKET, STORE_EIO. */
int sq_bucket_exists(struct conn *c, const char *bucket);
/* A version id as callers name it: "null" (stored as "", *seq = -1) or one
 * the backend made (stored as is, *seq its sequence number);
 * STORE_EBADVERSION otherwise. */
int sq_vid_parse(const char *vid, char stored[40], int64_t *seq);

/* Listing (store_sqlite_list.c). */
/* Compare byte strings as SQLite orders BLOBs. */
int sq_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);
/* With a delimiter: the length of the common prefix key k rolls up into
 * (past prefix_len, through the delimiter), or 0. */
size_t sq_rollup_len(const char *k, size_t kn, size_t prefix_len, const char *delim,
                     size_t delim_len);
/* Move cur to the first key after every key starting with k[0..n); 0 when
 * there is none. */
size_t sq_seek_past(buf_t *cur, const char *k, size_t n);
int sq_list(store_t *st, const char *bucket, const store_list_req_t *req, store_list_res_t *res);
int sq_list_versions(store_t *st, const char *bucket, const store_list_req_t *req,
                     store_list_res_t *res);

/* Bucket configurations (store_sqlite_conf.c). */
/* Create what they need in an existing or new database (idempotent: an
 * older root gains the table in place); SQLite's error code. */
int sq_conf_schema(sqlite3 *db, char **errmsg);
int sq_conf_put(store_t *st, const char *bucket, const char *name, const void *doc, size_t len);
int sq_conf_get(store_t *st, const char *bucket, const char *name, char **doc, size_t *len);
int sq_conf_delete(store_t *st, const char *bucket, const char *name);
int sq_conf_list(store_t *st, const char *bucket, const char *prefix, const char *after,
                 unsigned max, store_conf_t **out, size_t *n);

/* Per-bucket totals (store_sqlite_stats.c). */
/* Create the totals table and its triggers where any is missing (an older
 * root or snapshot) and fill the table from the rows, in one transaction;
 * writes nothing when all are there. SQLite's error code. */
int sq_totals_schema(sqlite3 *db, char **errmsg);
int sq_bucket_stats(store_t *st, store_bucket_stats_t **out, size_t *n);
/* Buckets and current objects from the totals (no scan). */
int sq_totals_count(store_t *st, uint64_t *buckets, uint64_t *objects);

/* The whole state (store_sqlite_state.c). */
struct sq_state;
/* The state's lock and trash for the store on root (its descriptor rootfd, not owned): what a
 * crash left in snapshots/ half made goes to <root>/trash/, which a
 * background thread empties (also what a reset moves aside). Never NULL. */
struct sq_state *sq_state_open(const char *root, int rootfd);
/* Stop the trash thread (what it did not remove stays for the next start)
 * and free. */
void sq_state_close(struct sq_state *ss);
/* The state lock, a writer-preferring rwlock: write paths that move files
 * into blobs/ or unlink them after a commit hold it shared from the first
 * such step to the last, never across a return to their caller; reset,
 * snapshot save and restore hold it exclusive, so that they see rows and
 * files agree and no write is half done. */
void sq_writes_enter(struct sq_state *ss);
void sq_writes_leave(struct sq_state *ss);
/* The same lock exclusive, for the sweep (store_sqlite_sweep.c): no write
 * is between moving a file and committing its row meanwhile. */
void sq_state_exclusive(struct sq_state *ss);
void sq_state_release(struct sq_state *ss);
/* The two integers (negative ones as 0) of the one row sql answers on db. */
int sq_count_pair(sqlite3 *db, const char *sql, uint64_t *a, uint64_t *b);
int sq_reset(store_t *st, const char *bucket);
int sq_snapshot_save(store_t *st, const char *name, store_snapshot_t *out);
int sq_snapshot_restore(store_t *st, const char *name);
int sq_snapshot_list(store_t *st, store_snapshot_t **out, size_t *n);
int sq_snapshot_delete(store_t *st, const char *name);

/* The sweep of unreferenced files (store_sqlite_sweep.c). */
struct sq_sweep;
/* Empty tmp/ under rootfd (at open, before any write); the number removed. */
int sq_sweep_tmp(int rootfd);
/* Start sweeping blobs/ of st in a background thread that logs what it
 * removed; NULL (logged) if it cannot start: the files wait for the next
 * start. */
struct sq_sweep *sq_sweep_start(store_t *st);
/* Stop the sweep within a file and wait for it; NULL is a no-op. */
void sq_sweep_stop(struct sq_sweep *w);
/* Whether blob id is retired but kept for a reader still holding it. */
int sq_blob_doomed(store_t *st, const char *id);

/* What store_sqlite_state.c needs of store_sqlite.c. */
/* st's state, root descriptor and whether it fsyncs. */
struct sq_state *sq_state_of(store_t *st);
int sq_rootfd(store_t *st);
/* Blobs retired while a reader had their object open are no longer
 * unlinked when it lets go (a reset moved them away, a restore decides
 * about each file itself). */
void sq_forget_doomed(store_t *st);
/* After the database was replaced (a restore): bring an older schema up to
 * date and make new version numbers follow every one it holds. */
int sq_after_restore(store_t *st);
/* Give the disk-full reserve back (space.h); 1 if it was held. */
int sq_reserve_release(store_t *st);

#endif
