/*  leadline admin — organisation data for Leadline.
      leadline admin import [--dry-run] FILE.csv...
    loads districts, offices, stations, employees, reps, coordinators, branch
    presidents, NBAs, managers and fallback owners (docs/org-csv.md). Each
    file loads all or nothing, in its own transaction. */
#include "admin_csv.h"
#include "admin_keys.h"
#include "admin_org.h"
#include "cli.h"
#include "ll_config.h"
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: leadline admin import [--dry-run] FILE.csv...\n"
        "       leadline admin keys generate|list|revoke ...  (leadline admin keys --help)\n\n"
        "Loads the organisation (districts, offices, stations, employees, reps,\n"
        "coordinators, branch presidents, NBAs, managers, fallback owners) from CSV.\n"
        "Every row starts with its kind; docs/org-csv.md lists the columns of each.\n"
        "Each file loads all or nothing; errors name FILE:LINE:COLUMN.\n\n"
        "Options:\n"
        "  --dry-run   check everything against the store, load nothing\n\n"
        "Environment:\n"
        "  LEADLINE_DB   PostgreSQL connection string (docs/configuration.md)\n\n"
        "Exit status: 0 loaded, 1 errors in a file or the store, 2 usage.\n");
}

static int
s_import (int argc, char **argv)
{
    bool dry_run = false;
    int first = 1;
    for (; first < argc && argv [first][0] == '-' && argv [first][1]; first++) {
        if (strcmp (argv [first], "--dry-run") == 0)
            dry_run = true;
        else
        if (strcmp (argv [first], "--help") == 0 || strcmp (argv [first], "-h") == 0) {
            s_usage (stdout);
            return 0;
        }
        else
        if (strcmp (argv [first], "--") == 0) {
            first++;
            break;
        }
        else {
            fprintf (stderr, "leadline admin import: unknown option %s\n\n", argv [first]);
            s_usage (stderr);
            return 2;
        }
    }
    if (first >= argc) {
        fprintf (stderr, "leadline admin import: name the CSV file(s) to load\n\n");
        s_usage (stderr);
        return 2;
    }
    PGconn *conn = PQconnectdb (ll_config_db ());
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "leadline admin: cannot connect to PostgreSQL: %s"
                 "(set LEADLINE_DB to a working connection string)\n", PQerrorMessage (conn));
        PQfinish (conn);
        return 1;
    }
    PQsetNoticeProcessor (conn, NULL, NULL);
    int rc = 0;
    for (int i = first; i < argc && rc == 0; i++) {
        char err [512];
        admin_csv_t *csv = admin_csv_read (argv [i], err, sizeof err);
        if (!csv) {
            fprintf (stderr, "%s\n%s: nothing was loaded\n", err, argv [i]);
            rc = 1;
            break;
        }
        if (admin_org_import (conn, csv, dry_run, stdout, stderr, stderr))
            rc = 1;
        admin_csv_destroy (&csv);
    }
    PQfinish (conn);
    return rc;
}

int
cmd_admin (int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp (argv [1], "import") == 0)
        return s_import (argc - 1, argv + 1);
    if (strcmp (argv [1], "keys") == 0)
        return admin_keys (argc - 1, argv + 1);
    fprintf (stderr, "leadline admin: unknown command '%s'\n\n", argv [1]);
    s_usage (stderr);
    return 2;
}
