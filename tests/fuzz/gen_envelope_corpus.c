/*  Writes the seed corpus for fuzz_envelope: valid envelopes of several
    body types, and the ways a frame goes wrong (truncated, wrong version,
    unknown body, garbage). Ids and times are fixed so the output is the
    same on every run; the files are committed under
    tests/fuzz/corpus/envelope/. Regenerate with
        build/tests/fuzz/gen_envelope_corpus tests/fuzz/corpus/envelope */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ll_envelope.h"

static const char *s_dir;
static int s_written;

static void
s_write (const char *name, const uint8_t *data, size_t size)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "wb");
    if (!file || (size && fwrite (data, 1, size, file) != size) || fclose (file) != 0) {
        perror (path);
        exit (1);
    }
    s_written++;
}

//  Packs `env` and writes it whole, and if `cut` is set, also its first
//  half as "<name>-truncated".
static void
s_envelope (const char *name, ll_envelope_t *env, bool cut)
{
    size_t size = leadline__v1__envelope__get_packed_size (env);
    uint8_t *buf = malloc (size ? size : 1);
    leadline__v1__envelope__pack (env, buf);
    s_write (name, buf, size);
    if (cut) {
        char cut_name [256];
        snprintf (cut_name, sizeof cut_name, "%s-truncated", name);
        s_write (cut_name, buf, size / 2);
    }
    free (buf);
}

static void
s_header (ll_envelope_t *env, const char *id, const char *stream, uint64_t seq)
{
    leadline__v1__envelope__init (env);
    env->version = LL_PROTOCOL_VERSION;
    env->message_id = (char *) id;
    env->stream = (char *) stream;
    env->sequence = seq;
    env->time_us = 1727790000000000;        // 2024-10-01 13:40 UTC
}

