/*  leadline rep — the client of a person who is told things: sales reps,
    the employees who hand leads in, coordinators. Listens to the notifier,
    lists the inbox, records contacts and outcomes with intake.
    See docs/notifier.md ("leadline rep"). */
#include "cli.h"
#include "rep.h"
#include "ll_auth.h"
#include "ll_config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
s_help (FILE *out)
{
    fprintf (out,
"Usage:\n"
"  leadline rep listen --person ID [--tsv] [--no-ack] [--count N] [--seconds S]\n"
"  leadline rep inbox --person ID [--unread] [--limit N] [--tsv]\n"
"  leadline rep contact --lead ID --rep ID [--note TEXT] [--key KEY]\n"
"  leadline rep attempt --lead ID --rep ID [--note TEXT] [--key KEY]\n"
"  leadline rep outcome --lead ID --rep ID (--won DOLLARS | --lost REASON | --no-interest)\n"
"                       [--product NAME]... [--key KEY]\n"
"  leadline rep prefs --person ID [--email on|off|ADDRESS] [--webhook URL|off]\n"
"                     [--quiet HH:MM-HH:MM|off] [--digest on|off|HH:MM] [--tz ZONE|district]\n"
"  leadline rep dead-letters [--person ID] [--limit N]\n"
"\n"
"listen        shows notifications as they come (first what is waiting, then new\n"
"              ones), each once, and acknowledges them; runs until Ctrl-C\n"
"inbox         lists the newest notifications, read and unread\n"
"contact       records that the customer was reached (sent to intake)\n"
"attempt       records a contact attempt that did not reach the customer\n"
"outcome       records won (estimated annualized revenue), lost, or no interest\n"
"prefs         channels (the inbox always; email; webhook), quiet hours in the\n"
"              person's time zone, and a daily digest of non-urgent items;\n"
"              breaches and escalations are urgent and always go out at once\n"
"dead-letters  email and webhook sends that were given up, newest first\n"
"\n"
"Environment:\n"
"  LEADLINE_NOTIFIER_CONNECT  the notifier (default " REP_NOTIFIER_ENDPOINT ")\n"
"  LEADLINE_INTAKE_CONNECT    intake (default " REP_INTAKE_ENDPOINT ")\n"
"  LEADLINE_DB                the store, for prefs and dead-letters\n"
"  LEADLINE_AUTH_CLIENT_KEY_FILE  this person's secret key file (CURVE; mode 0600)\n"
"  LEADLINE_AUTH_SERVER_KEY   the services' public key (Z85), when CURVE is on\n"
"  LEADLINE_NOTIFIER_SERVER_KEY  the notifier's public key, if not the one above\n");
}

void
rep_time (long long us, char *buf, unsigned len)
{
    time_t secs = (time_t) (us / 1000000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    strftime (buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

const char *
rep_notifier_endpoint (const char *flag)
{
    return flag ? flag : ll_config_str ("LEADLINE_NOTIFIER_CONNECT", REP_NOTIFIER_ENDPOINT);
}

int
rep_notifier_auth (zsock_t *sock, char *err, size_t errlen)
{
    const char *own = getenv ("LEADLINE_NOTIFIER_SERVER_KEY");
    if (!own || !*own)
        return ll_auth_client (sock, err, errlen);
    //  ll_auth_client reads LEADLINE_AUTH_SERVER_KEY: lend it the
    //  notifier's key for this one call.
    const char *was = getenv ("LEADLINE_AUTH_SERVER_KEY");
    char *saved = was ? strdup (was) : NULL;
    setenv ("LEADLINE_AUTH_SERVER_KEY", own, 1);
    int rc = ll_auth_client (sock, err, errlen);
    if (saved)
        setenv ("LEADLINE_AUTH_SERVER_KEY", saved, 1);
    else
        unsetenv ("LEADLINE_AUTH_SERVER_KEY");
    free (saved);
    return rc;
}

int
cmd_rep (int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0
    ||  strcmp (argv [1], "help") == 0) {
        s_help (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv [1];
    if (strcmp (sub, "listen") == 0)
        return rep_listen (argc - 1, argv + 1);
    if (strcmp (sub, "inbox") == 0)
        return rep_inbox (argc - 1, argv + 1);
    if (strcmp (sub, "contact") == 0 || strcmp (sub, "attempt") == 0
    ||  strcmp (sub, "outcome") == 0)
        return rep_update (argc - 1, argv + 1);
    if (strcmp (sub, "prefs") == 0)
        return rep_prefs (argc - 1, argv + 1);
    if (strcmp (sub, "dead-letters") == 0)
        return rep_dead_letters (argc - 1, argv + 1);
    fprintf (stderr, "leadline rep: unknown subcommand '%s'\n\n", sub);
    s_help (stderr);
    return 2;
}
