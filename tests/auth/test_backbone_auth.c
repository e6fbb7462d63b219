/*  test_backbone_auth — CURVE on the event backbone, against the real
    leadline-intake with its service key: subscribers (ll_subscriber, as
    every consumer uses it) follow stream "intake" with
      - a registered service key: they get the events;
      - a key that is not in the registry, and a registered person key (the
        backbone admits service keys only): they get nothing;
    then one of the two service keys is revoked: the relay drops the
    connections of its event sockets within seconds (log "auth.cut"), the
    other subscriber reconnects and gets the next events, the revoked one
    gets none of them. Run under tests/lib/with-pg. */
#include "intake_client.h"
#include "ll_auth.h"
#include "ll_subscriber.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tc_env_t s_env;
static char s_server_pub [41];

typedef struct {
    const char *name;
    ll_subscriber_t *sub;
    long events;
} s_follower_t;

static int
s_apply (PGconn *conn, const ll_envelope_t *event, void *arg)
{
    ((s_follower_t *) arg)->events++;
    return 0;
}

//  A subscriber of stream "intake" in schema `name`, with the key `name`.
static void
s_follow (s_follower_t *f, PGconn *db, const char *name, zloop_t *loop)
{
    f->name = name;
    if (ll_subscriber_migrate (db, name)) {
        fprintf (stderr, "cannot make schema %s\n", name);
        exit (1);
    }
    char file [400];
    snprintf (file, sizeof file, "%s/%s_secret", s_env.dir, name);
    setenv ("LEADLINE_AUTH_CLIENT_KEY_FILE", file, 1);
    f->sub = ll_subscriber_new (getenv ("LEADLINE_DB"), name, s_apply, f);
    if (!f->sub || ll_subscriber_follow (f->sub, "intake", getenv ("LEADLINE_INTAKE_PUB"),
                                         getenv ("LEADLINE_INTAKE_REPLAY"))
    ||  ll_subscriber_attach (f->sub, loop)) {
        fprintf (stderr, "cannot follow intake as %s\n", name);
        exit (1);
    }
    unsetenv ("LEADLINE_AUTH_CLIENT_KEY_FILE");
}

//  Runs the loop until `f` has `count` events (or `max_ms` passed), then
//  `extra_ms` more.
static s_follower_t *s_wait_for;
static long s_wait_count;
static int
s_check (zloop_t *loop, int timer_id, void *arg)
{
    return s_wait_for && s_wait_for->events >= s_wait_count ? -1 : 0;
}
static int
s_stop (zloop_t *loop, int timer_id, void *arg)
{
    return -1;
}
static void
s_run (zloop_t *loop, s_follower_t *f, long count, int max_ms, int extra_ms)
{
    s_wait_for = f;
    s_wait_count = count;
    int t1 = zloop_timer (loop, 50, 0, s_check, NULL);
    int t2 = zloop_timer (loop, (size_t) max_ms, 1, s_stop, NULL);
    zloop_start (loop);
    zloop_timer_end (loop, t1);
    zloop_timer_end (loop, t2);
    if (extra_ms) {
        s_wait_for = NULL;
        int t3 = zloop_timer (loop, (size_t) extra_ms, 1, s_stop, NULL);
        zloop_start (loop);
        zloop_timer_end (loop, t3);
    }
}

static void
s_submit (tc_client_t *term, long seed)
{
    tc_card_t card;
    tc_card_init (&card, "E1", "S-MAIN", seed);
    char key [32];
    snprintf (key, sizeof key, "backbone-card-%ld", seed);
    ll_envelope_t *r = tc_submit_retry (term, &card, key, 30000);
    CHECK (tc_status (r) == LEADLINE__V1__STATUS__STATUS_OK, "card %ld: status %d", seed,
           tc_status (r));
    ll_envelope_free (&r);
}

