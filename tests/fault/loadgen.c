/*  loadgen — the fault campaign's load generator. It hands in lead cards to
    intake at a steady rate, each with its own idempotency key, and retries
    every card with the same key until intake gives a final answer: on a
    timeout, on "unavailable" and on "slow down". It logs one line per card
    when its fate is known, for the checker:
        ack KEY LEAD_ID REP_ID      intake committed it and said so
        rejected KEY STATUS         a final refusal (should not happen)
        unacked KEY                 never answered before we stopped
    SIGTERM stops new cards; the ones in flight get up to --grace seconds.
    Usage: loadgen --rate N --log FILE [--endpoint EP] [--prefix P] [--grace S] */
#include "ll_clock.h"
#include "ll_envelope.h"
#include "ll_log.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_US 2000000

typedef struct {
    char key [64];
    zframe_t *frame;          // the packed request, resent as is
    int64_t due_us;           // next send (monotonic)
    int attempts;
} card_t;

static volatile sig_atomic_t s_stop;
static void s_on_term (int sig) { s_stop = 1; }

static zframe_t *
s_card_frame (const char *key, long n)
{
    static const char *employees [] = { "E001", "E002", "E003", "E008" };
    char business [64], phone [16], id [37];
    snprintf (business, sizeof business, "Fault Campaign Business %ld", n);
    snprintf (phone, sizeof phone, "212%07ld", n % 10000000);
    Leadline__V1__Business biz = LEADLINE__V1__BUSINESS__INIT;
    biz.name = business;
    biz.address = "1 Test Plaza";
    biz.zip = "11431";
    Leadline__V1__Contact contact = LEADLINE__V1__CONTACT__INIT;
    contact.name = "Pat Owner";
    contact.phone = phone;
    Leadline__V1__Product products [] = { LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL };
    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    card.employee_id = (char *) employees [n % 4];
    card.station_id = "S-JAM-1";
    card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    card.card_completed_us = ll_clock_now_us () - 3600LL * 1000000;
    card.business = &biz;
    card.contact = &contact;
    card.n_products = 1;
    card.products = products;
    card.notes = (char *) key;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card;
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    env.idempotency_key = (char *) key;
    env.sender = "S-JAM-1";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    return ll_envelope_frame (&env);
}

int
main (int argc, char **argv)
{
    double rate = 20;
    const char *log_path = NULL;
    const char *endpoint = getenv ("LEADLINE_INTAKE_CONNECT");
    const char *prefix = "fc";
    int grace = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp (argv [i], "--rate") == 0) rate = atof (argv [i + 1]);
        else if (strcmp (argv [i], "--log") == 0) log_path = argv [i + 1];
        else if (strcmp (argv [i], "--endpoint") == 0) endpoint = argv [i + 1];
        else if (strcmp (argv [i], "--prefix") == 0) prefix = argv [i + 1];
        else if (strcmp (argv [i], "--grace") == 0) grace = atoi (argv [i + 1]);
    }
    if (!log_path || rate <= 0) {
        fprintf (stderr, "usage: loadgen --rate N --log FILE [--endpoint EP] [--prefix P] [--grace S]\n");
        return 2;
    }
    if (!endpoint)
        endpoint = "tcp://127.0.0.1:7100";
    ll_log_init ("loadgen");
    ll_clock_init ();
    zsys_handler_set (NULL);
    signal (SIGTERM, s_on_term);
    signal (SIGINT, s_on_term);
    FILE *log = fopen (log_path, "a");
    if (!log) {
        perror (log_path);
        return 1;
    }
    zsock_t *dealer = zsock_new_dealer (endpoint);
    ll_socket_caps (dealer, 10000);
    zhashx_t *inflight = zhashx_new ();
    long made = 0, acked = 0, retries = 0;
    int64_t started = ll_mono_us (), stop_at = 0;
    while (true) {
        int64_t now = ll_mono_us ();
        if (s_stop && !stop_at)
            stop_at = now + (int64_t) grace * 1000000;
        if (stop_at && (zhashx_size (inflight) == 0 || now > stop_at))
            break;
        //  New cards at the rate, until told to stop.
        while (!s_stop && (double) made < (double) (now - started) / 1e6 * rate) {
            card_t *c = calloc (1, sizeof *c);
            snprintf (c->key, sizeof c->key, "%s-card-%08ld", prefix, made);
            c->frame = s_card_frame (c->key, made);
            c->due_us = 0;
            zhashx_insert (inflight, c->key, c);
            made++;
        }
        //  Send what is due: new cards, and retries after a timeout.
        for (card_t *c = zhashx_first (inflight); c; c = zhashx_next (inflight))
            if (c->due_us <= now) {
                zframe_t *copy = zframe_dup (c->frame);
                if (zframe_send (&copy, dealer, ZFRAME_DONTWAIT) != 0)
                    zframe_destroy (&copy);
                if (c->attempts++)
                    retries++;
                c->due_us = now + TIMEOUT_US;
            }
        zpoller_t *poller = zpoller_new (dealer, NULL);
        void *ready = zpoller_wait (poller, 20);
        zpoller_destroy (&poller);
        if (!ready)
            continue;
        zframe_t *frame;
        while ((frame = zframe_recv_nowait (dealer))) {
            ll_decode_rc_t rc;
            char err [256];
            ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame), &rc, err, sizeof err);
            zframe_destroy (&frame);
            if (!env)
                continue;
            card_t *c = env->idempotency_key ? zhashx_lookup (inflight, env->idempotency_key) : NULL;
            if (c && env->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY) {
                Leadline__V1__SubmitReply *r = env->submit_reply;
                if (r->status == LEADLINE__V1__STATUS__STATUS_OK) {
                    fprintf (log, "ack %s %s %s\n", c->key, r->lead_id, r->rep_id && *r->rep_id ? r->rep_id : "-");
                    acked++;
                }
                else
                if (r->status == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE
                ||  r->status == LEADLINE__V1__STATUS__STATUS_SLOW_DOWN) {
                    c->due_us = ll_mono_us () + (r->retry_after_ms ? r->retry_after_ms : 500) * 1000LL;
                    c = NULL;
                }
                else
                    fprintf (log, "rejected %s %d %s %s\n", c->key, r->status,
                             r->n_errors ? r->errors [0]->field : "-",
                             r->n_errors ? r->errors [0]->message : (r->message ? r->message : ""));
                if (c) {
                    fflush (log);
                    zhashx_delete (inflight, c->key);
                    zframe_destroy (&c->frame);
                    free (c);
                }
            }
            ll_envelope_free (&env);
        }
    }
    for (card_t *c = zhashx_first (inflight); c; c = zhashx_next (inflight)) {
        fprintf (log, "unacked %s\n", c->key);
        zframe_destroy (&c->frame);
        free (c);
    }
    fclose (log);
    fprintf (stderr, "loadgen: %ld cards, %ld acknowledged, %ld retries, %zu unacknowledged\n",
             made, acked, retries, zhashx_size (inflight));
    zhashx_destroy (&inflight);
    zsock_destroy (&dealer);
    return 0;
}
