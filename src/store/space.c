#include "store/space.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/store.h"

#define RESERVE_NAME ".reserve"

int store_errno_code(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT: return STORE_ENOSPC;
    case EMFILE:
    case ENFILE: return STORE_EMFILE;
    default: return STORE_EIO;
    }
}

void store_reserve_init(store_reserve_t *r, int dirfd, uint64_t bytes)
{
    r->dirfd = dirfd;
    r->bytes = bytes;
    pthread_mutex_init(&r->mu, NULL);
    struct stat sb;
    /* st_blocks: a file whose bytes were never allocated (a crash while
     * allocating) reserves nothing. */
    int held = fstatat(dirfd, RESERVE_NAME, &sb, 0) == 0 && (uint64_t)sb.st_size == bytes &&
               (uint64_t)sb.st_blocks * 512 >= bytes;
    atomic_store(&r->held, held);
    atomic_store(&r->off, 0);
}

int store_reserve_ensure(store_reserve_t *r)
{
    if (atomic_load(&r->held) || atomic_load(&r->off)) return STORE_OK;
    pthread_mutex_lock(&r->mu);
    int e = 0;
    if (atomic_load(&r->held) || atomic_load(&r->off)) goto out;
    int fd = openat(r->dirfd, RESERVE_NAME, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = errno;
        goto out;
    }
    /* posix_fallocate allocates every block (writing zeros where the file
     * system has no fallocate), so these bytes are really set aside. */
    e = posix_fallocate(fd, 0, (off_t)r->bytes);
    if (e != 0) {
        /* What was allocated before the failure goes back at once. */
        if (ftruncate(fd, 0) != 0) unlinkat(r->dirfd, RESERVE_NAME, 0);
    } else {
        atomic_store(&r->held, 1);
    }
    close(fd);
out:
    if (e && store_errno_code(e) == STORE_EIO) {
        util_err("store: no reserve for deletes on a full disk (%s): they may fail there",
                 strerror(e));
        atomic_store(&r->off, 1);
        e = 0;
    }
    pthread_mutex_unlock(&r->mu);
    return e ? store_errno_code(e) : STORE_OK;
}

int store_reserve_release(store_reserve_t *r)
{
    pthread_mutex_lock(&r->mu);
    int was = atomic_load(&r->held);
    /* Unlinked, not truncated: a file of 0 bytes still costs an inode. */
    if (unlinkat(r->dirfd, RESERVE_NAME, 0) != 0 && errno != ENOENT)
        util_err("store: unlink %s: %s", RESERVE_NAME, strerror(errno));
    atomic_store(&r->held, 0);
    pthread_mutex_unlock(&r->mu);
    if (was) util_log("store: the disk is full: reserve released so that deletes can commit");
    return was;
}

void store_reserve_destroy(store_reserve_t *r)
{
    pthread_mutex_destroy(&r->mu);
}
