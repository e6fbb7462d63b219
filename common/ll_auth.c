/*  ll_auth — see ll_auth.h. The ZAP handler and ll_auth_principal() read
    the same in-memory copy of auth.keys; a timer on the service's loop
    re-reads it every second. If the store cannot be read, the last copy
    stays in force (a revocation then waits for the store to come back). */
#include "ll_auth.h"
#include "ll_db.h"
#include "ll_log.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const ll_migration_t ll_auth_migrations [];
extern const size_t ll_auth_migration_count;

#define REFRESH_MS  1000
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct {
    char kind [16];
    char subject [64];
    bool revoked;
} s_key_t;

struct _ll_auth_t {
    bool enabled;
    char *conninfo;
    PGconn *conn;                  // the registry's store connection
    zcert_t *cert;                 // the service's own key pair
    zsock_t *zap;                  // ZAP REP
    zhashx_t *keys;                // Z85 public key -> s_key_t
    bool store_down;               // to log a failed refresh once
    zlistx_t *backbone;            // event sockets to cut when a service key goes
    bool rebind;                   // some of them still wait for their bind
};

//  libzmq has one ZAP endpoint per context: one handler per process.
static bool s_zap_bound = false;
//  The process's instance with CURVE on (the one owning the ZAP handler).
static ll_auth_t *s_process = NULL;

#define BACKBONE_DOMAIN "leadline-backbone"

//  An event socket under CURVE, and the endpoint it binds.
typedef struct {
    zsock_t *sock;
    char endpoint [256];           // as bound (ZMQ_LAST_ENDPOINT); "" until then
    bool unbound;                  // cut, waiting to bind again
} s_backbone_t;

static void s_backbone_cut (ll_auth_t *self);

int
ll_auth_migrate (PGconn *conn)
{
    return ll_db_migrate (conn, "auth", "service", ll_auth_migrations,
                          ll_auth_migration_count) < 0 ? -1 : 0;
}

int
ll_auth_check_secret_file (const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat (path, &st)) {
        snprintf (err, errlen, "cannot read the secret key file %s: %s", path, strerror (errno));
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (err, errlen, "the secret key file %s can be read by others (mode %03o); "
                  "run `chmod 600 %s`", path, (unsigned) (st.st_mode & 0777), path);
        return -1;
    }
    return 0;
}

//  Loads a secret certificate after checking the file's mode.
static zcert_t *
s_load_secret (const char *path, char *err, size_t errlen)
{
    if (ll_auth_check_secret_file (path, err, errlen))
        return NULL;
    zcert_t *cert = zcert_load (path);
    if (!cert || !strcmp (zcert_secret_txt (cert), "0000000000000000000000000000000000000000")) {
        snprintf (err, errlen, "%s is not a secret key file; make one with "
                  "`leadline admin keys generate`", path);
        zcert_destroy (&cert);
        return NULL;
    }
    return cert;
}

int
ll_auth_refresh (ll_auth_t *self)
{
    if (!self->enabled)
        return 0;
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        if (self->conn)
            PQfinish (self->conn);
        self->conn = PQconnectdb (self->conninfo);
        PQsetNoticeProcessor (self->conn, NULL, NULL);
    }
    PGresult *res = PQstatus (self->conn) == CONNECTION_OK
        ? PQexec (self->conn, "SELECT public_key, kind, subject, revoked_at IS NOT NULL "
                              "FROM auth.keys")
        : NULL;
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        if (!self->store_down)
            ll_warn ("auth.refresh", "cannot read the key registry (auth.keys): %s; "
                     "keeping the last copy", self->conn ? PQerrorMessage (self->conn) : "");
        self->store_down = true;
        PQclear (res);
        return -1;
    }
    if (self->store_down)
        ll_info ("auth.refresh", "key registry readable again");
    self->store_down = false;
    zhashx_t *keys = zhashx_new ();
    zhashx_set_destructor (keys, (zhashx_destructor_fn *) zstr_free);
    for (int i = 0; i < PQntuples (res); i++) {
        s_key_t *key = calloc (1, sizeof *key);
        assert (key);
        snprintf (key->kind, sizeof key->kind, "%s", PQgetvalue (res, i, 1));
        snprintf (key->subject, sizeof key->subject, "%s", PQgetvalue (res, i, 2));
        key->revoked = PQgetvalue (res, i, 3) [0] == 't';
        zhashx_update (keys, PQgetvalue (res, i, 0), key);
    }
    PQclear (res);
    //  A service key that was admitted and no longer is (revoked or
    //  removed): its live event connections must go, and only dropping
    //  every connection of those sockets does that (libzmq cannot drop one
    //  peer of a PUB). The others reconnect at once, the ZAP handler admits
    //  them again, and they replay what they missed.
    bool lost = false;
    if (self->keys && self->backbone && zlistx_size (self->backbone))
        for (s_key_t *old = zhashx_first (self->keys); old && !lost;
             old = zhashx_next (self->keys)) {
            if (old->revoked || strcmp (old->kind, "service"))
                continue;
            s_key_t *now = zhashx_lookup (keys, zhashx_cursor (self->keys));
            lost = !now || now->revoked;
        }
    zhashx_destroy (&self->keys);
    self->keys = keys;
    if (lost || self->rebind)
        s_backbone_cut (self);
    return 0;
}

