/* ctlcli — `fakes3 ctl ...` (see ctlcli.h): a command line to one control
 * call, sent, its answer printed. */
#include "cli/ctlcli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cli/ctlsign.h"
#include "config.h"
#include "http/client.h"
#include "lib/buf.h"
#include "lib/util.h"

#define DEFAULT_ENDPOINT "http://127.0.0.1:4569"
#define TIMEOUT_MS       60000        /* a reset or a lifecycle pass may take a while */
#define WAIT_SLACK_MS    30000        /* beyond a journal wait's own timeout */
#define ANSWER_MAX       (256u << 20) /* a journal of 2,000 entries is a few MB */

const char ctlcli_usage[] =
    "Usage: fakes3 ctl [options] COMMAND [ARGS]\n"
    "The control calls of a running fakes3 (/_fakes3/): prints the server's JSON answer;\n"
    "exit 0 on a 2xx answer, 1 on an error answer (printed to stderr), 2 on a usage\n"
    "error or when the server cannot be reached.\n"
    "\n"
    "Options (before COMMAND):\n"
    "  --endpoint URL      the server (default " DEFAULT_ENDPOINT ", or port\n"
    "                      FAKES3_PORT of 127.0.0.1 when that is set)    [FAKES3_ENDPOINT]\n"
    "  --access-key AK     with --secret-key: sign each request (SigV4, service s3) as\n"
    "  --secret-key SK     this user, an admin of a server with users\n"
    "                      [FAKES3_ACCESS_KEY, FAKES3_SECRET_KEY, else AWS_ACCESS_KEY_ID,\n"
    "                      AWS_SECRET_ACCESS_KEY; no keys: unsigned]\n"
    "  --region R          the signature's region (default us-east-1)    [FAKES3_REGION]\n"
    "  -h, --help          this text\n"
    "\n"
    "Commands:\n"
    "  health                        GET /_fakes3/health\n"
    "  info                          version, flags, backend, mode, counts\n"
    "  reset [BUCKET]                everything back to a fresh server (snapshots kept),\n"
    "                                or only BUCKET gone\n"
    "  snapshot save NAME            save the stored state as NAME (replaces one)\n"
    "  snapshot restore NAME         the stored state becomes NAME's\n"
    "  snapshot delete NAME\n"
    "  snapshot list\n"
    "  requests [FILTERS]            the request journal, oldest first\n"
    "  requests wait [FILTERS] [--count N] [--timeout S]\n"
    "                                wait until N requests match (default 1; with --since:\n"
    "                                N new ones); at the timeout (default 10 s) exit 1\n"
    "  requests clear                empty the journal\n"
    "      FILTERS: --op OP  --method M  --bucket B  --key PREFIX  --status S (503, 5xx)\n"
    "               --error CODE  --since ID (ids above it)  --limit N (the newest N)\n"
    "  fault add JSON                add a fault rule written as the API's JSON\n"
    "  fault add [MATCH] ACTION [--times N] [--after N] [--probability P --seed N]\n"
    "      MATCH:  --op OP  --method M  --bucket B  --key GLOB  --header NAME  --client ADDR\n"
    "      ACTION: --error CODE --status N [--message TEXT]  --delay-ms N  --body-delay-ms N\n"
    "              --reset before_head|after_head  --truncate-after N  --rate BYTES_PER_S\n"
    "  fault list                    the rules, with their hits\n"
    "  fault clear [ID]              remove every rule, or rule ID\n"
    "  clock                         fakes3's clock: now, offset, frozen\n"
    "  clock [+|-]N[s|m|h|d]         move it by N seconds/minutes/hours/days (+30d, -2h,\n"
    "                                +90s, +1.5; no suffix: seconds); lifecycle runs\n"
    "  clock set 2030-01-01T00:00:00Z\n"
    "  clock freeze | unfreeze       stop it at its instant / let it run again\n"
    "  clock reset                   real time, unfrozen\n"
    "\n"
    "Examples:\n"
    "  fakes3 ctl snapshot save clean && ./run-test.sh && fakes3 ctl snapshot restore clean\n"
    "  fakes3 ctl fault add --op PutObject --bucket b --error SlowDown --status 503 --times 2\n"
    "  fakes3 ctl requests wait --op GetObject --key logs/ --count 3 --timeout 30\n"
    "  fakes3 ctl clock +30d\n";

