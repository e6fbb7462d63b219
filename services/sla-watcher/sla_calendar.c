/*  sla_calendar — business hours per district. See sla_calendar.h.

    Why TZ + mktime rather than our own offset arithmetic: the offset of a
    zone changes by rules that are political and revised every few years;
    tzdata, as the system ships and updates it, is the one place they are
    right. The cost of switching TZ (glibc reloads the zone file) is paid
    once per local day per calendar: each day's working interval, as UTC
    instants, is cached, and every question after that is integer
    arithmetic on the cache.

    TZ is process-wide. The event loop is the only thread that calls this;
    the HTTP thread never reads local time. sla_calendar_init() puts TZ in
    the environment before that thread starts, so that setenv() later only
    swaps the value and never moves `environ` under a reader. */
#include "sla_calendar.h"
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CAL_CACHE 512              // local days kept per calendar (direct-mapped)
#define CAL_MAX_SCAN_DAYS 3660     // give up after ten years of non-working days
#define CAL_MAX_HOLIDAYS 512

typedef struct {
    int64_t day;                   // days since 1970-01-01, local date; INT64_MIN = empty
    int64_t midnight_us;           // start of the local day, UTC
    int64_t next_midnight_us;      // start of the next local day
    int64_t work_start_us;         // working interval of the day, UTC
    int64_t work_end_us;
    bool working;
} cal_day_t;

struct sla_calendar {
    char tz [64];
    unsigned work_days;
    int start_min;
    int end_min;
    bool federal;
    int64_t holidays [CAL_MAX_HOLIDAYS];   // days since epoch
    size_t n_holidays;
    cal_day_t cache [CAL_CACHE];
};

//  The zone TZ currently holds, as we set it.
static char s_applied [80];

void
sla_calendar_init (void)
{
    const char *tz = getenv ("TZ");
    setenv ("TZ", tz && *tz ? tz : "UTC", 1);
    tzset ();
    s_applied [0] = 0;
}

static void
s_use_tz (const char *tz)
{
    char want [80];
    snprintf (want, sizeof want, ":%s", tz);
    if (strcmp (want, s_applied) != 0) {
        setenv ("TZ", want, 1);
        tzset ();
        snprintf (s_applied, sizeof s_applied, "%s", want);
    }
}

//  Howard Hinnant's civil-date algorithms.
int64_t
sla_days_from_civil (int year, int month, int day)
{
    int64_t y = (int64_t) year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
sla_civil_from_days (int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int) (doy - (153 * mp + 2) / 5 + 1);
    int m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *year = (int) (y + (m <= 2));
    *month = m;
    *day = d;
}

//  0 = Sunday ... 6 = Saturday.
static int
s_weekday (int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int) (w < 0 ? w + 7 : w);
}

//  Day of month of the n-th `wday` (n >= 1), or of the last one (n = 0).
static int
s_nth_weekday (int year, int month, int wday, int n)
{
    if (n > 0) {
        int first = s_weekday (sla_days_from_civil (year, month, 1));
        return 1 + (wday - first + 7) % 7 + 7 * (n - 1);
    }
    int64_t next = month == 12 ? sla_days_from_civil (year + 1, 1, 1)
                               : sla_days_from_civil (year, month + 1, 1);
    int64_t last = next - 1;
    int y, m, d;
    sla_civil_from_days (last, &y, &m, &d);
    return d - (s_weekday (last) - wday + 7) % 7;
}

//  Holidays on a fixed date, which move when they fall on a weekend.
static const char *
s_fixed_holiday (int year, int month, int day)
{
    if (month == 1 && day == 1)
        return "New Year's Day";
    if (month == 6 && day == 19 && year >= 2021)
        return "Juneteenth National Independence Day";
    if (month == 7 && day == 4)
        return "Independence Day";
    if (month == 11 && day == 11)
        return "Veterans Day";
    if (month == 12 && day == 25)
        return "Christmas Day";
    return NULL;
}

const char *
sla_federal_holiday (int year, int month, int day)
{
    const char *name = s_fixed_holiday (year, month, day);
    if (name)
        return name;
    int64_t days = sla_days_from_civil (year, month, day);
    int wday = s_weekday (days);
    int y, m, d;
    //  Observed: Friday for a Saturday holiday, Monday for a Sunday one.
    if (wday == 5) {
        sla_civil_from_days (days + 1, &y, &m, &d);
        if ((name = s_fixed_holiday (y, m, d)))
            return name;
    }
    if (wday == 1) {
        sla_civil_from_days (days - 1, &y, &m, &d);
        if ((name = s_fixed_holiday (y, m, d)))
            return name;
    }
    if (month == 1 && wday == 1 && day == s_nth_weekday (year, 1, 1, 3))
        return "Birthday of Martin Luther King, Jr.";
    if (month == 2 && wday == 1 && day == s_nth_weekday (year, 2, 1, 3))
        return "Washington's Birthday";
    if (month == 5 && wday == 1 && day == s_nth_weekday (year, 5, 1, 0))
        return "Memorial Day";
    if (month == 9 && wday == 1 && day == s_nth_weekday (year, 9, 1, 1))
        return "Labor Day";
    if (month == 10 && wday == 1 && day == s_nth_weekday (year, 10, 1, 2))
        return "Columbus Day";
    if (month == 11 && wday == 4 && day == s_nth_weekday (year, 11, 4, 4))
        return "Thanksgiving Day";
    return NULL;
}

