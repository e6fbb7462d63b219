/*  ll_auth — who is on the other end of a service's ROUTER.

    With LEADLINE_AUTH_SECRET_KEY_FILE set, the service's ROUTER sockets
    speak CURVE and a ZAP handler (one per process, on the service's zloop)
    admits only public keys registered in auth.keys and not revoked. The
    registry is cached in memory and re-read every second, so a revocation
    takes effect within seconds; ll_auth_principal() re-checks the cache on
    every message, which is what cuts off a live connection.

    Without the variable the service warns once that any client can connect;
    principals are then "anonymous" and the identity a client claims is
    trusted. Secret keys are read from files with mode 0600 and never logged. */
#ifndef LL_AUTH_H
#define LL_AUTH_H
#include <czmq.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _ll_auth_t ll_auth_t;

typedef struct {
    bool anonymous;           // CURVE is off: nothing is known of the peer
    char public_key [41];     // Z85
    char kind [16];           // "terminal", "person", "service"
    char subject [64];        // station id, person id, service name
} ll_principal_t;

//  Reads LEADLINE_AUTH_SECRET_KEY_FILE; with CURVE on, also binds the
//  process's ZAP handler (create it before any ROUTER binds). NULL (after logging why) when the
//  file is unsafe or unreadable, or the registry cannot be read.
ll_auth_t *ll_auth_new (const char *conninfo);
//  The same with an explicit secret file; NULL file = CURVE off.
ll_auth_t *ll_auth_new_with (const char *conninfo, const char *secret_file);
void ll_auth_destroy (ll_auth_t **self_p);

bool ll_auth_enabled (ll_auth_t *self);

//  Makes `router` a CURVE server with the service's key; call before bind.
//  Does nothing when CURVE is off. 0 or -1.
int ll_auth_server (ll_auth_t *self, zsock_t *router);

//  Puts the ZAP handler and the registry refresh on `loop`. 0 or -1.
int ll_auth_attach (ll_auth_t *self, zloop_t *loop);

//  Who sent `frame` (a frame received on a socket set up by
//  ll_auth_server). 0 with *principal filled, or -1 with a message for the
//  sender in err (unknown or revoked key).
int ll_auth_principal (ll_auth_t *self, zframe_t *frame, ll_principal_t *principal,
                       char *err, size_t errlen);

//  The same check for a public key (Z85) already taken from a message:
//  services re-check their live connections with it, so a revoked key is
//  cut off even on a connection that stays silent. 0 or -1 as above.
int ll_auth_key_principal (ll_auth_t *self, const char *public_key, ll_principal_t *principal,
                           char *err, size_t errlen);

//  Re-reads the registry now (the timer does it every second). 0 or -1.
int ll_auth_refresh (ll_auth_t *self);

//  0 if `path` exists and is readable by its owner only; else -1 with a
//  message naming the file and the fix.
int ll_auth_check_secret_file (const char *path, char *err, size_t errlen);

//  Client side: applies LEADLINE_AUTH_CLIENT_KEY_FILE (the client's secret
//  certificate) and LEADLINE_AUTH_SERVER_KEY (the server's Z85 public key)
//  to `sock`, before connect. Nothing when LEADLINE_AUTH_SERVER_KEY is
//  unset. 0, or -1 with the reason in err.
int ll_auth_client (zsock_t *sock, char *err, size_t errlen);

//  ---- the event backbone (ll_relay, ll_subscriber)
//
//  The process's instance with CURVE on (the first ll_auth_new with a key),
//  or NULL.
ll_auth_t *ll_auth_process (void);

//  Makes a relay's PUB or replay socket a CURVE server with the process's
//  key, before bind, admitting service keys only (ZAP domain
//  "leadline-backbone"). When a service key that was admitted is revoked
//  or removed, every connection of these sockets is dropped (unbind, bind
//  again) at the next registry refresh: the revoked peer cannot come back,
//  the others reconnect and replay what they missed. Nothing when CURVE is
//  off. 0 or -1.
int ll_auth_backbone_server (zsock_t *sock);
//  Call before destroying a socket given to ll_auth_backbone_server.
void ll_auth_backbone_forget (zsock_t *sock);

//  Client side for a subscriber of `stream`, before connect: its own key
//  from LEADLINE_AUTH_CLIENT_KEY_FILE (else LEADLINE_AUTH_SECRET_KEY_FILE,
//  the service's own pair); the producer's public key from
//  LEADLINE_AUTH_SERVER_KEY_<STREAM> (e.g. ..._INTAKE), else the newest
//  unrevoked service key registered with the stream's name as subject.
//  Nothing without a key of its own. 0, or -1 with the reason in err.
int ll_auth_backbone_client (zsock_t *sock, const char *stream, const char *conninfo,
                             char *err, size_t errlen);

//  Creates or upgrades the key registry (schema auth). 0 or -1.
int ll_auth_migrate (PGconn *conn);

#endif
