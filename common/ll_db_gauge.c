/*  ll_db_gauge — a gauge set from one SQL query on its own connection,
    answered without blocking the loop. */
#include "ll_db_gauge.h"
#include "ll_db.h"
#include <stdlib.h>
#include <string.h>

struct ll_db_gauge {
    char *conninfo;
    char *sql;
    ll_metric_t *metric;
    PGconn *conn;
    zloop_t *loop;                  // set while a query is in flight
    zmq_pollitem_t item;
    bool failed;
};

ll_db_gauge_t *
ll_db_gauge_new (const char *conninfo, const char *sql, ll_metric_t *metric)
{
    ll_db_gauge_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo ? conninfo : "");
    self->sql = strdup (sql);
    self->metric = metric;
    if (!self->conninfo || !self->sql)
        ll_db_gauge_destroy (&self);
    return self;
}

static void
s_idle (ll_db_gauge_t *self)
{
    if (self->loop)
        zloop_poller_end (self->loop, &self->item);
    self->loop = NULL;
}

static void
s_drop (ll_db_gauge_t *self)
{
    s_idle (self);
    if (self->conn)
        PQfinish (self->conn);
    self->conn = NULL;
    self->failed = true;
}

void
ll_db_gauge_destroy (ll_db_gauge_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ll_db_gauge_t *self = *self_p;
    s_drop (self);
    free (self->conninfo);
    free (self->sql);
    free (self);
    *self_p = NULL;
}

static int
s_on_answer (zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    ll_db_gauge_t *self = arg;
    if (!PQconsumeInput (self->conn)) {
        s_drop (self);
        return 0;
    }
    if (PQisBusy (self->conn))
        return 0;
    bool answered = false;
    PGresult *res;
    while ((res = PQgetResult (self->conn))) {
        if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1) {
            ll_metric_set (self->metric, strtoll (PQgetvalue (res, 0, 0), NULL, 10));
            answered = true;
        }
        PQclear (res);
    }
    s_idle (self);
    self->failed = !answered;
    return 0;
}

void
ll_db_gauge_refresh (ll_db_gauge_t *self, zloop_t *loop)
{
    if (self->loop || !loop)
        return;                     // the last one is still being answered
    if (self->conn && PQstatus (self->conn) != CONNECTION_OK)
        s_drop (self);
    if (!self->conn && !(self->conn = ll_db_connect (self->conninfo, 0))) {
        self->failed = true;
        return;
    }
    if (!PQsendQueryParams (self->conn, self->sql, 0, NULL, NULL, NULL, NULL, 0)) {
        s_drop (self);
        return;
    }
    self->item = (zmq_pollitem_t) { NULL, PQsocket (self->conn), ZMQ_POLLIN, 0 };
    if (zloop_poller (loop, &self->item, s_on_answer, self) != 0) {
        s_drop (self);
        return;
    }
    zloop_poller_set_tolerant (loop, &self->item);
    self->loop = loop;
}

bool
ll_db_gauge_ok (ll_db_gauge_t *self)
{
    return !self->failed;
}
