/* The web console's embedded files. */
#include "ctl/console.h"

#include <nettle/sha2.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"

/* What console_assets.S defines: each file between two symbols. */
#define ASSET_DECL(name)                                                                           \
    extern const unsigned char ctl_console_asset_##name[];                                         \
    extern const unsigned char ctl_console_asset_##name##_end[];
ASSET_DECL(index_html)
ASSET_DECL(style_css)
ASSET_DECL(sigv4_js)
ASSET_DECL(s3api_js)
ASSET_DECL(app_js)
ASSET_DECL(ops_js)

typedef struct asset {
    const char *name; /* the path under /_fakes3/console/ */
    const char *type;
    const unsigned char *start, *end;
} asset_t;

#define ASSET(file, name, type)                                                                    \
    {                                                                                              \
        file, type, ctl_console_asset_##name, ctl_console_asset_##name##_end                       \
    }
static const asset_t assets[] = {
    ASSET("index.html", index_html, "text/html; charset=utf-8"),
    ASSET("style.css", style_css, "text/css; charset=utf-8"),
    ASSET("sigv4.js", sigv4_js, "text/javascript; charset=utf-8"),
    ASSET("s3api.js", s3api_js, "text/javascript; charset=utf-8"),
    ASSET("app.js", app_js, "text/javascript; charset=utf-8"),
    ASSET("ops.js", ops_js, "text/javascript; charset=utf-8"),
};
#define N_ASSETS (sizeof assets / sizeof *assets)

/* The page may load and call nothing but this server; no framing. */
#define CSP                                                                                        \
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "              \
    "connect-src 'self'; frame-ancestors 'none'"

struct ctl_console {
    char etag[N_ASSETS][36]; /* "\"" + 32 hex + "\"" */
};

ctl_console_t *ctl_console_new(void)
{
    ctl_console_t *k = xcalloc(1, sizeof *k);
    for (size_t i = 0; i < N_ASSETS; i++) {
        struct sha256_ctx h;
        unsigned char d[SHA256_DIGEST_SIZE];
        char hex[33];
        sha256_init(&h);
        sha256_update(&h, (size_t)(assets[i].end - assets[i].start), assets[i].start);
        sha256_digest(&h, sizeof d, d);
        util_hex(d, 16, hex);
        k->etag[i][0] = '"';
        memcpy(k->etag[i] + 1, hex, 32);
        memcpy(k->etag[i] + 33, "\"", 2);
    }
    return k;
}

void ctl_console_free(ctl_console_t *k)
{
    free(k);
}

/* The headers every console answer carries. */
static void common_headers(http_response_t *resp)
{
    http_resp_header(resp, "Content-Security-Policy", CSP);
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    http_resp_header(resp, "Referrer-Policy", "no-referrer");
}

void ctl_console_redirect(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)c;
    (void)req;
    buf_t b = BUF_INIT;
    buf_puts(&b, "see /_fakes3/console/\n");
    http_resp_status(resp, 302);
    http_resp_header(resp, "Location", "/_fakes3/console/");
    http_resp_header(resp, "Content-Type", "text/plain; charset=utf-8");
    common_headers(resp);
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}

/* Whether an If-None-Match value names etag (or is "*"). */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm) return 0;
    if (strcmp(inm, "*") == 0) return 1;
    size_t n = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)); p += n) {
        /* A weak "W/" prefix still matches: If-None-Match compares weakly. */
        char after = p[n];
        if (after == 0 || after == ',' || after == ' ' || after == '\t') return 1;
    }
    return 0;
}

void ctl_console_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    const char *name = req->path + strlen("/console/");
    if (!*name) name = "index.html";
    size_t i = 0;
    while (i < N_ASSETS && strcmp(assets[i].name, name) != 0)
        i++;
    if (i == N_ASSETS) {
        ctl_error(resp, 404, "NoSuchConsoleFile", "the console has no such file");
        return;
    }
    const char *etag = c->console->etag[i];
    http_resp_header(resp, "ETag", etag);
    http_resp_header(resp, "Cache-Control", "no-cache");
    common_headers(resp);
    if (etag_matches(http_req_header(req->http, "If-None-Match"), etag)) {
        http_resp_status(resp, 304);
        http_resp_ready(resp);
        return;
    }
    buf_t b = BUF_INIT;
    buf_append(&b, assets[i].start, (size_t)(assets[i].end - assets[i].start));
    http_resp_status(resp, 200);
    http_resp_header(resp, "Content-Type", assets[i].type);
    http_resp_body_buf(resp, &b);
    http_resp_ready(resp);
}
