-- Duplicate look-ups find a key; the time window and "is an original" are
-- filters on the few rows found. Indexes that also held entered_at, or
-- were partial on duplicate_of IS NULL, could be scanned whole for those
-- conditions alone: a plan made while the table was small (statistics lag
-- behind a fast-growing table) did exactly that and stayed. On the key
-- alone, the key is the only way in.
DROP INDEX IF EXISTS leads_phone_key;
DROP INDEX IF EXISTS leads_name_zip_key;
DROP INDEX IF EXISTS leads_name_addr_key;
CREATE INDEX leads_phone_key ON leads (phone_key);
CREATE INDEX leads_name_zip_key ON leads (name_zip_key);
CREATE INDEX leads_name_addr_key ON leads (name_addr_key);
