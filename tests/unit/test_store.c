#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "store/store.h"
#include "unit_store.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static store_t *open_root(const char *root)
{
    store_options_t opt = {.default_owner = "dflt"};
    return unit_store_open(root, &opt);
}

/* Each test gets a fresh root under /tmp and a store open on it. */
static int setup(void **state)
{
    if (unit_store_setup(state, "/tmp/fakes3-store-XXXXXX")) return -1;
    fx_t *f = *state;
    f->st = open_root(f->root);
    return 0;
}

static void reopen(fx_t *f)
{
    f->st->ops->close(f->st);
    f->st = NULL;
    f->st = open_root(f->root);
}

/* ---- small helpers ---- */

/* Store data under bucket/key in one put; meta (if given) gets what commit
 * filled in, else it is released. */
static int put_meta(store_t *st, const char *bucket, const void *key, size_t klen, const void *data,
                    size_t n, int autocreate, store_obj_t *out)
{
    store_put_t *p = NULL;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_non_null(p);
    /* In two pieces, so that appending is exercised. */
    size_t half = n / 2;
    if (half) assert_int_equal(st->ops->put_write(p, data, half), STORE_OK);
    if (n - half)
        assert_int_equal(st->ops->put_write(p, (const char *)data + half, n - half), STORE_OK);
    store_obj_t meta;
    memset(&meta, 0, sizeof meta);
    meta.size = n;
    snprintf(meta.etag, sizeof meta.etag, "etag-%zu-%02x", n, n ? *(const unsigned char *)data : 0);
    meta.headers = xstrdup("Content-Type: text/plain\nx-amz-meta-a: 1\n");
    int rc = st->ops->put_commit(p, bucket, key, klen, &meta, autocreate, NULL);
    if (out)
        *out = meta;
    else
        store_obj_free(&meta);
    return rc;
}

static int put(store_t *st, const char *bucket, const void *key, size_t klen, const char *data)
{
    return put_meta(st, bucket, key, klen, data, strlen(data), 1, NULL);
}
#define PUTS(st, bucket, key, data) put((st), (bucket), (key), strlen(key), (data))

/* The bytes of bucket/key as a new string (NULL if obj_get failed; *rc gets its
 * code); the object's metadata goes to meta if given. */
static char *get_meta(store_t *st, const char *bucket, const void *key, size_t klen, int *rc,
                      size_t *len, store_obj_t *meta)
{
    store_obj_t o;
    int fd = -1;
    *rc = st->ops->obj_get(st, bucket, key, klen, NULL, &o, &fd);
    if (*rc != STORE_OK) return NULL;
    assert_true(fd >= 0);
    buf_t b = BUF_INIT;
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) > 0)
        buf_append(&b, tmp, (size_t)r);
    assert_int_equal(r, 0);
    close(fd);
    assert_int_equal(o.size, b.len);
    if (len) *len = b.len;
    if (meta)
        *meta = o;
    else
        store_obj_free(&o);
    return b.p ? buf_take(&b) : calloc(1, 1);
}

static char *get(store_t *st, const char *bucket, const char *key, int *rc)
{
    return get_meta(st, bucket, key, strlen(key), rc, NULL, NULL);
}

/* Fail unless bucket/key holds exactly want. */
static void expect_obj(store_t *st, const char *bucket, const void *key, size_t klen,
                       const void *want, size_t wn)
{
    int rc;
    size_t n = 0;
    char *got = get_meta(st, bucket, key, klen, &rc, &n, NULL);
    if (rc != STORE_OK) fail_msg("obj_get: %d", rc);
    int same = n == wn && memcmp(got, want, wn) == 0;
    free(got);
    assert_true(same);
}

/* Regular files under root/sub, recursively. */
static int nfiles_count;
static int count_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)path, (void)sb, (void)ftw;
    if (type == FTW_F) nfiles_count++;
    return 0;
}
static int count_files(const fx_t *f, const char *sub)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->root, sub);
    nfiles_count = 0;
    assert_int_equal(nftw(p, count_entry, 16, FTW_PHYS), 0);
    return nfiles_count;
}

static int blob_exists(const fx_t *f, const char *id)
{
    char p[256];
    snprintf(p, sizeof p, "%s/blobs/%.2s/%s", f->root, id, id);
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static int path_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* ---- buckets ---- */

static void test_buckets(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    int64_t t0 = util_now_ms();
    assert_int_equal(st->ops->bucket_create(st, "b1", "us-east-1", "o1"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "b1", "us-east-1", "o1"), STORE_EEXIST);
    assert_int_equal(st->ops->bucket_create(st, "b1", "eu-west-1", "o1"), STORE_EEXIST);
    store_bucket_t b;
    memset(&b, 0x5a, sizeof b);
    assert_int_equal(st->ops->bucket_get(st, "b1", &b), STORE_OK);
    assert_string_equal(b.name, "b1");
    assert_string_equal(b.region, "us-east-1");
    assert_true(b.created_ms >= t0 && b.created_ms <= util_now_ms());
    assert_int_equal(st->ops->bucket_get(st, "b1", NULL), STORE_OK);
    assert_int_equal(st->ops->bucket_get(st, "nope", &b), STORE_ENOBUCKET);
    assert_int_equal(st->ops->bucket_get(st, "B1", NULL), STORE_ENOBUCKET);
    assert_int_equal(st->ops->bucket_get(st, "b", NULL), STORE_ENOBUCKET);

    /* A NULL region is stored as "". */
    assert_int_equal(st->ops->bucket_create(st, "c2", NULL, "o1"), STORE_OK);
    assert_int_equal(st->ops->bucket_get(st, "c2", &b), STORE_OK);
    assert_string_equal(b.region, "");
    /* 63 characters, the longest name S3 allows. */
    const char *longname = "a23456789012345678901234567890123456789012345678901234567890123";
    assert_int_equal(strlen(longname), 63);
    assert_int_equal(st->ops->bucket_create(st, longname, "r", "o1"), STORE_OK);
    assert_int_equal(st->ops->bucket_get(st, longname, &b), STORE_OK);
    assert_string_equal(b.name, longname);

    store_bucket_t *all = NULL;
    size_t n = 99;
    assert_int_equal(st->ops->bucket_list(st, NULL, &all, &n), STORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(all[0].name, longname); /* by name */
    assert_string_equal(all[1].name, "b1");
    assert_string_equal(all[2].name, "c2");
    assert_string_equal(all[1].region, "us-east-1");
    free(all);

    /* ENOBUCKET, ENOTEMPTY, then a delete that works. */
    assert_int_equal(st->ops->bucket_delete(st, "nope"), STORE_ENOBUCKET);
    assert_int_equal(PUTS(st, "b1", "k", "v"), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, "b1"), STORE_ENOTEMPTY);
    assert_int_equal(st->ops->bucket_get(st, "b1", NULL), STORE_OK);
    assert_int_equal(st->ops->obj_delete(st, "b1", "k", 1, NULL, NULL), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, "b1"), STORE_OK);
    assert_int_equal(st->ops->bucket_get(st, "b1", NULL), STORE_ENOBUCKET);
    assert_int_equal(st->ops->bucket_delete(st, "b1"), STORE_ENOBUCKET);
    assert_int_equal(st->ops->bucket_list(st, NULL, &all, &n), STORE_OK);
    assert_int_equal(n, 2);
    free(all);
    /* And it can be made again. */
    assert_int_equal(st->ops->bucket_create(st, "b1", "x", "o1"), STORE_OK);

    /* No buckets: an empty list. */
    assert_int_equal(st->ops->bucket_delete(st, "b1"), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, "c2"), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, longname), STORE_OK);
    assert_int_equal(st->ops->bucket_list(st, NULL, &all, &n), STORE_OK);
    assert_int_equal(n, 0);
    free(all);
}

