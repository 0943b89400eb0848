/* store — buckets and objects behind a small interface.
 *
 * A store_t is a table of operations (struct store_ops) plus the backend's
 * own state; callers use it through st->ops. The default backend
 * (store_sqlite.c) keeps metadata in SQLite and object bytes in blob files
 * under one root folder, and publishes a write with one transaction after
 * the bytes are in place, so that a crash leaves either the old object or
 * the new one. Keys are byte strings (length given), compared bytewise.
 * Every function is safe to call from any thread at the same time.
 *
 * Errors: functions return STORE_OK (0) or one of the negative STORE_E*
 * codes below. Strings returned inside structs are owned by the struct and
 * released by the matching *_free function. The store knows nothing of
 * HTTP or XML.
 *
 * A full disk: the SQLite backend keeps a reserve file under the root
 * (store_sqlite.c, RESERVE_BYTES) that it gives up when a delete cannot
 * commit for lack of space, so that deleting always works and frees space.
 * While the reserve cannot be put back, writes that add data fail with
 * STORE_ENOSPC instead of taking the space deletes need.
 *
 * Owners: buckets, objects and uploads each carry an owner, an opaque string
 * (STORE_OWNER_MAX bytes at most) that the store keeps and returns but never
 * interprets. Rows written before owners were kept, and writes that name an
 * empty owner, belong to the store's default owner (store_options_t). */
#ifndef FAKES3_STORE_H
#define FAKES3_STORE_H

#include <stddef.h>
#include <stdint.h>

enum {
    STORE_OK = 0,
    STORE_ENOKEY = -1,       /* no such object */
    STORE_ENOBUCKET = -2,    /* no such bucket */
    STORE_EEXIST = -3,       /* bucket exists */
    STORE_ENOTEMPTY = -4,    /* bucket has objects */
    STORE_EIO = -5,          /* disk or database failure */
    STORE_ETOOBIG = -6,      /* more bytes than allowed */
    STORE_EPRECOND = -7,     /* a write condition did not hold */
    STORE_ENOUPLOAD = -8,    /* no such multipart upload */
    STORE_EBADPART = -9,     /* a part changed or vanished while completing */
    STORE_ENOSPC = -10,      /* no space left on the device holding the root (ENOSPC, EDQUOT) */
    STORE_EMFILE = -11,      /* out of file descriptors (EMFILE, ENFILE): try again later */
    STORE_ENOCONF = -12,     /* the bucket has no configuration of that name */
    STORE_ENOVERSION = -13,  /* no version of the key has that id */
    STORE_EBADVERSION = -14, /* not a version id (malformed) */
    STORE_EMARKER = -15,     /* the version named is a delete marker (see obj_get) */
    STORE_ENOSNAPSHOT = -16, /* no snapshot has that name */
    STORE_EINVAL = -17,      /* not a snapshot name (store_snapshot_name_ok) */
};

/* A bucket's versioning state: unversioned until first enabled, never back. */
enum { STORE_UNVERSIONED = 0, STORE_VERSIONING_ENABLED = 1, STORE_VERSIONING_SUSPENDED = 2 };

/* Documents kept with an object version that obj_set can replace. */
typedef enum { STORE_DOC_ACL, STORE_DOC_LOCK, STORE_DOC_TAGS, STORE_DOC_RESTORE } store_doc_t;

/* Conditions checked atomically with publishing a write (S3 conditional
 * writes): none, "the key must not exist", or "its ETag must be this". */
typedef struct store_cond {
    int if_none_match;    /* fail with STORE_EPRECOND when the key exists */
    const char *if_match; /* unquoted ETag, or "*" for any: STORE_ENOKEY if absent,
                             STORE_EPRECOND if another ETag */
} store_cond_t;

typedef struct store store_t;
typedef struct store_put store_put_t;
typedef struct store_reader store_reader_t;

#define STORE_OWNER_MAX 80 /* bytes of an owner, with its NUL */

typedef struct store_bucket {
    char name[64];
    char region[32];
    int64_t created_ms;
    char owner[STORE_OWNER_MAX];
    int versioning; /* STORE_UNVERSIONED, STORE_VERSIONING_ENABLED or _SUSPENDED */
} store_bucket_t;

/* An object's metadata. headers holds the HTTP headers stored with the
 * object, one "Name: value\n" line each (Content-Type, x-amz-meta-*, ...). */
