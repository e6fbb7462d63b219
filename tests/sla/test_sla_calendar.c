/*  sla_calendar: U.S. federal holidays with observed days, and working
    time across a weekend, a holiday and both daylight-saving changes of
    America/New_York, computed from the system's tz database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include "sla_calendar.h"

#define HOUR_US (3600LL * 1000000)

//  A UTC instant, in microseconds.
static int64_t
s_utc (int y, int m, int d, int hour, int min)
{
    return (sla_days_from_civil (y, m, d) * 86400 + hour * 3600 + min * 60) * 1000000;
}

static void
test_civil_days (void **state)
{
    assert_int_equal (sla_days_from_civil (1970, 1, 1), 0);
    assert_int_equal (sla_days_from_civil (2000, 3, 1), 11017);
    int y, m, d;
    sla_civil_from_days (sla_days_from_civil (2024, 2, 29), &y, &m, &d);
    assert_int_equal (y, 2024);
    assert_int_equal (m, 2);
    assert_int_equal (d, 29);
    sla_civil_from_days (-1, &y, &m, &d);
    assert_int_equal (y, 1969);
    assert_int_equal (m, 12);
    assert_int_equal (d, 31);
}

static void
test_federal_holidays (void **state)
{
    //  2026: every federal holiday, with July 4 (a Saturday) observed Friday 3rd.
    static const int days [][2] = {
        { 1, 1 }, { 1, 19 }, { 2, 16 }, { 5, 25 }, { 6, 19 }, { 7, 3 }, { 7, 4 },
        { 9, 7 }, { 10, 12 }, { 11, 11 }, { 11, 26 }, { 12, 25 },
    };
    for (size_t i = 0; i < sizeof days / sizeof days [0]; i++)
        assert_non_null (sla_federal_holiday (2026, days [i][0], days [i][1]));
    assert_null (sla_federal_holiday (2026, 7, 6));
    assert_null (sla_federal_holiday (2026, 1, 2));
    assert_null (sla_federal_holiday (2026, 1, 26));     // fourth Monday, not MLK
    assert_null (sla_federal_holiday (2026, 11, 19));    // third Thursday
    assert_null (sla_federal_holiday (2026, 5, 18));     // not the last Monday
    //  New Year's Day 2022 was a Saturday: observed Friday 31 December 2021.
    assert_non_null (sla_federal_holiday (2021, 12, 31));
    //  New Year's Day 2023 was a Sunday: observed Monday 2 January.
    assert_non_null (sla_federal_holiday (2023, 1, 2));
    //  Juneteenth only from 2021.
    assert_null (sla_federal_holiday (2020, 6, 19));
    assert_non_null (sla_federal_holiday (2022, 6, 20));  // Sunday 19th observed Monday
    //  Christmas 2022 on a Sunday: observed Monday 26th.
    assert_non_null (sla_federal_holiday (2022, 12, 26));
}

static sla_calendar_t *
s_new_york (int start_min, int end_min)
{
    sla_calendar_t *cal = sla_calendar_new ("America/New_York", SLA_MON_FRI, start_min, end_min, true);
    assert_non_null (cal);
    return cal;
}

static void
test_weekend (void **state)
{
    sla_calendar_t *cal = s_new_york (9 * 60, 17 * 60);
    //  Friday 1 March 2024 16:00 EST + 2 working hours = Monday 10:00 EST.
    int64_t friday = s_utc (2024, 3, 1, 21, 0);
    assert_int_equal (sla_calendar_add (cal, friday, 2 * HOUR_US), s_utc (2024, 3, 4, 15, 0));
    assert_int_equal (sla_calendar_between (cal, friday, s_utc (2024, 3, 4, 15, 0)), 2 * HOUR_US);
    //  Starting on a Saturday counts from Monday's opening.
    assert_int_equal (sla_calendar_add (cal, s_utc (2024, 3, 2, 15, 0), HOUR_US),
                      s_utc (2024, 3, 4, 15, 0));
    //  A whole working week holds 40 hours.
    assert_int_equal (sla_calendar_between (cal, s_utc (2024, 2, 26, 5, 0), s_utc (2024, 3, 4, 5, 0)),
                      40 * HOUR_US);
    sla_calendar_destroy (&cal);
    assert_null (cal);
    sla_calendar_destroy (&cal);
}

static void
test_holiday (void **state)
{
    sla_calendar_t *cal = s_new_york (9 * 60, 17 * 60);
    //  Thursday 2 July 2026 16:00 EDT + 2 h: Friday 3rd is the observed
    //  Independence Day, so Monday 6th 10:00 EDT.
    int64_t thursday = s_utc (2026, 7, 2, 20, 0);
    assert_true (sla_calendar_is_holiday (cal, 2026, 7, 3));
    assert_int_equal (sla_calendar_add (cal, thursday, 2 * HOUR_US), s_utc (2026, 7, 6, 14, 0));
    //  A district's own holiday on Monday 6th moves it to Tuesday.
    assert_int_equal (sla_calendar_add_holiday (cal, 2026, 7, 6), 0);
    assert_int_equal (sla_calendar_add (cal, thursday, 2 * HOUR_US), s_utc (2026, 7, 7, 14, 0));
    assert_int_equal (sla_calendar_between (cal, thursday, s_utc (2026, 7, 7, 14, 0)), 2 * HOUR_US);
    sla_calendar_destroy (&cal);

    //  Without federal holidays, Friday 3rd is a working day.
    cal = sla_calendar_new ("America/New_York", SLA_MON_FRI, 9 * 60, 17 * 60, false);
    assert_non_null (cal);
    assert_int_equal (sla_calendar_add (cal, thursday, 2 * HOUR_US), s_utc (2026, 7, 3, 14, 0));
    sla_calendar_destroy (&cal);
}

static void
test_dst (void **state)
{
    sla_calendar_t *cal = s_new_york (9 * 60, 17 * 60);
    //  Spring forward on Sunday 10 March 2024: Friday 16:00 EST (21:00Z)
    //  + 2 h = Monday 11th 10:00 EDT, which is 14:00Z, not 15:00Z.
    int64_t friday = s_utc (2024, 3, 8, 21, 0);
    assert_int_equal (sla_calendar_add (cal, friday, 2 * HOUR_US), s_utc (2024, 3, 11, 14, 0));
    assert_int_equal (sla_calendar_between (cal, friday, s_utc (2024, 3, 11, 14, 0)), 2 * HOUR_US);
    //  Fall back on Sunday 3 November 2024: Friday 16:00 EDT (20:00Z) + 2 h
    //  = Monday 4th 10:00 EST = 15:00Z.
    friday = s_utc (2024, 11, 1, 20, 0);
    assert_int_equal (sla_calendar_add (cal, friday, 2 * HOUR_US), s_utc (2024, 11, 4, 15, 0));
    sla_calendar_destroy (&cal);

    //  Whole days, every day: the spring Sunday has 23 hours, the autumn one 25.
    cal = sla_calendar_new ("America/New_York", 0x7F, 0, 1440, false);
    assert_non_null (cal);
    assert_int_equal (sla_calendar_between (cal, s_utc (2024, 3, 10, 5, 0), s_utc (2024, 3, 11, 4, 0)),
                      23 * HOUR_US);
    assert_int_equal (sla_calendar_between (cal, s_utc (2024, 11, 3, 4, 0), s_utc (2024, 11, 4, 5, 0)),
                      25 * HOUR_US);
    //  ... and adding 24 h of it is 24 real hours.
    assert_int_equal (sla_calendar_add (cal, s_utc (2024, 3, 9, 17, 0), 24 * HOUR_US),
                      s_utc (2024, 3, 10, 17, 0));
    sla_calendar_destroy (&cal);

    //  The same question in another zone gives that zone's answer: Los
    //  Angeles opens at 09:00 PDT = 16:00Z on Monday 11 March 2024.
    cal = sla_calendar_new ("America/Los_Angeles", SLA_MON_FRI, 9 * 60, 17 * 60, true);
    assert_non_null (cal);
    assert_int_equal (sla_calendar_add (cal, s_utc (2024, 3, 9, 12, 0), HOUR_US),
                      s_utc (2024, 3, 11, 17, 0));
    sla_calendar_destroy (&cal);
}

//  The window the integration test checks end to end: 48 working hours
//  from Monday 2 March 2026 07:00 EST, 08:00-17:00, with the district's own
//  holiday on Wednesday 4th, across the change to EDT on Sunday 8th.
static void
test_contact_window_across_dst (void **state)
{
    sla_calendar_t *cal = s_new_york (8 * 60, 17 * 60);
    assert_int_equal (sla_calendar_add_holiday (cal, 2026, 3, 4), 0);
    int64_t entered = s_utc (2026, 3, 2, 12, 0);
    assert_int_equal (sla_calendar_add (cal, entered, 36 * HOUR_US), s_utc (2026, 3, 6, 22, 0));
    assert_int_equal (sla_calendar_add (cal, entered, 48 * HOUR_US), s_utc (2026, 3, 10, 15, 0));
    assert_int_equal (sla_calendar_between (cal, entered, s_utc (2026, 3, 10, 15, 0)), 48 * HOUR_US);
    sla_calendar_destroy (&cal);
}

static void
test_refusals (void **state)
{
    assert_null (sla_calendar_new ("Mars/Olympus_Mons", SLA_MON_FRI, 480, 1020, true));
    assert_null (sla_calendar_new ("../../etc/passwd", SLA_MON_FRI, 480, 1020, true));
    assert_null (sla_calendar_new ("America/New_York", 0, 480, 1020, true));
    assert_null (sla_calendar_new ("America/New_York", SLA_MON_FRI, 1020, 480, true));
    assert_null (sla_calendar_new ("America/New_York", SLA_MON_FRI, 0, 1441, true));
    assert_null (sla_calendar_new ("", SLA_MON_FRI, 0, 1440, true));
    sla_calendar_t *cal = sla_calendar_new ("UTC", SLA_MON_FRI, 0, 1440, false);
    assert_non_null (cal);
    assert_int_equal (sla_calendar_add_holiday (cal, 2026, 13, 1), -1);
    //  Zero work is no time at all; an end before the start is none either.
    assert_int_equal (sla_calendar_add (cal, 1000, 0), 1000);
    assert_int_equal (sla_calendar_between (cal, 2000, 1000), 0);
    sla_calendar_destroy (&cal);
}

int
main (void)
{
    sla_calendar_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_civil_days),
        cmocka_unit_test (test_federal_holidays),
        cmocka_unit_test (test_weekend),
        cmocka_unit_test (test_holiday),
        cmocka_unit_test (test_dst),
        cmocka_unit_test (test_contact_window_across_dst),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
