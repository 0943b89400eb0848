/* See acl.h. */
#include "s3/access/acl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "s3/auth/users.h"
#include "s3/xmlin.h"

/* The canonical id S3 grants aws-exec-read's READ to (Amazon EC2's). */
#define ACL_EC2_ID "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"

static const struct {
    const char *name;
    int bit;
} perms[] = {
    {"READ", ACL_READ},
    {"WRITE", ACL_WRITE},
    {"READ_ACP", ACL_READ_ACP},
    {"WRITE_ACP", ACL_WRITE_ACP},
    {"FULL_CONTROL", ACL_FULL_CONTROL},
};

static const char *perm_name(int bit)
{
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++)
        if (perms[i].bit == bit) return perms[i].name;
    return "READ";
}

static int perm_bit(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof perms / sizeof *perms; i++)
        if (strlen(perms[i].name) == n && memcmp(perms[i].name, name, n) == 0) return perms[i].bit;
    return 0;
}

static void add(acl_t *a, int group, const char *id, const char *email, int perm)
{
    a->g = xrealloc(a->g, (a->n + 1) * sizeof *a->g);
    acl_grant_t *g = &a->g[a->n++];
    memset(g, 0, sizeof *g);
    g->group = group;
    snprintf(g->id, sizeof g->id, "%s", id);
    snprintf(g->email, sizeof g->email, "%s", email ? email : "");
    g->perm = perm;
}

void acl_free(acl_t *a)
{
    free(a->g);
    a->g = NULL;
    a->n = 0;
}

void acl_init_private(acl_t *a, const char *owner)
{
    memset(a, 0, sizeof *a);
    snprintf(a->owner, sizeof a->owner, "%s", owner);
    add(a, 0, owner, NULL, ACL_FULL_CONTROL);
}

int acl_canned(acl_t *a, const char *name, const char *owner, const char *bucket_owner)
{
    acl_init_private(a, owner);
    if (strcmp(name, "private") == 0) return 0;
    if (strcmp(name, "public-read") == 0) {
        add(a, 1, ACL_URI_ALL_USERS, NULL, ACL_READ);
    } else if (strcmp(name, "public-read-write") == 0) {
        add(a, 1, ACL_URI_ALL_USERS, NULL, ACL_READ);
        add(a, 1, ACL_URI_ALL_USERS, NULL, ACL_WRITE);
    } else if (strcmp(name, "authenticated-read") == 0) {
        add(a, 1, ACL_URI_AUTH_USERS, NULL, ACL_READ);
    } else if (strcmp(name, "aws-exec-read") == 0) {
        add(a, 0, ACL_EC2_ID, NULL, ACL_READ);
    } else if (strcmp(name, "bucket-owner-read") == 0) {
        if (bucket_owner && strcmp(bucket_owner, owner) != 0)
            add(a, 0, bucket_owner, NULL, ACL_READ);
    } else if (strcmp(name, "bucket-owner-full-control") == 0) {
        if (bucket_owner && strcmp(bucket_owner, owner) != 0)
            add(a, 0, bucket_owner, NULL, ACL_FULL_CONTROL);
    } else if (strcmp(name, "log-delivery-write") == 0) {
        add(a, 1, ACL_URI_LOG_DELIVERY, NULL, ACL_WRITE);
        add(a, 1, ACL_URI_LOG_DELIVERY, NULL, ACL_READ_ACP);
    } else {
        acl_free(a);
        return -1;
    }
    return 0;
}

static int group_ok(const char *uri)
{
    return strcmp(uri, ACL_URI_ALL_USERS) == 0 || strcmp(uri, ACL_URI_AUTH_USERS) == 0 ||
           strcmp(uri, ACL_URI_LOG_DELIVERY) == 0;
}

static void set_err(acl_error_t *e, const char *msg, const char *arg, const char *value)
{
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    snprintf(e->arg, sizeof e->arg, "%s", arg ? arg : "");
    snprintf(e->value, sizeof e->value, "%s", value ? value : "");
}

/* One grantee of any kind, checked and resolved, added with perm. */
static acl_err_t add_grantee(acl_t *a, const char *kind, const char *value,
                             const struct auth_users *users, int perm, acl_error_t *e)
{
    if (strcmp(kind, "id") == 0) {
        if (!auth_users_find_id(users, value)) {
            set_err(e, "Invalid id", "CanonicalUser/ID", value);
            return ACL_EARG;
        }
        add(a, 0, value, NULL, perm);
    } else if (strcmp(kind, "emailAddress") == 0) {
        const auth_user_t *u = auth_users_find_email(users, value);
        if (!u) {
            set_err(e, "The e-mail address you provided does not match any account on record.",
                    NULL, NULL);
            return ACL_EEMAIL;
        }
        add(a, 0, u->canonical_id, value, perm);
    } else if (strcmp(kind, "uri") == 0) {
        if (!group_ok(value)) {
            set_err(e, "Invalid group uri", "Group/URI", value);
            return ACL_EARG;
        }
        add(a, 1, value, NULL, perm);
    } else {
        return ACL_EMALFORMED;
    }
    return ACL_OK;
}

