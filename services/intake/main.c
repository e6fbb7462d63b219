/*  leadline-intake — the one write gateway from the field. Start-up only:
    migrate / check / run, then one event loop owning the command ROUTER,
    the event relay and the store connection (see docs/intake.md). */
#include "intake.h"
#include "intake_server.h"
#include "ll_auth.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_http.h"
#include "ll_log.h"
#include "ll_outbox.h"
#include "ll_service.h"
#include "ll_relay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_migration_t ll_intake_migrations [];
extern const size_t ll_intake_migration_count;
extern const ll_migration_t ll_org_migrations [];
extern const size_t ll_org_migration_count;

static const ll_service_info_t s_info = {
    .name = "intake",
    .binary = "leadline-intake",
    .summary = "takes lead cards and rep updates, validates, de-duplicates, assigns, "
               "acknowledges after commit",
    .environment =
        "  LEADLINE_INTAKE_ENDPOINT  command ROUTER (default tcp://*:7100)\n"
        "  LEADLINE_INTAKE_PUB       event PUB, stream \"intake\" (default tcp://*:7101)\n"
        "  LEADLINE_INTAKE_REPLAY    replay ROUTER (default tcp://*:7102)\n"
        "  LEADLINE_INTAKE_HTTP      /healthz /readyz /metrics (default 127.0.0.1:9100; 0 = off)\n"
        "  LEADLINE_INTAKE_BATCH     most commands per transaction (default 256)\n"
        "  LEADLINE_INTAKE_MAX_CARD_AGE_DAYS  older cards are refused (default 30)\n"
        "  LEADLINE_INTAKE_RETRY_MS  retry_after_ms when the store is down (default 1000)\n"
        "  LEADLINE_INTAKE_RATE  commands a second per terminal or person key (per connection\n"
        "                        with CURVE off); over it: STATUS_SLOW_DOWN (default 2000; 0 = off)\n"
        "  LEADLINE_INTAKE_BURST  commands a sender may send at once above the rate (default 20000)\n"
        "  LEADLINE_AUTH_SECRET_KEY_FILE  intake's CURVE secret key file, mode 0600 (default\n"
        "                        none: CURVE off, any client can connect; docs/security.md)\n",
};

static const ll_service_store_t s_store = {
    .owns = { { "org", ll_org_migrations, &ll_org_migration_count },
              { "intake", ll_intake_migrations, &ll_intake_migration_count } },
    .outbox = "intake",
    .auth = true,
};

//  A batch's events go out as soon as its replies have: waiting for the
//  relay's NOTIFY would let the loop take the next batch first, and the
//  events would wait for its round trips too.
static void
s_publish (void *arg)
{
    ll_relay_flush (arg);
}

static bool
s_relay_ready (void *arg, const char **why)
{
    if (ll_relay_ready (arg))
        return true;
    *why = "the event relay cannot reach PostgreSQL";
    return false;
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

    const char *http_addr = ll_config_str ("LEADLINE_INTAKE_HTTP", "127.0.0.1:9100");
    ll_http_t *http = ll_http_start (http_addr);
    if (!http && strcmp (http_addr, "0") != 0)
        return 1;
    intake_ctx_t ctx = {
        .store = intake_store_new (conninfo),
        .max_age_days = (int) ll_config_int ("LEADLINE_INTAKE_MAX_CARD_AGE_DAYS", 30),
        .retry_ms = (uint32_t) ll_config_int ("LEADLINE_INTAKE_RETRY_MS", 1000),
    };
    intake_store_connect (ctx.store);
    zsys_init ();
    zsys_set_linger (0);
    //  Before the ROUTER binds: it binds the ZAP handler.
    ctx.auth = ll_auth_new (conninfo);
    if (!ctx.auth) {
        intake_store_destroy (&ctx.store);
        ll_http_destroy (&http);
        return 1;
    }
    zloop_t *loop = zloop_new ();
    intake_server_t *server = intake_server_new (&ctx, http,
        ll_config_str ("LEADLINE_INTAKE_ENDPOINT", "tcp://*:7100"),
        (int) ll_config_int ("LEADLINE_INTAKE_BATCH", 256));
    int rc = 1;
    ll_relay_t *relay = NULL;
    if (!server)
        goto done;
    relay = ll_relay_new (conninfo, "intake", "intake",
        ll_config_str ("LEADLINE_INTAKE_PUB", "tcp://*:7101"),
        ll_config_str ("LEADLINE_INTAKE_REPLAY", "tcp://*:7102"));
    if (!relay)
        goto done;
    ll_relay_declare_stream (relay, "intake");
    intake_server_set_ready_fn (server, s_relay_ready, relay);
    intake_server_on_batch (server, s_publish, relay);
    if (ll_relay_attach (relay, loop) || intake_server_attach (server, loop)
    ||  ll_auth_attach (ctx.auth, loop))
        goto done;
    ll_service_ready (&s_info);
    zloop_start (loop);
    ll_service_stopping (&s_info);
    rc = 0;
done:
    ll_relay_destroy (&relay);     // before the loop it is attached to
    intake_server_destroy (&server);
    zloop_destroy (&loop);
    ll_auth_destroy (&ctx.auth);
    intake_store_destroy (&ctx.store);
    ll_http_destroy (&http);
    return rc;
}
