/* seed — see seed.h. */
#include "store/seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/mime.h"
#include "lib/util.h"

#define SEED_KEY_MAX 1024
#define SEED_READ    (1u << 20)

/* The folders on the path being walked, to refuse a link back into one. */
struct seen {
    dev_t dev;
    ino_t ino;
};

struct walk {
    store_t *st;
    const char *bucket;
    buf_t key; /* the relative path of the folder being walked, with a trailing '/' */
    struct seen *path;
    size_t depth, cap;
    unsigned char *rbuf; /* SEED_READ bytes, for the MD5 */
    seed_stats_t stats;
    char *err;
    size_t errlen;
};

static void warn(struct walk *w, const char *what, const char *name)
{
    w->stats.skipped++;
    util_err("fakes3: --seed: skipped %s%s%s: %s", w->bucket ? w->bucket : "", w->bucket ? "/" : "",
             name, what);
}

/* The MD5 of the first len bytes of fd, in hex; -1 when fewer are there. */
static int md5_of(struct walk *w, int fd, uint64_t len, char hex[33])
{
    struct md5_ctx m;
    md5_init(&m);
    uint64_t off = 0;
    while (off < len) {
        size_t want = len - off < SEED_READ ? (size_t)(len - off) : SEED_READ;
        ssize_t n = pread(fd, w->rbuf, want, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        md5_update(&m, (size_t)n, w->rbuf);
        off += (uint64_t)n;
    }
    unsigned char d[MD5_DIGEST_SIZE];
    md5_digest(&m, sizeof d, d);
    util_hex(d, sizeof d, hex);
    return 0;
}

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/* One object from the regular file name in dfd, key w->key + name. 0, or -1
 * when the store failed (err set). */
static int seed_file(struct walk *w, int dfd, const char *name, size_t klen)
{
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat before, after;
    if (fd < 0 || fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        warn(w, fd < 0 ? strerror(errno) : "not a regular file", w->key.p);
        if (fd >= 0) close(fd);
        return 0;
    }
    uint64_t size = (uint64_t)before.st_size;
    store_obj_t meta = {0};
    if (md5_of(w, fd, size, meta.etag) != 0) {
        warn(w, "could not be read whole (changed while seeding?)", w->key.p);
        close(fd);
        return 0;
    }
    store_put_t *p = NULL;
    int shared = 0, rc = w->st->ops->put_begin(w->st, &p);
    if (rc == STORE_OK) rc = w->st->ops->put_write_file(p, fd, size, &shared);
    if (rc == STORE_OK && (fstat(fd, &after) != 0 || !same_file_state(&before, &after))) {
        w->st->ops->put_abort(p);
        warn(w, "changed while seeding", w->key.p);
        close(fd);
        return 0;
    }
    close(fd);
    buf_t hdr = BUF_INIT;
    buf_printf(&hdr, "Content-Type: %s\n", mime_type(name));
    meta.size = size;
    meta.headers = hdr.p;
    if (rc == STORE_OK) {
        rc = w->st->ops->put_commit(p, w->bucket, w->key.p, klen, &meta, 0, NULL);
        p = NULL;
    }
    if (p) w->st->ops->put_abort(p);
    meta.headers = NULL;
    free(meta.blob);
    buf_free(&hdr);
    if (rc != STORE_OK) {
        snprintf(w->err, w->errlen, "--seed: storing %s/%s failed (store error %d)", w->bucket,
                 w->key.p, rc);
        return -1;
    }
    w->stats.objects++;
    w->stats.reflinks += shared != 0;
    w->stats.bytes += size;
    return 0;
}

/* Walk the folder open as dfd (closed here), whose key prefix is w->key. */
static int walk_dir(struct walk *w, int dfd)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        warn(w, strerror(errno), w->key.len ? w->key.p : "(bucket folder)");
        close(dfd);
        return 0;
    }
    size_t base = w->key.len;
    int ret = 0;
    struct dirent *e;
    while (ret == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        w->key.len = base;
        buf_puts(&w->key, e->d_name);
        if (!util_utf8_valid(e->d_name, strlen(e->d_name))) {
            warn(w, "the name is not UTF-8", w->key.p);
            continue;
        }
        struct stat sb;
        if (fstatat(dfd, e->d_name, &sb, 0) != 0) {
            warn(w, strerror(errno), w->key.p);
            continue;
        }
        if (S_ISREG(sb.st_mode)) {
            if (w->key.len > SEED_KEY_MAX)
                warn(w, "the key is longer than 1024 bytes", w->key.p);
            else
                ret = seed_file(w, dfd, e->d_name, w->key.len);
            continue;
        }
        if (!S_ISDIR(sb.st_mode)) {
            warn(w, "not a file or folder", w->key.p);
            continue;
        }
        int loops = 0;
        for (size_t i = 0; i < w->depth; i++)
            loops |= w->path[i].dev == sb.st_dev && w->path[i].ino == sb.st_ino;
        if (loops) {
            warn(w, "a link back to a folder above it", w->key.p);
            continue;
        }
        if (w->key.len >= SEED_KEY_MAX) {
            warn(w, "every key under it is longer than 1024 bytes", w->key.p);
            continue;
        }
        int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0) {
            warn(w, strerror(errno), w->key.p);
            continue;
        }
        buf_putc(&w->key, '/');
        w->path = xgrow(w->path, &w->cap, w->depth + 1, sizeof *w->path);
        w->path[w->depth++] = (struct seen){sb.st_dev, sb.st_ino};
        ret = walk_dir(w, sub);
        w->depth--;
    }
    if (ret == 0 && errno != 0 && !e) warn(w, strerror(errno), base ? w->key.p : "(folder)");
    w->key.len = base;
    if (w->key.p) w->key.p[base] = '\0';
    closedir(d);
    return ret;
}

