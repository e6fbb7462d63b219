/*  sla_config — policies and calendars in memory. See sla_config.h.
    A handful of programs and at most a few hundred districts: linear
    search over small arrays is all this needs. */
#include "sla_config.h"
#include "ll_config.h"
#include <stdlib.h>
#include <string.h>

#define HOUR_US (3600.0 * 1e6)

typedef struct {
    char district_id [SLA_ID_MAX];
    sla_calendar_t *calendar;
} district_t;

struct sla_config {
    sla_policy_t base;             // from the environment
    sla_policy_t fallback;         // the base, or the store's '*' row
    sla_policy_t *policies;
    size_t n_policies;
    district_t *districts;
    size_t n_districts;
};

static int64_t
s_hours (const char *name, double dflt)
{
    const char *text = ll_config_str (name, NULL);
    double hours = text ? atof (text) : dflt;
    if (hours <= 0)
        hours = dflt;
    return (int64_t) (hours * HOUR_US);
}

sla_config_t *
sla_config_new (void)
{
    sla_config_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    sla_policy_t *p = &self->fallback;
    sla_policy_default (p);
    p->entry_us = s_hours ("LEADLINE_SLA_ENTRY_HOURS", 24);
    p->contact_us = s_hours ("LEADLINE_SLA_CONTACT_HOURS", 48);
    p->level2_us = s_hours ("LEADLINE_SLA_LEVEL2_HOURS", 24);
    p->level3_us = s_hours ("LEADLINE_SLA_LEVEL3_HOURS", 48);
    long warn = ll_config_int ("LEADLINE_SLA_WARN_PERCENT", 75);
    p->warn_percent = warn >= 0 && warn < 100 ? (int) warn : 75;
    long levels = ll_config_int ("LEADLINE_SLA_LEVELS", 3);
    p->levels = levels >= 1 && levels <= 3 ? (int) levels : 3;
    self->base = *p;
    return self;
}

void
sla_config_clear (sla_config_t *self)
{
    for (size_t i = 0; i < self->n_districts; i++)
        sla_calendar_destroy (&self->districts [i].calendar);
    free (self->districts);
    free (self->policies);
    self->districts = NULL;
    self->policies = NULL;
    self->n_districts = 0;
    self->n_policies = 0;
    self->fallback = self->base;
}

void
sla_config_destroy (sla_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_config_clear (*self_p);
    free (*self_p);
    *self_p = NULL;
}

const sla_policy_t *
sla_config_default (sla_config_t *self)
{
    return &self->fallback;
}

const sla_policy_t *
sla_config_policy (sla_config_t *self, const char *program)
{
    for (size_t i = 0; program && i < self->n_policies; i++)
        if (strcmp (self->policies [i].program, program) == 0)
            return &self->policies [i];
    return &self->fallback;
}

int
sla_config_set_policy (sla_config_t *self, const sla_policy_t *policy)
{
    if (strcmp (policy->program, "*") == 0 || !*policy->program) {
        self->fallback = *policy;
        self->fallback.program [0] = 0;
        return 0;
    }
    for (size_t i = 0; i < self->n_policies; i++)
        if (strcmp (self->policies [i].program, policy->program) == 0) {
            self->policies [i] = *policy;
            return 0;
        }
    sla_policy_t *grown = realloc (self->policies, (self->n_policies + 1) * sizeof *grown);
    if (!grown)
        return -1;
    self->policies = grown;
    self->policies [self->n_policies++] = *policy;
    return 0;
}

sla_calendar_t *
sla_config_calendar (sla_config_t *self, const char *district_id)
{
    for (size_t i = 0; district_id && i < self->n_districts; i++)
        if (strcmp (self->districts [i].district_id, district_id) == 0)
            return self->districts [i].calendar;
    return NULL;
}

int
sla_config_set_calendar (sla_config_t *self, const char *district_id, sla_calendar_t **calendar_p)
{
    for (size_t i = 0; i < self->n_districts; i++)
        if (strcmp (self->districts [i].district_id, district_id) == 0) {
            sla_calendar_destroy (&self->districts [i].calendar);
            self->districts [i].calendar = *calendar_p;
            *calendar_p = NULL;
            return 0;
        }
    district_t *grown = realloc (self->districts, (self->n_districts + 1) * sizeof *grown);
    if (!grown)
        return -1;
    self->districts = grown;
    district_t *d = &self->districts [self->n_districts];
    if (!sla_copy_id (d->district_id, sizeof d->district_id, district_id))
        return -1;
    d->calendar = *calendar_p;
    *calendar_p = NULL;
    self->n_districts++;
    return 0;
}

void
sla_config_each_calendar (sla_config_t *self, sla_config_calendar_fn *fn, void *arg)
{
    for (size_t i = 0; i < self->n_districts; i++)
        fn (self->districts [i].district_id, self->districts [i].calendar, arg);
}
