/*  intake_store — intake's SQL. Every statement is prepared on connect;
    batches pass PostgreSQL array literals as parameters (built here, with
    every element quoted and escaped), never SQL text. */
#include "intake_store.h"
#include "intake_validate.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct intake_store {
    char *conninfo;
    PGconn *conn;
    bool ready;
    char why [256];
    //  The assigner kept between batches (intake_store_load_reps): valid
    //  while the store's assign_version is the one it was made at.
    intake_assign_t *roster;
    int64_t roster_version;       // -1: none
    int64_t version;              // assign_version as this transaction sees it
    bool roster_touched;          // used by the open transaction
};

#define US_TO_TS(x) "('epoch'::timestamptz + (" x ") * interval '1 microsecond')"
#define TS_TO_US(x) "(extract(epoch FROM " x ") * 1000000)::bigint"

typedef struct {
    const char *name;
    const char *sql;
} s_stmt_t;

static const s_stmt_t s_stmts [] = {
    { "org_lookup",
      "SELECT u.i, s.id IS NOT NULL, coalesce (s.office_id, ''), coalesce (o.district_id, ''),"
      "       e.id IS NOT NULL, coalesce (e.station_id, '')"
      "  FROM unnest ($1::text[], $2::text[]) WITH ORDINALITY AS u (sid, eid, i)"
      "  LEFT JOIN org.stations s ON s.id = u.sid"
      "  LEFT JOIN org.offices o ON o.id = s.office_id"
      "  LEFT JOIN org.employees e ON e.id = u.eid" },
    //  Updates keep their replies in idempotency, lead cards on the lead.
    { "idem_lookup",
      "SELECT key, request_hash, reply FROM intake.idempotency WHERE key = ANY ($1::text[])"
      " UNION ALL "
      "SELECT idempotency_key, request_hash, reply FROM intake.leads"
      " WHERE idempotency_key = ANY ($1::text[]) AND reply IS NOT NULL" },
    { "idem_insert",
      "INSERT INTO intake.idempotency (key, request_hash, reply, created_at)"
      " SELECT k, h, r, " US_TO_TS ("$4::bigint")
      "   FROM unnest ($1::text[], $2::text[], $3::bytea[]) AS u (k, h, r)" },
    //  One branch per key, so each uses its own index (an OR of the three
    //  makes the planner scan every lead of the window).
    { "dup_lookup",
      "SELECT id, employee_id, phone_key, name_zip_key, name_addr_key, entered_at"
      "  FROM intake.leads WHERE duplicate_of IS NULL"
      "   AND entered_at >= " US_TO_TS ("$4::bigint") " AND phone_key = ANY ($1::text[])"
      " UNION "
      "SELECT id, employee_id, phone_key, name_zip_key, name_addr_key, entered_at"
      "  FROM intake.leads WHERE duplicate_of IS NULL"
      "   AND entered_at >= " US_TO_TS ("$4::bigint") " AND name_zip_key = ANY ($2::text[])"
      " UNION "
      "SELECT id, employee_id, phone_key, name_zip_key, name_addr_key, entered_at"
      "  FROM intake.leads WHERE duplicate_of IS NULL"
      "   AND entered_at >= " US_TO_TS ("$4::bigint") " AND name_addr_key = ANY ($3::text[])"
      " ORDER BY 6, 1" },
    { "reps_lookup",
      "SELECT t.scope_kind || ':' || t.scope_id, r.id, r.name, r.weight, r.capacity, r.active,"
      "       coalesce (" TS_TO_US ("r.away_until") ", 0), coalesce (l.open_leads, 0),"
      "       coalesce ((SELECT string_agg (p.product, ',') FROM org.rep_products p"
      "                   WHERE p.rep_id = r.id), ''),"
      "       s.current IS NOT NULL, coalesce (s.current, 0), coalesce (s.weight, 0),"
      "       coalesce (q.rounds, 0)"
      "  FROM org.rep_territories t"
      "  JOIN org.reps r ON r.id = t.rep_id"
      "  LEFT JOIN intake.rep_load l ON l.rep_id = r.id"
      "  LEFT JOIN intake.rr_state s ON s.scope = t.scope_kind || ':' || t.scope_id"
      "                              AND s.rep_id = r.id"
      "  LEFT JOIN intake.rr_round q ON q.scope = t.scope_kind || ':' || t.scope_id"
      " WHERE (t.scope_kind = 'office' AND t.scope_id = ANY ($1::text[]))"
      "    OR (t.scope_kind = 'district' AND t.scope_id = ANY ($2::text[]))" },
    { "fallback_lookup",
      "SELECT f.district_id, r.id, r.name, r.weight, r.capacity, r.active,"
      "       coalesce (" TS_TO_US ("r.away_until") ", 0), coalesce (l.open_leads, 0)"
      "  FROM org.fallback_owners f"
      "  JOIN org.reps r ON r.id = f.rep_id"
      "  LEFT JOIN intake.rep_load l ON l.rep_id = r.id"
      " WHERE f.district_id = ANY ($1::text[])" },
    //  A batch's assignment state in one round trip: empty arrays are no-ops.
    { "assign_save",
      "WITH rr AS ("
      "  INSERT INTO intake.rr_state (scope, rep_id, current, weight)"
      "  SELECT * FROM unnest ($1::text[], $2::text[], $3::bigint[], $6::int[])"
      "  ON CONFLICT (scope, rep_id) DO UPDATE"
      "    SET current = excluded.current, weight = excluded.weight),"
      " rd AS ("
      "  INSERT INTO intake.rr_round (scope, rounds)"
      "  SELECT * FROM unnest ($7::text[], $8::bigint[])"
      "  ON CONFLICT (scope) DO UPDATE SET rounds = excluded.rounds),"
      " ld AS ("
      "  INSERT INTO intake.rep_load (rep_id, open_leads)"
      "  SELECT * FROM unnest ($4::text[], $5::int[])"
      "  ON CONFLICT (rep_id) DO UPDATE"
      "    SET open_leads = greatest (0, intake.rep_load.open_leads + excluded.open_leads)),"
      " v AS (UPDATE intake.assign_version SET version = version + 1 RETURNING version)"
      " SELECT version FROM v" },
    { "load_add",
      "WITH v AS (UPDATE intake.assign_version SET version = version + 1)"
      " INSERT INTO intake.rep_load (rep_id, open_leads)"
      " SELECT * FROM unnest ($1::text[], $2::int[])"
      " ON CONFLICT (rep_id) DO UPDATE"
      "   SET open_leads = greatest (0, intake.rep_load.open_leads + excluded.open_leads)" },
    { "leads_insert",
      "INSERT INTO intake.leads (id, idempotency_key, employee_id, station_id, office_id,"
      "   district_id, program, card_completed_at, entered_at, business_name,"
      "   business_address, business_zip, contact_name, contact_phone, contact_email,"
      "   products, notes, phone_key, name_zip_key, name_addr_key, duplicate_of,"
      "   matched_on, status, rep_id, assign_reason, fallback, updated_at, request_hash,"
      "   reply, submitted_key)"
      " SELECT id, k, emp, st, off, dist, prog, " US_TO_TS ("card") ", " US_TO_TS ("ent") ","
      "        bn, ba, bz, cn, cp, ce, prods::smallint[], notes, pk, nzk, nak, dup, mo,"
      "        status, rep, reason, fb, " US_TO_TS ("ent") ", hash, reply, nullif (sk, '')"
      "   FROM unnest ($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
      "                $6::text[], $7::smallint[], $8::bigint[], $9::bigint[], $10::text[],"
      "                $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],"
      "                $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],"
      "                $21::uuid[], $22::text[], $23::text[], $24::text[], $25::text[],"
      "                $26::bool[], $27::text[], $28::bytea[], $29::text[])"
      "     AS u (id, k, emp, st, off, dist, prog, card, ent, bn, ba, bz, cn, cp, ce,"
      "           prods, notes, pk, nzk, nak, dup, mo, status, rep, reason, fb, hash, reply,"
      "           sk)" },
    { "lead_get",
      "SELECT coalesce (rep_id, ''), status, employee_id, district_id,"
      "       coalesce (duplicate_of::text, ''), coalesce (outcome, 0)"
      "  FROM intake.leads WHERE id = $1::uuid FOR UPDATE" },
    { "contact_insert",
      "INSERT INTO intake.contacts (lead_id, rep_id, kind, at, note)"
      " VALUES ($1::uuid, $2, $3::smallint, " US_TO_TS ("$4::bigint") ", $5)" },
    { "contact_update",
      "UPDATE intake.leads"
      "   SET first_attempt_at = coalesce (first_attempt_at, " US_TO_TS ("$2::bigint") "),"
      "       contacted_at = CASE WHEN $3::smallint = 2"
      "                      THEN coalesce (contacted_at, " US_TO_TS ("$2::bigint") ")"
      "                      ELSE contacted_at END,"
      "       status = CASE WHEN $3::smallint = 2 AND status = 'assigned'"
      "                THEN 'contacted' ELSE status END,"
      "       updated_at = " US_TO_TS ("$2::bigint")
      " WHERE id = $1::uuid" },
    { "outcome_update",
      "UPDATE intake.leads"
      "   SET outcome = $2::smallint, outcome_products = $3::smallint[],"
      "       revenue_cents = $4::bigint, lost_reason = nullif ($5, ''),"
      "       outcome_at = " US_TO_TS ("$6::bigint") ","
      "       status = CASE $2::smallint WHEN 1 THEN 'won' WHEN 2 THEN 'lost'"
      "                ELSE 'no_interest' END,"
      "       updated_at = " US_TO_TS ("$6::bigint")
      " WHERE id = $1::uuid" },
    { "reassign_update",
      "UPDATE intake.leads"
      "   SET rep_id = $2, assign_reason = $3, fallback = false,"
      "       status = CASE WHEN status = 'unassigned' THEN 'assigned' ELSE status END,"
      "       updated_at = " US_TO_TS ("$4::bigint")
      " WHERE id = $1::uuid" },
    { "rep_get",
      "SELECT name, active FROM org.reps WHERE id = $1" },
    { "manager_get",
      "SELECT coalesce (district_id, '') FROM org.managers WHERE id = $1" },
    { "audit_insert",
      "INSERT INTO intake.audit (lead_id, action, actor, via_key, at, idempotency_key, detail)"
      " VALUES ($1::uuid, $2, $3, nullif ($4, ''), " US_TO_TS ("$5::bigint") ", $6, $7)" },
};
#define N_STMTS (sizeof s_stmts / sizeof s_stmts [0])

