/*  intake_client — the intake tests' client, cards and process helpers. */
#include "intake_client.h"
#include "ll_auth.h"
#include "ll_clock.h"
#include "ll_uuid.h"
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int tc_failures = 0;

void
tc_card_init (tc_card_t *c, const char *employee, const char *station, long seed)
{
    memset (c, 0, sizeof *c);
    leadline__v1__lead_card__init (&c->card);
    leadline__v1__business__init (&c->business);
    leadline__v1__contact__init (&c->contact);
    snprintf (c->employee, sizeof c->employee, "%s", employee);
    snprintf (c->station, sizeof c->station, "%s", station);
    //  Names are letters only: digits in a name would survive normalisation
    //  anyway, but keep them readable.
    char word [16];
    long s = seed;
    int n = 0;
    do {
        word [n++] = (char) ('a' + s % 26);
        s /= 26;
    } while (s && n < 12);
    word [n] = 0;
    snprintf (c->biz_name, sizeof c->biz_name, "Shop %s %ld", word, seed);
    snprintf (c->address, sizeof c->address, "%ld Main Street", seed);
    snprintf (c->zip, sizeof c->zip, "%05ld", 10000 + seed % 89999);
    snprintf (c->contact_name, sizeof c->contact_name, "Owner %s", word);
    snprintf (c->phone, sizeof c->phone, "(%03ld) %03ld-%04ld", 200 + (seed / 10000000) % 800,
              (seed / 10000) % 1000, seed % 10000);
    snprintf (c->email, sizeof c->email, "owner%ld@example.com", seed);
    snprintf (c->notes, sizeof c->notes, "ships parcels daily");
    c->card.employee_id = c->employee;
    c->card.station_id = c->station;
    c->card.program = LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT;
    c->card.card_completed_us = ll_clock_now_us () - 3600LL * 1000000;
    c->business.name = c->biz_name;
    c->business.address = c->address;
    c->business.zip = c->zip;
    c->card.business = &c->business;
    c->contact.name = c->contact_name;
    c->contact.phone = c->phone;
    c->contact.email = c->email;
    c->card.contact = &c->contact;
    c->products [0] = LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL;
    c->card.products = c->products;
    c->card.n_products = 1;
    c->card.notes = c->notes;
}

tc_client_t *
tc_client_new (const char *endpoint)
{
    tc_client_t *self = calloc (1, sizeof *self);
    assert (self);
    self->dealer = zsock_new (ZMQ_DEALER);
    assert (self->dealer);
    ll_socket_caps (self->dealer, 100000);
    zsock_set_linger (self->dealer, 0);
    zsock_set_reconnect_ivl (self->dealer, 50);
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    if (zsock_connect (self->dealer, "%s", endpoint)) {
        fprintf (stderr, "cannot connect to %s\n", endpoint);
        exit (1);
    }
    return self;
}

void
tc_client_destroy (tc_client_t **self_p)
{
    if (self_p && *self_p) {
        zsock_destroy (&(*self_p)->dealer);
        free (*self_p);
        *self_p = NULL;
    }
}

static ll_envelope_t *
s_recv (tc_client_t *self, int timeout_ms, const char *want_id, uint8_t **raw, size_t *raw_size)
{
    int64_t deadline = ll_mono_us () + (int64_t) timeout_ms * 1000;
    zpoller_t *poller = zpoller_new (self->dealer, NULL);
    ll_envelope_t *found = NULL;
    while (!found) {
        int64_t left = (deadline - ll_mono_us ()) / 1000;
        if (left <= 0)
            break;
        if (!zpoller_wait (poller, (int) left))
            continue;
        zmsg_t *msg = zmsg_recv (self->dealer);
        if (!msg)
            break;
        zframe_t *frame = zmsg_last (msg);
        ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame),
                                                 NULL, NULL, 0);
        zmsg_destroy (&msg);
        if (!env)
            continue;
        if (want_id && strcmp (env->message_id, want_id) != 0) {
            ll_envelope_free (&env);
            continue;
        }
        found = env;
    }
    zpoller_destroy (&poller);
    if (found && raw) {
        const ProtobufCMessage *body = (const ProtobufCMessage *) found->submit_reply;
        *raw_size = protobuf_c_message_get_packed_size (body);
        *raw = malloc (*raw_size + 1);
        protobuf_c_message_pack (body, *raw);
    }
    return found;
}

