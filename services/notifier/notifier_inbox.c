/*  notifier_inbox — the durable inbox (see notifier_inbox.h). The insert
    and the channel planning happen in SQL functions of the notifier's
    schema (deploy/migrations/notifier/), one round trip per event: the ids
    are computed here, the rows that are new come back, and a conflict on
    the id means "already made" rather than an error. */
#include "notifier_inbox.h"
#include "ll_clock.h"
#include "ll_db.h"
#include "ll_log.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---- items

notifier_item_t *
notifier_item_new (void)
{
    return calloc (1, sizeof (notifier_item_t));
}

void
notifier_item_destroy (notifier_item_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notifier_item_t *self = *self_p;
    free (self->lead_id);
    free (self->title);
    free (self->body);
    free (self);
    *self_p = NULL;
}

void
notifier_item_free (void **item_p)
{
    notifier_item_destroy ((notifier_item_t **) item_p);
}

zframe_t *
notifier_item_frame (const notifier_item_t *self)
{
    ll_envelope_t env;
    char id [37];
    ll_envelope_init (&env, id);
    env.message_id = (char *) self->id;
    Leadline__V1__Notification note = LEADLINE__V1__NOTIFICATION__INIT;
    note.id = (char *) self->id;
    note.recipient_id = (char *) self->recipient;
    note.kind = (Leadline__V1__NotificationKind) self->kind;
    note.lead_id = self->lead_id ? self->lead_id : "";
    note.title = self->title ? self->title : "";
    note.body = self->body ? self->body : "";
    note.created_us = self->created_us;
    note.urgent = self->urgent;
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_NOTIFICATION;
    env.notification = &note;
    return ll_envelope_frame (&env);
}

const char *
notifier_kind_name (int kind)
{
    static const char *names [] = { "unspecified", "assigned", "reassigned", "warning",
        "breach", "escalation", "entered", "contacted", "outcome", "report", "digest" };
    return kind >= 0 && kind <= NK_DIGEST ? names [kind] : "unknown";
}

bool
notifier_inbox_valid_id (const char *text)
{
    if (!text || strlen (text) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text [i] != '-')
                return false;
        }
        else
        if (!isxdigit ((unsigned char) text [i]))
            return false;
    }
    return true;
}

//  ---- PostgreSQL array literals for unnest(): {"a","b"} with " and \ escaped

static void
s_array_open (FILE *out)
{
    fputc ('{', out);
}

static void
s_array_text (FILE *out, bool first, const char *value)
{
    if (!first)
        fputc (',', out);
    fputc ('"', out);
    while (*value) {
        size_t run = strcspn (value, "\"\\");
        fwrite (value, 1, run, out);
        value += run;
        if (*value) {
            fputc ('\\', out);
            fputc (*value++, out);
        }
    }
    fputc ('"', out);
}

static void
s_array_close (FILE *out)
{
    fputc ('}', out);
}

static notifier_item_t *
s_item_from_row (PGresult *res, int r, int c_id, int c_seq, int c_recipient, int c_kind,
                 int c_lead, int c_title, int c_body, int c_urgent, int c_created)
{
    notifier_item_t *item = notifier_item_new ();
    if (!item)
        return NULL;
    snprintf (item->id, sizeof item->id, "%s", PQgetvalue (res, r, c_id));
    item->seq = strtoll (PQgetvalue (res, r, c_seq), NULL, 10);
    snprintf (item->recipient, sizeof item->recipient, "%s", PQgetvalue (res, r, c_recipient));
    item->kind = atoi (PQgetvalue (res, r, c_kind));
    item->lead_id = strdup (PQgetvalue (res, r, c_lead));
    item->title = strdup (PQgetvalue (res, r, c_title));
    item->body = strdup (PQgetvalue (res, r, c_body));
    item->urgent = PQgetvalue (res, r, c_urgent) [0] == 't';
    item->created_us = strtoll (PQgetvalue (res, r, c_created), NULL, 10);
    if (!item->lead_id || !item->title || !item->body)
        notifier_item_destroy (&item);
    return item;
}

int
notifier_inbox_prepare_apply (PGconn *conn)
{
    //  Stores, serialises and announces in one statement
    //  (004_store_and_announce.sql; see notifier_inbox.h).
    return ll_db_prepare (conn, "inbox_add",
        "SELECT o_id, o_seq, o_recipient, o_kind, o_title, o_body, o_urgent, o_lead, o_created"
        " FROM notifier.add_notifications_announced ($1, $2::uuid[], $3::text[], $4::int[],"
        " $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[],"
        " $11::bigint[], $12::bigint)");
}

