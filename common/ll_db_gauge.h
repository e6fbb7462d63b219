/*  ll_db_gauge — a gauge set from one SQL query (a count, say) run on a
    connection of its own. The query is sent and its answer read when
    PostgreSQL sends it, so a count over a large table never holds up the
    service's loop. */
#ifndef LL_DB_GAUGE_H
#define LL_DB_GAUGE_H
#include <czmq.h>
#include <stdbool.h>
#include "ll_metrics.h"

typedef struct ll_db_gauge ll_db_gauge_t;

//  `sql` answers one row whose first column is an integer; `metric` is set
//  to it. Nothing connects before the first refresh.
ll_db_gauge_t *ll_db_gauge_new (const char *conninfo, const char *sql, ll_metric_t *metric);

//  Closes the connection and leaves the loop.
void ll_db_gauge_destroy (ll_db_gauge_t **self_p);

//  Sends the query unless one is in flight; connects first if need be.
void ll_db_gauge_refresh (ll_db_gauge_t *self, zloop_t *loop);

//  False once a refresh could not reach the store (or the query failed),
//  true again when one is answered.
bool ll_db_gauge_ok (ll_db_gauge_t *self);

#endif
