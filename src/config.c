#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static const char usage[] =
    "Usage: fakes3 [options]\n"
    "       fakes3 ctl [options] COMMAND   the control calls (fakes3 ctl --help)\n"
    "A local Amazon S3 stand-in: the S3 REST API over HTTP, data under one folder.\n"
    "\n"
    "  -r, --root DIR        where data lives (default " FAKES3_DEFAULT_ROOT ")   [FAKES3_ROOT]\n"
    "  -p, --port N          port to listen on (default 4569)                 [FAKES3_PORT]\n"
    "  -a, --address ADDR    address to bind (default 0.0.0.0)               [FAKES3_ADDRESS]\n"
    "  -H, --hostname HOST   base host for virtual-host buckets; repeatable   [FAKES3_HOSTNAME, "
    "comma-separated]\n"
    "  -q, --quiet           no access log                                    [FAKES3_QUIET=1]\n"
    "      --strict          a PUT into a missing bucket is NoSuchBucket,\n"
    "                        as on S3 (default: the bucket is created)        [FAKES3_STRICT=1]\n"
    "      --sync            fsync every write before acknowledging it        [FAKES3_SYNC=1]\n"
    "      --region NAME     region of buckets created without one (us-east-1) [FAKES3_REGION]\n"
    "      --threads N       worker threads (default: one per core)           [FAKES3_THREADS]\n"
    "      --max-connections N  connections served at once; past it 503 SlowDown\n"
    "                        (default 10000, at most half the open-file limit) "
    "[FAKES3_MAX_CONNECTIONS]\n"
    "      --header-timeout S  seconds a connection has to send a request head (default 30)\n"
    "                                                                         "
    "[FAKES3_HEADER_TIMEOUT]\n"
    "      --lifecycle-day-seconds N  a lifecycle rule's day lasts N seconds, due times\n"
    "                        not rounded to midnight UTC; lifecycle passes run every N s\n"
    "                        (default: S3's days, a pass an hour)     "
    "[FAKES3_LIFECYCLE_DAY_SECONDS]\n"
    "      --sslcert FILE    serve HTTPS with this PEM certificate            [FAKES3_SSLCERT]\n"
    "      --sslkey FILE     ... and this PEM key                             [FAKES3_SSLKEY]\n"
    "      --https-port N    with them: HTTPS on N, plain HTTP stays on --port "
    "[FAKES3_HTTPS_PORT]\n"
    "      --website-port N  serve bucket websites (PutBucketWebsite) on N, plain HTTP,\n"
    "                        as S3's website endpoints do (default: off)  [FAKES3_WEBSITE_PORT]\n"
    "  -l, --limit RATE      pace each GET body at RATE bytes/s (1000, 50K, 1.5M) [FAKES3_LIMIT]\n"
    "      --corsorigin V    Access-Control-Allow-Origin (default *)\n"
    "      --corsmethods V   Access-Control-Allow-Methods of OPTIONS answers\n"
    "      --corspreflightallowheaders V   Access-Control-Allow-Headers of OPTIONS answers\n"
    "      --corspostputallowheaders V     Access-Control-Allow-Headers of PUT and POST answers\n"
    "      --corsexposeheaders V           Access-Control-Expose-Headers (default ETag)\n"
    "                        CORS headers go on answers to requests with an Origin header;\n"
    "                        for buckets without CORS rules (PutBucketCors)\n"
    "      --access-key AK   with --secret-key: verify signatures for this user "
    "[FAKES3_ACCESS_KEY]\n"
    "      --secret-key SK   (default: any credentials accepted)              [FAKES3_SECRET_KEY]\n"
    "      --users FILE      verify signatures for the users of a JSON file   [FAKES3_USERS]\n"
    "      --legacy-bucket-defaults  with users: new buckets get S3's pre-2023\n"
    "                        defaults (ObjectWriter, no public access block)  "
    "[FAKES3_LEGACY_BUCKET_DEFAULTS=1]\n"
    "      --sse-c-require-tls  refuse SSE-C (customer key) headers over plain HTTP,\n"
    "                        as S3 does (default: accepted)     [FAKES3_SSE_C_REQUIRE_TLS=1]\n"
    "      --log-delivery-seconds N  server access logs are put into their target\n"
    "                        buckets every N seconds (default 60)  [FAKES3_LOG_DELIVERY_SECONDS]\n"
    "      --notify URL      POST the events of every bucket notification destination\n"
    "                        (topic, queue, function ARN) to this http:// URL [FAKES3_NOTIFY]\n"
    "      --notify-map ARN=URL  POST the events of destination ARN to URL instead;\n"
    "                        repeatable                    [FAKES3_NOTIFY_MAP, comma-separated]\n"
    "      --no-control      no control namespace (/_fakes3/: reset, snapshots,\n"
    "                        journal, faults, clock)                     [FAKES3_NO_CONTROL=1]\n"
    "      --journal N       the request journal keeps the last N requests\n"
    "                        (default 2000; 0: none)                          [FAKES3_JOURNAL]\n"
    "      --memory          keep everything in memory, nothing on disk      [FAKES3_MEMORY=1]\n"
    "      --seed DIR        at start, each folder of DIR becomes a bucket and each file\n"
    "                        under it an object                                [FAKES3_SEED]\n"
    "      --probe [URL]     health check: GET URL (default\n"
    "                        http://127.0.0.1:PORT/_fakes3/health),\n"
    "                        exit 0 if it answers 200-499, else 1\n"
    "  -h, --help            this text\n"
    "  -V, --version         the version\n";

