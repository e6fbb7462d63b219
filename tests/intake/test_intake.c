/*  Intake against the real binary and a private PostgreSQL.
    Usage (from ctest, under tests/lib/with-pg):
      test_intake invalid|retry|dup|assign|fairness|concurrent|two|updates|poison|events|pgdown
    Each case starts its own leadline-intake, talks to it over a DEALER and
    checks the replies and what the store holds. No timing assertions:
    timeouts only bound how long a broken build can hang. */
#include "intake_client.h"
#include "ll_clock.h"
#include "ll_subscriber.h"
#include "ll_uuid.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tc_env_t s_env;

static char *
s_key (char *buf, const char *prefix, long n)
{
    sprintf (buf, "%s-%08ld-key", prefix, n);
    return buf;
}

static long
s_leads (PGconn *db)
{
    return tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL);
}

// ---------------------------------------------------------------------------
//  invalid: a table of cards, each with the field error it must get

typedef struct {
    const char *name;
    void (*mutate) (tc_card_t *c, char *key);
    const char *field;
    const char *code;
} s_bad_t;

#define MUT(fn, body) static void fn (tc_card_t *c, char *key) { (void) c; (void) key; body; }
MUT (m_no_key, key [0] = 0)
MUT (m_short_key, strcpy (key, "abc"))
MUT (m_space_key, strcpy (key, "has a space in it"))
MUT (m_no_employee, c->card.employee_id = "")
MUT (m_bad_employee, c->card.employee_id = "E 1")
MUT (m_long_employee, c->card.employee_id = "E1234567890123456789012345678901234567890")
MUT (m_unknown_employee, c->card.employee_id = "E999")
MUT (m_unknown_station, c->card.station_id = "S-NOPE")
MUT (m_other_station, c->card.employee_id = "E5")
MUT (m_no_program, c->card.program = 0)
MUT (m_bad_program, c->card.program = 99)
MUT (m_no_time, c->card.card_completed_us = 0)
MUT (m_future, c->card.card_completed_us = ll_clock_now_us () + 86400LL * 1000000)
MUT (m_too_old, c->card.card_completed_us = ll_clock_now_us () - 60 * 86400LL * 1000000)
MUT (m_no_business, c->card.business = NULL)
MUT (m_no_biz_name, c->business.name = "")
MUT (m_long_biz_name, static char longer [260]; memset (longer, 'y', 201);
     longer [201] = 0; c->business.name = longer)
MUT (m_ctrl_biz_name, c->business.name = "Acme\x01 Supply")
MUT (m_no_zip, c->business.zip = "")
MUT (m_short_zip, c->business.zip = "1234")
MUT (m_bad_zip4, c->business.zip = "12345-67")
MUT (m_long_address, static char a [400]; memset (a, 'a', 301); a [301] = 0;
     c->business.address = a)
MUT (m_no_contact, c->card.contact = NULL)
MUT (m_no_reach, c->contact.phone = ""; c->contact.email = "")
MUT (m_no_contact_name, c->contact.name = "  ")
MUT (m_bad_utf8_name, c->contact.name = "Jos\xff")
MUT (m_short_phone, c->contact.phone = "555-1234")
MUT (m_letter_phone, c->contact.phone = "555-123-4567x")
MUT (m_bad_email, c->contact.email = "not-an-email")
MUT (m_bad_email2, c->contact.email = "a@b")
MUT (m_no_products, c->card.n_products = 0)
MUT (m_bad_product, c->products [0] = 42)
MUT (m_unspec_product, c->products [1] = 0; c->card.n_products = 2)
MUT (m_long_notes, static char n [2100]; memset (n, 'n', 2001); n [2001] = 0;
     c->card.notes = n)

static const s_bad_t s_bad [] = {
    { "no key", m_no_key, "idempotency_key", "required" },
    { "short key", m_short_key, "idempotency_key", "length" },
    { "key with space", m_space_key, "idempotency_key", "format" },
    { "no employee", m_no_employee, "card.employee_id", "required" },
    { "employee with space", m_bad_employee, "card.employee_id", "format" },
    { "employee too long", m_long_employee, "card.employee_id", "length" },
    { "unknown employee", m_unknown_employee, "card.employee_id", "unknown" },
    { "unknown station", m_unknown_station, "card.station_id", "unknown" },
    { "employee of another station", m_other_station, "card.employee_id", "station" },
    { "no program", m_no_program, "card.program", "required" },
    { "unknown program", m_bad_program, "card.program", "enum" },
    { "no card time", m_no_time, "card.card_completed_us", "required" },
    { "card in the future", m_future, "card.card_completed_us", "future" },
    { "card too old", m_too_old, "card.card_completed_us", "too_old" },
    { "no business", m_no_business, "card.business", "required" },
    { "no business name", m_no_biz_name, "card.business.name", "required" },
    { "business name too long", m_long_biz_name, "card.business.name", "length" },
    { "control char in name", m_ctrl_biz_name, "card.business.name", "format" },
    { "no zip", m_no_zip, "card.business.zip", "required" },
    { "short zip", m_short_zip, "card.business.zip", "format" },
    { "bad zip+4", m_bad_zip4, "card.business.zip", "format" },
    { "address too long", m_long_address, "card.business.address", "length" },
    { "no contact", m_no_contact, "card.contact", "required" },
    { "no phone or email", m_no_reach, "card.contact", "required" },
    { "blank contact name", m_no_contact_name, "card.contact.name", "required" },
    { "invalid UTF-8", m_bad_utf8_name, "card.contact.name", "format" },
    { "7-digit phone", m_short_phone, "card.contact.phone", "format" },
    { "letter in phone", m_letter_phone, "card.contact.phone", "format" },
    { "email without @", m_bad_email, "card.contact.email", "format" },
    { "email without domain", m_bad_email2, "card.contact.email", "format" },
    { "no products", m_no_products, "card.products", "required" },
    { "unknown product", m_bad_product, "card.products", "enum" },
    { "unspecified product", m_unspec_product, "card.products", "enum" },
    { "notes too long", m_long_notes, "card.notes", "length" },
};