const char *const acl_grant_headers[5] = {"x-amz-grant-read", "x-amz-grant-write",
                                          "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                                          "x-amz-grant-full-control"};
static const int header_perm[5] = {ACL_READ, ACL_WRITE, ACL_READ_ACP, ACL_WRITE_ACP,
                                   ACL_FULL_CONTROL};

/* One header: `kind=value, kind="value", ...`. */
static acl_err_t parse_header(acl_t *a, const char *name, const char *v, int perm,
                              const struct auth_users *users, acl_error_t *e)
{
    const char *p = v;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ',')
            p++;
        if (*p != '=') goto bad;
        char kind[16];
        size_t kl = (size_t)(p - k);
        while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
            kl--;
        if (kl == 0 || kl >= sizeof kind) goto bad;
        memcpy(kind, k, kl);
        kind[kl] = '\0';
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        char val[ACL_ID_MAX];
        size_t vl = 0;
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (!q) goto bad;
            vl = (size_t)(q - p - 1);
            if (vl >= sizeof val) goto bad;
            memcpy(val, p + 1, vl);
            p = q + 1;
        } else {
            const char *q = p;
            while (*q && *q != ',')
                q++;
            vl = (size_t)(q - p);
            while (vl && (p[vl - 1] == ' ' || p[vl - 1] == '\t'))
                vl--;
            if (vl >= sizeof val) goto bad;
            memcpy(val, p, vl);
            p = q;
        }
        val[vl] = '\0';
        if (vl == 0) goto bad;
        acl_err_t rc = add_grantee(a, kind, val, users, perm, e);
        if (rc == ACL_EMALFORMED) goto bad;
        if (rc) return rc;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p) return ACL_OK;
        if (*p != ',') goto bad;
        p++;
    }
bad:
    set_err(e, "Argument format not recognized", name, v);
    return ACL_EARG;
}

acl_err_t acl_from_grant_headers(acl_t *a, const char *const vals[5], const char *owner,
                                 const struct auth_users *users, acl_error_t *e)
{
    memset(a, 0, sizeof *a);
    snprintf(a->owner, sizeof a->owner, "%s", owner);
    for (int i = 0; i < 5; i++) {
        if (!vals[i]) continue;
        acl_err_t rc = parse_header(a, acl_grant_headers[i], vals[i], header_perm[i], users, e);
        if (rc) {
            acl_free(a);
            return rc;
        }
    }
    return ACL_OK;
}

/* ---- the AccessControlPolicy body ---- */

typedef struct xml_state {
    acl_t *a;
    const struct auth_users *users;
    acl_error_t *e;
    acl_err_t err;
    int have_owner;
    char kind[16], value[ACL_ID_MAX];
    int nkinds, perm, bad;
} xml_state_t;

#define ACP   "AccessControlPolicy"
#define GRANT ACP "/AccessControlList/Grant"

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    xml_state_t *s = ctx;
    if (strcmp(path, ACP "/Owner/ID") == 0) {
        s->have_owner = 1;
        return 0;
    }
    const char *kind = strcmp(path, GRANT "/Grantee/ID") == 0             ? "id"
                       : strcmp(path, GRANT "/Grantee/EmailAddress") == 0 ? "emailAddress"
                       : strcmp(path, GRANT "/Grantee/URI") == 0          ? "uri"
                                                                          : NULL;
    if (kind) {
        while (n && isspace((unsigned char)*text))
            text++, n--;
        while (n && isspace((unsigned char)text[n - 1]))
            n--;
        if (n == 0 || n >= sizeof s->value) s->bad = 1;
        snprintf(s->kind, sizeof s->kind, "%s", kind);
        snprintf(s->value, sizeof s->value, "%.*s", (int)n, text);
        s->nkinds++;
        return 0;
    }
    if (strcmp(path, GRANT "/Permission") == 0) {
        s->perm = perm_bit(text, n);
        if (!s->perm) s->bad = 1;
        return 0;
    }
    if (strcmp(path, GRANT) == 0) {
        if (s->bad || s->nkinds != 1 || !s->perm) {
            s->err = ACL_EMALFORMED;
            return 1;
        }
        acl_err_t rc = add_grantee(s->a, s->kind, s->value, s->users, s->perm, s->e);
        if (rc) {
            s->err = rc;
            return 1;
        }
        s->nkinds = s->perm = s->bad = 0;
    }
    return 0;
}

