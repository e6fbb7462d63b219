/*  Unit tests of reporting's fiscal calendar, report formats and report
    cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_doc.h"
#include "reporting_period.h"
#include "reporting_cache.h"

static int32_t
s_day (const char *text)
{
    int32_t d = 0;
    assert_int_equal (reporting_day_parse (text, &d), 0);
    return d;
}

static void
s_assert_day (int32_t day, const char *want)
{
    char buf [11];
    reporting_day_format (day, buf);
    assert_string_equal (buf, want);
}

static void
test_days (void **state)
{
    assert_int_equal (s_day ("1970-01-01"), 0);
    assert_int_equal (s_day ("2000-03-01") - s_day ("2000-02-28"), 2);
    for (int32_t d = -1000; d < 30000; d += 7) {
        int y, m, dd;
        reporting_civil_from_day (d, &y, &m, &dd);
        assert_int_equal (reporting_day_from_civil (y, m, dd), d);
    }
    int32_t out;
    assert_int_equal (reporting_day_parse ("2027-02-29", &out), -1);
    assert_int_equal (reporting_day_parse ("2028-02-29", &out), 0);
    assert_int_equal (reporting_day_parse ("2027-13-01", &out), -1);
    assert_int_equal (reporting_day_parse ("2027-1-01", &out), -1);
    assert_int_equal (reporting_day_parse ("20270101xx", &out), -1);
    assert_int_equal (reporting_day_parse (NULL, &out), -1);
}

static void
test_fiscal_year (void **state)
{
    assert_int_equal (reporting_fiscal_year (s_day ("2026-09-30")), 2026);
    assert_int_equal (reporting_fiscal_year (s_day ("2026-10-01")), 2027);
    reporting_period_t p;
    reporting_year (2027, &p);
    s_assert_day (p.start, "2026-10-01");
    s_assert_day (p.end, "2027-09-30");
    assert_string_equal (p.term, "FY2027");
}

static void
test_periods (void **state)
{
    reporting_period_t p;
    reporting_period_of (s_day ("2026-10-01"), &p);
    assert_string_equal (p.term, "FY2027P01");
    s_assert_day (p.end, "2026-10-14");
    reporting_period_of (s_day ("2026-10-15"), &p);
    assert_string_equal (p.term, "FY2027P02");
    s_assert_day (p.start, "2026-10-15");
    reporting_period_of (s_day ("2027-09-15"), &p);
    assert_string_equal (p.term, "FY2027P25");
    reporting_period_of (s_day ("2027-09-16"), &p);
    assert_string_equal (p.term, "FY2027P26");
    s_assert_day (p.end, "2027-09-30");        // the last period runs to the year's end
    reporting_period_of (s_day ("2027-09-30"), &p);
    assert_string_equal (p.term, "FY2027P26");
    reporting_period_of (s_day ("2027-10-01"), &p);
    assert_string_equal (p.term, "FY2028P01");
    //  Every day of a few years sits in exactly one period, in order.
    int32_t d = s_day ("2025-10-01");
    while (d < s_day ("2029-10-01")) {
        reporting_period_of (d, &p);
        assert_int_equal (p.start, d);
        assert_true (p.end >= p.start + 13 && p.end <= p.start + 15);
        d = p.end + 1;
    }
    assert_int_equal (reporting_period_parse ("FY2027P03", 0, &p), 0);
    s_assert_day (p.start, "2026-10-29");
    assert_int_equal (reporting_period_parse ("2026-11-01", 0, &p), 0);
    assert_string_equal (p.term, "FY2027P03");
    assert_int_equal (reporting_period_parse ("current", s_day ("2026-12-20"), &p), 0);
    assert_string_equal (p.term, "FY2027P06");
    assert_int_equal (reporting_period_parse ("previous", s_day ("2026-12-20"), &p), 0);
    assert_string_equal (p.term, "FY2027P05");
    assert_int_equal (reporting_period_parse ("FY2027P27", 0, &p), -1);
    assert_int_equal (reporting_period_parse ("FY2027P3x", 0, &p), -1);
    assert_int_equal (reporting_period_parse ("soon", 0, &p), -1);
}

static void
test_quarters (void **state)
{
    reporting_period_t q;
    reporting_quarter_of (s_day ("2026-12-31"), &q);
    assert_string_equal (q.term, "FY2027Q1");
    s_assert_day (q.start, "2026-10-01");
    s_assert_day (q.end, "2026-12-31");
    reporting_quarter_of (s_day ("2027-01-01"), &q);
    assert_string_equal (q.term, "FY2027Q2");
    s_assert_day (q.end, "2027-03-31");
    assert_int_equal (reporting_quarter_parse ("FY2027Q4", &q), 0);
    s_assert_day (q.start, "2027-07-01");
    s_assert_day (q.end, "2027-09-30");
    assert_int_equal (reporting_quarter_parse ("2027q3", &q), 0);
    s_assert_day (q.start, "2027-04-01");
    assert_int_equal (reporting_quarter_parse ("FY2027Q5", &q), -1);
    assert_int_equal (reporting_quarter_parse ("FY27Q1", &q), -1);
}

static report_t *
s_sample (void)
{
    report_t *r = report_new ("station", "Station <Summary>");
    report_subtitle (r, "period %s", "FY2027P03");
    report_meta (r, "station", "Station", "%s", "Main, \"A\"");
    report_table_t *t = report_table (r, "t1", "Table one");
    report_col (t, "name", "Name", REPORT_COL_TEXT);
    report_col (t, "n", "Count", REPORT_COL_INT);
    report_col (t, "rev", "Revenue", REPORT_COL_MONEY);
    report_col (t, "share", "Share", REPORT_COL_PCT);
    report_col (t, "ok", "OK", REPORT_COL_BOOL);
    report_row (t);
    report_cell_text (t, "Joe's \"Best\", Inc.\nline two");
    report_cell_int (t, 42);
    report_cell_money (t, 123456789);
    report_cell_share (t, 1, 3);
    report_cell_bool (t, true);
    report_row (t);
    report_cell_text (t, "José Núñez");
    report_cell_int (t, -1);
    report_cell_money (t, -5);
    report_cell_share (t, 1, 0);
    report_cell_bool (t, false);
    report_table_t *u = report_table (r, "t2", "Two columns");
    report_col (u, "a", "A", REPORT_COL_TEXT);
    report_row (u);
    report_cell_text (u, "<script>x</script>");
    report_chart_t *c = report_chart (r, "c1", "Chart", REPORT_CHART_BAR, "%");
    report_chart_target (c, 35, "target 35%");
    report_chart_point (c, "A & B", 40);
    report_note (r, "a note");
    return r;
}

static void
test_money_and_shares (void **state)
{
    char buf [64];
    report_money_human (123456789, buf, sizeof buf);
    assert_string_equal (buf, "$1,234,567.89");
    report_money_human (-5, buf, sizeof buf);
    assert_string_equal (buf, "-$0.05");
    report_money_human (0, buf, sizeof buf);
    assert_string_equal (buf, "$0.00");
    report_money_plain (100000, buf, sizeof buf);
    assert_string_equal (buf, "1000.00");
    report_pct_plain (35.25, buf, sizeof buf);
    assert_string_equal (buf, "35.3");
    report_pct_plain (100.0 / 3, buf, sizeof buf);
    assert_string_equal (buf, "33.3");
    report_pct_plain (0, buf, sizeof buf);
    assert_string_equal (buf, "0.0");
}

static void
test_csv (void **state)
{
    report_t *r = s_sample ();
    size_t len;
    char *csv = report_format_csv (r, &len);
    assert_non_null (csv);
    //  The field with a quote, a comma and a line break is quoted, quotes doubled.
    assert_non_null (strstr (csv, "t1,row,\"Joe's \"\"Best\"\", Inc.\nline two\",42,1234567.89,33.3,yes\r\n"));
    assert_non_null (strstr (csv, "t1,row,José Núñez,-1,-0.05,,no\r\n"));
    assert_non_null (strstr (csv, "meta,station,Station,\"Main, \"\"A\"\"\",,,\r\n"));
    //  Every record has the same number of fields (7: section, kind, 5 columns).
    int fields = 1, records = 0;
    bool quoted = false;
    for (const char *p = csv; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else
        if (!quoted && *p == ',')
            fields++;
        else
        if (!quoted && *p == '\n') {
            assert_int_equal (fields, 7);
            fields = 1;
            records++;
        }
    }
    assert_false (quoted);
    assert_true (records >= 7);
    free (csv);
    report_destroy (&r);
    assert_null (r);
    report_destroy (&r);        // twice is safe
}

static void
test_json (void **state)
{
    report_t *r = s_sample ();
    size_t len;
    char *json = report_format_json (r, &len);
    assert_non_null (json);
    assert_non_null (strstr (json, "\"name\":\"Joe's \\\"Best\\\", Inc.\\nline two\",\"n\":42,"
                                   "\"rev\":1234567.89,\"share\":33.3,\"ok\":true"));
    assert_non_null (strstr (json, "\"share\":null"));
    assert_non_null (strstr (json, "\"target\":35.0"));
    free (json);
    report_destroy (&r);
}

static void
test_text_and_html (void **state)
{
    report_t *r = s_sample ();
    size_t len;
    char *text = report_format_text (r, &len);
    assert_non_null (text);
    //  Numbers to the right, "no data" as "-", accents counted as one column.
    assert_non_null (strstr (text, "| José Núñez"));
    assert_non_null (strstr (text, "|    -1 |"));
    assert_non_null (strstr (text, "|     - |"));
    free (text);
    char *html = report_format_html (r, &len);
    assert_non_null (html);
    assert_null (strstr (html, "<script>"));
    assert_non_null (strstr (html, "&lt;script&gt;x&lt;/script&gt;"));
    assert_non_null (strstr (html, "<table class=\"report-table\" id=\"table-t1\">"));
    assert_non_null (strstr (html, "<figure class=\"chart\" id=\"chart-c1\">"));
    assert_non_null (strstr (html, "class=\"target\""));
    assert_non_null (strstr (html, "A &amp; B"));
    free (html);
    report_destroy (&r);
}

static void
test_format_names (void **state)
{
    assert_int_equal (report_format_parse ("csv"), REPORT_FORMAT_CSV);
    assert_int_equal (report_format_parse (""), REPORT_FORMAT_TEXT);
    assert_int_equal (report_format_parse ("html"), REPORT_FORMAT_HTML);
    assert_int_equal (report_format_parse ("pdf"), -1);
    assert_string_equal (report_format_content_type (REPORT_FORMAT_JSON), "application/json");
}

//  The report cache: hits, drops by scope after an event, no store while
//  an invalidation happened, age, size.
static void
test_cache (void **state)
{
    reporting_cache_t *cache = reporting_cache_new (64 * 1024, 60000000);
    assert_non_null (cache);
    size_t len = 0;
    assert_null (reporting_cache_get (cache, "/reports/station?station=S1", 1000, &len));
    uint64_t epoch = reporting_cache_epoch (cache);
    reporting_cache_put (cache, "/reports/station?station=S1", "S:S1", epoch, 1000, "one", 3);
    reporting_cache_put (cache, "/reports/station?station=S2", "S:S2", epoch, 1000, "two", 3);
    reporting_cache_put (cache, "/reports/district?district=D1", "D:D1", epoch, 1000, "dist", 4);
    reporting_cache_put (cache, "/reports/campaign?fy=2027", "*", epoch, 1000, "all", 3);
    assert_int_equal (reporting_cache_size (cache, NULL), 4);
    char *body = reporting_cache_get (cache, "/reports/station?station=S1", 2000, &len);
    assert_non_null (body);
    assert_int_equal (len, 3);
    assert_string_equal (body, "one");
    free (body);

    //  An event of station S1 in district D9: S1's report and the
    //  all-district one go; S2 and D1 stay.
    zhashx_t *scopes = zhashx_new ();
    zhashx_insert (scopes, "S:S1", (void *) 1);
    zhashx_insert (scopes, "D:D9", (void *) 1);
    reporting_cache_invalidate (cache, scopes);
    assert_null (reporting_cache_get (cache, "/reports/station?station=S1", 2000, &len));
    assert_null (reporting_cache_get (cache, "/reports/campaign?fy=2027", 2000, &len));
    body = reporting_cache_get (cache, "/reports/station?station=S2", 2000, &len);
    assert_non_null (body);
    free (body);
    body = reporting_cache_get (cache, "/reports/district?district=D1", 2000, &len);
    assert_non_null (body);
    free (body);

    //  Built before that invalidation: not stored.
    reporting_cache_put (cache, "/reports/station?station=S1", "S:S1", epoch, 2000, "old", 3);
    assert_null (reporting_cache_get (cache, "/reports/station?station=S1", 2000, &len));
    epoch = reporting_cache_epoch (cache);
    reporting_cache_put (cache, "/reports/station?station=S1", "S:S1", epoch, 2000, "new", 3);
    body = reporting_cache_get (cache, "/reports/station?station=S1", 2000, &len);
    assert_string_equal (body, "new");
    free (body);

    //  Too old by the service clock, or the clock went back: gone.
    assert_null (reporting_cache_get (cache, "/reports/station?station=S1", 2000 + 60000000, &len));
    assert_null (reporting_cache_get (cache, "/reports/station?station=S2", 10, &len));

    //  Over the size: the oldest go first.
    char big [10000];
    memset (big, 'x', sizeof big);
    epoch = reporting_cache_epoch (cache);
    for (int i = 0; i < 20; i++) {
        char key [32];
        snprintf (key, sizeof key, "k%d", i);
        reporting_cache_put (cache, key, "S:S3", epoch, 3000, big, sizeof big);
    }
    size_t bytes = 0;
    reporting_cache_size (cache, &bytes);
    assert_true (bytes <= 64 * 1024);
    assert_null (reporting_cache_get (cache, "k0", 3000, &len));
    body = reporting_cache_get (cache, "k19", 3000, &len);
    assert_non_null (body);
    free (body);
    reporting_cache_clear (cache);
    assert_int_equal (reporting_cache_size (cache, NULL), 0);
    zhashx_destroy (&scopes);
    reporting_cache_destroy (&cache);
    reporting_cache_destroy (&cache);
    assert_null (cache);

    //  Size 0: the cache is off.
    cache = reporting_cache_new (0, 60000000);
    reporting_cache_put (cache, "a", "S:S1", reporting_cache_epoch (cache), 1, "x", 1);
    assert_null (reporting_cache_get (cache, "a", 1, &len));
    reporting_cache_destroy (&cache);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_days),
        cmocka_unit_test (test_fiscal_year),
        cmocka_unit_test (test_periods),
        cmocka_unit_test (test_quarters),
        cmocka_unit_test (test_money_and_shares),
        cmocka_unit_test (test_csv),
        cmocka_unit_test (test_json),
        cmocka_unit_test (test_text_and_html),
        cmocka_unit_test (test_format_names),
        cmocka_unit_test (test_cache),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
