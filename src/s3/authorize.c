/* Authorization from the S3 layer's side: the request handed to
 * access_check (who, the action of the operation table, the resource) and
 * the condition keys a bucket policy may ask about, read from the request.
 * The decision and its reason go to the access log (r->why). */
#include "s3/authorize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "s3/access/access.h"
#include "s3/auth/users.h"
#include "s3/owner.h"
#include "s3/query.h"

/* Values handed to a policy live here for the duration of one check. */
typedef struct keyctx {
    s3_req_t *r;
    const char *bucket, *key; /* what is being judged (a copy's source, a DeleteObjects key) */
    size_t key_len;
    s3_qparam_t *etags; /* the existing object's tags, read when a policy asks */
    size_t netags;
    int etags_read;
    char a[128], b[1200];
    s3_qparam_t *tags;
    size_t ntags;
    int tags_parsed;
} keyctx_t;

static size_t one(const char **vals, size_t max, const char *v)
{
    if (!v || max == 0) return v ? 1 : 0;
    vals[0] = v;
    return 1;
}

static void parse_tags(keyctx_t *k)
{
    if (k->tags_parsed) return;
    k->tags_parsed = 1;
    /* The tags PutObjectTagging's body sets, else those of x-amz-tagging. */
    const char *t = k->r->tags ? k->r->tags : http_req_header(k->r->http, "x-amz-tagging");
    if (t && query_parse(t, &k->tags, &k->ntags) != 0) {
        query_free(k->tags, k->ntags);
        k->tags = NULL;
        k->ntags = 0;
    }
}

/* The tags of the object being judged (tagging.c); none when it does not
 * exist. */
static void read_existing_tags(keyctx_t *k)
{
    if (k->etags_read) return;
    k->etags_read = 1;
    if (!k->key) return;
    store_t *st = k->r->srv->store;
    store_obj_t o;
    const char *vid = k->key == k->r->t.key ? k->r->vid : NULL;
    if (st->ops->obj_get(st, k->bucket, k->key, k->key_len, vid, &o, NULL) != STORE_OK) return;
    char *doc = s3_tags_of(&o);
    if (doc && query_parse(doc, &k->etags, &k->netags) != 0) {
        query_free(k->etags, k->netags);
        k->etags = NULL;
        k->netags = 0;
    }
    free(doc);
    store_obj_free(&o);
}

