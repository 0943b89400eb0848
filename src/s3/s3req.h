/* s3req — what the S3 layer's handler files share: the request context,
 * error answers, query access, XML helpers and the operation type.
 * Internal to src/s3/. */
#ifndef FAKES3_S3REQ_H
#define FAKES3_S3REQ_H

#include <stdint.h>

#include "http/http.h"
#include "lib/buf.h"
#include "s3/addr.h"
#include "s3/query.h"
#include "s3/s3.h"
#include "store/store.h"

typedef enum s3_err {
    S3E_NONE = 0,
#define S3_ERR(e, code, status, msg) S3E_##e,
#include "s3/errors.def"
#undef S3_ERR
    S3E_COUNT
} s3_err_t;

/* The thread that commits multipart completions (complete.c). */
typedef struct s3_completer s3_completer_t;
s3_completer_t *s3_completer_start(void);
/* Finish what is queued, then stop. */
void s3_completer_stop(s3_completer_t *c);

struct s3_server {
    store_t *store;
    s3_completer_t *completer;
    struct s3_logd *logd;       /* server access log delivery (accesslog_delivery.h) */
    struct s3_notifier *notify; /* event notifications (notify.h); NULL: no webhook */
    char **bases;
    size_t nbase;
    int strict, quiet;
    int legacy_defaults;   /* new buckets get pre-2023 defaults (ObjectWriter, no PAB) */
    int sse_c_require_tls; /* SSE-C only over HTTPS, as S3 */
    double rate_limit;
    const struct auth_users *users; /* borrowed; NULL or empty: open mode */
    char *region;
    char *cors_origin, *cors_methods, *cors_preflight, *cors_postput, *cors_expose;
    /* lifecycle: the length of a day in seconds (0: S3's, rounded to
     * midnights); whether any bucket may have a configuration (set at start
     * and by PutBucketLifecycleConfiguration; atomic) */
    unsigned lifecycle_day_seconds;
    /* which buckets have a lifecycle configuration (GET and HEAD announce
     * expirations only for those) */
    struct s3_confcache *lifecycle;
    /* the control namespace's hooks (s3.h); NULL: --no-control */
    const s3_hooks_t *hooks;
};

struct s3_req;
typedef struct s3_op {
    const char *method;
    int level;        /* S3_SERVICE, S3_BUCKET or S3_OBJECT */
    const char *sub;  /* the sub-resource it answers, or NULL */
    const char *name; /* the S3 operation name */
    /* the policy action access_check judges ("s3:GetObject"); per_key: the
     * handler asks for each key itself (DeleteObjects) */
    const char *action;
    int per_key;
    /* Head read: validate, prepare; return non-zero once resp is ready. */
    int (*start)(struct s3_req *r, http_response_t *resp);
    /* Body bytes; NULL buffers the body (up to S3_MAX_XML_BODY) in r->body. */
    int (*body)(struct s3_req *r, const char *data, size_t n, http_response_t *resp);
    /* The body is complete: answer. */
    void (*finish)(struct s3_req *r, http_response_t *resp);
} s3_op_t;

enum { S3_SERVICE, S3_BUCKET, S3_OBJECT };
/* The operation table (s3.c), for tests that walk it. */
const s3_op_t *s3_ops(size_t *n);
#define S3_MAX_XML_BODY (1024 * 1024)
#define S3_MAX_KEY      1024
#define S3_MAX_PUT      (5ULL * 1024 * 1024 * 1024)

