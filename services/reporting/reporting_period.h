/*  reporting_period — the fiscal calendar reports are cut by. The fiscal
    year starts on 1 October (FY2027 = 1 Oct 2026 .. 30 Sep 2027); quarter
    Q1 is October to December; station periods are two weeks from 1 October,
    P01 .. P26, and P26 runs to 30 September (15 or 16 days). Days are
    counted from 1970-01-01 in the district's time zone: the caller decides
    which day it is where. The same rules live in SQL (reporting.term_*,
    deploy/migrations/reporting/001_facts_rollups.sql). */
#ifndef REPORTING_PERIOD_H
#define REPORTING_PERIOD_H
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int fy;            // fiscal year, e.g. 2027
    int index;         // period 1..26 or quarter 1..4; 0 for a whole year
    int32_t start;     // first day
    int32_t end;       // last day (inclusive)
    char term [16];    // "FY2027P03", "FY2027Q1", "FY2027"
} reporting_period_t;

int32_t reporting_day_from_civil (int y, int m, int d);
void reporting_civil_from_day (int32_t day, int *y, int *m, int *d);
//  Parses YYYY-MM-DD (a real calendar date). 0 or -1.
int reporting_day_parse (const char *text, int32_t *day);
//  Writes YYYY-MM-DD into buf (at least 11 bytes).
void reporting_day_format (int32_t day, char *buf);

int reporting_fiscal_year (int32_t day);
void reporting_year (int fy, reporting_period_t *out);
void reporting_quarter_of (int32_t day, reporting_period_t *out);
void reporting_period_of (int32_t day, reporting_period_t *out);
//  The period with this index (1..26) of fiscal year fy.
void reporting_period_nth (int fy, int index, reporting_period_t *out);
//  A two-week period: "current" (or empty), "previous", a day in it
//  (YYYY-MM-DD), or its term ("FY2027P03"). 0 or -1.
int reporting_period_parse (const char *text, int32_t today, reporting_period_t *out);
//  True if `text` names a period relative to today ("current", empty,
//  "previous"): reporting_period_parse needs the day it is.
bool reporting_period_relative (const char *text);
//  Parses "FY2027Q1" (also "fy2027q1" and "2027Q1"). 0 or -1.
int reporting_quarter_parse (const char *text, reporting_period_t *out);

#endif
