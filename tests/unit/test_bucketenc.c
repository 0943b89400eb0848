/* bucketenc: parsing and validating ServerSideEncryptionConfiguration, and
 * the canonical document GetBucketEncryption answers. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/sse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DECL     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define OPEN     "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define CLOSE    "</ServerSideEncryptionConfiguration>"
#define RULE(x)  OPEN "<Rule>" x "</Rule>" CLOSE
#define DFLT(x)  "<ApplyServerSideEncryptionByDefault>" x "</ApplyServerSideEncryptionByDefault>"
#define ALG(a)   "<SSEAlgorithm>" a "</SSEAlgorithm>"

static const struct {
    const char *name, *in;
    int rc;
    const char *out; /* the canonical form, when rc is OK */
} cases[] = {
    {"SSE-S3", RULE(DFLT(ALG("AES256"))), S3_SSE_CONF_OK,
     DECL RULE(DFLT(ALG("AES256")) "<BucketKeyEnabled>false</BucketKeyEnabled>")},
    {"KMS with a key and a Bucket Key, spaces around values",
     RULE(DFLT("<KMSMasterKeyID> arn:aws:kms:k </KMSMasterKeyID>" ALG(
         " aws:kms ")) "<BucketKeyEnabled>true</BucketKeyEnabled>"),
     S3_SSE_CONF_OK,
     DECL RULE(DFLT(
         ALG("aws:kms") "<KMSMasterKeyID>arn:aws:kms:k</KMSMasterKeyID>") "<BucketKeyEnabled>true</"
                                                                          "BucketKeyEnabled>")},
    {"DSSE with a key", RULE(DFLT(ALG("aws:kms:dsse") "<KMSMasterKeyID>k</KMSMasterKeyID>")),
     S3_SSE_CONF_OK,
     DECL RULE(
         DFLT(ALG("aws:kms:dsse") "<KMSMasterKeyID>k</KMSMasterKeyID>") "<BucketKeyEnabled>false</"
                                                                        "BucketKeyEnabled>")},
    {"blocked types only: the default stays SSE-S3",
     RULE("<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
          "</BlockedEncryptionTypes>"),
     S3_SSE_CONF_OK,
     DECL RULE(DFLT(ALG("AES256")) "<BucketKeyEnabled>false</BucketKeyEnabled>"
                                   "<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
                                   "</BlockedEncryptionTypes>")},
    {"NONE",
     RULE(DFLT(ALG("AES256")) "<BlockedEncryptionTypes><EncryptionType>NONE"
                              "</EncryptionType></BlockedEncryptionTypes>"),
     S3_SSE_CONF_OK,
     DECL RULE(DFLT(ALG("AES256")) "<BucketKeyEnabled>false</BucketKeyEnabled>"
                                   "<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
                                   "</BlockedEncryptionTypes>")},
    {"BucketKeyEnabled 1", RULE(DFLT(ALG("aws:kms")) "<BucketKeyEnabled>1</BucketKeyEnabled>"),
     S3_SSE_CONF_OK, DECL RULE(DFLT(ALG("aws:kms")) "<BucketKeyEnabled>true</BucketKeyEnabled>")},
    {"AES256 with a key", RULE(DFLT(ALG("AES256") "<KMSMasterKeyID>k</KMSMasterKeyID>")),
     S3_SSE_CONF_EKMSKEY, NULL},
    {"empty", "", S3_SSE_CONF_EMALFORMED, NULL},
    {"not XML", "<Server", S3_SSE_CONF_EMALFORMED, NULL},
    {"no rule", OPEN CLOSE, S3_SSE_CONF_EMALFORMED, NULL},
    {"an empty rule", RULE(""), S3_SSE_CONF_EMALFORMED, NULL},
    {"two rules",
     OPEN "<Rule>" DFLT(ALG("AES256")) "</Rule><Rule>" DFLT(ALG("AES256")) "</Rule>" CLOSE,
     S3_SSE_CONF_EMALFORMED, NULL},
    {"no algorithm", RULE(DFLT("")), S3_SSE_CONF_EMALFORMED, NULL},
    {"an unknown algorithm", RULE(DFLT(ALG("AES128"))), S3_SSE_CONF_EMALFORMED, NULL},
    {"an algorithm in lower case", RULE(DFLT(ALG("aes256"))), S3_SSE_CONF_EMALFORMED, NULL},
    {"aws:fsx", RULE(DFLT(ALG("aws:fsx"))), S3_SSE_CONF_EMALFORMED, NULL},
    {"two algorithms", RULE(DFLT(ALG("AES256") ALG("aws:kms"))), S3_SSE_CONF_EMALFORMED, NULL},
    {"an empty key", RULE(DFLT(ALG("aws:kms") "<KMSMasterKeyID></KMSMasterKeyID>")),
     S3_SSE_CONF_EMALFORMED, NULL},
    {"a bad boolean", RULE(DFLT(ALG("aws:kms")) "<BucketKeyEnabled>yes</BucketKeyEnabled>"),
     S3_SSE_CONF_EMALFORMED, NULL},
    {"an unknown type",
     RULE("<BlockedEncryptionTypes><EncryptionType>SSE-KMS</EncryptionType>"
          "</BlockedEncryptionTypes>"),
     S3_SSE_CONF_EMALFORMED, NULL},
    {"an unknown element", RULE(DFLT(ALG("AES256")) "<Other/>"), S3_SSE_CONF_EMALFORMED, NULL},
    {"another root", "<CORSConfiguration/>", S3_SSE_CONF_EMALFORMED, NULL},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        s3_sse_conf_t c;
        int rc = s3_sse_conf_parse(cases[i].in, strlen(cases[i].in), &c);
        if (rc != cases[i].rc) fail_msg("%s: rc %d, want %d", cases[i].name, rc, cases[i].rc);
        if (rc != S3_SSE_CONF_OK) continue;
        buf_t b = BUF_INIT;
        s3_sse_conf_serialize(&c, &b);
        if (strcmp(b.p, cases[i].out) != 0)
            fail_msg("%s:\n got %s\nwant %s", cases[i].name, b.p, cases[i].out);
        /* The canonical form reads back to itself. */
        s3_sse_conf_t c2;
        assert_int_equal(s3_sse_conf_parse(b.p, b.len, &c2), S3_SSE_CONF_OK);
        buf_t b2 = BUF_INIT;
        s3_sse_conf_serialize(&c2, &b2);
        assert_string_equal(b2.p, b.p);
        buf_free(&b);
        buf_free(&b2);
        s3_sse_conf_free(&c);
        s3_sse_conf_free(&c2);
    }
}

/* Every prefix of a valid document is refused, never half taken. */
static void test_every_prefix_is_refused(void **state)
{
    (void)state;
    static const char in[] =
        RULE(DFLT(ALG("aws:kms") "<KMSMasterKeyID>k</KMSMasterKeyID>") "<BucketKeyEnabled>true</"
                                                                       "BucketKeyEnabled>");
    for (size_t n = 0; n < sizeof in - 1; n++) {
        s3_sse_conf_t c;
        assert_int_not_equal(s3_sse_conf_parse(in, n, &c), S3_SSE_CONF_OK);
    }
    s3_sse_conf_t c;
    assert_int_equal(s3_sse_conf_parse(in, sizeof in - 1, &c), S3_SSE_CONF_OK);
    assert_string_equal(c.alg, "aws:kms");
    assert_string_equal(c.kms_key, "k");
    assert_int_equal(c.bucket_key, 1);
    s3_sse_conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_every_prefix_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