/* ---- objects ---- */

static void test_put_get(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o1"), STORE_OK);
    int64_t t0 = util_now_ms();
    store_obj_t meta;
    assert_int_equal(put_meta(st, "b", "hello.txt", 9, "hello world", 11, 0, &meta), STORE_OK);
    assert_non_null(meta.blob);
    assert_true(meta.mtime_ms >= t0 && meta.mtime_ms <= util_now_ms());
    assert_true(blob_exists(f, meta.blob));
    assert_int_equal(count_files(f, "tmp"), 0);

    store_obj_t o;
    int rc;
    size_t n;
    char *got = get_meta(st, "b", "hello.txt", 9, &rc, &n, &o);
    assert_int_equal(rc, STORE_OK);
    assert_int_equal(n, 11);
    assert_memory_equal(got, "hello world", 11);
    free(got);
    assert_int_equal(o.key_len, 9);
    assert_memory_equal(o.key, "hello.txt", 9);
    assert_int_equal(o.size, 11);
    assert_string_equal(o.etag, meta.etag);
    assert_string_equal(o.headers, "Content-Type: text/plain\nx-amz-meta-a: 1\n");
    assert_string_equal(o.blob, meta.blob);
    assert_int_equal(o.mtime_ms, meta.mtime_ms);
    store_obj_free(&o);
    store_obj_free(&meta);
    assert_null(meta.blob);

    /* Without fd: metadata only. */
    memset(&o, 0x5a, sizeof o);
    assert_int_equal(st->ops->obj_get(st, "b", "hello.txt", 9, NULL, &o, NULL), STORE_OK);
    assert_int_equal(o.size, 11);
    store_obj_free(&o);

    /* Misses. */
    assert_null(get(st, "b", "hello.tx", &rc));
    assert_int_equal(rc, STORE_ENOKEY);
    assert_null(get(st, "b", "hello.txt2", &rc));
    assert_int_equal(rc, STORE_ENOKEY);
    assert_null(get(st, "nob", "hello.txt", &rc));
    assert_int_equal(rc, STORE_ENOBUCKET);

    /* An empty object, and headers left NULL. */
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    store_obj_t m0;
    memset(&m0, 0, sizeof m0);
    snprintf(m0.etag, sizeof m0.etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(st->ops->put_commit(p, "b", "empty", 5, &m0, 0, NULL), STORE_OK);
    store_obj_free(&m0);
    got = get_meta(st, "b", "empty", 5, &rc, &n, &o);
    assert_int_equal(rc, STORE_OK);
    assert_int_equal(n, 0);
    assert_string_equal(o.etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_string_equal(o.headers, "");
    free(got);
    store_obj_free(&o);

    /* A megabyte in 4 KiB writes. */
    size_t big = 1 << 20;
    unsigned char *data = malloc(big);
    assert_non_null(data);
    for (size_t i = 0; i < big; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 9));
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    for (size_t off = 0; off < big; off += 4096)
        assert_int_equal(st->ops->put_write(p, data + off, 4096), STORE_OK);
    memset(&m0, 0, sizeof m0);
    m0.size = big;
    assert_int_equal(st->ops->put_commit(p, "b", "big", 3, &m0, 0, NULL), STORE_OK);
    store_obj_free(&m0);
    expect_obj(st, "b", "big", 3, data, big);
    free(data);
}

static void test_autocreate(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    /* Off: NoSuchBucket, and nothing left behind. */
    assert_int_equal(put_meta(st, "auto", "k", 1, "v", 1, 0, NULL), STORE_ENOBUCKET);
    assert_int_equal(st->ops->bucket_get(st, "auto", NULL), STORE_ENOBUCKET);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 0);
    /* On: the bucket appears, with region "". */
    assert_int_equal(put_meta(st, "auto", "k", 1, "v", 1, 1, NULL), STORE_OK);
    store_bucket_t b;
    assert_int_equal(st->ops->bucket_get(st, "auto", &b), STORE_OK);
    assert_string_equal(b.region, "");
    expect_obj(st, "auto", "k", 1, "v", 1);
    /* On, into an existing bucket: its region is kept. */
    assert_int_equal(st->ops->bucket_create(st, "eu", "eu-west-1", "o1"), STORE_OK);
    assert_int_equal(put_meta(st, "eu", "k", 1, "w", 1, 1, NULL), STORE_OK);
    assert_int_equal(st->ops->bucket_get(st, "eu", &b), STORE_OK);
    assert_string_equal(b.region, "eu-west-1");
    assert_int_equal(count_files(f, "blobs"), 2);
}

static void test_overwrite_retires_old_blob(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    store_obj_t m1, m2, m3;
    assert_int_equal(put_meta(st, "b", "k", 1, "first", 5, 1, &m1), STORE_OK);
    assert_true(blob_exists(f, m1.blob));
    assert_int_equal(put_meta(st, "b", "k", 1, "second!", 7, 1, &m2), STORE_OK);
    assert_string_not_equal(m1.blob, m2.blob);
    assert_false(blob_exists(f, m1.blob));
    assert_true(blob_exists(f, m2.blob));
    assert_int_equal(count_files(f, "blobs"), 1);
    expect_obj(st, "b", "k", 1, "second!", 7);
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, "b", "k", 1, NULL, &o, NULL), STORE_OK);
    assert_int_equal(o.size, 7);
    assert_string_equal(o.etag, m2.etag);
    store_obj_free(&o);
    /* An empty body replaces too. */
    assert_int_equal(put_meta(st, "b", "k", 1, "", 0, 1, &m3), STORE_OK);
    assert_false(blob_exists(f, m2.blob));
    assert_int_equal(count_files(f, "blobs"), 1);
    expect_obj(st, "b", "k", 1, "", 0);
    store_obj_free(&m1);
    store_obj_free(&m2);
    store_obj_free(&m3);
}

