/*  report_campaign — a fiscal year's campaign (the "Power of One" kind):
    participation against the target (35% by default) by district, office,
    craft and program; lead counts; estimated annualized revenue and new
    revenue; the trend over the year by two-week period. Nationwide, or for
    one district.
    New revenue is what the won leads have brought in so far: each won
    lead's annualized estimate accrued day by day from the day it was won
    to the report's date (or the year's end). */
#include "reporting_queries.h"
#include "reporting_period.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char id [64];
    char name [128];
    char parent [64];
    int64_t headcount, participants;
    reporting_measures_t m;
} unit_t;

static unit_t *
s_find (unit_t *units, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (strcmp (units [i].id, id) == 0)
            return &units [i];
    return NULL;
}

//  Units (districts or offices) from org, then their measures and
//  participants from the roll-ups.
static unit_t *
s_units (const PGresult *org, int parent_col, const PGresult *meas, const PGresult *parts, int *n_out)
{
    int n = PQntuples (org);
    unit_t *units = calloc ((size_t) (n ? n : 1), sizeof *units);
    if (!units)
        return NULL;
    for (int i = 0; i < n; i++) {
        snprintf (units [i].id, sizeof units [i].id, "%s", rq_text (org, i, 0));
        snprintf (units [i].name, sizeof units [i].name, "%s", rq_text (org, i, 1));
        if (parent_col >= 0)
            snprintf (units [i].parent, sizeof units [i].parent, "%s", rq_text (org, i, parent_col));
        units [i].headcount = rq_int (org, i, PQnfields (org) - 1);
    }
    for (int i = 0; i < PQntuples (meas); i++) {
        unit_t *u = s_find (units, n, rq_text (meas, i, 0));
        if (u)
            rq_measures (meas, i, 1, &u->m);
    }
    for (int i = 0; i < PQntuples (parts); i++) {
        unit_t *u = s_find (units, n, rq_text (parts, i, 0));
        if (u)
            u->participants = rq_int (parts, i, 1);
    }
    *n_out = n;
    return units;
}

static void
s_unit_table (report_t *r, const char *id, const char *title, const char *what,
              const unit_t *units, int n, double target, bool parent)
{
    report_table_t *t = report_table (r, id, title);
    report_col (t, what, what [0] == 'd' ? "District" : "Office", REPORT_COL_TEXT);
    report_col (t, "name", "Name", REPORT_COL_TEXT);
    if (parent)
        report_col (t, "district", "District", REPORT_COL_TEXT);
    report_col (t, "participants", "Employees with a lead", REPORT_COL_INT);
    report_col (t, "headcount", "Headcount", REPORT_COL_INT);
    report_col (t, "participation", "Participation", REPORT_COL_PCT);
    report_col (t, "target_met", "Target met", REPORT_COL_BOOL);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    for (int i = 0; i < n; i++) {
        const unit_t *u = &units [i];
        report_row (t);
        report_cell_text (t, u->id);
        report_cell_text (t, u->name);
        if (parent)
            report_cell_text (t, u->parent);
        report_cell_int (t, u->participants);
        report_cell_int (t, u->headcount);
        report_cell_share (t, u->participants, u->headcount);
        report_cell_bool (t, u->headcount > 0
                             && 100.0 * (double) u->participants / (double) u->headcount >= target);
        report_cell_int (t, u->m.cards);
        report_cell_int (t, u->m.won);
        report_cell_money (t, u->m.revenue_cents);
    }
}