enum {
    OPT_STRICT = 256,
    OPT_LEGACY_DEFAULTS,
    OPT_SSE_C_REQUIRE_TLS,
    OPT_SYNC,
    OPT_REGION,
    OPT_THREADS,
    OPT_SSLCERT,
    OPT_SSLKEY,
    OPT_CORS_ORIGIN,
    OPT_CORS_METHODS,
    OPT_CORS_HEADERS,
    OPT_CORS_POSTPUT,
    OPT_CORS_EXPOSE,
    OPT_PROBE,
    OPT_HTTPS_PORT,
    OPT_WEBSITE_PORT,
    OPT_ACCESS_KEY,
    OPT_SECRET_KEY,
    OPT_USERS,
    OPT_MAX_CONNECTIONS,
    OPT_HEADER_TIMEOUT,
    OPT_LIFECYCLE_DAY,
    OPT_LOG_DELIVERY,
    OPT_NOTIFY,
    OPT_NOTIFY_MAP,
    OPT_NO_CONTROL,
    OPT_JOURNAL,
    OPT_MEMORY,
    OPT_SEED,
};

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

static void add_hosts(config_t *c, const char *list)
{
    while (*list) {
        size_t n = strcspn(list, ",");
        if (n) {
            char *h = xstrndup(list, n);
            for (char *p = h; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            /* A port is not part of a base host. */
            char *colon = strchr(h, ':');
            if (colon) *colon = '\0';
            c->hosts = xrealloc(c->hosts, (c->nhosts + 1) * sizeof *c->hosts);
            c->hosts[c->nhosts++] = h;
        }
        list += n;
        if (*list == ',') list++;
    }
}

/* An http:// URL (the client checks the rest when it sends). */
static int url_ok(const char *u)
{
    return strncmp(u, "http://", 7) == 0 && u[7] && !strpbrk(u, " \t\r\n");
}

/* "ARN=URL" entries, one or a comma-separated list; 0, or 2 after saying
 * which is bad. */
static int add_notify_map(config_t *c, const char *what, const char *list)
{
    while (*list) {
        size_t n = strcspn(list, ",");
        if (n) {
            char *m = xstrndup(list, n);
            char *eq = strchr(m, '=');
            if (!eq || eq == m || !url_ok(eq + 1)) {
                fprintf(stderr, "fakes3: %s: not ARN=http://URL: %s\n", what, m);
                free(m);
                return 2;
            }
            c->notify_map = xrealloc(c->notify_map, (c->nnotify_map + 1) * sizeof *c->notify_map);
            c->notify_map[c->nnotify_map++] = m;
        }
        list += n;
        if (*list == ',') list++;
    }
    return 0;
}

static void clear_notify_map(config_t *c)
{
    for (size_t i = 0; i < c->nnotify_map; i++)
        free(c->notify_map[i]);
    free(c->notify_map);
    c->notify_map = NULL;
    c->nnotify_map = 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > max || s[0] == '-') return -1;
    *out = (unsigned)v;
    return 0;
}

