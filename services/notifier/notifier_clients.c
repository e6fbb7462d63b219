/*  notifier_clients — the ROUTER for person clients (see notifier_clients.h).

    State per connection, in a hash by routing id: the person, when we last
    heard from it, and what it holds unacknowledged ("in flight": id ->
    packed frame, when sent). A second hash maps each person to their
    connections, so a new notification finds its clients in O(1), and an
    ack from one of a person's connections clears it on all of them.

    A connection holds at most `window` unacknowledged notifications; what
    does not fit stays in the store (the client is "behind") and is read
    from there, in order, as acks free the window. So 1,000 clients with a
    large backlog cost memory for 1,000 windows, not for the backlog.

    Sends never block the loop: the ROUTER is MANDATORY and every send is
    DONTWAIT. A client gone away (EHOSTUNREACH) is dropped; a full pipe
    (EAGAIN) leaves the notification in flight, and the redelivery timer
    sends it again.

    Identity: with CURVE on (config.auth enabled) every frame's key is
    checked against the registry (ll_auth_principal) and the person is the
    key's subject; a connection's key is re-checked every tick, so a
    revoked key is cut off within a second even on a silent connection.
    With CURVE off the claimed person_id is trusted (tests, development). */
#include "notifier_clients.h"
#include "ll_clock.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENTS_DRAIN 1000          // messages read per wake-up
#define CLIENTS_ACKS_MAX 100000     // acks kept for a store that is down
#define CLIENTS_ACK_EVERY_US 100000 // acks go to the store at most this often,
#define CLIENTS_ACK_BATCH 2000      // or when this many wait

typedef struct {
    zframe_t *frame;
    int64_t seq;
    int64_t sent_us;                // monotonic
} inflight_t;

typedef struct {
    char key [520];                 // routing id in hex
    zframe_t *routing_id;
    char person [NOTIFIER_PERSON_MAX];
    char public_key [41];           // its CURVE key, or "" with CURVE off
    bool key_invalid;               // revoked or removed since it connected
    int64_t heard_us;               // monotonic
    zhashx_t *inflight;             // id -> inflight_t
    int64_t loaded_seq;             // highest inbox seq offered to it
    bool behind;                    // the store holds more than the window took
    bool greeting;                  // said hello; its inbox is read by s_greet
} client_t;

struct notifier_clients {
    notifier_clients_config_t config;
    char *endpoint;
    zsock_t *router;
    zloop_t *loop;
    int timer;
    notifier_inbox_t *inbox;
    zhashx_t *clients;              // key -> client_t (owned)
    zhashx_t *persons;              // person -> zlistx of client_t (borrowed)
    zhashx_t *delivered;            // ids sent since the last store update, not acked since
    int64_t delivered_since_us;     // when the oldest of them was sent
    zlistx_t *greet;                // keys of clients new since the last read of inboxes
    zlistx_t *ack_ids;              // acks not yet in the store
    zlistx_t *ack_persons;
    int64_t acks_flushed_us;        // monotonic, the last ack update
    int64_t started_us;
    ll_metric_t *m_clients;
    ll_metric_t *m_deliveries;
    ll_metric_t *m_redeliveries;
    ll_metric_t *m_acks;
    ll_metric_t *m_dropped;
    ll_metric_t *m_refused;
    ll_metric_t *m_bad;
};

static void
s_inflight_free (void **item_p)
{
    if (!item_p || !*item_p)
        return;
    inflight_t *self = *item_p;
    zframe_destroy (&self->frame);
    free (self);
    *item_p = NULL;
}

static void
s_client_free (void **item_p)
{
    if (!item_p || !*item_p)
        return;
    client_t *self = *item_p;
    zhashx_destroy (&self->inflight);
    zframe_destroy (&self->routing_id);
    free (self);
    *item_p = NULL;
}

static void
s_list_free (void **item_p)
{
    zlistx_destroy ((zlistx_t **) item_p);
}

static zlistx_t *
s_strings (void)
{
    zlistx_t *list = zlistx_new ();
    if (list) {
        zlistx_set_duplicator (list, (czmq_duplicator *) strdup);
        zlistx_set_destructor (list, (czmq_destructor *) zstr_free);
    }
    return list;
}

