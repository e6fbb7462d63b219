/*  sla_producer — stands in for leadline-intake in the SLA watcher's tests:
    publishes intake-shaped events on stream "intake" from schema slaprod,
    through the outbox and the relay, exactly as intake does.

    The test writes commands into slaprod.cmd with psql; every 20 ms the
    producer turns the oldest ones into events and deletes them, in one
    transaction:
      kind        event            columns used
      entered     lead_entered     lead_id, program, card_us, at_us (entered),
                                   office_id, district_id
      assigned    lead_assigned    lead_id, rep_id, at_us, office_id, district_id
      duplicate   lead_duplicate   lead_id, at_us
      reassigned  lead_reassigned  lead_id, rep_id (the new rep), at_us
      contact     contact_recorded lead_id, rep_id, at_us, program (1 attempt, 2 contact)
      outcome     outcome_recorded lead_id, rep_id, at_us
    Environment: LEADLINE_DB, SLA_PROD_PUB / SLA_PROD_REPLAY (bind). */
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 2000

static const ll_migration_t s_migrations [] = {
    { 1, "001_cmd",
      "CREATE TABLE cmd (id bigserial PRIMARY KEY, kind text NOT NULL, lead_id text NOT NULL,"
      " rep_id text NOT NULL DEFAULT '', program int NOT NULL DEFAULT 1,"
      " card_us bigint NOT NULL DEFAULT 0, at_us bigint NOT NULL DEFAULT 0,"
      " office_id text NOT NULL DEFAULT '', district_id text NOT NULL DEFAULT '')" },
};

typedef struct {
    ll_envelope_t env;
    union {
        Leadline__V1__LeadEntered entered;
        Leadline__V1__LeadAssigned assigned;
        Leadline__V1__LeadDuplicate duplicate;
        Leadline__V1__LeadReassigned reassigned;
        Leadline__V1__ContactRecorded contact;
        Leadline__V1__OutcomeRecorded outcome;
    } body;
    Leadline__V1__LeadCard card;
} event_t;

static PGconn *s_conn;

static int
s_connect (void)
{
    if (s_conn && PQstatus (s_conn) == CONNECTION_OK)
        return 0;
    if (s_conn)
        PQfinish (s_conn);
    s_conn = ll_db_connect (ll_config_db (), 0);
    if (!s_conn)
        return -1;
    if (ll_outbox_prepare (s_conn, "slaprod")
    ||  ll_db_prepare (s_conn, "take",
            "SELECT id, kind, lead_id, rep_id, program, card_us, at_us, office_id, district_id"
            " FROM slaprod.cmd ORDER BY id LIMIT 2000 FOR UPDATE")
    ||  ll_db_prepare (s_conn, "done", "DELETE FROM slaprod.cmd WHERE id <= $1")) {
        PQfinish (s_conn);
        s_conn = NULL;
        return -1;
    }
    return 0;
}

