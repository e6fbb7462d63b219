/*  notifier_inbox — the durable inbox per person (schema `notifier`), and
    every SQL statement the notifier runs on it. Two connections use it:
      - the subscriber's, inside its transaction: notifier_inbox_add();
      - the loop's own (notifier_inbox_t): pending, delivered, acks, listing.
    Each is owned by one part of the one event loop; neither is shared with
    another thread. */
#ifndef NOTIFIER_INBOX_H
#define NOTIFIER_INBOX_H
#include <libpq-fe.h>
#include "notifier.h"
#include "notifier_route.h"

//  ---- subscriber side (its connection, its transaction)

//  Prepares the insert on the subscriber's connection. 0 or -1.
int notifier_inbox_prepare_apply (PGconn *conn);

//  The notifications of one subscriber batch, buffered by apply and
//  stored by the subscriber's flush in one statement (one round trip per
//  batch, not per event).
typedef struct notifier_batch notifier_batch_t;

notifier_batch_t *notifier_batch_new (void);
void notifier_batch_destroy (notifier_batch_t **self_p);

//  Buffers the route's notifications of `event`. 0, or -1 out of memory.
int notifier_batch_add (notifier_batch_t *self, const ll_envelope_t *event,
                        const notifier_route_t *route, int64_t now_us);
size_t notifier_batch_size (notifier_batch_t *self);
void notifier_batch_clear (notifier_batch_t *self);

//  Stores what is buffered and plans the channel sends, inside the open
//  transaction, and announces the new rows' seq range as `instance`'s
//  (see "more than one notifier" below); appends a notifier_item_t for each notification that is
//  new to `created` (a zlistx that frees items; a replayed event adds
//  nothing). Empties the buffer either way. 0, or -1 (the caller rolls
//  back).
int notifier_batch_store (notifier_batch_t *self, PGconn *conn, const char *instance,
                          int64_t now_us, zlistx_t *created);

//  ---- more than one notifier (docs/notifier.md, "Two instances")
//
//  Every instance applies events (the subscriber's cursor lock lets one of
//  them store each event) and every instance serves its own clients. So an
//  instance must hear of inbox rows another one stored:
//    - notifier_batch_store takes a transaction-scoped advisory lock before
//      it inserts: inbox writes of all instances are serialised until
//      commit, so the seq values of one transaction form one range, and
//      seq order is commit order (a later commit has larger seqs);
//    - after inserting it announces "<instance> <first seq> <last seq>" with
//      NOTIFY leadline_notifier_inbox, delivered to listeners on commit only
//      (lock, insert and announcement are one statement:
//      notifier.add_notifications_announced);
//    - each instance LISTENs (notifier_listener_t) and reads the rows of
//      other instances' ranges for the persons it has clients for.

#define NOTIFIER_INBOX_CHANNEL "leadline_notifier_inbox"

typedef struct notifier_listener notifier_listener_t;

notifier_listener_t *notifier_listener_new (const char *conninfo);
void notifier_listener_destroy (notifier_listener_t **self_p);
//  Connects and LISTENs if not connected (at most once a second). 1 when
//  it connected just now (announcements made meanwhile were missed: the
//  caller re-reads what its clients hold from the store), 0 connected
//  before, -1 not connected.
int notifier_listener_connect (notifier_listener_t *self);
//  The connection's socket, or -1.
int notifier_listener_fd (notifier_listener_t *self);
//  Reads what arrived; appends each announcement from another instance
//  than `instance` as two int64_t (first, last) to `ranges` (a zlistx
//  of malloc'd int64_t [2]). 0, or -1 when the connection was lost.
int notifier_listener_read (notifier_listener_t *self, const char *instance, zlistx_t *ranges);

//  ---- the loop's connection

typedef struct notifier_inbox notifier_inbox_t;
typedef int (notifier_prepare_fn) (PGconn *conn, void *arg);

notifier_inbox_t *notifier_inbox_new (const char *conninfo);
void notifier_inbox_destroy (notifier_inbox_t **self_p);

//  Another part's statements to prepare on each (re)connect.
void notifier_inbox_on_connect (notifier_inbox_t *self, notifier_prepare_fn *fn, void *arg);

//  The connection, (re)connected and prepared, or NULL if the store is
//  down (tried again at most every second).
PGconn *notifier_inbox_conn (notifier_inbox_t *self);
//  Call after a failed statement: drops the connection if it is broken.
void notifier_inbox_check (notifier_inbox_t *self);

//  Appends to `out` up to `limit` unacknowledged notifications of `person`
//  with seq > after_seq, oldest first. Returns how many, or -1.
int notifier_inbox_pending (notifier_inbox_t *self, const char *person, int64_t after_seq,
                            int limit, zlistx_t *out);
//  The same for many persons at once, from their first: up to `limit`
//  each. Returns how many in all, or -1.
int notifier_inbox_pending_many (notifier_inbox_t *self, const char **persons, size_t count,
                                 int limit, zlistx_t *out);

//  Appends to `out` the unacknowledged notifications with seq in
//  [first, last] of the `count` persons named, in seq order. Returns how
//  many, or -1.
int notifier_inbox_range (notifier_inbox_t *self, int64_t first, int64_t last,
                          const char **persons, size_t count, zlistx_t *out);

//  Records that these were sent to a client (unread -> delivered). 0 or -1.
int notifier_inbox_delivered (notifier_inbox_t *self, const char **ids, size_t count,
                              int64_t now_us);

//  Acknowledges ids, each only for its own recipient (persons[i]); returns
//  how many moved to acknowledged, or -1.
int notifier_inbox_ack (notifier_inbox_t *self, const char **ids, const char **persons,
                        size_t count, int64_t now_us);

//  The newest `limit` notifications of `person` (only unacknowledged ones
//  if unread_only), newest first; acked[i] says whether item i was
//  acknowledged (the array holds at least `limit`). Returns how many, or -1.
int notifier_inbox_list (notifier_inbox_t *self, const char *person, bool unread_only,
                         int limit, zlistx_t *out, bool *acked);

//  True if `text` is a UUID in text form (ids from clients are checked
//  before they reach SQL).
bool notifier_inbox_valid_id (const char *text);

#endif
