/*  nt_fanout — the benchmark's clients and baseline (bench/notify.sh).

      nt_fanout clients N PREFIX EXPECTED TIMEOUT_S
          N person clients (DEALERs in one process) to the notifier at
          LEADLINE_NOTIFIER_CONNECT, as PREFIX0 .. PREFIX<N-1>: hello once a
          second each (spread over the second), ack what they get, count each id once. Stops at
          EXPECTED distinct notifications. Prints
            clients N / received R / seconds S (first to last) /
            latency_p50_ms, latency_p99_ms (created_us -> shown)
      nt_fanout raw-server ENDPOINT N MESSAGES SIZE RATE
          (prints "endpoint E" once bound; ENDPOINT may be tcp://127.0.0.1:*)
          the baseline: a bare ROUTER that waits for N clients' hellos, then
          sends MESSAGES Notification frames of about SIZE bytes round robin
          (created_us = when sent), RATE a second (0 = as fast as it can),
          and drains their acks; no store
      nt_fanout intake N PREFIX RATE COUNT STATION EMPLOYEE TIMEOUT_S
          N rep clients as above, plus one DEALER to intake
          (LEADLINE_INTAKE_CONNECT) submitting COUNT lead cards at RATE a
          second; latency is from each card's submit to its assignment shown
          at the rep's client, matched by lead id (same process, same clock);
          also prints intake's own ack latency (submit -> SubmitReply)

    NT_FANOUT_TRACE=FILE writes each latency sample as "unix_ms latency_ms
    ack_ms" (unix_ms: the wall clock, to line up with the services' and
    PostgreSQL's logs; ack_ms: intake's reply to that card, -1 outside intake mode),
    to see when the slow ones happen and which part was slow. NT_FANOUT_READY=FILE is made once
    every client has heard from the server (its hello was taken): a load
    started after it measures delivery, not connecting. NT_FANOUT_WARMUP=K:
    in intake mode the first K cards are sent but not measured (the first
    batches find the store's pages and plans cold).

    Every client waits in one epoll over all sockets, and handles every
    socket that is ready before waiting again. */
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_envelope.h"
#include "ll_log.h"
#include "ll_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

typedef struct {
    int n;
    zsock_t **socks;
    char **persons;
    zhashx_t *seen;                 // id -> 1
    long received;
    int64_t first_us, last_us;      // monotonic
    double *lat_ms;                 // created -> shown (clients mode)
    long lat_n, lat_cap;
    FILE *trace;                    // NT_FANOUT_TRACE: "unix_ms latency_ms ack_ms" per sample
    bool *heard;                    // client i has heard from the server
    int n_heard;
    const char *ready_file;         // NT_FANOUT_READY: made once every client has
    long warmup;                    // NT_FANOUT_WARMUP: first cards not measured
    //  intake mode
    zsock_t *intake;
    zhashx_t *sent_us;              // key -> int64_t* (submit time, real clock)
    zhashx_t *lead_submit;          // lead id -> int64_t* (from the reply)
    zhashx_t *lead_shown;           // lead id -> int64_t* (shown before the reply)
    zhashx_t *lead_ack_us;          // lead id -> int64_t* (reply - submit, for the trace)
    double *ack_ms;                 // submit -> reply
    long ack_n, ack_cap;
} fan_t;

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_pct (double *v, long n, double p)
{
    if (n == 0)
        return 0;
    long i = (long) (p * (double) (n - 1) + 0.5);
    return v [i];
}

static void
s_lat (fan_t *self, double ms, double ack_ms)
{
    if (self->lat_n == self->lat_cap) {
        self->lat_cap = self->lat_cap ? self->lat_cap * 2 : 4096;
        self->lat_ms = realloc (self->lat_ms, (size_t) self->lat_cap * sizeof (double));
        if (!self->lat_ms)
            exit (1);
    }
    self->lat_ms [self->lat_n++] = ms;
    if (self->trace)
        fprintf (self->trace, "%.1f %.2f %.2f\n", (double) ll_clock_now_us () / 1000.0, ms, ack_ms);
}

static void
s_ack_lat (fan_t *self, double ms)
{
    if (self->ack_n == self->ack_cap) {
        self->ack_cap = self->ack_cap ? self->ack_cap * 2 : 4096;
        self->ack_ms = realloc (self->ack_ms, (size_t) self->ack_cap * sizeof (double));
        if (!self->ack_ms)
            exit (1);
    }
    self->ack_ms [self->ack_n++] = ms;
}

