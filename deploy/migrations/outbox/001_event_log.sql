-- The producer's event log (transactional outbox). Producers insert with
-- seq NULL in the same transaction as their state change; the relay numbers
-- rows per stream after they commit, then publishes them.
CREATE TABLE event_log (
    id          bigserial PRIMARY KEY,
    stream      text        NOT NULL,
    seq         bigint,
    event_id    uuid        NOT NULL UNIQUE,
    type        text        NOT NULL,
    payload     bytea       NOT NULL,     -- packed Envelope, sequence unset
    created_at  timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    UNIQUE (stream, seq)
);
CREATE INDEX event_log_unnumbered ON event_log (id) WHERE seq IS NULL;

CREATE TABLE stream_head (
    stream   text PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0
);