int config_parse_rate(const char *s, double *bps)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v > 0) || v > 1e15 || !isdigit((unsigned char)s[0])) return -1;
    switch (*end) {
    case 'K':
    case 'k': v *= 1e3, end++; break;
    case 'M':
    case 'm': v *= 1e6, end++; break;
    case 'G':
    case 'g': v *= 1e9, end++; break;
    default: break;
    }
    if (*end) return -1;
    *bps = v;
    return 0;
}

static int set_rate(config_t *c, const char *what, const char *v)
{
    if (config_parse_rate(v, &c->limit_bps)) {
        fprintf(stderr, "fakes3: %s: not a rate: %s (bytes per second: 1000, 50K, 1.5M, 1G)\n",
                what, v);
        return 2;
    }
    set_str(&c->limit, v);
    return 0;
}

static int set_timeout(config_t *c, const char *what, const char *v)
{
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (end == v || *end || errno || !(t >= 0.01) || t > 86400 || !isdigit((unsigned char)v[0])) {
        fprintf(stderr, "fakes3: %s: not a number of seconds (0.01 to 86400): %s\n", what, v);
        return 2;
    }
    c->header_timeout_s = t;
    return 0;
}

static int truthy(const char *v)
{
    return v && *v && strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 &&
           strcasecmp(v, "no") != 0;
}

