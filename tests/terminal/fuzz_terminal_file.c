/*  Fuzz target: a card file as the terminal reads it. Whatever the bytes,
    reading them as CSV and as JSON must not crash, leak or read out of
    bounds; a refusal must say why; every card read must either be rejected
    with its problems named or encode to an envelope that decodes, turns
    back into a card and encodes to the same SubmitLead body (that is what
    the spool relies on: a card resent is the card first sent). The first
    line of the input also goes through the field parsers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ll_envelope.h"
#include "terminal_card.h"
#include "terminal_file.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_die (const char *what)
{
    fprintf (stderr, "fuzz_terminal_file: %s\n", what);
    abort ();
}

static uint8_t *
s_body (const uint8_t *frame, size_t size, size_t *body_size, terminal_card_t **card)
{
    ll_decode_rc_t rc;
    char err [256];
    ll_envelope_t *env = ll_envelope_decode (frame, size, &rc, err, sizeof err);
    if (!env || env->body_case != LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD)
        s_die ("an encoded card does not decode");
    *body_size = leadline__v1__submit_lead__get_packed_size (env->submit_lead);
    uint8_t *body = malloc (*body_size ? *body_size : 1);
    leadline__v1__submit_lead__pack (env->submit_lead, body);
    if (card && !(*card = terminal_card_from_envelope (env)))
        s_die ("a decoded card does not turn back into a card");
    ll_envelope_free (&env);
    return body;
}

static void
s_check_cards (zlistx_t *cards)
{
    for (terminal_card_t *card = zlistx_first (cards); card; card = zlistx_next (cards)) {
        terminal_card_ensure_key (card, true);
        uint8_t *frame;
        size_t size;
        terminal_problems_t problems;
        if (terminal_card_encode (card, "S1", 1714573800000000LL, &frame, &size, &problems)) {
            if (problems.count == 0)
                s_die ("a card rejected without a problem");
            for (int i = 0; i < problems.count; i++)
                if (!*problems.items [i].message)
                    s_die ("a problem without a message");
            continue;
        }
        terminal_card_t *again = NULL;
        size_t body_size, body2_size;
        uint8_t *body = s_body (frame, size, &body_size, &again);
        uint8_t *frame2;
        size_t size2;
        if (terminal_card_encode (again, "S1", 1, &frame2, &size2, &problems))
            s_die ("a card read back from its envelope does not encode");
        uint8_t *body2 = s_body (frame2, size2, &body2_size, NULL);
        if (body_size != body2_size || memcmp (body, body2, body_size) != 0)
            s_die ("a card read back encodes to another body");
        free (body);
        free (body2);
        free (frame);
        free (frame2);
        terminal_card_destroy (&again);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *formats [] = { "csv", "json" };
    for (int f = 0; f < 2; f++) {
        char err [1024] = "";
        zlistx_t *cards = terminal_file_parse ((const char *) data, size, formats [f],
                                               "fuzz", err, sizeof err);
        if (!cards) {
            if (!*err)
                s_die ("a file refused without a reason");
            continue;
        }
        s_check_cards (cards);
        zlistx_destroy (&cards);
    }
    //  The first line through the field parsers
    char line [256];
    size_t n = 0;
    while (n < size && n < sizeof line - 1 && data [n] && data [n] != '\n') {
        line [n] = (char) data [n];
        n++;
    }
    line [n] = 0;
    int64_t us;
    Leadline__V1__Program program;
    Leadline__V1__Product product;
    terminal_problem_t problem;
    if (terminal_parse_time (line, 0, &us, &problem) && !*problem.message)
        s_die ("a time refused without a message");
    terminal_parse_program (line, &program, NULL);
    terminal_parse_product (line, &product, NULL);
    terminal_field_lookup (line);
    terminal_fields_for_path (line);
    terminal_path_name (line);
    terminal_key_valid (line);
    return 0;
}
