-- Keys are compared byte for byte: idempotency keys, duplicate keys and
-- ids are not words to sort for people, and under a libc locale every
-- btree comparison would go through strcoll(), which the batch profile
-- showed as the largest cost of looking keys up and inserting leads.
ALTER TABLE leads
    ALTER COLUMN idempotency_key TYPE text COLLATE "C",
    ALTER COLUMN phone_key TYPE text COLLATE "C",
    ALTER COLUMN name_zip_key TYPE text COLLATE "C",
    ALTER COLUMN name_addr_key TYPE text COLLATE "C";
ALTER TABLE idempotency ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE rep_load ALTER COLUMN rep_id TYPE text COLLATE "C";
ALTER TABLE rr_state
    ALTER COLUMN scope TYPE text COLLATE "C",
    ALTER COLUMN rep_id TYPE text COLLATE "C";
-- The rewrite dropped the columns' statistics; the planner needs them now.
ANALYZE leads;
ANALYZE idempotency;