static void
s_case_invalid (tc_client_t *client, PGconn *db)
{
    char key [64];
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad [0]; i++) {
        tc_card_t card;
        tc_card_init (&card, "E1", "S-MAIN", 100 + (long) i);
        s_key (key, "invalid", (long) i);
        s_bad [i].mutate (&card, key);
        ll_envelope_t *reply = tc_submit (client, &card, key, TC_WAIT_MS);
        CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_INVALID,
               "%s: status %d", s_bad [i].name, tc_status (reply));
        const Leadline__V1__FieldError *e = tc_field_error (reply, s_bad [i].field);
        CHECK (e && strcmp (e->code, s_bad [i].code) == 0, "%s: want %s/%s, got %s/%s",
               s_bad [i].name, s_bad [i].field, s_bad [i].code, e ? e->field : "-",
               e ? e->code : "-");
        CHECK (e && *e->message, "%s: the error has a message", s_bad [i].name);
        CHECK (reply && *reply->submit_reply->message, "%s: the reply says what happened",
               s_bad [i].name);
        if (e && strcmp (e->code, "unknown") == 0)
            CHECK (strstr (e->hint, "leadline admin import"), "%s: hint says how to load "
                   "the org: %s", s_bad [i].name, e->hint);
        ll_envelope_free (&reply);
    }
    //  A card with several faults gets all of them at once.
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", 200);
    card.business.zip = "ABCDE";
    card.contact.email = "nobody";
    card.card.employee_id = "E999";
    ll_envelope_t *reply = tc_submit (client, &card, s_key (key, "invalid-multi", 0), TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_INVALID, "multi: status");
    CHECK (reply && reply->submit_reply->n_errors == 3, "multi: 3 errors, got %zu",
           reply ? reply->submit_reply->n_errors : 0);
    ll_envelope_free (&reply);
    //  A terminal hands in cards for its own station only.
    tc_card_init (&card, "E1", "S-MAIN", 201);
    {
        ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
        Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
        submit.card = &card.card;
        env.sender = "S-MAIN2";
        env.idempotency_key = s_key (key, "invalid-sender", 0);
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
        env.submit_lead = &submit;
        reply = tc_call (client, &env, TC_WAIT_MS, NULL, NULL);
        CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN
               && strstr (reply->submit_reply->message, "own station"),
               "another station's terminal: FORBIDDEN (%d: %s)", tc_status (reply),
               reply && reply->submit_reply ? reply->submit_reply->message : "no reply");
        ll_envelope_free (&reply);
    }
    //  No card at all.
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    env.idempotency_key = s_key (key, "invalid-nocard", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    reply = tc_call (client, &env, TC_WAIT_MS, NULL, NULL);
    CHECK (tc_field_error (reply, "card") != NULL, "no card: card/required");
    ll_envelope_free (&reply);
    CHECK (s_leads (db) == 0, "nothing invalid is stored");

    //  Frames intake cannot read: an Error reply each, and the connection
    //  keeps working.
    reply = tc_call_raw (client, "\xff\xfe garbage", 10, TC_WAIT_MS);
    CHECK (reply && reply->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR
           && reply->error->status == LEADLINE__V1__STATUS__STATUS_BAD_REQUEST
           && strcmp (reply->error->code, "bad_frame_malformed") == 0,
           "garbage gets BAD_REQUEST bad_frame_malformed");
    ll_envelope_free (&reply);
    reply = tc_call_raw (client, "", 0, TC_WAIT_MS);
    CHECK (reply && strcmp (reply->error->code, "bad_frame_empty") == 0, "empty frame");
    ll_envelope_free (&reply);
    ll_envelope_t v2 = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__Heartbeat hb = LEADLINE__V1__HEARTBEAT__INIT;
    v2.version = 2;
    v2.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    v2.heartbeat = &hb;
    uint8_t buf [256];
    size_t len = leadline__v1__envelope__pack (&v2, buf);
    reply = tc_call_raw (client, buf, len, TC_WAIT_MS);
    CHECK (reply && strcmp (reply->error->code, "bad_frame_bad_version") == 0, "version 2");
    ll_envelope_free (&reply);
    v2.version = 1;
    reply = tc_call (client, &v2, TC_WAIT_MS, NULL, NULL);
    CHECK (reply && reply->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR
           && strcmp (reply->error->code, "unsupported") == 0, "heartbeat is unsupported");
    ll_envelope_free (&reply);
    zmsg_t *two = zmsg_new ();
    zmsg_addstr (two, "one");
    zmsg_addstr (two, "two");
    zmsg_send (&two, client->dealer);
    reply = tc_recv (client, TC_WAIT_MS);
    CHECK (reply && strcmp (reply->error->code, "bad_frame") == 0, "two frames");
    ll_envelope_free (&reply);

    tc_card_init (&card, "E1", "S-MAIN", 300);
    reply = tc_submit (client, &card, s_key (key, "valid-after", 0), TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK,
           "a good card after bad frames is taken: %s",
           reply ? reply->submit_reply->message : "no reply");
    ll_envelope_free (&reply);
    CHECK (s_leads (db) == 1, "exactly the good card is stored");

    //  Counted on /metrics.
    CHECK (tc_sh ("port=$(grep -o 'ops endpoint on port [0-9]*' '%s/intake.log' | tail -n 1 "
                  "| grep -o '[0-9]*$'); curl -sf http://127.0.0.1:$port/metrics > '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_malformed\"} 1' "
                  "'%s/metrics' && grep -q 'leadline_intake_field_errors_total{code=\"unknown\"}' "
                  "'%s/metrics' && grep -q 'leadline_intake_requests_total{type=\"submit_lead\","
                  "status=\"invalid\"}' '%s/metrics'", s_env.dir, s_env.dir, s_env.dir,
                  s_env.dir, s_env.dir) == 0, "errors are counted on /metrics (%s/metrics)",
           s_env.dir);
}

// ---------------------------------------------------------------------------
//  retry: the same key gives one lead and the same reply

static bool
s_same (const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && memcmp (a, b, alen) == 0;
}

static ll_envelope_t *
s_submit_raw (tc_client_t *client, tc_card_t *card, const char *key, uint8_t **raw, size_t *len)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card->card;
    env.idempotency_key = (char *) key;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    return tc_call (client, &env, TC_WAIT_MS, raw, len);
}

//  Sends `n` copies without waiting, then collects the replies.
static int
s_burst (tc_client_t *client, tc_card_t *card, const char *key, int n,
         const uint8_t *want, size_t want_len, int want_status)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card->card;
    env.version = 1;
    env.idempotency_key = (char *) key;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    for (int i = 0; i < n; i++) {
        char id [37];
        ll_uuid_new (id);
        env.message_id = id;
        zframe_t *frame = ll_envelope_frame (&env);
        zframe_send (&frame, client->dealer, 0);
    }
    int good = 0;
    for (int i = 0; i < n; i++) {
        ll_envelope_t *reply = tc_recv (client, TC_WAIT_MS);
        if (!reply)
            break;
        if (tc_status (reply) == want_status) {
            if (!want)
                good++;
            else {
                size_t len = leadline__v1__submit_reply__get_packed_size (reply->submit_reply);
                uint8_t *buf = malloc (len + 1);
                leadline__v1__submit_reply__pack (reply->submit_reply, buf);
                good += s_same (buf, len, want, want_len);
                free (buf);
            }
        }
        ll_envelope_free (&reply);
    }
    return good;
}

