/*  sla_store — the watcher's SQL. See sla_store.h.
    Hot statements are prepared; the configuration, read once a minute,
    uses parameterised one-off queries because some of it (org) may not
    exist yet when the watcher starts. */
#include "sla_store.h"
#include "ll_db.h"
#include "ll_log.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK_COLUMNS \
    "lead_id, deadline, program, office_id, district_id, rep_id, start_us, " \
    "coalesce (warn_us, 0), due_us, coalesce (level2_us, 0), coalesce (level3_us, 0), " \
    "stage, outcome, coalesce (next_us, 0)"

//  The leader lock's key: any constant no other Leadline lock uses.
#define SLA_LEADER_KEY "7311900001"

int
sla_store_prepare (PGconn *conn)
{
    static const struct { const char *name; const char *sql; } stmts [] = {
        { "sla_clock_get",
          "SELECT " CLOCK_COLUMNS " FROM sla.clock WHERE lead_id = $1 AND deadline = $2 FOR UPDATE" },
        { "sla_clock_insert",
          "INSERT INTO sla.clock (lead_id, deadline, program, office_id, district_id, rep_id,"
          " start_us, warn_us, due_us, level2_us, level3_us, stage, outcome, next_us, stopped_us)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
          " ON CONFLICT (lead_id, deadline) DO NOTHING" },
        { "sla_clock_update",
          "UPDATE sla.clock SET stage = $3, outcome = $4, rep_id = $5, next_us = $6,"
          " stopped_us = coalesce ($7, stopped_us) WHERE lead_id = $1 AND deadline = $2" },
        { "sla_set_rep",
          "UPDATE sla.clock SET rep_id = $2 WHERE lead_id = $1" },
        { "sla_due",
          "SELECT " CLOCK_COLUMNS " FROM sla.clock"
          " WHERE next_us IS NOT NULL AND next_us <= $1"
          " ORDER BY next_us LIMIT $2 FOR UPDATE SKIP LOCKED" },
        //  One round's writes in one statement: the clocks move (each only
        //  from the stage read) and their events go to the outbox; sla.fired()
        //  fails the transaction unless every clock moved.
        { "sla_fire",
          "WITH moved AS ("
          "  UPDATE sla.clock c SET stage = u.stage, next_us = u.next_us"
          "  FROM unnest ($1::text[], $2::smallint[], $3::smallint[], $4::smallint[], $5::bigint[])"
          "    AS u (lead_id, deadline, old_stage, stage, next_us)"
          "  WHERE c.lead_id = u.lead_id AND c.deadline = u.deadline AND c.stage = u.old_stage"
          "  RETURNING 1),"
          //  Numbered as written, the way ll_outbox does it: the head row
          //  stays locked until commit, so sequence order is commit order.
          " head AS ("
          "  INSERT INTO sla.stream_head AS sh (stream, last_seq) VALUES ('sla', cardinality ($6::uuid[]))"
          "  ON CONFLICT (stream) DO UPDATE SET last_seq = sh.last_seq + excluded.last_seq"
          "  RETURNING sh.last_seq),"
          " written AS ("
          "  INSERT INTO sla.event_log (stream, seq, event_id, type, payload)"
          "  SELECT 'sla', head.last_seq - cardinality ($6::uuid[]) + x.n, e, t, p"
          "  FROM head, unnest ($6::uuid[], $7::text[], $8::bytea[]) WITH ORDINALITY AS x (e, t, p, n)"
          "  RETURNING 1)"
          " SELECT sla.fired ((SELECT count(*) FROM moved), $9::bigint, (SELECT count(*) FROM written))" },
        { "sla_notify", "SELECT pg_notify ('leadline_sla', '')" },
        { "sla_next_due",
          "SELECT next_us FROM sla.clock WHERE next_us IS NOT NULL ORDER BY next_us LIMIT 1" },
        { "sla_try_lead",
          "SELECT pg_try_advisory_lock (" SLA_LEADER_KEY ")" },
    };
    for (size_t i = 0; i < sizeof stmts / sizeof stmts [0]; i++)
        if (ll_db_prepare (conn, stmts [i].name, stmts [i].sql))
            return -1;
    return 0;
}

