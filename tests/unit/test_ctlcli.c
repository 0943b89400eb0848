/* `fakes3 ctl`: the command line to a request (method, target, JSON body,
 * keys, timeout), the clock's durations, and the SigV4 signer against AWS's
 * published vectors and botocore's signatures. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/ctlcli.h"
#include "cli/ctlsign.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const env_names[] = {
    "FAKES3_ENDPOINT", "FAKES3_PORT",       "FAKES3_ACCESS_KEY",     "FAKES3_SECRET_KEY",
    "FAKES3_REGION",   "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
};

/* Every test starts and ends with none of these variables set. */
static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(env_names); i++)
        unsetenv(env_names[i]);
    return 0;
}

/* Parse a NULL-ended argument list after "ctl". */
#define PARSE(c, err, ...) parse_args((c), (err), (const char *const[]){"ctl", __VA_ARGS__, NULL})

static int parse_args(ctlcli_call_t *c, char err[256], const char *const *args)
{
    int argc = 0;
    while (args[argc])
        argc++;
    return ctlcli_parse(argc, (char *const *)args, c, err, 256);
}

/* The body is the JSON of want (compared as values; NULL: no body). */
static void assert_body(const ctlcli_call_t *c, const char *want)
{
    if (!want) {
        assert_null(c->body);
        return;
    }
    assert_non_null(c->body);
    json_t *got = json_loads(c->body, 0, NULL), *exp = json_loads(want, 0, NULL);
    assert_non_null(got);
    assert_non_null(exp);
    if (!json_equal(got, exp)) fail_msg("body %s, want %s", c->body, want);
    json_decref(got);
    json_decref(exp);
}

static void expect_call(const char *const *args, const char *method, const char *target,
                        const char *body)
{
    ctlcli_call_t c;
    char err[256];
    int rc = parse_args(&c, err, args);
    if (rc != CTLCLI_CALL) fail_msg("%s %s: %d (%s)", args[1], args[2] ? args[2] : "", rc, err);
    assert_string_equal(c.method, method);
    assert_string_equal(c.target, target);
    assert_body(&c, body);
    ctlcli_call_free(&c);
}

#define EXPECT(method, target, body, ...)                                                          \
    expect_call((const char *const[]){"ctl", __VA_ARGS__, NULL}, method, target, body)

static void expect_usage(const char *const *args, const char *needle)
{
    ctlcli_call_t c;
    char err[256];
    int rc = parse_args(&c, err, args);
    if (rc != CTLCLI_USAGE) fail_msg("%s: %d, not a usage error", args[1] ? args[1] : "-", rc);
    if (needle && !strstr(err, needle)) fail_msg("'%s' does not say '%s'", err, needle);
    assert_null(c.target);
    assert_null(c.endpoint);
}

#define USAGE(needle, ...) expect_usage((const char *const[]){"ctl", __VA_ARGS__, NULL}, needle)

/* ---- commands to requests ---- */

static void test_simple_commands(void **state)
{
    (void)state;
    EXPECT("GET", "/_fakes3/health", NULL, "health");
    EXPECT("GET", "/_fakes3/info", NULL, "info");
    EXPECT("POST", "/_fakes3/reset", "{}", "reset");
    EXPECT("POST", "/_fakes3/reset", "{\"bucket\": \"my-bucket\"}", "reset", "my-bucket");
    EXPECT("POST", "/_fakes3/snapshots/clean", NULL, "snapshot", "save", "clean");
    EXPECT("POST", "/_fakes3/snapshots/clean/restore", NULL, "snapshot", "restore", "clean");
    EXPECT("DELETE", "/_fakes3/snapshots/v1.2_x-y", NULL, "snapshot", "delete", "v1.2_x-y");
    EXPECT("GET", "/_fakes3/snapshots", NULL, "snapshot", "list");
    /* a name is the server's to judge, but it travels percent-encoded */
    EXPECT("POST", "/_fakes3/snapshots/a%20b%2Fc", NULL, "snapshot", "save", "a b/c");
    EXPECT("GET", "/_fakes3/faults", NULL, "fault", "list");
    EXPECT("DELETE", "/_fakes3/faults", NULL, "fault", "clear");
    EXPECT("DELETE", "/_fakes3/faults/7", NULL, "fault", "clear", "7");
    EXPECT("DELETE", "/_fakes3/requests", NULL, "requests", "clear");
}