intake_store_t *
intake_store_new (const char *conninfo)
{
    intake_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    self->roster_version = -1;
    snprintf (self->why, sizeof self->why, "not connected to PostgreSQL yet");
    return self;
}

void
intake_store_destroy (intake_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_store_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    intake_assign_destroy (&self->roster);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

void
intake_store_lost (intake_store_t *self, const char *why)
{
    if (self->ready)
        ll_warn ("store.lost", "lost the store: %s; replying UNAVAILABLE and reconnecting",
                 why);
    snprintf (self->why, sizeof self->why, "%s", why);
    self->ready = false;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
}

static void
s_conn_error (PGconn *conn, char *buf, size_t cap)
{
    snprintf (buf, cap, "%s", conn ? PQerrorMessage (conn) : "out of memory");
    size_t len = strlen (buf);
    while (len && (buf [len - 1] == '\n' || buf [len - 1] == ' '))
        buf [--len] = 0;
}

int
intake_store_connect (intake_store_t *self)
{
    if (self->ready)
        return 0;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    char why [256];
    PGconn *conn = PQconnectdb (self->conninfo);
    if (PQstatus (conn) != CONNECTION_OK) {
        char err [200];
        s_conn_error (conn, err, sizeof err);
        snprintf (why, sizeof why, "cannot reach PostgreSQL: %s", err);
        goto fail;
    }
    PQsetNoticeProcessor (conn, NULL, NULL);
    PQclear (PQexec (conn, "SET client_min_messages = warning"));
    //  Plan each batch for its own keys: a generic plan, picked after a few
    //  runs while the table was small, sometimes turned the duplicate
    //  look-up into an index scan of the whole window (50 ms a batch
    //  instead of 1). Planning costs well under a millisecond a batch.
    PQclear (PQexec (conn, "SET plan_cache_mode = force_custom_plan"));
    //  Every statement here finds rows by key. Statistics lag behind a
    //  table that grows by thousands of rows a second, and with stale ones
    //  the planner chose three sequential scans for the duplicate look-up
    //  (11 ms a batch of 157 cards at 40k leads, 0.7 ms by the indexes).
    PQclear (PQexec (conn, "SET enable_seqscan = off"));
    //  With sequential scans priced out, a statement that must scan (the
    //  one-row assign_version) costs enough to be JIT-compiled: 70-100 ms
    //  of compiling for a microsecond of work. Nothing here is worth it.
    PQclear (PQexec (conn, "SET jit = off"));
    //  Nor parallel workers: stale estimates (a key "matching" 30,000 rows)
    //  made the duplicate look-up a parallel plan, 60-70 ms of starting
    //  workers to read three index pages.
    PQclear (PQexec (conn, "SET max_parallel_workers_per_gather = 0"));
    for (size_t i = 0; i < N_STMTS; i++)
        if (ll_db_prepare (conn, s_stmts [i].name, s_stmts [i].sql)) {
            snprintf (why, sizeof why, "cannot prepare %s (is the schema current? "
                      "run `leadline-intake migrate`)", s_stmts [i].name);
            goto fail;
        }
    if (ll_outbox_prepare (conn, "intake")) {
        snprintf (why, sizeof why, "cannot prepare the event log statements");
        goto fail;
    }
    self->conn = conn;
    self->ready = true;
    self->why [0] = 0;
    ll_info ("store.ready", "connected to PostgreSQL");
    return 0;
fail:
    if (strcmp (why, self->why) != 0)
        ll_warn ("store.connect", "%s", why);
    snprintf (self->why, sizeof self->why, "%s", why);
    PQfinish (conn);
    return -1;
}

bool
intake_store_ready (intake_store_t *self)
{
    return self->ready;
}

const char *
intake_store_why (intake_store_t *self)
{
    return self->why;
}

PGconn *
intake_store_conn (intake_store_t *self)
{
    return self->conn;
}

bool
intake_store_transient (intake_store_t *self, const char *sqlstate)
{
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        intake_store_lost (self, "the connection to PostgreSQL broke");
        return true;
    }
    if (ll_db_transient (self->conn, sqlstate)) {
        //  Shutdown and crash codes end the session even while libpq still
        //  thinks the socket is fine.
        if (strncmp (sqlstate, "57P", 3) == 0 || strncmp (sqlstate, "08", 2) == 0)
            intake_store_lost (self, "PostgreSQL is shutting down or restarting");
        return true;
    }
    return false;
}

