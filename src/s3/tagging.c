/* Tags: an object version's tag set (Put/Get/DeleteObjectTagging, the
 * x-amz-tagging header of PutObject, CopyObject and CreateMultipartUpload,
 * PostObject's tagging field, x-amz-tagging-count) and a bucket's
 * (Put/Get/DeleteBucketTagging).
 *
 * A tag set is stored as one document in the query form x-amz-tagging uses,
 * "k1=v1&k2=v2": each key and value percent-encoded, sorted by key ("" for
 * none). An object's is its version's STORE_DOC_TAGS document; rows written
 * before the store kept one (schema 6) have theirs, as sent, in a header line
 * (S3_TAGS_HEADER), which a multipart upload still uses to carry its tags to
 * the object it completes into. A bucket's is its configuration "tagging".
 *
 * What S3 checks, as its answers show (a tag set of 10 tags at most, 50 for a
 * bucket; keys of 1 to 128 and values of up to 256 UTF-16 code units; Unicode
 * letters, numbers and separators and _ . : / = + - @; unique keys; no aws:
 * prefix), with S3's codes: see the README and tests/integration/test_tagging.py. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "s3/authorize.h"
#include "s3/query.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

#define CONF_NAME       "tagging"
#define MAX_OBJECT_TAGS 10
#define MAX_BUCKET_TAGS 50
#define MAX_KEY_UNITS   128
#define MAX_VALUE_UNITS 256
#define HEADER_MALFORMED                                                                           \
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters "   \
    "without tag name duplicates."

typedef struct tag {
    char *k, *v; /* owned, NUL-terminated after kn and vn bytes */
    size_t kn, vn;
} tag_t;

typedef struct tagset {
    tag_t *v;
    size_t n, cap;
} tagset_t;

static void tagset_add(tagset_t *t, const char *k, size_t kn, const char *v, size_t vn)
{
    t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
    t->v[t->n++] = (tag_t){xstrndup(k, kn), xstrndup(v, vn), kn, vn};
}

static void tagset_free(tagset_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].k);
        free(t->v[i].v);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}

static int same_key(const tag_t *a, const tag_t *b)
{
    return a->kn == b->kn && memcmp(a->k, b->k, a->kn) == 0;
}

static int key_order(const void *pa, const void *pb)
{
    const tag_t *a = pa, *b = pb;
    int c = memcmp(a->k, b->k, a->kn < b->kn ? a->kn : b->kn);
    return c ? c : (a->kn > b->kn) - (a->kn < b->kn);
}

/* The stored form: sorted by key, as S3 gives tags back (ceph s3-tests'
 * test_put_obj_with_tags, not marked as failing on AWS). NULL for none; t
 * keeps its order (errors name the first bad tag as sent). */
static char *tagset_doc(const tagset_t *t)
{
    if (!t->n) return NULL;
    tag_t *v = xmalloc(t->n * sizeof *v);
    memcpy(v, t->v, t->n * sizeof *v);
    qsort(v, t->n, sizeof *v, key_order);
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < t->n; i++) {
        if (i) buf_putc(&b, '&');
        buf_urlenc(&b, v[i].k, v[i].kn, 0);
        buf_putc(&b, '=');
        buf_urlenc(&b, v[i].v, v[i].vn, 0);
    }
    free(v);
    return b.p;
}

/* ---- what a tag may hold ---- */

static const uint32_t tag_ranges[][2] = {
#define TAG_RANGE(a, b) {a, b},
#include "s3/tagchars.def"
#undef TAG_RANGE
};