acl_err_t acl_parse_xml(acl_t *a, const char *xml, size_t n, const struct auth_users *users,
                        acl_error_t *e)
{
    xml_state_t s = {.a = a, .users = users, .e = e};
    char owner[ACL_ID_MAX];
    snprintf(owner, sizeof owner, "%s", a->owner);
    memset(a, 0, sizeof *a);
    snprintf(a->owner, sizeof a->owner, "%s", owner);
    if (xmlin_parse(xml, n, on_elem, &s) != 0 || !s.have_owner) {
        acl_free(a);
        if (!s.err) s.err = ACL_EMALFORMED;
        return s.err;
    }
    return ACL_OK;
}

/* ---- stored form: "owner\n" then "C|G perm id\n" per grant ---- */

void acl_encode(const acl_t *a, buf_t *out)
{
    buf_printf(out, "v1 %s\n", a->owner);
    for (size_t i = 0; i < a->n; i++)
        buf_printf(out, "%c %d %s %s\n", a->g[i].group ? 'G' : 'C', a->g[i].perm, a->g[i].id,
                   a->g[i].email[0] ? a->g[i].email : "-");
}

int acl_decode(acl_t *a, const char *doc, const char *owner)
{
    if (!doc || !*doc) {
        acl_init_private(a, owner);
        return 0;
    }
    memset(a, 0, sizeof *a);
    char line[3 * ACL_ID_MAX];
    const char *p = doc;
    int first = 1;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= sizeof line) goto fail;
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (nl ? 1 : 0);
        if (first) {
            if (strncmp(line, "v1 ", 3) != 0) goto fail;
            snprintf(a->owner, sizeof a->owner, "%.127s", line + 3);
            first = 0;
            continue;
        }
        char t, id[ACL_ID_MAX], email[ACL_ID_MAX];
        int perm;
        if (sscanf(line, "%c %d %127s %127s", &t, &perm, id, email) != 4) goto fail;
        add(a, t == 'G', id, strcmp(email, "-") == 0 ? NULL : email, perm);
    }
    if (first) goto fail;
    return 0;
fail:
    acl_free(a);
    acl_init_private(a, owner);
    return -1;
}

void acl_xml(const acl_t *a, buf_t *out, acl_who_fn who, void *ctx)
{
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy "
                  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner>");
    who(ctx, out, a->owner);
    buf_puts(out, "</Owner><AccessControlList>");
    for (size_t i = 0; i < a->n; i++) {
        const acl_grant_t *g = &a->g[i];
        buf_printf(out,
                   "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                   "xsi:type=\"%s\">",
                   g->group ? "Group" : "CanonicalUser");
        if (g->group) {
            buf_puts(out, "<URI>");
            buf_xml(out, g->id, strlen(g->id));
            buf_puts(out, "</URI>");
        } else {
            who(ctx, out, g->id);
        }
        buf_printf(out, "</Grantee><Permission>%s</Permission></Grant>", perm_name(g->perm));
    }
    buf_puts(out, "</AccessControlList></AccessControlPolicy>");
}

/* ---- deciding ---- */

static int is_public_group(const acl_grant_t *g)
{
    return g->group &&
           (strcmp(g->id, ACL_URI_ALL_USERS) == 0 || strcmp(g->id, ACL_URI_AUTH_USERS) == 0);
}

int acl_allows(const acl_t *a, const char *caller, int perm, int ignore_public)
{
    for (size_t i = 0; i < a->n; i++) {
        const acl_grant_t *g = &a->g[i];
        if (!(g->perm & (perm | ACL_FULL_CONTROL))) continue;
        if (ignore_public && is_public_group(g)) continue;
        if (g->group) {
            if (strcmp(g->id, ACL_URI_ALL_USERS) == 0) return 1;
            if (caller && strcmp(g->id, ACL_URI_AUTH_USERS) == 0) return 1;
        } else if (caller && strcmp(g->id, caller) == 0) {
            return 1;
        }
    }
    return 0;
}

int acl_is_public(const acl_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (is_public_group(&a->g[i])) return 1;
    return 0;
}

int acl_only_full_control(const acl_t *a, const char *id)
{
    int found = 0;
    for (size_t i = 0; i < a->n; i++) {
        const acl_grant_t *g = &a->g[i];
        if (g->group || strcmp(g->id, id) != 0) return 0;
        if (g->perm == ACL_FULL_CONTROL) found = 1;
    }
    return found;
}