//  Records what was sent (unread -> delivered), at most once a second and
//  at least a second after the send: most notifications are acknowledged
//  by then, and an ack takes its id out of the set (an ack records the
//  delivery too), so a notification is usually written twice (made,
//  acknowledged) rather than three times, and with every client keeping
//  up there is no update at all.
static void
s_flush_delivered (notifier_clients_t *self, bool now)
{
    size_t n = zhashx_size (self->delivered);
    if (n == 0)
        return;
    if (!now && ll_mono_us () - self->delivered_since_us < 1000000)
        return;
    const char **ids = malloc (n * sizeof *ids);
    if (!ids)
        return;
    size_t i = 0;
    for (void *v = zhashx_first (self->delivered); v && i < n; v = zhashx_next (self->delivered))
        ids [i++] = zhashx_cursor (self->delivered);
    notifier_inbox_delivered (self->inbox, ids, i, ll_clock_now_us ());
    free (ids);
    zhashx_purge (self->delivered);
}

static void
s_note_delivered (notifier_clients_t *self, const char *id)
{
    if (zhashx_size (self->delivered) == 0)
        self->delivered_since_us = ll_mono_us ();
    zhashx_update (self->delivered, id, (void *) 1);
}

bool
notifier_clients_identity (const ll_principal_t *who, const char *claimed, const char *sender,
                           char *person, char *why, size_t whylen)
{
    bool keyed = who && !who->anonymous;
    if (keyed) {
        if (strcmp (who->kind, "person") != 0) {
            snprintf (why, whylen, "a %s key (%.60s) may not receive notifications: only person "
                      "keys connect to the notifier, each as its own person", who->kind, who->subject);
            return false;
        }
        if (claimed && *claimed && strcmp (claimed, who->subject) != 0) {
            snprintf (why, whylen, "this connection's key belongs to %.60s; a person key acts "
                      "only as its own person, not as %.60s", who->subject, claimed);
            return false;
        }
        if (sender && *sender && strcmp (sender, who->subject) != 0) {
            snprintf (why, whylen, "this connection's key belongs to %.60s; the envelope's sender "
                      "%.60s is someone else", who->subject, sender);
            return false;
        }
        claimed = who->subject;
    }
    if (!claimed || !*claimed) {
        snprintf (why, whylen, "person_id is required: say who you are in ClientHello");
        return false;
    }
    size_t len = strlen (claimed);
    if (len >= NOTIFIER_PERSON_MAX) {
        snprintf (why, whylen, "person_id is longer than %d characters", NOTIFIER_PERSON_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) claimed [i] < 0x21 || (unsigned char) claimed [i] == 0x7f) {
            snprintf (why, whylen, "person_id may not hold spaces or control characters");
            return false;
        }
    if (sender && *sender && strcmp (sender, claimed) != 0) {
        snprintf (why, whylen, "the envelope's sender %.64s does not match person_id %.64s",
                  sender, claimed);
        return false;
    }
    memcpy (person, claimed, len + 1);
    return true;
}

notifier_clients_t *
notifier_clients_new (const notifier_clients_config_t *config, notifier_inbox_t *inbox)
{
    notifier_clients_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    if (self->config.window < 1)
        self->config.window = 1;
    self->endpoint = strdup (config->endpoint);
    self->config.endpoint = self->endpoint;
    self->inbox = inbox;
    self->clients = zhashx_new ();
    self->persons = zhashx_new ();
    self->delivered = zhashx_new ();
    self->greet = s_strings ();
    self->ack_ids = s_strings ();
    self->ack_persons = s_strings ();
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->endpoint || !self->clients || !self->persons || !self->delivered
    ||  !self->greet || !self->ack_ids || !self->ack_persons || !self->router) {
        notifier_clients_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->clients, s_client_free);
    zhashx_set_destructor (self->persons, s_list_free);
    ll_socket_caps (self->router, 100000);
    zsock_set_router_mandatory (self->router, 1);
    ll_auth_server (config->auth, self->router);     // CURVE, when keys are configured
    if (zsock_bind (self->router, "%s", self->endpoint) < 0) {
        ll_error ("clients.bind", "cannot bind the client ROUTER to %s: %s; is another notifier "
                  "running? (LEADLINE_NOTIFIER_ENDPOINT)", self->endpoint, zmq_strerror (zmq_errno ()));
        notifier_clients_destroy (&self);
        return NULL;
    }
    self->started_us = ll_clock_now_us ();
    self->m_clients = ll_metric_gauge ("leadline_notifier_clients", NULL,
                                       "Person clients connected now");
    self->m_deliveries = ll_metric_counter ("leadline_notifier_deliveries_total", NULL,
                                            "Notifications sent to a client the first time");
    self->m_redeliveries = ll_metric_counter ("leadline_notifier_redeliveries_total", NULL,
                                              "Notifications sent again: not acknowledged in time");
    self->m_acks = ll_metric_counter ("leadline_notifier_acks_total", NULL,
                                      "Notifications acknowledged by clients");
    self->m_dropped = ll_metric_counter ("leadline_notifier_clients_dropped_total", NULL,
                                         "Clients dropped: silent too long, or gone");
    self->m_refused = ll_metric_counter ("leadline_notifier_identity_refused_total", NULL,
                                         "Hellos and requests refused by the identity check");
    self->m_bad = ll_metric_counter ("leadline_notifier_bad_requests_total", NULL,
                                     "Client frames that could not be read or were not understood");
    ll_info ("clients.bind", "person clients on %s (%s)", self->endpoint,
             ll_auth_enabled (config->auth) ? "CURVE: person keys only"
                                            : "CURVE off: claimed identities are trusted");
    return self;
}

