/*  test_auth — ll_auth against a private PostgreSQL (tests/lib/with-pg):
    the secret-file check, an unknown key refused at the handshake, a known
    key admitted with its principal, and a revoked key cut off on a live
    connection. The server side runs in an actor, as a service's loop would.
      test_auth perms        (no database)
      test_auth curve        (LEADLINE_DB set) */
#include "ll_auth.h"
#include "ll_db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int s_failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { s_failures++; \
    fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf (stderr, __VA_ARGS__); fputc ('\n', stderr); } } while (0)

static char s_dir [128];

static void
s_path (char *out, size_t len, const char *name)
{
    snprintf (out, len, "%s/%s", s_dir, name);
}

static int
s_case_perms (void)
{
    char pub [256], sec [300], err [512];
    s_path (pub, sizeof pub, "svc");
    snprintf (sec, sizeof sec, "%s_secret", pub);
    zcert_t *cert = zcert_new ();
    zcert_save (cert, pub);
    zcert_destroy (&cert);
    chmod (sec, 0644);
    CHECK (ll_auth_check_secret_file (sec, err, sizeof err) == -1, "0644 accepted");
    CHECK (strstr (err, "chmod 600") && strstr (err, sec), "message: %s", err);
    CHECK (ll_auth_new_with ("", sec) == NULL, "service started with a 0644 secret");
    chmod (sec, 0640);
    CHECK (ll_auth_check_secret_file (sec, err, sizeof err) == -1, "0640 accepted");
    chmod (sec, 0600);
    CHECK (ll_auth_check_secret_file (sec, err, sizeof err) == 0, "0600 refused: %s", err);
    s_path (pub, sizeof pub, "missing_secret");
    CHECK (ll_auth_check_secret_file (pub, err, sizeof err) == -1, "missing file accepted");
    //  CURVE off: anonymous principals.
    ll_auth_t *auth = ll_auth_new_with ("", NULL);
    CHECK (auth && !ll_auth_enabled (auth), "off");
    ll_principal_t p;
    CHECK (ll_auth_principal (auth, NULL, &p, err, sizeof err) == 0 && p.anonymous,
           "anonymous");
    ll_auth_destroy (&auth);
    return 0;
}

//  ---- the server: answers "OK kind subject" or "REFUSED message"

static int
s_on_router (zloop_t *loop, zsock_t *router, void *arg)
{
    zmsg_t *msg = zmsg_recv (router);
    if (!msg)
        return 0;
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *body = zmsg_first (msg);
    ll_principal_t p;
    char err [512], text [700];
    if (ll_auth_principal (arg, body, &p, err, sizeof err) == 0)
        snprintf (text, sizeof text, "OK %s %s", p.kind, p.subject);
    else
        snprintf (text, sizeof text, "REFUSED %s", err);
    zmsg_t *reply = zmsg_new ();
    zmsg_append (reply, &identity);
    zmsg_addstr (reply, text);
    zmsg_send (&reply, router);
    zmsg_destroy (&msg);
    return 0;
}

static int
s_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    zmsg_t *msg = zmsg_recv (pipe);
    zmsg_destroy (&msg);
    return -1;                      // $TERM
}

static void
s_server (zsock_t *pipe, void *args)
{
    const char *secret = args;
    ll_auth_t *auth = ll_auth_new_with (getenv ("LEADLINE_DB"), secret);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    zloop_t *loop = zloop_new ();
    int port = -1;
    if (auth && ll_auth_server (auth, router) == 0) {
        port = zsock_bind (router, "tcp://127.0.0.1:*");
        ll_auth_attach (auth, loop);
    }
    zloop_reader (loop, router, s_on_router, auth);
    zloop_reader (loop, pipe, s_on_pipe, NULL);
    zsock_signal (pipe, 0);
    zstr_sendf (pipe, "%d", port);
    if (port > 0)
        zloop_start (loop);
    zloop_destroy (&loop);
    zsock_destroy (&router);
    ll_auth_destroy (&auth);
}

//  A client with the key in `secret` (NULL: no CURVE at all).
static zsock_t *
s_client (int port, const char *server_pub, const char *secret)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_linger (sock, 0);
    if (secret) {
        setenv ("LEADLINE_AUTH_SERVER_KEY", server_pub, 1);
        setenv ("LEADLINE_AUTH_CLIENT_KEY_FILE", secret, 1);
        char err [512];
        int rc = ll_auth_client (sock, err, sizeof err);
        CHECK (rc == 0, "client key: %s", err);
        unsetenv ("LEADLINE_AUTH_SERVER_KEY");
    }
    zsock_connect (sock, "tcp://127.0.0.1:%d", port);
    return sock;
}

