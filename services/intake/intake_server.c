/*  intake_server — reading, batching and replying. The request path:
    s_on_router() -> s_read_item() -> intake_submit_batch() /
    intake_update_one() -> s_send_reply(). Frames that cannot be read get an
    Error reply at once and are counted; the peer's connection stays. */
#include "intake_server.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_MS          100
#define BACKOFF_MIN_MS   100
#define BACKOFF_MAX_MS   2000
#define PING_IDLE_MS     2000
#define SOCKET_HWM       10000
#define RATE_PRUNE_MS    10000
//  Far above what a station terminal or a rep does (a few cards a minute),
//  and above what one connection of the benchmark reaches; tighten per site.
#define INTAKE_RATE_DEFAULT  "2000"
#define INTAKE_BURST_DEFAULT "20000"

//  One token bucket per sender (terminal or person key; the connection's
//  routing id when CURVE is off). A command takes a token; tokens come back
//  at `rate` per second up to `burst`. Buckets that have filled up again are
//  forgotten, so the table holds only senders active in the last moments.
typedef struct {
    double tokens;
    int64_t last_ms;
} s_bucket_t;

struct intake_server {
    intake_ctx_t *ctx;
    ll_http_t *http;
    zsock_t *router;
    int batch_max;
    intake_item_t **items;         // the batch being handled
    intake_ready_fn *ready_fn;
    void *ready_arg;
    intake_batch_fn *batch_fn;
    void *batch_arg;
    int64_t next_connect_ms;       // monotonic ms of the next reconnect try
    int backoff_ms;
    int64_t last_use_ms;
    bool was_ready;
    double rate;                   // commands per second per sender; <= 0 = no limit
    double burst;                  // bucket size
    zhashx_t *buckets;             // sender -> s_bucket_t
    int64_t next_prune_ms;
};

static void
s_bucket_free (void **item)
{
    free (*item);
    *item = NULL;
}

//  A rate setting: a number >= 0 (0 = no limit). -1 when it is not one.
static double
s_rate_setting (const char *name, const char *dflt)
{
    const char *text = ll_config_str (name, dflt);
    char *end = NULL;
    double value = strtod (text, &end);
    if (end == text || *end || !(value >= 0) || value > 1e9) {
        ll_error ("intake.config", "%s=%s is not a number of commands a second (>= 0; "
                  "0 = no limit); set it to e.g. %s or unset it", name, text, dflt);
        return -1;
    }
    return value;
}

static int64_t
s_mono_ms (void)
{
    return ll_mono_us () / 1000;
}

// ---------------------------------------------------------------------------
//  Decision helpers (intake.h)

void
intake_item_decide (intake_item_t *item, int status, const char *fmt, ...)
{
    item->status = status;
    va_list args;
    va_start (args, fmt);
    vsnprintf (item->message, sizeof item->message, fmt, args);
    va_end (args);
}

void
intake_item_unavailable (intake_ctx_t *ctx, intake_item_t *item, const char *why)
{
    free (item->reply);
    item->reply = NULL;
    intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_UNAVAILABLE,
        "nothing was stored: %s; keep the request and retry with the same key", why);
}

void
intake_item_set_reply (intake_item_t *item, const uint8_t *data, size_t size)
{
    free (item->reply);
    item->reply = malloc (size ? size : 1);
    assert (item->reply);
    memcpy (item->reply, data, size);
    item->reply_size = size;
}

static void
s_item_destroy (intake_item_t **item_p)
{
    intake_item_t *item = *item_p;
    if (!item)
        return;
    zframe_destroy (&item->identity);
    zframe_destroy (&item->delimiter);
    ll_envelope_free (&item->req);
    free (item->reply);
    intake_ferrs_free (&item->errs);
    free (item);
    *item_p = NULL;
}

// ---------------------------------------------------------------------------

static const char *
s_status_name (int status)
{
    static const char *names [] = {
        "unspecified", "ok", "invalid", "unavailable", "forbidden", "not_found",
        "conflict", "slow_down", "bad_request"
    };
    return status >= 0 && status <= 8 ? names [status] : "unknown";
}

static void
s_count_request (const char *type, int status)
{
    char labels [96];
    snprintf (labels, sizeof labels, "type=\"%s\",status=\"%s\"", type, s_status_name (status));
    ll_metric_inc ("leadline_intake_requests_total", labels,
                   "Commands answered, by type and reply status");
}

