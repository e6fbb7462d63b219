-- bench/report_gen.sql — the data set of `bench/run report`, built straight
-- into the store with INSERT ... SELECT generate_series (no events): an org
-- of :districts districts x :opd offices x :spo stations x :eps employees,
-- and :leads leads over fiscal year 2027 in reporting.lead_fact, then the
-- roll-ups rebuilt from it (reporting.rollup_rebuild, the same from-scratch
-- computation the tests compare the incremental roll-ups with).
-- Run with psql -v leads=N -v districts=D -v opd=O -v spo=S -v eps=E.
\set ON_ERROR_STOP on
\timing on
SET work_mem = '256MB';
SELECT setseed(0.42);

-- Org: ids D01, O0001, S00001, E000001; every district in one time zone.
INSERT INTO org.districts (id, name, time_zone)
SELECT 'D' || lpad(d::text, 2, '0'), 'District ' || d, 'America/Chicago'
  FROM generate_series(1, :districts) d;
INSERT INTO org.offices (id, district_id, name, zip)
SELECT 'O' || lpad(o::text, 4, '0'), 'D' || lpad(((o - 1) / :opd + 1)::text, 2, '0'),
       'Office ' || o, ''
  FROM generate_series(1, :districts * :opd) o;
INSERT INTO org.stations (id, office_id, name)
SELECT 'S' || lpad(s::text, 5, '0'), 'O' || lpad(((s - 1) / :spo + 1)::text, 4, '0'),
       'Station ' || s
  FROM generate_series(1, :districts * :opd * :spo) s;
INSERT INTO org.employees (id, station_id, name, craft)
SELECT 'E' || lpad(e::text, 6, '0'), 'S' || lpad(((e - 1) / :eps + 1)::text, 5, '0'),
       'Employee ' || e,
       (ARRAY ['city_carrier', 'clerk', 'mail_handler', 'rural_carrier', 'retail_associate',
               'supervisor', 'other', 'city_carrier', 'clerk', 'city_carrier']) [e % 10 + 1]
  FROM generate_series(1, :districts * :opd * :spo * :eps) e;
INSERT INTO org.reps (id, name, capacity)
SELECT 'R' || r, 'Rep ' || r, 100000 FROM generate_series(1, 500) r;
INSERT INTO org.coordinators (office_id, role, person_id, name)
SELECT o.id, r.role, o.id || '-' || r.role, 'Coordinator of ' || o.id
  FROM org.offices o, (VALUES ('union'), ('management')) r (role)
 WHERE r.role = 'union' OR right(o.id, 1) <> '7';

-- Leads, bulk: the roll-up trigger and the secondary indexes are off
-- while loading, then the indexes are built once.
ALTER TABLE reporting.lead_fact DISABLE TRIGGER USER;
DROP INDEX reporting.lead_fact_employee, reporting.lead_fact_station, reporting.lead_fact_open,
           reporting.lead_fact_open_count;
CREATE TEMP TABLE emp AS
SELECT e AS n, 'E' || lpad(e::text, 6, '0') AS id,
       'S' || lpad(((e - 1) / :eps + 1)::text, 5, '0') AS station,
       'O' || lpad(((e - 1) / :eps / :spo + 1)::text, 4, '0') AS office,
       'D' || lpad(((e - 1) / :eps / :spo / :opd + 1)::text, 2, '0') AS district,
       (ARRAY [1, 2, 3, 4, 2, 5, 6, 1, 2, 1]) [e % 10 + 1]::smallint AS program
  FROM generate_series(1, :districts * :opd * :spo * :eps) e;
CREATE UNIQUE INDEX ON emp (n);
ANALYZE emp;

INSERT INTO reporting.lead_fact (lead_id, employee_id, station_id, office_id, district_id,
       program, products, business_name, card_at, card_day, entered_at, rep_id, assigned_at,
       reassignments, contacted_at, outcome, outcome_at, outcome_day, revenue_cents,
       lost_reason, duplicate, duplicate_of, entry_breached, contact_breached, escalation_level)
