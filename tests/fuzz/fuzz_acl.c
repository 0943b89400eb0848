/* fuzz_acl — libFuzzer target for the access-control documents: the
 * AccessControlPolicy XML and x-amz-grant-* header lists (acl), the
 * PublicAccessBlockConfiguration (pab) and the OwnershipControls (ownership).
 *
 * The first byte picks the parser, the rest is its input (for the grant
 * headers: up to five values cut at '\n'). Any bytes: the parser answers one
 * of its codes; an accepted document's serialized form (what the Get
 * operations answer, and what is stored) parses back to the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/access/acl.h"
#include "s3/access/ownership.h"
#include "s3/access/pab.h"
#include "s3/auth/users.h"

/* Two users with short ids and e-mail addresses the fuzzer can find. */
static auth_users_t *users(void)
{
    static auth_users_t u;
    static int done;
    if (!done) {
        static const char *const ids[2] = {"aa", "bb"}, *const emails[2] = {"a@x", "b@x"};
        if (auth_users_add(&u, "AKA", "s") || auth_users_add(&u, "AKB", "s")) abort();
        for (int i = 0; i < 2; i++) {
            free(u.v[i].canonical_id);
            free(u.v[i].email);
            u.v[i].canonical_id = strdup(ids[i]);
            u.v[i].email = strdup(emails[i]);
        }
        done = 1;
    }
    return &u;
}

static void who(void *ctx, buf_t *b, const char *id)
{
    (void)ctx;
    buf_puts(b, "<ID>");
    buf_xml(b, id, strlen(id));
    buf_puts(b, "</ID>");
}

/* Same owner and grants (an e-mail grant comes back as its user's id). */
static int acl_same(const acl_t *a, const acl_t *b, int emails)
{
    if (strcmp(a->owner, b->owner) != 0 || a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->g[i].group != b->g[i].group || a->g[i].perm != b->g[i].perm ||
            strcmp(a->g[i].id, b->g[i].id) != 0)
            return 0;
        if (emails && strcmp(a->g[i].email, b->g[i].email) != 0) return 0;
    }
    return 1;
}

/* An accepted ACL: its XML answer and its stored form both read back the same. */
static void acl_roundtrip(const acl_t *a)
{
    buf_t x = BUF_INIT, s = BUF_INIT;
    acl_xml(a, &x, who, NULL);
    acl_t b = {0};
    snprintf(b.owner, sizeof b.owner, "%s", a->owner);
    acl_error_t e;
    if (acl_parse_xml(&b, x.p, x.len, users(), &e) != ACL_OK) abort();
    if (!acl_same(a, &b, 0)) abort();
    acl_free(&b);
    acl_encode(a, &s);
    if (acl_decode(&b, s.p, "zz") != 0 || !acl_same(a, &b, 1)) abort();
    acl_free(&b);
    acl_allows(a, "aa", ACL_READ, 0);
    acl_allows(a, NULL, ACL_WRITE, 1);
    acl_is_public(a);
    acl_only_full_control(a, "aa");
    buf_free(&x);
    buf_free(&s);
}

static void run_acl_xml(const char *p, size_t n)
{
    acl_t a = {0};
    memcpy(a.owner, "aa", 3);
    acl_error_t e;
    acl_err_t rc = acl_parse_xml(&a, p, n, users(), &e);
    if (rc != ACL_OK && rc != ACL_EMALFORMED && rc != ACL_EARG && rc != ACL_EEMAIL) abort();
    if (rc == ACL_OK) acl_roundtrip(&a);
    acl_free(&a);
}

static void run_grant_headers(const char *p, size_t n)
{
    /* p is NUL-terminated: values are C strings, as header values are. */
    char *copy = strndup(p, n);
    if (!copy) return;
    const char *vals[5] = {0};
    char *s = copy;
    for (int i = 0; i < 5 && s; i++) {
        vals[i] = *s == '\r' ? NULL : s; /* a value "\r..." stands for an absent header */
        char *nl = strchr(s, '\n');
        if (nl) *nl++ = '\0';
        s = nl;
    }
    acl_t a;
    acl_error_t e;
    acl_err_t rc = acl_from_grant_headers(&a, vals, "aa", users(), &e);
    if (rc != ACL_OK && rc != ACL_EARG && rc != ACL_EEMAIL) abort();
    if (rc == ACL_OK) acl_roundtrip(&a);
    if (rc == ACL_OK) acl_free(&a);
    free(copy);
}

static void run_pab(const char *p, size_t n)
{
    pab_t a, b;
    if (pab_parse_xml(p, n, &a) != 0) return;
    buf_t x = BUF_INIT, s = BUF_INIT;
    pab_xml(&a, &x);
    if (pab_parse_xml(x.p, x.len, &b) != 0 || memcmp(&a, &b, sizeof a) != 0) abort();
    pab_encode(&a, &s);
    pab_decode(s.p, &b);
    if (memcmp(&a, &b, sizeof a) != 0) abort();
    buf_free(&x);
    buf_free(&s);
}

static void run_ownership(const char *p, size_t n)
{
    ownership_t a, b;
    if (ownership_parse_xml(p, n, &a) != 0) return;
    buf_t x = BUF_INIT;
    ownership_xml(a, &x);
    if (ownership_parse_xml(x.p, x.len, &b) != 0 || a != b) abort();
    if (ownership_from_name(ownership_name(a), &b) != 0 || a != b) abort();
    buf_free(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t n = size - 1;
    /* An exact-size heap copy: ASan sees any read past the document. */
    char *p = malloc(n ? n : 1);
    if (!p) return 0;
    memcpy(p, data + 1, n);
    switch (data[0] % 4) {
    case 0: run_acl_xml(p, n); break;
    case 1: run_grant_headers(p, n); break;
    case 2: run_pab(p, n); break;
    default: run_ownership(p, n); break;
    }
    free(p);
    return 0;
}
