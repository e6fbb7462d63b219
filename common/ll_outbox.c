#include "ll_outbox.h"
#include "ll_clock.h"
#include "ll_db.h"
#include "ll_log.h"
#include "ll_uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_migration_t ll_outbox_migrations [];
extern const size_t ll_outbox_migration_count;

int
ll_outbox_migrate (PGconn *conn, const char *schema)
{
    return ll_db_migrate (conn, schema, "outbox", ll_outbox_migrations,
                          ll_outbox_migration_count) < 0 ? -1 : 0;
}

static void
s_stmt_name (char *buf, size_t len, const char *schema, const char *what)
{
    snprintf (buf, len, "ll_outbox_%s_%s", what, schema);
}

int
ll_outbox_prepare (PGconn *conn, const char *schema)
{
    char name [128], sql [1024];
    //  Numbers as it writes: the stream's head row is bumped by the batch's
    //  size and stays locked until this transaction ends, so the next writer
    //  on the stream numbers after this one commits (or rolls back, taking
    //  its numbers with it). Sequence order is commit order, gap-free, and
    //  each event is written once.
    s_stmt_name (name, sizeof name, schema, "batch");
    snprintf (sql, sizeof sql,
        "WITH h AS ("
        "  INSERT INTO %1$s.stream_head AS sh (stream, last_seq)"
        "  VALUES ($1, cardinality ($2::uuid[]))"
        "  ON CONFLICT (stream) DO UPDATE SET last_seq = sh.last_seq + excluded.last_seq"
        "  RETURNING sh.last_seq"
        "), w AS ("
        "  INSERT INTO %1$s.event_log (stream, seq, event_id, type, payload)"
        "  SELECT $1, h.last_seq - cardinality ($2::uuid[]) + u.n, u.e, u.t, u.p"
        "  FROM h, unnest ($2::uuid[], $3::text[], $4::bytea[]) WITH ORDINALITY AS u (e, t, p, n)"
        "  RETURNING 1"
        ") "
        //  The relay's wake-up, delivered on commit, in the same round trip.
        "SELECT pg_notify ('leadline_%1$s', '') FROM (SELECT count(*) FROM w) AS c",
        schema);
    return ll_db_prepare (conn, name, sql);
}

//  Fills the envelope's header fields. A missing id is made in `id_buf`,
//  which lives only for the call: the caller's pointer is put back after.
static void
s_stamp (ll_envelope_t *env, const char *stream, char id_buf [LL_UUID_LEN])
{
    env->version = LL_PROTOCOL_VERSION;
    if (!env->message_id || !*env->message_id) {
        ll_uuid_new (id_buf);
        env->message_id = id_buf;
    }
    if (!env->time_us)
        env->time_us = ll_clock_now_us ();
    env->stream = (char *) stream;
    env->sequence = 0;
}

int
ll_outbox_append (PGconn *conn, const char *schema, const char *stream,
                  ll_envelope_t *env, char *sqlstate)
{
    ll_envelope_t *one [] = { env };
    return ll_outbox_append_batch (conn, schema, stream, one, 1, sqlstate);
}

//  Appends `\x<hex>` as a quoted element of a PostgreSQL array literal.
static void
s_hex_element (FILE *out, const uint8_t *data, size_t size)
{
    static const char hex [] = "0123456789abcdef";
    fputs ("\"\\\\x", out);
    //  Encoded a chunk at a time: a stream call per character was the
    //  largest cost of a group-committed batch in intake's profile.
    char chunk [1024];
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
        chunk [n++] = hex [data [i] >> 4];
        chunk [n++] = hex [data [i] & 15];
        if (n == sizeof chunk) {
            fwrite (chunk, 1, n, out);
            n = 0;
        }
    }
    fwrite (chunk, 1, n, out);
    fputc ('"', out);
}

int
ll_outbox_append_batch (PGconn *conn, const char *schema, const char *stream,
                        ll_envelope_t **envs, size_t count, char *sqlstate)
{
    if (count == 0)
        return 0;
    char name [128];
    int rc = -1;
    PGresult *res = NULL;
    char (*ids) [LL_UUID_LEN] = calloc (count, LL_UUID_LEN);
    char *id_arr = NULL, *type_arr = NULL, *payload_arr = NULL;
    size_t id_len = 0, type_len = 0, payload_len = 0;
    FILE *id_out = open_memstream (&id_arr, &id_len);
    FILE *type_out = open_memstream (&type_arr, &type_len);
    FILE *payload_out = open_memstream (&payload_arr, &payload_len);
    if (!ids || !id_out || !type_out || !payload_out)
        goto done;

    //  One statement for the whole batch: the arrays are text literals, the
    //  payloads hex-encoded bytea. Values are parameters, never SQL text.
    fputc ('{', id_out);
    fputc ('{', type_out);
    fputc ('{', payload_out);
    for (size_t i = 0; i < count; i++) {
        s_stamp (envs [i], stream, ids [i]);
        size_t size;
        uint8_t *packed = ll_envelope_pack (envs [i], &size);
        if (!packed) {
            ll_error ("outbox.pack", "event %s is over the frame limit; not written",
                      envs [i]->message_id);
            goto done;
        }
        const char *sep = i ? "," : "";
        fprintf (id_out, "%s%s", sep, envs [i]->message_id);
        fprintf (type_out, "%s%s", sep, ll_envelope_type_name (envs [i]));
        fputs (sep, payload_out);
        s_hex_element (payload_out, packed, size);
        free (packed);
    }
    fputc ('}', id_out);
    fputc ('}', type_out);
    fputc ('}', payload_out);
    fclose (id_out);
    fclose (type_out);
    fclose (payload_out);
    id_out = type_out = payload_out = NULL;

    const char *params [] = { stream, id_arr, type_arr, payload_arr };
    s_stmt_name (name, sizeof name, schema, "batch");
    res = ll_db_execp (conn, name, 4, params, sqlstate);
    if (res)
        rc = 0;
done:
    for (size_t i = 0; ids && i < count; i++)
        if (envs [i]->message_id == ids [i])
            envs [i]->message_id = NULL;
    if (id_out) fclose (id_out);
    if (type_out) fclose (type_out);
    if (payload_out) fclose (payload_out);
    PQclear (res);
    free (id_arr);
    free (type_arr);
    free (payload_arr);
    free (ids);
    return rc;
}
