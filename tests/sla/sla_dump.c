/*  sla_dump — prints the SLA watcher's event log, one event per line,
    decoded, in log order, for the tests' checks:
      id seq type lead deadline level at_us time_us due_us rep on_time
      taken_s grievance roles recipients
    (tab-separated; lists comma-separated; '-' for empty). `seq` is 0 for
    an event the relay has not numbered yet. Environment: LEADLINE_DB. */
#include "ll_config.h"
#include "ll_db.h"
#include "ll_envelope.h"
#include "ll_log.h"
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
s_or (const char *s)
{
    return s && *s ? s : "-";
}

static void
s_list (char **items, size_t n)
{
    if (n == 0)
        fputs ("-", stdout);
    for (size_t i = 0; i < n; i++)
        printf ("%s%s", i ? "," : "", items [i]);
}

int
main (void)
{
    ll_log_init ("sla-dump");
    PGconn *conn = ll_db_connect (ll_config_db (), 5000);
    if (!conn)
        return 1;
    //  Binary results: the payload comes back as raw bytes.
    PGresult *res = PQexecParams (conn,
        "SELECT id, coalesce (seq, 0), payload FROM sla.event_log ORDER BY id",
        0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        fprintf (stderr, "sla_dump: %s", PQerrorMessage (conn));
        return 1;
    }
    for (int r = 0; r < PQntuples (res); r++) {
        int64_t id = (int64_t) be64toh (*(uint64_t *) PQgetvalue (res, r, 0));
        int64_t seq = (int64_t) be64toh (*(uint64_t *) PQgetvalue (res, r, 1));
        ll_decode_rc_t rc;
        char err [256];
        ll_envelope_t *env = ll_envelope_decode (PQgetvalue (res, r, 2),
            (size_t) PQgetlength (res, r, 2), &rc, err, sizeof err);
        if (!env) {
            printf ("%" PRId64 "\t%" PRId64 "\tundecodable\t%s\n", id, seq, err);
            continue;
        }
        const char *lead = NULL, *rep = NULL;
        int deadline = 0, level = 0, on_time = 0, grievance = 0;
        int64_t at = 0, due = 0, taken = 0;
        char **roles = NULL, **recipients = NULL;
        size_t n_roles = 0, n_recipients = 0;
        switch (env->body_case) {
            case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_WARNING:
                lead = env->deadline_warning->lead_id;
                deadline = env->deadline_warning->deadline;
                at = env->deadline_warning->at_us;
                due = env->deadline_warning->due_us;
                rep = env->deadline_warning->rep_id;
                break;
            case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
                lead = env->deadline_breached->lead_id;
                deadline = env->deadline_breached->deadline;
                at = env->deadline_breached->at_us;
                due = env->deadline_breached->due_us;
                rep = env->deadline_breached->rep_id;
                break;
            case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_MET:
                lead = env->deadline_met->lead_id;
                deadline = env->deadline_met->deadline;
                at = env->deadline_met->met_us;
                due = env->deadline_met->due_us;
                taken = env->deadline_met->taken_s;
                on_time = env->deadline_met->on_time;
                break;
            case LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED:
                lead = env->escalation_raised->lead_id;
                level = (int) env->escalation_raised->level;
                at = env->escalation_raised->at_us;
                grievance = env->escalation_raised->grievance_eligible;
                roles = env->escalation_raised->roles;
                n_roles = env->escalation_raised->n_roles;
                recipients = env->escalation_raised->recipient_ids;
                n_recipients = env->escalation_raised->n_recipient_ids;
                break;
            case LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RESOLVED:
                lead = env->escalation_resolved->lead_id;
                level = (int) env->escalation_resolved->level;
                at = env->escalation_resolved->at_us;
                break;
            default:
                break;
        }
        printf ("%" PRId64 "\t%" PRId64 "\t%s\t%s\t%d\t%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64
                "\t%s\t%d\t%" PRId64 "\t%d\t",
                id, seq, ll_envelope_type_name (env), s_or (lead), deadline, level, at,
                env->time_us, due, s_or (rep), on_time, taken, grievance);
        s_list (roles, n_roles);
        fputs ("\t", stdout);
        s_list (recipients, n_recipients);
        fputs ("\n", stdout);
        ll_envelope_free (&env);
    }
    PQclear (res);
    PQfinish (conn);
    return 0;
}
