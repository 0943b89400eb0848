/* ACLs from requests and back: the ACL a write asks for (x-amz-acl,
 * x-amz-grant-*, an AccessControlPolicy body) checked against the bucket's
 * Object Ownership and public access block, and Get/Put{Bucket,Object}Acl.
 * The model is src/s3/access/acl.c; who may call these is decided before
 * (s3.c, access_check). In the open mode ACLs are accepted and not kept, as
 * in fake-s3: every ACL reads as the owner's FULL_CONTROL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/access/access.h"
#include "s3/access/acl.h"
#include "s3/auth/users.h"
#include "s3/authorize.h"
#include "s3/owner.h"
#include "s3/s3req.h"
#include "s3/xmlin.h"

static void who(void *ctx, buf_t *b, const char *id)
{
    s3_owner_xml(ctx, b, id);
}

/* Answer an error of the ACL model. */
static void acl_answer(s3_req_t *r, http_response_t *resp, acl_err_t e, const acl_error_t *ae)
{
    switch (e) {
    case ACL_EARG: s3_err_arg(r, resp, ae->msg, ae->arg, ae->value); break;
    case ACL_EEMAIL: s3_err(r, resp, S3E_UNRESOLVABLE_EMAIL); break;
    case ACL_EBOTH:
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "Specifying both Canned ACLs and Header Grants is not allowed");
        break;
    default: s3_err(r, resp, S3E_MALFORMED_ACL); break;
    }
}

/* The ACL the headers of r ask for (canned: an explicit canned name, else
 * x-amz-acl), owned by owner. 1 when one was asked and built, 0 when none,
 * -1 after answering. */
static int acl_from_headers(s3_req_t *r, http_response_t *resp, const char *canned,
                            const char *owner, const char *bucket_owner, acl_t *a)
{
    if (!canned) canned = http_req_header(r->http, "x-amz-acl");
    const char *vals[5];
    int ngrants = 0;
    for (int i = 0; i < 5; i++)
        ngrants += (vals[i] = http_req_header(r->http, acl_grant_headers[i])) != NULL;
    if (canned && ngrants) {
        acl_answer(r, resp, ACL_EBOTH, NULL);
        return -1;
    }
    if (canned) {
        if (acl_canned(a, canned, owner, bucket_owner) == 0) return 1;
        s3_err_arg(r, resp, NULL, "x-amz-acl", canned);
        return -1;
    }
    if (!ngrants) return 0;
    acl_error_t ae;
    acl_err_t e = acl_from_grant_headers(a, vals, owner, r->srv->users, &ae);
    if (e) {
        acl_answer(r, resp, e, &ae);
        return -1;
    }
    return 1;
}

/* Whether the bucket's settings let a (asked for a resource of the bucket)
 * be set; else answered. create: at CreateBucket. */
static int acl_allowed(s3_req_t *r, http_response_t *resp, const acl_t *a, const char *bucket_owner,
                       int enforced, const pab_t *pab, int create)
{
    if (enforced && !acl_only_full_control(a, bucket_owner)) {
        s3_authorize_note(r, "ownership: BucketOwnerEnforced refuses ACLs");
        s3_err(r, resp, create ? S3E_INVALID_BUCKET_ACL_OWNERSHIP : S3E_ACL_NOT_SUPPORTED);
        return -1;
    }
    if (pab_blocks_public_acl(pab, a)) {
        s3_authorize_note(r, "pab: BlockPublicAcls");
        s3_err(r, resp, S3E_ACCESS_DENIED);
        return -1;
    }
    return 0;
}

static char *encode(const acl_t *a)
{
    buf_t b = BUF_INIT;
    acl_encode(a, &b);
    return b.p;
}

