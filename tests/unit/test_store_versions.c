/* The SQLite store's versions: what put_commit, obj_delete, obj_get and
 * list_versions do in each versioning state, a version's tag set document
 * (obj_set STORE_DOC_TAGS), and roots written before versions and before
 * tag documents upgrading in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "lib/util.h"
#include "store/store.h"
#include "unit_store.h"

#define ROOT_06138DF "tests/fixtures/roots/main-06138df"
#define ROOT_A4CC6DE "tests/fixtures/roots/main-a4cc6de"

static int setup(void **state)
{
    if (unit_store_setup(state, "/tmp/fakes3-vtest-XXXXXX")) return -1;
    fx_t *f = *state;
    f->st = unit_store_open(f->root, NULL);
    return 0;
}

/* Put body as bucket/key with the tag set document tags (may be NULL);
 * the new version id into vid (40 bytes). */
static void put_tagged(store_t *st, const char *bucket, const char *key, const char *body,
                       const char *tags, char *vid)
{
    store_put_t *p;
    assert_int_equal(st->ops->put_begin(st, &p), STORE_OK);
    assert_int_equal(st->ops->put_write(p, body, strlen(body)), STORE_OK);
    store_obj_t meta = {0};
    meta.size = strlen(body);
    snprintf(meta.etag, sizeof meta.etag, "%s", body);
    meta.headers = "";
    meta.tags = (char *)tags;
    assert_int_equal(st->ops->put_commit(p, bucket, key, strlen(key), &meta, 0, NULL), STORE_OK);
    if (vid) memcpy(vid, meta.vid, 40);
    free(meta.blob);
}

static void put(store_t *st, const char *bucket, const char *key, const char *body, char *vid)
{
    put_tagged(st, bucket, key, body, NULL, vid);
}

/* The tag set document of bucket/key's version vid ("(null)" for none
 * stored, as a row from before schema 6 has), or the error's name. */
static const char *tags_of(store_t *st, const char *bucket, const char *key, const char *vid)
{
    static char out[128];
    store_obj_t o;
    int rc = st->ops->obj_get(st, bucket, key, strlen(key), vid, &o, NULL);
    if (rc) {
        snprintf(out, sizeof out, "error %d", rc);
        return out;
    }
    snprintf(out, sizeof out, "%s", o.tags ? o.tags : "(null)");
    store_obj_free(&o);
    return out;
}

/* The body of bucket/key's version vid (NULL: current), or the error. */
static int body_of(store_t *st, const char *key, const char *vid, char *out, size_t n)
{
    store_obj_t o;
    int fd = -1;
    int rc = st->ops->obj_get(st, "b", key, strlen(key), vid, &o, &fd);
    if (rc) return rc;
    ssize_t got = read(fd, out, n - 1);
    close(fd);
    out[got < 0 ? 0 : got] = 0;
    store_obj_free(&o);
    return STORE_OK;
}

static void expect_body(store_t *st, const char *key, const char *vid, const char *want)
{
    char buf[64];
    assert_int_equal(body_of(st, key, vid, buf, sizeof buf), STORE_OK);
    assert_string_equal(buf, want);
}

/* All versions of bucket b in pages of page entries. */
static size_t list_all(store_t *st, unsigned page, store_list_ent_t *out, size_t cap)
{
    size_t n = 0;
    char *after = NULL, after_vid[40] = "";
    for (;;) {
        store_list_req_t q = {.prefix = "", .max = page};
        if (after) {
            q.after = after;
            q.after_len = strlen(after);
            q.after_vid = after_vid;
        }
        store_list_res_t res;
        assert_int_equal(st->ops->list_versions(st, "b", &q, &res), STORE_OK);
        for (size_t i = 0; i < res.n; i++) {
            assert_true(n < cap);
            out[n] = res.ents[i];
            out[n].key = xstrdup(res.ents[i].key);
            n++;
        }
        free(after);
        after = res.n ? xstrdup(res.ents[res.n - 1].key) : NULL;
        if (res.n) memcpy(after_vid, res.ents[res.n - 1].vid, 40);
        int more = res.truncated;
        store_list_free(&res);
        if (!more) break;
    }
    free(after);
    return n;
}

