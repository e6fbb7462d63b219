/*  ll_clock: the real clock, the simulated clock (speed, origin, start,
    offset) and the file-driven clock. Nothing here waits or measures how
    long something took: each reading is bracketed by two reads of the
    real clock and checked against what the settings say it must be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ll_clock.h"

static int64_t
s_real_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
s_setenv_ll (const char *name, long long value)
{
    char text [32];
    snprintf (text, sizeof text, "%lld", value);
    setenv (name, text, 1);
}

//  Every test starts from the real clock.
static int
s_reset (void **state)
{
    unsetenv ("LEADLINE_CLOCK_FILE");
    unsetenv ("LEADLINE_CLOCK_SPEED");
    unsetenv ("LEADLINE_CLOCK_ORIGIN");
    unsetenv ("LEADLINE_CLOCK_START");
    unsetenv ("LEADLINE_CLOCK_OFFSET");
    ll_clock_init ();
    return 0;
}

static void
test_real_clock (void **state)
{
    int64_t before = s_real_us ();
    int64_t now = ll_clock_now_us ();
    int64_t after = s_real_us ();
    assert_true (now >= before && now <= after);
    //  At real speed a simulated second takes a real second.
    assert_int_equal (ll_clock_real_ms (2500000), 2500);
    assert_int_equal (ll_clock_real_ms (-1000), 0);
}

static void
test_offset_moves_the_clock (void **state)
{
    setenv ("LEADLINE_CLOCK_OFFSET", "3600", 1);
    ll_clock_init ();
    int64_t before = s_real_us ();
    int64_t now = ll_clock_now_us ();
    int64_t after = s_real_us ();
    assert_true (now >= before + 3600000000LL && now <= after + 3600000000LL);

    setenv ("LEADLINE_CLOCK_OFFSET", "-0.5", 1);
    ll_clock_init ();
    before = s_real_us ();
    now = ll_clock_now_us ();
    after = s_real_us ();
    assert_true (now >= before - 500000 && now <= after - 500000);
}

static void
test_speed_origin_start (void **state)
{
    //  The simulation began 100 real seconds ago at simulated 2024-10-01
    //  00:00:00 UTC and runs 60 times faster: 100 minutes have passed.
    int64_t origin = s_real_us () / 1000000 - 100;
    const int64_t start = 1727740800;
    s_setenv_ll ("LEADLINE_CLOCK_ORIGIN", origin);
    s_setenv_ll ("LEADLINE_CLOCK_START", start);
    setenv ("LEADLINE_CLOCK_SPEED", "60", 1);
    ll_clock_init ();
    int64_t before = s_real_us ();
    int64_t now = ll_clock_now_us ();
    int64_t after = s_real_us ();
    int64_t low = start * 1000000 + (before - origin * 1000000) * 60;
    int64_t high = start * 1000000 + (after - origin * 1000000) * 60;
    //  A millisecond either side for the double arithmetic.
    assert_true (now >= low - 1000);
    assert_true (now <= high + 1000);
    assert_true (now >= (start + 6000) * 1000000);

    //  60x: a simulated minute is a real second, 48 hours are 48 minutes.
    assert_int_equal (ll_clock_real_ms (60 * 1000000LL), 1000);
    assert_int_equal (ll_clock_real_ms (48 * 3600 * 1000000LL), 48 * 60 * 1000);
}

static void
test_start_without_origin_begins_now (void **state)
{
    const int64_t start = 1700000000;
    s_setenv_ll ("LEADLINE_CLOCK_START", start);
    int64_t before = s_real_us ();
    ll_clock_init ();
    int64_t now = ll_clock_now_us ();
    int64_t after = s_real_us ();
    //  Speed 1, origin = when ll_clock_init ran: at most (after - before)
    //  of simulated time has passed since `start`.
    assert_true (now >= start * 1000000 - 1000);
    assert_true (now <= start * 1000000 + (after - before) + 1000);
}

static void
test_offset_adds_to_simulation (void **state)
{
    int64_t origin = s_real_us () / 1000000;
    s_setenv_ll ("LEADLINE_CLOCK_ORIGIN", origin);
    setenv ("LEADLINE_CLOCK_START", "1000000000", 1);
    setenv ("LEADLINE_CLOCK_SPEED", "10", 1);
    setenv ("LEADLINE_CLOCK_OFFSET", "86400", 1);
    ll_clock_init ();
    int64_t before = s_real_us ();
    int64_t now = ll_clock_now_us ();
    int64_t after = s_real_us ();
    int64_t base = (1000000000LL + 86400) * 1000000;
    assert_true (now >= base + (before - origin * 1000000) * 10 - 1000);
    assert_true (now <= base + (after - origin * 1000000) * 10 + 1000);
}

static void
test_bad_speed_means_real_speed (void **state)
{
    const char *bad [] = { "0", "-3", "fast" };
    for (size_t i = 0; i < 3; i++) {
        setenv ("LEADLINE_CLOCK_SPEED", bad [i], 1);
        ll_clock_init ();
        assert_int_equal (ll_clock_real_ms (5000000), 5000);
    }
}

static void
test_file_drives_the_clock (void **state)
{
    char dir [] = "/tmp/ll_clock_test.XXXXXX";
    assert_non_null (mkdtemp (dir));
    char path [256];
    snprintf (path, sizeof path, "%s/clock", dir);
    assert_int_equal (ll_clock_file_set (path, 1727740800123456LL), 0);
    setenv ("LEADLINE_CLOCK_FILE", path, 1);
    ll_clock_init ();
    assert_int_equal (ll_clock_now_us (), 1727740800123456LL);
    //  Every read looks at the file again: a test moves all processes at once.
    assert_int_equal (ll_clock_file_set (path, 1727740800123456LL + 48 * 3600 * 1000000LL), 0);
    assert_int_equal (ll_clock_now_us (), 1727740800123456LL + 48 * 3600 * 1000000LL);
    //  The clock can be set back, too (a test re-running a day).
    assert_int_equal (ll_clock_file_set (path, 1700000000000000LL), 0);
    assert_int_equal (ll_clock_now_us (), 1700000000000000LL);
    //  The file may move at any moment, so waits are short polls.
    assert_true (ll_clock_real_ms (3600 * 1000000LL) > 0);
    assert_true (ll_clock_real_ms (3600 * 1000000LL) <= 1000);

    //  The offset applies on top of the file's time.
    setenv ("LEADLINE_CLOCK_OFFSET", "60", 1);
    ll_clock_init ();
    assert_int_equal (ll_clock_now_us (), 1700000000000000LL + 60000000);
    unsetenv ("LEADLINE_CLOCK_OFFSET");

    //  No temp file is left next to the clock file.
    char tmp [300];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal (access (tmp, F_OK), -1);
    unlink (path);
    rmdir (dir);
}

static void
test_file_missing_falls_back_to_real_clock (void **state)
{
    setenv ("LEADLINE_CLOCK_FILE", "/nonexistent/ll_clock", 1);
    ll_clock_init ();
    int64_t before = s_real_us ();
    int64_t now = ll_clock_now_us ();
    int64_t after = s_real_us ();
    assert_true (now >= before && now <= after);
}

static void
test_file_set_fails_cleanly (void **state)
{
    assert_int_equal (ll_clock_file_set ("/nonexistent/dir/clock", 1), -1);
}

static void
test_monotonic_does_not_go_back (void **state)
{
    int64_t a = ll_mono_us ();
    int64_t b = ll_mono_us ();
    assert_true (a > 0);
    assert_true (b >= a);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup (test_real_clock, s_reset),
        cmocka_unit_test_setup (test_offset_moves_the_clock, s_reset),
        cmocka_unit_test_setup (test_speed_origin_start, s_reset),
        cmocka_unit_test_setup (test_start_without_origin_begins_now, s_reset),
        cmocka_unit_test_setup (test_offset_adds_to_simulation, s_reset),
        cmocka_unit_test_setup (test_bad_speed_means_real_speed, s_reset),
        cmocka_unit_test_setup (test_file_drives_the_clock, s_reset),
        cmocka_unit_test_setup (test_file_missing_falls_back_to_real_clock, s_reset),
        cmocka_unit_test_setup (test_file_set_fails_cleanly, s_reset),
        cmocka_unit_test_setup (test_monotonic_does_not_go_back, s_reset),
    };
    return cmocka_run_group_tests_name ("ll_clock", tests, NULL, NULL);
}