/* A code point above U+007F S3 allows: a letter, number or separator. */
static int wide_char_ok(uint32_t cp)
{
    size_t lo = 0, hi = sizeof tag_ranges / sizeof *tag_ranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < tag_ranges[mid][0])
            hi = mid;
        else if (cp > tag_ranges[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* Whether s (valid UTF-8) is a tag key or value S3 takes: between min and
 * max UTF-16 code units (S3 counts so: "Amazon S3 object tags are internally
 * represented in UTF-16", the user guide's object tagging page) of Unicode
 * letters, numbers and separators (\p{L}, \p{N}, \p{Z}) and _ . : / = + - @. */
static int text_ok(const char *s, size_t n, size_t min, size_t max)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t units = 0;
    while (p < end) {
        uint32_t cp = *p;
        size_t len = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
        if ((size_t)(end - p) < len) return 0;
        if (len > 1) {
            cp &= 0x3fu >> (len - 1);
            for (size_t i = 1; i < len; i++)
                cp = cp << 6 | (p[i] & 0x3fu);
        }
        p += len;
        units += cp > 0xffff ? 2 : 1;
        if (units > max) return 0;
        if (cp < 0x80) {
            if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
                strchr(" _.:/=+-@", (int)cp))
                continue;
            return 0;
        }
        if (!wide_char_ok(cp)) return 0;
    }
    return units >= min;
}

/* ---- the checks, and S3's answers ---- */

enum { FOR_OBJECT, FOR_BUCKET };

/* S3E_NONE, or the error (msg, and the tag the answer names in *bad). */
static s3_err_t tagset_check(const tagset_t *t, int kind, const char **msg, const tag_t **bad,
                             int *with_value)
{
    *bad = NULL;
    *with_value = 0;
    size_t max = kind == FOR_OBJECT ? MAX_OBJECT_TAGS : MAX_BUCKET_TAGS;
    if (t->n > max) {
        /* versitygw's s3err (ErrObjectTaggingLimited, ErrBucketTaggingLimited);
         * S3's answer to 11 object tags, as terraform-provider-aws users
         * reported it (issues 19895, 41747). */
        *msg = kind == FOR_OBJECT ? "Object tags cannot be greater than 10"
                                  : "Bucket tag count cannot be greater than 50";
        return S3E_BAD_REQUEST;
    }
    /* The order of LocalStack's validate_tag_set (its tests run against S3). */
    for (size_t i = 0; i < t->n; i++) {
        const tag_t *g = &t->v[i];
        *bad = g;
        for (size_t j = 0; j < i; j++) {
            if (same_key(g, &t->v[j])) {
                *msg = "Cannot provide multiple Tags with the same key";
                return S3E_INVALID_TAG;
            }
        }
        /* "aws:" in any letter case: AWS's tagging guides reserve it so. */
        if (g->kn >= 4 && strncasecmp(g->k, "aws:", 4) == 0) {
            *msg = kind == FOR_OBJECT ? "Your TagKey cannot be prefixed with aws:"
                                      : "System tags cannot be added/updated by requester";
            return S3E_INVALID_TAG;
        }
        if (!text_ok(g->k, g->kn, 1, MAX_KEY_UNITS)) {
            *msg = "The TagKey you have provided is invalid";
            return S3E_INVALID_TAG;
        }
        if (!text_ok(g->v, g->vn, 0, MAX_VALUE_UNITS)) {
            *msg = "The TagValue you have provided is invalid";
            *with_value = 1;
            return S3E_INVALID_TAG;
        }
    }
    *bad = NULL;
    return S3E_NONE;
}

/* Check t for kind; 0, or -1 after answering S3's error. */
static int tagset_answer_check(s3_req_t *r, http_response_t *resp, const tagset_t *t, int kind)
{
    const char *msg;
    const tag_t *bad;
    int with_value;
    s3_err_t e = tagset_check(t, kind, &msg, &bad, &with_value);
    if (e == S3E_NONE) return 0;
    buf_t x = BUF_INIT;
    if (bad) {
        s3_xml_elem(&x, "TagKey", bad->k, bad->kn);
        if (with_value) s3_xml_elem(&x, "TagValue", bad->v, bad->vn);
    }
    s3_err_full(r, resp, e, msg, x.p);
    buf_free(&x);
    return -1;
}

/* ---- reading tag sets ---- */

/* x-amz-tagging: "k1=v1&k2" in the form encoding ('+' is a space); a key
 * without '=' has the empty value and a value may hold '=' (versitygw's
 * CopyObject and CreateMultipartUpload tests). 0, or -1 when S3 answers
 * that the header is not URL-encoded UTF-8 without duplicates: a bad escape,
 * an empty key, bytes that are not UTF-8 (or NUL) once decoded, a key twice, or a
 * character no URL carries unencoded (S3 answered this for a header holding
 * "[{", aws-cli issue 2841, and InvalidTag for the same characters encoded). */
static int parse_header(const char *h, tagset_t *out)
{
    for (const unsigned char *c = (const unsigned char *)h; *c; c++)
        if (*c <= ' ' || *c >= 0x7f || strchr("\"<>\\^`{|}[]", *c)) return -1;
    while (*h) {
        size_t n = strcspn(h, "&");
        if (n) {
            const char *eq = memchr(h, '=', n);
            size_t nl = eq ? (size_t)(eq - h) : n, kn, vn;
            char *k = util_urldec(h, nl, 1, &kn);
            char *v = eq ? util_urldec(eq + 1, n - nl - 1, 1, &vn) : xstrdup("");
            if (!eq) vn = 0;
            /* %00 too: no XML answer could name it */
            int ok = k && v && kn && util_utf8_valid(k, kn) && util_utf8_valid(v, vn) &&
                     !memchr(k, 0, kn) && !memchr(v, 0, vn);
            if (ok) {
                tag_t probe = {k, v, kn, vn};
                for (size_t i = 0; i < out->n && ok; i++)
                    ok = !same_key(&probe, &out->v[i]);
            }
            if (ok) tagset_add(out, k, kn, v, vn);
            free(k);
            free(v);
            if (!ok) return -1;
        }
        h += n;
        if (*h == '&') h++;
    }
    return 0;
}

/* A Tagging document: <Tagging><TagSet><Tag><Key/><Value/></Tag>...
 * </TagSet></Tagging>, each Tag with one Key and one Value ("Required: Yes"
 * in the API reference's Tag and Tagging), nothing else. */
struct xml_tags {
    tagset_t *out;
    char *k, *v;
    size_t kn, vn;
    int has_k, has_v, tagsets, bad;
};

static int on_tag_elem(void *ctx, const char *path, const char *text, size_t n)
{
    struct xml_tags *x = ctx;
    if (strcmp(path, "Tagging/TagSet/Tag/Key") == 0 && !x->has_k) {
        x->k = xstrndup(text, n);
        x->kn = n;
        x->has_k = 1;
    } else if (strcmp(path, "Tagging/TagSet/Tag/Value") == 0 && !x->has_v) {
        x->v = xstrndup(text, n);
        x->vn = n;
        x->has_v = 1;
    } else if (strcmp(path, "Tagging/TagSet/Tag") == 0 && x->has_k && x->has_v) {
        tagset_add(x->out, x->k, x->kn, x->v, x->vn);
        free(x->k);
        free(x->v);
        x->k = x->v = NULL;
        x->has_k = x->has_v = 0;
    } else if (strcmp(path, "Tagging/TagSet") == 0 && !x->tagsets) {
        x->tagsets = 1;
    } else if (strcmp(path, "Tagging") != 0) {
        x->bad = 1;
        return 1;
    }
    return 0;
}

/* 0, or -1 when the document is not a Tagging one (MalformedXML). */
static int parse_xml(const char *doc, size_t n, tagset_t *out)
{
    struct xml_tags x = {.out = out};
    int rc = xmlin_parse(doc, n, on_tag_elem, &x);
    free(x.k);
    free(x.v);
    return rc || x.bad || !x.tagsets ? -1 : 0;
}

/* A stored document (or a header line as an older version kept it). */
static void parse_doc(const char *doc, s3_qparam_t **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    /* A bad escape in a header line kept before tags were checked ends it. */
    if (doc) (void)query_parse(doc, p, n);
}

/* ---- shared with the write paths ---- */

int s3_tags_from_header(s3_req_t *r, http_response_t *resp, char **doc)
{
    *doc = NULL;
    const char *h = http_req_header(r->http, "x-amz-tagging");
    if (!h) return 0;
    tagset_t t = {0};
    int rc = parse_header(h, &t);
    if (rc)
        s3_err_arg(r, resp, HEADER_MALFORMED, "x-amz-tagging", h);
    else if ((rc = tagset_answer_check(r, resp, &t, FOR_OBJECT)) == 0)
        *doc = tagset_doc(&t);
    tagset_free(&t);
    return rc;
}

int s3_tags_from_xml(s3_req_t *r, http_response_t *resp, const char *xml, size_t n, char **doc)
{
    *doc = NULL;
    tagset_t t = {0};
    int rc = parse_xml(xml, n, &t);
    if (rc)
        s3_err(r, resp, S3E_MALFORMED_XML);
    else if ((rc = tagset_answer_check(r, resp, &t, FOR_OBJECT)) == 0)
        *doc = tagset_doc(&t);
    tagset_free(&t);
    return rc;
}

char *s3_tags_of(const store_obj_t *o)
{
    if (o->tags) return o->tags[0] ? xstrdup(o->tags) : NULL;
    static const char line[] = S3_TAGS_HEADER;
    for (const char *h = o->headers; h && *h;) {
        size_t n = strcspn(h, "\n");
        if (n >= sizeof line - 1 && strncasecmp(h, line, sizeof line - 1) == 0) {
            const char *v = h + sizeof line - 1;
            while (*v == ' ')
                v++;
            return v < h + n ? xstrndup(v, (size_t)(h + n - v)) : NULL;
        }
        h += n;
        if (*h == '\n') h++;
    }
    return NULL;
}

size_t s3_tags_count(const char *doc)
{
    s3_qparam_t *p;
    size_t n;
    parse_doc(doc, &p, &n);
    query_free(p, n);
    return n;
}

/* ---- the operations ---- */

/* <Tagging><TagSet>...</TagSet></Tagging> of a document, sent with 200. */
static void send_tagging(http_response_t *resp, const char *doc)
{
    s3_qparam_t *p;
    size_t n;
    parse_doc(doc, &p, &n);
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "Tagging");
    buf_puts(&b, "<TagSet>");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, "<Tag>");
        s3_xml_elem_s(&b, "Key", p[i].name);
        s3_xml_elem_s(&b, "Value", p[i].value);
        buf_puts(&b, "</Tag>");
    }
    buf_puts(&b, "</TagSet></Tagging>");
    query_free(p, n);
    s3_send_xml(resp, 200, &b);
}

