/* Server access logging and event notifications: the pure parts (operation
 * names, log object keys, event matching, key encoding, the stored documents
 * read back) and the configuration cache over a real store. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "s3/accesslog_delivery.h"
#include "s3/confcache.h"
#include "s3/notify.h"
#include "unit_store.h"

static void test_operation_names(void **state)
{
    (void)state;
    static const struct {
        const char *method, *op, *sub;
        int object, copy;
        const char *want;
    } cases[] = {
        {"GET", "GetObject", NULL, 1, 0, "REST.GET.OBJECT"},
        {"HEAD", "HeadObject", NULL, 1, 0, "REST.HEAD.OBJECT"},
        {"PUT", "PutObject", NULL, 1, 0, "REST.PUT.OBJECT"},
        {"PUT", "PutObject", NULL, 1, 1, "REST.COPY.OBJECT"},
        {"PUT", "UploadPart", "uploadId", 1, 1, "REST.COPY.PART"},
        {"PUT", "UploadPart", "uploadId", 1, 0, "REST.PUT.PART"},
        {"POST", "CreateMultipartUpload", "uploads", 1, 0, "REST.POST.UPLOADS"},
        {"POST", "CompleteMultipartUpload", "uploadId", 1, 0, "REST.POST.UPLOAD"},
        {"DELETE", "AbortMultipartUpload", "uploadId", 1, 0, "REST.DELETE.UPLOAD"},
        {"GET", "ListParts", "uploadId", 1, 0, "REST.GET.UPLOAD"},
        {"GET", "ListObjects", NULL, 0, 0, "REST.GET.BUCKET"},
        {"HEAD", "HeadBucket", NULL, 0, 0, "REST.HEAD.BUCKET"},
        {"PUT", "CreateBucket", NULL, 0, 0, "REST.PUT.BUCKET"},
        {"POST", "PostObject", NULL, 0, 0, "REST.POST.BUCKET"},
        {"POST", "DeleteObjects", "delete", 0, 0, "REST.POST.MULTI_OBJECT_DELETE"},
        {"GET", "GetBucketVersioning", "versioning", 0, 0, "REST.GET.VERSIONING"},
        {"GET", "ListObjectVersions", "versions", 0, 0, "REST.GET.BUCKETVERSIONS"},
        {"PUT", "PutBucketLogging", "logging", 0, 0, "REST.PUT.LOGGING_STATUS"},
        {"GET", "GetBucketPolicy", "policy", 0, 0, "REST.GET.BUCKETPOLICY"},
        {"GET", "GetObjectTagging", "tagging", 1, 0, "REST.GET.OBJECT_TAGGING"},
        {"GET", "GetBucketTagging", "tagging", 0, 0, "REST.GET.TAGGING"},
        {"GET", "GetBucketAcl", "acl", 0, 0, "REST.GET.ACL"},
        {"PUT", "PutBucketNotificationConfiguration", "notification", 0, 0,
         "REST.PUT.NOTIFICATION"},
        /* by sub-resource when the table has no row */
        {"GET", "GetBucketCors", "cors", 0, 0, "REST.GET.CORS"},
        {"GET", "GetBucketIntelligentTieringConfiguration", "intelligent-tiering", 0, 0,
         "REST.GET.INTELLIGENT_TIERING"},
        /* not routed: the method and what the target names */
        {"PATCH", NULL, NULL, 1, 0, "REST.PATCH.OBJECT"},
        {"GET", NULL, "select", 1, 0, "REST.GET.SELECT"},
        {"OPTIONS", NULL, NULL, 1, 0, "REST.OPTIONS.PREFLIGHT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_t b = BUF_INIT;
        s3_logd_operation(&b, cases[i].method, cases[i].op, cases[i].sub, cases[i].object,
                          cases[i].copy);
        if (strcmp(b.p, cases[i].want) != 0)
            fail_msg("%s %s: %s, want %s", cases[i].method, cases[i].op ? cases[i].op : "-", b.p,
                     cases[i].want);
        buf_free(&b);
    }
}

static void test_log_object_keys(void **state)
{
    (void)state;
    /* 2026-02-03T04:05:06.789Z */
    int64_t ms = 1770091506789LL;
    buf_t b = BUF_INIT;
    s3_logd_object_key(&b, "logs/", 0, 0, "111122223333", "eu-west-1", "src", ms,
                       "E568B2907131C0C0");
    assert_string_equal(b.p, "logs/2026-02-03-04-05-06-E568B2907131C0C0");
    buf_reset(&b);
    s3_logd_object_key(&b, "", 0, 0, NULL, NULL, NULL, ms, "AB");
    assert_string_equal(b.p, "2026-02-03-04-05-06-AB");
    buf_reset(&b);
    s3_logd_object_key(&b, "p/", 1, 0, "111122223333", "eu-west-1", "src", ms, "AB");
    assert_string_equal(b.p, "p/111122223333/eu-west-1/src/2026/02/03/2026-02-03-04-05-06-AB");
    buf_reset(&b);
    /* EventTime: the day of the events, 00-00-00 */
    s3_logd_object_key(&b, "p/", 1, 1, "111122223333", "eu-west-1", "src", ms, "AB");
    assert_string_equal(b.p, "p/111122223333/eu-west-1/src/2026/02/03/2026-02-03-00-00-00-AB");
    buf_free(&b);
}

