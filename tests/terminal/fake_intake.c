/*  fake_intake — a stand-in for leadline-intake that speaks the same
    protocol (docs/intake.md) with rules simple enough for tests to predict,
    so the terminal's client side (window, matching, retries, spool, prompts)
    is tested on its own. The real service is tested in terminal-e2e-* and
    terminal-fault-spool.

      fake_intake ENDPOINT LOG

    Rules: business required; ZIP 12345 or 12345-6789; a phone or an email;
    a business name starting with "DUP" is a duplicate of lead "L-first";
    a key seen before gets the stored reply. Each command appends a line to
    LOG: "stored KEY", "replayed KEY", "invalid KEY" or "unavailable KEY".
    FAKE_UNAVAILABLE=N answers the first N commands UNAVAILABLE;
    FAKE_REVERSE=1 answers each batch of waiting commands in reverse order. */
#include "ll_envelope.h"
#include <czmq.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool
s_zip_ok (const char *zip)
{
    size_t len = strlen (zip);
    if (len != 5 && len != 10)
        return false;
    for (size_t i = 0; i < len; i++)
        if (i == 5 ? zip [i] != '-' : !isdigit ((unsigned char) zip [i]))
            return false;
    return true;
}

static void
s_field_error (Leadline__V1__FieldError *fe, size_t *ne, const char *field,
               const char *code, const char *message, const char *hint)
{
    Leadline__V1__FieldError *e = &fe [(*ne)++];
    leadline__v1__field_error__init (e);
    e->field = (char *) field;
    e->code = (char *) code;
    e->message = (char *) message;
    e->hint = (char *) hint;
}

int
main (int argc, char **argv)
{
    if (argc != 3) {
        fprintf (stderr, "usage: fake_intake ENDPOINT LOG\n");
        return 2;
    }
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    ll_socket_caps (router, 10000);
    if (zsock_bind (router, "%s", argv [1]) < 0) {
        fprintf (stderr, "fake_intake: cannot bind %s\n", argv [1]);
        return 1;
    }
    FILE *log = fopen (argv [2], "a");
    setvbuf (log, NULL, _IOLBF, 0);
    const char *unavailable_env = getenv ("FAKE_UNAVAILABLE");
    int unavailable = unavailable_env ? atoi (unavailable_env) : 0;
    bool reverse = getenv ("FAKE_REVERSE") != NULL;
    zhashx_t *stored = zhashx_new ();       // key -> packed SubmitReply (zchunk)
    zhashx_set_destructor (stored, (zhashx_destructor_fn *) zchunk_destroy);
    int leads = 0;
    fprintf (log, "ready\n");

    while (!zsys_interrupted) {
        zmsg_t *batch [64];
        int n = 0;
        zmsg_t *msg = zmsg_recv (router);
        if (!msg)
            break;
        batch [n++] = msg;
        while (n < 64 && (zsock_events (router) & ZMQ_POLLIN))
            batch [n++] = zmsg_recv (router);
        for (int b = 0; b < n; b++) {
            zmsg_t *request = batch [reverse ? n - 1 - b : b];
            zframe_t *identity = zmsg_pop (request);
            zframe_t *body = zmsg_last (request);
            ll_decode_rc_t rc;
            char err [256];
            ll_envelope_t *env = ll_envelope_decode (zframe_data (body), zframe_size (body),
                                                     &rc, err, sizeof err);
            ll_envelope_t reply;
            char id [37];
            ll_envelope_init (&reply, id);
            Leadline__V1__SubmitReply sr = LEADLINE__V1__SUBMIT_REPLY__INIT;
            Leadline__V1__FieldError fe [4];
            Leadline__V1__FieldError *fep [4];
            Leadline__V1__Error error = LEADLINE__V1__ERROR__INIT;
            reply.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY;
            reply.submit_reply = &sr;
            char lead_id [64];
            Leadline__V1__SubmitReply *replayed = NULL;
            if (!env || env->body_case != LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD) {
                reply.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
                reply.error = &error;
                error.status = LEADLINE__V1__STATUS__STATUS_BAD_REQUEST;
                error.message = err;
            }
            else {
                reply.idempotency_key = env->idempotency_key;
                reply.message_id = env->message_id;
                const char *key = env->idempotency_key;
                const Leadline__V1__LeadCard *card = env->submit_lead->card;
                if (unavailable > 0) {
                    unavailable--;
                    sr.status = LEADLINE__V1__STATUS__STATUS_UNAVAILABLE;
                    sr.retry_after_ms = 100;
                    sr.message = "store unavailable";
                    fprintf (log, "unavailable %s\n", key);
                }
                else
                if (zhashx_lookup (stored, key)) {
                    //  The stored reply, as the real intake does
                    zchunk_t *chunk = zhashx_lookup (stored, key);
                    replayed = leadline__v1__submit_reply__unpack (NULL, zchunk_size (chunk),
                                                                   zchunk_data (chunk));
                    reply.submit_reply = replayed;
                    fprintf (log, "replayed %s\n", key);
                }
                else {
                    size_t ne = 0;
                    const char *name = card && card->business ? card->business->name : "";
                    const char *zip = card && card->business ? card->business->zip : "";
                    const char *phone = card && card->contact ? card->contact->phone : "";
                    const char *email = card && card->contact ? card->contact->email : "";
                    if (!*name)
                        s_field_error (fe, &ne, "card.business.name", "required",
                                       "the business name is missing",
                                       "write the name on the card");
                    if (!s_zip_ok (zip))
                        s_field_error (fe, &ne, "card.business.zip", "format",
                                       "the ZIP code is not 5 digits or ZIP+4",
                                       "write 12345 or 12345-6789");
                    if (!*phone && !*email)
                        s_field_error (fe, &ne, "card.contact", "required",
                                       "neither a phone nor an email",
                                       "give a phone or an email");
                    if (ne) {
                        for (size_t i = 0; i < ne; i++)
                            fep [i] = &fe [i];
                        sr.status = LEADLINE__V1__STATUS__STATUS_INVALID;
                        sr.n_errors = ne;
                        sr.errors = fep;
                        fprintf (log, "invalid %s\n", key);
                    }
                    else {
                        snprintf (lead_id, sizeof lead_id, "L-%d", ++leads);
                        sr.status = LEADLINE__V1__STATUS__STATUS_OK;
                        sr.lead_id = lead_id;
                        if (strncmp (name, "DUP", 3) == 0) {
                            sr.duplicate = true;
                            sr.duplicate_of = "L-first";
                            sr.message = "already handed in on 2024-03-02 as lead L-first; "
                                         "the first referral keeps the credit";
                        }
                        else {
                            sr.rep_id = "R100";
                            sr.rep_name = "Pat Doe";
                        }
                        uint8_t packed [1024];
                        size_t len = leadline__v1__submit_reply__pack (&sr, packed);
                        zchunk_t *chunk = zchunk_new (packed, len);
                        zhashx_insert (stored, key, chunk);
                        fprintf (log, "stored %s\n", key);
                    }
                }
            }
            zframe_t *frame = ll_envelope_frame (&reply);
            zframe_send (&identity, router, ZFRAME_MORE);
            zframe_send (&frame, router, 0);
            ll_envelope_free (&env);
            if (replayed)
                leadline__v1__submit_reply__free_unpacked (replayed, NULL);
            zmsg_destroy (&request);
        }
    }
    zhashx_destroy (&stored);
    fclose (log);
    zsock_destroy (&router);
    return 0;
}
