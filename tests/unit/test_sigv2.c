#include "unit.h"
#include "unit_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/auth/auth.h"
#include "s3/auth/sigv2.h"

/* The AWS documentation's SigV2 examples (johnsmith bucket, virtual host). */
static void test_aws_example_get_object(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
        {"Authorization", "AWS " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU="},
    };
    authreq_t r = {"GET", "/photos/puppy.jpg", h, 3};
    buf_t sts = BUF_INIT;
    assert_int_equal(sigv2_string_to_sign(&r, "Tue, 27 Mar 2007 19:36:42 +0000", "johnsmith", &sts),
                     0);
    assert_string_equal(sts.p,
                        "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg");
    buf_free(&sts);
    int64_t now;
    util_parse_http_date("Tue, 27 Mar 2007 19:36:42 +0000", &now);
    auth_result_t res;
    assert_int_equal(unit_auth_check(&r, "johnsmith", now, &res), AUTH_USER);
    auth_result_free(&res);
    /* 16 minutes later: RequestTimeTooSkewed with S3's elements. */
    assert_int_equal(unit_auth_check(&r, "johnsmith", now + 16 * 60000, &res), AUTH_ERROR);
    assert_int_equal(res.err, S3E_REQUEST_TIME_SKEWED);
    assert_non_null(strstr(res.extra.p, "<MaxAllowedSkewMilliseconds>900000<"));
    auth_result_free(&res);
}

static void test_aws_example_put_object(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Content-Type", "image/jpeg"},
        {"Content-Length", "94328"},
        {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"},
        {"Authorization", "AWS " AK ":MyyxeRY7whkBe+bq8fHCL/2kKUg="},
    };
    authreq_t r = {"PUT", "/photos/puppy.jpg", h, 5};
    int64_t now;
    util_parse_http_date("Tue, 27 Mar 2007 21:15:45 +0000", &now);
    auth_result_t res;
    assert_int_equal(unit_auth_check(&r, "johnsmith", now, &res), AUTH_USER);
    auth_result_free(&res);
    /* Another secret: SignatureDoesNotMatch with the string to sign and its bytes. */
    auth_users_t other = {0};
    auth_users_add(&other, AK, "another-secret");
    assert_int_equal(auth_check(&other, "us-east-1", &r, "johnsmith", now, &res), AUTH_ERROR);
    assert_int_equal(res.err, S3E_SIGNATURE_MISMATCH);
    assert_non_null(strstr(res.extra.p,
                           "<StringToSign>PUT\n\nimage/jpeg\nTue, 27 Mar 2007 "
                           "21:15:45 +0000\n/johnsmith/photos/puppy.jpg</StringToSign>"));
    assert_non_null(strstr(res.extra.p, "<SignatureProvided>MyyxeRY7whkBe+bq8fHCL/2kKUg=<"));
    assert_non_null(strstr(res.extra.p, "<StringToSignBytes>50 55 54 0a 0a 69 6d"));
    auth_result_free(&res);
    auth_users_free(&other);
}

/* Canonicalized x-amz-* headers and sub-resources. */
static void test_amz_headers_and_subresources_canonicalized(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {
        {"X-Amz-Meta-B", "two"},  {"x-amz-date", "Tue, 27 Mar 2007 19:36:42 +0000"},
        {"X-Amz-Meta-A", "one"},  {"x-amz-meta-b", "three"},
        {"Content-MD5", "abc=="}, {"Date", "ignored because x-amz-date is present"},
    };
    authreq_t r = {"PUT", "/b/k%20x?uploadId=u%2B1&partNumber=2&prefix=z&acl&uploads=", h, 6};
    buf_t sts = BUF_INIT;
    assert_int_equal(sigv2_string_to_sign(&r, "", NULL, &sts), 0);
    assert_string_equal(sts.p, "PUT\nabc==\n\n\n"
                               "x-amz-date:Tue, 27 Mar 2007 19:36:42 +0000\n"
                               "x-amz-meta-a:one\n"
                               "x-amz-meta-b:two,three\n"
                               "/b/k%20x?acl&partNumber=2&uploadId=u+1&uploads=");
    buf_free(&sts);
}

static void test_presigned_v2_expiry_enforced_also_in_open_mode(void **state)
{
    (void)state;
    authreq_hdr_t h[] = {{"Host", "johnsmith.s3.amazonaws.com"}};
    /* The AWS documentation's query-string example. */
    authreq_t r = {"GET",
                   "/photos/puppy.jpg?AWSAccessKeyId=" AK
                   "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620",
                   h, 1};
    auth_result_t res;
    assert_int_equal(unit_auth_check(&r, "johnsmith", 1175139000000LL, &res), AUTH_USER);
    auth_result_free(&res);
    assert_int_equal(unit_auth_check(&r, "johnsmith", 1175139621000LL, &res), AUTH_ERROR);
    assert_string_equal(res.msg, "Request has expired");
    assert_non_null(strstr(res.extra.p, "<Expires>2007-03-29T03:40:20Z</Expires>"));
    auth_result_free(&res);
    assert_int_equal(auth_check(NULL, "us-east-1", &r, "johnsmith", 1175139621000LL, &res),
                     AUTH_ERROR);
    auth_result_free(&res);
}

/* botocore signs a path-style bucket-level request ("PUT /deb-s3") with the
 * resource "/deb-s3/": it failed with SignatureDoesNotMatch. */
static void test_botocore_v2_bucket_resource_with_trailing_slash_verifies(void **state)
{
    (void)state;
    const char *date = "Mon, 07 Dec 2026 14:06:56 GMT";
    char sig[SIGV2_B64], authz[128];
    const char *sts = "PUT\n\n\nMon, 07 Dec 2026 14:06:56 GMT\n/deb-s3/";
    sigv2_sign(SK, sts, strlen(sts), sig);
    snprintf(authz, sizeof authz, "AWS %s:%s", AK, sig);
    authreq_hdr_t h[] = {{"Host", "127.0.0.1:4569"}, {"Date", date}, {"Authorization", authz}};
    authreq_t r = {"PUT", "/deb-s3", h, 3};
    int64_t now;
    util_parse_http_date(date, &now);
    auth_result_t res;
    assert_int_equal(unit_auth_check(&r, NULL, now, &res), AUTH_USER);
    auth_result_free(&res);
    /* Not for an object path. */
    r.target = "/deb-s3/k";
    assert_int_equal(unit_auth_check(&r, NULL, now, &res), AUTH_ERROR);
    auth_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_example_get_object),
        cmocka_unit_test(test_aws_example_put_object),
        cmocka_unit_test(test_amz_headers_and_subresources_canonicalized),
        cmocka_unit_test(test_presigned_v2_expiry_enforced_also_in_open_mode),
        cmocka_unit_test(test_botocore_v2_bucket_resource_with_trailing_slash_verifies),
    };
    return cmocka_run_group_tests(tests, unit_auth_setup, unit_auth_teardown);
}
