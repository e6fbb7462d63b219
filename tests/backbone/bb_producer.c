/*  bb_producer — a test producer for the event backbone. Each transaction
    inserts a run of rows into bbprod.item and one event per row through the
    outbox; the relay publishes them. It stops producing once BB_TOTAL rows
    exist but keeps serving replays until killed.
    Environment: LEADLINE_DB, BB_TOTAL (100000), BB_TX (rows per
    transaction, 50), BB_RATE (rows per second, 0 = as fast as it can),
    BB_PUB / BB_REPLAY (bind endpoints). */
#include "ll_config.h"
#include "ll_db.h"
#include "ll_clock.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include <stdio.h>
#include <stdlib.h>

static const ll_migration_t s_migrations [] = {
    { 1, "001_item", "CREATE TABLE item (id bigint PRIMARY KEY)" },
};

typedef struct {
    PGconn *conn;
    ll_relay_t *relay;
    long long next;
    long long total;
    long tx;
    long rate;
    int64_t started_us;
    long long made;
    bool done;
} producer_t;

static int
s_produce (zloop_t *loop, int timer_id, void *arg)
{
    producer_t *self = arg;
    if (self->done)
        return 0;
    long n = self->tx;
    if (self->rate > 0) {
        double allowed = (double) (ll_mono_us () - self->started_us) / 1e6 * (double) self->rate;
        if ((double) self->made + (double) n > allowed)
            return 0;
    }
    if (self->next + n - 1 > self->total)
        n = (long) (self->total - self->next + 1);
    if (n <= 0) {
        self->done = true;
        ll_info ("bb.done", "produced up to %lld", self->total);
        return 0;
    }
    if (self->conn && PQstatus (self->conn) != CONNECTION_OK) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    if (!self->conn) {
        self->conn = ll_db_connect (ll_config_db (), 0);
        if (self->conn && ll_outbox_prepare (self->conn, "bbprod")) {
            PQfinish (self->conn);
            self->conn = NULL;
        }
        if (!self->conn)
            return 0;
    }
    char first [24], last [24];
    snprintf (first, sizeof first, "%lld", self->next);
    snprintf (last, sizeof last, "%lld", self->next + n - 1);
    const char *params [] = { first, last };
    if (ll_db_begin (self->conn))
        return 0;
    PGresult *res = ll_db_query (self->conn,
        "INSERT INTO bbprod.item SELECT generate_series($1::bigint, $2::bigint)", 2, params, NULL);
    if (!res) {
        ll_db_rollback (self->conn);
        return 0;
    }
    PQclear (res);
    ll_envelope_t envs [n];
    ll_envelope_t *ptrs [n];
    Leadline__V1__LeadEntered bodies [n];
    char ids [n][24];
    for (long i = 0; i < n; i++) {
        leadline__v1__envelope__init (&envs [i]);
        leadline__v1__lead_entered__init (&bodies [i]);
        snprintf (ids [i], sizeof ids [i], "%lld", self->next + i);
        bodies [i].lead_id = ids [i];
        envs [i].body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED;
        envs [i].lead_entered = &bodies [i];
        ptrs [i] = &envs [i];
    }
    if (ll_outbox_append_batch (self->conn, "bbprod", "bb", ptrs, (size_t) n, NULL)
    ||  ll_db_commit (self->conn)) {
        ll_db_rollback (self->conn);
        return 0;
    }
    self->next += n;
    self->made += n;
    return 0;
}

int
main (void)
{
    ll_log_init ("bb-producer");
    ll_clock_init ();
    producer_t self = { 0 };
    self.total = ll_config_int ("BB_TOTAL", 100000);
    self.tx = ll_config_int ("BB_TX", 50);
    self.rate = ll_config_int ("BB_RATE", 0);
    self.conn = ll_db_connect (ll_config_db (), 10000);
    if (!self.conn)
        return 1;
    if (ll_db_migrate (self.conn, "bbprod", "service", s_migrations, 1) < 0
    ||  ll_outbox_migrate (self.conn, "bbprod")
    ||  ll_outbox_prepare (self.conn, "bbprod"))
        return 1;
    PGresult *res = ll_db_query (self.conn, "SELECT coalesce(max(id), 0) + 1 FROM bbprod.item", 0, NULL, NULL);
    if (!res)
        return 1;
    self.next = atoll (PQgetvalue (res, 0, 0));
    PQclear (res);
    self.relay = ll_relay_new (ll_config_db (), "bbprod", "bb-producer",
        ll_config_str ("BB_PUB", "tcp://127.0.0.1:7901"),
        ll_config_str ("BB_REPLAY", "tcp://127.0.0.1:7902"));
    if (!self.relay)
        return 1;
    ll_relay_declare_stream (self.relay, "bb");
    self.started_us = ll_mono_us ();
    zloop_t *loop = zloop_new ();
    ll_relay_attach (self.relay, loop);
    zloop_timer (loop, 1, 0, s_produce, &self);
    zloop_start (loop);
    ll_relay_destroy (&self.relay);
    zloop_destroy (&loop);
    if (self.conn)
        PQfinish (self.conn);
    return 0;
}
