/*  rp_producer — a test producer standing in for intake and the SLA
    watcher: it reads events from a file and publishes them on streams
    "intake" (schema rpintake) and "sla" (schema rpsla), each through its own
    outbox and relay, as the real services do. Once every line is written it
    keeps serving replays until killed.

    The file has one event per line, tab-separated: the stream, the event
    type, then key=value fields (times in microseconds since the epoch):
      intake lead_entered    lead employee station office district program
                             products(1;4) business card_us entered_us
      intake lead_assigned   lead rep at_us
      intake lead_duplicate  lead of employee at_us
      intake lead_reassigned lead from to at_us
      intake contact         lead rep kind(attempt|contacted) at_us
      intake outcome         lead rep outcome(won|lost|no_interest) revenue reason at_us
      sla    deadline_met    lead deadline(entry|contact) on_time(1|0) met_us
      sla    deadline_breached lead deadline at_us
      sla    escalation      lead level at_us
      -      pause           ms      (commit what is pending, wait, go on)
      -      hold                    (commit what is pending, wait until the
                                     file RP_EVENTS.go exists, go on)
    Environment: LEADLINE_DB, RP_EVENTS (the file), RP_TX (events per
    transaction, 100), RP_RATE (events per second, 0 = as fast as it can),
    RP_INTAKE_PUB / RP_INTAKE_REPLAY / RP_SLA_PUB / RP_SLA_REPLAY (binds). */
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FIELDS 16

typedef struct {
    char *stream;
    char *type;
    char *keys [MAX_FIELDS];
    char *values [MAX_FIELDS];
    int n;
} line_t;

typedef struct {
    PGconn *conn;
    line_t *lines;
    size_t nlines;
    size_t next;
    long tx;
    long rate;
    int64_t started_us;
    int64_t resume_us;      // after a pause
    char go [1024];         // a hold waits for this file
    size_t made;
    bool done;
} producer_t;

static const char *
s_get (const line_t *l, const char *key)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp (l->keys [i], key) == 0)
            return l->values [i];
    return "";
}

static int64_t
s_int (const line_t *l, const char *key)
{
    return strtoll (s_get (l, key), NULL, 10);
}

static int
s_load (producer_t *self, const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        ll_error ("rp.load", "cannot open %s", path);
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t len;
    while ((len = getline (&buf, &cap, f)) > 0) {
        while (len > 0 && (buf [len - 1] == '\n' || buf [len - 1] == '\r'))
            buf [--len] = 0;
        if (len == 0 || buf [0] == '#')
            continue;
        if (self->nlines == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            self->lines = realloc (self->lines, alloc * sizeof *self->lines);
            if (!self->lines)
                return -1;
        }
        line_t *l = &self->lines [self->nlines++];
        memset (l, 0, sizeof *l);
        char *copy = strdup (buf), *save = NULL;
        l->stream = strtok_r (copy, "\t", &save);
        l->type = strtok_r (NULL, "\t", &save);
        char *field;
        while (l->n < MAX_FIELDS && (field = strtok_r (NULL, "\t", &save))) {
            char *eq = strchr (field, '=');
            if (!eq)
                continue;
            *eq = 0;
            l->keys [l->n] = field;
            l->values [l->n++] = eq + 1;
        }
        if (!l->stream || !l->type) {
            ll_error ("rp.load", "%s: line %zu has no stream and type", path, self->nlines);
            return -1;
        }
    }
    free (buf);
    fclose (f);
    ll_info ("rp.load", "%zu events to publish", self->nlines);
    return 0;
}

static Leadline__V1__Deadline
s_deadline (const char *name)
{
    return strcmp (name, "entry") == 0 ? LEADLINE__V1__DEADLINE__DEADLINE_ENTRY
                                       : LEADLINE__V1__DEADLINE__DEADLINE_CONTACT;
}

