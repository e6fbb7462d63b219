/*  leadline — dispatches to the command named by the first argument. */
#include "cli.h"
#include "ll_clock.h"
#include "ll_log.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn) (int argc, char **argv);
    const char *summary;
} command_t;

static const command_t s_commands [] = {
    { "admin", cmd_admin, "load the organisation from CSV, manage keys" },
    { "terminal", cmd_terminal, "the station terminal: hand in lead cards" },
    { "rep", cmd_rep, "notifications live and in the inbox; record contacts and outcomes" },
    { "report", cmd_report, "carrier, station, district and campaign reports" },
};
#define N_COMMANDS (sizeof s_commands / sizeof s_commands [0])

static void
s_usage (FILE *out)
{
    fprintf (out, "Usage: leadline COMMAND [ARGS...]\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf (out, "  %-10s %s\n", s_commands [i].name, s_commands [i].summary);
    fprintf (out, "\n`leadline COMMAND --help` describes each one.\n");
}

int
main (int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp (argv [1], "--version") == 0) {
        printf ("leadline %s (protocol v1)\n", LEADLINE_VERSION);
        return 0;
    }
    ll_log_init ("leadline");
    ll_clock_init ();
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp (argv [1], s_commands [i].name) == 0)
            return s_commands [i].fn (argc - 1, argv + 1);
    fprintf (stderr, "leadline: unknown command '%s'\n\n", argv [1]);
    s_usage (stderr);
    return 2;
}