static void test_requests_filters(void **state)
{
    (void)state;
    EXPECT("GET", "/_fakes3/requests", NULL, "requests");
    EXPECT("GET", "/_fakes3/requests?op=PutObject&bucket=b&key=logs%2F2026%20x&status=5xx", NULL,
           "requests", "--op", "PutObject", "--bucket=b", "--key", "logs/2026 x", "--status",
           "5xx");
    EXPECT("GET", "/_fakes3/requests?method=GET&error=NoSuchKey&since=12&limit=3", NULL, "requests",
           "--method", "GET", "--error", "NoSuchKey", "--since", "12", "--limit", "3");
    EXPECT("GET", "/_fakes3/requests/wait", NULL, "requests", "wait");
    EXPECT("GET", "/_fakes3/requests/wait?op=GetObject&since=4&count=3&timeout=2.5", NULL,
           "requests", "wait", "--op", "GetObject", "--since", "4", "--count", "3", "--timeout",
           "2.5");

    /* a wait's HTTP deadline is beyond the server's: default 10 s, at most 300 */
    ctlcli_call_t c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "requests"), CTLCLI_CALL);
    assert_int_equal(c.timeout_ms, 60000);
    ctlcli_call_free(&c);
    assert_int_equal(PARSE(&c, err, "requests", "wait"), CTLCLI_CALL);
    assert_int_equal(c.timeout_ms, 40000);
    ctlcli_call_free(&c);
    assert_int_equal(PARSE(&c, err, "requests", "wait", "--timeout", "2.5"), CTLCLI_CALL);
    assert_int_equal(c.timeout_ms, 32500);
    ctlcli_call_free(&c);
    assert_int_equal(PARSE(&c, err, "requests", "wait", "--timeout", "9999"), CTLCLI_CALL);
    assert_int_equal(c.timeout_ms, 330000);
    ctlcli_call_free(&c);

    USAGE("unknown option '--count'", "requests", "--count", "2");
    USAGE("unknown option '--nope'", "requests", "--nope", "x");
    USAGE("--limit wants a whole number", "requests", "--limit", "three");
    USAGE("--since wants a whole number", "requests", "--since", "1.5");
    USAGE("--timeout wants a number", "requests", "wait", "--timeout", "soon");
    USAGE("--op needs a value", "requests", "--op");
    USAGE("--op given twice", "requests", "--op", "A", "--op", "B");
    USAGE("unexpected argument 'GetObject'", "requests", "GetObject");
    USAGE("unexpected argument 'x'", "requests", "clear", "x");
}