static void test_event_matching(void **state)
{
    (void)state;
    assert_true(s3_notify_event_matches("s3:ObjectCreated:*", "ObjectCreated:Put"));
    assert_true(s3_notify_event_matches("s3:ObjectCreated:*", "ObjectCreated:Copy"));
    assert_true(
        s3_notify_event_matches("s3:ObjectCreated:*", "ObjectCreated:CompleteMultipartUpload"));
    assert_true(s3_notify_event_matches("s3:ObjectCreated:Post", "ObjectCreated:Post"));
    assert_false(s3_notify_event_matches("s3:ObjectCreated:Post", "ObjectCreated:Put"));
    assert_false(s3_notify_event_matches("s3:ObjectCreated:*", "ObjectRemoved:Delete"));
    assert_true(s3_notify_event_matches("s3:ObjectRemoved:*", "ObjectRemoved:Delete"));
    assert_true(s3_notify_event_matches("s3:ObjectRemoved:*", "ObjectRemoved:DeleteMarkerCreated"));
    assert_false(
        s3_notify_event_matches("s3:ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated"));
    assert_false(s3_notify_event_matches("s3:ObjectRemoved:*", "ObjectRemoved:"));
    assert_false(s3_notify_event_matches("ObjectCreated:Put", "ObjectCreated:Put"));
    assert_false(s3_notify_event_matches("s3:Object*", "ObjectCreated:Put"));

    assert_true(s3_notify_filter_matches("in/a.jpg", 8, "in/", ".jpg"));
    assert_true(s3_notify_filter_matches("in/a.jpg", 8, NULL, NULL));
    assert_true(s3_notify_filter_matches("in/a.jpg", 8, "", ".jpg"));
    assert_false(s3_notify_filter_matches("in/a.png", 8, "in/", ".jpg"));
    assert_false(s3_notify_filter_matches("out/a.jpg", 9, "in/", NULL));
    assert_false(s3_notify_filter_matches("in", 2, "in/", NULL));
    assert_false(s3_notify_filter_matches("g", 1, NULL, ".jpg"));
    /* prefix and suffix may overlap in a short key */
    assert_true(s3_notify_filter_matches("abc", 3, "ab", "bc"));
    /* case matters, as key names do */
    assert_false(s3_notify_filter_matches("IN/a.jpg", 8, "in/", NULL));
}

