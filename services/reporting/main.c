/*  leadline-reporting — keeps the report roll-ups current from intake's and
    the SLA watcher's events and answers reports over HTTP (docs/reports.md).
    One event loop owns the subscriber (streams "intake" and "sla"), the
    relay of stream "reporting" and the publisher of station reports; the
    HTTP thread serves the reports on its own store connection. */
#include "reporting_apply.h"
#include "reporting_cache.h"
#include "reporting_http.h"
#include "reporting_publish.h"
#include "reporting_server.h"
#include "ll_auth.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_http.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_outbox.h"
#include "ll_relay.h"
#include "ll_service.h"
#include "ll_subscriber.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_migration_t ll_reporting_migrations [];
extern const size_t ll_reporting_migration_count;

static const ll_service_info_t s_info = {
    .name = "reporting",
    .binary = "leadline-reporting",
    .summary = "keeps report roll-ups current from the events; serves the carrier, station, "
               "district and campaign reports; publishes station reports each period",
    .environment =
        "  LEADLINE_REPORTING_HTTP          reports + /healthz /readyz /metrics\n"
        "                                   (default 127.0.0.1:9103; 0 = off)\n"
        "  LEADLINE_REPORTING_ENDPOINT      report ROUTER for `leadline report` (default tcp://*:7133)\n"
        "  LEADLINE_AUTH_SECRET_KEY_FILE    the service's CURVE secret key file; set, the report\n"
        "                                   socket admits person keys only, each reading its own\n"
        "                                   scope, and the HTTP port serves no reports (default none)\n"
        "  LEADLINE_REPORTING_PUB           event PUB, stream \"reporting\" (default tcp://*:7131)\n"
        "  LEADLINE_REPORTING_REPLAY        replay ROUTER (default tcp://*:7132)\n"
        "  LEADLINE_INTAKE_PUB_CONNECT      intake's PUB to follow (default tcp://127.0.0.1:7101)\n"
        "  LEADLINE_INTAKE_REPLAY_CONNECT   intake's replay (default tcp://127.0.0.1:7102)\n"
        "  LEADLINE_SLA_PUB_CONNECT         the SLA watcher's PUB (default tcp://127.0.0.1:7111)\n"
        "  LEADLINE_SLA_REPLAY_CONNECT      the SLA watcher's replay (default tcp://127.0.0.1:7112)\n"
        "                                   (the old names LEADLINE_REPORTING_{INTAKE,SLA}_\n"
        "                                   {PUB,REPLAY} still work, with a warning in the log)\n"
        "  LEADLINE_REPORTING_TARGET        participation target, percent (default 35)\n"
        "  LEADLINE_REPORTING_DEADLINE_GOAL share of leads that must meet each deadline,\n"
        "                                   percent (default 95)\n"
        "  LEADLINE_REPORTING_PUBLISH       publish station reports at each period end (default yes)\n"
        "  LEADLINE_REPORTING_PUBLISH_MS    how often to look for due reports, ms (default 1000)\n"
        "  LEADLINE_REPORTING_PUBLISH_BATCH most reports published per look (default 20)\n"
        "  LEADLINE_REPORTING_CACHE_MB      memory for finished reports, MiB (default 64; 0 = off)\n"
        "  LEADLINE_REPORTING_CACHE_SECONDS oldest a cached report may be, seconds (default 60)\n",
};

//  A connect address under the name every service uses, or under the name
//  reporting used before (deprecated: still read, with a warning).
static const char *
s_connect_addr (const char *name, const char *old_name, const char *dflt)
{
    const char *value = ll_config_str (name, NULL);
    if (value)
        return value;
    value = ll_config_str (old_name, NULL);
    if (value) {
        ll_warn ("config.deprecated", "%s is deprecated: set %s instead (the same address; "
                 "the old name will be removed in a later release)", old_name, name);
        return value;
    }
    return dflt;
}

static const ll_service_store_t s_store = {
    .owns = { { "reporting", ll_reporting_migrations, &ll_reporting_migration_count } },
    .outbox = "reporting",
    .cursor = "reporting",
    .org = LL_ORG_WANTED,
};

