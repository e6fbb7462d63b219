-- Events are numbered as they are written (ll_outbox takes the stream's
-- head row in the writer's transaction), no longer by the relay after
-- commit. Rows an older build left unnumbered are numbered here, in the
-- order they were written, after the stream's head; from now on every row
-- carries its number. Stop the older build of this service before
-- migrating: its unnumbered inserts are refused from here on.
WITH n AS (
    SELECT id, stream, row_number() OVER (PARTITION BY stream ORDER BY id) AS rn
    FROM event_log WHERE seq IS NULL
), h AS (
    INSERT INTO stream_head AS sh (stream, last_seq)
    SELECT stream, max(rn) FROM n GROUP BY stream
    ON CONFLICT (stream) DO UPDATE SET last_seq = sh.last_seq + excluded.last_seq
    RETURNING sh.stream, sh.last_seq
), c AS (
    SELECT stream, count(*) AS cnt FROM n GROUP BY stream
)
UPDATE event_log e SET seq = h.last_seq - c.cnt + n.rn
FROM n JOIN h USING (stream) JOIN c USING (stream)
WHERE e.id = n.id;

ALTER TABLE event_log ALTER COLUMN seq SET NOT NULL;
DROP INDEX event_log_unnumbered;
ALTER TABLE event_log DROP COLUMN published_at;
