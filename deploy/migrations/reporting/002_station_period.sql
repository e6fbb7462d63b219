-- The Station Summary Report at its own grain: one row per station and
-- two-week period holding everything the report shows for that period, so
-- that building it reads one row instead of scanning four roll-ups
-- (docs/reports.md, docs/performance.md "Reports"). Kept by the same
-- trigger as the other roll-ups, in the same transaction, and rebuilt by
-- reporting.rollup_rebuild() from the day roll-ups; the tests compare it
-- with reporting.rollup_station_period_from_facts.
--
-- A row holds three keyed lists, each as a sorted key array and a value
-- array with `width` values per key, one key after the other:
--   programs / program_measures   15 per program, the measures in the
--                                 order of reporting.measures
--   products / product_measures   cards, originals, won per (program,
--                                 product), keyed program * 65536 +
--                                 product + 32768 (so (program, product)
--                                 order is key order)
--   employees / employee_measures originals, won, revenue_cents per
--                                 employee ('' for a lead without one)
-- A key is in its list exactly while one of its values is not 0, in key
-- order: the from-scratch computation builds the same arrays, so the two
-- compare with `=`. `cards` is the period's lead count: the trend of the
-- report reads it for the year's periods from the primary key alone.
CREATE TABLE rollup_station_period (
    station_id        text NOT NULL,
    term              text NOT NULL,                    -- 'FY2027P03'
    cards             int NOT NULL DEFAULT 0,
    programs          smallint[] NOT NULL DEFAULT '{}',
    program_measures  bigint[] NOT NULL DEFAULT '{}',
    products          int[] NOT NULL DEFAULT '{}',
    product_measures  bigint[] NOT NULL DEFAULT '{}',
    employees         text[] NOT NULL DEFAULT '{}',
    employee_measures bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (station_id, term) INCLUDE (cards)
);
-- A row is a few kilobytes: keep it in its page, uncompressed (one page
-- read, no TOAST lookups), with room for an update to stay on the page.
ALTER TABLE rollup_station_period SET (fillfactor = 70, toast_tuple_target = 8160);

-- Adds the values `d` to key `k` of a keyed list (see above): the entry is
-- created in key order, or removed when all its values come to 0.
CREATE FUNCTION reporting.keyed_add (keys anyarray, vals bigint [], k anyelement, d bigint [],
                                     OUT new_keys anyarray, OUT new_vals bigint [])
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    n int := cardinality (keys);
    w int := cardinality (d);
    i int := 1;
    v bigint [];
BEGIN
    WHILE i <= n AND keys [i] < k LOOP
        i := i + 1;
    END LOOP;
    IF i <= n AND keys [i] = k THEN
        v := vals [(i - 1) * w + 1 : i * w];
        FOR j IN 1 .. w LOOP
            v [j] := v [j] + d [j];
        END LOOP;
        IF v = array_fill (0::bigint, ARRAY [w]) THEN
            new_keys := keys [1 : i - 1] || keys [i + 1 : n];
            new_vals := vals [1 : (i - 1) * w] || vals [i * w + 1 : n * w];
        ELSE
            new_keys := keys;
            new_vals := vals [1 : (i - 1) * w] || v || vals [i * w + 1 : n * w];
        END IF;
    ELSIF d = array_fill (0::bigint, ARRAY [w]) THEN
        new_keys := keys;
        new_vals := vals;
    ELSE
        new_keys := keys [1 : i - 1] || k || keys [i : n];
        new_vals := vals [1 : (i - 1) * w] || d || vals [(i - 1) * w + 1 : n * w];
    END IF;
END $$;

-- Adds the measures `m` of lead `f` (a contribution, a retraction or a
-- difference) to its station's period row.
CREATE FUNCTION reporting.station_period_put (f reporting.lead_fact, m reporting.measures)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stn text := coalesce (f.station_id, '');
    t text := reporting.term_period (f.card_day);
    r reporting.rollup_station_period;
    p smallint;
BEGIN
    SELECT * INTO r FROM reporting.rollup_station_period
     WHERE station_id = stn AND term = t FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO reporting.rollup_station_period (station_id, term) VALUES (stn, t)
            ON CONFLICT DO NOTHING;
        SELECT * INTO r FROM reporting.rollup_station_period
         WHERE station_id = stn AND term = t FOR UPDATE;
    END IF;
    SELECT * INTO r.programs, r.program_measures
      FROM reporting.keyed_add (r.programs, r.program_measures, f.program, ARRAY [
               m.cards, m.originals, m.duplicates, m.entry_on_time, m.entry_late,
               m.contacted, m.contact_on_time, m.contact_late, m.won, m.lost, m.no_interest,
               m.revenue_cents, m.entry_breached, m.contact_breached, m.reassigned]::bigint []);
    IF (m.cards, m.originals, m.won) <> (0, 0, 0) THEN
        FOREACH p IN ARRAY f.products LOOP
            SELECT * INTO r.products, r.product_measures
              FROM reporting.keyed_add (r.products, r.product_measures,
                                        f.program::int * 65536 + p + 32768,
                                        ARRAY [m.cards, m.originals, m.won]::bigint []);
        END LOOP;
    END IF;
    IF (m.originals, m.won, m.revenue_cents) <> (0, 0, 0) THEN
        SELECT * INTO r.employees, r.employee_measures
          FROM reporting.keyed_add (r.employees, r.employee_measures,
                                    coalesce (f.employee_id, ''),
                                    ARRAY [m.originals, m.won, m.revenue_cents]::bigint []);
    END IF;
    UPDATE reporting.rollup_station_period
       SET cards = cards + m.cards, programs = r.programs, program_measures = r.program_measures,
           products = r.products, product_measures = r.product_measures,
           employees = r.employees, employee_measures = r.employee_measures
     WHERE station_id = stn AND term = t;