static void
s_send_env (zsock_t *sock, ll_envelope_t *env)
{
    zframe_t *frame = ll_envelope_frame (env);
    if (frame && zframe_send (&frame, sock, ZFRAME_DONTWAIT) != 0)
        zframe_destroy (&frame);
}

static void
s_hello (zsock_t *sock, const char *person)
{
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    Leadline__V1__ClientHello hello = LEADLINE__V1__CLIENT_HELLO__INIT;
    hello.person_id = (char *) person;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_CLIENT_HELLO;
    env.client_hello = &hello;
    s_send_env (sock, &env);
}

static int64_t *
s_time (int64_t value)
{
    int64_t *t = malloc (sizeof *t);
    if (t)
        *t = value;
    return t;
}

static void
s_free (void **item)
{
    free (*item);
    *item = NULL;
}

static fan_t *
s_clients (int n, const char *prefix, const char *endpoint)
{
    fan_t *self = calloc (1, sizeof *self);
    const char *trace = getenv ("NT_FANOUT_TRACE");
    if (self && trace && *trace)
        self->trace = fopen (trace, "w");
    if (self) {
        self->ready_file = getenv ("NT_FANOUT_READY");
        self->warmup = ll_config_int ("NT_FANOUT_WARMUP", 0);
    }
    self->n = n;
    self->socks = calloc ((size_t) n + 1, sizeof *self->socks);
    self->persons = calloc ((size_t) n, sizeof *self->persons);
    self->heard = calloc ((size_t) n, sizeof *self->heard);
    self->seen = zhashx_new ();
    for (int i = 0; i < n; i++) {
        char person [64];
        snprintf (person, sizeof person, "%s%d", prefix, i);
        self->persons [i] = strdup (person);
        self->socks [i] = zsock_new (ZMQ_DEALER);
        ll_socket_caps (self->socks [i], 100000);
        if (zsock_connect (self->socks [i], "%s", endpoint) < 0) {
            fprintf (stderr, "nt_fanout: cannot connect to %s\n", endpoint);
            exit (1);
        }
        s_hello (self->socks [i], person);
    }
    return self;
}

//  Reads what one client socket holds: shows (counts) new ids, acks all.
static void
s_client_read (fan_t *self, int i)
{
    char *acks [256];
    size_t n_acks = 0;
    zframe_t *frame;
    while ((frame = zframe_recv_nowait (self->socks [i]))) {
        if (!self->heard [i]) {
            self->heard [i] = true;
            if (++self->n_heard == self->n && self->ready_file && *self->ready_file) {
                FILE *ready = fopen (self->ready_file, "w");
                if (ready)
                    fclose (ready);
            }
        }
        ll_decode_rc_t rc;
        char err [128];
        ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame), &rc, err, sizeof err);
        zframe_destroy (&frame);
        if (env && env->body_case == LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION) {
            Leadline__V1__Notification *note = env->notification;
            if (!zhashx_lookup (self->seen, note->id)) {
                zhashx_insert (self->seen, note->id, (void *) 1);
                int64_t mono = ll_mono_us ();
                if (self->received++ == 0)
                    self->first_us = mono;
                self->last_us = mono;
                int64_t now = ll_clock_now_us ();
                if (self->intake) {
                    int64_t *sub = zhashx_lookup (self->lead_submit, note->lead_id);
                    int64_t *ack = zhashx_lookup (self->lead_ack_us, note->lead_id);
                    if (sub)
                        s_lat (self, (double) (now - *sub) / 1000.0, ack ? (double) *ack / 1000.0 : -1);
                    else
                        zhashx_insert (self->lead_shown, note->lead_id, s_time (now));
                }
                else
                    s_lat (self, (double) (now - note->created_us) / 1000.0, -1);
            }
            if (n_acks < 256)
                acks [n_acks++] = strdup (note->id);
        }
        ll_envelope_free (&env);
        if (n_acks == 256)
            break;
    }
    if (n_acks) {
        ll_envelope_t env;
        char id [37];
        ll_envelope_init (&env, id);
        Leadline__V1__NotificationAck ack = LEADLINE__V1__NOTIFICATION_ACK__INIT;
        ack.ids = acks;
        ack.n_ids = n_acks;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION_ACK;
        env.notification_ack = &ack;
        s_send_env (self->socks [i], &env);
        for (size_t k = 0; k < n_acks; k++)
            free (acks [k]);
    }
}

