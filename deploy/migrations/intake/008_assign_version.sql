-- Intake keeps the reps of the territories it assigns in, with their round-
-- robin state and open leads, in memory between batches, and asks the
-- store only whether any of it changed since: one number, bumped by every
-- statement that changes what assignment reads. Intake's own writes bump it
-- in the statement itself (intake_store.c); the triggers catch every change
-- to the org data, whoever makes it (`leadline admin import`, a hand edit).
CREATE TABLE assign_version (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version  bigint NOT NULL
);
INSERT INTO assign_version VALUES (true, 0);

-- Runs as intake's role, so a role that may edit the org data need not be
-- granted intake's tables.
CREATE FUNCTION assign_changed () RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE intake.assign_version SET version = version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER assign_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org.reps
    FOR EACH STATEMENT EXECUTE FUNCTION assign_changed ();
CREATE TRIGGER assign_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org.rep_territories
    FOR EACH STATEMENT EXECUTE FUNCTION assign_changed ();
CREATE TRIGGER assign_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org.rep_products
    FOR EACH STATEMENT EXECUTE FUNCTION assign_changed ();
CREATE TRIGGER assign_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org.fallback_owners
    FOR EACH STATEMENT EXECUTE FUNCTION assign_changed ();
