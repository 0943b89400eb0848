/* memroot — a private folder in RAM for the store's root (--memory).
 *
 * --memory keeps the default store (SQLite and blob files) but puts its root
 * in a fresh folder on a RAM-backed file system (tmpfs or ramfs), so that it
 * behaves exactly as on disk while nothing is written to a disk (unless the
 * machine swaps tmpfs pages out). The folder is <base>/fakes3-mem-<pid>-<hex>,
 * mode 0700, where base is $FAKES3_MEMORY_DIR if set (it must be RAM-backed),
 * else the first RAM-backed of /dev/shm and $XDG_RUNTIME_DIR. Its data costs
 * as much memory as it holds and is gone when the server stops: a clean stop
 * removes the folder; folders left by processes that died (kill -9) are
 * removed by the next memroot_create under the same base. */
#ifndef FAKES3_MEMROOT_H
#define FAKES3_MEMROOT_H

#include <stddef.h>

/* Sweep stale folders, then make a new one; its path (the caller frees it
 * with memroot_remove), or NULL with a message in err when no RAM-backed
 * folder can be had. */
char *memroot_create(char *err, size_t errlen);

/* Remove the folder and everything in it (the store on it closed), then
 * free path. NULL is ignored. */
void memroot_remove(char *path);

#endif
