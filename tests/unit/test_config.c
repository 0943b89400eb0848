#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const env_names[] = {
    "FAKES3_ROOT",
    "FAKES3_PORT",
    "FAKES3_ADDRESS",
    "FAKES3_HOSTNAME",
    "FAKES3_QUIET",
    "FAKES3_STRICT",
    "FAKES3_SYNC",
    "FAKES3_REGION",
    "FAKES3_LIMIT",
    "FAKES3_THREADS",
    "FAKES3_SSLCERT",
    "FAKES3_SSLKEY",
    "FAKES3_ACCESS_KEY",
    "FAKES3_SECRET_KEY",
    "FAKES3_USERS",
    "FAKES3_MAX_CONNECTIONS",
    "FAKES3_HEADER_TIMEOUT",
    "FAKES3_HTTPS_PORT",
    "FAKES3_LEGACY_BUCKET_DEFAULTS",
    "FAKES3_SSE_C_REQUIRE_TLS",
    "FAKES3_LIFECYCLE_DAY_SECONDS",
    "FAKES3_WEBSITE_PORT",
    "FAKES3_LOG_DELIVERY_SECONDS",
    "FAKES3_NOTIFY",
    "FAKES3_NOTIFY_MAP",
};

/* Every test starts and ends with none of fakes3's variables set, and with
 * getopt's hidden state fresh (optind = 0 makes glibc start over), so that one
 * test's flags cannot leak into the next (see the last tests). */
static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(env_names); i++)
        unsetenv(env_names[i]);
    char *argv[] = {(char *)"reset", NULL};
    optind = 0;
    while (getopt(1, argv, "") != -1)
        ;
    return 0;
}

/* config_parse on "fakes3" followed by the given arguments (at most 8). getopt
 * may permute argv, so it is a fresh array each time. */
static int parse_v(config_t *c, const char *const *args)
{
    char *argv[10] = {(char *)"fakes3"};
    int argc = 1;
    for (; args[argc - 1]; argc++) {
        assert_true(argc < 9);
        argv[argc] = (char *)args[argc - 1];
    }
    argv[argc] = NULL;
    return config_parse(c, argc, argv);
}
#define PARSE(c, ...) parse_v((c), (const char *const[]){__VA_ARGS__, NULL})
#define PARSE0(c)     parse_v((c), (const char *const[]){NULL})

static void test_defaults(void **state)
{
    (void)state;
    config_t c;
    memset(&c, 0x5a, sizeof c); /* config_parse must set every field */
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.port, 4569);
    assert_int_equal(c.port, FAKES3_DEFAULT_PORT);
    assert_string_equal(c.root, "./fakes3-data");
    assert_string_equal(c.address, "0.0.0.0");
    assert_int_equal(c.nhosts, 0);
    assert_int_equal(c.quiet, 0);
    assert_int_equal(c.strict, 0);
    assert_int_equal(c.sync, 0);
    assert_int_equal(c.threads, 0);
    assert_null(c.region);
    assert_null(c.limit);
    assert_null(c.sslcert);
    assert_null(c.sslkey);
    assert_null(c.cors_origin);
    assert_null(c.cors_methods);
    assert_null(c.cors_headers);
    assert_null(c.cors_postput);
    assert_null(c.cors_expose);
    assert_null(c.probe);
    assert_int_equal(c.website_port, 0);
    assert_int_equal(c.log_delivery_seconds, 60);
    assert_null(c.notify_url);
    assert_int_equal(c.nnotify_map, 0);
    config_free(&c);
    assert_null(c.root);
    assert_null(c.hosts);
}

/* Which field a flag sets, and to what. */
enum kind { STR, UINT, INT };
typedef struct flag_case {
    const char *args[5];
    enum kind kind;
    size_t off;
    const char *s;
    unsigned u;
} flag_case_t;

#define FS(field, v) STR, offsetof(config_t, field), v, 0
#define FU(field, v) UINT, offsetof(config_t, field), NULL, v
#define FI(field, v) INT, offsetof(config_t, field), NULL, v