//  ---- intake mode: paced submissions

static void
s_submit (fan_t *self, long k, const char *station, const char *employee)
{
    char key [48], name [64], phone [16];
    snprintf (key, sizeof key, "bench-%d-%ld", (int) getpid (), k);
    snprintf (name, sizeof name, "Bench Shop %d %ld", (int) getpid () % 1000, k);
    snprintf (phone, sizeof phone, "212%07ld", k % 10000000);
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    env.idempotency_key = key;
    Leadline__V1__Business business = LEADLINE__V1__BUSINESS__INIT;
    business.name = name;
    business.zip = "10001";
    Leadline__V1__Contact contact = LEADLINE__V1__CONTACT__INIT;
    contact.name = "Bench Owner";
    contact.phone = phone;
    Leadline__V1__Product products [] = { LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL };
    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    card.employee_id = (char *) employee;
    card.station_id = (char *) station;
    card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    card.card_completed_us = ll_clock_now_us () - 60000000;
    card.business = &business;
    card.contact = &contact;
    card.products = products;
    card.n_products = 1;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    if (k >= self->warmup)
        zhashx_insert (self->sent_us, key, s_time (ll_clock_now_us ()));
    zframe_t *frame = ll_envelope_frame (&env);
    if (frame && zframe_send (&frame, self->intake, 0) != 0)
        zframe_destroy (&frame);
}

static long s_replies_ok, s_replies_other;

static void
s_intake_read (fan_t *self)
{
    zframe_t *frame;
    while ((frame = zframe_recv_nowait (self->intake))) {
        ll_decode_rc_t rc;
        char err [128];
        ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame), &rc, err, sizeof err);
        zframe_destroy (&frame);
        if (env && env->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY
        &&  env->submit_reply->status == LEADLINE__V1__STATUS__STATUS_OK && env->idempotency_key) {
            s_replies_ok++;
            int64_t *sent = zhashx_lookup (self->sent_us, env->idempotency_key);
            const char *lead = env->submit_reply->lead_id;
            int64_t ack_us = sent ? ll_clock_now_us () - *sent : 0;
            if (sent)
                s_ack_lat (self, (double) ack_us / 1000.0);
            if (sent && lead && *lead) {
                int64_t *shown = zhashx_lookup (self->lead_shown, lead);
                if (shown)
                    s_lat (self, (double) (*shown - *sent) / 1000.0, (double) ack_us / 1000.0);
                else {
                    zhashx_insert (self->lead_submit, lead, s_time (*sent));
                    if (self->trace)
                        zhashx_insert (self->lead_ack_us, lead, s_time (ack_us));
                }
            }
        }
        else {
            if (s_replies_other++ < 5 && env && env->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY)
                fprintf (stderr, "nt_fanout: intake answered %d: %s\n",
                         env->submit_reply->status, env->submit_reply->message);
        }
        ll_envelope_free (&env);
    }
}

//  Reads socket i (a client, or intake when i == n) until it holds nothing.
//  ZeroMQ signals a socket's descriptor on a change of state, not on each
//  message, and a send may take that signal: so after every read or send
//  the socket is asked again (ZMQ_EVENTS) before waiting on it.
static void
s_service (fan_t *self, int i)
{
    zsock_t *sock = i < self->n ? self->socks [i] : self->intake;
    while (zsock_events (sock) & ZMQ_POLLIN) {
        if (i < self->n)
            s_client_read (self, i);
        else
            s_intake_read (self);
    }
}

