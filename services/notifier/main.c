/*  leadline-notifier — turns events into notifications for people, keeps a
    durable inbox per person, delivers live to connected clients and over
    email and webhooks (docs/notifier.md). Start-up and the one event loop:

      subscriber (streams intake, sla, reporting), per transaction:
        apply(event): route -> buffer the notifications
        flush: store the batch in one statement; what is new is staged
      after the commit: the staged notifications go to connected clients
      other instances' commits: announced with NOTIFY, read for our clients
      ROUTER for person clients, channel worker, ops HTTP: their own parts

    Why deliver after the commit and not from apply: a batch that rolls
    back would otherwise have shown clients notifications that do not
    exist. The subscriber calls s_deliver after each commit; it keeps what
    the subscriber's cursor says was committed and drops the rest (it is
    applied again, and staged again, when the subscriber retries).

    Two or more instances can serve at once: each delivers its own commits
    straight from the staged list, and the rows other instances stored
    when it hears their announcement (notifier_inbox.h). */
#include "notifier.h"
#include "notifier_channels.h"
#include "notifier_clients.h"
#include "notifier_inbox.h"
#include "notifier_route.h"
#include "ll_auth.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_db_gauge.h"
#include "ll_http.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_service.h"
#include "ll_subscriber.h"
#include "ll_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_migration_t ll_notifier_migrations [];
extern const size_t ll_notifier_migration_count;

static const ll_service_info_t s_info = {
    .name = "notifier",
    .binary = "leadline-notifier",
    .summary = "turns events into notifications: a durable inbox per person, live delivery "
               "to clients, email and webhooks",
    .environment =
        "  LEADLINE_NOTIFIER_ENDPOINT     ROUTER for person clients (default tcp://*:7120)\n"
        "  LEADLINE_NOTIFIER_HTTP         /healthz /readyz /metrics /dead-letters\n"
        "                                 (default 127.0.0.1:9102; 0 = off)\n"
        "  LEADLINE_INTAKE_PUB_CONNECT    stream \"intake\" PUB (default tcp://127.0.0.1:7101)\n"
        "  LEADLINE_INTAKE_REPLAY_CONNECT stream \"intake\" replay (default tcp://127.0.0.1:7102)\n"
        "  LEADLINE_SLA_PUB_CONNECT       stream \"sla\" PUB (default tcp://127.0.0.1:7111)\n"
        "  LEADLINE_SLA_REPLAY_CONNECT    stream \"sla\" replay (default tcp://127.0.0.1:7112)\n"
        "  LEADLINE_REPORTING_PUB_CONNECT stream \"reporting\" PUB (default tcp://127.0.0.1:7131)\n"
        "  LEADLINE_REPORTING_REPLAY_CONNECT  stream \"reporting\" replay (default tcp://127.0.0.1:7132)\n"
        "  LEADLINE_AUTH_SECRET_KEY_FILE  the notifier's CURVE secret key (mode 0600); set, only\n"
        "                                 registered person keys connect, each as its own person\n"
        "                                 (default none: CURVE off, claimed identities trusted)\n"
        "  LEADLINE_NOTIFIER_WINDOW       unacknowledged notifications per client (default 500)\n"
        "  LEADLINE_NOTIFIER_REDELIVER_MS resend what is not acknowledged after (default 30000)\n"
        "  LEADLINE_NOTIFIER_CLIENT_TIMEOUT_MS  drop a client silent this long (default 10000)\n"
        "  LEADLINE_SMTP_URL              email relay (default smtp://127.0.0.1:25)\n"
        "  LEADLINE_SMTP_FROM             sender address (default leadline@localhost)\n"
        "  LEADLINE_WEBHOOK_SECRET_FILE   HMAC-SHA256 key for webhook signatures (default none:\n"
        "                                 webhooks are dead-lettered, never sent unsigned)\n"
        "  LEADLINE_CHANNEL_MAX_ATTEMPTS  attempts per send before the dead-letter list (default 8)\n"
        "  LEADLINE_CHANNEL_BACKOFF_MS    first retry delay, doubling (default 1000)\n"
        "  LEADLINE_CHANNEL_BACKOFF_MAX_MS  longest retry delay (default 600000)\n"
        "  LEADLINE_CHANNEL_TIMEOUT_MS    one send attempt, at most (default 10000)\n"
        "  LEADLINE_CHANNEL_PARALLEL      sends in flight at once (default 16)\n",
};

