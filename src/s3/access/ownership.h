/* ownership — S3 Object Ownership (a bucket's OwnershipControls): who owns
 * the objects written into a bucket and whether its ACLs count.
 * BucketOwnerEnforced: ACLs are off, the bucket owner owns every object;
 * BucketOwnerPreferred: a write with bucket-owner-full-control gives the
 * object to the bucket owner; ObjectWriter: the writer owns it (S3 before
 * 2023, and a bucket with no controls). Parses and writes the XML document;
 * keeps nothing itself. */
#ifndef FAKES3_ACCESS_OWNERSHIP_H
#define FAKES3_ACCESS_OWNERSHIP_H

#include <stddef.h>

#include "lib/buf.h"

typedef enum {
    OWNERSHIP_OBJECT_WRITER = 0, /* also: no controls set */
    OWNERSHIP_PREFERRED,
    OWNERSHIP_ENFORCED,
} ownership_t;

/* The setting named (exact S3 spelling); 0, or -1 when name is none. */
int ownership_from_name(const char *name, ownership_t *out);
const char *ownership_name(ownership_t o);
/* An OwnershipControls document with exactly one rule; 0 or -1 (MalformedXML). */
int ownership_parse_xml(const char *xml, size_t n, ownership_t *out);
/* S3's OwnershipControls answer, with the XML declaration. */
void ownership_xml(ownership_t o, buf_t *out);

#endif
