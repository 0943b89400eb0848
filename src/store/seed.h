/* seed — load a folder of files into the store at start (--seed DIR).
 *
 * Each folder directly in DIR is a bucket (created when missing, owned by
 * the store's default owner; a name the caller's check refuses is skipped
 * with a warning), and each regular file under it, at any depth, an object
 * whose key is its path relative to the bucket folder with '/' separators.
 * Symbolic links are followed (a folder already on the path being walked is
 * skipped, so a link cannot loop); names that are not UTF-8, keys over 1024
 * bytes, files directly in DIR and anything that is not a file or folder
 * are skipped with a warning on stderr. An object gets the MD5 of its bytes
 * as ETag, a Content-Type from its extension (lib/mime) and the store
 * clock's now as Last-Modified; its bytes are shared with the file where
 * the file system can (a reflink), else copied by the kernel (store.h,
 * put_write_file), never hard-linked. Seeding again writes the same keys
 * again and leaves every other object alone. The module knows the store and
 * files only: what a valid bucket name is, the caller says. */
#ifndef FAKES3_SEED_H
#define FAKES3_SEED_H

#include <stddef.h>

#include "store/store.h"

typedef struct seed_stats {
    size_t buckets;  /* bucket folders loaded */
    size_t objects;  /* objects written */
    size_t reflinks; /* of which share their bytes with the file */
    size_t skipped;  /* entries skipped with a warning */
    unsigned long long bytes;
} seed_stats_t;

/* Load dir into st; bucket_name_ok (may be NULL: any name) says whether a
 * folder's name can be a bucket. 0 (stats in *out, may be NULL), or -1 with
 * a message in err when dir cannot be read or the store fails to write
 * (what was loaded before stays). Skipped entries are warnings, not
 * failures. */
int seed_load(store_t *st, const char *dir, int (*bucket_name_ok)(const char *name),
              seed_stats_t *out, char *err, size_t errlen);

#endif
