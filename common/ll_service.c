#include "ll_service.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_log.h"
#include "ll_auth.h"
#include "ll_outbox.h"
#include "ll_subscriber.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static void
s_help (const ll_service_info_t *info, FILE *out)
{
    fprintf (out,
        "%s — %s\n\n"
        "Usage: %s [run|migrate|check] [--config FILE]\n\n"
        "Commands:\n"
        "  run        start the service (the default)\n"
        "  migrate    bring the service's schema to this version, then exit\n"
        "  check      exit 0 if the store is reachable and the schema is current\n\n"
        "Options:\n"
        "  --config FILE  read KEY=VALUE settings; the environment overrides them\n"
        "  --help         this text\n"
        "  --version      print the version\n\n"
        "Environment:\n" LL_SERVICE_COMMON_ENV "%s\n"
        "SIGTERM or SIGINT drains in-flight work and exits.\n",
        info->binary, info->summary, info->binary, info->environment ? info->environment : "");
}

ll_command_t
ll_service_args (const ll_service_info_t *info, int argc, char **argv)
{
    ll_command_t cmd = LL_CMD_RUN;
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0) {
            s_help (info, stdout);
            exit (0);
        }
        else
        if (strcmp (arg, "--version") == 0) {
            printf ("%s %s (protocol v1)\n", info->binary, LEADLINE_VERSION);
            exit (0);
        }
        else
        if (strcmp (arg, "--config") == 0 && i + 1 < argc)
            config = argv [++i];
        else
        if (strncmp (arg, "--config=", 9) == 0)
            config = arg + 9;
        else
        if (strcmp (arg, "run") == 0)
            cmd = LL_CMD_RUN;
        else
        if (strcmp (arg, "migrate") == 0)
            cmd = LL_CMD_MIGRATE;
        else
        if (strcmp (arg, "check") == 0)
            cmd = LL_CMD_CHECK;
        else {
            fprintf (stderr, "%s: unknown argument '%s'; see %s --help\n",
                     info->binary, arg, info->binary);
            exit (2);
        }
    }
    if (config) {
        char err [512];
        if (ll_config_load_file (config, err, sizeof err)) {
            fprintf (stderr, "%s: %s\n", info->binary, err);
            exit (2);
        }
    }
    ll_log_init (info->name);
    ll_clock_init ();
    return cmd;
}

void
ll_service_ready (const ll_service_info_t *info)
{
    sd_notify (0, "READY=1\nSTATUS=serving");
    ll_info ("service.ready", "%s %s ready", info->binary, LEADLINE_VERSION);
}

void
ll_service_stopping (const ll_service_info_t *info)
{
    sd_notify (0, "STOPPING=1\nSTATUS=draining");
    ll_info ("service.stopping", "%s draining and stopping", info->binary);
}

static int
s_store_migrate (const ll_service_store_t *store, const char *conninfo)
{
    PGconn *conn = ll_db_connect (conninfo, 30000);
    if (!conn)
        return 1;
    int rc = 0;
    for (const ll_service_schema_t *own = store->owns; own->schema && !rc; own++)
        if (ll_db_migrate (conn, own->schema, "service", own->migrations, *own->count) < 0)
            rc = 1;
    if (!rc && store->outbox && ll_outbox_migrate (conn, store->outbox))
        rc = 1;
    if (!rc && store->cursor && ll_subscriber_migrate (conn, store->cursor))
        rc = 1;
    if (!rc && store->auth && ll_auth_migrate (conn))
        rc = 1;
    PQfinish (conn);
    return rc;
}

static int
s_store_check (const ll_service_info_t *info, const ll_service_store_t *store, PGconn *conn)
{
    for (const ll_service_schema_t *own = store->owns; own->schema; own++)
        if (ll_db_check_schema (conn, own->schema, "service", info->binary, own->migrations,
                                *own->count))
            return -1;
    //  The event log's and the cursors' migrations live in the common
    //  library; they must exist too.
    if (store->outbox && ll_db_schema_version (conn, store->outbox, "outbox") <= 0) {
        ll_error ("db.schema", "the %s schema's event log is missing: run `%s migrate` first",
                  store->outbox, info->binary);
        return -1;
    }
    if (store->cursor && ll_db_schema_version (conn, store->cursor, "cursor") <= 0) {
        ll_error ("db.schema", "the %s schema's stream cursors are missing: run `%s migrate` first",
                  store->cursor, info->binary);
        return -1;
    }
    if (store->org != LL_ORG_UNUSED && ll_db_schema_version (conn, "org", "service") <= 0) {
        if (store->org == LL_ORG_REQUIRED) {
            ll_error ("db.schema", "schema org is missing: %s reads the organisation; run "
                      "`leadline-intake migrate` and load it with `leadline admin import`",
                      info->binary);
            return -1;
        }
        ll_warn ("db.schema", "schema org is not there yet: %s needs it (created by "
                 "`leadline-intake migrate`, loaded by `leadline admin import`); events wait",
                 info->binary);
    }
    return 0;
}

int
ll_service_store (const ll_service_info_t *info, const ll_service_store_t *store,
                  ll_command_t cmd, const char *conninfo)
{
    if (cmd == LL_CMD_MIGRATE)
        return s_store_migrate (store, conninfo);
    PGconn *conn = ll_db_connect (conninfo, cmd == LL_CMD_CHECK ? 0 : 5000);
    if (!conn)
        return cmd == LL_CMD_CHECK ? 1 : -1;
    int rc = s_store_check (info, store, conn);
    PQfinish (conn);
    if (rc)
        return 1;
    if (cmd == LL_CMD_CHECK) {
        printf ("%s: store reachable, schemas current\n", info->binary);
        return 0;
    }
    return -1;
}
