/*  report_district — the District Quarterly Review, for the quarterly
    teleconference. It ranks the district's offices by a score and answers
    the questions of the program's memos:
      - which offices are doing well, and why (the metrics where they beat
        the district most);
      - which are not, and why not (the metric that lags most, named);
      - are the mandates kept: both coordinators named, a station report
        published for every station each period, deadlines met.
    Score (0-100) = 40 x participation against the target (capped at 1)
                  + 20 x share entered within 24 h + 20 x share contacted
                  within 48 h + 20 x conversion. */
#include "reporting_queries.h"
#include "reporting_period.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char id [64];
    char name [128];
    char union_coord [128];
    char mgmt_coord [128];
    int64_t stations, headcount, participants, published, expected;
    reporting_measures_t m;
    double metric [4];         // participation, entry, contact, conversion (NAN = no data)
    double score;
    int rank;
} office_t;

enum { M_PARTICIPATION, M_ENTRY, M_CONTACT, M_CONVERSION, M_COUNT };
static const char *s_metric_names [] = {
    "participation", "entered within 24 h", "contacted within 48 h", "conversion"
};

static double
s_share (int64_t num, int64_t den)
{
    return den > 0 ? 100.0 * (double) num / (double) den : NAN;
}

static void
s_metrics (double *metric, int64_t participants, int64_t headcount, const reporting_measures_t *m)
{
    metric [M_PARTICIPATION] = s_share (participants, headcount);
    metric [M_ENTRY] = s_share (m->entry_on_time, m->cards);
    metric [M_CONTACT] = s_share (m->contact_on_time, m->originals);
    metric [M_CONVERSION] = s_share (m->won, reporting_closed (m));
}

static double
s_score (const double *metric, double target)
{
    double p = isnan (metric [M_PARTICIPATION]) ? 0 : metric [M_PARTICIPATION] / target;
    double s = 40.0 * (p > 1 ? 1 : p);
    for (int k = M_ENTRY; k <= M_CONVERSION; k++)
        s += isnan (metric [k]) ? 0 : 20.0 * metric [k] / 100.0;
    return s;
}

static int
s_by_score (const void *a, const void *b)
{
    const office_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp (x->id, y->id);
}

static office_t *
s_find (office_t *offices, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (strcmp (offices [i].id, id) == 0)
            return &offices [i];
    return NULL;
}

//  "contacted within 48 h 98.0% (district 90.1%)"
static void
s_describe (char *buf, size_t len, int k, const office_t *o, const double *district, double target)
{
    if (k == M_PARTICIPATION)
        snprintf (buf, len, "%s %.1f%% (district %.1f%%, target %.0f%%)", s_metric_names [k],
                  isnan (o->metric [k]) ? 0 : o->metric [k],
                  isnan (district [k]) ? 0 : district [k], target);
    else
    if (isnan (o->metric [k]))
        snprintf (buf, len, "%s: no data", s_metric_names [k]);
    else
        snprintf (buf, len, "%s %.1f%% (district %.1f%%)", s_metric_names [k], o->metric [k],
                  isnan (district [k]) ? 0 : district [k]);
}

static void
s_well_why (char *buf, size_t len, const office_t *o, const double *district, double target)
{
    //  The two metrics where the office is furthest above the district.
    int best [2] = { -1, -1 };
    double gap [2] = { -INFINITY, -INFINITY };
    for (int k = 0; k < M_COUNT; k++) {
        if (isnan (o->metric [k]))
            continue;
        double g = o->metric [k] - (isnan (district [k]) ? 0 : district [k]);
        if (g > gap [0]) {
            best [1] = best [0]; gap [1] = gap [0];
            best [0] = k; gap [0] = g;
        }
        else
        if (g > gap [1]) {
            best [1] = k; gap [1] = g;
        }
    }
    if (best [0] < 0) {
        snprintf (buf, len, "no leads this quarter");
        return;
    }
    char a [160], b [160] = "";
    s_describe (a, sizeof a, best [0], o, district, target);
    if (best [1] >= 0 && gap [1] > 0)
        s_describe (b, sizeof b, best [1], o, district, target);
    snprintf (buf, len, "%s%s%s", a, *b ? "; " : "", b);
}

