/* Listing in the SQLite backend: the current objects of a bucket
 * (ListObjects) and every version and delete marker (ListObjectVersions),
 * both as index range scans in key order, a delimiter's common prefix
 * skipped with one seek. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "store/space.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

/* ---- listing ---- */

void store_list_free(store_list_res_t *res)
{
    for (size_t i = 0; i < res->n; i++)
        free(res->ents[i].key);
    free(res->ents);
    res->ents = NULL;
    res->n = 0;
}

int sq_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
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

/* Where k rolls up under a delimiter: the length of its common prefix (the
 * request's prefix through the first delimiter after it), or 0 if it does
 * not. k must start with the prefix. */
size_t sq_rollup_len(const char *k, size_t kn, size_t prefix_len, const char *delim,
                     size_t delim_len)
{
    if (!delim || !delim_len) return 0;
    const char *d = memmem(k + prefix_len, kn - prefix_len, delim, delim_len);
    return d ? (size_t)(d - k) + delim_len : 0;
}

/* Move the cursor cur past every key that starts with k[0..n), for a walk in
 * key order that skips a whole common prefix with one seek. 0 when no key
 * can follow (the walk is over). */
size_t sq_seek_past(buf_t *cur, const char *k, size_t n)
{
    buf_reset(cur);
    buf_append(cur, k, n);
    cur->len = successor(cur->p, cur->len);
    return cur->len;
}

enum { ROW_ENTRY, ROW_PAST_PREFIX, ROW_ROLLED_UP, ROW_LAST_PREFIX };

/* What a listed row k is: past the prefix (the listing ends), rolled up
 * into a common prefix (pushed unless it is not after req->after; cur then
 * seeks past it; ROW_LAST_PREFIX when nothing can follow), or an entry for
 * the caller to push. */
static int row_step(const store_list_req_t *req, const char *k, size_t kn, store_list_res_t *res,
                    size_t *cap, buf_t *cur)
{
    if (kn < req->prefix_len || memcmp(k, req->prefix, req->prefix_len) != 0)
        return ROW_PAST_PREFIX;
    size_t cn = sq_rollup_len(k, kn, req->prefix_len, req->delim, req->delim_len);
    if (!cn) return ROW_ENTRY;
    if (!req->after || sq_bytes_cmp(k, cn, req->after, req->after_len) > 0) {
        store_list_ent_t *e = list_push(res, cap);
        e->key = xstrndup(k, cn);
        e->key_len = cn;
        e->is_prefix = 1;
    }
    return sq_seek_past(cur, k, cn) ? ROW_ROLLED_UP : ROW_LAST_PREFIX;
}

int sq_list(store_t *st, const char *bucket, const store_list_req_t *req, store_list_res_t *res)
{
    memset(res, 0, sizeof *res);
    struct conn *c = sq_conn(st);
    if (!c) return store_errno_code(errno);
    int ret = sq_exec(c, S_BEGIN_R);
    if (ret) return ret;
    if ((ret = sq_bucket_exists(c, bucket)) != STORE_OK) goto done;
    size_t cap = 0;
    const size_t want = (size_t)req->max + 1; /* one more tells whether it is truncated */
    /* Where to start: after the marker, or at the prefix if that is later. */
    buf_t cur = BUF_INIT;
    int inclusive;
    if (req->after && sq_bytes_cmp(req->after, req->after_len, req->prefix, req->prefix_len) >= 0) {
        buf_append(&cur, req->after, req->after_len);
        inclusive = 0;
    } else {
        buf_append(&cur, req->prefix ? req->prefix : "", req->prefix_len);
        inclusive = 1;
    }
    int finished = req->max == 0;
    while (!finished && res->n < want) {
        sqlite3_stmt *q = sq_stmt(c, inclusive ? S_LIST_GE : S_LIST_GT);
        if (!q) {
            ret = STORE_EIO;
            break;
        }
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, cur.p ? cur.p : "", (int)cur.len, SQLITE_TRANSIENT);
        /* Rows wanted, plus a few in case some roll up into one prefix. */
        size_t batch = want - res->n;
        sqlite3_bind_int(q, 3, (int)(batch > 1024 ? 1024 : batch) + 16);
        int rc, rows = 0, jumped = 0;
        while (res->n < want && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            rows++;
            const char *k = sqlite3_column_blob(q, 0);
            size_t kn = (size_t)sqlite3_column_bytes(q, 0);
            if (!k) k = "";
            int step = row_step(req, k, kn, res, &cap, &cur);
            if (step == ROW_PAST_PREFIX) {
                finished = 1;
                break;
            }
            if (step != ROW_ENTRY) {
                if (step == ROW_LAST_PREFIX) finished = 1;
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
            snprintf(e->sclass, sizeof e->sclass, "%s", (const char *)sqlite3_column_text(q, 4));
            sq_col_text(q, 5, e->owner, sizeof e->owner);
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
    sq_exec(c, S_COMMIT);
    if (ret) store_list_free(res);
    return ret;
}

/* One version row (S_VLIST_*) as an entry. */
static void vent_read(sqlite3_stmt *q, const char *k, size_t kn, store_list_ent_t *e)
{
    e->key = xstrndup(k, kn);
    e->key_len = kn;
    const char *vid = (const char *)sqlite3_column_text(q, 2);
    snprintf(e->vid, sizeof e->vid, "%s", vid && *vid ? vid : "null");
    e->dm = sqlite3_column_int(q, 3);
    e->size = (uint64_t)sqlite3_column_int64(q, 4);
    sq_col_text(q, 5, e->etag, sizeof e->etag);
    e->mtime_ms = sqlite3_column_int64(q, 6);
    sq_col_text(q, 7, e->sclass, sizeof e->sclass);
    sq_col_text(q, 8, e->owner, sizeof e->owner);
}

/* The seq of bucket/key's version vid: STORE_ENOVERSION when it has none. */
static int version_seq(struct conn *c, const char *bucket, const char *key, size_t kn,
                       const char *vid, int64_t *seq)
{
    char want[40];
    int ret = sq_vid_parse(vid, want, seq);
    if (ret) return ret == STORE_EBADVERSION ? STORE_ENOVERSION : ret;
    /* The null version's seq is known only from its row. */
    sqlite3_stmt *q = sq_stmt(c, S_VLIST_IN);
    if (!q) return sq_db_err(c);
    sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, key, (int)kn, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, -1);
    sqlite3_bind_int64(q, 4, *seq < 0 ? INT64_MAX : *seq + 1);
    int rc;
    ret = STORE_ENOVERSION;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(q, 2), want) == 0) {
            *seq = sqlite3_column_int64(q, 1);
            ret = STORE_OK;
            break;
        }
        if (*seq >= 0) break; /* only the row with that seq can match */
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sq_db_err(c);
    return ret;
}