/* ---- parsing ---- */

typedef struct parse {
    ctlcli_call_t *c;
    char *err;
    size_t errlen;
} parse_t;

static int usage_err(parse_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_err(parse_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    return CTLCLI_USAGE;
}

/* "[+|-]digits[.digits]" or "[+|-].digits" (no exponent, hex, inf or nan)
 * with *end after it; 0, or -1. */
static int decimal(const char *s, const char **end, double *v)
{
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    size_t whole = strspn(p, "0123456789"), frac = 0;
    int dot = p[whole] == '.';
    if (dot) frac = strspn(p + whole + 1, "0123456789");
    if (!whole && !frac) return -1;
    if (whole + frac > 30) return -1; /* a clock step of 1e30 s means nothing */
    size_t n = (size_t)(p - s) + whole + (size_t)dot + frac;
    char num[40];
    memcpy(num, s, n);
    num[n] = '\0';
    errno = 0;
    *v = strtod(num, NULL);
    if (errno || !isfinite(*v)) return -1;
    *end = s + n;
    return 0;
}

int ctlcli_duration(const char *s, double *seconds)
{
    const char *end;
    double v;
    if (decimal(s, &end, &v)) return -1;
    static const struct {
        char suffix;
        double unit;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    double unit = 1;
    if (*end) {
        size_t i;
        for (i = 0; i < sizeof units / sizeof *units && units[i].suffix != *end; i++)
            ;
        if (i == sizeof units / sizeof *units || end[1]) return -1;
        unit = units[i].unit;
    }
    *seconds = v * unit;
    return 0;
}

/* Whether s is a whole number (optional '-') that fits a long long. */
static int integer(const char *s, long long *v)
{
    const char *p = *s == '-' ? s + 1 : s;
    if (!*p || strspn(p, "0123456789") != strlen(p)) return 0;
    char *e;
    errno = 0;
    *v = strtoll(s, &e, 10);
    return !errno && !*e;
}

/* A flag of a command: "--flag VALUE" or "--flag=VALUE", its value's kind,
 * and where it goes (a query parameter; for fault rules "match.op" and the
 * like: a member of a member). */
typedef enum { V_STR, V_INT, V_NUM } vkind_t;
typedef struct flag {
    const char *name;
    const char *field;
    vkind_t kind;
} flag_t;

typedef struct given {
    const flag_t *flag;
    const char *value;
} given_t;

#define MAX_GIVEN 32

static const flag_t filter_flags[] = {
    {"op", "op", V_STR},           {"method", "method", V_STR}, {"bucket", "bucket", V_STR},
    {"key", "key", V_STR},         {"status", "status", V_STR}, {"error", "error", V_STR},
    {"since", "since", V_INT},     {"limit", "limit", V_INT},   {"count", "count", V_INT},
    {"timeout", "timeout", V_NUM}, {NULL, NULL, V_STR},
};
#define WAIT_ONLY 2 /* the last two filter flags are for `requests wait` only */

static const flag_t fault_flags[] = {
    {"op", "match.op", V_STR},
    {"method", "match.method", V_STR},
    {"bucket", "match.bucket", V_STR},
    {"key", "match.key", V_STR},
    {"header", "match.header", V_STR},
    {"client", "match.client", V_STR},
    {"error", "action.error", V_STR},
    {"status", "action.status", V_INT},
    {"message", "action.message", V_STR},
    {"delay-ms", "action.delay_ms", V_INT},
    {"body-delay-ms", "action.body_delay_ms", V_INT},
    {"reset", "action.reset", V_STR},
    {"truncate-after", "action.truncate_after", V_INT},
    {"rate", "action.rate", V_INT},
    {"times", "times", V_INT},
    {"after", "after", V_INT},
    {"probability", "probability", V_NUM},
    {"seed", "seed", V_INT},
    {NULL, NULL, V_STR},
};

/* The flags of argv[0..argc) into g (*ng of them), each known to flags
 * (the first nflags rows), given once, its value of its kind. */
static int parse_flags(parse_t *p, const char *cmd, int argc, char *const *argv,
                       const flag_t *flags, size_t nflags, given_t *g, size_t *ng)
{
    *ng = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) return usage_err(p, "%s: unexpected argument '%s'", cmd, a);
        const char *eq = strchr(a + 2, '=');
        size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        const flag_t *f = NULL;
        for (size_t k = 0; k < nflags && !f; k++)
            if (strlen(flags[k].name) == n && strncmp(flags[k].name, a + 2, n) == 0) f = &flags[k];
        if (!f) return usage_err(p, "%s: unknown option '%.*s'", cmd, (int)n + 2, a);
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (i + 1 >= argc) return usage_err(p, "%s: --%s needs a value", cmd, f->name);
            v = argv[++i];
        }
        for (size_t k = 0; k < *ng; k++)
            if (g[k].flag == f) return usage_err(p, "%s: --%s given twice", cmd, f->name);
        long long iv;
        double dv;
        const char *end;
        if (f->kind == V_INT && !integer(v, &iv))
            return usage_err(p, "%s: --%s wants a whole number, not '%s'", cmd, f->name, v);
        if (f->kind == V_NUM && (decimal(v, &end, &dv) || *end))
            return usage_err(p, "%s: --%s wants a number, not '%s'", cmd, f->name, v);
        if (*ng == MAX_GIVEN) return usage_err(p, "%s: too many options", cmd);
        g[(*ng)++] = (given_t){f, v};
    }
    return CTLCLI_CALL;
}

