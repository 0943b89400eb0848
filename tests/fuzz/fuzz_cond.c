/* fuzz_cond — libFuzzer target for conditional requests and HTTP dates.
 *
 * The input is up to five lines: If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since (an empty line means absent) and the
 * object's ETag; the object's mtime comes from the input's hash. Invariants:
 * a failing If-Match fails whatever else is sent; an If-Match and an
 * If-None-Match that both match answer 304; "*" and the quoted, weak or bare
 * ETag appended to any list match; an HTTP date that parses prints back
 * (util_http_date) to a date that parses to the same instant; every line is
 * also tried as a date. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/cond.h"

static void check_date(const char *s)
{
    int64_t ms, again;
    if (util_parse_http_date(s, &ms) != 0) return;
    if (ms % 1000 != 0) abort();
    /* util_http_date prints four-digit years. */
    if (ms < -62167219200000LL || ms > 253402300799000LL) return;
    char out[30];
    util_http_date(ms, out);
    if (util_parse_http_date(out, &again) != 0 || again != ms) abort();
}

static void check_list(const char *list, const char *etag)
{
    if (!cond_etag_matches("*", etag)) abort();
    /* An ETag with a comma or edge spaces cannot be named in a list. */
    if (strchr(etag, ',') || strchr(etag, '"')) return;
    size_t n = strlen(etag);
    if (n && (strchr(" \t\n\v\f\r", etag[0]) || strchr(" \t\n\v\f\r", etag[n - 1]))) return;
    if (n == 1 && etag[0] == '*') return;
    static const char *const fmt[] = {"\"%s\"", "W/\"%s\"", "%s"};
    for (size_t i = 0; i < 3; i++) {
        if (i == 2 && n >= 2 && etag[0] == 'W' && etag[1] == '/') continue;
        size_t ln = strlen(list);
        char *l = malloc(ln + n + 8);
        if (!l) return;
        memcpy(l, list, ln);
        l[ln] = ',';
        size_t m = ln + 1;
        const char *f = fmt[i];
        for (; *f; f++) {
            if (*f == '%' && f[1] == 's') {
                memcpy(l + m, etag, n);
                m += n;
                f++;
            } else {
                l[m++] = *f;
            }
        }
        l[m] = '\0';
        if (n && !cond_etag_matches(l, etag)) abort();
        free(l);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in) return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    const char *f[5] = {NULL, NULL, NULL, NULL, ""};
    char *p = in;
    for (int i = 0; i < 5 && p; i++) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        f[i] = *p || i == 4 ? p : NULL;
        p = nl ? nl + 1 : NULL;
    }
    const char *etag = f[4];
    uint64_t hsh = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++)
        hsh = (hsh ^ data[i]) * 0x100000001b3ULL;
    int64_t mtime = (int64_t)(hsh % 8000000000000ULL);

    cond_result_t r = cond_eval(f[0], f[1], f[2], f[3], etag, mtime);
    if (r != COND_OK && r != COND_FAILED && r != COND_NOT_MODIFIED) abort();
    if (f[0] && !cond_etag_matches(f[0], etag) && r != COND_FAILED) abort();
    if (f[0] && cond_etag_matches(f[0], etag) && f[2] && cond_etag_matches(f[2], etag) &&
        r != COND_NOT_MODIFIED)
        abort();
    if (!f[0] && !f[1] && !f[2] && !f[3] && r != COND_OK) abort();
    for (int i = 0; i < 4; i++) {
        if (f[i]) check_date(f[i]);
        if (f[i]) check_list(f[i], etag);
    }
    check_date(etag);
    free(in);
    return 0;
}
