/*  reporting_server — see reporting_server.h. One request, one reply: the
    key first (a revoked or unknown key is refused whatever it sends), then
    the envelope, then the scope, then the report as the HTTP page builds
    it (reporting_http_handle), so both paths answer the same bytes. */
#include "reporting_server.h"
#include "ll_db.h"
#include "ll_envelope.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reporting_server {
    char *conninfo;
    PGconn *conn;               // the scope checks; reconnects on demand
    zsock_t *router;
    ll_auth_t *auth;            // not owned
    reporting_http_t *pages;    // not owned
    zloop_t *loop;
};

//  $1 subject (a person id), $2 kind, $3 scope id: whether the person may
//  read it, and which roles the person has (for the refusal).
static const char *s_allowed_sql =
    "WITH who AS ("
    "  SELECT ARRAY (SELECT office_id FROM org.coordinators WHERE person_id = $1) AS offices,"
    "    coalesce ((SELECT bool_or (district_id IS NULL) FROM org.managers WHERE id = $1), false)"
    "      AS everywhere,"
    "    ARRAY (SELECT district_id FROM org.managers WHERE id = $1 AND district_id IS NOT NULL)"
    "      AS districts,"
    "    EXISTS (SELECT 1 FROM org.employees WHERE id = $1) AS employee),"
    " target AS ("
    "  SELECT CASE WHEN $2 = 'carrier' THEN (SELECT s.office_id FROM org.employees e"
    "                JOIN org.stations s ON s.id = e.station_id WHERE e.id = $3)"
    "              WHEN $2 IN ('station', 'published') THEN"
    "                (SELECT office_id FROM org.stations WHERE id = $3) END AS office,"
    "         CASE WHEN $2 = 'carrier' THEN (SELECT o.district_id FROM org.employees e"
    "                JOIN org.stations s ON s.id = e.station_id"
    "                JOIN org.offices o ON o.id = s.office_id WHERE e.id = $3)"
    "              WHEN $2 IN ('station', 'published') THEN (SELECT o.district_id"
    "                FROM org.stations s JOIN org.offices o ON o.id = s.office_id WHERE s.id = $3)"
    "              WHEN $2 IN ('district', 'campaign') THEN nullif ($3, '') END AS district)"
    " SELECT ($2 = 'carrier' AND $3 = $1)"
    "     OR (coalesce (t.office = ANY (w.offices), false)"
    "         AND $2 IN ('carrier', 'station', 'published'))"
    "     OR w.everywhere"
    "     OR coalesce (t.district = ANY (w.districts), false),"
    "   w.employee, cardinality (w.offices) > 0, cardinality (w.districts) > 0,"
    "   array_to_string (w.offices, ', '), array_to_string (w.districts, ', ')"
    " FROM who w, target t";

int
reporting_server_allowed (PGconn *conn, const char *subject, const char *kind,
                          const char *scope, char *why, size_t whylen)
{
    const char *params [] = { subject, kind, scope ? scope : "" };
    PGresult *res = ll_db_query (conn, s_allowed_sql, 3, params, NULL);
    if (!res || PQntuples (res) != 1) {
        PQclear (res);
        return -1;
    }
    bool allowed = PQgetvalue (res, 0, 0) [0] == 't';
    bool employee = PQgetvalue (res, 0, 1) [0] == 't';
    bool coordinator = PQgetvalue (res, 0, 2) [0] == 't';
    bool manager = PQgetvalue (res, 0, 3) [0] == 't';
    char what [200];
    snprintf (what, sizeof what, "%s may not read the %s report of %s", subject, kind,
              *params [2] ? params [2] : "every district");
    if (allowed)
        why [0] = 0;
    else
    if (manager)
        snprintf (why, whylen, "%s: a district manager reads the reports of their district "
                  "(%s) only", what, PQgetvalue (res, 0, 5));
    else
    if (coordinator)
        snprintf (why, whylen, "%s: a coordinator reads the station and carrier reports of "
                  "their office (%s) only", what, PQgetvalue (res, 0, 4));
    else
    if (employee)
        snprintf (why, whylen, "%s: an employee reads their own carrier report only", what);
    else
        snprintf (why, whylen, "%s: %s is not an employee, coordinator or district manager "
                  "in the org data, so reads no report", what, subject);
    PQclear (res);
    return 0;
}

