/* faults — the control namespace's fault rules (POST, GET, DELETE
 * /_fakes3/faults): a list of rules, each a match (operation, method,
 * bucket, key glob, a header present, the client's address), a trigger
 * (times, after, a probability drawn from the rule's own seeded generator,
 * so that the same sequence of requests gets the same decisions) and an
 * action: an S3 error answered instead of the operation, a delay before the
 * head, a connection reset before the head (the operation then never runs:
 * nothing changes) or after it, a body cut short,
 * delayed or paced. The first rule (in the order added) that fires applies.
 *
 * The S3 layer asks ctl_faults_hook about every routed request; with no
 * rules that costs one atomic load. Rules live under a mutex held only to
 * match and count; the action (sleeps included) runs outside it. */
#ifndef FAKES3_CTL_FAULTS_H
#define FAKES3_CTL_FAULTS_H

#include <stddef.h>

#include "ctl/ctl_int.h"

typedef struct ctl_faults ctl_faults_t;

/* An empty list. Never NULL. */
ctl_faults_t *ctl_faults_new(void);
void ctl_faults_free(ctl_faults_t *f);
/* Remove every rule of c (the reset call); ids keep counting up. */
void ctl_faults_clear(ctl_t *c);

/* s3_hooks_t.fault, with ctx the ctl_t: 1 with *a filled when a rule's
 * action is an error; may sleep (delay_ms) and shape or abort resp. */
int ctl_faults_hook(void *ctx, const s3_req_info_t *info, http_response_t *resp,
                    s3_fault_answer_t *a);

/* The calls: POST /faults, GET /faults, DELETE /faults, DELETE /faults/ID. */
void ctl_faults_post(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
void ctl_faults_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
void ctl_faults_delete_all(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
void ctl_faults_delete_one(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);

#endif