void
notifier_clients_destroy (notifier_clients_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notifier_clients_t *self = *self_p;
    if (self->loop) {
        if (self->router)
            zloop_reader_end (self->loop, self->router);
        zloop_timer_end (self->loop, self->timer);
    }
    if (self->delivered && self->inbox)
        s_flush_delivered (self, true);
    zhashx_destroy (&self->persons);
    zhashx_destroy (&self->clients);
    zhashx_destroy (&self->delivered);
    zlistx_destroy (&self->greet);
    zlistx_destroy (&self->ack_ids);
    zlistx_destroy (&self->ack_persons);
    zsock_destroy (&self->router);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

size_t
notifier_clients_count (notifier_clients_t *self)
{
    return zhashx_size (self->clients);
}

static void
s_key (zframe_t *routing_id, char *key, size_t len)
{
    static const char hex [] = "0123456789abcdef";
    const byte *data = zframe_data (routing_id);
    size_t n = zframe_size (routing_id), k = 0;
    for (size_t i = 0; i < n && k + 2 < len; i++) {
        key [k++] = hex [data [i] >> 4];
        key [k++] = hex [data [i] & 15];
    }
    key [k] = 0;
}

//  Sends one frame to a connection. 0 sent, 1 not now (pipe full), -1 the
//  connection is gone.
static int
s_send (notifier_clients_t *self, zframe_t *routing_id, zframe_t *frame)
{
    if (zframe_send (&routing_id, self->router, ZFRAME_MORE | ZFRAME_REUSE | ZFRAME_DONTWAIT) != 0)
        return zmq_errno () == EHOSTUNREACH ? -1 : 1;
    //  The second part of a message cannot fail once the first went.
    zframe_send (&frame, self->router, ZFRAME_REUSE | ZFRAME_DONTWAIT);
    return 0;
}

static void
s_send_envelope (notifier_clients_t *self, zframe_t *routing_id, ll_envelope_t *env)
{
    zframe_t *frame = ll_envelope_frame (env);
    if (frame) {
        s_send (self, routing_id, frame);
        zframe_destroy (&frame);
    }
}

static void
s_send_error (notifier_clients_t *self, zframe_t *routing_id, const char *reply_to,
              Leadline__V1__Status status, const char *code, const char *message,
              const char *hint)
{
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    if (reply_to)
        env.message_id = (char *) reply_to;
    Leadline__V1__Error err = LEADLINE__V1__ERROR__INIT;
    err.status = status;
    err.code = (char *) code;
    err.message = (char *) message;
    err.hint = (char *) (hint ? hint : "");
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    env.error = &err;
    s_send_envelope (self, routing_id, &env);
}

static void
s_send_heartbeat (notifier_clients_t *self, zframe_t *routing_id)
{
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    Leadline__V1__Heartbeat hb = LEADLINE__V1__HEARTBEAT__INIT;
    hb.producer = "notifier";
    hb.started_us = self->started_us;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    s_send_envelope (self, routing_id, &env);
}

static void
s_drop (notifier_clients_t *self, client_t *client, const char *why)
{
    ll_info ("clients.drop", "client of %s dropped: %s (%zu unacknowledged stay in the inbox)",
             client->person, why, zhashx_size (client->inflight));
    ll_metric_add (self->m_dropped, 1);
    zlistx_t *list = zhashx_lookup (self->persons, client->person);
    if (list) {
        void *handle = zlistx_find (list, client);
        if (handle)
            zlistx_delete (list, handle);
        if (zlistx_size (list) == 0)
            zhashx_delete (self->persons, client->person);
    }
    zhashx_delete (self->clients, client->key);
    ll_metric_set (self->m_clients, (int64_t) zhashx_size (self->clients));
}

//  Sends a notification to one connection unless it already holds it or
//  its window is full. Returns -1 if the connection is gone.
static int
s_offer (notifier_clients_t *self, client_t *client, const notifier_item_t *item)
{
    if (zhashx_lookup (client->inflight, item->id))
        return 0;
    if (client->behind || (int) zhashx_size (client->inflight) >= self->config.window) {
        client->behind = true;      // read from the store once acks free the window
        return 0;
    }
    inflight_t *fl = calloc (1, sizeof *fl);
    if (!fl)
        return 0;
    fl->frame = notifier_item_frame (item);
    if (!fl->frame) {
        free (fl);
        ll_warn ("clients.frame", "notification %s does not fit a frame; left in the inbox", item->id);
        return 0;
    }
    fl->seq = item->seq;
    fl->sent_us = ll_mono_us ();
    if (item->seq > client->loaded_seq)
        client->loaded_seq = item->seq;
    int rc = s_send (self, client->routing_id, fl->frame);
    zhashx_insert (client->inflight, item->id, fl);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        ll_metric_add (self->m_deliveries, 1);
        s_note_delivered (self, item->id);
    }
    return 0;
}

