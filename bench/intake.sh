# bench/run intake — acknowledged durable leads/s through leadline-intake
# (synchronous_commit on, fsync on) and the ack latency seen by N terminals,
# against pgbench single-row inserts of a lead-shaped row on the same
# cluster with 32 clients.
#   BENCH_INTAKE_CARDS (100000)  BENCH_INTAKE_TERMINALS (32)
#   BENCH_INTAKE_WINDOW (8)      cards each terminal keeps in flight
source "$(dirname "$0")/lib.sh"
bench_cluster
bin="$bench_build/bin"
tbin="$bench_build/tests/bin"
work="$BENCH_PGDIR/intake-bench"
mkdir -p "$work"

psql "$LEADLINE_DB" -qX -c "CREATE TABLE bench_lead (id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE, employee_id text NOT NULL, station_id text NOT NULL,
  business_name text NOT NULL, business_zip text NOT NULL, contact_phone text NOT NULL,
  products smallint[] NOT NULL, notes text NOT NULL, entered_at timestamptz NOT NULL DEFAULT now())" >/dev/null
script=$(mktemp)
cat >"$script" <<'SQL'
INSERT INTO bench_lead (idempotency_key, employee_id, station_id, business_name, business_zip, contact_phone, products, notes)
VALUES (gen_random_uuid()::text, 'E1', 'S-MAIN', 'Shop abc 12345', '10001', '2125550100', '{1,5}', 'ships parcels daily');
SQL
tps32=$(pgbench_tps 32 10 "$script")
rm -f "$script"
figure pgbench_single_insert_32_clients "$tps32" tps

export LEADLINE_INTAKE_ENDPOINT="ipc://$work/intake" LEADLINE_INTAKE_PUB="ipc://$work/pub"
export LEADLINE_INTAKE_REPLAY="ipc://$work/replay" LEADLINE_INTAKE_HTTP=0
"$bin/leadline-intake" migrate 2>/dev/null
"$bin/leadline" admin import "$bench_root/tests/intake/org.csv" >/dev/null
"$bin/leadline-intake" run 2>"$work/intake.log" & BENCH_PIDS="$!"
for _ in $(seq 300); do grep -q '"intake.ready"' "$work/intake.log" && break; sleep 0.1; done
grep -q '"intake.ready"' "$work/intake.log" || { tail "$work/intake.log" >&2; exit 1; }

# A short warm-up, then the measured run.
INTAKE_ENDPOINT=$LEADLINE_INTAKE_ENDPOINT INTAKE_LOAD_CARDS=2000 INTAKE_LOAD_SEED=900000000 \
  "$tbin/intake_load" >/dev/null
out=$(INTAKE_ENDPOINT=$LEADLINE_INTAKE_ENDPOINT \
  INTAKE_LOAD_CARDS=${BENCH_INTAKE_CARDS:-100000} \
  INTAKE_LOAD_TERMINALS=${BENCH_INTAKE_TERMINALS:-32} \
  INTAKE_LOAD_WINDOW=${BENCH_INTAKE_WINDOW:-8} "$tbin/intake_load")
echo "$out"
lps=$(echo "$out" | awk '$2 == "intake_acked_leads_per_s" { print $3 }')
stored=$(psql "$LEADLINE_DB" -qAtX -c "SELECT count(*) FROM intake.leads")
figure intake_leads_stored "$stored" leads
ratio intake_vs_pgbench_single_insert_32_clients "$lps" "$tps32"

# The store's floor for this work: PostgreSQL making intake's rows itself,
# no client, no look-ups, no checks: 256 lead rows (intake's columns and
# indexes) and their 512 event rows per transaction, generated server-side.
# Not a baseline to beat but a ceiling: intake cannot store leads faster
# than its store can write their rows. Measured after intake's run, on the
# same tables.
kill "$BENCH_PIDS" 2>/dev/null || true
psql "$LEADLINE_DB" -qX -c "CREATE SEQUENCE bench_floor_seq" >/dev/null
script=$(mktemp)
cat >"$script" <<'SQL'
BEGIN;
INSERT INTO intake.leads (id, idempotency_key, employee_id, station_id, office_id, district_id, program,
  card_completed_at, entered_at, business_name, business_address, business_zip, contact_name, contact_phone,
  contact_email, products, notes, phone_key, name_zip_key, name_addr_key, status, rep_id, assign_reason,
  updated_at, request_hash, reply)
SELECT gen_random_uuid(), md5(random()::text), 'E1', 'S-MAIN', 'O1', 'D1', 1, now(), now(),
  'Shop ' || md5(random()::text), '12 Main Street', '10001', 'Owner abc', '2125550100', 'owner@example.com',
  '{1,5}', 'ships parcels daily', md5(random()::text), md5(random()::text), md5(random()::text),
  'assigned', 'R1', 'territory', now(), md5(random()::text), decode(repeat('ab', 120), 'hex')
FROM generate_series(1, 256);
INSERT INTO intake.event_log (stream, seq, event_id, type, payload)
SELECT 'floor', nextval('bench_floor_seq'), gen_random_uuid(), 'lead_entered', decode(repeat('ab', 300), 'hex')
FROM generate_series(1, 512);
COMMIT;
SQL
floor=$(( $(pgbench_tps 2 10 "$script") * 256 ))
rm -f "$script"
figure store_floor_server_generated_leads "$floor" leads/s
ratio store_floor_vs_pgbench_single_insert_32_clients "$floor" "$tps32"
ratio intake_vs_store_floor "$lps" "$floor"
