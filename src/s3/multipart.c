/* Multipart uploads: Create, UploadPart (and UploadPartCopy), Abort,
 * ListParts, ListMultipartUploads; Complete is in complete.c.
 *
 * A part is stored like an object body (streamed, checked, one blob). A part's
 * checksum is kept as "ALG:base64". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/checksum.h"
#include "lib/util.h"
#include "s3/mpu.h"
#include "s3/owner.h"
#include "s3/payload.h"
#include "s3/range.h"
#include "s3/sse.h"
#include "s3/xmlin.h"

int s3_mpu_need_upload(s3_req_t *r, http_response_t *resp, store_upload_t *u)
{
    const char *id = s3_query_value(r, "uploadId");
    int rc = id && *id ? r->srv->store->ops->mpu_get(r->srv->store, id, u) : STORE_ENOUPLOAD;
    if (rc == STORE_OK && (strcmp(u->bucket, r->t.bucket) != 0 || u->key_len != r->t.key_len ||
                           memcmp(u->key, r->t.key, u->key_len) != 0)) {
        store_upload_free(u);
        rc = STORE_ENOUPLOAD;
    }
    if (rc == STORE_OK) return 0;
    if (rc == STORE_ENOUPLOAD) {
        /* A missing bucket is reported as such. */
        if (s3_need_bucket(r, resp) == 0) s3_err(r, resp, S3E_NO_SUCH_UPLOAD);
    } else {
        s3_err(r, resp, s3_err_from_store(rc));
    }
    return -1;
}

checksum_alg_t s3_mpu_part_ck(const char *stored, const char **b64)
{
    const char *colon = strchr(stored, ':');
    if (!colon) return CK_NONE;
    char name[16];
    size_t n = (size_t)(colon - stored);
    if (n >= sizeof name) return CK_NONE;
    memcpy(name, stored, n);
    name[n] = '\0';
    *b64 = colon + 1;
    return checksum_alg_from_name(name);
}

void s3_mpu_xml_checksum(buf_t *b, checksum_alg_t alg, const char *value)
{
    char el[32];
    snprintf(el, sizeof el, "Checksum%s", checksum_alg_name(alg));
    s3_xml_elem_s(b, el, value);
}

/* ---- CreateMultipartUpload ---- */