static void set_target(ctlcli_call_t *c, const char *method, const char *path)
{
    c->method = method;
    free(c->target);
    c->target = xstrdup(path);
}

/* "/_fakes3/" prefix + a path segment percent-encoded + suffix. */
static void set_target_seg(ctlcli_call_t *c, const char *method, const char *prefix,
                           const char *seg, const char *suffix)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, prefix);
    buf_urlenc(&b, seg, strlen(seg), 0);
    buf_puts(&b, suffix);
    c->method = method;
    free(c->target);
    c->target = buf_take(&b);
}

/* Take j (stolen) as the body. */
static void set_body(ctlcli_call_t *c, json_t *j)
{
    free(c->body);
    c->body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(j);
}

/* A JSON number for a value the flag parsing accepted. */
static json_t *number(vkind_t kind, const char *v)
{
    if (kind == V_INT) return json_integer(strtoll(v, NULL, 10));
    return json_real(strtod(v, NULL));
}

/* A whole number of seconds as an integer, else a real. */
static json_t *seconds_json(double s)
{
    if (s == floor(s) && fabs(s) < 9e15) return json_integer((json_int_t)s);
    return json_real(s);
}

static int cmd_requests(parse_t *p, int argc, char *const *argv)
{
    ctlcli_call_t *c = p->c;
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (sub && strcmp(sub, "clear") == 0) {
        if (argc > 1) return usage_err(p, "requests clear: unexpected argument '%s'", argv[1]);
        set_target(c, "DELETE", "/_fakes3/requests");
        return CTLCLI_CALL;
    }
    int wait = sub && strcmp(sub, "wait") == 0;
    if (wait) {
        argc--;
        argv++;
    }
    const char *cmd = wait ? "requests wait" : "requests";
    size_t nflags = sizeof filter_flags / sizeof *filter_flags - 1 - (wait ? 0 : WAIT_ONLY);
    given_t g[MAX_GIVEN];
    size_t ng;
    int rc = parse_flags(p, cmd, argc, argv, filter_flags, nflags, g, &ng);
    if (rc != CTLCLI_CALL) return rc;
    buf_t t = BUF_INIT;
    buf_puts(&t, wait ? "/_fakes3/requests/wait" : "/_fakes3/requests");
    double wait_s = 10;
    for (size_t i = 0; i < ng; i++) {
        buf_putc(&t, i ? '&' : '?');
        buf_puts(&t, g[i].flag->field);
        buf_putc(&t, '=');
        buf_urlenc(&t, g[i].value, strlen(g[i].value), 0);
        if (strcmp(g[i].flag->name, "timeout") == 0) wait_s = strtod(g[i].value, NULL);
    }
    c->method = "GET";
    free(c->target);
    c->target = buf_take(&t);
    /* The server answers by its timeout (at most 300 s); ours is beyond it. */
    if (wait) c->timeout_ms = (int)(fmin(fmax(wait_s, 0), 300) * 1000) + WAIT_SLACK_MS;
    return CTLCLI_CALL;
}

