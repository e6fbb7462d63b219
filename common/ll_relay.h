/*  ll_relay — the publishing half of the event backbone, run inside the
    producer's event loop. It:
      - publishes committed events per stream in sequence order on PUB as
        [stream][envelope with sequence] (writers number them as they
        write, in commit order: see ll_outbox.h);
      - answers replay requests ("stream S from sequence N") on a ROUTER from
        the log, in batches, each ending with a ReplayEnd;
      - publishes a Heartbeat with each stream's head once a second, so a
        consumer can tell a quiet producer from a dead one and spot gaps.
    It owns its own PostgreSQL connection, which LISTENs for the outbox's
    NOTIFY; a poll timer covers a missed notification. */
#ifndef LL_RELAY_H
#define LL_RELAY_H
#include <czmq.h>

typedef struct ll_relay ll_relay_t;

//  `producer` names the service in heartbeats. Endpoints are ZeroMQ bind
//  addresses, e.g. "tcp://*:7101". Returns NULL after logging.
ll_relay_t *ll_relay_new (const char *conninfo, const char *schema, const char *producer,
                          const char *pub_endpoint, const char *replay_endpoint);
//  Destroy it before the zloop it is attached to.
void ll_relay_destroy (ll_relay_t **self_p);

//  Registers the relay's sockets and timers with the service's loop.
int ll_relay_attach (ll_relay_t *self, zloop_t *loop);

//  Publishes whatever is committed and not yet sent; returns how many
//  events went out, or -1 when the store is unreachable (it retries).
int ll_relay_flush (ll_relay_t *self);

//  Heads are declared so heartbeats name the stream even before its first
//  event; call for each stream the producer writes.
void ll_relay_declare_stream (ll_relay_t *self, const char *stream);

//  True while the relay's store connection is up.
bool ll_relay_ready (ll_relay_t *self);

#endif
