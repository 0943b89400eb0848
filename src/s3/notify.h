/* notify — S3 event notifications, delivered by HTTP POST to webhooks.
 *
 * S3 sends a bucket's events to the SNS topics, SQS queues and Lambda
 * functions its notification configuration names by ARN; none of those exist
 * here, so an ARN is mapped to a URL: --notify-map ARN=URL for one
 * destination, --notify URL for every destination no map entry names. A
 * configuration whose ARN maps to no URL gets nothing. The body of each POST
 * is what S3 puts in the queue message or Lambda payload: the event JSON
 * ({"Records":[one record]}, eventVersion 2.1), or the s3:TestEvent document
 * sent to each topic and queue destination when a configuration is saved.
 * EventBridge configurations get nothing (there is no event bus).
 *
 * A request thread only decides whether the bucket has a configuration
 * (confcache.h: one atomic load while no bucket has one) and appends the
 * event to a bounded in-memory queue; a full queue drops the event and
 * counts it (logged on stderr). One background thread reads the bucket's
 * configuration as it is then, matches each configuration's events
 * (s3:ObjectCreated:* covers every s3:ObjectCreated:...) and S3Key
 * prefix/suffix filter, and POSTs with a short timeout; a failed POST (no
 * connection, timeout, a status other than 2xx) is tried again a few times
 * with a short pause, then dropped and logged. Requests never wait for any
 * of it. Internal to src/s3/. */
#ifndef FAKES3_NOTIFY_H
#define FAKES3_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/store.h"

struct s3_req;
typedef struct s3_notifier s3_notifier_t;

typedef struct s3_notify_options {
    const char *url;        /* --notify: destinations no map entry names; NULL: none */
    const char *const *map; /* --notify-map entries "ARN=URL" */
    size_t nmap;
    int timeout_ms;             /* per POST; 0: 2000 */
    unsigned attempts;          /* tries per POST; 0: 3 */
    size_t max_events;          /* queued at most; 0: 10000 */
    const char *default_region; /* the region of buckets created without one */
} s3_notify_options_t;

/* Start the delivery thread over st (borrowed), or NULL when there is no
 * URL to deliver to (no --notify, no --notify-map): every call below then
 * does nothing. */
s3_notifier_t *s3_notifier_start(store_t *st, const s3_notify_options_t *opt);
/* Stop: POSTs still queued get a few seconds, then are dropped (logged). */
void s3_notifier_stop(s3_notifier_t *n);
/* A bucket's notification configuration was stored or removed. */
void s3_notifier_changed(s3_notifier_t *n);

/* ---- from request threads ---- */
/* An event: its name without "s3:" ("ObjectCreated:Put"), the object it is
 * about and what S3 tells of it. */
typedef struct s3_event s3_event_t;
/* An event of r's bucket about key, or NULL when nothing listens (then the
 * other calls take NULL and do nothing). */
s3_event_t *s3_event_new(const struct s3_req *r, const char *name, const char *key, size_t key_len);
/* What a write made: size, ETag (unquoted), version id ("" none). */
void s3_event_object(s3_event_t *e, uint64_t size, const char *etag, const char *vid);
/* The version a delete removed or the marker it added ("" none). */
void s3_event_version(s3_event_t *e, const char *vid);
/* Queue e (taken; from any thread). */
void s3_event_send(s3_event_t *e);
/* Drop e unsent. */
void s3_event_free(s3_event_t *e);
/* The common case in one call: a write (o: size, etag, vid) or, with o
 * NULL, a delete of version vid. */
void s3_notify(const struct s3_req *r, const char *name, const char *key, size_t key_len,
               const store_obj_t *o, const char *vid);
/* A configuration was saved on r's bucket: s3:TestEvent to its topics and
 * queues (not when r says x-amz-skip-destination-validation: true). */
void s3_notify_test(const struct s3_req *r);

/* ---- pure helpers (unit tests) ---- */
/* Whether a configured event ("s3:ObjectCreated:*") covers an event name
 * ("ObjectCreated:Put"). */
int s3_notify_event_matches(const char *configured, const char *name);
/* Whether key passes a filter's prefix and suffix ("" or NULL: any). */
int s3_notify_filter_matches(const char *key, size_t key_len, const char *prefix,
                             const char *suffix);
/* A key as S3 writes it in an event: form-encoded, '/' kept ("a b/c@d" ->
 * "a+b/c%40d"). */
void s3_notify_key(buf_t *out, const char *key, size_t n);

/* One configuration of a stored notification document (notification.c,
 * which knows the document). */
typedef struct s3_notif_conf {
    char *id, *arn; /* owned */
    int kind;       /* S3_NOTIF_TOPIC, _QUEUE or _LAMBDA */
    char **events;  /* owned, "s3:ObjectCreated:*" ... */
    size_t nevents;
    char *prefix, *suffix; /* owned, NULL when the filter has none */
} s3_notif_conf_t;
enum { S3_NOTIF_TOPIC, S3_NOTIF_QUEUE, S3_NOTIF_LAMBDA };
/* Read a stored document: 0 with *out (s3_notif_confs_free), or -1. */
int s3_notification_confs(const char *doc, size_t len, s3_notif_conf_t **out, size_t *n);
void s3_notif_confs_free(s3_notif_conf_t *c, size_t n);

#endif
