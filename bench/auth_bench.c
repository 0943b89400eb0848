/* auth_bench — what verifying a SigV4 header signature costs: auth_check on
 * the AWS documentation's GET Object example (canonical request, string to sign, signing key,
 * HMAC), N times; and a SigV2 header for comparison.
 *
 * Build and run from the repository root:
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc bench/auth_bench.c
 * src/s3/auth/{auth,authreq,sigv2,sigv4,users}.c \ src/lib/util.c src/lib/buf.c -lnettle -ljansson
 * -o build/auth_bench
 *   ./build/auth_bench [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/auth/auth.h"

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static double run(const char *name, const auth_users_t *u, const authreq_t *r, int64_t now, long n)
{
    int64_t t0 = util_mono_us();
    for (long i = 0; i < n; i++) {
        auth_result_t res;
        if (auth_check(u, "us-east-1", r, NULL, now, &res) != AUTH_USER) {
            fprintf(stderr, "%s: does not verify: %s\n", name, res.msg ? res.msg : "");
            exit(1);
        }
        auth_result_free(&res);
    }
    double us = (double)(util_mono_us() - t0) / (double)n;
    printf("%-34s %8.2f us/verification  %9.0f /s on one core\n", name, us, 1e6 / us);
    return us;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (n <= 0) n = 200000;
    auth_users_t u = {0};
    auth_users_add(&u, AK, SK);
    /* The AWS documentation's GET Object example (examplebucket, 20130524). */
    authreq_hdr_t h4[] = {
        {"Host", "examplebucket.s3.amazonaws.com"},
        {"Range", "bytes=0-9"},
        {"x-amz-content-sha256",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"x-amz-date", "20130524T000000Z"},
        {"Authorization",
         "AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,SignedHeaders="
         "host;range;x-amz-content-sha256;x-amz-date,Signature="
         "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
    };
    authreq_t r4 = {"GET", "/test.txt", h4, 5};
    run("SigV4 header (GET, 4 signed headers)", &u, &r4, 1369353600000LL, n);
    authreq_hdr_t h2[] = {
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
        {"Authorization", "AWS " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU="},
    };
    authreq_t r2 = {"GET", "/johnsmith/photos/puppy.jpg", h2, 3};
    int64_t t2;
    util_parse_http_date("Tue, 27 Mar 2007 19:36:42 +0000", &t2);
    run("SigV2 header (GET)", &u, &r2, t2, n);
    auth_users_free(&u);
    return 0;
}