typedef struct store_obj {
    char *key;
    size_t key_len;
    uint64_t size;
    char etag[48]; /* unquoted, e.g. md5 hex */
    int64_t mtime_ms;
    char *headers;   /* owned, may be "" */
    char *blob;      /* owned backend handle of the bytes ("" for a multipart object) */
    uint32_t nparts; /* 0: one blob; else the number of parts it was completed from */
    /* storage class ("" for STANDARD): written by put_commit and mpu_complete,
     * replaced by obj_set_class, filled in by obj_get and obj_open */
    char sclass[24];
    /* who owns it: set by the caller of put_commit (mpu_complete uses the
     * upload's owner); filled in by obj_get and obj_open */
    char owner[STORE_OWNER_MAX];
    /* its access control document (opaque to the store), owned; NULL or ""
     * when none was stored. Written by put_commit (mpu_complete: the
     * upload's), filled in by obj_get and obj_open */
    char *acl;
    /* its object lock document (opaque to the store), owned; NULL or "" when
     * none. Written by put_commit and mpu_complete from meta, replaced by obj_set */
    char *lock;
    /* its tag set (opaque to the store), owned. Written by put_commit and
     * mpu_complete from meta ("" when NULL), replaced by obj_set; obj_get and
     * obj_open give NULL for a version stored before the store kept it (a
     * root older than schema 6), "" or the document otherwise */
    char *tags;
    /* its restore document (opaque to the store: what RestoreObject made of
     * an archived version), owned; "" when none. New versions have none;
     * replaced by obj_set; filled in by obj_get and obj_open */
    char *restore;
    /* The version: "" in a bucket that never had versioning, "null" for the
     * null version, else an opaque id (at most 39 bytes) that sorts by
     * creation within a key. Filled in by put_commit, mpu_complete, obj_get
     * and obj_open. */
    char vid[40];
    /* obj_get and obj_open: set with vid and mtime_ms when the version found
     * is a delete marker (they then return STORE_ENOKEY or STORE_EMARKER) */
    int dm;
} store_obj_t;

/* A part: of a multipart upload in progress, or of a completed object. */
typedef struct store_part {
    uint32_t num; /* part number as uploaded (1..10000) */
    uint64_t size;
    char etag[48];     /* md5 hex, unquoted */
    char checksum[64]; /* base64 of the upload's checksum algorithm, or "" */
    char *blob;        /* owned */
    int64_t mtime_ms;
} store_part_t;

/* What obj_delete did: the version it removed or the marker it added. */
typedef struct store_deleted {
    char vid[40]; /* "" when the bucket never had versioning */
    int dm;       /* the version removed, or the one added, is a delete marker */
} store_deleted_t;

/* Release an array of n parts. */
void store_parts_free(store_part_t *p, size_t n);

/* A multipart upload in progress. */
typedef struct store_upload {
    char id[40];
    char bucket[64];
    char *key; /* owned */
    size_t key_len;
    int64_t created_ms;
    char *headers;               /* owned: metadata the object will get */
    char ck_alg[16];             /* "CRC32" ... or "" */
    char ck_type[16];            /* "COMPOSITE", "FULL_OBJECT" or "" */
    char owner[STORE_OWNER_MAX]; /* who initiated it; the completed object's owner */
    char *acl;                   /* owned, may be NULL: the completed object's ACL document */
} store_upload_t;

/* Release the strings an upload holds. */
void store_upload_free(store_upload_t *u);

typedef struct store_mpu_list_req {
    const char *prefix;
    size_t prefix_len;
    const char *delim;
    size_t delim_len;
    const char *key_marker; /* NULL: from the start */
    size_t key_marker_len;
    const char *upload_marker; /* with key_marker: uploads of that key after this id */
    unsigned max;
} store_mpu_list_req_t;

typedef struct store_mpu_list_res {
    store_upload_t *ups; /* owned; a common prefix has only key set and id[0] == 0 */
    size_t n;
    int truncated;
} store_mpu_list_res_t;

/* Release a listing of uploads. */
void store_mpu_list_free(store_mpu_list_res_t *res);

/* Release the strings held by o (not o itself). */
void store_obj_free(store_obj_t *o);

typedef struct store_list_req {
    const char *prefix;
    size_t prefix_len;
    const char *delim; /* NULL or empty: no delimiter */
    size_t delim_len;
    const char *after; /* NULL: from the start; else only entries > after */
    size_t after_len;
    unsigned max; /* entries (keys + common prefixes) wanted */
    /* list_versions only: with after, start inside that key, after this
     * version (an id as obj_get takes it); STORE_ENOVERSION if it is none */
    const char *after_vid;
} store_list_req_t;

