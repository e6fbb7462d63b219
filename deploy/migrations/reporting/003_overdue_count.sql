-- "Leads now past a deadline" counts every such lead of the station and
-- shows the oldest 50. The index of 002 carries what the list shows, so it
-- is wide; counting hundreds of leads from it reads a page per few dozen.
-- This one holds only what the count needs, a few hundred leads a page.
CREATE INDEX lead_fact_open_count ON lead_fact (station_id, entered_at) INCLUDE (contact_breached)
    WHERE contacted_at IS NULL AND outcome = 0 AND NOT duplicate;
