-- The key registry: every CURVE public key that may connect, what it is
-- bound to, and whether it was revoked. Services read it every second.
CREATE TABLE keys (
    public_key text PRIMARY KEY CHECK (length(public_key) = 40),   -- Z85
    kind       text NOT NULL CHECK (kind IN ('terminal', 'person', 'service')),
    subject    text NOT NULL,          -- station id, person id or service name
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX keys_subject ON keys (subject);