//  Stores the acks received. Kept for the next try if the store is down: a
//  client that was told nothing is redelivered anyway on reconnect.
static void
s_flush_acks (notifier_clients_t *self)
{
    size_t n = zlistx_size (self->ack_ids);
    if (n == 0)
        return;
    self->acks_flushed_us = ll_mono_us ();
    const char **ids = malloc (n * sizeof *ids);
    const char **persons = malloc (n * sizeof *persons);
    if (ids && persons) {
        size_t i = 0;
        char *p = zlistx_first (self->ack_persons);
        for (char *id = zlistx_first (self->ack_ids); id && p;
             id = zlistx_next (self->ack_ids), p = zlistx_next (self->ack_persons)) {
            ids [i] = id;
            persons [i++] = p;
        }
        int moved = notifier_inbox_ack (self->inbox, ids, persons, i, ll_clock_now_us ());
        if (moved >= 0) {
            ll_metric_add (self->m_acks, moved);
            zlistx_purge (self->ack_ids);
            zlistx_purge (self->ack_persons);
        }
    }
    free (ids);
    free (persons);
    while (zlistx_size (self->ack_ids) > CLIENTS_ACKS_MAX) {
        zlistx_delete (self->ack_ids, zlistx_first (self->ack_ids));
        zlistx_delete (self->ack_persons, zlistx_first (self->ack_persons));
    }
}

//  Reads the next page of the person's unacknowledged notifications from
//  the store into the client's window.
static int
s_refill (notifier_clients_t *self, client_t *client)
{
    int room = self->config.window - (int) zhashx_size (client->inflight);
    if (room <= 0)
        return 0;
    zlistx_t *items = zlistx_new ();
    if (!items)
        return 0;
    zlistx_set_destructor (items, notifier_item_free);
    int n = notifier_inbox_pending (self->inbox, client->person, client->loaded_seq, room, items);
    if (n < 0) {
        zlistx_destroy (&items);
        client->behind = true;      // the store is down: the tick tries again
        return 0;
    }
    client->behind = false;
    int rc = 0;
    for (notifier_item_t *item = zlistx_first (items); item; item = zlistx_next (items))
        if (s_offer (self, client, item) < 0) {
            rc = -1;
            break;
        }
    if (rc == 0 && n == room)
        client->behind = true;
    zlistx_destroy (&items);
    return rc;
}