static int cmd_fault(parse_t *p, int argc, char *const *argv)
{
    ctlcli_call_t *c = p->c;
    const char *sub = argc > 0 ? argv[0] : "";
    if (strcmp(sub, "list") == 0 && argc == 1) {
        set_target(c, "GET", "/_fakes3/faults");
        return CTLCLI_CALL;
    }
    if (strcmp(sub, "clear") == 0 && argc <= 2) {
        if (argc == 2)
            set_target_seg(c, "DELETE", "/_fakes3/faults/", argv[1], "");
        else
            set_target(c, "DELETE", "/_fakes3/faults");
        return CTLCLI_CALL;
    }
    if (strcmp(sub, "add") != 0)
        return usage_err(p, "fault: want add, list or clear [ID]%s%s", *sub ? ", not " : "", sub);
    if (argc == 1) return usage_err(p, "fault add: a rule as JSON or as options");
    set_target(c, "POST", "/_fakes3/faults");
    if (argv[1][0] != '-') {
        /* The rule as the API's JSON: checked to be an object here, its
         * fields by the server (InvalidFaultRule names the field). */
        if (argc > 2) return usage_err(p, "fault add: unexpected argument '%s'", argv[2]);
        json_error_t e;
        json_t *j = json_loads(argv[1], 0, &e);
        if (!j || !json_is_object(j)) {
            json_decref(j);
            return usage_err(p, "fault add: the rule is not a JSON object%s%s", j ? "" : ": ",
                             j ? "" : e.text);
        }
        set_body(c, j);
        return CTLCLI_CALL;
    }
    given_t g[MAX_GIVEN];
    size_t ng;
    int rc = parse_flags(p, "fault add", argc - 1, argv + 1, fault_flags,
                         sizeof fault_flags / sizeof *fault_flags - 1, g, &ng);
    if (rc != CTLCLI_CALL) return rc;
    /* match and action first, in the contract's order, even when empty. */
    json_t *rule = json_pack("{s:{}, s:{}}", "match", "action");
    for (size_t i = 0; i < ng; i++) {
        const flag_t *f = g[i].flag;
        json_t *v = f->kind == V_STR ? json_string(g[i].value) : number(f->kind, g[i].value);
        const char *dot = strchr(f->field, '.');
        if (!dot) {
            json_object_set_new(rule, f->field, v);
            continue;
        }
        char group[16];
        snprintf(group, sizeof group, "%.*s", (int)(dot - f->field), f->field);
        json_object_set_new(json_object_get(rule, group), dot + 1, v);
    }
    set_body(c, rule);
    return CTLCLI_CALL;
}

static int cmd_clock(parse_t *p, int argc, char *const *argv)
{
    ctlcli_call_t *c = p->c;
    set_target(c, argc ? "POST" : "GET", "/_fakes3/clock");
    if (!argc) return CTLCLI_CALL;
    const char *a = argv[0];
    double s;
    if (strcmp(a, "set") == 0) {
        if (argc != 2) return usage_err(p, "clock set: one time, as 2030-01-01T00:00:00Z");
        set_body(c, json_pack("{s:s}", "set", argv[1]));
        return CTLCLI_CALL;
    }
    if (argc > 1) return usage_err(p, "clock %s: unexpected argument '%s'", a, argv[1]);
    if (strcmp(a, "freeze") == 0 || strcmp(a, "unfreeze") == 0)
        set_body(c, json_pack("{s:b}", "freeze", strcmp(a, "freeze") == 0));
    else if (strcmp(a, "reset") == 0)
        set_body(c, json_pack("{s:b}", "reset", 1));
    else if (ctlcli_duration(a, &s) == 0)
        set_body(c, json_pack("{s:o}", "advance", seconds_json(s)));
    else
        return usage_err(p,
                         "clock: want +N[s|m|h|d], -N[...], set TIME, freeze, unfreeze or "
                         "reset, not '%s'",
                         a);
    return CTLCLI_CALL;
}

