/*  ll_config — configuration from environment variables, with an optional
    KEY=VALUE file. The environment wins over the file, so an ops engineer
    can override one value without editing the file. Every variable is
    documented in docs/configuration.md. */
#ifndef LL_CONFIG_H
#define LL_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

//  Loads KEY=VALUE lines (# comments, blank lines) into the environment
//  without overriding what is already set. Returns 0, or -1 with a message
//  in `err` naming the file and line.
int ll_config_load_file (const char *path, char *err, size_t errlen);

const char *ll_config_str (const char *name, const char *dflt);
long ll_config_int (const char *name, long dflt);
bool ll_config_bool (const char *name, bool dflt);

//  The PostgreSQL connection string: LEADLINE_DB, or a default pointing at
//  the local stack's socket.
const char *ll_config_db (void);

#endif
