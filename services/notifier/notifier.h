/*  leadline-notifier — what its parts share: the notification as it moves
    from the store to a client, and short names for the protocol's kinds.

    The parts, one file each (docs/notifier.md):
      notifier_route.c     who hears what: an event -> recipients and texts
      notifier_inbox.c     the durable inbox in PostgreSQL (all its SQL)
      notifier_clients.c   the ROUTER for person clients: hello, pending,
                           live delivery, acks, redelivery, heartbeats
      notifier_channels.c  email and webhook sends with retry and backoff,
                           digests, the dead-letter list
      main.c               start-up and the one event loop */
#ifndef NOTIFIER_H
#define NOTIFIER_H
#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "ll_envelope.h"

#define NOTIFIER_ID_LEN 37          // a UUID as text, with its NUL
#define NOTIFIER_PERSON_MAX 128     // longest person id kept

#define NK_ASSIGNED LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ASSIGNED
#define NK_REASSIGNED LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_REASSIGNED
#define NK_WARNING LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_WARNING
#define NK_BREACH LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_BREACH
#define NK_ESCALATION LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ESCALATION
#define NK_LEAD_ENTERED LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_LEAD_ENTERED
#define NK_LEAD_CONTACTED LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_LEAD_CONTACTED
#define NK_LEAD_OUTCOME LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_LEAD_OUTCOME
#define NK_REPORT_PUBLISHED LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_REPORT_PUBLISHED
#define NK_DIGEST LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_DIGEST

//  One stored notification, as read back from the inbox.
typedef struct {
    char id [NOTIFIER_ID_LEN];
    int64_t seq;                    // inbox order
    char recipient [NOTIFIER_PERSON_MAX];
    int kind;
    bool urgent;
    int64_t created_us;
    char *lead_id;                  // owned
    char *title;                    // owned
    char *body;                     // owned
    //  Where it came from, while it waits for the subscriber's commit
    char stream [32];
    uint64_t event_seq;
} notifier_item_t;

notifier_item_t *notifier_item_new (void);
void notifier_item_destroy (notifier_item_t **self_p);
//  A zlistx destructor, so lists of items free what they hold.
void notifier_item_free (void **item_p);

//  The item as the frame a client receives: an Envelope whose body is a
//  Notification and whose message_id is the notification id. NULL if it
//  does not fit a frame.
zframe_t *notifier_item_frame (const notifier_item_t *self);

//  The kind's short name ("assigned", "breach", ...), for logs and tools.
const char *notifier_kind_name (int kind);

#endif