static void
s_commands (void)
{
    ll_envelope_t env;
    Leadline__V1__Business business = LEADLINE__V1__BUSINESS__INIT;
    business.name = "Corner Bakery";
    business.address = "12 Main St";
    business.zip = "12345-6789";
    Leadline__V1__Contact contact = LEADLINE__V1__CONTACT__INIT;
    contact.name = "Ana Ruiz";
    contact.phone = "555-0100";
    contact.email = "ana@example.com";
    Leadline__V1__Product products [] = {
        LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL, LEADLINE__V1__PRODUCT__PRODUCT_EDDM };
    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    card.employee_id = "E1001";
    card.station_id = "S-0042";
    card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    card.card_completed_us = 1727780000000000;
    card.business = &business;
    card.contact = &contact;
    card.products = products;
    card.n_products = 2;
    card.notes = "ships 40 parcels a week";
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card;
    s_header (&env, "6f1c2a44-0d5e-4b8a-9f7e-1a2b3c4d5e6f", "", 0);
    env.idempotency_key = "terminal-0042-000017";
    env.sender = "terminal-0042";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    s_envelope ("submit-lead", &env, true);

    //  The same card with an unknown field a newer terminal might add.
    size_t size = leadline__v1__envelope__get_packed_size (&env);
    uint8_t *buf = malloc (size + 8);
    leadline__v1__envelope__pack (&env, buf);
    memcpy (buf + size, "\xba\x3e\x03new", 6);     // field 999, 3 bytes
    s_write ("submit-lead-extra-field", buf, size + 6);
    free (buf);

    Leadline__V1__FieldError field_error = LEADLINE__V1__FIELD_ERROR__INIT;
    field_error.field = "card.contact.phone";
    field_error.code = "required";
    field_error.message = "a phone number or an email is needed";
    field_error.hint = "ask the customer for one";
    Leadline__V1__FieldError *errors [] = { &field_error };
    Leadline__V1__SubmitReply reply = LEADLINE__V1__SUBMIT_REPLY__INIT;
    reply.status = LEADLINE__V1__STATUS__STATUS_INVALID;
    reply.errors = errors;
    reply.n_errors = 1;
    reply.message = "lead not stored";
    s_header (&env, "6f1c2a44-0d5e-4b8a-9f7e-1a2b3c4d5e6f", "", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY;
    env.submit_reply = &reply;
    s_envelope ("submit-reply-invalid", &env, false);

    Leadline__V1__RecordOutcome outcome = LEADLINE__V1__RECORD_OUTCOME__INIT;
    outcome.lead_id = "0b4c1c8e-5f0e-4d7c-9d4e-2d7f1a9b3c11";
    outcome.rep_id = "R7";
    outcome.outcome = LEADLINE__V1__OUTCOME__OUTCOME_WON;
    outcome.products = products;
    outcome.n_products = 1;
    outcome.annual_revenue_cents = 1250000;
    outcome.at_us = 1727900000000000;
    s_header (&env, "a1b2c3d4-0000-4000-8000-000000000001", "", 0);
    env.idempotency_key = "rep-R7-000003";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME;
    env.record_outcome = &outcome;
    s_envelope ("record-outcome-won", &env, false);

    Leadline__V1__ReportRequest report = LEADLINE__V1__REPORT_REQUEST__INIT;
    report.kind = 2;
    report.scope_id = "S-0042";
    report.from_us = 1727740800000000;
    report.to_us = 1728950400000000;
    s_header (&env, "a1b2c3d4-0000-4000-8000-000000000002", "", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPORT_REQUEST;
    env.report_request = &report;
    s_envelope ("report-request", &env, false);
}

static void
s_events (void)
{
    ll_envelope_t env;
    Leadline__V1__LeadAssigned assigned = LEADLINE__V1__LEAD_ASSIGNED__INIT;
    assigned.lead_id = "0b4c1c8e-5f0e-4d7c-9d4e-2d7f1a9b3c11";
    assigned.rep_id = "R7";
    assigned.reason = "territory";
    assigned.station_id = "S-0042";
    assigned.entered_us = 1727790000000000;
    assigned.fallback = true;
    s_header (&env, "c0ffee00-0000-4000-8000-000000000041", "intake", 981234);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
    env.lead_assigned = &assigned;
    s_envelope ("lead-assigned", &env, true);

    Leadline__V1__DeadlineBreached breached = LEADLINE__V1__DEADLINE_BREACHED__INIT;
    breached.lead_id = "0b4c1c8e-5f0e-4d7c-9d4e-2d7f1a9b3c11";
    breached.deadline = 2;
    breached.due_us = 1727962800000000;
    breached.at_us = 1727962800000001;
    breached.rep_id = "R7";
    s_header (&env, "c0ffee00-0000-4000-8000-000000000051", "sla", 17);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
    env.deadline_breached = &breached;
    s_envelope ("deadline-breached", &env, false);

    Leadline__V1__Notification note = LEADLINE__V1__NOTIFICATION__INIT;
    note.id = "n-1";
    note.recipient_id = "E1001";
    note.kind = 1;
    note.title = "Your lead was assigned";
    note.body = "Corner Bakery → rep R7";
    note.urgent = true;
    s_header (&env, "c0ffee00-0000-4000-8000-000000000060", "notifier", 3);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION;
    env.notification = &note;
    s_envelope ("notification", &env, false);
}

static void
s_backbone (void)
{
    ll_envelope_t env;
    Leadline__V1__StreamHead head = LEADLINE__V1__STREAM_HEAD__INIT;
    head.stream = "intake";
    head.last_seq = 981234;
    Leadline__V1__StreamHead *heads [] = { &head };
    Leadline__V1__Heartbeat heartbeat = LEADLINE__V1__HEARTBEAT__INIT;
    heartbeat.producer = "intake-1";
    heartbeat.started_us = 1727740800000000;
    heartbeat.heads = heads;
    heartbeat.n_heads = 1;
    s_header (&env, "c0ffee00-0000-4000-8000-000000000022", "", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &heartbeat;
    s_envelope ("heartbeat", &env, true);

    Leadline__V1__ReplayRequest replay = LEADLINE__V1__REPLAY_REQUEST__INIT;
    replay.stream = "intake";
    replay.from_seq = 100;
    replay.max_count = 500;
    s_header (&env, "c0ffee00-0000-4000-8000-000000000020", "", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPLAY_REQUEST;
    env.replay_request = &replay;
    s_envelope ("replay-request", &env, false);

    Leadline__V1__ReplayEnd end = LEADLINE__V1__REPLAY_END__INIT;
    end.stream = "intake";
    end.next_seq = 600;
    end.head_seq = 981234;
    s_header (&env, "c0ffee00-0000-4000-8000-000000000021", "", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPLAY_END;
    env.replay_end = &end;
    s_envelope ("replay-end", &env, false);

    Leadline__V1__Error error = LEADLINE__V1__ERROR__INIT;
    error.status = LEADLINE__V1__STATUS__STATUS_BAD_REQUEST;
    error.code = "malformed";
    error.message = "frame is not a valid envelope";
    s_header (&env, "c0ffee00-0000-4000-8000-000000000023", "", 0);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    s_envelope ("error", &env, false);

    //  Protocol version 2, and no version at all.
    s_header (&env, "c0ffee00-0000-4000-8000-000000000099", "", 0);
    env.version = 2;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    s_envelope ("bad-version-2", &env, false);
    env.version = 0;
    s_envelope ("bad-version-0", &env, false);
    //  A valid header and no body.
    s_header (&env, "c0ffee00-0000-4000-8000-000000000098", "intake", 5);
    s_envelope ("no-body", &env, false);
}

static void
s_bad_frames (void)
{
    s_write ("empty", (const uint8_t *) "", 0);
    //  version 1, then field 999 (length-delimited) where a body would be.
    static const uint8_t unknown_body [] = { 0x08, 0x01, 0xba, 0x3e, 0x03, 'x', 'y', 'z' };
    s_write ("unknown-body-999", unknown_body, sizeof unknown_body);
    static const uint8_t garbage [] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    s_write ("garbage-ff", garbage, sizeof garbage);
    //  Wire type 7 does not exist.
    static const uint8_t bad_wire [] = { 0x08, 0x01, 0x0f, 0x00 };
    s_write ("bad-wire-type", bad_wire, sizeof bad_wire);
    //  A submit_lead whose card claims 5 bytes and holds 2.
    static const uint8_t bad_nested [] = { 0x08, 0x01, 0xf2, 0x01, 0x04, 0x0a, 0x05, 0x0a, 0x01 };
    s_write ("submit-lead-bad-card", bad_nested, sizeof bad_nested);
    //  A string length of 2^63.
    static const uint8_t huge_len [] = {
        0x08, 0x01, 0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 'a' };
    s_write ("huge-length", huge_len, sizeof huge_len);
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: %s DIR\n", argv [0]);
        return 2;
    }
    s_dir = argv [1];
    s_commands ();
    s_events ();
    s_backbone ();
    s_bad_frames ();
    printf ("wrote %d seeds to %s\n", s_written, s_dir);
    return 0;
}