//  Sends "hi", returns the reply or NULL after `wait_ms`.
static char *
s_ask (zsock_t *sock, int wait_ms)
{
    zstr_send (sock, "hi");
    zpoller_t *poller = zpoller_new (sock, NULL);
    char *reply = zpoller_wait (poller, wait_ms) ? zstr_recv (sock) : NULL;
    zpoller_destroy (&poller);
    return reply;
}

static void
s_new_key (const char *name, char *pub_txt, char *secret_path, size_t len)
{
    char path [256];
    s_path (path, sizeof path, name);
    zcert_t *cert = zcert_new ();
    zcert_save (cert, path);
    snprintf (pub_txt, 41, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    snprintf (secret_path, len, "%s_secret", path);
    chmod (secret_path, 0600);
}

static void
s_register (PGconn *db, const char *pub, const char *kind, const char *subject)
{
    const char *params [] = { pub, kind, subject };
    PGresult *res = PQexecParams (db, "INSERT INTO auth.keys (public_key, kind, subject) "
                                  "VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
    CHECK (PQresultStatus (res) == PGRES_COMMAND_OK, "insert: %s", PQerrorMessage (db));
    PQclear (res);
}

static int
s_case_curve (void)
{
    PGconn *db = ll_db_connect (getenv ("LEADLINE_DB"), 30000);
    if (!db || ll_auth_migrate (db)) {
        fprintf (stderr, "no store\n");
        return 1;
    }
    char server_pub [41], server_sec [300];
    char known_pub [41], known_sec [300];
    char unknown_pub [41], unknown_sec [300];
    s_new_key ("server", server_pub, server_sec, sizeof server_sec);
    s_new_key ("known", known_pub, known_sec, sizeof known_sec);
    s_new_key ("unknown", unknown_pub, unknown_sec, sizeof unknown_sec);
    s_register (db, server_pub, "service", "intake");
    s_register (db, known_pub, "terminal", "S-100");

    zactor_t *server = zactor_new (s_server, server_sec);
    char *port_txt = zstr_recv (server);
    int port = atoi (port_txt);
    zstr_free (&port_txt);
    CHECK (port > 0, "server did not start");
    if (port <= 0)
        return 1;

    //  No CURVE, and an unknown key: the handshake fails, nothing comes back.
    zsock_t *plain = s_client (port, server_pub, NULL);
    char *reply = s_ask (plain, 2000);
    CHECK (!reply, "a client without a key got %s", reply);
    zstr_free (&reply);
    zsock_destroy (&plain);
    zsock_t *stranger = s_client (port, server_pub, unknown_sec);
    reply = s_ask (stranger, 2000);
    CHECK (!reply, "an unknown key got %s", reply);
    zstr_free (&reply);
    zsock_destroy (&stranger);

    //  A registered key: admitted, with its kind and subject.
    zsock_t *known = s_client (port, server_pub, known_sec);
    reply = s_ask (known, 10000);
    CHECK (reply && !strcmp (reply, "OK terminal S-100"), "known key got %s",
           reply ? reply : "nothing");
    zstr_free (&reply);

    //  Revoked on the live connection: refused within seconds.
    const char *params [] = { known_pub };
    PGresult *res = PQexecParams (db, "UPDATE auth.keys SET revoked_at = now() "
                                  "WHERE public_key = $1", 1, NULL, params, NULL, NULL, 0);
    PQclear (res);
    bool cut = false;
    for (int i = 0; i < 50 && !cut; i++) {
        reply = s_ask (known, 5000);
        if (reply && !strncmp (reply, "REFUSED", 7)) {
            cut = true;
            CHECK (strstr (reply, "revoked") && strstr (reply, known_pub), "message: %s", reply);
        }
        zstr_free (&reply);
        if (!cut)
            zclock_sleep (200);
    }
    CHECK (cut, "a revoked key still works after 10 s");
    zsock_destroy (&known);
    //  A new connection with the revoked key fails at the handshake.
    known = s_client (port, server_pub, known_sec);
    reply = s_ask (known, 2000);
    CHECK (!reply, "a revoked key connected anew and got %s", reply);
    zstr_free (&reply);
    zsock_destroy (&known);

    zactor_destroy (&server);
    PQfinish (db);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: test_auth perms|curve\n");
        return 2;
    }
    zsys_init ();
    zsys_set_linger (0);
    snprintf (s_dir, sizeof s_dir, "%s/llauth.XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
    if (!mkdtemp (s_dir))
        return 1;
    int rc = !strcmp (argv [1], "perms") ? s_case_perms ()
           : !strcmp (argv [1], "curve") ? s_case_curve () : 2;
    char cmd [300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system (cmd)) {}
    if (rc || s_failures) {
        fprintf (stderr, "test_auth %s: %d failure(s)\n", argv [1], s_failures);
        return 1;
    }
    printf ("test_auth %s: ok\n", argv [1]);
    return 0;
}
