/* store_sqlite_int — what the SQLite backend's files share. Internal to
 * src/store/: store_sqlite.c owns the connections (one per thread) and the
 * open; store_sqlite_conf.c keeps the bucket configurations. */
#ifndef FAKES3_STORE_SQLITE_INT_H
#define FAKES3_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>

#include "store/store.h"

/* The calling thread's connection to st's database; NULL on failure. */
sqlite3 *sq_db(store_t *st);

/* Bucket configurations (store_sqlite_conf.c). */
/* Create what they need in an existing or new database (idempotent: an
 * older root gains the table in place); SQLite's error code. */
int sq_conf_schema(sqlite3 *db, char **errmsg);
int sq_conf_put(store_t *st, const char *bucket, const char *name, const void *doc, size_t len);
int sq_conf_get(store_t *st, const char *bucket, const char *name, char **doc, size_t *len);
int sq_conf_delete(store_t *st, const char *bucket, const char *name);

#endif
