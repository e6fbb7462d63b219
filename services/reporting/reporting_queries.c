/*  reporting_queries — the SQL behind the reports. Every statement is
    prepared by name and takes its values as parameters. The roll-ups
    answer the sums; lead_fact answers the lists (a carrier's leads, the
    leads past a deadline); org answers names, headcounts and time zones.
    `$now` is always a microsecond count (ll_clock), turned into a
    timestamp here, so a driven clock drives the reports too. */
#include "reporting_queries.h"
#include "ll_db.h"
#include "ll_log.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"
#define MEASURES \
    "sum(cards), sum(originals), sum(duplicates), sum(entry_on_time), sum(entry_late), " \
    "sum(contacted), sum(contact_on_time), sum(contact_late), sum(won), sum(lost), " \
    "sum(no_interest), sum(revenue_cents), sum(entry_breached), sum(contact_breached), " \
    "sum(reassigned)"
//  Measure n (1..15) of program k.i in rollup_station_period, and a comma.
#define PM(n) "r.program_measures [(k.i - 1) * 15 + " #n "], "

typedef struct {
    const char *name;
    const char *sql;
} statement_t;

static const statement_t s_statements [] = {
    //  Where things are, and what day it is there: $1 now, $2 id.
    { "rq_station",
      "SELECT s.id, s.name, o.id, o.name, d.id, d.name, d.time_zone,"
      "  ((" TS(1) " AT TIME ZONE d.time_zone)::date - date '1970-01-01'),"
      "  to_char(" TS(1) " AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI')"
      " FROM org.stations s JOIN org.offices o ON o.id = s.office_id"
      " JOIN org.districts d ON d.id = o.district_id WHERE s.id = $2" },
    { "rq_district",
      "SELECT d.id, d.name, d.time_zone,"
      "  ((" TS(1) " AT TIME ZONE d.time_zone)::date - date '1970-01-01'),"
      "  to_char(" TS(1) " AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI')"
      " FROM org.districts d WHERE d.id = $2" },
    { "rq_employee",
      "SELECT e.id, e.name, e.craft, s.id, s.name, o.id, o.name, d.id, d.name, d.time_zone,"
      "  ((" TS(1) " AT TIME ZONE d.time_zone)::date - date '1970-01-01'),"
      "  to_char(" TS(1) " AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI'),"
      "  coalesce (c.program, '')"
      " FROM org.employees e JOIN org.stations s ON s.id = e.station_id"
      " JOIN org.offices o ON o.id = s.office_id JOIN org.districts d ON d.id = o.district_id"
      " LEFT JOIN org.crafts c ON c.craft = e.craft WHERE e.id = $2" },
    { "rq_utc_today",
      "SELECT ((" TS(1) " AT TIME ZONE 'UTC')::date - date '1970-01-01'),"
      "  to_char(" TS(1) " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'" },

    //  Individual Carrier Report: $1 employee, $2 from, $3 to, $4 zone, $5 now.
    { "rq_carrier_leads",
      "SELECT f.lead_id, f.business_name, to_char (f.card_day, 'YYYY-MM-DD'), f.duplicate,"
      "  f.outcome, f.contacted_at IS NOT NULL, f.rep_id IS NOT NULL,"
      "  to_char (f.entered_at AT TIME ZONE $4, 'YYYY-MM-DD HH24:MI'), f.entry_on_time,"
      "  to_char (f.contacted_at AT TIME ZONE $4, 'YYYY-MM-DD HH24:MI'), f.contact_on_time,"
      "  coalesce (r.name, f.rep_id, ''), f.revenue_cents, f.lost_reason,"
      "  coalesce (f.duplicate_of, ''),"
      "  f.contact_breached OR f.entered_at + interval '48 hours' < " TS(5) ","
      "  f.program"
      " FROM reporting.lead_fact f LEFT JOIN org.reps r ON r.id = f.rep_id"
      " WHERE f.employee_id = $1 AND f.card_day BETWEEN $2::date AND $3::date"
      " ORDER BY f.card_at, f.lead_id LIMIT 10000" },

    //  Station Summary Report: $1 station, $2 term ('FY2027P03'). The
    //  period's sums are one row of rollup_station_period (keyed lists:
    //  deploy/migrations/reporting/002_station_period.sql); the report
    //  sends these statements in one round trip (report_station.c).
    { "rq_station_programs",
      "SELECT k.program, " PM(1) PM(2) PM(3) PM(4) PM(5) PM(6) PM(7) PM(8) PM(9) PM(10)
      PM(11) PM(12) PM(13) PM(14) "r.program_measures [(k.i - 1) * 15 + 15]"
      " FROM reporting.rollup_station_period r, unnest (r.programs) WITH ORDINALITY k (program, i)"
      " WHERE r.station_id = $1 AND r.term = $2 ORDER BY k.program" },
    { "rq_station_products",
      "SELECT k.key >> 16, (k.key & 65535) - 32768, r.product_measures [k.i * 3 - 2],"
      "  r.product_measures [k.i * 3 - 1], r.product_measures [k.i * 3]"
      " FROM reporting.rollup_station_period r, unnest (r.products) WITH ORDINALITY k (key, i)"
      " WHERE r.station_id = $1 AND r.term = $2 ORDER BY k.key" },
    { "rq_station_participation",
      "SELECT (SELECT count(*) FROM org.employees WHERE station_id = $1),"
      "  (SELECT count(*) FROM reporting.rollup_station_period r,"
      "     generate_subscripts (r.employees, 1) i"
      "    WHERE r.station_id = $1 AND r.term = $2 AND r.employee_measures [i * 3 - 2] > 0)" },
    //  The ten first, then their names (org's, as they are now).
    { "rq_station_top",
      "SELECT u.employee_id, coalesce (e.name, ''), u.originals, u.won, u.revenue_cents"
      " FROM (SELECT r.employees [i] AS employee_id, r.employee_measures [i * 3 - 2] AS originals,"
      "         r.employee_measures [i * 3 - 1] AS won, r.employee_measures [i * 3] AS revenue_cents"
      "       FROM reporting.rollup_station_period r, generate_subscripts (r.employees, 1) i"
      "      WHERE r.station_id = $1 AND r.term = $2 AND r.employee_measures [i * 3 - 2] > 0"
      "      ORDER BY 2 DESC, 3 DESC, 4 DESC, 1 LIMIT 10) u"
      " LEFT JOIN org.employees e ON e.id = u.employee_id"
      " ORDER BY 3 DESC, 4 DESC, 5 DESC, 1" },
    //  $1 station, $2 now. The oldest 50 from the partial index of leads
    //  waiting for contact alone (it carries every column shown), how many
    //  there are from its narrow twin (migration 003); then names (one key
    //  lookup each: a join hashed all the reps every time) and times for
    //  those 50.
    { "rq_station_overdue",
      "SELECT f.lead_id, f.business_name,"
      "  coalesce ((SELECT e.name FROM org.employees e WHERE e.id = f.employee_id),"
      "            f.employee_id, ''),"
      "  to_char (f.entered_at AT TIME ZONE z.zone, 'YYYY-MM-DD HH24:MI'),"
      "  to_char ((f.entered_at + interval '48 hours') AT TIME ZONE z.zone, 'YYYY-MM-DD HH24:MI'),"
      "  greatest (0, floor (extract (epoch FROM " TS(2) " - f.entered_at"
      "                                - interval '48 hours') / 3600))::bigint,"
      "  coalesce ((SELECT r.name FROM org.reps r WHERE r.id = f.rep_id), f.rep_id, ''),"
      "  f.escalation_level, c.total"
      " FROM (SELECT lead_id, business_name, employee_id, entered_at, rep_id, escalation_level"
      "       FROM reporting.lead_fact"
      "      WHERE station_id = $1 AND contacted_at IS NULL AND outcome = 0 AND NOT duplicate"
      "        AND entered_at IS NOT NULL"
      "        AND (contact_breached OR entered_at + interval '48 hours' < " TS(2) ")"
      "      ORDER BY entered_at, lead_id LIMIT 50) f"
      " CROSS JOIN (SELECT count(*) AS total FROM reporting.lead_fact"
      "      WHERE station_id = $1 AND contacted_at IS NULL AND outcome = 0 AND NOT duplicate"
      "        AND entered_at IS NOT NULL"
      "        AND (contact_breached OR entered_at + interval '48 hours' < " TS(2) ")) c"
      " CROSS JOIN (SELECT d.time_zone AS zone FROM org.stations s"
      "       JOIN org.offices o ON o.id = s.office_id JOIN org.districts d ON d.id = o.district_id"
      "       WHERE s.id = $1) z"
      " ORDER BY f.entered_at, f.lead_id" },
    //  $1 station, $2 first term, $3 last term: the period totals, from
    //  the primary key alone.
    { "rq_station_trend",
      "SELECT term, cards FROM reporting.rollup_station_period"
      " WHERE station_id = $1 AND term BETWEEN $2 AND $3 ORDER BY term" },

    //  District Quarterly Review: $1 district, ...
    { "rq_district_offices",
      "SELECT o.id, o.name,"
      "  (SELECT c.name FROM org.coordinators c WHERE c.office_id = o.id AND c.role = 'union'),"
      "  (SELECT c.name FROM org.coordinators c"
      "    WHERE c.office_id = o.id AND c.role = 'management'),"
      "  (SELECT count(*) FROM org.stations s WHERE s.office_id = o.id),"
      "  (SELECT count(*) FROM org.employees e JOIN org.stations s ON s.id = e.station_id"
      "    WHERE s.office_id = o.id)"
      " FROM org.offices o WHERE o.district_id = $1 ORDER BY o.id" },
    { "rq_district_measures",
      "SELECT office_id, " MEASURES " FROM reporting.rollup_term_station"
      " WHERE district_id = $1 AND term = $2 GROUP BY office_id" },
    { "rq_district_participants",
      "SELECT office_id, count(DISTINCT employee_id) FROM reporting.rollup_term_employee"
      " WHERE district_id = $1 AND term = $2 AND originals > 0 GROUP BY office_id" },
    //  $1 district, $2 first period end, $3 last period end
    { "rq_district_published",
      "SELECT office_id, count(*) FROM reporting.published_report"
      " WHERE district_id = $1 AND period_end BETWEEN $2::date AND $3::date GROUP BY office_id" },
    { "rq_district_trend",
      "SELECT term, sum(cards), sum(originals), sum(won) FROM reporting.rollup_term_station"
      " WHERE district_id = $1 AND term BETWEEN $2 AND $3 GROUP BY term ORDER BY term" },
    //  $1 station, $2 term or '' for the latest
    { "rq_published",
      "SELECT body_text, body_csv, body_json, body_html FROM reporting.published_report"
      " WHERE station_id = $1 AND ($2 = '' OR term = $2)"
      " ORDER BY period_start DESC LIMIT 1" },
    { "rq_publish_first",
      "SELECT first_start - date '1970-01-01' FROM reporting.publish_state WHERE id = 1" },

    //  Campaign report: $1 term (FY), $2 district or '' for all.
    { "rq_campaign_districts",
      "SELECT d.id, d.name,"
      "  (SELECT count(*) FROM org.offices o JOIN org.stations s ON s.office_id = o.id"
      "    JOIN org.employees e ON e.station_id = s.id WHERE o.district_id = d.id)"
      " FROM org.districts d WHERE ($1 = '' OR d.id = $1) ORDER BY d.id" },
    { "rq_campaign_district_measures",
      "SELECT district_id, " MEASURES " FROM reporting.rollup_term_station"
      " WHERE term = $1 AND ($2 = '' OR district_id = $2) GROUP BY district_id" },
    { "rq_campaign_district_participants",
      "SELECT district_id, count(DISTINCT employee_id) FROM reporting.rollup_term_employee"
      " WHERE term = $1 AND ($2 = '' OR district_id = $2) AND originals > 0"
      " GROUP BY district_id" },
    { "rq_campaign_offices",
      "SELECT o.id, o.name, o.district_id,"
      "  (SELECT count(*) FROM org.stations s JOIN org.employees e ON e.station_id = s.id"
      "    WHERE s.office_id = o.id)"
      " FROM org.offices o WHERE ($1 = '' OR o.district_id = $1) ORDER BY o.district_id, o.id" },
    { "rq_campaign_office_measures",
      "SELECT office_id, " MEASURES " FROM reporting.rollup_term_station"
      " WHERE term = $1 AND ($2 = '' OR district_id = $2) GROUP BY office_id" },
    { "rq_campaign_office_participants",
      "SELECT office_id, count(DISTINCT employee_id) FROM reporting.rollup_term_employee"
      " WHERE term = $1 AND ($2 = '' OR district_id = $2) AND originals > 0"
      " GROUP BY office_id" },
    //  Headcount and participants by craft, placed as org places them today.
    { "rq_campaign_crafts",
      "SELECT e.craft, c.program, count(*), count(p.employee_id)"
      " FROM org.employees e JOIN org.crafts c ON c.craft = e.craft"
      " JOIN org.stations s ON s.id = e.station_id JOIN org.offices o ON o.id = s.office_id"
      " LEFT JOIN (SELECT DISTINCT employee_id FROM reporting.rollup_term_employee"
      "            WHERE term = $1 AND ($2 = '' OR district_id = $2) AND originals > 0) p"
      "   ON p.employee_id = e.id"
      " WHERE ($2 = '' OR o.district_id = $2) GROUP BY e.craft, c.program ORDER BY c.program, e.craft" },
    { "rq_campaign_participants",
      "SELECT count(DISTINCT employee_id) FROM reporting.rollup_term_employee"
      " WHERE term = $1 AND ($2 = '' OR district_id = $2) AND originals > 0" },
    { "rq_campaign_programs",
      "SELECT program, " MEASURES " FROM reporting.rollup_term_station"
      " WHERE term = $1 AND ($2 = '' OR district_id = $2) GROUP BY program ORDER BY program" },
    //  $1 first term, $2 last term, $3 district
    { "rq_campaign_trend",
      "SELECT term, sum(cards), sum(originals), sum(won), sum(revenue_cents)"
      " FROM reporting.rollup_term_station"
      " WHERE term BETWEEN $1 AND $2 AND ($3 = '' OR district_id = $3)"
      " GROUP BY term ORDER BY term" },
    //  New revenue: each won lead's annualized estimate, accrued from the
    //  day it was won to $2 (as of), for wins from $1 on. $3 district.
    { "rq_campaign_new_revenue",
      "SELECT coalesce (round (sum (revenue_cents::numeric * ($2::date - day + 1)) / 365), 0)::bigint"
      " FROM reporting.rollup_won_day"
      " WHERE day BETWEEN $1::date AND $2::date AND ($3 = '' OR district_id = $3)" },
};

