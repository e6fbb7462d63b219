/*  reporting_apply — one upsert per event on lead_fact. Every statement
    inserts the lead if it is not there yet: the intake and sla streams are
    independent, so a breach can arrive before the lead it is about. Each
    sets only what its event knows; first contact keeps the earliest time,
    whatever order contacts come in. */
#include "reporting_apply.h"
#include "reporting_cache.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reporting_apply {
    reporting_cache_t *cache;   // may be NULL
    zloop_t *loop;
    zhashx_t *touched;          // scopes changed by the batch being applied
    zhashx_t *committed;        // ... by batches committed, not yet dropped
    bool timer;                 // the drop is scheduled
};

reporting_apply_t *
reporting_apply_new (reporting_cache_t *cache, zloop_t *loop)
{
    reporting_apply_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->cache = cache;
    self->loop = loop;
    self->touched = zhashx_new ();
    self->committed = zhashx_new ();
    if (!self->touched || !self->committed)
        reporting_apply_destroy (&self);
    return self;
}

void
reporting_apply_destroy (reporting_apply_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reporting_apply_t *self = *self_p;
    zhashx_destroy (&self->touched);
    zhashx_destroy (&self->committed);
    free (self);
    *self_p = NULL;
}

static void
s_touch (zhashx_t *set, char kind, const char *id)
{
    if (!id || !*id)
        return;
    char key [256];
    snprintf (key, sizeof key, "%c:%s", kind, id);
    zhashx_insert (set, key, (void *) 1);
}

//  Runs in the loop once the subscriber's handler has returned, that is,
//  after the batch committed (or rolled back: dropping is then harmless).
//  Dropping before the commit would let a report built from the store as
//  it was be cached after the change.
static int
s_drop_timer (zloop_t *loop, int timer_id, void *arg)
{
    reporting_apply_t *self = arg;
    self->timer = false;
    if (self->cache && zhashx_size (self->committed))
        reporting_cache_invalidate (self->cache, self->committed);
    zhashx_purge (self->committed);
    return 0;
}

int
reporting_apply_flush (PGconn *conn, void *arg)
{
    reporting_apply_t *self = arg;
    if (!self)
        return 0;
    for (void *v = zhashx_first (self->touched); v; v = zhashx_next (self->touched))
        zhashx_insert (self->committed, zhashx_cursor (self->touched), (void *) 1);
    zhashx_purge (self->touched);
    if (!self->timer && self->loop && zhashx_size (self->committed)
    &&  zloop_timer (self->loop, 1, 1, s_drop_timer, self) >= 0)
        self->timer = true;
    return 0;
}

//  What each statement returns: the scopes whose cached reports it changes.
#define SCOPE " station_id, district_id, employee_id"
#define TS(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"