typedef struct store_list_ent {
    char *key; /* owned */
    size_t key_len;
    int is_prefix; /* a common prefix: only key is set */
    uint64_t size;
    char etag[48];
    int64_t mtime_ms;
    char sclass[24]; /* "" for STANDARD */
    char owner[STORE_OWNER_MAX];
    /* list_versions only */
    char vid[40]; /* "null" for the null version */
    int dm;       /* a delete marker (size, etag, sclass unset) */
    int latest;   /* the key's current version or marker */
} store_list_ent_t;

typedef struct store_list_res {
    store_list_ent_t *ents; /* owned array */
    size_t n;
    int truncated; /* more entries follow the last one */
} store_list_res_t;

/* Release a listing's entries. */
void store_list_free(store_list_res_t *res);

/* A bucket configuration document, as conf_list returns them. */
typedef struct store_conf {
    char *name; /* owned */
    char *doc;  /* owned, NUL-terminated after len bytes */
    size_t len;
} store_conf_t;

/* Release n documents and the array. */
void store_conf_list_free(store_conf_t *c, size_t n);

/* A saved state of the whole store (snapshot_save, snapshot_list). */
typedef struct store_snapshot {
    char name[65];
    int64_t created_ms; /* util_now_ms() when it was saved */
    uint64_t buckets;   /* buckets it holds */
    uint64_t objects;   /* current objects it holds (as stats counts them) */
} store_snapshot_t;

/* Whether name may name a snapshot: 1 to 64 of [A-Za-z0-9._-], not
 * starting with '.'. */
int store_snapshot_name_ok(const char *name);

/* One bucket's stored totals (bucket_stats), kept up to date by every write
 * in the same transaction, never counted when asked. Delete markers are in
 * none of them. */
typedef struct store_bucket_stats {
    char name[64];
    uint64_t objects, bytes;                       /* current objects */
    uint64_t noncurrent_objects, noncurrent_bytes; /* noncurrent versions */
    uint64_t uploads;                              /* multipart uploads in progress */
} store_bucket_stats_t;

struct store_ops {
    /* Close and free the store. */
    void (*close)(store_t *st);

    /* Create a bucket owned by owner; STORE_EEXIST if it exists (whoever owns it). */
    int (*bucket_create)(store_t *st, const char *name, const char *region, const char *owner);
    /* Look a bucket up; STORE_ENOBUCKET if absent. out may be NULL. */
    int (*bucket_get)(store_t *st, const char *name, store_bucket_t *out);
    /* Delete an empty bucket; STORE_ENOBUCKET, STORE_ENOTEMPTY. */
    int (*bucket_delete)(store_t *st, const char *name);
    /* The buckets of owner (NULL: all buckets) by name; *out is a new array
     * the caller frees. */
    int (*bucket_list)(store_t *st, const char *owner, store_bucket_t **out, size_t *n);
    /* Set a bucket's versioning state (STORE_VERSIONING_ENABLED or
     * _SUSPENDED). STORE_ENOBUCKET. */
    int (*bucket_set_versioning)(store_t *st, const char *name, int state);

    /* Start receiving an object's bytes; *out is owned by the store until
     * put_commit or put_abort, exactly one of which must follow. A failure to
     * store the bytes (STORE_ENOSPC, STORE_EMFILE, STORE_EIO), here or in
     * put_write, is kept and returned by put_commit or mpu_part_commit, so
     * that the body can be read to its end and the cause answered once. */
    int (*put_begin)(store_t *st, store_put_t **out);
    /* Start a put whose bytes are those of an open object, shared with it
     * where the backend can (hard links here, every part): nothing is copied.
     * Then put_commit or put_abort as for put_begin. */
    int (*put_begin_from)(store_t *st, store_reader_t *src, store_put_t **out);
    /* Append bytes; see put_begin for failures. */
    int (*put_write)(store_put_t *p, const void *data, size_t n);
    /* Append the first len bytes of the open file fd (read from its offset 0;
     * the caller keeps fd) without passing them through the caller: shared
     * with that file where the file system allows (a reflink; *shared, which
     * may be NULL, is then 1), else copied by the kernel. Never a hard link:
     * a later edit of that file leaves the stored bytes as they were. A file
     * shorter than len is STORE_EIO; failures as put_write. */
    int (*put_write_file)(store_put_t *p, int fd, uint64_t len, int *shared);
    /* Publish the bytes as bucket/key with meta (size, etag, headers, acl,
     * lock, tags used; mtime, blob and vid filled in on return) as the bucket's
     * versioning state says: an unversioned bucket replaces the object, an
     * enabled one adds a version, a suspended one replaces the null version
     * only. The versions it moves aside and the one it publishes change in
     * one transaction. With autocreate, a missing
     * bucket is created, owned by meta->owner; else STORE_ENOBUCKET. cond (may be NULL) is checked
     * in the same transaction. Frees p in every case. */
    int (*put_commit)(store_put_t *p, const char *bucket, const char *key, size_t key_len,
                      store_obj_t *meta, int autocreate, const store_cond_t *cond);
    /* Drop the bytes received; frees p. */
    void (*put_abort)(store_put_t *p);