int
main (void)
{
    zsys_init ();
    zsys_set_linger (0);
    tc_env_init (&s_env, "backbone");
    PGconn *db = tc_db ();
    char term [41], ok1 [41], ok2 [41], person [41], stranger [41], path [400];
    tc_key_generate (&s_env, "server", "service", "intake", s_server_pub);
    tc_key_generate (&s_env, "term_main", "terminal", "S-MAIN", term);
    tc_key_generate (&s_env, "bb_ok1", "service", "notifier", ok1);
    tc_key_generate (&s_env, "bb_ok2", "service", "reporting", ok2);
    tc_key_generate (&s_env, "bb_person", "person", "M1", person);
    tc_key_generate (&s_env, "bb_stranger", "service", "sla", stranger);
    PQclear (PQexecParams (db, "DELETE FROM auth.keys WHERE public_key = $1", 1, NULL,
             (const char *[]) { stranger }, NULL, NULL, 0));
    snprintf (path, sizeof path, "%s/server_secret", s_env.dir);
    setenv ("LEADLINE_AUTH_SECRET_KEY_FILE", path, 1);
    tc_env_start (&s_env);
    //  The test process is no service: its subscribers use their own keys.
    unsetenv ("LEADLINE_AUTH_SECRET_KEY_FILE");

    zloop_t *loop = zloop_new ();
    s_follower_t f1 = { 0 }, f2 = { 0 }, fp = { 0 }, fs = { 0 };
    s_follow (&f1, db, "bb_ok1", loop);
    s_follow (&f2, db, "bb_ok2", loop);
    s_follow (&fp, db, "bb_person", loop);
    s_follow (&fs, db, "bb_stranger", loop);

    //  Two cards: two events each (entered, assigned).
    tc_client_t *t = tc_client_keyed (&s_env, "term_main", s_server_pub);
    s_submit (t, 1);
    s_submit (t, 2);
    s_run (loop, &f1, 4, 30000, 0);
    s_run (loop, &f2, 4, 30000, 2000);
    CHECK (f1.events == 4 && f2.events == 4, "service keys got %ld and %ld events, expected 4",
           f1.events, f2.events);
    CHECK (fp.events == 0, "a person key got %ld events off the backbone", fp.events);
    CHECK (fs.events == 0, "an unknown key got %ld events", fs.events);

    //  Revoke one service key: its connections go within seconds.
    CHECK (tc_sh ("'%s' admin keys revoke '%s' >/dev/null 2>&1", s_env.leadline_bin, ok1) == 0,
           "revoke failed");
    int64_t revoked_at = zclock_mono ();
    bool cut = false;
    while (!cut && zclock_mono () - revoked_at < 30000) {
        cut = tc_sh ("grep -q '\"auth.cut\"' '%s/intake.log'", s_env.dir) == 0;
        if (!cut)
            s_run (loop, NULL, 0, 100, 0);
    }
    CHECK (cut, "the relay did not drop the revoked key's connections in 30 s");
    printf ("backbone auth: connections cut %.1f s after the revocation\n",
            (double) (zclock_mono () - revoked_at) / 1000.0);
    s_submit (t, 3);
    s_submit (t, 4);
    s_run (loop, &f2, 8, 30000, 2000);
    CHECK (f2.events == 8, "the remaining service key got %ld events, expected 8", f2.events);
    CHECK (f1.events == 4, "the revoked key got %ld events, expected to stay at 4", f1.events);
    CHECK (fp.events == 0 && fs.events == 0, "person / unknown keys got %ld / %ld events",
           fp.events, fs.events);

    tc_client_destroy (&t);
    ll_subscriber_destroy (&f1.sub);
    ll_subscriber_destroy (&f2.sub);
    ll_subscriber_destroy (&fp.sub);
    ll_subscriber_destroy (&fs.sub);
    zloop_destroy (&loop);
    tc_env_stop (&s_env, false);
    PQfinish (db);
    tc_env_done (&s_env);
    if (tc_failures) {
        fprintf (stderr, "backbone auth: %d failure(s)\n", tc_failures);
        return 1;
    }
    printf ("backbone auth: ok\n");
    return 0;
}
