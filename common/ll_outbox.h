/*  ll_outbox — the producer half of the event backbone: write an event to the
    service's own event log in the same transaction as the state change it
    describes (transactional outbox), numbered per stream in the same
    statement. Nothing is published here: after commit, the relay (ll_relay)
    publishes what was committed.

    Numbering locks the stream's head row until the transaction ends, so
    append events as the last step before commit: a writer that appends and
    then lingers holds up every other writer on the stream.

    The log lives in the producer's schema (`<schema>.event_log`), created by
    ll_outbox_migrate(). */
#ifndef LL_OUTBOX_H
#define LL_OUTBOX_H
#include <libpq-fe.h>
#include "ll_envelope.h"

//  Creates or upgrades the event log tables in `schema`. 0 or -1.
int ll_outbox_migrate (PGconn *conn, const char *schema);

//  Prepares the insert statement on this connection; call once after
//  connecting (and after every reconnect). 0 or -1.
int ll_outbox_prepare (PGconn *conn, const char *schema);

//  Appends `env` to the log on `stream`, inside the caller's open
//  transaction. Fills in version, time (if 0) and stream; a NULL message_id
//  gets a new UUID for the log (set your own to know it afterwards). 0, or -1 (the caller rolls
//  back; `sqlstate` says whether to retry, see ll_db_transient()).
int ll_outbox_append (PGconn *conn, const char *schema, const char *stream,
                      ll_envelope_t *env, char *sqlstate);

//  The same for `count` events in one statement (group commit). The
//  statement also sends NOTIFY leadline_<schema>, which wakes the relay on
//  commit.
int ll_outbox_append_batch (PGconn *conn, const char *schema, const char *stream,
                            ll_envelope_t **envs, size_t count, char *sqlstate);

#endif
