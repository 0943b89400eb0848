/* --seed's pieces: the extension table (lib/mime), the copy without user
 * space (store/fileclone) and the loader (store/seed) on a real store. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/mime.h"
#include "store/fileclone.h"
#include "store/seed.h"
#include "unit_store.h"

static void test_mime_by_extension(void **state)
{
    (void)state;
    static const struct {
        const char *name, *type;
    } cases[] = {
        {"index.html", "text/html"},
        {"a/b/c/INDEX.HTM", "text/html"},
        {"x.tar.gz", "application/gzip"},
        {"style.css", "text/css"},
        {"data.JSON", "application/json"},
        {"photo.jpeg", "image/jpeg"},
        {"7z.7z", "application/x-7z-compressed"},
        {"zz.zst", "application/zstd"},
        {"noext", MIME_DEFAULT},
        {".env", MIME_DEFAULT},       /* a leading dot is no extension */
        {"dir.d/file", MIME_DEFAULT}, /* a dot in a folder's name is not the file's */
        {"trailing.", MIME_DEFAULT},
        {"x.unknown", MIME_DEFAULT},
        {"", MIME_DEFAULT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(mime_type(cases[i].name), cases[i].type);
}

static int temp_file(const char *root, const char *name, const void *data, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    return fd;
}

static void test_fileclone_appends_and_detects_a_short_file(void **state)
{
    fx_t *f = *state;
    char big[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    int src = temp_file(f->root, "src", big, sizeof big);
    /* into an empty file: the whole source (a reflink where possible) */
    int dst = temp_file(f->root, "dst", "", 0);
    assert_true(fileclone_append(dst, src, sizeof big) > 0);
    /* after bytes already there: appended at the position */
    assert_int_equal(write(dst, "tail", 4), 4);
    assert_true(fileclone_append(dst, src, 1000) > 0);
    char back[sizeof big + 1004];
    assert_int_equal(pread(dst, back, sizeof back, 0), (ssize_t)sizeof back);
    assert_memory_equal(back, big, sizeof big);
    assert_memory_equal(back + sizeof big, "tail", 4);
    assert_memory_equal(back + sizeof big + 4, big, 1000);
    /* a source shorter than promised: -EIO, not a short object */
    int dst2 = temp_file(f->root, "dst2", "", 0);
    assert_int_equal(fileclone_append(dst2, src, sizeof big + 10), -EIO);
    /* nothing to copy */
    assert_true(fileclone_append(dst2, src, 0) > 0);
    close(src);
    close(dst);
    close(dst2);
}

static void mkdirs(const char *root, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    mkdir(path, 0755);
}

static void put_file(const char *root, const char *rel, const char *text)
{
    close(temp_file(root, rel, text, strlen(text)));
}

static int name_ok(const char *name)
{
    return strcmp(name, "refused") != 0;
}

static void test_seed_load_into_a_store(void **state)
{
    fx_t *f = *state;
    char sroot[128];
    snprintf(sroot, sizeof sroot, "%s/store", f->root);
    f->st = unit_store_open(sroot, NULL);
    mkdirs(f->root, "seed/bkt/a/b");
    mkdirs(f->root, "seed/refused");
    put_file(f->root, "seed/bkt/a/b/page.html", "<p>");
    put_file(f->root, "seed/bkt/top.json", "{}");
    put_file(f->root, "seed/bkt/empty", "");
    put_file(f->root, "seed/refused/x", "x");
    put_file(f->root, "seed/stray", "s");
    char dir[128], err[256] = "";
    snprintf(dir, sizeof dir, "%s/seed", f->root);
    seed_stats_t ss;
    for (int round = 0; round < 2; round++) { /* seeding again changes nothing */
        assert_int_equal(seed_load(f->st, dir, name_ok, &ss, err, sizeof err), 0);
        assert_int_equal(ss.buckets, 1);
        assert_int_equal(ss.objects, 3);
        assert_int_equal(ss.skipped, 2);
        assert_int_equal(ss.bytes, 5);
    }
    store_obj_t o = {0};
    int fd = -1;
    assert_int_equal(f->st->ops->obj_get(f->st, "bkt", "a/b/page.html", 13, NULL, &o, &fd), 0);
    assert_string_equal(o.etag, "4da1a46ec20cf93ee5c846a51e04f0ed"); /* md5("<p>") */
    assert_string_equal(o.headers, "Content-Type: text/html\n");
    assert_int_equal(o.size, 3);
    char b[8];
    assert_int_equal(read(fd, b, sizeof b), 3);
    assert_memory_equal(b, "<p>", 3);
    close(fd);
    store_obj_free(&o);
    assert_int_equal(f->st->ops->obj_get(f->st, "bkt", "empty", 5, NULL, &o, NULL), 0);
    assert_string_equal(o.etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_string_equal(o.headers, "Content-Type: binary/octet-stream\n");
    store_obj_free(&o);
    assert_int_equal(f->st->ops->bucket_get(f->st, "refused", NULL), STORE_ENOBUCKET);
    /* a folder that is not there */
    snprintf(dir, sizeof dir, "%s/nope", f->root);
    assert_int_equal(seed_load(f->st, dir, name_ok, &ss, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file or directory"));
}

static int setup(void **state)
{
    return unit_store_setup(state, "/tmp/fakes3-seed-XXXXXX");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mime_by_extension),
        cmocka_unit_test_setup_teardown(test_fileclone_appends_and_detects_a_short_file, setup,
                                        unit_store_teardown),
        cmocka_unit_test_setup_teardown(test_seed_load_into_a_store, setup, unit_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