typedef struct s3_req {
    s3_server_t *srv;
    http_request_t *http;
    const char *method;
    char reqid[17];
    char hostid[48];
    addr_target_t t;
    s3_qparam_t *q;
    size_t nq;
    const s3_op_t *op;
    /* who sent it: NULL for anonymous (and in the open mode) */
    const struct auth_user *user;
    /* ?versionId= of an object request (never ""), or NULL */
    const char *vid;
    /* the object lock document a write gives its version (objectlock.c), or NULL */
    char *lock;
    /* the tag set a write gives its version, or that PutObjectTagging asks
     * for (tagging.c), or NULL */
    char *tags;
    /* the access decisions taken, for the access log ("" in the open mode) */
    char why[384];
    /* the error answered (S3E_NONE: none), the time the answer took to make
     * once the request was read, and the size of the object read or
     * written, for server access logging */
    s3_err_t err;
    int64_t turn_us;
    int has_obj_size;
    uint64_t obj_size;
    /* chunk signatures to verify in an aws-chunked body (payload.h), or NULL */
    const struct s3_payload_verify *verify;
    void *verify_ctx; /* owned by s3.c */
    /* body */
    buf_t body;
    uint64_t received;
    int body_overflow;
    /* PutObject */
    store_put_t *put;
    struct s3_payload *payload;
    store_cond_t cond;
    char cond_etag[48];
    int is_copy;
    /* the encryption of the object or part being written (sse.h), or NULL */
    struct s3_sse *sse;
    /* an operation's own state (PostObject); on_done calls op_free(op_ctx) */
    void *op_ctx;
    void (*op_free)(void *ctx);
    /* a request of the website listener: webserve.c's state (also op_ctx),
     * and errors are its HTML pages; NULL on the REST listener */
    struct s3_web *web;
    /* a /_fakes3/ control call (its body buffered in body) */
    int ctl, ctl_quiet; /* ctl_quiet: not in the access log (health checks) */
    char *ctl_path;     /* its path after "/_fakes3", decoded (owned) */
    /* an error a fault rule chose, answered once the body is read */
    s3_fault_answer_t *fault;
    /* the control layer's per-request state (s3_hooks_t.body) */
    void *hook_slot;
    /* UploadPart */
    char *upload_id;
    char upload_alg[16];
    uint32_t part_num;
} s3_req_t;

/* The x-amz-version-id of a write's answer: the version it made, none for
 * the null version (a suspended bucket's writes name none, as S3's). */
void s3_version_written(http_response_t *resp, const char *vid);
/* x-amz-version-id (when vid is not empty) and x-amz-delete-marker (dm). */
void s3_version_headers(http_response_t *resp, const char *vid, int dm);
/* Answer a store failure about an object version: a delete marker's
 * headers with NoSuchKey (the current version is a marker) or
 * MethodNotAllowed (the version named is one). o may be NULL. */
void s3_err_obj(s3_req_t *r, http_response_t *resp, int rc, const store_obj_t *o);
/* Answer with S3's error document (no body for HEAD). */
void s3_err(s3_req_t *r, http_response_t *resp, s3_err_t e);
/* The same with a message of our own instead of the table's. */
void s3_err_msg(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg);
/* The same with extra XML elements (already escaped) before <Resource>. */
void s3_err_full(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg,
                 const char *extra);
/* Append S3's <Error> element for e (no XML declaration): what s3_err_full
 * sends, for answers whose status went out before the outcome was known. */
void s3_err_doc(const s3_req_t *r, buf_t *b, s3_err_t e, const char *msg, const char *extra);
/* InvalidArgument naming the argument and its value, as S3 does. */
void s3_err_arg(s3_req_t *r, http_response_t *resp, const char *msg, const char *name,
                const char *value);
/* The error for a store failure code. */
s3_err_t s3_err_from_store(int rc);
/* HTTP status of an error. */
int s3_err_status(s3_err_t e);
/* The code and message of an error, as its document gives them. */
const char *s3_err_code(s3_err_t e);
const char *s3_err_message(s3_err_t e);

/* How r was signed, from its Authorization header or query: the signature
 * version ("SigV4", "SigV2") and authentication type ("AuthHeader",
 * "QueryString"), both NULL when it was not. */
void s3_req_auth(const s3_req_t *r, const char **sigv, const char **type);

/* A query parameter by exact name; NULL when absent. */
const s3_qparam_t *s3_query(const s3_req_t *r, const char *name);
/* Its value, or NULL when absent. */
const char *s3_query_value(const s3_req_t *r, const char *name);

#define S3_XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
/* Start an XML document: the declaration and <root xmlns="...">. */
void s3_xml_begin(buf_t *b, const char *root);
/* Just <root xmlns="...">. */
void s3_xml_open(buf_t *b, const char *root);
/* <name>escaped text</name> */
void s3_xml_elem(buf_t *b, const char *name, const char *text, size_t n);
void s3_xml_elem_s(buf_t *b, const char *name, const char *text);
/* The same for n bytes, url-encoded when url (a listing's encoding-type=url). */
void s3_xml_elem_url(buf_t *b, const char *name, const char *s, size_t n, int url);
/* Send b as an application/xml body with status. */
void s3_send_xml(http_response_t *resp, int status, buf_t *b);

