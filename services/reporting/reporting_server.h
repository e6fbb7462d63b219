/*  reporting_server — reports for people over a ROUTER, for `leadline
    report`. A request is an Envelope with a ReportRequest (the kind, and the
    parameters as the HTTP page takes them); the reply a ReportReply with the
    document, or a refusal naming the rule.

    With CURVE on (LEADLINE_AUTH_SECRET_KEY_FILE), who asks is the person
    the key is registered to, never a claim, and each person reads only
    their scope (docs/security.md):
      - an employee: their own Individual Carrier Report;
      - an office's coordinator: the station and carrier reports (and the
        published station reports) of the office's stations;
      - a district manager: every report of their district, and the
        nationwide campaign report when they cover every district.
    Without a key every request is answered, as on the HTTP port.

    It runs in the service's event loop with a connection of its own (for
    the scope check) and its own report builder; a report answered from the
    report cache takes microseconds, one built from the roll-ups a few
    milliseconds, during which the loop applies no events. */
#ifndef REPORTING_SERVER_H
#define REPORTING_SERVER_H
#include "ll_auth.h"
#include "reporting_http.h"
#include <czmq.h>

typedef struct reporting_server reporting_server_t;

//  Binds `endpoint`; `auth` and `pages` are not owned. NULL on failure.
reporting_server_t *reporting_server_new (const char *conninfo, const char *endpoint,
                                          ll_auth_t *auth, reporting_http_t *pages);
void reporting_server_destroy (reporting_server_t **self_p);
int reporting_server_attach (reporting_server_t *self, zloop_t *loop);

//  The scope rule as a sentence, for a refusal: "" when `subject` may read
//  report `kind` ("carrier", "station", "district", "campaign",
//  "published") of `scope` ("" for a nationwide campaign), else why not.
//  -1 when the store cannot answer.
int reporting_server_allowed (PGconn *conn, const char *subject, const char *kind,
                              const char *scope, char *why, size_t whylen);

#endif
