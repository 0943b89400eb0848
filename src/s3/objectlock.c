/* Object lock: the bucket's configuration (Put/GetObjectLockConfiguration,
 * kept as the bucket configuration "objectlock"), each version's retention
 * and legal hold (Put/GetObjectRetention, Put/GetObjectLegalHold, kept as
 * the version's lock document), the x-amz-object-lock-* headers of writes
 * and reads, and whether a version may be deleted. Dates are compared with
 * the server's one clock (util_now_ms).
 *
 * A version's lock document: "MODE UNTIL_MS HOLD", MODE GOVERNANCE,
 * COMPLIANCE or "-", HOLD ON, OFF or "-" (never set). The bucket's: "Enabled"
 * or "Enabled MODE Days|Years N". */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/util.h"
#include "s3/authorize.h"
#include "s3/confdoc.h"
#include "s3/s3req.h"

#define LOCK_CONF "objectlock"

typedef struct lock {
    char mode[16]; /* "" none */
    int64_t until_ms;
    char hold[4]; /* "ON", "OFF", "" never set */
} lock_t;

static void lock_decode(const char *doc, lock_t *l)
{
    memset(l, 0, sizeof *l);
    long long until = 0;
    char mode[16] = "", hold[4] = "";
    if (doc && sscanf(doc, "%15s %lld %3s", mode, &until, hold) == 3) {
        if (strcmp(mode, "-") != 0) snprintf(l->mode, sizeof l->mode, "%s", mode);
        l->until_ms = until;
        if (strcmp(hold, "-") != 0) snprintf(l->hold, sizeof l->hold, "%s", hold);
    }
}

static char *lock_encode(const lock_t *l)
{
    char *doc = xmalloc(48);
    snprintf(doc, 48, "%s %lld %s", l->mode[0] ? l->mode : "-", (long long)l->until_ms,
             l->hold[0] ? l->hold : "-");
    return doc;
}

static int mode_ok(const char *m)
{
    return strcmp(m, "GOVERNANCE") == 0 || strcmp(m, "COMPLIANCE") == 0;
}

/* An ISO 8601 date-time in UTC ("2026-12-31T00:00:00Z", fractions and
 * "+00:00" allowed) as ms since the epoch; 0 on success. */
static int parse_iso(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    const char *p = s + n;
    long frac = 0, scale = 1000;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale > 1) frac = frac * 10 + (*p - '0'), scale /= 10;
        }
        frac *= scale;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0 && *p) return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *ms = (int64_t)timegm(&tm) * 1000 + frac;
    return 0;
}

/* The bucket's configuration: 1 when object lock is on (mode and the
 * default retention in ms filled in when it has one), 0 when off, or a
 * store code (negative). */
static int bucket_lock(store_t *st, const char *bucket, char mode[16], int64_t *default_ms,
                       char *unit, long *count)
{
    char *doc = NULL;
    size_t n;
    int rc = st->ops->conf_get(st, bucket, LOCK_CONF, &doc, &n);
    if (rc == STORE_ENOCONF) return 0;
    if (rc) return rc;
    mode[0] = 0;
    *default_ms = 0;
    char m[16] = "", u[8] = "";
    long c = 0;
    if (sscanf(doc, "Enabled %15s %7s %ld", m, u, &c) == 3) {
        snprintf(mode, 16, "%s", m);
        *default_ms = (strcmp(u, "Years") == 0 ? 365LL : 1LL) * c * 86400000LL;
        if (unit) snprintf(unit, 8, "%s", u);
        if (count) *count = c;
    }
    free(doc);
    return 1;
}

#define NEED_INTEGRITY                                                                             \
    "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with "         \
    "Object Lock parameters"

/* S3 wants the body's integrity named when its version is to be locked (a
 * PutObject's; a copy's and an upload's bytes are checked otherwise). */
static int integrity_named(s3_req_t *r)
{
    static const char *const names[] = {
        "Content-MD5",
        "x-amz-sdk-checksum-algorithm",
        "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c",
        "x-amz-checksum-crc64nvme",
        "x-amz-checksum-sha1",
        "x-amz-checksum-sha256",
        "x-amz-trailer",
    };
    if (r->is_copy || strcmp(r->method, "PUT") != 0) return 1;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (http_req_header(r->http, names[i])) return 1;
    return 0;
}

