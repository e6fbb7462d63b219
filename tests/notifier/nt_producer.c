/*  nt_producer — feeds the notifier events shaped like intake's, the SLA
    watcher's and reporting's, on their stream names, through the real
    backbone (ll_outbox + ll_relay) from a test schema, so the notifier can
    be tested without the other services.

      nt_producer serve
          migrates schema ntprod and runs the relay for streams intake, sla
          and reporting on NT_PUB / NT_REPLAY until killed
      nt_producer emit STREAM TYPE [key=value ...]
          appends one event in its own transaction and exits; keys:
            id (message id; reuse one to publish a duplicate), lead, rep,
            employee, station, office, district, business, from, to, by,
            reason, kind, outcome, revenue, deadline, due_us, level,
            recipients (comma-separated), report, entered_us, fallback
      nt_producer clock 2026-01-15T03:30:00Z
          sets the test clock (LEADLINE_CLOCK_FILE) for every process
      nt_producer load N RATE PREFIX PEOPLE
          appends N lead_assigned events at RATE a second (0 = at once),
          lead PREFIX-L<i> to rep PREFIX<i % PEOPLE>, 50 per transaction

    Environment: LEADLINE_DB, NT_PUB / NT_REPLAY (bind endpoints of serve,
    default tcp://127.0.0.1:7951 / :7952). */
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include "ll_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA "ntprod"

static const ll_migration_t s_migrations [] = {
    { 1, "001_marker", "CREATE TABLE marker (id int)" },
};

static PGconn *
s_connect (void)
{
    PGconn *conn = ll_db_connect (ll_config_db (), 10000);
    if (!conn)
        return NULL;
    if (ll_db_migrate (conn, SCHEMA, "service", s_migrations, 1) < 0
    ||  ll_outbox_migrate (conn, SCHEMA)
    ||  ll_outbox_prepare (conn, SCHEMA)) {
        PQfinish (conn);
        return NULL;
    }
    return conn;
}

static int
s_serve (void)
{
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    PQfinish (conn);
    ll_relay_t *relay = ll_relay_new (ll_config_db (), SCHEMA, "nt-producer",
        ll_config_str ("NT_PUB", "tcp://127.0.0.1:7951"),
        ll_config_str ("NT_REPLAY", "tcp://127.0.0.1:7952"));
    if (!relay)
        return 1;
    ll_relay_declare_stream (relay, "intake");
    ll_relay_declare_stream (relay, "sla");
    ll_relay_declare_stream (relay, "reporting");
    zloop_t *loop = zloop_new ();
    ll_relay_attach (relay, loop);
    zloop_start (loop);
    ll_relay_destroy (&relay);
    zloop_destroy (&loop);
    return 0;
}

//  key=value arguments
static const char *
s_arg (int argc, char **argv, const char *key, const char *dflt)
{
    size_t klen = strlen (key);
    for (int i = 0; i < argc; i++)
        if (strncmp (argv [i], key, klen) == 0 && argv [i][klen] == '=')
            return argv [i] + klen + 1;
    return dflt;
}

static long long
s_num (int argc, char **argv, const char *key, long long dflt)
{
    const char *v = s_arg (argc, argv, key, NULL);
    return v ? atoll (v) : dflt;
}

