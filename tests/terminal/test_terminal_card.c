/*  terminal_card and terminal_args: the parsers every input path shares
    (programs, products, card times, field names, intake's error paths),
    keys, the encoding into a SubmitLead envelope and back, and the command
    line of `leadline terminal`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ll_clock.h"
#include "ll_envelope.h"
#include "terminal_args.h"
#include "terminal_card.h"

static void
test_programs (void **state)
{
    Leadline__V1__Program program;
    terminal_problem_t problem;
    const struct { const char *text; Leadline__V1__Program want; } cases [] = {
        { "customer-connect", LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT },
        { "Clerks' Care", LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE },
        { "clerks_care", LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE },
        { "PROGRAM_MAIL_HANDLERS", LEADLINE__V1__PROGRAM__PROGRAM_MAIL_HANDLERS },
        { " Rural Reach ", LEADLINE__V1__PROGRAM__PROGRAM_RURAL_REACH },
        { "business-connect", LEADLINE__V1__PROGRAM__PROGRAM_BUSINESS_CONNECT },
        { "Submit a Lead", LEADLINE__V1__PROGRAM__PROGRAM_SUBMIT_A_LEAD },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        assert_int_equal (terminal_parse_program (cases [i].text, &program, &problem), 0);
        assert_int_equal (program, cases [i].want);
    }
    assert_int_equal (terminal_parse_program ("carrier-connect", &program, &problem), -1);
    assert_int_equal (problem.field, TERMINAL_PROGRAM);
    assert_string_equal (problem.code, "enum");
    assert_non_null (strstr (problem.message, "carrier-connect"));
    assert_non_null (strstr (problem.hint, "customer-connect"));
    assert_int_equal (terminal_parse_program ("", &program, NULL), -1);
    assert_string_equal (terminal_program_name (LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE),
                         "clerks-care");
}

static void
test_products (void **state)
{
    Leadline__V1__Product product;
    terminal_problem_t problem;
    const struct { const char *text; Leadline__V1__Product want; } cases [] = {
        { "priority-mail", LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL },
        { "Priority Mail Express", LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL_EXPRESS },
        { "parcels", LEADLINE__V1__PRODUCT__PRODUCT_GROUND },
        { "ground", LEADLINE__V1__PRODUCT__PRODUCT_GROUND },
        { "Direct Mail", LEADLINE__V1__PRODUCT__PRODUCT_DIRECT_MAIL },
        { "EDDM", LEADLINE__V1__PRODUCT__PRODUCT_EDDM },
        { "first-class", LEADLINE__V1__PRODUCT__PRODUCT_FIRST_CLASS },
        { "international", LEADLINE__V1__PRODUCT__PRODUCT_INTERNATIONAL },
        { "P.O. Box", LEADLINE__V1__PRODUCT__PRODUCT_PO_BOX },
        { "PRODUCT_PO_BOX", LEADLINE__V1__PRODUCT__PRODUCT_PO_BOX },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        assert_int_equal (terminal_parse_product (cases [i].text, &product, &problem), 0);
        assert_int_equal (product, cases [i].want);
    }
    assert_int_equal (terminal_parse_product ("stamps", &product, &problem), -1);
    assert_int_equal (problem.field, TERMINAL_PRODUCTS);
    assert_non_null (strstr (problem.hint, "priority-mail"));
}

static void
test_times (void **state)
{
    setenv ("TZ", "UTC", 1);
    tzset ();
    int64_t us, now = 1714573800000000LL;       // 2024-05-01T14:30:00Z
    terminal_problem_t problem;
    assert_int_equal (terminal_parse_time ("now", now, &us, &problem), 0);
    assert_true (us == now);
    assert_int_equal (terminal_parse_time (" NOW ", now, &us, &problem), 0);
    assert_true (us == now);
    assert_int_equal (terminal_parse_time ("2024-05-01T14:30:00Z", now, &us, &problem), 0);
    assert_true (us == now);
    assert_int_equal (terminal_parse_time ("2024-05-01 14:30", now, &us, &problem), 0);
    assert_true (us == now);                    // local time, which is UTC here
    assert_int_equal (terminal_parse_time ("2024-05-01T10:30:00-04:00", now, &us, &problem), 0);
    assert_true (us == now);
    assert_int_equal (terminal_parse_time ("2024-05-01T16:00+0130", now, &us, &problem), 0);
    assert_true (us == now);
    assert_int_equal (terminal_parse_time ("2024-05-01T14:30:00.25Z", now, &us, &problem), 0);
    assert_true (us == now + 250000);
    assert_int_equal (terminal_parse_time ("2024-05-01T14:30:00.1234567Z", now, &us, &problem), 0);
    assert_true (us == now + 123456);
    assert_int_equal (terminal_parse_time ("2024-05-01", now, &us, &problem), 0);
    assert_true (us == now - (14 * 3600 + 30 * 60) * 1000000LL);
    assert_int_equal (terminal_parse_time ("2024-02-29", now, &us, &problem), 0);
    assert_int_equal (terminal_parse_time ("1970-01-01T00:00:00Z", now, &us, &problem), 0);
    assert_true (us == 0);

    const char *bad [] = {
        "", "yesterday", "2024-5-1", "2024-05-01T14", "2024-05-01T14:30:00Q",
        "2024-05-01T14:30:00.Z", "2024-05-01T14:30 junk", "20240501", "2024-05-01T14:30:00+",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (terminal_parse_time (bad [i], now, &us, &problem), -1);
        assert_int_equal (problem.field, TERMINAL_CARD_TIME);
        assert_non_null (strstr (problem.hint, "2024-05-01"));
    }
    const char *unreal [] = {
        "2024-13-01", "2024-00-10", "2023-02-29", "2024-04-31", "2024-05-01T24:00",
        "2024-05-01T12:60", "2024-05-01T12:00:61", "2024-05-01T12:00+15:00",
    };
    for (size_t i = 0; i < sizeof unreal / sizeof unreal [0]; i++) {
        assert_int_equal (terminal_parse_time (unreal [i], now, &us, &problem), -1);
        assert_non_null (strstr (problem.message, "not a real date"));
    }
    assert_int_equal (terminal_parse_time (NULL, now, &us, NULL), -1);
}

static void
test_field_names (void **state)
{
    assert_int_equal (terminal_field_lookup ("business"), TERMINAL_BUSINESS);
    assert_int_equal (terminal_field_lookup ("Business Name"), TERMINAL_BUSINESS);
    assert_int_equal (terminal_field_lookup ("zip_code"), TERMINAL_ZIP);
    assert_int_equal (terminal_field_lookup ("card-time"), TERMINAL_CARD_TIME);
    assert_int_equal (terminal_field_lookup ("Card Time"), TERMINAL_CARD_TIME);
    assert_int_equal (terminal_field_lookup ("product"), TERMINAL_PRODUCTS);
    assert_int_equal (terminal_field_lookup ("products"), TERMINAL_PRODUCTS);
    assert_int_equal (terminal_field_lookup ("E-mail"), TERMINAL_EMAIL);
    assert_int_equal (terminal_field_lookup ("employee_id"), TERMINAL_EMPLOYEE);
    assert_int_equal (terminal_field_lookup ("key"), TERMINAL_KEY);
    assert_int_equal (terminal_field_lookup ("phnoe"), -1);
    assert_int_equal (terminal_field_lookup (""), -1);

    //  Intake's FieldError paths (docs/intake.md) to the fields to ask again
    assert_int_equal (terminal_fields_for_path ("card.business.zip"), 1u << TERMINAL_ZIP);
    assert_int_equal (terminal_fields_for_path ("card.contact.phone"), 1u << TERMINAL_PHONE);
    assert_int_equal (terminal_fields_for_path ("card.card_completed_us"),
                      1u << TERMINAL_CARD_TIME);
    assert_int_equal (terminal_fields_for_path ("card.products[2]"), 1u << TERMINAL_PRODUCTS);
    assert_int_equal (terminal_fields_for_path ("card.employee_id"), 1u << TERMINAL_EMPLOYEE);
    assert_int_equal (terminal_fields_for_path ("idempotency_key"), 1u << TERMINAL_KEY);
    assert_int_equal (terminal_fields_for_path ("card.contact"),
                      1u << TERMINAL_CONTACT | 1u << TERMINAL_PHONE | 1u << TERMINAL_EMAIL);
    assert_int_equal (terminal_fields_for_path ("card.business"),
                      1u << TERMINAL_BUSINESS | 1u << TERMINAL_ADDRESS | 1u << TERMINAL_ZIP);
    unsigned all = terminal_fields_for_path ("card");
    assert_true (all & (1u << TERMINAL_NOTES));
    assert_false (all & (1u << TERMINAL_KEY));
    assert_int_equal (terminal_fields_for_path ("something.new"), all);
    assert_string_equal (terminal_path_name ("card.business.zip"), "zip");
    assert_string_equal (terminal_path_name ("card.contact"), "contact");
    assert_string_equal (terminal_path_name ("card.products[0]"), "products");
}

static terminal_card_t *
s_card (void)
{
    terminal_card_t *card = terminal_card_new ();
    terminal_card_set (card, TERMINAL_STATION, "S100");
    terminal_card_set (card, TERMINAL_EMPLOYEE, "E42");
    terminal_card_set (card, TERMINAL_PROGRAM, "clerks-care");
    terminal_card_set (card, TERMINAL_CARD_TIME, "2024-05-01T14:30:00Z");
    terminal_card_set (card, TERMINAL_BUSINESS, "Acme Widgets");
    terminal_card_set (card, TERMINAL_ADDRESS, "1 Main St");
    terminal_card_set (card, TERMINAL_ZIP, "02134");
    terminal_card_set (card, TERMINAL_CONTACT, "Ana Ruiz");
    terminal_card_set (card, TERMINAL_PHONE, "(617) 555-0100");
    terminal_card_set (card, TERMINAL_EMAIL, "ana@acme.example");
    terminal_card_add_product (card, "priority-mail");
    terminal_card_add_product (card, "EDDM; pm");        // a repeat is dropped
    terminal_card_set (card, TERMINAL_NOTES, "wants a call after 3pm, café");
    return card;
}

static void
test_keys (void **state)
{
    assert_true (terminal_key_valid ("12345678"));
    assert_true (terminal_key_valid ("station-S100:card.0001_a"));
    assert_false (terminal_key_valid ("short"));
    assert_false (terminal_key_valid ("has space in it"));
    assert_false (terminal_key_valid (NULL));
    char long_key [200];
    memset (long_key, 'a', sizeof long_key - 1);
    long_key [sizeof long_key - 1] = 0;
    assert_false (terminal_key_valid (long_key));

    //  Same content, same derived key; any change, another key
    terminal_card_t *a = s_card (), *b = s_card ();
    terminal_card_ensure_key (a, true);
    terminal_card_ensure_key (b, true);
    assert_string_equal (terminal_card_get (a, TERMINAL_KEY), terminal_card_get (b, TERMINAL_KEY));
    assert_true (terminal_key_valid (terminal_card_get (a, TERMINAL_KEY)));
    terminal_card_t *c = s_card ();
    terminal_card_set (c, TERMINAL_ZIP, "02135");
    terminal_card_ensure_key (c, true);
    assert_string_not_equal (terminal_card_get (a, TERMINAL_KEY), terminal_card_get (c, TERMINAL_KEY));
    //  A key already set stays
    terminal_card_ensure_key (a, false);
    assert_string_equal (terminal_card_get (a, TERMINAL_KEY), terminal_card_get (b, TERMINAL_KEY));
    //  No card time ("now"): nothing stable to derive from, a random UUID
    terminal_card_t *d = s_card (), *e = s_card ();
    terminal_card_set (d, TERMINAL_CARD_TIME, NULL);
    terminal_card_set (e, TERMINAL_CARD_TIME, "now");
    terminal_card_ensure_key (d, true);
    terminal_card_ensure_key (e, true);
    assert_int_equal (strlen (terminal_card_get (d, TERMINAL_KEY)), 36);
    assert_string_not_equal (terminal_card_get (d, TERMINAL_KEY), terminal_card_get (e, TERMINAL_KEY));
    terminal_card_destroy (&a);
    terminal_card_destroy (&b);
    terminal_card_destroy (&c);
    terminal_card_destroy (&d);
    terminal_card_destroy (&e);
    terminal_card_destroy (&e);         // safe twice
}

static void
test_encode_round_trip (void **state)
{
    terminal_card_t *card = s_card ();
    terminal_card_set (card, TERMINAL_KEY, "key-0001-abcdef");
    uint8_t *data;
    size_t size;
    terminal_problems_t problems;
    assert_int_equal (terminal_card_encode (card, "S100", 1, &data, &size, &problems), 0);
    ll_decode_rc_t rc;
    char err [256];
    ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    assert_non_null (env);
    assert_int_equal (env->body_case, LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD);
    assert_string_equal (env->idempotency_key, "key-0001-abcdef");
    assert_string_equal (env->sender, "S100");
    assert_int_equal (strlen (env->message_id), 36);
    const Leadline__V1__LeadCard *lc = env->submit_lead->card;
    assert_string_equal (lc->station_id, "S100");
    assert_string_equal (lc->employee_id, "E42");
    assert_int_equal (lc->program, LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE);
    assert_true (lc->card_completed_us == 1714573800000000LL);
    assert_string_equal (lc->business->name, "Acme Widgets");
    assert_string_equal (lc->business->zip, "02134");
    assert_string_equal (lc->contact->phone, "(617) 555-0100");
    assert_int_equal (lc->n_products, 2);
    assert_int_equal (lc->products [0], LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL);
    assert_int_equal (lc->products [1], LEADLINE__V1__PRODUCT__PRODUCT_EDDM);

    //  Back to text: re-encoding gives the same body
    terminal_card_t *again = terminal_card_from_envelope (env);
    assert_non_null (again);
    assert_string_equal (terminal_card_get (again, TERMINAL_PRODUCTS), "priority-mail,eddm");
    assert_string_equal (terminal_card_get (again, TERMINAL_CARD_TIME), "2024-05-01T14:30:00Z");
    assert_string_equal (terminal_card_get (again, TERMINAL_NOTES), "wants a call after 3pm, café");
    assert_string_equal (terminal_card_get (again, TERMINAL_KEY), "key-0001-abcdef");
    uint8_t *data2;
    size_t size2;
    assert_int_equal (terminal_card_encode (again, "S100", 1, &data2, &size2, &problems), 0);
    ll_envelope_t *env2 = ll_envelope_decode (data2, size2, &rc, err, sizeof err);
    size_t n1 = leadline__v1__submit_lead__get_packed_size (env->submit_lead);
    size_t n2 = leadline__v1__submit_lead__get_packed_size (env2->submit_lead);
    assert_int_equal (n1, n2);
    uint8_t *b1 = malloc (n1), *b2 = malloc (n2);
    leadline__v1__submit_lead__pack (env->submit_lead, b1);
    leadline__v1__submit_lead__pack (env2->submit_lead, b2);
    assert_memory_equal (b1, b2, n1);
    free (b1);
    free (b2);
    ll_envelope_free (&env);
    ll_envelope_free (&env2);
    free (data);
    free (data2);
    terminal_card_destroy (&again);

    //  No card time: the time given as now; no sender: the card's station
    terminal_card_set (card, TERMINAL_CARD_TIME, NULL);
    assert_int_equal (terminal_card_encode (card, NULL, 777, &data, &size, &problems), 0);
    env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    assert_true (env->submit_lead->card->card_completed_us == 777);
    assert_string_equal (env->sender, "S100");
    ll_envelope_free (&env);
    free (data);
    terminal_card_destroy (&card);
}

static void
test_encode_problems (void **state)
{
    terminal_card_t *card = s_card ();
    terminal_card_set (card, TERMINAL_PROGRAM, "carrier-connect");
    terminal_card_set (card, TERMINAL_PRODUCTS, "priority-mail, stamps");
    terminal_card_set (card, TERMINAL_CARD_TIME, "last tuesday");
    terminal_card_set (card, TERMINAL_NOTES, "bad \xC3\x28 text");
    terminal_card_set (card, TERMINAL_KEY, "no spaces please");
    uint8_t *data = NULL;
    size_t size;
    terminal_problems_t problems;
    assert_int_equal (terminal_card_encode (card, NULL, 1, &data, &size, &problems), -1);
    assert_null (data);
    assert_int_equal (problems.count, 5);
    unsigned fields = 0;
    for (int i = 0; i < problems.count; i++) {
        fields |= 1u << problems.items [i].field;
        assert_true (*problems.items [i].message);
        assert_true (*problems.items [i].hint);
    }
    assert_int_equal (fields, 1u << TERMINAL_PROGRAM | 1u << TERMINAL_PRODUCTS
                            | 1u << TERMINAL_CARD_TIME | 1u << TERMINAL_NOTES
                            | 1u << TERMINAL_KEY);
    //  Missing required fields are intake's to report, not the terminal's
    terminal_card_t *empty = terminal_card_new ();
    terminal_card_set (empty, TERMINAL_KEY, "key-empty-card");
    assert_int_equal (terminal_card_encode (empty, NULL, 1, &data, &size, &problems), 0);
    free (data);
    //  A card too big for one frame
    char *notes = malloc (LL_MAX_FRAME + 10);
    memset (notes, 'x', LL_MAX_FRAME + 9);
    notes [LL_MAX_FRAME + 9] = 0;
    terminal_card_set (empty, TERMINAL_NOTES, notes);
    free (notes);
    assert_int_equal (terminal_card_encode (empty, NULL, 1, &data, &size, &problems), -1);
    assert_int_equal (problems.items [0].field, TERMINAL_NOTES);
    terminal_card_destroy (&empty);
    terminal_card_destroy (&card);
}

static void
test_card_fill_dup (void **state)
{
    terminal_card_t *defaults = terminal_card_new ();
    terminal_card_set (defaults, TERMINAL_STATION, "S1");
    terminal_card_set (defaults, TERMINAL_EMPLOYEE, "E1");
    terminal_card_t *card = terminal_card_new ();
    terminal_card_set (card, TERMINAL_EMPLOYEE, "E2");
    terminal_card_set (card, TERMINAL_ZIP, "");                // "" is absent
    assert_null (terminal_card_get (card, TERMINAL_ZIP));
    terminal_card_fill (card, defaults);
    assert_string_equal (terminal_card_get (card, TERMINAL_STATION), "S1");
    assert_string_equal (terminal_card_get (card, TERMINAL_EMPLOYEE), "E2");
    terminal_card_set_line (card, 7);
    terminal_card_t *copy = terminal_card_dup (card);
    assert_int_equal (terminal_card_line (copy), 7);
    assert_string_equal (terminal_card_get (copy, TERMINAL_EMPLOYEE), "E2");
    terminal_card_destroy (&copy);
    terminal_card_destroy (&card);
    terminal_card_destroy (&defaults);
}

//  --------------------------------------------------------------------------
//  Command line

static int
s_parse (terminal_args_t *args, char *err, size_t errlen, ...)
{
    char *argv [40];
    int argc = 0;
    argv [argc++] = "terminal";
    va_list list;
    va_start (list, errlen);
    char *arg;
    while ((arg = va_arg (list, char *)))
        argv [argc++] = arg;
    va_end (list);
    err [0] = 0;
    return terminal_args_parse (args, argc, argv, err, errlen);
}

static void
test_args (void **state)
{
    unsetenv ("LEADLINE_INTAKE_ENDPOINT");
    unsetenv ("LEADLINE_TERMINAL_TIMEOUT_MS");
    unsetenv ("LEADLINE_STATION");
    unsetenv ("LEADLINE_SPOOL_DIR");
    terminal_args_t args;
    char err [512];

    assert_int_equal (s_parse (&args, err, sizeof err, "--station", "S1", "--employee=E1",
                               "--program", "clerks-care", "--zip", "12345", "--product",
                               "pm", "--product=eddm", "--business-name", "Acme", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_AUTO);
    assert_int_equal (args.n_card_flags, 4);       // program, zip, product, business
    assert_string_equal (terminal_card_get (args.card, TERMINAL_STATION), "S1");
    assert_string_equal (terminal_card_get (args.card, TERMINAL_EMPLOYEE), "E1");
    assert_string_equal (terminal_card_get (args.card, TERMINAL_PRODUCTS), "pm,eddm");
    assert_string_equal (terminal_card_get (args.card, TERMINAL_BUSINESS), "Acme");
    assert_string_equal (args.endpoint, TERMINAL_DEFAULT_ENDPOINT);
    assert_int_equal (args.timeout_ms, TERMINAL_DEFAULT_TIMEOUT_MS);
    assert_int_equal (args.in_flight, TERMINAL_DEFAULT_IN_FLIGHT);
    assert_null (args.spool_dir);
    terminal_args_clear (&args);

    //  Environment defaults; flags win
    setenv ("LEADLINE_INTAKE_ENDPOINT", "tcp://intake:7100", 1);
    setenv ("LEADLINE_TERMINAL_TIMEOUT_MS", "250", 1);
    setenv ("LEADLINE_STATION", "S9", 1);
    setenv ("LEADLINE_SPOOL_DIR", "/tmp/x", 1);
    assert_int_equal (s_parse (&args, err, sizeof err, "flush", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_FLUSH);
    assert_string_equal (args.endpoint, "tcp://intake:7100");
    assert_int_equal (args.timeout_ms, 250);
    assert_string_equal (args.spool_dir, "/tmp/x");
    assert_string_equal (terminal_card_get (args.card, TERMINAL_STATION), "S9");
    terminal_args_clear (&args);
    assert_int_equal (s_parse (&args, err, sizeof err, "interactive", "--station", "S2",
                               "--timeout-ms", "10", "--endpoint", "ipc:///tmp/i", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_INTERACTIVE);
    assert_string_equal (terminal_card_get (args.card, TERMINAL_STATION), "S2");
    assert_int_equal (args.timeout_ms, 10);
    assert_string_equal (args.endpoint, "ipc:///tmp/i");
    terminal_args_clear (&args);
    setenv ("LEADLINE_TERMINAL_TIMEOUT_MS", "soon", 1);
    assert_int_equal (s_parse (&args, err, sizeof err, NULL), -1);
    assert_non_null (strstr (err, "LEADLINE_TERMINAL_TIMEOUT_MS"));
    terminal_args_clear (&args);
    unsetenv ("LEADLINE_TERMINAL_TIMEOUT_MS");
    unsetenv ("LEADLINE_INTAKE_ENDPOINT");
    unsetenv ("LEADLINE_STATION");
    unsetenv ("LEADLINE_SPOOL_DIR");

    //  Files
    assert_int_equal (s_parse (&args, err, sizeof err, "-f", "cards.csv", "--program",
                               "rural-reach", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_FILE);
    assert_string_equal (args.file, "cards.csv");
    terminal_args_clear (&args);
    assert_int_equal (s_parse (&args, err, sizeof err, "submit", "--file=c.json", "--format",
                               "json", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_FILE);
    assert_string_equal (args.format, "json");
    terminal_args_clear (&args);
    assert_int_equal (s_parse (&args, err, sizeof err, "spool", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_SPOOL);
    terminal_args_clear (&args);
    assert_int_equal (s_parse (&args, err, sizeof err, "--zip", "1", "--help", NULL), 0);
    assert_int_equal (args.cmd, TERMINAL_CMD_HELP);
    terminal_args_clear (&args);

    //  Usage errors say what was wrong and what to do
    const struct { const char *a, *b, *c; const char *says; } bad [] = {
        { "--zpi", "1", NULL, "unknown option --zpi" },
        { "--zip", "1", "--zip=2", "given twice" },
        { "--zip", NULL, NULL, "needs a value" },
        { "--key", "bad key!", NULL, "not usable" },
        { "--key", "short", NULL, "8 to 128" },
        { "--timeout-ms", "0", NULL, "--timeout-ms" },
        { "--in-flight", "5000", NULL, "--in-flight" },
        { "--format", "xml", NULL, "csv or json" },
        { "frobnicate", NULL, NULL, "unknown subcommand" },
        { "flush", "--zip", "12345", "takes no card fields" },
        { "--file", "a.csv", "--key=abcdefgh1", "'key' column" },
        { "flush", "spool", NULL, "another subcommand" },
        { "--format", "csv", NULL, "goes with --file" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (s_parse (&args, err, sizeof err, bad [i].a, bad [i].b, bad [i].c,
                                   NULL), -1);
        if (!strstr (err, bad [i].says))
            fail_msg ("case %zu: '%s' does not say '%s'", i, err, bad [i].says);
        terminal_args_clear (&args);
    }
}

int
main (void)
{
    ll_clock_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_programs),
        cmocka_unit_test (test_products),
        cmocka_unit_test (test_times),
        cmocka_unit_test (test_field_names),
        cmocka_unit_test (test_keys),
        cmocka_unit_test (test_encode_round_trip),
        cmocka_unit_test (test_encode_problems),
        cmocka_unit_test (test_card_fill_dup),
        cmocka_unit_test (test_args),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
