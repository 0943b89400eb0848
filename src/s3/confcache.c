/* confcache — whether a bucket has a configuration document (see confcache.h). */
#include "s3/confcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* The table holds at most this many names; past it, it starts over (a
 * client naming ever new buckets costs a lookup each, never memory). */
#define SLOTS 1024

struct slot {
    char name[64]; /* "" when empty */
    unsigned gen;  /* the generation the answer belongs to */
    int has;
};

struct s3_confcache {
    store_t *st;
    const char *name;
    atomic_int any;  /* some bucket may have the document */
    atomic_uint gen; /* bumped by every change */
    pthread_mutex_t mu;
    struct slot *slots; /* SLOTS, open addressing */
    size_t used;
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

s3_confcache_t *s3_confcache_new(store_t *st, const char *name)
{
    s3_confcache_t *c = xcalloc(1, sizeof *c);
    c->st = st;
    c->name = name;
    pthread_mutex_init(&c->mu, NULL);
    c->slots = xcalloc(SLOTS, sizeof *c->slots);
    store_bucket_t *b = NULL;
    size_t n = 0;
    int any = 0;
    if (st->ops->bucket_list(st, NULL, &b, &n) == STORE_OK) {
        for (size_t i = 0; i < n && !any; i++) {
            char *doc = NULL;
            size_t len;
            if (st->ops->conf_get(st, b[i].name, name, &doc, &len) == STORE_OK) any = 1;
            free(doc);
        }
    } else {
        any = 1; /* cannot tell: look each bucket up */
    }
    free(b);
    atomic_init(&c->any, any);
    atomic_init(&c->gen, 1);
    return c;
}

void s3_confcache_free(s3_confcache_t *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

void s3_confcache_changed(s3_confcache_t *c)
{
    atomic_store(&c->any, 1);
    atomic_fetch_add(&c->gen, 1);
}

/* The slot of name (found, or where it goes); NULL when the table is full. */
static struct slot *find(s3_confcache_t *c, const char *bucket)
{
    for (uint32_t i = hash(bucket) % SLOTS, k = 0; k < SLOTS; k++, i = (i + 1) % SLOTS) {
        struct slot *s = &c->slots[i];
        if (!s->name[0] || strcmp(s->name, bucket) == 0) return s;
    }
    return NULL;
}

int s3_confcache_has(s3_confcache_t *c, const char *bucket)
{
    if (!atomic_load_explicit(&c->any, memory_order_relaxed)) return 0;
    if (strlen(bucket) >= sizeof c->slots[0].name) return 0; /* never a bucket */
    unsigned gen = atomic_load(&c->gen);
    pthread_mutex_lock(&c->mu);
    struct slot *s = find(c, bucket);
    int known = s && s->name[0] && s->gen == gen, has = known && s->has;
    pthread_mutex_unlock(&c->mu);
    if (known) return has;
    /* Asked outside the lock; a change meanwhile bumps gen past what is
     * stored here, so the answer is asked again next time. */
    char *doc = NULL;
    size_t len;
    has = c->st->ops->conf_get(c->st, bucket, c->name, &doc, &len) == STORE_OK;
    free(doc);
    pthread_mutex_lock(&c->mu);
    if (!(s = find(c, bucket)) || (!s->name[0] && c->used >= SLOTS * 3 / 4)) {
        memset(c->slots, 0, SLOTS * sizeof *c->slots);
        c->used = 0;
        s = find(c, bucket);
    }
    if (!s->name[0]) {
        strcpy(s->name, bucket);
        c->used++;
    }
    s->gen = gen;
    s->has = has;
    pthread_mutex_unlock(&c->mu);
    return has;
}