static const struct {
    const char *name;
    const char *sql;
} s_statements [] = {
    //  $1 lead, $2 employee, $3 station, $4 office, $5 district, $6 program,
    //  $7 products, $8 business, $9 card, $10 entered
    { "ra_entered",
      "INSERT INTO reporting.lead_fact AS f (lead_id, employee_id, station_id, office_id,"
      "  district_id, program, products, business_name, card_at, entered_at)"
      " VALUES ($1, $2, $3, $4, $5, $6::smallint, $7::smallint[], $8, " TS(9) ", " TS(10) ")"
      " ON CONFLICT (lead_id) DO UPDATE SET employee_id = excluded.employee_id,"
      "  station_id = excluded.station_id, office_id = excluded.office_id,"
      "  district_id = excluded.district_id, program = excluded.program,"
      "  products = excluded.products, business_name = excluded.business_name,"
      "  card_at = excluded.card_at, entered_at = excluded.entered_at RETURNING" SCOPE },
    //  $1 lead, $2 rep, $3 at
    { "ra_assigned",
      "INSERT INTO reporting.lead_fact AS f (lead_id, rep_id, assigned_at)"
      " VALUES ($1, $2, " TS(3) ")"
      " ON CONFLICT (lead_id) DO UPDATE SET rep_id = excluded.rep_id,"
      "  assigned_at = excluded.assigned_at RETURNING" SCOPE },
    //  $1 lead, $2 duplicate of
    { "ra_duplicate",
      "INSERT INTO reporting.lead_fact AS f (lead_id, duplicate, duplicate_of)"
      " VALUES ($1, true, $2)"
      " ON CONFLICT (lead_id) DO UPDATE SET duplicate = true, duplicate_of = excluded.duplicate_of RETURNING" SCOPE },
    //  $1 lead, $2 new rep
    { "ra_reassigned",
      "INSERT INTO reporting.lead_fact AS f (lead_id, rep_id, reassignments) VALUES ($1, $2, 1)"
      " ON CONFLICT (lead_id) DO UPDATE SET rep_id = excluded.rep_id,"
      "  reassignments = f.reassignments + 1 RETURNING" SCOPE },
    //  $1 lead, $2 at, $3 reached (bool)
    { "ra_contact",
      "INSERT INTO reporting.lead_fact AS f (lead_id, contacted_at, reached_at)"
      " VALUES ($1, " TS(2) ", CASE WHEN $3::boolean THEN " TS(2) " END)"
      " ON CONFLICT (lead_id) DO UPDATE SET"
      "  contacted_at = least (f.contacted_at, excluded.contacted_at),"
      "  reached_at = least (f.reached_at, excluded.reached_at) RETURNING" SCOPE },
    //  $1 lead, $2 outcome, $3 revenue, $4 lost reason, $5 at. An outcome
    //  also stops the contact clock.
    { "ra_outcome",
      "INSERT INTO reporting.lead_fact AS f (lead_id, outcome, revenue_cents, lost_reason,"
      "  outcome_at, contacted_at)"
      " VALUES ($1, $2::smallint, $3::bigint, $4, " TS(5) ", " TS(5) ")"
      " ON CONFLICT (lead_id) DO UPDATE SET outcome = excluded.outcome,"
      "  revenue_cents = excluded.revenue_cents, lost_reason = excluded.lost_reason,"
      "  outcome_at = excluded.outcome_at,"
      "  contacted_at = least (f.contacted_at, excluded.contacted_at) RETURNING" SCOPE },
    //  $1 lead, $2 on time
    { "ra_entry_met",
      "INSERT INTO reporting.lead_fact AS f (lead_id, entry_sla_on_time) VALUES ($1, $2::boolean)"
      " ON CONFLICT (lead_id) DO UPDATE SET entry_sla_on_time = excluded.entry_sla_on_time RETURNING" SCOPE },
    { "ra_contact_met",
      "INSERT INTO reporting.lead_fact AS f (lead_id, contact_sla_on_time) VALUES ($1, $2::boolean)"
      " ON CONFLICT (lead_id) DO UPDATE SET contact_sla_on_time = excluded.contact_sla_on_time RETURNING" SCOPE },
    //  $1 lead
    { "ra_entry_breached",
      "INSERT INTO reporting.lead_fact AS f (lead_id, entry_breached) VALUES ($1, true)"
      " ON CONFLICT (lead_id) DO UPDATE SET entry_breached = true RETURNING" SCOPE },
    { "ra_contact_breached",
      "INSERT INTO reporting.lead_fact AS f (lead_id, contact_breached) VALUES ($1, true)"
      " ON CONFLICT (lead_id) DO UPDATE SET contact_breached = true RETURNING" SCOPE },
    //  $1 lead, $2 level
    { "ra_escalation",
      "INSERT INTO reporting.lead_fact AS f (lead_id, escalation_level) VALUES ($1, $2::smallint)"
      " ON CONFLICT (lead_id) DO UPDATE SET"
      "  escalation_level = greatest (f.escalation_level, excluded.escalation_level) RETURNING" SCOPE },
};

int
reporting_apply_prepare (PGconn *conn, void *arg)
{
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements [0]; i++)
        if (ll_db_prepare (conn, s_statements [i].name, s_statements [i].sql))
            return -1;
    return 0;
}

//  params[0] is always the lead id: an event without one is skipped.
static int
s_exec (PGconn *conn, const char *name, int n, const char *const *params,
        reporting_apply_t *self)
{
    if (!params [0] || !*params [0]) {
        ll_warn ("apply.skip", "%s: an event without a lead id; skipped", name);
        return 0;
    }
    PGresult *res = ll_db_execp (conn, name, n, params, NULL);
    if (!res)
        return -1;
    if (self && PQntuples (res) == 1) {
        s_touch (self->touched, 'S', PQgetvalue (res, 0, 0));
        s_touch (self->touched, 'D', PQgetvalue (res, 0, 1));
        s_touch (self->touched, 'E', PQgetvalue (res, 0, 2));
    }
    PQclear (res);
    return 0;
}

//  A time in microseconds; `fallback` (the envelope's time) when unset.
static void
s_us (char *buf, size_t len, int64_t us, int64_t fallback)
{
    snprintf (buf, len, "%lld", (long long) (us ? us : fallback));
}

