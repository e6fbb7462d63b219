/*  notifier_route — who hears what (docs/notifier.md, "Who hears what"):

      event (stream)               recipient                       kind        urgent
      lead_entered (intake)        the employee who handed it in   entered     no
      lead_assigned (intake)       the assigned rep                assigned    no
      lead_reassigned (intake)     the new rep; the previous rep   reassigned  no
      contact_recorded (intake)    the employee, once the customer
                                   was reached (not for attempts)  contacted   no
      outcome_recorded (intake)    the employee                    outcome     no
      deadline_warning (sla)       the rep on the lead             warning     no
      deadline_breached (sla)      the rep on the lead             breach      yes
      escalation_raised (sla)      level 1 the office's coordinators, 2 the
                                   branch president, 3 the NBA      escalation  yes
      report_published (reporting) the office's coordinators, for
                                   Station Summary Reports          report      no

    Escalations go to the people the SLA watcher names in the event
    (recipient_ids: who it escalated to); when it names nobody the office's
    ladder in org decides. Everything else is silent. */
#include "notifier_route.h"
#include "ll_db.h"
#include "ll_log.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

//  Leadline's UUID v5 namespace for notification ids (a fixed random UUID).
static const char *s_namespace = "6f1c2b9e-4d0a-5e55-9a51-1eadb1e00005";

void
notifier_route_id (const char *event_id, const char *recipient, int kind,
                   char out [NOTIFIER_ID_LEN])
{
    uuid_t ns, id;
    uuid_parse (s_namespace, ns);
    char name [512];
    int len = snprintf (name, sizeof name, "%s\n%s\n%d", event_id, recipient, kind);
    if (len < 0)
        len = 0;
    if ((size_t) len >= sizeof name)
        len = (int) sizeof name - 1;
    uuid_generate_sha1 (id, ns, name, (size_t) len);
    uuid_unparse_lower (id, out);
}

int
notifier_route_prepare (PGconn *conn)
{
    if (ll_db_prepare (conn, "route_ladder",
            "SELECT DISTINCT person_id FROM org.office_ladder"
            " WHERE office_id = $1 AND level = $2::int ORDER BY 1")
    ||  ll_db_prepare (conn, "route_coordinators",
            "SELECT person_id FROM org.coordinators WHERE office_id ="
            " coalesce (nullif ($1, ''), (SELECT office_id FROM org.stations WHERE id = $2))"
            " ORDER BY role"))
        return -1;
    return 0;
}

void
notifier_route_add (notifier_route_t *route, const char *recipient, int kind,
                    bool urgent, const char *title, const char *body)
{
    if (!recipient || !*recipient || strlen (recipient) >= NOTIFIER_PERSON_MAX)
        return;
    for (size_t i = 0; i < route->count; i++)
        if (route->notes [i].kind == kind && strcmp (route->notes [i].recipient, recipient) == 0)
            return;
    if (route->count >= NOTIFIER_ROUTE_MAX) {
        ll_warn ("route.full", "event %s names more than %d recipients; %s left out",
                 route->event_id, NOTIFIER_ROUTE_MAX, recipient);
        return;
    }
    notifier_note_t *note = &route->notes [route->count++];
    snprintf (note->recipient, sizeof note->recipient, "%s", recipient);
    note->kind = kind;
    note->urgent = urgent;
    snprintf (note->title, sizeof note->title, "%s", title);
    snprintf (note->body, sizeof note->body, "%s", body);
    notifier_route_id (route->event_id, note->recipient, kind, note->id);
}

