/* The ACL model (canned ACLs, grant headers, AccessControlPolicy bodies, the
 * stored form, decisions) and the operation table's policy actions. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/access/access.h"
#include "s3/access/acl.h"
#include "s3/access/ownership.h"
#include "s3/access/pab.h"
#include "s3/auth/users.h"
#include "s3/s3req.h"

#define A "a1" /* owner */
#define B "b2" /* bucket owner */

static int has(const acl_t *a, int group, const char *id, int perm)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->g[i].group == group && strcmp(a->g[i].id, id) == 0 && a->g[i].perm == perm) return 1;
    return 0;
}

static void test_every_operation_names_a_known_policy_action(void **state)
{
    (void)state;
    size_t n;
    const s3_op_t *ops = s3_ops(&n);
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++) {
        if (!ops[i].action || !access_action_known(ops[i].action))
            fail_msg("%s: action %s is not one access_check knows", ops[i].name,
                     ops[i].action ? ops[i].action : "(none)");
    }
    static const struct {
        const char *op, *method, *action;
    } want[] = {
        {"ListObjects", "GET", "s3:ListBucket"},
        {"HeadObject", "HEAD", "s3:GetObject"},
        {"HeadBucket", "HEAD", "s3:ListBucket"},
        {"ListMultipartUploads", "GET", "s3:ListBucketMultipartUploads"},
        {"UploadPart", "PUT", "s3:PutObject"},
        {"CompleteMultipartUpload", "POST", "s3:PutObject"},
        {"GetObjectAcl", "GET", "s3:GetObjectAcl"},
        {"GetObjectAttributes", "GET", "s3:GetObjectAttributes"},
        {"DeleteObjects", "POST", "s3:DeleteObject"},
        {"GetBucketCors", "GET", "s3:GetBucketCORS"},
        {"DeleteBucketCors", "DELETE", "s3:PutBucketCORS"},
        {"GetBucketEncryption", "GET", "s3:GetEncryptionConfiguration"},
        {"DeleteBucketEncryption", "DELETE", "s3:PutEncryptionConfiguration"},
        {"ListBuckets", "GET", "s3:ListAllMyBuckets"},
        {"DeletePublicAccessBlock", "DELETE", "s3:PutBucketPublicAccessBlock"},
    };
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(ops[i].name, want[w].op) == 0 &&
                strcmp(ops[i].method, want[w].method) == 0) {
                assert_string_equal(ops[i].action, want[w].action);
                found = 1;
            }
        if (!found) fail_msg("no %s in the table", want[w].op);
    }
    assert_false(access_action_known("s3:NoSuchThing"));
    assert_false(access_action_known(NULL));
}

static void test_canned_acls_grant_what_s3_grants(void **state)
{
    (void)state;
    acl_t a;
    assert_int_equal(acl_canned(&a, "private", A, B), 0);
    assert_int_equal(a.n, 1);
    assert_true(has(&a, 0, A, ACL_FULL_CONTROL));
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "public-read", A, B), 0);
    assert_true(has(&a, 1, ACL_URI_ALL_USERS, ACL_READ) && a.n == 2);
    assert_true(acl_is_public(&a));
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "public-read-write", A, B), 0);
    assert_true(has(&a, 1, ACL_URI_ALL_USERS, ACL_WRITE) && a.n == 3);
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "authenticated-read", A, B), 0);
    assert_true(has(&a, 1, ACL_URI_AUTH_USERS, ACL_READ) && a.n == 2);
    assert_true(acl_is_public(&a));
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "aws-exec-read", A, B), 0);
    assert_int_equal(a.n, 2);
    assert_false(acl_is_public(&a));
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "bucket-owner-read", A, B), 0);
    assert_true(has(&a, 0, B, ACL_READ) && a.n == 2);
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "bucket-owner-full-control", A, B), 0);
    assert_true(has(&a, 0, B, ACL_FULL_CONTROL) && a.n == 2);
    acl_free(&a);
    /* the writer is the bucket owner: one grant */
    assert_int_equal(acl_canned(&a, "bucket-owner-full-control", B, B), 0);
    assert_true(a.n == 1 && acl_only_full_control(&a, B));
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "log-delivery-write", A, B), 0);
    assert_true(has(&a, 1, ACL_URI_LOG_DELIVERY, ACL_WRITE));
    assert_true(has(&a, 1, ACL_URI_LOG_DELIVERY, ACL_READ_ACP));
    assert_false(acl_is_public(&a));
    acl_free(&a);
    assert_int_equal(acl_canned(&a, "Public-Read", A, B), -1);
    assert_int_equal(acl_canned(&a, "", A, B), -1);
}