static int64_t
s_i64 (PGresult *res, int row, int col)
{
    return strtoll (PQgetvalue (res, row, col), NULL, 10);
}

static void
s_row_clock (PGresult *res, int row, sla_clock_t *c)
{
    memset (c, 0, sizeof *c);
    snprintf (c->lead_id, sizeof c->lead_id, "%s", PQgetvalue (res, row, 0));
    c->deadline = atoi (PQgetvalue (res, row, 1));
    snprintf (c->program, sizeof c->program, "%s", PQgetvalue (res, row, 2));
    snprintf (c->office_id, sizeof c->office_id, "%s", PQgetvalue (res, row, 3));
    snprintf (c->district_id, sizeof c->district_id, "%s", PQgetvalue (res, row, 4));
    snprintf (c->rep_id, sizeof c->rep_id, "%s", PQgetvalue (res, row, 5));
    c->start_us = s_i64 (res, row, 6);
    c->warn_us = s_i64 (res, row, 7);
    c->due_us = s_i64 (res, row, 8);
    c->level2_us = s_i64 (res, row, 9);
    c->level3_us = s_i64 (res, row, 10);
    c->stage = atoi (PQgetvalue (res, row, 11));
    c->outcome = atoi (PQgetvalue (res, row, 12));
}

int
sla_store_clock_get (PGconn *conn, const char *lead_id, int deadline, sla_clock_t *clock)
{
    char dl [8];
    snprintf (dl, sizeof dl, "%d", deadline);
    const char *params [] = { lead_id, dl };
    PGresult *res = ll_db_execp (conn, "sla_clock_get", 2, params, NULL);
    if (!res)
        return -1;
    int found = PQntuples (res) == 1;
    if (found)
        s_row_clock (res, 0, clock);
    PQclear (res);
    return found;
}

//  Text of a microsecond time, or NULL for "none" (0).
static const char *
s_opt (char *buf, size_t len, int64_t us)
{
    if (!us)
        return NULL;
    snprintf (buf, len, "%" PRId64, us);
    return buf;
}

int
sla_store_clock_insert (PGconn *conn, const sla_clock_t *c, int64_t stopped_us)
{
    char dl [8], stage [8], outcome [8], start [24], warn [24], due [24], l2 [24], l3 [24],
         next [24], stopped [24];
    snprintf (dl, sizeof dl, "%d", c->deadline);
    snprintf (stage, sizeof stage, "%d", c->stage);
    snprintf (outcome, sizeof outcome, "%d", c->outcome);
    snprintf (start, sizeof start, "%" PRId64, c->start_us);
    snprintf (due, sizeof due, "%" PRId64, c->due_us);
    const char *params [] = {
        c->lead_id, dl, c->program, c->office_id, c->district_id, c->rep_id, start,
        s_opt (warn, sizeof warn, c->warn_us), due, s_opt (l2, sizeof l2, c->level2_us),
        s_opt (l3, sizeof l3, c->level3_us), stage, outcome,
        s_opt (next, sizeof next, sla_rules_next_at (c)),
        s_opt (stopped, sizeof stopped, stopped_us),
    };
    PGresult *res = ll_db_execp (conn, "sla_clock_insert", 15, params, NULL);
    if (!res)
        return -1;
    int inserted = atoi (PQcmdTuples (res)) == 1;
    PQclear (res);
    return inserted;
}

