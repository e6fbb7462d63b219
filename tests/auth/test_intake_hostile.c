/*  test_intake_hostile — hostile input against the real leadline-intake
    with CURVE on, as an authenticated terminal gone bad would send it, all
    on one connection: truncated and malformed protobuf, a wrong protocol
    version, an unknown body field, a type intake does not take, a huge
    field, invalid UTF-8; and from another station's key, a replay of the
    first terminal's exact bytes (same idempotency key), and from another
    person's key a replay of a rep's update. Each gets an error
    reply and a counter on /metrics, and a checksum of every table of the
    schemas intake and org is the same before and after. SQL-injection
    strings are then stored verbatim and harmlessly, and the connection
    still takes a good card. Run under tests/lib/with-pg. */
#include "intake_client.h"
#include "ll_auth.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tc_env_t s_env;
static char s_server_pub [41];

static long
s_leads (PGconn *db)
{
    return tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL);
}

//  MD5 of every row of every table of the schemas intake and org (the key
//  registry and the event log's numbering are not lead data; the event log
//  itself is intake's and is included). Caller frees.
static char *
s_checksum (PGconn *db)
{
    PGresult *tables = PQexec (db, "SELECT format ('%I.%I', schemaname, tablename) FROM pg_tables "
                                   "WHERE schemaname IN ('intake', 'org') ORDER BY 1");
    if (PQresultStatus (tables) != PGRES_TUPLES_OK || PQntuples (tables) < 5) {
        fprintf (stderr, "cannot list tables: %s\n", PQerrorMessage (db));
        exit (1);
    }
    size_t cap = 64 + (size_t) PQntuples (tables) * 120, len = 0;
    char *out = calloc (1, cap);
    for (int i = 0; i < PQntuples (tables); i++) {
        char sql [300];
        snprintf (sql, sizeof sql, "SELECT coalesce (md5 (string_agg (t::text, E'\\n' "
                  "ORDER BY t::text)), 'empty') FROM %s t", PQgetvalue (tables, i, 0));
        PGresult *res = PQexec (db, sql);
        if (PQresultStatus (res) != PGRES_TUPLES_OK) {
            fprintf (stderr, "checksum %s: %s\n", sql, PQerrorMessage (db));
            exit (1);
        }
        len += (size_t) snprintf (out + len, cap - len, "%.60s=%.32s ", PQgetvalue (tables, i, 0),
                                  PQgetvalue (res, 0, 0));
        PQclear (res);
    }
    PQclear (tables);
    return out;
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
    char path [400], term_main [41], term_fair [41];
    tc_key_generate (&s_env, "server", "service", "intake", s_server_pub);
    tc_key_generate (&s_env, "term_main", "terminal", "S-MAIN", term_main);
    tc_key_generate (&s_env, "term_fair", "terminal", "S-FAIR", term_fair);
    char rep_m1 [41], rep_m2 [41];
    tc_key_generate (&s_env, "rep_m1", "person", "M1", rep_m1);
    tc_key_generate (&s_env, "rep_m2", "person", "M2", rep_m2);
    snprintf (path, sizeof path, "%s/server_secret", s_env.dir);
    setenv ("LEADLINE_AUTH_SECRET_KEY_FILE", path, 1);
    tc_env_start (&s_env);
    PGconn *db = tc_db ();
    tc_client_t *c = tc_client_keyed (&s_env, "term_main", s_server_pub);

    //  The S-MAIN terminal's first card, as exact bytes (replayed below).
    tc_card_t first;
    tc_card_init (&first, "E1", "S-MAIN", 100);
    ll_envelope_t fenv = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead fsubmit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    fsubmit.card = &first.card;
    fenv.version = 1;
    fenv.message_id = "m-hostile-first";
    fenv.idempotency_key = "hostile-first";
    fenv.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    fenv.submit_lead = &fsubmit;
    size_t fsize = leadline__v1__envelope__get_packed_size (&fenv);
    uint8_t *fbuf = malloc (fsize);
    leadline__v1__envelope__pack (&fenv, fbuf);
    ll_envelope_t *r = NULL;
    //  The first call may race the CURVE handshake; the same bytes again are a retry.
    for (int i = 0; i < 10 && tc_status (r) != LEADLINE__V1__STATUS__STATUS_OK; i++) {
        ll_envelope_free (&r);
        r = tc_call_raw (c, fbuf, fsize, 3000);
    }
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "the first card: status %d",
           tc_status (r));
    char first_lead [64] = "", first_rep [64] = "";
    if (r && r->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY) {
        snprintf (first_lead, sizeof first_lead, "%s", r->submit_reply->lead_id);
        snprintf (first_rep, sizeof first_rep, "%s", r->submit_reply->rep_id);
    }
    ll_envelope_free (&r);
    CHECK (!strcmp (first_rep, "M1") || !strcmp (first_rep, "M2"), "first lead went to %s",
           first_rep);
    //  Its rep records a contact, also as exact bytes (replayed below).
    ll_envelope_t cenv = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__RecordContact contact = LEADLINE__V1__RECORD_CONTACT__INIT;
    contact.lead_id = first_lead;
    contact.rep_id = first_rep;
    contact.kind = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT;
    cenv.version = 1;
    cenv.message_id = "m-hostile-contact";
    cenv.idempotency_key = "hostile-contact";
    cenv.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT;
    cenv.record_contact = &contact;
    size_t csize = leadline__v1__envelope__get_packed_size (&cenv);
    uint8_t *cbuf = malloc (csize);
    leadline__v1__envelope__pack (&cenv, cbuf);
    bool m1 = strcmp (first_rep, "M1") == 0;
    tc_client_t *own = tc_client_keyed (&s_env, m1 ? "rep_m1" : "rep_m2", s_server_pub);
    r = NULL;
    for (int i = 0; i < 10 && !r; i++)
        r = tc_call_raw (own, cbuf, csize, 3000);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "the rep's contact: status %d",
           tc_status (r));
    ll_envelope_free (&r);
    tc_client_destroy (&own);
    long leads0 = s_leads (db);
    char *sum0 = s_checksum (db);

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
    r = tc_call_raw (c, buf, size / 2, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_malformed", "truncated protobuf");
    ll_envelope_free (&r);
    free (buf);

    //  Malformed protobuf: a varint that never ends, a length past the end,
    //  a wire type that does not exist.
    uint8_t garbage [] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    r = tc_call_raw (c, garbage, sizeof garbage, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_malformed", "endless varint");
    ll_envelope_free (&r);
    uint8_t overlong [] = { 0x08, 0x01, 0x52, 0x7f, 'x' };
    r = tc_call_raw (c, overlong, sizeof overlong, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_malformed", "length past the end");
    ll_envelope_free (&r);
    uint8_t wiretype [] = { 0x08, 0x01, 0x0f, 0x00 };
    r = tc_call_raw (c, wiretype, sizeof wiretype, TC_WAIT_MS);
    s_expect_error (r, "bad_frame_malformed", "wire type 7");
    ll_envelope_free (&r);

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

    //  A replay from another identity: the S-MAIN terminal's exact bytes
    //  (same idempotency key) through the S-FAIR terminal's key. It must
    //  not get the first terminal's stored reply, nor store anything.
    tc_client_t *fair = tc_client_keyed (&s_env, "term_fair", s_server_pub);
    r = NULL;
    for (int i = 0; i < 10 && !r; i++)
        r = tc_call_raw (fair, fbuf, fsize, 3000);
    CHECK (r && tc_status (r) != LEADLINE__V1__STATUS__STATUS_OK
        && tc_status (r) != LEADLINE__V1__STATUS__STATUS_UNAVAILABLE,
           "a replay through another station's key: status %d", tc_status (r));
    CHECK (!(r && r->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY
             && *first_lead && strcmp (r->submit_reply->lead_id, first_lead) == 0),
           "a replay through another station's key got the first terminal's lead");
    ll_envelope_free (&r);
    tc_client_destroy (&fair);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE station_id = $1",
                       "S-FAIR") == 0, "a lead was stored for S-FAIR");
    //  The same for a rep's update: the other rep's key replays the contact's
    //  bytes; it must not get the "recorded" reply meant for the first rep.
    tc_client_t *other = tc_client_keyed (&s_env, m1 ? "rep_m2" : "rep_m1", s_server_pub);
    r = NULL;
    for (int i = 0; i < 10 && !r; i++)
        r = tc_call_raw (other, cbuf, csize, 3000);
    CHECK (r && tc_status (r) != LEADLINE__V1__STATUS__STATUS_OK
        && tc_status (r) != LEADLINE__V1__STATUS__STATUS_UNAVAILABLE,
           "a rep update replayed through another person's key: status %d", tc_status (r));
    ll_envelope_free (&r);
    tc_client_destroy (&other);
    free (cbuf);

    CHECK (s_leads (db) == leads0, "a hostile card was stored");
    char *sum1 = s_checksum (db);
    CHECK (strcmp (sum0, sum1) == 0, "stored data changed under hostile input:\n before %s\n after  %s",
           sum0, sum1);
    free (sum0);
    free (sum1);
    free (fbuf);

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
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_malformed\"} 4' '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_bad_version\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"bad_frame_no_body\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_errors_total{code=\"unsupported\"} 1' '%s/metrics' "
                  "&& grep -q 'leadline_intake_requests_total{type=\"submit_lead\",status=\"invalid\"} 2' "
                  "'%s/metrics' "
                  "&& grep -q 'leadline_intake_requests_total{type=\"submit_lead\",status=\"forbidden\"} 1' "
                  "'%s/metrics' "
                  "&& grep -q 'leadline_intake_requests_total{type=\"record_contact\",status=\"conflict\"} 1' "
                  "'%s/metrics' || { grep '^leadline_intake_[a-z_]*total' '%s/metrics' >&2; false; }",
                  s_env.dir, s_env.dir, s_env.dir, s_env.dir, s_env.dir, s_env.dir,
                  s_env.dir, s_env.dir, s_env.dir, s_env.dir) == 0, "refusals are counted on /metrics (%s/metrics)", s_env.dir);

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
