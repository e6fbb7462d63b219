#include "ll_db.h"
#include "ll_log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

PGconn *
ll_db_connect (const char *conninfo, int wait_ms)
{
    int waited = 0;
    int backoff = 50;
    while (true) {
        PGconn *conn = PQconnectdb (conninfo);
        if (PQstatus (conn) == CONNECTION_OK) {
            PQsetNoticeProcessor (conn, NULL, NULL);
            PGresult *res = PQexec (conn, "SET client_min_messages = warning");
            PQclear (res);
            return conn;
        }
        if (waited >= wait_ms) {
            char *msg = PQerrorMessage (conn);
            size_t len = strlen (msg);
            while (len && msg [len - 1] == '\n')
                msg [--len] = 0;
            ll_error ("db.connect", "cannot connect to PostgreSQL: %s "
                      "(set LEADLINE_DB to a working connection string)", msg);
            PQfinish (conn);
            return NULL;
        }
        PQfinish (conn);
        usleep ((useconds_t) backoff * 1000);
        waited += backoff;
        backoff = backoff < 1000 ? backoff * 2 : 1000;
    }
}

static PGresult *
s_check (PGconn *conn, PGresult *res, const char *what, char *sqlstate)
{
    ExecStatusType st = PQresultStatus (res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (sqlstate)
            strcpy (sqlstate, "00000");
        return res;
    }
    const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
    if (sqlstate)
        snprintf (sqlstate, 6, "%s", state ? state : "08006");
    const char *msg = res ? PQresultErrorMessage (res) : PQerrorMessage (conn);
    char text [1024];
    snprintf (text, sizeof text, "%s", msg && *msg ? msg : PQerrorMessage (conn));
    size_t len = strlen (text);
    while (len && text [len - 1] == '\n')
        text [--len] = 0;
    ll_log (state && strncmp (state, "23", 2) == 0 ? LL_DEBUG : LL_WARN,
            "db.error", "%s failed [%s]: %s", what, state ? state : "conn", text);
    PQclear (res);
    return NULL;
}

