/* fuzz_listparams — libFuzzer target for the listing parameters and the
 * continuation tokens.
 *
 * The input (up to its first NUL) is a listing's query string, split by
 * query_parse; listparams_parse reads it through the same getter the handler
 * uses. Invariants: max-keys is in 0..1000 and, when given, is the decimal
 * value sent (capped); a rejected encoding-type is not "url"; marker and
 * start-after are what the scan starts after (v1 and v2 respectively), a
 * token's decoding when one is given; any token we make decodes back to the
 * key it was made from (decode(encode(x)) == x), with the raw input bytes as x
 * too (NULs included). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/listparams.h"
#include "s3/query.h"
#include "../unit/qparams.h"

static void roundtrip(const char *key, size_t n)
{
    char *tok = listparams_token_encode(key, n);
    char *back = NULL;
    size_t bn = 0;
    if (listparams_token_decode(tok, &back, &bn) != 0) abort();
    if (bn != n || memcmp(back, key, n) != 0) abort();
    free(back);
    free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roundtrip((const char *)data, size);
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    qparams_t q = {NULL, 0};
    if (query_parse(s, &q.p, &q.n) == 0) {
        listparams_t p;
        listparams_err_t e = listparams_parse(qparams_get, &q, &p);
        const char *lt = qparams_get(&q, "list-type");
        int v2 = lt && strcmp(lt, "2") == 0;
        switch (e) {
        case LISTPARAMS_OK:
            if (p.v2 != v2) abort();
            if (p.max < 0 || p.max > 1000) abort();
            if (p.max_keys) {
                long v = strtol(p.max_keys, NULL, 10);
                if (p.max != (v > 1000 ? 1000 : v)) abort();
            } else if (p.max != 1000) {
                abort();
            }
            if (p.url != (p.encoding != NULL)) abort();
            if (p.token) {
                char *k = NULL;
                size_t kn = 0;
                if (listparams_token_decode(p.token, &k, &kn) != 0) abort();
                if (kn != p.after_len || memcmp(k, p.after, kn) != 0) abort();
                free(k);
                roundtrip(p.after, p.after_len);
            } else {
                const char *m = v2 ? qparams_get(&q, "start-after") : qparams_get(&q, "marker");
                if (m ? (!p.after || strcmp(p.after, m) != 0) : p.after != NULL) abort();
            }
            if (v2 ? p.marker != NULL : (p.start_after || p.token)) abort();
            listparams_free(&p);
            break;
        case LISTPARAMS_BAD_ENCODING:
            if (!p.encoding || strcmp(p.encoding, "url") == 0) abort();
            break;
        case LISTPARAMS_BAD_MAX_KEYS:
            if (!p.max_keys) abort();
            break;
        case LISTPARAMS_BAD_TOKEN:
            if (!v2 || !p.token) abort();
            break;
        default: abort();
        }
    }
    query_free(q.p, q.n);
    free(s);
    return 0;
}
