/* util — the one allocation wrapper, time formats, hex/base64/percent coding,
 * randomness and logging, shared by every layer.
 *
 * Nothing here keeps state except the log's quiet flag. Allocation failure
 * aborts: every caller may assume a non-NULL result. */
#ifndef FAKES3_UTIL_H
#define FAKES3_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Allocation: never returns NULL; the caller owns and frees the result. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Room for at least need elements of size bytes in the array p of *cap
 * elements: returns p, or p reallocated with *cap at least doubled, so that
 * growing one element at a time costs O(log n) reallocations. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Array p (capacity *cap elements of size bytes) with room for at least need
 * elements: p itself or its reallocation. Capacity doubles, so n appends one
 * at a time cost O(n). */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);

/* Milliseconds since the Unix epoch by the server's one clock (clock.h),
 * which the control namespace may move or freeze. */
int64_t util_now_ms(void);
/* Microseconds from a monotonic clock, for durations. */
int64_t util_mono_us(void);
/* Sleep for us microseconds (resumed after signals). */
void util_sleep_us(int64_t us);
/* "Tue, 24 Nov 2026 01:37:48 GMT" into out (at least 30 bytes). */
void util_http_date(int64_t ms, char out[30]);
/* "2026-11-24T01:37:48.123Z" into out (at least 25 bytes). */
void util_iso_date(int64_t ms, char out[25]);
/* Parse an HTTP date (RFC 1123, RFC 850 or asctime); 0 on success. */
int util_parse_http_date(const char *s, int64_t *ms_out);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void util_hex(const unsigned char *in, size_t n, char *out);
/* Decode exactly 2n hex digits into n bytes; 0 on success, -1 if malformed. */
int util_unhex(const char *hex, size_t n, unsigned char *out);
/* Standard base64 of n bytes into out (4*ceil(n/3)+1 bytes, NUL-terminated). */
void util_base64(const unsigned char *in, size_t n, char *out);
/* Decode base64 into out (room for *outlen bytes); 0 on success, -1 if malformed.
 * On success *outlen is the decoded length. */
int util_unbase64(const char *in, size_t inlen, unsigned char *out, size_t *outlen);
/* Percent-decode n bytes of s into a new NUL-terminated string (caller frees);
 * '+' becomes a space only when plus_is_space. *outlen gets the length.
 * Returns NULL if a '%' is not followed by two hex digits. */
char *util_urldec(const char *s, size_t n, int plus_is_space, size_t *outlen);

/* Whether n bytes are well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int util_utf8_valid(const char *s, size_t n);

/* A fast per-thread pseudo-random number (xorshift64*, seeded from the kernel):
 * for identifiers that must differ, not for secrets. */
uint64_t util_fast_random(void);

/* n random bytes from the kernel. */
void util_random(void *out, size_t n);

/* Logging: one line to stderr, unless util_log_quiet was set for info lines. */
extern int util_log_quiet;
void util_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