static int
s_exec (intake_store_t *self, const char *sql)
{
    if (!self->conn)
        return -1;
    return ll_db_exec (self->conn, sql);
}

int intake_store_begin (intake_store_t *self) { return s_exec (self, "BEGIN"); }

int
intake_store_begin_writer (intake_store_t *self, char *sqlstate)
{
    //  One round trip for both: a batch's round trips are what a loaded
    //  machine makes expensive.
    strcpy (sqlstate, "08006");
    if (!self->conn)
        return -1;
    //  The version is read by a statement of its own, after the lock: it
    //  sees what the previous holder committed.
    PGresult *res = PQexec (self->conn,
        "BEGIN; SELECT pg_advisory_xact_lock (hashtext ('leadline.intake.writer'));"
        " SELECT version FROM intake.assign_version");
    bool ok = PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1;
    if (ok)
        self->version = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    if (!ok) {
        const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
        if (state)
            snprintf (sqlstate, 6, "%s", state);
        ll_warn ("store.begin", "cannot begin a batch [%s]: %s", sqlstate,
                 PQerrorMessage (self->conn));
    }
    PQclear (res);
    if (ok)
        return 0;
    intake_store_rollback (self);
    return -1;
}
int intake_store_savepoint (intake_store_t *self) { return s_exec (self, "SAVEPOINT card"); }
int intake_store_release (intake_store_t *self) { return s_exec (self, "RELEASE SAVEPOINT card"); }
int
intake_store_rollback_to (intake_store_t *self)
{
    intake_store_forget_roster (self);
    return s_exec (self, "ROLLBACK TO SAVEPOINT card");
}

