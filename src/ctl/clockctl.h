/* clockctl — the control calls over the server's one clock (lib/clock.h):
 * GET /_fakes3/clock reads it, POST /_fakes3/clock advances, sets, freezes,
 * unfreezes or resets it, answering {"now", "offset_seconds", "frozen"}.
 * After the clock moved forward, a lifecycle pass (the worker bound with
 * ctl_bind_lifecycle, if any) runs before the answer, so that what fell due
 * in between has been applied when the call returns. Bad bodies answer 400
 * InvalidClockRequest. Internal to src/ctl/: rows of ctl.c's table. */
#ifndef FAKES3_CLOCKCTL_H
#define FAKES3_CLOCKCTL_H

#include "ctl/ctl_int.h"

/* GET /_fakes3/clock: the clock's state. */
void clockctl_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
/* POST /_fakes3/clock: one of {"advance": s}, {"set": ISO-8601},
 * {"freeze": bool}, {"reset": true}; answers the state after it. */
void clockctl_post(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);

#endif