static void test_delete(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    store_obj_t m;
    assert_int_equal(put_meta(st, "b", "k", 1, "data", 4, 1, &m), STORE_OK);
    assert_int_equal(PUTS(st, "b", "k2", "other"), STORE_OK);
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, NULL, NULL), STORE_OK);
    int rc;
    assert_null(get(st, "b", "k", &rc));
    assert_int_equal(rc, STORE_ENOKEY);
    assert_false(blob_exists(f, m.blob));
    assert_int_equal(count_files(f, "blobs"), 1);
    /* Deleting again, or a key that never was, is fine. */
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, NULL, NULL), STORE_OK);
    assert_int_equal(st->ops->obj_delete(st, "b", "never", 5, NULL, NULL), STORE_OK);
    assert_int_equal(st->ops->obj_delete(st, "nob", "k", 1, NULL, NULL), STORE_ENOBUCKET);
    /* The neighbour is untouched. */
    expect_obj(st, "b", "k2", 2, "other", 5);
    /* A deleted key can be written again. */
    assert_int_equal(PUTS(st, "b", "k", "again"), STORE_OK);
    expect_obj(st, "b", "k", 1, "again", 5);
    store_obj_free(&m);
}

static void test_put_abort_leaves_nothing(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o1"), STORE_OK);
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, "partial", 7), STORE_OK);
    assert_int_equal(count_files(f, "tmp"), 1); /* the body is received into tmp/ */
    st->ops->put_abort(p);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 0);
    /* Aborting right after begin. */
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    st->ops->put_abort(p);
    assert_int_equal(count_files(f, "tmp"), 0);
    store_list_req_t q = {.prefix = "", .max = 1000};
    store_list_res_t res;
    assert_int_equal(st->ops->list(st, "b", &q, &res), STORE_OK);
    assert_int_equal(res.n, 0);
    store_list_free(&res);
    /* Two puts in flight at once land in two files. */
    store_put_t *p2;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_begin(st, &p2), STORE_OK);
    assert_int_equal(count_files(f, "tmp"), 2);
    st->ops->put_abort(p2);
    store_obj_t m;
    memset(&m, 0, sizeof m);
    assert_int_equal(st->ops->put_commit(p, "b", "k", 1, &m, 0, NULL), STORE_OK);
    store_obj_free(&m);
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 1);
}

static void test_keys_are_rows_not_paths(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    static const char *const keys[] = {"a", "a/", "a/b", "a//b", "/a", "a/b/", "../../x", "."};
    for (size_t i = 0; i < NELEM(keys); i++) {
        char v[32];
        snprintf(v, sizeof v, "value of %s", keys[i]);
        assert_int_equal(PUTS(st, "b", keys[i], v), STORE_OK);
    }
    for (size_t i = 0; i < NELEM(keys); i++) {
        char v[32];
        snprintf(v, sizeof v, "value of %s", keys[i]);
        expect_obj(st, "b", keys[i], strlen(keys[i]), v, strlen(v));
    }
    assert_int_equal(count_files(f, "blobs"), (int)NELEM(keys));
    /* Nothing named after a key appeared anywhere near the root. */
    char p[256];
    snprintf(p, sizeof p, "%s/../x", f->root);
    assert_false(path_exists(p));
    snprintf(p, sizeof p, "%s/a", f->root);
    assert_false(path_exists(p));
    /* Deleting "a/" leaves "a" and "a/b". */
    assert_int_equal(st->ops->obj_delete(st, "b", "a/", 2, NULL, NULL), STORE_OK);
    expect_obj(st, "b", "a", 1, "value of a", 10);
    expect_obj(st, "b", "a/b", 3, "value of a/b", 12);
    int rc;
    assert_null(get(st, "b", "a/", &rc));
    assert_int_equal(rc, STORE_ENOKEY);
}

static void test_binary_and_unicode_keys(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    char longkey[1024];
    for (size_t i = 0; i < sizeof longkey; i++)
        longkey[i] = (char)('a' + i % 26);
    const struct {
        const char *k;
        size_t n;
    } keys[] = {
        {"k", 1},
        {"k\0a", 3},
        {"k\0b", 3},
        {"k\0", 2},
        {"\xff", 1},
        {"\xff\xfe", 2},
        {"\x7f", 1},
        {"\x01\x02", 2},
        {"caf\xc3\xa9", 5},
        {"cafe\xcc\x81", 6}, /* the same word, decomposed: a different key */
        {"\xe2\x82\xac/\xf0\x9f\x98\x80", 8},
        {"sp ace+plus%25", 14},
        {longkey, sizeof longkey},
        {longkey, sizeof longkey - 1},
    };
    for (size_t i = 0; i < NELEM(keys); i++) {
        char v[16];
        int vn = snprintf(v, sizeof v, "v%zu", i);
        assert_int_equal(put_meta(st, "b", keys[i].k, keys[i].n, v, (size_t)vn, 1, NULL), STORE_OK);
    }
    for (size_t i = 0; i < NELEM(keys); i++) {
        char v[16];
        int vn = snprintf(v, sizeof v, "v%zu", i);
        store_obj_t o;
        int rc;
        size_t n;
        char *got = get_meta(st, "b", keys[i].k, keys[i].n, &rc, &n, &o);
        if (rc != STORE_OK) fail_msg("key %zu: rc %d", i, rc);
        int ok = n == (size_t)vn && memcmp(got, v, n) == 0 && o.key_len == keys[i].n &&
                 memcmp(o.key, keys[i].k, keys[i].n) == 0;
        free(got);
        store_obj_free(&o);
        if (!ok) fail_msg("key %zu: wrong object", i);
    }
    assert_int_equal(count_files(f, "blobs"), (int)NELEM(keys));
}

static void test_reopen_keeps_everything(void **state)
{
    fx_t *f = *state;
    assert_int_equal(f->st->ops->bucket_create(f->st, "r1", "eu-west-1", "o1"), STORE_OK);
    assert_int_equal(PUTS(f->st, "r1", "a", "alpha"), STORE_OK);
    assert_int_equal(PUTS(f->st, "r1", "a/b", "beta"), STORE_OK);
    assert_int_equal(put_meta(f->st, "r2", "k\0z", 3, "zed", 3, 1, NULL), STORE_OK);
    store_obj_t before;
    assert_int_equal(f->st->ops->obj_get(f->st, "r1", "a", 1, NULL, &before, NULL), STORE_OK);
    reopen(f);
    store_t *st = f->st;
    store_bucket_t b;
    assert_int_equal(st->ops->bucket_get(st, "r1", &b), STORE_OK);
    assert_string_equal(b.region, "eu-west-1");
    assert_int_equal(st->ops->bucket_get(st, "r2", NULL), STORE_OK);
    expect_obj(st, "r1", "a", 1, "alpha", 5);
    expect_obj(st, "r1", "a/b", 3, "beta", 4);
    expect_obj(st, "r2", "k\0z", 3, "zed", 3);
    store_obj_t after;
    assert_int_equal(st->ops->obj_get(st, "r1", "a", 1, NULL, &after, NULL), STORE_OK);
    assert_string_equal(after.etag, before.etag);
    assert_string_equal(after.headers, before.headers);
    assert_string_equal(after.blob, before.blob);
    assert_int_equal(after.mtime_ms, before.mtime_ms);
    store_obj_free(&before);
    store_obj_free(&after);
    assert_int_equal(count_files(f, "blobs"), 3);
    /* And it still takes writes. */
    assert_int_equal(PUTS(st, "r1", "a", "alpha2"), STORE_OK);
    reopen(f);
    expect_obj(f->st, "r1", "a", 1, "alpha2", 6);
    assert_int_equal(count_files(f, "blobs"), 3);
}

