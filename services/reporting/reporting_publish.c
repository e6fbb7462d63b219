/*  reporting_publish — which reports are due, and publishing one.
    A period is due in a district once its last day is over there. The
    first time publishing runs it records the latest period that had ended
    (publish_state); from then on every period from that one on is
    published for every station, so a service that was down across a
    period's end catches up when it returns. A report is published once:
    UNIQUE (station, period start) and ON CONFLICT DO NOTHING keep a second
    instance from doubling it. */
#include "reporting_publish.h"
#include "reporting_period.h"
#include "reporting_queries.h"
#include "ll_clock.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_outbox.h"
#include "ll_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"

struct reporting_publisher {
    char *conninfo;
    PGconn *conn;
    double target_pct;
    double deadline_goal;
    int batch;
    bool ready;
};

static const struct {
    const char *name;
    const char *sql;
} s_statements [] = {
    //  $1 now: each district and its day there.
    { "rp_districts",
      "SELECT d.id, ((" TS(1) " AT TIME ZONE d.time_zone)::date - date '1970-01-01'), d.time_zone"
      " FROM org.districts d ORDER BY d.id" },
    { "rp_first",
      "SELECT first_start - date '1970-01-01' FROM reporting.publish_state WHERE id = 1" },
    { "rp_set_first",
      "INSERT INTO reporting.publish_state (id, first_start)"
      " VALUES (1, date '1970-01-01' + $1::int) ON CONFLICT (id) DO NOTHING" },
    //  $1 district, $2 period start, $3 limit: stations still to publish.
    { "rp_due",
      "SELECT s.id, s.office_id FROM org.stations s JOIN org.offices o ON o.id = s.office_id"
      " WHERE o.district_id = $1 AND NOT EXISTS (SELECT 1 FROM reporting.published_report p"
      "   WHERE p.station_id = s.id AND p.period_start = $2::date)"
      " ORDER BY s.id LIMIT $3" },
    { "rp_store",
      "INSERT INTO reporting.published_report (report_id, station_id, office_id, district_id,"
      "  term, period_start, period_end, published_at, body_text, body_csv, body_json, body_html)"
      " VALUES ($1::uuid, $2, $3, $4, $5, $6::date, $7::date, " TS(8) ", $9, $10, $11, $12)"
      " ON CONFLICT (station_id, period_start) DO NOTHING"
      " RETURNING report_id,"
      "  (extract (epoch FROM period_start::timestamp AT TIME ZONE $13) * 1000000)::bigint,"
      "  (extract (epoch FROM (period_end + 1)::timestamp AT TIME ZONE $13) * 1000000)::bigint" },
};

reporting_publisher_t *
reporting_publisher_new (const char *conninfo, double target_pct, double deadline_goal, int batch)
{
    reporting_publisher_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    if (!self->conninfo) {
        free (self);
        return NULL;
    }
    self->target_pct = target_pct;
    self->deadline_goal = deadline_goal;
    self->batch = batch > 0 ? batch : 1;
    return self;
}

void
reporting_publisher_destroy (reporting_publisher_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reporting_publisher_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

bool
reporting_publisher_ready (reporting_publisher_t *self)
{
    return self->ready;
}

static int
s_connect (reporting_publisher_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn)
        PQfinish (self->conn);
    self->conn = ll_db_connect (self->conninfo, 0);
    if (!self->conn)
        return -1;
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements [0]; i++)
        if (ll_db_prepare (self->conn, s_statements [i].name, s_statements [i].sql))
            goto fail;
    if (reporting_queries_prepare (self->conn) || ll_outbox_prepare (self->conn, "reporting"))
        goto fail;
    return 0;
fail:
    PQfinish (self->conn);
    self->conn = NULL;
    return -1;
}