static void free_ents(store_list_ent_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].key);
}

static void test_unversioned_bucket_has_no_version_ids(void **state)
{
    store_t *st = ((fx_t *)*state)->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    char vid[40];
    put(st, "b", "k", "one", vid);
    assert_string_equal(vid, "");
    put(st, "b", "k", "two", vid);
    expect_body(st, "k", NULL, "two");
    expect_body(st, "k", "null", "two");
    char buf[8];
    assert_int_equal(body_of(st, "k", "not-an-id", buf, sizeof buf), STORE_EBADVERSION);
    store_deleted_t d;
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, NULL, &d), STORE_OK);
    assert_string_equal(d.vid, "");
    assert_int_equal(d.dm, 0);
    assert_int_equal(body_of(st, "k", NULL, buf, sizeof buf), STORE_ENOKEY);
    assert_int_equal(st->ops->bucket_delete(st, "b"), STORE_OK);
}

static void test_enabled_keeps_every_version_and_markers_hide_them(void **state)
{
    store_t *st = ((fx_t *)*state)->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    put(st, "b", "k", "before", NULL); /* the null version */
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    store_bucket_t bk;
    assert_int_equal(st->ops->bucket_get(st, "b", &bk), STORE_OK);
    assert_int_equal(bk.versioning, STORE_VERSIONING_ENABLED);
    char v1[40], v2[40];
    put(st, "b", "k", "v1", v1);
    put(st, "b", "k", "v2", v2);
    assert_int_equal(strlen(v1), 32);
    assert_true(strcmp(v1, v2) < 0); /* ids sort by creation */
    expect_body(st, "k", NULL, "v2");
    expect_body(st, "k", v1, "v1");
    expect_body(st, "k", "null", "before");
    /* A delete adds a marker that hides the key. */
    store_deleted_t d;
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, NULL, &d), STORE_OK);
    assert_int_equal(d.dm, 1);
    assert_true(strcmp(d.vid, v2) > 0);
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, "b", "k", 1, NULL, &o, NULL), STORE_ENOKEY);
    assert_int_equal(o.dm, 1);
    assert_string_equal(o.vid, d.vid);
    assert_int_equal(st->ops->obj_get(st, "b", "k", 1, d.vid, &o, NULL), STORE_EMARKER);
    expect_body(st, "k", v2, "v2");
    /* Nothing current: a listing of objects is empty, the bucket is not. */
    store_list_req_t q = {.prefix = "", .max = 10};
    store_list_res_t res;
    assert_int_equal(st->ops->list(st, "b", &q, &res), STORE_OK);
    assert_int_equal(res.n, 0);
    store_list_free(&res);
    assert_int_equal(st->ops->bucket_delete(st, "b"), STORE_ENOTEMPTY);
    /* Removing the marker makes v2 current again. */
    char mark[40];
    memcpy(mark, d.vid, 40);
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, mark, &d), STORE_OK);
    assert_int_equal(d.dm, 1);
    expect_body(st, "k", NULL, "v2");
    /* Removing the current version makes the next newest current. */
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, v2, &d), STORE_OK);
    assert_int_equal(d.dm, 0);
    expect_body(st, "k", NULL, "v1");
    char buf[8];
    assert_int_equal(body_of(st, "k", v2, buf, sizeof buf), STORE_ENOVERSION);
    /* A well-formed id nobody has deletes nothing. */
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, "0000000000000fff0000000000000000", &d),
                     STORE_OK);
    expect_body(st, "k", NULL, "v1");
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, v1, NULL), STORE_OK);
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, "null", NULL), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, "b"), STORE_OK);
}