typedef struct {
    ll_http_t *http;
    ll_subscriber_t *sub;
    ll_relay_t *relay;
    reporting_publisher_t *publisher;
    bool publish;
    reporting_cache_t *cache;
    ll_auth_t *auth;
    reporting_server_t *server;
} service_t;

//  With keys on, reports are for people, on the report socket: the ops
//  port answers the report pages with a refusal that says where they went.
static int
s_reports_closed (void *arg, const char *url, const char *query, int *status,
                  const char **content_type, char **body, size_t *body_len)
{
    ll_metric_inc ("leadline_reporting_requests_total", "report=\"other\",status=\"403\"",
                   "report requests answered");
    *status = 403;
    *content_type = "text/plain; charset=utf-8";
    *body = strdup ("error: reports are not served on the ops port while CURVE keys are on\n"
                    "hint: use `leadline report` with your person key (LEADLINE_AUTH_CLIENT_KEY_FILE, "
                    "LEADLINE_AUTH_SERVER_KEY, LEADLINE_REPORTING_CONNECT)\n");
    *body_len = *body ? strlen (*body) : 0;
    return 0;
}

static int
s_publish_timer (zloop_t *loop, int timer_id, void *arg)
{
    service_t *self = arg;
    //  A published report changes the district review's mandates.
    if (self->publish && reporting_publisher_tick (self->publisher) > 0)
        reporting_cache_clear (self->cache);
    return 0;
}

