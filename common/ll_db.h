/*  ll_db — PostgreSQL helpers: connect with retry, parameterised queries,
    transactions, and per-service schema migrations with a version table.
    SQL is never built from input: every value goes as a parameter. */
#ifndef LL_DB_H
#define LL_DB_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int version;
    const char *name;
    const char *sql;
} ll_migration_t;

//  Connects, retrying with backoff for up to `wait_ms` (0 = one try).
//  Returns NULL after logging why the last try failed.
PGconn *ll_db_connect (const char *conninfo, int wait_ms);

//  Runs a statement without parameters; 0 on success, -1 after logging.
int ll_db_exec (PGconn *conn, const char *sql);

//  Runs a parameterised statement (text format). Returns the result on
//  success (caller PQclear()s it), or NULL after logging the error; the
//  SQLSTATE of the failure is left in `sqlstate` (6 bytes) if not NULL.
PGresult *ll_db_query (PGconn *conn, const char *sql, int nparams,
                       const char *const *params, char *sqlstate);

//  Prepares `sql` as `name` on this connection; 0 or -1.
int ll_db_prepare (PGconn *conn, const char *name, const char *sql);

//  Runs a prepared statement. As ll_db_query.
PGresult *ll_db_execp (PGconn *conn, const char *name, int nparams,
                       const char *const *params, char *sqlstate);

//  Same, with per-parameter lengths and formats (binary for bytea).
PGresult *ll_db_execpb (PGconn *conn, const char *name, int nparams,
                        const char *const *params, const int *lengths,
                        const int *formats, char *sqlstate);

//  One prepared statement of a pipeline.
typedef struct {
    const char *name;
    int nparams;
    const char *const *params;
} ll_db_call_t;

//  Runs `n` prepared statements in one round trip (libpq pipeline mode;
//  inside the caller's transaction if one is open) and puts their results
//  in results[0..n-1] (the caller PQclear()s each). On any failure clears
//  them all, logs, leaves the SQLSTATE of the failure in `sqlstate` (if
//  not NULL) and returns -1; the statements after a failed one are not run.
int ll_db_execp_many (PGconn *conn, const ll_db_call_t *calls, int n, PGresult **results,
                      char *sqlstate);

int ll_db_begin (PGconn *conn);
int ll_db_commit (PGconn *conn);
void ll_db_rollback (PGconn *conn);

//  True when the error means "try again later": connection gone, server
//  shutting down, serialization failure or deadlock.
bool ll_db_transient (PGconn *conn, const char *sqlstate);

//  Applies the migrations of `component` above its current version in
//  `schema`, in one transaction under an advisory lock. A schema holds
//  several components: the service's own tables ("service"), the event log
//  ("outbox"), the consumer cursors ("cursor"); each has its own version
//  line in <schema>.schema_version. Returns the version now in force, or
//  -1 after logging.
int ll_db_migrate (PGconn *conn, const char *schema, const char *component,
                   const ll_migration_t *migrations, size_t count);

//  The component's version, 0 if it has none yet, -1 on error.
int ll_db_schema_version (PGconn *conn, const char *schema, const char *component);

//  Refuses to start on a schema older than the binary's newest migration
//  and says which command fixes it. 0 if usable, -1 if not.
int ll_db_check_schema (PGconn *conn, const char *schema, const char *component,
                        const char *binary, const ll_migration_t *migrations,
                        size_t count);

#endif
