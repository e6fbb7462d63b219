/*  The `leadline` command-line tool: one binary, one file per command.
    Each command gets argv with its own name at argv[0] and returns the
    process exit code (0 ok, 1 failure, 2 usage error). */
#ifndef LL_CLI_H
#define LL_CLI_H

int cmd_admin (int argc, char **argv);      // cli/cmd_admin.c: org import, keys
int cmd_terminal (int argc, char **argv);   // cli/cmd_terminal.c: station terminal
int cmd_rep (int argc, char **argv);        // cli/cmd_rep.c: notifications, rep updates
int cmd_report (int argc, char **argv);     // cli/cmd_report.c: carrier, station, district, campaign reports

#endif
