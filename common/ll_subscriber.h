/*  ll_subscriber — the consuming half of the event backbone, run inside the
    consumer's event loop. For each stream it keeps a durable cursor (the
    last sequence applied) in the consumer's own schema and applies events
    strictly in sequence: each event's effect and the cursor move commit in
    the same transaction, so each event takes effect exactly once.
      - seq == cursor+1: applied;
      - seq <= cursor: already applied, skipped;
      - seq >  cursor+1: a gap (PUB dropped it, or we were away): the missed
        range is replayed from the producer's replay endpoint.
    On start it asks for everything after the cursor (catch-up), and a
    heartbeat whose head is past the cursor also triggers a replay.
    It owns its own PostgreSQL connection; the apply function gets it. */
#ifndef LL_SUBSCRIBER_H
#define LL_SUBSCRIBER_H
#include <czmq.h>
#include <libpq-fe.h>
#include "ll_envelope.h"

typedef struct ll_subscriber ll_subscriber_t;

//  Applies one event inside the open transaction on `conn`. Returns 0, or
//  -1 to roll the whole batch back (it is retried from the cursor).
typedef int (ll_apply_fn) (PGconn *conn, const ll_envelope_t *event, void *arg);

//  Runs after every (re)connect of the subscriber's connection, before any
//  event is applied: prepare the statements `apply` uses. 0 or -1.
typedef int (ll_prepare_fn) (PGconn *conn, void *arg);

//  Creates or upgrades the cursor table in the consumer's `schema`.
int ll_subscriber_migrate (PGconn *conn, const char *schema);

ll_subscriber_t *ll_subscriber_new (const char *conninfo, const char *schema,
                                    ll_apply_fn *apply, void *arg);
//  Destroy it before the zloop it is attached to.
void ll_subscriber_destroy (ll_subscriber_t **self_p);

void ll_subscriber_on_connect (ll_subscriber_t *self, ll_prepare_fn *prepare);

//  Optional: runs once per batch, after its last apply and before the
//  cursor moves and the transaction commits, on the same connection. A
//  consumer that buffers in apply writes the whole batch here in one
//  statement instead of one round trip per event. 0, or -1 to roll back.
typedef int (ll_flush_fn) (PGconn *conn, void *arg);
void ll_subscriber_on_flush (ll_subscriber_t *self, ll_flush_fn *flush);

//  Optional: runs after each batch's commit, once the cursors say what it
//  committed (ll_subscriber_cursor): for effects outside the store that
//  must wait for the commit, such as sending to clients.
typedef void (ll_committed_fn) (void *arg);
void ll_subscriber_on_commit (ll_subscriber_t *self, ll_committed_fn *committed);

//  Follows `stream`, published on `pub_endpoint`, replayed from
//  `replay_endpoint` (ZeroMQ connect addresses). Call before attach.
int ll_subscriber_follow (ll_subscriber_t *self, const char *stream,
                          const char *pub_endpoint, const char *replay_endpoint);

int ll_subscriber_attach (ll_subscriber_t *self, zloop_t *loop);

//  Last applied sequence of `stream` (0 if none yet).
uint64_t ll_subscriber_cursor (ll_subscriber_t *self, const char *stream);
bool ll_subscriber_ready (ll_subscriber_t *self);
//  True when the store is up and every followed stream has finished its
//  catch-up replay with the cursor at the producer's head as last heard:
//  what the producer committed before then has been applied.
bool ll_subscriber_caught_up (ll_subscriber_t *self);

#endif
