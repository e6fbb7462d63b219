/*  reporting_period — fiscal years, quarters and two-week periods.
    Day numbers use Howard Hinnant's civil-from-days algorithms, exact for
    the proleptic Gregorian calendar. */
#include "reporting_period.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PERIODS_PER_YEAR 26

int32_t
reporting_day_from_civil (int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned) (y - era * 400);
    const unsigned doy = (153u * (unsigned) (m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned) d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t) (era * 146097 + (int) doe - 719468);
}

void
reporting_civil_from_day (int32_t day, int *y, int *m, int *d)
{
    int32_t z = day + 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned) (z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int32_t yy = (int32_t) yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int) (yy + (*m <= 2));
}

int
reporting_day_parse (const char *text, int32_t *day)
{
    if (!text || strlen (text) != 10 || text [4] != '-' || text [7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit ((unsigned char) text [i]))
            return -1;
    int y = atoi (text), m = atoi (text + 5), d = atoi (text + 8);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    int32_t n = reporting_day_from_civil (y, m, d);
    int yy, mm, dd;
    reporting_civil_from_day (n, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
        return -1;          // 31 April, 29 February of a common year
    *day = n;
    return 0;
}

void
reporting_day_format (int32_t day, char *buf)
{
    int y, m, d;
    reporting_civil_from_day (day, &y, &m, &d);
    snprintf (buf, 11, "%04d-%02d-%02d", y % 10000, m, d);
}

int
reporting_fiscal_year (int32_t day)
{
    int y, m, d;
    reporting_civil_from_day (day, &y, &m, &d);
    return m >= 10 ? y + 1 : y;
}

void
reporting_year (int fy, reporting_period_t *out)
{
    memset (out, 0, sizeof *out);
    out->fy = fy;
    out->start = reporting_day_from_civil (fy - 1, 10, 1);
    out->end = reporting_day_from_civil (fy, 9, 30);
    snprintf (out->term, sizeof out->term, "FY%d", fy);
}

void
reporting_quarter_of (int32_t day, reporting_period_t *out)
{
    int y, m, d;
    reporting_civil_from_day (day, &y, &m, &d);
    int fy = m >= 10 ? y + 1 : y;
    int q = (m + 2) % 12 / 3 + 1;
    //  Q1 Oct-Dec of fy-1, Q2 Jan-Mar, Q3 Apr-Jun, Q4 Jul-Sep of fy.
    static const int first_month [] = { 0, 10, 1, 4, 7 };
    int sy = q == 1 ? fy - 1 : fy;
    int em = first_month [q] + 2;
    memset (out, 0, sizeof *out);
    out->fy = fy;
    out->index = q;
    out->start = reporting_day_from_civil (sy, first_month [q], 1);
    out->end = (em == 12 ? reporting_day_from_civil (sy + 1, 1, 1)
                         : reporting_day_from_civil (sy, em + 1, 1)) - 1;
    snprintf (out->term, sizeof out->term, "FY%dQ%d", fy, q);
}

void
reporting_period_nth (int fy, int index, reporting_period_t *out)
{
    if (index < 1)
        index = 1;
    if (index > PERIODS_PER_YEAR)
        index = PERIODS_PER_YEAR;
    reporting_period_t year;
    reporting_year (fy, &year);
    memset (out, 0, sizeof *out);
    out->fy = fy;
    out->index = index;
    out->start = year.start + 14 * (index - 1);
    out->end = index == PERIODS_PER_YEAR ? year.end : out->start + 13;
    snprintf (out->term, sizeof out->term, "FY%dP%02d", fy, index);
}

void
reporting_period_of (int32_t day, reporting_period_t *out)
{
    int fy = reporting_fiscal_year (day);
    reporting_period_t year;
    reporting_year (fy, &year);
    reporting_period_nth (fy, (day - year.start) / 14 + 1, out);
}

int
reporting_quarter_parse (const char *text, reporting_period_t *out)
{
    if (!text)
        return -1;
    if ((text [0] == 'F' || text [0] == 'f') && (text [1] == 'Y' || text [1] == 'y'))
        text += 2;
    if (strlen (text) != 6 || !(text [4] == 'Q' || text [4] == 'q'))
        return -1;
    for (int i = 0; i < 4; i++)
        if (!isdigit ((unsigned char) text [i]))
            return -1;
    int fy = atoi (text);
    int q = text [5] - '0';
    if (fy < 1901 || fy > 9999 || q < 1 || q > 4)
        return -1;
    static const int first_month [] = { 0, 10, 1, 4, 7 };
    reporting_quarter_of (reporting_day_from_civil (q == 1 ? fy - 1 : fy, first_month [q], 1), out);
    return 0;
}

//  "current", a day (YYYY-MM-DD) in the period, or a term "FY2027P03".
bool
reporting_period_relative (const char *text)
{
    return !text || !*text || strcmp (text, "current") == 0 || strcmp (text, "previous") == 0
        || strcmp (text, "last") == 0;
}

int
reporting_period_parse (const char *text, int32_t today, reporting_period_t *out)
{
    if (!text || !*text || strcmp (text, "current") == 0) {
        reporting_period_of (today, out);
        return 0;
    }
    if (strcmp (text, "previous") == 0 || strcmp (text, "last") == 0) {
        reporting_period_t cur;
        reporting_period_of (today, &cur);
        reporting_period_of (cur.start - 1, out);
        return 0;
    }
    int32_t day;
    if (reporting_day_parse (text, &day) == 0) {
        reporting_period_of (day, out);
        return 0;
    }
    const char *t = text;
    if (strncasecmp (t, "FY", 2) == 0)
        t += 2;
    int fy, index;
    char p, extra;
    if (sscanf (t, "%4d%c%2d%c", &fy, &p, &index, &extra) == 3 && (p == 'P' || p == 'p')
    &&  fy > 1900 && fy < 10000 && index >= 1 && index <= 26) {
        reporting_period_nth (fy, index, out);
        return 0;
    }
    return -1;
}

