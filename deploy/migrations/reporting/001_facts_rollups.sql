-- Reporting's own state: one row per lead built from intake's and the SLA
-- watcher's events (lead_fact), and roll-ups kept current from it by a
-- trigger, so that every change of a lead — whatever order its events come
-- in — moves the sums it contributes to (docs/reports.md).
--
-- Periods are days in the lead's district time zone: card_day is the date
-- the card was completed, there. Terms name the fiscal periods a day falls
-- in: 'FY2027' (1 Oct 2026 - 30 Sep 2027), 'FY2027Q1' (Oct-Dec),
-- 'FY2027P01' (the first two weeks from 1 October; P26 runs to 30 September).

-- Calendar helpers. The same rules live in services/reporting/reporting_period.c.
-- Each is one flat expression of immutable parts, so the planner inlines it:
-- the roll-up trigger and the from-scratch views call them for every row.
CREATE FUNCTION reporting.fiscal_year (d date) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT date_part ('year', d)::int + (date_part ('month', d) >= 10)::int $$;

CREATE FUNCTION reporting.fy_start (fy int) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT make_date (fy - 1, 10, 1) $$;

CREATE FUNCTION reporting.term_fy (d date) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT 'FY' || (date_part ('year', d)::int + (date_part ('month', d) >= 10)::int)::text $$;

CREATE FUNCTION reporting.term_quarter (d date) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT 'FY' || (date_part ('year', d)::int + (date_part ('month', d) >= 10)::int)::text
          || 'Q' || ((date_part ('month', d)::int + 2) % 12 / 3 + 1)::text $$;

CREATE FUNCTION reporting.term_period (d date) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT 'FY' || (date_part ('year', d)::int + (date_part ('month', d) >= 10)::int)::text
          || 'P' || lpad (least (26, (d - make_date (date_part ('year', d)::int
                                                    + (date_part ('month', d) >= 10)::int - 1, 10, 1))
                                     / 14 + 1)::text, 2, '0') $$;

-- One row per lead. Dimensions come from LeadEntered; until it has been
-- applied (an SLA event can come first: the streams are independent)
-- card_day is NULL and the lead counts nowhere.
CREATE TABLE lead_fact (
    lead_id          text PRIMARY KEY,
    employee_id      text,
    station_id       text,
    office_id        text,
    district_id      text,
    program          smallint NOT NULL DEFAULT 0,        -- leadline.v1.Program
    products         smallint[] NOT NULL DEFAULT '{}',   -- leadline.v1.Product
    business_name    text NOT NULL DEFAULT '',
    card_at          timestamptz,
    card_day         date,                 -- card date in the district's time zone
    entered_at       timestamptz,
    rep_id           text,
    assigned_at      timestamptz,
    reassignments    int NOT NULL DEFAULT 0,
    contacted_at     timestamptz,          -- first attempt or contact: stops the 48 h clock
    reached_at       timestamptz,          -- first time the customer was reached
    outcome          smallint NOT NULL DEFAULT 0,        -- leadline.v1.Outcome
    outcome_at       timestamptz,
    outcome_day      date,                 -- outcome date in the district's time zone
    revenue_cents    bigint NOT NULL DEFAULT 0,          -- estimated annualized (won)
    lost_reason      text NOT NULL DEFAULT '',
    duplicate        boolean NOT NULL DEFAULT false,
    duplicate_of     text,
    entry_sla_on_time   boolean,           -- the SLA watcher's verdicts, when it gave one
    contact_sla_on_time boolean,
    entry_breached   boolean NOT NULL DEFAULT false,
    contact_breached boolean NOT NULL DEFAULT false,
    escalation_level smallint NOT NULL DEFAULT 0,
    -- The deadlines, calendar hours unless the SLA watcher said otherwise
    -- (it may count business hours): NULL while undecided.
    entry_on_time    boolean GENERATED ALWAYS AS (
        CASE WHEN entry_sla_on_time IS NOT NULL THEN entry_sla_on_time
             WHEN entry_breached THEN false
             WHEN entered_at IS NULL OR card_at IS NULL THEN NULL
             ELSE entered_at - card_at <= interval '24 hours' END) STORED,
    contact_on_time  boolean GENERATED ALWAYS AS (
        CASE WHEN duplicate THEN NULL
             WHEN contact_sla_on_time IS NOT NULL THEN contact_sla_on_time
             WHEN contact_breached THEN false
             WHEN contacted_at IS NULL OR entered_at IS NULL THEN NULL
             ELSE contacted_at - entered_at <= interval '48 hours' END) STORED
);
CREATE INDEX lead_fact_employee ON lead_fact (employee_id, card_day);
CREATE INDEX lead_fact_station ON lead_fact (station_id, card_day);
-- Leads still waiting for their first contact: "now past a deadline".
CREATE INDEX lead_fact_open ON lead_fact (station_id, entered_at)
    WHERE contacted_at IS NULL AND outcome = 0 AND NOT duplicate;