static void
s_case_retry (tc_client_t *client, PGconn *db)
{
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", 1000);
    const char *key = "retry-0001-key";
    uint8_t *first = NULL;
    size_t first_len = 0;
    ll_envelope_t *reply = s_submit_raw (client, &card, key, &first, &first_len);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "first submit OK");
    CHECK (reply && strcmp (reply->idempotency_key, key) == 0, "the reply names the key");
    ll_envelope_free (&reply);
    for (int i = 0; i < 5; i++) {
        uint8_t *again = NULL;
        size_t again_len = 0;
        reply = s_submit_raw (client, &card, key, &again, &again_len);
        CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "retry %d OK", i);
        CHECK (again && s_same (first, first_len, again, again_len),
               "retry %d: the same reply, byte for byte", i);
        free (again);
        ll_envelope_free (&reply);
    }
    //  Twenty copies at once: most land in one batch together.
    CHECK (s_burst (client, &card, key, 20, first, first_len,
                    LEADLINE__V1__STATUS__STATUS_OK) == 20, "20 concurrent retries, same reply");
    //  A new key sent 20 times at once: one lead.
    tc_card_t card2;
    tc_card_init (&card2, "E2", "S-MAIN", 1001);
    CHECK (s_burst (client, &card2, "retry-0002-key", 20, NULL, 0,
                    LEADLINE__V1__STATUS__STATUS_OK) == 20, "20 copies of a new card: all OK");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE idempotency_key = $1",
                       key) == 1, "one lead for the retried key");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE idempotency_key = $1",
                       "retry-0002-key") == 1, "one lead for the burst key");
    CHECK (s_leads (db) == 2, "two leads in all");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = 'lead_entered'",
                       NULL) == 2, "one lead_entered event per lead");

    //  The same key with another card: CONFLICT, alone and in a burst.
    tc_card_t other;
    tc_card_init (&other, "E1", "S-MAIN", 1002);
    reply = tc_submit (client, &other, key, TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_CONFLICT
           && strstr (reply->submit_reply->message, "already used"), "key reuse: CONFLICT");
    ll_envelope_free (&reply);
    CHECK (s_burst (client, &other, key, 5, NULL, 0,
                    LEADLINE__V1__STATUS__STATUS_CONFLICT) == 5, "key reuse burst: CONFLICT");
    CHECK (s_leads (db) == 2, "key reuse stored nothing");

    //  INVALID is not remembered: fix the card, same key, and it goes in.
    tc_card_t fixme;
    tc_card_init (&fixme, "E3", "S-MAIN", 1003);
    fixme.business.zip = "oops";
    reply = tc_submit (client, &fixme, "retry-0003-key", TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_INVALID, "bad zip: INVALID");
    ll_envelope_free (&reply);
    fixme.business.zip = fixme.zip;
    reply = tc_submit (client, &fixme, "retry-0003-key", TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "fixed card, same key: OK");
    ll_envelope_free (&reply);
    free (first);
}

// ---------------------------------------------------------------------------
//  dup: the same business again within 90 days

static void
s_case_dup (tc_client_t *client, PGconn *db)
{
    tc_card_t a;
    tc_card_init (&a, "E1", "S-MAIN", 5000);
    snprintf (a.biz_name, sizeof a.biz_name, "Corner Bakery");
    snprintf (a.phone, sizeof a.phone, "555-201-0001");
    snprintf (a.address, sizeof a.address, "12 Elm Street");
    snprintf (a.zip, sizeof a.zip, "10001");
    ll_envelope_t *reply = tc_submit (client, &a, "dup-first-key", TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK && !reply->submit_reply->duplicate
           && *reply->submit_reply->rep_id, "the first referral is an assigned original");
    char original [40] = "";
    if (reply)
        snprintf (original, sizeof original, "%s", reply->submit_reply->lead_id);
    ll_envelope_free (&reply);

    struct {
        const char *name, *employee, *biz, *phone, *address, *zip, *matched;
    } cases [] = {
        { "same phone, written differently", "E2", "Other Name", "+1 (555) 201.0001",
          "99 Other Road", "10002", "phone" },
        { "same name and ZIP", "E3", "The CORNER bakery, Inc.", "555-201-0003",
          "1 Far Away", "10001", "name+zip" },
        { "same name and address", "E4", "corner-bakery LLC", "", "12 elm st.", "10099",
          "name+address" },
    };
    for (size_t i = 0; i < 3; i++) {
        tc_card_t d;
        tc_card_init (&d, cases [i].employee, "S-MAIN", 5001 + (long) i);
        snprintf (d.biz_name, sizeof d.biz_name, "%s", cases [i].biz);
        snprintf (d.phone, sizeof d.phone, "%s", cases [i].phone);
        snprintf (d.address, sizeof d.address, "%s", cases [i].address);
        snprintf (d.zip, sizeof d.zip, "%s", cases [i].zip);
        char key [64];
        reply = tc_submit (client, &d, s_key (key, "dup", (long) i), TC_WAIT_MS);
        CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "%s: OK", cases [i].name);
        CHECK (reply && reply->submit_reply->duplicate
               && strcmp (reply->submit_reply->duplicate_of, original) == 0
               && !*reply->submit_reply->rep_id,
               "%s: duplicate of the first, no rep", cases [i].name);
        CHECK (reply && strstr (reply->submit_reply->message, "first referral keeps the credit"),
               "%s: the submitter is told: %s", cases [i].name,
               reply ? reply->submit_reply->message : "");
        ll_envelope_free (&reply);
        char sql [256];
        snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.leads WHERE idempotency_key = $1"
                  " AND status = 'duplicate' AND rep_id IS NULL AND matched_on = '%s'",
                  cases [i].matched);
        CHECK (tc_db_long (db, sql, key) == 1, "%s: stored as a duplicate matched on %s",
               cases [i].name, cases [i].matched);
    }
    //  Credit: the original keeps its employee and its assignment; each
    //  duplicate event names both employees.
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid"
                       " AND employee_id = 'E1' AND status = 'assigned'", original) == 1,
           "the original stays with E1");
    PGresult *res = PQexec (db, "SELECT payload FROM intake.event_log "
                            "WHERE type = 'lead_duplicate' ORDER BY id");
    CHECK (PQntuples (res) == 3, "three lead_duplicate events");
    for (int r = 0; r < PQntuples (res); r++) {
        size_t len;
        uint8_t *bytes = PQunescapeBytea ((uint8_t *) PQgetvalue (res, r, 0), &len);
        ll_envelope_t *ev = ll_envelope_decode (bytes, len, NULL, NULL, 0);
        CHECK (ev && ev->body_case == LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE
               && strcmp (ev->lead_duplicate->original_employee_id, "E1") == 0
               && strcmp (ev->lead_duplicate->duplicate_of, original) == 0,
               "event %d credits E1's lead", r);
        ll_envelope_free (&ev);
        PQfreemem (bytes);
    }
    PQclear (res);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = 'lead_assigned'",
                       NULL) == 1, "only the original was assigned");

    //  A different business is not a duplicate.
    tc_card_t other;
    tc_card_init (&other, "E2", "S-MAIN", 5100);
    reply = tc_submit (client, &other, "dup-other-key", TC_WAIT_MS);
    CHECK (reply && !reply->submit_reply->duplicate, "another business is an original");
    ll_envelope_free (&reply);

    //  After 90 days the business may be handed in again as new.
    res = PQexecParams (db, "UPDATE intake.leads SET entered_at = entered_at - interval "
                        "'91 days' WHERE id = $1::uuid", 1, NULL,
                        (const char *[]) { original }, NULL, NULL, 0);
    PQclear (res);
    tc_card_t again;
    tc_card_init (&again, "E4", "S-MAIN", 5200);
    snprintf (again.phone, sizeof again.phone, "5552010001");
    reply = tc_submit (client, &again, "dup-after-90-days", TC_WAIT_MS);
    CHECK (reply && tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK
           && !reply->submit_reply->duplicate, "91 days later it is a new lead");
    ll_envelope_free (&reply);

    //  Two cards for one business in the same batch: the first one counts.
    tc_card_t b1, b2;
    tc_card_init (&b1, "E1", "S-MAIN", 5300);
    tc_card_init (&b2, "E2", "S-MAIN", 5301);
    snprintf (b2.phone, sizeof b2.phone, "%s", b1.phone);
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead s1 = LEADLINE__V1__SUBMIT_LEAD__INIT, s2 = s1;
    s1.card = &b1.card;
    s2.card = &b2.card;
    env.version = 1;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.message_id = "m-batch-1";
    env.idempotency_key = "dup-batch-1-key";
    env.submit_lead = &s1;
    zframe_t *f = ll_envelope_frame (&env);
    zframe_send (&f, client->dealer, 0);
    env.message_id = "m-batch-2";
    env.idempotency_key = "dup-batch-2-key";
    env.submit_lead = &s2;
    f = ll_envelope_frame (&env);
    zframe_send (&f, client->dealer, 0);
    int originals = 0, dups = 0;
    for (int i = 0; i < 2; i++) {
        reply = tc_recv (client, TC_WAIT_MS);
        if (reply && reply->submit_reply->duplicate) {
            dups++;
            CHECK (strcmp (reply->message_id, "m-batch-2") == 0, "the later card is the dup");
        }
        else
        if (reply)
            originals++;
        ll_envelope_free (&reply);
    }
    CHECK (originals == 1 && dups == 1, "one original, one duplicate (%d, %d)", originals, dups);
}