/* The version the request names (its current one without versionId);
 * 0, or -1 after answering (a delete marker answers as GetObject does). */
static int load_version(s3_req_t *r, http_response_t *resp, store_obj_t *o)
{
    int rc = r->srv->store->ops->obj_get(r->srv->store, r->t.bucket, r->t.key, r->t.key_len, r->vid,
                                         o, NULL);
    if (rc == STORE_OK) return 0;
    s3_err_obj(r, resp, rc, o);
    return -1;
}

/* Replace o's tag set with doc (NULL: none) and answer status. */
static void set_tags(s3_req_t *r, http_response_t *resp, store_obj_t *o, const char *doc,
                     int status)
{
    /* The version looked at, also if another became current meanwhile. */
    int rc = r->srv->store->ops->obj_set(r->srv->store, r->t.bucket, r->t.key, r->t.key_len,
                                         o->vid[0] ? o->vid : NULL, STORE_DOC_TAGS, doc ? doc : "");
    if (rc) {
        s3_err_obj(r, resp, rc, o);
        return;
    }
    s3_version_headers(resp, o->vid, 0);
    http_resp_status(resp, status);
    http_resp_ready(resp);
}

void s3_put_object_tagging(s3_req_t *r, http_response_t *resp)
{
    tagset_t t = {0};
    int malformed = r->body.len ? parse_xml(r->body.p, r->body.len, &t) : 0;
    /* Authorized here, once the body is read: s3:RequestObjectTag/<key> and
     * s3:RequestObjectTagKeys are the tags it asks for. */
    free(r->tags);
    r->tags = malformed ? NULL : tagset_doc(&t);
    store_obj_t o = {0};
    if (s3_authorize(r, resp, r->vid ? "s3:PutObjectVersionTagging" : "s3:PutObjectTagging",
                     r->t.bucket, r->t.key, r->t.key_len))
        goto out;
    if (!r->body.len) {
        s3_err(r, resp, S3E_MISSING_REQUEST_BODY);
        goto out;
    }
    if (malformed) {
        s3_err(r, resp, S3E_MALFORMED_XML);
        goto out;
    }
    if (load_version(r, resp, &o) || tagset_answer_check(r, resp, &t, FOR_OBJECT)) goto out;
    set_tags(r, resp, &o, r->tags, 200);
out:
    store_obj_free(&o);
    tagset_free(&t);
}

