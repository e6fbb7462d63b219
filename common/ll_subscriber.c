/*  ll_subscriber — applies a producer's events exactly once, in order, with
    a durable cursor per stream. See ll_subscriber.h.

    Per stream the state machine is small:
      LIVE       applying what PUB delivers, in sequence;
      REPLAYING  a gap or a start-up catch-up was seen: asking the producer's
                 replay endpoint for cursor+1.. until it says we are at its
                 head; live events past the cursor are dropped meanwhile
                 (the replay brings them).
    Any failure to apply (store down, error in the consumer) rolls back and
    falls back to REPLAYING from the durable cursor, so nothing is skipped. */
#include "ll_subscriber.h"
#include "ll_auth.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdlib.h>
#include <string.h>

extern const ll_migration_t ll_cursor_migrations [];
extern const size_t ll_cursor_migration_count;

#define SUB_MAX_STREAMS 8
#define SUB_DRAIN 2000             // messages read before applying a batch
#define SUB_REPLAY_TIMEOUT_US 2000000
#define SUB_SILENT_US 3500000      // no heartbeat for this long: producer down

typedef struct {
    char *name;
    char *pub_endpoint;
    char *replay_endpoint;
    zsock_t *sub;
    zsock_t *dealer;
    uint64_t cursor;               // last applied, durable
    uint64_t head;                 // producer's head as last heard
    bool replaying;
    int64_t replay_sent_us;
    int64_t heard_us;              // last heartbeat or event
    bool silent;
    ll_metric_t *applied;
    ll_metric_t *lag;
    ll_metric_t *gaps;
    ll_metric_t *up;
} stream_t;

struct ll_subscriber {
    char *conninfo;
    char *schema;
    ll_apply_fn *apply;
    ll_prepare_fn *prepare;
    ll_flush_fn *flush;
    ll_committed_fn *committed;
    void *arg;
    PGconn *conn;                  // ours alone: cursors and the consumer's effects
    zloop_t *loop;
    stream_t streams [SUB_MAX_STREAMS];
    size_t n_streams;
    int rcvhwm;
    char stall [256];              // why we are not applying, if we are not
    ll_metric_t *batch_size;
};

int
ll_subscriber_migrate (PGconn *conn, const char *schema)
{
    return ll_db_migrate (conn, schema, "cursor", ll_cursor_migrations,
                          ll_cursor_migration_count) < 0 ? -1 : 0;
}

ll_subscriber_t *
ll_subscriber_new (const char *conninfo, const char *schema, ll_apply_fn *apply, void *arg)
{
    ll_subscriber_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    self->schema = strdup (schema);
    self->apply = apply;
    self->arg = arg;
    self->rcvhwm = (int) ll_config_int ("LEADLINE_SUB_HWM", 100000);
    char labels [128];
    snprintf (labels, sizeof labels, "consumer=\"%s\"", schema);
    self->batch_size = ll_metric_histogram ("leadline_subscriber_batch_size", labels,
                                            "Events applied per consumer transaction");
    return self;
}

void
ll_subscriber_destroy (ll_subscriber_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ll_subscriber_t *self = *self_p;
    for (size_t i = 0; i < self->n_streams; i++) {
        stream_t *s = &self->streams [i];
        if (self->loop) {
            zloop_reader_end (self->loop, s->sub);
            zloop_reader_end (self->loop, s->dealer);
        }
        zsock_destroy (&s->sub);
        zsock_destroy (&s->dealer);
        free (s->name);
        free (s->pub_endpoint);
        free (s->replay_endpoint);
    }
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self->schema);
    free (self);
    *self_p = NULL;
}

void
ll_subscriber_on_connect (ll_subscriber_t *self, ll_prepare_fn *prepare)
{
    self->prepare = prepare;
}

void
ll_subscriber_on_flush (ll_subscriber_t *self, ll_flush_fn *flush)
{
    self->flush = flush;
}

void
ll_subscriber_on_commit (ll_subscriber_t *self, ll_committed_fn *committed)
{
    self->committed = committed;
}

