/* Bucket event notifications: Put/GetBucketNotificationConfiguration, kept as
 * the document "notification" in S3's canonical form. notify.c sends the
 * events, to the URLs the server maps ARNs to; no destination is checked
 * before the configuration is kept: every well-formed ARN is taken, as S3
 * takes them with x-amz-skip-destination-validation: true, and the
 * s3:TestEvent S3 sends on saving goes out after the answer.
 *
 * As S3 (the answers AWS gave in localstack's recorded tests,
 * tests/aws/services/s3/test_s3_notifications_sqs.py and test_s3_api.py
 * TestS3BucketNotificationConfiguration): an empty NotificationConfiguration
 * removes the configuration; an ARN that is not one of the destination's
 * service answers InvalidArgument "The ARN could not be parsed" naming the
 * element (Topic, Queue, CloudFunction); a filter rule without Name or Value
 * is MalformedXML, a Name other than prefix or suffix (any letter case)
 * InvalidArgument, and the names are answered as Prefix and Suffix; a
 * configuration without an Id gets one. Event names are checked against the
 * list S3 knows (botocore's Event enumeration; an unknown one is
 * MalformedXML, as S3's schema refuses it). Two configurations that share an
 * event type for keys both could match overlap (InvalidArgument, the message
 * AWS gives, quoted in public reports). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "s3/confdoc.h"
#include "s3/notify.h"

#define CONF_NAME      "notification"
#define ROOT           "NotificationConfiguration"
#define MAX_RULE_VALUE 1024

static const char *const events[] = {"s3:ReducedRedundancyLostObject",
                                     "s3:ObjectCreated:*",
                                     "s3:ObjectCreated:Put",
                                     "s3:ObjectCreated:Post",
                                     "s3:ObjectCreated:Copy",
                                     "s3:ObjectCreated:CompleteMultipartUpload",
                                     "s3:ObjectRemoved:*",
                                     "s3:ObjectRemoved:Delete",
                                     "s3:ObjectRemoved:DeleteMarkerCreated",
                                     "s3:ObjectRestore:*",
                                     "s3:ObjectRestore:Post",
                                     "s3:ObjectRestore:Completed",
                                     "s3:Replication:*",
                                     "s3:Replication:OperationFailedReplication",
                                     "s3:Replication:OperationNotTracked",
                                     "s3:Replication:OperationMissedThreshold",
                                     "s3:Replication:OperationReplicatedAfterThreshold",
                                     "s3:ObjectRestore:Delete",
                                     "s3:LifecycleTransition",
                                     "s3:IntelligentTiering",
                                     "s3:ObjectAcl:Put",
                                     "s3:LifecycleExpiration:*",
                                     "s3:LifecycleExpiration:Delete",
                                     "s3:LifecycleExpiration:DeleteMarkerCreated",
                                     "s3:ObjectTagging:*",
                                     "s3:ObjectTagging:Put",
                                     "s3:ObjectTagging:Delete",
                                     NULL};

/* Elements and their order as botocore's NotificationConfiguration has them. */
static const confxml_elem_t rule[] = {
    {"Name", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Value", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t s3key[] = {
    {"FilterRule", 1, 0, CONFXML_STRUCT, rule, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t filter[] = {
    {"S3Key", 1, 1, CONFXML_STRUCT, s3key, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t topic[] = {
    {"Id", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Topic", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Event", 1, 0, CONFXML_TEXT, NULL, events, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, filter, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t queue[] = {
    {"Id", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Queue", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Event", 1, 0, CONFXML_TEXT, NULL, events, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, filter, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t lambda[] = {
    {"Id", 0, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"CloudFunction", 1, 1, CONFXML_TEXT, NULL, NULL, NULL},
    {"Event", 1, 0, CONFXML_TEXT, NULL, events, NULL},
    {"Filter", 0, 1, CONFXML_STRUCT, filter, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t none[] = {
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t notification[] = {
    {"TopicConfiguration", 0, 0, CONFXML_STRUCT, topic, NULL, NULL},
    {"QueueConfiguration", 0, 0, CONFXML_STRUCT, queue, NULL, NULL},
    {"CloudFunctionConfiguration", 0, 0, CONFXML_STRUCT, lambda, NULL, NULL},
    {"EventBridgeConfiguration", 0, 1, CONFXML_STRUCT, none, NULL, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t root = {ROOT, 1, 1, CONFXML_STRUCT, notification, NULL, NULL};

/* The kinds of destination: the element naming it and its ARN's service. */
static const struct {
    const char *conf, *arn, *service;
} kinds[] = {
    {"TopicConfiguration", "Topic", "sns"},
    {"QueueConfiguration", "Queue", "sqs"},
    {"CloudFunctionConfiguration", "CloudFunction", "lambda"},
};

/* arn:<partition>:<service>:<region>:<account>:<resource...> */
static int arn_ok(const char *arn, const char *service)
{
    if (strncmp(arn, "arn:", 4) != 0) return 0;
    const char *p = arn + 4;
    size_t part = strcspn(p, ":");
    if (part == 0 || p[part] != ':') return 0;
    p += part + 1;
    size_t sl = strlen(service);
    if (strncmp(p, service, sl) != 0 || p[sl] != ':') return 0;
    p += sl + 1;
    const char *account = strchr(p, ':'); /* after the region */
    if (!account) return 0;
    const char *resource = strchr(account + 1, ':');
    return resource && resource[1] != '\0';
}

/* The configuration's filter rules checked and their names normalised; 0,
 * or -1 after answering. */
static int check_filter(s3_req_t *r, http_response_t *resp, confxml_node_t *c)
{
    confxml_node_t *key = confxml_path(c, "Filter/S3Key");
    int seen[2] = {0, 0};
    for (size_t i = 0; key && i < key->n; i++) {
        confxml_node_t *name = confxml_get(key->kids[i], "Name");
        int which = strcasecmp(name->text, "prefix") == 0   ? 0
                    : strcasecmp(name->text, "suffix") == 0 ? 1
                                                            : -1;
        if (which < 0) {
            s3_err_arg(r, resp, "filter rule name must be either prefix or suffix",
                       "FilterRule.Name", name->text);
            return -1;
        }
        if (seen[which]++) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                       which ? "Cannot specify more than one suffix rule in a filter."
                             : "Cannot specify more than one prefix rule in a filter.");
            return -1;
        }
        if (strlen(confxml_text(key->kids[i], "Value")) > MAX_RULE_VALUE) {
            s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                       "Size of filter rule value cannot exceed 1024 bytes in UTF-8 "
                       "representation");
            return -1;
        }
        confxml_set(name, which ? "Suffix" : "Prefix");
    }
    return 0;
}

static const char *rule_value(const confxml_node_t *c, const char *name)
{
    const confxml_node_t *key = confxml_path(c, "Filter/S3Key");
    for (size_t i = 0; key && i < key->n; i++)
        if (strcmp(confxml_text(key->kids[i], "Name"), name) == 0)
            return confxml_text(key->kids[i], "Value");
    return "";
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int ends(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return m <= n && strcmp(s + n - m, x) == 0;
}

/* "s3:ObjectCreated:*" covers every s3:ObjectCreated: event. */
static int events_meet(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return 1;
    size_t la = strlen(a), lb = strlen(b);
    if (la > 1 && strcmp(a + la - 2, ":*") == 0 && strncmp(a, b, la - 1) == 0) return 1;
    if (lb > 1 && strcmp(b + lb - 2, ":*") == 0 && strncmp(a, b, lb - 1) == 0) return 1;
    return 0;
}

static int overlap(const confxml_node_t *a, const confxml_node_t *b)
{
    const char *pa = rule_value(a, "Prefix"), *pb = rule_value(b, "Prefix");
    const char *sa = rule_value(a, "Suffix"), *sb = rule_value(b, "Suffix");
    if (!(starts(pa, pb) || starts(pb, pa)) || !(ends(sa, sb) || ends(sb, sa))) return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->kids[i]->name, "Event") != 0) continue;
        for (size_t j = 0; j < b->n; j++)
            if (strcmp(b->kids[j]->name, "Event") == 0 &&
                events_meet(a->kids[i]->text, b->kids[j]->text))
                return 1;
    }
    return 0;
}

static int is_destination(const confxml_node_t *c)
{
    return strcmp(c->name, "EventBridgeConfiguration") != 0;
}

/* 0, or -1 after answering S3's error. */
static int check(s3_req_t *r, http_response_t *resp, confxml_node_t *nc)
{
    for (size_t i = 0; i < nc->n; i++) {
        confxml_node_t *c = nc->kids[i];
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
            if (strcmp(c->name, kinds[k].conf) != 0) continue;
            const char *arn = confxml_text(c, kinds[k].arn);
            if (!arn_ok(arn, kinds[k].service)) {
                s3_err_arg(r, resp, "The ARN could not be parsed", kinds[k].arn, arn);
                return -1;
            }
            if (check_filter(r, resp, c)) return -1;
            confxml_node_t *id = confxml_get(c, "Id");
            if (!id || !id->text[0]) {
                char fresh[CONFDOC_ID_LEN];
                confdoc_new_id(fresh);
                if (id)
                    confxml_set(id, fresh);
                else
                    confxml_add(c, "Id", fresh);
            }
        }
    }
    for (size_t i = 0; i < nc->n; i++)
        for (size_t j = i + 1; j < nc->n; j++)
            if (is_destination(nc->kids[i]) && is_destination(nc->kids[j]) &&
                overlap(nc->kids[i], nc->kids[j])) {
                s3_err_msg(r, resp, S3E_INVALID_ARGUMENT,
                           "Configurations overlap. Configurations on the same bucket cannot "
                           "share a common event type.");
                return -1;
            }
    return 0;
}

void s3_put_notification(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    confxml_node_t *nc;
    if (confdoc_read(r, resp, &root, &nc)) return;
    if (nc->n == 0) {
        /* An empty configuration turns every notification off. */
        store_t *st = r->srv->store;
        int rc = st->ops->conf_delete(st, r->t.bucket, CONF_NAME);
        if (rc) {
            s3_err(r, resp, s3_err_from_store(rc));
        } else {
            s3_notifier_changed(r->srv->notify);
            confdoc_ok(resp, 200);
        }
    } else if (check(r, resp, nc) == 0 && confdoc_store(r, resp, CONF_NAME, nc, &root) == 0) {
        s3_notifier_changed(r->srv->notify);
        s3_notify_test(r);
        confdoc_ok(resp, 200);
    }
    confxml_free(nc);
}

void s3_notif_confs_free(s3_notif_conf_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].id);
        free(c[i].arn);
        for (size_t k = 0; k < c[i].nevents; k++)
            free(c[i].events[k]);
        free(c[i].events);
        free(c[i].prefix);
        free(c[i].suffix);
    }
    free(c);
}

int s3_notification_confs(const char *doc, size_t len, s3_notif_conf_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* Kept as the root's children (confdoc.h). */
    buf_t x = BUF_INIT;
    buf_puts(&x, "<" ROOT ">");
    buf_append(&x, doc, len);
    buf_puts(&x, "</" ROOT ">");
    confxml_node_t *nc;
    int rc = confxml_parse(x.p, x.len, &root, &nc);
    buf_free(&x);
    if (rc) return -1;
    s3_notif_conf_t *v = xcalloc(nc->n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < nc->n; i++) {
        const confxml_node_t *c = nc->kids[i];
        for (int kind = 0; kind < (int)(sizeof kinds / sizeof *kinds); kind++) {
            if (strcmp(c->name, kinds[kind].conf) != 0) continue;
            s3_notif_conf_t *t = &v[k++];
            t->kind = kind == 0 ? S3_NOTIF_TOPIC : kind == 1 ? S3_NOTIF_QUEUE : S3_NOTIF_LAMBDA;
            const char *id = confxml_text(c, "Id");
            t->id = xstrdup(id ? id : "");
            t->arn = xstrdup(confxml_text(c, kinds[kind].arn));
            t->events = xcalloc(c->n, sizeof *t->events);
            for (size_t e = 0; e < c->n; e++)
                if (strcmp(c->kids[e]->name, "Event") == 0)
                    t->events[t->nevents++] = xstrdup(c->kids[e]->text);
            const char *p = rule_value(c, "Prefix"), *s = rule_value(c, "Suffix");
            t->prefix = *p ? xstrdup(p) : NULL;
            t->suffix = *s ? xstrdup(s) : NULL;
        }
    }
    confxml_free(nc);
    *out = v;
    *n = k;
    return 0;
}

void s3_get_notification(s3_req_t *r, http_response_t *resp)
{
    /* None set answers an empty NotificationConfiguration. */
    confdoc_answer(r, resp, CONF_NAME, ROOT, S3E_NONE);
}
