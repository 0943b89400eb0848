/* Two one-value bucket settings: who pays for requests
 * (Put/GetBucketRequestPayment, document "requestPayment") and Transfer
 * Acceleration (Put/GetBucketAccelerateConfiguration, document
 * "accelerate"). fakes3 keeps and answers them; only the website endpoint
 * acts on one: a requester-pays bucket's website answers 403 (webserve.c).
 *
 * As S3: Payer is BucketOwner or Requester, and a bucket that never set it
 * answers BucketOwner; Status is Enabled or Suspended in that letter case
 * (anything else MalformedXML), a bucket that never set it answers an empty
 * AccelerateConfiguration, and a bucket whose name has a period is refused
 * before its body is looked at (localstack's recorded
 * TestS3BucketAccelerateConfiguration, tests/aws/services/s3/test_s3_api.py). */
#include <stdlib.h>
#include <string.h>

#include "s3/confdoc.h"

#define PAYMENT    "requestPayment"
#define PAYMENT_RT "RequestPaymentConfiguration"
#define ACCEL      "accelerate"
#define ACCEL_RT   "AccelerateConfiguration"

static const char *const payers[] = {"Requester", "BucketOwner", NULL};
static const confxml_elem_t payment[] = {
    {"Payer", 1, 1, CONFXML_TEXT, NULL, payers, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t payment_root = {PAYMENT_RT, 1, 1, CONFXML_STRUCT, payment, NULL, NULL};

static const char *const statuses[] = {"Enabled", "Suspended", NULL};
static const confxml_elem_t accel[] = {
    {"Status", 1, 1, CONFXML_TEXT, NULL, statuses, NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
static const confxml_elem_t accel_root = {ACCEL_RT, 1, 1, CONFXML_STRUCT, accel, NULL, NULL};

static void put(s3_req_t *r, http_response_t *resp, const confxml_elem_t *root, const char *name)
{
    confxml_node_t *n;
    if (confdoc_read(r, resp, root, &n)) return;
    if (confdoc_store(r, resp, name, n, root) == 0) confdoc_ok(resp, 200);
    confxml_free(n);
}

void s3_put_request_payment(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    put(r, resp, &payment_root, PAYMENT);
}

void s3_get_request_payment(s3_req_t *r, http_response_t *resp)
{
    store_t *st = r->srv->store;
    char *doc = NULL;
    size_t len = 0;
    int rc = st->ops->conf_get(st, r->t.bucket, PAYMENT, &doc, &len);
    if (rc && rc != STORE_ENOCONF) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, PAYMENT_RT);
    if (doc)
        buf_append(&b, doc, len);
    else
        buf_puts(&b, "<Payer>BucketOwner</Payer>");
    buf_puts(&b, "</" PAYMENT_RT ">");
    free(doc);
    s3_send_xml(resp, 200, &b);
}

void s3_put_accelerate(s3_req_t *r, http_response_t *resp)
{
    if (s3_need_bucket(r, resp)) return;
    if (strchr(r->t.bucket, '.')) {
        s3_err_msg(r, resp, S3E_INVALID_REQUEST,
                   "S3 Transfer Acceleration is not supported for buckets with periods (.) in "
                   "their names");
        return;
    }
    put(r, resp, &accel_root, ACCEL);
}

void s3_get_accelerate(s3_req_t *r, http_response_t *resp)
{
    confdoc_answer(r, resp, ACCEL, ACCEL_RT, S3E_NONE);
}
