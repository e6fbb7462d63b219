/*  sla_consume — intake's events, as they change the clocks. Runs as the
    ll_subscriber's apply function, inside the subscriber's transaction, so
    each intake event changes the clocks exactly once together with the
    cursor move, and whatever the change fires (met, resolved, a late
    entry, steps that fell due before a contact we only now hear of) goes
    to the event log in that same transaction.

      lead_entered      entry deadline judged at once (met, or breached and
                        met late); contact clock started at entered_us
      lead_assigned     the clock's rep
      lead_duplicate    the duplicate's contact clock is cancelled
      lead_reassigned   the clock keeps running; its events name the new rep
      contact_recorded  (attempt or contact) and
      outcome_recorded  stop the contact clock: met, levels resolved */
#ifndef SLA_CONSUME_H
#define SLA_CONSUME_H
#include "ll_envelope.h"
#include "sla_config.h"
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct sla_consume sla_consume_t;

//  `config` is borrowed and must outlive this. `poke` runs when a change
//  makes a clock due at once (the engine should look now).
typedef void (sla_poke_fn) (void *arg);
sla_consume_t *sla_consume_new (sla_config_t *config, sla_poke_fn *poke, void *poke_arg);
void sla_consume_destroy (sla_consume_t **self_p);

//  ll_prepare_fn: prepares the statements on the subscriber's connection.
int sla_consume_prepare (PGconn *conn, void *arg);

//  ll_apply_fn: applies one intake event. Events it cannot use (unknown
//  type, missing lead id) are logged and skipped, never retried forever.
int sla_consume_apply (PGconn *conn, const ll_envelope_t *event, void *arg);

#endif
