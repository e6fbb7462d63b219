/*  ll_envelope — encode and decode the protobuf Envelope every frame carries,
    with a size cap and a version check. Decoding never trusts the bytes:
    every failure returns a reason, counts it in
    leadline_decode_errors_total{reason=...} and leaves no allocation. */
#ifndef LL_ENVELOPE_H
#define LL_ENVELOPE_H
#include <czmq.h>
#include <stddef.h>
#include <stdint.h>
#include "leadline/v1/envelope.pb-c.h"

#define LL_PROTOCOL_VERSION 1
#define LL_MAX_FRAME (256 * 1024)       // also ZMQ_MAXMSGSIZE on sockets

typedef Leadline__V1__Envelope ll_envelope_t;

typedef enum {
    LL_DECODE_OK = 0,
    LL_DECODE_EMPTY,          // zero-length frame
    LL_DECODE_TOO_BIG,        // over LL_MAX_FRAME
    LL_DECODE_MALFORMED,      // not a valid Envelope
    LL_DECODE_BAD_VERSION,    // version other than LL_PROTOCOL_VERSION
    LL_DECODE_NO_BODY,        // no body, or a type this build does not know
} ll_decode_rc_t;

//  Decodes one frame. On failure returns NULL, sets *rc and writes a message
//  for the sender (what was wrong, how to fix it) into err.
ll_envelope_t *ll_envelope_decode (const void *data, size_t size,
                                   ll_decode_rc_t *rc, char *err, size_t errlen);
void ll_envelope_free (ll_envelope_t **env_p);

//  Initialises an envelope on the caller's stack: version, a new message id
//  (written into id_buf, which must outlive the envelope) and the time.
void ll_envelope_init (ll_envelope_t *env, char id_buf [37]);

//  Packs into a new frame (or malloc'd buffer); NULL if over the cap.
zframe_t *ll_envelope_frame (const ll_envelope_t *env);
uint8_t *ll_envelope_pack (const ll_envelope_t *env, size_t *size);

const char *ll_decode_rc_name (ll_decode_rc_t rc);
//  The body's type name, e.g. "submit_lead"; "none" if unset.
const char *ll_envelope_type_name (const ll_envelope_t *env);

//  Sets ZMQ_MAXMSGSIZE and both high-water marks on a socket.
void ll_socket_caps (zsock_t *sock, int hwm);

#endif