static void
s_on_hello (notifier_clients_t *self, zframe_t *routing_id, const ll_envelope_t *env,
            const ll_principal_t *who)
{
    const Leadline__V1__ClientHello *hello = env->client_hello;
    char why [256], person [NOTIFIER_PERSON_MAX];
    if (!notifier_clients_identity (who, hello->person_id, env->sender, person, why, sizeof why)) {
        ll_metric_add (self->m_refused, 1);
        s_send_error (self, routing_id, env->message_id, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                      "identity", why, "connect as the person you are: --person ID");
        return;
    }
    char key [520];
    s_key (routing_id, key, sizeof key);
    client_t *client = zhashx_lookup (self->clients, key);
    if (client && strcmp (client->person, person) != 0) {
        s_drop (self, client, "the connection now says it is someone else");
        client = NULL;
    }
    s_send_heartbeat (self, routing_id);
    if (client) {
        client->heard_us = ll_mono_us ();     // a heartbeat
        return;
    }
    client = calloc (1, sizeof *client);
    if (!client)
        return;
    snprintf (client->key, sizeof client->key, "%s", key);
    snprintf (client->person, sizeof client->person, "%s", person);
    snprintf (client->public_key, sizeof client->public_key, "%s", who->public_key);
    client->routing_id = zframe_dup (routing_id);
    client->inflight = zhashx_new ();
    client->heard_us = ll_mono_us ();
    if (!client->routing_id || !client->inflight) {
        s_client_free ((void **) &client);
        return;
    }
    zhashx_set_destructor (client->inflight, s_inflight_free);
    zhashx_insert (self->clients, key, client);
    zlistx_t *list = zhashx_lookup (self->persons, client->person);
    if (!list) {
        list = zlistx_new ();
        zhashx_insert (self->persons, client->person, list);
    }
    zlistx_add_end (list, client);
    ll_metric_set (self->m_clients, (int64_t) zhashx_size (self->clients));
    ll_debug ("clients.hello", "client of %s connected (%s)", client->person,
              hello->client_version ? hello->client_version : "");
    client->greeting = true;        // its inbox: s_greet, after this wake-up
    zlistx_add_end (self->greet, client->key);
}

//  What waits for the clients that said hello in this wake-up, in one read
//  for all of them: 1,000 clients connecting at once (a notifier restart,
//  the morning) made 1,000 reads in a row, and new notifications waited
//  behind them. Runs before anything else can offer these clients a newer
//  notification, so reading from each person's first is complete.
static void
s_greet (notifier_clients_t *self)
{
    size_t count = zlistx_size (self->greet);
    if (count == 0)
        return;
    const char **persons = calloc (count, sizeof *persons);
    client_t **clients = calloc (count, sizeof *clients);
    zhashx_t *by_person = zhashx_new ();        // person -> zlistx of items (borrowed)
    zlistx_t *items = zlistx_new ();
    if (!persons || !clients || !by_person || !items) {
        free (persons);
        free (clients);
        zhashx_destroy (&by_person);
        zlistx_destroy (&items);
        return;                 // stays in `greet`: the next wake-up tries again
    }
    zhashx_set_destructor (by_person, (czmq_destructor *) zlistx_destroy);
    zlistx_set_destructor (items, notifier_item_free);
    size_t n = 0, np = 0;
    for (const char *key = zlistx_first (self->greet); key; key = zlistx_next (self->greet)) {
        //  Gone since its hello, or listed twice (a connection that said it
        //  is someone else is registered again under the same key).
        client_t *client = zhashx_lookup (self->clients, key);
        if (!client || !client->greeting)
            continue;
        client->greeting = false;
        clients [n++] = client;
        if (!zhashx_lookup (by_person, client->person)) {
            zhashx_insert (by_person, client->person, zlistx_new ());
            persons [np++] = client->person;
        }
    }
    zlistx_purge (self->greet);
    int got = notifier_inbox_pending_many (self->inbox, persons, np, self->config.window, items);
    for (notifier_item_t *item = got > 0 ? zlistx_first (items) : NULL; item;
         item = zlistx_next (items)) {
        zlistx_t *list = zhashx_lookup (by_person, item->recipient);
        if (list)
            zlistx_add_end (list, item);
    }
    for (size_t i = 0; i < n; i++) {
        client_t *client = clients [i];
        zlistx_t *list = zhashx_lookup (by_person, client->person);
        //  The store is down: the tick reads for it once it is back.
        client->behind = got < 0;
        if (got < 0 || !list)
            continue;
        int offered = 0;
        for (notifier_item_t *item = zlistx_first (list); item; item = zlistx_next (list), offered++)
            if (s_offer (self, client, item) < 0)
                break;
        if (offered < (int) zlistx_size (list))
            s_drop (self, client, "gone while its inbox was being sent");
        else
        if (offered == self->config.window)
            client->behind = true;
    }
    free (persons);
    free (clients);
    zhashx_destroy (&by_person);
    zlistx_destroy (&items);
}

