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

#include "ll_db.h"
#include <stdbool.h>

//  One schema a binary owns: its "service" component's migrations.
typedef struct {
    const char *schema;                 // "intake"
    const ll_migration_t *migrations;
    const size_t *count;                // &ll_<schema>_migration_count
} ll_service_schema_t;

//  What a binary keeps in the store, for `migrate`, `check` and the
//  schema check `run` makes before it starts.
typedef struct {
    ll_service_schema_t owns [3];       // migrated in this order; ends at .schema NULL
    const char *outbox;                 // schema whose event log it writes, or NULL
    const char *cursor;                 // schema holding its stream cursors, or NULL
    bool auth;                          // migrate also creates the key registry
    enum {
        LL_ORG_UNUSED = 0,
        LL_ORG_REQUIRED,                // refuse to start without schema org
        LL_ORG_WANTED                   // start without it, with a warning
    } org;                              // schema org, owned by leadline-intake
} ll_service_store_t;

//  The start-up block every binary shares. `migrate` applies the table
//  (the event log and cursor components from the common library) and
//  returns the exit code. `check` and `run` connect (`run` waits up to 5 s)
//  and refuse a schema older than the binary or a missing part, saying
//  which command fixes it; `check` then returns its exit code. `run`
//  returns -1 to go on (also when the store is not reachable at all: the
//  service starts and /readyz says why it is not ready), or 1.
int ll_service_store (const ll_service_info_t *info, const ll_service_store_t *store,
                      ll_command_t cmd, const char *conninfo);

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