// ---------------------------------------------------------------------------
//  assign: territory, product line, capacity, inactive and away, fallback

static void
s_expect_rep (tc_client_t *client, const char *employee, const char *station, long seed,
              Leadline__V1__Product product, const char *rep, const char *why, char *lead_id)
{
    tc_card_t card;
    tc_card_init (&card, employee, station, seed);
    card.products [0] = product;
    char key [64];
    ll_envelope_t *reply = tc_submit (client, &card, s_key (key, "assign", seed), TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "%s: OK", why);
    CHECK (reply && strcmp (reply->submit_reply->rep_id, rep) == 0, "%s: want rep '%s', got "
           "'%s' (%s)", why, rep, reply ? reply->submit_reply->rep_id : "-",
           reply ? reply->submit_reply->message : "");
    if (lead_id && reply)
        snprintf (lead_id, 40, "%s", reply->submit_reply->lead_id);
    ll_envelope_free (&reply);
}

static void
s_case_assign (tc_client_t *client, PGconn *db)
{
    const Leadline__V1__Product PM = LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL;
    char lead [40];
    //  Product lines.
    s_expect_rep (client, "E-PROD", "S-PROD", 1, LEADLINE__V1__PRODUCT__PRODUCT_EDDM, "P2",
                  "EDDM goes to the direct-mail rep", lead);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid AND "
                       "assign_reason LIKE 'territory office O-PROD, products eddm%'", lead) == 1,
           "the reason names the territory and the product");
    s_expect_rep (client, "E-PROD", "S-PROD", 2, PM, "P1", "Priority Mail goes to P1", NULL);
    s_expect_rep (client, "E-PROD", "S-PROD", 3, LEADLINE__V1__PRODUCT__PRODUCT_GROUND, "PFB",
                  "nobody sells ground: the district's fallback owner", lead);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid AND "
                       "fallback AND assign_reason LIKE 'fallback owner of district D-PROD%'",
                       lead) == 1, "the fallback is marked and explained");

    //  Capacity: C1 takes 1, C2 takes 2, then the fallback owner.
    char c1_lead [40];
    s_expect_rep (client, "E-CAP", "S-CAP", 10, PM, "C1", "capacity: 1st to C1", c1_lead);
    s_expect_rep (client, "E-CAP", "S-CAP", 11, PM, "C2", "capacity: 2nd to C2", NULL);
    s_expect_rep (client, "E-CAP", "S-CAP", 12, PM, "C2", "capacity: C1 full, C2", NULL);
    s_expect_rep (client, "E-CAP", "S-CAP", 13, PM, "CFB", "capacity: both full, fallback", NULL);
    //  An outcome frees a place.
    ll_envelope_t *reply = tc_outcome (client, "assign-outcome-c1", c1_lead, "C1",
                                       LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST, 0, NULL);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "C1 closes its lead");
    ll_envelope_free (&reply);
    s_expect_rep (client, "E-CAP", "S-CAP", 14, PM, "C1", "capacity: C1 has room again", NULL);

    //  Inactive and away reps are skipped, even with more weight.
    for (long i = 0; i < 5; i++)
        s_expect_rep (client, "E-INACT", "S-INACT", 20 + i, PM, "I3",
                      "inactive and away reps are skipped", NULL);

    //  Territory: office reps first; an office without reps goes to the
    //  district's.
    s_expect_rep (client, "E-T1", "S-T1", 30, PM, "T1", "office territory", NULL);
    s_expect_rep (client, "E-T2", "S-T2", 31, PM, "TD", "district territory", lead);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid AND "
                       "assign_reason LIKE 'territory district D-TERR%'", lead) == 1,
           "the reason names the district");

    //  Nobody at all: stored, acknowledged, unassigned.
    s_expect_rep (client, "E-NONE", "S-NONE", 40, PM, "", "nobody eligible, no fallback", lead);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid AND "
                       "status = 'unassigned' AND rep_id IS NULL", lead) == 1, "unassigned");

    //  Round robin among equals at the main office: M1, M2, M3, M1, ...
    const char *order [] = { "M1", "M2", "M3", "M1", "M2", "M3" };
    for (long i = 0; i < 6; i++)
        s_expect_rep (client, "E1", "S-MAIN", 50 + i, PM, order [i], "round robin order", NULL);
    //  ...which survives a restart (the state is in the store).
    tc_env_stop (&s_env, false);
    tc_env_start (&s_env);
    for (long i = 0; i < 3; i++)
        s_expect_rep (client, "E1", "S-MAIN", 60 + i, PM, order [i], "round robin after restart",
                      NULL);
    CHECK (tc_db_long (db, "SELECT open_leads FROM intake.rep_load WHERE rep_id = $1", "C1") == 1
           && tc_db_long (db, "SELECT open_leads FROM intake.rep_load WHERE rep_id = $1", "C2")
              == 2, "open leads are counted per rep");

    //  An org change made while intake runs (by hand here; `leadline admin
    //  import` writes the same tables) reaches the next card: intake keeps
    //  the reps in memory between batches only while the store says none of
    //  it changed.
    CHECK (tc_db_long (db, "WITH u AS (UPDATE org.reps SET active = false WHERE id = $1"
                       " RETURNING 1) SELECT count(*) FROM u", "M2") == 1, "M2 goes inactive");
    const char *without_m2 [] = { "M1", "M3", "M1", "M3" };
    for (long i = 0; i < 4; i++)
        s_expect_rep (client, "E1", "S-MAIN", 70 + i, PM, without_m2 [i],
                      "round robin without the rep made inactive", NULL);
    CHECK (tc_db_long (db, "WITH u AS (UPDATE org.reps SET active = true WHERE id = $1"
                       " RETURNING 1) SELECT count(*) FROM u", "M2") == 1, "M2 is back");

    //  A batch that fails after its cards were assigned (here: a transient
    //  error from a trigger, answered UNAVAILABLE) leaves round robin where
    //  the store has it: the reps intake keeps in memory are dropped with
    //  the rollback, so the next card gets the turn the failed one took.
    PGresult *res = PQexec (db,
        "CREATE FUNCTION public.test_fail_after_assign () RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF NEW.business_name LIKE '% 777' THEN"
        "   RAISE EXCEPTION 'test: the store fails this card' USING ERRCODE = '40001';"
        " END IF; RETURN NEW; END $$;"
        " CREATE TRIGGER test_fail_after_assign BEFORE INSERT ON intake.leads"
        " FOR EACH ROW EXECUTE FUNCTION public.test_fail_after_assign ()");
    CHECK (PQresultStatus (res) == PGRES_COMMAND_OK, "a trigger that fails card 777: %s",
           PQerrorMessage (db));
    PQclear (res);
    s_expect_rep (client, "E-RB", "S-RB", 776, PM, "RB1", "rollback office: 1st to RB1", NULL);
    tc_card_t card;
    tc_card_init (&card, "E-RB", "S-RB", 777);
    char key [64];
    reply = tc_submit (client, &card, s_key (key, "assign", 777), TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE,
           "the failing card is answered UNAVAILABLE (got %d)", tc_status (reply));
    ll_envelope_free (&reply);
    s_expect_rep (client, "E-RB", "S-RB", 778, PM, "RB2",
                  "after a rolled-back batch, the turn its card took is RB2's again", NULL);
    s_expect_rep (client, "E-RB", "S-RB", 779, PM, "RB1", "then RB1", NULL);
    res = PQexec (db, "DROP TRIGGER test_fail_after_assign ON intake.leads");
    PQclear (res);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE business_name LIKE '% 777'",
                       NULL) == 0, "the failed card was not stored");
}

