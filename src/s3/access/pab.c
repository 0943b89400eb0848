/* See pab.h. */
#include "s3/access/pab.h"

#include <stdio.h>
#include <string.h>

#include "s3/xmlin.h"

#define PAB "PublicAccessBlockConfiguration"

static const char *const fields[4] = {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                      "RestrictPublicBuckets"};

static int *field(pab_t *p, int i)
{
    int *f[4] = {&p->block_public_acls, &p->ignore_public_acls, &p->block_public_policy,
                 &p->restrict_public_buckets};
    return f[i];
}

typedef struct {
    pab_t p;
    int bad;
} px_t;

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    px_t *s = ctx;
    if (strcmp(path, PAB) == 0) return 0;
    if (strncmp(path, PAB "/", sizeof PAB) != 0) return s->bad = 1;
    const char *name = path + sizeof PAB;
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, fields[i]) != 0) continue;
        if (n == 4 && memcmp(text, "true", 4) == 0)
            *field(&s->p, i) = 1;
        else if (n == 5 && memcmp(text, "false", 5) == 0)
            *field(&s->p, i) = 0;
        else
            s->bad = 1;
        return s->bad;
    }
    return s->bad = 1;
}

int pab_parse_xml(const char *xml, size_t n, pab_t *out)
{
    px_t s = {0};
    if (xmlin_parse(xml, n, on_elem, &s) != 0 || s.bad) return -1;
    *out = s.p;
    return 0;
}

void pab_xml(const pab_t *p, buf_t *out)
{
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" PAB
                  " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    pab_t c = *p;
    for (int i = 0; i < 4; i++)
        buf_printf(out, "<%s>%s</%s>", fields[i], *field(&c, i) ? "true" : "false", fields[i]);
    buf_puts(out, "</" PAB ">");
}

void pab_encode(const pab_t *p, buf_t *out)
{
    buf_printf(out, "%d %d %d %d", p->block_public_acls, p->ignore_public_acls,
               p->block_public_policy, p->restrict_public_buckets);
}

void pab_decode(const char *doc, pab_t *out)
{
    memset(out, 0, sizeof *out);
    if (doc && sscanf(doc, "%d %d %d %d", &out->block_public_acls, &out->ignore_public_acls,
                      &out->block_public_policy, &out->restrict_public_buckets) != 4)
        memset(out, 0, sizeof *out);
}

int pab_blocks_public_acl(const pab_t *p, const acl_t *acl)
{
    return p && p->block_public_acls && acl_is_public(acl);
}

int pab_blocks_public_policy(const pab_t *p, const policy_t *pol, const char *owner_account)
{
    return p && p->block_public_policy && pol && policy_is_public(pol, owner_account);
}
