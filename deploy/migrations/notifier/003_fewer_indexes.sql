-- The id is derived from (event, recipient, kind) and is the primary key,
-- and seq is unique by construction: their two extra unique indexes cost
-- every insert and every state change an index entry each, for nothing.
ALTER TABLE notification DROP CONSTRAINT IF EXISTS notification_event_id_recipient_id_kind_key;
ALTER TABLE notification DROP CONSTRAINT IF EXISTS notification_seq_key;