static size_t key_fn(void *ctx, const char *name, const char **vals, size_t max)
{
    keyctx_t *k = ctx;
    s3_req_t *r = k->r;
    const auth_user_t *u = r->user;
    if (strcasecmp(name, "aws:SourceIp") == 0)
        return one(vals, max, http_req_peer(r->http, k->a, sizeof k->a)[0] ? k->a : NULL);
    if (strcasecmp(name, "aws:SecureTransport") == 0)
        return one(vals, max, http_req_is_tls(r->http) ? "true" : "false");
    if (strcasecmp(name, "aws:CurrentTime") == 0) {
        util_iso_date(util_now_ms(), k->a);
        return one(vals, max, k->a);
    }
    if (strcasecmp(name, "aws:EpochTime") == 0) {
        snprintf(k->a, sizeof k->a, "%lld", (long long)(util_now_ms() / 1000));
        return one(vals, max, k->a);
    }
    if (strcasecmp(name, "aws:username") == 0) return one(vals, max, u ? u->display_name : NULL);
    if (strcasecmp(name, "aws:userid") == 0) return one(vals, max, u ? u->canonical_id : NULL);
    if (strcasecmp(name, "aws:PrincipalAccount") == 0)
        return one(vals, max, u ? u->account_id : NULL);
    if (strcasecmp(name, "aws:PrincipalArn") == 0) {
        if (!u) return 0;
        snprintf(k->b, sizeof k->b, "arn:aws:iam::%s:user/%s", u->account_id, u->display_name);
        return one(vals, max, k->b);
    }
    if (strcasecmp(name, "aws:Referer") == 0)
        return one(vals, max, http_req_header(r->http, "Referer"));
    if (strcasecmp(name, "aws:UserAgent") == 0)
        return one(vals, max, http_req_header(r->http, "User-Agent"));
    if (strcasecmp(name, "s3:prefix") == 0) return one(vals, max, s3_query_value(r, "prefix"));
    if (strcasecmp(name, "s3:delimiter") == 0)
        return one(vals, max, s3_query_value(r, "delimiter"));
    if (strcasecmp(name, "s3:max-keys") == 0) return one(vals, max, s3_query_value(r, "max-keys"));
    if (strncasecmp(name, "s3:x-amz-", 9) == 0)
        return one(vals, max, http_req_header(r->http, name + 3));
    if (strcasecmp(name, "s3:signatureversion") == 0 || strcasecmp(name, "s3:authType") == 0) {
        if (!u) return 0;
        const char *auth = http_req_header(r->http, "Authorization");
        int v4 = auth ? strncmp(auth, "AWS4-", 5) == 0 : s3_query(r, "X-Amz-Algorithm") != NULL;
        if (strcasecmp(name, "s3:authType") == 0)
            return one(vals, max, auth ? "REST-HEADER" : "REST-QUERY-STRING");
        return one(vals, max, v4 ? "AWS4-HMAC-SHA256" : "AWS");
    }
    if (strncasecmp(name, "s3:RequestObjectTag/", 20) == 0) {
        parse_tags(k);
        for (size_t i = 0; i < k->ntags; i++)
            if (strcmp(k->tags[i].name, name + 20) == 0) return one(vals, max, k->tags[i].value);
        return 0;
    }
    if (strcasecmp(name, "s3:RequestObjectTagKeys") == 0) {
        parse_tags(k);
        for (size_t i = 0; i < k->ntags && i < max; i++)
            vals[i] = k->tags[i].name;
        return k->ntags;
    }
    if (strncasecmp(name, "s3:ExistingObjectTag/", 21) == 0) {
        read_existing_tags(k);
        for (size_t i = 0; i < k->netags; i++)
            if (strcmp(k->etags[i].name, name + 21) == 0) return one(vals, max, k->etags[i].value);
        return 0;
    }
    return 0;
}

s3_err_t s3_may(s3_req_t *r, const char *action, const char *bucket, const char *key,
                size_t key_len)
{
    if (!s3_owner_users_mode(r)) return S3E_NONE;
    keyctx_t k = {.r = r, .bucket = bucket, .key = key, .key_len = key_len};
    /* The request's versionId names a version of its own key only. */
    const char *vid = key == r->t.key ? r->vid : NULL;
    access_ctx_t ctx = {
        r->srv->store, r->srv->users, r->user, key_fn, &k, S3_DEFAULT_OWNER_ID, vid};
    char why[sizeof r->why];
    int rc = access_check(&ctx, action, bucket, key, key_len, why, sizeof why);
    query_free(k.tags, k.ntags);
    query_free(k.etags, k.netags);
    /* The log keeps every decision of the request, the denying one last. */
    size_t used = strlen(r->why);
    snprintf(r->why + used, sizeof r->why - used, "%s%s %s", used ? "; " : "", action, why);
    if (rc == ACCESS_ALLOW) return S3E_NONE;
    return rc == ACCESS_DENY ? S3E_ACCESS_DENIED : s3_err_from_store(rc);
}

int s3_authorize(s3_req_t *r, http_response_t *resp, const char *action, const char *bucket,
                 const char *key, size_t key_len)
{
    s3_err_t e = s3_may(r, action, bucket, key, key_len);
    if (e == S3E_NONE) return 0;
    s3_err(r, resp, e);
    return -1;
}

void s3_authorize_note(s3_req_t *r, const char *why)
{
    size_t used = strlen(r->why);
    snprintf(r->why + used, sizeof r->why - used, "%s%s", used ? "; " : "", why);
}
