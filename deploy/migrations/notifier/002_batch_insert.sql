-- One statement per subscriber batch instead of one per event: every
-- field is an array, a row per notification, whatever event it came from.
-- Same rules as before: only new rows come back, channel sends are planned
-- for them in the same transaction.
DROP FUNCTION add_notifications (uuid[], text[], int[], text[], text[], boolean[],
                                 text, text, text, bigint, bigint);

CREATE FUNCTION add_notifications (p_ids uuid[], p_recipients text[], p_kinds int[],
                                   p_titles text[], p_bodies text[], p_urgent boolean[],
                                   p_events text[], p_streams text[], p_leads text[],
                                   p_created bigint[], p_now bigint)
RETURNS TABLE (o_id uuid, o_seq bigint, o_recipient text, o_kind int, o_title text,
               o_body text, o_urgent boolean, o_lead text, o_created bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    pref notifier.preferences;
    tz text;
    due bigint;
    any_prefs boolean;
BEGIN
    --  Most people have no preferences: skip the look-up per row then.
    SELECT EXISTS (SELECT 1 FROM notifier.preferences p
                    WHERE p.person_id = ANY (p_recipients)
                      AND (p.email OR p.webhook_url <> '')) INTO any_prefs;
    FOR r IN
        INSERT INTO notifier.notification AS n (id, recipient_id, kind, event_id, stream,
                                                lead_id, title, body, urgent, created_us)
        SELECT u.id, u.recipient, u.kind, u.event, u.stream, u.lead, u.title, u.body,
               u.urgent, u.created
          FROM unnest (p_ids, p_recipients, p_kinds, p_titles, p_bodies, p_urgent,
                       p_events, p_streams, p_leads, p_created)
               AS u (id, recipient, kind, title, body, urgent, event, stream, lead, created)
        ON CONFLICT DO NOTHING
        RETURNING n.id, n.seq, n.recipient_id, n.kind, n.title, n.body, n.urgent,
                  n.lead_id, n.created_us
    LOOP
        o_id := r.id; o_seq := r.seq; o_recipient := r.recipient_id; o_kind := r.kind;
        o_title := r.title; o_body := r.body; o_urgent := r.urgent; o_lead := r.lead_id;
        o_created := r.created_us;
        RETURN NEXT;
        CONTINUE WHEN NOT any_prefs;
        SELECT * INTO pref FROM notifier.preferences WHERE person_id = r.recipient_id;
        CONTINUE WHEN NOT FOUND OR (NOT pref.email AND pref.webhook_url = '');
        due := p_now;
        IF NOT r.urgent THEN
            tz := notifier.person_time_zone (r.recipient_id);
            IF pref.digest THEN
                INSERT INTO notifier.digest_item (person_id, notification_id, due_us)
                VALUES (r.recipient_id, r.id,
                        notifier.quiet_until (tz, notifier.next_local (tz, p_now, pref.digest_at),
                                              pref.quiet_start, pref.quiet_end))
                ON CONFLICT DO NOTHING;
                CONTINUE;
            END IF;
            due := notifier.quiet_until (tz, p_now, pref.quiet_start, pref.quiet_end);
        END IF;
        PERFORM notifier.plan_sends (r.recipient_id, r.id::text, ARRAY [r.id], r.title,
            r.body || CASE WHEN r.lead_id <> '' THEN E'\n\nLead: ' || r.lead_id ELSE '' END,
            jsonb_build_object ('type', 'notification', 'id', r.id, 'recipient_id', r.recipient_id,
                                'kind', r.kind, 'lead_id', r.lead_id, 'title', r.title,
                                'body', r.body, 'urgent', r.urgent, 'created_us', r.created_us),
            r.urgent, due, p_now);
    END LOOP;
END $$;
