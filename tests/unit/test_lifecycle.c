/* lifecycle: reading and validating LifecycleConfiguration documents (every
 * refusal with S3's code and message), the form Get answers, and when a
 * rule's actions fall due for an object. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "s3/lifecycle.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define OPEN     "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define CLOSE    "</LifecycleConfiguration>"
#define DECL     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static const lc_clock_t s3_days = {LC_DAY_MS, 1};
static const lc_clock_t seconds = {1000, 0};

static int parse(const char *xml, lc_config_t *c, char *msg, size_t ml)
{
    return lc_parse(xml, strlen(xml), c, msg, ml);
}

/* ms since the epoch of a UTC date-time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) * 1000;
}

static void test_parse_serialize_and_read_back(void **state)
{
    (void)state;
    static const char in[] =
        "<?xml version=\"1.0\"?>\n" OPEN
        "<Rule><ID>logs &amp; more</ID><Filter><And><Prefix>logs/</Prefix>"
        "<Tag><Key>k</Key><Value>v w</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag>"
        "<ObjectSizeGreaterThan> 10 </ObjectSizeGreaterThan></And></Filter>"
        "<Status> Enabled </Status><Expiration><Days>365</Days></Expiration>"
        "<Transition><StorageClass>GLACIER</StorageClass><Days>90</Days></Transition>"
        "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
        "<NoncurrentVersionTransition><NoncurrentDays>40</NoncurrentDays><StorageClass>ONEZONE_IA"
        "</StorageClass><NewerNoncurrentVersions>2</NewerNoncurrentVersions>"
        "</NoncurrentVersionTransition>"
        "<NoncurrentVersionExpiration><NewerNoncurrentVersions>5</NewerNoncurrentVersions>"
        "<NoncurrentDays>100</NoncurrentDays></NoncurrentVersionExpiration></Rule>"
        "<Rule><Filter></Filter><Status>Disabled</Status><Expiration><ExpiredObjectDeleteMarker>"
        "true</ExpiredObjectDeleteMarker></Expiration><AbortIncompleteMultipartUpload>"
        "<DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
        "<Rule><ID>d</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
        "<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>" CLOSE;
    lc_config_t c;
    char msg[512];
    assert_int_equal(parse(in, &c, msg, sizeof msg), LC_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.rules[0].id, "logs & more");
    assert_int_equal(c.rules[0].f.how, LC_F_AND);
    assert_int_equal(c.rules[0].f.ntags, 2);
    assert_int_equal(c.rules[0].f.gt, 10);
    assert_int_equal(c.rules[0].f.lt, -1);
    /* a rule given no ID gets S3's kind: base64 of a UUID, 48 characters */
    assert_int_equal(strlen(c.rules[1].id), 48);
    assert_int_equal(c.rules[1].enabled, 0);
    assert_int_equal(c.rules[1].eodm, 1);
    assert_int_equal(c.rules[2].exp_date_ms, utc(2030, 1, 1, 0, 0));
    buf_t b = BUF_INIT;
    lc_serialize(&c, &b);
    buf_t want = BUF_INIT;
    buf_puts(&want, DECL OPEN
             "<Rule><ID>logs &amp; more</ID><Filter><And><Prefix>logs/</Prefix>"
             "<Tag><Key>k</Key><Value>v w</Value></Tag><Tag><Key>k2</Key><Value></Value>"
             "</Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter>"
             "<Status>Enabled</Status>"
             "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
             "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass>"
             "</Transition><NoncurrentVersionTransition><NoncurrentDays>40"
             "</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass>"
             "<NewerNoncurrentVersions>2</NewerNoncurrentVersions>"
             "</NoncurrentVersionTransition><Expiration><Days>365</Days></Expiration>"
             "<NoncurrentVersionExpiration><NoncurrentDays>100</NoncurrentDays>"
             "<NewerNoncurrentVersions>5</NewerNoncurrentVersions>"
             "</NoncurrentVersionExpiration></Rule><Rule><ID>");
    buf_puts(&want, c.rules[1].id);
    buf_puts(&want, "</ID><Filter></Filter><Status>Disabled</Status><Expiration>"
                    "<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"
                    "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation>"
                    "</AbortIncompleteMultipartUpload></Rule><Rule><ID>d</ID><Filter><Prefix>"
                    "</Prefix></Filter><Status>Enabled</Status><Expiration><Date>"
                    "2030-01-01T00:00:00.000Z</Date></Expiration></Rule>" CLOSE);
    assert_string_equal(b.p, want.p);
    /* The stored form reads back to the same answer, ids and all. */
    buf_t stored = BUF_INIT;
    c.by_class = 1;
    lc_store_form(&c, &stored);
    lc_config_t c2;
    assert_int_equal(lc_load(stored.p, stored.len, &c2), LC_OK);
    assert_int_equal(c2.by_class, 1);
    buf_t b2 = BUF_INIT;
    lc_serialize(&c2, &b2);
    assert_string_equal(b2.p, want.p);
    size_t xl;
    const char *x = lc_stored_xml(stored.p, stored.len, &xl);
    assert_int_equal(strncmp(stored.p, LC_MIN_SIZE_BY_CLASS "\n", strlen(LC_MIN_SIZE_BY_CLASS) + 1),
                     0);
    assert_memory_equal(x, b2.p, xl);
    buf_free(&b);
    buf_free(&b2);
    buf_free(&want);
    buf_free(&stored);
    lc_free(&c);
    lc_free(&c2);
}

