#include "ll_service.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_log.h"
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
