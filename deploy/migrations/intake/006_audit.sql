-- Who changed a lead, when, and through which key. A lead card's submitter
-- is on the lead itself (employee, station, and the terminal key it came
-- through: one more column of the batch insert, no row per card). Every
-- later change (contact, outcome, reassign) adds a row to intake.audit in
-- the transaction that makes it. Keys are CURVE public keys (Z85, the
-- first column of `leadline admin keys list`); NULL when CURVE is off and
-- nothing but the claimed sender is known.
ALTER TABLE leads ADD COLUMN submitted_key text;

CREATE TABLE audit (
    id              bigserial PRIMARY KEY,
    lead_id         uuid NOT NULL,
    action          text NOT NULL,         -- contact, outcome, reassign
    actor           text NOT NULL,         -- the rep or manager who acted
    via_key         text,                  -- public key of the sender; NULL with CURVE off
    at              timestamptz NOT NULL,  -- when intake recorded it (the service clock)
    idempotency_key text NOT NULL,
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX audit_lead ON audit (lead_id, id);
