/*  v1_client — an old client, as bytes. It makes the saved fixtures of
    tests/upgrade/fixtures/ and replays them (or any file) to intake.

      v1_client make DIR
          Writes the v1 messages an older terminal and rep client send, with
          only the fields protocol v1 shipped with (the first release of
          proto/leadline/v1) and fixed ids and times: submit_lead.bin,
          record_contact.bin, record_outcome.bin. See fixtures/README.md.
      v1_client send ENDPOINT FILE [LEAD_ID]
          Sends FILE's bytes as one frame from a DEALER and prints the reply
          as one line:
            submit_reply status=ok lead_id=... rep_id=... duplicate=0
            update_reply status=ok
            error status=bad_request code=...
          With LEAD_ID, every occurrence of the fixtures' placeholder lead id
          (V1_PLACEHOLDER, same length as a real one) is replaced by it
          first, as an old client fills in the id intake gave it; the other
          bytes go out as recorded. Exits 0 when a reply came, 1 if none
          came within 30 s, 2 on a usage error. */
#include "ll_envelope.h"
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V1_PLACEHOLDER "00000000-0000-4000-8000-00000000f1f1"
//  Fixed simulated time of the fixtures: 2026-11-02 15:00:00 UTC, a Monday.
//  The test runs intake with its clock started there (LEADLINE_CLOCK_START),
//  so the card is two hours old whenever the test runs. The rep's updates
//  leave at_us unset ("now"), as the rep client does without --at.
#define V1_TIME_US 1793631600000000LL
#define HOUR_US 3600000000LL

static int
s_write (const char *dir, const char *name, Leadline__V1__Envelope *env)
{
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    size_t size = protobuf_c_message_get_packed_size (&env->base);
    uint8_t *buf = malloc (size ? size : 1);
    if (!buf)
        return -1;
    protobuf_c_message_pack (&env->base, buf);
    FILE *f = fopen (path, "wb");
    if (!f || fwrite (buf, 1, size, f) != size || fclose (f) != 0) {
        fprintf (stderr, "v1_client: cannot write %s\n", path);
        free (buf);
        return -1;
    }
    free (buf);
    printf ("%s: %zu bytes\n", path, size);
    return 0;
}

static int
s_make (const char *dir)
{
    //  A terminal at station S-UPG-1 hands in a card for employee E-UPG-1.
    Leadline__V1__Business biz = LEADLINE__V1__BUSINESS__INIT;
    biz.name = "Old Client Hardware";
    biz.address = "12 Upgrade Lane";
    biz.zip = "10001";
    Leadline__V1__Contact contact = LEADLINE__V1__CONTACT__INIT;
    contact.name = "Vera Version";
    contact.phone = "2125550101";
    Leadline__V1__Product products [] = { LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL };
    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    card.employee_id = "E-UPG-1";
    card.station_id = "S-UPG-1";
    card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    card.card_completed_us = V1_TIME_US - 2 * HOUR_US;
    card.business = &biz;
    card.contact = &contact;
    card.n_products = 1;
    card.products = products;
    card.notes = "v1 fixture card";
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card;
    Leadline__V1__Envelope env = LEADLINE__V1__ENVELOPE__INIT;
    env.version = 1;
    env.message_id = "0f1f0000-0000-4000-8000-000000000001";
    env.time_us = V1_TIME_US;
    env.idempotency_key = "v1-fixture-submit-1";
    env.sender = "S-UPG-1";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    if (s_write (dir, "submit_lead.bin", &env))
        return -1;

    //  The rep client of R-UPG records that the customer was reached.
    Leadline__V1__RecordContact rc = LEADLINE__V1__RECORD_CONTACT__INIT;
    rc.lead_id = V1_PLACEHOLDER;
    rc.rep_id = "R-UPG";
    rc.kind = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED;
    rc.note = "called, owner interested";
    Leadline__V1__Envelope env2 = LEADLINE__V1__ENVELOPE__INIT;
    env2.version = 1;
    env2.message_id = "0f1f0000-0000-4000-8000-000000000002";
    env2.time_us = V1_TIME_US;
    env2.idempotency_key = "v1-fixture-contact-1";
    env2.sender = "R-UPG";
    env2.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT;
    env2.record_contact = &rc;
    if (s_write (dir, "record_contact.bin", &env2))
        return -1;

    //  ... and later that the customer signed up.
    Leadline__V1__RecordOutcome ro = LEADLINE__V1__RECORD_OUTCOME__INIT;
    ro.lead_id = V1_PLACEHOLDER;
    ro.rep_id = "R-UPG";
    ro.outcome = LEADLINE__V1__OUTCOME__OUTCOME_WON;
    ro.n_products = 1;
    ro.products = products;
    ro.annual_revenue_cents = 1234500;
    Leadline__V1__Envelope env3 = LEADLINE__V1__ENVELOPE__INIT;
    env3.version = 1;
    env3.message_id = "0f1f0000-0000-4000-8000-000000000003";
    env3.time_us = V1_TIME_US;
    env3.idempotency_key = "v1-fixture-outcome-1";
    env3.sender = "R-UPG";
    env3.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME;
    env3.record_outcome = &ro;
    return s_write (dir, "record_outcome.bin", &env3);
}