static int
s_emit (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: nt_producer emit STREAM TYPE [key=value ...]\n");
        return 2;
    }
    const char *stream = argv [0];
    const char *type = argv [1];
    argc -= 2;
    argv += 2;
    ll_envelope_t env;
    char idbuf [37];
    ll_envelope_init (&env, idbuf);
    const char *id = s_arg (argc, argv, "id", NULL);
    if (id)
        env.message_id = (char *) id;
    env.time_us = s_num (argc, argv, "time_us", ll_clock_now_us ());
    char *lead = (char *) s_arg (argc, argv, "lead", "L1");
    char *rep = (char *) s_arg (argc, argv, "rep", "");
    char *employee = (char *) s_arg (argc, argv, "employee", "");
    char *station = (char *) s_arg (argc, argv, "station", "");
    char *office = (char *) s_arg (argc, argv, "office", "");
    char *district = (char *) s_arg (argc, argv, "district", "");
    int64_t now = ll_clock_now_us ();

    Leadline__V1__LeadEntered entered = LEADLINE__V1__LEAD_ENTERED__INIT;
    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    Leadline__V1__Business business = LEADLINE__V1__BUSINESS__INIT;
    Leadline__V1__LeadAssigned assigned = LEADLINE__V1__LEAD_ASSIGNED__INIT;
    Leadline__V1__LeadReassigned reassigned = LEADLINE__V1__LEAD_REASSIGNED__INIT;
    Leadline__V1__LeadDuplicate duplicate = LEADLINE__V1__LEAD_DUPLICATE__INIT;
    Leadline__V1__ContactRecorded contact = LEADLINE__V1__CONTACT_RECORDED__INIT;
    Leadline__V1__OutcomeRecorded outcome = LEADLINE__V1__OUTCOME_RECORDED__INIT;
    Leadline__V1__DeadlineWarning warning = LEADLINE__V1__DEADLINE_WARNING__INIT;
    Leadline__V1__DeadlineBreached breached = LEADLINE__V1__DEADLINE_BREACHED__INIT;
    Leadline__V1__DeadlineMet met = LEADLINE__V1__DEADLINE_MET__INIT;
    Leadline__V1__EscalationRaised escalation = LEADLINE__V1__ESCALATION_RAISED__INIT;
    Leadline__V1__ReportPublished report = LEADLINE__V1__REPORT_PUBLISHED__INIT;
    char *recipients [16];
    char recipients_buf [1024];
    const char *deadline = s_arg (argc, argv, "deadline", "contact");
    int dl = strcmp (deadline, "entry") == 0 ? LEADLINE__V1__DEADLINE__DEADLINE_ENTRY
                                            : LEADLINE__V1__DEADLINE__DEADLINE_CONTACT;
    if (strcmp (type, "lead_entered") == 0) {
        business.name = (char *) s_arg (argc, argv, "business", "Corner Bakery");
        card.employee_id = employee;
        card.station_id = station;
        card.business = &business;
        entered.lead_id = lead;
        entered.card = &card;
        entered.entered_us = s_num (argc, argv, "entered_us", now);
        entered.office_id = office;
        entered.district_id = district;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED;
        env.lead_entered = &entered;
    }
    else
    if (strcmp (type, "lead_assigned") == 0) {
        assigned.lead_id = lead;
        assigned.rep_id = rep;
        assigned.employee_id = employee;
        assigned.station_id = station;
        assigned.office_id = office;
        assigned.district_id = district;
        assigned.entered_us = s_num (argc, argv, "entered_us", now);
        assigned.at_us = now;
        assigned.fallback = s_num (argc, argv, "fallback", 0) != 0;
        assigned.reason = "office round robin";
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
        env.lead_assigned = &assigned;
    }
    else
    if (strcmp (type, "lead_reassigned") == 0) {
        reassigned.lead_id = lead;
        reassigned.from_rep_id = (char *) s_arg (argc, argv, "from", "");
        reassigned.to_rep_id = (char *) s_arg (argc, argv, "to", "");
        reassigned.by_id = (char *) s_arg (argc, argv, "by", "M1");
        reassigned.reason = (char *) s_arg (argc, argv, "reason", "workload");
        reassigned.at_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED;
        env.lead_reassigned = &reassigned;
    }
    else
    if (strcmp (type, "lead_duplicate") == 0) {
        duplicate.lead_id = lead;
        duplicate.duplicate_of = (char *) s_arg (argc, argv, "of", "L0");
        duplicate.employee_id = employee;
        duplicate.at_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE;
        env.lead_duplicate = &duplicate;
    }
    else
    if (strcmp (type, "contact_recorded") == 0) {
        contact.lead_id = lead;
        contact.rep_id = rep;
        contact.employee_id = employee;
        contact.kind = strcmp (s_arg (argc, argv, "kind", "contacted"), "attempt") == 0
                     ? LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT
                     : LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED;
        contact.at_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED;
        env.contact_recorded = &contact;
    }
    else
    if (strcmp (type, "outcome_recorded") == 0) {
        const char *o = s_arg (argc, argv, "outcome", "won");
        outcome.lead_id = lead;
        outcome.rep_id = rep;
        outcome.employee_id = employee;
        outcome.outcome = strcmp (o, "lost") == 0 ? LEADLINE__V1__OUTCOME__OUTCOME_LOST
                        : strcmp (o, "no_interest") == 0 ? LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST
                        : LEADLINE__V1__OUTCOME__OUTCOME_WON;
        outcome.annual_revenue_cents = s_num (argc, argv, "revenue", 120000);
        outcome.lost_reason = (char *) s_arg (argc, argv, "reason", "");
        outcome.at_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED;
        env.outcome_recorded = &outcome;
    }
    else
    if (strcmp (type, "deadline_warning") == 0) {
        warning.lead_id = lead;
        warning.rep_id = rep;
        warning.deadline = dl;
        warning.due_us = s_num (argc, argv, "due_us", now + 3600000000LL);
        warning.at_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_WARNING;
        env.deadline_warning = &warning;
    }
    else
    if (strcmp (type, "deadline_breached") == 0) {
        breached.lead_id = lead;
        breached.rep_id = rep;
        breached.office_id = office;
        breached.deadline = dl;
        breached.due_us = s_num (argc, argv, "due_us", now);
        breached.at_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
        env.deadline_breached = &breached;
    }
    else
    if (strcmp (type, "deadline_met") == 0) {
        met.lead_id = lead;
        met.deadline = dl;
        met.met_us = now;
        met.on_time = 1;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_MET;
        env.deadline_met = &met;
    }
    else
    if (strcmp (type, "escalation_raised") == 0) {
        escalation.lead_id = lead;
        escalation.level = (uint32_t) s_num (argc, argv, "level", 1);
        escalation.office_id = office;
        escalation.at_us = now;
        escalation.grievance_eligible = s_num (argc, argv, "grievance", 0) != 0;
        snprintf (recipients_buf, sizeof recipients_buf, "%s", s_arg (argc, argv, "recipients", ""));
        size_t n = 0;
        for (char *save = NULL, *tok = strtok_r (recipients_buf, ",", &save); tok && n < 16;
             tok = strtok_r (NULL, ",", &save))
            recipients [n++] = tok;
        escalation.recipient_ids = recipients;
        escalation.n_recipient_ids = n;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED;
        env.escalation_raised = &escalation;
    }
    else
    if (strcmp (type, "report_published") == 0) {
        const char *k = s_arg (argc, argv, "kind", "station");
        report.report_id = (char *) s_arg (argc, argv, "report", "RPT1");
        report.kind = strcmp (k, "carrier") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_CARRIER
                    : strcmp (k, "district") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_DISTRICT
                    : LEADLINE__V1__REPORT_KIND__REPORT_KIND_STATION;
        report.station_id = station;
        report.office_id = office;
        report.period_start_us = now - 14LL * 86400 * 1000000;
        report.period_end_us = now;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPORT_PUBLISHED;
        env.report_published = &report;
    }
    else {
        fprintf (stderr, "nt_producer: unknown event type %s\n", type);
        return 2;
    }
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    int rc = 1;
    if (ll_db_begin (conn) == 0) {
        if (ll_outbox_append (conn, SCHEMA, stream, &env, NULL) == 0 && ll_db_commit (conn) == 0)
            rc = 0;
        else
            ll_db_rollback (conn);
    }
    if (rc == 0)
        printf ("%s\n", env.message_id);
    PQfinish (conn);
    return rc;
}

