/*  bb_consumer — a test consumer for the event backbone. Each event becomes
    a row in bbcons.applied, which has no unique key on purpose: a doubled
    event shows up as a doubled row. Environment: LEADLINE_DB, BB_PUB /
    BB_REPLAY (connect endpoints), BB_SLOW_MS (sleep this long every
    BB_SLOW_EVERY events, to fall behind the PUB high-water mark),
    LEADLINE_SUB_HWM. */
#include "ll_config.h"
#include "ll_db.h"
#include "ll_clock.h"
#include "ll_log.h"
#include "ll_subscriber.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const ll_migration_t s_migrations [] = {
    { 1, "001_applied", "CREATE TABLE applied (item_id bigint NOT NULL, seq bigint NOT NULL)" },
};

static long s_slow_ms;
static long s_slow_every;
static long s_count;

static int
s_apply (PGconn *conn, const ll_envelope_t *event, void *arg)
{
    if (event->body_case != LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED)
        return 0;
    char seq [24];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long) event->sequence);
    const char *params [] = { event->lead_entered->lead_id, seq };
    PGresult *res = ll_db_execp (conn, "bb_apply", 2, params, NULL);
    if (!res)
        return -1;
    PQclear (res);
    if (s_slow_ms && ++s_count % s_slow_every == 0)
        usleep ((useconds_t) s_slow_ms * 1000);
    return 0;
}

static int
s_prepare (PGconn *conn, void *arg)
{
    return ll_db_prepare (conn, "bb_apply",
        "INSERT INTO bbcons.applied (item_id, seq) VALUES ($1::bigint, $2::bigint)");
}

int
main (void)
{
    ll_log_init ("bb-consumer");
    ll_clock_init ();
    s_slow_ms = ll_config_int ("BB_SLOW_MS", 0);
    s_slow_every = ll_config_int ("BB_SLOW_EVERY", 1000);
    PGconn *conn = ll_db_connect (ll_config_db (), 10000);
    if (!conn)
        return 1;
    if (ll_db_migrate (conn, "bbcons", "service", s_migrations, 1) < 0
    ||  ll_subscriber_migrate (conn, "bbcons"))
        return 1;
    PQfinish (conn);
    ll_subscriber_t *sub = ll_subscriber_new (ll_config_db (), "bbcons", s_apply, NULL);
    ll_subscriber_on_connect (sub, s_prepare);
    ll_subscriber_follow (sub, "bb",
        ll_config_str ("BB_PUB", "tcp://127.0.0.1:7901"),
        ll_config_str ("BB_REPLAY", "tcp://127.0.0.1:7902"));
    zloop_t *loop = zloop_new ();
    ll_subscriber_attach (sub, loop);
    zloop_start (loop);
    ll_subscriber_destroy (&sub);
    zloop_destroy (&loop);
    return 0;
}