int
reporting_queries_prepare (PGconn *conn)
{
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements [0]; i++)
        if (ll_db_prepare (conn, s_statements [i].name, s_statements [i].sql))
            return -1;
    return 0;
}

PGresult *
reporting_query (report_ctx_t *ctx, const char *name, int nparams, const char *const *params)
{
    PGresult *res = ll_db_execp (ctx->conn, name, nparams, params, NULL);
    if (!res)
        report_fail (ctx, 503, "try again in a moment; /readyz says whether the store is back",
                     "the report store did not answer (%s)", name);
    return res;
}

int
reporting_query_batch (report_ctx_t *ctx, const rq_call_t *calls, int n, PGresult **results)
{
    if (ll_db_execp_many (ctx->conn, calls, n, results, NULL) == 0)
        return 0;
    report_fail (ctx, 503, "try again in a moment; /readyz says whether the store is back",
                 "the report store did not answer (%d statements in one round trip)", n);
    return -1;
}

void *
report_fail (report_ctx_t *ctx, int status, const char *hint, const char *fmt, ...)
{
    ctx->status = status;
    va_list args;
    va_start (args, fmt);
    vsnprintf (ctx->error, sizeof ctx->error, fmt, args);
    va_end (args);
    snprintf (ctx->hint, sizeof ctx->hint, "%s", hint ? hint : "");
    return NULL;
}