ll_auth_t *
ll_auth_new_with (const char *conninfo, const char *secret_file)
{
    ll_auth_t *self = calloc (1, sizeof *self);
    assert (self);
    if (!secret_file || !*secret_file) {
        ll_warn ("auth.off", "LEADLINE_AUTH_SECRET_KEY_FILE is not set: CURVE is off, any "
                 "client can connect and the identity it claims is trusted");
        return self;
    }
    char err [512];
    self->cert = s_load_secret (secret_file, err, sizeof err);
    if (!self->cert) {
        ll_error ("auth.key", "%s", err);
        goto fail;
    }
    self->enabled = true;
    self->conninfo = strdup (conninfo);
    assert (self->conninfo);
    if (ll_auth_refresh (self)) {
        ll_error ("auth.registry", "cannot read the key registry; run the service's "
                  "`migrate` and check LEADLINE_DB");
        goto fail;
    }
    //  Bound now, before any CURVE socket binds: libzmq admits every key
    //  while no ZAP handler is there. One handler per process.
    assert (!s_zap_bound);
    self->zap = zsock_new (ZMQ_REP);
    if (!self->zap || zsock_bind (self->zap, ZAP_ENDPOINT) < 0) {
        ll_error ("auth.zap", "cannot bind the ZAP handler: %s", zmq_strerror (zmq_errno ()));
        goto fail;
    }
    s_zap_bound = true;
    s_process = self;
    self->backbone = zlistx_new ();
    assert (self->backbone);
    zlistx_set_destructor (self->backbone, (zlistx_destructor_fn *) zstr_free);
    ll_info ("auth.on", "CURVE on, server key %s, %zu keys registered",
             zcert_public_txt (self->cert), zhashx_size (self->keys));
    return self;
fail:
    ll_auth_destroy (&self);
    return NULL;
}

ll_auth_t *
ll_auth_new (const char *conninfo)
{
    return ll_auth_new_with (conninfo, getenv ("LEADLINE_AUTH_SECRET_KEY_FILE"));
}

void
ll_auth_destroy (ll_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ll_auth_t *self = *self_p;
    if (self->zap && s_zap_bound)
        s_zap_bound = false;
    if (s_process == self)
        s_process = NULL;
    zlistx_destroy (&self->backbone);
    zsock_destroy (&self->zap);
    zcert_destroy (&self->cert);
    zhashx_destroy (&self->keys);
    if (self->conn)
        PQfinish (self->conn);
    free (self->conninfo);
    free (self);
    *self_p = NULL;
}

bool
ll_auth_enabled (ll_auth_t *self)
{
    return self && self->enabled;
}

int
ll_auth_server (ll_auth_t *self, zsock_t *router)
{
    if (!ll_auth_enabled (self))
        return 0;
    zcert_apply (self->cert, router);
    zsock_set_curve_server (router, 1);
    zsock_set_zap_domain (router, "leadline");
    return 0;
}

