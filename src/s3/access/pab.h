/* pab — a bucket's PublicAccessBlock configuration and what it blocks, with
 * S3's definition of public: an ACL granting anything to AllUsers or
 * AuthenticatedUsers; a policy as policy_is_public says. BlockPublicAcls
 * refuses writing such an ACL, IgnorePublicAcls makes such grants count for
 * nothing, BlockPublicPolicy refuses PutBucketPolicy of a public policy,
 * RestrictPublicBuckets lets a public policy grant only to the bucket
 * owner's account. Parses and writes the document; keeps nothing itself. */
#ifndef FAKES3_ACCESS_PAB_H
#define FAKES3_ACCESS_PAB_H

#include <stddef.h>

#include "lib/buf.h"
#include "s3/access/acl.h"
#include "s3/access/policy.h"

typedef struct pab {
    int block_public_acls, ignore_public_acls, block_public_policy, restrict_public_buckets;
} pab_t;

/* A PublicAccessBlockConfiguration document (absent fields are false);
 * 0 or -1 (MalformedXML). */
int pab_parse_xml(const char *xml, size_t n, pab_t *out);
/* S3's answer, with the XML declaration. */
void pab_xml(const pab_t *p, buf_t *out);
/* The stored form ("1 1 1 1") and back; decode of NULL is all off. */
void pab_encode(const pab_t *p, buf_t *out);
void pab_decode(const char *doc, pab_t *out);

/* Whether p (NULL: no configuration) refuses setting acl. */
int pab_blocks_public_acl(const pab_t *p, const acl_t *acl);
/* Whether p (NULL: none) refuses PutBucketPolicy of pol for a bucket whose
 * owner has owner_account: for the bucket-policy handler, which answers
 * AccessDenied when it does. */
int pab_blocks_public_policy(const pab_t *p, const policy_t *pol, const char *owner_account);

#endif
