/*  ll_db against a real PostgreSQL (run under tests/lib/with-pg, which sets
    LEADLINE_DB): migrations in order and once, all-or-nothing on failure,
    separate version lines per component, the schema check at start-up,
    concurrent migrators, connect retry, the transient-error rule, and
    several prepared statements in one round trip.
    Each test works in its own schema, so they do not depend on order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ll_db.h"
#include "ll_log.h"

static const char *s_conninfo;

static PGconn *
s_connect (void)
{
    PGconn *conn = ll_db_connect (s_conninfo, 5000);
    assert_non_null (conn);
    return conn;
}

//  The first column of the first row of a query, as an int.
static int
s_int (PGconn *conn, const char *sql)
{
    PGresult *res = ll_db_query (conn, sql, 0, NULL, NULL);
    if (!res)
        fail_msg ("query failed: %s", sql);
    assert_true (PQntuples (res) >= 1);
    int value = atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    return value;
}

static int
s_table_exists (PGconn *conn, const char *qualified)
{
    const char *params [] = { qualified };
    PGresult *res = ll_db_query (conn, "SELECT to_regclass($1) IS NOT NULL", 1, params, NULL);
    assert_non_null (res);
    int exists = strcmp (PQgetvalue (res, 0, 0), "t") == 0;
    PQclear (res);
    return exists;
}

// ---- capturing the log, to check what the operator is told

typedef struct {
    int saved;
    int read_fd;
} capture_t;

static void
s_capture_start (capture_t *cap)
{
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    fcntl (fds [0], F_SETFL, O_NONBLOCK);
    cap->saved = dup (STDERR_FILENO);
    dup2 (fds [1], STDERR_FILENO);
    close (fds [1]);
    cap->read_fd = fds [0];
}

static char *
s_capture_end (capture_t *cap)
{
    dup2 (cap->saved, STDERR_FILENO);
    close (cap->saved);
    char *text = calloc (1, 65536);
    ssize_t n, len = 0;
    while ((n = read (cap->read_fd, text + len, 65535 - (size_t) len)) > 0)
        len += n;
    close (cap->read_fd);
    return text;
}

// ---- migration sets used below

static const ll_migration_t s_three [] = {
    { 1, "001_items", "CREATE TABLE items (id int PRIMARY KEY)" },
    { 2, "002_items_name", "ALTER TABLE items ADD COLUMN name text NOT NULL DEFAULT ''" },
    { 3, "003_first_item", "INSERT INTO items (id, name) VALUES (1, 'first')" },
};

static void
test_applies_in_order_once (void **state)
{
    PGconn *conn = s_connect ();
    assert_int_equal (ll_db_schema_version (conn, "ut_apply", "service"), 0);
    assert_int_equal (ll_db_migrate (conn, "ut_apply", "service", s_three, 3), 3);
    assert_int_equal (ll_db_schema_version (conn, "ut_apply", "service"), 3);
    //  Each migration ran in the service's schema, in order (2 needs 1, 3 needs 2).
    assert_true (s_table_exists (conn, "ut_apply.items"));
    assert_false (s_table_exists (conn, "public.items"));
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_apply.items WHERE name = 'first'"), 1);
    //  One version row per migration, with its name.
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_apply.schema_version"), 3);
    assert_int_equal (s_int (conn,
        "SELECT count(*) FROM ut_apply.schema_version WHERE version = 2 AND name = '002_items_name'"), 1);
    //  search_path was set for the migration only, not left on the session.
    assert_int_equal (s_int (conn,
        "SELECT (current_setting('search_path') NOT LIKE '%ut_apply%')::int"), 1);
    PQfinish (conn);
}

static void
test_second_run_is_a_no_op (void **state)
{
    PGconn *conn = s_connect ();
    assert_int_equal (ll_db_migrate (conn, "ut_again", "service", s_three, 3), 3);
    //  Running again applies nothing: the INSERT of 003 does not run twice.
    assert_int_equal (ll_db_migrate (conn, "ut_again", "service", s_three, 3), 3);
    assert_int_equal (ll_db_migrate (conn, "ut_again", "service", s_three, 3), 3);
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_again.items"), 1);
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_again.schema_version"), 3);

    //  A newer binary brings one more migration: only that one runs.
    const ll_migration_t four [] = {
        s_three [0], s_three [1], s_three [2],
        { 4, "004_second_item", "INSERT INTO items (id, name) VALUES (2, 'second')" },
    };
    assert_int_equal (ll_db_migrate (conn, "ut_again", "service", four, 4), 4);
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_again.items"), 2);
    assert_int_equal (ll_db_migrate (conn, "ut_again", "service", four, 4), 4);
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_again.items"), 2);

    //  An older binary (fewer migrations) leaves the newer schema alone.
    assert_int_equal (ll_db_migrate (conn, "ut_again", "service", s_three, 3), 4);
    assert_int_equal (ll_db_schema_version (conn, "ut_again", "service"), 4);
    PQfinish (conn);
}

static void
test_failure_rolls_back_everything (void **state)
{
    PGconn *conn = s_connect ();
    assert_int_equal (ll_db_migrate (conn, "ut_fail", "service", s_three, 1), 1);
    const ll_migration_t broken [] = {
        s_three [0],
        { 2, "002_audit", "CREATE TABLE audit (at timestamptz)" },
        { 3, "003_seed", "INSERT INTO audit VALUES (now())" },
        { 4, "004_typo", "ALTER TABLE itemz ADD COLUMN x int" },
    };
    setenv ("LEADLINE_LOG_LEVEL", "error", 1);
    ll_log_init ("db-test");
    capture_t cap;
    s_capture_start (&cap);
    assert_int_equal (ll_db_migrate (conn, "ut_fail", "service", broken, 4), -1);
    char *log = s_capture_end (&cap);
    //  The operator is told which migration failed.
    assert_non_null (strstr (log, "004_typo"));
    free (log);
    //  Migrations 2 and 3 ran before 4 failed; none of them is left.
    assert_int_equal (ll_db_schema_version (conn, "ut_fail", "service"), 1);
    assert_false (s_table_exists (conn, "ut_fail.audit"));
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_fail.schema_version"), 1);
    //  The connection is usable afterwards (no transaction left open).
    assert_int_equal (PQtransactionStatus (conn), PQTRANS_IDLE);
    assert_int_equal (s_int (conn, "SELECT 7"), 7);

    //  Fixed, it applies from where it stopped.
    const ll_migration_t fixed [] = {
        broken [0], broken [1], broken [2],
        { 4, "004_fixed", "ALTER TABLE items ADD COLUMN x int" },
    };
    assert_int_equal (ll_db_migrate (conn, "ut_fail", "service", fixed, 4), 4);
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_fail.audit"), 1);

    //  A failure on a fresh schema does not even leave the schema behind.
    const ll_migration_t bad_first [] = { { 1, "001_bad", "CREATE TABLE (" } };
    s_capture_start (&cap);
    assert_int_equal (ll_db_migrate (conn, "ut_fail_fresh", "service", bad_first, 1), -1);
    free (s_capture_end (&cap));
    assert_int_equal (s_int (conn,
        "SELECT count(*) FROM pg_namespace WHERE nspname = 'ut_fail_fresh'"), 0);
    assert_int_equal (ll_db_schema_version (conn, "ut_fail_fresh", "service"), 0);
    unsetenv ("LEADLINE_LOG_LEVEL");
    ll_log_init ("db-test");
    PQfinish (conn);
}

static void
test_components_keep_separate_versions (void **state)
{
    PGconn *conn = s_connect ();
    const ll_migration_t outbox [] = {
        { 1, "001_event_log", "CREATE TABLE event_log (id bigserial PRIMARY KEY)" },
    };
    const ll_migration_t cursor [] = {
        { 1, "001_cursor", "CREATE TABLE cursor (stream text PRIMARY KEY)" },
        { 2, "002_cursor_seq", "ALTER TABLE cursor ADD COLUMN seq bigint" },
    };
    assert_int_equal (ll_db_migrate (conn, "ut_multi", "service", s_three, 3), 3);
    assert_int_equal (ll_db_migrate (conn, "ut_multi", "outbox", outbox, 1), 1);
    assert_int_equal (ll_db_migrate (conn, "ut_multi", "cursor", cursor, 2), 2);
    assert_int_equal (ll_db_schema_version (conn, "ut_multi", "service"), 3);
    assert_int_equal (ll_db_schema_version (conn, "ut_multi", "outbox"), 1);
    assert_int_equal (ll_db_schema_version (conn, "ut_multi", "cursor"), 2);
    assert_true (s_table_exists (conn, "ut_multi.event_log"));
    assert_true (s_table_exists (conn, "ut_multi.cursor"));
    //  The outbox's version 1 did not count as the service's version 1.
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_multi.schema_version"), 6);
    //  The same component in another schema starts from nothing.
    assert_int_equal (ll_db_schema_version (conn, "ut_multi_other", "outbox"), 0);
    assert_int_equal (ll_db_migrate (conn, "ut_multi_other", "outbox", outbox, 1), 1);
    assert_true (s_table_exists (conn, "ut_multi_other.event_log"));
    PQfinish (conn);
}

static void
test_check_schema (void **state)
{
    PGconn *conn = s_connect ();
    assert_int_equal (ll_db_migrate (conn, "ut_check", "service", s_three, 2), 2);

    //  An older schema than the binary needs: refused, with the fix.
    capture_t cap;
    s_capture_start (&cap);
    assert_int_equal (ll_db_check_schema (conn, "ut_check", "service", "leadline-test",
                                          s_three, 3), -1);
    char *log = s_capture_end (&cap);
    assert_non_null (strstr (log, "\"level\":\"error\""));
    assert_non_null (strstr (log, "leadline-test migrate"));
    free (log);

    //  Exactly current: fine, and quiet.
    s_capture_start (&cap);
    assert_int_equal (ll_db_check_schema (conn, "ut_check", "service", "leadline-test",
                                          s_three, 2), 0);
    log = s_capture_end (&cap);
    assert_string_equal (log, "");
    free (log);

    //  Newer than the binary knows (a rolled-back binary): runs, with a warning.
    s_capture_start (&cap);
    assert_int_equal (ll_db_check_schema (conn, "ut_check", "service", "leadline-test",
                                          s_three, 1), 0);
    log = s_capture_end (&cap);
    assert_non_null (strstr (log, "\"level\":\"warn\""));
    assert_non_null (strstr (log, "newer"));
    free (log);

    //  A schema never migrated is refused too.
    s_capture_start (&cap);
    assert_int_equal (ll_db_check_schema (conn, "ut_check_none", "service", "leadline-test",
                                          s_three, 1), -1);
    free (s_capture_end (&cap));
    PQfinish (conn);
}

typedef struct {
    const char *schema;
    int result;
} racer_t;

static void *
s_racer (void *arg)
{
    racer_t *racer = arg;
    PGconn *conn = ll_db_connect (s_conninfo, 5000);
    racer->result = conn ? ll_db_migrate (conn, racer->schema, "service", s_three, 3) : -2;
    PQfinish (conn);
    return NULL;
}

static void
test_concurrent_migrators (void **state)
{
    //  Several instances starting at once: one applies, the others wait on
    //  the lock and find the work done; no duplicate-key failures.
    enum { RACERS = 4 };
    pthread_t threads [RACERS];
    racer_t racers [RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers [i] = (racer_t) { "ut_race", 0 };
        assert_int_equal (pthread_create (&threads [i], NULL, s_racer, &racers [i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join (threads [i], NULL);
        assert_int_equal (racers [i].result, 3);
    }
    PGconn *conn = s_connect ();
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_race.items"), 1);
    assert_int_equal (s_int (conn, "SELECT count(*) FROM ut_race.schema_version"), 3);
    PQfinish (conn);
}

static void
test_connect_gives_up (void **state)
{
    capture_t cap;
    s_capture_start (&cap);
    //  Nothing listens in a folder that does not exist: every try fails.
    assert_null (ll_db_connect ("host=/nonexistent/leadline port=5432 dbname=leadline", 300));
    assert_null (ll_db_connect ("host=/nonexistent/leadline port=5432 dbname=leadline", 0));
    assert_null (ll_db_connect ("this is not a connection string", 100));
    char *log = s_capture_end (&cap);
    //  Each give-up is logged once, with what to do about it.
    int count = 0;
    for (const char *p = strstr (log, "\"event\":\"db.connect\""); p;
         p = strstr (p + 1, "\"event\":\"db.connect\""))
        count++;
    assert_int_equal (count, 3);
    assert_non_null (strstr (log, "LEADLINE_DB"));
    free (log);

    //  A good connection string connects at the first try.
    PGconn *conn = ll_db_connect (s_conninfo, 0);
    assert_non_null (conn);
    PQfinish (conn);
}

static void
test_transient_classification (void **state)
{
    PGconn *conn = s_connect ();
    //  Worth a retry: connection trouble, shutdown, serialization, deadlock.
    const char *transient [] = { "08000", "08006", "08001", "57P01", "57P02", "57P03",
                                 "40001", "40P01", "53300" };
    for (size_t i = 0; i < sizeof transient / sizeof transient [0]; i++)
        if (!ll_db_transient (conn, transient [i]))
            fail_msg ("%s should be transient", transient [i]);
    //  Not worth one: the same statement would fail the same way.
    const char *permanent [] = { "23505", "23503", "42601", "42P01", "22P02", "00000", "" };
    for (size_t i = 0; i < sizeof permanent / sizeof permanent [0]; i++)
        if (ll_db_transient (conn, permanent [i]))
            fail_msg ("%s should not be transient", permanent [i]);
    assert_false (ll_db_transient (conn, NULL));

    //  Real failures carry their SQLSTATE out of ll_db_query.
    char sqlstate [6] = "";
    capture_t cap;
    s_capture_start (&cap);
    PGresult *res = ll_db_query (conn, "SELEC 1", 0, NULL, sqlstate);
    assert_null (res);
    assert_string_equal (sqlstate, "42601");
    assert_false (ll_db_transient (conn, sqlstate));
    const char *params [] = { "not a number" };
    assert_null (ll_db_query (conn, "SELECT $1::int", 1, params, sqlstate));
    assert_string_equal (sqlstate, "22P02");
    free (s_capture_end (&cap));
    res = ll_db_query (conn, "SELECT 1", 0, NULL, sqlstate);
    assert_non_null (res);
    assert_string_equal (sqlstate, "00000");
    PQclear (res);

    //  A session the server ends is transient, whatever the code says.
    PGconn *admin = s_connect ();
    char pid [16];
    snprintf (pid, sizeof pid, "%d", PQbackendPID (conn));
    const char *pp [] = { pid };
    res = ll_db_query (admin, "SELECT pg_terminate_backend($1::int, 5000)", 1, pp, NULL);
    assert_non_null (res);
    PQclear (res);
    s_capture_start (&cap);
    res = ll_db_query (conn, "SELECT 1", 0, NULL, sqlstate);
    free (s_capture_end (&cap));
    assert_null (res);
    assert_true (ll_db_transient (conn, sqlstate));
    PQfinish (admin);
    PQfinish (conn);

    //  So is a connection that never came up.
    PGconn *dead = PQconnectdb ("host=/nonexistent/leadline dbname=leadline");
    assert_int_equal (PQstatus (dead), CONNECTION_BAD);
    assert_true (ll_db_transient (dead, "23505"));
    PQfinish (dead);
}

static void
test_execp_many (void **state)
{
    PGconn *conn = s_connect ();
    assert_int_equal (ll_db_prepare (conn, "many_double", "SELECT $1::int * 2"), 0);
    assert_int_equal (ll_db_prepare (conn, "many_div", "SELECT 10 / $1::int"), 0);
    assert_int_equal (ll_db_exec (conn, "BEGIN"), 0);

    //  Results come back in the order sent, inside the open transaction.
    const char *three [] = { "3" }, *five [] = { "5" }, *zero [] = { "0" };
    ll_db_call_t calls [] = {
        { "many_double", 1, three }, { "many_div", 1, five }, { "many_double", 1, five },
    };
    PGresult *res [3];
    char sqlstate [6] = "";
    assert_int_equal (ll_db_execp_many (conn, calls, 3, res, sqlstate), 0);
    assert_string_equal (sqlstate, "00000");
    assert_string_equal (PQgetvalue (res [0], 0, 0), "6");
    assert_string_equal (PQgetvalue (res [1], 0, 0), "2");
    assert_string_equal (PQgetvalue (res [2], 0, 0), "10");
    for (int i = 0; i < 3; i++)
        PQclear (res [i]);
    assert_int_equal (PQtransactionStatus (conn), PQTRANS_INTRANS);

    //  A failure in the middle: its SQLSTATE, no results kept, the rest
    //  not run, and the connection usable again after the rollback.
    calls [1].params = zero;
    capture_t cap;
    s_capture_start (&cap);
    assert_int_equal (ll_db_execp_many (conn, calls, 3, res, sqlstate), -1);
    char *log = s_capture_end (&cap);
    assert_non_null (strstr (log, "many_div failed [22012]"));
    free (log);
    assert_string_equal (sqlstate, "22012");
    for (int i = 0; i < 3; i++)
        assert_null (res [i]);
    assert_int_equal (PQtransactionStatus (conn), PQTRANS_INERROR);
    ll_db_rollback (conn);
    assert_int_equal (s_int (conn, "SELECT 41 + 1"), 42);
    PQfinish (conn);
}

int
main (void)
{
    s_conninfo = getenv ("LEADLINE_DB");
    if (!s_conninfo || !*s_conninfo) {
        fprintf (stderr, "db tests need LEADLINE_DB; run them as tests/lib/with-pg %s\n",
                 "build/tests/db/db_migrate");
        return 1;
    }
    ll_log_init ("db-test");
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_applies_in_order_once),
        cmocka_unit_test (test_second_run_is_a_no_op),
        cmocka_unit_test (test_failure_rolls_back_everything),
        cmocka_unit_test (test_components_keep_separate_versions),
        cmocka_unit_test (test_check_schema),
        cmocka_unit_test (test_concurrent_migrators),
        cmocka_unit_test (test_connect_gives_up),
        cmocka_unit_test (test_transient_classification),
        cmocka_unit_test (test_execp_many),
    };
    return cmocka_run_group_tests_name ("ll_db", tests, NULL, NULL);
}
