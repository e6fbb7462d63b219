#include "ll_envelope.h"
#include "ll_clock.h"
#include "ll_metrics.h"
#include "ll_uuid.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *s_rc_names [] = {
    "ok", "empty", "too_big", "malformed", "bad_version", "no_body"
};

const char *
ll_decode_rc_name (ll_decode_rc_t rc)
{
    return rc <= LL_DECODE_NO_BODY ? s_rc_names [rc] : "unknown";
}

static void
s_fail (ll_decode_rc_t reason, ll_decode_rc_t *rc, char *err, size_t errlen,
        const char *fmt, size_t a, size_t b)
{
    if (rc)
        *rc = reason;
    if (err && errlen)
        snprintf (err, errlen, fmt, a, b);
    char labels [64];
    snprintf (labels, sizeof labels, "reason=\"%s\"", ll_decode_rc_name (reason));
    ll_metric_inc ("leadline_decode_errors_total", labels,
                   "Frames that could not be decoded, by reason");
}

//  protobuf-c accepts field number 0 when its tag is padded to several
//  bytes, keeps it as an unknown field and writes it back in one byte,
//  which it then rejects: such a frame decodes but does not survive a
//  re-encode. Field 0 is not valid protobuf, so refuse it at any depth.
static bool
s_has_field_zero (const ProtobufCMessage *msg)
{
    for (unsigned i = 0; i < msg->n_unknown_fields; i++)
        if (msg->unknown_fields [i].tag == 0)
            return true;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *) msg;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + field->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) (base + field->offset);
            for (size_t k = 0; k < n; k++)
                if (items [k] && s_has_field_zero (items [k]))
                    return true;
            continue;
        }
        //  Only the oneof member in use holds a message; the others alias it.
        if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) (base + field->quantifier_offset) != field->id)
            continue;
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *) (base + field->offset);
        if (sub && s_has_field_zero (sub))
            return true;
    }
    return false;
}

ll_envelope_t *
ll_envelope_decode (const void *data, size_t size,
                    ll_decode_rc_t *rc, char *err, size_t errlen)
{
    if (!data || size == 0) {
        s_fail (LL_DECODE_EMPTY, rc, err, errlen,
                "empty frame: send one leadline.v1.Envelope per frame%.0zu%.0zu", 0, 0);
        return NULL;
    }
    if (size > LL_MAX_FRAME) {
        s_fail (LL_DECODE_TOO_BIG, rc, err, errlen,
                "frame of %zu bytes is over the %zu-byte limit: shorten notes or split the batch",
                size, (size_t) LL_MAX_FRAME);
        return NULL;
    }
    ll_envelope_t *env = leadline__v1__envelope__unpack (NULL, size, data);
    if (env && s_has_field_zero (&env->base)) {
        leadline__v1__envelope__free_unpacked (env, NULL);
        env = NULL;
    }
    if (!env) {
        s_fail (LL_DECODE_MALFORMED, rc, err, errlen,
                "frame of %zu bytes is not a valid leadline.v1.Envelope: "
                "check the client speaks protocol v1%.0zu", size, 0);
        return NULL;
    }
    if (env->version != LL_PROTOCOL_VERSION) {
        s_fail (LL_DECODE_BAD_VERSION, rc, err, errlen,
                "protocol version %zu is not supported; this service speaks version %zu: "
                "upgrade the client or the service", env->version, LL_PROTOCOL_VERSION);
        leadline__v1__envelope__free_unpacked (env, NULL);
        return NULL;
    }
    if (env->body_case == LEADLINE__V1__ENVELOPE__BODY__NOT_SET) {
        s_fail (LL_DECODE_NO_BODY, rc, err, errlen,
                "envelope has no body, or a message type this service does not know "
                "(%zu unknown fields): check the client and service versions",
                (size_t) env->base.n_unknown_fields, 0);
        leadline__v1__envelope__free_unpacked (env, NULL);
        return NULL;
    }
    if (rc)
        *rc = LL_DECODE_OK;
    return env;
}

void
ll_envelope_free (ll_envelope_t **env_p)
{
    if (env_p && *env_p) {
        leadline__v1__envelope__free_unpacked (*env_p, NULL);
        *env_p = NULL;
    }
}

void
ll_envelope_init (ll_envelope_t *env, char id_buf [37])
{
    leadline__v1__envelope__init (env);
    env->version = LL_PROTOCOL_VERSION;
    ll_uuid_new (id_buf);
    env->message_id = id_buf;
    env->time_us = ll_clock_now_us ();
}

uint8_t *
ll_envelope_pack (const ll_envelope_t *env, size_t *size)
{
    size_t len = leadline__v1__envelope__get_packed_size (env);
    if (len > LL_MAX_FRAME)
        return NULL;
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return NULL;
    leadline__v1__envelope__pack (env, buf);
    *size = len;
    return buf;
}

zframe_t *
ll_envelope_frame (const ll_envelope_t *env)
{
    size_t len = leadline__v1__envelope__get_packed_size (env);
    if (len > LL_MAX_FRAME)
        return NULL;
    zframe_t *frame = zframe_new (NULL, len);
    leadline__v1__envelope__pack (env, zframe_data (frame));
    return frame;
}

const char *
ll_envelope_type_name (const ll_envelope_t *env)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field (
        &leadline__v1__envelope__descriptor, (unsigned) env->body_case);
    return field ? field->name : "none";
}

void
ll_socket_caps (zsock_t *sock, int hwm)
{
    zsock_set_maxmsgsize (sock, LL_MAX_FRAME + 1024);
    zsock_set_sndhwm (sock, hwm);
    zsock_set_rcvhwm (sock, hwm);
}
