/*  bb_order — events are numbered in commit order, without holes:
      - A starts first and writes its state change, B starts later and
        commits first: B's event is 1, A's is 2 (numbering in start or
        insert order would publish 2 before 1 was visible, or skip it);
      - C appends and rolls back, D appends and commits: D is 3 (a rolled
        back append takes its number with it, so no consumer waits on a
        hole).
    Relay and subscriber run in this process, on their own connections,
    over ipc endpoints. */
#include "ll_config.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include "ll_subscriber.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Checks survive release builds (assert would compile away under NDEBUG).
#define CHECK(cond) do { if (!(cond)) { \
    fprintf (stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); exit (1); } } while (0)

static const ll_migration_t s_migrations [] = {
    { 1, "001_got", "CREATE TABLE got (lead_id text NOT NULL, seq bigint NOT NULL)" },
    { 2, "002_state", "CREATE TABLE state (name text NOT NULL)" },
};

static ll_subscriber_t *s_sub;
static uint64_t s_want;
static int s_failed;

static int
s_apply (PGconn *conn, const ll_envelope_t *event, void *arg)
{
    if (event->body_case != LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED)
        return 0;
    char seq [24];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long) event->sequence);
    const char *params [] = { event->lead_entered->lead_id, seq };
    PGresult *res = ll_db_query (conn, "INSERT INTO bbordc.got VALUES ($1, $2)", 2, params, NULL);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

static int
s_check (zloop_t *loop, int timer_id, void *arg)
{
    return ll_subscriber_cursor (s_sub, "ord") >= s_want ? -1 : 0;
}

static int
s_deadline (zloop_t *loop, int timer_id, void *arg)
{
    s_failed = 1;
    return -1;
}

//  Runs the loop until the consumer has applied `want` events, or 20 s.
static void
s_run_until (zloop_t *loop, uint64_t want)
{
    s_want = want;
    int check = zloop_timer (loop, 20, 0, s_check, NULL);
    int deadline = zloop_timer (loop, 20000, 1, s_deadline, NULL);
    zloop_start (loop);
    zloop_timer_end (loop, check);
    zloop_timer_end (loop, deadline);
}

static void
s_append (PGconn *conn, const char *lead_id)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__LeadEntered body = LEADLINE__V1__LEAD_ENTERED__INIT;
    body.lead_id = (char *) lead_id;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED;
    env.lead_entered = &body;
    CHECK (ll_outbox_append (conn, "bbord", "ord", &env, NULL) == 0);
}

static char *
s_got (PGconn *conn)
{
    PGresult *res = ll_db_query (conn,
        "SELECT string_agg(lead_id || '@' || seq, ',' ORDER BY seq) FROM bbordc.got", 0, NULL, NULL);
    CHECK (res);
    char *text = strdup (PQgetvalue (res, 0, 0));
    PQclear (res);
    return text;
}

int
main (void)
{
    ll_log_init ("bb-order");
    const char *db = ll_config_db ();
    PGconn *a = ll_db_connect (db, 10000);
    PGconn *b = ll_db_connect (db, 10000);
    CHECK (a && b);
    CHECK (ll_outbox_migrate (a, "bbord") == 0);
    CHECK (ll_db_migrate (a, "bbordc", "service", s_migrations, 2) == 2);
    CHECK (ll_subscriber_migrate (a, "bbordc") == 0);
    CHECK (ll_outbox_prepare (a, "bbord") == 0);
    CHECK (ll_outbox_prepare (b, "bbord") == 0);

    char pub [128], replay [128];
    snprintf (pub, sizeof pub, "ipc:///tmp/llbb-order-%d-pub", getpid ());
    snprintf (replay, sizeof replay, "ipc:///tmp/llbb-order-%d-replay", getpid ());
    ll_relay_t *relay = ll_relay_new (db, "bbord", "bb-order", pub, replay);
    CHECK (relay);
    ll_relay_declare_stream (relay, "ord");
    s_sub = ll_subscriber_new (db, "bbordc", s_apply, NULL);
    CHECK (ll_subscriber_follow (s_sub, "ord", pub, replay) == 0);
    zloop_t *loop = zloop_new ();
    ll_relay_attach (relay, loop);
    ll_subscriber_attach (s_sub, loop);

    //  A writes its state change first and stays open; B commits first.
    CHECK (ll_db_begin (a) == 0);
    CHECK (ll_db_exec (a, "INSERT INTO bbordc.state VALUES ('A')") == 0);
    CHECK (ll_db_begin (b) == 0);
    CHECK (ll_db_exec (b, "INSERT INTO bbordc.state VALUES ('B')") == 0);
    s_append (b, "B");
    CHECK (ll_db_commit (b) == 0);
    s_run_until (loop, 1);
    char *got = s_got (b);
    printf ("after B committed: %s\n", got);
    int ok = !s_failed && strcmp (got, "B@1") == 0;
    free (got);

    s_append (a, "A");
    CHECK (ll_db_commit (a) == 0);
    s_run_until (loop, 2);
    got = s_got (b);
    printf ("after A committed: %s\n", got);
    ok = ok && !s_failed && strcmp (got, "B@1,A@2") == 0;
    free (got);

    //  C's number goes back with its rollback: D follows A without a hole.
    CHECK (ll_db_begin (a) == 0);
    s_append (a, "C");
    ll_db_rollback (a);
    CHECK (ll_db_begin (b) == 0);
    s_append (b, "D");
    CHECK (ll_db_commit (b) == 0);
    s_run_until (loop, 3);
    got = s_got (b);
    printf ("after C rolled back and D committed: %s\n", got);
    ok = ok && !s_failed && strcmp (got, "B@1,A@2,D@3") == 0;
    free (got);

    ll_subscriber_destroy (&s_sub);
    ll_relay_destroy (&relay);
    zloop_destroy (&loop);
    PQfinish (a);
    PQfinish (b);
    printf ("%s\n", ok ? "PASS: numbered in commit order, no hole after a rollback"
                       : "FAIL");
    return ok ? 0 : 1;
}