void s3_mpu_create(s3_req_t *r, http_response_t *resp)
{
    if (!s3_bucket_name_ok(r->t.bucket)) {
        s3_err(r, resp, r->srv->strict ? S3E_NO_SUCH_BUCKET : S3E_INVALID_BUCKET_NAME);
        return;
    }
    if (s3_put_checks(r, resp) || s3_meta_checks(r, resp)) return;
    const char *an = http_req_header(r->http, "x-amz-checksum-algorithm");
    const char *tn = http_req_header(r->http, "x-amz-checksum-type");
    checksum_alg_t alg = an ? checksum_alg_from_name(an) : CK_NONE;
    if (an && (alg == CK_NONE || alg == CK_MD5)) {
        s3_err_arg(r, resp, "Checksum algorithm provided is unsupported.",
                   "x-amz-checksum-algorithm", an);
        return;
    }
    const char *type = "";
    if (tn) {
        if (strcasecmp(tn, "COMPOSITE") == 0)
            type = "COMPOSITE";
        else if (strcasecmp(tn, "FULL_OBJECT") == 0)
            type = "FULL_OBJECT";
        else {
            s3_err_arg(r, resp, "Value for x-amz-checksum-type header is invalid.",
                       "x-amz-checksum-type", tn);
            return;
        }
        if (alg == CK_NONE) {
            s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                       "The x-amz-checksum-type header can only be used with the "
                       "x-amz-checksum-algorithm header.");
            return;
        }
    } else if (alg != CK_NONE) {
        type = alg == CK_CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
    }
    if ((alg == CK_CRC64NVME && strcmp(type, "COMPOSITE") == 0) ||
        ((alg == CK_SHA1 || alg == CK_SHA256) && strcmp(type, "FULL_OBJECT") == 0)) {
        char msg[120];
        snprintf(msg, sizeof msg, "The %s checksum type cannot be used with the %s algorithm.",
                 type, checksum_alg_name(alg));
        s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
        return;
    }
    buf_t hdrs = BUF_INIT;
    if (s3_lock_for_write(r, resp, &r->lock)) return;
    if (s3_tags_from_header(r, resp, &r->tags)) return;
    /* The upload keeps its encryption (an SSE-C key's MD5, never the key)
     * for its parts and the object it completes into. */
    s3_sse_t sse;
    if (s3_sse_for_request(r, resp, &sse)) return;
    s3_object_headers(r, &hdrs, S3_OH_ALL);
    s3_sse_store(&sse, &hdrs);
    /* The version the upload completes into is locked and tagged as asked now. */
    if (r->lock) buf_printf(&hdrs, "%s %s\n", S3_LOCK_HEADER, r->lock);
    if (r->tags) buf_printf(&hdrs, "%s %s\n", S3_TAGS_HEADER, r->tags);
    store_upload_t u = {0};
    snprintf(u.bucket, sizeof u.bucket, "%s", r->t.bucket);
    u.key = r->t.key;
    u.key_len = r->t.key_len;
    u.headers = hdrs.p ? hdrs.p : "";
    snprintf(u.ck_alg, sizeof u.ck_alg, "%s", checksum_alg_name(alg));
    snprintf(u.ck_type, sizeof u.ck_type, "%s", type);
    /* The completed object's owner and ACL are decided now, as S3 does. */
    if (s3_acl_for_object(r, resp, r->t.bucket, NULL, &u.acl, u.owner)) {
        buf_free(&hdrs);
        s3_sse_free(&sse);
        return;
    }
    int rc = r->srv->store->ops->mpu_create(r->srv->store, &u, !r->srv->strict);
    buf_free(&hdrs);
    free(u.acl);
    u.acl = NULL;
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        s3_sse_free(&sse);
        return;
    }
    s3_sse_answer(resp, &sse, S3_SSE_ANSWER_CUSTOMER | S3_SSE_ANSWER_CONTEXT);
    s3_sse_free(&sse);
    if (alg != CK_NONE) {
        http_resp_header(resp, "x-amz-checksum-algorithm", u.ck_alg);
        http_resp_header(resp, "x-amz-checksum-type", u.ck_type);
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "InitiateMultipartUploadResult");
    s3_xml_elem_s(&b, "Bucket", r->t.bucket);
    s3_xml_elem(&b, "Key", r->t.key, r->t.key_len);
    s3_xml_elem_s(&b, "UploadId", u.id);
    buf_puts(&b, "</InitiateMultipartUploadResult>");
    s3_send_xml(resp, 200, &b);
}

/* ---- UploadPart and UploadPartCopy ---- */

int s3_mpu_part_start(s3_req_t *r, http_response_t *resp)
{
    const char *pn = s3_query_value(r, "partNumber");
    char *end;
    long num = pn ? strtol(pn, &end, 10) : 0;
    if (!pn || !*pn || *end || num < 1 || num > S3_MAX_PARTS) {
        s3_err_arg(r, resp, "Part number must be an integer between 1 and 10000, inclusive",
                   "partNumber", pn ? pn : "");
        return 1;
    }
    r->part_num = (uint32_t)num;
    store_upload_t u;
    if (s3_mpu_need_upload(r, resp, &u)) return 1;
    r->upload_id = xstrdup(u.id);
    snprintf(r->upload_alg, sizeof r->upload_alg, "%s", u.ck_alg);
    /* A part of an SSE-C upload carries the upload's key, and only then a key. */
    r->sse = xcalloc(1, sizeof *r->sse);
    int bad = s3_sse_for_part(r, resp, u.headers, 0, r->sse);
    store_upload_free(&u);
    if (bad) return 1;
    if (http_req_header(r->http, "x-amz-copy-source")) {
        r->is_copy = 1;
        return 0;
    }
    if (s3_stream_start(r, resp)) return 1;
    checksum_alg_t ua = checksum_alg_from_name(r->upload_alg);
    if (ua != CK_NONE) {
        if (r->payload->ck_defaulted) {
            checksum_init(&r->payload->ck, ua); /* the upload's algorithm for every part */
        } else if (r->payload->ck.alg != ua) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "Checksum Type mismatch occurred, expected checksum Type: %s, actual "
                     "checksum Type: %s",
                     r->upload_alg, checksum_alg_name(r->payload->ck.alg));
            s3_err_msg(r, resp, S3E_INVALID_REQUEST, msg);
            return 1;
        }
    }
    return 0;
}

/* Publish r->put as the part; answers errors. 0 on success. */
static int publish_part(s3_req_t *r, http_response_t *resp, store_part_t *part)
{
    store_put_t *p = r->put;
    r->put = NULL;
    int rc = r->srv->store->ops->mpu_part_commit(p, r->upload_id, part);
    if (rc) {
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        return -1;
    }
    return 0;
}