static void test_fault_add(void **state)
{
    (void)state;
    EXPECT("POST", "/_fakes3/faults",
           "{\"match\": {\"op\": \"PutObject\", \"method\": \"PUT\", \"bucket\": \"b\", \"key\": "
           "\"logs/*\"}, \"action\": {\"error\": \"SlowDown\", \"status\": 503}, \"times\": 2, "
           "\"after\": 1}",
           "fault", "add", "--op", "PutObject", "--method", "PUT", "--bucket", "b", "--key",
           "logs/*", "--error", "SlowDown", "--status", "503", "--times", "2", "--after", "1");
    EXPECT("POST", "/_fakes3/faults",
           "{\"match\": {\"header\": \"Range\", \"client\": \"127.0.0.1\"}, \"action\": "
           "{\"delay_ms\": 250, \"body_delay_ms\": 10, \"reset\": \"after_head\", "
           "\"truncate_after\": 100, \"rate\": 1000, \"message\": \"slow\"}, \"probability\": "
           "0.25, \"seed\": 42}",
           "fault", "add", "--header", "Range", "--client", "127.0.0.1", "--delay-ms", "250",
           "--body-delay-ms=10", "--reset", "after_head", "--truncate-after", "100", "--rate",
           "1000", "--message", "slow", "--probability", "0.25", "--seed", "42");
    /* the rule as JSON goes as it is: its fields are the server's to check */
    EXPECT("POST", "/_fakes3/faults",
           "{\"match\": {\"op\": \"GetObject\"}, \"action\": {\"error\": \"InternalError\", "
           "\"status\": 500}, \"extra\": [1, 2]}",
           "fault", "add",
           "{\"match\": {\"op\": \"GetObject\"}, \"action\": {\"error\": \"InternalError\", "
           "\"status\": 500}, \"extra\": [1, 2]}");

    USAGE("not a JSON object", "fault", "add", "{\"match\": ");
    USAGE("not a JSON object", "fault", "add", "[1, 2]");
    USAGE("unexpected argument", "fault", "add", "{}", "{}");
    USAGE("a rule as JSON or as options", "fault", "add");
    USAGE("--status wants a whole number", "fault", "add", "--error", "SlowDown", "--status",
          "5xx");
    USAGE("--probability wants a number", "fault", "add", "--probability", "half");
    USAGE("unknown option '--count'", "fault", "add", "--count", "1");
    USAGE("want add, list or clear", "fault", "remove", "1");
    USAGE("want add, list or clear", "fault");
    USAGE("want add, list or clear", "fault", "clear", "1", "2");
}

static void test_clock(void **state)
{
    (void)state;
    EXPECT("GET", "/_fakes3/clock", NULL, "clock");
    EXPECT("POST", "/_fakes3/clock", "{\"advance\": 2592000}", "clock", "+30d");
    EXPECT("POST", "/_fakes3/clock", "{\"advance\": -7200}", "clock", "-2h");
    EXPECT("POST", "/_fakes3/clock", "{\"advance\": 90}", "clock", "+90s");
    EXPECT("POST", "/_fakes3/clock", "{\"advance\": 1.5}", "clock", "+1.5");
    EXPECT("POST", "/_fakes3/clock", "{\"advance\": 300}", "clock", "5m");
    EXPECT("POST", "/_fakes3/clock", "{\"set\": \"2030-01-01T00:00:00Z\"}", "clock", "set",
           "2030-01-01T00:00:00Z");
    EXPECT("POST", "/_fakes3/clock", "{\"freeze\": true}", "clock", "freeze");
    EXPECT("POST", "/_fakes3/clock", "{\"freeze\": false}", "clock", "unfreeze");
    EXPECT("POST", "/_fakes3/clock", "{\"reset\": true}", "clock", "reset");
    /* the fraction survives as written */
    ctlcli_call_t c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "clock", "+0.1"), CTLCLI_CALL);
    assert_string_equal(c.body, "{\"advance\":0.1}");
    ctlcli_call_free(&c);

    USAGE("not 'tomorrow'", "clock", "tomorrow");
    USAGE("not '+3w'", "clock", "+3w");
    USAGE("one time", "clock", "set");
    USAGE("unexpected argument", "clock", "freeze", "now");
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double want;
    } good[] = {
        {"+30d", 2592000}, {"-2h", -7200}, {"+90s", 90},    {"+1.5", 1.5}, {"1.5", 1.5},
        {"-0.25m", -15},   {"+.5h", 1800}, {"7.d", 604800}, {"0", 0},      {"+0s", 0},
        {"86400", 86400},  {"-1", -1},     {"+10m", 600},
    };
    for (size_t i = 0; i < NELEM(good); i++) {
        double s = -12345;
        if (ctlcli_duration(good[i].s, &s) != 0) fail_msg("'%s' refused", good[i].s);
        if (s != good[i].want) fail_msg("'%s': %g, want %g", good[i].s, s, good[i].want);
    }
    static const char *const bad[] = {
        "",      "+",
        "-",     "d",
        "+d",    "1w",
        "1dd",   "1 d",
        " 1",    "1e3",
        "inf",   "nan",
        "0x10",  "1.2.3",
        "++1",   "+-1",
        "1s2",   "1,5",
        "1.5ms", "1d ",
        "+.",    ".",
        "h1",    "1H",
        "1S",    "99999999999999999999999999999999d",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        double s;
        if (ctlcli_duration(bad[i], &s) == 0) fail_msg("'%s' accepted: %g", bad[i], s);
    }
}

