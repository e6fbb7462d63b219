/*  admin_org — the org CSV kinds (docs/org-csv.md): checks every row, then
    loads the whole file in one transaction, parents before children, so a
    file is loaded all or nothing and in any row order. */
#ifndef ADMIN_ORG_H
#define ADMIN_ORG_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include "admin_csv.h"

//  Checks and loads `csv` through `conn` (which must be idle). Errors go to
//  `err` as "FILE:LINE:COL: ..." lines; progress to `progress` (may be NULL)
//  for large files; a summary to `out`. Returns 0 when loaded (or, with
//  `dry_run`, when it would load), 1 when the file has errors (nothing
//  loaded), -1 when the store failed (nothing loaded).
int admin_org_import (PGconn *conn, const admin_csv_t *csv, bool dry_run,
                      FILE *out, FILE *err, FILE *progress);

#endif
