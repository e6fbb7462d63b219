/*  Unit tests of intake's rules without a store: field checks, the
    normalisation behind duplicate detection, and the assigner. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "intake_assign.h"
#include "intake_validate.h"

#define NOW_US (1700000000LL * 1000000)

typedef struct {
    Leadline__V1__LeadCard card;
    Leadline__V1__Business biz;
    Leadline__V1__Contact contact;
    Leadline__V1__Product products [2];
} s_card_t;

static void
s_card (s_card_t *c)
{
    leadline__v1__lead_card__init (&c->card);
    leadline__v1__business__init (&c->biz);
    leadline__v1__contact__init (&c->contact);
    c->card.employee_id = "E1";
    c->card.station_id = "S1";
    c->card.program = LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE;
    c->card.card_completed_us = NOW_US - 3600LL * 1000000;
    c->biz.name = "Acme Supply";
    c->biz.address = "1 Main St";
    c->biz.zip = "10001";
    c->card.business = &c->biz;
    c->contact.name = "Ann";
    c->contact.phone = "212-555-0100";
    c->card.contact = &c->contact;
    c->products [0] = LEADLINE__V1__PRODUCT__PRODUCT_EDDM;
    c->card.products = c->products;
    c->card.n_products = 1;
    c->card.notes = "line one\nline two";
}

static const char *
s_code (const intake_ferrs_t *errs, const char *field)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strcmp (errs->items [i].field, field) == 0)
            return errs->items [i].code;
    return NULL;
}

static void
test_valid_card (void **state)
{
    s_card_t c;
    s_card (&c);
    intake_ferrs_t errs = { .count = 0 };
    intake_check_card (&c.card, NOW_US, 30, &errs);
    assert_int_equal (errs.count, 0);
    intake_check_key ("0123456789abcdef", &errs);
    assert_int_equal (errs.count, 0);
    intake_ferrs_free (&errs);
}

static void
test_field_errors (void **state)
{
    s_card_t c;
    intake_ferrs_t errs = { .count = 0 };
#define EXPECT(setup, field, code) do { s_card (&c); setup; errs.count = 0; \
        intake_check_card (&c.card, NOW_US, 30, &errs); \
        assert_non_null (s_code (&errs, field)); \
        assert_string_equal (s_code (&errs, field), code); } while (0)
    EXPECT (c.contact.phone = "+1 212 555 01", "card.contact.phone", "format");
    EXPECT (c.contact.phone = "1-212-555-0100x", "card.contact.phone", "format");
    EXPECT (c.contact.phone = ""; c.contact.email = "", "card.contact", "required");
    EXPECT (c.contact.email = "ann@example", "card.contact.email", "format");
    EXPECT (c.contact.email = "ann@@example.com", "card.contact.email", "format");
    EXPECT (c.contact.email = "ann@.com", "card.contact.email", "format");
    EXPECT (c.biz.zip = "1000", "card.business.zip", "format");
    EXPECT (c.biz.zip = "10001-12", "card.business.zip", "format");
    EXPECT (c.biz.zip = "10001 1234", "card.business.zip", "format");
    EXPECT (c.biz.name = "\xc3\x28", "card.business.name", "format");       // bad UTF-8
    EXPECT (c.biz.name = "\xed\xa0\x80", "card.business.name", "format");   // surrogate
    EXPECT (c.biz.name = "Tab\there", "card.business.name", "format");
    EXPECT (c.card.notes = "bell\x07", "card.notes", "format");
    EXPECT (c.card.program = 7, "card.program", "enum");
    EXPECT (c.card.card_completed_us = NOW_US + 6 * 60 * 1000000LL, "card.card_completed_us", "future");
    EXPECT (c.card.card_completed_us = NOW_US - 31 * 86400LL * 1000000, "card.card_completed_us", "too_old");
    EXPECT (c.card.station_id = "S/1", "card.station_id", "format");
    EXPECT (c.products [0] = 9, "card.products", "enum");

    //  Near the limits: accepted.
    s_card (&c);
    c.card.card_completed_us = NOW_US + 4 * 60 * 1000000LL;        // clock drift
    c.contact.phone = "1 (212) 555.0100";
    c.contact.email = "a.b+c@mail.example.co";
    c.biz.zip = "10001-1234";
    c.biz.name = "Caf\xc3\xa9 M\xc3\xbcller";                         // UTF-8
    errs.count = 0;
    intake_check_card (&c.card, NOW_US, 30, &errs);
    assert_int_equal (errs.count, 0);

    errs.count = 0;
    intake_check_key ("short", &errs);
    assert_string_equal (s_code (&errs, "idempotency_key"), "length");
    errs.count = 0;
    assert_false (intake_check_lead_id ("0000-bad", "lead_id", &errs));
    assert_true (intake_check_lead_id ("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "lead_id", &errs));
    intake_ferrs_free (&errs);
}

static void
test_normalise (void **state)
{
    char out [256];
    intake_norm_phone ("+1 (212) 555-0100", out, sizeof out);
    assert_string_equal (out, "2125550100");
    intake_norm_phone ("212.555.0100", out, sizeof out);
    assert_string_equal (out, "2125550100");
    intake_norm_name ("The ACME Supply Co., Inc.", out, sizeof out);
    assert_string_equal (out, "acme supply");
    intake_norm_name ("Acme   Supply", out, sizeof out);
    assert_string_equal (out, "acme supply");
    intake_norm_name ("Smith & Sons LLC", out, sizeof out);
    assert_string_equal (out, "smith sons");
    intake_norm_name ("Smith and Sons", out, sizeof out);
    assert_string_equal (out, "smith sons");
    intake_norm_name ("A.B.C. Corp", out, sizeof out);
    assert_string_equal (out, "abc");
    intake_norm_address ("12 Elm Street, Suite 4", out, sizeof out);
    assert_string_equal (out, "12 elm st ste 4");
    intake_norm_address ("12 elm st. ste 4", out, sizeof out);
    assert_string_equal (out, "12 elm st ste 4");

    s_card_t c;
    s_card (&c);
    intake_dup_keys_t keys;
    intake_dup_keys (&c.card, &keys);
    assert_string_equal (keys.phone, "2125550100");
    assert_string_equal (keys.name_zip, "acme supply|10001");
    assert_string_equal (keys.name_addr, "acme supply|1 main st");
    c.biz.zip = "10001-9999";
    c.contact.phone = "";
    intake_dup_keys (&c.card, &keys);
    assert_string_equal (keys.phone, "");
    assert_string_equal (keys.name_zip, "acme supply|10001");
}

static const intake_rr_state_t s_no_state = { .known = false };

//  What a batch writes back, and a second assigner loaded from it.
typedef struct {
    char scope [8][32];
    char rep [8][8];
    int64_t offset [8];
    int weight [8];
    size_t n_rr;
    int64_t rounds;
    size_t n_rounds;
} s_saved_t;

static void
s_save_rr (void *arg, const char *scope, const char *rep_id, int64_t offset, int weight)
{
    s_saved_t *saved = arg;
    size_t i = 0;
    while (i < saved->n_rr && strcmp (saved->rep [i], rep_id) != 0)
        i++;
    if (i == saved->n_rr) {
        if (saved->n_rr == 8)
            return;
        saved->n_rr++;
    }
    snprintf (saved->scope [i], sizeof saved->scope [i], "%s", scope);
    snprintf (saved->rep [i], sizeof saved->rep [i], "%s", rep_id);
    saved->offset [i] = offset;
    saved->weight [i] = weight;
}

static void
s_save_round (void *arg, const char *scope, int64_t rounds)
{
    s_saved_t *saved = arg;
    saved->rounds = rounds;
    saved->n_rounds++;
}

static void
s_save_load (void *arg, const char *rep_id, int delta)
{
}

//  Four reps (weights 1-4) in one office; REP4 offers only Priority Mail.
static intake_assign_t *
s_office (const s_saved_t *saved, const int *weights)
{
    intake_assign_t *a = intake_assign_new ();
    const char *ids [] = { "REP1", "REP2", "REP3", "REP4" };
    for (int i = 0; i < 4; i++) {
        intake_assign_add_rep (a, ids [i], ids [i], weights [i], 1000000, 0, true, 0,
                               i == 3 ? 1u << LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL
                                      : INTAKE_PRODUCTS_ALL);
        intake_rr_state_t st = { .known = false, .rounds = saved ? saved->rounds : 0 };
        for (size_t k = 0; saved && k < saved->n_rr; k++)
            if (strcmp (saved->rep [k], ids [i]) == 0) {
                st.known = true;
                st.offset = saved->offset [k];
                st.weight = saved->weight [k];
            }
        intake_assign_add_member (a, "office:O1", ids [i], &st);
    }
    return a;
}

//  Round-robin state saved after each batch and loaded into the next gives
//  the same choices as one assigner that never stopped, with lead products
//  that leave a rep out now and then; and a pick writes the round count,
//  the winner and the reps it passed over, not every rep.
static void
test_round_robin_saved (void **state)
{
    const int weights [] = { 1, 2, 3, 4 };
    uint32_t pm = 1u << LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL;
    uint32_t eddm = 1u << LEADLINE__V1__PRODUCT__PRODUCT_EDDM;
    intake_assign_t *whole = s_office (NULL, weights);
    s_saved_t saved = { .n_rr = 0 };
    intake_assign_t *part = s_office (NULL, weights);
    for (int n = 0; n < 200; n++) {
        uint32_t products = n % 3 == 2 ? eddm : pm;
        intake_choice_t a, b;
        intake_assign_choose (whole, "O1", "D1", products, NOW_US, &a);
        intake_assign_choose (part, "O1", "D1", products, NOW_US, &b);
        assert_non_null (a.rep_id);
        assert_string_equal (a.rep_id, b.rep_id);
        //  A batch of one or two leads, then the next batch loads the state.
        if (n % 2 == 1) {
            s_saved_t batch = saved;
            batch.n_rounds = 0;
            intake_assign_changes (part, s_save_rr, s_save_round, s_save_load, &batch);
            assert_int_equal (batch.n_rounds, 1);
            saved = batch;
            intake_assign_destroy (&part);
            part = s_office (&saved, weights);
        }
    }
    intake_assign_destroy (&part);
    intake_assign_destroy (&whole);

    //  Loaded state, one Priority Mail pick: only the winner and the round.
    part = s_office (&saved, weights);
    intake_choice_t ch;
    intake_assign_choose (part, "O1", "D1", pm, NOW_US, &ch);
    s_saved_t one = { .n_rr = 0 };
    intake_assign_changes (part, s_save_rr, s_save_round, s_save_load, &one);
    assert_int_equal (one.n_rr, 1);
    assert_string_equal (one.rep [0], ch.rep_id);
    assert_int_equal (one.rounds, saved.rounds + 1);
    intake_assign_destroy (&part);

    //  A change of weight keeps each rep's current weight: the assigner
    //  with the new weights, loaded from the old state, picks as one that
    //  kept running with plain current weights would.
    const int heavier [] = { 4, 2, 3, 1 };
    part = s_office (&saved, heavier);
    s_saved_t rebased = { .n_rr = 0 };
    intake_assign_changes (part, s_save_rr, s_save_round, s_save_load, &rebased);
    assert_int_equal (rebased.n_rr, 2);          // REP1 and REP4 changed weight
    for (size_t k = 0; k < rebased.n_rr; k++) {
        size_t j = 0;
        while (strcmp (saved.rep [j], rebased.rep [k]) != 0)
            j++;
        assert_int_equal (rebased.offset [k] + saved.rounds * rebased.weight [k],
                          saved.offset [j] + saved.rounds * saved.weight [j]);
    }
    intake_assign_destroy (&part);
}

static void
test_round_robin_weights (void **state)
{
    intake_assign_t *a = intake_assign_new ();
    const char *ids [] = { "R1", "R2", "R3" };
    for (int i = 0; i < 3; i++) {
        intake_assign_add_rep (a, ids [i], ids [i], i + 1, 1000000, 0, true, 0, INTAKE_PRODUCTS_ALL);
        intake_assign_add_member (a, "office:O1", ids [i], &s_no_state);
    }
    int counts [3] = { 0 };
    char seq [13] = "";
    for (int n = 0; n < 600; n++) {
        intake_choice_t ch;
        intake_assign_choose (a, "O1", "D1", 1u << 1, NOW_US, &ch);
        assert_non_null (ch.rep_id);
        assert_false (ch.fallback);
        counts [ch.rep_id [1] - '1']++;
        if (n < 12)
            seq [n] = ch.rep_id [1];
    }
    //  Exactly the weights, and smooth: R3 R2 R1 R3 R2 R3, again and again
    assert_int_equal (counts [0], 100);
    assert_int_equal (counts [1], 200);
    assert_int_equal (counts [2], 300);
    assert_string_equal (seq, "321323321323");
    intake_assign_destroy (&a);
}

static void
test_eligibility_and_fallback (void **state)
{
    intake_assign_t *a = intake_assign_new ();
    uint32_t pm = 1u << LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL;
    uint32_t eddm = 1u << LEADLINE__V1__PRODUCT__PRODUCT_EDDM;
    intake_assign_add_rep (a, "OFF", "Off", 9, 100, 0, false, 0, INTAKE_PRODUCTS_ALL);
    intake_assign_add_rep (a, "AWAY", "Away", 9, 100, 0, true, NOW_US + 1, INTAKE_PRODUCTS_ALL);
    intake_assign_add_rep (a, "FULL", "Full", 9, 2, 2, true, 0, INTAKE_PRODUCTS_ALL);
    intake_assign_add_rep (a, "PM", "Pm", 1, 1, 0, true, 0, pm);
    intake_assign_add_rep (a, "DIST", "Dist", 1, 100, 0, true, 0, eddm);
    intake_assign_add_rep (a, "FB", "Fallback", 1, 0, 0, true, 0, INTAKE_PRODUCTS_ALL);
    const char *office [] = { "OFF", "AWAY", "FULL", "PM" };
    for (int i = 0; i < 4; i++)
        intake_assign_add_member (a, "office:O1", office [i], &s_no_state);
    intake_assign_add_member (a, "district:D1", "DIST", &s_no_state);
    intake_assign_set_fallback (a, "D1", "FB");

    intake_choice_t ch;
    intake_assign_choose (a, "O1", "D1", pm, NOW_US, &ch);
    assert_string_equal (ch.rep_id, "PM");
    //  PM is now at capacity (1): an EDDM lead, then a PM lead.
    intake_assign_choose (a, "O1", "D1", eddm, NOW_US, &ch);
    assert_string_equal (ch.rep_id, "DIST");
    assert_non_null (strstr (ch.reason, "territory district D1"));
    intake_assign_choose (a, "O1", "D1", pm, NOW_US, &ch);
    assert_string_equal (ch.rep_id, "FB");
    assert_true (ch.fallback);
    assert_non_null (strstr (ch.reason, "1 inactive, 1 away"));
    //  Unknown office, district without fallback: nobody.
    intake_assign_choose (a, "O9", "D9", pm, NOW_US, &ch);
    assert_null (ch.rep_id);
    intake_assign_destroy (&a);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_valid_card),
        cmocka_unit_test (test_field_errors),
        cmocka_unit_test (test_normalise),
        cmocka_unit_test (test_round_robin_weights),
        cmocka_unit_test (test_round_robin_saved),
        cmocka_unit_test (test_eligibility_and_fallback),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
