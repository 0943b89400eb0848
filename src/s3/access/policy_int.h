/* policy_int — what policy.c (parsing and validation) and policy_eval.c
 * (matching, evaluation, "public") share: the compiled form of a policy.
 * Internal to src/s3/access/. Strings point into the kept JSON tree. */
#ifndef FAKES3_ACCESS_POLICY_INT_H
#define FAKES3_ACCESS_POLICY_INT_H

#include <jansson.h>
#include <stddef.h>

#include "s3/access/policy.h"

typedef enum {
    OP_STR_EQ,
    OP_STR_EQ_IC,
    OP_STR_LIKE,
    OP_NUM_EQ,
    OP_NUM_LT,
    OP_NUM_LE,
    OP_NUM_GT,
    OP_NUM_GE,
    OP_DATE_EQ,
    OP_DATE_LT,
    OP_DATE_LE,
    OP_DATE_GT,
    OP_DATE_GE,
    OP_BOOL,
    OP_IP,
    OP_ARN_LIKE,
    OP_BINARY,
    OP_NULL,
} op_kind_t;

enum { SET_NONE, SET_ALL, SET_ANY };

typedef struct cond {
    op_kind_t kind;
    int negate, if_exists, set;
    const char *key;
    const char **vals;
    size_t nval;
} cond_t;

/* A principal: "*", an account id, an IAM ARN, or a canonical user id. */
typedef enum { PR_ANY, PR_ACCOUNT, PR_ARN, PR_CANONICAL, PR_SERVICE } pr_kind_t;
typedef struct principal {
    pr_kind_t kind;
    const char *v;
    size_t n; /* length to compare (an account id out of a :root ARN) */
} principal_t;

typedef struct stmt {
    int deny, not_principal, not_action, not_resource;
    const char *sid;
    principal_t *pr;
    size_t npr;
    const char **act;
    size_t nact;
    const char **res;
    size_t nres;
    cond_t *cond;
    size_t ncond;
} stmt_t;

struct policy {
    json_t *root, *keep;
    stmt_t *st;
    size_t nst;
};

/* Glob with * and ? over p[0..pn) against s[0..sn); lit (may be NULL) marks
 * pattern bytes that match only themselves. */
int policy_glob(const char *p, const unsigned char *lit, size_t pn, const char *s, size_t sn,
                int icase);
/* Whether cidr is an IPv4 or IPv6 address or range; its prefix length and
 * family in *prefix and *v6. */
int policy_cidr(const char *cidr, int *prefix, int *v6);

#endif
