/*  leadline-sla-watcher — keeps a clock for every deadline of every lead,
    warns before a breach, records breaches and climbs the escalation
    ladder (docs/sla.md). Start-up only: migrate / check / run, then one
    event loop owning the timer engine, the subscriber to stream "intake"
    and the relay of stream "sla". The subscriber and the relay start when
    this instance becomes the leader. */
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_http.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include "ll_service.h"
#include "ll_subscriber.h"
#include "sla_calendar.h"
#include "sla_config.h"
#include "sla_consume.h"
#include "sla_engine.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_migration_t ll_sla_migrations [];
extern const size_t ll_sla_migration_count;

static const ll_service_info_t s_info = {
    .name = "sla-watcher",
    .binary = "leadline-sla-watcher",
    .summary = "keeps the entry and contact deadlines of every lead: warnings, breaches, "
               "escalations",
    .environment =
        "  LEADLINE_SLA_PUB             event PUB, stream \"sla\" (default tcp://*:7111)\n"
        "  LEADLINE_SLA_REPLAY          replay ROUTER (default tcp://*:7112)\n"
        "  LEADLINE_INTAKE_PUB_CONNECT  intake's PUB (default tcp://127.0.0.1:7101)\n"
        "  LEADLINE_INTAKE_REPLAY_CONNECT  intake's replay (default tcp://127.0.0.1:7102)\n"
        "  LEADLINE_SLA_HTTP            /healthz /readyz /metrics (default 127.0.0.1:9101; 0 = off)\n"
        "  LEADLINE_SLA_ENTRY_HOURS     card completed -> entered (default 24)\n"
        "  LEADLINE_SLA_CONTACT_HOURS   entered -> first contact (default 48)\n"
        "  LEADLINE_SLA_WARN_PERCENT    warning at this share of the window (default 75; 0 = none)\n"
        "  LEADLINE_SLA_LEVEL2_HOURS    breach -> escalation level 2 (default 24)\n"
        "  LEADLINE_SLA_LEVEL3_HOURS    level 2 -> level 3 (default 48)\n"
        "  LEADLINE_SLA_LEVELS          highest escalation level, 1-3 (default 3)\n"
        "                               (per program: table sla.policy; business hours per\n"
        "                               district: sla.district_calendar, sla.holiday)\n"
        "  LEADLINE_SLA_BATCH           most clocks fired per transaction (default 1000)\n"
        "  LEADLINE_SLA_CATCHUP_WAIT_MS hold firing at most this long while intake's events\n"
        "                               are caught up (default 30000)\n"
        "  LEADLINE_SLA_LEADER_RETRY_MS a standby asks for the leader lock this often (default 1000)\n"
        "  LEADLINE_SLA_RELOAD_S        re-read policies and calendars (default 60)\n"
        "  LEADLINE_SLA_LADDER_TTL_S    keep escalation recipients cached (default 60)\n",
};

typedef struct {
    const char *conninfo;
    zloop_t *loop;
    ll_http_t *http;
    sla_config_t *config;
    sla_engine_t *engine;
    sla_consume_t *consume;
    ll_subscriber_t *subscriber;
    ll_relay_t *relay;
    int64_t lost_us;               // monotonic: when leadership was lost, 0 if not
    int exit_code;
} watcher_t;

static const ll_service_store_t s_store = {
    .owns = { { "sla", ll_sla_migrations, &ll_sla_migration_count } },
    .outbox = "sla",
    .cursor = "sla",
};

static bool
s_caught_up (void *arg)
{
    watcher_t *self = arg;
    return self->subscriber && ll_subscriber_caught_up (self->subscriber);
}

