/*  notifier_route — who hears what. Turns one event into the notifications
    it makes: each a recipient, a kind, whether it is urgent, and the words.
    Most events name their people (rep_id, employee_id); escalations and
    published reports are resolved through org (read only). */
#ifndef NOTIFIER_ROUTE_H
#define NOTIFIER_ROUTE_H
#include <libpq-fe.h>
#include "notifier.h"

#define NOTIFIER_ROUTE_MAX 32       // recipients of one event, at most

typedef struct {
    char id [NOTIFIER_ID_LEN];
    char recipient [NOTIFIER_PERSON_MAX];
    int kind;
    bool urgent;
    char title [256];
    char body [1024];
} notifier_note_t;

typedef struct {
    char event_id [128];            // Envelope.message_id
    char lead_id [128];
    notifier_note_t notes [NOTIFIER_ROUTE_MAX];
    size_t count;
} notifier_route_t;

//  Prepares the org look-ups on a connection (the subscriber's). 0 or -1.
int notifier_route_prepare (PGconn *conn);

//  Fills `route` with the notifications `event` makes (none for events
//  nobody hears about). Returns 0, or -1 if org could not be read.
int notifier_route_event (PGconn *conn, const ll_envelope_t *event, notifier_route_t *route);

//  A notification's id: a UUID v5 (SHA-1, in Leadline's namespace) of the
//  event id, the recipient and the kind, so the same three always give the
//  same id, in any process, after any restart.
void notifier_route_id (const char *event_id, const char *recipient, int kind,
                        char out [NOTIFIER_ID_LEN]);

//  Adds one note, skipping an empty recipient or one already there with
//  the same kind. Exposed for tests.
void notifier_route_add (notifier_route_t *route, const char *recipient, int kind,
                         bool urgent, const char *title, const char *body);

#endif