/* Whether name is a valid bucket name for creation. */
int s3_bucket_name_ok(const char *name);
/* Ensure the bucket in r exists; answers NoSuchBucket (and returns -1) if not. */
int s3_need_bucket(s3_req_t *r, http_response_t *resp);

/* Shared by object.c, multipart.c and complete.c. */
/* The metadata S3 keeps from a PutObject-style request, as "Name: value\n":
 * content headers and x-amz-meta-*, storage class (S3_OH_* bits). */
enum { S3_OH_CONTENT = 1, S3_OH_CLASS = 2, S3_OH_ALL = 3 };
void s3_object_headers(const s3_req_t *r, buf_t *hdrs, int what);
/* The request headers an object keeps (Content-Type, ..., Expires,
 * x-amz-website-redirect-location), beside x-amz-meta-*. */
#define S3_NSTORED_HEADERS 7
extern const char *const s3_stored_headers[S3_NSTORED_HEADERS];
/* Whether sc names a storage class S3 knows. */
int s3_storage_class_valid(const char *sc);
/* The storage class such header lines give ("STANDARD" when none) into out. */
const char *s3_storage_class_of(const char *headers, char out[24]);
/* S3's limit on user metadata: the UTF-8 bytes of each x-amz-meta-* name
 * (without the prefix) and value, summed. */
#define S3_MAX_META 2048
/* MetadataTooLarge when the request's x-amz-meta-* headers pass it; 0 or an
 * answered error. */
int s3_meta_checks(s3_req_t *r, http_response_t *resp);
/* Storage class and conditional-write headers; 0 or an answered error. */
int s3_put_checks(s3_req_t *r, http_response_t *resp);
/* The source of a copy (CopyObject, UploadPartCopy): x-amz-copy-source
 * parsed, the object opened, the x-amz-copy-source-if-* conditions checked.
 * open returns -1 after answering the error; close always (frees all). */
typedef struct s3_copy_src {
    char *bucket, *key;
    size_t key_len;
    char *vid; /* ?versionId= of the source, or NULL */
    store_obj_t obj;
    store_reader_t *rd;
    struct s3_sse *sse; /* the source's encryption, with its key when SSE-C (sse.h) */
} s3_copy_src_t;
int s3_copy_source_open(s3_req_t *r, http_response_t *resp, s3_copy_src_t *cs);
void s3_copy_source_close(s3_req_t *r, s3_copy_src_t *cs);
/* Object data streamed into r->put through r->payload (PutObject, UploadPart):
 * start checks lengths and opens both (1: answered), body is the op's body
 * callback, finish checks the whole body (-1: answered). */
int s3_stream_start(s3_req_t *r, http_response_t *resp);
int s3_stream_body(s3_req_t *r, const char *data, size_t n, http_response_t *resp);
int s3_stream_finish(s3_req_t *r, http_response_t *resp);

/* Handlers, one file per resource family. */
void s3_list_buckets(s3_req_t *r, http_response_t *resp);
int s3_create_bucket_start(s3_req_t *r, http_response_t *resp);
void s3_create_bucket(s3_req_t *r, http_response_t *resp);
void s3_head_bucket(s3_req_t *r, http_response_t *resp);
void s3_delete_bucket(s3_req_t *r, http_response_t *resp);
void s3_get_bucket_location(s3_req_t *r, http_response_t *resp);
void s3_list_objects(s3_req_t *r, http_response_t *resp);
/* restore.c */
/* Whether o's bytes may be read now (not archived, or restored); else
 * answers InvalidObjectState and returns 0. */
int s3_restore_readable(s3_req_t *r, http_response_t *resp, const store_obj_t *o);
/* x-amz-restore for an archived version a restore has made readable. */
void s3_restore_header(http_response_t *resp, const store_obj_t *o);
void s3_restore_object(s3_req_t *r, http_response_t *resp);
/* objectlock.c */
/* The stored header line of an upload that carries its lock document. */
#define S3_LOCK_HEADER "x-fakes3-lock:"
/* The lock document a write (PutObject, CopyObject, CreateMultipartUpload)
 * gives the version it makes, from its x-amz-object-lock-* headers or the
 * bucket's default retention: *doc (the caller frees) or NULL; -1 after
 * answering an error. */