static void test_suspended_replaces_only_the_null_version(void **state)
{
    store_t *st = ((fx_t *)*state)->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    char v1[40], n1[40], n2[40];
    put(st, "b", "k", "v1", v1);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_SUSPENDED), STORE_OK);
    put(st, "b", "k", "n1", n1);
    assert_string_equal(n1, "null");
    put(st, "b", "k", "n2", n2);
    expect_body(st, "k", NULL, "n2");
    expect_body(st, "k", "null", "n2");
    expect_body(st, "k", v1, "v1");
    store_list_ent_t e[8];
    size_t n = list_all(st, 100, e, 8);
    assert_int_equal(n, 2); /* n1 is gone, v1 kept */
    assert_string_equal(e[0].vid, "null");
    assert_int_equal(e[0].latest, 1);
    assert_string_equal(e[1].vid, v1);
    assert_int_equal(e[1].latest, 0);
    free_ents(e, n);
    /* A delete puts a null marker in place of the null version. */
    store_deleted_t d;
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, NULL, &d), STORE_OK);
    assert_int_equal(d.dm, 1);
    assert_string_equal(d.vid, "null");
    n = list_all(st, 100, e, 8);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].dm, 1);
    assert_int_equal(e[0].latest, 1);
    assert_string_equal(e[1].vid, v1);
    free_ents(e, n);
}

/* Pages of every size list the same versions in the same order: keys in
 * order, each key's newest first, only the first of a key latest. */
static void test_version_pages_agree_with_one_listing(void **state)
{
    store_t *st = ((fx_t *)*state)->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    static const char *const keys[] = {"a", "b/1", "b/2", "c"};
    for (int round = 0; round < 5; round++)
        for (size_t i = 0; i < 4; i++)
            put(st, "b", keys[i], "x", NULL);
    assert_int_equal(st->ops->obj_delete(st, "b", "c", 1, NULL, NULL), STORE_OK);
    store_list_ent_t all[32], page[32];
    size_t n = list_all(st, 1000, all, 32);
    assert_int_equal(n, 21);
    for (size_t i = 0; i < n; i++) {
        int first = i == 0 || strcmp(all[i - 1].key, all[i].key) != 0;
        assert_int_equal(all[i].latest, first);
        if (!first) assert_true(strcmp(all[i - 1].vid, all[i].vid) > 0);
    }
    assert_int_equal(all[15].dm, 1); /* c's marker is its newest */
    assert_string_equal(all[15].key, "c");
    for (unsigned size = 1; size <= 7; size++) {
        size_t m = list_all(st, size, page, 32);
        assert_int_equal(m, n);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(page[i].key, all[i].key);
            assert_string_equal(page[i].vid, all[i].vid);
            assert_int_equal(page[i].latest, all[i].latest);
        }
        free_ents(page, m);
    }
    /* A delimiter rolls b/ up into one prefix. */
    store_list_req_t q = {.prefix = "", .delim = "/", .delim_len = 1, .max = 100};
    store_list_res_t res;
    assert_int_equal(st->ops->list_versions(st, "b", &q, &res), STORE_OK);
    assert_int_equal(res.n, 5 + 1 + 6);
    assert_int_equal(res.ents[5].is_prefix, 1);
    assert_string_equal(res.ents[5].key, "b/");
    store_list_free(&res);
    /* A marker version that is none is refused. */
    q = (store_list_req_t){.prefix = "",
                           .max = 10,
                           .after = "a",
                           .after_len = 1,
                           .after_vid = "0000000000000fff0000000000000000"};
    assert_int_equal(st->ops->list_versions(st, "b", &q, &res), STORE_ENOVERSION);
    free_ents(all, n);
}

/* The versions and markers of a key survive closing and reopening. */
static void test_versions_survive_reopen(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    char v1[40], v2[40];
    put(st, "b", "k", "v1", v1);
    put(st, "b", "k", "v2", v2);
    st->ops->close(st);
    st = f->st = unit_store_open(f->root, NULL);
    char v3[40];
    put(st, "b", "k", "v3", v3);
    assert_true(strcmp(v2, v3) < 0); /* the sequence goes on after a restart */
    expect_body(st, "k", v1, "v1");
    expect_body(st, "k", NULL, "v3");
}

