/*  Fuzz target: every command intake takes off the wire, past the envelope.
    The bytes are decoded as an Envelope (as intake's server does); a
    SubmitLead then goes through the card checks and, when they pass, the
    duplicate keys; a RecordContact, RecordOutcome or Reassign through the
    update checks. Whatever comes in: no crash, leak or out-of-bounds
    access; every field error is well formed and valid UTF-8 (it goes back
    to the terminal in the reply); a card that passes has duplicate keys
    within their buffers; and the reply built from the errors packs and
    unpacks to the same number of errors. No store, no clock: the time is
    fixed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "intake.h"

#define NOW_US 1727790000000000LL           // 2024-10-01 13:40 UTC

static void
s_die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_intake_command: %s%s%s\n", what, detail ? ": " : "",
             detail ? detail : "");
    abort ();
}

static void
s_check_text (const char *s, size_t cap, const char *what)
{
    size_t len = strnlen (s, cap);
    if (len == cap)
        s_die ("field error text not terminated", what);
    if (!intake_text_ok (s, false))
        s_die ("field error text is not valid UTF-8 text", what);
}

//  The errors as a client gets them: packed in a SubmitReply, unpacked.
static void
s_reply_round_trip (const intake_ferrs_t *errs)
{
    Leadline__V1__FieldError ferrs [INTAKE_MAX_ERRORS];
    Leadline__V1__FieldError *fptrs [INTAKE_MAX_ERRORS];
    for (size_t i = 0; i < errs->count; i++) {
        const intake_ferr_t *e = &errs->items [i];
        if (!*e->field || !*e->code || !*e->message)
            s_die ("field error without field, code or message", e->field);
        s_check_text (e->field, sizeof e->field, "field");
        s_check_text (e->code, sizeof e->code, "code");
        s_check_text (e->message, sizeof e->message, e->field);
        s_check_text (e->hint, sizeof e->hint, e->field);
        leadline__v1__field_error__init (&ferrs [i]);
        ferrs [i].field = (char *) e->field;
        ferrs [i].code = (char *) e->code;
        ferrs [i].message = (char *) e->message;
        ferrs [i].hint = (char *) e->hint;
        fptrs [i] = &ferrs [i];
    }
    Leadline__V1__SubmitReply reply = LEADLINE__V1__SUBMIT_REPLY__INIT;
    reply.status = errs->count ? LEADLINE__V1__STATUS__STATUS_INVALID
                               : LEADLINE__V1__STATUS__STATUS_OK;
    reply.errors = fptrs;
    reply.n_errors = errs->count;
    size_t size = leadline__v1__submit_reply__get_packed_size (&reply);
    uint8_t *buf = malloc (size ? size : 1);
    if (!buf)
        abort ();
    leadline__v1__submit_reply__pack (&reply, buf);
    Leadline__V1__SubmitReply *back = leadline__v1__submit_reply__unpack (NULL, size, buf);
    if (!back || back->n_errors != errs->count)
        s_die ("the reply with the field errors does not decode", NULL);
    leadline__v1__submit_reply__free_unpacked (back, NULL);
    free (buf);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    ll_decode_rc_t rc;
    char err [256];
    ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    if (!env)
        return 0;                   // fuzz_envelope covers the codec
    intake_item_t item;
    memset (&item, 0, sizeof item);
    item.req = env;
    item.same_as = -1;
    switch (env->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD: {
            const Leadline__V1__LeadCard *card = env->submit_lead->card;
            intake_check_key (env->idempotency_key, &item.errs);
            intake_check_card (card, NOW_US, 30, &item.errs);
            if (card && !item.errs.count) {
                intake_dup_keys (card, &item.keys);
                if (strnlen (item.keys.phone, sizeof item.keys.phone) == sizeof item.keys.phone
                ||  strnlen (item.keys.name_zip, sizeof item.keys.name_zip) == sizeof item.keys.name_zip
                ||  strnlen (item.keys.name_addr, sizeof item.keys.name_addr) == sizeof item.keys.name_addr)
                    s_die ("a duplicate key fills its buffer", NULL);
                (void) intake_products_mask (card->products, card->n_products);
            }
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT:
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME:
        case LEADLINE__V1__ENVELOPE__BODY_REASSIGN:
            intake_update_check (&item, NOW_US);
            break;
        default:
            break;                  // answered "unsupported" by the server
    }
    if (item.errs.count > INTAKE_MAX_ERRORS)
        s_die ("more field errors than the reply holds", NULL);
    s_reply_round_trip (&item.errs);
    intake_ferrs_free (&item.errs);
    ll_envelope_free (&env);
    return 0;
}