static void
s_on_ack (notifier_clients_t *self, zframe_t *routing_id, const ll_envelope_t *env)
{
    char key [520];
    s_key (routing_id, key, sizeof key);
    client_t *client = zhashx_lookup (self->clients, key);
    if (!client)
        return;     // not (or no longer) registered: it says hello again and re-acks
    client->heard_us = ll_mono_us ();
    zlistx_t *list = zhashx_lookup (self->persons, client->person);
    const Leadline__V1__NotificationAck *ack = env->notification_ack;
    for (size_t i = 0; i < ack->n_ids; i++) {
        const char *id = ack->ids [i];
        if (!notifier_inbox_valid_id (id))
            continue;
        for (client_t *c = list ? zlistx_first (list) : NULL; c; c = zlistx_next (list))
            zhashx_delete (c->inflight, id);
        zlistx_add_end (self->ack_ids, (void *) id);
        zlistx_add_end (self->ack_persons, client->person);
        zhashx_delete (self->delivered, id);
    }
    if (client->behind && (int) zhashx_size (client->inflight) <= self->config.window / 2)
        if (s_refill (self, client) < 0)
            s_drop (self, client, "gone");
}

static void
s_on_inbox (notifier_clients_t *self, zframe_t *routing_id, const ll_envelope_t *env,
            const ll_principal_t *who)
{
    const Leadline__V1__InboxRequest *req = env->inbox_request;
    char why [256], person [NOTIFIER_PERSON_MAX];
    if (!notifier_clients_identity (who, req->person_id, env->sender, person, why, sizeof why)) {
        ll_metric_add (self->m_refused, 1);
        s_send_error (self, routing_id, env->message_id, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                      "identity", why, "ask for your own inbox: --person ID");
        return;
    }
    int limit = req->limit > 0 && req->limit <= 500 ? (int) req->limit : 100;
    zlistx_t *items = zlistx_new ();
    bool *acked = calloc ((size_t) limit, sizeof *acked);
    if (!items || !acked) {
        zlistx_destroy (&items);
        free (acked);
        return;
    }
    zlistx_set_destructor (items, notifier_item_free);
    int n = notifier_inbox_list (self->inbox, person, req->unread_only, limit, items, acked);
    ll_envelope_t reply;
    char id [37];
    ll_envelope_init (&reply, id);
    reply.message_id = env->message_id;
    Leadline__V1__InboxReply body = LEADLINE__V1__INBOX_REPLY__INIT;
    Leadline__V1__Notification *notes = calloc ((size_t) limit, sizeof *notes);
    Leadline__V1__Notification **ptrs = calloc ((size_t) limit, sizeof *ptrs);
    if (n < 0 || !notes || !ptrs) {
        body.status = LEADLINE__V1__STATUS__STATUS_UNAVAILABLE;
        body.message = "the inbox store is not reachable; try again shortly";
    }
    else {
        body.status = LEADLINE__V1__STATUS__STATUS_OK;
        size_t i = 0;
        for (notifier_item_t *item = zlistx_first (items); item && i < (size_t) n;
             item = zlistx_next (items), i++) {
            leadline__v1__notification__init (&notes [i]);
            notes [i].id = item->id;
            notes [i].recipient_id = item->recipient;
            notes [i].kind = (Leadline__V1__NotificationKind) item->kind;
            notes [i].lead_id = item->lead_id;
            notes [i].title = item->title;
            notes [i].body = item->body;
            notes [i].created_us = item->created_us;
            notes [i].urgent = item->urgent;
            ptrs [i] = &notes [i];
        }
        body.n_items = i;
        body.items = ptrs;
        body.n_acknowledged = i;
        body.acknowledged = (protobuf_c_boolean *) calloc (i ? i : 1, sizeof (protobuf_c_boolean));
        if (body.acknowledged)
            for (size_t k = 0; k < i; k++)
                body.acknowledged [k] = acked [k];
        else
            body.n_acknowledged = 0;
    }
    reply.body_case = LEADLINE__V1__ENVELOPE__BODY_INBOX_REPLY;
    reply.inbox_reply = &body;
    zframe_t *frame = ll_envelope_frame (&reply);
    if (!frame) {
        //  Too big for one frame: ask for fewer.
        s_send_error (self, routing_id, env->message_id, LEADLINE__V1__STATUS__STATUS_INVALID,
                      "too_big", "the inbox page does not fit one frame", "ask with a smaller limit");
    }
    else {
        s_send (self, routing_id, frame);
        zframe_destroy (&frame);
    }
    free (body.acknowledged);
    free (notes);
    free (ptrs);
    free (acked);
    zlistx_destroy (&items);
}