int
ll_db_exec (PGconn *conn, const char *sql)
{
    PGresult *res = s_check (conn, PQexec (conn, sql), sql, NULL);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

PGresult *
ll_db_query (PGconn *conn, const char *sql, int nparams,
             const char *const *params, char *sqlstate)
{
    return s_check (conn,
        PQexecParams (conn, sql, nparams, NULL, params, NULL, NULL, 0),
        sql, sqlstate);
}

int
ll_db_prepare (PGconn *conn, const char *name, const char *sql)
{
    PGresult *res = s_check (conn, PQprepare (conn, name, sql, 0, NULL), name, NULL);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

PGresult *
ll_db_execp (PGconn *conn, const char *name, int nparams,
             const char *const *params, char *sqlstate)
{
    return s_check (conn,
        PQexecPrepared (conn, name, nparams, params, NULL, NULL, 0),
        name, sqlstate);
}

PGresult *
ll_db_execpb (PGconn *conn, const char *name, int nparams,
              const char *const *params, const int *lengths,
              const int *formats, char *sqlstate)
{
    return s_check (conn,
        PQexecPrepared (conn, name, nparams, params, lengths, formats, 0),
        name, sqlstate);
}

int
ll_db_execp_many (PGconn *conn, const ll_db_call_t *calls, int n, PGresult **results,
                  char *sqlstate)
{
    for (int i = 0; i < n; i++)
        results [i] = NULL;
    if (sqlstate)
        strcpy (sqlstate, "08006");   // until a statement says otherwise
    const char *failed = NULL;
    bool logged = false;
    int sent = 0;
    if (PQenterPipelineMode (conn) != 1)
        failed = "pipeline";
    for (; !failed && sent < n; sent++)
        if (PQsendQueryPrepared (conn, calls [sent].name, calls [sent].nparams,
                                 calls [sent].params, NULL, NULL, 0) != 1)
            failed = calls [sent].name;
    bool synced = sent > 0 && PQpipelineSync (conn) == 1;
    if (!synced && !failed)
        failed = "pipeline sync";
    //  Each statement gives its result, then NULL; the sync gives
    //  PGRES_PIPELINE_SYNC. After a failure the rest come back aborted.
    int got = 0, idle = 0;
    while (synced && PQstatus (conn) == CONNECTION_OK && idle <= sent) {
        PGresult *res = PQgetResult (conn);
        if (!res) {
            idle++;
            continue;
        }
        ExecStatusType st = PQresultStatus (res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear (res);
            break;
        }
        if ((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) && got < n && !failed)
            results [got] = res;
        else {
            const char *what = got < n ? calls [got].name : "pipeline";
            if (!failed && st != PGRES_PIPELINE_ABORTED) {
                s_check (conn, res, what, sqlstate);        // logs, clears
                logged = true;
            }
            else
                PQclear (res);
            if (!failed)
                failed = what;
        }
        got++;
    }
    if (!failed && got < n)
        failed = "pipeline";
    if (PQexitPipelineMode (conn) != 1 && !failed)
        failed = "pipeline exit";
    if (!failed) {
        if (sqlstate)
            strcpy (sqlstate, "00000");
        return 0;
    }
    for (int i = 0; i < n; i++) {
        PQclear (results [i]);
        results [i] = NULL;
    }
    if (!logged)
        ll_log (LL_WARN, "db.error", "%s failed [conn]: %s", failed, PQerrorMessage (conn));
    return -1;
}

int ll_db_begin (PGconn *conn) { return ll_db_exec (conn, "BEGIN"); }
int ll_db_commit (PGconn *conn) { return ll_db_exec (conn, "COMMIT"); }

void
ll_db_rollback (PGconn *conn)
{
    if (PQstatus (conn) == CONNECTION_OK)
        PQclear (PQexec (conn, "ROLLBACK"));
}

bool
ll_db_transient (PGconn *conn, const char *sqlstate)
{
    if (PQstatus (conn) != CONNECTION_OK)
        return true;
    if (!sqlstate)
        return false;
    return strncmp (sqlstate, "08", 2) == 0      // connection exception
        || strncmp (sqlstate, "57P", 3) == 0     // admin shutdown, crash
        || strcmp (sqlstate, "40001") == 0       // serialization failure
        || strcmp (sqlstate, "40P01") == 0       // deadlock
        || strcmp (sqlstate, "53300") == 0;      // too many connections
}

int
ll_db_schema_version (PGconn *conn, const char *schema, const char *component)
{
    const char *params [] = { schema };
    PGresult *res = ll_db_query (conn,
        "SELECT to_regclass(quote_ident($1) || '.schema_version') IS NOT NULL",
        1, params, NULL);
    if (!res)
        return -1;
    bool exists = strcmp (PQgetvalue (res, 0, 0), "t") == 0;
    PQclear (res);
    if (!exists)
        return 0;
    char sql [256];
    //  The schema name comes from the binary, never from input.
    snprintf (sql, sizeof sql, "SELECT coalesce(max(version), 0) FROM %s.schema_version"
              " WHERE component = $1", schema);
    const char *cp [] = { component };
    res = ll_db_query (conn, sql, 1, cp, NULL);
    if (!res)
        return -1;
    int version = atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    return version;
}

int
ll_db_migrate (PGconn *conn, const char *schema, const char *component,
               const ll_migration_t *migrations, size_t count)
{
    char sql [512];
    if (ll_db_begin (conn))
        return -1;
    const char *params [] = { schema };
    PGresult *res = ll_db_query (conn,
        "SELECT pg_advisory_xact_lock(hashtext('leadline.migrate.' || $1))", 1, params, NULL);
    if (!res)
        goto fail;
    PQclear (res);
    snprintf (sql, sizeof sql,
        "CREATE SCHEMA IF NOT EXISTS %s;"
        "CREATE TABLE IF NOT EXISTS %s.schema_version ("
        " component text NOT NULL, version int NOT NULL, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now(),"
        " PRIMARY KEY (component, version))", schema, schema);
    if (ll_db_exec (conn, sql))
        goto fail;
    int current = ll_db_schema_version (conn, schema, component);
    if (current < 0)
        goto fail;
    int applied = 0;
    for (size_t i = 0; i < count; i++) {
        if (migrations [i].version <= current)
            continue;
        snprintf (sql, sizeof sql, "SET LOCAL search_path = %s, public", schema);
        if (ll_db_exec (conn, sql) || ll_db_exec (conn, migrations [i].sql)) {
            ll_error ("db.migrate", "migration %s/%s %s failed; nothing was applied",
                      schema, component, migrations [i].name);
            goto fail;
        }
        char ver [16];
        snprintf (ver, sizeof ver, "%d", migrations [i].version);
        const char *vp [] = { component, ver, migrations [i].name };
        snprintf (sql, sizeof sql, "INSERT INTO %s.schema_version (component, version, name)"
                  " VALUES ($1, $2, $3)", schema);
        res = ll_db_query (conn, sql, 3, vp, NULL);
        if (!res)
            goto fail;
        PQclear (res);
        current = migrations [i].version;
        applied++;
    }
    if (ll_db_commit (conn))
        return -1;
    ll_info ("db.migrate", "schema %s %s at version %d (%d applied)",
             schema, component, current, applied);
    return current;
fail:
    ll_db_rollback (conn);
    return -1;
}

int
ll_db_check_schema (PGconn *conn, const char *schema, const char *component,
                    const char *binary, const ll_migration_t *migrations, size_t count)
{
    int want = count ? migrations [count - 1].version : 0;
    int have = ll_db_schema_version (conn, schema, component);
    if (have < 0)
        return -1;
    if (have < want) {
        ll_error ("db.schema", "schema %s (%s) is at version %d, this %s needs %d: "
                  "run `%s migrate` first", schema, component, have, binary, want, binary);
        return -1;
    }
    if (have > want)
        ll_warn ("db.schema", "schema %s (%s) is at version %d, newer than this %s "
                 "knows (%d); running, as migrations are additive",
                 schema, component, have, binary, want);
    return 0;
}
