/*  notifier_clients — live delivery to person clients over one ROUTER.

    Protocol (one Envelope per frame, docs/notifier.md):
      client -> notifier  ClientHello{person_id}   "I am P": the first one from
                          a connection registers it and the notifier sends
                          everything P has not acknowledged, oldest first;
                          later ones are heartbeats (send one every second)
      notifier -> client  Heartbeat                 answer to every hello
      notifier -> client  Notification              pending, then new ones
      client -> notifier  NotificationAck{ids}      acknowledged: never resent
      client -> notifier  InboxRequest              -> InboxReply
    What a client has not acknowledged is sent again after
    LEADLINE_NOTIFIER_REDELIVER_MS, and to every new connection of the
    person. A client silent for LEADLINE_NOTIFIER_CLIENT_TIMEOUT_MS is
    dropped. Clients de-duplicate by notification id. */
#ifndef NOTIFIER_CLIENTS_H
#define NOTIFIER_CLIENTS_H
#include "notifier.h"
#include "notifier_inbox.h"
#include "ll_auth.h"

typedef struct notifier_clients notifier_clients_t;

typedef struct {
    const char *endpoint;           // ROUTER bind address
    int window;                     // unacknowledged per client, at most
    int64_t redeliver_ms;
    int64_t timeout_ms;
    ll_auth_t *auth;                // CURVE keys (borrowed); NULL or off: claims are trusted
} notifier_clients_config_t;

//  Binds the ROUTER. NULL after logging if it cannot.
notifier_clients_t *notifier_clients_new (const notifier_clients_config_t *config,
                                          notifier_inbox_t *inbox);
void notifier_clients_destroy (notifier_clients_t **self_p);
int notifier_clients_attach (notifier_clients_t *self, zloop_t *loop);

//  Offers newly committed notifications to their recipients' connected
//  clients. The items stay the caller's.
void notifier_clients_deliver (notifier_clients_t *self, zlistx_t *items);

size_t notifier_clients_count (notifier_clients_t *self);

//  The persons with a client connected here: a malloc'd array of borrowed
//  strings (valid until the loop turns), its length in *count.
const char **notifier_clients_persons (notifier_clients_t *self, size_t *count);

//  Every client reads its unacknowledged notifications from the store
//  again (on its next tick), for when announcements may have been missed.
void notifier_clients_resync (notifier_clients_t *self);

//  Who may the connection act as? With a key (`who` authenticated), the
//  person is the key's subject: only person keys are served, and a claim
//  (person_id or the envelope's sender) naming anyone else is refused.
//  Without one (`who` NULL or anonymous: CURVE off) the claim is trusted,
//  and the sender, when set, must agree with it. On success writes the
//  person into person (NOTIFIER_PERSON_MAX); else the rule broken into why.
bool notifier_clients_identity (const ll_principal_t *who, const char *claimed,
                                const char *sender, char *person, char *why, size_t whylen);

#endif
