-- Leadline's per-service roles (docs/operations.md, "Database roles").
-- Run once as the database owner; the part after the marker line once
-- `leadline-intake migrate` has created schemas org and auth.
CREATE ROLE leadline_intake LOGIN PASSWORD '...';
CREATE ROLE leadline_sla LOGIN PASSWORD '...';
CREATE ROLE leadline_notifier LOGIN PASSWORD '...';
CREATE ROLE leadline_reporting LOGIN PASSWORD '...';
GRANT CREATE ON DATABASE leadline TO leadline_intake, leadline_sla,
      leadline_notifier, leadline_reporting;          -- each creates its schema
-- after `leadline-intake migrate` has created schema org:
GRANT USAGE ON SCHEMA org TO leadline_sla, leadline_notifier, leadline_reporting;
GRANT SELECT ON ALL TABLES IN SCHEMA org TO leadline_sla, leadline_notifier, leadline_reporting;
ALTER DEFAULT PRIVILEGES FOR ROLE leadline_intake IN SCHEMA org
      GRANT SELECT ON TABLES TO leadline_sla, leadline_notifier, leadline_reporting;
-- the key registry, which every service with CURVE on re-reads every second:
GRANT USAGE ON SCHEMA auth TO leadline_sla, leadline_notifier, leadline_reporting;
GRANT SELECT ON auth.keys TO leadline_sla, leadline_notifier, leadline_reporting;