/* The legacy form: a rule's own Prefix, read back as given. */
static void test_prefix_rules_read_back_as_given(void **state)
{
    (void)state;
    static const char in[] = OPEN "<Rule><ID>a</ID><Prefix>test1/</Prefix><Status>Enabled</Status>"
                                  "<Expiration><Days>31</Days></Expiration></Rule>"
                                  "<Rule><ID>b</ID><Prefix>test2/</Prefix><Status>Disabled</Status>"
                                  "<Expiration><Days>120</Days></Expiration></Rule>" CLOSE;
    lc_config_t c;
    char msg[256];
    assert_int_equal(parse(in, &c, msg, sizeof msg), LC_OK);
    buf_t b = BUF_INIT;
    lc_serialize(&c, &b);
    assert_string_equal(b.p, DECL OPEN
                        "<Rule><ID>a</ID><Prefix>test1/</Prefix><Status>Enabled"
                        "</Status><Expiration><Days>31</Days></Expiration></Rule>"
                        "<Rule><ID>b</ID><Prefix>test2/</Prefix><Status>Disabled"
                        "</Status><Expiration><Days>120</Days></Expiration></Rule>" CLOSE);
    buf_free(&b);
    lc_free(&c);
}

#define R(body) OPEN "<Rule>" body "</Rule>" CLOSE
#define F       "<Filter><Prefix>p/</Prefix></Filter><Status>Enabled</Status>"