static int
s_entered (PGconn *conn, const ll_envelope_t *env, void *arg)
{
    const Leadline__V1__LeadEntered *e = env->lead_entered;
    if (!e->lead_id || !*e->lead_id || !e->card) {
        ll_warn ("apply.skip", "lead_entered seq %llu has no lead id or card; skipped",
                 (unsigned long long) env->sequence);
        return 0;
    }
    const Leadline__V1__LeadCard *card = e->card;
    char program [8], products [256], card_us [24], entered_us [24];
    snprintf (program, sizeof program, "%d", (int) card->program);
    size_t len = (size_t) snprintf (products, sizeof products, "{");
    for (size_t i = 0; i < card->n_products && len + 8 < sizeof products; i++)
        len += (size_t) snprintf (products + len, sizeof products - len, "%s%d",
                                  i ? "," : "", (int) card->products [i]);
    snprintf (products + len, sizeof products - len, "}");
    s_us (entered_us, sizeof entered_us, e->entered_us, env->time_us);
    s_us (card_us, sizeof card_us, card->card_completed_us, e->entered_us ? e->entered_us : env->time_us);
    const char *params [] = {
        e->lead_id, card->employee_id, card->station_id, e->office_id, e->district_id,
        program, products, card->business && card->business->name ? card->business->name : "",
        card_us, entered_us
    };
    return s_exec (conn, "ra_entered", 10, params, arg);
}

int
reporting_apply (PGconn *conn, const ll_envelope_t *env, void *arg)
{
    char a [24], b [24];
    int rc = 0;
    switch (env->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED:
            rc = s_entered (conn, env, arg);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED: {
            const Leadline__V1__LeadAssigned *e = env->lead_assigned;
            s_us (a, sizeof a, e->at_us, env->time_us);
            const char *p [] = { e->lead_id, e->rep_id, a };
            rc = s_exec (conn, "ra_assigned", 3, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE: {
            const Leadline__V1__LeadDuplicate *e = env->lead_duplicate;
            const char *p [] = { e->lead_id, e->duplicate_of };
            rc = s_exec (conn, "ra_duplicate", 2, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED: {
            const Leadline__V1__LeadReassigned *e = env->lead_reassigned;
            const char *p [] = { e->lead_id, e->to_rep_id };
            rc = s_exec (conn, "ra_reassigned", 2, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED: {
            const Leadline__V1__ContactRecorded *e = env->contact_recorded;
            s_us (a, sizeof a, e->at_us, env->time_us);
            const char *p [] = { e->lead_id, a,
                e->kind == LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED ? "true" : "false" };
            rc = s_exec (conn, "ra_contact", 3, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED: {
            const Leadline__V1__OutcomeRecorded *e = env->outcome_recorded;
            s_us (a, sizeof a, e->at_us, env->time_us);
            char outcome [8];
            snprintf (outcome, sizeof outcome, "%d", (int) e->outcome);
            snprintf (b, sizeof b, "%lld", (long long) e->annual_revenue_cents);
            const char *p [] = { e->lead_id, outcome, b,
                                 e->lost_reason ? e->lost_reason : "", a };
            rc = s_exec (conn, "ra_outcome", 5, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_MET: {
            const Leadline__V1__DeadlineMet *e = env->deadline_met;
            const char *p [] = { e->lead_id, e->on_time ? "true" : "false" };
            if (e->deadline == LEADLINE__V1__DEADLINE__DEADLINE_ENTRY)
                rc = s_exec (conn, "ra_entry_met", 2, p, arg);
            else
            if (e->deadline == LEADLINE__V1__DEADLINE__DEADLINE_CONTACT)
                rc = s_exec (conn, "ra_contact_met", 2, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED: {
            const Leadline__V1__DeadlineBreached *e = env->deadline_breached;
            const char *p [] = { e->lead_id };
            if (e->deadline == LEADLINE__V1__DEADLINE__DEADLINE_ENTRY)
                rc = s_exec (conn, "ra_entry_breached", 1, p, arg);
            else
            if (e->deadline == LEADLINE__V1__DEADLINE__DEADLINE_CONTACT)
                rc = s_exec (conn, "ra_contact_breached", 1, p, arg);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED: {
            const Leadline__V1__EscalationRaised *e = env->escalation_raised;
            snprintf (a, sizeof a, "%u", e->level);
            const char *p [] = { e->lead_id, a };
            rc = s_exec (conn, "ra_escalation", 2, p, arg);
            break;
        }
        default:
            return 0;       // warnings, resolutions: nothing reports count
    }
    if (rc == 0)
        ll_metric_inc ("leadline_reporting_events_total", NULL,
                       "events of intake and sla applied to the roll-ups");
    return rc;
}