//  The metric that lags most behind the district (participation also
//  against the target). Returns its index.
static int
s_lagging (const office_t *o, const double *district, double target)
{
    if (o->m.cards == 0)
        return M_PARTICIPATION;
    int worst = M_PARTICIPATION;
    double gap = -INFINITY;
    for (int k = 0; k < M_COUNT; k++) {
        double ref = isnan (district [k]) ? 0 : district [k];
        if (k == M_PARTICIPATION && target > ref)
            ref = target;
        double v = isnan (o->metric [k]) ? 0 : o->metric [k];
        if (ref - v > gap) {
            gap = ref - v;
            worst = k;
        }
    }
    return worst;
}

report_t *
report_district_build (report_ctx_t *ctx, const char *district_id, const char *quarter)
{
    if (!district_id || !*district_id)
        return report_fail (ctx, 400, "add ?district=ID", "which district? the district "
                            "parameter is missing");
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) ctx->now_us);
    const char *p1 [] = { now, district_id };
    PGresult *dist = reporting_query (ctx, "rq_district", 2, p1);
    if (!dist)
        return NULL;
    if (PQntuples (dist) != 1) {
        PQclear (dist);
        return report_fail (ctx, 404, "load it with `leadline admin import org.csv`",
                            "district %s is not registered", district_id);
    }
    int32_t today = (int32_t) rq_int (dist, 0, 3);
    reporting_period_t q;
    if (!quarter || !*quarter || strcmp (quarter, "current") == 0)
        reporting_quarter_of (today, &q);
    else
    if (reporting_quarter_parse (quarter, &q)) {
        PQclear (dist);
        return report_fail (ctx, 400, "use quarter=FY2027Q1 (Q1 is October to December) or "
                            "quarter=current", "quarter '%s' is not a fiscal quarter", quarter);
    }
    char zone [64], asof [32], start [11], end [11], dname [128];
    snprintf (zone, sizeof zone, "%s", rq_text (dist, 0, 2));
    snprintf (asof, sizeof asof, "%s", rq_text (dist, 0, 4));
    snprintf (dname, sizeof dname, "%s", rq_text (dist, 0, 1));
    PQclear (dist);
    reporting_day_format (q.start, start);
    reporting_day_format (q.end, end);

    //  Periods whose report should be out: ended within the quarter, before
    //  today, and not before publishing began.
    int64_t periods_due = 0;
    int32_t first_due = 0, last_due = 0;
    PGresult *res = reporting_query (ctx, "rq_publish_first", 0, NULL);
    if (!res)
        return NULL;
    int32_t publish_from = PQntuples (res) ? (int32_t) rq_int (res, 0, 0) : INT32_MAX;
    PQclear (res);
    reporting_period_t per;
    for (reporting_period_of (q.start, &per); per.start <= q.end; reporting_period_of (per.end + 1, &per))
        if (per.end >= q.start && per.end <= q.end && per.end < today && per.start >= publish_from) {
            if (!periods_due++)
                first_due = per.end;
            last_due = per.end;
        }
    char due1 [11], due2 [11];
    reporting_day_format (first_due, due1);
    reporting_day_format (last_due, due2);

    PGresult *offs = NULL, *meas = NULL, *parts = NULL, *pubs = NULL, *trend = NULL;
    office_t *offices = NULL;
    report_t *r = NULL;
    const char *p2 [] = { district_id, q.term };
    const char *p3 [] = { district_id, due1, due2 };
    reporting_period_t pfirst, plast;
    reporting_period_of (q.start, &pfirst);
    reporting_period_of (q.end, &plast);
    const char *p4 [] = { district_id, pfirst.term, plast.term };
    const char *p5 [] = { district_id };
    if (!(offs = reporting_query (ctx, "rq_district_offices", 1, p5))
    ||  !(meas = reporting_query (ctx, "rq_district_measures", 2, p2))
    ||  !(parts = reporting_query (ctx, "rq_district_participants", 2, p2))
    ||  !(pubs = reporting_query (ctx, "rq_district_published", 3, p3))
    ||  !(trend = reporting_query (ctx, "rq_district_trend", 3, p4)))
        goto done;

    int n = PQntuples (offs);
    offices = calloc ((size_t) (n ? n : 1), sizeof *offices);
    if (!offices) {
        report_fail (ctx, 503, NULL, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        office_t *o = &offices [i];
        snprintf (o->id, sizeof o->id, "%s", rq_text (offs, i, 0));
        snprintf (o->name, sizeof o->name, "%s", rq_text (offs, i, 1));
        snprintf (o->union_coord, sizeof o->union_coord, "%s", rq_text (offs, i, 2));
        snprintf (o->mgmt_coord, sizeof o->mgmt_coord, "%s", rq_text (offs, i, 3));
        o->stations = rq_int (offs, i, 4);
        o->headcount = rq_int (offs, i, 5);
        o->expected = o->stations * periods_due;
    }
    reporting_measures_t dm = { 0 };
    int64_t dparticipants = 0, dheadcount = 0;
    for (int i = 0; i < PQntuples (meas); i++) {
        reporting_measures_t m;
        rq_measures (meas, i, 1, &m);
        reporting_measures_add (&dm, &m);
        office_t *o = s_find (offices, n, rq_text (meas, i, 0));
        if (o)
            o->m = m;
    }
    for (int i = 0; i < PQntuples (parts); i++) {
        dparticipants += rq_int (parts, i, 1);
        office_t *o = s_find (offices, n, rq_text (parts, i, 0));
        if (o)
            o->participants = rq_int (parts, i, 1);
    }
    for (int i = 0; i < PQntuples (pubs); i++) {
        office_t *o = s_find (offices, n, rq_text (pubs, i, 0));
        if (o)
            o->published = periods_due ? rq_int (pubs, i, 1) : 0;
    }
    for (int i = 0; i < n; i++) {
        dheadcount += offices [i].headcount;
        s_metrics (offices [i].metric, offices [i].participants, offices [i].headcount, &offices [i].m);
        offices [i].score = s_score (offices [i].metric, ctx->target_pct);
    }
    double district [M_COUNT];
    s_metrics (district, dparticipants, dheadcount, &dm);
    qsort (offices, (size_t) n, sizeof *offices, s_by_score);
    for (int i = 0; i < n; i++)
        offices [i].rank = i + 1;
    int third = n / 3 > 0 ? n / 3 : 1;

    r = report_new ("district", "District Quarterly Review");
    report_subtitle (r, "%s — %s, %s to %s", dname, q.term, start, end);
    report_generated (r, asof);
    report_meta (r, "district", "District", "%s (%s)", dname, district_id);
    report_meta (r, "quarter", "Quarter", "%s, %s to %s", q.term, start, end);
    report_meta (r, "offices", "Offices", "%d", n);
    report_meta (r, "as_of", "As of", "%s %s", asof, zone);
    report_meta (r, "target", "Participation target", "%.0f%%", ctx->target_pct);
    report_meta (r, "deadline_goal", "Deadline goal", "%.0f%% of leads", ctx->deadline_goal);

    report_table_t *t = report_table (r, "ranking", "Offices ranked");
    report_table_note (t, "Score (0-100): 40 x participation against the target (at most 1), "
        "20 x share entered within 24 h, 20 x share contacted within 48 h, 20 x conversion.");
    report_col (t, "rank", "Rank", REPORT_COL_INT);
    report_col (t, "office", "Office", REPORT_COL_TEXT);
    report_col (t, "name", "Name", REPORT_COL_TEXT);
    report_col (t, "score", "Score", REPORT_COL_DECIMAL);
    report_col (t, "participation", "Participation", REPORT_COL_PCT);
    report_col (t, "leads", "Leads", REPORT_COL_INT);
    report_col (t, "entered_24h", "Entered within 24 h", REPORT_COL_PCT);
    report_col (t, "contacted_48h", "Contacted within 48 h", REPORT_COL_PCT);
    report_col (t, "won", "Won", REPORT_COL_INT);
    report_col (t, "conversion", "Conversion", REPORT_COL_PCT);
    report_col (t, "revenue", "Est. annual revenue", REPORT_COL_MONEY);
    for (int i = 0; i <= n; i++) {
        bool all = i == n;
        const office_t *o = all ? NULL : &offices [i];
        const double *mv = all ? district : o->metric;
        const reporting_measures_t *m = all ? &dm : &o->m;
        report_row (t);
        if (all)
            report_cell_null (t);
        else
            report_cell_int (t, o->rank);
        report_cell_text (t, all ? "" : o->id);
        report_cell_text (t, all ? "District" : o->name);
        if (all)
            report_cell_null (t);
        else
            report_cell_decimal (t, o->score);
        report_cell_pct (t, mv [M_PARTICIPATION]);
        report_cell_int (t, m->cards);
        report_cell_pct (t, mv [M_ENTRY]);
        report_cell_pct (t, mv [M_CONTACT]);
        report_cell_int (t, m->won);
        report_cell_pct (t, mv [M_CONVERSION]);
        report_cell_money (t, m->revenue_cents);
    }

    char why [400];
    t = report_table (r, "doing_well", "Which offices are doing well, and why?");
    report_col (t, "office", "Office", REPORT_COL_TEXT);
    report_col (t, "name", "Name", REPORT_COL_TEXT);
    report_col (t, "why", "Why", REPORT_COL_TEXT);
    for (int i = 0; i < n && i < third; i++) {
        if (offices [i].m.cards == 0)
            continue;       // nothing handed in is not doing well
        report_row (t);
        report_cell_text (t, offices [i].id);
        report_cell_text (t, offices [i].name);
        s_well_why (why, sizeof why, &offices [i], district, ctx->target_pct);
        report_cell_text (t, why);
    }
    t = report_table (r, "not_doing_well", "Which offices are not doing well, and why not?");
    report_col (t, "office", "Office", REPORT_COL_TEXT);
    report_col (t, "name", "Name", REPORT_COL_TEXT);
    report_col (t, "lagging_metric", "Lagging metric", REPORT_COL_TEXT);
    report_col (t, "why", "Why not", REPORT_COL_TEXT);
    for (int i = n - 1; i >= third && i >= n - third; i--) {
        const office_t *o = &offices [i];
        int k = s_lagging (o, district, ctx->target_pct);
        report_row (t);
        report_cell_text (t, o->id);
        report_cell_text (t, o->name);
        report_cell_text (t, s_metric_names [k]);
        if (o->m.cards == 0)
            snprintf (why, sizeof why, "no leads handed in this quarter");
        else
            s_describe (why, sizeof why, k, o, district, ctx->target_pct);
        report_cell_text (t, why);
    }

    t = report_table (r, "mandates", "Are the mandates kept?");
    char note [200];
    snprintf (note, sizeof note, "Both coordinators named; a station report published for each "
              "station each period that ended (%lld so far this quarter); at least %.0f%% of "
              "leads meeting each deadline.", (long long) periods_due, ctx->deadline_goal);
    report_table_note (t, note);
    report_col (t, "office", "Office", REPORT_COL_TEXT);
    report_col (t, "union_coordinator", "Union coordinator", REPORT_COL_TEXT);
    report_col (t, "management_coordinator", "Management coordinator", REPORT_COL_TEXT);
    report_col (t, "reports_published", "Reports published", REPORT_COL_INT);
    report_col (t, "reports_due", "Reports due", REPORT_COL_INT);
    report_col (t, "entered_24h", "Entered within 24 h", REPORT_COL_PCT);
    report_col (t, "contacted_48h", "Contacted within 48 h", REPORT_COL_PCT);
    report_col (t, "kept", "Mandates kept", REPORT_COL_BOOL);
    report_col (t, "missing", "What is missing", REPORT_COL_TEXT);
    for (int i = 0; i < n; i++) {
        const office_t *o = &offices [i];
        char missing [300] = "";
        size_t len = 0;
        if (!*o->union_coord || !*o->mgmt_coord)
            len += (size_t) snprintf (missing + len, sizeof missing - len, "%s%s coordinator not named",
                len ? "; " : "", !*o->union_coord && !*o->mgmt_coord ? "union and management"
                : !*o->union_coord ? "union" : "management");
        if (len < sizeof missing && o->published < o->expected)
            len += (size_t) snprintf (missing + len, sizeof missing - len,
                "%s%lld of %lld station reports not published", len ? "; " : "",
                (long long) (o->expected - o->published), (long long) o->expected);
        if (len < sizeof missing && !isnan (o->metric [M_ENTRY]) && o->metric [M_ENTRY] < ctx->deadline_goal)
            len += (size_t) snprintf (missing + len, sizeof missing - len,
                "%sentry deadline met for %.1f%%", len ? "; " : "", o->metric [M_ENTRY]);
        if (len < sizeof missing && !isnan (o->metric [M_CONTACT]) && o->metric [M_CONTACT] < ctx->deadline_goal)
            len += (size_t) snprintf (missing + len, sizeof missing - len,
                "%scontact deadline met for %.1f%%", len ? "; " : "", o->metric [M_CONTACT]);
        report_row (t);
        report_cell_text (t, o->id);
        if (*o->union_coord)
            report_cell_text (t, o->union_coord);
        else
            report_cell_null (t);
        if (*o->mgmt_coord)
            report_cell_text (t, o->mgmt_coord);
        else
            report_cell_null (t);
        report_cell_int (t, o->published);
        report_cell_int (t, o->expected);
        report_cell_pct (t, o->metric [M_ENTRY]);
        report_cell_pct (t, o->metric [M_CONTACT]);
        report_cell_bool (t, len == 0);
        if (len)
            report_cell_text (t, missing);
        else
            report_cell_null (t);
    }

    char label [64];
    report_chart_t *ch = report_chart (r, "participation", "Participation against target, by office",
                                       REPORT_CHART_BAR, "%");
    snprintf (label, sizeof label, "target %.0f%%", ctx->target_pct);
    report_chart_target (ch, ctx->target_pct, label);
    for (int i = 0; i < n; i++)
        report_chart_point (ch, offices [i].id, isnan (offices [i].metric [0]) ? 0 : offices [i].metric [0]);
    ch = report_chart (r, "deadlines", "Contacted within 48 h, by office", REPORT_CHART_BAR, "%");
    snprintf (label, sizeof label, "goal %.0f%%", ctx->deadline_goal);
    report_chart_target (ch, ctx->deadline_goal, label);
    for (int i = 0; i < n; i++)
        report_chart_point (ch, offices [i].id,
                            isnan (offices [i].metric [M_CONTACT]) ? 0 : offices [i].metric [M_CONTACT]);
    ch = report_chart (r, "leads_over_time", "Leads by two-week period", REPORT_CHART_BAR, "leads");
    int row = 0;
    for (reporting_period_of (q.start, &per); per.start <= q.end; reporting_period_of (per.end + 1, &per)) {
        int64_t leads = 0;
        if (row < PQntuples (trend) && strcmp (rq_text (trend, row, 0), per.term) == 0)
            leads = rq_int (trend, row++, 1);
        report_chart_point (ch, per.term + 6, (double) leads);
        if (per.end >= q.end)
            break;
    }
    report_note (r, "Quarters of the fiscal year: Q1 October to December, Q2 January to March, "
                 "Q3 April to June, Q4 July to September, in the district's time zone (%s).", zone);
    report_note (r, "Participation: employees who handed in at least one lead that was not a "
                 "duplicate, over the office's headcount today.");
done:
    free (offices);
    PQclear (offs);
    PQclear (meas);
    PQclear (parts);
    PQclear (pubs);
    PQclear (trend);
    return r;
}
