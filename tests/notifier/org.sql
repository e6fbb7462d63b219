-- A small organisation for the notifier's tests: two districts in different
-- time zones, an office in each with its two coordinators, a branch
-- president and an NBA above each.
INSERT INTO org.districts (id, name, time_zone) VALUES
    ('D1', 'Triboro', 'America/New_York'),
    ('D2', 'Westside', 'UTC');
INSERT INTO org.offices (id, district_id, name, zip) VALUES
    ('O1', 'D1', 'Jamaica', '11431'),
    ('O2', 'D2', 'Holliswood', '11423');
INSERT INTO org.stations (id, office_id, name) VALUES
    ('S1', 'O1', 'Jamaica Main'),
    ('S2', 'O2', 'Holliswood Station');
INSERT INTO org.employees (id, station_id, name, craft, email) VALUES
    ('E1', 'S1', 'Minh Tieu', 'clerk', 'e1@example.test'),
    ('E2', 'S2', 'Kahlil Wilson', 'city_carrier', 'e2@example.test');
INSERT INTO org.reps (id, name, email, capacity) VALUES
    ('R1', 'Richard Danzo', 'r1@example.test', 100),
    ('R2', 'Pat Doe', 'r2@example.test', 100);
INSERT INTO org.rep_territories (rep_id, scope_kind, scope_id) VALUES
    ('R1', 'office', 'O1'), ('R2', 'district', 'D2');
INSERT INTO org.coordinators (office_id, role, person_id, name, email) VALUES
    ('O1', 'union', 'C1U', 'Union One', 'c1u@example.test'),
    ('O1', 'management', 'C1M', 'Manager One', 'c1m@example.test'),
    ('O2', 'union', 'C2U', 'Union Two', 'c2u@example.test'),
    ('O2', 'management', 'C2M', 'Manager Two', 'c2m@example.test');
INSERT INTO org.branch_presidents (id, name, email, district_id) VALUES
    ('BP1', 'Branch One', 'bp1@example.test', 'D1'),
    ('BP2', 'Branch Two', 'bp2@example.test', 'D2');
INSERT INTO org.branch_offices (office_id, president_id) VALUES ('O1', 'BP1');
INSERT INTO org.nbas (id, name, email) VALUES
    ('N1', 'Agent One', 'n1@example.test'), ('N2', 'Agent Two', 'n2@example.test');
INSERT INTO org.nba_districts (district_id, nba_id) VALUES ('D1', 'N1'), ('D2', 'N2');
-- Product lines, so intake can assign to these reps (the `intake` case).
INSERT INTO org.rep_products (rep_id, product) VALUES ('R1', 'all'), ('R2', 'all');
