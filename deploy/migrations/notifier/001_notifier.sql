-- The notifier's own tables: the durable inbox, preferences, and the sends
-- of the other channels (email, webhook) with their attempts. Applied with
-- search_path = notifier, public. Org data is read (never written) from
-- schema `org`; functions that read it are PL/pgSQL so they bind late and
-- this migration does not depend on intake's having run first.

-- One row per (event, recipient, kind). The id is a UUID v5 of those three,
-- made by the notifier, so a replayed or duplicated event finds its row
-- already there (ON CONFLICT DO NOTHING) and never makes a second one.
CREATE TABLE notification (
    seq          bigserial NOT NULL UNIQUE,        -- delivery order
    id           uuid PRIMARY KEY,
    recipient_id text NOT NULL,
    kind         smallint NOT NULL,                -- leadline.v1.NotificationKind
    event_id     text NOT NULL,                    -- Envelope.message_id of the cause
    stream       text NOT NULL,
    lead_id      text NOT NULL DEFAULT '',
    title        text NOT NULL,
    body         text NOT NULL DEFAULT '',
    urgent       boolean NOT NULL DEFAULT false,
    created_us   bigint NOT NULL,
    state        text NOT NULL DEFAULT 'unread'
                 CHECK (state IN ('unread', 'delivered', 'acknowledged')),
    deliveries   int NOT NULL DEFAULT 0,           -- frames sent to clients
    delivered_us bigint,
    acked_us     bigint,
    UNIQUE (event_id, recipient_id, kind)
);
CREATE INDEX notification_open ON notification (recipient_id, seq)
    WHERE state <> 'acknowledged';
CREATE INDEX notification_recipient ON notification (recipient_id, seq);

-- Per person. No row: the inbox only. Breaches and escalations are urgent:
-- they go out at once on every channel the person has, quiet hours or not,
-- and never wait for the digest.
CREATE TABLE preferences (
    person_id     text PRIMARY KEY,
    email         boolean NOT NULL DEFAULT false,
    email_address text NOT NULL DEFAULT '',        -- '' = the address in org
    webhook_url   text NOT NULL DEFAULT '',        -- '' = no webhook
    quiet_start   time,                            -- local time; NULL = none
    quiet_end     time,
    digest        boolean NOT NULL DEFAULT false,  -- non-urgent items once a day
    digest_at     time NOT NULL DEFAULT '08:00',
    time_zone     text NOT NULL DEFAULT '',        -- '' = the person's district, else UTC
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- One message on one channel: a single notification, or a digest of many.
-- The id is derived from what it carries, so planning it twice is harmless.
CREATE TABLE channel_send (
    id               uuid PRIMARY KEY,
    person_id        text NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('email', 'webhook')),
    address          text NOT NULL,                -- mailbox or URL
    subject          text NOT NULL,
    body             text NOT NULL,                -- plain text (email)
    payload          text NOT NULL,                -- JSON (webhook)
    notification_ids uuid[] NOT NULL,
    urgent           boolean NOT NULL,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'dead')),
    due_us           bigint NOT NULL,              -- next attempt, on the Leadline clock
    attempts         int NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    created_us       bigint NOT NULL,
    done_us          bigint
);
CREATE INDEX channel_send_due ON channel_send (due_us) WHERE state = 'pending';
CREATE INDEX channel_send_dead ON channel_send (done_us) WHERE state = 'dead';

CREATE TABLE channel_attempt (
    send_id uuid NOT NULL REFERENCES channel_send (id),
    attempt int NOT NULL,
    at_us   bigint NOT NULL,
    ok      boolean NOT NULL,
    detail  text NOT NULL,
    PRIMARY KEY (send_id, attempt)
);

-- Non-urgent notifications waiting for the person's next digest.
CREATE TABLE digest_item (
    person_id       text NOT NULL,
    notification_id uuid NOT NULL REFERENCES notification (id),
    due_us          bigint NOT NULL,
    PRIMARY KEY (person_id, notification_id)
);
CREATE INDEX digest_item_due ON digest_item (due_us);