sla_calendar_t *
sla_calendar_new (const char *tz, unsigned work_days, int start_min, int end_min, bool federal)
{
    if (!tz || !*tz || strlen (tz) >= sizeof ((sla_calendar_t *) 0)->tz
    ||  strstr (tz, "..") || tz [0] == '/'
    ||  start_min < 0 || end_min > 1440 || start_min >= end_min
    ||  (work_days & 0x7F) == 0)
        return NULL;
    //  glibc falls back to UTC for a zone it cannot find; refuse instead.
    if (strcmp (tz, "UTC") != 0) {
        const char *dir = getenv ("TZDIR");
        char path [512];
        snprintf (path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
        struct stat st;
        if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
            return NULL;
    }
    sla_calendar_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->tz, sizeof self->tz, "%s", tz);
    self->work_days = work_days & 0x7F;
    self->start_min = start_min;
    self->end_min = end_min;
    self->federal = federal;
    for (size_t i = 0; i < CAL_CACHE; i++)
        self->cache [i].day = INT64_MIN;
    return self;
}

void
sla_calendar_destroy (sla_calendar_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
sla_calendar_tz (const sla_calendar_t *self)
{
    return self->tz;
}

int
sla_calendar_add_holiday (sla_calendar_t *self, int year, int month, int day)
{
    if (self->n_holidays >= CAL_MAX_HOLIDAYS || month < 1 || month > 12 || day < 1 || day > 31)
        return -1;
    self->holidays [self->n_holidays++] = sla_days_from_civil (year, month, day);
    for (size_t i = 0; i < CAL_CACHE; i++)
        self->cache [i].day = INT64_MIN;
    return 0;
}

static bool
s_holiday (sla_calendar_t *self, int64_t days)
{
    for (size_t i = 0; i < self->n_holidays; i++)
        if (self->holidays [i] == days)
            return true;
    if (self->federal) {
        int y, m, d;
        sla_civil_from_days (days, &y, &m, &d);
        return sla_federal_holiday (y, m, d) != NULL;
    }
    return false;
}

bool
sla_calendar_is_holiday (sla_calendar_t *self, int year, int month, int day)
{
    return s_holiday (self, sla_days_from_civil (year, month, day));
}

//  The UTC instant of local `days` + `minutes` in the calendar's zone.
//  A local time that does not exist (the hour skipped in spring) comes out
//  as the instant the clocks jumped past it, as mktime normalises it.
static int64_t
s_local_us (sla_calendar_t *self, int64_t days, int minutes)
{
    days += minutes / 1440;
    minutes %= 1440;
    int y, m, d;
    sla_civil_from_days (days, &y, &m, &d);
    s_use_tz (self->tz);
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                     .tm_hour = minutes / 60, .tm_min = minutes % 60, .tm_isdst = -1 };
    time_t t = mktime (&tm);
    return (int64_t) t * 1000000;
}

static int64_t
s_local_day (sla_calendar_t *self, int64_t us)
{
    s_use_tz (self->tz);
    time_t t = (time_t) (us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    struct tm tm;
    localtime_r (&t, &tm);
    return sla_days_from_civil (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static const cal_day_t *
s_day (sla_calendar_t *self, int64_t days)
{
    cal_day_t *slot = &self->cache [(uint64_t) days % CAL_CACHE];
    if (slot->day == days)
        return slot;
    slot->day = days;
    slot->midnight_us = s_local_us (self, days, 0);
    slot->next_midnight_us = s_local_us (self, days + 1, 0);
    slot->work_start_us = s_local_us (self, days, self->start_min);
    slot->work_end_us = self->end_min == 1440 ? slot->next_midnight_us
                                              : s_local_us (self, days, self->end_min);
    slot->working = (self->work_days & (1u << s_weekday (days))) && !s_holiday (self, days);
    return slot;
}

int64_t
sla_calendar_add (sla_calendar_t *self, int64_t start_us, int64_t work_us)
{
    assert (self);
    if (work_us <= 0)
        return start_us;
    int64_t days = s_local_day (self, start_us);
    int64_t t = start_us;
    int64_t left = work_us;
    for (int i = 0; i < CAL_MAX_SCAN_DAYS; i++, days++) {
        const cal_day_t *day = s_day (self, days);
        if (day->working) {
            int64_t from = t > day->work_start_us ? t : day->work_start_us;
            if (day->work_end_us > from) {
                int64_t avail = day->work_end_us - from;
                if (left <= avail)
                    return from + left;
                left -= avail;
            }
        }
        t = day->next_midnight_us;
    }
    return INT64_MAX;
}

int64_t
sla_calendar_between (sla_calendar_t *self, int64_t from_us, int64_t to_us)
{
    assert (self);
    if (to_us <= from_us)
        return 0;
    int64_t days = s_local_day (self, from_us);
    int64_t total = 0;
    for (int64_t i = 0; i < (int64_t) CAL_MAX_SCAN_DAYS * 10; i++, days++) {
        const cal_day_t *day = s_day (self, days);
        if (day->midnight_us >= to_us)
            break;
        if (day->working) {
            int64_t a = from_us > day->work_start_us ? from_us : day->work_start_us;
            int64_t b = to_us < day->work_end_us ? to_us : day->work_end_us;
            if (b > a)
                total += b - a;
        }
    }
    return total;
}
