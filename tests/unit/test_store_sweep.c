/* The SQLite store's sweep of unreferenced files: tmp/ emptied before open
 * returns; under blobs/, files no row names removed by a background thread
 * whatever their age, referenced ones kept; copies, writes, a reset and a
 * snapshot restore running beside the sweep never lose a file a row names;
 * closing the store mid-sweep stops it and the next open finishes. */
#include "unit.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "unit_store.h"

static int setup(void **state)
{
    if (unit_store_setup(state, "/tmp/fakes3-sweep-XXXXXX")) return -1;
    fx_t *f = *state;
    f->st = unit_store_open(f->root, NULL);
    return 0;
}

/* Whether bucket/key reads back as body. */
static int reads_as(store_t *st, const char *bucket, const char *key, const char *body)
{
    store_obj_t o;
    int fd = -1;
    if (st->ops->obj_get(st, bucket, key, strlen(key), NULL, &o, &fd) != STORE_OK) return 0;
    char buf[64];
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    store_obj_free(&o);
    return got >= 0 && (size_t)got == strlen(body) && memcmp(buf, body, (size_t)got) == 0;
}

/* A file under blobs/ with a blob's name no row holds; its path into out. */
static void orphan(const char *root, unsigned i, int old, char out[200])
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/blobs/%02x", root, i & 0xff);
    mkdir(dir, 0755);
    snprintf(out, 200, "%s/%02xffffffffffffffffffffff%08x", dir, i & 0xff, i);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "orphan", 6), 6);
    close(fd);
    if (old) {
        struct timespec t[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
        assert_int_equal(utimensat(AT_FDCWD, out, t, 0), 0);
    }
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Poll until none of the n paths exists (the sweep runs in the background);
 * fails after a minute. */
static void wait_gone(char (*paths)[200], size_t n)
{
    for (int tries = 0; tries < 6000; tries++) {
        size_t left = 0;
        for (size_t i = 0; i < n; i++)
            left += exists(paths[i]);
        if (!left) return;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    fail_msg("the sweep left orphans for a minute");
}

static void reopen(fx_t *f)
{
    f->st->ops->close(f->st);
    f->st = unit_store_open(f->root, NULL);
}

/* Old and new orphans go, tmp/ is empty when open returns, the object stays. */
static void test_rules(void **state)
{
    fx_t *f = *state;
    unit_store_put(f->st, "b", "keep", "kept bytes", 1, NULL);
    f->st->ops->close(f->st);
    f->st = NULL;
    char o[2][200], tmp[200];
    orphan(f->root, 1, 1, o[0]);
    orphan(f->root, 2, 0, o[1]);
    snprintf(tmp, sizeof tmp, "%s/tmp/half", f->root);
    FILE *t = fopen(tmp, "w");
    assert_non_null(t);
    fclose(t);
    f->st = unit_store_open(f->root, NULL);
    assert_false(exists(tmp));
    wait_gone(o, 2);
    assert_true(reads_as(f->st, "b", "keep", "kept bytes"));
    reopen(f); /* and nothing the sweep kept is missing at the next start */
    assert_true(reads_as(f->st, "b", "keep", "kept bytes"));
}

#define OLD     1500
#define ORPHANS 100

struct writer {
    store_t *st;
};

static void *copier(void *arg)
{
    struct writer *w = arg;
    char from[32], to[32], body[32];
    for (int i = 0; i < OLD; i += 3) {
        snprintf(from, sizeof from, "old/%04d", i);
        snprintf(to, sizeof to, "copy/%04d", i);
        unit_store_copy(w->st, "b", from, "b", to);
        snprintf(to, sizeof to, "new/%04d", i);
        snprintf(body, sizeof body, "new %d", i);
        unit_store_put(w->st, "b", to, body, 1, NULL);
    }
    return NULL;
}

static void *stater(void *arg)
{
    struct writer *w = arg;
    store_snapshot_t sn;
    assert_int_equal(w->st->ops->snapshot_save(w->st, "s", &sn), STORE_OK);
    assert_int_equal(w->st->ops->reset(w->st, "c"), STORE_OK);
    unit_store_put(w->st, "c", "after-reset", "after", 1, NULL);
    assert_int_equal(w->st->ops->snapshot_restore(w->st, "s"), STORE_OK);
    return NULL;
}

/* Every object listed after copies, puts, a reset and a restore made
 * during the sweep reads back, and only the orphans went. */
static void test_writes_beside_the_sweep(void **state)
{
    fx_t *f = *state;
    char key[32], body[32];
    for (int i = 0; i < OLD; i++) {
        snprintf(key, sizeof key, "old/%04d", i);
        snprintf(body, sizeof body, "old %d", i);
        unit_store_put(f->st, "b", key, body, 1, NULL);
        if (i % 10 == 0) unit_store_put(f->st, "c", key, body, 1, NULL);
    }
    f->st->ops->close(f->st);
    f->st = NULL;
    static char o[ORPHANS][200];
    for (unsigned i = 0; i < ORPHANS; i++)
        orphan(f->root, i * 7919, (int)(i & 1), o[i]);
    f->st = unit_store_open(f->root, NULL);
    struct writer w = {f->st};
    pthread_t a, b;
    pthread_create(&a, NULL, copier, &w);
    pthread_create(&b, NULL, stater, &w);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    wait_gone(o, ORPHANS);
    const char *buckets[] = {"b", "c"};
    size_t total = 0;
    for (int bi = 0; bi < 2; bi++) {
        char after[32] = "";
        for (int more = 1; more;) {
            store_list_req_t req = {.prefix = "",
                                    .after = after[0] ? after : NULL,
                                    .after_len = strlen(after),
                                    .max = 1000};
            store_list_res_t res = {0};
            assert_int_equal(f->st->ops->list(f->st, buckets[bi], &req, &res), STORE_OK);
            for (size_t i = 0; i < res.n; i++) {
                store_obj_t ob;
                int fd = -1;
                assert_int_equal(f->st->ops->obj_get(f->st, buckets[bi], res.ents[i].key,
                                                     res.ents[i].key_len, NULL, &ob, &fd),
                                 STORE_OK);
                char buf[8];
                assert_true(read(fd, buf, sizeof buf) > 0);
                close(fd);
                store_obj_free(&ob);
                snprintf(after, sizeof after, "%.*s", (int)res.ents[i].key_len, res.ents[i].key);
            }
            total += res.n;
            more = res.truncated;
            store_list_free(&res);
        }
    }
    assert_true(total >= OLD);
}

/* A close in the middle of a sweep returns, and the next open sweeps the rest. */
static void test_close_mid_sweep(void **state)
{
    fx_t *f = *state;
    unit_store_put(f->st, "b", "keep", "kept bytes", 1, NULL);
    f->st->ops->close(f->st);
    f->st = NULL;
    enum { N = 5000 };
    static char o[N][200];
    for (unsigned i = 0; i < N; i++)
        orphan(f->root, i, 1, o[i]);
    f->st = unit_store_open(f->root, NULL);
    reopen(f);
    wait_gone(o, N);
    assert_true(reads_as(f->st, "b", "keep", "kept bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules, setup, unit_store_teardown),
        cmocka_unit_test_setup_teardown(test_writes_beside_the_sweep, setup, unit_store_teardown),
        cmocka_unit_test_setup_teardown(test_close_mid_sweep, setup, unit_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