/* ---- options and the environment ---- */

static void test_options_and_env(void **state)
{
    (void)state;
    ctlcli_call_t c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "info"), CTLCLI_CALL);
    assert_string_equal(c.endpoint, "http://127.0.0.1:4569");
    assert_null(c.access_key);
    assert_null(c.secret_key);
    assert_string_equal(c.region, "us-east-1");
    ctlcli_call_free(&c);

    assert_int_equal(PARSE(&c, err, "--endpoint", "http://localhost:9000/", "--access-key", "AK",
                           "--secret-key=S/K", "--region", "eu-west-1", "info"),
                     CTLCLI_CALL);
    assert_string_equal(c.endpoint, "http://localhost:9000");
    assert_string_equal(c.access_key, "AK");
    assert_string_equal(c.secret_key, "S/K");
    assert_string_equal(c.region, "eu-west-1");
    ctlcli_call_free(&c);

    /* FAKES3_* first, then AWS_*; a flag over both */
    setenv("FAKES3_ENDPOINT", "http://[::1]:4570", 1);
    setenv("AWS_ACCESS_KEY_ID", "AWSAK", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "AWSSK", 1);
    setenv("AWS_REGION", "ap-south-1", 1); /* not read: the server's region is FAKES3_REGION's */
    assert_int_equal(PARSE(&c, err, "health"), CTLCLI_CALL);
    assert_string_equal(c.endpoint, "http://[::1]:4570");
    assert_string_equal(c.access_key, "AWSAK");
    assert_string_equal(c.secret_key, "AWSSK");
    assert_string_equal(c.region, "us-east-1");
    ctlcli_call_free(&c);
    setenv("FAKES3_ACCESS_KEY", "FAK", 1);
    setenv("FAKES3_SECRET_KEY", "FSK", 1);
    setenv("FAKES3_REGION", "eu-central-1", 1);
    assert_int_equal(PARSE(&c, err, "health"), CTLCLI_CALL);
    assert_string_equal(c.access_key, "FAK");
    assert_string_equal(c.secret_key, "FSK");
    assert_string_equal(c.region, "eu-central-1");
    ctlcli_call_free(&c);
    assert_int_equal(PARSE(&c, err, "--endpoint=http://10.0.0.1", "--secret-key", "X", "health"),
                     CTLCLI_CALL);
    assert_string_equal(c.endpoint, "http://10.0.0.1");
    assert_string_equal(c.access_key, "FAK");
    assert_string_equal(c.secret_key, "X");
    ctlcli_call_free(&c);
    clear_env(NULL);
    /* FAKES3_PORT (a server's setting) gives the local endpoint's port */
    setenv("FAKES3_PORT", "4600", 1);
    assert_int_equal(PARSE(&c, err, "health"), CTLCLI_CALL);
    assert_string_equal(c.endpoint, "http://127.0.0.1:4600");
    ctlcli_call_free(&c);
    setenv("FAKES3_ENDPOINT", "http://10.1.2.3:9", 1);
    assert_int_equal(PARSE(&c, err, "health"), CTLCLI_CALL);
    assert_string_equal(c.endpoint, "http://10.1.2.3:9");
    ctlcli_call_free(&c);
    clear_env(NULL);
    /* an empty variable is an unset one */
    setenv("FAKES3_ACCESS_KEY", "", 1);
    setenv("AWS_ACCESS_KEY_ID", "A", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
    assert_int_equal(PARSE(&c, err, "health"), CTLCLI_CALL);
    assert_string_equal(c.access_key, "A");
    ctlcli_call_free(&c);
    clear_env(NULL);

    USAGE("give both", "--access-key", "AK", "info");
    USAGE("give both", "--secret-key", "SK", "info");
    USAGE("empty access key", "--access-key", "", "--secret-key", "S", "info");
    USAGE("plain http:// only", "--endpoint", "https://127.0.0.1:4443", "info");
    USAGE("not an http:// URL", "--endpoint", "127.0.0.1:4569", "info");
    USAGE("no path", "--endpoint", "http://127.0.0.1:4569/prefix", "info");
    USAGE("no path", "--endpoint", "http://127.0.0.1:4569?x", "info");
    USAGE("no path", "--endpoint", "http://", "info");
    USAGE("--endpoint needs a value", "--endpoint");
    USAGE("unknown option '--bogus'", "--bogus", "info");
    USAGE("which command", "--region", "us-east-1");
    USAGE("unknown command 'status'", "status");
    USAGE("unexpected argument 'x'", "health", "x");
    USAGE("at most one BUCKET", "reset", "a", "b");
    USAGE("one NAME", "snapshot", "save");
    USAGE("one NAME", "snapshot", "restore", "a", "b");
    USAGE("want save, restore, delete", "snapshot", "take", "a");
    setenv("FAKES3_ENDPOINT", "ftp://x", 1);
    USAGE("not an http:// URL", "info");
    clear_env(NULL);

    /* help wins anywhere, before any check */
    assert_int_equal(PARSE(&c, err, "--help"), CTLCLI_HELP);
    assert_int_equal(PARSE(&c, err, "-h"), CTLCLI_HELP);
    assert_int_equal(PARSE(&c, err, "--endpoint", "nonsense", "fault", "add", "--help"),
                     CTLCLI_HELP);
    char *const none[] = {"ctl", NULL};
    assert_int_equal(ctlcli_parse(1, none, &c, err, sizeof err), CTLCLI_USAGE);
    /* the help names every command */
    static const char *const words[] = {"health",           "info",
                                        "reset [BUCKET]",   "snapshot save",
                                        "snapshot list",    "requests wait",
                                        "requests clear",   "fault add JSON",
                                        "fault clear [ID]", "clock set",
                                        "clock freeze",     "clock reset",
                                        "FAKES3_ENDPOINT",  "AWS_ACCESS_KEY_ID",
                                        "--truncate-after"};
    for (size_t i = 0; i < NELEM(words); i++)
        if (!strstr(ctlcli_usage, words[i])) fail_msg("the help lacks '%s'", words[i]);
}