    /* Look an object up: its current version (vid NULL), or the version
     * named by vid ("null": the null version); with fd non-NULL also open its
     * bytes for reading (the caller closes *fd). STORE_ENOBUCKET,
     * STORE_ENOKEY (also when the current version is a delete marker: out->dm,
     * vid and mtime_ms are then set), STORE_ENOVERSION, STORE_EBADVERSION,
     * STORE_EMARKER (vid names a delete marker; out->dm, vid, mtime_ms set). */
    int (*obj_get)(store_t *st, const char *bucket, const char *key, size_t key_len,
                   const char *vid, store_obj_t *out, int *fd);
    /* Open an object for reading: its metadata in out and a reader that keeps
     * these bytes readable until reader_close, whatever writers do meanwhile.
     * No file is opened yet (a HEAD needs none). vid and errors as obj_get. */
    int (*obj_open)(store_t *st, const char *bucket, const char *key, size_t key_len,
                    const char *vid, store_obj_t *out, store_reader_t **rd);
    /* Open the file holding byte off now (reader_fd and reader_read use it),
     * so that a failure is known before anything is answered: STORE_OK,
     * STORE_EMFILE, or another store code. */
    int (*reader_ready)(store_reader_t *rd, uint64_t off);
    /* The object's parts (n == 0 for a single-blob object); owned by rd. */
    void (*reader_parts)(store_reader_t *rd, const store_part_t **parts, size_t *n);
    /* When [off, off+len) lies within one file: a new descriptor (the caller
     * closes it) and the offset in it. -1 when the range spans files. */
    int (*reader_fd)(store_reader_t *rd, uint64_t off, uint64_t len, int *fd, uint64_t *fdoff);
    /* Read up to n bytes at off; the count, 0 at the end, -1 on error. */
    long (*reader_read)(store_reader_t *rd, uint64_t off, char *buf, size_t n);
    /* Release the reader. */
    void (*reader_close)(store_reader_t *rd);

    /* Replace one document of an object version (vid as for obj_get;
     * nothing else changes). Errors as obj_get. */
    int (*obj_set)(store_t *st, const char *bucket, const char *key, size_t key_len,
                   const char *vid, store_doc_t which, const char *doc);
    /* Replace the storage class of an object version (vid as for obj_get;
     * "" is STANDARD), as listings and obj_get report it; nothing else
     * changes. Errors as obj_get. */
    int (*obj_set_class)(store_t *st, const char *bucket, const char *key, size_t key_len,
                         const char *vid, const char *sclass);
    /* Delete: with vid NULL the current version as the bucket's versioning
     * state says (unversioned: the object goes; enabled: a delete marker
     * becomes current; suspended: the null version goes and a null delete
     * marker becomes current); with vid, that version for good, the next
     * newest becoming current if it was. STORE_OK also when there was
     * nothing to delete; out (may be NULL) says what was removed or added.
     * STORE_ENOBUCKET, STORE_EBADVERSION. */
    int (*obj_delete)(store_t *st, const char *bucket, const char *key, size_t key_len,
                      const char *vid, store_deleted_t *out);
    /* List a bucket's current objects in key order; STORE_ENOBUCKET. */
    int (*list)(store_t *st, const char *bucket, const store_list_req_t *req,
                store_list_res_t *res);
    /* List every version and delete marker: keys in order, each key's
     * versions newest first (an entry's vid, dm and latest set).
     * STORE_ENOBUCKET, STORE_ENOVERSION (req->after_vid is none). */
    int (*list_versions)(store_t *st, const char *bucket, const store_list_req_t *req,
                         store_list_res_t *res);

