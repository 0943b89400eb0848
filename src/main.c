/* fakes3: start, serve until SIGINT or SIGTERM, stop cleanly. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/ctlcli.h"
#include "config.h"
#include "ctl/ctl.h"
#include "http/http.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "s3/auth/users.h"
#include "s3/lifecycle_worker.h"
#include "s3/s3.h"
#include "store/memroot.h"
#include "store/seed.h"
#include "store/store.h"

/* Raise the open-file limit to the hard limit (1,024 by default is a few
 * hundred idle clients) and size the connection cap from it: each connection
 * is a descriptor, and a request in flight may hold a file or two more. */
static unsigned open_files_and_cap(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted ? wanted : 448;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = old;
    }
    rlim_t n = rl.rlim_cur == RLIM_INFINITY ? 1000000 : rl.rlim_cur;
    unsigned cap = n > 256 ? (unsigned)((n - 128) / 2 > 1000000 ? 1000000 : (n - 128) / 2) : 64;
    if (wanted) {
        if (wanted > cap)
            util_log("fakes3: --max-connections %u is more than the open-file limit allows (%llu "
                     "files): %u",
                     wanted, (unsigned long long)n, cap);
        return wanted > cap ? cap : wanted;
    }
    return cap < 10000 ? cap : 10000;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t b = BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "ctl") == 0) return ctlcli_main(argc - 1, argv + 1);
    config_t cfg;
    int rc = config_parse(&cfg, argc, argv);
    if (rc >= 0) {
        config_free(&cfg);
        return rc;
    }
    if (cfg.probe) {
        char url[64], err[256];
        /* The health call answers 200 without a signature, even with users configured. */
        if (!*cfg.probe) snprintf(url, sizeof url, "http://127.0.0.1:%u/_fakes3/health", cfg.port);
        const char *u = *cfg.probe ? cfg.probe : url;
        rc = http_probe(u, 2000, err, sizeof err);
        if (rc) fprintf(stderr, "fakes3: probe %s: %s\n", u, err);
        config_free(&cfg);
        return rc;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    util_log_quiet = cfg.quiet;
    int status = 2;
    store_t *st = NULL;
    s3_server_t *app = NULL;
    s3_lifecycle_t *lifecycle = NULL;
    ctl_t *ctl = NULL;
    http_server_t *srv = NULL, *tls_srv = NULL, *web_srv = NULL;
    char *cert = NULL, *key = NULL, *memroot = NULL;
    auth_users_t users = {0};
    char err[512];

    /* Signals are taken by sigwait below; block them before any thread starts. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cfg.sslcert) {
        cert = read_file(cfg.sslcert);
        key = read_file(cfg.sslkey);
        if (!cert || !key) {
            fprintf(stderr, "fakes3: cannot read %s: %s\n", cert ? cfg.sslkey : cfg.sslcert,
                    strerror(errno));
            goto out;
        }
    }
    if (cfg.users_file && auth_users_load(&users, cfg.users_file, err, sizeof err) != 0) {
        fprintf(stderr, "fakes3: --users %s\n", err);
        goto out;
    }
    if (cfg.access_key) {
        /* The single user of --access-key is the admin of the control calls. */
        auth_users_add(&users, cfg.access_key, cfg.secret_key);
        users.v[users.n - 1].admin = 1;
    }
    /* --memory: the same store, its root in a private folder in RAM. */
    if (cfg.memory && strcmp(cfg.root, FAKES3_DEFAULT_ROOT) != 0)
        fprintf(stderr, "fakes3: --memory: --root %s ignored\n", cfg.root);
    if (cfg.memory && !(memroot = memroot_create(err, sizeof err))) {
        fprintf(stderr, "fakes3: %s\n", err);
        goto out;
    }
    const char *root = memroot ? memroot : cfg.root;
    store_options_t so = {.sync = cfg.sync, .default_owner = S3_DEFAULT_OWNER_ID};
    st = store_sqlite_open(root, &so, err, sizeof err);
    if (!st) {
        fprintf(stderr, "fakes3: %s\n", err);
        goto out;
    }
    seed_stats_t ss;
    if (cfg.seed && seed_load(st, cfg.seed, s3_bucket_name_ok, &ss, err, sizeof err) != 0) {
        fprintf(stderr, "fakes3: %s\n", err);
        goto out;
    }
    if (cfg.seed)
        util_log("fakes3: seeded %zu object(s), %llu bytes (%zu shared by reflink) in %zu "
                 "bucket(s) from %s; %zu skipped",
                 ss.objects, ss.bytes, ss.reflinks, ss.buckets, cfg.seed, ss.skipped);
    ctl_options_t co = {
        .store = st,
        .backend = cfg.memory ? "memory" : "sqlite",
        .root = root,
        .argv = (const char *const *)argv,
        .argc = argc,
        .users = (int)users.n,
        .journal_size = cfg.journal,
    };
    if (!cfg.no_control) ctl = ctl_new(&co);
    s3_options_t ao = {
        .base_hosts = (const char *const *)cfg.hosts,
        .nbase = cfg.nhosts,
        .strict = cfg.strict,
        .legacy_bucket_defaults = cfg.legacy_bucket_defaults,
        .sse_c_require_tls = cfg.sse_c_require_tls,
        .quiet = cfg.quiet,
        .region = cfg.region,
        .rate_limit = cfg.limit_bps,
        .lifecycle_day_seconds = cfg.lifecycle_day_seconds,
        .users = &users,
        .log_delivery_seconds = cfg.log_delivery_seconds,
        .notify_url = cfg.notify_url,
        .notify_map = (const char *const *)cfg.notify_map,
        .nnotify_map = cfg.nnotify_map,
        .cors_origin = cfg.cors_origin,
        .cors_methods = cfg.cors_methods,
        .cors_preflight_headers = cfg.cors_headers,
        .cors_postput_headers = cfg.cors_postput,
        .cors_expose_headers = cfg.cors_expose,
        .hooks = ctl ? ctl_hooks(ctl) : NULL,
    };
    app = s3_new(st, &ao);
    if (ctl) ctl_bind(ctl, app);
    /* Background work talks to request threads only through the store. */
    lifecycle = s3_lifecycle_start(st, cfg.lifecycle_day_seconds);
    if (ctl) ctl_bind_lifecycle(ctl, lifecycle);
    http_options_t ho = {
        .address = cfg.address,
        .port = cfg.port,
        .threads = cfg.threads,
        /* A paced GET sleeps in its reader: give each connection a thread. */
        .thread_per_connection = cfg.limit_bps > 0,
        .tls_cert_pem = cfg.https_port ? NULL : cert,
        .tls_key_pem = cfg.https_port ? NULL : key,
        .max_connections = open_files_and_cap(cfg.max_connections),
        .head_timeout_ms = (unsigned)(cfg.header_timeout_s * 1000 + 0.5),
        .max_head_bytes = S3_MAX_HEAD,
    };
    srv = http_start(&ho, &s3_http_handler, app, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "fakes3: %s\n", err);
        goto out;
    }
    ctl_bind_http(ctl, srv);
    if (cfg.https_port) {
        /* HTTPS on its own port next to HTTP: a second listener, the same app. */
        http_options_t to = ho;
        to.port = cfg.https_port;
        to.tls_cert_pem = cert;
        to.tls_key_pem = key;
        tls_srv = http_start(&to, &s3_http_handler, app, err, sizeof err);
        if (!tls_srv) {
            fprintf(stderr, "fakes3: %s\n", err);
            goto out;
        }
        ctl_bind_http(ctl, tls_srv);
    }
    if (cfg.website_port) {
        /* The website endpoint: a listener of its own, plain HTTP as S3's. */
        http_options_t wo = ho;
        wo.port = cfg.website_port;
        wo.tls_cert_pem = wo.tls_key_pem = NULL;
        wo.listener = S3_LISTENER_WEBSITE;
        web_srv = http_start(&wo, &s3_http_handler, app, err, sizeof err);
        if (!web_srv) {
            fprintf(stderr, "fakes3: --website-port: %s\n", err);
            goto out;
        }
        ctl_bind_http(ctl, web_srv);
    }
    util_log("fakes3 %s listening on %s://%s:%u, root %s%s", FAKES3_VERSION,
             cert && !tls_srv ? "https" : "http", cfg.address, http_port(srv), root,
             cfg.strict ? ", strict" : "");
    if (tls_srv)
        util_log("fakes3 also listening on https://%s:%u", cfg.address, http_port(tls_srv));
    if (web_srv)
        util_log("fakes3 serving bucket websites on http://%s:%u", cfg.address, http_port(web_srv));
    if (users.n)
        util_log("fakes3: signatures verified (SigV4, SigV2) for %zu user%s", users.n,
                 users.n == 1 ? "" : "s");
    else
        util_log("fakes3: open mode: any credentials accepted");
    if (cfg.notify_url || cfg.nnotify_map)
        util_log("fakes3: event notifications POSTed to %s%s%zu mapped ARN%s",
                 cfg.notify_url ? cfg.notify_url : "", cfg.notify_url ? " and " : "",
                 cfg.nnotify_map, cfg.nnotify_map == 1 ? "" : "s");
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    util_log("fakes3: %s, finishing requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* Every listener stops accepting at once; then each lets its requests finish. */
    http_quiesce(srv);
    http_quiesce(tls_srv);
    http_quiesce(web_srv);
    ctl_quiesce(ctl);
    http_stop(srv, 30000);
    http_stop(tls_srv, 30000);
    http_stop(web_srv, 30000);
    srv = tls_srv = web_srv = NULL;
    status = 0;
out:
    ctl_quiesce(ctl);
    http_stop(srv, 0);
    http_stop(tls_srv, 0);
    http_stop(web_srv, 0);
    s3_lifecycle_stop(lifecycle);
    s3_free(app);
    ctl_free(ctl);
    if (st) st->ops->close(st);
    memroot_remove(memroot);
    auth_users_free(&users);
    free(cert);
    free(key);
    config_free(&cfg);
    return status;
}