/* Run sql on root's database (the store closed). */
static void db_exec(const char *root, const char *sql)
{
    char path[128];
    snprintf(path, sizeof path, "%s/meta.db", root);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* An open starts above the numbers reserved in seq_reserve without reading
 * the rows; a root without the row (older) starts above every stored
 * number; a reset keeps the reservation. */
static void test_open_starts_above_the_reserved_numbers(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    char v1[40], v2[40], v3[40], v4[40], v5[40];
    put(st, "b", "k", "v1", v1);
    st->ops->close(st);
    f->st = NULL;
    db_exec(f->root, "UPDATE seq_reserve SET hwm = 4294967296 WHERE id = 0");
    st = f->st = unit_store_open(f->root, NULL);
    put(st, "b", "k", "v2", v2);
    assert_true(strncmp(v2, "0000000100000001", 16) == 0); /* not 2: the row was read */
    st->ops->close(st);
    f->st = NULL;
    /* An older fakes3 wrote versions without keeping the row (and wrote
     * its schema number): the open scans. */
    db_exec(f->root, "UPDATE seq_reserve SET hwm = 1; PRAGMA user_version = 8");
    st = f->st = unit_store_open(f->root, NULL);
    put(st, "b", "k", "v3", v3);
    assert_true(strcmp(v2, v3) < 0);
    st->ops->close(st);
    f->st = NULL;
    db_exec(f->root, "DELETE FROM seq_reserve");
    st = f->st = unit_store_open(f->root, NULL);
    put(st, "b", "k", "v4", v4);
    assert_true(strcmp(v3, v4) < 0); /* above every stored number */
    assert_int_equal(st->ops->reset(st, NULL), STORE_OK);
    st->ops->close(st);
    st = f->st = unit_store_open(f->root, NULL);
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    put(st, "b", "k", "v5", v5);
    assert_true(strcmp(v4, v5) < 0); /* the reset kept the reservation */
    expect_body(st, "k", NULL, "v5");
}

/* A root written by 06138df (schema 4) opens: its objects are null
 * versions, its multipart object's parts still read, versioning works. */
static void test_root_written_by_06138df_gains_versions(void **state)
{
    fx_t *f = *state;
    f->st->ops->close(f->st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp -R %s/. %s/", ROOT_06138DF, f->root);
    assert_int_equal(system(cmd), 0);
    store_t *st = f->st = unit_store_open(f->root, NULL);
    store_obj_t o;
    store_reader_t *rd;
    assert_int_equal(st->ops->obj_open(st, "old4-bucket", "two.bin", 7, NULL, &o, &rd), STORE_OK);
    assert_string_equal(o.etag, "c01088370fe2ae9e6b63ae1d8f6c49b2-2");
    assert_string_equal(o.vid, "");
    const store_part_t *parts;
    size_t np;
    st->ops->reader_parts(rd, &parts, &np);
    assert_int_equal(np, 2);
    char tail[8] = "";
    assert_int_equal(st->ops->reader_read(rd, 5u << 20, tail, sizeof tail), 5);
    assert_memory_equal(tail, "tail\n", 5);
    st->ops->reader_close(rd);
    store_obj_free(&o);
    assert_int_equal(st->ops->bucket_set_versioning(st, "old4-bucket", STORE_VERSIONING_ENABLED),
                     STORE_OK);
    store_deleted_t d;
    assert_int_equal(st->ops->obj_delete(st, "old4-bucket", "two.bin", 7, NULL, &d), STORE_OK);
    assert_int_equal(d.dm, 1);
    /* The old object is now the noncurrent null version, parts and all. */
    assert_int_equal(st->ops->obj_open(st, "old4-bucket", "two.bin", 7, "null", &o, &rd), STORE_OK);
    assert_string_equal(o.vid, "null");
    st->ops->reader_parts(rd, &parts, &np);
    assert_int_equal(np, 2);
    assert_int_equal(st->ops->reader_read(rd, 5u << 20, tail, sizeof tail), 5);
    st->ops->reader_close(rd);
    store_obj_free(&o);
    int fd;
    assert_int_equal(st->ops->obj_get(st, "old4-bucket", "hello.txt", 9, "null", &o, &fd),
                     STORE_OK);
    close(fd);
    store_obj_free(&o);
}

/* A version's tag set is its own document: obj_set replaces it on the
 * version named, making no new version, and it moves with the version
 * between current and noncurrent. */
static void test_tags_are_a_document_of_each_version(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    put_tagged(st, "b", "plain", "p", "a=1", NULL); /* unversioned */
    assert_string_equal(tags_of(st, "b", "plain", NULL), "a=1");
    assert_int_equal(st->ops->obj_set(st, "b", "plain", 5, NULL, STORE_DOC_TAGS, ""), STORE_OK);
    assert_string_equal(tags_of(st, "b", "plain", NULL), "");
    expect_body(st, "plain", NULL, "p");

    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    char v1[40], v2[40];
    put_tagged(st, "b", "k", "v1", "color=red", v1);
    put(st, "b", "k", "v2", v2);
    assert_string_equal(tags_of(st, "b", "k", v1), "color=red");
    assert_string_equal(tags_of(st, "b", "k", NULL), ""); /* written without: "" */
    assert_int_equal(st->ops->obj_set(st, "b", "k", 1, v1, STORE_DOC_TAGS, "color=blue&x=1"),
                     STORE_OK);
    assert_int_equal(st->ops->obj_set(st, "b", "k", 1, v2, STORE_DOC_TAGS, "y=2"), STORE_OK);
    assert_string_equal(tags_of(st, "b", "k", v1), "color=blue&x=1");
    assert_string_equal(tags_of(st, "b", "k", NULL), "y=2");
    /* No version was made. */
    store_list_ent_t all[8];
    size_t n = list_all(st, 10, all, 8);
    assert_int_equal(n, 3); /* k: v2, v1; plain */
    free_ents(all, n);
    /* A marker has no tags to set. */
    store_deleted_t d;
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, NULL, &d), STORE_OK);
    assert_int_equal(st->ops->obj_set(st, "b", "k", 1, d.vid, STORE_DOC_TAGS, "z=3"),
                     STORE_EMARKER);
    assert_int_equal(st->ops->obj_set(st, "b", "k", 1, NULL, STORE_DOC_TAGS, "z=3"), STORE_ENOKEY);
    /* v2 current again, then v1: each keeps its own tags through the moves. */
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, d.vid, NULL), STORE_OK);
    assert_string_equal(tags_of(st, "b", "k", NULL), "y=2");
    assert_int_equal(st->ops->obj_delete(st, "b", "k", 1, v2, NULL), STORE_OK);
    assert_string_equal(tags_of(st, "b", "k", NULL), "color=blue&x=1");
    st->ops->close(st);
    st = f->st = unit_store_open(f->root, NULL);
    assert_string_equal(tags_of(st, "b", "k", v1), "color=blue&x=1");
    assert_string_equal(tags_of(st, "b", "plain", "null"), "");
}

