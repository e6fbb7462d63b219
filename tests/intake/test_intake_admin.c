/*  `leadline admin import` against a private PostgreSQL: errors name
    FILE:LINE:COLUMN, a file loads all or nothing, large files show
    progress, loading twice changes nothing. */
#include "intake_client.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tc_env_t s_env;

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    assert (file);
    fputs (text, file);
    fclose (file);
}

//  Runs the import; returns its exit status, with stderr in `dir/err`.
static int
s_import (const char *file, const char *opts)
{
    return tc_sh ("cd '%s' && '%s' admin import %s '%s' >out 2>err", s_env.dir,
                  s_env.leadline_bin, opts ? opts : "", file);
}

static bool
s_err_has (const char *text)
{
    char path [400];
    snprintf (path, sizeof path, "%s/err", s_env.dir);
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    char line [2048];
    bool found = false;
    while (!found && fgets (line, sizeof line, file))
        found = strstr (line, text) != NULL;
    fclose (file);
    return found;
}

int
main (void)
{
    tc_env_init (&s_env, "admin");      // migrates and loads the fixture
    PGconn *db = tc_db ();
    char path [400];
    long districts = tc_db_long (db, "SELECT count(*) FROM org.districts", NULL);

    //  Each error at its line and column (the column where the field starts).
    snprintf (path, sizeof path, "%s/bad.csv", s_env.dir);
    s_write (path,
        "kind,id,name,time_zone\n"                                   // 1 header
        "district,D-NEW,New,America/Chicago\n"                       // 2 fine
        "district,D-TZ,Bad Zone,Mars/Olympus\n"                      // 3 col 24
        "office,O-NEW,D-NOWHERE,New Office,12345\n"                  // 4 col 14
        "rep,R-NEW,Rita,,ten,1,yes,,office:O-NEW,eddm\n"             // 5 col 17
        "rep,R-NEW2,Rob,,5,1,maybe,,office:O-NEW,eddm;parcels\n"     // 6 col 21, 41
        "\"station\",S-NEW,O-NEW,\"New, Station\"\n"                 // 7 fine (quoted)
        "employee,E-NEW,S-NEW,Eve,astronaut\n"                       // 8 col 26
        "widget,1,2\n"                                               // 9 col 1
        "district,D-NEW,Again,America/Chicago\n"                     // 10 col 10
        "coordinator,O-NEW,union,E-NEW,Eve,,extra\n");               // 11 col 36
    CHECK (s_import (path, NULL) == 1, "a bad file exits 1");
    struct { const char *where; const char *what; } want [] = {
        { "bad.csv:3:24: district.time_zone (column 4)", "Mars/Olympus" },
        { "bad.csv:4:14: office.district_id (column 3)", "D-NOWHERE" },
        { "bad.csv:5:17: rep.capacity (column 5)", "\"ten\"" },
        { "bad.csv:6:21: rep.active (column 7)", "maybe" },
        { "bad.csv:6:41: rep.product_lines (column 10)", "parcels" },
        { "bad.csv:8:26: employee.craft (column 5)", "astronaut" },
        { "bad.csv:9:1: kind (column 1)", "widget" },
        { "bad.csv:10:10: district.id (column 2)", "line 2" },
        { "bad.csv:11:36:", "columns" },
        { "nothing was loaded", "" },
    };
    //  Pass 1 errors stop the import before references are looked at;
    //  check them, then fix pass-1 errors and check the references.
    for (size_t i = 0; i < sizeof want / sizeof want [0]; i++) {
        if (strstr (want [i].where, "time_zone") || strstr (want [i].where, "district_id")
        ||  strstr (want [i].where, "craft"))
            continue;
        CHECK (s_err_has (want [i].where) && s_err_has (want [i].what),
               "error %s ... %s (see %s/err)", want [i].where, want [i].what, s_env.dir);
    }
    s_write (path,
        "kind,id,name,time_zone\n"
        "district,D-NEW,New,America/Chicago\n"
        "district,D-TZ,Bad Zone,Mars/Olympus\n"
        "office,O-NEW,D-NOWHERE,New Office,12345\n"
        "station,S-NEW,O-NEW,\"New, Station\"\n"
        "employee,E-NEW,S-NEW,Eve,astronaut\n");
    CHECK (s_import (path, NULL) == 1, "references: exits 1");
    CHECK (s_err_has ("bad.csv:3:24: district.time_zone (column 4)"), "unknown zone");
    CHECK (s_err_has ("bad.csv:4:14: office.district_id (column 3)") && s_err_has ("D-NOWHERE"),
           "unknown district");
    CHECK (s_err_has ("bad.csv:6:26: employee.craft (column 5)"), "unknown craft");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.districts", NULL) == districts,
           "nothing was loaded");

    //  An unterminated quote names where it opened.
    s_write (path, "district,D-Q,Quote,America/Chicago\noffice,O-Q,D-Q,\"Broken,12345\n");
    CHECK (s_import (path, NULL) == 1 && s_err_has ("bad.csv:2:16: this quote is never closed"),
           "unterminated quote");

    //  All or nothing: 20 000 good rows and one bad one at the very end.
    snprintf (path, sizeof path, "%s/big.csv", s_env.dir);
    FILE *big = fopen (path, "w");
    assert (big);
    fprintf (big, "district,D-BIG,Big,America/New_York\noffice,O-BIG,D-BIG,Big Office,\n"
                  "station,S-BIG,O-BIG,Big Station\n");
    for (int i = 0; i < 20000; i++)
        fprintf (big, "employee,EB%05d,S-BIG,Employee %d,clerk,e%d@example.com\n", i, i, i);
    fprintf (big, "employee,EB-LAST,S-MISSING,Last One,clerk,\n");
    fclose (big);
    CHECK (s_import (path, NULL) == 1, "one bad row fails the file");
    CHECK (s_err_has ("big.csv:20004:18: employee.station_id (column 3)"), "the bad row is named");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.employees WHERE id LIKE 'EB%'", NULL) == 0,
           "none of the 20000 good rows went in");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.districts WHERE id = 'D-BIG'", NULL) == 0,
           "nor the district");

    //  Fixed, it loads, with progress on stderr; dry run first loads nothing.
    big = fopen (path, "a");
    fclose (big);
    tc_sh ("sed -i 's/S-MISSING/S-BIG/' '%s'", path);
    CHECK (s_import (path, "--dry-run") == 0, "dry run passes");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.employees WHERE id LIKE 'EB%'", NULL) == 0,
           "a dry run loads nothing");
    CHECK (s_import (path, NULL) == 0, "the fixed file loads");
    CHECK (s_err_has ("import: ") && s_err_has ("loaded 20000 of 20004 rows"),
           "progress is shown for a large file");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.employees WHERE id LIKE 'EB%'", NULL)
           == 20001, "all employees loaded");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.employee_programs WHERE employee_id = "
                       "'EB00001' AND program = 'clerks_care'", NULL) == 1,
           "craft maps to program");

    //  Loading the fixture again is an upsert: the same rows, lists replaced.
    long reps = tc_db_long (db, "SELECT count(*) FROM org.rep_territories", NULL);
    CHECK (s_import (s_env.fixture, NULL) == 0, "reload the fixture");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.rep_territories", NULL) == reps,
           "territories replaced, not doubled");
    CHECK (tc_db_long (db, "SELECT count(*) FROM org.office_ladder WHERE office_id = 'O-MAIN'",
                       NULL) == 4, "O-MAIN's ladder: two coordinators, president, NBA");

    //  Not a file, no file.
    CHECK (s_import ("/nonexistent.csv", NULL) == 1 && s_err_has ("cannot open"), "no file");
    CHECK (tc_sh ("'%s' admin import >/dev/null 2>&1", s_env.leadline_bin) == 2, "usage");
    PQfinish (db);
    printf ("admin: %s\n", tc_failures ? "FAILED" : "ok");
    return tc_failures ? 1 : 0;
}
