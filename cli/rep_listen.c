/*  leadline rep listen — shows a person's notifications live.

    One DEALER to the notifier. It says hello (ClientHello) at once and
    every second after: the first hello of a connection makes the notifier
    send everything not yet acknowledged; the later ones are heartbeats,
    each answered with a Heartbeat. Every notification received is
    acknowledged, even one already shown (the notifier may have lost the
    first ack when it restarted), and shown only the first time: ids are
    remembered for the life of the process. If the notifier stays silent
    for three heartbeats the socket is replaced, so a restarted notifier
    sees a new connection and sends what is pending again. */
#include "rep.h"
#include "ll_clock.h"
#include "ll_envelope.h"
#include "ll_log.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *person;
    const char *endpoint;
    bool tsv;
    bool no_ack;
    long count;                     // stop after this many shown (0 = never)
    double seconds;                 // stop after this long (0 = never)
    long ping_ms;
} listen_opts_t;

static zsock_t *
s_connect (const char *endpoint)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return NULL;
    ll_socket_caps (sock, 100000);
    zsock_set_linger (sock, 0);
    char err [512];
    if (rep_notifier_auth (sock, err, sizeof err)) {
        fprintf (stderr, "leadline rep listen: %s\n", err);
        zsock_destroy (&sock);
        return NULL;
    }
    if (zsock_connect (sock, "%s", endpoint) < 0) {
        fprintf (stderr, "leadline rep listen: cannot use endpoint %s\n", endpoint);
        zsock_destroy (&sock);
    }
    return sock;
}

static void
s_send (zsock_t *sock, ll_envelope_t *env)
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
    env.sender = (char *) person;
    Leadline__V1__ClientHello hello = LEADLINE__V1__CLIENT_HELLO__INIT;
    hello.person_id = (char *) person;
    hello.client_version = "leadline-rep/" LEADLINE_VERSION;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_CLIENT_HELLO;
    env.client_hello = &hello;
    s_send (sock, &env);
}

static void
s_ack (zsock_t *sock, const char *person, char **ids, size_t count)
{
    if (count == 0)
        return;
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    env.sender = (char *) person;
    Leadline__V1__NotificationAck ack = LEADLINE__V1__NOTIFICATION_ACK__INIT;
    ack.ids = ids;
    ack.n_ids = count;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION_ACK;
    env.notification_ack = &ack;
    s_send (sock, &env);
}

static const char *
s_kind (int kind)
{
    static const char *names [] = { "unspecified", "assigned", "reassigned", "warning",
        "breach", "escalation", "entered", "contacted", "outcome", "report", "digest" };
    return kind >= 0 && kind <= 10 ? names [kind] : "unknown";
}

//  TSV fields may not hold tabs or line breaks.
static void
s_field (const char *text)
{
    for (const char *c = text ? text : ""; *c; c++)
        putchar (*c == '\t' || *c == '\n' || *c == '\r' ? ' ' : *c);
}

static void
s_show (const listen_opts_t *opts, const Leadline__V1__Notification *n)
{
    if (opts->tsv) {
        s_field (n->id);
        putchar ('\t');
        s_field (s_kind (n->kind));
        putchar ('\t');
        s_field (n->lead_id);
        putchar ('\t');
        s_field (n->urgent ? "urgent" : "-");
        putchar ('\t');
        s_field (n->title);
        putchar ('\n');
    }
    else {
        char when [40];
        rep_time (n->created_us, when, sizeof when);
        printf ("%s  %s%-10s %s\n", when, n->urgent ? "!" : " ", s_kind (n->kind), n->title);
        if (n->body && *n->body)
            printf ("%24s%s\n", "", n->body);
    }
    fflush (stdout);
}

static void
s_usage (void)
{
    fprintf (stderr, "usage: leadline rep listen --person ID [--endpoint E] [--tsv] [--no-ack]\n"
                     "                           [--count N] [--seconds S] [--ping-ms MS]\n");
}

