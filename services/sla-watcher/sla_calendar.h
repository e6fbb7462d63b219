/*  sla_calendar — working time of a district: its time zone, its working
    days and hours, its holidays (the U.S. federal holidays with their
    observed days, plus dates of its own). A deadline measured in business
    hours counts only the time inside working hours; this class adds such
    a duration to an instant and measures it between two instants.

    Local time comes from the system's time zone database (TZ and
    mktime/localtime_r), so daylight-saving changes are whatever tzdata
    says they are. Each local day is converted once and cached. */
#ifndef SLA_CALENDAR_H
#define SLA_CALENDAR_H
#include <stdbool.h>
#include <stdint.h>

typedef struct sla_calendar sla_calendar_t;

//  Weekday bits: 1 << tm_wday (Sunday = bit 0 ... Saturday = bit 6).
#define SLA_MON_FRI 0x3E

//  Call once at start-up, before any other thread runs: pins TZ in the
//  environment so that switching it later never reallocates `environ`.
void sla_calendar_init (void);

//  `tz` is an IANA name (America/New_York). Working hours run from
//  `start_min` to `end_min` minutes after local midnight (0..1440, start <
//  end; 0 and 1440 make whole days). `federal` adds the U.S. federal
//  holidays, moved to Friday/Monday when they fall on Saturday/Sunday.
//  Returns NULL if the arguments make no sense or the zone is unknown.
sla_calendar_t *sla_calendar_new (const char *tz, unsigned work_days,
                                  int start_min, int end_min, bool federal);
void sla_calendar_destroy (sla_calendar_t **self_p);

//  Adds a non-working local date of the calendar's own. 0 or -1.
int sla_calendar_add_holiday (sla_calendar_t *self, int year, int month, int day);

//  True if the local date is a holiday of this calendar.
bool sla_calendar_is_holiday (sla_calendar_t *self, int year, int month, int day);

//  The instant at which `work_us` of working time has passed since
//  `start_us`. A calendar without working time returns INT64_MAX.
int64_t sla_calendar_add (sla_calendar_t *self, int64_t start_us, int64_t work_us);

//  Working time between two instants (0 if `to_us` <= `from_us`).
int64_t sla_calendar_between (sla_calendar_t *self, int64_t from_us, int64_t to_us);

const char *sla_calendar_tz (const sla_calendar_t *self);

//  The U.S. federal holiday on this date, counting observed days (a
//  Saturday holiday is observed the Friday before, a Sunday one the Monday
//  after), or NULL. Juneteenth from 2021.
const char *sla_federal_holiday (int year, int month, int day);

//  Civil date <-> days since 1970-01-01 (proleptic Gregorian).
int64_t sla_days_from_civil (int year, int month, int day);
void sla_civil_from_days (int64_t days, int *year, int *month, int *day);

#endif