int s3_lock_for_write(s3_req_t *r, http_response_t *resp, char **doc);
/* The x-amz-object-lock-* headers of a version's lock document. */
void s3_lock_headers(http_response_t *resp, const char *doc);
/* Whether the version with this lock document may be deleted now by r
 * (x-amz-bypass-governance-retention for GOVERNANCE). */
int s3_lock_may_delete(s3_req_t *r, const char *doc);
/* Whether a version with this lock document is under retention or a legal
 * hold at now_ms, so that nothing (the lifecycle worker) may delete it. */
int s3_lock_held(const char *doc, int64_t now_ms);
/* A new bucket created with x-amz-bucket-object-lock-enabled: true gets
 * versioning and object lock; a store code. */
int s3_lock_enable_new_bucket(s3_req_t *r);
void s3_put_lock_conf(s3_req_t *r, http_response_t *resp);
void s3_get_lock_conf(s3_req_t *r, http_response_t *resp);
void s3_put_retention(s3_req_t *r, http_response_t *resp);
void s3_get_retention(s3_req_t *r, http_response_t *resp);
void s3_put_legal_hold(s3_req_t *r, http_response_t *resp);
void s3_get_legal_hold(s3_req_t *r, http_response_t *resp);
/* versioning.c */
void s3_put_versioning(s3_req_t *r, http_response_t *resp);
void s3_get_versioning(s3_req_t *r, http_response_t *resp);
void s3_list_versions(s3_req_t *r, http_response_t *resp);
/* ?versions on a key: InvalidRequest, as S3 answers. */
void s3_versions_of_key(s3_req_t *r, http_response_t *resp);
int s3_put_object_start(s3_req_t *r, http_response_t *resp);
void s3_put_object(s3_req_t *r, http_response_t *resp);
void s3_get_object(s3_req_t *r, http_response_t *resp);
/* GetObject or HeadObject (r's method) of bucket/key, as s3_get_object
 * answers r's own object (r's versionId, headers and query); with status
 * non-zero, the whole object with that status: no If-* conditions, Range or
 * partNumber (the website endpoint's error document). Errors go through
 * s3_err. */
void s3_get_object_as(s3_req_t *r, http_response_t *resp, const char *bucket, const char *key,
                      size_t key_len, int status);
/* GetObjectAttributes (attributes.c). */
void s3_get_object_attributes(s3_req_t *r, http_response_t *resp);
void s3_delete_object(s3_req_t *r, http_response_t *resp);
void s3_delete_objects(s3_req_t *r, http_response_t *resp);
void s3_get_acl(s3_req_t *r, http_response_t *resp);
void s3_put_acl(s3_req_t *r, http_response_t *resp);
/* Bucket policies (bucketpolicy.c). */
void s3_put_policy(s3_req_t *r, http_response_t *resp);
void s3_get_policy(s3_req_t *r, http_response_t *resp);
void s3_delete_policy(s3_req_t *r, http_response_t *resp);
void s3_get_policy_status(s3_req_t *r, http_response_t *resp);
void s3_get_ownership(s3_req_t *r, http_response_t *resp);
void s3_put_ownership(s3_req_t *r, http_response_t *resp);
void s3_delete_ownership(s3_req_t *r, http_response_t *resp);
void s3_get_pab(s3_req_t *r, http_response_t *resp);
void s3_put_pab(s3_req_t *r, http_response_t *resp);
void s3_delete_pab(s3_req_t *r, http_response_t *resp);
/* Bucket configurations read against a schema (confdoc.h): website.c,
 * bucketlogging.c, notification.c, bucketflags.c (request payment,
 * acceleration), replication.c, bucketkeyed.c (by ?id=: a GET without id is
 * the family's List). */
void s3_put_website(s3_req_t *r, http_response_t *resp);
void s3_get_website(s3_req_t *r, http_response_t *resp);
void s3_delete_website(s3_req_t *r, http_response_t *resp);
/* A kept website document (the children of WebsiteConfiguration) read back
 * against website.c's schema: the tree (free with confxml_free), or NULL
 * when it does not parse. */
