/*  sla_rules — what the program's deadlines are and when each step of a
    clock falls due. Pure functions over a clock's row: no store, no
    sockets, so the rules are tested on their own.

    A contact clock climbs these stages, each raised exactly once:
      1 warning      at the warning point of the window (e.g. 75%)
      2 breach       at the deadline, with escalation level 1 (the office's
                     two coordinators)
      3 level 2      some hours after the breach (branch president)
      4 level 3      some hours after level 2 (NBA, grievance eligible)
    A contact, a contact attempt or an outcome stops it: met (with the time
    taken) and every raised level resolved. The entry deadline is judged
    at once when the lead arrives: intake only tells us about a lead when
    it is entered. */
#ifndef SLA_RULES_H
#define SLA_RULES_H
#include "sla_calendar.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLA_ID_MAX 128            // longest lead, rep, office or district id
#define SLA_PROGRAM_MAX 32

enum { SLA_ENTRY = 1, SLA_CONTACT = 2 };
enum {
    SLA_STAGE_NONE = 0,
    SLA_STAGE_WARNED = 1,
    SLA_STAGE_BREACHED = 2,       // breach and level 1
    SLA_STAGE_LEVEL2 = 3,
    SLA_STAGE_LEVEL3 = 4,
};
//  How a clock ended (clock.outcome).
enum { SLA_OPEN = 0, SLA_MET = 1, SLA_LATE = 2, SLA_CANCELLED = 3 };

typedef struct {
    char program [SLA_PROGRAM_MAX]; // "customer_connect", ...; "" = the default
    int64_t entry_us;              // card completed -> entered
    int64_t contact_us;            // entered -> first contact
    int warn_percent;              // warning at this share of the window; 0 = none
    int64_t level2_us;             // after the breach
    int64_t level3_us;             // after level 2
    int levels;                    // highest escalation level raised (0..3)
} sla_policy_t;

typedef struct {
    char lead_id [SLA_ID_MAX];
    int deadline;                  // SLA_ENTRY or SLA_CONTACT
    char program [SLA_PROGRAM_MAX];
    char office_id [SLA_ID_MAX];
    char district_id [SLA_ID_MAX];
    char rep_id [SLA_ID_MAX];
    int64_t start_us;
    int64_t warn_us;               // 0: no warning
    int64_t due_us;
    int64_t level2_us;             // 0: level not raised
    int64_t level3_us;
    int stage;                     // highest stage fired
    int outcome;                   // SLA_OPEN ...
} sla_clock_t;

//  The policy every program gets unless configured otherwise: 24 h entry,
//  48 h contact, warning at 75%, level 2 24 h after the breach, level 3
//  48 h after that.
void sla_policy_default (sla_policy_t *policy);

//  "customer_connect" for PROGRAM_CUSTOMER_CONNECT, ... "" if unknown.
const char *sla_program_name (int program);

//  Fills the stage times of a clock whose start_us and deadline are set,
//  counting `policy`'s hours on `calendar` (NULL: calendar hours).
void sla_rules_schedule (sla_clock_t *clock, const sla_policy_t *policy,
                         sla_calendar_t *calendar);

//  When `stage` falls due (0 if the clock does not use it).
int64_t sla_rules_stage_at (const sla_clock_t *clock, int stage);

//  The next stage to fire after clock->stage, or 0 if none is left.
int sla_rules_next_stage (const sla_clock_t *clock);

//  When the next stage falls due, or 0 if none is left or it is closed.
int64_t sla_rules_next_at (const sla_clock_t *clock);

//  Escalation levels raised so far (0..3).
int sla_rules_levels_raised (const sla_clock_t *clock);

//  Working time from the clock's start to `at_us`, in seconds.
int64_t sla_rules_taken_s (const sla_clock_t *clock, int64_t at_us,
                           sla_calendar_t *calendar);

//  Copies an id into a clock field; false if it does not fit or is empty.
bool sla_copy_id (char *dst, size_t size, const char *src);

#endif
