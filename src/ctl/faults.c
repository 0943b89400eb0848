/* Fault rules: parsing and checking, the list, matching and triggering. */
#include "ctl/faults.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/metrics.h"
#include "lib/util.h"

#define MAX_DELAY_MS (10 * 60 * 1000)

typedef struct rule {
    uint64_t id;
    json_t *doc; /* the rule as accepted, with the seed drawn when none was given */
    /* match; NULL: any */
    char *op, *method, *bucket, *key, *header, *client;
    /* action */
    int has_error;
    char code[64];
    int status;
    char message[256]; /* "": S3's for the code */
    unsigned delay_ms;
    int reset_before;
    int shaped;
    http_shape_t shape;
    /* trigger */
    int64_t times; /* -1: no limit */
    uint64_t after;
    double probability;
    uint64_t rng; /* splitmix64 state */
    uint64_t hits, matched;
} rule_t;

struct ctl_faults {
    pthread_mutex_t mu;
    atomic_size_t n; /* nrules, read without the lock by the request path */
    rule_t **rules;
    size_t nrules, cap;
    uint64_t next_id;
};

ctl_faults_t *ctl_faults_new(void)
{
    ctl_faults_t *f = xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    atomic_init(&f->n, 0);
    f->next_id = 1;
    return f;
}

static void rule_free(rule_t *r)
{
    if (!r) return;
    json_decref(r->doc);
    free(r->op);
    free(r->method);
    free(r->bucket);
    free(r->key);
    free(r->header);
    free(r->client);
    free(r);
}

/* Remove every rule; the count removed. */
static size_t clear(ctl_faults_t *f)
{
    pthread_mutex_lock(&f->mu);
    size_t n = f->nrules;
    for (size_t i = 0; i < n; i++)
        rule_free(f->rules[i]);
    f->nrules = 0;
    atomic_store(&f->n, 0);
    pthread_mutex_unlock(&f->mu);
    return n;
}

void ctl_faults_free(ctl_faults_t *f)
{
    if (!f) return;
    clear(f);
    free(f->rules);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void ctl_faults_clear(ctl_t *c)
{
    clear(c->faults);
}

/* ---- the generator: splitmix64, one per rule ---- */

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- parsing ---- */

/* Why a rule is refused, for the 400's message. */
typedef struct perr {
    char msg[256];
} perr_t;

static int fail(perr_t *e, const char *field, const char *why)
{
    snprintf(e->msg, sizeof e->msg, "%s: %s", field, why);
    return -1;
}

/* Refuse any key of o not in the NULL-terminated list. */
static int only_fields(const json_t *o, const char *where, const char *const *known, perr_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        int ok = 0;
        for (const char *const *p = known; *p && !ok; p++)
            ok = strcmp(*p, k) == 0;
        if (!ok) {
            char field[128];
            snprintf(field, sizeof field, "%s%s%.64s", where, *where ? "." : "", k);
            return fail(e, field, "unknown field");
        }
    }
    return 0;
}

/* A non-empty string field (absent: *out stays NULL). */
static int get_str(const json_t *o, const char *name, const char *field, char **out, perr_t *e)
{
    json_t *v = json_object_get(o, name);
    if (!v) return 0;
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v))
        return fail(e, field, "must be a non-empty string");
    *out = xstrdup(json_string_value(v));
    return 0;
}

/* An integer field within [lo, hi]; *present says whether it was given. */
static int get_int(const json_t *o, const char *name, const char *field, json_int_t lo,
                   json_int_t hi, json_int_t *out, int *present, perr_t *e)
{
    json_t *v = json_object_get(o, name);
    *present = v != NULL;
    if (!v) return 0;
    if (!json_is_integer(v)) return fail(e, field, "must be an integer");
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) {
        char why[96];
        snprintf(why, sizeof why, "must be from %" JSON_INTEGER_FORMAT " to %" JSON_INTEGER_FORMAT,
                 lo, hi);
        return fail(e, field, why);
    }
    *out = n;
    return 0;
}