int s3_acl_for_object(s3_req_t *r, http_response_t *resp, const char *bucket, const char *canned,
                      char **doc, char owner[STORE_OWNER_MAX])
{
    *doc = NULL;
    const char *me = s3_owner_caller(r);
    snprintf(owner, STORE_OWNER_MAX, "%s", me);
    if (!s3_owner_users_mode(r)) return 0;
    access_bucket_t ab;
    int rc = access_bucket_load(r->srv->store, bucket, &ab);
    if (rc == STORE_ENOBUCKET) {
        /* Created by this write (fake-s3's), the writer's: no settings. */
        memset(&ab, 0, sizeof ab);
        snprintf(ab.b.owner, sizeof ab.b.owner, "%s", me);
    } else if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    int enforced = ab.ownership == OWNERSHIP_ENFORCED;
    const char *asked = canned ? canned : http_req_header(r->http, "x-amz-acl");
    /* Who owns what is written: the bucket owner when ACLs are off, or when
     * preferred and the writer hands the object over. */
    if (enforced || (ab.ownership == OWNERSHIP_PREFERRED && asked &&
                     strcmp(asked, "bucket-owner-full-control") == 0))
        snprintf(owner, STORE_OWNER_MAX, "%s", ab.b.owner);
    acl_t a;
    int got = acl_from_headers(r, resp, canned, owner, ab.b.owner, &a);
    if (got <= 0) return got;
    if (acl_allowed(r, resp, &a, ab.b.owner, enforced, ab.has_pab ? &ab.pab : NULL, 0)) {
        acl_free(&a);
        return -1;
    }
    *doc = encode(&a);
    acl_free(&a);
    return 0;
}

int s3_acl_for_bucket(s3_req_t *r, http_response_t *resp, s3_new_bucket_acl_t *nb)
{
    memset(nb, 0, sizeof *nb);
    nb->ownership = -1;
    if (!s3_owner_users_mode(r)) return 0;
    const char *me = s3_owner_caller(r);
    const char *oo = http_req_header(r->http, "x-amz-object-ownership");
    if (oo) {
        ownership_t o;
        if (ownership_from_name(oo, &o)) {
            s3_err_arg(r, resp, "Invalid x-amz-object-ownership header", "x-amz-object-ownership",
                       oo);
            return -1;
        }
        nb->ownership = (int)o;
    } else if (!r->srv->legacy_defaults) {
        nb->ownership = OWNERSHIP_ENFORCED;
    }
    nb->pab = !r->srv->legacy_defaults;
    pab_t pab = {1, 1, 1, 1};
    acl_t a;
    int got = acl_from_headers(r, resp, NULL, me, me, &a);
    if (got < 0) return -1;
    if (got) {
        int bad = acl_allowed(r, resp, &a, me, nb->ownership == OWNERSHIP_ENFORCED,
                              nb->pab ? &pab : NULL, 1);
        if (!bad) nb->acl = encode(&a);
        acl_free(&a);
        if (bad) return -1;
    }
    return 0;
}

int s3_acl_bucket_created(s3_req_t *r, s3_new_bucket_acl_t *nb)
{
    store_t *st = r->srv->store;
    int rc = STORE_OK;
    if (nb->ownership >= 0) {
        const char *name = ownership_name((ownership_t)nb->ownership);
        rc = st->ops->conf_put(st, r->t.bucket, "ownership", name, strlen(name));
    }
    if (!rc && nb->pab) rc = st->ops->conf_put(st, r->t.bucket, "pab", "1 1 1 1", 7);
    if (!rc && nb->acl) rc = st->ops->conf_put(st, r->t.bucket, "acl", nb->acl, strlen(nb->acl));
    free(nb->acl);
    nb->acl = NULL;
    return rc;
}

/* ---- Get/Put{Bucket,Object}Acl ---- */

/* The target's owner and stored ACL document (*doc may be NULL); answered
 * when missing. */
