/* The SQLite store's whole state: reset of everything and of one bucket,
 * snapshots saved, restored, listed, replaced and deleted, the counts, and
 * each surviving a reopen; readers keep what they opened; writes running
 * beside resets and restores never leave a row without its file. */
#include "unit.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/store.h"
#include "unit_store.h"

static int setup(void **state)
{
    if (unit_store_setup(state, "/tmp/fakes3-state-XXXXXX")) return -1;
    fx_t *f = *state;
    f->st = unit_store_open(f->root, NULL);
    return 0;
}

static void reopen(fx_t *f)
{
    f->st->ops->close(f->st);
    f->st = unit_store_open(f->root, NULL);
}

/* Put body as bucket/key (tags may be NULL); the version id into vid. */
static void put(store_t *st, const char *bucket, const char *key, const char *body,
                const char *tags, char *vid)
{
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, body, strlen(body)), STORE_OK);
    store_obj_t meta = {0};
    meta.size = strlen(body);
    snprintf(meta.etag, sizeof meta.etag, "e-%.40s", body);
    meta.headers = "";
    meta.tags = (char *)tags;
    assert_int_equal(st->ops->put_commit(p, bucket, key, strlen(key), &meta, 0, NULL), STORE_OK);
    if (vid) memcpy(vid, meta.vid, 40);
    free(meta.blob);
}

/* The body of bucket/key's version vid (NULL: current) into out, or the
 * store's error. */
static int body_of(store_t *st, const char *bucket, const char *key, const char *vid, char *out,
                   size_t n)
{
    store_obj_t o;
    int fd = -1;
    int rc = st->ops->obj_get(st, bucket, key, strlen(key), vid, &o, &fd);
    if (rc) return rc;
    ssize_t got = read(fd, out, n - 1);
    close(fd);
    out[got < 0 ? 0 : got] = 0;
    store_obj_free(&o);
    return STORE_OK;
}

static void expect_body(store_t *st, const char *bucket, const char *key, const char *vid,
                        const char *want)
{
    char buf[128];
    assert_int_equal(body_of(st, bucket, key, vid, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, want);
}

static void expect_gone(store_t *st, const char *bucket, const char *key, int rc)
{
    char buf[16];
    assert_int_equal(body_of(st, bucket, key, NULL, buf, sizeof buf), rc);
}

static void expect_counts(store_t *st, uint64_t buckets, uint64_t objects)
{
    uint64_t b = 99, o = 99;
    assert_int_equal(st->ops->stats(st, &b, &o), STORE_OK);
    assert_int_equal(b, buckets);
    assert_int_equal(o, objects);
}

static void expect_conf(store_t *st, const char *bucket, const char *name, const char *want)
{
    char *doc = NULL;
    size_t len = 0;
    assert_int_equal(st->ops->conf_get(st, bucket, name, &doc, &len), STORE_OK);
    assert_string_equal(doc, want);
    free(doc);
}

/* An upload of bucket/key with one part holding body; its id into id. */
static void upload_with_part(store_t *st, const char *bucket, const char *key, const char *body,
                             char id[40])
{
    store_upload_t u = {0};
    snprintf(u.bucket, sizeof u.bucket, "%s", bucket);
    u.key = (char *)key;
    u.key_len = strlen(key);
    u.headers = "";
    assert_int_equal(st->ops->mpu_create(st, &u, 0), STORE_OK);
    memcpy(id, u.id, 40);
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, body, strlen(body)), STORE_OK);
    store_part_t part = {.num = 1, .size = strlen(body)};
    snprintf(part.etag, sizeof part.etag, "p-%.40s", body);
    assert_int_equal(st->ops->mpu_part_commit(p, id, &part), STORE_OK);
}

static size_t nparts_of(store_t *st, const char *id)
{
    store_part_t *parts = NULL;
    size_t n = 0;
    int trunc = 0;
    assert_int_equal(st->ops->mpu_parts(st, id, 0, 100, &parts, &n, &trunc), STORE_OK);
    store_parts_free(parts, n);
    return n;
}

/* Files (not folders) under root/sub. */
static size_t nfiles;
static int count_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)path, (void)sb, (void)ftw;
    if (type == FTW_F) nfiles++;
    return 0;
}

static size_t files_under(const char *root, const char *sub)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", root, sub);
    nfiles = 0;
    nftw(p, count_file, 16, FTW_PHYS);
    return nfiles;
}

