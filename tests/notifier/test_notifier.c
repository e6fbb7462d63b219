/*  Unit tests of the notifier's parts that need no store or sockets:
    notification ids, who hears what for events that name their people,
    the identity check, backoff, webhook signatures, email formatting.
    cmocka (its assertions stay on under NDEBUG). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "notifier_channels.h"
#include "notifier_clients.h"
#include "notifier_inbox.h"
#include "notifier_route.h"
#include <stdlib.h>
#include <string.h>

static void
test_id_is_a_stable_uuid_v5 (void **state)
{
    char a [NOTIFIER_ID_LEN], b [NOTIFIER_ID_LEN];
    notifier_route_id ("3b1c0e7e-0000-4000-8000-000000000001", "R1", NK_ASSIGNED, a);
    notifier_route_id ("3b1c0e7e-0000-4000-8000-000000000001", "R1", NK_ASSIGNED, b);
    assert_string_equal (a, b);
    assert_int_equal (strlen (a), 36);
    assert_int_equal (a [14], '5');                 // version 5: name-based, SHA-1
    assert_true (notifier_inbox_valid_id (a));
    //  Any of the three changing gives another id.
    notifier_route_id ("3b1c0e7e-0000-4000-8000-000000000002", "R1", NK_ASSIGNED, b);
    assert_string_not_equal (a, b);
    notifier_route_id ("3b1c0e7e-0000-4000-8000-000000000001", "R2", NK_ASSIGNED, b);
    assert_string_not_equal (a, b);
    notifier_route_id ("3b1c0e7e-0000-4000-8000-000000000001", "R1", NK_REASSIGNED, b);
    assert_string_not_equal (a, b);
    //  The parts cannot run into each other ("a" + "bc" vs "ab" + "c").
    notifier_route_id ("e", "R11", 1, a);
    notifier_route_id ("e", "R1", 11, b);
    assert_string_not_equal (a, b);
}

static void
test_valid_id (void **state)
{
    assert_true (notifier_inbox_valid_id ("6f1c2b9e-4d0a-5e55-9a51-1eadb1e00005"));
    assert_false (notifier_inbox_valid_id (NULL));
    assert_false (notifier_inbox_valid_id (""));
    assert_false (notifier_inbox_valid_id ("6f1c2b9e-4d0a-5e55-9a51-1eadb1e0000"));
    assert_false (notifier_inbox_valid_id ("6f1c2b9e-4d0a-5e55-9a51-1eadb1e0000z"));
    assert_false (notifier_inbox_valid_id ("6f1c2b9e04d0a-5e55-9a51-1eadb1e00005"));
    assert_false (notifier_inbox_valid_id ("'); DROP TABLE x; --aaaaaaaaaaaaaaaa"));
}

//  An envelope on the caller's stack, with a message id.
static void
s_event (ll_envelope_t *env, const char *id)
{
    leadline__v1__envelope__init (env);
    env->message_id = (char *) id;
    env->stream = "intake";
    env->sequence = 7;
}

static void
test_route_assignment_goes_to_the_rep (void **state)
{
    ll_envelope_t env;
    s_event (&env, "ev-1");
    Leadline__V1__LeadAssigned body = LEADLINE__V1__LEAD_ASSIGNED__INIT;
    body.lead_id = "L1";
    body.rep_id = "R1";
    body.employee_id = "E1";
    body.fallback = 1;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
    env.lead_assigned = &body;
    notifier_route_t route;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 1);
    assert_string_equal (route.lead_id, "L1");
    assert_string_equal (route.notes [0].recipient, "R1");
    assert_int_equal (route.notes [0].kind, NK_ASSIGNED);
    assert_false (route.notes [0].urgent);
    assert_non_null (strstr (route.notes [0].body, "fallback owner"));
    char id [NOTIFIER_ID_LEN];
    notifier_route_id ("ev-1", "R1", NK_ASSIGNED, id);
    assert_string_equal (route.notes [0].id, id);
    //  No rep (nobody eligible, no fallback): nobody to tell.
    body.rep_id = "";
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 0);
}

static void
test_route_contact_tells_the_employee_only_when_reached (void **state)
{
    ll_envelope_t env;
    s_event (&env, "ev-2");
    Leadline__V1__ContactRecorded body = LEADLINE__V1__CONTACT_RECORDED__INIT;
    body.lead_id = "L1";
    body.rep_id = "R1";
    body.employee_id = "E1";
    body.kind = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED;
    env.contact_recorded = &body;
    notifier_route_t route;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 0);
    body.kind = LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 1);
    assert_string_equal (route.notes [0].recipient, "E1");
    assert_int_equal (route.notes [0].kind, NK_LEAD_CONTACTED);
}

static void
test_route_reassignment_tells_both_reps (void **state)
{
    ll_envelope_t env;
    s_event (&env, "ev-3");
    Leadline__V1__LeadReassigned body = LEADLINE__V1__LEAD_REASSIGNED__INIT;
    body.lead_id = "L1";
    body.from_rep_id = "R1";
    body.to_rep_id = "R2";
    body.by_id = "M1";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED;
    env.lead_reassigned = &body;
    notifier_route_t route;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 2);
    assert_string_equal (route.notes [0].recipient, "R2");
    assert_string_equal (route.notes [1].recipient, "R1");
    assert_string_not_equal (route.notes [0].id, route.notes [1].id);
}

static void
test_route_breach_and_escalation_are_urgent (void **state)
{
    ll_envelope_t env;
    s_event (&env, "ev-4");
    Leadline__V1__DeadlineBreached breach = LEADLINE__V1__DEADLINE_BREACHED__INIT;
    breach.lead_id = "L1";
    breach.rep_id = "R1";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
    env.deadline_breached = &breach;
    notifier_route_t route;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 1);
    assert_true (route.notes [0].urgent);
    assert_int_equal (route.notes [0].kind, NK_BREACH);

    //  Named recipients are used as they are, once each; org is not read.
    Leadline__V1__EscalationRaised esc = LEADLINE__V1__ESCALATION_RAISED__INIT;
    char *who [] = { "C1", "C2", "C1", "" };
    esc.lead_id = "L1";
    esc.level = 1;
    esc.office_id = "O1";
    esc.recipient_ids = who;
    esc.n_recipient_ids = 4;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED;
    env.escalation_raised = &esc;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 2);
    assert_true (route.notes [0].urgent && route.notes [1].urgent);
    assert_int_equal (route.notes [0].kind, NK_ESCALATION);
}

static void
test_route_silent_events (void **state)
{
    ll_envelope_t env;
    s_event (&env, NULL);
    Leadline__V1__LeadDuplicate dup = LEADLINE__V1__LEAD_DUPLICATE__INIT;
    dup.lead_id = "L2";
    dup.employee_id = "E1";
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE;
    env.lead_duplicate = &dup;
    notifier_route_t route;
    assert_int_equal (notifier_route_event (NULL, &env, &route), 0);
    assert_int_equal (route.count, 0);
    //  Without a message id the event is named by stream and sequence.
    assert_string_equal (route.event_id, "intake:7");
}

static void
test_route_add_caps_and_skips (void **state)
{
    notifier_route_t route;
    memset (&route, 0, sizeof route);
    char big [NOTIFIER_PERSON_MAX + 8];
    memset (big, 'x', sizeof big - 1);
    big [sizeof big - 1] = 0;
    notifier_route_add (&route, big, 1, false, "t", "b");
    notifier_route_add (&route, NULL, 1, false, "t", "b");
    assert_int_equal (route.count, 0);
    for (int i = 0; i < NOTIFIER_ROUTE_MAX + 5; i++) {
        char who [16];
        snprintf (who, sizeof who, "P%d", i);
        notifier_route_add (&route, who, 1, false, "t", "b");
    }
    assert_int_equal (route.count, NOTIFIER_ROUTE_MAX);
}

static void
test_identity (void **state)
{
    char why [256], person [NOTIFIER_PERSON_MAX];
    //  CURVE off: the claim is trusted, the sender must agree.
    assert_true (notifier_clients_identity (NULL, "R1", NULL, person, why, sizeof why));
    assert_string_equal (person, "R1");
    assert_true (notifier_clients_identity (NULL, "R1", "R1", person, why, sizeof why));
    assert_true (notifier_clients_identity (NULL, "R1", "", person, why, sizeof why));
    assert_false (notifier_clients_identity (NULL, "", NULL, person, why, sizeof why));
    assert_false (notifier_clients_identity (NULL, NULL, NULL, person, why, sizeof why));
    assert_false (notifier_clients_identity (NULL, "R 1", NULL, person, why, sizeof why));
    assert_false (notifier_clients_identity (NULL, "R1", "R2", person, why, sizeof why));
    assert_non_null (strstr (why, "does not match"));
    char big [200];
    memset (big, 'a', sizeof big - 1);
    big [sizeof big - 1] = 0;
    assert_false (notifier_clients_identity (NULL, big, NULL, person, why, sizeof why));
    ll_principal_t anon = { .anonymous = true, .kind = "anonymous" };
    assert_true (notifier_clients_identity (&anon, "R2", NULL, person, why, sizeof why));
    assert_string_equal (person, "R2");
}

static void
test_identity_from_key (void **state)
{
    char why [256], person [NOTIFIER_PERSON_MAX];
    ll_principal_t r1 = { .kind = "person", .subject = "R1" };
    //  The key's subject is the person, claimed or not.
    assert_true (notifier_clients_identity (&r1, "R1", "R1", person, why, sizeof why));
    assert_string_equal (person, "R1");
    assert_true (notifier_clients_identity (&r1, "", NULL, person, why, sizeof why));
    assert_string_equal (person, "R1");
    //  Claiming someone else, in the hello or the sender, is refused by name.
    assert_false (notifier_clients_identity (&r1, "R2", NULL, person, why, sizeof why));
    assert_non_null (strstr (why, "only as its own person"));
    assert_non_null (strstr (why, "R2"));
    assert_false (notifier_clients_identity (&r1, "R1", "R2", person, why, sizeof why));
    assert_non_null (strstr (why, "belongs to R1"));
    //  Only person keys.
    ll_principal_t term = { .kind = "terminal", .subject = "S1" };
    assert_false (notifier_clients_identity (&term, "S1", NULL, person, why, sizeof why));
    assert_non_null (strstr (why, "only person keys"));
}

static void
test_backoff (void **state)
{
    assert_int_equal (notifier_backoff_ms (1, 1000, 600000), 1000);
    assert_int_equal (notifier_backoff_ms (2, 1000, 600000), 2000);
    assert_int_equal (notifier_backoff_ms (4, 1000, 600000), 8000);
    assert_int_equal (notifier_backoff_ms (30, 1000, 600000), 600000);
    assert_int_equal (notifier_backoff_ms (0, 1000, 600000), 1000);
    assert_int_equal (notifier_backoff_ms (1000, 1000, 600000), 600000);
}

static void
test_signature (void **state)
{
    char sig [65];
    const char *body = "{\"a\":1}";
    notifier_webhook_signature ("topsecret", 9, 1700000000LL, body, strlen (body), sig);
    //  python3: hmac.new(b'topsecret', b'1700000000.{"a":1}', sha256).hexdigest()
    assert_string_equal (sig, "6a939b0c71853d606167625a15168ee9188c6a511c773ef4f42d307f3849e50f");
}

static void
test_retryable (void **state)
{
    assert_true (notifier_http_retryable (500));
    assert_true (notifier_http_retryable (503));
    assert_true (notifier_http_retryable (429));
    assert_true (notifier_http_retryable (408));
    assert_false (notifier_http_retryable (400));
    assert_false (notifier_http_retryable (404));
    assert_false (notifier_http_retryable (410));
}

static void
test_email_message (void **state)
{
    char *msg = notifier_email_message ("leadline@localhost", "r1@example.test",
        "Lead L1\r\nBcc: victim@example.test", "line one\nline two", "abc", 0);
    assert_non_null (msg);
    //  No header can be smuggled in through the subject.
    assert_null (strstr (msg, "\r\nBcc:"));
    assert_non_null (strstr (msg, "Subject: Lead L1  Bcc: victim@example.test\r\n"));
    assert_non_null (strstr (msg, "Message-ID: <abc@leadline>\r\n"));
    assert_non_null (strstr (msg, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
    assert_non_null (strstr (msg, "\r\n\r\nline one\r\nline two\r\n"));
    free (msg);
    msg = notifier_email_message ("a@b", "c@d", "Caf\xc3\xa9 lead", "x", "id", 0);
    assert_non_null (msg);
    assert_non_null (strstr (msg, "Subject: =?UTF-8?B?Q2Fmw6kgbGVhZA==?=\r\n"));
    free (msg);
}

static void
test_item_frame_round_trip (void **state)
{
    notifier_item_t *item = notifier_item_new ();
    assert_non_null (item);
    notifier_route_id ("ev", "R1", NK_BREACH, item->id);
    snprintf (item->recipient, sizeof item->recipient, "R1");
    item->kind = NK_BREACH;
    item->urgent = true;
    item->created_us = 123;
    item->lead_id = strdup ("L1");
    item->title = strdup ("t");
    item->body = strdup ("b");
    zframe_t *frame = notifier_item_frame (item);
    assert_non_null (frame);
    ll_decode_rc_t rc;
    char err [128];
    ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame), &rc, err, sizeof err);
    assert_non_null (env);
    assert_int_equal (env->body_case, LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION);
    assert_string_equal (env->message_id, item->id);
    assert_string_equal (env->notification->id, item->id);
    assert_string_equal (env->notification->lead_id, "L1");
    assert_true (env->notification->urgent);
    assert_int_equal (env->notification->created_us, 123);
    ll_envelope_free (&env);
    zframe_destroy (&frame);
    notifier_item_destroy (&item);
    notifier_item_destroy (&item);      // twice is harmless
    assert_null (item);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_id_is_a_stable_uuid_v5),
        cmocka_unit_test (test_valid_id),
        cmocka_unit_test (test_route_assignment_goes_to_the_rep),
        cmocka_unit_test (test_route_contact_tells_the_employee_only_when_reached),
        cmocka_unit_test (test_route_reassignment_tells_both_reps),
        cmocka_unit_test (test_route_breach_and_escalation_are_urgent),
        cmocka_unit_test (test_route_silent_events),
        cmocka_unit_test (test_route_add_caps_and_skips),
        cmocka_unit_test (test_identity),
        cmocka_unit_test (test_identity_from_key),
        cmocka_unit_test (test_backoff),
        cmocka_unit_test (test_signature),
        cmocka_unit_test (test_retryable),
        cmocka_unit_test (test_email_message),
        cmocka_unit_test (test_item_frame_round_trip),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
