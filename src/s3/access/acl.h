/* acl — S3 access control lists: an owner and its grants, as S3 keeps them.
 *
 * A grantee is a canonical user (e-mail grants are resolved to one when set,
 * as S3 does) or one of S3's groups (AllUsers, AuthenticatedUsers,
 * LogDelivery). An ACL comes from a canned name (x-amz-acl), from the
 * x-amz-grant-* headers or from an AccessControlPolicy XML body; it is kept
 * in the store as a short text document (acl_encode / acl_decode) and
 * answered as S3's XML. Knows nothing of HTTP: callers hand over header
 * values and bodies. */
#ifndef FAKES3_ACCESS_ACL_H
#define FAKES3_ACCESS_ACL_H

#include <stddef.h>

#include "lib/buf.h"

struct auth_users;

enum {
    ACL_READ = 1,
    ACL_WRITE = 2,
    ACL_READ_ACP = 4,
    ACL_WRITE_ACP = 8,
    ACL_FULL_CONTROL = 16,
};

#define ACL_URI_ALL_USERS    "http://acs.amazonaws.com/groups/global/AllUsers"
#define ACL_URI_AUTH_USERS   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
#define ACL_URI_LOG_DELIVERY "http://acs.amazonaws.com/groups/s3/LogDelivery"
#define ACL_ID_MAX           128

typedef struct acl_grant {
    int group;              /* 0: id is a canonical id; 1: id is a group URI */
    char id[ACL_ID_MAX];    /* canonical id or group URI */
    char email[ACL_ID_MAX]; /* the address an e-mail grant named, else "" */
    int perm;               /* one ACL_* bit */
} acl_grant_t;

typedef struct acl {
    char owner[ACL_ID_MAX];
    acl_grant_t *g; /* owned */
    size_t n;
} acl_t;

/* What went wrong with an ACL a request sent. */
typedef enum {
    ACL_OK = 0,
    ACL_EMALFORMED, /* MalformedACLError */
    ACL_EARG,       /* InvalidArgument (msg, arg and value say which) */
    ACL_EEMAIL,     /* UnresolvableGrantByEmailAddress */
    ACL_EBOTH,      /* a canned ACL together with grant headers: InvalidRequest */
} acl_err_t;

typedef struct acl_error {
    char msg[128];
    char arg[48];
    char value[256];
} acl_error_t;

/* ---- building ---- */
/* The owner's FULL_CONTROL and nothing else. */
void acl_init_private(acl_t *a, const char *owner);
/* A canned ACL for a resource owned by owner in a bucket owned by
 * bucket_owner (bucket-owner-read/-full-control name it; for a bucket they
 * are the owner's private ACL). 0, or -1 when name is no canned ACL. */
int acl_canned(acl_t *a, const char *name, const char *owner, const char *bucket_owner);
/* The x-amz-grant-* header values (NULL when absent, indexed by the order of
 * acl_grant_headers) as an ACL owned by owner; emails are resolved in users.
 * ACL_OK, ACL_EARG or ACL_EEMAIL with e filled in. */
extern const char *const acl_grant_headers[5];
acl_err_t acl_from_grant_headers(acl_t *a, const char *const vals[5], const char *owner,
                                 const struct auth_users *users, acl_error_t *e);
/* An AccessControlPolicy document. ACL_OK, ACL_EMALFORMED, ACL_EARG, ACL_EEMAIL. */
acl_err_t acl_parse_xml(acl_t *a, const char *xml, size_t n, const struct auth_users *users,
                        acl_error_t *e);
/* Release the grants (a itself is the caller's). */
void acl_free(acl_t *a);

/* ---- keeping and answering ---- */
/* The stored form, appended to out. */
void acl_encode(const acl_t *a, buf_t *out);
/* Read a stored form; an empty or NULL doc is owner's private ACL. 0 or -1. */
int acl_decode(acl_t *a, const char *doc, const char *owner);
/* S3's AccessControlPolicy document (with the XML declaration). who appends
 * <ID>..</ID><DisplayName>..</DisplayName> for a canonical id. */
typedef void (*acl_who_fn)(void *ctx, buf_t *b, const char *id);
void acl_xml(const acl_t *a, buf_t *out, acl_who_fn who, void *ctx);

/* ---- deciding ---- */
/* Whether a grants perm (FULL_CONTROL grants all) to the caller: canonical
 * id caller, or NULL for anonymous (AllUsers only). With ignore_public, the
 * grants to AllUsers and AuthenticatedUsers count for nothing
 * (IgnorePublicAcls). */
int acl_allows(const acl_t *a, const char *caller, int perm, int ignore_public);
/* Whether a grants anything to AllUsers or AuthenticatedUsers (S3's
 * "public" ACL). */
int acl_is_public(const acl_t *a);
/* Whether a grants FULL_CONTROL to id and nothing to anyone else (what a
 * bucket with BucketOwnerEnforced accepts). */
int acl_only_full_control(const acl_t *a, const char *id);

#endif
