#include "s3/auth/users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "lib/buf.h"
#include "lib/util.h"

static auth_user_t *append(auth_users_t *u, const char *ak, const char *sk)
{
    if (auth_users_find(u, ak)) return NULL;
    u->v = xrealloc(u->v, (u->n + 1) * sizeof *u->v);
    auth_user_t *x = &u->v[u->n++];
    memset(x, 0, sizeof *x);
    x->access_key = xstrdup(ak);
    x->secret_key = xstrdup(sk);
    return x;
}

/* What a user file may leave out: a stable canonical id and a name from the key. */
static void derive(auth_user_t *x)
{
    if (!x->canonical_id) {
        unsigned char d[SHA256_DIGEST_SIZE];
        struct sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, strlen(x->access_key), (const uint8_t *)x->access_key);
        sha256_digest(&c, sizeof d, d);
        x->canonical_id = xmalloc(2 * sizeof d + 1);
        util_hex(d, sizeof d, x->canonical_id);
    }
    if (!x->account_id) {
        unsigned char d[SHA256_DIGEST_SIZE];
        struct sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, strlen(x->canonical_id), (const uint8_t *)x->canonical_id);
        sha256_digest(&c, sizeof d, d);
        x->account_id = xmalloc(13);
        for (int i = 0; i < 12; i++)
            x->account_id[i] = (char)('0' + d[i] % 10);
        x->account_id[12] = '\0';
    }
    if (!x->display_name) x->display_name = xstrdup(x->access_key);
    if (!x->email) x->email = xstrdup("");
}

int auth_users_add(auth_users_t *u, const char *ak, const char *sk)
{
    auth_user_t *x = append(u, ak, sk);
    if (!x) return -1;
    derive(x);
    return 0;
}

const auth_user_t *auth_users_find(const auth_users_t *u, const char *ak)
{
    for (size_t i = 0; u && i < u->n; i++)
        if (strcmp(u->v[i].access_key, ak) == 0) return &u->v[i];
    return NULL;
}

const auth_user_t *auth_users_basic(const auth_users_t *u, const char *creds)
{
    while (*creds == ' ')
        creds++;
    size_t n = strcspn(creds, " "), len = n;
    if (!n || n > 4096 || creds[n + strspn(creds + n, " ")]) return NULL;
    unsigned char *text = xmalloc(len + 1);
    const auth_user_t *user = NULL;
    if (util_unbase64(creds, n, text, &len) != 0) goto out;
    text[len] = 0;
    char *colon = memchr(text, ':', len);
    if (!colon || memchr(text, 0, len)) goto out;
    *colon = 0;
    const auth_user_t *x = auth_users_find(u, (const char *)text);
    if (!x) goto out;
    const char *secret = colon + 1;
    uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, strlen(x->secret_key), (const uint8_t *)x->secret_key);
    sha256_digest(&h, sizeof want, want);
    sha256_init(&h);
    sha256_update(&h, strlen(secret), (const uint8_t *)secret);
    sha256_digest(&h, sizeof got, got);
    if (memeql_sec(want, got, sizeof want)) user = x;
out:
    free(text);
    return user;
}

const auth_user_t *auth_users_find_id(const auth_users_t *u, const char *id)
{
    for (size_t i = 0; u && i < u->n; i++)
        if (strcmp(u->v[i].canonical_id, id) == 0) return &u->v[i];
    return NULL;
}

const auth_user_t *auth_users_find_email(const auth_users_t *u, const char *email)
{
    for (size_t i = 0; u && i < u->n; i++)
        if (u->v[i].email[0] && strcasecmp(u->v[i].email, email) == 0) return &u->v[i];
    return NULL;
}

void auth_users_free(auth_users_t *u)
{
    for (size_t i = 0; i < u->n; i++) {
        auth_user_t *x = &u->v[i];
        free(x->access_key);
        free(x->secret_key);
        free(x->display_name);
        free(x->canonical_id);
        free(x->email);
        free(x->account_id);
    }
    free(u->v);
    u->v = NULL;
    u->n = 0;
}

/* jansson keeps no positions for values: find the line of users[i] (and of
 * one of its fields) in the text, counting objects opened inside the array. */
