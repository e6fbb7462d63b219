/*  test_intake_hostile — hostile input against the real leadline-intake,
    all on one connection: truncated protobuf, a wrong protocol version, an
    unknown body field, a type intake does not take, a huge field, invalid
    UTF-8, and SQL-injection strings. Each gets an error reply (the
    injection strings are stored verbatim and harmlessly), each is counted
    on /metrics, nothing else is stored, and the connection still takes a
    good card afterwards. Run under tests/lib/with-pg. */
#include "intake_client.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tc_env_t s_env;

static long
s_leads (PGconn *db)
{
    return tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL);
}

//  An Error reply with this code.
static void
s_expect_error (ll_envelope_t *r, const char *code, const char *what)
{
    CHECK (r && r->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR
        && r->error->status == LEADLINE__V1__STATUS__STATUS_BAD_REQUEST
        && strcmp (r->error->code, code) == 0, "%s: expected %s, got %s", what, code,
        r && r->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR ? r->error->code : "no Error");
}

//  A SubmitReply INVALID with a field error on `field`.
static void
s_expect_invalid (ll_envelope_t *r, const char *field, const char *what)
{
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_INVALID
        && tc_field_error (r, field), "%s: expected INVALID on %s", what, field);
}

int
main (void)
{
    zsys_init ();
    zsys_set_linger (0);
    tc_env_init (&s_env, "hostile");
    tc_env_start (&s_env);
    PGconn *db = tc_db ();
    tc_client_t *c = tc_client_new (s_env.endpoint);
    long leads0 = s_leads (db);

    //  A valid submission, packed, then cut in half.
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", 1);
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card.card;
    env.version = 1;
    env.message_id = "m-hostile-1";
    env.idempotency_key = "hostile-truncated";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    size_t size = leadline__v1__envelope__get_packed_size (&env);
    uint8_t *buf = malloc (size);
    leadline__v1__envelope__pack (&env, buf);
    ll_envelope_t *r = tc_call_raw (c, buf, size / 2, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_malformed", "truncated protobuf");
    ll_envelope_free (&r);
    free (buf);

    //  Wrong protocol version.
    env.version = 7;
    size = leadline__v1__envelope__get_packed_size (&env);
    buf = malloc (size);
    leadline__v1__envelope__pack (&env, buf);
    r = tc_call_raw (c, buf, size, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_bad_version", "version 7");
    ll_envelope_free (&r);
    free (buf);
    env.version = 1;

    //  An unknown body (field 1000, as a newer peer might send) and nothing else.
    uint8_t unknown [] = { 0x08, 0x01, 0xC2, 0x3E, 0x01, 'x' };
    r = tc_call_raw (c, unknown, sizeof unknown, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_no_body", "unknown message type");
    ll_envelope_free (&r);

    //  A type intake does not take.
    ll_envelope_t hb_env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__Heartbeat hb = LEADLINE__V1__HEARTBEAT__INIT;
    hb_env.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    hb_env.heartbeat = &hb;
    r = tc_call (c, &hb_env, TC_WAIT_MS, NULL, NULL);
    s_expect_error (r, "unsupported", "heartbeat");
    ll_envelope_free (&r);

    //  A huge field (under the frame cap).
    static char huge [200 * 1024];
    memset (huge, 'h', sizeof huge - 1);
    tc_card_init (&card, "E1", "S-MAIN", 2);
    card.card.notes = huge;
    r = tc_submit (c, &card, "hostile-huge-notes", TC_WAIT_MS);
    s_expect_invalid (r, "card.notes", "200 KB notes");
    ll_envelope_free (&r);

    //  Invalid UTF-8 in a string field.
    tc_card_init (&card, "E1", "S-MAIN", 3);
    snprintf (card.biz_name, sizeof card.biz_name, "Bad \xff\xfe bytes \xc0\xaf");
    r = tc_submit (c, &card, "hostile-bad-utf8", TC_WAIT_MS);
    s_expect_invalid (r, "card.business.name", "invalid UTF-8");
    ll_envelope_free (&r);
    CHECK (s_leads (db) == leads0, "a hostile card was stored");

    //  SQL injection: taken as text, stored verbatim, the tables untouched.
    const char *inject = "Robert'); DROP TABLE intake.leads; --";
    tc_card_init (&card, "E1", "S-MAIN", 4);
    snprintf (card.biz_name, sizeof card.biz_name, "%s", inject);
    snprintf (card.notes, sizeof card.notes, "' OR '1'='1");
    r = tc_submit (c, &card, "hostile-injection", TC_WAIT_MS);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "injection strings: status %d",
           tc_status (r));
    ll_envelope_free (&r);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE business_name = $1",
                       inject) == 1, "the injection string is not stored verbatim");
    CHECK (s_leads (db) == leads0 + 1, "lead count changed by %ld", s_leads (db) - leads0);

    //  The same connection still works.
    tc_card_init (&card, "E1", "S-MAIN", 5);
    r = tc_submit (c, &card, "hostile-good-after", TC_WAIT_MS);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "a good card after hostile input");
    ll_envelope_free (&r);
    CHECK (s_leads (db) == leads0 + 2, "exactly the two good cards are stored");

    //  Every refusal is counted on /metrics.
    CHECK (tc_sh ("port=$(grep -o 'ops endpoint on port [0-9]*' '%s/intake.log' | tail -n 1 "
                  "| grep -o '[0-9]*$'); curl -sf http://127.0.0.1:$port/metrics > '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_malformed\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_bad_version\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_no_body\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"unsupported\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_requests_total{type=\"submit_lead\",status=\"invalid\"} 2' "
                  "'%s/metrics'", s_env.dir, s_env.dir, s_env.dir, s_env.dir, s_env.dir, s_env.dir,
                  s_env.dir) == 0, "refusals are counted on /metrics (%s/metrics)", s_env.dir);

    tc_client_destroy (&c);
    tc_env_stop (&s_env, false);
    PQfinish (db);
    tc_env_done (&s_env);
    if (tc_failures) {
        fprintf (stderr, "intake hostile: %d failure(s)\n", tc_failures);
        return 1;
    }
    printf ("intake hostile: ok\n");
    return 0;
}