static void part_copy(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    s3_copy_src_t cs;
    s3_sse_reader_t *dec = NULL;
    if (s3_copy_source_open(r, resp, &cs)) goto out;
    store_obj_t src = cs.obj;
    store_reader_t *rd = cs.rd;
    uint64_t from = 0, to = src.size ? src.size - 1 : 0;
    const char *range = http_req_header(r->http, "x-amz-copy-source-range");
    if (range && range_parse_copy(range, src.size, &from, &to)) {
        s3_err_arg(r, resp,
                   "The x-amz-copy-source-range value must be of the form bytes=first-last "
                   "where first and last are the zero-based offsets of the first and last "
                   "bytes to copy",
                   "x-amz-copy-source-range", range);
        goto out;
    }
    uint64_t len = src.size ? to - from + 1 : 0;
    if (len > S3_MAX_PUT) {
        s3_err(r, resp, S3E_ENTITY_TOO_LARGE);
        goto out;
    }
    /* A range of another object becomes a new file: read it and write it,
     * hashing as it goes (a part must have its own MD5). */
    int brc = st->ops->put_begin(st, &r->put);
    if (brc != STORE_OK) {
        s3_err(r, resp, s3_err_from_store(brc));
        goto out;
    }
    s3_sse_begin(r->sse);
    struct md5_ctx md5;
    md5_init(&md5);
    checksum_t ck;
    checksum_alg_t ua = checksum_alg_from_name(r->upload_alg);
    checksum_init(&ck, ua != CK_NONE ? ua : CK_CRC64NVME);
    /* Decrypted from an SSE-C source, encrypted into an SSE-C upload. */
    const store_part_t *sparts;
    size_t nsparts;
    st->ops->reader_parts(rd, &sparts, &nsparts);
    dec = s3_sse_reader_new(cs.sse, src.etag, sparts, nsparts);
    int wrc = s3_sse_copy(r, rd, dec, r->sse, from, len, &md5, &ck);
    if (wrc != STORE_OK) {
        s3_err(r, resp, s3_err_from_store(wrc));
        goto out;
    }
    store_part_t part = {0};
    part.num = r->part_num;
    part.size = len;
    unsigned char d[MD5_DIGEST_SIZE];
    md5_digest(&md5, sizeof d, d);
    if (r->sse->kind == S3_SSE_C)
        s3_sse_etag(r->sse, part.etag);
    else
        util_hex(d, sizeof d, part.etag);
    char b64[CHECKSUM_B64_MAX];
    checksum_final_b64(&ck, b64);
    snprintf(part.checksum, sizeof part.checksum, "%s:%s", checksum_alg_name(ck.alg), b64);
    if (publish_part(r, resp, &part)) goto out;
    char date[25];
    util_iso_date(part.mtime_ms, date);
    buf_t x = BUF_INIT;
    s3_xml_begin(&x, "CopyPartResult");
    s3_xml_elem_s(&x, "LastModified", date);
    buf_printf(&x, "<ETag>&quot;%s&quot;</ETag>", part.etag);
    if (ua != CK_NONE) s3_mpu_xml_checksum(&x, ua, b64);
    buf_puts(&x, "</CopyPartResult>");
    if (cs.obj.vid[0]) http_resp_header(resp, "x-amz-copy-source-version-id", cs.obj.vid);
    s3_sse_answer(resp, r->sse, S3_SSE_ANSWER_CUSTOMER);
    s3_send_xml(resp, 200, &x);
out:
    s3_sse_reader_free(dec);
    s3_copy_source_close(r, &cs);
}

void s3_mpu_part(s3_req_t *r, http_response_t *resp)
{
    if (r->is_copy) {
        part_copy(r, resp);
        return;
    }
    s3_payload_t *pl = r->payload;
    if (s3_stream_finish(r, resp)) return;
    store_part_t part = {0};
    part.num = r->part_num;
    part.size = pl->n;
    /* An SSE-C part's ETag is its IV (S3's is not the MD5 of the data). */
    if (r->sse->kind == S3_SSE_C)
        s3_sse_etag(r->sse, part.etag);
    else
        util_hex(pl->md5_digest, MD5_DIGEST_SIZE, part.etag);
    snprintf(part.checksum, sizeof part.checksum, "%s:%s", checksum_alg_name(pl->ck.alg),
             pl->ck_value);
    if (publish_part(r, resp, &part)) return;
    char etag[52];
    snprintf(etag, sizeof etag, "\"%s\"", part.etag);
    http_resp_header(resp, "ETag", etag);
    s3_sse_answer(resp, r->sse, S3_SSE_ANSWER_CUSTOMER);
    /* The part's checksum goes back so SDKs can send it in Complete. */
    if (!pl->ck_defaulted || r->upload_alg[0])
        http_resp_header(resp, checksum_header_name(pl->ck.alg), pl->ck_value);
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}