static const flag_case_t flag_cases[] = {
    {{"-r", "/data"}, FS(root, "/data")},
    {{"--root", "/data"}, FS(root, "/data")},
    {{"--root=/data"}, FS(root, "/data")},
    {{"-r/data"}, FS(root, "/data")},
    {{"-r", "/a", "-r", "/b"}, FS(root, "/b")},
    {{"-p", "8080"}, FU(port, 8080)},
    {{"--port", "8080"}, FU(port, 8080)},
    {{"--port=1"}, FU(port, 1)},
    {{"-p65535"}, FU(port, 65535)},
    {{"-p", "0"}, FU(port, 0)},
    {{"-a", "127.0.0.1"}, FS(address, "127.0.0.1")},
    {{"--address", "::1"}, FS(address, "::1")},
    {{"-q"}, FI(quiet, 1)},
    {{"--quiet"}, FI(quiet, 1)},
    {{"-l", "50K"}, FS(limit, "50K")},
    {{"--limit", "1M"}, FS(limit, "1M")},
    {{"--strict"}, FI(strict, 1)},
    {{"--legacy-bucket-defaults"}, FI(legacy_bucket_defaults, 1)},
    {{"--sse-c-require-tls"}, FI(sse_c_require_tls, 1)},
    {{"--sync"}, FI(sync, 1)},
    {{"--region", "eu-west-1"}, FS(region, "eu-west-1")},
    {{"--threads", "4"}, FU(threads, 4)},
    {{"--threads", "1024"}, FU(threads, 1024)},
    {{"--sslcert", "c.pem", "--sslkey", "k.pem"}, FS(sslcert, "c.pem")},
    {{"--sslcert", "c.pem", "--sslkey", "k.pem"}, FS(sslkey, "k.pem")},
    {{"--corsorigin", "*"}, FS(cors_origin, "*")},
    {{"--corsmethods", "GET, PUT"}, FS(cors_methods, "GET, PUT")},
    {{"--corspreflightallowheaders", "X-A"}, FS(cors_headers, "X-A")},
    {{"--corspostputallowheaders", "X-B"}, FS(cors_postput, "X-B")},
    {{"--corsexposeheaders", "ETag"}, FS(cors_expose, "ETag")},
    {{"--probe"}, FS(probe, "")},
    {{"--probe=http://h:1/"}, FS(probe, "http://h:1/")},
    {{"--probe", "http://h:1/"}, FS(probe, "http://h:1/")},
    {{"--probe", "http://h:1/", "-q"}, FS(probe, "http://h:1/")},
    {{"-q", "--probe", "https://h/x"}, FS(probe, "https://h/x")},
    {{"--website-port", "8080"}, FU(website_port, 8080)},
    {{"--website-port=0"}, FU(website_port, 0)},
    {{"--log-delivery-seconds", "1"}, FU(log_delivery_seconds, 1)},
    {{"--log-delivery-seconds=86400"}, FU(log_delivery_seconds, 86400)},
    {{"--notify", "http://127.0.0.1:9/hook"}, FS(notify_url, "http://127.0.0.1:9/hook")},
    {{"--notify=http://[::1]/"}, FS(notify_url, "http://[::1]/")},
    /* Options after a stray-looking argument still count (GNU permutation). */
    {{"-q", "-p", "7000"}, FU(port, 7000)},
    {{"--", NULL}, FU(port, 4569)},
};

static void test_each_flag(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(flag_cases); i++) {
        const flag_case_t *f = &flag_cases[i];
        config_t c;
        int rc = parse_v(&c, f->args);
        const char *p = (const char *)&c + f->off;
        int ok = rc == -1;
        char got[128] = "";
        if (ok && f->kind == STR) {
            const char *v = *(char *const *)p;
            snprintf(got, sizeof got, "%s", v ? v : "(null)");
            ok = v && strcmp(v, f->s) == 0;
        } else if (ok && f->kind == UINT) {
            snprintf(got, sizeof got, "%u", *(const unsigned *)p);
            ok = *(const unsigned *)p == f->u;
        } else if (ok) {
            snprintf(got, sizeof got, "%d", *(const int *)p);
            ok = *(const int *)p == (int)f->u;
        }
        config_free(&c);
        if (!ok)
            fail_msg("case %zu (%s %s ...): rc %d, got %s, want %s/%u", i, f->args[0],
                     f->args[1] ? f->args[1] : "", rc, got, f->s ? f->s : "", f->u);
    }
}

