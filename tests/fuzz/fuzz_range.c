/* fuzz_range — libFuzzer target for the Range and x-amz-copy-source-range
 * parsers.
 *
 * The first 8 input bytes are the object size (little endian; small sizes are
 * made likely by the top byte), the rest the header. Invariants: a range that
 * is served lies within the object; an unsatisfiable or ignored one writes
 * nothing; range_parse agrees with a reference written from the grammar
 * (digits only, no sign or space, overflow ignored); a copy range is accepted
 * only in the documented form "bytes=first-last" (digits only), and is then
 * served by range_parse as the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/range.h"

#define UNSET 0xdeadbeefcafef00dULL

/* The digits at *p as a number: 1, 0 when there are none, -1 on overflow. */
static int digits(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t n = 0;
    int over = 0;
    while (*s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10) over = 1;
        n = n * 10 + d;
        s++;
    }
    if (s == *p) return 0;
    *p = s;
    *v = n;
    return over ? -1 : 1;
}

/* "bytes=" digits "-" digits, nothing else. */
static int copy_form(const char *h)
{
    if (strncmp(h, "bytes=", 6) != 0) return 0;
    const char *p = h + 6;
    uint64_t v;
    if (digits(&p, &v) == 0 || *p++ != '-' || digits(&p, &v) == 0) return 0;
    return *p == '\0';
}

static int reference(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
    if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ',')) return 0;
    const char *p = h + 6;
    uint64_t a, b = UINT64_MAX;
    if (*p == '-') {
        p++;
        if (digits(&p, &a) != 1 || *p) return 0;
        if (a == 0 || size == 0) return -1;
        *from = a >= size ? 0 : size - a;
        *to = size - 1;
        return 1;
    }
    if (digits(&p, &a) != 1 || *p++ != '-') return 0;
    if (*p && (digits(&p, &b) != 1 || *p || b < a)) return 0;
    if (a >= size) return -1;
    *from = a;
    *to = b >= size ? size - 1 : b;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8) return 0;
    uint64_t osize;
    memcpy(&osize, data, 8);
    if (data[7] < 0xf0) osize %= 1u + data[7] * 97u; /* mostly small objects */
    char *h = malloc(size - 8 + 1);
    if (!h) return 0;
    memcpy(h, data + 8, size - 8);
    h[size - 8] = '\0';

    uint64_t from = UNSET, to = UNSET, rf = UNSET, rt = UNSET;
    int rc = range_parse(h, osize, &from, &to);
    int ref = reference(h, osize, &rf, &rt);
    if (rc != ref) abort();
    if (rc == 1) {
        if (!(from <= to && to < osize)) abort();
        if (from != rf || to != rt) abort();
    } else if (from != UNSET || to != UNSET) {
        abort();
    }

    from = to = UNSET;
    if (range_parse_copy(h, osize, &from, &to) == 0) {
        if (!(from <= to && to < osize)) abort();
        if (!copy_form(h)) abort();
        uint64_t gf = UNSET, gt = UNSET;
        if (range_parse(h, osize, &gf, &gt) != 1 || gf != from || gt != to) abort();
    } else if (from != UNSET || to != UNSET) {
        abort();
    }
    free(h);
    return 0;
}
