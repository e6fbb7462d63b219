/*  sla_ladder — escalation recipients per office. See sla_ladder.h. */
#include "sla_ladder.h"
#include "sla_store.h"
#include "ll_clock.h"
#include "ll_db.h"
#include "ll_log.h"
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t loaded_us;             // monotonic
    sla_recipients_t levels [3];
} office_t;

struct sla_ladder {
    zhash_t *offices;              // office_id -> office_t
    int64_t ttl_us;
    int64_t org_checked_us;
    bool have_org;
};

sla_ladder_t *
sla_ladder_new (int ttl_s)
{
    sla_ladder_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->offices = zhash_new ();
    if (!self->offices) {
        free (self);
        return NULL;
    }
    self->ttl_us = (int64_t) (ttl_s > 0 ? ttl_s : 60) * 1000000;
    self->org_checked_us = INT64_MIN;
    return self;
}

void
sla_ladder_destroy (sla_ladder_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhash_destroy (&(*self_p)->offices);
    free (*self_p);
    *self_p = NULL;
}

int
sla_ladder_prepare (sla_ladder_t *self, PGconn *conn)
{
    self->have_org = false;
    self->org_checked_us = INT64_MIN;
    if (ll_db_prepare (conn, "sla_org_check",
            "SELECT to_regclass('org.office_ladder') IS NOT NULL"))
        return -1;
    //  The view may not exist yet (intake migrates org): prepared on first
    //  use instead, see s_prepare_ladder().
    return 0;
}

static bool
s_have_org (sla_ladder_t *self, PGconn *conn)
{
    int64_t now = ll_mono_us ();
    if (self->org_checked_us != INT64_MIN && now - self->org_checked_us < self->ttl_us)
        return self->have_org;
    self->org_checked_us = now;
    PGresult *res = ll_db_execp (conn, "sla_org_check", 0, NULL, NULL);
    bool have = res && PQntuples (res) == 1 && PQgetvalue (res, 0, 0) [0] == 't';
    PQclear (res);
    if (have && !self->have_org) {
        //  Prepared per connection: a failure here means it already is.
        PGresult *prep = PQprepare (conn, "sla_ladder",
            "SELECT office_id, level, role, person_id FROM org.office_ladder "
            "WHERE office_id = ANY ($1::text[])"
            " ORDER BY office_id, level, role <> 'union', role", 1, NULL);
        PQclear (prep);
    }
    if (have != self->have_org)
        ll_info ("sla.ladder", have ? "org.office_ladder found: escalations name their recipients"
                                    : "org.office_ladder is missing: escalations name roles only "
                                      "until intake's org schema is migrated");
    self->have_org = have;
    return have;
}

static const char *
s_role (int level, const char *role)
{
    if (level == 1 && strcmp (role, "union") == 0)
        return "union_coordinator";
    if (level == 1 && strcmp (role, "management") == 0)
        return "management_coordinator";
    return role;
}

int
sla_ladder_load (sla_ladder_t *self, PGconn *conn, const char *const *offices, size_t count)
{
    if (count == 0 || !s_have_org (self, conn))
        return 0;
    int64_t now = ll_mono_us ();
    size_t wanted = 0;
    char *arr = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&arr, &len);
    if (!out)
        return -1;
    fputc ('{', out);
    for (size_t i = 0; i < count; i++) {
        if (!offices [i] || !*offices [i])
            continue;
        office_t *office = zhash_lookup (self->offices, offices [i]);
        if (office && now - office->loaded_us < self->ttl_us)
            continue;
        //  Placeholder so that the office is asked for once per load.
        if (!office) {
            office = calloc (1, sizeof *office);
            if (!office) {
                fclose (out);
                free (arr);
                return -1;
            }
            zhash_insert (self->offices, offices [i], office);
            zhash_freefn (self->offices, offices [i], free);
        }
        else
            memset (office->levels, 0, sizeof office->levels);
        office->loaded_us = now;
        if (wanted++)
            fputc (',', out);
        sla_store_array_text (out, offices [i]);
    }
    fputc ('}', out);
    fclose (out);
    int rc = 0;
    if (wanted) {
        const char *params [] = { arr };
        PGresult *res = ll_db_execp (conn, "sla_ladder", 1, params, NULL);
        if (!res)
            rc = -1;
        for (int r = 0; res && r < PQntuples (res); r++) {
            office_t *office = zhash_lookup (self->offices, PQgetvalue (res, r, 0));
            int level = atoi (PQgetvalue (res, r, 1));
            if (!office || level < 1 || level > 3)
                continue;
            sla_recipients_t *rec = &office->levels [level - 1];
            if (rec->count >= SLA_MAX_RECIPIENTS)
                continue;
            snprintf (rec->roles [rec->count], sizeof rec->roles [0], "%s",
                      s_role (level, PQgetvalue (res, r, 2)));
            snprintf (rec->ids [rec->count], sizeof rec->ids [0], "%s", PQgetvalue (res, r, 3));
            rec->count++;
        }
        PQclear (res);
    }
    free (arr);
    return rc;
}

const sla_recipients_t *
sla_ladder_get (sla_ladder_t *self, const char *office_id, int level)
{
    if (!office_id || level < 1 || level > 3)
        return NULL;
    office_t *office = zhash_lookup (self->offices, office_id);
    if (!office || office->levels [level - 1].count == 0)
        return NULL;
    return &office->levels [level - 1];
}
