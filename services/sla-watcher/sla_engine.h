/*  sla_engine — the timer: fires every clock step that is due, durably and
    once, in deadline order, from one instance at a time.

    The store is the timer. Clocks with a step left sit in a partial index
    on next_us; each round reads the earliest due ones (a batch, locked),
    writes their events to the outbox and moves their stage in one
    transaction. The engine then sleeps until the earliest next_us, capped
    at a second. There is no in-memory copy to rebuild or keep in step:
    a restart, or a standby taking over, starts from the index
    (docs/sla.md has the measurements behind the choice).

    Only the leader fires. Leadership is a session advisory lock held on
    the very connection that fires, so an instance that loses its session
    loses the lock and its ability to write in the same moment; a standby
    asks for the lock every LEADLINE_SLA_LEADER_RETRY_MS. */
#ifndef SLA_ENGINE_H
#define SLA_ENGINE_H
#include "sla_config.h"
#include <czmq.h>
#include <stdbool.h>

typedef struct sla_engine sla_engine_t;

//  May the engine fire now? (false while intake's events are still being
//  caught up, so that a contact already made is seen before its breach).
typedef bool (sla_gate_fn) (void *arg);
//  Leadership won (true) or lost (false).
typedef void (sla_leader_fn) (bool leading, void *arg);

//  `config` is borrowed; the engine reloads it from the store every
//  `reload_s` seconds. `batch` is the most clocks per transaction.
sla_engine_t *sla_engine_new (const char *conninfo, sla_config_t *config, int batch);
void sla_engine_destroy (sla_engine_t **self_p);

//  Holds firing while `gate` says no, for at most `wait_ms` at a time
//  (then fires anyway and says so in the log).
void sla_engine_set_gate (sla_engine_t *self, sla_gate_fn *gate, void *arg, int wait_ms);
void sla_engine_on_leader (sla_engine_t *self, sla_leader_fn *fn, void *arg);

int sla_engine_attach (sla_engine_t *self, zloop_t *loop);

//  Something may be due now: look at once rather than at the next timer.
void sla_engine_poke (void *self);

bool sla_engine_leading (sla_engine_t *self);
//  True while the store answers the engine's connection.
bool sla_engine_connected (sla_engine_t *self);

#endif
