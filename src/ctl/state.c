/* The control calls over the store's whole state (see state.h). */
#include "ctl/state.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/faults.h"
#include "ctl/journal.h"
#include "lib/clock.h"
#include "lib/util.h"

/* Answer a store failure of a state call. */
static void store_error(http_response_t *resp, int rc, const char *what)
{
    char msg[160];
    switch (rc) {
    case STORE_ENOBUCKET:
        ctl_error(resp, 404, "NoSuchBucket", "the specified bucket does not exist");
        return;
    case STORE_ENOSNAPSHOT:
        ctl_error(resp, 404, "NoSuchSnapshot", "no snapshot has that name");
        return;
    case STORE_EINVAL:
        ctl_error(resp, 400, "InvalidSnapshotName",
                  "a snapshot name is 1 to 64 of A-Z a-z 0-9 . _ - and does not start with '.'");
        return;
    case STORE_ENOSPC:
        snprintf(msg, sizeof msg, "%s: no space left on the device holding the root", what);
        ctl_error(resp, 507, "InsufficientStorage", msg);
        return;
    default:
        snprintf(msg, sizeof msg, "%s failed (store error %d)", what, rc);
        ctl_error(resp, 500, "InternalError", msg);
        return;
    }
}

/* Whether the store has the state operations; else answered 501. */
static int supported(ctl_t *c, http_response_t *resp)
{
    if (c->opt.store->ops->reset) return 1;
    ctl_error(resp, 501, "NotImplemented", "this backend cannot reset or keep snapshots");
    return 0;
}

static double ms_since(int64_t t0)
{
    return (double)(util_mono_us() - t0) / 1000.0;
}

void ctl_state_reset(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    json_t *body = ctl_body_object(req, resp);
    if (!body) return;
    const char *bucket = NULL, *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        /* A misspelt field must not turn into a reset of everything. */
        if (strcmp(k, "bucket") != 0 || !json_is_string(v)) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s: the body is {} or {\"bucket\": \"name\"}",
                     strcmp(k, "bucket") == 0 ? "bucket is not a string" : "unknown field");
            json_decref(body);
            ctl_error(resp, 400, "InvalidRequest", msg);
            return;
        }
        bucket = json_string_value(v);
    }
    if (!supported(c, resp)) {
        json_decref(body);
        return;
    }
    store_t *st = c->opt.store;
    int64_t t0 = util_mono_us();
    int rc = st->ops->reset(st, bucket);
    if (rc != STORE_OK) {
        store_error(resp, rc, "reset");
        json_decref(body);
        return;
    }
    if (!bucket) {
        /* Reset all: the rest of the server's state too. */
        ctl_faults_clear(c);
        ctl_journal_clear(c);
        clock_reset();
    }
    if (c->app) s3_forget_caches(c->app);
    ctl_reply(resp, 200,
              json_pack("{s:s, s:f}", "reset", bucket ? bucket : "all", "ms", ms_since(t0)));
    json_decref(body);
}

/* A snapshot as listed and as saved (without "ms"). */
static json_t *snapshot_json(const store_snapshot_t *sn)
{
    char created[25];
    util_iso_date(sn->created_ms, created);
    return json_pack("{s:s, s:s, s:I, s:I}", "name", sn->name, "created", created, "buckets",
                     (json_int_t)sn->buckets, "objects", (json_int_t)sn->objects);
}

/* The name after "/snapshots/" with its suffix (e.g. "/restore") cut off:
 * a new string, or NULL after answering 400. */
static char *name_of(const s3_ctl_req_t *req, size_t cut, http_response_t *resp)
{
    const char *p = req->path + strlen("/snapshots/");
    char *name = xstrndup(p, strlen(p) - cut);
    if (store_snapshot_name_ok(name)) return name;
    free(name);
    store_error(resp, STORE_EINVAL, "");
    return NULL;
}

void ctl_state_snapshot_post(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    static const char suffix[] = "/restore";
    size_t n = strlen(req->path), sn_len = sizeof suffix - 1;
    int restore = n > sn_len && strcmp(req->path + n - sn_len, suffix) == 0;
    json_t *body = ctl_body_object(req, resp);
    if (!body) return;
    json_decref(body);
    char *name = name_of(req, restore ? sn_len : 0, resp);
    if (!name) return;
    if (!supported(c, resp)) {
        free(name);
        return;
    }
    store_t *st = c->opt.store;
    int64_t t0 = util_mono_us();
    if (restore) {
        int rc = st->ops->snapshot_restore(st, name);
        if (rc == STORE_OK) {
            if (c->app) s3_forget_caches(c->app);
            ctl_reply(resp, 200, json_pack("{s:s, s:f}", "name", name, "ms", ms_since(t0)));
        } else {
            store_error(resp, rc, "restore");
        }
    } else {
        store_snapshot_t sn;
        int rc = st->ops->snapshot_save(st, name, &sn);
        if (rc == STORE_OK) {
            json_t *j = snapshot_json(&sn);
            json_object_set_new(j, "ms", json_real(ms_since(t0)));
            ctl_reply(resp, 201, j);
        } else {
            store_error(resp, rc, "snapshot");
        }
    }
    free(name);
}

void ctl_state_snapshot_list(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    (void)req;
    if (!supported(c, resp)) return;
    store_t *st = c->opt.store;
    store_snapshot_t *sns = NULL;
    size_t n = 0;
    int rc = st->ops->snapshot_list(st, &sns, &n);
    if (rc != STORE_OK) {
        store_error(resp, rc, "list");
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, snapshot_json(&sns[i]));
    free(sns);
    ctl_reply(resp, 200, json_pack("{s:o}", "snapshots", a));
}

void ctl_state_snapshot_delete(ctl_t *c, const s3_ctl_req_t *req, http_response_t *resp)
{
    char *name = name_of(req, 0, resp);
    if (!name) return;
    if (supported(c, resp)) {
        store_t *st = c->opt.store;
        int rc = st->ops->snapshot_delete(st, name);
        if (rc == STORE_OK)
            ctl_reply(resp, 200, json_pack("{s:s}", "deleted", name));
        else
            store_error(resp, rc, "delete");
    }
    free(name);
}

json_t *ctl_state_counts(ctl_t *c)
{
    store_t *st = c->opt.store;
    uint64_t nb = 0, no = 0;
    if (st->ops->stats) {
        if (st->ops->stats(st, &nb, &no) != STORE_OK) nb = no = 0;
    } else {
        store_bucket_t *bs = NULL;
        size_t n = 0;
        if (st->ops->bucket_list(st, NULL, &bs, &n) == STORE_OK) nb = n;
        free(bs);
    }
    return json_pack("{s:I, s:I}", "buckets", (json_int_t)nb, "objects", (json_int_t)no);
}