static int entry_line(const char *text, size_t i, const char *field)
{
    int depth = 0, line = 1, in_str = 0;
    size_t seen = 0;
    const char *p = text;
    for (; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = 0;
            continue;
        }
        if (*p == '\n')
            line++;
        else if (*p == '"')
            in_str = 1;
        else if (*p == '{' || *p == '[') {
            if (depth == 2 && *p == '{' && seen++ == i) break;
            depth++;
        } else if (*p == '}' || *p == ']')
            depth--;
    }
    if (!*p || !field) return *p ? line : 0;
    char pat[40];
    snprintf(pat, sizeof pat, "\"%s\"", field);
    const char *end = strchr(p, '}'), *f = strstr(p, pat);
    if (!f || (end && f > end)) return line;
    for (; p < f; p++)
        if (*p == '\n') line++;
    return line;
}

typedef struct ctx {
    const char *path, *text;
    char *err;
    size_t errlen;
} ctx_t;

static void entry_err(ctx_t *c, size_t i, const char *field, const char *why)
{
    snprintf(c->err, c->errlen, "%s: line %d: users[%zu]: \"%s\" %s", c->path,
             entry_line(c->text, i, field), i, field, why);
}

static int str_field(ctx_t *c, json_t *o, const char *name, int required, char **out, size_t i)
{
    json_t *v = json_object_get(o, name);
    if (!v) {
        if (required) entry_err(c, i, name, "is missing");
        return required ? -1 : 0;
    }
    if (!json_is_string(v) || !*json_string_value(v)) {
        entry_err(c, i, name, "must be a non-empty string");
        return -1;
    }
    *out = xstrdup(json_string_value(v));
    return 0;
}

static int hex64(const char *s)
{
    if (strlen(s) != 64) return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return 0;
    return 1;
}

int auth_users_load(auth_users_t *u, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    buf_t text = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, n);
    fclose(f);
    buf_putc(&text, '\0');
    ctx_t c = {path, text.p, err, errlen};
    json_error_t je;
    json_t *root = json_loads(text.p, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    if (!root) {
        snprintf(err, errlen, "%s: line %d, column %d: %s", path, je.line, je.column, je.text);
        goto out;
    }
    json_t *arr = json_is_object(root) ? json_object_get(root, "users") : NULL;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        snprintf(err, errlen, "%s: line 1: \"users\" must be a non-empty array of users", path);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) {
            snprintf(err, errlen, "%s: users[%zu]: not an object", path, i);
            goto out;
        }
        char *ak = NULL, *sk = NULL;
        if (str_field(&c, o, "access_key", 1, &ak, i) ||
            str_field(&c, o, "secret_key", 1, &sk, i)) {
            free(ak);
            goto out;
        }
        auth_user_t *x = append(u, ak, sk);
        free(ak);
        free(sk);
        if (!x) {
            entry_err(&c, i, "access_key", "repeats an earlier user's");
            goto out;
        }
        int bad = str_field(&c, o, "display_name", 0, &x->display_name, i) ||
                  str_field(&c, o, "canonical_id", 0, &x->canonical_id, i) ||
                  str_field(&c, o, "email", 0, &x->email, i) ||
                  str_field(&c, o, "account_id", 0, &x->account_id, i);
        if (!bad && x->account_id &&
            (strlen(x->account_id) != 12 || strspn(x->account_id, "0123456789") != 12)) {
            entry_err(&c, i, "account_id", "must be 12 decimal digits");
            bad = 1;
        }
        if (!bad && x->canonical_id && !hex64(x->canonical_id)) {
            entry_err(&c, i, "canonical_id", "must be 64 hex digits");
            bad = 1;
        }
        json_t *adm = json_object_get(o, "admin");
        if (!bad && adm && !json_is_boolean(adm)) {
            entry_err(&c, i, "admin", "must be true or false");
            bad = 1;
        }
        x->admin = adm && json_is_true(adm);
        derive(x);
        if (bad) goto out;
    }
    rc = 0;
out:
    json_decref(root);
    buf_free(&text);
    return rc;
}