//  Waits in epoll, not zmq_poll: zmq_poll visits all 1,000 sockets on
//  every wake-up, which made this harness the busiest process of the
//  benchmark and took CPU from what it measures.
static int
s_run_clients (fan_t *self, long expected, double timeout_s, double rate, long count,
               const char *station, const char *employee)
{
    int n_items = self->n + (self->intake ? 1 : 0);
    int ep = epoll_create1 (0);
    if (ep < 0) {
        fprintf (stderr, "nt_fanout: epoll_create1: %s\n", strerror (errno));
        return 1;
    }
    for (int i = 0; i < n_items; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t) i };
        if (epoll_ctl (ep, EPOLL_CTL_ADD, zsock_fd (i < self->n ? self->socks [i] : self->intake),
                       &ev) < 0) {
            fprintf (stderr, "nt_fanout: epoll_ctl: %s\n", strerror (errno));
            close (ep);
            return 1;
        }
        s_service (self, i);
    }
    struct epoll_event ready [256];
    int64_t start = ll_mono_us ();
    int64_t next_hello = start + 1000000;
    int hello_next = 0;
    int64_t submit_start = 0;
    long submitted = 0;
    bool connected = !self->intake;
    while (!zsys_interrupted && self->received < expected) {
        int64_t now = ll_mono_us ();
        if (now - start > (int64_t) (timeout_s * 1e6))
            break;
        //  Each client says hello once a second, at its own moment of the
        //  second (as separate devices would), not all 1,000 at once.
        while (now >= next_hello) {
            s_hello (self->socks [hello_next], self->persons [hello_next]);
            s_service (self, hello_next);
            hello_next = (hello_next + 1) % self->n;
            next_hello += 1000000 / self->n;
        }
        //  In intake mode, start submitting once every client has heard
        //  from the notifier (or after ten seconds, to say so).
        if (!connected && (self->n_heard == self->n || now - start > 10000000)) {
            connected = true;
            submit_start = now;
            fprintf (stderr, "nt_fanout: %d of %d clients up; submitting %ld cards at %.0f/s\n",
                     self->n_heard, self->n, count, rate);
        }
        int wait_ms = 100;
        if (connected && self->intake && submitted < count) {
            long due = (long) ((double) (now - submit_start) / 1e6 * rate) + 1;
            if (due > count)
                due = count;
            while (submitted < due)
                s_submit (self, submitted++, station, employee);
            s_service (self, self->n);
            wait_ms = 1;
        }
        int64_t to_hello = (next_hello - ll_mono_us () + 999) / 1000;
        if (to_hello < wait_ms)
            wait_ms = to_hello < 0 ? 0 : (int) to_hello;
        int n_ready = epoll_wait (ep, ready, 256, wait_ms);
        if (n_ready < 0 && errno != EINTR)
            break;
        for (int k = 0; k < n_ready; k++)
            s_service (self, (int) ready [k].data.u32);
    }
    close (ep);
    qsort (self->lat_ms, (size_t) self->lat_n, sizeof (double), s_cmp);
    double secs = self->received > 1 ? (double) (self->last_us - self->first_us) / 1e6 : 0;
    printf ("clients %d\nreceived %ld\nseconds %.3f\nlatency_n %ld\nlatency_p50_ms %.2f\n"
            "latency_p99_ms %.2f\nlatency_max_ms %.2f\n",
            self->n, self->received, secs, self->lat_n, s_pct (self->lat_ms, self->lat_n, 0.5),
            s_pct (self->lat_ms, self->lat_n, 0.99),
            self->lat_n ? self->lat_ms [self->lat_n - 1] : 0.0);
    if (self->intake) {
        qsort (self->ack_ms, (size_t) self->ack_n, sizeof (double), s_cmp);
        printf ("submitted %ld\nreplies_ok %ld\nreplies_other %ld\nack_p50_ms %.2f\nack_p99_ms %.2f\n",
                submitted, s_replies_ok, s_replies_other, s_pct (self->ack_ms, self->ack_n, 0.5),
                s_pct (self->ack_ms, self->ack_n, 0.99));
    }
    int rc = self->received >= expected ? 0 : 1;
    for (int i = 0; i < self->n; i++)
        zsock_destroy (&self->socks [i]);
    zsock_destroy (&self->intake);
    return rc;
}

//  ---- baseline: a bare ROUTER

