/* ctlcli — `fakes3 ctl ...`: the control namespace's calls (/_fakes3/) from
 * the command line, for shell-based tests and humans.
 *
 * A command line becomes one HTTP request (method, target, JSON body) to the
 * endpoint (--endpoint, FAKES3_ENDPOINT, else http://127.0.0.1: FAKES3_PORT
 * or 4569), SigV4-signed when keys are given (--access-key/--secret-key, else
 * FAKES3_ACCESS_KEY/FAKES3_SECRET_KEY, else AWS_ACCESS_KEY_ID/
 * AWS_SECRET_ACCESS_KEY; region --region, FAKES3_REGION, us-east-1) so that
 * an admin passes a server with users; a signed call refused as skewed (the
 * server's clock was moved) is signed again once at the server's Date. The
 * server's answer goes to stdout on a 2xx (exit 0), to stderr otherwise
 * (exit 1); a usage error or no connection exits 2. It interprets no answer:
 * the output is the server's (src/ctl). Parsing is separate from sending so
 * that it is tested without a server. */
#ifndef FAKES3_CLI_CTLCLI_H
#define FAKES3_CLI_CTLCLI_H

#include <stddef.h>

typedef struct ctlcli_call {
    char *endpoint;   /* "http://host[:port]", no trailing '/' */
    char *access_key; /* both keys or neither; NULL: unsigned */
    char *secret_key;
    char *region;
    const char *method; /* "GET", "POST", "DELETE" (static) */
    char *target;       /* "/_fakes3/...[?query]", percent-encoded */
    char *body;         /* JSON text to send, or NULL: none */
    int timeout_ms;     /* for the whole exchange */
} ctlcli_call_t;

enum {
    CTLCLI_CALL = 0,   /* c holds a request to send */
    CTLCLI_HELP = 1,   /* --help: print ctlcli_usage */
    CTLCLI_USAGE = -1, /* a usage error, the reason in err */
};

/* The request of argv (argv[0] is "ctl": the arguments after it), the
 * environment filling what flags leave out. On CTLCLI_CALL the caller frees
 * c with ctlcli_call_free; otherwise c holds nothing. */
int ctlcli_parse(int argc, char *const *argv, ctlcli_call_t *c, char *err, size_t errlen);
void ctlcli_call_free(ctlcli_call_t *c);

/* A clock step "[+|-]N[.N][s|m|h|d]" (no suffix: seconds) in seconds.
 * Returns 0, or -1 when s is not one. */
int ctlcli_duration(const char *s, double *seconds);

/* The help text. */
extern const char ctlcli_usage[];

/* `fakes3 ctl ...` whole: parse, send, print. The process's exit status. */
int ctlcli_main(int argc, char **argv);

#endif
