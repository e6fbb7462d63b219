/*  ll_relay — publishes committed outbox rows per stream, in sequence;
    answers replays from the log; sends heartbeats. See ll_relay.h.

    Writers number events as they write them (ll_outbox), in commit order,
    so the relay only reads: each stream's committed head, then the rows
    past what it has already sent. It writes nothing, so two instances of a
    producer can each run a relay; a subscriber drops what it already has. */
#include "ll_relay.h"
#include "ll_auth.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_envelope.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#define RELAY_BATCH 2000           // rows read per query
#define RELAY_REPLAY_BATCH 2000    // events per replay reply
#define RELAY_HWM 100000
#define RELAY_MAX_STREAMS 16

struct ll_relay {
    char *conninfo;
    char *schema;
    char *producer;
    PGconn *conn;                  // ours alone; LISTENs on the schema
    zsock_t *pub;
    zsock_t *replay;
    zloop_t *loop;
    zmq_pollitem_t pg_item;        // PQsocket in the loop while connected
    bool pg_polled;
    int reconnect_timer;
    int again_timer;
    int64_t started_us;
    char *streams [RELAY_MAX_STREAMS];
    uint64_t sent [RELAY_MAX_STREAMS];     // last sequence published, per stream
    size_t n_streams;
    bool primed;                   // sent[] starts at the heads found at first connect
    ll_metric_t *published;
    ll_metric_t *batch_size;
    ll_metric_t *replayed;
    ll_metric_t *up;
    ll_auth_t *auth;               // ours when the process had none (CURVE on)
};

static int s_connect (ll_relay_t *self);
static int s_on_timer_reconnect (zloop_t *loop, int timer_id, void *arg);