static int parse_match(rule_t *r, const json_t *m, perr_t *e)
{
    if (!json_is_object(m)) return fail(e, "match", "must be an object");
    static const char *const known[] = {"op", "method", "bucket", "key", "header", "client", NULL};
    if (only_fields(m, "match", known, e) || get_str(m, "op", "match.op", &r->op, e) ||
        get_str(m, "method", "match.method", &r->method, e) ||
        get_str(m, "bucket", "match.bucket", &r->bucket, e) ||
        get_str(m, "key", "match.key", &r->key, e) ||
        get_str(m, "header", "match.header", &r->header, e) ||
        get_str(m, "client", "match.client", &r->client, e))
        return -1;
    return 0;
}

static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 63) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            return 0;
    }
    return 1;
}

static int parse_error(rule_t *r, const json_t *a, perr_t *e)
{
    json_t *code = json_object_get(a, "error");
    int has_status, has_message = json_object_get(a, "message") != NULL;
    json_int_t status = 0;
    if (get_int(a, "status", "action.status", 100, 599, &status, &has_status, e)) return -1;
    if (!code) {
        if (has_status) return fail(e, "action.status", "needs action.error");
        if (has_message) return fail(e, "action.message", "needs action.error");
        return 0;
    }
    if (!json_is_string(code) || !code_ok(json_string_value(code)))
        return fail(e, "action.error", "must be an error code: 1 to 63 of A-Z, a-z, 0-9");
    r->has_error = 1;
    snprintf(r->code, sizeof r->code, "%s", json_string_value(code));
    json_t *msg = json_object_get(a, "message");
    if (msg) {
        if (!json_is_string(msg) || json_string_length(msg) >= sizeof r->message ||
            strlen(json_string_value(msg)) != json_string_length(msg))
            return fail(e, "action.message", "must be a string of at most 255 bytes");
        snprintf(r->message, sizeof r->message, "%s", json_string_value(msg));
    }
    /* Unless given: S3's status and message for the code; 503 for others. */
    int known_status = 503;
    const char *known_msg = NULL;
    int known = s3_err_known(r->code, &known_status, &known_msg);
    r->status = known_status;
    if (!msg && known) snprintf(r->message, sizeof r->message, "%s", known_msg);
    if (has_status) r->status = (int)status;
    return 0;
}

static int parse_action(rule_t *r, const json_t *a, perr_t *e)
{
    if (!json_is_object(a)) return fail(e, "action", "must be an object");
    static const char *const known[] = {"error",          "status",        "message",
                                        "delay_ms",       "body_delay_ms", "reset",
                                        "truncate_after", "rate",          NULL};
    if (only_fields(a, "action", known, e) || parse_error(r, a, e)) return -1;
    json_int_t n;
    int has_delay, has_body_delay, has_trunc;
    if (get_int(a, "delay_ms", "action.delay_ms", 0, MAX_DELAY_MS, &n, &has_delay, e)) return -1;
    if (has_delay) r->delay_ms = (unsigned)n;
    r->shape = (http_shape_t){.truncate_after = -1};
    if (get_int(a, "body_delay_ms", "action.body_delay_ms", 0, MAX_DELAY_MS, &n, &has_body_delay,
                e))
        return -1;
    if (has_body_delay) r->shape.body_delay_ms = (unsigned)n;
    if (get_int(a, "truncate_after", "action.truncate_after", 0, INT64_MAX, &n, &has_trunc, e))
        return -1;
    if (has_trunc) r->shape.truncate_after = n;
    json_t *v = json_object_get(a, "reset");
    if (v) {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        if (strcmp(s, "before_head") == 0)
            r->reset_before = 1;
        else if (strcmp(s, "after_head") == 0)
            r->shape.after_head_reset = 1;
        else
            return fail(e, "action.reset", "must be \"before_head\" or \"after_head\"");
    }
    v = json_object_get(a, "rate");
    if (v) {
        if (!json_is_number(v) || !(json_number_value(v) >= 1))
            return fail(e, "action.rate", "must be a number of bytes per second, at least 1");
        r->shape.rate_bps = json_number_value(v);
    }
    r->shaped = has_body_delay || has_trunc || r->shape.after_head_reset || v;
    if (!r->has_error && !has_delay && !r->reset_before && !r->shaped)
        return fail(e, "action", "names nothing to do");
    return 0;
}