// ---------------------------------------------------------------------------
//  fairness: 10 000 leads over weights 1:2:3:4, each within 5 %

static void
s_case_fairness (tc_client_t *client, PGconn *db)
{
    const int total = 10000, window = 400;
    int sent = 0, received = 0, ok = 0;
    int per_rep [5] = { 0 };
    tc_card_t *cards = calloc ((size_t) total, sizeof *cards);
    assert (cards);
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    env.version = 1;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    while (received < total) {
        while (sent < total && sent - received < window) {
            tc_card_init (&cards [sent], "E-FAIR", "S-FAIR", 100000 + sent);
            submit.card = &cards [sent].card;
            char key [64], id [37];
            ll_uuid_new (id);
            env.message_id = id;
            env.idempotency_key = s_key (key, "fair", sent);
            zframe_t *f = ll_envelope_frame (&env);
            zframe_send (&f, client->dealer, 0);
            sent++;
        }
        ll_envelope_t *reply = tc_recv (client, 30000);
        if (!reply) {
            CHECK (false, "fairness: no reply after %d of %d", received, total);
            break;
        }
        received++;
        if (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK) {
            ok++;
            const char *rep = reply->submit_reply->rep_id;
            if (rep [0] == 'F' && rep [1] >= '1' && rep [1] <= '4')
                per_rep [rep [1] - '0']++;
        }
        ll_envelope_free (&reply);
    }
    CHECK (ok == total, "all %d acknowledged (%d)", total, ok);
    for (int r = 1; r <= 4; r++) {
        double want = total * r / 10.0;
        printf ("fairness: F%d weight %d: %d leads (expected %.0f)\n", r, r, per_rep [r], want);
        CHECK (per_rep [r] >= want * 0.95 && per_rep [r] <= want * 1.05,
               "F%d within 5%% of its weight: %d vs %.0f", r, per_rep [r], want);
        char rep [4] = { 'F', (char) ('0' + r), 0 };
        CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE rep_id = $1", rep)
               == per_rep [r], "the store agrees for F%d", r);
    }
    free (cards);
}

// ---------------------------------------------------------------------------
//  concurrent: 50 terminals at once

#define TERMINALS 50
#define CARDS_EACH 40

typedef struct {
    int index;
    const char *endpoint;
    int ok;
    char (*leads) [40];
} s_terminal_t;

static void *
s_terminal (void *arg)
{
    s_terminal_t *t = arg;
    tc_client_t *client = tc_client_new (t->endpoint);
    for (int i = 0; i < CARDS_EACH; i++) {
        tc_card_t card;
        long seed = 200000 + t->index * 1000 + i;
        tc_card_init (&card, t->index % 2 ? "E1" : "E2", "S-MAIN", seed);
        char key [64];
        ll_envelope_t *reply = tc_submit_retry (client, &card, s_key (key, "term", seed), 60000);
        if (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK && !reply->submit_reply->duplicate) {
            snprintf (t->leads [i], 40, "%s", reply->submit_reply->lead_id);
            t->ok++;
        }
        ll_envelope_free (&reply);
    }
    tc_client_destroy (&client);
    return NULL;
}

static void
s_case_concurrent (tc_client_t *client, PGconn *db)
{
    pthread_t threads [TERMINALS];
    s_terminal_t terms [TERMINALS];
    for (int i = 0; i < TERMINALS; i++) {
        terms [i] = (s_terminal_t) { .index = i, .endpoint = s_env.endpoint,
                                     .leads = calloc (CARDS_EACH, 40) };
        pthread_create (&threads [i], NULL, s_terminal, &terms [i]);
    }
    int ok = 0;
    zhashx_t *ids = zhashx_new ();
    for (int i = 0; i < TERMINALS; i++) {
        pthread_join (threads [i], NULL);
        ok += terms [i].ok;
        for (int c = 0; c < CARDS_EACH; c++)
            if (terms [i].leads [c][0])
                zhashx_insert (ids, terms [i].leads [c], (void *) 1);
        free (terms [i].leads);
    }
    CHECK (ok == TERMINALS * CARDS_EACH, "every card acknowledged: %d of %d", ok,
           TERMINALS * CARDS_EACH);
    CHECK ((int) zhashx_size (ids) == ok, "distinct lead ids: %zu", zhashx_size (ids));
    zhashx_destroy (&ids);
    CHECK (s_leads (db) == TERMINALS * CARDS_EACH, "the store holds each once: %ld", s_leads (db));
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log", NULL)
           == 2 * TERMINALS * CARDS_EACH, "two events per lead");
    tc_sh ("port=$(grep -o 'ops endpoint on port [0-9]*' '%s/intake.log' | tail -n 1 "
           "| grep -o '[0-9]*$'); curl -sf http://127.0.0.1:$port/metrics "
           "| grep 'leadline_intake_batch_size_\\(sum\\|count\\)' | sed 's/^/concurrent: /'",
           s_env.dir);
}