static void
s_count_error (const char *code)
{
    char labels [64];
    snprintf (labels, sizeof labels, "code=\"%s\"", code);
    ll_metric_inc ("leadline_intake_errors_total", labels,
                   "Commands that could not be handled, by code");
}

static void
s_send (intake_server_t *self, zframe_t *identity, zframe_t *delimiter, ll_envelope_t *env)
{
    zframe_t *frame = ll_envelope_frame (env);
    if (!frame) {
        ll_error ("reply.pack", "a reply is over the frame limit; dropped");
        return;
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &(zframe_t *) { zframe_dup (identity) });
    if (delimiter)
        zmsg_append (msg, &(zframe_t *) { zframe_dup (delimiter) });
    zmsg_append (msg, &frame);
    if (zmsg_send (&msg, self->router))
        zmsg_destroy (&msg);
}

//  An Error reply for a frame intake could not take.
static void
s_send_error (intake_server_t *self, zframe_t *identity, zframe_t *delimiter,
              const ll_envelope_t *req, const char *code, const char *message,
              const char *hint)
{
    char id [37];
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    if (req && req->message_id && *req->message_id)
        env.message_id = req->message_id;
    if (req && req->idempotency_key)
        env.idempotency_key = req->idempotency_key;
    Leadline__V1__Error error = LEADLINE__V1__ERROR__INIT;
    error.status = LEADLINE__V1__STATUS__STATUS_BAD_REQUEST;
    error.code = (char *) code;
    error.message = (char *) message;
    error.hint = (char *) hint;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    s_send (self, identity, delimiter, &env);
    s_count_error (code);
    s_count_request (req ? ll_envelope_type_name (req) : "unreadable",
                     LEADLINE__V1__STATUS__STATUS_BAD_REQUEST);
}

static void
s_send_reply (intake_server_t *self, intake_item_t *item)
{
    char id [37];
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    if (item->req->message_id && *item->req->message_id)
        env.message_id = item->req->message_id;
    env.idempotency_key = item->req->idempotency_key;

    Leadline__V1__FieldError ferrs [INTAKE_MAX_ERRORS];
    Leadline__V1__FieldError *fptrs [INTAKE_MAX_ERRORS];
    for (size_t i = 0; i < item->errs.count; i++) {
        intake_ferr_t *e = &item->errs.items [i];
        leadline__v1__field_error__init (&ferrs [i]);
        ferrs [i].field = e->field;
        ferrs [i].code = e->code;
        ferrs [i].message = e->message;
        ferrs [i].hint = e->hint;
        fptrs [i] = &ferrs [i];
        char labels [64];
        snprintf (labels, sizeof labels, "code=\"%s\"", e->code);
        ll_metric_inc ("leadline_intake_field_errors_total", labels,
                       "Field errors reported to clients, by code");
    }
    int status = item->status ? item->status : LEADLINE__V1__STATUS__STATUS_UNAVAILABLE;
    uint32_t retry = status == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE
                   ? self->ctx->retry_ms : 0;
    Leadline__V1__SubmitReply submit = LEADLINE__V1__SUBMIT_REPLY__INIT;
    Leadline__V1__UpdateReply update = LEADLINE__V1__UPDATE_REPLY__INIT;
    Leadline__V1__SubmitReply *stored_submit = NULL;
    Leadline__V1__UpdateReply *stored_update = NULL;
    if (item->kind == INTAKE_SUBMIT) {
        if (item->reply)
            stored_submit = leadline__v1__submit_reply__unpack (NULL, item->reply_size,
                                                                 item->reply);
        if (!stored_submit) {
            submit.status = status;
            submit.errors = fptrs;
            submit.n_errors = item->errs.count;
            submit.message = item->message;
            submit.retry_after_ms = retry;
        }
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY;
        env.submit_reply = stored_submit ? stored_submit : &submit;
    }
    else {
        if (item->reply)
            stored_update = leadline__v1__update_reply__unpack (NULL, item->reply_size,
                                                                 item->reply);
        if (!stored_update) {
            update.status = status;
            update.errors = fptrs;
            update.n_errors = item->errs.count;
            update.message = item->message;
            update.retry_after_ms = retry;
        }
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY;
        env.update_reply = stored_update ? stored_update : &update;
    }
    s_send (self, item->identity, item->delimiter, &env);
    if (stored_submit)
        leadline__v1__submit_reply__free_unpacked (stored_submit, NULL);
    if (stored_update)
        leadline__v1__update_reply__free_unpacked (stored_update, NULL);

    s_count_request (ll_envelope_type_name (item->req), status);
    if (status == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE)
        s_count_error ("store_unavailable");
    if (item->kind == INTAKE_SUBMIT && status == LEADLINE__V1__STATUS__STATUS_OK
    &&  !item->replayed) {
        ll_metric_add (ll_metric_counter ("leadline_intake_leads_stored_total", NULL,
                       "Lead cards stored (duplicates included)"), 1);
        if (*item->duplicate_of)
            ll_metric_add (ll_metric_counter ("leadline_intake_duplicates_total", NULL,
                           "Lead cards stored as duplicates"), 1);
        else
        if (!item->rep_id)
            ll_metric_add (ll_metric_counter ("leadline_intake_unassigned_total", NULL,
                           "Leads stored with no rep eligible and no fallback owner"), 1);
    }
    ll_metric_observe (ll_metric_histogram ("leadline_intake_reply_ms", NULL,
                       "Milliseconds from reading a command to sending its reply"),
                       (double) (ll_mono_us () - item->started_us) / 1000.0);
}

