#include "s3/payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

static void fail(s3_payload_t *p, s3_err_t e, const char *msg)
{
    if (p->err) return;
    p->err = e;
    p->errmsg = msg;
}

/* Decoded bytes: hash them and hand them on. */
static int take(void *ctx, const char *d, size_t n)
{
    s3_payload_t *p = ctx;
    if (p->err) return 1;
    p->n += n;
    if (p->n > S3_MAX_PUT) {
        fail(p, S3E_ENTITY_TOO_LARGE, NULL);
        return 1;
    }
    if (p->verify) p->verify->data(p->verify_ctx, d, n);
    md5_update(&p->md5, n, (const uint8_t *)d);
    checksum_update(&p->ck, d, n);
    if (p->sha_check) sha256_update(&p->sha, n, (const uint8_t *)d);
    if (p->sink && p->sink(p->sink_ctx, d, n)) {
        fail(p, S3E_INTERNAL_ERROR, NULL);
        return 1;
    }
    return 0;
}

/* Whether a base64 text decodes to exactly the digest length of alg. */
static int valid_b64(checksum_alg_t alg, const char *v, size_t n)
{
    unsigned char raw[CHECKSUM_MAX_LEN + 4];
    size_t rn = sizeof raw;
    return n && util_unbase64(v, n, raw, &rn) == 0 && rn == checksum_len(alg);
}

static int on_chunk_end(void *ctx, const char *sig, size_t siglen, uint64_t len)
{
    s3_payload_t *p = ctx;
    (void)len;
    if (p->verify && p->verify->chunk_end(p->verify_ctx, sig, siglen)) {
        fail(p, S3E_SIGNATURE_MISMATCH, NULL);
        return 1;
    }
    return 0;
}

static int on_trailer(void *ctx, const char *name, size_t nl, const char *value, size_t vl)
{
    s3_payload_t *p = ctx;
    if (p->verify && p->verify->trailer(p->verify_ctx, name, nl, value, vl)) {
        fail(p, S3E_SIGNATURE_MISMATCH, NULL);
        return 1;
    }
    char hdr[64];
    if (nl >= sizeof hdr) return 0;
    memcpy(hdr, name, nl);
    hdr[nl] = '\0';
    checksum_alg_t alg = checksum_alg_from_header(hdr);
    if (alg == CK_NONE) return 0; /* x-amz-trailer-signature and the like */
    if (!p->ck_from_trailer || alg != p->ck.alg) {
        fail(p, S3E_MALFORMED_TRAILER, NULL);
        return 1;
    }
    if (!valid_b64(alg, value, vl) || vl >= sizeof p->ck_expected) {
        fail(p, S3E_INVALID_REQUEST, "The value of the trailing checksum is invalid.");
        return 1;
    }
    memcpy(p->ck_expected, value, vl);
    p->ck_expected[vl] = '\0';
    return 0;
}

static const chunked_cb_t chunked_cbs = {take, on_chunk_end, on_trailer};

struct find_ck {
    const char *name, *value;
    int count;
};

static int find_checksum_header(void *ctx, const char *name, const char *value)
{
    struct find_ck *f = ctx;
    if (checksum_alg_from_header(name) != CK_NONE) {
        f->name = name;
        f->value = value;
        f->count++;
    }
    return 0;
}

s3_err_t s3_payload_init(s3_payload_t *p, const s3_req_t *r, s3_payload_sink sink, void *ctx,
                         int flags)
{
    memset(p, 0, sizeof *p);
    p->sink = sink;
    p->sink_ctx = ctx;
    p->decoded_expected = -1;
    md5_init(&p->md5);
    checksum_init(&p->ck, CK_NONE);
    http_request_t *h = r->http;

    const char *sha = http_req_header(h, "x-amz-content-sha256");
    if (sha) {
        if (strncmp(sha, "STREAMING-", 10) == 0) {
            p->aws_chunked = 1;
        } else if (strlen(sha) == 64 && util_unhex(sha, SHA256_DIGEST_SIZE, p->sha_expected) == 0) {
            p->sha_check = 1;
            sha256_init(&p->sha);
        } else if (strcmp(sha, "UNSIGNED-PAYLOAD") != 0) {
            return S3E_INVALID_ARGUMENT;
        }
    }
    const char *dl = http_req_header(h, "x-amz-decoded-content-length");
    if (dl) {
        char *end;
        long long v = strtoll(dl, &end, 10);
        if (!*dl || *end || v < 0) return S3E_INVALID_ARGUMENT;
        p->decoded_expected = v;
        p->aws_chunked = 1;
    }
    /* Content-Encoding: aws-chunked tells only when nothing else does: with a
     * hex or UNSIGNED-PAYLOAD x-amz-content-sha256 the body is the object
     * (boto3 sends "gzip, aws-chunked" so when it compresses on its own). */
    const char *ce = http_req_header(h, "Content-Encoding");
    if (!sha && ce && strcasestr(ce, "aws-chunked")) p->aws_chunked = 1;
    if (p->aws_chunked) {
        chunked_init(&p->dec, &chunked_cbs, p);
        p->verify = r->verify;
        p->verify_ctx = r->verify_ctx;
    }

    struct find_ck f = {0};
    if (!(flags & S3_PAYLOAD_CK_OF_OBJECT)) http_req_each_header(h, find_checksum_header, &f);
    const char *trailer = http_req_header(h, "x-amz-trailer");
    checksum_alg_t talg = trailer ? checksum_alg_from_header(trailer) : CK_NONE;
    if (trailer && talg == CK_NONE && !strcasestr(trailer, "signature")) {
        return S3E_INVALID_REQUEST;
    }
    if (f.count + (talg != CK_NONE) > 1) return S3E_INVALID_REQUEST;
    checksum_alg_t alg = CK_NONE;
    if (f.count) {
        alg = checksum_alg_from_header(f.name);
        size_t n = strlen(f.value);
        if (!valid_b64(alg, f.value, n) || n >= sizeof p->ck_expected) return S3E_INVALID_REQUEST;
        memcpy(p->ck_expected, f.value, n + 1);
    } else if (talg != CK_NONE) {
        if (!p->aws_chunked) return S3E_INVALID_REQUEST; /* a trailer needs aws-chunked */
        alg = talg;
        p->ck_from_trailer = 1;
    } else {
        const char *sdk = http_req_header(h, "x-amz-sdk-checksum-algorithm");
        if (!sdk && !(flags & S3_PAYLOAD_CK_OF_OBJECT))
            sdk = http_req_header(h, "x-amz-checksum-algorithm");
        if (sdk) {
            alg = checksum_alg_from_name(sdk);
            if (alg == CK_NONE) return S3E_INVALID_REQUEST;
        } else {
            /* S3 stores a CRC64NVME for objects uploaded without a checksum. */
            alg = CK_CRC64NVME;
            p->ck_defaulted = 1;
        }
    }
    checksum_init(&p->ck, alg);
    return S3E_NONE;
}

