/*  sla_events — building the watcher's events. See sla_events.h.

    Each event owns copies of the strings it carries, so the rows and the
    ladder cache it was built from may change before it is written. The
    envelope's body pointer is wired only when the collection is sealed,
    after sorting, because sorting moves the structs. */
#include "sla_events.h"
#include "ll_clock.h"
#include "ll_metrics.h"
#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

typedef enum { EV_WARNING, EV_BREACHED, EV_MET, EV_RAISED, EV_RESOLVED } ev_kind_t;

typedef struct {
    ev_kind_t kind;
    int64_t at_us;                 // when it happened: orders the batch
    size_t order;                  // insertion order, for ties
    char id [37];
    char lead_id [SLA_ID_MAX];
    char rep_id [SLA_ID_MAX];
    char office_id [SLA_ID_MAX];
    char roles [SLA_MAX_RECIPIENTS][40];
    char ids [SLA_MAX_RECIPIENTS][SLA_ID_MAX];
    char *role_p [SLA_MAX_RECIPIENTS];
    char *id_p [SLA_MAX_RECIPIENTS];
    ll_envelope_t env;
    union {
        Leadline__V1__DeadlineWarning warning;
        Leadline__V1__DeadlineBreached breached;
        Leadline__V1__DeadlineMet met;
        Leadline__V1__EscalationRaised raised;
        Leadline__V1__EscalationResolved resolved;
    } body;
} ev_t;

struct sla_events {
    ev_t *items;
    size_t count;
    size_t cap;
    ll_envelope_t **envs;          // sealed, in time order
    ev_t **order;                  // the items in time order
};

static const char *s_namespace = "6c1d2f7e-5b0a-4e52-9a3c-1f2e3d4c5b6a";

void
sla_event_id (char out [37], const char *lead_id, int deadline, const char *kind, int level)
{
    uuid_t ns, id;
    uuid_parse (s_namespace, ns);
    char name [SLA_ID_MAX + 64];
    int len = snprintf (name, sizeof name, "leadline.sla/%s/%d/%s/%d", lead_id, deadline, kind, level);
    uuid_generate_sha1 (id, ns, name, (size_t) len);
    uuid_unparse_lower (id, out);
}

sla_events_t *
sla_events_new (void)
{
    return calloc (1, sizeof (sla_events_t));
}

void
sla_events_destroy (sla_events_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_events_t *self = *self_p;
    free (self->items);
    free (self->envs);
    free (self->order);
    free (self);
    *self_p = NULL;
}

void
sla_events_reset (sla_events_t *self)
{
    self->count = 0;
}

size_t
sla_events_count (sla_events_t *self)
{
    return self->count;
}

static ev_t *
s_add (sla_events_t *self, ev_kind_t kind, const sla_clock_t *clock, int64_t at_us)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 256;
        ev_t *items = realloc (self->items, cap * sizeof *items);
        if (!items)
            return NULL;
        self->items = items;
        self->cap = cap;
    }
    ev_t *ev = &self->items [self->count];
    memset (ev, 0, offsetof (ev_t, env));
    ev->kind = kind;
    ev->at_us = at_us;
    ev->order = self->count++;
    memcpy (ev->lead_id, clock->lead_id, sizeof ev->lead_id);
    memcpy (ev->rep_id, clock->rep_id, sizeof ev->rep_id);
    memcpy (ev->office_id, clock->office_id, sizeof ev->office_id);
    return ev;
}

static Leadline__V1__Deadline
s_deadline (const sla_clock_t *clock)
{
    return clock->deadline == SLA_ENTRY ? LEADLINE__V1__DEADLINE__DEADLINE_ENTRY
                                        : LEADLINE__V1__DEADLINE__DEADLINE_CONTACT;
}

static const char *s_level_roles [4][2] = {
    { NULL, NULL },
    { "union_coordinator", "management_coordinator" },
    { "branch_president", NULL },
    { "nba", NULL },
};

static int
s_raised (sla_events_t *self, const sla_clock_t *clock, int level, int64_t at_us,
          const sla_recipients_t *recipients)
{
    ev_t *ev = s_add (self, EV_RAISED, clock, at_us);
    if (!ev)
        return -1;
    leadline__v1__escalation_raised__init (&ev->body.raised);
    Leadline__V1__EscalationRaised *r = &ev->body.raised;
    r->level = (uint32_t) level;
    r->grievance_eligible = level >= 3;
    r->at_us = at_us;
    size_t roles = 0, ids = 0;
    if (recipients && recipients->count) {
        for (size_t i = 0; i < recipients->count && i < SLA_MAX_RECIPIENTS; i++) {
            memcpy (ev->roles [roles++], recipients->roles [i], sizeof ev->roles [0]);
            memcpy (ev->ids [ids++], recipients->ids [i], sizeof ev->ids [0]);
        }
    }
    else
        for (size_t i = 0; i < 2 && s_level_roles [level][i]; i++)
            snprintf (ev->roles [roles++], sizeof ev->roles [0], "%s", s_level_roles [level][i]);
    r->n_roles = roles;
    r->n_recipient_ids = ids;
    sla_event_id (ev->id, clock->lead_id, clock->deadline, "raised", level);
    return 0;
}