int
ll_subscriber_follow (ll_subscriber_t *self, const char *stream,
                      const char *pub_endpoint, const char *replay_endpoint)
{
    if (self->n_streams >= SUB_MAX_STREAMS)
        return -1;
    stream_t *s = &self->streams [self->n_streams];
    memset (s, 0, sizeof *s);
    s->name = strdup (stream);
    s->pub_endpoint = strdup (pub_endpoint);
    s->replay_endpoint = strdup (replay_endpoint);
    s->sub = zsock_new (ZMQ_SUB);
    s->dealer = zsock_new (ZMQ_DEALER);
    if (!s->sub || !s->dealer)
        return -1;
    ll_socket_caps (s->sub, self->rcvhwm);
    ll_socket_caps (s->dealer, 100000);
    //  A replay request never waits in a queue for a producer that is not
    //  there: it fails at once and the timer asks again later.
    zsock_set_immediate (s->dealer, 1);
    zsock_set_subscribe (s->sub, stream);
    //  CURVE with this service's key when it has one (ll_auth.h).
    char err [512];
    if (ll_auth_backbone_client (s->sub, stream, self->conninfo, err, sizeof err)
    ||  ll_auth_backbone_client (s->dealer, stream, self->conninfo, err, sizeof err)) {
        ll_error ("subscriber.key", "stream %s: %s", stream, err);
        return -1;
    }
    if (zsock_connect (s->sub, "%s", pub_endpoint) < 0
    ||  zsock_connect (s->dealer, "%s", replay_endpoint) < 0) {
        ll_error ("subscriber.connect", "cannot connect to %s / %s for stream %s: "
                  "check the endpoint syntax (tcp://host:port)", pub_endpoint, replay_endpoint, stream);
        return -1;
    }
    char labels [160];
    snprintf (labels, sizeof labels, "consumer=\"%s\",stream=\"%s\"", self->schema, stream);
    s->applied = ll_metric_counter ("leadline_events_applied_total", labels,
                                    "Events applied by this consumer");
    s->lag = ll_metric_gauge ("leadline_stream_lag", labels,
                              "Producer head minus this consumer's cursor");
    s->gaps = ll_metric_counter ("leadline_stream_replays_total", labels,
                                 "Replays started after a gap, a restart or a failure");
    s->up = ll_metric_gauge ("leadline_producer_up", labels,
                             "1 while the producer's heartbeats arrive");
    self->n_streams++;
    return 0;
}

static stream_t *
s_stream (ll_subscriber_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_streams; i++)
        if (name && strcmp (self->streams [i].name, name) == 0)
            return &self->streams [i];
    return NULL;
}

uint64_t
ll_subscriber_cursor (ll_subscriber_t *self, const char *stream)
{
    stream_t *s = s_stream (self, stream);
    return s ? s->cursor : 0;
}

bool
ll_subscriber_ready (ll_subscriber_t *self)
{
    return self->conn && PQstatus (self->conn) == CONNECTION_OK && !self->stall [0];
}

bool
ll_subscriber_caught_up (ll_subscriber_t *self)
{
    if (!ll_subscriber_ready (self))
        return false;
    for (size_t i = 0; i < self->n_streams; i++)
        if (self->streams [i].replaying || self->streams [i].cursor < self->streams [i].head)
            return false;
    return true;
}

//  Asks the producer for everything after the cursor. `why` names a new
//  replay ("start", "gap", "behind", "retry"); NULL re-asks within one.
static void
s_request_replay (ll_subscriber_t *self, stream_t *s, const char *why)
{
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    Leadline__V1__ReplayRequest req = LEADLINE__V1__REPLAY_REQUEST__INIT;
    req.stream = s->name;
    req.from_seq = s->cursor + 1;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPLAY_REQUEST;
    env.replay_request = &req;
    zframe_t *frame = ll_envelope_frame (&env);
    if (why) {
        ll_metric_add (s->gaps, 1);
        ll_info ("subscriber.replay", "stream %s: replaying from %llu (%s)",
                 s->name, (unsigned long long) s->cursor + 1, why);
    }
    s->replaying = true;
    s->replay_sent_us = ll_mono_us ();
    //  Non-blocking: with no producer connected the request is dropped and
    //  the timer tries again.
    if (zframe_send (&frame, s->dealer, ZFRAME_DONTWAIT) != 0)
        zframe_destroy (&frame);
}

