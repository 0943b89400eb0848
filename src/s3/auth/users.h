/* users — the table of users whose requests fakes3 can authenticate.
 *
 * A user is an access key, its secret and who it is: a display name, a
 * canonical id (64 hex digits) and an e-mail address; admin marks who may use
 * the control calls. The table is built at start (one user from
 * --access-key/--secret-key, or several from a JSON file) and read-only after:
 * lookups need no lock. An empty table means the open mode: any credentials
 * are accepted, as in fake-s3. */
#ifndef FAKES3_AUTH_USERS_H
#define FAKES3_AUTH_USERS_H

#include <stddef.h>

typedef struct auth_user {
    char *access_key, *secret_key; /* owned */
    char *display_name;            /* owned; the access key when not given */
    char *canonical_id;            /* owned; hex SHA-256 of the access key when not given */
    char *email;                   /* owned; "" when not given */
    /* owned; the 12-digit AWS account id the user is in: its ARN is
     * arn:aws:iam::<account_id>:user/<display_name>. When not given, the
     * first 12 bytes of the SHA-256 of the canonical id, each mod 10 */
    char *account_id;
    int admin;
} auth_user_t;

typedef struct auth_users {
    auth_user_t *v; /* owned */
    size_t n;
} auth_users_t;

/* Add a user with only its keys (the rest derived). Returns 0, or -1 if the
 * access key is already in the table. */
int auth_users_add(auth_users_t *u, const char *access_key, const char *secret_key);
/* Load the users of a JSON file {"users": [{"access_key": ..., "secret_key": ...,
 * "display_name", "canonical_id", "email", "account_id", "admin"}, ...]} into u. Returns 0,
 * or -1 with a one-line reason naming the line and field in err. */
int auth_users_load(auth_users_t *u, const char *path, char *err, size_t errlen);
/* The user with this access key, or NULL. */
const auth_user_t *auth_users_find(const auth_users_t *u, const char *access_key);
/* The first user with this canonical id, or NULL. */
const auth_user_t *auth_users_find_id(const auth_users_t *u, const char *canonical_id);
/* The first user with this e-mail address (case-insensitive), or NULL. */
const auth_user_t *auth_users_find_email(const auth_users_t *u, const char *email);
/* The user that HTTP Basic credentials name (creds: what follows "Basic " in
 * an Authorization header, base64 of "access-key:secret"), or NULL when
 * they are malformed, name no user or give the wrong secret. The secrets are
 * compared in constant time (their SHA-256 digests, so that the length
 * leaks nothing either). */
const auth_user_t *auth_users_basic(const auth_users_t *u, const char *creds);
/* Release what u holds (u itself is the caller's). */
void auth_users_free(auth_users_t *u);

#endif
