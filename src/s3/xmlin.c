#include "s3/xmlin.h"

#include <expat.h>
#include <string.h>

#include "lib/buf.h"

#define XMLIN_MAX_DEPTH 16

struct state {
    XML_Parser p;
    xmlin_fn fn;
    void *ctx;
    buf_t path, text;
    size_t marks[XMLIN_MAX_DEPTH + 1];
    int depth, failed;
};

static void stop(struct state *s)
{
    s->failed = 1;
    XML_StopParser(s->p, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    struct state *s = ud;
    if (s->depth >= XMLIN_MAX_DEPTH) {
        stop(s);
        return;
    }
    /* Namespaces are not separated by Expat here; drop any "ns:" prefix. */
    const char *local = strrchr(name, ':');
    local = local ? local + 1 : name;
    s->marks[s->depth++] = s->path.len;
    if (s->path.len) buf_putc(&s->path, '/');
    buf_puts(&s->path, local);
    buf_reset(&s->text);
}

static void on_end(void *ud, const XML_Char *name)
{
    (void)name;
    struct state *s = ud;
    if (s->failed) return;
    if (s->fn(s->ctx, s->path.p, s->text.p ? s->text.p : "", s->text.len)) {
        stop(s);
        return;
    }
    s->path.len = s->marks[--s->depth];
    if (s->path.p) s->path.p[s->path.len] = '\0';
    buf_reset(&s->text);
}

static void on_text(void *ud, const XML_Char *t, int len)
{
    struct state *s = ud;
    if (len > 0) buf_append(&s->text, t, (size_t)len);
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    stop(ud);
}

int xmlin_parse(const char *data, size_t n, xmlin_fn fn, void *ctx)
{
    struct state s = {0};
    s.fn = fn;
    s.ctx = ctx;
    s.p = XML_ParserCreate("UTF-8");
    if (!s.p) return -1;
    XML_SetUserData(s.p, &s);
    XML_SetElementHandler(s.p, on_start, on_end);
    XML_SetCharacterDataHandler(s.p, on_text);
    XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
    int ok = n <= (size_t)0x7fffffff && XML_Parse(s.p, data, (int)n, XML_TRUE) == XML_STATUS_OK;
    XML_ParserFree(s.p);
    buf_free(&s.path);
    buf_free(&s.text);
    return ok && !s.failed ? 0 : -1;
}