/* A rule from a POST's body, or NULL with e filled. */
static rule_t *parse_rule(const json_t *j, perr_t *e)
{
    rule_t *r = xcalloc(1, sizeof *r);
    static const char *const known[] = {"match",       "action", "times", "after",
                                        "probability", "seed",   NULL};
    if (only_fields(j, "", known, e)) goto fail;
    json_t *m = json_object_get(j, "match");
    if (m && parse_match(r, m, e)) goto fail;
    json_t *a = json_object_get(j, "action");
    if (!a) {
        fail(e, "action", "is required");
        goto fail;
    }
    if (parse_action(r, a, e)) goto fail;
    json_int_t n;
    int present;
    r->times = -1;
    if (get_int(j, "times", "times", 1, INT64_MAX, &n, &present, e)) goto fail;
    if (present) r->times = n;
    if (get_int(j, "after", "after", 0, INT64_MAX, &n, &present, e)) goto fail;
    if (present) r->after = (uint64_t)n;
    r->probability = 1;
    json_t *p = json_object_get(j, "probability");
    if (p) {
        double v = json_is_number(p) ? json_number_value(p) : -1;
        if (!(v >= 0 && v <= 1)) {
            fail(e, "probability", "must be a number from 0 to 1");
            goto fail;
        }
        r->probability = v;
    }
    int has_seed;
    if (get_int(j, "seed", "seed", INT64_MIN, INT64_MAX, &n, &has_seed, e)) goto fail;
    /* Without a seed, one drawn here and shown, so that a run can be repeated. */
    if (!has_seed) n = (json_int_t)(util_fast_random() >> 33);
    r->rng = (uint64_t)n;
    r->doc = json_deep_copy(j);
    if (p && !has_seed) json_object_set_new(r->doc, "seed", json_integer(n));
    return r;
fail:
    rule_free(r);
    return NULL;
}

/* The rule as answered: what was given, its id and its counts. */
static json_t *rule_json(const rule_t *r)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRIu64, r->id);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_t *m = json_object_get(r->doc, "match");
    json_object_set_new(o, "match", m ? json_deep_copy(m) : json_object());
    json_object_set_new(o, "action", json_deep_copy(json_object_get(r->doc, "action")));
    static const char *const trig[] = {"times", "after", "probability", "seed"};
    for (size_t i = 0; i < sizeof trig / sizeof *trig; i++) {
        json_t *v = json_object_get(r->doc, trig[i]);
        if (v) json_object_set_new(o, trig[i], json_deep_copy(v));
    }
    json_object_set_new(o, "hits", json_integer((json_int_t)r->hits));
    json_object_set_new(o, "matched", json_integer((json_int_t)r->matched));
    if (r->times >= 0)
        json_object_set_new(o, "remaining", json_integer(r->times - (json_int_t)r->hits));
    return o;
}

/* ---- the request path ---- */

/* Whether the client's address is want ("127.0.0.1" also matches the
 * IPv4-mapped "::ffff:127.0.0.1" of a dual-stack listener). */
static int client_is(const char *peer, const char *want)
{
    if (strcasecmp(peer, want) == 0) return 1;
    return strncasecmp(peer, "::ffff:", 7) == 0 && strcasecmp(peer + 7, want) == 0;
}

static int matches(const rule_t *r, const s3_req_info_t *info)
{
    if (r->op && (!info->op || strcmp(r->op, info->op) != 0)) return 0;
    if (r->method && strcasecmp(r->method, http_req_method(info->http)) != 0) return 0;
    if (r->bucket && (!info->bucket || strcmp(r->bucket, info->bucket) != 0)) return 0;
    if (r->header && !http_req_header(info->http, r->header)) return 0;
    if (r->client) {
        char peer[64];
        if (!client_is(http_req_peer(info->http, peer, sizeof peer), r->client)) return 0;
    }
    if (r->key) {
        if (!info->key) return 0;
        /* Keys are UTF-8 without NUL (checked before routing); '*' crosses '/'. */
        char *key = xstrndup(info->key, info->key_len);
        int hit = fnmatch(r->key, key, 0) == 0;
        free(key);
        if (!hit) return 0;
    }
    return 1;
}

/* Whether a matching rule fires now, counting the match (called locked). */
static int fires(rule_t *r)
{
    r->matched++;
    if (r->matched <= r->after) return 0;
    if (r->times >= 0 && r->hits >= (uint64_t)r->times) return 0;
    if (r->probability < 1 && (double)(next_random(&r->rng) >> 11) * 0x1.0p-53 >= r->probability)
        return 0;
    r->hits++;
    return 1;
}