void s3_get_object_tagging(s3_req_t *r, http_response_t *resp)
{
    store_obj_t o;
    if (load_version(r, resp, &o)) return;
    char *doc = s3_tags_of(&o);
    s3_version_headers(resp, o.vid, 0);
    send_tagging(resp, doc);
    free(doc);
    store_obj_free(&o);
}

void s3_delete_object_tagging(s3_req_t *r, http_response_t *resp)
{
    store_obj_t o;
    if (load_version(r, resp, &o)) return;
    set_tags(r, resp, &o, NULL, 204);
    store_obj_free(&o);
}

void s3_put_bucket_tagging(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    if (!r->body.len) {
        s3_err(r, resp, S3E_MISSING_REQUEST_BODY);
        return;
    }
    tagset_t t = {0};
    if (parse_xml(r->body.p, r->body.len, &t)) {
        s3_err(r, resp, S3E_MALFORMED_XML);
    } else if (tagset_answer_check(r, resp, &t, FOR_BUCKET) == 0) {
        store_t *st = r->srv->store;
        char *doc = tagset_doc(&t);
        /* An empty tag set leaves the bucket without one (GetBucketTagging:
         * NoSuchTagSet), as LocalStack and moto found S3 doing. */
        int rc = doc ? st->ops->conf_put(st, r->t.bucket, CONF_NAME, doc, strlen(doc))
                     : st->ops->conf_delete(st, r->t.bucket, CONF_NAME);
        free(doc);
        if (rc) {
            s3_err(r, resp, s3_err_from_store(rc));
        } else {
            /* The API reference's sample answer (and versitygw's
             * PutBucketTagging_success_status) */
            http_resp_status(resp, 204);
            http_resp_ready(resp);
        }
    }
    tagset_free(&t);
}

void s3_get_bucket_tagging(s3_req_t *r, http_response_t *resp)
{
    char *doc;
    size_t len;
    if (s3_conf_load(r, resp, CONF_NAME, S3E_NO_SUCH_TAG_SET, &doc, &len)) return;
    send_tagging(resp, doc);
    free(doc);
}

void s3_delete_bucket_tagging(s3_req_t *r, http_response_t *resp)
{
    s3_conf_delete(r, resp, CONF_NAME, 204);
}