int config_parse(config_t *c, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->port = FAKES3_DEFAULT_PORT;
    const char *e;
    set_str(&c->root, (e = getenv("FAKES3_ROOT")) && *e ? e : FAKES3_DEFAULT_ROOT);
    set_str(&c->address, (e = getenv("FAKES3_ADDRESS")) && *e ? e : "0.0.0.0");
    if ((e = getenv("FAKES3_PORT")) && *e && parse_uint(e, 65535, &c->port)) {
        fprintf(stderr, "fakes3: FAKES3_PORT: not a port: %s\n", e);
        return 2;
    }
    if ((e = getenv("FAKES3_HTTPS_PORT")) && *e && parse_uint(e, 65535, &c->https_port)) {
        fprintf(stderr, "fakes3: FAKES3_HTTPS_PORT: not a port: %s\n", e);
        return 2;
    }
    if ((e = getenv("FAKES3_WEBSITE_PORT")) && *e && parse_uint(e, 65535, &c->website_port)) {
        fprintf(stderr, "fakes3: FAKES3_WEBSITE_PORT: not a port: %s\n", e);
        return 2;
    }
    if ((e = getenv("FAKES3_THREADS")) && *e && parse_uint(e, 1024, &c->threads)) {
        fprintf(stderr, "fakes3: FAKES3_THREADS: not a thread count: %s\n", e);
        return 2;
    }
    if ((e = getenv("FAKES3_MAX_CONNECTIONS")) && *e &&
        (parse_uint(e, 1000000, &c->max_connections) || !c->max_connections)) {
        fprintf(stderr, "fakes3: FAKES3_MAX_CONNECTIONS: not a connection count: %s\n", e);
        return 2;
    }
    if ((e = getenv("FAKES3_LIFECYCLE_DAY_SECONDS")) && *e &&
        (parse_uint(e, 86400, &c->lifecycle_day_seconds) || !c->lifecycle_day_seconds)) {
        fprintf(stderr,
                "fakes3: FAKES3_LIFECYCLE_DAY_SECONDS: not a number of seconds (1 to "
                "86400): %s\n",
                e);
        return 2;
    }
    c->log_delivery_seconds = 60;
    if ((e = getenv("FAKES3_LOG_DELIVERY_SECONDS")) && *e &&
        (parse_uint(e, 86400, &c->log_delivery_seconds) || !c->log_delivery_seconds)) {
        fprintf(stderr,
                "fakes3: FAKES3_LOG_DELIVERY_SECONDS: not a number of seconds (1 to 86400): %s\n",
                e);
        return 2;
    }
    if ((e = getenv("FAKES3_NOTIFY")) && *e) {
        if (!url_ok(e)) {
            fprintf(stderr, "fakes3: FAKES3_NOTIFY: not an http:// URL: %s\n", e);
            return 2;
        }
        set_str(&c->notify_url, e);
    }
    int env_map = 0;
    if ((e = getenv("FAKES3_NOTIFY_MAP")) && *e) {
        if (add_notify_map(c, "FAKES3_NOTIFY_MAP", e)) return 2;
        env_map = 1;
    }
    c->header_timeout_s = 30;
    if ((e = getenv("FAKES3_HEADER_TIMEOUT")) && *e && set_timeout(c, "FAKES3_HEADER_TIMEOUT", e))
        return 2;
    c->journal = 2000;
    if ((e = getenv("FAKES3_JOURNAL")) && *e && parse_uint(e, 1000000, &c->journal)) {
        fprintf(stderr, "fakes3: FAKES3_JOURNAL: not a count (0 to 1000000): %s\n", e);
        return 2;
    }
    c->no_control = truthy(getenv("FAKES3_NO_CONTROL"));
    c->memory = truthy(getenv("FAKES3_MEMORY"));
    if ((e = getenv("FAKES3_SEED")) && *e) set_str(&c->seed, e);
    c->quiet = truthy(getenv("FAKES3_QUIET"));
    c->strict = truthy(getenv("FAKES3_STRICT"));
    c->legacy_bucket_defaults = truthy(getenv("FAKES3_LEGACY_BUCKET_DEFAULTS"));
    c->sse_c_require_tls = truthy(getenv("FAKES3_SSE_C_REQUIRE_TLS"));
    c->sync = truthy(getenv("FAKES3_SYNC"));
    if ((e = getenv("FAKES3_REGION")) && *e) set_str(&c->region, e);
    if ((e = getenv("FAKES3_SSLCERT")) && *e) set_str(&c->sslcert, e);
    if ((e = getenv("FAKES3_ACCESS_KEY")) && *e) set_str(&c->access_key, e);
    if ((e = getenv("FAKES3_SECRET_KEY")) && *e) set_str(&c->secret_key, e);
    if ((e = getenv("FAKES3_USERS")) && *e) set_str(&c->users_file, e);
    if ((e = getenv("FAKES3_SSLKEY")) && *e) set_str(&c->sslkey, e);
    if ((e = getenv("FAKES3_LIMIT")) && *e && set_rate(c, "FAKES3_LIMIT", e)) return 2;
    int env_hosts = 0;
    if ((e = getenv("FAKES3_HOSTNAME")) && *e) {
        add_hosts(c, e);
        env_hosts = 1;
    }

    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},
        {"port", required_argument, NULL, 'p'},
        {"address", required_argument, NULL, 'a'},
        {"hostname", required_argument, NULL, 'H'},
        {"quiet", no_argument, NULL, 'q'},
        {"limit", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"legacy-bucket-defaults", no_argument, NULL, OPT_LEGACY_DEFAULTS},
        {"sse-c-require-tls", no_argument, NULL, OPT_SSE_C_REQUIRE_TLS},
        {"sync", no_argument, NULL, OPT_SYNC},
        {"region", required_argument, NULL, OPT_REGION},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"sslcert", required_argument, NULL, OPT_SSLCERT},
        {"sslkey", required_argument, NULL, OPT_SSLKEY},
        {"corsorigin", required_argument, NULL, OPT_CORS_ORIGIN},
        {"corsmethods", required_argument, NULL, OPT_CORS_METHODS},
        {"corspreflightallowheaders", required_argument, NULL, OPT_CORS_HEADERS},
        {"corspostputallowheaders", required_argument, NULL, OPT_CORS_POSTPUT},
        {"corsexposeheaders", required_argument, NULL, OPT_CORS_EXPOSE},
        {"probe", optional_argument, NULL, OPT_PROBE},
        {"https-port", required_argument, NULL, OPT_HTTPS_PORT},
        {"website-port", required_argument, NULL, OPT_WEBSITE_PORT},
        {"access-key", required_argument, NULL, OPT_ACCESS_KEY},
        {"secret-key", required_argument, NULL, OPT_SECRET_KEY},
        {"users", required_argument, NULL, OPT_USERS},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"lifecycle-day-seconds", required_argument, NULL, OPT_LIFECYCLE_DAY},
        {"log-delivery-seconds", required_argument, NULL, OPT_LOG_DELIVERY},
        {"notify", required_argument, NULL, OPT_NOTIFY},
        {"notify-map", required_argument, NULL, OPT_NOTIFY_MAP},
        {"no-control", no_argument, NULL, OPT_NO_CONTROL},
        {"journal", required_argument, NULL, OPT_JOURNAL},
        {"memory", no_argument, NULL, OPT_MEMORY},
        {"seed", required_argument, NULL, OPT_SEED},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* 0, not 1: glibc then also forgets a half-read "-abc" group */
    int ch;
    while ((ch = getopt_long(argc, argv, ":r:p:a:H:ql:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': set_str(&c->root, optarg); break;
        case 'p':
            if (parse_uint(optarg, 65535, &c->port)) {
                fprintf(stderr, "fakes3: --port: not a port: %s\n", optarg);
                return 2;
            }
            break;
        case 'a': set_str(&c->address, optarg); break;
        case 'H':
            if (env_hosts) {
                /* Flags win over the environment. */
                for (size_t i = 0; i < c->nhosts; i++)
                    free(c->hosts[i]);
                c->nhosts = 0;
                env_hosts = 0;
            }
            add_hosts(c, optarg);
            break;
        case 'q': c->quiet = 1; break;
        case 'l':
            if (set_rate(c, "--limit", optarg)) return 2;
            break;
        case 'h': fputs(usage, stdout); return 0;
        case 'V': printf("fakes3 %s\n", FAKES3_VERSION); return 0;
        case OPT_STRICT: c->strict = 1; break;
        case OPT_LEGACY_DEFAULTS: c->legacy_bucket_defaults = 1; break;
        case OPT_SSE_C_REQUIRE_TLS: c->sse_c_require_tls = 1; break;
        case OPT_SYNC: c->sync = 1; break;
        case OPT_REGION: set_str(&c->region, optarg); break;
        case OPT_THREADS:
            if (parse_uint(optarg, 1024, &c->threads)) {
                fprintf(stderr, "fakes3: --threads: not a thread count: %s\n", optarg);
                return 2;
            }
            break;
        case OPT_SSLCERT: set_str(&c->sslcert, optarg); break;
        case OPT_SSLKEY: set_str(&c->sslkey, optarg); break;
        case OPT_CORS_ORIGIN: set_str(&c->cors_origin, optarg); break;
        case OPT_CORS_METHODS: set_str(&c->cors_methods, optarg); break;
        case OPT_CORS_HEADERS: set_str(&c->cors_headers, optarg); break;
        case OPT_CORS_POSTPUT: set_str(&c->cors_postput, optarg); break;
        case OPT_CORS_EXPOSE: set_str(&c->cors_expose, optarg); break;
        case OPT_PROBE: set_str(&c->probe, optarg ? optarg : ""); break;
        case OPT_HTTPS_PORT:
            if (parse_uint(optarg, 65535, &c->https_port)) {
                fprintf(stderr, "fakes3: --https-port: not a port: %s\n", optarg);
                return 2;
            }
            break;
        case OPT_WEBSITE_PORT:
            if (parse_uint(optarg, 65535, &c->website_port)) {
                fprintf(stderr, "fakes3: --website-port: not a port: %s\n", optarg);
                return 2;
            }
            break;
        case OPT_ACCESS_KEY: set_str(&c->access_key, optarg); break;
        case OPT_SECRET_KEY: set_str(&c->secret_key, optarg); break;
        case OPT_USERS: set_str(&c->users_file, optarg); break;
        case OPT_MAX_CONNECTIONS:
            if (parse_uint(optarg, 1000000, &c->max_connections) || !c->max_connections) {
                fprintf(stderr, "fakes3: --max-connections: not a connection count: %s\n", optarg);
                return 2;
            }
            break;
        case OPT_HEADER_TIMEOUT:
            if (set_timeout(c, "--header-timeout", optarg)) return 2;
            break;
        case OPT_LOG_DELIVERY:
            if (parse_uint(optarg, 86400, &c->log_delivery_seconds) || !c->log_delivery_seconds) {
                fprintf(stderr,
                        "fakes3: --log-delivery-seconds: not a number of seconds (1 to 86400): "
                        "%s\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_NOTIFY:
            if (!url_ok(optarg)) {
                fprintf(stderr, "fakes3: --notify: not an http:// URL: %s\n", optarg);
                return 2;
            }
            set_str(&c->notify_url, optarg);
            break;
        case OPT_NOTIFY_MAP:
            if (env_map) {
                /* Flags win over the environment. */
                clear_notify_map(c);
                env_map = 0;
            }
            if (add_notify_map(c, "--notify-map", optarg)) return 2;
            break;
        case OPT_NO_CONTROL: c->no_control = 1; break;
        case OPT_MEMORY: c->memory = 1; break;
        case OPT_SEED: set_str(&c->seed, optarg); break;
        case OPT_JOURNAL:
            if (parse_uint(optarg, 1000000, &c->journal)) {
                fprintf(stderr, "fakes3: --journal: not a count (0 to 1000000): %s\n", optarg);
                return 2;
            }
            break;
        case OPT_LIFECYCLE_DAY:
            if (parse_uint(optarg, 86400, &c->lifecycle_day_seconds) || !c->lifecycle_day_seconds) {
                fprintf(stderr,
                        "fakes3: --lifecycle-day-seconds: not a number of seconds (1 to 86400): "
                        "%s\n",
                        optarg);
                return 2;
            }
            break;
        case ':':
            if (optopt && strncmp(argv[optind - 1], "--", 2) != 0)
                fprintf(stderr, "fakes3: option -%c needs a value (see --help)\n", optopt);
            else
                fprintf(stderr, "fakes3: option %s needs a value (see --help)\n", argv[optind - 1]);
            return 2;
        default:
            if (optopt)
                fprintf(stderr, "fakes3: unknown option -%c (see --help)\n", optopt);
            else
                fprintf(stderr, "fakes3: unknown option %s (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (c->probe && !*c->probe && optind + 1 == argc && strncmp(argv[optind], "http", 4) == 0)
        set_str(&c->probe, argv[optind++]); /* --probe URL */
    if (optind < argc) {
        fprintf(stderr, "fakes3: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!*c->root) {
        fprintf(stderr, "fakes3: --root is empty\n");
        return 2;
    }
    if (!c->access_key != !c->secret_key) {
        fprintf(stderr, "fakes3: --access-key and --secret-key go together\n");
        return 2;
    }
    if (c->access_key && c->users_file) {
        fprintf(stderr, "fakes3: --users and --access-key/--secret-key exclude each other\n");
        return 2;
    }
    if (!c->sslcert != !c->sslkey) {
        fprintf(stderr, "fakes3: --sslcert and --sslkey go together\n");
        return 2;
    }
    if (c->https_port && !c->sslcert) {
        fprintf(stderr, "fakes3: --https-port needs --sslcert and --sslkey\n");
        return 2;
    }
    if (c->https_port && c->https_port == c->port) {
        fprintf(stderr, "fakes3: --https-port must differ from --port (%u)\n", c->port);
        return 2;
    }
    if (c->website_port && (c->website_port == c->port || c->website_port == c->https_port)) {
        fprintf(stderr, "fakes3: --website-port must differ from --port and --https-port (%u)\n",
                c->website_port);
        return 2;
    }
    return -1;
}

void config_free(config_t *c)
{
    free(c->root);
    free(c->address);
    for (size_t i = 0; i < c->nhosts; i++)
        free(c->hosts[i]);
    free(c->hosts);
    free(c->region);
    free(c->limit);
    free(c->sslcert);
    free(c->sslkey);
    free(c->cors_origin);
    free(c->cors_methods);
    free(c->cors_headers);
    free(c->cors_postput);
    free(c->cors_expose);
    free(c->probe);
    free(c->access_key);
    free(c->secret_key);
    free(c->users_file);
    free(c->notify_url);
    free(c->seed);
    clear_notify_map(c);
    memset(c, 0, sizeof *c);
}
