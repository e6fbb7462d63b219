/*  sla_rules and sla_events: when each stage of a clock falls due under a
    policy, what it raises, in which order the events of a round are
    written, and that event ids are stable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "sla_events.h"
#include "sla_rules.h"

#define HOUR_US (3600LL * 1000000)
#define T0 (1772452800LL * 1000000)   // Monday 2 March 2026 12:00 UTC

static sla_clock_t
s_contact (void)
{
    sla_clock_t c = { .deadline = SLA_CONTACT, .start_us = T0 };
    strcpy (c.lead_id, "lead-1");
    strcpy (c.office_id, "office-1");
    strcpy (c.rep_id, "rep-1");
    return c;
}

static void
test_default_schedule (void **state)
{
    sla_policy_t policy;
    sla_policy_default (&policy);
    sla_clock_t c = s_contact ();
    sla_rules_schedule (&c, &policy, NULL);
    assert_int_equal (c.warn_us, T0 + 36 * HOUR_US);
    assert_int_equal (c.due_us, T0 + 48 * HOUR_US);
    assert_int_equal (c.level2_us, T0 + 72 * HOUR_US);
    assert_int_equal (c.level3_us, T0 + 120 * HOUR_US);

    sla_clock_t e = { .deadline = SLA_ENTRY, .start_us = T0 };
    sla_rules_schedule (&e, &policy, NULL);
    assert_int_equal (e.due_us, T0 + 24 * HOUR_US);
    assert_int_equal (e.warn_us, 0);
    assert_int_equal (sla_rules_next_stage (&e), 0);    // judged at once, never timed
}

static void
test_stages_in_order (void **state)
{
    sla_policy_t policy;
    sla_policy_default (&policy);
    sla_clock_t c = s_contact ();
    sla_rules_schedule (&c, &policy, NULL);
    int expected [] = { SLA_STAGE_WARNED, SLA_STAGE_BREACHED, SLA_STAGE_LEVEL2, SLA_STAGE_LEVEL3 };
    int64_t at [] = { c.warn_us, c.due_us, c.level2_us, c.level3_us };
    for (int i = 0; i < 4; i++) {
        assert_int_equal (sla_rules_next_stage (&c), expected [i]);
        assert_int_equal (sla_rules_next_at (&c), at [i]);
        assert_int_equal (sla_rules_levels_raised (&c), i > 0 ? i - 1 : 0);
        c.stage = expected [i];
    }
    assert_int_equal (sla_rules_levels_raised (&c), 3);
    assert_int_equal (sla_rules_next_stage (&c), 0);
    assert_int_equal (sla_rules_next_at (&c), 0);
    //  A stopped clock has nothing left.
    sla_clock_t d = s_contact ();
    sla_rules_schedule (&d, &policy, NULL);
    d.outcome = SLA_MET;
    assert_int_equal (sla_rules_next_at (&d), 0);
}

static void
test_policy_variants (void **state)
{
    sla_policy_t policy;
    sla_policy_default (&policy);
    policy.warn_percent = 0;
    policy.levels = 1;
    policy.contact_us = 10 * HOUR_US;
    sla_clock_t c = s_contact ();
    sla_rules_schedule (&c, &policy, NULL);
    assert_int_equal (c.warn_us, 0);
    assert_int_equal (c.level2_us, 0);
    assert_int_equal (c.level3_us, 0);
    assert_int_equal (sla_rules_next_stage (&c), SLA_STAGE_BREACHED);
    c.stage = SLA_STAGE_BREACHED;
    assert_int_equal (sla_rules_next_stage (&c), 0);
    assert_int_equal (sla_rules_levels_raised (&c), 1);

    policy.warn_percent = 50;
    policy.levels = 2;
    c = s_contact ();
    sla_rules_schedule (&c, &policy, NULL);
    assert_int_equal (c.warn_us, T0 + 5 * HOUR_US);
    assert_int_not_equal (c.level2_us, 0);
    assert_int_equal (c.level3_us, 0);
}

static void
test_business_hours_schedule (void **state)
{
    sla_calendar_init ();
    sla_calendar_t *cal = sla_calendar_new ("America/New_York", SLA_MON_FRI, 8 * 60, 17 * 60, true);
    assert_non_null (cal);
    sla_calendar_add_holiday (cal, 2026, 3, 4);
    sla_policy_t policy;
    sla_policy_default (&policy);
    sla_clock_t c = s_contact ();
    sla_rules_schedule (&c, &policy, cal);
    assert_int_equal (c.warn_us, (1772834400LL) * 1000000);   // Fri 6 March 22:00Z
    assert_int_equal (c.due_us, (1773154800LL) * 1000000);    // Tue 10 March 15:00Z (EDT)
    //  Met at the deadline: 48 working hours taken.
    assert_int_equal (sla_rules_taken_s (&c, c.due_us, cal), 48 * 3600);
    assert_int_equal (sla_rules_taken_s (&c, c.due_us, NULL), (c.due_us - T0) / 1000000);
    sla_calendar_destroy (&cal);
}

static void
test_program_names (void **state)
{
    assert_string_equal (sla_program_name (1), "customer_connect");
    assert_string_equal (sla_program_name (6), "submit_a_lead");
    assert_string_equal (sla_program_name (0), "");
    assert_string_equal (sla_program_name (99), "");
    char buf [8];
    assert_false (sla_copy_id (buf, sizeof buf, "12345678"));
    assert_string_equal (buf, "");
    assert_true (sla_copy_id (buf, sizeof buf, "1234567"));
    assert_false (sla_copy_id (buf, sizeof buf, NULL));
}

static void
test_events_round (void **state)
{
    sla_policy_t policy;
    sla_policy_default (&policy);
    sla_clock_t a = s_contact ();
    sla_rules_schedule (&a, &policy, NULL);
    sla_clock_t b = s_contact ();
    strcpy (b.lead_id, "lead-2");
    b.start_us = T0 - 40 * HOUR_US;
    sla_rules_schedule (&b, &policy, NULL);

    sla_events_t *events = sla_events_new ();
    assert_non_null (events);
    sla_recipients_t rec = { .count = 2 };
    strcpy (rec.roles [0], "union_coordinator");
    strcpy (rec.ids [0], "p-1");
    strcpy (rec.roles [1], "management_coordinator");
    strcpy (rec.ids [1], "p-2");
    //  Added out of time order: a's warning (T0+36h) before b's (T0-4h) and
    //  b's breach (T0+8h).
    assert_int_equal (sla_events_stage (events, &a, SLA_STAGE_WARNED, NULL), 0);
    assert_int_equal (sla_events_stage (events, &b, SLA_STAGE_WARNED, NULL), 0);
    assert_int_equal (sla_events_stage (events, &b, SLA_STAGE_BREACHED, &rec), 0);
    assert_int_equal (sla_events_count (events), 4);
    ll_envelope_t **envs = sla_events_seal (events, T0 + 50 * HOUR_US);
    assert_non_null (envs);
    assert_int_equal (envs [0]->body_case, LEADLINE__V1__ENVELOPE__BODY_DEADLINE_WARNING);
    assert_string_equal (envs [0]->deadline_warning->lead_id, "lead-2");
    assert_int_equal (envs [0]->deadline_warning->at_us, T0 - 4 * HOUR_US);
    assert_int_equal (envs [1]->body_case, LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED);
    assert_string_equal (envs [1]->deadline_breached->office_id, "office-1");
    assert_int_equal (envs [2]->body_case, LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED);
    assert_int_equal (envs [2]->escalation_raised->level, 1);
    assert_int_equal (envs [2]->escalation_raised->n_recipient_ids, 2);
    assert_string_equal (envs [2]->escalation_raised->recipient_ids [1], "p-2");
    assert_false (envs [2]->escalation_raised->grievance_eligible);
    assert_int_equal (envs [3]->body_case, LEADLINE__V1__ENVELOPE__BODY_DEADLINE_WARNING);
    assert_string_equal (envs [3]->deadline_warning->lead_id, "lead-1");
    assert_int_equal (envs [3]->time_us, T0 + 50 * HOUR_US);
    //  Every event packs within the frame limit.
    for (int i = 0; i < 4; i++) {
        size_t size;
        uint8_t *packed = ll_envelope_pack (envs [i], &size);
        assert_non_null (packed);
        free (packed);
    }

    //  Level 3 without a known ladder names the role and the grievance.
    sla_events_reset (events);
    b.stage = SLA_STAGE_LEVEL2;
    assert_int_equal (sla_events_stage (events, &b, SLA_STAGE_LEVEL3, NULL), 0);
    envs = sla_events_seal (events, T0);
    assert_int_equal (envs [0]->escalation_raised->level, 3);
    assert_true (envs [0]->escalation_raised->grievance_eligible);
    assert_int_equal (envs [0]->escalation_raised->n_roles, 1);
    assert_string_equal (envs [0]->escalation_raised->roles [0], "nba");

    //  Met: on time or not against the due time.
    sla_events_reset (events);
    assert_int_equal (sla_events_met (events, &a, a.due_us, 48 * 3600), 0);
    assert_int_equal (sla_events_met (events, &b, b.due_us + 1, 48 * 3600), 0);
    envs = sla_events_seal (events, T0);
    assert_true (envs [1]->deadline_met->on_time);     // a's at T0+48h sorts after b's
    assert_false (envs [0]->deadline_met->on_time);
    sla_events_destroy (&events);
    assert_null (events);
}

static void
test_event_ids (void **state)
{
    char x [37], y [37], z [37];
    sla_event_id (x, "lead-1", SLA_CONTACT, "raised", 2);
    sla_event_id (y, "lead-1", SLA_CONTACT, "raised", 2);
    sla_event_id (z, "lead-1", SLA_CONTACT, "raised", 3);
    assert_string_equal (x, y);
    assert_string_not_equal (x, z);
    assert_int_equal (strlen (x), 36);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_default_schedule),
        cmocka_unit_test (test_stages_in_order),
        cmocka_unit_test (test_policy_variants),
        cmocka_unit_test (test_business_hours_schedule),
        cmocka_unit_test (test_program_names),
        cmocka_unit_test (test_events_round),
        cmocka_unit_test (test_event_ids),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