/* The metrics' fault hits: each thing the rule that fired does. */
static void count_actions(ctl_metrics_t *m, const rule_t *r)
{
    if (r->has_error) ctl_metrics_fault_hit(m, CTL_FAULT_ERROR);
    if (r->delay_ms) ctl_metrics_fault_hit(m, CTL_FAULT_DELAY);
    if (r->reset_before || r->shape.after_head_reset) ctl_metrics_fault_hit(m, CTL_FAULT_RESET);
    if (r->shape.body_delay_ms) ctl_metrics_fault_hit(m, CTL_FAULT_BODY_DELAY);
    if (r->shape.truncate_after >= 0) ctl_metrics_fault_hit(m, CTL_FAULT_TRUNCATE);
    if (r->shape.rate_bps > 0) ctl_metrics_fault_hit(m, CTL_FAULT_RATE);
}

int ctl_faults_hook(void *ctx, const s3_req_info_t *info, http_response_t *resp,
                    s3_fault_answer_t *a)
{
    ctl_faults_t *f = ((ctl_t *)ctx)->faults;
    if (atomic_load_explicit(&f->n, memory_order_relaxed) == 0) return 0;
    rule_t act; /* the action of the rule that fired, copied out of the lock */
    int fired = 0;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nrules && !fired; i++) {
        rule_t *r = f->rules[i];
        if (matches(r, info) && fires(r)) {
            act = *r;
            fired = 1;
        }
    }
    pthread_mutex_unlock(&f->mu);
    if (!fired) return 0;
    count_actions(((ctl_t *)ctx)->metrics, &act);
    if (act.delay_ms) util_sleep_us((int64_t)act.delay_ms * 1000);
    if (act.reset_before) http_resp_abort(resp);
    if (act.shaped) http_resp_shape(resp, &act.shape);
    if (!act.has_error) return 0;
    memcpy(a->code, act.code, sizeof a->code);
    a->status = act.status;
    memcpy(a->message, act.message, sizeof a->message);
    return 1;
}

/* ---- the calls ---- */

void ctl_faults_post(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    json_t *j = ctl_body_object(req, resp);
    if (!j) return;
    perr_t e;
    rule_t *r = parse_rule(j, &e);
    json_decref(j);
    if (!r) {
        ctl_error(resp, 400, "InvalidFaultRule", e.msg);
        return;
    }
    ctl_faults_t *f = c->faults;
    pthread_mutex_lock(&f->mu);
    r->id = f->next_id++;
    f->rules = xgrow(f->rules, &f->cap, f->nrules + 1, sizeof *f->rules);
    f->rules[f->nrules++] = r;
    atomic_store(&f->n, f->nrules);
    json_t *out = rule_json(r);
    pthread_mutex_unlock(&f->mu);
    ctl_reply(resp, 201, out);
}

void ctl_faults_get(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)req;
    ctl_faults_t *f = c->faults;
    json_t *list = json_array();
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nrules; i++)
        json_array_append_new(list, rule_json(f->rules[i]));
    pthread_mutex_unlock(&f->mu);
    ctl_reply(resp, 200, json_pack("{s:o}", "faults", list));
}

void ctl_faults_delete_all(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)req;
    size_t n = clear(c->faults);
    ctl_reply(resp, 200, json_pack("{s:I}", "cleared", (json_int_t)n));
}

void ctl_faults_delete_one(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    const char *id = req->path + strlen("/faults/");
    ctl_faults_t *f = c->faults;
    int found = 0;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nrules && !found; i++) {
        char s[24];
        snprintf(s, sizeof s, "%" PRIu64, f->rules[i]->id);
        if (strcmp(s, id) != 0) continue;
        rule_free(f->rules[i]);
        memmove(&f->rules[i], &f->rules[i + 1], (f->nrules - i - 1) * sizeof *f->rules);
        f->nrules--;
        atomic_store(&f->n, f->nrules);
        found = 1;
    }
    pthread_mutex_unlock(&f->mu);
    if (!found) {
        ctl_error(resp, 404, "NoSuchFault", "no fault rule has that id");
        return;
    }
    ctl_reply(resp, 200, json_pack("{s:s}", "deleted", id));
}
