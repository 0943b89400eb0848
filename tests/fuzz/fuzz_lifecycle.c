/* fuzz_lifecycle — libFuzzer target for LifecycleConfiguration documents.
 *
 * Any bytes: lc_parse returns one of its codes; a document it accepts
 * serializes to a form that parses again to the very same form (what
 * PutBucketLifecycleConfiguration stores and the worker and GET read back,
 * generated IDs included), and the questions the worker asks of it never
 * fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/lifecycle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    lc_config_t c;
    char msg[1024];
    int rc = lc_parse(copy, size, &c, msg, sizeof msg);
    if (rc != LC_OK && rc != LC_EMALFORMED && rc != LC_EINVALID_ARG && rc != LC_EINVALID_REQ &&
        rc != LC_EINVALID_TAG)
        abort();
    if (rc == LC_OK) {
        buf_t a = BUF_INIT, b = BUF_INIT;
        lc_store_form(&c, &a);
        lc_config_t c2;
        if (lc_load(a.p, a.len, &c2) != LC_OK) abort();
        lc_store_form(&c2, &b);
        if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) abort();
        static const lc_clock_t clk = {LC_DAY_MS, 1};
        int64_t at;
        const lc_rule_t *rule;
        lc_expiry(&c, &clk, "a/b", 3, 200000, "k=v&a=%20", 0, &at, &rule);
        lc_transition_due(&c, &clk, "a/b", 3, 200000, "k=v", "", 1, 0, 2, INT64_MAX / 4);
        lc_noncurrent_expired(&c, &clk, "a/b", 3, 5, NULL, 1, 0, 3, INT64_MAX / 4);
        lc_marker_expired(&c, &clk, "", 0, 0, INT64_MAX / 4);
        lc_upload_expired(&c, &clk, "a", 1, 0, INT64_MAX / 4);
        lc_free(&c2);
        buf_free(&a);
        buf_free(&b);
    }
    lc_free(&c);
    free(copy);
    return 0;
}