/* Wait (up to a minute) until root/sub holds no file: the trash thread. */
static void wait_no_files(const char *root, const char *sub)
{
    for (int i = 0; i < 6000 && files_under(root, sub); i++)
        usleep(10000);
    assert_int_equal(files_under(root, sub), 0);
}

/* Two buckets: b1 versioned (two versions of v, a marker on gone, tags, a
 * configuration, an upload in progress) and b2 plain (two objects). */
static void populate(store_t *st, char vids[2][40], char upload[40])
{
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "b2", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b1", STORE_VERSIONING_ENABLED), STORE_OK);
    put(st, "b1", "v", "first", "<Tagging>1</Tagging>", vids[0]);
    put(st, "b1", "v", "second", "<Tagging>2</Tagging>", vids[1]);
    put(st, "b1", "gone", "was here", NULL, NULL);
    assert_int_equal(st->ops->obj_delete(st, "b1", "gone", 4, NULL, NULL), STORE_OK);
    assert_int_equal(st->ops->conf_put(st, "b1", "cors", "<CORS/>", 7), STORE_OK);
    upload_with_part(st, "b1", "big", "part one", upload);
    put(st, "b2", "x", "ex", NULL, NULL);
    put(st, "b2", "y", "why", NULL, NULL);
}

static void test_reset_all_empties_everything(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    char vids[2][40], up[40];
    populate(st, vids, up);
    expect_counts(st, 2, 3);
    /* 6 blobs: two versions of v, gone's, a part, x and y (the marker has none) */
    assert_int_equal(files_under(f->root, "blobs"), 6);
    /* A reader that opened its file keeps reading it. */
    store_obj_t o;
    store_reader_t *rd;
    assert_int_equal(st->ops->obj_open(st, "b2", "y", 1, NULL, &o, &rd), STORE_OK);
    assert_int_equal(st->ops->reader_ready(rd, 0), STORE_OK);
    assert_int_equal(st->ops->reset(st, NULL), STORE_OK);
    char buf[8] = "";
    assert_int_equal(st->ops->reader_read(rd, 0, buf, sizeof buf), 3);
    assert_memory_equal(buf, "why", 3);
    st->ops->reader_close(rd);
    store_obj_free(&o);

    expect_counts(st, 0, 0);
    store_bucket_t *bs = NULL;
    size_t nb = 9;
    assert_int_equal(st->ops->bucket_list(st, NULL, &bs, &nb), STORE_OK);
    assert_int_equal(nb, 0);
    free(bs);
    assert_int_equal(files_under(f->root, "blobs"), 0);
    wait_no_files(f->root, "trash");
    store_upload_t u;
    assert_int_equal(st->ops->mpu_get(st, up, &u), STORE_ENOUPLOAD);
    /* A bucket of the same name starts from nothing. */
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o"), STORE_OK);
    char *doc = NULL;
    size_t len;
    assert_int_equal(st->ops->conf_get(st, "b1", "cors", &doc, &len), STORE_ENOCONF);
    expect_gone(st, "b1", "v", STORE_ENOKEY);
    assert_int_equal(st->ops->obj_get(st, "b1", "v", 1, vids[0], &o, NULL), STORE_ENOVERSION);
    put(st, "b1", "after", "new", NULL, NULL);
    reopen(f);
    st = f->st;
    expect_counts(st, 1, 1);
    expect_body(st, "b1", "after", NULL, "new");
    assert_int_equal(files_under(f->root, "blobs"), 1);
}

static void test_reset_one_bucket_leaves_the_others(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    char vids[2][40], up[40];
    populate(st, vids, up);
    assert_int_equal(st->ops->conf_put(st, "b2", "cors", "<b2/>", 5), STORE_OK);
    assert_int_equal(st->ops->reset(st, "b1"), STORE_OK);
    assert_int_equal(st->ops->bucket_get(st, "b1", NULL), STORE_ENOBUCKET);
    store_upload_t u;
    assert_int_equal(st->ops->mpu_get(st, up, &u), STORE_ENOUPLOAD);
    expect_counts(st, 1, 2);
    expect_body(st, "b2", "x", NULL, "ex");
    expect_body(st, "b2", "y", NULL, "why");
    expect_conf(st, "b2", "cors", "<b2/>");
    assert_int_equal(files_under(f->root, "blobs"), 2);
    assert_int_equal(st->ops->reset(st, "b1"), STORE_ENOBUCKET);
    assert_int_equal(st->ops->reset(st, "nope"), STORE_ENOBUCKET);
    /* As if it never existed: made again, it is empty and unversioned. */
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o"), STORE_OK);
    store_bucket_t b;
    assert_int_equal(st->ops->bucket_get(st, "b1", &b), STORE_OK);
    assert_int_equal(b.versioning, STORE_UNVERSIONED);
    char *doc = NULL;
    size_t len;
    assert_int_equal(st->ops->conf_get(st, "b1", "cors", &doc, &len), STORE_ENOCONF);
    reopen(f);
    st = f->st;
    expect_counts(st, 2, 2);
    expect_body(st, "b2", "y", NULL, "why");
    assert_int_equal(files_under(f->root, "blobs"), 2);
}