ll_envelope_t *
tc_call (tc_client_t *self, ll_envelope_t *env, int timeout_ms, uint8_t **raw, size_t *raw_size)
{
    char id [37];
    env->version = LL_PROTOCOL_VERSION;
    if (!env->message_id || !*env->message_id) {
        ll_uuid_new (id);
        env->message_id = id;
    }
    if (!env->time_us)
        env->time_us = ll_clock_now_us ();
    zframe_t *frame = ll_envelope_frame (env);
    assert (frame);
    char want [64];
    snprintf (want, sizeof want, "%s", env->message_id);
    if (env->message_id == id)
        env->message_id = NULL;
    if (zframe_send (&frame, self->dealer, 0)) {
        zframe_destroy (&frame);
        return NULL;
    }
    return s_recv (self, timeout_ms, want, raw, raw_size);
}

ll_envelope_t *
tc_recv (tc_client_t *self, int timeout_ms)
{
    return s_recv (self, timeout_ms, NULL, NULL, NULL);
}

ll_envelope_t *
tc_call_raw (tc_client_t *self, const void *data, size_t size, int timeout_ms)
{
    zframe_t *frame = zframe_new (data, size);
    zframe_send (&frame, self->dealer, 0);
    return s_recv (self, timeout_ms, NULL, NULL, NULL);
}

ll_envelope_t *
tc_submit (tc_client_t *self, tc_card_t *card, const char *key, int timeout_ms)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;
    submit.card = &card->card;
    env.idempotency_key = (char *) key;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    return tc_call (self, &env, timeout_ms, NULL, NULL);
}

ll_envelope_t *
tc_submit_retry (tc_client_t *self, tc_card_t *card, const char *key, int max_ms)
{
    int64_t deadline = ll_mono_us () + (int64_t) max_ms * 1000;
    while (ll_mono_us () < deadline) {
        ll_envelope_t *reply = tc_submit (self, card, key, 2000);
        if (reply && tc_status (reply) != LEADLINE__V1__STATUS__STATUS_UNAVAILABLE)
            return reply;
        if (reply) {
            int wait = (int) reply->submit_reply->retry_after_ms;
            ll_envelope_free (&reply);
            zclock_sleep (wait > 0 && wait < 1000 ? wait : 100);
        }
    }
    return NULL;
}

static ll_envelope_t *
s_update (tc_client_t *self, const char *key, ll_envelope_t *env)
{
    env->idempotency_key = (char *) key;
    return tc_call (self, env, TC_WAIT_MS, NULL, NULL);
}

ll_envelope_t *
tc_contact (tc_client_t *self, const char *key, const char *lead_id, const char *rep_id, int kind)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__RecordContact rc = LEADLINE__V1__RECORD_CONTACT__INIT;
    rc.lead_id = (char *) lead_id;
    rc.rep_id = (char *) rep_id;
    rc.kind = kind;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT;
    env.record_contact = &rc;
    return s_update (self, key, &env);
}

ll_envelope_t *
tc_outcome (tc_client_t *self, const char *key, const char *lead_id, const char *rep_id,
            int outcome, int64_t revenue, const char *lost_reason)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__RecordOutcome ro = LEADLINE__V1__RECORD_OUTCOME__INIT;
    Leadline__V1__Product products [] = { LEADLINE__V1__PRODUCT__PRODUCT_GROUND };
    ro.lead_id = (char *) lead_id;
    ro.rep_id = (char *) rep_id;
    ro.outcome = outcome;
    ro.annual_revenue_cents = revenue;
    ro.lost_reason = (char *) (lost_reason ? lost_reason : "");
    ro.products = products;
    ro.n_products = 1;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME;
    env.record_outcome = &ro;
    return s_update (self, key, &env);
}

ll_envelope_t *
tc_reassign (tc_client_t *self, const char *key, const char *lead_id, const char *new_rep,
             const char *manager, const char *reason)
{
    ll_envelope_t env = LEADLINE__V1__ENVELOPE__INIT;
    Leadline__V1__Reassign ra = LEADLINE__V1__REASSIGN__INIT;
    ra.lead_id = (char *) lead_id;
    ra.new_rep_id = (char *) new_rep;
    ra.manager_id = (char *) manager;
    ra.reason = (char *) reason;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REASSIGN;
    env.reassign = &ra;
    return s_update (self, key, &env);
}

int
tc_status (const ll_envelope_t *reply)
{
    if (!reply)
        return -1;
    switch (reply->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY: return (int) reply->submit_reply->status;
        case LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY: return (int) reply->update_reply->status;
        case LEADLINE__V1__ENVELOPE__BODY_ERROR: return (int) reply->error->status;
        default: return -1;
    }
}

