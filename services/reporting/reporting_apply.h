/*  reporting_apply — turns intake's and the SLA watcher's events into
    changes of reporting.lead_fact, inside the subscriber's transaction (the
    same one that moves the cursor). The roll-ups follow from the fact
    table's trigger, so an event's effect on every report commits with it
    or not at all. */
#ifndef REPORTING_APPLY_H
#define REPORTING_APPLY_H
#include "ll_envelope.h"
#include <czmq.h>
#include <libpq-fe.h>

typedef struct reporting_cache reporting_cache_t;
//  What apply keeps between events: the report cache to invalidate (may be
//  NULL) and the loop that drops its entries once a batch has committed.
//  The `arg` of reporting_apply and reporting_apply_flush.
typedef struct reporting_apply reporting_apply_t;
reporting_apply_t *reporting_apply_new (reporting_cache_t *cache, zloop_t *loop);
void reporting_apply_destroy (reporting_apply_t **self_p);

//  ll_prepare_fn: prepares the statements on the subscriber's connection.
int reporting_apply_prepare (PGconn *conn, void *arg);
//  ll_apply_fn: applies one event. Events reporting does not use are
//  skipped (the cursor still moves past them).
int reporting_apply (PGconn *conn, const ll_envelope_t *event, void *arg);
//  ll_flush_fn: once per batch, before the commit.
int reporting_apply_flush (PGconn *conn, void *arg);

#endif
