/* range — byte ranges of a GET (the Range header) and of UploadPartCopy
 * (x-amz-copy-source-range), resolved against the object's size.
 *
 * Parsers read the caller's NUL-terminated string and allocate nothing. */
#ifndef FAKES3_RANGE_H
#define FAKES3_RANGE_H

#include <stdint.h>

/* A GET's Range: "bytes=a-b", "bytes=a-", "bytes=-n" against size. Returns 1
 * with [*from, *to] inside [0, size) for a satisfiable range, 0 to ignore the
 * header (malformed or several ranges: S3 then sends the whole object), -1 if
 * unsatisfiable (416). *from and *to are written only when 1 is returned. */
int range_parse(const char *h, uint64_t size, uint64_t *from, uint64_t *to);

/* x-amz-copy-source-range: exactly "bytes=a-b" (decimal digits only) with
 * a <= b < size. Returns 0 with [*from, *to], or -1 (InvalidArgument);
 * nothing is written on -1. */
int range_parse_copy(const char *h, uint64_t size, uint64_t *from, uint64_t *to);

#endif
