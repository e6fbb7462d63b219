#!/usr/bin/env bash
# The per-service roles of docs/operations.md ("Database roles") work as
# written: run its SQL (the part before and after intake's migration) on a
# private PostgreSQL, migrate and check every service as its own role, load
# the organisation as intake's role, and show that the other roles can
# read schema org but not change it. Run under tests/lib/with-pg.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${LEADLINE_BIN_DIR:-$root/build/bin}
name=deploy_roles
fail() { echo "$name: $*"; exit 1; }
for s in intake sla-watcher notifier reporting; do
  [ -x "$bin/leadline-$s" ] || { echo "$name: skipped: leadline-$s is not built"; exit 77; }
done
[ -x "$bin/leadline" ] || { echo "$name: skipped: leadline is not built"; exit 77; }
psql=$(ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
admin_db=$LEADLINE_DB
as_role() { echo "${LEADLINE_DB/user=leadline/user=$1}"; }

# deploy/roles/roles.sql, which the ```sql block of the docs' section
# shows verbatim; split at its "after ... migrate" comment.
doc_sql=$(awk '/^### Database roles/{on=1} on&&/^```sql/{c=1;next} c&&/^```/{exit} c' "$root/docs/operations.md")
[ -n "$doc_sql" ] || fail "docs/operations.md has no sql block under 'Database roles'"
sql=$(tail -n +4 "$root/deploy/roles/roles.sql")
[ "$sql" = "$doc_sql" ] || fail "docs/operations.md's sql block differs from deploy/roles/roles.sql: $(diff <(echo "$doc_sql") <(echo "$sql") | head -n 5)"
# scripts/stack runs the same file and each service as its own role.
grep -q 'deploy/roles/roles.sql' "$root/scripts/stack" || fail "scripts/stack does not set the roles up"
grep -q 'LEADLINE_DB=$(db_for "$svc") "$exe" run' "$root/scripts/stack" && grep -q '\[intake\]=leadline_intake' "$root/scripts/stack" \
  || fail "scripts/stack does not run the services as their roles"
sql=${sql//PASSWORD \'...\'/PASSWORD \'test\'}
before=$(printf '%s\n' "$sql" | sed '/^-- after `leadline-intake migrate`/,$d')
after=$(printf '%s\n' "$sql" | sed -n '/^-- after `leadline-intake migrate`/,$p')
[ -n "$after" ] || fail "the sql block has no '-- after \`leadline-intake migrate\`' part"

run_sql() { "$psql" -X -q -v ON_ERROR_STOP=1 "$admin_db" -c "$1" >/dev/null || fail "the documented SQL fails: $1"; }
run_sql "$before"
declare -A role=([intake]=leadline_intake [sla-watcher]=leadline_sla [notifier]=leadline_notifier [reporting]=leadline_reporting)
LEADLINE_DB=$(as_role leadline_intake) "$bin/leadline-intake" migrate >/dev/null 2>&1 \
  || fail "leadline-intake migrate as leadline_intake failed"
run_sql "$after"
for s in sla-watcher notifier reporting; do
  out=$(LEADLINE_DB=$(as_role "${role[$s]}") "$bin/leadline-$s" migrate 2>&1) \
    || fail "leadline-$s migrate as ${role[$s]} failed: $(tail -n 3 <<<"$out")"
done
for s in intake sla-watcher notifier reporting; do
  out=$(LEADLINE_DB=$(as_role "${role[$s]}") "$bin/leadline-$s" check 2>&1) \
    || fail "leadline-$s check as ${role[$s]} failed: $(tail -n 3 <<<"$out")"
done
out=$(LEADLINE_DB=$(as_role leadline_intake) "$bin/leadline" admin import "$root/tests/intake/org.csv" 2>&1) \
  || fail "leadline admin import as leadline_intake failed: $(tail -n 3 <<<"$out")"
# Tables intake made after the grant are readable too (default privileges),
# and nobody but intake's role writes org.
for r in leadline_sla leadline_notifier leadline_reporting; do
  n=$("$psql" -X -qAt "$(as_role $r)" -c "SELECT count(*) FROM org.districts" 2>&1) \
    || fail "$r cannot read org.districts: $n"
  [ "$n" -gt 0 ] || fail "$r reads no districts after the import"
  w=$("$psql" -X -qAt "$(as_role $r)" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n
        ON n.oid = c.relnamespace WHERE n.nspname = 'org' AND c.relkind = 'r'
        AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')")
  [ "$w" = 0 ] || fail "$r may change $w table(s) of schema org"
done
owners=$("$psql" -X -qAt "$admin_db" -c "SELECT string_agg(nspname || '=' || pg_get_userbyid(nspowner), ' '
          ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('org','intake','sla','notifier','reporting')")
[ "$owners" = "intake=leadline_intake notifier=leadline_notifier org=leadline_intake reporting=leadline_reporting sla=leadline_sla" ] \
  || fail "schemas are not owned by their services' roles: $owners"
# No service role may change another service's tables, nor read intake's
# lead data: the catalogue says so, and real statements are refused.
declare -A own=([leadline_intake]="intake org auth" [leadline_sla]=sla
  [leadline_notifier]=notifier [leadline_reporting]=reporting)
for r in "${!own[@]}"; do
  mine=$(printf "'%s'," ${own[$r]}); mine=${mine%,}
  w=$("$psql" -X -qAt "$(as_role $r)" -c "SELECT coalesce (string_agg (n.nspname || '.' || c.relname, ' '), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('org','intake','sla','notifier','reporting','auth')
          AND n.nspname NOT IN ($mine) AND c.relkind IN ('r', 'p')
          AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')")
  [ -z "$w" ] || fail "$r may change another service's tables: $w"
done
refused() {  # ROLE SQL: the statement must fail with "permission denied"
  local out
  if out=$("$psql" -X -q -v ON_ERROR_STOP=1 "$(as_role "$1")" -c "$2" 2>&1); then
    fail "$1 was allowed: $2"
  fi
  grep -q "permission denied" <<<"$out" || fail "$1: $2 failed, but not for lack of rights: $out"
}
for r in leadline_sla leadline_notifier leadline_reporting; do
  refused $r "INSERT INTO intake.leads (id) VALUES (gen_random_uuid())"
  refused $r "UPDATE intake.leads SET status = 'won'"
  refused $r "DELETE FROM intake.leads"
  refused $r "SELECT count(*) FROM intake.leads"
  refused $r "INSERT INTO intake.audit (lead_id, action, actor, at, idempotency_key)
              VALUES (gen_random_uuid(), 'x', 'x', now(), 'x')"
  refused $r "DELETE FROM org.employees"
  refused $r "UPDATE auth.keys SET revoked_at = NULL"
  refused $r "INSERT INTO auth.keys (public_key, kind, subject) VALUES (repeat('a', 40), 'service', 'x')"
done
refused leadline_reporting "DELETE FROM sla.clock"
refused leadline_reporting "DELETE FROM notifier.notification"
refused leadline_intake "DELETE FROM reporting.schema_version"
refused leadline_sla "DELETE FROM reporting.schema_version"
# What they may do: read org and the key registry.
for r in leadline_sla leadline_notifier leadline_reporting; do
  "$psql" -X -qAt "$(as_role $r)" -c "SELECT count(*) FROM auth.keys" >/dev/null 2>&1 \
    || fail "$r cannot read auth.keys (CURVE on needs it)"
done
echo "$name: roles, migrations, checks, import and privileges as documented; no role writes another service's tables"