const char *
reporting_program_name (int program)
{
    static const char *names [] = { "Unspecified", "Customer Connect", "Clerks Care",
        "Mail Handlers", "Rural Reach", "Business Connect", "Submit a Lead" };
    return program >= 0 && program < 7 ? names [program] : "Unknown program";
}

const char *
reporting_product_name (int product)
{
    static const char *names [] = { "Unspecified", "Priority Mail", "Priority Mail Express",
        "Ground", "Direct Mail", "EDDM", "First-Class Mail", "International", "PO Box" };
    return product >= 0 && product < 9 ? names [product] : "Unknown product";
}

int64_t
rq_int (const PGresult *res, int row, int col)
{
    if (PQgetisnull (res, row, col))
        return 0;
    return strtoll (PQgetvalue (res, row, col), NULL, 10);
}

const char *
rq_text (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? "" : PQgetvalue (res, row, col);
}

bool
rq_null (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col);
}

bool
rq_bool (const PGresult *res, int row, int col)
{
    return !PQgetisnull (res, row, col) && PQgetvalue (res, row, col) [0] == 't';
}

void
rq_measures (const PGresult *res, int row, int col, reporting_measures_t *m)
{
    m->cards = rq_int (res, row, col + 0);
    m->originals = rq_int (res, row, col + 1);
    m->duplicates = rq_int (res, row, col + 2);
    m->entry_on_time = rq_int (res, row, col + 3);
    m->entry_late = rq_int (res, row, col + 4);
    m->contacted = rq_int (res, row, col + 5);
    m->contact_on_time = rq_int (res, row, col + 6);
    m->contact_late = rq_int (res, row, col + 7);
    m->won = rq_int (res, row, col + 8);
    m->lost = rq_int (res, row, col + 9);
    m->no_interest = rq_int (res, row, col + 10);
    m->revenue_cents = rq_int (res, row, col + 11);
    m->entry_breached = rq_int (res, row, col + 12);
    m->contact_breached = rq_int (res, row, col + 13);
    m->reassigned = rq_int (res, row, col + 14);
}

void
reporting_measures_add (reporting_measures_t *sum, const reporting_measures_t *m)
{
    sum->cards += m->cards;
    sum->originals += m->originals;
    sum->duplicates += m->duplicates;
    sum->entry_on_time += m->entry_on_time;
    sum->entry_late += m->entry_late;
    sum->contacted += m->contacted;
    sum->contact_on_time += m->contact_on_time;
    sum->contact_late += m->contact_late;
    sum->won += m->won;
    sum->lost += m->lost;
    sum->no_interest += m->no_interest;
    sum->revenue_cents += m->revenue_cents;
    sum->entry_breached += m->entry_breached;
    sum->contact_breached += m->contact_breached;
    sum->reassigned += m->reassigned;
}

int64_t
reporting_closed (const reporting_measures_t *m)
{
    return m->won + m->lost + m->no_interest;
}
