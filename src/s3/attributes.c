/* GetObjectAttributes: what HeadObject and ListParts tell of an object, in
 * one XML answer holding only the attributes x-amz-object-attributes names.
 *
 * S3's rules, which differ from its other answers on purpose:
 * - the ETag is unquoted (headers and listings quote it);
 * - a COMPOSITE checksum is given without its "-N" part count (HeadObject
 *   and CompleteMultipartUpload keep it), with its ChecksumType;
 * - ObjectParts is only for a multipart object: its PartsCount (the SDKs'
 *   TotalPartsCount), and the parts themselves (number, size, checksum,
 *   paged by x-amz-max-parts and x-amz-part-number-marker, as ListParts
 *   pages) only when its checksum is COMPOSITE; a single-part object has no
 *   ObjectParts element at all;
 * - the elements come in the order of S3's model (ETag, Checksum,
 *   ObjectParts, StorageClass, ObjectSize), whatever the header's order:
 *   the Java SDK depends on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/checksum.h"
#include "lib/util.h"
#include "s3/mpu.h"
#include "s3/s3req.h"
#include "s3/sse.h"

enum {
    ATTR_ETAG = 1 << 0,
    ATTR_CHECKSUM = 1 << 1,
    ATTR_PARTS = 1 << 2,
    ATTR_CLASS = 1 << 3,
    ATTR_SIZE = 1 << 4,
};

static const struct {
    const char *name;
    int bit;
} attr_names[] = {
    {"ETag", ATTR_ETAG},          {"Checksum", ATTR_CHECKSUM}, {"ObjectParts", ATTR_PARTS},
    {"StorageClass", ATTR_CLASS}, {"ObjectSize", ATTR_SIZE},
};

/* What the x-amz-object-attributes headers ask for: one header with a
 * comma-separated list (botocore; newer SDKs put a space after each comma)
 * or one header per name (the Java and Go SDKs). Names are S3's enum values,
 * compared exactly; empty items are skipped. */
struct attr_req {
    int want;  /* ATTR_* bits */
    char *bad; /* the first unknown name (owned), or NULL */
};

static void attr_list_parse(struct attr_req *a, const char *v)
{
    while (*v) {
        size_t n = strcspn(v, ",");
        const char *s = v, *e = v + n;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s) {
            int bit = 0;
            for (size_t i = 0; i < sizeof attr_names / sizeof *attr_names && !bit; i++)
                if (strlen(attr_names[i].name) == (size_t)(e - s) &&
                    memcmp(attr_names[i].name, s, (size_t)(e - s)) == 0)
                    bit = attr_names[i].bit;
            if (bit)
                a->want |= bit;
            else if (!a->bad)
                a->bad = xstrndup(s, (size_t)(e - s));
        }
        v += n;
        if (*v == ',') v++;
    }
}

static int collect_attrs(void *ctx, const char *name, const char *value)
{
    if (value && strcasecmp(name, "x-amz-object-attributes") == 0) attr_list_parse(ctx, value);
    return 0;
}

/* A non-negative integer header, capped; dflt when absent or malformed (S3
 * ignores a malformed x-amz-max-parts rather than refusing the request). */
static long header_uint(const s3_req_t *r, const char *name, long dflt, long cap)
{
    const char *v = http_req_header(r->http, name);
    if (!v || !*v) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0) return dflt;
    return n > cap ? cap : n;
}

/* The object's checksum as its stored header lines give it. */
struct obj_checksum {
    checksum_alg_t alg; /* CK_NONE: the object has none */
    char value[CHECKSUM_B64_MAX];
    char type[16]; /* "COMPOSITE" or "FULL_OBJECT" */
};

static void stored_checksum(const char *h, struct obj_checksum *ck)
{
    memset(ck, 0, sizeof *ck);
    snprintf(ck->type, sizeof ck->type, "FULL_OBJECT"); /* a PUT stores no type line */
    while (*h) {
        size_t n = strcspn(h, "\n");
        const char *colon = memchr(h, ':', n);
        size_t nl = colon ? (size_t)(colon - h) : 0;
        if (colon && nl > 15 && nl < 32 && strncasecmp(h, "x-amz-checksum-", 15) == 0) {
            char name[32];
            memcpy(name, h, nl);
            name[nl] = '\0';
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(h + n - v);
            checksum_alg_t alg = checksum_alg_from_header(name);
            if (strcasecmp(name, "x-amz-checksum-type") == 0) {
                snprintf(ck->type, sizeof ck->type, "%.*s", (int)vl, v);
            } else if (alg != CK_NONE && alg != CK_MD5) {
                /* A COMPOSITE value is stored as HeadObject sends it,
                 * "base64-N"; base64 has no '-'. */
                vl = strcspn(v, "-\n");
                if (vl < sizeof ck->value) {
                    memcpy(ck->value, v, vl);
                    ck->value[vl] = '\0';
                    ck->alg = alg;
                }
            }
        }
        h += n;
        if (*h == '\n') h++;
    }
}

