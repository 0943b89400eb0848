/* policy: parse errors with S3's messages, evaluation per condition operator
 * family (a true and a false case each), principals, actions, resources,
 * variables, set operators, and what counts as public. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3/access/policy.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BUCKET   "bkt"
#define ACCT     "111122223333"
#define OTHER    "444455556666"
#define ALICE    "arn:aws:iam::111122223333:user/alice"
#define CANON    "a11ce00000000000000000000000000000000000000000000000000000000000"

/* ---- parse errors ---- */

typedef struct parse_case {
    const char *json;
    const char *err; /* NULL: valid; else the start of the message */
} parse_case_t;

#define ST(body) "{\"Version\":\"2012-10-17\",\"Statement\":[{" body "}]}"
#define OK_PAR   "\"Effect\":\"Allow\",\"Principal\":\"*\""
#define OK_RES   "\"Resource\":\"arn:aws:s3:::bkt/*\""

static const parse_case_t parse_cases[] = {
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\"," OK_RES), NULL},
    {"{\"Version\":\"2008-10-17\",\"Statement\":{" OK_PAR ",\"Action\":\"s3:*\"," OK_RES "}}",
     NULL},
    {ST("\"Sid\":\"a\"," OK_PAR ",\"Action\":[\"s3:Get*\",\"s3:ListBucket\"],"
        "\"Resource\":[\"arn:aws:s3:::bkt\",\"arn:aws:s3:::bkt/*\"]"),
     NULL},
    {ST(OK_PAR ",\"Action\":\"*\"," OK_RES), NULL},
    {ST(OK_PAR ",\"NotAction\":\"s3:DeleteObject\",\"NotResource\":\"arn:aws:s3:::bkt/k\""), NULL},
    {ST(OK_PAR ",\"Action\":\"S3:getobject\"," OK_RES), NULL},
    {"", "Policies must be valid JSON and the first byte must be '{'"},
    {" {}", "Policies must be valid JSON and the first byte must be '{'"},
    {"{", "This policy contains invalid Json"},
    {"[]", "Policies must be valid JSON and the first byte must be '{'"},
    {"{\"a\":1}{", "This policy contains invalid Json"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bkt\""),
     "Action does not apply to any resource(s) in statement"},
    {ST(OK_PAR ",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"]," OK_RES),
     "Action does not apply to any resource(s) in statement"},
    {ST(OK_PAR ",\"Action\":\"s3:ListAllMyBuckets\",\"Resource\":\"arn:aws:s3:::bkt\""),
     "Action does not apply to any resource(s) in statement"},
    {ST(OK_PAR ",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::bkt\""), NULL},
    /* NotAction names what the statement leaves out: no resource check */
    {ST(OK_PAR ",\"NotAction\":\"s3:ListBucket\"," OK_RES), NULL},
    {ST(OK_PAR ",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],"
               "\"Resource\":\"arn:aws:s3:::bk*\""),
     NULL},
    {"{\"Statement\":[] ,}", "This policy contains invalid Json"},
    {ST(OK_PAR ",\"Action\":\"s3:Fly\"," OK_RES), "Policy has invalid action"},
    {ST(OK_PAR ",\"Action\":\"s3:Fly*\"," OK_RES), "Policy has invalid action"},
    {ST(OK_PAR ",\"Action\":\"ec2:RunInstances\"," OK_RES), "Policy has invalid action"},
    {ST(OK_PAR ",\"Action\":[]," OK_RES), "Policy has invalid action"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::other/*\""),
     "Policy has invalid resource"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\",\"Resource\":\"bkt/*\""),
     "Policy has invalid resource"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bkt2\""),
     "Policy has invalid resource"},
    {ST("\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"," OK_RES),
     "Missing required field Principal"},
    {ST("\"Effect\":\"Allow\",\"Principal\":\"alice\",\"Action\":\"s3:GetObject\"," OK_RES),
     "Invalid principal in policy"},
    {ST("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"AKALICE\"},\"Action\":\"s3:"
        "GetObject\"," OK_RES),
     "Invalid principal in policy"},
    {ST("\"Effect\":\"Allow\",\"Principal\":{\"Who\":\"*\"},\"Action\":\"s3:GetObject\"," OK_RES),
     "Invalid principal in policy"},
    {ST("\"Principal\":\"*\",\"Action\":\"s3:GetObject\"," OK_RES),
     "Missing required field Effect"},
    {ST("\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\"," OK_RES),
     "Invalid effect: Maybe"},
    {ST(OK_PAR "," OK_RES), "Missing required field Action"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\""), "Missing required field Resource"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\"," OK_RES
               ",\"Condition\":{\"StringSorta\":{\"aws:username\":\"a\"}}"),
     "Invalid Condition type : StringSorta"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\"," OK_RES
               ",\"Condition\":{\"StringEquals\":{\"s3:nonsense\":\"a\"}}"),
     "Policy has an invalid condition key"},
    {ST(OK_PAR ",\"Action\":\"s3:GetObject\"," OK_RES
               ",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}"),
     "Invalid Condition value"},
    {"{\"Version\":\"2012-10-18\",\"Statement\":{" OK_PAR ",\"Action\":\"s3:*\"," OK_RES "}}",
     "The policy must contain a valid version string"},
    {"{\"Version\":\"2012-10-17\"}", "Missing required field Statement"},
    {"{\"Version\":\"2012-10-17\",\"Statement\":[]}", "Could not parse the policy"},
    {"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"x\"," OK_PAR
     ",\"Action\":\"s3:*\"," OK_RES "},{\"Sid\":\"x\"," OK_PAR ",\"Action\":\"s3:*\"," OK_RES "}]}",
     "Statement IDs (SID) in a single policy must be unique"},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(parse_cases); i++) {
        const parse_case_t *c = &parse_cases[i];
        char err[256] = "unset";
        policy_t *p = policy_parse(c->json, strlen(c->json), BUCKET, err, sizeof err);
        if (!c->err) {
            if (!p) fail_msg("case %zu: refused (%s): %s", i, err, c->json);
        } else {
            if (p) fail_msg("case %zu: accepted: %s", i, c->json);
            if (strncmp(err, c->err, strlen(c->err)) != 0)
                fail_msg("case %zu: message '%s', want '%s'", i, err, c->err);
        }
        policy_free(p);
    }
}

/* Every prefix of a valid policy parses or fails cleanly (no crash, no leak). */
static void test_parse_every_prefix(void **state)
{
    (void)state;
    const char *j = parse_cases[2].json;
    for (size_t n = 0; n < strlen(j); n++) {
        char *cp = malloc(n + 1);
        memcpy(cp, j, n);
        cp[n] = 0;
        char err[256];
        policy_t *p = policy_parse(cp, n, BUCKET, err, sizeof err);
        assert_null(p);
        free(cp);
    }
}

/* ---- evaluation ---- */

/* Condition key values for a request, "name=v1|v2;name2=v" */
typedef struct keys {
    const char *spec;
    char buf[16][128];
} keys_t;

static size_t key_cb(void *ctx, const char *name, const char **vals, size_t max)
{
    keys_t *k = ctx;
    size_t n = 0, nl = strlen(name);
    const char *s = k->spec;
    while (s && *s) {
        const char *eq = strchr(s, '=');
        const char *end = strchr(s, ';');
        if (!end) end = s + strlen(s);
        if (eq && eq < end && (size_t)(eq - s) == nl && strncasecmp(s, name, nl) == 0) {
            const char *v = eq + 1;
            while (v <= end && n < max && n < 16) {
                const char *bar = memchr(v, '|', (size_t)(end - v));
                const char *ve = bar ? bar : end;
                snprintf(k->buf[n], sizeof k->buf[n], "%.*s", (int)(ve - v), v);
                vals[n] = k->buf[n];
                n++;
                v = ve + 1;
            }
            return n;
        }
        s = *end ? end + 1 : end;
    }
    return 0;
}

typedef struct eval_case {
    const char *name;
    const char *stmt; /* the statement(s) inside "Statement":[...] */
    const char *action, *resource;
    int anonymous;
    const char *keys;
    policy_effect_t want;
} eval_case_t;

#define A(x)      "{\"Effect\":\"Allow\",\"Principal\":\"*\"," x "}"
#define D(x)      "{\"Effect\":\"Deny\",\"Principal\":\"*\"," x "}"
#define GET       "\"Action\":\"s3:GetObject\""
#define ALLK      "\"Resource\":\"arn:aws:s3:::bkt/*\""
#define C(op, kv) ",\"Condition\":{\"" op "\":{" kv "}}"
#define OBJ       "arn:aws:s3:::bkt/k"
#define BKT       "arn:aws:s3:::bkt"
#define ALW       POLICY_ALLOW
#define NON       POLICY_NONE
#define DNY       POLICY_DENY

static const eval_case_t eval_cases[] = {
    /* principals */
    {"star", A(GET "," ALLK), "s3:GetObject", OBJ, 1, NULL, ALW},
    {"aws star", "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 1, NULL, ALW},
    {"account id", "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"account id, anonymous",
     "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT "\"}," GET "," ALLK "}", "s3:GetObject",
     OBJ, 1, NULL, NON},
    {"other account",
     "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" OTHER "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 0, NULL, NON},
    {"account root arn",
     "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::" ACCT ":root\"]}," GET "," ALLK
     "}",
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"user arn", "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ALICE "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"other user arn",
     "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" ACCT ":user/bob\"}," GET
     "," ALLK "}",
     "s3:GetObject", OBJ, 0, NULL, NON},
    {"canonical id",
     "{\"Effect\":\"Allow\",\"Principal\":{\"CanonicalUser\":\"" CANON "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"canonical id, anonymous",
     "{\"Effect\":\"Allow\",\"Principal\":{\"CanonicalUser\":\"" CANON "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 1, NULL, NON},
    {"not principal denies others",
     "{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"" ALICE "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 1, NULL, DNY},
    {"not principal spares the named",
     "{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"" ALICE "\"}," GET "," ALLK "}",
     "s3:GetObject", OBJ, 0, NULL, NON},
    /* actions */
    {"action wildcard", A("\"Action\":\"s3:Get*\"," ALLK), "s3:GetObject", OBJ, 0, NULL, ALW},
    {"action wildcard miss", A("\"Action\":\"s3:Get*\"," ALLK), "s3:PutObject", OBJ, 0, NULL, NON},
    {"action ?", A("\"Action\":\"s3:?etObject\"," ALLK), "s3:GetObject", OBJ, 0, NULL, ALW},
    {"action case", A("\"Action\":\"S3:GETOBJECT\"," ALLK), "s3:GetObject", OBJ, 0, NULL, ALW},
    {"s3:*", A("\"Action\":\"s3:*\"," ALLK), "s3:DeleteObject", OBJ, 0, NULL, ALW},
    {"not action", A("\"NotAction\":\"s3:DeleteObject\"," ALLK), "s3:GetObject", OBJ, 0, NULL, ALW},
    {"not action excluded", A("\"NotAction\":\"s3:DeleteObject\"," ALLK), "s3:DeleteObject", OBJ, 0,
     NULL, NON},
    /* resources */
    {"resource wildcard", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/pub/*\""), "s3:GetObject",
     "arn:aws:s3:::bkt/pub/a/b", 0, NULL, ALW},
    {"resource wildcard miss", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/pub/*\""), "s3:GetObject",
     "arn:aws:s3:::bkt/priv/a", 0, NULL, NON},
    {"resource ?", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/k?\""), "s3:GetObject",
     "arn:aws:s3:::bkt/k1", 0, NULL, ALW},
    {"resource ? is one char", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/k?\""), "s3:GetObject",
     "arn:aws:s3:::bkt/k12", 0, NULL, NON},
    {"bucket vs objects", A("\"Action\":\"s3:*\"," ALLK), "s3:ListBucket", BKT, 0, NULL, NON},
    {"not resource", A(GET ",\"NotResource\":\"arn:aws:s3:::bkt/secret/*\""), "s3:GetObject",
     "arn:aws:s3:::bkt/open", 0, NULL, ALW},
    {"not resource excluded", A(GET ",\"NotResource\":\"arn:aws:s3:::bkt/secret/*\""),
     "s3:GetObject", "arn:aws:s3:::bkt/secret/x", 0, NULL, NON},
    /* Deny beats Allow, whatever the order */
    {"deny wins", A("\"Action\":\"s3:*\"," ALLK) "," D(GET "," ALLK), "s3:GetObject", OBJ, 0, NULL,
     DNY},
    {"deny wins first", D(GET "," ALLK) "," A("\"Action\":\"s3:*\"," ALLK), "s3:GetObject", OBJ, 0,
     NULL, DNY},
    {"deny elsewhere", A("\"Action\":\"s3:*\"," ALLK) "," D(GET "," ALLK), "s3:PutObject", OBJ, 0,
     NULL, ALW},
    /* String */
    {"StringEquals", A(GET "," ALLK C("StringEquals", "\"aws:username\":\"alice\"")),
     "s3:GetObject", OBJ, 0, "aws:username=alice", ALW},
    {"StringEquals false", A(GET "," ALLK C("StringEquals", "\"aws:username\":\"alice\"")),
     "s3:GetObject", OBJ, 0, "aws:username=Alice", NON},
    {"StringEquals absent", A(GET "," ALLK C("StringEquals", "\"aws:username\":\"alice\"")),
     "s3:GetObject", OBJ, 0, NULL, NON},
    {"StringEquals any of values",
     A(GET "," ALLK C("StringEquals", "\"aws:username\":[\"bob\",\"alice\"]")), "s3:GetObject", OBJ,
     0, "aws:username=alice", ALW},
    {"StringNotEquals", A(GET "," ALLK C("StringNotEquals", "\"aws:username\":\"bob\"")),
     "s3:GetObject", OBJ, 0, "aws:username=alice", ALW},
    {"StringNotEquals false", A(GET "," ALLK C("StringNotEquals", "\"aws:username\":\"bob\"")),
     "s3:GetObject", OBJ, 0, "aws:username=bob", NON},
    {"StringNotEquals absent", A(GET "," ALLK C("StringNotEquals", "\"aws:username\":\"bob\"")),
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"StringEqualsIgnoreCase",
     A(GET "," ALLK C("StringEqualsIgnoreCase", "\"aws:username\":\"ALICE\"")), "s3:GetObject", OBJ,
     0, "aws:username=alice", ALW},
    {"StringEqualsIgnoreCase false",
     A(GET "," ALLK C("StringEqualsIgnoreCase", "\"aws:username\":\"ALICE\"")), "s3:GetObject", OBJ,
     0, "aws:username=alicia", NON},
    {"StringNotEqualsIgnoreCase",
     A(GET "," ALLK C("StringNotEqualsIgnoreCase", "\"aws:username\":\"BOB\"")), "s3:GetObject",
     OBJ, 0, "aws:username=alice", ALW},
    {"StringNotEqualsIgnoreCase false",
     A(GET "," ALLK C("StringNotEqualsIgnoreCase", "\"aws:username\":\"BOB\"")), "s3:GetObject",
     OBJ, 0, "aws:username=bob", NON},
    {"StringLike", A(GET "," ALLK C("StringLike", "\"s3:prefix\":\"home/*\"")), "s3:GetObject", OBJ,
     0, "s3:prefix=home/alice/", ALW},
    {"StringLike false", A(GET "," ALLK C("StringLike", "\"s3:prefix\":\"home/*\"")),
     "s3:GetObject", OBJ, 0, "s3:prefix=etc/", NON},
    {"StringNotLike", A(GET "," ALLK C("StringNotLike", "\"s3:prefix\":\"home/*\"")),
     "s3:GetObject", OBJ, 0, "s3:prefix=etc/", ALW},
    {"StringNotLike false", A(GET "," ALLK C("StringNotLike", "\"s3:prefix\":\"home/*\"")),
     "s3:GetObject", OBJ, 0, "s3:prefix=home/x", NON},
    /* Numeric */
    {"NumericEquals", A(GET "," ALLK C("NumericEquals", "\"s3:max-keys\":\"10\"")), "s3:GetObject",
     OBJ, 0, "s3:max-keys=10", ALW},
    {"NumericEquals false", A(GET "," ALLK C("NumericEquals", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=11", NON},
    {"NumericNotEquals", A(GET "," ALLK C("NumericNotEquals", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=11", ALW},
    {"NumericNotEquals false", A(GET "," ALLK C("NumericNotEquals", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=10", NON},
    {"NumericLessThan", A(GET "," ALLK C("NumericLessThan", "\"s3:max-keys\":10")), "s3:GetObject",
     OBJ, 0, "s3:max-keys=9", ALW},
    {"NumericLessThan false", A(GET "," ALLK C("NumericLessThan", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=10", NON},
    {"NumericLessThanEquals", A(GET "," ALLK C("NumericLessThanEquals", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=10", ALW},
    {"NumericLessThanEquals false",
     A(GET "," ALLK C("NumericLessThanEquals", "\"s3:max-keys\":10")), "s3:GetObject", OBJ, 0,
     "s3:max-keys=11", NON},
    {"NumericGreaterThan", A(GET "," ALLK C("NumericGreaterThan", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=11", ALW},
    {"NumericGreaterThan false", A(GET "," ALLK C("NumericGreaterThan", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=10", NON},
    {"NumericGreaterThanEquals",
     A(GET "," ALLK C("NumericGreaterThanEquals", "\"s3:max-keys\":10")), "s3:GetObject", OBJ, 0,
     "s3:max-keys=10", ALW},
    {"NumericGreaterThanEquals false",
     A(GET "," ALLK C("NumericGreaterThanEquals", "\"s3:max-keys\":10")), "s3:GetObject", OBJ, 0,
     "s3:max-keys=9", NON},
    {"Numeric not a number", A(GET "," ALLK C("NumericLessThan", "\"s3:max-keys\":10")),
     "s3:GetObject", OBJ, 0, "s3:max-keys=abc", NON},
    /* Date */
    {"DateLessThan",
     A(GET "," ALLK C("DateLessThan", "\"aws:CurrentTime\":\"2030-01-01T00:00:00Z\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", ALW},
    {"DateLessThan false",
     A(GET "," ALLK C("DateLessThan", "\"aws:CurrentTime\":\"2020-01-01T00:00:00Z\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", NON},
    {"DateGreaterThan epoch",
     A(GET "," ALLK C("DateGreaterThan", "\"aws:CurrentTime\":\"1577836800\"")), "s3:GetObject",
     OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", ALW},
    {"DateGreaterThan false",
     A(GET "," ALLK C("DateGreaterThan", "\"aws:CurrentTime\":\"2030-01-01\"")), "s3:GetObject",
     OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", NON},
    {"DateEquals offset",
     A(GET "," ALLK C("DateEquals", "\"aws:CurrentTime\":\"2026-12-07T15:00:00+01:00\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", ALW},
    {"DateNotEquals",
     A(GET "," ALLK C("DateNotEquals", "\"aws:CurrentTime\":\"2026-12-07T14:00:00Z\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:01Z", ALW},
    {"DateNotEquals false",
     A(GET "," ALLK C("DateNotEquals", "\"aws:CurrentTime\":\"2026-12-07T14:00:00Z\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00.000Z", NON},
    {"DateLessThanEquals",
     A(GET "," ALLK C("DateLessThanEquals", "\"aws:CurrentTime\":\"2026-12-07T14:00:00Z\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", ALW},
    {"DateGreaterThanEquals false",
     A(GET "," ALLK C("DateGreaterThanEquals", "\"aws:CurrentTime\":\"2026-12-07T14:00:01Z\"")),
     "s3:GetObject", OBJ, 0, "aws:CurrentTime=2026-12-07T14:00:00Z", NON},
    /* Bool */
    {"Bool", A(GET "," ALLK C("Bool", "\"aws:SecureTransport\":\"true\"")), "s3:GetObject", OBJ, 0,
     "aws:SecureTransport=true", ALW},
    {"Bool json true", A(GET "," ALLK C("Bool", "\"aws:SecureTransport\":[true]")), "s3:GetObject",
     OBJ, 0, "aws:SecureTransport=true", ALW},
    {"Bool false", A(GET "," ALLK C("Bool", "\"aws:SecureTransport\":\"true\"")), "s3:GetObject",
     OBJ, 0, "aws:SecureTransport=false", NON},
    {"Bool deny http", D(GET "," ALLK C("Bool", "\"aws:SecureTransport\":false")), "s3:GetObject",
     OBJ, 0, "aws:SecureTransport=false", DNY},
    /* IpAddress */
    {"IpAddress v4", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"127.0.0.0/8\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=127.0.0.1", ALW},
    {"IpAddress v4 false", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"10.0.0.0/8\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=127.0.0.1", NON},
    {"IpAddress /31 edge", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"10.0.0.2/31\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=10.0.0.4", NON},
    {"IpAddress bare", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"127.0.0.1\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=127.0.0.1", ALW},
    {"IpAddress v6", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"2001:db8::/32\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=2001:db8:1::5", ALW},
    {"IpAddress v6 false", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"2001:db8::/32\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=2001:db9::5", NON},
    {"IpAddress v6 loopback", A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"::1/128\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=::1", ALW},
    {"IpAddress v4 range, v6 caller",
     A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"127.0.0.0/8\"")), "s3:GetObject", OBJ, 0,
     "aws:SourceIp=::1", NON},
    {"NotIpAddress", A(GET "," ALLK C("NotIpAddress", "\"aws:SourceIp\":\"10.0.0.0/8\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=127.0.0.1", ALW},
    {"NotIpAddress false", A(GET "," ALLK C("NotIpAddress", "\"aws:SourceIp\":\"127.0.0.0/8\"")),
     "s3:GetObject", OBJ, 0, "aws:SourceIp=127.0.0.1", NON},
    /* Arn */
    {"ArnLike", A(GET "," ALLK C("ArnLike", "\"aws:PrincipalArn\":\"arn:aws:iam::*:user/al*\"")),
     "s3:GetObject", OBJ, 0, "aws:PrincipalArn=" ALICE, ALW},
    {"ArnLike false",
     A(GET "," ALLK C("ArnLike", "\"aws:PrincipalArn\":\"arn:aws:iam::*:user/b*\"")),
     "s3:GetObject", OBJ, 0, "aws:PrincipalArn=" ALICE, NON},
    {"ArnEquals", A(GET "," ALLK C("ArnEquals", "\"aws:PrincipalArn\":\"" ALICE "\"")),
     "s3:GetObject", OBJ, 0, "aws:PrincipalArn=" ALICE, ALW},
    {"ArnNotEquals", A(GET "," ALLK C("ArnNotEquals", "\"aws:PrincipalArn\":\"" ALICE "\"")),
     "s3:GetObject", OBJ, 0, "aws:PrincipalArn=" ALICE, NON},
    {"ArnNotLike",
     A(GET "," ALLK C("ArnNotLike", "\"aws:PrincipalArn\":\"arn:aws:iam::*:user/b*\"")),
     "s3:GetObject", OBJ, 0, "aws:PrincipalArn=" ALICE, ALW},
    /* Binary */
    {"BinaryEquals", A(GET "," ALLK C("BinaryEquals", "\"aws:UserAgent\":\"QUJD\"")),
     "s3:GetObject", OBJ, 0, "aws:UserAgent=QUJD", ALW},
    {"BinaryEquals false", A(GET "," ALLK C("BinaryEquals", "\"aws:UserAgent\":\"QUJD\"")),
     "s3:GetObject", OBJ, 0, "aws:UserAgent=QUJE", NON},
    /* Null */
    {"Null true", A(GET "," ALLK C("Null", "\"s3:x-amz-server-side-encryption\":\"true\"")),
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"Null true, present",
     A(GET "," ALLK C("Null", "\"s3:x-amz-server-side-encryption\":\"true\"")), "s3:GetObject", OBJ,
     0, "s3:x-amz-server-side-encryption=AES256", NON},
    {"Null false", A(GET "," ALLK C("Null", "\"s3:x-amz-server-side-encryption\":\"false\"")),
     "s3:GetObject", OBJ, 0, "s3:x-amz-server-side-encryption=AES256", ALW},
    {"Null false, absent", A(GET "," ALLK C("Null", "\"s3:x-amz-server-side-encryption\":false")),
     "s3:GetObject", OBJ, 0, NULL, NON},
    /* IfExists */
    {"IfExists absent", A(GET "," ALLK C("StringEqualsIfExists", "\"s3:x-amz-acl\":\"private\"")),
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"IfExists present, equal",
     A(GET "," ALLK C("StringEqualsIfExists", "\"s3:x-amz-acl\":\"private\"")), "s3:GetObject", OBJ,
     0, "s3:x-amz-acl=private", ALW},
    {"IfExists present, differs",
     A(GET "," ALLK C("StringEqualsIfExists", "\"s3:x-amz-acl\":\"private\"")), "s3:GetObject", OBJ,
     0, "s3:x-amz-acl=public-read", NON},
    /* AND across keys and operators */
    {"and: both hold",
     A(GET "," ALLK ",\"Condition\":{\"StringEquals\":{\"aws:username\":\"alice\","
           "\"s3:x-amz-acl\":\"private\"},\"IpAddress\":{\"aws:SourceIp\":\"127.0.0.1\"}}"),
     "s3:GetObject", OBJ, 0, "aws:username=alice;s3:x-amz-acl=private;aws:SourceIp=127.0.0.1", ALW},
    {"and: one fails",
     A(GET "," ALLK ",\"Condition\":{\"StringEquals\":{\"aws:username\":\"alice\","
           "\"s3:x-amz-acl\":\"private\"},\"IpAddress\":{\"aws:SourceIp\":\"127.0.0.1\"}}"),
     "s3:GetObject", OBJ, 0, "aws:username=alice;s3:x-amz-acl=private;aws:SourceIp=127.0.0.2", NON},
    /* set operators */
    {"ForAllValues subset",
     A(GET "," ALLK C("ForAllValues:StringEquals", "\"s3:RequestObjectTagKeys\":[\"a\",\"b\"]")),
     "s3:GetObject", OBJ, 0, "s3:RequestObjectTagKeys=a|b", ALW},
    {"ForAllValues extra",
     A(GET "," ALLK C("ForAllValues:StringEquals", "\"s3:RequestObjectTagKeys\":[\"a\",\"b\"]")),
     "s3:GetObject", OBJ, 0, "s3:RequestObjectTagKeys=a|c", NON},
    {"ForAllValues absent",
     A(GET "," ALLK C("ForAllValues:StringEquals", "\"s3:RequestObjectTagKeys\":[\"a\"]")),
     "s3:GetObject", OBJ, 0, NULL, ALW},
    {"ForAnyValue one",
     A(GET "," ALLK C("ForAnyValue:StringEquals", "\"s3:RequestObjectTagKeys\":[\"a\"]")),
     "s3:GetObject", OBJ, 0, "s3:RequestObjectTagKeys=x|a", ALW},
    {"ForAnyValue none",
     A(GET "," ALLK C("ForAnyValue:StringEquals", "\"s3:RequestObjectTagKeys\":[\"a\"]")),
     "s3:GetObject", OBJ, 0, "s3:RequestObjectTagKeys=x|y", NON},
    {"ForAnyValue absent",
     A(GET "," ALLK C("ForAnyValue:StringEquals", "\"s3:RequestObjectTagKeys\":[\"a\"]")),
     "s3:GetObject", OBJ, 0, NULL, NON},
    {"ForAllValues negated",
     A(GET "," ALLK C("ForAllValues:StringNotEquals", "\"s3:RequestObjectTagKeys\":[\"secret\"]")),
     "s3:GetObject", OBJ, 0, "s3:RequestObjectTagKeys=a|b", ALW},
    {"ForAllValues negated false",
     A(GET "," ALLK C("ForAllValues:StringNotEquals", "\"s3:RequestObjectTagKeys\":[\"secret\"]")),
     "s3:GetObject", OBJ, 0, "s3:RequestObjectTagKeys=a|secret", NON},
    /* tags */
    {"ExistingObjectTag",
     A(GET "," ALLK C("StringEquals", "\"s3:ExistingObjectTag/team\":\"blue\"")), "s3:GetObject",
     OBJ, 0, "s3:ExistingObjectTag/team=blue", ALW},
    {"ExistingObjectTag false",
     A(GET "," ALLK C("StringEquals", "\"s3:ExistingObjectTag/team\":\"blue\"")), "s3:GetObject",
     OBJ, 0, "s3:ExistingObjectTag/team=red", NON},
    /* variables */
    {"${aws:username} in resource",
     A(GET ",\"Resource\":\"arn:aws:s3:::bkt/home/${aws:username}/*\""), "s3:GetObject",
     "arn:aws:s3:::bkt/home/alice/f", 0, "aws:username=alice", ALW},
    {"${aws:username} other home",
     A(GET ",\"Resource\":\"arn:aws:s3:::bkt/home/${aws:username}/*\""), "s3:GetObject",
     "arn:aws:s3:::bkt/home/bob/f", 0, "aws:username=alice", NON},
    {"${aws:username} anonymous",
     A(GET ",\"Resource\":\"arn:aws:s3:::bkt/home/${aws:username}/*\""), "s3:GetObject",
     "arn:aws:s3:::bkt/home/${aws:username}/f", 1, NULL, NON},
    {"${*} is a literal star", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/a${*}b\""), "s3:GetObject",
     "arn:aws:s3:::bkt/a*b", 0, NULL, ALW},
    {"${*} does not glob", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/a${*}b\""), "s3:GetObject",
     "arn:aws:s3:::bkt/axxb", 0, NULL, NON},
    {"${?} and ${$}", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/${?}${$}\""), "s3:GetObject",
     "arn:aws:s3:::bkt/?$", 0, NULL, ALW},
    {"variable in condition",
     A("\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::bkt\"" C(
         "StringLike", "\"s3:prefix\":\"home/${aws:username}/*\"")),
     "s3:ListBucket", BKT, 0, "aws:username=alice;s3:prefix=home/alice/docs/", ALW},
    {"variable in condition, other",
     A("\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::bkt\"" C(
         "StringLike", "\"s3:prefix\":\"home/${aws:username}/*\"")),
     "s3:ListBucket", BKT, 0, "aws:username=alice;s3:prefix=home/bob/", NON},
    {"a '*' a variable brings is literal",
     A("\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::bkt\"" C(
         "StringLike", "\"aws:username\":\"${s3:prefix}\"")),
     "s3:ListBucket", BKT, 0, "aws:username=alice;s3:prefix=*", NON},
    {"variable default", A(GET ",\"Resource\":\"arn:aws:s3:::bkt/${aws:username, 'guest'}/*\""),
     "s3:GetObject", "arn:aws:s3:::bkt/guest/x", 1, NULL, ALW},
};

static void test_eval_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(eval_cases); i++) {
        const eval_case_t *c = &eval_cases[i];
        char json[4096];
        snprintf(json, sizeof json, "{\"Version\":\"2012-10-17\",\"Statement\":[%s]}", c->stmt);
        char err[256];
        policy_t *p = policy_parse(json, strlen(json), BUCKET, err, sizeof err);
        if (!p) fail_msg("case '%s': refused (%s): %s", c->name, err, json);
        keys_t k = {.spec = c->keys};
        policy_req_t req = {
            .action = c->action,
            .resource = c->resource,
            .anonymous = c->anonymous,
            .account = c->anonymous ? NULL : ACCT,
            .user_arn = c->anonymous ? NULL : ALICE,
            .canonical_id = c->anonymous ? NULL : CANON,
            .key = key_cb,
            .key_ctx = &k,
        };
        char why[128];
        policy_effect_t got = policy_eval(p, &req, why, sizeof why);
        if (got != c->want) fail_msg("case '%s': effect %d, want %d", c->name, got, c->want);
        if (got != POLICY_NONE && !why[0]) fail_msg("case '%s': no reason given", c->name);
        policy_free(p);
    }
}

static void test_eval_reason_names_sid(void **state)
{
    (void)state;
    const char *j =
        "{\"Statement\":[{\"Sid\":\"AllowAll\",\"Effect\":\"Allow\",\"Principal\":\"*\","
        "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::bkt/*\"},"
        "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:DeleteObject\","
        "\"Resource\":\"arn:aws:s3:::bkt/*\"}]}";
    policy_t *p = policy_parse(j, strlen(j), BUCKET, NULL, 0);
    assert_non_null(p);
    policy_req_t req = {.action = "s3:GetObject", .resource = OBJ, .anonymous = 1};
    char why[128];
    assert_int_equal(policy_eval(p, &req, why, sizeof why), POLICY_ALLOW);
    assert_string_equal(why, "Allow by statement Sid 'AllowAll'");
    req.action = "s3:DeleteObject";
    assert_int_equal(policy_eval(p, &req, why, sizeof why), POLICY_DENY);
    assert_string_equal(why, "Deny by statement 2");
    assert_int_equal(policy_eval(NULL, &req, why, sizeof why), POLICY_NONE);
    policy_free(p);
}

/* Expanded condition values share one 4 KiB buffer: a value that fills it
 * exactly left the next one a negative (huge) room and an overflow. Values
 * that do not fit never match; the others still do. */
static void test_eval_variables_filling_the_expansion_buffer(void **state)
{
    (void)state;
    char *json = malloc(8192);
    char fill[4091];
    memset(fill, 'x', sizeof fill - 1);
    fill[sizeof fill - 1] = 0;
    snprintf(json, 8192,
             "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
             "\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bkt/*\",\"Condition\":{"
             "\"StringLike\":{\"aws:userid\":[\"%s${aws:username}\",\"${aws:username}\","
             "\"${aws:username}-2\",\"plain\"]}}}}",
             fill);
    char err[256];
    policy_t *p = policy_parse(json, strlen(json), BUCKET, err, sizeof err);
    if (!p) fail_msg("refused: %s", err);
    keys_t k = {.spec = "aws:username=alice;aws:userid=alice"};
    policy_req_t req = {
        .action = "s3:GetObject", .resource = OBJ, .account = ACCT, .key = key_cb, .key_ctx = &k};
    assert_int_equal(policy_eval(p, &req, NULL, 0), POLICY_NONE);
    keys_t k2 = {.spec = "aws:username=alice;aws:userid=plain"};
    req.key_ctx = &k2;
    assert_int_equal(policy_eval(p, &req, NULL, 0), POLICY_ALLOW);
    policy_free(p);
    free(json);
}

/* ---- public ---- */

typedef struct pub_case {
    const char *stmt;
    int want;
} pub_case_t;

static const pub_case_t pub_cases[] = {
    {A(GET "," ALLK), 1},
    {"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"}," GET "," ALLK "}", 1},
    {D(GET "," ALLK), 0},
    {"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ACCT "\"}," GET "," ALLK "}", 0},
    {"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" OTHER "\"}," GET "," ALLK "}", 0},
    {"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ALICE "\"}," GET "," ALLK "}", 0},
    {A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"192.0.2.0/24\"")), 0},
    {A(GET "," ALLK C("IpAddress", "\"aws:SourceIp\":\"0.0.0.0/1\"")), 1},
    {A(GET "," ALLK C("StringEquals", "\"aws:SourceAccount\":\"" ACCT "\"")), 0},
    {A(GET "," ALLK C("StringLike", "\"aws:SourceAccount\":\"1111*\"")), 1},
    {A(GET "," ALLK C("StringEquals", "\"aws:username\":\"alice\"")), 1},
    {A(GET "," ALLK C("NotIpAddress", "\"aws:SourceIp\":\"192.0.2.0/24\"")), 1},
    {"{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"" ALICE "\"}," GET "," ALLK "}", 1},
};

static void test_is_public_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(pub_cases); i++) {
        char json[2048];
        snprintf(json, sizeof json, "{\"Statement\":[%s]}", pub_cases[i].stmt);
        char err[256];
        policy_t *p = policy_parse(json, strlen(json), BUCKET, err, sizeof err);
        if (!p) fail_msg("case %zu: refused (%s)", i, err);
        if (policy_is_public(p, ACCT) != pub_cases[i].want)
            fail_msg("case %zu: public %d, want %d: %s", i, !pub_cases[i].want, pub_cases[i].want,
                     json);
        policy_free(p);
    }
    assert_int_equal(policy_is_public(NULL, ACCT), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_every_prefix),
        cmocka_unit_test(test_eval_table),
        cmocka_unit_test(test_eval_reason_names_sid),
        cmocka_unit_test(test_eval_variables_filling_the_expansion_buffer),
        cmocka_unit_test(test_is_public_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