END $$;

-- rollup_put of 001, plus the station's period row.
CREATE OR REPLACE FUNCTION reporting.rollup_put (f reporting.lead_fact, m reporting.measures) RETURNS void
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

    PERFORM reporting.station_period_put (f, m);
END $$;

-- The period rows computed from day x station x program x employee sums
-- (`d`: rollup_day or its from-scratch view) and day x station x program x
-- product x employee sums (`pd`): the from-scratch view below, the rebuild
-- and the backfill all use this one computation.
CREATE FUNCTION reporting.station_period_rows (d regclass, pd regclass)
    RETURNS SETOF reporting.rollup_station_period LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format ($q$
    WITH prog AS (
        SELECT station_id, reporting.term_period (day) AS term, program AS k,
               ARRAY [sum (cards), sum (originals), sum (duplicates), sum (entry_on_time),
                      sum (entry_late), sum (contacted), sum (contact_on_time),
                      sum (contact_late), sum (won), sum (lost), sum (no_interest),
                      sum (revenue_cents), sum (entry_breached), sum (contact_breached),
                      sum (reassigned)]::bigint [] AS v
          FROM %1$s GROUP BY 1, 2, 3),
    prod AS (
        SELECT station_id, reporting.term_period (day) AS term,
               program::int * 65536 + product + 32768 AS k,
               ARRAY [sum (cards), sum (originals), sum (won)]::bigint [] AS v
          FROM %2$s GROUP BY 1, 2, 3),
    emp AS (
        SELECT station_id, reporting.term_period (day) AS term, employee_id AS k,
               ARRAY [sum (originals), sum (won), sum (revenue_cents)]::bigint [] AS v
          FROM %1$s GROUP BY 1, 2, 3),
    g AS (
        SELECT station_id, term, (sum (x) FILTER (WHERE i = 1))::int AS cards,
               array_agg (k ORDER BY k) FILTER (WHERE i = 1) AS keys,
               array_agg (x ORDER BY k, i) AS vals
          FROM prog, unnest (v) WITH ORDINALITY u (x, i)
         WHERE v <> array_fill (0::bigint, ARRAY [15])
         GROUP BY 1, 2),
    p AS (
        SELECT station_id, term, array_agg (k ORDER BY k) FILTER (WHERE i = 1) AS keys,
               array_agg (x ORDER BY k, i) AS vals
          FROM prod, unnest (v) WITH ORDINALITY u (x, i)
         WHERE v <> '{0,0,0}'
         GROUP BY 1, 2),
    e AS (
        SELECT station_id, term, array_agg (k ORDER BY k) FILTER (WHERE i = 1) AS keys,
               array_agg (x ORDER BY k, i) AS vals
          FROM emp, unnest (v) WITH ORDINALITY u (x, i)
         WHERE v <> '{0,0,0}'
         GROUP BY 1, 2)
    SELECT g.station_id, g.term, g.cards, g.keys::smallint [], g.vals,
           coalesce (p.keys, '{}'), coalesce (p.vals, '{}'),
           coalesce (e.keys, '{}'), coalesce (e.vals, '{}')
      FROM g
      LEFT JOIN p ON p.station_id = g.station_id AND p.term = g.term
      LEFT JOIN e ON e.station_id = g.station_id AND e.term = g.term
    $q$, d, pd);
END $$;

CREATE VIEW rollup_station_period_from_facts AS
    SELECT * FROM reporting.station_period_rows ('reporting.rollup_day_from_facts',
                                                 'reporting.rollup_product_day_from_facts');

-- rollup_rebuild of 001, plus the period rows from the day roll-ups just built.
CREATE OR REPLACE FUNCTION reporting.rollup_rebuild () RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE reporting.rollup_day, reporting.rollup_product_day, reporting.rollup_term_station,
             reporting.rollup_term_employee, reporting.rollup_won_day,
             reporting.rollup_station_period;
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
    INSERT INTO reporting.rollup_station_period
    SELECT * FROM reporting.station_period_rows ('reporting.rollup_day',
                                                 'reporting.rollup_product_day')
     ORDER BY 1, 2;
END $$;

-- An upgraded store: the period rows from the roll-ups it already has.
INSERT INTO rollup_station_period
SELECT * FROM reporting.station_period_rows ('reporting.rollup_day', 'reporting.rollup_product_day')
 ORDER BY 1, 2;

-- "Leads now past a deadline" from the index alone: the partial index of
-- leads waiting for contact carries what the list shows, in its order.
DROP INDEX lead_fact_open;
CREATE INDEX lead_fact_open ON lead_fact (station_id, entered_at, lead_id)
    INCLUDE (business_name, employee_id, rep_id, escalation_level, contact_breached)
    WHERE contacted_at IS NULL AND outcome = 0 AND NOT duplicate;