struct confxml_node *s3_website_parse(const char *doc, size_t len);
/* The website endpoint (webserve.c), for requests of the website listener.
 * s3_web_init makes r a website request (its errors become HTML pages);
 * s3_web_begin answers r whole: addressing by Host, the bucket's website
 * configuration, index and error documents, redirects, the object.
 * s3_web_error is how s3_err_full answers an error e of a website request:
 * a routing rule for its status, the ErrorDocument, or S3's HTML page. */
void s3_web_init(s3_req_t *r);
void s3_web_begin(s3_req_t *r, http_response_t *resp);
void s3_web_error(s3_req_t *r, http_response_t *resp, s3_err_t e, const char *msg);
void s3_put_logging(s3_req_t *r, http_response_t *resp);
void s3_get_logging(s3_req_t *r, http_response_t *resp);
void s3_put_notification(s3_req_t *r, http_response_t *resp);
void s3_get_notification(s3_req_t *r, http_response_t *resp);
void s3_put_request_payment(s3_req_t *r, http_response_t *resp);
void s3_put_accelerate(s3_req_t *r, http_response_t *resp);
void s3_get_accelerate(s3_req_t *r, http_response_t *resp);
void s3_put_replication(s3_req_t *r, http_response_t *resp);
void s3_get_replication(s3_req_t *r, http_response_t *resp);
void s3_delete_replication(s3_req_t *r, http_response_t *resp);
void s3_put_inventory(s3_req_t *r, http_response_t *resp);
void s3_get_inventory(s3_req_t *r, http_response_t *resp);
void s3_delete_inventory(s3_req_t *r, http_response_t *resp);
void s3_put_analytics(s3_req_t *r, http_response_t *resp);
void s3_get_analytics(s3_req_t *r, http_response_t *resp);
void s3_delete_analytics(s3_req_t *r, http_response_t *resp);
void s3_put_metrics(s3_req_t *r, http_response_t *resp);
void s3_get_metrics(s3_req_t *r, http_response_t *resp);
void s3_delete_metrics(s3_req_t *r, http_response_t *resp);
void s3_put_intelligent_tiering(s3_req_t *r, http_response_t *resp);
void s3_get_intelligent_tiering(s3_req_t *r, http_response_t *resp);
void s3_delete_intelligent_tiering(s3_req_t *r, http_response_t *resp);
/* The ACL and owner of an object written by r into bucket (aclreq.c): from
 * canned (NULL: the x-amz-acl header; PostObject passes its acl field) or the
 * x-amz-grant-* headers, checked against the bucket's Object Ownership and
 * public access block. *doc gets the stored form (NULL: none asked, the
 * owner's private ACL), owner the object's owner (the writer, or the bucket
 * owner as ownership says). 0, or -1 after answering. The open mode keeps
 * fake-s3's behaviour: ACLs accepted, nothing kept. */
int s3_acl_for_object(s3_req_t *r, http_response_t *resp, const char *bucket, const char *canned,
                      char **doc, char owner[STORE_OWNER_MAX]);
/* For CreateBucket (before creating): checks the ACL and ownership headers;
 * s3_acl_bucket_created then keeps them and the defaults for the new bucket. */
typedef struct s3_new_bucket_acl {
    char *acl;     /* stored form, or NULL */
    int ownership; /* ownership_t, or -1 for none */
    int pab;       /* all four public-access-block settings on */
} s3_new_bucket_acl_t;
int s3_acl_for_bucket(s3_req_t *r, http_response_t *resp, s3_new_bucket_acl_t *out);
int s3_acl_bucket_created(s3_req_t *r, s3_new_bucket_acl_t *nb);
void s3_get_cors(s3_req_t *r, http_response_t *resp);
void s3_put_cors(s3_req_t *r, http_response_t *resp);
void s3_delete_cors(s3_req_t *r, http_response_t *resp);
/* CORS (bucketcors.c), from on_begin once the target is parsed (or found
 * bad): answer an OPTIONS preflight; add the Access-Control-* headers to the
 * answer of a request with an Origin. */