int sq_list_versions(store_t *st, const char *bucket, const store_list_req_t *req,
                     store_list_res_t *res)
{
    memset(res, 0, sizeof *res);
    struct conn *c = sq_conn(st);
    if (!c) return store_errno_code(errno);
    int ret = sq_exec(c, S_BEGIN_R);
    if (ret) return ret;
    if ((ret = sq_bucket_exists(c, bucket)) != STORE_OK) goto done;
    size_t cap = 0;
    const size_t want = (size_t)req->max + 1; /* one more tells whether it is truncated */
    /* The cursor: a key, and either a seq inside it (resume after that
     * version) or whether the key itself is included. */
    buf_t cur = BUF_INIT;
    int inclusive = 1, in_key = 0;
    int64_t seq = 0;
    if (req->after && sq_bytes_cmp(req->after, req->after_len, req->prefix, req->prefix_len) >= 0) {
        buf_append(&cur, req->after, req->after_len);
        inclusive = 0;
        if (req->after_vid) {
            ret = version_seq(c, bucket, req->after, req->after_len, req->after_vid, &seq);
            if (ret) goto done_cur;
            in_key = 1;
        }
    } else {
        buf_append(&cur, req->prefix ? req->prefix : "", req->prefix_len);
    }
    int finished = req->max == 0;
    while (!finished && res->n < want) {
        sqlite3_stmt *q = sq_stmt(c, in_key ? S_VLIST_IN : inclusive ? S_VLIST_GE : S_VLIST_GT);
        if (!q) {
            ret = STORE_EIO;
            break;
        }
        sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, cur.p ? cur.p : "", (int)cur.len, SQLITE_TRANSIENT);
        size_t batch = want - res->n;
        int limit = (int)(batch > 1024 ? 1024 : batch) + 16;
        sqlite3_bind_int(q, 3, limit);
        if (in_key) sqlite3_bind_int64(q, 4, seq);
        int rc, rows = 0, jumped = 0, was_in_key = in_key;
        /* The first row of a key is its current version, unless the listing
         * resumed inside the key. */
        int key_seen = was_in_key;
        while (res->n < want && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            rows++;
            const char *k = sqlite3_column_blob(q, 0);
            size_t kn = (size_t)sqlite3_column_bytes(q, 0);
            if (!k) k = "";
            int step = row_step(req, k, kn, res, &cap, &cur);
            if (step == ROW_PAST_PREFIX) {
                finished = 1;
                break;
            }
            if (step != ROW_ENTRY) {
                if (step == ROW_LAST_PREFIX) finished = 1;
                inclusive = 1;
                in_key = 0;
                jumped = 1;
                break;
            }
            int new_key = cur.len != kn || memcmp(cur.p ? cur.p : "", k, kn) != 0;
            if (new_key) key_seen = 0;
            store_list_ent_t *e = list_push(res, &cap);
            vent_read(q, k, kn, e);
            e->latest = !key_seen;
            key_seen = 1;
            buf_reset(&cur);
            buf_append(&cur, k, kn);
            seq = sqlite3_column_int64(q, 1);
            in_key = 1; /* a batch cut here resumes inside this key */
        }
        sqlite3_reset(q);
        if (jumped || finished || res->n >= want) continue;
        if (rows < limit) { /* the query ran dry */
            if (was_in_key) {
                in_key = 0; /* the rest of that key is listed: go on after it */
                inclusive = 0;
            } else {
                finished = 1;
            }
        } /* else the batch was cut: resume inside the last key */
    }
done_cur:
    buf_free(&cur);
    if (res->n == want) {
        res->truncated = 1;
        res->n--;
        free(res->ents[res->n].key);
    }
done:
    sq_exec(c, S_COMMIT);
    if (ret) store_list_free(res);
    return ret;
}