static void test_orphan_sweep_at_open(void **state)
{
    fx_t *f = *state;
    store_obj_t keep;
    assert_int_equal(put_meta(f->st, "b", "keep", 4, "kept bytes", 10, 1, &keep), STORE_OK);
    f->st->ops->close(f->st);
    f->st = NULL;

    char p[256], orphan_same_dir[256], orphan_new_dir[256], stray[256], dotfile[256];
    /* A body that was being received when the process died. */
    snprintf(stray, sizeof stray, "%s/tmp/0123456789abcdef0123456789abcdef", f->root);
    write_file(stray, "half a body");
    /* A blob renamed into place whose row was never published. */
    snprintf(p, sizeof p, "%s/blobs/zz", f->root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(orphan_new_dir, sizeof orphan_new_dir, "%s/blobs/zz/zz00000000000000000000000000000",
             f->root);
    write_file(orphan_new_dir, "orphan");
    snprintf(orphan_same_dir, sizeof orphan_same_dir, "%s/blobs/%.2s/%.2sffffffffffffffffffffff",
             f->root, keep.blob, keep.blob);
    write_file(orphan_same_dir, "orphan too");
    /* The store's own files are left alone. */
    snprintf(dotfile, sizeof dotfile, "%s/meta.db", f->root);
    assert_true(path_exists(dotfile));
    assert_int_equal(count_files(f, "blobs"), 3);

    f->st = open_root(f->root);
    assert_false(path_exists(stray)); /* tmp/ before open returns */
    /* blobs/ by a thread after (store_sqlite_sweep.c): poll, a minute at most */
    for (int i = 0; i < 6000 && (path_exists(orphan_new_dir) || path_exists(orphan_same_dir)); i++)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    assert_false(path_exists(orphan_new_dir));
    assert_false(path_exists(orphan_same_dir));
    assert_true(blob_exists(f, keep.blob));
    assert_true(path_exists(dotfile));
    assert_int_equal(count_files(f, "tmp"), 0);
    assert_int_equal(count_files(f, "blobs"), 1);
    expect_obj(f->st, "b", "keep", 4, "kept bytes", 10);
    store_obj_free(&keep);
}

static void test_second_open_is_locked_out(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    /* A put in flight: its tmp file must survive the failed second open. */
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, "in flight", 9), STORE_OK);

    char err[256] = "";
    store_options_t opt = {0};
    store_t *st2 = store_sqlite_open(f->root, &opt, err, sizeof err);
    if (st2) {
        st2->ops->close(st2);
        fail_msg("a second open of %s while the first is open succeeded", f->root);
    }
    assert_true(err[0] != '\0');
    assert_int_equal(count_files(f, "tmp"), 1);

    store_obj_t m;
    memset(&m, 0, sizeof m);
    m.size = 9;
    assert_int_equal(st->ops->put_commit(p, "b", "k", 1, &m, 1, NULL), STORE_OK);
    store_obj_free(&m);
    expect_obj(st, "b", "k", 1, "in flight", 9);

    /* Once the first is closed, the root opens again. */
    reopen(f);
    expect_obj(f->st, "b", "k", 1, "in flight", 9);
}

