/*  reporting_apply — events to reporting.lead_fact, a batch at a time.

    Each event of a subscriber batch is merged, in sequence order, into one
    change per lead (what its events set: the last entry, rep, outcome,
    verdict; the earliest contact; the highest escalation; a count of
    reassignments). Before the commit, reporting_apply_flush writes every
    lead's change with one statement: an upsert over arrays, one row per
    lead. So a lead whose entry, assignment, deadline verdicts and contact
    arrive in one batch fires the roll-up trigger once, not five times, and
    the batch costs one round trip instead of one per event.

    The upsert inserts a lead that is not there yet (the intake and sla
    streams are independent: a breach can arrive before the lead it is
    about) and otherwise sets only what the batch knew: a column the batch
    did not touch is NULL in its array and keeps the stored value. The
    result is the same as applying the events one by one.

    Every row written returns its station, district and employee: once the
    batch has committed, the cached reports of those scopes are dropped
    (reporting_cache.h). */
#include "reporting_apply.h"
#include "reporting_cache.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(x) "(timestamptz 'epoch' + " x " * interval '1 microsecond')"
#define NCOLS 26

//  $1..$26: one array each, one element per lead (see s_flush_rows).
static const char *s_upsert =
    "INSERT INTO reporting.lead_fact AS f (lead_id, employee_id, station_id, office_id,"
    "  district_id, program, products, business_name, card_at, entered_at, rep_id,"
    "  assigned_at, reassignments, duplicate, duplicate_of, contacted_at, reached_at,"
    "  outcome, revenue_cents, lost_reason, outcome_at, entry_sla_on_time,"
    "  contact_sla_on_time, entry_breached, contact_breached, escalation_level)"
    " SELECT b.lead, b.employee, b.station, b.office, b.district, coalesce (b.program, 0),"
    "  coalesce (b.products::smallint[], '{}'), coalesce (b.business, ''),"
    "  " TS("b.card") ", " TS("b.entered") ", b.rep, " TS("b.assigned") ", b.reassign,"
    "  b.dup, b.dup_of, " TS("b.contacted") ", " TS("b.reached") ","
    "  coalesce (b.outcome, 0), coalesce (b.revenue, 0), coalesce (b.lost, ''),"
    "  " TS("b.outcome_at") ", b.entry_met, b.contact_met, b.entry_br, b.contact_br, b.esc"
    " FROM unnest ($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    "  $6::smallint[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[],"
    "  $12::bigint[], $13::int[], $14::boolean[], $15::text[], $16::bigint[], $17::bigint[],"
    "  $18::smallint[], $19::bigint[], $20::text[], $21::bigint[], $22::boolean[],"
    "  $23::boolean[], $24::boolean[], $25::boolean[], $26::smallint[])"
    "  AS b (lead, employee, station, office, district, program, products, business, card,"
    "  entered, rep, assigned, reassign, dup, dup_of, contacted, reached, outcome, revenue,"
    "  lost, outcome_at, entry_met, contact_met, entry_br, contact_br, esc)"
    " ORDER BY b.lead"
    " ON CONFLICT (lead_id) DO UPDATE SET"
    //  The lead's dimensions: when the batch held its entry (card_at set).
    "  employee_id = CASE WHEN excluded.card_at IS NULL THEN f.employee_id ELSE excluded.employee_id END,"
    "  station_id = CASE WHEN excluded.card_at IS NULL THEN f.station_id ELSE excluded.station_id END,"
    "  office_id = CASE WHEN excluded.card_at IS NULL THEN f.office_id ELSE excluded.office_id END,"
    "  district_id = CASE WHEN excluded.card_at IS NULL THEN f.district_id ELSE excluded.district_id END,"
    "  program = CASE WHEN excluded.card_at IS NULL THEN f.program ELSE excluded.program END,"
    "  products = CASE WHEN excluded.card_at IS NULL THEN f.products ELSE excluded.products END,"
    "  business_name = CASE WHEN excluded.card_at IS NULL THEN f.business_name"
    "                       ELSE excluded.business_name END,"
    "  card_at = coalesce (excluded.card_at, f.card_at),"
    "  entered_at = coalesce (excluded.entered_at, f.entered_at),"
    "  rep_id = coalesce (excluded.rep_id, f.rep_id),"
    "  assigned_at = coalesce (excluded.assigned_at, f.assigned_at),"
    "  reassignments = f.reassignments + excluded.reassignments,"
    "  duplicate = f.duplicate OR excluded.duplicate,"
    "  duplicate_of = coalesce (excluded.duplicate_of, f.duplicate_of),"
    "  contacted_at = least (f.contacted_at, excluded.contacted_at),"
    "  reached_at = least (f.reached_at, excluded.reached_at),"
    //  The outcome: when the batch held one (outcome_at set).
    "  outcome = CASE WHEN excluded.outcome_at IS NULL THEN f.outcome ELSE excluded.outcome END,"
    "  revenue_cents = CASE WHEN excluded.outcome_at IS NULL THEN f.revenue_cents"
    "                       ELSE excluded.revenue_cents END,"
    "  lost_reason = CASE WHEN excluded.outcome_at IS NULL THEN f.lost_reason"
    "                     ELSE excluded.lost_reason END,"
    "  outcome_at = coalesce (excluded.outcome_at, f.outcome_at),"
    "  entry_sla_on_time = coalesce (excluded.entry_sla_on_time, f.entry_sla_on_time),"
    "  contact_sla_on_time = coalesce (excluded.contact_sla_on_time, f.contact_sla_on_time),"
    "  entry_breached = f.entry_breached OR excluded.entry_breached,"
    "  contact_breached = f.contact_breached OR excluded.contact_breached,"
    "  escalation_level = greatest (f.escalation_level, excluded.escalation_level)"
    " RETURNING station_id, district_id, employee_id";

//  What one batch's events did to one lead. NULL / 0 / -1: not set.
typedef struct {
    char *lead;
    bool entered;
    char *employee, *station, *office, *district, *business;
    int program;
    char products [256];        // {1,4}
    int64_t card_us, entered_us;
    char *rep;                  // assigned or reassigned: the last one
    int64_t assigned_us;
    int reassignments;
    bool duplicate;
    char *duplicate_of;
    int64_t contacted_us, reached_us;   // the earliest
    bool outcome_set;
    int outcome;
    int64_t revenue_cents, outcome_us;
    char *lost_reason;
    int entry_on_time, contact_on_time; // -1, 0, 1
    bool entry_breached, contact_breached;
    int escalation;             // -1 or the highest level
} change_t;

struct reporting_apply {
    reporting_cache_t *cache;   // may be NULL
    zloop_t *loop;
    zhashx_t *changes;          // lead id -> change_t, this batch
    size_t events;              // events merged into `changes`
    bool oom;                   // a change could not be allocated
    zhashx_t *touched;          // scopes changed by batches committed, not yet dropped
    bool timer;                 // the drop is scheduled
};

static void
s_change_free (void **item)
{
    change_t *c = *item;
    if (!c)
        return;
    free (c->lead);
    free (c->employee);
    free (c->station);
    free (c->office);
    free (c->district);
    free (c->business);
    free (c->rep);
    free (c->duplicate_of);
    free (c->lost_reason);
    free (c);
    *item = NULL;
}

reporting_apply_t *
reporting_apply_new (reporting_cache_t *cache, zloop_t *loop)
{
    reporting_apply_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->cache = cache;
    self->loop = loop;
    self->changes = zhashx_new ();
    self->touched = zhashx_new ();
    if (!self->changes || !self->touched) {
        reporting_apply_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->changes, s_change_free);
    return self;
}

void
reporting_apply_destroy (reporting_apply_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reporting_apply_t *self = *self_p;
    zhashx_destroy (&self->changes);
    zhashx_destroy (&self->touched);
    free (self);
    *self_p = NULL;
}

int
reporting_apply_prepare (PGconn *conn, void *arg)
{
    return ll_db_prepare (conn, "ra_batch", s_upsert);
}

//  Replaces *field with a copy of value ("" for NULL).
static void
s_set (char **field, const char *value)
{
    free (*field);
    *field = strdup (value ? value : "");
}

static void
s_earliest (int64_t *field, int64_t us)
{
    if (us && (*field == 0 || us < *field))
        *field = us;
}

//  The lead's change in this batch, created on first use; NULL for an
//  event without a lead id (skipped) or out of memory.
static change_t *
s_change (reporting_apply_t *self, const char *lead, const char *what)
{
    if (!lead || !*lead) {
        ll_warn ("apply.skip", "%s: an event without a lead id; skipped", what);
        return NULL;
    }
    change_t *c = zhashx_lookup (self->changes, lead);
    if (c)
        return c;
    c = calloc (1, sizeof *c);
    if (!c || !(c->lead = strdup (lead))) {
        free (c);
        self->oom = true;
        return NULL;
    }
    c->entry_on_time = c->contact_on_time = c->escalation = -1;
    zhashx_insert (self->changes, lead, c);
    return c;
}

//  A time in microseconds; `fallback` (the envelope's time) when unset.
static int64_t
s_us (int64_t us, int64_t fallback)
{
    return us ? us : fallback;
}

int
reporting_apply (PGconn *conn, const ll_envelope_t *env, void *arg)
{
    reporting_apply_t *self = arg;
    change_t *c = NULL;
    switch (env->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED: {
            const Leadline__V1__LeadEntered *e = env->lead_entered;
            if (!e->lead_id || !*e->lead_id || !e->card) {
                ll_warn ("apply.skip", "lead_entered seq %llu has no lead id or card; skipped",
                         (unsigned long long) env->sequence);
                return 0;
            }
            if (!(c = s_change (self, e->lead_id, "lead_entered")))
                break;
            const Leadline__V1__LeadCard *card = e->card;
            c->entered = true;
            s_set (&c->employee, card->employee_id);
            s_set (&c->station, card->station_id);
            s_set (&c->office, e->office_id);
            s_set (&c->district, e->district_id);
            s_set (&c->business, card->business && card->business->name ? card->business->name : "");
            c->program = (int) card->program;
            size_t len = (size_t) snprintf (c->products, sizeof c->products, "{");
            for (size_t i = 0; i < card->n_products && len + 8 < sizeof c->products; i++)
                len += (size_t) snprintf (c->products + len, sizeof c->products - len, "%s%d",
                                          i ? "," : "", (int) card->products [i]);
            snprintf (c->products + len, sizeof c->products - len, "}");
            c->entered_us = s_us (e->entered_us, env->time_us);
            c->card_us = s_us (card->card_completed_us, c->entered_us);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED: {
            const Leadline__V1__LeadAssigned *e = env->lead_assigned;
            if (!(c = s_change (self, e->lead_id, "lead_assigned")))
                break;
            s_set (&c->rep, e->rep_id);
            c->assigned_us = s_us (e->at_us, env->time_us);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE: {
            const Leadline__V1__LeadDuplicate *e = env->lead_duplicate;
            if (!(c = s_change (self, e->lead_id, "lead_duplicate")))
                break;
            c->duplicate = true;
            s_set (&c->duplicate_of, e->duplicate_of);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED: {
            const Leadline__V1__LeadReassigned *e = env->lead_reassigned;
            if (!(c = s_change (self, e->lead_id, "lead_reassigned")))
                break;
            s_set (&c->rep, e->to_rep_id);
            c->reassignments++;
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED: {
            const Leadline__V1__ContactRecorded *e = env->contact_recorded;
            if (!(c = s_change (self, e->lead_id, "contact_recorded")))
                break;
            int64_t at = s_us (e->at_us, env->time_us);
            s_earliest (&c->contacted_us, at);
            if (e->kind == LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED)
                s_earliest (&c->reached_us, at);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED: {
            //  An outcome also stops the contact clock.
            const Leadline__V1__OutcomeRecorded *e = env->outcome_recorded;
            if (!(c = s_change (self, e->lead_id, "outcome_recorded")))
                break;
            c->outcome_set = true;
            c->outcome = (int) e->outcome;
            c->revenue_cents = e->annual_revenue_cents;
            s_set (&c->lost_reason, e->lost_reason);
            c->outcome_us = s_us (e->at_us, env->time_us);
            s_earliest (&c->contacted_us, c->outcome_us);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_MET: {
            const Leadline__V1__DeadlineMet *e = env->deadline_met;
            if (e->deadline != LEADLINE__V1__DEADLINE__DEADLINE_ENTRY
            &&  e->deadline != LEADLINE__V1__DEADLINE__DEADLINE_CONTACT)
                return 0;
            if (!(c = s_change (self, e->lead_id, "deadline_met")))
                break;
            if (e->deadline == LEADLINE__V1__DEADLINE__DEADLINE_ENTRY)
                c->entry_on_time = e->on_time ? 1 : 0;
            else
                c->contact_on_time = e->on_time ? 1 : 0;
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED: {
            const Leadline__V1__DeadlineBreached *e = env->deadline_breached;
            if (e->deadline != LEADLINE__V1__DEADLINE__DEADLINE_ENTRY
            &&  e->deadline != LEADLINE__V1__DEADLINE__DEADLINE_CONTACT)
                return 0;
            if (!(c = s_change (self, e->lead_id, "deadline_breached")))
                break;
            if (e->deadline == LEADLINE__V1__DEADLINE__DEADLINE_ENTRY)
                c->entry_breached = true;
            else
                c->contact_breached = true;
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED: {
            const Leadline__V1__EscalationRaised *e = env->escalation_raised;
            if (!(c = s_change (self, e->lead_id, "escalation_raised")))
                break;
            if ((int) e->level > c->escalation)
                c->escalation = (int) e->level;
            break;
        }
        default:
            return 0;       // warnings, resolutions: nothing reports count
    }
    if (!c && self->oom) {
        //  The subscriber rolls the batch back and retries it: start over.
        ll_error ("apply.memory", "out of memory merging a batch of events");
        zhashx_purge (self->changes);
        self->events = 0;
        self->oom = false;
        return -1;
    }
    if (!c)
        return 0;           // no lead id: skipped (warned)
    self->events++;
    ll_metric_inc ("leadline_reporting_events_total", NULL,
                   "events of intake and sla applied to the roll-ups");
    return 0;
}

//  A growing PostgreSQL array literal.
typedef struct {
    char *buf;
    size_t len, size;
    bool failed;
} arr_t;

static void
s_put (arr_t *a, const char *s, size_t n)
{
    if (a->failed)
        return;
    if (a->len + n + 2 > a->size) {
        size_t size = (a->size ? a->size * 2 : 256) + n;
        char *buf = realloc (a->buf, size);
        if (!buf) {
            a->failed = true;
            return;
        }
        a->buf = buf;
        a->size = size;
    }
    memcpy (a->buf + a->len, s, n);
    a->len += n;
    a->buf [a->len] = 0;
}

static void
s_elem (arr_t *a, const char *value)
{
    s_put (a, a->len ? "," : "{", 1);
    if (!value) {
        s_put (a, "NULL", 4);
        return;
    }
    s_put (a, "\"", 1);
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            s_put (a, "\\", 1);
        s_put (a, p, 1);
    }
    s_put (a, "\"", 1);
}

static void
s_elem_int (arr_t *a, bool set, int64_t value)
{
    char num [24];
    snprintf (num, sizeof num, "%lld", (long long) value);
    s_elem (a, set ? num : NULL);
}

static void
s_elem_bool (arr_t *a, int value)
{
    s_elem (a, value < 0 ? NULL : value ? "t" : "f");
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
    if (self->cache && zhashx_size (self->touched))
        reporting_cache_invalidate (self->cache, self->touched);
    zhashx_purge (self->touched);
    return 0;
}

int
reporting_apply_flush (PGconn *conn, void *arg)
{
    reporting_apply_t *self = arg;
    if (!self || zhashx_size (self->changes) == 0) {
        if (self)
            self->events = 0;
        return 0;
    }
    arr_t cols [NCOLS];
    memset (cols, 0, sizeof cols);
    for (change_t *c = zhashx_first (self->changes); c; c = zhashx_next (self->changes)) {
        arr_t *a = cols;
        s_elem (a++, c->lead);
        s_elem (a++, c->entered ? c->employee : NULL);
        s_elem (a++, c->entered ? c->station : NULL);
        s_elem (a++, c->entered ? c->office : NULL);
        s_elem (a++, c->entered ? c->district : NULL);
        s_elem_int (a++, c->entered, c->program);
        s_elem (a++, c->entered ? c->products : NULL);
        s_elem (a++, c->entered ? c->business : NULL);
        s_elem_int (a++, c->entered, c->card_us);
        s_elem_int (a++, c->entered, c->entered_us);
        s_elem (a++, c->rep);
        s_elem_int (a++, c->assigned_us != 0, c->assigned_us);
        s_elem_int (a++, true, c->reassignments);
        s_elem_bool (a++, c->duplicate);
        s_elem (a++, c->duplicate_of);
        s_elem_int (a++, c->contacted_us != 0, c->contacted_us);
        s_elem_int (a++, c->reached_us != 0, c->reached_us);
        s_elem_int (a++, c->outcome_set, c->outcome);
        s_elem_int (a++, c->outcome_set, c->revenue_cents);
        s_elem (a++, c->outcome_set ? (c->lost_reason ? c->lost_reason : "") : NULL);
        s_elem_int (a++, c->outcome_set, c->outcome_us);
        s_elem_bool (a++, c->entry_on_time);
        s_elem_bool (a++, c->contact_on_time);
        s_elem_bool (a++, c->entry_breached);
        s_elem_bool (a++, c->contact_breached);
        s_elem_int (a++, true, c->escalation < 0 ? 0 : c->escalation);
    }
    const char *params [NCOLS];
    bool failed = false;
    for (int i = 0; i < NCOLS; i++) {
        s_put (&cols [i], "}", 1);
        failed |= cols [i].failed;
        params [i] = cols [i].buf;
    }
    size_t leads = zhashx_size (self->changes);
    zhashx_purge (self->changes);
    self->events = 0;
    int rc = -1;
    PGresult *res = failed ? NULL : ll_db_execp (conn, "ra_batch", NCOLS, params, NULL);
    if (res) {
        for (int i = 0; i < PQntuples (res); i++) {
            s_touch (self->touched, 'S', PQgetvalue (res, i, 0));
            s_touch (self->touched, 'D', PQgetvalue (res, i, 1));
            s_touch (self->touched, 'E', PQgetvalue (res, i, 2));
        }
        PQclear (res);
        ll_metric_add (ll_metric_counter ("leadline_reporting_leads_written_total", NULL,
                       "lead rows written by applied batches (one per lead per batch)"),
                       (int64_t) leads);
        rc = 0;
    }
    else
    if (failed)
        ll_error ("apply.memory", "out of memory building a batch of %zu leads", leads);
    for (int i = 0; i < NCOLS; i++)
        free (cols [i].buf);
    if (rc == 0 && !self->timer && self->loop && zhashx_size (self->touched)
    &&  zloop_timer (self->loop, 1, 1, s_drop_timer, self) >= 0)
        self->timer = true;
    return rc;
}