static int cmd_snapshot(parse_t *p, int argc, char *const *argv)
{
    ctlcli_call_t *c = p->c;
    const char *sub = argc > 0 ? argv[0] : "";
    if (strcmp(sub, "list") == 0) {
        if (argc > 1) return usage_err(p, "snapshot list: unexpected argument '%s'", argv[1]);
        set_target(c, "GET", "/_fakes3/snapshots");
        return CTLCLI_CALL;
    }
    int save = strcmp(sub, "save") == 0, restore = strcmp(sub, "restore") == 0,
        del = strcmp(sub, "delete") == 0;
    if (!save && !restore && !del)
        return usage_err(p, "snapshot: want save, restore, delete NAME or list%s%s",
                         *sub ? ", not " : "", sub);
    if (argc != 2) return usage_err(p, "snapshot %s: one NAME", sub);
    /* The name's rules are the server's (InvalidSnapshotName). */
    set_target_seg(c, del ? "DELETE" : "POST", "/_fakes3/snapshots/", argv[1],
                   restore ? "/restore" : "");
    return CTLCLI_CALL;
}

static int cmd_reset(parse_t *p, int argc, char *const *argv)
{
    if (argc > 1) return usage_err(p, "reset: at most one BUCKET");
    set_target(p->c, "POST", "/_fakes3/reset");
    set_body(p->c, argc ? json_pack("{s:s}", "bucket", argv[0]) : json_object());
    return CTLCLI_CALL;
}

/* The endpoint as "http://authority": a path, https or garbage is a usage error. */
static int set_endpoint(parse_t *p, const char *url)
{
    if (strncmp(url, "https://", 8) == 0)
        return usage_err(p,
                         "--endpoint %s: fakes3 ctl speaks plain http:// only (use the "
                         "--port of the server, not its --https-port)",
                         url);
    if (strncmp(url, "http://", 7) != 0)
        return usage_err(p, "--endpoint %s: not an http:// URL", url);
    size_t n = strlen(url);
    while (n > 7 && url[n - 1] == '/')
        n--;
    size_t auth = strcspn(url + 7, "/?#");
    if (auth == 0 || 7 + auth != n)
        return usage_err(p, "--endpoint %s: want http://HOST[:PORT] (no path)", url);
    free(p->c->endpoint);
    p->c->endpoint = xstrndup(url, n);
    return CTLCLI_CALL;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* A global option at argv[*i]: 1 taken (*i on its last word), 0 not one, or
 * CTLCLI_USAGE. */
static int global_option(parse_t *p, int argc, char *const *argv, int *i, const char **ak,
                         const char **sk, const char **region, const char **endpoint)
{
    static const char *const names[] = {"endpoint", "access-key", "secret-key", "region"};
    const char **dst[] = {endpoint, ak, sk, region};
    const char *a = argv[*i];
    for (size_t k = 0; k < 4; k++) {
        size_t n = strlen(names[k]);
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, names[k], n) != 0) continue;
        if (a[2 + n] == '=') {
            *dst[k] = a + 3 + n;
            return 1;
        }
        if (a[2 + n]) continue;
        if (*i + 1 >= argc) return usage_err(p, "--%s needs a value", names[k]);
        *dst[k] = argv[++*i];
        return 1;
    }
    return 0;
}