static int
s_load (int argc, char **argv)
{
    if (argc < 4) {
        fprintf (stderr, "usage: nt_producer load N RATE PREFIX PEOPLE\n");
        return 2;
    }
    long long total = atoll (argv [0]);
    double rate = atof (argv [1]);
    const char *prefix = argv [2];
    long people = atol (argv [3]);
    if (people < 1)
        people = 1;
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    int64_t started = ll_mono_us ();
    long long made = 0;
    while (made < total) {
        long long allowed = rate > 0
            ? (long long) ((double) (ll_mono_us () - started) / 1e6 * rate) + 1 : total;
        if (allowed > total)
            allowed = total;
        if (made >= allowed) {
            usleep (1000);
            continue;
        }
        long long n = allowed - made;
        if (n > 50)
            n = 50;
        ll_envelope_t envs [50];
        ll_envelope_t *ptrs [50];
        Leadline__V1__LeadAssigned bodies [50];
        char ids [50][37], leads [50][64], reps [50][64];
        for (long long i = 0; i < n; i++) {
            long long k = made + i;
            ll_envelope_init (&envs [i], ids [i]);
            leadline__v1__lead_assigned__init (&bodies [i]);
            snprintf (leads [i], sizeof leads [i], "%s-L%lld", prefix, k);
            snprintf (reps [i], sizeof reps [i], "%s%lld", prefix, k % people);
            bodies [i].lead_id = leads [i];
            bodies [i].rep_id = reps [i];
            bodies [i].employee_id = "E-LOAD";
            bodies [i].station_id = "S-LOAD";
            bodies [i].office_id = "O-LOAD";
            bodies [i].entered_us = ll_clock_now_us ();
            envs [i].body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
            envs [i].lead_assigned = &bodies [i];
            ptrs [i] = &envs [i];
        }
        if (ll_db_begin (conn)
        ||  ll_outbox_append_batch (conn, SCHEMA, "intake", ptrs, (size_t) n, NULL)
        ||  ll_db_commit (conn)) {
            ll_db_rollback (conn);
            if (PQstatus (conn) != CONNECTION_OK) {
                PQfinish (conn);
                conn = s_connect ();
                if (!conn)
                    return 1;
            }
            continue;
        }
        made += n;
    }
    PQfinish (conn);
    printf ("%lld\n", made);
    return 0;
}