static void test_hostname_repeatable_lowercased_port_stripped(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(
        PARSE(&c, "-H", "S3.Local:4569", "--hostname", "Example.COM", "-H", "a:1,B,,c"), -1);
    assert_int_equal(c.nhosts, 5);
    assert_string_equal(c.hosts[0], "s3.local");
    assert_string_equal(c.hosts[1], "example.com");
    assert_string_equal(c.hosts[2], "a");
    assert_string_equal(c.hosts[3], "b");
    assert_string_equal(c.hosts[4], "c");
    config_free(&c);
    assert_int_equal(c.nhosts, 0);

    assert_int_equal(PARSE(&c, "--hostname=MiXeD.example"), -1);
    assert_int_equal(c.nhosts, 1);
    assert_string_equal(c.hosts[0], "mixed.example");
    config_free(&c);
}

static void test_env(void **state)
{
    (void)state;
    config_t c;
    setenv("FAKES3_ROOT", "/env/root", 1);
    setenv("FAKES3_PORT", "5000", 1);
    setenv("FAKES3_ADDRESS", "127.0.0.2", 1);
    setenv("FAKES3_HOSTNAME", "A.Local:1,,b.local", 1);
    setenv("FAKES3_QUIET", "1", 1);
    setenv("FAKES3_STRICT", "true", 1);
    setenv("FAKES3_LEGACY_BUCKET_DEFAULTS", "1", 1);
    setenv("FAKES3_SSE_C_REQUIRE_TLS", "1", 1);
    setenv("FAKES3_SYNC", "yes", 1);
    setenv("FAKES3_REGION", "ap-south-1", 1);
    setenv("FAKES3_THREADS", "3", 1);
    setenv("FAKES3_LIMIT", "10K", 1);
    setenv("FAKES3_SSLCERT", "/c.pem", 1);
    setenv("FAKES3_SSLKEY", "/k.pem", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_string_equal(c.root, "/env/root");
    assert_int_equal(c.port, 5000);
    assert_string_equal(c.address, "127.0.0.2");
    assert_int_equal(c.nhosts, 2);
    assert_string_equal(c.hosts[0], "a.local");
    assert_string_equal(c.hosts[1], "b.local");
    assert_int_equal(c.quiet, 1);
    assert_int_equal(c.strict, 1);
    assert_int_equal(c.legacy_bucket_defaults, 1);
    assert_int_equal(c.sse_c_require_tls, 1);
    assert_int_equal(c.sync, 1);
    assert_string_equal(c.region, "ap-south-1");
    assert_int_equal(c.threads, 3);
    assert_string_equal(c.limit, "10K");
    assert_string_equal(c.sslcert, "/c.pem");
    assert_string_equal(c.sslkey, "/k.pem");
    config_free(&c);
}

/* FAKES3_QUIET and FAKES3_STRICT: which values mean yes. */
static void test_env_truthy(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        int want;
    } cases[] = {
        {"1", 1},     {"true", 1}, {"yes", 1},   {"on", 1}, {"TRUE", 1}, {"0", 0},
        {"false", 0}, {"no", 0},   {"FALSE", 0}, {"No", 0}, {"", 0},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        config_t c;
        setenv("FAKES3_QUIET", cases[i].v, 1);
        setenv("FAKES3_STRICT", cases[i].v, 1);
        assert_int_equal(PARSE0(&c), -1);
        int q = c.quiet, s = c.strict;
        config_free(&c);
        if (q != cases[i].want || s != cases[i].want)
            fail_msg("\"%s\": quiet %d strict %d, want %d", cases[i].v, q, s, cases[i].want);
    }
    /* The flags switch them on whatever the environment says. */
    config_t c;
    setenv("FAKES3_QUIET", "0", 1);
    setenv("FAKES3_STRICT", "0", 1);
    assert_int_equal(PARSE(&c, "-q", "--strict"), -1);
    assert_int_equal(c.quiet, 1);
    assert_int_equal(c.strict, 1);
    config_free(&c);
}

