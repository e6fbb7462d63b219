/*  sla_engine — the timer engine. See sla_engine.h.

    One round, two round trips, neither of which holds up the loop:
      1  BEGIN; read up to `batch` clocks with next_us <= now, earliest
         first, FOR UPDATE SKIP LOCKED                  (pipelined, async)
      -  for each, fire every step due by the round's horizon (in memory)
      2  move their stages and write their events in one statement (each
         clock only from the stage read: sla_fire); NOTIFY the relay;
         COMMIT                                          (pipelined, async)
    While PostgreSQL works on a round, the loop runs the relay (numbering
    and publishing the previous round's events on its own connection) and
    the subscriber, so the three use both the store's and the machine's
    cores instead of taking turns.
    The horizon keeps catch-up in deadline order across rounds: when the
    batch is full, rows outside it are due no earlier than the batch's last
    next_us, so the round fires nothing later than that, and the events of
    a round are written sorted by the time each fell due.

    SKIP LOCKED and the stage check make a round safe even if two engines
    ever ran at once; the leader lock makes that not happen, which is also
    what keeps the global deadline order. */
#include "sla_engine.h"
#include "ll_clock.h"
#include "ll_config.h"
#include "ll_db.h"
#include "ll_db_gauge.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_outbox.h"
#include "sla_events.h"
#include "sla_ladder.h"
#include "sla_rules.h"
#include "sla_store.h"
#include <stdlib.h>
#include <string.h>

#define ROUND_BUDGET_US 200000     // yield to the loop after this long firing
#define MAX_SLEEP_MS 1000          // look at the index at least this often
#define PENDING_EVERY_US 15000000  // refresh the open-clocks gauge

struct sla_engine {
    char *conninfo;
    PGconn *conn;                  // fires, and holds the leader lock
    ll_db_gauge_t *open_clocks;    // counts them without holding up the loop
    sla_config_t *config;          // borrowed
    sla_events_t *events;
    sla_ladder_t *ladder;
    int batch;
    sla_clock_t *clocks;
    int64_t *next_us;
    int *old_stages;
    const char **offices;
    zloop_t *loop;
    zmq_pollitem_t pg_item;        // the firing connection's socket, during a round
    bool pg_polled;
    int round;                     // ROUND_IDLE, ROUND_DUE, ROUND_FIRE
    bool round_failed;
    int round_n;                   // clocks read by the round
    int64_t round_now_us;          // the clock's time the round fires as of
    int64_t round_started_us;      // monotonic: when this burst of rounds began
    int timer_id;
    int timer_ms;
    bool leading;
    sla_gate_fn *gate;
    void *gate_arg;
    int64_t gate_wait_us;
    int64_t gate_closed_us;        // monotonic, 0 while open
    bool gate_forced;
    sla_leader_fn *on_leader;
    void *leader_arg;
    int retry_ms;
    int64_t reload_us;
    int64_t loaded_us;             // monotonic time of the last config load
    int64_t pending_us;
    ll_metric_t *m_leader;
    ll_metric_t *m_open;
    ll_metric_t *m_batch;
    ll_metric_t *m_rounds;
    ll_metric_t *m_errors;
};

enum { ROUND_IDLE = 0, ROUND_DUE, ROUND_FIRE };

static void s_arm (sla_engine_t *self, int ms);
static void s_round_start (sla_engine_t *self);