/* A root written by a4cc6de (schema 5) kept tags as a header line: its
 * versions, current and noncurrent, read with no tags document (NULL) and
 * that line in their headers, and take one from obj_set. */
static void test_root_written_by_a4cc6de_gains_tags_documents(void **state)
{
    fx_t *f = *state;
    f->st->ops->close(f->st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp -R %s/. %s/", ROOT_A4CC6DE, f->root);
    assert_int_equal(system(cmd), 0);
    store_t *st = f->st = unit_store_open(f->root, NULL);
    sqlite3 *db;
    char path[128];
    snprintf(path, sizeof path, "%s/meta.db", f->root);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 9);
    sqlite3_finalize(q);
    sqlite3_close(db);
    const char *b = "old5-bucket", *v1 = "0000000000000001e23f98a359fe4941";
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, b, "tagged.txt", 10, NULL, &o, NULL), STORE_OK);
    assert_null(o.tags);
    assert_non_null(strstr(o.headers, "x-fakes3-tagging: color=blue\n"));
    store_obj_free(&o);
    assert_int_equal(st->ops->obj_get(st, b, "tagged.txt", 10, v1, &o, NULL), STORE_OK);
    assert_null(o.tags);
    assert_non_null(strstr(o.headers, "x-fakes3-tagging: color=red&size=s\n"));
    store_obj_free(&o);
    assert_int_equal(st->ops->obj_set(st, b, "tagged.txt", 10, v1, STORE_DOC_TAGS, ""), STORE_OK);
    assert_string_equal(tags_of(st, b, "tagged.txt", v1), "");
    assert_string_equal(tags_of(st, b, "tagged.txt", NULL), "(null)");
    /* A new version moves the old current one (no document) aside intact. */
    char v3[40];
    put_tagged(st, b, "tagged.txt", "v3", "n=3", v3);
    assert_string_equal(tags_of(st, b, "tagged.txt", "00000000000000028df5d041d97498b4"), "(null)");
    assert_string_equal(tags_of(st, b, "tagged.txt", NULL), "n=3");
}

