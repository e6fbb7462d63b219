/*  test_intake_rate — intake's per-sender rate limit against the real
    leadline-intake (CURVE off: the sender is the connection). With a burst
    of 3 and a rate so low that no token comes back during the test, a
    terminal's fourth card gets STATUS_SLOW_DOWN with retry_after_ms and is
    not stored; a retry with the same key is still refused; another
    terminal is not held back; the refusals are counted on /metrics. No
    timing: the bucket refills one token every 1000 seconds. Run under
    tests/lib/with-pg. */
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

int
main (void)
{
    zsys_init ();
    zsys_set_linger (0);
    tc_env_init (&s_env, "rate");
    setenv ("LEADLINE_INTAKE_RATE", "0.001", 1);
    setenv ("LEADLINE_INTAKE_BURST", "3", 1);
    tc_env_start (&s_env);
    PGconn *db = tc_db ();
    long leads0 = s_leads (db);
    tc_client_t *a = tc_client_new (s_env.endpoint);
    tc_client_t *b = tc_client_new (s_env.endpoint);
    tc_card_t card;
    char key [64];

    //  The burst goes through.
    for (int i = 1; i <= 3; i++) {
        tc_card_init (&card, "E1", "S-MAIN", i);
        snprintf (key, sizeof key, "rate-a-%d", i);
        ll_envelope_t *r = tc_submit (a, &card, key, TC_WAIT_MS);
        CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "card %d of the burst: "
               "status %d", i, tc_status (r));
        ll_envelope_free (&r);
    }
    //  The fourth is over the limit, twice (a retry does not sneak through).
    for (int attempt = 0; attempt < 2; attempt++) {
        tc_card_init (&card, "E1", "S-MAIN", 4);
        ll_envelope_t *r = tc_submit (a, &card, "rate-a-4", TC_WAIT_MS);
        CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_SLOW_DOWN,
               "card over the limit: status %d, expected SLOW_DOWN", tc_status (r));
        if (r && r->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY) {
            CHECK (r->submit_reply->retry_after_ms > 0, "SLOW_DOWN without retry_after_ms");
            CHECK (strstr (r->submit_reply->message, "slow down")
                && strstr (r->submit_reply->message, "retry after"),
                   "SLOW_DOWN message says what to do: %s", r->submit_reply->message);
            CHECK (r->idempotency_key && strcmp (r->idempotency_key, "rate-a-4") == 0,
                   "SLOW_DOWN answers the request's key");
        }
        ll_envelope_free (&r);
    }
    CHECK (s_leads (db) == leads0 + 3, "stored %ld cards, expected the 3 of the burst",
           s_leads (db) - leads0);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.idempotency WHERE key = $1",
                       "rate-a-4") <= 0, "a refused card left an idempotency row");

    //  Another terminal has its own bucket.
    tc_card_init (&card, "E2", "S-MAIN", 5);
    ll_envelope_t *r = tc_submit (b, &card, "rate-b-1", TC_WAIT_MS);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "another terminal: status %d",
           tc_status (r));
    ll_envelope_free (&r);
    CHECK (s_leads (db) == leads0 + 4, "the other terminal's card is stored");

    CHECK (tc_sh ("port=$(grep -o 'ops endpoint on port [0-9]*' '%s/intake.log' | tail -n 1 "
                  "| grep -o '[0-9]*$'); curl -sf http://127.0.0.1:$port/metrics > '%s/metrics' "
                  "&& grep -q '^leadline_intake_rate_limited_total 2$' '%s/metrics' "
                  "&& grep -q 'leadline_intake_requests_total{type=\"submit_lead\",status=\"slow_down\"} 2' "
                  "'%s/metrics'", s_env.dir, s_env.dir, s_env.dir, s_env.dir) == 0,
           "slow-down replies are counted on /metrics (%s/metrics)", s_env.dir);

    tc_client_destroy (&a);
    tc_client_destroy (&b);
    tc_env_stop (&s_env, false);
    PQfinish (db);
    tc_env_done (&s_env);
    if (tc_failures) {
        fprintf (stderr, "intake rate limit: %d failure(s)\n", tc_failures);
        return 1;
    }
    printf ("intake rate limit: ok\n");
    return 0;
}