// ---------------------------------------------------------------------------
//  two: two intake instances serve at once on one store

typedef struct {
    const char *endpoint;
    int n;
    int64_t completed_us;       // one card time for both senders
    char (*leads) [40];
} s_same_key_t;

//  Sends each of `n` keys once, with the same card for a key everywhere.
static void *
s_same_keys (void *arg)
{
    s_same_key_t *t = arg;
    tc_client_t *client = tc_client_new (t->endpoint);
    for (int i = 0; i < t->n; i++) {
        tc_card_t card;
        tc_card_init (&card, "E1", "S-MAIN", 300000 + i);
        card.card.card_completed_us = t->completed_us;
        char key [64];
        ll_envelope_t *reply = tc_submit_retry (client, &card, s_key (key, "both", i), 60000);
        if (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK)
            snprintf (t->leads [i], 40, "%s", reply->submit_reply->lead_id);
        else
            fprintf (stderr, "two: key %s through %s: status %d\n", key, t->endpoint,
                     tc_status (reply));
        ll_envelope_free (&reply);
    }
    tc_client_destroy (&client);
    return NULL;
}

static void
s_case_two (tc_client_t *client, PGconn *db)
{
    char other [300];
    pid_t pid = tc_env_start_other (&s_env, "b", other, sizeof other);
    printf ("two: a second intake is ready beside the first\n");

    //  Terminals split between the two, all at once.
    pthread_t threads [TERMINALS];
    s_terminal_t terms [TERMINALS];
    for (int i = 0; i < TERMINALS; i++) {
        terms [i] = (s_terminal_t) { .index = i, .endpoint = i % 2 ? other : s_env.endpoint,
                                     .leads = calloc (CARDS_EACH, 40) };
        pthread_create (&threads [i], NULL, s_terminal, &terms [i]);
    }
    //  The same keys through both at the same time: one lead each.
    enum { KEYS = 200 };
    int64_t completed = ll_clock_now_us () - 3600LL * 1000000;
    s_same_key_t same [2] = { { s_env.endpoint, KEYS, completed, calloc (KEYS, 40) },
                              { other, KEYS, completed, calloc (KEYS, 40) } };
    pthread_t same_threads [2];
    for (int i = 0; i < 2; i++)
        pthread_create (&same_threads [i], NULL, s_same_keys, &same [i]);
    int ok [2] = { 0, 0 };
    for (int i = 0; i < TERMINALS; i++) {
        pthread_join (threads [i], NULL);
        ok [i % 2] += terms [i].ok;
        free (terms [i].leads);
    }
    for (int i = 0; i < 2; i++)
        pthread_join (same_threads [i], NULL);
    printf ("two: acknowledged %d through the first, %d through the second\n", ok [0], ok [1]);
    CHECK (ok [0] == TERMINALS / 2 * CARDS_EACH && ok [1] == TERMINALS / 2 * CARDS_EACH,
           "every card acknowledged by the instance it went to: %d + %d", ok [0], ok [1]);
    int agree = 0;
    for (int k = 0; k < KEYS; k++)
        agree += same [0].leads [k][0] && strcmp (same [0].leads [k], same [1].leads [k]) == 0;
    CHECK (agree == KEYS, "a key sent to both gets one lead id from both: %d of %d", agree, KEYS);
    free (same [0].leads);
    free (same [1].leads);
    long leads = s_leads (db);
    CHECK (leads == TERMINALS * CARDS_EACH + KEYS, "the store holds each lead once: %ld", leads);
    //  Both instances wrote the one stream: numbered 1..n without holes.
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log", NULL)
           == tc_db_long (db, "SELECT max(seq) FROM intake.event_log", NULL),
           "the stream's sequence has no hole");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log", NULL) == 2 * leads,
           "two events per lead");
    kill (pid, SIGTERM);
    int status = 0;
    waitpid (pid, &status, 0);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0, "the second stops cleanly");
}

// ---------------------------------------------------------------------------
//  updates: only the assigned rep; managers reassign

