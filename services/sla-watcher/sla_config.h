/*  sla_config — the deadline policies per program and the business-hours
    calendars per district, held in memory. Defaults come from the
    environment; sla_store_load_config() fills in the store's tables. */
#ifndef SLA_CONFIG_H
#define SLA_CONFIG_H
#include "sla_calendar.h"
#include "sla_rules.h"

typedef struct sla_config sla_config_t;

//  A configuration holding only the defaults: LEADLINE_SLA_ENTRY_HOURS (24),
//  LEADLINE_SLA_CONTACT_HOURS (48), LEADLINE_SLA_WARN_PERCENT (75),
//  LEADLINE_SLA_LEVEL2_HOURS (24), LEADLINE_SLA_LEVEL3_HOURS (48),
//  LEADLINE_SLA_LEVELS (3).
sla_config_t *sla_config_new (void);
void sla_config_destroy (sla_config_t **self_p);

//  Drops every program policy and calendar, back to the defaults.
void sla_config_clear (sla_config_t *self);

//  The default policy, for programs without their own.
const sla_policy_t *sla_config_default (sla_config_t *self);

//  The policy of `program` ("customer_connect"), or the default.
const sla_policy_t *sla_config_policy (sla_config_t *self, const char *program);
int sla_config_set_policy (sla_config_t *self, const sla_policy_t *policy);

//  The district's business-hours calendar, or NULL for calendar hours.
sla_calendar_t *sla_config_calendar (sla_config_t *self, const char *district_id);
//  Takes ownership of `*calendar_p`. 0 or -1.
int sla_config_set_calendar (sla_config_t *self, const char *district_id,
                             sla_calendar_t **calendar_p);
//  Calls fn for each (district, calendar), e.g. to add holidays.
typedef void (sla_config_calendar_fn) (const char *district_id, sla_calendar_t *calendar,
                                       void *arg);
void sla_config_each_calendar (sla_config_t *self, sla_config_calendar_fn *fn, void *arg);

#endif
