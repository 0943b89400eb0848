/* owner — who owns what, as the S3 layer answers it.
 *
 * Buckets, objects and uploads are owned by a canonical id, which the store
 * keeps as an opaque string. The caller of a request is its authenticated
 * user; in the open mode (no users configured, fake-s3's) everyone is the
 * one default owner, whose id and name fakes3 has always answered. An owner
 * is named by the users table; an id no user has any longer is answered
 * with its ID alone, as S3 answers owners since it stopped sending
 * DisplayName (2025). Internal to src/s3/. */
#ifndef FAKES3_S3_OWNER_H
#define FAKES3_S3_OWNER_H

#include "lib/buf.h"
#include "s3/s3req.h"

/* Whether users are configured (else the open mode). */
int s3_owner_users_mode(const s3_req_t *r);
/* The canonical id of who sent r: its user, else the default owner. */
const char *s3_owner_caller(const s3_req_t *r);
/* Append <ID>id</ID><DisplayName>name</DisplayName> for an owner id (an
 * empty id is the default owner); no DisplayName when the id has no name. */
void s3_owner_xml(const s3_req_t *r, buf_t *b, const char *id);

#endif
