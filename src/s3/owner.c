#include "s3/owner.h"

#include <string.h>

#include "s3/auth/users.h"

int s3_owner_users_mode(const s3_req_t *r)
{
    return r->srv->users && r->srv->users->n > 0;
}

const char *s3_owner_caller(const s3_req_t *r)
{
    return r->user ? r->user->canonical_id : S3_DEFAULT_OWNER_ID;
}

void s3_owner_xml(const s3_req_t *r, buf_t *b, const char *id)
{
    if (!id || !*id) id = S3_DEFAULT_OWNER_ID;
    const auth_user_t *u = auth_users_find_id(r->srv->users, id);
    const char *name = u                                      ? u->display_name
                       : strcmp(id, S3_DEFAULT_OWNER_ID) == 0 ? S3_DEFAULT_OWNER_NAME
                                                              : NULL;
    s3_xml_elem_s(b, "ID", id);
    if (name) s3_xml_elem_s(b, "DisplayName", name);
}
