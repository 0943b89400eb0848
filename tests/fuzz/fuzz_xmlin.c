/* fuzz_xmlin — libFuzzer target for the request XML reader.
 *
 * Any bytes: xmlin_parse must return 0 or -1 and never read out of bounds;
 * every path it reports is a '/'-joined chain of at most 16 names, and the
 * text it reports lies within its length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/xmlin.h"

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    size_t *count = ctx;
    int depth = 1;
    for (const char *p = path; *p; p++)
        depth += *p == '/';
    if (depth > 16) abort();
    volatile char sink = 0;
    for (size_t i = 0; i < n; i++)
        sink ^= text[i];
    (void)sink;
    return ++*count > 100000; /* a callback error must stop the parse cleanly */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    size_t count = 0;
    int rc = xmlin_parse(copy, size, on_elem, &count);
    if (rc != 0 && rc != -1) abort();
    free(copy);
    return 0;
}
