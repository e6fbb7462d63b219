/*  leadline rep inbox — lists a person's newest notifications, read
    (acknowledged) and unread. One InboxRequest to the notifier, asked
    again every second until an answer comes or --timeout-ms passes (the
    request changes nothing, so asking twice is harmless). */
#include "rep.h"
#include "ll_clock.h"
#include "ll_envelope.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (void)
{
    fprintf (stderr, "usage: leadline rep inbox --person ID [--unread] [--limit N] [--tsv]\n"
                     "                          [--endpoint E] [--timeout-ms MS]\n");
}

static const char *
s_kind (int kind)
{
    static const char *names [] = { "unspecified", "assigned", "reassigned", "warning",
        "breach", "escalation", "entered", "contacted", "outcome", "report", "digest" };
    return kind >= 0 && kind <= 10 ? names [kind] : "unknown";
}

static void
s_field (const char *text)
{
    for (const char *c = text ? text : ""; *c; c++)
        putchar (*c == '\t' || *c == '\n' || *c == '\r' ? ' ' : *c);
}

int
rep_inbox (int argc, char **argv)
{
    const char *person = NULL, *endpoint = NULL;
    bool unread = false, tsv = false;
    long limit = 50, timeout_ms = 5000;
    static const struct option longopts [] = {
        { "person", required_argument, NULL, 'p' },
        { "endpoint", required_argument, NULL, 'e' },
        { "unread", no_argument, NULL, 'u' },
        { "limit", required_argument, NULL, 'l' },
        { "tsv", no_argument, NULL, 't' },
        { "timeout-ms", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "p:e:ul:tw:h", longopts, NULL)) != -1)
        switch (opt) {
            case 'p': person = optarg; break;
            case 'e': endpoint = optarg; break;
            case 'u': unread = true; break;
            case 'l': limit = atol (optarg); break;
            case 't': tsv = true; break;
            case 'w': timeout_ms = atol (optarg); break;
            case 'h': s_usage (); return 0;
            default: s_usage (); return 2;
        }
    if (!person || optind < argc || limit < 1 || limit > 500) {
        s_usage ();
        return 2;
    }
    endpoint = rep_notifier_endpoint (endpoint);
    zsys_init ();
    zsys_set_linger (0);
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return 1;
    ll_socket_caps (sock, 1000);
    char auth_err [512];
    if (rep_notifier_auth (sock, auth_err, sizeof auth_err)) {
        fprintf (stderr, "leadline rep inbox: %s\n", auth_err);
        zsock_destroy (&sock);
        return 1;
    }
    if (zsock_connect (sock, "%s", endpoint) < 0) {
        fprintf (stderr, "leadline rep inbox: cannot use endpoint %s\n", endpoint);
        zsock_destroy (&sock);
        return 1;
    }
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    env.sender = (char *) person;
    Leadline__V1__InboxRequest req = LEADLINE__V1__INBOX_REQUEST__INIT;
    req.person_id = (char *) person;
    req.unread_only = unread;
    req.limit = (uint32_t) limit;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_INBOX_REQUEST;
    env.inbox_request = &req;
    int rc = 1;
    int64_t deadline = ll_mono_us () + timeout_ms * 1000;
    ll_envelope_t *reply = NULL;
    while (!reply && !zsys_interrupted && ll_mono_us () < deadline) {
        zframe_t *frame = ll_envelope_frame (&env);
        if (frame && zframe_send (&frame, sock, ZFRAME_DONTWAIT) != 0)
            zframe_destroy (&frame);
        int64_t until = ll_mono_us () + 1000000;
        if (until > deadline)
            until = deadline;
        while (!reply && ll_mono_us () < until) {
            zsock_set_rcvtimeo (sock, (int) ((until - ll_mono_us ()) / 1000) + 1);
            zframe_t *in = zframe_recv (sock);
            if (!in)
                break;
            ll_decode_rc_t drc;
            char err [256];
            ll_envelope_t *got = ll_envelope_decode (zframe_data (in), zframe_size (in),
                                                     &drc, err, sizeof err);
            zframe_destroy (&in);
            if (got && got->message_id && strcmp (got->message_id, id) == 0)
                reply = got;
            else
                ll_envelope_free (&got);
        }
    }
    if (!reply) {
        fprintf (stderr, "leadline rep inbox: no answer from the notifier at %s\n", endpoint);
        goto done;
    }
    if (reply->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR) {
        fprintf (stderr, "leadline rep inbox: %s%s%s\n", reply->error->message,
                 *reply->error->hint ? "; " : "", reply->error->hint);
        goto done;
    }
    if (reply->body_case != LEADLINE__V1__ENVELOPE__BODY_INBOX_REPLY
    ||  reply->inbox_reply->status != LEADLINE__V1__STATUS__STATUS_OK) {
        fprintf (stderr, "leadline rep inbox: %s\n",
                 reply->body_case == LEADLINE__V1__ENVELOPE__BODY_INBOX_REPLY
                 ? reply->inbox_reply->message : "unexpected answer");
        goto done;
    }
    Leadline__V1__InboxReply *box = reply->inbox_reply;
    size_t unread_n = 0;
    for (size_t i = 0; i < box->n_items; i++) {
        Leadline__V1__Notification *n = box->items [i];
        bool read = i < box->n_acknowledged && box->acknowledged [i];
        if (!read)
            unread_n++;
        if (tsv) {
            s_field (n->id);
            printf ("\t%s\t%s\t", read ? "read" : "unread", s_kind (n->kind));
            s_field (n->lead_id);
            putchar ('\t');
            s_field (n->title);
            putchar ('\n');
        }
        else {
            char when [40];
            rep_time (n->created_us, when, sizeof when);
            printf ("%s %s  %s%-10s %s\n", read ? "   " : "NEW", when, n->urgent ? "!" : " ",
                    s_kind (n->kind), n->title);
        }
    }
    if (!tsv)
        printf ("%zu shown, %zu unread among them\n", box->n_items, unread_n);
    rc = 0;
done:
    ll_envelope_free (&reply);
    zsock_destroy (&sock);
    return rc;
}