void s3_cors_preflight(s3_req_t *r, http_response_t *resp, int bad_target);
void s3_cors_actual(s3_req_t *r, http_response_t *resp, int bad_target);
/* Bucket default encryption (bucketenc.c). */
void s3_put_encryption(s3_req_t *r, http_response_t *resp);
void s3_get_encryption(s3_req_t *r, http_response_t *resp);
void s3_delete_encryption(s3_req_t *r, http_response_t *resp);
/* A bucket's configuration document (bucketconf.c), for the Get and Delete
 * handlers of each configuration. s3_conf_load: *doc (owned by the caller)
 * and *len, 0; or -1 after answering (none when the bucket has no such
 * document, else the store's error). s3_conf_delete: remove it and answer
 * status (204, or 200 where S3 does), or the store's error. */
int s3_conf_load(s3_req_t *r, http_response_t *resp, const char *name, s3_err_t none, char **doc,
                 size_t *len);
void s3_conf_delete(s3_req_t *r, http_response_t *resp, const char *name, int status);
/* Tags (tagging.c). */
/* The header line that carries an upload's tag set to the object it
 * completes into, and held an object's in roots older than schema 6. */
#define S3_TAGS_HEADER "x-fakes3-tagging:"
/* The tag set a write gives its object, from x-amz-tagging checked as S3
 * does: *doc (the caller frees; NULL for none) and 0, or -1 after answering. */
int s3_tags_from_header(s3_req_t *r, http_response_t *resp, char **doc);
/* The same from a Tagging document (PostObject's tagging field). */
int s3_tags_from_xml(s3_req_t *r, http_response_t *resp, const char *xml, size_t n, char **doc);
/* A stored version's tag set (its document, or the header line of a version
 * stored before the store kept one); the caller frees; NULL for none. */
char *s3_tags_of(const store_obj_t *o);
/* How many tags a tag set holds (0 for NULL). */
size_t s3_tags_count(const char *doc);
void s3_put_object_tagging(s3_req_t *r, http_response_t *resp);
void s3_get_object_tagging(s3_req_t *r, http_response_t *resp);
void s3_delete_object_tagging(s3_req_t *r, http_response_t *resp);
void s3_put_bucket_tagging(s3_req_t *r, http_response_t *resp);
void s3_get_bucket_tagging(s3_req_t *r, http_response_t *resp);
void s3_delete_bucket_tagging(s3_req_t *r, http_response_t *resp);
void s3_get_request_payment(s3_req_t *r, http_response_t *resp);
/* Bucket lifecycle (bucketlifecycle.c). */
void s3_put_lifecycle(s3_req_t *r, http_response_t *resp);
void s3_get_lifecycle(s3_req_t *r, http_response_t *resp);
void s3_delete_lifecycle(s3_req_t *r, http_response_t *resp);
/* x-amz-expiration for the current version of key (size, created at mtime,
 * tags in x-amz-tagging form or NULL) when an enabled rule expires it. */
void s3_lifecycle_expiration(s3_req_t *r, http_response_t *resp, const char *key, size_t klen,
                             uint64_t size, int64_t mtime, const char *tags);
/* Whether some bucket of st has a lifecycle configuration (1 also when the
 * store cannot tell). */
/* The same for an object as the store gave it (its tags from its headers). */
void s3_lifecycle_expiration_of(s3_req_t *r, http_response_t *resp, const store_obj_t *o);
/* PostObject (postobject.c): a browser form upload. */
int s3_post_object_start(s3_req_t *r, http_response_t *resp);
int s3_post_object_body(s3_req_t *r, const char *data, size_t n, http_response_t *resp);
void s3_post_object(s3_req_t *r, http_response_t *resp);
void s3_mpu_create(s3_req_t *r, http_response_t *resp);
int s3_mpu_part_start(s3_req_t *r, http_response_t *resp);
void s3_mpu_part(s3_req_t *r, http_response_t *resp);
void s3_mpu_complete(s3_req_t *r, http_response_t *resp);
void s3_mpu_abort(s3_req_t *r, http_response_t *resp);
void s3_mpu_list_parts(s3_req_t *r, http_response_t *resp);
void s3_mpu_list_uploads(s3_req_t *r, http_response_t *resp);

#endif