SELECT 'L' || g, e.id, e.station, e.office, e.district, e.program,
       CASE WHEN r3 < 0.5 THEN ARRAY [(1 + g % 8)::smallint]
            ELSE ARRAY [(1 + g % 8)::smallint, (1 + (g / 8) % 8)::smallint] END,
       'Business ' || g, card, (card AT TIME ZONE 'America/Chicago')::date, entered,
       CASE WHEN dup THEN NULL ELSE 'R' || (g % 500 + 1) END,
       CASE WHEN dup THEN NULL ELSE entered END,
       (NOT dup AND g % 10 = 0)::int,
       contacted,
       CASE WHEN contacted IS NULL THEN 0 WHEN r5 < 0.4 THEN 1 WHEN r5 < 0.7 THEN 2
            WHEN r5 < 0.9 THEN 3 ELSE 0 END,
       CASE WHEN contacted IS NOT NULL AND r5 < 0.9 THEN contacted + interval '30 hours' END,
       CASE WHEN contacted IS NOT NULL AND r5 < 0.9
            THEN ((contacted + interval '30 hours') AT TIME ZONE 'America/Chicago')::date END,
       CASE WHEN contacted IS NOT NULL AND r5 < 0.4 THEN 5000 + (r6 * 500000)::bigint ELSE 0 END,
       CASE WHEN contacted IS NOT NULL AND r5 >= 0.4 AND r5 < 0.7 THEN 'price' ELSE '' END,
       dup, CASE WHEN dup THEN 'L' || greatest(1, g - 1000) END,
       entered - card > interval '24 hours',
       NOT dup AND (contacted IS NULL OR contacted - entered > interval '48 hours'),
       CASE WHEN NOT dup AND contacted IS NULL THEN 3
            WHEN NOT dup AND contacted - entered > interval '48 hours' THEN 1 ELSE 0 END
  FROM (SELECT g, r3, r5, r6, emp_n,
               card, entered, dup,
               CASE WHEN dup OR r4 > 0.8 THEN NULL
                    ELSE entered + r4 * interval '75 hours' END AS contacted
          FROM (SELECT g, r3, r4, r5, r6,
                       -- a third of the employees hand in most leads
                       ((floor(power(r1, 2.0) * :districts * :opd * :spo * :eps)::bigint * 7919)
                         % (:districts * :opd * :spo * :eps)) + 1 AS emp_n,
                       card,
                       card + CASE WHEN r2 < 0.9 THEN r2 * interval '22 hours'
                                   ELSE interval '25 hours' + r2 * interval '48 hours' END AS entered,
                       r3 < 0.05 AS dup
                  FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3,
                               random() AS r4, random() AS r5, random() AS r6,
                               timestamptz '2026-10-01 11:00:00+00'
                                 + (g::double precision / :leads) * interval '360 days'
                                 + (random() * 10) * interval '1 hour' AS card
                          FROM generate_series(1, :leads) g) a) b) c
  JOIN emp e ON e.n = c.emp_n;

CREATE INDEX lead_fact_employee ON reporting.lead_fact (employee_id, card_day);
CREATE INDEX lead_fact_station ON reporting.lead_fact (station_id, card_day);
CREATE INDEX lead_fact_open ON reporting.lead_fact (station_id, entered_at, lead_id)
    INCLUDE (business_name, employee_id, rep_id, escalation_level, contact_breached)
    WHERE contacted_at IS NULL AND outcome = 0 AND NOT duplicate;
CREATE INDEX lead_fact_open_count ON reporting.lead_fact (station_id, entered_at)
    INCLUDE (contact_breached) WHERE contacted_at IS NULL AND outcome = 0 AND NOT duplicate;
-- What a plain-SQL district report over the raw table would index by.
CREATE INDEX bench_lead_fact_district ON reporting.lead_fact (district_id, card_day);
ALTER TABLE reporting.lead_fact ENABLE TRIGGER USER;

-- The roll-ups from scratch: the same computation the tests check the
-- incremental roll-ups against.
SELECT reporting.rollup_rebuild();
VACUUM ANALYZE reporting.lead_fact;
VACUUM ANALYZE reporting.rollup_day;
VACUUM ANALYZE reporting.rollup_product_day;
VACUUM ANALYZE reporting.rollup_term_station;
VACUUM ANALYZE reporting.rollup_term_employee;
VACUUM ANALYZE reporting.rollup_won_day;
VACUUM ANALYZE reporting.rollup_station_period;
ANALYZE org.employees;
ANALYZE org.stations;
ANALYZE org.offices;