const Leadline__V1__FieldError *
tc_field_error (const ll_envelope_t *reply, const char *field)
{
    if (!reply)
        return NULL;
    Leadline__V1__FieldError **errors = NULL;
    size_t n = 0;
    if (reply->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY) {
        errors = reply->submit_reply->errors;
        n = reply->submit_reply->n_errors;
    }
    else
    if (reply->body_case == LEADLINE__V1__ENVELOPE__BODY_UPDATE_REPLY) {
        errors = reply->update_reply->errors;
        n = reply->update_reply->n_errors;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp (errors [i]->field, field) == 0)
            return errors [i];
    return NULL;
}

// ---------------------------------------------------------------------------

int
tc_sh (const char *fmt, ...)
{
    char cmd [4096];
    va_list args;
    va_start (args, fmt);
    vsnprintf (cmd, sizeof cmd, fmt, args);
    va_end (args);
    int rc = system (cmd);
    return WIFEXITED (rc) ? WEXITSTATUS (rc) : -1;
}

static void
s_need (char *out, size_t cap, const char *var)
{
    const char *v = getenv (var);
    if (!v || !*v) {
        fprintf (stderr, "intake tests need %s (set by ctest)\n", var);
        exit (1);
    }
    snprintf (out, cap, "%s", v);
}

void
tc_env_init (tc_env_t *env, const char *name)
{
    memset (env, 0, sizeof *env);
    ll_clock_init ();
    zsys_init ();
    zsys_handler_set (NULL);
    signal (SIGPIPE, SIG_IGN);
    s_need (env->intake_bin, sizeof env->intake_bin, "INTAKE_BIN");
    s_need (env->leadline_bin, sizeof env->leadline_bin, "LEADLINE_BIN");
    s_need (env->fixture, sizeof env->fixture, "INTAKE_FIXTURE");
    if (!getenv ("LEADLINE_DB")) {
        fprintf (stderr, "run under tests/lib/with-pg\n");
        exit (1);
    }
    const char *pgdir = getenv ("LEADLINE_PGDIR");
    snprintf (env->dir, sizeof env->dir, "%s/%s", pgdir ? pgdir : "/tmp", name);
    mkdir (env->dir, 0755);
    snprintf (env->endpoint, sizeof env->endpoint, "ipc://%s/intake", env->dir);
    char buf [400];
    setenv ("LEADLINE_INTAKE_ENDPOINT", env->endpoint, 1);
    snprintf (buf, sizeof buf, "ipc://%s/pub", env->dir);
    setenv ("LEADLINE_INTAKE_PUB", buf, 1);
    snprintf (buf, sizeof buf, "ipc://%s/replay", env->dir);
    setenv ("LEADLINE_INTAKE_REPLAY", buf, 1);
    setenv ("LEADLINE_INTAKE_HTTP", "127.0.0.1:0", 1);
    setenv ("LEADLINE_INTAKE_RETRY_MS", "200", 0);
    if (tc_sh ("'%s' migrate 2>>'%s/migrate.log'", env->intake_bin, env->dir)
    ||  tc_sh ("'%s' admin import '%s' >/dev/null", env->leadline_bin, env->fixture)) {
        fprintf (stderr, "cannot migrate or load the fixture (see %s)\n", env->dir);
        exit (1);
    }
}

static int
s_count_ready (const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return 0;
    char line [4096];
    int n = 0;
    while (fgets (line, sizeof line, file))
        if (strstr (line, "\"event\":\"intake.ready\""))
            n++;
    fclose (file);
    return n;
}

//  Starts leadline-intake logging to `log`; a `tag` gives it its own
//  endpoints (a second instance on the same store). Waits until ready.
static pid_t
s_start (tc_env_t *env, const char *tag)
{
    char log [400];
    snprintf (log, sizeof log, "%s/intake%s%s.log", env->dir, tag ? "-" : "", tag ? tag : "");
    int before = s_count_ready (log);
    pid_t pid = fork ();
    assert (pid >= 0);
    if (pid == 0) {
        int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 2);
            close (fd);
        }
        if (tag) {
            static const char *const names [][2] = {
                { "LEADLINE_INTAKE_ENDPOINT", "intake" },
                { "LEADLINE_INTAKE_PUB", "pub" },
                { "LEADLINE_INTAKE_REPLAY", "replay" },
            };
            for (size_t i = 0; i < 3; i++) {
                char value [400];
                snprintf (value, sizeof value, "ipc://%s/%s-%s", env->dir, names [i][1], tag);
                setenv (names [i][0], value, 1);
            }
        }
        execl (env->intake_bin, env->intake_bin, "run", (char *) NULL);
        _exit (127);
    }
    for (int i = 0; i < 3000; i++) {          // up to 60 s on a loaded machine
        if (s_count_ready (log) > before)
            return pid;
        int status;
        if (waitpid (pid, &status, WNOHANG) == pid) {
            fprintf (stderr, "leadline-intake exited while starting; see %s\n", log);
            tc_sh ("tail -n 20 '%s' >&2", log);
            exit (1);
        }
        usleep (20000);
    }
    fprintf (stderr, "leadline-intake did not become ready; see %s\n", log);
    tc_sh ("tail -n 5 '%s' >&2", log);
    kill (pid, SIGKILL);
    exit (1);
}