static void
s_on_message (notifier_clients_t *self, zmsg_t *msg)
{
    zframe_t *routing_id = zmsg_pop (msg);
    zframe_t *frame = zmsg_pop (msg);
    //  A REQ client puts an empty delimiter first.
    if (frame && zframe_size (frame) == 0 && zmsg_size (msg) > 0) {
        zframe_destroy (&frame);
        frame = zmsg_pop (msg);
    }
    if (!routing_id || !frame) {
        zframe_destroy (&routing_id);
        zframe_destroy (&frame);
        return;
    }
    //  The key, from the frame's metadata, before anything else: a revoked
    //  key is refused whatever it sends.
    ll_principal_t who;
    char err [600];
    if (ll_auth_principal (self->config.auth, frame, &who, err, sizeof err)) {
        zframe_destroy (&frame);
        ll_metric_add (self->m_refused, 1);
        char key [520];
        s_key (routing_id, key, sizeof key);
        client_t *client = zhashx_lookup (self->clients, key);
        if (client)
            s_drop (self, client, "its key is no longer valid");
        s_send_error (self, routing_id, NULL, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                      "identity", err, "use the key issued for you (`leadline admin keys`)");
        zframe_destroy (&routing_id);
        return;
    }
    ll_decode_rc_t rc;
    ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame),
                                             &rc, err, sizeof err);
    zframe_destroy (&frame);
    if (!env) {
        ll_metric_add (self->m_bad, 1);
        s_send_error (self, routing_id, NULL, LEADLINE__V1__STATUS__STATUS_BAD_REQUEST,
                      ll_decode_rc_name (rc), err, NULL);
        zframe_destroy (&routing_id);
        return;
    }
    switch (env->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_CLIENT_HELLO:
            s_on_hello (self, routing_id, env, &who);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION_ACK:
            s_on_ack (self, routing_id, env);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_INBOX_REQUEST:
            s_on_inbox (self, routing_id, env, &who);
            break;
        default: {
            ll_metric_add (self->m_bad, 1);
            char msgtext [128];
            snprintf (msgtext, sizeof msgtext, "the notifier does not take %s",
                      ll_envelope_type_name (env));
            s_send_error (self, routing_id, env->message_id, LEADLINE__V1__STATUS__STATUS_BAD_REQUEST,
                          "unknown_type", msgtext,
                          "send client_hello, notification_ack or inbox_request");
            break;
        }
    }
    ll_envelope_free (&env);
    zframe_destroy (&routing_id);
}

static int
s_on_router (zloop_t *loop, zsock_t *reader, void *arg)
{
    notifier_clients_t *self = arg;
    for (int i = 0; i < CLIENTS_DRAIN; i++) {
        zmsg_t *msg = zmsg_recv_nowait (self->router);
        if (!msg)
            break;
        s_on_message (self, msg);
        zmsg_destroy (&msg);
    }
    s_greet (self);
    //  One UPDATE for many acks: at 1,000 notifications a second an update
    //  per wake-up kept the loop waiting on the store while new
    //  notifications queued behind it. An ack that waits (at most a tick)
    //  costs nothing: the client holds the notification already.
    if (zlistx_size (self->ack_ids) >= CLIENTS_ACK_BATCH
    ||  ll_mono_us () - self->acks_flushed_us >= CLIENTS_ACK_EVERY_US)
        s_flush_acks (self);
    return 0;
}