static void
s_case_updates (tc_client_t *client, PGconn *db)
{
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", 7000);
    ll_envelope_t *reply = tc_submit (client, &card, "upd-lead-key", TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "lead in");
    char lead [40] = "", rep [40] = "";
    if (reply) {
        snprintf (lead, sizeof lead, "%s", reply->submit_reply->lead_id);
        snprintf (rep, sizeof rep, "%s", reply->submit_reply->rep_id);
    }
    ll_envelope_free (&reply);
    const char *other = strcmp (rep, "M2") ? "M2" : "M3";
    const int ATTEMPT = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT;
    const int CONTACTED = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED;

    reply = tc_contact (client, "upd-1-key", lead, other, ATTEMPT);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN
           && strstr (reply->update_reply->message, "only the assigned rep"),
           "another rep may not record a contact: %s", reply ? reply->update_reply->message : "");
    ll_envelope_free (&reply);
    reply = tc_outcome (client, "upd-2-key", lead, other, LEADLINE__V1__OUTCOME__OUTCOME_WON,
                        100000, NULL);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
           "another rep may not record the outcome");
    ll_envelope_free (&reply);

    reply = tc_contact (client, "upd-3-key", lead, rep, ATTEMPT);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "attempt recorded");
    ll_envelope_free (&reply);
    reply = tc_contact (client, "upd-4-key", lead, rep, CONTACTED);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "contact recorded");
    ll_envelope_free (&reply);
    reply = tc_contact (client, "upd-4-key", lead, rep, CONTACTED);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "retried update: OK");
    ll_envelope_free (&reply);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.contacts WHERE lead_id = $1::uuid",
                       lead) == 2, "two contacts, the retry made none");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid AND "
                       "status = 'contacted' AND contacted_at IS NOT NULL", lead) == 1,
           "the lead is contacted");
    reply = tc_contact (client, "upd-5-key", lead, rep, 0);
    CHECK (tc_field_error (reply, "kind") != NULL, "a contact needs its kind");
    ll_envelope_free (&reply);
    reply = tc_contact (client, "upd-6-key", "not-a-uuid", rep, ATTEMPT);
    CHECK (tc_field_error (reply, "lead_id") != NULL, "a lead id is a UUID");
    ll_envelope_free (&reply);
    reply = tc_contact (client, "upd-7-key", "00000000-0000-4000-8000-000000000000", rep, ATTEMPT);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_NOT_FOUND, "no such lead");
    ll_envelope_free (&reply);

    //  Reassign: not a manager, a manager of another district, then the
    //  lead's district's manager.
    reply = tc_reassign (client, "upd-8-key", lead, other, "E2", "busy");
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN, "only managers reassign");
    ll_envelope_free (&reply);
    reply = tc_reassign (client, "upd-9-key", lead, other, "MGR-FAIR", "busy");
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
           "a manager of another district may not");
    ll_envelope_free (&reply);
    reply = tc_reassign (client, "upd-10-key", lead, "I1", "MGR-MAIN", "busy");
    CHECK (tc_field_error (reply, "new_rep_id") != NULL, "not to an inactive rep");
    ll_envelope_free (&reply);
    reply = tc_reassign (client, "upd-11-key", lead, other, "MGR-MAIN", "rep on leave");
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "the manager reassigns");
    ll_envelope_free (&reply);
    reply = tc_contact (client, "upd-12-key", lead, rep, ATTEMPT);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
           "the former rep may no longer update");
    ll_envelope_free (&reply);

    //  Outcome by the new rep; once.
    reply = tc_outcome (client, "upd-13-key", lead, other, LEADLINE__V1__OUTCOME__OUTCOME_WON, 0,
                        NULL);
    CHECK (tc_field_error (reply, "annual_revenue_cents") != NULL, "won needs revenue");
    ll_envelope_free (&reply);
    reply = tc_outcome (client, "upd-14-key", lead, other, LEADLINE__V1__OUTCOME__OUTCOME_LOST, 0,
                        "");
    CHECK (tc_field_error (reply, "lost_reason") != NULL, "lost needs a reason");
    ll_envelope_free (&reply);
    reply = tc_outcome (client, "upd-15-key", lead, other, LEADLINE__V1__OUTCOME__OUTCOME_WON,
                        1250000, NULL);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "the new rep records a win");
    ll_envelope_free (&reply);
    reply = tc_outcome (client, "upd-16-key", lead, other,
                        LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST, 0, NULL);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_CONFLICT, "one outcome per lead");
    ll_envelope_free (&reply);
    reply = tc_reassign (client, "upd-17-key", lead, rep, "MGR-ALL", "back");
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_CONFLICT, "a closed lead stays");
    ll_envelope_free (&reply);
    CHECK (tc_db_long (db, "SELECT revenue_cents FROM intake.leads WHERE id = $1::uuid", lead)
           == 1250000, "the revenue is stored");

    //  Events: reassigned, two contacts, one outcome.
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = "
                       "'contact_recorded'", NULL) == 2, "two contact_recorded events");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = "
                       "'outcome_recorded'", NULL) == 1, "one outcome_recorded event");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = "
                       "'lead_reassigned'", NULL) == 1, "one lead_reassigned event");

    //  A duplicate has no rep to update it.
    tc_card_t dup;
    tc_card_init (&dup, "E2", "S-MAIN", 7001);
    snprintf (dup.phone, sizeof dup.phone, "%s", card.phone);
    reply = tc_submit (client, &dup, "upd-dup-key", TC_WAIT_MS);
    char dup_lead [40] = "";
    if (reply)
        snprintf (dup_lead, sizeof dup_lead, "%s", reply->submit_reply->lead_id);
    ll_envelope_free (&reply);
    reply = tc_contact (client, "upd-18-key", dup_lead, rep, ATTEMPT);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN
           && strstr (reply->update_reply->message, "duplicate"), "a duplicate is not updated");
    ll_envelope_free (&reply);

    //  A request signed by one rep acting as another is refused.
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__RecordContact rc = LEADLINE__V1__RECORD_CONTACT__INIT;
    rc.lead_id = lead;
    rc.rep_id = (char *) other;
    rc.kind = ATTEMPT;
    env.sender = "M1-impostor";
    env.idempotency_key = "upd-19-key";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT;
    env.record_contact = &rc;
    reply = tc_call (client, &env, TC_WAIT_MS, NULL, NULL);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN, "sender must be the rep");
    ll_envelope_free (&reply);
}

// ---------------------------------------------------------------------------
//  pgdown: PostgreSQL stopped -> UNAVAILABLE, never an ack; back -> OK

static void
s_case_pgdown (tc_client_t *client, PGconn *db)
{
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", 8000);
    ll_envelope_t *reply = tc_submit (client, &card, "pgdown-0-key", TC_WAIT_MS);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "before: OK");
    char lead [40] = "";
    if (reply)
        snprintf (lead, sizeof lead, "%s", reply->submit_reply->lead_id);
    ll_envelope_free (&reply);
    PQfinish (db);

    const char *cluster = getenv ("LEADLINE_PGCLUSTER");
    const char *pgdir = getenv ("LEADLINE_PGDIR");
    CHECK (tc_sh ("'%s' kill '%s'", cluster, pgdir) == 0, "PostgreSQL stopped");
    tc_card_t down;
    tc_card_init (&down, "E2", "S-MAIN", 8001);
    for (int i = 0; i < 3; i++) {
        reply = tc_submit (client, &down, "pgdown-1-key", TC_WAIT_MS);
        CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE
               && reply->submit_reply->retry_after_ms > 0,
               "store down: UNAVAILABLE with retry_after_ms (try %d, status %d)", i,
               tc_status (reply));
        ll_envelope_free (&reply);
    }
    reply = tc_contact (client, "pgdown-2-key", lead, "M1",
                        LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE, "updates too");
    ll_envelope_free (&reply);

    CHECK (tc_sh ("'%s' start '%s' >/dev/null", cluster, pgdir) == 0, "PostgreSQL started");
    reply = tc_submit_retry (client, &down, "pgdown-1-key", 60000);
    CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "store back: the retry is taken");
    ll_envelope_free (&reply);
    db = tc_db ();
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE idempotency_key = $1",
                       "pgdown-1-key") == 1, "stored once");
    CHECK (s_leads (db) == 2, "two leads in all");
    PQfinish (db);
}

// ---------------------------------------------------------------------------
//  events: a consumer following stream "intake" (ll_subscriber, as the
//  other services do) sees every event once, in order, typed as promised

typedef struct {
    int count [64];             // by Envelope body case
    uint64_t last_seq;
    bool in_order;
    int applied;
    int want;
} s_seen_t;

static int
s_apply_event (PGconn *conn, const ll_envelope_t *event, void *arg)
{
    s_seen_t *seen = arg;
    if (strcmp (event->stream, "intake") != 0 || event->sequence != seen->last_seq + 1)
        seen->in_order = false;
    seen->last_seq = event->sequence;
    if (event->body_case < 64)
        seen->count [event->body_case]++;
    seen->applied++;
    return 0;
}

static int
s_events_tick (zloop_t *loop, int timer_id, void *arg)
{
    s_seen_t *seen = arg;
    return seen->applied >= seen->want ? -1 : 0;
}

static int
s_events_give_up (zloop_t *loop, int timer_id, void *arg)
{
    return -1;
}

