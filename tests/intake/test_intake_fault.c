/*  Fault tests: terminals that retry keep submitting while
      kill9      leadline-intake is killed with SIGKILL 20 times (and restarted),
      pgrestart  PostgreSQL is restarted in immediate mode 3 times.
    Afterwards every acknowledged lead must be in the store exactly once,
    with the lead id its acknowledgement named, and nothing may be there
    that was never acknowledged (every terminal retries until acked). */
#include "intake_client.h"
#include "ll_clock.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERMINALS 6
#define MAX_CARDS 20000

static tc_env_t s_env;
static atomic_bool s_stop;

typedef struct {
    int index;
    int acked;
    int given_up;
    char (*keys) [48];
    char (*leads) [40];
} s_terminal_t;

static void *
s_terminal (void *arg)
{
    s_terminal_t *t = arg;
    tc_client_t *client = tc_client_new (s_env.endpoint);
    for (int i = 0; i < MAX_CARDS / TERMINALS && !atomic_load (&s_stop); i++) {
        tc_card_t card;
        long seed = 300000 + t->index * 100000L + i;
        tc_card_init (&card, "E1", "S-MAIN", seed);
        snprintf (t->keys [i], 48, "fault-%ld-key", seed);
        ll_envelope_t *reply = tc_submit_retry (client, &card, t->keys [i], 120000);
        if (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK) {
            snprintf (t->leads [i], 40, "%s", reply->submit_reply->lead_id);
            t->acked++;
        }
        else {
            t->given_up++;
            fprintf (stderr, "terminal %d: card %s not acknowledged (status %d)\n",
                     t->index, t->keys [i], tc_status (reply));
        }
        ll_envelope_free (&reply);
    }
    tc_client_destroy (&client);
    return NULL;
}

int
main (int argc, char **argv)
{
    const char *mode = argc > 1 ? argv [1] : "";
    bool kill9 = strcmp (mode, "kill9") == 0;
    if (!kill9 && strcmp (mode, "pgrestart") != 0) {
        fprintf (stderr, "usage: test_intake_fault kill9|pgrestart\n");
        return 2;
    }
    tc_env_init (&s_env, mode);
    tc_env_start (&s_env);
    pthread_t threads [TERMINALS];
    s_terminal_t terms [TERMINALS];
    for (int i = 0; i < TERMINALS; i++) {
        terms [i] = (s_terminal_t) { .index = i,
            .keys = calloc (MAX_CARDS / TERMINALS, 48),
            .leads = calloc (MAX_CARDS / TERMINALS, 40) };
        pthread_create (&threads [i], NULL, s_terminal, &terms [i]);
    }
    srand (42);
    const char *cluster = getenv ("LEADLINE_PGCLUSTER");
    const char *pgdir = getenv ("LEADLINE_PGDIR");
    int rounds = kill9 ? 20 : 3;
    for (int r = 0; r < rounds; r++) {
        zclock_sleep (kill9 ? 150 + rand () % 350 : 1000);
        if (kill9) {
            tc_env_stop (&s_env, true);
            tc_env_start (&s_env);
        }
        else
            CHECK (tc_sh ("'%s' restart '%s' >/dev/null", cluster, pgdir) == 0,
                   "PostgreSQL restarted");
    }
    zclock_sleep (500);
    atomic_store (&s_stop, true);
    int acked = 0, given_up = 0;
    for (int i = 0; i < TERMINALS; i++) {
        pthread_join (threads [i], NULL);
        acked += terms [i].acked;
        given_up += terms [i].given_up;
    }
    printf ("%s: %d rounds, %d leads acknowledged, %d intake starts\n", mode, rounds, acked,
            s_env.starts);
    CHECK (given_up == 0, "every card was acknowledged in the end (%d were not)", given_up);
    CHECK (acked > 0, "leads went in");

    PGconn *db = tc_db ();
    int missing = 0, wrong = 0;
    for (int i = 0; i < TERMINALS; i++)
        for (int c = 0; c < MAX_CARDS / TERMINALS && terms [i].keys [c][0]; c++) {
            if (!terms [i].leads [c][0])
                continue;
            const char *params [] = { terms [i].keys [c] };
            PGresult *res = PQexecParams (db, "SELECT id FROM intake.leads WHERE "
                                          "idempotency_key = $1", 1, NULL, params, NULL, NULL, 0);
            if (PQntuples (res) != 1)
                missing++;
            else
            if (strcmp (PQgetvalue (res, 0, 0), terms [i].leads [c]))
                wrong++;
            PQclear (res);
        }
    CHECK (missing == 0, "%d acknowledged leads are missing", missing);
    CHECK (wrong == 0, "%d leads differ from their acknowledgement", wrong);
    long stored = tc_db_long (db, "SELECT count(*) FROM intake.leads", NULL);
    CHECK (stored == acked, "the store holds exactly the acknowledged leads: %ld vs %d",
           stored, acked);
    CHECK (tc_db_long (db, "SELECT count(*) FROM intake.event_log WHERE type = 'lead_entered'",
                       NULL) == stored, "one lead_entered event per lead");
    CHECK (tc_db_long (db, "SELECT count(DISTINCT idempotency_key) FROM intake.leads", NULL)
           == stored, "no key twice");
    PQfinish (db);
    for (int i = 0; i < TERMINALS; i++) {
        free (terms [i].keys);
        free (terms [i].leads);
    }
    tc_env_done (&s_env);
    printf ("%s: %s\n", mode, tc_failures ? "FAILED" : "ok");
    return tc_failures ? 1 : 0;
}
