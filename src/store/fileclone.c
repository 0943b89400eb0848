/* fileclone — see fileclone.h. */
#include "store/fileclone.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* copy_file_range answers these when the two files cannot be copied between
 * in the kernel (different file systems, or one that does not take part). */
static int kernel_copy_unsupported(int e)
{
    return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == ENOTSUP ||
           e == EBADF || e == ETXTBSY;
}

int fileclone_append(int dst, int src, uint64_t len)
{
    struct stat ds, ss;
    if (fstat(dst, &ds) != 0 || fstat(src, &ss) != 0) return -errno;
    off_t at = lseek(dst, 0, SEEK_CUR);
    if (at < 0) return -errno;
    if (len == 0) return FILECLONE_COPY;
    if (ds.st_size == 0 && at == 0 && (uint64_t)ss.st_size == len && ioctl(dst, FICLONE, src) == 0)
        return lseek(dst, (off_t)len, SEEK_SET) < 0 ? -errno : FILECLONE_REFLINK;
    off_t in = 0;
    uint64_t left = len;
    int how = FILECLONE_KERNEL;
    while (left) {
        ssize_t n = copy_file_range(src, &in, dst, NULL, left > (1u << 30) ? (1u << 30) : left, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && in == 0 && kernel_copy_unsupported(errno)) {
            how = FILECLONE_COPY;
            break;
        }
        if (n < 0) return -errno;
        if (n == 0) return -EIO;
        left -= (uint64_t)n;
    }
    if (how == FILECLONE_KERNEL) return how;
    size_t cap = 1u << 20;
    char *buf = malloc(cap);
    if (!buf) return -ENOMEM;
    int ret = how;
    while (left) {
        ssize_t n = pread(src, buf, left < cap ? left : cap, in);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ret = n < 0 ? -errno : -EIO;
            goto out;
        }
        for (ssize_t w = 0; w < n;) {
            ssize_t k = write(dst, buf + w, (size_t)(n - w));
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) {
                ret = -errno;
                goto out;
            }
            w += k;
        }
        in += n;
        left -= (uint64_t)n;
    }
out:
    free(buf);
    return ret;
}
