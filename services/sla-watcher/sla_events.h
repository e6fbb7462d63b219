/*  sla_events — the events the watcher publishes on stream "sla", collected
    for one transaction and handed to the outbox in deadline order.

    Every event has a deterministic id (a name-based UUID of lead, deadline,
    kind and level), so the event log's unique key on event_id refuses a
    second copy of any event even if the rules were ever wrong about it. */
#ifndef SLA_EVENTS_H
#define SLA_EVENTS_H
#include "ll_envelope.h"
#include "sla_rules.h"

#define SLA_MAX_RECIPIENTS 4

//  Who hears about one escalation level of one office.
typedef struct {
    size_t count;
    char roles [SLA_MAX_RECIPIENTS][40];
    char ids [SLA_MAX_RECIPIENTS][SLA_ID_MAX];
} sla_recipients_t;

typedef struct sla_events sla_events_t;

sla_events_t *sla_events_new (void);
void sla_events_destroy (sla_events_t **self_p);

//  Empties the collection for the next transaction.
void sla_events_reset (sla_events_t *self);
size_t sla_events_count (sla_events_t *self);

//  Adds what a clock raises when it reaches `stage`: a warning; a breach
//  with escalation level 1; level 2; level 3. `recipients` is the office's
//  ladder at that level (NULL: roles only). 0, or -1 out of memory.
int sla_events_stage (sla_events_t *self, const sla_clock_t *clock, int stage,
                      const sla_recipients_t *recipients);

//  A deadline met at `met_us` (late if after due), taking `taken_s`.
int sla_events_met (sla_events_t *self, const sla_clock_t *clock, int64_t met_us,
                    int64_t taken_s);

//  An entry deadline missed: a breach recorded at once, when the lead
//  arrives late.
int sla_events_entry_breached (sla_events_t *self, const sla_clock_t *clock);

//  Escalation `level` of the clock's lead resolved at `at_us`.
int sla_events_resolved (sla_events_t *self, const sla_clock_t *clock, int level,
                         int64_t at_us);

//  Orders the events by the time each happened (ties keep the order they
//  were added), stamps them with the firing time `now_us`, and returns
//  the envelopes for ll_outbox_append_batch(). Valid until the next reset.
ll_envelope_t **sla_events_seal (sla_events_t *self, int64_t now_us);

//  The sealed events as three PostgreSQL array literals for one
//  multi-row insert into the event log: ids (uuid[]), types (text[]) and
//  packed envelopes (bytea[], hex) — the row shape ll_outbox writes. The
//  caller frees the three strings. 0, or -1 (an event over the frame limit).
int sla_events_arrays (sla_events_t *self, char *arrays [3]);

//  After a commit: counts the sealed events in leadline_sla_events_total
//  {kind=...} and, for the timer's steps (warning, breach, escalation),
//  how late each fired in leadline_sla_lateness_ms.
void sla_events_record (sla_events_t *self, int64_t now_us);

//  The name-based event id for (lead, deadline, kind, level).
void sla_event_id (char out [37], const char *lead_id, int deadline, const char *kind, int level);

#endif