static int s_on_router (zloop_t *loop, zsock_t *reader, void *arg);

reporting_server_t *
reporting_server_new (const char *conninfo, const char *endpoint, ll_auth_t *auth,
                      reporting_http_t *pages)
{
    reporting_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo);
    self->auth = auth;
    self->pages = pages;
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->conninfo || !self->router) {
        reporting_server_destroy (&self);
        return NULL;
    }
    ll_socket_caps (self->router, 1000);
    if (auth && ll_auth_server (auth, self->router)) {
        reporting_server_destroy (&self);
        return NULL;
    }
    if (zsock_bind (self->router, "%s", endpoint) < 0) {
        ll_error ("report.bind", "cannot bind the report socket %s: %s; set "
                  "LEADLINE_REPORTING_ENDPOINT to a free address", endpoint, zmq_strerror (zmq_errno ()));
        reporting_server_destroy (&self);
        return NULL;
    }
    ll_info ("report.socket", "reports for `leadline report` on %s (%s)", endpoint,
             auth && ll_auth_enabled (auth) ? "CURVE: person keys, each reads their own scope"
                                             : "no key: open to anyone who can connect");
    return self;
}

void
reporting_server_destroy (reporting_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reporting_server_t *self = *self_p;
    if (self->loop && self->router)
        zloop_reader_end (self->loop, self->router);
    zsock_destroy (&self->router);
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

int
reporting_server_attach (reporting_server_t *self, zloop_t *loop)
{
    self->loop = loop;
    return zloop_reader (loop, self->router, s_on_router, self);
}

static void
s_reply (reporting_server_t *self, zframe_t *routing_id, const char *request_id,
         int http_status, const char *content_type, const char *body, size_t len,
         const char *message)
{
    char id [37];
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    if (request_id && *request_id)
        env.message_id = (char *) request_id;
    Leadline__V1__ReportReply reply = LEADLINE__V1__REPORT_REPLY__INIT;
    reply.status = http_status == 200 ? LEADLINE__V1__STATUS__STATUS_OK
                 : http_status == 403 ? LEADLINE__V1__STATUS__STATUS_FORBIDDEN
                 : http_status == 404 ? LEADLINE__V1__STATUS__STATUS_NOT_FOUND
                 : http_status == 503 ? LEADLINE__V1__STATUS__STATUS_UNAVAILABLE
                 : http_status == 413 ? LEADLINE__V1__STATUS__STATUS_INVALID
                                      : LEADLINE__V1__STATUS__STATUS_BAD_REQUEST;
    reply.http_status = http_status;
    reply.content_type = (char *) (content_type ? content_type : "text/plain; charset=utf-8");
    reply.body.data = (uint8_t *) body;
    reply.body.len = body ? len : 0;
    reply.message = (char *) (message ? message : "");
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPORT_REPLY;
    env.report_reply = &reply;
    zframe_t *frame = ll_envelope_frame (&env);
    if (!frame) {
        //  Over the frame cap: say so instead.
        s_reply (self, routing_id, request_id, 413, NULL, NULL, 0,
                 "the report does not fit one message (256 KiB): ask for format=csv or json, "
                 "or a shorter range");
        return;
    }
    zframe_t *rid = zframe_dup (routing_id);
    if (zframe_send (&rid, self->router, ZFRAME_MORE) == 0)
        zframe_send (&frame, self->router, 0);
    zframe_destroy (&rid);
    zframe_destroy (&frame);
    char labels [32];
    snprintf (labels, sizeof labels, "status=\"%d\"", http_status);
    ll_metric_inc ("leadline_reporting_socket_requests_total", labels,
                   "report requests answered on the report socket, by the HTTP status they mean");
}

static const char *
s_kind (int kind)
{
    switch (kind) {
        case LEADLINE__V1__REPORT_KIND__REPORT_KIND_CARRIER: return "carrier";
        case LEADLINE__V1__REPORT_KIND__REPORT_KIND_STATION: return "station";
        case LEADLINE__V1__REPORT_KIND__REPORT_KIND_DISTRICT: return "district";
        case LEADLINE__V1__REPORT_KIND__REPORT_KIND_CAMPAIGN: return "campaign";
        case LEADLINE__V1__REPORT_KIND__REPORT_KIND_PUBLISHED: return "published";
        default: return NULL;
    }
}

static void
s_on_request (reporting_server_t *self, zframe_t *routing_id, zframe_t *frame)
{
    ll_principal_t who;
    char err [600];
    if (self->auth && ll_auth_principal (self->auth, frame, &who, err, sizeof err)) {
        s_reply (self, routing_id, NULL, 403, NULL, NULL, 0, err);
        return;
    }
    if (!self->auth)
        who.anonymous = true;
    ll_decode_rc_t rc;
    ll_envelope_t *env = ll_envelope_decode (zframe_data (frame), zframe_size (frame),
                                             &rc, err, sizeof err);
    if (!env) {
        s_reply (self, routing_id, NULL, 400, NULL, NULL, 0, err);
        return;
    }
    const char *kind = env->body_case == LEADLINE__V1__ENVELOPE__BODY_REPORT_REQUEST
                     ? s_kind (env->report_request->kind) : NULL;
    if (!kind) {
        snprintf (err, sizeof err, "%s is not a report request the reporting service takes; "
                  "send report_request with kind carrier, station, district, campaign or published",
                  env->body_case == LEADLINE__V1__ENVELOPE__BODY_REPORT_REQUEST
                  ? "a report_request without a known kind" : ll_envelope_type_name (env));
        s_reply (self, routing_id, env->message_id, 400, NULL, NULL, 0, err);
        ll_envelope_free (&env);
        return;
    }
    const char *query = env->report_request->query ? env->report_request->query : "";
    if (!who.anonymous) {
        //  The scope of the report, as the page reads it.
        char scope [128] = "";
        const char *param = strcmp (kind, "carrier") == 0 ? "employee"
                          : strcmp (kind, "station") == 0 || strcmp (kind, "published") == 0
                          ? "station" : "district";
        if (ll_http_query_get (query, param, scope, sizeof scope))
            scope [0] = 0;
        int allowed = -1;
        err [0] = 0;
        if (strcmp (who.kind, "person") != 0)
            snprintf (err, sizeof err, "reports are for people: this %s key (%s) reads none; "
                      "use a person key (`leadline admin keys generate --kind person`)",
                      who.kind, who.subject);
        else {
            if ((!self->conn || PQstatus (self->conn) != CONNECTION_OK)) {
                if (self->conn)
                    PQfinish (self->conn);
                self->conn = ll_db_connect (self->conninfo, 0);
            }
            allowed = self->conn ? reporting_server_allowed (self->conn, who.subject, kind,
                                                             scope, err, sizeof err) : -1;
            if (allowed < 0) {
                s_reply (self, routing_id, env->message_id, 503, NULL, NULL, 0,
                         "the report store cannot be reached; try again in a moment");
                ll_envelope_free (&env);
                return;
            }
        }
        if (err [0]) {
            ll_info ("report.refused", "%s", err);
            ll_metric_inc ("leadline_reporting_refused_total", NULL,
                           "report requests refused: the key's person may not read that scope");
            s_reply (self, routing_id, env->message_id, 403, NULL, err, strlen (err), err);
            ll_envelope_free (&env);
            return;
        }
    }
    char url [64];
    snprintf (url, sizeof url, "/reports/%s", kind);
    int status = 0;
    const char *content_type = NULL;
    char *body = NULL;
    size_t len = 0;
    reporting_http_handle (self->pages, url, query, &status, &content_type, &body, &len);
    s_reply (self, routing_id, env->message_id, status, content_type, body, len,
             status == 200 ? "" : body);
    free (body);
    ll_envelope_free (&env);
}

static int
s_on_router (zloop_t *loop, zsock_t *reader, void *arg)
{
    reporting_server_t *self = arg;
    for (int i = 0; i < 16; i++) {
        zmsg_t *msg = zmsg_recv_nowait (self->router);
        if (!msg)
            break;
        zframe_t *routing_id = zmsg_pop (msg);
        zframe_t *frame = zmsg_pop (msg);
        if (routing_id && frame && zmsg_size (msg) == 0)
            s_on_request (self, routing_id, frame);
        zframe_destroy (&routing_id);
        zframe_destroy (&frame);
        zmsg_destroy (&msg);
    }
    return 0;
}
