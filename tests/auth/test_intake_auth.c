/*  test_intake_auth — the real leadline-intake with CURVE on (keys made by
    `leadline admin keys`): a client with no key or an unknown key gets
    nothing; a terminal key submits for its own station only, whatever the
    envelope claims; a person key updates only as its own rep; a terminal
    key cannot send updates; a revoked key is cut off on its live
    connection within seconds. Run under tests/lib/with-pg. */
#include "intake_client.h"
#include "ll_auth.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tc_env_t s_env;
static char s_server_pub [41];

static const char *
s_message (const ll_envelope_t *r)
{
    if (!r)
        return "(no reply)";
    if (r->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR)
        return r->error->message;
    if (r->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY)
        return r->submit_reply->message;
    if (r->body_case == LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY)
        return r->update_reply->message;
    return "(other reply)";
}

int
main (void)
{
    zsys_init ();
    zsys_set_linger (0);
    tc_env_init (&s_env, "auth");
    PGconn *db = tc_db ();
    char path [400], pub [41], term_main [41], stranger [41], rep_m1 [41], rep_m2 [41];
    tc_key_generate (&s_env, "server", "service", "intake", s_server_pub);
    tc_key_generate (&s_env, "term_main", "terminal", "S-MAIN", term_main);
    tc_key_generate (&s_env, "rep_m1", "person", "M1", rep_m1);
    tc_key_generate (&s_env, "rep_m2", "person", "M2", rep_m2);
    //  Made, then removed from the registry: an unknown key.
    tc_key_generate (&s_env, "stranger", "terminal", "S-MAIN", stranger);
    PQclear (PQexecParams (db, "DELETE FROM auth.keys WHERE public_key = $1", 1, NULL,
             (const char *[]) { stranger }, NULL, NULL, 0));
    (void) pub;
    snprintf (path, sizeof path, "%s/server_secret", s_env.dir);
    setenv ("LEADLINE_AUTH_SECRET_KEY_FILE", path, 1);
    tc_env_start (&s_env);
    long leads0 = tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL);

    //  No key, unknown key: the handshake fails; nothing is answered or stored.
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", 1);
    tc_client_t *c = tc_client_keyed (&s_env, NULL, s_server_pub);
    ll_envelope_t *r = tc_submit (c, &card, "k-nokey", 3000);
    CHECK (!r, "a client without a key got: %s", s_message (r));
    ll_envelope_free (&r);
    tc_client_destroy (&c);
    c = tc_client_keyed (&s_env, "stranger", s_server_pub);
    r = tc_submit (c, &card, "k-stranger", 3000);
    CHECK (!r, "an unknown key got: %s", s_message (r));
    ll_envelope_free (&r);
    tc_client_destroy (&c);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL) == leads0,
           "a lead was stored without a known key");

    //  The S-MAIN terminal: its own station goes through.
    tc_client_t *term = tc_client_keyed (&s_env, "term_main", s_server_pub);
    r = tc_submit_retry (term, &card, "k-main-1", 30000);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "own station: %s", s_message (r));
    char lead_id [64] = "", rep_id [64] = "";
    if (r && r->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY) {
        snprintf (lead_id, sizeof lead_id, "%s", r->submit_reply->lead_id);
        snprintf (rep_id, sizeof rep_id, "%s", r->submit_reply->rep_id);
    }
    ll_envelope_free (&r);

    //  A card for another station, even when the envelope claims that station.
    tc_card_t other;
    tc_card_init (&other, "E1", "S-FAIR", 2);
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &other.card;
    env.idempotency_key = "k-main-fair";
    env.sender = "S-FAIR";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    r = tc_call (term, &env, TC_WAIT_MS, NULL, NULL);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN
        && strstr (s_message (r), "own station") && strstr (s_message (r), "S-MAIN"),
        "cross-station submit: %s", s_message (r));
    ll_envelope_free (&r);

    //  A terminal key cannot send a rep's update.
    r = tc_contact (term, "k-term-contact", lead_id, rep_id, 1);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN
        && strstr (s_message (r), "person keys"), "terminal update: %s", s_message (r));
    ll_envelope_free (&r);

    //  Person keys: only the assigned rep's own key updates the lead.
    CHECK (*rep_id == 'M', "lead assigned to %s", rep_id);
    const char *own = strcmp (rep_id, "M1") == 0 ? "rep_m1" : "rep_m2";
    const char *foreign = strcmp (rep_id, "M1") == 0 ? "rep_m2" : "rep_m1";
    tc_client_t *rep = tc_client_keyed (&s_env, foreign, s_server_pub);
    r = tc_contact (rep, "k-foreign-contact", lead_id, rep_id, 1);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN
        && strstr (s_message (r), "act only as itself"), "foreign rep: %s", s_message (r));
    ll_envelope_free (&r);
    tc_client_destroy (&rep);
    if (!strcmp (rep_id, "M1") || !strcmp (rep_id, "M2")) {
        rep = tc_client_keyed (&s_env, own, s_server_pub);
        r = tc_contact (rep, "k-own-contact", lead_id, rep_id, 1);
        CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "own rep: %s", s_message (r));
        ll_envelope_free (&r);
        r = tc_outcome (rep, "k-own-outcome", lead_id, rep_id,
                        LEADLINE__V1__OUTCOME__OUTCOME_WON, 1250000, NULL);
        CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "own outcome: %s",
               s_message (r));
        ll_envelope_free (&r);
        tc_client_destroy (&rep);
    }

    //  The audit trail read back: the card carries the terminal key it came
    //  through; each change has one row naming the rep, the rep's key, the
    //  time and the command's key. The refused commands left no row.
    const char *own_key = strcmp (rep_id, "M1") == 0 ? rep_m1 : rep_m2;
    char sql [1200];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.leads WHERE id = $1::uuid "
              "AND submitted_key = '%s' AND station_id = 'S-MAIN'", term_main);
    CHECK (tc_db_long (db, sql, lead_id) == 1, "lead %s does not name the terminal key "
           "it came through", lead_id);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads WHERE submitted_key IS NULL",
                       NULL) == 0, "a lead submitted with CURVE on has no key");
    snprintf (sql, sizeof sql, "SELECT (string_agg (action || '|' || actor || '|' || "
              "coalesce (via_key, '-') || '|' || a.idempotency_key || '|' || detail, ';' "
              "ORDER BY a.id) = 'contact|%s|%s|k-own-contact|attempt;"
              "outcome|%s|%s|k-own-outcome|won' AND bool_and (a.at >= l.entered_at))::int "
              "FROM intake.audit a JOIN intake.leads l ON l.id = a.lead_id "
              "WHERE a.lead_id = $1::uuid", rep_id, own_key, rep_id, own_key);
    CHECK (tc_db_long (db, sql, lead_id) == 1, "the audit rows of lead %s are not "
           "contact then outcome by %s through its key", lead_id, rep_id);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.audit", NULL) == 2,
           "refused updates left audit rows");

    //  Revoked: the live connection is refused within seconds.
    CHECK (tc_sh ("'%s' admin keys revoke --subject S-MAIN >/dev/null 2>&1",
                  s_env.leadline_bin) == 0, "revoke failed");
    bool cut = false;
    for (int i = 0; i < 50 && !cut; i++) {
        tc_card_t next;
        tc_card_init (&next, "E1", "S-MAIN", 100 + i);
        char key [32];
        snprintf (key, sizeof key, "k-after-%d", i);
        long before = tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL);
        r = tc_submit (term, &next, key, 5000);
        if (tc_status (r) == LEADLINE__V1__STATUS__STATUS_FORBIDDEN) {
            cut = true;
            CHECK (strstr (s_message (r), "revoked"), "revoked: %s", s_message (r));
            CHECK (tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL) == before,
                   "a refused card was stored");
        }
        ll_envelope_free (&r);
        if (!cut)
            zclock_sleep (200);
    }
    CHECK (cut, "a revoked terminal key still submits after 10 s");
    tc_client_destroy (&term);
    term = tc_client_keyed (&s_env, "term_main", s_server_pub);
    tc_card_init (&card, "E1", "S-MAIN", 500);
    r = tc_submit (term, &card, "k-revoked-new", 3000);
    CHECK (!r, "a revoked key connected anew and got: %s", s_message (r));
    ll_envelope_free (&r);
    tc_client_destroy (&term);

    tc_env_stop (&s_env, false);
    PQfinish (db);
    tc_env_done (&s_env);
    if (tc_failures) {
        fprintf (stderr, "intake auth: %d failure(s)\n", tc_failures);
        return 1;
    }
    printf ("intake auth: ok\n");
    return 0;
}