//  Builds, stores and announces one station's report. 1 if published, 0
//  if it already was, -1 on failure.
static int
s_publish (reporting_publisher_t *self, const char *station, const char *office,
           const char *district, const char *zone, const reporting_period_t *per,
           int64_t now_us)
{
    report_ctx_t ctx = {
        .conn = self->conn, .now_us = now_us,
        .target_pct = self->target_pct, .deadline_goal = self->deadline_goal,
    };
    report_t *report = report_station_build (&ctx, station, per->term);
    if (!report) {
        ll_warn ("publish.build", "station %s %s: %s", station, per->term, ctx.error);
        return -1;
    }
    char *bodies [4] = { NULL, NULL, NULL, NULL };
    size_t lens [4];
    int rc = -1;
    for (int f = 0; f < 4; f++)
        if (!(bodies [f] = report_render (report, (report_format_t) f, &lens [f])))
            goto done;
    char id [37], start [11], end [11], now [24];
    ll_uuid_new (id);
    reporting_day_format (per->start, start);
    reporting_day_format (per->end, end);
    snprintf (now, sizeof now, "%lld", (long long) now_us);
    const char *params [] = { id, station, office, district, per->term, start, end, now,
                              bodies [0], bodies [1], bodies [2], bodies [3], zone };
    char sqlstate [6] = "";
    if (ll_db_begin (self->conn))
        goto done;
    PGresult *res = ll_db_execp (self->conn, "rp_store", 13, params, sqlstate);
    if (!res)
        goto rollback;
    int stored = PQntuples (res);
    int64_t start_us = stored ? rq_int (res, 0, 1) : 0, end_us = stored ? rq_int (res, 0, 2) : 0;
    PQclear (res);
    if (stored == 0) {
        ll_db_rollback (self->conn);
        rc = 0;
        goto done;
    }
    Leadline__V1__ReportPublished ev = LEADLINE__V1__REPORT_PUBLISHED__INIT;
    ev.report_id = id;
    ev.kind = LEADLINE__V1__REPORT_KIND__REPORT_KIND_STATION;
    ev.station_id = (char *) station;
    ev.office_id = (char *) office;
    //  The period as instants: from midnight of its first day to midnight
    //  after its last, in the district's time zone.
    ev.period_start_us = start_us;
    ev.period_end_us = end_us;
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    env.message_id = id;
    env.time_us = now_us;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPORT_PUBLISHED;
    env.report_published = &ev;
    if (ll_outbox_append (self->conn, "reporting", "reporting", &env, sqlstate)
    ||  ll_db_commit (self->conn))
        goto rollback;
    ll_info ("publish.station", "station %s %s (%s to %s) published as %s",
             station, per->term, start, end, id);
    ll_metric_inc ("leadline_reporting_published_total", NULL,
                   "station reports published at the end of a period");
    rc = 1;
    goto done;
rollback:
    ll_db_rollback (self->conn);
done:
    for (int f = 0; f < 4; f++)
        free (bodies [f]);
    report_destroy (&report);
    return rc;
}

int
reporting_publisher_tick (reporting_publisher_t *self)
{
    if (s_connect (self)) {
        self->ready = false;
        return -1;
    }
    int64_t now_us = ll_clock_now_us ();
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) now_us);
    const char *p1 [] = { now };
    PGresult *dists = ll_db_execp (self->conn, "rp_districts", 1, p1, NULL);
    PGresult *first = dists ? ll_db_execp (self->conn, "rp_first", 0, NULL, NULL) : NULL;
    if (!dists || !first) {
        PQclear (dists);
        PQclear (first);
        self->ready = PQstatus (self->conn) == CONNECTION_OK;
        return -1;
    }
    self->ready = true;
    int32_t first_start;
    if (PQntuples (first) == 0) {
        //  First run: start with the latest period that has ended (by UTC;
        //  a district a day behind picks it up on its next period).
        int32_t today = (int32_t) (now_us / 1000000LL / 86400LL);
        reporting_period_t cur, prev;
        reporting_period_of (today, &cur);
        reporting_period_of (cur.start - 1, &prev);
        char v [16];
        snprintf (v, sizeof v, "%d", prev.start);
        const char *p [] = { v };
        PGresult *res = ll_db_execp (self->conn, "rp_set_first", 1, p, NULL);
        PQclear (res);
        first_start = prev.start;
        ll_info ("publish.start", "station reports will be published from period %s on", prev.term);
    }
    else
        first_start = (int32_t) rq_int (first, 0, 0);
    PQclear (first);

    int published = 0;
    for (int d = 0; d < PQntuples (dists) && published < self->batch; d++) {
        const char *district = PQgetvalue (dists, d, 0);
        int32_t today = (int32_t) rq_int (dists, d, 1);
        reporting_period_t per;
        for (reporting_period_of (first_start, &per); per.end < today && published < self->batch;
             reporting_period_of (per.end + 1, &per)) {
            char start [11], limit [16];
            reporting_day_format (per.start, start);
            snprintf (limit, sizeof limit, "%d", self->batch - published);
            const char *p [] = { district, start, limit };
            PGresult *due = ll_db_execp (self->conn, "rp_due", 3, p, NULL);
            if (!due)
                break;
            for (int i = 0; i < PQntuples (due); i++) {
                int rc = s_publish (self, PQgetvalue (due, i, 0), PQgetvalue (due, i, 1),
                                    district, PQgetvalue (dists, d, 2), &per, now_us);
                if (rc < 0) {
                    PQclear (due);
                    PQclear (dists);
                    return published;
                }
                published += rc;
            }
            PQclear (due);
        }
    }
    PQclear (dists);
    return published;
}