static void test_snapshot_restore_brings_back_the_saved_state(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    char vids[2][40], up[40];
    populate(st, vids, up);
    store_snapshot_t sn;
    int64_t before = util_now_ms();
    assert_int_equal(st->ops->snapshot_save(st, "s1", &sn), STORE_OK);
    assert_string_equal(sn.name, "s1");
    assert_true(sn.created_ms >= before && sn.created_ms <= util_now_ms());
    assert_int_equal(sn.buckets, 2);
    assert_int_equal(sn.objects, 3);
    /* The snapshot shares the files: nothing was copied. */
    char a[160];
    snprintf(a, sizeof a, "%s/snapshots/s1/meta.db", f->root);
    struct stat sb;
    assert_int_equal(stat(a, &sb), 0);
    assert_int_equal(files_under(f->root, "snapshots/s1/blobs"), 6);

    /* Change everything. */
    put(st, "b1", "v", "third", NULL, NULL);
    assert_int_equal(st->ops->obj_delete(st, "b1", "v", 1, vids[0], NULL), STORE_OK);
    assert_int_equal(st->ops->obj_delete(st, "b2", "x", 1, NULL, NULL), STORE_OK);
    put(st, "b2", "y", "overwritten", NULL, NULL);
    put(st, "b2", "z", "added", NULL, NULL);
    assert_int_equal(st->ops->obj_set(st, "b1", "v", 1, vids[1], STORE_DOC_TAGS, "<T/>"), STORE_OK);
    assert_int_equal(st->ops->mpu_abort(st, up), STORE_OK);
    assert_int_equal(st->ops->conf_delete(st, "b1", "cors"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "b3", "", "o"), STORE_OK);
    put(st, "b3", "k", "three", NULL, NULL);

    for (int round = 0; round < 2; round++) {
        assert_int_equal(st->ops->snapshot_restore(st, "s1"), STORE_OK);
        expect_counts(st, 2, 3);
        assert_int_equal(st->ops->bucket_get(st, "b3", NULL), STORE_ENOBUCKET);
        expect_body(st, "b1", "v", NULL, "second");
        expect_body(st, "b1", "v", vids[0], "first");
        store_obj_t o;
        assert_int_equal(st->ops->obj_get(st, "b1", "v", 1, vids[1], &o, NULL), STORE_OK);
        assert_string_equal(o.tags, "<Tagging>2</Tagging>");
        assert_string_equal(o.etag, "e-second");
        store_obj_free(&o);
        expect_gone(st, "b1", "gone", STORE_ENOKEY);
        expect_body(st, "b2", "x", NULL, "ex");
        expect_body(st, "b2", "y", NULL, "why");
        expect_gone(st, "b2", "z", STORE_ENOKEY);
        expect_conf(st, "b1", "cors", "<CORS/>");
        assert_int_equal(nparts_of(st, up), 1);
        /* blobs/ holds exactly the snapshot's files */
        assert_int_equal(files_under(f->root, "blobs"), 6);
        reopen(f);
        st = f->st;
    }
    /* A version made after a restore is newer than every restored one. */
    char vid[40];
    put(st, "b1", "v", "fourth", NULL, vid);
    assert_true(strcmp(vid, vids[1]) > 0);
    expect_body(st, "b1", "v", NULL, "fourth");
    expect_body(st, "b1", "v", vids[1], "second");
}