static void
s_set_lag (stream_t *s)
{
    ll_metric_set (s->lag, s->head > s->cursor ? (int64_t) (s->head - s->cursor) : 0);
}

static int
s_connect (ll_subscriber_t *self)
{
    if (self->conn)
        return 0;
    self->conn = ll_db_connect (self->conninfo, 0);
    if (!self->conn)
        return -1;
    char sql [512];
    snprintf (sql, sizeof sql,
        "SELECT last_seq FROM %s.cursor WHERE stream = $1 FOR UPDATE", self->schema);
    if (ll_db_prepare (self->conn, "sub_lock", sql))
        goto fail;
    snprintf (sql, sizeof sql,
        "INSERT INTO %s.cursor (stream) VALUES ($1) ON CONFLICT DO NOTHING", self->schema);
    if (ll_db_prepare (self->conn, "sub_init", sql))
        goto fail;
    if (self->prepare && self->prepare (self->conn, self->arg))
        goto fail;
    //  Load every cursor, then catch up from it.
    for (size_t i = 0; i < self->n_streams; i++) {
        stream_t *s = &self->streams [i];
        const char *params [] = { s->name };
        PGresult *res = ll_db_execp (self->conn, "sub_init", 1, params, NULL);
        if (!res)
            goto fail;
        PQclear (res);
        if (ll_db_begin (self->conn))
            goto fail;
        res = ll_db_execp (self->conn, "sub_lock", 1, params, NULL);
        if (!res) {
            ll_db_rollback (self->conn);
            goto fail;
        }
        s->cursor = strtoull (PQgetvalue (res, 0, 0), NULL, 10);
        PQclear (res);
        ll_db_rollback (self->conn);
        s->replaying = false;
        s_request_replay (self, s, "start");
    }
    ll_info ("subscriber.store", "consumer %s connected; catching up", self->schema);
    return 0;
fail:
    PQfinish (self->conn);
    self->conn = NULL;
    return -1;
}

//  Runs `sql` (several statements, one round trip: a simple query's
//  statements run in order, each seeing the ones before) and returns its
//  last result if it has `status`, else NULL (and says why).
static PGresult *
s_exec_many (ll_subscriber_t *self, const char *sql, ExecStatusType status)
{
    PGresult *res = PQexec (self->conn, sql);
    if (PQresultStatus (res) == status)
        return res;
    ll_warn ("db.error", "consumer %s: %s", self->schema,
             res ? PQresultErrorMessage (res) : PQerrorMessage (self->conn));
    PQclear (res);
    return NULL;
}

//  BEGIN and the stream's cursor locked, in one round trip: the durable
//  cursor, or -1.
static int
s_begin_locked (ll_subscriber_t *self, stream_t *s, uint64_t *durable)
{
    char *name = PQescapeLiteral (self->conn, s->name, strlen (s->name));
    if (!name)
        return -1;
    char sql [512];
    snprintf (sql, sizeof sql,
              "BEGIN; SELECT last_seq FROM %s.cursor WHERE stream = %s FOR UPDATE",
              self->schema, name);
    PQfreemem (name);
    PGresult *res = s_exec_many (self, sql, PGRES_TUPLES_OK);
    if (!res || PQntuples (res) != 1) {
        PQclear (res);
        return -1;
    }
    *durable = strtoull (PQgetvalue (res, 0, 0), NULL, 10);
    PQclear (res);
    return 0;
}

//  The cursor moved to `last` and COMMIT, in one round trip.
static int
s_move_commit (ll_subscriber_t *self, stream_t *s, uint64_t last)
{
    char *name = PQescapeLiteral (self->conn, s->name, strlen (s->name));
    if (!name)
        return -1;
    char sql [512];
    snprintf (sql, sizeof sql,
              "INSERT INTO %s.cursor (stream, last_seq) VALUES (%s, %llu)"
              " ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq,"
              " updated_at = now(); COMMIT",
              self->schema, name, (unsigned long long) last);
    PQfreemem (name);
    PGresult *res = s_exec_many (self, sql, PGRES_COMMAND_OK);
    //  COMMIT of a transaction that failed answers ROLLBACK.
    bool committed = res && strcmp (PQcmdStatus (res), "COMMIT") == 0;
    PQclear (res);
    return committed ? 0 : -1;
}

