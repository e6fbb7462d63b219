/*  reporting_queries — every statement the reports run, prepared by name on
    the connection that runs them (the HTTP thread's, or the publisher's in
    the event loop), and what a report builder needs to run them: the
    connection, the time, the targets, and where to put an error. */
#ifndef REPORTING_QUERIES_H
#define REPORTING_QUERIES_H
#include "report_doc.h"
#include "ll_db.h"
#include <libpq-fe.h>
#include <stdint.h>

typedef struct {
    PGconn *conn;
    int64_t now_us;            // ll_clock time the report is "as of"
    double target_pct;         // participation target, percent (35)
    double deadline_goal;      // share of leads that must meet each deadline (95)
    int status;                // after a failure: HTTP status (400, 404, 503)
    char error [512];          // ... what went wrong, for the person asking
    char hint [256];           // ... and how to fix it ("" if nothing to add)
} report_ctx_t;

//  Prepares every report statement on `conn`; 0 or -1.
int reporting_queries_prepare (PGconn *conn);

//  Runs prepared statement `name`. On failure records a 503 in ctx and
//  returns NULL. The caller PQclear()s the result.
PGresult *reporting_query (report_ctx_t *ctx, const char *name, int nparams,
                           const char *const *params);

//  One statement of a batch: prepared statement `name` and its parameters.
typedef ll_db_call_t rq_call_t;

//  Runs `n` prepared statements in one round trip (libpq pipeline mode)
//  and puts their results in results[0..n-1] (the caller PQclear()s each).
//  On any failure clears them all, records a 503 in ctx and returns -1.
int reporting_query_batch (report_ctx_t *ctx, const rq_call_t *calls, int n,
                           PGresult **results);

//  Records a failure in ctx; always returns NULL (for `return report_fail (...)`).
void *report_fail (report_ctx_t *ctx, int status, const char *hint, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  The measures every roll-up row carries (docs/reports.md), as summed by
//  the statements that select RQ_MEASURES.
typedef struct {
    int64_t cards, originals, duplicates;
    int64_t entry_on_time, entry_late;
    int64_t contacted, contact_on_time, contact_late;
    int64_t won, lost, no_interest, revenue_cents;
    int64_t entry_breached, contact_breached, reassigned;
} reporting_measures_t;
#define RQ_MEASURE_COLS 15

//  Reads RQ_MEASURE_COLS columns starting at `col`.
void rq_measures (const PGresult *res, int row, int col, reporting_measures_t *m);
void reporting_measures_add (reporting_measures_t *sum, const reporting_measures_t *m);
//  won / (won + lost + no interest): 0 and 0 when nothing is closed.
int64_t reporting_closed (const reporting_measures_t *m);

//  Names for people.
const char *reporting_program_name (int program);
const char *reporting_product_name (int product);

//  Column helpers for results: integer (0 if NULL), text, NULL test.
int64_t rq_int (const PGresult *res, int row, int col);
const char *rq_text (const PGresult *res, int row, int col);
bool rq_null (const PGresult *res, int row, int col);
bool rq_bool (const PGresult *res, int row, int col);

//  The report builders, one file each. They return a report, or NULL with
//  ctx->status and ctx->error set.
report_t *report_carrier_build (report_ctx_t *ctx, const char *employee_id,
                                const char *from, const char *to);
report_t *report_station_build (report_ctx_t *ctx, const char *station_id, const char *period);
report_t *report_district_build (report_ctx_t *ctx, const char *district_id, const char *quarter);
report_t *report_campaign_build (report_ctx_t *ctx, const char *fy, const char *district_id,
                                 const char *name);

#endif
