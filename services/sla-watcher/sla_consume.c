/*  sla_consume — applying intake's events to the clocks. See sla_consume.h.

    A contact the watcher hears of late (it was down, or intake's events
    were delayed) still yields the history the program would have seen:
    every step that fell due before the contact fires first, in order, then
    the deadline is met (late) and the levels raised are resolved. */
#include "sla_consume.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "sla_events.h"
#include "sla_ladder.h"
#include "sla_rules.h"
#include "sla_store.h"
#include <stdlib.h>
#include <string.h>

struct sla_consume {
    sla_config_t *config;          // borrowed
    sla_events_t *events;
    sla_ladder_t *ladder;
    sla_poke_fn *poke;
    void *poke_arg;
};

sla_consume_t *
sla_consume_new (sla_config_t *config, sla_poke_fn *poke, void *poke_arg)
{
    sla_consume_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->poke = poke;
    self->poke_arg = poke_arg;
    self->events = sla_events_new ();
    self->ladder = sla_ladder_new ((int) ll_config_int ("LEADLINE_SLA_LADDER_TTL_S", 60));
    if (!self->events || !self->ladder) {
        sla_consume_destroy (&self);
        return NULL;
    }
    return self;
}

void
sla_consume_destroy (sla_consume_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_consume_t *self = *self_p;
    sla_events_destroy (&self->events);
    sla_ladder_destroy (&self->ladder);
    free (self);
    *self_p = NULL;
}

int
sla_consume_prepare (PGconn *conn, void *arg)
{
    sla_consume_t *self = arg;
    if (sla_store_prepare (conn) || ll_outbox_prepare (conn, "sla")
    ||  sla_ladder_prepare (self->ladder, conn))
        return -1;
    return 0;
}

//  Writes what this event fired, in the subscriber's transaction.
static int
s_flush (sla_consume_t *self, PGconn *conn)
{
    size_t count = sla_events_count (self->events);
    if (count == 0)
        return 0;
    int64_t now = ll_clock_now_us ();
    ll_envelope_t **envs = sla_events_seal (self->events, now);
    char sqlstate [6] = "";
    if (!envs || ll_outbox_append_batch (conn, "sla", "sla", envs, count, sqlstate))
        return -1;
    //  Counted before the commit: a rolled-back batch is counted again on
    //  its retry. The event log is the record; this is a rate.
    sla_events_record (self->events, now);
    return 0;
}

static void
s_skip (const ll_envelope_t *event, const char *why)
{
    ll_warn ("sla.skip", "intake event %s (%s, seq %llu) skipped: %s",
             event->message_id ? event->message_id : "?", ll_envelope_type_name (event),
             (unsigned long long) event->sequence, why);
}

static int
s_entered (sla_consume_t *self, PGconn *conn, const ll_envelope_t *event)
{
    const Leadline__V1__LeadEntered *e = event->lead_entered;
    sla_clock_t clock = { .deadline = SLA_ENTRY };
    if (!sla_copy_id (clock.lead_id, sizeof clock.lead_id, e->lead_id)) {
        s_skip (event, "no usable lead_id");
        return 0;
    }
    sla_copy_id (clock.office_id, sizeof clock.office_id, e->office_id);
    sla_copy_id (clock.district_id, sizeof clock.district_id, e->district_id);
    snprintf (clock.program, sizeof clock.program, "%s",
              sla_program_name (e->card ? (int) e->card->program : 0));
    const sla_policy_t *policy = sla_config_policy (self->config, clock.program);
    sla_calendar_t *calendar = sla_config_calendar (self->config, clock.district_id);
    int64_t entered = e->entered_us ? e->entered_us : event->time_us;

    //  Entry: judged now, from the card's time.
    if (e->card && e->card->card_completed_us > 0) {
        sla_clock_t entry = clock;
        entry.start_us = e->card->card_completed_us;
        sla_rules_schedule (&entry, policy, calendar);
        bool late = entered > entry.due_us;
        entry.stage = late ? SLA_STAGE_BREACHED : SLA_STAGE_NONE;
        entry.outcome = late ? SLA_LATE : SLA_MET;
        int inserted = sla_store_clock_insert (conn, &entry, entered);
        if (inserted < 0)
            return -1;
        if (inserted && ((late && sla_events_entry_breached (self->events, &entry))
                     ||  sla_events_met (self->events, &entry, entered,
                                         sla_rules_taken_s (&entry, entered, calendar))))
            return -1;
    }
    //  Contact: a clock from entered.
    sla_clock_t contact = clock;
    contact.deadline = SLA_CONTACT;
    contact.start_us = entered;
    sla_rules_schedule (&contact, policy, calendar);
    if (sla_store_clock_insert (conn, &contact, 0) < 0)
        return -1;
    int64_t next = sla_rules_next_at (&contact);
    if (next && next <= ll_clock_now_us () && self->poke)
        self->poke (self->poke_arg);
    return 0;
}

