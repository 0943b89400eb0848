/* fuzz_auth — libFuzzer target for request authentication.
 *
 * The input is "method\ntarget\nName: value\n...": auth_check, with one user
 * configured and in the open mode, must not crash or leak whatever the
 * Authorization header, presigned query or dates say; an error always comes
 * with an error code, a user only with AUTH_USER. A verifier for a signed
 * stream is then fed the rest of the input as chunk data and signatures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/auth/auth.h"

#define MAXH 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in) return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *lines[MAXH + 2];
    size_t n = 0;
    for (char *p = in; p && n < MAXH + 2;) {
        lines[n++] = p;
        p = strchr(p, '\n');
        if (p) *p++ = '\0';
    }
    if (n < 2) {
        free(in);
        return 0;
    }
    authreq_hdr_t h[MAXH];
    size_t nh = 0;
    for (size_t i = 2; i < n; i++) {
        char *colon = strchr(lines[i], ':');
        if (!colon) continue;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        h[nh++] = (authreq_hdr_t){lines[i], v};
    }
    authreq_t r = {lines[0], lines[1], h, nh};
    static auth_users_t users;
    if (!users.n) auth_users_add(&users, "AKIAIOSFODNN7EXAMPLE", "secret");
    const int64_t now = 1795487827000LL;
    for (int open = 0; open < 2; open++) {
        auth_result_t res;
        auth_kind_t k =
            auth_check(open ? NULL : &users, "us-east-1", &r, open ? NULL : "bkt", now, &res);
        if (k != res.kind) abort();
        if (k == AUTH_ERROR && res.err == S3E_NONE) abort();
        if ((res.user != NULL) != (k == AUTH_USER)) abort();
        if (open && k == AUTH_USER) abort();
        if (res.stream) {
            sigv4_stream_data(res.stream, (const char *)data, size);
            sigv4_stream_chunk(res.stream, (const char *)data, size < 64 ? size : 64);
            sigv4_stream_trailer(res.stream, "x-amz-trailer-signature", 23, (const char *)data,
                                 size < 64 ? size : 64);
            sigv4_stream_finish(res.stream);
        }
        auth_result_free(&res);
    }
    free(in);
    return 0;
}
