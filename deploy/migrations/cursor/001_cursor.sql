-- A consumer's position in each stream it follows. Moved in the same
-- transaction as the effect of the events it covers.
CREATE TABLE cursor (
    stream     text PRIMARY KEY,
    last_seq   bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
