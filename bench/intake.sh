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
