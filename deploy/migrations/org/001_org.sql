-- The organisation: who hands in leads, where, and who follows them up.
-- Loaded by `leadline admin import FILE.csv` (docs/org-csv.md); read by every
-- service. Rows are never deleted by an import: reps are deactivated instead,
-- so that leads keep pointing at real people.
CREATE TABLE districts (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    time_zone  text NOT NULL,              -- IANA name, e.g. America/New_York
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE offices (
    id          text PRIMARY KEY,
    district_id text NOT NULL REFERENCES districts (id),
    name        text NOT NULL,
    zip         text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offices_district ON offices (district_id);

CREATE TABLE stations (
    id         text PRIMARY KEY,
    office_id  text NOT NULL REFERENCES offices (id),
    name       text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stations_office ON stations (office_id);

-- Craft -> lead program. Seeded with the national programs; an import may
-- add crafts or move one to another program.
CREATE TABLE crafts (
    craft   text PRIMARY KEY,
    program text NOT NULL CHECK (program IN ('customer_connect', 'clerks_care',
            'mail_handlers', 'rural_reach', 'business_connect', 'submit_a_lead'))
);
INSERT INTO crafts (craft, program) VALUES
    ('city_carrier', 'customer_connect'),
    ('letter_carrier', 'customer_connect'),
    ('clerk', 'clerks_care'),
    ('retail_associate', 'clerks_care'),
    ('mail_handler', 'mail_handlers'),
    ('rural_carrier', 'rural_reach'),
    ('postmaster', 'business_connect'),
    ('manager', 'business_connect'),
    ('supervisor', 'business_connect'),
    ('other', 'submit_a_lead');

CREATE TABLE employees (
    id         text PRIMARY KEY,
    station_id text NOT NULL REFERENCES stations (id),
    name       text NOT NULL,
    craft      text NOT NULL REFERENCES crafts (craft),
    email      text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employees_station ON employees (station_id);

-- An employee's program follows from the craft.
CREATE VIEW employee_programs AS
    SELECT e.id AS employee_id, e.station_id, c.program
    FROM employees e JOIN crafts c USING (craft);

CREATE TABLE reps (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL DEFAULT '',
    capacity   int  NOT NULL CHECK (capacity >= 0),   -- open leads at most
    weight     int  NOT NULL DEFAULT 1 CHECK (weight >= 1),
    active     boolean NOT NULL DEFAULT true,
    away_until timestamptz,                          -- away before this time
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A rep covers offices and/or whole districts.
CREATE TABLE rep_territories (
    rep_id     text NOT NULL REFERENCES reps (id),
    scope_kind text NOT NULL CHECK (scope_kind IN ('office', 'district')),
    scope_id   text NOT NULL,
    PRIMARY KEY (rep_id, scope_kind, scope_id)
);
CREATE INDEX rep_territories_scope ON rep_territories (scope_kind, scope_id);

-- Product lines, named as in the protocol without the PRODUCT_ prefix,
-- lower case (priority_mail, eddm, ...), or 'all'.
CREATE TABLE rep_products (
    rep_id  text NOT NULL REFERENCES reps (id),
    product text NOT NULL,
    PRIMARY KEY (rep_id, product)
);

-- Who takes a district's leads when no rep is eligible.
CREATE TABLE fallback_owners (
    district_id text PRIMARY KEY REFERENCES districts (id),
    rep_id      text NOT NULL REFERENCES reps (id)
);

-- Managers may reassign leads of their district (all districts if NULL).
CREATE TABLE managers (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL DEFAULT '',
    district_id text REFERENCES districts (id)
);

-- Each office has a union and a management coordinator.
CREATE TABLE coordinators (
    office_id text NOT NULL REFERENCES offices (id),
    role      text NOT NULL CHECK (role IN ('union', 'management')),
    person_id text NOT NULL,
    name      text NOT NULL,
    email     text NOT NULL DEFAULT '',
    PRIMARY KEY (office_id, role)
);

-- Branch presidents: the union branch above an office's coordinators.
CREATE TABLE branch_presidents (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL DEFAULT '',
    district_id text NOT NULL REFERENCES districts (id)
);
-- The offices of a branch; a president with no rows here covers the
-- offices of their district that no other president names.
CREATE TABLE branch_offices (
    office_id    text PRIMARY KEY REFERENCES offices (id),
    president_id text NOT NULL REFERENCES branch_presidents (id)
);

-- National business agents: the last step of the escalation ladder.
CREATE TABLE nbas (
    id    text PRIMARY KEY,
    name  text NOT NULL,
    email text NOT NULL DEFAULT ''
);
CREATE TABLE nba_districts (
    district_id text PRIMARY KEY REFERENCES districts (id),
    nba_id      text NOT NULL REFERENCES nbas (id)
);

-- The escalation ladder of each office, for the services that climb it:
-- level 1 the two coordinators, 2 the branch president, 3 the NBA.
CREATE VIEW office_ladder AS
    SELECT c.office_id, 1 AS level, c.role, c.person_id, c.name, c.email
      FROM coordinators c
    UNION ALL
    SELECT o.id, 2, 'branch_president', bp.id, bp.name, bp.email
      FROM offices o
      JOIN branch_presidents bp ON bp.id = coalesce (
           (SELECT bo.president_id FROM branch_offices bo WHERE bo.office_id = o.id),
           (SELECT min (b2.id) FROM branch_presidents b2
             WHERE b2.district_id = o.district_id
               AND NOT EXISTS (SELECT 1 FROM branch_offices x WHERE x.president_id = b2.id)))
    UNION ALL
    SELECT o.id, 3, 'nba', n.id, n.name, n.email
      FROM offices o
      JOIN nba_districts nd ON nd.district_id = o.district_id
      JOIN nbas n ON n.id = nd.nba_id;
