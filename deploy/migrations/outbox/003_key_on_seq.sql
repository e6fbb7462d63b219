-- With every row numbered as it is written, (stream, seq) is the log's key:
-- the surrogate id's index is one more index entry per event for nothing
-- (the column stays: it still says in which order rows were inserted).
ALTER TABLE event_log DROP CONSTRAINT event_log_pkey;
ALTER TABLE event_log DROP CONSTRAINT event_log_stream_seq_key;
ALTER TABLE event_log ADD CONSTRAINT event_log_pkey PRIMARY KEY (stream, seq);
