-- Every index on leads is paid for by every lead handed in. Intake never
-- looks leads up by rep or by employee (loads are kept in rep_load, reports
-- are built from events), so these two go.
DROP INDEX IF EXISTS leads_rep;
DROP INDEX IF EXISTS leads_employee;