static const struct {
    const char *doc;
    int code;
    const char *msg; /* S3's message, for codes other than LC_EMALFORMED */
} bad[] = {
    {"", LC_EMALFORMED, NULL},
    {"<LifecycleConfiguration>", LC_EMALFORMED, NULL},
    {"<Other/>", LC_EMALFORMED, NULL},
    {OPEN CLOSE, LC_EINVALID_REQ, "At least one lifecycle rule should be specified."},
    {R("<Filter/><Status>enabled</Status><Expiration><Days>1</Days></Expiration>"), LC_EMALFORMED,
     NULL},
    {R("<Filter/><Expiration><Days>1</Days></Expiration>"), LC_EMALFORMED, NULL},
    {R("<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), LC_EMALFORMED, NULL},
    {R("<Prefix>a</Prefix><Filter/><Status>Enabled</Status><Expiration><Days>1</Days>"
       "</Expiration>"),
     LC_EMALFORMED, NULL},
    {R("<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"
       "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"),
     LC_EMALFORMED, NULL},
    {R("<Filter><Prefix>a</Prefix><Prefix>b</Prefix></Filter><Status>Enabled</Status>"
       "<Expiration><Days>1</Days></Expiration>"),
     LC_EMALFORMED, NULL},
    {R("<Filter><And></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days>"
       "</Expiration>"),
     LC_EMALFORMED, NULL},
    {R("<Filter><Tag><Key>k</Key></Tag></Filter><Status>Enabled</Status><Expiration><Days>1"
       "</Days></Expiration>"),
     LC_EMALFORMED, NULL},
    {R(F "<Unknown/>"), LC_EMALFORMED, NULL},
    {R(F "<Expiration><Days>x</Days></Expiration>"), LC_EMALFORMED, NULL},
    {R(F "<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>"), LC_EMALFORMED,
     NULL},
    {R(F "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
         "</Expiration>"),
     LC_EMALFORMED, NULL},
    {R(F "<Expiration></Expiration>"), LC_EMALFORMED, NULL},
    {R(F "<Expiration><Date>20200101</Date></Expiration>"), LC_EMALFORMED, NULL},
    {R(F "<Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>"),
     LC_EMALFORMED, NULL},
    {R(F "<Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition>"),
     LC_EMALFORMED, NULL},
    {R(F "<Transition><Days>1</Days></Transition>"), LC_EMALFORMED, NULL},
    {R(F "<Transition><StorageClass>GLACIER</StorageClass></Transition>"), LC_EMALFORMED, NULL},
    {R(F "<NoncurrentVersionExpiration><NewerNoncurrentVersions>1</NewerNoncurrentVersions>"
         "</NoncurrentVersionExpiration>"),
     LC_EMALFORMED, NULL},
    {R(F "<AbortIncompleteMultipartUpload></AbortIncompleteMultipartUpload>"), LC_EMALFORMED, NULL},
    {R(F), LC_EINVALID_REQ, "At least one action needs to be specified in a rule."},
    {R("<ID>"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</ID>" F
       "<Expiration><Days>1</Days></Expiration>"),
     LC_EINVALID_ARG, "ID length should not exceed allowed limit of 255"},
    {OPEN "<Rule><ID>x</ID>" F "<Expiration><Days>1</Days></Expiration></Rule><Rule><ID>x</ID>" F
          "<Expiration><Days>2</Days></Expiration></Rule>" CLOSE,
     LC_EINVALID_ARG, "Rule ID must be unique. Found same ID for more than one rule"},
    {R(F "<Expiration><Days>0</Days></Expiration>"), LC_EINVALID_ARG,
     "'Days' for Expiration action must be a positive integer"},
    {R(F "<Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration>"), LC_EINVALID_ARG,
     "'Date' must be at midnight GMT"},
    {R(F "<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays>"
         "</NoncurrentVersionExpiration>"),
     LC_EINVALID_ARG,
     "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
    {R(F "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>"
         "0</NewerNoncurrentVersions></NoncurrentVersionExpiration>"),
     LC_EINVALID_ARG,
     "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive "
     "integer"},
    {R(F "<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation>"
         "</AbortIncompleteMultipartUpload>"),
     LC_EINVALID_ARG,
     "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
    {R("<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>"
       "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
       "</AbortIncompleteMultipartUpload>"),
     LC_EINVALID_REQ, "AbortIncompleteMultipartUpload cannot be specified with Tags."},
    {R("<Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status>"
       "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
       "</AbortIncompleteMultipartUpload>"),
     LC_EINVALID_REQ, "AbortIncompleteMultipartUpload cannot be specified with Object Size."},
    {R("<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>"
       "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"),
     LC_EINVALID_REQ, "ExpiredObjectDeleteMarker cannot be specified with Tags."},
    {R("<Filter><And><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k</Key><Value>w</Value>"
       "</Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"),
     LC_EINVALID_REQ, "Duplicate Tag Keys are not allowed."},
    {R("<Filter><Tag><Key></Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>"
       "<Expiration><Days>1</Days></Expiration>"),
     LC_EINVALID_TAG, "The TagKey you have provided is invalid"},
    {R("<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10"
       "</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days>"
       "</Expiration>"),
     LC_EINVALID_REQ,
     "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."},
    {R("<Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter><Status>Enabled"
       "</Status><Expiration><Days>1</Days></Expiration>"),
     LC_EINVALID_REQ, "'ObjectSizeGreaterThan' should be between 0 and 1099511627776000."},
    {R(F "<Transition><Days>-1</Days><StorageClass>GLACIER</StorageClass></Transition>"),
     LC_EINVALID_ARG, "'Days' in Transition action must be nonnegative"},
    {R(F "<Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"),
     LC_EINVALID_ARG,
     "'Days' in Transition action must be greater than or equal to 30 for storageClass "
     "'STANDARD_IA'"},
    {R(F "<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>ONEZONE_IA"
         "</StorageClass></NoncurrentVersionTransition>"),
     LC_EINVALID_ARG,
     "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 "
     "for storageClass 'ONEZONE_IA'"},
    {R(F "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"
         "<Transition><Days>2</Days><StorageClass>GLACIER</StorageClass></Transition>"),
     LC_EINVALID_REQ,
     "'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter "
     "'(prefix=p/)'"},
    {R(F "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"
         "<Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass>"
         "</Transition>"),
     LC_EINVALID_REQ,
     "Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule for filter "
     "'(prefix=p/)'"},
    {R(F "<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"
         "<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>"),
     LC_EINVALID_REQ,
     "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for "
     "filter '(prefix=p/)'"},
    {R(F "<Transition><Days>10</Days><StorageClass>GLACIER</StorageClass></Transition>"
         "<Expiration><Days>10</Days></Expiration>"),
     LC_EINVALID_ARG,
     "'Days' in the Expiration action for filter '(prefix=p/)' must be greater than 'Days' in the "
     "Transition action"},
    {R(F "<Transition><Days>40</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
         "<Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition>"),
     LC_EINVALID_ARG,
     "'Days' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=p/)' must be "
     "greater than 'Days' in the Transition action for StorageClass 'STANDARD_IA'"},
    {R(F "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
         "<Transition><Days>59</Days><StorageClass>GLACIER</StorageClass></Transition>"),
     LC_EINVALID_ARG,
     "'Days' in the Transition action for StorageClass 'GLACIER' for filter '(prefix=p/)' must be "
     "30 days more than filter '(prefix=p/)' in the Transition action for StorageClass "
     "'STANDARD_IA'"},
    {R(F "<NoncurrentVersionTransition><NoncurrentDays>5</NoncurrentDays><StorageClass>GLACIER"
         "</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration>"
         "<NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration>"),
     LC_EINVALID_ARG,
     "'NoncurrentDays' in the NoncurrentVersionExpiration action for filter '(prefix=p/)' must be "
     "greater than 'NoncurrentDays' in the NoncurrentVersionTransition action"},
    {OPEN "<Rule>" F "<Expiration><Days>1</Days></Expiration></Rule><Rule><Prefix>a</Prefix>"
          "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>" CLOSE,
     LC_EINVALID_REQ,
     "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the "
     "Filter."},
    {OPEN "<Rule><Prefix>a</Prefix><Status>Enabled</Status><Expiration><Days>1</Days>"
          "</Expiration></Rule><Rule>" F "<Expiration><Days>1</Days></Expiration></Rule>" CLOSE,
     LC_EINVALID_REQ, "Filter element can only be used in Lifecycle V2."},
    {OPEN "<Rule><Prefix>a</Prefix><Status>Enabled</Status><Expiration><Days>1</Days>"
          "</Expiration></Rule><Rule><Prefix>ab</Prefix><Status>Disabled</Status><Expiration>"
          "<Days>2</Days></Expiration></Rule>" CLOSE,
     LC_EINVALID_REQ, "Found overlapping prefixes 'a' and 'ab' for same action type 'Expiration'"},
    {OPEN "<Rule><Prefix>a</Prefix><Status>Enabled</Status><NoncurrentVersionExpiration>"
          "<NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions>"
          "</NoncurrentVersionExpiration></Rule>" CLOSE,
     LC_EINVALID_REQ, "NewerNoncurrentVersions element can only be used in Lifecycle V2."},
};

static void test_bad_documents(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(bad); i++) {
        lc_config_t c;
        char msg[512] = "";
        int rc = parse(bad[i].doc, &c, msg, sizeof msg);
        if (rc != bad[i].code) fail_msg("case %zu: %d, want %d (%s)", i, rc, bad[i].code, msg);
        if (bad[i].msg && strcmp(msg, bad[i].msg) != 0)
            fail_msg("case %zu: message \"%s\", want \"%s\"", i, msg, bad[i].msg);
        lc_free(&c);
    }
}

/* Distinct prefixes, one rule each, are fine up to 1000 rules. */
static void test_rule_count_limit(void **state)
{
    (void)state;
    for (int n = 1000; n <= 1001; n++) {
        buf_t b = BUF_INIT;
        buf_puts(&b, OPEN);
        for (int i = 0; i < n; i++)
            buf_printf(&b,
                       "<Rule><Filter><Prefix>p%d/</Prefix></Filter><Status>Enabled</Status>"
                       "<Expiration><Days>1</Days></Expiration></Rule>",
                       i);
        buf_puts(&b, CLOSE);
        lc_config_t c;
        char msg[256];
        int rc = lc_parse(b.p, b.len, &c, msg, sizeof msg);
        if (n == 1000) {
            assert_int_equal(rc, LC_OK);
            /* every generated ID differs */
            for (int i = 1; i < n; i++)
                assert_string_not_equal(c.rules[i].id, c.rules[i - 1].id);
        } else {
            assert_int_equal(rc, LC_EINVALID_REQ);
            assert_string_equal(
                msg, "Number of lifecycle rules should not exceed allowed limit of 1000 rules.");
        }
        lc_free(&c);
        buf_free(&b);
    }
}

/* Every cut of a valid document is refused, never read past its end. */
static void test_every_prefix_is_refused(void **state)
{
    (void)state;
    static const char doc[] = OPEN "<Rule><ID>r</ID><Filter><Prefix>a</Prefix></Filter><Status>"
                                   "Enabled</Status><Expiration><Days>1</Days></Expiration>"
                                   "</Rule>" CLOSE;
    for (size_t n = 0; n < sizeof doc - 1; n++) {
        char *cut = xmalloc(n ? n : 1);
        memcpy(cut, doc, n);
        lc_config_t c;
        char msg[256];
        assert_int_not_equal(lc_parse(cut, n, &c, msg, sizeof msg), LC_OK);
        lc_free(&c);
        free(cut);
    }
}

/* S3's example: created 2014-01-15 10:30 UTC, 3 days: 2014-01-19 00:00 UTC. */
static void test_due_rounds_to_the_next_midnight(void **state)
{
    (void)state;
    assert_int_equal(lc_due(&s3_days, utc(2014, 1, 15, 10, 30), 3), utc(2014, 1, 19, 0, 0));
    /* a time already at midnight stays there */
    assert_int_equal(lc_due(&s3_days, utc(2014, 1, 15, 0, 0), 3), utc(2014, 1, 18, 0, 0));
    /* --lifecycle-day-seconds: N s a day, no rounding */
    assert_int_equal(lc_due(&seconds, 1234567, 3), 1237567);
}

static void load(const char *rules, lc_config_t *c)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, OPEN "%s" CLOSE, rules);
    char msg[256];
    int rc = lc_parse(b.p, b.len, c, msg, sizeof msg);
    if (rc) fail_msg("%d %s", rc, msg);
    buf_free(&b);
}

static void test_filters(void **state)
{
    (void)state;
    lc_config_t c;
    load("<Rule><ID>t</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k 1</Key><Value>v&amp;w"
         "</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100"
         "</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days>"
         "</Expiration></Rule>",
         &c);
    const lc_rule_t *r = &c.rules[0];
    assert_true(lc_matches(r, "a/x", 3, 50, "z=1&k+1=v%26w", 0));
    assert_true(lc_matches(r, "a/x", 3, 50, "k%201=v%26w", 0));
    assert_false(lc_matches(r, "b/x", 3, 50, "k+1=v%26w", 0));
    assert_false(lc_matches(r, "a/x", 3, 50, "k+1=v", 0));
    assert_false(lc_matches(r, "a/x", 3, 50, NULL, 0));
    assert_false(lc_matches(r, "a/x", 3, 10, "k+1=v%26w", 0));
    assert_false(lc_matches(r, "a/x", 3, 100, "k+1=v%26w", 0));
    /* a delete marker has no tags and no size */
    assert_false(lc_matches(r, "a/x", 3, 0, NULL, 1));
    assert_true(lc_uses_tags(&c));
    lc_free(&c);
}

static void test_expiry_takes_the_first_rule_due(void **state)
{
    (void)state;
    lc_config_t c;
    load("<Rule><ID>late</ID><Filter><Prefix>a</Prefix></Filter><Status>Enabled</Status>"
         "<Expiration><Days>10</Days></Expiration></Rule>"
         "<Rule><ID>off</ID><Filter><Prefix>a/b</Prefix></Filter><Status>Disabled</Status>"
         "<Expiration><Days>1</Days></Expiration></Rule>"
         "<Rule><ID>early</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status>"
         "<Expiration><Days>2</Days></Expiration></Rule>",
         &c);
    int64_t at;
    const lc_rule_t *rule;
    int64_t t = utc(2026, 3, 1, 12, 0);
    assert_true(lc_expiry(&c, &s3_days, "a/b/c", 5, 1, NULL, t, &at, &rule));
    assert_string_equal(rule->id, "early");
    assert_int_equal(at, utc(2026, 3, 4, 0, 0));
    assert_true(lc_expiry(&c, &s3_days, "ax", 2, 1, NULL, t, &at, &rule));
    assert_string_equal(rule->id, "late");
    assert_false(lc_expiry(&c, &s3_days, "b", 1, 1, NULL, t, &at, &rule));
    lc_free(&c);
}

static void test_transitions_go_down_the_waterfall(void **state)
{
    (void)state;
    lc_config_t c;
    load("<Rule><ID>t</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
         "<Transition><Days>1</Days><StorageClass>INTELLIGENT_TIERING</StorageClass></Transition>"
         "<Transition><Days>3</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>",
         &c);
    const uint64_t big = LC_SMALL_OBJECT;
    assert_null(lc_transition_due(&c, &seconds, "k", 1, big, NULL, "", 0, 0, 0, 999));
    assert_string_equal(lc_transition_due(&c, &seconds, "k", 1, big, NULL, "", 0, 0, 0, 1000),
                        "INTELLIGENT_TIERING");
    assert_null(
        lc_transition_due(&c, &seconds, "k", 1, big, NULL, "INTELLIGENT_TIERING", 0, 0, 0, 2000));
    assert_string_equal(
        lc_transition_due(&c, &seconds, "k", 1, big, NULL, "INTELLIGENT_TIERING", 0, 0, 0, 3000),
        "GLACIER");
    /* straight to the furthest class due; never back up */
    assert_string_equal(
        lc_transition_due(&c, &seconds, "k", 1, big, NULL, "STANDARD", 0, 0, 0, 5000), "GLACIER");
    assert_null(lc_transition_due(&c, &seconds, "k", 1, big, NULL, "DEEP_ARCHIVE", 0, 0, 0, 5000));
    /* under 128 KB nothing moves by default; varies_by_storage_class lets
     * small objects go to the Glacier classes */
    assert_null(lc_transition_due(&c, &seconds, "k", 1, big - 1, NULL, "", 0, 0, 0, 5000));
    c.by_class = 1;
    assert_string_equal(lc_transition_due(&c, &seconds, "k", 1, 5, NULL, "", 0, 0, 0, 5000),
                        "GLACIER");
    assert_null(lc_transition_due(&c, &seconds, "k", 1, 5, NULL, "", 0, 0, 0, 2000));
    lc_free(&c);
    /* a rule that names a size decides for itself */
    load("<Rule><ID>t</ID><Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter>"
         "<Status>Enabled</Status><Transition><Days>0</Days><StorageClass>GLACIER_IR"
         "</StorageClass></Transition></Rule>",
         &c);
    assert_string_equal(lc_transition_due(&c, &seconds, "k", 1, 5, NULL, "", 0, 0, 0, 0),
                        "GLACIER_IR");
    assert_null(lc_transition_due(&c, &seconds, "k", 1, 1, NULL, "", 0, 0, 0, 0));
    lc_free(&c);
}

static void test_noncurrent_versions_markers_and_uploads(void **state)
{
    (void)state;
    lc_config_t c;
    load("<Rule><ID>n</ID><Filter><Prefix>v/</Prefix></Filter><Status>Enabled</Status>"
         "<NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays>"
         "<NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
         "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
         "</AbortIncompleteMultipartUpload></Rule>"
         "<Rule><ID>m</ID><Filter><Prefix>m/</Prefix></Filter><Status>Enabled</Status>"
         "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"
         "</Rule><Rule><ID>d</ID><Filter><Prefix>d/</Prefix></Filter><Status>Enabled</Status>"
         "<Expiration><Days>5</Days></Expiration></Rule>",
         &c);
    /* two days after it became noncurrent, with one newer noncurrent version kept */
    assert_false(lc_noncurrent_expired(&c, &seconds, "v/k", 3, 1, NULL, 0, 1000, 1, 2999));
    assert_true(lc_noncurrent_expired(&c, &seconds, "v/k", 3, 1, NULL, 0, 1000, 1, 3000));
    assert_false(lc_noncurrent_expired(&c, &seconds, "v/k", 3, 1, NULL, 0, 1000, 0, 9000));
    assert_false(lc_noncurrent_expired(&c, &seconds, "x/k", 3, 1, NULL, 0, 1000, 1, 9000));
    /* a marker alone: ExpiredObjectDeleteMarker at once, Expiration Days once old enough */
    assert_true(lc_marker_expired(&c, &seconds, "m/k", 3, 0, 0));
    assert_false(lc_marker_expired(&c, &seconds, "d/k", 3, 0, 4999));
    assert_true(lc_marker_expired(&c, &seconds, "d/k", 3, 0, 5000));
    assert_false(lc_marker_expired(&c, &seconds, "v/k", 3, 0, 99999));
    assert_true(lc_aborts_uploads(&c));
    assert_false(lc_upload_expired(&c, &seconds, "v/u", 3, 0, 999));
    assert_true(lc_upload_expired(&c, &seconds, "v/u", 3, 0, 1000));
    assert_false(lc_upload_expired(&c, &seconds, "m/u", 3, 0, 99999));
    lc_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_serialize_and_read_back),
        cmocka_unit_test(test_prefix_rules_read_back_as_given),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_rule_count_limit),
        cmocka_unit_test(test_every_prefix_is_refused),
        cmocka_unit_test(test_due_rounds_to_the_next_midnight),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_expiry_takes_the_first_rule_due),
        cmocka_unit_test(test_transitions_go_down_the_waterfall),
        cmocka_unit_test(test_noncurrent_versions_markers_and_uploads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