s3_err_t s3_payload_feed(s3_payload_t *p, const char *data, size_t n)
{
    if (p->err) return p->err;
    if (!p->aws_chunked) {
        take(p, data, n);
        return p->err;
    }
    int rc = chunked_feed(&p->dec, data, n);
    if (rc && !p->err) fail(p, S3E_INVALID_REQUEST, chunked_error(&p->dec));
    return p->err;
}

static const char *mismatch_msg(checksum_alg_t alg)
{
    switch (alg) {
    case CK_CRC32: return "The CRC32 you specified did not match the calculated checksum.";
    case CK_CRC32C: return "The CRC32C you specified did not match the calculated checksum.";
    case CK_CRC64NVME: return "The CRC64NVME you specified did not match the calculated checksum.";
    case CK_SHA1: return "The SHA1 you specified did not match the calculated checksum.";
    case CK_SHA256: return "The SHA256 you specified did not match the calculated checksum.";
    default: return NULL;
    }
}

s3_err_t s3_payload_finish(s3_payload_t *p, const s3_req_t *r)
{
    if (p->err) return p->err;
    if (p->aws_chunked) {
        int rc = chunked_finish(&p->dec);
        if (rc == CHUNKED_EINCOMPLETE)
            fail(p, S3E_INCOMPLETE_BODY, NULL);
        else if (rc)
            fail(p, S3E_INVALID_REQUEST, chunked_error(&p->dec));
        else if (p->verify && p->verify->finish(p->verify_ctx))
            fail(p, S3E_SIGNATURE_MISMATCH, NULL);
        if (p->err) return p->err;
    }
    if (p->decoded_expected >= 0 && (uint64_t)p->decoded_expected != p->n) {
        fail(p, S3E_INCOMPLETE_BODY, NULL);
        return p->err;
    }
    md5_digest(&p->md5, sizeof p->md5_digest, p->md5_digest);
    const char *cmd5 = http_req_header(r->http, "Content-MD5");
    if (cmd5) {
        unsigned char want[MD5_DIGEST_SIZE + 4];
        size_t wn = sizeof want;
        if (util_unbase64(cmd5, strlen(cmd5), want, &wn) != 0 || wn != MD5_DIGEST_SIZE) {
            fail(p, S3E_INVALID_DIGEST, NULL);
            return p->err;
        }
        if (memcmp(want, p->md5_digest, MD5_DIGEST_SIZE) != 0) {
            fail(p, S3E_BAD_DIGEST, NULL);
            return p->err;
        }
    }
    if (p->sha_check) {
        unsigned char got[SHA256_DIGEST_SIZE];
        sha256_digest(&p->sha, sizeof got, got);
        if (memcmp(got, p->sha_expected, sizeof got) != 0) {
            fail(p, S3E_SHA256_MISMATCH, NULL);
            return p->err;
        }
    }
    checksum_alg_t alg = p->ck.alg;
    checksum_final_b64(&p->ck, p->ck_value);
    if (p->ck_from_trailer && !p->ck_expected[0]) {
        fail(p, S3E_MALFORMED_TRAILER, NULL);
        return p->err;
    }
    if (p->ck_expected[0] && strcmp(p->ck_expected, p->ck_value) != 0) {
        fail(p, S3E_BAD_DIGEST, mismatch_msg(alg));
        return p->err;
    }
    return S3E_NONE;
}
