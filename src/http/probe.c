/* probe — one GET against a running server, for container health checks. */
#include <stdio.h>

#include "http/client.h"
#include "http/http.h"

int http_probe(const char *url, int timeout_ms, char *err, size_t errlen)
{
    static const char *const headers[] = {"User-Agent: fakes3-probe", NULL};
    /* Literals only: a scratch container image has no resolver. */
    http_client_req_t req = {"GET", url, headers, NULL, 0, timeout_ms, 0};
    int status;
    int rc = http_client_send(&req, &status, err, errlen);
    if (rc == HTTP_CLIENT_EURL) {
        snprintf(err, errlen, "not an http:// URL with an address literal");
        return 2;
    }
    if (rc) return 1;
    if (status >= 200 && status < 500) return 0;
    snprintf(err, errlen, "status %d", status);
    return 1;
}
