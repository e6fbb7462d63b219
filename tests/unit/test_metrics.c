/*  ll_metrics: counters, gauges and histograms, and the Prometheus text
    they render to. The registry is process-wide, so each test uses its
    own metric names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ll_metrics.h"

//  How many times `needle` occurs in `text`.
static int
s_count (const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        n++;
    return n;
}

//  True if `text` holds `line` as a whole line.
static bool
s_has_line (const char *text, const char *line)
{
    size_t len = strlen (line);
    for (const char *p = strstr (text, line); p; p = strstr (p + 1, line))
        if ((p == text || p [-1] == '\n') && p [len] == '\n')
            return true;
    return false;
}

//  Checks every line is a comment or `name[{labels}] value`, as the
//  Prometheus text format (0.0.4) wants, and that the samples of one
//  name are contiguous and come after its single HELP and TYPE.
static void
s_check_exposition (const char *text)
{
    assert_true (strlen (text) > 0);
    assert_int_equal (text [strlen (text) - 1], '\n');
    char *copy = strdup (text);
    char *names [256];
    int nnames = 0;
    char *save = NULL;
    for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        if (strncmp (line, "# HELP ", 7) == 0 || strncmp (line, "# TYPE ", 7) == 0) {
            char name [128];
            assert_int_equal (sscanf (line + 7, "%127s", name), 1);
            //  A family's header comes once, before its first sample.
            if (strncmp (line, "# HELP ", 7) == 0) {
                for (int i = 0; i < nnames; i++)
                    assert_string_not_equal (names [i], name);
                assert_true (nnames < 256);
                names [nnames++] = strdup (name);
            }
            else {
                assert_true (nnames > 0);
                for (int i = 0; i < nnames - 1; i++)
                    assert_string_not_equal (names [i], name);
                assert_string_equal (names [nnames - 1], name);
                const char *type = line + 7 + strlen (name) + 1;
                assert_true (strcmp (type, "counter") == 0 || strcmp (type, "gauge") == 0
                          || strcmp (type, "histogram") == 0);
            }
            continue;
        }
        assert_true (line [0] != '#');
        const char *p = line;
        assert_true (isalpha ((unsigned char) *p) || *p == '_');
        while (isalnum ((unsigned char) *p) || *p == '_' || *p == ':')
            p++;
        //  The sample belongs to the family whose header came last.
        assert_true (nnames > 0);
        const char *family = names [nnames - 1];
        assert_int_equal (strncmp (line, family, strlen (family)), 0);
        if (*p == '{') {
            p = strchr (p, '}');
            assert_non_null (p);
            p++;
        }
        assert_int_equal (*p, ' ');
        char *end;
        strtod (p + 1, &end);
        assert_true (end > p + 1);
        assert_int_equal (*end, 0);
    }
    for (int i = 0; i < nnames; i++)
        free (names [i]);
    free (copy);
}

static void
test_counter (void **state)
{
    ll_metric_t *c = ll_metric_counter ("ut_requests_total", "kind=\"a\"", "Requests handled");
    assert_non_null (c);
    assert_int_equal (ll_metric_value (c), 0);
    ll_metric_add (c, 2);
    ll_metric_inc ("ut_requests_total", "kind=\"a\"", "Requests handled");
    //  Getting the same name and labels returns the same metric.
    assert_ptr_equal (ll_metric_counter ("ut_requests_total", "kind=\"a\"", NULL), c);
    assert_int_equal (ll_metric_value (c), 3);
    ll_metric_t *b = ll_metric_counter ("ut_requests_total", "kind=\"b\"", "Requests handled");
    assert_ptr_not_equal (b, c);
    ll_metric_inc ("ut_requests_total", "kind=\"b\"", "Requests handled");

    char *text = ll_metrics_render ();
    assert_non_null (text);
    s_check_exposition (text);
    assert_true (s_has_line (text, "# HELP ut_requests_total Requests handled"));
    assert_true (s_has_line (text, "# TYPE ut_requests_total counter"));
    assert_true (s_has_line (text, "ut_requests_total{kind=\"a\"} 3"));
    assert_true (s_has_line (text, "ut_requests_total{kind=\"b\"} 1"));
    free (text);
}

static void
test_unlabelled_and_gauge (void **state)
{
    ll_metric_t *g = ll_metric_gauge ("ut_queue_depth", NULL, "Items waiting");
    ll_metric_set (g, 17);
    ll_metric_set (g, 5);
    assert_int_equal (ll_metric_value (g), 5);
    ll_metric_add (g, -2);
    assert_int_equal (ll_metric_value (g), 3);
    ll_metric_t *c = ll_metric_counter ("ut_plain_total", NULL, "No labels");
    ll_metric_add (c, 9);
    //  NULL and "" labels name the same series.
    assert_ptr_equal (ll_metric_counter ("ut_plain_total", "", NULL), c);

    char *text = ll_metrics_render ();
    s_check_exposition (text);
    assert_true (s_has_line (text, "# TYPE ut_queue_depth gauge"));
    assert_true (s_has_line (text, "ut_queue_depth 3"));
    assert_true (s_has_line (text, "ut_plain_total 9"));
    assert_int_equal (s_count (text, "ut_plain_total{"), 0);
    free (text);
}

static void
test_histogram (void **state)
{
    ll_metric_t *h = ll_metric_histogram ("ut_batch_ms", "stage=\"commit\"", "Commit time");
    //  Bounds are 1,2,5,10,...,10000; an observation on a bound is in it.
    ll_metric_observe (h, 0.5);
    ll_metric_observe (h, 1);
    ll_metric_observe (h, 3);
    ll_metric_observe (h, 7);
    ll_metric_observe (h, 20000);
    assert_int_equal (ll_metric_value (h), 5);

    char *text = ll_metrics_render ();
    s_check_exposition (text);
    assert_true (s_has_line (text, "# TYPE ut_batch_ms histogram"));
    assert_true (s_has_line (text, "ut_batch_ms_bucket{stage=\"commit\",le=\"1\"} 2"));
    assert_true (s_has_line (text, "ut_batch_ms_bucket{stage=\"commit\",le=\"2\"} 2"));
    assert_true (s_has_line (text, "ut_batch_ms_bucket{stage=\"commit\",le=\"5\"} 3"));
    assert_true (s_has_line (text, "ut_batch_ms_bucket{stage=\"commit\",le=\"10\"} 4"));
    assert_true (s_has_line (text, "ut_batch_ms_bucket{stage=\"commit\",le=\"10000\"} 4"));
    assert_true (s_has_line (text, "ut_batch_ms_bucket{stage=\"commit\",le=\"+Inf\"} 5"));
    assert_true (s_has_line (text, "ut_batch_ms_sum{stage=\"commit\"} 20011.5"));
    assert_true (s_has_line (text, "ut_batch_ms_count{stage=\"commit\"} 5"));
    free (text);

    //  Without labels, `le` is the only label.
    ll_metric_t *u = ll_metric_histogram ("ut_size", NULL, "Sizes");
    ll_metric_observe (u, 2);
    text = ll_metrics_render ();
    s_check_exposition (text);
    assert_true (s_has_line (text, "ut_size_bucket{le=\"1\"} 0"));
    assert_true (s_has_line (text, "ut_size_bucket{le=\"2\"} 1"));
    assert_true (s_has_line (text, "ut_size_count 1"));
    assert_true (s_has_line (text, "ut_size_sum 2"));
    free (text);

    //  Sums keep every digit, not %g's six.
    ll_metric_t *big = ll_metric_histogram ("ut_big", NULL, "Big values");
    ll_metric_observe (big, 1234567);
    ll_metric_observe (big, 1);
    text = ll_metrics_render ();
    assert_true (s_has_line (text, "ut_big_sum 1234568"));
    free (text);
}

static void
test_one_header_per_name_and_samples_together (void **state)
{
    //  Label sets of one name created far apart still render as one family.
    ll_metric_inc ("ut_family_total", "x=\"1\"", "One family");
    ll_metric_inc ("ut_between_total", NULL, "Created in between");
    ll_metric_inc ("ut_family_total", "x=\"2\"", "One family");
    ll_metric_inc ("ut_family_total", "x=\"3\"", "One family");

    char *text = ll_metrics_render ();
    s_check_exposition (text);
    assert_int_equal (s_count (text, "# HELP ut_family_total "), 1);
    assert_int_equal (s_count (text, "# TYPE ut_family_total "), 1);
    assert_int_equal (s_count (text, "# HELP ut_between_total "), 1);
    const char *one = strstr (text, "ut_family_total{x=\"1\"} 1\n");
    const char *three = strstr (text, "ut_family_total{x=\"3\"} 1\n");
    const char *between = strstr (text, "\nut_between_total 1\n");
    assert_non_null (one);
    assert_non_null (three);
    assert_non_null (between);
    assert_true (between < one || between > three);
    free (text);
}

static void
test_help_is_escaped (void **state)
{
    ll_metric_inc ("ut_escaped_total", NULL, "Line one\nline two, a back\\slash");
    char *text = ll_metrics_render ();
    s_check_exposition (text);
    assert_true (s_has_line (text, "# HELP ut_escaped_total Line one\\nline two, a back\\\\slash"));
    free (text);
}

static void
test_null_metric_is_harmless (void **state)
{
    ll_metric_add (NULL, 1);
    ll_metric_set (NULL, 1);
    ll_metric_observe (NULL, 1);
    assert_int_equal (ll_metric_value (NULL), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_counter),
        cmocka_unit_test (test_unlabelled_and_gauge),
        cmocka_unit_test (test_histogram),
        cmocka_unit_test (test_one_header_per_name_and_samples_together),
        cmocka_unit_test (test_help_is_escaped),
        cmocka_unit_test (test_null_metric_is_harmless),
    };
    return cmocka_run_group_tests_name ("ll_metrics", tests, NULL, NULL);
}
