/* accesslog_delivery — S3 server access logging: a record in S3's format for
 * each request on a bucket whose logging is enabled (PutBucketLogging), put
 * in batches as objects into the target bucket.
 *
 * A request thread only formats the record and appends it to an in-memory
 * queue (s3_logd_request, from s3.c when the exchange is done); a bucket
 * without logging costs one atomic load while no bucket logs, a lookup in a
 * small table after that (confcache.h). One background thread wakes every
 * interval, takes the queue, reads each source bucket's logging document
 * (the one in force at delivery, as S3's "best effort" delivery may use) and
 * writes one object per target through the store, owned by the target
 * bucket's owner, under TargetPrefix + YYYY-mm-DD-HH-MM-SS-UniqueString or
 * the PartitionedPrefix form. s3_logd_stop delivers what is queued before
 * the thread ends (SIGTERM). The queue is bounded by bytes: a record that
 * does not fit is dropped and counted, and the next delivery logs the count
 * on stderr; so is a batch whose target cannot be written (the target bucket
 * deleted, a full disk).
 *
 * The record's fields, in S3's order (S3 User Guide, "Amazon S3 server
 * access log format"): bucket owner, bucket, [time], remote IP, requester,
 * request id, operation, key, "request-URI", status, error code, bytes sent,
 * object size, total time, turn-around time, "referer", "user-agent",
 * version id, host id, signature version, cipher suite, authentication type,
 * host header, TLS version, access point ARN, aclRequired, source region.
 * What fakes3 cannot know is "-" (cipher suite, TLS version, access point,
 * source region). Internal to src/s3/. */
#ifndef FAKES3_ACCESSLOG_DELIVERY_H
#define FAKES3_ACCESSLOG_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "lib/buf.h"
#include "store/store.h"

struct s3_req;
struct auth_users;
typedef struct s3_logd s3_logd_t;

typedef struct s3_logd_options {
    unsigned interval_s;            /* seconds between deliveries; 0: 60 */
    size_t max_bytes;               /* records queued at most; 0: 16 MiB */
    const struct auth_users *users; /* borrowed: owners' account ids for partitioned keys */
} s3_logd_options_t;

/* Start the delivery thread over st (borrowed; it must outlive s3_logd_stop). */
s3_logd_t *s3_logd_start(store_t *st, const s3_logd_options_t *opt);
/* Deliver what is queued, stop the thread, free (NULL is fine). */
void s3_logd_stop(s3_logd_t *d);
/* A bucket's logging document was stored or removed. */
void s3_logd_changed(s3_logd_t *d);
/* The exchange of r is over: queue its record when its bucket logs. */
void s3_logd_request(s3_logd_t *d, const struct s3_req *r, const http_request_t *http,
                     const http_response_t *resp);

/* DeleteObjects removed key (version vid, or NULL): S3 writes a
 * BATCH.DELETE.OBJECT record for each key beside the request's own. */
void s3_logd_batch_delete(s3_logd_t *d, const struct s3_req *r, const char *key, size_t key_len,
                          const char *vid);

/* CopyObject read key (version vid, or NULL; size bytes) of bucket: S3
 * writes a REST.COPY.OBJECT_GET record in the source bucket's log. */
void s3_logd_copy_source(s3_logd_t *d, const struct s3_req *r, const char *bucket, const char *key,
                         size_t key_len, const char *vid, uint64_t size);

/* ---- pure helpers (unit tests) ---- */
/* The Operation field for a request: REST.<METHOD>.<resource type>, from the
 * operation's name (NULL: not routed), its sub-resource and whether it is a
 * copy (x-amz-copy-source): "REST.GET.OBJECT", "REST.PUT.LOGGING_STATUS". */
void s3_logd_operation(buf_t *out, const char *method, const char *op_name, const char *sub,
                       int is_object, int is_copy);
/* A log object's key: prefix + YYYY-mm-DD-HH-MM-SS-unique (at ms) for a
 * simple prefix; with partitioned, prefix + account/region/bucket/YYYY/mm/DD/
 * and the same name (event_day: hours, minutes and seconds are 00). */
void s3_logd_object_key(buf_t *out, const char *prefix, int partitioned, int event_day,
                        const char *account, const char *region, const char *bucket, int64_t ms,
                        const char *unique);

/* A bucket's logging document as delivery needs it (bucketlogging.c, which
 * knows the document). */
typedef struct s3_log_target {
    char bucket[64];
    char *prefix;      /* owned */
    int partitioned;   /* TargetObjectKeyFormat/PartitionedPrefix */
    int delivery_time; /* PartitionDateSource DeliveryTime (else EventTime) */
} s3_log_target_t;
/* Read a stored logging document: 0 with *t filled (free t->prefix), or -1
 * when logging is off or the document cannot be read. */
int s3_logging_target(const char *doc, size_t len, s3_log_target_t *t);

#endif