static void test_event_key_encoding(void **state)
{
    (void)state;
    static const struct {
        const char *key, *want;
    } cases[] = {
        {"HappyFace.jpg", "HappyFace.jpg"},
        {"red flower.jpg", "red+flower.jpg"}, /* the guide's example */
        {"a@b", "a%40b"},                     /* as AWS sent it to localstack's test */
        {"testupload/dir1/testfile.txt", "testupload/dir1/testfile.txt"},
        {"a+b", "a%2Bb"},
        {"caf\xc3\xa9", "caf%C3%A9"},
        {"x=1&y", "x%3D1%26y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_t b = BUF_INIT;
        s3_notify_key(&b, cases[i].key, strlen(cases[i].key));
        assert_string_equal(b.p, cases[i].want);
        buf_free(&b);
    }
}

static void test_stored_notification_read_back(void **state)
{
    (void)state;
    /* the canonical form notification.c keeps: the root's children */
    static const char doc[] =
        "<TopicConfiguration><Id>t1</Id><Topic>arn:aws:sns:us-east-1:1:t</Topic>"
        "<Event>s3:ObjectRemoved:*</Event></TopicConfiguration>"
        "<QueueConfiguration><Id>q1</Id><Queue>arn:aws:sqs:us-east-1:1:q</Queue>"
        "<Event>s3:ObjectCreated:Put</Event><Event>s3:ObjectCreated:Post</Event>"
        "<Filter><S3Key><FilterRule><Name>Prefix</Name><Value>in/</Value></FilterRule>"
        "<FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter>"
        "</QueueConfiguration>"
        "<CloudFunctionConfiguration><Id>l1</Id>"
        "<CloudFunction>arn:aws:lambda:us-east-1:1:function:f</CloudFunction>"
        "<Event>s3:ObjectCreated:Copy</Event></CloudFunctionConfiguration>"
        "<EventBridgeConfiguration></EventBridgeConfiguration>";
    s3_notif_conf_t *c;
    size_t n;
    assert_int_equal(s3_notification_confs(doc, strlen(doc), &c, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(c[0].kind, S3_NOTIF_TOPIC);
    assert_string_equal(c[0].id, "t1");
    assert_string_equal(c[0].arn, "arn:aws:sns:us-east-1:1:t");
    assert_int_equal(c[0].nevents, 1);
    assert_null(c[0].prefix);
    assert_int_equal(c[1].kind, S3_NOTIF_QUEUE);
    assert_int_equal(c[1].nevents, 2);
    assert_string_equal(c[1].events[1], "s3:ObjectCreated:Post");
    assert_string_equal(c[1].prefix, "in/");
    assert_string_equal(c[1].suffix, ".jpg");
    assert_int_equal(c[2].kind, S3_NOTIF_LAMBDA);
    assert_string_equal(c[2].arn, "arn:aws:lambda:us-east-1:1:function:f");
    s3_notif_confs_free(c, n);
    assert_int_equal(s3_notification_confs("<Nonsense/>", 11, &c, &n), -1);
}

static void test_stored_logging_read_back(void **state)
{
    (void)state;
    static const char simple[] = "<LoggingEnabled><TargetBucket>logs</TargetBucket>"
                                 "<TargetPrefix>access/</TargetPrefix></LoggingEnabled>";
    s3_log_target_t t;
    assert_int_equal(s3_logging_target(simple, strlen(simple), &t), 0);
    assert_string_equal(t.bucket, "logs");
    assert_string_equal(t.prefix, "access/");
    assert_false(t.partitioned);
    free(t.prefix);
    static const char part[] =
        "<LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix></TargetPrefix>"
        "<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>DeliveryTime"
        "</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat></LoggingEnabled>";
    assert_int_equal(s3_logging_target(part, strlen(part), &t), 0);
    assert_string_equal(t.prefix, "");
    assert_true(t.partitioned);
    assert_true(t.delivery_time);
    free(t.prefix);
    static const char event[] =
        "<LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>x</TargetPrefix>"
        "<TargetObjectKeyFormat><PartitionedPrefix/></TargetObjectKeyFormat></LoggingEnabled>";
    assert_int_equal(s3_logging_target(event, strlen(event), &t), 0);
    assert_true(t.partitioned);
    assert_false(t.delivery_time); /* EventTime is the default */
    free(t.prefix);
    /* logging off: an empty status */
    assert_int_equal(s3_logging_target("", 0, &t), -1);
}

static int setup(void **state)
{
    return unit_store_setup(state, "/tmp/fakes3-delivery-XXXXXX");
}

/* A bucket with the document is known at start; one that gets it later is
 * known once the change is told; one that loses it likewise. */
static void test_confcache(void **state)
{
    fx_t *f = *state;
    store_options_t so = {0};
    f->st = unit_store_open(f->root, &so);
    store_t *st = f->st;
    assert_int_equal(st->ops->bucket_create(st, "a", "", ""), 0);
    assert_int_equal(st->ops->bucket_create(st, "b", "", ""), 0);

    s3_confcache_t *c = s3_confcache_new(st, "logging");
    assert_false(s3_confcache_has(c, "a"));
    assert_false(s3_confcache_has(c, "nosuch"));
    assert_int_equal(st->ops->conf_put(st, "a", "logging", "x", 1), 0);
    /* not told yet: the remembered answer (no bucket had one) */
    assert_false(s3_confcache_has(c, "a"));
    s3_confcache_changed(c);
    assert_true(s3_confcache_has(c, "a"));
    assert_false(s3_confcache_has(c, "b"));
    assert_int_equal(st->ops->conf_delete(st, "a", "logging"), 0);
    assert_true(s3_confcache_has(c, "a")); /* remembered */
    s3_confcache_changed(c);
    assert_false(s3_confcache_has(c, "a"));
    /* many names: the table starts over instead of growing */
    char name[16];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "n%d", i);
        assert_false(s3_confcache_has(c, name));
    }
    assert_int_equal(st->ops->conf_put(st, "b", "logging", "x", 1), 0);
    s3_confcache_changed(c);
    assert_true(s3_confcache_has(c, "b"));
    s3_confcache_free(c);

    /* a store that already has one: known from the start */
    c = s3_confcache_new(st, "logging");
    assert_true(s3_confcache_has(c, "b"));
    assert_false(s3_confcache_has(c, "a"));
    s3_confcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operation_names),
        cmocka_unit_test(test_log_object_keys),
        cmocka_unit_test(test_event_matching),
        cmocka_unit_test(test_event_key_encoding),
        cmocka_unit_test(test_stored_notification_read_back),
        cmocka_unit_test(test_stored_logging_read_back),
        cmocka_unit_test_setup_teardown(test_confcache, setup, unit_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
