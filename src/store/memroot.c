/* memroot — see memroot.h. */
#include "store/memroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/util.h"

#define MEMROOT_PREFIX "fakes3-mem-"
#define TMPFS_MAGIC_   0x01021994
#define RAMFS_MAGIC_   0x858458f6

static int ram_backed(const char *dir)
{
    struct statfs sf;
    struct stat sb;
    if (!dir || !*dir || statfs(dir, &sf) != 0 || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return 0;
    return (unsigned long)sf.f_type == TMPFS_MAGIC_ || (unsigned long)sf.f_type == RAMFS_MAGIC_;
}

/* Remove everything under the folder open as dfd (closed here), depth
 * first; a failure is left for the next sweep. */
static void remove_tree_at(int dfd)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (unlinkat(dfd, e->d_name, 0) == 0) continue;
        int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) continue;
        remove_tree_at(sub);
        unlinkat(dfd, e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

static void remove_tree(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) remove_tree_at(fd);
    unlinkat(parent, name, AT_REMOVEDIR);
}

/* Remove our folders under base whose process is gone. A pid that was
 * reused by another process keeps its folder until that one is gone too. */
static void sweep(const char *base)
{
    int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0) return;
    DIR *d = fdopendir(dup(bfd));
    if (!d) {
        close(bfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, MEMROOT_PREFIX, strlen(MEMROOT_PREFIX)) != 0) continue;
        char *end;
        long pid = strtol(e->d_name + strlen(MEMROOT_PREFIX), &end, 10);
        struct stat sb;
        if (pid <= 0 || *end != '-' || pid == (long)getpid()) continue;
        if (fstatat(bfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode) ||
            sb.st_uid != getuid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        remove_tree(bfd, e->d_name);
        util_log("fakes3: --memory: removed %s/%s (left by process %ld, gone)", base, e->d_name,
                 pid);
    }
    closedir(d);
    close(bfd);
}

char *memroot_create(char *err, size_t errlen)
{
    const char *env = getenv("FAKES3_MEMORY_DIR");
    const char *base = NULL;
    if (env && *env) {
        if (!ram_backed(env)) {
            snprintf(err, errlen,
                     "--memory: FAKES3_MEMORY_DIR=%s is not a folder on a RAM-backed file "
                     "system (tmpfs)",
                     env);
            return NULL;
        }
        base = env;
    } else if (ram_backed("/dev/shm")) {
        base = "/dev/shm";
    } else if (ram_backed(getenv("XDG_RUNTIME_DIR"))) {
        base = getenv("XDG_RUNTIME_DIR");
    } else {
        snprintf(err, errlen,
                 "--memory: no RAM-backed folder: /dev/shm and $XDG_RUNTIME_DIR are not tmpfs; "
                 "set FAKES3_MEMORY_DIR to a tmpfs mount");
        return NULL;
    }
    sweep(base);
    unsigned char rnd[8];
    char hex[17];
    util_random(rnd, sizeof rnd);
    util_hex(rnd, sizeof rnd, hex);
    size_t n = strlen(base) + sizeof MEMROOT_PREFIX + 40;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/" MEMROOT_PREFIX "%ld-%s", base, (long)getpid(), hex);
    if (mkdir(path, 0700) != 0) {
        snprintf(err, errlen, "--memory: %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    return path;
}

void memroot_remove(char *path)
{
    if (!path) return;
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        int bfd = open(*path ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        *slash = '/';
        if (bfd >= 0) {
            remove_tree(bfd, slash + 1);
            close(bfd);
        }
    }
    free(path);
}