//  Every 250 ms: drop silent clients, resend what was not acknowledged in
//  time, read on for clients that are behind, retry stored acks.
static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    notifier_clients_t *self = arg;
    int64_t now = ll_mono_us ();
    zlistx_t *gone = zlistx_new ();
    if (!gone)
        return 0;
    for (client_t *c = zhashx_first (self->clients); c; c = zhashx_next (self->clients)) {
        if (now - c->heard_us > self->config.timeout_ms * 1000) {
            zlistx_add_end (gone, c);
            continue;
        }
        if (*c->public_key) {
            ll_principal_t who;
            char why [600];
            if (ll_auth_key_principal (self->config.auth, c->public_key, &who, why, sizeof why)) {
                ll_metric_add (self->m_refused, 1);
                s_send_error (self, c->routing_id, NULL, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                              "identity", why, "use the key issued for you (`leadline admin keys`)");
                c->key_invalid = true;
                zlistx_add_end (gone, c);
                continue;
            }
        }
        bool lost = false;
        for (inflight_t *fl = zhashx_first (c->inflight); fl && !lost; fl = zhashx_next (c->inflight)) {
            if (now - fl->sent_us < self->config.redeliver_ms * 1000)
                continue;
            int rc = s_send (self, c->routing_id, fl->frame);
            if (rc < 0)
                lost = true;
            else
            if (rc == 0) {
                fl->sent_us = now;
                ll_metric_add (self->m_redeliveries, 1);
                s_note_delivered (self, zhashx_cursor (c->inflight));
            }
        }
        if (!lost && c->behind && (int) zhashx_size (c->inflight) <= self->config.window / 2)
            lost = s_refill (self, c) < 0;
        if (lost)
            zlistx_add_end (gone, c);
    }
    for (client_t *c = zlistx_first (gone); c; c = zlistx_next (gone)) {
        bool silent = now - c->heard_us > self->config.timeout_ms * 1000;
        s_drop (self, c, c->key_invalid ? "its key is no longer valid"
                       : silent ? "no heartbeat" : "the connection is gone");
    }
    zlistx_destroy (&gone);
    s_flush_acks (self);
    s_flush_delivered (self, false);
    return 0;
}

int
notifier_clients_attach (notifier_clients_t *self, zloop_t *loop)
{
    self->loop = loop;
    if (zloop_reader (loop, self->router, s_on_router, self))
        return -1;
    zloop_reader_set_tolerant (loop, self->router);
    self->timer = zloop_timer (loop, 250, 0, s_on_tick, self);
    return self->timer < 0 ? -1 : 0;
}

void
notifier_clients_deliver (notifier_clients_t *self, zlistx_t *items)
{
    zlistx_t *gone = NULL;
    for (notifier_item_t *item = zlistx_first (items); item; item = zlistx_next (items)) {
        zlistx_t *list = zhashx_lookup (self->persons, item->recipient);
        if (!list)
            continue;
        for (client_t *c = zlistx_first (list); c; c = zlistx_next (list))
            if (s_offer (self, c, item) < 0) {
                if (!gone)
                    gone = zlistx_new ();
                if (gone && !zlistx_find (gone, c))
                    zlistx_add_end (gone, c);
            }
    }
    if (gone) {
        for (client_t *c = zlistx_first (gone); c; c = zlistx_next (gone))
            s_drop (self, c, "the connection is gone");
        zlistx_destroy (&gone);
    }
}

const char **
notifier_clients_persons (notifier_clients_t *self, size_t *count)
{
    *count = 0;
    size_t n = zhashx_size (self->persons);
    const char **persons = malloc ((n ? n : 1) * sizeof *persons);
    if (!persons)
        return NULL;
    for (void *list = zhashx_first (self->persons); list && *count < n;
         list = zhashx_next (self->persons))
        persons [(*count)++] = zhashx_cursor (self->persons);
    return persons;
}

void
notifier_clients_resync (notifier_clients_t *self)
{
    for (client_t *c = zhashx_first (self->clients); c; c = zhashx_next (self->clients)) {
        c->loaded_seq = 0;
        c->behind = true;
    }
}
