/* fuzz_sse_conf — libFuzzer target for ServerSideEncryptionConfiguration
 * documents (PutBucketEncryption).
 *
 * Any bytes: s3_sse_conf_parse returns one of its three codes; a document it
 * accepts serializes to a canonical form that parses again to the very same
 * form (what PutBucketEncryption stores and every write and
 * GetBucketEncryption read back). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    s3_sse_conf_t c;
    int rc = s3_sse_conf_parse(copy, size, &c);
    if (rc != S3_SSE_CONF_OK && rc != S3_SSE_CONF_EMALFORMED && rc != S3_SSE_CONF_EKMSKEY) abort();
    if (rc == S3_SSE_CONF_OK) {
        buf_t a = BUF_INIT, b = BUF_INIT;
        s3_sse_conf_serialize(&c, &a);
        s3_sse_conf_t c2;
        if (s3_sse_conf_parse(a.p, a.len, &c2) != S3_SSE_CONF_OK) abort();
        s3_sse_conf_serialize(&c2, &b);
        if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) abort();
        s3_sse_conf_free(&c2);
        s3_sse_conf_free(&c);
        buf_free(&a);
        buf_free(&b);
    }
    free(copy);
    return 0;
}
