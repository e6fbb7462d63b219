/*  sla_ladder — who hears about each escalation level of an office, read
    from org.office_ladder (owned by intake's org migrations) and cached
    for LEADLINE_SLA_LADDER_TTL_S seconds. Without the org schema, or for
    an office it does not know, escalations name the roles only. */
#ifndef SLA_LADDER_H
#define SLA_LADDER_H
#include "sla_events.h"
#include <libpq-fe.h>

typedef struct sla_ladder sla_ladder_t;

sla_ladder_t *sla_ladder_new (int ttl_s);
void sla_ladder_destroy (sla_ladder_t **self_p);

//  Prepares the ladder queries on `conn`; call after every (re)connect of
//  the one connection this cache is used with.
int sla_ladder_prepare (sla_ladder_t *self, PGconn *conn);

//  Makes sure each office is cached and fresh, in one query for all that
//  are not. May run inside a transaction: it only reads. 0 or -1.
int sla_ladder_load (sla_ladder_t *self, PGconn *conn, const char *const *offices, size_t count);

//  The recipients of `level` (1..3) for an office, or NULL if unknown.
const sla_recipients_t *sla_ladder_get (sla_ladder_t *self, const char *office_id, int level);

#endif
