/*  leadline rep — the client of a person who is told things: sales reps,
    the employees who hand leads in, coordinators. Listens to the notifier,
    lists the inbox, records contacts and outcomes with intake.
    See docs/notifier.md ("leadline rep"). */
#include "cli.h"
#include "rep.h"
#include "ll_config.h"
#include <stdio.h>
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
"  LEADLINE_DB                the store, for prefs and dead-letters\n");
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
