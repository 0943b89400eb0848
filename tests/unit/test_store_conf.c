/* Bucket configurations in the SQLite store: put/get/delete of opaque
 * documents per bucket, removal with the bucket, persistence, and the
 * in-place upgrade of a root written before the table existed. */
#include "unit.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/store.h"
#include "unit_store.h"

/* Written by fakes3 at commit b8371cf (see tests/fixtures/roots/README.md). */
#define OLD_ROOT "tests/fixtures/roots/main-b8371cf"

static store_t *open_root(const char *root)
{
    store_options_t opt = {0};
    return unit_store_open(root, &opt);
}

static int setup(void **state)
{
    return unit_store_setup(state, "/tmp/fakes3-conf-XXXXXX");
}

static void expect_doc(store_t *st, const char *bucket, const char *name, const char *want,
                       size_t want_len)
{
    char *doc = NULL;
    size_t len = 0;
    assert_int_equal(st->ops->conf_get(st, bucket, name, &doc, &len), STORE_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(doc, want, want_len);
    assert_int_equal(doc[len], '\0');
    free(doc);
}

static void expect_get_rc(store_t *st, const char *bucket, const char *name, int rc)
{
    char *doc = (char *)"x";
    size_t len = 7;
    assert_int_equal(st->ops->conf_get(st, bucket, name, &doc, &len), rc);
    assert_null(doc);
    assert_int_equal(len, 0);
}

static void test_put_get_delete(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st = open_root(f->root);
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o1"), STORE_OK);
    expect_get_rc(st, "b1", "cors", STORE_ENOCONF);
    /* Opaque bytes, NUL included. */
    static const char doc[] = "<a>\0b</a>";
    assert_int_equal(st->ops->conf_put(st, "b1", "cors", doc, sizeof doc - 1), STORE_OK);
    expect_doc(st, "b1", "cors", doc, sizeof doc - 1);
    /* Names are separate documents. */
    expect_get_rc(st, "b1", "policy", STORE_ENOCONF);
    assert_int_equal(st->ops->conf_put(st, "b1", "policy", "{}", 2), STORE_OK);
    /* Replace. */
    assert_int_equal(st->ops->conf_put(st, "b1", "cors", "second", 6), STORE_OK);
    expect_doc(st, "b1", "cors", "second", 6);
    expect_doc(st, "b1", "policy", "{}", 2);
    /* An empty document is a document. */
    assert_int_equal(st->ops->conf_put(st, "b1", "empty", "", 0), STORE_OK);
    expect_doc(st, "b1", "empty", "", 0);
    /* Delete, twice: the second is still fine. */
    assert_int_equal(st->ops->conf_delete(st, "b1", "cors"), STORE_OK);
    expect_get_rc(st, "b1", "cors", STORE_ENOCONF);
    assert_int_equal(st->ops->conf_delete(st, "b1", "cors"), STORE_OK);
    expect_doc(st, "b1", "policy", "{}", 2);
}

static void test_missing_bucket(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st = open_root(f->root);
    assert_int_equal(st->ops->conf_put(st, "nope", "cors", "x", 1), STORE_ENOBUCKET);
    expect_get_rc(st, "nope", "cors", STORE_ENOBUCKET);
    assert_int_equal(st->ops->conf_delete(st, "nope", "cors"), STORE_ENOBUCKET);
}

static void test_confs_go_with_their_bucket(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st = open_root(f->root);
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o1"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "b2", "", "o1"), STORE_OK);
    assert_int_equal(st->ops->conf_put(st, "b1", "cors", "one", 3), STORE_OK);
    assert_int_equal(st->ops->conf_put(st, "b2", "cors", "two", 3), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, "b1"), STORE_OK);
    expect_get_rc(st, "b1", "cors", STORE_ENOBUCKET);
    /* A new bucket of the same name starts with no configuration. */
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o1"), STORE_OK);
    expect_get_rc(st, "b1", "cors", STORE_ENOCONF);
    expect_doc(st, "b2", "cors", "two", 3);
}

