/*  The `leadline rep` subcommands, one file each (cli/cmd_rep.c dispatches):
      rep_listen.c   listen: live notifications from the notifier, acked
      rep_inbox.c    inbox: list a person's notifications
      rep_update.c   contact / attempt / outcome: commands to intake
      rep_store.c    prefs and dead-letters: the notifier's tables, read
                     and written directly (operators and tests)
    Each takes argv with the subcommand's name at argv[0] and returns the
    exit code: 0 ok, 1 failed, 2 usage. */
#ifndef REP_H
#define REP_H
#include <czmq.h>
#include <stddef.h>

#define REP_NOTIFIER_ENDPOINT "tcp://127.0.0.1:7120"
#define REP_INTAKE_ENDPOINT "tcp://127.0.0.1:7100"

int rep_listen (int argc, char **argv);
int rep_inbox (int argc, char **argv);
int rep_update (int argc, char **argv);         // contact, attempt, outcome
int rep_prefs (int argc, char **argv);
int rep_dead_letters (int argc, char **argv);

//  "2024-03-02 14:05 UTC" from microseconds since the epoch.
void rep_time (long long us, char *buf, unsigned len);
//  The notifier's endpoint: --endpoint, else LEADLINE_NOTIFIER_CONNECT,
//  else the default.
const char *rep_notifier_endpoint (const char *flag);
//  CURVE for a socket to the notifier, before connect: the client's key
//  from LEADLINE_AUTH_CLIENT_KEY_FILE, the notifier's public key from
//  LEADLINE_NOTIFIER_SERVER_KEY, else LEADLINE_AUTH_SERVER_KEY (one key
//  for every service). Nothing when neither is set. 0, or -1 with why.
int rep_notifier_auth (zsock_t *sock, char *err, size_t errlen);

#endif