/* A root that is a file cannot be opened; a missing one is made. */
static void test_open_bad_and_nested_roots(void **state)
{
    fx_t *f = *state;
    char p[256], err[256] = "";
    snprintf(p, sizeof p, "%s/afile", f->root);
    write_file(p, "x");
    store_options_t opt = {.sync = 1};
    assert_null(store_sqlite_open(p, &opt, err, sizeof err));
    assert_true(err[0] != '\0');
    snprintf(p, sizeof p, "%s/deep/er/root", f->root);
    store_t *st = store_sqlite_open(p, &opt, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(put_meta(st, "b", "k", 1, "synced", 6, 1, NULL), STORE_OK);
    expect_obj(st, "b", "k", 1, "synced", 6);
    st->ops->close(st);
}

/* ---- concurrency ---- */

typedef struct worker {
    store_t *st;
    int id;
    int failures;
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    store_t *st = w->st;
    for (int i = 0; i < 40; i++) {
        char key[32], val[64];
        snprintf(key, sizeof key, "w%d/%d", w->id, i);
        snprintf(val, sizeof val, "worker %d item %d", w->id, i);
        if (PUTS(st, "c", key, val) != STORE_OK) w->failures++;
        /* Everyone fights over one key; its bytes must match its etag. */
        snprintf(val, sizeof val, "hot from %d at %d", w->id, i);
        if (PUTS(st, "c", "hot", val) != STORE_OK) w->failures++;
        store_obj_t o;
        int rc;
        size_t n;
        char *got = get_meta(st, "c", "hot", 3, &rc, &n, &o);
        if (rc != STORE_OK || strcmp(got, "") == 0 || strncmp(got, "hot from ", 9) != 0 ||
            o.size != n)
            w->failures++;
        char want_etag[48];
        snprintf(want_etag, sizeof want_etag, "etag-%zu-%02x", n, got ? (unsigned char)got[0] : 0);
        if (rc == STORE_OK && strcmp(want_etag, o.etag) != 0) w->failures++;
        if (rc == STORE_OK) store_obj_free(&o);
        free(got);
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fx_t *f = *state;
    assert_int_equal(f->st->ops->bucket_create(f->st, "c", "", "o1"), STORE_OK);
    pthread_t th[4];
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t){f->st, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    /* 160 distinct keys and "hot": one blob each, none left over. */
    assert_int_equal(count_files(f, "blobs"), 161);
    assert_int_equal(count_files(f, "tmp"), 0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 40; j += 13) {
            char key[32], val[64];
            snprintf(key, sizeof key, "w%d/%d", i, j);
            snprintf(val, sizeof val, "worker %d item %d", i, j);
            expect_obj(f->st, "c", key, strlen(key), val, strlen(val));
        }
}

/* ---- listing against a reference ---- */

typedef struct key {
    char *k;
    size_t n;
} lkey_t;

typedef struct ent {
    const char *k;
    size_t n;
    int is_prefix;
} ent_t;

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

static int key_cmp(const void *a, const void *b)
{
    const lkey_t *x = a, *y = b;
    return bytes_cmp(x->k, x->n, y->k, y->n);
}

/* S3 listing, the obvious way: walk every key in order; keys outside the prefix
 * are not listed; a key holding the delimiter after the prefix rolls up into
 * the common prefix ending at that delimiter (listed once); an entry (key or
 * common prefix) <= after is skipped. Returns how many entries there are in
 * all; out (room for nkeys) gets them. */
static size_t ref_list(const lkey_t *keys, size_t nkeys, const store_list_req_t *q, ent_t *out)
{
    size_t m = 0;
    const char *lastcp = NULL;
    size_t lastcpn = 0;
    int has_delim = q->delim && q->delim_len;
    for (size_t i = 0; i < nkeys; i++) {
        const char *k = keys[i].k;
        size_t kn = keys[i].n;
        if (kn < q->prefix_len || memcmp(k, q->prefix, q->prefix_len) != 0) continue;
        const char *d = NULL;
        if (has_delim) d = memmem(k + q->prefix_len, kn - q->prefix_len, q->delim, q->delim_len);
        if (d) {
            size_t cn = (size_t)(d - k) + q->delim_len;
            if (lastcp && lastcpn == cn && memcmp(lastcp, k, cn) == 0) continue;
            lastcp = k;
            lastcpn = cn;
            if (q->after && bytes_cmp(k, cn, q->after, q->after_len) <= 0) continue;
            out[m++] = (ent_t){k, cn, 1};
            continue;
        }
        if (q->after && bytes_cmp(k, kn, q->after, q->after_len) <= 0) continue;
        out[m++] = (ent_t){k, kn, 0};
    }
    return m;
}

/* Printable form of n bytes, for failure messages. */
static const char *esc(const char *s, size_t n, char *out, size_t outlen)
{
    if (!s) return "NULL";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
    }
    out[o] = '\0';
    return out;
}

static void fail_query(const store_list_req_t *q, const char *what, size_t at)
{
    char p[128], d[64], a[128];
    fail_msg("list prefix \"%s\" delim \"%s\" after \"%s\" max %u: %s (at entry %zu)",
             esc(q->prefix, q->prefix_len, p, sizeof p), esc(q->delim, q->delim_len, d, sizeof d),
             esc(q->after, q->after_len, a, sizeof a), q->max, what, at);
}

/* Compare a store listing with the reference's first max entries. */
static void check_listing(const store_list_req_t *q, const store_list_res_t *res, const ent_t *want,
                          size_t nwant, const lkey_t *keys, size_t nkeys)
{
    size_t expect_n = nwant < q->max ? nwant : q->max;
    /* S3 answers max-keys=0 with an empty page that is not truncated. */
    int expect_trunc = q->max > 0 && nwant > q->max;
    if (res->n != expect_n) {
        char msg[64];
        snprintf(msg, sizeof msg, "%zu entries, want %zu", res->n, expect_n);
        fail_query(q, msg, 0);
    }
    if (res->truncated != expect_trunc) {
        char msg[64];
        snprintf(msg, sizeof msg, "truncated %d, want %d", res->truncated, expect_trunc);
        fail_query(q, msg, 0);
    }
    for (size_t i = 0; i < expect_n; i++) {
        const store_list_ent_t *e = &res->ents[i];
        if (e->is_prefix != want[i].is_prefix || e->key_len != want[i].n ||
            memcmp(e->key, want[i].k, want[i].n) != 0) {
            char g[128], w[128], msg[300];
            snprintf(msg, sizeof msg, "got %s \"%s\", want %s \"%s\"",
                     e->is_prefix ? "prefix" : "key", esc(e->key, e->key_len, g, sizeof g),
                     want[i].is_prefix ? "prefix" : "key", esc(want[i].k, want[i].n, w, sizeof w));
            fail_query(q, msg, i);
        }
        if (!e->is_prefix) {
            /* Each object's bytes are its key, so size is the key's length. */
            lkey_t probe = {(char *)e->key, e->key_len};
            assert_non_null(bsearch(&probe, keys, nkeys, sizeof *keys, key_cmp));
            if (e->size != e->key_len || e->etag[0] == '\0' || e->mtime_ms <= 0)
                fail_query(q, "wrong size, etag or mtime", i);
        }
    }
}

/* Deterministic, so that a failure reproduces. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct bytes {
    const char *s;
    size_t n;
} bytes_t;
#define B(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }

/* A few hundred keys built from pieces that make listing interesting: '/',
 * repeated '/', the multi-byte delimiter "ab", 0x7f, 0xff runs, NUL. */
static lkey_t *make_keys(size_t *nkeys)
{
    static const bytes_t pieces[] = {
        B("a"),    B("b"),        B("/"), B("a/"),  B("ab"), B("//"), B("\x7f"),
        B("\xff"), B("\xff\xff"), B("-"), B("x/y"), B("\0"), B("c"),  B("b/"),
    };
    static const bytes_t fixed[] = {
        B("a"),      B("a/"), B("a/b"), B("ab/cd/ef"), B("\xff"), B("\xff\xff\xff"),
        B("\xff/x"), B("b"),  B("zzz"), B("a\xff/z"),
    };
    size_t cap = 420 + NELEM(fixed), n = 0;
    lkey_t *keys = calloc(cap, sizeof *keys);
    assert_non_null(keys);
    for (size_t i = 0; i < NELEM(fixed); i++)
        keys[n++] = (lkey_t){xstrndup(fixed[i].s, fixed[i].n), fixed[i].n};
    while (n < cap) {
        char k[64];
        size_t kn = 0;
        int parts = 1 + (int)(rng() % 5);
        for (int p = 0; p < parts; p++) {
            const bytes_t *b = &pieces[rng() % NELEM(pieces)];
            memcpy(k + kn, b->s, b->n);
            kn += b->n;
        }
        keys[n++] = (lkey_t){xstrndup(k, kn), kn};
    }
    qsort(keys, n, sizeof *keys, key_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && key_cmp(&keys[u - 1], &keys[i]) == 0) {
            free(keys[i].k);
            continue;
        }
        keys[u++] = keys[i];
    }
    *nkeys = u;
    return keys;
}

static void free_keys(lkey_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i].k);
    free(keys);
}

/* Fill bucket "lst" with keys (each object's bytes are its key) and the
 * neighbouring buckets with decoys that must never show up. */
static void load(store_t *st, const lkey_t *keys, size_t nkeys)
{
    for (size_t i = 0; i < nkeys; i++)
        assert_int_equal(put_meta(st, "lst", keys[i].k, keys[i].n, keys[i].k, keys[i].n, 1, NULL),
                         STORE_OK);
    static const char *const decoys[] = {"a", "a/decoy", "\xff\xff\xff\xff", "0"};
    for (size_t i = 0; i < NELEM(decoys); i++) {
        assert_int_equal(PUTS(st, "lss", decoys[i], "decoy"), STORE_OK);
        assert_int_equal(PUTS(st, "lsu", decoys[i], "decoy"), STORE_OK);
    }
}