/* ---- Abort, ListParts, ListMultipartUploads ---- */

void s3_mpu_abort(s3_req_t *r, http_response_t *resp)
{
    store_upload_t u;
    if (s3_mpu_need_upload(r, resp, &u)) return;
    int rc = r->srv->store->ops->mpu_abort(r->srv->store, u.id);
    store_upload_free(&u);
    if (rc) {
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 204);
    http_resp_ready(resp);
}

/* An optional non-negative integer query value, capped; -1 if malformed. */
static long query_uint(const s3_req_t *r, const char *name, long dflt, long cap)
{
    const char *v = s3_query_value(r, name);
    if (!v) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0) return -1;
    return n > cap ? cap : n;
}

/* <Initiator> and <Owner> of an upload: both the user who started it. A user
 * is an account here, and S3's Owner is the object's owner-to-be, which is
 * the initiator's account (CompleteMultipartUpload keeps it so). */
static void owner_pair(const s3_req_t *r, buf_t *b, const char *id)
{
    buf_puts(b, "<Initiator>");
    s3_owner_xml(r, b, id);
    buf_puts(b, "</Initiator><Owner>");
    s3_owner_xml(r, b, id);
    buf_puts(b, "</Owner>");
}

void s3_mpu_list_parts(s3_req_t *r, http_response_t *resp)
{
    store_upload_t u;
    long max = query_uint(r, "max-parts", 1000, 1000);
    long marker = query_uint(r, "part-number-marker", 0, S3_MAX_PARTS);
    if (max < 0 || marker < 0) {
        const char *n = max < 0 ? "max-parts" : "part-number-marker";
        s3_err_arg(r, resp, "Provided argument is not a non-negative integer", n,
                   s3_query_value(r, n));
        return;
    }
    if (s3_mpu_need_upload(r, resp, &u)) return;
    store_part_t *parts = NULL;
    size_t n = 0;
    int truncated = 0;
    int rc = r->srv->store->ops->mpu_parts(r->srv->store, u.id, (uint32_t)marker, (unsigned)max,
                                           &parts, &n, &truncated);
    if (rc) {
        store_upload_free(&u);
        s3_err(r, resp, rc == STORE_ENOUPLOAD ? S3E_NO_SUCH_UPLOAD : s3_err_from_store(rc));
        return;
    }
    checksum_alg_t ua = checksum_alg_from_name(u.ck_alg);
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, "ListPartsResult");
    s3_xml_elem_s(&b, "Bucket", r->t.bucket);
    s3_xml_elem(&b, "Key", r->t.key, r->t.key_len);
    s3_xml_elem_s(&b, "UploadId", u.id);
    buf_printf(&b, "<PartNumberMarker>%ld</PartNumberMarker>", marker);
    if (n) buf_printf(&b, "<NextPartNumberMarker>%u</NextPartNumberMarker>", parts[n - 1].num);
    buf_printf(&b, "<MaxParts>%ld</MaxParts><IsTruncated>%s</IsTruncated>", max,
               truncated ? "true" : "false");
    owner_pair(r, &b, u.owner);
    buf_puts(&b, "<StorageClass>STANDARD</StorageClass>");
    if (ua != CK_NONE) {
        s3_xml_elem_s(&b, "ChecksumAlgorithm", u.ck_alg);
        s3_xml_elem_s(&b, "ChecksumType", u.ck_type);
    }
    for (size_t i = 0; i < n; i++) {
        char date[25];
        util_iso_date(parts[i].mtime_ms, date);
        buf_printf(&b, "<Part><PartNumber>%u</PartNumber>", parts[i].num);
        s3_xml_elem_s(&b, "LastModified", date);
        buf_printf(&b, "<ETag>&quot;%s&quot;</ETag><Size>%llu</Size>", parts[i].etag,
                   (unsigned long long)parts[i].size);
        const char *b64;
        if (ua != CK_NONE && s3_mpu_part_ck(parts[i].checksum, &b64) == ua)
            s3_mpu_xml_checksum(&b, ua, b64);
        buf_puts(&b, "</Part>");
    }
    buf_puts(&b, "</ListPartsResult>");
    store_parts_free(parts, n);
    store_upload_free(&u);
    s3_send_xml(resp, 200, &b);
}

