/* query — a request target's query string split into decoded parameters.
 *
 * "a=1&b&c=x%20y+z": '&' separates parameters, the first '=' separates name
 * and value, both are percent-decoded with '+' read as a space (form
 * encoding); empty pieces ("&&") are skipped. */
#ifndef FAKES3_QUERY_H
#define FAKES3_QUERY_H

#include <stddef.h>

typedef struct s3_qparam {
    char *name, *value; /* decoded, owned; value is "" when absent */
    int has_value;
} s3_qparam_t;

/* Append the parameters of q (without the '?') to the growing array *params
 * of *n entries (an array only query_parse has grown, or NULL and 0). Returns 0, or -1 on a bad
 * escape ("%4", "%zz"); what was parsed before it stays in *params either way, for query_free. */
int query_parse(const char *q, s3_qparam_t **params, size_t *n);

/* Free the n parameters and the array. */
void query_free(s3_qparam_t *params, size_t n);

#endif