-- The measures every roll-up row carries. A lead contributes 1 to `cards`
-- and to the measures that are true of it.
--   cards            lead cards entered (duplicates included)
--   originals        cards that were not duplicates (the employee's credit)
--   duplicates
--   entry_on_time    entered within 24 hours of the card
--   entry_late       entered later (or the entry deadline breached)
--   contacted        originals with a first contact attempt or contact
--   contact_on_time  first contact within 48 hours of entry
--   contact_late     contacted late, or breached and not yet contacted
--   won, lost, no_interest, revenue_cents (won: estimated annualized)
--   entry_breached, contact_breached (the SLA watcher said so)
--   reassigned       leads moved to another rep at least once

-- Grain: day x station x program x employee (office and district as the
-- lead's events named them).
CREATE TABLE rollup_day (
    station_id  text NOT NULL,
    day         date NOT NULL,
    program     smallint NOT NULL,
    employee_id text NOT NULL,
    office_id   text NOT NULL,
    district_id text NOT NULL,
    cards int NOT NULL, originals int NOT NULL, duplicates int NOT NULL,
    entry_on_time int NOT NULL, entry_late int NOT NULL,
    contacted int NOT NULL, contact_on_time int NOT NULL, contact_late int NOT NULL,
    won int NOT NULL, lost int NOT NULL, no_interest int NOT NULL,
    revenue_cents bigint NOT NULL,
    entry_breached int NOT NULL, contact_breached int NOT NULL, reassigned int NOT NULL,
    PRIMARY KEY (station_id, day, program, employee_id, office_id, district_id)
);
CREATE INDEX rollup_day_employee ON rollup_day (employee_id, day);

-- Grain: day x station x program x product x employee. A lead counts once
-- under each product of interest on its card; `won` counts won leads.
CREATE TABLE rollup_product_day (
    station_id  text NOT NULL,
    day         date NOT NULL,
    program     smallint NOT NULL,
    product     smallint NOT NULL,
    employee_id text NOT NULL,
    office_id   text NOT NULL,
    district_id text NOT NULL,
    cards int NOT NULL, originals int NOT NULL, won int NOT NULL,
    PRIMARY KEY (station_id, day, program, product, employee_id, office_id, district_id)
);

-- The same measures summed per fiscal term (year, quarter, two-week
-- period) x station x program: what the station, district and campaign
-- reports read.
CREATE TABLE rollup_term_station (
    station_id  text NOT NULL,
    term        text NOT NULL,
    program     smallint NOT NULL,
    office_id   text NOT NULL,
    district_id text NOT NULL,
    cards int NOT NULL, originals int NOT NULL, duplicates int NOT NULL,
    entry_on_time int NOT NULL, entry_late int NOT NULL,
    contacted int NOT NULL, contact_on_time int NOT NULL, contact_late int NOT NULL,
    won int NOT NULL, lost int NOT NULL, no_interest int NOT NULL,
    revenue_cents bigint NOT NULL,
    entry_breached int NOT NULL, contact_breached int NOT NULL, reassigned int NOT NULL,
    PRIMARY KEY (station_id, term, program, office_id, district_id)
);
CREATE INDEX rollup_term_station_district ON rollup_term_station (district_id, term);
CREATE INDEX rollup_term_station_term ON rollup_term_station (term);

-- Per fiscal term x station x program x employee: participation (who
-- handed in at least one original lead) and top submitters.
CREATE TABLE rollup_term_employee (
    station_id  text NOT NULL,
    term        text NOT NULL,
    employee_id text NOT NULL,
    program     smallint NOT NULL,
    office_id   text NOT NULL,
    district_id text NOT NULL,
    cards int NOT NULL, originals int NOT NULL, won int NOT NULL,
    revenue_cents bigint NOT NULL,
    PRIMARY KEY (station_id, term, employee_id, program, office_id, district_id)
);
-- Participation of a district or of everyone: distinct employees, read
-- from the index alone.
CREATE INDEX rollup_term_employee_district ON rollup_term_employee (district_id, term)
    INCLUDE (office_id, employee_id, originals);
CREATE INDEX rollup_term_employee_term ON rollup_term_employee (term)
    INCLUDE (district_id, office_id, employee_id, originals);

-- Won leads by the day of the outcome (district time zone): new revenue
-- accrues from that day.
CREATE TABLE rollup_won_day (
    station_id  text NOT NULL,
    day         date NOT NULL,
    program     smallint NOT NULL,
    office_id   text NOT NULL,
    district_id text NOT NULL,
    won int NOT NULL,
    revenue_cents bigint NOT NULL,
    PRIMARY KEY (station_id, day, program, office_id, district_id)
);
CREATE INDEX rollup_won_day_district ON rollup_won_day (district_id, day);
CREATE INDEX rollup_won_day_day ON rollup_won_day (day);

-- Every row here is updated in place many times: leave room in each page
-- so updates stay on the page (HOT) instead of growing the indexes.
ALTER TABLE lead_fact SET (fillfactor = 80);
ALTER TABLE rollup_day SET (fillfactor = 70);
ALTER TABLE rollup_product_day SET (fillfactor = 70);
ALTER TABLE rollup_term_station SET (fillfactor = 50);
ALTER TABLE rollup_term_employee SET (fillfactor = 70);
ALTER TABLE rollup_won_day SET (fillfactor = 70);

-- A lead's contribution, as the measures above.
CREATE TYPE measures AS (
    cards int, originals int, duplicates int,
    entry_on_time int, entry_late int,
    contacted int, contact_on_time int, contact_late int,
    won int, lost int, no_interest int, revenue_cents bigint,
    entry_breached int, contact_breached int, reassigned int
);

CREATE FUNCTION reporting.fact_measures (f reporting.lead_fact) RETURNS reporting.measures
    LANGUAGE sql IMMUTABLE
    RETURN ROW (
        1, (NOT f.duplicate)::int, f.duplicate::int,
        coalesce (f.entry_on_time, false)::int, (f.entry_on_time IS FALSE)::int,
        (NOT f.duplicate AND f.contacted_at IS NOT NULL)::int,
        coalesce (f.contact_on_time, false)::int, (f.contact_on_time IS FALSE)::int,
        (NOT f.duplicate AND f.outcome = 1)::int, (NOT f.duplicate AND f.outcome = 2)::int,
        (NOT f.duplicate AND f.outcome = 3)::int,
        CASE WHEN NOT f.duplicate AND f.outcome = 1 THEN f.revenue_cents ELSE 0 END,
        f.entry_breached::int, f.contact_breached::int, (f.reassignments > 0)::int
    )::reporting.measures;

-- Adds the measures `m` (a contribution, a retraction or a difference) to
-- the roll-ups of the lead's dimensions. Tables whose measures `m` leaves
-- unchanged are not touched: a contact moves rollup_day and the term
-- totals, not the product or employee roll-ups.
CREATE FUNCTION reporting.rollup_put (f reporting.lead_fact, m reporting.measures) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    p smallint;
    t text;
    emp text := coalesce (f.employee_id, '');
    ofc text := coalesce (f.office_id, '');
    dst text := coalesce (f.district_id, '');
    stn text := coalesce (f.station_id, '');
    terms text [];
BEGIN
    IF f.card_day IS NULL OR m = ROW (0,0,0,0,0,0,0,0,0,0,0,0,0,0,0)::reporting.measures THEN
        RETURN;
    END IF;
    terms := ARRAY [reporting.term_fy (f.card_day), reporting.term_quarter (f.card_day),
                    reporting.term_period (f.card_day)];
    INSERT INTO reporting.rollup_day AS r VALUES (
        stn, f.card_day, f.program, emp, ofc, dst,
        m.cards, m.originals, m.duplicates, m.entry_on_time, m.entry_late,
        m.contacted, m.contact_on_time, m.contact_late, m.won, m.lost, m.no_interest,
        m.revenue_cents, m.entry_breached, m.contact_breached, m.reassigned)
    ON CONFLICT (station_id, day, program, employee_id, office_id, district_id) DO UPDATE SET
        cards = r.cards + excluded.cards, originals = r.originals + excluded.originals,
        duplicates = r.duplicates + excluded.duplicates,
        entry_on_time = r.entry_on_time + excluded.entry_on_time,
        entry_late = r.entry_late + excluded.entry_late,
        contacted = r.contacted + excluded.contacted,
        contact_on_time = r.contact_on_time + excluded.contact_on_time,
        contact_late = r.contact_late + excluded.contact_late,
        won = r.won + excluded.won, lost = r.lost + excluded.lost,
        no_interest = r.no_interest + excluded.no_interest,
        revenue_cents = r.revenue_cents + excluded.revenue_cents,
        entry_breached = r.entry_breached + excluded.entry_breached,
        contact_breached = r.contact_breached + excluded.contact_breached,
        reassigned = r.reassigned + excluded.reassigned;

    FOREACH t IN ARRAY terms LOOP
        INSERT INTO reporting.rollup_term_station AS r VALUES (
            stn, t, f.program, ofc, dst,
            m.cards, m.originals, m.duplicates, m.entry_on_time, m.entry_late,
            m.contacted, m.contact_on_time, m.contact_late, m.won, m.lost, m.no_interest,
            m.revenue_cents, m.entry_breached, m.contact_breached, m.reassigned)
        ON CONFLICT (station_id, term, program, office_id, district_id) DO UPDATE SET
            cards = r.cards + excluded.cards, originals = r.originals + excluded.originals,
            duplicates = r.duplicates + excluded.duplicates,
            entry_on_time = r.entry_on_time + excluded.entry_on_time,
            entry_late = r.entry_late + excluded.entry_late,
            contacted = r.contacted + excluded.contacted,
            contact_on_time = r.contact_on_time + excluded.contact_on_time,
            contact_late = r.contact_late + excluded.contact_late,
            won = r.won + excluded.won, lost = r.lost + excluded.lost,
            no_interest = r.no_interest + excluded.no_interest,
            revenue_cents = r.revenue_cents + excluded.revenue_cents,
            entry_breached = r.entry_breached + excluded.entry_breached,
            contact_breached = r.contact_breached + excluded.contact_breached,
            reassigned = r.reassigned + excluded.reassigned;
    END LOOP;

    IF (m.cards, m.originals, m.won, m.revenue_cents) <> (0, 0, 0, 0) THEN
        FOREACH t IN ARRAY terms LOOP
            INSERT INTO reporting.rollup_term_employee AS r VALUES (
                stn, t, emp, f.program, ofc, dst, m.cards, m.originals, m.won, m.revenue_cents)
            ON CONFLICT (station_id, term, employee_id, program, office_id, district_id)
            DO UPDATE SET
                cards = r.cards + excluded.cards, originals = r.originals + excluded.originals,
                won = r.won + excluded.won, revenue_cents = r.revenue_cents + excluded.revenue_cents;
        END LOOP;
    END IF;

    IF (m.cards, m.originals, m.won) <> (0, 0, 0) THEN
        FOREACH p IN ARRAY f.products LOOP
            INSERT INTO reporting.rollup_product_day AS r VALUES (
                stn, f.card_day, f.program, p, emp, ofc, dst, m.cards, m.originals, m.won)
            ON CONFLICT (station_id, day, program, product, employee_id, office_id, district_id)
            DO UPDATE SET
                cards = r.cards + excluded.cards, originals = r.originals + excluded.originals,
                won = r.won + excluded.won;
        END LOOP;
    END IF;
END $$;

-- Adds a won lead (won = 1), takes one away (-1), or moves its revenue
-- (won = 0) in rollup_won_day.
CREATE FUNCTION reporting.won_put (f reporting.lead_fact, won int, revenue bigint) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting.rollup_won_day AS r VALUES (
        coalesce (f.station_id, ''), f.outcome_day, f.program, coalesce (f.office_id, ''),
        coalesce (f.district_id, ''), won, revenue)
    ON CONFLICT (station_id, day, program, office_id, district_id) DO UPDATE SET
        won = r.won + excluded.won, revenue_cents = r.revenue_cents + excluded.revenue_cents;
END $$;

CREATE FUNCTION reporting.measures_minus (a reporting.measures, b reporting.measures)
    RETURNS reporting.measures LANGUAGE sql IMMUTABLE
    RETURN ROW (
        a.cards - b.cards, a.originals - b.originals, a.duplicates - b.duplicates,
        a.entry_on_time - b.entry_on_time, a.entry_late - b.entry_late,
        a.contacted - b.contacted, a.contact_on_time - b.contact_on_time,
        a.contact_late - b.contact_late, a.won - b.won, a.lost - b.lost,
        a.no_interest - b.no_interest, a.revenue_cents - b.revenue_cents,
        a.entry_breached - b.entry_breached, a.contact_breached - b.contact_breached,
        a.reassigned - b.reassigned)::reporting.measures;

-- Days in the district's time zone, worked out when the instants are known.
CREATE FUNCTION reporting.lead_fact_days () RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    tz text;
BEGIN
    IF (NEW.card_at IS NOT NULL AND (NEW.card_day IS NULL OR TG_OP = 'UPDATE'
            AND (NEW.card_at IS DISTINCT FROM OLD.card_at
                 OR NEW.district_id IS DISTINCT FROM OLD.district_id)))
    OR (NEW.outcome_at IS NOT NULL AND (NEW.outcome_day IS NULL OR TG_OP = 'UPDATE'
            AND (NEW.outcome_at IS DISTINCT FROM OLD.outcome_at
                 OR NEW.district_id IS DISTINCT FROM OLD.district_id))) THEN
        SELECT d.time_zone INTO tz FROM org.districts d WHERE d.id = NEW.district_id;
        tz := coalesce (tz, 'UTC');
        IF NEW.card_at IS NOT NULL THEN
            NEW.card_day := (NEW.card_at AT TIME ZONE tz)::date;
        END IF;
        IF NEW.outcome_at IS NOT NULL THEN
            NEW.outcome_day := (NEW.outcome_at AT TIME ZONE tz)::date;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER lead_fact_days BEFORE INSERT OR UPDATE ON lead_fact
    FOR EACH ROW EXECUTE FUNCTION reporting.lead_fact_days ();

-- Moves the roll-ups by what the change of a lead changed: when the lead
-- keeps its dimensions (the usual case: a contact, an outcome, a breach),
-- by the difference of its measures, one upsert per roll-up row; when a
-- dimension moves (it was just entered, or became a duplicate of another
-- day's lead...), by retracting the old contribution and adding the new.
CREATE FUNCTION reporting.lead_fact_rollup () RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    same_dims boolean := false;
    old_won boolean := false;
    new_won boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.card_day IS NOT NULL THEN
        same_dims := (OLD.card_day, OLD.station_id, OLD.office_id, OLD.district_id, OLD.program,
                      OLD.employee_id, OLD.products)
                     IS NOT DISTINCT FROM
                     (NEW.card_day, NEW.station_id, NEW.office_id, NEW.district_id, NEW.program,
                      NEW.employee_id, NEW.products);
        old_won := NOT OLD.duplicate AND OLD.outcome = 1 AND OLD.outcome_day IS NOT NULL;
    END IF;
    IF same_dims THEN
        PERFORM reporting.rollup_put (NEW, reporting.measures_minus (
            reporting.fact_measures (NEW), reporting.fact_measures (OLD)));
    ELSE
        IF TG_OP = 'UPDATE' AND OLD.card_day IS NOT NULL THEN
            PERFORM reporting.rollup_put (OLD, reporting.measures_minus (
                ROW (0,0,0,0,0,0,0,0,0,0,0,0,0,0,0)::reporting.measures,
                reporting.fact_measures (OLD)));
        END IF;
        PERFORM reporting.rollup_put (NEW, reporting.fact_measures (NEW));
    END IF;

    new_won := NEW.card_day IS NOT NULL AND NOT NEW.duplicate AND NEW.outcome = 1
               AND NEW.outcome_day IS NOT NULL;
    IF old_won AND new_won AND same_dims AND OLD.outcome_day = NEW.outcome_day THEN
        IF OLD.revenue_cents <> NEW.revenue_cents THEN
            PERFORM reporting.won_put (NEW, 0, NEW.revenue_cents - OLD.revenue_cents);
        END IF;
    ELSE
        IF old_won THEN
            PERFORM reporting.won_put (OLD, -1, -OLD.revenue_cents);
        END IF;
        IF new_won THEN
            PERFORM reporting.won_put (NEW, 1, NEW.revenue_cents);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER lead_fact_rollup AFTER INSERT OR UPDATE ON lead_fact
    FOR EACH ROW EXECUTE FUNCTION reporting.lead_fact_rollup ();

-- The roll-ups computed from scratch over lead_fact: used to check the
-- incremental ones (tests) and to rebuild them (bulk loads, repairs).
CREATE VIEW rollup_day_from_facts AS
    SELECT coalesce (station_id, '') AS station_id, card_day AS day, program,
           coalesce (employee_id, '') AS employee_id, coalesce (office_id, '') AS office_id,
           coalesce (district_id, '') AS district_id,
           count (*)::int AS cards, count (*) FILTER (WHERE NOT duplicate)::int AS originals,
           count (*) FILTER (WHERE duplicate)::int AS duplicates,
           count (*) FILTER (WHERE entry_on_time)::int AS entry_on_time,
           count (*) FILTER (WHERE NOT entry_on_time)::int AS entry_late,
           count (*) FILTER (WHERE NOT duplicate AND contacted_at IS NOT NULL)::int AS contacted,
           count (*) FILTER (WHERE contact_on_time)::int AS contact_on_time,
           count (*) FILTER (WHERE NOT contact_on_time)::int AS contact_late,
           count (*) FILTER (WHERE NOT duplicate AND outcome = 1)::int AS won,
           count (*) FILTER (WHERE NOT duplicate AND outcome = 2)::int AS lost,
           count (*) FILTER (WHERE NOT duplicate AND outcome = 3)::int AS no_interest,
           coalesce (sum (revenue_cents) FILTER (WHERE NOT duplicate AND outcome = 1), 0)::bigint
               AS revenue_cents,
           count (*) FILTER (WHERE entry_breached)::int AS entry_breached,
           count (*) FILTER (WHERE contact_breached)::int AS contact_breached,
           count (*) FILTER (WHERE reassignments > 0)::int AS reassigned
      FROM reporting.lead_fact
     WHERE card_day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW rollup_product_day_from_facts AS
    SELECT coalesce (station_id, '') AS station_id, card_day AS day, program, p AS product,
           coalesce (employee_id, '') AS employee_id, coalesce (office_id, '') AS office_id,
           coalesce (district_id, '') AS district_id,
           count (*)::int AS cards, count (*) FILTER (WHERE NOT duplicate)::int AS originals,
           count (*) FILTER (WHERE NOT duplicate AND outcome = 1)::int AS won
      FROM reporting.lead_fact, unnest (products) AS p
     WHERE card_day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE VIEW rollup_term_station_from_facts AS
    SELECT station_id, t.term, program, office_id, district_id,
           sum (cards)::int AS cards, sum (originals)::int AS originals,
           sum (duplicates)::int AS duplicates, sum (entry_on_time)::int AS entry_on_time,
           sum (entry_late)::int AS entry_late, sum (contacted)::int AS contacted,
           sum (contact_on_time)::int AS contact_on_time, sum (contact_late)::int AS contact_late,
           sum (won)::int AS won, sum (lost)::int AS lost, sum (no_interest)::int AS no_interest,
           sum (revenue_cents)::bigint AS revenue_cents,
           sum (entry_breached)::int AS entry_breached,
           sum (contact_breached)::int AS contact_breached, sum (reassigned)::int AS reassigned
      FROM reporting.rollup_day_from_facts d,
           LATERAL (VALUES (reporting.term_fy (d.day)), (reporting.term_quarter (d.day)),
                           (reporting.term_period (d.day))) AS t (term)
     GROUP BY 1, 2, 3, 4, 5;

CREATE VIEW rollup_term_employee_from_facts AS
    SELECT station_id, t.term, employee_id, program, office_id, district_id,
           sum (cards)::int AS cards, sum (originals)::int AS originals, sum (won)::int AS won,
           sum (revenue_cents)::bigint AS revenue_cents
      FROM reporting.rollup_day_from_facts d,
           LATERAL (VALUES (reporting.term_fy (d.day)), (reporting.term_quarter (d.day)),
                           (reporting.term_period (d.day))) AS t (term)
     GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW rollup_won_day_from_facts AS
    SELECT coalesce (station_id, '') AS station_id, outcome_day AS day, program,
           coalesce (office_id, '') AS office_id, coalesce (district_id, '') AS district_id,
           count (*)::int AS won, sum (revenue_cents)::bigint AS revenue_cents
      FROM reporting.lead_fact
     WHERE card_day IS NOT NULL AND outcome_day IS NOT NULL AND NOT duplicate AND outcome = 1
     GROUP BY 1, 2, 3, 4, 5;

-- Replaces every roll-up with its from-scratch computation (after a bulk
-- load into lead_fact with the trigger disabled, or to repair).
CREATE FUNCTION reporting.rollup_rebuild () RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE reporting.rollup_day, reporting.rollup_product_day, reporting.rollup_term_station,
             reporting.rollup_term_employee, reporting.rollup_won_day;
    --  In key order, so that a station's rows sit together on disk.
    INSERT INTO reporting.rollup_day
    SELECT * FROM reporting.rollup_day_from_facts ORDER BY 1, 2, 3, 4, 5, 6;
    INSERT INTO reporting.rollup_product_day
    SELECT * FROM reporting.rollup_product_day_from_facts ORDER BY 1, 2, 3, 4, 5, 6, 7;
    -- The term roll-ups from the day roll-up just built (the views would
    -- aggregate the facts by day a second and a third time).
    INSERT INTO reporting.rollup_term_station
    SELECT station_id, t.term, program, office_id, district_id,
           sum (cards), sum (originals), sum (duplicates), sum (entry_on_time), sum (entry_late),
           sum (contacted), sum (contact_on_time), sum (contact_late), sum (won), sum (lost),
           sum (no_interest), sum (revenue_cents), sum (entry_breached), sum (contact_breached),
           sum (reassigned)
      FROM reporting.rollup_day d,
           LATERAL (VALUES (reporting.term_fy (d.day)), (reporting.term_quarter (d.day)),
                           (reporting.term_period (d.day))) AS t (term)
     GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
    INSERT INTO reporting.rollup_term_employee
    SELECT station_id, t.term, employee_id, program, office_id, district_id,
           sum (cards), sum (originals), sum (won), sum (revenue_cents)
      FROM reporting.rollup_day d,
           LATERAL (VALUES (reporting.term_fy (d.day)), (reporting.term_quarter (d.day)),
                           (reporting.term_period (d.day))) AS t (term)
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6;
    INSERT INTO reporting.rollup_won_day
    SELECT * FROM reporting.rollup_won_day_from_facts ORDER BY 1, 2, 3, 4, 5;
END $$;

-- Station reports stored at the end of each two-week period, in every
-- format, as they were when published (later events change the live
-- report, not these).
CREATE TABLE published_report (
    report_id    uuid PRIMARY KEY,
    station_id   text NOT NULL,
    office_id    text NOT NULL,
    district_id  text NOT NULL,
    term         text NOT NULL,          -- 'FY2027P03'
    period_start date NOT NULL,
    period_end   date NOT NULL,          -- last day of the period
    published_at timestamptz NOT NULL,
    body_text    text NOT NULL,
    body_csv     text NOT NULL,
    body_json    text NOT NULL,
    body_html    text NOT NULL,
    UNIQUE (station_id, period_start)
);
CREATE INDEX published_report_district ON published_report (district_id, period_start);

-- From which period on stations are published: the last period that had
-- ended when publishing first ran. Nothing before it is back-filled.
CREATE TABLE publish_state (
    id          int PRIMARY KEY CHECK (id = 1),
    first_start date NOT NULL
);