sla_engine_t *
sla_engine_new (const char *conninfo, sla_config_t *config, int batch)
{
    sla_engine_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    self->config = config;
    self->batch = batch > 0 ? batch : 1000;
    self->events = sla_events_new ();
    self->ladder = sla_ladder_new ((int) ll_config_int ("LEADLINE_SLA_LADDER_TTL_S", 60));
    self->clocks = calloc ((size_t) self->batch, sizeof *self->clocks);
    self->next_us = calloc ((size_t) self->batch, sizeof *self->next_us);
    self->old_stages = calloc ((size_t) self->batch, sizeof *self->old_stages);
    self->offices = calloc ((size_t) self->batch, sizeof *self->offices);
    if (!self->conninfo || !self->events || !self->ladder || !self->clocks
    ||  !self->next_us || !self->old_stages || !self->offices) {
        sla_engine_destroy (&self);
        return NULL;
    }
    self->timer_id = -1;
    self->retry_ms = (int) ll_config_int ("LEADLINE_SLA_LEADER_RETRY_MS", 1000);
    if (self->retry_ms < 10)
        self->retry_ms = 10;
    self->reload_us = (int64_t) ll_config_int ("LEADLINE_SLA_RELOAD_S", 60) * 1000000;
    self->pending_us = INT64_MIN;
    self->m_leader = ll_metric_gauge ("leadline_sla_leader", NULL,
        "1 while this instance holds the leader lock and fires clocks");
    self->m_open = ll_metric_gauge ("leadline_sla_open_clocks", NULL,
        "Clocks with a warning, breach or escalation still to come");
    //  Counting a million open clocks takes a noticeable fraction of a second.
    self->open_clocks = ll_db_gauge_new (conninfo,
        "SELECT count(*) FROM sla.clock WHERE next_us IS NOT NULL", self->m_open);
    if (!self->open_clocks) {
        sla_engine_destroy (&self);
        return NULL;
    }
    self->m_batch = ll_metric_histogram ("leadline_sla_round_clocks", NULL,
        "Clocks moved per firing transaction");
    self->m_rounds = ll_metric_counter ("leadline_sla_rounds_total", NULL,
        "Firing transactions committed");
    self->m_errors = ll_metric_counter ("leadline_sla_round_errors_total", NULL,
        "Firing transactions rolled back (retried)");
    return self;
}