report_t *
report_campaign_build (report_ctx_t *ctx, const char *fy_text, const char *district_id,
                       const char *name)
{
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) ctx->now_us);
    const char *scope = district_id ? district_id : "";
    char zone [64] = "UTC", asof [40] = "", scope_name [128] = "All districts";
    int32_t today;
    PGresult *res;
    if (*scope) {
        const char *p [] = { now, scope };
        if (!(res = reporting_query (ctx, "rq_district", 2, p)))
            return NULL;
        if (PQntuples (res) != 1) {
            PQclear (res);
            return report_fail (ctx, 404, "load it with `leadline admin import org.csv`, or leave "
                                "district out for every district", "district %s is not registered",
                                scope);
        }
        snprintf (zone, sizeof zone, "%s", rq_text (res, 0, 2));
        snprintf (asof, sizeof asof, "%s", rq_text (res, 0, 4));
        snprintf (scope_name, sizeof scope_name, "%s (%s)", rq_text (res, 0, 1), scope);
        today = (int32_t) rq_int (res, 0, 3);
    }
    else {
        const char *p [] = { now };
        if (!(res = reporting_query (ctx, "rq_utc_today", 1, p)))
            return NULL;
        today = (int32_t) rq_int (res, 0, 0);
        snprintf (asof, sizeof asof, "%s", rq_text (res, 0, 1));
    }
    PQclear (res);

    int fy = reporting_fiscal_year (today);
    if (fy_text && *fy_text && strcmp (fy_text, "current") != 0) {
        const char *f = fy_text;
        if ((f [0] == 'F' || f [0] == 'f') && (f [1] == 'Y' || f [1] == 'y'))
            f += 2;
        char *end;
        long v = strtol (f, &end, 10);
        if (*end || v < 1901 || v > 9999 || strlen (f) != 4)
            return report_fail (ctx, 400, "use fy=2027 (1 October 2026 to 30 September 2027)",
                                "fiscal year '%s' is not a year", fy_text);
        fy = (int) v;
    }
    reporting_period_t year, p1, p26;
    reporting_year (fy, &year);
    reporting_period_nth (fy, 1, &p1);
    reporting_period_nth (fy, 26, &p26);
    int32_t asof_day = today < year.end ? today : year.end;
    char start [11], end [11], asof_date [11];
    reporting_day_format (year.start, start);
    reporting_day_format (year.end, end);
    reporting_day_format (asof_day, asof_date);

    PGresult *dorg = NULL, *dmeas = NULL, *dpart = NULL, *oorg = NULL, *omeas = NULL,
             *opart = NULL, *crafts = NULL, *total = NULL, *progs = NULL, *trend = NULL,
             *newrev = NULL;
    unit_t *districts = NULL, *offices = NULL;
    report_t *r = NULL;
    const char *pa [] = { year.term, scope };
    const char *pb [] = { scope };
    const char *pc [] = { p1.term, p26.term, scope };
    const char *pd [] = { start, asof_date, scope };
    if (!(dorg = reporting_query (ctx, "rq_campaign_districts", 1, pb))
    ||  !(dmeas = reporting_query (ctx, "rq_campaign_district_measures", 2, pa))
    ||  !(dpart = reporting_query (ctx, "rq_campaign_district_participants", 2, pa))
    ||  !(oorg = reporting_query (ctx, "rq_campaign_offices", 1, pb))
    ||  !(omeas = reporting_query (ctx, "rq_campaign_office_measures", 2, pa))
    ||  !(opart = reporting_query (ctx, "rq_campaign_office_participants", 2, pa))
    ||  !(crafts = reporting_query (ctx, "rq_campaign_crafts", 2, pa))
    ||  !(total = reporting_query (ctx, "rq_campaign_participants", 2, pa))
    ||  !(progs = reporting_query (ctx, "rq_campaign_programs", 2, pa))
    ||  !(trend = reporting_query (ctx, "rq_campaign_trend", 3, pc))
    ||  (asof_day >= year.start && !(newrev = reporting_query (ctx, "rq_campaign_new_revenue", 3, pd))))
        goto done;
    int nd = 0, no = 0;
    districts = s_units (dorg, -1, dmeas, dpart, &nd);
    offices = s_units (oorg, 2, omeas, opart, &no);
    if (!districts || !offices) {
        report_fail (ctx, 503, NULL, "out of memory");
        goto done;
    }
    reporting_measures_t all = { 0 };
    int64_t headcount = 0;
    for (int i = 0; i < PQntuples (dmeas); i++) {
        reporting_measures_t m;
        rq_measures (dmeas, i, 1, &m);
        reporting_measures_add (&all, &m);
    }
    for (int i = 0; i < nd; i++)
        headcount += districts [i].headcount;
    int64_t participants = rq_int (total, 0, 0);
    int64_t new_revenue = newrev ? rq_int (newrev, 0, 0) : 0;

    char title [160];
    snprintf (title, sizeof title, "Campaign Report%s%s", name && *name ? ": " : "",
              name && *name ? name : "");
    r = report_new ("campaign", title);
    report_subtitle (r, "%s — FY%d, %s to %s", scope_name, fy, start, end);
    report_generated (r, asof);
    if (name && *name)
        report_meta (r, "campaign", "Campaign", "%s", name);
    report_meta (r, "fiscal_year", "Fiscal year", "FY%d, %s to %s", fy, start, end);
    report_meta (r, "scope", "Scope", "%s", scope_name);
    report_meta (r, "target", "Participation target", "%.1f%%", ctx->target_pct);
    report_meta (r, "as_of", "As of", "%s %s", asof, *scope ? zone : "");

    report_table_t *t = report_table (r, "summary", "Campaign so far");
    report_col (t, "participants", "Employees with a lead", REPORT_COL_INT);
    report_col (t, "headcount", "Headcount", REPORT_COL_INT);
    report_col (t, "participation", "Participation", REPORT_COL_PCT);
    report_col (t, "target", "Target", REPORT_COL_PCT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "originals", "Not duplicates", REPORT_COL_INT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    report_col (t, "new_revenue", "New revenue so far", REPORT_COL_MONEY);
    report_row (t);
    report_cell_int (t, participants);
    report_cell_int (t, headcount);
    report_cell_share (t, participants, headcount);
    report_cell_pct (t, ctx->target_pct);
    report_cell_int (t, all.cards);
    report_cell_int (t, all.originals);
    report_cell_int (t, all.won);
    report_cell_money (t, all.revenue_cents);
    report_cell_money (t, new_revenue);

    s_unit_table (r, "by_district", "Participation by district", "district", districts, nd,
                  ctx->target_pct, false);
    s_unit_table (r, "by_office", "Participation by office", "office", offices, no,
                  ctx->target_pct, true);

    t = report_table (r, "by_craft", "Participation by craft");
    report_table_note (t, "Crafts and programs as the org data places employees today.");
    report_col (t, "craft", "Craft", REPORT_COL_TEXT);
    report_col (t, "program", "Program", REPORT_COL_TEXT);
    report_col (t, "participants", "Employees with a lead", REPORT_COL_INT);
    report_col (t, "headcount", "Headcount", REPORT_COL_INT);
    report_col (t, "participation", "Participation", REPORT_COL_PCT);
    int64_t prog_head [7] = { 0 }, prog_part [7] = { 0 };
    static const char *prog_keys [7] = { "", "customer_connect", "clerks_care", "mail_handlers",
                                         "rural_reach", "business_connect", "submit_a_lead" };
    for (int i = 0; i < PQntuples (crafts); i++) {
        int p = 0;
        for (int k = 1; k < 7; k++)
            if (strcmp (rq_text (crafts, i, 1), prog_keys [k]) == 0)
                p = k;
        prog_head [p] += rq_int (crafts, i, 2);
        prog_part [p] += rq_int (crafts, i, 3);
        report_row (t);
        report_cell_text (t, rq_text (crafts, i, 0));
        report_cell_text (t, reporting_program_name (p));
        report_cell_int (t, rq_int (crafts, i, 3));
        report_cell_int (t, rq_int (crafts, i, 2));
        report_cell_share (t, rq_int (crafts, i, 3), rq_int (crafts, i, 2));
    }

    t = report_table (r, "by_program", "Participation and leads by program");
    report_table_note (t, "Participation by the program of the employee's craft; leads, wins and "
                          "revenue by the program named on the card.");
    report_col (t, "program", "Program", REPORT_COL_TEXT);
    report_col (t, "participants", "Employees with a lead", REPORT_COL_INT);
    report_col (t, "headcount", "Headcount", REPORT_COL_INT);
    report_col (t, "participation", "Participation", REPORT_COL_PCT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    reporting_measures_t pm [7];
    memset (pm, 0, sizeof pm);
    for (int i = 0; i < PQntuples (progs); i++) {
        int p = (int) rq_int (progs, i, 0);
        if (p >= 0 && p < 7)
            rq_measures (progs, i, 1, &pm [p]);
    }
    for (int p = 1; p < 7; p++) {
        if (prog_head [p] == 0 && pm [p].cards == 0)
            continue;
        report_row (t);
        report_cell_text (t, reporting_program_name (p));
        report_cell_int (t, prog_part [p]);
        report_cell_int (t, prog_head [p]);
        report_cell_share (t, prog_part [p], prog_head [p]);
        report_cell_int (t, pm [p].cards);
        report_cell_int (t, pm [p].won);
        report_cell_money (t, pm [p].revenue_cents);
    }

    t = report_table (r, "trend", "The year by two-week period");
    report_col (t, "period", "Period", REPORT_COL_TEXT);
    report_col (t, "from", "From", REPORT_COL_TEXT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    report_col (t, "cumulative_leads", "Leads so far", REPORT_COL_INT);
    report_chart_t *lead_chart = report_chart (r, "leads_over_time", "Leads by two-week period",
                                               REPORT_CHART_BAR, "leads");
    int64_t cumulative = 0;
    for (int k = 1, row = 0; k <= 26; k++) {
        reporting_period_t per;
        reporting_period_nth (fy, k, &per);
        if (per.start > asof_day)
            break;
        int64_t leads = 0, won = 0, revenue = 0;
        if (row < PQntuples (trend) && strcmp (rq_text (trend, row, 0), per.term) == 0) {
            leads = rq_int (trend, row, 1);
            won = rq_int (trend, row, 3);
            revenue = rq_int (trend, row, 4);
            row++;
        }
        cumulative += leads;
        char from [11];
        reporting_day_format (per.start, from);
        report_row (t);
        report_cell_text (t, per.term);
        report_cell_text (t, from);
        report_cell_int (t, leads);
        report_cell_int (t, won);
        report_cell_money (t, revenue);
        report_cell_int (t, cumulative);
        report_chart_point (lead_chart, per.term + 6, (double) leads);
    }

    char label [64];
    snprintf (label, sizeof label, "target %.0f%%", ctx->target_pct);
    bool by_office = *scope != 0;
    report_chart_t *ch = report_chart (r, "participation", by_office
        ? "Participation against target, by office" : "Participation against target, by district",
        REPORT_CHART_BAR, "%");
    report_chart_target (ch, ctx->target_pct, label);
    const unit_t *units = by_office ? offices : districts;
    for (int i = 0; i < (by_office ? no : nd); i++)
        report_chart_point (ch, units [i].id, units [i].headcount
            ? 100.0 * (double) units [i].participants / (double) units [i].headcount : 0);
    ch = report_chart (r, "deadlines", by_office ? "Contacted within 48 h, by office"
                       : "Contacted within 48 h, by district", REPORT_CHART_BAR, "%");
    snprintf (label, sizeof label, "goal %.0f%%", ctx->deadline_goal);
    report_chart_target (ch, ctx->deadline_goal, label);
    for (int i = 0; i < (by_office ? no : nd); i++)
        report_chart_point (ch, units [i].id, units [i].m.originals
            ? 100.0 * (double) units [i].m.contact_on_time / (double) units [i].m.originals : 0);
    report_note (r, "Participation: employees who handed in at least one lead that was not a "
                 "duplicate during the fiscal year, over headcount in the org data today.");
    report_note (r, "New revenue so far: each won lead's estimated annualized revenue, accrued "
                 "daily from the day it was won to %s.", asof_date);
done:
    free (districts);
    free (offices);
    PQclear (dorg);
    PQclear (dmeas);
    PQclear (dpart);
    PQclear (oorg);
    PQclear (omeas);
    PQclear (opart);
    PQclear (crafts);
    PQclear (total);
    PQclear (progs);
    PQclear (trend);
    PQclear (newrev);
    return r;
}
