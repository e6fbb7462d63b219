-- The timer engine fires a round in one statement: it moves the clocks and
-- writes their events together. This refuses the statement, and with it the
-- transaction, unless every clock it was given moved: a step is never
-- written for a clock that did not move, nor a clock moved without its step.
CREATE FUNCTION fired (moved bigint, expected bigint, written bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF moved <> expected THEN
        RAISE EXCEPTION 'sla: % of % clocks moved; the round is rolled back', moved, expected
            USING ERRCODE = '40001';
    END IF;
    RETURN written;
END
$$;