typedef struct {
    ll_subscriber_t *sub;
    ll_auth_t *auth;
    notifier_clients_t *clients;
    notifier_channels_t *channels;
    notifier_inbox_t *inbox;
    ll_http_t *http;
    zloop_t *loop;
    notifier_batch_t *batch;        // apply's notifications, stored once per transaction
    zlistx_t *staged;               // stored, waiting for the commit
    char instance [LL_UUID_LEN];    // this process, in inbox announcements
    notifier_listener_t *listener;  // other instances' announcements
    zmq_pollitem_t listen_item;     // its socket on the loop, fd -1 if none
    ll_metric_t *m_created;
    ll_metric_t *m_pending;
    ll_db_gauge_t *pending;         // counts m_pending off the loop
} notifier_t;

//  Escalations and reports are routed through org; without it events
//  would stall one after another.
static const ll_service_store_t s_store = {
    .owns = { { "notifier", ll_notifier_migrations, &ll_notifier_migration_count } },
    .cursor = "notifier",
    .org = LL_ORG_REQUIRED,
};

//  ---- the subscriber's side

//  Everything the subscriber writes is derived from events it can replay:
//  if PostgreSQL loses the last commits in a crash, the cursor goes back
//  with them and the same events make the same notifications (same ids)
//  again. So its commits need not wait for the disk.
static int
s_prepare (PGconn *conn, void *arg)
{
    return ll_db_exec (conn, "SET synchronous_commit = off")
        || notifier_route_prepare (conn) || notifier_inbox_prepare_apply (conn) ? -1 : 0;
}

//  The subscriber's flush: stores the batch's notifications in one
//  statement, inside its transaction, and stages the new ones for the
//  clients (sent after the commit, by s_deliver).
static int
s_store_batch (PGconn *conn, void *arg)
{
    notifier_t *self = arg;
    return notifier_batch_store (self->batch, conn, self->instance, ll_clock_now_us (),
                                 self->staged);
}

//  Routes the event and buffers its notifications; the batch is stored in
//  s_store_batch, once per subscriber transaction.
static int
s_apply (PGconn *conn, const ll_envelope_t *event, void *arg)
{
    notifier_t *self = arg;
    notifier_route_t route;
    if (notifier_route_event (conn, event, &route)
    ||  notifier_batch_add (self->batch, event, &route, ll_clock_now_us ())) {
        notifier_batch_clear (self->batch);     // this transaction rolls back
        return -1;
    }
    //  A very large batch is stored in parts (still one transaction).
    if (notifier_batch_size (self->batch) >= 5000 && s_store_batch (conn, self))
        return -1;
    return 0;
}

//  Runs after each subscriber commit: hands the committed notifications
//  to the clients.
static void
s_deliver (void *arg)
{
    notifier_t *self = arg;
    if (zlistx_size (self->staged) == 0)
        return;
    zlistx_t *committed = zlistx_new ();
    zhashx_t *seen = zhashx_new ();
    if (!committed || !seen) {
        zlistx_destroy (&committed);
        zhashx_destroy (&seen);
        return;
    }
    zlistx_set_destructor (committed, notifier_item_free);
    notifier_item_t *item;
    while ((item = zlistx_detach (self->staged, NULL))) {
        bool done = item->event_seq <= ll_subscriber_cursor (self->sub, item->stream);
        if (done && !zhashx_lookup (seen, item->id)) {
            zhashx_insert (seen, item->id, item);
            zlistx_add_end (committed, item);
        }
        else
            notifier_item_destroy (&item);
    }
    ll_metric_add (self->m_created, (int64_t) zlistx_size (committed));
    notifier_clients_deliver (self->clients, committed);
    zlistx_destroy (&committed);
    zhashx_destroy (&seen);
}

//  Another instance committed notifications: read those of our clients'
//  persons and hand them over.
static int
s_on_announce (zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    notifier_t *self = arg;
    zlistx_t *ranges = zlistx_new ();
    if (!ranges)
        return 0;
    zlistx_set_destructor (ranges, (czmq_destructor *) zstr_free);
    if (notifier_listener_read (self->listener, self->instance, ranges)) {
        zloop_poller_end (loop, &self->listen_item);
        self->listen_item.fd = -1;
    }
    size_t count = 0;
    const char **persons = zlistx_size (ranges)
                         ? notifier_clients_persons (self->clients, &count) : NULL;
    for (int64_t *range = zlistx_first (ranges); range && count; range = zlistx_next (ranges)) {
        zlistx_t *items = zlistx_new ();
        if (!items)
            break;
        zlistx_set_destructor (items, notifier_item_free);
        if (notifier_inbox_range (self->inbox, range [0], range [1], persons, count, items) < 0)
            notifier_clients_resync (self->clients);    // read again once the store is back
        else
            notifier_clients_deliver (self->clients, items);
        zlistx_destroy (&items);
    }
    free (persons);
    zlistx_destroy (&ranges);
    return 0;
}