static const char *
s_status (int status)
{
    static const char *names [] = {
        "unspecified", "ok", "invalid", "unavailable", "forbidden", "not_found",
        "conflict", "slow_down", "bad_request"
    };
    return status >= 0 && status <= 8 ? names [status] : "unknown";
}

static int
s_send (const char *endpoint, const char *path, const char *lead_id)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        fprintf (stderr, "v1_client: cannot read %s\n", path);
        return 2;
    }
    uint8_t buf [65536];
    size_t size = fread (buf, 1, sizeof buf, f);
    fclose (f);
    if (lead_id) {
        size_t n = strlen (V1_PLACEHOLDER);
        if (strlen (lead_id) != n) {
            fprintf (stderr, "v1_client: lead id '%s' is not %zu characters\n", lead_id, n);
            return 2;
        }
        for (size_t i = 0; i + n <= size; i++)
            if (memcmp (buf + i, V1_PLACEHOLDER, n) == 0)
                memcpy (buf + i, lead_id, n);
    }
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    if (!dealer || zsock_connect (dealer, "%s", endpoint)) {
        fprintf (stderr, "v1_client: cannot connect to %s\n", endpoint);
        return 2;
    }
    zsock_set_linger (dealer, 0);
    zframe_t *frame = zframe_new (buf, size);
    zframe_send (&frame, dealer, 0);
    zpoller_t *poller = zpoller_new (dealer, NULL);
    int rc = 1;
    if (zpoller_wait (poller, 30000)) {
        zmsg_t *msg = zmsg_recv (dealer);
        zframe_t *last = msg ? zmsg_last (msg) : NULL;
        ll_envelope_t *env = last ? ll_envelope_decode (zframe_data (last), zframe_size (last),
                                                        NULL, NULL, 0) : NULL;
        if (!env)
            printf ("undecodable reply\n");
        else if (env->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY)
            printf ("submit_reply status=%s lead_id=%s rep_id=%s duplicate=%d\n",
                    s_status (env->submit_reply->status), env->submit_reply->lead_id,
                    env->submit_reply->rep_id, env->submit_reply->duplicate);
        else if (env->body_case == LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY)
            printf ("update_reply status=%s%s%s\n", s_status (env->update_reply->status),
                    env->update_reply->message && *env->update_reply->message ? " " : "",
                    env->update_reply->message ? env->update_reply->message : "");
        else if (env->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR)
            printf ("error status=%s code=%s\n", s_status (env->error->status), env->error->code);
        else
            printf ("%s\n", ll_envelope_type_name (env));
        ll_envelope_free (&env);
        zmsg_destroy (&msg);
        rc = 0;
    }
    else
        fprintf (stderr, "v1_client: no reply from %s within 30 s\n", endpoint);
    zpoller_destroy (&poller);
    zsock_destroy (&dealer);
    return rc;
}

int
main (int argc, char **argv)
{
    if (argc == 3 && strcmp (argv [1], "make") == 0)
        return s_make (argv [2]) ? 1 : 0;
    if ((argc == 4 || argc == 5) && strcmp (argv [1], "send") == 0)
        return s_send (argv [2], argv [3], argc == 5 ? argv [4] : NULL);
    fprintf (stderr, "usage: v1_client make DIR | v1_client send ENDPOINT FILE [LEAD_ID]\n");
    return 2;
}
