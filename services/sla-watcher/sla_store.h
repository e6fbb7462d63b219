/*  sla_store — every statement the watcher runs on schema `sla`, prepared
    once per connection. Functions take the connection they run on: the
    engine and the subscriber each have their own. */
#ifndef SLA_STORE_H
#define SLA_STORE_H
#include "sla_config.h"
#include "sla_rules.h"
#include <libpq-fe.h>
#include <stdio.h>

//  Prepares the statements below on `conn`. 0 or -1.
int sla_store_prepare (PGconn *conn);

//  Reads policies, district calendars and holidays into `config` (after
//  clearing it). Time zones not given in sla.district_calendar come from
//  org.districts when that exists. 0 or -1 (config keeps the defaults).
int sla_store_load_config (PGconn *conn, sla_config_t *config);

//  Reads a clock, locking its row until the transaction ends.
//  1 found, 0 not found, -1 error.
int sla_store_clock_get (PGconn *conn, const char *lead_id, int deadline, sla_clock_t *clock);

//  Inserts a clock unless one exists for its lead and deadline; its next
//  step time follows from its stage. 1 inserted, 0 existed, -1 error.
int sla_store_clock_insert (PGconn *conn, const sla_clock_t *clock, int64_t stopped_us);

//  Writes stage, outcome, rep and next step time of a clock read with
//  sla_store_clock_get(). 0 or -1.
int sla_store_clock_update (PGconn *conn, const sla_clock_t *clock, int64_t stopped_us);

//  Sets the rep of both clocks of a lead. 0 or -1.
int sla_store_set_rep (PGconn *conn, const char *lead_id, const char *rep_id);

//  The timer's round, sent without waiting (libpq pipeline mode, see
//  sla_engine.c): the due clocks' query, then the round's writes.
//  Sends: up to `limit` clocks with a step due at or before `now_us`,
//  earliest first, locked (rows another transaction holds are skipped).
int sla_store_send_due (PGconn *conn, int64_t now_us, int limit);
//  Reads that query's rows into `clocks` and their next_us; returns how many.
int sla_store_due_rows (PGresult *res, int limit, sla_clock_t *clocks, int64_t *next_us);
//  Sends the round's writes: `count` clocks move to their new stage (each
//  only if still at `old_stages[i]`, else the statement fails) and the
//  events (`event_arrays`: ids, types, payloads as array literals, see
//  sla_events_arrays()) go to sla.event_log; then wakes the relay.
//  Two results follow: the statement's and the NOTIFY's. 0 or -1.
int sla_store_send_fire (PGconn *conn, const sla_clock_t *clocks, const int *old_stages,
                         size_t count, const char *event_arrays [3]);

//  When the earliest step falls due: 1 and *next_us, 0 if none, -1 error.
int sla_store_next_due (PGconn *conn, int64_t *next_us);

//  (Also prepared: "sla_pending", the number of clocks with a step left,
//  which the engine sends without waiting for it.)

//  Holds the leader lock on this connection's session: 1 held, 0 another
//  session has it, -1 error.
int sla_store_try_lead (PGconn *conn);

//  Writes `s` as one quoted element of a PostgreSQL array literal.
void sla_store_array_text (FILE *out, const char *s);

#endif