int s3_lock_for_write(s3_req_t *r, http_response_t *resp, char **doc)
{
    *doc = NULL;
    const char *mode = http_req_header(r->http, "x-amz-object-lock-mode");
    const char *date = http_req_header(r->http, "x-amz-object-lock-retain-until-date");
    const char *hold = http_req_header(r->http, "x-amz-object-lock-legal-hold");
    store_t *st = r->srv->store;
    if (!mode && !date && !hold) {
        /* The common case costs one look at the bucket: object lock needs
         * versioning Enabled, so any other bucket has no default retention. */
        store_bucket_t b;
        if (st->ops->bucket_get(st, r->t.bucket, &b) != STORE_OK ||
            b.versioning != STORE_VERSIONING_ENABLED)
            return 0;
    }
    char dmode[16];
    int64_t dms;
    int on = bucket_lock(st, r->t.bucket, dmode, &dms, NULL, NULL);
    if (on == STORE_ENOBUCKET) return 0; /* answered by the write itself */
    if (on < 0) {
        s3_err(r, resp, s3_err_from_store(on));
        return -1;
    }
    if (!mode && !date && !hold) {
        if (on != 1 || !dmode[0]) return 0;
        if (!integrity_named(r)) {
            s3_err_msg(r, resp, S3E_INVALID_REQUEST, NEED_INTEGRITY);
            return -1;
        }
        lock_t l = {0};
        snprintf(l.mode, sizeof l.mode, "%s", dmode);
        l.until_ms = util_now_ms() + dms;
        *doc = lock_encode(&l);
        return 0;
    }
    if (on != 1) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, "Bucket is missing Object Lock Configuration");
        return -1;
    }
    if (!mode != !date) {
        s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                   "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                   "supplied");
        return -1;
    }
    lock_t l = {0};
    if (mode) {
        if (!mode_ok(mode)) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, "Unknown wormMode directive.");
            return -1;
        }
        if (parse_iso(date, &l.until_ms)) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                       "The retain until date must be provided in ISO 8601 format");
            return -1;
        }
        if (l.until_ms <= util_now_ms()) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                       "The retain until date must be in the future!");
            return -1;
        }
        snprintf(l.mode, sizeof l.mode, "%s", mode);
    } else if (dmode[0]) {
        snprintf(l.mode, sizeof l.mode, "%s", dmode);
        l.until_ms = util_now_ms() + dms;
    }
    if (hold) {
        if (strcmp(hold, "ON") != 0 && strcmp(hold, "OFF") != 0) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT, "Legal Hold must be either of 'ON' or 'OFF'");
            return -1;
        }
        snprintf(l.hold, sizeof l.hold, "%s", hold);
    }
    if (!integrity_named(r)) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, NEED_INTEGRITY);
        return -1;
    }
    *doc = lock_encode(&l);
    return 0;
}

void s3_lock_headers(http_response_t *resp, const char *doc)
{
    if (!doc || !*doc) return;
    lock_t l;
    lock_decode(doc, &l);
    if (l.mode[0]) {
        char date[25];
        util_iso_date(l.until_ms, date);
        http_resp_header(resp, "x-amz-object-lock-mode", l.mode);
        http_resp_header(resp, "x-amz-object-lock-retain-until-date", date);
    }
    if (l.hold[0]) http_resp_header(resp, "x-amz-object-lock-legal-hold", l.hold);
}

/* Whether the request may bypass GOVERNANCE retention. */
static int bypass(s3_req_t *r)
{
    const char *b = http_req_header(r->http, "x-amz-bypass-governance-retention");
    return b && strcasecmp(b, "true") == 0 &&
           s3_may(r, "s3:BypassGovernanceRetention", r->t.bucket, r->t.key, r->t.key_len) ==
               S3E_NONE;
}

int s3_lock_may_delete(s3_req_t *r, const char *doc)
{
    if (!doc || !*doc) return 1;
    lock_t l;
    lock_decode(doc, &l);
    if (strcmp(l.hold, "ON") == 0) return 0;
    if (!l.mode[0] || l.until_ms <= util_now_ms()) return 1;
    return strcmp(l.mode, "GOVERNANCE") == 0 && bypass(r);
}

int s3_lock_held(const char *doc, int64_t now_ms)
{
    if (!doc || !*doc) return 0;
    lock_t l;
    lock_decode(doc, &l);
    return strcmp(l.hold, "ON") == 0 || (l.mode[0] && l.until_ms > now_ms);
}

/* ---- the bucket's configuration ---- */

