/*  intake_load — load generator for bench/intake.sh: N terminals (threads,
    one DEALER each), each keeping up to W cards in flight, submit T cards
    in all to a running leadline-intake. Every card has its own key and
    business, so none is a duplicate. Prints the acknowledged leads per
    second and the ack latency (send to reply) percentiles as
      figure NAME VALUE UNIT
    lines. Environment: INTAKE_ENDPOINT, INTAKE_LOAD_TERMINALS (32),
    INTAKE_LOAD_WINDOW (8), INTAKE_LOAD_CARDS (100000), INTAKE_LOAD_EMPLOYEE
    (E1), INTAKE_LOAD_STATION (S-MAIN), INTAKE_LOAD_SEED (0). */
#include "intake_client.h"
#include "ll_clock.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_endpoint;
static int s_window;
static const char *s_employee, *s_station;
static long s_seed;

typedef struct {
    int index;
    int cards;                 // to send
    int acked;
    int other;
    double *latency_ms;        // per acked card
} s_term_t;

typedef struct {
    tc_card_t card;
    int64_t sent_us;
    char key [48];
    char id [48];
    bool busy;
} s_slot_t;

static void
s_send (tc_client_t *client, s_slot_t *slot, int index, s_term_t *t, long n)
{
    long seed = s_seed + (long) t->index * 10000000L + n;
    tc_card_init (&slot->card, s_employee, s_station, seed);
    snprintf (slot->key, sizeof slot->key, "load-%ld-key", seed);
    snprintf (slot->id, sizeof slot->id, "%d", index);
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &slot->card.card;
    env.version = 1;
    env.message_id = slot->id;
    env.idempotency_key = slot->key;
    env.time_us = ll_clock_now_us ();
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    zframe_t *frame = ll_envelope_frame (&env);
    slot->sent_us = ll_mono_us ();
    slot->busy = true;
    zframe_send (&frame, client->dealer, 0);
}

static void *
s_terminal (void *arg)
{
    s_term_t *t = arg;
    tc_client_t *client = tc_client_new (s_endpoint);
    s_slot_t *slots = calloc ((size_t) s_window, sizeof *slots);
    assert (slots);
    long next = 0;
    int done = 0, in_flight = 0;
    while (done < t->cards) {
        for (int s = 0; s < s_window && next < t->cards; s++)
            if (!slots [s].busy) {
                s_send (client, &slots [s], s, t, next++);
                in_flight++;
            }
        ll_envelope_t *reply = tc_recv (client, 60000);
        if (!reply) {
            fprintf (stderr, "terminal %d: no reply in 60 s\n", t->index);
            break;
        }
        int s = atoi (reply->message_id);
        if (s >= 0 && s < s_window && slots [s].busy) {
            if (tc_status (reply) == LEADLINE__V1__STATUS__STATUS_OK)
                t->latency_ms [t->acked++] = (double) (ll_mono_us () - slots [s].sent_us) / 1000.0;
            else
                t->other++;
            slots [s].busy = false;
            in_flight--;
            done++;
        }
        ll_envelope_free (&reply);
    }
    free (slots);
    tc_client_destroy (&client);
    return NULL;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

int
main (void)
{
    ll_clock_init ();
    zsys_init ();
    s_endpoint = getenv ("INTAKE_ENDPOINT");
    if (!s_endpoint) {
        fprintf (stderr, "intake_load: set INTAKE_ENDPOINT\n");
        return 2;
    }
    int terminals = atoi (getenv ("INTAKE_LOAD_TERMINALS") ? getenv ("INTAKE_LOAD_TERMINALS") : "32");
    s_window = atoi (getenv ("INTAKE_LOAD_WINDOW") ? getenv ("INTAKE_LOAD_WINDOW") : "8");
    int cards = atoi (getenv ("INTAKE_LOAD_CARDS") ? getenv ("INTAKE_LOAD_CARDS") : "100000");
    s_employee = getenv ("INTAKE_LOAD_EMPLOYEE") ? getenv ("INTAKE_LOAD_EMPLOYEE") : "E1";
    s_station = getenv ("INTAKE_LOAD_STATION") ? getenv ("INTAKE_LOAD_STATION") : "S-MAIN";
    s_seed = atol (getenv ("INTAKE_LOAD_SEED") ? getenv ("INTAKE_LOAD_SEED") : "0");
    if (terminals < 1 || s_window < 1 || cards < terminals)
        return 2;
    pthread_t *threads = calloc ((size_t) terminals, sizeof *threads);
    s_term_t *terms = calloc ((size_t) terminals, sizeof *terms);
    int64_t start = ll_mono_us ();
    for (int i = 0; i < terminals; i++) {
        terms [i].index = i;
        terms [i].cards = cards / terminals + (i < cards % terminals);
        terms [i].latency_ms = calloc ((size_t) terms [i].cards + 1, sizeof (double));
        pthread_create (&threads [i], NULL, s_terminal, &terms [i]);
    }
    int acked = 0, other = 0;
    for (int i = 0; i < terminals; i++) {
        pthread_join (threads [i], NULL);
        acked += terms [i].acked;
        other += terms [i].other;
    }
    double secs = (double) (ll_mono_us () - start) / 1e6;
    double *all = calloc ((size_t) acked + 1, sizeof (double));
    size_t n = 0;
    for (int i = 0; i < terminals; i++) {
        memcpy (all + n, terms [i].latency_ms, (size_t) terms [i].acked * sizeof (double));
        n += (size_t) terms [i].acked;
        free (terms [i].latency_ms);
    }
    qsort (all, n, sizeof (double), s_cmp);
    printf ("figure intake_acked_leads_per_s %.0f leads/s\n", acked / secs);
    printf ("figure intake_acked_leads %d leads\n", acked);
    printf ("figure intake_not_acked %d replies\n", other);
    printf ("figure intake_terminals %d terminals\n", terminals);
    printf ("figure intake_window %d cards_in_flight_per_terminal\n", s_window);
    if (n) {
        printf ("figure intake_ack_latency_p50 %.2f ms\n", all [n / 2]);
        printf ("figure intake_ack_latency_p99 %.2f ms\n", all [(size_t) ((double) n * 0.99)]);
        printf ("figure intake_ack_latency_max %.2f ms\n", all [n - 1]);
    }
    free (all);
    free (threads);
    free (terms);
    return other || acked != cards ? 1 : 0;
}