//  One ZAP request (RFC 27): admit a registered, unrevoked CURVE key and
//  name it as the User-Id, which the service reads back per message.
static int
s_on_zap (zloop_t *loop, zsock_t *zap, void *arg)
{
    ll_auth_t *self = arg;
    zmsg_t *req = zmsg_recv (zap);
    if (!req)
        return 0;
    char *version = zmsg_popstr (req);
    char *request_id = zmsg_popstr (req);
    char *domain = zmsg_popstr (req);
    char *address = zmsg_popstr (req);
    char *identity = zmsg_popstr (req);
    char *mechanism = zmsg_popstr (req);
    zframe_t *key_frame = zmsg_pop (req);
    char z85 [41] = "";
    const char *status = "400", *text = "unknown key";
    if (!mechanism || strcmp (mechanism, "CURVE") || !key_frame
    ||  zframe_size (key_frame) != 32)
        text = "CURVE required";
    else {
        zmq_z85_encode (z85, zframe_data (key_frame), 32);
        s_key_t *key = zhashx_lookup (self->keys, z85);
        bool backbone = domain && strcmp (domain, BACKBONE_DOMAIN) == 0;
        if (key && !key->revoked && (!backbone || strcmp (key->kind, "service") == 0)) {
            status = "200";
            text = "OK";
        }
        else
            text = !key ? "unknown key" : key->revoked ? "revoked key"
                 : "not a service key (the event backbone admits service keys only)";
        ll_log (*status == '2' ? LL_DEBUG : LL_WARN, "auth.zap", "%s %s from %s",
                text, z85, address ? address : "?");
    }
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, request_id ? request_id : "");
    zmsg_addstr (reply, status);
    zmsg_addstr (reply, text);
    zmsg_addstr (reply, *status == '2' ? z85 : "");
    zmsg_addmem (reply, "", 0);
    zmsg_send (&reply, zap);
    zstr_free (&version);
    zstr_free (&request_id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&identity);
    zstr_free (&mechanism);
    zframe_destroy (&key_frame);
    zmsg_destroy (&req);
    return 0;
}

static int
s_on_refresh (zloop_t *loop, int timer_id, void *arg)
{
    ll_auth_refresh (arg);
    return 0;
}

int
ll_auth_attach (ll_auth_t *self, zloop_t *loop)
{
    if (!ll_auth_enabled (self))
        return 0;
    if (zloop_reader (loop, self->zap, s_on_zap, self))
        return -1;
    zloop_reader_set_tolerant (loop, self->zap);
    return zloop_timer (loop, REFRESH_MS, 0, s_on_refresh, self) < 0 ? -1 : 0;
}

int
ll_auth_principal (ll_auth_t *self, zframe_t *frame, ll_principal_t *principal,
                   char *err, size_t errlen)
{
    memset (principal, 0, sizeof *principal);
    if (!ll_auth_enabled (self)) {
        principal->anonymous = true;
        snprintf (principal->kind, sizeof principal->kind, "anonymous");
        return 0;
    }
    const char *user = frame ? zframe_meta (frame, "User-Id") : NULL;
    return ll_auth_key_principal (self, user, principal, err, errlen);
}

int
ll_auth_key_principal (ll_auth_t *self, const char *user, ll_principal_t *principal,
                       char *err, size_t errlen)
{
    memset (principal, 0, sizeof *principal);
    if (!ll_auth_enabled (self)) {
        principal->anonymous = true;
        snprintf (principal->kind, sizeof principal->kind, "anonymous");
        return 0;
    }
    if (!user || strlen (user) != 40) {
        snprintf (err, errlen, "the connection has no authenticated key");
        return -1;
    }
    s_key_t *key = zhashx_lookup (self->keys, user);
    if (!key || key->revoked) {
        snprintf (err, errlen, "key %s was %s; ask an administrator for a new key "
                  "(`leadline admin keys generate`)", user, key ? "revoked" : "removed");
        return -1;
    }
    snprintf (principal->public_key, sizeof principal->public_key, "%s", user);
    snprintf (principal->kind, sizeof principal->kind, "%s", key->kind);
    snprintf (principal->subject, sizeof principal->subject, "%s", key->subject);
    return 0;
}

int
ll_auth_client (zsock_t *sock, char *err, size_t errlen)
{
    const char *server_key = getenv ("LEADLINE_AUTH_SERVER_KEY");
    if (!server_key || !*server_key)
        return 0;
    if (strlen (server_key) != 40) {
        snprintf (err, errlen, "LEADLINE_AUTH_SERVER_KEY must be the server's 40-character "
                  "Z85 public key");
        return -1;
    }
    const char *file = getenv ("LEADLINE_AUTH_CLIENT_KEY_FILE");
    if (!file || !*file) {
        snprintf (err, errlen, "LEADLINE_AUTH_SERVER_KEY is set but LEADLINE_AUTH_CLIENT_KEY_FILE "
                  "is not; point it at this client's secret key file");
        return -1;
    }
    zcert_t *cert = s_load_secret (file, err, errlen);
    if (!cert)
        return -1;
    zcert_apply (cert, sock);
    zsock_set_curve_serverkey (sock, server_key);
    zcert_destroy (&cert);
    return 0;
}

// ---------------------------------------------------------------------------
//  The event backbone: relays' PUB and replay sockets, subscribers.

ll_auth_t *
ll_auth_process (void)
{
    return s_process;
}

