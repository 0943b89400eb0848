/* fileclone — put a file's bytes into another file without copying them
 * through user space, and without copying them at all where the file system
 * can share blocks.
 *
 * In order: a reflink (ioctl FICLONE: both files then share extents
 * copy-on-write, so a later edit of either leaves the other's bytes as they
 * were), else copy_file_range (the kernel copies, and may share blocks on
 * its own), else read and write. Never a hard link: an in-place edit of the
 * source would change the copy. No state, safe from any thread. */
#ifndef FAKES3_FILECLONE_H
#define FAKES3_FILECLONE_H

#include <stdint.h>

enum { FILECLONE_REFLINK = 1, FILECLONE_KERNEL = 2, FILECLONE_COPY = 3 };

/* Append the first len bytes of src (read from offset 0, whatever src's file
 * position) to dst at its current position, leaving dst's position after
 * them. A reflink is only tried when dst is empty and src is exactly len
 * bytes. Returns how (FILECLONE_*), or -errno: a file shorter than len is
 * -EIO (it changed while being read). */
int fileclone_append(int dst, int src, uint64_t len);

#endif