//  Every second: (re)connect the listener. While it was away, other
//  instances' announcements were missed: clients re-read the store.
static int
s_on_listen_tick (zloop_t *loop, int timer_id, void *arg)
{
    notifier_t *self = arg;
    int rc = notifier_listener_connect (self->listener);
    if (rc < 0 && self->listen_item.fd >= 0) {
        zloop_poller_end (loop, &self->listen_item);
        self->listen_item.fd = -1;
    }
    if (rc == 1) {
        if (self->listen_item.fd >= 0)
            zloop_poller_end (loop, &self->listen_item);
        self->listen_item = (zmq_pollitem_t) { NULL, notifier_listener_fd (self->listener),
                                               ZMQ_POLLIN, 0 };
        if (zloop_poller (loop, &self->listen_item, s_on_announce, self) == 0)
            zloop_poller_set_tolerant (loop, &self->listen_item);
        else
            self->listen_item.fd = -1;
        notifier_clients_resync (self->clients);
    }
    return 0;
}

//  Every two seconds: gauges that need the store, and readiness.
static int
s_on_status (zloop_t *loop, int timer_id, void *arg)
{
    notifier_t *self = arg;
    ll_db_gauge_refresh (self->pending, loop);
    notifier_channels_waiting (self->channels);
    if (self->http) {
        if (!ll_subscriber_ready (self->sub))
            ll_http_set_ready (self->http, false, "the subscriber is not applying events "
                               "(store down, or an event it cannot apply: see the log)");
        else
        if (!ll_db_gauge_ok (self->pending))
            ll_http_set_ready (self->http, false, "the inbox store is not reachable");
        else
            ll_http_set_ready (self->http, true, "");
    }
    return 0;
}

static int
s_follow (ll_subscriber_t *sub, const char *stream, const char *pub_var, const char *pub_dflt,
          const char *replay_var, const char *replay_dflt)
{
    return ll_subscriber_follow (sub, stream, ll_config_str (pub_var, pub_dflt),
                                 ll_config_str (replay_var, replay_dflt));
}