//  Applies `count` events of one stream, in order, in one transaction with
//  the cursor move. Events at or below the durable cursor are skipped (a
//  second instance of this consumer may have applied them). Returns 0, or
//  -1 after rolling back.
static int
s_apply_batch (ll_subscriber_t *self, stream_t *s, ll_envelope_t **events, size_t count)
{
    if (count == 0)
        return 0;
    if (!self->conn && s_connect (self))
        return -1;
    uint64_t durable;
    if (s_begin_locked (self, s, &durable))
        goto fail;
    uint64_t last = durable;
    size_t applied = 0;
    for (size_t i = 0; i < count; i++) {
        if (events [i]->sequence <= last)
            continue;
        if (events [i]->sequence != last + 1)
            break;      // not contiguous with what is stored: replay will fill it
        if (self->apply (self->conn, events [i], self->arg)) {
            snprintf (self->stall, sizeof self->stall,
                      "stream %s stalled at sequence %llu: the consumer could not apply %s",
                      s->name, (unsigned long long) events [i]->sequence,
                      ll_envelope_type_name (events [i]));
            goto fail;
        }
        last = events [i]->sequence;
        applied++;
    }
    if (applied && self->flush && self->flush (self->conn, self->arg)) {
        snprintf (self->stall, sizeof self->stall,
                  "stream %s stalled at sequence %llu: the consumer could not store its batch",
                  s->name, (unsigned long long) durable + 1);
        goto fail;
    }
    if (last != durable ? s_move_commit (self, s, last) : ll_db_commit (self->conn))
        goto fail;
    self->stall [0] = 0;
    s->cursor = last;
    if (applied) {
        ll_metric_add (s->applied, (int64_t) applied);
        ll_metric_observe (self->batch_size, (double) applied);
    }
    if (s->head < s->cursor)
        s->head = s->cursor;
    s_set_lag (s);
    if (applied && self->committed)
        self->committed (self->arg);
    return 0;
fail:
    ll_db_rollback (self->conn);
    if (self->stall [0])
        ll_warn ("subscriber.stall", "%s; retrying from the cursor", self->stall);
    if (PQstatus (self->conn) != CONNECTION_OK) {
        ll_warn ("subscriber.store", "consumer %s lost the store; will catch up on reconnect",
                 self->schema);
        PQfinish (self->conn);
        self->conn = NULL;
    }
    s->replaying = true;            // the timer asks again from the cursor
    s->replay_sent_us = 0;
    return -1;
}

//  Takes in one decoded frame. Events that follow on from the cursor are
//  collected in `batch`; a gap starts a replay.
static void
s_take (ll_subscriber_t *self, stream_t *s, ll_envelope_t *env,
        ll_envelope_t **batch, size_t *count, bool from_replay)
{
    s->heard_us = ll_mono_us ();
    if (s->silent) {
        s->silent = false;
        ll_info ("subscriber.producer", "stream %s: producer is back", s->name);
    }
    ll_metric_set (s->up, 1);
    uint64_t expected = s->cursor + *count + 1;
    switch (env->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT:
            for (size_t i = 0; i < env->heartbeat->n_heads; i++) {
                Leadline__V1__StreamHead *h = env->heartbeat->heads [i];
                if (h->stream && strcmp (h->stream, s->name) == 0) {
                    if (h->last_seq > s->head)
                        s->head = h->last_seq;
                    if (h->last_seq >= expected && !s->replaying)
                        s_request_replay (self, s, "behind");
                }
            }
            s_set_lag (s);
            ll_envelope_free (&env);
            return;
        case LEADLINE__V1__ENVELOPE__BODY_REPLAY_END: {
            Leadline__V1__ReplayEnd *end = env->replay_end;
            if (end->head_seq > s->head)
                s->head = end->head_seq;
            //  More to fetch: ask again once this batch is applied.
            if (end->next_seq <= end->head_seq)
                s->replay_sent_us = 0;
            else
                s->replaying = false;
            ll_envelope_free (&env);
            return;
        }
        case LEADLINE__V1__ENVELOPE__BODY_ERROR:
            ll_warn ("subscriber.replay", "stream %s: producer refused replay: %s",
                     s->name, env->error->message);
            ll_envelope_free (&env);
            return;
        default:
            break;
    }
    if (env->sequence < expected) {
        ll_envelope_free (&env);       // already applied or already queued
        return;
    }
    if (env->sequence > expected) {
        if (!s->replaying)
            s_request_replay (self, s, "gap");
        ll_envelope_free (&env);       // the replay brings it, in order
        return;
    }
    if (s->head < env->sequence)
        s->head = env->sequence;
    batch [(*count)++] = env;
}

