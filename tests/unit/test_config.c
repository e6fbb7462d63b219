/*  ll_config: the KEY=VALUE file, the environment overriding it, and the
    typed readers. Every variable these tests touch starts with LL_T_ so
    nothing a developer has set leaks in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ll_config.h"

//  Writes `text` to a new temp file; returns its path (caller frees and unlinks).
static char *
s_write_file (const char *text)
{
    char *path = strdup ("/tmp/ll_config_test.XXXXXX");
    assert_non_null (path);
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    size_t len = strlen (text);
    assert_int_equal (write (fd, text, len), (ssize_t) len);
    close (fd);
    return path;
}

static void
s_remove (char *path)
{
    unlink (path);
    free (path);
}

static void
test_file_loads_values (void **state)
{
    unsetenv ("LL_T_PLAIN");
    unsetenv ("LL_T_SPACED");
    unsetenv ("LL_T_SINGLE");
    unsetenv ("LL_T_DOUBLE");
    unsetenv ("LL_T_EMPTY");
    unsetenv ("LL_T_EQUALS");
    char *path = s_write_file (
        "# a comment\n"
        "\n"
        "LL_T_PLAIN=hello\n"
        "   LL_T_SPACED  =  two words  \n"
        "\t# indented comment\n"
        "LL_T_SINGLE='single quoted'\n"
        "LL_T_DOUBLE=\"host=/tmp port=5432\"\n"
        "LL_T_EMPTY=\n"
        "LL_T_EQUALS=a=b=c");       // last line without a newline
    char err [256] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), 0);
    assert_string_equal (ll_config_str ("LL_T_PLAIN", NULL), "hello");
    assert_string_equal (ll_config_str ("LL_T_SPACED", NULL), "two words");
    assert_string_equal (ll_config_str ("LL_T_SINGLE", NULL), "single quoted");
    assert_string_equal (ll_config_str ("LL_T_DOUBLE", NULL), "host=/tmp port=5432");
    assert_string_equal (ll_config_str ("LL_T_EQUALS", NULL), "a=b=c");
    //  An empty value counts as unset, so the default applies.
    assert_non_null (getenv ("LL_T_EMPTY"));
    assert_string_equal (ll_config_str ("LL_T_EMPTY", "dflt"), "dflt");
    assert_string_equal (ll_config_str ("LL_T_NEVER_SET", "dflt"), "dflt");
    assert_null (ll_config_str ("LL_T_NEVER_SET", NULL));
    s_remove (path);
}

static void
test_environment_overrides_file (void **state)
{
    setenv ("LL_T_OVERRIDE", "from-env", 1);
    unsetenv ("LL_T_FROM_FILE");
    char *path = s_write_file ("LL_T_OVERRIDE=from-file\nLL_T_FROM_FILE=file\n");
    char err [256] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), 0);
    assert_string_equal (ll_config_str ("LL_T_OVERRIDE", NULL), "from-env");
    assert_string_equal (ll_config_str ("LL_T_FROM_FILE", NULL), "file");
    s_remove (path);
}

static void
test_file_fills_empty_variables (void **state)
{
    //  Set but empty counts as unset everywhere, so the file fills it in.
    setenv ("LL_T_BLANK", "", 1);
    char *path = s_write_file ("LL_T_BLANK=from-file\n");
    char err [256] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), 0);
    assert_string_equal (ll_config_str ("LL_T_BLANK", NULL), "from-file");
    s_remove (path);
}

static void
test_long_line_is_refused (void **state)
{
    //  A line too long for the buffer is an error, not two half-lines.
    size_t size = 5000;
    char *text = malloc (size + 64);
    strcpy (text, "LL_T_FIRST=1\nLL_T_LONG=");
    size_t at = strlen (text);
    memset (text + at, 'v', size);
    strcpy (text + at + size, "\nLL_T_LAST=1\n");
    char *path = s_write_file (text);
    free (text);
    char err [512] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), -1);
    char where [256];
    snprintf (where, sizeof where, "%s:2:", path);
    assert_non_null (strstr (err, where));
    assert_non_null (strstr (err, "longer"));
    s_remove (path);

    //  A last line without a newline that fits is fine.
    unsetenv ("LL_T_TAIL");
    path = s_write_file ("LL_T_TAIL=end");
    assert_int_equal (ll_config_load_file (path, err, sizeof err), 0);
    assert_string_equal (ll_config_str ("LL_T_TAIL", NULL), "end");
    s_remove (path);
}

static void
test_bad_line_names_file_and_line (void **state)
{
    unsetenv ("LL_T_BEFORE");
    char *path = s_write_file ("# settings\nLL_T_BEFORE=1\nthis line has no equals sign\nLL_T_AFTER=2\n");
    char err [512] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), -1);
    char where [256];
    snprintf (where, sizeof where, "%s:3:", path);
    assert_non_null (strstr (err, where));
    assert_non_null (strstr (err, "KEY=VALUE"));
    assert_non_null (strstr (err, "this line has no equals sign"));
    s_remove (path);
}

static void
test_empty_key_is_a_bad_line (void **state)
{
    char *path = s_write_file ("LL_T_OK=1\n = value\n");
    char err [512] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), -1);
    char where [256];
    snprintf (where, sizeof where, "%s:2:", path);
    assert_non_null (strstr (err, where));
    s_remove (path);
}

static void
test_missing_file_is_reported (void **state)
{
    char err [512] = "";
    assert_int_equal (ll_config_load_file ("/nonexistent/leadline.conf", err, sizeof err), -1);
    assert_non_null (strstr (err, "/nonexistent/leadline.conf"));
}

static void
test_integers (void **state)
{
    setenv ("LL_T_INT", "42", 1);
    assert_int_equal (ll_config_int ("LL_T_INT", 7), 42);
    setenv ("LL_T_INT", "-15", 1);
    assert_int_equal (ll_config_int ("LL_T_INT", 7), -15);
    //  Anything that is not wholly a number falls back to the default.
    setenv ("LL_T_INT", "12abc", 1);
    assert_int_equal (ll_config_int ("LL_T_INT", 7), 7);
    setenv ("LL_T_INT", "abc", 1);
    assert_int_equal (ll_config_int ("LL_T_INT", 7), 7);
    setenv ("LL_T_INT", "99999999999999999999999", 1);
    assert_int_equal (ll_config_int ("LL_T_INT", 7), 7);
    setenv ("LL_T_INT", "", 1);
    assert_int_equal (ll_config_int ("LL_T_INT", 7), 7);
    unsetenv ("LL_T_INT");
    assert_int_equal (ll_config_int ("LL_T_INT", 7), 7);
}

static void
test_integers_from_file (void **state)
{
    unsetenv ("LL_T_FILE_INT");
    char *path = s_write_file ("LL_T_FILE_INT = 5000 \n");
    char err [256] = "";
    assert_int_equal (ll_config_load_file (path, err, sizeof err), 0);
    assert_int_equal (ll_config_int ("LL_T_FILE_INT", 0), 5000);
    s_remove (path);
}

static void
test_booleans (void **state)
{
    const char *truths [] = { "1", "true", "TRUE", "yes", "Yes", "on", "ON" };
    for (size_t i = 0; i < sizeof truths / sizeof truths [0]; i++) {
        setenv ("LL_T_BOOL", truths [i], 1);
        assert_true (ll_config_bool ("LL_T_BOOL", false));
    }
    const char *falsehoods [] = { "0", "false", "False", "no", "NO", "off", "Off" };
    for (size_t i = 0; i < sizeof falsehoods / sizeof falsehoods [0]; i++) {
        setenv ("LL_T_BOOL", falsehoods [i], 1);
        assert_false (ll_config_bool ("LL_T_BOOL", true));
    }
    //  A word that is neither keeps the default, as ll_config_int does.
    setenv ("LL_T_BOOL", "maybe", 1);
    assert_true (ll_config_bool ("LL_T_BOOL", true));
    assert_false (ll_config_bool ("LL_T_BOOL", false));
    setenv ("LL_T_BOOL", "", 1);
    assert_true (ll_config_bool ("LL_T_BOOL", true));
    unsetenv ("LL_T_BOOL");
    assert_true (ll_config_bool ("LL_T_BOOL", true));
    assert_false (ll_config_bool ("LL_T_BOOL", false));
}

static void
test_db_default_and_override (void **state)
{
    unsetenv ("LEADLINE_DB");
    const char *dflt = ll_config_db ();
    assert_non_null (strstr (dflt, "dbname=leadline"));
    setenv ("LEADLINE_DB", "host=/tmp/x dbname=other", 1);
    assert_string_equal (ll_config_db (), "host=/tmp/x dbname=other");
    unsetenv ("LEADLINE_DB");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_file_loads_values),
        cmocka_unit_test (test_environment_overrides_file),
        cmocka_unit_test (test_file_fills_empty_variables),
        cmocka_unit_test (test_long_line_is_refused),
        cmocka_unit_test (test_bad_line_names_file_and_line),
        cmocka_unit_test (test_empty_key_is_a_bad_line),
        cmocka_unit_test (test_missing_file_is_reported),
        cmocka_unit_test (test_integers),
        cmocka_unit_test (test_integers_from_file),
        cmocka_unit_test (test_booleans),
        cmocka_unit_test (test_db_default_and_override),
    };
    return cmocka_run_group_tests_name ("ll_config", tests, NULL, NULL);
}