void
sla_engine_destroy (sla_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sla_engine_t *self = *self_p;
    if (self->loop && self->timer_id >= 0)
        zloop_timer_end (self->loop, self->timer_id);
    if (self->loop && self->pg_polled)
        zloop_poller_end (self->loop, &self->pg_item);
    ll_db_gauge_destroy (&self->open_clocks);
    if (self->conn)
        PQfinish (self->conn);
    sla_events_destroy (&self->events);
    sla_ladder_destroy (&self->ladder);
    free (self->clocks);
    free (self->next_us);
    free (self->old_stages);
    free (self->offices);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

void
sla_engine_set_gate (sla_engine_t *self, sla_gate_fn *gate, void *arg, int wait_ms)
{
    self->gate = gate;
    self->gate_arg = arg;
    self->gate_wait_us = (int64_t) (wait_ms > 0 ? wait_ms : 0) * 1000;
}

void
sla_engine_on_leader (sla_engine_t *self, sla_leader_fn *fn, void *arg)
{
    self->on_leader = fn;
    self->leader_arg = arg;
}

bool
sla_engine_leading (sla_engine_t *self)
{
    return self->leading;
}

bool
sla_engine_connected (sla_engine_t *self)
{
    return self->conn && PQstatus (self->conn) == CONNECTION_OK;
}

static void
s_set_leading (sla_engine_t *self, bool leading)
{
    if (self->leading == leading)
        return;
    self->leading = leading;
    ll_metric_set (self->m_leader, leading);
    if (leading)
        ll_info ("sla.leader", "this instance leads: it fires clocks and consumes intake's events");
    else
        ll_warn ("sla.leader", "leadership lost with the store session");
    if (self->on_leader)
        self->on_leader (leading, self->leader_arg);
}

static void
s_disconnect (sla_engine_t *self)
{
    if (self->pg_polled && self->loop)
        zloop_poller_end (self->loop, &self->pg_item);
    self->pg_polled = false;
    self->round = ROUND_IDLE;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    s_set_leading (self, false);
}

static int
s_connect (sla_engine_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    s_disconnect (self);
    self->conn = ll_db_connect (self->conninfo, 0);
    if (!self->conn)
        return -1;
    if (sla_store_prepare (self->conn) || ll_outbox_prepare (self->conn, "sla")
    ||  sla_ladder_prepare (self->ladder, self->conn)) {
        PQfinish (self->conn);
        self->conn = NULL;
        return -1;
    }
    self->loaded_us = INT64_MIN;
    return 0;
}

static void
s_reload (sla_engine_t *self)
{
    int64_t now = ll_mono_us ();
    if (self->loaded_us != INT64_MIN && now - self->loaded_us < self->reload_us)
        return;
    self->loaded_us = now;
    if (sla_store_load_config (self->conn, self->config))
        ll_warn ("sla.config", "could not read sla.policy / sla.district_calendar; "
                 "using the defaults from the environment until the next try");
}

static int
s_level_of (int stage)
{
    return stage == SLA_STAGE_BREACHED ? 1 : stage == SLA_STAGE_LEVEL2 ? 2
         : stage == SLA_STAGE_LEVEL3 ? 3 : 0;
}

//  Ends a round that went wrong: leaves pipeline mode, rolls back, and
//  drops the connection if it is gone (and with it the leadership).
static void
s_round_fail (sla_engine_t *self)
{
    ll_metric_add (self->m_errors, 1);
    sla_events_reset (self->events);
    if (self->pg_polled && self->loop)
        zloop_poller_end (self->loop, &self->pg_item);
    self->pg_polled = false;
    self->round = ROUND_IDLE;
    if (PQstatus (self->conn) == CONNECTION_OK) {
        //  Drain whatever the pipeline still holds, then leave it.
        PGresult *res;
        while (PQpipelineStatus (self->conn) != PQ_PIPELINE_OFF
           &&  !PQexitPipelineMode (self->conn)) {
            if (!PQconsumeInput (self->conn))
                break;
            while ((res = PQgetResult (self->conn)))
                PQclear (res);
            if (PQstatus (self->conn) != CONNECTION_OK)
                break;
        }
        ll_db_rollback (self->conn);
    }
    if (PQstatus (self->conn) != CONNECTION_OK) {
        ll_warn ("sla.store", "lost the store while firing; nothing of the round was kept");
        s_disconnect (self);
        s_arm (self, self->retry_ms);
    }
    else
        s_arm (self, 100);
}

//  After a round: more may be due at once, or sleep until the earliest.
static void
s_round_done (sla_engine_t *self, int n)
{
    self->round = ROUND_IDLE;
    if (self->pg_polled && self->loop)
        zloop_poller_end (self->loop, &self->pg_item);
    self->pg_polled = false;
    if (n == self->batch) {
        if (ll_mono_us () - self->round_started_us < ROUND_BUDGET_US)
            s_round_start (self);
        else
            s_arm (self, 0);            // more is due: let the loop breathe first
        return;
    }
    int64_t next = 0;
    int found = sla_store_next_due (self->conn, &next);
    if (found < 0) {
        if (PQstatus (self->conn) != CONNECTION_OK)
            s_disconnect (self);
        s_arm (self, self->retry_ms);
        return;
    }
    int ms = MAX_SLEEP_MS;
    if (found) {
        int64_t wait = ll_clock_real_ms (next - ll_clock_now_us ());
        ms = wait < 1 ? 1 : wait > MAX_SLEEP_MS ? MAX_SLEEP_MS : (int) wait;
    }
    s_arm (self, ms);
}

//  Everything of a pipeline phase up to its sync has arrived: leave
//  pipeline mode so that ordinary statements can run again.
static int
s_pipeline_exit (sla_engine_t *self)
{
    return PQexitPipelineMode (self->conn) ? 0 : -1;
}

//  The clocks are read and locked: fire their steps, send the writes.
static void
s_round_fire (sla_engine_t *self)
{
    int n = self->round_n;
    if (n == 0) {
        ll_db_rollback (self->conn);
        s_round_done (self, 0);
        return;
    }
    //  A full batch: rows outside it are due no earlier than its last.
    int64_t horizon = n == self->batch ? self->next_us [n - 1] : self->round_now_us;
    size_t n_offices = 0;
    for (int i = 0; i < n; i++)
        if (sla_rules_next_stage (&self->clocks [i]) >= SLA_STAGE_BREACHED
        ||  sla_rules_stage_at (&self->clocks [i], SLA_STAGE_BREACHED) <= horizon)
            self->offices [n_offices++] = self->clocks [i].office_id;
    if (sla_ladder_load (self->ladder, self->conn, self->offices, n_offices)) {
        s_round_fail (self);
        return;
    }
    sla_events_reset (self->events);
    for (int i = 0; i < n; i++) {
        sla_clock_t *c = &self->clocks [i];
        self->old_stages [i] = c->stage;
        int stage;
        while ((stage = sla_rules_next_stage (c)) && sla_rules_stage_at (c, stage) <= horizon) {
            const sla_recipients_t *rec = sla_ladder_get (self->ladder, c->office_id,
                                                          s_level_of (stage));
            if (sla_events_stage (self->events, c, stage, rec)) {
                s_round_fail (self);
                return;
            }
            c->stage = stage;
        }
    }
    //  A round with no step to fire (a clock whose next_us was edited by
    //  hand) still writes the clocks: their next_us is put right.
    char *arrays [3] = { NULL, NULL, NULL };
    if ((sla_events_count (self->events) && !sla_events_seal (self->events, self->round_now_us))
    ||  sla_events_arrays (self->events, arrays)) {
        ll_error ("sla.fire", "could not pack a round's events; retrying");
        s_round_fail (self);
        return;
    }
    int rc = -1;
    if (PQenterPipelineMode (self->conn)
    &&  sla_store_send_fire (self->conn, self->clocks, self->old_stages, (size_t) n,
                             (const char **) arrays) == 0
    &&  PQsendQueryParams (self->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)
    &&  PQpipelineSync (self->conn))
        rc = 0;
    for (int k = 0; k < 3; k++)
        free (arrays [k]);
    if (rc) {
        s_round_fail (self);
        return;
    }
    self->round = ROUND_FIRE;
    self->round_failed = false;
}

//  Results of the round's current phase, as PostgreSQL sends them.
static int
s_on_pg (zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    sla_engine_t *self = arg;
    if (self->round == ROUND_IDLE)
        return 0;
    if (!PQconsumeInput (self->conn)) {
        s_round_fail (self);
        return 0;
    }
    while (!PQisBusy (self->conn)) {
        PGresult *res = PQgetResult (self->conn);
        if (!res)
            continue;               // the end of one statement's results
        ExecStatusType status = PQresultStatus (res);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear (res);
            break;
        }
        if (status == PGRES_TUPLES_OK && self->round == ROUND_DUE && PQnfields (res) == 14)
            self->round_n = sla_store_due_rows (res, self->batch, self->clocks, self->next_us);
        else
        if (status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED) {
            if (status == PGRES_FATAL_ERROR)
                ll_warn ("sla.fire", "a round failed and is rolled back: %s",
                         PQresultErrorMessage (res));
            self->round_failed = true;
        }
        PQclear (res);
    }
    if (PQisBusy (self->conn))
        return 0;                   // the phase's sync has not arrived yet
    if (self->round_failed || s_pipeline_exit (self)) {
        s_round_fail (self);
        return 0;
    }
    if (self->round == ROUND_DUE)
        s_round_fire (self);
    else {
        //  Committed: the steps and their events are durable together.
        int n = self->round_n;
        sla_events_record (self->events, self->round_now_us);
        sla_events_reset (self->events);
        ll_metric_observe (self->m_batch, n);
        ll_metric_add (self->m_rounds, 1);
        s_round_done (self, n);
    }
    return 0;
}

