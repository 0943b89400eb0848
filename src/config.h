/* config — fakes3's settings from the command line and the environment.
 *
 * Every flag of the Ruby fake-s3 is accepted (-r -p -a -H -q -l --sslcert
 * --sslkey and the --cors* family), plus --strict, --sync, --region,
 * --threads, --max-connections, --header-timeout, --lifecycle-day-seconds,
 * --log-delivery-seconds, --notify, --notify-map, --no-control, --journal,
 * --memory, --seed, --help and --version.
 * Each also reads an environment variable (FAKES3_ROOT, FAKES3_PORT, ...);
 * a flag wins over the environment. */
#ifndef FAKES3_CONFIG_H
#define FAKES3_CONFIG_H

#include <stddef.h>

#define FAKES3_VERSION      "0.1.0"
#define FAKES3_DEFAULT_PORT 4569
#define FAKES3_DEFAULT_ROOT "./fakes3-data"

typedef struct config {
    char *root;
    unsigned port;
    char *address;
    char **hosts; /* -H values, lower case */
    size_t nhosts;
    int quiet, strict, sync;
    int legacy_bucket_defaults; /* --legacy-bucket-defaults */
    int sse_c_require_tls;      /* --sse-c-require-tls: SSE-C only over HTTPS */
    unsigned threads;
    char *region;
    char *limit;      /* -l as given */
    double limit_bps; /* -l in bytes per second: the pace of each GET body; 0 for none */
    char *sslcert, *sslkey;
    unsigned https_port;   /* --https-port: HTTPS there, HTTP on port; 0: TLS (if any) on port */
    unsigned website_port; /* --website-port: the bucket website endpoint (HTTP); 0: none */
    /* fake-s3's CORS answers; NULL means its default */
    char *cors_origin, *cors_methods, *cors_headers, *cors_postput, *cors_expose;
    char *probe;                   /* --probe: the URL to check, then exit; NULL when serving */
    char *access_key, *secret_key; /* one user; NULL: none */
    char *users_file;              /* --users: a JSON users file; NULL: none */
    unsigned max_connections;      /* --max-connections; 0: main picks one from the file limit */
    double header_timeout_s;       /* --header-timeout: seconds to send a request head; 30 */
    /* --lifecycle-day-seconds: a lifecycle day lasts this many seconds, not
     * rounded to midnights; 0: S3's days */
    unsigned lifecycle_day_seconds;
    unsigned log_delivery_seconds; /* --log-delivery-seconds: between access log objects; 60 */
    char *notify_url;              /* --notify: the webhook of unmapped destinations; NULL */
    char **notify_map;             /* --notify-map "ARN=URL" entries */
    size_t nnotify_map;
    int no_control;   /* --no-control: no /_fakes3/ namespace */
    unsigned journal; /* --journal N: requests the journal keeps (0: none); 2000 */
    int memory;       /* --memory: nothing on disk */
    char *seed;       /* --seed DIR: buckets and objects loaded at start; NULL: none */
} config_t;

/* Parse argv and the environment into cfg (freed with config_free).
 * Returns -1 to go on serving, or an exit status: 0 after --help/--version,
 * 2 after printing a one-line error for a bad flag. */
int config_parse(config_t *cfg, int argc, char **argv);
/* fake-s3's rate syntax: bytes per second as a number, or a number with K, M
 * or G (10^3, 10^6, 10^9): "1000", "50K", "1.5M". 0, or -1 if not a rate. */
int config_parse_rate(const char *s, double *bps);
/* Release what cfg holds. */
void config_free(config_t *cfg);

#endif