void
intake_store_forget_roster (intake_store_t *self)
{
    intake_assign_destroy (&self->roster);
    self->roster_version = -1;
    self->roster_touched = false;
}

int
intake_store_commit (intake_store_t *self, char *sqlstate)
{
    strcpy (sqlstate, "08006");
    if (!self->conn)
        return -1;
    PGresult *res = ll_db_query (self->conn, "COMMIT", 0, NULL, sqlstate);
    if (!res)
        return -1;
    //  COMMIT of a failed transaction answers ROLLBACK, not an error.
    bool rolled_back = strcmp (PQcmdStatus (res), "ROLLBACK") == 0;
    PQclear (res);
    if (rolled_back) {
        strcpy (sqlstate, "25P02");
        intake_store_forget_roster (self);
        return -1;
    }
    self->roster_touched = false;
    return 0;
}

void
intake_store_rollback (intake_store_t *self)
{
    //  What the batch changed in the roster was not stored.
    if (self->roster_touched)
        intake_store_forget_roster (self);
    if (self->conn)
        ll_db_rollback (self->conn);
}

static PGresult *
s_run (intake_store_t *self, const char *name, int nparams, const char *const *params,
       char *sqlstate)
{
    if (!self->conn) {
        strcpy (sqlstate, "08003");
        return NULL;
    }
    return ll_db_execp (self->conn, name, nparams, params, sqlstate);
}

static int
s_run_void (intake_store_t *self, const char *name, int nparams, const char *const *params,
            char *sqlstate)
{
    PGresult *res = s_run (self, name, nparams, params, sqlstate);
    PQclear (res);
    return res ? 0 : -1;
}

// ---------------------------------------------------------------------------
//  Array literals: {"a","b\"c",NULL}

typedef struct {
    char *buf;
    size_t len;
    size_t cap;
    size_t n;
} s_arr_t;

static void
s_arr_reserve (s_arr_t *arr, size_t more)
{
    if (arr->len + more + 1 <= arr->cap)
        return;
    while (arr->len + more + 1 > arr->cap)
        arr->cap = arr->cap ? arr->cap * 2 : 256;
    arr->buf = realloc (arr->buf, arr->cap);
    assert (arr->buf);
}

static void
s_arr_open (s_arr_t *arr)
{
    memset (arr, 0, sizeof *arr);
    s_arr_reserve (arr, 1);
    arr->buf [arr->len++] = '{';
}

static void
s_arr_sep (s_arr_t *arr)
{
    if (arr->n++) {
        s_arr_reserve (arr, 1);
        arr->buf [arr->len++] = ',';
    }
}

static void
s_arr_text (s_arr_t *arr, const char *s)
{
    s_arr_sep (arr);
    if (!s) {
        s_arr_reserve (arr, 4);
        memcpy (arr->buf + arr->len, "NULL", 4);
        arr->len += 4;
        return;
    }
    size_t len = strlen (s);
    s_arr_reserve (arr, 2 * len + 2);         // worst case: every byte escaped
    char *out = arr->buf + arr->len;
    *out++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *out++ = '\\';
        *out++ = *s;
    }
    *out++ = '"';
    arr->len = (size_t) (out - arr->buf);
}

static void
s_arr_int (s_arr_t *arr, long long v)
{
    s_arr_sep (arr);
    s_arr_reserve (arr, 24);
    arr->len += (size_t) snprintf (arr->buf + arr->len, 24, "%lld", v);
}

static void
s_arr_bytea (s_arr_t *arr, const uint8_t *data, size_t size)
{
    static const char hex [] = "0123456789abcdef";
    s_arr_sep (arr);
    s_arr_reserve (arr, 2 * size + 6);
    char *out = arr->buf + arr->len;
    memcpy (out, "\"\\\\x", 4);
    out += 4;
    for (size_t i = 0; i < size; i++) {
        *out++ = hex [data [i] >> 4];
        *out++ = hex [data [i] & 15];
    }
    *out++ = '"';
    arr->len = (size_t) (out - arr->buf);
}

static char *
s_arr_close (s_arr_t *arr)
{
    s_arr_reserve (arr, 1);
    arr->buf [arr->len++] = '}';
    arr->buf [arr->len] = 0;
    return arr->buf;
}

