/* ctlsign — SigV4 signing of one outgoing request (see ctlsign.h). */
#include "cli/ctlsign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/auth/authreq.h"

int ctlsign_sign(const ctlsign_req_t *r, ctlsign_out_t *out)
{
    memset(out, 0, sizeof *out);
    time_t t = (time_t)(r->when_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out->amzdate, sizeof out->amzdate, "%Y%m%dT%H%M%SZ", &tm);
    sigv4_sha256_hex(r->body ? r->body : "", r->body_len, out->payload_sha);

    /* The request as the server's check will see it: the same view, so the
     * same canonical form. */
    authreq_hdr_t h[3] = {{"host", r->host},
                          {"x-amz-content-sha256", out->payload_sha},
                          {"x-amz-date", out->amzdate}};
    if (!r->content_sha) h[1] = h[2];
    authreq_t ar = {r->method, r->target, h, r->content_sha ? 3 : 2};
    const char *signed_headers =
        r->content_sha ? "host;x-amz-content-sha256;x-amz-date" : "host;x-amz-date";
    buf_t creq = BUF_INIT, sts = BUF_INIT, auth = BUF_INIT;
    int rc = -1;
    if (sigv4_canonical_request(&ar, signed_headers, strlen(signed_headers), out->payload_sha, 0,
                                &creq))
        goto fail;
    char date[9], scope[160];
    memcpy(date, out->amzdate, 8);
    date[8] = '\0';
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, r->region, r->service);
    sigv4_string_to_sign(out->amzdate, scope, creq.p, creq.len, &sts);
    uint8_t key[32];
    char sig[SIGV4_HEX];
    sigv4_signing_key(r->secret_key, date, r->region, r->service, key);
    sigv4_sign(key, sts.p, sts.len, sig);
    buf_printf(&auth, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
               r->access_key, scope, signed_headers, sig);
    out->authorization = buf_take(&auth);
    rc = 0;
fail:
    buf_free(&creq);
    buf_free(&sts);
    buf_free(&auth);
    return rc;
}

void ctlsign_out_free(ctlsign_out_t *out)
{
    free(out->authorization);
    out->authorization = NULL;
}