//  One buffered notification: the note and the event it came from.
typedef struct {
    char id [NOTIFIER_ID_LEN];
    char *recipient, *title, *body, *event_id, *stream, *lead_id;
    int kind;
    bool urgent;
    int64_t created_us;
    uint64_t event_seq;
} row_t;

struct notifier_batch {
    zlistx_t *rows;
};

static void
s_row_free (void **item_p)
{
    if (!item_p || !*item_p)
        return;
    row_t *row = *item_p;
    free (row->recipient);
    free (row->title);
    free (row->body);
    free (row->event_id);
    free (row->stream);
    free (row->lead_id);
    free (row);
    *item_p = NULL;
}

notifier_batch_t *
notifier_batch_new (void)
{
    notifier_batch_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->rows = zlistx_new ();
    if (!self->rows) {
        free (self);
        return NULL;
    }
    zlistx_set_destructor (self->rows, s_row_free);
    return self;
}

void
notifier_batch_destroy (notifier_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zlistx_destroy (&(*self_p)->rows);
    free (*self_p);
    *self_p = NULL;
}

size_t
notifier_batch_size (notifier_batch_t *self)
{
    return zlistx_size (self->rows);
}

void
notifier_batch_clear (notifier_batch_t *self)
{
    zlistx_purge (self->rows);
}

int
notifier_batch_add (notifier_batch_t *self, const ll_envelope_t *event,
                    const notifier_route_t *route, int64_t now_us)
{
    //  The notification is as old as the event that made it: a replay
    //  after a restart keeps the original time.
    int64_t created = event->time_us > 0 ? event->time_us : now_us;
    for (size_t i = 0; i < route->count; i++) {
        const notifier_note_t *note = &route->notes [i];
        row_t *row = calloc (1, sizeof *row);
        if (!row)
            return -1;
        memcpy (row->id, note->id, sizeof row->id);
        row->recipient = strdup (note->recipient);
        row->title = strdup (note->title);
        row->body = strdup (note->body);
        row->event_id = strdup (route->event_id);
        row->stream = strdup (event->stream ? event->stream : "");
        row->lead_id = strdup (route->lead_id);
        row->kind = note->kind;
        row->urgent = note->urgent;
        row->created_us = created;
        row->event_seq = event->sequence;
        if (!row->recipient || !row->title || !row->body || !row->event_id || !row->stream
        ||  !row->lead_id) {
            s_row_free ((void **) &row);
            return -1;
        }
        zlistx_add_end (self->rows, row);
    }
    return 0;
}

int
notifier_batch_store (notifier_batch_t *self, PGconn *conn, const char *instance,
                      int64_t now_us, zlistx_t *created)
{
    size_t count = zlistx_size (self->rows);
    if (count == 0)
        return 0;
    //  Ten arrays, one element per row.
    char *text [10] = { 0 };
    size_t size [10];
    FILE *out [10];
    int rc = -1;
    zhashx_t *origin = zhashx_new ();       // id -> row, to find each new row's event
    for (int a = 0; a < 10; a++) {
        out [a] = open_memstream (&text [a], &size [a]);
        if (!out [a]) {
            for (int b = 0; b < a; b++)
                fclose (out [b]);
            goto done;
        }
        s_array_open (out [a]);
    }
    bool first = true;
    for (row_t *row = zlistx_first (self->rows); row; row = zlistx_next (self->rows)) {
        char kind [16], created_s [24];
        snprintf (kind, sizeof kind, "%d", row->kind);
        snprintf (created_s, sizeof created_s, "%lld", (long long) row->created_us);
        s_array_text (out [0], first, row->id);
        s_array_text (out [1], first, row->recipient);
        s_array_text (out [2], first, kind);
        s_array_text (out [3], first, row->title);
        s_array_text (out [4], first, row->body);
        s_array_text (out [5], first, row->urgent ? "t" : "f");
        s_array_text (out [6], first, row->event_id);
        s_array_text (out [7], first, row->stream);
        s_array_text (out [8], first, row->lead_id);
        s_array_text (out [9], first, created_s);
        if (origin)
            zhashx_insert (origin, row->id, row);
        first = false;
    }
    for (int a = 0; a < 10; a++) {
        s_array_close (out [a]);
        fclose (out [a]);
    }
    if (!origin)
        goto done;
    char now_s [24];
    snprintf (now_s, sizeof now_s, "%lld", (long long) now_us);
    const char *params [12] = { instance, text [0], text [1], text [2], text [3], text [4],
                                text [5], text [6], text [7], text [8], text [9], now_s };
    PGresult *res = ll_db_execp (conn, "inbox_add", 12, params, NULL);
    if (!res)
        goto done;
    for (int r = 0; r < PQntuples (res); r++) {
        notifier_item_t *item = s_item_from_row (res, r, 0, 1, 2, 3, 7, 4, 5, 6, 8);
        if (!item)
            continue;
        row_t *row = zhashx_lookup (origin, item->id);
        if (row) {
            snprintf (item->stream, sizeof item->stream, "%s", row->stream);
            item->event_seq = row->event_seq;
        }
        zlistx_add_end (created, item);
    }
    PQclear (res);
    rc = 0;
done:
    zhashx_destroy (&origin);
    for (int a = 0; a < 10; a++)
        free (text [a]);
    zlistx_purge (self->rows);
    return rc;
}