//  Builds the envelope of one line and appends it to its stream's outbox.
static int
s_append (PGconn *conn, const line_t *l)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__LeadEntered entered = LEADLINE__V1__LEAD_ENTERED__INIT;
    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    Leadline__V1__Business business = LEADLINE__V1__BUSINESS__INIT;
    Leadline__V1__LeadAssigned assigned = LEADLINE__V1__LEAD_ASSIGNED__INIT;
    Leadline__V1__LeadDuplicate duplicate = LEADLINE__V1__LEAD_DUPLICATE__INIT;
    Leadline__V1__LeadReassigned reassigned = LEADLINE__V1__LEAD_REASSIGNED__INIT;
    Leadline__V1__ContactRecorded contact = LEADLINE__V1__CONTACT_RECORDED__INIT;
    Leadline__V1__OutcomeRecorded outcome = LEADLINE__V1__OUTCOME_RECORDED__INIT;
    Leadline__V1__DeadlineMet met = LEADLINE__V1__DEADLINE_MET__INIT;
    Leadline__V1__DeadlineBreached breached = LEADLINE__V1__DEADLINE_BREACHED__INIT;
    Leadline__V1__EscalationRaised escalation = LEADLINE__V1__ESCALATION_RAISED__INIT;
    Leadline__V1__Product products [8];
    const char *schema = strcmp (l->stream, "sla") == 0 ? "rpsla" : "rpintake";
    const char *type = l->type;
    char *lead = (char *) s_get (l, "lead");
    if (strcmp (type, "lead_entered") == 0) {
        card.employee_id = (char *) s_get (l, "employee");
        card.station_id = (char *) s_get (l, "station");
        card.program = (Leadline__V1__Program) s_int (l, "program");
        card.card_completed_us = s_int (l, "card_us");
        business.name = (char *) s_get (l, "business");
        card.business = &business;
        char list [64];
        snprintf (list, sizeof list, "%s", s_get (l, "products"));
        char *save = NULL;
        for (char *p = strtok_r (list, ";", &save); p && card.n_products < 8;
             p = strtok_r (NULL, ";", &save))
            products [card.n_products++] = (Leadline__V1__Product) atoi (p);
        card.products = products;
        entered.lead_id = lead;
        entered.card = &card;
        entered.entered_us = s_int (l, "entered_us");
        entered.office_id = (char *) s_get (l, "office");
        entered.district_id = (char *) s_get (l, "district");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED;
        env.lead_entered = &entered;
        env.time_us = entered.entered_us;
    }
    else
    if (strcmp (type, "lead_assigned") == 0) {
        assigned.lead_id = lead;
        assigned.rep_id = (char *) s_get (l, "rep");
        assigned.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
        env.lead_assigned = &assigned;
    }
    else
    if (strcmp (type, "lead_duplicate") == 0) {
        duplicate.lead_id = lead;
        duplicate.duplicate_of = (char *) s_get (l, "of");
        duplicate.employee_id = (char *) s_get (l, "employee");
        duplicate.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE;
        env.lead_duplicate = &duplicate;
    }
    else
    if (strcmp (type, "lead_reassigned") == 0) {
        reassigned.lead_id = lead;
        reassigned.from_rep_id = (char *) s_get (l, "from");
        reassigned.to_rep_id = (char *) s_get (l, "to");
        reassigned.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED;
        env.lead_reassigned = &reassigned;
    }
    else
    if (strcmp (type, "contact") == 0) {
        contact.lead_id = lead;
        contact.rep_id = (char *) s_get (l, "rep");
        contact.kind = strcmp (s_get (l, "kind"), "contacted") == 0
                     ? LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED
                     : LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT;
        contact.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED;
        env.contact_recorded = &contact;
    }
    else
    if (strcmp (type, "outcome") == 0) {
        const char *o = s_get (l, "outcome");
        outcome.lead_id = lead;
        outcome.rep_id = (char *) s_get (l, "rep");
        outcome.outcome = strcmp (o, "won") == 0 ? LEADLINE__V1__OUTCOME__OUTCOME_WON
                        : strcmp (o, "lost") == 0 ? LEADLINE__V1__OUTCOME__OUTCOME_LOST
                        : LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST;
        outcome.annual_revenue_cents = s_int (l, "revenue");
        outcome.lost_reason = (char *) s_get (l, "reason");
        outcome.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED;
        env.outcome_recorded = &outcome;
    }
    else
    if (strcmp (type, "deadline_met") == 0) {
        met.lead_id = lead;
        met.deadline = s_deadline (s_get (l, "deadline"));
        met.on_time = s_int (l, "on_time") != 0;
        met.met_us = s_int (l, "met_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_MET;
        env.deadline_met = &met;
    }
    else
    if (strcmp (type, "deadline_breached") == 0) {
        breached.lead_id = lead;
        breached.deadline = s_deadline (s_get (l, "deadline"));
        breached.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
        env.deadline_breached = &breached;
    }
    else
    if (strcmp (type, "escalation") == 0) {
        escalation.lead_id = lead;
        escalation.level = (uint32_t) s_int (l, "level");
        escalation.at_us = s_int (l, "at_us");
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED;
        env.escalation_raised = &escalation;
    }
    else {
        ll_error ("rp.type", "unknown event type %s", type);
        return -1;
    }
    return ll_outbox_append (conn, schema, l->stream, &env, NULL);
}