int
sla_store_clock_update (PGconn *conn, const sla_clock_t *c, int64_t stopped_us)
{
    char dl [8], stage [8], outcome [8], next [24], stopped [24];
    snprintf (dl, sizeof dl, "%d", c->deadline);
    snprintf (stage, sizeof stage, "%d", c->stage);
    snprintf (outcome, sizeof outcome, "%d", c->outcome);
    const char *params [] = {
        c->lead_id, dl, stage, outcome, c->rep_id,
        s_opt (next, sizeof next, sla_rules_next_at (c)),
        s_opt (stopped, sizeof stopped, stopped_us),
    };
    PGresult *res = ll_db_execp (conn, "sla_clock_update", 7, params, NULL);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

int
sla_store_set_rep (PGconn *conn, const char *lead_id, const char *rep_id)
{
    const char *params [] = { lead_id, rep_id };
    PGresult *res = ll_db_execp (conn, "sla_set_rep", 2, params, NULL);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

int
sla_store_send_due (PGconn *conn, int64_t now_us, int limit)
{
    char now [24], lim [16];
    snprintf (now, sizeof now, "%" PRId64, now_us);
    snprintf (lim, sizeof lim, "%d", limit);
    const char *params [] = { now, lim };
    return PQsendQueryPrepared (conn, "sla_due", 2, params, NULL, NULL, 0) ? 0 : -1;
}

int
sla_store_due_rows (PGresult *res, int limit, sla_clock_t *clocks, int64_t *next_us)
{
    int n = PQntuples (res);
    for (int i = 0; i < n && i < limit; i++) {
        s_row_clock (res, i, &clocks [i]);
        next_us [i] = s_i64 (res, i, 13);
    }
    return n < limit ? n : limit;
}

void
sla_store_array_text (FILE *out, const char *s)
{
    char buf [2 * SLA_ID_MAX + 4];
    size_t len = 0;
    buf [len++] = '"';
    for (; *s && len < sizeof buf - 3; s++) {
        if (*s == '"' || *s == '\\')
            buf [len++] = '\\';
        buf [len++] = *s;
    }
    buf [len++] = '"';
    fwrite (buf, 1, len, out);
}

int
sla_store_send_fire (PGconn *conn, const sla_clock_t *clocks, const int *old_stages,
                     size_t count, const char *event_arrays [3])
{
    char *text [5] = { NULL };
    size_t len [5] = { 0 };
    FILE *out [5] = { NULL };
    int rc = -1;
    for (int k = 0; k < 5; k++)
        if (!(out [k] = open_memstream (&text [k], &len [k])))
            goto done;
    for (int k = 0; k < 5; k++)
        fputc ('{', out [k]);
    for (size_t i = 0; i < count; i++) {
        const char *sep = i ? "," : "";
        const sla_clock_t *c = &clocks [i];
        fputs (sep, out [0]);
        sla_store_array_text (out [0], c->lead_id);
        fprintf (out [1], "%s%d", sep, c->deadline);
        fprintf (out [2], "%s%d", sep, old_stages [i]);
        fprintf (out [3], "%s%d", sep, c->stage);
        int64_t next = sla_rules_next_at (c);
        if (next)
            fprintf (out [4], "%s%" PRId64, sep, next);
        else
            fprintf (out [4], "%sNULL", sep);
    }
    for (int k = 0; k < 5; k++) {
        fputc ('}', out [k]);
        fclose (out [k]);
        out [k] = NULL;
    }
    char expected [24];
    snprintf (expected, sizeof expected, "%zu", count);
    const char *params [] = { text [0], text [1], text [2], text [3], text [4],
                              event_arrays [0], event_arrays [1], event_arrays [2], expected };
    if (PQsendQueryPrepared (conn, "sla_fire", 9, params, NULL, NULL, 0)
    &&  PQsendQueryPrepared (conn, "sla_notify", 0, NULL, NULL, NULL, 0))
        rc = 0;
done:
    for (int k = 0; k < 5; k++) {
        if (out [k])
            fclose (out [k]);
        free (text [k]);
    }
    return rc;
}

int
sla_store_next_due (PGconn *conn, int64_t *next_us)
{
    PGresult *res = ll_db_execp (conn, "sla_next_due", 0, NULL, NULL);
    if (!res)
        return -1;
    int found = PQntuples (res) == 1;
    if (found)
        *next_us = s_i64 (res, 0, 0);
    PQclear (res);
    return found;
}

int
sla_store_try_lead (PGconn *conn)
{
    PGresult *res = ll_db_execp (conn, "sla_try_lead", 0, NULL, NULL);
    if (!res)
        return -1;
    int held = PQgetvalue (res, 0, 0) [0] == 't';
    PQclear (res);
    return held;
}

//  ---- configuration

static double
s_col (PGresult *res, int row, int col, double dflt)
{
    return PQgetisnull (res, row, col) ? dflt : atof (PQgetvalue (res, row, col));
}

static int
s_load_policies (PGconn *conn, sla_config_t *config)
{
    PGresult *res = ll_db_query (conn,
        "SELECT program, entry_hours, contact_hours, warn_percent, level2_hours,"
        " level3_hours, levels FROM sla.policy ORDER BY program <> '*', program", 0, NULL, NULL);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples (res); r++) {
        const sla_policy_t *base = sla_config_default (config);
        sla_policy_t p = *base;
        snprintf (p.program, sizeof p.program, "%s", PQgetvalue (res, r, 0));
        const double hour = 3600.0 * 1e6;
        p.entry_us = (int64_t) (s_col (res, r, 1, (double) base->entry_us / hour) * hour);
        p.contact_us = (int64_t) (s_col (res, r, 2, (double) base->contact_us / hour) * hour);
        p.warn_percent = (int) s_col (res, r, 3, base->warn_percent);
        p.level2_us = (int64_t) (s_col (res, r, 4, (double) base->level2_us / hour) * hour);
        p.level3_us = (int64_t) (s_col (res, r, 5, (double) base->level3_us / hour) * hour);
        p.levels = (int) s_col (res, r, 6, base->levels);
        sla_config_set_policy (config, &p);
    }
    PQclear (res);
    return 0;
}

static void
s_add_holidays (const char *district_id, sla_calendar_t *calendar, void *arg)
{
    PGresult *res = arg;
    for (int r = 0; r < PQntuples (res); r++) {
        const char *d = PQgetvalue (res, r, 0);
        if (strcmp (d, "*") == 0 || strcmp (d, district_id) == 0)
            sla_calendar_add_holiday (calendar, atoi (PQgetvalue (res, r, 1)),
                                      atoi (PQgetvalue (res, r, 2)), atoi (PQgetvalue (res, r, 3)));
    }
}

static int
s_load_calendars (PGconn *conn, sla_config_t *config)
{
    PGresult *org = ll_db_query (conn, "SELECT to_regclass ('org.districts') IS NOT NULL",
                                 0, NULL, NULL);
    if (!org)
        return -1;
    bool have_org = PQgetvalue (org, 0, 0) [0] == 't';
    PQclear (org);
    PGresult *res = ll_db_query (conn,
        "SELECT district_id, coalesce (time_zone, ''), work_days, day_start_min, day_end_min,"
        " federal_holidays FROM sla.district_calendar ORDER BY district_id", 0, NULL, NULL);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples (res); r++) {
        const char *district = PQgetvalue (res, r, 0);
        char tz [128];
        snprintf (tz, sizeof tz, "%s", PQgetvalue (res, r, 1));
        if (!*tz && have_org) {
            const char *params [] = { district };
            PGresult *zone = ll_db_query (conn,
                "SELECT time_zone FROM org.districts WHERE id = $1", 1, params, NULL);
            if (zone && PQntuples (zone) == 1)
                snprintf (tz, sizeof tz, "%s", PQgetvalue (zone, 0, 0));
            PQclear (zone);
        }
        if (!*tz) {
            ll_warn ("sla.calendar", "district %s has business hours but no time zone: set "
                     "sla.district_calendar.time_zone or load the district with `leadline admin "
                     "import`; its clocks run in calendar hours", district);
            continue;
        }
        sla_calendar_t *cal = sla_calendar_new (tz, (unsigned) atoi (PQgetvalue (res, r, 2)),
            atoi (PQgetvalue (res, r, 3)), atoi (PQgetvalue (res, r, 4)),
            PQgetvalue (res, r, 5) [0] == 't');
        if (!cal) {
            ll_warn ("sla.calendar", "district %s: time zone '%s' is not in the system's tz "
                     "database; its clocks run in calendar hours", district, tz);
            continue;
        }
        sla_config_set_calendar (config, district, &cal);
        sla_calendar_destroy (&cal);
    }
    PQclear (res);
    res = ll_db_query (conn,
        "SELECT district_id, extract (year FROM day)::int, extract (month FROM day)::int,"
        " extract (day FROM day)::int FROM sla.holiday", 0, NULL, NULL);
    if (!res)
        return -1;
    sla_config_each_calendar (config, s_add_holidays, res);
    PQclear (res);
    return 0;
}

int
sla_store_load_config (PGconn *conn, sla_config_t *config)
{
    sla_config_clear (config);
    if (s_load_policies (conn, config) || s_load_calendars (conn, config)) {
        sla_config_clear (config);
        return -1;
    }
    return 0;
}
