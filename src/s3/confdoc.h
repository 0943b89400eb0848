/* confdoc — what the handlers of schema-checked bucket configurations share
 * (website.c, bucketlogging.c, notification.c, bucketflags.c, replication.c,
 * bucketkeyed.c): the request body read against a confxml schema, the
 * canonical document kept in the store and answered with S3's namespace,
 * and the ids S3 gives rules that name none.
 *
 * A configuration is kept as the children of its root element in canonical
 * form (confxml_write_kids), so that a Get wraps them in the root with its
 * namespace and a List (bucketkeyed.c) in a bare root. Functions that answer
 * return 0 when they did not, -1 after answering an error. Internal to
 * src/s3/. */
#ifndef FAKES3_CONFDOC_H
#define FAKES3_CONFDOC_H

#include "s3/confxml.h"
#include "s3/s3req.h"

/* r's body as a document whose root is root: 0 with *out (free with
 * confxml_free), or -1 after answering MalformedXML. */
int confdoc_read(s3_req_t *r, http_response_t *resp, const confxml_elem_t *root,
                 confxml_node_t **out);
/* Keep n's children in canonical form as the bucket's document name; 0, or
 * -1 after answering the store's error. */
int confdoc_store(s3_req_t *r, http_response_t *resp, const char *name, const confxml_node_t *n,
                  const confxml_elem_t *root);
/* Answer the bucket's document name inside <root xmlns="...">. When the
 * bucket has none: the error none (with BucketName, as S3 names it in these),
 * or, when none is S3E_NONE, an empty root (S3's answer for settings that are
 * never "not found": logging, notifications, acceleration). */
void confdoc_answer(s3_req_t *r, http_response_t *resp, const char *name, const char *root,
                    s3_err_t none);
/* Answer 200 with a kept document (len bytes, may be NULL) inside <root xmlns="...">. */
void confdoc_send(http_response_t *resp, const char *root, const char *doc, size_t len);
/* Remove the bucket's document name and answer status (or the store's error). */
void confdoc_delete(s3_req_t *r, http_response_t *resp, const char *name, int status);
/* Answer status with no body. */
void confdoc_ok(http_response_t *resp, int status);
/* Answer e with <BucketName>. */
void confdoc_err_bucket(s3_req_t *r, http_response_t *resp, s3_err_t e);
/* An id as S3 makes one for a rule or configuration sent without: the
 * base64 of a random UUID's text (48 characters). */
#define CONFDOC_ID_LEN 49
void confdoc_new_id(char out[CONFDOC_ID_LEN]);
/* The bucket an S3 bucket ARN names (arn:<partition>:s3:::<name>, name a
 * valid bucket name): a pointer into arn, or NULL when it is no such ARN. */
const char *confdoc_arn_bucket(const char *arn);

#endif
