/* lifecycle — a bucket's lifecycle configuration: S3's LifecycleConfiguration
 * document read and validated as S3 validates it (with Expat, through xmlin),
 * written back in the form GetBucketLifecycleConfiguration answers, and the
 * questions asked of it by the lifecycle worker and by GET/HEAD/PUT (the
 * x-amz-expiration header): which rules apply to an object version, and when
 * each action falls due.
 *
 * Time: a rule's Days count from an object's creation (or, for noncurrent
 * versions, from when its successor was created), and S3 rounds the result to
 * the next midnight UTC. An lc_clock_t says how long a day is and whether to
 * round: S3's days (86,400 s, rounded), or --lifecycle-day-seconds N (N s, not
 * rounded, so that a rule runs in seconds). Dates are absolute midnights UTC.
 *
 * Knows nothing of HTTP or the store: the caller passes keys, sizes, times and
 * an object's tags as the x-amz-tagging query form ("k=v&k2=v2"). */
#ifndef FAKES3_LIFECYCLE_H
#define FAKES3_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define LC_MAX_RULES 1000
#define LC_MAX_ID    255
#define LC_DAY_MS    86400000LL
/* Objects smaller than this do not transition by default (S3's 128 KB). */
#define LC_SMALL_OBJECT (128 * 1024)
/* The values of x-amz-transition-default-minimum-object-size. */
#define LC_MIN_SIZE_ALL      "all_storage_classes_128K"
#define LC_MIN_SIZE_BY_CLASS "varies_by_storage_class"

enum {
    LC_OK = 0,
    LC_EMALFORMED = -1,   /* S3's MalformedXML */
    LC_EINVALID_ARG = -2, /* InvalidArgument, message in msg */
    LC_EINVALID_REQ = -3, /* InvalidRequest, message in msg */
    LC_EINVALID_TAG = -4, /* InvalidTag, message in msg */
};

typedef struct lc_tag {
    char *key, *value; /* owned */
} lc_tag_t;

/* How a rule names its objects, kept as given so that it reads back so. */
enum { LC_SCOPE_PREFIX = 1, LC_SCOPE_FILTER = 2 };
enum { LC_F_EMPTY = 0, LC_F_PREFIX, LC_F_TAG, LC_F_GT, LC_F_LT, LC_F_AND };

/* Which objects a rule applies to: every predicate given must hold. */
typedef struct lc_filter {
    int scope;    /* LC_SCOPE_PREFIX (the rule's own Prefix) or LC_SCOPE_FILTER */
    int how;      /* LC_SCOPE_FILTER: which one predicate, or LC_F_AND */
    char *prefix; /* owned; NULL when not given */
    lc_tag_t *tags;
    size_t ntags;
    int64_t gt, lt; /* ObjectSizeGreaterThan / LessThan; -1 when not given */
} lc_filter_t;

/* A Transition (days or date) or a NoncurrentVersionTransition (days). */
typedef struct lc_transition {
    char sclass[24];
    int has_date;
    int64_t days;    /* when !has_date */
    int64_t date_ms; /* a midnight UTC, when has_date */
    int64_t newer;   /* NewerNoncurrentVersions; 0 when not given */
} lc_transition_t;

typedef struct lc_rule {
    char *id; /* owned; generated when the document gave none */
    int enabled;
    lc_filter_t f;
    /* Expiration: one of days, date, expired-object-delete-marker */
    int has_exp, has_exp_days, has_exp_date;
    int64_t exp_days, exp_date_ms;
    int eodm; /* ExpiredObjectDeleteMarker: -1 not given, else 0 or 1 */
    lc_transition_t *tr;
    size_t ntr;
    lc_transition_t *nctr;
    size_t nnctr;
    /* NoncurrentVersionExpiration */
    int has_nce;
    int64_t nce_days, nce_newer; /* nce_newer 0 when not given */
    /* AbortIncompleteMultipartUpload DaysAfterInitiation; -1 when none */
    int64_t abort_days;
} lc_rule_t;

typedef struct lc_config {
    lc_rule_t *rules; /* owned */
    size_t n;
    int by_class; /* x-amz-transition-default-minimum-object-size: varies_by_storage_class */
} lc_config_t;

/* How long a day lasts and whether due times round up to a midnight UTC. */
typedef struct lc_clock {
    int64_t day_ms;
    int midnight;
} lc_clock_t;

/* ---- the document ---- */

/* Read and validate a LifecycleConfiguration document into out (freed with
 * lc_free, also on failure); rules without an ID get a new one. An error
 * other than LC_EMALFORMED writes S3's message to msg. */
int lc_parse(const char *xml, size_t n, lc_config_t *out, char *msg, size_t msglen);
/* Append the configuration as S3 answers it (declaration, xmlns). */
void lc_serialize(const lc_config_t *c, buf_t *out);
/* The stored form: the minimum-size setting on the first line, then the
 * document. lc_load reads it back (LC_EMALFORMED if damaged). */
void lc_store_form(const lc_config_t *c, buf_t *out);
int lc_load(const char *doc, size_t n, lc_config_t *out);
/* The document part of a stored form, and its length. */
const char *lc_stored_xml(const char *doc, size_t n, size_t *xml_len);
/* Release what c holds. */
void lc_free(lc_config_t *c);

/* ---- what applies, and when ---- */

/* The time an action of `days` days counted from from_ms falls due. */
int64_t lc_due(const lc_clock_t *clk, int64_t from_ms, int64_t days);
/* Whether the rule's filter takes this object (tags: its x-amz-tagging form,
 * NULL for none). A delete marker (is_marker) has no tags and no size: only
 * filters without tags and sizes take it. */
int lc_matches(const lc_rule_t *r, const char *key, size_t klen, uint64_t size, const char *tags,
               int is_marker);
/* Whether some enabled rule filters on tags (the caller then needs them). */
int lc_uses_tags(const lc_config_t *c);
/* When the current version created at mtime expires (Expiration Days or Date
 * of the enabled rule taking it that comes first): 1 with *at and *rule, or 0. */
int lc_expiry(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
              uint64_t size, const char *tags, int64_t mtime, int64_t *at, const lc_rule_t **rule);
/* Whether a noncurrent version (noncurrent since `since`, with `newer`
 * noncurrent versions newer than it) has expired at now. */
int lc_noncurrent_expired(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
                          uint64_t size, const char *tags, int is_marker, int64_t since,
                          int64_t newer, int64_t now);
/* Whether a delete marker created at mtime with no version left beneath it
 * is to go at now: ExpiredObjectDeleteMarker true, or an Expiration in Days
 * it is old enough for. */
int lc_marker_expired(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
                      int64_t mtime, int64_t now);
/* The storage class a version of class cur ("" or "STANDARD" for STANDARD)
 * is to move to at now, or NULL: the transitions due (current: counted from
 * mtime; noncurrent: from since, with newer as above) that lie further down
 * S3's waterfall than cur, the furthest of them, subject to the minimum
 * object size. */
const char *lc_transition_due(const lc_config_t *c, const lc_clock_t *clk, const char *key,
                              size_t klen, uint64_t size, const char *tags, const char *cur,
                              int noncurrent, int64_t from, int64_t newer, int64_t now);
/* Whether an upload of key started at created is to be aborted at now. */
int lc_upload_expired(const lc_config_t *c, const lc_clock_t *clk, const char *key, size_t klen,
                      int64_t created, int64_t now);
/* Whether any enabled rule aborts uploads. */
int lc_aborts_uploads(const lc_config_t *c);

#endif