int
rep_listen (int argc, char **argv)
{
    listen_opts_t opts = { .ping_ms = 1000 };
    static const struct option longopts [] = {
        { "person", required_argument, NULL, 'p' },
        { "endpoint", required_argument, NULL, 'e' },
        { "tsv", no_argument, NULL, 't' },
        { "no-ack", no_argument, NULL, 'n' },
        { "count", required_argument, NULL, 'c' },
        { "seconds", required_argument, NULL, 's' },
        { "ping-ms", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "p:e:tnc:s:i:h", longopts, NULL)) != -1)
        switch (opt) {
            case 'p': opts.person = optarg; break;
            case 'e': opts.endpoint = optarg; break;
            case 't': opts.tsv = true; break;
            case 'n': opts.no_ack = true; break;
            case 'c': opts.count = atol (optarg); break;
            case 's': opts.seconds = atof (optarg); break;
            case 'i': opts.ping_ms = atol (optarg); break;
            case 'h': s_usage (); return 0;
            default: s_usage (); return 2;
        }
    if (!opts.person || optind < argc) {
        s_usage ();
        return 2;
    }
    if (opts.ping_ms < 10)
        opts.ping_ms = 10;
    opts.endpoint = rep_notifier_endpoint (opts.endpoint);
    zsys_init ();
    zsys_set_linger (0);
    zsock_t *sock = s_connect (opts.endpoint);
    if (!sock)
        return 1;
    zhashx_t *seen = zhashx_new ();
    if (!seen) {
        zsock_destroy (&sock);
        return 1;
    }
    long shown = 0;
    int rc = 0;
    int64_t started = ll_mono_us ();
    int64_t heard = started;
    int64_t next_ping = started;
    bool warned = false;
    while (!zsys_interrupted) {
        int64_t now = ll_mono_us ();
        if (opts.seconds > 0 && now - started >= (int64_t) (opts.seconds * 1e6))
            break;
        if (now - heard > 3 * opts.ping_ms * 1000) {
            if (!warned)
                fprintf (stderr, "leadline rep listen: no answer from the notifier at %s; "
                                 "still trying\n", opts.endpoint);
            warned = true;
            zsock_destroy (&sock);
            sock = s_connect (opts.endpoint);
            if (!sock) {
                rc = 1;
                break;
            }
            heard = now;
            next_ping = now;
        }
        if (now >= next_ping) {
            s_hello (sock, opts.person);
            next_ping = now + opts.ping_ms * 1000;
        }
        zsock_set_rcvtimeo (sock, (int) ((next_ping - now) / 1000) + 1);
        zframe_t *frame = zframe_recv (sock);
        if (!frame)
            continue;
        char *acks [1000];
        size_t n_acks = 0;
        while (frame) {
            ll_decode_rc_t drc;
            char err [256];
            ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame),
                                                     &drc, err, sizeof err);
            zframe_destroy (&frame);
            heard = ll_mono_us ();
            if (warned) {
                fprintf (stderr, "leadline rep listen: connected to the notifier\n");
                warned = false;
            }
            if (env && env->body_case == LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION) {
                Leadline__V1__Notification *n = env->notification;
                if (n->id && !zhashx_lookup (seen, n->id)) {
                    zhashx_insert (seen, n->id, (void *) 1);
                    s_show (&opts, n);
                    shown++;
                }
                if (n->id && !opts.no_ack && n_acks < 1000)
                    acks [n_acks++] = strdup (n->id);
            }
            else
            if (env && env->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR) {
                fprintf (stderr, "leadline rep listen: the notifier says: %s%s%s\n",
                         env->error->message, *env->error->hint ? "; " : "", env->error->hint);
                if (env->error->status == LEADLINE__V1__STATUS__STATUS_FORBIDDEN) {
                    rc = 1;
                    ll_envelope_free (&env);
                    goto done;
                }
            }
            else
            if (!env)
                fprintf (stderr, "leadline rep listen: unreadable frame: %s\n", err);
            ll_envelope_free (&env);
            if (n_acks >= 1000)
                break;
            frame = zframe_recv_nowait (sock);
        }
        s_ack (sock, opts.person, acks, n_acks);
        for (size_t i = 0; i < n_acks; i++)
            free (acks [i]);
        if (opts.count > 0 && shown >= opts.count)
            break;
    }
done:
    //  Let the last acks leave before the socket goes.
    zclock_sleep (50);
    zhashx_destroy (&seen);
    zsock_destroy (&sock);
    return rc;
}