static char *
s_text_array (const char *const *items, size_t n, bool skip_empty)
{
    s_arr_t arr;
    s_arr_open (&arr);
    for (size_t i = 0; i < n; i++)
        if (!skip_empty || (items [i] && *items [i]))
            s_arr_text (&arr, items [i]);
    return s_arr_close (&arr);
}

// ---------------------------------------------------------------------------
//  Submit batch

static void
s_org_rows (PGresult *res, size_t n, intake_org_row_t *out)
{
    memset (out, 0, n * sizeof *out);
    for (int r = 0; r < PQntuples (res); r++) {
        long i = atol (PQgetvalue (res, r, 0)) - 1;
        if (i < 0 || (size_t) i >= n)
            continue;
        intake_org_row_t *row = &out [i];
        row->station_found = *PQgetvalue (res, r, 1) == 't';
        snprintf (row->office_id, sizeof row->office_id, "%s", PQgetvalue (res, r, 2));
        snprintf (row->district_id, sizeof row->district_id, "%s", PQgetvalue (res, r, 3));
        row->employee_found = *PQgetvalue (res, r, 4) == 't';
        snprintf (row->employee_station, sizeof row->employee_station, "%s",
                  PQgetvalue (res, r, 5));
    }
}

static void
s_idem_rows (PGresult *res, intake_idem_fn *fn, void *arg)
{
    for (int r = 0; r < PQntuples (res); r++) {
        size_t size = 0;
        uint8_t *reply = PQunescapeBytea ((const uint8_t *) PQgetvalue (res, r, 2), &size);
        if (reply)
            fn (arg, PQgetvalue (res, r, 0), PQgetvalue (res, r, 1), reply, size);
        PQfreemem (reply);
    }
}

static void
s_dup_rows (PGresult *res, intake_dup_fn *fn, void *arg)
{
    for (int r = 0; r < PQntuples (res); r++)
        fn (arg, PQgetvalue (res, r, 0), PQgetvalue (res, r, 1), PQgetvalue (res, r, 2),
            PQgetvalue (res, r, 3), PQgetvalue (res, r, 4));
}

int
intake_store_lookups (intake_store_t *self, const intake_lookups_t *q, char *sqlstate)
{
    if (!self->conn) {
        strcpy (sqlstate, "08003");
        return -1;
    }
    char *keys = s_text_array (q->keys, q->n_keys, true);
    char *stations = s_text_array (q->station_ids, q->n_org, false);
    char *employees = s_text_array (q->employee_ids, q->n_org, false);
    char *phones = s_text_array (q->phone_keys, q->n_dup, true);
    char *name_zips = s_text_array (q->name_zip_keys, q->n_dup, true);
    char *name_addrs = s_text_array (q->name_addr_keys, q->n_dup, true);
    char since [24];
    snprintf (since, sizeof since, "%lld", (long long) q->since_us);
    const char *idem_params [] = { keys };
    const char *org_params [] = { stations, employees };
    const char *dup_params [] = { phones, name_zips, name_addrs, since };
    enum { IDEM, ORG, DUP };
    ll_db_call_t calls [3];
    int which [3], n = 0;
    if (q->n_keys) {
        calls [n] = (ll_db_call_t) { "idem_lookup", 1, idem_params };
        which [n++] = IDEM;
    }
    if (q->n_org) {
        calls [n] = (ll_db_call_t) { "org_lookup", 2, org_params };
        which [n++] = ORG;
    }
    if (q->n_dup) {
        calls [n] = (ll_db_call_t) { "dup_lookup", 4, dup_params };
        which [n++] = DUP;
    }
    PGresult *res [3];
    int rc = n ? ll_db_execp_many (self->conn, calls, n, res, sqlstate) : 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (which [i] == IDEM)
            s_idem_rows (res [i], q->idem_fn, q->idem_arg);
        else
        if (which [i] == ORG)
            s_org_rows (res [i], q->n_org, q->org);
        else
            s_dup_rows (res [i], q->dup_fn, q->dup_arg);
        PQclear (res [i]);
    }
    free (keys);
    free (stations);
    free (employees);
    free (phones);
    free (name_zips);
    free (name_addrs);
    return rc;
}

int
intake_store_idem_lookup (intake_store_t *self, const char *const *keys, size_t n,
                          intake_idem_fn *fn, void *arg, char *sqlstate)
{
    char *arr = s_text_array (keys, n, true);
    const char *params [] = { arr };
    PGresult *res = s_run (self, "idem_lookup", 1, params, sqlstate);
    free (arr);
    if (!res)
        return -1;
    s_idem_rows (res, fn, arg);
    PQclear (res);
    return 0;
}

int
intake_store_idem_insert (intake_store_t *self, const char *const *keys,
                          const char *const *hashes, const uint8_t *const *replies,
                          const size_t *sizes, size_t n, int64_t now_us, char *sqlstate)
{
    if (n == 0)
        return 0;
    char *k = s_text_array (keys, n, false);
    char *h = s_text_array (hashes, n, false);
    s_arr_t arr;
    s_arr_open (&arr);
    for (size_t i = 0; i < n; i++)
        s_arr_bytea (&arr, replies [i], sizes [i]);
    char *r = s_arr_close (&arr);
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) now_us);
    const char *params [] = { k, h, r, now };
    int rc = s_run_void (self, "idem_insert", 4, params, sqlstate);
    free (k);
    free (h);
    free (r);
    return rc;
}