static void test_flags_win_over_env(void **state)
{
    (void)state;
    config_t c;
    setenv("FAKES3_ROOT", "/env/root", 1);
    setenv("FAKES3_PORT", "5000", 1);
    setenv("FAKES3_ADDRESS", "127.0.0.2", 1);
    setenv("FAKES3_HOSTNAME", "env.host,env2.host", 1);
    setenv("FAKES3_REGION", "ap-south-1", 1);
    assert_int_equal(PARSE(&c, "-r", "/flag/root", "-p", "6000", "-a", "::", "--region", "x-1"),
                     -1);
    assert_string_equal(c.root, "/flag/root");
    assert_int_equal(c.port, 6000);
    assert_string_equal(c.address, "::");
    assert_string_equal(c.region, "x-1");
    /* No -H: the environment's hosts stand. */
    assert_int_equal(c.nhosts, 2);
    assert_string_equal(c.hosts[0], "env.host");
    assert_string_equal(c.hosts[1], "env2.host");
    config_free(&c);

    /* -H replaces the environment's list; a second -H adds to the first. */
    assert_int_equal(PARSE(&c, "-H", "flag.host", "-H", "Flag2.Host"), -1);
    assert_int_equal(c.nhosts, 2);
    assert_string_equal(c.hosts[0], "flag.host");
    assert_string_equal(c.hosts[1], "flag2.host");
    config_free(&c);

    /* An empty variable is as if unset. */
    setenv("FAKES3_ROOT", "", 1);
    setenv("FAKES3_PORT", "", 1);
    setenv("FAKES3_HOSTNAME", "", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_string_equal(c.root, "./fakes3-data");
    assert_int_equal(c.port, 4569);
    assert_int_equal(c.nhosts, 0);
    config_free(&c);
}

/* Arguments that must end the program with status 2. */
static const char *const bad_args[][5] = {
    {"-p", "abc"},
    {"-p", "65536"},
    {"-p", "-1"},
    {"-p", ""},
    {"-p", "12x"},
    {"--port=99999999999999999999"},
    {"--threads", "1025"},
    {"--threads", "many"},
    {"-l", "fast"},
    {"-l", "0"},
    {"--limit=5X"},
    {"-l", "K"},
    {"-l", "1.5.5M"},
    {"-l", "inf"},
    {"-l"},
    {"-Z"},
    {"--bogus"},
    {"--strict=1"},
    {"--cors", "x"}, /* ambiguous abbreviation */
    {"-p"},
    {"--port"},
    {"-r"},
    {"--root"},
    {"-H"},
    {"--hostname"},
    {"-q", "-a"},
    {"--sslcert"},
    {"extra"},
    {"-q", "extra"},
    {"extra", "-q"},
    {"--", "extra"},
    {"--probe", "h:1"},
    {"--probe", "http://a/", "http://b/"},
    {"http://a/"},
    {"-r", ""},
    {"--sslcert", "c.pem"},
    {"--sslkey", "k.pem"},
    {"--website-port"},
    {"--website-port", "x"},
    {"--website-port", "65536"},
    {"--website-port", "4569"}, /* the default --port */
    {"-p", "80", "--website-port", "80"},
    {"--website-port=443", "--https-port=443", "--sslcert=c", "--sslkey=k"},
};

static void test_bad_args_exit_2(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(bad_args); i++) {
        config_t c;
        int rc = parse_v(&c, bad_args[i]);
        config_free(&c);
        if (rc != 2)
            fail_msg("case %zu (%s %s): rc %d, want 2", i, bad_args[i][0],
                     bad_args[i][1] ? bad_args[i][1] : "", rc);
    }
}

/* fake-s3's rate syntax: K, M, G are powers of 1000. */
static void test_rates(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double want; /* 0: refused */
    } cases[] = {
        {"1000", 1000}, {"50K", 50e3}, {"50k", 50e3}, {"1.5M", 1.5e6}, {"2G", 2e9},
        {"0.5K", 500},  {"1", 1},      {"", 0},       {"0", 0},        {"K", 0},
        {"-1K", 0},     {"5X", 0},     {"1.5.5M", 0}, {"inf", 0},      {"nan", 0},
        {"1e3", 1000},  {"10KB", 0},   {" 5K", 0},    {"1e400", 0},    {"0x10", 16},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        double v = -1;
        int rc = config_parse_rate(cases[i].s, &v);
        if (cases[i].want == 0 ? rc != -1 : rc != 0 || v != cases[i].want)
            fail_msg("\"%s\": rc %d value %g, want %g", cases[i].s, rc, v, cases[i].want);
    }
    config_t c;
    assert_int_equal(PARSE(&c, "-l", "50K"), -1);
    assert_true(c.limit_bps == 50e3);
    config_free(&c);
    assert_int_equal(PARSE0(&c), -1);
    assert_true(c.limit_bps == 0);
    config_free(&c);
    setenv("FAKES3_LIMIT", "2M", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_true(c.limit_bps == 2e6);
    config_free(&c);
    setenv("FAKES3_LIMIT", "slow", 1);
    assert_int_equal(PARSE0(&c), 2);
    config_free(&c);
}