static int
s_assigned (sla_consume_t *self, PGconn *conn, const ll_envelope_t *event)
{
    const Leadline__V1__LeadAssigned *a = event->lead_assigned;
    sla_clock_t clock = { .deadline = SLA_CONTACT };
    if (!sla_copy_id (clock.lead_id, sizeof clock.lead_id, a->lead_id)) {
        s_skip (event, "no usable lead_id");
        return 0;
    }
    sla_copy_id (clock.rep_id, sizeof clock.rep_id, a->rep_id);
    int found = sla_store_clock_get (conn, clock.lead_id, SLA_CONTACT, &clock);
    if (found < 0)
        return -1;
    if (found)
        return sla_store_set_rep (conn, clock.lead_id, a->rep_id ? a->rep_id : "");
    //  No lead_entered before it (it always comes first from intake): start
    //  the clock from what the assignment says.
    if (a->entered_us <= 0) {
        s_skip (event, "no clock for the lead and no entered_us to start one");
        return 0;
    }
    sla_copy_id (clock.office_id, sizeof clock.office_id, a->office_id);
    sla_copy_id (clock.district_id, sizeof clock.district_id, a->district_id);
    clock.start_us = a->entered_us;
    sla_rules_schedule (&clock, sla_config_default (self->config),
                        sla_config_calendar (self->config, clock.district_id));
    return sla_store_clock_insert (conn, &clock, 0) < 0 ? -1 : 0;
}

static int
s_reassigned (sla_consume_t *self, PGconn *conn, const ll_envelope_t *event)
{
    const Leadline__V1__LeadReassigned *r = event->lead_reassigned;
    if (!r->lead_id || !*r->lead_id || strlen (r->lead_id) >= SLA_ID_MAX) {
        s_skip (event, "no usable lead_id");
        return 0;
    }
    return sla_store_set_rep (conn, r->lead_id, r->to_rep_id ? r->to_rep_id : "");
}

static int
s_duplicate (sla_consume_t *self, PGconn *conn, const ll_envelope_t *event)
{
    const Leadline__V1__LeadDuplicate *d = event->lead_duplicate;
    sla_clock_t clock;
    if (!d->lead_id || !*d->lead_id || strlen (d->lead_id) >= SLA_ID_MAX) {
        s_skip (event, "no usable lead_id");
        return 0;
    }
    int found = sla_store_clock_get (conn, d->lead_id, SLA_CONTACT, &clock);
    if (found <= 0 || clock.outcome != SLA_OPEN)
        return found < 0 ? -1 : 0;
    clock.outcome = SLA_CANCELLED;
    return sla_store_clock_update (conn, &clock, d->at_us ? d->at_us : event->time_us);
}

static int
s_level_of (int stage)
{
    return stage == SLA_STAGE_BREACHED ? 1 : stage == SLA_STAGE_LEVEL2 ? 2
         : stage == SLA_STAGE_LEVEL3 ? 3 : 0;
}

//  A contact attempt, a contact or an outcome at `at_us` stops the clock.
static int
s_stop (sla_consume_t *self, PGconn *conn, const ll_envelope_t *event,
        const char *lead_id, const char *rep_id, int64_t at_us)
{
    if (!lead_id || !*lead_id || strlen (lead_id) >= SLA_ID_MAX) {
        s_skip (event, "no usable lead_id");
        return 0;
    }
    if (at_us <= 0)
        at_us = event->time_us;
    sla_clock_t clock;
    int found = sla_store_clock_get (conn, lead_id, SLA_CONTACT, &clock);
    if (found <= 0 || clock.outcome != SLA_OPEN)
        return found < 0 ? -1 : 0;       // already stopped: later contacts change nothing
    if (rep_id && *rep_id)
        sla_copy_id (clock.rep_id, sizeof clock.rep_id, rep_id);
    //  Steps that fell due before the contact and have not fired yet.
    int64_t next = sla_rules_next_at (&clock);
    if (next && next <= at_us && clock.office_id [0]) {
        const char *offices [] = { clock.office_id };
        sla_ladder_load (self->ladder, conn, offices, 1);
    }
    int stage;
    while ((stage = sla_rules_next_stage (&clock)) && sla_rules_stage_at (&clock, stage) <= at_us) {
        const sla_recipients_t *rec = sla_ladder_get (self->ladder, clock.office_id, s_level_of (stage));
        if (sla_events_stage (self->events, &clock, stage, rec))
            return -1;
        clock.stage = stage;
    }
    sla_calendar_t *calendar = sla_config_calendar (self->config, clock.district_id);
    if (sla_events_met (self->events, &clock, at_us, sla_rules_taken_s (&clock, at_us, calendar)))
        return -1;
    int levels = sla_rules_levels_raised (&clock);
    for (int level = 1; level <= levels; level++)
        if (sla_events_resolved (self->events, &clock, level, at_us))
            return -1;
    clock.outcome = at_us <= clock.due_us ? SLA_MET : SLA_LATE;
    return sla_store_clock_update (conn, &clock, at_us);
}

int
sla_consume_apply (PGconn *conn, const ll_envelope_t *event, void *arg)
{
    sla_consume_t *self = arg;
    sla_events_reset (self->events);
    int rc = 0;
    switch (event->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED:
            rc = s_entered (self, conn, event);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED:
            rc = s_assigned (self, conn, event);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED:
            rc = s_reassigned (self, conn, event);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE:
            rc = s_duplicate (self, conn, event);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED:
            rc = s_stop (self, conn, event, event->contact_recorded->lead_id,
                         event->contact_recorded->rep_id, event->contact_recorded->at_us);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED:
            rc = s_stop (self, conn, event, event->outcome_recorded->lead_id,
                         event->outcome_recorded->rep_id, event->outcome_recorded->at_us);
            break;
        default:
            return 0;           // not about deadlines
    }
    if (rc == 0)
        rc = s_flush (self, conn);
    sla_events_reset (self->events);
    return rc;
}