static uint32_t
s_products_mask (const char *list)
{
    uint32_t mask = 0;
    char buf [512];
    snprintf (buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *p = strtok_r (buf, ",", &save); p; p = strtok_r (NULL, ",", &save)) {
        if (strcmp (p, "all") == 0)
            return INTAKE_PRODUCTS_ALL;
        int product = intake_product_parse (p);
        if (product)
            mask |= 1u << product;
    }
    return mask;
}

//  The batch's territories not in the roster yet, as two arrays for
//  reps_lookup (each id once); how many in all.
static size_t
s_missing (intake_assign_t *roster, const char *const *office_ids,
           const char *const *district_ids, size_t n, char **offices, char **districts)
{
    s_arr_t arr [2];
    s_arr_open (&arr [0]);
    s_arr_open (&arr [1]);
    zhashx_t *asked = zhashx_new ();
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            const char *id = k ? district_ids [i] : office_ids [i];
            char scope [96];
            snprintf (scope, sizeof scope, "%s:%s", k ? "district" : "office", id ? id : "");
            if (!id || !*id || intake_assign_loaded (roster, scope) || zhashx_lookup (asked, scope))
                continue;
            zhashx_insert (asked, scope, (void *) 1);
            s_arr_text (&arr [k], id);
        }
    size_t missing = zhashx_size (asked);
    zhashx_destroy (&asked);
    *offices = s_arr_close (&arr [0]);
    *districts = s_arr_close (&arr [1]);
    return missing;
}

intake_assign_t *
intake_store_load_reps (intake_store_t *self, const char *const *office_ids,
                        const char *const *district_ids, size_t n, char *sqlstate)
{
    //  The roster of an earlier batch serves while nothing it holds changed
    //  since: then only territories it has not seen are read.
    if (!self->roster || self->roster_version != self->version) {
        intake_store_forget_roster (self);
        self->roster = intake_assign_new ();
        self->roster_version = self->version;
    }
    self->roster_touched = true;
    intake_assign_t *assign = self->roster;
    char *offices, *districts;
    bool ok = true;
    if (s_missing (assign, office_ids, district_ids, n, &offices, &districts)) {
        //  The reps of the missing territories and the districts' fallback
        //  owners, in one round trip.
        const char *params [] = { offices, districts };
        const ll_db_call_t calls [] = {
            { "reps_lookup", 2, params }, { "fallback_lookup", 1, params + 1 },
        };
        PGresult *res [2];
        ok = self->conn && ll_db_execp_many (self->conn, calls, 2, res, sqlstate) == 0;
        for (int r = 0; ok && r < PQntuples (res [0]); r++) {
            intake_assign_add_rep (assign, PQgetvalue (res [0], r, 1), PQgetvalue (res [0], r, 2),
                atoi (PQgetvalue (res [0], r, 3)), atoi (PQgetvalue (res [0], r, 4)),
                atoi (PQgetvalue (res [0], r, 7)), *PQgetvalue (res [0], r, 5) == 't',
                strtoll (PQgetvalue (res [0], r, 6), NULL, 10),
                s_products_mask (PQgetvalue (res [0], r, 8)));
            intake_rr_state_t state = {
                .known = *PQgetvalue (res [0], r, 9) == 't',
                .offset = strtoll (PQgetvalue (res [0], r, 10), NULL, 10),
                .weight = atoi (PQgetvalue (res [0], r, 11)),
                .rounds = strtoll (PQgetvalue (res [0], r, 12), NULL, 10),
            };
            intake_assign_add_member (assign, PQgetvalue (res [0], r, 0),
                                      PQgetvalue (res [0], r, 1), &state);
        }
        for (int r = 0; ok && r < PQntuples (res [1]); r++) {
            intake_assign_add_rep (assign, PQgetvalue (res [1], r, 1), PQgetvalue (res [1], r, 2),
                atoi (PQgetvalue (res [1], r, 3)), atoi (PQgetvalue (res [1], r, 4)),
                atoi (PQgetvalue (res [1], r, 7)), *PQgetvalue (res [1], r, 5) == 't',
                strtoll (PQgetvalue (res [1], r, 6), NULL, 10), INTAKE_PRODUCTS_ALL);
            intake_assign_set_fallback (assign, PQgetvalue (res [1], r, 0),
                                        PQgetvalue (res [1], r, 1));
        }
        if (ok) {
            PQclear (res [0]);
            PQclear (res [1]);
        }
        else
        if (!self->conn)
            strcpy (sqlstate, "08003");
    }
    for (size_t i = 0; ok && i < n; i++) {
        char scope [96];
        snprintf (scope, sizeof scope, "office:%s", office_ids [i] ? office_ids [i] : "");
        intake_assign_mark_loaded (assign, scope);
        snprintf (scope, sizeof scope, "district:%s", district_ids [i] ? district_ids [i] : "");
        intake_assign_mark_loaded (assign, scope);
    }
    free (offices);
    free (districts);
    if (!ok)
        intake_store_forget_roster (self);
    return ok ? assign : NULL;
}