//  ---- the listener: announcements of other instances

struct notifier_listener {
    char *conninfo;
    PGconn *conn;
    int64_t next_try_us;            // monotonic
};

notifier_listener_t *
notifier_listener_new (const char *conninfo)
{
    notifier_listener_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    if (!self->conninfo) {
        free (self);
        return NULL;
    }
    return self;
}

void
notifier_listener_destroy (notifier_listener_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notifier_listener_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

int
notifier_listener_connect (notifier_listener_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    int64_t now = ll_mono_us ();
    if (now < self->next_try_us)
        return -1;
    self->next_try_us = now + 1000000;
    PGconn *conn = ll_db_connect (self->conninfo, 0);
    if (!conn)
        return -1;
    if (ll_db_exec (conn, "LISTEN " NOTIFIER_INBOX_CHANNEL) || PQsetnonblocking (conn, 1)) {
        PQfinish (conn);
        return -1;
    }
    self->conn = conn;
    return 1;
}

int
notifier_listener_fd (notifier_listener_t *self)
{
    return self->conn ? PQsocket (self->conn) : -1;
}

int
notifier_listener_read (notifier_listener_t *self, const char *instance, zlistx_t *ranges)
{
    if (!self->conn)
        return -1;
    if (!PQconsumeInput (self->conn)) {
        ll_warn ("inbox.listen", "lost the store's announcements: %s; reconnecting",
                 PQerrorMessage (self->conn));
        PQfinish (self->conn);
        self->conn = NULL;
        return -1;
    }
    size_t len = strlen (instance);
    PGnotify *note;
    while ((note = PQnotifies (self->conn))) {
        const char *p = note->extra;
        if (p && strncmp (p, instance, len) != 0) {
            const char *space = strchr (p, ' ');
            long long first = 0, last = 0;
            int64_t *range = malloc (2 * sizeof *range);
            if (range && space && sscanf (space, "%lld %lld", &first, &last) == 2
            &&  first > 0 && last >= first) {
                range [0] = first;
                range [1] = last;
                zlistx_add_end (ranges, range);
            }
            else
                free (range);
        }
        PQfreemem (note);
    }
    return 0;
}

//  ---- the loop's connection

struct notifier_inbox {
    char *conninfo;
    PGconn *conn;
    int64_t next_try_us;            // monotonic; reconnect no sooner
    notifier_prepare_fn *prepare;
    void *prepare_arg;
};

notifier_inbox_t *
notifier_inbox_new (const char *conninfo)
{
    notifier_inbox_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    if (!self->conninfo) {
        free (self);
        return NULL;
    }
    return self;
}

void
notifier_inbox_destroy (notifier_inbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notifier_inbox_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

void
notifier_inbox_on_connect (notifier_inbox_t *self, notifier_prepare_fn *fn, void *arg)
{
    self->prepare = fn;
    self->prepare_arg = arg;
}

static int
s_prepare (notifier_inbox_t *self, PGconn *conn)
{
    static const char *const stmts [][2] = {
        { "inbox_pending",
          "SELECT id, seq, recipient_id, kind, lead_id, title, body, urgent, created_us"
          " FROM notifier.notification WHERE recipient_id = $1 AND state <> 'acknowledged'"
          " AND seq > $2::bigint ORDER BY seq LIMIT $3::int" },
        { "inbox_pending_many",
          "SELECT n.id, n.seq, n.recipient_id, n.kind, n.lead_id, n.title, n.body, n.urgent,"
          "       n.created_us"
          " FROM unnest ($1::text[]) AS p (person)"
          " CROSS JOIN LATERAL (SELECT * FROM notifier.notification"
          "   WHERE recipient_id = p.person AND state <> 'acknowledged'"
          "   ORDER BY seq LIMIT $2::int) n" },
        { "inbox_delivered",
          "UPDATE notifier.notification SET deliveries = deliveries + 1,"
          " state = CASE WHEN state = 'unread' THEN 'delivered' ELSE state END,"
          " delivered_us = coalesce (delivered_us, $2::bigint)"
          " WHERE id = ANY ($1::uuid[]) AND state <> 'acknowledged'" },
        { "inbox_ack",
          "UPDATE notifier.notification n SET state = 'acknowledged', acked_us = $3::bigint,"
          " delivered_us = coalesce (n.delivered_us, $3::bigint),"
          " deliveries = greatest (n.deliveries, 1)"
          " FROM unnest ($1::uuid[], $2::text[]) AS a (id, person)"
          " WHERE n.id = a.id AND n.recipient_id = a.person AND n.state <> 'acknowledged'" },
        { "inbox_list",
          "SELECT id, seq, recipient_id, kind, lead_id, title, body, urgent, created_us,"
          " state = 'acknowledged' FROM notifier.notification WHERE recipient_id = $1"
          " AND (NOT $2::boolean OR state <> 'acknowledged') ORDER BY seq DESC LIMIT $3::int" },
        { "inbox_range",
          "SELECT id, seq, recipient_id, kind, lead_id, title, body, urgent, created_us"
          " FROM notifier.notification WHERE recipient_id = ANY ($1::text[])"
          " AND seq BETWEEN $2::bigint AND $3::bigint AND state <> 'acknowledged'"
          " ORDER BY seq" },
    };
    for (size_t i = 0; i < sizeof stmts / sizeof stmts [0]; i++)
        if (ll_db_prepare (conn, stmts [i][0], stmts [i][1]))
            return -1;
    if (self->prepare && self->prepare (conn, self->prepare_arg))
        return -1;
    return 0;
}

PGconn *
notifier_inbox_conn (notifier_inbox_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return self->conn;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    int64_t now = ll_mono_us ();
    if (now < self->next_try_us)
        return NULL;
    self->next_try_us = now + 1000000;
    PGconn *conn = ll_db_connect (self->conninfo, 0);
    if (!conn)
        return NULL;
    //  What this connection writes may be lost in a crash of PostgreSQL
    //  without harm: an ack (the notification is sent again), "delivered"
    //  (a counter), a channel attempt's result (the send is made again, at
    //  least once). Not waiting for the disk keeps the loop responsive.
    if (ll_db_exec (conn, "SET synchronous_commit = off") || s_prepare (self, conn)) {
        PQfinish (conn);
        return NULL;
    }
    ll_info ("inbox.store", "connected to the store");
    self->conn = conn;
    return conn;
}

void
notifier_inbox_check (notifier_inbox_t *self)
{
    if (self->conn && PQstatus (self->conn) != CONNECTION_OK) {
        ll_warn ("inbox.store", "lost the store; reconnecting");
        PQfinish (self->conn);
        self->conn = NULL;
    }
}

//  {"id","id",...} from a list of C strings.
static char *
s_array_of (const char **values, size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    s_array_open (out);
    for (size_t i = 0; i < count; i++)
        s_array_text (out, i == 0, values [i]);
    s_array_close (out);
    fclose (out);
    return text;
}

//  Appends the rows of a notification query to `out`; clears `res`.
//  Returns how many, or -1 (and checks the connection) if there is no
//  result.
static int
s_items (notifier_inbox_t *self, PGresult *res, zlistx_t *out)
{
    if (!res) {
        notifier_inbox_check (self);
        return -1;
    }
    int n = 0;
    for (int r = 0; r < PQntuples (res); r++) {
        notifier_item_t *item = s_item_from_row (res, r, 0, 1, 2, 3, 4, 5, 6, 7, 8);
        if (item) {
            zlistx_add_end (out, item);
            n++;
        }
    }
    PQclear (res);
    return n;
}

//  Runs a prepared statement whose $1 is a text[] of `items` and whose
//  other parameters follow in `more`. NULL if the store is down or the
//  statement failed (the connection is checked).
static PGresult *
s_exec_array (notifier_inbox_t *self, const char *stmt, const char **items, size_t count,
              const char **more, int n_more)
{
    PGconn *conn = notifier_inbox_conn (self);
    char *array = conn ? s_array_of (items, count) : NULL;
    if (!array)
        return NULL;
    const char *params [4] = { array };
    for (int i = 0; i < n_more && i < 3; i++)
        params [i + 1] = more [i];
    PGresult *res = ll_db_execp (conn, stmt, 1 + n_more, params, NULL);
    free (array);
    if (!res)
        notifier_inbox_check (self);
    return res;
}

int
notifier_inbox_pending_many (notifier_inbox_t *self, const char **persons, size_t count,
                             int limit, zlistx_t *out)
{
    if (count == 0)
        return 0;
    char lim [16];
    snprintf (lim, sizeof lim, "%d", limit);
    const char *more [] = { lim };
    return s_items (self, s_exec_array (self, "inbox_pending_many", persons, count, more, 1),
                    out);
}

int
notifier_inbox_pending (notifier_inbox_t *self, const char *person, int64_t after_seq,
                        int limit, zlistx_t *out)
{
    PGconn *conn = notifier_inbox_conn (self);
    if (!conn)
        return -1;
    char after [24], lim [16];
    snprintf (after, sizeof after, "%lld", (long long) after_seq);
    snprintf (lim, sizeof lim, "%d", limit);
    const char *params [] = { person, after, lim };
    return s_items (self, ll_db_execp (conn, "inbox_pending", 3, params, NULL), out);
}

int
notifier_inbox_range (notifier_inbox_t *self, int64_t first, int64_t last,
                      const char **persons, size_t count, zlistx_t *out)
{
    if (count == 0)
        return 0;
    char first_s [24], last_s [24];
    snprintf (first_s, sizeof first_s, "%lld", (long long) first);
    snprintf (last_s, sizeof last_s, "%lld", (long long) last);
    const char *more [] = { first_s, last_s };
    return s_items (self, s_exec_array (self, "inbox_range", persons, count, more, 2), out);
}

int
notifier_inbox_delivered (notifier_inbox_t *self, const char **ids, size_t count, int64_t now_us)
{
    if (count == 0)
        return 0;
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) now_us);
    const char *more [] = { now };
    PGresult *res = s_exec_array (self, "inbox_delivered", ids, count, more, 1);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

int
notifier_inbox_ack (notifier_inbox_t *self, const char **ids, const char **persons,
                    size_t count, int64_t now_us)
{
    if (count == 0)
        return 0;
    PGconn *conn = notifier_inbox_conn (self);
    if (!conn)
        return -1;
    char *a_ids = s_array_of (ids, count);
    char *a_persons = s_array_of (persons, count);
    int rc = -1;
    if (a_ids && a_persons) {
        char now [24];
        snprintf (now, sizeof now, "%lld", (long long) now_us);
        const char *params [] = { a_ids, a_persons, now };
        PGresult *res = ll_db_execp (conn, "inbox_ack", 3, params, NULL);
        if (res) {
            rc = atoi (PQcmdTuples (res));
            PQclear (res);
        }
        else
            notifier_inbox_check (self);
    }
    free (a_ids);
    free (a_persons);
    return rc;
}

int
notifier_inbox_list (notifier_inbox_t *self, const char *person, bool unread_only,
                     int limit, zlistx_t *out, bool *acked)
{
    PGconn *conn = notifier_inbox_conn (self);
    if (!conn)
        return -1;
    char lim [16];
    snprintf (lim, sizeof lim, "%d", limit);
    const char *params [] = { person, unread_only ? "t" : "f", lim };
    PGresult *res = ll_db_execp (conn, "inbox_list", 3, params, NULL);
    if (!res) {
        notifier_inbox_check (self);
        return -1;
    }
    int n = 0;
    for (int r = 0; r < PQntuples (res) && n < limit; r++) {
        notifier_item_t *item = s_item_from_row (res, r, 0, 1, 2, 3, 4, 5, 6, 7, 8);
        if (!item)
            continue;
        acked [n++] = PQgetvalue (res, r, 9) [0] == 't';
        zlistx_add_end (out, item);
    }
    PQclear (res);
    return n;
}
