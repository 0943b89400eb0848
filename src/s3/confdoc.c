/* confdoc — see confdoc.h. */
#include "s3/confdoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

int confdoc_read(s3_req_t *r, http_response_t *resp, const confxml_elem_t *root,
                 confxml_node_t **out)
{
    if (confxml_parse(r->body.p ? r->body.p : "", r->body.len, root, out) == 0) return 0;
    s3_err(r, resp, S3E_MALFORMED_XML);
    return -1;
}

int confdoc_store(s3_req_t *r, http_response_t *resp, const char *name, const confxml_node_t *n,
                  const confxml_elem_t *root)
{
    buf_t doc = BUF_INIT;
    confxml_write_kids(n, root, &doc);
    store_t *st = r->srv->store;
    int rc = st->ops->conf_put(st, r->t.bucket, name, doc.p ? doc.p : "", doc.len);
    buf_free(&doc);
    if (rc == STORE_OK) return 0;
    s3_err(r, resp, s3_err_from_store(rc));
    return -1;
}

void confdoc_err_bucket(s3_req_t *r, http_response_t *resp, s3_err_t e)
{
    buf_t x = BUF_INIT;
    s3_xml_elem_s(&x, "BucketName", r->t.bucket);
    s3_err_full(r, resp, e, NULL, x.p);
    buf_free(&x);
}

void confdoc_answer(s3_req_t *r, http_response_t *resp, const char *name, const char *root,
                    s3_err_t none)
{
    store_t *st = r->srv->store;
    char *doc = NULL;
    size_t len = 0;
    int rc = st->ops->conf_get(st, r->t.bucket, name, &doc, &len);
    if (rc == STORE_ENOCONF && none != S3E_NONE) {
        confdoc_err_bucket(r, resp, none);
        return;
    }
    if (rc && rc != STORE_ENOCONF) {
        s3_err(r, resp, s3_err_from_store(rc));
        return;
    }
    confdoc_send(resp, root, doc, len);
    free(doc);
}

void confdoc_send(http_response_t *resp, const char *root, const char *doc, size_t len)
{
    buf_t b = BUF_INIT;
    s3_xml_begin(&b, root);
    if (doc) buf_append(&b, doc, len);
    buf_printf(&b, "</%s>", root);
    s3_send_xml(resp, 200, &b);
}

void confdoc_delete(s3_req_t *r, http_response_t *resp, const char *name, int status)
{
    s3_conf_delete(r, resp, name, status);
}

void confdoc_ok(http_response_t *resp, int status)
{
    http_resp_status(resp, status);
    http_resp_ready(resp);
}

void confdoc_new_id(char out[CONFDOC_ID_LEN])
{
    unsigned char u[16];
    util_random(u, sizeof u);
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char text[37];
    snprintf(text, sizeof text,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    util_base64((const unsigned char *)text, 36, out);
}

const char *confdoc_arn_bucket(const char *arn)
{
    static const char *const partitions[] = {"aws",       "aws-cn",    "aws-us-gov", "aws-iso",
                                             "aws-iso-b", "aws-iso-e", "aws-iso-f",  "aws-eusc"};
    if (strncmp(arn, "arn:", 4) != 0) return NULL;
    const char *p = arn + 4;
    size_t plen = strcspn(p, ":");
    int known = 0;
    for (size_t i = 0; i < sizeof partitions / sizeof *partitions; i++)
        if (strlen(partitions[i]) == plen && strncmp(partitions[i], p, plen) == 0) known = 1;
    if (!known || strncmp(p + plen, ":s3:::", 6) != 0) return NULL;
    const char *name = p + plen + 6;
    return s3_bucket_name_ok(name) ? name : NULL;
}