ll_relay_t *
ll_relay_new (const char *conninfo, const char *schema, const char *producer,
              const char *pub_endpoint, const char *replay_endpoint)
{
    ll_relay_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    self->schema = strdup (schema);
    self->producer = strdup (producer);
    self->started_us = ll_clock_now_us ();
    self->reconnect_timer = -1;
    self->again_timer = -1;
    self->pub = zsock_new (ZMQ_PUB);
    self->replay = zsock_new (ZMQ_ROUTER);
    if (!self->pub || !self->replay)
        goto fail;
    //  Past the PUB high-water mark a slow subscriber loses live events;
    //  it sees the gap and replays them, so the mark bounds memory only.
    ll_socket_caps (self->pub, (int) ll_config_int ("LEADLINE_PUB_HWM", RELAY_HWM));
    ll_socket_caps (self->replay, RELAY_HWM);
    //  CURVE on both when the process has a key (LEADLINE_AUTH_SECRET_KEY_FILE):
    //  only registered service keys subscribe and replay (ll_auth.h). A
    //  service that set up no ll_auth of its own gets one here.
    const char *secret = getenv ("LEADLINE_AUTH_SECRET_KEY_FILE");
    if (!ll_auth_process () && secret && *secret) {
        self->auth = ll_auth_new (conninfo);
        if (!self->auth)
            goto fail;
    }
    ll_auth_backbone_server (self->pub);
    ll_auth_backbone_server (self->replay);
    if (zsock_bind (self->pub, "%s", pub_endpoint) < 0) {
        ll_error ("relay.bind", "cannot bind event PUB on %s: %s", pub_endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    if (zsock_bind (self->replay, "%s", replay_endpoint) < 0) {
        ll_error ("relay.bind", "cannot bind replay ROUTER on %s: %s", replay_endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    char labels [128];
    snprintf (labels, sizeof labels, "producer=\"%s\"", producer);
    self->published = ll_metric_counter ("leadline_events_published_total", labels,
                                         "Events published by the relay");
    self->replayed = ll_metric_counter ("leadline_events_replayed_total", labels,
                                        "Events sent in answer to replay requests");
    self->batch_size = ll_metric_histogram ("leadline_relay_batch_size", labels,
                                            "Events published per relay read");
    self->up = ll_metric_gauge ("leadline_relay_store_up", labels,
                                "1 while the relay's store connection is up");
    s_connect (self);
    ll_info ("relay.start", "relay for %s publishing on %s, replay on %s",
             schema, pub_endpoint, replay_endpoint);
    return self;
fail:
    ll_relay_destroy (&self);
    return NULL;
}

void
ll_relay_destroy (ll_relay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ll_relay_t *self = *self_p;
    if (self->loop) {
        zloop_reader_end (self->loop, self->replay);
        if (self->pg_polled)
            zloop_poller_end (self->loop, &self->pg_item);
        if (self->reconnect_timer >= 0)
            zloop_timer_end (self->loop, self->reconnect_timer);
        if (self->again_timer >= 0)
            zloop_timer_end (self->loop, self->again_timer);
    }
    ll_auth_backbone_forget (self->pub);
    ll_auth_backbone_forget (self->replay);
    zsock_destroy (&self->pub);
    zsock_destroy (&self->replay);
    ll_auth_destroy (&self->auth);
    if (self->conn)
        PQfinish (self->conn);
    for (size_t i = 0; i < self->n_streams; i++)
        free (self->streams [i]);
    free (self->conninfo);
    free (self->schema);
    free (self->producer);
    free (self);
    *self_p = NULL;
}

//  The stream's slot, declared on first sight; -1 past the limit.
static int
s_stream (ll_relay_t *self, const char *stream)
{
    for (size_t i = 0; i < self->n_streams; i++)
        if (strcmp (self->streams [i], stream) == 0)
            return (int) i;
    if (self->n_streams == RELAY_MAX_STREAMS) {
        ll_warn ("relay.streams", "more than %d streams in %s; %s is not published",
                 RELAY_MAX_STREAMS, self->schema, stream);
        return -1;
    }
    self->sent [self->n_streams] = 0;
    self->streams [self->n_streams] = strdup (stream);
    return (int) self->n_streams++;
}

void
ll_relay_declare_stream (ll_relay_t *self, const char *stream)
{
    s_stream (self, stream);
}

bool
ll_relay_ready (ll_relay_t *self)
{
    return self && self->conn && PQstatus (self->conn) == CONNECTION_OK;
}

static int s_on_pg (zloop_t *loop, zmq_pollitem_t *item, void *arg);

//  Drops the store connection and retries it from a timer.
static void
s_disconnect (ll_relay_t *self)
{
    if (self->loop && self->pg_polled) {
        zloop_poller_end (self->loop, &self->pg_item);
        self->pg_polled = false;
    }
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
        ll_warn ("relay.store", "relay lost the store; retrying");
    }
    ll_metric_set (self->up, 0);
    if (self->loop && self->reconnect_timer < 0)
        self->reconnect_timer = zloop_timer (self->loop, 500, 1, s_on_timer_reconnect, self);
}

static int
s_connect (ll_relay_t *self)
{
    self->conn = ll_db_connect (self->conninfo, 0);
    if (!self->conn)
        goto fail;
    char sql [2048];
    snprintf (sql, sizeof sql, "LISTEN leadline_%s", self->schema);
    if (ll_db_exec (self->conn, sql))
        goto fail;
    snprintf (sql, sizeof sql, "SELECT stream, last_seq FROM %s.stream_head", self->schema);
    if (ll_db_prepare (self->conn, "relay_heads", sql))
        goto fail;
    snprintf (sql, sizeof sql,
        "SELECT stream, seq, payload FROM %s.event_log "
        "WHERE stream = $1 AND seq >= $2 ORDER BY seq LIMIT $3", self->schema);
    if (ll_db_prepare (self->conn, "relay_replay", sql))
        goto fail;
    snprintf (sql, sizeof sql,
        "SELECT coalesce((SELECT last_seq FROM %s.stream_head WHERE stream = $1), 0)",
        self->schema);
    if (ll_db_prepare (self->conn, "relay_head", sql))
        goto fail;
    if (self->loop) {
        self->pg_item = (zmq_pollitem_t) { NULL, PQsocket (self->conn), ZMQ_POLLIN, 0 };
        zloop_poller (self->loop, &self->pg_item, s_on_pg, self);
        zloop_poller_set_tolerant (self->loop, &self->pg_item);
        self->pg_polled = true;
    }
    ll_metric_set (self->up, 1);
    ll_info ("relay.store", "relay connected to the store");
    return 0;
fail:
    s_disconnect (self);
    return -1;
}

static int
s_on_timer_reconnect (zloop_t *loop, int timer_id, void *arg)
{
    ll_relay_t *self = arg;
    self->reconnect_timer = -1;
    if (!self->conn && s_connect (self) == 0)
        ll_relay_flush (self);
    return 0;
}

//  Sends one event: the stored payload with its sequence appended. A
//  protobuf field that appears again at the end of a message overrides the
//  earlier value, so appending field 4 (sequence, varint) sets it without
//  decoding and re-encoding the event.
static void
s_send_event (zsock_t *sock, zframe_t *identity, const char *stream,
              uint64_t seq, const void *payload, size_t size)
{
    uint8_t tail [11];
    size_t tail_len = 0;
    tail [tail_len++] = (4 << 3) | 0;
    uint64_t v = seq;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tail [tail_len++] = byte | (v ? 0x80 : 0);
    } while (v);
    zframe_t *frame = zframe_new (NULL, size + tail_len);
    memcpy (zframe_data (frame), payload, size);
    memcpy (zframe_data (frame) + size, tail, tail_len);
    zframe_t *first = identity
        ? zframe_dup (identity)
        : zframe_new (stream, strlen (stream));
    zframe_send (&first, sock, ZFRAME_MORE);
    zframe_send (&frame, sock, 0);
}

static uint64_t
s_be64 (const char *p)
{
    uint64_t v;
    memcpy (&v, p, 8);
    return be64toh (v);
}

//  Publishes up to RELAY_BATCH events of stream `i` past what was sent.
//  Returns events sent, or -1 on a store error.
static int
s_publish_stream (ll_relay_t *self, size_t i)
{
    char from [24], limit [16];
    snprintf (from, sizeof from, "%llu", (unsigned long long) self->sent [i] + 1);
    snprintf (limit, sizeof limit, "%d", RELAY_BATCH);
    const char *params [] = { self->streams [i], from, limit };
    PGresult *res = PQexecPrepared (self->conn, "relay_replay", 3, params, NULL, NULL, 1);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        ll_warn ("relay.read", "reading %s failed: %s", self->streams [i], PQresultErrorMessage (res));
        PQclear (res);
        return -1;
    }
    int rows = PQntuples (res), sent = 0;
    for (int r = 0; r < rows; r++) {
        uint64_t seq = s_be64 (PQgetvalue (res, r, 1));
        //  Commit order is sequence order, so what is visible is a prefix;
        //  a hole would mean a foreign writer, and waiting is the safe answer.
        if (seq != self->sent [i] + 1) {
            ll_warn ("relay.hole", "%s: expected %llu, found %llu; waiting", self->streams [i],
                     (unsigned long long) self->sent [i] + 1, (unsigned long long) seq);
            break;
        }
        s_send_event (self->pub, NULL, self->streams [i], seq,
                      PQgetvalue (res, r, 2), (size_t) PQgetlength (res, r, 2));
        self->sent [i] = seq;
        sent++;
    }
    PQclear (res);
    return sent;
}

//  One pass over the streams: their committed heads, then what lies past
//  what was sent. Returns events published, or -1 on a store error; sets
//  `*more` when a stream has more than one read's worth left.
static int
s_flush_batch (ll_relay_t *self, bool *more)
{
    *more = false;
    PGresult *res = ll_db_execp (self->conn, "relay_heads", 0, NULL, NULL);
    if (!res)
        return -1;
    int total = 0;
    for (int r = 0; r < PQntuples (res); r++) {
        int i = s_stream (self, PQgetvalue (res, r, 0));
        if (i < 0)
            continue;
        uint64_t head = strtoull (PQgetvalue (res, r, 1), NULL, 10);
        //  A relay that starts late leaves what came before to replay.
        if (!self->primed)
            self->sent [i] = head;
        if (head <= self->sent [i])
            continue;
        int sent = s_publish_stream (self, (size_t) i);
        if (sent < 0) {
            PQclear (res);
            return -1;
        }
        total += sent;
        if (self->sent [i] < head && sent == RELAY_BATCH)
            *more = true;
    }
    PQclear (res);
    self->primed = true;
    if (total) {
        ll_metric_add (self->published, total);
        ll_metric_observe (self->batch_size, total);
    }
    return total;
}

static int
s_on_timer_again (zloop_t *loop, int timer_id, void *arg)
{
    ll_relay_t *self = arg;
    self->again_timer = -1;
    ll_relay_flush (self);
    return 0;
}

//  True if notifications arrived (libpq collects them during any query,
//  so the socket may never turn readable for them again).
static bool
s_drain_notifies (ll_relay_t *self)
{
    bool any = false;
    PGnotify *note;
    while ((note = PQnotifies (self->conn))) {
        any = true;
        PQfreemem (note);
    }
    return any;
}

int
ll_relay_flush (ll_relay_t *self)
{
    if (!self->conn)
        return -1;
    int total = 0;
    for (int round = 0; round < 4; round++) {
        s_drain_notifies (self);
        bool more;
        int rows = s_flush_batch (self, &more);
        if (rows < 0) {
            if (ll_db_transient (self->conn, NULL))
                s_disconnect (self);
            return -1;
        }
        total += rows;
        if (!more && !s_drain_notifies (self))
            return total;
    }
    //  More is waiting: come back after the loop has served its sockets.
    if (self->loop && self->again_timer < 0)
        self->again_timer = zloop_timer (self->loop, 1, 1, s_on_timer_again, self);
    return total;
}

//  Store socket readable: a NOTIFY from a committed outbox write.
static int
s_on_pg (zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    ll_relay_t *self = arg;
    if (!PQconsumeInput (self->conn)) {
        s_disconnect (self);
        return 0;
    }
    if (s_drain_notifies (self))
        ll_relay_flush (self);
    return 0;
}

static uint64_t
s_head (ll_relay_t *self, const char *stream)
{
    const char *params [] = { stream };
    PGresult *res = ll_db_execp (self->conn, "relay_head", 1, params, NULL);
    if (!res)
        return 0;
    uint64_t head = strtoull (PQgetvalue (res, 0, 0), NULL, 10);
    PQclear (res);
    return head;
}

static void
s_reply_error (ll_relay_t *self, zframe_t *identity, const char *code, const char *message)
{
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    Leadline__V1__Error error = LEADLINE__V1__ERROR__INIT;
    error.status = LEADLINE__V1__STATUS__STATUS_BAD_REQUEST;
    error.code = (char *) code;
    error.message = (char *) message;
    error.hint = "send a ReplayRequest{stream, from_seq} envelope";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    zframe_t *id_frame = zframe_dup (identity);
    zframe_t *frame = ll_envelope_frame (&env);
    zframe_send (&id_frame, self->replay, ZFRAME_MORE);
    zframe_send (&frame, self->replay, 0);
}

//  Replay request: the events of one stream from a sequence, then the end.
static int
s_on_replay (zloop_t *loop, zsock_t *reader, void *arg)
{
    ll_relay_t *self = arg;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    char err [256];
    ll_decode_rc_t rc;
    ll_envelope_t *req = body && identity
        ? ll_envelope_decode (zframe_data (body), zframe_size (body), &rc, err, sizeof err)
        : NULL;
    if (!identity || !body)
        ;   // not even a frame to answer
    else
    if (!req)
        s_reply_error (self, identity, ll_decode_rc_name (rc), err);
    else
    if (req->body_case != LEADLINE__V1__ENVELOPE__BODY_REPLAY_REQUEST || !req->replay_request->stream)
        s_reply_error (self, identity, "unexpected", "the replay endpoint only answers ReplayRequest");
    else
    if (!self->conn)
        ;   // store down: the consumer times out and asks again
    else {
        Leadline__V1__ReplayRequest *rr = req->replay_request;
        uint32_t max = rr->max_count && rr->max_count < RELAY_REPLAY_BATCH
                     ? rr->max_count : RELAY_REPLAY_BATCH;
        uint64_t from = rr->from_seq ? rr->from_seq : 1;
        char from_s [24], max_s [16];
        snprintf (from_s, sizeof from_s, "%llu", (unsigned long long) from);
        snprintf (max_s, sizeof max_s, "%u", max);
        const char *params [] = { rr->stream, from_s, max_s };
        PGresult *res = PQexecPrepared (self->conn, "relay_replay", 3, params, NULL, NULL, 1);
        if (PQresultStatus (res) == PGRES_TUPLES_OK) {
            int rows = PQntuples (res);
            uint64_t next = from;
            for (int i = 0; i < rows; i++) {
                uint64_t seq = s_be64 (PQgetvalue (res, i, 1));
                s_send_event (self->replay, identity, rr->stream, seq,
                              PQgetvalue (res, i, 2), (size_t) PQgetlength (res, i, 2));
                next = seq + 1;
            }
            ll_metric_add (self->replayed, rows);
            ll_envelope_t env;
            char id [37];
            ll_envelope_init (&env, id);
            Leadline__V1__ReplayEnd end = LEADLINE__V1__REPLAY_END__INIT;
            end.stream = rr->stream;
            end.next_seq = next;
            end.head_seq = s_head (self, rr->stream);
            env.stream = rr->stream;
            env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPLAY_END;
            env.replay_end = &end;
            zframe_t *id_frame = zframe_dup (identity);
            zframe_t *frame = ll_envelope_frame (&env);
            zframe_send (&id_frame, self->replay, ZFRAME_MORE);
            zframe_send (&frame, self->replay, 0);
        }
        else {
            ll_warn ("relay.replay", "replay query failed: %s", PQresultErrorMessage (res));
            if (ll_db_transient (self->conn, NULL))
                s_disconnect (self);
        }
        PQclear (res);
    }
    ll_envelope_free (&req);
    zframe_destroy (&body);
    zframe_destroy (&identity);
    zmsg_destroy (&msg);
    return 0;
}

//  Once a second: each stream's head as published, on each stream's topic.
//  Also a safety net that publishes anything a lost NOTIFY left behind.
static int
s_on_heartbeat (zloop_t *loop, int timer_id, void *arg)
{
    ll_relay_t *self = arg;
    if (!self->conn)
        return 0;
    ll_relay_flush (self);
    if (!self->conn)
        return 0;
    Leadline__V1__StreamHead heads [RELAY_MAX_STREAMS];
    Leadline__V1__StreamHead *head_ps [RELAY_MAX_STREAMS];
    for (size_t i = 0; i < self->n_streams; i++) {
        leadline__v1__stream_head__init (&heads [i]);
        heads [i].stream = self->streams [i];
        heads [i].last_seq = self->sent [i];
        head_ps [i] = &heads [i];
    }
    Leadline__V1__Heartbeat hb = LEADLINE__V1__HEARTBEAT__INIT;
    hb.producer = self->producer;
    hb.started_us = self->started_us;
    hb.n_heads = self->n_streams;
    hb.heads = head_ps;
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    for (size_t i = 0; i < self->n_streams; i++) {
        env.stream = self->streams [i];
        zframe_t *topic = zframe_new (self->streams [i], strlen (self->streams [i]));
        zframe_t *frame = ll_envelope_frame (&env);
        zframe_send (&topic, self->pub, ZFRAME_MORE);
        zframe_send (&frame, self->pub, 0);
    }
    return 0;
}

int
ll_relay_attach (ll_relay_t *self, zloop_t *loop)
{
    self->loop = loop;
    if (ll_auth_attach (self->auth, loop))      // our own ZAP handler, if any
        return -1;
    zloop_reader (loop, self->replay, s_on_replay, self);
    zloop_reader_set_tolerant (loop, self->replay);
    zloop_timer (loop, 1000, 0, s_on_heartbeat, self);
    if (self->conn) {
        self->pg_item = (zmq_pollitem_t) { NULL, PQsocket (self->conn), ZMQ_POLLIN, 0 };
        zloop_poller (loop, &self->pg_item, s_on_pg, self);
        zloop_poller_set_tolerant (loop, &self->pg_item);
        self->pg_polled = true;
        ll_relay_flush (self);
    }
    else
        self->reconnect_timer = zloop_timer (loop, 500, 1, s_on_timer_reconnect, self);
    return 0;
}