//  Writes LEADLINE_CLOCK_FILE: "2026-01-15T03:30:00Z" or microseconds.
static int
s_clock (const char *when)
{
    const char *path = ll_config_str ("LEADLINE_CLOCK_FILE", NULL);
    if (!path) {
        fprintf (stderr, "nt_producer clock: LEADLINE_CLOCK_FILE is not set\n");
        return 2;
    }
    struct tm tm = { 0 };
    long long us;
    const char *end = strptime (when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end && *end == 0)
        us = (long long) timegm (&tm) * 1000000;
    else
        us = atoll (when);
    if (us <= 0 || ll_clock_file_set (path, us)) {
        fprintf (stderr, "nt_producer clock: cannot set %s\n", when);
        return 1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    ll_log_init ("nt-producer");
    ll_clock_init ();
    if (argc >= 2 && strcmp (argv [1], "serve") == 0)
        return s_serve ();
    if (argc >= 2 && strcmp (argv [1], "emit") == 0)
        return s_emit (argc - 2, argv + 2);
    if (argc >= 3 && strcmp (argv [1], "clock") == 0)
        return s_clock (argv [2]);
    if (argc >= 2 && strcmp (argv [1], "load") == 0)
        return s_load (argc - 2, argv + 2);
    fprintf (stderr, "usage: nt_producer serve | emit STREAM TYPE [key=value ...] | "
                     "load N RATE PREFIX PEOPLE\n");
    return 2;
}
