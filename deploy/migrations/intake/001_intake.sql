-- Intake's own state: the leads, the replies of commands already answered
-- (idempotency) and the assignment state. Org data lives in schema org.
CREATE TABLE leads (
    id                uuid PRIMARY KEY,
    idempotency_key   text NOT NULL UNIQUE,
    employee_id       text NOT NULL,
    station_id        text NOT NULL,
    office_id         text NOT NULL,
    district_id       text NOT NULL,
    program           smallint NOT NULL,          -- leadline.v1.Program
    card_completed_at timestamptz NOT NULL,
    entered_at        timestamptz NOT NULL,
    business_name     text NOT NULL,
    business_address  text NOT NULL DEFAULT '',
    business_zip      text NOT NULL,
    contact_name      text NOT NULL,
    contact_phone     text NOT NULL DEFAULT '',
    contact_email     text NOT NULL DEFAULT '',
    products          smallint[] NOT NULL,        -- leadline.v1.Product
    notes             text NOT NULL DEFAULT '',
    -- normalised keys for duplicate detection ('' when not available)
    phone_key         text NOT NULL DEFAULT '',
    name_zip_key      text NOT NULL DEFAULT '',
    name_addr_key     text NOT NULL DEFAULT '',
    duplicate_of      uuid REFERENCES leads (id),
    matched_on        text,
    status            text NOT NULL CHECK (status IN ('unassigned', 'assigned',
                      'contacted', 'won', 'lost', 'no_interest', 'duplicate')),
    rep_id            text,
    assign_reason     text NOT NULL DEFAULT '',
    fallback          boolean NOT NULL DEFAULT false,
    first_attempt_at  timestamptz,
    contacted_at      timestamptz,
    outcome           smallint,                   -- leadline.v1.Outcome
    outcome_products  smallint[],
    revenue_cents     bigint,
    lost_reason       text,
    outcome_at        timestamptz,
    updated_at        timestamptz NOT NULL
);
-- Duplicate look-ups: originals only, newest first within the window.
CREATE INDEX leads_phone_key ON leads (phone_key, entered_at)
    WHERE duplicate_of IS NULL;
CREATE INDEX leads_name_zip_key ON leads (name_zip_key, entered_at)
    WHERE duplicate_of IS NULL;
CREATE INDEX leads_name_addr_key ON leads (name_addr_key, entered_at)
    WHERE duplicate_of IS NULL;
CREATE INDEX leads_rep ON leads (rep_id) WHERE rep_id IS NOT NULL;
CREATE INDEX leads_employee ON leads (employee_id);

-- What happened on each contact attempt.
CREATE TABLE contacts (
    id      bigserial PRIMARY KEY,
    lead_id uuid NOT NULL REFERENCES leads (id),
    rep_id  text NOT NULL,
    kind    smallint NOT NULL,                    -- leadline.v1.ContactKind
    at      timestamptz NOT NULL,
    note    text NOT NULL DEFAULT ''
);
CREATE INDEX contacts_lead ON contacts (lead_id);

-- Every command answered OK, with the reply it got, so that a retry with
-- the same key gets the same reply and no second effect.
CREATE TABLE idempotency (
    key          text PRIMARY KEY,
    request_hash text NOT NULL,                   -- SHA-1 of type + packed body
    reply        bytea NOT NULL,                  -- packed reply body
    created_at   timestamptz NOT NULL
);

-- Open leads per rep (assigned, no outcome), kept with every change so
-- assignment can check capacity without counting.
CREATE TABLE rep_load (
    rep_id     text PRIMARY KEY,
    open_leads int NOT NULL DEFAULT 0
);

-- Smooth weighted round robin: each rep's current weight per territory
-- ('office:O1', 'district:D1').
CREATE TABLE rr_state (
    scope   text NOT NULL,
    rep_id  text NOT NULL,
    current bigint NOT NULL,
    PRIMARY KEY (scope, rep_id)
);
