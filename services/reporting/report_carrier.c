/*  report_carrier — the Individual Carrier Report, for the employee who
    handed the leads in: each lead with its business and date, status, when
    it was entered and contacted and whether on time, the rep, the outcome
    and the estimated annualized revenue; then the totals. The period is
    any range of days (default: the fiscal year so far). */
#include "reporting_queries.h"
#include "reporting_period.h"
#include <stdio.h>
#include <string.h>

static const char *
s_status (const PGresult *res, int i, char *buf, size_t len)
{
    if (rq_bool (res, i, 3)) {
        snprintf (buf, len, "duplicate of %s", rq_text (res, i, 14));
        return buf;
    }
    switch ((int) rq_int (res, i, 4)) {
        case 1: return "won";
        case 2: return "lost";
        case 3: return "no interest";
        default: break;
    }
    if (rq_bool (res, i, 5))
        return "contacted";
    if (rq_bool (res, i, 15))
        return "waiting: contact overdue";
    return rq_bool (res, i, 6) ? "assigned, awaiting contact" : "entered";
}

static void
s_on_time (report_table_t *t, const PGresult *res, int i, int col)
{
    if (rq_null (res, i, col))
        report_cell_null (t);
    else
        report_cell_text (t, rq_bool (res, i, col) ? "yes" : "no");
}