int
sla_events_stage (sla_events_t *self, const sla_clock_t *clock, int stage,
                  const sla_recipients_t *recipients)
{
    int64_t at_us = sla_rules_stage_at (clock, stage);
    assert (at_us);
    if (stage == SLA_STAGE_WARNED) {
        ev_t *ev = s_add (self, EV_WARNING, clock, at_us);
        if (!ev)
            return -1;
        leadline__v1__deadline_warning__init (&ev->body.warning);
        ev->body.warning.deadline = s_deadline (clock);
        ev->body.warning.due_us = clock->due_us;
        ev->body.warning.at_us = at_us;
        sla_event_id (ev->id, clock->lead_id, clock->deadline, "warning", 0);
        return 0;
    }
    if (stage == SLA_STAGE_BREACHED) {
        ev_t *ev = s_add (self, EV_BREACHED, clock, at_us);
        if (!ev)
            return -1;
        leadline__v1__deadline_breached__init (&ev->body.breached);
        ev->body.breached.deadline = s_deadline (clock);
        ev->body.breached.due_us = clock->due_us;
        ev->body.breached.at_us = at_us;
        sla_event_id (ev->id, clock->lead_id, clock->deadline, "breached", 0);
        return s_raised (self, clock, 1, at_us, recipients);
    }
    assert (stage == SLA_STAGE_LEVEL2 || stage == SLA_STAGE_LEVEL3);
    return s_raised (self, clock, stage == SLA_STAGE_LEVEL2 ? 2 : 3, at_us, recipients);
}

int
sla_events_entry_breached (sla_events_t *self, const sla_clock_t *clock)
{
    ev_t *ev = s_add (self, EV_BREACHED, clock, clock->due_us);
    if (!ev)
        return -1;
    leadline__v1__deadline_breached__init (&ev->body.breached);
    ev->body.breached.deadline = s_deadline (clock);
    ev->body.breached.due_us = clock->due_us;
    ev->body.breached.at_us = clock->due_us;
    sla_event_id (ev->id, clock->lead_id, clock->deadline, "breached", 0);
    return 0;
}

int
sla_events_met (sla_events_t *self, const sla_clock_t *clock, int64_t met_us, int64_t taken_s)
{
    ev_t *ev = s_add (self, EV_MET, clock, met_us);
    if (!ev)
        return -1;
    leadline__v1__deadline_met__init (&ev->body.met);
    ev->body.met.deadline = s_deadline (clock);
    ev->body.met.due_us = clock->due_us;
    ev->body.met.met_us = met_us;
    ev->body.met.taken_s = taken_s;
    ev->body.met.on_time = met_us <= clock->due_us;
    sla_event_id (ev->id, clock->lead_id, clock->deadline, "met", 0);
    return 0;
}

int
sla_events_resolved (sla_events_t *self, const sla_clock_t *clock, int level, int64_t at_us)
{
    ev_t *ev = s_add (self, EV_RESOLVED, clock, at_us);
    if (!ev)
        return -1;
    leadline__v1__escalation_resolved__init (&ev->body.resolved);
    ev->body.resolved.level = (uint32_t) level;
    ev->body.resolved.at_us = at_us;
    sla_event_id (ev->id, clock->lead_id, clock->deadline, "resolved", level);
    return 0;
}

