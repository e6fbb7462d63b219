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
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    first_seq bigint;
    last_seq bigint;
BEGIN
    PERFORM pg_advisory_xact_lock (hashtext ('leadline_notifier_inbox'));
    FOR r IN
        SELECT * FROM notifier.add_notifications (p_ids, p_recipients, p_kinds, p_titles,
                                                  p_bodies, p_urgent, p_events, p_streams,
                                                  p_leads, p_created, p_now)
    LOOP
        o_id := r.o_id; o_seq := r.o_seq; o_recipient := r.o_recipient; o_kind := r.o_kind;
        o_title := r.o_title; o_body := r.o_body; o_urgent := r.o_urgent; o_lead := r.o_lead;
        o_created := r.o_created;
        first_seq := least (first_seq, r.o_seq);
        last_seq := greatest (last_seq, r.o_seq);
        RETURN NEXT;
    END LOOP;
    IF last_seq IS NOT NULL THEN
        PERFORM pg_notify ('leadline_notifier_inbox',
                           p_instance || ' ' || first_seq || ' ' || last_seq);
    END IF;
END $$;