void
tc_env_start (tc_env_t *env)
{
    env->pid = s_start (env, NULL);
    env->starts++;
}

pid_t
tc_env_start_other (tc_env_t *env, const char *tag, char *endpoint, size_t cap)
{
    snprintf (endpoint, cap, "ipc://%s/intake-%s", env->dir, tag);
    return s_start (env, tag);
}

void
tc_env_stop (tc_env_t *env, bool kill9)
{
    if (!env->pid)
        return;
    kill (env->pid, kill9 ? SIGKILL : SIGTERM);
    int status = 0;
    waitpid (env->pid, &status, 0);
    if (!kill9)
        CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0,
               "intake should stop cleanly on SIGTERM (status %d)", status);
    env->pid = 0;
}

void
tc_env_done (tc_env_t *env)
{
    tc_env_stop (env, false);
    char log [400];
    snprintf (log, sizeof log, "%s/intake.log", env->dir);
    //  Sanitizer reports go to stderr, which is the log.
    if (tc_sh ("grep -q 'ERROR: AddressSanitizer\\|runtime error:\\|LeakSanitizer' '%s'", log) == 0) {
        tc_failures++;
        fprintf (stderr, "FAIL: sanitizer report in %s:\n", log);
        tc_sh ("grep -A 30 'ERROR: AddressSanitizer\\|runtime error:\\|LeakSanitizer' '%s' >&2", log);
    }
}

PGconn *
tc_db (void)
{
    PGconn *conn = PQconnectdb (getenv ("LEADLINE_DB"));
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "cannot connect to the test database: %s", PQerrorMessage (conn));
        exit (1);
    }
    return conn;
}

long
tc_db_long (PGconn *conn, const char *sql, const char *param)
{
    const char *params [] = { param };
    PGresult *res = PQexecParams (conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    long v = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) > 0)
        v = atol (PQgetvalue (res, 0, 0));
    else
        fprintf (stderr, "query failed: %s: %s", sql, PQerrorMessage (conn));
    PQclear (res);
    return v;
}

void
tc_key_generate (tc_env_t *env, const char *name, const char *kind, const char *subject,
                 char pub [41])
{
    char cmd [1200];
    snprintf (cmd, sizeof cmd, "'%s' admin keys generate --kind %s --subject %s --out '%s/%s' "
              "2>/dev/null | head -n 1 | cut -d' ' -f1", env->leadline_bin, kind, subject,
              env->dir, name);
    FILE *p = popen (cmd, "r");
    pub [0] = 0;
    if (p) {
        if (fgets (pub, 41, p)) {}
        pclose (p);
    }
    if (strlen (pub) != 40) {
        fprintf (stderr, "cannot generate key %s\n", name);
        exit (1);
    }
}

tc_client_t *
tc_client_keyed (tc_env_t *env, const char *name, const char *server_pub)
{
    tc_client_t *self = calloc (1, sizeof *self);
    self->dealer = zsock_new (ZMQ_DEALER);
    ll_socket_caps (self->dealer, 1000);
    zsock_set_linger (self->dealer, 0);
    zsock_set_reconnect_ivl (self->dealer, 50);
    if (name) {
        //  ll_auth_client reads its keys from the environment, as clients do.
        char file [400], err [512];
        snprintf (file, sizeof file, "%s/%s_secret", env->dir, name);
        setenv ("LEADLINE_AUTH_SERVER_KEY", server_pub, 1);
        setenv ("LEADLINE_AUTH_CLIENT_KEY_FILE", file, 1);
        if (ll_auth_client (self->dealer, err, sizeof err)) {
            fprintf (stderr, "client key: %s\n", err);
            exit (1);
        }
        unsetenv ("LEADLINE_AUTH_SERVER_KEY");
        unsetenv ("LEADLINE_AUTH_CLIENT_KEY_FILE");
    }
    snprintf (self->endpoint, sizeof self->endpoint, "%.200s", env->endpoint);
    zsock_connect (self->dealer, "%s", env->endpoint);
    return self;
}