int
ll_auth_backbone_server (zsock_t *sock)
{
    ll_auth_t *self = s_process;
    if (!ll_auth_enabled (self))
        return 0;
    zcert_apply (self->cert, sock);
    zsock_set_curve_server (sock, 1);
    zsock_set_zap_domain (sock, BACKBONE_DOMAIN);
    s_backbone_t *entry = calloc (1, sizeof *entry);
    assert (entry);
    entry->sock = sock;
    zlistx_add_end (self->backbone, entry);
    return 0;
}

void
ll_auth_backbone_forget (zsock_t *sock)
{
    ll_auth_t *self = s_process;
    if (!self || !self->backbone)
        return;
    for (s_backbone_t *entry = zlistx_first (self->backbone); entry;
         entry = zlistx_next (self->backbone))
        if (entry->sock == sock) {
            zlistx_delete (self->backbone, zlistx_cursor (self->backbone));
            return;
        }
}

//  Unbinds every event socket (which closes the connections accepted on
//  it) and binds it again; a bind that fails (the port not yet released)
//  is tried again at the next refresh.
static void
s_backbone_cut (ll_auth_t *self)
{
    self->rebind = false;
    for (s_backbone_t *entry = zlistx_first (self->backbone); entry;
         entry = zlistx_next (self->backbone)) {
        if (!entry->unbound) {
            char *last = zsock_last_endpoint (entry->sock);     // ours to free
            bool bound = last && *last;
            if (bound)
                snprintf (entry->endpoint, sizeof entry->endpoint, "%s", last);
            free (last);
            if (!bound)
                continue;               // not bound yet
            zsock_unbind (entry->sock, "%s", entry->endpoint);
            entry->unbound = true;
            ll_warn ("auth.cut", "a service key was revoked: dropped every connection of "
                     "%s; the others reconnect and are checked again", entry->endpoint);
        }
        if (zsock_bind (entry->sock, "%s", entry->endpoint) < 0) {
            self->rebind = true;
            ll_debug ("auth.rebind", "%s not free yet: %s", entry->endpoint,
                      zmq_strerror (zmq_errno ()));
        }
        else
            entry->unbound = false;
    }
}

//  The producer's public key for `stream`: LEADLINE_AUTH_SERVER_KEY_<STREAM>,
//  else the newest unrevoked service key registered with the stream's name
//  as subject. 0 found, -1 none.
static int
s_producer_key (const char *stream, const char *conninfo, char key [41])
{
    char name [96];
    int n = snprintf (name, sizeof name, "LEADLINE_AUTH_SERVER_KEY_");
    for (const char *p = stream; *p && n < (int) sizeof name - 1; p++)
        name [n++] = (*p >= 'a' && *p <= 'z') ? (char) (*p - 32)
                   : ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ? *p : '_';
    name [n] = 0;
    const char *env = getenv (name);
    if (env && strlen (env) == 40) {
        snprintf (key, 41, "%s", env);
        return 0;
    }
    if (!conninfo)
        return -1;
    PGconn *conn = PQconnectdb (conninfo);
    PQsetNoticeProcessor (conn, NULL, NULL);
    const char *params [] = { stream };
    PGresult *res = PQstatus (conn) == CONNECTION_OK
        ? PQexecParams (conn, "SELECT public_key FROM auth.keys WHERE kind = 'service' "
                        "AND subject = $1 AND revoked_at IS NULL ORDER BY created_at DESC "
                        "LIMIT 1", 1, NULL, params, NULL, NULL, 0)
        : NULL;
    int rc = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1) {
        snprintf (key, 41, "%s", PQgetvalue (res, 0, 0));
        rc = 0;
    }
    PQclear (res);
    PQfinish (conn);
    return rc;
}

int
ll_auth_backbone_client (zsock_t *sock, const char *stream, const char *conninfo,
                         char *err, size_t errlen)
{
    const char *file = getenv ("LEADLINE_AUTH_CLIENT_KEY_FILE");
    if (!file || !*file)
        file = getenv ("LEADLINE_AUTH_SECRET_KEY_FILE");
    if (!file || !*file)
        return 0;                       // no key of our own: CURVE off
    char server [41];
    if (s_producer_key (stream, conninfo, server)) {
        ll_warn ("auth.backbone", "no key known for the producer of stream %s (register its "
                 "service key with subject %s, or set LEADLINE_AUTH_SERVER_KEY_<STREAM>): "
                 "following it without CURVE", stream, stream);
        return 0;
    }
    zcert_t *cert = s_load_secret (file, err, errlen);
    if (!cert)
        return -1;
    zcert_apply (cert, sock);
    zsock_set_curve_serverkey (sock, server);
    zcert_destroy (&cert);
    return 0;
}