//  Starts a round: BEGIN and the due query, in one pipeline.
static void
s_round_start (sla_engine_t *self)
{
    self->round_now_us = ll_clock_now_us ();
    self->round_n = 0;
    self->round_failed = false;
    if (!PQenterPipelineMode (self->conn)
    ||  !PQsendQueryParams (self->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)
    ||  sla_store_send_due (self->conn, self->round_now_us, self->batch)
    ||  !PQpipelineSync (self->conn)) {
        s_round_fail (self);
        return;
    }
    self->round = ROUND_DUE;
    if (!self->pg_polled) {
        self->pg_item = (zmq_pollitem_t) { NULL, PQsocket (self->conn), ZMQ_POLLIN, 0 };
        if (zloop_poller (self->loop, &self->pg_item, s_on_pg, self)) {
            s_round_fail (self);
            return;
        }
        zloop_poller_set_tolerant (self->loop, &self->pg_item);
        self->pg_polled = true;
    }
}

//  Is firing allowed now? Closed while the gate says intake is being caught
//  up, but never for longer than gate_wait at a stretch.
static bool
s_gate_open (sla_engine_t *self)
{
    if (!self->gate || self->gate (self->gate_arg)) {
        if (self->gate_closed_us)
            ll_info ("sla.gate", "intake's events are caught up: firing");
        self->gate_closed_us = 0;
        self->gate_forced = false;
        return true;
    }
    int64_t now = ll_mono_us ();
    if (!self->gate_closed_us) {
        self->gate_closed_us = now;
        ll_info ("sla.gate", "waiting for intake's events to catch up before firing "
                 "(at most %lld ms)", (long long) (self->gate_wait_us / 1000));
    }
    if (now - self->gate_closed_us < self->gate_wait_us)
        return false;
    if (!self->gate_forced)
        ll_warn ("sla.gate", "intake's events are not caught up after %lld ms (is intake "
                 "running?); firing anyway: a contact made meanwhile will resolve what fires",
                 (long long) (self->gate_wait_us / 1000));
    self->gate_forced = true;
    return true;
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    sla_engine_t *self = arg;
    self->timer_id = -1;
    if (self->round != ROUND_IDLE)
        return 0;                   // the round re-arms the timer when it ends
    if (s_connect (self)) {
        s_arm (self, self->retry_ms);
        return 0;
    }
    if (!self->leading) {
        int held = sla_store_try_lead (self->conn);
        if (held < 0) {
            s_disconnect (self);
            s_arm (self, self->retry_ms);
            return 0;
        }
        if (!held) {
            s_arm (self, self->retry_ms);
            return 0;
        }
        s_set_leading (self, true);
        if (!self->leading) {           // the callback gave it up
            s_arm (self, self->retry_ms);
            return 0;
        }
    }
    s_reload (self);
    int64_t mono = ll_mono_us ();
    if (self->pending_us == INT64_MIN || mono - self->pending_us > PENDING_EVERY_US) {
        self->pending_us = mono;
        ll_db_gauge_refresh (self->open_clocks, self->loop);
    }
    if (!s_gate_open (self)) {
        s_arm (self, 50);
        return 0;
    }
    self->round_started_us = ll_mono_us ();
    s_round_start (self);
    return 0;
}

static void
s_arm (sla_engine_t *self, int ms)
{
    if (!self->loop)
        return;
    if (self->timer_id >= 0)
        zloop_timer_end (self->loop, self->timer_id);
    self->timer_ms = ms;
    //  zloop treats 0 as "no delay": the timer runs on the next pass.
    self->timer_id = zloop_timer (self->loop, (size_t) (ms > 0 ? ms : 0), 1, s_on_timer, self);
}

void
sla_engine_poke (void *arg)
{
    sla_engine_t *self = arg;
    if (self->loop && self->leading && self->round == ROUND_IDLE && self->timer_ms > 1)
        s_arm (self, 1);
}

int
sla_engine_attach (sla_engine_t *self, zloop_t *loop)
{
    self->loop = loop;
    s_arm (self, 1);
    return 0;
}
