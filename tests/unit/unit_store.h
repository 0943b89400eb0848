/* unit_store — the fixture of the SQLite store's unit tests: a fresh root
 * under /tmp for each test, the store opened on it, and both gone after. */
#ifndef FAKES3_UNIT_STORE_H
#define FAKES3_UNIT_STORE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"

typedef struct fx {
    char root[64];
    store_t *st; /* closed by unit_store_teardown when not NULL */
} fx_t;

/* The SQLite store on root with opt; fails the test when it does not open. */
static inline store_t *unit_store_open(const char *root, const store_options_t *opt)
{
    char err[256] = "";
    store_t *st = store_sqlite_open(root, opt, err, sizeof err);
    if (!st) fail_msg("store_sqlite_open(%s): %s", root, err);
    return st;
}

/* *state = a new fx_t with a fresh root made from template (a mkdtemp
 * pattern) and no store yet; -1 on failure. */
static inline int unit_store_setup(void **state, const char *template)
{
    fx_t *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->root, sizeof f->root, "%s", template);
    if (!mkdtemp(f->root)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int unit_store_rm_entry(const char *path, const struct stat *sb, int type,
                                      struct FTW *ftw)
{
    (void)sb, (void)type, (void)ftw;
    return remove(path);
}

/* Closes the fixture's store, removes its root and frees it. */
static inline int unit_store_teardown(void **state)
{
    fx_t *f = *state;
    if (f->st) f->st->ops->close(f->st);
    nftw(f->root, unit_store_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Put body as bucket/key (etag "e-" and the body's first 40 bytes;
 * autocreate as put_commit's); its version id into vid (may be NULL). */
static inline void unit_store_put(store_t *st, const char *bucket, const char *key,
                                  const char *body, int autocreate, char *vid)
{
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, body, strlen(body)), STORE_OK);
    store_obj_t meta = {0};
    meta.size = strlen(body);
    snprintf(meta.etag, sizeof meta.etag, "e-%.40s", body);
    meta.headers = "";
    assert_int_equal(st->ops->put_commit(p, bucket, key, strlen(key), &meta, autocreate, NULL),
                     STORE_OK);
    if (vid) memcpy(vid, meta.vid, 40);
    free(meta.blob);
}

/* Copy from/fkey to to/tkey through put_begin_from (the bytes shared: a
 * hard link of the source's file, with its times). */
static inline void unit_store_copy(store_t *st, const char *from, const char *fkey, const char *to,
                                   const char *tkey)
{
    store_obj_t o = {0};
    store_reader_t *rd;
    assert_int_equal(st->ops->obj_open(st, from, fkey, strlen(fkey), NULL, &o, &rd), STORE_OK);
    store_put_t *p;
    assert_int_equal(st->ops->put_begin_from(st, rd, &p), STORE_OK);
    store_obj_t meta = {0};
    meta.size = o.size;
    memcpy(meta.etag, o.etag, sizeof meta.etag);
    meta.headers = "";
    assert_int_equal(st->ops->put_commit(p, to, tkey, strlen(tkey), &meta, 0, NULL), STORE_OK);
    free(meta.blob);
    st->ops->reader_close(rd);
    store_obj_free(&o);
}

#endif