static void test_bad_env_exit_2(void **state)
{
    (void)state;
    config_t c;
    setenv("FAKES3_PORT", "http", 1);
    assert_int_equal(PARSE0(&c), 2);
    config_free(&c);
    setenv("FAKES3_PORT", "70000", 1);
    assert_int_equal(PARSE0(&c), 2);
    config_free(&c);
    unsetenv("FAKES3_PORT");
    setenv("FAKES3_THREADS", "-2", 1);
    assert_int_equal(PARSE0(&c), 2);
    config_free(&c);
    unsetenv("FAKES3_THREADS");
    /* A certificate without its key, from the environment or mixed. */
    setenv("FAKES3_SSLCERT", "/c.pem", 1);
    assert_int_equal(PARSE0(&c), 2);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--sslkey", "/k.pem"), -1);
    assert_string_equal(c.sslcert, "/c.pem");
    assert_string_equal(c.sslkey, "/k.pem");
    config_free(&c);
}

static void test_help_version_exit_0(void **state)
{
    (void)state;
    static const char *const args[][4] = {
        {"--help"}, {"-h"}, {"--version"}, {"-V"}, {"-q", "--help"}, {"-p", "1", "-V"},
    };
    for (size_t i = 0; i < NELEM(args); i++) {
        config_t c;
        int rc = parse_v(&c, args[i]);
        config_free(&c);
        if (rc != 0) fail_msg("case %zu (%s): rc %d, want 0", i, args[i][0], rc);
    }
    fflush(stdout);
}

