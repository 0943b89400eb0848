#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/space.h"
#include "store/store.h"

#define BYTES (1u << 20)

typedef struct fx {
    char root[64];
    int dirfd;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->root, sizeof f->root, "/tmp/fakes3-space-XXXXXX");
    if (!mkdtemp(f->root)) return -1;
    f->dirfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    *state = f;
    return f->dirfd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    unlinkat(f->dirfd, ".reserve", 0);
    close(f->dirfd);
    rmdir(f->root);
    free(f);
    return 0;
}

/* Bytes the file system has allocated to the reserve file; -1 if it is absent. */
static long long allocated(const fx_t *f)
{
    struct stat sb;
    if (fstatat(f->dirfd, ".reserve", &sb, 0) != 0) return -1;
    return (long long)sb.st_blocks * 512;
}

static void test_errno_codes(void **state)
{
    (void)state;
    assert_int_equal(store_errno_code(ENOSPC), STORE_ENOSPC);
    assert_int_equal(store_errno_code(EDQUOT), STORE_ENOSPC);
    assert_int_equal(store_errno_code(EMFILE), STORE_EMFILE);
    assert_int_equal(store_errno_code(ENFILE), STORE_EMFILE);
    assert_int_equal(store_errno_code(EIO), STORE_EIO);
    assert_int_equal(store_errno_code(0), STORE_EIO);
}

/* The reserve's bytes are allocated (not a sparse file, which would set
 * nothing aside), given back on release and allocated again on demand. */
static void test_reserve_allocates_releases_and_comes_back(void **state)
{
    fx_t *f = *state;
    store_reserve_t r;
    store_reserve_init(&r, f->dirfd, BYTES);
    assert_false(atomic_load(&r.held));
    assert_int_equal(allocated(f), -1); /* nothing until asked */
    assert_int_equal(store_reserve_ensure(&r), STORE_OK);
    assert_true(allocated(f) >= BYTES);
    assert_int_equal(store_reserve_release(&r), 1);
    assert_int_equal(allocated(f), -1);
    assert_int_equal(store_reserve_release(&r), 0); /* nothing more to give */
    assert_int_equal(store_reserve_ensure(&r), STORE_OK);
    assert_true(allocated(f) >= BYTES);
    store_reserve_destroy(&r);
}

/* A restart finds the reserve in place; a sparse file of the right size
 * (its allocation never happened) does not count and is allocated. */
static void test_reserve_survives_restart_but_not_as_a_sparse_file(void **state)
{
    fx_t *f = *state;
    store_reserve_t r;
    store_reserve_init(&r, f->dirfd, BYTES);
    assert_int_equal(store_reserve_ensure(&r), STORE_OK);
    store_reserve_destroy(&r);
    store_reserve_init(&r, f->dirfd, BYTES);
    assert_true(atomic_load(&r.held));
    store_reserve_destroy(&r);

    unlinkat(f->dirfd, ".reserve", 0);
    int fd = openat(f->dirfd, ".reserve", O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, BYTES), 0);
    close(fd);
    assert_true(allocated(f) < BYTES);
    store_reserve_init(&r, f->dirfd, BYTES);
    assert_false(atomic_load(&r.held));
    assert_int_equal(store_reserve_ensure(&r), STORE_OK);
    assert_true(allocated(f) >= BYTES);
    store_reserve_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_codes),
        cmocka_unit_test_setup_teardown(test_reserve_allocates_releases_and_comes_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reserve_survives_restart_but_not_as_a_sparse_file,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
