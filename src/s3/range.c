/* range — see range.h. */
#include "s3/range.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int range_parse(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
    if (strncmp(h, "bytes=", 6) != 0) return 0;
    const char *p = h + 6;
    if (strchr(p, ',')) return 0;
    char *end;
    errno = 0;
    if (*p == '-') {
        if (!isdigit((unsigned char)p[1])) return 0;
        unsigned long long n = strtoull(p + 1, &end, 10);
        if (*end || errno) return 0;
        if (n == 0 || size == 0) return -1;
        *from = n >= size ? 0 : size - n;
        *to = size - 1;
        return 1;
    }
    if (!isdigit((unsigned char)*p)) return 0;
    unsigned long long a = strtoull(p, &end, 10);
    if (*end != '-' || errno) return 0;
    p = end + 1;
    unsigned long long b = UINT64_MAX;
    if (*p) {
        if (!isdigit((unsigned char)*p)) return 0;
        b = strtoull(p, &end, 10);
        if (*end || errno) return 0;
        if (b < a) return 0;
    }
    if (a >= size) return -1;
    *from = a;
    *to = b >= size ? size - 1 : b;
    return 1;
}

/* The decimal digits at *p (at least one, no sign or space, no overflow). */
static int parse_digits(const char **p, uint64_t *v)
{
    if (!isdigit((unsigned char)**p)) return -1;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(*p, &end, 10);
    if (errno) return -1;
    *p = end;
    *v = n;
    return 0;
}

int range_parse_copy(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
    /* Digits only: sscanf's %llu let "bytes=1- 2", "bytes=+1-2" and
     * "bytes=-0-5" through (tests/fuzz/fuzz_range.c). */
    uint64_t a, b;
    if (strncmp(h, "bytes=", 6) != 0) return -1;
    const char *p = h + 6;
    if (parse_digits(&p, &a) || *p++ != '-' || parse_digits(&p, &b) || *p) return -1;
    if (b < a || b >= size) return -1;
    *from = a;
    *to = b;
    return 0;
}
