/*  terminal_csv, terminal_json and terminal_file: card files as spreadsheets
    and scripts write them, and every way they can be malformed, each
    reported with its line (and column where it helps) and what to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "terminal_card.h"
#include "terminal_csv.h"
#include "terminal_file.h"
#include "terminal_json.h"

//  --------------------------------------------------------------------------
//  CSV

static void
test_csv_records (void **state)
{
    const char *text =
        "\xEF\xBB\xBF" "a,b,c\r\n"
        "1,\"two, with comma\",3\r\n"
        "\n"
        "\"say \"\"hi\"\"\",,\"multi\nline\"\n"
        "   \n"
        "x,\"\" ,last";
    terminal_csv_t *csv = terminal_csv_new (text, strlen (text));
    char **f;
    int line;
    char err [256];
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 3);
    assert_int_equal (line, 1);
    assert_string_equal (f [0], "a");
    assert_string_equal (f [2], "c");
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 3);
    assert_int_equal (line, 2);
    assert_string_equal (f [1], "two, with comma");
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 3);
    assert_int_equal (line, 4);
    assert_string_equal (f [0], "say \"hi\"");
    assert_string_equal (f [1], "");
    assert_string_equal (f [2], "multi\nline");
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 3);
    assert_int_equal (line, 7);                     // the line count saw the quoted break
    assert_string_equal (f [1], "");
    assert_string_equal (f [2], "last");
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 0);
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 0);
    terminal_csv_destroy (&csv);
    terminal_csv_destroy (&csv);

    //  An unquoted quote is kept as text
    const char *lenient = "5\" tube,ok\n";
    csv = terminal_csv_new (lenient, strlen (lenient));
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 2);
    assert_string_equal (f [0], "5\" tube");
    terminal_csv_destroy (&csv);

    //  Many fields, long fields: buffers grow
    char *big = malloc (200000);
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += sprintf (big + n, "%sfield%d", i ? "," : "", i);
    n += sprintf (big + n, ",\"");
    for (int i = 0; i < 50000; i++)
        big [n++] = 'y';
    n += sprintf (big + n, "\"\n");
    csv = terminal_csv_new (big, n);
    assert_int_equal (terminal_csv_next (csv, &f, &line, err, sizeof err), 101);
    assert_string_equal (f [99], "field99");
    assert_int_equal (strlen (f [100]), 50000);
    terminal_csv_destroy (&csv);
    free (big);
}

static void
test_csv_errors (void **state)
{
    const struct { const char *text; size_t size; const char *says; } cases [] = {
        { "a,b\n1,\"open\n\n", 0, "line 2: a quoted field is never closed" },
        { "a,b\n1,\"closed\"x\n", 0, "line 2, column 11: text after a closing quote" },
        { "a,b\n1,2\0,3\n", 11, "NUL byte" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        size_t size = cases [i].size ? cases [i].size : strlen (cases [i].text);
        terminal_csv_t *csv = terminal_csv_new (cases [i].text, size);
        char **f;
        int line, rc;
        char err [256] = "";
        while ((rc = terminal_csv_next (csv, &f, &line, err, sizeof err)) > 0)
            ;
        assert_int_equal (rc, -1);
        if (!strstr (err, cases [i].says))
            fail_msg ("case %zu: '%s' does not say '%s'", i, err, cases [i].says);
        terminal_csv_destroy (&csv);
    }
}

static void
s_destroy_list (zlistx_t **list)
{
    zlistx_destroy (list);
}

static void
test_csv_cards (void **state)
{
    const char *text =
        "Station,Employee ID,program,Card Time,Business Name,address,zip,contact,phone,"
        "email,products,notes,key\n"
        "S1,E1,clerks-care,2024-05-01T10:00Z,Acme,1 Main St,02134,Ana,617-555-0100,,"
        "\"priority-mail; eddm\",\"call, after 3\",key-00000001\n"
        "S1,E2,rural-reach,,Bolt Co,,02135,Bo,,bo@bolt.example\n";
    char err [512];
    zlistx_t *cards = terminal_file_parse (text, strlen (text), "csv", "cards.csv",
                                           err, sizeof err);
    assert_non_null (cards);
    assert_int_equal (zlistx_size (cards), 2);
    terminal_card_t *card = zlistx_first (cards);
    assert_int_equal (terminal_card_line (card), 2);
    assert_string_equal (terminal_card_get (card, TERMINAL_EMPLOYEE), "E1");
    assert_string_equal (terminal_card_get (card, TERMINAL_PRODUCTS), "priority-mail; eddm");
    assert_string_equal (terminal_card_get (card, TERMINAL_NOTES), "call, after 3");
    assert_string_equal (terminal_card_get (card, TERMINAL_KEY), "key-00000001");
    card = zlistx_next (cards);
    assert_int_equal (terminal_card_line (card), 3);
    assert_null (terminal_card_get (card, TERMINAL_CARD_TIME));    // fewer fields: absent
    assert_null (terminal_card_get (card, TERMINAL_NOTES));
    assert_string_equal (terminal_card_get (card, TERMINAL_EMAIL), "bo@bolt.example");
    s_destroy_list (&cards);

    const struct { const char *text; const char *says; } bad [] = {
        { "", "cards.csv is empty" },
        { "station,phnoe\nS1,1\n", "cards.csv:1, column 2: unknown column 'phnoe'" },
        { "zip,ZIP code\n1,2\n", "column 'zip' appears twice" },
        { "zip,phone\n1,2,3\n", "cards.csv:2: the row has 3 fields but the header names 2" },
        { "zip,phone\n\"1,2\n", "never closed" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        cards = terminal_file_parse (bad [i].text, strlen (bad [i].text), "csv", "cards.csv",
                                     err, sizeof err);
        assert_null (cards);
        if (!strstr (err, bad [i].says))
            fail_msg ("case %zu: '%s' does not say '%s'", i, err, bad [i].says);
    }
    //  Trailing empty fields beyond the header are what spreadsheets write
    const char *trailing = "zip,phone\n02134,555,,\n";
    cards = terminal_file_parse (trailing, strlen (trailing), "csv", "t.csv", err, sizeof err);
    assert_non_null (cards);
    s_destroy_list (&cards);
}

//  --------------------------------------------------------------------------
//  JSON

static void
test_json_values (void **state)
{
    const char *text =
        "{\n"
        "  \"s\": \"caf\\u00e9 \\\"q\\\" \\n \\/ \\ud83d\\udce6 ✓\",\n"
        "  \"n\": [0, -1, 2.5, 1e3, -0.5E-2],\n"
        "  \"t\": true, \"f\": false, \"z\": null,\n"
        "  \"o\": {}, \"a\": []\n"
        "}\n";
    char err [256];
    terminal_json_t *root = terminal_json_parse (text, strlen (text), err, sizeof err);
    assert_non_null (root);
    assert_int_equal (root->type, TERMINAL_JSON_OBJECT);
    assert_int_equal (root->count, 7);
    assert_string_equal (root->keys [0], "s");
    assert_string_equal (root->items [0]->text, "caf\xC3\xA9 \"q\" \n / \xF0\x9F\x93\xA6 ✓");
    assert_int_equal (root->items [0]->line, 2);
    terminal_json_t *numbers = root->items [1];
    assert_int_equal (numbers->count, 5);
    assert_string_equal (numbers->items [4]->text, "-0.5E-2");
    assert_int_equal (numbers->items [0]->line, 3);
    assert_true (root->items [2]->boolean);
    assert_false (root->items [3]->boolean);
    assert_int_equal (root->items [4]->type, TERMINAL_JSON_NULL);
    assert_int_equal (root->items [5]->type, TERMINAL_JSON_OBJECT);
    assert_int_equal (root->items [6]->count, 0);
    terminal_json_destroy (&root);
    terminal_json_destroy (&root);
}

static void
test_json_errors (void **state)
{
    char deep [200];
    memset (deep, '[', 100);
    deep [100] = 0;
    const struct { const char *text; const char *says; } cases [] = {
        { "", "ends where a value was expected" },
        { "[1,]", "trailing comma" },
        { "{\"a\" 1}", "expected ':'" },
        { "{a: 1}", "member name in double quotes" },
        { "[1 2]", "expected ',' or ']'" },
        { "\"open", "never closed" },
        { "\"a\nb\"", "past the end of the line" },
        { "\"\\x\"", "unknown escape" },
        { "\"\\u12\"", "four hex digits" },
        { "\"\\ud800\"", "missing its second half" },
        { "\"\\udc00\"", "lone" },
        { "\"\\u0000\"", "\\u0000" },
        { "\"\xC3\x28\"", "not UTF-8" },
        { "\"\xED\xA0\x80\"", "not UTF-8" },     // an encoded surrogate
        { "\"\xC0\xAF\"", "not UTF-8" },         // overlong
        { "01", "text after the end" },
        { "1.", "digits after the decimal point" },
        { "1e", "digits in its exponent" },
        { "-", "expected a value" },
        { "tru", "expected a value" },
        { "[1] [2]", "text after the end" },
        { "\n\n  [1,\n   @]", "line 4, column 4" },
        { deep, "nested too deeply" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char err [256] = "";
        terminal_json_t *root = terminal_json_parse (cases [i].text, strlen (cases [i].text),
                                                     err, sizeof err);
        assert_null (root);
        if (!strstr (err, cases [i].says))
            fail_msg ("case %zu: '%s' does not say '%s'", i, err, cases [i].says);
    }
    char err [256];
    assert_null (terminal_json_parse ("[1]\0", 4, err, sizeof err));
    assert_non_null (strstr (err, "NUL"));
}

static void
test_json_cards (void **state)
{
    const char *text =
        "[\n"
        "  {\"station\": \"S1\", \"employee\": \"E1\", \"program\": \"clerks-care\",\n"
        "   \"business\": \"Acme\", \"zip\": 2134, \"phone\": \"617-555-0100\",\n"
        "   \"products\": [\"priority-mail\", \"eddm\"], \"notes\": null},\n"
        "  {\"Business Name\": \"Bolt\", \"products\": \"ground\", \"card_time\": \"now\"}\n"
        "]\n";
    char err [512];
    zlistx_t *cards = terminal_file_parse (text, strlen (text), "json", "cards.json",
                                           err, sizeof err);
    assert_non_null (cards);
    assert_int_equal (zlistx_size (cards), 2);
    terminal_card_t *card = zlistx_first (cards);
    assert_int_equal (terminal_card_line (card), 2);
    assert_string_equal (terminal_card_get (card, TERMINAL_ZIP), "2134");
    assert_string_equal (terminal_card_get (card, TERMINAL_PRODUCTS), "priority-mail,eddm");
    assert_null (terminal_card_get (card, TERMINAL_NOTES));
    card = zlistx_next (cards);
    assert_int_equal (terminal_card_line (card), 5);
    assert_string_equal (terminal_card_get (card, TERMINAL_BUSINESS), "Bolt");
    assert_string_equal (terminal_card_get (card, TERMINAL_CARD_TIME), "now");
    s_destroy_list (&cards);

    //  A single object is one card
    const char *one = "{\"zip\": \"02134\"}";
    cards = terminal_file_parse (one, strlen (one), "json", "one.json", err, sizeof err);
    assert_non_null (cards);
    assert_int_equal (zlistx_size (cards), 1);
    s_destroy_list (&cards);

    const struct { const char *text; const char *says; } bad [] = {
        { "[{\"zip\": \"1\"},\n \"card\"]", "cards.json:2: expected a card" },
        { "[{\n\"phnoe\": \"1\"}]", "cards.json:2: unknown member \"phnoe\"" },
        { "[{\"zip\": \"1\", \"ZIP\": \"2\"}]", "given twice" },
        { "[{\"zip\": true}]", "\"zip\" is true/false" },
        { "[{\"zip\": {\"a\": 1}}]", "\"zip\" is an object" },
        { "[{\"notes\": [\"a\"]}]", "\"notes\" is an array" },
        { "[{\"products\": [1]}]", "as strings" },
        { "[{\"zip\": \"1\"", "expected ',' or '}'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        cards = terminal_file_parse (bad [i].text, strlen (bad [i].text), "json",
                                     "cards.json", err, sizeof err);
        assert_null (cards);
        if (!strstr (err, bad [i].says))
            fail_msg ("case %zu: '%s' does not say '%s'", i, err, bad [i].says);
    }
    assert_null (terminal_file_parse ("x", 1, "xml", "f", err, sizeof err));
    assert_non_null (strstr (err, "csv or json"));
}

static void
test_file_load (void **state)
{
    char dir [] = "/tmp/terminal-file-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char path [256], err [512];
    //  The format follows the extension, else the first character
    snprintf (path, sizeof path, "%s/cards.txt", dir);
    FILE *file = fopen (path, "w");
    fprintf (file, "  [{\"zip\": \"02134\"}]");
    fclose (file);
    zlistx_t *cards = terminal_file_load (path, NULL, err, sizeof err);
    assert_non_null (cards);
    assert_int_equal (zlistx_size (cards), 1);
    s_destroy_list (&cards);
    file = fopen (path, "w");
    fprintf (file, "zip\n02134\n02135\n");
    fclose (file);
    cards = terminal_file_load (path, NULL, err, sizeof err);
    assert_non_null (cards);
    assert_int_equal (zlistx_size (cards), 2);
    s_destroy_list (&cards);
    unlink (path);
    //  A big file, read in several chunks
    snprintf (path, sizeof path, "%s/big.csv", dir);
    file = fopen (path, "w");
    fprintf (file, "station,employee,business,zip,phone\n");
    for (int i = 0; i < 5000; i++)
        fprintf (file, "S1,E1,Business number %d,%05d,617555%04d\n", i, i, i);
    fclose (file);
    cards = terminal_file_load (path, NULL, err, sizeof err);
    assert_non_null (cards);
    assert_int_equal (zlistx_size (cards), 5000);
    assert_int_equal (terminal_card_line (zlistx_last (cards)), 5001);
    s_destroy_list (&cards);
    unlink (path);
    assert_null (terminal_file_load ("/nonexistent/cards.csv", NULL, err, sizeof err));
    assert_non_null (strstr (err, "cannot open /nonexistent/cards.csv"));
    rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_csv_records),
        cmocka_unit_test (test_csv_errors),
        cmocka_unit_test (test_csv_cards),
        cmocka_unit_test (test_json_values),
        cmocka_unit_test (test_json_errors),
        cmocka_unit_test (test_json_cards),
        cmocka_unit_test (test_file_load),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