static auth_users_t users(void)
{
    auth_users_t u = {0};
    assert_int_equal(auth_users_add(&u, "AKA", "s"), 0);
    assert_int_equal(auth_users_add(&u, "AKB", "s"), 0);
    free(u.v[1].email);
    u.v[1].email = strdup("bob@example.com");
    return u;
}

static void test_grant_headers(void **state)
{
    (void)state;
    auth_users_t u = users();
    const char *bob = u.v[1].canonical_id;
    char idv[128];
    snprintf(idv, sizeof idv, "id=\"%s\"", bob);
    const char *vals[5] = {NULL};
    vals[0] =
        "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\", emailAddress=bob@example.com";
    vals[4] = idv;
    acl_t a;
    acl_error_t e;
    assert_int_equal(acl_from_grant_headers(&a, vals, A, &u, &e), ACL_OK);
    assert_int_equal(a.n, 3);
    assert_true(has(&a, 1, ACL_URI_ALL_USERS, ACL_READ));
    assert_true(has(&a, 0, bob, ACL_READ)); /* the e-mail, resolved */
    assert_true(has(&a, 0, bob, ACL_FULL_CONTROL));
    assert_string_equal(a.owner, A);
    assert_true(acl_allows(&a, bob, ACL_WRITE_ACP, 0));
    assert_true(acl_allows(&a, NULL, ACL_READ, 0));
    assert_false(acl_allows(&a, NULL, ACL_READ, 1)); /* IgnorePublicAcls */
    assert_false(acl_allows(&a, NULL, ACL_WRITE, 0));
    assert_false(acl_allows(&a, A, ACL_WRITE, 0)); /* headers replace the whole ACL */
    acl_free(&a);

    static const struct {
        const char *v;
        acl_err_t want;
        const char *arg;
    } bad[] = {
        {"emailAddress=nobody@example.com", ACL_EEMAIL, ""},
        {"id=0000", ACL_EARG, "CanonicalUser/ID"},
        {"uri=http://acs.amazonaws.com/groups/global/Everyone", ACL_EARG, "Group/URI"},
        {"foo=bar", ACL_EARG, "x-amz-grant-read"},
        {"id", ACL_EARG, "x-amz-grant-read"},
        {"id=\"unterminated", ACL_EARG, "x-amz-grant-read"},
        {"uri=\"http://acs.amazonaws.com/groups/global/AllUsers\",", ACL_EARG, "x-amz-grant-read"},
        {"", ACL_EARG, "x-amz-grant-read"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *v1[5] = {bad[i].v};
        memset(&e, 0, sizeof e);
        acl_err_t rc = acl_from_grant_headers(&a, v1, A, &u, &e);
        if (rc != bad[i].want) fail_msg("case %zu (%s): %d", i, bad[i].v, rc);
        assert_string_equal(e.arg, bad[i].arg);
        assert_null(a.g);
    }
    auth_users_free(&u);
}

static void who(void *ctx, buf_t *b, const char *id)
{
    (void)ctx;
    buf_printf(b, "<ID>%s</ID>", id);
}

static void test_access_control_policy_bodies(void **state)
{
    (void)state;
    auth_users_t u = users();
    const char *bob = u.v[1].canonical_id;
    buf_t x = BUF_INIT;
    buf_printf(
        &x,
        "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>%s"
        "</ID></Owner><AccessControlList>"
        "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:type=\"CanonicalUser\"><ID>%s</ID></Grantee><Permission>WRITE_ACP</Permission>"
        "</Grant>"
        "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:type=\"AmazonCustomerByEmail\"><EmailAddress>bob@example.com</EmailAddress>"
        "</Grantee><Permission>READ</Permission></Grant>"
        "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:type=\"Group\"><URI>" ACL_URI_AUTH_USERS "</URI></Grantee>"
        "<Permission>READ_ACP</Permission></Grant>"
        "</AccessControlList></AccessControlPolicy>",
        A, bob);
    acl_t a = {.owner = A};
    acl_error_t e;
    assert_int_equal(acl_parse_xml(&a, x.p, x.len, &u, &e), ACL_OK);
    assert_int_equal(a.n, 3);
    assert_true(has(&a, 0, bob, ACL_WRITE_ACP));
    assert_true(has(&a, 0, bob, ACL_READ));
    assert_true(has(&a, 1, ACL_URI_AUTH_USERS, ACL_READ_ACP));
    /* stored and read back: the same grants, the e-mail kept */
    buf_t enc = BUF_INIT;
    acl_encode(&a, &enc);
    acl_t d;
    assert_int_equal(acl_decode(&d, enc.p, "other"), 0);
    assert_string_equal(d.owner, A);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.g[1].email, "bob@example.com");
    /* answered with xsi:type, e-mail grants as the canonical user they are */
    buf_t out = BUF_INIT;
    acl_xml(&d, &out, who, NULL);
    assert_non_null(strstr(out.p, "xsi:type=\"Group\"><URI>" ACL_URI_AUTH_USERS "</URI>"));
    assert_non_null(strstr(out.p, "<Owner><ID>" A "</ID></Owner>"));
    assert_null(strstr(out.p, "EmailAddress"));
    buf_free(&out);
    buf_free(&enc);
    acl_free(&d);
    acl_free(&a);
    buf_free(&x);

    static const struct {
        const char *body;
        acl_err_t want;
    } bad[] = {
        {"<AccessControlPolicy><AccessControlList/></AccessControlPolicy>", ACL_EMALFORMED},
        {"<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee>"
         "<ID>x</ID></Grantee><Permission>ALL</Permission></Grant></AccessControlList>"
         "</AccessControlPolicy>",
         ACL_EMALFORMED},
        {"<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant>"
         "<Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
         ACL_EMALFORMED},
        {"<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee>"
         "<EmailAddress>no@example.com</EmailAddress></Grantee><Permission>READ</Permission>"
         "</Grant></AccessControlList></AccessControlPolicy>",
         ACL_EEMAIL},
        {"<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee>"
         "<ID>not-a-user</ID></Grantee><Permission>READ</Permission>"
         "</Grant></AccessControlList></AccessControlPolicy>",
         ACL_EARG},
        {"<AccessControlPolicy><Owner>", ACL_EMALFORMED},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        acl_t b = {.owner = A};
        acl_err_t rc = acl_parse_xml(&b, bad[i].body, strlen(bad[i].body), &u, &e);
        if (rc != bad[i].want) fail_msg("case %zu: %d", i, rc);
        assert_null(b.g);
    }
    /* a stored form that is not one reads as the owner's private ACL */
    assert_int_equal(acl_decode(&d, "garbage", A), -1);
    assert_true(d.n == 1 && acl_only_full_control(&d, A));
    acl_free(&d);
    assert_int_equal(acl_decode(&d, "", A), 0);
    assert_true(d.n == 1 && acl_only_full_control(&d, A));
    acl_free(&d);
    auth_users_free(&u);
}

