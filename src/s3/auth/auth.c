#include "s3/auth/auth.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/util.h"
#include "s3/auth/sigv2.h"

#define BSTR(b) ((b)->p ? (b)->p : "")

static const char cred_form[] = "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"";

static void elem(buf_t *b, const char *name, const char *text, size_t n)
{
    buf_printf(b, "<%s>", name);
    buf_xml(b, text, n);
    buf_printf(b, "</%s>", name);
}

static void elem_s(buf_t *b, const char *name, const char *text)
{
    elem(b, name, text, strlen(text));
}

static void hex_bytes(buf_t *b, const char *name, const char *s, size_t n)
{
    buf_printf(b, "<%s>", name);
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%02x", i ? " " : "", (unsigned char)s[i]);
    buf_printf(b, "</%s>", name);
}

static auth_kind_t fail(auth_result_t *res, s3_err_t e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static auth_kind_t fail(auth_result_t *res, s3_err_t e, const char *fmt, ...)
{
    res->kind = AUTH_ERROR;
    res->err = e;
    if (fmt) {
        buf_t m = BUF_INIT;
        char tmp[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
        buf_puts(&m, tmp);
        res->msg = buf_take(&m);
    }
    return AUTH_ERROR;
}

/* S3's times in error documents: "2026-11-24T01:37:48Z". */
static void iso_s(int64_t ms, char out[24])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYYMMDDTHHMMSSZ" to ms; -1 if it is not one. */
static int parse_amz_date(const char *s, int64_t *ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9')) return -1;
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end) return -1;
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

static int parse_int(const char *s, long long *out)
{
    char *end;
    if (!*s) return -1;
    long long v = strtoll(s, &end, 10);
    if (*end) return -1;
    /* Seconds, so that "* 1000" never overflows: past 10^12 s all is the same. */
    *out = v > 1000000000000LL ? 1000000000000LL : v < -1000000000000LL ? -1000000000000LL : v;
    return 0;
}

static auth_kind_t skewed(auth_result_t *res, const char *reqtime, int64_t now_ms)
{
    char now[24];
    iso_s(now_ms, now);
    elem_s(&res->extra, "RequestTime", reqtime);
    elem_s(&res->extra, "ServerTime", now);
    elem_s(&res->extra, "MaxAllowedSkewMilliseconds", "900000");
    return fail(res, S3E_REQUEST_TIME_SKEWED, NULL);
}

static auth_kind_t expired(auth_result_t *res, const char *amz_expires, int64_t exp_ms,
                           int64_t now_ms)
{
    char e[24], now[24];
    iso_s(exp_ms, e);
    iso_s(now_ms, now);
    if (amz_expires) elem_s(&res->extra, "X-Amz-Expires", amz_expires);
    elem_s(&res->extra, "Expires", e);
    elem_s(&res->extra, "ServerTime", now);
    return fail(res, S3E_ACCESS_DENIED, "Request has expired");
}

static auth_kind_t no_such_key(auth_result_t *res, const char *ak)
{
    elem_s(&res->extra, "AWSAccessKeyId", ak);
    return fail(res, S3E_INVALID_ACCESS_KEY_ID, NULL);
}

static auth_kind_t mismatch(auth_result_t *res, const char *ak, const buf_t *sts, const char *sig,
                            size_t siglen, const buf_t *creq)
{
    elem_s(&res->extra, "AWSAccessKeyId", ak);
    elem(&res->extra, "StringToSign", BSTR(sts), sts->len);
    elem(&res->extra, "SignatureProvided", sig, siglen);
    hex_bytes(&res->extra, "StringToSignBytes", BSTR(sts), sts->len);
    if (creq) {
        elem(&res->extra, "CanonicalRequest", BSTR(creq), creq->len);
        hex_bytes(&res->extra, "CanonicalRequestBytes", BSTR(creq), creq->len);
    }
    return fail(res, S3E_SIGNATURE_MISMATCH, NULL);
}

/* The credential's date, region, service and terminal against the request's
 * date and this server. prefix: how S3 starts the message for the form. */
static auth_kind_t check_scope(auth_result_t *res, const sigv4_cred_t *c, const char *amzdate,
                               const char *region, s3_err_t e, const char *prefix)
{
    if (strlen(c->date) != 8 || strncmp(c->date, amzdate, 8) != 0)
        return fail(res, e,
                    "%s Invalid credential date \"%s\". This date is not the same as X-Amz-Date: "
                    "\"%.8s\".",
                    prefix, c->date, amzdate);
    if (strcmp(c->region, region) != 0) {
        elem_s(&res->extra, "Region", region);
        return fail(res, e, "%s the region '%s' is wrong; expecting '%s'", prefix, c->region,
                    region);
    }
    if (strcmp(c->service, "s3") != 0)
        return fail(res, e, "%s incorrect service \"%s\". This endpoint belongs to \"s3\".", prefix,
                    c->service);
    if (strcmp(c->terminal, "aws4_request") != 0)
        return fail(res, e, "%s incorrect terminal \"%s\". This endpoint uses \"aws4_request\".",
                    prefix, c->terminal);
    return AUTH_USER;
}

static int valid_content_sha(const char *v)
{
    static const char *const ok[] = {
        "UNSIGNED-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strcmp(v, ok[i]) == 0) return 1;
    if (strlen(v) != 64) return 0;
    for (; *v; v++)
        if (!((*v >= '0' && *v <= '9') || (*v >= 'a' && *v <= 'f') || (*v >= 'A' && *v <= 'F')))
            return 0;
    return 1;
}

/* Whether name is in the ';' list of signed headers (lower case, as SigV4 sends them). */
static int signed_has(const char *sh, size_t shlen, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = sh, *end = sh + shlen; p < end;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t n = semi ? (size_t)(semi - p) : (size_t)(end - p);
        if (n == nl && strncasecmp(p, name, n) == 0) return 1;
        p += n + 1;
    }
    return 0;
}

/* S3 refuses a SigV4 request whose signature leaves out host or an x-amz-* header that was
 * sent (x-amz-content-sha256 aside): otherwise a captured signature could be replayed on
 * another virtual-host bucket, or a presigned PUT turned into a copy or given an ACL. */
static auth_kind_t v4_unsigned_headers(auth_result_t *res, const authreq_t *r, const char *sh,
                                       size_t shlen)
{
    buf_t names = BUF_INIT;
    if (!signed_has(sh, shlen, "host")) buf_append(&names, "host", 4);
    for (size_t i = 0; i < r->nhdrs; i++) {
        const char *h = r->hdrs[i].name;
        if (strncasecmp(h, "x-amz-", 6) != 0 || strcasecmp(h, "x-amz-content-sha256") == 0 ||
            signed_has(sh, shlen, h))
            continue;
        if (names.len) buf_append(&names, ",", 1);
        for (const char *c = h; *c; c++) {
            char lc = (char)tolower((unsigned char)*c);
            buf_append(&names, &lc, 1);
        }
    }
    auth_kind_t k = AUTH_USER;
    if (names.len) {
        elem(&res->extra, "HeadersNotSigned", BSTR(&names), names.len);
        k = fail(res, S3E_ACCESS_DENIED,
                 "There were headers present in the request which were not signed");
    }
    buf_free(&names);
    return k;
}

/* Signature and scope computed the same way for both SigV4 forms. */
static auth_kind_t v4_verify(auth_result_t *res, const auth_user_t *u, const authreq_t *r,
                             const sigv4_cred_t *c, const char *amzdate, const char *sh,
                             size_t shlen, const char *payload_hash, int presigned, const char *sig,
                             size_t siglen, uint8_t key[32], char *scope, size_t scopelen)
{
    buf_t creq = BUF_INIT, sts = BUF_INIT;
    auth_kind_t k = AUTH_USER;
    snprintf(scope, scopelen, "%s/%s/%s/%s", c->date, c->region, c->service, c->terminal);
    if (sigv4_canonical_request(r, sh, shlen, payload_hash, presigned, &creq) != 0) {
        k = fail(res, S3E_INVALID_URI, NULL);
        goto out;
    }
    sigv4_string_to_sign(amzdate, scope, BSTR(&creq), creq.len, &sts);
    sigv4_signing_key(u->secret_key, c->date, c->region, c->service, key);
    char calc[SIGV4_HEX];
    sigv4_sign(key, BSTR(&sts), sts.len, calc);
    if (!sigv4_sig_equal(calc, sig, siglen))
        k = mismatch(res, u->access_key, &sts, sig, siglen, &creq);
    else
        k = v4_unsigned_headers(res, r, sh, shlen);
out:
    buf_free(&creq);
    buf_free(&sts);
    return k;
}

static auth_kind_t v4_header(const auth_users_t *users, const char *region, const authreq_t *r,
                             const char *authz, int64_t now_ms, auth_result_t *res)
{
    const s3_err_t E = S3E_AUTH_HEADER_MALFORMED;
    const char *P = "The authorization header is malformed;";
    sigv4_auth_t a;
    if (sigv4_parse_auth(authz, &a) != 0)
        return fail(res, E,
                    "%s the authorization header requires three components: Credential, "
                    "SignedHeaders, and Signature.",
                    P);
    sigv4_cred_t c;
    if (sigv4_parse_cred(a.credential.p, a.credential.n, &c) != 0)
        return fail(res, E, "%s the Credential is mal-formed; expecting %s.", P, cred_form);
    char amzdate[20];
    int64_t t;
    const char *xd = authreq_header(r, "x-amz-date");
    const char *d = xd ? xd : authreq_header(r, "Date");
    if (!d)
        return fail(res, S3E_ACCESS_DENIED,
                    "AWS authentication requires a valid Date or x-amz-date header");
    if (parse_amz_date(d, &t) == 0) {
        snprintf(amzdate, sizeof amzdate, "%s", d);
    } else if (!xd && util_parse_http_date(d, &t) == 0) {
        time_t tt = (time_t)(t / 1000);
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(amzdate, sizeof amzdate, "%Y%m%dT%H%M%SZ", &tm);
    } else {
        return fail(res, S3E_ACCESS_DENIED,
                    "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (check_scope(res, &c, amzdate, region, E, P) == AUTH_ERROR) return AUTH_ERROR;
    const auth_user_t *u = auth_users_find(users, c.ak);
    if (!u) return no_such_key(res, c.ak);
    if (t - now_ms > AUTH_MAX_SKEW_MS || now_ms - t > AUTH_MAX_SKEW_MS)
        return skewed(res, amzdate, now_ms);
    const char *sha = authreq_header(r, "x-amz-content-sha256");
    if (!sha)
        return fail(res, S3E_INVALID_REQUEST,
                    "Missing required header for this request: x-amz-content-sha256");
    if (!valid_content_sha(sha)) {
        elem_s(&res->extra, "ArgumentName", "x-amz-content-sha256");
        elem_s(&res->extra, "ArgumentValue", sha);
        return fail(res, S3E_INVALID_ARGUMENT,
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                    "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
                    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
                    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
    }
    uint8_t key[32];
    char scope[160];
    if (v4_verify(res, u, r, &c, amzdate, a.signed_headers.p, a.signed_headers.n, sha, 0,
                  a.signature.p, a.signature.n, key, scope, sizeof scope) == AUTH_ERROR)
        return AUTH_ERROR;
    if (strncmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 34) == 0) {
        char seed[SIGV4_HEX];
        snprintf(seed, sizeof seed, "%.*s", (int)a.signature.n, a.signature.p);
        res->stream = xmalloc(sizeof *res->stream);
        sigv4_stream_init(res->stream, key, amzdate, scope, seed, strstr(sha, "-TRAILER") != NULL);
    }
    res->user = u;
    res->kind = AUTH_USER;
    return AUTH_USER;
}

static auth_kind_t v4_query(const auth_users_t *users, const char *region, const authreq_t *r,
                            int open, int64_t now_ms, auth_result_t *res)
{
    const s3_err_t E = S3E_AUTH_QUERY_ERROR;
    buf_t alg = BUF_INIT, cred = BUF_INIT, date = BUF_INIT, exp = BUF_INIT, sh = BUF_INIT,
          sig = BUF_INIT, sha = BUF_INIT;
    auth_kind_t k = AUTH_ERROR;
    int have = authreq_param(r, "X-Amz-Algorithm", &alg) == 1;
    have &= authreq_param(r, "X-Amz-Credential", &cred) == 1;
    have &= authreq_param(r, "X-Amz-Signature", &sig) == 1;
    have &= authreq_param(r, "X-Amz-Date", &date) == 1;
    have &= authreq_param(r, "X-Amz-SignedHeaders", &sh) == 1;
    have &= authreq_param(r, "X-Amz-Expires", &exp) == 1;
    int64_t t = 0;
    long long expires = 0;
    int times_ok = have && parse_amz_date(BSTR(&date), &t) == 0 &&
                   parse_int(BSTR(&exp), &expires) == 0 && expires >= 0;
    if (open) {
        /* No signature check, but an expired URL is refused all the same. */
        if (times_ok && now_ms > t + expires * 1000)
            k = expired(res, BSTR(&exp), t + expires * 1000, now_ms);
        else
            k = res->kind = AUTH_ANONYMOUS;
        goto out;
    }
    if (!have) {
        fail(res, E,
             "Query-string authentication version 4 requires the X-Amz-Algorithm, "
             "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
             "X-Amz-Expires parameters.");
        goto out;
    }
    if (strcmp(BSTR(&alg), SIGV4_ALGORITHM) != 0) {
        fail(res, E, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
        goto out;
    }
    if (parse_amz_date(BSTR(&date), &t) != 0) {
        fail(res, E, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        goto out;
    }
    if (parse_int(BSTR(&exp), &expires) != 0) {
        fail(res, E, "X-Amz-Expires should be a number");
        goto out;
    }
    if (expires < 0) {
        fail(res, E, "X-Amz-Expires must be non-negative");
        goto out;
    }
    if (expires > AUTH_MAX_EXPIRES) {
        fail(res, E, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
        goto out;
    }
    sigv4_cred_t c;
    const char *P = "Error parsing the X-Amz-Credential parameter;";
    if (sigv4_parse_cred(BSTR(&cred), cred.len, &c) != 0) {
        fail(res, E, "%s the Credential is mal-formed; expecting %s.", P, cred_form);
        goto out;
    }
    if (check_scope(res, &c, BSTR(&date), region, E, P) == AUTH_ERROR) goto out;
    const auth_user_t *u = auth_users_find(users, c.ak);
    if (!u) {
        no_such_key(res, c.ak);
        goto out;
    }
    if (t - now_ms > AUTH_MAX_SKEW_MS) {
        fail(res, S3E_ACCESS_DENIED, "Request is not valid yet");
        goto out;
    }
    if (now_ms > t + expires * 1000) {
        expired(res, BSTR(&exp), t + expires * 1000, now_ms);
        goto out;
    }
    int hs = authreq_param(r, "X-Amz-Content-Sha256", &sha);
    uint8_t key[32];
    char scope[160];
    if (v4_verify(res, u, r, &c, BSTR(&date), BSTR(&sh), sh.len,
                  hs == 1 ? BSTR(&sha) : "UNSIGNED-PAYLOAD", 1, BSTR(&sig), sig.len, key, scope,
                  sizeof scope) == AUTH_ERROR)
        goto out;
    res->user = u;
    k = res->kind = AUTH_USER;
out:
    buf_free(&alg);
    buf_free(&cred);
    buf_free(&date);
    buf_free(&exp);
    buf_free(&sh);
    buf_free(&sig);
    buf_free(&sha);
    return k;
}

/* Whether sig signs sts, or the "/bucket/" form of it. */
static int v2_matches(const auth_user_t *u, const authreq_t *r, const char *date,
                      const char *vhost_bucket, const buf_t *sts, const char *sig, size_t siglen)
{
    char calc[SIGV2_B64];
    sigv2_sign(u->secret_key, BSTR(sts), sts->len, calc);
    if (sigv4_sig_equal(calc, sig, siglen)) return 1;
    buf_t alt = BUF_INIT;
    int ok = 0;
    if (sigv2_string_to_sign_bucket_slash(r, date, vhost_bucket, &alt)) {
        sigv2_sign(u->secret_key, BSTR(&alt), alt.len, calc);
        ok = sigv4_sig_equal(calc, sig, siglen);
    }
    buf_free(&alt);
    return ok;
}

static auth_kind_t v2_header(const auth_users_t *users, const authreq_t *r, const char *authz,
                             const char *vhost_bucket, int64_t now_ms, auth_result_t *res)
{
    const char *p = authz + 4;
    while (*p == ' ')
        p++;
    const char *colon = strrchr(p, ':');
    if (!colon || colon == p || !colon[1]) {
        elem_s(&res->extra, "ArgumentName", "Authorization");
        elem_s(&res->extra, "ArgumentValue", authz);
        return fail(res, S3E_INVALID_ARGUMENT,
                    "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
    }
    char ak[128];
    snprintf(ak, sizeof ak, "%.*s", (int)(colon - p), p);
    const char *sig = colon + 1;
    const auth_user_t *u = auth_users_find(users, ak);
    if (!u) return no_such_key(res, ak);
    const char *xd = authreq_header(r, "x-amz-date");
    const char *d = xd ? xd : authreq_header(r, "Date");
    int64_t t;
    if (!d || util_parse_http_date(d, &t) != 0)
        return fail(res, S3E_ACCESS_DENIED,
                    "AWS authentication requires a valid Date or x-amz-date header");
    if (t - now_ms > AUTH_MAX_SKEW_MS || now_ms - t > AUTH_MAX_SKEW_MS)
        return skewed(res, d, now_ms);
    buf_t sts = BUF_INIT;
    auth_kind_t k = AUTH_USER;
    if (sigv2_string_to_sign(r, xd ? "" : d, vhost_bucket, &sts) != 0) {
        k = fail(res, S3E_INVALID_URI, NULL);
    } else {
        if (!v2_matches(u, r, xd ? "" : d, vhost_bucket, &sts, sig, strlen(sig)))
            k = mismatch(res, ak, &sts, sig, strlen(sig), NULL);
    }
    buf_free(&sts);
    if (k == AUTH_USER) {
        res->user = u;
        res->kind = AUTH_USER;
    }
    return k;
}

static auth_kind_t v2_query(const auth_users_t *users, const authreq_t *r, int open,
                            const char *vhost_bucket, int64_t now_ms, auth_result_t *res)
{
    buf_t ak = BUF_INIT, sig = BUF_INIT, exp = BUF_INIT, sts = BUF_INIT;
    auth_kind_t k = AUTH_ERROR;
    int have = authreq_param(r, "AWSAccessKeyId", &ak) == 1;
    have &= authreq_param(r, "Signature", &sig) == 1;
    have &= authreq_param(r, "Expires", &exp) == 1;
    long long e = 0;
    int exp_ok = have && parse_int(BSTR(&exp), &e) == 0;
    if (open) {
        if (exp_ok && now_ms > e * 1000)
            k = expired(res, NULL, e * 1000, now_ms);
        else
            k = res->kind = AUTH_ANONYMOUS;
        goto out;
    }
    if (!have) {
        fail(res, S3E_ACCESS_DENIED,
             "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
             "parameters");
        goto out;
    }
    if (!exp_ok) {
        fail(res, S3E_ACCESS_DENIED, "Invalid date (should be seconds since epoch): %s",
             BSTR(&exp));
        goto out;
    }
    const auth_user_t *u = auth_users_find(users, BSTR(&ak));
    if (!u) {
        no_such_key(res, BSTR(&ak));
        goto out;
    }
    if (now_ms > e * 1000) {
        expired(res, NULL, e * 1000, now_ms);
        goto out;
    }
    if (sigv2_string_to_sign(r, BSTR(&exp), vhost_bucket, &sts) != 0) {
        fail(res, S3E_INVALID_URI, NULL);
        goto out;
    }
    if (!v2_matches(u, r, BSTR(&exp), vhost_bucket, &sts, BSTR(&sig), sig.len)) {
        mismatch(res, BSTR(&ak), &sts, BSTR(&sig), sig.len, NULL);
        goto out;
    }
    res->user = u;
    k = res->kind = AUTH_USER;
out:
    buf_free(&ak);
    buf_free(&sig);
    buf_free(&exp);
    buf_free(&sts);
    return k;
}

auth_kind_t auth_check(const auth_users_t *users, const char *region, const authreq_t *r,
                       const char *vhost_bucket, int64_t now_ms, auth_result_t *res)
{
    memset(res, 0, sizeof *res);
    int open = !users || users->n == 0;
    buf_t tmp = BUF_INIT;
    int has_query = *authreq_query(r) != '\0';
    int v4q = has_query && (authreq_param(r, "X-Amz-Algorithm", &tmp) == 1 ||
                            authreq_param(r, "X-Amz-Signature", &tmp) == 1 ||
                            authreq_param(r, "X-Amz-Credential", &tmp) == 1);
    int v2q =
        has_query && !v4q &&
        (authreq_param(r, "AWSAccessKeyId", &tmp) == 1 || authreq_param(r, "Signature", &tmp) == 1);
    buf_free(&tmp);
    const char *authz = authreq_header(r, "Authorization");
    if (authz && (v4q || v2q) && !open) {
        elem_s(&res->extra, "ArgumentName", "Authorization");
        elem_s(&res->extra, "ArgumentValue", authz);
        return fail(res, S3E_INVALID_ARGUMENT,
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                    "Signature query string parameter or the Authorization header should be "
                    "specified");
    }
    if (v4q) return v4_query(users, region, r, open, now_ms, res);
    if (v2q) return v2_query(users, r, open, vhost_bucket, now_ms, res);
    if (open) return res->kind = AUTH_ANONYMOUS;
    /* Unsigned: anonymous, judged by access control as the AllUsers group. */
    if (!authz) return res->kind = AUTH_ANONYMOUS;
    if (strncmp(authz, "AWS4-HMAC-SHA256 ", 17) == 0)
        return v4_header(users, region, r, authz, now_ms, res);
    if (strncmp(authz, "AWS ", 4) == 0)
        return v2_header(users, r, authz, vhost_bucket, now_ms, res);
    if (strncmp(authz, "AWS4-", 5) == 0)
        return fail(res, S3E_INVALID_REQUEST,
                    "The authorization mechanism you have provided is not supported. Please use "
                    "AWS4-HMAC-SHA256.");
    elem_s(&res->extra, "ArgumentName", "Authorization");
    elem_s(&res->extra, "ArgumentValue", authz);
    return fail(res, S3E_INVALID_ARGUMENT, "Unsupported Authorization Type");
}

void auth_result_free(auth_result_t *res)
{
    free(res->msg);
    buf_free(&res->extra);
    free(res->stream);
    memset(res, 0, sizeof *res);
}