typedef struct {
    s_arr_t scopes, rr_reps, offsets, weights;
    s_arr_t round_scopes, rounds;
    s_arr_t load_reps, deltas;
    size_t n;
} s_assign_out_t;

static void
s_on_rr (void *arg, const char *scope, const char *rep_id, int64_t offset, int weight)
{
    s_assign_out_t *out = arg;
    s_arr_text (&out->scopes, scope);
    s_arr_text (&out->rr_reps, rep_id);
    s_arr_int (&out->offsets, offset);
    s_arr_int (&out->weights, weight);
    out->n++;
}

static void
s_on_round (void *arg, const char *scope, int64_t rounds)
{
    s_assign_out_t *out = arg;
    s_arr_text (&out->round_scopes, scope);
    s_arr_int (&out->rounds, rounds);
    out->n++;
}

static void
s_on_load (void *arg, const char *rep_id, int delta)
{
    s_assign_out_t *out = arg;
    s_arr_text (&out->load_reps, rep_id);
    s_arr_int (&out->deltas, delta);
    out->n++;
}

int
intake_store_save_assign (intake_store_t *self, intake_assign_t *assign, char *sqlstate)
{
    s_assign_out_t out = { .n = 0 };
    s_arr_t *arrs [] = { &out.scopes, &out.rr_reps, &out.offsets, &out.load_reps, &out.deltas,
                         &out.weights, &out.round_scopes, &out.rounds };
    enum { N_ARRS = sizeof arrs / sizeof arrs [0] };
    for (size_t i = 0; i < N_ARRS; i++)
        s_arr_open (arrs [i]);
    intake_assign_changes (assign, s_on_rr, s_on_round, s_on_load, &out);
    char *params [N_ARRS];
    for (size_t i = 0; i < N_ARRS; i++)
        params [i] = s_arr_close (arrs [i]);
    int rc = 0;
    if (out.n) {
        PGresult *res = s_run (self, "assign_save", N_ARRS, (const char **) params, sqlstate);
        if (res && PQntuples (res) == 1) {
            //  One more than this transaction saw: nobody else changed
            //  anything since, and nobody can until the commit (the row
            //  stays locked), so the roster is what the store will hold.
            int64_t now = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
            self->roster_version = now == self->version + 1 ? now : -1;
            self->version = now;
            intake_assign_saved (assign);
        }
        else
            rc = -1;
        PQclear (res);
    }
    for (size_t i = 0; i < N_ARRS; i++)
        free (params [i]);
    return rc;
}

int
intake_store_insert_leads (intake_store_t *self, const intake_lead_row_t *rows, size_t n,
                           char *sqlstate)
{
    if (n == 0)
        return 0;
    enum { NCOLS = 29 };
    s_arr_t cols [NCOLS];
    for (int c = 0; c < NCOLS; c++)
        s_arr_open (&cols [c]);
    for (size_t i = 0; i < n; i++) {
        const intake_lead_row_t *r = &rows [i];
        int c = 0;
        s_arr_text (&cols [c++], r->id);
        s_arr_text (&cols [c++], r->key);
        s_arr_text (&cols [c++], r->employee_id);
        s_arr_text (&cols [c++], r->station_id);
        s_arr_text (&cols [c++], r->office_id);
        s_arr_text (&cols [c++], r->district_id);
        s_arr_int (&cols [c++], r->program);
        s_arr_int (&cols [c++], r->card_completed_us);
        s_arr_int (&cols [c++], r->entered_us);
        s_arr_text (&cols [c++], r->business_name);
        s_arr_text (&cols [c++], r->business_address ? r->business_address : "");
        s_arr_text (&cols [c++], r->business_zip);
        s_arr_text (&cols [c++], r->contact_name);
        s_arr_text (&cols [c++], r->contact_phone ? r->contact_phone : "");
        s_arr_text (&cols [c++], r->contact_email ? r->contact_email : "");
        s_arr_text (&cols [c++], r->products);
        s_arr_text (&cols [c++], r->notes ? r->notes : "");
        s_arr_text (&cols [c++], r->phone_key);
        s_arr_text (&cols [c++], r->name_zip_key);
        s_arr_text (&cols [c++], r->name_addr_key);
        s_arr_text (&cols [c++], r->duplicate_of);
        s_arr_text (&cols [c++], r->matched_on);
        s_arr_text (&cols [c++], r->status);
        s_arr_text (&cols [c++], r->rep_id);
        s_arr_text (&cols [c++], r->assign_reason ? r->assign_reason : "");
        s_arr_text (&cols [c++], r->fallback ? "t" : "f");
        s_arr_text (&cols [c++], r->request_hash);
        s_arr_bytea (&cols [c++], r->reply, r->reply_size);
        s_arr_text (&cols [c++], r->submitted_key ? r->submitted_key : "");
        assert (c == NCOLS);
    }
    const char *params [NCOLS];
    for (int c = 0; c < NCOLS; c++)
        params [c] = s_arr_close (&cols [c]);
    int rc = s_run_void (self, "leads_insert", NCOLS, params, sqlstate);
    for (int c = 0; c < NCOLS; c++)
        free ((char *) params [c]);
    return rc;
}

// ---------------------------------------------------------------------------
//  Updates