static void test_ownership_and_pab_documents(void **state)
{
    (void)state;
    ownership_t o;
    const char *ok = "<OwnershipControls xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>"
                     "<ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule>"
                     "</OwnershipControls>";
    assert_int_equal(ownership_parse_xml(ok, strlen(ok), &o), 0);
    assert_int_equal(o, OWNERSHIP_PREFERRED);
    const char *bad[] = {
        "<OwnershipControls><Rule><ObjectOwnership>Mine</ObjectOwnership></Rule>"
        "</OwnershipControls>",
        "<OwnershipControls></OwnershipControls>",
        "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule>"
        "<ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ownership_parse_xml(bad[i], strlen(bad[i]), &o), -1);
    pab_t p;
    const char *px = "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
                     "<RestrictPublicBuckets>true</RestrictPublicBuckets>"
                     "</PublicAccessBlockConfiguration>";
    assert_int_equal(pab_parse_xml(px, strlen(px), &p), 0);
    assert_true(p.block_public_acls && p.restrict_public_buckets);
    assert_false(p.ignore_public_acls || p.block_public_policy);
    buf_t b = BUF_INIT;
    pab_encode(&p, &b);
    pab_t q;
    pab_decode(b.p, &q);
    assert_memory_equal(&p, &q, sizeof p);
    buf_free(&b);
    const char *pbad = "<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls>"
                       "</PublicAccessBlockConfiguration>";
    assert_int_equal(pab_parse_xml(pbad, strlen(pbad), &p), -1);
    acl_t a;
    acl_canned(&a, "public-read", A, A);
    assert_true(pab_blocks_public_acl(&q, &a));
    assert_false(pab_blocks_public_acl(NULL, &a));
    acl_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_operation_names_a_known_policy_action),
        cmocka_unit_test(test_canned_acls_grant_what_s3_grants),
        cmocka_unit_test(test_grant_headers),
        cmocka_unit_test(test_access_control_policy_bodies),
        cmocka_unit_test(test_ownership_and_pab_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