int seed_load(store_t *st, const char *dir, int (*bucket_name_ok)(const char *name),
              seed_stats_t *out, char *err, size_t errlen)
{
    struct walk w = {.st = st, .err = err, .errlen = errlen};
    int ret = -1;
    DIR *top = NULL;
    int tfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0 || !(top = fdopendir(tfd))) {
        snprintf(err, errlen, "--seed %s: %s", dir, strerror(errno));
        if (tfd >= 0) close(tfd);
        return -1;
    }
    w.rbuf = xmalloc(SEED_READ);
    struct dirent *e;
    while ((e = readdir(top)) != NULL) {
        const char *name = e->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
        struct stat sb;
        w.bucket = NULL;
        if (fstatat(tfd, name, &sb, 0) != 0) {
            warn(&w, strerror(errno), name);
            continue;
        }
        if (!S_ISDIR(sb.st_mode)) {
            warn(&w, "a file directly in the seed folder belongs to no bucket", name);
            continue;
        }
        if (strlen(name) > 63 || (bucket_name_ok && !bucket_name_ok(name))) {
            warn(&w, "not a valid bucket name", name);
            continue;
        }
        int bfd = openat(tfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0) {
            warn(&w, strerror(errno), name);
            continue;
        }
        int rc = st->ops->bucket_create(st, name, "", NULL);
        if (rc != STORE_OK && rc != STORE_EEXIST) {
            close(bfd);
            snprintf(err, errlen, "--seed: creating bucket %s failed (store error %d)", name, rc);
            goto out;
        }
        w.bucket = name;
        w.depth = 0;
        w.path = xgrow(w.path, &w.cap, 1, sizeof *w.path);
        w.path[w.depth++] = (struct seen){sb.st_dev, sb.st_ino};
        buf_reset(&w.key);
        if (walk_dir(&w, bfd) != 0) goto out;
        w.stats.buckets++;
    }
    ret = 0;
out:
    if (out) *out = w.stats;
    closedir(top);
    buf_free(&w.key);
    free(w.path);
    free(w.rbuf);
    return ret;
}
