/* fuzz_list — libFuzzer target for a listing end to end below HTTP: the
 * query string (query_parse), its listing parameters (listparams_parse) and
 * the store's range scan (prefix, delimiter, marker / start-after /
 * continuation-token, max-keys) over a fixed set of keys.
 *
 * The keys are every string of one to three bytes over {a, /, -, 0xff} plus a
 * few longer ones and one with a NUL, stored once in a temporary root. Each
 * input (up to its first NUL) is a query string. Invariant: the store answers
 * exactly what a model of S3's listing gives (tests/integration/s3lib.py's
 * model_list: byte order, common prefixes once, a prefix at or before the
 * marker not repeated), cut at max-keys with IsTruncated when more follow. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "s3/listparams.h"
#include "s3/query.h"
#include "../unit/qparams.h"
#include "store/store.h"

typedef struct fkey {
    char s[16];
    size_t n;
} fkey_t;

static fkey_t keys[128];
static size_t nkeys;
static store_t *st;
static char root[64];

static int cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int key_cmp(const void *a, const void *b)
{
    const fkey_t *x = a, *y = b;
    return cmp(x->s, x->n, y->s, y->n);
}

static void add_key(const char *s, size_t n)
{
    memcpy(keys[nkeys].s, s, n);
    keys[nkeys++].n = n;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb, (void)type, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (st) st->ops->close(st);
    st = NULL;
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    static const char alpha[] = {'a', '/', '-', (char)0xff};
    char k[3];
    for (int len = 1; len <= 3; len++) {
        int total = len == 1 ? 4 : len == 2 ? 16 : 64;
        for (int i = 0; i < total; i++) {
            for (int j = 0, v = i; j < len; j++, v /= 4)
                k[len - 1 - j] = alpha[v % 4];
            add_key(k, (size_t)len);
        }
    }
    add_key("a/b/c/d", 7);
    add_key("a//b", 4);
    add_key("a\0b", 3);
    add_key("ab/cd-ef", 8);
    qsort(keys, nkeys, sizeof *keys, key_cmp);
    snprintf(root, sizeof root, "/tmp/fakes3-fuzz-list-XXXXXX");
    if (!mkdtemp(root)) abort();
    char err[256];
    store_options_t opt = {0};
    st = store_sqlite_open(root, &opt, err, sizeof err);
    if (!st || st->ops->bucket_create(st, "fz", "us-east-1", "fz") != STORE_OK) abort();
    for (size_t i = 0; i < nkeys; i++) {
        store_put_t *p = NULL;
        store_obj_t meta = {0};
        if (st->ops->put_begin(st, &p) != STORE_OK) abort();
        if (st->ops->put_write(p, "x", 1) != STORE_OK) abort();
        if (st->ops->put_commit(p, "fz", keys[i].s, keys[i].n, &meta, 0, NULL) != STORE_OK) abort();
        store_obj_free(&meta);
    }
    atexit(cleanup);
}

/* One entry of the model listing. */
typedef struct ent {
    const char *s;
    size_t n;
    int is_prefix;
} ent_t;

/* The whole listing r asks for, uncut: how many entries went into out. */
static size_t model(const store_list_req_t *r, ent_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < nkeys && n < cap; i++) {
        const char *k = keys[i].s;
        size_t kn = keys[i].n;
        if (kn < r->prefix_len || memcmp(k, r->prefix, r->prefix_len) != 0) continue;
        if (r->after && cmp(k, kn, r->after, r->after_len) <= 0) continue;
        if (r->delim && r->delim_len) {
            const char *d = kn > r->prefix_len ? memmem(k + r->prefix_len, kn - r->prefix_len,
                                                        r->delim, r->delim_len)
                                               : NULL;
            if (d) {
                size_t cn = (size_t)(d - k) + r->delim_len;
                if (r->after && cmp(k, cn, r->after, r->after_len) <= 0) continue;
                if (n && out[n - 1].is_prefix && out[n - 1].n == cn &&
                    memcmp(out[n - 1].s, k, cn) == 0)
                    continue;
                out[n++] = (ent_t){k, cn, 1};
                continue;
            }
        }
        out[n++] = (ent_t){k, kn, 0};
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) setup();
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    qparams_t q = {NULL, 0};
    listparams_t p;
    if (query_parse(s, &q.p, &q.n) == 0 && listparams_parse(qparams_get, &q, &p) == LISTPARAMS_OK) {
        /* What list.c asks the store for. */
        store_list_req_t r = {
            .prefix = p.prefix ? p.prefix : "",
            .prefix_len = p.prefix ? strlen(p.prefix) : 0,
            .delim = p.delim,
            .delim_len = p.delim ? strlen(p.delim) : 0,
            .after = p.after_len || p.marker || p.start_after ? p.after : NULL,
            .after_len = p.after_len,
            .max = (unsigned)p.max,
        };
        store_list_res_t res;
        if (st->ops->list(st, "fz", &r, &res) != STORE_OK) abort();
        ent_t want[sizeof keys / sizeof *keys + 1];
        size_t nw = model(&r, want, sizeof want / sizeof *want);
        size_t expect = nw < (size_t)p.max ? nw : (size_t)p.max;
        if (res.n != expect) abort();
        if (res.truncated != (p.max > 0 && nw > (size_t)p.max)) abort();
        for (size_t i = 0; i < res.n; i++) {
            const store_list_ent_t *e = &res.ents[i];
            if (e->is_prefix != want[i].is_prefix || e->key_len != want[i].n ||
                memcmp(e->key, want[i].s, want[i].n) != 0)
                abort();
        }
        store_list_free(&res);
        listparams_free(&p);
    }
    query_free(q.p, q.n);
    free(s);
    return 0;
}