int
main (int argc, char **argv)
{
    ll_command_t cmd = ll_service_args (&s_info, argc, argv);
    const char *conninfo = ll_config_db ();
    //  migrate / check / the schema check before run (ll_service_store).
    int exit_code = ll_service_store (&s_info, &s_store, cmd, conninfo);
    if (exit_code >= 0)
        return exit_code;

    zsys_init ();
    zsys_set_linger (0);
    notifier_t self = { .listen_item = { .fd = -1 } };
    ll_uuid_new (self.instance);
    int rc = 1;
    const char *http_addr = ll_config_str ("LEADLINE_NOTIFIER_HTTP", "127.0.0.1:9102");
    self.http = ll_http_start (http_addr);
    if (!self.http && strcmp (http_addr, "0") != 0 && *http_addr)
        return 1;
    if (self.http)
        ll_http_route (self.http, "/dead-letters", notifier_channels_http_dead, (void *) conninfo);
    self.m_created = ll_metric_counter ("leadline_notifier_notifications_total", NULL,
                                        "Notifications made (one per event, recipient and kind)");
    self.m_pending = ll_metric_gauge ("leadline_notifier_pending", NULL,
                                      "Notifications in inboxes not yet acknowledged");
    //  A count over every inbox: its own connection, so delivery never waits for it.
    self.pending = ll_db_gauge_new (conninfo,
        "SELECT count (*) FROM notifier.notification WHERE state <> 'acknowledged'",
        self.m_pending);
    self.staged = zlistx_new ();
    self.batch = notifier_batch_new ();
    self.loop = zloop_new ();
    self.inbox = notifier_inbox_new (conninfo);
    self.listener = notifier_listener_new (conninfo);
    if (!self.pending || !self.staged || !self.batch || !self.loop || !self.inbox || !self.listener)
        goto done;
    zlistx_set_destructor (self.staged, notifier_item_free);

    notifier_channels_config_t chcfg = {
        .smtp_url = ll_config_str ("LEADLINE_SMTP_URL", "smtp://127.0.0.1:25"),
        .smtp_from = ll_config_str ("LEADLINE_SMTP_FROM", "leadline@localhost"),
        .webhook_secret_file = ll_config_str ("LEADLINE_WEBHOOK_SECRET_FILE", NULL),
        .max_attempts = (int) ll_config_int ("LEADLINE_CHANNEL_MAX_ATTEMPTS", 8),
        .backoff_ms = ll_config_int ("LEADLINE_CHANNEL_BACKOFF_MS", 1000),
        .backoff_max_ms = ll_config_int ("LEADLINE_CHANNEL_BACKOFF_MAX_MS", 600000),
        .timeout_ms = ll_config_int ("LEADLINE_CHANNEL_TIMEOUT_MS", 10000),
        .parallel = (int) ll_config_int ("LEADLINE_CHANNEL_PARALLEL", 16),
    };
    self.channels = notifier_channels_new (&chcfg, self.inbox);
    if (!self.channels)
        goto done;
    notifier_inbox_on_connect (self.inbox, notifier_channels_prepare, self.channels);

    notifier_clients_config_t ccfg = {
        .endpoint = ll_config_str ("LEADLINE_NOTIFIER_ENDPOINT", "tcp://*:7120"),
        .window = (int) ll_config_int ("LEADLINE_NOTIFIER_WINDOW", 500),
        .redeliver_ms = ll_config_int ("LEADLINE_NOTIFIER_REDELIVER_MS", 30000),
        .timeout_ms = ll_config_int ("LEADLINE_NOTIFIER_CLIENT_TIMEOUT_MS", 10000),
    };
    //  Before the ROUTER binds: with a key configured this binds the ZAP
    //  handler, and libzmq admits every key while none is there.
    self.auth = ll_auth_new (conninfo);
    if (!self.auth)
        goto done;
    ccfg.auth = self.auth;
    self.clients = notifier_clients_new (&ccfg, self.inbox);
    if (!self.clients)
        goto done;

    self.sub = ll_subscriber_new (conninfo, "notifier", s_apply, &self);
    if (!self.sub)
        goto done;
    ll_subscriber_on_connect (self.sub, s_prepare);
    ll_subscriber_on_flush (self.sub, s_store_batch);
    ll_subscriber_on_commit (self.sub, s_deliver);
    if (s_follow (self.sub, "intake", "LEADLINE_INTAKE_PUB_CONNECT", "tcp://127.0.0.1:7101",
                  "LEADLINE_INTAKE_REPLAY_CONNECT", "tcp://127.0.0.1:7102")
    ||  s_follow (self.sub, "sla", "LEADLINE_SLA_PUB_CONNECT", "tcp://127.0.0.1:7111",
                  "LEADLINE_SLA_REPLAY_CONNECT", "tcp://127.0.0.1:7112")
    ||  s_follow (self.sub, "reporting", "LEADLINE_REPORTING_PUB_CONNECT", "tcp://127.0.0.1:7131",
                  "LEADLINE_REPORTING_REPLAY_CONNECT", "tcp://127.0.0.1:7132"))
        goto done;

    if (notifier_clients_attach (self.clients, self.loop)
    ||  ll_auth_attach (self.auth, self.loop)
    ||  notifier_channels_attach (self.channels, self.loop)
    ||  ll_subscriber_attach (self.sub, self.loop))
        goto done;
    zloop_timer (self.loop, 2000, 0, s_on_status, &self);
    zloop_timer (self.loop, 1000, 0, s_on_listen_tick, &self);
    s_on_listen_tick (self.loop, 0, &self);
    s_on_status (self.loop, 0, &self);
    ll_info ("notifier.start", "leadline-notifier %s running", LEADLINE_VERSION);
    //  Ready as a process (its ops endpoint answers); /readyz says whether
    //  the store and the streams are there.
    ll_service_ready (&s_info);
    zloop_start (self.loop);
    ll_service_stopping (&s_info);
    ll_info ("notifier.stop", "stopping");
    rc = 0;
done:
    //  The subscriber and the parts leave the loop before it goes.
    ll_subscriber_destroy (&self.sub);
    notifier_clients_destroy (&self.clients);
    notifier_channels_destroy (&self.channels);
    ll_db_gauge_destroy (&self.pending);
    zloop_destroy (&self.loop);
    notifier_listener_destroy (&self.listener);
    ll_auth_destroy (&self.auth);
    notifier_inbox_destroy (&self.inbox);
    zlistx_destroy (&self.staged);
    notifier_batch_destroy (&self.batch);
    ll_http_destroy (&self.http);
    return rc;
}