/* What config_parse writes to stderr for args. */
static char *stderr_of(const char *const *args, int *rc)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    config_t c;
    *rc = parse_v(&c, args);
    config_free(&c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *out = calloc(1, 1024);
    assert_non_null(out);
    rewind(tmp);
    size_t n = fread(out, 1, 1023, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

/* The one-line error names the flag that was wrong. For an unknown letter at
 * the start of a cluster ("-Zq") it named argv[0] instead: "unknown option
 * fakes3", because getopt has not moved optind past an unfinished cluster. */
static void test_error_names_the_bad_flag(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        const char *names;
    } cases[] = {
        {{"-Z"}, "-Z"},         {{"--bogus"}, "--bogus"}, {{"-qZ"}, "Z"},       {{"-p"}, "-p"},
        {{"--root"}, "--root"}, {{"-p", "x"}, "x"},       {{"stray"}, "stray"}, {{"-Zq"}, "Z"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        clear_env(NULL);
        int rc;
        char *msg = stderr_of(cases[i].args, &rc);
        int ok = rc == 2 && strncmp(msg, "fakes3: ", 8) == 0 && strstr(msg, cases[i].names) &&
                 strchr(msg, '\n') == msg + strlen(msg) - 1;
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", msg);
        free(msg);
        if (!ok)
            fail_msg("case %zu (%s): rc %d, message \"%s\" does not name \"%s\"", i,
                     cases[i].args[0], rc, copy, cases[i].names);
    }
}

/* config_parse reset getopt with optind = 1, which glibc takes as "go on":
 * a parse that stopped inside a cluster of short flags ("-Zq") left the rest
 * of that cluster ("q") pending, and the next parse applied it to its own
 * arguments. */
static void test_second_parse_after_error_inside_flag_cluster(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(PARSE(&c, "-Zq"), 2);
    config_free(&c);
    int rc = PARSE(&c, "-p", "5000");
    unsigned port = c.port;
    int quiet = c.quiet;
    config_free(&c);
    assert_int_equal(rc, -1);
    assert_int_equal(port, 5000);
    assert_int_equal(quiet, 0);
}

static void test_second_parse_after_help_inside_flag_cluster(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(PARSE(&c, "-hq"), 0);
    config_free(&c);
    fflush(stdout);
    int rc = PARSE(&c, "-p", "5000");
    unsigned port = c.port;
    int quiet = c.quiet;
    config_free(&c);
    assert_int_equal(rc, -1);
    assert_int_equal(port, 5000);
    assert_int_equal(quiet, 0);
}

/* --max-connections and --header-timeout: defaults, flags, environment, and
 * the values refused (a cap of 0 would refuse everybody). */
/* --notify-map: repeatable, comma lists, the environment replaced by flags;
 * the delivery flags refuse what they cannot use. */
static void test_delivery_flags(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(PARSE(&c, "--notify-map", "arn:aws:sqs:us-east-1:1:a=http://h/a",
                           "--notify-map", "arn:b=http://h/b,arn:c=http://h:8/c?x=1"),
                     -1);
    assert_int_equal(c.nnotify_map, 3);
    assert_string_equal(c.notify_map[0], "arn:aws:sqs:us-east-1:1:a=http://h/a");
    assert_string_equal(c.notify_map[2], "arn:c=http://h:8/c?x=1");
    config_free(&c);
    assert_int_equal(c.nnotify_map, 0);

    clear_env(NULL);
    setenv("FAKES3_NOTIFY_MAP", "arn:e=http://h/e,arn:f=http://h/f", 1);
    setenv("FAKES3_NOTIFY", "http://h/all", 1);
    setenv("FAKES3_LOG_DELIVERY_SECONDS", "5", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.nnotify_map, 2);
    assert_string_equal(c.notify_url, "http://h/all");
    assert_int_equal(c.log_delivery_seconds, 5);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--notify-map", "arn:g=http://h/g", "--log-delivery-seconds", "7"),
                     -1);
    assert_int_equal(c.nnotify_map, 1);
    assert_string_equal(c.notify_map[0], "arn:g=http://h/g");
    assert_int_equal(c.log_delivery_seconds, 7);
    config_free(&c);
    clear_env(NULL);

    static const char *const bad[][2] = {
        {"--notify", "https://h/"},
        {"--notify", "h:1/"},
        {"--notify", "http://"},
        {"--notify-map", "arn-only"},
        {"--notify-map", "=http://h/"},
        {"--notify-map", "arn:x=ftp://h/"},
        {"--notify-map", "arn:x=http://h/ a"},
        {"--log-delivery-seconds", "0"},
        {"--log-delivery-seconds", "86401"},
        {"--log-delivery-seconds", "-1"},
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        clear_env(NULL);
        if (PARSE(&c, bad[i][0], bad[i][1]) != 2) fail_msg("%s %s accepted", bad[i][0], bad[i][1]);
        config_free(&c);
    }
    static const char *const bad_env[][2] = {
        {"FAKES3_NOTIFY", "ftp://h/"},
        {"FAKES3_NOTIFY_MAP", "arn:x"},
        {"FAKES3_LOG_DELIVERY_SECONDS", "0"},
    };
    for (size_t i = 0; i < NELEM(bad_env); i++) {
        clear_env(NULL);
        setenv(bad_env[i][0], bad_env[i][1], 1);
        if (PARSE0(&c) != 2) fail_msg("%s=%s accepted", bad_env[i][0], bad_env[i][1]);
        config_free(&c);
    }
    clear_env(NULL);
}

static void test_connection_limits(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.max_connections, 0); /* main sizes it from the open-file limit */
    assert_true(c.header_timeout_s == 30);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--max-connections", "50", "--header-timeout", "0.5"), -1);
    assert_int_equal(c.max_connections, 50);
    assert_true(c.header_timeout_s == 0.5);
    config_free(&c);
    setenv("FAKES3_MAX_CONNECTIONS", "70", 1);
    setenv("FAKES3_HEADER_TIMEOUT", "7", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.max_connections, 70);
    assert_true(c.header_timeout_s == 7);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--max-connections", "9", "--header-timeout", "3"), -1);
    assert_int_equal(c.max_connections, 9);
    assert_true(c.header_timeout_s == 3);
    config_free(&c);
    unsetenv("FAKES3_MAX_CONNECTIONS");
    unsetenv("FAKES3_HEADER_TIMEOUT");
    static const char *const bad[] = {"0", "-1", "abc", "", "5x", "1e9"};
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_int_equal(PARSE(&c, "--max-connections", bad[i]), 2);
        config_free(&c);
        assert_int_equal(PARSE(&c, "--header-timeout", bad[i]), 2);
        config_free(&c);
        setenv("FAKES3_MAX_CONNECTIONS", bad[i], 1);
        assert_int_equal(PARSE0(&c), *bad[i] ? 2 : -1); /* an empty variable is unset */
        config_free(&c);
        unsetenv("FAKES3_MAX_CONNECTIONS");
    }
    assert_int_equal(PARSE(&c, "--header-timeout", "0.001"), 2);
    config_free(&c);
}