static int
s_produce (zloop_t *loop, int timer_id, void *arg)
{
    producer_t *self = arg;
    if (self->done || ll_mono_us () < self->resume_us)
        return 0;
    if (self->next >= self->nlines) {
        self->done = true;
        ll_info ("rp.done", "all %zu events written", self->nlines);
        return 0;
    }
    long n = self->tx;
    if (self->rate > 0) {
        double allowed = (double) (ll_mono_us () - self->started_us) / 1e6 * (double) self->rate;
        if ((double) self->made + (double) n > allowed)
            return 0;
    }
    if (ll_db_begin (self->conn))
        return 0;
    size_t i = self->next;
    for (long k = 0; k < n && i < self->nlines; k++, i++) {
        if (strcmp (self->lines [i].type, "pause") == 0) {
            self->resume_us = ll_mono_us () + s_int (&self->lines [i], "ms") * 1000;
            i++;
            break;
        }
        if (strcmp (self->lines [i].type, "hold") == 0) {
            if (!self->go [0] || access (self->go, F_OK) != 0)
                break;          // commit what is before it; look again next tick
            continue;           // released: go on past it
        }
        if (s_append (self->conn, &self->lines [i])) {
            ll_db_rollback (self->conn);
            return 0;
        }
    }
    if (ll_db_commit (self->conn)) {
        ll_db_rollback (self->conn);
        return 0;
    }
    self->made += i - self->next;
    self->next = i;
    return 0;
}

int
main (void)
{
    ll_log_init ("rp-producer");
    ll_clock_init ();
    producer_t self = { 0 };
    self.tx = ll_config_int ("RP_TX", 100);
    self.rate = ll_config_int ("RP_RATE", 0);
    snprintf (self.go, sizeof self.go, "%s.go", ll_config_str ("RP_EVENTS", "events.tsv"));
    if (s_load (&self, ll_config_str ("RP_EVENTS", "events.tsv")))
        return 1;
    self.conn = ll_db_connect (ll_config_db (), 10000);
    if (!self.conn)
        return 1;
    if (ll_outbox_migrate (self.conn, "rpintake") || ll_outbox_migrate (self.conn, "rpsla")
    ||  ll_outbox_prepare (self.conn, "rpintake") || ll_outbox_prepare (self.conn, "rpsla"))
        return 1;
    ll_relay_t *intake = ll_relay_new (ll_config_db (), "rpintake", "intake",
        ll_config_str ("RP_INTAKE_PUB", "tcp://127.0.0.1:7101"),
        ll_config_str ("RP_INTAKE_REPLAY", "tcp://127.0.0.1:7102"));
    ll_relay_t *sla = ll_relay_new (ll_config_db (), "rpsla", "sla-watcher",
        ll_config_str ("RP_SLA_PUB", "tcp://127.0.0.1:7111"),
        ll_config_str ("RP_SLA_REPLAY", "tcp://127.0.0.1:7112"));
    if (!intake || !sla)
        return 1;
    ll_relay_declare_stream (intake, "intake");
    ll_relay_declare_stream (sla, "sla");
    self.started_us = ll_mono_us ();
    zsys_init ();
    zsys_set_linger (0);
    zloop_t *loop = zloop_new ();
    ll_relay_attach (intake, loop);
    ll_relay_attach (sla, loop);
    zloop_timer (loop, 1, 0, s_produce, &self);
    zloop_start (loop);
    ll_relay_destroy (&intake);
    ll_relay_destroy (&sla);
    zloop_destroy (&loop);
    PQfinish (self.conn);
    for (size_t i = 0; i < self.nlines; i++)
        free (self.lines [i].stream);      // the line's copy starts with it
    free (self.lines);
    return 0;
}