static int
s_ready_timer (zloop_t *loop, int timer_id, void *arg)
{
    service_t *self = arg;
    if (!self->http)
        return 0;
    if (!ll_subscriber_ready (self->sub))
        ll_http_set_ready (self->http, false, "the event subscriber cannot reach PostgreSQL");
    else
    if (!ll_relay_ready (self->relay))
        ll_http_set_ready (self->http, false, "the event relay cannot reach PostgreSQL");
    else
    if (self->publish && !reporting_publisher_ready (self->publisher))
        ll_http_set_ready (self->http, false, "the report publisher cannot reach PostgreSQL");
    else
        ll_http_set_ready (self->http, true, "");
    return 0;
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

    double target = atof (ll_config_str ("LEADLINE_REPORTING_TARGET", "35"));
    double goal = atof (ll_config_str ("LEADLINE_REPORTING_DEADLINE_GOAL", "95"));
    if (target <= 0 || target > 100 || goal <= 0 || goal > 100) {
        fprintf (stderr, "%s: LEADLINE_REPORTING_TARGET and LEADLINE_REPORTING_DEADLINE_GOAL "
                 "are percentages between 0 and 100\n", s_info.binary);
        return 2;
    }
    long cache_mb = ll_config_int ("LEADLINE_REPORTING_CACHE_MB", 64);
    long cache_s = ll_config_int ("LEADLINE_REPORTING_CACHE_SECONDS", 60);
    if (cache_mb < 0 || cache_mb > 65536 || cache_s <= 0) {
        fprintf (stderr, "%s: LEADLINE_REPORTING_CACHE_MB is 0 (off) to 65536 and "
                 "LEADLINE_REPORTING_CACHE_SECONDS a positive number of seconds\n", s_info.binary);
        return 2;
    }
    service_t self = {
        .publish = ll_config_bool ("LEADLINE_REPORTING_PUBLISH", true),
        .cache = reporting_cache_new ((size_t) cache_mb << 20, (int64_t) cache_s * 1000000),
    };
    if (!self.cache)
        return 1;
    reporting_http_t *pages = reporting_http_new (conninfo, target, goal, self.cache);
    const char *http_addr = ll_config_str ("LEADLINE_REPORTING_HTTP", "127.0.0.1:9103");
    self.http = ll_http_start (http_addr);
    if ((!self.http && strcmp (http_addr, "0") != 0) || !pages)
        return 1;
    zsys_init ();
    zsys_set_linger (0);
    zloop_t *loop = zloop_new ();
    int rc = 1;
    reporting_apply_t *applier = NULL;
    //  Before any socket binds: with a key configured this binds the ZAP
    //  handler, and libzmq admits every key while none is there.
    self.auth = ll_auth_new (conninfo);
    //  The report socket has a report builder (and store connection) of
    //  its own: the HTTP thread's belongs to that thread.
    reporting_http_t *socket_pages = reporting_http_new (conninfo, target, goal, self.cache);
    if (!self.auth || !socket_pages)
        goto done;
    if (self.http)
        ll_http_route (self.http, "/reports",
                       ll_auth_enabled (self.auth) ? s_reports_closed : reporting_http_handle, pages);
    self.server = reporting_server_new (conninfo,
        ll_config_str ("LEADLINE_REPORTING_ENDPOINT", "tcp://*:7133"), self.auth, socket_pages);
    if (!self.server || reporting_server_attach (self.server, loop) || ll_auth_attach (self.auth, loop))
        goto done;
    applier = reporting_apply_new (self.cache, loop);
    self.sub = applier ? ll_subscriber_new (conninfo, "reporting", reporting_apply, applier) : NULL;
    self.relay = ll_relay_new (conninfo, "reporting", "reporting",
        ll_config_str ("LEADLINE_REPORTING_PUB", "tcp://*:7131"),
        ll_config_str ("LEADLINE_REPORTING_REPLAY", "tcp://*:7132"));
    self.publisher = reporting_publisher_new (conninfo, target, goal,
        (int) ll_config_int ("LEADLINE_REPORTING_PUBLISH_BATCH", 20));
    if (!self.sub || !self.relay || !self.publisher)
        goto done;
    ll_subscriber_on_connect (self.sub, reporting_apply_prepare);
    ll_subscriber_on_flush (self.sub, reporting_apply_flush);
    if (ll_subscriber_follow (self.sub, "intake",
            s_connect_addr ("LEADLINE_INTAKE_PUB_CONNECT", "LEADLINE_REPORTING_INTAKE_PUB",
                            "tcp://127.0.0.1:7101"),
            s_connect_addr ("LEADLINE_INTAKE_REPLAY_CONNECT", "LEADLINE_REPORTING_INTAKE_REPLAY",
                            "tcp://127.0.0.1:7102"))
    ||  ll_subscriber_follow (self.sub, "sla",
            s_connect_addr ("LEADLINE_SLA_PUB_CONNECT", "LEADLINE_REPORTING_SLA_PUB",
                            "tcp://127.0.0.1:7111"),
            s_connect_addr ("LEADLINE_SLA_REPLAY_CONNECT", "LEADLINE_REPORTING_SLA_REPLAY",
                            "tcp://127.0.0.1:7112"))
    ||  ll_subscriber_attach (self.sub, loop))
        goto done;
    ll_relay_declare_stream (self.relay, "reporting");
    if (ll_relay_attach (self.relay, loop))
        goto done;
    long publish_ms = ll_config_int ("LEADLINE_REPORTING_PUBLISH_MS", 1000);
    zloop_timer (loop, (size_t) (publish_ms > 0 ? publish_ms : 1000), 0, s_publish_timer, &self);
    zloop_timer (loop, 500, 0, s_ready_timer, &self);
    ll_info ("reporting.start", "leadline-reporting %s running; reports on http://%s/reports/",
             LEADLINE_VERSION, http_addr);
    //  Ready as a process (its ops endpoint answers); /readyz says whether
    //  the store and the streams are there.
    ll_service_ready (&s_info);
    zloop_start (loop);
    ll_service_stopping (&s_info);
    ll_info ("reporting.stop", "stopping");
    rc = 0;
done:
    //  The HTTP thread goes first: it may be using its connection.
    ll_http_destroy (&self.http);
    reporting_http_destroy (&pages);
    reporting_server_destroy (&self.server);
    reporting_http_destroy (&socket_pages);
    ll_subscriber_destroy (&self.sub);
    ll_relay_destroy (&self.relay);
    reporting_publisher_destroy (&self.publisher);
    zloop_destroy (&loop);
    reporting_apply_destroy (&applier);
    ll_auth_destroy (&self.auth);
    reporting_cache_destroy (&self.cache);
    return rc;
}
