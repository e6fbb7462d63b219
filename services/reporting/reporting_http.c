/*  reporting_http — parses a report request, builds the report on the HTTP
    side's own connection, renders it in the asked format. Errors say what
    was wrong and how to fix it, in the asked format (JSON gets a JSON
    error), with 400 for a bad request, 404 for an unknown id, 503 when the
    store is away. */
#include "reporting_http.h"
#include "reporting_cache.h"
#include "reporting_queries.h"
#include "reporting_period.h"
#include "ll_clock.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reporting_http {
    char *conninfo;
    PGconn *conn;              // owned by the HTTP thread
    double target_pct;
    double deadline_goal;
    reporting_cache_t *cache;  // may be NULL; not owned
};

reporting_http_t *
reporting_http_new (const char *conninfo, double target_pct, double deadline_goal,
                    reporting_cache_t *cache)
{
    reporting_http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    if (!self->conninfo) {
        free (self);
        return NULL;
    }
    self->target_pct = target_pct;
    self->deadline_goal = deadline_goal;
    self->cache = cache;
    return self;
}

void
reporting_http_destroy (reporting_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reporting_http_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

static int
s_connect (reporting_http_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    self->conn = ll_db_connect (self->conninfo, 0);
    if (!self->conn)
        return -1;
    if (reporting_queries_prepare (self->conn)) {
        PQfinish (self->conn);
        self->conn = NULL;
        return -1;
    }
    return 0;
}

static char *
s_error_body (int format, int status, const char *error, const char *hint, size_t *len)
{
    char *body = NULL;
    int n;
    if (format == REPORT_FORMAT_JSON) {
        char e [1200], h [600];
        size_t el = ll_json_escape (e, 0, sizeof e, error);
        size_t hl = ll_json_escape (h, 0, sizeof h, hint);
        (void) el;
        (void) hl;
        n = asprintf (&body, "{\"error\":{\"status\":%d,\"message\":\"%s\",\"hint\":\"%s\"}}\n",
                      status, e, h);
    }
    else
        n = asprintf (&body, "error: %s\n%s%s%s", error, *hint ? "hint: " : "", hint,
                      *hint ? "\n" : "");
    *len = n > 0 ? (size_t) n : 0;
    return n > 0 ? body : NULL;
}

static void
s_arg (const char *query, const char *key, char *buf, size_t len)
{
    if (ll_http_query_get (query, key, buf, len))
        buf [0] = 0;
}

//  The stored copy of a published station report.
static char *
s_published (reporting_http_t *self, report_ctx_t *ctx, const char *query, int format, size_t *len)
{
    char station [128], period [32];
    s_arg (query, "station", station, sizeof station);
    s_arg (query, "period", period, sizeof period);
    if (!*station)
        return report_fail (ctx, 400, "add ?station=ID&period=FY2027P03 (or a day in the period)",
                            "which station? the station parameter is missing");
    reporting_period_t per;
    char term [16] = "";
    if (*period) {
        //  No "current" here: nothing is published before a period ends.
        if (strcmp (period, "current") == 0 || strcmp (period, "previous") == 0
        ||  reporting_period_parse (period, 0, &per))
            return report_fail (ctx, 400, "use period=FY2027P03 or a day in the period "
                                "(2026-11-12), or leave it out for the latest",
                                "period '%s' is not a two-week period", period);
        snprintf (term, sizeof term, "%s", per.term);
    }
    const char *params [] = { station, term };
    PGresult *res = reporting_query (ctx, "rq_published", 2, params);
    if (!res)
        return NULL;
    if (PQntuples (res) != 1) {
        PQclear (res);
        return report_fail (ctx, 404, "station reports are published when each two-week period "
                            "ends; /reports/station gives the live report",
                            "no published report for station %s%s%s", station,
                            *period ? " and period " : "", period);
    }
    char *body = strdup (PQgetvalue (res, 0, format));
    *len = body ? strlen (body) : 0;
    PQclear (res);
    return body;
}

//  The scopes whose changes make a cached report of `kind` stale (see
//  reporting_cache.h); -1 for a request that is not cached.
static int
s_cache_tags (const char *kind, const char *query, char *tags, size_t size)
{
    char id [128];
    const char *param = NULL;
    char prefix = 'D';
    if (strcmp (kind, "station") == 0)
        param = "station", prefix = 'S';
    else
    if (strcmp (kind, "carrier") == 0)
        param = "employee", prefix = 'E';
    else
    if (strcmp (kind, "district") == 0 || strcmp (kind, "campaign") == 0)
        param = "district";
    if (!param)
        return -1;
    s_arg (query, param, id, sizeof id);
    if (!*id && strcmp (kind, "campaign") == 0)
        snprintf (tags, size, "*");     // every district's leads count
    else
    if (!*id)
        return -1;                      // an error reply: not cached
    else
        snprintf (tags, size, "%c:%s", prefix, id);
    return 0;
}

static char *
s_render (report_t *report, int format, size_t *len)
{
    if (!report)
        return NULL;
    char *body = report_render (report, (report_format_t) format, len);
    return body;
}

int
reporting_http_handle (void *arg, const char *url, const char *query, int *status,
                       const char **content_type, char **body, size_t *body_len)
{
    reporting_http_t *self = arg;
    int64_t started = ll_mono_us ();
    char fmt [16];
    s_arg (query, "format", fmt, sizeof fmt);
    int format = report_format_parse (fmt);
    const char *kind = strncmp (url, "/reports/", 9) == 0 ? url + 9 : "";
    report_ctx_t ctx = {
        .now_us = ll_clock_now_us (),
        .target_pct = self->target_pct,
        .deadline_goal = self->deadline_goal,
    };
    char *out = NULL;
    size_t len = 0;
    report_t *report = NULL;
    //  A finished report asked for again comes from the cache (the stored
    //  copies of published reports are one row away: not cached).
    char key [1024] = "", tags [300] = "";
    uint64_t epoch = 0;
    bool cacheable = self->cache && format >= 0 && strcmp (kind, "published") != 0
                  && s_cache_tags (kind, query, tags, sizeof tags) == 0
                  && (size_t) snprintf (key, sizeof key, "%s?%s", url, query ? query : "")
                     < sizeof key;
    if (cacheable) {
        epoch = reporting_cache_epoch (self->cache);
        out = reporting_cache_get (self->cache, key, ctx.now_us, &len);
        ll_metric_inc ("leadline_reporting_cache_total", out ? "result=\"hit\"" : "result=\"miss\"",
                       "report requests answered from the report cache (hit) or built (miss)");
    }
    if (out)
        ;
    else
    if (format < 0) {
        format = REPORT_FORMAT_TEXT;
        report_fail (&ctx, 400, "use format=text, csv, json or html",
                     "format '%s' is not one the reports come in", fmt);
    }
    else
    if (strcmp (kind, "carrier") && strcmp (kind, "station") && strcmp (kind, "district")
    &&  strcmp (kind, "campaign") && strcmp (kind, "published"))
        report_fail (&ctx, 404, "reports: /reports/carrier, /reports/station, "
                     "/reports/district, /reports/campaign, /reports/published",
                     "no such report: %s", url);
    else
    if (s_connect (self))
        report_fail (&ctx, 503, "try again in a moment; /readyz says whether the store is back",
                     "the report store cannot be reached");
    else {
        ctx.conn = self->conn;
        char a [128], b [128], c [128], d [160];
        if (strcmp (kind, "carrier") == 0) {
            s_arg (query, "employee", a, sizeof a);
            s_arg (query, "from", b, sizeof b);
            s_arg (query, "to", c, sizeof c);
            report = report_carrier_build (&ctx, a, b, c);
        }
        else
        if (strcmp (kind, "station") == 0) {
            s_arg (query, "station", a, sizeof a);
            s_arg (query, "period", b, sizeof b);
            report = report_station_build (&ctx, a, b);
        }
        else
        if (strcmp (kind, "district") == 0) {
            s_arg (query, "district", a, sizeof a);
            s_arg (query, "quarter", b, sizeof b);
            s_arg (query, "target", c, sizeof c);
            if (*c)
                ctx.target_pct = atof (c);
            if (*c && (ctx.target_pct <= 0 || ctx.target_pct > 100))
                report_fail (&ctx, 400, "target is a percentage, e.g. target=35",
                             "target '%s' is not between 0 and 100", c);
            else
                report = report_district_build (&ctx, a, b);
        }
        else
        if (strcmp (kind, "campaign") == 0) {
            s_arg (query, "fy", a, sizeof a);
            s_arg (query, "district", b, sizeof b);
            s_arg (query, "target", c, sizeof c);
            s_arg (query, "name", d, sizeof d);
            if (*c)
                ctx.target_pct = atof (c);
            if (*c && (ctx.target_pct <= 0 || ctx.target_pct > 100))
                report_fail (&ctx, 400, "target is a percentage, e.g. target=35",
                             "target '%s' is not between 0 and 100", c);
            else
                report = report_campaign_build (&ctx, a, b, d);
        }
        else
            out = s_published (self, &ctx, query, format, &len);
        if (report)
            out = s_render (report, format, &len);
        report_destroy (&report);
        if (out && cacheable)
            reporting_cache_put (self->cache, key, tags, epoch, ctx.now_us, out, len);
        //  A broken connection is dropped; the next request reconnects.
        if (ctx.status == 503 && PQstatus (self->conn) != CONNECTION_OK) {
            PQfinish (self->conn);
            self->conn = NULL;
        }
    }
    if (out) {
        *status = 200;
        *content_type = report_format_content_type ((report_format_t) format);
    }
    else {
        if (!ctx.status)
            report_fail (&ctx, 503, "", "the report could not be rendered");
        *status = ctx.status;
        *content_type = format == REPORT_FORMAT_JSON ? "application/json"
                                                     : "text/plain; charset=utf-8";
        out = s_error_body (format, ctx.status, ctx.error, ctx.hint, &len);
    }
    *body = out;
    *body_len = len;
    char labels [96];
    snprintf (labels, sizeof labels, "report=\"%s\",status=\"%d\"",
              strcmp (kind, "carrier") == 0 || strcmp (kind, "station") == 0
              || strcmp (kind, "district") == 0 || strcmp (kind, "campaign") == 0
              || strcmp (kind, "published") == 0 ? kind : "other", *status);
    ll_metric_inc ("leadline_reporting_requests_total", labels, "report requests answered");
    ll_metric_observe (ll_metric_histogram ("leadline_reporting_request_ms", NULL,
                       "time to build and render a report, milliseconds"),
                       (double) (ll_mono_us () - started) / 1000.0);
    return 0;
}
