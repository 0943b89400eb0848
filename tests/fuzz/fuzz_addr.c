/* fuzz_addr — libFuzzer target for S3 addressing.
 *
 * The input is "host\ntarget": addr_parse must not crash or leak, and what it
 * returns must hold together: a key only with a bucket, the key length equal
 * to the stored string's, a bucket never empty, the query pointing into the
 * target (or be "" when there is none). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in) return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *nl = strchr(in, '\n');
    const char *host = "localhost", *target = in;
    if (nl) {
        *nl = '\0';
        host = in;
        target = nl + 1;
    }
    static const char *const bases[] = {"s3.local", "fakes3"};
    addr_target_t t;
    if (addr_parse(target, host, bases, 2, &t) == 0) {
        if (t.key && !t.bucket) abort();
        if (t.bucket && !*t.bucket) abort();
        if (t.key && memchr(t.key, '\0', t.key_len) == NULL && strlen(t.key) != t.key_len) abort();
        size_t tl = strlen(target);
        if (*t.query && (t.query < target || t.query > target + tl)) abort();
        addr_free(&t);
    }
    free(addr_vhost_bucket(host, bases, 2));
    free(in);
    return 0;
}