int ctlcli_parse(int argc, char *const *argv, ctlcli_call_t *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    parse_t p = {c, err, errlen};
    err[0] = '\0';
    const char *ak = NULL, *sk = NULL, *region = NULL, *endpoint = NULL;
    int i = 1, rc = CTLCLI_USAGE;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            rc = CTLCLI_HELP;
            goto fail;
        }
        int taken = global_option(&p, argc, argv, &i, &ak, &sk, &region, &endpoint);
        if (taken == CTLCLI_USAGE) goto fail;
        if (!taken) {
            usage_err(&p, "unknown option '%s'", argv[i]);
            goto fail;
        }
    }
    for (int k = i; k < argc; k++)
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
            rc = CTLCLI_HELP;
            goto fail;
        }
    if (i >= argc) {
        usage_err(&p, "which command? (health, info, reset, snapshot, requests, fault, clock)");
        goto fail;
    }

    /* Beside a server configured by FAKES3_PORT (a container's), its port. */
    char local[40];
    const char *port = env("FAKES3_PORT");
    if (port && strlen(port) <= 5 && strspn(port, "0123456789") == strlen(port))
        snprintf(local, sizeof local, "http://127.0.0.1:%s", port);
    else
        snprintf(local, sizeof local, "%s", DEFAULT_ENDPOINT);
    if (!endpoint) endpoint = env("FAKES3_ENDPOINT") ? env("FAKES3_ENDPOINT") : local;
    if (set_endpoint(&p, endpoint)) goto fail;
    if (!ak) ak = env("FAKES3_ACCESS_KEY") ? env("FAKES3_ACCESS_KEY") : env("AWS_ACCESS_KEY_ID");
    if (!sk)
        sk = env("FAKES3_SECRET_KEY") ? env("FAKES3_SECRET_KEY") : env("AWS_SECRET_ACCESS_KEY");
    if (!ak != !sk) {
        usage_err(&p, "an access key without a secret key or the other way round: give both "
                      "(--access-key AK --secret-key SK) or neither");
        goto fail;
    }
    if (ak && (!*ak || !*sk)) {
        usage_err(&p, "an empty access key or secret key");
        goto fail;
    }
    c->access_key = ak ? xstrdup(ak) : NULL;
    c->secret_key = sk ? xstrdup(sk) : NULL;
    if (!region) region = env("FAKES3_REGION") ? env("FAKES3_REGION") : "us-east-1";
    c->region = xstrdup(region);
    c->timeout_ms = TIMEOUT_MS;

    const char *cmd = argv[i];
    int n = argc - i - 1;
    char *const *rest = argv + i + 1;
    if (strcmp(cmd, "health") == 0 || strcmp(cmd, "info") == 0) {
        if (n) {
            usage_err(&p, "%s: unexpected argument '%s'", cmd, rest[0]);
            goto fail;
        }
        set_target(c, "GET", strcmp(cmd, "health") == 0 ? "/_fakes3/health" : "/_fakes3/info");
        rc = CTLCLI_CALL;
    } else if (strcmp(cmd, "reset") == 0)
        rc = cmd_reset(&p, n, rest);
    else if (strcmp(cmd, "snapshot") == 0 || strcmp(cmd, "snapshots") == 0)
        rc = cmd_snapshot(&p, n, rest);
    else if (strcmp(cmd, "requests") == 0)
        rc = cmd_requests(&p, n, rest);
    else if (strcmp(cmd, "fault") == 0 || strcmp(cmd, "faults") == 0)
        rc = cmd_fault(&p, n, rest);
    else if (strcmp(cmd, "clock") == 0)
        rc = cmd_clock(&p, n, rest);
    else
        usage_err(&p, "unknown command '%s'", cmd);
    if (rc == CTLCLI_CALL) return rc;
fail:
    ctlcli_call_free(c);
    return rc;
}

void ctlcli_call_free(ctlcli_call_t *c)
{
    free(c->endpoint);
    free(c->access_key);
    free(c->secret_key);
    free(c->region);
    free(c->target);
    free(c->body);
    memset(c, 0, sizeof *c);
}

/* ---- sending ---- */

/* Write the answer (not empty) to f, ending with a newline. */
static void print_answer(FILE *f, const buf_t *b)
{
    fwrite(b->p, 1, b->len, f);
    if (b->p[b->len - 1] != '\n') fputc('\n', f);
    fflush(f);
}

/* Send c once, signed at when_ms when it has keys: HTTP_CLIENT_OK with
 * *status, the answer's head and body, or an HTTP_CLIENT_E* code with the
 * reason in err. */