static void test_confs_survive_reopen(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st = open_root(f->root);
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o1"), STORE_OK);
    assert_int_equal(st->ops->conf_put(st, "b1", "cors", "kept", 4), STORE_OK);
    st->ops->close(st);
    st = f->st = open_root(f->root);
    expect_doc(st, "b1", "cors", "kept", 4);
}

static void test_root_written_by_b8371cf_gains_the_table(void **state)
{
    fx_t *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp -R %s/. %s/", OLD_ROOT, f->root);
    assert_int_equal(system(cmd), 0);
    store_t *st = f->st = open_root(f->root);
    /* What the old version wrote is all there. */
    store_bucket_t b;
    assert_int_equal(st->ops->bucket_get(st, "old-bucket", &b), STORE_OK);
    store_obj_t o;
    int fd = -1;
    assert_int_equal(st->ops->obj_get(st, "old-bucket", "hello.txt", 9, NULL, &o, &fd), STORE_OK);
    char buf[64] = "";
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    static const char want[] = "written by fakes3 b8371cf\n";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(buf, want, sizeof want - 1);
    store_obj_free(&o);
    /* And configurations work on it, also after reopening. */
    expect_get_rc(st, "old-bucket", "cors", STORE_ENOCONF);
    assert_int_equal(st->ops->conf_put(st, "old-bucket", "cors", "new", 3), STORE_OK);
    st->ops->close(st);
    st = f->st = open_root(f->root);
    expect_doc(st, "old-bucket", "cors", "new", 3);
    assert_int_equal(st->ops->obj_delete(st, "old-bucket", "hello.txt", 9, NULL, NULL), STORE_OK);
    assert_int_equal(st->ops->bucket_delete(st, "old-bucket"), STORE_OK);
    expect_get_rc(st, "old-bucket", "cors", STORE_ENOBUCKET);
}

/* conf_list: by prefix, in byte order of name, after a name, at most max. */
static void test_conf_list_by_prefix_in_name_order(void **state)
{
    fx_t *f = *state;
    store_t *st = f->st = open_root(f->root);
    assert_int_equal(st->ops->bucket_create(st, "b1", "", "o1"), STORE_OK);
    assert_int_equal(st->ops->bucket_create(st, "b2", "", "o1"), STORE_OK);
    static const char *const names[] = {"inv/z", "inv/a", "inv/B", "inv/", "invx", "cors", "in"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        assert_int_equal(st->ops->conf_put(st, "b1", names[i], names[i], strlen(names[i])),
                         STORE_OK);
    assert_int_equal(st->ops->conf_put(st, "b2", "inv/other", "o", 1), STORE_OK);
    store_conf_t *c;
    size_t n;
    assert_int_equal(st->ops->conf_list(st, "b1", "inv/", NULL, 100, &c, &n), STORE_OK);
    static const char *const want[] = {"inv/", "inv/B", "inv/a", "inv/z"};
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c[i].name, want[i]);
        assert_int_equal(c[i].len, strlen(want[i]));
        assert_memory_equal(c[i].doc, want[i], c[i].len + 1); /* NUL-terminated */
    }
    store_conf_list_free(c, n);
    assert_int_equal(st->ops->conf_list(st, "b1", "inv/", "inv/B", 1, &c, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].name, "inv/a");
    store_conf_list_free(c, n);
    assert_int_equal(st->ops->conf_list(st, "b1", "inv/", "inv/z", 10, &c, &n), STORE_OK);
    assert_int_equal(n, 0);
    store_conf_list_free(c, n);
    assert_int_equal(st->ops->conf_list(st, "nope", "inv/", NULL, 10, &c, &n), STORE_ENOBUCKET);
    assert_null(c);
    assert_int_equal(n, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, unit_store_teardown)

int main(void)
{
    util_log_quiet = 1;
    const struct CMUnitTest tests[] = {
        T(test_put_get_delete),
        T(test_missing_bucket),
        T(test_confs_go_with_their_bucket),
        T(test_confs_survive_reopen),
        T(test_root_written_by_b8371cf_gains_the_table),
        T(test_conf_list_by_prefix_in_name_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
