/*  Fuzz target: ll_envelope_decode on arbitrary bytes. Whatever comes in,
    decoding must not crash, leak or read out of bounds; a failure must say
    why; and anything that decodes must survive a re-encode and decode with
    the same bytes the second time round (a relay or replay re-packs
    envelopes it received, so the encoding has to be stable). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ll_envelope.h"

static void
s_die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_envelope: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    ll_decode_rc_t rc = LL_DECODE_OK;
    char err [512] = "";
    ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    if (!env) {
        if (rc == LL_DECODE_OK)
            s_die ("decode failed without a reason", NULL);
        if (!*err)
            s_die ("decode failed without a message", ll_decode_rc_name (rc));
        return 0;
    }
    if (rc != LL_DECODE_OK)
        s_die ("decode returned an envelope and a failure", ll_decode_rc_name (rc));
    if (env->version != LL_PROTOCOL_VERSION)
        s_die ("decoded an envelope of another version", NULL);
    const char *type = ll_envelope_type_name (env);
    if (strcmp (type, "none") == 0)
        s_die ("decoded an envelope without a body", NULL);

    size_t once_size = 0;
    uint8_t *once = ll_envelope_pack (env, &once_size);
    if (once) {         // NULL only if re-encoding grew it past the cap
        ll_envelope_t *again = ll_envelope_decode (once, once_size, &rc, err, sizeof err);
        if (!again)
            s_die ("re-encoded envelope does not decode", err);
        if (again->body_case != env->body_case)
            s_die ("body type changed in the round trip", type);
        if (strcmp (again->message_id, env->message_id) != 0
        ||  strcmp (again->stream, env->stream) != 0
        ||  again->sequence != env->sequence || again->time_us != env->time_us)
            s_die ("envelope header changed in the round trip", type);
        size_t twice_size = 0;
        uint8_t *twice = ll_envelope_pack (again, &twice_size);
        if (!twice || twice_size != once_size || memcmp (once, twice, once_size) != 0)
            s_die ("encoding is not stable", type);
        free (twice);
        ll_envelope_free (&again);
        free (once);
    }
    ll_envelope_free (&env);
    return 0;
}
