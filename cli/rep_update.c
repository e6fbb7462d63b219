/*  leadline rep contact | attempt | outcome — a rep's updates to a lead,
    sent to intake (docs/intake.md, "RecordContact / RecordOutcome").

    One Envelope with an idempotency key (--key, or a new UUID) and the
    rep as sender. Intake answers with an UpdateReply. With no answer the
    same bytes are sent again every two seconds, and STATUS_UNAVAILABLE is
    retried after its retry_after_ms, until --timeout-ms: a retry with the
    same key never records the update twice. */
#include "rep.h"
#include "ll_auth.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_envelope.h"
#include "ll_uuid.h"
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PRODUCTS 16

static void
s_usage (const char *sub)
{
    if (strcmp (sub, "outcome") == 0)
        fprintf (stderr, "usage: leadline rep outcome --lead ID --rep ID (--won DOLLARS | --lost REASON"
                         " | --no-interest)\n                        [--product NAME]... [--key KEY]"
                         " [--endpoint E] [--timeout-ms MS]\n");
    else
        fprintf (stderr, "usage: leadline rep %s --lead ID --rep ID [--note TEXT] [--key KEY]\n"
                         "                        [--endpoint E] [--timeout-ms MS]\n", sub);
}

//  "1200.50" -> 120050 cents; -1 if not a plain amount.
static long long
s_cents (const char *text)
{
    long long whole = 0, frac = 0;
    int digits = 0;
    const char *c = text;
    if (!isdigit ((unsigned char) *c))
        return -1;
    for (; isdigit ((unsigned char) *c); c++)
        whole = whole * 10 + (*c - '0');
    if (*c == '.') {
        for (c++; isdigit ((unsigned char) *c) && digits < 2; c++, digits++)
            frac = frac * 10 + (*c - '0');
        if (digits == 1)
            frac *= 10;
    }
    return *c ? -1 : whole * 100 + frac;
}

//  "priority_mail" -> PRODUCT_PRIORITY_MAIL; 0 if unknown.
static int
s_product (const char *name)
{
    char upper [96] = "PRODUCT_";
    size_t k = strlen (upper);
    for (const char *c = name; *c && k + 1 < sizeof upper; c++)
        upper [k++] = *c == '-' ? '_' : (char) toupper ((unsigned char) *c);
    upper [k] = 0;
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name (&leadline__v1__product__descriptor, upper);
    return v ? v->value : 0;
}

static const char *
s_status (int status)
{
    static const char *names [] = { "unspecified", "ok", "invalid", "unavailable", "forbidden",
                                    "not found", "conflict", "slow down", "bad request" };
    return status >= 0 && status <= 8 ? names [status] : "unknown";
}

