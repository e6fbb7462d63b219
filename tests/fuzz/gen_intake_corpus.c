/*  Writes the seed corpus for fuzz_intake_command: every command intake
    takes, valid and with the mistakes its checks name (missing card, bad
    email, future and stale cards, multibyte and invalid UTF-8 text, long
    notes, unknown enums, malformed ids). Fixed ids and times, so the output
    is the same on every run; the files are committed under
    tests/fuzz/corpus/intake_command/. Regenerate with
        build/tests/fuzz/gen_intake_corpus tests/fuzz/corpus/intake_command */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ll_envelope.h"

#define NOW_US 1727790000000000LL           // the fuzz target's fixed clock

static const char *s_dir;
static int s_written;

static void
s_write (const char *name, ll_envelope_t *env)
{
    env->version = LL_PROTOCOL_VERSION;
    env->message_id = "00000000-0000-4000-8000-000000000001";
    if (!env->idempotency_key || !*env->idempotency_key)
        env->idempotency_key = "seed-key-0001";
    size_t size = leadline__v1__envelope__get_packed_size (env);
    uint8_t *buf = malloc (size ? size : 1);
    leadline__v1__envelope__pack (env, buf);
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "wb");
    if (!file || (size && fwrite (buf, 1, size, file) != size) || fclose (file) != 0) {
        perror (path);
        exit (1);
    }
    free (buf);
    s_written++;
}

typedef struct {
    Leadline__V1__LeadCard card;
    Leadline__V1__Business biz;
    Leadline__V1__Contact contact;
    Leadline__V1__Product products [3];
    Leadline__V1__SubmitLead submit;
    ll_envelope_t env;
} s_card_t;

static void
s_card (s_card_t *c)
{
    leadline__v1__lead_card__init (&c->card);
    leadline__v1__business__init (&c->biz);
    leadline__v1__contact__init (&c->contact);
    leadline__v1__submit_lead__init (&c->submit);
    leadline__v1__envelope__init (&c->env);
    c->card.employee_id = "E1";
    c->card.station_id = "S-MAIN";
    c->card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    c->card.card_completed_us = NOW_US - 3600LL * 1000000;
    c->biz.name = "Main Street Bakery";
    c->biz.address = "12 Main St, Springfield";
    c->biz.zip = "62701";
    c->contact.name = "Ana Ruiz";
    c->contact.phone = "(217) 555-0100";
    c->contact.email = "ana@example.com";
    c->products [0] = LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL;
    c->products [1] = LEADLINE__V1__PRODUCT__PRODUCT_GROUND;
    c->card.products = c->products;
    c->card.n_products = 2;
    c->card.notes = "ships 40 parcels a week";
    c->card.business = &c->biz;
    c->card.contact = &c->contact;
    c->submit.card = &c->card;
    c->env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    c->env.submit_lead = &c->submit;
}

static void
s_submits (void)
{
    s_card_t c;
    s_card (&c);
    s_write ("submit-valid", &c.env);
    s_card (&c);
    c.biz.name = "Café Müller — Bäckerei 東京";
    c.contact.name = "José Ñúñez";
    s_write ("submit-multibyte", &c.env);
    s_card (&c);
    c.biz.name = "Bad \xff\xfe bytes \xc0\xaf";
    s_write ("submit-invalid-utf8", &c.env);
    s_card (&c);
    c.contact.email = "not-an-email";
    c.contact.phone = "12";
    c.biz.zip = "6270";
    s_write ("submit-bad-contact", &c.env);
    s_card (&c);
    c.submit.card = NULL;
    s_write ("submit-no-card", &c.env);
    s_card (&c);
    c.card.card_completed_us = NOW_US + 24LL * 3600 * 1000000;
    s_write ("submit-future", &c.env);
    s_card (&c);
    c.card.card_completed_us = NOW_US - 90LL * 24 * 3600 * 1000000;
    s_write ("submit-stale", &c.env);
    s_card (&c);
    c.card.program = 99;
    c.products [2] = 77;
    c.card.n_products = 3;
    s_write ("submit-unknown-enums", &c.env);
    s_card (&c);
    static char notes [2100];
    memset (notes, 'n', sizeof notes - 1);
    c.card.notes = notes;
    s_write ("submit-long-notes", &c.env);
    s_card (&c);
    c.card.employee_id = "E 1;--";
    c.card.station_id = "";
    c.env.idempotency_key = "k";
    s_write ("submit-bad-ids-key", &c.env);
    s_card (&c);
    c.card.business = NULL;
    c.card.contact = NULL;
    s_write ("submit-no-business", &c.env);
}

static void
s_updates (void)
{
    ll_envelope_t env;
    Leadline__V1__RecordContact rc = LEADLINE__V1__RECORD_CONTACT__INIT;
    rc.lead_id = "5f0c6f53-3b7e-4a53-9a55-0f3b2a9e4c11";
    rc.rep_id = "M1";
    rc.kind = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT;
    rc.note = "voicemail";
    leadline__v1__envelope__init (&env);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT;
    env.record_contact = &rc;
    s_write ("contact-attempt", &env);
    rc.kind = 9;
    rc.at_us = NOW_US + 3600LL * 1000000;
    rc.lead_id = "not-a-uuid";
    rc.note = "line\x01" "break";
    s_write ("contact-bad", &env);

    Leadline__V1__RecordOutcome ro = LEADLINE__V1__RECORD_OUTCOME__INIT;
    Leadline__V1__Product products [] = { LEADLINE__V1__PRODUCT__PRODUCT_GROUND };
    ro.lead_id = "5f0c6f53-3b7e-4a53-9a55-0f3b2a9e4c11";
    ro.rep_id = "M1";
    ro.outcome = LEADLINE__V1__OUTCOME__OUTCOME_WON;
    ro.annual_revenue_cents = 1250000;
    ro.products = products;
    ro.n_products = 1;
    leadline__v1__envelope__init (&env);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME;
    env.record_outcome = &ro;
    s_write ("outcome-won", &env);
    ro.outcome = LEADLINE__V1__OUTCOME__OUTCOME_LOST;
    ro.annual_revenue_cents = -5;
    s_write ("outcome-lost-no-reason", &env);
    ro.outcome = LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST;
    ro.annual_revenue_cents = 0;
    ro.lost_reason = "stays with its current carrier";
    s_write ("outcome-no-interest", &env);

    Leadline__V1__Reassign ra = LEADLINE__V1__REASSIGN__INIT;
    ra.lead_id = "5f0c6f53-3b7e-4a53-9a55-0f3b2a9e4c11";
    ra.new_rep_id = "M2";
    ra.manager_id = "DM1";
    ra.reason = "M1 is away";
    leadline__v1__envelope__init (&env);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REASSIGN;
    env.reassign = &ra;
    s_write ("reassign", &env);
    ra.new_rep_id = "";
    ra.manager_id = "DM 1'";
    s_write ("reassign-bad-ids", &env);
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: %s DIR\n", argv [0]);
        return 2;
    }
    s_dir = argv [1];
    s_submits ();
    s_updates ();
    printf ("%d seeds written to %s\n", s_written, s_dir);
    return 0;
}