//  SHA-1 of the body's type and its packed bytes: what "the same request"
//  means for a retry. With CURVE on, the sender the key stands for (station
//  or person) is part of it too: the same bytes replayed through another
//  station's or person's key are another request, so they get CONFLICT,
//  never the first sender's stored reply. The key itself is not hashed, so
//  a retry through a rotated key of the same station still matches.
static void
s_hash (const ll_envelope_t *req, bool by_key, char out [41])
{
    //  Every body case is a message pointer in the same union slot.
    const ProtobufCMessage *body = (const ProtobufCMessage *) req->submit_lead;
    size_t size = protobuf_c_message_get_packed_size (body);
    uint8_t *buf = malloc (size ? size : 1);
    assert (buf);
    protobuf_c_message_pack (body, buf);
    zdigest_t *digest = zdigest_new ();
    const char *type = ll_envelope_type_name (req);
    zdigest_update (digest, (const byte *) type, strlen (type) + 1);
    zdigest_update (digest, buf, size);
    if (by_key && req->sender) {
        zdigest_update (digest, (const byte *) "\0sender\0", 8);
        zdigest_update (digest, (const byte *) req->sender, strlen (req->sender));
    }
    snprintf (out, 41, "%s", zdigest_string (digest));
    zdigest_destroy (&digest);
    free (buf);
}

//  With CURVE on, the sender is the key's subject, not what the envelope
//  claims: the station and rep checks downstream then hold for the key.
//  Lead cards come from terminal keys, updates from person keys. Returns 0,
//  or -1 after an Error reply (status FORBIDDEN) naming the rule.
static int
s_authorize (intake_server_t *self, zframe_t *frame, ll_envelope_t *req,
             zframe_t *identity, zframe_t *delimiter, char sender [64],
             char via_key [41])
{
    if (!ll_auth_enabled (self->ctx->auth)) {
        //  The connection's routing id stands for the sender.
        char *hex = zframe_strhex (identity);
        snprintf (sender, 64, "conn:%.58s", hex ? hex : "");
        free (hex);
        return 0;
    }
    ll_principal_t who;
    char message [600];
    const char *need = req->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD
                     ? "terminal" : "person";
    if (ll_auth_principal (self->ctx->auth, frame, &who, message, sizeof message) == 0) {
        if (strcmp (who.kind, need) == 0) {
            snprintf (sender, 64, "key:%s", who.public_key);
            snprintf (via_key, 41, "%s", who.public_key);
            if (req->sender != protobuf_c_empty_string)
                free (req->sender);
            req->sender = strdup (who.subject);
            assert (req->sender);
            return 0;
        }
        snprintf (message, sizeof message, "a %s key (%.60s) may not send %s: lead cards "
                  "come from terminal keys, rep and manager updates from person keys",
                  who.kind, who.subject, ll_envelope_type_name (req));
    }
    char id [37];
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    if (req->message_id && *req->message_id)
        env.message_id = req->message_id;
    env.idempotency_key = req->idempotency_key;
    Leadline__V1__Error error = LEADLINE__V1__ERROR__INIT;
    error.status = LEADLINE__V1__STATUS__STATUS_FORBIDDEN;
    error.code = "forbidden";
    error.message = message;
    error.hint = "use the key issued for this station or person (`leadline admin keys`)";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    s_send (self, identity, delimiter, &env);
    ll_metric_inc ("leadline_intake_auth_refused_total", NULL,
                   "Commands refused for the key they came with");
    s_count_request (ll_envelope_type_name (req), LEADLINE__V1__STATUS__STATUS_FORBIDDEN);
    return -1;
}