/* <ObjectParts> of a multipart object of np parts. */
static void object_parts_xml(const s3_req_t *r, buf_t *b, const store_part_t *parts, size_t np,
                             const struct obj_checksum *ck)
{
    buf_printf(b, "<ObjectParts><PartsCount>%zu</PartsCount>", np);
    if (ck->alg != CK_NONE && strcmp(ck->type, "COMPOSITE") == 0) {
        /* S3 pages these as ListParts does, and lists nothing for a
         * FULL_OBJECT checksum or none. */
        long max = header_uint(r, "x-amz-max-parts", 1000, 1000);
        long marker = header_uint(r, "x-amz-part-number-marker", 0, S3_MAX_PARTS);
        buf_t list = BUF_INIT;
        size_t shown = 0;
        uint32_t last = 0;
        int truncated = 0;
        for (size_t i = 0; i < np; i++) {
            if (parts[i].num <= (uint32_t)marker) continue;
            if (shown == (size_t)max) {
                truncated = 1;
                break;
            }
            buf_printf(&list, "<Part><PartNumber>%u</PartNumber><Size>%llu</Size>", parts[i].num,
                       (unsigned long long)parts[i].size);
            const char *b64;
            if (s3_mpu_part_ck(parts[i].checksum, &b64) == ck->alg)
                s3_mpu_xml_checksum(&list, ck->alg, b64);
            buf_puts(&list, "</Part>");
            last = parts[i].num;
            shown++;
        }
        buf_printf(b,
                   "<PartNumberMarker>%ld</PartNumberMarker>"
                   "<NextPartNumberMarker>%u</NextPartNumberMarker>"
                   "<MaxParts>%ld</MaxParts><IsTruncated>%s</IsTruncated>",
                   marker, last, max, truncated ? "true" : "false");
        if (list.len) buf_append(b, list.p, list.len);
        buf_free(&list);
    }
    buf_puts(b, "</ObjectParts>");
}

void s3_get_object_attributes(s3_req_t *r, http_response_t *resp)
{
    struct attr_req a = {0};
    http_req_each_header(r->http, collect_attrs, &a);
    if (a.bad) {
        s3_err_arg(r, resp, "Invalid attribute name specified.", "x-amz-object-attributes", a.bad);
        free(a.bad);
        return;
    }
    if (!a.want) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "The x-amz-object-attributes header specifying the attributes to be "
                   "retrieved is either missing or empty");
        return;
    }
    store_t *st = r->srv->store;
    store_obj_t o;
    store_reader_t *rd = NULL;
    int rc = st->ops->obj_open(st, r->t.bucket, r->t.key, r->t.key_len, r->vid, &o, &rd);
    if (rc) {
        s3_err_obj(r, resp, rc, &o);
        return;
    }
    /* An SSE-C object's attributes need its key, as its bytes do. */
    s3_sse_t sse;
    if (s3_sse_for_read(r, resp, o.headers, 0, &sse)) {
        st->ops->reader_close(rd);
        store_obj_free(&o);
        return;
    }
    s3_sse_free(&sse);
    s3_version_headers(resp, o.vid, 0);
    const store_part_t *parts;
    size_t np;
    st->ops->reader_parts(rd, &parts, &np);
    struct obj_checksum ck;
    stored_checksum(o.headers, &ck);

    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "GetObjectAttributesResponse");
    if (a.want & ATTR_ETAG) s3_xml_elem_s(&b, "ETag", o.etag);
    if ((a.want & ATTR_CHECKSUM) && ck.alg != CK_NONE) {
        buf_puts(&b, "<Checksum>");
        s3_mpu_xml_checksum(&b, ck.alg, ck.value);
        s3_xml_elem_s(&b, "ChecksumType", ck.type);
        buf_puts(&b, "</Checksum>");
    }
    if ((a.want & ATTR_PARTS) && np) object_parts_xml(r, &b, parts, np, &ck);
    if (a.want & ATTR_CLASS) {
        char sc[24];
        s3_xml_elem_s(&b, "StorageClass",
                      o.sclass[0] ? o.sclass : s3_storage_class_of(o.headers, sc));
    }
    if (a.want & ATTR_SIZE)
        buf_printf(&b, "<ObjectSize>%llu</ObjectSize>", (unsigned long long)o.size);
    buf_puts(&b, "</GetObjectAttributesResponse>");

    char date[30];
    util_http_date(o.mtime_ms, date);
    http_resp_header(resp, "Last-Modified", date);
    st->ops->reader_close(rd);
    store_obj_free(&o);
    s3_send_xml(resp, 200, &b);
}