static const bytes_t list_prefixes[] = {
    B(""),
    B("a"),
    B("a/"),
    B("ab"),
    B("\x7f"),
    B("\xff"),
    B("\xff\xff"),
    B("a/b"),
    B("zzz"),
    B("b\xff"),
    B("\0"),
    B("a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"), /* longer than any key */
};
static const bytes_t list_delims[] = {
    {NULL, 0}, B(""), B("/"), B("//"), B("ab"), B("\xff"), B("/a"), B("\x7f"), B("\0"), B("b/"),
};
static const bytes_t list_afters[] = {
    {NULL, 0},  B(""),     B("a"),    B("a/"),
    B("a/b"),   B("ab/"),  B("\xff"), B("\xff\xff\xff\xff"),
    B("b"),     B("\x7f"), B("zzz"),  B("a/\xff"),
    B("a\xff"), B("\0"),
};

/* Listing: every (prefix, delimiter, after, max) against the reference, on a
 * generated key set; every key set entry as after too. */
static void test_list_against_reference(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    size_t nkeys;
    lkey_t *keys = make_keys(&nkeys);
    assert_true(nkeys > 250);
    load(st, keys, nkeys);
    ent_t *want = calloc(nkeys, sizeof *want);
    assert_non_null(want);
    static const unsigned maxes[] = {0, 1, 2, 3, 7, 1000, 100000};

    /* Afters: the fixed ones plus every 23rd key and a key's proper prefix. */
    size_t nafters = NELEM(list_afters) + nkeys / 23 * 2 + 2;
    bytes_t *afters = calloc(nafters, sizeof *afters);
    assert_non_null(afters);
    size_t na = 0;
    for (size_t i = 0; i < NELEM(list_afters); i++)
        afters[na++] = list_afters[i];
    for (size_t i = 0; i < nkeys && na + 2 <= nafters; i += 23) {
        afters[na++] = (bytes_t){keys[i].k, keys[i].n};
        if (keys[i].n > 1) afters[na++] = (bytes_t){keys[i].k, keys[i].n - 1};
    }

    size_t queries = 0;
    for (size_t p = 0; p < NELEM(list_prefixes); p++)
        for (size_t d = 0; d < NELEM(list_delims); d++)
            for (size_t a = 0; a < na; a++) {
                store_list_req_t q = {
                    .prefix = list_prefixes[p].s,
                    .prefix_len = list_prefixes[p].n,
                    .delim = list_delims[d].s,
                    .delim_len = list_delims[d].n,
                    .after = afters[a].s,
                    .after_len = afters[a].n,
                };
                size_t nwant = ref_list(keys, nkeys, &q, want);
                for (size_t m = 0; m < NELEM(maxes); m++) {
                    q.max = maxes[m];
                    store_list_res_t res;
                    memset(&res, 0x5a, sizeof res);
                    int rc = st->ops->list(st, "lst", &q, &res);
                    if (rc != STORE_OK) fail_query(&q, "list failed", 0);
                    check_listing(&q, &res, want, nwant, keys, nkeys);
                    store_list_free(&res);
                    queries++;
                }
            }
    assert_true(queries > 10000);
    free(afters);
    free(want);
    free_keys(keys, nkeys);
}

/* Paging: with after = the last entry of each page, the pages put together
 * are the whole listing, whatever the page size. */
static void test_list_paging(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    size_t nkeys;
    lkey_t *keys = make_keys(&nkeys);
    load(st, keys, nkeys);
    ent_t *want = calloc(nkeys, sizeof *want);
    assert_non_null(want);
    static const unsigned pages[] = {1, 2, 7, 50};
    static const bytes_t starts[] = {{NULL, 0}, B(""), B("a/"), B("a/b")};
    for (size_t p = 0; p < NELEM(list_prefixes); p++)
        for (size_t d = 0; d < NELEM(list_delims); d++)
            for (size_t s = 0; s < NELEM(starts); s++) {
                store_list_req_t q = {
                    .prefix = list_prefixes[p].s,
                    .prefix_len = list_prefixes[p].n,
                    .delim = list_delims[d].s,
                    .delim_len = list_delims[d].n,
                    .after = starts[s].s,
                    .after_len = starts[s].n,
                    .max = 100000,
                };
                size_t nwant = ref_list(keys, nkeys, &q, want);
                store_list_res_t whole;
                assert_int_equal(st->ops->list(st, "lst", &q, &whole), STORE_OK);
                check_listing(&q, &whole, want, nwant, keys, nkeys);
                for (size_t g = 0; g < NELEM(pages); g++) {
                    store_list_req_t pq = q;
                    pq.max = pages[g];
                    size_t got = 0, npages = 0;
                    char *last = NULL;
                    for (;;) {
                        store_list_res_t res;
                        if (st->ops->list(st, "lst", &pq, &res) != STORE_OK)
                            fail_query(&pq, "list failed", got);
                        npages++;
                        for (size_t i = 0; i < res.n; i++, got++) {
                            if (got >= whole.n || res.ents[i].key_len != whole.ents[got].key_len ||
                                res.ents[i].is_prefix != whole.ents[got].is_prefix ||
                                memcmp(res.ents[i].key, whole.ents[got].key, res.ents[i].key_len))
                                fail_query(&pq, "page differs from the whole listing", got);
                        }
                        int more = res.truncated;
                        if (more && res.n == 0) fail_query(&pq, "truncated, empty page", got);
                        if (more) {
                            free(last);
                            last = xstrndup(res.ents[res.n - 1].key, res.ents[res.n - 1].key_len);
                            pq.after = last;
                            pq.after_len = res.ents[res.n - 1].key_len;
                        }
                        store_list_free(&res);
                        if (!more) break;
                        if (npages > nkeys + 1) fail_query(&pq, "paging does not end", got);
                    }
                    free(last);
                    if (got != whole.n)
                        fail_query(&q, "pages hold fewer entries than the whole", got);
                    size_t need = whole.n ? (whole.n + pages[g] - 1) / pages[g] : 1;
                    if (npages != need) fail_query(&q, "not the fewest pages", npages);
                }
                store_list_free(&whole);
            }
    free(want);
    free_keys(keys, nkeys);
}