static int load_target(s3_req_t *r, http_response_t *resp, char owner[STORE_OWNER_MAX], char **doc)
{
    store_t *st = r->srv->store;
    int rc;
    *doc = NULL;
    if (!r->t.key) {
        store_bucket_t b;
        rc = st->ops->bucket_get(st, r->t.bucket, &b);
        if (rc == STORE_OK) {
            memcpy(owner, b.owner, STORE_OWNER_MAX);
            size_t n;
            rc = st->ops->conf_get(st, r->t.bucket, "acl", doc, &n);
            if (rc == STORE_ENOCONF) rc = STORE_OK;
        }
    } else {
        store_obj_t o;
        rc = st->ops->obj_get(st, r->t.bucket, r->t.key, r->t.key_len, r->vid, &o, NULL);
        if (rc == STORE_OK) {
            memcpy(owner, o.owner, STORE_OWNER_MAX);
            *doc = o.acl;
            o.acl = NULL;
            store_obj_free(&o);
        }
    }
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return -1;
    }
    return 0;
}

void s3_get_acl(s3_req_t *r, http_response_t *resp)
{
    char owner[STORE_OWNER_MAX];
    char *doc;
    if (load_target(r, resp, owner, &doc)) return;
    acl_t a;
    access_bucket_t ab;
    if (!s3_owner_users_mode(r)) {
        acl_init_private(&a, owner);
    } else if (r->t.key && access_bucket_load(r->srv->store, r->t.bucket, &ab) == STORE_OK &&
               ab.ownership == OWNERSHIP_ENFORCED) {
        /* ACLs are off: the bucket owner owns every object, whoever wrote it. */
        acl_init_private(&a, ab.b.owner);
    } else {
        acl_decode(&a, doc, owner);
    }
    free(doc);
    buf_t b = BUF_INIT;
    acl_xml(&a, &b, who, r);
    acl_free(&a);
    s3_send_xml(resp, 200, &b);
}

static int ignore_elem(void *ctx, const char *path, const char *text, size_t n)
{
    (void)ctx, (void)path, (void)text, (void)n;
    return 0;
}

void s3_put_acl(s3_req_t *r, http_response_t *resp)
{
    char owner[STORE_OWNER_MAX];
    char *doc;
    if (load_target(r, resp, owner, &doc)) return;
    free(doc);
    if (!s3_owner_users_mode(r)) {
        /* fake-s3's: accepted and not kept. A body must still be XML. */
        if (r->body.len && xmlin_parse(r->body.p, r->body.len, ignore_elem, NULL) != 0) {
            s3_err(r, resp, S3E_MALFORMED_XML);
            return;
        }
        http_resp_status(resp, 200);
        http_resp_ready(resp);
        return;
    }
    access_bucket_t ab;
    int rc = access_bucket_load(r->srv->store, r->t.bucket, &ab);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    acl_t a;
    int got = acl_from_headers(r, resp, NULL, owner, ab.b.owner, &a);
    if (got < 0) return;
    if (got && r->body.len) {
        acl_free(&a);
        s3_err_msg(r, resp, S3E_UNEXPECTED_CONTENT, "This request does not support content");
        return;
    }
    if (!got) {
        if (!r->body.len) {
            s3_err_full(r, resp, S3E_MISSING_SECURITY_HEADER, NULL,
                        "<MissingHeaderName>x-amz-acl</MissingHeaderName>");
            return;
        }
        acl_error_t ae;
        snprintf(a.owner, sizeof a.owner, "%s", owner);
        acl_err_t e = acl_parse_xml(&a, r->body.p, r->body.len, r->srv->users, &ae);
        if (e) {
            acl_answer(r, resp, e, &ae);
            return;
        }
    }
    if (acl_allowed(r, resp, &a, ab.b.owner, ab.ownership == OWNERSHIP_ENFORCED,
                    ab.has_pab ? &ab.pab : NULL, 0)) {
        acl_free(&a);
        return;
    }
    char *enc = encode(&a);
    acl_free(&a);
    store_t *st = r->srv->store;
    if (r->t.key)
        rc = st->ops->obj_set(st, r->t.bucket, r->t.key, r->t.key_len, r->vid, STORE_DOC_ACL, enc);
    else
        rc = st->ops->conf_put(st, r->t.bucket, "acl", enc, strlen(enc));
    free(enc);
    if (rc) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    http_resp_status(resp, 200);
    http_resp_ready(resp);
}