report_t *
report_carrier_build (report_ctx_t *ctx, const char *employee_id, const char *from, const char *to)
{
    if (!employee_id || !*employee_id)
        return report_fail (ctx, 400, "add ?employee=ID", "whose report? the employee "
                            "parameter is missing");
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) ctx->now_us);
    const char *p1 [] = { now, employee_id };
    PGresult *emp = reporting_query (ctx, "rq_employee", 2, p1);
    if (!emp)
        return NULL;
    if (PQntuples (emp) != 1) {
        PQclear (emp);
        return report_fail (ctx, 404, "load it with `leadline admin import org.csv`",
                            "employee %s is not registered", employee_id);
    }
    int32_t today = (int32_t) rq_int (emp, 0, 10), first, last;
    reporting_period_t year;
    reporting_year (reporting_fiscal_year (today), &year);
    first = year.start;
    last = today;
    if ((from && *from && reporting_day_parse (from, &first))
    ||  (to && *to && reporting_day_parse (to, &last)) || last < first) {
        PQclear (emp);
        return report_fail (ctx, 400, "give from and to as YYYY-MM-DD, from not after to",
                            "the period '%s' to '%s' is not a range of days",
                            from ? from : "", to ? to : "");
    }
    if (last - first > 366 * 5) {
        PQclear (emp);
        return report_fail (ctx, 400, "ask for five years or less at a time",
                            "the period is too long");
    }
    char d1 [11], d2 [11], zone [64], asof [32];
    reporting_day_format (first, d1);
    reporting_day_format (last, d2);
    snprintf (zone, sizeof zone, "%s", rq_text (emp, 0, 9));
    snprintf (asof, sizeof asof, "%s", rq_text (emp, 0, 11));

    report_t *r = report_new ("carrier", "Individual Carrier Report");
    report_subtitle (r, "%s — %s to %s", rq_text (emp, 0, 1), d1, d2);
    report_generated (r, asof);
    report_meta (r, "employee", "Employee", "%s (%s)", rq_text (emp, 0, 1), employee_id);
    report_meta (r, "station", "Station", "%s (%s)", rq_text (emp, 0, 4), rq_text (emp, 0, 3));
    report_meta (r, "office", "Office", "%s (%s)", rq_text (emp, 0, 6), rq_text (emp, 0, 5));
    report_meta (r, "period", "Period", "%s to %s", d1, d2);
    report_meta (r, "as_of", "As of", "%s %s", asof, zone);
    PQclear (emp);

    const char *p2 [] = { employee_id, d1, d2, zone, now };
    PGresult *res = reporting_query (ctx, "rq_carrier_leads", 5, p2);
    if (!res) {
        report_destroy (&r);
        return NULL;
    }
    report_table_t *t = report_table (r, "leads", "Your leads");
    report_col (t, "date", "Date", REPORT_COL_TEXT);
    report_col (t, "business", "Business", REPORT_COL_TEXT);
    report_col (t, "program", "Program", REPORT_COL_TEXT);
    report_col (t, "status", "Status", REPORT_COL_TEXT);
    report_col (t, "entered", "Entered", REPORT_COL_TEXT);
    report_col (t, "entered_on_time", "Within 24 h", REPORT_COL_TEXT);
    report_col (t, "contacted", "Contacted", REPORT_COL_TEXT);
    report_col (t, "contacted_on_time", "Within 48 h", REPORT_COL_TEXT);
    report_col (t, "rep", "Rep", REPORT_COL_TEXT);
    report_col (t, "outcome", "Outcome", REPORT_COL_TEXT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    int64_t leads = 0, originals = 0, dups = 0, entry_ok = 0, contact_ok = 0, won = 0,
            lost = 0, no_interest = 0, open = 0, revenue = 0;
    char buf [160];
    for (int i = 0; i < PQntuples (res); i++) {
        bool dup = rq_bool (res, i, 3);
        int outcome = (int) rq_int (res, i, 4);
        leads++;
        dups += dup;
        originals += !dup;
        entry_ok += rq_bool (res, i, 8);
        contact_ok += !dup && rq_bool (res, i, 10);
        won += !dup && outcome == 1;
        lost += !dup && outcome == 2;
        no_interest += !dup && outcome == 3;
        open += !dup && outcome == 0;
        if (!dup && outcome == 1)
            revenue += rq_int (res, i, 12);
        report_row (t);
        report_cell_text (t, rq_text (res, i, 2));
        report_cell_text (t, rq_text (res, i, 1));
        report_cell_text (t, reporting_program_name ((int) rq_int (res, i, 16)));
        report_cell_text (t, s_status (res, i, buf, sizeof buf));
        report_cell_text (t, rq_text (res, i, 7));
        s_on_time (t, res, i, 8);
        if (rq_null (res, i, 9))
            report_cell_null (t);
        else
            report_cell_text (t, rq_text (res, i, 9));
        s_on_time (t, res, i, 10);
        if (*rq_text (res, i, 11))
            report_cell_text (t, rq_text (res, i, 11));
        else
            report_cell_null (t);
        if (dup || outcome == 0)
            report_cell_null (t);
        else
        if (outcome == 2 && *rq_text (res, i, 13)) {
            snprintf (buf, sizeof buf, "lost: %s", rq_text (res, i, 13));
            report_cell_text (t, buf);
        }
        else
            report_cell_text (t, outcome == 1 ? "won" : outcome == 2 ? "lost" : "no interest");
        if (!dup && outcome == 1)
            report_cell_money (t, rq_int (res, i, 12));
        else
            report_cell_null (t);
    }
    PQclear (res);

    t = report_table (r, "totals", "Totals");
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "duplicates", "Duplicates", REPORT_COL_INT);
    report_col (t, "entered_24h", "Entered within 24 h", REPORT_COL_PCT);
    report_col (t, "contacted_48h", "Contacted within 48 h", REPORT_COL_PCT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "lost", "Lost", REPORT_COL_INT);
    report_col (t, "no_interest", "No interest", REPORT_COL_INT);
    report_col (t, "open", "Open", REPORT_COL_INT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    report_row (t);
    report_cell_int (t, leads);
    report_cell_int (t, dups);
    report_cell_share (t, entry_ok, leads);
    report_cell_share (t, contact_ok, originals);
    report_cell_int (t, won);
    report_cell_int (t, lost);
    report_cell_int (t, no_interest);
    report_cell_int (t, open);
    report_cell_money (t, revenue);

    report_chart_t *ch = report_chart (r, "deadlines", "Deadline compliance", REPORT_CHART_BAR, "%");
    snprintf (buf, sizeof buf, "goal %.0f%%", ctx->deadline_goal);
    report_chart_target (ch, ctx->deadline_goal, buf);
    report_chart_point (ch, "Entered within 24 h", leads ? 100.0 * (double) entry_ok / (double) leads : 0);
    report_chart_point (ch, "Contacted within 48 h",
                        originals ? 100.0 * (double) contact_ok / (double) originals : 0);
    ch = report_chart (r, "outcomes", "What came of your leads", REPORT_CHART_BAR, "leads");
    report_chart_point (ch, "Won", (double) won);
    report_chart_point (ch, "Lost", (double) lost);
    report_chart_point (ch, "No interest", (double) no_interest);
    report_chart_point (ch, "Open", (double) open);
    report_chart_point (ch, "Duplicate", (double) dups);
    report_note (r, "Dates are the day the card was completed, in the district's time zone (%s).",
                 zone);
    report_note (r, "A duplicate is a business someone handed in first; the first referral keeps "
                 "the credit.");
    return r;
}