int
intake_store_lead_get (intake_store_t *self, const char *lead_id,
                       intake_lead_state_t *state, char *sqlstate)
{
    const char *params [] = { lead_id };
    PGresult *res = s_run (self, "lead_get", 1, params, sqlstate);
    if (!res)
        return -1;
    int found = PQntuples (res) > 0;
    if (found) {
        snprintf (state->rep_id, sizeof state->rep_id, "%s", PQgetvalue (res, 0, 0));
        snprintf (state->status, sizeof state->status, "%s", PQgetvalue (res, 0, 1));
        snprintf (state->employee_id, sizeof state->employee_id, "%s", PQgetvalue (res, 0, 2));
        snprintf (state->district_id, sizeof state->district_id, "%s", PQgetvalue (res, 0, 3));
        snprintf (state->duplicate_of, sizeof state->duplicate_of, "%s", PQgetvalue (res, 0, 4));
        state->outcome = atoi (PQgetvalue (res, 0, 5));
    }
    PQclear (res);
    return found;
}

int
intake_store_contact (intake_store_t *self, const char *lead_id, const char *rep_id,
                      int kind, int64_t at_us, const char *note, char *sqlstate)
{
    char kind_s [8], at [24];
    snprintf (kind_s, sizeof kind_s, "%d", kind);
    snprintf (at, sizeof at, "%lld", (long long) at_us);
    const char *ins [] = { lead_id, rep_id, kind_s, at, note ? note : "" };
    const char *upd [] = { lead_id, at, kind_s };
    if (s_run_void (self, "contact_insert", 5, ins, sqlstate))
        return -1;
    return s_run_void (self, "contact_update", 3, upd, sqlstate);
}

int
intake_store_outcome (intake_store_t *self, const char *lead_id, const char *rep_id,
                      int outcome, const char *products, int64_t revenue_cents,
                      const char *lost_reason, int64_t at_us, char *sqlstate)
{
    char outcome_s [8], revenue [24], at [24];
    snprintf (outcome_s, sizeof outcome_s, "%d", outcome);
    snprintf (revenue, sizeof revenue, "%lld", (long long) revenue_cents);
    snprintf (at, sizeof at, "%lld", (long long) at_us);
    const char *params [] = { lead_id, outcome_s, products, revenue,
                              lost_reason ? lost_reason : "", at };
    if (s_run_void (self, "outcome_update", 6, params, sqlstate))
        return -1;
    //  The outcome closes the lead: one less open lead for the rep.
    char arr [80];
    s_arr_t a;
    s_arr_open (&a);
    s_arr_text (&a, rep_id);
    char *reps = s_arr_close (&a);
    snprintf (arr, sizeof arr, "{-1}");
    const char *lp [] = { reps, arr };
    int rc = s_run_void (self, "load_add", 2, lp, sqlstate);
    free (reps);
    return rc;
}

int
intake_store_reassign (intake_store_t *self, const char *lead_id, const char *from_rep,
                       const char *to_rep, const char *reason, int64_t at_us, char *sqlstate)
{
    char at [24];
    snprintf (at, sizeof at, "%lld", (long long) at_us);
    const char *params [] = { lead_id, to_rep, reason, at };
    if (s_run_void (self, "reassign_update", 4, params, sqlstate))
        return -1;
    s_arr_t reps, deltas;
    s_arr_open (&reps);
    s_arr_open (&deltas);
    if (from_rep && *from_rep) {
        s_arr_text (&reps, from_rep);
        s_arr_int (&deltas, -1);
    }
    s_arr_text (&reps, to_rep);
    s_arr_int (&deltas, 1);
    char *r = s_arr_close (&reps);
    char *d = s_arr_close (&deltas);
    const char *lp [] = { r, d };
    int rc = s_run_void (self, "load_add", 2, lp, sqlstate);
    free (r);
    free (d);
    return rc;
}

int
intake_store_rep_get (intake_store_t *self, const char *rep_id, intake_rep_info_t *info,
                      char *sqlstate)
{
    const char *params [] = { rep_id };
    PGresult *res = s_run (self, "rep_get", 1, params, sqlstate);
    if (!res)
        return -1;
    int found = PQntuples (res) > 0;
    if (found) {
        snprintf (info->name, sizeof info->name, "%s", PQgetvalue (res, 0, 0));
        info->active = *PQgetvalue (res, 0, 1) == 't';
    }
    PQclear (res);
    return found;
}

int
intake_store_manager_get (intake_store_t *self, const char *manager_id, char *district,
                          size_t cap, char *sqlstate)
{
    const char *params [] = { manager_id };
    PGresult *res = s_run (self, "manager_get", 1, params, sqlstate);
    if (!res)
        return -1;
    int found = PQntuples (res) > 0;
    if (found)
        snprintf (district, cap, "%s", PQgetvalue (res, 0, 0));
    PQclear (res);
    return found;
}

int
intake_store_audit (intake_store_t *self, const char *lead_id, const char *action,
                    const char *actor, const char *via_key, int64_t at_us,
                    const char *idempotency_key, const char *detail, char *sqlstate)
{
    char at [24];
    snprintf (at, sizeof at, "%lld", (long long) at_us);
    const char *params [] = { lead_id, action, actor, via_key ? via_key : "", at,
                              idempotency_key, detail ? detail : "" };
    return s_run_void (self, "audit_insert", 7, params, sqlstate);
}
