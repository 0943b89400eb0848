/* journal — the request journal of the control namespace: the last N
 * exchanges of the S3 API (never control calls), listed, cleared and waited
 * for as JSON.
 *
 * The S3 layer feeds it through three hooks: body (a SHA-256 of the request
 * body as it arrives), answered (the answer goes out) and record (the
 * exchange is over). Recording builds a
 * compact entry (one allocation holding its strings, secrets already
 * redacted) outside the lock and only links it into a ring under it; JSON is
 * made when a client lists. Ids grow from 1 and are never reused until the
 * process ends, across clears. A wait is a deferred answer (no worker thread
 * is held): the journal's own thread answers it once enough entries match or
 * at its deadline. With a size of 0 there is no journal and its calls answer
 * 409 JournalOff. */
#ifndef FAKES3_CTL_JOURNAL_H
#define FAKES3_CTL_JOURNAL_H

#include <stddef.h>

#include "ctl/ctl_int.h"

typedef struct ctl_journal ctl_journal_t;

/* A journal of the last size exchanges with its waiting thread, or NULL
 * for size 0 (no journal). Aborts when the thread cannot start. */
ctl_journal_t *ctl_journal_new(unsigned size);
/* Stop its thread and free it (NULL: nothing); after ctl_journal_quiesce
 * and the listeners' stop. */
void ctl_journal_free(ctl_journal_t *j);
/* Answer every pending wait now (503 ShuttingDown) and every later one at
 * once; returns when none is pending. Before the listeners stop. */
void ctl_journal_quiesce(ctl_journal_t *j);

/* s3_hooks_t.body, .answered and .record, with ctx the ctl_t: an entry is
 * made when the answer goes out (so that a client that has its answer finds
 * it listed) and given its duration and bytes sent when the exchange is
 * over; one whose answer never went out is made then. */
void ctl_journal_on_body(void *ctx, void **slot, const char *data, size_t n);
void ctl_journal_on_answered(void *ctx, const s3_req_info_t *info, void **slot);
void ctl_journal_on_record(void *ctx, const s3_req_info_t *info);

/* Forget every entry (ids go on growing); for the reset call. */
void ctl_journal_clear(ctl_t *c);
/* What info tells of it: {"size", "entries", "last_id", "pending_waits"}, or
 * JSON null when it is off. New reference. */
json_t *ctl_journal_info(ctl_t *c);

/* The calls: GET /requests, DELETE /requests, GET /requests/wait. */
void ctl_journal_list(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
void ctl_journal_delete(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
void ctl_journal_wait(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);

#endif
