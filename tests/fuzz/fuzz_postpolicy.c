/* fuzz_postpolicy — libFuzzer target for POST policy documents.
 *
 * The input is the policy's JSON (base64-encoded here, as a form carries
 * it). Parsing answers S3E_NONE or InvalidPolicyDocument with a message;
 * an accepted policy is checked against a fixed form and a few file sizes,
 * which must answer one of the codes the contract names, with a message for
 * each refusal. Nothing may crash, leak or read out of bounds.
 *
 * Build with clang -fsanitize=fuzzer,address,undefined -Isrc from this file,
 * src/s3/auth/postpolicy.c and the src/lib sources, linked with -ljansson. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/auth/postpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    char *b64 = malloc(size / 3 * 4 + 8);
    if (!b64) abort();
    util_base64(data, size, b64);
    postpolicy_t p;
    buf_t msg = BUF_INIT, extra = BUF_INIT;
    s3_err_t e = postpolicy_parse(&p, b64, strlen(b64), &msg);
    if (e != S3E_NONE && (e != S3E_INVALID_POLICY_DOCUMENT || !msg.len)) abort();
    if (e == S3E_NONE) {
        static const postpolicy_field_t form[] = {
            {"key", "user/a.txt"}, {"Content-Type", "image/png,text/plain"},
            {"x-amz-meta-m", ""},  {"policy", "..."},
            {"acl", "private"},    {"x-ignore-z", "1"},
        };
        buf_reset(&msg);
        e = postpolicy_check(&p, "bucket", form, sizeof form / sizeof *form, 0, &msg);
        if (e != S3E_NONE && (e != S3E_ACCESS_DENIED || !msg.len)) abort();
        static const uint64_t sizes[] = {0, 1, 1024, UINT64_MAX};
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            buf_reset(&extra);
            e = postpolicy_check_size(&p, sizes[i], &extra);
            if (e != S3E_NONE && e != S3E_ENTITY_TOO_SMALL && e != S3E_ENTITY_TOO_LARGE) abort();
            if ((e != S3E_NONE) != (extra.len > 0)) abort();
        }
    }
    postpolicy_free(&p);
    buf_free(&msg);
    buf_free(&extra);
    free(b64);
    return 0;
}