/* obj_set_class: the class of one version changes, in obj_get and in both
 * listings; the other versions and the bytes stay as they were. */
static void test_set_class_of_one_version(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "b", "", "o"), STORE_OK);
    assert_int_equal(st->ops->bucket_set_versioning(st, "b", STORE_VERSIONING_ENABLED), STORE_OK);
    char v1[40], v2[40];
    put(st, "b", "k", "v1", v1);
    put(st, "b", "k", "v2", v2);
    assert_int_equal(st->ops->obj_set_class(st, "b", "k", 1, v1, "GLACIER"), STORE_OK);
    assert_int_equal(st->ops->obj_set_class(st, "b", "k", 1, NULL, "STANDARD_IA"), STORE_OK);
    store_obj_t o;
    assert_int_equal(st->ops->obj_get(st, "b", "k", 1, v1, &o, NULL), STORE_OK);
    assert_string_equal(o.sclass, "GLACIER");
    store_obj_free(&o);
    assert_int_equal(st->ops->obj_get(st, "b", "k", 1, NULL, &o, NULL), STORE_OK);
    assert_string_equal(o.sclass, "STANDARD_IA");
    assert_string_equal(o.vid, v2);
    store_obj_free(&o);
    expect_body(st, "k", v1, "v1");
    store_list_ent_t e[4];
    assert_int_equal(list_all(st, 1000, e, 4), 2);
    assert_string_equal(e[0].sclass, "STANDARD_IA");
    assert_string_equal(e[1].sclass, "GLACIER");
    for (size_t i = 0; i < 2; i++)
        free(e[i].key);
    store_list_req_t q = {.prefix = "", .max = 10};
    store_list_res_t res;
    assert_int_equal(st->ops->list(st, "b", &q, &res), STORE_OK);
    assert_int_equal(res.n, 1);
    assert_string_equal(res.ents[0].sclass, "STANDARD_IA");
    store_list_free(&res);
    /* an unknown version, a missing key */
    assert_int_equal(st->ops->obj_set_class(st, "b", "k", 1, "null", "GLACIER"), STORE_ENOVERSION);
    assert_int_equal(st->ops->obj_set_class(st, "b", "nope", 4, NULL, "GLACIER"), STORE_ENOKEY);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, unit_store_teardown)

int main(void)
{
    util_log_quiet = 1;
    const struct CMUnitTest tests[] = {
        T(test_unversioned_bucket_has_no_version_ids),
        T(test_enabled_keeps_every_version_and_markers_hide_them),
        T(test_suspended_replaces_only_the_null_version),
        T(test_version_pages_agree_with_one_listing),
        T(test_versions_survive_reopen),
        T(test_open_starts_above_the_reserved_numbers),
        T(test_root_written_by_06138df_gains_versions),
        T(test_set_class_of_one_version),
        T(test_tags_are_a_document_of_each_version),
        T(test_root_written_by_a4cc6de_gains_tags_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