static void test_list_small_cases(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    store_list_req_t q = {.prefix = "", .max = 1000};
    store_list_res_t res;
    /* No bucket; an empty bucket. */
    assert_int_equal(st->ops->list(st, "nob", &q, &res), STORE_ENOBUCKET);
    assert_int_equal(res.n, 0);
    assert_null(res.ents);
    assert_int_equal(st->ops->bucket_create(st, "e", "", "o1"), STORE_OK);
    assert_int_equal(st->ops->list(st, "e", &q, &res), STORE_OK);
    assert_int_equal(res.n, 0);
    assert_int_equal(res.truncated, 0);
    store_list_free(&res);

    /* The versitygw #816 shape: after the last common prefix nothing follows,
     * so one entry on a page of one is not truncated. */
    static const char *const keys[] = {"asdf", "boo/bar", "boo/baz/xyzzy", "cquux/thud",
                                       "cquux/bla"};
    for (size_t i = 0; i < NELEM(keys); i++)
        assert_int_equal(PUTS(st, "e", keys[i], "x"), STORE_OK);
    q = (store_list_req_t){
        .prefix = "", .delim = "/", .delim_len = 1, .after = "boo/", .after_len = 4, .max = 1};
    assert_int_equal(st->ops->list(st, "e", &q, &res), STORE_OK);
    assert_int_equal(res.n, 1);
    assert_string_equal(res.ents[0].key, "cquux/");
    assert_int_equal(res.ents[0].is_prefix, 1);
    assert_int_equal(res.truncated, 0);
    store_list_free(&res);
    assert_null(res.ents);
    /* Keys come with their size and etag; common prefixes with neither. */
    q = (store_list_req_t){.prefix = "", .delim = "/", .delim_len = 1, .max = 10};
    assert_int_equal(st->ops->list(st, "e", &q, &res), STORE_OK);
    assert_int_equal(res.n, 3);
    assert_string_equal(res.ents[0].key, "asdf");
    assert_int_equal(res.ents[0].is_prefix, 0);
    assert_int_equal(res.ents[0].size, 1);
    assert_string_equal(res.ents[0].etag, "etag-1-78");
    assert_string_equal(res.ents[1].key, "boo/");
    assert_string_equal(res.ents[2].key, "cquux/");
    assert_int_equal(res.ents[2].is_prefix, 1);
    store_list_free(&res);
}

/* The SQL limit of each batch, (int)(max + 1 - n) + 16, wraps for a max past
 * INT_MAX: UINT_MAX gave 16 then 0, so the listing stopped after 16 entries;
 * UINT_MAX - 16 gave 0 at once, an empty listing. Both said "complete". */
static void test_list_max_past_int_max_cuts_listing_short(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    for (int i = 0; i < 40; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%02d", i);
        assert_int_equal(PUTS(st, "b", key, "x"), STORE_OK);
    }
    static const unsigned maxes[] = {1000, (unsigned)INT_MAX + 1, UINT_MAX - 16, UINT_MAX};
    char why[512] = "";
    for (size_t i = 0; i < NELEM(maxes); i++) {
        store_list_req_t q = {.prefix = "", .max = maxes[i]};
        store_list_res_t res;
        assert_int_equal(st->ops->list(st, "b", &q, &res), STORE_OK);
        if (res.n != 40 || res.truncated)
            snprintf(why + strlen(why), sizeof why - strlen(why),
                     "\n  max %u: %zu entries (truncated %d), want 40 (truncated 0)", maxes[i],
                     res.n, res.truncated);
        store_list_free(&res);
    }
    if (why[0]) fail_msg("%s", why);
}

/* A max just under INT_MAX made the same limit, (int)(max + 1) + 16, overflow
 * a signed int (undefined behaviour; UBSan stops the program here). */
static void test_list_max_near_int_max_overflows_limit(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(PUTS(st, "b", "k1", "x"), STORE_OK);
    assert_int_equal(PUTS(st, "b", "k2", "x"), STORE_OK);
    static const unsigned maxes[] = {INT_MAX - 17, INT_MAX - 16, INT_MAX - 1, INT_MAX};
    for (size_t i = 0; i < NELEM(maxes); i++) {
        store_list_req_t q = {.prefix = "", .max = maxes[i]};
        store_list_res_t res;
        assert_int_equal(st->ops->list(st, "b", &q, &res), STORE_OK);
        assert_int_equal(res.n, 2);
        assert_int_equal(res.truncated, 0);
        store_list_free(&res);
    }
}

/* Owners are opaque strings the store keeps: a bucket's from its creation
 * (or the autocreating write), an object's from its writer, a completed
 * upload's from its initiator; an empty owner is the default one. */
static void test_owners_kept_and_listed(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "ab", "", "alice"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "bb", "", "bob"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "db", "", ""), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "ab", "", "bob"), STORE_EEXIST);
    store_bucket_t b;
    assert_int_equal(st->ops->bucket_get(st, "ab", &b), STORE_OK);
    assert_string_equal(b.owner, "alice");
    assert_int_equal(st->ops->bucket_get(st, "db", &b), STORE_OK);
    assert_string_equal(b.owner, "dflt");
    store_bucket_t *bs;
    size_t n;
    assert_int_equal(st->ops->bucket_list(st, "bob", &bs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(bs[0].name, "bb");
    assert_string_equal(bs[0].owner, "bob");
    free(bs);
    assert_int_equal(st->ops->bucket_list(st, NULL, &bs, &n), STORE_OK);
    assert_int_equal(n, 3);
    free(bs);

    /* bob writes into alice's bucket; an autocreated bucket is its writer's */
    const char *writes[][3] = {{"ab", "k1", "bob"}, {"ab", "k2", ""}, {"cb", "k", "carol"}};
    for (size_t i = 0; i < NELEM(writes); i++) {
        store_put_t *p;
        assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
        assert_int_equal(st->ops->put_write(p, "x", 1), STORE_OK);
        store_obj_t m = {.size = 1, .etag = "e"};
        snprintf(m.owner, sizeof m.owner, "%s", writes[i][2]);
        assert_int_equal(
            st->ops->put_commit(p, writes[i][0], writes[i][1], strlen(writes[i][1]), &m, 1, NULL),
            STORE_OK);
        store_obj_free(&m);
    }
    assert_int_equal(st->ops->bucket_get(st, "cb", &b), STORE_OK);
    assert_string_equal(b.owner, "carol");
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, "ab", "k1", 2, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.owner, "bob");
    store_obj_free(&o);
    store_list_req_t q = {.prefix = "", .max = 10};
    store_list_res_t res;
    assert_int_equal(st->ops->list(st, "ab", &q, &res), STORE_OK);
    assert_int_equal(res.n, 2);
    assert_string_equal(res.ents[0].owner, "bob");
    assert_string_equal(res.ents[1].owner, "dflt");
    store_list_free(&res);

    /* an upload: its initiator owns the object, whatever meta says */
    store_upload_t u = {.bucket = "ab", .key = "mp", .key_len = 2, .owner = "carol"};
    assert_int_equal(st->ops->mpu_create(st, &u, 0), STORE_OK);
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, "part", 4), STORE_OK);
    store_part_t part = {.num = 1, .size = 4, .etag = "pe"};
    assert_int_equal(st->ops->mpu_part_commit(p, u.id, &part), STORE_OK);
    store_upload_t g;
    assert_int_equal(st->ops->mpu_get(st, u.id, &g), STORE_OK);
    assert_string_equal(g.owner, "carol");
    store_upload_free(&g);
    store_mpu_list_req_t mq = {.prefix = "", .max = 10};
    store_mpu_list_res_t mres;
    assert_int_equal(st->ops->mpu_list(st, "ab", &mq, &mres), STORE_OK);
    assert_int_equal(mres.n, 1);
    assert_string_equal(mres.ups[0].owner, "carol");
    store_mpu_list_free(&mres);
    store_part_t *parts;
    size_t np;
    int trunc;
    assert_int_equal(st->ops->mpu_parts(st, u.id, 0, 10, &parts, &np, &trunc), STORE_OK);
    store_obj_t m = {.size = 4, .etag = "e-1", .owner = "mallory"};
    assert_int_equal(st->ops->mpu_complete(st, u.id, parts, np, &m, NULL), STORE_OK);
    assert_string_equal(m.owner, "carol");
    store_obj_free(&m);
    store_parts_free(parts, np);
    reopen(f);
    st = f->st;
    assert_int_equal(st->ops->obj_get(st, "ab", "mp", 2, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.owner, "carol");
    store_obj_free(&o);
    assert_int_equal(st->ops->bucket_get(st, "ab", &b), STORE_OK);
    assert_string_equal(b.owner, "alice");
}