//  Takes a token from `sender`'s bucket. 0, or the milliseconds until the
//  next token when the bucket is empty.
static uint32_t
s_rate_take (intake_server_t *self, const char *sender)
{
    if (self->rate <= 0)
        return 0;
    int64_t now = s_mono_ms ();
    s_bucket_t *b = zhashx_lookup (self->buckets, sender);
    if (!b) {
        b = calloc (1, sizeof *b);
        assert (b);
        b->tokens = self->burst;
        b->last_ms = now;
        zhashx_insert (self->buckets, sender, b);
    }
    b->tokens += (double) (now - b->last_ms) * self->rate / 1000.0;
    if (b->tokens > self->burst)
        b->tokens = self->burst;
    b->last_ms = now;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    double wait = (1.0 - b->tokens) * 1000.0 / self->rate;
    return wait < 1.0 ? 1 : wait > 3600000.0 ? 3600000 : (uint32_t) wait + 1;
}

//  Forgets buckets that are full again (their sender has been quiet).
static void
s_rate_prune (intake_server_t *self, int64_t now)
{
    if (self->rate <= 0 || now < self->next_prune_ms)
        return;
    self->next_prune_ms = now + RATE_PRUNE_MS;
    zlistx_t *keys = zhashx_keys (self->buckets);
    for (const char *key = zlistx_first (keys); key; key = zlistx_next (keys)) {
        s_bucket_t *b = zhashx_lookup (self->buckets, key);
        if (b->tokens + (double) (now - b->last_ms) * self->rate / 1000.0 >= self->burst)
            zhashx_delete (self->buckets, key);
    }
    zlistx_destroy (&keys);
}

//  The "slow down" reply: the command's own reply type with STATUS_SLOW_DOWN
//  and retry_after_ms. Nothing was done; the same bytes may be sent again.
static void
s_send_slow_down (intake_server_t *self, zframe_t *identity, zframe_t *delimiter,
                  const ll_envelope_t *req, uint32_t retry_ms)
{
    char id [37];
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    if (req->message_id && *req->message_id)
        env.message_id = req->message_id;
    env.idempotency_key = req->idempotency_key;
    char message [240];
    snprintf (message, sizeof message, "slow down: more than %g commands a second (burst "
              "%g) from this sender; nothing was stored; retry after %u ms with the same key",
              self->rate, self->burst, retry_ms);
    Leadline__V1__SubmitReply submit = LEADLINE__V1__SUBMIT_REPLY__INIT;
    Leadline__V1__UpdateReply update = LEADLINE__V1__UPDATE_REPLY__INIT;
    if (req->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD) {
        submit.status = LEADLINE__V1__STATUS__STATUS_SLOW_DOWN;
        submit.message = message;
        submit.retry_after_ms = retry_ms;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY;
        env.submit_reply = &submit;
    }
    else {
        update.status = LEADLINE__V1__STATUS__STATUS_SLOW_DOWN;
        update.message = message;
        update.retry_after_ms = retry_ms;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY;
        env.update_reply = &update;
    }
    s_send (self, identity, delimiter, &env);
    ll_metric_inc ("leadline_intake_rate_limited_total", NULL,
                   "Commands answered \"slow down\": their sender was over "
                   "LEADLINE_INTAKE_RATE / LEADLINE_INTAKE_BURST");
    s_count_request (ll_envelope_type_name (req), LEADLINE__V1__STATUS__STATUS_SLOW_DOWN);
}