-- The person's time zone: their own setting, else their district's (found
-- through whatever role they hold in org), else UTC. An unknown zone name
-- counts as UTC rather than failing the event.
CREATE FUNCTION person_time_zone (p text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    tz text;
BEGIN
    SELECT nullif (time_zone, '') INTO tz FROM notifier.preferences WHERE person_id = p;
    IF tz IS NULL THEN
        BEGIN
            SELECT coalesce (
                (SELECT d.time_zone FROM org.employees e
                   JOIN org.stations s ON s.id = e.station_id
                   JOIN org.offices o ON o.id = s.office_id
                   JOIN org.districts d ON d.id = o.district_id WHERE e.id = p),
                (SELECT d.time_zone FROM org.coordinators c
                   JOIN org.offices o ON o.id = c.office_id
                   JOIN org.districts d ON d.id = o.district_id
                  WHERE c.person_id = p ORDER BY c.office_id LIMIT 1),
                (SELECT d.time_zone FROM org.rep_territories t
                   LEFT JOIN org.offices o ON t.scope_kind = 'office' AND o.id = t.scope_id
                   JOIN org.districts d ON d.id = CASE WHEN t.scope_kind = 'district'
                                                       THEN t.scope_id ELSE o.district_id END
                  WHERE t.rep_id = p ORDER BY t.scope_kind DESC, t.scope_id LIMIT 1),
                (SELECT d.time_zone FROM org.branch_presidents b
                   JOIN org.districts d ON d.id = b.district_id WHERE b.id = p),
                (SELECT d.time_zone FROM org.nba_districts n
                   JOIN org.districts d ON d.id = n.district_id
                  WHERE n.nba_id = p ORDER BY d.id LIMIT 1),
                (SELECT d.time_zone FROM org.managers m
                   JOIN org.districts d ON d.id = m.district_id WHERE m.id = p))
              INTO tz;
        EXCEPTION WHEN undefined_table OR invalid_schema_name THEN
            tz := NULL;
        END;
    END IF;
    tz := coalesce (tz, 'UTC');
    BEGIN
        PERFORM now () AT TIME ZONE tz;
    EXCEPTION WHEN invalid_parameter_value THEN
        tz := 'UTC';
    END;
    RETURN tz;
END $$;

-- The person's mailbox: their own setting, else the address org holds.
CREATE FUNCTION person_email (p text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    addr text;
BEGIN
    SELECT nullif (email_address, '') INTO addr FROM notifier.preferences WHERE person_id = p;
    IF addr IS NULL THEN
        BEGIN
            SELECT coalesce (
                (SELECT nullif (email, '') FROM org.reps WHERE id = p),
                (SELECT nullif (email, '') FROM org.employees WHERE id = p),
                (SELECT nullif (email, '') FROM org.coordinators WHERE person_id = p
                  ORDER BY office_id LIMIT 1),
                (SELECT nullif (email, '') FROM org.branch_presidents WHERE id = p),
                (SELECT nullif (email, '') FROM org.nbas WHERE id = p),
                (SELECT nullif (email, '') FROM org.managers WHERE id = p))
              INTO addr;
        EXCEPTION WHEN undefined_table OR invalid_schema_name THEN
            addr := NULL;
        END;
    END IF;
    RETURN coalesce (addr, '');
END $$;

CREATE FUNCTION us_to_local (tz text, t_us bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_timestamp (t_us / 1e6) AT TIME ZONE tz
$$;

CREATE FUNCTION local_to_us (tz text, t timestamp) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (extract (epoch FROM t AT TIME ZONE tz) * 1000000)::bigint
$$;

-- When a non-urgent send may go: now, or the end of the quiet hours if now
-- falls inside them (a window may span midnight, e.g. 22:00-07:00).
CREATE FUNCTION quiet_until (tz text, now_us bigint, q_start time, q_end time)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    loc timestamp := notifier.us_to_local (tz, now_us);
    tod time := loc::time;
    fin timestamp;
BEGIN
    IF q_start IS NULL OR q_end IS NULL OR q_start = q_end THEN
        RETURN now_us;
    END IF;
    IF (q_start < q_end AND tod >= q_start AND tod < q_end)
    OR (q_start > q_end AND (tod >= q_start OR tod < q_end)) THEN
        fin := date_trunc ('day', loc) + q_end;
        IF fin <= loc THEN
            fin := fin + interval '1 day';
        END IF;
        RETURN notifier.local_to_us (tz, fin);
    END IF;
    RETURN now_us;
END $$;

-- The next local `at` strictly after now.
CREATE FUNCTION next_local (tz text, now_us bigint, at time) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    loc timestamp := notifier.us_to_local (tz, now_us);
    nxt timestamp := date_trunc ('day', loc) + at;
BEGIN
    IF nxt <= loc THEN
        nxt := nxt + interval '1 day';
    END IF;
    RETURN notifier.local_to_us (tz, nxt);
END $$;

-- Queues one send per channel the person has for `ids`. A person with email
-- on but no address known gets a send that is dead at once, so the missing
-- address shows in the dead-letter list instead of vanishing.
CREATE FUNCTION plan_sends (p_person text, p_key text, p_ids uuid[], p_subject text,
                            p_body text, p_payload jsonb, p_urgent boolean,
                            p_due bigint, p_now bigint)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    pref notifier.preferences;
    addr text;
    n int := 0;
BEGIN
    SELECT * INTO pref FROM notifier.preferences WHERE person_id = p_person;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF pref.email THEN
        addr := notifier.person_email (p_person);
        INSERT INTO notifier.channel_send (id, person_id, channel, address, subject, body,
                                           payload, notification_ids, urgent, state, due_us,
                                           last_error, created_us, done_us)
        VALUES (md5 ('email|' || p_key)::uuid, p_person, 'email', addr, p_subject, p_body,
                p_payload::text, p_ids, p_urgent, CASE WHEN addr = '' THEN 'dead' ELSE 'pending' END,
                p_due, CASE WHEN addr = '' THEN 'no email address for ' || p_person
                            || ': set one with `leadline rep prefs --person ' || p_person
                            || ' --email ADDRESS` or in org' ELSE '' END,
                p_now, CASE WHEN addr = '' THEN p_now END)
        ON CONFLICT DO NOTHING;
        n := n + 1;
    END IF;
    IF pref.webhook_url <> '' THEN
        INSERT INTO notifier.channel_send (id, person_id, channel, address, subject, body,
                                           payload, notification_ids, urgent, due_us, created_us)
        VALUES (md5 ('webhook|' || p_key)::uuid, p_person, 'webhook', pref.webhook_url,
                p_subject, p_body, p_payload::text, p_ids, p_urgent, p_due, p_now)
        ON CONFLICT DO NOTHING;
        n := n + 1;
    END IF;
    RETURN n;
END $$;

-- Stores the notifications of one event and plans their channel sends, in
-- the subscriber's transaction. Returns only the rows that are new: a
-- replayed event returns nothing.
CREATE FUNCTION add_notifications (p_ids uuid[], p_recipients text[], p_kinds int[],
                                   p_titles text[], p_bodies text[], p_urgent boolean[],
                                   p_event text, p_stream text, p_lead text,
                                   p_created bigint, p_now bigint)
RETURNS TABLE (o_id uuid, o_seq bigint, o_recipient text, o_kind int, o_title text,
               o_body text, o_urgent boolean)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    pref notifier.preferences;
    tz text;
    due bigint;
BEGIN
    FOR r IN
        INSERT INTO notifier.notification AS n (id, recipient_id, kind, event_id, stream,
                                                lead_id, title, body, urgent, created_us)
        SELECT u.id, u.recipient, u.kind, p_event, p_stream, p_lead, u.title, u.body,
               u.urgent, p_created
          FROM unnest (p_ids, p_recipients, p_kinds, p_titles, p_bodies, p_urgent)
               AS u (id, recipient, kind, title, body, urgent)
        ON CONFLICT DO NOTHING
        RETURNING n.id, n.seq, n.recipient_id, n.kind, n.title, n.body, n.urgent
    LOOP
        o_id := r.id; o_seq := r.seq; o_recipient := r.recipient_id; o_kind := r.kind;
        o_title := r.title; o_body := r.body; o_urgent := r.urgent;
        RETURN NEXT;
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
            r.body || CASE WHEN p_lead <> '' THEN E'\n\nLead: ' || p_lead ELSE '' END,
            jsonb_build_object ('type', 'notification', 'id', r.id, 'recipient_id', r.recipient_id,
                                'kind', r.kind, 'lead_id', p_lead, 'title', r.title,
                                'body', r.body, 'urgent', r.urgent, 'created_us', p_created),
            r.urgent, due, p_now);
    END LOOP;
END $$;

-- Turns every digest that has fallen due into one send per channel, and
-- returns how many people got one.
CREATE FUNCTION make_digests (p_now bigint) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    r record;
    d record;
    n int := 0;
BEGIN
    FOR r IN SELECT person_id, min (due_us) AS due FROM notifier.digest_item
              WHERE due_us <= p_now GROUP BY person_id ORDER BY person_id LIMIT 500
    LOOP
        SELECT count (*) AS items,
               array_agg (x.id ORDER BY x.seq) AS ids,
               string_agg ('- ' || x.title || CASE WHEN x.lead_id <> ''
                           THEN ' (lead ' || x.lead_id || ')' ELSE '' END, E'\n' ORDER BY x.seq) AS lines,
               jsonb_agg (jsonb_build_object ('id', x.id, 'kind', x.kind, 'lead_id', x.lead_id,
                                              'title', x.title, 'body', x.body,
                                              'created_us', x.created_us) ORDER BY x.seq) AS items_json
          INTO d
          FROM notifier.digest_item i JOIN notifier.notification x ON x.id = i.notification_id
         WHERE i.person_id = r.person_id AND i.due_us <= p_now;
        PERFORM notifier.plan_sends (r.person_id, 'digest|' || r.person_id || '|' || r.due,
            d.ids, 'Leadline daily digest: ' || d.items || ' item' ||
                   CASE WHEN d.items = 1 THEN '' ELSE 's' END,
            d.lines,
            jsonb_build_object ('type', 'digest', 'recipient_id', r.person_id,
                                'items', d.items_json),
            false, p_now, p_now);
        DELETE FROM notifier.digest_item WHERE person_id = r.person_id AND due_us <= p_now;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