/* ObjectLockConfiguration as S3 reads it: anything else is MalformedXML. */
static const char *const enabled_only[] = {"Enabled", NULL};
static const char *const modes[] = {"GOVERNANCE", "COMPLIANCE", NULL};
static const confxml_elem_t retention_rule[] = {
    {"Mode", 1, 1, CONFXML_TEXT, NULL, modes, NULL},
    {"Days", 0, 1, CONFXML_TEXT, NULL, NULL, NULL}, /* text: a bad number is InvalidArgument */
    {"Years", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t lock_rule[] = {
    {"DefaultRetention", 1, 1, CONFXML_STRUCT, retention_rule, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t lock_conf[] = {
    {"ObjectLockEnabled", 1, 1, CONFXML_TEXT, NULL, enabled_only, NULL},
    {"Rule", 0, 1, CONFXML_STRUCT, lock_rule, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t lock_conf_root = {
    "ObjectLockConfiguration", 1, 1, CONFXML_STRUCT, lock_conf, NULL, NULL};

/* The stored form of a configuration ("Enabled", or "Enabled MODE Days|Years
 * N") into doc; S3E_NONE or what S3 answers: one of Days and Years, a
 * positive number. */
static s3_err_t lock_conf_doc(const confxml_node_t *c, char *doc, size_t cap)
{
    const char *mode = confxml_text(c, "Rule/DefaultRetention/Mode");
    const char *days = confxml_text(c, "Rule/DefaultRetention/Days");
    const char *years = confxml_text(c, "Rule/DefaultRetention/Years");
    snprintf(doc, cap, "Enabled");
    if (!mode) return S3E_NONE;
    if (!days == !years) return S3E_MALFORMED_XML;
    const char *num = days ? days : years;
    char *end;
    long v = strtol(num, &end, 10);
    if (!*num || *end || v <= 0) return S3E_INVALID_ARGUMENT;
    snprintf(doc, cap, "Enabled %s %s %ld", mode, days ? "Days" : "Years", v);
    return S3E_NONE;
}

void s3_put_lock_conf(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    store_bucket_t b;
    int rc = st->ops->bucket_get(st, r->t.bucket, &b);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    confxml_node_t *c;
    if (confdoc_read(r, resp, &lock_conf_root, &c)) return;
    char doc[80];
    s3_err_t e = lock_conf_doc(c, doc, sizeof doc);
    confxml_free(c);
    if (e) {
        s3_err_msg(r, resp, e,
                   e == S3E_INVALID_ARGUMENT
                       ? "Default retention period must be a positive integer value"
                       : NULL);
        return;
    }
    /* Object lock goes on a bucket whose versioning is on, and stays. */
    char m[16];
    int64_t ms;
    int on = bucket_lock(st, r->t.bucket, m, &ms, NULL, NULL);
    if (on < 0) {
        s3_err(r, resp, s3_err_from_store(on));
        return;
    }
    if (!on && b.versioning != STORE_VERSIONING_ENABLED) {
        s3_err_msg(r, resp, S3E_INVALID_BUCKET_STATE,
                   "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                   "configuration");
        return;
    }
    rc = st->ops->conf_put(st, r->t.bucket, LOCK_CONF, doc, strlen(doc));
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

void s3_get_lock_conf(s3_req_t *r, http_response_t *resp)
{
    char mode[16], unit[8] = "";
    int64_t ms;
    long count = 0;
    int on = bucket_lock(r->srv->store, r->t.bucket, mode, &ms, unit, &count);
    if (on < 0) {
        s3_err(r, resp, s3_err_from_store(on));
        return;
    }
    if (!on) {
        s3_err(r, resp, S3E_OBJECT_LOCK_CONFIGURATION_NOT_FOUND);
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ObjectLockConfiguration");
    buf_puts(&b, "<ObjectLockEnabled>Enabled</ObjectLockEnabled>");
    if (mode[0])
        buf_printf(&b,
                   "<Rule><DefaultRetention><Mode>%s</Mode><%s>%ld</%s></DefaultRetention></Rule>",
                   mode, unit, count, unit);
    buf_puts(&b, "</ObjectLockConfiguration>");
    s3_send_xml(resp, 200, &b);
}

int s3_lock_enable_new_bucket(s3_req_t *r)
{
    const char *h = http_req_header(r->http, "x-amz-bucket-object-lock-enabled");
    if (!h || strcasecmp(h, "true") != 0) return STORE_OK;
    store_t *st = r->srv->store;
    int rc = st->ops->bucket_set_versioning(st, r->t.bucket, STORE_VERSIONING_ENABLED);
    if (!rc) rc = st->ops->conf_put(st, r->t.bucket, LOCK_CONF, "Enabled", 7);
    return rc;
}

/* ---- a version's retention and legal hold ---- */

/* The version the request names, with its lock document; -1 answered. */
static int load_version(s3_req_t *r, http_response_t *resp, store_obj_t *o, lock_t *l)
{
    store_t *st = r->srv->store;
    char m[16];
    int64_t ms;
    int on = bucket_lock(st, r->t.bucket, m, &ms, NULL, NULL);
    if (on < 0) {
        s3_err(r, resp, s3_err_from_store(on));
        return -1;
    }
    if (!on) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, "Bucket is missing Object Lock Configuration");
        return -1;
    }
    int rc = st->ops->obj_get(st, r->t.bucket, r->t.key, r->t.key_len, r->vid, o, NULL);
    if (rc) {
        s3_err_obj(r, resp, rc, o);
        return -1;
    }
    lock_decode(o->lock, l);
    return 0;
}

static void save(s3_req_t *r, http_response_t *resp, store_obj_t *o, const lock_t *l)
{
    char *doc = lock_encode(l);
    int rc = r->srv->store->ops->obj_set(r->srv->store, r->t.bucket, r->t.key, r->t.key_len,
                                         o->vid[0] ? o->vid : NULL, STORE_DOC_LOCK, doc);
    free(doc);
    if (rc) {
        s3_err_obj(r, resp, rc, o);
        return;
    }
    s3_version_headers(resp, o->vid, 0);
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

static const confxml_elem_t retention[] = {
    {"Mode", 0, 1, CONFXML_TEXT, NULL, modes, NULL},
    {"RetainUntilDate", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t retention_root = {"Retention", 1,    1,   CONFXML_STRUCT,
                                              retention,   NULL, NULL};
static const char *const on_off[] = {"ON", "OFF", NULL};
static const confxml_elem_t legal_hold[] = {
    {"Status", 1, 1, CONFXML_TEXT, NULL, on_off, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t legal_hold_root = {"LegalHold", 1,    1,   CONFXML_STRUCT,
                                               legal_hold,  NULL, NULL};

void s3_put_retention(s3_req_t *r, http_response_t *resp)
{
    confxml_node_t *doc;
    if (confdoc_read(r, resp, &retention_root, &doc)) return;
    const char *mode = confxml_text(doc, "Mode"), *date = confxml_text(doc, "RetainUntilDate");
    lock_t want = {0};
    s3_err_t e = S3E_NONE;
    if (!mode != !date || (date && parse_iso(date, &want.until_ms)))
        e = S3E_MALFORMED_XML;
    else if (mode && want.until_ms <= util_now_ms())
        e = S3E_INVALID_ARGUMENT;
    if (mode) snprintf(want.mode, sizeof want.mode, "%s", mode);
    confxml_free(doc);
    if (e) {
        s3_err_msg(r, resp, e,
                   e == S3E_INVALID_ARGUMENT ? "The retain until date must be in the future!"
                                             : NULL);
        return;
    }
    store_obj_t o;
    lock_t l;
    if (load_version(r, resp, &o, &l)) return;
    /* What is in force may only be kept or lengthened; GOVERNANCE gives way
     * to who may bypass it, COMPLIANCE to nobody. */
    int active = l.mode[0] && l.until_ms > util_now_ms();
    int weaker = !want.mode[0] || want.until_ms < l.until_ms || strcmp(want.mode, l.mode) != 0;
    if (active && weaker && !(strcmp(l.mode, "GOVERNANCE") == 0 && bypass(r))) {
        s3_err_msg(r, resp, S3E_ACCESS_DENIED,
                   "Access Denied because object protected by object lock.");
        store_obj_free(&o);
        return;
    }
    snprintf(l.mode, sizeof l.mode, "%s", want.mode);
    l.until_ms = want.mode[0] ? want.until_ms : 0;
    save(r, resp, &o, &l);
    store_obj_free(&o);
}

void s3_get_retention(s3_req_t *r, http_response_t *resp)
{
    store_obj_t o;
    lock_t l;
    if (load_version(r, resp, &o, &l)) return;
    if (!l.mode[0]) {
        store_obj_free(&o);
        s3_err(r, resp, S3E_NO_SUCH_OBJECT_LOCK_CONFIGURATION);
        return;
    }
    char date[25];
    util_iso_date(l.until_ms, date);
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "Retention");
    s3_xml_elem_s(&b, "Mode", l.mode);
    s3_xml_elem_s(&b, "RetainUntilDate", date);
    buf_puts(&b, "</Retention>");
    store_obj_free(&o);
    s3_send_xml(resp, 200, &b);
}

void s3_put_legal_hold(s3_req_t *r, http_response_t *resp)
{
    confxml_node_t *doc;
    if (confdoc_read(r, resp, &legal_hold_root, &doc)) return;
    char status[4];
    snprintf(status, sizeof status, "%s", confxml_text(doc, "Status"));
    confxml_free(doc);
    store_obj_t o;
    lock_t l;
    if (load_version(r, resp, &o, &l)) return;
    memcpy(l.hold, status, sizeof l.hold);
    save(r, resp, &o, &l);
    store_obj_free(&o);
}

void s3_get_legal_hold(s3_req_t *r, http_response_t *resp)
{
    store_obj_t o;
    lock_t l;
    if (load_version(r, resp, &o, &l)) return;
    store_obj_free(&o);
    if (!l.hold[0]) {
        s3_err(r, resp, S3E_NO_SUCH_OBJECT_LOCK_CONFIGURATION);
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "LegalHold");
    s3_xml_elem_s(&b, "Status", l.hold);
    buf_puts(&b, "</LegalHold>");
    s3_send_xml(resp, 200, &b);
}