/* Written by fakes3 at commit 2ba572d, schema 2 (see tests/fixtures/roots/README.md). */
#define ROOT_2BA572D "tests/fixtures/roots/main-2ba572d"

static int schema_version(const char *root)
{
    char path[128];
    snprintf(path, sizeof path, "%s/meta.db", root);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* Rows written before owners were kept are the default owner's; new ones
 * keep theirs, also after reopening. */
static void test_root_written_by_2ba572d_gains_owners(void **state)
{
    fx_t *f = *state;
    f->st->ops->close(f->st);
    f->st = NULL;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp -R %s/. %s/", ROOT_2BA572D, f->root);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(schema_version(f->root), 2);
    f->st = open_root(f->root);
    assert_int_equal(schema_version(f->root), 9);
    store_t *st = f->st;
    store_bucket_t b;
    assert_int_equal(st->ops->bucket_get(st, "old2-bucket", &b), STORE_OK);
    assert_string_equal(b.owner, "dflt");
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, "old2-bucket", "done.bin", 8, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.owner, "dflt");
    assert_int_equal(o.nparts, 1);
    assert_string_equal(o.acl, ""); /* schema 4's column: none kept, the owner's private */
    store_obj_free(&o);
    store_upload_t u;
    assert_int_equal(st->ops->mpu_get(st, "4fc7630310ae49d155bd5c8947930135", &u), STORE_OK);
    assert_string_equal(u.owner, "dflt");
    store_upload_free(&u);
    store_bucket_t *bs;
    size_t n;
    assert_int_equal(st->ops->bucket_list(st, "dflt", &bs, &n), STORE_OK);
    assert_int_equal(n, 1);
    free(bs);
    assert_int_equal(st->ops->bucket_list(st, "alice", &bs, &n), STORE_OK);
    assert_int_equal(n, 0);
    free(bs);
    assert_int_equal(st->ops->bucket_create(st, "new-bucket", "", "alice"), STORE_OK);
    reopen(f);
    st = f->st;
    assert_int_equal(st->ops->bucket_list(st, "alice", &bs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(bs[0].name, "new-bucket");
    free(bs);
    assert_int_equal(st->ops->bucket_get(st, "old2-bucket", &b), STORE_OK);
    assert_string_equal(b.owner, "dflt");
}

/* An object's ACL document is kept with it: put_commit writes it, obj_set_acl
 * replaces it alone, an overwrite replaces it, an upload hands its own to the
 * completed object; a missing key or bucket is said. */
static void test_acl_documents_kept_with_objects_and_uploads(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "ab", "", "alice"), STORE_OK);
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, "data", 4), STORE_OK);
    store_obj_t m = {.size = 4, .etag = "e", .owner = "bob", .acl = "doc-1"};
    assert_int_equal(st->ops->put_commit(p, "ab", "k", 1, &m, 0, NULL), STORE_OK);
    m.acl = NULL;
    store_obj_free(&m);
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, "ab", "k", 1, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.acl, "doc-1");
    store_obj_free(&o);
    assert_int_equal(st->ops->obj_set(st, "ab", "k", 1, NULL, STORE_DOC_ACL, "doc-2"), STORE_OK);
    assert_int_equal(st->ops->obj_get(st, "ab", "k", 1, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.acl, "doc-2");
    assert_string_equal(o.owner, "bob");
    assert_int_equal(o.size, 4);
    store_obj_free(&o);
    assert_int_equal(st->ops->obj_set(st, "ab", "nope", 4, NULL, STORE_DOC_ACL, "x"), STORE_ENOKEY);
    assert_int_equal(st->ops->obj_set(st, "nobucket", "k", 1, NULL, STORE_DOC_ACL, "x"),
                     STORE_ENOBUCKET);
    /* an overwrite without one has none */
    assert_int_equal(PUTS(st, "ab", "k", "new"), STORE_OK);
    assert_int_equal(st->ops->obj_get(st, "ab", "k", 1, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.acl, "");
    store_obj_free(&o);
    /* an upload's ACL becomes its object's */
    store_upload_t u = {.bucket = "ab", .key = "mp", .key_len = 2, .owner = "carol", .acl = "up"};
    assert_int_equal(st->ops->mpu_create(st, &u, 0), STORE_OK);
    store_upload_t g;
    assert_int_equal(st->ops->mpu_get(st, u.id, &g), STORE_OK);
    assert_string_equal(g.acl, "up");
    store_upload_free(&g);
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, "part", 4), STORE_OK);
    store_part_t part = {.num = 1, .size = 4, .etag = "pe"};
    assert_int_equal(st->ops->mpu_part_commit(p, u.id, &part), STORE_OK);
    store_part_t *parts;
    size_t np;
    int trunc;
    assert_int_equal(st->ops->mpu_parts(st, u.id, 0, 10, &parts, &np, &trunc), STORE_OK);
    store_obj_t cm = {.size = 4, .etag = "e-1"};
    assert_int_equal(st->ops->mpu_complete(st, u.id, parts, np, &cm, NULL), STORE_OK);
    store_obj_free(&cm);
    store_parts_free(parts, np);
    reopen(f);
    st = f->st;
    assert_int_equal(st->ops->obj_get(st, "ab", "mp", 2, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.acl, "up");
    store_obj_free(&o);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, unit_store_teardown)

int main(void)
{
    util_log_quiet = 1;
    const struct CMUnitTest tests[] = {
        T(test_buckets),
        T(test_owners_kept_and_listed),
        T(test_root_written_by_2ba572d_gains_owners),
        T(test_acl_documents_kept_with_objects_and_uploads),
        T(test_put_get),
        T(test_autocreate),
        T(test_overwrite_retires_old_blob),
        T(test_delete),
        T(test_put_abort_leaves_nothing),
        T(test_keys_are_rows_not_paths),
        T(test_binary_and_unicode_keys),
        T(test_reopen_keeps_everything),
        T(test_orphan_sweep_at_open),
        T(test_second_open_is_locked_out),
        T(test_open_bad_and_nested_roots),
        T(test_concurrent_writers),
        T(test_list_small_cases),
        T(test_list_against_reference),
        T(test_list_paging),
        T(test_list_max_past_int_max_cuts_listing_short),
        /* Last: under UBSan a signed overflow stops the whole program. */
        T(test_list_max_near_int_max_overflows_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