static int send_call(const ctlcli_call_t *c, const char *url, int64_t when_ms, int *status,
                     buf_t *head, buf_t *answer, char *err, size_t errlen)
{
    size_t blen = c->body ? strlen(c->body) : 0;
    char date[64], sha[100];
    const char *headers[8];
    size_t nh = 0;
    headers[nh++] = "User-Agent: fakes3-ctl/" FAKES3_VERSION;
    headers[nh++] = "Accept: application/json";
    if (c->body) headers[nh++] = "Content-Type: application/json";
    ctlsign_out_t sig = {0};
    buf_t authz = BUF_INIT;
    if (c->access_key) {
        ctlsign_req_t sr = {
            .method = c->method,
            .target = c->target,
            .host = c->endpoint + 7, /* the authority: the Host header the client sends */
            .body = c->body,
            .body_len = blen,
            .region = c->region,
            .service = "s3",
            .access_key = c->access_key,
            .secret_key = c->secret_key,
            .when_ms = when_ms,
            .content_sha = 1,
        };
        if (ctlsign_sign(&sr, &sig)) {
            snprintf(err, errlen, "cannot sign %s (bad percent-encoding)", c->target);
            return HTTP_CLIENT_EURL;
        }
        snprintf(date, sizeof date, "x-amz-date: %s", sig.amzdate);
        snprintf(sha, sizeof sha, "x-amz-content-sha256: %s", sig.payload_sha);
        buf_printf(&authz, "Authorization: %s", sig.authorization);
        headers[nh++] = date;
        headers[nh++] = sha;
        headers[nh++] = authz.p;
    }
    headers[nh] = NULL;
    http_client_req_t req = {c->method, url, headers, c->body, blen, c->timeout_ms, 1};
    int rc = http_client_fetch(&req, status, head, answer, ANSWER_MAX, err, errlen);
    ctlsign_out_free(&sig);
    buf_free(&authz);
    return rc;
}

/* The server's time when a signed call was refused as RequestTimeTooSkewed
 * (its clock was moved: fakes3's Date header follows it): 0 with *ms from
 * the answer's Date header, else -1. */
static int skewed_server_time(int status, const buf_t *head, const buf_t *answer, int64_t *ms)
{
    if (status != 403 || !answer->p || !strstr(answer->p, "\"RequestTimeTooSkewed\"")) return -1;
    for (const char *l = head->p ? strstr(head->p, "\r\n") : NULL; l; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, "Date:", 5) != 0) continue;
        const char *v = l + 7;
        while (*v == ' ' || *v == '\t')
            v++;
        char d[64];
        snprintf(d, sizeof d, "%.*s", (int)strcspn(v, "\r\n"), v);
        return util_parse_http_date(d, ms) == 0 ? 0 : -1;
    }
    return -1;
}

int ctlcli_main(int argc, char **argv)
{
    ctlcli_call_t c;
    char err[512];
    int rc = ctlcli_parse(argc, argv, &c, err, sizeof err);
    if (rc == CTLCLI_HELP) {
        fputs(ctlcli_usage, stdout);
        return 0;
    }
    if (rc != CTLCLI_CALL) {
        fprintf(stderr, "fakes3 ctl: %s\n(fakes3 ctl --help lists the commands)\n", err);
        return 2;
    }
    buf_t url = BUF_INIT, head = BUF_INIT, answer = BUF_INIT;
    buf_printf(&url, "%s%s", c.endpoint, c.target);
    int status = 0, exit_status = 2;
    char cerr[256];
    rc = send_call(&c, url.p, util_now_ms(), &status, &head, &answer, cerr, sizeof cerr);
    int64_t server_ms;
    /* As the AWS SDKs correct a clock skew: once, signed at the server's time. */
    if (rc == HTTP_CLIENT_OK && c.access_key &&
        skewed_server_time(status, &head, &answer, &server_ms) == 0) {
        buf_reset(&head);
        buf_reset(&answer);
        rc = send_call(&c, url.p, server_ms, &status, &head, &answer, cerr, sizeof cerr);
    }
    if (rc != HTTP_CLIENT_OK) {
        fprintf(stderr, "fakes3 ctl: %s %s: %s\n", c.method, url.p, cerr);
        goto out;
    }
    int ok = status >= 200 && status < 300;
    if (answer.len)
        print_answer(ok ? stdout : stderr, &answer);
    else if (!ok)
        fprintf(stderr, "fakes3 ctl: %s %s: status %d, no body\n", c.method, url.p, status);
    exit_status = ok ? 0 : 1;
out:
    buf_free(&url);
    buf_free(&head);
    buf_free(&answer);
    ctlcli_call_free(&c);
    return exit_status;
}