//  "2024-03-02 14:05 UTC", or "" for 0.
static void
s_when (int64_t us, char *buf, size_t len)
{
    if (us <= 0) {
        snprintf (buf, len, "an unknown time");
        return;
    }
    time_t secs = (time_t) (us / 1000000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    strftime (buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static const char *
s_deadline_name (int deadline)
{
    return deadline == LEADLINE__V1__DEADLINE__DEADLINE_ENTRY ? "entry (24 hours)"
         : deadline == LEADLINE__V1__DEADLINE__DEADLINE_CONTACT ? "first contact (48 hours)"
         : "deadline";
}

static const char *
s_str (const char *s)
{
    return s ? s : "";
}

//  Adds every person a prepared look-up returns.
static int
s_add_query (PGconn *conn, notifier_route_t *route, const char *stmt, int nparams,
             const char *const *params, int kind, bool urgent, const char *title,
             const char *body)
{
    PGresult *res = ll_db_execp (conn, stmt, nparams, params, NULL);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples (res); r++)
        notifier_route_add (route, PQgetvalue (res, r, 0), kind, urgent, title, body);
    PQclear (res);
    return 0;
}

static void
s_lead_entered (notifier_route_t *route, const Leadline__V1__LeadEntered *ev)
{
    if (!ev->card)
        return;
    const Leadline__V1__LeadCard *card = ev->card;
    char title [256], body [1024], when [32];
    const char *business = card->business && card->business->name && *card->business->name
                         ? card->business->name : "your customer";
    snprintf (title, sizeof title, "Your lead for %s was entered", business);
    s_when (ev->entered_us, when, sizeof when);
    snprintf (body, sizeof body,
              "Lead %s from station %s was received electronically on %s. A sales "
              "representative will contact the customer within 48 hours.",
              s_str (ev->lead_id), s_str (card->station_id), when);
    notifier_route_add (route, card->employee_id, NK_LEAD_ENTERED, false, title, body);
}

static void
s_lead_assigned (notifier_route_t *route, const Leadline__V1__LeadAssigned *ev)
{
    char title [256], body [1024], due [32];
    snprintf (title, sizeof title, "New lead %s assigned to you", s_str (ev->lead_id));
    s_when (ev->entered_us > 0 ? ev->entered_us + 48LL * 3600 * 1000000 : 0, due, sizeof due);
    snprintf (body, sizeof body,
              "Handed in by employee %s at station %s (office %s). Contact the customer by %s.%s",
              s_str (ev->employee_id), s_str (ev->station_id), s_str (ev->office_id), due,
              ev->fallback ? " No rep was eligible, so it came to you as the district's "
                             "fallback owner." : "");
    notifier_route_add (route, ev->rep_id, NK_ASSIGNED, false, title, body);
}

static void
s_lead_reassigned (notifier_route_t *route, const Leadline__V1__LeadReassigned *ev)
{
    char title [256], body [1024];
    snprintf (title, sizeof title, "Lead %s reassigned to you", s_str (ev->lead_id));
    snprintf (body, sizeof body, "Moved from %s by %s: %s",
              *s_str (ev->from_rep_id) ? ev->from_rep_id : "nobody", s_str (ev->by_id),
              *s_str (ev->reason) ? ev->reason : "no reason given");
    notifier_route_add (route, ev->to_rep_id, NK_REASSIGNED, false, title, body);
    if (ev->from_rep_id && ev->to_rep_id && strcmp (ev->from_rep_id, ev->to_rep_id) != 0) {
        snprintf (title, sizeof title, "Lead %s moved to %s", s_str (ev->lead_id), ev->to_rep_id);
        snprintf (body, sizeof body, "Reassigned by %s: %s. You no longer follow it up.",
                  s_str (ev->by_id), *s_str (ev->reason) ? ev->reason : "no reason given");
        notifier_route_add (route, ev->from_rep_id, NK_REASSIGNED, false, title, body);
    }
}

static void
s_contact_recorded (notifier_route_t *route, const Leadline__V1__ContactRecorded *ev)
{
    //  Attempts are the rep's own business; the employee hears once the
    //  customer was reached, and again at the outcome.
    if (ev->kind != LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED)
        return;
    char title [256], body [1024], when [32];
    snprintf (title, sizeof title, "Your lead %s was followed up", s_str (ev->lead_id));
    s_when (ev->at_us, when, sizeof when);
    snprintf (body, sizeof body, "Sales representative %s reached the customer on %s.",
              s_str (ev->rep_id), when);
    notifier_route_add (route, ev->employee_id, NK_LEAD_CONTACTED, false, title, body);
}

static void
s_outcome_recorded (notifier_route_t *route, const Leadline__V1__OutcomeRecorded *ev)
{
    char title [256], body [1024];
    switch (ev->outcome) {
        case LEADLINE__V1__OUTCOME__OUTCOME_WON:
            snprintf (title, sizeof title, "Your lead %s was won", s_str (ev->lead_id));
            snprintf (body, sizeof body,
                      "The customer signed up: estimated annualized revenue $%lld.%02lld. Thank you!",
                      (long long) (ev->annual_revenue_cents / 100),
                      (long long) (ev->annual_revenue_cents % 100));
            break;
        case LEADLINE__V1__OUTCOME__OUTCOME_LOST:
            snprintf (title, sizeof title, "Your lead %s was lost", s_str (ev->lead_id));
            snprintf (body, sizeof body, "Reason: %s",
                      *s_str (ev->lost_reason) ? ev->lost_reason : "not given");
            break;
        case LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST:
            snprintf (title, sizeof title, "Your lead %s: no interest", s_str (ev->lead_id));
            snprintf (body, sizeof body, "The customer was contacted and is not interested for now.");
            break;
        default:
            return;
    }
    notifier_route_add (route, ev->employee_id, NK_LEAD_OUTCOME, false, title, body);
}

static void
s_deadline_warning (notifier_route_t *route, const Leadline__V1__DeadlineWarning *ev)
{
    char title [256], body [1024], due [32];
    snprintf (title, sizeof title, "Lead %s: deadline approaching", s_str (ev->lead_id));
    s_when (ev->due_us, due, sizeof due);
    snprintf (body, sizeof body, "The %s deadline falls at %s.",
              s_deadline_name (ev->deadline), due);
    notifier_route_add (route, ev->rep_id, NK_WARNING, false, title, body);
}

static void
s_deadline_breached (notifier_route_t *route, const Leadline__V1__DeadlineBreached *ev)
{
    char title [256], body [1024], due [32];
    snprintf (title, sizeof title, "Lead %s: deadline missed", s_str (ev->lead_id));
    s_when (ev->due_us, due, sizeof due);
    snprintf (body, sizeof body,
              "The %s deadline passed at %s. Contact the customer now; the lead will be "
              "escalated to the office's coordinators while it stays untouched.",
              s_deadline_name (ev->deadline), due);
    notifier_route_add (route, ev->rep_id, NK_BREACH, true, title, body);
}

static int
s_escalation (PGconn *conn, notifier_route_t *route, const Leadline__V1__EscalationRaised *ev)
{
    static const char *who [] = { "", "the office's coordinators", "the branch president",
                                  "the national business agent" };
    char title [256], body [1024];
    snprintf (title, sizeof title, "Escalation level %u: lead %s", ev->level, s_str (ev->lead_id));
    snprintf (body, sizeof body,
              "Lead %s at office %s was not followed up in time and is escalated to %s.%s",
              s_str (ev->lead_id), s_str (ev->office_id),
              ev->level >= 1 && ev->level <= 3 ? who [ev->level] : "the next level",
              ev->grievance_eligible ? " The irregularity may be taken up under the "
                                       "Article 15 grievance procedure." : "");
    for (size_t i = 0; i < ev->n_recipient_ids; i++)
        notifier_route_add (route, ev->recipient_ids [i], NK_ESCALATION, true, title, body);
    if (route->count > 0 || !ev->office_id || !*ev->office_id)
        return 0;
    char level [16];
    snprintf (level, sizeof level, "%u", ev->level);
    const char *params [] = { ev->office_id, level };
    return s_add_query (conn, route, "route_ladder", 2, params, NK_ESCALATION, true, title, body);
}

static int
s_report_published (PGconn *conn, notifier_route_t *route, const Leadline__V1__ReportPublished *ev)
{
    if (ev->kind != LEADLINE__V1__REPORT_KIND__REPORT_KIND_STATION)
        return 0;
    char title [256], body [1024], from [32], to [32];
    snprintf (title, sizeof title, "Station Summary Report published for station %s",
              s_str (ev->station_id));
    s_when (ev->period_start_us, from, sizeof from);
    s_when (ev->period_end_us, to, sizeof to);
    snprintf (body, sizeof body,
              "Report %s covers %s to %s. Post it on the bulletin board and go over it at the "
              "bi-weekly stand-up talk.", s_str (ev->report_id), from, to);
    const char *params [] = { s_str (ev->office_id), s_str (ev->station_id) };
    return s_add_query (conn, route, "route_coordinators", 2, params, NK_REPORT_PUBLISHED,
                        false, title, body);
}

int
notifier_route_event (PGconn *conn, const ll_envelope_t *event, notifier_route_t *route)
{
    memset (route, 0, sizeof *route);
    if (event->message_id && *event->message_id)
        snprintf (route->event_id, sizeof route->event_id, "%s", event->message_id);
    else
        snprintf (route->event_id, sizeof route->event_id, "%s:%llu",
                  s_str (event->stream), (unsigned long long) event->sequence);
    const char *lead = NULL;
    int rc = 0;
    switch (event->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED:
            lead = event->lead_entered->lead_id;
            s_lead_entered (route, event->lead_entered);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED:
            lead = event->lead_assigned->lead_id;
            s_lead_assigned (route, event->lead_assigned);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED:
            lead = event->lead_reassigned->lead_id;
            s_lead_reassigned (route, event->lead_reassigned);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED:
            lead = event->contact_recorded->lead_id;
            s_contact_recorded (route, event->contact_recorded);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED:
            lead = event->outcome_recorded->lead_id;
            s_outcome_recorded (route, event->outcome_recorded);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_WARNING:
            lead = event->deadline_warning->lead_id;
            s_deadline_warning (route, event->deadline_warning);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED:
            lead = event->deadline_breached->lead_id;
            s_deadline_breached (route, event->deadline_breached);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED:
            lead = event->escalation_raised->lead_id;
            rc = s_escalation (conn, route, event->escalation_raised);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_REPORT_PUBLISHED:
            rc = s_report_published (conn, route, event->report_published);
            break;
        default:
            break;      // lead_duplicate, deadline_met, escalation_resolved, ...: nobody
    }
    snprintf (route->lead_id, sizeof route->lead_id, "%s", s_str (lead));
    return rc;
}