void s3_mpu_list_uploads(s3_req_t *r, http_response_t *resp)
{
    long max = query_uint(r, "max-uploads", 1000, 1000);
    if (max < 0) {
        s3_err_arg(r, resp, "Provided max-uploads not an integer or within integer range",
                   "max-uploads", s3_query_value(r, "max-uploads"));
        return;
    }
    const char *enc = s3_query_value(r, "encoding-type");
    if (enc && strcmp(enc, "url") != 0) {
        s3_err_arg(r, resp, "Invalid Encoding Method specified in Request", "encoding-type", enc);
        return;
    }
    int url = enc != NULL;
    const char *prefix = s3_query_value(r, "prefix");
    const char *delim = s3_query_value(r, "delimiter");
    const char *km = s3_query_value(r, "key-marker");
    const char *um = s3_query_value(r, "upload-id-marker");
    if (km && !*km) km = NULL;
    store_mpu_list_req_t q = {
        .prefix = prefix ? prefix : "",
        .prefix_len = prefix ? strlen(prefix) : 0,
        .delim = delim,
        .delim_len = delim ? strlen(delim) : 0,
        .key_marker = km,
        .key_marker_len = km ? strlen(km) : 0,
        .upload_marker = km ? um : NULL,
        .max = (unsigned)max,
    };
    store_mpu_list_res_t res;
    int rc = r->srv->store->ops->mpu_list(r->srv->store, r->t.bucket, &q, &res);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t b = BUF_INIT;
    buf_t e = BUF_INIT;
#define ENC(name, s, n)                                                                            \
    do {                                                                                           \
        if (url) {                                                                                 \
            buf_reset(&e);                                                                         \
            buf_urlenc(&e, (s), (n), 1);                                                           \
            s3_xml_elem(&b, (name), e.p ? e.p : "", e.len);                                        \
        } else {                                                                                   \
            s3_xml_elem(&b, (name), (s), (n));                                                     \
        }                                                                                          \
    } while (0)
    s3_xml_begin(&b, "ListMultipartUploadsResult");
    s3_xml_elem_s(&b, "Bucket", r->t.bucket);
    ENC("KeyMarker", km ? km : "", km ? strlen(km) : 0);
    s3_xml_elem_s(&b, "UploadIdMarker", km && um ? um : "");
    if (res.truncated && res.n) {
        const store_upload_t *last = &res.ups[res.n - 1];
        ENC("NextKeyMarker", last->key, last->key_len);
        s3_xml_elem_s(&b, "NextUploadIdMarker", last->id);
    }
    if (prefix) ENC("Prefix", prefix, strlen(prefix));
    if (delim && *delim) ENC("Delimiter", delim, strlen(delim));
    if (url) s3_xml_elem_s(&b, "EncodingType", "url");
    buf_printf(&b, "<MaxUploads>%ld</MaxUploads><IsTruncated>%s</IsTruncated>", max,
               res.truncated ? "true" : "false");
    for (size_t i = 0; i < res.n; i++) {
        const store_upload_t *up = &res.ups[i];
        if (!up->id[0]) continue;
        char date[25];
        util_iso_date(up->created_ms, date);
        buf_puts(&b, "<Upload>");
        ENC("Key", up->key, up->key_len);
        s3_xml_elem_s(&b, "UploadId", up->id);
        owner_pair(r, &b, up->owner);
        buf_puts(&b, "<StorageClass>STANDARD</StorageClass>");
        s3_xml_elem_s(&b, "Initiated", date);
        if (up->ck_alg[0]) {
            s3_xml_elem_s(&b, "ChecksumAlgorithm", up->ck_alg);
            s3_xml_elem_s(&b, "ChecksumType", up->ck_type);
        }
        buf_puts(&b, "</Upload>");
    }
    for (size_t i = 0; i < res.n; i++) {
        const store_upload_t *up = &res.ups[i];
        if (up->id[0]) continue;
        buf_puts(&b, "<CommonPrefixes>");
        ENC("Prefix", up->key, up->key_len);
        buf_puts(&b, "</CommonPrefixes>");
    }
#undef ENC
    buf_puts(&b, "</ListMultipartUploadsResult>");
    buf_free(&e);
    store_mpu_list_free(&res);
    s3_send_xml(resp, 200, &b);
}
