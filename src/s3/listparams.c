/* listparams — see listparams.h. */
#include "s3/listparams.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define TOKEN_MAGIC     "fakes3:"
#define TOKEN_MAGIC_LEN 7

char *listparams_token_encode(const char *key, size_t n)
{
    size_t rn = TOKEN_MAGIC_LEN + n;
    unsigned char *raw = xmalloc(rn);
    memcpy(raw, TOKEN_MAGIC, TOKEN_MAGIC_LEN);
    memcpy(raw + TOKEN_MAGIC_LEN, key, n);
    char *tok = xmalloc(4 * (rn / 3 + 2) + 1);
    util_base64(raw, rn, tok);
    free(raw);
    return tok;
}

int listparams_token_decode(const char *token, char **key, size_t *n)
{
    size_t tn = strlen(token), len = tn + 4;
    char *after = xmalloc(len);
    if (!*token || util_unbase64(token, tn, (unsigned char *)after, &len) != 0 ||
        len < TOKEN_MAGIC_LEN || memcmp(after, TOKEN_MAGIC, TOKEN_MAGIC_LEN) != 0) {
        free(after);
        return -1;
    }
    len -= TOKEN_MAGIC_LEN;
    memmove(after, after + TOKEN_MAGIC_LEN, len);
    *key = after;
    *n = len;
    return 0;
}

listparams_err_t listparams_parse(listparams_get_fn get, void *ctx, listparams_t *p)
{
    memset(p, 0, sizeof *p);
    const char *lt = get(ctx, "list-type");
    p->v2 = lt && strcmp(lt, "2") == 0;
    p->prefix = get(ctx, "prefix");
    p->delim = get(ctx, "delimiter");
    p->encoding = get(ctx, "encoding-type");
    p->max_keys = get(ctx, "max-keys");
    p->marker = p->v2 ? NULL : get(ctx, "marker");
    p->start_after = p->v2 ? get(ctx, "start-after") : NULL;
    p->token = p->v2 ? get(ctx, "continuation-token") : NULL;
    const char *fo = p->v2 ? get(ctx, "fetch-owner") : NULL;
    p->owner = !p->v2 || (fo && strcmp(fo, "true") == 0);
    if (p->encoding) {
        if (strcmp(p->encoding, "url") != 0) return LISTPARAMS_BAD_ENCODING;
        p->url = 1;
    }
    p->max = 1000;
    if (p->max_keys) {
        const char *mk = p->max_keys;
        char *end;
        errno = 0;
        long v = strtol(mk, &end, 10);
        if (!*mk || *end || errno || v < 0 || v > 2147483647L) return LISTPARAMS_BAD_MAX_KEYS;
        p->max = v > 1000 ? 1000 : v;
    }
    if (p->token) {
        if (listparams_token_decode(p->token, &p->after, &p->after_len) != 0)
            return LISTPARAMS_BAD_TOKEN;
    } else if (p->marker || p->start_after) {
        const char *m = p->marker ? p->marker : p->start_after;
        p->after = xstrdup(m);
        p->after_len = strlen(m);
    }
    return LISTPARAMS_OK;
}

void listparams_free(listparams_t *p)
{
    free(p->after);
    p->after = NULL;
}