static void
s_case_events (tc_client_t *client, PGconn *db)
{
    //  Five leads (one a duplicate), a contact, an outcome, a reassignment.
    char leads [5][40] = { "" }, reps [5][40] = { "" };
    for (int i = 0; i < 5; i++) {
        tc_card_t card;
        tc_card_init (&card, "E1", "S-MAIN", 11000 + (i == 4 ? 0 : i));
        char key [64];
        ll_envelope_t *reply = tc_submit (client, &card, s_key (key, "events", i), TC_WAIT_MS);
        CHECK (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK, "lead %d", i);
        if (reply) {
            snprintf (leads [i], 40, "%s", reply->submit_reply->lead_id);
            snprintf (reps [i], 40, "%s", reply->submit_reply->rep_id);
        }
        ll_envelope_free (&reply);
    }
    ll_envelope_t *reply = tc_contact (client, "events-c-key", leads [0], reps [0],
                                       LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED);
    ll_envelope_free (&reply);
    reply = tc_outcome (client, "events-o-key", leads [0], reps [0],
                        LEADLINE__V1__OUTCOME__OUTCOME_WON, 500000, NULL);
    ll_envelope_free (&reply);
    reply = tc_reassign (client, "events-r-key", leads [1], strcmp (reps [1], "M1") ? "M1" : "M2",
                         "MGR-MAIN", "balance");
    ll_envelope_free (&reply);

    //  Then a consumer joins late: it catches up by replay from the log.
    PGresult *res = PQexec (db, "CREATE SCHEMA IF NOT EXISTS evtest");
    PQclear (res);
    CHECK (ll_subscriber_migrate (db, "evtest") == 0, "consumer cursor table");
    s_seen_t seen = { .in_order = true, .want = 5 + 4 + 1 + 3 };
    ll_subscriber_t *sub = ll_subscriber_new (getenv ("LEADLINE_DB"), "evtest",
                                              s_apply_event, &seen);
    char pub [400], replay [400];
    snprintf (pub, sizeof pub, "ipc://%s/pub", s_env.dir);
    snprintf (replay, sizeof replay, "ipc://%s/replay", s_env.dir);
    ll_subscriber_follow (sub, "intake", pub, replay);
    zloop_t *loop = zloop_new ();
    ll_subscriber_attach (sub, loop);
    zloop_timer (loop, 50, 0, s_events_tick, &seen);
    zloop_timer (loop, 60000, 1, s_events_give_up, NULL);
    zloop_start (loop);
    //  And one more lead live, over PUB.
    if (seen.applied >= seen.want) {
        tc_card_t card;
        tc_card_init (&card, "E2", "S-MAIN", 11100);
        reply = tc_submit (client, &card, "events-live-key", TC_WAIT_MS);
        ll_envelope_free (&reply);
        seen.want += 2;
        zloop_start (loop);
    }
    ll_subscriber_destroy (&sub);
    zloop_destroy (&loop);

    printf ("events: %d applied, last sequence %llu\n", seen.applied,
            (unsigned long long) seen.last_seq);
    CHECK (seen.applied == seen.want, "every event once: %d of %d", seen.applied, seen.want);
    CHECK (seen.in_order, "gap-free, in sequence, on stream intake");
    CHECK (seen.count [LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED] == 6, "6 lead_entered");
    CHECK (seen.count [LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED] == 5, "5 lead_assigned");
    CHECK (seen.count [LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE] == 1, "1 lead_duplicate");
    CHECK (seen.count [LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED] == 1, "1 contact_recorded");
    CHECK (seen.count [LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED] == 1, "1 outcome_recorded");
    CHECK (seen.count [LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED] == 1, "1 lead_reassigned");
}

// ---------------------------------------------------------------------------
//  poison: a card the store refuses does not sink the rest of its batch

static void
s_case_poison (tc_client_t *client, PGconn *db)
{
    //  A trigger stands in for whatever a validator could miss.
    PGresult *res = PQexec (db,
        "CREATE FUNCTION intake.poison () RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF NEW.business_name = 'POISON' THEN"
        "   RAISE EXCEPTION 'poisoned card' USING ERRCODE = '22023'; END IF;"
        " RETURN NEW; END $$;"
        "CREATE TRIGGER poison BEFORE INSERT ON intake.leads"
        " FOR EACH ROW EXECUTE FUNCTION intake.poison ()");
    CHECK (PQresultStatus (res) == PGRES_COMMAND_OK, "trigger: %s", PQerrorMessage (db));
    PQclear (res);
    const int n = 12;
    tc_card_t cards [12];
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    env.version = 1;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    for (int i = 0; i < n; i++) {
        tc_card_init (&cards [i], "E1", "S-MAIN", 9000 + i);
        if (i == 5)
            cards [i].business.name = "POISON";
        submit.card = &cards [i].card;
        char key [64], id [40];
        snprintf (id, sizeof id, "poison-msg-%d", i);
        env.message_id = id;
        env.idempotency_key = s_key (key, "poison", i);
        zframe_t *f = ll_envelope_frame (&env);
        zframe_send (&f, client->dealer, 0);
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        ll_envelope_t *reply = tc_recv (client, TC_WAIT_MS);
        if (!reply)
            break;
        if (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK)
            ok++;
        else {
            const Leadline__V1__FieldError *e = tc_field_error (reply, "card");
            CHECK (strcmp (reply->message_id, "poison-msg-5") == 0 && e
                   && strcmp (e->code, "rejected") == 0, "only the poisoned card is refused");
            refused++;
        }
        ll_envelope_free (&reply);
    }
    CHECK (ok == n - 1 && refused == 1, "%d taken, %d refused", ok, refused);
    CHECK (s_leads (db) == n - 1, "the other cards are stored");
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = 'lead_entered'",
                       NULL) == n - 1, "and only their events");
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: test_intake invalid|retry|dup|assign|fairness|concurrent|two|"
                 "updates|poison|events|pgdown\n");
        return 2;
    }
    const char *name = argv [1];
    tc_env_init (&s_env, name);
    tc_env_start (&s_env);
    tc_client_t *client = tc_client_new (s_env.endpoint);
    PGconn *db = tc_db ();
    if (strcmp (name, "invalid") == 0) s_case_invalid (client, db);
    else if (strcmp (name, "retry") == 0) s_case_retry (client, db);
    else if (strcmp (name, "dup") == 0) s_case_dup (client, db);
    else if (strcmp (name, "assign") == 0) s_case_assign (client, db);
    else if (strcmp (name, "fairness") == 0) s_case_fairness (client, db);
    else if (strcmp (name, "concurrent") == 0) s_case_concurrent (client, db);
    else if (strcmp (name, "two") == 0) s_case_two (client, db);
    else if (strcmp (name, "updates") == 0) s_case_updates (client, db);
    else if (strcmp (name, "poison") == 0) s_case_poison (client, db);
    else if (strcmp (name, "events") == 0) s_case_events (client, db);
    else if (strcmp (name, "pgdown") == 0) {
        s_case_pgdown (client, db);
        db = NULL;
    }
    else {
        fprintf (stderr, "unknown case %s\n", name);
        return 2;
    }
    if (db)
        PQfinish (db);
    tc_client_destroy (&client);
    tc_env_done (&s_env);
    printf ("%s: %s\n", name, tc_failures ? "FAILED" : "ok");
    return tc_failures ? 1 : 0;
}
