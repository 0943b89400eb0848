/* fuzz_cors — libFuzzer target for CORSConfiguration documents.
 *
 * Any bytes: cors_parse returns one of its three codes; a document it
 * accepts serializes to a canonical form that parses again to the very same
 * form (what PutBucketCors stores, GetBucketCors and every preflight read
 * back), and matching against it never fails. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/cors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    cors_config_t c;
    char msg[1024];
    int rc = cors_parse(copy, size, &c, msg, sizeof msg);
    if (rc != CORS_OK && rc != CORS_EMALFORMED && rc != CORS_EINVALID) abort();
    if (rc == CORS_OK) {
        buf_t a = BUF_INIT, b = BUF_INIT;
        cors_serialize(&c, &a);
        cors_config_t c2;
        if (cors_parse(a.p, a.len, &c2, msg, sizeof msg) != CORS_OK) abort();
        cors_serialize(&c2, &b);
        if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) abort();
        /* The document's own first origin and method match its first rule or an earlier one. */
        const cors_rule_t *r0 = &c.rules[0];
        if (!strchr(r0->origins.v[0], '*') &&
            !cors_match(&c, r0->origins.v[0], r0->methods.v[0], NULL))
            abort();
        cors_match(&c, "https://x.example", "GET", "a, b,,c ");
        cors_free(&c2);
        buf_free(&a);
        buf_free(&b);
    }
    cors_free(&c);
    free(copy);
    return 0;
}
