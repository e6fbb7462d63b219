/*  ll_envelope: round trips of several message types, and every way a
    frame can be wrong. A bad frame must come back as NULL with the right
    reason, a message for the sender, and one more count in
    leadline_decode_errors_total{reason=...}; the sanitizer build checks
    that nothing leaks on the way. Bad frames are written byte by byte with
    the small protobuf wire helpers below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ll_clock.h"
#include "ll_envelope.h"
#include "ll_metrics.h"

#define DECODE_ERRORS "leadline_decode_errors_total"
#define DECODE_HELP "Frames that could not be decoded, by reason"

static const ll_decode_rc_t s_failures [] = {
    LL_DECODE_EMPTY, LL_DECODE_TOO_BIG, LL_DECODE_MALFORMED,
    LL_DECODE_BAD_VERSION, LL_DECODE_NO_BODY
};
#define FAILURES (sizeof s_failures / sizeof s_failures [0])

static int64_t
s_errors (ll_decode_rc_t rc)
{
    char labels [64];
    snprintf (labels, sizeof labels, "reason=\"%s\"", ll_decode_rc_name (rc));
    return ll_metric_value (ll_metric_counter (DECODE_ERRORS, labels, DECODE_HELP));
}

//  Decodes a frame that must fail with `want`; checks the reply and that
//  exactly that reason's counter moved by one. Returns the error message.
static void
s_expect_fail (const void *data, size_t size, ll_decode_rc_t want, const char *err_has)
{
    int64_t before [FAILURES];
    for (size_t i = 0; i < FAILURES; i++)
        before [i] = s_errors (s_failures [i]);
    ll_decode_rc_t rc = LL_DECODE_OK;
    char err [512] = "";
    ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    if (env || rc != want)
        fail_msg ("frame of %zu bytes: got %s (%s), want %s", size,
                  env ? "an envelope" : "NULL", ll_decode_rc_name (rc), ll_decode_rc_name (want));
    assert_true (strlen (err) > 10);
    if (err_has && !strstr (err, err_has))
        fail_msg ("error \"%s\" does not mention \"%s\"", err, err_has);
    for (size_t i = 0; i < FAILURES; i++)
        assert_int_equal (s_errors (s_failures [i]),
                          before [i] + (s_failures [i] == want ? 1 : 0));
}

static ll_envelope_t *
s_expect_ok (const void *data, size_t size)
{
    ll_decode_rc_t rc = LL_DECODE_MALFORMED;
    char err [256] = "";
    ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    if (!env)
        fail_msg ("frame of %zu bytes did not decode: %s: %s", size, ll_decode_rc_name (rc), err);
    assert_int_equal (rc, LL_DECODE_OK);
    return env;
}

// ---- protobuf wire helpers, for frames the generated code would not write

typedef struct {
    uint8_t data [1024];
    size_t len;
} wire_t;

static void
s_varint (wire_t *w, uint64_t v)
{
    do {
        assert_true (w->len < sizeof w->data);
        w->data [w->len++] = (uint8_t) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

static void
s_tag (wire_t *w, uint32_t field, int wire_type)
{
    s_varint (w, ((uint64_t) field << 3) | (uint64_t) wire_type);
}

static void
s_bytes (wire_t *w, uint32_t field, const void *data, size_t len)
{
    s_tag (w, field, 2);
    s_varint (w, len);
    assert_true (w->len + len <= sizeof w->data);
    memcpy (w->data + w->len, data, len);
    w->len += len;
}

static void
s_raw (wire_t *w, const void *data, size_t len)
{
    assert_true (w->len + len <= sizeof w->data);
    memcpy (w->data + w->len, data, len);
    w->len += len;
}

static uint64_t
s_read_varint (const uint8_t *data, size_t *at)
{
    uint64_t v = 0;
    for (int shift = 0; ; shift += 7) {
        uint8_t byte = data [(*at)++];
        v |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
}

//  Offsets at which a top-level field ends, from walking a valid frame.
static size_t
s_field_ends (const uint8_t *data, size_t size, size_t *ends, size_t max)
{
    size_t n = 0, at = 0;
    while (at < size && n < max) {
        uint64_t key = s_read_varint (data, &at);
        switch (key & 7) {
            case 0: s_read_varint (data, &at); break;
            case 1: at += 8; break;
            case 2: at += s_read_varint (data, &at); break;
            case 5: at += 4; break;
            default: fail_msg ("unexpected wire type");
        }
        ends [n++] = at;
    }
    assert_int_equal (at, size);
    return n;
}

// ---- envelopes of several types, built on the stack

typedef struct {
    ll_envelope_t env;
    char id [37];
    Leadline__V1__SubmitLead submit;
    Leadline__V1__LeadCard card;
    Leadline__V1__Business business;
    Leadline__V1__Contact contact;
    Leadline__V1__Product products [2];
    Leadline__V1__Heartbeat heartbeat;
    Leadline__V1__StreamHead heads [2];
    Leadline__V1__StreamHead *head_ptrs [2];
    Leadline__V1__LeadAssigned assigned;
    Leadline__V1__DeadlineBreached breached;
    Leadline__V1__Error error;
} sample_t;

static void
s_submit_lead (sample_t *s)
{
    memset (s, 0, sizeof *s);
    ll_envelope_init (&s->env, s->id);
    s->env.idempotency_key = "terminal-0042-000017";
    s->env.sender = "terminal-0042";
    leadline__v1__submit_lead__init (&s->submit);
    leadline__v1__lead_card__init (&s->card);
    leadline__v1__business__init (&s->business);
    leadline__v1__contact__init (&s->contact);
    s->card.employee_id = "E1001";
    s->card.station_id = "S-0042";
    s->card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    s->card.card_completed_us = 1727790000000000;
    s->business.name = "Zoë’s Bakery \"& Café\"";
    s->business.address = "12 Main St";
    s->business.zip = "12345-6789";
    s->contact.name = "Zoë";
    s->contact.phone = "555-0100";
    s->products [0] = LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL;
    s->products [1] = LEADLINE__V1__PRODUCT__PRODUCT_EDDM;
    s->card.products = s->products;
    s->card.n_products = 2;
    s->card.notes = "ships 40 parcels a week\nwants pickup";
    s->card.business = &s->business;
    s->card.contact = &s->contact;
    s->submit.card = &s->card;
    s->env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    s->env.submit_lead = &s->submit;
}

static void
s_heartbeat (sample_t *s)
{
    memset (s, 0, sizeof *s);
    ll_envelope_init (&s->env, s->id);
    s->env.stream = "intake.leads";
    leadline__v1__heartbeat__init (&s->heartbeat);
    s->heartbeat.producer = "intake-1";
    s->heartbeat.started_us = 1727740800000000;
    for (int i = 0; i < 2; i++) {
        leadline__v1__stream_head__init (&s->heads [i]);
        s->head_ptrs [i] = &s->heads [i];
    }
    s->heads [0].stream = "intake.leads";
    s->heads [0].last_seq = 981234;
    s->heads [1].stream = "intake.contacts";
    s->heads [1].last_seq = 0;
    s->heartbeat.heads = s->head_ptrs;
    s->heartbeat.n_heads = 2;
    s->env.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    s->env.heartbeat = &s->heartbeat;
}

static void
s_lead_assigned (sample_t *s)
{
    memset (s, 0, sizeof *s);
    ll_envelope_init (&s->env, s->id);
    s->env.stream = "intake.leads";
    s->env.sequence = UINT64_MAX;
    leadline__v1__lead_assigned__init (&s->assigned);
    s->assigned.lead_id = "0b4c1c8e-5f0e-4d7c-9d4e-2d7f1a9b3c11";
    s->assigned.rep_id = "R7";
    s->assigned.reason = "territory";
    s->assigned.entered_us = -1;
    s->assigned.fallback = true;
    s->env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
    s->env.lead_assigned = &s->assigned;
}

static void
s_deadline_breached (sample_t *s)
{
    memset (s, 0, sizeof *s);
    ll_envelope_init (&s->env, s->id);
    s->env.stream = "sla.deadlines";
    s->env.sequence = 7;
    leadline__v1__deadline_breached__init (&s->breached);
    s->breached.lead_id = "L1";
    s->breached.deadline = 2;
    s->breached.due_us = 1727913600000000;
    s->env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
    s->env.deadline_breached = &s->breached;
}

static void
s_error_reply (sample_t *s)
{
    memset (s, 0, sizeof *s);
    ll_envelope_init (&s->env, s->id);
    leadline__v1__error__init (&s->error);
    s->error.status = LEADLINE__V1__STATUS__STATUS_BAD_REQUEST;
    s->error.code = "malformed";
    s->error.message = "frame is not a valid envelope";
    s->env.body_case = LEADLINE__V1__ENVELOPE__BODY_ERROR;
    s->env.error = &s->error;
}

typedef void (sample_fn) (sample_t *);
static sample_fn *s_samples [] = {
    s_submit_lead, s_heartbeat, s_lead_assigned, s_deadline_breached, s_error_reply
};
#define SAMPLES (sizeof s_samples / sizeof s_samples [0])

// ---- round trips

static void
test_init (void **state)
{
    ll_envelope_t a, b;
    char id_a [37], id_b [37];
    int64_t before = ll_clock_now_us ();
    ll_envelope_init (&a, id_a);
    ll_envelope_init (&b, id_b);
    int64_t after = ll_clock_now_us ();
    assert_int_equal (a.version, LL_PROTOCOL_VERSION);
    assert_ptr_equal (a.message_id, id_a);
    assert_int_equal (strlen (id_a), 36);
    assert_int_equal (id_a [14], '7');          // a version 7 (time-ordered) UUID
    assert_string_not_equal (id_a, id_b);
    assert_true (a.time_us >= before && a.time_us <= after);
    assert_int_equal (a.body_case, LEADLINE__V1__ENVELOPE__BODY__NOT_SET);
    assert_string_equal (ll_envelope_type_name (&a), "none");
}

static void
test_round_trip_submit_lead (void **state)
{
    sample_t s;
    s_submit_lead (&s);
    size_t size = 0;
    uint8_t *buf = ll_envelope_pack (&s.env, &size);
    assert_non_null (buf);
    assert_true (size > 0);
    ll_envelope_t *env = s_expect_ok (buf, size);
    assert_int_equal (env->version, 1);
    assert_string_equal (env->message_id, s.id);
    assert_int_equal (env->time_us, s.env.time_us);
    assert_string_equal (env->idempotency_key, "terminal-0042-000017");
    assert_string_equal (env->sender, "terminal-0042");
    assert_string_equal (ll_envelope_type_name (env), "submit_lead");
    assert_int_equal (env->body_case, LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD);
    Leadline__V1__LeadCard *card = env->submit_lead->card;
    assert_non_null (card);
    assert_string_equal (card->employee_id, "E1001");
    assert_string_equal (card->station_id, "S-0042");
    assert_int_equal (card->program, LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT);
    assert_int_equal (card->card_completed_us, 1727790000000000);
    assert_string_equal (card->business->name, "Zoë’s Bakery \"& Café\"");
    assert_string_equal (card->business->zip, "12345-6789");
    assert_string_equal (card->contact->phone, "555-0100");
    assert_string_equal (card->contact->email, "");
    assert_int_equal (card->n_products, 2);
    assert_int_equal (card->products [1], LEADLINE__V1__PRODUCT__PRODUCT_EDDM);
    assert_string_equal (card->notes, "ships 40 parcels a week\nwants pickup");
    ll_envelope_free (&env);
    assert_null (env);
    ll_envelope_free (&env);        // twice is safe
    ll_envelope_free (NULL);
    free (buf);
}

static void
test_round_trip_other_types (void **state)
{
    sample_t s;
    s_heartbeat (&s);
    size_t size;
    uint8_t *buf = ll_envelope_pack (&s.env, &size);
    ll_envelope_t *env = s_expect_ok (buf, size);
    assert_string_equal (ll_envelope_type_name (env), "heartbeat");
    assert_string_equal (env->stream, "intake.leads");
    assert_string_equal (env->heartbeat->producer, "intake-1");
    assert_int_equal (env->heartbeat->n_heads, 2);
    assert_string_equal (env->heartbeat->heads [1]->stream, "intake.contacts");
    assert_int_equal (env->heartbeat->heads [0]->last_seq, 981234);
    ll_envelope_free (&env);
    free (buf);

    s_lead_assigned (&s);
    buf = ll_envelope_pack (&s.env, &size);
    env = s_expect_ok (buf, size);
    assert_string_equal (ll_envelope_type_name (env), "lead_assigned");
    assert_true (env->sequence == UINT64_MAX);
    assert_int_equal (env->lead_assigned->entered_us, -1);
    assert_true (env->lead_assigned->fallback);
    assert_string_equal (env->lead_assigned->reason, "territory");
    ll_envelope_free (&env);
    free (buf);

    s_deadline_breached (&s);
    buf = ll_envelope_pack (&s.env, &size);
    env = s_expect_ok (buf, size);
    assert_string_equal (ll_envelope_type_name (env), "deadline_breached");
    assert_int_equal (env->sequence, 7);
    assert_int_equal (env->deadline_breached->deadline, 2);
    assert_int_equal (env->deadline_breached->due_us, 1727913600000000);
    ll_envelope_free (&env);
    free (buf);

    s_error_reply (&s);
    buf = ll_envelope_pack (&s.env, &size);
    env = s_expect_ok (buf, size);
    assert_string_equal (ll_envelope_type_name (env), "error");
    assert_int_equal (env->error->status, LEADLINE__V1__STATUS__STATUS_BAD_REQUEST);
    assert_string_equal (env->error->message, "frame is not a valid envelope");
    ll_envelope_free (&env);
    free (buf);
}

static void
test_round_trip_through_zframe (void **state)
{
    sample_t s;
    s_submit_lead (&s);
    zframe_t *frame = ll_envelope_frame (&s.env);
    assert_non_null (frame);
    size_t size;
    uint8_t *buf = ll_envelope_pack (&s.env, &size);
    //  The frame holds exactly the packed bytes (NULs and all).
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), buf, size);
    ll_envelope_t *env = s_expect_ok (zframe_data (frame), zframe_size (frame));
    assert_string_equal (env->message_id, s.id);
    ll_envelope_free (&env);
    zframe_destroy (&frame);
    free (buf);
}

static void
test_empty_body_message_round_trips (void **state)
{
    //  A body whose fields are all defaults packs to zero bytes, yet the
    //  type survives the trip.
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    Leadline__V1__Heartbeat hb = LEADLINE__V1__HEARTBEAT__INIT;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    size_t size;
    uint8_t *buf = ll_envelope_pack (&env, &size);
    ll_envelope_t *back = s_expect_ok (buf, size);
    assert_int_equal (back->body_case, LEADLINE__V1__ENVELOPE__BODY_HEARTBEAT);
    ll_envelope_free (&back);
    free (buf);
}

static void
test_unknown_field_beside_known_body (void **state)
{
    //  A newer sender's extra field is skipped, the known body still read.
    sample_t s;
    s_error_reply (&s);
    size_t size;
    uint8_t *buf = ll_envelope_pack (&s.env, &size);
    wire_t w = { .len = 0 };
    s_raw (&w, buf, size);
    s_bytes (&w, 999, "future", 6);
    s_tag (&w, 15, 0);
    s_varint (&w, 12345);
    ll_envelope_t *env = s_expect_ok (w.data, w.len);
    assert_string_equal (ll_envelope_type_name (env), "error");
    ll_envelope_free (&env);
    free (buf);
}

static void
test_fields_in_any_order (void **state)
{
    //  Protobuf allows fields in any order; the version may come last.
    wire_t w = { .len = 0 };
    s_bytes (&w, 22, "", 0);            // heartbeat {}
    s_bytes (&w, 2, "m-1", 3);
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    ll_envelope_t *env = s_expect_ok (w.data, w.len);
    assert_string_equal (env->message_id, "m-1");
    assert_string_equal (ll_envelope_type_name (env), "heartbeat");
    ll_envelope_free (&env);
}

static void
test_frame_at_the_cap (void **state)
{
    //  A frame of exactly LL_MAX_FRAME bytes passes; one byte more does not.
    sample_t s;
    s_submit_lead (&s);
    //  Nested length prefixes grow with the notes, so converge on the size.
    char *notes = malloc (LL_MAX_FRAME + 2);
    memset (notes, 'n', LL_MAX_FRAME + 1);
    s.card.notes = notes;
    long notes_len = LL_MAX_FRAME;
    for (int i = 0; i < 8; i++) {
        notes [notes_len] = 0;
        long packed = (long) leadline__v1__envelope__get_packed_size (&s.env);
        if (packed == LL_MAX_FRAME)
            break;
        notes [notes_len] = 'n';
        notes_len += LL_MAX_FRAME - packed;
    }
    assert_int_equal (leadline__v1__envelope__get_packed_size (&s.env), LL_MAX_FRAME);
    size_t size;
    uint8_t *buf = ll_envelope_pack (&s.env, &size);
    assert_non_null (buf);
    assert_int_equal (size, LL_MAX_FRAME);
    ll_envelope_t *env = s_expect_ok (buf, size);
    assert_int_equal (strlen (env->submit_lead->card->notes), (size_t) notes_len);
    ll_envelope_free (&env);
    free (buf);

    notes [notes_len] = 'n';
    notes [notes_len + 1] = 0;
    size_t over = leadline__v1__envelope__get_packed_size (&s.env);
    assert_int_equal (over, LL_MAX_FRAME + 1);
    //  The encoder refuses what no receiver would take.
    assert_null (ll_envelope_pack (&s.env, &size));
    assert_null (ll_envelope_frame (&s.env));
    //  And the decoder refuses it before parsing a byte.
    buf = malloc (over);
    leadline__v1__envelope__pack (&s.env, buf);
    s_expect_fail (buf, over, LL_DECODE_TOO_BIG, "262145");
    free (buf);
    free (notes);
}

// ---- bad frames

static void
test_empty_frames (void **state)
{
    s_expect_fail (NULL, 0, LL_DECODE_EMPTY, "empty");
    s_expect_fail ("", 0, LL_DECODE_EMPTY, "empty");
    s_expect_fail (NULL, 10, LL_DECODE_EMPTY, "empty");
}

static void
test_oversized_frames (void **state)
{
    //  Garbage or not, size is checked first.
    size_t sizes [] = { LL_MAX_FRAME + 1, LL_MAX_FRAME + 4096, 4 * LL_MAX_FRAME };
    for (size_t i = 0; i < 3; i++) {
        uint8_t *big = calloc (1, sizes [i]);
        assert_non_null (big);
        s_expect_fail (big, sizes [i], LL_DECODE_TOO_BIG, "limit");
        free (big);
    }
}

static void
test_malformed_frames (void **state)
{
    static const uint8_t garbage [] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    s_expect_fail (garbage, sizeof garbage, LL_DECODE_MALFORMED, "not a valid");
    //  Wire types 6 and 7 do not exist.
    static const uint8_t bad_wire [] = { 0x08, 0x01, 0x0f, 0x00 };
    s_expect_fail (bad_wire, sizeof bad_wire, LL_DECODE_MALFORMED, NULL);
    static const uint8_t bad_wire6 [] = { 0x08, 0x01, 0xa6, 0x3e, 0x00 };
    s_expect_fail (bad_wire6, sizeof bad_wire6, LL_DECODE_MALFORMED, NULL);
    //  A string whose length runs past the end of the frame.
    static const uint8_t overrun [] = { 0x08, 0x01, 0x12, 0x10, 'a', 'b' };
    s_expect_fail (overrun, sizeof overrun, LL_DECODE_MALFORMED, NULL);
    //  A length prefix of 2^63: no overflow into a small number.
    wire_t w = { .len = 0 };
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    s_tag (&w, 3, 2);
    s_varint (&w, 1ULL << 63);
    s_raw (&w, "abc", 3);
    s_expect_fail (w.data, w.len, LL_DECODE_MALFORMED, NULL);
    //  A varint of eleven bytes.
    static const uint8_t long_varint [] = {
        0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
    s_expect_fail (long_varint, sizeof long_varint, LL_DECODE_MALFORMED, NULL);
    //  A known string field sent as a varint.
    static const uint8_t wrong_type [] = { 0x08, 0x01, 0x10, 0x05 };
    s_expect_fail (wrong_type, sizeof wrong_type, LL_DECODE_MALFORMED, NULL);
    //  A valid envelope whose body is not a valid SubmitLead.
    w.len = 0;
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    static const uint8_t bad_body [] = { 0x0a, 0x05, 0x0a, 0x01 };   // card{ employee_id len 1, no byte }
    s_bytes (&w, 30, bad_body, sizeof bad_body);
    s_expect_fail (w.data, w.len, LL_DECODE_MALFORMED, NULL);
    //  Field number 0 is reserved.
    static const uint8_t field_zero [] = { 0x08, 0x01, 0x00, 0x01 };
    s_expect_fail (field_zero, sizeof field_zero, LL_DECODE_MALFORMED, NULL);
}

static void
test_padded_field_zero (void **state)
{
    //  Found by fuzz_envelope: field 0 with its tag padded to two bytes
    //  got past the parser, and the envelope then could not be re-encoded
    //  into anything decodable. Refused at the top level and nested.
    static const uint8_t top [] = {
        0x82, 0x00, 0x00, 0x08, 0x01, 0x92, 0x02, 0x04, 0x90, 0x6d, 0xf3, 0x01 };
    s_expect_fail (top, sizeof top, LL_DECODE_MALFORMED, NULL);
    wire_t w = { .len = 0 };
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    static const uint8_t inner [] = { 0x80, 0x00, 0x05 };      // field 0, varint 5
    s_bytes (&w, 22, inner, sizeof inner);                       // heartbeat
    s_expect_fail (w.data, w.len, LL_DECODE_MALFORMED, NULL);
    //  And two levels down, in a repeated message (heartbeat.heads).
    w.len = 0;
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    static const uint8_t heartbeat [] = { 0x1a, 0x03, 0x80, 0x00, 0x05 };
    s_bytes (&w, 22, heartbeat, sizeof heartbeat);
    s_expect_fail (w.data, w.len, LL_DECODE_MALFORMED, NULL);
    //  The same frames with a valid unknown field number decode.
    static const uint8_t ok_heartbeat [] = { 0x1a, 0x03, 0x88, 0x01, 0x05 };  // field 17
    w.len = 0;
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    s_bytes (&w, 22, ok_heartbeat, sizeof ok_heartbeat);
    ll_envelope_t *env = s_expect_ok (w.data, w.len);
    assert_int_equal (env->heartbeat->n_heads, 1);
    assert_int_equal (env->heartbeat->heads [0]->base.n_unknown_fields, 1);
    ll_envelope_free (&env);
}

static void
test_wrong_version (void **state)
{
    uint32_t versions [] = { 0, 2, 99, UINT32_MAX };
    for (size_t i = 0; i < 4; i++) {
        sample_t s;
        s_heartbeat (&s);
        s.env.version = versions [i];
        size_t size;
        uint8_t *buf = ll_envelope_pack (&s.env, &size);
        char want [32];
        snprintf (want, sizeof want, "version %u", versions [i]);
        s_expect_fail (buf, size, LL_DECODE_BAD_VERSION, want);
        free (buf);
    }
}

static void
test_no_body (void **state)
{
    sample_t s;
    s_heartbeat (&s);
    s.env.body_case = LEADLINE__V1__ENVELOPE__BODY__NOT_SET;
    size_t size;
    uint8_t *buf = ll_envelope_pack (&s.env, &size);
    s_expect_fail (buf, size, LL_DECODE_NO_BODY, "no body");
    free (buf);
}

static void
test_unknown_body_type (void **state)
{
    //  A newer sender's message type: field 999 where the body would be.
    wire_t w = { .len = 0 };
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    s_bytes (&w, 2, "m-2", 3);
    static const uint8_t inner [] = { 0x0a, 0x03, 'x', 'y', 'z' };
    s_bytes (&w, 999, inner, sizeof inner);
    s_expect_fail (w.data, w.len, LL_DECODE_NO_BODY, "1 unknown field");

    //  Same with a varint and a fixed64 field, in a reserved-looking range.
    w.len = 0;
    s_tag (&w, 1, 0);
    s_varint (&w, 1);
    s_tag (&w, 536870911, 0);       // the largest field number
    s_varint (&w, 7);
    s_tag (&w, 1000, 1);
    s_raw (&w, "\1\2\3\4\5\6\7\10", 8);
    s_expect_fail (w.data, w.len, LL_DECODE_NO_BODY, "2 unknown fields");
}

static void
test_every_prefix_of_valid_frames (void **state)
{
    //  A frame cut short anywhere fails: mid-field it is malformed; at a
    //  field boundary before the body it has no body. Nothing is a success.
    for (size_t i = 0; i < SAMPLES; i++) {
        sample_t s;
        s_samples [i] (&s);
        size_t size;
        uint8_t *buf = ll_envelope_pack (&s.env, &size);
        size_t ends [32];
        size_t nends = s_field_ends (buf, size, ends, 32);
        assert_int_equal (ends [nends - 1], size);
        for (size_t cut = 0; cut < size; cut++) {
            //  A copy of exactly `cut` bytes, so ASan sees any read past it.
            uint8_t *prefix = malloc (cut ? cut : 1);
            memcpy (prefix, buf, cut);
            bool boundary = false;
            for (size_t e = 0; e < nends; e++)
                boundary |= ends [e] == cut;
            ll_decode_rc_t want = cut == 0 ? LL_DECODE_EMPTY
                                : boundary ? LL_DECODE_NO_BODY : LL_DECODE_MALFORMED;
            s_expect_fail (prefix, cut, want, NULL);
            free (prefix);
        }
        free (buf);
    }
}

static void
test_error_buffers_are_optional (void **state)
{
    //  Without rc or err the failure is still counted, and nothing breaks.
    int64_t before = s_errors (LL_DECODE_MALFORMED);
    static const uint8_t garbage [] = { 0xff, 0xff };
    assert_null (ll_envelope_decode (garbage, sizeof garbage, NULL, NULL, 0));
    assert_int_equal (s_errors (LL_DECODE_MALFORMED), before + 1);
    //  A small buffer gets a cut, terminated message.
    char err [8];
    memset (err, 'X', sizeof err);
    ll_decode_rc_t rc;
    assert_null (ll_envelope_decode (garbage, sizeof garbage, &rc, err, sizeof err));
    assert_int_equal (rc, LL_DECODE_MALFORMED);
    assert_int_equal (strlen (err), sizeof err - 1);
}

static void
test_rc_names (void **state)
{
    assert_string_equal (ll_decode_rc_name (LL_DECODE_OK), "ok");
    assert_string_equal (ll_decode_rc_name (LL_DECODE_EMPTY), "empty");
    assert_string_equal (ll_decode_rc_name (LL_DECODE_TOO_BIG), "too_big");
    assert_string_equal (ll_decode_rc_name (LL_DECODE_MALFORMED), "malformed");
    assert_string_equal (ll_decode_rc_name (LL_DECODE_BAD_VERSION), "bad_version");
    assert_string_equal (ll_decode_rc_name (LL_DECODE_NO_BODY), "no_body");
    assert_string_equal (ll_decode_rc_name ((ll_decode_rc_t) 42), "unknown");
}

static void
test_errors_render_as_metrics (void **state)
{
    static const uint8_t garbage [] = { 0xff };
    ll_envelope_decode (garbage, sizeof garbage, NULL, NULL, 0);
    char *text = ll_metrics_render ();
    assert_non_null (strstr (text, "# TYPE leadline_decode_errors_total counter\n"));
    char line [128];
    snprintf (line, sizeof line, "\nleadline_decode_errors_total{reason=\"malformed\"} %lld\n",
              (long long) s_errors (LL_DECODE_MALFORMED));
    assert_non_null (strstr (text, line));
    free (text);
}

int
main (void)
{
    unsetenv ("LEADLINE_CLOCK_FILE");
    unsetenv ("LEADLINE_CLOCK_SPEED");
    unsetenv ("LEADLINE_CLOCK_START");
    unsetenv ("LEADLINE_CLOCK_OFFSET");
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_init),
        cmocka_unit_test (test_round_trip_submit_lead),
        cmocka_unit_test (test_round_trip_other_types),
        cmocka_unit_test (test_round_trip_through_zframe),
        cmocka_unit_test (test_empty_body_message_round_trips),
        cmocka_unit_test (test_unknown_field_beside_known_body),
        cmocka_unit_test (test_fields_in_any_order),
        cmocka_unit_test (test_frame_at_the_cap),
        cmocka_unit_test (test_empty_frames),
        cmocka_unit_test (test_oversized_frames),
        cmocka_unit_test (test_malformed_frames),
        cmocka_unit_test (test_padded_field_zero),
        cmocka_unit_test (test_wrong_version),
        cmocka_unit_test (test_no_body),
        cmocka_unit_test (test_unknown_body_type),
        cmocka_unit_test (test_every_prefix_of_valid_frames),
        cmocka_unit_test (test_error_buffers_are_optional),
        cmocka_unit_test (test_rc_names),
        cmocka_unit_test (test_errors_render_as_metrics),
    };
    return cmocka_run_group_tests_name ("ll_envelope", tests, NULL, NULL);
}