//  Reads one message; returns an item for the batch, or NULL when the
//  message was answered (or dropped) here.
static intake_item_t *
s_read_item (intake_server_t *self)
{
    zmsg_t *msg = zmsg_recv (self->router);
    if (!msg)
        return NULL;
    int64_t started = ll_mono_us ();
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *delimiter = NULL;
    if (zmsg_size (msg) >= 2 && zframe_size (zmsg_first (msg)) == 0)
        delimiter = zmsg_pop (msg);
    intake_item_t *item = NULL;
    if (!identity || zmsg_size (msg) != 1) {
        if (identity)
            s_send_error (self, identity, delimiter, NULL, "bad_frame",
                "a command is one frame holding one leadline.v1.Envelope",
                "send the packed Envelope as a single frame");
        goto done;
    }
    zframe_t *frame = zmsg_first (msg);
    ll_decode_rc_t rc;
    char err [256];
    ll_envelope_t *req = ll_envelope_decode (zframe_data (frame), zframe_size (frame),
                                             &rc, err, sizeof err);
    if (!req) {
        char code [40];
        snprintf (code, sizeof code, "bad_frame_%s", ll_decode_rc_name (rc));
        s_send_error (self, identity, delimiter, NULL, code, err,
                      "build the frame with the leadline.v1 protocol; see docs/intake.md");
        goto done;
    }
    intake_kind_t kind;
    switch (req->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD:
            kind = INTAKE_SUBMIT;
            break;
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT:
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME:
        case LEADLINE__V1__ENVELOPE__BODY_REASSIGN:
            kind = INTAKE_UPDATE;
            break;
        default: {
            char message [200];
            snprintf (message, sizeof message, "intake does not take %s messages",
                      ll_envelope_type_name (req));
            s_send_error (self, identity, delimiter, req, "unsupported", message,
                "intake takes submit_lead, record_contact, record_outcome and reassign");
            ll_envelope_free (&req);
            goto done;
        }
    }
    char sender [64];
    char via_key [41] = "";
    if (s_authorize (self, frame, req, identity, delimiter, sender, via_key)) {
        ll_envelope_free (&req);
        goto done;
    }
    uint32_t wait_ms = s_rate_take (self, sender);
    if (wait_ms) {
        s_send_slow_down (self, identity, delimiter, req, wait_ms);
        ll_envelope_free (&req);
        goto done;
    }
    item = calloc (1, sizeof *item);
    assert (item);
    item->identity = identity;
    item->delimiter = delimiter;
    identity = delimiter = NULL;
    item->req = req;
    item->kind = kind;
    item->same_as = -1;
    item->started_us = started;
    snprintf (item->via_key, sizeof item->via_key, "%s", via_key);
    s_hash (req, *via_key != 0, item->hash);
done:
    zframe_destroy (&identity);
    zframe_destroy (&delimiter);
    zmsg_destroy (&msg);
    return item;
}

static void
s_update_ready (intake_server_t *self)
{
    bool ready = intake_store_ready (self->ctx->store);
    const char *why = ready ? "" : intake_store_why (self->ctx->store);
    if (ready && self->ready_fn)
        ready = self->ready_fn (self->ready_arg, &why);
    ll_http_set_ready (self->http, ready, why);
    if (ready != self->was_ready)
        ll_info (ready ? "intake.ready" : "intake.not_ready", "%s",
                 ready ? "taking commands" : why);
    self->was_ready = ready;
}

static int
s_on_router (zloop_t *loop, zsock_t *router, void *arg)
{
    intake_server_t *self = arg;
    size_t n = 0;
    while (n < (size_t) self->batch_max && (zsock_events (router) & ZMQ_POLLIN)) {
        intake_item_t *item = s_read_item (self);
        if (item)
            self->items [n++] = item;
    }
    if (n == 0)
        return 0;
    //  Submissions first, as one batch; then updates in arrival order.
    intake_item_t **submits = calloc (n, sizeof *submits);
    assert (submits);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (self->items [i]->kind == INTAKE_SUBMIT)
            submits [ns++] = self->items [i];
    if (ns) {
        ll_metric_observe (ll_metric_histogram ("leadline_intake_batch_size", NULL,
                           "Lead cards per group-committed transaction"), (double) ns);
        intake_submit_batch (self->ctx, submits, ns);
    }
    for (size_t i = 0; i < n; i++)
        if (self->items [i]->kind == INTAKE_UPDATE)
            intake_update_one (self->ctx, self->items [i]);
    bool stored = false;            // a new answer OK: something was committed
    for (size_t i = 0; i < n; i++) {
        stored |= self->items [i]->status == LEADLINE__V1__STATUS__STATUS_OK
               && !self->items [i]->replayed;
        s_send_reply (self, self->items [i]);
        s_item_destroy (&self->items [i]);
    }
    free (submits);
    if (stored && self->batch_fn)
        self->batch_fn (self->batch_arg);
    self->last_use_ms = s_mono_ms ();
    if (!intake_store_ready (self->ctx->store) && self->was_ready) {
        self->backoff_ms = BACKOFF_MIN_MS;
        self->next_connect_ms = s_mono_ms () + self->backoff_ms;
        s_update_ready (self);
    }
    return 0;
}