static int
s_raw_server (const char *endpoint, int n, long messages, int size, double rate)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    ll_socket_caps (router, 100000);
    int port = zsock_bind (router, "%s", endpoint);
    if (port < 0) {
        fprintf (stderr, "nt_fanout: cannot bind %s\n", endpoint);
        zsock_destroy (&router);
        return 1;
    }
    //  With "tcp://host:*" the system picks the port: say which.
    printf ("endpoint %s\n", zsock_endpoint (router));
    fflush (stdout);
    zhashx_t *clients = zhashx_new ();
    zlistx_t *order = zlistx_new ();
    zlistx_set_destructor (order, (czmq_destructor *) zframe_destroy);
    //  Wait for every client's hello.
    while (!zsys_interrupted && (int) zhashx_size (clients) < n) {
        zmsg_t *msg = zmsg_recv (router);
        if (!msg)
            break;
        zframe_t *rid = zmsg_pop (msg);
        char *key = zframe_strhex (rid);
        if (!zhashx_lookup (clients, key)) {
            zhashx_insert (clients, key, (void *) 1);
            zlistx_add_end (order, rid);
        }
        else
            zframe_destroy (&rid);
        free (key);
        zmsg_destroy (&msg);
    }
    char title [512];
    int pad = size - 180;
    if (pad < 8)
        pad = 8;
    if (pad > (int) sizeof title - 1)
        pad = (int) sizeof title - 1;
    memset (title, 't', (size_t) pad);
    title [pad] = 0;
    zframe_t *rid = zlistx_first (order);
    int64_t start = ll_mono_us ();
    for (long k = 0; k < messages && !zsys_interrupted; k++) {
        if (rate > 0)
            while ((double) (ll_mono_us () - start) / 1e6 * rate < (double) k)
                zclock_sleep (1);
        ll_envelope_t env;
        char id [37], nid [37], lead [32];
        ll_envelope_init (&env, id);
        ll_uuid_new (nid);
        snprintf (lead, sizeof lead, "RAW-L%ld", k);
        Leadline__V1__Notification note = LEADLINE__V1__NOTIFICATION__INIT;
        note.id = nid;
        note.recipient_id = "raw";
        note.kind = LEADLINE__V1__NOTIFICATION_KIND__NOTIFICATION_KIND_ASSIGNED;
        note.lead_id = lead;
        note.title = title;
        note.body = "";
        note.created_us = ll_clock_now_us ();
        env.message_id = nid;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION;
        env.notification = &note;
        zframe_t *frame = ll_envelope_frame (&env);
        zframe_send (&rid, router, ZFRAME_MORE | ZFRAME_REUSE);
        zframe_send (&frame, router, 0);
        rid = zlistx_next (order);
        if (!rid)
            rid = zlistx_first (order);
        //  Drain acks and hellos as they come, as the notifier does.
        zmsg_t *in;
        while ((in = zmsg_recv_nowait (router)))
            zmsg_destroy (&in);
    }
    //  Keep draining until the clients are done.
    zsock_set_rcvtimeo (router, 3000);
    zmsg_t *in;
    while ((in = zmsg_recv (router)))
        zmsg_destroy (&in);
    zlistx_destroy (&order);
    zhashx_destroy (&clients);
    zsock_destroy (&router);
    return 0;
}

int
main (int argc, char **argv)
{
    ll_log_init ("nt-fanout");
    ll_clock_init ();
    zsys_init ();
    zsys_set_linger (0);
    zsys_set_max_sockets (4096);
    const char *endpoint = ll_config_str ("LEADLINE_NOTIFIER_CONNECT", "tcp://127.0.0.1:7120");
    if (argc == 6 && strcmp (argv [1], "clients") == 0) {
        fan_t *self = s_clients (atoi (argv [2]), argv [3], endpoint);
        return s_run_clients (self, atol (argv [4]), atof (argv [5]), 0, 0, NULL, NULL);
    }
    if (argc == 7 && strcmp (argv [1], "raw-server") == 0)
        return s_raw_server (argv [2], atoi (argv [3]), atol (argv [4]), atoi (argv [5]), atof (argv [6]));
    if (argc == 9 && strcmp (argv [1], "intake") == 0) {
        fan_t *self = s_clients (atoi (argv [2]), argv [3], endpoint);
        self->intake = zsock_new (ZMQ_DEALER);
        ll_socket_caps (self->intake, 100000);
        if (zsock_connect (self->intake, "%s",
                ll_config_str ("LEADLINE_INTAKE_CONNECT", "tcp://127.0.0.1:7100")) < 0)
            return 1;
        self->sent_us = zhashx_new ();
        self->lead_submit = zhashx_new ();
        self->lead_shown = zhashx_new ();
        self->lead_ack_us = zhashx_new ();
        zhashx_set_destructor (self->sent_us, s_free);
        zhashx_set_destructor (self->lead_submit, s_free);
        zhashx_set_destructor (self->lead_shown, s_free);
        zhashx_set_destructor (self->lead_ack_us, s_free);
        long count = atol (argv [5]);
        return s_run_clients (self, count, atof (argv [8]), atof (argv [4]), count, argv [6], argv [7]);
    }
    fprintf (stderr, "usage: nt_fanout clients N PREFIX EXPECTED TIMEOUT_S\n"
                     "       nt_fanout raw-server ENDPOINT N MESSAGES SIZE RATE\n"
                     "       nt_fanout intake N PREFIX RATE COUNT STATION EMPLOYEE TIMEOUT_S\n");
    return 2;
}
