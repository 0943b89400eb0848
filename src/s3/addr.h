/* addr — S3 addressing: which bucket and key a request names.
 *
 * Path style ("/bucket/key") is used when the Host is an IP literal, a base
 * host (the -H values, localhost, s3.amazonaws.com, s3.<region>.amazonaws.com)
 * or a bare single label ("fakes3"). "<bucket>.<base>" is virtual-host style
 * and the bucket may contain dots; an unknown "<label>.<single-label>" host
 * (a compose alias such as "my-bucket.fakes3") is virtual-host style for
 * <label>. Other hosts are path style. */
#ifndef FAKES3_ADDR_H
#define FAKES3_ADDR_H

#include <stddef.h>

typedef struct addr_target {
    char *bucket; /* owned; NULL for the service (ListBuckets) */
    char *key;    /* owned; NULL when no key is named */
    size_t key_len;
    int vhost;         /* 1 when the bucket came from the Host */
    const char *query; /* points into the target: after '?', or "" */
} addr_target_t;

/* The bucket named by host, as a new string, or NULL for path style.
 * bases: configured base hosts (lower case, no port). */
char *addr_vhost_bucket(const char *host, const char *const *bases, size_t nbases);

/* Split a raw request target into bucket and key (percent-decoded).
 * Returns 0, or -1 if the target cannot be parsed (bad escape, no leading '/'). */
int addr_parse(const char *target, const char *host, const char *const *bases, size_t nbases,
               addr_target_t *out);
/* Release the strings in t. */
void addr_free(addr_target_t *t);

#endif
