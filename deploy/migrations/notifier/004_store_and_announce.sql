-- One round trip per subscriber batch for what took three: the advisory
-- lock that serialises inbox writes of every notifier instance until
-- commit (so a transaction's seqs form one range and seq order is commit
-- order), the insert, and the announcement of the range to the other
-- instances (NOTIFY, delivered on commit). docs/notifier.md, "Two
-- instances".
CREATE FUNCTION add_notifications_announced (p_instance text, p_ids uuid[],
                                             p_recipients text[], p_kinds int[],
                                             p_titles text[], p_bodies text[],
                                             p_urgent boolean[], p_events text[],
                                             p_streams text[], p_leads text[],
                                             p_created bigint[], p_now bigint)
RETURNS TABLE (o_id uuid, o_seq bigint, o_recipient text, o_kind int, o_title text,
               o_body text, o_urgent boolean, o_lead text, o_created bigint)
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock (hashtext ('leadline_notifier_inbox'));
    --  The rows pass through untouched; the announcement is made once, from
    --  their seq range, and only if there are any.
    WITH r AS MATERIALIZED (
        SELECT * FROM notifier.add_notifications (p_ids, p_recipients, p_kinds, p_titles,
                                                  p_bodies, p_urgent, p_events, p_streams,
                                                  p_leads, p_created, p_now)
    ), n AS MATERIALIZED (
        SELECT count (pg_notify ('leadline_notifier_inbox',
                                 p_instance || ' ' || lo || ' ' || hi)) AS announced
          FROM (SELECT min (o_seq) AS lo, max (o_seq) AS hi FROM r) m
         WHERE hi IS NOT NULL
    )
    SELECT r.* FROM r CROSS JOIN n;
$$;
