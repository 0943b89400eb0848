/* state — the control calls over the store's whole state: reset (everything
 * or one bucket) and snapshots (save, restore, list, delete), as
 * the control API's "reset" and "snapshots" sections say. Each answers JSON with
 * the time the store took ("ms"); after a reset or a restore the S3
 * application forgets what it keeps in memory of bucket configurations.
 * Names are checked here (400 InvalidSnapshotName) before the store sees
 * them. A store without these operations answers 501 NotImplemented. */
#ifndef FAKES3_CTL_STATE_H
#define FAKES3_CTL_STATE_H

#include "ctl/ctl_int.h"

/* POST /reset: {} or {"bucket": "b"}. */
void ctl_state_reset(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
/* POST /snapshots/NAME (save) and POST /snapshots/NAME/restore. */
void ctl_state_snapshot_post(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
/* GET /snapshots. */
void ctl_state_snapshot_list(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
/* DELETE /snapshots/NAME. */
void ctl_state_snapshot_delete(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
/* The counts of GET /info: {"buckets": N, "objects": N} (a new object). */
json_t *ctl_state_counts(ctl_t *c);

#endif