//  Keeps the store connected and readiness current.
static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    intake_server_t *self = arg;
    intake_store_t *store = self->ctx->store;
    int64_t now = s_mono_ms ();
    if (!intake_store_ready (store) && now >= self->next_connect_ms) {
        if (intake_store_connect (store) == 0)
            self->backoff_ms = BACKOFF_MIN_MS;
        else {
            self->backoff_ms = self->backoff_ms * 2 > BACKOFF_MAX_MS
                             ? BACKOFF_MAX_MS : self->backoff_ms * 2;
            self->next_connect_ms = now + self->backoff_ms;
        }
    }
    else
    if (intake_store_ready (store) && now - self->last_use_ms > PING_IDLE_MS) {
        //  Idle: make sure the store is still there, so /readyz tells the truth.
        self->last_use_ms = now;
        PGresult *res = PQexec (intake_store_conn (store), "SELECT 1");
        if (PQresultStatus (res) != PGRES_TUPLES_OK) {
            intake_store_lost (store, "the connection to PostgreSQL broke");
            self->next_connect_ms = now + BACKOFF_MIN_MS;
        }
        PQclear (res);
    }
    s_rate_prune (self, now);
    s_update_ready (self);
    return 0;
}

intake_server_t *
intake_server_new (intake_ctx_t *ctx, ll_http_t *http, const char *endpoint, int batch_max)
{
    intake_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->ctx = ctx;
    self->http = http;
    self->batch_max = batch_max > 0 ? batch_max : 256;
    self->items = calloc ((size_t) self->batch_max, sizeof *self->items);
    self->backoff_ms = BACKOFF_MIN_MS;
    self->router = zsock_new (ZMQ_ROUTER);
    self->buckets = zhashx_new ();
    if (!self->items || !self->router || !self->buckets)
        goto fail;
    zhashx_set_destructor (self->buckets, s_bucket_free);
    self->rate = s_rate_setting ("LEADLINE_INTAKE_RATE", INTAKE_RATE_DEFAULT);
    self->burst = s_rate_setting ("LEADLINE_INTAKE_BURST", INTAKE_BURST_DEFAULT);
    if (self->rate < 0 || self->burst < 0)
        goto fail;
    if (self->burst < 1)
        self->burst = 1;
    ll_socket_caps (self->router, SOCKET_HWM);
    zsock_set_linger (self->router, 0);
    ll_auth_server (ctx->auth, self->router);      // CURVE, when keys are configured
    if (zsock_bind (self->router, "%s", endpoint) < 0) {
        ll_error ("intake.bind", "cannot bind %s: %s; set LEADLINE_INTAKE_ENDPOINT to a "
                  "free address", endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    ll_info ("intake.bind", "taking commands on %s", endpoint);
    return self;
fail:
    intake_server_destroy (&self);
    return NULL;
}

void
intake_server_destroy (intake_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_server_t *self = *self_p;
    zsock_destroy (&self->router);
    zhashx_destroy (&self->buckets);
    free (self->items);
    free (self);
    *self_p = NULL;
}

void
intake_server_on_batch (intake_server_t *self, intake_batch_fn *fn, void *arg)
{
    self->batch_fn = fn;
    self->batch_arg = arg;
}

void
intake_server_set_ready_fn (intake_server_t *self, intake_ready_fn *fn, void *arg)
{
    self->ready_fn = fn;
    self->ready_arg = arg;
}

int
intake_server_attach (intake_server_t *self, zloop_t *loop)
{
    self->last_use_ms = s_mono_ms ();
    s_update_ready (self);
    if (zloop_reader (loop, self->router, s_on_router, self))
        return -1;
    zloop_reader_set_tolerant (loop, self->router);
    return zloop_timer (loop, TICK_MS, 0, s_on_tick, self) < 0 ? -1 : 0;
}