/* --lifecycle-day-seconds: S3's days by default, 1 to 86400 seconds. */
static void test_lifecycle_day_seconds(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.lifecycle_day_seconds, 0);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--lifecycle-day-seconds", "1"), -1);
    assert_int_equal(c.lifecycle_day_seconds, 1);
    config_free(&c);
    setenv("FAKES3_LIFECYCLE_DAY_SECONDS", "60", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.lifecycle_day_seconds, 60);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--lifecycle-day-seconds", "86400"), -1);
    assert_int_equal(c.lifecycle_day_seconds, 86400); /* the flag wins */
    config_free(&c);
    static const char *const bad[] = {"0", "-1", "abc", "", "86401", "1.5"};
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_int_equal(PARSE(&c, "--lifecycle-day-seconds", bad[i]), 2);
        config_free(&c);
        setenv("FAKES3_LIFECYCLE_DAY_SECONDS", bad[i], 1);
        assert_int_equal(PARSE0(&c), *bad[i] ? 2 : -1); /* an empty variable is unset */
        config_free(&c);
    }
    unsetenv("FAKES3_LIFECYCLE_DAY_SECONDS");
}

#define T(f) cmocka_unit_test_setup_teardown(f, clear_env, clear_env)

static void test_website_port_env(void **state)
{
    (void)state;
    config_t c;
    setenv("FAKES3_WEBSITE_PORT", "8081", 1);
    assert_int_equal(PARSE0(&c), -1);
    assert_int_equal(c.website_port, 8081);
    config_free(&c);
    clear_env(NULL);
    setenv("FAKES3_WEBSITE_PORT", "8081", 1);
    assert_int_equal(PARSE(&c, "--website-port", "8082"), -1);
    assert_int_equal(c.website_port, 8082); /* the flag wins */
    config_free(&c);
    clear_env(NULL);
    setenv("FAKES3_WEBSITE_PORT", "web", 1);
    assert_int_equal(PARSE0(&c), 2);
    config_free(&c);
}

static void test_credentials_flags_and_env(void **state)
{
    (void)state;
    config_t c;
    assert_int_equal(PARSE0(&c), -1);
    assert_null(c.access_key);
    assert_null(c.users_file);
    config_free(&c);
    assert_int_equal(PARSE(&c, "--access-key", "AK", "--secret-key", "SK"), -1);
    assert_string_equal(c.access_key, "AK");
    assert_string_equal(c.secret_key, "SK");
    config_free(&c);
    clear_env(NULL);
    assert_int_equal(PARSE(&c, "--users", "/u.json"), -1);
    assert_string_equal(c.users_file, "/u.json");
    config_free(&c);
    clear_env(NULL);
    setenv("FAKES3_ACCESS_KEY", "EAK", 1);
    setenv("FAKES3_SECRET_KEY", "ESK", 1);
    assert_int_equal(PARSE(&c, "--secret-key", "FSK"), -1);
    assert_string_equal(c.access_key, "EAK");
    assert_string_equal(c.secret_key, "FSK"); /* the flag wins */
    config_free(&c);
    clear_env(NULL);
    /* Half a pair, or a pair and a users file: exit 2. */
    assert_int_equal(PARSE(&c, "--access-key", "AK"), 2);
    config_free(&c);
    clear_env(NULL);
    assert_int_equal(PARSE(&c, "--secret-key", "SK"), 2);
    config_free(&c);
    clear_env(NULL);
    assert_int_equal(PARSE(&c, "--access-key", "A", "--secret-key", "S", "--users", "/u"), 2);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_each_flag),
        T(test_hostname_repeatable_lowercased_port_stripped),
        T(test_env),
        T(test_env_truthy),
        T(test_flags_win_over_env),
        T(test_bad_args_exit_2),
        T(test_bad_env_exit_2),
        T(test_rates),
        T(test_help_version_exit_0),
        T(test_error_names_the_bad_flag),
        T(test_second_parse_after_error_inside_flag_cluster),
        T(test_second_parse_after_help_inside_flag_cluster),
        T(test_credentials_flags_and_env),
        T(test_connection_limits),
        T(test_lifecycle_day_seconds),
        T(test_website_port_env),
        T(test_delivery_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
