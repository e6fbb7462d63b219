-- A submitted card's reply is kept on its lead rather than in a row of its
-- own in idempotency (which keeps the replies of updates): one row and one
-- index entry less per lead. Leads stored before this migration have
-- theirs in idempotency; the look-up reads both.
ALTER TABLE leads ADD COLUMN request_hash text, ADD COLUMN reply bytea;
