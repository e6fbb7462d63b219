/*  ll_service — what every Leadline binary does the same way before its
    event loop starts: --help, --version, --config FILE, the `migrate` and
    `run` subcommands, logging and clock set-up. */
#ifndef LL_SERVICE_H
#define LL_SERVICE_H

typedef struct {
    const char *name;         // "intake": log name and schema
    const char *binary;       // "leadline-intake"
    const char *summary;      // one line: what the service does
    const char *environment;  // help text: the variables it reads, with defaults
} ll_service_info_t;

typedef enum { LL_CMD_RUN = 0, LL_CMD_MIGRATE = 1, LL_CMD_CHECK = 2 } ll_command_t;

//  Parses the command line. Prints help or version and exits 0, or prints
//  a usage error and exits 2. Otherwise loads --config, initialises logging
//  and the clock, and returns the subcommand.
ll_command_t ll_service_args (const ll_service_info_t *info, int argc, char **argv);

//  Tells the service manager (systemd Type=notify) the service is ready,
//  or is stopping; does nothing when not run under one. Also logs it.
void ll_service_ready (const ll_service_info_t *info);
void ll_service_stopping (const ll_service_info_t *info);

//  The variables every service reads, for the help text.
#define LL_SERVICE_COMMON_ENV \
    "  LEADLINE_DB           PostgreSQL connection string\n" \
    "                        (default: host=127.0.0.1 port=55432 dbname=leadline user=leadline)\n" \
    "  LEADLINE_LOG_LEVEL    debug|info|warn|error (default info); logs are JSON lines on stderr\n" \
    "  LEADLINE_CLOCK_*      drive the clock for tests and the demo (docs/configuration.md)\n"

#endif