int
rep_update (int argc, char **argv)
{
    const char *sub = argv [0];
    const char *lead = NULL, *rep = NULL, *note = "", *key = NULL, *endpoint = NULL;
    const char *won = NULL, *lost = NULL;
    bool no_interest = false;
    long timeout_ms = 15000;
    int products [MAX_PRODUCTS];
    size_t n_products = 0;
    static const struct option longopts [] = {
        { "lead", required_argument, NULL, 'l' },
        { "rep", required_argument, NULL, 'r' },
        { "note", required_argument, NULL, 'n' },
        { "key", required_argument, NULL, 'k' },
        { "endpoint", required_argument, NULL, 'e' },
        { "won", required_argument, NULL, 'W' },
        { "lost", required_argument, NULL, 'L' },
        { "no-interest", no_argument, NULL, 'N' },
        { "product", required_argument, NULL, 'P' },
        { "timeout-ms", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "l:r:n:k:e:W:L:NP:w:h", longopts, NULL)) != -1)
        switch (opt) {
            case 'l': lead = optarg; break;
            case 'r': rep = optarg; break;
            case 'n': note = optarg; break;
            case 'k': key = optarg; break;
            case 'e': endpoint = optarg; break;
            case 'W': won = optarg; break;
            case 'L': lost = optarg; break;
            case 'N': no_interest = true; break;
            case 'P':
                if (n_products >= MAX_PRODUCTS || !(products [n_products++] = s_product (optarg))) {
                    fprintf (stderr, "leadline rep: unknown product '%s' (e.g. priority_mail, "
                                     "priority_mail_express, ground, direct_mail, eddm)\n", optarg);
                    return 2;
                }
                break;
            case 'w': timeout_ms = atol (optarg); break;
            case 'h': s_usage (sub); return 0;
            default: s_usage (sub); return 2;
        }
    bool outcome = strcmp (sub, "outcome") == 0;
    int choices = (won != NULL) + (lost != NULL) + no_interest;
    if (!lead || !rep || optind < argc || (outcome && choices != 1)) {
        s_usage (sub);
        return 2;
    }
    long long cents = 0;
    if (won && (cents = s_cents (won)) <= 0) {
        fprintf (stderr, "leadline rep outcome: --won takes the estimated annualized revenue in "
                         "dollars, e.g. 1200 or 1200.50\n");
        return 2;
    }
    if (!endpoint)
        endpoint = ll_config_str ("LEADLINE_INTAKE_CONNECT", REP_INTAKE_ENDPOINT);

    ll_envelope_t env;
    char id [37], keybuf [37];
    ll_envelope_init (&env, id);
    if (!key) {
        ll_uuid_new (keybuf);
        key = keybuf;
    }
    env.idempotency_key = (char *) key;
    env.sender = (char *) rep;
    Leadline__V1__RecordContact contact = LEADLINE__V1__RECORD_CONTACT__INIT;
    Leadline__V1__RecordOutcome result = LEADLINE__V1__RECORD_OUTCOME__INIT;
    if (outcome) {
        result.lead_id = (char *) lead;
        result.rep_id = (char *) rep;
        result.outcome = won ? LEADLINE__V1__OUTCOME__OUTCOME_WON
                       : lost ? LEADLINE__V1__OUTCOME__OUTCOME_LOST
                       : LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST;
        result.annual_revenue_cents = cents;
        result.lost_reason = (char *) (lost ? lost : "");
        result.products = (Leadline__V1__Product *) products;
        result.n_products = n_products;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME;
        env.record_outcome = &result;
    }
    else {
        contact.lead_id = (char *) lead;
        contact.rep_id = (char *) rep;
        contact.kind = strcmp (sub, "attempt") == 0 ? LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT
                                                    : LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED;
        contact.note = (char *) note;
        env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT;
        env.record_contact = &contact;
    }
    size_t size = 0;
    uint8_t *bytes = ll_envelope_pack (&env, &size);
    if (!bytes)
        return 1;

    zsys_init ();
    zsys_set_linger (0);
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    char auth_err [512];
    if (sock && ll_auth_client (sock, auth_err, sizeof auth_err)) {
        fprintf (stderr, "leadline rep: %s\n", auth_err);
        zsock_destroy (&sock);
        free (bytes);
        return 1;
    }
    if (!sock || zsock_connect (sock, "%s", endpoint) < 0) {
        fprintf (stderr, "leadline rep: cannot use endpoint %s\n", endpoint);
        zsock_destroy (&sock);
        free (bytes);
        return 1;
    }
    ll_socket_caps (sock, 1000);
    int rc = 1;
    int64_t deadline = ll_mono_us () + timeout_ms * 1000;
    int64_t resend = 0;
    ll_envelope_t *reply = NULL;
    while (!zsys_interrupted && ll_mono_us () < deadline) {
        int64_t now = ll_mono_us ();
        if (now >= resend) {
            zframe_t *frame = zframe_new (bytes, size);
            if (frame && zframe_send (&frame, sock, ZFRAME_DONTWAIT) != 0)
                zframe_destroy (&frame);
            resend = now + 2000000;
        }
        int64_t until = resend < deadline ? resend : deadline;
        zsock_set_rcvtimeo (sock, (int) ((until - now) / 1000) + 1);
        zframe_t *in = zframe_recv (sock);
        if (!in)
            continue;
        ll_decode_rc_t drc;
        char err [256];
        ll_envelope_t *got = ll_envelope_decode (zframe_data (in), zframe_size (in), &drc, err, sizeof err);
        zframe_destroy (&in);
        if (!got || !got->idempotency_key || strcmp (got->idempotency_key, key) != 0) {
            ll_envelope_free (&got);
            continue;
        }
        if (got->body_case == LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY
        &&  (got->update_reply->status == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE
          || got->update_reply->status == LEADLINE__V1__STATUS__STATUS_SLOW_DOWN)) {
            uint32_t wait = got->update_reply->retry_after_ms ? got->update_reply->retry_after_ms : 1000;
            resend = ll_mono_us () + (int64_t) wait * 1000;
            ll_envelope_free (&got);
            continue;
        }
        reply = got;
        break;
    }
    if (!reply)
        fprintf (stderr, "leadline rep %s: no answer from intake at %s; nothing is known to be "
                         "recorded: run it again with --key %s\n", sub, endpoint, key);
    else
    if (reply->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR)
        fprintf (stderr, "leadline rep %s: %s\n", sub, reply->error->message);
    else
    if (reply->body_case != LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY)
        fprintf (stderr, "leadline rep %s: unexpected answer %s\n", sub, ll_envelope_type_name (reply));
    else {
        Leadline__V1__UpdateReply *u = reply->update_reply;
        if (u->status == LEADLINE__V1__STATUS__STATUS_OK) {
            printf ("%s recorded for lead %s%s%s\n", sub, lead, *u->message ? ": " : "", u->message);
            rc = 0;
        }
        else {
            fprintf (stderr, "leadline rep %s: %s%s%s\n", sub, s_status (u->status),
                     *u->message ? ": " : "", u->message);
            for (size_t i = 0; i < u->n_errors; i++)
                fprintf (stderr, "  %s: %s%s%s\n", u->errors [i]->field, u->errors [i]->message,
                         *u->errors [i]->hint ? " — " : "", u->errors [i]->hint);
        }
    }
    ll_envelope_free (&reply);
    zsock_destroy (&sock);
    free (bytes);
    return rc;
}