/* ---- the signer ---- */

static void expect_sig(const ctlsign_req_t *r, const char *amzdate, const char *payload,
                       const char *authorization)
{
    ctlsign_out_t o;
    assert_int_equal(ctlsign_sign(r, &o), 0);
    assert_string_equal(o.amzdate, amzdate);
    assert_string_equal(o.payload_sha, payload);
    assert_string_equal(o.authorization, authorization);
    ctlsign_out_free(&o);
    assert_null(o.authorization);
}

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The AWS SigV4 test suite's get-vanilla (signature-v4-test-suite, 20150830T123600Z). */
static void test_sign_get_vanilla(void **state)
{
    (void)state;
    ctlsign_req_t r = {
        .method = "GET",
        .target = "/",
        .host = "example.amazonaws.com",
        .region = "us-east-1",
        .service = "service",
        .access_key = "AKIDEXAMPLE",
        .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .when_ms = 1440938160000LL,
    };
    expect_sig(&r, "20150830T123600Z", EMPTY_SHA,
               "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
               "SignedHeaders=host;x-amz-date, "
               "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

/* The S3 documentation's GET examples (examplebucket, 20130524), which sign
 * exactly host, x-amz-content-sha256 and x-amz-date as fakes3 ctl does. */
static void test_sign_s3_doc_examples(void **state)
{
    (void)state;
    ctlsign_req_t r = {
        .method = "GET",
        .target = "/?lifecycle",
        .host = "examplebucket.s3.amazonaws.com",
        .region = "us-east-1",
        .service = "s3",
        .access_key = "AKIAIOSFODNN7EXAMPLE",
        .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        .when_ms = 1369353600000LL,
        .content_sha = 1,
    };
    const char *cred = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                       "aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                       "Signature=";
    char want[400];
    snprintf(want, sizeof want, "%s%s", cred,
             "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    expect_sig(&r, "20130524T000000Z", EMPTY_SHA, want);
    r.target = "/?max-keys=2&prefix=J";
    snprintf(want, sizeof want, "%s%s", cred,
             "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    expect_sig(&r, "20130524T000000Z", EMPTY_SHA, want);
}

/* Signatures botocore 1.29 (S3SigV4Auth) made for fakes3 ctl's own requests
 * at 2026-12-07T20:00:00Z: a POST with a JSON body, a GET with an encoded
 * query in another region. */
static void test_sign_like_botocore(void **state)
{
    (void)state;
    const char *body = "{\"match\":{\"op\":\"PutObject\",\"bucket\":\"b\"},\"action\":{\"error\":"
                       "\"SlowDown\",\"status\":503},\"times\":2}";
    ctlsign_req_t r = {
        .method = "POST",
        .target = "/_fakes3/faults",
        .host = "127.0.0.1:4569",
        .body = body,
        .body_len = strlen(body),
        .region = "us-east-1",
        .service = "s3",
        .access_key = "AKADMIN",
        .secret_key = "sekrit",
        .when_ms = 1796673600000LL + 999, /* the milliseconds do not count */
        .content_sha = 1,
    };
    expect_sig(&r, "20261207T200000Z",
               "a69c7f956e31833acd6a7db9ef954331a402f43df5799d783c23c158f78bf5fa",
               "AWS4-HMAC-SHA256 Credential=AKADMIN/20261207/us-east-1/s3/aws4_request, "
               "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
               "Signature=3f40524102d16afb02546e6e50c1054fc523d183e9ffab43a5bab7b45901242c");
    r = (ctlsign_req_t){
        .method = "GET",
        .target = "/_fakes3/requests?key=a%20b%2Fc&limit=3",
        .host = "127.0.0.1:4569",
        .region = "eu-west-1",
        .service = "s3",
        .access_key = "AKADMIN",
        .secret_key = "sekrit",
        .when_ms = 1796673600000LL,
        .content_sha = 1,
    };
    expect_sig(&r, "20261207T200000Z", EMPTY_SHA,
               "AWS4-HMAC-SHA256 Credential=AKADMIN/20261207/eu-west-1/s3/aws4_request, "
               "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
               "Signature=d25a8f8cf1e326faac5d4bd2bc2ca1e0b0af9900f35957a7e59a2a9c40b97884");
    /* a badly encoded target is refused, nothing to free */
    r.target = "/_fakes3/requests?key=%zz";
    ctlsign_out_t o;
    assert_int_equal(ctlsign_sign(&r, &o), -1);
    assert_null(o.authorization);
}

#define T(f) cmocka_unit_test_setup_teardown(f, clear_env, clear_env)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_simple_commands),    T(test_requests_filters),
        T(test_fault_add),          T(test_clock),
        T(test_durations),          T(test_options_and_env),
        T(test_sign_get_vanilla),   T(test_sign_s3_doc_examples),
        T(test_sign_like_botocore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
