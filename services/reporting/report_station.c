/*  report_station — the Station Summary Report, for the bulletin board and
    the bi-weekly stand-up talk: one station, one two-week period aligned to
    the fiscal year. Leads by program and product, the deadline shares,
    conversions and revenue, participation against headcount, the top
    submitters, and the leads past their contact deadline right now. */
#include "reporting_queries.h"
#include "reporting_period.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_programs (report_t *r, const PGresult *res, reporting_measures_t *total)
{
    report_table_t *t = report_table (r, "by_program", "Leads by program");
    report_col (t, "program", "Program", REPORT_COL_TEXT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "duplicates", "Duplicates", REPORT_COL_INT);
    report_col (t, "entered_24h", "Entered within 24 h", REPORT_COL_PCT);
    report_col (t, "contacted_48h", "Contacted within 48 h", REPORT_COL_PCT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "lost", "Lost", REPORT_COL_INT);
    report_col (t, "no_interest", "No interest", REPORT_COL_INT);
    report_col (t, "conversion", "Conversion", REPORT_COL_PCT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    report_table_note (t, "Leads counts every card entered; duplicates are cards already "
        "handed in by someone else and do not count for conversion. Conversion is won over "
        "leads with an outcome.");
    memset (total, 0, sizeof *total);
    int n = PQntuples (res);
    for (int i = 0; i <= n; i++) {
        reporting_measures_t m;
        if (i < n) {
            rq_measures (res, i, 1, &m);
            if (m.cards == 0)
                continue;
            reporting_measures_add (total, &m);
        }
        else
            m = *total;
        report_row (t);
        report_cell_text (t, i < n ? reporting_program_name ((int) rq_int (res, i, 0))
                                   : "All programs");
        report_cell_int (t, m.cards);
        report_cell_int (t, m.duplicates);
        report_cell_share (t, m.entry_on_time, m.cards);
        report_cell_share (t, m.contact_on_time, m.originals);
        report_cell_int (t, m.won);
        report_cell_int (t, m.lost);
        report_cell_int (t, m.no_interest);
        report_cell_share (t, m.won, reporting_closed (&m));
        report_cell_money (t, m.revenue_cents);
    }
}

report_t *
report_station_build (report_ctx_t *ctx, const char *station_id, const char *period)
{
    if (!station_id || !*station_id)
        return report_fail (ctx, 400, "add ?station=ID (the station id from the org CSV)",
                            "which station? the station parameter is missing");
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) ctx->now_us);
    //  Every statement goes in one round trip when the period is named
    //  outright (a term or a day); "current" and "previous" need the day it
    //  is in the station's zone first, so the station is asked alone.
    enum { STATION, PROGRAMS, PRODUCTS, PART, TOP, OVERDUE, TREND, PARTS };
    PGresult *res [PARTS] = { NULL };
    reporting_period_t per;
    bool known = !reporting_period_relative (period)
              && reporting_period_parse (period, 0, &per) == 0;
    const char *p1 [] = { now, station_id };
    if (!known && !(res [STATION] = reporting_query (ctx, "rq_station", 2, p1)))
        return NULL;
    if (!known && PQntuples (res [STATION]) == 1
    &&  reporting_period_parse (period, (int32_t) rq_int (res [STATION], 0, 7), &per)) {
        PQclear (res [STATION]);
        return report_fail (ctx, 400, "use period=current, previous, a day (2026-11-12) or a "
                            "term (FY2027P03)", "period '%s' is not a two-week period", period);
    }
    if (!known && PQntuples (res [STATION]) != 1) {
        PQclear (res [STATION]);
        return report_fail (ctx, 404, "load it with `leadline admin import org.csv`",
                            "station %s is not registered", station_id);
    }
    reporting_period_t first;
    reporting_period_nth (per.fy, 1, &first);
    const char *pterm [] = { station_id, per.term };
    const char *pnow [] = { station_id, now };
    const char *ptrend [] = { station_id, first.term, per.term };
    const rq_call_t calls [PARTS] = {
        [STATION] = { "rq_station", 2, p1 },
        [PROGRAMS] = { "rq_station_programs", 2, pterm },
        [PRODUCTS] = { "rq_station_products", 2, pterm },
        [PART] = { "rq_station_participation", 2, pterm },
        [TOP] = { "rq_station_top", 2, pterm },
        [OVERDUE] = { "rq_station_overdue", 2, pnow },
        [TREND] = { "rq_station_trend", 3, ptrend },
    };
    int skip = known ? 0 : 1;
    if (reporting_query_batch (ctx, calls + skip, PARTS - skip, res + skip)) {
        PQclear (res [STATION]);
        return NULL;
    }
    report_t *r = NULL;
    const PGresult *st = res [STATION];
    if (PQntuples (st) != 1) {
        report_fail (ctx, 404, "load it with `leadline admin import org.csv`",
                     "station %s is not registered", station_id);
        goto done;
    }
    char zone [64], asof [32], start [11], end [11];
    snprintf (zone, sizeof zone, "%s", rq_text (st, 0, 6));
    snprintf (asof, sizeof asof, "%s", rq_text (st, 0, 8));
    reporting_day_format (per.start, start);
    reporting_day_format (per.end, end);

    r = report_new ("station", "Station Summary Report");
    report_subtitle (r, "%s — %s, %s to %s", rq_text (st, 0, 1), per.term, start, end);
    report_generated (r, asof);
    report_meta (r, "station", "Station", "%s (%s)", rq_text (st, 0, 1), station_id);
    report_meta (r, "office", "Office", "%s (%s)", rq_text (st, 0, 3), rq_text (st, 0, 2));
    report_meta (r, "district", "District", "%s (%s)", rq_text (st, 0, 5), rq_text (st, 0, 4));
    report_meta (r, "period", "Period", "%s, %s to %s", per.term, start, end);
    report_meta (r, "as_of", "As of", "%s %s", asof, zone);
    const PGresult *programs = res [PROGRAMS], *products = res [PRODUCTS], *part = res [PART],
                   *top = res [TOP], *over = res [OVERDUE], *trend = res [TREND];

    reporting_measures_t total;
    s_programs (r, programs, &total);

    report_table_t *t = report_table (r, "by_product", "Leads by program and product");
    report_table_note (t, "A lead names one or more products of interest and counts under each.");
    report_col (t, "program", "Program", REPORT_COL_TEXT);
    report_col (t, "product", "Product", REPORT_COL_TEXT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "originals", "Not duplicates", REPORT_COL_INT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    for (int i = 0; i < PQntuples (products); i++) {
        report_row (t);
        report_cell_text (t, reporting_program_name ((int) rq_int (products, i, 0)));
        report_cell_text (t, reporting_product_name ((int) rq_int (products, i, 1)));
        report_cell_int (t, rq_int (products, i, 2));
        report_cell_int (t, rq_int (products, i, 3));
        report_cell_int (t, rq_int (products, i, 4));
    }

    int64_t headcount = rq_int (part, 0, 0), participants = rq_int (part, 0, 1);
    t = report_table (r, "participation", "Participation");
    report_table_note (t, "Employees of the station who handed in at least one lead that was "
                          "not a duplicate in the period, over the station's headcount.");
    report_col (t, "participants", "Employees with a lead", REPORT_COL_INT);
    report_col (t, "headcount", "Headcount", REPORT_COL_INT);
    report_col (t, "participation", "Participation", REPORT_COL_PCT);
    report_col (t, "target", "Target", REPORT_COL_PCT);
    report_row (t);
    report_cell_int (t, participants);
    report_cell_int (t, headcount);
    report_cell_share (t, participants, headcount);
    report_cell_pct (t, ctx->target_pct);

    t = report_table (r, "top_submitters", "Top submitters");
    report_col (t, "rank", "Rank", REPORT_COL_INT);
    report_col (t, "employee", "Employee", REPORT_COL_TEXT);
    report_col (t, "name", "Name", REPORT_COL_TEXT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    for (int i = 0; i < PQntuples (top); i++) {
        report_row (t);
        report_cell_int (t, i + 1);
        report_cell_text (t, rq_text (top, i, 0));
        report_cell_text (t, rq_text (top, i, 1));
        report_cell_int (t, rq_int (top, i, 2));
        report_cell_int (t, rq_int (top, i, 3));
        report_cell_money (t, rq_int (top, i, 4));
    }

    int64_t overdue = PQntuples (over) ? rq_int (over, 0, 8) : 0;
    t = report_table (r, "past_deadline", "Leads now past a deadline");
    char note [160];
    snprintf (note, sizeof note, "Leads of any period with no contact 48 hours after entry, as "
              "of %s: %lld%s.", asof, (long long) overdue, overdue > 50 ? " (the oldest 50 shown)" : "");
    report_table_note (t, note);
    report_col (t, "lead", "Lead", REPORT_COL_TEXT);
    report_col (t, "business", "Business", REPORT_COL_TEXT);
    report_col (t, "handed_in_by", "Handed in by", REPORT_COL_TEXT);
    report_col (t, "entered", "Entered", REPORT_COL_TEXT);
    report_col (t, "contact_due", "Contact due", REPORT_COL_TEXT);
    report_col (t, "hours_over", "Hours over", REPORT_COL_INT);
    report_col (t, "rep", "Rep", REPORT_COL_TEXT);
    report_col (t, "escalation", "Escalation level", REPORT_COL_INT);
    for (int i = 0; i < PQntuples (over); i++) {
        report_row (t);
        for (int c = 0; c < 5; c++)
            report_cell_text (t, rq_text (over, i, c));
        report_cell_int (t, rq_int (over, i, 5));
        report_cell_text (t, rq_text (over, i, 6));
        report_cell_int (t, rq_int (over, i, 7));
    }

    report_chart_t *ch = report_chart (r, "participation", "Participation against target",
                                       REPORT_CHART_BAR, "%");
    char label [64];
    snprintf (label, sizeof label, "target %.0f%%", ctx->target_pct);
    report_chart_target (ch, ctx->target_pct, label);
    report_chart_point (ch, "This station", headcount ? 100.0 * (double) participants / (double) headcount : 0);
    ch = report_chart (r, "deadlines", "Deadline compliance", REPORT_CHART_BAR, "%");
    snprintf (label, sizeof label, "goal %.0f%%", ctx->deadline_goal);
    report_chart_target (ch, ctx->deadline_goal, label);
    report_chart_point (ch, "Entered within 24 h",
        total.cards ? 100.0 * (double) total.entry_on_time / (double) total.cards : 0);
    report_chart_point (ch, "Contacted within 48 h",
        total.originals ? 100.0 * (double) total.contact_on_time / (double) total.originals : 0);
    ch = report_chart (r, "leads_over_time", "Leads by period this fiscal year",
                       REPORT_CHART_BAR, "leads");
    for (int i = 0, k = 0; k < per.index; k++) {
        char term [16];
        snprintf (term, sizeof term, "FY%dP%02d", per.fy, k + 1);
        int64_t leads = 0;
        if (i < PQntuples (trend) && strcmp (rq_text (trend, i, 0), term) == 0)
            leads = rq_int (trend, i++, 1);
        report_chart_point (ch, term + 6, (double) leads);
    }
    report_note (r, "Periods are two weeks from 1 October in the district's time zone (%s); "
                 "a lead counts in the period its card was completed.", zone);
    report_note (r, "Deadlines: entered within 24 hours of the card; first contact attempt within "
                 "48 hours of entry (calendar hours unless the SLA watcher ruled otherwise).");
done:
    for (int i = 0; i < PARTS; i++)
        PQclear (res [i]);
    return r;
}
