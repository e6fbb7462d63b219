-- The SLA watcher's clocks and its configuration. Lead facts arrive only as
-- intake's events; org data (districts, ladders) is read from schema org.

-- One row per lead and deadline (1 entry, 2 contact). Times are
-- microseconds since the epoch, as in the events. `stage` is the highest
-- step fired (0 none, 1 warning, 2 breach + level 1, 3 level 2, 4 level 3);
-- `next_us` is when the next step falls due, NULL when nothing is left to
-- fire. A step's event is written to event_log in the same transaction
-- that moves `stage`, so a step fires once or not at all.
CREATE TABLE clock (
    lead_id     text     NOT NULL,
    deadline    smallint NOT NULL CHECK (deadline IN (1, 2)),
    program     text     NOT NULL DEFAULT '',
    office_id   text     NOT NULL DEFAULT '',
    district_id text     NOT NULL DEFAULT '',
    rep_id      text     NOT NULL DEFAULT '',
    start_us    bigint   NOT NULL,
    warn_us     bigint,
    due_us      bigint   NOT NULL,
    level2_us   bigint,
    level3_us   bigint,
    stage       smallint NOT NULL DEFAULT 0,
    next_us     bigint,
    stopped_us  bigint,
    outcome     smallint NOT NULL DEFAULT 0,   -- 0 open, 1 met, 2 met late, 3 cancelled
    PRIMARY KEY (lead_id, deadline)
);
-- The timer: what falls due next, in deadline order. Only clocks with a
-- step left are in it, so its size is the number of running timers.
CREATE INDEX clock_due ON clock (next_us) WHERE next_us IS NOT NULL;

-- Deadline policy per program ('customer_connect', ...; '*' for all).
-- NULL columns take the defaults from the environment
-- (LEADLINE_SLA_ENTRY_HOURS, ...). Read at start and every
-- LEADLINE_SLA_RELOAD_S seconds; changes apply to clocks started after.
CREATE TABLE policy (
    program        text PRIMARY KEY,
    entry_hours    double precision CHECK (entry_hours > 0),
    contact_hours  double precision CHECK (contact_hours > 0),
    warn_percent   int CHECK (warn_percent BETWEEN 0 AND 99),
    level2_hours   double precision CHECK (level2_hours > 0),
    level3_hours   double precision CHECK (level3_hours > 0),
    levels         int CHECK (levels BETWEEN 1 AND 3)
);

-- Business hours for a district. Without a row, its clocks run in calendar
-- hours. time_zone NULL takes org.districts.time_zone. work_days is a bit
-- set, 1 << weekday with Sunday = 0 (62 = Monday to Friday).
CREATE TABLE district_calendar (
    district_id      text PRIMARY KEY,
    time_zone        text,
    work_days        int  NOT NULL DEFAULT 62 CHECK (work_days BETWEEN 1 AND 127),
    day_start_min    int  NOT NULL DEFAULT 480 CHECK (day_start_min BETWEEN 0 AND 1439),
    day_end_min      int  NOT NULL DEFAULT 1020 CHECK (day_end_min BETWEEN 1 AND 1440),
    federal_holidays boolean NOT NULL DEFAULT true,
    CHECK (day_start_min < day_end_min)
);

-- Extra non-working days of a district ('*': every business-hours district).
CREATE TABLE holiday (
    district_id text NOT NULL,
    day         date NOT NULL,
    name        text NOT NULL DEFAULT '',
    PRIMARY KEY (district_id, day)
);
