/*  sla_rules — deadlines and the stages of a clock. See sla_rules.h. */
#include "sla_rules.h"
#include "leadline/v1/common.pb-c.h"
#include <assert.h>
#include <stdio.h>
#include <string.h>

#define HOUR_US (3600LL * 1000000)

void
sla_policy_default (sla_policy_t *policy)
{
    memset (policy, 0, sizeof *policy);
    policy->entry_us = 24 * HOUR_US;
    policy->contact_us = 48 * HOUR_US;
    policy->warn_percent = 75;
    policy->level2_us = 24 * HOUR_US;
    policy->level3_us = 48 * HOUR_US;
    policy->levels = 3;
}

const char *
sla_program_name (int program)
{
    switch (program) {
        case LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT: return "customer_connect";
        case LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE: return "clerks_care";
        case LEADLINE__V1__PROGRAM__PROGRAM_MAIL_HANDLERS: return "mail_handlers";
        case LEADLINE__V1__PROGRAM__PROGRAM_RURAL_REACH: return "rural_reach";
        case LEADLINE__V1__PROGRAM__PROGRAM_BUSINESS_CONNECT: return "business_connect";
        case LEADLINE__V1__PROGRAM__PROGRAM_SUBMIT_A_LEAD: return "submit_a_lead";
        default: return "";
    }
}

static int64_t
s_add (sla_calendar_t *calendar, int64_t start_us, int64_t span_us)
{
    if (start_us == INT64_MAX)
        return INT64_MAX;
    if (calendar)
        return sla_calendar_add (calendar, start_us, span_us);
    return span_us > INT64_MAX - start_us ? INT64_MAX : start_us + span_us;
}

void
sla_rules_schedule (sla_clock_t *clock, const sla_policy_t *policy, sla_calendar_t *calendar)
{
    assert (clock && policy);
    int64_t window = clock->deadline == SLA_ENTRY ? policy->entry_us : policy->contact_us;
    clock->due_us = s_add (calendar, clock->start_us, window);
    clock->warn_us = 0;
    clock->level2_us = 0;
    clock->level3_us = 0;
    if (clock->deadline != SLA_CONTACT)
        return;
    if (policy->warn_percent > 0 && policy->warn_percent < 100) {
        int64_t warn = s_add (calendar, clock->start_us, window / 100 * policy->warn_percent);
        if (warn < clock->due_us)
            clock->warn_us = warn;
    }
    if (policy->levels >= 2)
        clock->level2_us = s_add (calendar, clock->due_us, policy->level2_us);
    if (policy->levels >= 3 && clock->level2_us)
        clock->level3_us = s_add (calendar, clock->level2_us, policy->level3_us);
}

int64_t
sla_rules_stage_at (const sla_clock_t *clock, int stage)
{
    switch (stage) {
        case SLA_STAGE_WARNED: return clock->warn_us;
        case SLA_STAGE_BREACHED: return clock->deadline == SLA_CONTACT ? clock->due_us : 0;
        case SLA_STAGE_LEVEL2: return clock->level2_us;
        case SLA_STAGE_LEVEL3: return clock->level3_us;
        default: return 0;
    }
}

int
sla_rules_next_stage (const sla_clock_t *clock)
{
    if (clock->outcome != SLA_OPEN)
        return 0;
    for (int stage = clock->stage + 1; stage <= SLA_STAGE_LEVEL3; stage++)
        if (sla_rules_stage_at (clock, stage))
            return stage;
    return 0;
}

int64_t
sla_rules_next_at (const sla_clock_t *clock)
{
    int stage = sla_rules_next_stage (clock);
    return stage ? sla_rules_stage_at (clock, stage) : 0;
}

int
sla_rules_levels_raised (const sla_clock_t *clock)
{
    int levels = 0;
    for (int stage = SLA_STAGE_BREACHED; stage <= clock->stage && stage <= SLA_STAGE_LEVEL3; stage++)
        if (sla_rules_stage_at (clock, stage))
            levels++;
    return levels;
}

int64_t
sla_rules_taken_s (const sla_clock_t *clock, int64_t at_us, sla_calendar_t *calendar)
{
    int64_t us = calendar ? sla_calendar_between (calendar, clock->start_us, at_us)
                          : at_us - clock->start_us;
    return us > 0 ? us / 1000000 : 0;
}

bool
sla_copy_id (char *dst, size_t size, const char *src)
{
    if (!src || !*src) {
        dst [0] = 0;
        return false;
    }
    size_t len = strlen (src);
    if (len >= size) {
        dst [0] = 0;
        return false;
    }
    memcpy (dst, src, len + 1);
    return true;
}