static int
s_produce (zloop_t *loop, int timer_id, void *arg)
{
    if (s_connect ())
        return 0;
    if (ll_db_begin (s_conn))
        return 0;
    PGresult *res = ll_db_execp (s_conn, "take", 0, NULL, NULL);
    if (!res || PQntuples (res) == 0) {
        PQclear (res);
        ll_db_rollback (s_conn);
        return 0;
    }
    int n = PQntuples (res);
    event_t *events = calloc ((size_t) n, sizeof *events);
    ll_envelope_t **envs = calloc ((size_t) n, sizeof *envs);
    size_t count = 0;
    for (int i = 0; i < n && events && envs; i++) {
        event_t *ev = &events [count];
        const char *kind = PQgetvalue (res, i, 1);
        char *lead = PQgetvalue (res, i, 2);
        char *rep = PQgetvalue (res, i, 3);
        int program = atoi (PQgetvalue (res, i, 4));
        int64_t card_us = strtoll (PQgetvalue (res, i, 5), NULL, 10);
        int64_t at_us = strtoll (PQgetvalue (res, i, 6), NULL, 10);
        char *office = PQgetvalue (res, i, 7);
        char *district = PQgetvalue (res, i, 8);
        leadline__v1__envelope__init (&ev->env);
        if (strcmp (kind, "entered") == 0) {
            leadline__v1__lead_entered__init (&ev->body.entered);
            leadline__v1__lead_card__init (&ev->card);
            ev->card.program = (Leadline__V1__Program) program;
            ev->card.card_completed_us = card_us;
            ev->card.station_id = office;
            ev->body.entered.lead_id = lead;
            ev->body.entered.card = &ev->card;
            ev->body.entered.entered_us = at_us;
            ev->body.entered.office_id = office;
            ev->body.entered.district_id = district;
            ev->env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED;
            ev->env.lead_entered = &ev->body.entered;
        }
        else
        if (strcmp (kind, "assigned") == 0) {
            leadline__v1__lead_assigned__init (&ev->body.assigned);
            ev->body.assigned.lead_id = lead;
            ev->body.assigned.rep_id = rep;
            ev->body.assigned.office_id = office;
            ev->body.assigned.district_id = district;
            ev->body.assigned.entered_us = at_us;
            ev->body.assigned.at_us = at_us;
            ev->env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
            ev->env.lead_assigned = &ev->body.assigned;
        }
        else
        if (strcmp (kind, "duplicate") == 0) {
            leadline__v1__lead_duplicate__init (&ev->body.duplicate);
            ev->body.duplicate.lead_id = lead;
            ev->body.duplicate.at_us = at_us;
            ev->env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE;
            ev->env.lead_duplicate = &ev->body.duplicate;
        }
        else
        if (strcmp (kind, "reassigned") == 0) {
            leadline__v1__lead_reassigned__init (&ev->body.reassigned);
            ev->body.reassigned.lead_id = lead;
            ev->body.reassigned.to_rep_id = rep;
            ev->body.reassigned.at_us = at_us;
            ev->env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED;
            ev->env.lead_reassigned = &ev->body.reassigned;
        }
        else
        if (strcmp (kind, "contact") == 0) {
            leadline__v1__contact_recorded__init (&ev->body.contact);
            ev->body.contact.lead_id = lead;
            ev->body.contact.rep_id = rep;
            ev->body.contact.kind = program == 1 ? LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT
                                                 : LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED;
            ev->body.contact.at_us = at_us;
            ev->env.body_case = LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED;
            ev->env.contact_recorded = &ev->body.contact;
        }
        else
        if (strcmp (kind, "outcome") == 0) {
            leadline__v1__outcome_recorded__init (&ev->body.outcome);
            ev->body.outcome.lead_id = lead;
            ev->body.outcome.rep_id = rep;
            ev->body.outcome.outcome = LEADLINE__V1__OUTCOME__OUTCOME_WON;
            ev->body.outcome.at_us = at_us;
            ev->env.body_case = LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED;
            ev->env.outcome_recorded = &ev->body.outcome;
        }
        else {
            ll_warn ("prod.kind", "unknown command kind '%s' dropped", kind);
            continue;
        }
        envs [count++] = &ev->env;
    }
    const char *params [] = { PQgetvalue (res, n - 1, 0) };
    PGresult *done = ll_db_execp (s_conn, "done", 1, params, NULL);
    if (!events || !envs || !done
    ||  ll_outbox_append_batch (s_conn, "slaprod", "intake", envs, count, NULL)
    ||  ll_db_commit (s_conn))
        ll_db_rollback (s_conn);
    PQclear (done);
    PQclear (res);
    free (events);
    free (envs);
    return 0;
}

int
main (void)
{
    ll_log_init ("sla-producer");
    ll_clock_init ();
    PGconn *conn = ll_db_connect (ll_config_db (), 10000);
    if (!conn)
        return 1;
    if (ll_db_migrate (conn, "slaprod", "service", s_migrations, 1) < 0
    ||  ll_outbox_migrate (conn, "slaprod"))
        return 1;
    PQfinish (conn);
    if (s_connect ())
        return 1;
    ll_relay_t *relay = ll_relay_new (ll_config_db (), "slaprod", "intake",
        ll_config_str ("SLA_PROD_PUB", "tcp://127.0.0.1:7101"),
        ll_config_str ("SLA_PROD_REPLAY", "tcp://127.0.0.1:7102"));
    if (!relay)
        return 1;
    ll_relay_declare_stream (relay, "intake");
    zsys_init ();
    zsys_set_linger (0);
    zloop_t *loop = zloop_new ();
    ll_relay_attach (relay, loop);
    zloop_timer (loop, 20, 0, s_produce, NULL);
    ll_info ("prod.start", "test producer of stream intake running");
    zloop_start (loop);
    ll_relay_destroy (&relay);
    zloop_destroy (&loop);
    if (s_conn)
        PQfinish (s_conn);
    return 0;
}
