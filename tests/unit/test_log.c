/*  ll_log: JSON escaping, and that each record is one valid JSON object on
    one line of stderr. Stderr is pointed at a pipe for the duration of a
    test and read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ll_log.h"

// ---- a strict little JSON checker: enough for one log record

static bool s_value (const char **p);

static void
s_ws (const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static bool
s_string (const char **p)
{
    if (**p != '"')
        return false;
    for ((*p)++; **p != '"'; (*p)++) {
        unsigned char c = (unsigned char) **p;
        if (c < 0x20)
            return false;       // raw control characters are not allowed
        if (c == '\\') {
            (*p)++;
            if (**p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr ("0123456789abcdefABCDEF", (*p) [i]) || !(*p) [i])
                        return false;
                *p += 4;
            }
            else
            if (!**p || !strchr ("\"\\/bfnrt", **p))
                return false;
        }
    }
    (*p)++;
    return true;
}

static bool
s_number (const char **p)
{
    char *end;
    strtod (*p, &end);
    if (end == *p)
        return false;
    *p = end;
    return true;
}

static bool
s_object (const char **p)
{
    (*p)++;
    s_ws (p);
    if (**p == '}') {
        (*p)++;
        return true;
    }
    while (true) {
        s_ws (p);
        if (!s_string (p))
            return false;
        s_ws (p);
        if (**p != ':')
            return false;
        (*p)++;
        if (!s_value (p))
            return false;
        s_ws (p);
        if (**p == '}') {
            (*p)++;
            return true;
        }
        if (**p != ',')
            return false;
        (*p)++;
    }
}

static bool
s_value (const char **p)
{
    s_ws (p);
    if (**p == '{')
        return s_object (p);
    if (**p == '"')
        return s_string (p);
    return s_number (p);
}

//  True if `line` is exactly one JSON object.
static bool
s_is_json_object (const char *line)
{
    const char *p = line;
    s_ws (&p);
    if (*p != '{' || !s_object (&p))
        return false;
    s_ws (&p);
    return *p == 0;
}

// ---- capturing stderr

typedef struct {
    int saved;
    int read_fd;
} capture_t;

static void
s_capture_start (capture_t *cap)
{
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    //  Non-blocking, so "nothing was logged" reads as EAGAIN, not a hang.
    fcntl (fds [0], F_SETFL, O_NONBLOCK);
    fflush (stderr);
    cap->saved = dup (STDERR_FILENO);
    assert_true (cap->saved >= 0);
    assert_true (dup2 (fds [1], STDERR_FILENO) >= 0);
    close (fds [1]);
    cap->read_fd = fds [0];
}

//  Restores stderr and returns what was written (caller frees).
static char *
s_capture_end (capture_t *cap)
{
    dup2 (cap->saved, STDERR_FILENO);
    close (cap->saved);
    size_t cap_bytes = 65536, len = 0;
    char *text = malloc (cap_bytes);
    assert_non_null (text);
    ssize_t n;
    while ((n = read (cap->read_fd, text + len, cap_bytes - 1 - len)) > 0)
        len += (size_t) n;
    text [len] = 0;
    close (cap->read_fd);
    return text;
}

// ---- tests

static void
test_escape_quotes_and_backslash (void **state)
{
    char buf [64];
    size_t len = ll_json_escape (buf, 0, sizeof buf, "say \"hi\" \\ bye");
    assert_string_equal (buf, "say \\\"hi\\\" \\\\ bye");
    assert_int_equal (len, strlen (buf));
}

static void
test_escape_control_characters (void **state)
{
    char buf [128];
    size_t len = ll_json_escape (buf, 0, sizeof buf, "a\nb\tc\rd\x01" "e\x1f" "f\x7f");
    assert_string_equal (buf, "a\\nb\\tc\\u000dd\\u0001e\\u001ff\x7f");
    assert_int_equal (len, strlen (buf));
    //  UTF-8 passes through untouched.
    len = ll_json_escape (buf, 0, sizeof buf, "Zoë’s café");
    assert_string_equal (buf, "Zoë’s café");
}

static void
test_escape_appends (void **state)
{
    char buf [64] = "{\"k\":\"";
    size_t len = ll_json_escape (buf, strlen (buf), sizeof buf, "v\"");
    assert_string_equal (buf, "{\"k\":\"v\\\"");
    assert_int_equal (len, strlen (buf));
    assert_int_equal (ll_json_escape (buf, len, sizeof buf, NULL), len);
}

static void
test_escape_truncates_whole_escapes (void **state)
{
    //  Whatever the capacity, the output is terminated, fits, and never
    //  ends in half an escape sequence.
    const char *input = "\"\"\"\x01\x01\x01\\\\\\abcdefghij";
    for (size_t cap = 1; cap < 64; cap++) {
        char buf [64];
        memset (buf, 'X', sizeof buf);
        size_t len = ll_json_escape (buf, 0, cap, input);
        assert_true (len < cap);
        assert_int_equal (buf [len], 0);
        assert_int_equal (buf [cap], 'X');      // nothing past the capacity
        char line [80];
        snprintf (line, sizeof line, "{\"m\":\"%s\"}", buf);
        assert_true (s_is_json_object (line));
    }
}

static void
test_record_is_one_json_line (void **state)
{
    unsetenv ("LEADLINE_LOG_LEVEL");
    ll_log_init ("unit-test");
    capture_t cap;
    s_capture_start (&cap);
    ll_info ("test.event", "station \"%s\"\nsaid\t%d\x01 things \\o/", "Main St", 3);
    char *text = s_capture_end (&cap);

    size_t len = strlen (text);
    assert_true (len > 2);
    assert_int_equal (text [len - 1], '\n');
    assert_ptr_equal (strchr (text, '\n'), text + len - 1);      // one line
    text [len - 1] = 0;
    assert_true (s_is_json_object (text));
    assert_non_null (strstr (text, "\"level\":\"info\""));
    assert_non_null (strstr (text, "\"service\":\"unit-test\""));
    assert_non_null (strstr (text, "\"event\":\"test.event\""));
    assert_non_null (strstr (text,
        "\"msg\":\"station \\\"Main St\\\"\\nsaid\\t3\\u0001 things \\\\o/\""));
    assert_non_null (strstr (text, "\"ts\":\""));
    assert_non_null (strstr (text, "\"pid\":"));
    free (text);
}

static void
test_long_message_stays_valid (void **state)
{
    ll_log_init ("unit-test");
    //  Escaping doubles every quote: the record must be cut, and still parse.
    char msg [3000];
    memset (msg, '"', sizeof msg - 1);
    msg [sizeof msg - 1] = 0;
    char event [2100];
    memset (event, '\\', sizeof event - 1);
    event [sizeof event - 1] = 0;
    capture_t cap;
    s_capture_start (&cap);
    ll_warn (event, "%s", msg);
    char *text = s_capture_end (&cap);
    size_t len = strlen (text);
    assert_true (len > 1000);
    assert_int_equal (text [len - 1], '\n');
    text [len - 1] = 0;
    assert_null (strchr (text, '\n'));
    assert_true (s_is_json_object (text));
    free (text);
}

static void
test_level_filter (void **state)
{
    setenv ("LEADLINE_LOG_LEVEL", "warn", 1);
    ll_log_init ("unit-test");
    capture_t cap;
    s_capture_start (&cap);
    ll_debug ("test.debug", "hidden");
    ll_info ("test.info", "hidden");
    ll_warn ("test.warn", "shown");
    ll_error ("test.error", "shown");
    char *text = s_capture_end (&cap);
    assert_null (strstr (text, "hidden"));
    assert_non_null (strstr (text, "\"event\":\"test.warn\""));
    assert_non_null (strstr (text, "\"level\":\"error\""));
    free (text);

    //  Levels are case-insensitive; debug shows everything.
    setenv ("LEADLINE_LOG_LEVEL", "DEBUG", 1);
    ll_log_init ("unit-test");
    s_capture_start (&cap);
    ll_debug ("test.debug", "shown");
    text = s_capture_end (&cap);
    assert_non_null (strstr (text, "\"level\":\"debug\""));
    free (text);

    //  Unset (or unknown) is back to the default, info.
    unsetenv ("LEADLINE_LOG_LEVEL");
    ll_log_init ("unit-test");
    s_capture_start (&cap);
    ll_debug ("test.debug", "hidden");
    ll_info ("test.info", "shown");
    text = s_capture_end (&cap);
    assert_null (strstr (text, "hidden"));
    assert_non_null (strstr (text, "\"event\":\"test.info\""));
    free (text);

    setenv ("LEADLINE_LOG_LEVEL", "loud", 1);
    ll_log_init ("unit-test");
    s_capture_start (&cap);
    ll_debug ("test.debug", "hidden");
    ll_info ("test.info", "shown");
    text = s_capture_end (&cap);
    assert_null (strstr (text, "hidden"));
    assert_non_null (strstr (text, "shown"));
    free (text);
    unsetenv ("LEADLINE_LOG_LEVEL");
}

static void
test_service_name_is_escaped (void **state)
{
    ll_log_init ("odd\"name");
    capture_t cap;
    s_capture_start (&cap);
    ll_info ("test.event", "x");
    char *text = s_capture_end (&cap);
    text [strlen (text) - 1] = 0;
    assert_true (s_is_json_object (text));
    free (text);
    ll_log_init ("unit-test");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_escape_quotes_and_backslash),
        cmocka_unit_test (test_escape_control_characters),
        cmocka_unit_test (test_escape_appends),
        cmocka_unit_test (test_escape_truncates_whole_escapes),
        cmocka_unit_test (test_record_is_one_json_line),
        cmocka_unit_test (test_long_message_stays_valid),
        cmocka_unit_test (test_level_filter),
        cmocka_unit_test (test_service_name_is_escaped),
    };
    return cmocka_run_group_tests_name ("ll_log", tests, NULL, NULL);
}