static void test_snapshot_names_list_replace_delete(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    store_snapshot_t sn;
    static const char *const bad[] = {
        "",
        ".hidden",
        "a/b",
        "..",
        "sp ace",
        "ü",
        "12345678901234567890123456789012345678901234567890123456789012345"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(store_snapshot_name_ok(bad[i]));
        assert_int_equal(st->ops->snapshot_save(st, bad[i], &sn), STORE_EINVAL);
        assert_int_equal(st->ops->snapshot_restore(st, bad[i]), STORE_EINVAL);
        assert_int_equal(st->ops->snapshot_delete(st, bad[i]), STORE_EINVAL);
    }
    assert_true(store_snapshot_name_ok("a.b_c-D9"));
    assert_true(
        store_snapshot_name_ok("1234567890123456789012345678901234567890123456789012345678901234"));
    store_snapshot_t *l = NULL;
    size_t n = 9;
    assert_int_equal(st->ops->snapshot_list(st, &l, &n), STORE_OK);
    assert_int_equal(n, 0);
    free(l);
    assert_int_equal(st->ops->snapshot_restore(st, "none"), STORE_ENOSNAPSHOT);
    assert_int_equal(st->ops->snapshot_delete(st, "none"), STORE_ENOSNAPSHOT);

    assert_int_equal(st->ops->snapshot_save(st, "zeta", &sn), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o"), STORE_OK);
    put(st, "b1", "k", "v1", NULL, NULL);
    assert_int_equal(st->ops->snapshot_save(st, "alpha", &sn), STORE_OK);
    put(st, "b1", "k2", "v2", NULL, NULL);
    /* Replacing: the name now holds the new state. */
    assert_int_equal(st->ops->snapshot_save(st, "zeta", &sn), STORE_OK);
    assert_int_equal(sn.objects, 2);
    reopen(f);
    st = f->st;
    assert_int_equal(st->ops->snapshot_list(st, &l, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(l[0].name, "alpha");
    assert_int_equal(l[0].buckets, 1);
    assert_int_equal(l[0].objects, 1);
    assert_string_equal(l[1].name, "zeta");
    assert_int_equal(l[1].objects, 2);
    free(l);
    assert_int_equal(st->ops->reset(st, NULL), STORE_OK);
    assert_int_equal(st->ops->snapshot_restore(st, "zeta"), STORE_OK);
    expect_body(st, "b1", "k2", NULL, "v2");
    assert_int_equal(st->ops->snapshot_restore(st, "alpha"), STORE_OK);
    expect_gone(st, "b1", "k2", STORE_ENOKEY);
    expect_body(st, "b1", "k", NULL, "v1");

    assert_int_equal(st->ops->snapshot_delete(st, "alpha"), STORE_OK);
    assert_int_equal(st->ops->snapshot_delete(st, "alpha"), STORE_ENOSNAPSHOT);
    assert_int_equal(st->ops->snapshot_restore(st, "alpha"), STORE_ENOSNAPSHOT);
    /* The live state does not depend on the snapshot it came from. */
    expect_body(st, "b1", "k", NULL, "v1");
    assert_int_equal(st->ops->snapshot_delete(st, "zeta"), STORE_OK);
    wait_no_files(f->root, "trash");
    assert_int_equal(files_under(f->root, "snapshots"), 0);
    reopen(f);
    st = f->st;
    expect_body(st, "b1", "k", NULL, "v1");
    assert_int_equal(st->ops->snapshot_list(st, &l, &n), STORE_OK);
    assert_int_equal(n, 0);
    free(l);
}

/* A file retired while a reader had its object open is unlinked when the
 * reader lets go, unless a restore brought back a state that names it. */
static void test_restore_keeps_files_readers_were_to_unlink(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    put(st, "b", "k", "one", NULL, NULL);
    assert_int_equal(st->ops->snapshot_save(st, "s", NULL), STORE_OK);
    store_obj_t o;
    store_reader_t *rd;
    assert_int_equal(st->ops->obj_open(st, "b", "k", 1, NULL, &o, &rd), STORE_OK);
    put(st, "b", "k", "two", NULL, NULL); /* "one" waits for the reader */
    assert_int_equal(files_under(f->root, "blobs"), 2);
    assert_int_equal(st->ops->snapshot_restore(st, "s"), STORE_OK);
    char buf[8] = "";
    assert_int_equal(st->ops->reader_read(rd, 0, buf, sizeof buf), 3);
    assert_memory_equal(buf, "one", 3);
    st->ops->reader_close(rd);
    store_obj_free(&o);
    expect_body(st, "b", "k", NULL, "one");
    assert_int_equal(files_under(f->root, "blobs"), 1);
    reopen(f);
    expect_body(f->st, "b", "k", NULL, "one");
}

/* What a crash left (a snapshot half made, a trash not emptied) goes at
 * the next open; blobs a crash left unreferenced go too. */
static void test_leftovers_go_at_open(void **state)
{
    fx_t *f = *state;
    char p[200];
    snprintf(p, sizeof p, "%s/snapshots", f->root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/snapshots/.new-0011", f->root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/snapshots/.new-0011/meta.db", f->root);
    fclose(fopen(p, "w"));
    snprintf(p, sizeof p, "%s/trash/old", f->root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/trash/old/file", f->root);
    fclose(fopen(p, "w"));
    reopen(f);
    wait_no_files(f->root, "trash");
    assert_int_equal(files_under(f->root, "snapshots"), 0);
    store_snapshot_t *l = NULL;
    size_t n = 9;
    assert_int_equal(f->st->ops->snapshot_list(f->st, &l, &n), STORE_OK);
    assert_int_equal(n, 0);
    free(l);
}

/* Writers put and delete while the main thread resets and restores: every
 * object a listing shows afterwards can be read (its file is there). */
struct writer {
    store_t *st;
    int id;
    volatile int stop;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    for (unsigned i = 0; !w->stop; i++) {
        char key[32], body[32];
        snprintf(key, sizeof key, "w%d-%u", w->id, i % 20);
        snprintf(body, sizeof body, "body %d %u", w->id, i);
        store_put_t *p;
        if (w->st->ops->put_begin(w->st, &p) != STORE_OK) continue;
        w->st->ops->put_write(p, body, strlen(body));
        store_obj_t meta = {0};
        meta.size = strlen(body);
        snprintf(meta.etag, sizeof meta.etag, "e");
        meta.headers = "";
        if (w->st->ops->put_commit(p, "b", key, strlen(key), &meta, 1, NULL) == STORE_OK)
            free(meta.blob);
        if (i % 3 == 0) w->st->ops->obj_delete(w->st, "b", key, strlen(key), NULL, NULL);
    }
    return NULL;
}

static void expect_all_readable(store_t *st)
{
    store_list_req_t q = {.prefix = "", .max = 1000};
    store_list_res_t res;
    int rc = st->ops->list(st, "b", &q, &res);
    if (rc == STORE_ENOBUCKET) return;
    assert_int_equal(rc, STORE_OK);
    for (size_t i = 0; i < res.n; i++) {
        char buf[64];
        char *key = xstrndup(res.ents[i].key, res.ents[i].key_len);
        rc = body_of(st, "b", key, NULL, buf, sizeof buf);
        /* gone meanwhile is fine; there without its bytes is not */
        if (rc != STORE_ENOKEY) assert_int_equal(rc, STORE_OK);
        free(key);
    }
    store_list_free(&res);
}

static void test_writes_beside_resets_and_restores(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    put(st, "b", "keep", "kept", NULL, NULL);
    assert_int_equal(st->ops->snapshot_save(st, "s", NULL), STORE_OK);
    struct writer w[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (struct writer){.st = st, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, write_loop, &w[i]), 0);
    }
    for (int round = 0; round < 30; round++) {
        int op = round % 3;
        int rc = op == 0   ? st->ops->snapshot_restore(st, "s")
                 : op == 1 ? st->ops->reset(st, round % 2 ? NULL : "b")
                           : st->ops->snapshot_save(st, "t", NULL);
        assert_true(rc == STORE_OK || rc == STORE_ENOBUCKET);
        expect_all_readable(st);
    }
    for (int i = 0; i < 3; i++) {
        w[i].stop = 1;
        pthread_join(th[i], NULL);
    }
    expect_all_readable(st);
    assert_int_equal(st->ops->snapshot_restore(st, "t"), STORE_OK);
    expect_all_readable(st);
    assert_int_equal(st->ops->snapshot_restore(st, "s"), STORE_OK);
    expect_counts(st, 1, 1);
    expect_body(st, "b", "keep", NULL, "kept");
    assert_int_equal(files_under(f->root, "blobs"), 1);
    reopen(f);
    expect_body(f->st, "b", "keep", NULL, "kept");
    assert_int_equal(files_under(f->root, "blobs"), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, unit_store_teardown)

int main(void)
{
    util_log_quiet = 1;
    const struct CMUnitTest tests[] = {
        T(test_reset_all_empties_everything),
        T(test_reset_one_bucket_leaves_the_others),
        T(test_snapshot_restore_brings_back_the_saved_state),
        T(test_snapshot_names_list_replace_delete),
        T(test_restore_keeps_files_readers_were_to_unlink),
        T(test_leftovers_go_at_open),
        T(test_writes_beside_resets_and_restores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