static int
s_compare (const void *a, const void *b)
{
    const ev_t *x = *(ev_t *const *) a, *y = *(ev_t *const *) b;
    if (x->at_us != y->at_us)
        return x->at_us < y->at_us ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

ll_envelope_t **
sla_events_seal (sla_events_t *self, int64_t now_us)
{
    if (self->count == 0)
        return NULL;
    ll_envelope_t **envs = realloc (self->envs, self->count * sizeof *envs);
    if (!envs)
        return NULL;
    self->envs = envs;
    ev_t **order = realloc (self->order, self->count * sizeof *order);
    if (!order)
        return NULL;
    self->order = order;
    for (size_t i = 0; i < self->count; i++)
        order [i] = &self->items [i];
    qsort (order, self->count, sizeof *order, s_compare);
    for (size_t i = 0; i < self->count; i++) {
        ev_t *ev = order [i];
        ll_envelope_t *env = &ev->env;
        leadline__v1__envelope__init (env);
        env->version = LL_PROTOCOL_VERSION;
        env->message_id = ev->id;
        env->time_us = now_us;
        env->stream = "sla";
        switch (ev->kind) {
            case EV_WARNING:
                ev->body.warning.lead_id = ev->lead_id;
                ev->body.warning.rep_id = ev->rep_id;
                env->body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_WARNING;
                env->deadline_warning = &ev->body.warning;
                break;
            case EV_BREACHED:
                ev->body.breached.lead_id = ev->lead_id;
                ev->body.breached.rep_id = ev->rep_id;
                ev->body.breached.office_id = ev->office_id;
                env->body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_BREACHED;
                env->deadline_breached = &ev->body.breached;
                break;
            case EV_MET:
                ev->body.met.lead_id = ev->lead_id;
                env->body_case = LEADLINE__V1__ENVELOPE__BODY_DEADLINE_MET;
                env->deadline_met = &ev->body.met;
                break;
            case EV_RAISED:
                ev->body.raised.lead_id = ev->lead_id;
                ev->body.raised.office_id = ev->office_id;
                for (size_t r = 0; r < SLA_MAX_RECIPIENTS; r++) {
                    ev->role_p [r] = ev->roles [r];
                    ev->id_p [r] = ev->ids [r];
                }
                ev->body.raised.roles = ev->role_p;
                ev->body.raised.recipient_ids = ev->id_p;
                env->body_case = LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RAISED;
                env->escalation_raised = &ev->body.raised;
                break;
            case EV_RESOLVED:
                ev->body.resolved.lead_id = ev->lead_id;
                env->body_case = LEADLINE__V1__ENVELOPE__BODY_ESCALATION_RESOLVED;
                env->escalation_resolved = &ev->body.resolved;
                break;
        }
        envs [i] = env;
    }
    return envs;
}

int
sla_events_arrays (sla_events_t *self, char *arrays [3])
{
    static const char hex [] = "0123456789abcdef";
    size_t len [3];
    FILE *out [3];
    int rc = 0;
    for (int k = 0; k < 3; k++) {
        arrays [k] = NULL;
        out [k] = open_memstream (&arrays [k], &len [k]);
        if (!out [k])
            rc = -1;
    }
    for (int k = 0; k < 3 && rc == 0; k++)
        fputc ('{', out [k]);
    for (size_t i = 0; i < self->count && rc == 0; i++) {
        const ll_envelope_t *env = self->envs [i];
        size_t size;
        uint8_t *packed = ll_envelope_pack (env, &size);
        if (!packed) {
            rc = -1;
            break;
        }
        const char *sep = i ? "," : "";
        fputs (sep, out [0]);
        fputs (env->message_id, out [0]);
        fputs (sep, out [1]);
        fputs (ll_envelope_type_name (env), out [1]);
        //  Hex digits into one buffer, written at once: a character at a
        //  time through the stream costs more than everything else here.
        char *text = malloc (size * 2 + 8);
        if (!text) {
            free (packed);
            rc = -1;
            break;
        }
        size_t len = 0;
        if (i)
            text [len++] = ',';
        memcpy (text + len, "\"\\\\x", 4);
        len += 4;
        for (size_t b = 0; b < size; b++) {
            text [len++] = hex [packed [b] >> 4];
            text [len++] = hex [packed [b] & 15];
        }
        text [len++] = '"';
        fwrite (text, 1, len, out [2]);
        free (text);
        free (packed);
    }
    for (int k = 0; k < 3; k++) {
        if (!out [k])
            continue;
        fputc ('}', out [k]);
        fclose (out [k]);
    }
    if (rc) {
        for (int k = 0; k < 3; k++) {
            free (arrays [k]);
            arrays [k] = NULL;
        }
    }
    return rc;
}

void
sla_events_record (sla_events_t *self, int64_t now_us)
{
    static const char *names [] = { "deadline_warning", "deadline_breached", "deadline_met",
                                    "escalation_raised", "escalation_resolved" };
    static ll_metric_t *counters [5];
    static ll_metric_t *lateness;
    if (!lateness) {
        for (int k = 0; k < 5; k++) {
            char labels [64];
            snprintf (labels, sizeof labels, "kind=\"%s\"", names [k]);
            counters [k] = ll_metric_counter ("leadline_sla_events_total", labels,
                                              "SLA events written to the event log, by kind");
        }
        lateness = ll_metric_histogram ("leadline_sla_lateness_ms", NULL,
            "How long after its due time a warning, breach or escalation was written");
    }
    int64_t counts [5] = { 0 };
    for (size_t i = 0; i < self->count; i++) {
        const ev_t *ev = &self->items [i];
        counts [ev->kind]++;
        if (ev->kind == EV_WARNING || ev->kind == EV_RAISED
        || (ev->kind == EV_BREACHED && ev->body.breached.deadline == LEADLINE__V1__DEADLINE__DEADLINE_CONTACT))
            ll_metric_observe (lateness, now_us > ev->at_us ? (double) (now_us - ev->at_us) / 1000.0 : 0);
    }
    for (int k = 0; k < 5; k++)
        if (counts [k])
            ll_metric_add (counters [k], counts [k]);
}