    /* Multipart uploads. */
    /* Start an upload of u->bucket/u->key with u's headers, checksum
     * settings and owner; the new id is written to u->id. STORE_ENOBUCKET
     * unless autocreate (the bucket is then created, owned by u->owner). */
    int (*mpu_create)(store_t *st, store_upload_t *u, int autocreate);
    /* Look an upload up; STORE_ENOUPLOAD. */
    int (*mpu_get)(store_t *st, const char *id, store_upload_t *out);
    /* Publish the bytes of p as part->num of upload id (replacing an earlier
     * one); part's size, etag and checksum are stored. Frees p. STORE_ENOUPLOAD. */
    int (*mpu_part_commit)(store_put_t *p, const char *id, store_part_t *part);
    /* Parts of an upload with number > after, up to max, in number order;
     * *out is owned by the caller (store_parts_free). STORE_ENOUPLOAD. */
    int (*mpu_parts)(store_t *st, const char *id, uint32_t after, unsigned max, store_part_t **out,
                     size_t *n, int *truncated);
    /* Uploads in progress in a bucket, by key then start time. STORE_ENOBUCKET. */
    int (*mpu_list)(store_t *st, const char *bucket, const store_mpu_list_req_t *req,
                    store_mpu_list_res_t *res);
    /* Drop an upload and its parts. STORE_ENOUPLOAD. */
    int (*mpu_abort)(store_t *st, const char *id);
    /* Make the upload's object from the given parts (as returned by mpu_parts,
     * in order): no data is copied. Parts not named are dropped. meta carries
     * size, etag, headers, lock and tags; the object's owner is the upload's (returned in
     * meta->owner); cond as for put_commit. STORE_ENOUPLOAD, or
     * STORE_EBADPART when a part was replaced meanwhile. */
    int (*mpu_complete)(store_t *st, const char *id, const store_part_t *parts, size_t n,
                        store_obj_t *meta, const store_cond_t *cond);

    /* Bucket configurations: one opaque document per (bucket, name), e.g.
     * "cors"; the store does not look inside. They go with their bucket. */
    /* Set (or replace) a document; STORE_ENOBUCKET. */
    int (*conf_put)(store_t *st, const char *bucket, const char *name, const void *doc, size_t len);
    /* A copy of the document in *doc (the caller frees it; NUL-terminated
     * after len bytes). STORE_ENOBUCKET, STORE_ENOCONF. */
    int (*conf_get)(store_t *st, const char *bucket, const char *name, char **doc, size_t *len);
    /* Remove a document; STORE_OK also when there was none. STORE_ENOBUCKET. */
    int (*conf_delete)(store_t *st, const char *bucket, const char *name);
    /* The documents whose names begin with prefix and sort after `after`
     * (NULL: from the first), in byte order of name, at most max: *out is a
     * new array of *n (store_conf_list_free). STORE_ENOBUCKET. */
    int (*conf_list)(store_t *st, const char *bucket, const char *prefix, const char *after,
                     unsigned max, store_conf_t **out, size_t *n);

    /* The whole state: counts, reset, snapshots. Each of reset, save and
     * restore is atomic with respect to every write (a write lands wholly
     * before or wholly after it) and to a crash (the root holds the old state
     * or the new one). Readers that opened an object's file keep reading it.
     * A backend without them leaves these NULL. */
    /* How many buckets there are, and current objects (noncurrent versions
     * and delete markers are not counted). */
    int (*stats)(store_t *st, uint64_t *buckets, uint64_t *objects);
    /* Every bucket's totals, by name: *out is a new array of *n the caller
     * frees. Cheap at any size (the totals are kept, not counted), and takes
     * no lock a write waits on. */
    int (*bucket_stats)(store_t *st, store_bucket_stats_t **out, size_t *n);
    /* bucket NULL: every bucket with everything in it gone (snapshots stay);
     * else that bucket and its objects, versions, uploads and configurations,
     * as if it never existed. STORE_ENOBUCKET. */
    int (*reset)(store_t *st, const char *bucket);
    /* Save the whole state as name, replacing a snapshot of that name;
     * out (may be NULL) describes it. STORE_EINVAL. */
    int (*snapshot_save)(store_t *st, const char *name, store_snapshot_t *out);
    /* Make the whole state what it was when name was saved (the snapshot
     * stays). STORE_EINVAL, STORE_ENOSNAPSHOT. */
    int (*snapshot_restore)(store_t *st, const char *name);
    /* Every snapshot, by name: *out is a new array the caller frees. */
    int (*snapshot_list)(store_t *st, store_snapshot_t **out, size_t *n);
    /* Remove a snapshot. STORE_EINVAL, STORE_ENOSNAPSHOT. */
    int (*snapshot_delete)(store_t *st, const char *name);
};

struct store {
    const struct store_ops *ops;
};

typedef struct store_options {
    int sync; /* fsync object bytes and the database before acknowledging */
    /* the owner of rows from a root written before owners were kept, and of
     * writes that name none; NULL: "" */
    const char *default_owner;
} store_options_t;

/* Open (creating if needed) the SQLite-and-blobs store under root, sweep
 * files nobody references; NULL with a message in err on failure. */
store_t *store_sqlite_open(const char *root, const store_options_t *opt, char *err, size_t errlen);

#endif