//  Becoming the leader starts the subscriber and the relay. They are kept
//  when the store session drops (both are safe to run twice), and the
//  engine asks for the lock again; if another instance has taken it, this
//  one exits (see s_on_watch) and its supervisor restarts it as a standby.
static void
s_on_leader (bool leading, void *arg)
{
    watcher_t *self = arg;
    if (!leading) {
        self->lost_us = ll_mono_us ();
        return;
    }
    self->lost_us = 0;
    if (self->subscriber)
        return;
    self->subscriber = ll_subscriber_new (self->conninfo, "sla", sla_consume_apply, self->consume);
    if (!self->subscriber)
        return;
    ll_subscriber_on_connect (self->subscriber, sla_consume_prepare);
    ll_subscriber_follow (self->subscriber, "intake",
        ll_config_str ("LEADLINE_INTAKE_PUB_CONNECT", "tcp://127.0.0.1:7101"),
        ll_config_str ("LEADLINE_INTAKE_REPLAY_CONNECT", "tcp://127.0.0.1:7102"));
    ll_subscriber_attach (self->subscriber, self->loop);
    self->relay = ll_relay_new (self->conninfo, "sla", "sla-watcher",
        ll_config_str ("LEADLINE_SLA_PUB", "tcp://*:7111"),
        ll_config_str ("LEADLINE_SLA_REPLAY", "tcp://*:7112"));
    if (self->relay) {
        ll_relay_declare_stream (self->relay, "sla");
        ll_relay_attach (self->relay, self->loop);
    }
    else
        ll_error ("sla.relay", "cannot bind the sla stream's PUB or replay endpoint: is another "
                  "instance using LEADLINE_SLA_PUB / LEADLINE_SLA_REPLAY on this host?");
}

//  Twice a second: readiness, and giving up a lost leadership.
static int
s_on_watch (zloop_t *loop, int timer_id, void *arg)
{
    watcher_t *self = arg;
    const char *why = NULL;
    if (!sla_engine_connected (self->engine))
        why = "the store is unreachable";
    else
    if (!sla_engine_leading (self->engine))
        why = "standby: another instance holds the leader lock";
    else
    if (!self->subscriber || !ll_subscriber_ready (self->subscriber))
        why = "the subscriber to stream intake cannot apply events";
    else
    if (!self->relay || !ll_relay_ready (self->relay))
        why = "the relay of stream sla cannot reach the store";
    ll_http_set_ready (self->http, why == NULL, why ? why : "");
    if (self->lost_us && !sla_engine_leading (self->engine)
    &&  ll_mono_us () - self->lost_us > 10 * 1000000LL && sla_engine_connected (self->engine)) {
        ll_warn ("sla.leader", "another instance leads now; exiting so that this one "
                 "restarts as a standby");
        self->exit_code = 3;
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    ll_command_t cmd = ll_service_args (&s_info, argc, argv);
    watcher_t self = { .conninfo = ll_config_db () };
    //  migrate / check / the schema check before run (ll_service_store).
    int exit_code = ll_service_store (&s_info, &s_store, cmd, self.conninfo);
    if (exit_code >= 0)
        return exit_code;

    sla_calendar_init ();          // before any other thread starts
    const char *http_addr = ll_config_str ("LEADLINE_SLA_HTTP", "127.0.0.1:9101");
    self.http = ll_http_start (http_addr);
    if (!self.http && strcmp (http_addr, "0") != 0)
        return 1;
    zsys_init ();
    zsys_set_linger (0);
    self.loop = zloop_new ();
    self.config = sla_config_new ();
    self.engine = sla_engine_new (self.conninfo, self.config,
                                  (int) ll_config_int ("LEADLINE_SLA_BATCH", 1000));
    self.consume = sla_consume_new (self.config, sla_engine_poke, self.engine);
    int rc = 1;
    if (!self.loop || !self.config || !self.engine || !self.consume)
        goto done;
    sla_engine_set_gate (self.engine, s_caught_up, &self,
                         (int) ll_config_int ("LEADLINE_SLA_CATCHUP_WAIT_MS", 30000));
    sla_engine_on_leader (self.engine, s_on_leader, &self);
    sla_engine_attach (self.engine, self.loop);
    zloop_timer (self.loop, 500, 0, s_on_watch, &self);
    ll_info ("sla.start", "leadline-sla-watcher %s running; asking for the leader lock",
             LEADLINE_VERSION);
    //  Ready as a process (its ops endpoint answers), leader or standby;
    //  /readyz says which.
    ll_service_ready (&s_info);
    zloop_start (self.loop);
    ll_service_stopping (&s_info);
    rc = self.exit_code;
done:
    ll_subscriber_destroy (&self.subscriber);
    ll_relay_destroy (&self.relay);
    sla_engine_destroy (&self.engine);
    zloop_destroy (&self.loop);
    sla_consume_destroy (&self.consume);
    sla_config_destroy (&self.config);
    ll_http_destroy (&self.http);
    return rc;
}
