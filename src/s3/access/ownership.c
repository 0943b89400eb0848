/* See ownership.h. */
#include "s3/access/ownership.h"

#include <string.h>

#include "s3/xmlin.h"

static const char *const names[] = {"ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"};

int ownership_from_name(const char *name, ownership_t *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(names[i], name) == 0) {
            *out = (ownership_t)i;
            return 0;
        }
    return -1;
}

const char *ownership_name(ownership_t o)
{
    return names[o];
}

typedef struct {
    int rules, settings, bad;
    ownership_t o;
} ox_t;

static int on_elem(void *ctx, const char *path, const char *text, size_t n)
{
    ox_t *s = ctx;
    if (strcmp(path, "OwnershipControls/Rule") == 0) {
        s->rules++;
    } else if (strcmp(path, "OwnershipControls/Rule/ObjectOwnership") == 0) {
        char v[32];
        if (n >= sizeof v) return s->bad = 1;
        memcpy(v, text, n);
        v[n] = '\0';
        s->settings++;
        if (ownership_from_name(v, &s->o)) s->bad = 1;
    } else if (strcmp(path, "OwnershipControls") != 0) {
        s->bad = 1;
    }
    return s->bad;
}

int ownership_parse_xml(const char *xml, size_t n, ownership_t *out)
{
    ox_t s = {0};
    if (xmlin_parse(xml, n, on_elem, &s) != 0 || s.bad || s.rules != 1 || s.settings != 1)
        return -1;
    *out = s.o;
    return 0;
}

void ownership_xml(ownership_t o, buf_t *out)
{
    buf_printf(out,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OwnershipControls "
               "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ObjectOwnership>%s"
               "</ObjectOwnership></Rule></OwnershipControls>",
               names[o]);
}
