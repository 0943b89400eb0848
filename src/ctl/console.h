/* console — the web console's files at /_fakes3/console/, served from bytes
 * embedded in the binary (console_assets.S .incbin's console/ at build time:
 * no file is read and nothing is fetched at run time).
 *
 * GET /_fakes3/console redirects to /_fakes3/console/, which answers
 * index.html; /_fakes3/console/NAME answers that file or 404. The files hold
 * no secret, so they need no signature (rows with admin 0); the page itself
 * signs its S3 and control calls. Every answer carries a strong ETag (a
 * digest of the bytes, computed once in ctl_console_new) and answers 304 to
 * a matching If-None-Match, "Cache-Control: no-cache" (revalidate, so a new
 * binary's files are seen at once), a Content-Security-Policy that lets the
 * page reach nothing but the server, and X-Content-Type-Options: nosniff.
 * Internal to src/ctl/: rows of ctl.c's table. */
#ifndef FAKES3_CONSOLE_H
#define FAKES3_CONSOLE_H

#include "ctl/ctl_int.h"

typedef struct ctl_console ctl_console_t;

/* The embedded files with their ETags. Never NULL; free with ctl_console_free. */
ctl_console_t *ctl_console_new(void);
void ctl_console_free(ctl_console_t *k);
/* GET /_fakes3/console: 302 to /_fakes3/console/. */
void ctl_console_redirect(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);
/* GET /_fakes3/console/ and /_fakes3/console/NAME: the file, 304, or 404. */
void ctl_console_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp);

#endif