static void
s_drain (ll_subscriber_t *self, stream_t *s, zsock_t *sock, bool from_replay)
{
    ll_envelope_t **batch = malloc (sizeof (ll_envelope_t *) * SUB_DRAIN);
    if (!batch)
        return;
    size_t count = 0;
    for (int n = 0; n < SUB_DRAIN && count < SUB_DRAIN; n++) {
        zmsg_t *msg = zmsg_recv_nowait (sock);
        if (!msg)
            break;
        if (!from_replay) {
            zframe_t *topic = zmsg_pop (msg);
            zframe_destroy (&topic);
        }
        zframe_t *frame = zmsg_pop (msg);
        zmsg_destroy (&msg);
        if (!frame)
            continue;
        char err [256];
        ll_decode_rc_t rc;
        ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame),
                                                 &rc, err, sizeof err);
        zframe_destroy (&frame);
        if (!env) {
            ll_warn ("subscriber.decode", "stream %s: dropped a frame: %s", s->name, err);
            continue;
        }
        s_take (self, s, env, batch, &count, from_replay);
    }
    if (s_apply_batch (self, s, batch, count) == 0 && s->replaying && s->replay_sent_us == 0)
        s_request_replay (self, s, NULL);
    for (size_t i = 0; i < count; i++)
        ll_envelope_free (&batch [i]);
    free (batch);
}

static int
s_on_sub (zloop_t *loop, zsock_t *reader, void *arg)
{
    ll_subscriber_t *self = arg;
    for (size_t i = 0; i < self->n_streams; i++)
        if (self->streams [i].sub == reader)
            s_drain (self, &self->streams [i], reader, false);
    return 0;
}

static int
s_on_dealer (zloop_t *loop, zsock_t *reader, void *arg)
{
    ll_subscriber_t *self = arg;
    for (size_t i = 0; i < self->n_streams; i++)
        if (self->streams [i].dealer == reader)
            s_drain (self, &self->streams [i], reader, true);
    return 0;
}

//  Every 200 ms: reconnect the store, re-ask unanswered replays, notice a
//  producer gone silent.
static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    ll_subscriber_t *self = arg;
    if (!self->conn && s_connect (self))
        return 0;
    int64_t now = ll_mono_us ();
    for (size_t i = 0; i < self->n_streams; i++) {
        stream_t *s = &self->streams [i];
        if (s->replaying && now - s->replay_sent_us > SUB_REPLAY_TIMEOUT_US)
            s_request_replay (self, s, NULL);
        if (!s->silent && s->heard_us && now - s->heard_us > SUB_SILENT_US) {
            s->silent = true;
            ll_metric_set (s->up, 0);
            ll_warn ("subscriber.producer", "stream %s: no heartbeat for %d s; "
                     "is the producer running?", s->name, SUB_SILENT_US / 1000000);
        }
    }
    return 0;
}

int
ll_subscriber_attach (ll_subscriber_t *self, zloop_t *loop)
{
    self->loop = loop;
    for (size_t i = 0; i < self->n_streams; i++) {
        zloop_reader (loop, self->streams [i].sub, s_on_sub, self);
        zloop_reader_set_tolerant (loop, self->streams [i].sub);
        zloop_reader (loop, self->streams [i].dealer, s_on_dealer, self);
        zloop_reader_set_tolerant (loop, self->streams [i].dealer);
    }
    zloop_timer (loop, 200, 0, s_on_tick, self);
    s_connect (self);
    return 0;
}
